//! Web server configs into `site`s: an nginx config (`nginx.conf`, or the
//! files of `sites-enabled/`) and a Caddyfile are each read into a tree of
//! directives, then mapped onto infrac's site model ([`crate::web::Site`]),
//! which [`write`] turns into KDL. The same model the backends write from,
//! so what is imported builds back into a front that answers the same.
//!
//! What infrac writes for every site by itself (the HTTP-to-HTTPS
//! redirect, the catch-all server, proxy headers, the folder redirects) is
//! recognised and left out; everything else a site holds that the model
//! cannot say is a warning, with its file and line, never a silent drop.

mod caddy;
mod nginx;
mod write;

use crate::web::{Action, Header, Site, HSTS, SECURITY_HEADERS};
use std::fmt::Write as _;

/// One directive of either format: its name, its arguments (unquoted and
/// unescaped) and its block, if it opens one.
#[derive(Clone, Debug)]
pub(crate) struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub block: Option<Vec<Directive>>,
    /// Line in the file, from 1.
    pub line: usize,
}

impl Directive {
    /// The directive with its arguments, as a warning names it.
    fn text(&self) -> String {
        let mut s = self.name.clone();
        for a in &self.args {
            s.push(' ');
            s.push_str(a);
        }
        if s.len() > 80 {
            let mut end = 77;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push('…');
        }
        s
    }
}

/// Directives as a parser meets them, nested into blocks: both formats
/// open a block with `{` and close it with `}`.
#[derive(Default)]
pub(crate) struct Nesting {
    open: Vec<(Directive, Vec<Directive>)>,
    done: Vec<Directive>,
}

impl Nesting {
    /// A directive without a block, in the innermost open block.
    pub fn add(&mut self, d: Directive) {
        match self.open.last_mut() {
            Some((_, body)) => body.push(d),
            None => self.done.push(d),
        }
    }

    /// A directive whose block follows.
    pub fn open(&mut self, d: Directive) {
        self.open.push((d, Vec::new()));
    }

    /// `}` on `line`.
    pub fn close(&mut self, line: usize) -> Result<(), String> {
        let Some((mut d, body)) = self.open.pop() else {
            return Err(format!("line {line}: `}}` closes no block"));
        };
        d.block = Some(body);
        self.add(d);
        Ok(())
    }

    /// The top-level directives, once every block is closed.
    pub fn finish(self) -> Result<Vec<Directive>, String> {
        match self.open.last() {
            Some((d, _)) => Err(format!("line {}: `{}` is not closed", d.line, d.name)),
            None => Ok(self.done),
        }
    }
}

/// A site as imported, with what could not be carried over (written as
/// comments above it).
pub(crate) struct ImportedSite {
    pub site: Site,
    pub notes: Vec<String>,
    /// The label of the droplet it runs on.
    pub on: String,
}

/// What one server block (nginx) or site block (Caddy) is.
pub(crate) enum Read {
    Site(Box<ImportedSite>),
    /// Names that only redirect, keeping the path, to `SCHEME://HOST`.
    Alias(Vec<String>, String),
    /// What infrac writes by itself (the catch-all, the redirect to
    /// HTTPS), or a block already warned about.
    Implied,
    /// The plain-HTTP side of a TLS site: these names serve these path
    /// prefixes over HTTP too (`plain-http`).
    PlainHttp(Vec<String>, Vec<String>),
}

/// What the blocks of one file read as, gathered until every site is
/// known: then aliases and plain-HTTP sides find their sites.
#[derive(Default)]
pub(crate) struct Gathered {
    pub sites: Vec<ImportedSite>,
    redirects: Vec<(Vec<String>, String)>,
    plain_sides: Vec<(Vec<String>, Vec<String>)>,
}

impl Gathered {
    /// Keeps what is not a site; gives back a site for the reader to add.
    pub fn add(&mut self, read: Read) -> Option<ImportedSite> {
        match read {
            Read::Site(s) => return Some(*s),
            Read::Alias(names, target) => self.redirects.push((names, target)),
            Read::PlainHttp(hosts, paths) => self.plain_sides.push((hosts, paths)),
            Read::Implied => {}
        }
        None
    }

