//! `ferrous-sim --crash`: crash runs, one replayed with its summary or many with the
//! failing seeds listed.

use std::process::ExitCode;

use ferrous_io_sim::trace::fmt_time;
use ferrous_io_sim::TraceMode;
use ferrous_sim_tests::cli::Cli;
use ferrous_sim_tests::crash::{replay_command, run_crash, CrashReport};
use ferrous_sim_tests::{RunFailure, RunOptions, DEFAULT_STEPS};

/// Trace records shown before a failure.
const TAIL: usize = 80;

fn options(cli: &Cli, seed: u64) -> RunOptions {
    RunOptions {
        seed,
        steps: cli.steps.unwrap_or(DEFAULT_STEPS),
        trace: if cli.verbose {
            TraceMode::Print
        } else {
            TraceMode::HashOnly
        },
    }
}

pub fn replay(cli: &Cli, seed: u64) -> ExitCode {
    let opts = options(cli, seed);
    match run_crash(&opts) {
        Ok(report) => {
            print_summary(&report);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            print_failure(&opts, &failure);
            ExitCode::FAILURE
        }
    }
}

fn print_summary(r: &CrashReport) {
    let s = &r.stats;
    println!("crash seed {}: ok", r.seed);
    println!("  set-up:       {}", r.setup);
    println!(
        "  writes:       {} run, {} acknowledged, {} refused; {} acknowledged ones lost as the policy allows",
        s.writes, s.acked, s.refused, s.lost_acked
    );
    println!(
        "  crashes:      {} ({} recovered less than the server had run); {} BGSAVE, {} BGREWRITEAOF asked; {} disk faults",
        s.crashes, s.partial_recoveries, s.bgsaves, s.rewrites, r.disk_faults
    );
    println!(
        "  virtual time: {} s in {} steps",
        fmt_time(r.elapsed_us).trim_matches(['[', ']']),
        r.steps
    );
    println!("trace-hash: {:016x}", r.trace_hash);
}

fn print_failure(opts: &RunOptions, f: &RunFailure) {
    println!("crash seed {}: FAILED\n{}", f.seed, f.message);
    if opts.trace == TraceMode::HashOnly {
        let traced = RunOptions {
            trace: TraceMode::Tail(TAIL),
            ..opts.clone()
        };
        match run_crash(&traced) {
            Err(again) if again.message == f.message => {
                println!("\nlast {} trace records:", again.trace_tail.len());
                again.trace_tail.iter().for_each(|l| println!("  {l}"));
            }
            _ => println!("\nNOT DETERMINISTIC: replaying the seed did not fail the same way"),
        }
    }
    println!("\nreplay: {}", replay_command(f.seed));
    println!("trace-hash: {:016x}", f.trace_hash);
}

pub fn run_many(cli: &Cli, seeds: impl Iterator<Item = u64>) -> ExitCode {
    let (mut passed, mut failed) = (0u64, Vec::new());
    for seed in seeds {
        match run_crash(&options(cli, seed)) {
            Ok(_) => passed += 1,
            Err(f) => {
                let first_line = f.message.lines().next().unwrap_or_default();
                println!(
                    "crash seed {seed}: FAILED: {first_line}\n  replay: {}",
                    replay_command(seed)
                );
                failed.push(seed);
            }
        }
    }
    println!(
        "{} crash seeds: {passed} passed, {} failed {:?}",
        passed + failed.len() as u64,
        failed.len(),
        failed
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
