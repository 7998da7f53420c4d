//! Imported sites as KDL `site` declarations, each preceded by what could
//! not be carried over, as comments.

use super::ImportedSite;
pub(super) use crate::import::write::quote;
use crate::web::*;
use std::fmt::Write;

pub(super) fn sites(sites: &[ImportedSite]) -> String {
    let mut out = String::new();
    let mut secrets: Vec<&str> = sites
        .iter()
        .filter_map(|s| s.site.basic_auth.as_ref().map(|a| a.secret.as_str()))
        .collect();
    secrets.sort();
    secrets.dedup();
    for s in secrets {
        let _ = writeln!(
            out,
            "secret {} description=\"bcrypt hash of a basic-auth password\"",
            quote(s)
        );
    }
    for imported in sites {
        if !out.is_empty() {
            out.push('\n');
        }
        for note in &imported.notes {
            let _ = writeln!(out, "// {}", note.replace('\n', " "));
        }
        site(&imported.site, &imported.on, &mut out);
    }
    out
}

fn site(site: &Site, on: &str, out: &mut String) {
    let _ = write!(
        out,
        "site {} on=(ref){}",
        quote(&site.label),
        quote(&if on.contains('.') {
            on.to_string()
        } else {
            format!("droplet.{on}")
        })
    );
    if site.engine == Engine::Nginx {
        out.push_str(" engine=\"nginx\"");
    }
    if let Some(port) = site.tcp {
        let _ = write!(out, " tcp={port}");
        if let Some(n) = site.conn_limit {
            let _ = write!(out, " conn-limit={n}");
        }
        out.push_str(" {\n");
        for r in &site.routes {
            route(r, out);
        }
        out.push_str("}\n");
        return;
    }
    match &site.tls {
        Tls::Off if site.default => out.push_str(" default=#true"),
        Tls::Off => out.push_str(" tls=\"off\""),
        Tls::Acme { email: Some(e) } => {
            let _ = write!(out, " email={}", quote(e));
        }
        Tls::Acme { email: None } => {}
        Tls::Files { cert, key } => {
            let _ = write!(out, " cert={} key={}", quote(cert), quote(key));
        }
    }
    match site.tls_versions {
        (2, 3) => {}
        (a, b) if a == b => {
            let _ = write!(out, " tls-versions=\"1.{a}\"");
        }
        (a, b) => {
            let _ = write!(out, " tls-versions=\"1.{a} 1.{b}\"");
        }
    }
    if !site.tls_ciphers.is_empty() {
        let names: Vec<&str> = site.tls_ciphers.iter().map(|c| c.iana).collect();
        let _ = write!(out, " tls-ciphers={}", quote(&names.join(" ")));
    }
    for (flag, on) in [
        ("security-headers", site.security_headers),
        ("compress", site.compress),
        ("access-log", site.access_log),
    ] {
        if on {
            let _ = write!(out, " {flag}=#true");
        }
    }
    match site.log_format {
        Some(LogFormat::Json) => out.push_str(" log-format=\"json\""),
        Some(LogFormat::Combined) => out.push_str(" log-format=\"combined\""),
        None => {}
    }
    if let Some(max) = site.max_body {
        let _ = write!(out, " max-body={}", quote(&size(max)));
    }
    write_rate_limit(site.rate_limit.as_ref(), out);
    if let Some(n) = site.conn_limit {
        let _ = write!(out, " conn-limit={n}");
    }
    out.push_str(" {\n");
    let list = |name: &str, items: &[String], out: &mut String| {
        if !items.is_empty() {
            let quoted: Vec<String> = items.iter().map(|h| quote(h)).collect();
            let _ = writeln!(out, "    {name} {}", quoted.join(" "));
        }
    };
    list("host", &site.hosts, out);
    list("host-regex", &site.host_regexes, out);
    list("alias", &site.aliases, out);
    list("plain-http", &site.plain_http_paths, out);
    for h in &site.headers {
        let _ = writeln!(out, "    {}", header(h));
    }
    if let Some(auth) = &site.basic_auth {
        let _ = writeln!(
            out,
            "    basic-auth {} hash=(secret){}",
            quote(&auth.user),
            quote(&auth.secret)
        );
    }
    for r in &site.rewrites {
        let _ = write!(out, "    rewrite {} to={}", quote(&r.from), quote(&r.to));
        match r.matching {
            Match::Exact => out.push_str(" exact=#true"),
            Match::Regex => out.push_str(" regex=#true"),
            Match::Prefix => {}
        }
        out.push('\n');
    }
    // Exact redirects of one status, two or more: a table.
    let tables: Vec<u16> = {
        let mut statuses: Vec<u16> = site
            .routes
            .iter()
            .filter_map(|r| match r.action {
                Action::Redirect { status, .. } if r.exact() => Some(status),
                _ => None,
            })
            .collect();
        statuses.sort();
        let mut tables = Vec::new();
        for pair in statuses.chunk_by(|a, b| a == b) {
            if pair.len() >= 2 {
                tables.push(pair[0]);
            }
        }
        tables
    };
    for r in &site.routes {
        match &r.action {
            Action::Redirect { status, .. } if r.exact() && tables.contains(status) => continue,
            _ => route(r, out),
        }
    }
    for status in tables {
        let _ = writeln!(out, "    redirects status={status} {{");
        for r in &site.routes {
            if let Action::Redirect { to, status: s, .. } = &r.action {
                if r.exact() && *s == status {
                    let _ = writeln!(out, "        {} {}", quote(&r.path), quote(to));
                }
            }
        }
        out.push_str("    }\n");
    }
    for page in &site.error_pages {
        let statuses: Vec<String> = page.statuses.iter().map(u16::to_string).collect();
        let _ = writeln!(
            out,
            "    error-page {} {}",
            statuses.join(" "),
            quote(&page.path)
        );
    }
    out.push_str("}\n");
}

