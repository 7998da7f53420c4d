//! Parse stage: text in, nodes with spans and every syntax error out.
//! A hand-written parser (`fast`) reads the documents it knows; anything
//! else, every document with an error included, goes to the `kdl` crate,
//! which builds the same nodes or reports the errors. Nothing after this
//! stage sees either parser.

mod fast;
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
    match fast::parse(file, text) {
        Some(nodes) => Ok(nodes),
        None => parse_with_kdl_crate(file, text),
    }
}

/// The nodes of a file, or its syntax errors.
pub type Reading = Result<Vec<Node>, Vec<Diagnostic>>;

/// Checks the hand-written parser against the `kdl` crate on `text`:
/// whatever the first reads, the second must read too, to the same nodes,
/// values and spans (it panics if not). True if the first read the text.
/// For `parse/tests.rs` and the fuzzer (`compiler/fuzz`).
#[doc(hidden)]
pub fn parsers_agree(text: &str) -> bool {
    let file = FileId(0);
    let Some(fast) = fast::parse(file, text) else {
        return false;
    };
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
        Err(err) => Err(err
            .diagnostics
            .into_iter()
            .map(|d| {
                let span = Span::from_miette(file, d.span);
                Diagnostic::error(
                    Code::Syntax,
                    d.message.unwrap_or_else(|| "invalid KDL".to_string()),
                )
                .at(span, d.label.unwrap_or_else(|| "here".to_string()))
                .help(d.help.unwrap_or_else(|| {
                    "the project files are KDL 2.0: see docs/language.md".to_string()
                }))
            })
            .collect()),
    }
}

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
