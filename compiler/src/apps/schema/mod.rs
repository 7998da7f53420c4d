//! The schemas raw Kubernetes objects are checked against: the API of
//! Kubernetes 1.33 (the OpenAPI definitions as JSON Schema, unknown fields
//! refused) and the custom resources of the CRDs infrac ships
//! (cert-manager). Parsed on first use only: most projects write no raw
//! object. `schemas/kubernetes/SOURCES.md` says where each comes from.

mod validate;

pub use validate::{check, check_patch};

use serde_json::{Map, Value as J};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The Kubernetes version whose API the core schemas describe.
pub const KUBERNETES_VERSION: &str = "1.33";

/// The schema of one object type.
pub struct ObjectSchema {
    pub schema: &'static J,
    /// Where `$ref`s point (`#/$defs/NAME`); custom resources have none.
    pub defs: Option<&'static Map<String, J>>,
    /// `ObjectMeta`, which a custom resource's schema leaves open.
    pub metadata: Option<&'static J>,
    pub namespaced: bool,
    /// "Kubernetes 1.33", "the cert-manager CRD": for messages.
    pub source: &'static str,
}

/// What the catalog knows of an `apiVersion` and `kind`.
pub enum Lookup {
    Found(ObjectSchema),
    /// The API version is known; these are its kinds.
    NoSuchKind(Vec<&'static str>),
    /// The kind is known in these API versions.
    OtherVersions(Vec<String>),
    Unknown,
}

struct Crd {
    group: String,
    kind: String,
    namespaced: bool,
    versions: Vec<(String, J)>,
    source: &'static str,
}

struct Catalog {
    core: J,
    /// (group, version, kind) → definition name.
    core_index: HashMap<(String, String, String), String>,
    cluster_scoped: Vec<String>,
    crds: Vec<Crd>,
}

const CORE: &str = include_str!("../../../../schemas/kubernetes/kubernetes-1.33.json");
const SHIPPED_CRDS: &[(&str, &str)] = &[(
    "the cert-manager v1.21 CRD",
    include_str!("../../../../schemas/kubernetes/crds/cert-manager.json"),
)];

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let core: J = serde_json::from_str(CORE).expect("the vendored Kubernetes schema is JSON");
        let mut core_index = HashMap::new();
        if let Some(defs) = core["$defs"].as_object() {
            for (name, def) in defs {
                for gvk in def["x-kubernetes-group-version-kind"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let field = |k: &str| gvk[k].as_str().unwrap_or_default().to_string();
                    core_index.insert(
                        (field("group"), field("version"), field("kind")),
                        name.clone(),
                    );
                }
            }
        }
        let cluster_scoped = core["cluster-scoped"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect();
        let mut crds = Vec::new();
        for (source, text) in SHIPPED_CRDS {
            let docs: Vec<J> = serde_json::from_str(text).expect("the vendored CRDs are JSON");
            crds.extend(docs.iter().filter_map(|d| crd(d, source)));
        }
        Catalog {
            core,
            core_index,
            cluster_scoped,
            crds,
        }
    })
}

/// A CustomResourceDefinition document's group, kind, scope and served
/// versions with their schemas.
fn crd(doc: &J, source: &'static str) -> Option<Crd> {
    let spec = &doc["spec"];
    Some(Crd {
        group: spec["group"].as_str()?.to_string(),
        kind: spec["names"]["kind"].as_str()?.to_string(),
        namespaced: spec["scope"].as_str() != Some("Cluster"),
        versions: spec["versions"]
            .as_array()?
            .iter()
            .filter(|v| v["served"].as_bool() != Some(false))
            .filter_map(|v| {
                Some((
                    v["name"].as_str()?.to_string(),
                    v["schema"]["openAPIV3Schema"].clone(),
                ))
            })
            .collect(),
        source,
    })
}

fn split(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

fn join(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

pub fn lookup(api_version: &str, kind: &str) -> Lookup {
    let c = catalog();
    let (group, version) = split(api_version);
    let key = (group.to_string(), version.to_string(), kind.to_string());
    if let Some(name) = c.core_index.get(&key) {
        let defs = c.core["$defs"].as_object();
        return Lookup::Found(ObjectSchema {
            schema: &c.core["$defs"][name],
            defs,
            metadata: None,
            namespaced: !c.cluster_scoped.iter().any(|k| k == kind),
            source: "Kubernetes 1.33",
        });
    }
    for crd in c.crds.iter().filter(|d| d.group == group && d.kind == kind) {
        if let Some((_, schema)) = crd.versions.iter().find(|(v, _)| v == version) {
            return Lookup::Found(ObjectSchema {
                schema,
                defs: None,
                metadata: c.core["$defs"].get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"),
                namespaced: crd.namespaced,
                source: crd.source,
            });
        }
    }
    let mut versions: Vec<String> = c
        .core_index
        .keys()
        .filter(|(_, _, k)| k == kind)
        .map(|(g, v, _)| join(g, v))
        .chain(
            c.crds
                .iter()
                .filter(|d| d.kind == kind)
                .flat_map(|d| d.versions.iter().map(|(v, _)| join(&d.group, v))),
        )
        .collect();
    if !versions.is_empty() {
        versions.sort();
        return Lookup::OtherVersions(versions);
    }
    let mut kinds: Vec<&'static str> = c
        .core_index
        .keys()
        .filter(|(g, v, _)| g == group && v == version)
        .map(|(_, _, k)| k.as_str())
        .chain(
            c.crds
                .iter()
                .filter(|d| d.group == group && d.versions.iter().any(|(v, _)| v == version))
                .map(|d| d.kind.as_str()),
        )
        .collect();
    if kinds.is_empty() {
        return Lookup::Unknown;
    }
    kinds.sort_unstable();
    kinds.dedup();
    Lookup::NoSuchKind(kinds)
}
