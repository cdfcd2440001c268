//! SIGINT/SIGTERM through a signalfd, so shutdown is an ordinary event in the I/O loop.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub struct SignalFd {
    fd: OwnedFd,
}

/// Blocks SIGINT and SIGTERM in the calling thread (and the threads it spawns later) and
/// ignores SIGPIPE (a write to a closed socket is an EPIPE error instead). Call first in main.
pub fn block_shutdown_signals() -> io::Result<SignalFd> {
    // SAFETY: plain libc calls on a zeroed sigset_t that lives on our stack.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC);
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(SignalFd {
            fd: OwnedFd::from_raw_fd(fd),
        })
    }
}

impl SignalFd {
    /// The next pending signal number, if any.
    pub fn read(&self) -> Option<i32> {
        // SAFETY: reads one signalfd_siginfo into a zeroed buffer of the right size.
        unsafe {
            let mut info: libc::signalfd_siginfo = std::mem::zeroed();
            let size = std::mem::size_of::<libc::signalfd_siginfo>();
            let n = libc::read(
                self.fd.as_raw_fd(),
                (&mut info as *mut libc::signalfd_siginfo).cast(),
                size,
            );
            (n == size as isize).then_some(info.ssi_signo as i32)
        }
    }
}

impl AsRawFd for SignalFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
