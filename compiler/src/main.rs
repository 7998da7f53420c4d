mod cli;

// The compiler allocates many small, short-lived values per resource;
// mimalloc serves them several times faster than the system allocator,
// most of all from the checking threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
