//! Terraform resources created, updated, replaced, moved and deleted in one
//! root, compared as `hcl-rs` structures: the bodies the Terraform backend
//! builds from a plan, or (for output already on disk) what HashiCorp's
//! syntax reads back from the files. Blocks pair by address; attributes and
//! nested blocks by name, values as canonical HCL.

use super::{Action, AttrChange, Change};
use crate::kinds::Registry;
use hcl::expr::{Expression, TemplateExpr, Traversal, TraversalOperator};
use hcl::format::{Format, Formatter};
use hcl::structure::{Block, BlockLabel, Body, Structure};
use std::collections::{BTreeMap, HashMap};

/// Terraform types whose resources hold data: deleting one loses it.
const STATEFUL: &[&str] = &[
    "aws_db_instance",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_efs_file_system",
    "aws_elasticache_cluster",
    "aws_instance",
    "aws_rds_cluster",
    "aws_s3_bucket",
    "aws_sqs_queue",
    "cloudflare_r2_bucket",
    "digitalocean_database_cluster",
    "digitalocean_database_db",
    "digitalocean_droplet",
    "digitalocean_kubernetes_cluster",
    "digitalocean_spaces_bucket",
    "digitalocean_volume",
    "heroku_addon",
    "heroku_app",
];

/// A top-level block of a root, by the address Terraform knows it by.
struct TopBlock<'b> {
    /// `digitalocean_droplet.web`; other blocks as `var.x`, `output.x`,
    /// `import.ADDRESS`, `moved`, `terraform`.
    address: String,
    resource_type: Option<&'b str>,
    block: &'b Block,
}

fn top_blocks(body: &Body) -> Vec<TopBlock<'_>> {
    body.blocks()
        .map(|block| {
            let labels: Vec<&str> = block.labels.iter().map(BlockLabel::as_str).collect();
            let kind = block.identifier.as_str();
            let (address, resource_type) = match (kind, labels.as_slice()) {
                ("resource", [ty, name]) => (format!("{ty}.{name}"), Some(*ty)),
                ("variable", [name]) => (format!("var.{name}"), None),
                ("import", _) => (
                    format!("import.{}", attribute(block, "to").unwrap_or_default()),
                    None,
                ),
                (kind, []) => (kind.to_string(), None),
                (kind, labels) => (format!("{kind}.{}", labels.join(".")), None),
            };
            TopBlock {
                address,
                resource_type,
                block,
            }
        })
        .collect()
}

/// An attribute's value as canonical one-line HCL.
fn attribute(block: &Block, key: &str) -> Option<String> {
    block
        .body
        .attributes()
        .find(|a| a.key.as_str() == key)
        .map(|a| one_line(&a.expr))
}

fn one_line(expr: &Expression) -> String {
    let mut f = Formatter::builder().compact(true).build_vec();
    expr.format_string(&mut f).unwrap_or_default()
}

/// An attribute or a nested block of a block, compared by its key.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// The attribute's name; a nested block's type, `rule[2]` for the
    /// second of that type.
    key: String,
    /// The whole value as one line.
    value: String,
    /// A list's elements, a map's or a nested block's entries (`k = v`),
    /// compared as a multiset so a reordering is not a change of each.
    elements: Vec<String>,
}

fn entries(body: &Body) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for structure in body.iter() {
        let entry = match structure {
            Structure::Attribute(a) => {
                let elements = match &a.expr {
                    Expression::Array(items) => items.iter().map(one_line).collect(),
                    Expression::Object(items) => items
                        .iter()
                        .map(|(k, v)| format!("{} = {}", key_text(k), one_line(v)))
                        .collect(),
                    _ => Vec::new(),
                };
                Entry {
                    key: a.key.to_string(),
                    value: one_line(&a.expr),
                    elements,
                }
            }
            Structure::Block(b) => {
                let n = seen.entry(b.identifier.as_str()).or_insert(0);
                *n += 1;
                let key = if *n > 1 {
                    format!("{}[{n}]", b.identifier.as_str())
                } else {
                    b.identifier.to_string()
                };
                let elements: Vec<String> = entries(&b.body)
                    .into_iter()
                    .map(|e| format!("{} = {}", e.key, e.value))
                    .collect();
                Entry {
                    key,
                    value: format!("{{ {} }}", elements.join(", ")),
                    elements,
                }
            }
        };
        out.push(entry);
    }
    out
}

