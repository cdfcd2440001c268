//! Expiry commands (Redis' expire.c): EXPIRE family, TTL family, PERSIST.

use crate::command::Ctx;
use crate::notify::class::GENERIC;

#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn parse_flags(ctx: &mut Ctx) -> Option<ExpireFlags> {
    let mut f = ExpireFlags::default();
    for opt in &ctx.args[3..] {
        match String::from_utf8_lossy(opt).to_ascii_lowercase().as_str() {
            "nx" => f.nx = true,
            "xx" => f.xx = true,
            "gt" => f.gt = true,
            "lt" => f.lt = true,
            _ => {
                let mut msg = b"ERR Unsupported option ".to_vec();
                msg.extend_from_slice(crate::command::c_str(opt, usize::MAX));
                ctx.out.error_format_bytes(&msg);
                return None;
            }
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        ctx.out
            .err("NX and XX, GT or LT options at the same time are not compatible");
        return None;
    }
    if f.gt && f.lt {
        ctx.out.err("GT and LT options at the same time are not compatible");
        return None;
    }
    Some(f)
}

/// Does the NX/XX/GT/LT condition allow replacing `current` by `when`?
fn allowed(f: &ExpireFlags, current: Option<i64>, when: i64) -> bool {
    !(f.nx && current.is_some()
        || f.xx && current.is_none()
        || f.gt && current.is_none_or(|c| when <= c)
        || f.lt && current.is_some_and(|c| when >= c))
}

/// Redis' expireGenericCommand: `base_ms` is added to the argument (0 for the *AT forms).
fn expire_generic(ctx: &mut Ctx, relative: bool, seconds: bool) {
    let Some(flags) = parse_flags(ctx) else { return };
    let Some(mut when) = ctx.int_arg(2) else { return };
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return ctx.invalid_expire();
        }
        when *= 1000;
    }
    let now = ctx.srv.now_ms() as i64;
    let base = if relative { now } else { 0 };
    if when > i64::MAX - base {
        return ctx.invalid_expire();
    }
    when += base;
    let args = ctx.args;
    let key = &args[1];
    let db = ctx.db();
    if ctx.srv.lookup_write(db, key).is_none() {
        return ctx.out.int(0);
    }
    let current = ctx.srv.db_mut(db).expire_at(key).map(|c| c as i64);
    if !allowed(&flags, current, when) {
        return ctx.out.int(0);
    }
    ctx.dirty(1);
    ctx.modified(key);
    if ctx.srv.already_expired(when) {
        ctx.srv.db_mut(db).remove(key);
        ctx.notify(GENERIC, "del", key);
        ctx.propagate_as(vec![b"DEL".to_vec(), key.clone()]);
        return ctx.out.int(1);
    }
    ctx.srv.db_mut(db).set_expire(key, when as u64);
    // Replicas get PEXPIREAT with the absolute time, the options as sent.
    if relative || seconds {
        let mut argv = args.to_vec();
        argv[0] = b"PEXPIREAT".to_vec();
        argv[2] = when.to_string().into_bytes();
        ctx.propagate_as(argv);
    }
    // Redis replies before it notifies here.
    ctx.out.int(1);
    ctx.notify(GENERIC, "expire", key);
}

pub(crate) fn expire(ctx: &mut Ctx) {
    expire_generic(ctx, true, true);
}

pub(crate) fn pexpire(ctx: &mut Ctx) {
    expire_generic(ctx, true, false);
}

pub(crate) fn expireat(ctx: &mut Ctx) {
    expire_generic(ctx, false, true);
}

pub(crate) fn pexpireat(ctx: &mut Ctx) {
    expire_generic(ctx, false, false);
}

/// Redis' ttlGenericCommand: remaining (or absolute) time in ms or s; -2 missing, -1 none.
fn ttl_generic(ctx: &mut Ctx, millis: bool, absolute: bool) {
    let args = ctx.args;
    let db = ctx.db();
    if ctx.srv.lookup_read_notouch(db, &args[1]).is_none() {
        return ctx.out.int(-2);
    }
    let Some(at) = ctx.srv.db_mut(db).expire_at(&args[1]) else {
        return ctx.out.int(-1);
    };
    let at = at as i64;
    let ttl = if absolute {
        at
    } else {
        (at - ctx.srv.now_ms() as i64).max(0)
    };
    // Rounded to seconds without overflow: an expiry near i64::MAX (PEXPIREAT, RESTORE
    // ABSTTL) rounds up like Redis' reply, e.g. 9223372036854775807 ms -> 9223372036854776 s.
    let secs = ((i128::from(ttl) + 500) / 1000) as i64;
    ctx.out.int(if millis { ttl } else { secs });
}

pub(crate) fn ttl(ctx: &mut Ctx) {
    ttl_generic(ctx, false, false);
}

pub(crate) fn pttl(ctx: &mut Ctx) {
    ttl_generic(ctx, true, false);
}

pub(crate) fn expiretime(ctx: &mut Ctx) {
    ttl_generic(ctx, false, true);
}

pub(crate) fn pexpiretime(ctx: &mut Ctx) {
    ttl_generic(ctx, true, true);
}

pub(crate) fn persist(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    if ctx.srv.lookup_write(db, &args[1]).is_none() {
        return ctx.out.int(0);
    }
    let removed = ctx.srv.db_mut(db).persist(&args[1]);
    if removed {
        ctx.dirty(1);
        ctx.modified(&args[1]);
        ctx.notify(GENERIC, "persist", &args[1]);
    }
    ctx.out.int(i64::from(removed));
}
