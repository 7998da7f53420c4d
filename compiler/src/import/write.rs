//! Found resources as KDL: each as its kind (curated, or generic), labelled
//! by its name attribute where it has one, with the attributes a user sets
//! (read-only ones, empty ones and `false` left out), `import-id` from the
//! state, and references restored.

use super::{Found, FoundResource, FoundRest, Imported};
use crate::kinds::{Kind, Registry};
use crate::schema::Block;
use crate::types::TfType;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Attributes by which other resources refer to one: an id, a URN or ARN,
/// an address. A value equal to one of another resource's is written as a
/// reference to it.
const EXPORTED: &[&str] = &[
    "id",
    "urn",
    "arn",
    "fingerprint",
    "ipv4_address",
    "ipv4_address_private",
    "ipv6_address",
    "ip",
    "ip_address",
];

struct Named<'a> {
    found: &'a FoundResource,
    kind: &'static Kind,
    label: String,
}

/// The environments of Terraform read from several roots, with the
/// outputs each environment's root declares.
#[derive(Default)]
pub struct Environments {
    pub names: Vec<String>,
    pub outputs: Vec<(String, Output)>,
}

/// Name, value, description, sensitive.
pub type Output = (String, Found, Option<String>, bool);

pub fn kdl(
    found: &[FoundResource],
    rest: &FoundRest,
    environments: &Environments,
    registry: &'static Registry,
    mut warnings: Vec<String>,
) -> Imported {
    let mut named: Vec<Named> = Vec::new();
    let mut skipped = String::new();
    for f in found {
        let kind = if f.data {
            registry.get(&format!(
                "{}{}",
                crate::kinds::generic::DATA,
                f.resource_type.replace('_', "-")
            ))
        } else {
            // A curated kind, else the generic kind of a shipped provider
            // or of one the project brings.
            registry
                .by_resource(&f.resource_type)
                .or_else(|| registry.get(&f.resource_type.replace('_', "-")))
        };
        let Some(kind) = kind else {
            warnings.push(format!(
                "`{}.{}`: infrac has no schema for `{}`; bring the provider's (`provider … schema=`) and import again",
                f.resource_type, f.name, f.resource_type
            ));
            let _ = writeln!(
                skipped,
                "// not imported: {}.{} (no schema for its type)",
                f.resource_type, f.name
            );
            continue;
        };
        let label = label(f, kind);
        named.push(Named {
            found: f,
            kind,
            label,
        });
    }
    // Exported values → the resources they belong to (a value two
    // resources share names neither).
    let mut exported: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
    for (i, n) in named.iter().enumerate() {
        for (k, v) in &n.found.attributes {
            if let (true, Found::Str(s)) = (EXPORTED.contains(&k.as_str()), v) {
                if s.len() >= 4 {
                    exported
                        .entry(s.as_str())
                        .or_default()
                        .push((i, k.as_str()));
                }
            }
        }
    }
    let addresses: HashMap<(String, String), usize> = named
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let ty = if n.found.data {
                format!("data.{}", n.found.resource_type)
            } else {
                n.found.resource_type.clone()
            };
            ((ty, n.found.name.clone()), i)
        })
        .collect();
    let mut out = String::from(
        "// Imported by `infrac import`: review it, then move the declarations\n// into your files.",
    );
    out.push_str(if found.iter().any(|f| f.import_id.is_some()) {
        " Each `import-id` adopts the existing resource at the\n// next `terraform apply`.\n"
    } else {
        "\n"
    });
    let cx = |this: usize| Context {
        this,
        named: &named,
        exported: &exported,
        addresses: &addresses,
        variables: &rest.variables,
    };
    for (name, description, sensitive) in &rest.variables {
        let keyword = if *sensitive { "secret" } else { "input" };
        let _ = write!(out, "{keyword} {}", quote(name));
        if let Some(d) = description {
            let _ = write!(out, " description={}", quote(d));
        }
        out.push('\n');
    }
    let mut providers: Vec<&str> = named
        .iter()
        .map(|n| n.kind.provider.as_str())
        .filter(|p| !rest.providers.iter().any(|(n, _, _)| n == p))
        .collect();
    providers.sort();
    providers.dedup();
    for p in providers {
        let _ = writeln!(
            out,
            "provider \"{p}\" // its credentials: a `secret` (see docs/language.md#providers), or the provider's environment variable"
        );
    }
    for (name, alias, attributes) in &rest.providers {
        let _ = write!(out, "provider {}", quote(name));
        if let Some(a) = alias {
            let _ = write!(out, " as={}", quote(a));
        }
        let mut children = Vec::new();
        for (k, v) in attributes {
            let written = k.replace('_', "-");
            match (scalar(&cx(usize::MAX), v), v) {
                (Some(s), _) => {
                    let _ = write!(out, " {written}={s}");
                }
                // A nested block (`endpoints { s3 = … }`): a child.
                (None, Found::List(items)) => {
                    for item in items {
                        if let Found::Object(fields) = item {
                            let props: Vec<String> = fields
                                .iter()
                                .filter_map(|(k, v)| {
                                    Some(format!(
                                        "{}={}",
                                        k.replace('_', "-"),
                                        scalar(&cx(usize::MAX), v)?
                                    ))
                                })
                                .collect();
                            children.push(format!("{written} {}", props.join(" ")));
                        }
                    }
                }
                _ => warnings.push(format!(
                    "provider {name}: `{k}` is not a plain value: left out"
                )),
            }
        }
        close_node(&mut out, &children, "", true);
    }
    if let Some((kind, attributes)) = &rest.backend {
        out.push_str(&backend(&cx(usize::MAX), kind, attributes, &mut warnings));
    }
    out.push_str(&skipped);
    // Per environment: its overrides, and the switches of the declarations
    // it does not have.
    let mut overrides: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut done = vec![false; named.len()];
    for (i, n) in named.iter().enumerate() {
        if done[i] {
            continue;
        }
        out.push('\n');
        if n.found.environment.is_none() {
            out.push_str(&declaration(&cx(i), n, false, &mut warnings).text());
            continue;
        }
        // Every environment's declaration of this address, in the
        // environments' order: the first is the declaration, the others
        // say what differs.
        let mut group: Vec<usize> = (i..named.len())
            .filter(|&j| {
                let (a, b) = (&named[j].found, n.found);
                a.environment.is_some()
                    && (a.data, &a.resource_type, &a.name) == (b.data, &b.resource_type, &b.name)
            })
            .collect();
        let position = |j: &usize| {
            let env = named[*j].found.environment.as_deref();
            environments
                .names
                .iter()
                .position(|e| Some(e.as_str()) == env)
        };
        group.sort_by_key(position);
        for &j in &group {
            done[j] = true;
        }
        // The name attribute is written when an environment names the
        // resource otherwise than its label says.
        let keep_name = group.iter().any(|&j| !named_by_label(&named[j]));
        let mut base = declaration(&cx(group[0]), &named[group[0]], keep_name, &mut warnings);
        let having: Vec<&str> = group
            .iter()
            .filter_map(|&j| named[j].found.environment.as_deref())
            .collect();
        let switch = (having.len() < environments.names.len()).then(|| {
            format!(
                "with-{}-{}",
                n.kind.kind.trim_start_matches("data."),
                n.label
            )
        });
        if let Some(var) = &switch {
            let _ = writeln!(
                out,
                "var {} type=\"bool\" default=#true description={}",
                quote(var),
                quote(&format!(
                    "whether the environment has {} `{}`",
                    n.kind.kind, n.label
                ))
            );
            base.props.insert(0, format!("if=(var){}", quote(var)));
            for e in environments
                .names
                .iter()
                .filter(|e| !having.contains(&e.as_str()))
            {
                overrides
                    .entry(e)
                    .or_default()
                    .push(format!("var {} #false", quote(var)));
            }
        }
        out.push_str(&base.text());
        for &j in &group[1..] {
            let mut d = declaration(&cx(j), &named[j], keep_name, &mut warnings);
            d.head = base.head.clone();
            if let Some(text) = d.override_of(&base, &mut warnings) {
                let env = named[j].found.environment.as_deref().unwrap_or_default();
                overrides.entry(env).or_default().push(text);
            }
        }
    }
    for o in &rest.outputs {
        if let Some(text) = output(&cx(usize::MAX), o, &mut warnings) {
            out.push('\n');
            out.push_str(&text);
        }
    }
    for (env, o) in &environments.outputs {
        if let Some(text) = output(&cx(usize::MAX), o, &mut warnings) {
            overrides
                .entry(env)
                .or_default()
                .push(text.trim_end().to_string());
        }
    }
    for env in &environments.names {
        let _ = write!(out, "\nenvironment {}", quote(env));
        match overrides.get(env.as_str()) {
            None => out.push('\n'),
            Some(lines) => {
                out.push_str(" {\n");
                for text in lines {
                    for line in text.lines() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                out.push_str("}\n");
            }
        }
    }
    // The roots of environments repeat what they share.
    let mut seen = std::collections::HashSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    Imported {
        kdl: out,
        warnings,
        resources: named.len(),
    }
}

