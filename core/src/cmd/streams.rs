//! Stream commands (Redis' t_stream.c) over [`Stream`]: XADD, XRANGE, XREVRANGE, XLEN, XDEL,
//! XTRIM and XSETID here; reading in `stream_read`, consumer groups and XINFO in
//! `stream_groups`. Replies, errors, keyspace events and what goes to replicas are Redis 7.0's.

use crate::command::acl::{FAST, READ, SLOW, STREAM, WRITE as ACL_WRITE};
use crate::command::flags::{BLOCKING, DENYOOM, FAST as FAST_FLAG, LOADING, MOVABLE_KEYS, READONLY, STALE, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::keyspace::WRONGTYPE;
use crate::notify::class as ev;
use crate::resp::{parse_i64, Reply};
use crate::server::Server;
use crate::types::stream::{Stream, StreamEntry, StreamId, Trim, LISTPACK_MAX_SIZE};
use crate::value::Value;

use super::stream_groups as groups;
use super::stream_read as read;

const GROUP: &str = "stream";
const RO: &[&str] = &["RO"];
const RO_ACCESS: &[&str] = &["RO", "access"];
const RW_UPDATE: &[&str] = &["RW", "update"];
const RW_DELETE: &[&str] = &["RW", "delete"];
const RW_INSERT: &[&str] = &["RW", "insert"];
const NONDET: &[&str] = &["nondeterministic_output"];

#[rustfmt::skip]
static XGROUP_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("xgroup|create", -5, WRITE | DENYOOM, ACL_WRITE | STREAM | SLOW, GROUP, "5.0.0", "Create a consumer group.", "O(1)", groups::create).keys(2, 2, 1, RW_INSERT),
    cmd("xgroup|createconsumer", 5, WRITE | DENYOOM, ACL_WRITE | STREAM | SLOW, GROUP, "6.2.0", "Create a consumer in a consumer group.", "O(1)", groups::create_consumer).keys(2, 2, 1, RW_INSERT),
    cmd("xgroup|delconsumer", 5, WRITE, ACL_WRITE | STREAM | SLOW, GROUP, "5.0.0", "Delete a consumer from a consumer group.", "O(1)", groups::del_consumer).keys(2, 2, 1, RW_DELETE),
    cmd("xgroup|destroy", 4, WRITE, ACL_WRITE | STREAM | SLOW, GROUP, "5.0.0", "Destroy a consumer group.", "O(N) where N is the number of entries in the group's pending entries list (PEL).", groups::destroy).keys(2, 2, 1, RW_DELETE),
    cmd("xgroup|help", 2, LOADING | STALE, STREAM | SLOW, GROUP, "5.0.0", "Show helpful text about the different subcommands", "O(1)", groups::xgroup_help),
    cmd("xgroup|setid", -5, WRITE, ACL_WRITE | STREAM | SLOW, GROUP, "5.0.0", "Set a consumer group to an arbitrary last delivered ID value.", "O(1)", groups::setid).keys(2, 2, 1, RW_UPDATE),
];

