//! Quick fixes: a diagnostic whose help says "did you mean `size`?"
//! offers to write `size` where the misspelt word is. The word is the one
//! of the message's quoted words that the diagnostic's range holds.

use super::LineIndex;
use lsp_types::{CodeAction, CodeActionKind, Diagnostic, TextEdit, Url, WorkspaceEdit};
use std::collections::HashMap;

/// The words between backticks, in order.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

pub fn quick_fixes(uri: &Url, text: &str, diagnostics: &[Diagnostic]) -> Vec<CodeAction> {
    let index = LineIndex::new(text);
    let mut actions = Vec::new();
    for d in diagnostics {
        let (message, help) = d.message.split_once("\nhelp: ").unwrap_or((&d.message, ""));
        let Some(guess) = help.split("did you mean ").nth(1) else {
            continue;
        };
        let guess = guess.split('?').next().unwrap_or_default();
        let start = index.offset(text, d.range.start);
        let end = index.offset(text, d.range.end).max(start);
        let Some(range_text) = text.get(start..end) else {
            continue;
        };
        // The misspelt word: a quoted word of the message found in the
        // range (its first occurrence as a whole word).
        let found = quoted(message).into_iter().find_map(|word| {
            let at = whole_word(range_text, word)?;
            Some((word, start + at))
        });
        let Some((word, at)) = found else {
            continue;
        };
        for replacement in quoted(guess) {
            let edit = TextEdit {
                range: index.range(text, at, at + word.len()),
                new_text: replacement.to_string(),
            };
            actions.push(CodeAction {
                title: format!("Change `{word}` to `{replacement}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..Default::default()
                }),
                is_preferred: Some(quoted(guess).len() == 1),
                ..Default::default()
            });
        }
    }
    actions
}

/// Where `word` occurs in `text` not as part of a longer name.
fn whole_word(text: &str, word: &str) -> Option<usize> {
    let part = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word)
        .map(|(i, _)| i)
        .find(|&i| !text[..i].ends_with(part) && !text[i + word.len()..].starts_with(part))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::{Position, Range};

    #[test]
    fn a_did_you_mean_becomes_an_edit_of_the_misspelt_word() {
        let text = "droplet \"web\" region=\"nyc9\" sise=\"x\"\n";
        let uri = Url::parse("file:///p/infra.kdl").unwrap();
        let diagnostic = |start: u32, end: u32, message: &str| Diagnostic {
            range: Range::new(Position::new(0, start), Position::new(0, end)),
            message: message.to_string(),
            ..Default::default()
        };
        let found = quick_fixes(
            &uri,
            text,
            &[
                diagnostic(28, 32, "droplet has no attribute `sise`\nhelp: did you mean `size`? …"),
                diagnostic(14, 27, "`nyc9` is not a valid region\nhelp: did you mean `nyc1`, `nyc2` or `nyc3`? allowed: …"),
                diagnostic(0, 7, "no help here\nhelp: declare it"),
            ],
        );
        let titles: Vec<&str> = found.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Change `sise` to `size`",
                "Change `nyc9` to `nyc1`",
                "Change `nyc9` to `nyc2`",
                "Change `nyc9` to `nyc3`"
            ]
        );
        let edit = &found[1].edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri][0];
        assert_eq!(
            edit.range,
            Range::new(Position::new(0, 22), Position::new(0, 26))
        );
        assert_eq!(found[0].is_preferred, Some(true));
    }
}
