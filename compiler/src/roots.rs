//! Environments as separate Terraform roots. A project that declares
//! environments is planned once per environment; what every environment
//! declares identically (same address, same Terraform, and everything it
//! refers to shared too) goes into one `shared` root, applied once; the
//! rest goes into each environment's own root, which reads what it needs
//! of the shared root through `data "terraform_remote_state" "shared"`,
//! from outputs the shared root writes for that purpose.

use crate::backends::terraform::resource_text;
use crate::plan::{
    Attr, BackendConfig, Body, Output, PPart, PValue, Plan, ProviderConfig, Resource, ResourceId,
};
use crate::source::Span;
use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

/// The name of the root of what every environment shares.
pub const SHARED: &str = "shared";

/// The Terraform roots of a project with environments.
pub struct Roots {
    /// None when the environments share nothing.
    pub shared: Option<Plan>,
    pub environments: Vec<(String, Plan)>,
}

/// Splits the plans of every environment (in declaration order) into the
/// shared root and one root per environment.
pub fn split(plans: &[(String, Plan)]) -> Roots {
    let shared = shared_addresses(plans);
    let Some((_, first)) = plans.first() else {
        return Roots {
            shared: None,
            environments: Vec::new(),
        };
    };
    // Outputs every environment declares alike, of shared resources only,
    // are the shared root's.
    let shared_outputs: FxHashSet<&str> = if shared.is_empty() {
        FxHashSet::default()
    } else {
        first
            .outputs
            .iter()
            .filter(|o| {
                let key = output_key(first, o);
                plans[1..].iter().all(|(_, p)| {
                    p.outputs
                        .iter()
                        .find(|x| x.name == o.name)
                        .is_some_and(|x| output_key(p, x) == key)
                }) && refs_of(&o.value)
                    .iter()
                    .all(|&t| shared.contains(&address(&first.resources[t])))
            })
            .map(|o| o.name.as_str())
            .collect()
    };
    // What the environments read of the shared root, by output name.
    let mut exported: Vec<(String, String, &'static str, bool)> = Vec::new();
    let mut environments = Vec::new();
    for (name, plan) in plans {
        let keep: Vec<ResourceId> = plan
            .order
            .iter()
            .copied()
            .filter(|&i| !shared.contains(&address(&plan.resources[i])))
            .collect();
        let mut root = subset(plan, &keep);
        root.outputs
            .retain(|o| !shared_outputs.contains(o.name.as_str()));
        if !shared.is_empty() {
            read_shared(plan, &mut root, &shared, &mut exported);
        }
        root.backend = plan.backend.clone();
        finish(&mut root);
        environments.push((name.clone(), root));
    }
    let shared_plan = (!shared.is_empty()).then(|| {
        let keep: Vec<ResourceId> = first
            .order
            .iter()
            .copied()
            .filter(|&i| shared.contains(&address(&first.resources[i])))
            .collect();
        let mut root = subset(first, &keep);
        root.outputs
            .retain(|o| shared_outputs.contains(o.name.as_str()));
        exported.sort();
        exported.dedup();
        let at: FxHashMap<String, ResourceId> = root
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (address(r), i))
            .collect();
        for (output, target, attr, sensitive) in &exported {
            root.outputs.push(Output {
                name: output.clone(),
                value: PValue::Ref {
                    target: at[target],
                    attr,
                },
                description: Some(format!("{target}.{attr}, read by the environments' roots")),
                sensitive: *sensitive,
            });
        }
        root.backend = first.shared_backend.clone();
        finish(&mut root);
        root
    });
    Roots {
        shared: shared_plan,
        environments,
    }
}

/// An output as written, references by address: equal keys are the same
/// output in two environments.
fn output_key(plan: &Plan, o: &Output) -> String {
    let mut v = o.value.clone();
    let mut addresses = Vec::new();
    visit_refs(&mut v, &mut |target, _| {
        addresses.push(address(&plan.resources[*target]));
        *target = 0;
    });
    format!("{v:?}{addresses:?}{:?}{}", o.description, o.sensitive)
}

fn refs_of(v: &PValue) -> Vec<ResourceId> {
    let mut out = Vec::new();
    v.refs(&mut out);
    out
}

fn address(r: &Resource) -> String {
    format!("{}.{}", r.kind.address, r.ident)
}

