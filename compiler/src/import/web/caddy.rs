//! A Caddyfile into sites. Site blocks become sites; `handle` blocks (and
//! directives with a path matcher at the site's level) routes. A site block
//! that only redirects, keeping the path, to another site's name gives that
//! site aliases.

use super::{finish_site, new_site, Directive, Read, WebImport};
use crate::web::*;

/// Tokens of one line: unquoted words, `"…"` (with `\"`) and `` `…` ``
/// (raw). A quoted token may run over lines.
struct Token {
    text: String,
    quoted: bool,
    line: usize,
}

fn tokenize(text: &str) -> Result<Vec<Vec<Token>>, String> {
    let mut lines: Vec<Vec<Token>> = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                line += 1;
            }
            c if c.is_whitespace() => {}
            '#' => {
                while chars.peek().is_some_and(|&x| x != '\n') {
                    chars.next();
                }
            }
            '"' | '`' => {
                let start = line;
                let mut s = String::new();
                let mut closed = false;
                while let Some(x) = chars.next() {
                    if x == '\n' {
                        line += 1;
                    }
                    if c == '"' && x == '\\' && matches!(chars.peek(), Some('"')) {
                        s.push(chars.next().expect("peeked"));
                        continue;
                    }
                    if x == c {
                        closed = true;
                        break;
                    }
                    s.push(x);
                }
                if !closed {
                    return Err(format!("line {start}: a quoted token is not closed"));
                }
                current.push(Token {
                    text: s,
                    quoted: true,
                    line: start,
                });
            }
            c => {
                let mut s = String::from(c);
                while chars.peek().is_some_and(|x| !x.is_whitespace()) {
                    s.push(chars.next().expect("peeked"));
                }
                current.push(Token {
                    text: s,
                    quoted: false,
                    line,
                });
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    Ok(lines)
}

/// Lines into directives: a line ending in an unquoted `{` opens a block,
/// a line that is only `}` closes it.
fn parse(text: &str) -> Result<Vec<Directive>, String> {
    let mut nesting = super::Nesting::default();
    for mut tokens in tokenize(text)? {
        let line = tokens[0].line;
        if tokens.len() == 1 && tokens[0].text == "}" && !tokens[0].quoted {
            nesting.close(line)?;
            continue;
        }
        let opens = tokens.last().is_some_and(|t| t.text == "{" && !t.quoted);
        if opens {
            tokens.pop();
        }
        let mut words = tokens.into_iter().map(|t| t.text);
        let d = Directive {
            name: words.next().unwrap_or_default(),
            args: words.collect(),
            block: None,
            line,
        };
        if opens {
            nesting.open(d);
        } else {
            nesting.add(d);
        }
    }
    nesting.finish()
}

/// Caddy's `\{` and `\}` back to braces.
fn unescape(value: &str) -> String {
    value.replace("\\{", "{").replace("\\}", "}")
}

/// A placeholder (`{path}`) left after unescaping: Caddy would expand it.
fn has_placeholder(raw: &str) -> bool {
    let mut prev = ' ';
    for c in raw.chars() {
        if c == '{' && prev != '\\' {
            return true;
        }
        prev = c;
    }
    false
}

pub(super) fn read(path: &str, text: &str) -> Result<WebImport, String> {
    let top = parse(text).map_err(|e| format!("{path}: not a Caddyfile: {e}"))?;
    let mut r = Reader {
        path,
        regexes: Vec::new(),
        warnings: Vec::new(),
        email: None,
    };
    let mut gathered = super::Gathered::default();
    for (i, block) in top.iter().enumerate() {
        let Some(body) = &block.block else {
            r.warn(block, "not carried over (outside a site block)");
            continue;
        };
        if i == 0 && block.name.is_empty() {
            for d in body {
                match (d.name.as_str(), d.args.as_slice()) {
                    ("email", [e]) => r.email = Some(e.clone()),
                    _ => r.warn(d, "a global option, not carried over"),
                }
            }
            continue;
        }
        if block.name.starts_with('(') {
            r.warn(
                block,
                "snippets are not carried over; import the sites that use them expanded",
            );
            continue;
        }
        let addresses: Vec<&str> = std::iter::once(block.name.as_str())
            .chain(block.args.iter().map(String::as_str))
            .flat_map(|a| a.split(','))
            .filter(|a| !a.is_empty())
            .collect();
        let read = r.site(block, &addresses, body);
        if let Some(site) = gathered.add(read) {
            gathered.sites.push(site);
        }
    }
    Ok(gathered.finish(r.warnings))
}

