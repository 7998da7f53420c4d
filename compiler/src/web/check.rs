//! Checks that need the whole checked plan: names claimed twice on one
//! server, what each engine can do, and whether a proxied droplet can be
//! reached from the server (a shared private network, no firewall in the
//! way).

use super::*;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::plan::{Body, PValue, Plan, ResourceId};
use std::collections::BTreeMap;

pub fn check(web: &mut Web, plan: &Plan, diags: &mut Diagnostics) {
    let map = |i: usize| plan.instance_resources.get(i).copied();
    for site in &mut web.sites {
        site.server_ids = site.server_ids.iter().filter_map(|i| map(*i)).collect();
        for r in &mut site.routes {
            if let Action::Proxy { upstreams, .. } = &mut r.action {
                for u in upstreams {
                    u.droplet = u.droplet.and_then(map);
                }
            }
        }
    }
    host_conflicts(web, diags);
    secret_variables(web, diags);
    for site in &web.sites {
        engine_support(site, diags);
        for r in &site.routes {
            let Action::Proxy { upstreams, .. } = &r.action else {
                continue;
            };
            for u in upstreams {
                let Some(target) = u.droplet else { continue };
                for &server in &site.server_ids {
                    if server != target {
                        reachable(plan, server, target, u, diags);
                    }
                }
            }
        }
    }
}

fn host_conflicts(web: &Web, diags: &mut Diagnostics) {
    let mut claimed: BTreeMap<(&str, &str), &Site> = BTreeMap::new();
    let mut defaults: BTreeMap<&str, &Site> = BTreeMap::new();
    for site in &web.sites {
        for server in site.servers.iter().filter(|_| site.default) {
            match defaults.get(server.as_str()) {
                Some(first) => diags.push(
                    Diagnostic::error(Code::HostConflict, format!("server `{server}` has two default sites"))
                        .at(site.span, format!("site `{}` is its default", site.label))
                        .also(first.span, format!("site `{}` is its default too", first.label))
                        .help("a server answers the names no site serves one way: keep one `default=#true` site per server"),
                ),
                None => {
                    defaults.insert(server, site);
                }
            }
        }
        for server in &site.servers {
            for host in site.hosts.iter().chain(&site.aliases) {
                match claimed.get(&(server.as_str(), host.as_str())) {
                    Some(first) if first.label != site.label => diags.push(
                        Diagnostic::error(Code::HostConflict, format!("`{host}` is served twice on server `{server}`"))
                            .at(site.span, format!("site `{}` claims it", site.label))
                            .also(first.span, format!("site `{}` claims it too", first.label))
                            .help("one site per host name and server: merge the routes into one site, or move one site to another server"),
                    ),
                    Some(_) => diags.push(
                        Diagnostic::error(Code::HostConflict, format!("`{host}` is listed twice in site `{}`", site.label))
                            .at(site.span, "listed twice")
                            .help("list each host name once, as `host` or as `alias`"),
                    ),
                    None => {
                        claimed.insert((server, host), site);
                    }
                }
            }
        }
    }
}

