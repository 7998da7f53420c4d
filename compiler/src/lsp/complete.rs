//! Completion, read from the text before the cursor (a line being typed
//! rarely parses):
//! - where a node starts: every kind and keyword at the top level, or in a
//!   kind's block its attributes and blocks (a site's children);
//! - after a node's name: its attributes and blocks, a block's inside a
//!   kind, a component's parameters after `use "NAME"`;
//! - inside `ATTRIBUTE="`: the attribute's allowed values;
//! - inside `(ref)"…"` and `${…}`: declarations, then what they export;
//!   inside `(var)"…"`: variables (a component's parameters in its body);
//!   inside `use "…"`: components.

use super::navigate::Context;
use crate::kinds::Kind;
use crate::parse::Literal;
use crate::schema::Block;
use lsp_types::{CompletionItem, CompletionItemKind, Documentation};

pub fn complete(cx: &Context, offset: usize) -> Option<Vec<CompletionItem>> {
    let line_start = cx.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &cx.text[line_start..offset];
    let scope = open_blocks(&cx.text[..line_start]);
    if let Some(partial) = open_reference(before) {
        return Some(references(cx, &scope, partial));
    }
    if let Some(partial) = open_string_after(before, "(var)\"") {
        return Some(variables(cx, &scope, partial));
    }
    let words: Vec<&str> = before.split_whitespace().collect();
    if words.first() == Some(&"use") && before.matches('"').count() == 1 {
        let partial = &before[before.find('"')? + 1..];
        return Some(component_names(cx, partial));
    }
    let typing_first = words.len() <= 1 && !before.ends_with(char::is_whitespace);
    if words.is_empty() || typing_first {
        return Some(match Target::of_scope(cx, &scope) {
            Target::None => node_starts(cx),
            target => target.members(),
        });
    }
    if words[0] == "use" {
        let name = words.get(1)?.trim_matches('"');
        let component = cx.components().iter().find(|c| c.name == name)?;
        return Some(parameters(component));
    }
    let target = Target::of_node(cx, &scope, words[0]);
    if let Some(values) = enum_values(cx, &target, before) {
        return Some(values);
    }
    match target {
        Target::None => None,
        target => Some(target.members()),
    }
}

/// What the cursor's node is: a kind's top block, a block inside one, or
/// a stage kind (site, app, …).
enum Target {
    Block {
        kind: &'static Kind,
        block: &'static Block,
        /// The Terraform path of the block (`inbound_rule.`), empty at the top.
        path: String,
    },
    Stage(crate::model::StageKindInfo),
    None,
}

impl Target {
    /// The node whose block holds the cursor.
    fn of_scope(cx: &Context, scope: &[OpenNode]) -> Target {
        let mut target = Target::None;
        for node in scope {
            target = target.child(cx, &node.name);
        }
        target
    }

    /// A node named `name` at the cursor, inside `scope`.
    fn of_node(cx: &Context, scope: &[OpenNode], name: &str) -> Target {
        Target::of_scope(cx, scope).child(cx, name)
    }

    /// The node `name` written inside this one: a block of a kind, or a
    /// kind of its own where kinds are declared.
    fn child(self, cx: &Context, name: &str) -> Target {
        match self {
            Target::Block { kind, block, path } => {
                let tf = kind.tf_name(name);
                match block.blocks.get(&*tf) {
                    Some(b) => Target::Block {
                        kind,
                        block: &b.block,
                        path: format!("{path}{tf}."),
                    },
                    None => Target::None,
                }
            }
            Target::Stage(_) => Target::None,
            Target::None => {
                if let Some(kind) = cx.registry().get(name) {
                    Target::Block {
                        kind,
                        block: kind.schema(),
                        path: String::new(),
                    }
                } else if let Some(info) = crate::model::stage_kind_info()
                    .into_iter()
                    .find(|s| s.name == name)
                {
                    Target::Stage(info)
                } else {
                    Target::None
                }
            }
        }
    }

