//! End-to-end tests of the `infrac` binary: exit codes, determinism across
//! processes (each has its own hash seed), atomic and tidy writes, secrets.

mod common;

use common::repo_root;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn infrac(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("infrac-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

const PROJECT: &str = r#"
provider "digitalocean" token=(secret)"do_token"
domain "example.com"
droplet "web" region="ams3" size="s-1vcpu-1gb" image="ubuntu-24-04-x64"
record "www" fqdn="www.example.com" type="A" value=(ref)"droplet.web.ipv4"
"#;

#[test]
fn builds_are_byte_identical_across_processes() {
    let root = repo_root();
    for ex in ["examples/wesync", "examples/insync"] {
        let a = scratch("det-a");
        let b = scratch("det-b");
        for out in [&a, &b] {
            let o = infrac(&["build", ex, "--out", out.to_str().unwrap()], &root);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        assert_eq!(snapshot(&a), snapshot(&b), "{ex} differs between two runs");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let dir = scratch("atomic");
    std::fs::write(dir.join("infra.kdl"), PROJECT).unwrap();
    let o = infrac(&["build", "."], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.starts_with("built 3 resources into"), "{stdout}");
    let before = snapshot(&dir.join("out"));
    let mtime = std::fs::metadata(dir.join("out/terraform/compute.tf"))
        .unwrap()
        .modified()
        .unwrap();

    std::fs::write(
        dir.join("infra.kdl"),
        format!("{PROJECT}\ndroplet \"api\" region=\"nowhere\"\n"),
    )
    .unwrap();
    let o = infrac(&["build", "."], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("infrac::E006"));
    assert_eq!(snapshot(&dir.join("out")), before);
    assert_eq!(
        std::fs::metadata(dir.join("out/terraform/compute.tf"))
            .unwrap()
            .modified()
            .unwrap(),
        mtime
    );
}

#[test]
fn a_build_removes_only_files_it_wrote_before() {
    let dir = scratch("tidy");
    std::fs::write(dir.join("infra.kdl"), PROJECT).unwrap();
    assert!(infrac(&["build", "."], &dir).status.success());
    std::fs::write(dir.join("out/terraform/mine.tf"), "# kept\n").unwrap();
    std::fs::write(dir.join("out/notes.txt"), "kept\n").unwrap();
    // Without the droplet and record, compute.tf and outputs.tf are no longer produced.
    std::fs::write(
        dir.join("infra.kdl"),
        "provider \"digitalocean\" token=(secret)\"do_token\"\ndomain \"example.com\"\n",
    )
    .unwrap();
    let o = infrac(&["build", "."], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("removed"));
    assert!(!dir.join("out/terraform/compute.tf").exists());
    assert!(!dir.join("out/terraform/outputs.tf").exists());
    assert!(dir.join("out/terraform/dns.tf").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("out/terraform/mine.tf")).unwrap(),
        "# kept\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/notes.txt")).unwrap(),
        "kept\n"
    );
}

#[test]
fn a_build_never_overwrites_a_file_it_did_not_write() {
    let dir = scratch("foreign");
    std::fs::write(dir.join("infra.kdl"), PROJECT).unwrap();
    std::fs::create_dir_all(dir.join("out/terraform")).unwrap();
    std::fs::write(dir.join("out/terraform/dns.tf"), "# hand-written\n").unwrap();
    let o = infrac(&["build", "."], &dir);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("was not written by infrac"));
    assert_eq!(
        std::fs::read_to_string(dir.join("out/terraform/dns.tf")).unwrap(),
        "# hand-written\n"
    );
    assert!(
        !dir.join("out/terraform/compute.tf").exists(),
        "nothing is written when one file is refused"
    );
}