#[rustfmt::skip]
static XINFO_SUBCOMMANDS: &[CommandSpec] = &[
    cmd("xinfo|consumers", 4, READONLY, READ | STREAM | SLOW, GROUP, "5.0.0", "List the consumers in a consumer group", "O(1)", groups::info_consumers).keys(2, 2, 1, RO_ACCESS).tips(NONDET),
    cmd("xinfo|groups", 3, READONLY, READ | STREAM | SLOW, GROUP, "5.0.0", "List the consumer groups of a stream", "O(1)", groups::info_groups).keys(2, 2, 1, RO_ACCESS),
    cmd("xinfo|help", 2, LOADING | STALE, STREAM | SLOW, GROUP, "5.0.0", "Show helpful text about the different subcommands", "O(1)", groups::xinfo_help),
    cmd("xinfo|stream", -3, READONLY, READ | STREAM | SLOW, GROUP, "5.0.0", "Get information about a stream", "O(1)", groups::info_stream).keys(2, 2, 1, RO_ACCESS),
];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("xadd", -5, WRITE | DENYOOM | FAST_FLAG, ACL_WRITE | STREAM | FAST, GROUP, "5.0.0", "Appends a new entry to a stream", "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.", xadd).keys(1, 1, 1, RW_UPDATE).tips(NONDET).key_notes("UPDATE instead of INSERT because of the optional trimming feature"),
    cmd("xrange", -4, READONLY, READ | STREAM | SLOW, GROUP, "5.0.0", "Return a range of elements in a stream, with IDs matching the specified IDs interval", "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).", xrange).keys(1, 1, 1, RO_ACCESS),
    cmd("xrevrange", -4, READONLY, READ | STREAM | SLOW, GROUP, "5.0.0", "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).", xrevrange).keys(1, 1, 1, RO_ACCESS),
    cmd("xlen", 2, READONLY | FAST_FLAG, READ | STREAM | FAST, GROUP, "5.0.0", "Return the number of entries in a stream", "O(1)", xlen).keys(1, 1, 1, RO),
    cmd("xread", -4, READONLY | BLOCKING | MOVABLE_KEYS, READ | STREAM | SLOW | crate::command::acl::BLOCKING, GROUP, "5.0.0", "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.", read::xread).getkeys(read::xread_keys),
    cmd("xreadgroup", -7, WRITE | BLOCKING | MOVABLE_KEYS, ACL_WRITE | STREAM | SLOW | crate::command::acl::BLOCKING, GROUP, "5.0.0", "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.", read::xread).getkeys(read::xread_keys),
    cmd("xdel", -3, WRITE | FAST_FLAG, ACL_WRITE | STREAM | FAST, GROUP, "5.0.0", "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", "O(1) for each single item to delete in the stream, regardless of the stream size.", xdel).keys(1, 1, 1, RW_DELETE),
    cmd("xtrim", -4, WRITE, ACL_WRITE | STREAM | SLOW, GROUP, "5.0.0", "Trims the stream to (approximately if '~' is passed) a certain size", "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.", xtrim).keys(1, 1, 1, RW_DELETE).tips(NONDET),
    cmd("xsetid", -3, WRITE | DENYOOM | FAST_FLAG, ACL_WRITE | STREAM | FAST, GROUP, "5.0.0", "An internal command for replicating stream values", "O(1)", xsetid).keys(1, 1, 1, RW_UPDATE),
    cmd("xack", -4, WRITE | FAST_FLAG, ACL_WRITE | STREAM | FAST, GROUP, "5.0.0", "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", "O(1) for each message ID processed.", groups::xack).keys(1, 1, 1, RW_UPDATE),
    cmd("xpending", -3, READONLY, READ | STREAM | SLOW, GROUP, "5.0.0", "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.", groups::xpending).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
    cmd("xclaim", -6, WRITE | FAST_FLAG, ACL_WRITE | STREAM | FAST, GROUP, "5.0.0", "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", "O(log N) with N being the number of messages in the PEL of the consumer group.", groups::xclaim).keys(1, 1, 1, RW_UPDATE).tips(NONDET),
    cmd("xautoclaim", -6, WRITE | FAST_FLAG, ACL_WRITE | STREAM | FAST, GROUP, "6.2.0", "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", "O(1) if COUNT is small.", groups::xautoclaim).keys(1, 1, 1, RW_DELETE).tips(NONDET),
    cmd("xgroup", -2, 0, SLOW, GROUP, "5.0.0", "A container for consumer groups commands", "Depends on subcommand.", super::connection::container).subs(XGROUP_SUBCOMMANDS),
    cmd("xinfo", -2, 0, SLOW, GROUP, "5.0.0", "A container for stream introspection commands", "Depends on subcommand.", super::connection::container).subs(XINFO_SUBCOMMANDS),
];

pub(crate) const INVALID_ID: &str = "Invalid stream ID specified as stream command argument";

