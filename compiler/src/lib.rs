//! infrac: an infrastructure-as-code compiler. KDL in; Terraform (and, as
//! backends arrive, Caddy, nginx and Kubernetes) out.
//!
//! The pipeline is a straight line, one module per stage:
//! load → parse → lower → expand → resolve (names) → check → graph → backends.
//! `compile` is pure: all file access goes through the `World` the caller
//! passes in, and the result is data (files and diagnostics).

pub mod apps;
pub mod backends;
pub mod check;
pub mod diag;
pub mod diff;
pub mod disk;
pub mod dns;
pub mod expand;
pub mod formats;
pub mod formatter;
pub mod graph;
pub mod import;
pub mod interpolation;
pub mod kinds;
pub mod load;
pub mod lower;
pub mod lsp;
pub mod model;
pub mod output;
mod parallel;
pub mod parse;
pub mod plan;
pub mod read;
pub mod resolve;
pub mod roots;
pub mod schema;
pub mod source;
pub mod stdlib;
pub mod types;
pub mod web;

/// Files the build script embeds or indexes (`build.rs`).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

use diag::{Code, Diagnostic, Diagnostics};
use source::{SourceMap, Span};

pub use load::World;

/// What the command line can change about a build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--var NAME=VALUE`, as typed.
    pub vars: Vec<String>,
    /// `--env NAME`
    pub environment: Option<String>,
    /// `--plain-http PORT`: the test switch of the web fronts (every site
    /// over plain HTTP on PORT, TLS off).
    pub plain_http: Option<u16>,
    /// Stop after the checks: no output files (`check`, the language
    /// server).
    pub check_only: bool,
}

pub struct Compilation {
    pub sources: SourceMap,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<plan::Plan>,
    pub graph: Option<graph::Graph>,
    /// Output files, present only when there are no errors.
    pub files: Option<backends::Files>,
    /// The Terraform roots of a project with environments (`plan` is then
    /// the first environment's whole plan).
    pub roots: Option<roots::Roots>,
}

impl Compilation {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The plans whose Terraform was written: each root's, or the plan.
    pub fn terraform_plans(&self) -> Vec<&plan::Plan> {
        match &self.roots {
            Some(roots) => roots
                .shared
                .iter()
                .chain(roots.environments.iter().map(|(_, p)| p))
                .collect(),
            None => self.plan.iter().collect(),
        }
    }
}

/// With `INFRAC_TIMINGS=1`, each stage's time goes to stderr (for the
/// benchmark; the compiler otherwise stays silent).
struct Timings(Option<std::time::Instant>);

impl Timings {
    fn stage(&mut self, name: &str) {
        if let Some(t) = &mut self.0 {
            // Resident memory after the stage (Linux only), to see which
            // stage the peak comes from.
            let rss = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map_or(String::new(), |pages| {
                    format!("  rss {} MiB", (pages * 4096) >> 20)
                });
            eprintln!("{name:>8}: {:?}{rss}", t.elapsed());
            *t = std::time::Instant::now();
        }
    }
}

