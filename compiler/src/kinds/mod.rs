//! The resource kinds of the language, declared as data in
//! `schemas/kinds/<kind>.json` (one file per kind) and checked against the
//! provider schema they map to. Nothing else in the compiler names a kind.

use crate::schema::{self, Attribute, Block, ProviderSchema};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::embedded;
pub use embedded::STDLIB_FILES;

mod describe;
pub mod generic;
pub mod own;

pub use describe::{describe, describe_json, ComponentInfo};

/// How a reference-typed attribute finds its target.
#[derive(Clone, Debug, Deserialize)]
pub struct RefSpec {
    /// Kind of the target, or `*` for any kind.
    pub kind: String,
    /// Attribute of the target to use; the target kind's `default_export`
    /// when absent.
    #[serde(default)]
    pub export: Option<String>,
    /// Strict references must name a declared resource; others (tags,
    /// domains managed elsewhere) fall back to the literal text.
    #[serde(default = "yes")]
    pub strict: bool,
}

fn yes() -> bool {
    true
}

fn id() -> String {
    "id".to_string()
}

/// A child node that declares a resource of another kind, linked to its
/// parent (a `db` inside a `database-cluster`).
#[derive(Clone, Debug, Deserialize)]
pub struct ChildSpec {
    pub kind: String,
    /// Attribute of the child that refers to the parent.
    pub parent: String,
    /// Named children (`db "app"`) can repeat; unnamed ones (an S3
    /// bucket's `versioning { … }`) are one per parent and take its name.
    #[serde(default = "yes")]
    pub named: bool,
    /// The attribute a named child's name sets (`hostname` for a Heroku
    /// `domain "www.example.com"`); the child kind's name attribute if absent.
    #[serde(default)]
    pub arg: Option<String>,
}

/// `fqdn="a.example.com"` instead of a domain and a name.
#[derive(Clone, Debug, Deserialize)]
pub struct FqdnSpec {
    pub domain: String,
    pub name: String,
    pub domain_kind: String,
    /// How the record at the zone's apex is named.
    #[serde(default)]
    pub apex: Apex,
}

/// The name of a record at the zone apex: `@` (DigitalOcean, Cloudflare), or
/// the zone's own name where the provider appends the zone to any other
/// name (Route 53: `@` would make a record at `@.example.com`).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Apex {
    #[default]
    At,
    ZoneName,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub kind: String,
    pub provider: String,
    /// The Terraform resource type it compiles to.
    pub resource: String,
    pub doc: String,
    /// Output file stem (`out/terraform/<file>.tf`).
    pub file: String,
    /// `<file>.tf`, derived.
    #[serde(skip)]
    pub file_name: String,
    #[serde(skip)]
    schema_cache: OnceLock<&'static Block>,
    /// Made from a provider's schema alone (see [`generic`]).
    #[serde(skip)]
    generic: bool,
    /// A data source (read, never created): `data "aws-ami" "NAME"`.
    #[serde(skip)]
    data: bool,
    /// Its Terraform address prefix: `aws_ami`, or `data.aws_ami`.
    #[serde(skip)]
    pub address: String,
    /// The schema of a provider the project brought, for its kinds.
    #[serde(skip)]
    own_schema: Option<&'static ProviderSchema>,
    /// Terraform attribute that defaults to the resource's label.
    #[serde(default)]
    pub name_attribute: Option<String>,
    /// Friendlier names, at any depth: language name → Terraform name.
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: BTreeMap<String, serde_json::Value>,
    /// Attribute path (`inbound_rule.protocol`) → enum name.
    #[serde(default)]
    pub enums: BTreeMap<String, String>,
    /// Attribute path → reference spec.
    #[serde(default)]
    pub refs: BTreeMap<String, RefSpec>,
    /// Short names of exported attributes: `ipv4` → `ipv4_address`.
    #[serde(default)]
    pub exports: BTreeMap<String, String>,
    /// What a reference to the resource itself means.
    #[serde(default = "id")]
    pub default_export: String,
    /// Exports gathered into one Terraform output per kind and export.
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub children: BTreeMap<String, ChildSpec>,
    /// An attribute whose several values make several resources.
    #[serde(default)]
    pub multi_value: Option<String>,
    #[serde(default)]
    pub fqdn: Option<FqdnSpec>,
    /// Attributes whose change makes Terraform destroy and recreate the
    /// resource (the provider's ForceNew, which schema dumps do not carry).
    #[serde(default)]
    pub replace_on: Vec<String>,
    /// Attributes required when another has a given value:
    /// `{"type": {"MX": ["priority"]}}`.
    #[serde(default)]
    pub required_when: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Attributes that together identify what the resource owns: two
    /// resources of the kind with the same values would overwrite each
    /// other (`["cluster_id"]`: one firewall per database cluster).
    #[serde(default)]
    pub unique_by: Vec<String>,
    /// Attribute path → the format its values must have.
    #[serde(default)]
    pub formats: BTreeMap<String, crate::formats::Format>,
    /// Map attributes that are an app's environment (Heroku `config_vars`):
    /// a key that reads like a secret (`DB_PASSWORD`) takes a secret.
    #[serde(default)]
    pub environment_maps: Vec<String>,
}