    /// Its settable attributes and its blocks (a stage kind's properties
    /// and children).
    fn members(self) -> Vec<CompletionItem> {
        let mut items = Vec::new();
        match self {
            Target::Block { kind, block, .. } => {
                for (name, a) in block.attributes.iter().filter(|(_, a)| a.settable()) {
                    items.push(CompletionItem {
                        label: name.replace('_', "-"),
                        kind: Some(CompletionItemKind::PROPERTY),
                        detail: Some(if a.required { "required" } else { "optional" }.into()),
                        documentation: (!a.description.is_empty())
                            .then(|| Documentation::String(a.description.clone())),
                        ..Default::default()
                    });
                }
                for name in block.blocks.keys() {
                    items.push(CompletionItem {
                        label: name.replace('_', "-"),
                        kind: Some(CompletionItemKind::MODULE),
                        detail: Some("block".into()),
                        ..Default::default()
                    });
                }
                // A friendlier name, where what it stands for is here.
                for (alias, tf) in &kind.aliases {
                    let is_block = block.blocks.contains_key(tf);
                    if is_block || block.attributes.get(tf).is_some_and(|a| a.settable()) {
                        items.push(CompletionItem {
                            label: alias.clone(),
                            kind: Some(if is_block {
                                CompletionItemKind::MODULE
                            } else {
                                CompletionItemKind::PROPERTY
                            }),
                            detail: Some(format!("for {}", tf.replace('_', "-"))),
                            ..Default::default()
                        });
                    }
                }
            }
            Target::Stage(info) => {
                items.extend(info.props.iter().map(|p| CompletionItem {
                    label: p.to_string(),
                    kind: Some(CompletionItemKind::PROPERTY),
                    ..Default::default()
                }));
                items.extend(info.children.iter().map(|c| CompletionItem {
                    label: c.to_string(),
                    kind: Some(CompletionItemKind::MODULE),
                    detail: Some("child".into()),
                    ..Default::default()
                }));
            }
            Target::None => {}
        }
        items.sort_by(|a, b| a.label.cmp(&b.label));
        items.dedup_by(|a, b| a.label == b.label);
        items
    }
}

/// Inside `ATTRIBUTE="` of an attribute that takes one of a list
/// (regions, sizes, record types, a firewall rule's protocol): the list.
fn enum_values(cx: &Context, target: &Target, before: &str) -> Option<Vec<CompletionItem>> {
    let Target::Block { kind, path, .. } = target else {
        return None;
    };
    let open = before.rfind("=\"")?;
    if before[open + 2..].contains('"') {
        return None;
    }
    let attribute = before[..open].rsplit(char::is_whitespace).next()?;
    let registry = cx.registry();
    let tf = format!("{path}{}", kind.tf_name(attribute));
    let values = registry.enums.get(kind.enums.get(&tf)?)?;
    Some(
        values
            .iter()
            .map(|v| CompletionItem {
                label: v.clone(),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                ..Default::default()
            })
            .collect(),
    )
}

/// The path typed so far when the position is inside `(ref)"…` or `${…`.
fn open_reference(before: &str) -> Option<&str> {
    if let Some(rest) = open_string_after(before, "(ref)\"") {
        return Some(rest);
    }
    let i = before.rfind("${")?;
    let rest = &before[i + 2..];
    (!rest.contains('}')).then_some(rest)
}

/// What is typed after the last `opening` when no `"` has closed it since.
fn open_string_after<'t>(before: &'t str, opening: &str) -> Option<&'t str> {
    let i = before.rfind(opening)?;
    let rest = &before[i + opening.len()..];
    (!rest.contains('"')).then_some(rest)
}

fn node_starts(cx: &Context) -> Vec<CompletionItem> {
    let (components, registry) = (cx.components(), cx.registry());
    let mut items: Vec<CompletionItem> = registry
        .all_names()
        .into_iter()
        .map(|name| {
            let doc = registry.get(&name).map(|k| k.doc.clone());
            CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::CLASS),
                detail: doc,
                ..Default::default()
            }
        })
        .collect();
    items.extend(
        crate::model::stage_kind_info()
            .into_iter()
            .map(|s| CompletionItem {
                label: s.name.to_string(),
                kind: Some(CompletionItemKind::CLASS),
                detail: Some(s.doc.to_string()),
                ..Default::default()
            }),
    );
    items.extend(components.iter().map(|c| CompletionItem {
        label: c.name.clone(),
        kind: Some(CompletionItemKind::FUNCTION),
        detail: c.doc.clone(),
        ..Default::default()
    }));
    items.extend(crate::lower::KEYWORDS.iter().map(|k| CompletionItem {
        label: k.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..Default::default()
    }));
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}