/// The addresses every environment declares with the same Terraform, and
/// whose references all stay among them.
fn shared_addresses(plans: &[(String, Plan)]) -> FxHashSet<String> {
    if plans.len() < 2 {
        return FxHashSet::default();
    }
    let texts: Vec<FxHashMap<String, (ResourceId, String)>> = plans
        .iter()
        .map(|(_, plan)| {
            // An `external` resource every environment declares is in the
            // shared root's hand-written files: the environments read it
            // there, and what refers to it alone can be shared too.
            (0..plan.resources.len())
                .map(|i| (address(&plan.resources[i]), (i, resource_text(plan, i))))
                .collect()
        })
        .collect();
    let mut shared: FxHashSet<String> = texts[0]
        .iter()
        .filter(|(a, (_, text))| {
            texts[1..]
                .iter()
                .all(|other| other.get(*a).is_some_and(|(_, t)| t == text))
        })
        .map(|(a, _)| a.clone())
        .collect();
    // A resource that refers to one of an environment's own is the
    // environment's too, and so on, until nothing changes.
    loop {
        let before = shared.len();
        let gone: Vec<String> = shared
            .iter()
            .filter(|a| {
                plans.iter().zip(&texts).any(|((_, plan), text)| {
                    let r = &plan.resources[text[*a].0];
                    let mut targets = Vec::new();
                    r.body.refs(&mut targets);
                    targets.extend(r.depends_on().iter().copied());
                    targets
                        .iter()
                        .any(|(t, _)| !shared.contains(&address(&plan.resources[*t])))
                })
            })
            .cloned()
            .collect();
        for a in gone {
            shared.remove(&a);
        }
        if shared.len() == before {
            return shared;
        }
    }
}

/// The plan with only the resources `keep` (in that order, which is the
/// dependency order): references renumbered, the rest of the plan as is.
fn subset(plan: &Plan, keep: &[ResourceId]) -> Plan {
    let mut new_id = vec![usize::MAX; plan.resources.len()];
    for (n, &i) in keep.iter().enumerate() {
        new_id[i] = n;
    }
    let mut resources: Vec<Resource> = keep.iter().map(|&i| plan.resources[i].clone()).collect();
    for r in &mut resources {
        renumber_body(&mut r.body, &new_id);
        if let Some(extras) = r.extras.as_mut() {
            extras.depends_on.retain(|(t, _)| new_id[*t] != usize::MAX);
            for (t, _) in &mut extras.depends_on {
                *t = new_id[*t];
            }
        }
    }
    let mut outputs = plan.outputs.clone();
    for o in &mut outputs {
        renumber(&mut o.value, &new_id);
    }
    Plan {
        order: (0..resources.len()).collect(),
        resources,
        outputs,
        secrets: plan.secrets.clone(),
        providers: plan.providers.clone(),
        ..Plan::default()
    }
}

/// Where a reference points at a resource that is not in the subset
/// (`usize::MAX`), it is left for `read_shared` to rewrite.
fn renumber(v: &mut PValue, new_id: &[usize]) {
    match v {
        PValue::Ref { target, .. } => {
            if new_id[*target] != usize::MAX {
                *target = new_id[*target];
            } else {
                *target = usize::MAX - 1 - *target;
            }
        }
        PValue::List(items) => items.iter_mut().for_each(|i| renumber(i, new_id)),
        PValue::Map(items) => items.iter_mut().for_each(|(_, i)| renumber(i, new_id)),
        PValue::Template(parts) => {
            for p in parts {
                if let PPart::Ref { target, .. } = p {
                    if new_id[*target] != usize::MAX {
                        *target = new_id[*target];
                    } else {
                        *target = usize::MAX - 1 - *target;
                    }
                }
            }
        }
        _ => {}
    }
}

fn renumber_body(body: &mut Body, new_id: &[usize]) {
    for a in &mut body.attrs {
        renumber(&mut a.value, new_id);
    }
    for b in &mut body.blocks {
        renumber_body(&mut b.body, new_id);
    }
}

/// References from an environment's root to shared resources become
/// `data.terraform_remote_state.shared.outputs.NAME`; `exported` collects
/// the outputs the shared root must write.
fn read_shared(
    plan: &Plan,
    root: &mut Plan,
    shared: &FxHashSet<String>,
    exported: &mut Vec<(String, String, &'static str, bool)>,
) {
    let stub = root.resources.len();
    let mut used = false;
    let mut rewrite = |v: &mut PValue| {
        let mut visit = |target: &mut usize, attr: &mut &'static str| {
            if *target < usize::MAX / 2 {
                return;
            }
            let original = usize::MAX - 1 - *target;
            let r = &plan.resources[original];
            let addr = address(r);
            debug_assert!(shared.contains(&addr));
            let name = output_name(&addr, attr);
            let sensitive = r
                .kind
                .schema()
                .attributes
                .get(*attr)
                .is_some_and(|a| a.sensitive);
            exported.push((name.clone(), addr, attr, sensitive));
            *target = stub;
            *attr = Box::leak(format!("outputs.{name}").into_boxed_str());
            used = true;
        };
        visit_refs(v, &mut visit);
    };
    for r in &mut root.resources {
        each_value(&mut r.body, &mut rewrite);
    }
    for o in &mut root.outputs {
        rewrite(&mut o.value);
    }
    if used {
        root.resources
            .push(remote_state(plan.shared_backend.as_ref()));
        // Read before anything that uses it.
        root.order.insert(0, stub);
    }
}

