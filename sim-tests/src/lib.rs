//! Seeded simulation scenarios for ferrous: simulated clients drive the real core through
//! `ferrous-io-sim`, and a reference model of Redis 7.0 predicts every reply they must get.
//! `ferrous-sim --seed N` replays one run; [`run`] is the same as a library call.

pub mod cli;
pub mod client;
pub mod crash;
pub mod model;
pub mod repl;
pub mod replies;
pub mod run;
pub mod scenario;
pub mod workload;

pub use run::{run, Report, RunFailure, RunOptions, DEFAULT_STEPS};
