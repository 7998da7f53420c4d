//! DNS names that stages add to the project (a site's host names, an app's
//! ingress hosts): which zone of the project holds a name, which names
//! already have an address record, and record instances in the zone's
//! kind. The records join the resource instances, so they are checked,
//! referenced and ordered like declared ones.

use crate::expand::{Extras, IField, Instance, SValue, Value};
use crate::source::Span;
use std::collections::HashMap;

/// Zone kinds records can be created in, with the record kind.
const ZONE_KINDS: &[(&str, &str)] = &[
    ("domain", "record"),
    ("cloudflare-zone", "cloudflare-record"),
    ("route53-zone", "route53-record"),
];

/// The fields of an address record of `record_kind` for `host`: its name,
/// type and value as the kind takes them (Route 53: a `records` list), and
/// its TTL: `ttl` if given (Cloudflare: always 1, "automatic"; Route 53,
/// which requires one: 300 if not given).
pub fn address_props(
    record_kind: &str,
    host: &str,
    record_type: &str,
    value: SValue,
    ttl: Option<i64>,
    span: Span,
) -> Vec<IField> {
    let mut props = vec![
        prop("fqdn", Value::Str(host.into()), span),
        prop("type", Value::Str(record_type.into()), span),
    ];
    match record_kind {
        "route53-record" => {
            let value_span = value.span;
            props.push(prop("records", Value::List(vec![value]), value_span));
            props.push(prop("ttl", Value::Int(ttl.unwrap_or(300)), span));
        }
        "cloudflare-record" => {
            props.push(IField {
                name: "value".into(),
                name_span: value.span,
                value,
            });
            props.push(prop("ttl", Value::Int(1), span));
        }
        _ => {
            props.push(IField {
                name: "value".into(),
                name_span: value.span,
                value,
            });
            if let Some(ttl) = ttl {
                props.push(prop("ttl", Value::Int(ttl), span));
            }
        }
    }
    props
}

pub struct Zones {
    /// (zone name, record kind), longest name first so that
    /// `int.example.com` wins over `example.com`.
    zones: Vec<(String, &'static str)>,
    /// Names that have an address record, with who made it and where.
    pub claimed: HashMap<String, (String, Span)>,
}

impl Zones {
    pub fn of(instances: &[Instance]) -> Zones {
        let mut zones = Vec::new();
        let mut claimed = HashMap::new();
        for inst in instances {
            if let Some((_, record_kind)) = ZONE_KINDS.iter().find(|(z, _)| *z == inst.kind) {
                let name = text(&inst.props, "name").unwrap_or_else(|| inst.label.to_string());
                zones.push((name, *record_kind));
            }
            let address_record = text(&inst.props, "type")
                .is_some_and(|t| matches!(t.as_str(), "A" | "AAAA" | "CNAME"));
            if address_record {
                if let Some(fqdn) = text(&inst.props, "fqdn") {
                    claimed.insert(fqdn, (format!("record `{}`", inst.label), inst.label_span));
                }
            }
        }
        zones.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Zones { zones, claimed }
    }

    /// The zone that holds `host` (a `*.` wildcard counts as its parent).
    /// The project's zone when it has exactly one.
    pub fn only_zone(&self) -> Option<(String, &'static str)> {
        match self.zones.as_slice() {
            [(name, kind)] => Some((name.clone(), kind)),
            _ => None,
        }
    }

    pub fn zone_of(&self, host: &str) -> Option<(String, &'static str)> {
        let bare = host.strip_prefix("*.").unwrap_or(host);
        self.zones
            .iter()
            .find(|(z, _)| bare == z || bare.ends_with(&format!(".{z}")))
            .cloned()
    }
}

fn text(fields: &[IField], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.value.value.as_text())
}

/// A record label from a host name: `*.a.example.com` → `wildcard-a-example-com`.
pub fn slug(host: &str) -> String {
    host.replace("*.", "wildcard.").replace('.', "-")
}

pub fn prop(name: &str, value: Value, span: Span) -> IField {
    IField {
        name: name.into(),
        name_span: span,
        value: SValue { value, span },
    }
}

/// A record instance, made by a stage rather than declared.
pub fn record(kind: &'static str, label: String, props: Vec<IField>, span: Span) -> Instance {
    Instance {
        props,
        ..Instance::new(kind, label.into(), span, Extras::default())
    }
}