    pub fn finish(mut self, mut warnings: Vec<String>) -> WebImport {
        attach_aliases(&mut self.sites, self.redirects);
        attach_plain_http(&mut self.sites, self.plain_sides, &mut warnings);
        WebImport {
            sites: self.sites,
            machines: Vec::new(),
            warnings,
        }
    }
}

/// Gives each TLS site the paths its plain-HTTP side serves; a side whose
/// site was not read is a warning.
pub(crate) fn attach_plain_http(
    sites: &mut [ImportedSite],
    sides: Vec<(Vec<String>, Vec<String>)>,
    warnings: &mut Vec<String>,
) {
    for (hosts, paths) in sides {
        match sites
            .iter_mut()
            .find(|s| s.site.hosts == hosts && s.site.tls != crate::web::Tls::Off)
        {
            Some(s) => s.site.plain_http_paths = paths,
            None => warnings.push(format!(
                "the plain-HTTP paths of {} belong to no HTTPS site read; not carried over",
                hosts.join(", ")
            )),
        }
    }
}

/// `^(\/a\/|\/b\/)` (or `^\/a\/`) as the prefixes it alternates.
pub(crate) fn prefixes_of_regex(pattern: &str) -> Option<Vec<String>> {
    let body = pattern.strip_prefix('^')?;
    let body = body
        .strip_prefix('(')
        .and_then(|b| b.strip_suffix(')'))
        .unwrap_or(body);
    body.split('|')
        .map(|alt| {
            let mut out = String::new();
            let mut chars = alt.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => out.push(chars.next()?),
                    c if ".^$*+?()[]{}".contains(c) => return None,
                    c => out.push(c),
                }
            }
            crate::web::text::is_route_path(&out).then_some(out)
        })
        .collect()
}

/// What the web configs of one import gave.
#[derive(Default)]
pub struct WebImport {
    pub(crate) sites: Vec<ImportedSite>,
    /// Servers not created by the project: label, address, IPv6 address.
    pub(crate) machines: Vec<(String, String, Option<String>)>,
    pub warnings: Vec<String>,
}

impl WebImport {
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    /// Upstreams at `<droplet>.int.<zone>`, the name infrac gives a droplet
    /// a site proxies to, become that droplet (`internal`: such names of
    /// the droplets imported in the same run → their labels). The names
    /// used are returned: infrac writes their records itself.
    pub fn restore_droplets(
        &mut self,
        internal: &std::collections::HashMap<String, String>,
    ) -> Vec<String> {
        let mut used = Vec::new();
        for s in &mut self.sites {
            for r in &mut s.site.routes {
                let Action::Proxy { upstreams, .. } = &mut r.action else {
                    continue;
                };
                if !upstreams.iter().all(|u| internal.contains_key(&u.host)) {
                    continue;
                }
                for u in upstreams {
                    used.push(u.host.clone());
                    u.host = internal[&u.host].clone();
                    u.droplet = Some(0);
                }
            }
        }
        used.sort();
        used.dedup();
        used
    }

