//! Diff stage: what a build would change, compared with earlier output
//! (the files on disk, or the project compiled at a git revision). Pure:
//! the CLI gathers both sides. Two levels: a semantic summary (resources
//! created, updated, replaced, deleted, with their changed attributes and
//! the resources that depend on them) and unified file diffs.

mod kube;
mod sites;

use crate::backends::Files;
use crate::graph::Graph;
use crate::kinds::Registry;
use crate::plan::Plan;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    /// Renamed with `moved-from`: Terraform moves it in its state.
    Move,
}

impl Action {
    fn sign(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "±",
            Action::Delete => "-",
            Action::Move => "→",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttrChange {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// For lists, maps and blocks: the elements (lines) added and removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    pub forces_replacement: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The output it belongs to (`terraform`).
    pub backend: &'static str,
    /// `digitalocean_droplet.web`; other blocks as `output.x`, `var.x`, …
    pub address: String,
    /// Whether it is a resource (counted in the summary) or another block.
    pub resource: bool,
    pub action: Action,
    pub attributes: Vec<AttrChange>,
    /// Resources that depend on it, directly or not (its blast radius).
    pub dependents: Vec<String>,
    /// Whether applying it destroys something that holds data: a
    /// replacement, or the delete of a stateful resource.
    pub destructive: bool,
    /// What else a reviewer should know: where a move comes from, or that
    /// a delete and a create look like a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Modified,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileChange {
    pub path: String,
    pub status: FileStatus,
    pub added: usize,
    pub removed: usize,
    /// Unified diff with three lines of context.
    pub diff: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub moved: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// What was compared, for the heading of a pull-request comment: the
    /// project and the environment (`wesync, environment prod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Terraform resources.
    pub counts: Counts,
    /// Kubernetes objects, over every environment.
    pub kubernetes: Counts,
    /// Sites (one web server's configuration of a site each).
    pub sites: Counts,
    pub changes: Vec<Change>,
    pub files: Vec<FileChange>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether applying it destroys data (`--exit-code` says so apart).
    pub fn is_destructive(&self) -> bool {
        self.changes.iter().any(|c| c.destructive)
    }
}

/// Terraform types whose resources hold data: deleting one loses it.
const STATEFUL: &[&str] = &[
    "aws_db_instance",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_efs_file_system",
    "aws_elasticache_cluster",
    "aws_instance",
    "aws_rds_cluster",
    "aws_s3_bucket",
    "aws_sqs_queue",
    "cloudflare_r2_bucket",
    "digitalocean_database_cluster",
    "digitalocean_database_db",
    "digitalocean_droplet",
    "digitalocean_kubernetes_cluster",
    "digitalocean_spaces_bucket",
    "digitalocean_volume",
    "heroku_addon",
    "heroku_app",
];

/// Compares the output files of a build with earlier ones. `current` gives
/// the new plan and graph, for blast radius.
pub fn diff(
    old: &Files,
    new: &Files,
    current: Option<(&Plan, &Graph)>,
    kinds: &Registry,
) -> Report {
    let mut report = Report::default();
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let empty = String::new();
    let mut terraform_files_changed = false;
    for path in paths {
        let (a, b) = (old.get(path), new.get(path));
        if a == b {
            continue;
        }
        let status = match (a, b) {
            (None, _) => FileStatus::Added,
            (_, None) => FileStatus::Removed,
            _ => FileStatus::Modified,
        };
        let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
        report.files.push(file_change(path, status, a, b));
        if is_terraform(path) {
            terraform_files_changed = true;
        } else if !kube::changes(path, a, b, &mut report.changes) {
            sites::changes(path, a, b, &mut report.changes);
        }
    }
    // Terraform's blocks are compared over all the files of a root at
    // once: a resource keeps its address when it moves between files, and
    // a `moved` block (its own file) pairs an old address with a new one.
    // A project with environments has a root per environment and one
    // shared; their changes are named after the root (`prod: …`).
    if terraform_files_changed {
        let mut roots: Vec<&str> = old
            .keys()
            .chain(new.keys())
            .filter(|p| is_terraform(p))
            .map(|p| terraform_root(p))
            .collect();
        roots.sort();
        roots.dedup();
        for root in roots {
            let all = |files: &Files| -> String {
                let mut paths: Vec<&String> = files
                    .keys()
                    .filter(|p| is_terraform(p) && terraform_root(p) == root)
                    .collect();
                paths.sort();
                paths
                    .iter()
                    .map(|p| files[*p].as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let (a, b) = (all(old), all(new));
            if a == b {
                continue;
            }
            let from = report.changes.len();
            terraform_changes(&a, &b, kinds, &mut report.changes);
            if !root.is_empty() {
                for c in &mut report.changes[from..] {
                    c.address = format!("{root}: {}", c.address);
                }
            }
        }
    }
    if let Some((plan, graph)) = current {
        blast_radius(&mut report.changes, plan, graph);
    }
    report
        .changes
        .sort_by(|x, y| (group(x), &x.address).cmp(&(group(y), &y.address)));
    for c in &report.changes {
        let counts = match (c.resource, c.backend) {
            (true, _) => &mut report.counts,
            (false, "kubernetes") => &mut report.kubernetes,
            (false, "terraform") => continue,
            (false, _) => &mut report.sites,
        };
        match c.action {
            Action::Create => counts.create += 1,
            Action::Update => counts.update += 1,
            Action::Replace => counts.replace += 1,
            Action::Delete => counts.delete += 1,
            Action::Move => counts.moved += 1,
        }
    }
    report
}

fn file_change(path: &str, status: FileStatus, a: &str, b: &str) -> FileChange {
    let diff = similar::TextDiff::from_lines(a, b);
    let (mut added, mut removed) = (0, 0);
    for op in diff.ops() {
        match op.tag() {
            similar::DiffTag::Insert => added += op.new_range().len(),
            similar::DiffTag::Delete => removed += op.old_range().len(),
            similar::DiffTag::Replace => {
                added += op.new_range().len();
                removed += op.old_range().len();
            }
            similar::DiffTag::Equal => {}
        }
    }
    let (from, to) = match status {
        FileStatus::Added => ("/dev/null".to_string(), format!("b/{path}")),
        FileStatus::Removed => (format!("a/{path}"), "/dev/null".to_string()),
        FileStatus::Modified => (format!("a/{path}"), format!("b/{path}")),
    };
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&from, &to)
        .to_string();
    FileChange {
        path: path.to_string(),
        status,
        added,
        removed,
        diff: unified,
    }
}

/// A top-level block of a Terraform file as infrac writes it.
struct TfBlock<'t> {
    address: String,
    resource_type: Option<&'t str>,
    text: &'t str,
}

/// Splits a file into top-level blocks: a line at column 0 ending in `{`
/// opens one, a line `}` closes it (the layout `terraform fmt` keeps).
fn blocks(text: &str) -> Vec<TfBlock<'_>> {
    let mut out = Vec::new();
    let mut start: Option<(usize, &str)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        match start {
            None if !line.starts_with([' ', '#', '\n']) && trimmed.ends_with('{') => {
                start = Some((offset, trimmed))
            }
            None if !line.starts_with([' ', '#']) && trimmed.ends_with("{}") => {
                out.push(block_of(
                    trimmed.trim_end_matches("{}"),
                    &text[offset..offset + line.len()],
                ));
            }
            Some((s, header)) if trimmed == "}" => {
                out.push(block_of(header, &text[s..offset + line.len()]));
                start = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    out
}

fn block_of<'t>(header: &'t str, text: &'t str) -> TfBlock<'t> {
    let mut words = header.trim_end_matches('{').split_whitespace();
    let kind = words.next().unwrap_or("");
    let labels: Vec<&str> = words.map(|w| w.trim_matches('"')).collect();
    let (address, resource_type) = match (kind, labels.as_slice()) {
        ("resource", [ty, name]) => (format!("{ty}.{name}"), Some(*ty)),
        ("variable", [name]) => (format!("var.{name}"), None),
        ("import", _) => {
            let to = attributes(text)
                .into_iter()
                .find(|(k, _)| k == "to")
                .map(|(_, v)| v)
                .unwrap_or_default();
            (format!("import.{to}"), None)
        }
        (kind, []) => (kind.to_string(), None),
        (kind, labels) => (format!("{kind}.{}", labels.join(".")), None),
    };
    TfBlock {
        address,
        resource_type,
        text,
    }
}

/// Top-level entries of a block: attributes (`key`, value text) and
/// nested blocks (`name`, `name[2]` for the second, their content).
fn attributes(block: &str) -> Vec<(String, String)> {
    entries(block)
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect()
}

struct Entry {
    key: String,
    /// The value's text, lines joined by spaces.
    value: String,
    /// For a value spanning lines: its inner lines, normalised.
    elements: Vec<String>,
}

fn entries(block: &str) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut lines = block.lines().skip(1).peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("  ") else {
            continue;
        };
        if rest.starts_with(' ') || rest.is_empty() || rest == "}" {
            continue;
        }
        let (key, value, opens) = match rest.split_once(" = ").or_else(|| rest.split_once('=')) {
            Some((k, v)) => {
                let v = v.trim();
                (
                    k.trim().to_string(),
                    v.to_string(),
                    v.ends_with('[') || v.ends_with('{'),
                )
            }
            None => (
                rest.trim_end_matches('{').trim().to_string(),
                String::new(),
                rest.ends_with('{'),
            ),
        };
        let mut value = value;
        let mut elements = Vec::new();
        if opens {
            // Gather the lines up to the matching closing line at this indentation.
            let mut parts: Vec<String> = if value.is_empty() {
                Vec::new()
            } else {
                vec![value.clone()]
            };
            for inner in lines.by_ref() {
                if inner.starts_with("  ")
                    && !inner.starts_with("   ")
                    && matches!(inner.trim(), "}" | "]")
                {
                    if !parts.is_empty() && (value.ends_with('[') || value.ends_with('{')) {
                        parts.push(inner.trim().to_string());
                    }
                    break;
                }
                let element = inner.trim().trim_end_matches(',');
                elements.push(element.split_whitespace().collect::<Vec<_>>().join(" "));
                parts.push(inner.trim().to_string());
            }
            value = parts.join(" ");
        }
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        let key = if *n > 1 { format!("{key}[{n}]") } else { key };
        out.push(Entry {
            key,
            value,
            elements,
        });
    }
    out
}

/// `text` with references to each moved resource written with its new
/// address (`moves`: new → old): the same resource to Terraform. Copied
/// only when it names one.
fn renamed<'t>(text: &'t str, moves: &HashMap<String, String>) -> std::borrow::Cow<'t, str> {
    let mut text = std::borrow::Cow::Borrowed(text);
    for (to, from) in moves {
        let old = format!("{from}.");
        if text.contains(&old) {
            text = std::borrow::Cow::Owned(text.replace(&old, &format!("{to}.")));
        }
    }
    text
}

