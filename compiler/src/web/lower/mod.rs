//! Site instances → [`Site`]s, plus the DNS records their names need: one
//! A (and AAAA) record per host name and server, and an internal name
//! (`<droplet>.int.<zone>`, the droplet's private address) for every
//! droplet a site proxies to. The records join the resource instances, so
//! they are checked, referenced and ordered like any other.

mod limits;
mod rewrites;
mod routes;
mod servers;
mod tcp;
mod tls;

use super::text::*;
use super::*;
use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::dns::{address_props, prop, record, slug, Zones};
use crate::expand::{Expanded, IChild, IField, Instance, SValue, Value};
use crate::read::ReadValues;
use std::collections::{BTreeMap, HashMap};

const SITE_PROPS: &[&str] = &[
    "on",
    "engine",
    "tls",
    "email",
    "cert",
    "key",
    "tls-versions",
    "tls-ciphers",
    "security-headers",
    "compress",
    "access-log",
    "log-format",
    "max-body",
    "dns",
    "default",
    "rate-limit",
    "rate-burst",
    "conn-limit",
    "tcp",
];
const SITE_CHILDREN: &[&str] = &[
    "on",
    "host",
    "host-regex",
    "alias",
    "header",
    "basic-auth",
    "static",
    "proxy",
    "redirect",
    "redirects",
    "rewrite",
    "plain-http",
    "raw",
    "respond",
    "error-page",
];

const BODY: &str = "a response body";

/// `site` for `infrac kinds`.
pub fn info() -> crate::model::StageKindInfo {
    crate::model::StageKindInfo {
        name: SITE,
        doc: "A web front (Caddy or nginx) on droplets: names, TLS, headers and routes (static, proxy, redirect, respond).",
        props: SITE_PROPS.to_vec(),
        children: SITE_CHILDREN.to_vec(),
    }
}

pub fn lower(exp: &mut Expanded, plain_http: Option<u16>, diags: &mut Diagnostics) -> Web {
    let machines = super::machines::take(&mut exp.instances, diags);
    if !exp.instances.iter().any(|i| i.kind == SITE) {
        return Web {
            sites: Vec::new(),
            plain_http,
        };
    }
    let (site_instances, others): (Vec<Instance>, Vec<Instance>) =
        std::mem::take(&mut exp.instances)
            .into_iter()
            .partition(|i| i.kind == SITE);
    exp.instances = others;
    let mut l = Lowerer {
        diags,
        droplets: HashMap::new(),
        dns: Zones::of(&exp.instances),
        internal: BTreeMap::new(),
        records: Vec::new(),
        ipv6: Default::default(),
        machines,
    };
    for (i, inst) in exp.instances.iter().enumerate() {
        if inst.kind == "droplet" {
            l.droplets
                .entry(inst.label.to_string())
                .or_default()
                .push(i);
            let ipv6 = field(&inst.props, "ipv6").is_some_and(|f| {
                matches!(&f.value.value, Value::Bool(true))
                    || f.value.value.as_text().as_deref() == Some("true")
            });
            if ipv6 {
                l.ipv6.insert(inst.label.to_string());
                l.ipv6.extend(inst.group.as_deref().map(str::to_string));
            }
            if let Some(g) = &inst.group {
                l.droplets.entry(g.to_string()).or_default().push(i);
            }
        }
    }

    // A machine and a droplet of one name would share an output folder.
    let mut clashes: Vec<(&String, Span)> = l
        .machines
        .iter()
        .filter(|(label, _)| l.droplets.contains_key(label.as_str()))
        .map(|(label, m)| (label, m.span))
        .collect();
    clashes.sort();
    for (label, span) in clashes {
        l.diags.push(
            Diagnostic::error(
                Code::DuplicateName,
                format!("`{label}` is both a droplet and a machine"),
            )
            .at(span, "a machine of a droplet's name")
            .help("servers are named once: their configs go to `nginx/NAME/` or `caddy/NAME/`; rename the machine"),
        );
    }
    let mut labels: HashMap<String, Span> = HashMap::new();
    let mut sites = Vec::new();
    for inst in &site_instances {
        if let Some(first) = labels.get(inst.label.as_str()) {
            l.diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    format!("site `{}` is declared twice", inst.label),
                )
                .at(inst.label_span, "declared again here")
                .also(*first, "first declared here")
                .help("site names are unique; rename one of them"),
            );
            continue;
        }
        labels.insert(inst.label.to_string(), inst.label_span);
        // The label names log files and nginx upstreams.
        if !crate::resolve::valid_label(&inst.label) {
            l.diags.push(
                Diagnostic::error(Code::InvalidName, format!("`{}` is not a valid site name", inst.label))
                    .at(inst.label_span, "not a valid name")
                    .help("site names are letters, digits, `-`, `_` and `.`, starting with a letter, digit or `_`"),
            );
            continue;
        }
        if let Some(site) = l.site(inst, &exp.instances) {
            sites.push(site);
        }
    }
    default_engines(&mut sites, l.diags);
    let sites: Vec<Site> = sites.into_iter().map(|(site, _)| site).collect();
    let records = std::mem::take(&mut l.records);
    exp.instances.extend(records);
    let internal: Vec<(String, Instance)> = std::mem::take(&mut l.internal).into_values().collect();
    exp.instances.extend(internal.into_iter().map(|(_, r)| r));
    // Secrets only web configs read are not Terraform variables.
    for site in &sites {
        if let Some(auth) = &site.basic_auth {
            if !terraform_uses_secret(exp, &auth.secret) {
                exp.secrets.remove(&auth.secret);
            }
        }
    }
    Web { sites, plain_http }
}

