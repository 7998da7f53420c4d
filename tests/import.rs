//! `infrac import`: the Terraform infrac writes for each example, imported
//! back, compiles to the same Terraform (the same top-level blocks, each
//! with the same text); a state imports with its ids, its references
//! restored and its secrets left out.

mod common;

use common::*;
use std::collections::BTreeSet;

/// Top-level blocks of every Terraform file, as text (order aside: files
/// group resources by kind, and the order within a file follows the
/// declarations; the root aside: a project with one environment writes
/// `terraform/<it>/`, its import has no environment).
fn blocks(files: &infrac::backends::Files) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, text) in files.iter().filter(|(p, _)| p.ends_with(".tf")) {
        let mut current = String::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if !line.is_empty() && !line.starts_with([' ', '}']) && !current.trim().is_empty() {
                out.insert(current.trim().to_string());
                current.clear();
            }
            current.push_str(line);
            current.push('\n');
        }
        if !current.trim().is_empty() {
            out.insert(current.trim().to_string());
        }
    }
    out
}

/// Top-level blocks with the folder of their root (`terraform/prod`).
fn by_root(files: &infrac::backends::Files) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".tf")) {
        let root = path.rsplit_once('/').unwrap().0.to_string();
        let one: infrac::backends::Files = [(path.clone(), text.clone())].into_iter().collect();
        out.extend(blocks(&one).into_iter().map(|b| (root.clone(), b)));
    }
    out
}

fn terraform_files(files: &infrac::backends::Files) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|(p, _)| p.starts_with("terraform/") && p.ends_with(".tf"))
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect()
}