/// `data "terraform_remote_state"` of Terraform's built-in provider: how
/// an environment's root reads what the shared root exports (see
/// `roots`). Not a kind a project writes.
pub fn remote_state() -> &'static Kind {
    static KIND: OnceLock<&'static Kind> = OnceLock::new();
    KIND.get_or_init(|| {
        const SCHEMA: &str = r#"{"provider": {"block": {}}, "resource_schemas": {}, "data_source_schemas": {"terraform_remote_state": {"block": {"attributes": {
            "backend": {"type": "string", "required": true},
            "config": {"type": "dynamic", "optional": true},
            "defaults": {"type": "dynamic", "optional": true},
            "outputs": {"type": "dynamic", "computed": true},
            "workspace": {"type": "string", "optional": true}}}}}}"#;
        let schema = ProviderSchema::from_document(SCHEMA, "terraform.io/builtin/terraform")
            .expect("the remote state schema is valid");
        let mut kind = Kind::generic(
            "terraform-remote-state",
            "terraform",
            "terraform_remote_state",
            "The outputs of another Terraform root's state.".to_string(),
            true,
        );
        kind.own_schema = Some(Box::leak(Box::new(schema)));
        kind.file = "shared".to_string();
        kind.file_name = "shared.tf".to_string();
        Box::leak(Box::new(kind))
    })
}

impl Kind {
    /// A kind made from a provider's schema alone (see [`generic`]); its
    /// resources go to `<provider>.tf`.
    fn generic(name: &str, provider: &str, resource: &str, doc: String, data: bool) -> Kind {
        Kind {
            kind: name.to_string(),
            data,
            address: if data {
                format!("data.{resource}")
            } else {
                resource.to_string()
            },
            provider: provider.to_string(),
            resource: resource.to_string(),
            doc,
            file: provider.to_string(),
            file_name: format!("{provider}.tf"),
            schema_cache: OnceLock::new(),
            own_schema: None,
            generic: true,
            name_attribute: None,
            aliases: BTreeMap::new(),
            defaults: BTreeMap::new(),
            enums: BTreeMap::new(),
            refs: BTreeMap::new(),
            exports: BTreeMap::new(),
            default_export: id(),
            outputs: Vec::new(),
            children: BTreeMap::new(),
            multi_value: None,
            fqdn: None,
            replace_on: Vec::new(),
            required_when: BTreeMap::new(),
            unique_by: Vec::new(),
            formats: BTreeMap::new(),
            environment_maps: Vec::new(),
        }
    }

    /// Whether the kind is made from a provider's schema alone.
    pub fn is_generic(&self) -> bool {
        self.generic
    }

    /// Whether it is a data source, read by Terraform and never created.
    pub fn is_data(&self) -> bool {
        self.data
    }

