//! Differential test: the same seeded random command streams to a real redis-server 7.0 and to
//! ferrous, replies compared byte for byte (see `diff/mod.rs` for the knobs and the masks).

mod diff;

use diff::{Harness, Settings};

/// The fixed seed set CI runs; `FERROUS_DIFF_SEEDS` overrides it to replay or explore.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=24;
const COMMANDS_PER_SEED: usize = 400;

#[test]
fn ferrous_answers_like_redis_server() {
    if !diff::oracle_available() {
        return;
    }
    let settings = Settings::from_env(SEEDS, COMMANDS_PER_SEED);
    let mut h = Harness::ferrous_vs_redis(&settings);
    eprint!("{}", h.describe_skipped());
    assert!(!h.families.is_empty() || h.pubsub, "no family can run against ferrous");
    h.run_all(&settings);
}

/// Two redis-servers must agree with each other: a generator or mask that lets randomness or
/// timing through would otherwise show up as a ferrous bug.
#[test]
fn the_generators_are_deterministic_between_two_redis_servers() {
    if !diff::oracle_available() {
        return;
    }
    let settings = Settings::from_env(1..=4, COMMANDS_PER_SEED);
    let mut h = Harness::redis_vs_redis(&settings);
    h.run_all(&settings);
}
