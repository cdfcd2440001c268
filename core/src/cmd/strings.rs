//! String commands (Redis' t_string.c).

use crate::command::Ctx;
use crate::ldouble::LDouble;
use crate::notify::class::{GENERIC, STRING};
use crate::value::{RStr, Value};

/// Which option set a command accepts (SET's or GETEX's), as Redis'
/// parseExtendedStringArgumentsOrReply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OptsFor {
    Set,
    GetEx,
}

/// How an expiry argument is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ExpireKind {
    /// EX: seconds from now.
    Ex,
    /// PX: milliseconds from now.
    Px,
    /// EXAT: unix seconds.
    ExAt,
    /// PXAT: unix milliseconds.
    PxAt,
}

#[derive(Default)]
struct StringOpts {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    /// The expiry kind and the index of its argument.
    expire: Option<(ExpireKind, usize)>,
}

fn is(opt: &[u8], name: &str) -> bool {
    opt.eq_ignore_ascii_case(name.as_bytes())
}

/// Parses SET/GETEX options from argument `from` on; replies `syntax error` on failure.
fn parse_opts(ctx: &mut Ctx, from: usize, kind: OptsFor) -> Option<StringOpts> {
    let mut o = StringOpts::default();
    let set = kind == OptsFor::Set;
    let mut j = from;
    while j < ctx.args.len() {
        let opt = &ctx.args[j];
        let has_next = j + 1 < ctx.args.len();
        let timed = |o: &StringOpts, k: ExpireKind| o.expire.is_some_and(|(e, _)| e != k);
        let expire_kind = [
            ("ex", ExpireKind::Ex),
            ("px", ExpireKind::Px),
            ("exat", ExpireKind::ExAt),
            ("pxat", ExpireKind::PxAt),
        ]
        .into_iter()
        .find(|(n, _)| is(opt, n))
        .map(|(_, k)| k);
        if is(opt, "nx") && !o.xx && set {
            o.nx = true;
        } else if is(opt, "xx") && !o.nx && set {
            o.xx = true;
        } else if is(opt, "get") && set {
            o.get = true;
        } else if is(opt, "keepttl") && !o.persist && o.expire.is_none() && set {
            o.keep_ttl = true;
        } else if is(opt, "persist") && !set && o.expire.is_none() && !o.keep_ttl {
            o.persist = true;
        } else if let Some(k) = expire_kind.filter(|&k| !o.keep_ttl && !o.persist && !timed(&o, k) && has_next) {
            // Like Redis, repeating the same unit is allowed (the last one wins).
            o.expire = Some((k, j + 1));
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// Turns an expiry argument into an absolute unix-ms time, or replies Redis' error.
pub(crate) fn expire_at_ms(ctx: &mut Ctx, kind: ExpireKind, arg: usize) -> Option<u64> {
    let v = ctx.int_arg(arg)?;
    let seconds = matches!(kind, ExpireKind::Ex | ExpireKind::ExAt);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        ctx.invalid_expire();
        return None;
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if matches!(kind, ExpireKind::Ex | ExpireKind::Px) {
        match ms.checked_add(ctx.srv.now_ms() as i64) {
            Some(at) => ms = at,
            None => {
                ctx.invalid_expire();
                return None;
            }
        }
    }
    Some(ms as u64)
}

/// Replies with the string under `key` (null if missing); `Err` after a WRONGTYPE reply.
/// Redis' getGenericCommand.
fn reply_get(ctx: &mut Ctx, key: &[u8]) -> Result<(), ()> {
    let db = ctx.db();
    match ctx.srv.lookup_read(db, key) {
        None => ctx.out.null(),
        Some(Value::Str(s)) => s.with_bytes(|b| ctx.out.bulk(b)),
        #[allow(unreachable_patterns)]
        Some(_) => {
            ctx.wrong_type();
            return Err(());
        }
    }
    Ok(())
}

/// Looks `key` up for writing as a string: `Ok(None)` if missing, `Err` after WRONGTYPE.
fn write_str<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut RStr>, ()> {
    let db = ctx.db();
    match ctx.srv.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        #[allow(unreachable_patterns)]
        Some(_) => {
            ctx.out.error(crate::keyspace::WRONGTYPE);
            Err(())
        }
    }
}

pub(crate) fn get(ctx: &mut Ctx) {
    let args = ctx.args;
    let _ = reply_get(ctx, &args[1]);
}

/// SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL].
/// SET's key flags depend on GET (Redis' setGetKeys): it reads the old value only then.
pub(crate) fn set_keys(args: &[Vec<u8>]) -> Vec<(usize, &'static [&'static str])> {
    let get = args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    let flags: &'static [&'static str] = if get {
        &["RW", "access", "update"]
    } else {
        &["OW", "update"]
    };
    vec![(1, flags)]
}

