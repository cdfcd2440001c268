//! `ferrous-sim`: replays one seeded simulation run, or runs many and lists the failing seeds
//! with the command that replays each.

mod crash_main;
mod repl_main;
mod seed_runs;

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::process::ExitCode;

use ferrous_io_sim::trace::fmt_time;
use ferrous_sim_tests::cli::{self, Cli, Mode, USAGE};
use ferrous_sim_tests::{run, Report, RunOptions};

use seed_runs::Kind;

fn main() -> ExitCode {
    let cli = match cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ferrous-sim: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match cli.mode {
        Mode::One(seed) => replay(&cli, seed),
        Mode::Range(a, b) => run_many(&cli, a..b),
        Mode::Random(n) => {
            let first = fresh_seed();
            println!("{n} random seeds from {first}");
            run_many(
                &cli,
                (0..n).map(|i| first.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))),
            )
        }
    }
}

const MODEL_RUNS: Kind<Report> = Kind {
    label: "seed",
    run,
    replay: RunOptions::replay_command,
    summary: print_summary,
};

fn replay(cli: &Cli, seed: u64) -> ExitCode {
    if cli.crash {
        return seed_runs::replay(&crash_main::CRASH_RUNS, cli, seed);
    }
    if cli.repl {
        return seed_runs::replay(&repl_main::REPL_RUNS, cli, seed);
    }
    seed_runs::replay(&MODEL_RUNS, cli, seed)
}

fn print_summary(r: &Report) {
    let s = &r.stats;
    println!("seed {}: ok", r.seed);
    println!(
        "  clients:      {} connected ({} disconnected, {} quit, {} broke the protocol, {} sent HTTP)",
        s.clients, s.disconnects, s.quits, s.protocol_errors, s.http_requests
    );
    println!(
        "  commands:     {} sent, {} run by the server, {} replies checked",
        s.commands_sent, s.commands_run, s.replies_checked
    );
    let b = &r.blocking;
    println!(
        "  blocking:     {} clients blocked: {} served, {} timed out, {} disconnected while blocked",
        b.blocked, b.served, b.timed_out, b.gone
    );
    let t = &r.transactions;
    println!(
        "  transactions: {} MULTI, {} queued; EXEC: {} ran, {} nil (WATCH), {} EXECABORT; {} DISCARD",
        t.multis, t.queued, t.committed, t.watch_failed, t.aborted, t.discarded
    );
    let p = &r.pubsub;
    println!(
        "  pub/sub:      {} subscriptions, {} messages published, {} delivered, {} subscribers reconnected",
        p.subscribed, p.published, p.delivered, s.reconnects
    );
    println!(
        "  virtual time: {} s in {} steps ({} wall-clock steps), {} trace records",
        fmt_time(r.elapsed_us).trim_matches(['[', ']']),
        r.steps,
        s.wall_clock_steps,
        r.trace_records
    );
    println!(
        "  keys at the end: {} in the model, {} in the server ({} found expired by commands)",
        r.keys, r.server_keys, r.expired_on_access
    );
    println!("trace-hash: {:016x}", r.trace_hash);
}

fn run_many(cli: &Cli, seeds: impl Iterator<Item = u64>) -> ExitCode {
    if cli.crash {
        return seed_runs::run_many(&crash_main::CRASH_RUNS, cli, seeds);
    }
    if cli.repl {
        return seed_runs::run_many(&repl_main::REPL_RUNS, cli, seeds);
    }
    seed_runs::run_many(&MODEL_RUNS, cli, seeds)
}

/// A seed nobody chose: std's per-process random hash keys.
fn fresh_seed() -> u64 {
    RandomState::new().hash_one(std::time::SystemTime::now())
}
