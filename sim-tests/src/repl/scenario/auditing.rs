//! The audit once writing stops: rounds of probes until the replicas are at the master's
//! offset ([`audit::judge`]), and if their digests then differ, the keys that differ.

use ferrous_io_sim::{Ctx, Failure, NodeId, Value};

use super::{token, Owed, Phase, ReplScenario, Role, MASTER, NODES, POLL_EVERY_US, T_DEADLINE, T_POLL};
use crate::repl::audit::{self, Probe, Verdict, PROBE};
use crate::repl::writes::{all_keys, argv};

impl ReplScenario {
    pub(super) fn on_stop(&mut self, ctx: &mut Ctx<'_>) {
        ctx.note(|| "writing stops; the auditor waits for the replicas".into());
        self.phase = Phase::Auditing;
        self.stopped_at_us = ctx.now_us();
        ctx.set_timer(ctx.now_us() + POLL_EVERY_US, token(T_POLL, 0));
        ctx.set_timer(ctx.now_us() + self.plan.converge_within_us, token(T_DEADLINE, 0));
    }

    /// Starts an audit round unless one is under way.
    pub(super) fn on_poll(&mut self, ctx: &mut Ctx<'_>) {
        if self.phase != Phase::Auditing {
            return;
        }
        if self.round_pending == 0 {
            self.round = vec![None; NODES];
            let live: Vec<NodeId> = (0..NODES).filter(|&n| !self.down[n]).collect();
            for node in live {
                let conn = match self.auditors[node] {
                    Some(conn) => conn,
                    None => {
                        let conn = self.connect(ctx, node, Role::Auditor(node));
                        self.auditors[node] = Some(conn);
                        conn
                    }
                };
                if let Some(c) = self.clients.get_mut(&conn) {
                    c.probe = Probe::default();
                }
                for (i, words) in PROBE.iter().enumerate() {
                    self.send(ctx, conn, &[argv(words)], Owed::Probe(i));
                }
                self.round_pending += 1;
            }
        }
        ctx.set_timer(ctx.now_us() + POLL_EVERY_US, token(T_POLL, 0));
    }

    /// Every probe of the round is in (or lost with its node): converged, diverged, or not yet.
    pub(super) fn end_round(&mut self, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
        self.stats.audit_rounds += 1;
        let round = std::mem::replace(&mut self.round, vec![None; NODES]);
        let writers_done = self
            .clients
            .values()
            .all(|c| c.role != Role::Writer || c.owed.is_empty());
        match audit::judge(&round, &self.plan.masters) {
            Verdict::Converged if writers_done => {
                self.stats.converged_after_us = ctx.now_us() - self.stopped_at_us;
                self.stats.sync_full = round.iter().flatten().map(|p| p.sync_full).sum();
                self.stats.expired_keys = round[MASTER].as_ref().map_or(0, |p| p.expired_keys);
                ctx.note(|| "the replicas hold the master's digest".into());
                self.phase = Phase::Done;
            }
            Verdict::Diverged(why) => self.diagnose(ctx, why),
            _ => {}
        }
        self.last_round = round;
        Ok(())
    }

    /// Asks every node for the digest of each key the writers may have written.
    pub(super) fn diagnose(&mut self, ctx: &mut Ctx<'_>, why: String) {
        self.phase = Phase::Diagnosing;
        self.diverged = why;
        let keys = all_keys(self.plan.space);
        for conn in self.auditors.into_iter().flatten() {
            for db in 0..self.plan.space.dbs as usize {
                self.send(ctx, conn, &[argv(&["SELECT", &db.to_string()])], Owed::Select);
                let mut cmd = argv(&["DEBUG", "DIGEST-VALUE"]);
                cmd.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
                self.send(ctx, conn, &[cmd], Owed::Values(db));
            }
        }
    }

    /// One database's key digests from `node`; the failure once every node's are in.
    pub(super) fn on_values(&mut self, node: NodeId, db: usize, value: Value) -> Result<(), Failure> {
        let Value::Array(items) = value else {
            return Err(Failure(format!("DEBUG DIGEST-VALUE answered {value:?}")));
        };
        let digests = items
            .iter()
            .map(|v| match v {
                Value::Simple(d) | Value::Bulk(d) => String::from_utf8_lossy(d).into_owned(),
                other => format!("{other:?}"),
            })
            .collect();
        let Some(conn) = self.auditors[node] else { return Ok(()) };
        let c = self.clients.get_mut(&conn).expect("an auditor");
        c.values.push(digests);
        if db + 1 == self.plan.space.dbs as usize {
            self.diagnosis[node] = Some(std::mem::take(&mut c.values));
        }
        if self.diagnosis.iter().flatten().count() < self.auditors.iter().flatten().count() {
            return Ok(());
        }
        let keys = all_keys(self.plan.space);
        Err(Failure(format!(
            "{}\nkeys whose DEBUG DIGEST-VALUE differs (node0 node1 node2):\n{}",
            self.diverged,
            audit::differing_keys(&self.diagnosis, &keys)
        )))
    }

    pub(super) fn on_deadline(&mut self) -> Result<(), Failure> {
        if self.phase == Phase::Diagnosing {
            return Err(Failure(format!("{}\n(the keys were not read back)", self.diverged)));
        }
        if self.phase != Phase::Auditing {
            return Ok(());
        }
        let owed: usize = self
            .clients
            .values()
            .filter(|c| c.role == Role::Writer)
            .map(|c| c.owed.len())
            .sum();
        Err(Failure(format!(
            "the replicas did not converge within {} s after writing stopped ({owed} replies still owed to writers); the last audit round:\n{}",
            self.plan.converge_within_us / 1_000_000,
            audit::describe(&self.last_round)
        )))
    }
}
