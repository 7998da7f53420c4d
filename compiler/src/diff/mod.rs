//! Diff stage: what a build would change, compared with earlier output
//! (the files on disk, or the project compiled at a git revision). Pure:
//! the CLI gathers both sides. Two levels: a semantic summary (resources
//! created, updated, replaced, deleted, with their changed attributes and
//! the resources that depend on them) and unified file diffs.

mod kube;
mod sites;
mod terraform;

use crate::backends::Files;
use crate::graph::Graph;
use crate::kinds::Registry;
use crate::plan::Plan;
use hcl::structure::{Body, Structure};
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

/// One side of a diff: a build's output files, and the plans its
/// Terraform was written from, one per root (`""`, or `shared` and each
/// environment). Output read from disk has no plans: its Terraform is read
/// back by HashiCorp's syntax.
#[derive(Clone, Debug, Default)]
pub struct Side<'c> {
    /// Borrowed from a compilation, owned when read from disk.
    pub files: std::borrow::Cow<'c, Files>,
    plans: Option<BTreeMap<String, &'c Plan>>,
}

impl<'c> Side<'c> {
    /// What a compilation writes. `None` when it failed.
    pub fn compiled(c: &'c crate::Compilation) -> Option<Side<'c>> {
        let files = std::borrow::Cow::Borrowed(c.files.as_ref()?);
        let plans = match &c.roots {
            None => c.plan.iter().map(|p| (String::new(), p)).collect(),
            Some(roots) => roots
                .shared
                .iter()
                .map(|p| (crate::roots::SHARED.to_string(), p))
                .chain(roots.environments.iter().map(|(n, p)| (n.clone(), p)))
                .collect(),
        };
        Some(Side {
            files,
            plans: Some(plans),
        })
    }

    /// Output already written (the files on disk).
    pub fn written(files: Files) -> Side<'static> {
        Side {
            files: std::borrow::Cow::Owned(files),
            plans: None,
        }
    }

    /// The Terraform of some files of a root (file names in the root's
    /// folder) as one body, in file order: built from the root's plan, or
    /// parsed from the written text. A file that does not parse (edited by
    /// hand) adds nothing; its lines still show in the file diff.
    fn terraform(&self, root: &str, names: &[&str]) -> Body {
        let dir = root_dir(root);
        let structures: Vec<Structure> = match self.plans.as_ref().and_then(|p| p.get(root)) {
            Some(plan) => crate::backends::terraform::bodies_of(plan, |n| names.contains(&n))
                .into_values()
                .flat_map(|b| b.into_inner())
                .collect(),
            None => names
                .iter()
                .filter_map(|n| self.files.get(&format!("{dir}{n}")))
                .filter_map(|text| hcl::parse(text).ok())
                .flat_map(|b| b.into_inner())
                .collect(),
        };
        Body::from(structures)
    }
}

/// `terraform/` or `terraform/prod/`.
fn root_dir(root: &str) -> String {
    if root.is_empty() {
        "terraform/".to_string()
    } else {
        format!("terraform/{root}/")
    }
}

/// Compares a build with an earlier one. `current` gives the new plan and
/// graph, for blast radius.
pub fn diff(
    old: &Side<'_>,
    new: &Side<'_>,
    current: Option<(&Plan, &Graph)>,
    kinds: &Registry,
) -> Report {
    let mut report = Report::default();
    let mut paths: Vec<&String> = old.files.keys().chain(new.files.keys()).collect();
    paths.sort();
    paths.dedup();
    let empty = String::new();
    for path in paths {
        let (a, b) = (old.files.get(path), new.files.get(path));
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
        if !is_terraform(path) && !kube::changes(path, a, b, &mut report.changes) {
            sites::changes(path, a, b, &mut report.changes);
        }
    }
    // Terraform's blocks are compared over the changed files of a root at
    // once: a resource keeps its address when it moves between files (both
    // change), and a `moved` block (its own file) pairs an old address
    // with a new one. What an unchanged file holds is the same on both
    // sides. A project with environments has a root per environment and
    // one shared; their changes are named after the root (`prod: …`).
    let mut changed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in report.files.iter().filter(|f| is_terraform(&f.path)) {
        let root = terraform_root(&f.path);
        let name = &f.path[root_dir(root).len()..];
        changed.entry(root).or_default().push(name);
    }
    for (root, names) in changed {
        let (a, b) = (old.terraform(root, &names), new.terraform(root, &names));
        let from = report.changes.len();
        terraform::changes(&a, &b, kinds, &mut report.changes);
        if !root.is_empty() {
            for c in &mut report.changes[from..] {
                c.address = format!("{root}: {}", c.address);
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