/// Redis' string2ull: a canonical decimal, else what C's strtoull takes whole (leading
/// spaces, a sign; a minus wraps around).
fn string2ull(b: &[u8]) -> Option<u64> {
    if let Some(n) = parse_i64(b) {
        return u64::try_from(n).ok();
    }
    let s = b.iter().position(|c| !b" \t\n\x0b\x0c\r".contains(c))?;
    let (neg, digits) = match b[s] {
        b'-' => (true, &b[s + 1..]),
        b'+' => (false, &b[s + 1..]),
        _ => (false, &b[s..]),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Redis' streamGenericParseIDOrReply without the reply: `ms-seq`, `ms` (seq `missing_seq`),
/// `-` and `+` (unless `strict`), and with `star_seq`, `ms-*` (the sequence left to XADD: the
/// flag comes back false).
pub(crate) fn parse_id_ext(b: &[u8], missing_seq: u64, strict: bool, star_seq: bool) -> Option<(StreamId, bool)> {
    if b.len() > 127 {
        return None;
    }
    // Redis copies the argument into a C string: a NUL ends it.
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    match b {
        b"-" if !strict => return Some((StreamId::MIN, true)),
        b"+" if !strict => return Some((StreamId::MAX, true)),
        b"-" | b"+" => return None,
        _ => {}
    }
    match b.iter().position(|&c| c == b'-') {
        None => Some((StreamId::new(string2ull(b)?, missing_seq), true)),
        Some(dash) => {
            let ms = string2ull(&b[..dash])?;
            let rest = &b[dash + 1..];
            if star_seq && rest == b"*" {
                return Some((StreamId::new(ms, 0), false));
            }
            Some((StreamId::new(ms, string2ull(rest)?), true))
        }
    }
}

/// A stream ID argument (Redis' streamParseIDOrReply / streamParseStrictIDOrReply), or the
/// error replied.
pub(crate) fn id_arg(ctx: &mut Ctx, i: usize, missing_seq: u64, strict: bool) -> Option<StreamId> {
    let id = parse_id_ext(&ctx.args[i], missing_seq, strict, false).map(|(id, _)| id);
    if id.is_none() {
        ctx.out.err(INVALID_ID);
    }
    id
}

/// An interval bound: `(id` excludes it (strictly parsed), else as [`id_arg`]. Returns the
/// ID and whether it is exclusive.
pub(crate) fn interval_arg(ctx: &mut Ctx, i: usize, missing_seq: u64) -> Option<(StreamId, bool)> {
    let a = &ctx.args[i];
    let (id, ex) = if a.len() > 1 && a[0] == b'(' {
        (parse_id_ext(&a[1..], missing_seq, true, false), true)
    } else {
        (parse_id_ext(a, missing_seq, false, false), false)
    };
    match id {
        Some((id, _)) => Some((id, ex)),
        None => {
            ctx.out.err(INVALID_ID);
            None
        }
    }
}

/// The start of an interval: an exclusive bound moves one up.
pub(crate) fn start_arg(ctx: &mut Ctx, i: usize) -> Option<StreamId> {
    let (id, ex) = interval_arg(ctx, i, 0)?;
    if !ex {
        return Some(id);
    }
    let next = id.incr();
    if next.is_none() {
        ctx.out.err("invalid start ID for the interval");
    }
    next
}

/// The end of an interval: an exclusive bound moves one down.
pub(crate) fn end_arg(ctx: &mut Ctx, i: usize) -> Option<StreamId> {
    let (id, ex) = interval_arg(ctx, i, u64::MAX)?;
    if !ex {
        return Some(id);
    }
    let prev = id.decr();
    if prev.is_none() {
        ctx.out.err("invalid end ID for the interval");
    }
    prev
}

/// Whether the running command comes from the master or a file being loaded (Redis'
/// mustObeyClient): those are applied as written.
pub(crate) fn must_obey(ctx: &mut Ctx) -> bool {
    ctx.srv.persist.replaying || ctx.client().master
}

/// One entry as `[id, [field, value, ...]]`.
pub(crate) fn reply_entry(out: &mut Reply, e: &StreamEntry) {
    out.array(2);
    out.bulk(&e.id.to_bytes());
    out.array(e.fields.len());
    for f in &e.fields {
        out.bulk(f);
    }
}

pub(crate) fn reply_entries(out: &mut Reply, entries: &[StreamEntry]) {
    out.array(entries.len());
    for e in entries {
        reply_entry(out, e);
    }
}

/// The stream under `key` for reading (counted as a hit or miss), `Ok(None)` if there is none,
/// or WRONGTYPE replied.
pub(crate) fn read_stream<'s>(
    srv: &'s mut Server,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s Stream>, ()> {
    match srv.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => {
            out.error(WRONGTYPE);
            Err(())
        }
    }
}

/// The stream under `key` for writing, `Ok(None)` if there is none, or WRONGTYPE replied.
pub(crate) fn write_stream<'s>(
    srv: &'s mut Server,
    out: &mut Reply,
    db: usize,
    key: &[u8],
) -> Result<Option<&'s mut Stream>, ()> {
    match srv.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => {
            out.error(WRONGTYPE);
            Err(())
        }
    }
}

