//! State shared by the I/O threads: the core behind one lock, one mailbox per thread, the
//! logger and the clock.

use std::collections::HashMap;

use ferrous_core::{ClientId, ConnInfo, Server};

use crate::clock::RealClock;
use crate::log::Logger;
use crate::shim::eventfd::EventFd;
use crate::shim::mailbox::Mailbox;
use crate::shim::sync::{Arc, AtomicBool, AtomicU64, Mutex};

/// Messages between I/O threads.
pub enum ToThread {
    /// Take over a freshly accepted connection.
    Adopt {
        id: ClientId,
        stream: crate::stream::Stream,
        conn: ConnInfo,
    },
    /// Bytes the core produced for a connection this thread owns.
    Send { id: ClientId, data: Vec<u8> },
    /// Close a connection this thread owns once its output is written.
    Close { id: ClientId },
    /// Close a connection this thread owns now, dropping its unwritten output.
    Abort { id: ClientId },
    /// Give back query buffer space of a connection this thread owns.
    ShrinkQueryBuffer { id: ClientId, capacity: usize },
    /// Re-bind the listening sockets (thread 0 only).
    Listen { bind: Vec<String>, port: u16 },
    /// A disk request completed (to thread 0, from the disk thread).
    Disk {
        req: ferrous_core::DiskReq,
        result: ferrous_core::DiskResult,
    },
    /// An outbound connection the core asked for was opened (or not).
    Connected {
        id: ClientId,
        result: Result<std::net::TcpStream, String>,
    },
    /// Stop the loop.
    Exit,
}

/// The core and the routing table from client to owning thread.
pub struct CoreState {
    pub server: Server,
    pub owner: HashMap<ClientId, usize>,
    /// Disk requests sent to the disk thread whose completion the core has not had yet.
    pub disk_pending: usize,
}

pub struct Shared {
    pub core: Mutex<CoreState>,
    pub mailboxes: Vec<Mailbox<ToThread, EventFd>>,
    pub next_id: AtomicU64,
    pub exiting: AtomicBool,
    pub exit_code: AtomicU64,
    pub logger: Arc<Logger>,
    pub clock: RealClock,
    /// Cached from the config after each batch, for sockets accepted outside the lock.
    pub tcp_keepalive: AtomicU64,
    /// The `unixsocket` path (empty: none), for log lines.
    pub unixsocket: String,
    /// The core's next deadline (monotonic µs), for thread 0's epoll timeout.
    pub deadline_us: AtomicU64,
    /// Where the core's disk requests go (the disk thread).
    pub disk: std::sync::mpsc::Sender<(ferrous_core::DiskReq, ferrous_core::DiskOp)>,
    /// Files kept open for appending, by path: the disk thread's, and an I/O thread's for a
    /// request it carries out in place while the disk thread is idle.
    pub disk_files: Mutex<crate::disk::OpenFiles>,
}
