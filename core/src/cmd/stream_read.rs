//! XREAD and XREADGROUP (Redis' xreadCommand): served at once when a stream has entries past
//! the asked ID, else blocked (BLOCK) until an XADD passes it; a consumer group delivers new
//! entries (`>`) into its pending list or replays a consumer's history.

use crate::command::Ctx;
use crate::resp::Reply;
use crate::server::Server;
use crate::types::stream::{Stream, StreamEntry, StreamId};

use super::streams::{parse_id_ext, reply_entry, stream_mut, INVALID_ID};

/// Redis' XREAD_BLOCKED_DEFAULT_COUNT: a served blocked reader gets at most this many.
const BLOCKED_DEFAULT_COUNT: usize = 1000;

/// What a client blocked in XREAD or XREADGROUP waits for.
#[derive(Debug, Clone)]
pub(crate) struct StreamWait {
    /// Per key (in key order): entries must be past this ID (XREAD; `$` resolved).
    pub ids: Vec<StreamId>,
    pub group: Option<GroupWait>,
    /// At most this many entries when served.
    pub count: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupWait {
    pub group: Vec<u8>,
    pub consumer: Vec<u8>,
    pub noack: bool,
}

/// A blocked reader being served from `key`, past `gt` (see `crate::blocking`).
#[derive(Debug)]
pub(crate) struct StreamServe {
    pub key: Vec<u8>,
    pub gt: StreamId,
    pub wait: StreamWait,
}

/// XREAD / XREADGROUP key positions (Redis' xreadGetKeys): the first half of what follows
/// STREAMS, once the options before it parse.
pub(crate) fn xread_keys(args: &[Vec<u8>]) -> Vec<(usize, &'static [&'static str])> {
    let mut i = 1;
    let mut streams = None;
    while i < args.len() {
        let a = &args[i];
        if a.eq_ignore_ascii_case(b"block") || a.eq_ignore_ascii_case(b"count") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"group") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"streams") {
            streams = Some(i);
            break;
        } else if !a.eq_ignore_ascii_case(b"noack") {
            break;
        }
        i += 1;
    }
    let Some(at) = streams else { return Vec::new() };
    let num = args.len() - at - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    const FLAGS: &[&str] = &["RO", "access"];
    (at + 1..at + 1 + num / 2).map(|k| (k, FLAGS)).collect()
}

struct ReadArgs {
    timeout_ms: Option<i64>,
    count: usize,
    streams_at: usize,
    nkeys: usize,
    group: Option<GroupWait>,
}

