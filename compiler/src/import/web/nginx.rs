//! An nginx config into sites. `server` blocks become sites (those of the
//! same names on ports 80 and 443 one site), `location`s routes, `upstream`
//! blocks the upstreams of the proxies that name them. Whole configs
//! (`http { … }`) and the files of `sites-enabled/` (bare `server` blocks)
//! are both read.

use super::{finish_site, label_for, new_site, Directive, Read, WebImport};
use crate::web::text::parse_size;
use crate::web::*;
use std::collections::HashMap;

/// Parses the config into directives: words and quoted strings, `;` ending
/// a directive, `{ … }` a block, `#` a comment.
fn parse(text: &str) -> Result<Vec<Directive>, String> {
    let mut nesting = super::Nesting::default();
    let mut words: Vec<String> = Vec::new();
    let mut start_line = 1;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            ';' | '{' => {
                if words.is_empty() {
                    return Err(format!("line {line}: `{c}` without a directive"));
                }
                let mut w = std::mem::take(&mut words).into_iter();
                let d = Directive {
                    name: w.next().expect("not empty"),
                    args: w.collect(),
                    block: None,
                    line: start_line,
                };
                if c == ';' {
                    nesting.add(d);
                } else {
                    nesting.open(d);
                }
            }
            '}' => {
                if !words.is_empty() {
                    return Err(format!(
                        "line {line}: a directive before `}}` lacks its `;`"
                    ));
                }
                nesting.close(line)?;
            }
            '"' | '\'' => {
                if words.is_empty() {
                    start_line = line;
                }
                let mut s = String::new();
                let mut closed = false;
                while let Some(x) = chars.next() {
                    match x {
                        '\\' => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('r') => s.push('\r'),
                            Some(e) if e == c || e == '\\' => s.push(e),
                            Some(e) => {
                                s.push('\\');
                                s.push(e);
                            }
                            None => break,
                        },
                        x if x == c => {
                            closed = true;
                            break;
                        }
                        x => {
                            if x == '\n' {
                                line += 1;
                            }
                            s.push(x)
                        }
                    }
                }
                if !closed {
                    return Err(format!("line {start_line}: a quoted string is not closed"));
                }
                words.push(s);
            }
            c => {
                if words.is_empty() {
                    start_line = line;
                }
                let mut s = String::from(c);
                while let Some(&x) = chars.peek() {
                    if x.is_whitespace() || matches!(x, ';' | '{' | '}') {
                        break;
                    }
                    // `${name}` is one word, braces and all.
                    if x == '$' {
                        s.push(x);
                        chars.next();
                        if chars.peek() == Some(&'{') {
                            for y in chars.by_ref() {
                                s.push(y);
                                if y == '}' {
                                    break;
                                }
                            }
                        }
                        continue;
                    }
                    s.push(x);
                    chars.next();
                }
                words.push(s);
            }
        }
    }
    if !words.is_empty() {
        return Err(format!(
            "line {start_line}: the last directive lacks its `;`"
        ));
    }
    nesting.finish()
}

/// Directives infrac writes in every config (or whose value it always
/// has): not worth a warning.
const ALWAYS_WRITTEN: &[&str] = &[
    "user",
    "worker_processes",
    "events",
    "include",
    "default_type",
    "sendfile",
    "server_tokens",
    "absolute_redirect",
];

/// Proxy directives every infrac proxy route has.
const PROXY_DEFAULTS: &[&str] = &["proxy_http_version", "proxy_read_timeout"];
const PROXY_HEADERS: &[&str] = &[
    "Host",
    "X-Real-IP",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "Connection",
    "Upgrade",
];

struct Reader<'a> {
    path: &'a str,
    upstreams: HashMap<String, (Vec<Upstream>, Policy)>,
    /// `limit_req_zone`s by name: their rate (the burst is the user's).
    rate_zones: HashMap<String, RateLimit>,
    /// `limit_conn_zone`s by name.
    conn_zones: Vec<String>,
    warnings: Vec<String>,
}

pub(super) fn read(path: &str, text: &str) -> Result<WebImport, String> {
    let top = parse(text).map_err(|e| format!("{path}: not an nginx config: {e}"))?;
    let mut r = Reader {
        path,
        upstreams: HashMap::new(),
        rate_zones: HashMap::new(),
        conn_zones: Vec::new(),
        warnings: Vec::new(),
    };
    // Server blocks at the top (a file of sites-enabled/) or in `http`.
    let mut servers: Vec<&Directive> = Vec::new();
    let mut http_level: Vec<&Directive> = Vec::new();
    let mut streams: Vec<&Directive> = Vec::new();
    for d in &top {
        match (d.name.as_str(), &d.block) {
            ("stream", Some(_)) => streams.push(d),
            ("load_module", None)
                if d.args.first().map(String::as_str)
                    == Some(crate::backends::nginx::STREAM_MODULE) => {}
            ("http", Some(body)) => {
                for h in body {
                    match h.name.as_str() {
                        "server" => servers.push(h),
                        _ => http_level.push(h),
                    }
                }
            }
            ("server", Some(_)) => servers.push(d),
            _ => http_level.push(d),
        }
    }
    let mut inherited = Inherited::default();
    for d in http_level {
        r.http_directive(d, &mut inherited);
    }
    let mut gathered = super::Gathered::default();
    for s in servers {
        let read = r.server(s, &inherited);
        let Some(site) = gathered.add(read) else {
            continue;
        };
        // The plain-HTTP server beside an HTTPS one of the same names is
        // the same site.
        if let Some(other) = gathered
            .sites
            .iter_mut()
            .find(|o| o.site.hosts == site.site.hosts && o.site.tls != site.site.tls)
        {
            other.notes.push(format!(
                "{}:{}: a second server for the same names on {} is not carried over (one site per names)",
                r.path,
                s.line,
                if site.site.tls == Tls::Off { "plain HTTP" } else { "HTTPS" }
            ));
            continue;
        }
        gathered.sites.push(site);
    }
    for s in streams {
        r.stream(s, &mut gathered.sites);
    }
    Ok(gathered.finish(r.warnings))
}

