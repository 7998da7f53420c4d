//! Check stage: resource instances → plan resources. Maps language names to
//! Terraform names and checks every attribute against the provider's real
//! schema (unknown, read-only, missing, wrong type, bad enum value), and
//! resolves references through `resolve::Names`. Whatever passes here can
//! be written by the backends without further checks.

use crate::diag::{a, suggest, Code, Diagnostic, Diagnostics};
use crate::expand::{Expanded, IChild, IField, Instance, SValue, TPart, Value};
use crate::kinds::{Kind, RefSpec, Registry};
use crate::plan::*;
use crate::resolve::{Names, Resolved, Target};
use crate::schema::{self, Block, TfType};
use crate::source::Span;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use std::borrow::{Borrow, Cow};

mod backend;
mod body;
mod fqdn;
mod ownership;
mod providers;
mod refs;
mod value;

pub fn check(
    exp: &Expanded,
    mut names: Names,
    kinds: &'static Registry,
    diags: &mut Diagnostics,
) -> Plan {
    let aliases: Vec<(String, String)> = exp
        .providers
        .iter()
        .filter_map(|(decl, props, _)| {
            let alias = props.iter().find(|p| p.name == "as")?;
            Some((decl.name.clone(), alias.value.value.as_text()?))
        })
        .collect();
    let aliases = &aliases;
    let mut plan = Plan::default();
    // Multi-value records can turn one instance into several resources;
    // references name instances, so they are renumbered at the end.
    let mut first_of_instance = Vec::with_capacity(exp.instances.len());
    // Instances are checked independently; large projects use every core.
    // Each thread keeps the lookups it made from run to run.
    let check_run = |(fields, domains): &mut (FxHashMap<_, _>, FxHashMap<_, _>),
                     run: std::ops::Range<usize>| {
        let mut local = Diagnostics::default();
        let mut c = Checker {
            names: &names,
            kinds,
            diags: &mut local,
            domains: std::mem::take(domains),
            aliases,
            fields: std::mem::take(fields),
            secrets: &exp.secrets,
            configuring: None,
        };
        let mut firsts = Vec::with_capacity(run.len());
        let mut resources = Vec::with_capacity(run.len());
        for i in run {
            firsts.push(resources.len());
            let before = c.diags.items.len();
            c.instance(i, &exp.instances[i], &exp.instances, &mut resources);
            c.diags.from_uses(before, exp.instances[i].used_at());
        }
        (*fields, *domains) = (c.fields, c.domains);
        (firsts, resources, local)
    };
    let len = exp.instances.len();
    let run = if len < PARALLEL_FROM { len.max(1) } else { RUN };
    let results = crate::parallel::in_runs(len, run, Default::default, check_run);
    // One allocation for all the resources (the threads' lists are copied
    // in, not grown into).
    plan.resources
        .reserve_exact(results.iter().map(|(_, r, _)| r.len()).sum());
    for (firsts, resources, local) in results {
        let base = plan.resources.len();
        first_of_instance.extend(firsts.into_iter().map(|f| f + base));
        plan.resources.extend(resources);
        diags.items.extend(local.items);
    }
    // A resource made from one instance takes its identifier from the name
    // table (moved, not copied: the table is not needed after this).
    let mut idents = std::mem::take(&mut names.idents);
    for (i, ident) in idents.iter_mut().enumerate() {
        let first = first_of_instance[i];
        let end = first_of_instance
            .get(i + 1)
            .copied()
            .unwrap_or(plan.resources.len());
        if end == first + 1 && plan.resources[first].ident.is_empty() {
            plan.resources[first].ident = std::mem::take(ident);
        }
    }
    drop(idents);
    let names = &names;
    let mut c = Checker {
        names,
        kinds,
        diags,
        domains: Default::default(),
        aliases,
        fields: Default::default(),
        secrets: &exp.secrets,
        configuring: None,
    };
    let remap = |v: &mut PValue| remap_value(v, &first_of_instance);
    // When every instance made one resource, the numbers are the same.
    let renumbered = plan.resources.len() != first_of_instance.len()
        || first_of_instance.iter().enumerate().any(|(i, f)| *f != i);
    if renumbered {
        for r in &mut plan.resources {
            remap_body(&mut r.body, &remap);
            for d in r.extras.iter_mut().flat_map(|e| &mut e.depends_on) {
                d.0 = first_of_instance[d.0];
            }
        }
    }
    for o in &exp.outputs {
        if let Some(mut value) = c.value(&o.value, &TfType::Dynamic, &Ctx::plain(&o.name)) {
            remap(&mut value);
            let sensitive = c.is_sensitive(&o.value);
            plan.outputs.push(Output {
                name: o.name.clone(),
                value,
                description: o.description.clone(),
                sensitive,
            });
        }
    }
    ownership::check(&plan, c.diags);
    kind_outputs(&mut plan, kinds, &exp.outputs, c.diags);
    plan.secrets = exp
        .secrets
        .values()
        .map(|s| SecretVar {
            name: s.name.clone(),
            description: s.description.clone(),
            sensitive: s.sensitive,
        })
        .collect();
    plan.providers = c.providers(exp, &plan);
    plan.backend = c.backend(exp.backend.as_ref());
    plan.shared_backend = c.backend(exp.shared_backend.as_ref());
    plan.instance_resources = first_of_instance;
    plan
}

