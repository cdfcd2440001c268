//! A panic ends the process with Redis' bug report in the log (DEBUG PANIC makes one):
//! exit status 1 under `use-exit-on-panic`, SIGABRT otherwise; `crash-log-enabled no` leaves
//! the stack out. A fatal signal (DEBUG SEGFAULT, kill -ABRT) logs Redis' crash report and
//! then ends the process by that signal.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use common::Ferrous;

/// Sends DEBUG PANIC and waits for the process to end; its status and log.
fn panic_with(args: &[&str]) -> (std::process::ExitStatus, String) {
    crash_with("PANIC", args)
}

/// Sends DEBUG `what` and waits for the process to end; its status and log.
fn crash_with(what: &str, args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut all = vec!["--enable-debug-command", "yes"];
    all.extend_from_slice(args);
    let mut srv = Ferrous::start(&all);
    let mut con = srv.client();
    let reply: redis::RedisResult<String> = redis::cmd("DEBUG").arg(what).query(&mut con);
    assert!(reply.is_err(), "DEBUG {what} answered: {reply:?}");
    wait_for_end(&mut srv)
}

fn wait_for_end(srv: &mut Ferrous) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = srv.child.try_wait() {
            return (status, srv.log_text());
        }
        assert!(Instant::now() < deadline, "the server survived");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn use_exit_on_panic_exits_1_after_the_bug_report_with_the_stack() {
    let (status, log) = panic_with(&["--use-exit-on-panic", "yes"]);
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(
        log.contains("=== REDIS BUG REPORT START: Cut & paste starting from here ==="),
        "{log}"
    );
    assert!(
        log.contains("Guru Meditation: DEBUG PANIC called at Unix time "),
        "{log}"
    );
    assert!(log.contains("------ STACK TRACE ------"), "{log}");
    assert!(log.contains("=== REDIS BUG REPORT END."), "{log}");
}

#[test]
fn by_default_a_panic_aborts_and_crash_log_enabled_no_leaves_the_stack_out() {
    let (status, log) = panic_with(&["--crash-log-enabled", "no"]);
    assert_eq!(status.signal(), Some(6), "SIGABRT expected: {status:?}\n{log}");
    assert!(
        log.contains("Guru Meditation: DEBUG PANIC called at Unix time "),
        "{log}"
    );
    assert!(!log.contains("------ STACK TRACE ------"), "{log}");
    assert!(
        !log.contains("crashed by signal"),
        "the abort after a panic is not reported again: {log}"
    );
}

#[test]
fn debug_segfault_logs_the_crash_report_and_dies_of_sigsegv() {
    let (status, log) = crash_with("SEGFAULT", &[]);
    assert_eq!(status.signal(), Some(libc::SIGSEGV), "{status:?}\n{log}");
    assert!(log.contains("=== REDIS BUG REPORT START"), "{log}");
    assert!(log.contains("Redis 7.0.15 crashed by signal: 11, si_code: "), "{log}");
    assert!(log.contains("Accessing address: "), "{log}");
    assert!(log.contains("------ STACK TRACE ------"), "{log}");
    assert!(log.contains("=== REDIS BUG REPORT END."), "{log}");
}

#[test]
fn sigabrt_from_another_process_is_reported_with_its_sender() {
    let mut srv = Ferrous::start(&["--crash-log-enabled", "no"]);
    let pid = srv.child.id() as libc::pid_t;
    // SAFETY: kill sends a signal to the server this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGABRT) }, 0);
    let (status, log) = wait_for_end(&mut srv);
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{status:?}\n{log}");
    assert!(log.contains("Redis 7.0.15 crashed by signal: 6, si_code: 0"), "{log}");
    let sender = format!("Killed by PID: {}, UID: ", std::process::id());
    assert!(log.contains(&sender), "{log}");
    assert!(!log.contains("------ STACK TRACE ------"), "{log}");
}
