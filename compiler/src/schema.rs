//! Vendored Terraform provider schemas (`schemas/providers/*.json`, the
//! shape of `terraform providers schema -json`). Parsed lazily: only the
//! resource types a project uses are decoded.

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use crate::types::TfType;

#[derive(Clone, Debug)]
pub struct Attribute {
    pub ty: TfType,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub deprecated: bool,
    pub description: String,
}

impl Attribute {
    /// Whether a user may set it (as opposed to read it).
    pub fn settable(&self) -> bool {
        self.required || self.optional
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    Group,
    List,
    Set,
    Map,
}

#[derive(Clone, Debug)]
pub struct BlockType {
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: u64,
    pub max_items: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Block {
    pub deprecated: bool,
    pub attributes: BTreeMap<String, Attribute>,
    /// Names of the required attributes, in order (derived).
    pub required: Vec<String>,
    pub blocks: BTreeMap<String, BlockType>,
    pub description: String,
}

impl Block {
    /// A resource's (or provider's) top-level block.
    fn from_json(v: &serde_json::Value) -> Block {
        Block::decode(v, true)
    }

    /// `top`: SDKv2 providers mark a resource's own `id` optional, though no
    /// user sets it; in nested blocks `id` is an ordinary attribute (an S3
    /// replication rule's `id`).
    fn decode(v: &serde_json::Value, top: bool) -> Block {
        let mut block = Block {
            deprecated: v["deprecated"].as_bool().unwrap_or(false),
            description: v["description"].as_str().unwrap_or("").to_string(),
            ..Block::default()
        };
        if let Some(attrs) = v["attributes"].as_object() {
            for (name, a) in attrs {
                // `id` is marked optional by SDKv2 providers but is never set by users.
                if top && name == "id" && !a["required"].as_bool().unwrap_or(false) {
                    block.attributes.insert(
                        name.clone(),
                        Attribute {
                            ty: TfType::String,
                            required: false,
                            optional: false,
                            computed: true,
                            sensitive: false,
                            deprecated: false,
                            description: "The resource's identifier.".into(),
                        },
                    );
                    continue;
                }
                let ty = if a.get("type").is_some() {
                    TfType::from_json(&a["type"])
                } else {
                    nested_type(&a["nested_type"])
                };
                let flag = |k: &str| a[k].as_bool().unwrap_or(false);
                block.attributes.insert(
                    name.clone(),
                    Attribute {
                        ty,
                        required: flag("required"),
                        optional: flag("optional"),
                        computed: flag("computed"),
                        sensitive: flag("sensitive"),
                        deprecated: flag("deprecated"),
                        description: a["description"].as_str().unwrap_or("").to_string(),
                    },
                );
            }
        }
        block.required = block
            .attributes
            .iter()
            .filter(|(_, a)| a.required)
            .map(|(n, _)| n.clone())
            .collect();
        if let Some(types) = v["block_types"].as_object() {
            for (name, b) in types {
                let nesting = match b["nesting_mode"].as_str().unwrap_or("") {
                    "single" => Nesting::Single,
                    "group" => Nesting::Group,
                    "set" => Nesting::Set,
                    "map" => Nesting::Map,
                    _ => Nesting::List,
                };
                block.blocks.insert(
                    name.clone(),
                    BlockType {
                        nesting,
                        block: Block::decode(&b["block"], false),
                        min_items: b["min_items"].as_u64().unwrap_or(0),
                        max_items: b["max_items"].as_u64().unwrap_or(0),
                    },
                );
            }
        }
        block
    }
}

/// Protocol-6 nested attributes, seen as the equivalent cty type.
fn nested_type(v: &serde_json::Value) -> TfType {
    let fields: BTreeMap<String, TfType> = v["attributes"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, a)| {
                    let t = if a.get("type").is_some() {
                        TfType::from_json(&a["type"])
                    } else {
                        nested_type(&a["nested_type"])
                    };
                    (k.clone(), t)
                })
                .collect()
        })
        .unwrap_or_default();
    let obj = TfType::Object(fields);
    match v["nesting_mode"].as_str().unwrap_or("single") {
        "list" => TfType::List(Box::new(obj)),
        "set" => TfType::Set(Box::new(obj)),
        "map" => TfType::Map(Box::new(obj)),
        _ => obj,
    }
}

/// The `block` of a provider's or resource type's schema.
fn decode_block(json: &str) -> Block {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    Block::from_json(&v["block"])
}

/// Where each type's JSON lies in a schema file, sorted by name, and the
/// decoded blocks, made on first use.
struct TypeTable {
    index: &'static [(&'static str, usize, usize)],
    blocks: Vec<OnceLock<Block>>,
}