fn visit_refs(v: &mut PValue, f: &mut impl FnMut(&mut usize, &mut &'static str)) {
    match v {
        PValue::Ref { target, attr } => f(target, attr),
        PValue::List(items) => items.iter_mut().for_each(|i| visit_refs(i, f)),
        PValue::Map(items) => items.iter_mut().for_each(|(_, i)| visit_refs(i, f)),
        PValue::Template(parts) => {
            for p in parts {
                if let PPart::Ref { target, attr } = p {
                    f(target, attr);
                }
            }
        }
        _ => {}
    }
}

fn each_value(body: &mut Body, f: &mut impl FnMut(&mut PValue)) {
    for a in &mut body.attrs {
        f(&mut a.value);
    }
    for b in &mut body.blocks {
        each_value(&mut b.body, f);
    }
}

/// `digitalocean_vpc.dxos` `id` → `digitalocean_vpc__dxos__id`.
fn output_name(address: &str, attr: &str) -> String {
    let mut name = format!("{}__{}", address.replace('.', "__"), attr);
    name = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.trim_end_matches('_').to_string()
}

/// `data "terraform_remote_state" "shared"`: the shared root's state, read
/// through the same backend (or, without one, its local state file).
fn remote_state(backend: Option<&BackendConfig>) -> Resource {
    let (kind, config) = match backend {
        Some(b) if b.kind != "cloud" => (b.kind.clone(), map_of(&b.body)),
        Some(b) => ("remote".to_string(), map_of(&b.body)),
        None => (
            "local".to_string(),
            PValue::Map(vec![(
                "path".to_string(),
                PValue::Str(format!("../{SHARED}/terraform.tfstate").into()),
            )]),
        ),
    };
    let attr = |name: &'static str, value: PValue| Attr {
        name,
        value,
        span: Span::default(),
    };
    Resource {
        kind: crate::kinds::remote_state(),
        label: SmolStr::new(SHARED),
        ident: SHARED.to_string(),
        span: Span::default(),
        body: Body {
            attrs: vec![
                attr("backend", PValue::Str(kind.into())),
                attr("config", config),
            ],
            blocks: Vec::new(),
        },
        extras: None,
    }
}

/// A backend's settings as the object `config` takes (blocks as objects).
fn map_of(body: &Body) -> PValue {
    let mut entries: Vec<(String, PValue)> = body
        .attrs
        .iter()
        .map(|a| (a.name.to_string(), a.value.clone()))
        .collect();
    entries.extend(
        body.blocks
            .iter()
            .map(|b| (b.name.to_string(), map_of(&b.body))),
    );
    PValue::Map(entries)
}

/// Only the providers and variables the root's resources use.
fn finish(root: &mut Plan) {
    let mut used: Vec<(&str, Option<&str>)> = root
        .resources
        .iter()
        .filter(|r| r.kind.provider != "terraform")
        .map(|r| (r.kind.provider.as_str(), r.provider_alias()))
        .collect();
    used.sort();
    used.dedup();
    let providers: Vec<ProviderConfig> = root
        .providers
        .iter()
        .filter(|p| used.contains(&(p.name.as_str(), p.alias.as_deref())))
        .cloned()
        .collect();
    let mut secrets: FxHashSet<String> = FxHashSet::default();
    let mut collect = |v: &PValue| secrets_in(v, &mut secrets);
    for r in &root.resources {
        values(&r.body, &mut collect);
    }
    for p in &providers {
        values(&p.body, &mut collect);
    }
    for o in &root.outputs {
        collect(&o.value);
    }
    root.secrets.retain(|s| secrets.contains(&s.name));
    root.providers = providers;
}

fn values(body: &Body, f: &mut impl FnMut(&PValue)) {
    for a in &body.attrs {
        f(&a.value);
    }
    for b in &body.blocks {
        values(&b.body, f);
    }
}

fn secrets_in(v: &PValue, out: &mut FxHashSet<String>) {
    match v {
        PValue::Secret(name) => {
            out.insert(name.clone());
        }
        PValue::List(items) => items.iter().for_each(|i| secrets_in(i, out)),
        PValue::Map(items) => items.iter().for_each(|(_, i)| secrets_in(i, out)),
        PValue::Template(parts) => {
            for p in parts {
                if let PPart::Secret(name) = p {
                    out.insert(name.clone());
                }
            }
        }
        _ => {}
    }
}
