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