/// `rate-limit="10r/s" rate-burst=20`
fn write_rate_limit(limit: Option<&RateLimit>, out: &mut String) {
    if let Some(l) = limit {
        let _ = write!(out, " rate-limit={}", quote(&l.rate()));
        if l.burst > 0 {
            let _ = write!(out, " rate-burst={}", l.burst);
        }
    }
}

fn route(r: &Route, out: &mut String) {
    let _ = write!(out, "    {} {}", r.action.name(), quote(&r.path));
    match r.matching {
        Match::Exact => out.push_str(" exact=#true"),
        Match::Regex => out.push_str(" regex=#true"),
        Match::Prefix => {}
    }
    write_rate_limit(r.rate_limit.as_ref(), out);
    // Children of the route: its files to try, upstreams, headers.
    let mut children: Vec<String> = Vec::new();
    match &r.action {
        Action::Static {
            root,
            index,
            spa,
            listing,
            try_files,
            content_type,
        } => {
            let _ = write!(out, " root={}", quote(root));
            if index != "index.html" {
                let _ = write!(out, " index={}", quote(index));
            }
            if *spa {
                out.push_str(" spa=#true");
            }
            if *listing {
                out.push_str(" listing=#true");
            }
            if let Some(ty) = content_type {
                let _ = write!(out, " content-type={}", quote(ty));
            }
            if let Some(t) = try_files {
                let files: Vec<String> = t.files.iter().map(|f| quote(f)).collect();
                let mut line = format!("try {}", files.join(" "));
                match &t.fallback {
                    Fallback::Status(404) => {}
                    Fallback::Status(s) => {
                        let _ = write!(line, " fallback={s}");
                    }
                    Fallback::File(f) => {
                        let _ = write!(line, " fallback={}", quote(f));
                    }
                }
                children.push(line);
            }
        }
        Action::Proxy {
            upstreams,
            policy,
            health,
            websockets,
        } => {
            if *policy != Policy::RoundRobin {
                let name = Policy::NAMES
                    .iter()
                    .find(|n| Policy::parse(n) == Some(*policy))
                    .expect("every policy has a name");
                let _ = write!(out, " policy={}", quote(name));
            }
            if let Some(h) = health {
                let _ = write!(out, " health={}", quote(h));
            }
            if *websockets {
                out.push_str(" websockets=#true");
            }
            // Droplets of the same import, by the internal name infrac gives
            // them: references, on one port.
            let port = upstreams.first().map(|u| u.port);
            let droplets = upstreams
                .iter()
                .all(|u| u.droplet.is_some() && Some(u.port) == port);
            let addresses: Vec<String> = if droplets {
                let _ = write!(out, " port={}", port.unwrap_or_default());
                upstreams
                    .iter()
                    .map(|u| format!("(ref){}", quote(&format!("droplet.{}", u.host))))
                    .collect()
            } else {
                upstreams.iter().map(|u| quote(&u.address())).collect()
            };
            if let [one] = addresses.as_slice() {
                let _ = write!(out, " to={one}");
            } else {
                children.push(format!("to {}", addresses.join(" ")));
            }
        }
        Action::Redirect {
            to,
            status,
            keep_path,
        } => {
            let _ = write!(out, " to={}", quote(to));
            if *status != 301 {
                let _ = write!(out, " status={status}");
            }
            if !keep_path && r.prefix() {
                out.push_str(" keep-path=#false");
            }
        }
        Action::Respond { status, body } => {
            if *status != 200 {
                let _ = write!(out, " status={status}");
            }
            if !body.is_empty() {
                let _ = write!(out, " body={}", quote(body));
            }
        }
    }
    children.extend(r.headers.iter().map(header));
    crate::import::write::close_node(out, &children, "    ", true);
}

/// `header "NAME" "VALUE" [always=#false]`.
fn header(h: &Header) -> String {
    let always = if h.always { "" } else { " always=#false" };
    format!("header {} {}{always}", quote(&h.name), quote(&h.value))
}

/// Bytes as `25m`, `1k` or a number.
fn size(bytes: u64) -> String {
    for (unit, n) in [("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if bytes >= n && bytes.is_multiple_of(n) {
            return format!("{}{unit}", bytes / n);
        }
    }
    bytes.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_short() {
        assert_eq!(super::size(1 << 20), "1m");
        assert_eq!(super::size(25 << 20), "25m");
        assert_eq!(super::size(1536), "1536");
        assert_eq!(super::size(1024), "1k");
    }
}
