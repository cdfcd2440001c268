//! Server commands: DBSIZE, TIME, INFO, SHUTDOWN.

use std::fmt::Write;

use crate::command::Ctx;
use crate::server::{Server, REDIS_VERSION};

pub(crate) fn dbsize(ctx: &mut Ctx) {
    let db = ctx.client().db;
    ctx.out.int(ctx.srv.dbs[db].len() as i64);
}

pub(crate) fn time(ctx: &mut Ctx) {
    let ms = ctx.srv.clock.unix_ms();
    ctx.out.array(2);
    ctx.out.bulk_str(&(ms / 1000).to_string());
    ctx.out.bulk_str(&((ms % 1000) * 1000).to_string());
}

/// Renders one INFO section into the text.
type SectionFn = fn(&Server, &mut String);

const SECTIONS: &[(&str, SectionFn)] = &[
    ("server", info_server),
    ("clients", info_clients),
    ("stats", info_stats),
    ("memory", info_memory),
    ("persistence", info_persistence),
    ("replication", info_replication),
    ("keyspace", info_keyspace),
];

pub(crate) fn info(ctx: &mut Ctx) {
    let wanted: Vec<String> = ctx.args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let all = wanted.is_empty() || wanted.iter().any(|w| w == "all" || w == "everything" || w == "default");
    let mut text = String::new();
    for (name, section) in SECTIONS {
        if all || wanted.iter().any(|w| w == name) {
            if !text.is_empty() {
                text.push_str("\r\n");
            }
            section(ctx.srv, &mut text);
        }
    }
    ctx.out.verbatim(&text);
}

fn info_server(s: &Server, out: &mut String) {
    let uptime = s.clock.uptime_us() / 1_000_000;
    let c = &s.cfg;
    let _ = write!(
        out,
        "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n\
         redis_build_id:0\r\nredis_mode:standalone\r\nos:{}\r\narch_bits:{}\r\n\
         monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\n\
         gcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\n\
         server_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\n\
         lru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:{}\r\nferrous_version:{}\r\n",
        s.env.os,
        s.env.arch_bits,
        s.env.pid,
        s.run_id,
        c.port,
        s.clock.unix_ms() * 1000,
        uptime,
        uptime / 86400,
        c.hz,
        c.hz,
        (s.clock.unix_ms() / 1000) & ((1 << 24) - 1),
        s.env.executable,
        s.env.config_file,
        i32::from(c.io_threads > 1),
        env!("CARGO_PKG_VERSION"),
    );
    if let Some(ms) = s.shutdown_in_ms() {
        let _ = write!(out, "shutdown_in_milliseconds:{ms}\r\n");
    }
}

fn info_clients(s: &Server, out: &mut String) {
    let _ = write!(
        out,
        "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\n\
         client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\n\
         tracking_clients:{}\r\nclients_in_timeout_table:{}\r\n",
        // Redis counts its replicas apart (connected_slaves).
        s.clients.values().filter(|c| !c.replica).count(),
        s.cfg.maxclients,
        s.blocking.count(),
        s.clients.values().filter(|c| c.tracking.is_some()).count(),
        s.blocking.timed_count(),
    );
}

/// Stats: what is counted, and zeros for what ferrous never does (fork, evict, defragment,
/// cache MIGRATE connections) or does not have yet (pub/sub).
fn info_stats(s: &Server, out: &mut String) {
    let st = &s.stats;
    let _ = write!(
        out,
        "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n\
         total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_output_bytes:{}\r\n\
         rejected_connections:{}\r\nsync_full:{}\r\nsync_partial_ok:0\r\nsync_partial_err:{}\r\n\
         expired_keys:{}\r\nevicted_keys:{}\r\nevicted_clients:{}\r\nkeyspace_hits:{}\r\n\
         keyspace_misses:{}\r\npubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n\
         latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\n\
         slave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n\
         active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\n\
         current_active_defrag_time:0\r\ntracking_total_keys:{}\r\ntracking_total_items:{}\r\n\
         tracking_total_prefixes:{}\r\n",
        st.connections_received,
        st.commands_processed,
        st.net_input_bytes,
        st.net_output_bytes,
        st.net_repl_output_bytes,
        st.rejected_connections,
        st.sync_full,
        st.sync_partial_err,
        st.expired_keys,
        st.evicted_keys,
        st.evicted_clients,
        st.keyspace_hits,
        st.keyspace_misses,
        s.tracking.total_keys(),
        s.tracking.total_items(),
        s.tracking.total_prefixes(),
    );
}