/// What the `http` block gives every server.
#[derive(Default, Clone)]
struct Inherited {
    cert: Option<String>,
    key: Option<String>,
    max_body: Option<Option<u64>>,
    compress: bool,
    headers: Vec<Header>,
}

/// Which listen a server has.
#[derive(Default)]
struct Listens {
    tls: bool,
    plain: bool,
    default: bool,
    other_port: Option<String>,
}

fn listens(server: &[Directive]) -> Listens {
    let mut l = Listens::default();
    for d in server.iter().filter(|d| d.name == "listen") {
        let address = d.args.first().map(String::as_str).unwrap_or("80");
        let port = address.rsplit(':').next().unwrap_or(address);
        let ssl = d.args.iter().any(|a| a == "ssl") || port == "443";
        if d.args
            .iter()
            .any(|a| a == "default_server" || a == "default")
        {
            l.default = true;
        }
        if ssl {
            l.tls = true;
        } else {
            l.plain = true;
        }
        if !["80", "443"].contains(&port) {
            l.other_port = Some(address.to_string());
        }
    }
    if server.iter().any(|d| d.name == "ssl" && d.args == ["on"]) {
        l.tls = true;
    }
    if !server.iter().any(|d| d.name == "listen") {
        l.plain = true;
    }
    l
}

/// nginx's `$` escape in infrac's configs back to `$`.
fn unescape(value: &str) -> String {
    value.replace("${infrac_dollar}", "$")
}

/// Whether nginx expands a variable in `raw` (as written, before
/// [`unescape`]).
fn has_variable(raw: &str) -> bool {
    raw.replace("${infrac_dollar}", "").contains('$')
}

/// `server_name` entries as host names: infrac's one-label wildcard regex
/// back to `*.`; other regexes and `_` are not names.
/// The names of `server_name`; its regular expressions infrac writes go
/// to `regexes`.
fn host_names(
    d: &Directive,
    regexes: &mut Vec<String>,
    notes: &mut Vec<String>,
    path: &str,
) -> Vec<String> {
    let mut hosts = Vec::new();
    for a in &d.args {
        if a == "_" || a.is_empty() {
            continue;
        }
        if let Some(re) = a.strip_prefix('~') {
            let one_label = re
                .strip_prefix("^[^.]+\\.")
                .and_then(|r| r.strip_suffix('$'))
                .map(|r| r.replace("\\.", "."))
                .filter(|r| text::is_host(r));
            let re = unescape(re);
            match one_label {
                Some(rest) => hosts.push(format!("*.{rest}")),
                None if re.starts_with('^')
                    && re.ends_with('$')
                    && text::portable_regex(&re).is_ok() =>
                {
                    regexes.push(re)
                }
                None => notes.push(format!(
                    "{path}:{}: the regex name `{a}` is not carried over",
                    d.line
                )),
            }
        } else if let Some(rest) = a.strip_prefix("*.") {
            // nginx's `*.` matches any depth; infrac's one label.
            hosts.push(format!("*.{rest}"));
            notes.push(format!(
                "{path}:{}: `{a}` matches names of any depth on nginx; infrac's `*.{rest}` matches one label",
                d.line
            ));
        } else if let Some(rest) = a.strip_prefix('.') {
            hosts.push(rest.to_string());
            hosts.push(format!("*.{rest}"));
        } else {
            hosts.push(a.to_ascii_lowercase());
        }
    }
    hosts
}

