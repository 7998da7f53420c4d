//! Resources: a declaration expanded to its instances, with its children
//! (sub-resources) and import ids.

use super::*;

impl Expander<'_> {
    pub(super) fn resource(&mut self, r: &ResourceDecl, scope: &Scope) {
        let workload = crate::apps::KINDS.contains(&r.kind.as_str());
        if workload && self.pass == Pass::Resources {
            self.has_workloads = true;
            return;
        }
        if !workload && self.pass == Pass::Workloads {
            return;
        }
        let Some(base) = self.text(&r.label, r.label_span, scope) else {
            return;
        };
        if let Some(declared) = &mut self.declared {
            declared.insert((r.kind.clone(), base.clone()));
        }
        if !self.condition(r.meta(), scope) {
            return;
        }
        let patched;
        let r = match self
            .patches
            .iter()
            .find(|p| p.kind == r.kind && p.label.as_literal() == Some(base.as_str()))
        {
            Some(patch) => {
                patched = apply_patch(r, patch);
                &patched
            }
            None => r,
        };
        // Then an override given at the `use` of the component (the
        // innermost use that names the declaration).
        let given_at_use = self.use_patches.iter_mut().rev().find_map(|level| {
            level
                .iter_mut()
                .find(|(p, _)| p.kind == r.kind && p.label.as_literal() == Some(base.as_str()))
                .map(|(p, matched)| {
                    *matched = true;
                    p.clone()
                })
        });
        let patched_at_use;
        let r = match given_at_use {
            Some(patch) => {
                patched_at_use = apply_patch(r, &patch);
                &patched_at_use
            }
            None => r,
        };
        let iterations = self.iterations(r.meta(), scope);
        // Past the limit, nothing more is made or checked (import ids
        // would not match the instances that were never made).
        if self.exhausted || (iterations.is_none() && !self.spend(1, r.span)) {
            return;
        }
        let n = iterations.as_ref().map_or(1, Vec::len);
        if !self.spend_size(n, r) {
            return;
        }
        let grouped = iterations.is_some();
        let group: Option<std::sync::Arc<str>> = grouped.then(|| base.as_str().into());
        let iterations = iterations.unwrap_or_else(|| vec![(String::new(), scope.clone())]);
        let import_ids = self.import_ids(r.meta(), scope, iterations.len(), grouped);
        let kinds: &'static Registry = self.kinds;
        // Children that are resources of their own (a `db` in a cluster);
        // a site is not a provider resource and has none.
        let kind = kinds.get(&r.kind);
        let (subs, children): (Vec<&Child>, Vec<&Child>) = r
            .children
            .iter()
            .partition(|c| kind.is_some_and(|k| k.children.contains_key(c.name.as_str())));
        // With room for a few more: a lone resource declared after a large
        // `count` would otherwise double the list, copying all of it.
        self.out.instances.reserve(iterations.len() + 256);
        let each = Iteration {
            decl: r,
            kind: kind.map_or_else(|| crate::model::stage_kind(&r.kind), |k| k.kind.as_str()),
            base: &base,
            group: &group,
            children: &children,
            import_ids: &import_ids,
        };
        for (i, (suffix, local)) in iterations.iter().enumerate() {
            let instance = self.instance(&each, i, suffix, local);
            let sub_parent =
                (!subs.is_empty()).then(|| (instance.label.clone(), instance.provider().cloned()));
            self.moved_parent = instance
                .moved_from()
                .map(|(old, span)| (instance.label.clone(), old.clone(), *span));
            self.out.instances.push(instance);
            if let Some((parent, provider)) = sub_parent {
                for sub in &subs {
                    self.sub_resources(&r.kind, &parent, &provider, sub, local);
                }
            }
            self.moved_parent = None;
        }
    }

    /// The instance of iteration `i` of a declaration.
    pub(super) fn instance(
        &mut self,
        each: &Iteration,
        i: usize,
        suffix: &str,
        local: &Scope,
    ) -> Instance {
        let r = each.decl;
        // Built inline when short, as almost every label is.
        let label: SmolStr = [each.base.as_str(), suffix].into_iter().collect();
        let props = self.fields(&r.props, local);
        let children = self.children(each.children.iter().copied(), local);
        let depends_on = r
            .meta()
            .depends_on
            .iter()
            .filter_map(|d| match self.eval(d, local).value {
                Value::Ref(p) => Some((p.to_string(), d.span)),
                _ => None,
            })
            .collect();
        let provider = r.meta().provider.as_ref().and_then(|p| {
            let v = self.eval(p, local);
            v.value.as_text().map(|t| (t, v.span))
        });
        let ignore_changes = r
            .meta()
            .ignore_changes
            .iter()
            .flat_map(|e| {
                let v = self.eval(e, local);
                let span = v.span;
                let items = match v.value {
                    Value::List(items) => items,
                    other => vec![SValue { value: other, span }],
                };
                items
                    .into_iter()
                    .filter_map(|i| i.value.as_text().map(|t| (t, i.span)))
                    .collect::<Vec<_>>()
            })
            .filter(|(t, _)| !t.is_empty())
            .collect();
        let moved_from = r.meta().moved_from.as_ref().and_then(|e| {
            let v = self.eval(e, local);
            match v.value.as_text() {
                Some(t) => Some((SmolStr::new(t), v.span)),
                None => {
                    self.err(
                        Diagnostic::error(
                            Code::WrongType,
                            "`moved-from` is the name the resource had",
                        )
                        .at(v.span, "not a name")
                        .help("write `moved-from=\"old-name\"`"),
                    );
                    None
                }
            }
        });
        let extras = Extras {
            import_id: each.import_ids.get(i).cloned().flatten(),
            moved_from,
            depends_on,
            provider,
            ignore_changes,
            used_at: self.used_at.clone(),
            external: r.meta().external,
        };
        Instance {
            kind_span: r.kind_span,
            label_span: r.label_span,
            group: each.group.clone(),
            props,
            children,
            ..Instance::new(each.kind, label, r.span, extras)
        }
    }

    /// A child resource, once, once per item of its `for-each` (with
    /// `each`), or not at all when its `if` is false.
    fn sub_resources(
        &mut self,
        parent_kind: &str,
        parent: &str,
        provider: &Option<(String, Span)>,
        c: &Child,
        scope: &Scope,
    ) {
        match self.child_loop(c, scope) {
            None => self.sub_resource(parent_kind, parent, provider.clone(), c, scope),
            Some((bare, scopes)) => {
                for local in &scopes {
                    self.sub_resource(parent_kind, parent, provider.clone(), &bare, local);
                }
            }
        }
    }

    /// `db "app"` inside `database-cluster "main"` becomes the resource
    /// `database-db "main-app"` with `name="app"` and a reference to its parent.
    pub(super) fn sub_resource(
        &mut self,
        parent_kind: &str,
        parent: &str,
        provider: Option<(String, Span)>,
        c: &Child,
        scope: &Scope,
    ) {
        let spec = &self.kinds.get(parent_kind).expect("checked").children[c.name.as_str()];
        let kind = self.kinds.get(&spec.kind).expect("checked by a test");
        if !spec.named {
            // One per parent (an S3 bucket's versioning): named after it.
            if let Some(a) = c.args.first() {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`{}` takes properties and children, not a name", c.name),
                    )
                    .at(a.span, "unexpected value")
                    .help(format!(
                        "write `{} key=value …` or `{} {{ … }}`",
                        c.name, c.name
                    )),
                );
                return;
            }
            let props = self.fields(&c.props, scope);
            self.push_child(
                kind,
                parent_kind,
                parent,
                parent.to_string(),
                c.name_span,
                provider,
                props,
                c,
                scope,
            );
            return;
        }
        let Some(first) = c.args.first() else {
            self.err(
                Diagnostic::error(Code::MissingRequired, format!("`{}` needs a name", c.name))
                    .at(c.name_span, "name missing")
                    .help(format!("write `{} \"NAME\" …`", c.name)),
            );
            return;
        };
        let name = self.eval(first, scope);
        let Some(name_text) = name.value.as_text() else {
            self.err(
                Diagnostic::error(
                    Code::WrongType,
                    format!("the name of a `{}` must be a string", c.name),
                )
                .at(first.span, "not a name")
                .help(format!("write `{} \"NAME\" …`", c.name)),
            );
            return;
        };
        let mut props = self.fields(&c.props, scope);
        if let Some(attr) = spec.arg.as_ref().or(kind.name_attribute.as_ref()) {
            if !props.iter().any(|p| kind.tf_name(&p.name) == *attr) {
                props.push(IField {
                    name: SmolStr::new(attr),
                    name_span: first.span,
                    value: name.clone(),
                });
            }
        }
        let label = format!("{parent}-{name_text}");
        self.push_child(
            kind,
            parent_kind,
            parent,
            label,
            first.span,
            provider,
            props,
            c,
            scope,
        );
    }

    /// Adds a child resource with a reference to its parent.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_child(
        &mut self,
        kind: &'static crate::kinds::Kind,
        parent_kind: &str,
        parent: &str,
        label: String,
        label_span: Span,
        provider: Option<(String, Span)>,
        mut props: Vec<IField>,
        c: &Child,
        scope: &Scope,
    ) {
        let spec = &self.kinds.get(parent_kind).expect("checked").children[c.name.as_str()];
        props.push(IField {
            name: SmolStr::new(&spec.parent),
            name_span: c.name_span,
            value: SValue {
                value: Value::Ref(format!("{parent_kind}.{parent}").into()),
                span: c.name_span,
            },
        });
        let children = self.children(&c.children, scope);
        // The child of a renamed resource had the old name in its own.
        let moved_from = self.moved_parent.as_ref().and_then(|(now, old, span)| {
            let rest = label.strip_prefix(now.as_str())?;
            Some((SmolStr::new(format!("{old}{rest}")), *span))
        });
        let extras = Extras {
            provider,
            used_at: self.used_at.clone(),
            moved_from,
            ..Extras::default()
        };
        self.out.instances.push(Instance {
            kind_span: c.name_span,
            label_span,
            props,
            children,
            ..Instance::new(kind.kind.as_str(), label.into(), c.span, extras)
        });
    }

    pub(super) fn import_ids(
        &mut self,
        meta: &Meta,
        scope: &Scope,
        n: usize,
        grouped: bool,
    ) -> Vec<Option<(String, Span)>> {
        if let Some(e) = &meta.import_id {
            let v = self.eval(e, scope);
            if grouped {
                self.err(
                    Diagnostic::error(Code::BadExpansion, "`import-id` names one resource, but this declares a group")
                        .at(e.span, "one id for many resources")
                        .help("list one id per instance, in order: a child `import-ids \"id1\" \"id2\" …`"),
                );
                return Vec::new();
            }
            return vec![self.import_id(&v)];
        }
        let Some(e) = &meta.import_ids else {
            return Vec::new();
        };
        let v = self.eval(e, scope);
        let Value::List(items) = v.value else {
            return Vec::new();
        };
        if items.len() != n {
            self.err(
                Diagnostic::error(
                    Code::BadExpansion,
                    format!("{} import ids for {n} instances", items.len()),
                )
                .at(e.span, "count differs")
                .help("give exactly one id per instance, in the order the instances are numbered"),
            );
            return Vec::new();
        }
        items.iter().map(|i| self.import_id(i)).collect()
    }

    /// An import id as text. It is written into `import` blocks and shown
    /// by `terraform plan`, so it can never be a secret; and it must be
    /// known before apply, so it cannot be a reference.
    fn import_id(&mut self, v: &SValue) -> Option<(String, Span)> {
        if crate::read::contains_secret(&v.value) {
            self.err(
                Diagnostic::error(Code::SecretMisuse, "an import id cannot be a secret")
                    .at(v.span, "would be written in plain text")
                    .help("an import id names an existing resource (a droplet number, a zone id) and is written into the `import` block as it is: write it as text, `import-id=\"…\"`"),
            );
            return None;
        }
        match v.value.as_text() {
            Some(t) => Some((t, v.span)),
            // A component's parameter left unset: nothing to import.
            None if v.value == Value::Null => None,
            None => {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("an import id must be text, not a {}", v.value.type_name()),
                    )
                    .at(v.span, "not text")
                    .help("write the id of the existing resource: `import-id=\"301234567\"`"),
                );
                None
            }
        }
    }
}
