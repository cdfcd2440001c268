//! Consumer groups (XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM) and XINFO, as Redis 7.0's
//! t_stream.c: the same checks in the same order, the same errors, and the same effects sent
//! to replicas (XCLAIM with FORCE JUSTID, XGROUP SETID) where the command itself is not.

use crate::command::Ctx;
use crate::notify::class as ev;
use crate::resp::parse_i64;
use crate::types::stream::{Group, Stream, StreamId, INVALID_ENTRIES_READ};
use crate::value::Value;

use super::stream_read::{setid_argv, xclaim_argv};
use super::streams::{id_arg, parse_id_ext, read_stream, reply_entry, start_arg, stream_mut, write_stream};

/// Redis' addReplySubcommandSyntaxError.
fn subcommand_syntax_error(ctx: &mut Ctx) {
    let mut msg = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    msg.extend_from_slice(crate::command::c_str(&ctx.args[1], 128));
    msg.extend_from_slice(b"'. Try ");
    msg.extend_from_slice(&ctx.args[0].to_ascii_uppercase());
    msg.extend_from_slice(b" HELP.");
    ctx.out.error_bytes(&msg);
}

/// A NOGROUP error from literal parts and, between them, client arguments printed as C's
/// `%s` prints them (cut at a NUL).
fn nogroup(ctx: &mut Ctx, parts: &[&[u8]]) {
    let msg: Vec<u8> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            if i % 2 == 1 {
                crate::command::c_str(p, usize::MAX)
            } else {
                p
            }
            .iter()
            .copied()
        })
        .collect();
    ctx.out.error_format_bytes(&msg);
}

/// NOGROUP for the group named by argument 3 of the key named by argument 2 (XGROUP, XINFO).
fn no_such_group(ctx: &mut Ctx) {
    let args = ctx.args;
    let parts: [&[u8]; 5] = [
        b"NOGROUP No such consumer group '",
        &args[3],
        b"' for key name '",
        &args[2],
        b"'",
    ];
    nogroup(ctx, &parts);
}

/// What every XGROUP subcommand checks first (Redis' xgroupCommand preamble): the options
/// after the ID, then that the key holds a stream (unless MKSTREAM), then that the group
/// exists for the subcommands that need it. Returns (mkstream, entries_read, exists).
fn xgroup_preamble(ctx: &mut Ctx, needs_group: bool) -> Option<(bool, i64, bool)> {
    let args = ctx.args;
    let sub = &args[1];
    let create = sub.eq_ignore_ascii_case(b"CREATE");
    let setid = sub.eq_ignore_ascii_case(b"SETID");
    let (mut mkstream, mut entries_read) = (false, INVALID_ENTRIES_READ);
    let mut i = 5;
    while i < args.len() {
        if create && args[i].eq_ignore_ascii_case(b"MKSTREAM") {
            mkstream = true;
            i += 1;
        } else if (create || setid) && args[i].eq_ignore_ascii_case(b"ENTRIESREAD") && i + 1 < args.len() {
            entries_read = ctx.int_arg(i + 1)?;
            if entries_read < 0 && entries_read != INVALID_ENTRIES_READ {
                ctx.out.err("value for ENTRIESREAD must be positive or -1");
                return None;
            }
            i += 2;
        } else {
            subcommand_syntax_error(ctx);
            return None;
        }
    }
    let db = ctx.db();
    let (exists, has_group) = match write_stream(ctx.srv, ctx.out, db, &args[2]) {
        Err(()) => return None,
        Ok(None) => (false, false),
        Ok(Some(s)) => (true, s.groups.contains_key(&args[3])),
    };
    if !mkstream {
        if !exists {
            ctx.out.err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
            return None;
        }
        if needs_group && !has_group {
            no_such_group(ctx);
            return None;
        }
    }
    Some((mkstream, entries_read, exists))
}

/// XGROUP CREATE/SETID's ID argument: `$` is the stream's last ID (0-0 for a stream about to
/// be made); CREATE parses it strictly, SETID does not.
fn group_id_arg(ctx: &mut Ctx, db: usize, strict: bool) -> Option<StreamId> {
    if ctx.args[4] == b"$" {
        return Some(stream_mut(ctx.srv, db, &ctx.args[2]).map_or(StreamId::MIN, |s| s.last_id));
    }
    id_arg(ctx, 4, 0, strict)
}

/// XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n]
pub(crate) fn create(ctx: &mut Ctx) {
    let Some((_, entries_read, exists)) = xgroup_preamble(ctx, false) else {
        return;
    };
    let args = ctx.args;
    if args.len() > 8 {
        return subcommand_syntax_error(ctx);
    }
    let db = ctx.db();
    let key = &args[2];
    let Some(id) = group_id_arg(ctx, db, true) else { return };
    if !exists {
        ctx.srv.db_add(db, key, Value::Stream(Box::default()));
        ctx.modified(key);
    }
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    if s.groups.contains_key(&args[3]) {
        return ctx.out.error("BUSYGROUP Consumer Group name already exists");
    }
    s.groups.insert(args[3].clone(), Group::new(id, entries_read));
    ctx.out.ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-create", key);
}

/// XGROUP SETID key group id|$ [ENTRIESREAD n]
pub(crate) fn setid(ctx: &mut Ctx) {
    let Some((_, entries_read, _)) = xgroup_preamble(ctx, true) else {
        return;
    };
    let args = ctx.args;
    if args.len() != 5 && args.len() != 7 {
        return subcommand_syntax_error(ctx);
    }
    let db = ctx.db();
    let key = &args[2];
    let Some(id) = group_id_arg(ctx, db, false) else { return };
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    if let Some(g) = s.groups.get_mut(&args[3]) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    ctx.out.ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-setid", key);
}

/// XGROUP DESTROY key group
pub(crate) fn destroy(ctx: &mut Ctx) {
    if xgroup_preamble(ctx, false).is_none() {
        return;
    }
    let args = ctx.args;
    let db = ctx.db();
    let key = &args[2];
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    if s.groups.remove(&args[3]).is_none() {
        return ctx.out.int(0);
    }
    ctx.out.int(1);
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xgroup-destroy", key);
    // Clients blocked reading through the group get NOGROUP.
    ctx.srv.signal_key_as_ready(db, key, "stream");
}

/// XGROUP CREATECONSUMER key group consumer
pub(crate) fn create_consumer(ctx: &mut Ctx) {
    if xgroup_preamble(ctx, true).is_none() {
        return;
    }
    let args = ctx.args;
    let db = ctx.db();
    let now = ctx.srv.now_ms() as i64;
    let s = stream_mut(ctx.srv, db, &args[2]).expect("the stream exists");
    let created = s
        .groups
        .get_mut(&args[3])
        .is_some_and(|g| g.create_consumer(&args[4], now));
    if created {
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-createconsumer", &args[2]);
    }
    ctx.out.int(i64::from(created));
}

/// XGROUP DELCONSUMER key group consumer: how many entries it had pending.
pub(crate) fn del_consumer(ctx: &mut Ctx) {
    if xgroup_preamble(ctx, true).is_none() {
        return;
    }
    let args = ctx.args;
    let db = ctx.db();
    let s = stream_mut(ctx.srv, db, &args[2]).expect("the stream exists");
    let pending = s.groups.get_mut(&args[3]).and_then(|g| g.delete_consumer(&args[4]));
    if pending.is_some() {
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-delconsumer", &args[2]);
    }
    ctx.out.int(pending.unwrap_or(0) as i64);
}

pub(crate) fn xgroup_help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "XGROUP",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    );
}

/// The group `name` of the stream under `key` for a read-path command (XACK, XPENDING,
/// XCLAIM, XAUTOCLAIM look the key up for reading): `Ok(false)` if key or group is missing.
fn has_group(ctx: &mut Ctx, key: &[u8], name: &[u8]) -> Result<bool, ()> {
    let db = ctx.db();
    Ok(read_stream(ctx.srv, ctx.out, db, key)?.is_some_and(|s| s.groups.contains_key(name)))
}

/// The group named by argument 2 of the stream under argument 1, or Redis' NOGROUP error
/// (or WRONGTYPE) replied.
fn require_group(ctx: &mut Ctx) -> bool {
    let args = ctx.args;
    match has_group(ctx, &args[1], &args[2]) {
        Err(()) => false,
        Ok(true) => true,
        Ok(false) => {
            no_key_or_group(ctx);
            false
        }
    }
}

