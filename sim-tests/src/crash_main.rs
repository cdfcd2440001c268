//! `ferrous-sim --crash`: crash runs, one replayed with its summary or many with the
//! failing seeds listed.

use ferrous_io_sim::trace::fmt_time;
use ferrous_sim_tests::crash::{replay_command, run_crash, CrashReport};

use crate::seed_runs::Kind;

pub const CRASH_RUNS: Kind<CrashReport> = Kind {
    label: "crash seed",
    run: run_crash,
    replay: |opts| replay_command(opts.seed),
    summary: print_summary,
};

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
        "  AOF switch:   {} CONFIG SET appendonly sent, {} times seen back on",
        s.aof_toggles, s.aof_back_on
    );
    println!(
        "  virtual time: {} s in {} steps",
        fmt_time(r.elapsed_us).trim_matches(['[', ']']),
        r.steps
    );
    println!("trace-hash: {:016x}", r.trace_hash);
}
