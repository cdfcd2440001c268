//! Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT.

use crate::client::ReplyMode;
use crate::command::Ctx;
use crate::resp::parse_i64;
use crate::server::REDIS_VERSION;

/// Containers reached without a subcommand: arity checks make this unreachable, but answer as
/// Redis would rather than assume.
pub(crate) fn container(ctx: &mut Ctx) {
    let name = ctx.arg_str(0).to_ascii_uppercase();
    ctx.out.err(&format!("unknown subcommand. Try {name} HELP."));
}

pub(crate) fn ping(ctx: &mut Ctx) {
    // Redis checks the argument count first, subscribed or not.
    if ctx.args.len() > 2 {
        return ctx.out.err("wrong number of arguments for 'ping' command");
    }
    if ctx.client().subs.any() && !ctx.out.resp3 {
        // A subscribed RESP2 connection only reads pushes: PING answers in that shape.
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        return ctx.out.bulk(ctx.args.get(1).map_or(&b""[..], |a| a));
    }
    match ctx.args.get(1) {
        None => ctx.out.simple("PONG"),
        Some(msg) => ctx.out.bulk(msg),
    }
}

pub(crate) fn echo(ctx: &mut Ctx) {
    ctx.out.bulk(&ctx.args[1]);
}

pub(crate) fn quit(ctx: &mut Ctx) {
    ctx.out.ok();
    ctx.client().closing = true;
}

pub(crate) fn reset(ctx: &mut Ctx) {
    super::transactions::discard_transaction(ctx);
    let id = ctx.id;
    ctx.srv.unsubscribe_all(id);
    ctx.srv.monitors.retain(|&m| m != id);
    ctx.srv.disable_tracking(id);
    ctx.client().monitor = false;
    let needs_auth = !ctx.srv.cfg.requirepass.is_empty();
    let c = ctx.client();
    c.db = 0;
    c.name.clear();
    c.reply_mode = ReplyMode::On;
    c.no_evict = false;
    c.no_touch = false;
    c.authenticated = !needs_auth;
    ctx.out.resp3 = false;
    ctx.out.simple("RESET");
}

/// Checks `user`/`pass` against the default user: `requirepass`, or no password at all.
fn credentials_ok(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    let required = ctx.srv.cfg.requirepass.as_bytes();
    user == b"default" && (required.is_empty() || required == pass)
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

pub(crate) fn auth(ctx: &mut Ctx) {
    let (user, pass) = match ctx.args.len() {
        2 => {
            if ctx.srv.cfg.requirepass.is_empty() {
                return ctx.out.err("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            }
            (&b"default"[..], &ctx.args[1][..])
        }
        3 => (&ctx.args[1][..], &ctx.args[2][..]),
        _ => return ctx.syntax_error(),
    };
    if credentials_ok(ctx, user, pass) {
        ctx.client().authenticated = true;
        ctx.out.ok();
    } else {
        ctx.out.error(WRONGPASS);
    }
}

pub(crate) fn hello(ctx: &mut Ctx) {
    let mut ver = None;
    if ctx.args.len() >= 2 {
        match parse_i64(&ctx.args[1]) {
            None => return ctx.out.err("Protocol version is not an integer or out of range"),
            Some(v) if !(2..=3).contains(&v) => return ctx.out.error("NOPROTO unsupported protocol version"),
            Some(v) => ver = Some(v),
        }
    }
    // Options take effect one by one, in order, as in Redis 7.0: a later bad option does not
    // undo an earlier SETNAME or AUTH.
    let mut j = 2;
    while j < ctx.args.len() {
        let more = ctx.args.len() - 1 - j;
        let opt = &ctx.args[j];
        if opt.eq_ignore_ascii_case(b"AUTH") && more >= 2 {
            if !credentials_ok(ctx, &ctx.args[j + 1], &ctx.args[j + 2]) {
                return ctx.out.error(WRONGPASS);
            }
            ctx.client().authenticated = true;
            j += 3;
        } else if opt.eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
            let args = ctx.args;
            if !super::client::set_name(ctx, &args[j + 1]) {
                return;
            }
            j += 2;
        } else {
            let mut msg = b"ERR Syntax error in HELLO option '".to_vec();
            msg.extend_from_slice(crate::command::c_str(opt, usize::MAX));
            msg.push(b'\'');
            return ctx.out.error_bytes(&msg);
        }
    }
    if !ctx.client().authenticated {
        return ctx.out.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if let Some(v) = ver {
        ctx.out.resp3 = v == 3;
    }
    let id = ctx.id as i64;
    let proto = if ctx.out.resp3 { 3 } else { 2 };
    ctx.out.map(7);
    ctx.out.bulk_str("server");
    ctx.out.bulk_str("redis");
    ctx.out.bulk_str("version");
    ctx.out.bulk_str(REDIS_VERSION);
    ctx.out.bulk_str("proto");
    ctx.out.int(proto);
    ctx.out.bulk_str("id");
    ctx.out.int(id);
    ctx.out.bulk_str("mode");
    ctx.out.bulk_str("standalone");
    ctx.out.bulk_str("role");
    ctx.out
        .bulk_str(if ctx.srv.is_replica() { "replica" } else { "master" });
    ctx.out.bulk_str("modules");
    ctx.out.array(0);
}

pub(crate) fn select(ctx: &mut Ctx) {
    let Some(idx) = ctx.db_index_arg(1) else { return };
    ctx.client().db = idx;
    ctx.out.ok();
}
