//! What `${…}` may hold beyond a name: `!`, `==` and `!=`, string and list
//! functions (Terraform's names), quoted strings, numbers and `true`/
//! `false`. Parsed when lowering; evaluated when expanding, on the values
//! infrac knows then (variables, parameters, `index`, `each`).
//!
//! ```text
//! expr    = unary [("==" | "!=") unary]
//! unary   = "!" unary | primary
//! primary = NUMBER | STRING | "true" | "false" | NAME "(" [expr {"," expr}] ")"
//!         | NAME | "(" expr ")"
//! ```

use crate::model::Part;

/// An interpolation that is more than one name.
#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    /// A name: `var.x`, `secret.x`, `kind.name.attr`, a parameter.
    Operand(Part),
    Str(String),
    Int(i64),
    Bool(bool),
    Not(Box<Formula>),
    /// `left == right` (`equal`) or `left != right`.
    Compare {
        left: Box<Formula>,
        right: Box<Formula>,
        equal: bool,
    },
    Call {
        function: String,
        args: Vec<Formula>,
    },
}

/// The functions `${…}` may call, with how many arguments each takes
/// (`usize::MAX`: any number from the minimum).
pub const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("lower", 1, 1),
    ("upper", 1, 1),
    ("trimspace", 1, 1),
    ("replace", 3, 3),
    ("join", 2, 2),
    ("split", 2, 2),
    ("format", 1, usize::MAX),
    ("formatlist", 1, usize::MAX),
    ("length", 1, 1),
    ("contains", 2, 2),
];

/// Parses the inside of `${…}`; `classify` makes the parts of names.
pub fn parse(text: &str, classify: impl Fn(&str) -> Option<Part>) -> Result<Formula, String> {
    let mut p = Parser {
        text,
        pos: 0,
        classify: &classify,
        depth: 0,
    };
    let f = p.expr()?;
    p.space();
    if p.pos < text.len() {
        return Err(format!(
            "unexpected `{}` in `${{{text}}}`",
            &text[p.pos..].chars().next().unwrap_or(' ')
        ));
    }
    Ok(f)
}

struct Parser<'t, 'c> {
    text: &'t str,
    pos: usize,
    classify: &'c dyn Fn(&str) -> Option<Part>,
    /// Nesting of `(` and `!`: bounded, so no input can exhaust the stack.
    depth: usize,
}

const MAX_DEPTH: usize = 32;

impl Parser<'_, '_> {
    fn space(&mut self) {
        while self.text[self.pos..].starts_with([' ', '\t']) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        self.space();
        if self.text[self.pos..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Formula, String> {
        let left = self.unary()?;
        for (op, equal) in [("==", true), ("!=", false)] {
            if self.eat(op) {
                let right = self.unary()?;
                return Ok(Formula::Compare {
                    left: Box::new(left),
                    right: Box::new(right),
                    equal,
                });
            }
        }
        Ok(left)
    }

    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("`${{{}}}` nests too deeply", self.text));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Formula, String> {
        if self.eat("!") {
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Formula::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Formula, String> {
        self.space();
        let rest = &self.text[self.pos..];
        if rest.starts_with('(') {
            self.pos += 1;
            self.deeper()?;
            let inner = self.expr()?;
            self.depth -= 1;
            if !self.eat(")") {
                return Err(format!("a `(` is not closed in `${{{}}}`", self.text));
            }
            return Ok(inner);
        }
        if rest.starts_with('"') {
            return self.string();
        }
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        if word.is_empty() {
            return Err(match rest.chars().next() {
                Some(c) => format!("unexpected `{c}` in `${{{}}}`", self.text),
                None => format!("`${{{}}}` ends where a value is expected", self.text),
            });
        }
        self.pos += len;
        if word.bytes().all(|b| b.is_ascii_digit()) {
            return word
                .parse()
                .map(Formula::Int)
                .map_err(|_| format!("`{word}` is too large a number"));
        }
        match word {
            "true" => return Ok(Formula::Bool(true)),
            "false" => return Ok(Formula::Bool(false)),
            _ => {}
        }
        if self.eat("(") {
            return self.call(word);
        }
        (self.classify)(word)
            .map(Formula::Operand)
            .ok_or_else(|| format!("`{word}` is not a name or a reference"))
    }

    fn call(&mut self, function: &str) -> Result<Formula, String> {
        let Some(&(_, min, max)) = FUNCTIONS.iter().find(|(f, ..)| *f == function) else {
            let names: Vec<&str> = FUNCTIONS.iter().map(|(f, ..)| *f).collect();
            return Err(format!(
                "`{function}` is not a function infrac knows ({})",
                names.join(", ")
            ));
        };
        self.deeper()?;
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.expr()?);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return Err(format!(
                        "expected `,` or `)` in the arguments of `{function}`"
                    ));
                }
            }
        }
        self.depth -= 1;
        if args.len() < min || args.len() > max {
            let wants = match (min, max) {
                (n, m) if n == m => format!("{n}"),
                (n, _) => format!("at least {n}"),
            };
            return Err(format!(
                "`{function}` takes {wants} argument(s), not {}",
                args.len()
            ));
        }
        Ok(Formula::Call {
            function: function.to_string(),
            args,
        })
    }

    /// `"…"` with `\"` and `\\` escapes.
    fn string(&mut self) -> Result<Formula, String> {
        let mut out = String::new();
        let mut chars = self.text[self.pos + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += 1 + i + 1;
                    return Ok(Formula::Str(out));
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    _ => {
                        return Err("in `${…}` strings, `\\` escapes only `\"` and `\\`".to_string())
                    }
                },
                c => out.push(c),
            }
        }
        Err(format!("a string is not closed in `${{{}}}`", self.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> Option<Part> {
        Some(Part::Local(s.to_string()))
    }

    #[test]
    fn parses_conditions_and_calls() {
        assert_eq!(
            parse("!apex", local),
            Ok(Formula::Not(Box::new(Formula::Operand(Part::Local(
                "apex".into()
            )))))
        );
        assert_eq!(
            parse(r#"env == "prod""#, local),
            Ok(Formula::Compare {
                left: Box::new(Formula::Operand(Part::Local("env".into()))),
                right: Box::new(Formula::Str("prod".into())),
                equal: true,
            })
        );
        assert_eq!(
            parse(r#"replace(host, ".", "-")"#, local),
            Ok(Formula::Call {
                function: "replace".into(),
                args: vec![
                    Formula::Operand(Part::Local("host".into())),
                    Formula::Str(".".into()),
                    Formula::Str("-".into()),
                ],
            })
        );
        assert!(parse("lower(a, b)", local).unwrap_err().contains("takes 1"));
        assert!(parse("nope(a)", local)
            .unwrap_err()
            .contains("not a function"));
        assert!(parse("a ==", local).is_err());
        assert!(parse("(a", local).is_err());
        assert!(parse(r#""open"#, local).is_err());
        assert!(parse(&"!".repeat(100), local)
            .unwrap_err()
            .contains("too deeply"));
        assert!(parse(&format!("{}a{}", "(".repeat(100), ")".repeat(100)), local).is_err());
    }
}
