//! Generic key commands (Redis' db.c): DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, TOUCH,
//! MOVE, COPY, SWAPDB, FLUSHDB, FLUSHALL, KEYS, RANDOMKEY, SCAN.

use rand_core::RngCore;

use crate::command::Ctx;
use crate::glob::glob_match;
use crate::notify::class::GENERIC;

const SAME_OBJECT: &str = "source and destination objects are the same";

pub(crate) fn del(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let mut n = 0;
    for k in &args[1..] {
        if ctx.srv.lookup_write(db, k).is_some() && ctx.srv.db_mut(db).remove(k) {
            ctx.modified(k);
            ctx.notify(GENERIC, "del", k);
            n += 1;
        }
    }
    ctx.dirty(n);
    ctx.out.int(n as i64);
}

/// EXISTS counts without touching; TOUCH counts and stamps the access time.
fn count_existing(ctx: &mut Ctx, touch: bool) {
    let args = ctx.args;
    let db = ctx.db();
    let n = args[1..]
        .iter()
        .filter(|k| {
            if touch {
                ctx.srv.lookup_read(db, k).is_some()
            } else {
                ctx.srv.lookup_read_notouch(db, k).is_some()
            }
        })
        .count();
    ctx.out.int(n as i64);
}

pub(crate) fn exists(ctx: &mut Ctx) {
    count_existing(ctx, false);
}

pub(crate) fn touch(ctx: &mut Ctx) {
    count_existing(ctx, true);
}

pub(crate) fn type_(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let name = ctx
        .srv
        .lookup_read_notouch(db, &args[1])
        .map_or("none", |v| v.type_name());
    ctx.out.simple(name);
}

fn rename_generic(ctx: &mut Ctx, nx: bool) {
    let args = ctx.args;
    let (src, dst) = (&args[1], &args[2]);
    let db = ctx.db();
    if ctx.srv.lookup_write(db, src).is_none() {
        return ctx.out.err("no such key");
    }
    if src == dst {
        return if nx { ctx.out.int(0) } else { ctx.out.ok() };
    }
    if ctx.srv.lookup_write(db, dst).is_some() && nx {
        return ctx.out.int(0);
    }
    let Some((obj, expire)) = ctx.srv.db_mut(db).take(src) else {
        return ctx.out.err("no such key");
    };
    // Redis deletes the destination and adds it anew: its waiters may wake.
    ctx.srv.db_add_obj(db, dst, obj);
    if let Some(at) = expire {
        ctx.srv.db_mut(db).set_expire(dst, at);
    }
    ctx.modified(src);
    ctx.modified(dst);
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    ctx.dirty(1);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
}

pub(crate) fn rename(ctx: &mut Ctx) {
    rename_generic(ctx, false);
}

pub(crate) fn renamenx(ctx: &mut Ctx) {
    rename_generic(ctx, true);
}

pub(crate) fn move_(ctx: &mut Ctx) {
    let args = ctx.args;
    let key = &args[1];
    let src = ctx.db();
    let Some(dst) = ctx.db_index_arg(2) else { return };
    if src == dst {
        return ctx.out.err(SAME_OBJECT);
    }
    if ctx.srv.lookup_write(src, key).is_none() || ctx.srv.lookup_write(dst, key).is_some() {
        return ctx.out.int(0);
    }
    let Some((obj, expire)) = ctx.srv.db_mut(src).take(key) else {
        return ctx.out.int(0);
    };
    ctx.srv.db_add_obj(dst, key, obj);
    if let Some(at) = expire {
        ctx.srv.db_mut(dst).set_expire(key, at);
    }
    ctx.srv.signal_modified_key(src, key);
    ctx.srv.signal_modified_key(dst, key);
    ctx.notify_in(src, GENERIC, "move_from", key);
    ctx.notify_in(dst, GENERIC, "move_to", key);
    ctx.dirty(1);
    ctx.out.int(1);
}