fn component_names(cx: &Context, partial: &str) -> Vec<CompletionItem> {
    cx.components()
        .iter()
        .filter(|c| c.name.starts_with(partial))
        .map(|c| CompletionItem {
            label: c.name.clone(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(format!("{} component", c.origin)),
            documentation: c.doc.clone().map(Documentation::String),
            ..Default::default()
        })
        .collect()
}

/// A component's parameters, as `use` sets them.
fn parameters(component: &crate::kinds::ComponentInfo) -> Vec<CompletionItem> {
    component
        .params
        .iter()
        .map(|(name, ty, has_default, doc)| CompletionItem {
            label: name.clone(),
            kind: Some(CompletionItemKind::PROPERTY),
            detail: Some(format!(
                "{ty}, {}",
                if *has_default { "optional" } else { "required" }
            )),
            documentation: doc.clone().map(Documentation::String),
            ..Default::default()
        })
        .collect()
}

/// The project's variables, and inside a component's body its
/// parameters.
fn variables(cx: &Context, scope: &[OpenNode], partial: &str) -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> = cx
        .project
        .iter()
        .filter(|n| matches!(n.name.as_str(), "var" | "input"))
        .filter_map(|n| match n.args.first().map(|a| &a.value) {
            Some(Literal::Str(label)) => Some(label.to_string()),
            _ => None,
        })
        .chain(component_parameters(cx, scope))
        .filter(|name| name.starts_with(partial))
        .map(|name| CompletionItem {
            label: name,
            kind: Some(CompletionItemKind::VARIABLE),
            ..Default::default()
        })
        .collect();
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}

/// The parameters of the component whose body holds the cursor, with
/// `index` and `each` where a body can read them.
fn component_parameters(cx: &Context, scope: &[OpenNode]) -> Vec<String> {
    let Some(label) = scope
        .iter()
        .find(|n| n.name == "component")
        .and_then(|n| n.label.as_deref())
    else {
        return Vec::new();
    };
    cx.components()
        .iter()
        .find(|c| c.name == label)
        .map(|c| c.params.iter().map(|p| p.0.clone()).collect())
        .unwrap_or_default()
}

/// `KIND.NAME` of every declaration, and `var.NAME` of every variable (a
/// component's parameters by name in its body); after `KIND.NAME.`, what
/// references can read of it.
fn references(cx: &Context, scope: &[OpenNode], partial: &str) -> Vec<CompletionItem> {
    let mut items = Vec::new();
    if let [kind, _name, _] = partial.splitn(3, '.').collect::<Vec<_>>().as_slice() {
        let registry = cx.registry();
        if let Some(k) = registry.get(kind) {
            let head = &partial[..partial.rfind('.').unwrap_or(0) + 1];
            for (name, a) in &k.schema().attributes {
                items.push(CompletionItem {
                    label: format!("{head}{}", name.replace('_', "-")),
                    kind: Some(CompletionItemKind::FIELD),
                    detail: (!a.description.is_empty()).then(|| a.description.clone()),
                    ..Default::default()
                });
            }
            return items;
        }
    }
    for n in &cx.project {
        let Some(Literal::Str(label)) = n.args.first().map(|a| &a.value) else {
            continue;
        };
        let path = match n.name.as_str() {
            "var" | "input" => format!("var.{label}"),
            "data" | "external" => match n.args.get(1).map(|a| &a.value) {
                Some(Literal::Str(name)) if n.name == "data" => format!("data.{label}.{name}"),
                Some(Literal::Str(name)) => format!("{label}.{name}"),
                _ => continue,
            },
            "component" | "environment" | "provider" | "import" | "output" | "use" | "secret" => {
                continue
            }
            kind => format!("{kind}.{label}"),
        };
        if path.starts_with(partial) {
            items.push(CompletionItem {
                label: path,
                kind: Some(CompletionItemKind::REFERENCE),
                ..Default::default()
            });
        }
    }
    for name in component_parameters(cx, scope) {
        if name.starts_with(partial) {
            items.push(CompletionItem {
                label: name,
                kind: Some(CompletionItemKind::VARIABLE),
                detail: Some("parameter".into()),
                ..Default::default()
            });
        }
    }
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}

/// A node whose children block is still open where the cursor is.
#[derive(Debug, PartialEq)]
struct OpenNode {
    name: String,
    /// Its first argument, when it is a quoted string.
    label: Option<String>,
}

