//! Site instances → [`Site`]s, plus the DNS records their names need: one
//! A (and AAAA) record per host name and server, and an internal name
//! (`<droplet>.int.<zone>`, the droplet's private address) for every
//! droplet a site proxies to. The records join the resource instances, so
//! they are checked, referenced and ordered like any other.

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
    "security-headers",
    "compress",
    "access-log",
    "max-body",
    "dns",
];
const SITE_CHILDREN: &[&str] = &[
    "on",
    "host",
    "alias",
    "header",
    "basic-auth",
    "static",
    "proxy",
    "redirect",
    "redirects",
    "rewrite",
    "plain-http",
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
        let mut site = Site {
            label: inst.label.to_string(),
            span: inst.label_span,
            engine: Engine::Caddy,
            servers: Vec::new(),
            server_ids: Vec::new(),
            hosts: Vec::new(),
            aliases: Vec::new(),
            tls: Tls::Acme { email: None },
            security_headers: false,
            headers: Vec::new(),
            compress: false,
            access_log: false,
            max_body: None,
            basic_auth: None,
            routes: Vec::new(),
            rewrites: Vec::new(),
            plain_http_paths: Vec::new(),
            error_pages: Vec::new(),
        };
        let mut dns_managed = true;
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
                "cert" => cert = self.file(v, "cert"),
                "key" => key = self.file(v, "key"),
                "security-headers" => {
                    site.security_headers = self.boolean(v, "security-headers").unwrap_or(false)
                }
                "compress" => site.compress = self.boolean(v, "compress").unwrap_or(false),
                "access-log" => site.access_log = self.boolean(v, "access-log").unwrap_or(false),
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
                "dns" => {
                    dns_managed = self
                        .one_of(v, "dns mode", &[("managed", true), ("external", false)])
                        .unwrap_or(true)
                }
                other => self.unknown(p.name_span, other, "a site", SITE_PROPS),
            }
        }
        on = on.or(on_child);
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
                "header" => {
                    if let Some(h) = self.header(c) {
                        site.headers.push(h);
                    }
                }
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
        // Once every route is known: a `try` fallback is a file of its own
        // route (nginx looks its route up again; Caddy serves it from the
        // route's root, so the two must agree).
        for (i, r) in site.routes.iter().enumerate() {
            let Action::Static {
                try_files:
                    Some(TryFiles {
                        fallback: Fallback::File(f),
                        ..
                    }),
                ..
            } = &r.action
            else {
                continue;
            };
            let taken_by = site.route_for(f);
            if taken_by != Some(i) {
                let mut d = Diagnostic::error(
                    Code::RouteNeverMatches,
                    format!("the fallback `{f}` is not a file of this route"),
                )
                .at(r.span, "its fallback goes elsewhere");
                if let Some(other) = taken_by {
                    d = d.also(site.routes[other].span, "this route takes that path");
                }
                self.diags.push(d.help(
                    "a fallback is served from the route's own root: give a path this route matches (and no other route before it), or a status (`fallback=404`)",
                ));
            }
        }
        // A rewrite into a redirect that keeps the path: nginx would keep
        // the request's path as sent, Caddy the rewritten one.
        for rw in &site.rewrites {
            if rw.matching == Match::Regex {
                continue;
            }
            let Some(i) = site.route_for(&rw.to) else {
                continue;
            };
            let r = &site.routes[i];
            if let Action::Redirect {
                keep_path: true, ..
            } = r.action
            {
                if r.prefix() && r.path != "/" {
                    self.diags.push(
                        Diagnostic::error(
                            Code::EngineCannot,
                            format!("a rewrite to `{}` ends in a redirect that keeps the path", rw.to),
                        )
                        .at(rw.span, "rewritten here")
                        .also(r.span, "this redirect takes the new path")
                        .help("nginx's redirect keeps the path as the client sent it, Caddy's the rewritten one: redirect from the rewrite's own path instead (`redirect`), or give the redirect `keep-path=#false`"),
                    );
                }
            }
        }
        // Once every route is known: a page is a file of a static route.
        for c in error_pages {
            if let Some(page) = self.error_page(c, &site) {
                site.error_pages.push(page);
            }
        }
        if site.hosts.is_empty() && !wrote_host {
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

    /// `error-page STATUS… PATH`: statuses from 400 to 599, each with one
    /// page; the page is served by a static route.
    fn error_page(&mut self, c: &IChild, site: &Site) -> Option<ErrorPage> {
        let args = self.args(c);
        let Some((path, statuses)) = args.split_last().filter(|(_, s)| !s.is_empty()) else {
            self.bad(
                c.span,
                "`error-page` takes statuses and a page".to_string(),
                "incomplete",
                "write `error-page 404 \"/404.html\"` or `error-page 500 502 503 \"/50x.html\"`",
            );
            return None;
        };
        let mut codes = Vec::new();
        for s in statuses {
            let n = self.number(s, "an error status", 400..=599)? as u16;
            if let Some(other) = site.error_page(n) {
                self.diags.push(
                    Diagnostic::error(
                        Code::RouteNeverMatches,
                        format!("status {n} has two error pages"),
                    )
                    .at(s.span, "given again")
                    .also(other.span, "first given here")
                    .help("give each status one page"),
                );
                return None;
            }
            codes.push(n);
        }
        let path = self.path(path, "an error page")?;
        let root = site
            .routes
            .iter()
            .filter(|r| r.prefix() && path.starts_with(&r.path))
            .max_by_key(|r| r.path.len())
            .and_then(|r| match &r.action {
                Action::Static { root, .. } => Some(root.clone()),
                _ => None,
            });
        let Some(root) = root else {
            self.diags.push(
                Diagnostic::error(Code::RouteNeverMatches, format!("no static route serves the error page `{path}`"))
                    .at(c.span, "not a file of the site")
                    .help("an error page is a file of the site: put it under a `static` route's root (`static \"/\" root=…` serves `/404.html` from ROOT/404.html)"),
            );
            return None;
        };
        Some(ErrorPage {
            statuses: codes,
            path,
            root,
            span: c.span,
        })
    }

    /// `redirects [status=301] [exact=#true] { "/old" "/new"; … }`: one
    /// `redirect` route per row, checked as one (exact by default: such
    /// tables map pages to pages).
    fn redirect_table(&mut self, c: &IChild) -> Vec<IChild> {
        for p in &c.props {
            if !["status", "exact", "keep-path"].contains(&p.name.as_str()) {
                self.unknown(
                    p.name_span,
                    &p.name,
                    "a redirect table",
                    &["status", "exact", "keep-path"],
                );
            }
        }
        if !self.args(c).is_empty() || c.children.is_empty() {
            self.bad(
                c.span,
                "`redirects` holds its rows as children".to_string(),
                "no rows",
                "write `redirects status=301 { \"/old\" \"/new\"; \"/older\" \"https://example.org/\" }`",
            );
            return Vec::new();
        }
        let mut rows = Vec::new();
        for row in &c.children {
            let to = match self.args(row).as_slice() {
                [to] if row.props.is_empty() && row.children.is_empty() => (*to).clone(),
                _ => {
                    self.bad(
                        row.span,
                        "a redirect row is a path and its target".to_string(),
                        "expected `\"/from\" \"/to\"`",
                        "write one row per redirect: `\"/old\" \"https://example.org/new\"`",
                    );
                    continue;
                }
            };
            let field = |name: &str, value: SValue| IField {
                name: name.into(),
                name_span: value.span,
                value,
            };
            let mut props = vec![field("to", to)];
            props.extend(c.props.iter().filter(|p| p.name != "exact").cloned());
            let exact = c.props.iter().find(|p| p.name == "exact").map_or(
                SValue {
                    value: Value::Bool(true),
                    span: c.span,
                },
                |p| p.value.clone(),
            );
            props.push(field("exact", exact));
            rows.push(IChild {
                name: "redirect".into(),
                name_span: row.name_span,
                args: vec![SValue {
                    value: Value::Str(row.name.clone()),
                    span: row.name_span,
                }],
                props,
                children: Vec::new(),
                has_block: false,
                span: row.span,
            });
        }
        rows
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

    fn route(&mut self, c: &IChild, site: &Site, all: &[Instance]) -> Option<Route> {
        let args = self.args(c);
        let regex_flag = c.props.iter().find(|p| p.name == "regex");
        let regex = match regex_flag {
            Some(f) => self.boolean(&f.value, "regex")?,
            None => false,
        };
        let mut groups = 0;
        let path = match args.as_slice() {
            [] => "/".to_string(),
            [p] if regex => {
                let pattern = self.text(p, "a route's regular expression")?;
                match portable_regex(&pattern) {
                    Ok(n) => groups = n,
                    Err(why) => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::InvalidSiteValue,
                                format!("`{pattern}` is not a regular expression both engines read alike: {why}"),
                            )
                            .at(p.span, "not portable")
                            .help("use literals, `.`, classes like `[^/]`, groups `( )` and `(?: )`, `|`, `* + ?`, `^ $`, `\\d \\w \\s` and a leading `(?i)`; nginx (PCRE) and Caddy (RE2) read those the same"),
                        );
                        return None;
                    }
                }
                pattern
            }
            [p] => self.path(p, "a route path")?,
            _ => {
                self.bad(
                    c.span,
                    format!("`{}` takes one path", c.name),
                    "too many arguments",
                    &format!("write `{} \"/path\" …`", c.name),
                );
                return None;
            }
        };
        let props: HashMap<&str, &IField> = c.props.iter().map(|p| (p.name.as_str(), p)).collect();
        let known: &[&str] = match c.name.as_str() {
            "static" => &["root", "index", "spa", "listing", "regex", "content-type"],
            "proxy" => &[
                "to",
                "port",
                "policy",
                "health",
                "websockets",
                "exact",
                "regex",
            ],
            "redirect" => &["to", "status", "keep-path", "exact", "regex"],
            _ => &["status", "body", "exact", "regex"],
        };
        for p in &c.props {
            if !known.contains(&p.name.as_str()) {
                self.unknown(
                    p.name_span,
                    &p.name,
                    &format!("a `{}` route", c.name),
                    known,
                );
            }
        }
        let mut upstream_values: Vec<&SValue> =
            props.get("to").map(|f| &f.value).into_iter().collect();
        let mut try_child = None;
        let mut headers: Vec<Header> = Vec::new();
        for ch in &c.children {
            if ch.name == "to" && c.name == "proxy" {
                upstream_values.extend(self.args(ch));
            } else if ch.name == "try" && c.name == "static" {
                try_child = Some(ch);
            } else if ch.name == "header" {
                if let Some(h) = self.header(ch) {
                    headers.retain(|o| !o.name.eq_ignore_ascii_case(&h.name));
                    headers.push(h);
                }
            } else {
                self.unknown(
                    ch.name_span,
                    &ch.name,
                    &format!("a `{}` route", c.name),
                    match c.name.as_str() {
                        "proxy" => &["to", "header"],
                        "static" => &["try", "header"],
                        _ => &["header"],
                    },
                );
            }
        }
        let flag = |s: &mut Self, name: &str, default: bool| {
            props
                .get(name)
                .and_then(|f| s.boolean(&f.value, name))
                .unwrap_or(default)
        };
        let action = match c.name.as_str() {
            "static" => {
                let root = match props.get("root") {
                    Some(f) => self.file(&f.value, "root")?,
                    None => {
                        self.missing(
                            c.span,
                            "a static route needs `root`",
                            "add `root=\"/var/www/SITE\"`",
                        );
                        return None;
                    }
                };
                let index = match props.get("index") {
                    Some(f) => {
                        let t = self.text(&f.value, "index")?;
                        if t.is_empty()
                            || t.contains(['/', ' ', '{', '}', '"', '\\', '$', ';', '`'])
                        {
                            self.bad(
                                f.value.span,
                                format!("`{t}` is not a file name"),
                                "expected a file name",
                                "index is a file name like `index.html`",
                            );
                            return None;
                        }
                        t
                    }
                    None => "index.html".into(),
                };
                let spa = flag(self, "spa", false);
                let try_files = match try_child {
                    Some(ch) => Some(self.try_files(ch, spa)?),
                    None => None,
                };
                let content_type = match props.get("content-type") {
                    Some(f) => {
                        let t = self.text(&f.value, "a content type")?;
                        if !is_media_type(&t) {
                            self.bad(
                                f.value.span,
                                format!("`{t}` is not a content type"),
                                "expected TYPE/SUBTYPE",
                                "write a media type, with parameters if needed: `text/plain; charset=utf-8`, `application/octet-stream`",
                            );
                            return None;
                        }
                        Some(t)
                    }
                    None => None,
                };
                Action::Static {
                    root,
                    index,
                    spa,
                    listing: flag(self, "listing", false),
                    try_files,
                    content_type,
                }
            }
            "proxy" => {
                let port = match props.get("port") {
                    Some(f) => Some(self.number(&f.value, "port", 1..=65535)? as u16),
                    None => None,
                };
                let mut upstreams = Vec::new();
                for v in &upstream_values {
                    upstreams.extend(self.upstreams(v, port, all));
                }
                if upstream_values.is_empty() {
                    self.missing(
                        c.span,
                        "a proxy route needs upstreams",
                        "add `to=(ref)\"droplet.NAME\" port=8080` or `to=\"127.0.0.1:3000\"`",
                    );
                    return None;
                }
                if upstreams.is_empty() {
                    return None;
                }
                let policy = match props.get("policy") {
                    Some(f) => {
                        let choices: Vec<(&str, Policy)> = Policy::NAMES
                            .iter()
                            .map(|n| (*n, Policy::parse(n).expect("listed")))
                            .collect();
                        self.one_of(&f.value, "load-balancing policy", &choices)?
                    }
                    None => Policy::RoundRobin,
                };
                let health = match props.get("health") {
                    Some(f) => Some(self.path(&f.value, "a health-check path")?),
                    None => None,
                };
                Action::Proxy {
                    upstreams,
                    policy,
                    health,
                    websockets: flag(self, "websockets", false),
                }
            }
            "redirect" => {
                let to = match props.get("to") {
                    Some(f) => {
                        let t = self.text(&f.value, "a redirect target")?;
                        if !is_redirect_target(&t) {
                            self.bad(f.value.span, format!("`{t}` is not a redirect target"), "expected https://… or /…", "redirect to an absolute URL (`https://www.example.com`) or a path (`/new`)");
                            return None;
                        }
                        if let Some(n) = capture_references(&t)
                            .into_iter()
                            .find(|n| regex && *n > groups)
                        {
                            self.bad(
                                f.value.span,
                                format!("`${n}` names a group the route's expression does not have"),
                                &format!("the expression has {groups} group(s)"),
                                "`$1` is the text the first `( )` of the route's expression matched, `$2` the second…",
                            );
                            return None;
                        }
                        t
                    }
                    None => {
                        self.missing(
                            c.span,
                            "a redirect needs `to`",
                            "add `to=\"https://www.example.com\"`",
                        );
                        return None;
                    }
                };
                let status = match props.get("status") {
                    Some(f) => {
                        let n = self.number(&f.value, "redirect status", 300..=399)?;
                        if ![301, 302, 303, 307, 308].contains(&n) {
                            self.bad(
                                f.value.span,
                                format!("{n} is not a redirect status"),
                                "expected 301, 302, 303, 307 or 308",
                                "use 301 (permanent) or 302 (temporary); 308/307 keep the method",
                            );
                            return None;
                        }
                        n as u16
                    }
                    None => 301,
                };
                if regex && props.contains_key("keep-path") {
                    self.bad(
                        props["keep-path"].name_span,
                        "a regex redirect does not keep the path".into(),
                        "the target is written with the expression's groups",
                        "write the part of the path to keep as a group, and use it in the target: `redirect \"^/old/(.*)$\" regex=#true to=\"/new/$1\"`",
                    );
                    return None;
                }
                Action::Redirect {
                    to,
                    status,
                    keep_path: !regex && flag(self, "keep-path", true),
                }
            }
            _ => {
                let status = match props.get("status") {
                    Some(f) => self.number(&f.value, "status", 200..=599)? as u16,
                    None => 200,
                };
                let body = match props.get("body") {
                    Some(f) => self.text(&f.value, BODY)?,
                    None => String::new(),
                };
                Action::Respond { status, body }
            }
        };
        // `exact`: that path alone. A static route serves a folder, so it
        // has none.
        let exact = flag(self, "exact", false);
        let matching = match (exact, regex) {
            (true, true) => {
                self.bad(
                    c.span,
                    "a route is exact or a regex, not both".into(),
                    "both `exact` and `regex`",
                    "an exact path is the regex `^/path$`: keep one of the two",
                );
                return None;
            }
            (true, false) => Match::Exact,
            (false, true) => Match::Regex,
            (false, false) => Match::Prefix,
        };
        if let Some(earlier) = site
            .routes
            .iter()
            .find(|r| r.path == path && r.matching == matching)
        {
            self.diags.push(
                Diagnostic::error(
                    Code::RouteNeverMatches,
                    format!("route `{path}` is declared twice in site `{}`", site.label),
                )
                .at(c.span, "never matches: the first route takes every request")
                .also(earlier.span, "this route matches first")
                .help("give each route its own path, or remove one"),
            );
            return None;
        }
        Some(Route {
            path,
            matching,
            action,
            headers,
            span: c.span,
        })
    }

    /// `rewrite FROM to=TO [exact=#true|regex=#true]`.
    fn rewrite(&mut self, c: &IChild) -> Option<Rewrite> {
        self.only(c, "a rewrite", &["to", "exact", "regex"]);
        let flag = |s: &mut Self, name: &str| match c.props.iter().find(|p| p.name == name) {
            Some(p) => s.boolean(&p.value, name),
            None => Some(false),
        };
        let (exact, regex) = (flag(self, "exact")?, flag(self, "regex")?);
        let matching = match (exact, regex) {
            (true, true) => {
                self.bad(
                    c.span,
                    "a rewrite is exact or a regex, not both".into(),
                    "both `exact` and `regex`",
                    "an exact path is the regex `^/path$`: keep one of the two",
                );
                return None;
            }
            (true, false) => Match::Exact,
            (false, true) => Match::Regex,
            (false, false) => Match::Prefix,
        };
        let args = self.args(c);
        let [from] = args.as_slice() else {
            self.bad(
                c.span,
                "a rewrite takes the path it matches".into(),
                "expected `rewrite \"/from\" to=\"/to\"`",
                "write `rewrite \"/docs/latest\" to=\"/docs/v3\"`",
            );
            return None;
        };
        let mut groups = 0;
        let from_text = if regex {
            let pattern = self.text(from, "a rewrite's regular expression")?;
            match portable_regex(&pattern) {
                Ok(n) => groups = n,
                Err(why) => {
                    self.bad(
                        from.span,
                        format!("`{pattern}` is not a regular expression both engines read alike: {why}"),
                        "not portable",
                        "use literals, `.`, classes like `[^/]`, groups `( )` and `(?: )`, `|`, `* + ?`, `^ $`, `\\d \\w \\s` and a leading `(?i)`",
                    );
                    return None;
                }
            }
            pattern
        } else {
            self.path(from, "a rewrite's path")?
        };
        let Some(to) = c.props.iter().find(|p| p.name == "to") else {
            self.missing(c.span, "a rewrite needs `to`", "add `to=\"/new/path\"`");
            return None;
        };
        let to_text = self.text(&to.value, "a rewrite's target")?;
        let literal: String = if regex {
            let mut s = to_text.clone();
            for n in 1..=9 {
                s = s.replace(&format!("${n}"), "x");
            }
            s
        } else {
            to_text.clone()
        };
        if !is_route_path(&literal) || literal.contains('$') {
            self.bad(
                to.value.span,
                format!("`{to_text}` is not a path to rewrite to"),
                "expected a request path",
                "a rewrite's target is a path of the site (`/docs/v3`), without a query; to send the client elsewhere, use `redirect`",
            );
            return None;
        }
        if let Some(n) = capture_references(&to_text)
            .into_iter()
            .find(|n| regex && *n > groups)
        {
            self.bad(
                to.value.span,
                format!("`${n}` names a group the rewrite's expression does not have"),
                &format!("the expression has {groups} group(s)"),
                "`$1` is the text the first `( )` matched, `$2` the second…",
            );
            return None;
        }
        Some(Rewrite {
            from: from_text,
            matching,
            to: to_text,
            span: c.span,
        })
    }

    /// `header "NAME" "VALUE" [always=#true]`, of a site or a route.
    fn header(&mut self, c: &IChild) -> Option<Header> {
        self.only(c, "a header", &["always"]);
        let args = self.args(c);
        let [name, value] = args.as_slice() else {
            self.bad(
                c.span,
                "a header takes a name and a value".into(),
                "expected `header \"NAME\" \"VALUE\"`",
                "write `header \"X-Robots-Tag\" \"noindex\"`",
            );
            return None;
        };
        let n = self.text(name, "a header name")?;
        let val = self.text(value, "a header value")?;
        if !is_header_name(&n) {
            self.bad(
                name.span,
                format!("`{n}` is not a header name"),
                "not an HTTP token",
                "a header name starts with a letter or digit, then letters, digits and `-` `_` `.` (e.g. `X-Robots-Tag`); `#`, `$`, quotes and a leading `-` or `+` mean something else to the servers",
            );
            return None;
        }
        let always = match c.props.iter().find(|p| p.name == "always") {
            Some(p) => self.boolean(&p.value, "always")?,
            None => true,
        };
        Some(Header {
            name: n,
            value: val,
            span: value.span,
            always,
        })
    }

    /// `try "{path}" "{path}.html" … [fallback="/file"|404]`.
    fn try_files(&mut self, c: &IChild, spa: bool) -> Option<TryFiles> {
        self.only(c, "`try`", &["fallback"]);
        if spa {
            self.bad(
                c.span,
                "a single-page app already says what it tries".into(),
                "`spa` and `try` together",
                "`spa=#true` is `try \"{path}\" \"{path}/\" fallback=\"/ROUTE/index.html\"`: keep one",
            );
            return None;
        }
        let args = self.args(c);
        if args.is_empty() {
            self.bad(
                c.span,
                "`try` lists the files to try".into(),
                "no files",
                "write `try \"{path}\" \"{path}.html\" \"{path}/\"`: `{path}` is the request's path",
            );
            return None;
        }
        let mut files = Vec::new();
        for v in args {
            let f = self.text(v, "a file to try")?;
            let literal = f.replace(REQUEST_PATH, "/x");
            if !(f.starts_with('/') || f.starts_with(REQUEST_PATH)) || !is_route_path(&literal) {
                self.bad(
                    v.span,
                    format!("`{f}` is not a file to try"),
                    "expected a request path, `{path}` standing for the request's",
                    "write a path starting with `/` or `{path}`, of URL path characters: `{path}.html`, `{path}/`, `/index.html`",
                );
                return None;
            }
            files.push(f);
        }
        let fallback = match c.props.iter().find(|p| p.name == "fallback") {
            None => Fallback::Status(404),
            Some(p) => match &p.value.value {
                Value::Int(_) => {
                    Fallback::Status(self.number(&p.value, "a fallback status", 400..=599)? as u16)
                }
                _ => Fallback::File(self.path(&p.value, "a fallback file")?),
            },
        };
        Some(TryFiles { files, fallback })
    }

    fn missing(&mut self, span: Span, message: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(Code::MissingRequired, message)
                .at(span, "incomplete route")
                .help(help),
        );
    }

    fn upstreams(&mut self, v: &SValue, port: Option<u16>, all: &[Instance]) -> Vec<Upstream> {
        match &v.value {
            Value::List(items) => items
                .iter()
                .flat_map(|i| self.upstreams(i, port, all))
                .collect(),
            Value::Ref(path) => {
                let Some(port) = port else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::MissingRequired,
                            "a proxy to a droplet needs the port it listens on",
                        )
                        .at(v.span, "which port?")
                        .help("add `port=8080` to the route"),
                    );
                    return Vec::new();
                };
                if let Some(label) = path.strip_prefix("machine.") {
                    return match self.machine(label, v.span) {
                        Some(m) => vec![Upstream {
                            host: m.upstream_address(),
                            port,
                            droplet: None,
                            machine: Some(label.to_string()),
                            span: v.span,
                        }],
                        None => Vec::new(),
                    };
                }
                self.droplets_at(path, v.span, all)
                    .into_iter()
                    .map(|(_, id)| Upstream {
                        host: String::new(),
                        port,
                        droplet: Some(id),
                        machine: None,
                        span: v.span,
                    })
                    .collect()
            }
            _ => {
                let Some(t) = self.text(v, "an upstream") else {
                    return Vec::new();
                };
                match parse_address(&t) {
                    Some((host, p)) => vec![Upstream {
                        host,
                        port: p,
                        droplet: None,
                        machine: None,
                        span: v.span,
                    }],
                    None => {
                        self.bad(v.span, format!("`{t}` is not an upstream address"), "expected HOST:PORT", "write `to=\"127.0.0.1:3000\"`, or `to=(ref)\"droplet.NAME\" port=8080`");
                        Vec::new()
                    }
                }
            }
        }
    }

    /// `droplet.NAME` (a droplet or a group) → (label, instance) of each.
    fn droplets_at(&mut self, path: &str, span: Span, all: &[Instance]) -> Vec<(String, usize)> {
        let label = path.strip_prefix("droplet.").filter(|l| !l.contains('.'));
        match label.and_then(|l| self.droplets.get(l)) {
            Some(ids) => {
                let ids: Vec<usize> = if ids.len() > 1 {
                    // A group: its members, not the group's own label.
                    ids.iter()
                        .copied()
                        .filter(|i| all[*i].group.as_deref() == label)
                        .collect()
                } else {
                    ids.clone()
                };
                ids.into_iter()
                    .map(|i| (all[i].label.to_string(), i))
                    .collect()
            }
            None => {
                let mut names: Vec<&str> = self.droplets.keys().map(String::as_str).collect();
                names.sort_unstable();
                let help = match label {
                    Some(l) => suggest(l, &names, "declare the droplet, or check the name"),
                    None => {
                        "sites run on droplets and proxy to droplets: write `(ref)\"droplet.NAME\"`"
                            .into()
                    }
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!("`{path}` is not a droplet"),
                    )
                    .at(span, "expected droplet.NAME")
                    .help(help),
                );
                Vec::new()
            }
        }
    }

    /// A machine by label, or an error at `span`.
    fn machine(&mut self, label: &str, span: Span) -> Option<super::machines::Machine> {
        if let Some(m) = self.machines.get(label) {
            return Some(m.clone());
        }
        let mut names: Vec<&str> = self.machines.keys().map(String::as_str).collect();
        names.sort_unstable();
        let help = suggest(
            label,
            &names,
            "declare it: `machine \"NAME\" address=\"203.0.113.7\"`",
        );
        self.diags.push(
            Diagnostic::error(
                Code::UnresolvedReference,
                format!("no machine named `{label}`"),
            )
            .at(span, "expected machine.NAME")
            .help(help),
        );
        None
    }

    /// The servers `on` names: droplets (label, instance) and machines
    /// (label, no instance).
    fn servers(&mut self, v: &SValue, all: &[Instance]) -> Vec<(String, Option<usize>)> {
        match &v.value {
            Value::Ref(path) if path.starts_with("machine.") => {
                let label = &path["machine.".len()..];
                self.machine(label, v.span)
                    .map(|_| (label.to_string(), None))
                    .into_iter()
                    .collect()
            }
            Value::Ref(path) => self
                .droplets_at(path, v.span, all)
                .into_iter()
                .map(|(l, i)| (l, Some(i)))
                .collect(),
            Value::List(items) => items.iter().flat_map(|i| self.servers(i, all)).collect(),
            _ => {
                self.wrong_type(v, "`on`", "a droplet reference (`(ref)\"droplet.NAME\"`)");
                Vec::new()
            }
        }
    }

    /// One A record per server for a site's host name.
    fn host_record(&mut self, site: &str, host: &str, span: Span, on: Option<&SValue>) {
        if let Some((owner, first)) = self.dns.claimed.get(host) {
            if *owner == format!("site `{site}`") {
                // Listed twice in one site: the web check reports it.
                return;
            }
            self.diags.push(
                Diagnostic::error(Code::HostConflict, format!("`{host}` already has an address record"))
                    .at(span, format!("site `{site}` would point it at its server"))
                    .also(*first, format!("{owner} claims it"))
                    .help("remove the other record (the site makes one), serve the name from one site, or write `dns=\"external\"` on the site"),
            );
            return;
        }
        self.dns
            .claimed
            .insert(host.to_string(), (format!("site `{site}`"), span));
        let Some((_, record_kind)) = self.dns.zone_of(host) else {
            self.diags.push(
                Diagnostic::error(Code::UnresolvedReference, format!("no zone in the project holds `{host}`"))
                    .at(span, "its DNS record has no zone")
                    .help("declare the zone (`domain \"example.com\"`), or mark the site's names as managed elsewhere with `dns=\"external\"`"),
            );
            return;
        };
        let mut paths = Vec::new();
        ref_paths(on.map(|v| &v.value), &mut paths);
        let slug = slug(host);
        for (n, path) in paths.iter().enumerate() {
            let base = if paths.len() == 1 {
                format!("site-{slug}")
            } else {
                format!("site-{slug}-{}", n + 1)
            };
            if let Some(label) = path.strip_prefix("machine.") {
                // An undeclared machine has its own error.
                let Some(m) = self.machines.get(label) else {
                    continue;
                };
                // Its addresses as written.
                let mut families = vec![("A", m.address.to_string(), "")];
                families.extend(m.address_v6.map(|a| ("AAAA", a.to_string(), "-v6")));
                for (record_type, address, suffix) in families {
                    let value = SValue {
                        value: Value::Str(address.into()),
                        span,
                    };
                    let props = address_props(record_kind, host, record_type, value, None, span);
                    self.records
                        .push(record(record_kind, format!("{base}{suffix}"), props, span));
                }
                continue;
            }
            let droplet = path.strip_prefix("droplet.").unwrap_or(path);
            let families: &[(&str, &str, &str)] = if self.ipv6.contains(droplet) {
                &[("A", "ipv4", ""), ("AAAA", "ipv6", "-v6")]
            } else {
                &[("A", "ipv4", "")]
            };
            for (record_type, export, suffix) in families {
                let value = SValue {
                    value: Value::Ref(format!("{path}.{export}").into()),
                    span,
                };
                let props = address_props(record_kind, host, record_type, value, None, span);
                self.records
                    .push(record(record_kind, format!("{base}{suffix}"), props, span));
            }
        }
    }

    /// Internal names for the droplets a site proxies to, in the zone of
    /// the site's first host.
    fn internal_names(&mut self, site: &mut Site, all: &[Instance]) {
        let zone = site.hosts.first().and_then(|h| self.dns.zone_of(h));
        for r in &mut site.routes {
            let Action::Proxy { upstreams, .. } = &mut r.action else {
                continue;
            };
            for u in upstreams {
                let Some(id) = u.droplet else { continue };
                if u.host == "127.0.0.1" {
                    continue;
                }
                if let Some((fqdn, _)) = self.internal.get(&id) {
                    u.host = fqdn.clone();
                    continue;
                }
                let Some((zone, record_kind)) = zone.clone() else {
                    self.diags.push(
                        Diagnostic::error(Code::UpstreamUnreachable, format!("`{}` has no internal name to be reached by", all[id].label))
                            .at(u.span, "needs a DNS name for its private address")
                            .help("proxying to a droplet gives it a name `<droplet>.int.<zone>` in the zone of the site's first host: declare that zone in the project"),
                    );
                    continue;
                };
                let label = &all[id].label;
                let fqdn = format!("{label}.int.{zone}");
                let value = SValue {
                    value: Value::Ref(format!("droplet.{label}.private-ipv4").into()),
                    span: u.span,
                };
                let mut props = address_props(record_kind, &fqdn, "A", value, Some(300), u.span);
                if record_kind == "cloudflare-record" {
                    props.push(prop("proxied", Value::Bool(false), u.span));
                }
                u.host = fqdn.clone();
                self.internal.insert(
                    id,
                    (
                        fqdn,
                        record(record_kind, format!("int-{label}"), props, u.span),
                    ),
                );
            }
        }
    }
}

fn ref_paths<'v>(v: Option<&'v Value>, out: &mut Vec<&'v str>) {
    match v {
        Some(Value::Ref(p)) => out.push(p),
        Some(Value::List(items)) => items.iter().for_each(|i| ref_paths(Some(&i.value), out)),
        _ => {}
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
