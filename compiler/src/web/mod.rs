//! Web fronts: `site` declarations, the servers they run on and the routes
//! they serve. One target-neutral model, read by the Caddy and nginx
//! backends alike, so a site behaves the same on both engines.
//!
//! Sites go through lowering and expansion like resources (so `count`,
//! components and variables work for them), then leave the resource stream:
//! `lower` turns site instances into [`Site`]s and adds the DNS records
//! their host names need; `check` runs on the checked plan, where it can see
//! droplets' networks and firewalls.

mod check;
mod lower;
pub mod machines;
pub mod text;

pub use check::check;
pub use lower::{info, lower};

use crate::source::Span;

/// The keyword that declares a site.
pub const SITE: &str = "site";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Engine {
    Caddy,
    Nginx,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Caddy => "caddy",
            Engine::Nginx => "nginx",
        }
    }

    /// The engine's name in a sentence.
    pub fn title(self) -> &'static str {
        match self {
            Engine::Caddy => "Caddy",
            Engine::Nginx => "nginx",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tls {
    /// Certificates from an ACME CA (Let's Encrypt), obtained by the engine.
    Acme {
        email: Option<String>,
    },
    /// Certificate and key files already on the server.
    Files {
        cert: String,
        key: String,
    },
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    RoundRobin,
    LeastConn,
    IpHash,
    Random,
}

impl Policy {
    pub const NAMES: &'static [&'static str] = &["round-robin", "least-conn", "ip-hash", "random"];

    pub fn parse(s: &str) -> Option<Policy> {
        Some(match s {
            "round-robin" => Policy::RoundRobin,
            "least-conn" => Policy::LeastConn,
            "ip-hash" => Policy::IpHash,
            "random" => Policy::Random,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Upstream {
    /// Host name or address the engine connects to.
    pub host: String,
    pub port: u16,
    /// The droplet behind it (instance index until the plan maps it).
    pub droplet: Option<usize>,
    /// The machine behind it (its label).
    pub machine: Option<String>,
    pub span: Span,
}

impl Upstream {
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Static {
        root: String,
        index: String,
        /// Unknown paths serve the index (single-page apps).
        spa: bool,
        listing: bool,
        /// `try "{path}" "{path}.html" … fallback=…`: the first of these
        /// files that exists, else the fallback.
        try_files: Option<TryFiles>,
        /// Every file of the route is served as this type.
        content_type: Option<String>,
    },
    Proxy {
        upstreams: Vec<Upstream>,
        policy: Policy,
        /// Active health checks: the path each upstream is probed on.
        health: Option<String>,
        websockets: bool,
    },
    Redirect {
        to: String,
        status: u16,
        keep_path: bool,
    },
    Respond {
        status: u16,
        body: String,
    },
}

/// Files a static route tries in turn, each a request path in which
/// `{path}` stands for the request's own (`{path}.html`, `{path}/`, a
/// fixed `/en/index.html`), then its fallback.
#[derive(Clone, Debug, PartialEq)]
pub struct TryFiles {
    pub files: Vec<String>,
    pub fallback: Fallback,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Fallback {
    /// A file of the route, served with 200.
    File(String),
    /// An error status (its error page, when the site has one).
    Status(u16),
}

/// The stand-in for the request path in `try` files.
pub const REQUEST_PATH: &str = "{path}";

impl TryFiles {
    /// The files as both engines are given them: a folder (`{path}/`) as
    /// its index file, so that both serve it without a redirect.
    pub fn files_with_index(&self, index: &str) -> Vec<String> {
        self.files
            .iter()
            .map(|f| {
                if f.ends_with('/') {
                    format!("{f}{index}")
                } else {
                    f.clone()
                }
            })
            .collect()
    }

    /// Each file as pieces: literal text, and `None` for the request path.
    pub fn pieces(file: &str) -> Vec<Option<&str>> {
        let mut out = Vec::new();
        let mut rest = file;
        while let Some(at) = rest.find(REQUEST_PATH) {
            if at > 0 {
                out.push(Some(&rest[..at]));
            }
            out.push(None);
            rest = &rest[at + REQUEST_PATH.len()..];
        }
        if !rest.is_empty() {
            out.push(Some(rest));
        }
        out
    }
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Static { .. } => "static",
            Action::Proxy { .. } => "proxy",
            Action::Redirect { .. } => "redirect",
            Action::Respond { .. } => "respond",
        }
    }
}

/// How a route's `path` matches request paths. Both engines follow one
/// precedence ([`Site::routes_in_order`]): exact paths, then regexes in
/// the order written (the first that matches), then the longest prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Match {
    /// That path alone (`exact=#true`).
    Exact,
    /// A regular expression of the subset both engines read alike
    /// (`regex=#true`), whose groups a redirect's target uses as `$1`…
    Regex,
    /// Every path that starts with it.
    Prefix,
}

/// `log-format=`: how access log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object a line, with Caddy's field names on both engines
    /// (`request.remote_ip`, `request.uri`, `status`, `size`, `duration`…).
    Json,
    /// The NCSA combined format (nginx's default; Caddy has no writer of it).
    Combined,
}

/// `rate-limit="10r/s" rate-burst=20`: requests each client address may
/// make, beyond which the server answers 429 (nginx's `limit_req`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    /// Per second, or else per minute.
    pub per_second: bool,
    /// Requests over the rate served at once before the limit applies.
    pub burst: u32,
}

