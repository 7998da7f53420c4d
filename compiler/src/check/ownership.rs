//! Ownership: two resources that would manage the same thing. A kind's
//! `unique_by` attributes identify what one resource owns (a database
//! cluster's firewall, a Route 53 record set, a bucket's policy); and in
//! every DNS zone a CNAME owns its name alone.

use super::*;

/// What an attribute's value says about identity: the same text, or the
/// same attribute of the same resource, is the same thing.
fn identity(v: Option<&PValue>) -> String {
    match v {
        None | Some(PValue::Null) => String::new(),
        Some(PValue::Str(s)) => s.trim_end_matches('.').to_ascii_lowercase(),
        Some(PValue::Ref { target, attr }) => format!("\u{0}{target}.{attr}"),
        Some(PValue::Int(i)) => i.to_string(),
        Some(other) => format!("{other:?}"),
    }
}

/// A record's name within its zone: `@` for the apex, whichever way the
/// kind writes it.
fn record_name(plan: &Plan, r: &Resource, spec: &crate::kinds::FqdnSpec) -> String {
    let name = identity(r.body.get(&spec.name).map(|a| &a.value));
    let zone = match r.body.get(&spec.domain).map(|a| &a.value) {
        Some(PValue::Ref { target, .. }) => {
            identity(plan.resources[*target].body.get("name").map(|a| &a.value))
        }
        Some(PValue::Str(s)) => s.to_ascii_lowercase(),
        _ => String::new(),
    };
    if name == "@" || (!zone.is_empty() && name == zone) {
        return "@".into();
    }
    match name.strip_suffix(&zone) {
        Some(rest) if !zone.is_empty() && rest.ends_with('.') => rest.trim_end_matches('.').into(),
        _ => name,
    }
}

pub(super) fn check(plan: &Plan, diags: &mut Diagnostics) {
    unique_by(plan, diags);
    cname_alone(plan, diags);
}

fn unique_by(plan: &Plan, diags: &mut Diagnostics) {
    let mut seen: FxHashMap<(&str, Vec<String>), usize> = FxHashMap::default();
    for (i, r) in plan.resources.iter().enumerate() {
        let kind = r.kind;
        if kind.unique_by.is_empty() {
            continue;
        }
        let key: Vec<String> = kind
            .unique_by
            .iter()
            .map(|a| match (&kind.fqdn, a.as_str()) {
                (Some(spec), name) if *name == spec.name => record_name(plan, r, spec),
                _ => identity(r.body.get(a).map(|x| &x.value)),
            })
            .collect();
        match seen.entry((kind.kind.as_str(), key)) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(e) => {
                let first = &plan.resources[*e.get()];
                let fields = kind
                    .unique_by
                    .iter()
                    .map(|f| format!("`{}`", f.replace('_', "-")))
                    .collect::<Vec<_>>()
                    .join(", ");
                let help = if kind.multi_value.is_some() || kind.fqdn.is_some() {
                    "one resource holds every value of a name and type: merge them (several values make one record set)".to_string()
                } else {
                    format!("one {} manages everything for its {fields}, so two would overwrite each other on every apply; merge them into one", kind.kind)
                };
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!(
                            "{} `{}` manages the same {fields} as {} `{}`",
                            kind.kind, r.label, kind.kind, first.label
                        ),
                    )
                    .at(r.span, "declared again here")
                    .also(first.span, "first declared here")
                    .help(help),
                );
            }
        }
    }
}

/// A CNAME record cannot share its name with any other record (RFC 1034,
/// 3.6.2), in every provider's zones.
fn cname_alone(plan: &Plan, diags: &mut Diagnostics) {
    let is_cname = |r: &Resource| {
        r.kind.fqdn.is_some()
            && matches!(r.body.get("type").map(|a| &a.value), Some(PValue::Str(t)) if t.eq_ignore_ascii_case("CNAME"))
    };
    // Most projects have few CNAMEs or none: then there is nothing to do.
    if !plan.resources.iter().any(is_cname) {
        return;
    }
    // (zone kind, zone, name) → (first record, whether it is a CNAME)
    let mut names: FxHashMap<(&str, String, String), (usize, bool)> = FxHashMap::default();
    for (i, r) in plan.resources.iter().enumerate() {
        let Some(spec) = &r.kind.fqdn else { continue };
        let Some(PValue::Str(ty)) = r.body.get("type").map(|a| &a.value) else {
            continue;
        };
        let cname = ty.eq_ignore_ascii_case("CNAME");
        let zone = identity(r.body.get(&spec.domain).map(|a| &a.value));
        let key = (spec.domain_kind.as_str(), zone, record_name(plan, r, spec));
        match names.get(&key) {
            None => {
                names.insert(key, (i, cname));
            }
            Some(&(first, first_cname)) if cname || first_cname => {
                let other = &plan.resources[first];
                let name = match key.2.as_str() {
                    "@" => "the zone apex".to_string(),
                    n => format!("`{n}`"),
                };
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!(
                            "{name} has a CNAME record and another record ({} `{}` and `{}`)",
                            r.kind.kind, other.label, r.label
                        ),
                    )
                    .at(r.span, "a second record at this name")
                    .also(other.span, "first record here")
                    .help("a CNAME owns its name alone: give the other records another name, or replace the CNAME with A/AAAA records"),
                );
            }
            Some(_) => {}
        }
    }
}