/// The label a found resource is declared with: its name attribute where
/// that gives its Terraform name (the label makes the name: it must give
/// the one the resource has, or Terraform would see a new resource), else
/// the name itself.
pub(super) fn label(f: &FoundResource, kind: &Kind) -> String {
    (!f.data)
        .then_some(kind.name_attribute.as_deref())
        .flatten()
        .and_then(|n| f.attributes.iter().find(|(k, _)| k == n))
        .and_then(|(_, v)| match v {
            Found::Str(s) if is_label(s) => Some(s.clone()),
            _ => None,
        })
        .filter(|l| crate::resolve::tf_ident(l) == f.name)
        .unwrap_or_else(|| f.name.replace('_', "-"))
}

struct Context<'a> {
    this: usize,
    named: &'a [Named<'a>],
    exported: &'a HashMap<&'a str, Vec<(usize, &'a str)>>,
    addresses: &'a HashMap<(String, String), usize>,
    variables: &'a [(String, Option<String>, bool)],
}

impl Context<'_> {
    /// `(ref)"KIND.LABEL.ATTRIBUTE"` for a value another resource exports.
    fn reference_for(&self, value: &str) -> Option<String> {
        match self.exported.get(value)?.as_slice() {
            [(i, attr)] if *i != self.this => Some(self.reference(*i, attr)),
            _ => None,
        }
    }

    fn reference(&self, i: usize, attr: &str) -> String {
        let n = &self.named[i];
        let kind = if n.found.data {
            format!("data.{}", n.found.resource_type.replace('_', "-"))
        } else {
            n.kind.kind.clone()
        };
        format!(
            "(ref){}",
            quote(&format!("{kind}.{}.{}", n.label, attr.replace('_', "-")))
        )
    }
}

