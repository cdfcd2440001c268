//! DEBUG, behind `enable-debug-command` (no|yes|local), with the subcommands Redis' own tests
//! lean on. Digests follow Redis' algorithm exactly (SHA1 mixing per key), so a dataset can be
//! compared with a real redis-server's.

use crate::types::stream::StreamId;
use sha1_smol::Sha1;

use crate::command::acl::{ADMIN, DANGEROUS, SLOW};
use crate::command::flags::{ADMIN as ADMIN_FLAG, LOADING, NOSCRIPT, PROTECTED, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::value::Value;

pub(crate) static COMMANDS: &[CommandSpec] = &[cmd(
    "debug",
    -2,
    ADMIN_FLAG | NOSCRIPT | LOADING | STALE | PROTECTED,
    ADMIN | SLOW | DANGEROUS,
    "server",
    "1.0.0",
    "A container for debugging commands",
    "Depends on subcommand.",
    debug,
)];

fn debug(ctx: &mut Ctx) {
    let sub = String::from_utf8_lossy(&ctx.args[1]).to_ascii_lowercase();
    match (sub.as_str(), ctx.args.len()) {
        ("help", 2) => help(ctx),
        ("digest", 2) => {
            let d = dataset_digest(ctx);
            ctx.out.simple(&hex(&d));
        }
        ("digest-value", _) => digest_values(ctx),
        ("protocol", 3) => protocol(ctx),
        ("object", 3) => object(ctx),
        ("reload", _) => reload(ctx),
        ("loadaof", 2) => {
            // Redis: flush and fsync the AOF, empty the dataset, load the AOF files again.
            let id = ctx.id;
            ctx.srv.debug_loadaof(id);
        }
        ("populate", 3..=5) => populate(ctx),
        ("aof-flush-sleep", 3) => {
            // Redis' atoi: a negative or non-numeric value turns it off.
            ctx.srv.persist.aof.flush_sleep_us = atoi(&ctx.args[2]).max(0) as u64;
            ctx.out.ok();
        }
        ("quicklist-packed-threshold", 3) => packed_threshold(ctx),
        ("sleep", 3) => {
            // strtod seconds, then whole microseconds; nothing to wait for unless positive.
            let us = strtod_prefix(&ctx.args[2]) * 1e6;
            if us.is_finite() && us >= 1.0 {
                ctx.srv.sleep_for(us as u64);
            }
            ctx.out.ok();
        }
        ("stringmatch-test", 2) => stringmatch_test(ctx),
        ("panic", 2) => {
            // A deliberate crash: the driver's panic handling logs Redis' bug report and ends
            // the process (abort, or exit(1) under use-exit-on-panic).
            let now_s = ctx.srv.now_ms() / 1000;
            panic!("DEBUG PANIC called at Unix time {now_s}");
        }
        ("segfault", 2) => {
            // Redis writes through a bad pointer; the driver raises SIGSEGV for us.
            ctx.srv.push_output(crate::server::Output::Segfault);
        }
        ("set-skip-checksum-validation", 3) => {
            ctx.srv.skip_checksum_validation = atoi(&ctx.args[2]) != 0;
            ctx.out.ok();
        }
        ("log", 3) => {
            let line = format!("DEBUG LOG: {}", String::from_utf8_lossy(&ctx.args[2]));
            ctx.srv.log(crate::LogLevel::Warning, line);
            ctx.out.ok();
        }
        ("pause-cron", 3) => {
            ctx.srv.cron_paused = atoi(&ctx.args[2]) != 0;
            ctx.out.ok();
        }
        ("set-active-expire", 3) => {
            // Like Redis' atoi: anything that does not start with a non-zero number is 0.
            ctx.srv.active_expire_enabled = atoi(&ctx.args[2]) != 0;
            ctx.out.ok();
        }
        _ => {
            // Redis' addReplySubcommandSyntaxError.
            let mut msg = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
            msg.extend_from_slice(crate::command::c_str(&ctx.args[1], 128));
            msg.extend_from_slice(b"'. Try DEBUG HELP.");
            ctx.out.error_bytes(&msg);
        }
    }
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the dataset, empty it and load the save back,
/// which proves every value survives the RDB round trip. Where Redis would be killed by a
/// conflicting key (NOFLUSH without MERGE) this replies an error instead.
fn reload(ctx: &mut Ctx) {
    let (mut flush, mut save, mut merge) = (true, true, false);
    for opt in &ctx.args[2..] {
        match String::from_utf8_lossy(opt).to_ascii_uppercase().as_str() {
            "MERGE" => merge = true,
            "NOFLUSH" => flush = false,
            "NOSAVE" => save = false,
            _ => {
                return ctx
                    .out
                    .err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
            }
        }
    }
    // The reply waits for the file to be written (unless NOSAVE) and read back.
    let after = crate::persist::save::AfterSave::Reload {
        client: ctx.id,
        flush,
        merge,
    };
    if save {
        ctx.srv.start_sync_save(after);
    } else {
        ctx.srv.start_reload_nosave(after);
    }
}

/// DEBUG QUICKLIST-PACKED-THRESHOLD size: list elements at least this large (a memory amount,
/// 0 = the 1 GiB default) are kept as plain quicklist nodes, which shows in DUMP and saves.
/// DEBUG POPULATE count [prefix] [size]: keys `prefix:N` (default `key`) holding `value:N`,
/// cut or zero-padded to `size` bytes when one is given. Keys that exist are left alone. As in
/// Redis the keys are added, not written: nothing counts as dirty, so nothing propagates.
fn populate(ctx: &mut Ctx) {
    let Some(count) = non_negative(ctx, 2) else { return };
    let size = match ctx.args.len() {
        5 => match non_negative(ctx, 4) {
            Some(n) => Some(n as usize),
            None => return,
        },
        _ => None,
    };
    let args = ctx.args;
    let prefix: &[u8] = args.get(3).map_or(b"key", |p| &p[..]);
    let db = ctx.db();
    for j in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{j}").as_bytes());
        if ctx.srv.lookup_write(db, &key).is_some() {
            continue;
        }
        let mut value = format!("value:{j}").into_bytes();
        if let Some(size) = size.filter(|&n| n > 0) {
            value.resize(size, 0);
        }
        ctx.set_value(&key, Value::string(value), false);
        ctx.modified(&key);
    }
    ctx.out.ok();
}

/// Redis' getPositiveLongFromObjectOrReply: one error for a negative and a non-number.
fn non_negative(ctx: &mut Ctx, i: usize) -> Option<u64> {
    match crate::resp::parse_i64(&ctx.args[i]) {
        Some(n) if n >= 0 => Some(n as u64),
        _ => {
            ctx.out.err("value is out of range, must be positive");
            None
        }
    }
}

fn packed_threshold(ctx: &mut Ctx) {
    let size = std::str::from_utf8(&ctx.args[2])
        .ok()
        .and_then(crate::config::parse_memory);
    match size {
        Some(0) => ctx.srv.list_packed_threshold = crate::types::list::DEFAULT_PACKED_THRESHOLD,
        Some(n) if n > 0 && n <= (1i64 << 32) - (1 << 20) => ctx.srv.list_packed_threshold = n as usize,
        _ => {
            return ctx
                .out
                .err("argument must be a memory value bigger than 1 and smaller than 4gb")
        }
    }
    ctx.out.ok();
}

/// DEBUG OBJECT key: the value's identity, refcount, encoding, RDB-serialized length and
/// access time, in Redis' status line, and for a list its quicklist's nodes. Like Redis it
/// looks at the dict directly: no lazy expiry, no access-time update.
fn object(ctx: &mut Ctx) {
    let db = ctx.db();
    let store = ctx.srv.db_mut(db);
    let key = &ctx.args[2];
    let (Some(obj), Some(slot)) = (store.get_obj(key), store.slot_of(key)) else {
        return ctx.out.err("no such key");
    };
    let mut enc = crate::rdb::Encoder::new(true);
    enc.write_object(&obj.value);
    let idle = crate::db::idle_seconds(store.lru_clock, obj.lru);
    // The "address" is the entry's slot: stable while the value lives, as a pointer is.
    let mut line = format!(
        "Value at:{:#x} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        0x7f00_0000_0000u64 + u64::from(slot) * 64,
        super::object::refcount_of(&obj.value),
        obj.value.encoding(),
        enc.len(),
        obj.lru,
        idle
    );
    if let Value::List(l) = &obj.value {
        // Nodes are never compressed here (see types::list), whatever list-compress-depth says.
        let nodes = l.nodes().len();
        let size: usize = l.nodes().map(|n| n.size()).sum();
        line.push_str(&format!(
            " ql_nodes:{nodes} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:0 ql_uncompressed_size:{size}",
            l.len() as f64 / nodes as f64,
            l.fill()
        ));
    }
    ctx.out.simple(&line);
}

/// DEBUG STRINGMATCH-TEST: Redis' fuzz test of its glob matcher, run on ours: random
/// patterns against random strings must never crash.
fn stringmatch_test(ctx: &mut Ctx) {
    for _ in 0..1000 {
        let mut random_bytes = |max: u64| -> Vec<u8> {
            let len = ctx.srv.random_u64() % max;
            (0..len).map(|_| ctx.srv.random_u64() as u8).collect()
        };
        let pattern = random_bytes(100);
        let s = random_bytes(100);
        crate::glob::glob_match(&pattern, &s, false);
    }
    ctx.out.simple("Apparently Redis did not crash: test passed");
}

/// C's strtod on a whole argument: the longest leading decimal number, 0 if there is none.
fn strtod_prefix(b: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(b);
    let t = s.trim_start();
    (1..=t.len())
        .rev()
        .filter(|&n| t.is_char_boundary(n))
        .find_map(|n| {
            let p = &t[..n];
            let numeric = p.bytes().all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c));
            numeric.then(|| p.parse::<f64>().ok()).flatten()
        })
        .unwrap_or(0.0)
}