impl RateLimit {
    /// `10r/s`, nginx's form and the one written in KDL.
    pub fn rate(&self) -> String {
        format!(
            "{}r/{}",
            self.requests,
            if self.per_second { "s" } else { "m" }
        )
    }
}

/// The status both limits answer with once exceeded.
pub const LIMITED: u16 = 429;

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub path: String,
    pub matching: Match,
    pub action: Action,
    /// The route's own request rate limit, in place of the site's.
    pub rate_limit: Option<RateLimit>,
    /// Headers of this route's responses, besides (or replacing, by name)
    /// the site's.
    pub headers: Vec<Header>,
    /// Directives of one engine written into the route as they are.
    pub raw: Vec<Raw>,
    pub span: Span,
}

/// `raw "nginx" "gzip_comp_level" "6"`: a directive for one engine that
/// infrac has no setting for, written in the site (or route) on that
/// engine only. The name is a directive name; the arguments are quoted by
/// the engine's quoting, so they are text, never more directives.
#[derive(Clone, Debug, PartialEq)]
pub struct Raw {
    pub engine: Engine,
    pub name: String,
    pub args: Vec<String>,
    pub span: Span,
}

impl Route {
    pub fn exact(&self) -> bool {
        self.matching == Match::Exact
    }

    pub fn prefix(&self) -> bool {
        self.matching == Match::Prefix
    }

    /// The site's fallback: the prefix `/`, which every path has.
    pub fn is_fallback(&self) -> bool {
        self.prefix() && self.path == "/"
    }

