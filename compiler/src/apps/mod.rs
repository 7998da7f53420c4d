//! Workloads: apps, jobs, cron jobs and config maps, declared once and
//! expanded per environment, compiled to Kubernetes manifests. `lower`
//! turns each environment's instances into [`Environment`]s (checking what
//! a schema validator cannot: names, ports, quantities, schedules,
//! references between objects, secrets) and adds the DNS records of every
//! ingress host, from every environment, to the Terraform side.

mod lower;
pub(crate) mod names;
pub mod schema;

pub use lower::{info, lower};

pub const APP: &str = "app";
pub const JOB: &str = "job";
pub const CRON_JOB: &str = "cron-job";
pub const CONFIG_MAP: &str = "config-map";
pub const SERVICE_ACCOUNT: &str = "service-account";
pub const VOLUME_CLAIM: &str = "volume-claim";
pub const DAEMON_SET: &str = "daemon-set";
pub const MANIFEST: &str = "manifest";
pub const MANIFEST_PATCH: &str = "manifest-patch";
/// The declarations this stage owns.
pub const KINDS: &[&str] = &[
    APP,
    JOB,
    CRON_JOB,
    DAEMON_SET,
    CONFIG_MAP,
    SERVICE_ACCOUNT,
    VOLUME_CLAIM,
    MANIFEST,
    MANIFEST_PATCH,
];

/// Every environment's workloads.
#[derive(Clone, Debug, Default)]
pub struct Workloads {
    pub environments: Vec<Environment>,
}

#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    /// The cluster its workloads run on, when they name one.
    pub cluster: Option<Cluster>,
    pub workloads: Vec<Workload>,
    pub config_maps: Vec<ConfigMap>,
    pub service_accounts: Vec<ServiceAccount>,
    pub volume_claims: Vec<VolumeClaim>,
    /// Objects written out by hand (`manifest`).
    pub manifests: Vec<RawObject>,
    /// Changes to the objects infrac writes (`manifest-patch`), applied by
    /// kustomize as strategic merge patches.
    pub patches: Vec<RawObject>,
}

/// The API version of each kind infrac writes for declarations.
pub const GENERATED_KINDS: &[(&str, &str)] = &[
    ("ConfigMap", "v1"),
    ("CronJob", "batch/v1"),
    ("DaemonSet", "apps/v1"),
    ("Deployment", "apps/v1"),
    ("Ingress", "networking.k8s.io/v1"),
    ("Job", "batch/v1"),
    ("PersistentVolumeClaim", "v1"),
    ("Service", "v1"),
    ("ServiceAccount", "v1"),
];

impl Environment {
    /// The objects written for the declarations (a Namespace aside):
    /// (kind, namespace, name, what declares it).
    pub fn generated_objects(&self) -> Vec<(&'static str, String, String, String)> {
        let mut out = Vec::new();
        for w in &self.workloads {
            let declared = match w.shape {
                Shape::Deployment { .. } => APP,
                Shape::DaemonSet { .. } => DAEMON_SET,
                Shape::Job(_) => JOB,
                Shape::CronJob { .. } => CRON_JOB,
            };
            let mut add = |kind| {
                let by = format!("{declared} `{}`", w.name);
                out.push((kind, w.namespace.clone(), w.name.clone(), by))
            };
            match &w.shape {
                Shape::Deployment { ports, ingress, .. } => {
                    add("Deployment");
                    if !ports.is_empty() {
                        add("Service");
                    }
                    if ingress.is_some() {
                        add("Ingress");
                    }
                }
                Shape::DaemonSet { .. } => add("DaemonSet"),
                Shape::Job(_) => add("Job"),
                Shape::CronJob { .. } => add("CronJob"),
            }
        }
        let plain = |kind: &'static str, what: &str, name: &String, ns: &String| {
            (kind, ns.clone(), name.clone(), format!("{what} `{name}`"))
        };
        for c in &self.config_maps {
            out.push(plain("ConfigMap", "config map", &c.name, &c.namespace));
        }
        for a in &self.service_accounts {
            out.push(plain(
                "ServiceAccount",
                "service account",
                &a.name,
                &a.namespace,
            ));
        }
        for v in &self.volume_claims {
            out.push(plain(
                "PersistentVolumeClaim",
                "volume claim",
                &v.name,
                &v.namespace,
            ));
        }
        out
    }
}

/// An object of any kind the API or a known CRD has, written out in KDL
/// (`manifest "NAME" api-version="…" kind="…" { … }`) and checked against
/// its schema.
#[derive(Clone, Debug)]
pub struct RawObject {
    pub kind: String,
    pub name: String,
    /// `None` for a cluster-scoped kind.
    pub namespace: Option<String>,
    /// The whole object: `apiVersion`, `kind`, `metadata` and the rest.
    pub body: RawValue,
}

