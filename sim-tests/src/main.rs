//! `ferrous-sim --seed N [--sessions M]` replays one seeded run and prints its trace hash last.
//! `ferrous-sim --seeds A..B` or `--random N` runs many and lists every failing seed.

use std::process::ExitCode;

use ferrous_sim_tests::{run, RunReport};

struct Opts {
    seeds: Vec<u64>,
    sessions: usize,
}

fn usage() -> ! {
    eprintln!("usage: ferrous-sim (--seed N | --seeds A..B | --random COUNT) [--sessions M]");
    std::process::exit(2)
}

fn parse_opts() -> Opts {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut opts = Opts {
        seeds: Vec::new(),
        sessions: 20,
    };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_else(|| usage());
        match args[i].as_str() {
            "--seed" => opts.seeds = vec![value.parse().unwrap_or_else(|_| usage())],
            "--seeds" => {
                let (a, b) = value.split_once("..").unwrap_or_else(|| usage());
                let (a, b): (u64, u64) = (
                    a.parse().unwrap_or_else(|_| usage()),
                    b.parse().unwrap_or_else(|_| usage()),
                );
                opts.seeds = (a..b).collect();
            }
            "--random" => {
                let n: u64 = value.parse().unwrap_or_else(|_| usage());
                let base = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1);
                opts.seeds = (0..n)
                    .map(|k| base.wrapping_mul(6364136223846793005).wrapping_add(k))
                    .collect();
            }
            "--sessions" => opts.sessions = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
        i += 2;
    }
    if opts.seeds.is_empty() {
        usage();
    }
    opts
}

fn replay_command(seed: u64) -> String {
    format!("cargo run -p ferrous-sim-tests --bin ferrous-sim -- --seed {seed}")
}

/// Runs one seed, turning a panic into a failure with the seed.
fn run_caught(seed: u64, sessions: usize) -> RunReport {
    match std::panic::catch_unwind(|| run(seed, sessions)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            RunReport {
                seed,
                trace_hash: 0,
                trace_events: 0,
                sessions,
                commands: 0,
                replies_checked: 0,
                virtual_ms: 0,
                failure: Some(format!("panic: {}", msg.unwrap_or_default())),
            }
        }
    }
}

fn main() -> ExitCode {
    let opts = parse_opts();
    let mut failed = Vec::new();
    for &seed in &opts.seeds {
        let r = run_caught(seed, opts.sessions);
        println!(
            "seed {seed}: sessions={} commands={} replies-checked={} virtual-time={}ms trace-events={}",
            r.sessions, r.commands, r.replies_checked, r.virtual_ms, r.trace_events
        );
        if let Some(f) = &r.failure {
            println!("FAILED seed {seed}: {f}\n  replay: {}", replay_command(seed));
            failed.push(seed);
        }
        if opts.seeds.len() == 1 {
            println!("trace-hash: {:016x}", r.trace_hash);
        }
    }
    if opts.seeds.len() > 1 {
        println!(
            "{} seeds, {} failed{}",
            opts.seeds.len(),
            failed.len(),
            if failed.is_empty() { "" } else { ":" }
        );
        for s in &failed {
            println!("  {}", replay_command(*s));
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