impl TypeTable {
    fn new(index: &'static [(&'static str, usize, usize)]) -> TypeTable {
        TypeTable {
            index,
            blocks: index.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.index.binary_search_by(|(n, ..)| (*n).cmp(name)).ok()
    }

    fn at(&self, text: &str, i: usize) -> Option<&Block> {
        let (_, start, end) = *self.index.get(i)?;
        Some(self.blocks[i].get_or_init(|| decode_block(&text[start..end])))
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        self.index.iter().map(|(name, ..)| *name)
    }
}

impl std::fmt::Debug for ProviderSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSchema")
            .field("resources", &self.resources.index.len())
            .field("data_sources", &self.data_sources.index.len())
            .finish()
    }
}

/// One vendored provider schema, decoded on first use of each type. The
/// build script indexed where each type's JSON lies in the file, so nothing
/// else of it is read.
pub struct ProviderSchema {
    text: &'static str,
    provider_json: (usize, usize),
    provider: OnceLock<Block>,
    resources: TypeTable,
    data_sources: TypeTable,
}

impl ProviderSchema {
    fn new(info: &ProviderInfo) -> ProviderSchema {
        let (_, provider_json, resources, data_sources) = crate::embedded::PROVIDER_INDEX
            .iter()
            .find(|(name, ..)| *name == info.name)
            .expect("the build script indexes every vendored schema");
        ProviderSchema {
            text: info.text,
            provider_json: *provider_json,
            provider: OnceLock::new(),
            resources: TypeTable::new(resources),
            data_sources: TypeTable::new(data_sources),
        }
    }

    pub fn provider_block(&self) -> &Block {
        self.provider
            .get_or_init(|| decode_block(&self.text[self.provider_json.0..self.provider_json.1]))
    }

    pub fn resource(&self, name: &str) -> Option<&Block> {
        self.resource_at(self.position(name)?)
    }

    /// Where a resource type lies in the index (its names, sorted).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.resources.position(name)
    }

    pub fn resource_at(&self, i: usize) -> Option<&Block> {
        self.resources.at(self.text, i)
    }

    pub fn resource_names(&self) -> impl Iterator<Item = &str> {
        self.resources.names()
    }

    pub fn data_source(&self, name: &str) -> Option<&Block> {
        self.data_source_at(self.data_position(name)?)
    }

    pub fn data_position(&self, name: &str) -> Option<usize> {
        self.data_sources.position(name)
    }

    pub fn data_source_at(&self, i: usize) -> Option<&Block> {
        self.data_sources.at(self.text, i)
    }

    pub fn data_source_names(&self) -> impl Iterator<Item = &str> {
        self.data_sources.names()
    }

    /// A schema a project brings: one provider's entry of `terraform
    /// providers schema -json` (or that whole output, whose entry for
    /// `source` is taken). Its pieces are laid out as the build script lays
    /// out a vendored file, and kept for the process.
    pub fn from_document(text: &str, source: &str) -> Result<ProviderSchema, String> {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let entry = match doc.get("provider_schemas").and_then(|p| p.as_object()) {
            Some(all) => {
                let found = all
                    .iter()
                    .find(|(key, _)| *key == source || key.ends_with(&format!("/{source}")));
                match found {
                    Some((_, entry)) => entry,
                    None => {
                        let keys: Vec<&str> = all.keys().map(String::as_str).collect();
                        return Err(format!(
                            "it has no schema for `{source}` (it has: {})",
                            keys.join(", ")
                        ));
                    }
                }
            }
            None => &doc,
        };
        if entry.get("resource_schemas").is_none() && entry.get("data_source_schemas").is_none() {
            return Err(
                "it is not the output of `terraform providers schema -json` (no `resource_schemas`)"
                    .to_string(),
            );
        }
        let mut laid_out = String::new();
        let mut place = |v: &serde_json::Value| {
            let start = laid_out.len();
            laid_out.push_str(&v.to_string());
            (start, laid_out.len())
        };
        let provider_json = place(entry.get("provider").unwrap_or(&serde_json::Value::Null));
        let mut table = |key: &str| -> Vec<(&'static str, usize, usize)> {
            let mut types: Vec<(&'static str, usize, usize)> = entry
                .get(key)
                .and_then(|t| t.as_object())
                .map(|t| {
                    t.iter()
                        .map(|(name, v)| {
                            let (start, end) = place(v);
                            (&*Box::leak(name.clone().into_boxed_str()), start, end)
                        })
                        .collect()
                })
                .unwrap_or_default();
            types.sort_by(|a, b| a.0.cmp(b.0));
            types
        };
        let resources = table("resource_schemas");
        let data_sources = table("data_source_schemas");
        Ok(ProviderSchema {
            text: Box::leak(laid_out.into_boxed_str()),
            provider_json,
            provider: OnceLock::new(),
            resources: TypeTable::new(Box::leak(resources.into_boxed_slice())),
            data_sources: TypeTable::new(Box::leak(data_sources.into_boxed_slice())),
        })
    }
}

