//! Hash commands (Redis' t_hash.c): HSET and friends over [`Hash`], with Redis' conversion
//! points from listpack to hashtable, its error strings and its HRANDFIELD/HSCAN cases.

use rand_core::RngCore;

use crate::command::acl::HASH;
use crate::command::flags::{DENYOOM, FAST, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::glob::glob_match;
use crate::ldouble::LDouble;
use crate::notify::class::HASH as HASH_EVENTS;
use crate::resp::{parse_i64, Reply};
use crate::server::Server;
use crate::types::hash::{Entry, Hash};
use crate::value::Value;

const GROUP: &str = "hash";
const ORDER: &[&str] = &["nondeterministic_output_order"];
const NONDET: &[&str] = &["nondeterministic_output"];
const RO: &[&str] = &["RO"];
const RO_ACCESS: &[&str] = &["RO", "access"];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("hset", -4, WRITE | DENYOOM | FAST, HASH, GROUP, "2.0.0", "Set the string value of a hash field", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", hset).keys(1, 1, 1, &["RW", "update"]),
    cmd("hsetnx", 4, WRITE | DENYOOM | FAST, HASH, GROUP, "2.0.0", "Set the value of a hash field, only if the field does not exist", "O(1)", hsetnx).keys(1, 1, 1, &["RW", "insert"]),
    cmd("hmset", -4, WRITE | DENYOOM | FAST, HASH, GROUP, "2.0.0", "Set multiple hash fields to multiple values", "O(N) where N is the number of fields being set.", hset).keys(1, 1, 1, &["RW", "update"]),
    cmd("hget", 3, READONLY | FAST, HASH, GROUP, "2.0.0", "Get the value of a hash field", "O(1)", hget).keys(1, 1, 1, RO_ACCESS),
    cmd("hmget", -3, READONLY | FAST, HASH, GROUP, "2.0.0", "Get the values of all the given hash fields", "O(N) where N is the number of fields being requested.", hmget).keys(1, 1, 1, RO_ACCESS),
    cmd("hgetall", 2, READONLY, HASH, GROUP, "2.0.0", "Get all the fields and values in a hash", "O(N) where N is the size of the hash.", hgetall).keys(1, 1, 1, RO_ACCESS).tips(ORDER),
    cmd("hkeys", 2, READONLY, HASH, GROUP, "2.0.0", "Get all the fields in a hash", "O(N) where N is the size of the hash.", hkeys).keys(1, 1, 1, RO_ACCESS).tips(ORDER),
    cmd("hvals", 2, READONLY, HASH, GROUP, "2.0.0", "Get all the values in a hash", "O(N) where N is the size of the hash.", hvals).keys(1, 1, 1, RO_ACCESS).tips(ORDER),
    cmd("hdel", -3, WRITE | FAST, HASH, GROUP, "2.0.0", "Delete one or more hash fields", "O(N) where N is the number of fields to be removed.", hdel).keys(1, 1, 1, &["RW", "delete"]),
    cmd("hlen", 2, READONLY | FAST, HASH, GROUP, "2.0.0", "Get the number of fields in a hash", "O(1)", hlen).keys(1, 1, 1, RO),
    cmd("hstrlen", 3, READONLY | FAST, HASH, GROUP, "3.2.0", "Get the length of the value of a hash field", "O(1)", hstrlen).keys(1, 1, 1, RO),
    cmd("hexists", 3, READONLY | FAST, HASH, GROUP, "2.0.0", "Determine if a hash field exists", "O(1)", hexists).keys(1, 1, 1, RO),
    cmd("hincrby", 4, WRITE | DENYOOM | FAST, HASH, GROUP, "2.0.0", "Increment the integer value of a hash field by the given number", "O(1)", hincrby).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("hincrbyfloat", 4, WRITE | DENYOOM | FAST, HASH, GROUP, "2.6.0", "Increment the float value of a hash field by the given amount", "O(1)", hincrbyfloat).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("hrandfield", -2, READONLY, HASH, GROUP, "6.2.0", "Get one or multiple random fields from a hash", "O(N) where N is the number of fields returned", hrandfield).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
    cmd("hscan", -3, READONLY, HASH, GROUP, "2.8.0", "Incrementally iterate hash fields and associated values", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", hscan).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
];

/// A field or value as a bulk string (a listpack's integers in decimal).
fn bulk(out: &mut Reply, e: Entry) {
    e.with_bytes(|b| out.bulk(b));
}

/// A read lookup of a hash: `Ok(None)` when missing, `Err(())` after replying WRONGTYPE.
fn read<'s>(srv: &'s mut Server, out: &mut Reply, db: usize, key: &[u8]) -> Result<Option<&'s Hash>, ()> {
    match srv.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => {
            out.error(crate::keyspace::WRONGTYPE);
            Err(())
        }
    }
}

