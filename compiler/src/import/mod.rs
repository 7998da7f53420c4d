//! `infrac import`: KDL scaffolded from what already exists, so that a team
//! adopts its running infrastructure instead of typing it in. Two sources
//! are read into one model ([`Found`]), which one writer turns into KDL:
//! - Terraform state (`terraform.tfstate`, or `terraform show -json` of a
//!   state or a plan): every managed resource, with its attribute values
//!   and an `import-id`, references restored where an attribute holds
//!   another resource's exported value;
//! - Terraform configuration (`.tf` files, read with hcl-rs): every
//!   resource, its references as written;
//! - web server configs (an nginx config, a Caddyfile): `site`s, with
//!   their names, TLS, headers and routes ([`web`]).
//!
//! Nothing is dropped silently: what cannot be written (a type no schema
//! knows, a secret, an expression that is not a value) is a warning, and
//! the KDL says where with a comment.

mod environments;
mod state;
mod terraform;
pub mod web;
mod web_terraform;
mod write;

use crate::kinds::Registry;

/// A value as found: literal data, or a reference to another resource.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(String),
    List(Vec<Found>),
    Object(Vec<(String, Found)>),
    /// `TYPE.NAME.ATTRIBUTE` of another resource.
    Ref {
        resource_type: String,
        name: String,
        attribute: String,
    },
    /// `var.NAME`: a secret, or an input.
    Var(String),
    /// An expression that is not a value (a function call, a local):
    /// kept as text for a comment.
    Expression(String),
}

/// What a configuration declares besides resources: providers, variables
/// and outputs (a state holds none of them).
#[derive(Clone, Debug, Default)]
pub struct FoundRest {
    /// Name, alias, attributes.
    pub providers: Vec<(String, Option<String>, Attributes)>,
    /// Name, description, sensitive.
    pub variables: Vec<(String, Option<String>, bool)>,
    /// Name, value, description, sensitive.
    pub outputs: Vec<(String, Found, Option<String>, bool)>,
    /// `terraform { backend "TYPE" { … } }`: its type and settings.
    pub backend: Option<(String, Attributes)>,
}

/// Attributes by their Terraform names, in the order found.
pub type Attributes = Vec<(String, Found)>;

/// One resource found.
#[derive(Clone, Debug)]
pub struct FoundResource {
    pub resource_type: String,
    /// The Terraform name (`web` of `digitalocean_droplet.web`), with the
    /// instance key of a `count` or `for_each` member.
    pub name: String,
    pub attributes: Vec<(String, Found)>,
    /// For state: the id Terraform's `import` takes.
    pub import_id: Option<String>,
    /// A data source (`data "TYPE" "NAME"`).
    pub data: bool,
    /// Read from a configuration, as written: an explicit `false` is kept
    /// (in a state it is mostly a default).
    pub written: bool,
    /// The environment whose root declares it; `None` for a project
    /// without environments and for the shared root.
    pub environment: Option<String>,
}

/// What an import made: the KDL, and what it could not carry over.
pub struct Imported {
    pub kdl: String,
    pub warnings: Vec<String>,
    pub resources: usize,
}

/// Where imported sites run: `Some` names the droplet for every web
/// config; `None` takes it from each config's folder.
pub type On<'a> = Option<&'a str>;

/// Whether a file is Terraform state or `terraform show -json` output.
fn is_json(path: &str, text: &str) -> bool {
    path.ends_with(".json")
        || path.ends_with(".tfstate")
        || text.trim_start().starts_with('{')
            && text.trim_start()[1..].trim_start().starts_with('"')
}

