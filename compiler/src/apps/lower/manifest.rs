//! `manifest "NAME" api-version="…" kind="…" [namespace="…"] { FIELD … }`:
//! an object of any kind the API or a known CRD has. Its children are the
//! object's fields, read as JSON is written in KDL (below), then checked
//! against the kind's schema, so a raw object is as typed as the rest.
//!
//! - `key "value"` is a scalar, `key "a" "b"` a list of scalars;
//! - `key { field … }` and `key field="…" …` are objects;
//! - `key { - ITEM; - ITEM }` is a list, each `-` read like a field.

use super::*;
use crate::apps::schema::{self, Lookup};
use crate::diag::suggest;

const PROPS: &[&str] = &["api-version", "kind", "namespace"];

impl Lowerer<'_> {
    pub(super) fn manifest(&mut self, inst: &Instance) -> Option<RawObject> {
        let errors = self.diags.error_count();
        for p in &inst.props {
            if !PROPS.contains(&p.name.as_str()) {
                self.unknown(p.name_span, &p.name, "a manifest", PROPS);
            }
        }
        let api_at = field(&inst.props, "api-version");
        let kind_at = field(&inst.props, "kind");
        let api = self.required_text(
            inst,
            api_at,
            "api-version",
            "an API version",
            "write the object's apiVersion: `api-version=\"cert-manager.io/v1\"`",
        );
        let kind = self.required_text(
            inst,
            kind_at,
            "kind",
            "a kind",
            "write the object's kind: `kind=\"ClusterIssuer\"`",
        );
        let (Some(api), Some(kind), Some(api_at), Some(kind_at)) = (api, kind, api_at, kind_at)
        else {
            return None;
        };
        let found = match schema::lookup(&api, &kind) {
            Lookup::Found(s) => s,
            Lookup::NoSuchKind(kinds) => {
                self.diags.push(
                    Diagnostic::error(Code::UnknownKind, format!("`{api}` has no kind `{kind}`"))
                        .at(kind_at.value.span, "no such kind")
                        .help(suggest(
                            &kind,
                            &kinds,
                            &format!("its kinds are: {}", kinds.join(", ")),
                        )),
                );
                return None;
            }
            Lookup::OtherVersions(versions) => {
                let names: Vec<&str> = versions.iter().map(String::as_str).collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownKind,
                        format!("`{kind}` is not served as `{api}`"),
                    )
                    .at(api_at.value.span, "not an API version of this kind")
                    .help(suggest(
                        &api,
                        &names,
                        &format!("`{kind}` is served as: {}", names.join(", ")),
                    )),
                );
                return None;
            }
            Lookup::Unknown => {
                self.diags.push(
                    Diagnostic::error(Code::UnknownKind, format!("infrac has no schema for `{api}`"))
                        .at(api_at.value.span, "unknown API version")
                        .help(format!("a manifest is checked against the API of Kubernetes {} (`v1`, `apps/v1`, `networking.k8s.io/v1`, …) or a CRD infrac ships (`cert-manager.io/v1`)", schema::KUBERNETES_VERSION)),
                );
                return None;
            }
        };
        self.name_ok(
            inst.label_span,
            &inst.label,
            "object name",
            is_dns_subdomain(&inst.label),
            "an object name is lower-case letters, digits, `-` and `.`, at most 253",
        );
        let namespace_at = field(&inst.props, "namespace");
        let namespace = match (found.namespaced, namespace_at) {
            (true, Some(f)) => self.namespace(&f.value),
            (true, None) => self.default_namespace(),
            (false, Some(f)) => {
                self.bad(
                    f.name_span,
                    format!("`{kind}` is cluster-scoped: it has no namespace"),
                    "not namespaced",
                    "remove `namespace`",
                );
                None
            }
            (false, None) => None,
        };
        let namespace_at = namespace
            .as_deref()
            .map(|ns| (ns, namespace_at.map_or(inst.label_span, |f| f.value.span)));
        let mut body = self.object_body(
            inst,
            "manifest",
            [(&api, api_at), (&kind, kind_at)],
            namespace_at,
        );
        schema::check(&mut body, &found, self.diags);
        if self.diags.error_count() > errors {
            return None;
        }
        Some(RawObject {
            kind,
            name: inst.label.to_string(),
            namespace,
            body,
        })
    }

    /// The object a manifest or a patch writes: `apiVersion`, `kind`,
    /// `metadata` (the label as its name, the namespace, and what a
    /// `metadata` child adds), then the other children as its fields.
    /// `head`: the API version and kind, each with the property that gave it.
    pub(super) fn object_body(
        &mut self,
        inst: &Instance,
        what: &str,
        head: [(&str, &IField); 2],
        namespace: Option<(&str, Span)>,
    ) -> RawValue {
        let text = |s: &str, span: Span| RawValue {
            raw: Raw::Str(s.to_string()),
            span,
        };
        let at = |key: &str, span: Span, value: RawValue| RawField {
            key: key.to_string(),
            key_span: span,
            value,
        };
        let mut metadata = vec![at(
            "name",
            inst.label_span,
            text(&inst.label, inst.label_span),
        )];
        if let Some((ns, span)) = namespace {
            metadata.push(at("namespace", span, text(ns, span)));
        }
        let [(api, api_at), (kind, kind_at)] = head;
        let mut fields = vec![
            at("apiVersion", api_at.name_span, text(api, api_at.value.span)),
            at("kind", kind_at.name_span, text(kind, kind_at.value.span)),
        ];
        let mut metadata_span = inst.label_span;
        let mut rest = Vec::new();
        for c in &inst.children {
            let value = self.raw_child(c, &c.name);
            match (c.name.as_str(), value.raw) {
                ("apiVersion" | "kind", _) => self.bad(
                    c.name_span,
                    format!("`{}` is set by the {what} itself", c.name),
                    "set twice",
                    &format!("remove it: the {what}'s properties say what the object is"),
                ),
                ("metadata", Raw::Map(given)) => {
                    metadata_span = c.name_span;
                    for f in given {
                        if f.key == "name" || f.key == "namespace" {
                            self.bad(
                                f.key_span,
                                format!("`metadata.{}` is set by the {what} itself", f.key),
                                "set twice",
                                &format!("the {what}'s label is the object's name, and `namespace=` its namespace"),
                            );
                        } else {
                            metadata.push(f);
                        }
                    }
                }
                ("metadata", Raw::Null) => {}
                ("metadata", _) => self.bad(
                    c.span,
                    "`metadata` is a block of fields".to_string(),
                    "not a block",
                    "write `metadata { labels { KEY \"value\" } }`",
                ),
                (_, raw) => rest.push(at(
                    &c.name,
                    c.name_span,
                    RawValue {
                        raw,
                        span: value.span,
                    },
                )),
            }
        }
        fields.push(at(
            "metadata",
            metadata_span,
            RawValue {
                raw: Raw::Map(metadata),
                span: metadata_span,
            },
        ));
        self.push_fields(&mut fields, rest, "");
        RawValue {
            raw: Raw::Map(fields),
            span: inst.label_span,
        }
    }

    fn required_text(
        &mut self,
        inst: &Instance,
        at: Option<&IField>,
        name: &str,
        what: &str,
        help: &str,
    ) -> Option<String> {
        match at {
            Some(f) => self.text(&f.value, what),
            None => {
                self.missing(
                    inst.label_span,
                    format!("manifest `{}` has no `{name}`", inst.label),
                    help,
                );
                None
            }
        }
    }

    /// Adds `new` to `fields`, each key once.
    pub(super) fn push_fields(
        &mut self,
        fields: &mut Vec<RawField>,
        new: Vec<RawField>,
        path: &str,
    ) {
        for f in new {
            if let Some(first) = fields.iter().find(|g| g.key == f.key) {
                let first = first.key_span;
                let full = if path.is_empty() {
                    f.key.clone()
                } else {
                    format!("{path}.{}", f.key)
                };
                self.diags.push(
                    Diagnostic::error(Code::DuplicateName, format!("`{full}` is written twice"))
                        .at(f.key_span, "written again here")
                        .also(first, "first written here")
                        .help("a field holds one value: remove one, or write a list as `NAME { - ITEM; - ITEM }`"),
                );
                continue;
            }
            fields.push(f);
        }
    }

    /// A field's value, read from its node (see the module's comment);
    /// `null` where a problem was reported, so that what surrounds it is
    /// still checked and nothing more is said of it.
    pub(super) fn raw_child(&mut self, c: &IChild, path: &str) -> RawValue {
        self.raw_node(c, path).unwrap_or(RawValue {
            raw: Raw::Null,
            span: c.span,
        })
    }

    fn raw_node(&mut self, c: &IChild, path: &str) -> Option<RawValue> {
        let span = c.span;
        let has_fields = !c.props.is_empty() || !c.children.is_empty() || c.has_block;
        if !c.args.is_empty() && has_fields {
            self.bad(
                span,
                format!("`{path}` has both values and fields"),
                "values and fields",
                "write `NAME \"value\"` for a value, or `NAME { FIELD … }` for an object",
            );
            return None;
        }
        match c.args.as_slice() {
            [one] => return self.raw_scalar(one, path),
            [_, ..] => {
                let items = c
                    .args
                    .iter()
                    .map(|a| self.raw_scalar(a, path))
                    .collect::<Option<Vec<_>>>()?;
                return Some(RawValue {
                    raw: Raw::List(items),
                    span,
                });
            }
            [] => {}
        }
        if !has_fields {
            self.bad(
                span,
                format!("`{path}` has no value"),
                "no value",
                "write `NAME \"value\"`, `NAME #null`, or `NAME {}` for an empty object",
            );
            return None;
        }
        let items = c.children.iter().filter(|ch| ch.name == "-").count();
        if items > 0 {
            if items < c.children.len() || !c.props.is_empty() {
                self.bad(
                    span,
                    format!("`{path}` mixes list items (`-`) and fields"),
                    "a list or an object?",
                    "a list holds only `-` items; an object only named fields",
                );
                return None;
            }
            let mut list = Vec::new();
            for (i, item) in c.children.iter().enumerate() {
                list.push(self.raw_child(item, &format!("{path}[{i}]")));
            }
            return Some(RawValue {
                raw: Raw::List(list),
                span,
            });
        }
        let mut fields = Vec::new();
        let mut new = Vec::new();
        for p in &c.props {
            let value = self
                .raw_scalar(&p.value, &format!("{path}.{}", p.name))
                .unwrap_or(RawValue {
                    raw: Raw::Null,
                    span: p.value.span,
                });
            new.push(RawField {
                key: p.name.to_string(),
                key_span: p.name_span,
                value,
            });
        }
        for ch in &c.children {
            let value = self.raw_child(ch, &format!("{path}.{}", ch.name));
            new.push(RawField {
                key: ch.name.to_string(),
                key_span: ch.name_span,
                value,
            });
        }
        self.push_fields(&mut fields, new, path);
        Some(RawValue {
            raw: Raw::Map(fields),
            span,
        })
    }

    fn raw_scalar(&mut self, v: &SValue, path: &str) -> Option<RawValue> {
        let raw = match &v.value {
            Value::Null => Raw::Null,
            Value::Bool(b) => Raw::Bool(*b),
            Value::Int(i) => Raw::Int(*i),
            Value::Float(f) if f.is_finite() => Raw::Float(*f),
            Value::Float(_) => {
                self.bad(
                    v.span,
                    format!("the value of `{path}` is not a finite number"),
                    "JSON has no infinity or NaN",
                    "write a number",
                );
                return None;
            }
            Value::List(items) => Raw::List(
                items
                    .iter()
                    .map(|i| self.raw_scalar(i, path))
                    .collect::<Option<Vec<_>>>()?,
            ),
            _ => Raw::Str(self.text(v, &format!("the value of `{path}`"))?),
        };
        Some(RawValue { raw, span: v.span })
    }
}

impl Lowerer<'_> {
    /// The environment's manifests, each object once, none the same as an
    /// object infrac writes for a declaration.
    pub(super) fn manifests(&mut self, instances: &[Instance], env: &mut Environment) {
        let generated = env.generated_objects();
        for inst in instances.iter().filter(|i| i.kind == MANIFEST) {
            let Some(object) = self.manifest(inst) else {
                continue;
            };
            let ns = object.namespace.as_deref().unwrap_or_default();
            let same = |o: &RawObject| {
                o.kind == object.kind
                    && o.name == object.name
                    && o.namespace.as_deref().unwrap_or_default() == ns
            };
            if env.manifests.iter().any(same) {
                self.duplicate(inst, &format!("{} object", object.kind));
                continue;
            }
            if let Some((_, _, _, by)) = generated
                .iter()
                .find(|(k, n, name, _)| *k == object.kind && n == ns && *name == object.name)
            {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!(
                            "{} `{}` is already written for {by}",
                            object.kind, object.name
                        ),
                    )
                    .at(inst.label_span, "the same object")
                    .help("rename the manifest, or change the declaration that writes it"),
                );
                continue;
            }
            env.manifests.push(object);
        }
    }
}
