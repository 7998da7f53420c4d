//! Writes Terraform files as text, laid out the way `terraform fmt` does:
//! two-space indentation; `=` aligned across each run of single-line
//! attributes (a run ends at a blank line, a block, or a value that opens a
//! bracket at the end of its line, which keeps a single space); a blank line
//! between blocks. hcl-rs's own printer does not align, which
//! `terraform fmt -check` rejects; writing straight from the plan also
//! avoids building a syntax tree for every resource.

use super::{Sink, Val};
use crate::plan::{PPart, PValue};
use std::fmt::Write as _;

/// Escapes text for a quoted HCL string: quotes, backslashes, control
/// characters, and the template introducers `${` and `%{`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    escape_into(&mut out, s);
    out
}

pub fn escape_into(out: &mut String, s: &str) {
    // Printable ASCII without quotes, backslashes or template introducers
    // goes through as is (almost every value); anything else, non-ASCII
    // included, is looked at character by character.
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b'$' | b'%'))
    {
        out.push_str(s);
        return;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
}

struct Level<'a> {
    pending: Vec<(&'a str, Val<'a>)>,
    /// Something (an attribute run or a block) was written at this level.
    wrote: bool,
    last_was_block: bool,
    /// Where ` {\n` of this block starts, to turn it into ` {}` if empty.
    open_at: usize,
}

pub struct TextSink<'a> {
    pub out: String,
    idents: &'a [(&'a str, &'a str)],
    levels: Vec<Level<'a>>,
    /// Emptied attribute lists of closed blocks, reused by the next ones.
    spare: Vec<Vec<(&'a str, Val<'a>)>>,
}

