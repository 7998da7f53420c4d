//! What text may go where in a site. Host names, paths and header names are
//! restricted to what both engines read literally; free text (header
//! values, redirect targets, bodies) may hold anything printable and is
//! escaped by each backend's one quoting function.

/// A DNS name, optionally starting with `*.`; lowercase.
pub fn is_host(s: &str) -> bool {
    let name = s.strip_prefix("*.").unwrap_or(s);
    !name.is_empty()
        && s.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// A route path: starts with `/`, URL path characters only. `*`, `%`,
/// `?`, `#`, braces, quotes and spaces are excluded: the engines give them
/// meanings (wildcards, placeholders, decoding) that differ.
pub fn is_route_path(s: &str) -> bool {
    s.starts_with('/')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()+,;=:@/".contains(&b))
}

/// An HTTP header name (an RFC 9110 token).
pub fn is_header_name(s: &str) -> bool {
    // An RFC 9110 token, less what a server's config reads specially: a
    // leading `-` or `+` (Caddy deletes or adds the header), `#` (an nginx
    // comment), `$` (an nginx variable), quotes and backticks. Every header
    // in use starts with a letter or digit.
    s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!%&*+.^_|~-".contains(&b))
}

pub use crate::read::{is_body, is_text};

/// An absolute file system path of ordinary characters (no spaces,
/// quotes, `$`, braces, `;` or `#`, which config formats treat specially).
pub fn is_file_path(s: &str) -> bool {
    s.starts_with('/')
        && s.len() > 1
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/+,=:@%".contains(&b))
}

/// A redirect target: an absolute http(s) URL or a path.
pub fn is_redirect_target(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let ok_chars = is_text(s) && !s.contains(char::is_whitespace);
    match rest {
        Some(r) => ok_chars && !r.is_empty() && !r.starts_with('/'),
        None => ok_chars && s.starts_with('/'),
    }
}

/// `10m`, `512k`, `1g` or a number of bytes; sizes are binary (KiB…).
pub fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 1024),
        b'm' | b'M' => (&s[..s.len() - 1], 1024 * 1024),
        b'g' | b'G' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// `host:port` of a literal upstream (`127.0.0.1:3000`, `[::1]:80`,
