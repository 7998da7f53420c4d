//! The command line: the only code that touches the file system, the
//! environment and the terminal.

use clap::{Parser, Subcommand, ValueEnum};
use infrac::diag::{render_human, render_json};
use infrac::{compile, Compilation, Options, World};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
    /// Project folder containing infra.kdl
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Set a variable: --var region=nyc3 (repeatable; wins over --env and defaults)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// Use the variable values of an `environment` block
    #[arg(long = "env", value_name = "NAME")]
    environment: Option<String>,
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
    /// List the resource kinds, or the attributes of one kind
    Kinds {
        /// A kind, e.g. droplet
        kind: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
}

struct Disk {
    root: PathBuf,
}

impl World for Disk {
    fn read(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(self.root.join(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        })
    }
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn run_compile(project: &ProjectArgs) -> Result<Compilation, ExitCode> {
    if !project.dir.join(infrac::load::ENTRY_FILE).is_file() {
        eprintln!(
            "error: {} has no {} (a project is a folder with an {} entry file)",
            project.dir.display(),
            infrac::load::ENTRY_FILE,
            infrac::load::ENTRY_FILE
        );
        return Err(ExitCode::from(EXIT_IO));
    }
    let world = Disk {
        root: project.dir.clone(),
    };
    let options = Options {
        vars: project.vars.clone(),
        environment: project.environment.clone(),
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
    let cli = Cli::parse();
    match cli.command {
        Command::Build { project, out } => {
            let start = Instant::now();
            let c = match run_compile(&project) {
                Ok(c) => c,
                Err(code) => return code,
            };
            print_diagnostics(&c);
            let Some(files) = &c.files else {
                return ExitCode::from(EXIT_PROJECT_ERRORS);
            };
            let out = out.unwrap_or_else(|| project.dir.join("out"));
            let written = infrac::output::write(&out, files);
            let resources = c.plan.as_ref().map_or(0, |p| p.resources.len());
            // The process ends here: freeing a large plan piece by piece
            // would only cost time (about 5% of a 20,000-resource build).
            std::mem::forget(c);
            match written {
                Ok(s) => {
                    println!(
                        "built {resources} resources into {}: {} files written, {} unchanged, {} removed in {} ms",
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
            let c = match run_compile(&project) {
                Ok(c) => c,
                Err(code) => return code,
            };
            match format {
                CheckFormat::Human => {
                    print_diagnostics(&c);
                    if !c.has_errors() {
                        let n = c.plan.as_ref().map_or(0, |p| p.resources.len());
                        println!("ok: {n} resources, no errors");
                    }
                }
                CheckFormat::Json => {
                    let json = render_json(&c.diagnostics, &c.sources);
                    println!(
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
            let c = match run_compile(&project) {
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
            };
            print!("{text}");
            ExitCode::from(EXIT_OK)
        }
        Command::Kinds { kind } => {
            let text = infrac::kinds::describe(kind.as_deref());
            match text {
                Ok(t) => {
                    print!("{t}");
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

fn display(p: &Path) -> String {
    p.display().to_string()
}
