//! Resolve stage, names: every resource instance gets a unique label per
//! kind and a Terraform identifier; reference paths are looked up here.

use crate::diag::{did_you_mean, suggest, Code, Diagnostic, Diagnostics};
use crate::expand::Instance;
use crate::kinds::{Kind, Registry};
use crate::source::Span;
use std::collections::HashMap;

/// What a reference path points at.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    One(usize),
    /// Every member of a `count`/`for-each` group, in order.
    Group(Vec<usize>),
}

#[derive(Clone, Debug)]
pub struct Resolved {
    pub target: Target,
    pub kind: &'static Kind,
    /// Terraform attribute read, when the path names one.
    pub attr: Option<String>,
    pub sensitive: bool,
}

pub struct Names {
    labels: HashMap<(String, String), usize>,
    groups: HashMap<(String, String), Vec<usize>>,
    /// Terraform identifier of each instance.
    pub idents: Vec<String>,
    by_index: Vec<String>,
}

/// Labels become file-independent Terraform names, so they are restricted
/// to characters every target accepts.
pub fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 200
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && label
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `relay-pool` → `relay_pool`, `wesync.net` → `wesync_net`.
pub fn tf_ident(label: &str) -> String {
    let mut s: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

impl Names {
    pub fn build(instances: &[Instance], kinds: &Registry, diags: &mut Diagnostics) -> Names {
        let mut labels = HashMap::with_capacity(instances.len());
        let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut idents_seen: HashMap<(&str, String), usize> =
            HashMap::with_capacity(instances.len());
        let mut idents = Vec::with_capacity(instances.len());
        for (i, inst) in instances.iter().enumerate() {
            let ident = tf_ident(&inst.label);
            idents.push(ident.clone());
            if !valid_label(&inst.label) {
                diags.push(
                    Diagnostic::error(Code::InvalidName, format!("`{}` is not a valid name", inst.label))
                        .at(inst.label_span, "invalid name")
                        .help("names use letters, digits, `-`, `_` and `.`, start with a letter, digit or `_`, and are at most 200 characters"),
                );
                continue;
            }
            let key = (inst.kind.clone(), inst.label.clone());
            if let Some(&first) = labels.get(&key) {
                let other: &Instance = &instances[first];
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!("{} `{}` is declared twice", inst.kind, inst.label),
                    )
                    .at(inst.label_span, "declared again here")
                    .also(other.label_span, "first declared here")
                    .help("names are unique per kind; rename one of them"),
                );
                continue;
            }
            let tf_type = kinds
                .get(&inst.kind)
                .map(|k| k.resource.as_str())
                .unwrap_or("");
            if let Some(&first) = idents_seen.get(&(tf_type, ident.clone())) {
                let other: &Instance = &instances[first];
                diags.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        format!(
                            "`{}` and `{}` both become the Terraform name `{ident}`",
                            other.label, inst.label
                        ),
                    )
                    .at(inst.label_span, "clashes")
                    .also(other.label_span, "with this one")
                    .help("Terraform names replace `-` and `.` with `_`; rename one of them"),
                );
                continue;
            }
            idents_seen.insert((tf_type, ident), i);
            labels.insert(key, i);
            if let Some(g) = &inst.group {
                groups
                    .entry((inst.kind.clone(), g.clone()))
                    .or_default()
                    .push(i);
            }
        }
        for ((kind, group), members) in &groups {
            if let Some(&single) = labels.get(&(kind.clone(), group.clone())) {
                let m = &instances[members[0]];
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateName,
                        format!("{kind} `{group}` names both a group and a single resource"),
                    )
                    .at(instances[single].label_span, "single resource")
                    .also(m.label_span, "group declared here")
                    .help("a reference to the name would be ambiguous; rename one of them"),
                );
            }
        }
        let by_index = instances.iter().map(|i| i.label.clone()).collect();
        Names {
            labels,
            groups,
            idents,
            by_index,
        }
    }

    pub fn lookup(&self, kind: &str, label: &str) -> Option<Target> {
        let key = (kind.to_string(), label.to_string());
        if let Some(&i) = self.labels.get(&key) {
            return Some(Target::One(i));
        }
        self.groups.get(&key).map(|g| Target::Group(g.clone()))
    }

    /// The label of an instance by index.
    pub fn label(&self, _kind: &str, index: usize) -> Option<String> {
        self.by_index.get(index).cloned()
    }

    fn labels_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.labels
            .keys()
            .chain(self.groups.keys())
            .filter(move |(k, _)| k == kind)
            .map(|(_, l)| l.as_str())
    }

    /// Resolves `kind.label[.attr]`. Labels may contain dots (domains), so
    /// the longest label that exists wins.
    pub fn resolve(
        &self,
        path: &str,
        span: Span,
        kinds: &'static Registry,
        diags: &mut Diagnostics,
    ) -> Option<Resolved> {
        let Some((kind_name, rest)) = path.split_once('.') else {
            diags.push(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!("`{path}` is not a reference"),
                )
                .at(span, "expected KIND.NAME or KIND.NAME.ATTRIBUTE")
                .help("write a reference as `droplet.web` or `droplet.web.ipv4`"),
            );
            return None;
        };
        let Some(kind) = kinds.get(kind_name) else {
            let names: Vec<&str> = kinds.names().collect();
            diags.push(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!("`{kind_name}` in `{path}` is not a kind"),
                )
                .at(span, "unknown kind")
                .help(suggest(
                    kind_name,
                    &names,
                    "a reference starts with the kind: `droplet.web.ipv4`",
                )),
            );
            return None;
        };
        let (target, attr) = match self.lookup(kind_name, rest) {
            Some(t) => (t, None),
            None => {
                match rest.rsplit_once('.') {
                    Some((label, attr)) if self.lookup(kind_name, label).is_some() => {
                        (self.lookup(kind_name, label).expect("checked"), Some(attr))
                    }
                    _ => {
                        let label = rest.rsplit_once('.').map_or(rest, |(l, _)| l);
                        let dym = did_you_mean(rest, self.labels_of(kind_name));
                        let dym = if dym.is_empty() {
                            did_you_mean(label, self.labels_of(kind_name))
                        } else {
                            dym
                        };
                        diags.push(
                        Diagnostic::error(Code::UnresolvedReference, format!("no {kind_name} named `{label}`"))
                            .at(span, format!("`{path}` points nowhere"))
                            .help(if dym.is_empty() { format!("declare it with `{kind_name} \"{label}\" …`, or check the name") } else { dym }),
                    );
                        return None;
                    }
                }
            }
        };
        let attr = match attr {
            None => None,
            Some(a) => match kind.export(a) {
                Some((tf, _)) => Some(tf),
                None => {
                    let names = kind.export_names();
                    diags.push(
                        Diagnostic::error(Code::UnknownExport, format!("{kind_name} has no attribute `{a}`"))
                            .at(span, format!("{} does not export `{a}`", kind.resource))
                            .help(suggest(a, &names.iter().map(String::as_str).collect::<Vec<_>>(), "any attribute of the provider's resource can be read; see `infrac kinds KIND`")),
                    );
                    return None;
                }
            },
        };
        let read = attr.as_deref().unwrap_or(&kind.default_export);
        let sensitive = kind
            .schema()
            .attributes
            .get(read)
            .is_some_and(|a| a.sensitive);
        Some(Resolved {
            target,
            kind,
            attr,
            sensitive,
        })
    }
}