#[test]
fn every_example_round_trips_through_import() {
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_root().join("examples")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let first = compile_case(&dir);
        assert!(!first.has_errors(), "{name}");
        let files = first.files.as_ref().unwrap();
        let imported =
            infrac::import::import(&terraform_files(files), infrac::kinds::registry(), None)
                .unwrap();
        match name.as_str() {
            // Its provider is the project's own (brought with its schema):
            // without the project, every block of it is named in a
            // warning; with it (`--project`), they are imported, and with
            // the project's provider line they compile to the same blocks
            // but the output that spreads a group (a warning).
            "hetzner" => {
                let n = files
                    .values()
                    .flat_map(|t| t.lines())
                    .filter(|l| {
                        l.starts_with("resource \"hcloud_") || l.starts_with("data \"hcloud_")
                    })
                    .count();
                let warned = imported
                    .warnings
                    .iter()
                    .filter(|w| w.contains("no schema for `hcloud_"))
                    .count();
                assert_eq!(warned, n, "{:#?}", imported.warnings);
                let registry = infrac::catalog(Some(&Folder(dir.clone()))).1;
                let imported =
                    infrac::import::import(&terraform_files(files), registry, None).unwrap();
                assert!(
                    !imported.warnings.iter().any(|w| w.contains("no schema")),
                    "{:#?}",
                    imported.warnings
                );
                let entry = std::fs::read_to_string(dir.join("infra.kdl")).unwrap();
                let provider = entry
                    .lines()
                    .find(|l| l.starts_with("provider \"hcloud\""))
                    .unwrap();
                let kdl: String = imported
                    .kdl
                    .lines()
                    .filter(|l| !l.starts_with("provider \"hcloud\""))
                    .chain([provider])
                    .map(|l| format!("{l}\n"))
                    .collect();
                let project =
                    std::env::temp_dir().join(format!("infrac-import-hz-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&project);
                std::fs::create_dir_all(project.join("schemas")).unwrap();
                std::fs::copy(
                    dir.join("schemas/hcloud.json"),
                    project.join("schemas/hcloud.json"),
                )
                .unwrap();
                std::fs::write(project.join("infra.kdl"), &kdl).unwrap();
                let again = infrac::compile(&Folder(project.clone()), &Default::default());
                assert!(!again.has_errors(), "{kdl}\n{:#?}", again.diagnostics);
                let (before, after) = (blocks(files), blocks(again.files.as_ref().unwrap()));
                let lost: Vec<&String> = before.difference(&after).collect();
                assert!(after.is_subset(&before), "{kdl}");
                assert!(
                    lost.len() == 1 && lost[0].starts_with("output \"servers\""),
                    "{lost:#?}"
                );
                assert!(imported
                    .warnings
                    .iter()
                    .any(|w| w.contains("output `servers`")));
                let _ = std::fs::remove_dir_all(&project);
                continue;
            }
            // Its roots are environments: imported as `environment` blocks
            // with the project's backend, it compiles to the same roots.
            "dxos" => {
                assert!(
                    imported.kdl.contains("\nenvironment \"prod\" {\n"),
                    "{}",
                    imported.kdl
                );
                let again = infrac::compile(&SingleFile(imported.kdl.clone()), &Default::default());
                assert!(
                    !again.has_errors(),
                    "{}\n{:#?}",
                    imported.kdl,
                    again.diagnostics
                );
                let (before, after) = (by_root(files), by_root(again.files.as_ref().unwrap()));
                let lost: Vec<_> = before.difference(&after).collect();
                let gained: Vec<_> = after.difference(&before).collect();
                assert!(
                    lost.is_empty() && gained.is_empty(),
                    "{name}: the roots differ after import\nonly before:\n{lost:#?}\nonly after:\n{gained:#?}\nthe import:\n{}",
                    imported.kdl
                );
                checked += 1;
                continue;
            }
            _ => {}
        }
        let again = infrac::compile(&SingleFile(imported.kdl.clone()), &Default::default());
        assert!(
            !again.has_errors(),
            "{name}: the import does not compile:\n{}\n{:#?}",
            imported.kdl,
            again.diagnostics
        );
        let (before, after) = (blocks(files), blocks(again.files.as_ref().unwrap()));
        let lost: Vec<&String> = before.difference(&after).collect();
        let gained: Vec<&String> = after.difference(&before).collect();
        assert!(
            lost.is_empty() && gained.is_empty(),
            "{name}: the Terraform differs after import\nonly before:\n{lost:#?}\nonly after:\n{gained:#?}\nthe import:\n{}",
            imported.kdl
        );
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} examples round-tripped");
}

#[test]
fn a_state_imports_with_ids_references_and_no_secrets() {
    let state =
        std::fs::read_to_string(repo_root().join("tests/import/terraform.tfstate")).unwrap();
    let imported = infrac::import::import(
        &[("terraform.tfstate".to_string(), state)],
        infrac::kinds::registry(),
        None,
    )
    .unwrap();
    let kdl = &imported.kdl;
    // Labelled so as to keep the address the state has, adopted by id (a
    // record's id with its domain, as the provider imports it).
    assert!(kdl.contains("droplet \"web\" name=\"web-1\" "), "{kdl}");
    assert!(kdl.contains("import-id=\"301234567\""), "{kdl}");
    assert!(kdl.contains("import-id=\"example.com,12345678\""), "{kdl}");
    // References where a value is another resource's id or address.
    assert!(
        kdl.contains("value=(ref)\"droplet.web.ipv4-address\""),
        "{kdl}"
    );
    assert!(kdl.contains("domain=(ref)\"domain.main.id\""), "{kdl}");
    assert!(kdl.contains("droplet-ids (ref)\"droplet.web.id\""), "{kdl}");
    // Never a secret, nor a read-only attribute.
    assert!(!kdl.contains("s3cr3t") && !kdl.contains("urn"), "{kdl}");
    // Nothing dropped silently: the data source, the unknown type and the
    // VPC the state does not hold are each a warning and a comment.
    let warned = imported.warnings.join("\n");
    for w in ["data.digitalocean_image.base", "acme_thing", "vpc-uuid"] {
        assert!(warned.contains(w), "{w}: {warned}");
    }
    assert!(kdl.contains("// vpc-uuid: a vpc not imported"), "{kdl}");
    let c = infrac::compile(&SingleFile(kdl.clone()), &Default::default());
    assert!(!c.has_errors(), "{kdl}\n{:#?}", c.diagnostics);
    // The same resources from `terraform show -json`.
    let shown = serde_json::json!({"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "digitalocean_droplet.web", "mode": "managed", "type": "digitalocean_droplet", "name": "web",
         "values": {"id": "301234567", "name": "web-1", "region": "ams3", "size": "s-1vcpu-1gb", "image": "ubuntu-22-04-x64", "ipv4_address": "203.0.113.10"}},
        {"address": "digitalocean_record.www", "mode": "managed", "type": "digitalocean_record", "name": "www",
         "values": {"id": "12345678", "domain": "example.com", "name": "www", "type": "A", "value": "203.0.113.10"}}
    ]}}});
    let imported = infrac::import::import(
        &[("show.json".to_string(), shown.to_string())],
        infrac::kinds::registry(),
        None,
    )
    .unwrap();
    assert!(
        imported
            .kdl
            .contains("value=(ref)\"droplet.web.ipv4-address\""),
        "{}",
        imported.kdl
    );
    assert!(
        imported.kdl.contains("import-id=\"example.com,12345678\""),
        "{}",
        imported.kdl
    );
}