struct Reader<'a> {
    path: &'a str,
    /// The site's `path_regexp` matchers: matcher, capture name, pattern.
    regexes: Vec<(String, String, String)>,
    warnings: Vec<String>,
    /// The global `email` option: every site's ACME account.
    email: Option<String>,
}

/// What a route's directives say, gathered before the action is known.
#[derive(Default)]
struct RouteParts {
    root: Option<String>,
    index: Option<String>,
    file_server: bool,
    listing: bool,
    try_files: Option<Vec<String>>,
    /// infrac's `error @untried STATUS`: the status when no file exists.
    untried: Option<u16>,
    headers: Vec<Header>,
    proxy: Option<(Vec<Upstream>, Policy, Option<String>)>,
    redirect: Option<(String, u16)>,
    strip_prefix: bool,
    respond: Option<(u16, String)>,
}

impl Reader<'_> {
    fn warn(&mut self, d: &Directive, why: &str) {
        self.warnings
            .push(format!("{}:{}: `{}`: {why}", self.path, d.line, d.text()));
    }

    fn site(&mut self, block: &Directive, addresses: &[&str], body: &[Directive]) -> Read {
        let mut hosts = Vec::new();
        let mut plain = false;
        let mut notes = Vec::new();
        for a in addresses {
            let (scheme_plain, rest) = match a.strip_prefix("http://") {
                Some(r) => (true, r),
                None => (false, a.strip_prefix("https://").unwrap_or(a)),
            };
            plain |= scheme_plain;
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
                _ => (rest, None),
            };
            if port == Some("80") {
                plain = true;
            }
            if let Some(p) = port.filter(|p| !["80", "443"].contains(p)) {
                notes.push(format!(
                    "{}:{}: `{a}` listens on port {p}; infrac's sites listen on 80 and 443",
                    self.path, block.line
                ));
            }
            if host.is_empty() {
                continue;
            }
            if text::is_host(&host.to_ascii_lowercase()) {
                hosts.push(host.to_ascii_lowercase());
            } else {
                notes.push(format!(
                    "{}:{}: the address `{a}` is not a host name infrac reads",
                    self.path, block.line
                ));
            }
        }
        // `http:// { respond 404 }`: infrac's catch-all; another plain-HTTP
        // block without names is a default site.
        let mut default_site = false;
        if hosts.is_empty() {
            let catch_all = matches!(body, [d] if d.name == "respond" && d.args == ["404"]);
            if catch_all {
                return Read::Implied;
            }
            if !plain {
                self.warn(block, "a site block without host names is not carried over");
                return Read::Implied;
            }
            default_site = true;
        }
        // infrac's `plain-http`: `@to_https not path P*…` and its redirect.
        if plain {
            let paths = body.iter().find_map(|d| match d.args.as_slice() {
                [not, path, rest @ ..]
                    if d.name == "@to_https" && not == "not" && path == "path" =>
                {
                    rest.iter()
                        .map(|p| p.strip_suffix('*').map(str::to_string))
                        .collect::<Option<Vec<String>>>()
                }
                _ => None,
            });
            if let Some(paths) = paths {
                return Read::PlainHttp(hosts, paths);
            }
        }
        let meaningful: Vec<&Directive> = body.iter().filter(|d| d.name != "tls").collect();
        if let [d] = meaningful.as_slice() {
            if d.name == "redir" {
                if let Some(target) = whole_site_redirect(&d.args) {
                    return Read::Alias(hosts, target);
                }
            }
        }
        let mut site = new_site(Engine::Caddy);
        site.hosts = hosts;
        site.default = default_site;
        site.tls = if plain {
            Tls::Off
        } else {
            Tls::Acme {
                email: self.email.clone(),
            }
        };
        let mut log = None;
        let mut success_only: Vec<String> = Vec::new();
        let mut top_level = RouteParts::default();
        let mut routes: Vec<Pending> = Vec::new();
        for d in body {
            match d.name.as_str() {
                "tls" if !plain => {
                    for o in d.block.as_deref().unwrap_or_default() {
                        match (o.name.as_str(), o.args.as_slice()) {
                            ("protocols", [a, b]) if a.starts_with("tls1.") && b.starts_with("tls1.") => {
                                let v = |s: &str| s["tls1.".len()..].parse::<u8>().ok();
                                match (v(a), v(b)) {
                                    (Some(a), Some(b)) if (2..=3).contains(&a) && a <= b && b <= 3 => site.tls_versions = (a, b),
                                    _ => self.warn(o, "not TLS versions infrac serves (1.2, 1.3)"),
                                }
                            }
                            ("ciphers", names) => {
                                let suites: Option<Vec<&'static CipherSuite>> = names
                                    .iter()
                                    .map(|n| CIPHER_SUITES.iter().find(|c| c.iana == n.as_str()))
                                    .collect();
                                match suites {
                                    Some(s) => site.tls_ciphers = s,
                                    None => self.warn(o, "a suite nginx does not offer too: not carried over"),
                                }
                            }
                            _ => self.warn(o, "this TLS setting is not carried over"),
                        }
                    }
                    match d.args.as_slice() {
                    [] => {}
                    [email] if email.contains('@') => {
                        site.tls = Tls::Acme {
                            email: Some(unescape(email)),
                        }
                    }
                    [cert, key] => {
                        site.tls = Tls::Files {
                            cert: cert.clone(),
                            key: key.clone(),
                        }
                    }
                    _ => self.warn(d, "not carried over (infrac's TLS is ACME or certificate files)"),
                    }
                }
                "log" => {
                    site.access_log = true;
                    for o in d.block.as_deref().unwrap_or_default() {
                        match (o.name.as_str(), o.args.as_slice()) {
                            ("output", [kind, file]) if kind == "file" => log = Some(file.clone()),
                            ("format", [json]) if json == "json" => site.log_format = Some(LogFormat::Json),
                            _ => self.warn(o, "the log's settings are not carried over"),
                        }
                    }
                }
                "encode" => site.compress = true,
                "header" => self.headers(d, &mut site.headers, false),
                "request_body" => {
                    for o in d.block.as_deref().unwrap_or_default() {
                        match (o.name.as_str(), o.args.as_slice()) {
                            ("max_size", [size]) => match text::parse_size(&size.to_ascii_lowercase().replace("mb", "m").replace("kb", "k").replace("gb", "g")) {
                                Some(n) => site.max_body = Some(n),
                                None => self.warn(o, "not a size infrac reads"),
                            },
                            _ => self.warn(o, "not carried over"),
                        }
                    }
                }
                "basicauth" | "basic_auth" if !d.args.is_empty() => {
                    self.warn(d, "basic auth on part of a site is not carried over (infrac's covers the whole site)")
                }
                "basicauth" | "basic_auth" => {
                    let users = d.block.as_deref().unwrap_or_default();
                    match users {
                        [u] => {
                            let hash = u.args.first().map(String::as_str).unwrap_or_default();
                            let secret = hash
                                .strip_prefix("{$")
                                .and_then(|h| h.strip_suffix('}'))
                                .map(|env| {
                                    env.strip_prefix("INFRAC_SECRET_")
                                        .unwrap_or(env)
                                        .to_ascii_lowercase()
                                });
                            let secret = match secret {
                                Some(s) => s,
                                None => {
                                    notes.push(format!(
                                        "{}:{}: the password hash of `{}` is left out (a secret is never written in KDL); give it as the secret `{}_hash`",
                                        self.path, u.line, u.name, u.name
                                    ));
                                    format!("{}_hash", u.name.replace('.', "_"))
                                }
                            };
                            site.basic_auth = Some(BasicAuth {
                                user: u.name.clone(),
                                secret,
                                span: Default::default(),
                            });
                        }
                        _ => self.warn(d, "only one user is carried over"),
                    }
                }
                "route" => {
                    for h in d.block.as_deref().unwrap_or_default() {
                        self.handle_or_directive(h, &mut routes, &mut top_level, &mut notes);
                    }
                }
                "handle_errors" => success_only = self.error_pages(d, &mut site),
                "rewrite" => match d.args.as_slice() {
                    [m, to] if m.starts_with('@') => {
                        let found = self.regexes.iter().find(|(n, _, _)| n == m).cloned();
                        let rewrite = found.and_then(|(_, name, pattern)| {
                            let mut to = to.clone();
                            for n in 1..=9 {
                                for prefix in ["re", "http.regexp"] {
                                    to = to.replace(&format!("{{{prefix}.{name}.{n}}}"), &format!("${n}"));
                                }
                            }
                            super::rewrite_from_regex(&pattern, &unescape(&to))
                        });
                        match rewrite {
                            Some(r) => site.rewrites.push(r),
                            None => self.warn(d, "only rewrites on a `path_regexp` matcher are carried over"),
                        }
                    }
                    _ => self.warn(d, "only rewrites on a `path_regexp` matcher are carried over"),
                },
                _ => self.handle_or_directive(d, &mut routes, &mut top_level, &mut notes),
            }
        }
        site.label = super::site_label(log.as_deref(), &site);
        if site.access_log
            && log.as_deref() != Some(&format!("/var/log/caddy/{}.access.log", site.label))
        {
            notes.push(format!(
                "the access log goes to /var/log/caddy/{}.access.log (was {})",
                site.label,
                log.as_deref().unwrap_or("Caddy's default")
            ));
        }
        if top_level.any() {
            routes.push(Pending {
                at: without_block(block),
                path: "/".into(),
                matching: Match::Prefix,
                parts: top_level,
            });
        }
        for p in routes {
            self.push_route(&p.at, &p.path, p.matching, p.parts, &mut site);
        }
        // Headers deleted from errors are sent on success only; a proxy
        // route's never are (Caddy cannot see the upstream's status), so
        // a name deleted for another route's sake is not one of its.
        for h in site.headers.iter_mut().chain(
            site.routes
                .iter_mut()
                .filter(|r| !matches!(r.action, Action::Proxy { .. }))
                .flat_map(|r| r.headers.iter_mut()),
        ) {
            if success_only.iter().any(|n| n.eq_ignore_ascii_case(&h.name)) {
                h.always = false;
            }
        }
        finish_site(site, notes)
    }

    /// `header N V` or `header { N V … }` into `into`. Deletions (`-N`)
    /// are what infrac writes where headers for successes only must not
    /// go (read from `handle_errors`); elsewhere a warning.
    fn headers(&mut self, d: &Directive, into: &mut Vec<Header>, deletions_expected: bool) {
        let mut set = |at: &Directive, name: &str, raw: &str, this: &mut Self| {
            if name.starts_with('-') && raw.is_empty() && deletions_expected {
                return;
            }
            if name.starts_with(['-', '+', '>', '?']) || raw.is_empty() {
                this.warn(at, "only headers set to a value are carried over");
                return;
            }
            if has_placeholder(raw) {
                this.warn(
                    at,
                    "its value holds a Caddy placeholder, which infrac writes as text",
                );
            }
            into.retain(|h| !h.name.eq_ignore_ascii_case(name));
            into.push(Header {
                name: name.to_string(),
                value: unescape(raw),
                span: Default::default(),
                always: true,
            });
        };
        match (&d.block, d.args.as_slice()) {
            (Some(lines), []) => {
                for h in lines {
                    match h.args.as_slice() {
                        [v] => set(h, &h.name, v, self),
                        [] => set(h, &h.name, "", self),
                        _ => self.warn(h, "not a header infrac reads"),
                    }
                }
            }
            (None, [n, v]) => set(d, n, v, self),
            (None, [n]) => set(d, n, "", self),
            _ => self.warn(d, "headers with a matcher are not carried over"),
        }
    }

    /// A `handle` block becomes a route; any other directive applies to
    /// the site's `/` (or, with a path matcher, is its own route).
    fn handle_or_directive(
        &mut self,
        d: &Directive,
        routes: &mut Vec<Pending>,
        top_level: &mut RouteParts,
        notes: &mut Vec<String>,
    ) {
        if d.name.starts_with('@') {
            match d.args.as_slice() {
                [kind, name, pattern] if kind == "path_regexp" => {
                    self.regexes
                        .push((d.name.clone(), name.clone(), pattern.clone()))
                }
                [kind, pattern] if kind == "path_regexp" => {
                    self.regexes
                        .push((d.name.clone(), String::new(), pattern.clone()))
                }
                _ => self.warn(d, "only `path_regexp` matchers are carried over"),
            }
            return;
        }
        if d.name == "handle" {
            let (path, matching) = match d.args.as_slice() {
                [] => ("/".to_string(), Match::Prefix),
                [m] => {
                    match self.matcher(m) {
                        Some(p) => p,
                        None => {
                            self.warn(d, "only path matchers (`/x`, `/x*`) and `path_regexp` are carried over");
                            return;
                        }
                    }
                }
                _ => {
                    self.warn(d, "only one path matcher is carried over");
                    return;
                }
            };
            let mut parts = RouteParts::default();
            for x in d.block.as_deref().unwrap_or_default() {
                self.route_directive(x, &mut parts, notes);
            }
            routes.push(Pending {
                at: without_block(d),
                path,
                matching,
                parts,
            });
            return;
        }
        // A site-level directive with a path matcher: a route of its own.
        if let Some((path, matching)) = d.args.first().and_then(|m| {
            (m != "*"
                && (m.starts_with('/') || m.starts_with('@'))
                && matches!(
                    d.name.as_str(),
                    "reverse_proxy" | "respond" | "redir" | "file_server" | "abort"
                ))
            .then(|| self.matcher(m))
            .flatten()
        }) {
            let mut parts = RouteParts::default();
            let mut without = d.clone();
            without.args.remove(0);
            self.route_directive(&without, &mut parts, notes);
            routes.push(Pending {
                at: without_block(d),
                path,
                matching,
                parts,
            });
            return;
        }
        self.route_directive(d, top_level, notes);
    }

    fn route_directive(&mut self, d: &Directive, parts: &mut RouteParts, notes: &mut Vec<String>) {
        let args = d.args.as_slice();
        match d.name.as_str() {
            "root" => {
                parts.root = match args {
                    [m, dir] if m == "*" => Some(dir.clone()),
                    [dir] => Some(dir.clone()),
                    _ => {
                        self.warn(d, "only `root * DIR` is carried over");
                        None
                    }
                }
            }
            "file_server" => {
                parts.file_server = true;
                parts.listing |= args.iter().any(|a| a == "browse");
                for o in d.block.as_deref().unwrap_or_default() {
                    match o.name.as_str() {
                        "index" => parts.index = o.args.first().cloned(),
                        "browse" => parts.listing = true,
                        _ => self.warn(o, "not carried over"),
                    }
                }
            }
            "try_files" => parts.try_files = Some(args.to_vec()),
            "header" => self.headers(d, &mut parts.headers, true),
            "reverse_proxy" => {
                let mut upstreams = Vec::new();
                for a in args {
                    match upstream(a) {
                        Some(u) => upstreams.push(u),
                        None => self.warn(d, &format!("`{a}` is not an upstream infrac reads")),
                    }
                }
                let mut policy = Policy::RoundRobin;
                let mut health = None;
                for o in d.block.as_deref().unwrap_or_default() {
                    match (o.name.as_str(), o.args.as_slice()) {
                        ("to", list) => upstreams.extend(list.iter().filter_map(|a| upstream(a))),
                        ("lb_policy", [p]) => match Policy::parse(&p.replace('_', "-")) {
                            Some(p) => policy = p,
                            None => self.warn(o, "not a policy infrac has"),
                        },
                        ("health_uri", [p]) => health = Some(p.clone()),
                        (
                            "lb_try_duration" | "health_interval" | "health_timeout"
                            | "fail_duration" | "max_fails",
                            _,
                        ) => {}
                        _ => self.warn(o, "not carried over"),
                    }
                }
                if !upstreams.is_empty() {
                    parts.proxy = Some((upstreams, policy, health));
                }
            }
            "redir" => {
                let args: Vec<&String> = args.iter().filter(|a| *a != "*").collect();
                let (target, status) = match args.as_slice() {
                    [t] => (t, 302),
                    [t, code] => match code.as_str() {
                        "permanent" => (t, 301),
                        "temporary" => (t, 302),
                        c => match c.parse() {
                            Ok(n) => (t, n),
                            Err(_) => {
                                self.warn(d, "not a redirect status infrac reads");
                                return;
                            }
                        },
                    },
                    // infrac's folder redirects (`redir @folder …`), which
                    // every static route has.
                    [m, _, _] if m.starts_with("@folder") => return,
                    _ => {
                        self.warn(d, "not a redirect infrac reads");
                        return;
                    }
                };
                parts.redirect = Some(((*target).clone(), status));
            }
            // infrac's folder and `try` matchers.
            n if n.starts_with("@folder") || n == "@untried" => {}
            "error" if args.len() == 2 && args[0] == "@untried" => {
                parts.untried = args[1].parse().ok();
            }
            "uri" if args.first().map(String::as_str) == Some("strip_prefix") => {
                parts.strip_prefix = true
            }
            "route" => {
                for x in d.block.as_deref().unwrap_or_default() {
                    self.route_directive(x, parts, notes);
                }
            }
            "respond" | "error" => {
                let (status, body) = match (args, &d.block) {
                    ([s], None) if s.parse::<u16>().is_ok() => {
                        (s.parse().unwrap_or(200), String::new())
                    }
                    ([s], Some(b)) if s.parse::<u16>().is_ok() => (
                        s.parse().unwrap_or(200),
                        b.iter()
                            .find(|x| x.name == "body")
                            .and_then(|x| x.args.first())
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    ([body], None) => (200, body.clone()),
                    ([body, s], None) if s.parse::<u16>().is_ok() => {
                        (s.parse().unwrap_or(200), body.clone())
                    }
                    _ => {
                        self.warn(d, "not a response infrac reads");
                        return;
                    }
                };
                if has_placeholder(&body) {
                    notes.push(format!(
                        "{}:{}: the body holds a Caddy placeholder, which infrac writes as text",
                        self.path, d.line
                    ));
                }
                parts.respond = Some((status, unescape(&body)));
            }
            // Closing the connection unanswered: infrac's status 444.
            "abort" if args.is_empty() => parts.respond = Some((CLOSE, String::new())),
            _ => self.warn(d, "not carried over"),
        }
    }

    fn push_route(
        &mut self,
        at: &Directive,
        path: &str,
        matching: Match,
        mut parts: RouteParts,
        site: &mut Site,
    ) {
        let action = if let Some((upstreams, policy, health)) = parts.proxy.take() {
            Action::Proxy {
                upstreams,
                policy,
                health,
                websockets: false,
            }
        } else if let Some((raw, status)) = parts.redirect {
            // A regex route's captures: `{re.NAME.1}` back to `$1`.
            let raw = match self.regexes.iter().find(|(_, _, p)| p == path) {
                Some((_, name, _)) if matching == Match::Regex => {
                    let mut raw = raw;
                    for n in 1..=9 {
                        for prefix in ["re", "http.regexp"] {
                            let name = if name.is_empty() {
                                String::new()
                            } else {
                                format!("{name}.")
                            };
                            raw = raw.replace(&format!("{{{prefix}.{name}{n}}}"), &format!("${n}"));
                        }
                    }
                    raw
                }
                _ => raw,
            };
            let target = unescape(&raw);
            let written = raw.strip_suffix("{uri}").unwrap_or(&raw);
            let (to, keep_path) = match raw.strip_suffix("{uri}") {
                Some(_) if matching == Match::Regex => (target.clone(), false),
                Some(t) if parts.strip_prefix => (unescape(t), true),
                Some(t) if path == "/" => (unescape(t), true),
                Some(t) => (
                    format!("{}{}", unescape(t), path.trim_end_matches('/')),
                    true,
                ),
                None => (target, false),
            };
            let to = if to.is_empty() { "/".to_string() } else { to };
            if has_placeholder(written) || !text::is_redirect_target(&to) {
                self.warn(
                    at,
                    "its redirect target is not carried over (it uses placeholders)",
                );
                return;
            }
            Action::Redirect {
                to,
                status,
                keep_path: keep_path && matching == Match::Prefix,
            }
        } else if let Some((status, body)) = parts.respond {
            Action::Respond { status, body }
        } else if let Some(root) = parts.root.clone().filter(|_| parts.file_server) {
            let index = parts.index.unwrap_or_else(|| "index.html".into());
            let fallback = if path.ends_with('/') {
                format!("{path}{index}")
            } else {
                format!("{path}/{index}")
            };
            let spa = parts.try_files.as_ref().is_some_and(|t| {
                t.iter()
                    .map(String::as_str)
                    .eq(["{path}", "{path}/", fallback.as_str()])
            });
            // Caddy tries every file given; infrac's `=404` form is an
            // `error` on the untried matcher, else the last is the fallback.
            let tried = match (&parts.try_files, spa) {
                (Some(files), false) => match parts.untried {
                    Some(status) => Some(TryFiles {
                        files: files.clone(),
                        fallback: Fallback::Status(status),
                    }),
                    None => files.split_last().and_then(|(last, rest)| {
                        (!rest.is_empty()).then(|| TryFiles {
                            files: rest.to_vec(),
                            fallback: Fallback::File(last.clone()),
                        })
                    }),
                },
                _ => None,
            };
            if let Some(t) = &tried {
                if t.files.iter().any(|f| {
                    !(f.starts_with('/') || f.starts_with(REQUEST_PATH))
                        || has_placeholder(&f.replace(REQUEST_PATH, ""))
                }) {
                    self.warn(
                        at,
                        "only try_files of `{path}` and fixed paths are carried over",
                    );
                    return;
                }
            }
            // A content type set in the route is the route's type.
            let content_type = parts
                .headers
                .iter()
                .position(|h| h.name.eq_ignore_ascii_case("Content-Type"))
                .map(|i| parts.headers.remove(i).value);
            Action::Static {
                root,
                index,
                spa,
                listing: parts.listing,
                try_files: tried,
                content_type,
            }
        } else {
            if parts.root.is_some() || parts.file_server {
                self.warn(at, "a file server needs both `root` and `file_server`");
            }
            return;
        };
        let portable = match matching {
            Match::Regex => text::portable_regex(path).err(),
            _ => (!text::is_route_path(path))
                .then(|| "the path holds characters infrac's routes do not take".to_string()),
        };
        if let Some(why) = portable {
            self.warn(at, &format!("not carried over: {why}"));
            return;
        }
        site.routes.push(Route {
            rate_limit: None,
            path: path.to_string(),
            matching,
            action,
            headers: parts.headers,
            raw: Vec::new(),
            span: Default::default(),
        });
    }

    /// infrac's `handle_errors`: a matcher per page, each handle serving
    /// the page's file.
    /// Reads the error pages; gives the names of the headers it deletes
    /// (those sent on success only).
    fn error_pages(&mut self, d: &Directive, site: &mut Site) -> Vec<String> {
        let body = d.block.as_deref().unwrap_or_default();
        let mut matchers: Vec<(String, Vec<u16>)> = Vec::new();
        let mut deleted = Vec::new();
        for x in body {
            if x.name == "header" && x.args.len() == 1 && x.args[0].starts_with('-') {
                deleted.push(x.args[0][1..].to_string());
            } else if x.name.starts_with('@') {
                let statuses = x
                    .args
                    .get(1)
                    .filter(|_| x.args.first().map(String::as_str) == Some("expression"))
                    .and_then(|e| {
                        e.split_once(" in [")
                            .map(|(_, l)| l.trim_end_matches(']').to_string())
                    })
                    .map(|l| {
                        l.split(',')
                            .filter_map(|s| s.trim().parse().ok())
                            .collect::<Vec<u16>>()
                    });
                match statuses {
                    Some(s) if !s.is_empty() => matchers.push((x.name.clone(), s)),
                    _ => self.warn(x, "not an error matcher infrac reads"),
                }
            } else if x.name == "handle" {
                let statuses = x
                    .args
                    .first()
                    .and_then(|m| matchers.iter().find(|(n, _)| n == m))
                    .map(|(_, s)| s.clone());
                let page = x
                    .block
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .find(|y| y.name == "rewrite")
                    .and_then(|y| y.args.last())
                    .cloned();
                match (statuses, page) {
                    (Some(statuses), Some(path)) => site.error_pages.push(ErrorPage {
                        statuses,
                        path,
                        root: String::new(),
                        span: Default::default(),
                    }),
                    _ => self.warn(x, "not an error page infrac reads"),
                }
            } else {
                self.warn(x, "not carried over");
            }
        }
        deleted
    }
}

