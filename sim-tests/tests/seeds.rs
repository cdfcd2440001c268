//! A fixed set of seeds passes the reference model: every reply of every client matches what
//! Redis 7.0.15 answers, the final keyspace matches, and shutdown closes every connection.
//! Two halves so that the test harness can run them on two cores.

use ferrous_sim_tests::{run, Report, RunOptions};

fn run_all(seeds: std::ops::Range<u64>) -> Vec<Report> {
    seeds
        .map(|seed| {
            let opts = RunOptions::new(seed);
            run(&opts)
                .unwrap_or_else(|f| panic!("seed {seed} failed:\n{}\nreplay: {}", f.message, opts.replay_command()))
        })
        .collect()
}

/// Guards against a vacuous pass: the runs really exercised what they are meant to.
fn assert_exercised(reports: &[Report]) {
    let total = |f: fn(&Report) -> u64| reports.iter().map(f).sum::<u64>();
    assert!(total(|r| r.stats.replies_checked) > 100_000);
    assert!(total(|r| r.stats.clients) > 1_000);
    assert!(total(|r| r.stats.disconnects) > 100);
    assert!(total(|r| r.stats.quits) > 100);
    assert!(total(|r| r.stats.protocol_errors) > 100);
    assert!(total(|r| r.stats.http_requests) > 10);
    assert!(total(|r| r.stats.wall_clock_steps) > 50);
    assert!(total(|r| r.expired_on_access) > 100);
    // Blocked clients were served, timed out and went away while blocked.
    assert!(total(|r| r.blocking.served) > 200);
    assert!(total(|r| r.blocking.timed_out) > 200);
    assert!(total(|r| r.blocking.gone) > 20);
    // Some runs' servers reclaimed expired keys by themselves (their active expiry).
    assert!(reports.iter().any(|r| r.server_keys < r.keys));
    assert!(reports.iter().all(|r| r.stats.replies_checked > 0 && r.keys > 0));
}

#[test]
fn seeds_0_to_24_pass_the_model() {
    assert_exercised(&run_all(0..25));
}

#[test]
fn seeds_25_to_49_pass_the_model() {
    assert_exercised(&run_all(25..50));
}