/// `inbound_rule.protocol`: the path kinds use for nested attributes.
fn attr_path<'k>(prefix: &str, key: &'k str) -> Cow<'k, str> {
    if prefix.is_empty() {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(format!("{prefix}{key}"))
    }
}

fn remap_value(v: &mut PValue, map: &[usize]) {
    match v {
        PValue::Ref { target, .. } => *target = map[*target],
        PValue::List(items) => items.iter_mut().for_each(|i| remap_value(i, map)),
        PValue::Map(items) => items.iter_mut().for_each(|(_, i)| remap_value(i, map)),
        PValue::Template(parts) => {
            for p in parts {
                if let PPart::Ref { target, .. } = p {
                    *target = map[*target];
                }
            }
        }
        _ => {}
    }
}

fn remap_body(b: &mut Body, f: &impl Fn(&mut PValue)) {
    for a in &mut b.attrs {
        f(&mut a.value);
    }
    for nb in &mut b.blocks {
        remap_body(&mut nb.body, f);
    }
}

/// Each kind's declared outputs, gathered into one map per export:
/// `droplet_ipv4 = { web = digitalocean_droplet.web.ipv4_address, … }`.
fn kind_outputs(
    plan: &mut Plan,
    kinds: &Registry,
    declared: &[crate::expand::OutputInstance],
    diags: &mut Diagnostics,
) {
    for kind in kinds.kinds.values() {
        for export in &kind.outputs {
            let (attr, schema_attr) = kind.export(export).expect("checked by a test");
            let items: Vec<(String, PValue)> = plan
                .resources
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kind.kind == kind.kind && !r.is_external())
                .map(|(i, r)| (r.label.to_string(), PValue::Ref { target: i, attr }))
                .collect();
            if items.is_empty() {
                continue;
            }
            let name = format!("{}_{}", kind.kind, export).replace('-', "_");
            if let Some(o) = declared.iter().find(|o| o.name == name) {
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!("output `{name}` is also the output infrac writes for every {}'s {export}", kind.kind),
                    )
                    .at(o.name_span, "named like a generated output")
                    .help(format!("give it another name; `{name}` already holds the {export} of every {}, by name", kind.kind)),
                );
                continue;
            }
            plan.outputs.push(Output {
                name,
                value: PValue::Map(items),
                description: Some(format!("The {export} of every {}, by name.", kind.kind)),
                sensitive: schema_attr.sensitive,
            });
        }
    }
}

/// Attributes anyone can read, whatever the kind: names, tags, labels.
const PUBLIC_ATTRIBUTES: &[&str] = &[
    "name",
    "tags",
    "tags_all",
    "labels",
    "description",
    "comment",
    "hostname",
];

/// Whether the attribute at `path` is public: one of those, or the data of
/// a DNS record (its value, content or records).
fn is_public(kind: &Kind, path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    PUBLIC_ATTRIBUTES.contains(&last)
        || (kind.fqdn.is_some()
            && (kind.multi_value.as_deref() == Some(last)
                || matches!(last, "records" | "value" | "content" | "data")))
}

/// Below this many instances, one thread checks them all.
const PARALLEL_FROM: usize = 4096;

/// Instances a thread takes at a time.
const RUN: usize = 512;

