//! Workload instances of each environment → [`Environment`]s, and the DNS
//! records of their ingress hosts. Problems are found per environment and
//! reported once: a problem every environment has is reported as is, one
//! that only some have says which.

use super::names::*;
use super::*;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::dns::{prop, record, slug, Zones};
use crate::expand::{EnvInstances, Expanded, IChild, IField, Instance, SValue, Value};
use crate::read::ReadValues;
use crate::source::Span;
use std::collections::{BTreeMap, HashMap};

mod manifest;
mod objects;
mod patch;

const COMMON_PROPS: &[&str] = &[
    "cluster",
    "service-account",
    "image",
    "namespace",
    "part-of",
    "component",
    "pull",
];
const APP_PROPS: &[&str] = &[
    "replicas",
    "service-type",
    "ingress",
    "ingress-class",
    "tls",
    "issuer",
    "dns",
];
const JOB_PROPS: &[&str] = &["backoff-limit", "ttl", "deadline", "restart"];
const CRON_PROPS: &[&str] = &["schedule", "time-zone", "concurrency", "suspend"];
const CONTAINER_CHILDREN: &[&str] = &[
    "node-selector",
    "command",
    "args",
    "env",
    "env-from",
    "requests",
    "limits",
    "liveness",
    "readiness",
    "startup",
    "volume",
];
const APP_CHILDREN: &[&str] = &["port", "host", "service-annotations"];
const DAEMON_SET_CHILDREN: &[&str] = &["port"];

/// The workload kinds for `infrac kinds`.
pub fn info() -> Vec<crate::model::StageKindInfo> {
    let with = |own: &[&'static str]| -> Vec<&'static str> {
        let mut props = COMMON_PROPS.to_vec();
        props.extend(own);
        props
    };
    vec![
        crate::model::StageKindInfo {
            name: APP,
            doc: "A Kubernetes Deployment with its Service, and an Ingress when it has hosts.",
            props: with(APP_PROPS),
            children: [CONTAINER_CHILDREN, APP_CHILDREN].concat(),
        },
        crate::model::StageKindInfo {
            name: DAEMON_SET,
            doc: "A Kubernetes DaemonSet: one pod on every node (or every node its `node-selector` picks).",
            props: with(&[]),
            children: [CONTAINER_CHILDREN, DAEMON_SET_CHILDREN].concat(),
        },
        crate::model::StageKindInfo {
            name: MANIFEST,
            doc: "Any object of the Kubernetes API or of a CRD infrac ships (cert-manager), written in KDL and checked against its schema: `manifest \"NAME\" api-version=\"…\" kind=\"…\" { FIELD … }`.",
            props: vec!["api-version", "kind", "namespace"],
            children: vec!["metadata", "(the object's own fields)"],
        },
        crate::model::StageKindInfo {
            name: MANIFEST_PATCH,
            doc: "A change to an object infrac writes (the Deployment of an app, a daemon set), applied by kustomize as a strategic merge patch and checked against the kind's schema: `manifest-patch \"NAME\" kind=\"Deployment\" { FIELD … }`.",
            props: vec!["kind", "namespace"],
            children: vec!["metadata", "(the fields it changes)"],
        },
        crate::model::StageKindInfo {
            name: JOB,
            doc: "A Kubernetes Job: a workload that runs to completion.",
            props: with(JOB_PROPS),
            children: CONTAINER_CHILDREN.to_vec(),
        },
        crate::model::StageKindInfo {
            name: CRON_JOB,
            doc: "A Kubernetes CronJob: a Job on a schedule.",
            props: with(CRON_PROPS),
            children: CONTAINER_CHILDREN.to_vec(),
        },
        crate::model::StageKindInfo {
            name: SERVICE_ACCOUNT,
            doc: "A Kubernetes ServiceAccount that workloads run as (`service-account=\"NAME\"`).",
            props: vec!["namespace"],
            children: vec!["annotations"],
        },
        crate::model::StageKindInfo {
            name: VOLUME_CLAIM,
            doc: "A Kubernetes PersistentVolumeClaim that workloads mount (`volume \"NAME\" path=…`).",
            props: vec!["namespace", "size", "storage-class", "access"],
            children: Vec::new(),
        },
        crate::model::StageKindInfo {
            name: CONFIG_MAP,
            doc: "A Kubernetes ConfigMap: its children are KEY \"value\" lines.",
            props: vec!["namespace"],
            children: Vec::new(),
        },
    ]
}

/// Kubernetes Secrets, not infrac secrets, hold what workloads need.
const SECRET_HELP: &str = "manifests never hold secrets: keep the value in a Kubernetes Secret and reference it, `env \"NAME\" secret=\"SECRET\" key=\"KEY\"`";

pub fn lower(exp: &mut Expanded, diags: &mut Diagnostics) -> Workloads {
    if exp.environments.is_empty() {
        return Workloads::default();
    }
    let mut dns = Zones::of(&exp.instances);
    let clusters: HashMap<String, Cluster> = exp
        .instances
        .iter()
        .filter(|i| i.kind == "kubernetes-cluster")
        .map(|i| {
            let text = |name: &str| {
                i.props
                    .iter()
                    .find(|f| f.name == name)
                    .and_then(|f| f.value.value.as_text())
            };
            let name = text("name").unwrap_or_else(|| i.label.to_string());
            let context = text("region").map(|r| format!("do-{r}-{name}"));
            (i.label.to_string(), Cluster { name, context })
        })
        .collect();
    let environments = std::mem::take(&mut exp.environments);
    let total = environments.len();
    let mut found = Vec::new();
    let mut out = Workloads::default();
    let mut records = Vec::new();
    for env in environments {
        let EnvInstances {
            name,
            span,
            instances,
            diags: mut env_diags,
            var_origins,
        } = env;
        let mut l = Lowerer {
            diags: &mut env_diags,
            env: &name,
            env_span: span,
        };
        let environment = l.environment(&instances, &clusters);
        for w in environment.1.iter().flatten() {
            l.host_records(w, &mut dns, &mut records);
        }
        let mut environment = environment.0;
        environment.name = name.clone();
        out.environments.push(environment);
        env_diags.from_var_values(&var_origins);
        found.push((name, env_diags));
    }
    merge(found, total, diags);
    exp.instances.extend(records);
    out
}

/// Adds each environment's problems once, naming the environments that
/// have it unless all do.
fn merge(found: Vec<(String, Diagnostics)>, total: usize, diags: &mut Diagnostics) {
    let mut merged: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for (env, d) in found {
        for item in d.items {
            match merged.iter_mut().find(|(m, _)| *m == item) {
                Some((_, envs)) => envs.push(env.clone()),
                None => merged.push((item, vec![env.clone()])),
            }
        }
    }
    for (mut d, envs) in merged {
        if envs.len() < total {
            let names: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
            let plural = if names.len() == 1 { "" } else { "s" };
            d.message = format!(
                "{} (in environment{plural} {})",
                d.message,
                names.join(", ")
            );
        }
        diags.push(d);
    }
}

fn field<'f>(fields: &'f [IField], name: &str) -> Option<&'f IField> {
    fields.iter().find(|f| f.name == name)
}

