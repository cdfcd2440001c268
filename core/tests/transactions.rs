//! MULTI/EXEC/DISCARD/WATCH through the harness: two clients, virtual time for expiry.

use ferrous_core::harness::Harness;
use ferrous_core::Config;

fn two_clients() -> Harness {
    let mut cfg = Config::default();
    cfg.enable_debug_command = 1;
    let mut h = Harness::new(cfg);
    h.connect(1, true);
    h.connect(2, true);
    h
}

#[test]
fn exec_runs_the_queue_in_order_and_keeps_runtime_errors_as_replies() {
    let mut h = two_clients();
    assert_eq!(h.cmd(1, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["SET", "k", "v"]), "+QUEUED\r\n");
    assert_eq!(h.cmd(1, &["INCR", "k"]), "+QUEUED\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "+QUEUED\r\n");
    // Another client is not part of the transaction.
    assert_eq!(h.cmd(2, &["GET", "k"]), "$-1\r\n");
    assert_eq!(
        h.cmd(1, &["EXEC"]),
        "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nv\r\n"
    );
    assert_eq!(h.cmd(1, &["EXEC"]), "-ERR EXEC without MULTI\r\n");
}

#[test]
fn a_queueing_error_aborts_the_whole_transaction() {
    let mut h = two_clients();
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["SET", "k", "v"]);
    assert!(h.cmd(1, &["NOSUCH"]).starts_with("-ERR unknown command 'NOSUCH'"));
    assert_eq!(
        h.cmd(1, &["GET"]),
        "-ERR wrong number of arguments for 'get' command\r\n"
    );
    assert_eq!(h.cmd(1, &["MULTI"]), "-ERR MULTI calls can not be nested\r\n");
    assert_eq!(h.cmd(1, &["WATCH", "x"]), "-ERR WATCH inside MULTI is not allowed\r\n");
    assert_eq!(
        h.cmd(1, &["EXEC"]),
        "-EXECABORT Transaction discarded because of previous errors.\r\n"
    );
    assert_eq!(h.cmd(1, &["GET", "k"]), "$-1\r\n");
    h.cmd(1, &["MULTI"]);
    assert_eq!(
        h.cmd(1, &["EXEC", "extra"]),
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n"
    );
    assert_eq!(h.cmd(1, &["DISCARD"]), "-ERR DISCARD without MULTI\r\n");
}

#[test]
fn watch_fails_exec_after_another_client_writes_the_key_but_not_after_a_no_op() {
    let mut h = two_clients();
    h.cmd(1, &["SET", "k", "1"]);
    h.cmd(1, &["WATCH", "k", "missing"]);
    // DEL of a key that does not exist changes nothing: the watch holds.
    assert_eq!(h.cmd(2, &["DEL", "missing"]), ":0\r\n");
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["INCR", "k"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*1\r\n:2\r\n");

    h.cmd(1, &["WATCH", "k"]);
    h.cmd(2, &["INCR", "k"]);
    assert!(h.cmd(2, &["CLIENT", "LIST"]).contains("flags=d "));
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["INCR", "k"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*-1\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\n3\r\n");

    // UNWATCH forgets; DISCARD ends the transaction and the watches.
    h.cmd(1, &["WATCH", "k"]);
    h.cmd(2, &["SET", "k", "x"]);
    h.cmd(1, &["UNWATCH"]);
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["GET", "k"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*1\r\n$1\r\nx\r\n");
}

#[test]
fn flushes_swaps_and_expiry_touch_watched_keys_that_existed() {
    let mut h = two_clients();
    h.cmd(1, &["SET", "k", "v"]);
    for (touch, fails) in [
        (vec!["FLUSHALL"], true),
        (vec!["FLUSHDB"], false), // k no longer exists: nothing changed
        (vec!["SWAPDB", "0", "1"], false),
    ] {
        h.cmd(1, &["WATCH", "k"]);
        h.cmd(2, &touch);
        h.cmd(1, &["MULTI"]);
        h.cmd(1, &["PING"]);
        let want = if fails { "*-1\r\n" } else { "*1\r\n+PONG\r\n" };
        assert_eq!(h.cmd(1, &["EXEC"]), want, "after {touch:?}");
    }
    h.cmd(1, &["SET", "t", "v", "PX", "100"]);
    h.cmd(1, &["WATCH", "t"]);
    h.now.unix_ms += 200;
    h.now.mono_us += 200_000;
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["PING"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*-1\r\n", "a watched key that expired fails EXEC");
}

#[test]
fn blocking_commands_inside_exec_answer_at_once() {
    let mut h = two_clients();
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["BLPOP", "nolist", "0"]);
    h.cmd(1, &["BLMOVE", "nolist", "dst", "LEFT", "RIGHT", "0"]);
    h.cmd(1, &["BZPOPMIN", "nozset", "0"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*3\r\n*-1\r\n$-1\r\n*-1\r\n");
}
