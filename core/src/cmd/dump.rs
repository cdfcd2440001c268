//! DUMP and RESTORE (Redis' cluster.c): a value serialized as an RDB payload and back. The
//! payload format lives in [`crate::rdb::dump`].

use crate::command::acl::{DANGEROUS, KEYSPACE};
use crate::command::flags::{DENYOOM, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::config::LogLevel;
use crate::notify::class::GENERIC;
use crate::rdb::dump;

const GROUP: &str = "generic";

pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd(
        "dump",
        2,
        READONLY,
        KEYSPACE,
        GROUP,
        "2.6.0",
        "Return a serialized version of the value stored at the specified key.",
        "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
        dump,
    )
    .keys(1, 1, 1, &["RO", "access"])
    .tips(&["nondeterministic_output"]),
    cmd(
        "restore",
        -4,
        WRITE | DENYOOM,
        KEYSPACE | DANGEROUS,
        GROUP,
        "2.6.0",
        "Create a key using the provided serialized value, previously obtained using DUMP.",
        "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
        restore,
    )
    .keys(1, 1, 1, &["OW", "update"]),
];

/// `rdbcompression`, which is not configurable yet: Redis' default.
const RDB_COMPRESSION: bool = true;

/// DUMP key: the payload, or null if the key does not exist.
fn dump(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    let Some(value) = ctx.srv.lookup_read(db, &args[1]) else {
        return ctx.out.null();
    };
    let payload = dump::dump(value, RDB_COMPRESSION);
    ctx.out.bulk(&payload);
}

/// RESTORE's options, parsed and checked in Redis' order.
struct RestoreOptions {
    replace: bool,
    absttl: bool,
    /// IDLETIME seconds (≥ 0), if given.
    idle_secs: Option<i64>,
    /// FREQ frequency (0..=255), if given.
    freq: Option<u8>,
}

/// Redis' option loop: IDLETIME and FREQ exclude each other (the second one is a syntax
/// error), each needs a value, any repeat overrides; a bad value is reported when met.
fn parse_options(ctx: &mut Ctx) -> Option<RestoreOptions> {
    let args = ctx.args;
    let mut o = RestoreOptions {
        replace: false,
        absttl: false,
        idle_secs: None,
        freq: None,
    };
    let mut j = 4;
    while j < args.len() {
        let has_value = j + 1 < args.len();
        let opt = &args[j];
        if opt.eq_ignore_ascii_case(b"replace") {
            o.replace = true;
        } else if opt.eq_ignore_ascii_case(b"absttl") {
            o.absttl = true;
        } else if opt.eq_ignore_ascii_case(b"idletime") && has_value && o.freq.is_none() {
            let secs = ctx.int_arg(j + 1)?;
            if secs < 0 {
                ctx.out.err("Invalid IDLETIME value, must be >= 0");
                return None;
            }
            o.idle_secs = Some(secs);
            j += 1;
        } else if opt.eq_ignore_ascii_case(b"freq") && has_value && o.idle_secs.is_none() {
            let freq = ctx.int_arg(j + 1)?;
            let Ok(freq) = u8::try_from(freq) else {
                ctx.out.err("Invalid FREQ value, must be >= 0 and <= 255");
                return None;
            };
            o.freq = Some(freq);
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
fn restore(ctx: &mut Ctx) {
    let Some(opts) = parse_options(ctx) else { return };
    let args = ctx.args;
    let key = &args[1];
    let db = ctx.db();
    if !opts.replace && ctx.srv.lookup_write(db, key).is_some() {
        return ctx.out.error("BUSYKEY Target key name already exists.");
    }
    let Some(mut ttl) = ctx.int_arg(2) else { return };
    if ttl < 0 {
        return ctx.out.err("Invalid TTL value, must be >= 0");
    }
    if let Err(e) = dump::verify_footer(&args[3], ctx.srv.skip_checksum_validation) {
        ctx.srv
            .log(LogLevel::Verbose, format!("RESTORE refused a payload: {e}"));
        return ctx.out.err("DUMP payload version or checksum are wrong");
    }
    let load_opts = ctx.srv.load_options();
    let value = match dump::load_with(&args[3], load_opts) {
        Ok(v) => v,
        Err(e) => {
            // Redis logs its reason at verbose level (rdbReportError in a RESTORE context).
            let reason = crate::rdb::reason::redis_reason(&e, args[3][0]);
            let line = format!("Internal error in RDB reading offset 0 -> {reason} ({e})");
            ctx.srv.log(LogLevel::Verbose, line);
            return ctx.out.err("Bad data format");
        }
    };

    // REPLACE deletes without a lookup (no lazy expiry, like Redis' dbDelete).
    let store = ctx.srv.db_mut(db);
    let deleted = opts.replace && store.remove(key);
    let now = ctx.srv.now_ms() as i64;
    if ttl != 0 && !opts.absttl {
        // Redis adds in C and wraps: a huge TTL lands in the past.
        ttl = ttl.wrapping_add(now);
    }
    // An expiry already past: nothing is created (a replaced key stays deleted). Redis keeps
    // the key when loading or on a replica; neither exists here yet.
    if ttl != 0 && ttl <= now {
        if deleted {
            ctx.dirty(1);
            ctx.modified(key);
            ctx.notify(GENERIC, "del", key);
            ctx.propagate_as(vec![b"DEL".to_vec(), key.clone()]);
        }
        return ctx.out.ok();
    }
    ctx.srv.db_add(db, key, value);
    if ttl != 0 {
        ctx.srv.db_mut(db).set_expire(key, ttl as u64);
    }
    ctx.dirty(1);
    ctx.modified(key);
    if ttl != 0 && !opts.absttl {
        // Replicas get the absolute time (and ABSTTL), so they expire it when we do.
        let mut argv = args.to_vec();
        argv[2] = ttl.to_string().into_bytes();
        argv.push(b"ABSTTL".to_vec());
        ctx.propagate_as(argv);
    }
    ctx.srv.set_access(db, key, opts.idle_secs, opts.freq.map(i64::from));
    ctx.notify(GENERIC, "restore", key);
    ctx.out.ok();
}
