//! Replication runs in `cargo test`: a master and two replicas (direct, or chained through
//! node1) under link kills, replica crashes and BGSAVEs reach the master's offset and digest
//! once writing stops. 600 seeds, in two halves the harness runs on two cores.

use ferrous_sim_tests::repl::{replay_command, run_repl, ReplReport};
use ferrous_sim_tests::RunOptions;

fn run_all(seeds: std::ops::Range<u64>) -> Vec<ReplReport> {
    seeds
        .map(|seed| {
            run_repl(&RunOptions::new(seed)).unwrap_or_else(|f| {
                panic!(
                    "repl seed {seed} failed:\n{}\nreplay: {}",
                    f.message,
                    replay_command(seed)
                )
            })
        })
        .collect()
}

/// Guards against a vacuous pass: every kind of fault struck and did something, full syncs
/// happened many times over, and the writers wrote (keys expiring on the way).
fn assert_exercised(reports: &[ReplReport]) {
    let total = |f: fn(&ReplReport) -> u64| reports.iter().map(f).sum::<u64>();
    assert!(total(|r| r.stats.writes) > 200_000);
    assert!(total(|r| r.stats.multis) > 20_000 && total(|r| r.stats.scripts) > 20_000);
    assert!(total(|r| r.stats.expired_keys) > 2_500);
    assert!(total(|r| r.stats.master_links_killed) > 200);
    assert!(total(|r| r.stats.replica_links_killed) > 300);
    assert!(total(|r| r.stats.crashes) > 200);
    assert!(total(|r| r.stats.bgsaves) > 200);
    assert!(total(|r| r.stats.sync_full) > 1_000);
    assert!(reports.iter().any(|r| r.setup.starts_with("node2 replicates node1")));
    assert!(reports.iter().any(|r| r.setup.starts_with("node2 replicates node0")));
}

#[test]
fn repl_seeds_0_to_299_converge_to_the_masters_digest() {
    assert_exercised(&run_all(0..300));
}

#[test]
fn repl_seeds_300_to_599_converge_to_the_masters_digest() {
    assert_exercised(&run_all(300..600));
}