impl Reader<'_> {
    fn warn(&mut self, d: &Directive, why: &str) {
        self.warnings
            .push(format!("{}:{}: `{}`: {why}", self.path, d.line, d.text()));
    }

    fn http_directive(&mut self, d: &Directive, inherited: &mut Inherited) {
        match (d.name.as_str(), &d.block) {
            ("upstream", Some(body)) => {
                let Some(name) = d.args.first() else { return };
                let mut list = Vec::new();
                let mut policy = Policy::RoundRobin;
                for u in body {
                    match u.name.as_str() {
                        "server" => match u.args.first().and_then(|a| upstream(a, None)) {
                            Some(up) => list.push(up),
                            None => self.warn(u, "not an upstream address infrac reads"),
                        },
                        "least_conn" => policy = Policy::LeastConn,
                        "ip_hash" => policy = Policy::IpHash,
                        "random" => policy = Policy::Random,
                        "keepalive" => {}
                        _ => self.warn(u, "not carried over"),
                    }
                }
                self.upstreams.insert(name.clone(), (list, policy));
            }
            ("limit_req_zone" | "limit_conn_zone", None) => self.limit_zone(d),
            ("log_format", None)
                if d.args.first().map(String::as_str) == Some(crate::backends::nginx::JSON_LOG) => {
            }
            ("geo", Some(_)) if d.args.first().map(String::as_str) == Some("$infrac_dollar") => {}
            ("map", Some(_)) if d.args.first().map(String::as_str) == Some("$http_upgrade") => {}
            ("events", _) => {}
            ("access_log", _) if d.args == ["off"] => {}
            ("ssl_certificate", _) => inherited.cert = d.args.first().cloned(),
            ("ssl_certificate_key", _) => inherited.key = d.args.first().cloned(),
            ("client_max_body_size", _) => {
                inherited.max_body = d.args.first().and_then(|a| body_size(a))
            }
            ("gzip", _) => inherited.compress = d.args == ["on"],
            ("gzip_vary" | "gzip_proxied" | "gzip_min_length" | "gzip_types", _) => {}
            ("add_header", _) => {
                if let Some(h) = self.header(d) {
                    inherited.headers.push(h)
                }
            }
            (name, _) if ALWAYS_WRITTEN.contains(&name) => {}
            _ => self.warn(
                d,
                "not carried over (infrac writes its own global settings)",
            ),
        }
    }

    fn header(&mut self, d: &Directive) -> Option<Header> {
        let (name, raw) = match d.args.as_slice() {
            [n, v] | [n, v, _] => (n, v),
            _ => {
                self.warn(d, "not a header infrac reads");
                return None;
            }
        };
        if has_variable(raw) {
            self.warn(
                d,
                "its value holds an nginx variable, which infrac writes as text",
            );
        }
        let value = unescape(raw);
        Some(Header {
            name: name.clone(),
            value,
            span: Default::default(),
            always: d.args.get(2).is_some_and(|a| a == "always"),
        })
    }

    fn server(&mut self, server: &Directive, inherited: &Inherited) -> Read {
        let body = server.block.as_deref().unwrap_or_default();
        let l = listens(body);
        let mut notes = Vec::new();
        let mut hosts = Vec::new();
        let mut host_regexes = Vec::new();
        for d in body.iter().filter(|d| d.name == "server_name") {
            hosts.extend(host_names(d, &mut host_regexes, &mut notes, self.path));
        }
        let rest: Vec<&Directive> = body
            .iter()
            .filter(|d| {
                let given = matches!(
                    d.name.as_str(),
                    "listen" | "server_name" | "ssl_certificate" | "ssl_certificate_key" | "ssl"
                ) || d.name == "ssl_protocols"
                    || d.name == "ssl_ciphers";
                !given
            })
            .collect();
        let only_return = match rest.as_slice() {
            [d] if d.name == "return" => Some(d.args.as_slice()),
            _ => None,
        };
        // infrac's `plain-http`: `if ($uri !~ "^(PREFIXES)") { return 301
        // https://$host$request_uri; }`, then the site again.
        if !l.tls {
            let side = rest.iter().find_map(|d| {
                match (d.name.as_str(), d.args.as_slice(), d.block.as_deref()) {
                    ("if", [v, op, pattern, ..], Some([r]))
                        if v == "($uri"
                            && op == "!~"
                            && r.name == "return"
                            && r.args.get(1).map(String::as_str)
                                == Some("https://$host$request_uri") =>
                    {
                        super::prefixes_of_regex(pattern)
                    }
                    _ => None,
                }
            });
            if let Some(paths) = side {
                return Read::PlainHttp(hosts, paths);
            }
        }
        // Certbot's redirect to HTTPS: `if ($host = NAME) { return 301
        // https://$host$request_uri; }` for each name, then `return 404`.
        let certbot = !l.tls
            && rest.iter().all(|d| {
                (d.name == "return" && d.args == ["404"])
                    || (d.name == "if"
                        && d.args.first().is_some_and(|a| a == "($host")
                        && matches!(d.block.as_deref(), Some([r]) if r.name == "return" && r.args.len() == 2 && r.args[1] == "https://$host$request_uri"))
            })
            && rest.iter().any(|d| d.name == "if");
        if certbot {
            return Read::Implied;
        }
        // The catch-all server: names no site serves. infrac's answers
        // 404 (and refuses them over TLS); another is a default site.
        let mut default_site = false;
        if l.default && hosts.is_empty() {
            let implied = matches!(only_return, Some([s]) if s == "404")
                || matches!(rest.as_slice(), [d] if d.name == "ssl_reject_handshake");
            if implied {
                return Read::Implied;
            }
            if l.tls {
                self.warnings.push(format!(
                    "{}:{}: the default TLS server is not carried over (both engines refuse names no site serves in the handshake)",
                    self.path, server.line
                ));
                return Read::Implied;
            }
            default_site = true;
        }
        if hosts.is_empty() && !default_site {
            self.warnings.push(format!(
                "{}:{}: a server without names is not carried over",
                self.path, server.line
            ));
            return Read::Implied;
        }
        if let Some([status, target]) = only_return {
            let target = unescape(target);
            if ["301", "308"].contains(&status.as_str()) && !l.tls {
                if let Some(rest) = target.strip_prefix("https://") {
                    if rest == "$host$request_uri" || rest == "$server_name$request_uri" {
                        return Read::Implied;
                    }
                }
            }
            if status == "301" {
                if let Some(to) = target.strip_suffix("$request_uri") {
                    if !has_variable(to) && to.contains("://") && !to.ends_with('/') {
                        return Read::Alias(hosts, to.to_string());
                    }
                }
            }
        }
        if let Some(p) = &l.other_port {
            notes.push(format!(
                "{}:{}: listens on `{p}`; infrac's sites listen on 80 and 443",
                self.path, server.line
            ));
        }
        let mut site = new_site(Engine::Nginx);
        site.hosts = hosts;
        site.host_regexes = host_regexes;
        site.default = default_site;
        site.headers = inherited.headers.clone();
        site.compress = inherited.compress;
        // nginx takes at most 1m when nothing says otherwise.
        site.max_body = inherited.max_body.unwrap_or(Some(1024 * 1024));
        let (mut cert, mut key) = (inherited.cert.clone(), inherited.key.clone());
        let mut log = None;
        let mut server_root = None;
        let mut server_index = None;
        let mut auth_file = None;
        let mut locations = Vec::new();
        let mut error_pages = Vec::new();
        for d in body {
            match d.name.as_str() {
                "listen" | "server_name" | "ssl" => {}
                "ssl_certificate" => cert = d.args.first().cloned(),
                "ssl_certificate_key" => key = d.args.first().cloned(),
                "ssl_protocols" if d.args == ["TLSv1.2", "TLSv1.3"] => {}
                "ssl_protocols" if d.args == ["TLSv1.3"] => site.tls_versions = (3, 3),
                "ssl_ciphers" => {
                    let suites: Option<Vec<&'static CipherSuite>> = d
                        .args
                        .first()
                        .map(|a| unescape(a))
                        .unwrap_or_default()
                        .split(':')
                        .map(|n| CIPHER_SUITES.iter().find(|c| c.openssl == n))
                        .collect();
                    match suites {
                        Some(s) if !s.is_empty() => site.tls_ciphers = s,
                        _ => self.warn(d, "suites Caddy does not offer too, or OpenSSL's cipher expressions: not carried over"),
                    }
                }
                "add_header" => {
                    if let Some(h) = self.header(d) {
                        site.headers
                            .retain(|o| !o.name.eq_ignore_ascii_case(&h.name));
                        site.headers.push(h);
                    }
                }
                "gzip" => site.compress = d.args == ["on"],
                "gzip_vary" | "gzip_proxied" | "gzip_min_length" | "gzip_types" => {}
                "client_max_body_size" => match d.args.first().and_then(|a| body_size(a)) {
                    Some(size) => site.max_body = size,
                    None => self.warn(d, "not a size infrac reads"),
                },
                "access_log" => {
                    site.access_log = d.args.first().is_some_and(|a| a != "off");
                    log = d.args.first().cloned();
                    match d.args.get(1).map(String::as_str) {
                        None => {}
                        Some("combined") => site.log_format = Some(LogFormat::Combined),
                        Some(crate::backends::nginx::JSON_LOG) => {
                            site.log_format = Some(LogFormat::Json)
                        }
                        Some(_) => self.warn(d, "the log format is not carried over"),
                    }
                }
                "limit_req" => site.rate_limit = self.limit_req(d),
                "limit_req_status" | "limit_conn_status" => self.limit_status(d),
                "limit_conn" => match d.args.as_slice() {
                    [zone, n] if self.conn_zones.contains(zone) => {
                        site.conn_limit = n.parse().ok().filter(|n| *n > 0)
                    }
                    _ => self.warn(d, "a zone infrac did not read: not carried over"),
                },
                "auth_basic" => {}
                "auth_basic_user_file" => auth_file = d.args.first().cloned(),
                "root" => server_root = d.args.first().cloned(),
                "index" => server_index = d.args.first().cloned(),
                "location" => locations.push(d),
                "error_page" => error_pages.push(d),
                "rewrite" => match d.args.as_slice() {
                    [pattern, to, flag] if flag == "last" || flag == "break" => {
                        match super::rewrite_from_regex(pattern, &unescape(to)) {
                            Some(r) => site.rewrites.push(r),
                            None => self.warn(
                                d,
                                "a rewrite the engines would not read alike is not carried over",
                            ),
                        }
                    }
                    [_, to, flag] if flag == "permanent" || flag == "redirect" => {
                        let _ = to;
                        self.warn(d, "a rewrite that redirects is not carried over: write it as a regex `redirect`");
                    }
                    _ => self.warn(d, "only `rewrite REGEX PATH last` is carried over"),
                },
                "return" | "try_files" | "proxy_pass" => {
                    // A server-wide action: the route `/`.
                    locations.push(d)
                }
                _ => self.warn(d, "not carried over"),
            }
        }
        if l.tls {
            match (cert, key) {
                (Some(cert), Some(key)) if !has_variable(&cert) => {
                    site.tls = Tls::Files { cert, key }
                }
                _ => {
                    notes.push(format!(
                        "{}:{}: listens with TLS but names no certificate; written with ACME certificates",
                        self.path, server.line
                    ));
                    site.tls = Tls::Acme { email: None };
                }
            }
        }
        site.label = super::site_label(log.as_deref(), &site);
        if site.access_log
            && log.as_deref() != Some(&format!("/var/log/nginx/{}.access.log", site.label))
        {
            notes.push(format!(
                "the access log goes to /var/log/nginx/{}.access.log (was {})",
                site.label,
                log.unwrap_or_default()
            ));
        }
        if let Some(file) = auth_file {
            let secret = file
                .rsplit('/')
                .next()
                .unwrap_or(&file)
                .trim_end_matches(".htpasswd")
                .replace(
                    |c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-',
                    "_",
                );
            notes.push(format!(
                "basic auth: the user name is in `{file}`, which nginx reads at run time; write it in `basic-auth` (written as `admin`), and give the secret `{secret}` the bcrypt hash"
            ));
            site.basic_auth = Some(BasicAuth {
                user: "admin".into(),
                secret,
                span: Default::default(),
            });
        }
        let defaults = LocationDefaults {
            root: server_root,
            index: server_index,
        };
        for d in locations {
            self.location(d, &defaults, &mut site);
        }
        for d in error_pages {
            let (codes, page): (Vec<&String>, Option<&String>) = match d.args.split_last() {
                Some((page, codes)) => (codes.iter().collect(), Some(page)),
                None => (Vec::new(), None),
            };
            let statuses: Option<Vec<u16>> = codes.iter().map(|c| c.parse().ok()).collect();
            match (statuses, page) {
                (Some(statuses), Some(page)) if page.starts_with('/') && !statuses.is_empty() => {
                    site.error_pages.push(ErrorPage {
                        statuses,
                        path: page.clone(),
                        root: String::new(),
                        span: Default::default(),
                    })
                }
                _ => self.warn(d, "only `error_page CODE… /PATH` is carried over"),
            }
        }
        finish_site(site, notes)
    }

    fn location(&mut self, d: &Directive, defaults: &LocationDefaults, site: &mut Site) {
        let (path, matching, body): (String, Match, Vec<&Directive>) = if d.name == "location" {
            let (matching, path) = match d.args.as_slice() {
                [m, p] if m == "=" => (Match::Exact, p.clone()),
                [m, p] if m == "^~" => (Match::Prefix, p.clone()),
                [m, p] if m == "~" => (Match::Regex, p.clone()),
                [m, p] if m == "~*" => (Match::Regex, format!("(?i){p}")),
                [p] if p.starts_with('/') => (Match::Prefix, p.clone()),
                _ => {
                    self.warn(d, "named locations are not carried over");
                    return;
                }
            };
            let body = d.block.as_deref().unwrap_or_default().iter().collect();
            (path, matching, body)
        } else {
            ("/".to_string(), Match::Prefix, vec![d])
        };
        let exact = matching == Match::Exact;
        if matching == Match::Regex {
            if let Err(why) = text::portable_regex(&path) {
                self.warn(d, &format!("not carried over: {why}"));
                return;
            }
        } else if !text::is_route_path(&path) {
            self.warn(d, "the path holds characters infrac's routes do not take");
            return;
        }
        let mut root = defaults.root.clone();
        let mut index = defaults.index.clone();
        let mut spa = false;
        let mut listing = false;
        let mut proxy: Option<(Vec<Upstream>, Policy)> = None;
        let mut websockets = false;
        let mut returned: Option<(u16, Option<String>)> = None;
        let mut prefix_redirect = false;
        let mut try_files = None;
        let mut tried = None;
        let mut content_type = None;
        let mut headers: Vec<Header> = Vec::new();
        let mut rate_limit = None;
        for x in &body {
            match x.name.as_str() {
                "limit_req" => rate_limit = self.limit_req(x),
                "limit_req_status" => self.limit_status(x),
                "root" => root = x.args.first().cloned(),
                "index" => index = x.args.first().cloned(),
                "autoindex" => listing = x.args == ["on"],
                "try_files" => try_files = Some(*x),
                "proxy_pass" => {
                    let target = x.args.first().map(String::as_str).unwrap_or_default();
                    let Some(rest) = target.strip_prefix("http://") else {
                        self.warn(x, "only `http://` upstreams are carried over");
                        continue;
                    };
                    if rest.contains('/') {
                        self.warn(x, "a proxy_pass with a path (which replaces the location's) is written without it");
                    }
                    let name = rest.split('/').next().unwrap_or(rest);
                    proxy = match self.upstreams.get(name) {
                        Some(u) => Some(u.clone()),
                        None => match upstream(name, Some(80)) {
                            Some(u) => Some((vec![u], Policy::RoundRobin)),
                            None => {
                                self.warn(x, "not an upstream infrac reads");
                                None
                            }
                        },
                    };
                }
                "proxy_set_header" => {
                    let name = x.args.first().map(String::as_str).unwrap_or_default();
                    if name.eq_ignore_ascii_case("Upgrade") {
                        websockets = true;
                    } else if !PROXY_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                        self.warn(x, "not carried over (infrac sets Host and X-Forwarded-*)");
                    }
                }
                n if PROXY_DEFAULTS.contains(&n) => {}
                "default_type" if body.iter().any(|y| y.name == "return") => {}
                // `types { } default_type T;`: every file is of type T.
                "types" if x.block.as_deref().is_some_and(|b| b.is_empty()) => {}
                "default_type" => content_type = x.args.first().cloned(),
                "add_header" => {
                    if let Some(h) = self.header(x) {
                        headers.retain(|o: &Header| !o.name.eq_ignore_ascii_case(&h.name));
                        headers.push(h);
                    }
                }
                "return" => {
                    let status = x.args.first().and_then(|s| s.parse::<u16>().ok());
                    match status {
                        Some(s) => returned = Some((s, x.args.get(1).cloned())),
                        None => self.warn(x, "not a status infrac reads"),
                    }
                }
                // infrac's prefix-replacing redirect: `if ($request_uri ~ …)`.
                "if" if x.args.first().map(String::as_str) == Some("($request_uri") => {
                    prefix_redirect = true;
                }
                _ => self.warn(x, "not carried over"),
            }
        }
        let action = if let Some((upstreams, policy)) = proxy {
            Action::Proxy {
                upstreams,
                policy,
                health: None,
                websockets,
            }
        } else if let Some((status, arg)) = returned {
            if (300..400).contains(&status) {
                let Some(raw) = arg else {
                    self.warn(d, "a redirect without a target");
                    return;
                };
                let target = unescape(&raw);
                let (to, keep_path) = if prefix_redirect {
                    // `return S "TARGET/"`, the target without its `/`.
                    let t = target.trim_end_matches('/');
                    (
                        if t.is_empty() {
                            "/".to_string()
                        } else {
                            t.to_string()
                        },
                        true,
                    )
                } else if matching == Match::Regex {
                    (target.clone(), false)
                } else if let Some(t) = target.strip_suffix("$request_uri") {
                    if path == "/" || exact {
                        (t.to_string(), !exact)
                    } else {
                        // Appending the whole path is replacing the prefix
                        // with the target and the prefix.
                        (format!("{t}{}", path.trim_end_matches('/')), true)
                    }
                } else {
                    (target.clone(), false)
                };
                let variables = raw.replace("$request_uri", "");
                let variables = if matching == Match::Regex {
                    without_captures(&variables)
                } else {
                    variables
                };
                if has_variable(&variables) || !text::is_redirect_target(&to) {
                    self.warn(
                        d,
                        "its redirect target is not carried over (it uses nginx variables)",
                    );
                    return;
                }
                Action::Redirect {
                    to,
                    status,
                    keep_path,
                }
            } else {
                let raw = arg.unwrap_or_default();
                if has_variable(&raw) {
                    self.warn(
                        d,
                        "its body holds nginx variables, which infrac writes as text",
                    );
                }
                Action::Respond {
                    status,
                    body: unescape(&raw),
                }
            }
        } else if let Some(root) = root {
            let index = index.unwrap_or_else(|| "index.html".into());
            if let Some(t) = try_files {
                let fallback = Route {
                    rate_limit: None,
                    path: path.clone(),
                    matching,
                    action: Action::Respond {
                        status: 0,
                        body: String::new(),
                    },
                    headers: Vec::new(),
                    raw: Vec::new(),
                    span: Default::default(),
                }
                .spa_fallback(&index);
                let spa_form = ["$uri", "$uri/", fallback.as_str()];
                if t.args.iter().map(String::as_str).eq(spa_form) {
                    spa = true;
                } else {
                    tried = self.try_files(t);
                }
            }
            Action::Static {
                root,
                index,
                spa,
                listing,
                try_files: tried,
                content_type: content_type.take(),
            }
        } else {
            if !body.is_empty() {
                self.warn(
                    d,
                    "a location that serves nothing infrac reads (no root, proxy_pass or return)",
                );
            }
            return;
        };
        if let Some(earlier) = site
            .routes
            .iter_mut()
            .find(|r| r.path == path && r.matching == matching)
        {
            earlier.action = action;
            return;
        }
        if content_type.is_some() {
            self.warn(d, "a content type is carried over on static routes only");
        }
        // A location's headers repeat the server's (nginx does not merge
        // the levels): only its own are the route's.
        let site_headers = site.response_headers();
        headers.retain(|h| {
            !site_headers.iter().any(|s| {
                s.name.eq_ignore_ascii_case(&h.name) && s.value == h.value && s.always == h.always
            })
        });
        site.routes.push(Route {
            rate_limit,
            path,
            matching,
            action,
            headers,
            raw: Vec::new(),
            span: Default::default(),
        });
    }
}

