//! Service accounts, volume claims and how workloads use them
//! (`service-account=`, `volume` children), and a Service's exposure
//! (`service-type=`, `service-annotations`).

use super::*;

impl Lowerer<'_> {
    pub(super) fn service_account(&mut self, inst: &Instance) -> Option<ServiceAccount> {
        self.name_ok(
            inst.label_span,
            &inst.label,
            "service account name",
            is_dns_subdomain(&inst.label),
            "a service account name is lower-case letters, digits, `-` and `.` (a DNS subdomain)",
        );
        let mut namespace = self.default_namespace();
        for p in &inst.props {
            match p.name.as_str() {
                "namespace" => namespace = self.namespace(&p.value),
                other => self.unknown(p.name_span, other, "a service account", &["namespace"]),
            }
        }
        let mut annotations = Vec::new();
        for c in &inst.children {
            match c.name.as_str() {
                "annotations" => self.annotations(c, &mut annotations),
                other => self.unknown(c.name_span, other, "a service account", &["annotations"]),
            }
        }
        // Kept when it has errors too (reported; nothing is written), so
        // that workloads using it report nothing more.
        Some(ServiceAccount {
            name: inst.label.to_string(),
            namespace: namespace.unwrap_or_default(),
            annotations,
        })
    }

    pub(super) fn volume_claim(&mut self, inst: &Instance) -> Option<VolumeClaim> {
        self.name_ok(
            inst.label_span,
            &inst.label,
            "volume claim name",
            is_dns_subdomain(&inst.label),
            "a volume claim name is lower-case letters, digits, `-` and `.` (a DNS subdomain)",
        );
        let mut namespace = self.default_namespace();
        let (mut size, mut storage_class, mut access) = (None, None, "ReadWriteOnce");
        const PROPS: &[&str] = &["namespace", "size", "storage-class", "access"];
        for p in &inst.props {
            let v = &p.value;
            match p.name.as_str() {
                "namespace" => namespace = self.namespace(v),
                "size" => {
                    size = self.text(v, "a size").filter(|s| {
                        let ok = quantity(s).is_some_and(|n| n > 0.0);
                        if !ok {
                            self.bad(
                                v.span,
                                format!("`{s}` is not a storage size"),
                                "not a quantity",
                                "write a quantity such as `10Gi` or `500Mi`",
                            );
                        }
                        ok
                    })
                }
                "storage-class" => {
                    storage_class = self.text(v, "a storage class").filter(|s| {
                        self.name_ok(
                            v.span,
                            s,
                            "storage class",
                            is_dns_subdomain(s),
                            "a storage class name is a DNS subdomain (`do-block-storage`)",
                        )
                    })
                }
                "access" => {
                    access = self
                        .one_of(
                            v,
                            "access mode",
                            &[
                                ("read-write-once", "ReadWriteOnce"),
                                ("read-only-many", "ReadOnlyMany"),
                                ("read-write-many", "ReadWriteMany"),
                                ("read-write-once-pod", "ReadWriteOncePod"),
                            ],
                        )
                        .unwrap_or("ReadWriteOnce")
                }
                other => self.unknown(p.name_span, other, "a volume claim", PROPS),
            }
        }
        for c in &inst.children {
            self.unknown(c.name_span, &c.name, "a volume claim", &[]);
        }
        if size.is_none() && !inst.props.iter().any(|p| p.name == "size") {
            self.missing(
                inst.label_span,
                format!("volume claim `{}` has no size", inst.label),
                "write `size=\"10Gi\"`",
            );
        }
        // Kept when it has errors too (reported; nothing is written), so
        // that workloads mounting it report nothing more.
        Some(VolumeClaim {
            name: inst.label.to_string(),
            namespace: namespace.unwrap_or_default(),
            size: size.unwrap_or_default(),
            storage_class,
            access,
        })
    }

    /// `annotations "example.com/key"="value" …`, or a block of
    /// `"example.com/key" "value"` lines: annotation keys are label keys.
    pub(super) fn annotations(&mut self, c: &IChild, out: &mut Vec<(String, String)>) {
        for a in &c.args {
            self.bad(a.span, "annotations are keys and values".to_string(), "not KEY=\"value\"", "write `annotations \"example.com/key\"=\"value\"`, or a block of `\"example.com/key\" \"value\"` lines");
        }
        let lines = c
            .children
            .iter()
            .filter_map(|line| match line.args.as_slice() {
                [value] if line.props.is_empty() && line.children.is_empty() => {
                    Some((&line.name, line.name_span, value))
                }
                _ => {
                    self.bad(
                        line.span,
                        format!("`{}` takes one value", line.name),
                        "not KEY \"value\"",
                        "write `\"example.com/key\" \"value\"`",
                    );
                    None
                }
            })
            .collect::<Vec<_>>();
        let props = c.props.iter().map(|p| (&p.name, p.name_span, &p.value));
        for (key, key_span, value) in props.chain(lines) {
            if !is_label_key(key) {
                self.name_ok(key_span, key, "annotation key", false, "an annotation key is an optional DNS prefix and `/`, then letters, digits, `-`, `_` and `.`");
                continue;
            }
            if out.iter().any(|(k, _)| k == key.as_str()) {
                self.bad(
                    key_span,
                    format!("annotation `{key}` is set twice"),
                    "set again",
                    "each annotation holds one value",
                );
                continue;
            }
            if let Some(v) = self.text(value, &format!("the annotation `{key}`")) {
                out.push((key.to_string(), v));
            }
        }
    }

    /// `volume "CLAIM" path="/data" [read-only=#true]`: a claim of the
    /// workload's namespace, mounted at an absolute path.
    pub(super) fn volume(
        &mut self,
        c: &IChild,
        claims: &[VolumeClaim],
        namespace: Option<&str>,
        mounted: &[Volume],
    ) -> Option<Volume> {
        self.only(c, "`volume`", &["path", "read-only"]);
        let args = self.args(c);
        let [claim] = args.as_slice() else {
            self.bad(
                c.span,
                "`volume` names one claim".to_string(),
                "one name expected",
                "write `volume \"CLAIM\" path=\"/data\"`",
            );
            return None;
        };
        let claim_span = claim.span;
        let claim = self.text(claim, "a volume claim")?;
        if let Some(ns) = namespace {
            if !claims.iter().any(|v| v.name == claim && v.namespace == ns) {
                let names: Vec<&str> = claims
                    .iter()
                    .filter(|v| v.namespace == ns)
                    .map(|v| v.name.as_str())
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!("no volume claim `{claim}` in namespace `{ns}`"),
                    )
                    .at(claim_span, "not declared")
                    .help(crate::diag::suggest(
                        &claim,
                        &names,
                        "declare it: `volume-claim \"NAME\" size=\"10Gi\"`",
                    )),
                );
                return None;
            }
        }
        if mounted.iter().any(|m| m.claim == claim) {
            self.bad(
                claim_span,
                format!("`{claim}` is mounted twice"),
                "mounted again",
                "mount each claim once",
            );
            return None;
        }
        let path = match field_of(c, "path") {
            Some(p) => self.text(&p.value, "a mount path").filter(|s| {
                let ok = s.starts_with('/')
                    && !s.contains(':')
                    && !s.split('/').any(|part| part == "..");
                if !ok {
                    self.bad(
                        p.value.span,
                        format!("`{s}` is not a mount path"),
                        "not an absolute path",
                        "write an absolute path without `..` or `:`, e.g. `/var/lib/data`",
                    );
                }
                ok
            })?,
            None => {
                self.missing(
                    c.span,
                    format!("volume `{claim}` has no path"),
                    "write `path=\"/data\"`",
                );
                return None;
            }
        };
        if mounted.iter().any(|m| m.path == path) {
            self.bad(
                c.span,
                format!("two volumes are mounted at `{path}`"),
                "the same path",
                "mount each volume at its own path",
            );
            return None;
        }
        let read_only = field_of(c, "read-only")
            .and_then(|p| self.boolean(&p.value, "read-only"))
            .unwrap_or(false);
        Some(Volume {
            claim,
            path,
            read_only,
        })
    }

    /// `service-account="NAME"`: a service account of the namespace, or
    /// the one every namespace has.
    pub(super) fn service_account_ref(
        &mut self,
        v: &SValue,
        accounts: &[ServiceAccount],
        namespace: Option<&str>,
    ) -> Option<String> {
        let name = self.text(v, "a service account")?;
        let ns = namespace?;
        if name == "default" || accounts.iter().any(|a| a.name == name && a.namespace == ns) {
            return Some(name);
        }
        let names: Vec<&str> = accounts
            .iter()
            .filter(|a| a.namespace == ns)
            .map(|a| a.name.as_str())
            .collect();
        self.diags.push(
            Diagnostic::error(
                Code::UnresolvedReference,
                format!("no service account `{name}` in namespace `{ns}`"),
            )
            .at(v.span, "not declared")
            .help(crate::diag::suggest(
                &name,
                &names,
                "declare it: `service-account \"NAME\"`",
            )),
        );
        None
    }

    /// `service-type="load-balancer"`.
    pub(super) fn service_type(&mut self, v: &SValue) -> Option<&'static str> {
        self.one_of(
            v,
            "service type",
            &[
                ("cluster-ip", "ClusterIP"),
                ("node-port", "NodePort"),
                ("load-balancer", "LoadBalancer"),
            ],
        )
        .filter(|t| *t != "ClusterIP")
    }
}

fn field_of<'c>(c: &'c IChild, name: &str) -> Option<&'c IField> {
    c.props.iter().find(|p| p.name == name)
}