impl RouteParts {
    fn any(&self) -> bool {
        self.proxy.is_some()
            || self.redirect.is_some()
            || self.respond.is_some()
            || self.root.is_some()
            || self.file_server
    }
}

/// A route read, made once the whole site is.
struct Pending {
    /// Where it is written, for warnings.
    at: Directive,
    path: String,
    matching: Match,
    parts: RouteParts,
}

fn without_block(d: &Directive) -> Directive {
    Directive {
        block: None,
        ..d.clone()
    }
}

impl Reader<'_> {
    /// A route's path and how it matches: `/x*` the prefix `/x`, `/x` that
    /// path alone, `*` `/`, `@name` a `path_regexp` matcher's pattern.
    fn matcher(&self, m: &str) -> Option<(String, Match)> {
        if m.starts_with('@') {
            return self
                .regexes
                .iter()
                .find(|(name, _, _)| name == m)
                .map(|(_, _, pattern)| (pattern.clone(), Match::Regex));
        }
        let (path, exact) = matcher_path(m)?;
        Some((path, if exact { Match::Exact } else { Match::Prefix }))
    }
}

/// `/x*` is the prefix `/x`; `/x` that path alone; `*` or nothing `/`.
fn matcher_path(m: &str) -> Option<(String, bool)> {
    if m == "*" {
        return Some(("/".into(), false));
    }
    if !m.starts_with('/') {
        return None;
    }
    match m.strip_suffix('*') {
        Some(p) if !p.contains('*') => Some((
            if p.is_empty() {
                "/".into()
            } else {
                p.to_string()
            },
            false,
        )),
        Some(_) => None,
        None if !m.contains('*') => Some((m.to_string(), true)),
        None => None,
    }
}

