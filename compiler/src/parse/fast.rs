//! A hand-written KDL 2.0 parser for everyday documents. It builds the
//! stage's nodes straight from the text, with the same values and spans as
//! the `kdl` crate, many times faster (the `kdl` crate reads about 1.4 MB/s,
//! so a large written-out project spent most of its build in parsing).
//!
//! It answers `None` on any error, and on the few rare forms it leaves to the
//! `kdl` crate: escapes in multi-line strings, non-ASCII identifiers and
//! whitespace, Unicode newlines, control characters and numbers beyond 128
//! bits. The
//! caller then asks the `kdl` crate, which builds the same nodes or reports
//! the errors. So this parser never has to explain an error, only to be
//! exact about what it accepts (the differential tests hold it to that).

use super::{Entry, Literal, Node, Prop};
use crate::source::{FileId, Span};
use smol_str::SmolStr;

/// Every node of the document, or `None` to leave the text to the `kdl`
/// crate.
pub(super) fn parse(file: FileId, text: &str) -> Option<Vec<Node>> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        file,
        args: Vec::new(),
        props: Vec::new(),
    };
    parser.nodes(false)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    /// The entries of the nodes being read, innermost last: each node takes
    /// its own off the end in one exact allocation (growing a list per
    /// node left most of a large project's entry lists a quarter full).
    args: Vec<Entry>,
    props: Vec<Prop>,
}

/// What an entry turned out to be.
enum Item {
    Arg(Entry),
    Prop(Prop),
}

/// Byte classes, looked up once per byte in the loops that read most of a
/// document. `IDENT`: may be part of a bare identifier (ASCII only: other
/// identifiers are left to the `kdl` crate). `PLAIN`: stands for itself in
/// a quoted string (printable ASCII but the quote and the backslash).
const IDENT: u8 = 1;
const PLAIN: u8 = 2;
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0x20;
    while b < 0x7F {
        let byte = b as u8;
        if byte != b'"' && byte != b'\\' {
            table[b] |= PLAIN;
        }
        if byte > b' '
            && !matches!(
                byte,
                b'\\' | b'/' | b'(' | b')' | b'{' | b'}' | b';' | b'[' | b']' | b'"' | b'#' | b'='
            )
        {
            table[b] |= IDENT;
        }
        b += 1;
    }
    table
};

fn identifier_byte(b: u8) -> bool {
    CLASS[usize::from(b)] & IDENT != 0
}