/// What is known about the attribute a value is checked for.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    name: &'a str,
    refs: Option<&'static RefSpec>,
    enum_values: Option<&'a [String]>,
    format: Option<crate::formats::Format>,
    /// Anyone can read it (a name, a tag, DNS data): no secret goes here.
    public: bool,
    /// A map that is an app's environment: names that read like secrets
    /// take secrets, not literals.
    environment: bool,
    sensitive: bool,
}

impl<'a> Ctx<'a> {
    fn plain(name: &'a str) -> Ctx<'a> {
        Ctx {
            name,
            refs: None,
            enum_values: None,
            format: None,
            public: false,
            environment: false,
            sensitive: false,
        }
    }
}

struct Checker<'a> {
    names: &'a Names<'a>,
    kinds: &'static Registry,
    diags: &'a mut Diagnostics,
    /// Declared zones by DNS name, for `fqdn=`, per zone kind (a project
    /// may have DigitalOcean domains and Route 53 zones); built on first use.
    domains: FxHashMap<&'static str, Vec<(String, usize)>>,
    /// (provider, alias) of every aliased provider configuration.
    aliases: &'a [(String, String)],
    /// Attributes already looked up, by (kind, block) and name as written:
    /// members of a group repeat the same names thousands of times.
    fields: FxHashMap<(usize, usize), FxHashMap<String, Option<KnownField>>>,
    /// The Terraform variables: secrets, and inputs (not sensitive).
    secrets: &'a std::collections::BTreeMap<String, crate::expand::SecretVar>,
    /// What a body without a kind configures, for messages: a provider,
    /// unless this says otherwise ("the s3 backend").
    configuring: Option<String>,
}

/// A settable, current attribute of a block, with what checking its value
/// needs.
#[derive(Clone, Copy)]
struct KnownField {
    key: &'static str,
    attr: &'static schema::Attribute,
    /// Its context, the name as written aside.
    ctx: Ctx<'static>,
}

