//! ferrous-sim-tests: seeded scenarios over the simulated world, checked against a reference
//! model. `ferrous-sim --seed N` replays one of them.

pub mod model;
pub mod scenario;
pub mod workload;

pub use scenario::{run, RunReport};
