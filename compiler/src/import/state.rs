//! Terraform state: a `terraform.tfstate` file (format 4), or what
//! `terraform show -json` prints of a state or of a plan (its prior state,
//! else its planned values).

use super::{Found, FoundResource};
use serde_json::Value;

pub fn read(text: &str) -> Result<(Vec<FoundResource>, Vec<String>), String> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| format!("neither a .tf file nor Terraform state JSON: {e}"))?;
    let mut out = Vec::new();
    let mut notes = Vec::new();
    if doc.get("version").and_then(Value::as_u64) == Some(4) {
        for r in doc["resources"].as_array().into_iter().flatten() {
            let (Some(ty), Some(name)) = (r["type"].as_str(), r["name"].as_str()) else {
                continue;
            };
            if r["mode"] != "managed" {
                notes.push(format!("data source `data.{ty}.{name}` left out: declare it with `data` if the project reads it"));
                continue;
            }
            if let Some(module) = r["module"].as_str() {
                notes.push(format!(
                    "`{module}.{ty}.{name}` is in a module: imported as a resource of its own"
                ));
            }
            for i in r["instances"].as_array().into_iter().flatten() {
                out.push(resource(
                    ty,
                    &instance_name(name, &i["index_key"]),
                    &i["attributes"],
                ));
            }
        }
        return Ok((out, notes));
    }
    let values = doc
        .get("values")
        .or_else(|| doc.pointer("/prior_state/values"))
        .or_else(|| doc.get("planned_values"))
        .ok_or("not Terraform state: no `version` 4, no `values` (terraform show -json), no `prior_state` or `planned_values` (a plan)")?;
    module(&values["root_module"], &mut out, &mut notes);
    Ok((out, notes))
}

fn module(m: &Value, out: &mut Vec<FoundResource>, notes: &mut Vec<String>) {
    for r in m["resources"].as_array().into_iter().flatten() {
        let (Some(ty), Some(name)) = (r["type"].as_str(), r["name"].as_str()) else {
            continue;
        };
        if r["mode"] != "managed" {
            notes.push(format!("data source `data.{ty}.{name}` left out: declare it with `data` if the project reads it"));
            continue;
        }
        out.push(resource(
            ty,
            &instance_name(name, &r["index"]),
            &r["values"],
        ));
    }
    for child in m["child_modules"].as_array().into_iter().flatten() {
        if let Some(address) = child["address"].as_str() {
            notes.push(format!(
                "the resources of `{address}` are imported as resources of their own"
            ));
        }
        module(child, out, notes);
    }
}

/// `web` with `count` index 0 is `web-0`; with a `for_each` key, `web-KEY`.
fn instance_name(name: &str, index: &Value) -> String {
    match index {
        Value::Number(n) => format!("{name}-{n}"),
        Value::String(k) => format!("{name}-{k}"),
        _ => name.to_string(),
    }
}

fn resource(ty: &str, name: &str, attributes: &Value) -> FoundResource {
    let attrs: Vec<(String, Found)> = attributes
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), found(v)))
        .collect();
    let import_id = import_id(ty, attributes);
    FoundResource {
        resource_type: ty.to_string(),
        name: name.to_string(),
        attributes: attrs,
        import_id,
        data: false,
        written: false,
        environment: None,
    }
}

/// The id `terraform import` takes: the resource's id, or for some types
/// the id with what it lives in (documented by each provider).
fn import_id(ty: &str, a: &Value) -> Option<String> {
    let s = |k: &str| match &a[k] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let id = s("id")?;
    Some(match ty {
        "digitalocean_record" => format!("{},{id}", s("domain")?),
        "digitalocean_database_db"
        | "digitalocean_database_user"
        | "digitalocean_database_connection_pool"
        | "digitalocean_database_replica" => format!("{},{}", s("cluster_id")?, s("name")?),
        "cloudflare_dns_record" => format!("{}/{id}", s("zone_id")?),
        "aws_route53_record" => format!("{}_{}_{}", s("zone_id")?, s("name")?, s("type")?),
        _ => id,
    })
}

pub fn found(v: &Value) -> Found {
    match v {
        Value::Null => Found::Null,
        Value::Bool(b) => Found::Bool(*b),
        Value::Number(n) => Found::Number(n.clone()),
        Value::String(s) => Found::Str(s.clone()),
        Value::Array(items) => Found::List(items.iter().map(found).collect()),
        Value::Object(o) => Found::Object(o.iter().map(|(k, v)| (k.clone(), found(v))).collect()),
    }
}
