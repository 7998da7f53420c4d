//! The web fronts on the real servers: every generated Caddyfile passes
//! `caddy validate` and every nginx config `nginx -t`; and each folder in
//! tests/web/ (a project, or an example named by the folder, plus a
//! `requests` table) is built with the plain-HTTP test switch and served
//! by real Caddy and real nginx, which must answer the table.
//!
//! Needs root, `unshare`, caddy, nginx and openssl (scripts/install-validators.sh
//! installs the packages). Without them these tests fail when
//! INFRAC_REQUIRE_VALIDATORS=1 and are skipped, with a note, otherwise.

mod common;

use common::*;
use infrac::{compile, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A port for plain-HTTP test builds; the engines run in their own network
/// namespace, so it cannot clash with anything on the machine.
const TEST_PORT: u16 = 18080;

fn ready() -> bool {
    let have = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let ok = root
        && ["caddy", "nginx", "openssl", "unshare", "ip"]
            .into_iter()
            .all(have);
    if !ok {
        assert!(
            std::env::var("INFRAC_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
            "web validators are required but missing (root, caddy, nginx, openssl, unshare, ip): run scripts/install-validators.sh as root"
        );
        eprintln!("note: caddy/nginx/root not available; skipping");
    }
    ok
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("infrac-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn build(project: &Path, options: &Options, out: &Path) {
    let c = compile(&Folder(project.to_path_buf()), options);
    assert!(
        !c.has_errors(),
        "{} does not compile: {:?}",
        project.display(),
        c.diagnostics
    );
    infrac::output::write(out, c.files.as_ref().unwrap()).unwrap();
}

fn web_check(args: &[&Path]) -> bool {
    Command::new("python3")
        .arg(repo_root().join("scripts/web_check.py"))
        .args(args)
        .status()
        .unwrap()
        .success()
}

/// The builds of a project: one per engine named, or one as it is.
fn engine_builds(engines: &[String]) -> Vec<Option<&String>> {
    if engines.is_empty() {
        vec![None]
    } else {
        engines.iter().map(Some).collect()
    }
}

fn options(engine: Option<&String>, plain_http: Option<u16>) -> Options {
    let mut options = Options {
        plain_http,
        ..Options::default()
    };
    if let Some(e) = engine {
        options.vars.push(format!("engine={e}"));
    }
    options
}

/// (name, project folder, engines to build it for) of each request case.
fn cases() -> Vec<(String, PathBuf, Vec<String>)> {
    let dir = repo_root().join("tests/web");
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for case in entries {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let project = if case.join("infra.kdl").is_file() {
            case.clone()
        } else {
            repo_root().join("examples").join(&name)
        };
        assert!(project.join("infra.kdl").is_file(), "{name}: no project");
        let table = std::fs::read_to_string(case.join("requests")).unwrap();
        // `# engines: caddy nginx` builds the project once per engine.
        let engines = table
            .lines()
            .find_map(|l| l.strip_prefix("# engines:"))
            .map(|e| e.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        out.push((name, project, engines));
    }
    out
}

#[test]
fn real_caddy_and_nginx_accept_every_config() {
    if !ready() {
        return;
    }
    let root = scratch("validate");
    let mut outs = Vec::new();
    let mut projects: Vec<(String, PathBuf, Vec<String>)> = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("examples")).unwrap() {
        let p = entry.unwrap().path();
        projects.push((p.file_name().unwrap().to_string_lossy().into(), p, vec![]));
    }
    projects.extend(cases());
    projects.sort();
    for (name, project, engines) in &projects {
        for engine in engine_builds(engines) {
            // As deployed (TLS on) and as tested (plain HTTP).
            for plain_http in [None, Some(TEST_PORT)] {
                let options = options(engine, plain_http);
                let out = root.join(format!(
                    "{name}-{}-{}",
                    engine.map_or("default", |e| e.as_str()),
                    if plain_http.is_some() { "plain" } else { "tls" }
                ));
                build(project, &options, &out);
                if out.join("caddy").is_dir() || out.join("nginx").is_dir() {
                    outs.push(out);
                }
            }
        }
    }
    let mut args: Vec<&Path> = vec![Path::new("validate")];
    args.extend(outs.iter().map(PathBuf::as_path));
    let ok = web_check(&args);
    let _ = std::fs::remove_dir_all(&root);
    assert!(ok, "caddy or nginx rejected a config (see above)");
}

#[test]
fn real_servers_answer_every_request_table() {
    if !ready() {
        return;
    }
    let root = scratch("requests");
    let mut failed = Vec::new();
    for (name, project, engines) in cases() {
        let mut outs = Vec::new();
        for engine in engine_builds(&engines) {
            let options = options(engine, Some(TEST_PORT));
            let out = root.join(format!(
                "{name}-{}",
                engine.map_or("default", |e| e.as_str())
            ));
            build(&project, &options, &out);
            outs.push(out);
        }
        let table = repo_root().join("tests/web").join(&name).join("requests");
        let mut args: Vec<&Path> = vec![Path::new("requests"), &table];
        args.extend(outs.iter().map(PathBuf::as_path));
        if !web_check(&args) {
            failed.push(name);
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(failed.is_empty(), "request tables failed: {failed:?}");
}
