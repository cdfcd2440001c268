//! Client-side caching through the harness: CLIENT TRACKING modes, invalidation messages and
//! where they go, flushes, CLIENT CACHING/GETREDIR/TRACKINGINFO. Expected bytes were taken
//! from redis-server 7.0.15.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn clients(n: u64) -> Harness {
    let mut h = Harness::new(Config::default());
    for id in 1..=n {
        h.connect(id, true);
    }
    h
}

/// An `invalidate` push carrying these keys.
fn push(keys: &[&str]) -> String {
    let mut s = format!(">2\r\n$10\r\ninvalidate\r\n*{}\r\n", keys.len());
    for k in keys {
        s += &format!("${}\r\n{k}\r\n", k.len());
    }
    s
}

/// The RESP2 redirect form: a message on `__redis__:invalidate` carrying `value`.
fn message(value: &str) -> String {
    format!("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n{value}")
}

#[test]
fn resp3_client_gets_its_invalidation_after_its_own_reply() {
    let mut h = clients(2);
    h.cmd(1, &["HELLO", "3"]);
    assert_eq!(h.cmd(1, &["CLIENT", "TRACKING", "on"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "_\r\n");
    assert_eq!(h.cmd(1, &["SET", "k", "1"]), "+OK\r\n".to_string() + &push(&["k"]));
    // The key was dropped once invalidated: no second message without a new read.
    assert_eq!(h.cmd(1, &["SET", "k", "2"]), "+OK\r\n");
    h.cmd(1, &["GET", "k"]);
    assert_eq!(h.cmd(2, &["SET", "k", "3"]), "+OK\r\n");
    assert_eq!(h.take_sent(1), push(&["k"]));
}

#[test]
fn invalidation_inside_exec_comes_after_the_exec_reply() {
    let mut h = clients(1);
    h.cmd(1, &["HELLO", "3"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on"]);
    h.cmd(1, &["SET", "k", "1"]);
    h.cmd(1, &["GET", "k"]);
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["GET", "k"]);
    h.cmd(1, &["SET", "k", "2"]);
    assert_eq!(
        h.cmd(1, &["EXEC"]),
        "*2\r\n$1\r\n1\r\n+OK\r\n".to_string() + &push(&["k"])
    );
    h.cmd(1, &["GET", "k"]);
    assert_eq!(h.cmd(1, &["FLUSHDB"]), "+OK\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n");
}

#[test]
fn resp2_redirect_target_gets_pubsub_messages_including_flush_null() {
    let mut h = clients(3);
    h.cmd(2, &["SUBSCRIBE", "__redis__:invalidate"]);
    assert_eq!(h.cmd(1, &["CLIENT", "TRACKING", "on", "REDIRECT", "2"]), "+OK\r\n");
    h.cmd(1, &["GET", "x"]);
    h.cmd(1, &["MGET", "y", "z"]);
    assert_eq!(h.cmd(3, &["SET", "x", "1"]), "+OK\r\n");
    assert_eq!(h.take_sent(2), message("*1\r\n$1\r\nx\r\n"));
    assert_eq!(h.cmd(3, &["DEL", "y", "z"]), ":0\r\n");
    assert_eq!(h.take_sent(2), "");
    h.cmd(1, &["GET", "y"]);
    assert_eq!(h.cmd(3, &["FLUSHALL"]), "+OK\r\n");
    // The null is in the tracking client's protocol.
    assert_eq!(h.take_sent(2), message("$-1\r\n"));
    assert_eq!(h.cmd(1, &["CLIENT", "GETREDIR"]), ":2\r\n");
    let list = h.cmd(1, &["CLIENT", "LIST"]);
    assert!(
        list.contains("id=1 ") && list.contains("flags=t ") && list.contains("redir=2 "),
        "{list}"
    );
}

#[test]
fn a_gone_redirect_target_breaks_the_redirect() {
    let mut h = clients(3);
    h.cmd(1, &["HELLO", "3"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on", "REDIRECT", "3"]);
    h.cmd(1, &["GET", "q"]);
    h.event(3, Event::Disconnected { client: 3 });
    assert_eq!(h.cmd(2, &["SET", "q", "1"]), "+OK\r\n");
    assert_eq!(h.take_sent(1), ">2\r\n$21\r\ntracking-redir-broken\r\n:3\r\n");
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKINGINFO"]),
        "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:3\r\n$8\r\nprefixes\r\n*0\r\n"
    );
    let list = h.cmd(1, &["CLIENT", "LIST"]);
    assert!(list.contains("flags=tR "), "{list}");
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKING", "on", "REDIRECT", "3"]),
        "-ERR The client ID you want redirect to does not exist\r\n"
    );
}

#[test]
fn bcast_sends_changes_under_the_prefixes_once_per_event_and_noloop_skips_own() {
    let mut h = clients(3);
    h.cmd(2, &["SUBSCRIBE", "__redis__:invalidate"]);
    assert_eq!(
        h.cmd(
            1,
            &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", "2", "PREFIX", "a:", "PREFIX", "b:", "NOLOOP"]
        ),
        "+OK\r\n"
    );
    // One event (one read holding several commands) gives one message per prefix.
    let cmds = vec![
        vec![b"SET".to_vec(), b"a:1".to_vec(), b"x".to_vec()],
        vec![b"SET".to_vec(), b"a:2".to_vec(), b"x".to_vec()],
        vec![b"SET".to_vec(), b"c:1".to_vec(), b"x".to_vec()],
    ];
    h.event(3, Event::Commands { client: 3, cmds });
    assert_eq!(h.take_sent(2), message("*2\r\n$3\r\na:1\r\n$3\r\na:2\r\n"));
    // NOLOOP: what the tracking client changes itself is not sent to it.
    h.cmd(1, &["SET", "b:1", "x"]);
    assert_eq!(h.take_sent(2), "");
    h.cmd(3, &["SET", "b:1", "y"]);
    assert_eq!(h.take_sent(2), message("*1\r\n$3\r\nb:1\r\n"));
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:x"]),
        "-ERR Prefix 'a:x' overlaps with an existing prefix 'a:'. Prefixes for a single client must not overlap.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKINGINFO"]),
        "*6\r\n$5\r\nflags\r\n*3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:2\r\n$8\r\nprefixes\r\n*2\r\n$2\r\na:\r\n$2\r\nb:\r\n"
    );
    let info = h.cmd(3, &["INFO", "stats"]);
    assert!(info.contains("tracking_total_prefixes:2\r\n"), "{info}");
    assert!(h.cmd(1, &["CLIENT", "LIST"]).contains("flags=tB "));
    h.cmd(1, &["CLIENT", "TRACKING", "off"]);
    let info = h.cmd(3, &["INFO", "stats"]);
    assert!(info.contains("tracking_total_prefixes:0\r\n"), "{info}");
}