fn engine_support(site: &Site, diags: &mut Diagnostics) {
    if site.log_format == Some(LogFormat::Combined) && site.engine == Engine::Caddy {
        diags.push(
            Diagnostic::error(Code::EngineCannot, format!("Caddy cannot write the combined log format of site `{}`", site.label))
                .at(site.span, "`log-format=\"combined\"` on Caddy")
                .help("Caddy writes JSON (`log-format=\"json\"`, the same fields on both engines); the combined format needs a plugin its packages lack: use nginx, or JSON"),
        );
    }
    if !site.host_regexes.is_empty() && site.engine == Engine::Caddy {
        diags.push(
            Diagnostic::error(Code::EngineCannot, format!("Caddy cannot serve names by expression for site `{}`", site.label))
                .at(site.span, "`host-regex` on Caddy")
                .help("Caddy's site addresses are names (it gets a certificate for each): list the names with `host`, or serve the site with `engine=\"nginx\"`"),
        );
    }
    if site.tcp.is_some() && site.engine == Engine::Caddy {
        diags.push(
            Diagnostic::error(Code::EngineCannot, format!("Caddy cannot proxy TCP for site `{}`", site.label))
                .at(site.span, "a TCP proxy on Caddy")
                .help("Caddy's packages have no layer-4 module: write `engine=\"nginx\"` (its stream module, Debian's libnginx-mod-stream), on a server whose sites all use nginx"),
        );
        return;
    }
    let limited = site.rate_limit.is_some()
        || site.conn_limit.is_some()
        || site.routes.iter().any(|r| r.rate_limit.is_some());
    if limited && site.engine == Engine::Caddy {
        diags.push(
            Diagnostic::error(Code::EngineCannot, format!("Caddy cannot limit the requests or connections of site `{}`", site.label))
                .at(site.span, "a rate or connection limit on Caddy")
                .help("Caddy's packages (Debian's 2.6, the official builds) have no rate-limit module: serve the site with `engine=\"nginx\"`, or drop the limits"),
        );
    }
    let acme = matches!(site.tls, Tls::Acme { .. });
    if acme && site.engine == Engine::Nginx {
        diags.push(
            Diagnostic::error(Code::EngineCannot, format!("nginx cannot obtain certificates for site `{}`", site.label))
                .at(site.span, "TLS by ACME on nginx")
                .help("give the certificate files (`cert=\"…\" key=\"…\"`, e.g. from certbot), use `engine=\"caddy\"`, or `tls=\"off\"`"),
        );
    }
    if acme && site.engine == Engine::Caddy {
        if let Some(h) = site
            .hosts
            .iter()
            .chain(&site.aliases)
            .find(|h| h.starts_with("*."))
        {
            diags.push(
                Diagnostic::error(Code::EngineCannot, format!("Caddy cannot obtain a certificate for `{h}` here"))
                    .at(site.span, "wildcard name with ACME")
                    .help("wildcard certificates need the ACME DNS challenge, which needs a DNS provider module the packaged Caddy lacks: give certificate files (`cert=` `key=`)"),
            );
        }
    }
    for (text, span) in site.written_values() {
        let why = match site.engine {
            Engine::Caddy => crate::backends::caddy::cannot_carry(text),
            Engine::Nginx => crate::backends::nginx::cannot_carry(text),
        };
        if let Some(why) = why {
            let other = match site.engine {
                Engine::Caddy => "nginx",
                Engine::Nginx => "caddy",
            };
            let shown: String = text.chars().take(60).collect();
            let more = if shown.len() < text.len() { "…" } else { "" };
            diags.push(
                Diagnostic::error(
                    Code::EngineCannot,
                    format!("{} cannot carry this value literally", site.engine.title()),
                )
                .at(span, format!("`{shown}{more}`"))
                .help(format!(
                    "{why}: change the value, or use `engine=\"{other}\"`"
                )),
            );
        }
    }
    if site.engine == Engine::Caddy {
        for r in &site.routes {
            if !matches!(r.action, Action::Proxy { .. }) {
                continue;
            }
            // The headers that reach its responses: the route's replace the
            // site's of the same name.
            let sent = site.route_headers(r);
            if let Some(h) = sent.iter().find(|h| !h.always) {
                diags.push(
                    Diagnostic::error(
                        Code::EngineCannot,
                        format!("Caddy cannot leave `{}` out of an upstream's error responses", h.name),
                    )
                    .at(h.span, "sent on success only")
                    .also(r.span, "a proxy route it applies to")
                    .help("Caddy's `header` does not look at the upstream's status: send the header always (drop `always=#false`), set it in the upstream, or use `engine=\"nginx\"`"),
                );
            }
        }
    }
    if site.engine == Engine::Nginx {
        for r in &site.routes {
            if let Action::Proxy {
                health: Some(_), ..
            } = &r.action
            {
                diags.push(
                    Diagnostic::error(Code::PassiveHealthOnly, "nginx checks upstream health passively only")
                        .at(r.span, "`health` is ignored by nginx")
                        .help("nginx (open source) has no active health checks: an upstream that fails 3 times is skipped for 30 s. Use `engine=\"caddy\"` for active checks, or drop `health`"),
                );
            }
        }
    }
}

