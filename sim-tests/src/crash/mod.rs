//! Crash runs: the server persists (AOF under `appendfsync always` or `everysec`, or
//! snapshots only), its disk loses what a power cut loses and now and then fails, the AOF is
//! now and then turned off and on (what is acknowledged meanwhile is not promised), and the
//! node crashes at random moments — during writes, BGSAVE and BGREWRITEAOF — and restarts
//! from its disk. After each restart the recovered dataset is checked against the history of
//! writes ([`history`]): some prefix of it, holding every write the policy promised to keep.
//! `ferrous-sim --crash --seed N` replays one run.

pub mod history;
pub mod scenario;

use ferrous_core::Config;
use ferrous_io_sim::rng::streams;
use ferrous_io_sim::{DiskFaults, Failure, Sim, SimConfig, SimRng};

use crate::run::catching_panics;
use crate::scenario::SERVER;
use crate::{RunFailure, RunOptions};
use history::Durability;
use scenario::{CrashScenario, CrashStats, Plan};

/// everysec may lose what was acknowledged in the last second or two (Redis' promise).
const EVERYSEC_WINDOW_US: u64 = 2_000_000;

/// Steps a run may take before it is called stuck.
const MAX_STEPS: u64 = 5_000_000;

#[derive(Clone, Debug)]
pub struct CrashReport {
    pub seed: u64,
    pub setup: String,
    pub steps: u64,
    pub elapsed_us: u64,
    pub trace_hash: u64,
    pub disk_faults: usize,
    pub stats: CrashStats,
}

/// The command that replays crash run `seed`.
pub fn replay_command(seed: u64) -> String {
    format!("cargo run --release -p ferrous-sim-tests --bin ferrous-sim -- --crash --seed {seed}")
}

pub fn run_crash(opts: &RunOptions) -> Result<CrashReport, RunFailure> {
    let mut rng = SimRng::new(opts.seed, streams::CRASH);
    let (server, durability, setup) = server_config(&mut rng);
    let mut cfg = SimConfig::new(opts.seed);
    cfg.server = server;
    cfg.trace = opts.trace;
    cfg.disk_faults = disk_faults(&mut rng);
    let setup = format!("{setup}; disk faults: {:?}", cfg.disk_faults);
    let mut plan = plan(&mut rng, durability);
    plan.aof = cfg.server.appendonly;
    plan.save_points = !cfg.server.save_points.is_empty();
    plan.faultless_disk = cfg.disk_faults.fsync_fail == 0.0 && cfg.disk_faults.full == 0.0;
    let mut sim = Sim::new(cfg);
    let mut scenario = CrashScenario::new(rng, plan);
    catching_panics(|| drive(&mut sim, &mut scenario))
        .map_err(|f| RunFailure::new(opts.seed, format!("{}\n(set-up: {setup})", f.0), &sim))?;
    Ok(CrashReport {
        seed: opts.seed,
        setup,
        steps: sim.steps(),
        elapsed_us: sim.elapsed_us(),
        trace_hash: sim.trace().hash(),
        disk_faults: sim.node(SERVER).disk().faults().len(),
        stats: scenario.stats.clone(),
    })
}

fn drive(sim: &mut Sim, scenario: &mut CrashScenario) -> Result<(), Failure> {
    scenario.start(&mut sim.ctx());
    while !scenario.done() {
        if sim.steps() >= MAX_STEPS {
            return Err(Failure(format!("the run did not finish within {MAX_STEPS} steps")));
        }
        let faults = sim.node(SERVER).disk().faults();
        if faults.len() != scenario.faults.len() {
            scenario.faults = faults.to_vec();
        }
        if sim.step(scenario)? == ferrous_io_sim::Progress::Quiet {
            return Err(Failure("the run went quiet before its last crash was checked".into()));
        }
        let exit = sim.node(SERVER).exit_code();
        // (The restart asked for has happened once the crash and the boot have each begun an
        // incarnation.)
        if scenario
            .restart_incarnation
            .is_some_and(|i| sim.node(SERVER).incarnation() < i)
        {
            continue;
        }
        scenario.restart_incarnation = None;
        if !sim.node(SERVER).is_up() && exit == Some(1) && start_hit_a_fault(sim, scenario.booted_at_us()) {
            // As Redis does, a start-up that cannot write its AOF files exits; the operator's
            // supervisor starts it again, and the disk is read back as after a crash.
            scenario.restart_incarnation = Some(sim.node(SERVER).incarnation() + 2);
            scenario.on_failed_start(&mut sim.ctx());
            continue;
        }
        if !sim.node(SERVER).is_up() && exit.is_some() && !(exit == Some(0) && scenario.shutting_down()) {
            return Err(Failure(format!(
                "the server exited with status {:?} (it could not load what the crash left?)",
                sim.node(SERVER).exit_code()
            )));
        }
    }
    Ok(())
}