/// COPY source destination [DB destination-db] [REPLACE]
pub(crate) fn copy(ctx: &mut Ctx) {
    let args = ctx.args;
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if args[j].eq_ignore_ascii_case(b"db") && j + 1 < args.len() {
            let Some(d) = ctx.db_index_arg(j + 1) else { return };
            dst_db = d;
            j += 1;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let (key, newkey) = (&args[1], &args[2]);
    if src_db == dst_db && key == newkey {
        return ctx.out.err(SAME_OBJECT);
    }
    // Redis duplicates the object: a small integer stops being the shared one.
    let Some(value) = ctx.srv.lookup_read(src_db, key).map(|v| match v {
        crate::value::Value::Str(s) => crate::value::Value::Str(s.duplicate()),
        other => other.clone(),
    }) else {
        return ctx.out.int(0);
    };
    let expire = ctx.srv.db_mut(src_db).expire_at(key);
    if ctx.srv.lookup_write(dst_db, newkey).is_some() {
        if !replace {
            return ctx.out.int(0);
        }
        ctx.srv.db_mut(dst_db).remove(newkey);
    }
    ctx.srv.db_add(dst_db, newkey, value);
    if let Some(at) = expire {
        ctx.srv.db_mut(dst_db).set_expire(newkey, at);
    }
    ctx.srv.signal_modified_key(dst_db, newkey);
    ctx.notify_in(dst_db, GENERIC, "copy_to", newkey);
    ctx.dirty(1);
    ctx.out.int(1);
}

pub(crate) fn swapdb(ctx: &mut Ctx) {
    let Some(a) = ctx.i32_arg(1, Some("invalid first DB index")) else {
        return;
    };
    let Some(b) = ctx.i32_arg(2, Some("invalid second DB index")) else {
        return;
    };
    let n = ctx.srv.dbs.len() as i32;
    if a < 0 || a >= n || b < 0 || b >= n {
        return ctx.out.err("DB index is out of range");
    }
    let (a, b) = (a as usize, b as usize);
    // Watched keys stay with their database number: what is there changes for both.
    ctx.srv.touch_all_watched_in_db(a, Some(b));
    ctx.srv.touch_all_watched_in_db(b, Some(a));
    ctx.srv.dbs.swap(a, b);
    // Clients stay blocked on their database number: what is there now may wake them.
    ctx.srv.signal_waited_keys_in(a);
    ctx.srv.signal_waited_keys_in(b);
    ctx.dirty(1);
    ctx.out.ok();
}

/// FLUSHDB/FLUSHALL take an optional SYNC or ASYNC (both free synchronously here).
fn flush_flags_ok(ctx: &mut Ctx) -> bool {
    match ctx.args.len() {
        1 => true,
        2 if ctx.args[1].eq_ignore_ascii_case(b"sync") || ctx.args[1].eq_ignore_ascii_case(b"async") => true,
        _ => {
            ctx.syntax_error();
            false
        }
    }
}

pub(crate) fn flushdb(ctx: &mut Ctx) {
    if flush_flags_ok(ctx) {
        let db = ctx.db();
        let removed = ctx.srv.db_mut(db).len() as u64;
        ctx.srv.touch_all_watched_in_db(db, None);
        ctx.srv.db_mut(db).clear();
        ctx.tracking_flushed();
        ctx.dirty(removed);
        // Even an empty database's flush reaches the replicas.
        ctx.srv.repl.force();
        ctx.out.ok();
    }
}

pub(crate) fn flushall(ctx: &mut Ctx) {
    if flush_flags_ok(ctx) {
        // Redis kills a background save, then (with save points) saves the empty dataset.
        ctx.srv.abort_bgsave("flushall");
        let mut removed = 0;
        for db in 0..ctx.srv.dbs.len() {
            ctx.srv.touch_all_watched_in_db(db, None);
            removed += ctx.srv.dbs[db].len() as u64;
            ctx.srv.dbs[db].clear();
        }
        ctx.tracking_flushed();
        // Propagated even when nothing was there.
        ctx.dirty(removed);
        ctx.srv.repl.force();
        ctx.out.ok();
        if !ctx.srv.cfg.save_points.is_empty() {
            ctx.srv.start_sync_save(crate::persist::save::AfterSave::Quiet);
        }
    }
}

/// KEYS pattern: every live key matching the glob (a lone `*` matches even the empty key).
pub(crate) fn keys(ctx: &mut Ctx) {
    let args = ctx.args;
    let pattern = &args[1];
    let all = pattern.as_slice() == b"*";
    let db = ctx.db();
    let now = ctx.srv.now_ms();
    let store = ctx.srv.db_mut(db);
    let found: Vec<&[u8]> = store
        .keys()
        .filter(|k| (all || glob_match(pattern, k, false)) && !store.is_expired(k, now))
        .collect();
    ctx.out.array(found.len());
    for k in found {
        ctx.out.bulk(k);
    }
}

/// RANDOMKEY: a random key from the server RNG; like Redis' dbRandomKey, an expired key picked
/// is deleted and another one is drawn. A replica deletes nothing, so when every key has a TTL
/// it gives up after 100 draws and answers the last one, expired or not (as Redis does).
pub(crate) fn randomkey(ctx: &mut Ctx) {
    let db = ctx.db();
    let all_volatile = ctx.srv.dbs[db].len() == ctx.srv.dbs[db].expires_len();
    let mut tries = 100;
    loop {
        let srv = &mut *ctx.srv;
        let rng = &mut srv.rng;
        let store = &srv.dbs[db];
        let Some(key) = store.random_key(&mut || rng.next_u64()) else {
            return ctx.out.null();
        };
        let has_expire = store.expire_at(key).is_some();
        let key = key.to_vec();
        if has_expire {
            tries -= 1;
            if all_volatile && ctx.srv.is_replica() && tries == 0 {
                return ctx.out.bulk(&key);
            }
            if ctx.srv.expire_if_needed(db, &key) {
                continue;
            }
        }
        return ctx.out.bulk(&key);
    }
}

/// What SCAN, HSCAN, SSCAN and ZSCAN take after the cursor.
pub(crate) struct ScanOptions<'a> {
    pub count: usize,
    /// None also for `*`, which matches everything.
    pub pattern: Option<&'a [u8]>,
    pub typename: Option<&'a [u8]>,
}

