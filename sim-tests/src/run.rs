//! One seeded run from start to verdict: the workload runs for a number of steps, then
//! everything in flight drains (every owed reply must arrive), the final keyspace is compared
//! with the model's (its size, then every key read back), and the server is shut down (every
//! connection must close, the process must exit 0).

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferrous_core::Config;
use ferrous_io_sim::rng::streams;
use ferrous_io_sim::{Failure, Sim, SimConfig, SimRng, TraceMode};

use crate::model::{BlockStats, PubSubStats, TxStats};
use crate::scenario::{Scenario, Stats, SERVER};

/// Steps of client activity in a run unless told otherwise.
pub const DEFAULT_STEPS: u64 = 20_000;

/// Steps allowed to drain, and then to shut down, before calling the system stuck.
const SETTLE_STEPS: u64 = 1_000_000;

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub seed: u64,
    pub steps: u64,
    pub trace: TraceMode,
}

impl RunOptions {
    pub fn new(seed: u64) -> RunOptions {
        RunOptions {
            seed,
            steps: DEFAULT_STEPS,
            trace: TraceMode::HashOnly,
        }
    }

    /// The command that replays this run.
    pub fn replay_command(&self) -> String {
        let mut cmd = format!(
            "cargo run -p ferrous-sim-tests --bin ferrous-sim -- --seed {}",
            self.seed
        );
        if self.steps != DEFAULT_STEPS {
            cmd.push_str(&format!(" --steps {}", self.steps));
        }
        cmd
    }
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Report {
    pub seed: u64,
    pub steps: u64,
    pub elapsed_us: u64,
    pub trace_hash: u64,
    pub trace_records: u64,
    /// Keys the model held once the run drained (before they were read back).
    pub keys: usize,
    /// Keys commands found expired (the model's count).
    pub expired_on_access: u64,
    /// Keys the server held then (fewer than `keys` when its active expiry reclaimed expired
    /// keys nobody touched).
    pub server_keys: usize,
    pub stats: Stats,
    pub blocking: BlockStats,
    pub transactions: TxStats,
    pub pubsub: PubSubStats,
}

/// A failed run: the checker's message, the trace hash up to the failure and, if the trace
/// mode kept them, the last trace records.
#[derive(Clone, Debug)]
pub struct RunFailure {
    pub seed: u64,
    pub message: String,
    pub trace_hash: u64,
    pub trace_tail: Vec<String>,
}

impl RunFailure {
    /// Run `seed` failed with `message`; the trace of `sim` up to the failure goes with it.
    pub(crate) fn new(seed: u64, message: String, sim: &Sim) -> RunFailure {
        RunFailure {
            seed,
            message,
            trace_hash: sim.trace().hash(),
            trace_tail: sim.trace().tail().collect(),
        }
    }
}

pub fn run(opts: &RunOptions) -> Result<Report, RunFailure> {
    let mut workload_rng = SimRng::new(opts.seed, streams::WORKLOAD);
    let mut cfg = SimConfig::new(opts.seed);
    cfg.server = server_config(&mut workload_rng);
    cfg.trace = opts.trace;
    let mut sim = Sim::new(cfg);
    // Half the runs let the server reclaim expired keys by itself; those keep the wall clock
    // moving forward (see `Model::active_expiry`).
    let active_expiry = workload_rng.chance(0.5);
    sim.node_mut(SERVER).server_mut().set_active_expire(active_expiry);
    let mut scenario = Scenario::new(workload_rng, active_expiry);
    let mut counts = KeyCounts::default();
    catching_panics(|| drive(&mut sim, &mut scenario, opts.steps, &mut counts))
        .map_err(|f| RunFailure::new(opts.seed, f.0, &sim))?;
    Ok(Report {
        seed: opts.seed,
        steps: sim.steps(),
        elapsed_us: sim.elapsed_us(),
        trace_hash: sim.trace().hash(),
        trace_records: sim.trace().records(),
        keys: counts.model,
        expired_on_access: scenario.model().expired_on_access,
        server_keys: counts.server,
        stats: scenario.stats.clone(),
        blocking: scenario.model().block_stats().clone(),
        transactions: scenario.model().tx_stats().clone(),
        pubsub: scenario.model().pubsub_stats().clone(),
    })
}

/// Runs a scenario's `drive`, a panic (a server's or a checker's) becoming its failure. The
/// sim is inspected after a panic only to read its trace.
pub(crate) fn catching_panics(drive: impl FnOnce() -> Result<(), Failure>) -> Result<(), Failure> {
    catch_unwind(AssertUnwindSafe(drive))
        .unwrap_or_else(|panic| Err(Failure(format!("panic: {}", panic_message(&*panic)))))
}

/// Redis' defaults, with a random `hz` so that the server's timer fires at varied rates.
fn server_config(rng: &mut SimRng) -> Config {
    let mut cfg = Config::default();
    cfg.hz = rng.between(1, 100) as i64;
    cfg
}

/// The keys held once the run drained.
#[derive(Default)]
struct KeyCounts {
    model: usize,
    server: usize,
}

fn drive(sim: &mut Sim, scenario: &mut Scenario, steps: u64, counts: &mut KeyCounts) -> Result<(), Failure> {
    scenario.start(&mut sim.ctx());
    while sim.steps() < steps {
        sim.step(scenario)?;
    }
    scenario.drain();
    sim.run_until_quiet(scenario, SETTLE_STEPS)?;
    scenario.check_settled()?;
    check_keyspace(sim, scenario)?;
    counts.model = scenario.model().key_count();
    counts.server = sim.node(SERVER).server().key_count();
    scenario.audit(&mut sim.ctx());
    sim.run_until_quiet(scenario, SETTLE_STEPS)?;
    scenario.check_settled()?;
    scenario.shut_down(&mut sim.ctx());
    sim.run_until_quiet(scenario, SETTLE_STEPS)?;
    scenario.check_all_closed()?;
    check_exit(sim)
}

fn check_keyspace(sim: &Sim, scenario: &Scenario) -> Result<(), Failure> {
    let (lo, hi) = scenario.model().total_key_range(sim.now().unix_ms);
    let server = sim.node(SERVER).server().key_count();
    if !(lo..=hi).contains(&server) {
        return Err(Failure(format!(
            "the server holds {server} keys, the model {lo} to {hi}"
        )));
    }
    Ok(())
}

fn check_exit(sim: &Sim) -> Result<(), Failure> {
    let node = sim.node(SERVER);
    match node.exit_code() {
        Some(0) if node.open_connections() == 0 => Ok(()),
        Some(0) => Err(Failure(format!(
            "the server exited with {} connections open",
            node.open_connections()
        ))),
        other => Err(Failure(format!(
            "after SIGTERM the server's exit status is {other:?}, not 0"
        ))),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_owned()
    }
}
