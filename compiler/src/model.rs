//! The language's typed model: what the lowering stage makes of KDL nodes.
//! Values are still unevaluated here (`${…}` templates, references by
//! path); expansion evaluates them.

use crate::source::Span;
use smol_str::SmolStr;

/// Declarations that are not provider resources but go through expansion
/// like them (count, for-each, components, variables); each is turned into
/// its own model by a stage of its own after expansion.
pub const STAGE_KINDS: &[&str] = &[
    crate::web::SITE,
    crate::web::machines::MACHINE,
    crate::apps::APP,
    crate::apps::JOB,
    crate::apps::CRON_JOB,
    crate::apps::CONFIG_MAP,
    crate::apps::SERVICE_ACCOUNT,
    crate::apps::VOLUME_CLAIM,
    crate::apps::DAEMON_SET,
    crate::apps::MANIFEST,
    crate::apps::MANIFEST_PATCH,
];

/// What `infrac kinds` says of a stage kind: its properties and children
/// (the language reference explains each).
pub struct StageKindInfo {
    pub name: &'static str,
    pub doc: &'static str,
    pub props: Vec<&'static str>,
    pub children: Vec<&'static str>,
}

pub fn stage_kind_info() -> Vec<StageKindInfo> {
    let mut kinds = vec![crate::web::info(), crate::web::machines::info()];
    kinds.extend(crate::apps::info());
    kinds
}

/// The static name of a stage kind (instances carry `&'static str` kinds).
pub fn stage_kind(kind: &str) -> &'static str {
    STAGE_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or(crate::web::SITE)
}

/// A string with `${…}` interpolations, split into parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Template(TemplateParts);

/// Nearly every template is one part (a literal, or one reference): kept
/// without a list of its own, one allocation less for each string written.
#[derive(Clone, Debug, PartialEq)]
enum TemplateParts {
    One(Part),
    Many(Vec<Part>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(SmolStr),
    /// `${var.name}`
    Var(String),
    /// `${secret.name}`
    Secret(String),
    /// `${input.name}`
    Input(String),
    /// `${kind.name.attr}`
    Ref(String),
    /// `${name}`: a component parameter, `index` or `each`.
    Local(String),
    /// `${!apex}`, `${env == "prod"}`, `${lower(name)}`: evaluated when
    /// expanding.
    Formula(Box<crate::interpolation::Formula>),
}

impl Template {
    pub fn literal(s: impl Into<SmolStr>) -> Template {
        Template(TemplateParts::One(Part::Lit(s.into())))
    }

    pub fn from_parts(mut parts: Vec<Part>) -> Template {
        match parts.len() {
            1 => Template(TemplateParts::One(parts.pop().expect("one part"))),
            _ => Template(TemplateParts::Many(parts)),
        }
    }

    pub fn parts(&self) -> &[Part] {
        match &self.0 {
            TemplateParts::One(part) => std::slice::from_ref(part),
            TemplateParts::Many(parts) => parts,
        }
    }

    /// The text, if the template has no interpolation.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Template),
    /// `(ref)"droplet.web.ipv4"`: the path may interpolate locals.
    Ref(Template),
    /// `(var)"region"`
    Var(String),
    /// `(secret)"do_token"`
    Secret(String),
    /// `(input)"cert_pem"`: a Terraform input variable that is not secret.
    Input(String),
    List(Vec<SExpr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SExpr {
    pub expr: Expr,
    pub span: Span,
}

/// A property (`size="s-1vcpu-1gb"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Inline (no allocation) up to 23 bytes; copied into every instance.
    pub name: SmolStr,
    pub name_span: Span,
    pub value: SExpr,
}

/// A child node of a resource: an attribute with several values
/// (`tags "a" "b"`), a nested block (`inbound protocol="tcp" { … }`), or a
/// sub-resource (`db "app"` in a database cluster). Which one is decided by
/// the kind and its provider schema, after expansion.
#[derive(Clone, Debug, PartialEq)]
pub struct Child {
    pub name: SmolStr,
    pub name_span: Span,
    pub args: Vec<SExpr>,
    pub props: Vec<Field>,
    pub children: Vec<Child>,
    pub has_block: bool,
    pub span: Span,
}

/// Meta-arguments that shape expansion rather than the resource.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    pub count: Option<SExpr>,
    pub for_each: Option<SExpr>,
    /// `for-each` over a map (`for-each ams3="s-1vcpu-1gb" …`: `each.key`,
    /// `each.value`) or over records (child nodes: `for-each { ams
    /// region="ams3" size="…" }`: `each.key`, `each.region`, …).
    pub for_each_records: Vec<Record>,
    pub condition: Option<SExpr>,
    pub import_id: Option<SExpr>,
    pub import_ids: Option<SExpr>,
    /// `moved-from="old-name"`: the name it had, so that Terraform moves
    /// the resource in its state instead of destroying it.
    pub moved_from: Option<SExpr>,
    pub depends_on: Vec<SExpr>,
    /// `provider="wasabi"`: which configuration of the kind's provider.
    pub provider: Option<SExpr>,
    /// `ignore-changes "image"`: attributes Terraform leaves as they are.
    pub ignore_changes: Vec<SExpr>,
    /// `external "droplet" "old"`: a resource of hand-written Terraform,
    /// declared so that references, the graph and `diff` know it; infrac
    /// writes nothing for it.
    pub external: bool,
}

/// One item of a `for-each` over a map or records: its key (the instance's
/// name suffix) and its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub key: SmolStr,
    pub key_span: Span,
    pub fields: Vec<Field>,
}

