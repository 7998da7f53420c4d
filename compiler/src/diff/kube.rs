//! Kubernetes objects added, changed and removed, per environment. Each
//! manifest holds one object (`k8s/<environment>/<kind>-<name>.yaml`), so
//! a changed file is a changed object; its fields are read back as YAML and
//! compared leaf by leaf (`spec.replicas: 2 → 3`).

use super::{Action, AttrChange, Change};
use yaml_rust2::{Yaml, YamlLoader};

/// Fields the API server will not change in place: `kubectl apply` fails
/// and the object must be deleted and created again.
const IMMUTABLE: &[(&str, &str)] = &[
    ("Deployment", "spec.selector"),
    ("Job", "spec.template"),
    ("Job", "spec.selector"),
    ("Service", "spec.clusterIP"),
];

/// Adds the change of one manifest; false if `path` is not one.
pub fn changes(path: &str, old: &str, new: &str, out: &mut Vec<Change>) -> bool {
    let mut parts = path.splitn(3, '/');
    let (Some("k8s"), Some(env), Some(file)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if file == "kustomization.yaml" || !file.ends_with(".yaml") {
        // The kustomization only lists the files: its changes are the
        // objects' own.
        return file == "kustomization.yaml";
    }
    let (before, after) = (object(old), object(new));
    let Some(id) = after.as_ref().or(before.as_ref()).map(identity) else {
        return true;
    };
    let action = match (&before, &after) {
        (None, _) => Action::Create,
        (_, None) => Action::Delete,
        _ => Action::Update,
    };
    let mut attributes = Vec::new();
    if let (Some(b), Some(a)) = (&before, &after) {
        let (mut old_leaves, mut new_leaves) = (Vec::new(), Vec::new());
        leaves(b, "", &mut old_leaves);
        leaves(a, "", &mut new_leaves);
        for (name, value) in &new_leaves {
            let was = old_leaves
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone());
            if was.as_ref() != Some(value) {
                attributes.push(field_change(&id.0, name, was, Some(value.clone())));
            }
        }
        for (name, value) in &old_leaves {
            if !new_leaves.iter().any(|(n, _)| n == name) {
                attributes.push(field_change(&id.0, name, Some(value.clone()), None));
            }
        }
    }
    let action = if attributes.iter().any(|a| a.forces_replacement) {
        Action::Replace
    } else {
        action
    };
    // A patch (`patches/…`) changes the object it names.
    let patch = if file.starts_with("patches/") {
        " (patch)"
    } else {
        ""
    };
    // A volume claim's volume goes with it (unless its class retains it).
    let destructive =
        id.0 == "PersistentVolumeClaim" && matches!(action, Action::Delete | Action::Replace);
    out.push(Change {
        backend: "kubernetes",
        address: format!("{env}: {} {}{patch}", id.0, id.1),
        resource: false,
        action,
        attributes,
        dependents: Vec::new(),
        destructive,
        note: None,
    });
    true
}

fn object(text: &str) -> Option<Yaml> {
    if text.is_empty() {
        return None;
    }
    YamlLoader::load_from_str(text).ok()?.into_iter().next()
}

/// (kind, namespace/name or name)
fn identity(doc: &Yaml) -> (String, String) {
    let kind = doc["kind"].as_str().unwrap_or("object").to_string();
    let name = doc["metadata"]["name"].as_str().unwrap_or("?");
    let name = match doc["metadata"]["namespace"].as_str() {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    };
    (kind, name)
}

fn field_change(kind: &str, name: &str, old: Option<String>, new: Option<String>) -> AttrChange {
    let forces_replacement = IMMUTABLE.iter().any(|(k, prefix)| {
        *k == kind && (name == *prefix || name.starts_with(&format!("{prefix}.")))
    });
    AttrChange {
        name: name.to_string(),
        old,
        new,
        added: Vec::new(),
        removed: Vec::new(),
        forces_replacement,
    }
}

/// Every scalar with its path (`spec.template.spec.containers[0].image`).
fn leaves(v: &Yaml, at: &str, out: &mut Vec<(String, String)>) {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match v {
        Yaml::Hash(h) => {
            for (k, v) in h {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    other => scalar(other),
                };
                leaves(v, &join(&key), out);
            }
        }
        Yaml::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(item, &format!("{at}[{i}]"), out);
            }
        }
        other => out.push((at.to_string(), scalar(other))),
    }
}

fn scalar(v: &Yaml) -> String {
    match v {
        Yaml::String(s) => format!("{s:?}"),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Real(r) => r.clone(),
        Yaml::Boolean(b) => b.to_string(),
        _ => "null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n";

    #[test]
    fn a_changed_field_is_one_update_with_its_path() {
        let mut out = Vec::new();
        let new = DEPLOYMENT.replace("replicas: 2", "replicas: 3");
        assert!(changes(
            "k8s/prod/deployment-web.yaml",
            DEPLOYMENT,
            &new,
            &mut out
        ));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].address, "prod: Deployment prod/web");
        assert_eq!(out[0].action, Action::Update);
        assert_eq!(out[0].attributes.len(), 1);
        assert_eq!(out[0].attributes[0].name, "spec.replicas");
        assert_eq!(out[0].attributes[0].old.as_deref(), Some("2"));
        assert_eq!(out[0].attributes[0].new.as_deref(), Some("3"));
    }

    #[test]
    fn a_selector_change_replaces_and_files_come_and_go() {
        let mut out = Vec::new();
        let new = DEPLOYMENT.replace("app: web", "app: web2");
        changes("k8s/prod/deployment-web.yaml", DEPLOYMENT, &new, &mut out);
        assert_eq!(out[0].action, Action::Replace);
        changes("k8s/prod/deployment-web.yaml", "", DEPLOYMENT, &mut out);
        changes("k8s/prod/deployment-web.yaml", DEPLOYMENT, "", &mut out);
        assert_eq!(out[1].action, Action::Create);
        assert_eq!(out[2].action, Action::Delete);
        assert!(changes("k8s/prod/kustomization.yaml", "a", "b", &mut out));
        assert_eq!(out.len(), 3);
        assert!(!changes("terraform/main.tf", "a", "b", &mut out));
    }

    #[test]
    fn a_patch_is_shown_as_a_change_to_the_object_it_patches() {
        let mut out = Vec::new();
        let new = DEPLOYMENT.replace("replicas: 2", "replicas: 3");
        changes(
            "k8s/prod/patches/deployment-web.yaml",
            DEPLOYMENT,
            &new,
            &mut out,
        );
        assert_eq!(out[0].address, "prod: Deployment prod/web (patch)");
        assert_eq!(out[0].attributes[0].name, "spec.replicas");
    }
}
