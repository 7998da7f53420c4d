//! Workloads: apps, jobs, cron jobs and config maps, declared once and
//! expanded per environment, compiled to Kubernetes manifests. `lower`
//! turns each environment's instances into [`Environment`]s (checking what
//! a schema validator cannot: names, ports, quantities, schedules,
//! references between objects, secrets) and adds the DNS records of every
//! ingress host, from every environment, to the Terraform side.

mod lower;
pub(crate) mod names;

pub use lower::{info, lower};

pub const APP: &str = "app";
pub const JOB: &str = "job";
pub const CRON_JOB: &str = "cron-job";
pub const CONFIG_MAP: &str = "config-map";
pub const SERVICE_ACCOUNT: &str = "service-account";
pub const VOLUME_CLAIM: &str = "volume-claim";
/// The declarations this stage owns.
pub const KINDS: &[&str] = &[
    APP,
    JOB,
    CRON_JOB,
    CONFIG_MAP,
    SERVICE_ACCOUNT,
    VOLUME_CLAIM,
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