/// `prod` of `prod: digitalocean_droplet.web` (a root's or an
/// environment's change).
fn environment_of(address: &str) -> Option<&str> {
    let (env, _) = address.split_once(": ")?;
    (!env.is_empty()
        && env
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    .then_some(env)
}

fn is_terraform(path: &str) -> bool {
    path.starts_with("terraform/") && path.ends_with(".tf")
}

/// The root a Terraform file belongs to: `prod` for
/// `terraform/prod/dns.tf`, empty for `terraform/dns.tf`.
fn terraform_root(path: &str) -> &str {
    let rest = path.strip_prefix("terraform/").unwrap_or(path);
    rest.rsplit_once('/').map_or("", |(root, _)| root)
}

fn terraform_changes(old: &str, new: &str, kinds: &Registry, out: &mut Vec<Change>) {
    let old_blocks = blocks(old);
    let new_blocks = blocks(new);
    let old_by: HashMap<&str, &TfBlock> =
        old_blocks.iter().map(|b| (b.address.as_str(), b)).collect();
    let new_by: HashMap<&str, &TfBlock> =
        new_blocks.iter().map(|b| (b.address.as_str(), b)).collect();
    // `moved` blocks of the new output: new address → old address.
    let moves: HashMap<String, String> = new_blocks
        .iter()
        .filter(|b| b.address == "moved")
        .filter_map(|b| {
            let a = attributes(b.text);
            let get = |k: &str| a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            Some((get("to")?, get("from")?))
        })
        .collect();
    let mut moved_away: Vec<&str> = Vec::new();
    // References to a moved resource, written as it was before: the same
    // resource to Terraform, so not a change.
    let compare = |o: &TfBlock, b: &TfBlock| {
        let replace_on = b
            .resource_type
            .and_then(|t| kinds.by_resource(t))
            .map(|k| k.replace_on.as_slice())
            .unwrap_or(&[]);
        attribute_changes(&renamed(o.text, &moves), b.text, replace_on)
    };
    for b in new_blocks.iter().filter(|b| b.address != "moved") {
        match old_by.get(b.address.as_str()) {
            None => match moves
                .get(&b.address)
                .and_then(|from| old_by.get(from.as_str()))
            {
                Some(o) if !new_by.contains_key(o.address.as_str()) => {
                    moved_away.push(&o.address);
                    let attrs = compare(o, b);
                    let forced = attrs.iter().any(|a| a.forces_replacement);
                    let mut c = change(
                        b,
                        if forced {
                            Action::Replace
                        } else {
                            Action::Move
                        },
                        attrs,
                    );
                    c.note = Some(format!("moved from {}", o.address));
                    out.push(c);
                }
                _ => out.push(change(b, Action::Create, Vec::new())),
            },
            Some(o) if o.text == b.text => {}
            Some(o) => {
                let attrs = compare(o, b);
                if attrs.is_empty() && !moves.is_empty() {
                    continue; // it only names a moved resource by its new name
                }
                let action = if attrs.iter().any(|a| a.forces_replacement) {
                    Action::Replace
                } else {
                    Action::Update
                };
                out.push(change(b, action, attrs));
            }
        }
    }
    let created: Vec<&TfBlock> = new_blocks
        .iter()
        .filter(|b| {
            b.resource_type.is_some()
                && !old_by.contains_key(b.address.as_str())
                && !moves.contains_key(&b.address)
        })
        .collect();
    let deleted: Vec<&TfBlock> = old_blocks
        .iter()
        .filter(|b| {
            !new_by.contains_key(b.address.as_str())
                && !moved_away.contains(&b.address.as_str())
                && b.address != "moved"
        })
        .collect();
    // A delete and a create of the same type with the same attributes
    // (the name aside), each the other's only such match: most likely a
    // rename, which `moved-from` keeps.
    let alike = |a: &TfBlock, b: &TfBlock| {
        a.resource_type.is_some()
            && a.resource_type == b.resource_type
            && compare(a, b).iter().all(|c| c.name == "name")
    };
    for &b in &deleted {
        let mut c = change(b, Action::Delete, Vec::new());
        let matches: Vec<&&TfBlock> = created.iter().filter(|n| alike(b, n)).collect();
        let only = match matches.as_slice() {
            [n] if deleted.iter().filter(|o| alike(o, n)).count() == 1 => Some(n),
            _ => None,
        };
        if let Some(n) = only {
            // The label as declared: the name attribute when it has one.
            let ident = b.address.split('.').nth(1).unwrap_or_default().to_string();
            let old_name = attributes(b.text)
                .into_iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.trim_matches('"').to_string())
                .filter(|n| crate::resolve::tf_ident(n) == ident)
                .unwrap_or(ident);
            c.note = Some(format!(
                "looks like a rename to {}: write `moved-from=\"{old_name}\"` on it to keep the resource",
                n.address
            ));
        }
        out.push(c);
    }
}

