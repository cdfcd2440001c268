//! MONITOR: the client is sent every command the server runs from then on, one status line
//! each, as Redis' replicationFeedMonitors writes it:
//! `+<unix s>.<us> [<db> <client address>] "arg" "arg" ...`.

use crate::client::ClientId;
use crate::command::acl::{ADMIN, DANGEROUS, SLOW};
use crate::command::flags::{ADMIN as ADMIN_FLAG, LOADING, NOSCRIPT, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::resp::Reply;
use crate::server::Server;

pub(crate) static COMMANDS: &[CommandSpec] = &[cmd(
    "monitor",
    1,
    ADMIN_FLAG | NOSCRIPT | LOADING | STALE,
    ADMIN | SLOW | DANGEROUS,
    "server",
    "1.0.0",
    "Listen for all requests received by the server in real time",
    "",
    monitor,
)];

fn monitor(ctx: &mut Ctx) {
    if ctx.client().deny_blocking {
        // Inside EXEC a client expects one reply per command, not a stream.
        return ctx.out.err("MONITOR isn't allowed for DENY BLOCKING client");
    }
    let c = ctx.client();
    if c.replica || c.monitor {
        return;
    }
    c.monitor = true;
    let id = ctx.id;
    ctx.srv.monitors.push(id);
    ctx.out.ok();
}

impl Server {
    /// Shows a command `id` ran in database `db` to every monitor; the running client's own
    /// copy goes to `out` (its reply buffer is held by the command).
    pub(crate) fn feed_monitors(&mut self, id: ClientId, db: usize, args: &[Vec<u8>], out: &mut Reply) {
        // A script's commands show as the script client's, "lua", as in Redis.
        let in_script = self.scripting.run.is_some();
        let addr = match self.clients.get(&id) {
            _ if in_script => "lua".to_string(),
            Some(c) => c.conn.addr.clone(),
            None => String::new(),
        };
        let ms = self.clock.unix_ms();
        let mut line = format!("{}.{:06} [{db} {addr}]", ms / 1000, (ms % 1000) * 1000).into_bytes();
        let hidden = redacted(args);
        for (i, a) in args.iter().enumerate() {
            line.push(b' ');
            if hidden.contains(&i) {
                line.extend_from_slice(b"\"(redacted)\"");
            } else {
                crate::resp::push_repr(&mut line, a);
            }
        }
        for m in self.monitors.clone() {
            if m == id && !in_script {
                out.simple_bytes(&line);
            } else if let Some(c) = self.clients.get_mut(&m) {
                c.reply.simple_bytes(&line);
                self.mark_dirty(m);
            }
        }
    }
}

/// The arguments MONITOR shows as "(redacted)" (Redis' redactClientCommandArgument): AUTH's,
/// HELLO's AUTH username and password, MIGRATE's AUTH and AUTH2 credentials.
fn redacted(args: &[Vec<u8>]) -> Vec<usize> {
    let is = |i: usize, word: &[u8]| args.get(i).is_some_and(|a| a.eq_ignore_ascii_case(word));
    if is(0, b"auth") {
        return (1..args.len()).collect();
    }
    let (from, options): (usize, &[(&[u8], usize)]) = if is(0, b"hello") {
        (2, &[(b"auth", 2)])
    } else if is(0, b"migrate") {
        (6, &[(b"auth", 1), (b"auth2", 2)])
    } else {
        return Vec::new();
    };
    let mut hidden = Vec::new();
    let mut i = from;
    while i < args.len() {
        if is(0, b"migrate") && is(i, b"keys") {
            break;
        }
        match options.iter().find(|(word, _)| is(i, word)) {
            Some(&(_, n)) => {
                hidden.extend((i + 1..=i + n).filter(|&j| j < args.len()));
                i += n + 1;
            }
            None => i += 1,
        }
    }
    hidden
}
