//! Attributes and blocks: each property and child of a resource (or a
//! provider) against its schema block; block counts and required
//! attributes.

use super::*;

impl Checker<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn body<F: Borrow<IField>, C: Borrow<IChild>>(
        &mut self,
        kind: Option<&'static Kind>,
        block: &'static Block,
        prefix: &str,
        props: &[F],
        children: &[C],
        at: Span,
        origin: &[Span],
    ) -> Body {
        let mut body = Body {
            attrs: Vec::with_capacity(props.len() + children.len()),
            blocks: Vec::new(),
        };
        // Attributes that were written but whose value failed to check: they
        // are not "missing" as well. (Those that passed are in the body.)
        let mut failed: Vec<Cow<str>> = Vec::new();
        let tf_name = |n| crate::kinds::tf_name(kind, n);
        let cache_key = (
            kind.map_or(0, |k| k as *const Kind as usize),
            block as *const Block as usize,
        );
        for p in props {
            let p: &IField = p.borrow();
            if let Some(known) = self.known_field(cache_key, kind, block, prefix, &p.name) {
                if body.attrs.iter().any(|a| a.name == known.key) {
                    body.attrs.retain(|a| a.name != known.key);
                }
                let ctx = Ctx {
                    name: &p.name,
                    ..known.ctx
                };
                match self.value(&p.value, &known.attr.ty, &ctx) {
                    Some(value) => body.attrs.push(Attr {
                        name: known.key,
                        value,
                        span: p.value.span,
                    }),
                    None => failed.push(Cow::Borrowed(known.key)),
                }
                continue;
            }
            let name = tf_name(&p.name);
            if body.attrs.iter().any(|a| a.name == name) {
                // KDL: a repeated property overrides the earlier one.
                body.attrs.retain(|a| a.name != name);
            }
            if block.blocks.contains_key(&*name) {
                let d = self.with_origin(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`{}` is a block, not a value", p.name),
                    )
                    .at(p.name_span, "written as a property")
                    .help(format!(
                        "write it as a child node: `{} {{ … }}` or `{} key=value …`",
                        p.name, p.name
                    )),
                    origin,
                );
                self.err(d);
                continue;
            }
            failed.push(name.clone());
            let Some((key, schema_attr)) =
                self.attribute(kind, block, &name, &p.name, p.name_span, origin)
            else {
                continue;
            };
            let path = attr_path(prefix, key);
            let ctx = self.ctx(kind, &path, &p.name, schema_attr.sensitive);
            if let Some(value) = self.value(&p.value, &schema_attr.ty, &ctx) {
                failed.pop();
                body.attrs.push(Attr {
                    name: key,
                    value,
                    span: p.value.span,
                });
            }
        }
        for c in children {
            let c: &IChild = c.borrow();
            let name = tf_name(&c.name);
            if let Some((block_name, bt)) = block.blocks.get_key_value(&*name) {
                if bt.block.deprecated {
                    self.deprecated(&c.name, c.name_span, kind, origin);
                }
                if let Some(a) = c.args.first() {
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::WrongType,
                            format!(
                                "the block `{}` takes properties and children, not values",
                                c.name
                            ),
                        )
                        .at(a.span, "unexpected value")
                        .help(format!(
                            "write `{} key=value …` or `{} {{ … }}`",
                            c.name, c.name
                        )),
                        origin,
                    );
                    self.err(d);
                    continue;
                }
                let nested = self.body(
                    kind,
                    &bt.block,
                    &format!("{prefix}{name}."),
                    &c.props,
                    &c.children,
                    c.name_span,
                    origin,
                );
                body.blocks.push(NestedBlock {
                    name: block_name,
                    body: nested,
                    span: c.name_span,
                });
                continue;
            }
            failed.push(name.clone());
            let Some((key, schema_attr)) =
                self.attribute(kind, block, &name, &c.name, c.name_span, origin)
            else {
                continue;
            };
            let path = attr_path(prefix, key);
            let ctx = self.ctx(kind, &path, &c.name, schema_attr.sensitive);
            let value = self.child_value(kind, c, &schema_attr.ty, &ctx, origin);
            if let Some(value) = value {
                failed.pop();
                body.attrs.retain(|a| a.name != key);
                body.attrs.push(Attr {
                    name: key,
                    value,
                    span: c.span,
                });
            }
        }
        self.block_counts(block, &body, at, origin);
        self.missing_required(kind, block, &body, &failed, at, origin);
        body
    }

    /// A child that sets an attribute: an object's fields or a map's
    /// entries as properties, or values after its name.
    fn child_value(
        &mut self,
        kind: Option<&'static Kind>,
        c: &IChild,
        ty: &TfType,
        ctx: &Ctx,
        origin: &[Span],
    ) -> Option<PValue> {
        let tf_name = |n| crate::kinds::tf_name(kind, n);

        if let (TfType::Object(fields), true) = (ty, c.args.is_empty()) {
            let mut items: Vec<(String, PValue)> = Vec::new();
            for p in &c.props {
                let field = tf_name(&p.name);
                let Some(ty) = fields.get(&*field) else {
                    let names: Vec<String> = fields.keys().map(|k| k.replace('_', "-")).collect();
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::UnknownAttribute,
                            format!("`{}` has no field `{}`", c.name, p.name),
                        )
                        .at(p.name_span, "unknown field")
                        .help(suggest(
                            &p.name,
                            &refs,
                            &format!("fields: {}", names.join(", ")),
                        )),
                        origin,
                    );
                    self.err(d);
                    continue;
                };
                if let Some(v) = self.value(&p.value, ty, ctx) {
                    items.retain(|(k, _)| *k != *field);
                    items.push((field.into_owned(), v));
                }
            }
            Some(PValue::Map(items))
        } else if matches!(ty, TfType::Map(_)) && c.args.is_empty() {
            // Entries as properties (`labels app="web"`) or as children
            // with one value (`KEY "value"`), for keys KDL properties
            // cannot spell; the last of a repeated key wins.
            let mut items = Vec::new();
            let elem = ty.element().cloned().unwrap_or(TfType::Dynamic);
            let mut entries: Vec<(&str, &SValue)> = c
                .props
                .iter()
                .map(|p| (p.name.as_str(), &p.value))
                .collect();
            for g in &c.children {
                match (
                    g.args.as_slice(),
                    g.props.is_empty() && g.children.is_empty(),
                ) {
                    ([one], true) => entries.push((g.name.as_str(), one)),
                    _ => {
                        let d = self.with_origin(
                            Diagnostic::error(
                                Code::WrongType,
                                format!("an entry of the map `{}` is a key and one value", c.name),
                            )
                            .at(g.span, "not `KEY \"value\"`")
                            .help(format!(
                                "write `{} {{ KEY \"value\" }}` or `{} KEY=\"value\"`",
                                c.name, c.name
                            )),
                            origin,
                        );
                        self.err(d);
                    }
                }
            }
            let mut seen: Vec<(&str, Span)> = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::DuplicateName,
                            format!("`{key}` is given twice in `{}`", c.name),
                        )
                        .at(value.span, "given again here")
                        .also(*first, "first given here")
                        .help("keep one of the two entries"),
                        origin,
                    );
                    self.err(d);
                    continue;
                }
                seen.push((key, value.span));
                if ctx.environment
                    && crate::apps::names::looks_secret(key)
                    && matches!(value.value, Value::Str(_) | Value::Int(_))
                {
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::SecretMisuse,
                            format!("`{key}` looks like a secret but is given as a literal"),
                        )
                        .at(value.span, "would be written in plain text")
                        .help(format!("declare `secret \"NAME\"` and set it among the sensitive values (`sensitive-{} {{ {key} (secret)\"NAME\" }}`)", c.name)),
                        origin,
                    );
                    self.err(d);
                    continue;
                }
                // Errors name the entry, not the whole map.
                let entry = Ctx { name: key, ..*ctx };
                if let Some(v) = self.value(value, &elem, &entry) {
                    items.push((key.to_string(), v));
                }
            }
            Some(PValue::Map(items))
        } else if !c.props.is_empty() || !c.children.is_empty() {
            let d = self.with_origin(
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "`{}` is a {}, written as values after its name",
                        c.name,
                        ty.describe()
                    ),
                )
                .at(c.name_span, "has properties or children")
                .help(format!("write `{} \"a\" \"b\"`", c.name)),
                origin,
            );
            self.err(d);
            None
        } else if c.args.len() == 1 && !ty.is_collection() {
            self.value(&c.args[0], ty, ctx)
        } else {
            let list = SValue {
                value: Value::List(c.args.clone()),
                span: c.span,
            };
            self.value(&list, ty, ctx)
        }
    }

    /// Each nested block's count within the schema's bounds.
    fn block_counts(&mut self, block: &'static Block, body: &Body, at: Span, origin: &[Span]) {
        for (name, bt) in &block.blocks {
            let n = body.blocks.iter().filter(|b| b.name == name).count() as u64;
            // A `single` or `group` block is one at most, whatever max_items says.
            let max_items = match bt.nesting {
                schema::Nesting::Single | schema::Nesting::Group => 1,
                _ => bt.max_items,
            };
            if n < bt.min_items {
                let shown = name.replace('_', "-");
                let d = self.with_origin(
                    Diagnostic::error(Code::MissingRequired, format!("missing block `{shown}`"))
                        .at(at, format!("needs at least {} `{shown}`", bt.min_items))
                        .help(format!("add a child `{shown} key=value …`")),
                    origin,
                );
                self.err(d);
            }
            if max_items > 0 && n > max_items {
                let shown = name.replace('_', "-");
                let extra = body
                    .blocks
                    .iter()
                    .filter(|b| b.name == name)
                    .nth(max_items as usize)
                    .map(|b| b.span)
                    .unwrap_or(at);
                let d = self.with_origin(
                Diagnostic::error(Code::SchemaViolation, format!("at most {max_items} `{shown}` allowed, found {n}"))
                    .at(extra, "one too many")
                    .help(format!("the provider accepts at most {max_items} `{shown}` here; merge or remove the others")),
                origin,
            );
                self.err(d);
            }
        }
    }

    /// Required attributes that were not written (those written with a bad
    /// value have their own error, and so do those misspelt: `sise=` is
    /// reported once, as unknown with "did you mean `size`?").
    fn missing_required(
        &mut self,
        kind: Option<&'static Kind>,
        block: &'static Block,
        body: &Body,
        failed: &[Cow<str>],
        at: Span,
        origin: &[Span],
    ) {
        let mut missing: Vec<String> = block
            .required
            .iter()
            .filter(|n| {
                !failed
                    .iter()
                    .any(|g| g == *n || !crate::diag::did_you_mean(g, [n.as_str()]).is_empty())
                    && !body.attrs.iter().any(|b| b.name == *n)
            })
            .map(|n| n.replace('_', "-"))
            .collect();
        if !missing.is_empty() {
            missing.sort();
            let what = kind.map_or("provider", |k| k.kind.as_str());
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let d = self.with_origin(
                Diagnostic::error(
                    Code::MissingRequired,
                    format!(
                        "{what} is missing required {} {list}",
                        if missing.len() == 1 {
                            "attribute"
                        } else {
                            "attributes"
                        }
                    ),
                )
                .at(at, "declared here")
                .help(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|m| format!("{m}=…"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
                origin,
            );
            self.err(d);
        }
    }

    /// The attribute a property names, when it is a plain settable one
    /// (anything else takes the reporting path in `body`).
    pub(super) fn known_field(
        &mut self,
        cache_key: (usize, usize),
        kind: Option<&'static Kind>,
        block: &'static Block,
        prefix: &str,
        written: &str,
    ) -> Option<KnownField> {
        if let Some(known) = self.fields.get(&cache_key).and_then(|m| m.get(written)) {
            return *known;
        }
        let name = crate::kinds::tf_name(kind, written);
        let known = match block.attributes.get_key_value(&*name) {
            Some((key, attr))
                if attr.settable() && !attr.deprecated && !block.blocks.contains_key(&*name) =>
            {
                let path = attr_path(prefix, key);
                Some(KnownField {
                    key,
                    attr,
                    ctx: self.ctx(kind, &path, "", attr.sensitive),
                })
            }
            _ => None,
        };
        self.fields
            .entry(cache_key)
            .or_default()
            .insert(written.to_string(), known);
        known
    }

    pub(super) fn attribute(
        &mut self,
        kind: Option<&Kind>,
        block: &'static Block,
        name: &str,
        written: &str,
        span: Span,
        origin: &[Span],
    ) -> Option<(&'static str, &'static schema::Attribute)> {
        match block.attributes.get_key_value(name) {
            Some((key, a)) if a.settable() => {
                if a.deprecated {
                    self.deprecated(written, span, kind, origin);
                }
                Some((key, a))
            }
            Some(_) => {
                let d = self.with_origin(
                    Diagnostic::error(Code::UnknownAttribute, format!("`{written}` is read-only: the provider sets it"))
                        .at(span, "cannot be set")
                        .help(format!("remove it; read it with a reference instead, e.g. `(ref)\"{}.NAME.{written}\"`", kind.map_or("KIND", |k| k.kind.as_str()))),
                    origin,
                );
                self.err(d);
                None
            }
            None => {
                let mut candidates: Vec<String> = block
                    .attributes
                    .iter()
                    .filter(|(_, a)| a.settable())
                    .map(|(n, _)| n.replace('_', "-"))
                    .chain(block.blocks.keys().map(|n| n.replace('_', "-")))
                    .collect();
                if let Some(k) = kind {
                    candidates.extend(k.aliases.keys().cloned());
                }
                let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
                let what = match (kind, &self.configuring) {
                    (Some(k), _) => format!("{} ({})", k.kind, k.resource),
                    (None, Some(what)) => what.clone(),
                    (None, None) => "this provider".to_string(),
                };
                let d = self.with_origin(
                    Diagnostic::error(
                        Code::UnknownAttribute,
                        format!("{what} has no attribute `{written}`"),
                    )
                    .at(span, "unknown attribute")
                    .help(suggest(
                        written,
                        &refs,
                        "`infrac kinds KIND` lists the attributes of a kind",
                    )),
                    origin,
                );
                self.err(d);
                None
            }
        }
    }

    pub(super) fn deprecated(
        &mut self,
        written: &str,
        span: Span,
        kind: Option<&Kind>,
        origin: &[Span],
    ) {
        let what = match (kind, &self.configuring) {
            (Some(k), _) => k.resource.clone(),
            (None, Some(what)) => what.clone(),
            (None, None) => "the provider".to_string(),
        };
        let d = self.with_origin(
            Diagnostic::error(Code::Deprecated, format!("`{written}` is deprecated by {what}"))
                .at(span, "deprecated")
                .help(format!(
                    "{} will drop it; its documentation names the replacement (often a separate resource kind)",
                    self.configuring.as_deref().unwrap_or("the provider")
                )),
            origin,
        );
        self.err(d);
    }
}