struct Lowerer<'d> {
    diags: &'d mut Diagnostics,
    env: &'d str,
    env_span: Option<Span>,
}

impl ReadValues for Lowerer<'_> {
    fn diags(&mut self) -> &mut Diagnostics {
        self.diags
    }
    const INVALID: Code = Code::InvalidWorkloadValue;
    const SECRET_HELP: &'static str = SECRET_HELP;
    const REF_HELP: &'static str =
        "manifests are written before `terraform apply`: give a literal value";
    fn multi_line(what: &str) -> bool {
        what.starts_with("the value of")
    }
}

/// What the declaration of a workload says beyond its container.
struct Declared<'i> {
    inst: &'i Instance,
    ingress: Option<&'i SValue>,
    dns_external: bool,
    /// (host, span, proxied)
    hosts: Vec<(String, Span, bool)>,
}

impl Lowerer<'_> {
    fn missing(&mut self, span: Span, message: String, help: &str) {
        self.diags.push(
            Diagnostic::error(Code::MissingRequired, message)
                .at(span, "missing here")
                .help(help),
        );
    }

    fn name_ok(&mut self, span: Span, name: &str, what: &str, ok: bool, rule: &str) -> bool {
        if !ok {
            self.diags.push(
                Diagnostic::error(Code::InvalidName, format!("`{name}` is not a valid {what}"))
                    .at(span, "not a valid name")
                    .help(rule.to_string()),
            );
        }
        ok
    }

    /// The environment's workloads and config maps; for each instance, the
    /// workload made of it (for its DNS records).
    #[allow(clippy::type_complexity)]
    fn environment<'i>(
        &mut self,
        instances: &'i [Instance],
        clusters: &HashMap<String, Cluster>,
    ) -> (Environment, Vec<Option<Declared<'i>>>) {
        let mut env = Environment {
            name: String::new(),
            cluster: None,
            workloads: Vec::new(),
            config_maps: Vec::new(),
            service_accounts: Vec::new(),
            volume_claims: Vec::new(),
            manifests: Vec::new(),
            patches: Vec::new(),
        };
        // Config maps, service accounts and volume claims first:
        // workloads refer to them.
        env.config_maps =
            self.objects(instances, CONFIG_MAP, "config map", Self::config_map, |c| {
                (&c.name, &c.namespace)
            });
        env.service_accounts = self.objects(
            instances,
            SERVICE_ACCOUNT,
            "service account",
            Self::service_account,
            |a| (&a.name, &a.namespace),
        );
        env.volume_claims = self.objects(
            instances,
            VOLUME_CLAIM,
            "volume claim",
            Self::volume_claim,
            |v| (&v.name, &v.namespace),
        );
        let mut cluster_at: Option<(Cluster, Span)> = None;
        let mut seen: BTreeMap<(&'static str, String, String), Span> = BTreeMap::new();
        let mut declared = Vec::new();
        for inst in instances {
            if matches!(
                inst.kind,
                CONFIG_MAP | SERVICE_ACCOUNT | VOLUME_CLAIM | MANIFEST | MANIFEST_PATCH
            ) {
                declared.push(None);
                continue;
            }
            if let Some(c) = field(&inst.props, "cluster") {
                if let Some(cluster) = self.cluster(&c.value, clusters) {
                    match &cluster_at {
                        Some((first, first_span)) if *first != cluster => {
                            let first_span = *first_span;
                            self.diags.push(
                                Diagnostic::error(Code::InvalidWorkloadValue, format!("environment `{}` would span clusters `{}` and `{}`", self.env, first.name, cluster.name))
                                    .at(c.value.span, "another cluster")
                                    .also(first_span, "the first cluster named")
                                    .help("an environment's manifests are applied to one cluster: run these workloads in an environment of their own"),
                            );
                        }
                        Some(_) => {}
                        None => cluster_at = Some((cluster, c.value.span)),
                    }
                }
            }
            let Some((w, d)) = self.workload(inst, &env) else {
                declared.push(None);
                continue;
            };
            // Deployments and daemon sets select pods by name: one name
            // for both.
            let class = if matches!(inst.kind, APP | DAEMON_SET) {
                APP
            } else {
                "job"
            };
            let key = (class, w.namespace.clone(), w.name.clone());
            if seen.insert(key, inst.label_span).is_some() {
                self.duplicate(inst, inst.kind);
                declared.push(None);
                continue;
            }
            env.workloads.push(w);
            declared.push(Some(d));
        }
        env.cluster = cluster_at.map(|(c, _)| c);
        self.manifests(instances, &mut env);
        self.patches(instances, &mut env);
        (env, declared)
    }

    /// The objects of one kind, each once per (name, namespace).
    fn objects<T>(
        &mut self,
        instances: &[Instance],
        kind: &str,
        what: &str,
        make: fn(&mut Self, &Instance) -> Option<T>,
        key: fn(&T) -> (&String, &String),
    ) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        for inst in instances.iter().filter(|i| i.kind == kind) {
            if let Some(o) = make(self, inst) {
                if out.iter().any(|other| key(other) == key(&o)) {
                    self.duplicate(inst, what);
                    continue;
                }
                out.push(o);
            }
        }
        out
    }

    fn duplicate(&mut self, inst: &Instance, what: &str) {
        self.diags.push(
            Diagnostic::error(
                Code::DuplicateName,
                format!("{what} `{}` is declared twice", inst.label),
            )
            .at(inst.label_span, "declared again here")
            .help("names of one kind are unique in a namespace; rename one of them"),
        );
    }

    fn cluster(&mut self, v: &SValue, clusters: &HashMap<String, Cluster>) -> Option<Cluster> {
        match &v.value {
            Value::Ref(path) => {
                let label = path.strip_prefix("kubernetes-cluster.");
                match label.and_then(|l| clusters.get(l)) {
                    Some(c) => Some(c.clone()),
                    None => {
                        let names: Vec<String> = clusters
                            .keys()
                            .map(|k| format!("kubernetes-cluster.{k}"))
                            .collect();
                        let names: Vec<&str> = names.iter().map(String::as_str).collect();
                        self.diags.push(
                            Diagnostic::error(Code::UnresolvedReference, format!("`{path}` is not a Kubernetes cluster of the project"))
                                .at(v.span, "no such cluster")
                                .help(crate::diag::suggest(path, &names, "name a declared `kubernetes-cluster`, or an existing cluster by its name: `cluster=\"NAME\"`")),
                        );
                        None
                    }
                }
            }
            _ => self.text(v, "a cluster name").map(|name| Cluster {
                name,
                context: None,
            }),
        }
    }

    fn config_map(&mut self, inst: &Instance) -> Option<ConfigMap> {
        let mut ok = self.name_ok(
            inst.label_span,
            &inst.label,
            "config map name",
            is_dns_subdomain(&inst.label),
            "a config map name is lower-case letters, digits, `-` and `.` (a DNS subdomain)",
        );
        let mut namespace = self.default_namespace();
        for p in &inst.props {
            match p.name.as_str() {
                "namespace" => namespace = self.namespace(&p.value),
                other => self.unknown(p.name_span, other, "a config map", &["namespace"]),
            }
        }
        let mut data: Vec<(String, String)> = Vec::new();
        let mut size = 0;
        for c in &inst.children {
            let key = c.name.clone();
            if !is_config_key(&key) {
                ok = self.name_ok(
                    c.name_span,
                    &key,
                    "config map key",
                    false,
                    "a key is letters, digits, `-`, `_` and `.`",
                );
                continue;
            }
            if data.iter().any(|(k, _)| *k == key) {
                self.diags.push(
                    Diagnostic::error(Code::DuplicateName, format!("key `{key}` is set twice"))
                        .at(c.name_span, "set again here")
                        .help("each key of a config map holds one value"),
                );
                ok = false;
                continue;
            }
            let args = self.args(c);
            let [value] = args.as_slice() else {
                self.bad(
                    c.span,
                    format!("`{key}` needs one value"),
                    "one value expected",
                    "write `KEY \"value\"`",
                );
                ok = false;
                continue;
            };
            let value_span = value.span;
            let Some(value) = self.text(value, &format!("the value of `{key}`")) else {
                ok = false;
                continue;
            };
            let plain = c.props.iter().any(|p| p.name == "plain")
                && c.props
                    .iter()
                    .filter(|p| p.name == "plain")
                    .all(|p| self.boolean(&p.value, "plain") == Some(true));
            if c.props.iter().any(|p| p.name != "plain") || !c.children.is_empty() {
                self.bad(
                    c.span,
                    format!("`{key}` takes one value"),
                    "unexpected properties or children",
                    "write `KEY \"value\"`",
                );
                ok = false;
            }
            // A config map is readable by anyone who can read the
            // namespace: the same names are refused as for `env`.
            if looks_secret(&key) && !plain {
                self.diags.push(
                    Diagnostic::error(
                        Code::SecretMisuse,
                        format!(
                            "config map key `{key}` looks like a secret but is given as a literal"
                        ),
                    )
                    .at(value_span, "would be written in plain text")
                    .help(format!(
                        "{SECRET_HELP}; if this value is not secret, add `plain=#true`"
                    )),
                );
                ok = false;
                continue;
            }
            size += key.len() + value.len();
            data.push((key.to_string(), value));
        }
        if size > 1024 * 1024 {
            self.bad(
                inst.label_span,
                format!("config map `{}` holds {size} bytes", inst.label),
                "over 1 MiB",
                "Kubernetes stores at most 1 MiB in a config map: split it",
            );
            ok = false;
        }
        ok.then(|| ConfigMap {
            name: inst.label.to_string(),
            namespace: namespace.unwrap_or_default(),
            data,
        })
    }

    fn default_namespace(&mut self) -> Option<String> {
        if is_dns_label(self.env) {
            return Some(self.env.to_string());
        }
        let span = self.env_span.unwrap_or_default();
        self.diags.push(
            Diagnostic::error(Code::InvalidName, format!("environment `{}` cannot name a namespace", self.env))
                .at(span, "not a DNS label")
                .help("workloads run in the namespace named after their environment: use lower-case letters, digits and `-`, or give each workload `namespace=\"NAME\"`"),
        );
        None
    }

    fn namespace(&mut self, v: &SValue) -> Option<String> {
        let ns = self.text(v, "a namespace")?;
        self.name_ok(
            v.span,
            &ns,
            "namespace",
            is_dns_label(&ns),
            "a namespace is lower-case letters, digits and `-`, at most 63",
        )
        .then_some(ns)
    }

    fn workload<'i>(
        &mut self,
        inst: &'i Instance,
        env: &Environment,
    ) -> Option<(Workload, Declared<'i>)> {
        let errors = self.diags.error_count();
        let config_maps = &env.config_maps[..];
        let mut service = ServiceShape::default();
        let mut service_account_at = None;
        let kind = inst.kind;
        let (name_ok, rule) = match kind {
            APP => (is_service_name(&inst.label), "an app name is also its Service's: lower-case letters, digits and `-`, starting with a letter, at most 63"),
            JOB => (is_dns_label(&inst.label), "a job name is lower-case letters, digits and `-`, at most 63"),
            DAEMON_SET => (is_dns_label(&inst.label), "a daemon set name is lower-case letters, digits and `-`, at most 63"),
            _ => (is_dns_label(&inst.label) && inst.label.len() <= 52, "a cron job name is lower-case letters, digits and `-`, at most 52 (its jobs add a suffix)"),
        };
        self.name_ok(
            inst.label_span,
            &inst.label,
            &format!("{kind} name"),
            name_ok,
            rule,
        );
        let own: &[&[&str]] = match kind {
            APP => &[APP_PROPS],
            JOB => &[JOB_PROPS],
            DAEMON_SET => &[],
            _ => &[JOB_PROPS, CRON_PROPS],
        };
        let known: Vec<&str> = COMMON_PROPS
            .iter()
            .chain(own.iter().copied().flatten())
            .copied()
            .collect();
        let mut d = Declared {
            inst,
            ingress: None,
            dns_external: false,
            hosts: Vec::new(),
        };
        let mut namespace = None;
        let (mut part_of, mut component) = (None, None);
        let mut container = Container::default();
        let mut image_at = None;
        let mut replicas = 1;
        let (mut class, mut tls, mut issuer) = (None, Some(format!("{}-tls", inst.label)), None);
        let mut job = JobSpec {
            backoff_limit: None,
            ttl_after_finished: None,
            active_deadline: None,
            restart: "Never",
        };
        let (mut schedule, mut time_zone, mut concurrency, mut suspend) =
            (None, None, "Allow", false);
        let seconds = 0..=i64::from(i32::MAX);
        for p in &inst.props {
            let v = &p.value;
            match p.name.as_str() {
                n if !known.contains(&n) => self.unknown(p.name_span, n, &crate::diag::a(kind), &known),
                "cluster" => {} // read by the environment
                "service-account" => service_account_at = Some(v),
                "service-type" => service.kind = self.service_type(v),
                "image" => image_at = Some(v),
                "namespace" => namespace = self.namespace(v),
                "part-of" => part_of = self.label_value(v, "part-of"),
                "component" => component = self.label_value(v, "component"),
                "pull" => {
                    container.pull_policy = self.one_of(v, "pull policy", &[("always", "Always"), ("if-not-present", "IfNotPresent"), ("never", "Never")])
                }
                "replicas" => replicas = self.number(v, "replicas", 0..=10_000).unwrap_or(1) as u32,
                "ingress" => d.ingress = Some(v),
                "ingress-class" => class = self.text(v, "an ingress class"),
                "tls" => {
                    tls = match &v.value {
                        Value::Bool(false) => None,
                        Value::Bool(true) => tls,
                        _ => self.text(v, "a TLS secret name").filter(|s| {
                            self.name_ok(v.span, s, "secret name", is_dns_subdomain(s), "a secret name is a DNS subdomain; or write tls=#false")
                        }),
                    }
                }
                "issuer" => issuer = self.text(v, "a cert-manager issuer"),
                "dns" => d.dns_external = self.one_of(v, "dns mode", &[("managed", false), ("external", true)]).unwrap_or(false),
                "backoff-limit" => job.backoff_limit = self.number(v, "backoff-limit", 0..=1000).map(|n| n as u32),
                "ttl" => job.ttl_after_finished = self.number(v, "ttl", seconds.clone()).map(|n| n as u32),
                "deadline" => job.active_deadline = self.number(v, "deadline", 1..=i64::from(i32::MAX)).map(|n| n as u32),
                "restart" => job.restart = self.one_of(v, "restart policy", &[("never", "Never"), ("on-failure", "OnFailure")]).unwrap_or("Never"),
                "schedule" => {
                    schedule = self.text(v, "a schedule").filter(|s| {
                        let ok = is_cron(s);
                        if !ok {
                            self.bad(v.span, format!("`{s}` is not a cron schedule"), "not five fields or a macro", "write five fields, `minute hour day-of-month month day-of-week` (`0 3 * * *`), or a macro such as `@daily`");
                        }
                        ok
                    })
                }
                "time-zone" => {
                    time_zone = self.text(v, "a time zone").filter(|s| {
                        let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'+'));
                        if !ok {
                            self.bad(v.span, format!("`{s}` is not a time zone name"), "not an IANA name", "write an IANA time zone such as `Europe/Berlin` or `Etc/UTC`");
                        }
                        ok
                    })
                }
                "concurrency" => concurrency = self.one_of(v, "concurrency policy", &[("allow", "Allow"), ("forbid", "Forbid"), ("replace", "Replace")]).unwrap_or("Allow"),
                "suspend" => suspend = self.boolean(v, "suspend").unwrap_or(false),
                _ => {}
            }
        }
        let namespace = namespace.or_else(|| {
            if inst.props.iter().any(|p| p.name == "namespace") {
                None
            } else {
                self.default_namespace()
            }
        });
        let version = match image_at {
            None => {
                self.missing(
                    inst.label_span,
                    format!("{kind} `{}` has no image", inst.label),
                    "write `image=\"registry/name:tag\"`",
                );
                None
            }
            Some(v) => self.text(v, "an image").and_then(|img| {
                let tag = match image(&img) {
                    Ok(tag) => tag.filter(|t| is_label_value(t)).map(str::to_string),
                    Err(why) => {
                        self.bad(
                            v.span,
                            format!("`{img}` is not an image reference"),
                            "not an image",
                            why,
                        );
                        None
                    }
                };
                container.image = img;
                tag
            }),
        };
        let mut ports: Vec<Port> = Vec::new();
        let children: Vec<&str> = CONTAINER_CHILDREN
            .iter()
            .chain(match kind {
                APP => APP_CHILDREN,
                DAEMON_SET => DAEMON_SET_CHILDREN,
                _ => &[],
            })
            .copied()
            .collect();
        for c in &inst.children {
            match c.name.as_str() {
                n if !children.contains(&n) => {
                    self.unknown(c.name_span, n, &crate::diag::a(kind), &children)
                }
                "port" => {
                    if let Some(p) = self.port(c, &ports) {
                        ports.push(p);
                    }
                }
                "host" => self.hosts(c, &mut d.hosts),
                "service-annotations" => self.annotations(c, &mut service.annotations),
                "volume" => {
                    if let Some(v) = self.volume(
                        c,
                        &env.volume_claims,
                        namespace.as_deref(),
                        &container.volumes,
                    ) {
                        container.volumes.push(v);
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = service_account_at {
            container.service_account =
                self.service_account_ref(v, &env.service_accounts, namespace.as_deref());
        }
        for c in &inst.children {
            match c.name.as_str() {
                "command" | "args" => {
                    self.only(c, &format!("`{}`", c.name), &[]);
                    let what = if c.name == "command" {
                        "a command word"
                    } else {
                        "an argument"
                    };
                    let words = self.words(c, what);
                    if c.name == "command" {
                        container.command = words;
                    } else {
                        container.args = words;
                    }
                }
                "env" => {
                    if let Some(e) =
                        self.env_var(c, config_maps, namespace.as_deref(), &container.env)
                    {
                        container.env.push(e);
                    }
                }
                "env-from" => {
                    if let Some(e) = self.env_from(c, config_maps, namespace.as_deref()) {
                        container.env_from.push(e);
                    }
                }
                "node-selector" => self.node_selector(c, &mut container.node_selector),
                "requests" => container.requests = self.quantities(c),
                "limits" => container.limits = self.quantities(c),
                "liveness" | "readiness" | "startup" => {
                    if let Some(p) = self.probe(c, &ports) {
                        container.probes.push(p);
                    }
                }
                _ => {}
            }
        }
        self.requests_within_limits(inst, &container);
        let ingress = if d.hosts.is_empty() {
            None
        } else if let Some(first) = ports.first() {
            if !d.dns_external && d.ingress.is_none() {
                self.missing(d.hosts[0].1, format!("app `{}` has host names but no ingress address for their DNS records", inst.label), "give the address of the cluster's ingress, e.g. `ingress=(ref)\"load-balancer.ingress.ip\"`, or write `dns=\"external\"` if the names are managed elsewhere");
            }
            Some(Ingress {
                hosts: d.hosts.iter().map(|h| h.0.clone()).collect(),
                class,
                port: first.name.clone(),
                tls_secret: tls,
                issuer,
            })
        } else {
            self.missing(
                d.hosts[0].1,
                format!(
                    "app `{}` has host names but no port to route them to",
                    inst.label
                ),
                "declare the port its Service exposes: `port \"http\" 8080`",
            );
            None
        };
        let shape = match kind {
            APP => Shape::Deployment {
                replicas,
                ports,
                ingress,
                service,
            },
            JOB => Shape::Job(job),
            DAEMON_SET => Shape::DaemonSet { ports },
            _ => {
                if schedule.is_none() && !inst.props.iter().any(|p| p.name == "schedule") {
                    self.missing(
                        inst.label_span,
                        format!("cron job `{}` has no schedule", inst.label),
                        "write `schedule=\"0 3 * * *\"`",
                    );
                }
                Shape::CronJob {
                    schedule: schedule.unwrap_or_default(),
                    time_zone,
                    concurrency,
                    suspend,
                    job,
                }
            }
        };
        let instance = if self.env == crate::expand::DEFAULT_ENVIRONMENT {
            inst.label.to_string()
        } else {
            format!("{}-{}", inst.label, self.env)
        };
        if !is_label_value(&instance) {
            self.bad(
                inst.label_span,
                format!("`{instance}` is too long for the `app.kubernetes.io/instance` label"),
                "name and environment over 63 characters",
                "shorten the name or the environment's name",
            );
        }
        if self.diags.error_count() > errors {
            return None;
        }
        Some((
            Workload {
                name: inst.label.to_string(),
                namespace: namespace?,
                instance,
                version,
                part_of,
                component,
                container,
                shape,
            },
            d,
        ))
    }

    fn label_value(&mut self, v: &SValue, what: &str) -> Option<String> {
        let s = self.text(v, what)?;
        if is_label_value(&s) {
            return Some(s);
        }
        self.bad(v.span, format!("`{s}` is not a valid {what} label"), "not a label value", "a label value is up to 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit");
        None
    }

    fn words(&mut self, c: &IChild, what: &str) -> Vec<String> {
        self.args(c)
            .into_iter()
            .filter_map(|a| self.text(a, what))
            .collect()
    }

    fn port(&mut self, c: &IChild, ports: &[Port]) -> Option<Port> {
        let args = self.args(c);
        let [name, number] = args.as_slice() else {
            self.bad(
                c.span,
                "a port has a name and a number".into(),
                "expected `port NAME NUMBER`",
                "write `port \"http\" 8080`",
            );
            return None;
        };
        let name_span = name.span;
        let name = self.text(name, "a port name")?;
        if !self.name_ok(name_span, &name, "port name", is_port_name(&name), "a port name is up to 15 lower-case letters, digits and `-`, with a letter (`http`, `grpc`, `metrics`)") {
            return None;
        }
        for ch in &c.children {
            self.unknown(ch.name_span, &ch.name, "a port", &[]);
        }
        let container_port = self.number(number, "port", 1..=65535)? as u16;
        let mut service_port = container_port;
        let mut protocol = "TCP";
        for p in &c.props {
            match p.name.as_str() {
                "service" => {
                    service_port = self.number(&p.value, "service port", 1..=65535)? as u16
                }
                "protocol" => {
                    protocol = self.one_of(
                        &p.value,
                        "protocol",
                        &[("tcp", "TCP"), ("udp", "UDP"), ("sctp", "SCTP")],
                    )?
                }
                other => self.unknown(p.name_span, other, "a port", &["service", "protocol"]),
            }
        }
        if let Some(other) = ports.iter().find(|p| {
            p.name == name || p.container_port == container_port || p.service_port == service_port
        }) {
            self.diags.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    format!("port `{name}` repeats port `{}`", other.name),
                )
                .at(c.span, "same name or number as another port")
                .help("each port of an app has its own name, container port and service port"),
            );
            return None;
        }
        Some(Port {
            name,
            container_port,
            service_port,
            protocol,
        })
    }

    /// `host "a.example.com" "b.example.com" proxied=#true`: an empty list
    /// (a component's parameter) declares none.
    fn hosts(&mut self, c: &IChild, hosts: &mut Vec<(String, Span, bool)>) {
        let mut proxied = false;
        for p in &c.props {
            match p.name.as_str() {
                "proxied" => proxied = self.boolean(&p.value, "proxied").unwrap_or(false),
                other => self.unknown(p.name_span, other, "a host", &["proxied"]),
            }
        }
        for ch in &c.children {
            self.unknown(ch.name_span, &ch.name, "a host", &[]);
        }
        for v in self.args(c) {
            let span = v.span;
            let Some(host) = self.text(v, "a host name") else {
                continue;
            };
            if !self.name_ok(span, &host, "host name", is_ingress_host(&host), "a host is a lower-case DNS name with at least one dot, optionally starting with `*.`") {
                continue;
            }
            if hosts.iter().any(|h| h.0 == host) {
                self.diags.push(
                    Diagnostic::error(Code::HostConflict, format!("`{host}` is listed twice"))
                        .at(span, "listed again here")
                        .help("list each host once"),
                );
                continue;
            }
            hosts.push((host, span, proxied));
        }
    }

    fn config_key(
        &mut self,
        c: &IChild,
        config_maps: &[ConfigMap],
        namespace: Option<&str>,
        name: &str,
        key: &str,
        span: Span,
    ) {
        let Some(namespace) = namespace else { return };
        match config_maps
            .iter()
            .find(|m| m.name == name && m.namespace == namespace)
        {
            None => {
                let names: Vec<&str> = config_maps
                    .iter()
                    .filter(|m| m.namespace == namespace)
                    .map(|m| m.name.as_str())
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!("no config map `{name}` in namespace `{namespace}`"),
                    )
                    .at(span, "not declared")
                    .help(crate::diag::suggest(
                        name,
                        &names,
                        "declare it: `config-map \"NAME\" { KEY \"value\" }`",
                    )),
                );
            }
            Some(m) if !key.is_empty() && !m.data.iter().any(|(k, _)| k == key) => {
                let keys: Vec<&str> = m.data.iter().map(|(k, _)| k.as_str()).collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::UnresolvedReference,
                        format!("config map `{name}` has no key `{key}`"),
                    )
                    .at(c.span, "no such key")
                    .help(crate::diag::suggest(
                        key,
                        &keys,
                        &format!("its keys: {}", keys.join(", ")),
                    )),
                );
            }
            Some(_) => {}
        }
    }

    fn env_var(
        &mut self,
        c: &IChild,
        config_maps: &[ConfigMap],
        namespace: Option<&str>,
        env: &[EnvVar],
    ) -> Option<EnvVar> {
        let args = self.args(c);
        let Some(name_value) = args.first() else {
            self.bad(
                c.span,
                "`env` needs a name".into(),
                "name missing",
                "write `env \"NAME\" \"value\"`",
            );
            return None;
        };
        let name = self.text(name_value, "an environment variable name")?;
        if !self.name_ok(
            name_value.span,
            &name,
            "environment variable name",
            is_env_name(&name),
            "letters, digits, `_`, `-` and `.`, not starting with a digit",
        ) {
            return None;
        }
        if env.iter().any(|e| e.name == name) {
            self.diags.push(
                Diagnostic::error(Code::DuplicateName, format!("`{name}` is set twice"))
                    .at(name_value.span, "set again here")
                    .help("set each variable once (an environment's override replaces `env \"NAME\"` by name)"),
            );
            return None;
        }
        let prop_text = |l: &mut Self, n: &str| {
            field(&c.props, n).map(|f| (l.text(&f.value, &format!("`{n}`")), f.value.span))
        };
        let mut plain = false;
        for p in &c.props {
            match p.name.as_str() {
                "config" | "secret" | "key" => {}
                "plain" => plain = self.boolean(&p.value, "plain")?,
                other => self.unknown(
                    p.name_span,
                    other,
                    "`env`",
                    &["config", "secret", "key", "plain"],
                ),
            }
        }
        let key = prop_text(self, "key");
        let key_text = match &key {
            Some((Some(k), span)) => {
                if !self.name_ok(
                    *span,
                    k,
                    "key",
                    is_config_key(k),
                    "a key is letters, digits, `-`, `_` and `.`",
                ) {
                    return None;
                }
                k.clone()
            }
            Some((None, _)) => return None,
            None => name.clone(),
        };
        let source = match (
            prop_text(self, "config"),
            prop_text(self, "secret"),
            args.get(1),
        ) {
            (Some((cm, span)), None, None) => {
                let cm = cm?;
                self.config_key(c, config_maps, namespace, &cm, &key_text, span);
                EnvSource::ConfigMap {
                    name: cm,
                    key: key_text,
                }
            }
            (None, Some((secret, span)), None) => {
                let secret = secret?;
                if !self.name_ok(
                    span,
                    &secret,
                    "secret name",
                    is_dns_subdomain(&secret),
                    "a Secret's name is lower-case letters, digits, `-` and `.`",
                ) {
                    return None;
                }
                EnvSource::Secret {
                    name: secret,
                    key: key_text,
                }
            }
            (None, None, Some(value)) if args.len() == 2 => {
                let text = self.text(value, &format!("the value of `{name}`"))?;
                if looks_secret(&name) && !plain {
                    self.diags.push(
                        Diagnostic::error(
                            Code::SecretMisuse,
                            format!("`{name}` looks like a secret but is given as a literal"),
                        )
                        .at(value.span, "would be written in plain text")
                        .help(format!(
                            "{SECRET_HELP}; if this value is not secret, add `plain=#true`"
                        )),
                    );
                    return None;
                }
                EnvSource::Value(text)
            }
            _ => {
                self.bad(c.span, format!("`env \"{name}\"` needs exactly one source"), "a value, `config=` or `secret=`", "write `env \"NAME\" \"value\"`, `env \"NAME\" config=\"MAP\" key=\"KEY\"` or `env \"NAME\" secret=\"SECRET\" key=\"KEY\"`");
                return None;
            }
        };
        if key.is_some() && matches!(source, EnvSource::Value(_)) {
            self.bad(
                c.span,
                "`key` goes with `config=` or `secret=`".into(),
                "nothing to look up",
                "remove `key`, or read the value from a config map or secret",
            );
        }
        Some(EnvVar { name, source })
    }

    fn env_from(
        &mut self,
        c: &IChild,
        config_maps: &[ConfigMap],
        namespace: Option<&str>,
    ) -> Option<EnvFrom> {
        match (
            field(&c.props, "config"),
            field(&c.props, "secret"),
            c.props.len(),
            c.args.is_empty(),
        ) {
            (Some(f), None, 1, true) => {
                let name = self.text(&f.value, "a config map name")?;
                self.config_key(c, config_maps, namespace, &name, "", f.value.span);
                Some(EnvFrom::ConfigMap(name))
            }
            (None, Some(f), 1, true) => {
                let name = self.text(&f.value, "a secret name")?;
                self.name_ok(
                    f.value.span,
                    &name,
                    "secret name",
                    is_dns_subdomain(&name),
                    "a Secret's name is lower-case letters, digits, `-` and `.`",
                )
                .then_some(EnvFrom::Secret(name))
            }
            _ => {
                self.bad(
                    c.span,
                    "`env-from` takes one `config=` or `secret=`".into(),
                    "expected one source",
                    "write `env-from config=\"MAP\"` or `env-from secret=\"SECRET\"`",
                );
                None
            }
        }
    }

    /// `node-selector "doks.digitalocean.com/node-pool"="builders"`.
    fn node_selector(&mut self, c: &IChild, out: &mut Vec<(String, String)>) {
        for p in &c.props {
            let Some(value) = self.text(&p.value, "a node label value") else {
                continue;
            };
            let key_ok = is_label_key(&p.name);
            let value_ok = is_label_value(&value);
            if !key_ok || !value_ok {
                let (span, what) = if key_ok {
                    (p.value.span, format!("`{value}` is not a label value"))
                } else {
                    (p.name_span, format!("`{}` is not a label key", p.name))
                };
                self.bad(span, what, "not a label", "a label key is `[prefix/]name` (a DNS subdomain, then up to 63 letters, digits, `-`, `_`, `.`); a value is up to 63 of the same");
                continue;
            }
            out.push((p.name.to_string(), value));
        }
    }

    fn quantities(&mut self, c: &IChild) -> Quantities {
        let mut q = Quantities::default();
        for p in &c.props {
            let slot = match p.name.as_str() {
                "cpu" => &mut q.cpu,
                "memory" => &mut q.memory,
                other => {
                    self.unknown(
                        p.name_span,
                        other,
                        &format!("`{}`", c.name),
                        &["cpu", "memory"],
                    );
                    continue;
                }
            };
            let Some(text) = self.text(&p.value, "a quantity") else {
                continue;
            };
            if quantity(&text).is_none() {
                self.bad(p.value.span, format!("`{text}` is not a quantity"), "not a quantity", "write cpu as cores or millicores (`0.5`, `500m`) and memory in bytes with a suffix (`256Mi`, `1Gi`)");
                continue;
            }
            *slot = Some(text);
        }
        q
    }

    fn requests_within_limits(&mut self, inst: &Instance, c: &Container) {
        for (what, request, limit) in [
            ("cpu", &c.requests.cpu, &c.limits.cpu),
            ("memory", &c.requests.memory, &c.limits.memory),
        ] {
            let (Some(r), Some(l)) = (request, limit) else {
                continue;
            };
            if quantity(r) > quantity(l) {
                let span = inst
                    .children
                    .iter()
                    .find(|c| c.name == "requests")
                    .map_or(inst.label_span, |c| c.span);
                self.bad(span, format!("the {what} request {r} is more than its limit {l}"), "request over limit", "Kubernetes rejects a request above its limit: lower the request or raise the limit");
            }
        }
    }

    fn probe(&mut self, c: &IChild, ports: &[Port]) -> Option<Probe> {
        let field_name = match c.name.as_str() {
            "liveness" => "livenessProbe",
            "readiness" => "readinessProbe",
            _ => "startupProbe",
        };
        let mut probe = Probe {
            field: field_name,
            action: ProbeAction::Exec {
                command: Vec::new(),
            },
            initial_delay: None,
            period: None,
            timeout: None,
            failures: None,
        };
        let (mut http, mut tcp, mut port) = (None, None, None);
        for p in &c.props {
            let v = &p.value;
            match p.name.as_str() {
                "http" => http = self.text(v, "a probe path"),
                "tcp" => tcp = Some(v),
                "port" => port = Some(v),
                "delay" => {
                    probe.initial_delay = self.number(v, "delay", 0..=3600).map(|n| n as u32)
                }
                "period" => probe.period = self.number(v, "period", 1..=3600).map(|n| n as u32),
                "timeout" => probe.timeout = self.number(v, "timeout", 1..=3600).map(|n| n as u32),
                "failures" => {
                    probe.failures = self.number(v, "failures", 1..=100).map(|n| n as u32)
                }
                other => self.unknown(
                    p.name_span,
                    other,
                    "a probe",
                    &[
                        "http", "tcp", "port", "delay", "period", "timeout", "failures",
                    ],
                ),
            }
        }
        for ch in &c.children {
            self.unknown(ch.name_span, &ch.name, "a probe", &[]);
        }
        let command = self.words(c, "a probe command word");
        let port_ref = |l: &mut Self, v: Option<&SValue>| -> Option<PortRef> {
            let Some(v) = v else {
                return match ports.first() {
                    Some(p) => Some(PortRef::Name(p.name.clone())),
                    None => {
                        l.missing(
                            c.span,
                            "this probe needs a port".into(),
                            "declare a `port`, or write `port=8080` on the probe",
                        );
                        None
                    }
                };
            };
            match &v.value {
                Value::Int(_) => l
                    .number(v, "probe port", 1..=65535)
                    .map(|n| PortRef::Number(n as u16)),
                _ => {
                    let name = l.text(v, "a port name")?;
                    if ports.iter().any(|p| p.name == name) {
                        Some(PortRef::Name(name))
                    } else {
                        let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                        l.diags.push(
                            Diagnostic::error(
                                Code::UnresolvedReference,
                                format!("no port `{name}`"),
                            )
                            .at(v.span, "not a port of this app")
                            .help(crate::diag::suggest(
                                &name,
                                &names,
                                "name a declared `port`, or give a number",
                            )),
                        );
                        None
                    }
                }
            }
        };
        probe.action = match (http, tcp, command.is_empty()) {
            (Some(path), None, true) => {
                if !path.starts_with('/') {
                    self.bad(
                        c.span,
                        format!("probe path `{path}` does not start with `/`"),
                        "not a path",
                        "write `http=\"/healthz\"`",
                    );
                    return None;
                }
                ProbeAction::Http {
                    path,
                    port: port_ref(self, port)?,
                }
            }
            (None, Some(t), true) => {
                let port = match (&t.value, port) {
                    (Value::Bool(true), p) => port_ref(self, p)?,
                    (_, None) => port_ref(self, Some(t))?,
                    _ => {
                        self.bad(
                            t.span,
                            "`tcp` names the port; `port` is not needed".into(),
                            "two ports",
                            "write `tcp=\"http\"` or `tcp=8080`",
                        );
                        return None;
                    }
                };
                ProbeAction::Tcp { port }
            }
            (None, None, false) => ProbeAction::Exec { command },
            _ => {
                self.bad(c.span, format!("{} probe checks one way", crate::diag::a(&c.name)), "expected one of http=, tcp= or a command", "write `readiness http=\"/healthz\"`, `liveness tcp=\"http\"` or `liveness \"pg_isready\" \"-U\" \"app\"`");
                return None;
            }
        };
        Some(probe)
    }

    /// An A (or AAAA) record per ingress host, in the zone that holds it,
    /// pointing at the cluster's ingress address.
    fn host_records(&mut self, w: &Declared, dns: &mut Zones, records: &mut Vec<Instance>) {
        if w.dns_external || w.hosts.is_empty() {
            return;
        }
        let Some(address) = w.ingress else { return };
        let record_type = match &address.value {
            Value::Ref(_) => "A",
            Value::Str(s) if s.parse::<std::net::Ipv4Addr>().is_ok() => "A",
            Value::Str(s) if s.parse::<std::net::Ipv6Addr>().is_ok() => "AAAA",
            _ => {
                self.bad(
                    address.span,
                    "`ingress` is the address of the cluster's ingress".into(),
                    "not an IP address or reference",
                    "write `ingress=(ref)\"load-balancer.NAME.ip\"` or an IP address",
                );
                return;
            }
        };
        let owner = format!("app `{}` in environment `{}`", w.inst.label, self.env);
        for (host, span, proxied) in &w.hosts {
            if let Some((other, first)) = dns.claimed.get(host) {
                self.diags.push(
                    Diagnostic::error(Code::HostConflict, format!("`{host}` already has an address record"))
                        .at(*span, format!("app `{}` would point it at its ingress", w.inst.label))
                        .also(*first, format!("{other} claims it"))
                        .help("each name has one owner: remove the other record, or write `dns=\"external\"` on the app"),
                );
                continue;
            }
            dns.claimed.insert(host.clone(), (owner.clone(), *span));
            let Some((_, record_kind)) = dns.zone_of(host) else {
                self.diags.push(
                    Diagnostic::error(Code::UnresolvedReference, format!("no zone in the project holds `{host}`"))
                        .at(*span, "its DNS record has no zone")
                        .help("declare the zone (`domain \"example.com\"`, `cloudflare-zone \"example.com\"` or `route53-zone \"example.com\"`), or write `dns=\"external\"` on the app"),
                );
                continue;
            };
            let mut props = crate::dns::address_props(
                record_kind,
                host,
                record_type,
                address.clone(),
                None,
                *span,
            );
            if record_kind == "cloudflare-record" {
                props.push(prop("proxied", Value::Bool(*proxied), *span));
            } else if *proxied {
                self.bad(
                    *span,
                    format!("`{host}` is in a zone that cannot proxy"),
                    "`proxied` needs Cloudflare",
                    "move the zone to Cloudflare (`cloudflare-zone`), or remove `proxied`",
                );
                continue;
            }
            records.push(record(
                record_kind,
                format!("app-{}", slug(host)),
                props,
                *span,
            ));
        }
    }
}
