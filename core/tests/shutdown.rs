//! SHUTDOWN with replicas through the harness (Redis 7.0's shutdown-timeout): a master whose
//! replicas have not acknowledged its whole stream waits for them with writes paused, exits
//! once they did or the time is up, and can be aborted; signals begin the same wait from the
//! cron. Log lines and replies are redis-server 7.0.15's (server.c, db.c).

mod common;

use common::harness;
use ferrous_core::harness::Harness;
use ferrous_core::{Event, Output, Signal};

const REPLICA: u64 = 5;
const WRITER: u64 = 2;

/// A harness with one replica attached by SYNC that acknowledged everything, then a write it
/// has not acknowledged.
fn lagging_replica(directives: &[(&str, &str)]) -> Harness {
    let mut h = harness(directives);
    h.connect(WRITER, true);
    h.connect(REPLICA, true);
    assert!(h.cmd_bytes(REPLICA, &[b"SYNC"]).starts_with(b"$"));
    ack(&mut h);
    assert_eq!(h.cmd(WRITER, &["SET", "k", "1"]), "+OK\r\n");
    h.take_sent(REPLICA);
    h
}

fn master_offset(h: &mut Harness) -> u64 {
    info(h, "master_repl_offset").parse().unwrap()
}

/// The replica acknowledges the master's whole stream.
fn ack(h: &mut Harness) {
    let offset = master_offset(h);
    assert_eq!(h.cmd(REPLICA, &["REPLCONF", "ACK", &offset.to_string()]), "");
}