/// NOGROUP for the key (argument 1) or its group (argument 2).
fn no_key_or_group(ctx: &mut Ctx) {
    let args = ctx.args;
    let parts: [&[u8]; 5] = [
        b"NOGROUP No such key '",
        &args[1],
        b"' or consumer group '",
        &args[2],
        b"'",
    ];
    nogroup(ctx, &parts);
}

/// XACK key group id [id ...]
pub(crate) fn xack(ctx: &mut Ctx) {
    let args = ctx.args;
    match has_group(ctx, &args[1], &args[2]) {
        Err(()) => return,
        Ok(false) => return ctx.out.int(0),
        Ok(true) => {}
    }
    let mut ids = Vec::with_capacity(args.len() - 3);
    for j in 3..args.len() {
        let Some(id) = id_arg(ctx, j, 0, true) else { return };
        ids.push(id);
    }
    let db = ctx.db();
    let s = stream_mut(ctx.srv, db, &args[1]).expect("the stream exists");
    let g = s.groups.get_mut(&args[2]).expect("the group exists");
    let acked = ids.into_iter().filter(|&id| g.ack(id)).count() as u64;
    ctx.dirty(acked);
    ctx.out.int(acked as i64);
}

/// XPENDING key group [[IDLE min-idle] start end count [consumer]]
pub(crate) fn xpending(ctx: &mut Ctx) {
    let args = ctx.args;
    let argc = args.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return ctx.syntax_error();
    }
    let mut range = None;
    if argc >= 6 {
        let mut at = 3;
        let mut minidle = 0;
        if args[3].eq_ignore_ascii_case(b"IDLE") {
            let Some(n) = ctx.int_arg(4) else { return };
            minidle = n;
            if argc < 8 {
                return ctx.syntax_error();
            }
            at += 2;
        }
        let Some(count) = ctx.int_arg(at + 2) else { return };
        let Some(start) = start_arg(ctx, at) else { return };
        let Some(end) = super::streams::end_arg(ctx, at + 1) else {
            return;
        };
        range = Some((minidle, start, end, count.max(0) as usize, args.get(at + 3).cloned()));
    }
    if !require_group(ctx) {
        return;
    }
    let db = ctx.db();
    let now = ctx.srv.now_ms() as i64;
    let s = stream_mut(ctx.srv, db, &args[1]).expect("the stream exists");
    let g = &s.groups[&args[2]];
    let out = &mut *ctx.out;
    let Some((minidle, start, end, count, consumer)) = range else {
        return pending_summary(out, g);
    };
    let ids: Vec<StreamId> = match &consumer {
        Some(name) => match g.consumers.get(name) {
            None => return out.array(0),
            Some(c) => c.pel.range(start..).copied().collect(),
        },
        None => g.pel.range(start..).map(|(id, _)| *id).collect(),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() >= count || id > end {
            break;
        }
        let nack = &g.pel[&id];
        if minidle != 0 && now.wrapping_sub(nack.delivery_time) < minidle {
            continue;
        }
        rows.push((
            id,
            nack.consumer.clone(),
            now.wrapping_sub(nack.delivery_time).max(0),
            nack.delivery_count,
        ));
    }
    out.array(rows.len());
    for (id, consumer, idle, count) in rows {
        out.array(4);
        out.bulk(&id.to_bytes());
        out.bulk(&consumer);
        out.int(idle);
        out.int(count as i64);
    }
}

/// XPENDING's summary form: count, smallest and greatest ID, and per consumer its count.
fn pending_summary(out: &mut crate::resp::Reply, g: &Group) {
    out.array(4);
    out.int(g.pel.len() as i64);
    let (Some((first, _)), Some((last, _))) = (g.pel.first_key_value(), g.pel.last_key_value()) else {
        out.null();
        out.null();
        return out.null_array();
    };
    out.bulk(&first.to_bytes());
    out.bulk(&last.to_bytes());
    let owners: Vec<_> = g.consumers.iter().filter(|(_, c)| !c.pel.is_empty()).collect();
    out.array(owners.len());
    for (name, c) in owners {
        out.array(2);
        out.bulk(name);
        out.bulk(c.pel.len().to_string().as_bytes());
    }
}

