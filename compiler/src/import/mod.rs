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

mod state;
mod terraform;
pub mod web;
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
    let mut sites = web::WebImport::default();
    for (path, text) in files {
        let json = path.ends_with(".json")
            || path.ends_with(".tfstate")
            || text.trim_start().starts_with('{')
                && text.trim_start()[1..].trim_start().starts_with('"');
        if !path.ends_with(".tf") && !json {
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
        found.extend(resources);
        imports.extend(adopted);
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
            if !rest.outputs.iter().any(|x| x.0 == o.0) {
                rest.outputs.push(o);
            }
        }
        warnings.extend(notes.into_iter().map(|n| format!("{path}: {n}")));
    }
    // The roots of a project with environments declare a resource of an
    // environment in each: it is imported once.
    let mut seen = std::collections::HashSet::new();
    found.retain(|r| {
        let first = seen.insert((r.data, r.resource_type.clone(), r.name.clone()));
        if !first {
            warnings.push(format!(
                "`{}.{}` is declared more than once (in several roots): imported once; write what differs in `environment` blocks",
                r.resource_type, r.name
            ));
        }
        first
    });
    // `import` blocks adopt resources of any file.
    for (address, id) in imports {
        match found
            .iter_mut()
            .find(|r| format!("{}.{}", r.resource_type, r.name) == address)
        {
            Some(r) => r.import_id = Some(id),
            None => warnings.push(format!(
                "`import` of `{address}`, which no resource block declares"
            )),
        }
    }
    let mut imported = write::kdl(&found, &rest, registry, warnings);
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
