//! What `ferrous-sim` does with any kind of run (the ordinary ones, `--crash` and `--repl`
//! ones): replay one
//! seed and show its failure with the trace that led to it, or run many and list the failing
//! seeds with the command that replays each.

use std::process::ExitCode;

use ferrous_io_sim::TraceMode;
use ferrous_sim_tests::cli::Cli;
use ferrous_sim_tests::{RunFailure, RunOptions, DEFAULT_STEPS};

/// Trace records shown before a failure.
const TAIL: usize = 80;

/// One kind of run, as the command line drives it, with its report `R`.
pub struct Kind<R> {
    /// How a seed is named in the output ("seed", "crash seed").
    pub label: &'static str,
    /// Runs one seed.
    pub run: fn(&RunOptions) -> Result<R, RunFailure>,
    /// The command that replays a seed.
    pub replay: fn(&RunOptions) -> String,
    /// Prints a passing run's report.
    pub summary: fn(&R),
}

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

/// Replays one seed: its summary, or its failure.
pub fn replay<R>(kind: &Kind<R>, cli: &Cli, seed: u64) -> ExitCode {
    let opts = options(cli, seed);
    match (kind.run)(&opts) {
        Ok(report) => {
            (kind.summary)(&report);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            print_failure(kind, &opts, &failure);
            ExitCode::FAILURE
        }
    }
}

fn print_failure<R>(kind: &Kind<R>, opts: &RunOptions, f: &RunFailure) {
    println!("{} {}: FAILED\n{}", kind.label, f.seed, f.message);
    if opts.trace == TraceMode::HashOnly {
        // Runs are deterministic: replay with the trace kept to show what led to the failure.
        let traced = RunOptions {
            trace: TraceMode::Tail(TAIL),
            ..opts.clone()
        };
        match (kind.run)(&traced) {
            Err(again) if again.message == f.message => {
                println!("\nlast {} trace records:", again.trace_tail.len());
                again.trace_tail.iter().for_each(|l| println!("  {l}"));
            }
            _ => println!("\nNOT DETERMINISTIC: replaying the seed did not fail the same way"),
        }
    }
    println!("\nreplay: {}", (kind.replay)(opts));
    println!("trace-hash: {:016x}", f.trace_hash);
}

pub fn run_many<R>(kind: &Kind<R>, cli: &Cli, seeds: impl Iterator<Item = u64>) -> ExitCode {
    let (mut passed, mut failed) = (0u64, Vec::new());
    for seed in seeds {
        let opts = options(cli, seed);
        match (kind.run)(&opts) {
            Ok(_) => passed += 1,
            Err(f) => {
                let first_line = f.message.lines().next().unwrap_or_default();
                println!(
                    "{} {seed}: FAILED: {first_line}\n  replay: {}",
                    kind.label,
                    (kind.replay)(&opts)
                );
                failed.push(seed);
            }
        }
    }
    println!(
        "{} {}s: {passed} passed, {} failed {:?}",
        passed + failed.len() as u64,
        kind.label,
        failed.len(),
        failed
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
