//! Providers a project brings: `provider "hcloud" source="hetznercloud/hcloud"
//! version="1.44.1" schema="schemas/hcloud.json"` reads the schema that
//! `terraform providers schema -json` printed, and every resource type and
//! data source of it becomes a generic kind of this compilation. Read after
//! loading, before lowering (which needs to know the kinds).

use super::{OwnProvider, Registry};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::World;
use crate::parse::{Literal, Node};
use crate::schema::{self, ProviderInfo, ProviderSchema};

/// The provider properties that say where a provider comes from, not how
/// it is configured: not written into its `provider` block.
pub const ORIGIN_PROPS: &[&str] = &["source", "version", "schema"];

/// The registry of this compilation: `base` plus the providers the
/// project's top-level `provider` nodes bring.
pub fn load(
    world: &dyn World,
    nodes: &[Node],
    base: &'static Registry,
    diags: &mut Diagnostics,
) -> &'static Registry {
    let mut own: Vec<OwnProvider> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for node in nodes.iter().filter(|n| n.name == "provider") {
        let Some(schema_prop) = node.props.iter().find(|p| p.name == "schema") else {
            continue;
        };
        let text = |key: &str| {
            node.props
                .iter()
                .find(|p| p.name == key)
                .and_then(|p| match &p.value.value {
                    Literal::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let Some(Literal::Str(name)) = node.args.first().map(|a| &a.value) else {
            continue; // lowering reports a provider without a name
        };
        let name = name.to_string();
        let Some(path) = text("schema") else {
            diags.push(
                Diagnostic::error(Code::BadProviderSchema, "`schema` takes a file path")
                    .at(schema_prop.value.span, "not a path")
                    .help("write `schema=\"schemas/NAME.json\"`, a file of the project"),
            );
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            if *first != *path {
                diags.push(
                    Diagnostic::error(
                        Code::BadProviderSchema,
                        format!("provider `{name}` is given two schemas"),
                    )
                    .at(schema_prop.value.span, "a second schema")
                    .help(format!(
                        "every configuration of `{name}` uses one schema: `{first}`"
                    )),
                );
            }
            continue;
        }
        seen.push((name.clone(), path.to_string()));
        if schema::info(&name).is_some() {
            diags.push(
                Diagnostic::error(Code::BadProviderSchema, format!("the `{name}` provider's schema is vendored"))
                    .at(schema_prop.name_span, "a second schema for a vendored provider")
                    .help(format!("remove `schema`, `source` and `version`: infrac checks `{name}` against the schema it ships")),
            );
            continue;
        }
        let (Some(source), Some(version)) = (text("source"), text("version")) else {
            diags.push(
                Diagnostic::error(Code::MissingRequired, format!("provider `{name}` brings a schema but no `source` and `version`"))
                    .at(node.name_span, "where is it from?")
                    .help("give its registry address and the version the schema was printed from: `source=\"hetznercloud/hcloud\" version=\"1.44.1\"`"),
            );
            continue;
        };
        let read = crate::load::join_path(crate::load::ENTRY_FILE, &path)
            .ok_or_else(|| "it leaves the project folder".to_string())
            .and_then(|p| world.read(&p))
            .and_then(|text| cached_schema(&text, &source));
        let schema = match read {
            Ok(s) => s,
            Err(why) => {
                diags.push(
                    Diagnostic::error(Code::BadProviderSchema, format!("cannot use `{path}` as the schema of `{name}`: {why}"))
                        .at(schema_prop.value.span, "this file")
                        .help("write the output of `terraform providers schema -json` (run where the provider is installed) into a file of the project"),
                );
                continue;
            }
        };
        let prefix = format!("{name}_");
        let mismatch = schema
            .resource_names()
            .chain(schema.data_source_names())
            .find(|t| !t.starts_with(&prefix));
        if let Some(t) = mismatch {
            let theirs = t.split('_').next().unwrap_or(t);
            diags.push(
                Diagnostic::error(
                    Code::BadProviderSchema,
                    format!("the schema's types are not named `{prefix}…`"),
                )
                .at(node.name_span, format!("`{t}` is a type of it"))
                .help(format!(
                    "a provider's name is the prefix of its types: name it `{theirs}`"
                )),
            );
            continue;
        }
        own.push(cached_provider(&name, &source, &version, schema));
    }
    if own.is_empty() {
        base
    } else {
        cached_registry(base, own)
    }
}

// Schemas, providers and registries live as long as the process, as the
// shipped kinds do. A long-running process (the language server compiles
// the project on every change) must not leak a new copy each time: each
// distinct one is made once and reused.

type Memo<K, V> = std::sync::Mutex<Vec<(K, V)>>;

fn memo<K: PartialEq, V: Copy>(cache: &Memo<K, V>, key: K, make: impl FnOnce() -> V) -> V {
    let mut entries = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, v)) = entries.iter().find(|(k, _)| *k == key) {
        return *v;
    }
    let v = make();
    entries.push((key, v));
    v
}

/// A schema document, parsed once per distinct text.
fn cached_schema(text: &str, source: &str) -> Result<&'static ProviderSchema, String> {
    static SCHEMAS: Memo<(String, u64, usize), &'static ProviderSchema> =
        std::sync::Mutex::new(Vec::new());
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    let key = (source.to_string(), h.finish(), text.len());
    if let Some(found) = SCHEMAS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(k, _)| *k == key)
    {
        return Ok(found.1);
    }
    let schema: &'static ProviderSchema =
        Box::leak(Box::new(ProviderSchema::from_document(text, source)?));
    Ok(memo(&SCHEMAS, key, || schema))
}

fn cached_provider(
    name: &str,
    source: &str,
    version: &str,
    schema: &'static ProviderSchema,
) -> OwnProvider {
    static INFOS: Memo<(String, String, String, usize), &'static ProviderInfo> =
        std::sync::Mutex::new(Vec::new());
    let key = (
        name.to_string(),
        source.to_string(),
        version.to_string(),
        schema as *const _ as usize,
    );
    let info = memo(&INFOS, key, || {
        Box::leak(Box::new(ProviderInfo::own(name, source, version, schema)))
    });
    OwnProvider::new(info, schema)
}

fn cached_registry(base: &'static Registry, own: Vec<OwnProvider>) -> &'static Registry {
    static REGISTRIES: Memo<Vec<usize>, &'static Registry> = std::sync::Mutex::new(Vec::new());
    let key: Vec<usize> = std::iter::once(base as *const _ as usize)
        .chain(own.iter().map(|p| p.info as *const _ as usize))
        .collect();
    memo(&REGISTRIES, key, || base.with_own(own))
}