/// XCLAIM's options after the IDs.
struct ClaimOpts {
    force: bool,
    justid: bool,
    /// Unix ms the claimed entries count as delivered at.
    delivery_time: i64,
    retrycount: Option<i64>,
    last_id: StreamId,
}

/// Options from `j` on; `None` once an error was replied.
fn claim_options(ctx: &mut Ctx, mut j: usize, now: i64) -> Option<ClaimOpts> {
    let args = ctx.args;
    let mut o = ClaimOpts {
        force: false,
        justid: false,
        delivery_time: -1,
        retrycount: None,
        last_id: StreamId::MIN,
    };
    let int = |ctx: &mut Ctx, i: usize, msg: &str| {
        let v = parse_i64(&ctx.args[i]);
        if v.is_none() {
            ctx.out.err(msg);
        }
        v
    };
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j];
        if opt.eq_ignore_ascii_case(b"FORCE") {
            o.force = true;
        } else if opt.eq_ignore_ascii_case(b"JUSTID") {
            o.justid = true;
        } else if opt.eq_ignore_ascii_case(b"IDLE") && more > 0 {
            j += 1;
            o.delivery_time = now.wrapping_sub(int(ctx, j, "Invalid IDLE option argument for XCLAIM")?);
        } else if opt.eq_ignore_ascii_case(b"TIME") && more > 0 {
            j += 1;
            o.delivery_time = int(ctx, j, "Invalid TIME option argument for XCLAIM")?;
        } else if opt.eq_ignore_ascii_case(b"RETRYCOUNT") && more > 0 {
            j += 1;
            o.retrycount = Some(int(ctx, j, "Invalid RETRYCOUNT option argument for XCLAIM")?);
        } else if opt.eq_ignore_ascii_case(b"LASTID") && more > 0 {
            j += 1;
            o.last_id = id_arg(ctx, j, 0, true)?;
        } else {
            let mut msg = b"ERR Unrecognized XCLAIM option '".to_vec();
            msg.extend_from_slice(crate::command::c_str(opt, usize::MAX));
            msg.push(b'\'');
            ctx.out.error_format_bytes(&msg);
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n]
/// [FORCE] [JUSTID] [LASTID id]
pub(crate) fn xclaim(ctx: &mut Ctx) {
    let args = ctx.args;
    if !require_group(ctx) {
        return;
    }
    let Some(minidle) = parse_i64(&args[4]) else {
        return ctx.out.err("Invalid min-idle-time argument for XCLAIM");
    };
    let minidle = minidle.max(0);
    let mut ids = Vec::new();
    let mut j = 5;
    while j < args.len() {
        match parse_id_ext(&args[j], 0, true, false) {
            Some((id, _)) => ids.push(id),
            None => break,
        }
        j += 1;
    }
    let now = ctx.srv.now_ms() as i64;
    let Some(o) = claim_options(ctx, j, now) else { return };
    let db = ctx.db();
    let (key, group, name) = (&args[1], &args[2], &args[3]);
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    let mut effects: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut propagate_last_id = false;
    let mut dirty = 0;
    {
        let g = s.groups.get_mut(group).expect("the group exists");
        if o.last_id > g.last_id {
            g.last_id = o.last_id;
            propagate_last_id = true;
        }
    }
    let delivery_time = if o.delivery_time == -1 || o.delivery_time < 0 || o.delivery_time > now {
        now
    } else {
        o.delivery_time
    };
    let mut claimed = Vec::new();
    let mut created_consumer = false;
    for id in ids {
        let exists = s.contains(id);
        let g = s.groups.get_mut(group).expect("the group exists");
        if !exists {
            if g.pel.contains_key(&id) {
                effects.push(xclaim_argv(key, group, g, id));
                propagate_last_id = false;
                dirty += 1;
                g.ack(id);
            }
            continue;
        }
        let fresh = !g.pel.contains_key(&id);
        if fresh && !o.force {
            continue;
        }
        if !fresh && minidle > 0 && now.wrapping_sub(g.pel[&id].delivery_time) < minidle {
            continue;
        }
        created_consumer |= g.seen_consumer(name, now);
        if fresh {
            g.pel.insert(
                id,
                crate::types::stream::Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: name.clone(),
                },
            );
        }
        g.transfer(id, name);
        let nack = g.pel.get_mut(&id).expect("just made pending");
        nack.delivery_time = delivery_time;
        match o.retrycount {
            Some(n) if n >= 0 => nack.delivery_count = n as u64,
            _ if !o.justid => nack.delivery_count += 1,
            _ => {}
        }
        claimed.push(id);
        effects.push(xclaim_argv(key, group, g, id));
        propagate_last_id = false;
        dirty += 1;
    }
    if propagate_last_id {
        effects.push(setid_argv(key, group, &s.groups[group]));
        dirty += 1;
    }
    let entries = claimed_entries(s, &claimed, o.justid);
    consumer_created(ctx, created_consumer, key);
    reply_claimed(ctx.out, &claimed, &entries, o.justid);
    finish_claims(ctx, db, effects, dirty);
}

