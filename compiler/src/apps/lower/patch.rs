//! `manifest-patch "NAME" kind="DaemonSet" [namespace="…"] { FIELD … }`:
//! a change to an object infrac writes for a declaration (tolerations on a
//! daemon set, a security context on an app's Deployment), written like a
//! manifest's fields and applied by kustomize as a strategic merge patch.
//! Checked against the kind's schema, nothing required, list items that
//! merge by key naming their key.

use super::*;
use crate::apps::schema::{self, Lookup};
use crate::diag::suggest;

const PROPS: &[&str] = &["kind", "namespace"];

impl Lowerer<'_> {
    pub(super) fn patches(&mut self, instances: &[Instance], env: &mut Environment) {
        let generated = env.generated_objects();
        for inst in instances.iter().filter(|i| i.kind == MANIFEST_PATCH) {
            let Some(patch) = self.patch(inst, &generated, &env.manifests) else {
                continue;
            };
            let same = |o: &RawObject| {
                o.kind == patch.kind && o.name == patch.name && o.namespace == patch.namespace
            };
            if env.patches.iter().any(same) {
                self.duplicate(inst, &format!("patch of {}", patch.kind));
                continue;
            }
            env.patches.push(patch);
        }
    }

    fn patch(
        &mut self,
        inst: &Instance,
        generated: &[(&'static str, String, String, String)],
        manifests: &[RawObject],
    ) -> Option<RawObject> {
        let errors = self.diags.error_count();
        for p in &inst.props {
            if !PROPS.contains(&p.name.as_str()) {
                self.unknown(p.name_span, &p.name, "a manifest patch", PROPS);
            }
        }
        let Some(kind_at) = field(&inst.props, "kind") else {
            self.missing(
                inst.label_span,
                format!("manifest patch `{}` has no `kind`", inst.label),
                "name the kind of the object it changes: `kind=\"Deployment\"`",
            );
            return None;
        };
        let kind = self.text(&kind_at.value, "a kind")?;
        let kinds: Vec<&str> = GENERATED_KINDS.iter().map(|(k, _)| *k).collect();
        let Some((_, api)) = GENERATED_KINDS.iter().find(|(k, _)| *k == kind) else {
            self.diags.push(
                Diagnostic::error(Code::UnknownKind, format!("infrac writes no `{kind}` to patch"))
                    .at(kind_at.value.span, "not a kind infrac writes")
                    .help(suggest(&kind, &kinds, &format!("a patch changes an object infrac writes: {}; an object written as a `manifest` is changed in the manifest itself", kinds.join(", ")))),
            );
            return None;
        };
        let namespace_at = field(&inst.props, "namespace");
        let wanted_ns = match namespace_at {
            Some(f) => Some(self.namespace(&f.value)?),
            None => None,
        };
        let targets: Vec<&(&str, String, String, String)> = generated
            .iter()
            .filter(|(k, ns, name, _)| {
                *k == kind
                    && *name == inst.label.as_str()
                    && wanted_ns.as_ref().is_none_or(|w| w == ns)
            })
            .collect();
        let namespace = match targets.as_slice() {
            [one] => one.1.clone(),
            [] => {
                let names: Vec<&str> = generated
                    .iter()
                    .filter(|(k, ..)| *k == kind)
                    .map(|(_, _, n, _)| n.as_str())
                    .collect();
                let manifest = manifests
                    .iter()
                    .any(|m| m.kind == kind && m.name == inst.label.as_str());
                let otherwise = if manifest {
                    "it is written by a `manifest`: change the manifest itself".to_string()
                } else if names.is_empty() {
                    format!("the environment has no {kind}")
                } else {
                    format!("its {kind}s: {}", names.join(", "))
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!(
                            "environment `{}` has no {kind} `{}` that infrac writes",
                            self.env, inst.label
                        ),
                    )
                    .at(inst.label_span, "nothing to patch")
                    .help(suggest(&inst.label, &names, &otherwise)),
                );
                return None;
            }
            [first, ..] => {
                let namespaces: Vec<&str> = targets.iter().map(|t| t.1.as_str()).collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::ManyForOne,
                        format!(
                            "{kind} `{}` is written in namespaces {}",
                            inst.label,
                            namespaces.join(", ")
                        ),
                    )
                    .at(inst.label_span, "which one?")
                    .help(format!("say which: `namespace=\"{}\"`", first.1)),
                );
                return None;
            }
        };
        let Lookup::Found(found) = schema::lookup(api, &kind) else {
            unreachable!("every kind infrac writes has a schema");
        };
        let mut body = self.object_body(
            inst,
            "patch",
            [(api, kind_at), (&kind, kind_at)],
            Some((&namespace, inst.label_span)),
        );
        schema::check_patch(&mut body, &found, self.diags);
        if self.diags.error_count() > errors {
            return None;
        }
        Some(RawObject {
            kind,
            name: inst.label.to_string(),
            namespace: Some(namespace),
            body,
        })
    }
}
