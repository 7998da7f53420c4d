//! Checking a raw object against its schema: the subset of JSON Schema and
//! OpenAPI v3 the Kubernetes API and CRDs use (types, `$ref`, properties,
//! additional properties, required fields, items, enums, lengths and
//! bounds; int-or-string). Unknown fields are errors, as with
//! `kubectl apply --validate=strict`. Patterns and formats are left to the
//! cluster. Two shorthands are read the way the schema needs them: an empty
//! block where a list is expected is an empty list, and a single value
//! where a list is expected is a list of one.

use super::ObjectSchema;
use crate::apps::{Raw, RawField, RawValue};
use crate::diag::{closest, suggest, Code, Diagnostic, Diagnostics};
use crate::source::Span;
use serde_json::{Map, Value as J};

pub fn check(object: &mut RawValue, schema: &ObjectSchema, diags: &mut Diagnostics) {
    run(object, schema, diags, false);
}

/// A strategic merge patch: only what it changes is written, so nothing is
/// required, but each item of a list merged by key (containers by `name`)
/// names the item it changes.
pub fn check_patch(object: &mut RawValue, schema: &ObjectSchema, diags: &mut Diagnostics) {
    run(object, schema, diags, true);
}

fn run(object: &mut RawValue, schema: &ObjectSchema, diags: &mut Diagnostics, patch: bool) {
    let mut c = Checker {
        defs: schema.defs,
        metadata: schema.metadata,
        source: schema.source,
        patch,
        diags,
    };
    let at = object.span;
    c.value(object, schema.schema, "", at);
}

struct Checker<'d> {
    defs: Option<&'static Map<String, J>>,
    metadata: Option<&'static J>,
    source: &'static str,
    patch: bool,
    diags: &'d mut Diagnostics,
}

/// How a path is named in messages.
fn place(path: &str) -> String {
    if path.is_empty() {
        "the object".to_string()
    } else {
        format!("`{path}`")
    }
}

fn type_name(raw: &Raw) -> &'static str {
    match raw {
        Raw::Null => "null",
        Raw::Bool(_) => "boolean",
        Raw::Int(_) => "integer",
        Raw::Float(_) => "number",
        Raw::Str(_) => "string",
        Raw::List(_) => "list",
        Raw::Map(_) => "block of fields",
    }
}

fn matches(t: &str, raw: &Raw) -> bool {
    matches!(
        (t, raw),
        ("object", Raw::Map(_))
            | ("array", Raw::List(_))
            | ("string", Raw::Str(_))
            | ("boolean", Raw::Bool(_))
            | ("integer", Raw::Int(_))
            | ("number", Raw::Int(_) | Raw::Float(_))
            | (_, Raw::Null)
    )
}

fn is_scalar(raw: &Raw) -> bool {
    !matches!(raw, Raw::List(_) | Raw::Map(_))
}

fn expected(types: &[&str]) -> String {
    let names: Vec<&str> = types
        .iter()
        .map(|t| match *t {
            "object" => "a block of fields",
            "array" => "a list",
            "string" => "a string",
            "boolean" => "#true or #false",
            "integer" => "an integer",
            "number" => "a number",
            other => other,
        })
        .collect();
    names.join(" or ")
}