fn info(h: &mut Harness, field: &str) -> String {
    h.connect(9, true);
    let text = h.cmd(9, &["INFO", "everything"]);
    let prefix = format!("{field}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .unwrap_or_default()
}

/// One cron run (hz 10).
fn cron(h: &mut Harness, ms: u64) {
    h.now.mono_us += ms * 1000;
    h.now.unix_ms += ms;
    h.event(9, Event::Tick);
}

fn logged(h: &Harness, needle: &str) -> bool {
    h.logs().iter().any(|l| l.contains(needle))
}

fn exit_code(h: &Harness) -> Option<i32> {
    h.other.iter().find_map(|o| match o {
        Output::Exit { code } => Some(*code),
        _ => None,
    })
}

#[test]
fn shutdown_waits_for_a_lagging_replica_with_writes_paused_and_exits_once_it_caught_up() {
    let mut h = lagging_replica(&[]);
    assert_eq!(h.cmd(1, &["SHUTDOWN"]), "", "the client waits");
    assert!(logged(&h, "User requested shutdown..."));
    assert!(logged(&h, "Waiting for replicas before shutting down."));
    assert_eq!(info(&mut h, "shutdown_in_milliseconds"), "10000");
    assert_eq!(info(&mut h, "blocked_clients"), "1");
    let asked = h.take_sent(REPLICA);
    assert!(
        asked.contains("$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"),
        "{asked:?}"
    );
    // Writes wait (the stream must stop growing); reads are served.
    assert_eq!(h.cmd(WRITER, &["INCR", "k"]), "");
    h.connect(3, true);
    assert_eq!(h.cmd(3, &["GET", "k"]), "$1\r\n1\r\n");
    cron(&mut h, 200);
    assert_eq!(exit_code(&h), None, "the replica still lags");
    assert_eq!(info(&mut h, "shutdown_in_milliseconds"), "9800");
    ack(&mut h);
    cron(&mut h, 100);
    assert_eq!(exit_code(&h), Some(0));
    assert!(logged(&h, "1 of 1 replicas are in sync when shutting down."));
    assert!(!logged(&h, "Lagging replica"));
    assert!(logged(&h, "Redis is now ready to exit, bye bye..."));
    assert_eq!(h.take_sent(WRITER), "", "the paused write never ran");
}

#[test]
fn shutdown_gives_up_waiting_after_shutdown_timeout_and_names_the_lagging_replica() {
    let mut h = lagging_replica(&[("shutdown-timeout", "1"), ("repl-ping-replica-period", "3600")]);
    h.cmd(REPLICA, &["REPLCONF", "LISTENING-PORT", "6380"]);
    let slave0 = info(&mut h, "slave0");
    let acked: u64 = slave0
        .split("offset=")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    h.event(9, Event::Signal(Signal::Terminate));
    assert!(logged(&h, "Received SIGTERM scheduling shutdown..."));
    assert_eq!(info(&mut h, "shutdown_in_milliseconds"), "", "the cron begins it");
    cron(&mut h, 100);
    assert_eq!(info(&mut h, "shutdown_in_milliseconds"), "1000");
    // The GETACK sent when the wait began is part of what the replica has not acknowledged.
    let behind = master_offset(&mut h) - acked;
    cron(&mut h, 900);
    assert_eq!(exit_code(&h), None);
    cron(&mut h, 100);
    assert_eq!(exit_code(&h), Some(0));
    let line = format!("Lagging replica 127.0.0.1:6380 reported offset {behind} behind master, lag=1, state=online.");
    assert!(logged(&h, &line), "{:?}", h.logs());
    assert!(logged(&h, "0 of 1 replicas are in sync when shutting down."));
}

#[test]
fn shutdown_abort_answers_every_waiting_client_and_lets_the_paused_writes_run() {
    let mut h = lagging_replica(&[]);
    h.connect(3, true);
    assert_eq!(h.cmd(1, &["SHUTDOWN"]), "");
    assert_eq!(
        h.cmd(3, &["SHUTDOWN", "NOSAVE"]),
        "",
        "a second SHUTDOWN waits with the first"
    );
    assert_eq!(info(&mut h, "blocked_clients"), "2");
    assert_eq!(info(&mut h, "connected_clients"), "4", "the replica is not counted");
    assert_eq!(h.cmd(WRITER, &["INCR", "k"]), "");
    // CLIENT UNBLOCK ... TIMEOUT does not end a SHUTDOWN's wait (Redis 7.0 crashes on it).
    assert_eq!(h.cmd(9, &["CLIENT", "UNBLOCK", "1"]), ":0\r\n");
    assert_eq!(h.cmd(9, &["SHUTDOWN", "ABORT"]), "+OK\r\n");
    assert!(logged(&h, "Shutdown manually aborted."));
    let err = "-ERR Errors trying to SHUTDOWN. Check logs.\r\n";
    assert_eq!(h.take_sent(1), err);
    assert_eq!(h.take_sent(3), err);
    assert_eq!(h.take_sent(WRITER), ":2\r\n", "the paused write ran");
    assert_eq!(info(&mut h, "shutdown_in_milliseconds"), "");
    ack(&mut h);
    cron(&mut h, 20_000);
    assert_eq!(exit_code(&h), None);
    assert_eq!(h.cmd(9, &["SHUTDOWN", "ABORT"]), "-ERR No shutdown in progress.\r\n");
}

#[test]
fn shutdown_now_and_a_zero_timeout_do_not_wait() {
    let mut h = lagging_replica(&[]);
    h.cmd(1, &["SHUTDOWN", "NOW"]);
    assert_eq!(exit_code(&h), Some(0));
    assert!(logged(&h, "0 of 1 replicas are in sync when shutting down."));

    let mut h = lagging_replica(&[("shutdown-timeout", "0")]);
    h.cmd(1, &["SHUTDOWN"]);
    assert_eq!(exit_code(&h), Some(0));
}

#[test]
fn shutdown_without_lagging_replicas_exits_at_once() {
    let mut h = lagging_replica(&[]);
    ack(&mut h);
    h.cmd(1, &["SHUTDOWN"]);
    assert_eq!(exit_code(&h), Some(0));
    assert!(!logged(&h, "Waiting for replicas"));
    assert!(logged(&h, "1 of 1 replicas are in sync when shutting down."));
}

#[test]
fn a_signalled_shutdown_can_be_aborted_before_the_cron_begins_it() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(1, &["DEBUG", "PAUSE-CRON", "1"]), "+OK\r\n");
    h.event(9, Event::Signal(Signal::Terminate));
    cron(&mut h, 200);
    assert_eq!(exit_code(&h), None);
    assert_eq!(h.cmd(1, &["SHUTDOWN", "ABORT"]), "+OK\r\n");
    assert!(logged(&h, "Shutdown manually aborted."));
    assert_eq!(h.cmd(1, &["DEBUG", "PAUSE-CRON", "0"]), "+OK\r\n");
    cron(&mut h, 200);
    assert_eq!(exit_code(&h), None);
    assert_eq!(h.cmd(1, &["PING"]), "+PONG\r\n");
}

#[test]
fn a_second_sigint_exits_at_once_with_status_1() {
    let mut h = lagging_replica(&[]);
    h.event(9, Event::Signal(Signal::Interrupt));
    cron(&mut h, 100);
    assert!(logged(&h, "Waiting for replicas before shutting down."));
    h.event(9, Event::Signal(Signal::Interrupt));
    assert!(logged(&h, "You insist... exiting now."));
    assert_eq!(exit_code(&h), Some(1));
}

#[test]
fn shutdown_on_sigterm_decides_how_a_signal_shuts_down() {
    let mut h = lagging_replica(&[("save", "\"3600 1\""), ("shutdown-on-sigterm", "nosave now")]);
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "shutdown-on-sigterm"]),
        "*2\r\n$19\r\nshutdown-on-sigterm\r\n$10\r\nnosave now\r\n"
    );
    h.event(9, Event::Signal(Signal::Terminate));
    cron(&mut h, 100);
    assert_eq!(exit_code(&h), Some(0), "NOW: no wait");
    assert!(
        !logged(&h, "Saving the final RDB snapshot"),
        "NOSAVE despite the save point"
    );
}