/// The options before STREAMS, checked in Redis' order; `None` once an error was replied.
fn parse_options(ctx: &mut Ctx, xreadgroup: bool) -> Option<ReadArgs> {
    let args = ctx.args;
    let mut r = ReadArgs {
        timeout_ms: None,
        count: 0,
        streams_at: 0,
        nkeys: 0,
        group: None,
    };
    let mut noack = false;
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let o = &args[i];
        if o.eq_ignore_ascii_case(b"BLOCK") && more > 0 {
            if ctx.srv.scripting.run.is_some() {
                let name = String::from_utf8_lossy(&args[0]).into_owned();
                ctx.out
                    .err(&format!("{name} command is not allowed with BLOCK option from scripts"));
                return None;
            }
            i += 1;
            let Some(t) = crate::resp::parse_i64(&args[i]) else {
                ctx.out.err("timeout is not an integer or out of range");
                return None;
            };
            if t < 0 {
                ctx.out.err("timeout is negative");
                return None;
            }
            r.timeout_ms = Some(t);
        } else if o.eq_ignore_ascii_case(b"COUNT") && more > 0 {
            i += 1;
            r.count = ctx.int_arg(i)?.max(0) as usize;
        } else if o.eq_ignore_ascii_case(b"STREAMS") && more > 0 {
            r.streams_at = i + 1;
            let n = args.len() - r.streams_at;
            if !n.is_multiple_of(2) {
                ctx.out
                    .err("Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                return None;
            }
            r.nkeys = n / 2;
            break;
        } else if o.eq_ignore_ascii_case(b"GROUP") && more >= 2 {
            if !xreadgroup {
                ctx.out
                    .err("The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                return None;
            }
            r.group = Some(GroupWait {
                group: args[i + 1].clone(),
                consumer: args[i + 2].clone(),
                noack: false,
            });
            i += 2;
        } else if o.eq_ignore_ascii_case(b"NOACK") {
            if !xreadgroup {
                ctx.out
                    .err("The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                return None;
            }
            noack = true;
        } else {
            ctx.syntax_error();
            return None;
        }
        i += 1;
    }
    if r.streams_at == 0 {
        ctx.syntax_error();
        return None;
    }
    if xreadgroup && r.group.is_none() {
        ctx.out.err("Missing GROUP option for XREADGROUP");
        return None;
    }
    if let Some(g) = r.group.as_mut() {
        g.noack = noack;
    }
    Some(r)
}

/// Each key's ID: `$` is the stream's last ID now, `>` (XREADGROUP) the group's next entries
/// (kept as the maximum ID); checks the groups exist. `None` once an error was replied.
fn resolve_ids(ctx: &mut Ctx, r: &ReadArgs) -> Option<Vec<StreamId>> {
    let args = ctx.args;
    let db = ctx.db();
    let mut ids = Vec::with_capacity(r.nkeys);
    for k in 0..r.nkeys {
        let key = &args[r.streams_at + k];
        let arg = &args[r.streams_at + r.nkeys + k];
        let s = super::streams::read_stream(ctx.srv, ctx.out, db, key).ok()?;
        if let Some(g) = &r.group {
            if !s.is_some_and(|s| s.groups.contains_key(&g.group)) {
                // Printed as C's %s prints them: cut at a NUL.
                let mut msg = b"NOGROUP No such key '".to_vec();
                msg.extend_from_slice(crate::command::c_str(key, usize::MAX));
                msg.extend_from_slice(b"' or consumer group '");
                msg.extend_from_slice(crate::command::c_str(&g.group, usize::MAX));
                msg.extend_from_slice(b"' in XREADGROUP with GROUP option");
                ctx.out.error_format_bytes(&msg);
                return None;
            }
        }
        let last = s.map_or(StreamId::MIN, |s| s.last_id);
        if arg == b"$" {
            if r.group.is_some() {
                ctx.out.err("The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
                return None;
            }
            ids.push(last);
        } else if arg == b">" {
            if r.group.is_none() {
                ctx.out.err(
                    "The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
                );
                return None;
            }
            ids.push(StreamId::MAX);
        } else {
            match parse_id_ext(arg, 0, true, false) {
                Some((id, _)) => ids.push(id),
                None => {
                    ctx.out.err(INVALID_ID);
                    return None;
                }
            }
        }
    }
    Some(ids)
}

/// XREAD [COUNT n] [BLOCK ms] STREAMS key... id... and
/// XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...
pub(crate) fn xread(ctx: &mut Ctx) {
    // Nothing XREAD(GROUP) does goes to replicas as itself: a group's reads go as XCLAIMs.
    ctx.srv.repl.prevent();
    if let Some(sv) = ctx.srv.blocking.stream_serve.take() {
        return serve_blocked(ctx, sv);
    }
    let args = ctx.args;
    let xreadgroup = args[0].len() == 10;
    let Some(r) = parse_options(ctx, xreadgroup) else {
        return;
    };
    let Some(ids) = resolve_ids(ctx, &r) else { return };
    let db = ctx.db();
    // Each key is looked up again and judged as it comes, as Redis does: a stream named twice
    // is served once its group has moved past what the first read took.
    let mark = ctx.out.buf.len();
    let mut served = 0;
    for (k, gt) in ids.iter().enumerate() {
        let key = args[r.streams_at + k].clone();
        let Ok(Some(s)) = super::streams::read_stream(ctx.srv, ctx.out, db, &key) else {
            continue;
        };
        // A group reading `>` reads past its own last ID; its history is always served.
        let after = match &r.group {
            Some(_) if *gt != StreamId::MAX => Some(*gt),
            Some(g) => {
                let last = s.groups[&g.group].last_id;
                (s.length > 0 && s.last_valid_id() > last).then_some(last)
            }
            None => (s.length > 0 && s.last_valid_id() > *gt).then_some(*gt),
        };
        let Some(after) = after else { continue };
        served += 1;
        if !ctx.out.resp3 {
            ctx.out.array(2);
        }
        ctx.out.bulk(&key);
        let start = after.incr().unwrap_or(StreamId::MIN);
        let history = r.group.is_some() && *gt != StreamId::MAX;
        read_into_reply(ctx, db, &key, start, r.count, r.group.as_ref(), history);
        if r.group.is_some() {
            ctx.dirty(1);
        }
    }
    if served > 0 {
        let mut head = Reply::new(ctx.out.resp3);
        if head.resp3 {
            head.map(served);
        } else {
            head.array(served);
        }
        ctx.out.buf.splice(mark..mark, head.buf);
        return;
    }
    let Some(timeout) = r.timeout_ms else {
        return ctx.out.null_array();
    };
    if ctx.client().deny_blocking {
        return ctx.out.null_array();
    }
    let wait = StreamWait {
        ids,
        group: r.group,
        count: if r.count > 0 { r.count } else { BLOCKED_DEFAULT_COUNT },
    };
    let keys = r.streams_at..r.streams_at + r.nkeys;
    ctx.srv.block_stream(ctx.id, db, args.to_vec(), keys, timeout, wait);
}

/// A blocked reader served from one key: the reply Redis' serveClientsBlockedOnStreamKey
/// writes, `[[key, entries]]`.
fn serve_blocked(ctx: &mut Ctx, sv: StreamServe) {
    let db = ctx.db();
    if ctx.out.resp3 {
        ctx.out.map(1);
    } else {
        ctx.out.array(1);
        ctx.out.array(2);
    }
    ctx.out.bulk(&sv.key);
    let start = sv.gt.incr().unwrap_or(StreamId::MIN);
    read_into_reply(ctx, db, &sv.key, start, sv.wait.count, sv.wait.group.as_ref(), false);
}

/// Replies the entries of `key` from `start` on (at most `count`, 0 = all). With a group: new
/// entries move its last ID and become pending for the consumer (created if new) unless
/// NOACK, each going to replicas as an XCLAIM; `history` replays the consumer's pending
/// entries instead (Redis' streamReplyWithRange and streamReplyWithRangeFromConsumerPEL).
fn read_into_reply(
    ctx: &mut Ctx,
    db: usize,
    key: &[u8],
    start: StreamId,
    count: usize,
    group: Option<&GroupWait>,
    history: bool,
) {
    let Some(g) = group else {
        let s = stream_mut(ctx.srv, db, key).expect("served keys hold streams");
        let entries = s.range(start, StreamId::MAX, count, false);
        return super::streams::reply_entries(ctx.out, &entries);
    };
    let now = ctx.srv.now_ms() as i64;
    ensure_consumer(ctx, db, key, g, now);
    let s = stream_mut(ctx.srv, db, key).expect("served keys hold streams");
    if history {
        return reply_history(ctx.out, s, &g.group, &g.consumer, start, count, now);
    }
    let entries = s.range(start, StreamId::MAX, count, false);
    let mut claims = Vec::new();
    let mut moved = false;
    for e in &entries {
        let last = s.groups.get(&g.group).map_or(StreamId::MAX, |grp| grp.last_id);
        if e.id > last {
            s.advance_group(&g.group, e.id);
            moved = true;
        }
        if !g.noack {
            if let Some(grp) = s.groups.get_mut(&g.group) {
                grp.deliver(e.id, &g.consumer, now);
                claims.push(xclaim_argv(key, &g.group, grp, e.id));
            }
        }
    }
    let setid = (g.noack && moved).then(|| setid_argv(key, &g.group, &s.groups[&g.group]));
    super::streams::reply_entries(ctx.out, &entries);
    for argv in claims.into_iter().chain(setid) {
        ctx.srv.repl.also(db, argv);
    }
}

/// The consumer reading, refreshed or created (with its keyspace event; created under
/// NOACK it goes to replicas, which see no XCLAIM to create it).
fn ensure_consumer(ctx: &mut Ctx, db: usize, key: &[u8], g: &GroupWait, now: i64) {
    let s = stream_mut(ctx.srv, db, key).expect("served keys hold streams");
    let Some(grp) = s.groups.get_mut(&g.group) else { return };
    if !grp.seen_consumer(&g.consumer, now) {
        return;
    }
    ctx.dirty(1);
    ctx.notify_in(db, crate::notify::class::STREAM, "xgroup-createconsumer", key);
    if g.noack {
        let argv = vec![
            b"XGROUP".to_vec(),
            b"CREATECONSUMER".to_vec(),
            key.to_vec(),
            g.group.clone(),
            g.consumer.clone(),
        ];
        ctx.srv.repl.also(db, argv);
    }
}

/// A consumer's pending entries from `start` on: each delivered again (count and time), or
/// `[id, nil]` when the entry was deleted meanwhile.
fn reply_history(
    out: &mut Reply,
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    now: i64,
) {
    let Some(grp) = s.groups.get(group) else {
        return out.array(0);
    };
    let Some(c) = grp.consumers.get(consumer) else {
        return out.array(0);
    };
    let ids: Vec<StreamId> = c
        .pel
        .range(start..)
        .take(if count == 0 { usize::MAX } else { count })
        .copied()
        .collect();
    let found: Vec<Option<StreamEntry>> = ids.iter().map(|&id| s.get(id)).collect();
    out.array(ids.len());
    for (id, e) in ids.into_iter().zip(found) {
        match e {
            Some(e) => {
                reply_entry(out, &e);
                if let Some(n) = s.groups.get_mut(group).and_then(|g| g.pel.get_mut(&id)) {
                    n.delivery_time = now;
                    n.delivery_count += 1;
                }
            }
            None => {
                out.array(2);
                out.bulk(&id.to_bytes());
                out.null_array();
            }
        }
    }
}

/// Redis' streamPropagateXCLAIM: `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE
/// JUSTID LASTID last-id`, what a replica needs to hold the same pending entry.
pub(crate) fn xclaim_argv(key: &[u8], group: &[u8], g: &crate::types::stream::Group, id: StreamId) -> Vec<Vec<u8>> {
    let nack = g.pel.get(&id);
    vec![
        b"XCLAIM".to_vec(),
        key.to_vec(),
        group.to_vec(),
        nack.map_or_else(Vec::new, |n| n.consumer.clone()),
        b"0".to_vec(),
        id.to_bytes(),
        b"TIME".to_vec(),
        nack.map_or(0, |n| n.delivery_time).to_string().into_bytes(),
        b"RETRYCOUNT".to_vec(),
        nack.map_or(0, |n| n.delivery_count).to_string().into_bytes(),
        b"FORCE".to_vec(),
        b"JUSTID".to_vec(),
        b"LASTID".to_vec(),
        g.last_id.to_bytes(),
    ]
}

/// Redis' streamPropagateGroupID: `XGROUP SETID key group last-id ENTRIESREAD n`.
pub(crate) fn setid_argv(key: &[u8], group: &[u8], g: &crate::types::stream::Group) -> Vec<Vec<u8>> {
    vec![
        b"XGROUP".to_vec(),
        b"SETID".to_vec(),
        key.to_vec(),
        group.to_vec(),
        g.last_id.to_bytes(),
        b"ENTRIESREAD".to_vec(),
        g.entries_read.to_string().into_bytes(),
    ]
}

impl Server {
    /// Whether a blocked reader can be served from the stream under `key` now: the stream's
    /// last ID is past what it waits for (a group's current last ID for XREADGROUP).
    /// `Err` carries the error for a reader whose group is gone.
    pub(crate) fn stream_ready_for(
        &self,
        db: usize,
        key: &[u8],
        wait: &StreamWait,
        key_index: usize,
    ) -> Result<Option<StreamId>, &'static str> {
        let Some(crate::value::Value::Stream(s)) = self.dbs[db].get(key) else {
            return Ok(None);
        };
        let gt = match &wait.group {
            Some(g) => match s.groups.get(&g.group) {
                Some(grp) => grp.last_id,
                None => return Err("NOGROUP the consumer group this client was blocked on no longer exists"),
            },
            None => wait.ids.get(key_index).copied().unwrap_or(StreamId::MAX),
        };
        Ok((s.last_id > gt).then_some(gt))
    }
}