/// A non-ASCII character this parser does not take as plain text: KDL's
/// disallowed code points (direction controls, the byte-order mark), the
/// Unicode newlines, and C1 control characters.
fn special(c: char) -> bool {
    matches!(c,
        '\u{80}'..='\u{9F}'
        | '\u{200E}'..='\u{200F}'
        | '\u{2028}'..='\u{2029}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn at(&self, pair: &[u8; 2]) -> bool {
        self.bytes[self.pos..].starts_with(pair)
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    /// `nodes`, up to the end of the text or (in a block) the closing brace,
    /// which is left for the caller.
    fn nodes(&mut self, in_block: bool) -> Option<Vec<Node>> {
        let mut nodes = Vec::new();
        loop {
            self.line_space()?;
            match self.peek() {
                None => return (!in_block).then_some(nodes),
                Some(b'}') => return in_block.then_some(nodes),
                Some(b'/') if self.peek_at(1) == Some(b'-') => {
                    self.pos += 2;
                    self.line_space()?;
                    self.base_node()?;
                    // The `kdl` crate takes no `;` after a commented-out
                    // node: left to it, to agree.
                    if self.peek() == Some(b';') {
                        return None;
                    }
                    self.terminator()?;
                }
                Some(_) => {
                    nodes.push(self.base_node()?);
                    self.terminator()?;
                }
            }
        }
    }

    /// The end of a node (a closing brace is left in place).
    fn terminator(&mut self) -> Option<()> {
        match self.peek() {
            None | Some(b'}') => {}
            Some(b';') => self.pos += 1,
            Some(b'\n' | b'\r') => self.newline(),
            Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment()?,
            Some(_) => return None,
        }
        Some(())
    }

    /// A node up to its terminator. Its span, like the `kdl` crate's, runs
    /// from the type annotation or name to the end of the trailing space.
    fn base_node(&mut self) -> Option<Node> {
        let start = self.pos;
        if self.peek() == Some(b'(') {
            // A node's type annotation has no meaning in the language.
            self.annotation()?;
            self.node_space()?;
        }
        let name_start = self.pos;
        let name = self.string()?;
        let name_span = self.span(name_start);
        let mut node = Node {
            name,
            name_span,
            args: Vec::new(),
            props: Vec::new(),
            children: Vec::new(),
            has_block: false,
            span: name_span,
        };
        let (args_start, props_start) = (self.args.len(), self.props.len());
        // Entries come before any children block, commented out or not.
        let mut blocks = false;
        loop {
            let spaced = self.node_space()?;
            match self.peek() {
                None | Some(b'\n' | b'\r' | b';' | b'}') => break,
                Some(b'/') if self.peek_at(1) == Some(b'/') => break,
                Some(b'/') if self.peek_at(1) == Some(b'-') => {
                    if !spaced {
                        return None;
                    }
                    self.pos += 2;
                    self.line_space()?;
                    if self.peek() == Some(b'{') {
                        self.children()?;
                        blocks = true;
                    } else if blocks {
                        return None;
                    } else {
                        self.entry()?;
                    }
                }
                Some(b'{') => {
                    if node.has_block {
                        return None;
                    }
                    node.children = self.children()?;
                    node.has_block = true;
                    blocks = true;
                }
                Some(_) => {
                    if !spaced || blocks {
                        return None;
                    }
                    match self.entry()? {
                        Item::Arg(a) => self.args.push(a),
                        Item::Prop(p) => self.props.push(p),
                    }
                }
            }
        }
        node.args = self.args.split_off(args_start);
        node.props = self.props.split_off(props_start);
        node.span = self.span(start);
        Some(node)
    }

    fn children(&mut self) -> Option<Vec<Node>> {
        self.pos += 1;
        let nodes = self.nodes(true)?;
        self.pos += 1;
        Some(nodes)
    }

    /// An argument or a property.
    fn entry(&mut self) -> Option<Item> {
        let start = self.pos;
        let b = self.peek()?;
        if b == b'(' || self.at_number_or_keyword() {
            let (ty, value) = self.typed_value()?;
            return Some(Item::Arg(Entry {
                ty,
                value,
                span: self.span(start),
            }));
        }
        let text = self.string()?;
        let text_end = self.pos;
        self.node_space()?;
        if self.peek() != Some(b'=') {
            // An argument: the space after it belongs to the node.
            self.pos = text_end;
            return Some(Item::Arg(Entry {
                ty: None,
                value: Literal::Str(text),
                span: self.span(start),
            }));
        }
        let name_span = Span::new(self.file, start, text_end);
        self.pos += 1;
        self.node_space()?;
        let (ty, value) = self.typed_value()?;
        Some(Item::Prop(Prop {
            name: text,
            name_span,
            value: Entry {
                ty,
                value,
                span: self.span(start),
            },
        }))
    }

    /// `(type)? value`.
    fn typed_value(&mut self) -> Option<(Option<SmolStr>, Literal)> {
        let ty = if self.peek() == Some(b'(') {
            let ty = self.annotation()?;
            self.node_space()?;
            Some(ty)
        } else {
            None
        };
        Some((ty, self.value()?))
    }

    /// `( type )`
    fn annotation(&mut self) -> Option<SmolStr> {
        self.pos += 1;
        self.node_space()?;
        let ty = self.string()?;
        self.node_space()?;
        if self.peek() != Some(b')') {
            return None;
        }
        self.pos += 1;
        Some(ty)
    }

    fn at_number_or_keyword(&self) -> bool {
        match self.peek() {
            Some(b'#') => !matches!(self.peek_at(1), Some(b'#' | b'"')),
            Some(b'0'..=b'9') => true,
            Some(b'+' | b'-') => self.peek_at(1).is_some_and(|b| b.is_ascii_digit()),
            _ => false,
        }
    }

    fn value(&mut self) -> Option<Literal> {
        if !self.at_number_or_keyword() {
            return self.string().map(Literal::Str);
        }
        let hash = self.peek() == Some(b'#');
        if hash {
            self.pos += 1;
        }
        let start = self.pos;
        while self.peek().is_some_and(identifier_byte) {
            self.pos += 1;
        }
        let token = &self.text[start..self.pos];
        if hash {
            return match token {
                "true" => Some(Literal::Bool(true)),
                "false" => Some(Literal::Bool(false)),
                "null" => Some(Literal::Null),
                "inf" => Some(Literal::Float(f64::INFINITY)),
                "-inf" => Some(Literal::Float(f64::NEG_INFINITY)),
                "nan" => Some(Literal::Float(f64::NAN)),
                _ => None,
            };
        }
        number(token)
    }

    /// A string: bare identifier, quoted or raw.
    fn string(&mut self) -> Option<SmolStr> {
        match self.peek()? {
            b'"' => self.quoted(),
            b'#' => self.raw(),
            _ => self.identifier(),
        }
    }

    fn identifier(&mut self) -> Option<SmolStr> {
        let start = self.pos;
        self.pos += self.bytes[start..]
            .iter()
            .position(|&b| !identifier_byte(b))
            .unwrap_or(self.bytes.len() - start);
        if self.peek().is_some_and(|b| b >= 0x80) {
            return None;
        }
        let token = &self.text[start..self.pos];
        let bytes = token.as_bytes();
        let unsigned = match bytes.first()? {
            b'+' | b'-' => &bytes[1..],
            _ => bytes,
        };
        // Anything that starts like a number is not an identifier, nor
        // are the keywords without their `#`.
        let numeric = matches!(unsigned, [b'0'..=b'9', ..] | [b'.', b'0'..=b'9', ..]);
        if numeric || matches!(token, "true" | "false" | "null" | "inf" | "-inf" | "nan") {
            return None;
        }
        Some(SmolStr::new(token))
    }

    fn quoted(&mut self) -> Option<SmolStr> {
        if self.bytes[self.pos..].starts_with(b"\"\"\"") {
            return self.multiline(0).map(SmolStr::from);
        }
        self.pos += 1;
        // Most strings are plain printable ASCII up to the closing quote:
        // taken whole, and kept inline when short.
        let start = self.pos;
        let run = self.bytes[start..]
            .iter()
            .position(|&b| CLASS[usize::from(b)] & PLAIN == 0)
            .unwrap_or(self.bytes.len() - start);
        self.pos += run;
        if self.peek() == Some(b'"') {
            self.pos += 1;
            return Some(SmolStr::new(&self.text[start..self.pos - 1]));
        }
        let mut out = String::new();
        let mut run = start;
        loop {
            match self.peek()? {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Some(out.into());
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                b'\n' | b'\r' => return None,
                b => self.plain_char(b)?,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Option<()> {
        self.pos += 1;
        let b = self.peek()?;
        self.pos += 1;
        let c = match b {
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'\\' => '\\',
            b'"' => '"',
            b'b' => '\u{8}',
            b'f' => '\u{C}',
            b's' => ' ',
            b'u' => {
                if self.peek() != Some(b'{') {
                    return None;
                }
                let start = self.pos + 1;
                let end = start + self.bytes[start..].iter().position(|&b| b == b'}')?;
                let digits = &self.text[start..end];
                // Hex digits only: `from_str_radix` would also take a sign.
                if digits.is_empty()
                    || digits.len() > 6
                    || !digits.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return None;
                }
                self.pos = end + 1;
                char::from_u32(u32::from_str_radix(digits, 16).ok()?)?
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                // Escaped whitespace: all of it, newlines included, is
                // dropped. Non-ASCII whitespace is left to the `kdl` crate.
                while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    self.pos += 1;
                }
                return match self.peek() {
                    Some(b) if b >= 0x80 => None,
                    _ => Some(()),
                };
            }
            _ => return None,
        };
        out.push(c);
        Some(())
    }

    /// `#"…"#`, with as many `#` on each side.
    fn raw(&mut self) -> Option<SmolStr> {
        let hashes = self.bytes[self.pos..]
            .iter()
            .take_while(|&&b| b == b'#')
            .count();
        self.pos += hashes;
        if self.bytes[self.pos..].starts_with(b"\"\"\"") {
            return self.multiline(hashes).map(SmolStr::from);
        }
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek()? {
                b'"' if self.hashes_at(self.pos + 1, hashes) => {
                    let text = SmolStr::new(&self.text[start..self.pos]);
                    self.pos += 1 + hashes;
                    return Some(text);
                }
                b'\n' | b'\r' => return None,
                b => self.plain_char(b)?,
            }
        }
    }

    /// `"""` strings, raw (`#"""`) when `hashes` > 0: the lines between
    /// the opening and closing quotes, less the closing line's indentation.
    /// One with an escape is left to the `kdl` crate.
    fn multiline(&mut self, hashes: usize) -> Option<String> {
        self.pos += 3;
        match self.peek()? {
            b'\n' => self.pos += 1,
            b'\r' if hashes == 0 && self.peek_at(1) == Some(b'\n') => self.pos += 2,
            _ => return None,
        }
        let start = self.pos;
        loop {
            match self.peek()? {
                b'"' if self.bytes[self.pos..].starts_with(b"\"\"\"")
                    && self.hashes_at(self.pos + 3, hashes) =>
                {
                    break
                }
                b'\\' if hashes == 0 => return None,
                // Some raw ones with quotes inside are errors to the `kdl`
                // crate: all are left to it.
                b'"' if hashes > 0 => return None,
                // The `kdl` crate takes CRLF in raw multi-line strings for
                // an error: left to it, to agree.
                b'\r' if hashes > 0 || self.peek_at(1) != Some(b'\n') => return None,
                b if b >= 0x80 => {
                    // Unicode whitespace would change which lines count as
                    // blank.
                    let c = self.text[self.pos..].chars().next()?;
                    if c.is_whitespace() {
                        return None;
                    }
                    self.plain_char(b)?;
                }
                b => self.plain_char(b)?,
            }
        }
        let body = &self.text[start..self.pos];
        self.pos += 3 + hashes;
        let blank = |line: &str| line.bytes().all(|b| b == b' ' || b == b'\t');
        let (content, indent) = match body.rfind('\n') {
            Some(i) => (Some(&body[..i]), &body[i + 1..]),
            None => (None, body),
        };
        if !blank(indent) {
            return None;
        }
        let mut out = String::with_capacity(body.len());
        for (n, line) in content.into_iter().flat_map(|c| c.split('\n')).enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if n > 0 {
                out.push('\n');
            }
            if !blank(line) {
                out.push_str(line.strip_prefix(indent)?);
            }
        }
        Some(out)
    }

    /// Whether `count` hashes follow at `at` (a raw string's closing).
    fn hashes_at(&self, at: usize, count: usize) -> bool {
        self.bytes
            .get(at..at + count)
            .is_some_and(|run| run.iter().all(|&b| b == b'#'))
    }

    /// Steps over one character of a string or comment; `None` on a
    /// character KDL forbids or that this parser leaves to the `kdl` crate.
    fn plain_char(&mut self, b: u8) -> Option<()> {
        if b < 0x80 {
            if (b < b' ' && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F {
                return None;
            }
            self.pos += 1;
        } else {
            let c = self.text[self.pos..].chars().next()?;
            if special(c) {
                return None;
            }
            self.pos += c.len_utf8();
        }
        Some(())
    }

    /// Spaces, tabs and block comments; true if there were any.
    fn ws(&mut self) -> Option<bool> {
        let start = self.pos;
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'*') => self.block_comment()?,
                _ => return Some(self.pos > start),
            }
        }
    }

    /// Space within a node: `ws`, and `\` line continuations.
    fn node_space(&mut self) -> Option<bool> {
        let start = self.pos;
        loop {
            self.ws()?;
            if self.peek() != Some(b'\\') {
                return Some(self.pos > start);
            }
            self.pos += 1;
            self.ws()?;
            match self.peek() {
                None => {}
                Some(b'\n' | b'\r') => self.newline(),
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment()?,
                Some(_) => return None,
            }
        }
    }

    /// Space between nodes: node space, newlines and line comments.
    fn line_space(&mut self) -> Option<()> {
        loop {
            self.node_space()?;
            match self.peek() {
                Some(b'\n' | b'\r') => self.newline(),
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment()?,
                _ => return Some(()),
            }
        }
    }

    fn newline(&mut self) {
        self.pos += if self.at(b"\r\n") { 2 } else { 1 };
    }

    /// `// …` and its newline.
    fn line_comment(&mut self) -> Option<()> {
        self.pos += 2;
        loop {
            match self.peek() {
                None => return Some(()),
                Some(b'\n' | b'\r') => {
                    self.newline();
                    return Some(());
                }
                Some(b) => self.plain_char(b)?,
            }
        }
    }

    /// `/* … */`, nested.
    fn block_comment(&mut self) -> Option<()> {
        self.pos += 2;
        let mut depth = 1;
        while depth > 0 {
            if self.at(b"*/") {
                depth -= 1;
                self.pos += 2;
            } else if self.at(b"/*") {
                depth += 1;
                self.pos += 2;
            } else {
                let b = self.peek()?;
                self.plain_char(b)?;
            }
        }
        Some(())
    }
}

