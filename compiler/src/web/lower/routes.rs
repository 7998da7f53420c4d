//! A site's routes: each kind's settings (a static route's files to try,
//! a proxy's upstreams, a redirect's target), its headers, redirect
//! tables and error pages.

use super::*;

impl Lowerer<'_> {
    /// `error-page STATUS… PATH`: statuses from 400 to 599, each with one
    /// page; the page is served by a static route.
    pub(super) fn error_page(&mut self, c: &IChild, site: &Site) -> Option<ErrorPage> {
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
    pub(super) fn redirect_table(&mut self, c: &IChild) -> Vec<IChild> {
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

    pub(super) fn route(&mut self, c: &IChild, site: &Site, all: &[Instance]) -> Option<Route> {
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
        // Every route may limit its request rate.
        const LIMITS: &[&str] = &["rate-limit", "rate-burst"];
        let known: Vec<&str> = known.iter().chain(LIMITS).copied().collect();
        let known = known.as_slice();
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
        let mut raw: Vec<Raw> = Vec::new();
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
            } else if ch.name == "raw" {
                raw.extend(self.raw(ch));
            } else {
                self.unknown(
                    ch.name_span,
                    &ch.name,
                    &format!("a `{}` route", c.name),
                    match c.name.as_str() {
                        "proxy" => &["to", "header", "raw"],
                        "static" => &["try", "header", "raw"],
                        _ => &["header", "raw"],
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
                if status == CLOSE && !body.is_empty() {
                    self.bad(
                        props["body"].value.span,
                        format!("status {CLOSE} sends no response"),
                        "a body that is never sent",
                        "`status=444` closes the connection without answering (nginx's `return 444`, Caddy's `abort`): drop the body, or choose another status",
                    );
                    return None;
                }
                Action::Respond { status, body }
            }
        };
        // `exact`: that path alone. A static route serves a folder, so it
        // has none.
        let exact = flag(self, "exact", false);
        let matching = self.matching(c, exact, regex, "a route")?;
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
        let rate_limit = self.rate_limit(&c.props);
        // nginx answers `return` before it counts requests.
        if rate_limit.is_some()
            && matches!(action, Action::Redirect { .. } | Action::Respond { .. })
        {
            let at = c
                .props
                .iter()
                .find(|p| p.name == "rate-limit")
                .map_or(c.span, |p| p.value.span);
            self.bad(
                at,
                format!("a `{}` route is not rate-limited", c.name),
                "a limit nginx would not apply",
                "nginx answers redirects and fixed responses before it counts requests: limit `static` and `proxy` routes (the site's limit counts them alone too)",
            );
            return None;
        }
        Some(Route {
            path,
            matching,
            action,
            rate_limit,
            headers,
            raw,
            span: c.span,
        })
    }

    /// How a route or a rewrite matches, from its `exact` and `regex`.
    pub(super) fn matching(
        &mut self,
        c: &IChild,
        exact: bool,
        regex: bool,
        what: &str,
    ) -> Option<Match> {
        match (exact, regex) {
            (true, true) => {
                self.bad(
                    c.span,
                    format!("{what} is exact or a regex, not both"),
                    "both `exact` and `regex`",
                    "an exact path is the regex `^/path$`: keep one of the two",
                );
                None
            }
            (true, false) => Some(Match::Exact),
            (false, true) => Some(Match::Regex),
            (false, false) => Some(Match::Prefix),
        }
    }

    /// `raw "ENGINE" "DIRECTIVE" "ARG"…`, of a site or a route.
    pub(super) fn raw(&mut self, c: &IChild) -> Option<Raw> {
        self.only(c, "a raw directive", &[]);
        let args = self.args(c);
        let mut texts = Vec::new();
        for a in &args {
            texts.push(self.text(a, "a raw directive's part")?);
        }
        let (Some(engine), Some(name)) = (texts.first(), texts.get(1)) else {
            self.bad(
                c.span,
                "a raw directive names its engine and the directive".into(),
                "expected `raw \"nginx\" \"NAME\" \"ARG\"…`",
                "write `raw \"nginx\" \"gzip_comp_level\" \"6\"` or `raw \"caddy\" \"header\" \"-Server\"`",
            );
            return None;
        };
        let engine = match engine.as_str() {
            "nginx" => Engine::Nginx,
            "caddy" => Engine::Caddy,
            other => {
                self.bad(
                    args[0].span,
                    format!("`{other}` is not an engine"),
                    "expected nginx or caddy",
                    "a raw directive is written for one engine: `raw \"nginx\" …` or `raw \"caddy\" …`",
                );
                return None;
            }
        };
        let is_name = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !is_name {
            self.bad(
                args[1].span,
                format!("`{name}` is not a directive name"),
                "lowercase letters, digits and `_`",
                "the name is one directive (`gzip_comp_level`, `limit_rate`, `header`); its arguments follow as strings, each written as text",
            );
            return None;
        }
        Some(Raw {
            engine,
            name: name.clone(),
            args: texts[2..].to_vec(),
            span: c.span,
        })
    }

    /// `header "NAME" "VALUE" [always=#true]`, of a site or a route.
    pub(super) fn header(&mut self, c: &IChild) -> Option<Header> {
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
    pub(super) fn try_files(&mut self, c: &IChild, spa: bool) -> Option<TryFiles> {
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

    /// What only the whole list of routes shows: a `try` fallback another
    /// route takes, a rewrite that lands in a path-keeping redirect.
    pub(super) fn check_routes(&mut self, site: &Site) {
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
    }
}
