//! Writes an `hcl::Body` the way `terraform fmt` lays it out: two-space
//! indentation, `=` aligned across runs of single-line attributes (a run
//! ends at a blank line, a block, or an attribute whose value spans lines),
//! one top-level block after another separated by a blank line.
//! hcl-rs's own printer does not align, which `terraform fmt -check` rejects.

use hcl::expr::{Expression, ObjectKey, TemplateExpr, TraversalOperator};
use hcl::structure::{Body, Structure};
use std::fmt::Write as _;

pub fn format(body: &Body) -> String {
    let mut out = String::with_capacity(256);
    write_body(&mut out, body, 0);
    out
}

/// Escapes text for a quoted HCL string: quotes, backslashes, control
/// characters, and the template introducers `${` and `%{`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
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
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_body(out: &mut String, body: &Body, level: usize) {
    let items: Vec<&Structure> = body.iter().collect();
    let mut i = 0;
    let mut previous_was_block = false;
    while i < items.len() {
        match items[i] {
            Structure::Attribute(_) => {
                if previous_was_block {
                    out.push('\n');
                }
                // A run of attributes; alignment restarts after each
                // multi-line value.
                let start = i;
                while i < items.len() && matches!(items[i], Structure::Attribute(_)) {
                    i += 1;
                }
                write_attributes(out, &items[start..i], level);
                previous_was_block = false;
            }
            Structure::Block(block) => {
                if i > 0 {
                    out.push('\n');
                }
                indent(out, level);
                out.push_str(block.identifier.as_str());
                for label in &block.labels {
                    out.push_str(" \"");
                    out.push_str(&escape(label.as_str()));
                    out.push('"');
                }
                if block.body.iter().next().is_none() {
                    out.push_str(" {}\n");
                } else {
                    out.push_str(" {\n");
                    write_body(out, &block.body, level + 1);
                    indent(out, level);
                    out.push_str("}\n");
                }
                previous_was_block = true;
                i += 1;
            }
        }
    }
}

fn write_attributes(out: &mut String, attrs: &[&Structure], level: usize) {
    let run: Vec<(String, &Expression)> = attrs
        .iter()
        .filter_map(|s| match s {
            Structure::Attribute(a) => Some((a.key.as_str().to_string(), &a.expr)),
            Structure::Block(_) => None,
        })
        .collect();
    write_assignments(out, &run, level);
}

/// `key = value` lines. Like `terraform fmt`, aligns the `=` of each run of
/// single-line values; a value that opens a bracket at the end of its line
/// is not part of any run and keeps one space.
fn write_assignments(out: &mut String, run: &[(String, &Expression)], level: usize) {
    let mut start = 0;
    while start < run.len() {
        if is_multiline(run[start].1) {
            indent(out, level);
            out.push_str(&run[start].0);
            out.push_str(" = ");
            write_expr(out, run[start].1, level);
            out.push('\n');
            start += 1;
            continue;
        }
        let mut end = start;
        while end < run.len() && !is_multiline(run[end].1) {
            end += 1;
        }
        let group = &run[start..end];
        let width = group
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (k, e) in group {
            indent(out, level);
            out.push_str(k);
            for _ in k.chars().count()..width {
                out.push(' ');
            }
            out.push_str(" = ");
            write_expr(out, e, level);
            out.push('\n');
        }
        start = end;
    }
}

fn is_multiline(e: &Expression) -> bool {
    match e {
        Expression::Object(o) => !o.is_empty(),
        Expression::Array(a) => array_is_multiline(a),
        _ => false,
    }
}

fn array_is_multiline(items: &[Expression]) -> bool {
    items.len() > 4
        || items.iter().any(|i| {
            matches!(i, Expression::Object(_) | Expression::Array(_))
                || matches!(i, Expression::Traversal(_)) && items.len() > 1
        })
}

fn write_expr(out: &mut String, e: &Expression, level: usize) {
    match e {
        Expression::Null => out.push_str("null"),
        Expression::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expression::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Expression::String(s) => {
            out.push('"');
            out.push_str(&escape(s));
            out.push('"');
        }
        Expression::TemplateExpr(t) => match t.as_ref() {
            TemplateExpr::QuotedString(raw) => {
                out.push('"');
                out.push_str(raw);
                out.push('"');
            }
            TemplateExpr::Heredoc(_) => unreachable!("the backend writes no heredocs"),
        },
        Expression::Variable(v) => out.push_str(v.as_str()),
        Expression::Traversal(t) => {
            write_expr(out, &t.expr, level);
            for op in &t.operators {
                match op {
                    TraversalOperator::GetAttr(id) => {
                        out.push('.');
                        out.push_str(id.as_str());
                    }
                    TraversalOperator::Index(ix) => {
                        out.push('[');
                        write_expr(out, ix, level);
                        out.push(']');
                    }
                    TraversalOperator::LegacyIndex(n) => {
                        let _ = write!(out, ".{n}");
                    }
                    TraversalOperator::AttrSplat | TraversalOperator::FullSplat => {
                        out.push_str(".*")
                    }
                }
            }
        }
        Expression::FuncCall(f) => {
            out.push_str(f.name.name.as_str());
            out.push('(');
            for (i, a) in f.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, a, level);
            }
            out.push(')');
        }
        Expression::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
            } else if array_is_multiline(items) {
                out.push_str("[\n");
                for item in items {
                    indent(out, level + 1);
                    write_expr(out, item, level + 1);
                    out.push_str(",\n");
                }
                indent(out, level);
                out.push(']');
            } else {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_expr(out, item, level);
                }
                out.push(']');
            }
        }
        Expression::Object(obj) => {
            if obj.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            let entries: Vec<(String, &Expression)> =
                obj.iter().map(|(k, v)| (object_key(k), v)).collect();
            write_assignments(out, &entries, level + 1);
            indent(out, level);
            out.push('}');
        }
        other => unreachable!("the backend writes no {other:?}"),
    }
}

fn object_key(k: &ObjectKey) -> String {
    match k {
        ObjectKey::Identifier(id) => id.as_str().to_string(),
        ObjectKey::Expression(Expression::String(s)) => format!("\"{}\"", escape(s)),
        ObjectKey::Expression(e) => {
            let mut s = String::new();
            write_expr(&mut s, e, 0);
            s
        }
        _ => unreachable!("object keys are identifiers or expressions"),
    }
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
    }
}