#[test]
fn what_is_not_state_or_terraform_is_an_error() {
    let e = infrac::import::import(
        &[("x.json".to_string(), "{\"a\": 1}".to_string())],
        infrac::kinds::registry(),
        None,
    )
    .err()
    .unwrap();
    assert!(e.contains("not Terraform state"), "{e}");
    let e = infrac::import::import(
        &[("x.tf".to_string(), "resource {".to_string())],
        infrac::kinds::registry(),
        None,
    )
    .err()
    .unwrap();
    assert!(e.contains("not valid HCL"), "{e}");
}

/// Hand-written web configs (tests/import/web/: an nginx site as certbot
/// leaves it, a Caddyfile): each imports to the KDL and warnings of its
/// golden file (`NAME.kdl`; `INFRAC_BLESS=1` rewrites it), and the sites
/// compile in a project that has their droplet and zone.
#[test]
fn hand_written_web_configs_import_with_every_loss_named() {
    let dir = repo_root().join("tests/import/web");
    let mut configs: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|x| x != "kdl"))
        .collect();
    configs.sort();
    assert!(configs.len() >= 2);
    for config in configs {
        let name = config.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&config).unwrap();
        let imported = infrac::import::import(
            &[(name.clone(), text)],
            infrac::kinds::registry(),
            Some("web"),
        )
        .unwrap();
        let mut got = imported.kdl.clone();
        got.push_str("\n// Warnings:\n");
        for w in &imported.warnings {
            got.push_str(&format!("// {w}\n"));
        }
        let golden = dir.join(format!("{name}.kdl"));
        if std::env::var("INFRAC_BLESS").as_deref() == Ok("1") {
            std::fs::write(&golden, &got).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        assert_eq!(got, want, "{name}: the import differs from {name}.kdl");
        let project = format!(
            "provider \"digitalocean\" token=(secret)\"do_token\"\ndomain \"example.org\"\ndroplet \"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n{}",
            imported.kdl
        );
        let c = infrac::compile(&SingleFile(project.clone()), &Default::default());
        assert!(!c.has_errors(), "{name}:\n{project}\n{:#?}", c.diagnostics);
    }
}

