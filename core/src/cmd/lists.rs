//! List commands (Redis' t_list.c): pushes and pops at both ends, ranges, indexes, LINSERT,
//! LREM, LTRIM, LPOS, LMOVE and friends, LMPOP, and the blocking forms (BLPOP, BRPOP, BLMOVE,
//! BRPOPLPUSH, BLMPOP) over the generic mechanism of `crate::blocking`.

use crate::command::acl::LIST;
use crate::command::flags::{BLOCKING, DENYOOM, FAST, MOVABLE_KEYS, NOSCRIPT, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::keyspace::WRONGTYPE;
use crate::listpack::Entry;
use crate::notify::class as ev;
use crate::resp::parse_i64;
use crate::types::list::{End, List};
use crate::value::Value;

const GROUP: &str = "list";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("lpush", -3, WRITE | DENYOOM | FAST, LIST, GROUP, "1.0.0", "Prepend one or multiple elements to a list", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", lpush)
        .keys(1, 1, 1, &["RW", "insert"]),
    cmd("rpush", -3, WRITE | DENYOOM | FAST, LIST, GROUP, "1.0.0", "Append one or multiple elements to a list", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", rpush)
        .keys(1, 1, 1, &["RW", "insert"]),
    cmd("lpushx", -3, WRITE | DENYOOM | FAST, LIST, GROUP, "2.2.0", "Prepend an element to a list, only if the list exists", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", lpushx)
        .keys(1, 1, 1, &["RW", "insert"]),
    cmd("rpushx", -3, WRITE | DENYOOM | FAST, LIST, GROUP, "2.2.0", "Append an element to a list, only if the list exists", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", rpushx)
        .keys(1, 1, 1, &["RW", "insert"]),
    cmd("lpop", -2, WRITE | FAST, LIST, GROUP, "1.0.0", "Remove and get the first elements in a list", "O(N) where N is the number of elements returned", lpop)
        .keys(1, 1, 1, &["RW", "access", "delete"]),
    cmd("rpop", -2, WRITE | FAST, LIST, GROUP, "1.0.0", "Remove and get the last elements in a list", "O(N) where N is the number of elements returned", rpop)
        .keys(1, 1, 1, &["RW", "access", "delete"]),
    cmd("llen", 2, READONLY | FAST, LIST, GROUP, "1.0.0", "Get the length of a list", "O(1)", llen)
        .keys(1, 1, 1, &["RO"]),
    cmd("lrange", 4, READONLY, LIST, GROUP, "1.0.0", "Get a range of elements from a list", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", lrange)
        .keys(1, 1, 1, &["RO", "access"]),
    cmd("lindex", 3, READONLY, LIST, GROUP, "1.0.0", "Get an element from a list by its index", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", lindex)
        .keys(1, 1, 1, &["RO", "access"]),
    cmd("lset", 4, WRITE | DENYOOM, LIST, GROUP, "1.0.0", "Set the value of an element in a list by its index", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", lset)
        .keys(1, 1, 1, &["RW", "update"]),
    cmd("linsert", 5, WRITE | DENYOOM, LIST, GROUP, "2.2.0", "Insert an element before or after another element in a list", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", linsert)
        .keys(1, 1, 1, &["RW", "insert"]),
    cmd("lrem", 4, WRITE, LIST, GROUP, "1.0.0", "Remove elements from a list", "O(N+M) where N is the length of the list and M is the number of elements removed.", lrem)
        .keys(1, 1, 1, &["RW", "delete"]),
    cmd("ltrim", 4, WRITE, LIST, GROUP, "1.0.0", "Trim a list to the specified range", "O(N) where N is the number of elements to be removed by the operation.", ltrim)
        .keys(1, 1, 1, &["RW", "delete"]),
    cmd("lpos", -3, READONLY, LIST, GROUP, "6.0.6", "Return the index of matching elements on a list", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", lpos)
        .keys(1, 1, 1, &["RO", "access"]),
    cmd("lmove", 5, WRITE | DENYOOM, LIST, GROUP, "6.2.0", "Pop an element from a list, push it to another list and return it", "O(1)", lmove)
        .keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("rpoplpush", 3, WRITE | DENYOOM, LIST, GROUP, "1.2.0", "Remove the last element in a list, prepend it to another list and return it", "O(1)", rpoplpush)
        .keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("lmpop", -4, WRITE | MOVABLE_KEYS, LIST, GROUP, "7.0.0", "Pop elements from a list", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", lmpop).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("blpop", -3, WRITE | NOSCRIPT | BLOCKING, LIST, GROUP, "2.0.0", "Remove and get the first element in a list, or block until one is available", "O(N) where N is the number of provided keys.", blpop)
        .keys(1, -2, 1, &["RW", "access", "delete"]),
    cmd("brpop", -3, WRITE | NOSCRIPT | BLOCKING, LIST, GROUP, "2.0.0", "Remove and get the last element in a list, or block until one is available", "O(N) where N is the number of provided keys.", brpop)
        .keys(1, -2, 1, &["RW", "access", "delete"]),
    cmd("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, LIST, GROUP, "6.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available", "O(1)", blmove)
        .keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, LIST, GROUP, "2.2.0", "Pop an element from a list, push it to another list and return it; or block until one is available", "O(1)", brpoplpush)
        .keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("blmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, LIST, GROUP, "7.0.0", "Pop elements from a list, or block until one is available", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", blmpop).getkeys(crate::command::keynum_keys::<0, 2, 3, 1>),
];

/// What a lookup found under a key, for commands that only read it.
enum Found<'a> {
    Missing,
    List(&'a List),
    WrongType,
}

/// A read lookup (Redis' lookupKeyRead + checkType).
fn read<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Found<'a> {
    let db = ctx.db();
    match ctx.srv.lookup_read(db, key) {
        None => Found::Missing,
        Some(Value::List(l)) => Found::List(l),
        Some(_) => Found::WrongType,
    }
}

/// A write lookup (Redis' lookupKeyWrite + checkType): `Err` after a WRONGTYPE reply.
fn write<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut List>, ()> {
    let db = ctx.db();
    match ctx.srv.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => {
            ctx.out.error(WRONGTYPE);
            Err(())
        }
    }
}

/// Whether `key` holds a value of another type than list (for checks before any change).
fn is_wrong_type(ctx: &mut Ctx, key: &[u8]) -> bool {
    let db = ctx.db();
    matches!(ctx.srv.lookup_write(db, key), Some(v) if !matches!(v, Value::List(_)))
}

/// Deletes `key` if its list became empty (Redis never keeps an empty list).
fn delete_if_empty(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.db();
    let store = ctx.srv.db_mut(db);
    if matches!(store.get(key), Some(Value::List(l)) if l.is_empty()) {
        store.remove(key);
    }
}

/// Pushes `elements` at `end` of the list under `key`, creating it (Redis' listTypePush after
/// dbAdd, the new list taking `list-max-listpack-size` as it is now); the caller has checked
/// the type. Returns the new length.
fn push_all(ctx: &mut Ctx, key: &[u8], end: End, elements: &[Vec<u8>]) -> usize {
    let db = ctx.db();
    let packed_threshold = ctx.srv.list_packed_threshold;
    if let Ok(Some(l)) = write(ctx, key) {
        elements.iter().for_each(|e| l.push(end, e, packed_threshold));
        return l.len();
    }
    let mut list = List::with_fill(ctx.srv.cfg.list_max_listpack_size);
    elements.iter().for_each(|e| list.push(end, e, packed_threshold));
    let n = list.len();
    ctx.srv.db_add(db, key, Value::List(Box::new(list)));
    n
}

/// The keyspace events of a push and of a pop at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

fn push_generic(ctx: &mut Ctx, end: End, only_existing: bool) {
    let args = ctx.args;
    match write(ctx, &args[1]) {
        Err(()) => return,
        Ok(None) if only_existing => return ctx.out.int(0),
        Ok(_) => {}
    }
    let n = push_all(ctx, &args[1], end, &args[2..]);
    ctx.changed(&args[1], args.len() as u64 - 2);
    ctx.out.int(n as i64);
    ctx.notify(ev::LIST, push_event(end), &args[1]);
}

fn lpush(ctx: &mut Ctx) {
    push_generic(ctx, End::Head, false);
}

fn rpush(ctx: &mut Ctx) {
    push_generic(ctx, End::Tail, false);
}

fn lpushx(ctx: &mut Ctx) {
    push_generic(ctx, End::Head, true);
}

fn rpushx(ctx: &mut Ctx) {
    push_generic(ctx, End::Tail, true);
}

/// Redis' getPositiveLongFromObjectOrReply: 0..=LONG_MAX, else `msg` (or Redis' default).
fn positive_arg(ctx: &mut Ctx, i: usize, msg: &str) -> Option<i64> {
    match parse_i64(&ctx.args[i]) {
        Some(v) if v >= 0 => Some(v),
        _ => {
            ctx.out.err(msg);
            None
        }
    }
}

/// Redis' getRangeLongFromObjectOrReply(1, LONG_MAX, msg): the same error for both failures.
fn at_least_one_arg(ctx: &mut Ctx, i: usize, msg: &str) -> Option<i64> {
    match parse_i64(&ctx.args[i]) {
        Some(v) if v >= 1 => Some(v),
        _ => {
            ctx.out.err(msg);
            None
        }
    }
}

const MUST_BE_POSITIVE: &str = "value is out of range, must be positive";

/// Replies with up to `count` elements popped from `end` (in pop order), deletes the key if
/// it is left empty and counts one change per element (Redis' listElementsRemoved). The list
/// must exist. Returns how many were popped.
fn pop_range_reply(ctx: &mut Ctx, key: &[u8], end: End, count: usize) -> usize {
    let Ok(Some(l)) = write(ctx, key) else { return 0 };
    let n = count.min(l.len());
    let popped: Vec<Vec<u8>> = (0..n).filter_map(|_| l.pop(end)).collect();
    ctx.out.array(popped.len());
    popped.iter().for_each(|e| ctx.out.bulk(e));
    delete_if_empty(ctx, key);
    ctx.notify_removal(ev::LIST, pop_event(end), key);
    ctx.changed(key, n as u64);
    n
}

/// LPOP or RPOP: how a pop from `end` is propagated.
fn pop_name(end: End) -> Vec<u8> {
    match end {
        End::Head => b"LPOP".to_vec(),
        End::Tail => b"RPOP".to_vec(),
    }
}

fn pop_generic(ctx: &mut Ctx, end: End) {
    let args = ctx.args;
    if args.len() > 3 {
        let name = ctx.client().last_cmd;
        return ctx.out.err(&format!("wrong number of arguments for '{name}' command"));
    }
    let count = if args.len() == 3 {
        match positive_arg(ctx, 2, MUST_BE_POSITIVE) {
            Some(n) => Some(n as usize),
            None => return,
        }
    } else {
        None
    };
    let list = match write(ctx, &args[1]) {
        Err(()) => return,
        Ok(None) if count.is_some() => return ctx.out.null_array(),
        Ok(None) => return ctx.out.null(),
        Ok(Some(l)) => l,
    };
    match count {
        Some(0) => ctx.out.array(0),
        Some(n) => {
            pop_range_reply(ctx, &args[1], end, n);
        }
        None => {
            let v = list.pop(end).unwrap_or_default();
            ctx.out.bulk(&v);
            delete_if_empty(ctx, &args[1]);
            ctx.notify_removal(ev::LIST, pop_event(end), &args[1]);
            ctx.changed(&args[1], 1);
        }
    }
}

fn lpop(ctx: &mut Ctx) {
    pop_generic(ctx, End::Head);
}

fn rpop(ctx: &mut Ctx) {
    pop_generic(ctx, End::Tail);
}

fn llen(ctx: &mut Ctx) {
    let args = ctx.args;
    match read(ctx, &args[1]) {
        Found::Missing => ctx.out.int(0),
        Found::List(l) => {
            let n = l.len() as i64;
            ctx.out.int(n)
        }
        Found::WrongType => ctx.out.error(WRONGTYPE),
    }
}

/// Redis' range normalisation (negative from the tail, clamped): positions `start..=end`, or
/// `None` when the range is empty.
fn clamp_range(len: usize, start: i64, end: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

fn lrange(ctx: &mut Ctx) {
    let Some(start) = ctx.int_arg(2) else { return };
    let Some(end) = ctx.int_arg(3) else { return };
    let args = ctx.args;
    let db = ctx.db();
    match ctx.srv.lookup_read(db, &args[1]) {
        None => ctx.out.array(0),
        Some(Value::List(l)) => match clamp_range(l.len(), start, end) {
            None => ctx.out.array(0),
            Some((s, e)) => {
                ctx.out.array(e - s + 1);
                l.range(s, e).for_each(|v| v.with_bytes(|b| ctx.out.bulk(b)));
            }
        },
        Some(_) => ctx.out.error(WRONGTYPE),
    }
}

fn lindex(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let index = parse_i64(&args[2]);
    match ctx.srv.lookup_read(db, &args[1]) {
        None => ctx.out.null(),
        Some(Value::List(l)) => match index {
            None => ctx.out.err("value is not an integer or out of range"),
            Some(i) => match l.position(i).and_then(|p| l.get(p)) {
                Some(v) => v.with_bytes(|b| ctx.out.bulk(b)),
                None => ctx.out.null(),
            },
        },
        Some(_) => ctx.out.error(WRONGTYPE),
    }
}

fn lset(ctx: &mut Ctx) {
    let args = ctx.args;
    let index = parse_i64(&args[2]);
    let packed_threshold = ctx.srv.list_packed_threshold;
    let list = match write(ctx, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.err("no such key"),
        Ok(Some(l)) => l,
    };
    let Some(i) = index else {
        return ctx.out.err("value is not an integer or out of range");
    };
    match list.position(i) {
        Some(p) => {
            list.set(p, &args[3], packed_threshold);
            ctx.changed(&args[1], 1);
            ctx.out.ok();
            ctx.notify(ev::LIST, "lset", &args[1]);
        }
        None => ctx.out.err("index out of range"),
    }
}

fn linsert(ctx: &mut Ctx) {
    let args = ctx.args;
    let after = if args[2].eq_ignore_ascii_case(b"after") {
        true
    } else if args[2].eq_ignore_ascii_case(b"before") {
        false
    } else {
        return ctx.syntax_error();
    };
    let packed_threshold = ctx.srv.list_packed_threshold;
    let list = match write(ctx, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(l)) => l,
    };
    if list.insert_at_pivot(&args[3], after, &args[4], packed_threshold) {
        let n = list.len() as i64;
        ctx.changed(&args[1], 1);
        ctx.notify(ev::LIST, "linsert", &args[1]);
        ctx.out.int(n);
    } else {
        ctx.out.int(-1);
    }
}

fn lrem(ctx: &mut Ctx) {
    let Some(count) = ctx.int_arg(2) else { return };
    let args = ctx.args;
    let list = match write(ctx, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.int(0),
        Ok(Some(l)) => l,
    };
    let from = if count < 0 { End::Tail } else { End::Head };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = list.remove_matching(&args[3], limit, from);
    delete_if_empty(ctx, &args[1]);
    ctx.changed(&args[1], removed as u64);
    if removed > 0 {
        ctx.notify_removal(ev::LIST, "lrem", &args[1]);
    }
    ctx.out.int(removed as i64);
}

fn ltrim(ctx: &mut Ctx) {
    let Some(start) = ctx.int_arg(2) else { return };
    let Some(end) = ctx.int_arg(3) else { return };
    let args = ctx.args;
    let list = match write(ctx, &args[1]) {
        Err(()) => return,
        Ok(None) => return ctx.out.ok(),
        Ok(Some(l)) => l,
    };
    let before = list.len();
    match clamp_range(before, start, end) {
        Some((s, e)) => list.retain_range(s, e),
        None => list.retain_range(1, 0),
    }
    // Redis counts every trimmed element: a trim that keeps everything changes nothing.
    let trimmed = before - list.len();
    delete_if_empty(ctx, &args[1]);
    ctx.notify_removal(ev::LIST, "ltrim", &args[1]);
    ctx.dirty(trimmed as u64);
    // LTRIM signals its key even when it trimmed nothing, as Redis does.
    ctx.modified(&args[1]);
    ctx.out.ok();
}

fn lpos(ctx: &mut Ctx) {
    let args = ctx.args;
    let (mut rank, mut count, mut maxlen) = (1i64, None::<i64>, 0i64);
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let opt = &args[j];
        if opt.eq_ignore_ascii_case(b"rank") && more {
            j += 1;
            let Some(r) = ctx.int_arg(j) else { return };
            if r == 0 {
                return ctx.out.err("RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
            }
            rank = r;
        } else if opt.eq_ignore_ascii_case(b"count") && more {
            j += 1;
            let Some(c) = positive_arg(ctx, j, "COUNT can't be negative") else {
                return;
            };
            count = Some(c);
        } else if opt.eq_ignore_ascii_case(b"maxlen") && more {
            j += 1;
            let Some(m) = positive_arg(ctx, j, "MAXLEN can't be negative") else {
                return;
            };
            maxlen = m;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let from_tail = rank < 0;
    // |i64::MIN| does not fit: no list has that many matches anyway.
    let rank = rank.unsigned_abs();
    let l = match read(ctx, &args[1]) {
        Found::Missing if count.is_some() => return ctx.out.array(0),
        Found::Missing => return ctx.out.null(),
        Found::WrongType => return ctx.out.error(WRONGTYPE),
        Found::List(l) => l,
    };
    let len = l.len();
    let scan = if maxlen == 0 { len } else { len.min(maxlen as usize) };
    let elements: Box<dyn Iterator<Item = Entry>> = if from_tail {
        Box::new(l.iter().rev())
    } else {
        Box::new(l.iter())
    };
    let mut found: Vec<i64> = Vec::new();
    let mut matches = 0u64;
    let want = count.map_or(1, |c| if c == 0 { u64::MAX } else { c as u64 });
    let wanted_int = parse_i64(&args[2]);
    for (i, e) in elements.take(scan).enumerate() {
        if e.matches(&args[2], wanted_int) {
            matches += 1;
            if matches >= rank {
                found.push(if from_tail { (len - i - 1) as i64 } else { i as i64 });
                if found.len() as u64 >= want {
                    break;
                }
            }
        }
    }
    match count {
        Some(_) => {
            ctx.out.array(found.len());
            found.iter().for_each(|&i| ctx.out.int(i));
        }
        None => match found.first() {
            Some(&i) => ctx.out.int(i),
            None => ctx.out.null(),
        },
    }
}

/// LEFT or RIGHT, else a syntax error reply.
fn end_arg(ctx: &mut Ctx, i: usize) -> Option<End> {
    let a = &ctx.args[i];
    if a.eq_ignore_ascii_case(b"left") {
        Some(End::Head)
    } else if a.eq_ignore_ascii_case(b"right") {
        Some(End::Tail)
    } else {
        ctx.syntax_error();
        None
    }
}

/// Redis' lmoveGenericCommand: pop from `src`'s `from` end, push at `dst`'s `to` end, reply
/// with the element (null when `src` is missing). Returns whether an element moved; the caller
/// counts the change (a served BLMOVE does not).
fn move_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> bool {
    match write(ctx, src) {
        Err(()) => return false,
        Ok(None) => {
            ctx.out.null();
            return false;
        }
        Ok(Some(_)) => {}
    }
    if is_wrong_type(ctx, dst) {
        ctx.out.error(WRONGTYPE);
        return false;
    }
    let Ok(Some(l)) = write(ctx, src) else { return false };
    let v = l.pop(from).unwrap_or_default();
    push_all(ctx, dst, to, std::slice::from_ref(&v));
    ctx.notify(ev::LIST, push_event(to), dst);
    ctx.out.bulk(&v);
    // Only now: with `src` == `dst` a list of one element stays (with its TTL), as in Redis.
    delete_if_empty(ctx, src);
    ctx.notify_removal(ev::LIST, pop_event(from), src);
    true
}

fn lmove(ctx: &mut Ctx) {
    let Some(from) = end_arg(ctx, 3) else { return };
    let Some(to) = end_arg(ctx, 4) else { return };
    let args = ctx.args;
    if move_generic(ctx, &args[1], &args[2], from, to) {
        ctx.dirty(1);
        ctx.modified(&args[1]);
        ctx.modified(&args[2]);
    }
}

fn rpoplpush(ctx: &mut Ctx) {
    let args = ctx.args;
    if move_generic(ctx, &args[1], &args[2], End::Tail, End::Head) {
        ctx.dirty(1);
        ctx.modified(&args[1]);
        ctx.modified(&args[2]);
    }
}

/// The parsed arguments of LMPOP/BLMPOP: the keys' positions, the end and the count.
struct MPop {
    keys: std::ops::Range<usize>,
    end: End,
    count: usize,
}

/// Redis' lmpopGenericCommand parsing, from the numkeys argument at `numkeys_at`.
fn parse_mpop(ctx: &mut Ctx, numkeys_at: usize) -> Option<MPop> {
    let numkeys = at_least_one_arg(ctx, numkeys_at, "numkeys should be greater than 0")?;
    let args = ctx.args;
    let first = numkeys_at + 1;
    let where_at = (numkeys as u64)
        .checked_add(first as u64)
        .filter(|&w| w < args.len() as u64);
    let Some(where_at) = where_at.map(|w| w as usize) else {
        ctx.syntax_error();
        return None;
    };
    let end = end_arg(ctx, where_at)?;
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args[j].eq_ignore_ascii_case(b"count") && j + 1 < args.len() {
            j += 1;
            count = Some(at_least_one_arg(ctx, j, "count should be greater than 0")? as usize);
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(MPop {
        keys: first..where_at,
        end,
        count: count.unwrap_or(1),
    })
}

/// Pops from the first non-empty list among the keys: `[key, [elements]]`. Returns false
/// when every key was missing (nothing replied yet); true after any reply (WRONGTYPE too).
fn mpop_first(ctx: &mut Ctx, m: &MPop) -> bool {
    let args = ctx.args;
    for key in &args[m.keys.clone()] {
        match write(ctx, key) {
            Err(()) => return true,
            Ok(None) => continue,
            Ok(Some(l)) if l.is_empty() => continue,
            Ok(Some(_)) => {}
        }
        ctx.out.array(2);
        ctx.out.bulk(key);
        let n = pop_range_reply(ctx, key, m.end, m.count);
        // Replicas get the pop with the count it did (LMPOP/BLMPOP are rewritten).
        super::propagate_served(ctx, vec![pop_name(m.end), key.clone(), n.to_string().into_bytes()]);
        return true;
    }
    false
}

fn lmpop(ctx: &mut Ctx) {
    let Some(m) = parse_mpop(ctx, 1) else { return };
    if !mpop_first(ctx, &m) {
        ctx.out.null_array();
    }
}

// ---------------------------------------------------------------------------------------------
// Blocking forms. Each serves at once when it can; otherwise it blocks the client, and runs
// again (and serves) when a key it waits on holds a list: see `crate::blocking`.

fn bpop_generic(ctx: &mut Ctx, end: End) {
    let args = ctx.args;
    let last = args.len() - 1;
    let Some(timeout) = super::timeout_arg(ctx, last) else {
        return;
    };
    for key in &args[1..last] {
        let l = match write(ctx, key) {
            Err(()) => return,
            Ok(Some(l)) if !l.is_empty() => l,
            Ok(_) => continue,
        };
        let v = l.pop(end).unwrap_or_default();
        ctx.out.array(2);
        ctx.out.bulk(key);
        ctx.out.bulk(&v);
        delete_if_empty(ctx, key);
        ctx.notify_removal(ev::LIST, pop_event(end), key);
        // Redis counts the change only when the pop happens at once, in listElementsRemoved.
        ctx.modified(key);
        if !super::serving_blocked(ctx) {
            ctx.dirty(1);
        }
        super::propagate_served(ctx, vec![pop_name(end), key.clone()]);
        return;
    }
    super::block_on(ctx, 1..last, timeout, "list");
}

fn blpop(ctx: &mut Ctx) {
    bpop_generic(ctx, End::Head);
}

fn brpop(ctx: &mut Ctx) {
    bpop_generic(ctx, End::Tail);
}

/// Redis' blmoveGenericCommand: LMOVE when the source exists, else block on it.
fn bmove_generic(ctx: &mut Ctx, from: End, to: End, timeout: i64) {
    let args = ctx.args;
    match write(ctx, &args[1]) {
        Err(()) => {}
        Ok(Some(_)) => {
            if move_generic(ctx, &args[1], &args[2], from, to) {
                propagate_move(ctx, from, to);
            }
        }
        Ok(None) => super::block_on(ctx, 1..2, timeout, "list"),
    }
}

/// A BLMOVE/BRPOPLPUSH that moved goes out as LMOVE/RPOPLPUSH: at once with the ends as sent
/// and one change counted; when served after blocking, Redis' serveClientBlockedOnList names
/// the ends itself (lowercase) and counts nothing.
fn propagate_move(ctx: &mut Ctx, from: End, to: End) {
    let args = ctx.args;
    let served = super::serving_blocked(ctx);
    if !served {
        ctx.dirty(1);
    }
    ctx.modified(&args[1]);
    ctx.modified(&args[2]);
    let argv = if args.len() == 4 {
        vec![b"RPOPLPUSH".to_vec(), args[1].clone(), args[2].clone()]
    } else if served {
        let name = |e: End| {
            if e == End::Head {
                b"left".to_vec()
            } else {
                b"right".to_vec()
            }
        };
        vec![
            b"LMOVE".to_vec(),
            args[1].clone(),
            args[2].clone(),
            name(from),
            name(to),
        ]
    } else {
        let mut argv = args[..5].to_vec();
        argv[0] = b"LMOVE".to_vec();
        argv
    };
    super::propagate_served(ctx, argv);
}

fn blmove(ctx: &mut Ctx) {
    let Some(from) = end_arg(ctx, 3) else { return };
    let Some(to) = end_arg(ctx, 4) else { return };
    let Some(timeout) = super::timeout_arg(ctx, 5) else {
        return;
    };
    bmove_generic(ctx, from, to, timeout);
}

fn brpoplpush(ctx: &mut Ctx) {
    let Some(timeout) = super::timeout_arg(ctx, 3) else {
        return;
    };
    bmove_generic(ctx, End::Tail, End::Head, timeout);
}

fn blmpop(ctx: &mut Ctx) {
    let Some(m) = parse_mpop(ctx, 2) else { return };
    let Some(timeout) = super::timeout_arg(ctx, 1) else {
        return;
    };
    if !mpop_first(ctx, &m) {
        super::block_on(ctx, m.keys, timeout, "list");
    }
}
