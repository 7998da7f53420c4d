//! The backend: its settings checked against the backend's own schema
//! (from Terraform's source), nothing Terraform cannot read there (no
//! variable, secret or resource: Terraform reads the backend before
//! anything else), no credential in plain text, and each environment's
//! state kept apart under its name.

use super::*;
use crate::expand::ExpandedBackend;

/// Settings that hold credentials: they belong in the environment of
/// `terraform init` (AWS_SECRET_ACCESS_KEY, …) or a `-backend-config`
/// file kept out of the repository, never in the project.
const CREDENTIALS: &[&str] = &[
    "access_key",
    "secret_key",
    "token",
    "sse_customer_key",
    "password",
    "conn_str",
    "client_secret",
    "client_certificate_password",
    "sas_token",
    "access_token",
    "credentials",
    "encryption_key",
    "client_key",
    "client_private_key_pem",
];

impl Checker<'_> {
    pub(super) fn backend(&mut self, b: Option<&ExpandedBackend>) -> Option<BackendConfig> {
        let b = b?;
        // Without a type, there was no backend to change (reported when
        // the project was lowered).
        let (kind, kind_span) = b.kind.as_ref()?;
        let schemas = schema::backend_schemas();
        let Some((kind, block)) = schemas.get_key_value(kind.as_str()) else {
            let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
            self.err(
                Diagnostic::error(Code::UnknownKind, format!("unknown backend `{kind}`"))
                    .at(*kind_span, "not a Terraform backend")
                    .help(suggest(
                        kind,
                        &names,
                        &format!("backends: {}", names.join(", ")),
                    )),
            );
            return None;
        };
        self.configuring = Some(format!("the {kind} backend"));
        let mut body = self.body(None, block, "", &b.props, &b.children, *kind_span, &[]);
        self.configuring = None;
        self.only_literals(&body);
        self.no_credentials(kind, &body);
        if let Some(env) = &b.environment {
            self.keep_apart(kind, block, &mut body, env, b);
        }
        Some(BackendConfig {
            kind: kind.clone(),
            body,
        })
    }

    /// Terraform reads the backend before variables and resources exist.
    fn only_literals(&mut self, body: &Body) {
        for attr in &body.attrs {
            let (what, help) = match &attr.value {
                PValue::Secret(_) => ("a secret", "a backend cannot read secrets: give the credential to `terraform init` in its environment variable (AWS_SECRET_ACCESS_KEY, GOOGLE_CREDENTIALS, …) or with `-backend-config=FILE`, a file kept out of the repository"),
                PValue::Template(parts) if parts.iter().any(|p| matches!(p, PPart::Secret(_))) => ("a secret", "a backend cannot read secrets: give the credential to `terraform init` in its environment variable or with `-backend-config=FILE`"),
                v if has_ref(v) => ("a resource's attribute", "Terraform reads the backend before any resource exists: write the value itself"),
                _ => continue,
            };
            self.err(
                Diagnostic::error(
                    Code::SecretMisuse,
                    format!(
                        "a backend's `{}` cannot be {what}",
                        attr.name.replace('_', "-")
                    ),
                )
                .at(attr.span, what.to_string())
                .help(help),
            );
        }
        for b in &body.blocks {
            self.only_literals(&b.body);
        }
    }

    fn no_credentials(&mut self, kind: &str, body: &Body) {
        for attr in &body.attrs {
            if CREDENTIALS.contains(&attr.name)
                && matches!(attr.value, PValue::Str(_) | PValue::Template(_))
            {
                let shown = attr.name.replace('_', "-");
                self.err(
                    Diagnostic::error(
                        Code::SecretMisuse,
                        format!("`{shown}` of the {kind} backend is a credential and must not be written in the project"),
                    )
                    .at(attr.span, "a literal credential")
                    .help("leave it out: `terraform init` reads it from its environment variable (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for s3, including Spaces, Wasabi and R2) or from `-backend-config=FILE`, a file kept out of the repository"),
                );
            }
        }
    }

    /// The state of an environment is kept under its name: `key`
    /// "infra/terraform.tfstate" is "infra/prod/terraform.tfstate" for
    /// `--env prod`, unless the environment sets the place itself.
    fn keep_apart(
        &mut self,
        kind: &str,
        block: &'static Block,
        body: &mut Body,
        env: &str,
        b: &ExpandedBackend,
    ) {
        let set = |name: &str| {
            b.set_by_environment
                .iter()
                .any(|s| s.replace('-', "_") == name)
        };
        let attr = match kind {
            "s3" | "azurerm" => "key",
            "local" | "consul" => "path",
            "gcs" => "prefix",
            "pg" => "schema_name",
            "kubernetes" => "secret_suffix",
            "remote" | "cloud" => {
                // A workspace by name gets the environment's name; one
                // chosen by prefix or tags is chosen at `terraform init`.
                if set("workspaces") {
                    return;
                }
                if let Some(ws) = body.blocks.iter_mut().find(|x| x.name == "workspaces") {
                    if let Some(a) = ws.body.attrs.iter_mut().find(|a| a.name == "name") {
                        if let PValue::Str(name) = &a.value {
                            a.value = PValue::Str(format!("{name}-{env}").into());
                        }
                    }
                }
                return;
            }
            _ => {
                // The shared root keeps the address as written.
                if !set("address") && env != crate::roots::SHARED {
                    self.err(
                        Diagnostic::error(
                            Code::MissingRequired,
                            format!("environment `{env}` must say where its state is: an {kind} backend cannot keep environments apart by name"),
                        )
                        .at(b.span, "the project's backend")
                        .help(format!("add `backend address=\"…/{env}\"` (and the lock addresses) to `environment \"{env}\"`")),
                    );
                }
                return;
            }
        };
        if set(attr) {
            return;
        }
        let Some((name, _)) = block.attributes.get_key_value(attr) else {
            return;
        };
        match body.attrs.iter_mut().find(|a| a.name == name.as_str()) {
            Some(a) => {
                if let PValue::Str(v) = &a.value {
                    a.value = PValue::Str(state_place(kind, env, Some(v)).into());
                }
            }
            None => body.attrs.push(Attr {
                name: name.as_str(),
                value: PValue::Str(state_place(kind, env, None).into()),
                span: b.span,
            }),
        }
    }
}

/// The setting that places the state, with the environment's name added
/// (`value` as written, or none for the backend's default).
fn state_place(kind: &str, env: &str, value: Option<&str>) -> String {
    let in_folder = |path: &str| match path.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/{env}/{file}"),
        None => format!("{env}/{path}"),
    };
    match kind {
        "s3" | "azurerm" | "local" => in_folder(value.unwrap_or("terraform.tfstate")),
        "gcs" => match value {
            Some(p) if !p.is_empty() => format!("{}/{env}", p.trim_end_matches('/')),
            _ => env.to_string(),
        },
        "consul" => format!(
            "{}/{env}",
            value.unwrap_or("terraform").trim_end_matches('/')
        ),
        "pg" => format!(
            "{}_{}",
            value.unwrap_or("terraform_remote_state"),
            env.replace('-', "_")
        ),
        _ => format!("{}-{env}", value.unwrap_or("state")),
    }
}

fn has_ref(v: &PValue) -> bool {
    let mut refs = Vec::new();
    v.refs(&mut refs);
    !refs.is_empty()
}
