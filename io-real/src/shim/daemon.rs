//! Detaching from the terminal (`daemonize yes`), as Redis' daemonize() does: fork, the parent
//! exits at once, the child starts a session of its own and points stdin, stdout and stderr at
//! /dev/null. std has no API for fork or setsid.

use std::os::fd::AsRawFd;

/// In the child only: returns once detached. Must run before any other thread starts.
pub fn daemonize() -> Result<(), String> {
    // SAFETY: called while the process has one thread, so the child inherits no lock held by
    // another thread; the parent only exits.
    match unsafe { libc::fork() } {
        -1 => return Err(format!("fork failed: {}", std::io::Error::last_os_error())),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: setsid takes no pointers; it fails only if already a group leader, which a
    // fresh child is not.
    unsafe { libc::setsid() };
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .map_err(|e| format!("can't open /dev/null: {e}"))?;
    for fd in 0..=2 {
        // SAFETY: both descriptors are open; dup2 replaces `fd` atomically.
        unsafe { libc::dup2(null.as_raw_fd(), fd) };
    }
    Ok(())
}
