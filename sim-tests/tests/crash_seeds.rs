//! Crash runs in `cargo test`: the node crashes during writes, BGSAVE and BGREWRITEAOF (and
//! with the AOF turned off and on) and restarts from its disk, and every recovered dataset is
//! a prefix of the history that keeps what `appendfsync` promised. 500 seeds, in two halves
//! the harness runs on two cores (about 20 s in a debug build).

use ferrous_sim_tests::crash::{replay_command, run_crash, CrashReport};
use ferrous_sim_tests::RunOptions;

fn run_all(seeds: std::ops::Range<u64>) -> Vec<CrashReport> {
    seeds
        .map(|seed| {
            run_crash(&RunOptions::new(seed)).unwrap_or_else(|f| {
                panic!(
                    "crash seed {seed} failed:\n{}\nreplay: {}",
                    f.message,
                    replay_command(seed)
                )
            })
        })
        .collect()
}

/// Guards against a vacuous pass: crashes lost data the policies allowed to lose, disks
/// failed, writes were refused, and recoveries held less than the server had run.
fn assert_exercised(reports: &[CrashReport]) {
    let total = |f: fn(&CrashReport) -> u64| reports.iter().map(f).sum::<u64>();
    assert!(total(|r| r.stats.crashes) > 50);
    assert!(total(|r| r.stats.acked) > 10_000);
    assert!(total(|r| r.stats.lost_acked) > 100);
    assert!(total(|r| r.stats.partial_recoveries) > 20);
    assert!(total(|r| r.disk_faults as u64) > 10);
    assert!(total(|r| r.stats.rewrites) > 20 && total(|r| r.stats.bgsaves) > 20);
    assert!(total(|r| r.stats.aof_toggles) > 50 && total(|r| r.stats.aof_back_on) > 10);
}

#[test]
fn crash_seeds_0_to_249_recover_a_prefix_that_keeps_the_promised_writes() {
    assert_exercised(&run_all(0..250));
}

#[test]
fn crash_seeds_250_to_499_recover_a_prefix_that_keeps_the_promised_writes() {
    assert_exercised(&run_all(250..500));
}