impl Reader<'_> {
    /// A `stream` block: each `server { listen PORT; proxy_pass UPSTREAM; }`
    /// a TCP proxy (`site … tcp=PORT`), named after its upstream.
    fn stream(&mut self, block: &Directive, sites: &mut Vec<super::ImportedSite>) {
        let mut upstreams: HashMap<&str, (Vec<Upstream>, Policy)> = HashMap::new();
        let mut conn_zones: Vec<&str> = Vec::new();
        for d in block.block.as_deref().unwrap_or_default() {
            match (d.name.as_str(), d.args.first()) {
                ("upstream", Some(name)) => {
                    let mut list = Vec::new();
                    let mut policy = Policy::RoundRobin;
                    for u in d.block.as_deref().unwrap_or_default() {
                        match (u.name.as_str(), u.args.as_slice()) {
                            ("server", [a, ..]) => match upstream(a, None) {
                                Some(up) => list.push(up),
                                None => self.warn(u, "not an upstream address infrac reads"),
                            },
                            ("least_conn", _) => policy = Policy::LeastConn,
                            ("random", _) => policy = Policy::Random,
                            ("hash", [key, consistent])
                                if key == "$remote_addr" && consistent == "consistent" =>
                            {
                                policy = Policy::IpHash
                            }
                            _ => self.warn(u, "not carried over"),
                        }
                    }
                    upstreams.insert(name, (list, policy));
                }
                ("limit_conn_zone", Some(key)) if key == "$binary_remote_addr" => {
                    if let Some(zone) = d.args.iter().find_map(|a| a.strip_prefix("zone=")) {
                        conn_zones.push(zone.split(':').next().unwrap_or(zone));
                    }
                }
                ("server", _) => {
                    let body = d.block.as_deref().unwrap_or_default();
                    let port = body
                        .iter()
                        .find(|x| x.name == "listen")
                        .and_then(|x| x.args.first())
                        .and_then(|a| a.rsplit(':').next()?.parse::<u16>().ok());
                    let target = body
                        .iter()
                        .find(|x| x.name == "proxy_pass")
                        .and_then(|x| x.args.first());
                    let (Some(port), Some((name, (list, policy)))) = (
                        port,
                        target.and_then(|t| upstreams.get_key_value(t.as_str())),
                    ) else {
                        self.warn(d, "a stream server infrac does not read (`listen PORT; proxy_pass UPSTREAM;`)");
                        continue;
                    };
                    let mut site = new_site(Engine::Nginx);
                    site.label =
                        label_for(None, Some(&name.trim_end_matches("_1").replace('_', "-")));
                    site.tcp = Some(port);
                    site.tls = Tls::Off;
                    site.max_body = None;
                    for x in body {
                        match (x.name.as_str(), x.args.as_slice()) {
                            ("listen" | "proxy_pass", _) => {}
                            ("limit_conn", [zone, n]) if conn_zones.contains(&zone.as_str()) => {
                                site.conn_limit = n.parse().ok()
                            }
                            _ => self.warn(x, "not carried over"),
                        }
                    }
                    site.routes.push(Route {
                        rate_limit: None,
                        path: "/".into(),
                        matching: Match::Prefix,
                        action: Action::Proxy {
                            upstreams: list.clone(),
                            policy: *policy,
                            health: None,
                            websockets: false,
                        },
                        headers: Vec::new(),
                        raw: Vec::new(),
                        span: Default::default(),
                    });
                    sites.push(super::ImportedSite {
                        site,
                        notes: Vec::new(),
                        on: String::new(),
                    });
                }
                _ => self.warn(d, "not carried over"),
            }
        }
    }

    /// `limit_req_zone $binary_remote_addr zone=NAME:10m rate=10r/s`, or
    /// `limit_conn_zone $binary_remote_addr zone=NAME:10m`: limits per
    /// client address, as infrac's are.
    fn limit_zone(&mut self, d: &Directive) {
        let arg = |key: &str| d.args.iter().find_map(|a| a.strip_prefix(key));
        let name = arg("zone=").and_then(|z| z.split(':').next());
        let by_address = d.args.first().map(String::as_str) == Some("$binary_remote_addr");
        let (Some(name), true) = (name, by_address) else {
            self.warn(
                d,
                "only limits per client address ($binary_remote_addr) are carried over",
            );
            return;
        };
        if d.name == "limit_conn_zone" {
            self.conn_zones.push(name.to_string());
            return;
        }
        let rate = arg("rate=").and_then(|r| {
            let (n, per_second) = match r.strip_suffix("r/s") {
                Some(n) => (n, true),
                None => (r.strip_suffix("r/m")?, false),
            };
            Some(RateLimit {
                requests: n.parse().ok().filter(|n| *n > 0)?,
                per_second,
                burst: 0,
            })
        });
        match rate {
            Some(r) => {
                self.rate_zones.insert(name.to_string(), r);
            }
            None => self.warn(d, "not a rate infrac reads (`10r/s`, `30r/m`)"),
        }
    }

    /// `limit_req zone=NAME [burst=N nodelay]` of a known zone.
    fn limit_req(&mut self, d: &Directive) -> Option<RateLimit> {
        let arg = |key: &str| d.args.iter().find_map(|a| a.strip_prefix(key));
        let Some(mut limit) = arg("zone=").and_then(|z| self.rate_zones.get(z).copied()) else {
            self.warn(d, "a zone infrac did not read: not carried over");
            return None;
        };
        limit.burst = arg("burst=").and_then(|b| b.parse().ok()).unwrap_or(0);
        if limit.burst > 0 && !d.args.iter().any(|a| a == "nodelay") {
            self.warn(
                d,
                "without `nodelay` nginx delays a burst; infrac's serves it at once",
            );
        }
        Some(limit)
    }

    /// `limit_req_status` or `limit_conn_status`: infrac's limits answer 429.
    fn limit_status(&mut self, d: &Directive) {
        if d.args != [LIMITED.to_string()] {
            self.warn(
                d,
                "infrac's limits answer 429: the status is not carried over",
            );
        }
    }

    /// `try_files $uri $uri.html =404` as a `try` list: `$uri` is the
    /// request path; the last is the fallback (a status or a file).
    fn try_files(&mut self, d: &Directive) -> Option<TryFiles> {
        let (last, files) = d.args.split_last()?;
        let mut list = Vec::new();
        for f in files {
            let f = f.replace("$uri", REQUEST_PATH);
            if has_variable(&f) || !(f.starts_with('/') || f.starts_with(REQUEST_PATH)) {
                self.warn(d, "only files of `$uri` and fixed paths are carried over");
                return None;
            }
            list.push(f);
        }
        let fallback = match last.strip_prefix('=') {
            Some(s) => Fallback::Status(s.parse().ok()?),
            None if last.starts_with('/') && !has_variable(last) => Fallback::File(last.clone()),
            None => {
                self.warn(
                    d,
                    "its fallback (a named location or a variable) is not carried over",
                );
                return None;
            }
        };
        if list.is_empty() {
            self.warn(d, "a `try_files` without files to try");
            return None;
        }
        Some(TryFiles {
            files: list,
            fallback,
        })
    }
}