/// The nodes whose `{` is open at the end of `text`, outermost first.
/// Strings, comments and annotations are skipped, so a `{` in them does
/// not count; the text need not parse.
fn open_blocks(text: &str) -> Vec<OpenNode> {
    let bytes = text.as_bytes();
    let mut open: Vec<OpenNode> = Vec::new();
    let mut current: Option<OpenNode> = None;
    // Entries of the current node read so far (its name is the first).
    let mut entries = 0;
    // The next value is a property's (after `=`), not an argument.
    let mut property_value = false;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        let c = bytes[i];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += block_comment_len(rest);
        } else if rest.starts_with("/-") {
            i += 2;
        } else if c == b'\\' {
            // A continuation: the node goes on after the line break.
            i += rest.find('\n').map_or(rest.len(), |n| n + 1);
        } else if c == b'\n' || c == b';' {
            current = None;
            entries = 0;
            i += 1;
        } else if c == b'{' {
            open.push(current.take().unwrap_or(OpenNode {
                name: String::new(),
                label: None,
            }));
            entries = 0;
            i += 1;
        } else if c == b'}' {
            open.pop();
            current = None;
            entries = 0;
            i += 1;
        } else if c == b'(' {
            i += rest.find(')').map_or(rest.len(), |n| n + 1);
        } else if c == b'"' || (c == b'#' && rest.trim_start_matches('#').starts_with('"')) {
            let (len, value) = string_at(rest);
            if entries == 1 && !property_value {
                if let Some(node) = current.as_mut() {
                    node.label = value;
                }
            }
            if !std::mem::take(&mut property_value) {
                entries += 1;
            }
            i += len;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else {
            let len = rest
                .find(|ch: char| ch.is_whitespace() || "\\/(){};[]\"=".contains(ch))
                .unwrap_or(rest.len())
                .max(1);
            if entries == 0 {
                current = Some(OpenNode {
                    name: rest[..len].to_string(),
                    label: None,
                });
            }
            if !std::mem::take(&mut property_value) {
                entries += 1;
            }
            i += len;
            if text[i..].starts_with('=') {
                i += 1;
                property_value = true;
            }
        }
    }
    open
}

/// The length of a (nested) block comment at the start of `text`.
fn block_comment_len(text: &str) -> usize {
    let mut depth = 0;
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if text[i..].starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    text.len()
}

/// The length of the string at the start of `text` (quoted, multi-line
/// or raw; an unclosed one ends at the line's end, or the file's for a
/// multi-line one), and its text when it is on one line with no escapes.
fn string_at(text: &str) -> (usize, Option<String>) {
    let hashes = text.len() - text.trim_start_matches('#').len();
    let body = &text[hashes..];
    let triple = body.starts_with("\"\"\"");
    let quote = if triple { "\"\"\"" } else { "\"" };
    let closing = format!("{quote}{}", "#".repeat(hashes));
    let start = hashes + quote.len();
    let mut i = start;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(&closing) {
            let inner = &text[start..i];
            let plain = !triple && !inner.contains('\\');
            return (i + closing.len(), plain.then(|| inner.to_string()));
        }
        if rest.starts_with('\n') && !triple {
            return (i, None);
        }
        if hashes == 0 && rest.starts_with('\\') {
            i += 1;
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    (text.len(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, Option<String>)> {
        open_blocks(text)
            .into_iter()
            .map(|n| (n.name, n.label))
            .collect()
    }

    #[test]
    fn open_blocks_skips_strings_comments_and_closed_blocks() {
        let text = "firewall \"f\" droplets=(ref)\"droplet.a\" {\n    // a { in a comment\n    outbound-rule protocol=\"tcp\" { x \"}\" }\n    inbound-rule protocol=\"{\" /* } */ {\n";
        assert_eq!(
            names(text),
            [
                ("firewall".to_string(), Some("f".to_string())),
                ("inbound-rule".to_string(), None)
            ]
        );
        assert_eq!(names("a { b; c {\n} }\nd {"), [("d".to_string(), None)]);
        assert_eq!(
            names("component \"web\" x=#\"{\"# {\n  droplet \"a\" \\\n  region=\"x\" {"),
            [
                ("component".to_string(), Some("web".to_string())),
                ("droplet".to_string(), Some("a".to_string()))
            ]
        );
        assert_eq!(names("a \"\"\"\n{\n\"\"\" {"), [("a".to_string(), None)]);
        assert!(names("a {\n/* { */ }").is_empty());
    }
}
