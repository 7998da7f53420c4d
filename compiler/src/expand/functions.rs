//! Evaluating `${…}` formulas (see `interpolation.rs`): `!`, `==`, `!=` and
//! the string and list functions, on values known when compiling. A
//! reference or a secret is known only to Terraform: it cannot be an
//! argument (E019).

use super::*;
use crate::interpolation::Formula;

impl Expander<'_> {
    pub(super) fn formula(&mut self, f: &Formula, span: Span, scope: &Scope) -> SValue {
        if let Formula::Operand(p) = f {
            return self.part(p, span, scope);
        }
        let value = self.evaluate(f, span, scope).unwrap_or(Value::Null);
        SValue { value, span }
    }

    /// The value of a formula; None once an error is reported, so that
    /// what uses it reports nothing more.
    fn evaluate(&mut self, f: &Formula, span: Span, scope: &Scope) -> Option<Value> {
        Some(match f {
            Formula::Operand(p) => self.part(p, span, scope).value,
            Formula::Str(s) => Value::Str(s.as_str().into()),
            Formula::Int(i) => Value::Int(*i),
            Formula::Bool(b) => Value::Bool(*b),
            Formula::Not(inner) => match self.known(inner, span, scope)? {
                Value::Bool(b) => Value::Bool(!b),
                Value::Null => Value::Bool(true),
                other => {
                    self.type_error("`!`", "a bool", &other, span);
                    return None;
                }
            },
            Formula::Compare { left, right, equal } => {
                let l = self.known(left, span, scope)?;
                let r = self.known(right, span, scope)?;
                Value::Bool(same(&l, &r) == *equal)
            }
            Formula::Call { function, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.known(a, span, scope)?);
                }
                self.call(function, values, span)?
            }
        })
    }

    /// A value infrac knows now: not a reference, a secret or a string
    /// that embeds them (those are Terraform's to know).
    fn known(&mut self, f: &Formula, span: Span, scope: &Scope) -> Option<Value> {
        match self.evaluate(f, span, scope)? {
            Value::Ref(_) | Value::Secret(_) | Value::Template(_) => {
                self.err(
                    Diagnostic::error(Code::BadInterpolation, "a reference or a secret cannot be computed with")
                        .at(span, "known only to Terraform")
                        .help("`!`, `==`, `!=` and functions work on variables, parameters, `index`, `each` and literals, whose values infrac knows when it compiles"),
                );
                None
            }
            v => Some(v),
        }
    }

    fn type_error(&mut self, what: &str, wants: &str, got: &Value, span: Span) {
        self.err(
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "{what} needs {wants}, not {}",
                    crate::diag::a(got.type_name())
                ),
            )
            .at(span, format!("{} here", crate::diag::a(got.type_name())))
            .help("check the types of the variables and parameters it uses"),
        );
    }

    fn argument_text(&mut self, function: &str, v: &Value, span: Span) -> Option<String> {
        let text = v.as_text();
        if text.is_none() {
            self.type_error(&format!("`{function}`"), "a string", v, span);
        }
        text
    }

    /// A list argument: a list, or a string of whitespace-separated items
    /// (how list variables and `for-each` strings are written).
    fn items(&mut self, function: &str, v: &Value, span: Span) -> Option<Vec<String>> {
        match v {
            Value::List(items) => items
                .iter()
                .map(|i| self.argument_text(function, &i.value, span))
                .collect(),
            Value::Str(s) => Some(s.split_whitespace().map(str::to_string).collect()),
            other => {
                self.type_error(&format!("`{function}`"), "a list", other, span);
                None
            }
        }
    }

    fn call(&mut self, function: &str, args: Vec<Value>, span: Span) -> Option<Value> {
        let list = |items: Vec<String>| {
            Value::List(
                items
                    .into_iter()
                    .map(|s| SValue {
                        value: Value::Str(s.into()),
                        span,
                    })
                    .collect(),
            )
        };
        let result = (|| -> Option<Value> {
            Some(match function {
                "lower" => Value::Str(
                    self.argument_text(function, &args[0], span)?
                        .to_lowercase()
                        .into(),
                ),
                "upper" => Value::Str(
                    self.argument_text(function, &args[0], span)?
                        .to_uppercase()
                        .into(),
                ),
                "trimspace" => {
                    Value::Str(self.argument_text(function, &args[0], span)?.trim().into())
                }
                "replace" => {
                    let s = self.argument_text(function, &args[0], span)?;
                    let from = self.argument_text(function, &args[1], span)?;
                    let to = self.argument_text(function, &args[2], span)?;
                    if from.is_empty() {
                        self.type_error(
                            "`replace`",
                            "a substring that is not empty",
                            &args[1],
                            span,
                        );
                        return None;
                    }
                    Value::Str(s.replace(&from, &to).into())
                }
                "join" => {
                    let sep = self.argument_text(function, &args[0], span)?;
                    Value::Str(self.items(function, &args[1], span)?.join(&sep).into())
                }
                "split" => {
                    let sep = self.argument_text(function, &args[0], span)?;
                    let s = self.argument_text(function, &args[1], span)?;
                    if sep.is_empty() {
                        self.type_error("`split`", "a separator that is not empty", &args[0], span);
                        return None;
                    }
                    list(s.split(sep.as_str()).map(str::to_string).collect())
                }
                "format" => {
                    let fmt = self.argument_text(function, &args[0], span)?;
                    let mut values = Vec::new();
                    for a in &args[1..] {
                        values.push(self.argument_text(function, a, span)?);
                    }
                    Value::Str(self.format(&fmt, &values, span)?.into())
                }
                "formatlist" => {
                    // Lists go element by element (all of one length);
                    // other arguments repeat.
                    let fmt = self.argument_text(function, &args[0], span)?;
                    let mut columns: Vec<Vec<String>> = Vec::new();
                    let mut length: Option<usize> = None;
                    for a in &args[1..] {
                        let column = match a {
                            Value::List(_) => self.items(function, a, span)?,
                            other => vec![self.argument_text(function, other, span)?],
                        };
                        if matches!(a, Value::List(_)) {
                            if length.is_some_and(|n| n != column.len()) {
                                self.type_error("`formatlist`", "lists of one length", a, span);
                                return None;
                            }
                            length = Some(column.len());
                        }
                        columns.push(column);
                    }
                    let rows = length.unwrap_or(1);
                    let mut out = Vec::with_capacity(rows);
                    for row in 0..rows {
                        let values: Vec<String> = columns
                            .iter()
                            .map(|c| {
                                if c.len() == 1 {
                                    c[0].clone()
                                } else {
                                    c[row].clone()
                                }
                            })
                            .collect();
                        out.push(self.format(&fmt, &values, span)?);
                    }
                    list(out)
                }
                "length" => match &args[0] {
                    Value::List(items) => Value::Int(items.len() as i64),
                    other => {
                        Value::Int(self.argument_text(function, other, span)?.chars().count() as i64)
                    }
                },
                "contains" => {
                    let items = self.items(function, &args[0], span)?;
                    let needle = self.argument_text(function, &args[1], span)?;
                    Value::Bool(items.contains(&needle))
                }
                _ => unreachable!("the parser accepts only the functions it lists"),
            })
        })();
        result
    }

    /// Terraform's `format` for `%s`, `%d` and `%%`.
    fn format(&mut self, fmt: &str, values: &[String], span: Span) -> Option<String> {
        let mut out = String::with_capacity(fmt.len());
        let mut next = values.iter();
        let mut chars = fmt.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some(verb @ ('s' | 'd')) => {
                    let Some(v) = next.next() else {
                        self.err(
                            Diagnostic::error(
                                Code::BadInterpolation,
                                "the format has more verbs than values",
                            )
                            .at(span, "too few values")
                            .help("give one value for each `%s` or `%d`"),
                        );
                        return None;
                    };
                    if verb == 'd' && v.parse::<i64>().is_err() {
                        self.err(
                            Diagnostic::error(
                                Code::WrongType,
                                format!("`%d` needs a whole number, not `{v}`"),
                            )
                            .at(span, "not a number")
                            .help("use `%s` for text"),
                        );
                        return None;
                    }
                    out.push_str(v);
                }
                other => {
                    self.err(
                        Diagnostic::error(Code::BadInterpolation, format!("`%{}` is not a verb infrac formats", other.map(String::from).unwrap_or_default()))
                            .at(span, "in this format")
                            .help("formats take `%s` (text), `%d` (a whole number) and `%%` (a percent sign)"),
                    );
                    return None;
                }
            }
        }
        if next.next().is_some() {
            self.err(
                Diagnostic::error(
                    Code::BadInterpolation,
                    "the format has more values than verbs",
                )
                .at(span, "too many values")
                .help("give one value for each `%s` or `%d`"),
            );
            return None;
        }
        Some(out)
    }
}

/// `==` on known values: numbers by value, everything else by type and
/// text (Terraform's `"3" == 3` is false too).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(&p.value, &q.value))
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a.as_text() == b.as_text(),
    }
}
