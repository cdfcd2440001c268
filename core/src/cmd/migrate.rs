//! MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password |
//! AUTH2 username password] [KEYS key ...] (Redis' migrateCommand): the keys go to another
//! server as RESTORE commands of their DUMP payloads and, once it accepted them, are deleted
//! here (unless COPY). The exchange itself is `crate::migrate`'s.

use crate::command::acl::{DANGEROUS, KEYSPACE, SLOW, WRITE as WRITE_ACL};
use crate::command::flags::{MOVABLE_KEYS, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::migrate::Request;

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("migrate", -6, WRITE | MOVABLE_KEYS, KEYSPACE | WRITE_ACL | SLOW | DANGEROUS, "generic", "2.6.0", "Atomically transfer a key from a Redis instance to another one.", "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.", migrate)
        .keys(3, 3, 1, &["RW", "access", "delete"])
        .getkeys(migrate_keys)
        .tips(&["nondeterministic_output"]),
];

/// The keys of a MIGRATE: the key argument, or what follows KEYS when it is empty.
fn migrate_keys(args: &[Vec<u8>]) -> Vec<(usize, &'static [&'static str])> {
    const FLAGS: &[&str] = &["RW", "access", "delete"];
    if args.get(3).is_some_and(|k| k.is_empty()) {
        if let Some(at) = args.iter().skip(6).position(|a| a.eq_ignore_ascii_case(b"keys")) {
            return (at + 7..args.len()).map(|i| (i, FLAGS)).collect();
        }
    }
    if args.len() > 3 {
        vec![(3, FLAGS)]
    } else {
        Vec::new()
    }
}

/// The options after the timeout, in Redis' order of checks.
struct Options {
    copy: bool,
    replace: bool,
    auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
    /// Where the keys start (3: the key argument alone).
    first_key: usize,
}

fn parse_options(ctx: &mut Ctx) -> Option<Options> {
    let args = ctx.args;
    let mut o = Options {
        copy: false,
        replace: false,
        auth: None,
        first_key: 3,
    };
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let word = String::from_utf8_lossy(&args[j]).to_ascii_lowercase();
        match word.as_str() {
            "copy" => o.copy = true,
            "replace" => o.replace = true,
            "auth" if more >= 1 => {
                o.auth = Some((None, args[j + 1].clone()));
                j += 1;
            }
            "auth2" if more >= 2 => {
                o.auth = Some((Some(args[j + 1].clone()), args[j + 2].clone()));
                j += 2;
            }
            "keys" => {
                if !args[3].is_empty() {
                    ctx.out
                        .err("When using MIGRATE KEYS option, the key argument must be set to the empty string");
                    return None;
                }
                o.first_key = j + 1;
                break;
            }
            _ => {
                ctx.syntax_error();
                return None;
            }
        }
        j += 1;
    }
    Some(o)
}

fn migrate(ctx: &mut Ctx) {
    let Some(o) = parse_options(ctx) else { return };
    let (Some(timeout), Some(target_db)) = (ctx.int_arg(5), ctx.int_arg(4)) else {
        return;
    };
    let timeout_ms = if timeout <= 0 { 1000 } else { timeout as u64 };
    let args = ctx.args;
    let db = ctx.db();
    let key_args: &[Vec<u8>] = if o.first_key == 3 {
        &args[3..4]
    } else {
        &args[o.first_key..]
    };
    let keys: Vec<Vec<u8>> = key_args
        .iter()
        .filter(|k| ctx.srv.lookup_read(db, k).is_some())
        .cloned()
        .collect();
    if keys.is_empty() {
        return ctx.out.simple("NOKEY");
    }
    if ctx.client().deny_blocking || ctx.srv.scripting.run.is_some() {
        // The exchange needs the server to wait for the target, which it cannot do in the
        // middle of a transaction or a script.
        return ctx
            .out
            .err("MIGRATE is not supported inside MULTI/EXEC or scripts by this server");
    }
    let port = match crate::resp::parse_i64(&args[2]) {
        Some(p @ 0..=65535) => p as u16,
        _ => return ctx.out.err("IOERR error or timeout connecting to the client"),
    };
    let request = Request {
        host: String::from_utf8_lossy(&args[1]).into_owned(),
        port,
        db,
        target_db,
        keys,
        copy: o.copy,
        replace: o.replace,
        auth: o.auth,
        timeout_us: timeout_ms.saturating_mul(1000),
    };
    let id = ctx.id;
    ctx.srv.start_migration(id, request);
}