/// A number token: decimal, hexadecimal, octal or binary, with `_`
/// separators. Decimals with a fraction or exponent are floats.
fn number(token: &str) -> Option<Literal> {
    let bytes = token.as_bytes();
    let (negative, unsigned) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let radix = match unsigned {
        [b'0', b'x', ..] => 16,
        [b'0', b'o', ..] => 8,
        [b'0', b'b', ..] => 2,
        _ => 10,
    };
    if radix != 10 {
        let digits = &unsigned[2..];
        // The first digit may not be a separator.
        if digits.first().is_none_or(|&b| b == b'_') {
            return None;
        }
        return integer(digits, radix, negative).map(Literal::integer);
    }
    // sign? integer ('.' integer)? (('e' | 'E') sign? integer)?, where an
    // integer is a digit followed by digits and separators.
    let digits_at = |i: usize| {
        if !bytes.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        Some(
            i + bytes[i..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'_')
                .count(),
        )
    };
    let sign = bytes.len() - unsigned.len();
    let mut end = digits_at(sign)?;
    let mut float = false;
    if bytes.get(end) == Some(&b'.') {
        end = digits_at(end + 1)?;
        float = true;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let exponent_sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
        end = digits_at(end + 1 + exponent_sign)?;
        float = true;
    }
    if end != bytes.len() {
        return None;
    }
    if float {
        // The kdl crate reads a float's digits into a 128-bit integer and
        // refuses more than fit (found by the parse fuzz target): longer
        // ones go to it, so both parsers agree.
        if bytes.iter().filter(|b| b.is_ascii_digit()).count() > 38 {
            return None;
        }
        let plain: String = token.chars().filter(|&c| c != '_').collect();
        return plain.parse::<f64>().ok().map(Literal::Float);
    }
    integer(unsigned, 10, negative).map(Literal::integer)
}

/// Digits (and separators) in `radix`; `None` on any other byte or if the
/// value does not fit.
fn integer(digits: &[u8], radix: u32, negative: bool) -> Option<i128> {
    let mut value: i128 = 0;
    for &b in digits {
        if b == b'_' {
            continue;
        }
        let digit = char::from(b).to_digit(radix)?;
        value = value
            .checked_mul(i128::from(radix))?
            .checked_add(i128::from(digit))?;
    }
    Some(if negative { -value } else { value })
}
