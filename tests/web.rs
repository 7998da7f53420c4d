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

/// A project with its `site`s replaced by the ones `infrac import` read
/// from its own deployed configs (the rest kept: the droplets the sites
/// run on, the secrets they name).
struct Reimported {
    project: Folder,
    sites: String,
}

/// A top-level `site` node, from its line (and the lines a `\\` continues
/// it on) to the `}` that closes it at the start of a line (the files are
/// formatted), or its single line.
fn without_sites(text: &str) -> String {
    let mut out = String::new();
    let (mut head, mut body) = (false, false);
    for line in text.lines() {
        let end = line.trim_end();
        if head || (!body && line.starts_with("site ")) {
            head = end.ends_with('\\');
            body = !head && end.ends_with('{');
            continue;
        }
        if body {
            body = line != "}";
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

impl infrac::World for Reimported {
    fn read(&self, path: &str) -> Result<String, String> {
        let text = self.project.read(path)?;
        if !path.ends_with(".kdl") {
            return Ok(text);
        }
        let mut text = without_sites(&text);
        if path == infrac::load::ENTRY_FILE {
            text.push('\n');
            text.push_str(&self.sites);
        }
        Ok(text)
    }
}

/// Imports the web configs of a build (`nginx/*/nginx.conf`,
/// `caddy/*/Caddyfile`): the KDL of their sites, less the secrets the
/// project already declares.
fn import_sites(out: &Path, project: &Path) -> String {
    let mut configs = Vec::new();
    for engine in ["nginx", "caddy"] {
        let Ok(servers) = std::fs::read_dir(out.join(engine)) else {
            continue;
        };
        for server in servers {
            let dir = server.unwrap().path();
            for file in ["nginx.conf", "Caddyfile"] {
                if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
                    configs.push((dir.join(file).display().to_string(), text));
                }
            }
        }
    }
    configs.sort();
    let declared: String = std::fs::read_dir(project)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    // Each server's config on its server: a machine's as `machine.NAME`
    // (`--on`), a droplet's by its folder's name.
    let mut kdl = String::new();
    for (path, text) in configs {
        let server = Path::new(&path)
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let on = declared
            .contains(&format!("machine \"{server}\""))
            .then(|| format!("machine.{server}"));
        let imported =
            infrac::import::import(&[(path, text)], infrac::kinds::registry(), on.as_deref())
                .unwrap();
        kdl.push_str(&imported.kdl);
    }
    let mut seen = std::collections::HashSet::new();
    kdl.lines()
        .filter(|l| !l.starts_with("secret ") || seen.insert(l.to_string()))
        .filter(|l| {
            !(l.starts_with("secret ")
                && declared.contains(l.split(" description").next().unwrap()))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Whether the real engines, serving these builds, answer the case's table.
fn answers_table(name: &str, outs: &[PathBuf]) -> bool {
    let table = repo_root().join("tests/web").join(name).join("requests");
    let mut args: Vec<&Path> = vec![Path::new("requests"), &table];
    args.extend(outs.iter().map(PathBuf::as_path));
    web_check(&args)
}

/// `infrac import` of what infrac deployed gives sites that answer the
/// same request tables: each project is built as deployed (TLS on), its
/// web configs are imported, the imported sites replace the project's,
/// and the result is built for the test and served by the real engines.
#[test]
fn imported_sites_answer_the_same_request_tables() {
    if !ready() {
        return;
    }
    let root = scratch("reimport");
    let mut failed = Vec::new();
    for (name, project, engines) in cases() {
        let mut outs = Vec::new();
        for engine in engine_builds(&engines) {
            let tag = engine.map_or("default", |e| e.as_str());
            let deployed = root.join(format!("{name}-{tag}-deployed"));
            build(&project, &options(engine, None), &deployed);
            let sites = import_sites(&deployed, &project);
            let again = Reimported {
                project: Folder(project.clone()),
                sites,
            };
            let c = compile(&again, &options(engine, Some(TEST_PORT)));
            assert!(
                !c.has_errors(),
                "{name} ({tag}): the imported sites do not compile:\n{}\n{:#?}",
                again.sites,
                c.diagnostics
            );
            let out = root.join(format!("{name}-{tag}"));
            infrac::output::write(&out, c.files.as_ref().unwrap()).unwrap();
            outs.push(out);
        }
        if !answers_table(&name, &outs) {
            failed.push(name);
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(
        failed.is_empty(),
        "request tables failed after import: {failed:?}"
    );
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
        if !answers_table(&name, &outs) {
            failed.push(name);
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(failed.is_empty(), "request tables failed: {failed:?}");
}

/// Every TLS 1.2 suite `tls-ciphers` takes is the same suite to both
/// engines: OpenSSL (nginx) names it by its IANA name, and Caddy accepts
/// that name (and refuses one it does not know).
#[test]
fn cipher_suites_mean_the_same_to_both_engines() {
    if !ready() {
        return;
    }
    for suite in infrac::web::CIPHER_SUITES {
        let out = std::process::Command::new("openssl")
            .args(["ciphers", "-stdname", "-tls1_2", suite.openssl])
            .output()
            .unwrap();
        let listed = String::from_utf8_lossy(&out.stdout);
        assert!(
            listed.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.get(..3) == Some(&[suite.iana, "-", suite.openssl][..])
            }),
            "OpenSSL does not call `{}` `{}`:\n{listed}",
            suite.openssl,
            suite.iana
        );
    }
    let caddyfile = |names: &str| {
        let dir = scratch("ciphers");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("Caddyfile");
        std::fs::write(
            &file,
            format!(
                "example.com {{\n\ttls internal {{\n\t\tciphers {names}\n\t}}\n\trespond hi\n}}\n"
            ),
        )
        .unwrap();
        std::process::Command::new("caddy")
            .args(["adapt", "--adapter", "caddyfile", "--config"])
            .arg(&file)
            .output()
            .unwrap()
            .status
            .success()
    };
    let all: Vec<&str> = infrac::web::CIPHER_SUITES.iter().map(|c| c.iana).collect();
    assert!(caddyfile(&all.join(" ")), "Caddy refuses one of {all:?}");
    assert!(
        !caddyfile("TLS_RSA_WITH_RC4_128_SHA_BOGUS"),
        "Caddy accepts any name"
    );
}
