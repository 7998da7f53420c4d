//! `rewrite FROM to=PATH`: internal rewrites, tried before the routes.

use super::*;

impl Lowerer<'_> {
    /// `rewrite FROM to=TO [exact=#true|regex=#true]`.
    pub(super) fn rewrite(&mut self, c: &IChild) -> Option<Rewrite> {
        self.only(c, "a rewrite", &["to", "exact", "regex"]);
        let flag = |s: &mut Self, name: &str| match c.props.iter().find(|p| p.name == name) {
            Some(p) => s.boolean(&p.value, name),
            None => Some(false),
        };
        let (exact, regex) = (flag(self, "exact")?, flag(self, "regex")?);
        let matching = self.matching(c, exact, regex, "a rewrite")?;
        let args = self.args(c);
        let [from] = args.as_slice() else {
            self.bad(
                c.span,
                "a rewrite takes the path it matches".into(),
                "expected `rewrite \"/from\" to=\"/to\"`",
                "write `rewrite \"/docs/latest\" to=\"/docs/v3\"`",
            );
            return None;
        };
        let mut groups = 0;
        let from_text = if regex {
            let pattern = self.text(from, "a rewrite's regular expression")?;
            match portable_regex(&pattern) {
                Ok(n) => groups = n,
                Err(why) => {
                    self.bad(
                        from.span,
                        format!("`{pattern}` is not a regular expression both engines read alike: {why}"),
                        "not portable",
                        "use literals, `.`, classes like `[^/]`, groups `( )` and `(?: )`, `|`, `* + ?`, `^ $`, `\\d \\w \\s` and a leading `(?i)`",
                    );
                    return None;
                }
            }
            pattern
        } else {
            self.path(from, "a rewrite's path")?
        };
        let Some(to) = c.props.iter().find(|p| p.name == "to") else {
            self.missing(c.span, "a rewrite needs `to`", "add `to=\"/new/path\"`");
            return None;
        };
        let to_text = self.text(&to.value, "a rewrite's target")?;
        let literal: String = if regex {
            let mut s = to_text.clone();
            for n in 1..=9 {
                s = s.replace(&format!("${n}"), "x");
            }
            s
        } else {
            to_text.clone()
        };
        if !is_route_path(&literal) || literal.contains('$') {
            self.bad(
                to.value.span,
                format!("`{to_text}` is not a path to rewrite to"),
                "expected a request path",
                "a rewrite's target is a path of the site (`/docs/v3`), without a query; to send the client elsewhere, use `redirect`",
            );
            return None;
        }
        if let Some(n) = capture_references(&to_text)
            .into_iter()
            .find(|n| regex && *n > groups)
        {
            self.bad(
                to.value.span,
                format!("`${n}` names a group the rewrite's expression does not have"),
                &format!("the expression has {groups} group(s)"),
                "`$1` is the text the first `( )` matched, `$2` the second…",
            );
            return None;
        }
        Some(Rewrite {
            from: from_text,
            matching,
            to: to_text,
            span: c.span,
        })
    }
}