    pub fn provider_schema(&self) -> &'static ProviderSchema {
        self.own_schema.unwrap_or_else(|| {
            schema::provider(&self.provider)
                .expect("kind names a vendored provider (checked by a test)")
        })
    }

    pub fn schema(&self) -> &'static Block {
        self.schema_cache.get_or_init(|| {
            let schema = self.provider_schema();
            if self.data {
                schema.data_source(&self.resource)
            } else {
                schema.resource(&self.resource)
            }
            .expect("kind names a type of its provider (checked by a test)")
        })
    }

    /// The Terraform name of a language attribute name: an alias, or the
    /// kebab-case name with `_` for `-`.
    pub fn tf_name<'n>(&'n self, name: &'n str) -> std::borrow::Cow<'n, str> {
        tf_name(Some(self), name)
    }

    /// Whether the language name `written` stands for the Terraform name
    /// `tf`: `tf_name` without making the name (checked for every
    /// attribute of every resource).
    pub fn is_tf_name(&self, written: &str, tf: &str) -> bool {
        match self.aliases.get(written) {
            Some(alias) => alias == tf,
            None => {
                written.len() == tf.len()
                    && written.bytes().zip(tf.bytes()).all(|(w, t)| {
                        if w == b'-' {
                            t == b'_'
                        } else {
                            w == t
                        }
                    })
            }
        }
    }

    /// The Terraform attribute a reference `kind.name.<export>` reads, if the
    /// provider exports it.
    pub fn export(&self, name: &str) -> Option<(&'static str, &'static Attribute)> {
        let short = self.exports.get(name).map(String::as_str);
        let tf = short.map_or_else(|| tf_name(None, name), std::borrow::Cow::Borrowed);
        self.schema()
            .attributes
            .get_key_value(&*tf)
            .map(|(k, a)| (k.as_str(), a))
    }

    /// Every name a reference may use after the resource name.
    pub fn export_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.exports.keys().cloned().collect();
        names.extend(self.schema().attributes.keys().map(|k| k.replace('_', "-")));
        names.sort();
        names.dedup();
        names
    }
}

/// The Terraform name of a language name: a kind's alias, or the
/// kebab-case name with `_` for `-` (borrowed when there is nothing to do).
pub fn tf_name<'n>(kind: Option<&'n Kind>, name: &'n str) -> std::borrow::Cow<'n, str> {
    if let Some(alias) = kind.and_then(|k| k.aliases.get(name)) {
        return std::borrow::Cow::Borrowed(alias);
    }
    // A byte search: this runs for every attribute of every resource.
    if name.bytes().any(|b| b == b'-') {
        std::borrow::Cow::Owned(name.replace('-', "_"))
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

pub struct Registry {
    /// In name order, for listings.
    pub kinds: BTreeMap<String, &'static Kind>,
    /// The same kinds by name, for the lookups made for every resource.
    index: rustc_hash::FxHashMap<&'static str, &'static Kind>,
    pub enums: BTreeMap<String, Vec<String>>,
    /// Providers the project brings with their schemas (see [`own`]).
    pub own: Vec<OwnProvider>,
}

/// A provider a project declares with `schema="…"`: every type of it is a
/// generic kind of the compilation.
pub struct OwnProvider {
    pub info: &'static schema::ProviderInfo,
    pub schema: &'static ProviderSchema,
    resources: generic::Cells,
    data_sources: generic::Cells,
}

impl OwnProvider {
    pub fn new(
        info: &'static schema::ProviderInfo,
        schema: &'static ProviderSchema,
    ) -> OwnProvider {
        OwnProvider {
            info,
            schema,
            resources: generic::cells_for(schema.resource_names().count()),
            data_sources: generic::cells_for(schema.data_source_names().count()),
        }
    }
}

impl Registry {
    /// A curated kind, else the generic kind of a type of a provider the
    /// project brought, else of a vendored one.
    pub fn get(&self, kind: &str) -> Option<&'static Kind> {
        if let Some(k) = self.index.get(kind) {
            return Some(k);
        }
        if !self.own.is_empty() {
            let provider = generic::split(kind)?.0;
            if let Some(p) = self.own.iter().find(|p| p.info.name == provider) {
                return generic::of(
                    kind,
                    p.schema,
                    Some(p.schema),
                    &p.resources,
                    &p.data_sources,
                );
            }
        }
        generic::kind(kind)
    }

    /// A provider by its name: one the project brought, else a vendored one.
    pub fn provider_info(&self, name: &str) -> Option<&'static schema::ProviderInfo> {
        match self.own.iter().find(|p| p.info.name == name) {
            Some(p) => Some(p.info),
            None => schema::info(name),
        }
    }

    pub fn provider_schema(&self, name: &str) -> Option<&'static ProviderSchema> {
        match self.own.iter().find(|p| p.info.name == name) {
            Some(p) => Some(p.schema),
            None => schema::provider(name),
        }
    }

    /// The names of every provider: vendored, then the project's.
    pub fn provider_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = schema::VENDORED.iter().map(|p| p.name).collect();
        names.extend(self.own.iter().map(|p| p.info.name));
        names
    }

    /// This registry with the providers a project brought, for one
    /// compilation (kept for the process, as kinds are).
    pub fn with_own(&self, own: Vec<OwnProvider>) -> &'static Registry {
        Box::leak(Box::new(Registry {
            kinds: self.kinds.clone(),
            index: self.index.clone(),
            enums: self.enums.clone(),
            own,
        }))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.kinds.keys().map(String::as_str)
    }

    /// Curated and generic kind names: the candidates of a did-you-mean.
    pub fn all_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.kinds.keys().cloned().collect();
        names.extend(generic::names().iter().cloned());
        for p in &self.own {
            names.extend(p.schema.resource_names().map(|r| r.replace('_', "-")));
        }
        names
    }

    /// The kind that compiles to a Terraform resource type.
    pub fn by_resource(&self, resource: &str) -> Option<&Kind> {
        self.kinds
            .values()
            .find(|k| k.resource == resource)
            .copied()
            .or_else(|| generic::kind(&resource.replace('_', "-")))
    }
}

