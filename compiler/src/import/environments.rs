//! Terraform of several roots (one folder each): a project with
//! environments. The folder named `shared` holds what every environment
//! declares alike; each other folder is an environment of its own. What an
//! environment's root declares becomes one declaration with the values of
//! the first environment that has it, and in every other environment's
//! block an override of what differs there (see `write.rs`).

use super::{Attributes, Found};

/// The folder of a file, as the root it belongs to (`prod` of
/// `out/terraform/prod/dns.tf`); empty for a file without one.
pub fn root_of(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    match path.rsplit_once('/') {
        Some((dir, _)) => dir.rsplit('/').next().unwrap_or(dir),
        None => "",
    }
}

/// The environments of Terraform read from these files (folders besides
/// `shared`, sorted), or `None` when they all come from one folder.
pub fn environments<'p>(paths: impl Iterator<Item = &'p str>) -> Option<Vec<String>> {
    let mut roots: Vec<&str> = paths.map(root_of).collect();
    roots.sort();
    roots.dedup();
    if roots.len() < 2 {
        return None;
    }
    Some(
        roots
            .into_iter()
            .filter(|r| *r != crate::roots::SHARED)
            .map(str::to_string)
            .collect(),
    )
}

/// A root's backend as the project declares it: infrac keeps each root's
/// state apart by adding the root's name to where the state is (`key`
/// "infra/prod/terraform.tfstate" of "infra/terraform.tfstate"); that name
/// is taken out again. False when the place does not hold it (a backend
/// placed by hand), which is then kept as it is.
pub fn project_backend(kind: &str, attributes: &mut Attributes, root: &str) -> bool {
    let setting = match kind {
        "s3" | "azurerm" => "key",
        "local" | "consul" => "path",
        "gcs" => "prefix",
        "pg" => "schema_name",
        "kubernetes" => "secret_suffix",
        _ => return true,
    };
    let Some((_, Found::Str(value))) = attributes.iter_mut().find(|(k, _)| k == setting) else {
        return true;
    };
    let project = match kind {
        "s3" | "azurerm" | "local" => {
            let Some((dir, file)) = value.rsplit_once('/') else {
                return false;
            };
            match dir.strip_suffix(root) {
                Some("") => Some(file.to_string()),
                Some(parent) if parent.ends_with('/') => Some(format!("{parent}{file}")),
                _ => None,
            }
        }
        "gcs" | "consul" => value
            .strip_suffix(root)
            .and_then(|p| p.strip_suffix('/'))
            .map(str::to_string),
        "pg" => value
            .strip_suffix(&root.replace('-', "_"))
            .and_then(|p| p.strip_suffix('_'))
            .map(str::to_string),
        _ => value
            .strip_suffix(root)
            .and_then(|p| p.strip_suffix('-'))
            .map(str::to_string),
    };
    match project {
        Some(p) => {
            *value = p;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_are_folders_and_shared_is_no_environment() {
        assert_eq!(root_of("out/terraform/prod/dns.tf"), "prod");
        assert_eq!(root_of("dns.tf"), "");
        let paths = ["t/shared/a.tf", "t/prod/a.tf", "t/dev/b.tf", "t/prod/c.tf"];
        assert_eq!(
            environments(paths.into_iter()),
            Some(vec!["dev".to_string(), "prod".to_string()])
        );
        assert_eq!(environments(["t/a.tf", "t/b.tf"].into_iter()), None);
    }

    #[test]
    fn the_root_name_leaves_the_state_place() {
        let place = |kind: &str, key: &str, value: &str, root: &str| {
            let mut a: Attributes = vec![(key.to_string(), Found::Str(value.to_string()))];
            let kept = project_backend(kind, &mut a, root);
            match &a[0].1 {
                Found::Str(s) => (kept, s.clone()),
                _ => unreachable!(),
            }
        };
        assert_eq!(
            place("s3", "key", "infra/shared/terraform.tfstate", "shared"),
            (true, "infra/terraform.tfstate".to_string())
        );
        assert_eq!(
            place("s3", "key", "prod/terraform.tfstate", "prod"),
            (true, "terraform.tfstate".to_string())
        );
        assert_eq!(
            place("gcs", "prefix", "state/prod", "prod"),
            (true, "state".to_string())
        );
        assert_eq!(
            place("s3", "key", "infra/terraform.tfstate", "prod"),
            (false, "infra/terraform.tfstate".to_string())
        );
    }
}
