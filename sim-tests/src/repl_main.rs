//! `ferrous-sim --repl`: replication runs, one replayed with its summary or many with the
//! failing seeds listed.

use ferrous_io_sim::trace::fmt_time;
use ferrous_sim_tests::repl::{replay_command, run_repl, ReplReport};

use crate::seed_runs::Kind;

pub const REPL_RUNS: Kind<ReplReport> = Kind {
    label: "repl seed",
    run: run_repl,
    replay: |opts| replay_command(opts.seed),
    summary: print_summary,
};

fn print_summary(r: &ReplReport) {
    let s = &r.stats;
    println!("repl seed {}: ok", r.seed);
    println!("  set-up:       {}", r.setup);
    println!(
        "  writes:       {} sent ({} MULTI blocks, {} scripts), {} replies; {} keys expired on the master",
        s.writes, s.multis, s.scripts, s.replies, s.expired_keys
    );
    println!(
        "  faults:       {} CLIENT KILL TYPE master ({} links closed), {} CLIENT KILL TYPE replica ({} closed), {} replica crashes, {} BGSAVE",
        s.master_kills, s.master_links_killed, s.replica_kills, s.replica_links_killed, s.crashes, s.bgsaves
    );
    println!(
        "  syncs:        {} full syncs (INFO sync_full), {} SYNC/PSYNC asked",
        s.sync_full, s.syncs_asked
    );
    println!(
        "  convergence:  {} s after writing stopped, {} audit rounds",
        fmt_time(s.converged_after_us).trim_matches(['[', ']']),
        s.audit_rounds
    );
    println!(
        "  virtual time: {} s in {} steps",
        fmt_time(r.elapsed_us).trim_matches(['[', ']']),
        r.steps
    );
    println!("trace-hash: {:016x}", r.trace_hash);
}