#[test]
fn secrets_never_reach_the_output() {
    let canary = "CANARY-7f3a9c-do-not-leak";
    let dir = scratch("secret");
    std::fs::write(
        dir.join("infra.kdl"),
        format!("{PROJECT}\nsecret \"key\"\ncertificate \"tls\" type=\"custom\" leaf-certificate=\"cert\" private-key=(secret)\"key\"\n"),
    )
    .unwrap();
    // Given on the command line, a secret is refused and nothing is written.
    let o = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["build", ".", "--var", &format!("do_token={canary}")])
        .current_dir(&dir)
        .env("TF_VAR_do_token", canary)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("infrac::E016"));
    assert!(!dir.join("out").exists());
    // The refusal never prints the value, in any format (CI logs).
    for format in ["human", "json"] {
        let o = infrac(
            &[
                "check",
                ".",
                "--format",
                format,
                "--var",
                &format!("do_token={canary}"),
            ],
            &dir,
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(all.contains("E016"), "{all}");
        assert!(!all.contains(canary), "{format} prints the secret:\n{all}");
    }
    // From the environment, it is not read at all.
    let o = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["build", "."])
        .current_dir(&dir)
        .env("TF_VAR_do_token", canary)
        .env("TF_VAR_key", canary)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = snapshot(&dir.join("out"));
    for (path, bytes) in &files {
        assert!(
            !String::from_utf8_lossy(bytes).contains(canary),
            "{path} leaks the secret"
        );
    }
    let vars = String::from_utf8_lossy(&files["terraform/variables.tf"]).to_string();
    assert!(
        vars.contains("variable \"do_token\"") && vars.contains("sensitive = true"),
        "{vars}"
    );
    assert!(String::from_utf8_lossy(&files["terraform/network.tf"])
        .contains("private_key      = var.key"));
}

#[test]
fn check_prints_json_for_editors() {
    let dir = scratch("json");
    std::fs::write(dir.join("infra.kdl"), "droplet \"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\" monitorng=#true\n").unwrap();
    let o = infrac(&["check", ".", "--format", "json"], &dir);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = &v[0];
    assert_eq!(d["code"], "E003");
    assert_eq!(d["file"], "infra.kdl");
    assert_eq!(d["line"], 1);
    assert_eq!(d["column"], 73);
    assert_eq!(d["severity"], "error");
    assert!(d["help"].as_str().unwrap().contains("monitoring"));
    assert_eq!(
        &std::fs::read_to_string(dir.join("infra.kdl")).unwrap()[d["span"]["start"]
            .as_u64()
            .unwrap() as usize
            ..d["span"]["end"].as_u64().unwrap() as usize],
        "monitorng"
    );
    // Columns three ways: characters (1-based) and the LSP range (0-based,
    // UTF-16 units) beside the byte span.
    std::fs::write(dir.join("infra.kdl"), "droplet \"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\" tags=\"🐴🐴\" sise=\"x\"\n").unwrap();
    let o = infrac(&["check", ".", "--format", "json"], &dir);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = v
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("sise"))
        .unwrap();
    assert_eq!(d["column"], 83);
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 0, "character": 84})
    );
    assert_eq!(
        d["range"]["end"],
        serde_json::json!({"line": 0, "character": 88})
    );
    // The LSP's fields: a link to the code's section, the source, and the
    // did-you-mean as an edit of the misspelt word.
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("docs/diagnostics.md#e003-unknown-attribute"));
    assert_eq!(d["source"], "infrac");
    assert_eq!(d["fixes"][0]["replacement"], "size");
    assert_eq!(d["fixes"][0]["range"], d["range"]);
    assert_eq!(d["tags"], serde_json::json!([]));
    // The human header names the same line and column as the JSON.
    let human = String::from_utf8(infrac(&["check", "."], &dir).stderr).unwrap();
    assert!(human.contains("infra.kdl:1:83]"), "{human}");
}