fn key_text(key: &hcl::expr::ObjectKey) -> String {
    let mut f = Formatter::builder().build_vec();
    key.format_string(&mut f).unwrap_or_default()
}

/// A copy of `body` in which references to each moved resource use its
/// new address (`moves`: new → old): the same resource to Terraform.
fn renamed(body: &Body, moves: &HashMap<String, String>) -> Body {
    let mut body = body.clone();
    if !moves.is_empty() {
        let by_old: HashMap<&str, &str> = moves
            .iter()
            .map(|(to, from)| (from.as_str(), to.as_str()))
            .collect();
        rename_body(&mut body, &by_old);
    }
    body
}

fn rename_body(body: &mut Body, by_old: &HashMap<&str, &str>) {
    for structure in body.iter_mut() {
        match structure {
            Structure::Attribute(a) => rename_expr(&mut a.expr, by_old),
            Structure::Block(b) => rename_body(&mut b.body, by_old),
        }
    }
}

fn rename_expr(expr: &mut Expression, by_old: &HashMap<&str, &str>) {
    match expr {
        Expression::Array(items) => items.iter_mut().for_each(|i| rename_expr(i, by_old)),
        Expression::Object(items) => items.values_mut().for_each(|v| rename_expr(v, by_old)),
        Expression::Traversal(t) => rename_traversal(t, by_old),
        Expression::FuncCall(call) => call.args.iter_mut().for_each(|a| rename_expr(a, by_old)),
        Expression::Parenthesis(inner) => rename_expr(inner, by_old),
        Expression::TemplateExpr(t) => {
            // A template's references are text: `${TYPE.NAME.attr}`.
            let raw = t.to_string();
            let mut text = raw.clone();
            for (from, to) in by_old {
                text = text.replace(&format!("${{{from}."), &format!("${{{to}."));
            }
            if text != raw {
                **t = match **t {
                    TemplateExpr::QuotedString(_) => TemplateExpr::QuotedString(text),
                    TemplateExpr::Heredoc(ref h) => {
                        let mut h = h.clone();
                        h.template = text;
                        TemplateExpr::Heredoc(h)
                    }
                };
            }
        }
        _ => {}
    }
}

/// `TYPE.NAME.attr…` whose `TYPE.NAME` was renamed.
fn rename_traversal(t: &mut Traversal, by_old: &HashMap<&str, &str>) {
    if let Expression::Variable(ty) = &t.expr {
        if let Some(TraversalOperator::GetAttr(name)) = t.operators.first() {
            if let Some(to) = by_old.get(format!("{}.{}", ty.as_str(), name.as_str()).as_str()) {
                if let Some((new_ty, new_name)) = to.split_once('.') {
                    t.expr = Expression::Variable(hcl::expr::Variable::unchecked(new_ty));
                    t.operators[0] =
                        TraversalOperator::GetAttr(hcl::Identifier::unchecked(new_name));
                }
            }
        }
    }
    rename_expr(&mut t.expr, by_old);
}

