//! Load stage: reads the entry file and everything it imports through the
//! `World` (the only door to the file system), parses each file once, and
//! splices imported nodes in at the place of their `import`.

use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::parse::{self, Literal, Node};
use crate::source::{FileId, SourceMap, Span};

/// Where the compiler gets file contents from. The CLI reads the disk;
/// tests and `infrac diff --base` read from memory or git.
pub trait World {
    /// Reads a file of the project. `path` is relative to the project root,
    /// `/`-separated, already normalised and never outside the root.
    fn read(&self, path: &str) -> Result<String, String>;
}

/// The project's name for its entry file.
pub const ENTRY_FILE: &str = "infra.kdl";

pub struct Loaded {
    /// Top-level nodes of the project, imports spliced in, in source order.
    pub nodes: Vec<Node>,
    /// Top-level nodes of the shipped components.
    pub stdlib: Vec<Node>,
}

pub fn load(world: &dyn World, sources: &mut SourceMap, diags: &mut Diagnostics) -> Loaded {
    let mut nodes = Vec::new();
    let mut stack = Vec::new();
    load_file(
        world, ENTRY_FILE, None, sources, diags, &mut stack, &mut nodes,
    );
    let mut stdlib = Vec::new();
    for (name, text) in crate::stdlib::FILES {
        let id = sources.add(format!("<stdlib>/{name}"), *text);
        match parse::parse(id, text) {
            Ok(n) => stdlib.extend(n),
            Err(errors) => errors.into_iter().for_each(|d| diags.push(d)),
        }
    }
    Loaded { nodes, stdlib }
}

fn load_file(
    world: &dyn World,
    path: &str,
    imported_at: Option<Span>,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    stack: &mut Vec<String>,
    out: &mut Vec<Node>,
) {
    if sources.find(path).is_some() {
        if stack.iter().any(|p| p == path) {
            let chain = stack
                .iter()
                .skip_while(|p| *p != path)
                .chain(std::iter::once(&path.to_string()))
                .cloned()
                .collect::<Vec<_>>()
                .join(" → ");
            diags.push(
                Diagnostic::error(Code::BadImport, format!("import cycle: {chain}"))
                    .at(imported_at.unwrap_or_default(), "this import closes the cycle")
                    .help("files may import each other only in one direction; move the shared nodes to a third file"),
            );
        }
        // A file imported twice (a diamond) is loaded once.
        return;
    }
    let text = match world.read(path) {
        Ok(t) => t,
        Err(why) => {
            match imported_at {
                Some(span) => diags.push(
                    Diagnostic::error(Code::BadImport, format!("cannot read imported file `{path}`: {why}"))
                        .at(span, "imported here")
                        .help("import paths are relative to the importing file and must stay inside the project folder"),
                ),
                None => {
                    // No span to point at: the CLI reports a missing entry
                    // file before compiling, so this is reached from tests.
                    let id = sources.add(path, "");
                    diags.push(
                        Diagnostic::error(Code::BadImport, format!("cannot read `{path}`: {why}"))
                            .at(Span::new(id, 0, 0), "")
                            .help(format!("a project is a folder with an `{ENTRY_FILE}` file")),
                    );
                }
            }
            return;
        }
    };
    let id: FileId = sources.add(path, text.as_str());
    let nodes = match parse::parse(id, &text) {
        Ok(n) => n,
        Err(errors) => {
            errors.into_iter().for_each(|d| diags.push(d));
            return;
        }
    };
    stack.push(path.to_string());
    for node in nodes {
        if node.name != "import" {
            out.push(node);
            continue;
        }
        let Some(target) = import_target(&node, path, diags) else {
            continue;
        };
        load_file(world, &target, Some(node.span), sources, diags, stack, out);
    }
    stack.pop();
}

fn import_target(node: &Node, from: &str, diags: &mut Diagnostics) -> Option<String> {
    let arg = match node.args.as_slice() {
        [one] if node.props.is_empty() && node.children.is_empty() => one,
        _ => {
            diags.push(
                Diagnostic::error(Code::BadImport, "`import` takes exactly one file path")
                    .at(node.span, "malformed import")
                    .help("write `import \"network.kdl\"`"),
            );
            return None;
        }
    };
    let Literal::Str(rel) = &arg.value else {
        diags.push(
            Diagnostic::error(Code::BadImport, "the import path must be a string")
                .at(arg.span, "not a string")
                .help("write `import \"network.kdl\"`"),
        );
        return None;
    };
    match join_path(from, rel) {
        Some(p) if p.ends_with(".kdl") => Some(p),
        Some(_) => {
            diags.push(
                Diagnostic::error(Code::BadImport, format!("`{rel}` is not a .kdl file"))
                    .at(arg.span, "not a .kdl file")
                    .help("only KDL files can be imported"),
            );
            None
        }
        None => {
            diags.push(
                Diagnostic::error(Code::BadImport, format!("`{rel}` leaves the project folder"))
                    .at(arg.span, "outside the project")
                    .help("import paths are relative to the importing file and must stay inside the project folder"),
            );
            None
        }
    }
}

/// Joins `rel` to the folder of `from` and normalises it; `None` if the
/// result is absolute or climbs above the project root.
pub fn join_path(from: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.starts_with('\\') || rel.contains(':') || rel.contains('\\') {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::join_path;

    #[test]
    fn joins_relative_paths_inside_the_project() {
        assert_eq!(
            join_path("infra.kdl", "dns.kdl").as_deref(),
            Some("dns.kdl")
        );
        assert_eq!(join_path("net/a.kdl", "../b.kdl").as_deref(), Some("b.kdl"));
        assert_eq!(
            join_path("net/a.kdl", "./c/d.kdl").as_deref(),
            Some("net/c/d.kdl")
        );
    }

    #[test]
    fn refuses_paths_that_escape() {
        assert_eq!(join_path("infra.kdl", "../x.kdl"), None);
        assert_eq!(join_path("infra.kdl", "/etc/x.kdl"), None);
        assert_eq!(join_path("a/infra.kdl", "../../x.kdl"), None);
        assert_eq!(join_path("infra.kdl", "C:x.kdl"), None);
    }
}