/// A value of a raw object, with where it was written.
#[derive(Clone, Debug)]
pub struct RawValue {
    pub raw: Raw,
    pub span: crate::source::Span,
}

#[derive(Clone, Debug)]
pub enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<RawValue>),
    Map(Vec<RawField>),
}

#[derive(Clone, Debug)]
pub struct RawField {
    pub key: String,
    pub key_span: crate::source::Span,
    pub value: RawValue,
}

/// A ServiceAccount pods run as (`service-account="NAME"`).
#[derive(Clone, Debug)]
pub struct ServiceAccount {
    pub name: String,
    pub namespace: String,
    /// `eks.amazonaws.com/role-arn` and the like.
    pub annotations: Vec<(String, String)>,
}

/// A PersistentVolumeClaim workloads mount (`volume "NAME" path=…`).
#[derive(Clone, Debug)]
pub struct VolumeClaim {
    pub name: String,
    pub namespace: String,
    /// A quantity: `10Gi`.
    pub size: String,
    pub storage_class: Option<String>,
    /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`.
    pub access: &'static str,
}

/// A claim mounted into the container.
#[derive(Clone, Debug)]
pub struct Volume {
    pub claim: String,
    pub path: String,
    pub read_only: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub name: String,
    /// The kubectl context `doctl kubernetes cluster kubeconfig save`
    /// creates for a DigitalOcean cluster declared in the project.
    pub context: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub namespace: String,
    /// `app.kubernetes.io/instance`: the name and the environment.
    pub instance: String,
    /// `app.kubernetes.io/version`: the image tag, when it is a valid
    /// label value.
    pub version: Option<String>,
    pub part_of: Option<String>,
    pub component: Option<String>,
    pub container: Container,
    pub shape: Shape,
}

#[derive(Clone, Debug)]
pub enum Shape {
    Deployment {
        replicas: u32,
        ports: Vec<Port>,
        ingress: Option<Ingress>,
        service: ServiceShape,
    },
    /// One pod on every node (or every node the selector picks).
    DaemonSet {
        ports: Vec<Port>,
    },
    Job(JobSpec),
    CronJob {
        schedule: String,
        time_zone: Option<String>,
        concurrency: &'static str,
        suspend: bool,
        job: JobSpec,
    },
}

/// How the app's Service is exposed.
#[derive(Clone, Debug, Default)]
pub struct ServiceShape {
    /// `ClusterIP` (the default, left out), `NodePort` or `LoadBalancer`.
    pub kind: Option<&'static str>,
    pub annotations: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct JobSpec {
    pub backoff_limit: Option<u32>,
    pub ttl_after_finished: Option<u32>,
    pub active_deadline: Option<u32>,
    pub restart: &'static str,
}

#[derive(Clone, Debug)]
pub struct Port {
    pub name: String,
    pub container_port: u16,
    pub service_port: u16,
    pub protocol: &'static str,
}

#[derive(Clone, Debug)]
pub struct Ingress {
    pub hosts: Vec<String>,
    pub class: Option<String>,
    /// The Service port (by name) the hosts reach.
    pub port: String,
    /// The TLS secret; `None` when TLS is off.
    pub tls_secret: Option<String>,
    /// cert-manager's ClusterIssuer that fills the TLS secret.
    pub issuer: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Container {
    pub image: String,
    pub pull_policy: Option<&'static str>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFrom>,
    pub requests: Quantities,
    pub limits: Quantities,
    pub probes: Vec<Probe>,
    /// Node labels the pods must run on (`nodeSelector`).
    pub node_selector: Vec<(String, String)>,
    /// The ServiceAccount the pods run as.
    pub service_account: Option<String>,
    pub volumes: Vec<Volume>,
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: String,
    pub source: EnvSource,
}

#[derive(Clone, Debug)]
pub enum EnvSource {
    Value(String),
    ConfigMap {
        name: String,
        key: String,
    },
    /// A key of a Kubernetes Secret: the value itself never passes
    /// through infrac.
    Secret {
        name: String,
        key: String,
    },
}

#[derive(Clone, Debug)]
pub enum EnvFrom {
    ConfigMap(String),
    Secret(String),
}

#[derive(Clone, Debug, Default)]
pub struct Quantities {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Probe {
    /// `livenessProbe`, `readinessProbe` or `startupProbe`.
    pub field: &'static str,
    pub action: ProbeAction,
    pub initial_delay: Option<u32>,
    pub period: Option<u32>,
    pub timeout: Option<u32>,
    pub failures: Option<u32>,
}

#[derive(Clone, Debug)]
pub enum ProbeAction {
    Http { path: String, port: PortRef },
    Tcp { port: PortRef },
    Exec { command: Vec<String> },
}

#[derive(Clone, Debug)]
pub enum PortRef {
    Name(String),
    Number(u16),
}

#[derive(Clone, Debug)]
pub struct ConfigMap {
    pub name: String,
    pub namespace: String,
    pub data: Vec<(String, String)>,
}