/// The entries a claim replies (none with JUSTID).
fn claimed_entries(s: &Stream, claimed: &[StreamId], justid: bool) -> Vec<crate::types::stream::StreamEntry> {
    if justid {
        return Vec::new();
    }
    claimed.iter().filter_map(|&id| s.get(id)).collect()
}

/// A claim that made its consumer counts that change and raises its keyspace event.
fn consumer_created(ctx: &mut Ctx, created: bool, key: &[u8]) {
    if created {
        ctx.dirty(1);
        ctx.notify(ev::STREAM, "xgroup-createconsumer", key);
    }
}

/// The claimed entries, or with JUSTID only their IDs.
fn reply_claimed(
    out: &mut crate::resp::Reply,
    claimed: &[StreamId],
    entries: &[crate::types::stream::StreamEntry],
    justid: bool,
) {
    if justid {
        out.array(claimed.len());
        for id in claimed {
            out.bulk(&id.to_bytes());
        }
    } else {
        super::streams::reply_entries(out, entries);
    }
}

/// The effects of a claim go to replicas one by one; the command itself never does.
fn finish_claims(ctx: &mut Ctx, db: usize, effects: Vec<Vec<Vec<u8>>>, dirty: u64) {
    for argv in effects {
        ctx.srv.repl.also(db, argv);
    }
    ctx.dirty(dirty);
    ctx.srv.repl.prevent();
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
pub(crate) fn xautoclaim(ctx: &mut Ctx) {
    let args = ctx.args;
    // Redis looks the key up before parsing (a hit or a miss, and its event, either way); its
    // type and group are judged after.
    let db = ctx.db();
    let found = ctx.srv.lookup_read(db, &args[1]).map(|v| match v {
        Value::Stream(s) => Some(s.groups.contains_key(&args[2])),
        _ => None,
    });
    let Some(minidle) = parse_i64(&args[4]) else {
        return ctx.out.err("Invalid min-idle-time argument for XAUTOCLAIM");
    };
    let minidle = minidle.max(0);
    let Some(start) = start_arg(ctx, 5) else { return };
    let (mut count, mut justid) = (100i64, false);
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if args[j].eq_ignore_ascii_case(b"COUNT") && more > 0 {
            let max = i64::MAX / 16;
            match parse_i64(&args[j + 1]) {
                Some(n) if (1..=max).contains(&n) => count = n,
                _ => return ctx.out.err("COUNT must be > 0"),
            }
            j += 1;
        } else if args[j].eq_ignore_ascii_case(b"JUSTID") {
            justid = true;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    match found {
        Some(None) => return ctx.out.error(crate::keyspace::WRONGTYPE),
        Some(Some(true)) => {}
        _ => return no_key_or_group(ctx),
    }
    let now = ctx.srv.now_ms() as i64;
    let (key, group, name) = (&args[1], &args[2], &args[3]);
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    let mut attempts = count.saturating_mul(10);
    let mut effects = Vec::new();
    let (mut claimed, mut deleted) = (Vec::new(), Vec::new());
    let mut created_consumer = false;
    let pending: Vec<StreamId> = s.groups[group].pel.range(start..).map(|(id, _)| *id).collect();
    let mut next = None;
    let mut it = pending.into_iter();
    while attempts > 0 && count > 0 {
        let Some(id) = it.next() else { break };
        attempts -= 1;
        let exists = s.contains(id);
        let g = s.groups.get_mut(group).expect("the group exists");
        if !exists {
            effects.push(xclaim_argv(key, group, g, id));
            g.ack(id);
            deleted.push(id);
            count -= 1;
            continue;
        }
        if minidle > 0 && now.wrapping_sub(g.pel[&id].delivery_time) < minidle {
            continue;
        }
        created_consumer |= g.seen_consumer(name, now);
        g.transfer(id, name);
        let nack = g.pel.get_mut(&id).expect("pending");
        nack.delivery_time = now;
        if !justid {
            nack.delivery_count += 1;
        }
        effects.push(xclaim_argv(key, group, g, id));
        claimed.push(id);
        count -= 1;
    }
    if let Some(id) = it.next() {
        next = Some(id);
    }
    let entries = claimed_entries(s, &claimed, justid);
    consumer_created(ctx, created_consumer, key);
    let out = &mut *ctx.out;
    out.array(3);
    out.bulk(&next.unwrap_or(StreamId::MIN).to_bytes());
    reply_claimed(out, &claimed, &entries, justid);
    out.array(deleted.len());
    for id in &deleted {
        out.bulk(&id.to_bytes());
    }
    let dirty = effects.len() as u64;
    finish_claims(ctx, db, effects, dirty);
}

pub(crate) fn xinfo_help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "XINFO",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    );
}

