//! Keyspace notifications (Redis' notify.c): when a command (or expiry) changes a key, a
//! pub/sub message goes to `__keyspace@<db>__:<key>` (the event as message) and/or to
//! `__keyevent@<db>__:<event>` (the key as message), as `notify-keyspace-events` selects.
//!
//! A subscriber may be the very client whose command caused the event (RESP3 lets it run
//! commands while subscribed). Its reply buffer is held by the running command (`Ctx::out`),
//! so its copies wait in [`OwnPushes`] and are placed into that buffer where Redis would
//! have written them: `Ctx::notify` places them at once; those raised deeper (lazy expiry and
//! key misses in lookups, which precede the command's reply) go where the command's reply
//! began, or after the last event placed; lookups made while the reply is being written
//! place theirs at once (`Server::lookup_read_in_reply`).

use crate::client::ClientId;
use crate::pubsub::Kind;
use crate::resp::Reply;
use crate::server::Server;
use crate::value::Value;

/// Event classes and the two channel families, with Redis' bit values (server.h).
pub mod class {
    /// K: `__keyspace@<db>__:<key>` messages.
    pub const KEYSPACE: u32 = 1 << 0;
    /// E: `__keyevent@<db>__:<event>` messages.
    pub const KEYEVENT: u32 = 1 << 1;
    /// g: DEL, EXPIRE, RENAME, ... (commands of no particular type).
    pub const GENERIC: u32 = 1 << 2;
    /// $: string commands.
    pub const STRING: u32 = 1 << 3;
    /// l: list commands.
    pub const LIST: u32 = 1 << 4;
    /// s: set commands.
    pub const SET: u32 = 1 << 5;
    /// h: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// z: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// x: a key expired (lazily or by the cron).
    pub const EXPIRED: u32 = 1 << 8;
    /// e: a key was evicted (maxmemory).
    pub const EVICTED: u32 = 1 << 9;
    /// t: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// m: a read found no key. Not part of A.
    pub const KEY_MISS: u32 = 1 << 11;
    /// d: module events.
    pub const MODULE: u32 = 1 << 13;
    /// n: a key was created. Not part of A.
    pub const NEW: u32 = 1 << 14;
    /// A: every class but m and n.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

use class::*;

/// The letters Redis accepts, each with its flags.
const LETTERS: &[(u8, u32)] = &[
    (b'A', ALL),
    (b'g', GENERIC),
    (b'$', STRING),
    (b'l', LIST),
    (b's', SET),
    (b'h', HASH),
    (b'z', ZSET),
    (b'x', EXPIRED),
    (b'e', EVICTED),
    (b'K', KEYSPACE),
    (b'E', KEYEVENT),
    (b't', STREAM),
    (b'm', KEY_MISS),
    (b'd', MODULE),
    (b'n', NEW),
];

/// Redis' keyspaceEventsStringToFlags: the union of the letters' flags, `None` on any other
/// character. Redis reads a C string, so a NUL ends it.
pub fn parse_flags(s: &[u8]) -> Option<u32> {
    s.iter().take_while(|&&c| c != 0).try_fold(0, |flags, c| {
        LETTERS.iter().find(|(l, _)| l == c).map(|(_, f)| flags | f)
    })
}

/// Redis' keyspaceEventsFlagsToString: the canonical spelling CONFIG GET shows (A when every
/// class of A is on, then K, E and m last).
pub fn flags_to_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        let classes = [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ];
        s.extend(classes.iter().filter(|(f, _)| flags & f != 0).map(|(_, c)| c));
    }
    for (f, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & f != 0 {
            s.push(c);
        }
    }
    s
}

/// The messages for the running client raised while its reply buffer is held by the command,
/// and where in that buffer they belong.
pub(crate) struct OwnPushes {
    pub id: ClientId,
    pending: Reply,
    /// The offset in the command's reply buffer where pending messages go: where the reply
    /// of the command began, or just after the last message placed.
    at: usize,
}

impl OwnPushes {
    pub fn new(id: ClientId, out: &Reply) -> OwnPushes {
        OwnPushes {
            id,
            pending: Reply::new(out.resp3),
            at: out.buf.len(),
        }
    }

    /// Where a message for the running client is written for now.
    pub fn buffer(&mut self) -> &mut Reply {
        &mut self.pending
    }

    /// Moves the pending messages into `out` at their place, as pushes (CLIENT REPLY OFF
    /// keeps them).
    pub fn place(&mut self, out: &mut Reply) {
        if !self.pending.buf.is_empty() {
            let bytes = std::mem::take(&mut self.pending.buf);
            self.at = self.at.min(out.buf.len());
            out.insert_push(self.at, &bytes);
            self.at += bytes.len();
        }
        self.pending.pushed.clear();
    }

    /// Moves the pending messages to the end of `out`: they were raised just now, after
    /// everything the command wrote so far.
    pub fn append(&mut self, out: &mut Reply) {
        self.resume_at_end(out);
        self.place(out);
    }

    /// What is raised from now on belongs after everything in `out` (EXEC after one of its
    /// commands).
    pub fn resume_at_end(&mut self, out: &Reply) {
        self.at = out.buf.len();
    }
}

impl Server {
    /// A read lookup made while the caller's reply is being written (MGET's keys, SORT's GET
    /// patterns): what it raises for a caller that listens (lazy expiry, a key miss) goes right
    /// there in `out`, inside the reply, as Redis 7.0 writes it.
    pub(crate) fn lookup_read_in_reply(&mut self, db: usize, key: &[u8], out: &mut Reply) -> Option<&Value> {
        let Some(own) = self.own_pushes.as_mut() else {
            return self.lookup_read(db, key);
        };
        // What was raised before (ahead of the reply) keeps its place.
        own.place(out);
        self.lookup_read(db, key);
        if let Some(own) = self.own_pushes.as_mut() {
            own.append(out);
        }
        self.dbs[db].get(key)
    }

    /// Redis' notifyKeyspaceEvent: publishes `event` on `key` of database `db` if its class is
    /// enabled, to the keyspace channel, then the keyevent channel.
    pub(crate) fn notify(&mut self, class: u32, event: &str, key: &[u8], db: usize) {
        let flags = self.cfg.notify_keyspace_events;
        if flags & class == 0 || !self.pubsub.has_classic_subscribers() {
            return;
        }
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            self.publish(Kind::Channel, &channel, event.as_bytes(), None);
        }
        if flags & KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{event}").into_bytes();
            self.publish(Kind::Channel, &channel, key, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_parse_and_render_like_redis() {
        let canon = |s: &str| parse_flags(s.as_bytes()).map(flags_to_string);
        assert_eq!(canon("gKE").as_deref(), Some("gKE"));
        assert_eq!(canon("$lshzxeKE").as_deref(), Some("$lshzxeKE"));
        assert_eq!(canon("KA").as_deref(), Some("AK"));
        assert_eq!(canon("EA").as_deref(), Some("AE"));
        assert_eq!(canon("mnKEA").as_deref(), Some("AKEm"));
        assert_eq!(canon("nzd").as_deref(), Some("zdn"));
        assert_eq!(canon("").as_deref(), Some(""));
        assert_eq!(canon("KEw"), None);
        assert_eq!(canon("a"), None);
        // A C string ends at its NUL.
        assert_eq!(canon("K\0w").as_deref(), Some("K"));
    }
}