pub(crate) fn set(ctx: &mut Ctx) {
    let Some(opts) = parse_opts(ctx, 3, OptsFor::Set) else {
        return;
    };
    set_generic(ctx, &opts, 2, SetReplies::OK);
}

/// What a SET-like command answers when it sets, and when NX/XX stops it.
struct SetReplies {
    done: fn(&mut Ctx),
    aborted: fn(&mut Ctx),
}

impl SetReplies {
    const OK: SetReplies = SetReplies {
        done: |c| c.out.ok(),
        aborted: |c| c.out.null(),
    };
    const ONE_ZERO: SetReplies = SetReplies {
        done: |c| c.out.int(1),
        aborted: |c| c.out.int(0),
    };
}

/// Redis' setGenericCommand: the value is argument `value_at`.
fn set_generic(ctx: &mut Ctx, opts: &StringOpts, value_at: usize, replies: SetReplies) {
    let args = ctx.args;
    let key = &args[1];
    let expire = match opts.expire {
        Some((kind, arg)) => match expire_at_ms(ctx, kind, arg) {
            Some(at) => Some(at),
            None => return,
        },
        None => None,
    };
    if opts.get && reply_get(ctx, key).is_err() {
        return;
    }
    let db = ctx.db();
    let found = ctx.srv.lookup_write(db, key).is_some();
    if (opts.nx && found) || (opts.xx && !found) {
        if !opts.get {
            (replies.aborted)(ctx);
        }
        return;
    }
    ctx.set_value(key, Value::string(args[value_at].clone()), opts.keep_ttl);
    ctx.dirty(1);
    ctx.modified(key);
    ctx.notify(STRING, "set", key);
    if let Some(at) = expire {
        ctx.srv.db_mut(db).set_expire(key, at);
        ctx.notify(GENERIC, "expire", key);
    }
    if let Some(at) = expire {
        // Replicas get the absolute time, so they expire the key when the master does.
        ctx.propagate_as(vec![
            b"SET".to_vec(),
            key.clone(),
            args[value_at].clone(),
            b"PXAT".to_vec(),
            at.to_string().into_bytes(),
        ]);
    } else if opts.get {
        // GET changes nothing on a replica: it goes out without it.
        let kept = args
            .iter()
            .enumerate()
            .filter(|(i, a)| *i < 3 || !a.eq_ignore_ascii_case(b"get"));
        ctx.propagate_as(kept.map(|(_, a)| a.clone()).collect());
    }
    if !opts.get {
        (replies.done)(ctx);
    }
}

pub(crate) fn setnx(ctx: &mut Ctx) {
    let opts = StringOpts {
        nx: true,
        ..StringOpts::default()
    };
    set_generic(ctx, &opts, 2, SetReplies::ONE_ZERO);
}

pub(crate) fn setex(ctx: &mut Ctx) {
    let opts = StringOpts {
        expire: Some((ExpireKind::Ex, 2)),
        ..StringOpts::default()
    };
    set_generic(ctx, &opts, 3, SetReplies::OK);
}

pub(crate) fn psetex(ctx: &mut Ctx) {
    let opts = StringOpts {
        expire: Some((ExpireKind::Px, 2)),
        ..StringOpts::default()
    };
    set_generic(ctx, &opts, 3, SetReplies::OK);
}

/// GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST].
pub(crate) fn getex(ctx: &mut Ctx) {
    let Some(opts) = parse_opts(ctx, 2, OptsFor::GetEx) else {
        return;
    };
    let args = ctx.args;
    let key = &args[1];
    let db = ctx.db();
    let value = match ctx.srv.lookup_read(db, key) {
        None => return ctx.out.null(),
        Some(Value::Str(s)) => s.to_bytes(),
        #[allow(unreachable_patterns)]
        Some(_) => return ctx.wrong_type(),
    };
    let expire = match opts.expire {
        Some((kind, arg)) => match expire_at_ms(ctx, kind, arg) {
            Some(at) => Some((kind, at)),
            None => return,
        },
        None => None,
    };
    ctx.out.bulk(&value);
    // An absolute time already past deletes the key, as Redis does.
    let past = expire.is_some_and(|(kind, at)| {
        matches!(kind, ExpireKind::ExAt | ExpireKind::PxAt) && ctx.srv.already_expired(at as i64)
    });
    let store = ctx.srv.db_mut(db);
    // GETEX itself never reaches a replica: its effect does, as DEL, PEXPIREAT or PERSIST.
    let (effect, event): (Vec<&[u8]>, _) = match expire {
        Some(_) if past => {
            store.remove(key);
            (vec![b"DEL", key], "del")
        }
        Some((_, at)) => {
            store.set_expire(key, at);
            let argv = vec![b"PEXPIREAT".to_vec(), key.clone(), at.to_string().into_bytes()];
            return propagate_effect(ctx, argv, (GENERIC, "expire"));
        }
        None if opts.persist && store.persist(key) => (vec![b"PERSIST", key], "persist"),
        None => return,
    };
    propagate_effect(ctx, effect.into_iter().map(<[u8]>::to_vec).collect(), (GENERIC, event));
}

/// One change, propagated as `argv` instead of the command that made it, and notified as
/// `event` (class, name).
fn propagate_effect(ctx: &mut Ctx, argv: Vec<Vec<u8>>, event: (u32, &str)) {
    ctx.dirty(1);
    let key = ctx.args[1].clone();
    ctx.modified(&key);
    ctx.notify(event.0, event.1, &key);
    ctx.propagate_as(argv);
}

pub(crate) fn getdel(ctx: &mut Ctx) {
    let args = ctx.args;
    if reply_get(ctx, &args[1]).is_ok() {
        let db = ctx.db();
        if ctx.srv.db_mut(db).remove(&args[1]) {
            propagate_effect(ctx, vec![b"DEL".to_vec(), args[1].clone()], (GENERIC, "del"));
        }
    }
}

pub(crate) fn getset(ctx: &mut Ctx) {
    let args = ctx.args;
    if reply_get(ctx, &args[1]).is_ok() {
        ctx.set_value(&args[1], Value::string(args[2].clone()), false);
        let argv = vec![b"SET".to_vec(), args[1].clone(), args[2].clone()];
        propagate_effect(ctx, argv, (STRING, "set"));
    }
}

pub(crate) fn mget(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    ctx.out.array(args.len() - 1);
    for key in &args[1..] {
        match ctx.srv.lookup_read_in_reply(db, key, ctx.out) {
            Some(Value::Str(s)) => s.with_bytes(|b| ctx.out.bulk(b)),
            #[allow(unreachable_patterns)]
            _ => ctx.out.null(),
        }
    }
}

fn mset_generic(ctx: &mut Ctx, nx: bool) {
    let args = ctx.args;
    if args.len().is_multiple_of(2) {
        let name = ctx.client().last_cmd;
        return ctx.out.err(&format!("wrong number of arguments for '{name}' command"));
    }
    let db = ctx.db();
    if nx && args[1..].chunks(2).any(|kv| ctx.srv.lookup_write(db, &kv[0]).is_some()) {
        return ctx.out.int(0);
    }
    for kv in args[1..].chunks(2) {
        // Redis' setKey looks the key up for writing first: an expired one is deleted (and
        // that deletion propagated) before the new value goes in.
        ctx.srv.expire_if_needed(db, &kv[0]);
        ctx.set_value(&kv[0], Value::string(kv[1].clone()), false);
        ctx.notify(STRING, "set", &kv[0]);
    }
    ctx.dirty((args.len() as u64 - 1) / 2);
    for kv in args[1..].chunks(2) {
        ctx.modified(&kv[0]);
    }
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
}

