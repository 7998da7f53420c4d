//! The command line: the only code that touches the file system, the
//! environment and the terminal.

use clap::{Parser, Subcommand, ValueEnum};
use infrac::diag::{render_human, render_json};
use infrac::disk::{project_root, Disk, MAX_SOURCE_BYTES};
use infrac::{compile, Compilation, Options, World};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Writes to standard output; a reader that went away (`infrac graph … |
/// head -1`) ends the process quietly, as Unix tools do, instead of a panic.
fn write_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(EXIT_OK.into());
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(EXIT_IO.into());
    }
}

macro_rules! say {
    ($($arg:tt)*) => { write_stdout(&format!("{}\n", format_args!($($arg)*))) };
}

macro_rules! say_raw {
    ($($arg:tt)*) => { write_stdout(&format!($($arg)*)) };
}

fn import(
    files: &[PathBuf],
    out: Option<&Path>,
    registry: &'static infrac::kinds::Registry,
    on: Option<&str>,
) -> ExitCode {
    let mut read = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(text) => read.push((f.display().to_string(), text)),
            Err(e) => {
                eprintln!("error: reading {}: {e}", f.display());
                return ExitCode::from(EXIT_IO);
            }
        }
    }
    let imported = match infrac::import::import(&read, registry, on) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_PROJECT_ERRORS);
        }
    };
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    match out {
        Some(path) => {
            let written = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .and_then(|mut f| f.write_all(imported.kdl.as_bytes()));
            if let Err(e) = written {
                eprintln!("error: writing {}: {e}", path.display());
                return ExitCode::from(EXIT_IO);
            }
            eprintln!(
                "imported {} into {} ({} to review)",
                count(imported.resources, "resource"),
                path.display(),
                count(imported.warnings.len(), "warning")
            );
        }
        None => say_raw!("{}", imported.kdl),
    }
    ExitCode::from(EXIT_OK)
}

/// The section of docs/diagnostics.md headed `## CODE name`, found by the
/// code or the name.
fn explain(code: &str) -> Result<String, String> {
    const DOCS: &str = include_str!("../../docs/diagnostics.md");
    let wanted = code.trim().to_ascii_uppercase();
    let mut sections = DOCS.split("\n## ").skip(1);
    let found = sections.find(|s| {
        let mut heading = s.lines().next().unwrap_or_default().split_whitespace();
        let (c, name) = (
            heading.next().unwrap_or_default(),
            heading.next().unwrap_or_default(),
        );
        c == wanted || name.eq_ignore_ascii_case(code.trim())
    });
    match found {
        Some(section) => Ok(format!("## {}\n", section.trim_end())),
        None => Err(format!(
            "`{code}` is not a diagnostic code of infrac (they are E001…, W001…; docs/diagnostics.md lists them)"
        )),
    }
}

/// `1 resource`, `2 resources`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Exit codes, documented in `--help` and docs/cli.md.
pub const EXIT_OK: u8 = 0;
pub const EXIT_PROJECT_ERRORS: u8 = 1;
pub const EXIT_IO: u8 = 3;

