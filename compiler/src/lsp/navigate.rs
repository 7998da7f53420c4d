//! What is at a position, and where it is declared: go to definition,
//! hover and the document's outline.

use super::LineIndex;
use crate::diag::Diagnostics;
use crate::load::World;
use crate::parse::{Entry, Literal, Node};
use crate::source::{FileId, SourceMap, Span};
use lsp_types::{
    DocumentSymbol, Hover, HoverContents, Location, MarkupContent, MarkupKind, SymbolKind, Url,
};
use std::path::Path;

/// A document and the project it belongs to, read for one request.
pub struct Context<'a> {
    pub world: &'a dyn World,
    pub root: &'a Path,
    pub text: &'a str,
    /// The document's nodes (empty when it does not parse).
    pub doc: Vec<Node>,
    /// The project's top-level nodes, imports spliced in.
    pub project: Vec<Node>,
    pub sources: SourceMap,
    /// The document's path in the project.
    pub relative: String,
    /// Components and kinds (with the providers the project brings): read
    /// once per request, when first needed.
    catalog: std::cell::OnceCell<(
        Vec<crate::kinds::ComponentInfo>,
        &'static crate::kinds::Registry,
    )>,
}

impl<'a> Context<'a> {
    pub fn new(world: &'a dyn World, root: &'a Path, relative: &str, text: &'a str) -> Context<'a> {
        let mut sources = SourceMap::default();
        let mut diags = Diagnostics::default();
        let loaded = crate::load::load(world, &mut sources, &mut diags);
        let doc_file = sources.add(relative.to_string(), text);
        let doc = crate::parse::parse(doc_file, text).unwrap_or_default();
        Context {
            world,
            root,
            text,
            doc,
            project: loaded.nodes,
            sources,
            relative: relative.to_string(),
            catalog: std::cell::OnceCell::new(),
        }
    }

    pub fn components(&self) -> &[crate::kinds::ComponentInfo] {
        &self
            .catalog
            .get_or_init(|| crate::catalog(Some(self.world)))
            .0
    }

    pub fn registry(&self) -> &'static crate::kinds::Registry {
        self.catalog
            .get_or_init(|| crate::catalog(Some(self.world)))
            .1
    }

    /// The folder of the document, relative to the project (imports are
    /// relative to the importing file).
    fn relative_dir(&self) -> &str {
        self.relative.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    fn location(&self, span: Span) -> Option<Location> {
        let file = self.sources.get(span.file);
        if file.path.starts_with('<') {
            return None;
        }
        let uri = Url::from_file_path(self.root.join(&file.path)).ok()?;
        let range =
            LineIndex::new(&file.text).range(&file.text, span.start as usize, span.end as usize);
        Some(Location { uri, range })
    }

    /// The declaration a reference path names: `droplet.web.ipv4`,
    /// `var.region`, `data.aws-ami.ubuntu.id`.
    fn declaration(&self, path: &str) -> Option<&Node> {
        let parts: Vec<&str> = path
            .split('.')
            .map(|p| p.split('[').next().unwrap_or(p))
            .collect();
        let all = declarations(&self.project);
        match parts.as_slice() {
            ["var" | "input", name, ..] => all
                .into_iter()
                .find(|n| matches!(n.name.as_str(), "var" | "input") && label(n, 0) == Some(name)),
            ["data", kind, name, ..] => all.into_iter().find(|n| {
                n.name == "data" && label(n, 0) == Some(kind) && label(n, 1) == Some(name)
            }),
            // Labels may hold dots (`domain.example.com.ip`): the longest
            // declared label the rest of the path starts with.
            [kind, _, ..] => {
                let rest = path.get(kind.len() + 1..)?;
                // `external "KIND" "NAME"` declares `KIND.NAME` too.
                fn named<'n>(n: &'n Node, kind: &str) -> Option<&'n str> {
                    match n.name.as_str() {
                        "external" if label(n, 0) == Some(kind) => label(n, 1),
                        name if name == kind => label(n, 0),
                        _ => None,
                    }
                }
                all.into_iter()
                    .filter_map(|n| {
                        let l = named(n, kind)?;
                        let fits = rest == l
                            || rest
                                .strip_prefix(l)
                                .is_some_and(|r| r.starts_with(['.', '[']));
                        fits.then_some((l.len(), n))
                    })
                    .max_by_key(|(len, _)| *len)
                    .map(|(_, n)| n)
            }
            _ => None,
        }
    }
}

