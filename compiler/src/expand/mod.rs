//! Expand stage: evaluates variables and templates, inlines components and
//! unrolls `count`/`for-each`, producing a flat list of resource instances
//! and outputs. References stay as paths: resolving them is the next stage.

mod backend;
mod components;
mod functions;
mod loops;
mod resources;
mod values;
mod vars;

pub(crate) use vars::bad_secret_name;

use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::kinds::Registry;
use crate::model::*;
use crate::source::Span;
use smol_str::SmolStr;
use std::collections::{BTreeMap, BTreeSet};

/// Appends the decimal form of `i` (as `i.to_string()` would, without the
/// formatting machinery: `count` indexes are written for every member).
pub fn push_int(out: &mut String, i: i64) {
    let mut digits = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// An evaluated value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Inline up to 23 bytes, as most values are: evaluating a literal
    /// for each instance of a `count` copies it, with no allocation.
    Str(SmolStr),
    List(Vec<SValue>),
    /// A reference path, not yet resolved: `droplet.web.ipv4` (inline up
    /// to 23 bytes).
    Ref(SmolStr),
    Secret(String),
    /// A string that embeds references or secrets.
    Template(Vec<TPart>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum TPart {
    Lit(String),
    Ref(String),
    Secret(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SValue {
    pub value: Value,
    pub span: Span,
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) | Value::Template(_) => "string",
            Value::List(_) => "list",
            Value::Ref(_) => "reference",
            Value::Secret(_) => "secret",
        }
    }

    /// Text of a scalar (a string, number or bool), as interpolated.
    pub fn as_text(&self) -> Option<String> {
        let mut text = String::new();
        self.push_text(&mut text).then_some(text)
    }

    /// Appends the text of a scalar; false (and nothing appended) for
    /// anything else.
    fn push_text(&self, out: &mut String) -> bool {
        use std::fmt::Write;
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Int(i) => push_int(out, *i),
            Value::Float(f) => {
                let _ = write!(out, "{f}");
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            _ => return false,
        }
        true
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct IField {
    /// Inline up to 23 bytes (every attribute name): copied, not
    /// allocated, for each of the instances a `count` makes.
    pub name: SmolStr,
    pub name_span: Span,
    pub value: SValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IChild {
    pub name: SmolStr,
    pub name_span: Span,
    pub args: Vec<SValue>,
    pub props: Vec<IField>,
    pub children: Vec<IChild>,
    pub has_block: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub kind: &'static str,
    pub kind_span: Span,
    /// Inline up to 23 bytes (`node-1234`): no allocation per instance.
    pub label: SmolStr,
    pub label_span: Span,
    /// The label before `count`/`for-each` numbered it; references to it
    /// mean every member. Shared by the members, not copied to each.
    pub group: Option<std::sync::Arc<str>>,
    pub props: Vec<IField>,
    pub children: Vec<IChild>,
    pub span: Span,
    /// What few instances have, kept out of line (and unallocated when
    /// empty): a large `count` makes tens of thousands of instances, and
    /// each byte of one is paid for in fresh memory.
    pub(crate) extras: Option<Box<Extras>>,
}

/// The rarely set parts of an instance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extras {
    pub import_id: Option<(String, Span)>,
    pub depends_on: Vec<(String, Span)>,
    /// The provider configuration's alias, when not the default one.
    pub provider: Option<(String, Span)>,
    /// Attributes (as written) whose changes Terraform ignores.
    pub ignore_changes: Vec<(String, Span)>,
    /// Where components that produced it were used, innermost first.
    pub used_at: Vec<Span>,
    /// Declared by hand-written Terraform (`external`).
    pub external: bool,
    /// The name it had (`moved-from`).
    pub moved_from: Option<(SmolStr, Span)>,
}

impl Extras {
    /// Boxed when it holds anything.
    fn boxed(self) -> Option<Box<Extras>> {
        let empty = self.import_id.is_none()
            && self.depends_on.is_empty()
            && self.provider.is_none()
            && self.ignore_changes.is_empty()
            && self.used_at.is_empty()
            && !self.external
            && self.moved_from.is_none();
        (!empty).then(|| Box::new(self))
    }
}

impl Instance {
    /// An instance of `kind` with no props or children yet; `extras` is
    /// boxed only when it holds something.
    #[inline]
    pub fn new(kind: &'static str, label: SmolStr, span: Span, extras: Extras) -> Instance {
        Instance {
            kind,
            kind_span: span,
            label,
            label_span: span,
            group: None,
            props: Vec::new(),
            children: Vec::new(),
            span,
            extras: extras.boxed(),
        }
    }

    pub fn import_id(&self) -> Option<&(String, Span)> {
        self.extras.as_ref()?.import_id.as_ref()
    }

    pub fn moved_from(&self) -> Option<&(SmolStr, Span)> {
        self.extras.as_ref()?.moved_from.as_ref()
    }

    pub fn depends_on(&self) -> &[(String, Span)] {
        self.extras.as_ref().map_or(&[], |e| &e.depends_on)
    }

    pub fn provider(&self) -> Option<&(String, Span)> {
        self.extras.as_ref()?.provider.as_ref()
    }

    pub fn ignore_changes(&self) -> &[(String, Span)] {
        self.extras.as_ref().map_or(&[], |e| &e.ignore_changes)
    }

    pub fn used_at(&self) -> &[Span] {
        self.extras.as_ref().map_or(&[], |e| &e.used_at)
    }

    pub fn is_external(&self) -> bool {
        self.extras.as_ref().is_some_and(|e| e.external)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct OutputInstance {
    pub name: String,
    pub name_span: Span,
    pub value: SValue,
    pub description: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SecretVar {
    pub name: String,
    pub description: Option<String>,
    /// False for an `input`: a Terraform variable that is not secret.
    pub sensitive: bool,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Expanded {
    pub instances: Vec<Instance>,
    /// Workloads (apps, jobs, …), expanded once per environment with that
    /// environment's values; empty when the project declares none.
    pub environments: Vec<EnvInstances>,
    pub outputs: Vec<OutputInstance>,
    /// Every secret the project declares or uses, by name.
    pub secrets: BTreeMap<String, SecretVar>,
    pub providers: Vec<(ProviderDecl, Vec<IField>, Vec<IChild>)>,
    /// The backend in force: the project's, changed or replaced by the
    /// environment's.
    pub backend: Option<ExpandedBackend>,
    /// The project's backend for the root of what every environment
    /// shares (its state kept apart under the name `shared`).
    pub shared_backend: Option<ExpandedBackend>,
    /// Where values written as a variable were given: the use's span →
    /// the default's (or the environment's, or the command line's) span
    /// and the variable's name. A problem with the value points at both.
    pub var_origins: VarOrigins,
}

pub type VarOrigins = rustc_hash::FxHashMap<Span, (Span, SmolStr)>;

#[derive(Debug)]
pub struct ExpandedBackend {
    /// `s3`, `gcs`, …; none when an environment changes a backend the
    /// project does not declare (reported by the check).
    pub kind: Option<(String, Span)>,
    pub props: Vec<IField>,
    pub children: Vec<IChild>,
    pub span: Span,
    /// The environment in force, when the backend is the project's: its
    /// state is kept apart under its name, unless it says where itself.
    pub environment: Option<String>,
    /// The settings the environment gave.
    pub set_by_environment: Vec<SmolStr>,
}

/// One environment's workload instances, with the problems found while
/// expanding them (merged across environments by the workload stage).
#[derive(Debug, Default)]
pub struct EnvInstances {
    pub name: String,
    /// The `environment` block; none for the implicit `default`.
    pub span: Option<Span>,
    pub instances: Vec<Instance>,
    pub diags: Diagnostics,
    pub var_origins: VarOrigins,
}

/// Name of the one environment of a project that declares none.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// What one pass of expansion produces: the Terraform side, or one
/// environment's workloads.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    Resources,
    Workloads,
}

/// A `--var NAME=VALUE` from the command line, with its span in the
/// `<command line>` pseudo-file.
#[derive(Clone, Debug)]
pub struct CliVar {
    pub name: String,
    pub value: String,
    pub span: Span,
}

pub struct Inputs<'a> {
    pub vars: &'a [CliVar],
    pub environment: Option<(&'a str, Span)>,
}

const MAX_INSTANCES: i64 = 1_000_000;

/// What expansion may make, in estimated bytes: an instance is counted at
/// 256 bytes plus 128 for each value, property and child it holds (long
/// literal strings are shared between instances, not copied). Components
/// that use others several times multiply small inputs into large
/// expansions; this bounds the memory they take, where `MAX_INSTANCES`
/// bounds their count. The benchmark's 100,000-droplet projects are
/// estimated at about 150 MiB.
const MAX_EXPANDED_BYTES: usize = 256 << 20;

/// The values, properties and children of a declaration, nested ones
/// included: what each of its instances holds.
fn entries(props: &[Field], children: &[Child]) -> usize {
    props.len()
        + children
            .iter()
            .map(|c| 1 + c.args.len() + entries(&c.props, &c.children))
            .sum::<usize>()
}
const MAX_COMPONENT_DEPTH: usize = 32;

/// Expands the project: once for the Terraform side (with the `--env` in
/// force, if any), then, if it declares workloads, once per environment
/// for them, since every environment's manifests come out of one build.
pub fn expand(
    project: &Project,
    inputs: &Inputs,
    kinds: &'static Registry,
    diags: &mut Diagnostics,
) -> Expanded {
    let mut used_vars = BTreeSet::new();
    let (mut out, has_workloads) = expand_pass(
        project,
        inputs,
        kinds,
        Pass::Resources,
        diags,
        &mut used_vars,
    );
    if has_workloads {
        let environments: Vec<(&str, Option<Span>)> = if project.environments.is_empty() {
            vec![(DEFAULT_ENVIRONMENT, None)]
        } else {
            project
                .environments
                .iter()
                .map(|e| (e.name.as_str(), Some(e.name_span)))
                .collect()
        };
        for (name, span) in environments {
            let mut env_diags = Diagnostics::default();
            let env_inputs = Inputs {
                vars: inputs.vars,
                environment: span.map(|s| (name, s)),
            };
            let (env_out, _) = expand_pass(
                project,
                &env_inputs,
                kinds,
                Pass::Workloads,
                &mut env_diags,
                &mut used_vars,
            );
            out.environments.push(EnvInstances {
                name: name.to_string(),
                span,
                instances: env_out.instances,
                diags: env_diags,
                var_origins: env_out.var_origins,
            });
        }
    }
    for v in &project.vars {
        if !used_vars.contains(&v.name) {
            diags.push(
                Diagnostic::error(
                    Code::UnusedVariable,
                    format!("variable `{}` is never used", v.name),
                )
                .at(v.name_span, "declared here")
                .help("remove it, or use it as `(var)\"NAME\"` or `${var.NAME}`"),
            );
        }
    }
    out
}

/// One pass; returns whether the project declares workloads (seen, and
/// skipped, by the resource pass).
fn expand_pass(
    project: &Project,
    inputs: &Inputs,
    kinds: &'static Registry,
    pass: Pass,
    diags: &mut Diagnostics,
    used_vars: &mut BTreeSet<String>,
) -> (Expanded, bool) {
    let mut x = Expander {
        project,
        kinds,
        diags,
        pass,
        has_workloads: false,
        vars: BTreeMap::new(),
        var_sources: BTreeMap::new(),
        unset: BTreeMap::new(),
        patches: Vec::new(),
        use_patches: Vec::new(),
        declared: project
            .environments
            .iter()
            .any(|e| !e.patches.is_empty())
            .then(BTreeSet::new),
        used_vars: std::mem::take(used_vars),
        out: Expanded::default(),
        used_at: Vec::new(),
        moved_parent: None,
        in_use: Vec::new(),
        spent: 0,
        spent_bytes: 0,
        exhausted: false,
        scratch: String::new(),
    };
    for s in &project.secrets {
        x.out.secrets.insert(
            s.name.clone(),
            SecretVar {
                name: s.name.clone(),
                description: s.description.clone(),
                sensitive: s.sensitive,
                span: s.name_span,
            },
        );
    }
    x.bind_vars(inputs);
    let scope = Scope::default();
    if pass == Pass::Workloads {
        for item in &project.items {
            x.item(item, &scope);
        }
        let env = inputs
            .environment
            .and_then(|(name, _)| project.environments.iter().find(|e| e.name == name));
        x.check_patches(env, true);
        *used_vars = x.used_vars;
        return (x.out, false);
    }
    for p in &project.providers {
        let props = x.fields(&p.props, &scope);
        let children = x.children(&p.children, &scope);
        x.out.providers.push((p.clone(), props, children));
    }
    let env = inputs
        .environment
        .and_then(|(name, _)| project.environments.iter().find(|e| e.name == name));
    x.out.backend = x.backend(project.backend.as_ref(), env, &scope);
    if env.is_some() {
        x.out.shared_backend = x.backend(project.backend.as_ref(), None, &scope);
        if let Some(b) = x.out.shared_backend.as_mut() {
            b.environment = Some(crate::roots::SHARED.to_string());
        }
    }
    for item in &project.items {
        x.item(item, &scope);
    }
    // The outputs only the environment in force has.
    if let Some(env) = env {
        for item in &env.outputs {
            x.item(item, &scope);
        }
    }
    // Secrets may be declared by use alone, so `--var` for one is known
    // only now.
    for cli in inputs.vars {
        if project.vars.iter().any(|v| v.name == cli.name)
            || project.secrets.iter().any(|s| s.name == cli.name)
        {
            continue;
        }
        if x.out.secrets.contains_key(&cli.name) {
            x.diags.push(
                Diagnostic::error(Code::SecretMisuse, format!("`{}` is a secret and cannot be set with --var", cli.name))
                    .at(cli.span, "secret value on the command line")
                    .help(format!("secrets are Terraform variables: pass it at plan time, e.g. TF_VAR_{}=… terraform plan", cli.name)),
            );
        } else {
            let names: Vec<&str> = project.vars.iter().map(|v| v.name.as_str()).collect();
            x.diags.push(
                Diagnostic::error(
                    Code::BadCliVar,
                    format!("--var names undeclared variable `{}`", cli.name),
                )
                .at(cli.span, "not declared")
                .help(suggest(
                    &cli.name,
                    &names,
                    "declare it with `var \"NAME\" default=…`",
                )),
            );
        }
    }
    for env in &project.environments {
        x.check_patches(Some(env), false);
    }
    *used_vars = x.used_vars;
    (x.out, x.has_workloads)
}

/// A declaration with an environment's override applied (see
/// [`merge_fields`] and [`merge_children`]).
fn apply_patch(r: &ResourceDecl, patch: &ResourceDecl) -> ResourceDecl {
    let mut out = r.clone();
    out.props = merge_fields(&r.props, &patch.props);
    out.children = merge_children(&r.children, &patch.children);
    out
}

fn is_null(e: &SExpr) -> bool {
    matches!(e.expr, Expr::Null)
}

/// Each property of the override replaces the declaration's own of the
/// same name, in place; new ones are added at the end; one set to `#null`
/// is removed.
fn merge_fields(base: &[Field], patch: &[Field]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::with_capacity(base.len() + patch.len());
    for f in base {
        match patch.iter().find(|p| p.name == f.name) {
            Some(p) if is_null(&p.value) => {}
            Some(p) => out.push(p.clone()),
            None => out.push(f.clone()),
        }
    }
    out.extend(
        patch
            .iter()
            .filter(|p| !is_null(&p.value) && !base.iter().any(|f| f.name == p.name))
            .cloned(),
    );
    out
}

/// Children are matched by name and first value (`env "A" …` is not
/// `env "B" …`); a `KEY "value"` entry, or any child the declaration has
/// once, by its name alone. A matched
/// child with values is replaced; one without (a block, a map:
/// `config-vars { B "3" }`) is merged, property by property and entry by
/// entry; one whose last value is `#null` (`env "A" #null`,
/// `config-vars { B #null }`) is removed. New children are added.
fn merge_children(base: &[Child], patch: &[Child]) -> Vec<Child> {
    let removes = |p: &Child| {
        p.props.is_empty() && p.children.is_empty() && p.args.last().is_some_and(is_null)
    };
    // A name the declaration has once is the child's identity (a map
    // entry, `tags …`); a repeated one (`host "a"`, `host "b"`) needs the
    // first value too.
    let once = |name: &str| base.iter().filter(|c| c.name == name).count() == 1;
    let same = |a: &Child, b: &Child| {
        a.name == b.name
            && (once(&a.name) && (a.args.len() < 2 || b.args.len() < 2)
                || a.args.first().map(|x| &x.expr) == b.args.first().map(|x| &x.expr))
    };
    let mut out: Vec<Child> = Vec::with_capacity(base.len() + patch.len());
    for c in base {
        match patch.iter().find(|p| same(p, c)) {
            Some(p) if removes(p) => {}
            Some(p) if p.args.is_empty() && c.args.is_empty() => {
                let mut merged = c.clone();
                merged.props = merge_fields(&c.props, &p.props);
                merged.children = merge_children(&c.children, &p.children);
                merged.has_block |= p.has_block;
                out.push(merged);
            }
            Some(p) => out.push(p.clone()),
            None => out.push(c.clone()),
        }
    }
    out.extend(
        patch
            .iter()
            .filter(|p| !removes(p) && !base.iter().any(|c| same(p, c)))
            .cloned(),
    );
    out
}

/// Local names: component parameters, `index` and `each`.
#[derive(Clone, Default)]
struct Scope {
    /// Component parameters, shared by every iteration.
    params: std::rc::Rc<BTreeMap<String, SValue>>,
    each: Option<SValue>,
    /// The fields of a `for-each` map entry or record (`each.key` too).
    record: Option<std::rc::Rc<BTreeMap<String, SValue>>>,
    /// `index` of a `count`, and the span of the `count`.
    index: Option<(i64, Span)>,
}

impl Scope {
    fn get(&self, name: &str) -> Option<Value> {
        if let Some(field) = name.strip_prefix("each.") {
            return self.record.as_ref()?.get(field).map(|v| v.value.clone());
        }
        match name {
            "index" if self.index.is_some() => self.index.map(|(i, _)| Value::Int(i)),
            "each" if self.each.is_some() => self.each.as_ref().map(|e| e.value.clone()),
            _ => self.params.get(name).map(|v| v.value.clone()),
        }
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.params.keys().cloned().collect();
        if self.index.is_some() {
            names.push("index".into());
        }
        if self.each.is_some() {
            names.push("each".into());
        }
        if let Some(record) = &self.record {
            names.extend(record.keys().map(|k| format!("each.{k}")));
        }
        names
    }
}

/// What every iteration of one declaration shares.
struct Iteration<'r> {
    decl: &'r ResourceDecl,
    kind: &'static str,
    base: &'r SmolStr,
    group: &'r Option<std::sync::Arc<str>>,
    /// Children that are not resources of their own.
    children: &'r [&'r Child],
    import_ids: &'r [Option<(String, Span)>],
}

/// Where a variable's value comes from.
enum VarSource<'a> {
    /// `--var`, already parsed.
    Given(SValue),
    /// The environment's value or the default, not yet evaluated.
    Expr(&'a SExpr),
    /// Being evaluated: met again, it is a cycle.
    Binding(Span),
}

struct Expander<'a> {
    /// While a renamed resource's children are made: its label and the
    /// label it had, so that they move with it.
    moved_parent: Option<(SmolStr, SmolStr, Span)>,
    project: &'a Project,
    kinds: &'static Registry,
    diags: &'a mut Diagnostics,
    pass: Pass,
    /// The resource pass met a workload declaration.
    has_workloads: bool,
    vars: BTreeMap<String, SValue>,
    /// Where each variable not yet evaluated takes its value from.
    var_sources: BTreeMap<&'a str, VarSource<'a>>,
    /// Variables without a value here: an error only where one is used,
    /// since a variable may be set only in the environments that need it.
    /// The flag records that the error was reported.
    unset: BTreeMap<String, bool>,
    /// Overrides of the environment in force.
    patches: Vec<&'a ResourceDecl>,
    /// The overrides given at each `use` being expanded, innermost last,
    /// each with whether it matched a declaration.
    use_patches: Vec<Vec<(ResourceDecl, bool)>>,
    /// (kind, label) of every declaration met, to check overrides against;
    /// kept only when some environment overrides something, as a large
    /// written-out project spent a tenth of its expansion filling it.
    declared: Option<BTreeSet<(SmolStr, SmolStr)>>,
    used_vars: BTreeSet<String>,
    out: Expanded,
    used_at: Vec<Span>,
    /// Names of the components being expanded, outermost first: a use of
    /// one of them is a recursion.
    in_use: Vec<&'a str>,
    /// Iterations and component uses expanded so far, against
    /// `MAX_INSTANCES`: components that use others several times multiply,
    /// and an input must not make the compiler work for hours.
    spent: usize,
    /// Estimated bytes made so far, against `MAX_EXPANDED_BYTES`.
    spent_bytes: usize,
    /// `spent` went over the limit (reported once; nothing more expands).
    exhausted: bool,
    /// Where `template` builds text (kept to save an allocation each time).
    scratch: String,
}

impl Expander<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Counts `n` more iterations or uses made at `span`; false, with the
    /// error reported once, when the project expands to too many.
    fn spend(&mut self, n: usize, span: Span) -> bool {
        self.spent = self.spent.saturating_add(n);
        if self.spent <= MAX_INSTANCES as usize {
            return true;
        }
        if !std::mem::replace(&mut self.exhausted, true) {
            self.err(
                Diagnostic::error(
                    Code::BadExpansion,
                    format!("the project expands to more than {MAX_INSTANCES} resources and component uses"),
                )
                .at(span, "the limit is passed here")
                .help("check `count` and `for-each`, and components that use other components several times: each use multiplies what the used one makes"),
            );
        }
        false
    }

    /// Counts the estimated size of `instances` instances of the declaration
    /// at `decl`; false, with the error reported once, past the limit.
    fn spend_size(&mut self, instances: usize, decl: &ResourceDecl) -> bool {
        let each = 256 + 128 * entries(&decl.props, &decl.children);
        self.spent_bytes = self
            .spent_bytes
            .saturating_add(instances.saturating_mul(each));
        if self.spent_bytes <= MAX_EXPANDED_BYTES {
            return true;
        }
        if !std::mem::replace(&mut self.exhausted, true) {
            self.err(
                Diagnostic::error(
                    Code::BadExpansion,
                    format!(
                        "the project expands to more than about {} MiB of resources",
                        MAX_EXPANDED_BYTES >> 20
                    ),
                )
                .at(decl.span, "the limit is passed here")
                .help("check `count` and `for-each`, and components that use other components several times: each use multiplies what the used one makes"),
            );
        }
        false
    }

    fn item(&mut self, item: &Item, scope: &Scope) {
        if self.exhausted {
            return;
        }
        match item {
            Item::Resource(r) => self.resource(r, scope),
            Item::Use(u) => self.use_component(u, scope),
            Item::Output(_) if self.pass == Pass::Workloads => {}
            Item::Output(o) => {
                if !self.condition(
                    &Meta {
                        condition: o.condition.clone(),
                        ..Meta::default()
                    },
                    scope,
                ) {
                    return;
                }
                let Some(name) = self.text(&o.name, o.name_span, scope) else {
                    return;
                };
                let value = self.eval(&o.value, scope);
                let description = o
                    .description
                    .as_ref()
                    .and_then(|(d, span)| self.text(d, *span, scope))
                    .map(|d| d.to_string());
                self.out.outputs.push(OutputInstance {
                    name: name.to_string(),
                    name_span: o.name_span,
                    value,
                    description,
                    span: o.span,
                });
            }
        }
    }

    /// Every override of `env` must name a declaration: workload overrides
    /// in the workload pass (`workloads`), the others in the resource pass.
    fn check_patches(&mut self, env: Option<&EnvironmentDecl>, workloads: bool) {
        let (Some(env), Some(declared)) = (env, &self.declared) else {
            return;
        };
        let mut unknown = Vec::new();
        for p in &env.patches {
            if crate::apps::KINDS.contains(&p.kind.as_str()) != workloads {
                continue;
            }
            let label = p.label.as_literal().unwrap_or_default();
            if declared.contains(&(p.kind.clone(), SmolStr::new(label))) {
                continue;
            }
            let names: Vec<&str> = declared
                .iter()
                .filter(|(k, _)| *k == p.kind)
                .map(|(_, l)| l.as_str())
                .collect();
            unknown.push(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!("environment `{}` overrides {} `{label}`, which is not declared", env.name, p.kind),
                )
                .at(p.label_span, "no such declaration")
                .help(suggest(label, &names, &format!("an override names a declared `{}` by its name (before count or for-each numbers it)", p.kind))),
            );
        }
        for d in unknown {
            self.err(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_int;

    #[test]
    fn integers_are_written_like_to_string() {
        for i in [0, 7, 10, 99, 1234, -1, -450, i64::MAX, i64::MIN] {
            let mut s = String::from("x");
            push_int(&mut s, i);
            assert_eq!(s, format!("x{i}"));
        }
    }
}
