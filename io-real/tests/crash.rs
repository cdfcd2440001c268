//! A panic ends the process with Redis' bug report in the log (DEBUG PANIC makes one):
//! exit status 1 under `use-exit-on-panic`, SIGABRT otherwise; `crash-log-enabled no` leaves
//! the stack out.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use common::Ferrous;

/// Sends DEBUG PANIC and waits for the process to end; its status and log.
fn panic_with(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut all = vec!["--enable-debug-command", "yes"];
    all.extend_from_slice(args);
    let mut srv = Ferrous::start(&all);
    let mut con = srv.client();
    let reply: redis::RedisResult<String> = redis::cmd("DEBUG").arg("PANIC").query(&mut con);
    assert!(reply.is_err(), "DEBUG PANIC answered: {reply:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = srv.child.try_wait() {
            return (status, srv.log_text());
        }
        assert!(Instant::now() < deadline, "the server survived DEBUG PANIC");
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
}