fn change(b: &TfBlock, action: Action, attributes: Vec<AttrChange>) -> Change {
    let stateful = b.resource_type.is_some_and(|t| STATEFUL.contains(&t));
    Change {
        backend: "terraform",
        address: b.address.clone(),
        resource: b.resource_type.is_some(),
        destructive: action == Action::Replace || (action == Action::Delete && stateful),
        action,
        attributes,
        dependents: Vec::new(),
        note: None,
    }
}

fn attribute_changes(old: &str, new: &str, replace_on: &[String]) -> Vec<AttrChange> {
    let a: BTreeMap<String, Entry> = entries(old)
        .into_iter()
        .map(|e| (e.key.clone(), e))
        .collect();
    let b = entries(new);
    let mut out = Vec::new();
    for e in &b {
        let before = a.get(&e.key);
        if before.map(|o| &o.value) == Some(&e.value) {
            continue;
        }
        let (added, removed) = match before {
            Some(o) if !o.elements.is_empty() || !e.elements.is_empty() => {
                element_changes(&o.elements, &e.elements)
            }
            _ => (Vec::new(), Vec::new()),
        };
        out.push(AttrChange {
            name: e.key.clone(),
            old: before.map(|o| o.value.clone()),
            new: Some(e.value.clone()),
            added,
            removed,
            forces_replacement: forces(&e.key, replace_on),
        });
    }
    for (k, o) in &a {
        if !b.iter().any(|e| &e.key == k) {
            out.push(AttrChange {
                name: k.clone(),
                old: Some(o.value.clone()),
                new: None,
                added: Vec::new(),
                removed: Vec::new(),
                forces_replacement: forces(k, replace_on),
            });
        }
    }
    out
}