/// The `i`th argument of a node, when it is a string.
fn label(n: &Node, i: usize) -> Option<&str> {
    match n.args.get(i).map(|a| &a.value) {
        Some(Literal::Str(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// Top-level nodes and those inside components and environments.
fn declarations(nodes: &[Node]) -> Vec<&Node> {
    let mut out = Vec::new();
    for n in nodes {
        out.push(n);
        if matches!(n.name.as_str(), "component" | "environment") {
            out.extend(n.children.iter());
        }
    }
    out
}

/// What a position is on.
enum Target<'n> {
    /// The name of a node: its kind.
    Kind(&'n Node),
    /// A value of a node.
    Value(&'n Node, &'n Entry),
    /// A property's name: the attribute.
    Attribute(&'n Node, &'n str),
}

fn target(nodes: &[Node], offset: usize) -> Option<Target<'_>> {
    let inside = |s: Span| (s.start as usize) <= offset && offset <= s.end as usize;
    for n in nodes.iter().filter(|n| inside(n.span)) {
        if inside(n.name_span) {
            return Some(Target::Kind(n));
        }
        if let Some(p) = n.props.iter().find(|p| inside(p.name_span)) {
            return Some(Target::Attribute(n, &p.name));
        }
        let entries = n.args.iter().chain(n.props.iter().map(|p| &p.value));
        if let Some(e) = entries.into_iter().find(|e| inside(e.span)) {
            return Some(Target::Value(n, e));
        }
        if let Some(t) = target(&n.children, offset) {
            return Some(t);
        }
    }
    None
}

/// The reference path a value holds at `offset`: a `(ref)` or `(var)`
/// value, or the `${…}` part of a string the position is in.
fn reference_at(text: &str, node: &Node, entry: &Entry, offset: usize) -> Option<String> {
    let Literal::Str(s) = &entry.value else {
        return None;
    };
    match entry.ty.as_deref() {
        Some("ref") => return Some(s.to_string()),
        Some("var") => return Some(format!("var.{s}")),
        _ => {}
    }
    if node.name == "use" {
        return Some(format!("component.{s}"));
    }
    // Inside `${…}`: the path-like word around the position.
    let source = text.get(entry.span.start as usize..entry.span.end as usize)?;
    let at = offset.checked_sub(entry.span.start as usize)?;
    let open = source[..at.min(source.len())].rfind("${")?;
    if source[open..at.min(source.len())].contains('}') {
        return None;
    }
    let is_path = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']');
    let start = source[..at]
        .rfind(|c: char| !is_path(c))
        .map_or(0, |i| i + 1);
    let end = source[at..]
        .find(|c: char| !is_path(c))
        .map_or(source.len(), |i| at + i);
    let word = &source[start..end];
    (word.contains('.')).then(|| word.to_string())
}

/// What `infrac kinds NAME` says of the component a `use` names.
fn component_about(cx: &Context, node: &Node) -> Option<String> {
    let about =
        crate::kinds::describe(Some(label(node, 0)?), cx.components(), cx.registry()).ok()?;
    Some(format!("```text\n{}\n```", about.trim_end()))
}

pub fn definition(cx: &Context, offset: usize) -> Option<Location> {
    let Target::Value(node, entry) = target(&cx.doc, offset)? else {
        return None;
    };
    if node.name == "import" {
        let Literal::Str(file) = &entry.value else {
            return None;
        };
        let uri = Url::from_file_path(cx.root.join(cx.relative_dir()).join(file.as_str())).ok()?;
        return Some(Location {
            uri,
            range: lsp_types::Range::default(),
        });
    }
    let path = reference_at(cx.text, node, entry, offset)?;
    cx.location(cx.declaration(&path)?.span)
}

pub fn hover(cx: &Context, offset: usize) -> Option<Hover> {
    let text = match target(&cx.doc, offset)? {
        // `use "NAME"`: the component, wherever it comes from (the stdlib
        // is built into infrac, so there is no file to go to).
        Target::Kind(node) if node.name == "use" => component_about(cx, node)?,
        Target::Value(node, entry)
            if node.name == "use" && node.args.first().is_some_and(|a| a.span == entry.span) =>
        {
            component_about(cx, node)?
        }
        Target::Attribute(node, name) if node.name == "use" => {
            let component = cx
                .components()
                .iter()
                .find(|c| Some(c.name.as_str()) == label(node, 0))?;
            let (_, ty, has_default, doc) = component.params.iter().find(|p| p.0 == name)?;
            let need = if *has_default { "optional" } else { "required" };
            let mut text = format!(
                "`{name}` ({ty}, {need}): a parameter of `{}`",
                component.name
            );
            if let Some(doc) = doc {
                text.push_str("\n\n");
                text.push_str(doc);
            }
            text
        }
        Target::Kind(node) => {
            let about =
                crate::kinds::describe(Some(&node.name), cx.components(), cx.registry()).ok()?;
            format!("```text\n{}\n```", about.trim_end())
        }
        Target::Attribute(node, name) => {
            let registry = cx.registry();
            let kind = registry.get(&node.name)?;
            let schema = kind.schema();
            let attribute = kind
                .aliases
                .get(name)
                .map_or(name.replace('-', "_"), |a| a.replace('-', "_"));
            let a = schema.attributes.get(&attribute)?;
            let need = if a.required {
                "required"
            } else if a.optional {
                "optional"
            } else {
                "read-only"
            };
            let mut text = format!("`{name}` ({need}) of `{}` → `{}`", node.name, kind.resource);
            if !a.description.is_empty() {
                text.push_str("\n\n");
                text.push_str(&a.description);
            }
            if kind.replace_on.contains(&attribute) {
                text.push_str(
                    "\n\nChanging it replaces the resource (Terraform destroys and recreates it).",
                );
            }
            if let Some(values) = kind
                .enums
                .get(&attribute)
                .and_then(|e| registry.enums.get(e))
            {
                text.push_str(&format!("\n\nOne of: {}.", values.join(", ")));
            }
            text
        }
        Target::Value(node, entry) => {
            let path = reference_at(cx.text, node, entry, offset)?;
            let declared = cx.declaration(&path)?;
            let file = cx.sources.get(declared.span.file);
            let first = file.text[declared.span.start as usize..declared.span.end as usize]
                .lines()
                .next()
                .unwrap_or_default();
            let line = file.text[..declared.span.start as usize]
                .matches('\n')
                .count()
                + 1;
            format!(
                "`{path}`: declared in {}:{line}\n```kdl\n{first}\n```",
                file.path
            )
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: None,
    })
}

/// The document's outline: each node, named by its kind and label.
pub fn symbols(text: &str) -> Vec<DocumentSymbol> {
    let Ok(nodes) = crate::parse::parse(FileId(0), text) else {
        return Vec::new();
    };
    let index = LineIndex::new(text);
    outline(&nodes, text, &index, 0)
}

#[allow(deprecated)] // `deprecated` is a field the protocol still has
fn outline(nodes: &[Node], text: &str, index: &LineIndex, depth: usize) -> Vec<DocumentSymbol> {
    nodes
        .iter()
        .map(|n| {
            let label = n.args.iter().find_map(|a| match &a.value {
                Literal::Str(s) => Some(s.to_string()),
                _ => None,
            });
            let name = match &label {
                Some(l) => format!("{} {l}", n.name),
                None => n.name.to_string(),
            };
            let children = (depth < 4 && !n.children.is_empty())
                .then(|| outline(&n.children, text, index, depth + 1));
            DocumentSymbol {
                name,
                detail: None,
                kind: if depth == 0 {
                    SymbolKind::OBJECT
                } else {
                    SymbolKind::FIELD
                },
                tags: None,
                deprecated: None,
                range: index.range(text, n.span.start as usize, n.span.end as usize),
                selection_range: index.range(
                    text,
                    n.name_span.start as usize,
                    n.name_span.end as usize,
                ),
                children,
            }
        })
        .collect()
}