/// The changes between two bodies of one root.
pub fn changes(old: &Body, new: &Body, kinds: &Registry, out: &mut Vec<Change>) {
    let old_blocks = top_blocks(old);
    let new_blocks = top_blocks(new);
    let old_by: HashMap<&str, &TopBlock> =
        old_blocks.iter().map(|b| (b.address.as_str(), b)).collect();
    let new_by: HashMap<&str, &TopBlock> =
        new_blocks.iter().map(|b| (b.address.as_str(), b)).collect();
    // `moved` blocks of the new output: new address → old address.
    let moves: HashMap<String, String> = new_blocks
        .iter()
        .filter(|b| b.address == "moved")
        .filter_map(|b| Some((attribute(b.block, "to")?, attribute(b.block, "from")?)))
        .collect();
    let mut moved_away: Vec<&str> = Vec::new();
    // References to a moved resource, written as it was before: the same
    // resource to Terraform, so not a change.
    let compare = |o: &TopBlock, b: &TopBlock| {
        let replace_on = b
            .resource_type
            .and_then(|t| kinds.by_resource(t))
            .map(|k| k.replace_on.as_slice())
            .unwrap_or(&[]);
        attribute_changes(&renamed(&o.block.body, &moves), &b.block.body, replace_on)
    };
    for b in new_blocks.iter().filter(|b| b.address != "moved") {
        match old_by.get(b.address.as_str()) {
            None => match moves
                .get(&b.address)
                .and_then(|from| old_by.get(from.as_str()))
            {
                Some(o) if !new_by.contains_key(o.address.as_str()) => {
                    moved_away.push(&o.address);
                    let attrs = compare(o, b);
                    let forced = attrs.iter().any(|a| a.forces_replacement);
                    let action = if forced {
                        Action::Replace
                    } else {
                        Action::Move
                    };
                    let mut c = change(b, action, attrs);
                    c.note = Some(format!("moved from {}", o.address));
                    out.push(c);
                }
                _ => out.push(change(b, Action::Create, Vec::new())),
            },
            Some(o) if o.block == b.block => {}
            Some(o) => {
                let attrs = compare(o, b);
                if attrs.is_empty() {
                    continue; // it only names a moved resource by its new name
                }
                let action = if attrs.iter().any(|a| a.forces_replacement) {
                    Action::Replace
                } else {
                    Action::Update
                };
                out.push(change(b, action, attrs));
            }
        }
    }
    let created: Vec<&TopBlock> = new_blocks
        .iter()
        .filter(|b| {
            b.resource_type.is_some()
                && !old_by.contains_key(b.address.as_str())
                && !moves.contains_key(&b.address)
        })
        .collect();
    let deleted: Vec<&TopBlock> = old_blocks
        .iter()
        .filter(|b| {
            !new_by.contains_key(b.address.as_str())
                && !moved_away.contains(&b.address.as_str())
                && b.address != "moved"
        })
        .collect();
    // A delete and a create of the same type with the same attributes
    // (the name aside), each the other's only such match: most likely a
    // rename, which `moved-from` keeps.
    let alike = |a: &TopBlock, b: &TopBlock| {
        a.resource_type.is_some()
            && a.resource_type == b.resource_type
            && compare(a, b).iter().all(|c| c.name == "name")
    };
    for &b in &deleted {
        let mut c = change(b, Action::Delete, Vec::new());
        let matches: Vec<&&TopBlock> = created.iter().filter(|n| alike(b, n)).collect();
        let only = match matches.as_slice() {
            [n] if deleted.iter().filter(|o| alike(o, n)).count() == 1 => Some(n),
            _ => None,
        };
        if let Some(n) = only {
            // The label as declared: the name attribute when it has one.
            let ident = b.address.split('.').nth(1).unwrap_or_default().to_string();
            let old_name = attribute(b.block, "name")
                .map(|v| v.trim_matches('"').to_string())
                .filter(|n| crate::resolve::tf_ident(n) == ident)
                .unwrap_or(ident);
            c.note = Some(format!(
                "looks like a rename to {}: write `moved-from=\"{old_name}\"` on it to keep the resource",
                n.address
            ));
        }
        out.push(c);
    }
}

fn change(b: &TopBlock, action: Action, attributes: Vec<AttrChange>) -> Change {
    let stateful = b.resource_type.is_some_and(|t| STATEFUL.contains(&t));
    Change {
        backend: "terraform",
        address: b.address.clone(),
        resource: b.resource_type.is_some(),
        destructive: action == Action::Replace || (action == Action::Delete && stateful),
        action,
        attributes,
        dependents: Vec::new(),
        note: None,
    }
}