/// What `infrac kinds` lists beyond the shipped kinds: the components of
/// the stdlib and, when `world` holds a project that loads, the project's
/// components and the providers it brings (in the registry returned).
pub fn catalog(world: Option<&dyn World>) -> (Vec<kinds::ComponentInfo>, &'static kinds::Registry) {
    struct Empty;
    impl World for Empty {
        fn read(&self, _: &str) -> Result<String, String> {
            Err("no project".to_string())
        }
    }
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let loaded = load::load(world.unwrap_or(&Empty), &mut sources, &mut diags);
    let registry = kinds::own::load(
        world.unwrap_or(&Empty),
        &loaded.nodes,
        kinds::registry(),
        &mut diags,
    );
    let shipped: Vec<&str> = loaded
        .stdlib
        .iter()
        .filter(|n| n.name == "component")
        .filter_map(|n| match n.args.first().map(|a| &a.value) {
            Some(parse::Literal::Str(s)) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let project = lower::lower(&loaded.nodes, &loaded.stdlib, registry, &mut diags);
    let mut components: Vec<kinds::ComponentInfo> = project
        .components
        .iter()
        .map(|c| kinds::ComponentInfo {
            name: c.name.clone(),
            doc: c.doc.clone(),
            origin: if shipped.contains(&c.name.as_str()) {
                "stdlib"
            } else {
                "project"
            },
            params: c
                .params
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        p.ty.name(),
                        p.default.is_some(),
                        p.description.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    components.sort_by(|a, b| a.name.cmp(&b.name));
    (components, registry)
}

pub fn compile(world: &dyn World, options: &Options) -> Compilation {
    let mut t = Timings(std::env::var_os("INFRAC_TIMINGS").map(|_| std::time::Instant::now()));
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let inputs = command_line(&mut sources, options, &mut diags);
    let kinds = kinds::registry();

    let loaded = load::load(world, &mut sources, &mut diags);
    let kinds = kinds::own::load(world, &loaded.nodes, kinds, &mut diags);
    t.stage("load");
    if diags.has_errors() {
        return done(sources, diags, None, None, None);
    }
    let project = lower::lower(&loaded.nodes, &loaded.stdlib, kinds, &mut diags);
    // Each stage's input is freed as soon as the next stage has read it, so
    // that later stages reuse the memory instead of touching new pages.
    drop(loaded);
    t.stage("lower");
    // A project with environments is built into one Terraform root per
    // environment (and one for what they share), unless one is chosen.
    if inputs.1.is_none() && !project.environments.is_empty() {
        return compile_environments(project, &inputs, kinds, options, sources, diags, t);
    }
    let environment = inputs.1.as_ref().map(|(n, s)| (n.as_str(), *s));
    let (plan, graph) = plan_project(
        project,
        &inputs.0,
        environment,
        kinds,
        options,
        &mut sources,
        &mut diags,
        &mut t,
    );
    if diags.has_errors() || options.check_only {
        return done(sources, diags, Some(plan), Some(graph), None);
    }
    let files = backends::emit_all(&plan);
    t.stage("emit");
    done(sources, diags, Some(plan), Some(graph), Some(files))
}

fn done(
    sources: SourceMap,
    mut diags: Diagnostics,
    plan: Option<plan::Plan>,
    graph: Option<graph::Graph>,
    files: Option<backends::Files>,
) -> Compilation {
    diags.narrow(&sources);
    diags.sort();
    Compilation {
        sources,
        diagnostics: diags.items,
        plan,
        graph,
        files,
        roots: None,
    }
}

/// Expands, checks and orders the project for one environment (or none):
/// the plan and its graph (unordered when the graph has a cycle, which is
/// reported).
#[allow(clippy::too_many_arguments)]
fn plan_project(
    project: model::Project,
    cli_vars: &[expand::CliVar],
    environment: Option<(&str, Span)>,
    kinds: &'static kinds::Registry,
    options: &Options,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    t: &mut Timings,
) -> (plan::Plan, graph::Graph) {
    let inputs = expand::Inputs {
        vars: cli_vars,
        environment,
    };
    let mut expanded = expand::expand(&project, &inputs, kinds, diags);
    // A value given on the command line for a secret (refused, E016) is
    // never shown: a diagnostic quoting the command line would print it
    // into a CI log.
    for cli in inputs.vars {
        if expanded.secrets.contains_key(&cli.name)
            || project.secrets.iter().any(|s| s.name == cli.name)
        {
            let written = sources.slice(cli.span);
            if let Some(eq) = written.find('=') {
                let value = Span::new(
                    cli.span.file,
                    cli.span.start as usize + eq + 1,
                    cli.span.end as usize,
                );
                sources.mask(value);
            }
        }
    }
    drop(project);
    t.stage("expand");
    let mut web = web::lower(&mut expanded, options.plain_http, diags);
    let workloads = apps::lower(&mut expanded, diags);
    t.stage("web");
    let names = resolve::Names::build(&expanded.instances, kinds, diags);
    t.stage("names");
    let mut plan = check::check(&expanded, names, kinds, diags);
    web::check(&mut web, &plan, diags);
    plan.web = web;
    plan.workloads = workloads;
    diags.from_var_values(&expanded.var_origins);
    t.stage("check");
    // Freed on this thread: memory freed by another thread costs mimalloc
    // several times more.
    drop(expanded);
    let graph = graph::Graph::build(&plan);
    if let Some(order) = graph.order(&plan, diags) {
        plan.order = order;
    }
    t.stage("graph");
    (plan, graph)
}

/// Every environment planned, then split into Terraform roots
/// (`terraform/shared/`, `terraform/<environment>/`; see [`roots`]). The
/// web fronts and manifests are the first environment's when every
/// environment writes them the same, and each environment's in a folder of
/// its own otherwise.
fn compile_environments(
    project: model::Project,
    inputs: &CliInputs,
    kinds: &'static kinds::Registry,
    options: &Options,
    mut sources: SourceMap,
    mut diags: Diagnostics,
    mut t: Timings,
) -> Compilation {
    let mut plans: Vec<(String, plan::Plan)> = Vec::new();
    let mut first_graph = None;
    for env in &project.environments {
        let (plan, graph) = plan_project(
            project.clone(),
            &inputs.0,
            Some((env.name.as_str(), env.name_span)),
            kinds,
            options,
            &mut sources,
            &mut diags,
            &mut t,
        );
        first_graph.get_or_insert(graph);
        plans.push((env.name.clone(), plan));
    }
    if diags.has_errors() || options.check_only {
        let first = plans.into_iter().next().map(|(_, p)| p);
        return done(sources, diags, first, first_graph, None);
    }
    let roots = roots::split(&plans);
    let mut files = backends::Files::new();
    if let Some(shared) = &roots.shared {
        backends::terraform::emit_root(shared, &format!("terraform/{}", roots::SHARED), &mut files);
    }
    // An environment that declares nothing of its own has no root.
    for (name, root) in &roots.environments {
        if !root.resources.is_empty() || !root.outputs.is_empty() {
            backends::terraform::emit_root(root, &format!("terraform/{name}"), &mut files);
        }
    }
    // The other backends, from each environment's whole plan.
    let others: Vec<(&str, backends::Files)> = plans
        .iter()
        .map(|(name, plan)| (name.as_str(), backends::emit_all_but_terraform(plan)))
        .collect();
    let same = others.windows(2).all(|w| w[0].1 == w[1].1);
    for (name, env_files) in others {
        for (path, text) in env_files {
            let path = if same {
                path
            } else {
                match path.split_once('/') {
                    Some((engine, rest)) if engine != "k8s" => format!("{engine}/{name}/{rest}"),
                    _ => path,
                }
            };
            files.insert(path, text);
        }
    }
    t.stage("emit");
    let first = plans.into_iter().next().map(|(_, p)| p);
    let mut c = done(sources, diags, first, first_graph, Some(files));
    c.roots = Some(roots);
    c
}

type CliInputs = (Vec<expand::CliVar>, Option<(String, Span)>);

/// Command-line values get a pseudo-file of their own, so that errors in
/// them have a span like any other.
fn command_line(sources: &mut SourceMap, options: &Options, diags: &mut Diagnostics) -> CliInputs {
    let mut text = String::new();
    let mut spans = Vec::new();
    for v in &options.vars {
        let start = text.len() + "--var ".len();
        text.push_str("--var ");
        text.push_str(&v.replace('\n', " "));
        spans.push((start, text.len()));
        text.push('\n');
    }
    let env_span = options.environment.as_ref().map(|e| {
        let start = text.len() + "--env ".len();
        text.push_str("--env ");
        text.push_str(e);
        let s = (start, text.len());
        text.push('\n');
        s
    });
    let file = sources.add("<command line>", text);
    let mut vars = Vec::new();
    for (v, (start, end)) in options.vars.iter().zip(spans) {
        let span = Span::new(file, start, end);
        match v.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => vars.push(expand::CliVar {
                name: name.trim().to_string(),
                value: value.to_string(),
                span,
            }),
            _ => diags.push(
                Diagnostic::error(Code::BadCliVar, format!("`--var {v}` is not NAME=VALUE"))
                    .at(span, "expected NAME=VALUE")
                    .help("write `--var region=nyc3`"),
            ),
        }
    }
    let env = options
        .environment
        .clone()
        .zip(env_span)
        .map(|(e, (s, t))| (e, Span::new(file, s, t)));
    (vars, env)
}