/// The stream stored under `key` (no lookup side effects), for code that checked it exists.
pub(crate) fn stream_mut<'s>(srv: &'s mut Server, db: usize, key: &[u8]) -> Option<&'s mut Stream> {
    match srv.db_mut(db).get_mut(key) {
        Some(Value::Stream(s)) => Some(s),
        _ => None,
    }
}

/// XADD and XTRIM's trimming options, and XADD's ID (Redis' streamAddTrimArgs).
#[derive(Default)]
struct AddTrimArgs {
    trim: Option<Trim>,
    approx: bool,
    /// Where the MAXLEN/MINID value is, for the rewrite sent to replicas.
    trim_arg: usize,
    limit: u64,
    nomkstream: bool,
    /// XADD's explicit ID and whether its sequence was given.
    id: Option<(StreamId, bool)>,
    /// Where XADD's ID is.
    id_pos: usize,
}

/// Redis' streamParseAddOrTrimArgsOrReply.
fn parse_add_trim(ctx: &mut Ctx, xadd: bool) -> Option<AddTrimArgs> {
    let args = ctx.args;
    let mut p = AddTrimArgs::default();
    let mut limit: Option<i64> = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - 1 - i;
        let opt = &args[i];
        if xadd && opt == b"*" {
            break;
        } else if (opt.eq_ignore_ascii_case(b"maxlen") || opt.eq_ignore_ascii_case(b"minid")) && more > 0 {
            if p.trim.is_some() {
                ctx.out
                    .err("syntax error, MAXLEN and MINID options at the same time are not compatible");
                return None;
            }
            let maxlen = opt.eq_ignore_ascii_case(b"maxlen");
            p.approx = false;
            let next = &args[i + 1];
            if more >= 2 && (next == b"~" || next == b"=") {
                p.approx = next == b"~";
                i += 1;
            }
            p.trim = Some(if maxlen {
                let n = ctx.int_arg(i + 1)?;
                if n < 0 {
                    ctx.out.err("The MAXLEN argument must be >= 0.");
                    return None;
                }
                Trim::MaxLen(n as u64)
            } else {
                Trim::MinId(id_arg(ctx, i + 1, 0, true)?)
            });
            i += 1;
            p.trim_arg = i;
        } else if opt.eq_ignore_ascii_case(b"limit") && more > 0 {
            let n = ctx.int_arg(i + 1)?;
            if n < 0 {
                ctx.out.err("The LIMIT argument must be >= 0.");
                return None;
            }
            limit = Some(n);
            i += 1;
        } else if xadd && opt.eq_ignore_ascii_case(b"nomkstream") {
            p.nomkstream = true;
        } else if xadd {
            match parse_id_ext(opt, 0, true, true) {
                Some(id) => p.id = Some(id),
                None => {
                    ctx.out.err(INVALID_ID);
                    return None;
                }
            }
            break;
        } else {
            ctx.syntax_error();
            return None;
        }
        i += 1;
    }
    p.id_pos = i;
    if limit.is_some_and(|l| l != 0) && p.trim.is_none() {
        ctx.out
            .err("syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return None;
    }
    if !xadd && p.trim.is_none() {
        ctx.out
            .err("syntax error, XTRIM must be called with a trimming strategy");
        return None;
    }
    if must_obey(ctx) {
        p.limit = 0;
    } else if let Some(l) = limit {
        if !p.approx {
            ctx.out
                .err("syntax error, LIMIT cannot be used without the special ~ option");
            return None;
        }
        p.limit = l as u64;
    } else if p.approx {
        let node_entries = ctx.srv.cfg.stream_node_max_entries;
        let l = node_entries.saturating_mul(100);
        p.limit = if l <= 0 { 10000 } else { l.min(1_000_000) as u64 };
    }
    Some(p)
}

/// The arguments a trim goes to replicas with after an approximate trim: `=` and the exact
/// length (MAXLEN) or first ID (MINID) it left, so they trim the same entries.
fn rewrite_trim(argv: &mut [Vec<u8>], p: &AddTrimArgs, s: &Stream) {
    argv[p.trim_arg - 1] = b"=".to_vec();
    argv[p.trim_arg] = match p.trim {
        Some(Trim::MaxLen(_)) => s.length.to_string().into_bytes(),
        _ => s.edge_id(true, false).unwrap_or(StreamId::MAX).to_bytes(),
    };
}