impl Checker<'_> {
    fn resolve(&self, mut s: &'static J) -> &'static J {
        // Definitions refer to others, never in a loop of plain `$ref`s;
        // the bound only guards a malformed file.
        for _ in 0..32 {
            let target = s
                .get("$ref")
                .and_then(J::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| self.defs?.get(name));
            match target {
                Some(t) => s = t,
                None => break,
            }
        }
        s
    }

    /// The JSON types a schema allows, `null` aside; none means anything.
    fn types(&self, s: &'static J) -> Vec<&'static str> {
        if s.get("x-kubernetes-int-or-string") == Some(&J::Bool(true)) {
            return vec!["integer", "string"];
        }
        let mut out = Vec::new();
        match s.get("type") {
            Some(J::String(t)) => out.push(t.as_str()),
            Some(J::Array(ts)) => out.extend(ts.iter().filter_map(J::as_str)),
            _ => {}
        }
        for alternatives in ["oneOf", "anyOf"] {
            for a in s
                .get(alternatives)
                .and_then(J::as_array)
                .into_iter()
                .flatten()
            {
                out.extend(self.types(self.resolve(a)));
            }
        }
        out.retain(|t| *t != "null");
        out.sort_unstable();
        out.dedup();
        out
    }

    /// `at`: where the value is named (its key), for what it lacks.
    fn value(&mut self, v: &mut RawValue, s: &'static J, path: &str, at: Span) {
        let s = self.resolve(s);
        let types = self.types(s);
        if types.is_empty() {
            return;
        }
        if types.contains(&"array") {
            match &v.raw {
                Raw::Map(fields) if fields.is_empty() => v.raw = Raw::List(Vec::new()),
                r if is_scalar(r) && !types.iter().any(|t| matches(t, r)) => {
                    let one = v.clone();
                    v.raw = Raw::List(vec![one]);
                }
                _ => {}
            }
        }
        if !types.iter().any(|t| matches(t, &v.raw)) {
            self.wrong_type(v, &types, path);
            return;
        }
        let span = v.span;
        match &mut v.raw {
            Raw::Map(fields) => self.object(fields, at, s, path),
            Raw::List(items) => {
                self.bounds(
                    s,
                    items.len() as f64,
                    span,
                    path,
                    "minItems",
                    "maxItems",
                    "items",
                );
                let merge_key = s.get("x-kubernetes-patch-merge-key").and_then(J::as_str);
                if let (true, Some(key)) = (self.patch, merge_key) {
                    for (i, it) in items.iter().enumerate() {
                        let named =
                            matches!(&it.raw, Raw::Map(f) if f.iter().any(|f| f.key == key));
                        if !named {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::MissingRequired,
                                    format!("item {i} of `{path}` does not say which it changes"),
                                )
                                .at(it.span, format!("no `{key}`"))
                                .help(format!("a patch merges the items of `{path}` by `{key}`: give the `{key}` of the item it changes (or adds)")),
                            );
                        }
                    }
                }
                if let Some(item) = s.get("items") {
                    for (i, it) in items.iter_mut().enumerate() {
                        let at = it.span;
                        self.value(it, item, &format!("{path}[{i}]"), at);
                    }
                }
            }
            Raw::Str(text) => {
                let n = text.chars().count() as f64;
                self.bounds(s, n, span, path, "minLength", "maxLength", "characters");
                let text = J::String(text.clone());
                self.one_of(s, &text, span, path);
            }
            Raw::Int(n) => {
                let n = *n;
                self.bounds(s, n as f64, span, path, "minimum", "maximum", "");
                self.one_of(s, &J::from(n), span, path);
            }
            Raw::Float(f) => {
                let f = *f;
                self.bounds(s, f, span, path, "minimum", "maximum", "");
            }
            Raw::Bool(_) | Raw::Null => {}
        }
    }

    fn object(&mut self, fields: &mut [RawField], span: Span, s: &'static J, path: &str) {
        let props = s.get("properties").and_then(J::as_object);
        let additional = s.get("additionalProperties");
        let open = s.get("x-kubernetes-preserve-unknown-fields") == Some(&J::Bool(true));
        let mut unknown: Vec<usize> = Vec::new();
        for (i, f) in fields.iter_mut().enumerate() {
            let sub = if path.is_empty() {
                f.key.clone()
            } else {
                format!("{path}.{}", f.key)
            };
            if path.is_empty() && f.key == "metadata" {
                if let Some(meta) = self.metadata {
                    self.value(&mut f.value, meta, &sub, f.key_span);
                    continue;
                }
            }
            if let Some(field) = props.and_then(|p| p.get(&f.key)) {
                self.value(&mut f.value, field, &sub, f.key_span);
                continue;
            }
            match additional {
                Some(schema @ J::Object(_)) => self.value(&mut f.value, schema, &sub, f.key_span),
                Some(J::Bool(true)) => {}
                Some(_) => unknown.push(i),
                None if props.is_some() && !open => unknown.push(i),
                None => {}
            }
        }
        let names: Vec<&str> = props
            .into_iter()
            .flat_map(|p| p.keys())
            .map(String::as_str)
            .collect();
        // A misspelt required field is one mistake: reported as unknown,
        // with the name it was meant to be, not also as missing.
        let mut meant = Vec::new();
        for &i in &unknown {
            let f = &fields[i];
            meant.extend(closest(&f.key, names.iter().copied()));
            self.unknown(f, &names, path);
        }
        let required = if self.patch { None } else { s.get("required") };
        for required in required.and_then(J::as_array).into_iter().flatten() {
            let Some(name) = required.as_str() else {
                continue;
            };
            if !fields.iter().any(|f| f.key == name) && !meant.contains(&name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::MissingRequired,
                        format!("{} needs `{name}`", place(path)),
                    )
                    .at(span, format!("no `{name}` here"))
                    .help(format!("{} requires `{name}`: add it", self.source)),
                );
            }
        }
    }

    fn unknown(&mut self, f: &RawField, names: &[&str], path: &str) {
        let otherwise = match names.len() {
            0 => format!("{} takes no fields in {}", place(path), self.source),
            1..=12 => format!("{} takes: {}", place(path), names.join(", ")),
            n => format!(
                "{} takes: {}, … ({n} fields)",
                place(path),
                names[..12].join(", ")
            ),
        };
        self.diags.push(
            Diagnostic::error(
                Code::UnknownAttribute,
                format!("{} has no field `{}`", place(path), f.key),
            )
            .at(f.key_span, "unknown here")
            .help(suggest(&f.key, names, &otherwise)),
        );
    }

    fn wrong_type(&mut self, v: &RawValue, types: &[&str], path: &str) {
        let want = expected(types);
        let help = match (types, &v.raw) {
            (t, Raw::Int(_) | Raw::Float(_) | Raw::Bool(_)) if t.contains(&"string") => {
                "quote it: the API wants text here, e.g. `\"80\"` or `\"true\"`".to_string()
            }
            (t, _) if t.contains(&"object") => {
                "write its fields in a block: `NAME { FIELD VALUE … }`".to_string()
            }
            (t, _) if t.contains(&"array") => {
                "write the list as `NAME \"a\" \"b\"`, or as `NAME { - ITEM; - ITEM }`".to_string()
            }
            _ => format!("write {want}"),
        };
        self.diags.push(
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "{} must be {want}, not {}",
                    place(path),
                    crate::diag::a(type_name(&v.raw))
                ),
            )
            .at(v.span, format!("expected {want}"))
            .help(help),
        );
    }

    fn one_of(&mut self, s: &'static J, value: &J, span: Span, path: &str) {
        let Some(choices) = s.get("enum").and_then(J::as_array) else {
            return;
        };
        if choices.contains(value) {
            return;
        }
        let names: Vec<String> = choices
            .iter()
            .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let shown = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string);
        self.diags.push(
            Diagnostic::error(
                Code::BadEnumValue,
                format!("`{shown}` is not a valid value of {}", place(path)),
            )
            .at(span, format!("expected one of: {}", names.join(", ")))
            .help(suggest(
                &shown,
                &refs,
                &format!("it is one of: {}", names.join(", ")),
            )),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn bounds(
        &mut self,
        s: &'static J,
        n: f64,
        span: Span,
        path: &str,
        min: &str,
        max: &str,
        unit: &str,
    ) {
        let unit = if unit.is_empty() {
            String::new()
        } else {
            format!(" {unit}")
        };
        if let Some(lo) = s.get(min).and_then(J::as_f64).filter(|lo| n < *lo) {
            self.violation(
                span,
                format!("{} is below its minimum of {lo}{unit}", place(path)),
            );
        }
        if let Some(hi) = s.get(max).and_then(J::as_f64).filter(|hi| n > *hi) {
            self.violation(
                span,
                format!("{} is over its maximum of {hi}{unit}", place(path)),
            );
        }
    }

    fn violation(&mut self, span: Span, message: String) {
        let help = format!("{} says so; change the value", self.source);
        self.diags.push(
            Diagnostic::error(Code::SchemaViolation, message)
                .at(span, "out of bounds")
                .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::schema::{lookup, Lookup};

    fn value(raw: Raw) -> RawValue {
        RawValue {
            raw,
            span: Span::default(),
        }
    }

    fn field(key: &str, raw: Raw) -> RawField {
        RawField {
            key: key.to_string(),
            key_span: Span::default(),
            value: value(raw),
        }
    }

    fn object(api: &str, kind: &str, fields: Vec<RawField>) -> RawValue {
        let mut all = vec![
            field("apiVersion", Raw::Str(api.into())),
            field("kind", Raw::Str(kind.into())),
            field(
                "metadata",
                Raw::Map(vec![field("name", Raw::Str("x".into()))]),
            ),
        ];
        all.extend(fields);
        value(Raw::Map(all))
    }

    fn check_object(api: &str, kind: &str, body: &mut RawValue) -> Vec<String> {
        let Lookup::Found(schema) = lookup(api, kind) else {
            panic!("no schema for {api} {kind}");
        };
        let mut diags = Diagnostics::default();
        check(body, &schema, &mut diags);
        diags
            .items
            .iter()
            .map(|d| format!("{}: {}", d.code.as_str(), d.message))
            .collect()
    }

    #[test]
    fn refs_are_followed_and_unknown_fields_refused() {
        let mut pdb = object(
            "policy/v1",
            "PodDisruptionBudget",
            vec![field(
                "spec",
                Raw::Map(vec![
                    field("minAvailable", Raw::Str("50%".into())),
                    field("maxUnavailabel", Raw::Int(1)),
                ]),
            )],
        );
        let found = check_object("policy/v1", "PodDisruptionBudget", &mut pdb);
        assert_eq!(found, ["E003: `spec` has no field `maxUnavailabel`"]);
    }

    #[test]
    fn an_empty_block_or_one_value_is_read_as_the_list_the_schema_wants() {
        let mut policy = object(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            vec![field(
                "spec",
                Raw::Map(vec![
                    field("podSelector", Raw::Map(Vec::new())),
                    field("policyTypes", Raw::Str("Ingress".into())),
                    field("ingress", Raw::Map(Vec::new())),
                ]),
            )],
        );
        assert!(check_object("networking.k8s.io/v1", "NetworkPolicy", &mut policy).is_empty());
        let Raw::Map(fields) = &policy.raw else {
            unreachable!()
        };
        let Raw::Map(spec) = &fields[3].value.raw else {
            unreachable!()
        };
        assert!(
            matches!(&spec[0].value.raw, Raw::Map(m) if m.is_empty()),
            "an object stays one"
        );
        assert!(matches!(&spec[1].value.raw, Raw::List(l) if l.len() == 1));
        assert!(matches!(&spec[2].value.raw, Raw::List(l) if l.is_empty()));
    }

    #[test]
    fn int_or_string_takes_both_and_nothing_else() {
        for (raw, ok) in [
            (Raw::Int(1), true),
            (Raw::Str("25%".into()), true),
            (Raw::Bool(true), false),
            (Raw::Float(1.5), false),
        ] {
            let mut pdb = object(
                "policy/v1",
                "PodDisruptionBudget",
                vec![field("spec", Raw::Map(vec![field("minAvailable", raw)]))],
            );
            let found = check_object("policy/v1", "PodDisruptionBudget", &mut pdb);
            assert_eq!(found.is_empty(), ok, "{found:?}");
        }
    }

    #[test]
    fn a_misspelt_required_field_is_one_error() {
        let mut issuer = object(
            "cert-manager.io/v1",
            "ClusterIssuer",
            vec![field(
                "spec",
                Raw::Map(vec![field(
                    "acme",
                    Raw::Map(vec![
                        field("servr", Raw::Str("https://acme.example".into())),
                        field(
                            "privateKeySecretRef",
                            Raw::Map(vec![field("name", Raw::Str("k".into()))]),
                        ),
                    ]),
                )]),
            )],
        );
        let found = check_object("cert-manager.io/v1", "ClusterIssuer", &mut issuer);
        assert_eq!(found, ["E003: `spec.acme` has no field `servr`"]);
    }

    #[test]
    fn lookups_name_what_is_served() {
        assert!(
            matches!(lookup("apps/v1beta1", "Deployment"), Lookup::OtherVersions(v) if v == ["apps/v1"])
        );
        assert!(
            matches!(lookup("cert-manager.io/v1", "Issuerr"), Lookup::NoSuchKind(k) if k.contains(&"Issuer"))
        );
        assert!(matches!(lookup("example.com/v1", "Thing"), Lookup::Unknown));
        assert!(matches!(lookup("v1", "Namespace"), Lookup::Found(s) if !s.namespaced));
        assert!(
            matches!(lookup("cert-manager.io/v1", "ClusterIssuer"), Lookup::Found(s) if !s.namespaced)
        );
        assert!(matches!(lookup("cert-manager.io/v1", "Issuer"), Lookup::Found(s) if s.namespaced));
    }
}
