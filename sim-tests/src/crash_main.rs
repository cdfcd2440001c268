//! `ferrous-sim --crash`: crash runs, one replayed with its summary or many with the
//! failing seeds listed.

use std::process::ExitCode;

use ferrous_io_sim::trace::fmt_time;
use ferrous_sim_tests::cli::Cli;
use ferrous_sim_tests::crash::{replay_command, run_crash, CrashReport};
use ferrous_sim_tests::RunOptions;

use crate::seed_runs::{self, Kind};

fn kind() -> Kind<'static> {
    Kind {
        label: "crash seed",
        run: &|opts: &RunOptions| run_crash(opts).map(|_| ()),
        replay: &|opts: &RunOptions| replay_command(opts.seed),
    }
}

pub fn replay(cli: &Cli, seed: u64) -> ExitCode {
    seed_runs::replay(&kind(), cli, seed, run_crash, print_summary)
}

pub fn run_many(cli: &Cli, seeds: impl Iterator<Item = u64>) -> ExitCode {
    seed_runs::run_many(&kind(), cli, seeds)
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
        "  crashes:      {} ({} recovered less than the server had run); {} BGSAVE, {} BGREWRITEAOF, {} SAVE asked; {} disk faults",
        s.crashes, s.partial_recoveries, s.bgsaves, s.rewrites, s.saves, r.disk_faults
    );
    println!(
        "  virtual time: {} s in {} steps",
        fmt_time(r.elapsed_us).trim_matches(['[', ']']),
        r.steps
    );
    println!("trace-hash: {:016x}", r.trace_hash);
}
