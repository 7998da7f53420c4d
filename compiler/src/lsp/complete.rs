//! Completion: kinds where a node starts, a kind's attributes and blocks
//! after its name, and declarations inside a reference (`(ref)"…"`,
//! `${…}`).

use super::navigate::Context;
use crate::parse::Literal;
use lsp_types::{CompletionItem, CompletionItemKind};

/// Words that start a node and are not kinds.
const KEYWORDS: &[&str] = &[
    "component",
    "data",
    "environment",
    "external",
    "import",
    "input",
    "output",
    "provider",
    "use",
    "variable",
];

pub fn complete(cx: &Context, offset: usize) -> Option<Vec<CompletionItem>> {
    let line_start = cx.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &cx.text[line_start..offset];
    if let Some(partial) = open_reference(before) {
        return Some(references(cx, partial));
    }
    let words: Vec<&str> = before.split_whitespace().collect();
    if let Some(values) = enum_values(cx, &words, before) {
        return Some(values);
    }
    let typing_first = words.len() <= 1 && !before.ends_with(char::is_whitespace);
    if words.is_empty() || typing_first {
        return Some(kinds(cx));
    }
    // After a node's name: its attributes and blocks, when the kind is
    // one the registry knows. Read from the line, not the parse: a line
    // being typed rarely parses.
    let registry = cx.registry();
    let kind = registry.get(words[0])?;
    let schema = kind.schema();
    let mut items: Vec<CompletionItem> = schema
        .attributes
        .iter()
        .filter(|(_, a)| a.required || a.optional)
        .map(|(name, a)| CompletionItem {
            label: name.replace('_', "-"),
            kind: Some(CompletionItemKind::PROPERTY),
            detail: Some(if a.required {
                "required".into()
            } else {
                "optional".into()
            }),
            documentation: (!a.description.is_empty())
                .then(|| lsp_types::Documentation::String(a.description.clone())),
            ..Default::default()
        })
        .collect();
    items.extend(kind.aliases.keys().map(|alias| CompletionItem {
        label: alias.clone(),
        kind: Some(CompletionItemKind::PROPERTY),
        ..Default::default()
    }));
    items.extend(schema.blocks.keys().map(|b| CompletionItem {
        label: b.replace('_', "-"),
        kind: Some(CompletionItemKind::MODULE),
        detail: Some("block".into()),
        ..Default::default()
    }));
    Some(items)
}

/// Inside `ATTRIBUTE="` of a kind whose attribute takes one of a list
/// (regions, sizes, record types): the list.
fn enum_values(cx: &Context, words: &[&str], before: &str) -> Option<Vec<CompletionItem>> {
    let open = before.rfind("=\"")?;
    if before[open + 2..].contains('"') {
        return None;
    }
    let attribute = before[..open].rsplit(|c: char| c.is_whitespace()).next()?;
    let registry = cx.registry();
    let kind = registry.get(words.first()?)?;
    let tf = kind
        .aliases
        .get(attribute)
        .cloned()
        .unwrap_or_else(|| attribute.replace('-', "_"));
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
    if let Some(i) = before.rfind("(ref)\"") {
        let rest = &before[i + 6..];
        if !rest.contains('"') {
            return Some(rest);
        }
    }
    let i = before.rfind("${")?;
    let rest = &before[i + 2..];
    (!rest.contains('}')).then_some(rest)
}

fn kinds(cx: &Context) -> Vec<CompletionItem> {
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
    items.extend(KEYWORDS.iter().map(|k| CompletionItem {
        label: k.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..Default::default()
    }));
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}

/// `KIND.NAME` of every declaration, and `var.NAME` of every variable;
/// after `KIND.NAME.`, what references can read of it.
fn references(cx: &Context, partial: &str) -> Vec<CompletionItem> {
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
            "variable" | "input" => format!("var.{label}"),
            "data" => match n.args.get(1).map(|a| &a.value) {
                Some(Literal::Str(name)) => format!("data.{label}.{name}"),
                _ => continue,
            },
            "component" | "environment" | "provider" | "import" | "output" | "use" => continue,
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
    items.sort_by(|a, b| a.label.cmp(&b.label));
    items.dedup_by(|a, b| a.label == b.label);
    items
}
