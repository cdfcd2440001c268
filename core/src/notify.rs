//! Keyspace notifications (Redis' notify.c): which classes of events `notify-keyspace-events`
//! turns on, as Redis parses and shows its flag letters.

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