/// Reads every file (state JSON, `.tf`, an nginx config or a Caddyfile)
/// and writes one KDL document.
pub fn import(
    files: &[(String, String)],
    registry: &'static Registry,
    on: On,
) -> Result<Imported, String> {
    let mut found: Vec<FoundResource> = Vec::new();
    let mut warnings = Vec::new();
    let mut imports = Vec::new();
    let mut rest = FoundRest::default();
    let mut env_outputs = Vec::new();
    let mut sites = web::WebImport::default();
    // Terraform from several folders: the roots of a project with
    // environments.
    let is_terraform = |path: &str, text: &str| path.ends_with(".tf") || is_json(path, text);
    let environments = environments::environments(
        files
            .iter()
            .filter(|(p, t)| is_terraform(p, t))
            .map(|(p, _)| p.as_str()),
    );
    let mut backend_root: Option<&str> = None;
    for (path, text) in files {
        if !is_terraform(path, text) {
            if let Some(engine) = web::format_of(path, text) {
                web::read(engine, path, text, on, &mut sites)?;
                continue;
            }
        }
        let (resources, adopted, more, notes) = if path.ends_with(".tf") {
            terraform::read(text)
        } else {
            state::read(text).map(|(r, n)| (r, Vec::new(), FoundRest::default(), n))
        }
        .map_err(|e| format!("{path}: {e}"))?;
        let root = environments::root_of(path);
        let environment = environments
            .as_ref()
            .filter(|_| root != crate::roots::SHARED)
            .map(|_| root.to_string());
        imports.extend(
            adopted
                .into_iter()
                .map(|(a, id)| (environment.clone(), a, id)),
        );
        found.extend(resources.into_iter().map(|r| FoundResource {
            environment: environment.clone(),
            ..r
        }));
        if let Some((kind, mut attributes)) = more.backend {
            // The shared root's (or else the first root's) is the project's.
            let first = backend_root.is_none()
                || (root == crate::roots::SHARED && backend_root != Some(root));
            if first {
                if environments.is_some()
                    && !environments::project_backend(&kind, &mut attributes, root)
                {
                    warnings.push(format!("{path}: the backend's state place does not name its root `{root}`: imported as written; say in each `environment` block where its state is"));
                }
                backend_root = Some(root);
                rest.backend = Some((kind, attributes));
            }
        }
        for p in more.providers {
            if !rest
                .providers
                .iter()
                .any(|(n, a, _)| (n, a) == (&p.0, &p.1))
            {
                rest.providers.push(p);
            }
        }
        for v in more.variables {
            if !rest.variables.iter().any(|x| x.0 == v.0) {
                rest.variables.push(v);
            }
        }
        for o in more.outputs {
            match &environment {
                // infrac writes the shared root's outputs for the
                // environments itself (`TYPE__NAME__ATTRIBUTE`).
                None if environments.is_some() && o.0.contains("__") => {}
                Some(env) => env_outputs.push((env.clone(), o)),
                None if !rest.outputs.iter().any(|x| x.0 == o.0) => rest.outputs.push(o),
                None => {}
            }
        }
        warnings.extend(notes.into_iter().map(|n| format!("{path}: {n}")));
    }
    // One root declares a resource once: a second is another file's or
    // state's view of it.
    let mut seen = std::collections::HashSet::new();
    found.retain(|r| {
        let first = seen.insert((
            r.environment.clone(),
            r.data,
            r.resource_type.clone(),
            r.name.clone(),
        ));
        if !first {
            warnings.push(format!(
                "`{}.{}` is declared more than once in one root: imported once",
                r.resource_type, r.name
            ));
        }
        first
    });
    // `import` blocks adopt resources of any file of their root.
    for (root, address, id) in imports {
        match found.iter_mut().find(|r| {
            format!("{}.{}", r.resource_type, r.name) == address
                && r.environment.as_deref().unwrap_or(crate::roots::SHARED)
                    == root.as_deref().unwrap_or(crate::roots::SHARED)
        }) {
            Some(r) => r.import_id = Some(id),
            None => warnings.push(format!(
                "`import` of `{address}`, which no resource block declares"
            )),
        }
    }
    if !sites.is_empty() {
        web_terraform::tie(&mut found, &mut sites, registry, &mut warnings);
    }
    let environments = write::Environments {
        names: environments.unwrap_or_default(),
        outputs: env_outputs,
    };
    let mut imported = write::kdl(&found, &rest, &environments, registry, warnings);
    if !sites.is_empty() {
        if !imported.kdl.is_empty() {
            imported.kdl.push('\n');
        }
        imported.kdl.push_str(&sites.kdl());
        imported.resources += sites.len();
        imported.warnings.extend(sites.warnings);
    }
    Ok(imported)
}
