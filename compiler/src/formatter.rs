//! `infrac fmt`: one layout for infrac's KDL. Only whitespace changes: a
//! node per line, four spaces per level, one space between entries, none
//! around `=` or after a type annotation or `/-`, at most one blank line,
//! a newline at the end. Comments stay where they are, values are copied as
//! written (a string is never re-quoted), a block written on one line stays
//! on one line (`{ a 1; b 2 }`), and a `\` line continuation is kept.
//!
//! The text is cut into tokens, and the layout written from them; the
//! output's tokens are then compared with the input's, so a mistake here
//! can only refuse to format, never change what a file says.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An identifier, number or keyword (`#true`).
    Word,
    Str,
    /// A type annotation, `(ref)`: glued to what follows.
    Annotation,
    Equals,
    Open,
    Close,
    Semicolon,
    Slashdash,
    LineComment,
    BlockComment,
    /// `\` with the comment and the line break it continues over.
    Continuation,
    /// One or more line breaks: `count` of them.
    Newline,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    /// Line breaks, for `Newline`.
    count: usize,
}

/// Why a text was not formatted: where, and what.
#[derive(Debug)]
pub struct Unformattable {
    pub span: Span,
    pub message: String,
}

fn is_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{85}' | '\u{0B}' | '\u{0C}' | '\u{2028}' | '\u{2029}'
    )
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

/// Characters that end a word (KDL's non-identifier characters).
fn ends_word(c: char) -> bool {
    is_space(c) || is_newline(c) || "{}();=\\\"/[]".contains(c)
}

fn tokenize(text: &str) -> Result<Vec<Token>, Unformattable> {
    let b = text.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    let token = |kind, start, end| Token {
        kind,
        start,
        end,
        count: 0,
    };
    while i < text.len() {
        let c = text[i..].chars().next().expect("i is on a character");
        if is_newline(c) {
            let len = if text[i..].starts_with("\r\n") {
                2
            } else {
                c.len_utf8()
            };
            match out.last_mut() {
                Some(t) if t.kind == Kind::Newline => {
                    t.count += 1;
                    t.end = i + len;
                }
                _ => out.push(Token {
                    kind: Kind::Newline,
                    start: i,
                    end: i + len,
                    count: 1,
                }),
            }
            i += len;
            continue;
        }
        if is_space(c) {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        if let Some((end, skipped)) = crate::parse::skip_text(b, i) {
            let kind = match skipped {
                crate::parse::Skipped::Str => Kind::Str,
                _ if text[i..].starts_with("//") => Kind::LineComment,
                _ => Kind::BlockComment,
            };
            out.push(token(kind, start, end));
            i = end;
            continue;
        }
        let (kind, end) = match c {
            '{' => (Kind::Open, i + 1),
            '}' => (Kind::Close, i + 1),
            ';' => (Kind::Semicolon, i + 1),
            '=' => (Kind::Equals, i + 1),
            '/' if text[i..].starts_with("/-") => (Kind::Slashdash, i + 2),
            '(' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b')' {
                    j = crate::parse::skip_text(b, j).map_or(j + 1, |(end, _)| end);
                }
                if j >= b.len() {
                    return Err(unformattable(start, j, "a type annotation is not closed"));
                }
                (Kind::Annotation, j + 1)
            }
            '\\' => {
                // Up to and over the line break it continues.
                let mut j = i + 1;
                while let Some(d) = text[j..].chars().next() {
                    if is_space(d) {
                        j += d.len_utf8();
                    } else if text[j..].starts_with("//") || text[j..].starts_with("/*") {
                        j = crate::parse::skip_text(b, j).map_or(b.len(), |(end, _)| end);
                    } else if is_newline(d) {
                        j += if text[j..].starts_with("\r\n") {
                            2
                        } else {
                            d.len_utf8()
                        };
                        break;
                    } else {
                        return Err(unformattable(
                            start,
                            j,
                            "a `\\` continues a line: nothing but a comment may follow it",
                        ));
                    }
                }
                (Kind::Continuation, j)
            }
            _ => {
                let mut j = i + c.len_utf8();
                while let Some(d) = text[j..].chars().next() {
                    if ends_word(d) {
                        break;
                    }
                    j += d.len_utf8();
                }
                if j == i {
                    return Err(unformattable(start, i + 1, "unexpected character"));
                }
                (Kind::Word, j)
            }
        };
        out.push(token(kind, start, end));
        i = end;
    }
    Ok(out)
}

fn unformattable(start: usize, end: usize, message: &str) -> Unformattable {
    Unformattable {
        span: Span::new(crate::source::FileId(0), start, end),
        message: message.to_string(),
    }
}

/// For each `{`, the index of its `}`.
fn matching_braces(tokens: &[Token]) -> Result<Vec<Option<usize>>, Unformattable> {
    let mut pairs = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            Kind::Open => open.push(i),
            Kind::Close => match open.pop() {
                Some(o) => pairs[o] = Some(i),
                None => return Err(unformattable(t.start, t.end, "a `}` closes no block")),
            },
            _ => {}
        }
    }
    if let Some(o) = open.pop() {
        let t = tokens[o];
        return Err(unformattable(t.start, t.end, "this `{` is not closed"));
    }
    Ok(pairs)
}

