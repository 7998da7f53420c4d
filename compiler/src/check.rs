//! Check stage: resource instances → plan resources. Maps language names to
//! Terraform names and checks every attribute against the provider's real
//! schema (unknown, read-only, missing, wrong type, bad enum value), and
//! resolves references through `resolve::Names`. Whatever passes here can
//! be written by the backends without further checks.

use crate::diag::{suggest, Code, Diagnostic, Diagnostics};
use crate::expand::{Expanded, IChild, IField, Instance, SValue, TPart, Value};
use crate::kinds::{Kind, RefSpec, Registry};
use crate::plan::*;
use crate::resolve::{Names, Resolved, Target};
use crate::schema::{self, Block, TfType};
use crate::source::Span;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use std::borrow::{Borrow, Cow};

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
    let check_run = |(fields, domains): &mut (FxHashMap<_, _>, Option<_>),
                     run: std::ops::Range<usize>| {
        let mut local = Diagnostics::default();
        let mut c = Checker {
            names: &names,
            kinds,
            diags: &mut local,
            domains: domains.take(),
            aliases,
            fields: std::mem::take(fields),
        };
        let mut firsts = Vec::with_capacity(run.len());
        let mut resources = Vec::with_capacity(run.len());
        for i in run {
            firsts.push(resources.len());
            c.instance(i, &exp.instances[i], &exp.instances, &mut resources);
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
        domains: None,
        aliases,
        fields: Default::default(),
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
    kind_outputs(&mut plan, kinds);
    plan.secrets = exp
        .secrets
        .values()
        .map(|s| SecretVar {
            name: s.name.clone(),
            description: s.description.clone(),
        })
        .collect();
    plan.providers = c.providers(exp, &plan);
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
fn kind_outputs(plan: &mut Plan, kinds: &Registry) {
    for kind in kinds.kinds.values() {
        for export in &kind.outputs {
            let (attr, schema_attr) = kind.export(export).expect("checked by a test");
            let items: Vec<(String, PValue)> = plan
                .resources
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kind.kind == kind.kind)
                .map(|(i, r)| (r.label.to_string(), PValue::Ref { target: i, attr }))
                .collect();
            if items.is_empty() {
                continue;
            }
            plan.outputs.push(Output {
                name: format!("{}_{}", kind.kind, export).replace('-', "_"),
                value: PValue::Map(items),
                description: Some(format!("The {export} of every {}, by name.", kind.kind)),
                sensitive: schema_attr.sensitive,
            });
        }
    }
}

/// Below this many instances, one thread checks them all.
const PARALLEL_FROM: usize = 4096;

/// Instances a thread takes at a time.
const RUN: usize = 512;

/// What is known about the attribute a value is checked for.
struct Ctx<'a> {
    name: &'a str,
    refs: Option<&'static RefSpec>,
    enum_values: Option<&'a [String]>,
    sensitive: bool,
}

impl<'a> Ctx<'a> {
    fn plain(name: &'a str) -> Ctx<'a> {
        Ctx {
            name,
            refs: None,
            enum_values: None,
            sensitive: false,
        }
    }
}

struct Checker<'a> {
    names: &'a Names<'a>,
    kinds: &'static Registry,
    diags: &'a mut Diagnostics,
    /// Declared domains by DNS name, for `fqdn=`; built on first use.
    domains: Option<Vec<(String, usize)>>,
    /// (provider, alias) of every aliased provider configuration.
    aliases: &'a [(String, String)],
    /// Attributes already looked up, by (kind, block) and name as written:
    /// members of a group repeat the same names thousands of times.
    fields: FxHashMap<(usize, usize), FxHashMap<String, Option<KnownField>>>,
}

/// A settable, current attribute of a block, with what checking its value
/// needs.
#[derive(Clone, Copy)]
struct KnownField {
    key: &'static str,
    attr: &'static schema::Attribute,
    refs: Option<&'static RefSpec>,
    enum_values: Option<&'static [String]>,
}