#[derive(Parser)]
#[command(
    name = "infrac",
    version,
    about = "Compile infrastructure described in KDL into Terraform and server configs.",
    long_about = "infrac reads a project folder (an `infra.kdl` entry file and the files it imports), \
checks it against the real provider schemas, and writes Terraform (and server configurations) into an \
output folder.\n\nA first project:\n\n  provider \"digitalocean\" token=(secret)\"do_token\"\n  domain \"example.com\"\n  \
droplet \"web\" region=\"ams3\" size=\"s-1vcpu-1gb\" image=\"ubuntu-24-04-x64\"\n  \
record \"www\" fqdn=\"www.example.com\" type=\"A\" value=(ref)\"droplet.web.ipv4\"\n\n\
Then `infrac build` writes out/terraform/*.tf; run `terraform init && terraform plan` there.",
    after_help = "Exit codes: 0 success; 1 the project has errors (diagnostics are printed); \
2 bad command line; 3 a file could not be read or written.\n\nDocs: docs/language.md, docs/diagnostics.md, docs/backends/."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ProjectArgs {
    /// The project: its folder, or any file or folder inside it (the
    /// nearest folder above with an infra.kdl is the project, as git finds
    /// its repository)
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Set a variable: --var region=nyc3 (repeatable; wins over --env and defaults)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Use the variable values of an `environment` block (check, graph and
    /// diff; build writes every environment)
    #[arg(long = "env", value_name = "NAME")]
    environment: Option<String>,
    /// Test switch for web fronts: serve every site over plain HTTP on PORT, TLS off (for local previews and request tests; never deploy it)
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    plain_http: Option<u16>,
}

#[derive(Subcommand)]
enum Command {
    /// Compile the project and write the output folder (atomically; only files infrac wrote are replaced or removed)
    Build {
        #[command(flatten)]
        project: ProjectArgs,
        /// Output folder [default: DIR/out]
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check the project and print diagnostics without writing anything
    Check {
        #[command(flatten)]
        project: ProjectArgs,
        /// human: rendered for people; json: one object per diagnostic, for editors
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
    },
    /// Print the dependency graph of the resources
    Graph {
        #[command(flatten)]
        project: ProjectArgs,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Show what a build would change, without writing anything
    ///
    /// Compares the output the project compiles to now with the output folder
    /// (default) or with the project as it was at a git revision (--base),
    /// compiled in memory. Prints a summary (resources to create, update,
    /// replace and delete, with the resources that depend on them) and the
    /// file diffs. Exit codes: 0 no changes (or changes without --exit-code),
    /// 1 changes with --exit-code, 2 errors, 3 destructive changes with
    /// --exit-code (a replacement, or the delete of a stateful resource).
    Diff {
        #[command(flatten)]
        project: ProjectArgs,
        /// Output folder to compare with [default: DIR/out]
        #[arg(long, conflicts_with = "base")]
        out: Option<PathBuf>,
        /// Compare with the project at this git revision, e.g. origin/main
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// human: for a terminal; markdown: for a pull-request comment; json: for bots
        #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
        format: DiffFormat,
        /// Exit with 1 when there are changes, like `git diff --exit-code`
        #[arg(long)]
        exit_code: bool,
    },
    /// List the resource kinds, or the attributes of one kind
    Kinds {
        /// A kind (droplet, aws-sqs-queue, site), a block of one
        /// (firewall.inbound-rule) or a component
        kind: Option<String>,
        /// The project whose components are listed too
        #[arg(long, short = 'p', default_value = ".")]
        project: PathBuf,
        /// Print the reference of every kind as Markdown (docs/kinds.md)
        #[arg(long, conflicts_with = "kind")]
        markdown: bool,
        /// Print the listing, or the kind, as JSON (for tools)
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
    },
    /// Run the language server on stdin and stdout (for editors)
    ///
    /// Diagnostics as `check` prints them on every change, formatting,
    /// outline, go to definition, hover and completion.
    Lsp,
    /// Format .kdl files in infrac's one layout (comments kept; only
    /// whitespace changes)
    ///
    /// Each path is a file or a folder (its .kdl files, hidden folders and
    /// `out` and `target` aside). A file with a syntax error is reported and
    /// left as it is. Exit codes: 0 formatted (or, with --check, nothing to
    /// change), 1 a file needs formatting (--check) or has errors, 3 a file
    /// could not be read or written.
    Fmt {
        /// Files or folders [default: .]
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that are not formatted
        #[arg(long)]
        check: bool,
    },
    /// Write KDL for what already exists: from Terraform state or .tf files
    ///
    /// Each FILE is a `terraform.tfstate`, the JSON `terraform show -json`
    /// prints (of a state or a plan), or a `.tf` file. Every managed
    /// resource of a type infrac has a schema for becomes a declaration,
    /// with `import-id` (from state) so that `terraform apply` adopts it,
    /// and references where an attribute holds another resource's id or
    /// address. What cannot be carried over is listed on stderr and marked
    /// in the KDL with a comment; nothing is dropped silently.
    Import {
        /// Terraform state (JSON), .tf files, nginx configs, Caddyfiles
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The droplet the imported sites run on (by default, the one each
        /// web config's folder is named after: `nginx/web/nginx.conf`), or
        /// `machine.NAME` for a machine infrac does not create
        #[arg(long)]
        on: Option<String>,
        /// Write the KDL to this file (never over an existing one) instead
        /// of standard output
        #[arg(long, short = 'o')]
        out: Option<PathBuf>,
        /// A project whose providers (brought with their schemas) give the
        /// kinds of types infrac does not ship
        #[arg(long, short = 'p')]
        project: Option<PathBuf>,
    },
    /// Explain a diagnostic code: what it means and how to fix it (its
    /// section of docs/diagnostics.md)
    Explain {
        /// A code, e.g. E003 (or its name, unknown-attribute)
        code: String,
    },
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell
    ///
    /// bash: `infrac completions bash > ~/.local/share/bash-completion/completions/infrac`;
    /// zsh: `infrac completions zsh > ~/.zfunc/_infrac` (with ~/.zfunc on fpath);
    /// fish: `infrac completions fish > ~/.config/fish/completions/infrac.fish`.
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Human,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

/// The project as it is at a git revision, read with `git show` (each
/// argument passed as is, so paths with spaces are safe).
struct GitWorld {
    top: PathBuf,
    prefix: String,
    rev: String,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        String::from_utf8(out.stdout)
            .map_err(|_| "git printed something that is not UTF-8".to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

impl GitWorld {
    fn new(dir: &Path, rev: &str) -> Result<GitWorld, String> {
        let top = git(dir, &["rev-parse", "--show-toplevel"])?;
        let prefix = git(dir, &["rev-parse", "--show-prefix"])?;
        git(
            dir,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ],
        )
        .map_err(|_| format!("`{rev}` is not a revision of this repository"))?;
        Ok(GitWorld {
            top: PathBuf::from(top.trim_end()),
            prefix: prefix.trim_end().to_string(),
            rev: rev.to_string(),
        })
    }
}

impl World for GitWorld {
    /// As on disk: links (mode 120000, the blob holds the target) are
    /// followed inside the revision's tree and must stay inside the project
    /// folder; the file must be a regular file within the size limit.
    fn read(&self, path: &str) -> Result<String, String> {
        let mut rel = path.to_string();
        for _ in 0..40 {
            let full = format!("{}{}", self.prefix, rel);
            let listing = git(
                &self.top,
                &[
                    "--literal-pathspecs",
                    "ls-tree",
                    "-z",
                    "--long",
                    &self.rev,
                    "--",
                    &full,
                ],
            )
            .map_err(|_| format!("no such file at {}", self.rev))?;
            // `<mode> <type> <object> <size>\t<path>`
            let Some((info, _)) = listing.split_once('\t') else {
                return Err(format!("no such file at {}", self.rev));
            };
            let fields: Vec<&str> = info.split_whitespace().collect();
            let [mode, _, object, size] = fields.as_slice() else {
                return Err(format!("git listed `{full}` in an unexpected form"));
            };
            match *mode {
                "120000" => {
                    let target = git(&self.top, &["cat-file", "blob", object])?;
                    rel = infrac::load::join_path(&rel, &target).ok_or_else(|| {
                        "it is a link to a file outside the project folder".to_string()
                    })?;
                }
                "100644" | "100755" => {
                    if size.parse::<u64>().map_or(true, |n| n > MAX_SOURCE_BYTES) {
                        return Err(format!("larger than {} MiB", MAX_SOURCE_BYTES >> 20));
                    }
                    return git(&self.top, &["cat-file", "blob", object])
                        .map_err(|_| "not UTF-8 text".to_string());
                }
                _ => return Err("not a regular file".to_string()),
            }
        }
        Err("too many levels of links".to_string())
    }
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn run_compile(project: &ProjectArgs, check_only: bool) -> Result<Compilation, ExitCode> {
    let world = Disk {
        root: project.dir.clone(),
    };
    let options = Options {
        vars: project.vars.clone(),
        environment: project.environment.clone(),
        plain_http: project.plain_http,
        check_only,
    };
    Ok(compile(&world, &options))
}

fn print_diagnostics(c: &Compilation) {
    if !c.diagnostics.is_empty() {
        let text = render_human(&c.diagnostics, &c.sources, color());
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        let errors = c.diagnostics.iter().filter(|d| d.is_error()).count();
        let warnings = c.diagnostics.len() - errors;
        if errors > 0 {
            let _ = writeln!(
                err,
                "error: {errors} error(s), {warnings} warning(s); nothing was written"
            );
        }
    }
}

pub fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if let Command::Build { project, .. }
    | Command::Check { project, .. }
    | Command::Graph { project, .. }
    | Command::Diff { project, .. } = &mut cli.command
    {
        match project_root(&project.dir) {
            Ok(root) => project.dir = root,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_IO);
            }
        }
    }
    match cli.command {
        Command::Build { project, out } => {
            // One environment's Terraform as a single root would hold what
            // the environments share too: applied, it would make those
            // resources again under that environment's state.
            if let Some(env) = &project.environment {
                eprintln!(
                    "error: `build` writes every environment (out/terraform/shared/ and out/terraform/<environment>/), so `--env {env}` is not needed; `check`, `graph` and `diff` take --env to look at one"
                );
                return ExitCode::from(2);
            }
            let start = Instant::now();
            let c = match run_compile(&project, false) {
                Ok(c) => c,
                Err(code) => return code,
            };
            print_diagnostics(&c);
            let Some(files) = &c.files else {
                return ExitCode::from(EXIT_PROJECT_ERRORS);
            };
            let out = out.unwrap_or_else(|| project.dir.join("out"));
            let written = infrac::output::write(&out, files);
            // Data sources are read, not built.
            let (resources, data) = c.plan.as_ref().map_or((0, 0), |p| {
                let data = p.resources.iter().filter(|r| r.kind.is_data()).count();
                let external = p.resources.iter().filter(|r| r.is_external()).count();
                (p.resources.len() - data - external, data)
            });
            let data = match data {
                0 => String::new(),
                1 => " (and 1 data source)".to_string(),
                n => format!(" (and {n} data sources)"),
            };
            // The process ends here: freeing a large plan piece by piece
            // would only cost time (about 5% of a 20,000-resource build).
            std::mem::forget(c);
            match written {
                Ok(s) => {
                    say!(
                        "built {}{data} into {}: {} files written, {} unchanged, {} removed in {} ms",
                        count(resources, "resource"),
                        display(&out),
                        s.written,
                        s.unchanged,
                        s.removed,
                        start.elapsed().as_millis()
                    );
                    ExitCode::from(EXIT_OK)
                }
                Err(e) => {
                    eprintln!("error: writing {}: {e}", display(&out));
                    ExitCode::from(EXIT_IO)
                }
            }
        }
        Command::Check { project, format } => {
            let c = match run_compile(&project, true) {
                Ok(c) => c,
                Err(code) => return code,
            };
            match format {
                CheckFormat::Human => {
                    print_diagnostics(&c);
                    if !c.has_errors() {
                        let n = c.plan.as_ref().map_or(0, |p| p.resources.len());
                        match c.diagnostics.len() {
                            0 => say!("ok: {}, no errors", count(n, "resource")),
                            w => say!(
                                "ok: {}, no errors, {}",
                                count(n, "resource"),
                                count(w, "warning")
                            ),
                        }
                    }
                }
                CheckFormat::Json => {
                    let json = render_json(&c.diagnostics, &c.sources);
                    say!(
                        "{}",
                        serde_json::to_string_pretty(&json).unwrap_or_default()
                    );
                }
            }
            ExitCode::from(if c.has_errors() {
                EXIT_PROJECT_ERRORS
            } else {
                EXIT_OK
            })
        }
        Command::Graph { project, format } => {
            let c = match run_compile(&project, true) {
                Ok(c) => c,
                Err(code) => return code,
            };
            print_diagnostics(&c);
            let (Some(plan), Some(graph)) = (&c.plan, &c.graph) else {
                return ExitCode::from(EXIT_PROJECT_ERRORS);
            };
            if c.has_errors() {
                return ExitCode::from(EXIT_PROJECT_ERRORS);
            }
            let text = match format {
                GraphFormat::Dot => graph.to_dot(plan, &plan.order),
                GraphFormat::Mermaid => graph.to_mermaid(plan, &plan.order),
                GraphFormat::Json => format!("{:#}\n", graph.to_json(plan, &plan.order)),
            };
            say_raw!("{text}");
            ExitCode::from(EXIT_OK)
        }
        Command::Diff {
            project,
            out,
            base,
            format,
            exit_code,
        } => diff(&project, out, base, format, exit_code),
        Command::Fmt { paths, check } => format_files(&paths, check),
        Command::Import {
            files,
            out,
            project,
            on,
        } => {
            let registry = match project {
                Some(dir) => match project_root(&dir) {
                    Ok(root) => infrac::catalog(Some(&Disk { root })).1,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(EXIT_IO);
                    }
                },
                None => infrac::kinds::registry(),
            };
            import(&files, out.as_deref(), registry, on.as_deref())
        }
        Command::Explain { code } => match explain(&code) {
            Ok(text) => {
                say_raw!("{text}");
                ExitCode::from(EXIT_OK)
            }
            Err(why) => {
                eprintln!("error: {why}");
                ExitCode::from(2)
            }
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "infrac",
                &mut script,
            );
            say_raw!("{}", String::from_utf8_lossy(&script));
            ExitCode::from(EXIT_OK)
        }
        Command::Lsp => match infrac::lsp::run() {
            Ok(()) => ExitCode::from(EXIT_OK),
            Err(why) => {
                eprintln!("error: {why}");
                ExitCode::from(EXIT_IO)
            }
        },
        Command::Kinds { markdown: true, .. } => {
            say_raw!("{}", infrac::kinds::reference_markdown());
            ExitCode::from(EXIT_OK)
        }
        Command::Kinds {
            kind,
            project,
            json,
            ..
        } => {
            let disk = Disk {
                root: project.clone(),
            };
            let world: Option<&dyn World> = project
                .join(infrac::load::ENTRY_FILE)
                .is_file()
                .then_some(&disk as &dyn World);
            let (components, registry) = infrac::catalog(world);
            let text = if json {
                infrac::kinds::describe_json(kind.as_deref(), &components, registry)
                    .map(|v| format!("{v:#}\n"))
            } else {
                infrac::kinds::describe(kind.as_deref(), &components, registry)
            };
            match text {
                Ok(t) => {
                    say_raw!("{t}");
                    ExitCode::from(EXIT_OK)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(EXIT_PROJECT_ERRORS)
                }
            }
        }
    }
}

const EXIT_DIFF_CHANGES: u8 = 1;
const EXIT_DIFF_ERROR: u8 = 2;
/// Changes that destroy data: a replacement, or the delete of a stateful
/// resource or volume claim.
const EXIT_DIFF_DESTRUCTIVE: u8 = 3;

/// The earlier side of a diff: the project compiled at a git revision.
/// `None` when the project is new at that revision: everything is created.
fn compile_base(project: &ProjectArgs, rev: &str) -> Result<Option<Compilation>, String> {
    let world = GitWorld::new(&project.dir, rev)?;
    if world.read(infrac::load::ENTRY_FILE).is_err() {
        return Ok(None);
    }
    let options = Options {
        vars: project.vars.clone(),
        environment: project.environment.clone(),
        plain_http: project.plain_http,
        check_only: false,
    };
    let old = compile(&world, &options);
    if old.files.is_none() {
        return Err(format!(
            "the project does not compile at {rev}:\n{}",
            render_human(&old.diagnostics, &old.sources, color())
        ));
    }
    Ok(Some(old))
}

fn diff(
    project: &ProjectArgs,
    out: Option<PathBuf>,
    base: Option<String>,
    format: DiffFormat,
    exit_code: bool,
) -> ExitCode {
    // Both sides are pure compilations: with --base they run side by side.
    let (c, old) = std::thread::scope(|scope| {
        let old = base
            .as_ref()
            .map(|rev| scope.spawn(|| compile_base(project, rev)));
        let c = run_compile(project, false);
        (
            c,
            old.map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("compiling the base revision failed".to_string()))
            }),
        )
    });
    let c = match c {
        Ok(c) => c,
        Err(_) => return ExitCode::from(EXIT_DIFF_ERROR),
    };
    print_diagnostics(&c);
    let (Some(plan), Some(graph)) = (&c.plan, &c.graph) else {
        return ExitCode::from(EXIT_DIFF_ERROR);
    };
    let old = match &old {
        Some(Ok(Some(base))) => infrac::diff::Side::compiled(base).unwrap_or_default(),
        Some(Ok(None)) => Default::default(),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_DIFF_ERROR);
        }
        None => {
            let out = out.unwrap_or_else(|| project.dir.join("out"));
            let mut old = infrac::backends::Files::new();
            for path in infrac::output::read_manifest(&out) {
                if let Ok(text) = std::fs::read_to_string(out.join(&path)) {
                    old.insert(path, text);
                }
            }
            infrac::diff::Side::written(old)
        }
    };
    let Some(new) = infrac::diff::Side::compiled(&c) else {
        return ExitCode::from(EXIT_DIFF_ERROR);
    };
    let mut report = infrac::diff::diff(&old, &new, Some((plan, graph)), infrac::kinds::registry());
    // The project by its folder's name, and the environment compiled.
    let folder = project
        .dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "project".to_string());
    report.subject = Some(match (&project.environment, &c.roots) {
        (Some(env), _) => format!("{folder}, environment {env}"),
        (None, Some(roots)) => {
            let names: Vec<&str> = roots.environments.iter().map(|(n, _)| n.as_str()).collect();
            format!(
                "{folder}, environments {} (and what they share)",
                names.join(", ")
            )
        }
        (None, None) => folder,
    });
    let text = match format {
        DiffFormat::Human => infrac::diff::render_human(
            &report,
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
        ),
        DiffFormat::Markdown => infrac::diff::render_markdown(&report),
        DiffFormat::Json => infrac::diff::render_json(&report),
    };
    say_raw!("{text}");
    let changed = !report.is_empty();
    std::mem::forget(c);
    ExitCode::from(match (exit_code, changed, report.is_destructive()) {
        (true, true, true) => EXIT_DIFF_DESTRUCTIVE,
        (true, true, false) => EXIT_DIFF_CHANGES,
        _ => EXIT_OK,
    })
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// `infrac fmt`: formats (or with `check`, checks) every .kdl file named or
/// inside a folder named.
fn format_files(paths: &[PathBuf], check: bool) -> ExitCode {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            kdl_files(p, &mut files);
        } else {
            files.push(p.clone());
        }
    }
    files.sort();
    files.dedup();
    let (mut unformatted, mut errors, mut io) = (0, 0, false);
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                io = true;
                continue;
            }
        };
        let mut sources = infrac::source::SourceMap::default();
        let file = sources.add(path.display().to_string(), text.as_str());
        let problems = match infrac::parse::parse(file, &text) {
            Err(diags) => diags,
            Ok(_) => match infrac::formatter::format(&text) {
                Ok(formatted) if formatted == text => continue,
                Ok(formatted) => {
                    unformatted += 1;
                    if check {
                        say!("{}", path.display());
                    } else if let Err(e) = write_atomically(path, &formatted) {
                        eprintln!("error: cannot write {}: {e}", path.display());
                        io = true;
                    }
                    continue;
                }
                Err(why) => {
                    vec![
                        infrac::diag::Diagnostic::error(infrac::diag::Code::Syntax, why.message)
                            .at(infrac::source::Span { file, ..why.span }, "here")
                            .help("fix the file, then format it"),
                    ]
                }
            },
        };
        errors += 1;
        eprint!("{}", render_human(&problems, &sources, color()));
    }
    if io {
        return ExitCode::from(EXIT_IO);
    }
    if errors > 0 || (check && unformatted > 0) {
        if check && unformatted > 0 {
            eprintln!("{unformatted} file(s) not formatted: run `infrac fmt`");
        }
        return ExitCode::from(EXIT_PROJECT_ERRORS);
    }
    ExitCode::from(EXIT_OK)
}

fn kdl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !name.starts_with('.') && name != "out" && name != "target" {
                kdl_files(&path, out);
            }
        } else if name.ends_with(".kdl") {
            out.push(path);
        }
    }
}

/// Replaces a file through a temporary file beside it: a reader sees the
/// old text or the new, never half of it.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("kdl.infrac-fmt.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}
