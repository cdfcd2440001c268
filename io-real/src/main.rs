//! `ferrous [/path/to/ferrous.conf] [--directive value ...]`

#[cfg(not(loom))]
use ferrous_io_real::args::{self, Startup};

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
