//! Command line: `ferrous [/path/to/ferrous.conf] [--directive value ...]`, as redis-server.

use ferrous_core::config::{options_to_text, ConfigFileError};
use ferrous_core::{Config, REDIS_VERSION};

pub enum Startup {
    Run {
        cfg: Box<Config>,
        config_file: String,
    },
    /// Print this and exit with status 0 (`--version`, `--help`).
    Print(String),
    /// Print this to stderr and exit with status 1.
    Fail(String),
}

pub fn parse(args: &[String]) -> Startup {
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => {
            return Startup::Print(format!(
                "Redis server v={REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=0 (ferrous {})",
                env!("CARGO_PKG_VERSION")
            ))
        }
        Some("-h" | "--help") => return Startup::Print(usage()),
        _ => {}
    }
    let (config_file, options) = match args.first() {
        Some(first) if !first.starts_with("--") => (first.clone(), &args[1..]),
        _ => (String::new(), args),
    };
    if let Some(stray) = options.first().filter(|o| !o.starts_with("--")) {
        return Startup::Fail(format!(
            "Invalid option '{stray}': options must start with --\n{}",
            usage()
        ));
    }
    let mut text = String::new();
    if !config_file.is_empty() {
        match std::fs::read_to_string(&config_file) {
            Ok(t) => text = t,
            Err(e) => return Startup::Fail(format!("Fatal error, can't open config file '{config_file}': {e}")),
        }
    }
    let file_lines = text.split('\n').count();
    if !options.is_empty() {
        // As Redis: the options follow the file's text after a newline.
        text.push('\n');
        text.push_str(&options_to_text(options));
    }
    match Config::from_text(&text) {
        Ok(cfg) => Startup::Run {
            cfg: Box::new(cfg),
            config_file: absolute(&config_file),
        },
        Err(e) => Startup::Fail(render(&e, &config_file, file_lines)),
    }
}

/// Redis' fatal config error, plus where the bad line came from.
fn render(e: &ConfigFileError, file: &str, file_lines: usize) -> String {
    let origin = if !file.is_empty() && e.line_no <= file_lines {
        format!("in the configuration file '{file}'")
    } else {
        "from the command-line options".to_string()
    };
    e.render(REDIS_VERSION, &origin)
}

fn absolute(path: &str) -> String {
    if path.is_empty() {
        return String::new();
    }
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.to_string())
}

fn usage() -> String {
    "Usage: ./ferrous [/path/to/ferrous.conf] [options] [-]\n       ./ferrous -v or --version\n       ./ferrous -h or --help\n\nExamples:\n       ./ferrous (run the server with default conf)\n       ./ferrous /etc/redis/6379.conf\n       ./ferrous --port 7777\n       ./ferrous /etc/myredis.conf --loglevel verbose\n".into()
}