#[test]
fn overlapping_new_prefixes_past_the_first_error_yet_enable_as_redis_does() {
    let mut h = clients(1);
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"]),
        "-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.\r\n"
    );
    assert_eq!(h.cmd(1, &["CLIENT", "GETREDIR"]), ":-1\r\n");
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "a", "PREFIX", "ab"]),
        "-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.\r\n+OK\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKINGINFO"]),
        "*6\r\n$5\r\nflags\r\n*2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*3\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nx\r\n"
    );
}

#[test]
fn optin_and_optout_follow_client_caching_for_the_next_command_only() {
    let mut h = clients(2);
    h.cmd(1, &["HELLO", "3"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on", "OPTIN"]);
    h.cmd(1, &["GET", "a"]);
    assert_eq!(h.cmd(1, &["CLIENT", "CACHING", "yes"]), "+OK\r\n");
    h.cmd(1, &["GET", "b"]);
    h.cmd(1, &["GET", "c"]);
    h.cmd(2, &["MSET", "a", "1", "b", "1", "c", "1"]);
    assert_eq!(h.take_sent(1), push(&["b"]));
    h.cmd(1, &["CLIENT", "TRACKING", "off"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on", "OPTOUT"]);
    assert_eq!(h.cmd(1, &["CLIENT", "CACHING", "no"]), "+OK\r\n");
    h.cmd(1, &["GET", "a"]);
    h.cmd(1, &["GET", "b"]);
    h.cmd(2, &["MSET", "a", "2", "b", "2"]);
    assert_eq!(h.take_sent(1), push(&["b"]));
    assert_eq!(
        h.cmd(1, &["CLIENT", "CACHING", "yes"]),
        "-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKING", "on", "OPTIN"]),
        "-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.\r\n"
    );
    h.cmd(1, &["CLIENT", "TRACKING", "off"]);
    assert_eq!(
        h.cmd(1, &["CLIENT", "CACHING", "yes"]),
        "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n"
    );
}

#[test]
fn tracking_option_errors_match_redis() {
    let mut h = clients(1);
    let cases: &[(&[&str], &str)] = &[
        (&["PREFIX", "a"], "PREFIX option requires BCAST mode to be enabled"),
        (&["BCAST", "OPTIN"], "OPTIN and OPTOUT are not compatible with BCAST"),
        (
            &["OPTIN", "OPTOUT"],
            "You can't specify both OPTIN mode and OPTOUT mode",
        ),
        (
            &["REDIRECT", "1", "REDIRECT", "1"],
            "A client can only redirect to a single other client",
        ),
        (&["REDIRECT", "x"], "value is not an integer or out of range"),
        (&["FOO"], "syntax error"),
    ];
    for (opts, err) in cases {
        let mut words = vec!["CLIENT", "TRACKING", "on"];
        words.extend_from_slice(opts);
        assert_eq!(h.cmd(1, &words), format!("-ERR {err}\r\n"), "{opts:?}");
    }
    assert_eq!(h.cmd(1, &["CLIENT", "TRACKING", "maybe"]), "-ERR syntax error\r\n");
    h.cmd(1, &["CLIENT", "TRACKING", "on"]);
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKING", "on", "BCAST"]),
        "-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n"
    );
}

#[test]
fn trackinginfo_and_getredir_when_off_and_counters_follow_the_table() {
    let mut h = clients(2);
    assert_eq!(
        h.cmd(1, &["CLIENT", "TRACKINGINFO"]),
        "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"
    );
    assert_eq!(h.cmd(1, &["CLIENT", "GETREDIR"]), ":-1\r\n");
    h.cmd(1, &["CLIENT", "TRACKING", "on"]);
    h.cmd(2, &["CLIENT", "TRACKING", "on"]);
    h.cmd(1, &["MGET", "a", "b"]);
    h.cmd(2, &["GET", "a"]);
    let stats = h.cmd(1, &["INFO"]);
    assert!(stats.contains("tracking_clients:2\r\n"), "{stats}");
    assert!(
        stats.contains("tracking_total_keys:2\r\ntracking_total_items:3\r\n"),
        "{stats}"
    );
    // A client that goes away stops counting; its ids stay in the table until invalidated.
    h.event(2, Event::Disconnected { client: 2 });
    h.cmd(1, &["SET", "a", "1"]);
    let stats = h.cmd(1, &["INFO"]);
    assert!(stats.contains("tracking_clients:1\r\n"), "{stats}");
    assert!(
        stats.contains("tracking_total_keys:1\r\ntracking_total_items:1\r\n"),
        "{stats}"
    );
}

#[test]
fn the_table_is_kept_under_tracking_table_max_keys() {
    let mut h = clients(2);
    h.cmd(2, &["SUBSCRIBE", "__redis__:invalidate"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on", "REDIRECT", "2"]);
    for i in 0..250 {
        h.cmd(1, &["GET", &format!("key{i}")]);
    }
    h.cmd(1, &["CONFIG", "SET", "tracking-table-max-keys", "1"]);
    h.cmd(1, &["PING"]);
    h.cmd(1, &["PING"]);
    let sent = h.take_sent(2);
    assert_eq!(sent.matches("message").count(), 249);
    assert!(h.cmd(1, &["INFO", "stats"]).contains("tracking_total_keys:1\r\n"));
}

#[test]
fn a_running_redirect_target_gets_the_invalidation_before_its_reply() {
    let mut h = clients(2);
    h.cmd(2, &["HELLO", "3"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on", "REDIRECT", "2"]);
    h.cmd(1, &["GET", "k"]);
    h.cmd(1, &["GET", "j"]);
    assert_eq!(
        h.cmd(2, &["MSET", "k", "1", "j", "2"]),
        push(&["k"]) + &push(&["j"]) + "+OK\r\n"
    );
    h.cmd(1, &["GET", "k"]);
    // The null is in the tracking (RESP2) client's protocol.
    assert_eq!(h.cmd(2, &["FLUSHALL"]), ">2\r\n$10\r\ninvalidate\r\n$-1\r\n+OK\r\n");
}

#[test]
fn lowering_the_limit_invalidates_before_the_next_command_even_when_queued() {
    let mut h = clients(2);
    h.cmd(1, &["HELLO", "3"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on"]);
    h.cmd(1, &["MGET", "1", "2"]);
    h.cmd(1, &["MULTI"]);
    h.cmd(2, &["CONFIG", "SET", "tracking-table-max-keys", "1"]);
    let reply = h.cmd(1, &["PING"]);
    assert!(reply.starts_with(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\n"), "{reply}");
    assert!(reply.ends_with("+QUEUED\r\n"), "{reply}");
}
