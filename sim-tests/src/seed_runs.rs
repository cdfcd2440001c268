//! What `ferrous-sim` does with any kind of run (the ordinary ones, `--crash` ones): replay one
//! seed and show its failure with the trace that led to it, or run many and list the failing
//! seeds with the command that replays each.

use std::process::ExitCode;

use ferrous_io_sim::TraceMode;
use ferrous_sim_tests::cli::Cli;
use ferrous_sim_tests::{RunFailure, RunOptions, DEFAULT_STEPS};

/// Trace records shown before a failure.
const TAIL: usize = 80;

/// One kind of run, as the command line drives it.
pub struct Kind<'a> {
    /// How a seed is named in the output ("seed", "crash seed").
    pub label: &'a str,
    /// Runs one seed; `Ok` carries nothing the list of many needs.
    pub run: &'a dyn Fn(&RunOptions) -> Result<(), RunFailure>,
    /// The command that replays a seed.
    pub replay: &'a dyn Fn(&RunOptions) -> String,
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
pub fn replay<R>(
    kind: &Kind,
    cli: &Cli,
    seed: u64,
    run: impl Fn(&RunOptions) -> Result<R, RunFailure>,
    summary: impl Fn(&R),
) -> ExitCode {
    let opts = options(cli, seed);
    match run(&opts) {
        Ok(report) => {
            summary(&report);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            print_failure(kind, &opts, &failure);
            ExitCode::FAILURE
        }
    }
}

fn print_failure(kind: &Kind, opts: &RunOptions, f: &RunFailure) {
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

pub fn run_many(kind: &Kind, cli: &Cli, seeds: impl Iterator<Item = u64>) -> ExitCode {
    let (mut passed, mut failed) = (0u64, Vec::new());
    for seed in seeds {
        let opts = options(cli, seed);
        match (kind.run)(&opts) {
            Ok(()) => passed += 1,
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
