//! DNS names: `fqdn="api.example.com"` becomes the zone it lies in and the
//! record name within it.

use super::*;
use crate::kinds::Apex;

impl Checker<'_> {
    /// `fqdn="api.example.com"` → `domain` (a reference to the declared
    /// domain with the longest matching suffix) and `name`.
    pub(super) fn fqdn(
        &mut self,
        kind: &Kind,
        spec: &'static crate::kinds::FqdnSpec,
        props: &mut Vec<Cow<IField>>,
        all: &[Instance],
        inst: &Instance,
    ) {
        let Some(pos) = props.iter().position(|p| p.name == "fqdn") else {
            return;
        };
        let field = props.remove(pos);
        let Value::Str(fqdn) = &field.value.value else {
            self.err(
                Diagnostic::error(Code::WrongType, "`fqdn` must be a plain string")
                    .at(field.value.span, "not a string")
                    .help("write `fqdn=\"api.example.com\"`"),
            );
            return;
        };
        if props
            .iter()
            .any(|p| kind.is_tf_name(&p.name, &spec.domain) || kind.is_tf_name(&p.name, &spec.name))
        {
            self.err(
                Diagnostic::error(
                    Code::WrongType,
                    "`fqdn` replaces `domain` and `name`; give one or the other",
                )
                .at(field.name_span, "fqdn given with domain or name")
                .help("remove `domain` and `name`, or remove `fqdn`"),
            );
            return;
        }
        let domains = self
            .domains
            .entry(spec.domain_kind.as_str())
            .or_insert_with(|| {
                all.iter()
                    .enumerate()
                    .filter(|(_, i)| i.kind == spec.domain_kind)
                    .map(|(n, i)| {
                        let name = i
                            .props
                            .iter()
                            .find(|p| p.name == "name")
                            .and_then(|p| {
                                if let Value::Str(s) = &p.value.value {
                                    Some(s.to_string())
                                } else {
                                    None
                                }
                            })
                            .unwrap_or_else(|| i.label.to_string());
                        (name, n)
                    })
                    .collect()
            });
        let fq = fqdn.trim_end_matches('.');
        let best = domains
            .iter()
            .filter(|(d, _)| {
                fq == d
                    || fq
                        .strip_suffix(d.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            })
            .max_by_key(|(d, _)| d.len())
            .map(|(d, index)| (d.len(), *index));
        let Some((domain_len, index)) = best else {
            let d = self.with_origin(
                Diagnostic::error(Code::UnresolvedReference, format!("no declared domain contains `{fq}`"))
                    .at(field.value.span, "no matching domain")
                    .help(format!("declare the zone with `domain \"{}\"`, or give `domain` and `name` for a zone managed elsewhere", fq.split_once('.').map_or(fq, |(_, d)| d))), inst.used_at());
            self.err(d);
            return;
        };
        let name = if fq.len() == domain_len {
            match spec.apex {
                Apex::At => "@".to_string(),
                Apex::ZoneName => fq.to_string(),
            }
        } else {
            fq[..fq.len() - domain_len - 1].to_string()
        };
        let span = field.value.span;
        props.push(Cow::Owned(IField {
            name: SmolStr::new(&spec.name),
            name_span: field.name_span,
            value: SValue {
                value: Value::Str(name.into()),
                span,
            },
        }));
        props.push(Cow::Owned(IField {
            name: SmolStr::new(&spec.domain),
            name_span: field.name_span,
            value: SValue {
                value: Value::Ref(
                    [spec.domain_kind.as_str(), ".", &all[index].label]
                        .into_iter()
                        .collect(),
                ),
                span,
            },
        }));
    }
}