/// The ID XADD gives its entry (Redis' streamAppendItem and streamNextID), or the reason it
/// cannot.
fn next_id(s: &Stream, given: Option<(StreamId, bool)>, now_ms: u64) -> Result<StreamId, &'static str> {
    const TOO_SMALL: &str = "The ID specified in XADD is equal or smaller than the target stream top item";
    let id = match given {
        Some((id, true)) => id,
        Some((id, false)) if id.ms == s.last_id.ms => {
            if s.last_id.seq == u64::MAX {
                return Err(TOO_SMALL);
            }
            StreamId::new(id.ms, s.last_id.seq + 1)
        }
        Some((id, false)) => id,
        None if now_ms > s.last_id.ms => StreamId::new(now_ms, 0),
        None => s.last_id.incr().unwrap_or(StreamId::MIN),
    };
    if id <= s.last_id {
        return Err(TOO_SMALL);
    }
    Ok(id)
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
fn xadd(ctx: &mut Ctx) {
    let Some(p) = parse_add_trim(ctx, true) else { return };
    let args = ctx.args;
    let fields_at = p.id_pos + 1;
    if args.len() < fields_at + 2 || (args.len() - fields_at) % 2 == 1 {
        return ctx.out.err("wrong number of arguments for 'xadd' command");
    }
    if p.id == Some((StreamId::MIN, true)) {
        return ctx.out.err("The ID specified in XADD must be greater than 0-0");
    }
    let db = ctx.db();
    let key = &args[1];
    let exists = match write_stream(ctx.srv, ctx.out, db, key) {
        Err(()) => return,
        Ok(s) => s.is_some(),
    };
    if !exists {
        if p.nomkstream {
            return ctx.out.null();
        }
        ctx.srv.db_add(db, key, Value::Stream(Box::default()));
    }
    let now = ctx.srv.now_ms();
    let (max_bytes, max_entries) = (ctx.srv.cfg.stream_node_max_bytes, ctx.srv.cfg.stream_node_max_entries);
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    if s.last_id == StreamId::MAX {
        return ctx
            .out
            .err("The stream has exhausted the last possible ID, unable to add more items");
    }
    let id = match next_id(s, p.id, now) {
        Ok(id) => id,
        Err(msg) => return ctx.out.err(msg),
    };
    let fields = &args[fields_at..];
    if fields.iter().map(Vec::len).sum::<usize>() > LISTPACK_MAX_SIZE {
        return ctx.out.err("Elements are too large to be stored");
    }
    s.append(
        id,
        fields,
        usize::try_from(max_bytes).unwrap_or(usize::MAX),
        max_entries,
    );
    ctx.out.bulk(&id.to_bytes());
    ctx.modified(key);
    ctx.notify(ev::STREAM, "xadd", key);
    ctx.dirty(1);
    let mut argv = args.to_vec();
    if let Some(how) = p.trim {
        let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
        let trimmed = s.trim(how, p.approx, p.limit);
        if p.approx {
            rewrite_trim(&mut argv, &p, s);
        }
        if trimmed > 0 {
            ctx.notify(ev::STREAM, "xtrim", key);
        }
    }
    // Replicas get the ID chosen here.
    if !matches!(p.id, Some((_, true))) {
        argv[p.id_pos] = id.to_bytes();
    }
    ctx.propagate_as(argv);
    ctx.srv.signal_key_as_ready(db, key, "stream");
}

fn xrange(ctx: &mut Ctx) {
    range(ctx, false);
}

fn xrevrange(ctx: &mut Ctx) {
    range(ctx, true);
}

/// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n]
fn range(ctx: &mut Ctx, rev: bool) {
    let args = ctx.args;
    let (start_at, end_at) = if rev { (3, 2) } else { (2, 3) };
    let Some(start) = start_arg(ctx, start_at) else { return };
    let Some(end) = end_arg(ctx, end_at) else { return };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"COUNT") && j + 1 < args.len() {
            let Some(n) = ctx.int_arg(j + 1) else { return };
            count = n.max(0);
            j += 2;
        } else {
            return ctx.syntax_error();
        }
    }
    let db = ctx.db();
    let s = match read_stream(ctx.srv, ctx.out, db, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.array(0),
        Ok(Some(s)) => s,
    };
    if count == 0 {
        return ctx.out.null_array();
    }
    let entries = s.range(start, end, count.max(0) as usize, rev);
    reply_entries(ctx.out, &entries);
}

