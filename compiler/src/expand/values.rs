//! Values and templates: expressions evaluated in a scope, string
//! templates built, fields and children of a declaration evaluated.

use super::*;

impl Expander<'_> {
    pub(super) fn eval(&mut self, e: &SExpr, scope: &Scope) -> SValue {
        let span = e.span;
        let value = match &e.expr {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Var(name) => return self.var(name, span),
            Expr::Secret(name) => return self.secret(name, span),
            Expr::Input(name) => return self.input(name, span),
            Expr::List(items) => Value::List(items.iter().map(|i| self.eval(i, scope)).collect()),
            Expr::Ref(t) => match self.text(t, span, scope) {
                Some(path) => Value::Ref(path),
                None => Value::Null,
            },
            Expr::Str(t) => return self.template(t, span, scope),
        };
        SValue { value, span }
    }

    /// A template evaluated to plain text (labels, reference paths).
    pub(super) fn text(&mut self, t: &Template, span: Span, scope: &Scope) -> Option<SmolStr> {
        if let Some(s) = t.as_literal() {
            return Some(s.into());
        }
        match self.template(t, span, scope).value {
            Value::Str(s) => Some(s),
            Value::Int(i) => Some(i.to_string().into()),
            Value::Null => None,
            other => {
                self.err(
                    Diagnostic::error(
                        Code::BadInterpolation,
                        format!("a {} cannot be part of a name", other.type_name()),
                    )
                    .at(span, "must be plain text")
                    .help(
                        "names and reference paths may interpolate variables and parameters only",
                    ),
                );
                None
            }
        }
    }

    /// The value of one interpolated part, with its own type.
    pub(super) fn part(&mut self, part: &Part, span: Span, scope: &Scope) -> SValue {
        match part {
            Part::Lit(s) => SValue {
                value: Value::Str(s.clone()),
                span,
            },
            Part::Var(n) => self.var(n, span),
            Part::Local(n) => self.local(n, span, scope),
            Part::Secret(n) => self.secret(n, span),
            Part::Input(n) => self.input(n, span),
            Part::Ref(p) => SValue {
                value: Value::Ref(p.as_str().into()),
                span,
            },
            Part::Formula(f) => self.formula(f, span, scope),
        }
    }

    pub(super) fn template(&mut self, t: &Template, span: Span, scope: &Scope) -> SValue {
        // A template that is one interpolation keeps the value's own type.
        if let [single] = t.parts() {
            match single {
                Part::Lit(s) => {
                    return SValue {
                        value: Value::Str(s.clone()),
                        span,
                    }
                }
                other => return self.part(other, span, scope),
            }
        }
        // Literal text accumulates in `lit` and becomes a part only when a
        // reference or secret interrupts it: most templates end as one
        // string, built in one allocation.
        let literal_len: usize = t
            .parts()
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.len(),
                _ => 8,
            })
            .sum();
        // Built in a buffer kept from template to template: the result is
        // usually short enough to be stored inline.
        let mut lit = std::mem::take(&mut self.scratch);
        lit.clear();
        lit.reserve(literal_len);
        let mut parts: Vec<TPart> = Vec::new();
        let end_lit = |lit: &mut String, parts: &mut Vec<TPart>| {
            if !lit.is_empty() {
                parts.push(TPart::Lit(std::mem::take(lit)));
            }
        };
        for p in t.parts() {
            let v = match p {
                Part::Lit(s) => {
                    lit.push_str(s);
                    continue;
                }
                Part::Ref(path) => {
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Ref(path.clone()));
                    continue;
                }
                Part::Secret(n) => {
                    self.secret(n, span);
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Secret(n.clone()));
                    continue;
                }
                Part::Var(n) => self.var(n, span),
                Part::Local(n) => self.local(n, span, scope),
                Part::Formula(f) => self.formula(f, span, scope),
                Part::Input(n) => self.input(n, span),
            };
            if v.value.push_text(&mut lit) {
                continue;
            }
            match v.value {
                Value::Null => {}
                Value::Secret(n) => {
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Secret(n));
                }
                Value::Ref(r) => {
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Ref(r.to_string()));
                }
                Value::Template(inner) => {
                    for ip in inner {
                        match ip {
                            TPart::Lit(s) => lit.push_str(&s),
                            other => {
                                end_lit(&mut lit, &mut parts);
                                parts.push(other);
                            }
                        }
                    }
                }
                other => {
                    let ty = other.type_name();
                    self.err(
                        Diagnostic::error(Code::BadInterpolation, format!("a {ty} cannot be interpolated into a string"))
                            .at(span, format!("interpolates a {ty}"))
                            .help("only strings, numbers and booleans can be part of a string; pass a list as the whole value"),
                    );
                }
            }
        }
        let value = if parts.is_empty() {
            Value::Str(SmolStr::new(&lit))
        } else {
            end_lit(&mut lit, &mut parts);
            Value::Template(parts)
        };
        self.scratch = lit;
        SValue { value, span }
    }

    pub(super) fn fields(&mut self, fields: &[Field], scope: &Scope) -> Vec<IField> {
        fields
            .iter()
            .map(|f| IField {
                name: f.name.clone(),
                name_span: f.name_span,
                value: self.eval(&f.value, scope),
            })
            .collect()
    }

    /// A declaration's children, each once, or once per item of its own
    /// `for-each` (with `each`), or not at all when its `if` is false.
    pub(super) fn children<'c>(
        &mut self,
        children: impl IntoIterator<Item = &'c Child>,
        scope: &Scope,
    ) -> Vec<IChild> {
        let mut out = Vec::new();
        for c in children {
            match self.child_loop(c, scope) {
                None => out.push(self.child(c, scope)),
                Some((bare, scopes)) => {
                    for local in &scopes {
                        out.push(self.child(&bare, local));
                    }
                }
            }
        }
        out
    }

    fn child(&mut self, c: &Child, scope: &Scope) -> IChild {
        IChild {
            name: c.name.clone(),
            name_span: c.name_span,
            args: c.args.iter().map(|a| self.eval(a, scope)).collect(),
            props: self.fields(&c.props, scope),
            children: self.children(&c.children, scope),
            has_block: c.has_block,
            span: c.span,
        }
    }
}