/// Environments that differ by a property, by one they lack and by a
/// resource only one of them has import as overrides and a switch, and
/// compile to the same roots, backend included.
#[test]
fn roots_of_environments_import_as_environment_blocks() {
    let project = r#"
provider "digitalocean" token=(secret)"do_token"
secret "do_token"
backend "gcs" bucket="acme-state" prefix="infra"
var "size" default="s-1vcpu-1gb"
var "monitor" type="bool" default=#false
domain "acme.example"
vpc "net" region="ams3" ip-range="10.10.0.0/16"
droplet "web" region="ams3" size="${var.size}" image="ubuntu-24-04-x64" vpc-uuid=(ref)"vpc.net.id" { tags "web"; }
droplet "monitor" if=(var)"monitor" region="ams3" size="s-1vcpu-1gb" image="ubuntu-24-04-x64"
record "web" fqdn="web.acme.example" type="A" value=(ref)"droplet.web.ipv4-address"
environment "prod" {
    var "size" "s-2vcpu-4gb"
    var "monitor" #true
    droplet "web" backups=#true
}
environment "staging"
"#;
    let first = infrac::compile(&SingleFile(project.to_string()), &Default::default());
    assert!(!first.has_errors(), "{:#?}", first.diagnostics);
    let files = first.files.as_ref().unwrap();
    assert!(files.contains_key("terraform/shared/network.tf"));
    let imported =
        infrac::import::import(&terraform_files(files), infrac::kinds::registry(), None).unwrap();
    let kdl = &imported.kdl;
    for expected in [
        "backend \"gcs\" bucket=\"acme-state\" prefix=\"infra\"\n",
        "droplet \"monitor\" if=(var)\"with-droplet-monitor\"",
        "environment \"staging\" {\n    droplet \"web\" size=\"s-1vcpu-1gb\" backups=#null\n    var \"with-droplet-monitor\" #false\n}\n",
    ] {
        assert!(kdl.contains(expected), "`{expected}` not in\n{kdl}");
    }
    let again = infrac::compile(&SingleFile(kdl.clone()), &Default::default());
    assert!(!again.has_errors(), "{kdl}\n{:#?}", again.diagnostics);
    assert_eq!(
        by_root(files),
        by_root(again.files.as_ref().unwrap()),
        "{kdl}"
    );
}

/// An example's Terraform and its web configs imported in one run: the
/// sites proxy to the imported droplets (`to=(ref)"droplet.search"`), run
/// on `machine`s at the addresses of their names' records where no droplet
/// is imported, and leave out the records infrac writes for them, so the
/// import compiles to the same Terraform.
#[test]
fn terraform_and_web_configs_import_together() {
    for name in ["insync", "static-site", "wesync"] {
        let dir = repo_root().join("examples").join(name);
        let first = compile_case(&dir);
        let files = first.files.as_ref().unwrap();
        let inputs: Vec<(String, String)> = files
            .iter()
            .filter(|(p, _)| {
                p.ends_with(".tf") || p.ends_with("/nginx.conf") || p.ends_with("/Caddyfile")
            })
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        let imported = infrac::import::import(&inputs, infrac::kinds::registry(), None).unwrap();
        let again = infrac::compile(&SingleFile(imported.kdl.clone()), &Default::default());
        assert!(
            !again.has_errors(),
            "{name}:\n{}\n{:#?}",
            imported.kdl,
            again.diagnostics
        );
        let terraform = |files: &infrac::backends::Files| {
            blocks(
                &files
                    .iter()
                    .filter(|(p, _)| p.ends_with(".tf"))
                    .map(|(p, t)| (p.clone(), t.clone()))
                    .collect(),
            )
        };
        assert_eq!(
            terraform(files),
            terraform(again.files.as_ref().unwrap()),
            "{name}:\n{}",
            imported.kdl
        );
        let servers = |files: &infrac::backends::Files| -> Vec<String> {
            files
                .keys()
                .filter(|p| !p.ends_with(".tf"))
                .cloned()
                .collect()
        };
        assert_eq!(
            servers(files),
            servers(again.files.as_ref().unwrap()),
            "{name}"
        );
    }
    let dir = repo_root().join("examples/static-site");
    let c = compile_case(&dir);
    let inputs: Vec<(String, String)> = c
        .files
        .as_ref()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.ends_with(".tf") || p.ends_with("/nginx.conf"))
        .map(|(p, t)| (p.clone(), t.clone()))
        .collect();
    let kdl = infrac::import::import(&inputs, infrac::kinds::registry(), None)
        .unwrap()
        .kdl;
    for expected in [
        "proxy \"/api/search\" port=9200 to=(ref)\"droplet.search\"",
        "machine \"mirror-hel\" address=\"95.217.10.20\" address-v6=\"2a01:4f9:c010:1::20\"",
        "site \"mirror\" on=(ref)\"machine.mirror-hel\"",
    ] {
        assert!(kdl.contains(expected), "`{expected}` not in\n{kdl}");
    }
}
