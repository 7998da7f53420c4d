//! `infrac kinds [NAME]`: every kind the language knows (curated, stage,
//! component, generic), or what one of them, or one of their blocks, takes.

use super::{generic, registry, Kind, Registry};
use crate::schema::Block;
use std::fmt::Write as _;

/// A component as `infrac kinds` shows it.
pub struct ComponentInfo {
    pub name: String,
    pub doc: Option<String>,
    /// `stdlib` or `project`.
    pub origin: &'static str,
    /// Name, type, whether it has a default, description.
    pub params: Vec<(String, &'static str, bool, Option<String>)>,
}

/// The listing, or the description of `name`: a kind, a block
/// (`firewall.inbound-rule`, or `inbound-rule` alone), a stage kind or a
/// component.
/// `reg`: the project's registry (with the providers it brings).
pub fn describe(
    name: Option<&str>,
    components: &[ComponentInfo],
    reg: &'static Registry,
) -> Result<String, String> {
    let Some(name) = name else {
        return Ok(listing(components, reg));
    };
    if let Some(k) = reg.get(name) {
        return Ok(kind(k));
    }
    // `infrac kinds data aws-ami` reads as the shell splits it.
    let data = name
        .strip_prefix("data ")
        .map(|t| format!("{}{t}", generic::DATA));
    if let Some(k) = data.as_deref().and_then(|d| reg.get(d)) {
        return Ok(kind(k));
    }
    if let Some(stage) = crate::model::stage_kind_info()
        .into_iter()
        .find(|s| s.name == name)
    {
        let mut out = format!(
            "{} (compiled by infrac itself)\n{}\n\nproperties:\n",
            stage.name, stage.doc
        );
        for p in &stage.props {
            let _ = writeln!(out, "  {p}");
        }
        if !stage.children.is_empty() {
            out.push_str("\nchildren:\n");
            for c in &stage.children {
                let _ = writeln!(out, "  {c}");
            }
        }
        out.push_str("\ndocs/language.md explains each.\n");
        return Ok(out);
    }
    if let Some(c) = components.iter().find(|c| c.name == name) {
        return Ok(component(c));
    }
    if let Some(text) = block(name) {
        return Ok(text);
    }
    let mut names = reg.all_names();
    names.extend(crate::model::STAGE_KINDS.iter().map(|s| s.to_string()));
    names.extend(components.iter().map(|c| c.name.clone()));
    Err(format!(
        "no kind, block or component `{name}`. {}",
        crate::diag::did_you_mean(name, names.iter().map(String::as_str))
    ))
}

fn listing(components: &[ComponentInfo], reg: &Registry) -> String {
    let mut out = String::from("Curated kinds (friendly names, defaults and children):\n");
    let name_width = reg.kinds.keys().map(String::len).max().unwrap_or(0);
    let resource_width = reg
        .kinds
        .values()
        .map(|k| k.resource.len())
        .max()
        .unwrap_or(0);
    for k in reg.kinds.values() {
        let _ = writeln!(
            out,
            "  {:<name_width$} {:<resource_width$} {}",
            k.kind, k.resource, k.doc
        );
    }
    out.push_str("\nCompiled by infrac (web fronts and Kubernetes workloads):\n");
    for s in crate::model::stage_kind_info() {
        let _ = writeln!(out, "  {:<name_width$} {}", s.name, s.doc);
    }
    if !components.is_empty() {
        out.push_str("\nComponents (`use \"NAME\"`):\n");
        for c in components {
            let _ = writeln!(
                out,
                "  {:<name_width$} {:<8} {}",
                c.name,
                c.origin,
                c.doc.as_deref().unwrap_or("")
            );
        }
    }
    out.push_str("\nGeneric kinds: every resource type of a vendored provider, in kebab case:\n");
    for name in generic::names() {
        let _ = writeln!(out, "  {name}");
    }
    out.push_str(
        "\nData sources (`data \"TYPE\" \"NAME\"`, read as `data.TYPE.NAME.ATTRIBUTE`):\n",
    );
    for name in generic::data_names() {
        let _ = writeln!(out, "  {name}");
    }
    for p in &reg.own {
        let _ = writeln!(
            out,
            "\nBrought by the project (`{}` from {} {}, its own schema):",
            p.info.name, p.info.source, p.info.version
        );
        for name in p.schema.resource_names() {
            let _ = writeln!(out, "  {}", name.replace('_', "-"));
        }
        for name in p.schema.data_source_names() {
            let _ = writeln!(out, "  data {}", name.replace('_', "-"));
        }
    }
    out
}

fn kind(k: &Kind) -> String {
    let reg = registry();
    let schema = k.schema();
    let origin = if k.is_data() {
        "data source"
    } else if k.is_generic() {
        "generic"
    } else {
        "curated"
    };
    let mut out = format!(
        "{} → {} ({}, {origin})\n{}\n",
        k.kind, k.resource, k.provider, k.doc
    );
    let enum_of = |n: &str| {
        k.enums
            .get(n)
            .map(|e| format!(" One of: {}.", reg.enums[e].join(", ")))
            .unwrap_or_default()
    };
    fields(
        &mut out,
        schema,
        |n, a| a.required && k.name_attribute.as_deref() != Some(n),
        &enum_of,
    );
    let _ = writeln!(out, "\nreadable in references (computed):");
    for (n, a) in schema.attributes.iter().filter(|(_, a)| a.computed) {
        let _ = writeln!(out, "  {:<28} {}", n.replace('_', "-"), a.description);
    }
    if !k.children.is_empty() {
        out.push_str("\nchild resources:\n");
        for (c, spec) in &k.children {
            let _ = writeln!(out, "  {c:<28} a {}", spec.kind);
        }
    }
    if !k.aliases.is_empty() {
        out.push_str("\nshort names:\n");
        for (a, t) in &k.aliases {
            let _ = writeln!(out, "  {a} = {}", t.replace('_', "-"));
        }
    }
    out
}

/// Settable attributes and blocks of a schema block.
fn fields(
    out: &mut String,
    schema: &Block,
    required: impl Fn(&str, &crate::schema::Attribute) -> bool,
    extra: &dyn Fn(&str) -> String,
) {
    let settable: Vec<_> = schema
        .attributes
        .iter()
        .filter(|(_, a)| a.settable())
        .collect();
    let width = settable
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0)
        .max(20);
    out.push_str("\nattributes:\n");
    for (n, a) in &settable {
        let flag = if required(n, a) {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(
            out,
            "  {:<width$} {:<18} {flag:<9} {}{}",
            n.replace('_', "-"),
            a.ty.describe(),
            a.description,
            extra(n)
        );
    }
    if !schema.blocks.is_empty() {
        out.push_str("\nblocks (child nodes; `infrac kinds KIND.BLOCK` shows one):\n");
        for (n, b) in &schema.blocks {
            let count = match (b.min_items, b.max_items) {
                (1, 1) => "exactly one".to_string(),
                (0, 1) => "at most one".to_string(),
                (min, 0) if min > 0 => format!("at least {min}"),
                (0, 0) => "any number".to_string(),
                (min, max) => format!("{min} to {max}"),
            };
            let _ = writeln!(out, "  {:<width$} {count}", n.replace('_', "-"));
        }
    }
}

/// `KIND.BLOCK[.BLOCK…]`, or a block name alone (looked up in every
/// curated kind).
fn block(path: &str) -> Option<String> {
    let reg = registry();
    let mut found: Vec<(String, &Block)> = Vec::new();
    if let Some((kind_name, rest)) = path.split_once('.') {
        let k = reg.get(kind_name)?;
        let mut b = k.schema();
        for part in rest.split('.') {
            b = &b.blocks.get(&*k.tf_name(part))?.block;
        }
        found.push((path.to_string(), b));
    } else {
        for k in reg.kinds.values() {
            if let Some(b) = k.schema().blocks.get(&*k.tf_name(path)) {
                found.push((format!("{}.{path}", k.kind), &b.block));
            }
        }
    }
    let mut out = String::new();
    for (at, b) in found {
        let _ = writeln!(out, "{at} (a block)");
        fields(&mut out, b, |_, a| a.required, &|_| String::new());
        out.push('\n');
    }
    (!out.is_empty()).then_some(out)
}

fn component(c: &ComponentInfo) -> String {
    let mut out = format!("{} (component, {})\n", c.name, c.origin);
    if let Some(doc) = &c.doc {
        let _ = writeln!(out, "{doc}");
    }
    out.push_str("\nparameters:\n");
    let width = c
        .params
        .iter()
        .map(|p| p.0.len())
        .max()
        .unwrap_or(0)
        .max(12);
    for (name, ty, has_default, description) in &c.params {
        let need = if *has_default { "optional" } else { "required" };
        let _ = writeln!(
            out,
            "  {name:<width$} {ty:<7} {need:<9} {}",
            description.as_deref().unwrap_or("")
        );
    }
    out
}

/// `infrac kinds --json`: the listing, or one kind, stage kind or
/// component, as data for tools.
pub fn describe_json(
    name: Option<&str>,
    components: &[ComponentInfo],
    reg: &'static Registry,
) -> Result<serde_json::Value, String> {
    use serde_json::json;
    let component = |c: &ComponentInfo| {
        let params: Vec<serde_json::Value> = c
            .params
            .iter()
            .map(|(name, ty, default, doc)| json!({"name": name, "type": ty, "required": !default, "description": doc}))
            .collect();
        json!({"name": c.name, "origin": c.origin, "doc": c.doc, "parameters": params})
    };
    let stage = |s: &crate::model::StageKindInfo| json!({"name": s.name, "origin": "infrac", "doc": s.doc, "properties": s.props, "children": s.children});
    let Some(name) = name else {
        let mut kinds: Vec<serde_json::Value> = reg
            .kinds
            .values()
            .map(|k| json!({"name": k.kind, "origin": "curated", "resource": k.resource, "provider": k.provider, "doc": k.doc}))
            .collect();
        kinds.extend(
            generic::names()
                .iter()
                .map(|n| json!({"name": n, "origin": "generic"})),
        );
        kinds.extend(
            generic::data_names()
                .iter()
                .map(|n| json!({"name": n, "origin": "data"})),
        );
        for p in &reg.own {
            kinds.extend(p.schema.resource_names().map(|n| json!({"name": n.replace('_', "-"), "origin": "brought", "provider": p.info.name})));
        }
        let stages: Vec<_> = crate::model::stage_kind_info().iter().map(stage).collect();
        let components: Vec<_> = components.iter().map(component).collect();
        return Ok(json!({"kinds": kinds, "stage_kinds": stages, "components": components}));
    };
    if let Some(k) = reg.get(name) {
        let schema = k.schema();
        let attributes: Vec<serde_json::Value> = schema
            .attributes
            .iter()
            .map(|(n, a)| {
                let values = k.enums.get(n).and_then(|e| reg.enums.get(e));
                json!({
                    "name": n.replace('_', "-"),
                    "type": a.ty.describe(),
                    "required": a.required && k.name_attribute.as_deref() != Some(n.as_str()),
                    "settable": a.required || a.optional,
                    "computed": a.computed,
                    "sensitive": a.sensitive,
                    "description": a.description,
                    "values": values,
                })
            })
            .collect();
        let blocks: Vec<serde_json::Value> = schema
            .blocks
            .iter()
            .map(|(n, b)| json!({"name": n.replace('_', "-"), "min": b.min_items, "max": b.max_items, "attributes": b.block.attributes.keys().map(|a| a.replace('_', "-")).collect::<Vec<_>>()}))
            .collect();
        let origin = if k.is_data() {
            "data"
        } else if k.is_generic() {
            "generic"
        } else {
            "curated"
        };
        return Ok(json!({
            "name": k.kind, "origin": origin, "resource": k.resource, "provider": k.provider,
            "doc": k.doc, "aliases": k.aliases, "attributes": attributes, "blocks": blocks,
        }));
    }
    if let Some(s) = crate::model::stage_kind_info()
        .iter()
        .find(|s| s.name == name)
    {
        return Ok(stage(s));
    }
    if let Some(c) = components.iter().find(|c| c.name == name) {
        return Ok(component(c));
    }
    // Blocks and misspellings: the text form says what to do.
    describe(Some(name), components, reg).map(|text| json!({"name": name, "text": text}))
}