impl Checker<'_> {
    /// Whether a Terraform variable is a secret (an input is not).
    fn is_secret(&self, name: &str) -> bool {
        self.secrets.get(name).is_none_or(|s| s.sensitive)
    }

    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Adds a label at each component use that produced the resource.
    fn with_origin(&self, mut d: Diagnostic, origin: &[Span]) -> Diagnostic {
        for u in origin {
            d = d.also(*u, crate::diag::FROM_USE);
        }
        d
    }

    fn instance(
        &mut self,
        index: usize,
        inst: &Instance,
        all: &[Instance],
        out: &mut Vec<Resource>,
    ) {
        let kind: &'static Kind = self
            .kinds
            .get(inst.kind)
            .expect("lowering checked the kind");
        if inst.is_external() {
            // Its body is hand-written Terraform: nothing to check or write.
            out.push(Resource {
                kind,
                label: inst.label.clone(),
                ident: String::new(),
                span: inst.label_span,
                body: Body::default(),
                extras: ResourceExtras {
                    external: true,
                    ..ResourceExtras::default()
                }
                .boxed(),
            });
            return;
        }
        let schema = kind.schema();
        // Borrowed unless the check adds or rewrites a field.
        // Room for what the check may add: fqdn's two fields, the name,
        // the defaults and a multi-value field.
        let mut props: Vec<Cow<IField>> =
            Vec::with_capacity(inst.props.len() + kind.defaults.len() + 4);
        props.extend(inst.props.iter().map(Cow::Borrowed));
        if let Some(spec) = &kind.fqdn {
            self.fqdn(kind, spec, &mut props, all, inst);
        }
        if let Some(attr) = &kind.name_attribute {
            if !props.iter().any(|p| kind.is_tf_name(&p.name, attr)) {
                // A renamed resource whose name cannot change in place (a
                // volume's) keeps the name it had: `moved-from` keeps the
                // resource.
                let name = match inst.moved_from() {
                    Some((old, _)) if kind.replace_on.contains(attr) => old,
                    _ => &inst.label,
                };
                props.push(Cow::Owned(IField {
                    name: SmolStr::new(attr),
                    name_span: inst.label_span,
                    value: SValue {
                        value: Value::Str(name.clone()),
                        span: inst.label_span,
                    },
                }));
            }
        }
        for (attr, default) in &kind.defaults {
            if !props.iter().any(|p| kind.is_tf_name(&p.name, attr))
                && !inst.children.iter().any(|c| kind.is_tf_name(&c.name, attr))
            {
                let value = match default {
                    serde_json::Value::Bool(b) => Value::Bool(*b),
                    serde_json::Value::Number(n) => n
                        .as_i64()
                        .map(Value::Int)
                        .unwrap_or(Value::Float(n.as_f64().unwrap_or(0.0))),
                    serde_json::Value::String(s) => Value::Str(SmolStr::new(s)),
                    _ => continue,
                };
                props.push(Cow::Owned(IField {
                    name: SmolStr::new(attr),
                    name_span: inst.label_span,
                    value: SValue {
                        value,
                        span: inst.label_span,
                    },
                }));
            }
        }
        // Several values of the multi-value attribute make several resources.
        // (Most resources are one: no list of variants is made for them.)
        let mut children: Vec<&IChild> = inst.children.iter().collect();
        let values = match &kind.multi_value {
            Some(multi) => self.take_multi(kind, multi, &mut props, &mut children),
            None => None,
        };
        let count = values.as_ref().map_or(1, Vec::len);
        let many = count > 1;
        let mut values = values.map(Vec::into_iter);
        for n in 0..count {
            let variant = values.as_mut().and_then(Iterator::next);
            let mut props = if n + 1 == count {
                std::mem::take(&mut props)
            } else {
                props.clone()
            };
            let suffix = many.then(|| match &variant {
                Some((_, Some(member))) => member.clone(),
                _ => (n + 1).to_string(),
            });
            if let Some((v, _)) = variant {
                props.push(Cow::Owned(IField {
                    name: SmolStr::new(kind.multi_value.as_deref().expect("set")),
                    name_span: v.span,
                    value: v,
                }));
            }
            let body = self.body(
                Some(kind),
                schema,
                "",
                &props,
                &children,
                inst.label_span,
                inst.used_at(),
            );
            self.required_when(kind, &body, inst);
            let (label, ident) = if let Some(suffix) = suffix {
                (
                    format!("{}-{suffix}", inst.label).into(),
                    format!(
                        "{}_{}",
                        self.names.idents[index],
                        crate::resolve::tf_ident(&suffix).trim_start_matches('_')
                    ),
                )
            } else {
                // The identifier is moved in from the name table once the
                // threads are done (`check`), not copied here.
                (inst.label.clone(), String::new())
            };
            let depends_on = inst
                .depends_on()
                .iter()
                .filter_map(|(path, span)| {
                    let r = self.names.resolve(path, *span, self.kinds, self.diags)?;
                    match r.target {
                        Target::One(t) => Some(vec![(t, *span)]),
                        Target::Group(g) => Some(g.into_iter().map(|t| (t, *span)).collect()),
                    }
                })
                .flatten()
                .collect();
            let provider_alias = self.provider_alias(kind, inst);
            let ignore_changes = self.ignore_changes(kind, inst);
            let extras = ResourceExtras {
                provider_alias,
                ignore_changes,
                import_id: if n == 0 {
                    inst.import_id().map(|(id, _)| id.clone())
                } else {
                    None
                },
                depends_on,
                external: false,
                moved_from: if n == 0 {
                    self.moved_from(inst, all, &ident)
                } else {
                    None
                },
            };
            out.push(Resource {
                kind,
                label,
                ident,
                span: inst.label_span,
                body,
                extras: extras.boxed(),
            });
        }
    }

    /// `moved-from="old"`: the Terraform name the resource had, when it is
    /// a name no declaration of the kind still has.
    fn moved_from(&mut self, inst: &Instance, all: &[Instance], ident: &str) -> Option<String> {
        let (old, span) = inst.moved_from()?;
        let old_ident = crate::resolve::tf_ident(old);
        let problem = if !crate::resolve::valid_label(old) {
            Some((
                Code::InvalidName,
                format!("`{old}` is not a name a {} could have had", inst.kind),
                "a name is letters, digits, `-`, `_` and `.`".to_string(),
            ))
        } else if old_ident == ident || *old == inst.label {
            Some((
                Code::InvalidName,
                format!("{} `{}` is moved from its own name", inst.kind, inst.label),
                "remove `moved-from`, or give the name it had before".to_string(),
            ))
        } else if all
            .iter()
            .any(|o| o.kind == inst.kind && crate::resolve::tf_ident(&o.label) == old_ident)
        {
            Some((Code::DuplicateName, format!("{} `{old}` is still declared", inst.kind), format!("a resource moves from a name no {} has any more: rename or remove the other one, or remove `moved-from`", inst.kind)))
        } else {
            None
        };
        if let Some((code, message, help)) = problem {
            self.err(
                Diagnostic::error(code, message)
                    .at(*span, "moved from here")
                    .help(help),
            );
            return None;
        }
        Some(old_ident)
    }

    /// `ignore-changes "image"`: attribute names checked against the schema.
    fn ignore_changes(&mut self, kind: &'static Kind, inst: &Instance) -> Vec<&'static str> {
        let schema = kind.schema();
        let mut out = Vec::new();
        for (written, span) in inst.ignore_changes() {
            let name = kind.tf_name(written);
            match schema
                .attributes
                .get_key_value(&*name)
                .map(|(k, _)| k.as_str())
                .or_else(|| schema.blocks.get_key_value(&*name).map(|(k, _)| k.as_str()))
            {
                Some(key) if !out.contains(&key) => out.push(key),
                Some(_) => {}
                None => {
                    let names: Vec<String> = schema
                        .attributes
                        .keys()
                        .chain(schema.blocks.keys())
                        .map(|k| k.replace('_', "-"))
                        .collect();
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::UnknownAttribute,
                            format!("{} has no attribute `{written}` to ignore", kind.kind),
                        )
                        .at(*span, "unknown attribute")
                        .help(suggest(
                            written,
                            &refs,
                            "name attributes of this kind, e.g. `ignore-changes \"image\"`",
                        )),
                        inst.used_at(),
                    );
                    self.err(d);
                }
            }
        }
        out
    }

    /// The alias of `provider="…"`, checked against the declared
    /// configurations of the kind's provider.
    fn provider_alias(&mut self, kind: &Kind, inst: &Instance) -> Option<String> {
        let (alias, span) = inst.provider()?;
        let known: Vec<&str> = self
            .aliases
            .iter()
            .filter(|(p, _)| *p == kind.provider)
            .map(|(_, a)| a.as_str())
            .collect();
        if !known.contains(&alias.as_str()) {
            let d = self.with_origin(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!(
                        "no `{}` provider configuration named `{alias}`",
                        kind.provider
                    ),
                )
                .at(*span, "unknown provider configuration")
                .help(suggest(
                    alias,
                    &known,
                    &format!(
                        "declare it with `provider \"{}\" as=\"{alias}\" …`",
                        kind.provider
                    ),
                )),
                inst.used_at(),
            );
            self.err(d);
        }
        Some(alias.clone())
    }

    fn required_when(&mut self, kind: &Kind, body: &Body, inst: &Instance) {
        for (attr, by_value) in &kind.required_when {
            let Some(PValue::Str(v)) = body.get(attr).map(|a| &a.value) else {
                continue;
            };
            for need in by_value.get(v.as_str()).into_iter().flatten() {
                if body.get(need).is_none() {
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::MissingRequired,
                            format!(
                                "{} with {attr}={v} needs `{}`",
                                a(&kind.kind),
                                need.replace('_', "-")
                            ),
                        )
                        .at(
                            inst.label_span,
                            format!("`{}` missing", need.replace('_', "-")),
                        )
                        .help(format!("add `{}=…`", need.replace('_', "-"))),
                        inst.used_at(),
                    );
                    self.err(d);
                }
            }
        }
    }

    fn ctx<'k>(
        &self,
        kind: Option<&'static Kind>,
        path: &str,
        name: &'k str,
        sensitive: bool,
    ) -> Ctx<'k> {
        Ctx {
            name,
            refs: kind.and_then(|k| k.refs.get(path)),
            enum_values: kind
                .and_then(|k| k.enums.get(path))
                .and_then(|e| self.kinds.enums.get(e))
                .map(Vec::as_slice),
            format: kind.and_then(|k| k.formats.get(path)).copied(),
            public: kind.is_some_and(|k| is_public(k, path)),
            environment: kind.is_some_and(|k| k.environment_maps.iter().any(|m| m == path)),
            sensitive,
        }
    }
}
