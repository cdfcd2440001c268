//! What the driver knows of each connection, followed from the oracle's replies: its
//! protocol, its subscription counts and whether it is inside MULTI. The barrier a connection
//! gets depends on it, and most commands go where RESP2's subscribed mode does not refuse them.

use crate::diff::families::Rng;
use crate::diff::resp::Reply;

/// The command whose reply ends what a connection received in one step. A PING normally;
/// inside MULTI (where a PING would be queued) a nested MULTI, which Redis refuses without
/// touching the transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Barrier {
    Ping,
    NestedMulti,
}

/// The token of the barrier PING; no generated message carries it.
pub const TOKEN: &[u8] = b"~barrier~";
const NESTED_MULTI: &[u8] = b"-ERR MULTI calls can not be nested\r\n";

impl Barrier {
    pub fn command(self) -> Vec<Vec<u8>> {
        match self {
            Barrier::Ping => vec![b"PING".to_vec(), TOKEN.to_vec()],
            Barrier::NestedMulti => vec![b"MULTI".to_vec()],
        }
    }

    /// True if `frame` is this barrier's reply (for PING: plain, or RESP2 subscribed).
    pub fn answered_by(self, frame: &[u8]) -> bool {
        if self == Barrier::NestedMulti {
            return frame == NESTED_MULTI;
        }
        match Reply::parse(frame) {
            Ok(Reply::Blob(b'$', Some(b))) => b == TOKEN,
            Ok(Reply::Agg(b'*', Some(items))) if items.len() == 2 => {
                items[0].bytes() == Some(b"pong") && items[1].bytes() == Some(TOKEN)
            }
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ConnView {
    pub resp3: bool,
    /// Channels and patterns, as the last (un)subscribe confirmation counted them.
    classic: i64,
    shard: i64,
    pub multi: bool,
}

pub fn items(frame: &[u8]) -> Option<Vec<Reply>> {
    match Reply::parse(frame) {
        Ok(Reply::Agg(b'*' | b'>', Some(items))) => Some(items),
        _ => None,
    }
}

fn int(r: &Reply) -> Option<i64> {
    match r {
        Reply::Line(b':', n) => std::str::from_utf8(n).ok()?.parse().ok(),
        _ => None,
    }
}

impl ConnView {
    /// RESP2 with a subscription: only the pub/sub commands, PING, QUIT and RESET run.
    pub fn restricted(&self) -> bool {
        !self.resp3 && self.classic + self.shard > 0
    }

    pub fn barrier(&self) -> Barrier {
        if self.multi {
            Barrier::NestedMulti
        } else {
            Barrier::Ping
        }
    }

    /// The barrier that must follow `command`: whether the command opens or ends a
    /// transaction decides it.
    pub fn barrier_after(&self, command: &[Vec<u8>]) -> Barrier {
        let mut next = *self;
        match command[0].to_ascii_lowercase().as_slice() {
            b"multi" => next.multi = self.multi || !self.restricted(),
            b"exec" | b"discard" | b"reset" | b"quit" => next.multi = false,
            _ => {}
        }
        next.barrier()
    }

    /// Updates the view from what the connection received for `command` (its replies first).
    pub fn follow(&mut self, command: &[Vec<u8>], frames: &[Vec<u8>]) {
        let ok = frames.first().is_some_and(|f| !f.starts_with(b"-"));
        match command[0].to_ascii_lowercase().as_slice() {
            b"reset" | b"quit" => return *self = ConnView::default(),
            b"multi" => self.multi = self.multi || ok,
            b"exec" | b"discard" => self.multi = false,
            _ => {}
        }
        for f in frames {
            if let Ok(r) = Reply::parse(f) {
                self.visit(&r);
            }
        }
    }

    /// Takes subscription counts from confirmations and the protocol from HELLO's reply,
    /// wherever they are (EXEC's reply holds those of the queued commands).
    fn visit(&mut self, r: &Reply) {
        let Some(items) = r.items() else { return };
        if let [verb, _, count] = items {
            match (verb.bytes(), int(count)) {
                (Some(b"subscribe" | b"unsubscribe" | b"psubscribe" | b"punsubscribe"), Some(n)) => self.classic = n,
                (Some(b"ssubscribe" | b"sunsubscribe"), Some(n)) => self.shard = n,
                _ => {}
            }
        }
        let proto = items
            .chunks(2)
            .find(|kv| kv[0].bytes() == Some(b"proto"))
            .and_then(|kv| kv.get(1).and_then(int));
        if let Some(p) = proto {
            self.resp3 = p == 3;
        }
        for i in items {
            self.visit(i);
        }
    }
}

/// The connection `cmd` goes to: mostly one that may run it, unless it is one every
/// connection may run.
pub fn pick_connection(r: &mut Rng, cmd: &[Vec<u8>], views: &[ConnView]) -> usize {
    let name = cmd[0].to_ascii_lowercase();
    let anywhere = name.ends_with(b"subscribe") || matches!(name.as_slice(), b"ping" | b"reset" | b"quit");
    let free: Vec<usize> = (0..views.len()).filter(|&i| !views[i].restricted()).collect();
    if anywhere || free.is_empty() || r.chance(15) {
        return r.below(views.len());
    }
    free[r.below(free.len())]
}

pub fn resp_name(v: ConnView) -> &'static str {
    match (v.resp3, v.multi) {
        (true, false) => "RESP3",
        (false, false) => "RESP2",
        (true, true) => "RESP3, in MULTI",
        (false, true) => "RESP2, in MULTI",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ping_barrier_is_recognized_in_both_forms_and_not_in_a_message() {
        let pong = Reply::Agg(
            b'*',
            Some(vec![
                Reply::Blob(b'$', Some(b"pong".to_vec())),
                Reply::Blob(b'$', Some(TOKEN.to_vec())),
            ]),
        );
        assert!(Barrier::Ping.answered_by(&pong.encode()));
        assert!(Barrier::Ping.answered_by(&Reply::Blob(b'$', Some(TOKEN.to_vec())).encode()));
        let message = Reply::Agg(
            b'>',
            Some(
                [&b"message"[..], b"pong", TOKEN]
                    .iter()
                    .map(|i| Reply::Blob(b'$', Some(i.to_vec())))
                    .collect(),
            ),
        );
        assert!(!Barrier::Ping.answered_by(&message.encode()));
        assert!(super::super::gen::MESSAGES.iter().all(|m| *m != TOKEN));
    }

    #[test]
    fn subscriptions_inside_exec_and_hello_replies_update_the_view() {
        let mut v = ConnView::default();
        let multi = vec![b"MULTI".to_vec()];
        assert_eq!(v.barrier_after(&multi), Barrier::NestedMulti);
        v.follow(&multi, &[b"+OK\r\n".to_vec()]);
        assert!(v.multi);
        let exec = vec![b"EXEC".to_vec()];
        assert_eq!(v.barrier_after(&exec), Barrier::Ping);
        let sub = b"*1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n".to_vec();
        v.follow(&exec, &[sub]);
        assert!(!v.multi && v.restricted());
        // Subscribed in RESP2: MULTI is refused, so PING stays the barrier.
        assert_eq!(v.barrier_after(&multi), Barrier::Ping);
        let hello3 = b"%2\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:7\r\n".to_vec();
        v.follow(&[b"HELLO".to_vec(), b"3".to_vec()], &[hello3]);
        assert!(v.resp3 && !v.restricted());
    }
}
