//! The master side of replication: SYNC and PSYNC hand a replica a snapshot of the dataset
//! (always a full resynchronization for now) and then the stream of writes; REPLCONF takes
//! what a replica tells about itself.

use crate::command::acl::FAST as FAST_ACL;
use crate::command::acl::{ADMIN, DANGEROUS, SLOW};
use crate::command::flags::{
    ADMIN as ADMIN_FLAG, ALLOW_BUSY, FAST, LOADING, NOSCRIPT, NO_ASYNC_LOADING, NO_MULTI, STALE,
};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::replica::LinkState;
use crate::LogLevel;

const SYNC_FLAGS: u32 = ADMIN_FLAG | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI;
const REPLICAOF_FLAGS: u32 = ADMIN_FLAG | NOSCRIPT | STALE | NO_ASYNC_LOADING;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("sync", 1, SYNC_FLAGS, ADMIN | SLOW | DANGEROUS, "server", "1.0.0", "Internal command used for replication", "", sync),
    cmd("psync", -3, SYNC_FLAGS, ADMIN | SLOW | DANGEROUS, "server", "2.8.0", "Internal command used for replication", "", sync),
    cmd("replicaof", 3, REPLICAOF_FLAGS, ADMIN | SLOW | DANGEROUS, "server", "5.0.0", "Configure a server as replica of another server, or promote it to a master.", "O(1)", replicaof),
    cmd("slaveof", 3, REPLICAOF_FLAGS, ADMIN | SLOW | DANGEROUS, "server", "1.0.0", "Sets the server as a replica of another server. Deprecated in favor of REPLICAOF.", "O(1)", replicaof),
    cmd("role", 1, NOSCRIPT | LOADING | STALE | FAST, ADMIN | FAST_ACL | DANGEROUS, "server", "2.8.12", "Return the role of the instance in the context of replication", "O(1)", role),
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
    if ctx.srv.is_replica() && ctx.srv.replica.state != LinkState::Connected {
        return ctx
            .out
            .err("NOMASTERLINK Can't SYNC while not connected with my master");
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
                let Some(n) = crate::resp::parse_i64(&pair[1]) else {
                    return ctx.out.err("value is not an integer or out of range");
                };
                if opt == "listening-port" {
                    ctx.client().repl_listening_port = n as u16;
                }
            }
            "capa" => {
                if pair[1].eq_ignore_ascii_case(b"eof") {
                    ctx.client().repl_capa_eof = true;
                }
            }
            "ip-address" => {
                let ip = String::from_utf8_lossy(&pair[1]).into_owned();
                ctx.client().repl_announced_ip = Some(ip);
            }
            "ack" => {
                let now = ctx.srv.clock.mono_us();
                let c = ctx.client();
                if let Some(offset) = crate::resp::parse_i64(&pair[1]) {
                    c.repl_ack_offset = c.repl_ack_offset.max(offset.max(0) as u64);
                }
                c.repl_ack_us = now;
                let id = ctx.id;
                ctx.srv.replica_acked(id);
                // Not from inside a busy script (Redis serves WAIT in beforeSleep): its end
                // serves them.
                if !ctx.srv.script_suspended() {
                    ctx.srv.serve_waiting_acks();
                }
                return;
            }
            "getack" => {
                if ctx.client().master {
                    ctx.srv.send_ack();
                }
                return;
            }
            _ => {
                let mut msg = b"ERR Unrecognized REPLCONF option: ".to_vec();
                msg.extend_from_slice(&pair[0]);
                return ctx.out.error_bytes(&msg);
            }
        }
    }
    ctx.out.ok();
}

/// REPLICAOF host port, or REPLICAOF NO ONE (Redis' replicaofCommand).
fn replicaof(ctx: &mut Ctx) {
    if ctx.args[1].eq_ignore_ascii_case(b"no") && ctx.args[2].eq_ignore_ascii_case(b"one") {
        if ctx.srv.is_replica() {
            ctx.srv.unset_master();
            let who = ctx.srv.client_info_line(ctx.id);
            ctx.srv.log(
                LogLevel::Notice,
                format!("MASTER MODE enabled (user request from '{who}')"),
            );
        }
        return ctx.out.ok();
    }
    if ctx.client().replica {
        return ctx.out.err("Command is not valid when client is a replica.");
    }
    let port = match crate::resp::parse_i64(&ctx.args[2]) {
        Some(p @ 0..=65535) => p as u16,
        Some(_) => return ctx.out.err("Invalid master port"),
        None => return ctx.out.err("Invalid master port"),
    };
    let host = String::from_utf8_lossy(&ctx.args[1]).into_owned();
    if let Some((h, p)) = &ctx.srv.replica.master {
        if h.eq_ignore_ascii_case(&host) && *p == port {
            ctx.srv.log(
                LogLevel::Notice,
                "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.",
            );
            return ctx.out.simple("OK Already connected to specified master");
        }
    }
    ctx.srv.set_master(host.clone(), port);
    let who = ctx.srv.client_info_line(ctx.id);
    ctx.srv.log(
        LogLevel::Notice,
        format!("REPLICAOF {host}:{port} enabled (user request from '{who}')"),
    );
    ctx.out.ok();
}

/// ROLE: a master lists its replicas with their acknowledged offsets; a replica names its
/// master, the link's state and its offset.
fn role(ctx: &mut Ctx) {
    let srv = &*ctx.srv;
    if let Some((host, port)) = srv.replica.master.clone() {
        let state = srv.replica.state;
        let offset = if state == LinkState::Connected {
            srv.repl.offset as i64
        } else {
            -1
        };
        ctx.out.array(5);
        ctx.out.bulk_str("slave");
        ctx.out.bulk_str(&host);
        ctx.out.int(i64::from(port));
        ctx.out.bulk_str(state.role_name());
        ctx.out.int(offset);
        return;
    }
    let replicas: Vec<(String, u16, u64)> = srv
        .repl
        .replicas
        .iter()
        .filter_map(|id| srv.clients.get(id))
        .map(|c| (c.replica_ip().to_string(), c.repl_listening_port, c.repl_ack_offset))
        .collect();
    let offset = srv.repl.offset as i64;
    ctx.out.array(3);
    ctx.out.bulk_str("master");
    ctx.out.int(offset);
    ctx.out.array(replicas.len());
    for (ip, port, acked) in replicas {
        ctx.out.array(3);
        ctx.out.bulk_str(&ip);
        ctx.out.bulk_str(&port.to_string());
        ctx.out.bulk_str(&acked.to_string());
    }
}
