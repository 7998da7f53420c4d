//! Bad input gets a diagnostic, never a panic: every example and case is
//! corrupted in many small, deterministic ways (a character dropped or
//! doubled, a line removed or repeated, quotes and braces swapped), and
//! each corruption is compiled. Every error must have a code, a span inside
//! its file and a help line. `INFRAC_MUTATIONS=800 cargo test --release
//! --test robustness` runs a deeper sweep (about 50,000 corruptions).

mod common;

use common::*;
use infrac::compile;
use std::path::PathBuf;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    let lines: Vec<&str> = text.lines().collect();
    let i = rng.below(chars.len());
    match rng.below(7) {
        0 => chars
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != i)
            .map(|(_, c)| c)
            .collect(),
        1 => chars
            .iter()
            .enumerate()
            .flat_map(|(k, c)| if k == i { vec![*c, *c] } else { vec![*c] })
            .collect(),
        2 => {
            let l = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != l)
                .map(|(_, s)| format!("{s}\n"))
                .collect()
        }
        3 => {
            let l = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .flat_map(|(k, s)| if k == l { vec![*s, *s] } else { vec![*s] })
                .map(|s| format!("{s}\n"))
                .collect()
        }
        4 => {
            let swaps = ['"', '{', '}', '=', '(', ')', '$', '.', '-', ' '];
            let c = swaps[rng.below(swaps.len())];
            chars
                .iter()
                .enumerate()
                .map(|(k, x)| if k == i { c } else { *x })
                .collect()
        }
        5 => {
            let inserts = [
                "${",
                "}",
                "(ref)",
                "(secret)",
                "#null",
                "\"\"",
                "-1",
                "é",
                "count=3 ",
                "import-id=7 ",
            ];
            let ins = inserts[rng.below(inserts.len())];
            let byte = text.char_indices().nth(i).map_or(text.len(), |(b, _)| b);
            format!("{}{ins}{}", &text[..byte], &text[byte..])
        }
        _ => {
            let l = rng.below(lines.len());
            lines
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    if k == l {
                        s.replace('"', "")
                    } else {
                        s.to_string()
                    }
                })
                .map(|s| s + "\n")
                .collect()
        }
    }
}

/// The first line of a case that is not corrupted.
const SKIP: &str = "// robustness: skip";

#[test]
fn corrupted_projects_never_panic() {
    let root = repo_root();
    let mut inputs: Vec<PathBuf> = Vec::new();
    for dir in ["examples", "tests/cases/ok", "tests/cases/errors"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && p.join("infra.kdl").is_file() {
                inputs.push(p.join("infra.kdl"));
            } else if p.extension().is_some_and(|e| e == "kdl") {
                inputs.push(p);
            }
        }
    }
    let rounds: usize = std::env::var("INFRAC_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut compiled = 0;
    let mut skipped = 0;
    for input in &inputs {
        let text = std::fs::read_to_string(input).unwrap();
        // Cases about size limits: a corrupted digit turns them into
        // legal projects of 100,000 resources, minutes of work in a
        // debug build.
        if text.starts_with(SKIP) {
            skipped += 1;
            continue;
        }
        for _ in 0..rounds {
            let bad = mutate(&text, &mut rng);
            let c =
                std::panic::catch_unwind(|| compile(&SingleFile(bad.clone()), &Default::default()));
            let c = c.unwrap_or_else(|_| {
                panic!(
                    "compiler panicked on a corruption of {}:\n{bad}",
                    input.display()
                )
            });
            for d in &c.diagnostics {
                let file = c.sources.get(d.span.file);
                assert!(
                    d.span.end as usize <= file.text.len(),
                    "span outside {} for {:?}",
                    file.path,
                    d.message
                );
                assert!(
                    !d.help.is_empty(),
                    "no help line for {} {:?} (from {})",
                    d.code.as_str(),
                    d.message,
                    input.display()
                );
            }
            // Rendering must not panic either.
            let _ = infrac::diag::render_human(&c.diagnostics, &c.sources, false);
            compiled += 1;
        }
    }
    assert!(
        inputs.len() > 40 && skipped < 5 && compiled == (inputs.len() - skipped) * rounds,
        "{compiled} corruptions compiled"
    );
}

/// Every .kdl file of the repository that parses is already in `infrac fmt`'s
/// layout (the test command also checks it), formatting it means the same
/// to a KDL reader, and re-indenting or re-spacing it any way comes back to
/// the same layout.
#[test]
fn formatting_changes_only_layout_and_comes_back_to_one_layout() {
    let mut files = Vec::new();
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "kdl") {
                out.push(p);
            }
        }
    }
    for folder in [
        "examples",
        "stdlib",
        "tests/cases",
        "tests/web",
        "tests/kubernetes",
    ] {
        walk(&common::repo_root().join(folder), &mut files);
    }
    files.sort();
    let mut rng = Rng(7);
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // The syntax-error cases (some nest deeper than the `kdl` crate's
        // recursion fits in a test thread's stack; infrac refuses them
        // before any parser runs).
        if infrac::parse::parse(infrac::source::FileId(0), &text).is_err() {
            continue;
        }
        let meaning = kdl::KdlDocument::parse_v2(&text).unwrap();
        let formatted = infrac::formatter::format(&text)
            .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
        let mut before = meaning.clone();
        let mut after = kdl::KdlDocument::parse_v2(&formatted).unwrap();
        before.clear_format_recursive();
        after.clear_format_recursive();
        assert_eq!(
            before.to_string(),
            after.to_string(),
            "{}: meaning changed",
            path.display()
        );
        assert_eq!(
            infrac::formatter::format(&formatted).unwrap(),
            formatted,
            "{}: not idempotent",
            path.display()
        );
        // Re-indent each line by a random amount (not inside multi-line
        // strings, whose indentation is their text) and widen the spaces
        // before comments.
        if !text.contains("\"\"\"") {
            let messy: String = text
                .lines()
                .map(|l| {
                    format!(
                        "{}{}\n",
                        " ".repeat(rng.below(9)),
                        l.trim_start().replace(" //", "   //")
                    )
                })
                .collect();
            assert_eq!(
                infrac::formatter::format(&messy).unwrap(),
                formatted,
                "{}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} files");
}