/// Redis' hashTypeLookupWriteOrCreate: the hash at `key`, stored empty first if missing (dbAdd);
/// `None` after replying WRONGTYPE.
fn write_or_create<'s>(srv: &'s mut Server, out: &mut Reply, db: usize, key: &[u8]) -> Option<&'s mut Hash> {
    match srv.lookup_write(db, key) {
        Some(Value::Hash(_)) => {}
        Some(_) => {
            out.error(crate::keyspace::WRONGTYPE);
            return None;
        }
        None => srv.db_add(db, key, Value::Hash(Box::default())),
    }
    match srv.db_mut(db).get_mut(key) {
        Some(Value::Hash(h)) => Some(h),
        _ => None,
    }
}

/// HSET key field value [field value ...] and HMSET (which answers OK instead of the count
/// of new fields).
fn hset(ctx: &mut Ctx) {
    let args = ctx.args;
    if args.len() % 2 == 1 {
        let name = ctx.client().last_cmd;
        return ctx.out.err(&format!("wrong number of arguments for '{name}' command"));
    }
    let db = ctx.db();
    let lim = ctx.srv.hash_limits();
    let Some(h) = write_or_create(ctx.srv, ctx.out, db, &args[1]) else {
        return;
    };
    h.try_conversion(args[2..].iter().map(Vec::as_slice), &lim);
    let mut created = 0;
    for pair in args[2..].chunks(2) {
        if !h.set(&pair[0], &pair[1], &lim) {
            created += 1;
        }
    }
    // Redis counts every pair given, new or not.
    ctx.changed(&args[1], args.len() as u64 / 2 - 1);
    if args[0][1].eq_ignore_ascii_case(&b's') {
        ctx.out.int(created);
    } else {
        ctx.out.ok();
    }
    ctx.notify(HASH_EVENTS, "hset", &args[1]);
}

/// HSETNX key field value: the length check happens only when the field is new.
fn hsetnx(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let lim = ctx.srv.hash_limits();
    let Some(h) = write_or_create(ctx.srv, ctx.out, db, &args[1]) else {
        return;
    };
    if h.contains(&args[2]) {
        return ctx.out.int(0);
    }
    h.try_conversion(args[2..4].iter().map(Vec::as_slice), &lim);
    h.set(&args[2], &args[3], &lim);
    ctx.changed(&args[1], 1);
    ctx.out.int(1);
    ctx.notify(HASH_EVENTS, "hset", &args[1]);
}

fn hget(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(h)) => match h.get(&args[2]) {
            Some(v) => bulk(ctx.out, v),
            None => ctx.out.null(),
        },
        Ok(None) => ctx.out.null(),
        Err(()) => {}
    }
}

/// HMGET key field...: a missing key is an empty hash (nulls), not an error.
fn hmget(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let Ok(h) = read(ctx.srv, ctx.out, db, &args[1]) else {
        return;
    };
    ctx.out.array(args.len() - 2);
    for f in &args[2..] {
        match h.and_then(|h| h.get(f)) {
            Some(v) => bulk(ctx.out, v),
            None => ctx.out.null(),
        }
    }
}

/// HGETALL/HKEYS/HVALS (Redis' genericHgetallCommand): a map for both, else an array.
fn getall(ctx: &mut Ctx, fields: bool, values: bool) {
    let args = ctx.args;
    let db = ctx.db();
    let both = fields && values;
    let h = match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(h)) => h,
        Ok(None) if both => return ctx.out.map(0),
        Ok(None) => return ctx.out.array(0),
        Err(()) => return,
    };
    if both {
        ctx.out.map(h.len());
    } else {
        ctx.out.array(h.len());
    }
    for (f, v) in h.iter() {
        if fields {
            bulk(ctx.out, f);
        }
        if values {
            bulk(ctx.out, v);
        }
    }
}

fn hgetall(ctx: &mut Ctx) {
    getall(ctx, true, true);
}

fn hkeys(ctx: &mut Ctx) {
    getall(ctx, true, false);
}

fn hvals(ctx: &mut Ctx) {
    getall(ctx, false, true);
}