/// `api.internal:8080`).
pub fn parse_address(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p > 0)?;
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().ok()?.to_string(),
        None if host.parse::<std::net::Ipv4Addr>().is_ok() => host.to_string(),
        None if is_host(host) && !host.starts_with("*.") => host.to_string(),
        None => return None,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(is_host("wesync.net"));
        assert!(is_host("*.insync.io"));
        assert!(is_host("localhost"));
        for bad in [
            "",
            "Wesync.net",
            "a..b",
            "-a.b",
            "a b",
            "a;b",
            "*",
            "a.*.b",
            "a{b",
            "a\nb",
        ] {
            assert!(!is_host(bad), "{bad:?}");
        }
    }

    #[test]
    fn paths() {
        assert!(is_route_path("/"));
        assert!(is_route_path("/license"));
        assert!(is_route_path("/a;b/$x'"));
        for bad in [
            "", "api", "/a b", "/a*", "/a%20", "/a{b}", "/a\"", "/a#b", "/a?b", "/a\\b",
        ] {
            assert!(!is_route_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10m"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("m"), None);
        assert_eq!(parse_size("10 m"), None);
        assert_eq!(parse_size("99999999999999999999g"), None);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("127.0.0.1:3000"),
            Some(("127.0.0.1".into(), 3000))
        );
        assert_eq!(parse_address("[::1]:80"), Some(("::1".into(), 80)));
        assert_eq!(
            parse_address("api.internal:8080"),
            Some(("api.internal".into(), 8080))
        );
        for bad in ["127.0.0.1", "a:0", "a:70000", "a b:1", "[zz]:1", "*.a:1"] {
            assert_eq!(parse_address(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn redirect_targets() {
        assert!(is_redirect_target("https://www.insynchq.com"));
        assert!(is_redirect_target("/new"));
        for bad in [
            "www.x.com",
            "https://",
            "https:///x",
            "https://a b",
            "ftp://x",
        ] {
            assert!(!is_redirect_target(bad), "{bad:?}");
        }
    }
}

/// A media type as a `Content-Type` value: `type/subtype`, then
/// `; name=value` parameters, of token characters.
pub fn is_media_type(s: &str) -> bool {
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let mut parts = s.split(';');
    let Some((ty, sub)) = parts.next().and_then(|m| m.trim().split_once('/')) else {
        return false;
    };
    token(ty)
        && token(sub)
        && parts.all(|p| {
            p.trim()
                .split_once('=')
                .is_some_and(|(k, v)| token(k) && token(v.trim_matches('"')))
        })
}

/// A literal as a regular expression (PCRE and RE2 alike).
pub fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if ".^$*+?()[]{}|\\/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Checks a route's regular expression against the subset PCRE (nginx)
/// and Go's RE2 (Caddy) read alike: literals, `.`, classes (`[a-z]`,
/// `[^/]`), groups (`( )`, `(?: )`), `|`, `*` `+` `?` (and their lazy
/// forms), `^` `$`, the escapes `\d \w \s \D \W \S` and escaped
/// punctuation, and a leading `(?i)`. Braces are left out: Caddy's config
/// reads them as placeholders. Gives the number of capturing groups.
pub fn portable_regex(s: &str) -> Result<usize, String> {
    let body = s.strip_prefix("(?i)").unwrap_or(s);
    if body.is_empty() {
        return Err("the expression is empty".into());
    }
    let mut groups = 0;
    let mut depth: Vec<bool> = Vec::new();
    let mut chars = body.chars().peekable();
    let mut can_repeat = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d' | 'w' | 's' | 'D' | 'W' | 'S') => can_repeat = true,
                Some(e) if e.is_ascii_punctuation() => can_repeat = true,
                Some(e) => return Err(format!("`\\{e}` is not read alike by both engines")),
                None => return Err("it ends in a lone `\\`".into()),
            },
            '[' => {
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                let mut first = true;
                loop {
                    match chars.next() {
                        None => return Err("a `[` is not closed".into()),
                        Some(']') if !first => break,
                        Some('[') => {
                            return Err(
                                "`[` inside a class (POSIX classes) is not read alike".into()
                            )
                        }
                        Some('\\') => match chars.next() {
                            Some('d' | 'w' | 's') => {}
                            Some(e) if e.is_ascii_punctuation() => {}
                            _ => return Err("a class holds an escape not read alike".into()),
                        },
                        Some('{' | '}') => return Err("braces are placeholders to Caddy".into()),
                        Some(_) => {}
                    }
                    first = false;
                }
                can_repeat = true;
            }
            '(' => {
                if chars.peek() == Some(&'?') {
                    chars.next();
                    if chars.next() != Some(':') {
                        return Err(
                            "only `(?:…)` groups and a leading `(?i)` are read alike".into()
                        );
                    }
                    depth.push(false);
                } else {
                    groups += 1;
                    depth.push(true);
                }
                can_repeat = false;
            }
            ')' => {
                if depth.pop().is_none() {
                    return Err("a `)` closes no group".into());
                }
                can_repeat = true;
            }
            '*' | '+' | '?' => {
                if !can_repeat {
                    return Err(format!("`{c}` repeats nothing"));
                }
                if chars.peek() == Some(&'?') {
                    chars.next();
                }
                if matches!(chars.peek(), Some('+')) {
                    return Err("possessive repeats are PCRE's alone".into());
                }
                can_repeat = false;
            }
            '{' | '}' => {
                return Err(
                    "braces are placeholders to Caddy: repeat by writing the item again".into(),
                )
            }
            '|' | '^' => can_repeat = false,
            '$' => can_repeat = false,
            c if c.is_control() || c == ' ' || c == '"' || c == '`' || c == '#' => {
                return Err(format!(
                    "`{}` does not go in a request path",
                    c.escape_default()
                ))
            }
            _ => can_repeat = true,
        }
    }
    if !depth.is_empty() {
        return Err("a `(` is not closed".into());
    }
    Ok(groups)
}

/// A regex target in pieces: text, and the groups its `$1`…`$9` name
/// (any other `$` is text), for each backend to write its own way.
pub enum TargetPiece<'t> {
    Text(&'t str),
    Group(char),
}

pub fn target_pieces(target: &str) -> Vec<TargetPiece<'_>> {
    let mut out = Vec::new();
    let mut text_from = 0;
    let b = target.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && matches!(b.get(i + 1), Some(b'1'..=b'9')) {
            if text_from < i {
                out.push(TargetPiece::Text(&target[text_from..i]));
            }
            out.push(TargetPiece::Group(b[i + 1] as char));
            i += 2;
            text_from = i;
        } else {
            i += 1;
        }
    }
    if text_from < target.len() {
        out.push(TargetPiece::Text(&target[text_from..]));
    }
    out
}

/// The capture references (`$1`…`$9`) of a regex redirect's target.
pub fn capture_references(target: &str) -> Vec<usize> {
    target_pieces(target)
        .into_iter()
        .filter_map(|p| match p {
            TargetPiece::Group(n) => n.to_digit(10).map(|d| d as usize),
            TargetPiece::Text(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod regex_tests {
    use super::*;

    #[test]
    fn the_portable_subset() {
        assert_eq!(portable_regex("^/images/(.*)\\.png$"), Ok(1));
        assert_eq!(portable_regex("(?i)^/(en|de)/(?:docs)/([^/]+)/?$"), Ok(2));
        assert_eq!(portable_regex("\\.(css|js)$"), Ok(1));
        assert!(portable_regex("^/a{2}$").is_err());
        assert!(portable_regex("(?<=a)b").is_err());
        assert!(portable_regex("^/(a").is_err());
        assert!(portable_regex("a)").is_err());
        assert!(portable_regex("*a").is_err());
        assert!(portable_regex("\\pL").is_err());
        assert!(portable_regex("[[:alpha:]]").is_err());
        assert!(portable_regex("a b").is_err());
        assert_eq!(capture_references("/img/$1/$2?x=$0$"), vec![1, 2]);
    }
}
