//! References: plain names where a kind takes one, groups spread into
//! lists, the attribute a reference reads, and whether it is sensitive.

use super::*;

impl Checker<'_> {
    /// Removes the multi-value attribute from the fields and returns its
    /// values, if there are several (a list or a group reference).
    pub(super) fn take_multi(
        &mut self,
        kind: &Kind,
        multi: &str,
        props: &mut Vec<Cow<IField>>,
        children: &mut Vec<&IChild>,
    ) -> Option<Vec<(SValue, Option<String>)>> {
        if let Some(pos) = children.iter().position(|c| {
            kind.is_tf_name(&c.name, multi) && c.props.is_empty() && c.children.is_empty()
        }) {
            let c = children.remove(pos);
            let mut values = Vec::new();
            for a in &c.args {
                values.extend(self.spread(a.clone()));
            }
            return Some(values);
        }
        let pos = props.iter().position(|p| kind.is_tf_name(&p.name, multi))?;
        let single = match &props[pos].value.value {
            Value::List(_) => false,
            Value::Ref(path) => !self.names.may_be_group(path),
            _ => true,
        };
        if single && props[pos].name == multi {
            // One value: checked like any other field, after the others
            // (where the multi-value path would put it), without a copy.
            let field = props.remove(pos);
            props.push(field);
            return None;
        }
        let values = self.spread(props[pos].value.clone());
        props.remove(pos);
        Some(values)
    }

    /// A group reference or a list becomes its members. Values from a
    /// group carry the member's suffix (`ams3-1` of `discovery-ams3-1`), so
    /// the records made from them keep their names when the group grows or
    /// shrinks.
    pub(super) fn spread(&mut self, v: SValue) -> Vec<(SValue, Option<String>)> {
        match &v.value {
            Value::List(items) => items.iter().cloned().flat_map(|i| self.spread(i)).collect(),
            // Only a group spreads; anything else is checked once, later.
            Value::Ref(path) if !self.names.may_be_group(path) => vec![(v, None)],
            Value::Ref(path) => {
                let mut scratch = Diagnostics::default();
                match self.names.resolve(path, v.span, self.kinds, &mut scratch) {
                    Some(Resolved {
                        target: Target::Group(members),
                        attr,
                        kind,
                        ..
                    }) => members
                        .iter()
                        .map(|m| {
                            let label = self.label_of(kind, *m);
                            let group = path.split_once('.').map_or("", |(_, rest)| rest);
                            let group = if attr.is_some() {
                                group.rsplit_once('.').map_or(group, |(g, _)| g)
                            } else {
                                group
                            };
                            let suffix = label
                                .strip_prefix(group)
                                .map(|s| s.trim_start_matches('-').to_string());
                            let attr_part = attr
                                .as_ref()
                                .map(|_| path.rsplit('.').next().unwrap_or(""))
                                .map(|a| format!(".{a}"))
                                .unwrap_or_default();
                            let value = SValue {
                                value: Value::Ref(
                                    format!("{}.{label}{attr_part}", kind.kind).into(),
                                ),
                                span: v.span,
                            };
                            (value, suffix)
                        })
                        .collect(),
                    _ => vec![(v, None)],
                }
            }
            _ => vec![(v, None)],
        }
    }

    pub(super) fn label_of(&self, kind: &Kind, index: usize) -> String {
        // Group members are named `<group>-<suffix>`; the name table has them.
        self.names.label(&kind.kind, index).unwrap_or_default()
    }

    pub(super) fn member_path(&self, path: &str, r: &Resolved, member: usize) -> String {
        let label = self.names.label(&r.kind.kind, member).unwrap_or_default();
        match &r.attr {
            Some(_) => format!(
                "{}.{label}.{}",
                r.kind.kind,
                path.rsplit('.').next().unwrap_or("")
            ),
            None => format!("{}.{label}", r.kind.kind),
        }
    }

    /// A plain name where the attribute takes a reference: `droplets "web"`.
    pub(super) fn named_ref(
        &mut self,
        name: &str,
        spec: &'static RefSpec,
        span: Span,
        ctx: &Ctx,
    ) -> Option<PValue> {
        let kinds: Vec<&str> = if spec.kind == "*" {
            // Any declared resource, generic kinds included.
            self.names
                .kinds()
                .into_iter()
                .filter(|k| self.kinds.get(k).is_some())
                .collect()
        } else {
            vec![spec.kind.as_str()]
        };
        let matching: Vec<&str> = kinds
            .iter()
            .copied()
            .filter(|k| self.names.lookup(k, name).is_some())
            .collect();
        if matching.len() > 1 {
            self.err(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!(
                        "`{name}` is ambiguous: {}",
                        matching
                            .iter()
                            .map(|k| format!("{k} {name}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .at(span, "names more than one resource")
                .help(format!(
                    "say which with a reference, e.g. `(ref)\"{}.{name}\"`",
                    matching[0]
                )),
            );
            return None;
        }
        for k in &matching {
            if let Some(target) = self.names.lookup(k, name) {
                let kind = self.kinds.get(k).expect("listed");
                let kind: &'static Kind = kind;
                let attr: &'static str = spec.export.as_deref().unwrap_or(&kind.default_export);
                return Some(match target {
                    Target::One(t) => PValue::Ref { target: t, attr },
                    Target::Group(g) => PValue::List(
                        g.into_iter()
                            .map(|t| PValue::Ref { target: t, attr })
                            .collect(),
                    ),
                });
            }
        }
        if spec.strict {
            self.names.resolve(
                &format!("{}.{name}", kinds[0]),
                span,
                self.kinds,
                self.diags,
            );
            let _ = ctx;
            return None;
        }
        None
    }

    /// Whether `kind` is the kind named `expected`, or another name of its
    /// Terraform type (`digitalocean-volume` for `volume`).
    fn same_type(&self, expected: &str, kind: &Kind) -> bool {
        expected == kind.kind
            || self
                .kinds
                .get(expected)
                .is_some_and(|e| e.address == kind.address)
    }

    pub(super) fn check_ref_kind(&mut self, r: &Resolved, ctx: &Ctx, span: Span) -> Option<()> {
        if let Some(spec) = ctx.refs {
            if r.attr.is_none() && spec.kind != "*" && !self.same_type(&spec.kind, r.kind) {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "`{}` refers to {}, not {}",
                            ctx.name,
                            a(&spec.kind),
                            a(&r.kind.kind)
                        ),
                    )
                    .at(span, a(&r.kind.kind))
                    .help(format!(
                        "refer to {} here, e.g. `(ref)\"{}.NAME\"`",
                        a(&spec.kind),
                        spec.kind
                    )),
                );
                return None;
            }
        }
        Some(())
    }

    pub(super) fn ref_attr(&self, r: &Resolved, ctx: &Ctx) -> &'static str {
        r.attr.unwrap_or_else(|| {
            ctx.refs
                .filter(|s| s.kind == "*" || self.same_type(&s.kind, r.kind))
                .and_then(|s| s.export.as_deref())
                .unwrap_or(&r.kind.default_export)
        })
    }

    pub(super) fn is_sensitive(&mut self, v: &SValue) -> bool {
        match &v.value {
            Value::Secret(name) => self.is_secret(name),
            Value::List(items) => items.iter().any(|i| self.is_sensitive(i)),
            Value::Template(parts) => parts.iter().any(|p| match p {
                TPart::Secret(name) => self.is_secret(name),
                TPart::Ref(path) => self.ref_sensitive(path, v.span),
                TPart::Lit(_) => false,
            }),
            Value::Ref(path) => self.ref_sensitive(path, v.span),
            _ => false,
        }
    }

    pub(super) fn ref_sensitive(&mut self, path: &str, span: Span) -> bool {
        let mut scratch = Diagnostics::default();
        self.names
            .resolve(path, span, self.kinds, &mut scratch)
            .is_some_and(|r| r.sensitive)
    }
}