/// A provider with a vendored schema: its short name in the language, its
/// registry source and the version constraint emitted (pinned to the
/// schema version it is checked against).
pub struct ProviderInfo {
    pub name: &'static str,
    pub source: &'static str,
    pub version: &'static str,
    /// Provider arguments that hold credentials: never written as literals
    /// (the schemas mark only some of them sensitive).
    pub credentials: &'static [&'static str],
    text: &'static str,
}

impl ProviderInfo {
    /// A provider a project brings with its own schema: its credentials are
    /// the arguments the schema marks sensitive.
    pub fn own(name: &str, source: &str, version: &str, schema: &ProviderSchema) -> ProviderInfo {
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        let credentials: Vec<&'static str> = schema
            .provider_block()
            .attributes
            .iter()
            .filter(|(_, a)| a.sensitive)
            .map(|(n, _)| leak(n))
            .collect();
        ProviderInfo {
            name: leak(name),
            source: leak(source),
            version: leak(version),
            credentials: Box::leak(credentials.into_boxed_slice()),
            text: "",
        }
    }
}

pub const VENDORED: &[ProviderInfo] = &[
    ProviderInfo {
        name: "aws",
        source: "hashicorp/aws",
        version: "~> 6.47.0",
        credentials: &["access_key", "secret_key", "token"],
        text: include_str!("../../schemas/providers/aws.json"),
    },
    ProviderInfo {
        name: "cloudflare",
        source: "cloudflare/cloudflare",
        version: "~> 5.22.0",
        credentials: &["api_key", "api_token", "api_user_service_key"],
        text: include_str!("../../schemas/providers/cloudflare.json"),
    },
    ProviderInfo {
        name: "digitalocean",
        source: "digitalocean/digitalocean",
        version: "~> 2.79.0",
        credentials: &["token", "spaces_access_id", "spaces_secret_key"],
        text: include_str!("../../schemas/providers/digitalocean.json"),
    },
    ProviderInfo {
        name: "heroku",
        source: "heroku/heroku",
        version: "~> 5.3.2",
        credentials: &["api_key"],
        text: include_str!("../../schemas/providers/heroku.json"),
    },
];

pub fn info(name: &str) -> Option<&'static ProviderInfo> {
    VENDORED.iter().find(|p| p.name == name)
}

/// The schema of a provider by its short name (`digitalocean`), decoded on
/// first use so that a build pays only for the providers it uses.
pub fn provider(name: &str) -> Option<&'static ProviderSchema> {
    static CELLS: [OnceLock<ProviderSchema>; VENDORED.len()] =
        [const { OnceLock::new() }; VENDORED.len()];
    let index = VENDORED.iter().position(|p| p.name == name)?;
    Some(CELLS[index].get_or_init(|| ProviderSchema::new(&VENDORED[index])))
}

/// The configuration schema of each Terraform state backend (and of the
/// `cloud` block), from Terraform's source (`schemas/backends/`), decoded
/// on first use.
pub fn backend_schemas() -> &'static BTreeMap<String, Block> {
    static SCHEMAS: OnceLock<BTreeMap<String, Block>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../schemas/backends/backends.json"))
                .expect("schemas/backends/backends.json is valid");
        v.as_object()
            .expect("an object of backends")
            .iter()
            .map(|(name, block)| (name.clone(), Block::from_json(block)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build script's index against a real JSON parser: the same
    /// resource types, each range holding exactly that type's schema.
    #[test]
    fn the_index_points_at_each_resource_types_schema() {
        for info in VENDORED {
            let whole: serde_json::Value = serde_json::from_str(info.text).expect("valid JSON");
            let schema = provider(info.name).expect("vendored");
            let types = whole["resource_schemas"]
                .as_object()
                .expect("resource types");
            let mut names: Vec<&str> = types.keys().map(String::as_str).collect();
            names.sort_unstable();
            assert_eq!(
                schema.resource_names().collect::<Vec<_>>(),
                names,
                "{}",
                info.name
            );
            for &(name, start, end) in schema.resources.index {
                let indexed: serde_json::Value =
                    serde_json::from_str(&info.text[start..end]).expect("a JSON value");
                assert_eq!(indexed, types[name], "{name}");
            }
            let data = whole["data_source_schemas"].as_object();
            let mut data_names: Vec<&str> = data
                .map(|d| d.keys().map(String::as_str).collect())
                .unwrap_or_default();
            data_names.sort_unstable();
            assert_eq!(schema.data_source_names().collect::<Vec<_>>(), data_names);
            for &(name, start, end) in schema.data_sources.index {
                let indexed: serde_json::Value =
                    serde_json::from_str(&info.text[start..end]).expect("a JSON value");
                assert_eq!(&indexed, &data.expect("data sources")[name], "{name}");
            }
            let (start, end) = schema.provider_json;
            let indexed: serde_json::Value =
                serde_json::from_str(&info.text[start..end]).expect("a JSON value");
            assert_eq!(indexed, whole["provider"], "{}", info.name);
        }
    }
}
