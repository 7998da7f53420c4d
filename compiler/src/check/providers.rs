//! Provider configurations: the declared ones checked, and a default one
//! for every provider the resources use.

use super::*;

impl Checker<'_> {
    pub(super) fn providers(&mut self, exp: &Expanded, plan: &Plan) -> Vec<ProviderConfig> {
        let mut used: Vec<(&str, Option<&str>)> = plan
            .resources
            .iter()
            .map(|r| (r.kind.provider.as_str(), r.provider_alias()))
            .collect();
        used.sort();
        used.dedup();
        let mut out: Vec<ProviderConfig> = Vec::new();
        for (decl, props, children) in &exp.providers {
            let brought = props.iter().any(|p| p.name == "schema");
            let Some(info) = self.kinds.provider_info(&decl.name) else {
                if brought {
                    continue; // the schema could not be used (E028)
                }
                let names = self.kinds.provider_names();
                self.err(
                    Diagnostic::error(
                        Code::UnknownKind,
                        format!("unknown provider `{}`", decl.name),
                    )
                    .at(decl.name_span, "not a provider")
                    .help(suggest(
                        &decl.name,
                        &names,
                        &format!("providers: {}; any other with its schema: `provider \"NAME\" source=\"…\" version=\"…\" schema=\"schemas/NAME.json\"`", names.join(", ")),
                    )),
                );
                continue;
            };
            // `as="wasabi"` names a second configuration of the provider.
            let alias_field = props.iter().find(|p| p.name == "as");
            let alias = alias_field.and_then(|p| p.value.value.as_text());
            if let Some(f) = alias_field {
                let identifier = |a: &str| {
                    a.starts_with(|c: char| c.is_ascii_alphabetic())
                        && a.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                };
                if !alias.as_deref().is_some_and(identifier) {
                    self.err(
                        Diagnostic::error(Code::InvalidName, "`as` must be a name")
                            .at(f.value.span, "not a name")
                            .help("write `as=\"wasabi\"`: a letter, then letters, digits, `-` and `_`"),
                    );
                    continue;
                }
            }
            if out.iter().any(|p| p.name == decl.name && p.alias == alias) {
                self.err(
                    Diagnostic::error(
                        Code::DuplicateName,
                        match &alias {
                            Some(a) => {
                                format!("provider `{}` as `{a}` is configured twice", decl.name)
                            }
                            None => format!("provider `{}` is configured twice", decl.name),
                        },
                    )
                    .at(decl.name_span, "configured again")
                    .help("merge the two blocks, or name one of them with `as=\"NAME\"`"),
                );
                continue;
            }
            let block = self
                .kinds
                .provider_schema(info.name)
                .expect("a provider with a schema")
                .provider_block();
            // Where a brought provider comes from is not its configuration.
            let fields: Vec<&IField> = props
                .iter()
                .filter(|p| p.name != "as")
                .filter(|p| {
                    !(brought && crate::kinds::own::ORIGIN_PROPS.contains(&p.name.as_str()))
                })
                .collect();
            let body = self.body(None, block, "", &fields, children, decl.name_span, &[]);
            self.literal_credentials(info, &body);
            out.push(ProviderConfig {
                name: info.name.to_string(),
                alias,
                source: info.source,
                version: info.version,
                body,
            });
        }
        for (name, alias) in used {
            if alias.is_none() && !out.iter().any(|p| p.name == name && p.alias.is_none()) {
                let info = self
                    .kinds
                    .provider_info(name)
                    .expect("kinds name providers with schemas");
                out.push(ProviderConfig {
                    name: info.name.to_string(),
                    alias: None,
                    source: info.source,
                    version: info.version,
                    body: Body::default(),
                });
            }
        }
        out.sort_by(|a, b| (&a.name, &a.alias).cmp(&(&b.name, &b.alias)));
        out
    }

    /// A credential written in the project would be committed with it and
    /// written into `providers.tf`: it must be a secret (E016).
    fn literal_credentials(&mut self, info: &schema::ProviderInfo, body: &Body) {
        for attr in &body.attrs {
            if !info.credentials.contains(&attr.name) {
                continue;
            }
            let literal = match &attr.value {
                PValue::Str(_) | PValue::Int(_) => true,
                PValue::Template(parts) => !parts.iter().any(|p| matches!(p, PPart::Secret(_))),
                _ => false,
            };
            if literal {
                let shown = attr.name.replace('_', "-");
                self.err(
                    Diagnostic::error(
                        Code::SecretMisuse,
                        format!("`{shown}` of the {} provider is a credential and must not be written in plain text", info.name),
                    )
                    .at(attr.span, "a literal credential")
                    .help(format!("declare `secret \"NAME\"` and write `{shown}=(secret)\"NAME\"`; its value is given to Terraform at plan time (TF_VAR_NAME)")),
                );
            }
        }
    }
}
