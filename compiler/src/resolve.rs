//! Resolve stage, names: every resource instance gets a unique label per
//! kind and a Terraform identifier; reference paths are looked up here.

use crate::diag::{did_you_mean, suggest, Code, Diagnostic, Diagnostics};
use crate::expand::Instance;
use crate::kinds::{Kind, Registry};
use crate::source::Span;
use rustc_hash::FxHashMap;

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
    pub attr: Option<&'static str>,
    /// The type of `attr` (or of the kind's default export), from the
    /// schema: looked up once here, not again by each check.
    pub ty: &'static crate::schema::TfType,
    pub sensitive: bool,
}

/// Names of every instance, borrowed from the instances: lookups by kind
/// and label allocate nothing.
pub struct Names<'a> {
    by_kind: FxHashMap<&'a str, KindNames<'a>>,
    /// Terraform identifier of each instance.
    pub idents: Vec<String>,
    by_index: Vec<&'a str>,
}

/// Labels become file-independent Terraform names, so they are restricted
/// to characters every target accepts.
/// A secret becomes a Terraform variable of its name, so the name is a
/// Terraform identifier: a letter or `_`, then letters, digits, `_` and `-`.
/// Nothing else may be spliced into the output's `var.NAME`.
pub fn valid_secret_name(name: &str) -> bool {
    name.len() <= 200
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 200
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && label
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `a.b.c` → (`a`, `b.c`). Paths are split for every reference; a byte
/// search is several times cheaper than a `char` pattern on strings this
/// short, and `.` is ASCII, so the halves stay valid UTF-8.
fn split_first_dot(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b'.')?;
    Some((&s[..i], &s[i + 1..]))
}

/// The kind and the rest of a reference: `droplet.web.ipv4` → (`droplet`,
/// `web.ipv4`); a data source's kind has two parts: `data.aws-ami.x.id` →
/// (`data.aws-ami`, `x.id`).
fn split_kind(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix(crate::kinds::generic::DATA) {
        let (_, after) = split_first_dot(rest)?;
        let end = s.len() - after.len() - 1;
        return Some((&s[..end], after));
    }
    split_first_dot(s)
}

/// `a.b.c` → (`a.b`, `c`).
fn split_last_dot(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().rposition(|b| b == b'.')?;
    Some((&s[..i], &s[i + 1..]))
}

fn has_dot(s: &str) -> bool {
    s.bytes().any(|b| b == b'.')
}

/// The names of one kind.
#[derive(Default)]
struct KindNames<'a> {
    labels: FxHashMap<&'a str, usize>,
    groups: FxHashMap<&'a str, Vec<usize>>,
    /// Whether a label or group name has a dot (domains do). Only then can
    /// `kind.a.b` name `a.b` rather than the attribute `b` of `a`.
    dotted: bool,
}

impl KindNames<'_> {
    fn find(&self, label: &str) -> Option<Target> {
        if let Some(&i) = self.labels.get(label) {
            return Some(Target::One(i));
        }
        self.groups.get(label).map(|g| Target::Group(g.clone()))
    }

    /// `label[.attr]`: the whole of it when it is a label (labels may
    /// contain dots), else the part before the last dot and the attribute.
    fn find_member<'p>(&self, rest: &'p str) -> Option<(Target, Option<&'p str>)> {
        if self.dotted || !has_dot(rest) {
            if let Some(t) = self.find(rest) {
                return Some((t, None));
            }
        }
        let (label, attr) = split_last_dot(rest)?;
        if let Some(t) = self.find(label) {
            return Some((t, Some(attr)));
        }
        // `amqp.config-var-values.URL`: an attribute and a map key.
        let (label, _) = split_last_dot(label)?;
        let t = self.find(label)?;
        Some((t, Some(&rest[label.len() + 1..])))
    }
}

/// Adds a run of members (kind, group, indexes) to the group table.
fn add_members<'a>(
    by_kind: &mut FxHashMap<&'a str, KindNames<'a>>,
    run: Option<(&'a str, &'a str, Vec<usize>)>,
) {
    if let Some((kind, group, members)) = run {
        let names = by_kind.entry(kind).or_default();
        names.dotted |= has_dot(group);
        names.groups.entry(group).or_default().extend(members);
    }
}