pub(crate) fn mset(ctx: &mut Ctx) {
    mset_generic(ctx, false);
}

pub(crate) fn msetnx(ctx: &mut Ctx) {
    mset_generic(ctx, true);
}

pub(crate) fn strlen(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    match ctx.srv.lookup_read(db, &args[1]) {
        None => ctx.out.int(0),
        Some(Value::Str(s)) => ctx.out.int(s.len() as i64),
        #[allow(unreachable_patterns)]
        Some(_) => ctx.wrong_type(),
    }
}

/// Redis' checkStringLength: the result may not exceed proto-max-bulk-len.
fn check_length(ctx: &mut Ctx, total: u64) -> bool {
    if total > ctx.srv.config().proto_max_bulk_len as u64 {
        ctx.out.err("string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    true
}

pub(crate) fn append(ctx: &mut Ctx) {
    let args = ctx.args;
    let add = &args[2];
    let Ok(existing) = write_str(ctx, &args[1]) else { return };
    let Some(cur) = existing else {
        ctx.set_value(&args[1], Value::string(add.clone()), false);
        ctx.dirty(1);
        ctx.modified(&args[1]);
        ctx.notify(STRING, "append", &args[1]);
        return ctx.out.int(add.len() as i64);
    };
    let new_len = (cur.len() + add.len()) as u64;
    if !check_length(ctx, new_len) {
        return;
    }
    let Ok(Some(cur)) = write_str(ctx, &args[1]) else {
        return;
    };
    let mut bytes = cur.to_bytes();
    bytes.extend_from_slice(add);
    *cur = RStr::raw(bytes);
    ctx.dirty(1);
    ctx.modified(&args[1]);
    ctx.notify(STRING, "append", &args[1]);
    ctx.out.int(new_len as i64);
}

/// INCR/DECR/INCRBY/DECRBY: Redis' incrDecrCommand. The TTL is kept.
fn incr_by(ctx: &mut Ctx, delta: i64) {
    let args = ctx.args;
    let Ok(existing) = write_str(ctx, &args[1]) else { return };
    let old = match existing {
        None => 0,
        Some(s) => match s.as_i64() {
            Some(n) => n,
            None => return ctx.out.err("value is not an integer or out of range"),
        },
    };
    let Some(new) = old.checked_add(delta) else {
        return ctx.out.err("increment or decrement would overflow");
    };
    let db = ctx.db();
    match ctx.srv.lookup_write(db, &args[1]) {
        Some(v) => *v = Value::Str(RStr::Int(new)),
        None => ctx.set_value(&args[1], Value::Str(RStr::Int(new)), false),
    }
    ctx.dirty(1);
    ctx.modified(&args[1]);
    ctx.notify(STRING, "incrby", &args[1]);
    ctx.out.int(new);
}

pub(crate) fn incr(ctx: &mut Ctx) {
    incr_by(ctx, 1);
}

pub(crate) fn decr(ctx: &mut Ctx) {
    incr_by(ctx, -1);
}

pub(crate) fn incrby(ctx: &mut Ctx) {
    if let Some(d) = ctx.int_arg(2) {
        incr_by(ctx, d);
    }
}

pub(crate) fn decrby(ctx: &mut Ctx) {
    let Some(d) = ctx.int_arg(2) else { return };
    if d == i64::MIN {
        return ctx.out.err("decrement would overflow");
    }
    incr_by(ctx, -d);
}

/// INCRBYFLOAT key increment: Redis' incrbyfloatCommand, in x87 long double. The value and
/// the increment are read as string2ld does (an int-encoded value exactly), the sum must be
/// finite, and the stored value is the reply: ld2string's text, kept as a plain string (Redis'
/// createStringObject, no int encoding). The TTL is kept.
pub(crate) fn incrbyfloat(ctx: &mut Ctx) {
    let args = ctx.args;
    let Ok(existing) = write_str(ctx, &args[1]) else { return };
    let old = match existing {
        None => Some(LDouble::ZERO),
        Some(RStr::Int(n) | RStr::OwnInt(n)) => Some(LDouble::from_i64(*n)),
        Some(s) => s.with_bytes(LDouble::parse),
    };
    let (Some(old), Some(incr)) = (old, LDouble::parse(&args[2])) else {
        return ctx.out.err("value is not a valid float");
    };
    let new = old + incr;
    if !new.is_finite() {
        return ctx.out.err("increment would produce NaN or Infinity");
    }
    let text = new.to_human_string().into_bytes();
    let value = Value::Str(RStr::unencoded(text.clone()));
    let db = ctx.db();
    match ctx.srv.lookup_write(db, &args[1]) {
        Some(v) => *v = value,
        None => ctx.set_value(&args[1], value, false),
    }
    // The sum goes to replicas as a SET of its text: float arithmetic could differ there.
    propagate_effect(
        ctx,
        vec![b"SET".to_vec(), args[1].clone(), text.clone(), b"KEEPTTL".to_vec()],
        (STRING, "incrbyfloat"),
    );
    ctx.out.bulk(&text);
}

/// GETRANGE/SUBSTR key start end, with Redis' clamping of negative and huge indexes.
pub(crate) fn getrange(ctx: &mut Ctx) {
    let args = ctx.args;
    // One at a time: a bad start must not also reply for a bad end.
    let Some(start) = ctx.int_arg(2) else { return };
    let Some(end) = ctx.int_arg(3) else { return };
    let db = ctx.db();
    let bytes = match ctx.srv.lookup_read(db, &args[1]) {
        None => return ctx.out.bulk(b""),
        Some(Value::Str(s)) => s.to_bytes(),
        #[allow(unreachable_patterns)]
        Some(_) => return ctx.wrong_type(),
    };
    match clamp_range(start, end, bytes.len()) {
        Some((s, e)) => ctx.out.bulk(&bytes[s..=e]),
        None => ctx.out.bulk(b""),
    }
}

/// Redis' GETRANGE index arithmetic; `None` for an empty result.
fn clamp_range(mut start: i64, mut end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    if start < 0 && end < 0 && start > end {
        return None;
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

pub(crate) fn setrange(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(offset) = ctx.int_arg(2) else { return };
    if offset < 0 {
        return ctx.out.err("offset is out of range");
    }
    let value = &args[3];
    let Ok(existing) = write_str(ctx, &args[1]) else { return };
    let cur_len = existing.as_ref().map(|s| s.len());
    if value.is_empty() {
        return ctx.out.int(cur_len.unwrap_or(0) as i64);
    }
    if !check_length(ctx, offset as u64 + value.len() as u64) {
        return;
    }
    let offset = offset as usize;
    let db = ctx.db();
    let mut bytes = match ctx.srv.lookup_write(db, &args[1]) {
        Some(Value::Str(s)) => s.to_bytes(),
        _ => Vec::new(),
    };
    if bytes.len() < offset + value.len() {
        bytes.resize(offset + value.len(), 0);
    }
    bytes[offset..offset + value.len()].copy_from_slice(value);
    let len = bytes.len() as i64;
    match ctx.srv.lookup_write(db, &args[1]) {
        Some(v) => *v = Value::Str(RStr::raw(bytes)),
        None => ctx.set_value(&args[1], Value::Str(RStr::raw(bytes)), false),
    }
    ctx.dirty(1);
    ctx.modified(&args[1]);
    ctx.notify(STRING, "setrange", &args[1]);
    ctx.out.int(len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getrange_clamps_like_redis() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 4)));
        assert_eq!(clamp_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(clamp_range(-1, -3, 5), None);
        assert_eq!(clamp_range(3, 100, 5), Some((3, 4)));
        assert_eq!(clamp_range(-100, 1, 5), Some((0, 1)));
        assert_eq!(clamp_range(4, 2, 5), None);
        assert_eq!(clamp_range(0, 0, 0), None);
    }
}
