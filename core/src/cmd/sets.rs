//! Set commands (Redis' t_set.c), on [`Set`] in Redis 7.2's encodings (the listpack is the
//! named 7.2 addition; the replies are 7.0's): intset replies come ascending, listpack replies
//! in insertion order, hashtable replies in the table's order.

use crate::bytes::SmallBytes;
use crate::command::acl::SET;
use crate::command::flags::{DENYOOM, FAST, MOVABLE_KEYS, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::dict::Dict;
use crate::glob::glob_match;
use crate::keyspace::WRONGTYPE;
use crate::notify::class as ev;
use crate::resp::{parse_i64, Reply};
use crate::server::Server;
use crate::types::set::{pick_in_order, Member, Set};
use crate::value::Value;

const GROUP: &str = "set";
const RO: &[&str] = &["RO"];
const RO_ACCESS: &[&str] = &["RO", "access"];
const ORDER: &[&str] = &["nondeterministic_output_order"];
const NONDET: &[&str] = &["nondeterministic_output"];

pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("sadd", -3, WRITE | DENYOOM | FAST, SET, GROUP, "1.0.0", "Add one or more members to a set", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", sadd).keys(1, 1, 1, &["RW", "insert"]),
    cmd("srem", -3, WRITE | FAST, SET, GROUP, "1.0.0", "Remove one or more members from a set", "O(N) where N is the number of members to be removed.", srem).keys(1, 1, 1, &["RW", "delete"]),
    cmd("smembers", 2, READONLY, SET, GROUP, "1.0.0", "Get all the members in a set", "O(N) where N is the set cardinality.", smembers).keys(1, 1, 1, RO_ACCESS).tips(ORDER),
    cmd("sismember", 3, READONLY | FAST, SET, GROUP, "1.0.0", "Determine if a given value is a member of a set", "O(1)", sismember).keys(1, 1, 1, RO),
    cmd("smismember", -3, READONLY | FAST, SET, GROUP, "6.2.0", "Returns the membership associated with the given elements for a set", "O(N) where N is the number of elements being checked for membership", smismember).keys(1, 1, 1, RO_ACCESS),
    cmd("scard", 2, READONLY | FAST, SET, GROUP, "1.0.0", "Get the number of members in a set", "O(1)", scard).keys(1, 1, 1, RO),
    cmd("spop", -2, WRITE | FAST, SET, GROUP, "1.0.0", "Remove and return one or multiple random members from a set", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", spop).keys(1, 1, 1, &["RW", "access", "delete"]).tips(NONDET),
    cmd("srandmember", -2, READONLY, SET, GROUP, "1.0.0", "Get one or multiple random members from a set", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", srandmember).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
    cmd("smove", 4, WRITE | FAST, SET, GROUP, "1.0.0", "Move a member from one set to another", "O(1)", smove).keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("sinter", -2, READONLY, SET, GROUP, "1.0.0", "Intersect multiple sets", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", sinter).keys(1, -1, 1, RO_ACCESS).tips(ORDER),
    cmd("sintercard", -3, READONLY | MOVABLE_KEYS, SET, GROUP, "7.0.0", "Intersect multiple sets and return the cardinality of the result", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", sintercard).getkeys(crate::command::keynum_keys::<0, 1, 2, 1>),
    cmd("sinterstore", -3, WRITE | DENYOOM, SET, GROUP, "1.0.0", "Intersect multiple sets and store the resulting set in a key", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", sinterstore).keys(1, -1, 1, &["RW", "update"]),
    cmd("sunion", -2, READONLY, SET, GROUP, "1.0.0", "Add multiple sets", "O(N) where N is the total number of elements in all given sets.", sunion).keys(1, -1, 1, RO_ACCESS).tips(ORDER),
    cmd("sunionstore", -3, WRITE | DENYOOM, SET, GROUP, "1.0.0", "Add multiple sets and store the resulting set in a key", "O(N) where N is the total number of elements in all given sets.", sunionstore).keys(1, -1, 1, &["OW", "update"]),
    cmd("sdiff", -2, READONLY, SET, GROUP, "1.0.0", "Subtract multiple sets", "O(N) where N is the total number of elements in all given sets.", sdiff).keys(1, -1, 1, RO_ACCESS).tips(ORDER),
    cmd("sdiffstore", -3, WRITE | DENYOOM, SET, GROUP, "1.0.0", "Subtract multiple sets and store the resulting set in a key", "O(N) where N is the total number of elements in all given sets.", sdiffstore).keys(1, -1, 1, &["OW", "update"]),
    cmd("sscan", -3, READONLY, SET, GROUP, "2.8.0", "Incrementally iterate Set elements", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", sscan).keys(1, 1, 1, RO_ACCESS).tips(NONDET),
];

fn reply_member(out: &mut Reply, m: Member) {
    match m {
        Member::Int(n) => out.bulk(n.to_string().as_bytes()),
        Member::Bytes(b) => out.bulk(b),
    }
}

/// What a read lookup found under a key.
enum Found {
    Missing,
    Set,
    WrongType,
}

fn lookup_read(ctx: &mut Ctx, db: usize, key: &[u8]) -> Found {
    match ctx.srv.lookup_read(db, key) {
        None => Found::Missing,
        Some(Value::Set(_)) => Found::Set,
        Some(_) => Found::WrongType,
    }
}

/// The set under `key` once looked up (no stats, no expiry: call [`lookup_read`] first).
fn stored<'a>(srv: &'a Server, db: usize, key: &[u8]) -> Option<&'a Set> {
    match srv.dbs[db].get(key) {
        Some(Value::Set(s)) => Some(s),
        _ => None,
    }
}

/// SADD key member [member ...]
fn sadd(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let lim = ctx.srv.set_limits();
    // Redis 7.2 sizes the set for the members named (duplicates too) before adding them.
    let hint = args.len() - 2;
    let added = match ctx.srv.lookup_write(db, &args[1]) {
        Some(Value::Set(s)) => {
            s.maybe_convert(hint, &lim);
            args[2..].iter().filter(|m| s.add(m, &lim)).count()
        }
        Some(_) => return ctx.out.error(WRONGTYPE),
        None => {
            let mut s = Set::create(&args[2], hint, &lim);
            let n = args[2..].iter().filter(|m| s.add(m, &lim)).count();
            ctx.srv.db_add(db, &args[1], Value::Set(Box::new(s)));
            n
        }
    };
    ctx.changed(&args[1], added as u64);
    if added > 0 {
        ctx.notify(ev::SET, "sadd", &args[1]);
    }
    ctx.out.int(added as i64);
}

/// SREM key member [member ...]: an emptied set is deleted.
fn srem(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let (removed, empty) = match ctx.srv.lookup_write(db, &args[1]) {
        None => return ctx.out.int(0),
        Some(Value::Set(s)) => {
            let mut n = 0;
            for m in &args[2..] {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            (n, s.is_empty())
        }
        Some(_) => return ctx.out.error(WRONGTYPE),
    };
    if empty {
        ctx.srv.db_mut(db).remove(&args[1]);
    }
    ctx.changed(&args[1], removed as u64);
    if removed > 0 {
        ctx.notify_removal(ev::SET, "srem", &args[1]);
    }
    ctx.out.int(removed);
}

/// SMEMBERS key: Redis 7.0 runs SINTER on the one key.
fn smembers(ctx: &mut Ctx) {
    let args = ctx.args;
    inter_generic(ctx, &args[1..2], None, false, 0);
}

fn sismember(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    match ctx.srv.lookup_read(db, &args[1]) {
        None => ctx.out.int(0),
        Some(Value::Set(s)) => ctx.out.int(i64::from(s.contains(&args[2]))),
        Some(_) => ctx.out.error(WRONGTYPE),
    }
}

fn smismember(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let set = match ctx.srv.lookup_read(db, &args[1]) {
        None => None,
        Some(Value::Set(s)) => Some(s),
        Some(_) => return ctx.out.error(WRONGTYPE),
    };
    ctx.out.array(args.len() - 2);
    for m in &args[2..] {
        ctx.out.int(i64::from(set.is_some_and(|s| s.contains(m))));
    }
}

fn scard(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    match ctx.srv.lookup_read(db, &args[1]) {
        None => ctx.out.int(0),
        Some(Value::Set(s)) => ctx.out.int(s.len() as i64),
        Some(_) => ctx.out.error(WRONGTYPE),
    }
}

/// SPOP's and SINTERCARD's strict count parsing: not an integer or negative is `msg`.
fn positive_arg(ctx: &mut Ctx, i: usize, msg: &str) -> Option<u64> {
    match parse_i64(&ctx.args[i]) {
        Some(n) if n >= 0 => Some(n as u64),
        _ => {
            ctx.out.err(msg);
            None
        }
    }
}

/// Redis' SPOP_MOVE_STRATEGY_MUL: when few members would be left, keep those instead.
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

/// SPOP key [count]
fn spop(ctx: &mut Ctx) {
    match ctx.args.len() {
        3 => return spop_count(ctx),
        n if n > 3 => return ctx.syntax_error(),
        _ => {}
    }
    let args = ctx.args;
    let db = ctx.db();
    match ctx.srv.lookup_write(db, &args[1]) {
        None => return ctx.out.null(),
        Some(Value::Set(_)) => {}
        Some(_) => return ctx.out.error(WRONGTYPE),
    }
    let Server { dbs, rng, .. } = &mut *ctx.srv;
    let Some(Value::Set(s)) = dbs[db].get_mut(&args[1]) else {
        return;
    };
    let Some(m) = s.pop_random(&mut || rand_core::RngCore::next_u64(rng)) else {
        return ctx.out.null();
    };
    let empty = s.is_empty();
    ctx.notify(ev::SET, "spop", &args[1]);
    ctx.out.bulk(&m);
    if empty {
        ctx.srv.db_mut(db).remove(&args[1]);
        ctx.notify(ev::GENERIC, "del", &args[1]);
    }
    ctx.changed(&args[1], 1);
    // Replicas remove the member that was drawn: they cannot draw the same one.
    ctx.propagate_as(vec![b"SREM".to_vec(), args[1].clone(), m]);
}

fn spop_count(ctx: &mut Ctx) {
    let Some(count) = positive_arg(ctx, 2, "value is out of range, must be positive") else {
        return;
    };
    let args = ctx.args;
    let db = ctx.db();
    let size = match ctx.srv.lookup_write(db, &args[1]) {
        None => return ctx.out.set(0),
        Some(Value::Set(s)) => s.len() as u64,
        Some(_) => return ctx.out.error(WRONGTYPE),
    };
    if count == 0 {
        return ctx.out.set(0);
    }
    ctx.notify(ev::SET, "spop", &args[1]);
    if count >= size {
        // Everything: replied as SUNION of the one key would, then the key goes (a DEL for
        // the replicas).
        union_diff(ctx, &args[1..2], None, false);
        ctx.srv.db_mut(db).remove(&args[1]);
        ctx.notify(ev::GENERIC, "del", &args[1]);
        ctx.changed(&args[1], size);
        ctx.propagate_as(vec![b"DEL".to_vec(), args[1].clone()]);
        return;
    }
    let popped = spop_some(ctx, db, count, size);
    ctx.changed(&args[1], count);
    // Replicas remove the members that were drawn, one SREM each, instead of drawing again.
    for m in popped {
        ctx.srv.repl.also(db, vec![b"SREM".to_vec(), args[1].clone(), m]);
    }
    ctx.srv.repl.prevent();
}

/// Pops `count` (< `size`) random members of the set under the first argument, replying
/// them; returns them in reply order. A listpack is walked once and answers in its own order
/// (Redis 7.2's specialized cases).
fn spop_some(ctx: &mut Ctx, db: usize, count: u64, size: u64) -> Vec<Vec<u8>> {
    let args = ctx.args;
    let lim = ctx.srv.set_limits();
    let Server { dbs, rng, .. } = &mut *ctx.srv;
    let mut rand = || rand_core::RngCore::next_u64(rng);
    let Some(Value::Set(s)) = dbs[db].get_mut(&args[1]) else {
        return Vec::new();
    };
    let remaining = size - count;
    ctx.out.set(count as usize);
    let mut popped = Vec::with_capacity(count as usize);
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        if s.is_listpack() {
            let picks = pick_in_order(size as usize, count as usize, &mut rand);
            for (m, _) in s.iter().zip(&picks).filter(|(_, p)| **p) {
                reply_member(ctx.out, m);
                popped.push(m.to_vec());
            }
            let keep: Vec<bool> = picks.iter().map(|p| !p).collect();
            s.retain_flagged(&keep);
        } else {
            for _ in 0..count {
                let Some(m) = s.pop_random(&mut rand) else {
                    break;
                };
                ctx.out.bulk(&m);
                popped.push(m);
            }
        }
    } else {
        // Move the few members that stay into a new set (a listpack, or an intset when they
        // come from one), reply what is left of the old one.
        let mut kept = if s.is_intset() {
            Set::new_intset()
        } else {
            Set::new_listpack()
        };
        if s.is_listpack() {
            let picks = pick_in_order(size as usize, remaining as usize, &mut rand);
            for (m, _) in s.iter().zip(&picks).filter(|(_, p)| **p) {
                m.with_bytes(|b| kept.add(b, &lim));
            }
            let keep: Vec<bool> = picks.iter().map(|p| !p).collect();
            s.retain_flagged(&keep);
        } else {
            for _ in 0..remaining {
                let Some(m) = s.random(&mut rand).map(Member::to_vec) else {
                    break;
                };
                kept.add(&m, &lim);
                s.remove(&m);
            }
        }
        for m in s.iter() {
            popped.push(m.to_vec());
            reply_member(ctx.out, m);
        }
        **s = kept;
    }
    popped
}

/// Redis' SRANDMEMBER_SUB_STRATEGY_MUL: above count * 3 > size, copy and remove at random.
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;
/// Redis 7.2's SRANDFIELD_RANDOM_SAMPLE_LIMIT: members drawn from a listpack per walk.
const SRANDMEMBER_RANDOM_SAMPLE_LIMIT: u64 = 1000;

/// SRANDMEMBER key [count]: a negative count may repeat members.
fn srandmember(ctx: &mut Ctx) {
    match ctx.args.len() {
        3 => return srandmember_count(ctx),
        n if n > 3 => return ctx.syntax_error(),
        _ => {}
    }
    let args = ctx.args;
    let db = ctx.db();
    match lookup_read(ctx, db, &args[1]) {
        Found::Missing => return ctx.out.null(),
        Found::WrongType => return ctx.out.error(WRONGTYPE),
        Found::Set => {}
    }
    let Server { dbs, rng, .. } = &mut *ctx.srv;
    let Some(Value::Set(s)) = dbs[db].get(&args[1]) else {
        return;
    };
    match s.random(&mut || rand_core::RngCore::next_u64(rng)) {
        Some(m) => reply_member(ctx.out, m),
        None => ctx.out.null(),
    }
}

fn srandmember_count(ctx: &mut Ctx) {
    let Some(l) = ctx.int_arg(2) else { return };
    if l == i64::MIN {
        return ctx
            .out
            .err("value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    }
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    let args = ctx.args;
    let db = ctx.db();
    match lookup_read(ctx, db, &args[1]) {
        Found::Missing => return ctx.out.array(0),
        Found::WrongType => return ctx.out.error(WRONGTYPE),
        Found::Set => {}
    }
    if count == 0 {
        return ctx.out.array(0);
    }
    let hasher = ctx.srv.hasher;
    let Server { dbs, rng, .. } = &mut *ctx.srv;
    let mut rand = || rand_core::RngCore::next_u64(rng);
    let Some(Value::Set(s)) = dbs[db].get(&args[1]) else {
        return;
    };
    let size = s.len() as u64;
    if !uniq || count == 1 {
        ctx.out.array(count as usize);
        if s.is_listpack() && count > 1 {
            // Redis 7.2 draws from a listpack in batches, each in one walk.
            let mut left = count;
            while left > 0 {
                let batch = left.min(SRANDMEMBER_RANDOM_SAMPLE_LIMIT);
                left -= batch;
                for m in s.random_members(batch as usize, &mut rand) {
                    reply_member(ctx.out, m);
                }
            }
            return;
        }
        for _ in 0..count {
            match s.random(&mut rand) {
                Some(m) => reply_member(ctx.out, m),
                None => ctx.out.null(),
            }
        }
        return;
    }
    if count >= size {
        ctx.out.array(size as usize);
        for m in s.iter() {
            reply_member(ctx.out, m);
        }
        return;
    }
    if s.is_listpack() {
        // Distinct members in one walk, in the listpack's order (Redis 7.2's case 2.5).
        ctx.out.array(count as usize);
        let picks = pick_in_order(size as usize, count as usize, &mut rand);
        for (m, _) in s.iter().zip(&picks).filter(|(_, p)| **p) {
            reply_member(ctx.out, m);
        }
        return;
    }
    let mut picked: Dict<SmallBytes, ()> = Dict::new(hasher);
    if count * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // Copy everything, then drop random members until `count` are left.
        for m in s.iter() {
            picked.insert(SmallBytes::from(m.to_vec()), ());
        }
        while picked.len() as u64 > count {
            let Some(k) = picked.random_entry(&mut rand).map(|(k, _)| k.clone()) else {
                break;
            };
            picked.remove(&k[..]);
        }
    } else {
        while (picked.len() as u64) < count {
            let Some(m) = s.random(&mut rand).map(Member::to_vec) else {
                break;
            };
            picked.insert(SmallBytes::from(m), ());
        }
    }
    ctx.out.array(picked.len());
    for k in picked.keys() {
        ctx.out.bulk(k);
    }
}

/// SMOVE source destination member
fn smove(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let (src, dst, member) = (&args[1], &args[2], &args[3]);
    let src_type = ctx.srv.lookup_write(db, src).map(|v| matches!(v, Value::Set(_)));
    let dst_type = ctx.srv.lookup_write(db, dst).map(|v| matches!(v, Value::Set(_)));
    let Some(src_is_set) = src_type else {
        return ctx.out.int(0);
    };
    if !src_is_set || dst_type == Some(false) {
        return ctx.out.error(WRONGTYPE);
    }
    let lim = ctx.srv.set_limits();
    let store = ctx.srv.db_mut(db);
    let Some(Value::Set(s)) = store.get_mut(src) else {
        return;
    };
    if src == dst {
        let is_member = s.contains(member);
        return ctx.out.int(i64::from(is_member));
    }
    if !s.remove(member) {
        return ctx.out.int(0);
    }
    if s.is_empty() {
        store.remove(src);
    }
    ctx.notify_removal(ev::SET, "srem", src);
    // One change for the source, one more if the destination did not have the member.
    let store = ctx.srv.db_mut(db);
    let added = match store.get_mut(dst) {
        Some(Value::Set(d)) => d.add(member, &lim),
        _ => {
            let mut d = Set::create(member, 1, &lim);
            d.add(member, &lim);
            ctx.srv.db_add(db, dst, Value::Set(Box::new(d)));
            true
        }
    };
    ctx.dirty(1 + u64::from(added));
    ctx.modified(&args[1]);
    if added {
        ctx.modified(&args[2]);
        ctx.notify(ev::SET, "sadd", dst);
    }
    ctx.out.int(1);
}

/// Looks up every key in order like Redis' set operations: missing keys are `None`, the first
/// key of another type answers WRONGTYPE (`Err`).
fn lookup_all(ctx: &mut Ctx, db: usize, keys: &[Vec<u8>]) -> Result<Vec<bool>, ()> {
    let mut present = Vec::with_capacity(keys.len());
    for k in keys {
        match lookup_read(ctx, db, k) {
            Found::Missing => present.push(false),
            Found::Set => present.push(true),
            Found::WrongType => {
                ctx.out.error(WRONGTYPE);
                return Err(());
            }
        }
    }
    Ok(present)
}

/// SINTER, SMEMBERS, SINTERCARD and SINTERSTORE (Redis' sinterGenericCommand): members of the
/// smallest set that every other set has, in the smallest set's order.
fn inter_generic(ctx: &mut Ctx, keys: &[Vec<u8>], dst: Option<&[u8]>, card_only: bool, limit: u64) {
    let db = ctx.db();
    let Ok(present) = lookup_all(ctx, db, keys) else { return };
    if present.contains(&false) {
        if let Some(dst) = dst {
            if ctx.srv.db_mut(db).remove(dst) {
                ctx.dirty(1);
                ctx.modified(dst);
                ctx.notify(ev::GENERIC, "del", dst);
            }
            ctx.out.int(0);
        } else if card_only {
            ctx.out.int(0);
        } else {
            ctx.out.set(0);
        }
        return;
    }
    let lim = ctx.srv.set_limits();
    let srv = &*ctx.srv;
    let mut sets: Vec<(&[u8], &Set)> = keys
        .iter()
        .filter_map(|k| stored(srv, db, k).map(|s| (&k[..], s)))
        .collect();
    // A stable sort, as glibc's qsort (a merge sort) is for these small arrays.
    sets.sort_by_key(|(_, s)| s.len());
    let (first_key, first) = sets[0];
    let mut out: Vec<Member> = Vec::new();
    let mut cardinality = 0u64;
    for m in first.iter() {
        let in_all = sets[1..]
            .iter()
            .filter(|(k, _)| *k != first_key)
            .all(|(_, s)| m.with_bytes(|b| s.contains(b)));
        if !in_all {
            continue;
        }
        cardinality += 1;
        if card_only {
            if limit != 0 && cardinality >= limit {
                break;
            }
        } else {
            out.push(m);
        }
    }
    if card_only {
        return ctx.out.int(cardinality as i64);
    }
    match dst {
        None => {
            ctx.out.set(out.len());
            for m in out {
                reply_member(ctx.out, m);
            }
        }
        Some(dst) => {
            // Redis 7.2: an intset when the smallest set is one, else a listpack (converting
            // as members come), and an intset in the end if every member is an integer
            // (members of a hashtable that read as integers count as integers).
            let mut result = if first.is_intset() {
                Set::new_intset()
            } else {
                Set::new_listpack()
            };
            let mut only_integers = true;
            for m in out {
                only_integers &= match m {
                    Member::Int(_) => true,
                    Member::Bytes(b) => first.is_hashtable() && parse_i64(b).is_some(),
                };
                m.with_bytes(|b| result.add(b, &lim));
            }
            if only_integers {
                result.maybe_convert_to_intset(&lim);
            }
            let n = result.len();
            super::store_or_delete(ctx, db, dst, n, Value::Set(Box::new(result)), 1)
        }
    }
}

fn sinter(ctx: &mut Ctx) {
    let args = ctx.args;
    inter_generic(ctx, &args[1..], None, false, 0);
}

fn sinterstore(ctx: &mut Ctx) {
    let args = ctx.args;
    inter_generic(ctx, &args[2..], Some(&args[1]), false, 0);
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
fn sintercard(ctx: &mut Ctx) {
    let args = ctx.args;
    let numkeys = match parse_i64(&args[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return ctx.out.err("numkeys should be greater than 0"),
    };
    if numkeys > (args.len() - 2) as u64 {
        return ctx.out.err("Number of keys can't be greater than number of args");
    }
    let numkeys = numkeys as usize;
    let mut limit = 0;
    let mut j = 2 + numkeys;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if args[j].eq_ignore_ascii_case(b"limit") && more > 0 {
            j += 1;
            let Some(l) = positive_arg(ctx, j, "LIMIT can't be negative") else {
                return;
            };
            limit = l;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    inter_generic(ctx, &args[2..2 + numkeys], None, true, limit);
}

/// SUNION, SDIFF and their STORE forms (Redis' sunionDiffGenericCommand): the result is built
/// as a new set (an intset while it can be, then a listpack while it can be), then replied in
/// its own order or stored.
fn union_diff(ctx: &mut Ctx, keys: &[Vec<u8>], dst: Option<&[u8]>, diff: bool) {
    let db = ctx.db();
    let Ok(_) = lookup_all(ctx, db, keys) else { return };
    let lim = ctx.srv.set_limits();
    let srv = &*ctx.srv;
    let sets: Vec<Option<&Set>> = keys.iter().map(|k| stored(srv, db, k)).collect();
    let same_set = sets[0].is_some() && keys[1..].iter().any(|k| *k == keys[0]);
    let mut result = Set::new_intset();
    if !diff {
        for s in sets.iter().flatten() {
            for m in s.iter() {
                m.with_bytes(|b| result.add(b, &lim));
            }
        }
    } else if let (Some(first), false) = (sets[0], same_set) {
        // Redis' choice between its two algorithms; both give the same members.
        let present = sets.iter().flatten();
        let one: u64 = present.clone().map(|_| first.len() as u64).sum::<u64>() / 2;
        let two: u64 = present.map(|s| s.len() as u64).sum();
        if one <= two {
            for m in first.iter() {
                let elsewhere = sets[1..].iter().flatten().any(|s| m.with_bytes(|b| s.contains(b)));
                if !elsewhere {
                    m.with_bytes(|b| result.add(b, &lim));
                }
            }
        } else {
            for m in first.iter() {
                m.with_bytes(|b| result.add(b, &lim));
            }
            for s in sets[1..].iter().flatten() {
                if result.is_empty() {
                    break;
                }
                for m in s.iter() {
                    m.with_bytes(|b| result.remove(b));
                }
            }
        }
    }
    match dst {
        None => {
            ctx.out.set(result.len());
            for m in result.iter() {
                reply_member(ctx.out, m);
            }
        }
        Some(dst) => {
            let n = result.len();
            super::store_or_delete(ctx, db, dst, n, Value::Set(Box::new(result)), 1)
        }
    }
}

fn sunion(ctx: &mut Ctx) {
    let args = ctx.args;
    union_diff(ctx, &args[1..], None, false);
}

fn sunionstore(ctx: &mut Ctx) {
    let args = ctx.args;
    union_diff(ctx, &args[2..], Some(&args[1]), false);
}

fn sdiff(ctx: &mut Ctx) {
    let args = ctx.args;
    union_diff(ctx, &args[1..], None, true);
}

fn sdiffstore(ctx: &mut Ctx) {
    let args = ctx.args;
    union_diff(ctx, &args[2..], Some(&args[1]), true);
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]: an intset or a listpack comes whole with
/// cursor 0.
fn sscan(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(mut cursor) = super::keys::parse_scan_cursor(&args[2]) else {
        return ctx.out.err("invalid cursor");
    };
    let db = ctx.db();
    match lookup_read(ctx, db, &args[1]) {
        Found::Missing => {
            return super::keys::empty_scan(ctx.out);
        }
        Found::WrongType => return ctx.out.error(WRONGTYPE),
        Found::Set => {}
    }
    let Some(super::keys::ScanOptions { count, pattern, .. }) = super::keys::scan_options(ctx, 3, false) else {
        return;
    };
    let Some(s) = stored(ctx.srv, db, &args[1]) else {
        return;
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    if !s.is_hashtable() {
        found.extend(s.iter().map(Member::to_vec));
        cursor = 0;
    } else {
        let mut max_iterations = count.saturating_mul(10);
        loop {
            cursor = s.scan(cursor, |m| found.push(m.to_vec())).unwrap_or(0);
            if cursor == 0 || max_iterations == 0 || found.len() >= count {
                break;
            }
            max_iterations -= 1;
        }
    }
    if let Some(p) = pattern {
        found.retain(|m| glob_match(p, m, false));
    }
    ctx.out.array(2);
    ctx.out.bulk(cursor.to_string().as_bytes());
    ctx.out.array(found.len());
    for m in &found {
        ctx.out.bulk(m);
    }
}
