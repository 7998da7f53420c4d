//! Site-level changes in the web-front outputs: sites added and removed,
//! routes added, removed and changed (an upstream dropped, a redirect
//! target moved), and site settings. Reads the structure the Caddy and
//! nginx backends write: a `# Site `NAME`.` comment before each site, one
//! `handle` (Caddy) or `location` (nginx) block per route, and nginx
//! upstreams named in `proxy_pass`.

use super::{Action, AttrChange, Change};
use std::collections::BTreeMap;

/// A site as read back: its routes (path → lines) and other lines.
#[derive(Default, PartialEq)]
struct SiteText {
    routes: BTreeMap<String, Vec<String>>,
    settings: Vec<String>,
}

/// `caddy/web/Caddyfile` → changes of every site in it.
pub fn changes(path: &str, old: &str, new: &str, out: &mut Vec<Change>) {
    let mut parts = path.splitn(3, '/');
    let (Some(engine), Some(server)) = (parts.next(), parts.next()) else {
        return;
    };
    let backend: &'static str = match engine {
        "caddy" => "caddy",
        "nginx" => "nginx",
        _ => return,
    };
    let (old_sites, new_sites) = (sites(engine, old), sites(engine, new));
    let address = |label: &str| format!("site `{label}` ({engine} on {server})");
    let change = |label: &str, action, attributes| Change {
        backend,
        address: address(label),
        resource: false,
        action,
        attributes,
        dependents: Vec::new(),
        destructive: false,
        note: None,
    };
    for (label, site) in &new_sites {
        match old_sites.get(label) {
            None => out.push(change(label, Action::Create, Vec::new())),
            Some(before) if before == site => {}
            Some(before) => out.push(change(label, Action::Update, site_changes(before, site))),
        }
    }
    for label in old_sites.keys().filter(|l| !new_sites.contains_key(*l)) {
        out.push(change(label, Action::Delete, Vec::new()));
    }
}

fn site_changes(old: &SiteText, new: &SiteText) -> Vec<AttrChange> {
    let mut out = Vec::new();
    let added: Vec<String> = new
        .routes
        .keys()
        .filter(|p| !old.routes.contains_key(*p))
        .cloned()
        .collect();
    let removed: Vec<String> = old
        .routes
        .keys()
        .filter(|p| !new.routes.contains_key(*p))
        .cloned()
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        out.push(lines_change("routes".into(), added, removed));
    }
    for (path, lines) in &new.routes {
        if let Some(before) = old.routes.get(path).filter(|b| *b != lines) {
            let (added, removed) = line_changes(before, lines);
            out.push(lines_change(format!("route {path}"), added, removed));
        }
    }
    if old.settings != new.settings {
        let (added, removed) = line_changes(&old.settings, &new.settings);
        out.push(lines_change("settings".into(), added, removed));
    }
    out
}

fn lines_change(name: String, added: Vec<String>, removed: Vec<String>) -> AttrChange {
    AttrChange {
        name,
        old: None,
        new: None,
        added,
        removed,
        forces_replacement: false,
    }
}

fn line_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let added = new.iter().filter(|l| !old.contains(l)).cloned().collect();
    let removed = old.iter().filter(|l| !new.contains(l)).cloned().collect();
    (added, removed)
}

/// Lines of a block starting at `lines[start]` (its header), to its `}`.
fn block_end(lines: &[&str], start: usize) -> usize {
    let mut depth = 0i32;
    for (i, line) in lines.iter().enumerate().skip(start) {
        let t = line.trim_end();
        if t.ends_with('{') {
            depth += 1;
        } else if t.trim() == "}" {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    lines.len().saturating_sub(1)
}

fn clean(line: &str) -> Option<String> {
    let t = line
        .trim()
        .trim_end_matches(';')
        .trim_end_matches('{')
        .trim();
    (!t.is_empty() && t != "}" && !t.starts_with('#')).then(|| t.to_string())
}

fn sites(engine: &str, text: &str) -> BTreeMap<String, SiteText> {
    let lines: Vec<&str> = text.lines().collect();
    // nginx upstreams, by name: their lines replace `proxy_pass` lines.
    let mut upstreams: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    if engine == "nginx" {
        for (i, line) in lines.iter().enumerate() {
            if let Some(name) = line
                .trim()
                .strip_prefix("upstream ")
                .and_then(|r| r.strip_suffix(" {"))
            {
                let end = block_end(&lines, i);
                // `server HOST:PORT` is what matters; the failure settings are the same for all.
                let servers = lines[i + 1..end].iter().filter_map(|l| clean(l)).map(|l| {
                    if l.starts_with("server ") {
                        l.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
                    } else {
                        l
                    }
                });
                upstreams.insert(name, servers.collect());
            }
        }
    }
    let route_head = |line: &str| -> Option<String> {
        let t = line.trim();
        if engine == "caddy" {
            if t == "handle {" {
                return Some("/".into());
            }
            let p = t.strip_prefix("handle ")?.strip_suffix(" {")?;
            Some(p.trim_matches('`').trim_end_matches('*').to_string())
        } else {
            let p = t.strip_prefix("location ")?.strip_suffix(" {")?;
            Some(p.trim_matches('"').to_string())
        }
    };
    let mut out = BTreeMap::new();
    let mut i = 0;
    let mut current: Option<(String, SiteText)> = None;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if let Some(label) = t
            .strip_prefix("# Site `")
            .and_then(|r| r.strip_suffix("`."))
        {
            if let Some((l, s)) = current.take() {
                out.insert(l, s);
            }
            current = Some((label.to_string(), SiteText::default()));
        } else if t == "# Names no site serves." {
            if let Some((l, s)) = current.take() {
                out.insert(l, s);
            }
        } else if let Some((_, site)) = &mut current {
            if let Some(path) = route_head(line) {
                let end = block_end(&lines, i);
                let mut body = Vec::new();
                for l in &lines[i + 1..end] {
                    let Some(c) = clean(l) else { continue };
                    match c
                        .strip_prefix("proxy_pass http://")
                        .and_then(|n| upstreams.get(n))
                    {
                        Some(servers) => body.extend(servers.iter().cloned()),
                        None => body.push(c),
                    }
                }
                site.routes.insert(path, body);
                i = end;
            } else if let Some(c) = clean(line) {
                site.settings.push(c);
            }
        }
        i += 1;
    }
    if let Some((l, s)) = current {
        out.insert(l, s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_upstreams_are_read_back() {
        let conf = "http {\n    upstream www_1 {\n        server a:80 max_fails=3;\n    }\n    # Site `www`.\n    server {\n        server_name x;\n        location /api {\n            proxy_pass http://www_1;\n        }\n    }\n    # Site `b`.\n    server {\n        location / {\n            return 404;\n        }\n    }\n}\n";
        let s = sites("nginx", conf);
        assert_eq!(s["www"].routes["/api"], vec!["server a:80"]);
        assert_eq!(s["www"].settings, vec!["server", "server_name x"]);
        assert_eq!(s["b"].routes["/"], vec!["return 404"]);
    }
}