fn atoi(b: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(b);
    let t = s.trim_start();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse().unwrap_or(0)
}

fn hex(d: &[u8; 20]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Redis' xorDigest: digest ^= SHA1(data).
fn xor_digest(digest: &mut [u8; 20], data: &[u8]) {
    let h = Sha1::from(data).digest().bytes();
    for (d, x) in digest.iter_mut().zip(h) {
        *d ^= x;
    }
}

/// Redis' mixDigest: digest = SHA1(digest ^ SHA1(data)).
fn mix_digest(digest: &mut [u8; 20], data: &[u8]) {
    xor_digest(digest, data);
    *digest = Sha1::from(&digest[..]).digest().bytes();
}

/// Redis' type numbers (OBJ_STRING = 0, ...), mixed in big-endian.
fn type_code(v: &Value) -> u32 {
    match v {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::Hash(_) => 4,
        Value::ZSet(_) => 3,
        Value::Stream(_) => 6,
    }
}

/// Redis' xorObjectDigest for one value (the key is mixed in by the caller).
fn value_digest(digest: &mut [u8; 20], v: &Value, has_expire: bool) {
    mix_digest(digest, &type_code(v).to_be_bytes());
    match v {
        Value::Str(s) => s.with_bytes(|b| mix_digest(digest, b)),
        // Each element mixed in, head to tail.
        Value::List(l) => l.iter().for_each(|e| e.with_bytes(|b| mix_digest(digest, b))),
        // Members are xored in: the digest does not depend on their order.
        Value::Set(set) => {
            for m in set.iter() {
                m.with_bytes(|b| xor_digest(digest, b));
            }
        }
        // Each pair digested on its own and xored in: the order does not matter.
        Value::Hash(h) => {
            for (f, v) in h.iter() {
                let mut pair = [0u8; 20];
                f.with_bytes(|b| mix_digest(&mut pair, b));
                v.with_bytes(|b| mix_digest(&mut pair, b));
                xor_digest(digest, &pair);
            }
        }
        // Member then score (`%.17g`) digested per element and xored in.
        Value::ZSet(z) => {
            for (m, s) in z.iter() {
                let mut elem = [0u8; 20];
                m.with_bytes(|b| mix_digest(&mut elem, b));
                mix_digest(&mut elem, crate::resp::format_double(s).as_bytes());
                xor_digest(digest, &elem);
            }
        }
        // Each entry's `ms.seq` then its fields and values, in ID order; groups are left out.
        Value::Stream(s) => {
            for e in s.range(StreamId::MIN, StreamId::MAX, 0, false) {
                mix_digest(digest, format!("{}.{}", e.id.ms, e.id.seq).as_bytes());
                for b in &e.fields {
                    mix_digest(digest, b);
                }
            }
        }
    }
    if has_expire {
        xor_digest(digest, b"!!expire!!");
    }
}

/// Redis' computeDatasetDigest: all zeros for an empty dataset.
fn dataset_digest(ctx: &mut Ctx) -> [u8; 20] {
    let mut fin = [0u8; 20];
    for (i, db) in ctx.srv.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        mix_digest(&mut fin, &(i as u32).to_be_bytes());
        for key in db.keys() {
            let mut d = [0u8; 20];
            mix_digest(&mut d, key);
            if let Some(v) = db.get(key) {
                value_digest(&mut d, v, db.expire_at(key).is_some());
            }
            xor_digest(&mut fin, &d);
        }
    }
    fin
}

