//! The mistakes people make most in KDL 2.0 values, found before the `kdl`
//! crate reads a file the fast parser could not: a keyword misspelt
//! (`#ture`) or written bare (`true`, KDL 1's form). The crate reports them
//! with a span from the start of the file and stops there; this finds each
//! one at its own token, all at once.

use super::scan::{skip, Skipped};
use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::source::{FileId, Span};

const KEYWORDS: &[&str] = &["#true", "#false", "#null", "#nan", "#inf", "#-inf"];
const BARE: &[(&str, &str)] = &[("true", "#true"), ("false", "#false"), ("null", "#null")];

/// Each misspelt or bare keyword in a value position: after `=`, or an
/// argument after a node name. Strings, comments and raw strings are
/// skipped, so text in them is never taken for a value.
pub fn mistakes(file: FileId, text: &str) -> Vec<Diagnostic> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Whether the token at `i` starts a value (not a node name): after `=`
    // or after whitespace inside a node's line.
    let mut in_node = false;
    let mut after_eq = false;
    while i < b.len() {
        let c = b[i];
        match skip(b, i) {
            Some((end, Skipped::Comment)) => {
                i = end;
                continue;
            }
            Some((end, Skipped::Str)) => {
                i = end;
                after_eq = false;
                in_node = true;
                continue;
            }
            None => {}
        }
        match c {
            b'\n' | b';' | b'{' | b'}' => {
                in_node = false;
                after_eq = false;
                i += 1;
                continue;
            }
            b'=' => {
                after_eq = true;
                i += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {}
        }
        // A token: up to whitespace or a structural character.
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !b"=;{}\"".contains(&b[i]) {
            i += 1;
        }
        let word = &text[start..i];
        let value = after_eq || in_node;
        if value
            && word.starts_with('#')
            && !word.starts_with("#\"")
            && !KEYWORDS.contains(&word)
            && !word.starts_with("#-inf")
        {
            let dym = did_you_mean(word, KEYWORDS.iter().copied());
            out.push(
                Diagnostic::error(Code::Syntax, format!("`{word}` is not a KDL keyword"))
                    .at(Span::new(file, start, i), "unknown keyword")
                    .help(if dym.is_empty() {
                        "the keywords are `#true`, `#false`, `#null`, `#nan`, `#inf` and `#-inf`"
                            .to_string()
                    } else {
                        dym
                    }),
            );
        } else if value {
            if let Some((_, keyword)) = BARE.iter().find(|(bare, _)| *bare == word) {
                out.push(
                    Diagnostic::error(
                        Code::Syntax,
                        format!("`{word}` is written `{keyword}` in KDL 2.0"),
                    )
                    .at(Span::new(file, start, i), "a bare keyword")
                    .help(format!("write `{keyword}` (or `\"{word}\"` for the text)")),
                );
            }
        }
        after_eq = false;
        in_node = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<String> {
        mistakes(FileId(0), text)
            .into_iter()
            .map(|d| format!("{}@{}", d.message, d.span.start))
            .collect()
    }

    #[test]
    fn finds_each_misspelt_or_bare_keyword_at_its_token() {
        let text =
            "a x=#ture\nb y=true z=\"true\" #false\nc \"#ture\" // #ture\nd #nul /* #x */ w=null\n";
        assert_eq!(
            found(text),
            vec![
                "`#ture` is not a KDL keyword@4",
                "`true` is written `#true` in KDL 2.0@14",
                "`#nul` is not a KDL keyword@56",
                "`null` is written `#null` in KDL 2.0@72",
            ]
        );
        assert!(found("n #\"raw #ture\"# k=#true v=#-inf").is_empty());
        assert!(found("true-ish x=truely").is_empty());
        // A node may be named `true`; an argument may not be bare.
        assert_eq!(
            found("true 1\nn false"),
            vec!["`false` is written `#false` in KDL 2.0@9"]
        );
    }
}
