//! Long scripts through the harness: a script runs in slices, the server holds other clients'
//! commands back until busy-reply-threshold, then answers them -BUSY except those allowed
//! (SCRIPT KILL, FUNCTION KILL, MULTI, SHUTDOWN NOSAVE, ...). Expected replies are
//! redis-server 7.0.15's.

mod common;

use common::{harness, stream_commands};
use ferrous_core::harness::Harness;
use ferrous_core::{Event, Output};

const LOOP: &str = "local i = 0 while true do i = i + 1 end";
const BUSY: &str = "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";

/// Moves the clock on by `ms` and lets the server run its next slice.
fn later(h: &mut Harness, ms: u64) {
    h.now.mono_us += ms * 1000;
    h.now.unix_ms += ms;
    // As no client: what the slice sends anyone stays in `h.other`.
    h.event(99, Event::Tick);
}

fn busy_harness() -> Harness {
    let mut h = harness(&[("busy-reply-threshold", "100")]);
    h.connect(2, true);
    h
}

#[test]
fn a_looping_script_holds_others_back_then_answers_busy_until_killed() {
    let mut h = busy_harness();
    assert_eq!(h.cmd(1, &["EVAL", LOOP, "0"]), "", "the script is still running");
    // Before the threshold, others wait (in order) as they would behind any command.
    assert_eq!(h.cmd(2, &["PING"]), "");
    later(&mut h, 50);
    assert_eq!(h.take_sent(2), "");
    later(&mut h, 60);
    assert_eq!(h.take_sent(2), BUSY, "past the threshold the waiting PING is answered");
    let slow = h
        .other
        .iter()
        .any(|o| matches!(o, Output::Log { text, .. } if text.starts_with("Slow script detected")));
    assert!(slow, "the slow script is logged");
    assert_eq!(h.cmd(2, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["INCR", "x"]), BUSY);
    assert_eq!(
        h.cmd(2, &["EXEC"]),
        "-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    );
    assert_eq!(h.cmd(2, &["FUNCTION", "KILL"]), BUSY);
    assert_eq!(h.cmd(2, &["SHUTDOWN"]), BUSY);
    assert_eq!(h.cmd(2, &["SCRIPT", "KILL"]), "+OK\r\n");
    later(&mut h, 1);
    let sha = "d2a81b1e1a9d00b48e0d4ac1a8de9e2fd16d23e8";
    let reply = h.take_sent(1);
    assert!(
        reply.starts_with("-ERR Script killed by user with SCRIPT KILL... script: ")
            && reply.ends_with(", on @user_script:1.\r\n"),
        "{reply:?} (sha {sha} or another)"
    );
    assert_eq!(h.cmd(2, &["PING"]), "+PONG\r\n");
    assert_eq!(h.cmd(2, &["GET", "x"]), "$-1\r\n");
    assert_eq!(
        h.cmd(2, &["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
}

#[test]
fn exec_arriving_while_busy_is_aborted_with_the_busy_error() {
    let mut h = busy_harness();
    assert_eq!(h.cmd(2, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(2, &["INCR", "x"]), "+QUEUED\r\n");
    h.cmd(1, &["EVAL", LOOP, "0"]);
    later(&mut h, 150);
    assert_eq!(
        h.cmd(2, &["EXEC"]),
        "-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
    );
    assert_eq!(h.cmd(2, &["SCRIPT", "KILL"]), "+OK\r\n");
    later(&mut h, 1);
    assert_eq!(h.cmd(2, &["GET", "x"]), "$-1\r\n", "the transaction did not run");
}

#[test]
fn a_script_that_wrote_cannot_be_killed_but_shutdown_nosave_ends_the_server() {
    let mut h = busy_harness();
    let body = format!("redis.call('SET', 'k', 'v') {LOOP}");
    h.cmd(1, &["EVAL", &body, "0"]);
    later(&mut h, 150);
    let refused = h.cmd(2, &["SCRIPT", "KILL"]);
    assert!(
        refused.starts_with("-UNKILLABLE Sorry the script already executed write commands"),
        "{refused}"
    );
    h.cmd(2, &["SHUTDOWN", "NOSAVE"]);
    assert!(h.other.iter().any(|o| matches!(o, Output::Exit { code: 0 })));
}

#[test]
fn a_long_script_stays_atomic_and_its_effects_go_out_together() {
    let mut h = busy_harness();
    h.connect(3, true);
    let stream = h.cmd_bytes(3, &[b"SYNC"]);
    assert!(stream.starts_with(b"$"));
    let body =
        "redis.call('SET', 'a', 1) for i = 1, 3000000 do end redis.call('INCR', 'a') return redis.call('GET', 'a')";
    assert_eq!(h.cmd(1, &["EVAL", body, "0"]), "");
    // Sent while the script runs, before the threshold: runs after it, seeing its end state.
    assert_eq!(h.cmd(2, &["GET", "a"]), "");
    let mut waited = 0;
    while h.take_sent(1).is_empty() {
        later(&mut h, 1);
        waited += 1;
        assert!(waited < 1000, "the script never ended");
    }
    assert_eq!(h.take_sent(2), "$1\r\n2\r\n");
    let sent = String::from_utf8_lossy(&h.take_sent_bytes(3)).into_owned();
    assert_eq!(stream_commands(&sent), ["MULTI", "SET a 1", "INCR a", "EXEC"]);
}

#[test]
fn scripts_inside_exec_or_inside_pcall_run_to_their_end_at_once() {
    let mut h = busy_harness();
    assert_eq!(h.cmd(1, &["MULTI"]), "+OK\r\n");
    let counted = "local n = 0 for i = 1, 3000000 do n = n + 1 end return n";
    assert_eq!(h.cmd(1, &["EVAL", counted, "0"]), "+QUEUED\r\n");
    assert_eq!(h.cmd(1, &["EXEC"]), "*1\r\n:3000000\r\n");
    // Lua 5.1 cannot yield inside pcall: the loop there runs in one piece, with no harm.
    let in_pcall =
        "local ok, n = pcall(function() local n = 0 for i = 1, 3000000 do n = n + 1 end return n end) return n";
    let mut reply = h.cmd(1, &["EVAL", in_pcall, "0"]);
    for _ in 0..100 {
        if !reply.is_empty() {
            break;
        }
        later(&mut h, 1);
        reply = h.take_sent(1);
    }
    assert_eq!(reply, ":3000000\r\n");
}

#[test]
fn a_busy_function_shows_in_function_stats_and_yields_to_function_kill() {
    let mut h = busy_harness();
    let lib = format!("#!lua name=lib\nredis.register_function('spin', function() {LOOP} end)");
    assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", &lib]), "$3\r\nlib\r\n");
    h.cmd(1, &["FCALL", "spin", "0"]);
    later(&mut h, 150);
    let stats = h.cmd(2, &["FUNCTION", "STATS"]);
    assert!(
        stats.starts_with(
            "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n"
        ),
        "{stats:?}"
    );
    let busy_fn = "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n";
    assert_eq!(h.cmd(2, &["SCRIPT", "KILL"]), busy_fn);
    assert_eq!(h.cmd(2, &["PING"]), busy_fn);
    assert_eq!(h.cmd(2, &["FUNCTION", "KILL"]), "+OK\r\n");
    later(&mut h, 1);
    let reply = h.take_sent(1);
    assert!(
        reply.starts_with("-ERR Script killed by user with SCRIPT KILL..."),
        "{reply:?}"
    );
}

#[test]
fn clients_blocked_on_a_key_a_busy_script_filled_are_served_when_it_ends() {
    let mut h = busy_harness();
    h.connect(3, true);
    assert_eq!(h.cmd(3, &["BLPOP", "q", "0"]), "");
    let body = "redis.call('LPUSH', 'q', 'x') for i = 1, 60000000 do if i == -1 then break end end return 1";
    h.cmd(1, &["EVAL", body, "0"]);
    later(&mut h, 150);
    assert_eq!(h.cmd(2, &["PING"]), BUSY);
    assert_eq!(
        h.take_sent(3),
        "",
        "the waiter is not run again while the script is busy"
    );
    let mut waited = 0;
    while h.take_sent(1).is_empty() {
        later(&mut h, 1);
        waited += 1;
        assert!(waited < 10_000, "the script never ended");
    }
    assert_eq!(h.take_sent(3), "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
}

#[test]
fn replica_acks_during_a_busy_script_serve_wait_only_when_it_ends() {
    let mut h = busy_harness();
    h.connect(5, true);
    assert!(h.cmd_bytes(5, &[b"SYNC"]).starts_with(b"$"));
    h.connect(3, true);
    assert_eq!(h.cmd(3, &["SET", "k", "v"]), "+OK\r\n");
    assert_eq!(h.cmd(3, &["WAIT", "1", "0"]), "");
    h.cmd(1, &["EVAL", LOOP, "0"]);
    later(&mut h, 150);
    // REPLCONF may run while busy; the WAIT it satisfies is answered once the script ends.
    assert_eq!(h.cmd(5, &["REPLCONF", "ACK", "1000000"]), "");
    assert_eq!(h.take_sent(3), "");
    assert_eq!(h.cmd(2, &["SCRIPT", "KILL"]), "+OK\r\n");
    later(&mut h, 1);
    assert_eq!(h.take_sent(3), ":1\r\n");
}