/// HDEL key field...: a hash left empty is deleted (at once, the remaining fields unread).
fn hdel(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let h = match ctx.srv.lookup_write(db, &args[1]) {
        None => return ctx.out.int(0),
        Some(Value::Hash(h)) => h,
        Some(_) => return ctx.wrong_type(),
    };
    let mut deleted = 0;
    let mut emptied = false;
    for f in &args[2..] {
        if h.remove(f) {
            deleted += 1;
            if h.is_empty() {
                emptied = true;
                break;
            }
        }
    }
    if emptied {
        ctx.srv.db_mut(db).remove(&args[1]);
    }
    ctx.changed(&args[1], deleted as u64);
    if deleted > 0 {
        ctx.notify_removal(HASH_EVENTS, "hdel", &args[1]);
    }
    ctx.out.int(deleted);
}

/// HLEN, HSTRLEN and HEXISTS: an integer from the hash, 0 for a missing key.
fn int_query(ctx: &mut Ctx, f: impl FnOnce(&Hash, &[Vec<u8>]) -> i64) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(h)) => ctx.out.int(f(h, args)),
        Ok(None) => ctx.out.int(0),
        Err(()) => {}
    }
}

fn hlen(ctx: &mut Ctx) {
    int_query(ctx, |h, _| h.len() as i64);
}

fn hstrlen(ctx: &mut Ctx) {
    int_query(ctx, |h, a| h.get(&a[2]).map_or(0, |v| v.with_bytes(|b| b.len() as i64)));
}

fn hexists(ctx: &mut Ctx) {
    int_query(ctx, |h, a| i64::from(h.contains(&a[2])));
}

/// HINCRBY key field increment: the increment is checked before the key is looked at.
fn hincrby(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(incr) = ctx.int_arg(3) else { return };
    let db = ctx.db();
    let lim = ctx.srv.hash_limits();
    let Some(h) = write_or_create(ctx.srv, ctx.out, db, &args[1]) else {
        return;
    };
    let old = match h.get(&args[2]) {
        None => 0,
        Some(Entry::Int(n)) => n,
        Some(Entry::Str(v)) => match parse_i64(v) {
            Some(n) => n,
            None => return ctx.out.err("hash value is not an integer"),
        },
    };
    let Some(new) = old.checked_add(incr) else {
        return ctx.out.err("increment or decrement would overflow");
    };
    h.set(&args[2], new.to_string().as_bytes(), &lim);
    ctx.changed(&args[1], 1);
    ctx.out.int(new);
    ctx.notify(HASH_EVENTS, "hincrby", &args[1]);
}

/// HINCRBYFLOAT key field increment, in x87 long double as Redis computes it; the reply is
/// the stored text.
fn hincrbyfloat(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(incr) = LDouble::parse(&args[3]) else {
        return ctx.out.err("value is not a valid float");
    };
    if !incr.is_finite() {
        return ctx.out.err("value is NaN or Infinity");
    }
    let db = ctx.db();
    let lim = ctx.srv.hash_limits();
    let Some(h) = write_or_create(ctx.srv, ctx.out, db, &args[1]) else {
        return;
    };
    let old = match h.get(&args[2]) {
        None => LDouble::ZERO,
        Some(v) => match v.with_bytes(LDouble::parse) {
            Some(x) => x,
            None => return ctx.out.err("hash value is not a float"),
        },
    };
    let new = old + incr;
    if !new.is_finite() {
        return ctx.out.err("increment would produce NaN or Infinity");
    }
    let text = new.to_human_string().into_bytes();
    h.set(&args[2], &text, &lim);
    ctx.out.bulk(&text);
    ctx.changed(&args[1], 1);
    ctx.notify(HASH_EVENTS, "hincrbyfloat", &args[1]);
    // Replicas get the result, not the increment, so float formatting cannot make them differ.
    ctx.propagate_as(vec![b"HSET".to_vec(), args[1].clone(), args[2].clone(), text]);
}

/// HRANDFIELD key [count [WITHVALUES]].
fn hrandfield(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    if args.len() >= 3 {
        let Some((l, withvalues)) = super::rand_count_args(ctx, "withvalues") else {
            return;
        };
        return hrandfield_count(ctx, l, withvalues);
    }
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.out.null(),
        Err(()) => return,
    }
    let srv = &mut *ctx.srv;
    let Some(Value::Hash(h)) = srv.dbs[db].get(&args[1]) else {
        return;
    };
    let rng = &mut srv.rng;
    if let Some((f, _)) = h.random_pair(&mut || rng.next_u64()) {
        bulk(ctx.out, f);
    }
}