struct Writer<'t> {
    text: &'t str,
    out: String,
    line: String,
    depth: usize,
    /// The current node was continued with `\`: its next lines are
    /// indented one more level.
    continued: bool,
    blank_pending: bool,
    /// The last line written opened a block: no blank line follows it.
    opened: bool,
    previous: Option<Kind>,
}

impl Writer<'_> {
    fn indent(&self, extra: usize) -> String {
        "    ".repeat(self.depth + extra)
    }

    /// Ends the current line, if it has anything.
    fn flush(&mut self) {
        if self.line.is_empty() {
            return;
        }
        let starts_block_end = self.line.starts_with('}');
        if self.blank_pending && !self.out.is_empty() && !self.opened && !starts_block_end {
            self.out.push('\n');
        }
        self.blank_pending = false;
        self.opened = false;
        let indent = self.indent(usize::from(self.continued));
        self.out.push_str(&indent);
        self.out.push_str(self.line.trim_end());
        self.out.push('\n');
        self.line.clear();
    }

    fn push(&mut self, kind: Kind, text: &str) {
        let glued = matches!(
            self.previous,
            Some(Kind::Equals | Kind::Annotation | Kind::Slashdash)
        ) || kind == Kind::Equals
            || (kind == Kind::Close && self.previous == Some(Kind::Open));
        if !self.line.is_empty() && !glued {
            self.line.push(' ');
        }
        self.line.push_str(text);
        self.previous = Some(kind);
    }
}

