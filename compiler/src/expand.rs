//! Expand stage: evaluates variables and templates, inlines components and
//! unrolls `count`/`for-each`, producing a flat list of resource instances
//! and outputs. References stay as paths: resolving them is the next stage.

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
}

impl Extras {
    /// Boxed when it holds anything.
    fn boxed(self) -> Option<Box<Extras>> {
        let empty = self.import_id.is_none()
            && self.depends_on.is_empty()
            && self.provider.is_none()
            && self.ignore_changes.is_empty()
            && self.used_at.is_empty();
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
        unset: BTreeMap::new(),
        patches: Vec::new(),
        declared: project
            .environments
            .iter()
            .any(|e| !e.patches.is_empty())
            .then(BTreeSet::new),
        used_vars: std::mem::take(used_vars),
        out: Expanded::default(),
        used_at: Vec::new(),
        in_use: Vec::new(),
        spent: 0,
        exhausted: false,
        scratch: String::new(),
    };
    for s in &project.secrets {
        x.out.secrets.insert(
            s.name.clone(),
            SecretVar {
                name: s.name.clone(),
                description: s.description.clone(),
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
    for item in &project.items {
        x.item(item, &scope);
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

/// A declaration with an environment's override applied: each property
/// and child of the override replaces the declaration's own of the same
/// name (children: and the same first value, so `env "A" …` replaces
/// only `env "A"`), in place; new ones are added at the end.
fn apply_patch(r: &ResourceDecl, patch: &ResourceDecl) -> ResourceDecl {
    let mut out = r.clone();
    let mut props: Vec<Field> = Vec::new();
    for f in &r.props {
        props.push(
            patch
                .props
                .iter()
                .find(|p| p.name == f.name)
                .unwrap_or(f)
                .clone(),
        );
    }
    props.extend(
        patch
            .props
            .iter()
            .filter(|p| !r.props.iter().any(|f| f.name == p.name))
            .cloned(),
    );
    let same = |a: &Child, b: &Child| {
        a.name == b.name && a.args.first().map(|x| &x.expr) == b.args.first().map(|x| &x.expr)
    };
    let mut children: Vec<Child> = Vec::new();
    for c in &r.children {
        children.push(
            patch
                .children
                .iter()
                .find(|p| same(p, c))
                .unwrap_or(c)
                .clone(),
        );
    }
    children.extend(
        patch
            .children
            .iter()
            .filter(|p| !r.children.iter().any(|c| same(p, c)))
            .cloned(),
    );
    out.props = props;
    out.children = children;
    out
}

/// Local names: component parameters, `index` and `each`.
#[derive(Clone, Default)]
struct Scope {
    /// Component parameters, shared by every iteration.
    params: std::rc::Rc<BTreeMap<String, SValue>>,
    each: Option<SValue>,
    /// `index` of a `count`, and the span of the `count`.
    index: Option<(i64, Span)>,
}

impl Scope {
    fn get(&self, name: &str) -> Option<Value> {
        match name {
            "index" if self.index.is_some() => self.index.map(|(i, _)| Value::Int(i)),
            "each" if self.each.is_some() => self.each.as_ref().map(|e| e.value.clone()),
            _ => self.params.get(name).map(|v| v.value.clone()),
        }
    }

    fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.params.keys().map(String::as_str).collect();
        if self.index.is_some() {
            names.push("index");
        }
        if self.each.is_some() {
            names.push("each");
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

struct Expander<'a> {
    project: &'a Project,
    kinds: &'static Registry,
    diags: &'a mut Diagnostics,
    pass: Pass,
    /// The resource pass met a workload declaration.
    has_workloads: bool,
    vars: BTreeMap<String, SValue>,
    /// Variables without a value here: an error only where one is used,
    /// since a variable may be set only in the environments that need it.
    /// The flag records that the error was reported.
    unset: BTreeMap<String, bool>,
    /// Overrides of the environment in force.
    patches: Vec<&'a ResourceDecl>,
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

    fn bind_vars(&mut self, inputs: &Inputs) {
        let env = match inputs.environment {
            None => None,
            Some((name, span)) => match self.project.environments.iter().find(|e| e.name == name) {
                Some(e) => Some(e),
                None => {
                    let names: Vec<&str> = self
                        .project
                        .environments
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect();
                    self.err(
                        Diagnostic::error(Code::BadCliVar, format!("no environment `{name}`"))
                            .at(span, "unknown environment")
                            .help(suggest(
                                name,
                                &names,
                                &format!(
                                    "declared environments: {}",
                                    if names.is_empty() {
                                        "none".to_string()
                                    } else {
                                        names.join(", ")
                                    }
                                ),
                            )),
                    );
                    None
                }
            },
        };
        if let Some(env) = env {
            self.patches = env.patches.iter().collect();
        }
        let environments = match self.pass {
            Pass::Resources => self.project.environments.as_slice(),
            Pass::Workloads => &[],
        };
        for e in environments {
            for f in &e.values {
                if !self.project.vars.iter().any(|v| v.name == f.name) {
                    let names: Vec<&str> =
                        self.project.vars.iter().map(|v| v.name.as_str()).collect();
                    self.err(
                        Diagnostic::error(
                            Code::UndefinedVariable,
                            format!(
                                "environment `{}` sets undeclared variable `{}`",
                                e.name, f.name
                            ),
                        )
                        .at(f.name_span, "not declared")
                        .help(suggest(
                            &f.name,
                            &names,
                            "declare it with `var \"NAME\" default=…`",
                        )),
                    );
                }
            }
        }
        let cli_vars = if self.pass == Pass::Resources {
            inputs.vars
        } else {
            &[]
        };
        for cli in cli_vars {
            if self.project.secrets.iter().any(|s| s.name == cli.name) {
                self.err(
                    Diagnostic::error(Code::SecretMisuse, format!("`{}` is a secret and cannot be set with --var", cli.name))
                        .at(cli.span, "secret value on the command line")
                        .help(format!("secrets are Terraform variables: pass it at plan time, e.g. TF_VAR_{}=… terraform plan", cli.name)),
                );
            }
        }
        let scope = Scope::default();
        for v in &self.project.vars {
            let value = if let Some(cli) = inputs.vars.iter().rev().find(|c| c.name == v.name) {
                match parse_cli_value(&cli.value, v.ty) {
                    Ok(value) => Some(SValue {
                        value,
                        span: cli.span,
                    }),
                    Err(why) => {
                        self.err(
                            Diagnostic::error(Code::BadCliVar, format!("--var {}: {why}", v.name))
                                .at(cli.span, format!("expected a {}", v.ty.name()))
                                .help(format!(
                                    "`{}` is declared with type={}",
                                    v.name,
                                    v.ty.name()
                                )),
                        );
                        None
                    }
                }
            } else if let Some(f) =
                env.and_then(|e| e.values.iter().rev().find(|f| f.name == v.name))
            {
                Some(self.eval(&f.value, &scope))
            } else if let Some(d) = &v.default {
                Some(self.eval(d, &scope))
            } else {
                self.unset.insert(v.name.clone(), false);
                None
            };
            if let Some(value) = value {
                let value = self.coerce(value, v.ty, &v.name);
                self.vars.insert(v.name.clone(), value);
            }
        }
    }

    /// Checks a variable's or parameter's value against its declared type;
    /// a `list` accepts a whitespace-separated string.
    fn coerce(&mut self, v: SValue, ty: VarType, name: &str) -> SValue {
        let ok = match (&v.value, ty) {
            (Value::Str(s), VarType::List) => {
                let items = s
                    .split_whitespace()
                    .map(|w| SValue {
                        value: Value::Str(w.into()),
                        span: v.span,
                    })
                    .collect();
                return SValue {
                    value: Value::List(items),
                    span: v.span,
                };
            }
            (Value::List(_), VarType::List) => true,
            (
                Value::Str(_) | Value::Template(_) | Value::Ref(_) | Value::Secret(_),
                VarType::String,
            ) => true,
            (Value::Int(_) | Value::Float(_) | Value::Ref(_), VarType::Number) => true,
            (Value::Bool(_) | Value::Ref(_), VarType::Bool) => true,
            (Value::Null, _) => true,
            _ => false,
        };
        if !ok {
            self.err(
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "`{name}` must be a {}, not a {}",
                        ty.name(),
                        v.value.type_name()
                    ),
                )
                .at(v.span, format!("a {}", v.value.type_name()))
                .help(format!("`{name}` is declared with type={}", ty.name())),
            );
        }
        v
    }

    fn var(&mut self, name: &str, span: Span) -> SValue {
        self.used_vars.insert(name.to_string());
        if let Some(v) = self.vars.get(name) {
            return SValue {
                value: v.value.clone(),
                span,
            };
        }
        if let Some(reported) = self.unset.get_mut(name) {
            if !std::mem::replace(reported, true) {
                let decl = self.project.vars.iter().find(|v| v.name == name);
                let mut d = Diagnostic::error(
                    Code::MissingRequired,
                    format!("variable `{name}` has no value"),
                )
                .at(span, "used here")
                .help(format!(
                    "give it a default, set it in every environment that uses it, or pass --var {name}=VALUE"
                ));
                if let Some(decl) = decl {
                    d = d.also(decl.name_span, "declared here without a default");
                }
                self.err(d);
            }
        } else if !self.project.vars.iter().any(|v| v.name == name) {
            let names: Vec<&str> = self.project.vars.iter().map(|v| v.name.as_str()).collect();
            self.err(
                Diagnostic::error(
                    Code::UndefinedVariable,
                    format!("undefined variable `{name}`"),
                )
                .at(span, "not declared")
                .help(suggest(
                    name,
                    &names,
                    "declare it with `var \"NAME\" default=…`",
                )),
            );
        }
        SValue {
            value: Value::Null,
            span,
        }
    }

    fn secret(&mut self, name: &str, span: Span) -> SValue {
        if self.vars.contains_key(name) || self.project.vars.iter().any(|v| v.name == name) {
            self.err(
                Diagnostic::error(Code::SecretMisuse, format!("`{name}` is a plain variable, not a secret"))
                    .at(span, "used as a secret")
                    .help(format!("declare it with `secret \"{name}\"` instead of `var`, so that its value never reaches the output")),
            );
        }
        self.out
            .secrets
            .entry(name.to_string())
            .or_insert_with(|| SecretVar {
                name: name.to_string(),
                description: None,
                span,
            });
        SValue {
            value: Value::Secret(name.to_string()),
            span,
        }
    }

    fn local(&mut self, name: &str, span: Span, scope: &Scope) -> SValue {
        if let Some(value) = scope.get(name) {
            return SValue { value, span };
        }
        let names = scope.names();
        self.err(
            Diagnostic::error(Code::UndefinedVariable, format!("`{name}` is not defined here"))
                .at(span, "unknown name")
                .help(suggest(name, &names, "inside `${…}` use `var.NAME` for variables, `index`/`each` in a count or for-each, or a component parameter")),
        );
        SValue {
            value: Value::Null,
            span,
        }
    }

    fn eval(&mut self, e: &SExpr, scope: &Scope) -> SValue {
        let span = e.span;
        let value = match &e.expr {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Var(name) => return self.var(name, span),
            Expr::Secret(name) => return self.secret(name, span),
            Expr::List(items) => Value::List(items.iter().map(|i| self.eval(i, scope)).collect()),
            Expr::Ref(t) => match self.text(t, span, scope) {
                Some(path) => Value::Ref(path),
                None => Value::Null,
            },
            Expr::Str(t) => return self.template(t, span, scope),
        };
        SValue { value, span }
    }

    /// A template evaluated to plain text (labels, reference paths).
    fn text(&mut self, t: &Template, span: Span, scope: &Scope) -> Option<SmolStr> {
        if let Some(s) = t.as_literal() {
            return Some(s.into());
        }
        match self.template(t, span, scope).value {
            Value::Str(s) => Some(s),
            Value::Int(i) => Some(i.to_string().into()),
            Value::Null => None,
            other => {
                self.err(
                    Diagnostic::error(
                        Code::BadInterpolation,
                        format!("a {} cannot be part of a name", other.type_name()),
                    )
                    .at(span, "must be plain text")
                    .help(
                        "names and reference paths may interpolate variables and parameters only",
                    ),
                );
                None
            }
        }
    }

    fn template(&mut self, t: &Template, span: Span, scope: &Scope) -> SValue {
        // A template that is one interpolation keeps the value's own type.
        if let [single] = t.parts() {
            match single {
                Part::Lit(s) => {
                    return SValue {
                        value: Value::Str(s.clone()),
                        span,
                    }
                }
                Part::Var(n) => return self.var(n, span),
                Part::Local(n) => return self.local(n, span, scope),
                Part::Secret(n) => return self.secret(n, span),
                Part::Ref(p) => {
                    return SValue {
                        value: Value::Ref(p.as_str().into()),
                        span,
                    }
                }
            }
        }
        // Literal text accumulates in `lit` and becomes a part only when a
        // reference or secret interrupts it: most templates end as one
        // string, built in one allocation.
        let literal_len: usize = t
            .parts()
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.len(),
                _ => 8,
            })
            .sum();
        // Built in a buffer kept from template to template: the result is
        // usually short enough to be stored inline.
        let mut lit = std::mem::take(&mut self.scratch);
        lit.clear();
        lit.reserve(literal_len);
        let mut parts: Vec<TPart> = Vec::new();
        let end_lit = |lit: &mut String, parts: &mut Vec<TPart>| {
            if !lit.is_empty() {
                parts.push(TPart::Lit(std::mem::take(lit)));
            }
        };
        for p in t.parts() {
            let v = match p {
                Part::Lit(s) => {
                    lit.push_str(s);
                    continue;
                }
                Part::Ref(path) => {
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Ref(path.clone()));
                    continue;
                }
                Part::Secret(n) => {
                    self.secret(n, span);
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Secret(n.clone()));
                    continue;
                }
                Part::Var(n) => self.var(n, span),
                Part::Local(n) => self.local(n, span, scope),
            };
            if v.value.push_text(&mut lit) {
                continue;
            }
            match v.value {
                Value::Null => {}
                Value::Secret(n) => {
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Secret(n));
                }
                Value::Ref(r) => {
                    end_lit(&mut lit, &mut parts);
                    parts.push(TPart::Ref(r.to_string()));
                }
                Value::Template(inner) => {
                    for ip in inner {
                        match ip {
                            TPart::Lit(s) => lit.push_str(&s),
                            other => {
                                end_lit(&mut lit, &mut parts);
                                parts.push(other);
                            }
                        }
                    }
                }
                other => {
                    let ty = other.type_name();
                    self.err(
                        Diagnostic::error(Code::BadInterpolation, format!("a {ty} cannot be interpolated into a string"))
                            .at(span, format!("interpolates a {ty}"))
                            .help("only strings, numbers and booleans can be part of a string; pass a list as the whole value"),
                    );
                }
            }
        }
        let value = if parts.is_empty() {
            Value::Str(SmolStr::new(&lit))
        } else {
            end_lit(&mut lit, &mut parts);
            Value::Template(parts)
        };
        self.scratch = lit;
        SValue { value, span }
    }

    fn fields(&mut self, fields: &[Field], scope: &Scope) -> Vec<IField> {
        fields
            .iter()
            .map(|f| IField {
                name: f.name.clone(),
                name_span: f.name_span,
                value: self.eval(&f.value, scope),
            })
            .collect()
    }

    fn children<'c>(
        &mut self,
        children: impl IntoIterator<Item = &'c Child>,
        scope: &Scope,
    ) -> Vec<IChild> {
        children
            .into_iter()
            .map(|c| IChild {
                name: c.name.clone(),
                name_span: c.name_span,
                args: c.args.iter().map(|a| self.eval(a, scope)).collect(),
                props: self.fields(&c.props, scope),
                children: self.children(&c.children, scope),
                has_block: c.has_block,
                span: c.span,
            })
            .collect()
    }

    fn condition(&mut self, meta: &Meta, scope: &Scope) -> bool {
        let Some(c) = &meta.condition else {
            return true;
        };
        match self.eval(c, scope).value {
            Value::Bool(b) => b,
            Value::Null => false,
            other => {
                self.err(
                    Diagnostic::error(Code::WrongType, format!("`if` needs a bool, not a {}", other.type_name()))
                        .at(c.span, "not a bool")
                        .help("write `if=#true`, `if=(var)\"enabled\"` or `if=\"${PARAM}\"` with a bool parameter"),
                );
                false
            }
        }
    }

    /// The iterations of `count` and `for-each`: (label suffix, locals).
    fn iterations(&mut self, meta: &Meta, scope: &Scope) -> Option<Vec<(String, Scope)>> {
        if meta.count.is_none() && meta.for_each.is_none() {
            return None;
        }
        let keys: Vec<Option<SValue>> = match &meta.for_each {
            None => vec![None],
            Some(e) => {
                let v = self.eval(e, scope);
                let items = match v.value {
                    Value::List(items) => items,
                    Value::Str(s) => s
                        .split_whitespace()
                        .map(|w| SValue {
                            value: Value::Str(w.into()),
                            span: v.span,
                        })
                        .collect(),
                    other => {
                        self.err(
                            Diagnostic::error(Code::BadExpansion, format!("`for-each` needs a list, not a {}", other.type_name()))
                                .at(e.span, "not a list")
                                .help("write `for-each=\"ams3 nyc3\"` or a child `for-each \"ams3\" \"nyc3\"`"),
                        );
                        return Some(Vec::new());
                    }
                };
                let mut seen = BTreeSet::new();
                let mut keys = Vec::new();
                for item in items {
                    match item.value.as_text() {
                        Some(text) if seen.insert(text.clone()) => keys.push(Some(item)),
                        Some(text) => self.err(
                            Diagnostic::error(
                                Code::BadExpansion,
                                format!("`for-each` lists `{text}` twice"),
                            )
                            .at(item.span, "repeated key")
                            .help("each key names one instance; remove the repeat"),
                        ),
                        None => self.err(
                            Diagnostic::error(
                                Code::BadExpansion,
                                format!(
                                    "`for-each` keys must be strings or numbers, not a {}",
                                    item.value.type_name()
                                ),
                            )
                            .at(item.span, "not a key")
                            .help("keys become part of resource names"),
                        ),
                    }
                }
                keys
            }
        };
        let count: Option<i64> = match &meta.count {
            None => None,
            Some(e) => {
                match self.eval(e, scope).value {
                    Value::Int(n) if (0..=MAX_INSTANCES).contains(&n) => Some(n),
                    Value::Str(s)
                        if s.parse::<i64>()
                            .is_ok_and(|n| (0..=MAX_INSTANCES).contains(&n)) =>
                    {
                        s.parse().ok()
                    }
                    // The value's own error (an unset variable) was reported.
                    Value::Null => return Some(Vec::new()),
                    other => {
                        self.err(
                        Diagnostic::error(Code::BadExpansion, format!("`count` must be a whole number from 0 to {MAX_INSTANCES}, not {}", match &other {
                            Value::Int(n) => n.to_string(),
                            o => format!("a {}", o.type_name()),
                        }))
                        .at(e.span, "bad count")
                        .help("write `count=3`, or `count=(var)\"replicas\"` with a number variable"),
                    );
                        return Some(Vec::new());
                    }
                }
            }
        };
        let total = keys.len().saturating_mul(count.map_or(1, |n| n as usize));
        let span = meta
            .count
            .as_ref()
            .or(meta.for_each.as_ref())
            .map(|e| e.span);
        if !self.spend(total, span.unwrap_or_default()) {
            return Some(Vec::new());
        }
        let mut out = Vec::with_capacity(total);
        for key in keys {
            let mut base = scope.clone();
            let mut suffix = String::new();
            if let Some(k) = key {
                suffix = format!("-{}", k.value.as_text().unwrap_or_default());
                base.each = Some(k);
            }
            match count {
                None => out.push((suffix, base)),
                Some(n) => {
                    let span = meta.count.as_ref().map(|c| c.span).unwrap_or_default();
                    for i in 1..=n {
                        let mut s = base.clone();
                        s.index = Some((i, span));
                        let mut numbered = String::with_capacity(suffix.len() + 8);
                        numbered.push_str(&suffix);
                        numbered.push('-');
                        push_int(&mut numbered, i);
                        out.push((numbered, s));
                    }
                }
            }
        }
        Some(out)
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
                self.out.outputs.push(OutputInstance {
                    name: name.to_string(),
                    name_span: o.name_span,
                    value,
                    description: o.description.clone(),
                    span: o.span,
                });
            }
        }
    }

    fn resource(&mut self, r: &ResourceDecl, scope: &Scope) {
        let workload = crate::apps::KINDS.contains(&r.kind.as_str());
        if workload && self.pass == Pass::Resources {
            self.has_workloads = true;
            return;
        }
        if !workload && self.pass == Pass::Workloads {
            return;
        }
        let Some(base) = self.text(&r.label, r.label_span, scope) else {
            return;
        };
        if let Some(declared) = &mut self.declared {
            declared.insert((r.kind.clone(), base.clone()));
        }
        if !self.condition(r.meta(), scope) {
            return;
        }
        let patched;
        let r = match self
            .patches
            .iter()
            .find(|p| p.kind == r.kind && p.label.as_literal() == Some(base.as_str()))
        {
            Some(patch) => {
                patched = apply_patch(r, patch);
                &patched
            }
            None => r,
        };
        let iterations = self.iterations(r.meta(), scope);
        // Past the limit, nothing more is made or checked (import ids
        // would not match the instances that were never made).
        if self.exhausted || (iterations.is_none() && !self.spend(1, r.span)) {
            return;
        }
        let grouped = iterations.is_some();
        let group: Option<std::sync::Arc<str>> = grouped.then(|| base.as_str().into());
        let iterations = iterations.unwrap_or_else(|| vec![(String::new(), scope.clone())]);
        let import_ids = self.import_ids(r.meta(), scope, iterations.len(), grouped);
        let kinds: &'static Registry = self.kinds;
        // Children that are resources of their own (a `db` in a cluster);
        // a site is not a provider resource and has none.
        let kind = kinds.get(&r.kind);
        let (subs, children): (Vec<&Child>, Vec<&Child>) = r
            .children
            .iter()
            .partition(|c| kind.is_some_and(|k| k.children.contains_key(c.name.as_str())));
        // With room for a few more: a lone resource declared after a large
        // `count` would otherwise double the list, copying all of it.
        self.out.instances.reserve(iterations.len() + 256);
        let each = Iteration {
            decl: r,
            kind: kind.map_or_else(|| crate::model::stage_kind(&r.kind), |k| k.kind.as_str()),
            base: &base,
            group: &group,
            children: &children,
            import_ids: &import_ids,
        };
        for (i, (suffix, local)) in iterations.iter().enumerate() {
            let instance = self.instance(&each, i, suffix, local);
            let sub_parent =
                (!subs.is_empty()).then(|| (instance.label.clone(), instance.provider().cloned()));
            self.out.instances.push(instance);
            if let Some((parent, provider)) = sub_parent {
                for sub in &subs {
                    self.sub_resource(&r.kind, &parent, provider.clone(), sub, local);
                }
            }
        }
    }

    /// The instance of iteration `i` of a declaration.
    fn instance(&mut self, each: &Iteration, i: usize, suffix: &str, local: &Scope) -> Instance {
        let r = each.decl;
        // Built inline when short, as almost every label is.
        let label: SmolStr = [each.base.as_str(), suffix].into_iter().collect();
        let props = self.fields(&r.props, local);
        let children = self.children(each.children.iter().copied(), local);
        let depends_on = r
            .meta()
            .depends_on
            .iter()
            .filter_map(|d| match self.eval(d, local).value {
                Value::Ref(p) => Some((p.to_string(), d.span)),
                _ => None,
            })
            .collect();
        let provider = r.meta().provider.as_ref().and_then(|p| {
            let v = self.eval(p, local);
            v.value.as_text().map(|t| (t, v.span))
        });
        let ignore_changes = r
            .meta()
            .ignore_changes
            .iter()
            .flat_map(|e| {
                let v = self.eval(e, local);
                let span = v.span;
                let items = match v.value {
                    Value::List(items) => items,
                    other => vec![SValue { value: other, span }],
                };
                items
                    .into_iter()
                    .filter_map(|i| i.value.as_text().map(|t| (t, i.span)))
                    .collect::<Vec<_>>()
            })
            .filter(|(t, _)| !t.is_empty())
            .collect();
        let extras = Extras {
            import_id: each.import_ids.get(i).cloned().flatten(),
            depends_on,
            provider,
            ignore_changes,
            used_at: self.used_at.clone(),
        };
        Instance {
            kind_span: r.kind_span,
            label_span: r.label_span,
            group: each.group.clone(),
            props,
            children,
            ..Instance::new(each.kind, label, r.span, extras)
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

    /// `db "app"` inside `database-cluster "main"` becomes the resource
    /// `database-db "main-app"` with `name="app"` and a reference to its parent.
    fn sub_resource(
        &mut self,
        parent_kind: &str,
        parent: &str,
        provider: Option<(String, Span)>,
        c: &Child,
        scope: &Scope,
    ) {
        let spec = &self.kinds.get(parent_kind).expect("checked").children[c.name.as_str()];
        let kind = self.kinds.get(&spec.kind).expect("checked by a test");
        if !spec.named {
            // One per parent (an S3 bucket's versioning): named after it.
            if let Some(a) = c.args.first() {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`{}` takes properties and children, not a name", c.name),
                    )
                    .at(a.span, "unexpected value")
                    .help(format!(
                        "write `{} key=value …` or `{} {{ … }}`",
                        c.name, c.name
                    )),
                );
                return;
            }
            let props = self.fields(&c.props, scope);
            self.push_child(
                kind,
                parent_kind,
                parent,
                parent.to_string(),
                c.name_span,
                provider,
                props,
                c,
                scope,
            );
            return;
        }
        let Some(first) = c.args.first() else {
            self.err(
                Diagnostic::error(Code::MissingRequired, format!("`{}` needs a name", c.name))
                    .at(c.name_span, "name missing")
                    .help(format!("write `{} \"NAME\" …`", c.name)),
            );
            return;
        };
        let name = self.eval(first, scope);
        let Some(name_text) = name.value.as_text() else {
            self.err(
                Diagnostic::error(
                    Code::WrongType,
                    format!("the name of a `{}` must be a string", c.name),
                )
                .at(first.span, "not a name")
                .help(format!("write `{} \"NAME\" …`", c.name)),
            );
            return;
        };
        let mut props = self.fields(&c.props, scope);
        if let Some(attr) = spec.arg.as_ref().or(kind.name_attribute.as_ref()) {
            if !props.iter().any(|p| kind.tf_name(&p.name) == *attr) {
                props.push(IField {
                    name: SmolStr::new(attr),
                    name_span: first.span,
                    value: name.clone(),
                });
            }
        }
        let label = format!("{parent}-{name_text}");
        self.push_child(
            kind,
            parent_kind,
            parent,
            label,
            first.span,
            provider,
            props,
            c,
            scope,
        );
    }

    /// Adds a child resource with a reference to its parent.
    #[allow(clippy::too_many_arguments)]
    fn push_child(
        &mut self,
        kind: &'static crate::kinds::Kind,
        parent_kind: &str,
        parent: &str,
        label: String,
        label_span: Span,
        provider: Option<(String, Span)>,
        mut props: Vec<IField>,
        c: &Child,
        scope: &Scope,
    ) {
        let spec = &self.kinds.get(parent_kind).expect("checked").children[c.name.as_str()];
        props.push(IField {
            name: SmolStr::new(&spec.parent),
            name_span: c.name_span,
            value: SValue {
                value: Value::Ref(format!("{parent_kind}.{parent}").into()),
                span: c.name_span,
            },
        });
        let children = self.children(&c.children, scope);
        let extras = Extras {
            provider,
            used_at: self.used_at.clone(),
            ..Extras::default()
        };
        self.out.instances.push(Instance {
            kind_span: c.name_span,
            label_span,
            props,
            children,
            ..Instance::new(kind.kind.as_str(), label.into(), c.span, extras)
        });
    }

    fn import_ids(
        &mut self,
        meta: &Meta,
        scope: &Scope,
        n: usize,
        grouped: bool,
    ) -> Vec<Option<(String, Span)>> {
        let as_id = |v: &SValue| v.value.as_text().map(|t| (t, v.span));
        if let Some(e) = &meta.import_id {
            let v = self.eval(e, scope);
            if grouped {
                self.err(
                    Diagnostic::error(Code::BadExpansion, "`import-id` names one resource, but this declares a group")
                        .at(e.span, "one id for many resources")
                        .help("list one id per instance, in order: a child `import-ids \"id1\" \"id2\" …`"),
                );
                return Vec::new();
            }
            return vec![as_id(&v)];
        }
        let Some(e) = &meta.import_ids else {
            return Vec::new();
        };
        let v = self.eval(e, scope);
        let Value::List(items) = v.value else {
            return Vec::new();
        };
        if items.len() != n {
            self.err(
                Diagnostic::error(
                    Code::BadExpansion,
                    format!("{} import ids for {n} instances", items.len()),
                )
                .at(e.span, "count differs")
                .help("give exactly one id per instance, in the order the instances are numbered"),
            );
            return Vec::new();
        }
        items.iter().map(as_id).collect()
    }

    fn use_component(&mut self, u: &UseDecl, scope: &Scope) {
        if !self.condition(&u.meta, scope) {
            return;
        }
        let Some(component) = self
            .project
            .components
            .iter()
            .find(|c| c.name == u.component)
        else {
            let names: Vec<&str> = self
                .project
                .components
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            self.err(
                Diagnostic::error(
                    Code::ComponentMisuse,
                    format!("no component `{}`", u.component),
                )
                .at(u.component_span, "unknown component")
                .help(suggest(
                    &u.component,
                    &names,
                    &format!("components: {}", names.join(", ")),
                )),
            );
            return;
        };
        if let Some(at) = self.in_use.iter().position(|c| *c == component.name) {
            let chain: Vec<&str> = self.in_use[at..]
                .iter()
                .copied()
                .chain([component.name.as_str()])
                .collect();
            self.err(
                Diagnostic::error(Code::ComponentMisuse, format!("component `{}` uses itself", u.component))
                    .at(u.span, "recursive use")
                    .help(format!("a component may use other components, but not itself, directly or through others ({})", chain.join(" → "))),
            );
            return;
        }
        if self.used_at.len() >= MAX_COMPONENT_DEPTH {
            self.err(
                Diagnostic::error(Code::ComponentMisuse, format!("components are nested more than {MAX_COMPONENT_DEPTH} deep"))
                    .at(u.span, "one level too deep")
                    .help("flatten the components: use some of them side by side rather than each inside the last"),
            );
            return;
        }
        for a in &u.args {
            if !component.params.iter().any(|p| p.name == a.name) {
                let names: Vec<&str> = component.params.iter().map(|p| p.name.as_str()).collect();
                self.err(
                    Diagnostic::error(
                        Code::ComponentMisuse,
                        format!(
                            "component `{}` has no parameter `{}`",
                            component.name, a.name
                        ),
                    )
                    .at(a.name_span, "unknown parameter")
                    .help(suggest(
                        &a.name,
                        &names,
                        &format!("its parameters: {}", names.join(", ")),
                    ))
                    .also(component.name_span, "component defined here"),
                );
            }
        }
        let iterations = match self.iterations(&u.meta, scope) {
            Some(iterations) => iterations,
            None if self.spend(1, u.span) => vec![(String::new(), scope.clone())],
            None => return,
        };
        for (_, local) in iterations {
            let mut params = BTreeMap::new();
            let mut complete = true;
            for p in &component.params {
                let value = match u.args.iter().rev().find(|a| a.name == p.name) {
                    Some(a) => self.eval(&a.value, &local),
                    None => match &p.default {
                        Some(d) => self.eval(d, &Scope::default()),
                        None => {
                            complete = false;
                            self.err(
                                Diagnostic::error(
                                    Code::ComponentMisuse,
                                    format!(
                                        "missing parameter `{}` of component `{}`",
                                        p.name, component.name
                                    ),
                                )
                                .at(u.component_span, format!("`{}` is required", p.name))
                                .help(format!(
                                    "add `{}=…`{}",
                                    p.name,
                                    p.description
                                        .as_ref()
                                        .map(|d| format!(": {d}"))
                                        .unwrap_or_default()
                                ))
                                .also(p.name_span, "parameter declared here"),
                            );
                            continue;
                        }
                    },
                };
                let value = self.coerce(value, p.ty, &p.name);
                params.insert(p.name.clone(), value);
            }
            if !complete {
                continue;
            }
            let inner = Scope {
                params: std::rc::Rc::new(params),
                each: None,
                index: None,
            };
            self.used_at.push(u.span);
            self.in_use.push(&component.name);
            for item in &component.items {
                self.item(item, &inner);
            }
            self.in_use.pop();
            self.used_at.pop();
        }
    }
}

fn parse_cli_value(text: &str, ty: VarType) -> Result<Value, String> {
    match ty {
        VarType::String => Ok(Value::Str(text.into())),
        VarType::Number => text
            .parse::<i64>()
            .map(Value::Int)
            .or_else(|_| text.parse::<f64>().map(Value::Float))
            .map_err(|_| format!("`{text}` is not a number")),
        VarType::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        VarType::List => Ok(Value::Str(text.replace(',', " ").into())),
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