/// Elements in one list and not the other (as multisets, order ignored).
fn element_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let mut count: HashMap<&str, i64> = HashMap::new();
    for e in old {
        *count.entry(e).or_default() -= 1;
    }
    for e in new {
        *count.entry(e).or_default() += 1;
    }
    let added = new
        .iter()
        .filter(|e| count.get(e.as_str()).is_some_and(|c| *c > 0))
        .cloned()
        .collect();
    let removed = old
        .iter()
        .filter(|e| count.get(e.as_str()).is_some_and(|c| *c < 0))
        .cloned()
        .collect();
    (added, removed)
}

fn forces(key: &str, replace_on: &[String]) -> bool {
    let base = key.split('[').next().unwrap_or(key);
    replace_on.iter().any(|r| r == base)
}

/// Every resource that depends on a changed one, in dependency order.
fn blast_radius(changes: &mut [Change], plan: &Plan, graph: &Graph) {
    let index: HashMap<String, usize> = plan
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (format!("{}.{}", r.kind.address, r.ident), i))
        .collect();
    let position: HashMap<usize, usize> = plan
        .order
        .iter()
        .enumerate()
        .map(|(p, &i)| (i, p))
        .collect();
    for c in changes
        .iter_mut()
        .filter(|c| c.resource && c.action != Action::Delete)
    {
        // A root's change is named `prod: ADDRESS`.
        let address = c.address.rsplit(": ").next().unwrap_or(&c.address);
        let Some(&start) = index.get(address) else {
            continue;
        };
        let mut seen = vec![false; plan.resources.len()];
        let mut queue = VecDeque::from([start]);
        seen[start] = true;
        let mut found = Vec::new();
        while let Some(i) = queue.pop_front() {
            for next in graph
                .graph
                .neighbors_directed(petgraph::graph::NodeIndex::new(i), petgraph::Outgoing)
            {
                let j = next.index();
                if !seen[j] {
                    seen[j] = true;
                    found.push(j);
                    queue.push_back(j);
                }
            }
        }
        found.sort_by_key(|j| position.get(j).copied().unwrap_or(usize::MAX));
        c.dependents = found
            .into_iter()
            .map(|j| {
                format!(
                    "{}.{}",
                    plan.resources[j].kind.address, plan.resources[j].ident
                )
            })
            .collect();
    }
}