/// The text in the canonical layout.
pub fn format(text: &str) -> Result<String, Unformattable> {
    let tokens = tokenize(text)?;
    let pairs = matching_braces(&tokens)?;
    // A block stays on one line when it was written on one line (or holds
    // nothing).
    let inline: Vec<bool> = pairs
        .iter()
        .enumerate()
        .map(|(i, close)| {
            close.is_some_and(|close| {
                let inside = &tokens[i + 1..close];
                inside.iter().all(|t| t.kind == Kind::Newline)
                    || !inside.iter().any(|t| {
                        matches!(
                            t.kind,
                            Kind::Newline | Kind::LineComment | Kind::Continuation
                        )
                    })
            })
        })
        .collect();
    let mut w = Writer {
        text,
        out: String::with_capacity(text.len() + text.len() / 8),
        line: String::new(),
        depth: 0,
        continued: false,
        blank_pending: false,
        opened: false,
        previous: None,
    };
    // For each open block: whether it is written inline.
    let mut blocks: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let source = &w.text[t.start..t.end];
        let in_line = blocks.last().copied().unwrap_or(false);
        match t.kind {
            // Only an empty block written over lines is inline with breaks.
            Kind::Newline if in_line => {}
            Kind::Newline => {
                w.flush();
                // A continuation ended its line itself: one more line break
                // after it is already a blank line.
                let after_continuation = i > 0 && tokens[i - 1].kind == Kind::Continuation;
                if t.count >= 2 || after_continuation {
                    w.blank_pending = true;
                }
                w.continued = false;
                w.previous = None;
            }
            Kind::Semicolon if in_line => {
                w.line.push(';');
                w.previous = Some(Kind::Semicolon);
            }
            Kind::Semicolon => {
                w.flush();
                w.continued = false;
                w.previous = None;
            }
            Kind::LineComment => {
                // Trailing spaces are not kept (the line is trimmed).
                w.push(Kind::LineComment, source.trim_end_matches(is_space));
                w.flush();
                w.previous = None;
            }
            Kind::Continuation => {
                // ` \`, its comment, then the node goes on below.
                let comment = source[1..].trim_matches(|c: char| is_space(c) || is_newline(c));
                w.push(Kind::Word, "\\");
                if !comment.is_empty() {
                    w.line.push(' ');
                    w.line.push_str(comment);
                }
                w.flush();
                w.continued = true;
                w.previous = None;
            }
            Kind::Open => {
                if inline[i] {
                    w.push(Kind::Open, "{");
                    blocks.push(true);
                } else {
                    w.push(Kind::Open, "{");
                    // A comment on the line of the `{` stays there.
                    if tokens
                        .get(i + 1)
                        .is_some_and(|n| n.kind == Kind::LineComment)
                    {
                        i += 1;
                        let n = tokens[i];
                        w.push(Kind::LineComment, &text[n.start..n.end]);
                    }
                    w.flush();
                    w.opened = true;
                    w.continued = false;
                    w.previous = None;
                    w.depth += 1;
                    blocks.push(false);
                }
            }
            Kind::Close => {
                let was_inline = blocks.pop().unwrap_or(false);
                if was_inline {
                    w.push(Kind::Close, "}");
                } else {
                    w.flush();
                    w.continued = false;
                    w.blank_pending = false;
                    w.depth = w.depth.saturating_sub(1);
                    w.previous = None;
                    w.push(Kind::Close, "}");
                }
            }
            kind => w.push(kind, source),
        }
        i += 1;
    }
    w.flush();
    let out = w.out;
    // Only layout may change: the same tokens, in the same order (`;`
    // between nodes becomes a line break).
    let meaning = |ts: &[Token], text: &str| -> Vec<String> {
        ts.iter()
            .filter(|t| !matches!(t.kind, Kind::Newline | Kind::Semicolon))
            .map(|t| {
                let s = &text[t.start..t.end];
                if t.kind == Kind::Continuation {
                    // `\// c` is written `\ // c`: the same continuation.
                    let comment = s[1..].trim_matches(|c: char| is_space(c) || is_newline(c));
                    format!("\\{comment}")
                } else if t.kind == Kind::LineComment {
                    s.trim_end_matches(|c: char| is_space(c) || is_newline(c))
                        .to_string()
                } else {
                    s.to_string()
                }
            })
            .collect()
    };
    let after = tokenize(&out)?;
    if meaning(&tokens, text) != meaning(&after, &out) {
        return Err(unformattable(0, 0, "infrac fmt would change what the file says (a bug in the formatter): the file is left as it is"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::format;

    fn fmt(s: &str) -> String {
        format(s).unwrap()
    }

    #[test]
    fn nodes_get_one_line_each_and_four_spaces_a_level() {
        assert_eq!(
            fmt("droplet   \"web\"  region = \"ams3\"{\n  tags \"a\"   \"b\"\n        backup-policy plan=\"weekly\"\n}\n"),
            "droplet \"web\" region=\"ams3\" {\n    tags \"a\" \"b\"\n    backup-policy plan=\"weekly\"\n}\n"
        );
    }

    #[test]
    fn comments_blank_lines_and_one_line_blocks_are_kept() {
        let text = "// top\n\n\n\nsite \"a\" {   // trailing\n\n    host \"x\"\n    /* note */ respond \"/\" body=\"ok\"\n\n}\nmanifest \"m\" {\n  spec { - { a 1 }; b   2 }\n}\n";
        assert_eq!(
            fmt(text),
            "// top\n\nsite \"a\" { // trailing\n    host \"x\"\n    /* note */ respond \"/\" body=\"ok\"\n}\nmanifest \"m\" {\n    spec { - { a 1 }; b 2 }\n}\n"
        );
    }

    #[test]
    fn semicolons_between_nodes_become_lines_and_annotations_stay_glued() {
        assert_eq!(
            fmt("a 1; b on=(ref) \"droplet.web\"\n/- c 3\nd /- 4 {}\n"),
            "a 1\nb on=(ref)\"droplet.web\"\n/-c 3\nd /-4 {}\n"
        );
    }

    #[test]
    fn strings_are_copied_as_written_and_continuations_kept() {
        let text = "a #\"raw \\n\"# \"\"\"\n  multi\n    line\n  \"\"\"\nb 1 \\ // why\n      2\nc { \n\n }\n";
        let out = fmt(text);
        assert_eq!(
            out,
            "a #\"raw \\n\"# \"\"\"\n  multi\n    line\n  \"\"\"\nb 1 \\ // why\n    2\nc {}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn trailing_spaces_of_a_comment_go() {
        // Found by fuzzing: the line was trimmed, and the check saw the
        // comment change.
        assert_eq!(fmt("// A*d itsoplet.os\0t   "), "// A*d itsoplet.os\0t\n");
        assert_eq!(
            fmt("a 1 // c \t \nb 2 \\ // d  \n  3\n"),
            "a 1 // c\nb 2 \\ // d\n    3\n"
        );
    }

    #[test]
    fn a_continuation_comment_gets_its_space() {
        // Found by fuzzing: `\// c` was written `\ // c`, and the check
        // saw the continuation change.
        assert_eq!(
            fmt("node \"x\" \\// c\n    \"y\"\n"),
            "node \"x\" \\ // c\n    \"y\"\n"
        );
        assert_eq!(fmt("node \"x\" \\// c\n"), "node \"x\" \\ // c\n");
    }

    #[test]
    fn a_blank_line_after_a_continuation_stays_one() {
        // Found by fuzzing: the second run removed the blank line the
        // first had kept after a continuation outside any node.
        let out = fmt("\\\r\r\r\na\n");
        assert_eq!(out, "\\\n\na\n");
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn a_line_comment_ends_at_any_kdl_line_break() {
        // Found by fuzzing: a vertical tab ends a `//` comment for the
        // parser; the formatter read the node after it as comment text.
        let text = "// note\u{0B}n app \"web\" replica=2 {\n    port \"http\" 8080\n}\n";
        let file = crate::source::FileId(0);
        let before = crate::parse::parse(file, text).unwrap();
        let formatted = fmt(text);
        let after = crate::parse::parse(file, &formatted).unwrap();
        let names = |nodes: &[crate::parse::Node]| -> Vec<String> {
            nodes.iter().map(|n| n.name.to_string()).collect()
        };
        assert_eq!(names(&before), names(&after));
        assert_eq!(
            formatted,
            "// note\nn app \"web\" replica=2 {\n    port \"http\" 8080\n}\n"
        );
    }

    #[test]
    fn unbalanced_braces_are_refused() {
        assert!(format("a {\n").is_err());
        assert!(format("}\n").is_err());
    }
}
