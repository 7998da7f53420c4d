//! Golden tests of `infrac diff`: each `tests/diff/<name>.edit` scripts an
//! edit of an example; the diff between the example and its edited copy,
//! in all three formats, is compared with `<name>.golden`.
//! `INFRAC_BLESS=1 cargo test` writes new goldens.

mod common;

use common::*;
use infrac::diff::Side;
use infrac::{compile, World};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// An example with some files rewritten in memory.
struct Edited {
    base: Folder,
    files: BTreeMap<String, String>,
}

impl World for Edited {
    fn read(&self, path: &str) -> Result<String, String> {
        match self.files.get(path) {
            Some(t) => Ok(t.clone()),
            None => self.base.read(path),
        }
    }
}

fn apply(script: &str) -> (PathBuf, Edited) {
    let root = repo_root();
    let mut example = None;
    let mut file = None;
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut pending: Option<String> = None;
    for line in script
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (key, value) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("bad line: {line}"));
        // `\n` in a value is a line break.
        let value = &value.replace("\\n", "\n");
        match key {
            "example" => example = Some(root.join("examples").join(value)),
            "file" => file = Some(value.to_string()),
            "replace" => pending = Some(value.clone()),
            "with" | "append" => {
                let dir = example.as_ref().expect("example first");
                let name = file.clone().expect("file first");
                let text = files
                    .entry(name.clone())
                    .or_insert_with(|| std::fs::read_to_string(dir.join(&name)).unwrap());
                if key == "append" {
                    text.push_str(value);
                    text.push('\n');
                } else {
                    let from = pending.take().expect("replace before with");
                    assert!(text.contains(&from), "`{from}` is not in {name}");
                    *text = text.replacen(&from, value, 1);
                }
            }
            other => panic!("unknown key {other}"),
        }
    }
    let dir = example.expect("an example");
    (
        dir.clone(),
        Edited {
            base: Folder(dir),
            files,
        },
    )
}

#[test]
fn scripted_edits_match_their_golden_diffs() {
    let dir = repo_root().join("tests/diff");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "edit"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 4);
    let mut failures = Vec::new();
    for script in scripts {
        let (example, edited) = apply(&std::fs::read_to_string(&script).unwrap());
        let options = options_from("");
        let before = compile(&Folder(example), &options);
        let after = compile(&edited, &options);
        assert!(
            !after.has_errors(),
            "{}: {}",
            script.display(),
            transcript(&after)
        );
        let current = Some((after.plan.as_ref().unwrap(), after.graph.as_ref().unwrap()));
        let (old, new) = (
            Side::compiled(&before).unwrap(),
            Side::compiled(&after).unwrap(),
        );
        let report = infrac::diff::diff(&old, &new, current, infrac::kinds::registry());
        assert!(!report.is_empty(), "{}: no change found", script.display());
        // The files on disk, read back, compare as the compiled base does.
        let from_disk = infrac::diff::diff(
            &Side::written(old.files.clone().into_owned()),
            &new,
            current,
            infrac::kinds::registry(),
        );
        assert_eq!(
            from_disk,
            report,
            "{}: the written output compares otherwise",
            script.display()
        );
        let markdown = infrac::diff::render_markdown(&report);
        assert!(markdown.len() < infrac::diff::COMMENT_LIMIT);
        let actual = format!(
            "=== human ===\n{}=== markdown ===\n{markdown}=== json ===\n{}",
            infrac::diff::render_human(&report, false),
            infrac::diff::render_json(&report)
        );
        let golden = script.with_extension("golden");
        if std::env::var_os("INFRAC_BLESS").is_some() {
            std::fs::write(&golden, &actual).unwrap();
        } else if std::fs::read_to_string(&golden).unwrap_or_default() != actual {
            failures.push(format!(
                "{} differs from {}",
                script.display(),
                golden.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A diff too large for a pull-request comment is cut, the summary kept.
#[test]
fn markdown_stays_under_the_comment_limit() {
    let root = repo_root();
    let old = infrac::backends::Files::new();
    let c = compile_case(&root.join("examples/insync"));
    let mut new = c.files.clone().unwrap();
    // Make every file huge without adding blocks (the summary is never cut).
    for text in new.values_mut() {
        for i in 0..3000 {
            text.push_str(&format!(
                "# padding line {i} to make the diff too large for one comment\n"
            ));
        }
    }
    let report = infrac::diff::diff(
        &Side::written(old),
        &Side::written(new),
        None,
        infrac::kinds::registry(),
    );
    let md = infrac::diff::render_markdown(&report);
    assert!(
        md.len() <= infrac::diff::COMMENT_LIMIT,
        "{} characters",
        md.len()
    );
    assert!(
        md.contains("| `+` create | `digitalocean_droplet.ct1`"),
        "summary kept"
    );
    assert!(md.contains("more lines not shown") || md.contains("Not shown"));
}

/// The Kubernetes promise: one app's replica count changed in one
/// environment is one changed object, one changed file, nothing else.
#[test]
fn one_replica_change_is_one_changed_object() {
    let script =
        std::fs::read_to_string(repo_root().join("tests/diff/replicas-raised.edit")).unwrap();
    let (example, edited) = apply(&script);
    let options = options_from("");
    let before = compile(&Folder(example), &options);
    let after = compile(&edited, &options);
    let report = infrac::diff::diff(
        &Side::compiled(&before).unwrap(),
        &Side::compiled(&after).unwrap(),
        None,
        infrac::kinds::registry(),
    );
    assert_eq!(report.files.len(), 1, "{:?}", report.files);
    assert_eq!(report.files[0].path, "k8s/prod/deployment-composer.yaml");
    assert_eq!(report.changes.len(), 1);
    let change = &report.changes[0];
    assert_eq!(change.backend, "kubernetes");
    assert_eq!(change.address, "prod: Deployment prod/composer");
    assert_eq!(change.attributes.len(), 1);
    assert_eq!(change.attributes[0].name, "spec.replicas");
    assert_eq!(report.kubernetes.update, 1);
    assert_eq!(report.counts, infrac::diff::Counts::default());
}