/// `relay-pool` → `relay_pool`, `wesync.net` → `wesync_net`.
pub fn tf_ident(label: &str) -> String {
    let lead = label.starts_with(|c: char| c.is_ascii_digit());
    if label.is_ascii() {
        // Byte by byte (every label that passes `valid_label` is ASCII):
        // ASCII bytes in, ASCII bytes out, so the text stays UTF-8.
        let mut s = Vec::with_capacity(label.len() + usize::from(lead));
        if lead {
            s.push(b'_');
        }
        s.extend(label.bytes().map(|b| {
            if b.is_ascii_alphanumeric() || b == b'_' {
                b
            } else {
                b'_'
            }
        }));
        return String::from_utf8(s).expect("ASCII");
    }
    let mut s = String::with_capacity(label.len() + usize::from(lead));
    if lead {
        s.push('_');
    }
    s.extend(label.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    s
}

impl<'a> Names<'a> {
    pub fn build(
        instances: &'a [Instance],
        kinds: &Registry,
        diags: &mut Diagnostics,
    ) -> Names<'a> {
        let idents: Vec<String> = instances.iter().map(|i| tf_ident(&i.label)).collect();
        let mut by_kind: FxHashMap<&'a str, KindNames<'a>> = FxHashMap::default();
        let mut idents_seen: FxHashMap<(&str, &str), usize> = FxHashMap::default();
        idents_seen.reserve(instances.len());
        // Instances of a kind come in runs: look the kind up once per run.
        let mut tf_type: (&str, &str) = ("", "");
        let mut members: Option<(&str, &str, Vec<usize>)> = None;
        for (i, inst) in instances.iter().enumerate() {
            if !valid_label(&inst.label) {
                diags.push(
                    Diagnostic::error(Code::InvalidName, format!("`{}` is not a valid name", inst.label))
                        .at(inst.label_span, "invalid name")
                        .help("names use letters, digits, `-`, `_` and `.`, start with a letter, digit or `_`, and are at most 200 characters"),
                );
                continue;
            }
            let names = by_kind.entry(inst.kind).or_default();
            let of_kind = &mut names.labels;
            if of_kind.is_empty() {
                // Room for the whole run of this kind: no rehashing as it fills.
                let run = instances[i..]
                    .iter()
                    .take_while(|o| o.kind == inst.kind)
                    .count();
                of_kind.reserve(run);
            }
            let std::collections::hash_map::Entry::Vacant(slot) = of_kind.entry(&inst.label) else {
                let other: &Instance = &instances[of_kind[inst.label.as_str()]];
                let mut d = Diagnostic::error(
                    Code::DuplicateName,
                    format!("{} `{}` is declared twice", inst.kind, inst.label),
                )
                .at(inst.label_span, "declared again here")
                .help("names are unique per kind; rename one of them");
                // Made twice by one declaration in a component: the uses
                // say which, not the same span twice.
                if other.label_span != inst.label_span {
                    d = d.also(other.label_span, "first declared here");
                }
                for u in other.used_at() {
                    d = d.also(*u, "first made by this use");
                }
                for u in inst.used_at() {
                    if !other.used_at().contains(u) {
                        d = d.also(*u, "made again by this use");
                    }
                }
                diags.push(d);
                continue;
            };
            if tf_type.0 != inst.kind {
                let resource = kinds
                    .get(inst.kind)
                    .map(|k| k.address.as_str())
                    .unwrap_or("");
                tf_type = (inst.kind, resource);
            }
            match idents_seen.entry((tf_type.1, idents[i].as_str())) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    let other: &Instance = &instances[*first.get()];
                    diags.push(
                        Diagnostic::error(
                            Code::InvalidName,
                            format!(
                                "`{}` and `{}` both become the Terraform name `{}`",
                                other.label, inst.label, idents[i]
                            ),
                        )
                        .at(inst.label_span, "clashes")
                        .also(other.label_span, "with this one")
                        .help("Terraform names replace `-` and `.` with `_`; rename one of them"),
                    );
                    continue;
                }
                std::collections::hash_map::Entry::Vacant(seen) => {
                    seen.insert(i);
                }
            }
            slot.insert(i);
            names.dotted |= has_dot(&inst.label);
            if let Some(g) = &inst.group {
                // Members of a group come in a run: collect the run, then
                // add it to the table once.
                match &mut members {
                    Some((kind, group, run)) if *kind == inst.kind && *group == &**g => run.push(i),
                    _ => {
                        add_members(&mut by_kind, members.take());
                        members = Some((inst.kind, &**g, vec![i]));
                    }
                }
            }
        }
        add_members(&mut by_kind, members.take());
        let mut clashes: Vec<(&str, &str)> = by_kind
            .iter()
            .flat_map(|(k, n)| {
                n.groups
                    .keys()
                    .filter(|g| n.labels.contains_key(*g))
                    .map(move |g| (*k, *g))
            })
            .collect();
        clashes.sort_unstable();
        for (kind, group) in clashes {
            let single = by_kind[kind].labels[group];
            let first_member = by_kind[kind].groups[group][0];
            diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    format!("{kind} `{group}` names both a group and a single resource"),
                )
                .at(instances[single].label_span, "single resource")
                .also(instances[first_member].label_span, "group declared here")
                .help("a reference to the name would be ambiguous; rename one of them"),
            );
        }
        let by_index = instances.iter().map(|i| i.label.as_str()).collect();
        Names {
            by_kind,
            idents,
            by_index,
        }
    }

    /// The kinds the project declares, sorted.
    pub fn kinds(&self) -> Vec<&'a str> {
        let mut kinds: Vec<&'a str> = self.by_kind.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    pub fn lookup(&self, kind: &str, label: &str) -> Option<Target> {
        self.by_kind.get(kind)?.find(label)
    }

    /// Whether `kind.label[.attr]` may name a group (cheap; no errors).
    pub fn may_be_group(&self, path: &str) -> bool {
        let Some((kind, rest)) = split_kind(path) else {
            return false;
        };
        let Some(names) = self.by_kind.get(kind) else {
            return false;
        };
        !names.groups.is_empty()
            && ((names.dotted || !has_dot(rest)) && names.groups.contains_key(rest)
                || split_last_dot(rest).is_some_and(|(label, _)| names.groups.contains_key(label)))
    }

    /// The label of an instance by index.
    pub fn label(&self, _kind: &str, index: usize) -> Option<String> {
        self.by_index.get(index).map(|s| s.to_string())
    }

    fn labels_of<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.by_kind
            .get(kind)
            .into_iter()
            .flat_map(|n| n.labels.keys().chain(n.groups.keys()).copied())
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
        let before = diags.items.len();
        let found = self.resolve_path(path, span, kinds, diags);
        // In a string of several references, each problem points at its
        // own `${…}`.
        for d in &mut diags.items[before..] {
            d.within = Some(path.to_string());
        }
        found
    }

    fn resolve_path(
        &self,
        path: &str,
        span: Span,
        kinds: &'static Registry,
        diags: &mut Diagnostics,
    ) -> Option<Resolved> {
        let Some((kind_name, rest)) = split_kind(path) else {
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
            let all = kinds.all_names();
            let names: Vec<&str> = all.iter().map(String::as_str).collect();
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
        let found = self
            .by_kind
            .get(kind_name)
            .and_then(|n| n.find_member(rest));
        let Some((target, attr)) = found else {
            let label = rest.rsplit_once('.').map_or(rest, |(l, _)| l);
            let dym = did_you_mean(rest, self.labels_of(kind_name));
            let dym = if dym.is_empty() {
                did_you_mean(label, self.labels_of(kind_name))
            } else {
                dym
            };
            diags.push(
                Diagnostic::error(
                    Code::UnresolvedReference,
                    format!("no {kind_name} named `{label}`"),
                )
                .at(span, format!("`{path}` points nowhere"))
                .help(if dym.is_empty() {
                    format!("declare it with `{kind_name} \"{label}\" …`, or check the name")
                } else {
                    dym
                }),
            );
            return None;
        };
        static DYNAMIC: crate::schema::TfType = crate::schema::TfType::Dynamic;
        let (attr, ty, sensitive) = match attr {
            None => {
                let export = kind.schema().attributes.get(&kind.default_export);
                (
                    None,
                    export.map_or(&DYNAMIC, |a| &a.ty),
                    export.is_some_and(|a| a.sensitive),
                )
            }
            Some(a) => match kind.export(a) {
                Some((tf, schema_attr)) => (Some(tf), &schema_attr.ty, schema_attr.sensitive),
                None if a.contains('.') => {
                    let (tf, ty, sensitive) = map_entry(kind, kind_name, a, span, diags)?;
                    (Some(tf), ty, sensitive)
                }
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
        Some(Resolved {
            target,
            kind,
            attr,
            ty,
            sensitive,
        })
    }
}

/// `config-var-values.URL`: the entry `URL` of a map (or object)
/// attribute, read as `config_var_values["URL"]`, of the map's element
/// type.
fn map_entry(
    kind: &'static Kind,
    kind_name: &str,
    path: &str,
    span: Span,
    diags: &mut Diagnostics,
) -> Option<(&'static str, &'static crate::schema::TfType, bool)> {
    use crate::schema::TfType;
    let (attr, key) = split_first_dot(path)?;
    let Some((tf, schema_attr)) = kind.export(attr) else {
        let names = kind.export_names();
        diags.push(
            Diagnostic::error(
                Code::UnknownExport,
                format!("{kind_name} has no attribute `{attr}`"),
            )
            .at(span, format!("{} does not export `{attr}`", kind.resource))
            .help(suggest(
                attr,
                &names.iter().map(String::as_str).collect::<Vec<_>>(),
                "any attribute of the provider's resource can be read; see `infrac kinds KIND`",
            )),
        );
        return None;
    };
    let element = match &schema_attr.ty {
        TfType::Map(inner) => Some(&**inner),
        TfType::Object(fields) => fields.get(key),
        _ => None,
    };
    let Some(element) = element else {
        let what = match &schema_attr.ty {
            TfType::Object(_) => format!("`{attr}` has no field `{key}`"),
            other => format!(
                "`{attr}` is {}, not a map",
                crate::diag::a(&other.describe())
            ),
        };
        diags.push(
            Diagnostic::error(Code::UnknownExport, what)
                .at(span, format!("`{key}` cannot be read from `{attr}`"))
                .help("`KIND.NAME.ATTRIBUTE.KEY` reads one entry of a map attribute"),
        );
        return None;
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if key.is_empty() || !key.chars().all(plain) {
        diags.push(
            Diagnostic::error(
                Code::UnknownExport,
                format!("`{key}` cannot be a key in a reference"),
            )
            .at(span, "not a plain key")
            .help("keys read in references are letters, digits, `_`, `-` and `.`"),
        );
        return None;
    }
    // Kept for the process, as kinds are: one per distinct entry read.
    let read: &'static str = Box::leak(format!("{tf}[\"{key}\"]").into_boxed_str());
    Some((read, element, schema_attr.sensitive))
}

#[cfg(test)]
mod tests {
    use super::{tf_ident, valid_label, Names, Target};
    use crate::diag::Diagnostics;
    use crate::expand::{Extras, Instance};
    use crate::source::Span;

    /// A dotted label (a domain) is found whole; in a kind without dotted
    /// labels the part after the last dot is always the attribute.
    #[test]
    fn member_paths_split_where_labels_allow() {
        let kinds = crate::kinds::registry();
        let inst = |kind, label: &str, group: Option<&str>| Instance {
            group: group.map(Into::into),
            ..Instance::new(kind, label.into(), Span::default(), Extras::default())
        };
        let instances = vec![
            inst("domain", "example.com", None),
            inst("droplet", "web-1", Some("web")),
            inst("droplet", "web-2", Some("web")),
            inst("droplet", "db", None),
        ];
        let mut diags = Diagnostics::default();
        let names = Names::build(&instances, kinds, &mut diags);
        let resolve = |path: &str| {
            let mut diags = Diagnostics::default();
            names
                .resolve(path, Span::default(), kinds, &mut diags)
                .map(|r| (r.target, r.attr))
        };
        assert_eq!(resolve("domain.example.com"), Some((Target::One(0), None)));
        assert_eq!(
            resolve("domain.example.com.urn"),
            Some((Target::One(0), Some("urn")))
        );
        assert_eq!(
            resolve("droplet.db.ipv4"),
            Some((Target::One(3), Some("ipv4_address")))
        );
        assert_eq!(
            resolve("droplet.web"),
            Some((Target::Group(vec![1, 2]), None))
        );
        assert_eq!(
            resolve("droplet.web.ipv4"),
            Some((Target::Group(vec![1, 2]), Some("ipv4_address")))
        );
        assert_eq!(resolve("droplet.db.x.ipv4"), None);
        assert!(names.may_be_group("droplet.web.ipv4"));
        assert!(!names.may_be_group("droplet.db.ipv4"));
        assert!(!names.may_be_group("domain.example.com"));
    }

    #[test]
    fn labels_become_terraform_identifiers() {
        assert_eq!(tf_ident("relay-pool"), "relay_pool");
        assert_eq!(tf_ident("wesync.net"), "wesync_net");
        assert_eq!(tf_ident("1-web"), "_1_web");
        assert_eq!(tf_ident("node_7"), "node_7");
        assert_eq!(tf_ident("ünï"), "_n_");
        assert_eq!(tf_ident("a--b.c_d"), "a__b_c_d");
        assert_eq!(tf_ident("-"), "_");
        assert_eq!(tf_ident(""), "");
        assert!(!valid_label("nödé"));
        assert!(valid_label("node-1.example"));
        assert!(!valid_label("-node"));
        assert!(!valid_label("a b"));
    }
}