    /// The file a single-page app falls back to: the index in the route's
    /// folder (`/app/` → `/app/index.html`).
    pub fn spa_fallback(&self, index: &str) -> String {
        if self.path.ends_with('/') {
            format!("{}{index}", self.path)
        } else {
            format!("{}/{index}", self.path)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub name: String,
    pub value: String,
    pub span: Span,
    /// Sent with every response, errors too (the default); else only
    /// with the statuses nginx adds headers to without `always`
    /// ([`SUCCESS_STATUSES`]).
    pub always: bool,
}

/// `respond status=444`: no response, the connection is closed (nginx's
/// `return 444`, Caddy's `abort`), as default servers answer scanners.
pub const CLOSE: u16 = 444;

/// The statuses a header without `always` goes with (nginx's list).
pub const SUCCESS_STATUSES: &[u16] = &[200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

/// Whether a response of this status carries a header.
pub fn sends(header: &Header, status: u16) -> bool {
    header.always || SUCCESS_STATUSES.contains(&status)
}

#[derive(Clone, Debug, PartialEq)]
pub struct BasicAuth {
    pub user: String,
    /// The secret holding the bcrypt hash of the password.
    pub secret: String,
    /// Where the secret is named.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    pub label: String,
    pub span: Span,
    pub engine: Engine,
    /// Labels of the droplets the site runs on.
    pub servers: Vec<String>,
    /// Instance indices of those droplets (plan resource ids after check).
    pub server_ids: Vec<usize>,
    /// The names served; the first is the canonical one.
    pub hosts: Vec<String>,
    /// Names that redirect to the first host, keeping the path.
    pub aliases: Vec<String>,
    /// `host-regex "^www[0-9]+\.example\.com$"`: more names served, by
    /// regular expression (nginx only; no DNS records are made for them).
    pub host_regexes: Vec<String>,
    pub tls: Tls,
    /// The TLS versions served, oldest and newest (`(2, 3)`: TLS 1.2 and
    /// 1.3, the default of both engines).
    pub tls_versions: (u8, u8),
    /// TLS 1.2 cipher suites offered, by IANA name (both engines' default
    /// when empty); TLS 1.3's are fixed by both engines.
    pub tls_ciphers: Vec<&'static CipherSuite>,
    pub security_headers: bool,
    pub headers: Vec<Header>,
    pub compress: bool,
    pub access_log: bool,
    /// The access log's format; `None`: each engine's own (nginx's
    /// `combined`, Caddy's JSON).
    pub log_format: Option<LogFormat>,
    /// Largest request body, in bytes.
    pub max_body: Option<u64>,
    /// Requests per client address (routes may have their own).
    pub rate_limit: Option<RateLimit>,
    /// Connections open at once per client address.
    pub conn_limit: Option<u32>,
    pub basic_auth: Option<BasicAuth>,
    /// In source order; backends order them as each engine needs.
    pub routes: Vec<Route>,
    /// Internal rewrites, tried in order before the routes.
    pub rewrites: Vec<Rewrite>,
    /// Path prefixes served over plain HTTP too, not redirected to HTTPS
    /// (`plain-http "/debian/"`).
    pub plain_http_paths: Vec<String>,
    /// Directives of one engine written into the site as they are.
    pub raw: Vec<Raw>,
    /// `default=#true`: the site answers, over plain HTTP, the names no
    /// other site on its servers serves (it has none of its own).
    pub default: bool,
    /// `tcp=6379`: a TCP proxy listening on this port (its one route is a
    /// `proxy`); no names, no HTTP.
    pub tcp: Option<u16>,
    /// `error-page 404 "/404.html"`: what the server itself answers with
    /// these statuses has this file of a static route as its body.
    pub error_pages: Vec<ErrorPage>,
}

/// `rewrite FROM to=TO`: a request whose path FROM matches is served as
/// if it were for TO (the routes match the new path; the query is kept).
/// The first matching rewrite applies.
#[derive(Clone, Debug, PartialEq)]
pub struct Rewrite {
    pub from: String,
    pub matching: Match,
    /// The new path: for a prefix, what replaces it; for a regex, with
    /// `$1`… for its groups.
    pub to: String,
    pub span: Span,
}

impl Rewrite {
    /// The rewrite as one regular expression and replacement, `$1`… for
    /// the groups: how both engines are given it.
    pub fn as_regex(&self) -> (String, String) {
        match self.matching {
            Match::Exact => (
                format!("^{}$", text::regex_escape(&self.from)),
                self.to.clone(),
            ),
            Match::Prefix => (
                format!("^{}(.*)$", text::regex_escape(&self.from)),
                format!("{}$1", self.to),
            ),
            Match::Regex => (self.from.clone(), self.to.clone()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ErrorPage {
    pub statuses: Vec<u16>,
    /// The page's request path (`/404.html`).
    pub path: String,
    /// The root of the static route that serves that path.
    pub root: String,
    pub span: Span,
}

impl Site {
    /// A site of this label and engine with nothing set: no names, no
    /// routes, TLS by ACME (1.2 and 1.3), no headers, no limits.
    pub fn new(label: String, span: Span, engine: Engine) -> Site {
        Site {
            label,
            span,
            engine,
            servers: Vec::new(),
            server_ids: Vec::new(),
            hosts: Vec::new(),
            aliases: Vec::new(),
            host_regexes: Vec::new(),
            tls: Tls::Acme { email: None },
            tls_versions: (2, 3),
            tls_ciphers: Vec::new(),
            security_headers: false,
            headers: Vec::new(),
            compress: false,
            access_log: false,
            log_format: None,
            max_body: None,
            rate_limit: None,
            conn_limit: None,
            basic_auth: None,
            routes: Vec::new(),
            rewrites: Vec::new(),
            plain_http_paths: Vec::new(),
            raw: Vec::new(),
            default: false,
            tcp: None,
            error_pages: Vec::new(),
        }
    }

    /// The exact or prefix route a request path goes to, by the
    /// precedence of [`Site::routes_in_order`] (regex routes aside: infrac
    /// does not evaluate expressions).
    pub fn route_for(&self, path: &str) -> Option<usize> {
        for (i, r) in self.routes_in_order() {
            match r.matching {
                Match::Exact if r.path == path => return Some(i),
                Match::Exact | Match::Regex => {}
                Match::Prefix if path.starts_with(&r.path) => return Some(i),
                Match::Prefix => {}
            }
        }
        None
    }

    /// Routes in the order both engines try them, with their index in
    /// `routes`: exact paths (sorted), regexes as written, then prefixes,
    /// longest first.
    pub fn routes_in_order(&self) -> Vec<(usize, &Route)> {
        let mut routes: Vec<(usize, &Route)> = self.routes.iter().enumerate().collect();
        routes.sort_by(|(i, a), (j, b)| {
            a.matching.cmp(&b.matching).then_with(|| match a.matching {
                Match::Exact => a.path.cmp(&b.path),
                Match::Regex => i.cmp(j),
                Match::Prefix => b.path.len().cmp(&a.path.len()).then(a.path.cmp(&b.path)),
            })
        });
        routes
    }

    /// Whether a route is `/`: else the engines answer 404 to what no
    /// route matches.
    pub fn has_fallback(&self) -> bool {
        self.routes.iter().any(Route::is_fallback)
    }

    /// The error page for a status, if the site has one.
    pub fn error_page(&self, status: u16) -> Option<&ErrorPage> {
        self.error_pages
            .iter()
            .find(|p| p.statuses.contains(&status))
    }
}

impl Site {
    /// The scheme users reach the site with, as declared (the plain-HTTP
    /// test switch does not change redirect targets or HSTS).
    pub fn scheme(&self) -> &'static str {
        if self.tls == Tls::Off {
            "http"
        } else {
            "https"
        }
    }

    pub fn hsts(&self) -> bool {
        self.security_headers && self.tls != Tls::Off
    }

    /// Every value the engines write into their configs, with where it was
    /// declared: names, header names and values, basic-auth users, route
    /// paths, files and texts.
    pub fn written_values(&self) -> Vec<(&str, Span)> {
        let mut values: Vec<(&str, Span)> = self
            .hosts
            .iter()
            .chain(&self.aliases)
            .chain(&self.host_regexes)
            .map(|h| (h.as_str(), self.span))
            .collect();
        for h in self
            .headers
            .iter()
            .chain(self.routes.iter().flat_map(|r| &r.headers))
        {
            values.push((&h.name, h.span));
            values.push((&h.value, h.span));
        }
        if let Some(auth) = &self.basic_auth {
            values.push((&auth.user, auth.span));
        }
        for raw in self
            .raw
            .iter()
            .chain(self.routes.iter().flat_map(|r| &r.raw))
        {
            values.extend(raw.args.iter().map(|a| (a.as_str(), raw.span)));
        }
        for r in &self.rewrites {
            values.push((&r.from, r.span));
            values.push((&r.to, r.span));
        }
        for r in &self.routes {
            values.push((&r.path, r.span));
            match &r.action {
                Action::Static {
                    root,
                    index,
                    try_files,
                    content_type,
                    ..
                } => {
                    values.push((root, r.span));
                    values.push((index, r.span));
                    values.extend(content_type.as_deref().map(|t| (t, r.span)));
                    if let Some(t) = try_files {
                        values.extend(t.files.iter().map(|f| (f.as_str(), r.span)));
                        if let Fallback::File(f) = &t.fallback {
                            values.push((f, r.span));
                        }
                    }
                }
                Action::Proxy { health, .. } => {
                    values.extend(health.as_deref().map(|h| (h, r.span)))
                }
                Action::Redirect { to, .. } => values.push((to, r.span)),
                Action::Respond { body, .. } => values.push((body, r.span)),
            }
        }
        values
    }

    /// Every response header the site sets: HSTS and the security headers
    /// (when switched on, always sent), then its own.
    pub fn response_headers(&self) -> Vec<Header> {
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if self.hsts() {
            headers.push(HSTS);
        }
        if self.security_headers {
            headers.extend(SECURITY_HEADERS.iter().copied());
        }
        let mut out: Vec<Header> = headers
            .into_iter()
            .map(|(n, v)| Header {
                name: n.to_string(),
                value: v.to_string(),
                span: self.span,
                always: true,
            })
            .collect();
        out.extend(self.headers.iter().cloned());
        out
    }

    /// The headers of a route's responses: the site's, less those the
    /// route sets itself, then the route's.
    pub fn route_headers(&self, route: &Route) -> Vec<Header> {
        let mut out: Vec<Header> = self
            .response_headers()
            .into_iter()
            .filter(|h| {
                !route
                    .headers
                    .iter()
                    .any(|r| r.name.eq_ignore_ascii_case(&h.name))
            })
            .collect();
        out.extend(route.headers.iter().cloned());
        out
    }

    /// Names of the headers (site's or a route's) sent on success only.
    pub fn success_only_headers(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .headers
            .iter()
            .chain(self.routes.iter().flat_map(|r| &r.headers))
            .filter(|h| !h.always)
            .map(|h| h.name.as_str())
            .collect();
        names.sort_by_key(|n| n.to_ascii_lowercase());
        names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        names
    }
}

/// A TLS 1.2 cipher suite both engines offer: its IANA name (Caddy's, Go's)
/// and OpenSSL's (nginx's).
#[derive(Debug, PartialEq, Eq)]
pub struct CipherSuite {
    pub iana: &'static str,
    pub openssl: &'static str,
}

/// The TLS 1.2 suites `tls-ciphers` takes: those with forward secrecy that
/// Caddy (Go's crypto/tls) and nginx (OpenSSL) both implement.
pub const CIPHER_SUITES: &[CipherSuite] = &[
    CipherSuite {
        iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
    },
    CipherSuite {
        iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        openssl: "ECDHE-RSA-AES128-GCM-SHA256",
    },
    CipherSuite {
        iana: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
    },
    CipherSuite {
        iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        openssl: "ECDHE-RSA-AES256-GCM-SHA384",
    },
    CipherSuite {
        iana: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
    },
    CipherSuite {
        iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        openssl: "ECDHE-RSA-CHACHA20-POLY1305",
    },
    CipherSuite {
        iana: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        openssl: "ECDHE-ECDSA-AES128-SHA",
    },
    CipherSuite {
        iana: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        openssl: "ECDHE-RSA-AES128-SHA",
    },
    CipherSuite {
        iana: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        openssl: "ECDHE-ECDSA-AES256-SHA",
    },
    CipherSuite {
        iana: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        openssl: "ECDHE-RSA-AES256-SHA",
    },
];

/// The headers `security-headers=#true` adds (HSTS only with TLS).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
];
pub const HSTS: (&str, &str) = (
    "Strict-Transport-Security",
    "max-age=31536000; includeSubDomains",
);

/// Content types both engines compress (text/html always is).
pub const COMPRESSIBLE: &[&str] = &[
    "text/plain",
    "text/css",
    "text/xml",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
];

/// Every site of the project, and how they listen.
#[derive(Clone, Debug, Default)]
pub struct Web {
    pub sites: Vec<Site>,
    /// The test switch (`--plain-http PORT`): every site is served over
    /// plain HTTP on this port, TLS off.
    pub plain_http: Option<u16>,
}

impl Web {
    /// Servers (droplet labels) with their engine and sites (TCP proxies
    /// included), sorted by server name.
    pub fn servers(&self) -> Vec<(&str, Engine, Vec<&Site>)> {
        let mut by: std::collections::BTreeMap<&str, (Engine, Vec<&Site>)> = Default::default();
        for site in &self.sites {
            for server in &site.servers {
                by.entry(server)
                    .or_insert((site.engine, Vec::new()))
                    .1
                    .push(site);
            }
        }
        by.into_iter()
            .map(|(s, (e, sites))| (s, e, sites))
            .collect()
    }
}

/// Environment variable a Caddyfile reads a secret from
/// (`INFRAC_SECRET_ADMIN_HASH`).
pub fn secret_env(secret: &str) -> String {
    let mut s = String::from("INFRAC_SECRET_");
    s.extend(secret.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    s
}
