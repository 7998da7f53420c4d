//! Quick fixes: a diagnostic whose help says "did you mean `size`?"
//! offers to write `size` where the misspelt word is.

use lsp_types::{CodeAction, CodeActionKind, Diagnostic, Range, TextEdit, Url, WorkspaceEdit};
use std::collections::HashMap;

/// One quick fix per edit the server attached to a diagnostic when it
/// published it (`Diagnostic::fixes`, the same ones `check --format json`
/// lists).
pub fn quick_fixes(uri: &Url, diagnostics: &[Diagnostic]) -> Vec<CodeAction> {
    let mut actions = Vec::new();
    for d in diagnostics {
        let Some(serde_json::Value::Array(fixes)) = &d.data else {
            continue;
        };
        for fix in fixes {
            let (Some(title), Some(new_text), Ok(range)) = (
                fix["title"].as_str(),
                fix["newText"].as_str(),
                serde_json::from_value::<Range>(fix["range"].clone()),
            ) else {
                continue;
            };
            actions.push(CodeAction {
                title: title.to_string(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(
                        uri.clone(),
                        vec![TextEdit {
                            range,
                            new_text: new_text.to_string(),
                        }],
                    )])),
                    ..Default::default()
                }),
                is_preferred: Some(fixes.len() == 1),
                ..Default::default()
            });
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    #[test]
    fn each_fix_the_diagnostic_carries_is_an_action() {
        let uri = Url::parse("file:///p/infra.kdl").unwrap();
        let range = |a, b| Range::new(Position::new(0, a), Position::new(0, b));
        let with = |fixes: serde_json::Value| Diagnostic {
            range: range(14, 27),
            data: Some(fixes),
            ..Default::default()
        };
        let found = quick_fixes(
            &uri,
            &[
                with(
                    serde_json::json!([{"title": "Change `sise` to `size`", "range": range(28, 32), "newText": "size"}]),
                ),
                with(serde_json::json!([
                    {"title": "Change `nyc9` to `nyc1`", "range": range(22, 26), "newText": "nyc1"},
                    {"title": "Change `nyc9` to `nyc3`", "range": range(22, 26), "newText": "nyc3"}
                ])),
                Diagnostic::default(),
            ],
        );
        let titles: Vec<&str> = found.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Change `sise` to `size`",
                "Change `nyc9` to `nyc1`",
                "Change `nyc9` to `nyc3`"
            ]
        );
        let edit = &found[2].edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri][0];
        assert_eq!(
            (edit.range, edit.new_text.as_str()),
            (range(22, 26), "nyc3")
        );
        assert_eq!(found[0].is_preferred, Some(true));
        assert_eq!(found[1].is_preferred, Some(false));
    }
}