/// The stream XINFO looks at, or `no such key` / WRONGTYPE replied.
fn info_stream_of<'s>(ctx: &'s mut Ctx) -> Option<&'s Stream> {
    let db = ctx.db();
    let key = &ctx.args[2];
    match read_stream(ctx.srv, ctx.out, db, key) {
        Err(()) => None,
        Ok(None) => {
            ctx.out.err("no such key");
            None
        }
        Ok(Some(_)) => match ctx.srv.dbs[db].get(key) {
            Some(Value::Stream(s)) => Some(s),
            _ => None,
        },
    }
}

/// XINFO CONSUMERS key group
pub(crate) fn info_consumers(ctx: &mut Ctx) {
    let now = ctx.srv.now_ms() as i64;
    let args = ctx.args;
    let Some(s) = info_stream_of(ctx) else { return };
    let Some(g) = s.groups.get(&args[3]) else {
        return no_such_group(ctx);
    };
    let rows: Vec<(Vec<u8>, usize, i64)> = g
        .consumers
        .iter()
        .map(|(n, c)| (n.clone(), c.pel.len(), now.wrapping_sub(c.seen_time).max(0)))
        .collect();
    let out = &mut *ctx.out;
    out.array(rows.len());
    for (name, pending, idle) in rows {
        out.map(3);
        out.bulk(b"name");
        out.bulk(&name);
        out.bulk(b"pending");
        out.int(pending as i64);
        out.bulk(b"idle");
        out.int(idle);
    }
}

/// XINFO GROUPS key
pub(crate) fn info_groups(ctx: &mut Ctx) {
    let Some(s) = info_stream_of(ctx) else { return };
    let rows: Vec<_> = s
        .groups
        .iter()
        .map(|(n, g)| {
            (
                n.clone(),
                g.consumers.len(),
                g.pel.len(),
                g.last_id,
                g.entries_read,
                s.lag(g),
            )
        })
        .collect();
    let out = &mut *ctx.out;
    out.array(rows.len());
    for (name, consumers, pending, last, read, lag) in rows {
        out.map(6);
        out.bulk(b"name");
        out.bulk(&name);
        out.bulk(b"consumers");
        out.int(consumers as i64);
        out.bulk(b"pending");
        out.int(pending as i64);
        out.bulk(b"last-delivered-id");
        out.bulk(&last.to_bytes());
        out.bulk(b"entries-read");
        int_or_null(out, (read != INVALID_ENTRIES_READ).then_some(read));
        out.bulk(b"lag");
        int_or_null(out, lag);
    }
}

fn int_or_null(out: &mut crate::resp::Reply, v: Option<i64>) {
    match v {
        Some(n) => out.int(n),
        None => out.null(),
    }
}