fn xlen(ctx: &mut Ctx) {
    let db = ctx.db();
    match read_stream(ctx.srv, ctx.out, db, &ctx.args[1]) {
        Err(()) => {}
        Ok(None) => ctx.out.int(0),
        Ok(Some(s)) => ctx.out.int(s.length as i64),
    }
}

/// XDEL key id [id ...]
fn xdel(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let key = &args[1];
    match write_stream(ctx.srv, ctx.out, db, key) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(_)) => {}
    }
    let mut ids = Vec::with_capacity(args.len() - 2);
    for j in 2..args.len() {
        let Some(id) = id_arg(ctx, j, 0, true) else { return };
        ids.push(id);
    }
    let s = stream_mut(ctx.srv, db, key).expect("the stream exists");
    let deleted = ids.into_iter().filter(|&id| s.xdel(id)).count() as u64;
    if deleted > 0 {
        ctx.modified(key);
        ctx.notify(ev::STREAM, "xdel", key);
        ctx.dirty(deleted);
    }
    ctx.out.int(deleted as i64);
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
fn xtrim(ctx: &mut Ctx) {
    let Some(p) = parse_add_trim(ctx, false) else { return };
    let args = ctx.args;
    let db = ctx.db();
    let key = &args[1];
    let s = match write_stream(ctx.srv, ctx.out, db, key) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(s)) => s,
    };
    let how = p.trim.expect("XTRIM has a strategy");
    let deleted = s.trim(how, p.approx, p.limit);
    if deleted > 0 {
        if p.approx {
            let mut argv = args.to_vec();
            rewrite_trim(&mut argv, &p, s);
            ctx.propagate_as(argv);
        }
        ctx.notify(ev::STREAM, "xtrim", key);
        ctx.modified(key);
        ctx.dirty(deleted);
    }
    ctx.out.int(deleted as i64);
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
fn xsetid(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(id) = id_arg(ctx, 2, 0, true) else { return };
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < args.len() {
        let more = args.len() - 1 - i;
        if args[i].eq_ignore_ascii_case(b"ENTRIESADDED") && more > 0 {
            let Some(n) = ctx.int_arg(i + 1) else { return };
            if n < 0 {
                return ctx.out.err("entries_added must be positive");
            }
            entries_added = n;
        } else if args[i].eq_ignore_ascii_case(b"MAXDELETEDID") && more > 0 {
            let Some(m) = id_arg(ctx, i + 1, 0, true) else { return };
            if id < m {
                return ctx
                    .out
                    .err("The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
            }
            max_xdel = m;
        } else {
            return ctx.syntax_error();
        }
        i += 2;
    }
    let db = ctx.db();
    let s = match write_stream(ctx.srv, ctx.out, db, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.err("no such key"),
        Ok(Some(s)) => s,
    };
    if s.length > 0 {
        if id < s.last_valid_id() {
            return ctx
                .out
                .err("The ID specified in XSETID is smaller than the target stream top item");
        }
        if entries_added != -1 && s.length > entries_added as u64 {
            return ctx
                .out
                .err("The entries_added specified in XSETID is smaller than the target stream length");
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_entry_id = max_xdel;
    }
    ctx.out.ok();
    ctx.dirty(1);
    ctx.notify(ev::STREAM, "xsetid", &args[1]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_redis_does() {
        let p = |s: &str| parse_id_ext(s.as_bytes(), 0, false, false).map(|(id, _)| id);
        assert_eq!(p("5-3"), Some(StreamId::new(5, 3)));
        assert_eq!(p("5"), Some(StreamId::new(5, 0)));
        assert_eq!(p("-"), Some(StreamId::MIN));
        assert_eq!(p("+"), Some(StreamId::MAX));
        assert_eq!(p("+5"), Some(StreamId::new(5, 0)));
        assert_eq!(p("-1"), None);
        assert_eq!(p("abc"), None);
        assert_eq!(p("1-2-3"), None);
        assert_eq!(p("18446744073709551616"), None);
        assert_eq!(parse_id_ext(b"-", 0, true, false), None);
        assert_eq!(parse_id_ext(b"7-*", 0, true, true), Some((StreamId::new(7, 0), false)));
        assert_eq!(parse_id_ext(b"7-*", 0, true, false), None);
    }
}