struct LocationDefaults {
    root: Option<String>,
    index: Option<String>,
}

/// `raw` without its capture references (`$1`…).
fn without_captures(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| ('1'..='9').contains(d)) {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// `client_max_body_size`: `0` is no limit.
fn body_size(s: &str) -> Option<Option<u64>> {
    match s {
        "0" => Some(None),
        _ => parse_size(s).map(Some),
    }
}

/// `host:port`, `[v6]:port` or `host` (with `default_port`), as an
/// upstream.
fn upstream(address: &str, default_port: Option<u16>) -> Option<Upstream> {
    let (host, port) = if let Some(v6) = address.strip_prefix('[') {
        let (h, rest) = v6.split_once(']')?;
        match rest.strip_prefix(':') {
            Some(p) => (h, p.parse().ok()?),
            None => (h, default_port?),
        }
    } else {
        match address.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().ok()?),
            None => (address, default_port?),
        }
    };
    if host.is_empty() || host.starts_with("unix") || has_variable(host) {
        return None;
    }
    Some(Upstream {
        host: host.to_string(),
        port,
        droplet: None,
        machine: None,
        span: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_nest_and_unquote() {
        let d = parse("http {\n  add_header X \"a \\\"b\\\" $c\" always; # note\n  server { listen 80; }\n}\n").unwrap();
        let body = d[0].block.as_ref().unwrap();
        assert_eq!(body[0].args, ["X", "a \"b\" $c", "always"]);
        assert_eq!(body[1].block.as_ref().unwrap()[0].line, 3);
        assert!(parse("server { listen 80 }").is_err());
        assert!(parse("server {").is_err());
    }

    #[test]
    fn a_hand_written_server_becomes_a_site() {
        let conf = "upstream app { least_conn; server 10.0.0.5:8080; server 10.0.0.6:8080; }\n\
            server {\n listen 443 ssl;\n server_name shop.example.com;\n\
            ssl_certificate /etc/ssl/shop.pem; ssl_certificate_key /etc/ssl/shop.key;\n\
            client_max_body_size 10m;\n root /srv/shop;\n\
            location / { try_files $uri $uri/ /index.html; }\n\
            location /api/ { proxy_pass http://app; proxy_set_header Host $host; }\n\
            location = /old { return 302 /new; }\n\
            location ~ \\.php$ { fastcgi_pass unix:/run/php.sock; }\n}\n\
            server { listen 80; server_name shop.example.com; return 301 https://$host$request_uri; }\n\
            server { listen 80; server_name www.shop.example.com; return 301 https://shop.example.com$request_uri; }\n";
        let found = read("shop.conf", conf).unwrap();
        assert_eq!(found.sites.len(), 1);
        let site = &found.sites[0].site;
        assert_eq!(site.hosts, ["shop.example.com"]);
        assert_eq!(site.aliases, ["www.shop.example.com"]);
        assert_eq!(site.max_body, Some(10 * 1024 * 1024));
        assert!(matches!(site.tls, Tls::Files { .. }));
        assert!(matches!(
            site.routes[0].action,
            Action::Static { spa: true, .. }
        ));
        assert!(matches!(
            &site.routes[1].action,
            Action::Proxy { upstreams, policy: Policy::LeastConn, .. } if upstreams.len() == 2
        ));
        assert!(site.routes[2].exact());
        // The regex location is named, never dropped silently.
        assert!(
            found
                .warnings
                .iter()
                .any(|w| w.contains("shop.conf:11") && w.contains("fastcgi_pass")),
            "{:?}",
            found.warnings
        );
    }
}
