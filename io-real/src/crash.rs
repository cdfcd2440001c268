//! A panic is a bug. Instead of one thread unwinding and leaving the rest of the server
//! half alive (the core's lock poisoned, the disk thread gone), the process stops, after
//! Redis' bug report in the log: the panic message and where it happened, and (unless
//! `crash-log-enabled` is off) the stack. Then exit(1) under `use-exit-on-panic`, otherwise
//! abort(), as Redis' bugReportEnd does, so that a core dump can be taken.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ferrous_core::{Config, LogLevel};

use crate::log::Logger;

static CRASH_LOG: AtomicBool = AtomicBool::new(true);
static EXIT_ON_PANIC: AtomicBool = AtomicBool::new(false);

/// Takes the crash settings from the configuration (after each batch: CONFIG SET may change
/// them; the panic hook cannot take the core's lock, which the panicking thread may hold).
pub fn apply(cfg: &Config) {
    CRASH_LOG.store(cfg.crash_log_enabled, Ordering::Relaxed);
    EXIT_ON_PANIC.store(cfg.use_exit_on_panic, Ordering::Relaxed);
}

/// Makes every panic of the process end it with the bug report in `logger`.
pub fn install(logger: Arc<Logger>) {
    std::panic::set_hook(Box::new(move |info| {
        let what = match info.payload().downcast_ref::<&str>() {
            Some(s) => s.to_string(),
            None => info.payload().downcast_ref::<String>().cloned().unwrap_or_default(),
        };
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        for line in report(&what, &place, CRASH_LOG.load(Ordering::Relaxed)) {
            logger.log(LogLevel::Warning, &line);
        }
        if EXIT_ON_PANIC.load(Ordering::Relaxed) {
            std::process::exit(1);
        }
        std::process::abort();
    }));
}

/// Redis' _serverPanic report: its markers, the message and where, the stack if wanted.
fn report(what: &str, place: &str, stack: bool) -> Vec<String> {
    let mut lines = vec![
        "=== REDIS BUG REPORT START: Cut & paste starting from here ===".to_string(),
        "------------------------------------------------".to_string(),
        "!!! Software Failure. Press left mouse button to continue".to_string(),
        format!("Guru Meditation: {what} #{place}"),
    ];
    if stack {
        lines.push("------ STACK TRACE ------".to_string());
        let trace = std::backtrace::Backtrace::force_capture().to_string();
        lines.extend(trace.lines().map(str::to_string));
    }
    lines.push("=== REDIS BUG REPORT END. Make sure to include from START to END. ===".to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::report;

    #[test]
    fn the_report_has_redis_markers_the_message_and_the_stack_only_when_asked() {
        let with = report("DEBUG PANIC called at Unix time 7", "core/src/cmd/debug.rs:9", true);
        assert_eq!(
            with[0],
            "=== REDIS BUG REPORT START: Cut & paste starting from here ==="
        );
        assert!(with.contains(&"Guru Meditation: DEBUG PANIC called at Unix time 7 #core/src/cmd/debug.rs:9".into()));
        assert!(with.contains(&"------ STACK TRACE ------".into()));
        assert!(with.last().unwrap().starts_with("=== REDIS BUG REPORT END."));
        let without = report("x", "f:1", false);
        assert_eq!(without.len(), 5);
        assert!(!without.contains(&"------ STACK TRACE ------".into()));
    }
}