#[test]
fn shutdown_options_and_their_config_are_checked_as_redis_checks_them() {
    let mut h = harness(&[]);
    let cases: &[(&[&str], &str)] = &[
        (&["SHUTDOWN", "ABORT"], "-ERR No shutdown in progress.\r\n"),
        (&["SHUTDOWN", "ABORT", "NOW"], "-ERR syntax error\r\n"),
        (&["SHUTDOWN", "SAVE", "NOSAVE"], "-ERR syntax error\r\n"),
        (&["SHUTDOWN", "bogus"], "-ERR syntax error\r\n"),
        (&["CONFIG", "GET", "shutdown-timeout"], "*2\r\n$16\r\nshutdown-timeout\r\n$2\r\n10\r\n"),
        (&["CONFIG", "SET", "shutdown-timeout", "-1"], "-ERR CONFIG SET failed (possibly related to argument 'shutdown-timeout') - argument must be between 0 and 2147483647 inclusive\r\n"),
        (&["CONFIG", "SET", "shutdown-on-sigint", "save nosave"], "-ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously\r\n"),
        (&["CONFIG", "SET", "shutdown-on-sigint", "bogus"], "-ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - argument(s) must be one of the following: default, save, nosave, now, force\r\n"),
        (&["CONFIG", "SET", "shutdown-on-sigint", "default now"], "+OK\r\n"),
        (&["CONFIG", "GET", "shutdown-on-sigint"], "*2\r\n$18\r\nshutdown-on-sigint\r\n$3\r\nnow\r\n"),
        (&["CONFIG", "GET", "shutdown-on-sigterm"], "*2\r\n$19\r\nshutdown-on-sigterm\r\n$7\r\ndefault\r\n"),
    ];
    for (cmd, want) in cases {
        assert_eq!(h.cmd(1, cmd), *want, "{cmd:?}");
    }
}

#[test]
fn what_a_client_pipelines_after_shutdown_runs_once_the_shutdown_is_aborted() {
    let mut h = lagging_replica(&[]);
    let cmds = vec![vec![b"SHUTDOWN".to_vec()], vec![b"PING".to_vec()]];
    assert!(h.event(1, Event::Commands { client: 1, cmds }).is_empty());
    assert_eq!(h.cmd(9, &["CLIENT", "UNBLOCK", "1", "ERROR"]), ":1\r\n");
    assert_eq!(
        h.take_sent(1),
        "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n+PONG\r\n"
    );
    // The shutdown itself still waits for the replica.
    assert_eq!(exit_code(&h), None);
    assert_ne!(info(&mut h, "shutdown_in_milliseconds"), "");
}

#[test]
fn a_second_sigint_stops_a_running_bgsave_and_removes_its_temp_file_before_exiting() {
    let mut h = lagging_replica(&[("rdb-key-save-delay", "100000")]);
    for i in 0..20 {
        h.cmd(WRITER, &["SET", &format!("k{i}"), "v"]);
    }
    assert_eq!(h.cmd(WRITER, &["BGSAVE"]), "+Background saving started\r\n");
    cron(&mut h, 300);
    assert!(
        h.disk.files.keys().any(|p| p.contains("temp-bg")),
        "the BGSAVE has begun its file"
    );
    h.event(9, Event::Signal(Signal::Interrupt));
    cron(&mut h, 100);
    h.event(9, Event::Signal(Signal::Interrupt));
    assert_eq!(exit_code(&h), Some(1));
    assert!(
        !h.disk.files.keys().any(|p| p.contains("temp")),
        "{:?}",
        h.disk.files.keys()
    );
}

#[test]
fn rdb_key_save_delay_holds_the_final_save_and_a_second_sigint_removes_its_temp_file() {
    let mut h = harness(&[("save", "\"3600 1\""), ("rdb-key-save-delay", "100000")]);
    for i in 0..20 {
        h.cmd(1, &["SET", &format!("k{i}"), "v"]);
    }
    h.event(9, Event::Signal(Signal::Interrupt));
    cron(&mut h, 100);
    assert!(logged(&h, "Saving the final RDB snapshot before exiting."));
    // 20 keys at 100 ms each: the temp file waits two seconds before its rename.
    cron(&mut h, 1000);
    assert!(
        h.disk.files.keys().any(|p| p.contains("temp-")),
        "{:?}",
        h.disk.files.keys()
    );
    assert_eq!(exit_code(&h), None);
    h.event(9, Event::Signal(Signal::Interrupt));
    assert_eq!(exit_code(&h), Some(1));
    assert!(
        !h.disk.files.keys().any(|p| p.contains("temp-")),
        "{:?}",
        h.disk.files.keys()
    );
    assert!(!h.disk.files.contains_key("/d/dump.rdb"));
}

#[test]
fn rdb_key_save_delay_makes_save_take_its_time() {
    let mut h = harness(&[("rdb-key-save-delay", "100000")]);
    for i in 0..20 {
        h.cmd(1, &["SET", &format!("k{i}"), "v"]);
    }
    assert_eq!(h.cmd(1, &["SAVE"]), "", "held");
    cron(&mut h, 1900);
    assert_eq!(h.take_sent(1), "");
    cron(&mut h, 200);
    assert_eq!(h.take_sent(1), "+OK\r\n");
    assert!(h.disk.files.contains_key("/d/dump.rdb"));
}
