//! Golden tests: every case under tests/cases (a `.kdl` file, or a folder
//! with an `infra.kdl`) and every example is compiled, and its transcript
//! (diagnostics and all output files) compared with the `.golden` file
//! beside it (for examples: tests/golden/examples/NAME.golden).
//! `INFRAC_BLESS=1 cargo test` writes the new transcripts; review the diff.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.join("infra.kdl").is_file() {
                out.push(p);
            } else {
                cases(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "kdl") {
            out.push(p);
        }
    }
}

fn check_golden(case: &Path, golden: &Path, failures: &mut Vec<String>) {
    let c = compile_case(case);
    let actual = transcript(&c);
    if std::env::var_os("INFRAC_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(golden).unwrap_or_default();
    if expected != actual {
        let diff = first_difference(&expected, &actual);
        failures.push(format!(
            "{}: transcript differs from {}\n{diff}",
            case.display(),
            golden.display()
        ));
    }
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (n, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("  line {}:\n  - {e}\n  + {a}", n + 1);
        }
    }
    format!(
        "  lengths differ: {} vs {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// `E001-syntax.kdl` → `E001-syntax.golden`; a folder case `x/` → `x.golden`.
fn golden_of(case: &Path) -> PathBuf {
    case.with_extension("golden")
}

#[test]
fn cases_match_their_golden_transcripts() {
    let root = repo_root();
    let mut all = Vec::new();
    cases(&root.join("tests/cases"), &mut all);
    assert!(all.len() > 20, "expected the case folders to hold cases");
    let mut failures = Vec::new();
    for case in &all {
        check_golden(case, &golden_of(case), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn examples_match_their_golden_transcripts() {
    let root = repo_root();
    let mut failures = Vec::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    examples.sort();
    for ex in examples {
        let name = ex.file_name().unwrap().to_string_lossy().to_string();
        let c = compile_case(&ex);
        assert!(
            !c.has_errors(),
            "example {name} has errors:\n{}",
            transcript(&c)
        );
        check_golden(
            &ex,
            &root.join(format!("tests/golden/examples/{name}.golden")),
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every diagnostic code has at least one negative case whose transcript
/// shows it.
#[test]
fn every_diagnostic_code_has_a_negative_case() {
    let root = repo_root();
    let mut all = Vec::new();
    cases(&root.join("tests/cases/errors"), &mut all);
    let transcripts: Vec<String> = all.iter().map(|c| transcript(&compile_case(c))).collect();
    for code in infrac::diag::Code::ALL {
        let tag = format!("infrac::{}", code.as_str());
        assert!(
            transcripts.iter().any(|t| t.contains(&tag)),
            "no case in tests/cases/errors shows {tag}"
        );
    }
    for (case, t) in all.iter().zip(&transcripts) {
        let name = case.file_name().unwrap().to_string_lossy();
        let code = &name[..4];
        assert!(
            t.contains(&format!("infrac::{code}")),
            "{name} is named for {code} but does not show it"
        );
    }
}

/// The output parses back (hcl-rs) to exactly the structure generated.
#[test]
fn terraform_output_round_trips_through_the_hcl_parser() {
    let root = repo_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let mut ok_cases = Vec::new();
    cases(&root.join("tests/cases/ok"), &mut ok_cases);
    dirs.extend(ok_cases);
    for dir in dirs {
        let c = compile_case(&dir);
        let Some(plan) = &c.plan else { continue };
        if c.has_errors() {
            continue;
        }
        let files = c.files.as_ref().expect("no errors, so files");
        // Each root's files (a project with environments has several).
        let roots: Vec<(String, &infrac::plan::Plan)> = match &c.roots {
            None => vec![("terraform".to_string(), plan)],
            Some(roots) => roots
                .shared
                .iter()
                .map(|p| ("terraform/shared".to_string(), p))
                .chain(
                    roots
                        .environments
                        .iter()
                        .map(|(name, p)| (format!("terraform/{name}"), p)),
                )
                .filter(|(dir, _)| files.contains_key(&format!("{dir}/versions.tf")))
                .collect(),
        };
        for (name, body) in roots.iter().flat_map(|(dir, plan)| {
            infrac::backends::terraform::bodies(plan)
                .into_iter()
                .map(move |(name, body)| (format!("{dir}/{name}"), body))
        }) {
            let text = &files[&name];
            let parsed = hcl::parse(text).unwrap_or_else(|e| {
                panic!("{}: {name} does not parse: {e}\n{text}", dir.display())
            });
            assert_eq!(
                parsed,
                body,
                "{}: {name} parses to another structure",
                dir.display()
            );
        }
    }
}

#[test]
fn documented_codes_match_the_code_list() {
    let docs = std::fs::read_to_string(repo_root().join("docs/diagnostics.md")).unwrap();
    for code in infrac::diag::Code::ALL {
        let heading = format!("## {} {}", code.as_str(), code.slug());
        assert!(
            docs.contains(&heading),
            "docs/diagnostics.md lacks the section `{heading}`"
        );
    }
    let sections = docs
        .lines()
        .filter(|l| l.starts_with("## ") && (l[3..].starts_with('E') || l[3..].starts_with('W')))
        .count();
    assert_eq!(
        sections,
        infrac::diag::Code::ALL.len(),
        "docs/diagnostics.md documents codes that do not exist"
    );
}

/// docs/kinds.md is generated from the kind files and provider schemas.
#[test]
fn kinds_reference_is_up_to_date() {
    let path = repo_root().join("docs/kinds.md");
    let generated = infrac::kinds::reference_markdown();
    if std::env::var_os("INFRAC_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(current == generated, "docs/kinds.md is stale: run `cargo run -- kinds --markdown > docs/kinds.md` (or INFRAC_BLESS=1 cargo test)");
}

/// Plans of thousands of resources are checked and written by several
/// threads. What they write must parse back to the structure one thread
/// builds, be the same on every run, and hold every member once.
#[test]
fn large_projects_written_by_threads_round_trip() {
    let n = 5000;
    let text = format!(
        "provider \"digitalocean\" token=(secret)\"do_token\"\n\
         domain \"bench.example\"\n\
         droplet \"node\" count={n} region=\"nyc3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n\
         record \"node\" count={n} fqdn=\"node-${{index}}.bench.example\" type=\"A\" value=(ref)\"droplet.node-${{index}}.ipv4\"\n\
         firewall \"shared\" {{\n    droplets \"node\"\n    inbound protocol=\"tcp\" ports=\"22\" {{\n        from-addresses \"0.0.0.0/0\"\n    }}\n}}\n"
    );
    let first = infrac::compile(&common::SingleFile(text.clone()), &Default::default());
    let again = infrac::compile(&common::SingleFile(text), &Default::default());
    assert!(!first.has_errors(), "{:?}", first.diagnostics);
    let files = first.files.as_ref().unwrap();
    assert_eq!(Some(files), again.files.as_ref(), "two runs differ");
    let plan = first.plan.as_ref().unwrap();
    for (name, body) in infrac::backends::terraform::bodies(plan) {
        let text = &files[&format!("terraform/{name}")];
        assert_eq!(hcl::parse(text).unwrap(), body, "{name}");
    }
    for (file, ty) in [
        ("compute", "digitalocean_droplet"),
        ("dns", "digitalocean_record"),
    ] {
        let text = &files[&format!("terraform/{file}.tf")];
        assert!(
            !text.contains("}\nresource") && !text.contains("\n\n\n"),
            "{file}.tf: blocks not separated by exactly one blank line"
        );
        let idents: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("resource \"{ty}\" \"")))
            .collect();
        let expected: Vec<String> = (1..=n).map(|i| format!("node_{i}\" {{")).collect();
        assert_eq!(
            idents, expected,
            "{file}.tf: members missing or out of order"
        );
    }
}