/// The kinds shipped with this compiler.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        // The registry lives as long as the process: its kinds are leaked
        // once so that both tables can hold `&'static` references.
        let kinds: BTreeMap<String, &'static Kind> = embedded::KIND_FILES
            .iter()
            .map(|(file, text)| {
                let mut kind: Kind = serde_json::from_str(text)
                    .unwrap_or_else(|e| panic!("schemas/kinds/{file}: {e}"));
                kind.file_name = format!("{}.tf", kind.file);
                kind.address = kind.resource.clone();
                let kind: &'static Kind = Box::leak(Box::new(kind));
                (kind.kind.clone(), kind)
            })
            .collect();
        let index = kinds.values().map(|k| (k.kind.as_str(), *k)).collect();
        let enums = serde_json::from_str(include_str!("../../../schemas/enums/enums.json"))
            .expect("schemas/enums/enums.json is valid");
        Registry {
            kinds,
            index,
            enums,
            own: Vec::new(),
        }
    })
}

/// `docs/kinds.md`: every kind with its attributes, generated from the kind
/// files and the provider schemas (a test keeps the file in step).
pub fn reference_markdown() -> String {
    use std::fmt::Write as _;
    let reg = registry();
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = String::from(
        "# Resource kinds\n\nGenerated by `infrac kinds --markdown` from `schemas/kinds/` and the vendored provider schemas; do not edit.\nAttribute names are written in kebab-case in KDL (`vpc-uuid` for `vpc_uuid`).\n",
    );
    let mut providers: Vec<&str> = reg.kinds.values().map(|k| k.provider.as_str()).collect();
    providers.sort();
    providers.dedup();
    for provider in providers {
        let _ = writeln!(out, "\n## {provider}\n");
        for k in reg.kinds.values().filter(|k| k.provider == provider) {
            let schema = k.schema();
            let _ = writeln!(
                out,
                "### {}\n\n{} Compiles to `{}`.\n",
                k.kind, k.doc, k.resource
            );
            out.push_str("| attribute | type | | description |\n|---|---|---|---|\n");
            for (n, a) in schema.attributes.iter().filter(|(_, a)| a.settable()) {
                let need = if a.required && k.name_attribute.as_deref() != Some(n) {
                    "required"
                } else {
                    ""
                };
                let mut desc = cell(&a.description);
                if let Some(e) = k.enums.get(n) {
                    let _ = write!(desc, " One of: {}.", reg.enums[e].join(", "));
                }
                if let Some(r) = k.refs.get(n) {
                    let _ = write!(
                        desc,
                        " Takes a reference ({}).",
                        if r.kind == "*" {
                            "any resource"
                        } else {
                            &r.kind
                        }
                    );
                }
                if k.replace_on.contains(n) {
                    desc.push_str(" Changing it replaces the resource.");
                }
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {need} | {} |",
                    n.replace('_', "-"),
                    a.ty.describe(),
                    desc.trim()
                );
            }
            if !schema.blocks.is_empty() {
                let blocks: Vec<String> = schema
                    .blocks
                    .keys()
                    .map(|b| format!("`{}`", b.replace('_', "-")))
                    .collect();
                let _ = writeln!(out, "\nBlocks (child nodes): {}.", blocks.join(", "));
            }
            if !k.children.is_empty() {
                let children: Vec<String> = k
                    .children
                    .iter()
                    .map(|(c, spec)| format!("`{c}` ({})", spec.kind))
                    .collect();
                let _ = writeln!(out, "\nChild resources: {}.", children.join(", "));
            }
            if !k.aliases.is_empty() {
                let aliases: Vec<String> = k
                    .aliases
                    .iter()
                    .map(|(a, t)| format!("`{a}` = `{}`", t.replace('_', "-")))
                    .collect();
                let _ = writeln!(out, "\nShort names: {}.", aliases.join(", "));
            }
            if !k.exports.is_empty() {
                let exports: Vec<String> = k
                    .exports
                    .iter()
                    .map(|(a, t)| format!("`{a}` ({t})"))
                    .collect();
                let _ = writeln!(out, "\nReadable in references, besides every attribute above and the computed ones: {}.", exports.join(", "));
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_tf_name` is the comparison `tf_name(written) == tf`, for every
    /// kind (aliases included) and names with and without dashes.
    #[test]
    fn is_tf_name_agrees_with_tf_name() {
        let reg = registry();
        for kind in reg.kinds.values() {
            let mut written: Vec<&str> = vec!["name", "ip-range", "ip_range", "a-", "-", ""];
            written.extend(kind.aliases.keys().map(String::as_str));
            let mut tf: Vec<&str> = vec!["name", "ip_range", "ip-range", "a_", "_", ""];
            tf.extend(kind.aliases.values().map(String::as_str));
            tf.extend(kind.schema().attributes.keys().map(String::as_str));
            for w in &written {
                for t in &tf {
                    assert_eq!(
                        kind.is_tf_name(w, t),
                        kind.tf_name(w) == *t,
                        "{} {w} {t}",
                        kind.kind
                    );
                }
            }
        }
    }

    /// Every kind file must agree with its provider's real schema: the
    /// resource exists, and every attribute path it names exists there.
    #[test]
    fn kinds_match_provider_schemas() {
        let reg = registry();
        assert!(reg.kinds.len() >= 20);
        for (file, _) in embedded::KIND_FILES {
            let stem = file.trim_end_matches(".json");
            let kind = reg
                .get(stem)
                .unwrap_or_else(|| panic!("{file} declares another kind name"));
            let schema = kind.schema();
            let exists = |path: &str| {
                let mut block = schema;
                let mut parts = path.split('.').peekable();
                while let Some(p) = parts.next() {
                    if parts.peek().is_none() {
                        return block.attributes.contains_key(p);
                    }
                    match block.blocks.get(p) {
                        Some(b) => block = &b.block,
                        None => return false,
                    }
                }
                false
            };
            for path in kind
                .refs
                .keys()
                .chain(kind.enums.keys())
                .chain(kind.defaults.keys())
                .chain(kind.formats.keys())
                .chain(&kind.environment_maps)
                .chain(&kind.unique_by)
            {
                assert!(exists(path), "{file}: `{path}` is not in {}", kind.resource);
            }
            for (alias, tf) in &kind.exports {
                assert!(
                    schema.attributes.contains_key(tf),
                    "{file}: export {alias} → {tf}"
                );
            }
            for attr in &kind.replace_on {
                assert!(
                    exists(attr),
                    "{file}: replace_on `{attr}` is not in {}",
                    kind.resource
                );
            }
            for out in &kind.outputs {
                assert!(kind.export(out).is_some(), "{file}: output {out}");
            }
            // The Terraform backend writes these itself, one part each.
            assert!(
                !["versions", "providers", "variables", "imports", "outputs"]
                    .contains(&kind.file.as_str()),
                "{file}: file `{}` is reserved",
                kind.file
            );
            for e in kind.enums.values() {
                assert!(reg.enums.contains_key(e), "{file}: enum {e}");
            }
            for child in kind.children.values() {
                let ck = reg.get(&child.kind).expect("child kind exists");
                assert!(ck.schema().attributes.contains_key(&child.parent));
                if let Some(arg) = &child.arg {
                    assert!(
                        ck.schema().attributes.contains_key(arg),
                        "{file}: child arg {arg}"
                    );
                }
            }
            if let Some(name) = &kind.name_attribute {
                assert!(
                    schema.attributes.contains_key(name),
                    "{file}: name attribute"
                );
            }
        }
    }
}
