//! A fixed set of seeds passes the reference model: every reply of every client matches what
//! Redis 7.0.15 answers (inside transactions and every message a subscriber gets included),
//! the final keyspace matches, and shutdown closes every connection.
//! In quarters so that the test harness can spread them over its threads.

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
    // Transactions ran, failed on a watched key, aborted after a queueing error, were
    // discarded.
    assert!(total(|r| r.transactions.committed) > 2_000);
    assert!(total(|r| r.transactions.watch_failed) > 200);
    assert!(total(|r| r.transactions.aborted) > 300);
    assert!(total(|r| r.transactions.discarded) > 200);
    // Messages reached subscribers, some of which disconnected and came back.
    assert!(total(|r| r.pubsub.delivered) > 10_000);
    assert!(total(|r| r.pubsub.subscribed) > 2_000);
    assert!(total(|r| r.stats.reconnects) > 100);
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

#[test]
fn seeds_50_to_74_pass_the_model() {
    assert_exercised(&run_all(50..75));
}

#[test]
fn seeds_75_to_99_pass_the_model() {
    assert_exercised(&run_all(75..100));
}