fn attribute_changes(old: &Body, new: &Body, replace_on: &[String]) -> Vec<AttrChange> {
    let a: BTreeMap<String, Entry> = entries(old)
        .into_iter()
        .map(|e| (e.key.clone(), e))
        .collect();
    let b = entries(new);
    let mut out = Vec::new();
    for e in &b {
        let before = a.get(&e.key);
        if before.map(|o| &o.value) == Some(&e.value) {
            continue;
        }
        let (added, removed) = match before {
            Some(o) if !o.elements.is_empty() || !e.elements.is_empty() => {
                element_changes(&o.elements, &e.elements)
            }
            _ => (Vec::new(), Vec::new()),
        };
        out.push(AttrChange {
            name: e.key.clone(),
            old: before.map(|o| o.value.clone()),
            new: Some(e.value.clone()),
            added,
            removed,
            forces_replacement: forces(&e.key, replace_on),
        });
    }
    for (k, o) in &a {
        if !b.iter().any(|e| &e.key == k) {
            out.push(AttrChange {
                name: k.clone(),
                old: Some(o.value.clone()),
                new: None,
                added: Vec::new(),
                removed: Vec::new(),
                forces_replacement: forces(k, replace_on),
            });
        }
    }
    out
}

/// Elements in one list and not the other (as multisets, order ignored).
fn element_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let mut count: HashMap<&str, i64> = HashMap::new();
    for e in old {
        *count.entry(e).or_default() -= 1;
    }
    for e in new {
        *count.entry(e).or_default() += 1;
    }
    let added = new
        .iter()
        .filter(|e| count.get(e.as_str()).is_some_and(|c| *c > 0))
        .cloned()
        .collect();
    let removed = old
        .iter()
        .filter(|e| count.get(e.as_str()).is_some_and(|c| *c < 0))
        .cloned()
        .collect();
    (added, removed)
}

fn forces(key: &str, replace_on: &[String]) -> bool {
    let base = key.split('[').next().unwrap_or(key);
    replace_on.iter().any(|r| r == base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_hold_values_elements_and_repeated_nested_blocks() {
        let body = hcl::parse(
            "resource \"t\" \"n\" {\n  name = \"a\"\n  tags = [\n    x.id,\n    y.id,\n  ]\n  labels = { a = \"1\", \"b c\" = 2 }\n\n  rule {\n    port = 1\n  }\n\n  rule {\n    port = 2\n  }\n}\n",
        )
        .unwrap();
        let block = body.blocks().next().unwrap();
        let e = entries(&block.body);
        let pairs: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("name", "\"a\""),
                ("tags", "[x.id, y.id]"),
                ("labels", "{ a = \"1\", \"b c\" = 2 }"),
                ("rule", "{ port = 1 }"),
                ("rule[2]", "{ port = 2 }"),
            ]
        );
        assert_eq!(e[1].elements, ["x.id", "y.id"]);
        assert_eq!(e[2].elements, ["a = \"1\"", "\"b c\" = 2"]);
    }

    #[test]
    fn references_to_a_moved_resource_read_as_its_new_address() {
        let body = hcl::parse(
            "resource \"r\" \"x\" {\n  a = old_t.one.id\n  b = \"${old_t.one.ip}:80\"\n  c = [old_t.two.id]\n}\n",
        )
        .unwrap();
        let moves = HashMap::from([("old_t.uno".to_string(), "old_t.one".to_string())]);
        let block = renamed(&body, &moves);
        let e = entries(&block.blocks().next().unwrap().body);
        assert_eq!(e[0].value, "old_t.uno.id");
        assert_eq!(e[1].value, "\"${old_t.uno.ip}:80\"");
        assert_eq!(e[2].value, "[old_t.two.id]");
    }
}