/// `redir * https://HOST{uri} 301`: the whole site redirects to HOST.
fn whole_site_redirect(args: &[String]) -> Option<String> {
    let args: Vec<&String> = args.iter().filter(|a| *a != "*").collect();
    let (target, status) = match args.as_slice() {
        [t, s] => (t, s.as_str()),
        _ => return None,
    };
    if !matches!(status, "301" | "permanent") {
        return None;
    }
    let host = target.strip_suffix("{uri}")?;
    (host.contains("://")
        && !host.trim_end_matches('/').contains(['{', '}'])
        && !host.split_once("://")?.1.contains('/'))
    .then(|| host.to_string())
}

/// `host:port` or `[v6]:port` (a scheme allowed), as an upstream; a
/// host alone is port 80.
fn upstream(address: &str) -> Option<Upstream> {
    let a = address.strip_prefix("http://").unwrap_or(address);
    if a.contains("://") || a.contains('{') || a.contains('/') {
        return None;
    }
    let (host, port) = if let Some(v6) = a.strip_prefix('[') {
        let (h, rest) = v6.split_once(']')?;
        (
            h,
            rest.strip_prefix(':')
                .map_or(Some(80), |p| p.parse().ok())?,
        )
    } else {
        match a.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().ok()?),
            None => (a, 80),
        }
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    Some(Upstream {
        host: host.to_string(),
        port,
        droplet: None,
        machine: None,
        span: Default::default(),
    })
}