fn terraform_uses_secret(exp: &Expanded, name: &str) -> bool {
    fn in_value(v: &Value, name: &str) -> bool {
        match v {
            Value::Secret(s) => s == name,
            Value::List(items) => items.iter().any(|i| in_value(&i.value, name)),
            Value::Template(parts) => parts
                .iter()
                .any(|p| matches!(p, crate::expand::TPart::Secret(s) if s == name)),
            _ => false,
        }
    }
    fn in_fields(fields: &[IField], name: &str) -> bool {
        fields.iter().any(|f| in_value(&f.value.value, name))
    }
    fn in_children(children: &[IChild], name: &str) -> bool {
        children.iter().any(|c| {
            c.args.iter().any(|a| in_value(&a.value, name))
                || in_fields(&c.props, name)
                || in_children(&c.children, name)
        })
    }
    exp.instances
        .iter()
        .any(|i| in_fields(&i.props, name) || in_children(&i.children, name))
        || exp.outputs.iter().any(|o| in_value(&o.value.value, name))
        || exp
            .providers
            .iter()
            .any(|(_, props, children)| in_fields(props, name) || in_children(children, name))
}

fn field<'f>(fields: &'f [IField], name: &str) -> Option<&'f IField> {
    fields.iter().find(|f| f.name == name)
}

struct Lowerer<'d> {
    diags: &'d mut Diagnostics,
    /// Droplet label or group → instance indices.
    droplets: HashMap<String, Vec<usize>>,
    /// Zones of the project and names with address records.
    dns: Zones,
    /// Internal names by droplet instance: (fqdn, record instance).
    internal: BTreeMap<usize, (String, Instance)>,
    records: Vec<Instance>,
    /// Droplets (and groups) with IPv6: their names get AAAA records too.
    ipv6: std::collections::HashSet<String>,
    /// Servers infrac does not create, by label.
    machines: HashMap<String, super::machines::Machine>,
}

impl ReadValues for Lowerer<'_> {
    fn diags(&mut self) -> &mut Diagnostics {
        self.diags
    }
    const INVALID: Code = Code::InvalidSiteValue;
    const SECRET_HELP: &'static str = "web configs hold secrets only as basic-auth hashes (`basic-auth \"user\" hash=(secret)\"name\"`)";
    const REF_HELP: &'static str = "web configs are written before apply: give a literal, or proxy to a droplet with `to=(ref)\"droplet.NAME\"`";
    fn multi_line(what: &str) -> bool {
        what == BODY
    }
}

