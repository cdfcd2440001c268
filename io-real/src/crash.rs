//! A panic is a bug. Instead of one thread unwinding and leaving the rest of the server
//! half alive (the core's lock poisoned, the disk thread gone), the process stops, after
//! Redis' bug report in the log: the panic message and where it happened, and (unless
//! `crash-log-enabled` is off) the stack. Then exit(1) under `use-exit-on-panic`, otherwise
//! abort(), as Redis' bugReportEnd does, so that a core dump can be taken.
//!
//! A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) gets Redis' sigsegvHandler
//! report, then the signal's own default action (a core dump). Like Redis', the report is
//! written from the handler, which is not async-signal-safe: a crash inside the logger
//! itself could hang instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use ferrous_core::{Config, LogLevel, REDIS_VERSION};

use crate::log::Logger;

static CRASH_LOG: AtomicBool = AtomicBool::new(true);
static EXIT_ON_PANIC: AtomicBool = AtomicBool::new(false);
/// The panic hook reported already: the abort() after it needs no second report.
static PANIC_REPORTED: AtomicBool = AtomicBool::new(false);
static SIGNAL_LOGGER: OnceLock<Arc<Logger>> = OnceLock::new();

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
        PANIC_REPORTED.store(true, Ordering::Relaxed);
        if EXIT_ON_PANIC.load(Ordering::Relaxed) {
            std::process::exit(1);
        }
        std::process::abort();
    }));
}

/// Makes the fatal signals log Redis' crash report before they end the process.
pub fn install_signal_reports(logger: Arc<Logger>) {
    let _ = SIGNAL_LOGGER.set(logger);
    for sig in [libc::SIGSEGV, libc::SIGBUS, libc::SIGFPE, libc::SIGILL, libc::SIGABRT] {
        // SAFETY: a zeroed sigaction is valid; the handler is an extern "C" fn of the
        // signature SA_SIGINFO asks for. SA_RESETHAND restores the default action, which the
        // handler's re-raise then takes.
        unsafe {
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = fatal_signal as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND | libc::SA_NODEFER;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(sig, &act, std::ptr::null_mut());
        }
    }
}

/// DEBUG SEGFAULT: this thread gets SIGSEGV.
pub fn raise_segfault() {
    // SAFETY: raise only sends a signal to the calling thread.
    unsafe {
        libc::raise(libc::SIGSEGV);
    }
}

extern "C" fn fatal_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    if !(sig == libc::SIGABRT && PANIC_REPORTED.load(Ordering::Relaxed)) {
        if let Some(logger) = SIGNAL_LOGGER.get() {
            // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
            let lines = unsafe { signal_report(sig, &*info, CRASH_LOG.load(Ordering::Relaxed)) };
            for line in lines {
                logger.log(LogLevel::Warning, &line);
            }
        }
    }
    // SAFETY: the default action is back (SA_RESETHAND): the signal now ends the process.
    unsafe {
        libc::raise(sig);
    }
}

/// Redis' sigsegvHandler report: the signal, the address it touched, who sent it.
fn signal_report(sig: libc::c_int, info: &libc::siginfo_t, stack: bool) -> Vec<String> {
    let mut lines = vec![
        "=== REDIS BUG REPORT START: Cut & paste starting from here ===".to_string(),
        format!(
            "Redis {REDIS_VERSION} crashed by signal: {sig}, si_code: {}",
            info.si_code
        ),
    ];
    if sig == libc::SIGSEGV || sig == libc::SIGBUS {
        // SAFETY: si_addr is the field these signals fill in.
        lines.push(format!("Accessing address: {:p}", unsafe { info.si_addr() }));
    }
    if info.si_code == libc::SI_USER {
        // SAFETY: si_pid and si_uid are filled in for a signal a process sent (SI_USER).
        let (pid, uid) = unsafe { (info.si_pid(), info.si_uid()) };
        lines.push(format!("Killed by PID: {pid}, UID: {uid}"));
    }
    end_report(lines, stack)
}

/// Redis' _serverPanic report: its markers, the message and where, the stack if wanted.
fn report(what: &str, place: &str, stack: bool) -> Vec<String> {
    let lines = vec![
        "=== REDIS BUG REPORT START: Cut & paste starting from here ===".to_string(),
        "------------------------------------------------".to_string(),
        "!!! Software Failure. Press left mouse button to continue".to_string(),
        format!("Guru Meditation: {what} #{place}"),
    ];
    end_report(lines, stack)
}

/// A report's end: the stack if wanted, then Redis' end marker.
fn end_report(mut lines: Vec<String>, stack: bool) -> Vec<String> {
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