/// Redis' hrandfieldWithCountCommand and its cases: a negative count samples with repetition;
/// a count at least the size returns the whole hash in its order; otherwise distinct fields.
fn hrandfield_count(ctx: &mut Ctx, l: i64, withvalues: bool) {
    let args = ctx.args;
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(_)) => {}
        Ok(None) => return ctx.out.array(0),
        Err(()) => return,
    }
    let srv = &mut *ctx.srv;
    let Some(Value::Hash(h)) = srv.dbs[db].get(&args[1]) else {
        return;
    };
    let rng = &mut srv.rng;
    let mut next = || rng.next_u64();
    let out = &mut *ctx.out;
    let size = h.len() as u64;
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    if count == 0 {
        return out.array(0);
    }
    let resp3 = out.resp3;
    let emit = |out: &mut Reply, f: Entry, v: Entry| {
        if withvalues && resp3 {
            out.array(2);
        }
        bulk(out, f);
        if withvalues {
            bulk(out, v);
        }
    };
    let header = |out: &mut Reply, n: u64| {
        out.array(if withvalues && !resp3 { n * 2 } else { n } as usize);
    };
    // CASE 1: repetitions allowed (or a single field).
    if !uniq || count == 1 {
        header(out, count);
        if h.is_listpack() {
            // One walk instead of a seek per pick (Redis' lpRandomPairs also walks once).
            let all: Vec<(Entry, Entry)> = h.iter().collect();
            for _ in 0..count {
                let (f, v) = all[(next() % all.len() as u64) as usize];
                emit(out, f, v);
            }
            return;
        }
        for _ in 0..count {
            if let Some((f, v)) = h.random_pair(&mut next) {
                emit(out, f, v);
            }
        }
        return;
    }
    header(out, count.min(size));
    // CASE 2: the whole hash.
    if count >= size {
        for (f, v) in h.iter() {
            emit(out, f, v);
        }
        return;
    }
    let all: Vec<(Entry, Entry)> = h.iter().collect();
    if count * 3 > size {
        // CASE 3: drop random pairs until `count` are left.
        let mut left = all;
        while left.len() as u64 > count {
            let i = (next() % left.len() as u64) as usize;
            left.swap_remove(i);
        }
        for (f, v) in left {
            emit(out, f, v);
        }
    } else if h.is_listpack() {
        // CASE 4, listpack: distinct pairs in the listpack's order (selection sampling).
        let mut need = count;
        for (i, &(f, v)) in all.iter().enumerate() {
            let remaining = all.len() as u64 - i as u64;
            if next() % remaining < need {
                emit(out, f, v);
                need -= 1;
                if need == 0 {
                    break;
                }
            }
        }
    } else {
        // CASE 4, hashtable: random picks, repeats skipped, in the order picked.
        let mut seen = vec![false; all.len()];
        let mut added = 0;
        while added < count {
            let i = (next() % all.len() as u64) as usize;
            if !seen[i] {
                seen[i] = true;
                added += 1;
                emit(out, all[i].0, all[i].1);
            }
        }
    }
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]: a listpack answers whole with cursor 0, a
/// hashtable walks its buckets like SCAN (COUNT counts fields and values).
fn hscan(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(mut cursor) = super::keys::parse_scan_cursor(&args[2]) else {
        return ctx.out.err("invalid cursor");
    };
    let db = ctx.db();
    match read(ctx.srv, ctx.out, db, &args[1]) {
        Ok(Some(_)) => {}
        Ok(None) => {
            return super::keys::empty_scan(ctx.out);
        }
        Err(()) => return,
    }
    let Some(super::keys::ScanOptions { count, pattern, .. }) = super::keys::scan_options(ctx, 3, false) else {
        return;
    };
    let Some(Value::Hash(h)) = ctx.srv.dbs[db].get(&args[1]) else {
        return;
    };
    let mut items: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    match h.as_ref() {
        Hash::Listpack(_) => {
            items.extend(h.iter().map(|(f, v)| (f.to_bytes(), v.to_bytes())));
            cursor = 0;
        }
        Hash::Table(d) => {
            let count = count.saturating_mul(2);
            let mut max_iterations = count.saturating_mul(10);
            loop {
                cursor = d.scan(cursor, |f, v| items.push((f.clone(), v.clone())));
                if cursor == 0 || max_iterations == 0 || items.len() >= count {
                    break;
                }
                max_iterations -= 1;
            }
        }
    }
    if let Some(p) = pattern {
        items.retain(|(f, _)| glob_match(p, f, false));
    }
    let out = &mut *ctx.out;
    out.array(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array(items.len() * 2);
    for (f, v) in items {
        out.bulk(&f);
        out.bulk(&v);
    }
}
