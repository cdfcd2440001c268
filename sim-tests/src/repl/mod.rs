//! Replication runs: three nodes, node0 the master, node1 its replica, node2 a replica of
//! node0 or of node1 (a chain, which tests the stream passed on verbatim). Writers write to
//! the master while faults strike ([`scenario`]); once they stop, every replica must reach
//! the master's replication offset and then hold the master's `DEBUG DIGEST` ([`audit`]), within
//! a deadline in virtual time. `ferrous-sim --repl --seed N` replays one run.

pub mod audit;
pub mod scenario;
pub mod writes;

use ferrous_core::Config;
use ferrous_io_sim::rng::streams;
use ferrous_io_sim::{Failure, Progress, Sim, SimConfig, SimRng};

use crate::run::catching_panics;
use crate::{RunFailure, RunOptions};
use scenario::{Plan, ReplScenario, ReplStats, NODES};
use writes::KeySpace;

/// Steps a run may take before it is called stuck.
const MAX_STEPS: u64 = 5_000_000;

#[derive(Clone, Debug)]
pub struct ReplReport {
    pub seed: u64,
    pub setup: String,
    pub steps: u64,
    pub elapsed_us: u64,
    pub trace_hash: u64,
    pub stats: ReplStats,
}

/// The command that replays replication run `seed`.
pub fn replay_command(seed: u64) -> String {
    format!("cargo run --release -p ferrous-sim-tests --bin ferrous-sim -- --repl --seed {seed}")
}

pub fn run_repl(opts: &RunOptions) -> Result<ReplReport, RunFailure> {
    let mut rng = SimRng::new(opts.seed, streams::REPL);
    let (server, server_setup) = server_config(&mut rng);
    let plan = plan(&mut rng);
    let setup = format!(
        "node2 replicates node{}; writers {}, keys per type {}, dbs {}; {server_setup}",
        plan.masters[2].unwrap_or_default(),
        plan.writers,
        plan.space.keys,
        plan.space.dbs
    );
    let mut cfg = SimConfig::new(opts.seed);
    cfg.nodes = NODES;
    cfg.server = server;
    cfg.trace = opts.trace;
    let mut sim = Sim::new(cfg);
    let mut scenario = ReplScenario::new(rng, plan);
    catching_panics(|| drive(&mut sim, &mut scenario))
        .map_err(|f| RunFailure::new(opts.seed, format!("{}\n(set-up: {setup})", f.0), &sim))?;
    Ok(ReplReport {
        seed: opts.seed,
        setup,
        steps: sim.steps(),
        elapsed_us: sim.elapsed_us(),
        trace_hash: sim.trace().hash(),
        stats: scenario.stats.clone(),
    })
}

fn drive(sim: &mut Sim, scenario: &mut ReplScenario) -> Result<(), Failure> {
    scenario.start(&mut sim.ctx());
    while !scenario.done() {
        if sim.steps() >= MAX_STEPS {
            return Err(Failure(format!("the run did not finish within {MAX_STEPS} steps")));
        }
        if sim.step(scenario)? == Progress::Quiet {
            return Err(Failure("the run went quiet before the replicas were audited".into()));
        }
        // Nothing here makes a server exit: not its disk (it has no faults), not a command.
        if let Some(node) = (0..NODES).find(|&n| sim.node(n).exit_code().is_some()) {
            return Err(Failure(format!(
                "node{node} exited with status {:?}",
                sim.node(node).exit_code()
            )));
        }
    }
    Ok(())
}

/// Every node alike (DEBUG allowed for the digest); the seed picks the timer rate and whether
/// the nodes snapshot and keep an AOF, so that full syncs meet BGSAVEs and rewrites.
fn server_config(rng: &mut SimRng) -> (Config, String) {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    cfg.hz = rng.between(10, 100) as i64;
    cfg.save_points = if rng.chance(0.5) {
        vec![(1, rng.between(1, 100) as i64)]
    } else {
        Vec::new()
    };
    cfg.appendonly = rng.chance(0.3);
    // everysec: the AOF's fsyncs do not hold the replies back.
    cfg.appendfsync = 1;
    let setup = format!(
        "hz {}, save {:?}, appendonly {}",
        cfg.hz, cfg.save_points, cfg.appendonly
    );
    (cfg, setup)
}

fn plan(rng: &mut SimRng) -> Plan {
    Plan {
        masters: [None, Some(0), Some(rng.below(2) as usize)],
        writers: rng.between(1, 3) as u32,
        space: KeySpace {
            keys: rng.between(2, 8) as u32,
            dbs: rng.between(2, 3) as u32,
        },
        write_for_us: rng.between(2_000_000, 5_000_000),
        fault_gap_us: (50_000, 800_000),
        down_for_us: (10_000, 1_500_000),
        converge_within_us: 60_000_000,
    }
}
