//! maxmemory-clients (Redis 7's client eviction): the configuration as Redis parses and
//! shows it, and the largest clients closed once normal and pub/sub clients use more than it.

mod common;

use common::harness;
use ferrous_core::{Event, Output};

#[test]
fn maxmemory_clients_takes_bytes_or_a_percentage() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "maxmemory-clients", "10%"]), "+OK\r\n");
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "maxmemory-clients"]),
        "*2\r\n$17\r\nmaxmemory-clients\r\n$3\r\n10%\r\n"
    );
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "maxmemory-clients", "1mb"]), "+OK\r\n");
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "maxmemory-clients"]),
        "*2\r\n$17\r\nmaxmemory-clients\r\n$7\r\n1048576\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "maxmemory-clients", "200%"]),
        "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "maxmemory-clients", "x"]),
        "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value\r\n"
    );
}

#[test]
fn the_largest_evictable_client_goes_and_no_evict_clients_stay() {
    let mut h = harness(&[("maxmemory-clients", "200000")]);
    for id in [2, 3, 4] {
        h.connect(id, true);
    }
    assert_eq!(h.cmd(3, &["CLIENT", "NO-EVICT", "on"]), "+OK\r\n");
    // Client 4 stops reading: 150 KB wait in its socket. Under the limit with the others.
    h.event(
        4,
        Event::Backlog {
            client: 4,
            bytes: 150_000,
        },
    );
    assert_eq!(h.cmd(1, &["PING"]), "+PONG\r\n");
    // Client 2 too: now over, and 4 (the larger) goes first; that is enough.
    h.event(
        2,
        Event::Backlog {
            client: 2,
            bytes: 100_000,
        },
    );
    h.event(
        4,
        Event::Backlog {
            client: 4,
            bytes: 160_000,
        },
    );
    assert!(h.other.contains(&Output::Abort { client: 4 }));
    assert!(!h.other.contains(&Output::Abort { client: 2 }));
    let info = h.cmd(1, &["INFO", "stats"]);
    assert!(info.contains("evicted_clients:1\r\n"), "{info}");
    // A NO-EVICT client over the limit on its own stays; Redis logs that it cannot help.
    h.event(
        3,
        Event::Backlog {
            client: 3,
            bytes: 500_000,
        },
    );
    assert!(!h.other.contains(&Output::Abort { client: 3 }));
    assert!(h.other.contains(&Output::Abort { client: 2 }), "the others go first");
    let logged = h.other.iter().any(|o| {
        matches!(o, Output::Log { text, .. } if text == "Over client maxmemory after evicting all evictable clients")
    });
    assert!(logged);
}