/// A provider's own schema must be one `terraform providers schema -json`
/// printed, hold the provider named by `source`, and have types named
/// after the provider; each problem is E028 at the `schema` property.
#[test]
fn a_brought_provider_schema_is_checked_before_use() {
    let dir = scratch("own schema");
    let entry = r#"{"provider": {"block": {"attributes": {"token": {"type": "string", "required": true, "sensitive": true}}}},
        "resource_schemas": {"hcloud_server": {"block": {"attributes": {"name": {"type": "string", "required": true}, "id": {"type": "string", "computed": true}}}}}}"#;
    std::fs::write(dir.join("entry.json"), entry).unwrap();
    std::fs::write(
        dir.join("whole.json"),
        format!(r#"{{"format_version": "1.0", "provider_schemas": {{"registry.terraform.io/hetznercloud/hcloud": {entry}}}}}"#),
    )
    .unwrap();
    std::fs::write(dir.join("broken.json"), "{ not json").unwrap();
    let project = |name: &str, source: &str, file: &str| {
        std::fs::write(
            dir.join("infra.kdl"),
            format!("provider \"{name}\" source=\"{source}\" version=\"1.44.1\" schema=\"{file}\" token=(secret)\"t\"\n{name}-server \"web\" name=\"web\"\n"),
        )
        .unwrap();
        let o = infrac(&["check", "."], &dir);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    for file in ["entry.json", "whole.json"] {
        let (code, err) = project("hcloud", "hetznercloud/hcloud", file);
        assert_eq!(code, Some(0), "{file}: {err}");
    }
    for (name, source, file, says) in [
        ("hcloud", "hetznercloud/hcloud", "broken.json", "not JSON"),
        (
            "hcloud",
            "someone/other",
            "whole.json",
            "no schema for `someone/other`",
        ),
        (
            "hetzner",
            "hetznercloud/hcloud",
            "entry.json",
            "name it `hcloud`",
        ),
        (
            "hcloud",
            "hetznercloud/hcloud",
            "../entry.json",
            "leaves the project folder",
        ),
    ] {
        let (code, err) = project(name, source, file);
        assert_eq!(code, Some(1), "{file}: {err}");
        assert!(err.contains("E028"), "{file}: {err}");
        // Diagnostics wrap long lines: compare the words.
        let words: Vec<&str> = err.split_whitespace().filter(|w| *w != "│").collect();
        assert!(words.join(" ").contains(says), "{file}: {err}");
    }
}

/// `infrac kinds` lists every kind: curated, stage, components of the
/// stdlib and of the project, and every resource type of the vendored
/// providers; it describes any of them, and any block of a kind.
#[test]
fn kinds_lists_and_describes_everything_the_language_knows() {
    let dir = scratch("kinds");
    std::fs::write(
        dir.join("infra.kdl"),
        "component \"edge\" doc=\"An edge node.\" {\n    param \"region\" description=\"where\"\n    param \"size\" default=\"s-1vcpu-1gb\"\n    droplet \"edge\" region=\"${region}\" size=\"${size}\" image=\"ubuntu-24-04-x64\"\n}\n",
    )
    .unwrap();
    let text = |args: &[&str]| {
        let o = infrac(args, &dir);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let all = text(&["kinds"]);
    for listed in [
        "droplet ",
        "site ",
        "config-map ",
        "droplet-pool",
        "edge ",
        "aws-sqs-queue\n",
        "digitalocean-database-connection-pool\n",
        "heroku-drain\n",
        "cloudflare-ruleset\n",
    ] {
        assert!(all.contains(listed), "`{listed}` not listed");
    }
    let queue = text(&["kinds", "aws-sqs-queue"]);
    assert!(queue.contains("aws_sqs_queue (aws, generic)"), "{queue}");
    assert!(queue.contains("message-retention-seconds"), "{queue}");
    let rule = text(&["kinds", "inbound-rule"]);
    assert!(
        rule.contains("firewall.inbound-rule") && rule.contains("port-range"),
        "{rule}"
    );
    assert_eq!(text(&["kinds", "firewall.inbound-rule"]), rule);
    let edge = text(&["kinds", "edge"]);
    assert!(
        edge.contains("(component, project)")
            && edge.contains("region")
            && edge.contains("required"),
        "{edge}"
    );
    let site = text(&["kinds", "site"]);
    assert!(
        site.contains("max-body") && site.contains("redirect"),
        "{site}"
    );
    // A provider the project brings lists and describes its types too.
    let hetzner = repo_root().join("examples/hetzner");
    let hetzner = hetzner.to_str().unwrap();
    let own = text(&["kinds", "-p", hetzner]);
    assert!(
        own.contains("hetznercloud/hcloud") && own.contains("  hcloud-server\n"),
        "{own}"
    );
    let server = text(&["kinds", "-p", hetzner, "hcloud-server"]);
    assert!(server.contains("server-type"), "{server}");
    let image = text(&["kinds", "-p", hetzner, "data hcloud-image"]);
    assert!(image.contains("data source"), "{image}");
    let o = infrac(&["kinds", "aws-sqs-queu"], &dir);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `aws-sqs-queue`?"));
}

#[test]
fn graph_prints_dot_and_mermaid_in_dependency_order() {
    let dir = scratch("graph");
    std::fs::write(dir.join("infra.kdl"), PROJECT).unwrap();
    let dot = String::from_utf8(infrac(&["graph", "."], &dir).stdout).unwrap();
    assert!(dot.starts_with("digraph infrac {"));
    assert!(dot.contains("\"digitalocean_record.www\" -> \"digitalocean_droplet.web\";"));
    assert!(dot.contains("\"digitalocean_record.www\" -> \"digitalocean_domain.example_com\";"));
    let mermaid =
        String::from_utf8(infrac(&["graph", ".", "--format", "mermaid"], &dir).stdout).unwrap();
    assert!(mermaid.starts_with("graph LR\n"));
    assert!(mermaid.contains("-->"));
}

#[test]
fn exit_codes_are_as_documented() {
    let dir = scratch("exit");
    assert_eq!(
        infrac(&["build", "."], &dir).status.code(),
        Some(3),
        "no infra.kdl"
    );
    assert_eq!(
        infrac(&["build", ".", "--bogus"], &dir).status.code(),
        Some(2),
        "bad command line"
    );
    std::fs::write(dir.join("infra.kdl"), "droplet \"x\"\n").unwrap();
    assert_eq!(infrac(&["check", "."], &dir).status.code(), Some(1));
    std::fs::write(dir.join("infra.kdl"), PROJECT).unwrap();
    assert_eq!(infrac(&["check", "."], &dir).status.code(), Some(0));
}

/// The project is found from any file or folder inside it, upward, as git
/// finds its repository: `infrac check infra.kdl`, `infrac check net/dns.kdl`.
/// The success line counts the warnings printed above it.
#[test]
fn the_project_is_found_from_inside_it() {
    let dir = scratch("upward");
    std::fs::create_dir_all(dir.join("net")).unwrap();
    std::fs::write(
        dir.join("infra.kdl"),
        format!("{PROJECT}\nimport \"net/dns.kdl\"\nvar \"unused\" default=\"x\"\n"),
    )
    .unwrap();
    std::fs::write(dir.join("net/dns.kdl"), "// records live here\n").unwrap();
    for given in ["infra.kdl", "net/dns.kdl", "net", "."] {
        let o = infrac(&["check", given], &dir);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{given}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains("no errors, 1 warning"), "{given}: {out}");
    }
    let o = infrac(&["build", "net/dns.kdl"], &dir);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        dir.join("out/terraform/versions.tf").is_file(),
        "built into the project's out/"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=infrac test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn diff_against_a_git_revision_compiles_both_sides_in_memory() {
    let repo = scratch("git base");
    let project = repo.join("infra dir with spaces");
    copy_dir(&repo_root().join("examples/wesync"), &project);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "base"]);

    let unchanged = infrac(
        &[
            "diff",
            "infra dir with spaces",
            "--base",
            "HEAD",
            "--exit-code",
        ],
        &repo,
    );
    assert_eq!(
        unchanged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&unchanged.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&unchanged.stdout),
        "infrac diff: no changes\n"
    );

    let servers = project.join("servers.kdl");
    let text = std::fs::read_to_string(&servers).unwrap();
    std::fs::write(
        &servers,
        text.replacen(
            "name=\"web\" region=(var)\"region\" size=\"s-1vcpu-2gb\"",
            "name=\"web\" region=(var)\"region\" size=\"s-2vcpu-4gb\"",
            1,
        ),
    )
    .unwrap();
    let o = infrac(
        &[
            "diff",
            "infra dir with spaces",
            "--base",
            "HEAD",
            "--format",
            "markdown",
            "--exit-code",
        ],
        &repo,
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.starts_with("## infrac diff: infra dir with spaces\n\nTerraform resources: **0** to create · **1** to update · **0** to replace · **0** to delete"), "{md}");
    assert!(md.contains("| `~` update | `digitalocean_droplet.web` | size \"s-1vcpu-2gb\" → \"s-2vcpu-4gb\" | digitalocean\\_project.wesync, digitalocean\\_record.site\\_wesync\\_net"), "{md}");
    assert!(
        md.contains("-  size       = \"s-1vcpu-2gb\"\n+  size       = \"s-2vcpu-4gb\""),
        "{md}"
    );
    assert!(!project.join("out").exists(), "diff wrote an output folder");

    let bad = infrac(
        &["diff", "infra dir with spaces", "--base", "no-such-rev"],
        &repo,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a revision"));
}

