//! Reading evaluated values into a stage's model (sites, workloads): the
//! checks every such stage makes, each with its diagnostic. A stage
//! implements the trait with its own error code and wording.

use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::expand::{IChild, SValue, TPart, Value};
use crate::source::Span;

pub trait ReadValues {
    fn diags(&mut self) -> &mut Diagnostics;
    /// The code of an invalid value.
    const INVALID: Code;
    /// How to give a secret to this stage instead.
    const SECRET_HELP: &'static str;
    /// Why a reference cannot be a value here, and what to write instead.
    const REF_HELP: &'static str;
    /// Whether `what` may span several lines.
    fn multi_line(_what: &str) -> bool {
        false
    }

    fn bad(&mut self, span: Span, message: String, label: &str, help: &str) {
        self.diags().push(
            Diagnostic::error(Self::INVALID, message)
                .at(span, label)
                .help(help),
        );
    }

    /// A scalar as text: one line of printable text (or several, where
    /// the stage allows), never a secret or a reference.
    fn text(&mut self, v: &SValue, what: &str) -> Option<String> {
        match &v.value {
            Value::Str(s) if is_text(s) || (Self::multi_line(what) && is_body(s)) => {
                Some(s.to_string())
            }
            Value::Str(_) => {
                self.bad(
                    v.span,
                    format!("{what} contains a control character or an invisible line break"),
                    "newline or control character here",
                    "a value must be one line of printable text",
                );
                None
            }
            Value::Secret(_) | Value::Template(_) if contains_secret(&v.value) => {
                self.diags().push(
                    Diagnostic::error(Code::SecretMisuse, format!("a secret cannot be {what}"))
                        .at(v.span, "would be written in plain text")
                        .help(Self::SECRET_HELP),
                );
                None
            }
            Value::Ref(_) | Value::Template(_) => {
                self.bad(
                    v.span,
                    format!("{what} cannot hold a reference"),
                    "known only after `terraform apply`",
                    Self::REF_HELP,
                );
                None
            }
            other => match other.as_text() {
                Some(t) => Some(t),
                None => {
                    self.wrong_type(v, what, "a string");
                    None
                }
            },
        }
    }

    fn wrong_type(&mut self, v: &SValue, what: &str, expected: &str) {
        self.diags().push(
            Diagnostic::error(
                Code::WrongType,
                format!("{what} must be {expected}, not a {}", v.value.type_name()),
            )
            .at(v.span, format!("expected {expected}"))
            .help(format!("write {what} as {expected}")),
        );
    }

    fn boolean(&mut self, v: &SValue, what: &str) -> Option<bool> {
        match &v.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s == "true" || s == "false" => Some(s == "true"),
            _ => {
                self.wrong_type(v, what, "#true or #false");
                None
            }
        }
    }

    fn number(
        &mut self,
        v: &SValue,
        what: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let n = match &v.value {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                self.bad(
                    v.span,
                    format!("{what} {n} is out of range"),
                    "out of range",
                    &format!("{what} is between {} and {}", range.start(), range.end()),
                );
                None
            }
            None => {
                self.wrong_type(v, what, "a number");
                None
            }
        }
    }

    fn one_of<T: Copy>(&mut self, v: &SValue, what: &str, choices: &[(&str, T)]) -> Option<T> {
        let text = self.text(v, what)?;
        if let Some((_, t)) = choices.iter().find(|(n, _)| *n == text) {
            return Some(*t);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        self.diags().push(
            Diagnostic::error(
                Code::BadEnumValue,
                format!("`{text}` is not a valid {what}"),
            )
            .at(v.span, format!("expected one of: {}", names.join(", ")))
            .help(suggest(
                &text,
                &names,
                &format!("{what} is one of: {}", names.join(", ")),
            )),
        );
        None
    }

    fn unknown(&mut self, span: Span, name: &str, what: &str, known: &[&str]) {
        let fallback = if known.is_empty() {
            format!("{what} takes no `{name}`: remove it")
        } else {
            format!("{what} takes: {}", known.join(", "))
        };
        self.diags().push(
            Diagnostic::error(Code::UnknownAttribute, format!("{what} has no `{name}`"))
                .at(span, "unknown here")
                .help(suggest(name, known, &fallback)),
        );
    }

    /// Reports the properties of `c` other than `props`, and all of its
    /// children: nothing written is silently dropped.
    fn only(&mut self, c: &IChild, what: &str, props: &[&str]) {
        for p in &c.props {
            if !props.contains(&p.name.as_str()) {
                self.unknown(p.name_span, &p.name, what, props);
            }
        }
        for ch in &c.children {
            self.unknown(ch.name_span, &ch.name, what, &[]);
        }
    }

    /// The values of a child's arguments, lists flattened.
    fn args<'v>(&self, c: &'v IChild) -> Vec<&'v SValue> {
        let mut out = Vec::new();
        for a in &c.args {
            match &a.value {
                Value::List(items) => out.extend(items.iter()),
                _ => out.push(a),
            }
        }
        out
    }
}

/// Free text: anything but control characters (a newline would end a
/// directive, a header or a YAML scalar's line), Unicode's line and
/// paragraph separators (line breaks to YAML) and the byte-order mark.
pub fn is_text(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() || is_invisible_break(c))
}

/// Free text that may span lines (a response body, a config file).
pub fn is_body(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || is_invisible_break(c))
}

fn is_invisible_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

pub fn contains_secret(v: &Value) -> bool {
    match v {
        Value::Secret(_) => true,
        Value::Template(parts) => parts.iter().any(|p| matches!(p, TPart::Secret(_))),
        _ => false,
    }
}