/// Parses `[MATCH pattern] [COUNT count]` (and `[TYPE type]` for SCAN when `with_type`) from
/// argument `from` on, as Redis' scanGenericCommand; replies the error and returns `None`.
pub(crate) fn scan_options<'a>(ctx: &mut Ctx<'a>, from: usize, with_type: bool) -> Option<ScanOptions<'a>> {
    let args = ctx.args;
    let mut opts = ScanOptions {
        count: 10,
        pattern: None,
        typename: None,
    };
    let mut i = from;
    while i < args.len() {
        let left = args.len() - i;
        let opt = &args[i];
        if opt.eq_ignore_ascii_case(b"count") && left >= 2 {
            let n = ctx.int_arg(i + 1)?;
            if n < 1 {
                ctx.syntax_error();
                return None;
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if opt.eq_ignore_ascii_case(b"match") && left >= 2 {
            opts.pattern = Some(args[i + 1].as_slice()).filter(|p| *p != b"*");
        } else if with_type && opt.eq_ignore_ascii_case(b"type") && left >= 2 {
            opts.typename = Some(args[i + 1].as_slice());
        } else {
            ctx.syntax_error();
            return None;
        }
        i += 2;
    }
    Some(opts)
}

/// The reply of a collection SCAN on a missing key: cursor 0, nothing found.
pub(crate) fn empty_scan(out: &mut crate::resp::Reply) {
    out.array(2);
    out.bulk(b"0");
    out.array(0);
}

/// A SCAN cursor as Redis 7.0 parses it (parseScanCursorOrReply): C `strtoul` in base 10 over
/// the C string, so a sign is accepted (`-1` wraps), the empty string is 0, and leading
/// whitespace, trailing garbage or overflow are errors.
pub(crate) fn parse_scan_cursor(arg: &[u8]) -> Option<u64> {
    let s = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if s.is_empty() {
        return Some(0);
    }
    if matches!(s[0], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        return None;
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] (Redis 7.0's scanGenericCommand over
/// the keyspace): walk buckets until COUNT keys were gathered (at most COUNT*10 steps), then
/// filter by pattern, type and expiry.
pub(crate) fn scan(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(mut cursor) = parse_scan_cursor(&args[1]) else {
        return ctx.out.err("invalid cursor");
    };
    let Some(ScanOptions {
        count,
        pattern,
        typename,
    }) = scan_options(ctx, 2, true)
    else {
        return;
    };
    let db = ctx.db();
    let store = &ctx.srv.dbs[db];
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut max_iterations = count.saturating_mul(10);
    loop {
        cursor = store.scan(cursor, |k, _| keys.push(k.to_vec()));
        if cursor == 0 || max_iterations == 0 || keys.len() >= count {
            break;
        }
        max_iterations -= 1;
    }
    let mut found = Vec::with_capacity(keys.len());
    for k in keys {
        if pattern.is_some_and(|p| !glob_match(p, &k, false)) {
            continue;
        }
        if let Some(t) = typename {
            let name = ctx.srv.lookup_read_notouch(db, &k).map_or("none", |v| v.type_name());
            if !name.as_bytes().eq_ignore_ascii_case(t) {
                continue;
            }
        }
        if ctx.srv.expire_if_needed(db, &k) {
            continue;
        }
        found.push(k);
    }
    ctx.out.array(2);
    ctx.out.bulk(cursor.to_string().as_bytes());
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_scan_cursor;

    #[test]
    fn scan_cursor_parses_like_strtoul() {
        assert_eq!(parse_scan_cursor(b"0"), Some(0));
        assert_eq!(parse_scan_cursor(b""), Some(0));
        assert_eq!(parse_scan_cursor(b"+12"), Some(12));
        assert_eq!(parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_scan_cursor(b"7\0junk"), Some(7));
        for bad in [&b" 1"[..], b"1 ", b"x", b"-", b"+", b"0x10", b"1.5"] {
            assert_eq!(parse_scan_cursor(bad), None, "{bad:?}");
        }
    }
}
