//! `ferrous [/path/to/ferrous.conf] [--directive value ...]`

#[cfg(not(loom))]
use ferrous_io_real::args::{self, Startup};

/// jemalloc, as Redis uses: no per-allocation header and fine size classes (less memory per
/// small key or element than glibc's malloc), and a faster path for the many short-lived
/// allocations of parsing and replying.
#[cfg(not(loom))]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Under `cfg(loom)` only the shim is built, for the model-checking tests.
#[cfg(loom)]
fn main() {}

#[cfg(not(loom))]
fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = match args::parse(&argv) {
        Startup::Print(text) => {
            println!("{text}");
            0
        }
        Startup::Fail(text) => {
            eprintln!("{text}");
            1
        }
        Startup::Run { cfg, config_file } => ferrous_io_real::run(*cfg, config_file),
    };
    std::process::exit(code);
}
