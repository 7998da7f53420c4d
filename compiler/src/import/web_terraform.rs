//! Terraform and web configs imported in one run, tied together: what
//! infrac writes for sites is taken out of the Terraform and said by the
//! sites again.
//! - an upstream at `<droplet>.int.<zone>` (the name infrac gives a droplet
//!   a site proxies to) is that droplet, and its record goes;
//! - a site on a server the Terraform does not create runs on a `machine`
//!   at the addresses its names' records hold;
//! - the records of the sites' names go (the sites make them).

use super::{web::WebImport, write, Found, FoundResource};
use crate::kinds::Registry;
use std::collections::HashMap;

pub fn tie(
    found: &mut Vec<FoundResource>,
    sites: &mut WebImport,
    registry: &Registry,
    warnings: &mut Vec<String>,
) {
    let internal = internal_names(found, sites, registry);
    let used = sites.restore_droplets(
        &internal
            .iter()
            .map(|(host, (label, _))| (host.clone(), label.clone()))
            .collect(),
    );
    let records: Vec<(String, String)> = used
        .iter()
        .filter_map(|h| internal.get(h).map(|(_, r)| r.clone()))
        .collect();
    if !found.is_empty() {
        machines(found, sites, warnings);
    }
    let names: Vec<String> = sites
        .hosts()
        .iter()
        .flat_map(|h| [site_record(h, "-v6"), site_record(h, "")])
        .collect();
    let before = found.len();
    found.retain(|r| {
        r.data
            || !(records.contains(&(r.resource_type.clone(), r.name.clone()))
                || names.contains(&r.name) && r.resource_type.contains("record"))
    });
    if found.len() < before {
        warnings.push(format!(
            "{} DNS record(s) of the sites' names and of the droplets they proxy to left out: infrac writes them for the sites",
            before - found.len()
        ));
    }
}

/// The Terraform name of the record infrac makes for a site's name
/// (`site_www_example_com`, `…_v6` for `-v6`).
fn site_record(host: &str, suffix: &str) -> String {
    crate::resolve::tf_ident(&format!("site-{}{suffix}", crate::dns::slug(host)))
}

/// Sites on servers no imported droplet is: a `machine` at the address of
/// their names' A (and AAAA) records.
fn machines(found: &[FoundResource], sites: &mut WebImport, warnings: &mut Vec<String>) {
    let droplets: Vec<String> = found
        .iter()
        .filter(|r| !r.data && r.resource_type == "digitalocean_droplet")
        .map(|r| r.name.replace('_', "-"))
        .collect();
    for server in sites.servers() {
        if droplets.contains(&server) {
            continue;
        }
        let address = |suffix: &str| {
            sites.hosts_on(&server).iter().find_map(|h| {
                let name = site_record(h, suffix);
                found
                    .iter()
                    .find(|r| r.name == name && r.resource_type.contains("record"))
                    .and_then(record_value)
            })
        };
        match (address(""), address("-v6")) {
            (Some(v4), v6) => sites.run_on_machine(&server, &v4, v6.as_deref()),
            (None, _) => warnings.push(format!("the sites on `{server}` run on a server the import holds no droplet or address of: declare it (`machine \"{server}\" address=…`) or name a droplet with `--on`")),
        }
    }
}

/// The one literal value of an address record, whichever provider's.
fn record_value(r: &FoundResource) -> Option<String> {
    r.attributes
        .iter()
        .find_map(|(k, v)| match (k.as_str(), v) {
            ("value" | "content" | "records", Found::Str(s)) => Some(s.clone()),
            ("records", Found::List(l)) => match l.as_slice() {
                [Found::Str(s)] => Some(s.clone()),
                _ => None,
            },
            _ => None,
        })
}

/// Upstream hosts of the sites that are infrac's internal name of an
/// imported droplet (`web.int.example.com`), with the droplet's label and
/// the address of the record that gives the name.
fn internal_names(
    found: &[FoundResource],
    sites: &WebImport,
    registry: &Registry,
) -> HashMap<String, (String, (String, String))> {
    let mut out = HashMap::new();
    let Some(kind) = registry.by_resource("digitalocean_droplet") else {
        return out;
    };
    for host in sites.upstream_hosts() {
        let Some((droplet, _zone)) = host.split_once(".int.") else {
            continue;
        };
        let ident = crate::resolve::tf_ident(droplet);
        let Some(d) = found
            .iter()
            .find(|r| !r.data && r.resource_type == "digitalocean_droplet" && r.name == ident)
        else {
            continue;
        };
        let record = found.iter().find(|r| {
            !r.data
                && r.name == format!("int_{ident}")
                && r.attributes.iter().any(|(_, v)| {
                    matches!(v, Found::Ref { resource_type, name, attribute }
                        if resource_type == "digitalocean_droplet" && *name == ident && attribute == "ipv4_address_private")
                })
        });
        if let Some(record) = record {
            out.insert(
                host.to_string(),
                (
                    write::label(d, kind),
                    (record.resource_type.clone(), record.name.clone()),
                ),
            );
        }
    }
    out
}
