//! CLIENT PAUSE and UNPAUSE through the harness: every reply below was taken from
//! redis-server 7.0.15 running the same commands (real sleeps there, virtual time here).

mod common;

use ferrous_core::harness::Harness;
use ferrous_core::Event;

/// Moves the clock on and ticks; what client 1 got meanwhile.
fn advance_ms(h: &mut Harness, ms: u64) -> String {
    h.now.unix_ms += ms;
    h.now.mono_us += ms * 1000;
    String::from_utf8_lossy(&h.event(1, Event::Tick)).into_owned()
}

fn pauses() -> Harness {
    let mut h = common::harness(&[]);
    h.connect(2, true);
    h
}

#[test]
fn write_pauses_hold_writes_and_all_pauses_hold_everything_until_unpause() {
    let mut h = pauses();
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["GET", "foo"]), "$-1\r\n");
    assert_eq!(h.cmd(2, &["SET", "foo", "bar"]), "");
    assert_eq!(h.cmd(1, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(h.take_sent(2), "+OK\r\n");

    // ALL holds every command, CLIENT UNPAUSE included: both run when the pause ends.
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "1000", "ALL"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["GET", "foo"]), "");
    assert_eq!(h.cmd(1, &["CLIENT", "UNPAUSE"]), "");
    assert_eq!(advance_ms(&mut h, 1100), "+OK\r\n");
    assert_eq!(h.take_sent(2), "$3\r\nbar\r\n");

    // Queueing a write inside MULTI waits as well; then EXEC runs it.
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["SET", "a", "1"]), "");
    assert_eq!(h.cmd(1, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(h.take_sent(2), "+QUEUED\r\n");
    assert_eq!(h.cmd(2, &["EXEC"]), "*1\r\n+OK\r\n");

    // PUBLISH may replicate: it waits too.
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["PUBLISH", "ch", "m"]), "");
    assert_eq!(h.cmd(1, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(h.take_sent(2), ":0\r\n");
}

#[test]
fn a_pause_ends_by_itself_and_keeps_expired_keys_stored_meanwhile() {
    let mut h = pauses();
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "200", "WRITE"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["SET", "b", "2"]), "");
    advance_ms(&mut h, 100);
    assert_eq!(h.take_sent(2), "");
    advance_ms(&mut h, 300);
    assert_eq!(h.take_sent(2), "+OK\r\n");

    // Neither a lookup nor the active cycle deletes an expired key while paused.
    h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    h.cmd(1, &["SET", "e", "v", "PX", "50"]);
    advance_ms(&mut h, 100);
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    h.cmd(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    assert_eq!(h.cmd(2, &["EXISTS", "e"]), ":0\r\n");
    assert_eq!(h.cmd(2, &["DBSIZE"]), ":2\r\n");
    advance_ms(&mut h, 1000);
    assert_eq!(h.cmd(2, &["DBSIZE"]), ":2\r\n");
    assert_eq!(h.cmd(1, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["EXISTS", "e"]), ":0\r\n");
    assert_eq!(h.cmd(2, &["DBSIZE"]), ":1\r\n");
}

#[test]
fn pause_arguments_are_checked_as_redis_checks_them() {
    let mut h = pauses();
    for (cmd, want) in [
        ("CLIENT PAUSE -1", "-ERR timeout is negative\r\n"),
        ("CLIENT PAUSE x", "-ERR timeout is not an integer or out of range\r\n"),
        ("CLIENT PAUSE 10 FOO", "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"),
        (
            "CLIENT PAUSE 10 ALL x",
            "-ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.\r\n",
        ),
        (
            "CLIENT UNPAUSE x",
            "-ERR wrong number of arguments for 'client|unpause' command\r\n",
        ),
    ] {
        let words: Vec<&str> = cmd.split(' ').collect();
        assert_eq!(h.cmd(1, &words), want, "{cmd}");
    }
    // A postponed client is not blocked on anything CLIENT UNBLOCK could end.
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    let id = h.cmd(2, &["CLIENT", "ID"]);
    assert_eq!(h.cmd(2, &["SET", "k", "v"]), "");
    let id = id.trim().trim_start_matches(':');
    assert_eq!(h.cmd(1, &["CLIENT", "UNBLOCK", id]), ":0\r\n");
}

#[test]
fn replicaof_leaves_postponed_clients_to_run_after_the_pause() {
    let mut h = pauses();
    assert_eq!(h.cmd(1, &["CLIENT", "PAUSE", "100000", "WRITE"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["SET", "k", "v"]), "");
    assert_eq!(h.cmd(1, &["REPLICAOF", "127.0.0.1", "6399"]), "+OK\r\n");
    // Not released with UNBLOCKED: the command has not started; it runs, as a replica's now.
    assert_eq!(h.take_sent(2), "");
    assert_eq!(h.cmd(1, &["CLIENT", "UNPAUSE"]), "+OK\r\n");
    assert_eq!(
        h.take_sent(2),
        "-READONLY You can't write against a read only replica.\r\n"
    );
}
