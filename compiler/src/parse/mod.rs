//! Parse stage: text in, nodes with spans and every syntax error out.
//! A hand-written parser (`fast`) reads the documents it knows; anything
//! else, every document with an error included, goes to the `kdl` crate,
//! which builds the same nodes or reports the errors. Nothing after this
//! stage sees either parser.

mod fast;
mod keywords;
mod scan;
pub(crate) use scan::{skip as skip_text, Skipped};
#[cfg(test)]
mod tests;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};
use smol_str::SmolStr;

/// A literal KDL value.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(SmolStr),
    Int(i64),
    /// An integer that does not fit in 64 bits: lowering reports it, at
    /// the entry's span. (Kept out of `Int`, whose `i128` made every entry
    /// half as large again.)
    IntTooLarge,
    Float(f64),
    Bool(bool),
    Null,
}

/// An argument or property value, with its optional type annotation
/// (`(ref)"droplet.web"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub ty: Option<SmolStr>,
    pub value: Literal,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Prop {
    pub name: SmolStr,
    pub name_span: Span,
    pub value: Entry,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: SmolStr,
    pub name_span: Span,
    pub args: Vec<Entry>,
    pub props: Vec<Prop>,
    pub children: Vec<Node>,
    /// Whether the node had a `{ … }` block, even an empty one.
    pub has_block: bool,
    pub span: Span,
}

impl Literal {
    pub fn integer(value: i128) -> Literal {
        i64::try_from(value).map_or(Literal::IntTooLarge, Literal::Int)
    }
}

impl Node {
    pub fn prop(&self, name: &str) -> Option<&Prop> {
        // KDL: the last duplicate property wins.
        self.props.iter().rev().find(|p| p.name == name)
    }
}

/// Parses one file. On a syntax error, returns every error the parser
/// recovered to and no nodes.
pub fn parse(file: FileId, text: &str) -> Reading {
    if let Some(too_deep) = nesting_too_deep(file, text) {
        return Err(vec![too_deep]);
    }
    match fast::parse(file, text) {
        Some(nodes) => Ok(nodes),
        None => {
            if let Some(refused) = slashdash_too_deep(file, text) {
                return Err(vec![refused]);
            }
            // The common slips, each at its token; the crate would report
            // the first from the start of the file, and stop.
            let slips = keywords::mistakes(file, text);
            if !slips.is_empty() {
                return Err(slips);
            }
            parse_with_kdl_crate(file, text)
        }
    }
}

/// The nodes of a file, or its syntax errors.
pub type Reading = Result<Vec<Node>, Vec<Diagnostic>>;

/// Children nested deeper than this are refused before parsing: both
/// parsers, and the stages after them, recurse once per level, and a few
/// kilobytes of `{` must not overflow the stack. Real projects nest a
/// handful of levels.
pub const MAX_NESTING: usize = 64;

/// The `{` that opens level `MAX_NESTING + 1`, if any, as an error. Braces
/// in strings and comments do not count; one left open counts as open.
fn nesting_too_deep(file: FileId, text: &str) -> Option<Diagnostic> {
    let b = text.as_bytes();
    // Most files have fewer `{` in all than the limit: nothing to scan (a
    // count the compiler vectorises; the scan below is ten times slower).
    if b.iter().filter(|&&c| c == b'{').count() <= MAX_NESTING {
        return None;
    }
    let at = brace_past(text, MAX_NESTING)?;
    Some(
        Diagnostic::error(
            Code::Syntax,
            format!("children nested more than {MAX_NESTING} levels deep"),
        )
        .at(Span::new(file, at, at + 1), "one level too deep")
        .help("a project nests a few levels (a resource, its blocks, theirs); check for unclosed or repeated `{`"),
    )
}

/// How much nesting of children blocks commented out with `/-` a file the
/// fast parser cannot read may have: the `kdl` crate's time doubles with
/// each level of `/- {` inside another (16 levels take seconds, 24
/// minutes), and grows with the file's length. Each such block costs
/// 2^depth; past this sum the file is refused: a chain may nest 10 deep in
/// a file of up to 1 KiB, and one level less each time the file doubles
/// (a 3 KiB file of 9 levels took 220 ms).
pub const MAX_SLASHDASH_COST: u64 = 2048;
const SLASHDASH_BYTES_PER_SHARE: u64 = 256;

/// The `{` of the `/- { … }` that brings the cost past the limit, as an
/// error.
fn slashdash_too_deep(file: FileId, text: &str) -> Option<Diagnostic> {
    let shares = (text.len() as u64)
        .div_ceil(SLASHDASH_BYTES_PER_SHARE)
        .max(1);
    let at = slashdash_cost_past(text, MAX_SLASHDASH_COST / shares)?;
    Some(
        Diagnostic::error(
            Code::Syntax,
            "blocks commented out with `/-` are nested too deeply",
        )
        .at(Span::new(file, at, at + 1), "one level too many")
        .help("the file has a syntax error, and the KDL reader that finds it slows down with each level of `/- { … }`: remove the commented-out blocks (or use `//`), then the error is shown"),
    )
}

/// The `{` at which the summed cost of braces right after `/-`, 2^(their
/// depth among such braces), passes `limit`. Every brace counts, in
/// strings and comments too: the file cannot be read, and the `kdl`
/// crate's recovery may read its strings otherwise than a scan would, so
/// the count errs on the side of refusing.
fn slashdash_cost_past(text: &str, limit: u64) -> Option<usize> {
    let b = text.as_bytes();
    let (mut open, mut counted, mut cost): (Vec<bool>, u32, u64) = (Vec::new(), 0, 0);
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'{' => {
                let slashdashed = text[..i].trim_end().ends_with("/-");
                open.push(slashdashed);
                if slashdashed {
                    counted += 1;
                    cost = cost.saturating_add(1u64 << counted.min(63));
                    if cost > limit {
                        return Some(i);
                    }
                }
            }
            b'}' => counted -= u32::from(open.pop() == Some(true)),
            _ => {}
        }
    }
    None
}

