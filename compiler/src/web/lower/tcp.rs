//! `site "redis" tcp=6379 { proxy to=… }`: a TCP proxy. It forwards
//! connections, not requests: one `proxy` route, and none of what HTTP
//! sites have.

use super::*;

/// Site properties a TCP proxy takes.
const TCP_PROPS: &[&str] = &["on", "engine", "tcp", "conn-limit"];

impl Lowerer<'_> {
    /// Reports what a TCP site has that only HTTP sites can.
    pub(super) fn tcp_only(&mut self, inst: &Instance, site: &Site, span: Span) {
        let help = "a TCP proxy forwards connections on its port: it takes `on`, `engine`, `conn-limit` and one `proxy` child with its upstreams (`proxy to=(ref)\"droplet.cache\" port=6379`)";
        for p in inst
            .props
            .iter()
            .filter(|p| !TCP_PROPS.contains(&p.name.as_str()))
        {
            self.bad(
                p.name_span,
                format!("a TCP proxy has no `{}`", p.name),
                "an HTTP setting",
                help,
            );
        }
        for c in inst
            .children
            .iter()
            .filter(|c| !["on", "proxy"].contains(&c.name.as_str()))
        {
            self.bad(
                c.name_span,
                format!("a TCP proxy has no `{}`", c.name),
                "an HTTP setting",
                help,
            );
        }
        let proxies: Vec<&Route> = site
            .routes
            .iter()
            .filter(|r| matches!(r.action, Action::Proxy { .. }))
            .collect();
        match proxies.as_slice() {
            [one] if one.is_fallback() && one.headers.is_empty() && one.rate_limit.is_none() => {
                if let Action::Proxy {
                    health: Some(_), ..
                }
                | Action::Proxy {
                    websockets: true, ..
                } = &one.action
                {
                    self.bad(
                        one.span,
                        "a TCP proxy has no HTTP health checks or WebSockets".into(),
                        "HTTP settings",
                        help,
                    );
                }
            }
            [] => self.bad(
                span,
                "a TCP proxy without a `proxy`".into(),
                "forwards nowhere",
                help,
            ),
            _ => self.bad(
                span,
                "a TCP proxy has one `proxy`, for every connection".into(),
                "routes of a TCP proxy",
                help,
            ),
        }
    }
}
