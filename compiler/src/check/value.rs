//! Values and types: each written value converted to the plan for the
//! type of the attribute it is written to.

use super::*;

impl Checker<'_> {
    pub(super) fn type_error(&mut self, ctx: &Ctx, v: &SValue, ty: &TfType) {
        let got = v.value.type_name();
        let hint = match (ty, &v.value) {
            (TfType::Number, Value::Str(s)) if s.parse::<f64>().is_ok() => {
                format!("write {s} without quotes")
            }
            (TfType::Bool, Value::Str(s)) if s == "true" || s == "false" => format!("write #{s}"),
            (TfType::Bool, _) => format!("`{}` takes #true or #false", ctx.name),
            (TfType::String, Value::List(_)) => format!("`{}` takes one value", ctx.name),
            _ => format!("`{}` takes {}", ctx.name, a(&ty.describe())),
        };
        self.err(
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "`{}` must be {}, not {}",
                    ctx.name,
                    a(&ty.describe()),
                    a(got)
                ),
            )
            .at(v.span, a(got))
            .help(hint),
        );
    }

    /// Converts a value to the plan for an attribute of type `ty`.
    pub(super) fn value(&mut self, v: &SValue, ty: &TfType, ctx: &Ctx) -> Option<PValue> {
        if ty.is_collection() {
            let elem = ty.element().cloned().unwrap_or(TfType::Dynamic);
            // Lists inside lists flatten: `tags "web" "${extra-tags}"`.
            fn flatten(v: &SValue, out: &mut Vec<SValue>) {
                match &v.value {
                    Value::List(items) => items.iter().for_each(|i| flatten(i, out)),
                    _ => out.push(v.clone()),
                }
            }
            let mut items = Vec::new();
            flatten(v, &mut items);
            let mut out = Vec::with_capacity(items.len());
            let single = items.len() == 1;
            let mut failed = false;
            for item in &items {
                match &item.value {
                    // A group reference spreads into the list, once.
                    Value::Ref(path) => {
                        let r = self
                            .names
                            .resolve(path, item.span, self.kinds, self.diags)?;
                        self.check_ref_kind(&r, ctx, item.span)?;
                        let attr = self.ref_attr(&r, ctx);
                        let given = ref_type(&r, attr);
                        match r.target {
                            // A list read whole where a list goes.
                            Target::One(t)
                                if single && !elem.accepts(given) && ty.accepts(given) =>
                            {
                                return Some(PValue::Ref { target: t, attr });
                            }
                            _ if !elem.accepts(given) => {
                                self.ref_type_error(ctx, path, item.span, &elem, given, true);
                                return None;
                            }
                            Target::One(t) => out.push(PValue::Ref { target: t, attr }),
                            Target::Group(g) => {
                                out.extend(g.into_iter().map(|t| PValue::Ref { target: t, attr }))
                            }
                        }
                    }
                    // Every bad item is reported, not only the first.
                    _ => match self.value(item, &elem, ctx) {
                        // A plain name of a group (`droplets "web"`) is its
                        // members, spread like a group reference.
                        Some(PValue::List(members)) if !elem.is_collection() => out.extend(members),
                        Some(one) => out.push(one),
                        None => failed = true,
                    },
                }
            }
            return (!failed).then_some(PValue::List(out));
        }
        let value = match (&v.value, ty) {
            (Value::Null, _) => PValue::Null,
            (Value::Ref(path), _) => {
                let r = self.names.resolve(path, v.span, self.kinds, self.diags)?;
                self.check_ref_kind(&r, ctx, v.span)?;
                let attr = self.ref_attr(&r, ctx);
                let given = ref_type(&r, attr);
                if !ty.accepts(given) {
                    self.ref_type_error(ctx, path, v.span, ty, given, false);
                    return None;
                }
                match r.target.clone() {
                    Target::One(t) => PValue::Ref { target: t, attr },
                    Target::Group(g) if matches!(ty, TfType::Dynamic) => PValue::List(
                        g.into_iter()
                            .map(|t| PValue::Ref { target: t, attr })
                            .collect(),
                    ),
                    Target::Group(g) => {
                        self.err(
                            Diagnostic::error(Code::ManyForOne, format!("`{path}` is a group of {} resources, but `{}` takes one value", g.len(), ctx.name))
                                .at(v.span, "a group")
                                .help(format!("refer to one member, e.g. `{}`, or use an attribute that takes a list", self.member_path(path, &r, g[0]))),
                        );
                        return None;
                    }
                }
            }
            (Value::Secret(name), _) if ctx.public && self.is_secret(name) => {
                self.public_secret(ctx, v.span);
                return None;
            }
            (Value::Secret(name), TfType::String | TfType::Dynamic) => PValue::Secret(name.clone()),
            (Value::Template(parts), _)
                if ctx.public
                    && parts
                        .iter()
                        .any(|p| matches!(p, TPart::Secret(n) if self.is_secret(n))) =>
            {
                self.public_secret(ctx, v.span);
                return None;
            }
            (Value::Template(parts), TfType::String | TfType::Dynamic) => {
                let mut out = Vec::with_capacity(parts.len());
                // Every reference of the string is resolved, so that each
                // mistake in it is reported, not only the first.
                let mut unresolved = false;
                for p in parts {
                    out.push(match p {
                        TPart::Lit(s) => PPart::Lit(s.clone()),
                        TPart::Secret(s) => PPart::Secret(s.clone()),
                        TPart::Ref(path) => {
                            let Some(r) = self.names.resolve(path, v.span, self.kinds, self.diags) else {
                                unresolved = true;
                                continue;
                            };
                            let attr = r.attr.unwrap_or(&r.kind.default_export);
                            let given = ref_type(&r, attr);
                            if !given.is_primitive() {
                                self.err(
                                    Diagnostic::error(Code::WrongType, format!("`{path}` is {}, which cannot be part of a string", a(&given.describe())))
                                        .at(v.span, format!("{} in a string", a(&given.describe())))
                                        .help("only strings, numbers and bools can be interpolated; refer to one of its values, or write the reference alone where a collection goes"),
                                );
                                return None;
                            }
                            match r.target.clone() {
                                Target::One(t) => PPart::Ref { target: t, attr },
                                Target::Group(g) => {
                                    self.err(
                                        Diagnostic::error(Code::ManyForOne, format!("`{path}` is a group of {} resources and cannot be part of a string", g.len()))
                                            .at(v.span, "a group in a string")
                                            .help(format!("refer to one member, e.g. `{}`", self.member_path(path, &r, g[0]))),
                                    );
                                    return None;
                                }
                            }
                        }
                    });
                }
                if unresolved {
                    return None;
                }
                PValue::Template(out)
            }
            (Value::Str(s), TfType::String | TfType::Dynamic) => {
                if let Some(spec) = ctx.refs {
                    if let Some(r) = self.named_ref(s, spec, v.span, ctx) {
                        return Some(r);
                    }
                }
                if ctx.sensitive {
                    self.err(
                        Diagnostic::error(Code::SecretMisuse, format!("`{}` is sensitive and must not be written in plain text", ctx.name))
                            .at(v.span, "a literal secret")
                            .help(format!("declare `secret \"NAME\"` and write `{}=(secret)\"NAME\"`; supply the value to Terraform at plan time", ctx.name)),
                    );
                    return None;
                }
                if let Some(values) = ctx.enum_values {
                    if !values.iter().any(|e| e == s) {
                        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                        self.err(
                            Diagnostic::error(
                                Code::BadEnumValue,
                                format!("`{s}` is not a valid {}", ctx.name),
                            )
                            .at(v.span, "not one of the allowed values")
                            .help(suggest(
                                s,
                                &refs,
                                &format!("allowed: {}", values.join(", ")),
                            )),
                        );
                        return None;
                    }
                }
                if !self.formatted(s, ctx, v.span) {
                    return None;
                }
                PValue::Str(s.clone())
            }
            (Value::Int(i), TfType::String) => {
                let s: SmolStr = i.to_string().into();
                if !self.formatted(&s, ctx, v.span) {
                    return None;
                }
                PValue::Str(s)
            }
            (Value::Float(f), TfType::String) => PValue::Str(f.to_string().into()),
            (Value::Bool(b), TfType::String) => PValue::Str(b.to_string().into()),
            (Value::Int(i), TfType::Number | TfType::Dynamic) => PValue::Int(*i),
            (Value::Float(f), TfType::Number | TfType::Dynamic) => PValue::Float(*f),
            (Value::Bool(b), TfType::Bool | TfType::Dynamic) => PValue::Bool(*b),
            (Value::List(items), TfType::Dynamic) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.value(i, ty, ctx)?);
                }
                PValue::List(out)
            }
            (Value::Str(s), TfType::Number) if ctx.refs.is_some() => {
                let spec = ctx.refs.expect("checked");
                return self.named_ref(s, spec, v.span, ctx).or_else(|| {
                    // A strict reference has reported its own error.
                    if !spec.strict {
                        self.type_error(ctx, v, ty);
                    }
                    None
                });
            }
            // Terraform converts a string that reads as a number or a bool.
            (Value::Str(s), TfType::Number) if s.parse::<f64>().is_ok_and(f64::is_finite) => {
                match s.parse::<i64>() {
                    Ok(i) => PValue::Int(i),
                    Err(_) => PValue::Float(s.parse().expect("checked")),
                }
            }
            (Value::Str(s), TfType::Bool) if s == "true" || s == "false" => {
                PValue::Bool(s == "true")
            }
            _ => {
                self.type_error(ctx, v, ty);
                return None;
            }
        };
        Some(value)
    }

    /// A secret where anyone can read it: a name, a tag, a DNS record.
    fn public_secret(&mut self, ctx: &Ctx, span: Span) {
        self.err(
            Diagnostic::error(
                Code::SecretMisuse,
                format!("`{}` is public: a secret written there is published", ctx.name),
            )
            .at(span, "a secret in a public place")
            .help("names, tags, labels and DNS records are visible to anyone who can list them; keep secrets in attributes the provider treats as sensitive"),
        );
    }

    /// Whether `s` has the attribute's format, if it has one (E027 if not).
    fn formatted(&mut self, s: &str, ctx: &Ctx, span: Span) -> bool {
        let Some(format) = ctx.format else {
            return true;
        };
        let Err(why) = format.check(s) else {
            return true;
        };
        self.err(
            Diagnostic::error(
                Code::InvalidFormat,
                format!("{why}: `{}` takes {}", ctx.name, format.describe()),
            )
            .at(span, "not in the expected format")
            .help(format!(
                "write {}; the provider rejects anything else at apply time",
                format.describe()
            )),
        );
        false
    }

    /// A reference whose attribute's type cannot go where it is written.
    fn ref_type_error(
        &mut self,
        ctx: &Ctx,
        path: &str,
        span: Span,
        expected: &TfType,
        given: &TfType,
        in_list: bool,
    ) {
        let slot = if in_list {
            format!("an element of `{}`", ctx.name)
        } else {
            format!("`{}`", ctx.name)
        };
        self.err(
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "{slot} must be {}, but `{path}` is {}",
                    a(&expected.describe()),
                    a(&given.describe())
                ),
            )
            .at(span, a(&given.describe()))
            .help(format!(
                "refer to an attribute that is {}; `infrac kinds KIND` lists each attribute's type",
                a(&expected.describe())
            )),
        );
    }
}

/// The type of the attribute a reference reads, from the provider schema.
fn ref_type(r: &Resolved, attr: &str) -> &'static TfType {
    static DYNAMIC: TfType = TfType::Dynamic;
    if attr == r.attr.unwrap_or(&r.kind.default_export) {
        return r.ty;
    }
    r.kind
        .schema()
        .attributes
        .get(attr)
        .map_or(&DYNAMIC, |a| &a.ty)
}
