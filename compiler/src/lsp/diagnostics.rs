//! A project's diagnostics as the protocol carries them: the same
//! problems `infrac check` prints, grouped by file, with their help and
//! their other labels.

use super::LineIndex;
use crate::load::World;
use crate::source::Span;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Url};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file's diagnostics, and the files that do not parse.
pub struct Found {
    pub by_file: Vec<(Url, Vec<lsp_types::Diagnostic>)>,
    pub unparsed: Vec<Url>,
}

pub fn of_project(world: &dyn World, root: &Path) -> Found {
    let options = crate::Options {
        check_only: true,
        ..Default::default()
    };
    let compilation = crate::compile(world, &options);
    let sources = &compilation.sources;
    let mut indexes: BTreeMap<u32, LineIndex> = BTreeMap::new();
    let mut locate = |span: Span| -> Option<(Url, lsp_types::Range)> {
        let file = sources.get(span.file);
        if file.path.starts_with('<') {
            return None; // the stdlib, embedded in the compiler
        }
        let uri = Url::from_file_path(root.join(&file.path)).ok()?;
        let index = indexes
            .entry(span.file.0)
            .or_insert_with(|| LineIndex::new(&file.text));
        let range = index.range(&file.text, span.start as usize, span.end as usize);
        Some((uri, range))
    };
    let mut by_file: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    let mut unparsed = Vec::new();
    for d in &compilation.diagnostics {
        let Some((uri, range)) = locate(d.span) else {
            continue;
        };
        if d.code == crate::diag::Code::Syntax {
            unparsed.push(uri.clone());
        }
        let related: Vec<DiagnosticRelatedInformation> = d
            .others
            .iter()
            .filter_map(|l| {
                let (uri, range) = locate(l.span)?;
                Some(DiagnosticRelatedInformation {
                    location: Location { uri, range },
                    message: l.text.clone(),
                })
            })
            .collect();
        // The fixes travel with the diagnostic (`data`), and come back
        // with it when the editor asks for code actions.
        let fixes: Vec<serde_json::Value> = d
            .fixes(&sources.get(d.span.file).text)
            .into_iter()
            .filter_map(|f| {
                let (_, range) = locate(f.span)?;
                Some(
                    serde_json::json!({"title": f.title, "range": range, "newText": f.replacement}),
                )
            })
            .collect();
        let mut message = d.message.clone();
        if !d.help.is_empty() {
            message.push_str("\nhelp: ");
            message.push_str(&d.help);
        }
        by_file.entry(uri).or_default().push(lsp_types::Diagnostic {
            range,
            severity: Some(if d.is_error() {
                DiagnosticSeverity::ERROR
            } else {
                DiagnosticSeverity::WARNING
            }),
            code: Some(NumberOrString::String(d.code.as_str().to_string())),
            source: Some("infrac".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            code_description: Url::parse(&d.code.docs_url())
                .ok()
                .map(|href| lsp_types::CodeDescription { href }),
            tags: Some(
                d.code
                    .lsp_tags()
                    .iter()
                    .map(|&t| match t {
                        1 => lsp_types::DiagnosticTag::UNNECESSARY,
                        _ => lsp_types::DiagnosticTag::DEPRECATED,
                    })
                    .collect(),
            )
            .filter(|tags: &Vec<_>| !tags.is_empty()),
            data: (!fixes.is_empty()).then(|| serde_json::Value::Array(fixes)),
        });
    }
    Found {
        by_file: by_file.into_iter().collect(),
        unparsed,
    }
}