impl<'a> TextSink<'a> {
    pub fn new(header: &str, idents: &'a [(&'a str, &'a str)], capacity: usize) -> TextSink<'a> {
        let mut out = String::with_capacity(header.len() + capacity);
        out.push_str(header);
        TextSink {
            out,
            idents,
            levels: vec![Level {
                pending: Vec::new(),
                wrote: false,
                last_was_block: false,
                open_at: 0,
            }],
            spare: Vec::new(),
        }
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.out
    }

    fn depth(&self) -> usize {
        self.levels.len() - 1
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    fn flush(&mut self) {
        let level = self.depth();
        let top = self.levels.last_mut().expect("a level");
        if top.pending.is_empty() {
            return;
        }
        let mut pending = std::mem::take(&mut top.pending);
        let blank = top.last_was_block;
        top.wrote = true;
        top.last_was_block = false;
        if blank {
            self.out.push('\n');
        }
        self.assignments(&pending, level);
        pending.clear();
        self.spare.push(pending);
    }

    fn assignments(&mut self, run: &[(&str, Val<'_>)], level: usize) {
        let mut start = 0;
        while start < run.len() {
            if multiline(&run[start].1) {
                self.indent(level);
                self.out.push_str(run[start].0);
                self.out.push_str(" = ");
                self.val(&run[start].1, level);
                self.out.push('\n');
                start += 1;
                continue;
            }
            let mut end = start;
            while end < run.len() && !multiline(&run[end].1) {
                end += 1;
            }
            let width = run[start..end]
                .iter()
                .map(|(k, _)| chars(k))
                .max()
                .unwrap_or(0);
            for (k, v) in &run[start..end] {
                self.indent(level);
                self.out.push_str(k);
                for _ in chars(k)..width {
                    self.out.push(' ');
                }
                self.out.push_str(" = ");
                self.val(v, level);
                self.out.push('\n');
            }
            start = end;
        }
    }

    fn val(&mut self, v: &Val<'_>, level: usize) {
        match v {
            Val::Str(s) => self.string(s),
            Val::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Val::Keyword(k) => self.out.push_str(k),
            Val::Address(ty, id) => {
                self.out.push_str(ty);
                self.out.push('.');
                self.out.push_str(id);
            }
            Val::Addresses(items) => {
                let vals: Vec<Val<'_>> = items.iter().map(|(t, i)| Val::Address(t, i)).collect();
                self.array(&vals, level);
            }
            Val::Keywords(items) => {
                let vals: Vec<Val<'_>> = items.iter().map(|k| Val::Keyword(k)).collect();
                self.array(&vals, level);
            }
            Val::Object(entries) => {
                let keyed: Vec<(String, &Val<'_>)> =
                    entries.iter().map(|(k, v)| (object_key(k), v)).collect();
                self.object(keyed.iter().map(|(k, v)| (k.as_str(), *v)), level);
            }
            Val::Plan(p) => self.plan(p, level),
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        escape_into(&mut self.out, s);
        self.out.push('"');
    }

    fn reference(&mut self, target: usize, attr: &str) {
        let (ty, id) = self.idents[target];
        self.out.push_str(ty);
        self.out.push('.');
        self.out.push_str(id);
        self.out.push('.');
        self.out.push_str(attr);
    }

    fn plan(&mut self, p: &PValue, level: usize) {
        match p {
            PValue::Null => self.out.push_str("null"),
            PValue::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            PValue::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            PValue::Float(f) => {
                let _ = write!(self.out, "{f}");
            }
            PValue::Str(s) => self.string(s),
            PValue::Ref { target, attr } => self.reference(*target, attr),
            PValue::Secret(name) => {
                self.out.push_str("var.");
                self.out.push_str(name);
            }
            PValue::Template(parts) => {
                self.out.push('"');
                for part in parts {
                    match part {
                        PPart::Lit(s) => escape_into(&mut self.out, s),
                        PPart::Ref { target, attr } => {
                            self.out.push_str("${");
                            self.reference(*target, attr);
                            self.out.push('}');
                        }
                        PPart::Secret(name) => {
                            self.out.push_str("${var.");
                            self.out.push_str(name);
                            self.out.push('}');
                        }
                    }
                }
                self.out.push('"');
            }
            PValue::List(items) => {
                let vals: Vec<Val<'_>> = items.iter().map(Val::Plan).collect();
                self.array(&vals, level);
            }
            PValue::Map(items) => {
                let keyed: Vec<(String, Val<'_>)> = items
                    .iter()
                    .map(|(k, v)| (object_key(k), Val::Plan(v)))
                    .collect();
                self.object(keyed.iter().map(|(k, v)| (k.as_str(), v)), level);
            }
        }
    }

    fn array(&mut self, items: &[Val<'_>], level: usize) {
        if items.is_empty() {
            self.out.push_str("[]");
        } else if array_multiline(items) {
            self.out.push_str("[\n");
            for item in items {
                self.indent(level + 1);
                self.val(item, level + 1);
                self.out.push_str(",\n");
            }
            self.indent(level);
            self.out.push(']');
        } else {
            self.out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.val(item, level);
            }
            self.out.push(']');
        }
    }

    fn object<'v>(&mut self, entries: impl Iterator<Item = (&'v str, &'v Val<'v>)>, level: usize) {
        let run: Vec<(&str, Val<'_>)> = entries.map(|(k, v)| (k, v.clone())).collect();
        if run.is_empty() {
            self.out.push_str("{}");
            return;
        }
        self.out.push_str("{\n");
        self.assignments(&run, level + 1);
        self.indent(level);
        self.out.push('}');
    }
}

impl<'a> Sink<'a> for TextSink<'a> {
    fn open(&mut self, ident: &'a str, labels: &[&'a str]) {
        self.flush();
        let level = self.depth();
        let top = self.levels.last_mut().expect("a level");
        let blank = top.wrote;
        top.wrote = true;
        top.last_was_block = true;
        if blank {
            self.out.push('\n');
        }
        self.indent(level);
        self.out.push_str(ident);
        for l in labels {
            self.out.push(' ');
            self.string(l);
        }
        let open_at = self.out.len();
        self.out.push_str(" {\n");
        let pending = self.spare.pop().unwrap_or_default();
        self.levels.push(Level {
            pending,
            wrote: false,
            last_was_block: false,
            open_at,
        });
    }

    fn attr(&mut self, key: &'a str, value: Val<'a>) {
        self.levels
            .last_mut()
            .expect("a level")
            .pending
            .push((key, value));
    }

    fn close(&mut self) {
        self.flush();
        let level = self.levels.pop().expect("an open block");
        if !level.wrote {
            self.out.truncate(level.open_at);
            self.out.push_str(" {}\n");
            return;
        }
        let depth = self.depth();
        self.indent(depth);
        self.out.push_str("}\n");
    }
}

/// Characters in a key (keys are almost always ASCII: their length).
fn chars(k: &str) -> usize {
    if k.is_ascii() {
        k.len()
    } else {
        k.chars().count()
    }
}

fn multiline(v: &Val<'_>) -> bool {
    match v {
        Val::Object(o) => !o.is_empty(),
        Val::Addresses(a) => a.len() > 1,
        Val::Plan(PValue::Map(m)) => !m.is_empty(),
        Val::Plan(PValue::List(items)) => {
            let vals: Vec<Val<'_>> = items.iter().map(Val::Plan).collect();
            array_multiline(&vals)
        }
        _ => false,
    }
}

fn is_traversal(v: &Val<'_>) -> bool {
    matches!(
        v,
        Val::Address(..) | Val::Plan(PValue::Ref { .. } | PValue::Secret(_))
    )
}

/// Short lists of scalars stay on one line; long lists, nested
/// collections and several references get a line per element.
fn array_multiline(items: &[Val<'_>]) -> bool {
    items.len() > 4
        || items.iter().any(|i| {
            matches!(
                i,
                Val::Object(_) | Val::Addresses(_) | Val::Plan(PValue::List(_) | PValue::Map(_))
            )
        })
        || items.len() > 1 && items.iter().any(is_traversal)
}

/// Object keys that are plain identifiers stay bare; anything else (a
/// label with `-` or `.`) is quoted.
pub fn object_key(k: &str) -> String {
    if bare_key(k) {
        k.to_string()
    } else {
        let mut s = String::with_capacity(k.len() + 2);
        s.push('"');
        escape_into(&mut s, k);
        s.push('"');
        s
    }
}

pub fn bare_key(k: &str) -> bool {
    k.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_hostile_strings() {
        assert_eq!(escape(r#"a"b"#), r#"a\"b"#);
        assert_eq!(escape("${x}"), "$${x}");
        assert_eq!(escape("%{if}"), "%%{if}");
        assert_eq!(escape("a\nb\\"), "a\\nb\\\\");
        assert_eq!(escape("$5 and 100%"), "$5 and 100%");
        assert_eq!(escape("\u{1}"), "\\u0001");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("café"), "café");
        assert_eq!(escape("a\u{85}b"), "a\\u0085b");
        assert_eq!(escape("\u{7f}"), "\\u007F");
    }
}