/// Whether `server` can open a TCP connection to `target` on the
/// upstream's port, as far as the plan says: both in one VPC (or both in
/// the default VPC of one region), and every firewall on the target lets
/// the server in.
fn reachable(
    plan: &Plan,
    server: ResourceId,
    target: ResourceId,
    u: &Upstream,
    diags: &mut Diagnostics,
) {
    let (s, t) = (&plan.resources[server], &plan.resources[target]);
    let network = |body: &Body| {
        let vpc = body.get("vpc_uuid").map(|a| &a.value);
        let region = body.get("region").map(|a| &a.value);
        (vpc.cloned(), region.cloned())
    };
    let (s_vpc, s_region) = network(&s.body);
    let (t_vpc, t_region) = network(&t.body);
    let same_network = match (&s_vpc, &t_vpc) {
        (None, None) => s_region == t_region,
        (a, b) => a == b,
    };
    if !same_network {
        diags.push(
            Diagnostic::error(
                Code::UpstreamUnreachable,
                format!(
                    "`{}` cannot reach `{}` over a private network",
                    s.label, t.label
                ),
            )
            .at(u.span, format!("`{}` is in another network", t.label))
            .also(t.span, "the upstream droplet")
            .help("put both droplets in the same `vpc` (or, without one, in the same region)"),
        );
        return;
    }
    let vpc_range = match &t_vpc {
        Some(PValue::Ref { target, .. }) => match plan.resources[*target]
            .body
            .get("ip_range")
            .map(|a| &a.value)
        {
            Some(PValue::Str(r)) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    };
    let s_tags = tags(plan, &s.body);
    let t_tags = tags(plan, &t.body);
    let firewalls: Vec<&crate::plan::Resource> = plan
        .resources
        .iter()
        .filter(|r| r.kind.kind == "firewall")
        .filter(|fw| {
            refs_in(fw.body.get("droplet_ids").map(|a| &a.value)).contains(&target)
                || tags(plan, &fw.body).iter().any(|t| t_tags.contains(t))
        })
        .collect();
    if firewalls.is_empty() {
        return;
    }
    let allowed = firewalls.iter().any(|fw| {
        fw.body
            .blocks
            .iter()
            .filter(|b| b.name == "inbound_rule")
            .any(|rule| {
                let text = |name: &str| match rule.body.get(name).map(|a| &a.value) {
                    Some(PValue::Str(s)) => Some(s.as_str()),
                    _ => None,
                };
                let tcp = text("protocol") == Some("tcp");
                let port_ok = text("port_range").is_some_and(|p| port_in(p, u.port));
                let from_droplet = refs_in(rule.body.get("source_droplet_ids").map(|a| &a.value))
                    .contains(&server);
                let from_tag = tags_at(plan, rule.body.get("source_tags").map(|a| &a.value))
                    .iter()
                    .any(|t| s_tags.contains(t));
                let from_address = strings(rule.body.get("source_addresses").map(|a| &a.value))
                    .iter()
                    .any(|a| {
                        covers_private(a)
                            || vpc_range.as_deref().is_some_and(|r| cidr_contains(a, r))
                    });
                tcp && port_ok && (from_droplet || from_tag || from_address)
            })
    });
    if !allowed {
        let mut d = Diagnostic::error(
            Code::UpstreamUnreachable,
            format!(
                "a firewall blocks `{}` from `{}` on port {}",
                s.label, t.label, u.port
            ),
        )
        .at(
            u.span,
            format!(
                "port {} on `{}` is closed to `{}`",
                u.port, t.label, s.label
            ),
        );
        for fw in &firewalls {
            d = d.also(fw.span, "applies to the upstream");
        }
        diags.push(d.help(format!(
            "add an inbound rule to one of these firewalls: `inbound protocol=\"tcp\" ports=\"{}\" {{ from-droplets (ref)\"droplet.{}\" }}` (or from a tag the server has)",
            u.port, s.label
        )));
    }
}

fn refs_in(v: Option<&PValue>) -> Vec<ResourceId> {
    let mut out = Vec::new();
    if let Some(v) = v {
        v.refs(&mut out);
    }
    out
}

fn strings(v: Option<&PValue>) -> Vec<&str> {
    match v {
        Some(PValue::List(items)) => items
            .iter()
            .filter_map(|i| match i {
                PValue::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        Some(PValue::Str(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

/// Tag names, whether written as text or as references to `tag`s.
fn tags_at(plan: &Plan, v: Option<&PValue>) -> Vec<String> {
    let mut out: Vec<String> = strings(v).into_iter().map(String::from).collect();
    out.extend(
        refs_in(v)
            .into_iter()
            .map(|id| plan.resources[id].label.to_string()),
    );
    out
}

fn tags(plan: &Plan, body: &Body) -> Vec<String> {
    tags_at(plan, body.get("tags").map(|a| &a.value))
}

fn port_in(range: &str, port: u16) -> bool {
    if range == "all" {
        return true;
    }
    match range.split_once('-') {
        Some((a, b)) => {
            matches!((a.parse::<u16>(), b.parse::<u16>()), (Ok(a), Ok(b)) if (a..=b).contains(&port))
        }
        None => range.parse::<u16>() == Ok(port),
    }
}

/// Whether an allowed source range covers private IPv4 addresses (DigitalOcean
/// VPCs use RFC 1918 space).
fn covers_private(cidr: &str) -> bool {
    let Some((addr, len)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(addr), Ok(len)) = (addr.parse::<std::net::Ipv4Addr>(), len.parse::<u8>()) else {
        return false;
    };
    let o = addr.octets();
    len == 0
        || (o[0] == 10 && len <= 8)
        || (o[0] == 172 && o[1] & 0xf0 == 16 && len <= 12)
        || (o[0] == 192 && o[1] == 168 && len <= 16)
}

fn parse_v4_cidr(cidr: &str) -> Option<(u32, u8)> {
    let (addr, len) = cidr.split_once('/')?;
    let len: u8 = len.parse().ok().filter(|l| *l <= 32)?;
    Some((u32::from(addr.parse::<std::net::Ipv4Addr>().ok()?), len))
}

/// Whether IPv4 range `outer` contains all of `inner`.
fn cidr_contains(outer: &str, inner: &str) -> bool {
    let (Some((o, ol)), Some((i, il))) = (parse_v4_cidr(outer), parse_v4_cidr(inner)) else {
        return false;
    };
    let mask = if ol == 0 { 0 } else { u32::MAX << (32 - ol) };
    ol <= il && (o & mask) == (i & mask)
}

/// Two basic-auth secrets that would read one environment variable
/// (`ba-hash` and `ba_hash` are both `INFRAC_SECRET_BA_HASH`): one site
/// would get the other's password hash.
fn secret_variables(web: &Web, diags: &mut Diagnostics) {
    let mut seen: Vec<(String, &BasicAuth)> = Vec::new();
    for auth in web.sites.iter().filter_map(|s| s.basic_auth.as_ref()) {
        let env = secret_env(&auth.secret);
        match seen.iter().find(|(e, _)| *e == env) {
            Some((_, first)) if first.secret != auth.secret => diags.push(
                Diagnostic::error(
                    Code::SecretMisuse,
                    format!(
                        "secrets `{}` and `{}` would share the environment variable {env}",
                        first.secret, auth.secret
                    ),
                )
                .at(auth.span, "read from the same variable")
                .also(first.span, "as this one")
                .help("give the secrets names that differ in more than `-`, `_` and letter case"),
            ),
            Some(_) => {}
            None => seen.push((env, auth)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert!(port_in("8080", 8080));
        assert!(port_in("1-65535", 443));
        assert!(port_in("all", 1));
        assert!(!port_in("80", 8080));
        assert!(!port_in("9000-9100", 8080));
    }

    #[test]
    fn private_ranges() {
        assert!(covers_private("0.0.0.0/0"));
        assert!(covers_private("10.0.0.0/8"));
        assert!(covers_private("172.16.0.0/12"));
        assert!(!covers_private("10.110.0.0/20"));
        assert!(!covers_private("192.0.2.10/32"));
        assert!(!covers_private("::/0"));
        assert!(cidr_contains("10.110.0.0/20", "10.110.0.0/20"));
        assert!(cidr_contains("10.110.0.0/16", "10.110.0.0/20"));
        assert!(!cidr_contains("10.110.0.0/24", "10.110.0.0/20"));
    }
}