// ---- rendering -------------------------------------------------------------

/// GitHub refuses comments longer than this.
pub const COMMENT_LIMIT: usize = 65_536;
const SHOWN_DEPENDENTS: usize = 5;
const VALUE_WIDTH: usize = 60;

fn short(v: &Option<String>) -> String {
    match v {
        None => "(none)".to_string(),
        Some(v) if v.chars().count() > VALUE_WIDTH => {
            format!("{}…", v.chars().take(VALUE_WIDTH - 1).collect::<String>())
        }
        Some(v) => v.clone(),
    }
}

const SHOWN_ELEMENTS: usize = 3;

fn elements(sign: &str, items: &[String]) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let mut s = items
        .iter()
        .take(SHOWN_ELEMENTS)
        .map(|i| format!("{sign}{}", short(&Some(i.clone()))))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN_ELEMENTS {
        let _ = write!(s, " and {} more", items.len() - SHOWN_ELEMENTS);
    }
    Some(s)
}

fn attr_summary(c: &Change) -> String {
    c.attributes
        .iter()
        .map(|a| {
            let change = if a.added.is_empty() && a.removed.is_empty() {
                format!("{} → {}", short(&a.old), short(&a.new))
            } else {
                [elements("+", &a.added), elements("-", &a.removed)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "{} {change}{}",
                a.name,
                if a.forces_replacement {
                    " (forces replacement)"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn dependents_summary(c: &Change) -> String {
    let mut s = c
        .dependents
        .iter()
        .take(SHOWN_DEPENDENTS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if c.dependents.len() > SHOWN_DEPENDENTS {
        let _ = write!(s, " and {} more", c.dependents.len() - SHOWN_DEPENDENTS);
    }
    s
}

/// Where a change is listed: Terraform resources, then sites, then
/// Kubernetes objects, then other Terraform blocks (rank, heading).
fn group(c: &Change) -> (u8, &'static str) {
    match (c.resource, c.backend) {
        (true, _) => (0, ""),
        (false, "kubernetes") => (2, "kubernetes objects"),
        (false, "terraform") => (3, "other blocks"),
        (false, _) => (1, "sites"),
    }
}

fn counts_line(r: &Report) -> String {
    let c = &r.counts;
    let mut line = format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        c.create, c.update, c.replace, c.delete
    );
    if c.moved > 0 {
        let _ = write!(line, ", {} to move", c.moved);
    }
    let s = &r.sites;
    if *s != Counts::default() {
        let _ = write!(
            line,
            "; sites: {} to add, {} to change, {} to remove",
            s.create,
            s.update + s.replace,
            s.delete
        );
    }
    let k = &r.kubernetes;
    if *k != Counts::default() {
        let _ = write!(
            line,
            "; Kubernetes objects: {} to add, {} to change, {} to replace, {} to remove",
            k.create, k.update, k.replace, k.delete
        );
    }
    line
}

pub fn render_human(r: &Report, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if r.is_empty() {
        out.push_str("infrac diff: no changes\n");
        return out;
    }
    let _ = writeln!(out, "infrac diff: {}", counts_line(r));
    let mut header = "";
    for c in &r.changes {
        let group = group(c).1;
        if group != header {
            let _ = write!(out, "\n  {group}:\n");
            header = group;
        }
        let code = match c.action {
            Action::Create => "32",
            Action::Delete if c.destructive => "1;31",
            Action::Delete => "31",
            Action::Replace => "1;31",
            Action::Update => "33",
            Action::Move => "36",
        };
        let mut line = format!("  {} {}", c.action.sign(), c.address);
        if !c.attributes.is_empty() {
            let _ = write!(line, ": {}", attr_summary(c));
        }
        if c.action == Action::Replace {
            line.push_str("  [destroys and recreates]");
        } else if c.destructive {
            line.push_str("  [destroys it and its data]");
        }
        let _ = writeln!(out, "{}", paint(code, &line));
        if let Some(note) = &c.note {
            let _ = writeln!(out, "      {note}");
        }
        if !c.dependents.is_empty() {
            let _ = writeln!(out, "      affects: {}", dependents_summary(c));
        }
    }
    for f in &r.files {
        out.push('\n');
        for line in f.diff.lines() {
            let code = if line.starts_with("+++") || line.starts_with("---") {
                "1"
            } else if line.starts_with('+') {
                "32"
            } else if line.starts_with('-') {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                ""
            };
            if code.is_empty() {
                let _ = writeln!(out, "{line}");
            } else {
                let _ = writeln!(out, "{}", paint(code, line));
            }
        }
    }
    out
}

/// Text in a table cell, with everything Markdown or HTML would
/// interpret escaped: a value from the project must not become a link, an
/// image, markup or a new cell in a pull-request comment.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_ascii_punctuation()
                && !matches!(
                    c,
                    '.' | ',' | ':' | ';' | '/' | '=' | '"' | '\'' | '-' | '?' | '@' | '%'
                ) =>
            {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span for a table cell: a fence longer than any run of
/// backticks inside, padded where the text starts or ends with one, and
/// `|` escaped (GitHub splits cells on it even in code).
fn md_code(s: &str) -> String {
    let text = s.replace(['\n', '\r'], " ").replace('|', "\\|");
    let mut fence = fence(&text);
    fence.truncate(
        fence
            .len()
            .min(text.split(|c| c != '`').map(str::len).max().unwrap_or(0) + 1),
    );
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fence longer than any run of backticks in the text.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// For a pull-request comment: the summary table first (never cut), then
/// each file's diff in a collapsible section, cut so that the whole
/// comment stays under GitHub's limit.
pub fn render_markdown(r: &Report) -> String {
    let mut out = match &r.subject {
        Some(s) => format!("## infrac diff: {}\n\n", md_cell(s)),
        None => String::from("## infrac diff\n\n"),
    };
    if r.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let c = &r.counts;
    let _ = writeln!(
        out,
        "Terraform resources: **{}** to create · **{}** to update · **{}** to replace{} · **{}** to delete{}{}\n",
        c.create,
        c.update,
        c.replace,
        if c.replace > 0 {
            " ⚠️ destructive"
        } else {
            ""
        },
        c.delete,
        if r.changes.iter().any(|ch| ch.destructive && ch.action == Action::Delete) {
            " ⚠️ destroys data"
        } else {
            ""
        },
        if c.moved > 0 {
            format!(" · **{}** to move", c.moved)
        } else {
            String::new()
        }
    );
    let s = &r.sites;
    if *s != Counts::default() {
        let _ = writeln!(
            out,
            "Sites: **{}** to add · **{}** to change · **{}** to remove\n",
            s.create,
            s.update + s.replace,
            s.delete
        );
    }
    let k = &r.kubernetes;
    if *k != Counts::default() {
        let _ = writeln!(
            out,
            "Kubernetes objects: **{}** to add · **{}** to change · **{}** to replace · **{}** to remove\n",
            k.create, k.update, k.replace, k.delete
        );
    }
    // A section per environment (and for what they share) when the
    // changes name them (`prod: …`), each with its own table.
    let mut sections: Vec<(&str, Vec<&Change>)> = Vec::new();
    for ch in &r.changes {
        let section = environment_of(&ch.address).unwrap_or("");
        match sections.iter_mut().find(|(s, _)| *s == section) {
            Some((_, list)) => list.push(ch),
            None => sections.push((section, vec![ch])),
        }
    }
    sections.sort_by_key(|(s, _)| (*s != "shared", *s));
    let headed = sections.len() > 1 || sections.iter().any(|(s, _)| !s.is_empty());
    for (section, changes) in &sections {
        if headed {
            let _ = writeln!(
                out,
                "### {}\n",
                match *section {
                    "" => "Everywhere".to_string(),
                    "shared" => "Shared by every environment".to_string(),
                    env => format!("Environment {}", md_cell(env)),
                }
            );
        }
        out.push_str("| | address | changes | affects |\n|---|---|---|---|\n");
        for ch in changes {
            let address = match environment_of(&ch.address) {
                Some(env) if headed => &ch.address[env.len() + 2..],
                _ => ch.address.as_str(),
            };
            let action = match ch.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Replace => "**replace**",
                Action::Delete if ch.destructive => "**delete** (destroys its data)",
                Action::Delete => "delete",
                Action::Move => "move",
            };
            let _ = writeln!(
                out,
                "| `{}` {} | {} | {} | {} |",
                ch.action.sign(),
                action,
                md_code(address),
                md_cell(&match &ch.note {
                    Some(note) if ch.attributes.is_empty() => note.clone(),
                    Some(note) => format!("{}; {note}", attr_summary(ch)),
                    None => attr_summary(ch),
                }),
                md_cell(&dependents_summary(ch))
            );
        }
        out.push('\n');
    }
    const NOTE_ROOM: usize = 400;
    let mut left_out = Vec::new();
    for f in &r.files {
        let title = format!(
            "<details><summary><code>{}</code> ({}, +{} −{})</summary>\n\n",
            f.path,
            match f.status {
                FileStatus::Added => "added",
                FileStatus::Modified => "modified",
                FileStatus::Removed => "removed",
            },
            f.added,
            f.removed
        );
        let fence = fence(&f.diff);
        let whole = format!("{title}{fence}diff\n{}{fence}\n\n</details>\n\n", f.diff);
        let budget = COMMENT_LIMIT.saturating_sub(out.len() + NOTE_ROOM);
        if whole.len() <= budget {
            out.push_str(&whole);
            continue;
        }
        let frame = title.len() + 2 * fence.len() + 200;
        if budget > frame + 1000 {
            let room = budget - frame;
            let mut shown = String::new();
            let mut lines = f.diff.lines();
            for line in lines.by_ref() {
                if shown.len() + line.len() + 1 > room {
                    break;
                }
                shown.push_str(line);
                shown.push('\n');
            }
            let rest = f.diff.lines().count() - shown.lines().count();
            let _ = write!(out, "{title}{fence}diff\n{shown}{fence}\n\n… {rest} more lines not shown: the diff is too large for a comment; run `infrac diff` locally.\n\n</details>\n\n");
        } else {
            left_out.push(f.path.as_str());
        }
    }
    if !left_out.is_empty() {
        let _ = writeln!(
            out,
            "Not shown, to keep this comment under GitHub's size limit: {}.",
            left_out
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}

pub fn render_json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_read_single_and_multi_line_values_and_nested_blocks() {
        let block = "resource \"t\" \"n\" {\n  name = \"a\"\n  tags = [\n    x.id,\n    y.id,\n  ]\n\n  rule {\n    port = 1\n  }\n\n  rule {\n    port = 2\n  }\n}\n";
        let a = attributes(block);
        assert_eq!(a[0], ("name".into(), "\"a\"".into()));
        assert_eq!(a[1], ("tags".into(), "[ x.id, y.id, ]".into()));
        assert_eq!(a[2], ("rule".into(), "port = 1".into()));
        assert_eq!(a[3], ("rule[2]".into(), "port = 2".into()));
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(md_code("site `shop` (caddy)"), "``site `shop` (caddy)``");
        assert_eq!(md_code("plain"), "`plain`");
        assert_eq!(md_code("`a`"), "`` `a` ``");
        assert_eq!(md_code("a|b"), "`a\\|b`");
    }

    #[test]
    fn cells_cannot_carry_markup() {
        assert_eq!(
            md_cell("![x](https://e.example/i.png) <img> `c` |"),
            "\\!\\[x\\]\\(https://e.example/i.png\\) &lt;img&gt; \\`c\\` \\|"
        );
    }

    #[test]
    fn fences_outgrow_backticks() {
        assert_eq!(fence("a ``` b"), "````");
        assert_eq!(fence("plain"), "```");
    }
}
