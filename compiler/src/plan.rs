//! The target-neutral plan: checked resources whose attributes carry
//! Terraform names and resolved references. Backends read only this.

use crate::kinds::Kind;
use crate::source::Span;
use smol_str::SmolStr;

/// Index of a resource in `Plan::resources`.
pub type ResourceId = usize;

#[derive(Clone, Debug, PartialEq)]
pub enum PValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(SmolStr),
    List(Vec<PValue>),
    Map(Vec<(String, PValue)>),
    /// An attribute of another resource, known only after apply.
    Ref {
        target: ResourceId,
        /// A Terraform attribute name from the provider schema.
        attr: &'static str,
    },
    /// A sensitive Terraform variable.
    Secret(String),
    Template(Vec<PPart>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum PPart {
    Lit(String),
    Ref {
        target: ResourceId,
        attr: &'static str,
    },
    Secret(String),
}

impl PValue {
    /// Every reference inside the value, for the graph.
    pub fn refs(&self, out: &mut Vec<ResourceId>) {
        match self {
            PValue::Ref { target, .. } => out.push(*target),
            PValue::List(items) => items.iter().for_each(|i| i.refs(out)),
            PValue::Map(items) => items.iter().for_each(|(_, v)| v.refs(out)),
            PValue::Template(parts) => {
                for p in parts {
                    if let PPart::Ref { target, .. } = p {
                        out.push(*target);
                    }
                }
            }
            _ => {}
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    /// Borrowed from the provider schema.
    pub name: &'static str,
    pub value: PValue,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    pub attrs: Vec<Attr>,
    pub blocks: Vec<NestedBlock>,
}

impl Body {
    pub fn get(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn refs(&self, out: &mut Vec<(ResourceId, Span)>) {
        let mut ids = Vec::new();
        for a in &self.attrs {
            ids.clear();
            a.value.refs(&mut ids);
            out.extend(ids.iter().map(|id| (*id, a.span)));
        }
        for b in &self.blocks {
            b.body.refs(out);
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub name: &'static str,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Resource {
    pub kind: &'static Kind,
    pub label: SmolStr,
    /// Terraform name: `digitalocean_droplet.<ident>`.
    pub ident: String,
    pub span: Span,
    pub body: Body,
    /// What few resources have, out of line and unallocated when empty:
    /// the plan of a large project holds tens of thousands of resources.
    pub extras: Option<Box<ResourceExtras>>,
}

/// The rarely set parts of a resource.
#[derive(Clone, Debug, Default)]
pub struct ResourceExtras {
    pub import_id: Option<String>,
    pub depends_on: Vec<(ResourceId, Span)>,
    /// Alias of a non-default provider configuration (`aws.wasabi`).
    pub provider_alias: Option<String>,
    /// Attributes Terraform should not change after creation or import.
    pub ignore_changes: Vec<&'static str>,
    /// Declared by hand-written Terraform: nothing is written for it.
    pub external: bool,
    /// The Terraform name it had (`moved-from`): a `moved` block.
    pub moved_from: Option<String>,
}

impl ResourceExtras {
    /// Boxed when it holds anything.
    pub fn boxed(self) -> Option<Box<ResourceExtras>> {
        let empty = self.import_id.is_none()
            && self.depends_on.is_empty()
            && self.provider_alias.is_none()
            && self.ignore_changes.is_empty()
            && !self.external
            && self.moved_from.is_none();
        (!empty).then(|| Box::new(self))
    }
}

impl Resource {
    pub fn import_id(&self) -> Option<&str> {
        self.extras.as_ref()?.import_id.as_deref()
    }

    pub fn moved_from(&self) -> Option<&str> {
        self.extras.as_ref()?.moved_from.as_deref()
    }

    /// Declared by hand-written Terraform (`external`): referred to, never
    /// written.
    pub fn is_external(&self) -> bool {
        self.extras.as_ref().is_some_and(|e| e.external)
    }

    pub fn depends_on(&self) -> &[(ResourceId, Span)] {
        self.extras.as_ref().map_or(&[], |e| &e.depends_on)
    }

    pub fn provider_alias(&self) -> Option<&str> {
        self.extras.as_ref()?.provider_alias.as_deref()
    }

    pub fn ignore_changes(&self) -> &[&'static str] {
        self.extras.as_ref().map_or(&[], |e| &e.ignore_changes)
    }
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub value: PValue,
    pub description: Option<String>,
    pub sensitive: bool,
}

#[derive(Clone, Debug)]
pub struct SecretVar {
    pub name: String,
    pub description: Option<String>,
    /// False for an `input` (a Terraform variable that is not secret).
    pub sensitive: bool,
}

#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    /// `None` for the default configuration of the provider.
    pub alias: Option<String>,
    pub source: &'static str,
    pub version: &'static str,
    pub body: Body,
}

/// Where Terraform keeps the state: `backend "TYPE" { … }` in the
/// `terraform` block, or its `cloud { … }` block.
#[derive(Clone, Debug)]
pub struct BackendConfig {
    pub kind: String,
    pub body: Body,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub resources: Vec<Resource>,
    /// Resources in a stable topological order (dependencies first).
    pub order: Vec<ResourceId>,
    pub outputs: Vec<Output>,
    pub secrets: Vec<SecretVar>,
    pub providers: Vec<ProviderConfig>,
    pub backend: Option<BackendConfig>,
    /// The backend of the shared root, when an environment is built.
    pub shared_backend: Option<BackendConfig>,
    /// The resource each expanded instance became (its first, when it
    /// became several).
    pub instance_resources: Vec<ResourceId>,
    /// Sites, for the web-front backends.
    pub web: crate::web::Web,
    /// Every environment's workloads, for the Kubernetes backend.
    pub workloads: crate::apps::Workloads,
}
