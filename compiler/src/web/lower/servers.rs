//! Where a site runs and what it proxies to: droplets (and groups),
//! machines, upstream addresses, and the DNS records of its names and of
//! the droplets it proxies to.

use super::*;

impl Lowerer<'_> {
    pub(super) fn upstreams(
        &mut self,
        v: &SValue,
        port: Option<u16>,
        all: &[Instance],
    ) -> Vec<Upstream> {
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
    pub(super) fn droplets_at(
        &mut self,
        path: &str,
        span: Span,
        all: &[Instance],
    ) -> Vec<(String, usize)> {
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
    pub(super) fn machine(&mut self, label: &str, span: Span) -> Option<super::machines::Machine> {
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
    pub(super) fn servers(&mut self, v: &SValue, all: &[Instance]) -> Vec<(String, Option<usize>)> {
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
    pub(super) fn host_record(&mut self, site: &str, host: &str, span: Span, on: Option<&SValue>) {
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
    pub(super) fn internal_names(&mut self, site: &mut Site, all: &[Instance]) {
        // A site without names (a TCP proxy) names droplets in the
        // project's zone, when it has one.
        let zone = match site.hosts.first() {
            Some(h) => self.dns.zone_of(h),
            None => self.dns.only_zone(),
        };
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

pub(super) fn ref_paths<'v>(v: Option<&'v Value>, out: &mut Vec<&'v str>) {
    match v {
        Some(Value::Ref(p)) => out.push(p),
        Some(Value::List(items)) => items.iter().for_each(|i| ref_paths(Some(&i.value), out)),
        _ => {}
    }
}
