//! Helpers shared by the integration tests (each test binary uses a part).
#![allow(dead_code)]

use infrac::{compile, Compilation, Options, World};
use std::path::{Path, PathBuf};

pub struct Folder(pub PathBuf);

impl World for Folder {
    fn read(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|_| "no such file".to_string())
    }
}

/// A single-file case is served as the project's `infra.kdl`.
pub struct SingleFile(pub String);

impl World for SingleFile {
    fn read(&self, path: &str) -> Result<String, String> {
        if path == infrac::load::ENTRY_FILE {
            Ok(self.0.clone())
        } else {
            Err("no such file".to_string())
        }
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Options from leading `// infrac: --var a=b --env prod` lines.
pub fn options_from(text: &str) -> Options {
    let mut options = Options::default();
    for line in text.lines().take_while(|l| l.starts_with("//")) {
        let Some(args) = line.trim_start_matches("//").trim().strip_prefix("infrac:") else {
            continue;
        };
        let words: Vec<&str> = args.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            match words[i] {
                "--var" => options.vars.push(words[i + 1].to_string()),
                "--env" => options.environment = Some(words[i + 1].to_string()),
                "--plain-http" => options.plain_http = Some(words[i + 1].parse().unwrap()),
                other => panic!("unknown option in case header: {other}"),
            }
            i += 2;
        }
    }
    options
}

pub fn compile_case(path: &Path) -> Compilation {
    if path.is_dir() {
        let entry = std::fs::read_to_string(path.join("infra.kdl")).unwrap_or_default();
        compile(&Folder(path.to_path_buf()), &options_from(&entry))
    } else {
        let text = std::fs::read_to_string(path).unwrap();
        let options = options_from(&text);
        compile(&SingleFile(text), &options)
    }
}

/// Diagnostics (rendered without colour at width 80) and every output file.
pub fn transcript(c: &Compilation) -> String {
    let mut out = String::new();
    if !c.diagnostics.is_empty() {
        out.push_str("=== diagnostics ===\n");
        out.push_str(&infrac::diag::render_human(
            &c.diagnostics,
            &c.sources,
            false,
        ));
    }
    if let Some(files) = &c.files {
        for (path, text) in files {
            out.push_str(&format!("=== {path} ===\n"));
            out.push_str(text);
        }
    }
    out
}