impl Checker<'_> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Adds a label at each component use that produced the resource.
    fn with_origin(&self, mut d: Diagnostic, origin: &[Span]) -> Diagnostic {
        for u in origin {
            d = d.also(*u, "from this component use");
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
                props.push(Cow::Owned(IField {
                    name: SmolStr::new(attr),
                    name_span: inst.label_span,
                    value: SValue {
                        value: Value::Str(SmolStr::new(&inst.label)),
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

    /// Removes the multi-value attribute from the fields and returns its
    /// values, if there are several (a list or a group reference).
    fn take_multi(
        &mut self,
        kind: &Kind,
        multi: &str,
        props: &mut Vec<Cow<IField>>,
        children: &mut Vec<&IChild>,
    ) -> Option<Vec<(SValue, Option<String>)>> {
        if let Some(pos) = children.iter().position(|c| {
            kind.is_tf_name(&c.name, multi) && c.props.is_empty() && c.children.is_empty()
        }) {
            let c = children.remove(pos);
            let mut values = Vec::new();
            for a in &c.args {
                values.extend(self.spread(a.clone()));
            }
            return Some(values);
        }
        let pos = props.iter().position(|p| kind.is_tf_name(&p.name, multi))?;
        let single = match &props[pos].value.value {
            Value::List(_) => false,
            Value::Ref(path) => !self.names.may_be_group(path),
            _ => true,
        };
        if single && props[pos].name == multi {
            // One value: checked like any other field, after the others
            // (where the multi-value path would put it), without a copy.
            let field = props.remove(pos);
            props.push(field);
            return None;
        }
        let values = self.spread(props[pos].value.clone());
        props.remove(pos);
        Some(values)
    }

    /// A group reference or a list becomes its members. Values from a
    /// group carry the member's suffix (`ams3-1` of `discovery-ams3-1`), so
    /// the records made from them keep their names when the group grows or
    /// shrinks.
    fn spread(&mut self, v: SValue) -> Vec<(SValue, Option<String>)> {
        match &v.value {
            Value::List(items) => items.iter().cloned().flat_map(|i| self.spread(i)).collect(),
            // Only a group spreads; anything else is checked once, later.
            Value::Ref(path) if !self.names.may_be_group(path) => vec![(v, None)],
            Value::Ref(path) => {
                let mut scratch = Diagnostics::default();
                match self.names.resolve(path, v.span, self.kinds, &mut scratch) {
                    Some(Resolved {
                        target: Target::Group(members),
                        attr,
                        kind,
                        ..
                    }) => members
                        .iter()
                        .map(|m| {
                            let label = self.label_of(kind, *m);
                            let group = path.split_once('.').map_or("", |(_, rest)| rest);
                            let group = if attr.is_some() {
                                group.rsplit_once('.').map_or(group, |(g, _)| g)
                            } else {
                                group
                            };
                            let suffix = label
                                .strip_prefix(group)
                                .map(|s| s.trim_start_matches('-').to_string());
                            let attr_part = attr
                                .as_ref()
                                .map(|_| path.rsplit('.').next().unwrap_or(""))
                                .map(|a| format!(".{a}"))
                                .unwrap_or_default();
                            let value = SValue {
                                value: Value::Ref(
                                    format!("{}.{label}{attr_part}", kind.kind).into(),
                                ),
                                span: v.span,
                            };
                            (value, suffix)
                        })
                        .collect(),
                    _ => vec![(v, None)],
                }
            }
            _ => vec![(v, None)],
        }
    }

    fn label_of(&self, kind: &Kind, index: usize) -> String {
        // Group members are named `<group>-<suffix>`; the name table has them.
        self.names.label(&kind.kind, index).unwrap_or_default()
    }

    /// `fqdn="api.example.com"` → `domain` (a reference to the declared
    /// domain with the longest matching suffix) and `name`.
    fn fqdn(
        &mut self,
        kind: &Kind,
        spec: &crate::kinds::FqdnSpec,
        props: &mut Vec<Cow<IField>>,
        all: &[Instance],
        inst: &Instance,
    ) {
        let Some(pos) = props.iter().position(|p| p.name == "fqdn") else {
            return;
        };
        let field = props.remove(pos);
        let Value::Str(fqdn) = &field.value.value else {
            self.err(
                Diagnostic::error(Code::WrongType, "`fqdn` must be a plain string")
                    .at(field.value.span, "not a string")
                    .help("write `fqdn=\"api.example.com\"`"),
            );
            return;
        };
        if props
            .iter()
            .any(|p| kind.is_tf_name(&p.name, &spec.domain) || kind.is_tf_name(&p.name, &spec.name))
        {
            self.err(
                Diagnostic::error(
                    Code::WrongType,
                    "`fqdn` replaces `domain` and `name`; give one or the other",
                )
                .at(field.name_span, "fqdn given with domain or name")
                .help("remove `domain` and `name`, or remove `fqdn`"),
            );
            return;
        }
        let domains = self.domains.get_or_insert_with(|| {
            all.iter()
                .enumerate()
                .filter(|(_, i)| i.kind == spec.domain_kind)
                .map(|(n, i)| {
                    let name = i
                        .props
                        .iter()
                        .find(|p| p.name == "name")
                        .and_then(|p| {
                            if let Value::Str(s) = &p.value.value {
                                Some(s.to_string())
                            } else {
                                None
                            }
                        })
                        .unwrap_or_else(|| i.label.to_string());
                    (name, n)
                })
                .collect()
        });
        let fq = fqdn.trim_end_matches('.');
        let best = domains
            .iter()
            .filter(|(d, _)| {
                fq == d
                    || fq
                        .strip_suffix(d.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            })
            .max_by_key(|(d, _)| d.len())
            .map(|(d, index)| (d.len(), *index));
        let Some((domain_len, index)) = best else {
            let d = self.with_origin(
                Diagnostic::error(Code::UnresolvedReference, format!("no declared domain contains `{fq}`"))
                    .at(field.value.span, "no matching domain")
                    .help(format!("declare the zone with `domain \"{}\"`, or give `domain` and `name` for a zone managed elsewhere", fq.split_once('.').map_or(fq, |(_, d)| d))), inst.used_at());
            self.err(d);
            return;
        };
        let name = if fq.len() == domain_len {
            "@".to_string()
        } else {
            fq[..fq.len() - domain_len - 1].to_string()
        };
        let span = field.value.span;
        props.push(Cow::Owned(IField {
            name: SmolStr::new(&spec.name),
            name_span: field.name_span,
            value: SValue {
                value: Value::Str(name.into()),
                span,
            },
        }));
        props.push(Cow::Owned(IField {
            name: SmolStr::new(&spec.domain),
            name_span: field.name_span,
            value: SValue {
                value: Value::Ref(
                    [spec.domain_kind.as_str(), ".", &all[index].label]
                        .into_iter()
                        .collect(),
                ),
                span,
            },
        }));
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
                                "a {} with {attr}={v} needs `{}`",
                                kind.kind,
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

    #[allow(clippy::too_many_arguments)]
    fn body<F: Borrow<IField>, C: Borrow<IChild>>(
        &mut self,
        kind: Option<&'static Kind>,
        block: &'static Block,
        prefix: &str,
        props: &[F],
        children: &[C],
        at: Span,
        origin: &[Span],
    ) -> Body {
        let mut body = Body {
            attrs: Vec::with_capacity(props.len() + children.len()),
            blocks: Vec::new(),
        };
        // Attributes that were written but whose value failed to check: they
        // are not "missing" as well. (Those that passed are in the body.)
        let mut failed: Vec<Cow<str>> = Vec::new();
        let tf_name = |n| crate::kinds::tf_name(kind, n);
        let cache_key = (
            kind.map_or(0, |k| k as *const Kind as usize),
            block as *const Block as usize,
        );
        for p in props {
            let p: &IField = p.borrow();
            if let Some(known) = self.known_field(cache_key, kind, block, prefix, &p.name) {
                if body.attrs.iter().any(|a| a.name == known.key) {
                    body.attrs.retain(|a| a.name != known.key);
                }
                let ctx = Ctx {
                    name: &p.name,
                    refs: known.refs,
                    enum_values: known.enum_values,
                    sensitive: known.attr.sensitive,
                };
                match self.value(&p.value, &known.attr.ty, &ctx) {
                    Some(value) => body.attrs.push(Attr {
                        name: known.key,
                        value,
                        span: p.value.span,
                    }),
                    None => failed.push(Cow::Borrowed(known.key)),
                }
                continue;
            }
            let name = tf_name(&p.name);
            if body.attrs.iter().any(|a| a.name == name) {
                // KDL: a repeated property overrides the earlier one.
                body.attrs.retain(|a| a.name != name);
            }
            if block.blocks.contains_key(&*name) {
                let d = self.with_origin(
                    Diagnostic::error(
                        Code::WrongType,
                        format!("`{}` is a block, not a value", p.name),
                    )
                    .at(p.name_span, "written as a property")
                    .help(format!(
                        "write it as a child node: `{} {{ … }}` or `{} key=value …`",
                        p.name, p.name
                    )),
                    origin,
                );
                self.err(d);
                continue;
            }
            failed.push(name.clone());
            let Some((key, schema_attr)) =
                self.attribute(kind, block, &name, &p.name, p.name_span, origin)
            else {
                continue;
            };
            let path = attr_path(prefix, key);
            let ctx = self.ctx(kind, &path, &p.name, schema_attr.sensitive);
            if let Some(value) = self.value(&p.value, &schema_attr.ty, &ctx) {
                failed.pop();
                body.attrs.push(Attr {
                    name: key,
                    value,
                    span: p.value.span,
                });
            }
        }
        for c in children {
            let c: &IChild = c.borrow();
            let name = tf_name(&c.name);
            if let Some((block_name, bt)) = block.blocks.get_key_value(&*name) {
                if bt.block.deprecated {
                    self.deprecated(&c.name, c.name_span, kind, origin);
                }
                if let Some(a) = c.args.first() {
                    let d = self.with_origin(
                        Diagnostic::error(
                            Code::WrongType,
                            format!(
                                "the block `{}` takes properties and children, not values",
                                c.name
                            ),
                        )
                        .at(a.span, "unexpected value")
                        .help(format!(
                            "write `{} key=value …` or `{} {{ … }}`",
                            c.name, c.name
                        )),
                        origin,
                    );
                    self.err(d);
                    continue;
                }
                let nested = self.body(
                    kind,
                    &bt.block,
                    &format!("{prefix}{name}."),
                    &c.props,
                    &c.children,
                    c.name_span,
                    origin,
                );
                body.blocks.push(NestedBlock {
                    name: block_name,
                    body: nested,
                    span: c.name_span,
                });
                continue;
            }
            failed.push(name.clone());
            let Some((key, schema_attr)) =
                self.attribute(kind, block, &name, &c.name, c.name_span, origin)
            else {
                continue;
            };
            let path = attr_path(prefix, key);
            let ctx = self.ctx(kind, &path, &c.name, schema_attr.sensitive);
            let value = if let (TfType::Object(fields), true) = (&schema_attr.ty, c.args.is_empty())
            {
                let mut items: Vec<(String, PValue)> = Vec::new();
                for p in &c.props {
                    let field = tf_name(&p.name);
                    let Some(ty) = fields.get(&*field) else {
                        let names: Vec<String> =
                            fields.keys().map(|k| k.replace('_', "-")).collect();
                        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                        let d = self.with_origin(
                            Diagnostic::error(
                                Code::UnknownAttribute,
                                format!("`{}` has no field `{}`", c.name, p.name),
                            )
                            .at(p.name_span, "unknown field")
                            .help(suggest(
                                &p.name,
                                &refs,
                                &format!("fields: {}", names.join(", ")),
                            )),
                            origin,
                        );
                        self.err(d);
                        continue;
                    };
                    if let Some(v) = self.value(&p.value, ty, &ctx) {
                        items.retain(|(k, _)| *k != *field);
                        items.push((field.into_owned(), v));
                    }
                }
                Some(PValue::Map(items))
            } else if matches!(schema_attr.ty, TfType::Map(_)) && c.args.is_empty() {
                // Entries as properties (`labels app="web"`) or as children
                // with one value (`KEY "value"`), for keys KDL properties
                // cannot spell; the last of a repeated key wins.
                let mut items = Vec::new();
                let elem = schema_attr.ty.element().cloned().unwrap_or(TfType::Dynamic);
                let mut entries: Vec<(&str, &SValue)> = c
                    .props
                    .iter()
                    .map(|p| (p.name.as_str(), &p.value))
                    .collect();
                for g in &c.children {
                    match (
                        g.args.as_slice(),
                        g.props.is_empty() && g.children.is_empty(),
                    ) {
                        ([one], true) => entries.push((g.name.as_str(), one)),
                        _ => {
                            let d = self.with_origin(
                                Diagnostic::error(
                                    Code::WrongType,
                                    format!(
                                        "an entry of the map `{}` is a key and one value",
                                        c.name
                                    ),
                                )
                                .at(g.span, "not `KEY \"value\"`")
                                .help(format!(
                                    "write `{} {{ KEY \"value\" }}` or `{} KEY=\"value\"`",
                                    c.name, c.name
                                )),
                                origin,
                            );
                            self.err(d);
                        }
                    }
                }
                for (key, value) in entries {
                    if let Some(v) = self.value(value, &elem, &ctx) {
                        items.retain(|(k, _): &(String, PValue)| k != key);
                        items.push((key.to_string(), v));
                    }
                }
                Some(PValue::Map(items))
            } else if !c.props.is_empty() || !c.children.is_empty() {
                let d = self.with_origin(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "`{}` is a {}, written as values after its name",
                            c.name,
                            schema_attr.ty.describe()
                        ),
                    )
                    .at(c.name_span, "has properties or children")
                    .help(format!("write `{} \"a\" \"b\"`", c.name)),
                    origin,
                );
                self.err(d);
                None
            } else if c.args.len() == 1 && !schema_attr.ty.is_collection() {
                self.value(&c.args[0], &schema_attr.ty, &ctx)
            } else {
                let list = SValue {
                    value: Value::List(c.args.clone()),
                    span: c.span,
                };
                self.value(&list, &schema_attr.ty, &ctx)
            };
            if let Some(value) = value {
                failed.pop();
                body.attrs.retain(|a| a.name != key);
                body.attrs.push(Attr {
                    name: key,
                    value,
                    span: c.span,
                });
            }
        }
        // Block counts and required attributes.
        for (name, bt) in &block.blocks {
            let n = body.blocks.iter().filter(|b| b.name == name).count() as u64;
            if n < bt.min_items {
                let shown = name.replace('_', "-");
                let d = self.with_origin(
                    Diagnostic::error(Code::MissingRequired, format!("missing block `{shown}`"))
                        .at(at, format!("needs at least {} `{shown}`", bt.min_items))
                        .help(format!("add a child `{shown} key=value …`")),
                    origin,
                );
                self.err(d);
            }
            if bt.max_items > 0 && n > bt.max_items {
                let shown = name.replace('_', "-");
                let extra = body
                    .blocks
                    .iter()
                    .filter(|b| b.name == name)
                    .nth(bt.max_items as usize)
                    .map(|b| b.span)
                    .unwrap_or(at);
                let d = self.with_origin(
                    Diagnostic::error(Code::SchemaViolation, format!("at most {} `{shown}` allowed, found {n}", bt.max_items))
                        .at(extra, "one too many")
                        .help(format!("the provider accepts at most {} `{shown}` here; merge or remove the others", bt.max_items)),
                    origin,
                );
                self.err(d);
            }
        }
        let mut missing: Vec<String> = block
            .required
            .iter()
            .filter(|n| !failed.iter().any(|g| g == *n) && !body.attrs.iter().any(|b| b.name == *n))
            .map(|n| n.replace('_', "-"))
            .collect();
        if !missing.is_empty() {
            missing.sort();
            let what = kind.map_or("provider", |k| k.kind.as_str());
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let d = self.with_origin(
                Diagnostic::error(
                    Code::MissingRequired,
                    format!(
                        "{what} is missing required {} {list}",
                        if missing.len() == 1 {
                            "attribute"
                        } else {
                            "attributes"
                        }
                    ),
                )
                .at(at, "declared here")
                .help(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|m| format!("{m}=…"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )),
                origin,
            );
            self.err(d);
        }
        body
    }

    /// The attribute a property names, when it is a plain settable one
    /// (anything else takes the reporting path in `body`).
    fn known_field(
        &mut self,
        cache_key: (usize, usize),
        kind: Option<&'static Kind>,
        block: &'static Block,
        prefix: &str,
        written: &str,
    ) -> Option<KnownField> {
        if let Some(known) = self.fields.get(&cache_key).and_then(|m| m.get(written)) {
            return *known;
        }
        let name = crate::kinds::tf_name(kind, written);
        let known = match block.attributes.get_key_value(&*name) {
            Some((key, attr))
                if attr.settable() && !attr.deprecated && !block.blocks.contains_key(&*name) =>
            {
                let path = attr_path(prefix, key);
                let ctx = self.ctx(kind, &path, "", false);
                Some(KnownField {
                    key,
                    attr,
                    refs: ctx.refs,
                    enum_values: ctx.enum_values,
                })
            }
            _ => None,
        };
        self.fields
            .entry(cache_key)
            .or_default()
            .insert(written.to_string(), known);
        known
    }

    fn attribute(
        &mut self,
        kind: Option<&Kind>,
        block: &'static Block,
        name: &str,
        written: &str,
        span: Span,
        origin: &[Span],
    ) -> Option<(&'static str, &'static schema::Attribute)> {
        match block.attributes.get_key_value(name) {
            Some((key, a)) if a.settable() => {
                if a.deprecated {
                    self.deprecated(written, span, kind, origin);
                }
                Some((key, a))
            }
            Some(_) => {
                let d = self.with_origin(
                    Diagnostic::error(Code::UnknownAttribute, format!("`{written}` is read-only: the provider sets it"))
                        .at(span, "cannot be set")
                        .help(format!("remove it; read it with a reference instead, e.g. `(ref)\"{}.NAME.{written}\"`", kind.map_or("KIND", |k| k.kind.as_str()))),
                    origin,
                );
                self.err(d);
                None
            }
            None => {
                let mut candidates: Vec<String> = block
                    .attributes
                    .iter()
                    .filter(|(_, a)| a.settable())
                    .map(|(n, _)| n.replace('_', "-"))
                    .chain(block.blocks.keys().map(|n| n.replace('_', "-")))
                    .collect();
                if let Some(k) = kind {
                    candidates.extend(k.aliases.keys().cloned());
                }
                let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
                let what = kind.map_or("this provider".to_string(), |k| {
                    format!("{} ({})", k.kind, k.resource)
                });
                let d = self.with_origin(
                    Diagnostic::error(
                        Code::UnknownAttribute,
                        format!("{what} has no attribute `{written}`"),
                    )
                    .at(span, "unknown attribute")
                    .help(suggest(
                        written,
                        &refs,
                        "`infrac kinds KIND` lists the attributes of a kind",
                    )),
                    origin,
                );
                self.err(d);
                None
            }
        }
    }

    fn deprecated(&mut self, written: &str, span: Span, kind: Option<&Kind>, origin: &[Span]) {
        let what = kind.map_or("the provider".to_string(), |k| k.resource.clone());
        let d = self.with_origin(
            Diagnostic::error(Code::Deprecated, format!("`{written}` is deprecated by {what}"))
                .at(span, "deprecated")
                .help("the provider will drop it; its documentation names the replacement (often a separate resource kind)"),
            origin,
        );
        self.err(d);
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
            sensitive,
        }
    }

    fn is_sensitive(&mut self, v: &SValue) -> bool {
        match &v.value {
            Value::Secret(_) => true,
            Value::List(items) => items.iter().any(|i| self.is_sensitive(i)),
            Value::Template(parts) => parts.iter().any(|p| match p {
                TPart::Secret(_) => true,
                TPart::Ref(path) => self.ref_sensitive(path, v.span),
                TPart::Lit(_) => false,
            }),
            Value::Ref(path) => self.ref_sensitive(path, v.span),
            _ => false,
        }
    }

    fn ref_sensitive(&mut self, path: &str, span: Span) -> bool {
        let mut scratch = Diagnostics::default();
        self.names
            .resolve(path, span, self.kinds, &mut scratch)
            .is_some_and(|r| r.sensitive)
    }

    fn type_error(&mut self, ctx: &Ctx, v: &SValue, ty: &TfType) {
        let got = v.value.type_name();
        let hint = match (ty, &v.value) {
            (TfType::Number, Value::Str(s)) if s.parse::<f64>().is_ok() => {
                format!("write {s} without quotes")
            }
            (TfType::Bool, Value::Str(s)) if s == "true" || s == "false" => format!("write #{s}"),
            (TfType::String, Value::List(_)) => format!("`{}` takes one value", ctx.name),
            _ => format!("`{}` takes a {}", ctx.name, ty.describe()),
        };
        self.err(
            Diagnostic::error(
                Code::WrongType,
                format!("`{}` must be a {}, not a {got}", ctx.name, ty.describe()),
            )
            .at(v.span, format!("a {got}"))
            .help(hint),
        );
    }

    /// Converts a value to the plan for an attribute of type `ty`.
    fn value(&mut self, v: &SValue, ty: &TfType, ctx: &Ctx) -> Option<PValue> {
        if ty.is_collection() {
            let elem = ty.element().cloned().unwrap_or(TfType::Dynamic);
            // Lists inside lists flatten: `tags "web" "${extra-tags}"`.
            fn flatten(v: &SValue, out: &mut Vec<SValue>) {
                match &v.value {
                    Value::List(items) => items.iter().for_each(|i| flatten(i, out)),
                    _ => out.push(v.clone()),
                }
            }
            let mut items = Vec::new();
            flatten(v, &mut items);
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                match &item.value {
                    // A group reference spreads into the list.
                    Value::Ref(path) => {
                        let r = self
                            .names
                            .resolve(path, item.span, self.kinds, self.diags)?;
                        self.check_ref_kind(&r, ctx, item.span)?;
                        let attr = self.ref_attr(&r, ctx);
                        match r.target {
                            Target::One(t) => out.push(PValue::Ref { target: t, attr }),
                            Target::Group(g) => {
                                out.extend(g.into_iter().map(|t| PValue::Ref { target: t, attr }))
                            }
                        }
                    }
                    _ => out.push(self.value(item, &elem, ctx)?),
                }
            }
            return Some(PValue::List(out));
        }
        let value = match (&v.value, ty) {
            (Value::Null, _) => PValue::Null,
            (Value::Ref(path), _) => {
                let r = self.names.resolve(path, v.span, self.kinds, self.diags)?;
                self.check_ref_kind(&r, ctx, v.span)?;
                let attr = self.ref_attr(&r, ctx);
                match r.target.clone() {
                    Target::One(t) => PValue::Ref { target: t, attr },
                    Target::Group(g) if matches!(ty, TfType::Dynamic) => PValue::List(
                        g.into_iter()
                            .map(|t| PValue::Ref { target: t, attr })
                            .collect(),
                    ),
                    Target::Group(g) => {
                        self.err(
                            Diagnostic::error(Code::ManyForOne, format!("`{path}` is a group of {} resources, but `{}` takes one value", g.len(), ctx.name))
                                .at(v.span, "a group")
                                .help(format!("refer to one member, e.g. `{}`, or use an attribute that takes a list", self.member_path(path, &r, g[0]))),
                        );
                        return None;
                    }
                }
            }
            (Value::Secret(name), TfType::String | TfType::Dynamic) => PValue::Secret(name.clone()),
            (Value::Template(parts), TfType::String | TfType::Dynamic) => {
                let mut out = Vec::with_capacity(parts.len());
                for p in parts {
                    out.push(match p {
                        TPart::Lit(s) => PPart::Lit(s.clone()),
                        TPart::Secret(s) => PPart::Secret(s.clone()),
                        TPart::Ref(path) => {
                            let r = self.names.resolve(path, v.span, self.kinds, self.diags)?;
                            let attr = r.attr.unwrap_or(&r.kind.default_export);
                            match r.target.clone() {
                                Target::One(t) => PPart::Ref { target: t, attr },
                                Target::Group(g) => {
                                    self.err(
                                        Diagnostic::error(Code::ManyForOne, format!("`{path}` is a group of {} resources and cannot be part of a string", g.len()))
                                            .at(v.span, "a group in a string")
                                            .help(format!("refer to one member, e.g. `{}`", self.member_path(path, &r, g[0]))),
                                    );
                                    return None;
                                }
                            }
                        }
                    });
                }
                PValue::Template(out)
            }
            (Value::Str(s), TfType::String | TfType::Dynamic) => {
                if let Some(spec) = ctx.refs {
                    if let Some(r) = self.named_ref(s, spec, v.span, ctx) {
                        return Some(r);
                    }
                }
                if ctx.sensitive {
                    self.err(
                        Diagnostic::error(Code::SecretMisuse, format!("`{}` is sensitive and must not be written in plain text", ctx.name))
                            .at(v.span, "a literal secret")
                            .help(format!("declare `secret \"NAME\"` and write `{}=(secret)\"NAME\"`; supply the value to Terraform at plan time", ctx.name)),
                    );
                    return None;
                }
                if let Some(values) = ctx.enum_values {
                    if !values.iter().any(|e| e == s) {
                        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                        self.err(
                            Diagnostic::error(
                                Code::BadEnumValue,
                                format!("`{s}` is not a valid {}", ctx.name),
                            )
                            .at(v.span, "not one of the allowed values")
                            .help(suggest(
                                s,
                                &refs,
                                &format!("allowed: {}", values.join(", ")),
                            )),
                        );
                        return None;
                    }
                }
                PValue::Str(s.clone())
            }
            (Value::Int(i), TfType::String) => PValue::Str(i.to_string().into()),
            (Value::Int(i), TfType::Number | TfType::Dynamic) => PValue::Int(*i),
            (Value::Float(f), TfType::Number | TfType::Dynamic) => PValue::Float(*f),
            (Value::Bool(b), TfType::Bool | TfType::Dynamic) => PValue::Bool(*b),
            (Value::List(items), TfType::Dynamic) => {
                let mut out = Vec::new();
                for i in items {
                    out.push(self.value(i, ty, ctx)?);
                }
                PValue::List(out)
            }
            (Value::Str(s), TfType::Number) if ctx.refs.is_some() => {
                let spec = ctx.refs.expect("checked");
                return self.named_ref(s, spec, v.span, ctx).or_else(|| {
                    // A strict reference has reported its own error.
                    if !spec.strict {
                        self.type_error(ctx, v, ty);
                    }
                    None
                });
            }
            _ => {
                self.type_error(ctx, v, ty);
                return None;
            }
        };
        Some(value)
    }

    fn member_path(&self, path: &str, r: &Resolved, member: usize) -> String {
        let label = self.names.label(&r.kind.kind, member).unwrap_or_default();
        match &r.attr {
            Some(_) => format!(
                "{}.{label}.{}",
                r.kind.kind,
                path.rsplit('.').next().unwrap_or("")
            ),
            None => format!("{}.{label}", r.kind.kind),
        }
    }

    /// A plain name where the attribute takes a reference: `droplets "web"`.
    fn named_ref(
        &mut self,
        name: &str,
        spec: &'static RefSpec,
        span: Span,
        ctx: &Ctx,
    ) -> Option<PValue> {
        let kinds: Vec<&str> = if spec.kind == "*" {
            self.kinds.names().collect()
        } else {
            vec![spec.kind.as_str()]
        };
        let matching: Vec<&str> = kinds
            .iter()
            .copied()
            .filter(|k| self.names.lookup(k, name).is_some())
            .collect();
        if matching.len() > 1 {
            self.err(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!(
                        "`{name}` is ambiguous: {}",
                        matching
                            .iter()
                            .map(|k| format!("{k} {name}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .at(span, "names more than one resource")
                .help(format!(
                    "say which with a reference, e.g. `(ref)\"{}.{name}\"`",
                    matching[0]
                )),
            );
            return None;
        }
        for k in &matching {
            if let Some(target) = self.names.lookup(k, name) {
                let kind = self.kinds.get(k).expect("listed");
                let kind: &'static Kind = kind;
                let attr: &'static str = spec.export.as_deref().unwrap_or(&kind.default_export);
                return Some(match target {
                    Target::One(t) => PValue::Ref { target: t, attr },
                    Target::Group(g) => PValue::List(
                        g.into_iter()
                            .map(|t| PValue::Ref { target: t, attr })
                            .collect(),
                    ),
                });
            }
        }
        if spec.strict {
            self.names.resolve(
                &format!("{}.{name}", kinds[0]),
                span,
                self.kinds,
                self.diags,
            );
            let _ = ctx;
            return None;
        }
        None
    }

    fn check_ref_kind(&mut self, r: &Resolved, ctx: &Ctx, span: Span) -> Option<()> {
        if let Some(spec) = ctx.refs {
            if r.attr.is_none() && spec.kind != "*" && spec.kind != r.kind.kind {
                self.err(
                    Diagnostic::error(
                        Code::WrongType,
                        format!(
                            "`{}` refers to a {}, not a {}",
                            ctx.name, spec.kind, r.kind.kind
                        ),
                    )
                    .at(span, format!("a {}", r.kind.kind))
                    .help(format!(
                        "refer to a {} here, e.g. `(ref)\"{}.NAME\"`",
                        spec.kind, spec.kind
                    )),
                );
                return None;
            }
        }
        Some(())
    }

    fn ref_attr(&self, r: &Resolved, ctx: &Ctx) -> &'static str {
        r.attr.unwrap_or_else(|| {
            ctx.refs
                .filter(|s| s.kind == r.kind.kind || s.kind == "*")
                .and_then(|s| s.export.as_deref())
                .unwrap_or(&r.kind.default_export)
        })
    }

    fn providers(&mut self, exp: &Expanded, plan: &Plan) -> Vec<ProviderConfig> {
        let mut used: Vec<(&str, Option<&str>)> = plan
            .resources
            .iter()
            .map(|r| (r.kind.provider.as_str(), r.provider_alias()))
            .collect();
        used.sort();
        used.dedup();
        let mut out: Vec<ProviderConfig> = Vec::new();
        for (decl, props, children) in &exp.providers {
            let Some(info) = schema::info(&decl.name) else {
                let names: Vec<&str> = schema::VENDORED.iter().map(|p| p.name).collect();
                self.err(
                    Diagnostic::error(
                        Code::UnknownKind,
                        format!("unknown provider `{}`", decl.name),
                    )
                    .at(decl.name_span, "not a provider")
                    .help(suggest(
                        &decl.name,
                        &names,
                        &format!("providers: {}", names.join(", ")),
                    )),
                );
                continue;
            };
            // `as="wasabi"` names a second configuration of the provider.
            let alias_field = props.iter().find(|p| p.name == "as");
            let alias = alias_field.and_then(|p| p.value.value.as_text());
            if let Some(f) = alias_field {
                let identifier = |a: &str| {
                    a.starts_with(|c: char| c.is_ascii_alphabetic())
                        && a.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                };
                if !alias.as_deref().is_some_and(identifier) {
                    self.err(
                        Diagnostic::error(Code::InvalidName, "`as` must be a name")
                            .at(f.value.span, "not a name")
                            .help("write `as=\"wasabi\"`: a letter, then letters, digits, `-` and `_`"),
                    );
                    continue;
                }
            }
            if out.iter().any(|p| p.name == decl.name && p.alias == alias) {
                self.err(
                    Diagnostic::error(
                        Code::DuplicateName,
                        match &alias {
                            Some(a) => {
                                format!("provider `{}` as `{a}` is configured twice", decl.name)
                            }
                            None => format!("provider `{}` is configured twice", decl.name),
                        },
                    )
                    .at(decl.name_span, "configured again")
                    .help("merge the two blocks, or name one of them with `as=\"NAME\"`"),
                );
                continue;
            }
            let block = schema::provider(info.name)
                .expect("vendored")
                .provider_block();
            let fields: Vec<&IField> = props.iter().filter(|p| p.name != "as").collect();
            let body = self.body(None, block, "", &fields, children, decl.name_span, &[]);
            out.push(ProviderConfig {
                name: info.name.to_string(),
                alias,
                source: info.source,
                version: info.version,
                body,
            });
        }
        for (name, alias) in used {
            if alias.is_none() && !out.iter().any(|p| p.name == name && p.alias.is_none()) {
                let info = schema::info(name).expect("kinds name vendored providers");
                out.push(ProviderConfig {
                    name: info.name.to_string(),
                    alias: None,
                    source: info.source,
                    version: info.version,
                    body: Body::default(),
                });
            }
        }
        out.sort_by(|a, b| (&a.name, &a.alias).cmp(&(&b.name, &b.alias)));
        out
    }
}