/// DEBUG DIGEST-VALUE key...: per key, even logically expired ones; zeros when missing.
fn digest_values(ctx: &mut Ctx) {
    let args = ctx.args;
    let db = ctx.db();
    ctx.out.array(args.len() - 2);
    for key in &args[2..] {
        let mut d = [0u8; 20];
        let store = ctx.srv.db_mut(db);
        if let Some(v) = store.get(key) {
            let has_expire = store.expire_at(key).is_some();
            value_digest(&mut d, v, has_expire);
        }
        ctx.out.simple(&hex(&d));
    }
}

/// DEBUG PROTOCOL <type>: a sample reply of each RESP type.
#[allow(clippy::approx_constant)] // 3.141 is Redis' literal sample double, not an approximation of π.
fn protocol(ctx: &mut Ctx) {
    let name = String::from_utf8_lossy(&ctx.args[2]).to_ascii_lowercase();
    let out = &mut *ctx.out;
    match name.as_str() {
        "string" => out.bulk_str("Hello World"),
        "integer" => out.int(12345),
        "double" => out.double(3.141),
        "bignum" => out.big_number("1234567999999999999999999999999999999"),
        "null" => out.null(),
        "array" | "set" => {
            if name == "set" {
                out.set(3);
            } else {
                out.array(3);
            }
            for j in 0..3 {
                out.int(j);
            }
        }
        "map" => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.bool(j == 1);
            }
        }
        "attrib" => {
            if out.resp3 {
                out.attribute(1);
                out.bulk_str("key-popularity");
                out.array(2);
                out.bulk_str("key:123");
                out.int(90);
            }
            out.bulk_str("Some real reply following the attribute");
        }
        "push" => {
            if !out.resp3 {
                return out.err("RESP2 is not supported by this command");
            }
            out.push(2);
            out.bulk_str("server-cpu-usage");
            out.int(42);
            out.bulk_str("Some real reply following the push reply");
        }
        "true" => out.bool(true),
        "false" => out.bool(false),
        "verbatim" => out.verbatim("This is a verbatim\nstring"),
        _ => out.err("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"),
    }
}