/// What a resource without meta-arguments, nearly every one, points at.
static NO_META: Meta = Meta {
    count: None,
    for_each: None,
    for_each_records: Vec::new(),
    condition: None,
    import_id: None,
    import_ids: None,
    moved_from: None,
    depends_on: Vec::new(),
    provider: None,
    ignore_changes: Vec::new(),
    external: false,
};

#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDecl {
    pub kind: SmolStr,
    pub kind_span: Span,
    pub label: Template,
    pub label_span: Span,
    pub props: Vec<Field>,
    pub children: Vec<Child>,
    /// `None` when it has no meta-arguments (see `meta()`): they are most
    /// of a declaration's size, and a large written-out project has none.
    pub meta: Option<Box<Meta>>,
    pub span: Span,
}

impl ResourceDecl {
    pub fn meta(&self) -> &Meta {
        self.meta.as_deref().unwrap_or(&NO_META)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct UseDecl {
    pub component: String,
    pub component_span: Span,
    pub args: Vec<Field>,
    pub meta: Meta,
    /// Children of the `use`: overrides of the component's declarations
    /// (`droplet "db" size="…" { tags "extra" }`), merged as an
    /// environment's are.
    pub patches: Vec<ResourceDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputDecl {
    pub name: Template,
    pub name_span: Span,
    pub value: SExpr,
    /// Interpolated like the name: an output of a component can say
    /// which use it belongs to.
    pub description: Option<(Template, Span)>,
    pub condition: Option<SExpr>,
    pub span: Span,
}

/// Something that produces resources or outputs, at top level or inside a
/// component.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Resource(ResourceDecl),
    Use(Box<UseDecl>),
    Output(OutputDecl),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarType {
    String,
    Number,
    Bool,
    List,
}

impl VarType {
    pub fn name(self) -> &'static str {
        match self {
            VarType::String => "string",
            VarType::Number => "number",
            VarType::Bool => "bool",
            VarType::List => "list",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub name: String,
    pub name_span: Span,
    pub ty: VarType,
    pub default: Option<SExpr>,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecretDecl {
    pub name: String,
    pub name_span: Span,
    pub description: Option<String>,
    /// A secret (`secret`), or a plain Terraform input (`input`): both
    /// are Terraform variables given at plan time; only a secret is
    /// sensitive.
    pub sensitive: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProviderDecl {
    pub name: String,
    pub name_span: Span,
    pub props: Vec<Field>,
    pub children: Vec<Child>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: String,
    pub name_span: Span,
    pub ty: VarType,
    pub default: Option<SExpr>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ComponentDecl {
    pub name: String,
    pub name_span: Span,
    pub doc: Option<String>,
    pub params: Vec<ParamDecl>,
    pub items: Vec<Item>,
    pub span: Span,
}

/// One environment (`environment "prod" { … }`): values of variables, and
/// overrides of declarations (`app "web" replicas=3`) whose properties and
/// children replace the declaration's own there.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentDecl {
    pub name: String,
    pub name_span: Span,
    pub values: Vec<Field>,
    /// Where this environment keeps its Terraform state, when it says:
    /// a whole backend (with a type) or changes to the project's.
    pub backend: Option<BackendDecl>,
    pub patches: Vec<ResourceDecl>,
    /// Outputs only this environment has.
    pub outputs: Vec<Item>,
    pub span: Span,
}

/// `backend "s3" bucket=… key=… { endpoints s3=… }`: where Terraform keeps
/// the state (`terraform { backend "s3" { … } }`, or `cloud { … }`).
#[derive(Clone, Debug, PartialEq)]
pub struct BackendDecl {
    /// `s3`, `gcs`, … ; none in an environment that changes the
    /// project's backend.
    pub kind: Option<(String, Span)>,
    pub props: Vec<Field>,
    pub children: Vec<Child>,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Project {
    pub vars: Vec<VarDecl>,
    pub secrets: Vec<SecretDecl>,
    pub providers: Vec<ProviderDecl>,
    pub backend: Option<BackendDecl>,
    pub components: Vec<ComponentDecl>,
    pub environments: Vec<EnvironmentDecl>,
    pub items: Vec<Item>,
}