/// Memory, as the allocator reports it (zeros without one, in the simulator).
fn info_memory(s: &Server, out: &mut String) {
    let m = s.env.memory_probe.map(|probe| probe()).unwrap_or_default();
    let peak = s.stats.memory_peak.max(m.allocated);
    let ratio = if m.allocated > 0 {
        m.resident as f64 / m.allocated as f64
    } else {
        0.0
    };
    let policy = s.cfg.maxmemory_policy_name();
    // Eviction counts all memory (nothing is set aside as Redis does for replica buffers).
    let (lua, scripts) = (s.scripting.vm_memory(), s.scripting.cache_memory());
    let (fvm, fcode) = (s.scripting.functions.vm_memory(), s.scripting.functions.code_memory());
    let _ = write!(
        out,
        "# Memory\r\nused_memory:{}\r\nused_memory_human:{}\r\nused_memory_rss:{}\r\n\
         used_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\n\
         used_memory_lua:{lua}\r\nused_memory_vm_eval:{lua}\r\nused_memory_lua_human:{}\r\n\
         used_memory_scripts_eval:{scripts}\r\nnumber_of_cached_scripts:{}\r\n\
         number_of_functions:{}\r\nnumber_of_libraries:{}\r\nused_memory_vm_functions:{fvm}\r\n\
         used_memory_vm_total:{}\r\nused_memory_vm_total_human:{}\r\n\
         used_memory_functions:{fcode}\r\nused_memory_scripts:{}\r\nused_memory_scripts_human:{}\r\n\
         maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{policy}\r\n\
         mem_fragmentation_ratio:{ratio:.2}\r\nmem_not_counted_for_evict:0\r\n\
         mem_replication_backlog:0\r\nmem_total_replication_buffers:{}\r\n\
         mem_allocator:{}\r\nactive_defrag_running:0\r\n\
         lazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n",
        m.allocated,
        human_bytes(m.allocated),
        m.resident,
        human_bytes(m.resident),
        human_bytes(peak),
        human_bytes(lua),
        s.scripting.scripts.len(),
        s.scripting.functions.function_count(),
        s.scripting.functions.libraries.len(),
        lua + fvm,
        human_bytes(lua + fvm),
        scripts + fcode,
        human_bytes(scripts + fcode),
        s.cfg.maxmemory,
        human_bytes(s.cfg.maxmemory as u64),
        // No backlog is kept: the replication buffers are what the replicas have not read.
        s.repl
            .replicas
            .iter()
            .filter_map(|id| s.clients.get(id))
            .map(|c| c.pending_output())
            .sum::<u64>(),
        if m.allocator.is_empty() { "none" } else { m.allocator },
    );
}