    /// The droplets the sites run on (machines aside), by label.
    pub fn servers(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sites
            .iter()
            .filter(|s| !s.on.contains('.'))
            .map(|s| s.on.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The names the sites on one server serve.
    pub fn hosts_on(&self, server: &str) -> Vec<&str> {
        self.sites
            .iter()
            .filter(|s| s.on == server)
            .flat_map(|s| s.site.hosts.iter().chain(&s.site.aliases))
            .map(String::as_str)
            .collect()
    }

    /// The sites on `server` run on a `machine` of that name, at these
    /// addresses (declared with the sites).
    pub fn run_on_machine(&mut self, server: &str, address: &str, address_v6: Option<&str>) {
        for s in self.sites.iter_mut().filter(|s| s.on == server) {
            s.on = format!("machine.{server}");
        }
        self.machines.push((
            server.to_string(),
            address.to_string(),
            address_v6.map(str::to_string),
        ));
    }

    /// Every name the sites serve, aliases included.
    pub fn hosts(&self) -> Vec<&str> {
        self.sites
            .iter()
            .flat_map(|s| s.site.hosts.iter().chain(&s.site.aliases))
            .map(String::as_str)
            .collect()
    }

    /// The hosts of every upstream.
    pub fn upstream_hosts(&self) -> Vec<&str> {
        let mut hosts: Vec<&str> = self
            .sites
            .iter()
            .flat_map(|s| &s.site.routes)
            .filter_map(|r| match &r.action {
                Action::Proxy { upstreams, .. } => Some(upstreams),
                _ => None,
            })
            .flatten()
            .map(|u| u.host.as_str())
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// The sites as KDL.
    pub fn kdl(&self) -> String {
        let mut out = String::new();
        for (name, address, v6) in &self.machines {
            let _ = write!(
                out,
                "machine {} address={}",
                write::quote(name),
                write::quote(address)
            );
            if let Some(v6) = v6 {
                let _ = write!(out, " address-v6={}", write::quote(v6));
            }
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&write::sites(&self.sites));
        out
    }
}

/// Which web server a file is configuration for, by its name, else by its
/// first directive.
pub fn format_of(path: &str, text: &str) -> Option<crate::web::Engine> {
    use crate::web::Engine;
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if name.starts_with("Caddyfile") || name.ends_with(".caddy") || name.ends_with(".Caddyfile") {
        return Some(Engine::Caddy);
    }
    if name.ends_with(".conf") || path.contains("nginx") || path.contains("sites-") {
        return Some(Engine::Nginx);
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let word = first.split_whitespace().next()?;
    match word {
        "server" | "http" | "upstream" | "user" | "worker_processes" | "events" => {
            Some(Engine::Nginx)
        }
        _ if first.ends_with('{') => Some(Engine::Caddy),
        _ => None,
    }
}

/// Reads one web config into `into`; its sites run on the droplet `on`
/// (else on the one its folder is named after, as infrac lays out its
/// output: `nginx/web/nginx.conf`).
pub fn read(
    engine: crate::web::Engine,
    path: &str,
    text: &str,
    on: Option<&str>,
    into: &mut WebImport,
) -> Result<(), String> {
    let found = match engine {
        crate::web::Engine::Nginx => nginx::read(path, text)?,
        crate::web::Engine::Caddy => caddy::read(path, text)?,
    };
    let on = match on {
        Some(on) => on.to_string(),
        None => {
            // Not a system folder (`/etc/nginx/`, `sites-enabled/`).
            let parent = std::path::Path::new(path).parent();
            let name = |p: Option<&std::path::Path>| {
                p.and_then(|p| p.file_name())
                    .map(|f| f.to_string_lossy().to_string())
            };
            let folder = name(parent).filter(|f| {
                is_label(f)
                    && !["sites-enabled", "sites-available", "conf.d", "etc"].contains(&f.as_str())
                    && !(["nginx", "caddy"].contains(&f.as_str())
                        && name(parent.and_then(|p| p.parent())).as_deref() == Some("etc"))
            });
            match folder {
                Some(f) => f,
                None => {
                    if !found.sites.is_empty() {
                        into.warnings.push(format!(
                            "{path}: its sites are written on the droplet `web`; name the right one with `--on`"
                        ));
                    }
                    "web".to_string()
                }
            }
        }
    };
    for s in found.sites {
        let mut site = s;
        site.on = on.clone();
        let label = unique_label(&site.site.label, &into.sites);
        site.site.label = label;
        into.warnings.extend(
            site.notes
                .iter()
                .map(|n| format!("site `{}`: {n}", site.site.label)),
        );
        into.sites.push(site);
    }
    into.warnings.extend(found.warnings);
    Ok(())
}

fn unique_label(wanted: &str, sites: &[ImportedSite]) -> String {
    let taken = |l: &str| sites.iter().any(|s| s.site.label == l);
    if !taken(wanted) {
        return wanted.to_string();
    }
    (2..)
        .map(|n| format!("{wanted}-{n}"))
        .find(|l| !taken(l))
        .expect("some number is free")
}

/// A site's label from its log file (`/var/log/nginx/shop.access.log` →
/// `shop`), else from its first host name (`www.example.com` →
/// `www-example-com`).
/// A site's label: from its log file's name, else its first name (a
/// default site's, `default`).
pub(crate) fn site_label(log: Option<&str>, site: &Site) -> String {
    let host = site.hosts.first().map(String::as_str);
    label_for(log, host.or(site.default.then_some("default")))
}

pub(crate) fn label_for(log: Option<&str>, host: Option<&str>) -> String {
    let from_log = log
        .and_then(|l| l.rsplit('/').next())
        .and_then(|f| f.strip_suffix(".access.log").or(f.strip_suffix(".log")))
        .filter(|s| is_label(s));
    if let Some(l) = from_log {
        return l.to_string();
    }
    let host = host.unwrap_or("site").trim_start_matches("*.");
    let l: String = host
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if is_label(&l) {
        l
    } else {
        "site".into()
    }
}

fn is_label(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Turns the headers a config sets into `security-headers=#true` when it
/// sets all of them (and HSTS, with TLS), as infrac writes them.
pub(crate) fn fold_security_headers(site: &mut Site) {
    let has = |(n, v): (&str, &str), headers: &[Header]| {
        headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(n) && h.value == v)
    };
    let tls = site.tls != crate::web::Tls::Off;
    let all = SECURITY_HEADERS.iter().all(|h| has(*h, &site.headers))
        && (!tls || has(HSTS, &site.headers));
    if !all {
        return;
    }
    site.security_headers = true;
    site.headers.retain(|h| {
        let ours = |(n, v): &(&str, &str)| h.name.eq_ignore_ascii_case(n) && h.value == *v;
        !(SECURITY_HEADERS.iter().any(ours) || (tls && ours(&HSTS)))
    });
}

/// An empty site of one engine, to be filled in by a reader.
pub(crate) fn new_site(engine: crate::web::Engine) -> Site {
    Site {
        tls: crate::web::Tls::Off,
        ..Site::new(String::new(), Default::default(), engine)
    }
}

/// Gives each site whose first host another site redirects to (a server
/// block or site block that only redirects, keeping the path) those names
/// as aliases. Redirects to a name no site serves stay as sites of their
/// own.
pub(crate) fn attach_aliases(sites: &mut Vec<ImportedSite>, redirects: Vec<(Vec<String>, String)>) {
    for (names, target) in redirects {
        let host = target.split_once("://").map_or("", |(_, h)| h);
        match sites
            .iter_mut()
            .find(|s| s.site.hosts.first().map(String::as_str) == Some(host))
        {
            Some(s) => {
                for n in names {
                    if !s.site.aliases.contains(&n) && !s.site.hosts.contains(&n) {
                        s.site.aliases.push(n);
                    }
                }
            }
            None => {
                let mut site = new_site(
                    sites
                        .first()
                        .map_or(crate::web::Engine::Caddy, |s| s.site.engine),
                );
                site.label = label_for(None, names.first().map(String::as_str));
                site.hosts = names;
                site.routes.push(crate::web::Route {
                    rate_limit: None,
                    path: "/".into(),
                    matching: crate::web::Match::Prefix,
                    headers: Vec::new(),
                    raw: Vec::new(),
                    action: crate::web::Action::Redirect {
                        to: target,
                        status: 301,
                        keep_path: true,
                    },
                    span: Default::default(),
                });
                sites.push(ImportedSite {
                    site,
                    notes: Vec::new(),
                    on: String::new(),
                });
            }
        }
    }
}

/// A rewrite read as a regular expression and replacement (`$1`… for its
/// groups), in infrac's simplest form: `^LITERAL$` is exact,
/// `^LITERAL(.*)$` to `…$1` a prefix. `None` when the engines would not
/// read it alike.
pub(crate) fn rewrite_from_regex(pattern: &str, to: &str) -> Option<crate::web::Rewrite> {
    use crate::web::{text, Match, Rewrite};
    let unescape = |s: &str| -> Option<String> {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?),
                c if ".^$*+?()[]{}|".contains(c) => return None,
                c => out.push(c),
            }
        }
        Some(out)
    };
    let literal = |s: &str| unescape(s).filter(|p| text::is_route_path(p));
    let body = pattern.strip_prefix('^');
    let exact = body.and_then(|b| b.strip_suffix('$')).and_then(literal);
    let prefix = body
        .and_then(|b| b.strip_suffix("(.*)$"))
        .and_then(literal)
        .zip(to.strip_suffix("$1").filter(|t| !t.contains('$')));
    let (from, matching, to) = if let Some(from) = exact.filter(|_| !to.contains('$')) {
        (from, Match::Exact, to.to_string())
    } else if let Some((from, to)) = prefix {
        (from, Match::Prefix, to.to_string())
    } else {
        text::portable_regex(pattern).ok()?;
        (pattern.to_string(), Match::Regex, to.to_string())
    };
    Some(Rewrite {
        from,
        matching,
        to,
        span: Default::default(),
    })
}

/// The end of reading a site, for both formats: exact static routes
/// settled, error pages given their roots, infrac's own 404 fallback left
/// out (it writes one when no route is `/`), security headers folded.
pub(crate) fn finish_site(mut site: Site, mut notes: Vec<String>) -> Read {
    settle_exact_static(&mut site, &mut notes);
    root_error_pages(&mut site, &mut notes);
    site.routes.retain(|r| {
        !(r.path == "/"
            && r.prefix()
            && matches!(&r.action, crate::web::Action::Respond { status: 404, body } if body.is_empty()))
    });
    fold_security_headers(&mut site);
    Read::Site(Box::new(ImportedSite {
        site,
        notes,
        on: String::new(),
    }))
}

/// infrac's static routes serve folders, so have no exact form: an exact
/// location serving a file (`= /favicon.ico`) is already served by a
/// static route over the same root, else becomes a prefix route of its
/// path.
pub(crate) fn settle_exact_static(site: &mut Site, notes: &mut Vec<String>) {
    use crate::web::Action;
    let routes = site.routes.clone();
    site.routes.retain_mut(|r| {
        let Action::Static { root, .. } = &r.action else {
            return true;
        };
        if !r.exact() {
            return true;
        }
        let covered = routes.iter().any(|o| {
            o.prefix()
                && r.path.starts_with(&o.path)
                && matches!(&o.action, Action::Static { root: other, .. } if other == root)
        });
        if covered {
            return false;
        }
        if routes.iter().any(|o| o.prefix() && o.path == r.path) {
            notes.push(format!(
                "the exact static route `{}` is left out: a prefix route has its path",
                r.path
            ));
            return false;
        }
        notes.push(format!(
            "`{}` serves files by prefix (static routes have no exact form)",
            r.path
        ));
        r.matching = crate::web::Match::Prefix;
        true
    });
}

/// The error pages' roots: each page is served by the static route its
/// path falls under.
pub(crate) fn root_error_pages(site: &mut Site, notes: &mut Vec<String>) {
    let routes = site.routes.clone();
    site.error_pages.retain_mut(|page| {
        let root = routes
            .iter()
            .filter(|r| page.path.starts_with(&r.path) || r.path == "/")
            .filter_map(|r| match &r.action {
                crate::web::Action::Static { root, .. } => Some((r.path.len(), root)),
                _ => None,
            })
            .max_by_key(|(len, _)| *len);
        match root {
            Some((_, root)) => {
                page.root = root.clone();
                true
            }
            None => {
                notes.push(format!(
                    "the error page `{}` is not a file of a static route; left out",
                    page.path
                ));
                false
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_logs_then_hosts() {
        assert_eq!(
            label_for(Some("/var/log/nginx/shop.access.log"), None),
            "shop"
        );
        assert_eq!(label_for(None, Some("www.example.com")), "www-example-com");
        assert_eq!(label_for(None, Some("*.example.com")), "example-com");
        assert_eq!(label_for(None, Some("1.example")), "site");
    }

    #[test]
    fn formats_are_told_by_name_then_content() {
        use crate::web::Engine;
        assert_eq!(
            format_of("out/caddy/web/Caddyfile", ""),
            Some(Engine::Caddy)
        );
        assert_eq!(format_of("/etc/nginx/nginx.conf", ""), Some(Engine::Nginx));
        assert_eq!(format_of("site", "# x\nserver {\n"), Some(Engine::Nginx));
        assert_eq!(format_of("site", "example.com {\n"), Some(Engine::Caddy));
        assert_eq!(format_of("state.json", "{\"version\": 4}"), None);
    }
}
