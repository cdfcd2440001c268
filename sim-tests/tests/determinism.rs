//! One seed, one run: replaying a seed gives a bit-identical trace (model runs and replication
//! runs alike), and different seeds give different runs.

use std::collections::BTreeSet;

use ferrous_io_sim::TraceMode;
use ferrous_sim_tests::repl::{replay_command as repl_command, run_repl};
use ferrous_sim_tests::{run, RunOptions};

fn hash(opts: &RunOptions) -> u64 {
    match run(opts) {
        Ok(r) => r.trace_hash,
        Err(f) => panic!(
            "seed {} failed: {}\nreplay: {}",
            f.seed,
            f.message,
            opts.replay_command()
        ),
    }
}

fn short(seed: u64) -> RunOptions {
    RunOptions {
        steps: 3_000,
        ..RunOptions::new(seed)
    }
}

#[test]
fn the_same_seed_gives_the_same_trace_hash() {
    for seed in [0, 7, 123_456_789] {
        assert_eq!(hash(&short(seed)), hash(&short(seed)), "seed {seed}");
    }
}

#[test]
fn different_seeds_give_different_trace_hashes() {
    let hashes: BTreeSet<u64> = (100..120).map(|s| hash(&short(s))).collect();
    assert_eq!(hashes.len(), 20);
}

#[test]
fn keeping_a_text_trace_does_not_change_the_run() {
    let plain = short(42);
    let traced = RunOptions {
        trace: TraceMode::Tail(50),
        ..plain.clone()
    };
    assert_eq!(hash(&plain), hash(&traced));
}

#[test]
fn more_steps_extend_the_run() {
    let a = run(&short(5)).unwrap();
    let b = run(&RunOptions {
        steps: 6_000,
        ..short(5)
    })
    .unwrap();
    assert!(b.steps > a.steps && b.stats.commands_run > a.stats.commands_run);
    assert_ne!(a.trace_hash, b.trace_hash);
}

#[test]
fn a_replication_run_replays_bit_for_bit() {
    let repl_hash = |opts: &RunOptions| match run_repl(opts) {
        Ok(r) => r.trace_hash,
        Err(f) => panic!(
            "repl seed {} failed: {}\nreplay: {}",
            f.seed,
            f.message,
            repl_command(f.seed)
        ),
    };
    // Seed 40 chains node2 through node1; seed 12 crashes both replicas.
    for seed in [12, 40] {
        let plain = RunOptions::new(seed);
        let traced = RunOptions {
            trace: TraceMode::Tail(50),
            ..plain.clone()
        };
        assert_eq!(repl_hash(&plain), repl_hash(&plain), "repl seed {seed}");
        assert_eq!(repl_hash(&plain), repl_hash(&traced), "repl seed {seed}, traced");
    }
    assert_ne!(repl_hash(&RunOptions::new(12)), repl_hash(&RunOptions::new(40)));
}