fn help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "DEBUG",
        &[
            "AOF-FLUSH-SLEEP <microsec>",
            "    Server will sleep before flushing the AOF, this is used for testing.",
            "DIGEST",
            "    Output a hex signature representing the current DB content.",
            "DIGEST-VALUE <key> [<key> ...]",
            "    Output a hex signature of the values of all the specified keys.",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "PANIC",
            "    Crash the server simulating a panic.",
            "POPULATE <count> [<prefix>] [<size>]",
            "    Create <count> string keys named key:<num>. If <prefix> is specified then",
            "    it is used instead of the 'key' prefix. These are not propagated to",
            "    replicas. Cluster slots are not respected so keys not belonging to the",
            "    current node can be created in cluster mode.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
            "    true, false.",
            "RELOAD [option ...]",
            "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
            "    * MERGE: conflicting keys will be loaded from RDB.",
            "    * NOFLUSH: the existing database will not be removed before load, but",
            "      conflicting keys will generate an exception and kill the server.",
            "    * NOSAVE: the database will be loaded from an existing RDB file.",
            "    Examples:",
            "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
            "      the database.",
            "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
            "      existing RDB file.",
            "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
            "      file to the database.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
            "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
            "QUICKLIST-PACKED-THRESHOLD <size>",
            "    Sets the threshold for elements to be inserted as plain vs packed nodes",
            "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
            "STRINGMATCH-TEST",
            "    Run a fuzz tester against the stringmatchlen() function.",
            "PAUSE-CRON <0|1>",
            "    Stop periodic cron job processing.",
        ],
    );
}