/// Redis' bytesToHuman: B below 1 KiB, then K, M, G, T, P with two decimals.
fn human_bytes(n: u64) -> String {
    let units = ["K", "M", "G", "T", "P"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut v = n as f64 / 1024.0;
    for u in units {
        if v < 1024.0 || u == "P" {
            return format!("{v:.2}{u}");
        }
        v /= 1024.0;
    }
    unreachable!()
}

/// Persistence: RDB saves and the start-up load; no AOF exists yet, and a save never forks,
/// so the copy-on-write fields stay at zero.
fn info_persistence(s: &Server, out: &mut String) {
    let p = &s.persist;
    let (done, total) = p.bgsave.as_ref().map_or((0, 0), |j| (j.keys_done, j.keys_total));
    let _ = write!(
        out,
        "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\n\
         current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:{done}\r\n\
         current_save_keys_total:{total}\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\n\
         rdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\n\
         rdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:0\r\n\
         rdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\naof_enabled:{}\r\n\
         aof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:-1\r\n\
         aof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\n\
         aof_rewrites_consecutive_failures:0\r\naof_last_write_status:{}\r\naof_last_cow_size:0\r\n\
         module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        u8::from(p.loading),
        s.repl.dirty,
        u8::from(p.bgsave.as_ref().is_some_and(|j| j.target.is_rdb_child())),
        s.stats.lastsave_s,
        if p.last_bgsave_ok { "ok" } else { "err" },
        p.last_bgsave_time_s,
        s.bgsave_elapsed_s(),
        s.stats.rdb_saves,
        p.keys_expired_on_load,
        p.keys_loaded,
        u8::from(p.aof.on || p.aof.waiting),
        u8::from(p.aof.rewriting),
        u8::from(p.aof.rewrite_scheduled),
        if p.aof.rewrite_failed { "err" } else { "ok" },
        p.aof.rewrites,
        if p.aof.write_failed { "err" } else { "ok" },
    );
    if p.aof.on {
        out.push_str(&s.aof_info());
    }
}

/// Replication: a replica's master link, then the replicas of this server. No backlog is
/// kept yet (every PSYNC a master answers is a full resync), so its fields show a backlog
/// that holds nothing.
fn info_replication(s: &Server, out: &mut String) {
    let r = &s.repl;
    let role = if s.is_replica() { "slave" } else { "master" };
    let _ = write!(out, "# Replication\r\nrole:{role}\r\n");
    info_master_link(s, out);
    // As Redis' server.slaves: replicas still waiting for their snapshot count too.
    let waiting = r.waiting_sync.iter().map(|(id, _)| id);
    let listed: Vec<_> = r
        .replicas
        .iter()
        .chain(waiting)
        .filter_map(|&id| Some((id, s.clients.get(&id)?)))
        .collect();
    let _ = write!(out, "connected_slaves:{}\r\n", listed.len());
    if s.cfg.min_replicas_to_write > 0 && s.cfg.min_replicas_max_lag > 0 {
        let _ = write!(out, "min_slaves_good_slaves:{}\r\n", s.good_replicas());
    }
    let now = s.clock.mono_us();
    for (i, (id, c)) in listed.iter().enumerate() {
        let lag = now.saturating_sub(c.repl_ack_us) / 1_000_000;
        let _ = write!(
            out,
            "slave{i}:ip={},port={},state={},offset={},lag={lag}\r\n",
            c.replica_ip(),
            c.repl_listening_port,
            s.replica_state(*id),
            c.repl_ack_offset
        );
    }
    let (replid2, second) = match &r.replid2 {
        Some((id, offset)) => (id.as_str(), *offset as i64),
        None => ("0000000000000000000000000000000000000000", -1),
    };
    let first_byte = if r.backlog { r.offset + 1 } else { 0 };
    let _ = write!(
        out,
        "master_failover_state:no-failover\r\nmaster_replid:{}\r\n\
         master_replid2:{replid2}\r\nmaster_repl_offset:{}\r\n\
         second_repl_offset:{second}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\n\
         repl_backlog_first_byte_offset:{first_byte}\r\nrepl_backlog_histlen:0\r\n",
        r.replid,
        r.offset,
        u8::from(r.backlog),
        s.cfg.repl_backlog_size,
    );
}

/// A replica's fields: its master, the link's state and the offsets it applied.
fn info_master_link(s: &Server, out: &mut String) {
    let Some((host, port)) = &s.replica.master else { return };
    let link = &s.replica;
    let up = link.state == crate::replica::LinkState::Connected;
    let now = s.clock.mono_us();
    let last_io = if up {
        (now.saturating_sub(link.last_io_us) / 1_000_000) as i64
    } else {
        -1
    };
    // Without a link Redis shows its cached master's offsets, or 1.
    let (read, applied) = if up {
        (link.read_offset, s.repl.offset)
    } else {
        (s.repl.offset.max(1), s.repl.offset.max(1))
    };
    let _ = write!(
        out,
        "master_host:{host}\r\nmaster_port:{port}\r\nmaster_link_status:{}\r\n\
         master_last_io_seconds_ago:{last_io}\r\nmaster_sync_in_progress:{}\r\n\
         slave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
        if up { "up" } else { "down" },
        u8::from(link.state == crate::replica::LinkState::Transfer),
        read,
        applied,
    );
    if let Some(p) = link.transfer_progress() {
        // As Redis computes it, a negative percentage for a transfer of unknown size.
        let perc = if p.total != 0 {
            p.read as f64 / p.total as f64 * 100.0
        } else {
            0.0
        };
        let idle = now.saturating_sub(link.last_io_us) / 1_000_000;
        let _ = write!(
            out,
            "master_sync_total_bytes:{}\r\nmaster_sync_read_bytes:{}\r\nmaster_sync_left_bytes:{}\r\n\
             master_sync_perc:{perc:.2}\r\nmaster_sync_last_io_seconds_ago:{idle}\r\n",
            p.total,
            p.read,
            p.total - p.read,
        );
    }
    if !up {
        let down = link
            .down_since_us
            .map_or(-1, |t| (now.saturating_sub(t) / 1_000_000) as i64);
        let _ = write!(out, "master_link_down_since_seconds:{down}\r\n");
    }
    let _ = write!(
        out,
        "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
        s.cfg.replica_priority,
        u8::from(s.cfg.replica_read_only),
        u8::from(s.cfg.replica_announced),
    );
}

fn info_keyspace(s: &Server, out: &mut String) {
    out.push_str("# Keyspace\r\n");
    let now = s.clock.unix_ms();
    for (i, db) in s.dbs.iter().enumerate() {
        if !db.is_empty() {
            let (n, sum) = db.ttl_stats(now);
            let avg = sum.checked_div(n).unwrap_or(0);
            let _ = write!(
                out,
                "db{i}:keys={},expires={},avg_ttl={avg}\r\n",
                db.len(),
                db.expires_len()
            );
        }
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (Redis' shutdownCommand); see `crate::shutdown`.
pub(crate) fn shutdown(ctx: &mut Ctx) {
    let mut f = crate::shutdown::ShutdownFlags::default();
    let mut abort = false;
    for a in &ctx.args[1..] {
        let word = String::from_utf8_lossy(a);
        if word.eq_ignore_ascii_case("abort") {
            abort = true;
        } else if !f.set(&word) {
            return ctx.syntax_error();
        }
    }
    if f.conflicting() || (abort && ctx.args.len() > 2) {
        return ctx.syntax_error();
    }
    if abort {
        return match ctx.srv.abort_shutdown() {
            true => ctx.out.ok(),
            false => ctx.out.err("No shutdown in progress."),
        };
    }
    if !f.now && ctx.client().deny_blocking {
        return ctx
            .out
            .err("SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
    }
    // A busy script leaves only SHUTDOWN NOSAVE (Redis' shutdownCommand).
    if ctx.srv.script_timed_out() && !f.nosave {
        let msg = ctx.srv.busy_error();
        return ctx.out.error(msg);
    }
    let (id, db, args) = (ctx.id, ctx.db(), ctx.args.to_vec());
    ctx.srv.shutdown_command(id, db, args, f);
}