/// XINFO STREAM key [FULL [COUNT count]]
pub(crate) fn info_stream(ctx: &mut Ctx) {
    let args = ctx.args;
    if info_stream_of(ctx).is_none() {
        return;
    }
    let opts = &args[3..];
    let mut count: i64 = 10;
    let full = !opts.is_empty();
    if full {
        if (opts.len() != 1 && opts.len() != 3) || !opts[0].eq_ignore_ascii_case(b"FULL") {
            return subcommand_syntax_error(ctx);
        }
        if opts.len() == 3 {
            if !opts[1].eq_ignore_ascii_case(b"COUNT") {
                return subcommand_syntax_error(ctx);
            }
            let Some(n) = ctx.int_arg(5) else { return };
            count = if n < 0 { 10 } else { n };
        }
    }
    let db = ctx.db();
    let Some(Value::Stream(s)) = ctx.srv.dbs[db].get(&args[2]) else {
        return;
    };
    let s = s.clone();
    let out = &mut *ctx.out;
    out.map(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.length as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.node_count() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(rax_nodes(&s) as i64);
    out.bulk(b"last-generated-id");
    out.bulk(&s.last_id.to_bytes());
    out.bulk(b"max-deleted-entry-id");
    out.bulk(&s.max_deleted_entry_id.to_bytes());
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    out.bulk(&s.first_id.to_bytes());
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        for (name, rev) in [(&b"first-entry"[..], false), (b"last-entry", true)] {
            out.bulk(name);
            match s.range(StreamId::MIN, StreamId::MAX, 1, rev).first() {
                Some(e) => reply_entry(out, e),
                None => out.null(),
            }
        }
        return;
    }
    let limit = if count == 0 { usize::MAX } else { count as usize };
    out.bulk(b"entries");
    super::streams::reply_entries(out, &s.range(StreamId::MIN, StreamId::MAX, count as usize, false));
    out.bulk(b"groups");
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        out.bulk(&g.last_id.to_bytes());
        out.bulk(b"entries-read");
        int_or_null(out, (g.entries_read != INVALID_ENTRIES_READ).then_some(g.entries_read));
        out.bulk(b"lag");
        int_or_null(out, s.lag(g));
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let shown: Vec<_> = g.pel.iter().take(limit).collect();
        out.array(shown.len());
        for (id, n) in shown {
            out.array(4);
            out.bulk(&id.to_bytes());
            out.bulk(&n.consumer);
            out.int(n.delivery_time);
            out.int(n.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map(4);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            let shown: Vec<_> = c.pel.iter().take(limit).collect();
            out.array(shown.len());
            for id in shown {
                let n = &g.pel[id];
                out.array(3);
                out.bulk(&id.to_bytes());
                out.int(n.delivery_time);
                out.int(n.delivery_count as i64);
            }
        }
    }
}

/// The node count of the radix tree Redis would hold the stream's node keys in (its
/// `numnodes`): a compressed radix tree over the 16-byte big-endian master IDs, counted the
/// way rax.c builds it (a node per branching point and per compressed run, plus the leaves).
fn rax_nodes(s: &Stream) -> usize {
    let keys: Vec<[u8; 16]> = s.nodes().map(|(id, _)| id.to_be_bytes()).collect();
    if keys.is_empty() {
        return 1;
    }
    count_rax(&keys, 0)
}

/// Nodes of the rax holding `keys` (sorted, distinct, equal length) from byte `depth` on.
fn count_rax(keys: &[[u8; 16]], depth: usize) -> usize {
    if depth == 16 {
        return 1;
    }
    if keys.len() == 1 {
        // One compressed node for the rest of the key, then the leaf.
        return 2;
    }
    // The longest common run from here becomes one compressed node.
    let mut d = depth;
    while d < 16 && keys.iter().all(|k| k[d] == keys[0][d]) {
        d += 1;
    }
    let compressed = usize::from(d > depth);
    // A branching node, then a child per distinct byte.
    let mut total = compressed + 1;
    let mut i = 0;
    while i < keys.len() {
        let b = keys[i][d];
        let j = i + keys[i..].iter().take_while(|k| k[d] == b).count();
        total += count_rax(&keys[i..j], d + 1);
        i = j;
    }
    total
}
