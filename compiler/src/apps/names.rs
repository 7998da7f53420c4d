//! The Kubernetes API's rules for names and values, which a schema
//! validator does not check (it sees only strings).

/// RFC 1123 label: a namespace, a Deployment's pods' hostnames.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// RFC 1035 label: a Service name (also a DNS name inside the cluster),
/// so it must start with a letter.
pub fn is_service_name(s: &str) -> bool {
    is_dns_label(s) && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// RFC 1123 subdomain: ConfigMap and Secret names.
pub fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A host an Ingress routes: a subdomain, optionally `*.` first.
pub fn is_ingress_host(s: &str) -> bool {
    let bare = s.strip_prefix("*.").unwrap_or(s);
    bare.contains('.') && is_dns_subdomain(bare)
}

/// IANA service name: a container port's name (at most 15 characters, a
/// letter, no double hyphen).
pub fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// An environment variable name as the API accepts it everywhere.
pub fn is_env_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'-' || b == b'.')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A ConfigMap key.
pub fn is_config_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A label value (empty, or up to 63 characters, alphanumeric at both ends).
pub fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name of
/// up to 63 characters.
pub fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

/// A resource quantity (`100m`, `0.5`, `256Mi`, `1e3`), as a number of base
/// units for comparing a request with its limit.
pub fn quantity(s: &str) -> Option<f64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let digits_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(digits_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let n: f64 = number.parse().ok()?;
    if suffix.is_empty() {
        return Some(n);
    }
    if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        let e: i32 = exp.parse().ok()?;
        return Some(n * 10f64.powi(e));
    }
    SUFFIXES
        .iter()
        .find(|(x, _)| *x == suffix)
        .map(|(_, f)| n * f)
}

/// A cron schedule as the CronJob controller reads it: five fields, or a
/// macro such as `@daily`.
pub fn is_cron(s: &str) -> bool {
    const MACROS: &[&str] = &[
        "@yearly",
        "@annually",
        "@monthly",
        "@weekly",
        "@daily",
        "@midnight",
        "@hourly",
    ];
    if MACROS.contains(&s) {
        return true;
    }
    let fields: Vec<&str> = s.split(' ').filter(|f| !f.is_empty()).collect();
    fields.len() == 5
        && fields.iter().all(|f| {
            f.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'/' | b',' | b'-' | b'?'))
        })
}

/// A container image reference: no spaces or control characters, the
/// repository in lower case. Returns its tag, if it has one.
pub fn image(s: &str) -> Result<Option<&str>, &'static str> {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an image reference has no spaces or control characters");
    }
    let (name, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    // The registry host (before the first `/`, when it has a dot, colon or
    // is localhost) may have upper case and a port; the path may not.
    let path = match repo.split_once('/') {
        Some((host, path)) if host.contains(['.', ':']) || host == "localhost" => path,
        _ => repo,
    };
    if path.is_empty() || path.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err("the repository part of an image is lower case");
    }
    if let Some(t) = tag {
        let ok = !t.is_empty()
            && t.len() <= 128
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            && !t.starts_with(['.', '-']);
        if !ok {
            return Err("a tag is up to 128 letters, digits, `_`, `.` and `-`");
        }
    }
    if digest.is_some_and(|d| !d.contains(':')) {
        return Err("a digest is written `@sha256:…`");
    }
    Ok(if digest.is_some() { None } else { tag })
}

/// Names under which a literal value is probably a secret.
pub fn looks_secret(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
    ];
    let upper = name.to_ascii_uppercase();
    WORDS.iter().any(|w| upper.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api_rules() {
        assert!(is_dns_label("composer-1"));
        assert!(!is_dns_label("Composer"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label(&"a".repeat(64)));
        assert!(is_service_name("kai-web"));
        assert!(!is_service_name("1kai"));
        assert!(is_dns_subdomain("app.config"));
        assert!(!is_dns_subdomain("app..config"));
        assert!(is_port_name("http"));
        assert!(!is_port_name("http--alt"));
        assert!(!is_port_name("8080"));
        assert!(!is_port_name("a-very-long-port-name"));
        assert!(is_env_name("RUST_LOG"));
        assert!(!is_env_name("1X"));
        assert!(!is_env_name("A=B"));
        assert!(is_label_value("v1.2.3"));
        assert!(!is_label_value("-v1"));
        assert!(is_ingress_host("*.dev.dxos.org"));
        assert!(is_label_key("doks.digitalocean.com/node-pool"));
        assert!(is_label_key("disktype"));
        assert!(!is_label_key("Bad_/x"));
        assert!(!is_label_key("a/"));
        assert!(!is_ingress_host("dxos"));
    }

    #[test]
    fn quantities_compare_in_base_units() {
        assert_eq!(quantity("100m"), Some(0.1));
        assert_eq!(quantity("1"), Some(1.0));
        assert_eq!(quantity("256Mi"), Some(268435456.0));
        assert_eq!(quantity("1e3"), Some(1000.0));
        assert_eq!(quantity("1.5Gi"), Some(1.5 * 1073741824.0));
        assert_eq!(quantity("12Q"), None);
        assert_eq!(quantity("m"), None);
        assert_eq!(quantity("1.2.3"), None);
    }

    #[test]
    fn schedules_and_images() {
        assert!(is_cron("0 3 * * *"));
        assert!(is_cron("*/15 * * * MON-FRI"));
        assert!(is_cron("@hourly"));
        assert!(!is_cron("0 3 * *"));
        assert!(!is_cron("0 3 * * * ; rm"));
        assert_eq!(image("ghcr.io/dxos/composer:main"), Ok(Some("main")));
        assert_eq!(image("localhost:5000/app"), Ok(None));
        assert_eq!(image("nginx@sha256:abc"), Ok(None));
        assert!(image("ghcr.io/DXOS/app").is_err());
        assert!(image("app:bad tag").is_err());
        assert!(image("app:-x").is_err());
    }
}
