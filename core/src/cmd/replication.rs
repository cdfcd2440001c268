//! The master side of replication: SYNC and PSYNC hand a replica a snapshot of the dataset
//! (always a full resynchronization for now) and then the stream of writes; REPLCONF takes
//! what a replica tells about itself.

use crate::command::acl::{ADMIN, DANGEROUS, SLOW};
use crate::command::flags::{ADMIN as ADMIN_FLAG, ALLOW_BUSY, LOADING, NOSCRIPT, NO_ASYNC_LOADING, NO_MULTI, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::LogLevel;

const SYNC_FLAGS: u32 = ADMIN_FLAG | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("sync", 1, SYNC_FLAGS, ADMIN | SLOW | DANGEROUS, "server", "1.0.0", "Internal command used for replication", "", sync),
    cmd("psync", -3, SYNC_FLAGS, ADMIN | SLOW | DANGEROUS, "server", "2.8.0", "Internal command used for replication", "", sync),
    cmd("replconf", -1, ADMIN_FLAG | NOSCRIPT | LOADING | STALE | ALLOW_BUSY, ADMIN | SLOW | DANGEROUS, "server", "3.0.0", "An internal command for configuring the replication stream", "", replconf),
];

/// SYNC, or PSYNC replid offset: a full resynchronization. PSYNC first gets
/// `+FULLRESYNC <replid> <offset>`; both then get the snapshot and from then on the
/// replication stream. A replica that said `REPLCONF capa eof` gets it streamed without fork
/// (`$EOF:<mark>`, see `persist::repl_sync`); any other gets it made at once, as
/// `$<len>\r\n<rdb>` (no trailing CRLF).
fn sync(ctx: &mut Ctx) {
    if ctx.client().replica {
        return;
    }
    let psync = ctx.args[0].eq_ignore_ascii_case(b"psync");
    if psync && crate::resp::parse_i64(&ctx.args[2]).is_none() {
        return ctx.out.err("value is not an integer or out of range");
    }
    let addr = ctx.client().conn.addr.clone();
    ctx.srv
        .log(LogLevel::Notice, format!("Replica {addr} asks for synchronization"));
    ctx.srv.stats.sync_full += 1;
    if psync && ctx.args[1].as_slice() != b"?" {
        // Without a backlog no partial resynchronization can be served.
        ctx.srv.stats.sync_partial_err += 1;
    }
    if ctx.client().repl_capa_eof {
        // Streamed as it is made (see persist::repl_sync); +FULLRESYNC comes with its start.
        let id = ctx.id;
        return ctx.srv.request_full_sync(id, psync);
    }
    if psync {
        let line = format!("FULLRESYNC {} {}", ctx.srv.repl.replid, ctx.srv.repl.offset);
        ctx.out.simple(&line);
    }
    // The snapshot is taken now, between two commands, so the stream that follows it starts
    // exactly where it ends.
    let rdb = ctx.srv.rdb_image(true);
    ctx.out.buf.extend_from_slice(format!("${}\r\n", rdb.len()).as_bytes());
    ctx.out.buf.extend_from_slice(&rdb);
    ctx.srv.attach_replica(ctx.id);
    ctx.srv.log(
        LogLevel::Notice,
        format!("Synchronization with replica {addr} succeeded"),
    );
}

/// REPLCONF option value [option value ...]: listening-port, ip-address, capa and rdb-only are
/// taken and answered +OK; ACK (from a replica) and GETACK (meant for replicas) get no reply.
fn replconf(ctx: &mut Ctx) {
    let args = ctx.args;
    if args.len().is_multiple_of(2) {
        return ctx.syntax_error();
    }
    for pair in args[1..].chunks(2) {
        let opt = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
        match opt.as_str() {
            "listening-port" | "rdb-only" => {
                if crate::resp::parse_i64(&pair[1]).is_none() {
                    return ctx.out.err("value is not an integer or out of range");
                }
            }
            "capa" => {
                if pair[1].eq_ignore_ascii_case(b"eof") {
                    ctx.client().repl_capa_eof = true;
                }
            }
            "ip-address" => {}
            "ack" => {
                let id = ctx.id;
                return ctx.srv.replica_acked(id);
            }
            "getack" => return,
            _ => {
                let mut msg = b"ERR Unrecognized REPLCONF option: ".to_vec();
                msg.extend_from_slice(&pair[0]);
                return ctx.out.error_bytes(&msg);
            }
        }
    }
    ctx.out.ok();
}
