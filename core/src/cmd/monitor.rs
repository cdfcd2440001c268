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

/// C's sdscatrepr: the argument quoted, with escapes for quotes, backslashes, control
/// characters and anything unprintable.
fn repr(out: &mut Vec<u8>, arg: &[u8]) {
    out.push(b'"');
    for &b in arg {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

impl Server {
    /// Shows a command `id` ran in database `db` to every monitor; the running client's own
    /// copy goes to `out` (its reply buffer is held by the command).
    pub(crate) fn feed_monitors(&mut self, id: ClientId, db: usize, args: &[Vec<u8>], out: &mut Reply) {
        let addr = self.clients.get(&id).map(|c| c.conn.addr.clone()).unwrap_or_default();
        let ms = self.clock.unix_ms();
        let mut line = format!("{}.{:06} [{db} {addr}]", ms / 1000, (ms % 1000) * 1000).into_bytes();
        for a in args {
            line.push(b' ');
            repr(&mut line, a);
        }
        for m in self.monitors.clone() {
            if m == id {
                out.simple_bytes(&line);
            } else if let Some(c) = self.clients.get_mut(&m) {
                c.reply.simple_bytes(&line);
                self.mark_dirty(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn arguments_are_quoted_like_sdscatrepr() {
        let mut out = Vec::new();
        super::repr(&mut out, b"a\"b\\c\n\x01\xff ok");
        assert_eq!(out, b"\"a\\\"b\\\\c\\n\\x01\\xff ok\"");
    }
}
