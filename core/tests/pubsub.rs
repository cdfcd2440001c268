//! Pub/sub through the harness: subscriptions, delivery order, RESP2's subscribed mode and
//! RESP3 pushes.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event};

fn clients(n: u64) -> Harness {
    let mut h = Harness::new(Config::default());
    for id in 1..=n {
        h.connect(id, true);
    }
    h
}

#[test]
fn messages_reach_channel_and_pattern_subscribers_in_publish_order() {
    let mut h = clients(3);
    assert_eq!(
        h.cmd(1, &["SUBSCRIBE", "news", "news"]),
        "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
    );
    assert_eq!(
        h.cmd(2, &["PSUBSCRIBE", "n*"]),
        "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n"
    );
    assert_eq!(h.cmd(3, &["PUBLISH", "news", "a"]), ":2\r\n");
    assert_eq!(h.cmd(3, &["PUBLISH", "news", "b"]), ":2\r\n");
    assert_eq!(h.cmd(3, &["PUBLISH", "other", "c"]), ":0\r\n");
    let msg = |m: &str| format!("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$1\r\n{m}\r\n");
    let pmsg = |m: &str| format!("*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$1\r\n{m}\r\n");
    assert_eq!(h.take_sent(1), msg("a") + &msg("b"));
    assert_eq!(h.take_sent(2), pmsg("a") + &pmsg("b"));
    assert_eq!(
        h.cmd(3, &["PUBSUB", "NUMSUB", "news", "none"]),
        "*4\r\n$4\r\nnews\r\n:1\r\n$4\r\nnone\r\n:0\r\n"
    );
    assert_eq!(h.cmd(3, &["PUBSUB", "NUMPAT"]), ":1\r\n");
    assert_eq!(h.cmd(3, &["PUBSUB", "CHANNELS", "n*"]), "*1\r\n$4\r\nnews\r\n");
    // A subscriber that goes away leaves no subscription behind.
    h.event(1, Event::Disconnected { client: 1 });
    assert_eq!(h.cmd(3, &["PUBLISH", "news", "d"]), ":1\r\n");
}

#[test]
fn a_subscribed_resp2_client_may_only_run_the_pubsub_commands() {
    let mut h = clients(1);
    h.cmd(1, &["SUBSCRIBE", "c"]);
    assert_eq!(
        h.cmd(1, &["GET", "k"]),
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
    );
    assert_eq!(h.cmd(1, &["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
    // The argument count is checked before the subscribed shape.
    assert_eq!(
        h.cmd(1, &["PING", "a", "b"]),
        "-ERR wrong number of arguments for 'ping' command\r\n"
    );
    assert_eq!(
        h.cmd(1, &["UNSUBSCRIBE"]),
        "*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n"
    );
    assert_eq!(h.cmd(1, &["UNSUBSCRIBE"]), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$-1\r\n");
}

#[test]
fn a_resp2_transaction_that_subscribes_runs_the_commands_queued_after_it() {
    // Redis checks the subscribed context when queueing, not when EXEC runs the queue.
    let mut h = clients(1);
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["SUBSCRIBE", "c"]);
    assert_eq!(h.cmd(1, &["SET", "k", "v"]), "+QUEUED\r\n");
    assert_eq!(
        h.cmd(1, &["EXEC"]),
        "*2\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n+OK\r\n"
    );
    assert!(h.cmd(1, &["GET", "k"]).starts_with("-ERR Can't execute 'get'"));
}

#[test]
fn resp3_subscribers_get_pushes_and_keep_every_command() {
    let mut h = clients(1);
    h.cmd(1, &["HELLO", "3"]);
    assert_eq!(
        h.cmd(1, &["SSUBSCRIBE", "s"]),
        ">3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n"
    );
    assert_eq!(h.cmd(1, &["GET", "k"]), "_\r\n");
    // Publishing to itself: the push comes before the reply.
    assert_eq!(
        h.cmd(1, &["SPUBLISH", "s", "hi"]),
        ">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$2\r\nhi\r\n:1\r\n"
    );
    // CLIENT REPLY OFF silences replies, not pushes.
    h.cmd(1, &["CLIENT", "REPLY", "OFF"]);
    assert_eq!(
        h.cmd(1, &["SPUBLISH", "s", "x"]),
        ">3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nx\r\n"
    );
}

#[test]
fn monitor_sees_every_command_that_ran_quoted_but_not_admin_ones() {
    let mut h = clients(2);
    assert_eq!(h.cmd(1, &["MONITOR"]), "+OK\r\n");
    h.cmd(2, &["SET", "k", "a \"b\"\n"]);
    h.cmd(2, &["NOSUCH"]);
    h.cmd(2, &["CONFIG", "GET", "port"]);
    h.cmd(2, &["SELECT", "3"]);
    h.cmd(2, &["GET", "k"]);
    let seen = h.take_sent(1);
    let lines: Vec<&str> = seen.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{seen}");
    assert!(
        lines[0].starts_with('+') && lines[0].ends_with(r#"[0 127.0.0.1:40002] "SET" "k" "a \"b\"\n""#),
        "{}",
        lines[0]
    );
    // The database shown is the one after the command ran, as Redis does.
    assert!(
        lines[1].ends_with(r#"[3 127.0.0.1:40002] "SELECT" "3""#),
        "{}",
        lines[1]
    );
    assert!(lines[2].ends_with(r#"[3 127.0.0.1:40002] "GET" "k""#), "{}", lines[2]);
    assert!(h.cmd(2, &["CLIENT", "LIST"]).contains("flags=O "));
}
