//! WAIT numreplicas timeout (Redis' waitCommand): blocks the client until that many replicas
//! acknowledged the replication offset of its last write, or the timeout passes; the reply is
//! the number of replicas that did.

use crate::command::acl::{CONNECTION, SLOW};
use crate::command::flags::NOSCRIPT;
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::server::Server;

/// The `wants` of a client blocked in WAIT (it waits for no key).
pub(crate) const WAITING_ACKS: &str = "wait";

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("wait", 3, NOSCRIPT, SLOW | CONNECTION, "generic", "3.0.0", "Wait for the synchronous replication of all the write commands sent in the context of the current connection", "O(1)", wait)
        .tips(&["request_policy:all_shards", "response_policy:agg_min"]),
];

fn wait(ctx: &mut Ctx) {
    if ctx.srv.is_replica() {
        return ctx.out.err("WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
    }
    let Some(numreplicas) = ctx.int_arg(1) else { return };
    let timeout = match crate::resp::parse_i64(&ctx.args[2]) {
        None => return ctx.out.err("timeout is not an integer or out of range"),
        Some(t) if t < 0 => return ctx.out.err("timeout is negative"),
        Some(t) => t,
    };
    let woff = ctx.client().woff;
    let acked = ctx.srv.replicas_acked(woff) as i64;
    if acked >= numreplicas || ctx.client().deny_blocking {
        return ctx.out.int(acked);
    }
    let (id, db, args) = (ctx.id, ctx.db(), ctx.args.to_vec());
    ctx.srv.block(id, db, args, 0..0, timeout, WAITING_ACKS);
    // Redis asks the replicas where they are before it sleeps (after the command, so the
    // request is not part of this client's writes).
    ctx.srv.repl.ask_acks = true;
}

impl Server {
    /// Redis' beforeSleep: REPLCONF GETACK * to the replicas when a client started WAITing.
    pub(crate) fn request_acks(&mut self) {
        if std::mem::take(&mut self.repl.ask_acks) {
            self.send_getack();
        }
    }

    /// REPLCONF GETACK * to the replicas: each answers with its offset.
    pub(crate) fn send_getack(&mut self) {
        self.feed_replicas(None, &[b"REPLCONF".to_vec(), b"GETACK".to_vec(), b"*".to_vec()]);
    }

    /// Online replicas that acknowledged at least `offset` (replicationCountAcksByOffset).
    pub(crate) fn replicas_acked(&self, offset: u64) -> usize {
        self.repl
            .replicas
            .iter()
            .filter_map(|id| self.clients.get(id))
            .filter(|c| c.replica_online() && c.repl_ack_offset >= offset)
            .count()
    }

    /// After a replica's ACK: the WAITing clients now acknowledged by enough replicas get
    /// their count (Redis' processClientsWaitingReplicas).
    pub(crate) fn serve_waiting_acks(&mut self) {
        for (id, args) in self.blocked_in(WAITING_ACKS) {
            let Some(woff) = self.clients.get(&id).map(|c| c.woff) else {
                continue;
            };
            let want = crate::resp::parse_i64(&args[1]).unwrap_or(0);
            let acked = self.replicas_acked(woff) as i64;
            if acked >= want {
                self.release_with(id, |r| r.int(acked));
            }
        }
    }
}