impl Lowerer<'_> {
    /// The site, and where it names its engine (if it does).
    fn site(&mut self, inst: &Instance, all: &[Instance]) -> Option<(Site, Option<Span>)> {
        let errors_before = self.diags.error_count();
        let mut on = None;
        let mut engine = None;
        let mut tls_mode: Option<(&str, Span)> = None;
        let (mut email, mut cert, mut key) = (None, None, None);
        let mut site = Site::new(inst.label.to_string(), inst.label_span, Engine::Caddy);
        let mut dns_managed = true;
        let mut default_span = None;
        let mut ciphers_span = None;
        let mut log_format_span = None;
        let mut tcp_span = None;
        let mut error_pages: Vec<&IChild> = Vec::new();
        // `on (ref)"droplet.a" (ref)"droplet.b"`: several servers, written
        // as a child (a property holds one value).
        let on_child: Option<SValue> = inst.children.iter().find(|c| c.name == "on").map(|c| {
            self.only(c, "`on`", &[]);
            SValue {
                value: Value::List(c.args.clone()),
                span: c.span,
            }
        });
        if let Some(child) = on_child
            .as_ref()
            .filter(|_| inst.props.iter().any(|p| p.name == "on"))
        {
            self.bad(
                child.span,
                "`on` is given twice".to_string(),
                "given again",
                "name the servers once: `on=(ref)\"droplet.web\"`, or a child `on (ref)\"droplet.a\" (ref)\"droplet.b\"`",
            );
        }
        let on_child = on_child.as_ref();
        for p in &inst.props {
            let v = &p.value;
            match p.name.as_str() {
                "on" => on = Some(v),
                "engine" => {
                    engine = self
                        .one_of(
                            v,
                            "engine",
                            &[("caddy", Engine::Caddy), ("nginx", Engine::Nginx)],
                        )
                        .map(|e| (e, v.span))
                }
                "tls" => {
                    tls_mode = self
                        .one_of(
                            v,
                            "tls mode",
                            &[("acme", "acme"), ("files", "files"), ("off", "off")],
                        )
                        .map(|m| (m, v.span))
                }
                "email" => email = self.text(v, "email").filter(|e| self.email_ok(e, v.span)),
                "tls-versions" => {
                    if let Some(versions) = self.tls_versions(v) {
                        site.tls_versions = versions;
                    }
                }
                "tls-ciphers" => {
                    ciphers_span = Some(v.span);
                    site.tls_ciphers = self.tls_ciphers(v);
                }
                "cert" => cert = self.file(v, "cert"),
                "key" => key = self.file(v, "key"),
                "security-headers" => {
                    site.security_headers = self.boolean(v, "security-headers").unwrap_or(false)
                }
                "compress" => site.compress = self.boolean(v, "compress").unwrap_or(false),
                "access-log" => site.access_log = self.boolean(v, "access-log").unwrap_or(false),
                "log-format" => {
                    site.log_format = self.one_of(
                        v,
                        "log format",
                        &[("json", LogFormat::Json), ("combined", LogFormat::Combined)],
                    );
                    log_format_span = Some(v.span);
                }
                "max-body" => {
                    let t = match &v.value {
                        Value::Int(i) => Some(i.to_string()),
                        _ => self.text(v, "max-body"),
                    };
                    site.max_body = t.and_then(|t| match parse_size(&t) {
                        Some(n) if n > 0 => Some(n),
                        _ => {
                            self.bad(
                                v.span,
                                format!("`{t}` is not a size"),
                                "expected a size",
                                "write a size as `10m`, `512k`, `1g` or a number of bytes",
                            );
                            None
                        }
                    });
                }
                // Read together below.
                "rate-limit" | "rate-burst" => {}
                "tcp" => {
                    site.tcp = self.number(v, "a TCP port", 1..=65535).map(|n| n as u16);
                    tcp_span = Some(v.span);
                }
                "conn-limit" => {
                    site.conn_limit = self
                        .number(v, "conn-limit", 1..=1_000_000)
                        .map(|n| n as u32)
                }
                "default" => {
                    site.default = self.boolean(v, "default").unwrap_or(false);
                    default_span = Some(v.span);
                }
                "dns" => {
                    dns_managed = self
                        .one_of(v, "dns mode", &[("managed", true), ("external", false)])
                        .unwrap_or(true)
                }
                other => self.unknown(p.name_span, other, "a site", SITE_PROPS),
            }
        }
        on = on.or(on_child);
        site.rate_limit = self.rate_limit(&inst.props);
        if tcp_span.is_some() {
            // Bytes, not HTTP: no names, no certificates, no records.
            tls_mode = Some(("off", inst.label_span));
            dns_managed = false;
        }
        if site.default {
            // Names no site serves: over HTTPS both engines refuse them in
            // the handshake (they have no certificate for them).
            if tls_mode.is_some_and(|m| m.0 != "off")
                || cert.is_some()
                || key.is_some()
                || email.is_some()
            {
                self.bad(
                    default_span.unwrap_or(inst.label_span),
                    "a default site has no certificate".into(),
                    "it answers plain HTTP",
                    "the names no site serves are refused over HTTPS by both engines (nginx's `ssl_reject_handshake`, Caddy has no certificate for them): drop the TLS settings",
                );
            }
            tls_mode = Some(("off", inst.label_span));
            dns_managed = false;
        }
        site.tls = match (tls_mode.map(|m| m.0), &cert, &key) {
            (Some("off"), _, _) => Tls::Off,
            (Some("files") | None, Some(c), Some(k)) => Tls::Files {
                cert: c.clone(),
                key: k.clone(),
            },
            (Some("files"), _, _) | (None, Some(_), None) | (None, None, Some(_)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::MissingRequired,
                        "TLS from files needs both `cert` and `key`",
                    )
                    .at(
                        tls_mode.map_or(inst.label_span, |m| m.1),
                        "certificate files incomplete",
                    )
                    .help(
                        "give `cert=\"/etc/ssl/…/fullchain.pem\" key=\"/etc/ssl/…/privkey.pem\"`",
                    ),
                );
                Tls::Off
            }
            _ => Tls::Acme {
                email: email.clone(),
            },
        };

        // A host written but invalid has its own error; "no host" would
        // only repeat it.
        let mut wrote_host = false;
        for c in &inst.children {
            match c.name.as_str() {
                "on" => {} // read above
                "host" | "alias" => {
                    self.only(c, &format!("`{}`", c.name), &[]);
                    wrote_host |= c.name == "host";
                    for v in self.args(c) {
                        let Some(h) = self.text(v, "a host name") else {
                            continue;
                        };
                        if !is_host(&h) {
                            self.bad(
                                v.span,
                                format!("`{h}` is not a host name"),
                                "not a DNS name",
                                "host names are lowercase DNS names, optionally starting with `*.`",
                            );
                            continue;
                        }
                        let list = if c.name == "host" {
                            &mut site.hosts
                        } else {
                            &mut site.aliases
                        };
                        list.push(h.clone());
                        if dns_managed {
                            self.host_record(&site.label, &h, v.span, on);
                        }
                    }
                }
                "host-regex" => {
                    self.only(c, "`host-regex`", &[]);
                    for v in self.args(c) {
                        let Some(r) = self.text(v, "a host name expression") else {
                            continue;
                        };
                        match portable_regex(&r) {
                            Ok(_) if r.starts_with('^') && r.ends_with('$') => {
                                site.host_regexes.push(r)
                            }
                            Ok(_) => self.bad(
                                v.span,
                                format!("`{r}` does not match whole names"),
                                "not anchored",
                                "anchor it at both ends, so that it matches a whole name: `^www[0-9]+\\.example\\.com$`",
                            ),
                            Err(why) => self.bad(
                                v.span,
                                format!("`{r}` is not an expression infrac writes"),
                                "not portable",
                                &why,
                            ),
                        }
                    }
                }
                "header" => {
                    if let Some(h) = self.header(c) {
                        site.headers.push(h);
                    }
                }
                "raw" => site.raw.extend(self.raw(c)),
                "basic-auth" => site.basic_auth = self.basic_auth(c),
                "static" | "proxy" | "redirect" | "respond" => {
                    if let Some(r) = self.route(c, &site, all) {
                        site.routes.push(r);
                    }
                }
                "error-page" => error_pages.push(c),
                "rewrite" => {
                    if let Some(r) = self.rewrite(c) {
                        site.rewrites.push(r);
                    }
                }
                "plain-http" => {
                    self.only(c, "`plain-http`", &[]);
                    for v in self.args(c) {
                        if let Some(p) = self.path(v, "a path served over plain HTTP") {
                            site.plain_http_paths.push(p);
                        }
                    }
                    if site.tls == Tls::Off {
                        self.bad(
                            c.span,
                            "the site is all plain HTTP already".into(),
                            "`tls=\"off\"`",
                            "`plain-http` names the paths of a TLS site that are not redirected to HTTPS (an apt repository, a certbot webroot); drop it here",
                        );
                    }
                }
                "redirects" => {
                    for row in self.redirect_table(c) {
                        if let Some(r) = self.route(&row, &site, all) {
                            site.routes.push(r);
                        }
                    }
                }
                other => self.unknown(c.name_span, other, "a site", SITE_CHILDREN),
            }
        }
        self.check_routes(&site);
        // Once every route is known: a page is a file of a static route.
        for c in error_pages {
            if let Some(page) = self.error_page(c, &site) {
                site.error_pages.push(page);
            }
        }
        if let (Some(span), false) = (log_format_span, site.access_log) {
            self.bad(
                span,
                "the site keeps no access log".into(),
                "a format of no log",
                "write `access-log=#true` too, or drop `log-format`",
            );
        }
        if let Some(span) = ciphers_span {
            self.ciphers_apply(&site, span);
        }
        if site.default
            && (wrote_host
                || inst
                    .children
                    .iter()
                    .any(|c| c.name == "alias" || c.name == "host-regex"))
        {
            let at = inst
                .children
                .iter()
                .find(|c| ["host", "alias", "host-regex"].contains(&c.name.as_str()))
                .map_or(inst.label_span, |c| c.span);
            self.bad(
                at,
                "a default site has no names of its own".into(),
                "a name of a default site",
                "the default site answers the names no other site serves: move this name to a site of its own",
            );
        }
        if let Some(span) = tcp_span {
            self.tcp_only(inst, &site, span);
        }
        if site.hosts.is_empty() && !wrote_host && !site.default && tcp_span.is_none() {
            self.diags.push(
                Diagnostic::error(
                    Code::MissingRequired,
                    format!("site `{}` has no host name", site.label),
                )
                .at(inst.label_span, "serves no name")
                .help("add `host \"example.com\"` inside the site"),
            );
        }
        match on {
            None => self.diags.push(
                Diagnostic::error(
                    Code::MissingRequired,
                    format!("site `{}` does not say where it runs", site.label),
                )
                .at(inst.label_span, "no server")
                .help("add `on=(ref)\"droplet.NAME\"` (a droplet or a group of droplets)"),
            ),
            Some(v) => {
                for (label, id) in self.servers(v, all) {
                    site.servers.push(label);
                    site.server_ids.extend(id);
                }
            }
        }
        // Routes that proxy to the site's own (only) machine use loopback.
        if let [only] = site.servers.as_slice() {
            if site.server_ids.is_empty() {
                for r in &mut site.routes {
                    if let Action::Proxy { upstreams, .. } = &mut r.action {
                        for u in upstreams
                            .iter_mut()
                            .filter(|u| u.machine.as_ref() == Some(only))
                        {
                            u.host = "127.0.0.1".into();
                        }
                    }
                }
            }
        }
        if let Some((e, _)) = engine {
            site.engine = e;
        }
        // Routes that proxy to the site's own (only) server use loopback.
        if let [only] = site.server_ids.as_slice() {
            for r in &mut site.routes {
                if let Action::Proxy { upstreams, .. } = &mut r.action {
                    for u in upstreams.iter_mut().filter(|u| u.droplet == Some(*only)) {
                        u.host = "127.0.0.1".into();
                    }
                }
            }
        }
        self.internal_names(&mut site, all);
        (self.diags.error_count() == errors_before).then_some((site, engine.map(|(_, span)| span)))
    }

    fn email_ok(&mut self, e: &str, span: Span) -> bool {
        let ok = e.contains('@')
            && !e.contains(char::is_whitespace)
            && !e.contains(['{', '}', '"', '`', '\\', ';']);
        if !ok {
            self.bad(
                span,
                format!("`{e}` is not an email address"),
                "not an address",
                "the ACME account email, e.g. `ops@example.com`",
            );
        }
        ok
    }

    fn file(&mut self, v: &SValue, what: &str) -> Option<String> {
        let t = self.text(v, what)?;
        if is_file_path(&t) {
            Some(t)
        } else {
            self.bad(
                v.span,
                format!("`{t}` is not an absolute file path"),
                "expected /path/to/file",
                &format!("{what} is an absolute path on the server, without spaces"),
            );
            None
        }
    }

    fn path(&mut self, v: &SValue, what: &str) -> Option<String> {
        let t = self.text(v, what)?;
        if is_route_path(&t) {
            return Some(t);
        }
        let help = if t.starts_with('/') {
            "paths are matched as prefixes and written decoded: letters, digits and -._~!$&'()+,;=:@/ (no `*`, `%`, `?`, `#`, braces, quotes or spaces)"
        } else {
            "request paths always start with `/`"
        };
        self.diags.push(
            Diagnostic::error(
                Code::RouteNeverMatches,
                format!("no request path can match `{t}`"),
            )
            .at(v.span, "never matches a request")
            .help(help),
        );
        None
    }

    fn basic_auth(&mut self, c: &IChild) -> Option<BasicAuth> {
        let args = self.args(c);
        let user = match args.as_slice() {
            [u] => self.text(u, "a user name")?,
            _ => {
                self.bad(
                    c.span,
                    "basic-auth takes one user name".into(),
                    "expected `basic-auth \"USER\" hash=(secret)\"NAME\"`",
                    "write `basic-auth \"admin\" hash=(secret)\"admin_hash\"`",
                );
                return None;
            }
        };
        if user.is_empty()
            || !user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            self.bad(
                args[0].span,
                format!("`{user}` is not a user name"),
                "letters, digits, `.`, `_`, `-`",
                "basic-auth user names are letters, digits, `.`, `_` and `-`",
            );
            return None;
        }
        self.only(c, "basic-auth", &["hash"]);
        let mut secret = None;
        for p in &c.props {
            match (p.name.as_str(), &p.value.value) {
                ("hash", Value::Secret(s))
                    if !s.is_empty()
                        && s.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
                {
                    secret = Some((s.clone(), p.value.span))
                }
                ("hash", Value::Secret(s)) => {
                    // The name becomes a file name (nginx) and a variable name (Caddy).
                    self.bad(
                        p.value.span,
                        format!("`{s}` cannot name a basic-auth secret"),
                        "letters, digits, `_`, `-`",
                        "name the secret with letters, digits, `_` and `-`",
                    );
                    return None;
                }
                ("hash", _) => {
                    self.diags.push(
                        Diagnostic::error(Code::SecretMisuse, "the password hash must be a secret")
                            .at(p.value.span, "would be written in plain text")
                            .help("declare `secret \"admin_hash\"` and write `hash=(secret)\"admin_hash\"`; its value is a bcrypt hash (`caddy hash-password`)"),
                    );
                    return None;
                }
                (other, _) => self.unknown(p.name_span, other, "basic-auth", &["hash"]),
            }
        }
        let Some((secret, span)) = secret else {
            self.diags.push(
                Diagnostic::error(Code::MissingRequired, "basic-auth needs the password hash")
                    .at(c.span, "no `hash`")
                    .help("add `hash=(secret)\"NAME\"`: a secret holding a bcrypt hash (`caddy hash-password`)"),
            );
            return None;
        };
        Some(BasicAuth { user, secret, span })
    }

    fn missing(&mut self, span: Span, message: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(Code::MissingRequired, message)
                .at(span, "incomplete route")
                .help(help),
        );
    }
}

/// A site without `engine=` takes the engine another site on the same
/// server names, else Caddy; two engines on one server are an error (both
/// would listen on ports 80 and 443).
fn default_engines(sites: &mut [(Site, Option<Span>)], diags: &mut Diagnostics) {
    let mut per_server: BTreeMap<String, (Engine, Span)> = BTreeMap::new();
    for (site, declared) in sites.iter() {
        let Some(span) = *declared else {
            continue;
        };
        let engine = site.engine;
        for server in &site.servers {
            match per_server.get(server) {
                Some((other, other_span)) if *other != engine => diags.push(
                    Diagnostic::error(Code::HostConflict, format!("server `{server}` would run both {} and {}", other.name(), engine.name()))
                        .at(span, format!("{} here", engine.name()))
                        .also(*other_span, format!("{} here", other.name()))
                        .help("one engine serves ports 80 and 443 on a server: pick the same engine for every site on it"),
                ),
                Some(_) => {}
                None => {
                    per_server.insert(server.clone(), (engine, span));
                }
            }
        }
    }
    for (site, declared) in sites.iter_mut() {
        if declared.is_none() {
            if let Some((e, _)) = site.servers.iter().find_map(|s| per_server.get(s)) {
                site.engine = *e;
            }
        }
    }
}