/// The byte offset of the first `{` past `limit` levels of nesting.
/// Braces in strings and comments do not count.
fn brace_past(text: &str, limit: usize) -> Option<usize> {
    let b = text.as_bytes();
    let (mut i, mut depth) = (0, 0usize);
    while i < b.len() {
        if let Some((end, _)) = scan::skip(b, i) {
            i = end;
            continue;
        }
        match b[i] {
            b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Checks the hand-written parser against the `kdl` crate on `text`:
/// whatever the first reads, the second must read too, to the same nodes,
/// values and spans (it panics if not). True if the first read the text.
/// For `parse/tests.rs` and the fuzzer (`compiler/fuzz`).
#[doc(hidden)]
pub fn parsers_agree(text: &str) -> bool {
    let file = FileId(0);
    // Too deep for either parser: `parse` refuses it before they run.
    if nesting_too_deep(file, text).is_some() {
        return false;
    }
    let Some(fast) = fast::parse(file, text) else {
        return false;
    };
    // The `kdl` crate's time is exponential in this depth; `parse` never
    // hands it such a file it can read itself.
    if slashdash_too_deep(file, text).is_some() {
        return true;
    }
    match parse_with_kdl_crate(file, text) {
        // Debug text, so that NaN equals NaN.
        Ok(slow) => assert_eq!(
            format!("{fast:#?}"),
            format!("{slow:#?}"),
            "the parsers disagree on {text:?}"
        ),
        Err(errors) => panic!(
            "the fast parser accepted {text:?}, which is invalid: {}",
            errors[0].message
        ),
    }
    true
}

/// The `kdl` crate's reading of the file: slower, complete, and the source
/// of the syntax errors' messages.
fn parse_with_kdl_crate(file: FileId, text: &str) -> Reading {
    match kdl::KdlDocument::parse_v2(text) {
        Ok(doc) => Ok(doc.nodes().iter().map(|n| convert(file, n)).collect()),
        Err(err) => {
            // An unclosed `{` is also reported as a missing `}` after the
            // nodes, at the same place: one mistake, one error.
            let unclosed_block = err
                .diagnostics
                .iter()
                .any(|d| d.message.as_deref() == Some(UNCLOSED_BLOCK));
            Err(err
                .diagnostics
                .into_iter()
                .filter(|d| !(unclosed_block && d.message.as_deref() == Some(NO_CLOSING_BRACE)))
                .map(|d| {
                    let span = Span::from_miette(file, d.span);
                    let message = d.message.unwrap_or_else(|| "invalid KDL".to_string());
                    let (message, label, help) = match message.as_str() {
                        UNCLOSED_BLOCK => (
                            "this `{` is never closed".to_string(),
                            "opened here".to_string(),
                            "every `{` needs its `}`: this block is still open at the end of the file; close it after its last child".to_string(),
                        ),
                        UNCLOSED_STRING => (
                            "this string is not closed on its line".to_string(),
                            "opened here".to_string(),
                            "close the string with `\"` before the end of the line (text over several lines is written between `\"\"\"` lines)".to_string(),
                        ),
                        PARTIAL_VALUE if text[span.start as usize..].starts_with('"') => (
                            "a string runs into the next value".to_string(),
                            "this string runs into what follows it".to_string(),
                            "a `\"` is missing or extra here: a string ends at the next `\"`, and a value must be followed by a space, `;`, `{` or the end of the line".to_string(),
                        ),
                        _ => (
                            message,
                            d.label.unwrap_or_else(|| "here".to_string()),
                            d.help.unwrap_or_else(|| {
                                "the project files are KDL 2.0: see docs/language.md".to_string()
                            }),
                        ),
                    };
                    Diagnostic::error(Code::Syntax, message)
                        .at(span, label)
                        .help(help)
                })
                .collect())
        }
    }
}

/// Messages of the `kdl` crate that get infrac's own labels and help.
const UNCLOSED_BLOCK: &str = "No closing '}' for child block";
const NO_CLOSING_BRACE: &str = "Closing '}' was not found after nodes";
const UNCLOSED_STRING: &str = "Unexpected newline in single-line quoted string";
const PARTIAL_VALUE: &str = "Expected quoted string";

fn convert(file: FileId, node: &kdl::KdlNode) -> Node {
    let mut args = Vec::new();
    let mut props = Vec::new();
    for e in node.entries() {
        let value = Entry {
            ty: e.ty().map(|t| t.value().into()),
            value: match e.value() {
                kdl::KdlValue::String(s) => Literal::Str(s.into()),
                kdl::KdlValue::Integer(i) => Literal::integer(*i),
                kdl::KdlValue::Float(f) => Literal::Float(*f),
                kdl::KdlValue::Bool(b) => Literal::Bool(*b),
                kdl::KdlValue::Null => Literal::Null,
            },
            span: Span::from_miette(file, e.span()),
        };
        match e.name() {
            Some(name) => props.push(Prop {
                name: name.value().into(),
                name_span: Span::from_miette(file, name.span()),
                value,
            }),
            None => args.push(value),
        }
    }
    Node {
        name: node.name().value().into(),
        name_span: Span::from_miette(file, node.name().span()),
        args,
        props,
        children: node
            .children()
            .map(|c| c.nodes().iter().map(|n| convert(file, n)).collect())
            .unwrap_or_default(),
        has_block: node.children().is_some(),
        span: Span::from_miette(file, node.span()),
    }
}