/// Ends a node: ` {`, its children (each line indented by `indent` more
/// than the node's `base`), `}`; or nothing when it has none. Then a line
/// break when `newline`.
pub(super) fn close_node(out: &mut String, children: &[String], base: &str, newline: bool) {
    if !children.is_empty() {
        out.push_str(" {\n");
        for c in children {
            for line in c.lines() {
                let _ = writeln!(out, "{base}    {line}");
            }
        }
        out.push_str(base);
        out.push('}');
    }
    if newline {
        out.push('\n');
    }
}

/// An output declaration, or `None` (with a warning) when its value is
/// not one infrac can write.
fn output(cx: &Context, o: &Output, warnings: &mut Vec<String>) -> Option<String> {
    let (name, value, description, sensitive) = o;
    let Some(v) = scalar(cx, value) else {
        warnings.push(format!("output `{name}` is not a plain value or reference (infrac writes an output of every droplet's address, and such, itself): left out"));
        return None;
    };
    let mut out = format!("output {} value={v}", quote(name));
    if let Some(d) = description {
        let _ = write!(out, " description={}", quote(d));
    }
    // infrac marks an output sensitive when it reads a secret.
    let _ = sensitive;
    out.push('\n');
    Some(out)
}

/// `backend "s3" bucket=… { endpoints s3=… }`: settings as properties,
/// maps and nested blocks as children.
fn backend(
    cx: &Context,
    kind: &str,
    attributes: &[(String, Found)],
    warnings: &mut Vec<String>,
) -> String {
    let mut out = format!("backend {}", quote(kind));
    let mut children = Vec::new();
    for (k, v) in attributes {
        let written = k.replace('_', "-");
        let fields = match v {
            Found::Object(fields) => vec![fields],
            Found::List(items) => items
                .iter()
                .filter_map(|i| match i {
                    Found::Object(f) => Some(f),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        match scalar(cx, v) {
            Some(s) if fields.is_empty() => {
                let _ = write!(out, " {written}={s}");
            }
            _ if !fields.is_empty() => {
                for f in fields {
                    let props: Vec<String> = f
                        .iter()
                        .filter_map(|(k, v)| Some(format!("{}={}", key(k), scalar(cx, v)?)))
                        .collect();
                    children.push(format!("{written} {}", props.join(" ")));
                }
            }
            _ => warnings.push(format!("backend: `{k}` is not a plain value: left out")),
        }
    }
    close_node(&mut out, &children, "", true);
    out
}

/// A declaration as written: its node name and label, properties and
/// children (each a line or block of KDL).
struct Declaration {
    head: String,
    props: Vec<String>,
    children: Vec<String>,
}

impl Declaration {
    fn text(&self) -> String {
        let mut out = self.head.clone();
        for p in &self.props {
            out.push(' ');
            out.push_str(p);
        }
        close_node(&mut out, &self.children, "", true);
        out
    }

    /// What an environment's declaration changes of `base`, as an
    /// override (`None` when nothing): properties that differ, `#null` for
    /// those it lacks; children it has that `base` has not, `NAME #null`
    /// for a child of `base` it lacks.
    fn override_of(&self, base: &Declaration, warnings: &mut Vec<String>) -> Option<String> {
        let key = |p: &str| p.split_once('=').map_or(p, |(k, _)| k).to_string();
        let mut props: Vec<String> = self
            .props
            .iter()
            .filter(|p| !base.props.contains(p))
            .cloned()
            .collect();
        for p in &base.props {
            let k = key(p);
            if k != "if" && !self.props.iter().any(|q| key(q) == k) {
                props.push(format!("{k}=#null"));
            }
        }
        let name = |c: &str| c.split([' ', '\n']).next().unwrap_or(c).to_string();
        let mut children: Vec<String> = self
            .children
            .iter()
            .filter(|c| !base.children.contains(c))
            .cloned()
            .collect();
        for c in base.children.iter().filter(|c| !self.children.contains(c)) {
            let n = name(c);
            let replaced = children.iter().any(|x| name(x) == n);
            let alone = base.children.iter().filter(|x| name(x) == n).count() == 1;
            match (replaced, alone) {
                (true, true) => {}
                (false, true) => children.push(format!("{n} #null")),
                _ => warnings.push(format!(
                    "{}: a `{n}` child differs between environments: review the environment's override",
                    self.head
                )),
            }
        }
        if props.is_empty() && children.is_empty() {
            return None;
        }
        Some(
            Declaration {
                head: self.head.clone(),
                props,
                children,
            }
            .text(),
        )
    }
}

/// Whether a resource's name attribute (if its kind has one) is what its
/// label says, so that its declaration leaves it out.
fn named_by_label(n: &Named) -> bool {
    let Some(attr) = n.kind.name_attribute.as_deref() else {
        return true;
    };
    n.found
        .attributes
        .iter()
        .all(|(k, v)| k != attr || matches!(v, Found::Str(s) if *s == n.label))
}

/// The declaration of a found resource. `keep_name`: its name attribute
/// is written even where the label says it (environments' declarations
/// of one resource are compared property by property).
fn declaration(
    cx: &Context,
    n: &Named,
    keep_name: bool,
    warnings: &mut Vec<String>,
) -> Declaration {
    let schema = n.kind.schema();
    let mut props = Vec::new();
    let mut children = Vec::new();
    let at = format!("{}.{}", n.found.resource_type, n.found.name);
    for (key, value) in &n.found.attributes {
        if key == "id" {
            continue;
        }
        if key == "meta.provider" {
            if let Found::Str(alias) = value {
                props.push(format!("provider={}", quote(alias)));
            }
            continue;
        }
        if key == "meta.depends_on" {
            let targets: Vec<String> = match value {
                Found::List(items) => items
                    .iter()
                    .filter_map(|i| match i {
                        Found::Ref {
                            resource_type,
                            name,
                            ..
                        } => cx.addresses.get(&(resource_type.clone(), name.clone())),
                        _ => None,
                    })
                    .map(|&i| quote(&format!("{}.{}", cx.named[i].kind.kind, cx.named[i].label)))
                    .collect(),
                _ => Vec::new(),
            };
            if !targets.is_empty() {
                children.push(format!("depends-on {}", targets.join(" ")));
            }
            continue;
        }
        if key == "lifecycle.ignore_changes" {
            if let Found::List(items) = value {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|i| match i {
                        Found::Expression(e) | Found::Str(e) => Some(quote(&e.replace('_', "-"))),
                        _ => None,
                    })
                    .collect();
                children.push(format!("ignore-changes {}", names.join(" ")));
            }
            continue;
        }
        if !keep_name
            && n.kind.name_attribute.as_deref() == Some(key.as_str())
            && matches!(value, Found::Str(s) if *s == n.label)
        {
            continue;
        }
        let known = member(
            cx,
            "",
            key,
            value,
            schema,
            n.found.written,
            &mut props,
            &mut children,
            warnings,
            &at,
        );
        if !known && !is_empty(value) {
            warnings.push(format!(
                "{at}: `{key}` is not an attribute of {} in the vendored schema: left out",
                n.found.resource_type
            ));
        }
    }
    if let Some(id) = &n.found.import_id {
        props.push(format!("import-id={}", quote(id)));
    }
    let head = if n.found.data {
        format!(
            "data {} {}",
            quote(&n.found.resource_type.replace('_', "-")),
            quote(&n.label)
        )
    } else {
        format!("{} {}", n.kind.kind, quote(&n.label))
    };
    Declaration {
        head,
        props,
        children,
    }
}

/// An attribute or a nested block of `schema` (`path`: the Terraform path
/// of the block, empty at the top), into the node's properties and
/// children. False when the schema has no such member.
#[allow(clippy::too_many_arguments)]
fn member(
    cx: &Context,
    path: &str,
    key: &str,
    value: &Found,
    schema: &Block,
    as_written: bool,
    props: &mut Vec<String>,
    children: &mut Vec<String>,
    warnings: &mut Vec<String>,
    at: &str,
) -> bool {
    let written = key.replace('_', "-");
    let inner = if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    };
    if let Some(a) = schema.attributes.get(key) {
        if !a.settable() {
            return true;
        }
        if a.sensitive && has_plain_text(value) {
            warnings.push(format!("{at}: `{written}` is sensitive and was not written: declare a `secret` and write `{written}=(secret)\"NAME\"`"));
            children.push(format!(
                "// {written}=(secret)\"…\"  (sensitive: give it as a secret)"
            ));
            return true;
        }
        // A configuration's explicit `false` and `null` are kept.
        if is_empty(value) && !(as_written && matches!(value, Found::Bool(false) | Found::Null)) {
            return true;
        }
        attribute(
            cx, &inner, &written, value, &a.ty, props, children, warnings, at,
        );
        return true;
    }
    let Some(b) = schema.blocks.get(key) else {
        return false;
    };
    let items = match value {
        Found::List(items) => items.clone(),
        Found::Object(_) => vec![value.clone()],
        _ => Vec::new(),
    };
    for item in items {
        if let Found::Object(fields) = &item {
            children.push(block(cx, &inner, &written, fields, &b.block, warnings, at));
        }
    }
    true
}

/// A nested block as a child node: scalars as properties, the rest as its
/// children.
fn block(
    cx: &Context,
    path: &str,
    name: &str,
    fields: &[(String, Found)],
    schema: &Block,
    warnings: &mut Vec<String>,
    at: &str,
) -> String {
    let mut props = Vec::new();
    let mut children = Vec::new();
    for (key, value) in fields {
        if !is_empty(value) {
            member(
                cx,
                path,
                key,
                value,
                schema,
                false,
                &mut props,
                &mut children,
                warnings,
                at,
            );
        }
    }
    let mut text = name.to_string();
    for p in &props {
        text.push(' ');
        text.push_str(p);
    }
    close_node(&mut text, &children, "", false);
    text
}

#[allow(clippy::too_many_arguments)]
fn attribute(
    cx: &Context,
    path: &str,
    name: &str,
    value: &Found,
    ty: &TfType,
    props: &mut Vec<String>,
    children: &mut Vec<String>,
    warnings: &mut Vec<String>,
    at: &str,
) {
    // An attribute that takes a reference names a declared resource: a
    // value that is none of the imported ones cannot be written.
    let kind = cx.named[cx.this].kind;
    if let Some(spec) = kind.refs.get(path).filter(|r| r.strict) {
        let items = match value {
            Found::List(items) => items.iter().collect(),
            other => vec![other],
        };
        let unknown: Vec<String> = items
            .iter()
            .filter(|i| {
                !matches!(i, Found::Null) && !scalar(cx, i).is_some_and(|s| s.starts_with("(ref)"))
            })
            .map(|i| match i {
                Found::Str(s) => s.clone(),
                Found::Number(n) => n.to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        if !unknown.is_empty() {
            warnings.push(format!(
                "{at}: `{name}` refers to a {} the import does not hold ({}): import it too, or write the reference by hand",
                spec.kind,
                unknown.join(", ")
            ));
            children.push(format!("// {name}: a {} not imported", spec.kind));
            return;
        }
    }
    match (value, ty) {
        (Found::List(items), _) => {
            let values: Vec<String> = items.iter().filter_map(|i| scalar(cx, i)).collect();
            if values.len() == items.len() {
                children.push(format!("{name} {}", values.join(" ")));
            } else {
                warnings.push(format!(
                    "{at}: `{name}` holds values that are not plain: left out"
                ));
                children.push(format!("// {name}: a list of objects, to write by hand"));
            }
        }
        (Found::Object(fields), _) => {
            let mut entries = Vec::new();
            for (k, v) in fields {
                if is_empty(v) {
                    continue;
                }
                match scalar(cx, v) {
                    Some(s) => entries.push(format!("{} {s}", key(k))),
                    None => {
                        warnings.push(format!("{at}: `{name}.{k}` is not a plain value: left out"))
                    }
                }
            }
            if entries.is_empty() {
            } else if fields.iter().all(|(k, _)| key(k) == *k) {
                // `account id="…"`, `labels role="web"`
                let props: Vec<String> = entries
                    .iter()
                    .map(|e| {
                        let (k, v) = e.split_once(' ').unwrap_or((e, ""));
                        format!("{k}={v}")
                    })
                    .collect();
                children.push(format!("{name} {}", props.join(" ")));
            } else {
                children.push(format!(
                    "{name} {{\n{}\n}}",
                    entries
                        .iter()
                        .map(|e| format!("    {e}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                ));
            }
        }
        (Found::Expression(e), _) if template(cx, e).is_some() => {
            let t = template(cx, e).unwrap_or_default();
            if children.is_empty() {
                props.push(format!("{name}={t}"));
            } else {
                children.push(format!("{name} {t}"));
            }
        }
        (Found::Expression(e), _) => {
            warnings.push(format!(
                "{at}: `{name} = {e}` is an expression infrac cannot read: written as a comment"
            ));
            children.push(format!("// {name} = {e}"));
        }
        // After a child, a value is a child too: the order is kept.
        (v, _) => match scalar(cx, v) {
            Some(s) if children.is_empty() => props.push(format!("{name}={s}")),
            Some(s) => children.push(format!("{name} {s}")),
            None => {
                warnings.push(format!(
                    "{at}: `{name}` refers to a resource the import does not hold: written as a comment"
                ));
                children.push(format!("// {name}: {v:?}"));
            }
        },
    }
}

/// A value as a KDL argument: a string (a reference where another
/// resource exports it), a number, a boolean, a reference.
fn scalar(cx: &Context, v: &Found) -> Option<String> {
    Some(match v {
        Found::Null => "#null".to_string(),
        Found::Bool(b) => if *b { "#true" } else { "#false" }.to_string(),
        // An id the state holds as a number (a firewall's droplet ids).
        Found::Number(n) => cx
            .reference_for(&n.to_string())
            .unwrap_or_else(|| n.to_string()),
        Found::Str(s) => cx.reference_for(s).unwrap_or_else(|| quote(s)),
        Found::Ref {
            resource_type,
            name,
            attribute,
        } => match cx.addresses.get(&(resource_type.clone(), name.clone())) {
            Some(&i) => cx.reference(i, attribute),
            None => return None,
        },
        Found::Expression(e) => template(cx, e)?,
        Found::Var(name) => {
            let input = cx.variables.iter().any(|(n, _, s)| n == name && !s);
            format!(
                "({}){}",
                if input { "input" } else { "secret" },
                quote(name)
            )
        }
        _ => return None,
    })
}

/// An HCL string with interpolations of resources' attributes
/// (`"root@${digitalocean_droplet.ct1.ipv4_address}"`) as infrac's
/// (`"root@${droplet.ct1.ipv4-address}"`); none for anything else in it.
fn template(cx: &Context, e: &str) -> Option<String> {
    let inner = e.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains("%{") {
        return None;
    }
    let mut out = String::from("\"");
    let mut rest = inner;
    while let Some(start) = rest.find("${") {
        // `$${` is a literal `${` in both languages.
        if rest[..start].ends_with('$') {
            out.push_str(&rest[..start + 2]);
            rest = &rest[start + 2..];
            continue;
        }
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let path: Vec<&str> = rest[start + 2..end].trim().split('.').collect();
        let [ty, name, attribute] = path.as_slice() else {
            return None;
        };
        let &i = cx.addresses.get(&(ty.to_string(), name.to_string()))?;
        let reference = cx.reference(i, attribute);
        out.push_str("${");
        out.push_str(reference.strip_prefix("(ref)\"")?.strip_suffix('"')?);
        out.push('}');
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.push('"');
    Some(out)
}

/// Whether a value holds text written out (not only secrets and
/// references).
fn has_plain_text(v: &Found) -> bool {
    match v {
        Found::Null | Found::Var(_) | Found::Ref { .. } => false,
        Found::List(items) => items.iter().any(has_plain_text),
        Found::Object(fields) => fields.iter().any(|(_, v)| has_plain_text(v)),
        _ => true,
    }
}

/// Whether a name attribute's value can be the declaration's label.
fn is_label(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_empty(v: &Found) -> bool {
    match v {
        Found::Null | Found::Bool(false) => true,
        Found::Str(s) => s.is_empty(),
        Found::List(items) => items.is_empty(),
        Found::Object(fields) => fields.iter().all(|(_, v)| is_empty(v)),
        _ => false,
    }
}

/// A KDL string: `"` and `\` escaped, control characters as escapes, and
/// `${` doubled so that infrac reads no interpolation into it.
pub(super) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.replace("${", "$${").chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A map key as a node name: bare when KDL allows it, else quoted.
fn key(k: &str) -> String {
    let bare = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !matches!(k, "true" | "false" | "null" | "inf" | "nan");
    if bare {
        k.to_string()
    } else {
        quote(k)
    }
}