/// Whether the server's disk failed a request since it last booted (it exits on nothing else
/// it may exit on).
fn start_hit_a_fault(sim: &Sim, booted_at_us: u64) -> bool {
    let faults = sim.node(SERVER).disk().faults();
    faults.last().is_some_and(|&(began, _)| began >= booted_at_us)
}

/// AOF under always, everysec or no (with or without save points and the RDB preamble), or
/// snapshots only.
fn server_config(rng: &mut SimRng) -> (Config, Durability, String) {
    let mut cfg = Config::default();
    cfg.hz = rng.between(10, 100) as i64;
    cfg.save_points = if rng.chance(0.5) {
        vec![(rng.between(0, 2) as i64, rng.between(1, 200) as i64)]
    } else {
        Vec::new()
    };
    let mode = rng.below(6);
    let durability = match mode {
        // appendfsync no: the AOF reaches the disk when it happens to, so nothing is promised.
        0 | 5 => Durability::Snapshots,
        1 | 2 => Durability::Every,
        _ => Durability::OlderThan {
            window_us: EVERYSEC_WINDOW_US,
        },
    };
    if mode == 0 {
        cfg.save_points = vec![(rng.between(0, 2) as i64, rng.between(1, 200) as i64)];
    } else {
        cfg.appendonly = true;
        cfg.appendfsync = match durability {
            Durability::Every => 0,
            Durability::OlderThan { .. } => 1,
            Durability::Snapshots => 2,
        };
        cfg.aof_use_rdb_preamble = rng.chance(0.5);
    }
    let setup = format!(
        "hz {}, appendonly {}, appendfsync {}, rdb preamble {}, save {:?}",
        cfg.hz,
        cfg.appendonly,
        ["always", "everysec", "no"][cfg.appendfsync],
        cfg.aof_use_rdb_preamble,
        cfg.save_points
    );
    (cfg, durability, setup)
}

/// Half the runs have a faultless disk (a crash is the only loss); the others fail fsyncs,
/// fill up now and then, and vary their latency.
fn disk_faults(rng: &mut SimRng) -> DiskFaults {
    if rng.chance(0.5) {
        return DiskFaults::default();
    }
    DiskFaults {
        fsync_fail: [0.0, 0.01, 0.05][rng.index(3)],
        full: [0.0, 0.002, 0.01][rng.index(3)],
        full_for_us: (20_000, 1_500_000),
        max_jitter_us: rng.between(0, 3_000),
    }
}

fn plan(rng: &mut SimRng, durability: Durability) -> Plan {
    Plan {
        durability,
        crashes: rng.between(1, 4) as u32,
        writers: rng.between(1, 6) as u32,
        slots: rng.between(1, 4) as u32,
        crash_after_us: (10_000, 3_000_000),
        bgsave: rng.between(0, 30) as f64 / 100.0,
        bgrewrite: rng.between(0, 30) as f64 / 100.0,
        save: rng.between(0, 10) as f64 / 100.0,
        shutdown: rng.between(0, 5) as f64 / 100.0,
        toggle: [0.0, 0.05, 0.2][rng.index(3)],
        aof: false,
        save_points: false,
        faultless_disk: false,
    }
}