#[test]
fn diff_never_writes_to_the_output_folder() {
    let dir = scratch("diff-readonly");
    std::fs::write(dir.join("infra.kdl"), PROJECT).unwrap();
    assert!(infrac(&["build", "."], &dir).status.success());
    let before = snapshot(&dir);
    std::fs::write(
        dir.join("infra.kdl"),
        PROJECT.replace("s-1vcpu-1gb", "s-2vcpu-2gb"),
    )
    .unwrap();
    let edited = snapshot(&dir);
    let o = infrac(&["diff", ".", "--format", "json"], &dir);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["counts"]["update"], 1);
    assert_eq!(v["changes"][0]["address"], "digitalocean_droplet.web");
    assert_eq!(snapshot(&dir), edited, "diff changed files");
    assert_ne!(before, edited);
    // Errors in the project: exit 2, still nothing written.
    std::fs::write(dir.join("infra.kdl"), "droplet \"x\"\n").unwrap();
    assert_eq!(infrac(&["diff", "."], &dir).status.code(), Some(2));
    assert!(!dir.join("out/.infrac-staging").exists());
}

/// One secret feeds two providers (RDS and the Heroku app) and appears in
/// no output file, whatever the environment holds.
#[test]
fn a_secret_shared_across_providers_stays_a_variable() {
    let canary = "CANARY-db-5b1e-do-not-leak";
    let out = scratch("graveyard-secret");
    let o = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args([
            "build",
            "examples/graveyard",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(repo_root())
        .env("TF_VAR_db_password", canary)
        .env("DB_PASSWORD", canary)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let files = snapshot(&out);
    for (path, bytes) in &files {
        assert!(
            !String::from_utf8_lossy(bytes).contains(canary),
            "{path} leaks the secret"
        );
    }
    let vars = String::from_utf8_lossy(&files["terraform/variables.tf"]).to_string();
    assert_eq!(vars.matches("variable \"db_password\"").count(), 1);
    let rds = String::from_utf8_lossy(&files["terraform/aws-rds.tf"]).to_string();
    assert!(
        rds.lines().any(|l| l.trim_start().starts_with("password ")
            && l.trim_end().ends_with("= var.db_password")),
        "{rds}"
    );
    let heroku = String::from_utf8_lossy(&files["terraform/heroku.tf"]).to_string();
    assert!(
        heroku.contains("DB_PASSWORD           = var.db_password"),
        "{heroku}"
    );
}

/// A reader that stops early (`infrac graph … | head -1`) ends the process
/// quietly: no panic, no error.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = scratch("pipe");
    std::fs::write(
        dir.join("infra.kdl"),
        format!("{PROJECT}\ndroplet \"n\" count=3000 region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n"),
    )
    .unwrap();
    for args in [&["graph", "."][..], &["kinds", "--markdown"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
            .args(args)
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// An import is read only if, links followed, it is a regular file inside
/// the project folder: a link to a credentials file is not read (nor
/// printed in a diagnostic), a FIFO does not block, a device is refused.
#[test]
fn imports_stay_inside_the_project_and_read_only_files() {
    let canary = "CANARY-creds-4d1e";
    let outside = scratch("outside");
    std::fs::write(
        outside.join("creds.kdl"),
        format!("aws_secret_access_key = {canary}\n"),
    )
    .unwrap();
    let dir = scratch("links");
    std::os::unix::fs::symlink(outside.join("creds.kdl"), dir.join("creds.kdl")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("shared")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.kdl")).unwrap();
    let fifo = dir.join("pipe.kdl");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for import in ["creds.kdl", "shared/creds.kdl", "zero.kdl", "pipe.kdl"] {
        std::fs::write(
            dir.join("infra.kdl"),
            format!("{PROJECT}\nimport \"{import}\"\n"),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
            .args(["check", ".", "--format", "json"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                panic!("importing {import} did not finish");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(all.contains("E010"), "{import}: {all}");
        assert!(!all.contains(canary), "{import} leaks the file: {all}");
    }
}

/// `diff --base` reads a revision's links as the disk is read: followed
/// inside the project folder, refused (E010) when they lead outside it,
/// never read as text.
#[test]
fn diff_base_follows_links_inside_the_project_only() {
    let canary = "CANARY-git-creds-91c2";
    let repo = scratch("git links");
    let project = repo.join("proj");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(repo.join("creds.kdl"), format!("key = {canary}\n")).unwrap();
    std::fs::write(
        project.join("infra.kdl"),
        format!("{PROJECT}\nimport \"alias.kdl\"\n"),
    )
    .unwrap();
    std::fs::write(
        project.join("net.kdl"),
        "droplet \"db\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("net.kdl", project.join("alias.kdl")).unwrap();
    std::os::unix::fs::symlink("../creds.kdl", project.join("creds.kdl")).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "a link inside"]);
    std::fs::write(
        project.join("infra.kdl"),
        format!("{PROJECT}\nimport \"creds.kdl\"\n"),
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "a link outside"]);

    // The working tree imports the file directly: only the base's link differs.
    std::fs::write(
        project.join("infra.kdl"),
        format!("{PROJECT}\nimport \"net.kdl\"\n"),
    )
    .unwrap();
    let inside = infrac(&["diff", "proj", "--base", "HEAD~1"], &repo);
    assert_eq!(
        inside.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&inside.stderr)
    );
    assert!(String::from_utf8_lossy(&inside.stdout).contains("no changes"));

    let outside = infrac(&["diff", "proj", "--base", "HEAD"], &repo);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&outside.stdout),
        String::from_utf8_lossy(&outside.stderr)
    );
    assert!(
        all.contains("E010") && all.contains("a link to a file outside"),
        "{all}"
    );
    assert!(!all.contains(canary), "the base leaks the file: {all}");
}

/// The output is replaced whole or not at all: when one file cannot be
/// replaced (here an immutable outputs.tf), the files already replaced are
/// put back; no staging folder is left, and those of interrupted builds
/// are cleaned up; a symbolic link to a folder inside the output is never
/// written through.
#[test]
fn output_is_replaced_whole_or_not_at_all() {
    let dir = scratch("atomic");
    let project = format!("{PROJECT}\noutput \"web-ip\" value=(ref)\"droplet.web.ipv4\"\n");
    std::fs::write(dir.join("infra.kdl"), &project).unwrap();
    assert!(infrac(&["build", "."], &dir).status.success());
    let out = dir.join("out");
    // Leftovers of an interrupted build are removed by the next one.
    std::fs::create_dir_all(out.join(".infrac-staging-999999/terraform")).unwrap();
    std::fs::write(out.join(".infrac-manifest.tmp"), "x").unwrap();
    assert!(infrac(&["build", "."], &dir).status.success());
    assert!(!out.join(".infrac-staging-999999").exists());
    assert!(!out.join(".infrac-manifest.tmp").exists());

    let before = snapshot(&out);
    let outputs = out.join("terraform/outputs.tf");
    let immutable = Command::new("chattr").arg("+i").arg(&outputs).status();
    if std::env::var("CI").is_ok() || immutable.as_ref().is_ok_and(|s| s.success()) {
        assert!(
            immutable.unwrap().success(),
            "chattr +i must work here (root)"
        );
        std::fs::write(
            dir.join("infra.kdl"),
            project
                .replace("s-1vcpu-1gb", "s-2vcpu-4gb")
                .replace("web-ip", "web-address"),
        )
        .unwrap();
        let o = infrac(&["build", "."], &dir);
        let _ = Command::new("chattr").arg("-i").arg(&outputs).status();
        assert_eq!(
            o.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(snapshot(&out), before, "a failed write changed the output");
        assert!(std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".infrac-staging")));
    } else {
        eprintln!("note: chattr unavailable; the rollback part is skipped");
    }

    // A linked folder is not written through.
    let elsewhere = scratch("atomic-elsewhere");
    std::fs::remove_dir_all(out.join("terraform")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("terraform")).unwrap();
    let o = infrac(&["build", "."], &dir);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        std::fs::read_dir(&elsewhere).unwrap().next().is_none(),
        "wrote through the link"
    );
}

/// `infrac fmt`: rewrites a messy file into the one layout, once (a second
/// run changes nothing), `--check` lists what it would change, and a file
/// with a syntax error is reported and left as it is.
#[test]
fn fmt_formats_checks_and_leaves_broken_files_alone() {
    let dir = scratch("fmt");
    let messy = "// the web tier\ndroplet   \"web\" region = \"ams3\"  size=\"s-1vcpu-1gb\"{\n  tags \"a\"   \"b\"; ipv6 #true\n\n\n\n        backup-policy plan=\"weekly\" // why\n}\n";
    let formatted = "// the web tier\ndroplet \"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" {\n    tags \"a\" \"b\"\n    ipv6 #true\n\n    backup-policy plan=\"weekly\" // why\n}\n";
    std::fs::write(dir.join("infra.kdl"), messy).unwrap();
    let broken = "droplet \"x\" {\n";
    std::fs::create_dir(dir.join("more")).unwrap();
    std::fs::write(dir.join("more/broken.kdl"), broken).unwrap();

    let check = infrac(&["fmt", "--check", "infra.kdl"], &dir);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "infra.kdl");
    assert_eq!(
        std::fs::read_to_string(dir.join("infra.kdl")).unwrap(),
        messy
    );

    let all = infrac(&["fmt"], &dir);
    assert_eq!(all.status.code(), Some(1), "the broken file is an error");
    assert!(String::from_utf8_lossy(&all.stderr).contains("E001"));
    assert_eq!(
        std::fs::read_to_string(dir.join("infra.kdl")).unwrap(),
        formatted
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("more/broken.kdl")).unwrap(),
        broken
    );

    let again = infrac(&["fmt", "--check", "infra.kdl"], &dir);
    assert_eq!(
        again.status.code(),
        Some(0),
        "formatting twice changes nothing"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `graph --format json` and `kinds --json` are data for tools.
#[test]
fn graph_and_kinds_print_json() {
    let root = repo_root();
    let o = infrac(&["graph", "examples/newsroom", "--format", "json"], &root);
    assert_eq!(o.status.code(), Some(0));
    let g: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let addresses: Vec<&str> = g["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    for edge in g["needs"].as_array().unwrap() {
        let (from, to) = (edge["from"].as_str().unwrap(), edge["to"].as_str().unwrap());
        let at = |a: &str| addresses.iter().position(|x| *x == a).unwrap();
        assert!(
            at(to) < at(from),
            "{to} comes before {from}, which needs it"
        );
    }
    assert!(!g["needs"].as_array().unwrap().is_empty());

    let o = infrac(&["kinds", "droplet", "--json"], &root);
    let k: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(k["resource"], "digitalocean_droplet");
    let attribute = |name: &str| {
        k["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(attribute("size")["required"], true);
    let region = attribute("region");
    assert!(region["values"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("ams3")));
    let o = infrac(&["kinds", "--json"], &root);
    let all: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(all["stage_kinds"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "manifest"));
    assert!(all["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "aws-sqs-queue"));
}

/// A renamed droplet with `moved-from` is a move in `diff --base`, and an
/// edit that deletes a droplet exits 3 (destructive) with `--exit-code`.
#[test]
fn a_rename_is_a_move_and_a_delete_of_a_droplet_is_destructive() {
    let repo = scratch("rename");
    let write = |text: &str| std::fs::write(repo.join("infra.kdl"), text).unwrap();
    let head = "provider \"digitalocean\" token=(secret)\"do_token\"\n";
    write(&format!(
        "{head}droplet \"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n"
    ));
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "base"]);

    write(&format!("{head}droplet \"web-1\" moved-from=\"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n"));
    let moved = infrac(&["diff", ".", "--base", "HEAD", "--exit-code"], &repo);
    let text = String::from_utf8_lossy(&moved.stdout);
    assert_eq!(moved.status.code(), Some(1), "{text}");
    assert!(
        text.contains("0 to create, 0 to update, 0 to replace, 0 to delete, 1 to move"),
        "{text}"
    );
    assert!(
        text.contains("→ digitalocean_droplet.web_1: name \"web\" → \"web-1\"")
            && text.contains("moved from digitalocean_droplet.web"),
        "{text}"
    );
    assert!(
        text.contains("+moved {") && text.contains("from = digitalocean_droplet.web"),
        "{text}"
    );

    write(&format!(
        "{head}droplet \"web-1\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n"
    ));
    let deleted = infrac(&["diff", ".", "--base", "HEAD", "--exit-code"], &repo);
    let text = String::from_utf8_lossy(&deleted.stdout);
    assert_eq!(deleted.status.code(), Some(3), "{text}");
    assert!(
        text.contains("[destroys it and its data]") && text.contains("moved-from=\"web\""),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&repo);
}

/// The bash script is run by bash: completing `infrac bu` offers `build`,
/// and `infrac check --format ` offers the formats.
#[test]
fn shell_completions_complete_commands_and_values() {
    let dir = scratch("completions");
    let o = infrac(&["completions", "bash"], &dir);
    assert!(o.status.success());
    let script = dir.join("infrac.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    let complete = |words: &str| {
        let line = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
             _infrac infrac \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash").arg("-c").arg(line).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("infrac bu").trim(), "build");
    let formats = complete("infrac check --format ''");
    assert!(formats.lines().any(|l| l == "json"), "{formats}");
    assert!(formats.lines().any(|l| l == "human"), "{formats}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = infrac(&["completions", shell], &dir);
        assert!(o.status.success() && o.stdout.len() > 500, "{shell}");
    }
    assert_eq!(
        infrac(&["completions", "tcsh"], &dir).status.code(),
        Some(2)
    );
}

/// `infrac explain` prints a code's section of docs/diagnostics.md, found by
/// code or name; an unknown code is a command-line error.
#[test]
fn explain_prints_what_a_code_means() {
    let dir = scratch("explain");
    let o = infrac(&["explain", "e003"], &dir);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("## E003 unknown-attribute\n"), "{text}");
    assert!(!text.contains("## E004"), "{text}");
    let o = infrac(&["explain", "unused-variable"], &dir);
    assert!(String::from_utf8(o.stdout).unwrap().starts_with("## W001"));
    assert_eq!(infrac(&["explain", "E999"], &dir).status.code(), Some(2));
}

/// Each environment's Terraform keeps its state apart: the project's
/// backend with the environment's name in the state's path, unless the
/// environment says where itself; what they share is a root of its own.
/// An http backend cannot be told apart by name, so an environment must
/// give its address. `build --env` is refused: every environment is built.
#[test]
fn each_environment_keeps_its_state_apart() {
    let dir = scratch("backend-environments");
    std::fs::write(
        dir.join("infra.kdl"),
        r#"provider "digitalocean" token=(secret)"do_token"
backend "s3" bucket="acme-tfstate" key="infra/terraform.tfstate" region="us-east-1" {
    endpoints s3="https://fra1.digitaloceanspaces.com"
}
var "size" default="s-1vcpu-1gb"
environment "staging"
environment "prod" {
    var "size" "s-2vcpu-4gb"
    backend key="production.tfstate"
}
vpc "net" region="fra1" ip-range="10.10.0.0/16"
droplet "web" region="fra1" size=(var)"size" image="ubuntu-24-04-x64" vpc-uuid=(ref)"vpc.net.id"
"#,
    )
    .unwrap();
    let o = infrac(&["build", "."], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let key = |root: &str| {
        let versions =
            std::fs::read_to_string(dir.join(format!("out/terraform/{root}/versions.tf"))).unwrap();
        let line = versions
            .lines()
            .find(|l| l.trim_start().starts_with("key "))
            .unwrap();
        line.split('"').nth(1).unwrap().to_string()
    };
    assert_eq!(key("shared"), "infra/shared/terraform.tfstate");
    assert_eq!(key("staging"), "infra/staging/terraform.tfstate");
    assert_eq!(key("prod"), "production.tfstate");
    // The VPC is the same everywhere: shared, and read by the droplets.
    assert!(dir.join("out/terraform/shared/network.tf").is_file());
    let prod = std::fs::read_to_string(dir.join("out/terraform/prod/compute.tf")).unwrap();
    assert!(
        prod.contains("data.terraform_remote_state.shared.outputs.digitalocean_vpc__net__id"),
        "{prod}"
    );
    let reads = std::fs::read_to_string(dir.join("out/terraform/prod/shared.tf")).unwrap();
    assert!(
        reads.contains("\"infra/shared/terraform.tfstate\""),
        "{reads}"
    );
    let o = infrac(&["build", ".", "--env", "prod"], &dir);
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(
        dir.join("infra.kdl"),
        "provider \"digitalocean\" token=(secret)\"do_token\"\nbackend \"http\" address=\"https://state.example.com/infra\"\nenvironment \"prod\"\n",
    )
    .unwrap();
    let o = infrac(&["check", ".", "--env", "prod"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("must say where its state is"));
}

/// `infrac import` writes KDL to standard output or to a new file (never
/// over one), with its warnings on stderr.
#[test]
fn import_writes_kdl_from_state() {
    let dir = scratch("import");
    let state = repo_root().join("tests/import/terraform.tfstate");
    let o = infrac(&["import", state.to_str().unwrap()], &dir);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("droplet \"web\""));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: "));
    let o = infrac(
        &["import", state.to_str().unwrap(), "-o", "infra.kdl"],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(infrac(&["check", "."], &dir).status.success());
    // Never over an existing file.
    let o = infrac(
        &["import", state.to_str().unwrap(), "-o", "infra.kdl"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(3));
    std::fs::write(dir.join("bad.json"), "[]").unwrap();
    assert_eq!(infrac(&["import", "bad.json"], &dir).status.code(), Some(1));
}
