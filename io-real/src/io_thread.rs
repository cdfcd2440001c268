//! One I/O thread: an epoll loop over its own connections. Reading and parsing happen outside
//! the core lock; all ready commands of one wake-up go to the core under a single lock; each
//! connection's replies are then written with one syscall.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixListener;

use ferrous_core::{ClientId, ConnInfo, Event, LogLevel, Output, ParseLimits, RequestParser, Signal};

use crate::net;
use crate::shared::{CoreState, Shared, ToThread};
use crate::shim::epoll::{Epoll, READ, WRITE};
use crate::shim::signals::SignalFd;
use crate::shim::sync::{lock, Arc, Ordering};
use crate::stream::Stream;

/// A disk request carried out, and how it went.
type DiskDone = (ferrous_core::DiskReq, ferrous_core::DiskResult);

const WAKE_TOKEN: u64 = u64::MAX;
const SIGNAL_TOKEN: u64 = u64::MAX - 1;
/// Listener i has token LISTENER_BASE - i.
const LISTENER_BASE: u64 = u64::MAX - 2;
/// The Unix socket's listener (below every TCP listener's token, above every client id).
const UNIX_TOKEN: u64 = LISTENER_BASE - 1024;
/// Bytes read from one connection per wake-up, so one client cannot starve the others.
const READ_BUDGET: usize = 1 << 20;
/// One read(2) at most (Redis reads 16 KiB at a time too).
const READ_CHUNK: usize = 16 * 1024;
/// How far a connection's backlog moves before the core hears of it again.
const BACKLOG_STEP: usize = 16 * 1024;

struct Conn {
    stream: Stream,
    parser: RequestParser,
    limits: ParseLimits,
    out: Vec<u8>,
    /// Close once `out` is written (the core asked for it).
    closing: bool,
    /// Registered for writability because a write was partial.
    want_write: bool,
    /// Listed in `IoThread::dirty`.
    dirty: bool,
    /// The unwritten output last reported to the core (for its output-buffer limits).
    reported: usize,
    /// Opened for the core (a replica's master link): what arrives goes to it unparsed.
    raw: bool,
}

pub struct IoThread {
    index: usize,
    shared: Arc<Shared>,
    epoll: Epoll,
    conns: HashMap<ClientId, Conn>,
    listeners: Vec<TcpListener>,
    /// `unixsocket` (thread 0 only).
    unix: Option<UnixListener>,
    signals: Option<SignalFd>,
    /// Events for the core, gathered outside the lock.
    batch: Vec<Event>,
    /// Where reads land before the parser takes them: allocated once, not zeroed per read.
    read_buf: Box<[u8]>,
    /// Connections whose output changed since the last flush.
    dirty: Vec<ClientId>,
    next_thread: usize,
    logs: Vec<(LogLevel, String)>,
    /// FERROUS_SLOW_LOOP_US: iterations slower than this are logged (see `slow_loop`).
    slow_loop_us: Option<u64>,
}

impl IoThread {
    pub fn new(
        index: usize,
        shared: Arc<Shared>,
        listeners: Vec<TcpListener>,
        signals: Option<SignalFd>,
    ) -> std::io::Result<IoThread> {
        let epoll = Epoll::new()?;
        epoll.add(shared.mailboxes[index].waker().as_raw_fd(), READ, WAKE_TOKEN)?;
        if let Some(s) = &signals {
            epoll.add(s.as_raw_fd(), READ, SIGNAL_TOKEN)?;
        }
        let mut t = IoThread {
            index,
            shared,
            epoll,
            conns: HashMap::new(),
            listeners: Vec::new(),
            unix: None,
            signals,
            batch: Vec::new(),
            read_buf: vec![0u8; READ_CHUNK].into_boxed_slice(),
            dirty: Vec::new(),
            next_thread: 0,
            logs: Vec::new(),
            slow_loop_us: crate::slow_loop::threshold_from_env(),
        };
        t.set_listeners(listeners)?;
        Ok(t)
    }

    /// Accepts on the `unixsocket` listener too.
    pub fn listen_unix(&mut self, l: UnixListener) -> std::io::Result<()> {
        self.epoll.add(l.as_raw_fd(), READ, UNIX_TOKEN)?;
        self.unix = Some(l);
        Ok(())
    }

    fn set_listeners(&mut self, listeners: Vec<TcpListener>) -> std::io::Result<()> {
        for l in &self.listeners {
            let _ = self.epoll.delete(l.as_raw_fd());
        }
        for (i, l) in listeners.iter().enumerate() {
            self.epoll.add(l.as_raw_fd(), READ, LISTENER_BASE - i as u64)?;
        }
        self.listeners = listeners;
        Ok(())
    }

    /// Runs until the core asks to exit.
    pub fn run(mut self) {
        let mut events = Vec::with_capacity(256);
        while !self.shared.exiting.load(Ordering::Acquire) {
            // Events left over from the last flush (broken connections) are handled right away.
            let timeout = if !self.batch.is_empty() {
                0
            } else if self.index == 0 {
                self.shared
                    .clock
                    .ms_until(self.shared.deadline_us.load(Ordering::Acquire))
            } else {
                -1
            };
            if let Err(e) = self.epoll.wait(&mut events, timeout) {
                self.shared
                    .logger
                    .log(LogLevel::Warning, &format!("epoll_wait failed: {e}"));
                continue;
            }
            let timing = self.slow_loop_us.map(crate::slow_loop::Timing::start);
            for &(token, ev) in &events {
                self.dispatch(token, ev);
            }
            let tick =
                self.index == 0 && self.shared.clock.now().mono_us >= self.shared.deadline_us.load(Ordering::Acquire);
            if !self.batch.is_empty() || tick {
                self.run_core(tick);
            }
            self.flush_all();
            if let Some(line) = timing.and_then(|t| t.report(events.len())) {
                self.shared.logger.log(LogLevel::Notice, &line);
            }
        }
    }

    fn dispatch(&mut self, token: u64, ev: u32) {
        match token {
            WAKE_TOKEN => self.drain_mailbox(),
            SIGNAL_TOKEN => self.read_signals(),
            UNIX_TOKEN => self.accept_unix(),
            t if t > LISTENER_BASE - self.listeners.len() as u64 => self.accept_all((LISTENER_BASE - t) as usize),
            id => {
                if ev & (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0 {
                    self.read_conn(id);
                }
                if ev & WRITE != 0 {
                    self.mark_dirty(id);
                }
            }
        }
    }

    fn read_signals(&mut self) {
        while let Some(sig) = self.signals.as_ref().and_then(SignalFd::read) {
            let s = if sig == libc::SIGINT {
                Signal::Interrupt
            } else {
                Signal::Terminate
            };
            self.batch.push(Event::Signal(s));
        }
    }

    fn accept_all(&mut self, i: usize) {
        loop {
            let Some(l) = self.listeners.get(i) else {
                return;
            };
            let (stream, peer) = match l.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.logs
                        .push((LogLevel::Warning, format!("Accepting client connection: {e}")));
                    return;
                }
            };
            let keepalive = self.shared.tcp_keepalive.load(Ordering::Relaxed);
            let Ok(conn) = net::setup_accepted(&stream, peer, keepalive) else {
                continue;
            };
            self.logs.push((LogLevel::Verbose, format!("Accepted {}", conn.addr)));
            self.place(Stream::Tcp(stream), conn);
        }
    }

    fn accept_unix(&mut self) {
        loop {
            let Some(l) = self.unix.as_ref() else {
                return;
            };
            let stream = match l.accept() {
                Ok((s, _)) => s,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.logs
                        .push((LogLevel::Warning, format!("Accepting client connection: {e}")));
                    return;
                }
            };
            let path = &self.shared.unixsocket;
            let Ok(conn) = net::setup_unix_accepted(&stream, path) else {
                continue;
            };
            self.logs
                .push((LogLevel::Verbose, format!("Accepted connection to {path}")));
            self.place(Stream::Unix(stream), conn);
        }
    }

    /// A new connection goes to the next I/O thread in turn.
    fn place(&mut self, stream: Stream, conn: ConnInfo) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let target = self.next_thread % self.shared.mailboxes.len();
        self.next_thread += 1;
        if target == self.index {
            self.adopt(id, stream, conn);
        } else {
            self.shared.mailboxes[target].push(ToThread::Adopt { id, stream, conn });
        }
    }

    fn adopt(&mut self, id: ClientId, stream: Stream, conn: ConnInfo) {
        if self.register(id, stream, false) {
            self.batch.push(Event::Connected { client: id, conn });
        }
    }

    /// The outcome of an outbound connection: registered here, and reported to the core.
    fn adopt_outbound(&mut self, id: ClientId, result: Result<std::net::TcpStream, String>) {
        let result = result.and_then(|s| {
            self.register(id, Stream::Tcp(s), true)
                .then_some(())
                .ok_or_else(|| "epoll registration failed".to_string())
        });
        self.batch.push(Event::Outbound { client: id, result });
    }

    /// Watches a connection; false if epoll refused it.
    fn register(&mut self, id: ClientId, stream: Stream, raw: bool) -> bool {
        if self.epoll.add(stream.as_raw_fd(), READ, id).is_err() {
            return false;
        }
        let c = Conn {
            stream,
            parser: RequestParser::new(),
            limits: ParseLimits::default(),
            out: Vec::new(),
            closing: false,
            want_write: false,
            dirty: false,
            reported: 0,
            raw,
        };
        self.conns.insert(id, c);
        true
    }

    fn drain_mailbox(&mut self) {
        let mut msgs = Vec::new();
        self.shared.mailboxes[self.index].drain_into(&mut msgs);
        for m in msgs {
            match m {
                ToThread::Adopt { id, stream, conn } => self.adopt(id, stream, conn),
                ToThread::Send { id, data } => self.queue_send(id, data),
                ToThread::Close { id } => self.queue_close(id),
                ToThread::Abort { id } => self.drop_conn(id),
                ToThread::ShrinkQueryBuffer { id, capacity } => self.shrink_query_buffer(id, capacity),
                ToThread::Listen { bind, port } => self.relisten(&bind, port),
                ToThread::Disk { req, result } => self.batch.push(Event::Disk { req, result }),
                ToThread::Connected { id, result } => self.adopt_outbound(id, result),
                ToThread::Exit => {}
            }
        }
    }

    /// CONFIG SET port/bind: the new listeners replace the old only once all are bound; the
    /// core hears how it went (and answers the command by it).
    fn relisten(&mut self, bind: &[String], port: u16) {
        let result = net::bind_all(bind, port)
            .and_then(|ls| self.set_listeners(ls).map_err(|e| format!("Failed to listen: {e}")));
        self.batch.push(Event::Listened { result });
    }

    /// Reads what the peer sent and parses it into whole commands (outside the core lock).
    fn read_conn(&mut self, id: ClientId) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let buf = &mut self.read_buf[..];
        let mut total = 0;
        let mut eof = false;
        let mut raw_bytes = Vec::new();
        while total < READ_BUDGET {
            match c.stream.read(buf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) if c.raw => {
                    raw_bytes.extend_from_slice(&buf[..n]);
                    total += n;
                }
                Ok(n) => {
                    c.parser.feed(&buf[..n]);
                    total += n;
                    if n < buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    eof = true;
                    break;
                }
            }
        }
        if !raw_bytes.is_empty() {
            self.batch.push(Event::Data {
                client: id,
                bytes: raw_bytes,
            });
        } else if total > 0 && !c.closing {
            let mut cmds = Vec::new();
            let res = c.parser.parse_into(&c.limits, &mut cmds);
            if let Some(usage) = c.parser.usage_changed() {
                self.batch.push(Event::QueryBuffer { client: id, usage });
            }
            if !cmds.is_empty() {
                self.batch.push(Event::Commands { client: id, cmds });
            }
            if let Err(error) = res {
                self.batch.push(Event::ProtocolError { client: id, error });
            }
        }
        if eof {
            self.drop_conn(id);
            self.batch.push(Event::Disconnected { client: id });
        }
    }

    fn shrink_query_buffer(&mut self, id: ClientId, capacity: usize) {
        if let Some(c) = self.conns.get_mut(&id) {
            c.parser.shrink_to(capacity);
        }
    }

    fn drop_conn(&mut self, id: ClientId) {
        if let Some(c) = self.conns.remove(&id) {
            let _ = self.epoll.delete(c.stream.as_raw_fd());
        }
    }

    /// Hands the gathered events to the core under one lock and routes what it answers.
    fn run_core(&mut self, tick: bool) {
        let mut remote: Vec<Vec<ToThread>> = (0..self.shared.mailboxes.len()).map(|_| Vec::new()).collect();
        {
            let shared = Arc::clone(&self.shared);
            let mut core = lock(&shared.core);
            let now = shared.clock.now();
            let mut touched = Vec::new();
            for ev in self.batch.drain(..) {
                match &ev {
                    Event::Connected { client, .. } => {
                        core.owner.insert(*client, self.index);
                        touched.push(*client);
                    }
                    Event::Commands { client, .. } => touched.push(*client),
                    Event::Outbound { client, result: Ok(()) } => {
                        core.owner.insert(*client, self.index);
                    }
                    Event::Disconnected { client } => {
                        core.owner.remove(client);
                    }
                    Event::Disk { .. } => core.disk_pending = core.disk_pending.saturating_sub(1),
                    _ => {}
                }
                core.server.handle_in_batch(now, ev);
            }
            if tick {
                core.server.handle_in_batch(now, Event::Tick);
            }
            core.server.end_batch();
            let mut done_here = self.route_outputs(&mut core, &mut remote);
            // Disk requests carried out in place: their completions may release replies
            // and ask for more, all before this batch's replies go out.
            while !done_here.is_empty() {
                for (req, result) in done_here {
                    core.server.handle_in_batch(now, Event::Disk { req, result });
                }
                core.server.end_batch();
                done_here = self.route_outputs(&mut core, &mut remote);
            }
            for id in touched {
                if let Some(c) = self.conns.get_mut(&id) {
                    c.limits = core.server.parse_limits(id);
                }
            }
            shared
                .deadline_us
                .store(core.server.next_deadline_us(), Ordering::Release);
            shared
                .tcp_keepalive
                .store(core.server.config().tcp_keepalive as u64, Ordering::Relaxed);
            crate::crash::apply(core.server.config());
            shared.logger.set_level(core.server.config().loglevel());
        }
        for (t, msgs) in remote.into_iter().enumerate() {
            if !msgs.is_empty() {
                self.shared.mailboxes[t].push_all(msgs);
            }
        }
        for (level, text) in self.logs.drain(..) {
            self.shared.logger.log(level, &text);
        }
    }

    /// Hands the core's outputs to whoever carries them out; returns the disk requests done
    /// right here (see [`Output::Disk`]'s `inline`), with their results.
    fn route_outputs(&mut self, core: &mut CoreState, remote: &mut [Vec<ToThread>]) -> Vec<DiskDone> {
        let mut done_here = Vec::new();
        while let Some(out) = core.server.poll_output() {
            match out {
                Output::Send { client, data } => match core.owner.get(&client) {
                    Some(&t) if t == self.index => self.queue_send(client, data),
                    Some(&t) => remote[t].push(ToThread::Send { id: client, data }),
                    None => {}
                },
                Output::Close { client } => match core.owner.remove(&client) {
                    Some(t) if t == self.index => self.queue_close(client),
                    Some(t) => remote[t].push(ToThread::Close { id: client }),
                    None => {}
                },
                Output::ShrinkQueryBuffer { client, capacity } => match core.owner.get(&client) {
                    Some(&t) if t == self.index => self.shrink_query_buffer(client, capacity),
                    Some(&t) => remote[t].push(ToThread::ShrinkQueryBuffer { id: client, capacity }),
                    None => {}
                },
                Output::Abort { client } => match core.owner.remove(&client) {
                    Some(t) if t == self.index => self.drop_conn(client),
                    Some(t) => remote[t].push(ToThread::Abort { id: client }),
                    None => {}
                },
                Output::Log { level, text } => self.logs.push((level, text)),
                Output::Listen { bind, port } => remote[0].push(ToThread::Listen { bind, port }),
                // In place only while the disk thread has nothing of ours: requests stay in
                // the order asked, and the disk thread is idle, not mid-way through a file.
                Output::Disk { req, op, inline: true } if core.disk_pending == 0 => {
                    let result = crate::disk::perform(&mut lock(&self.shared.disk_files), op);
                    done_here.push((req, result));
                }
                Output::Disk { req, op, .. } => {
                    core.disk_pending += 1;
                    // The disk thread outlives every I/O thread: a failed send means exiting.
                    let _ = self.shared.disk.send((req, op));
                }
                Output::Connect { client, host, port } => {
                    let mailbox = self.index;
                    let shared = Arc::clone(&self.shared);
                    // Resolving and connecting block: they run aside, and the result comes
                    // back to this thread's mailbox.
                    let spawned = std::thread::Builder::new().name("connect".into()).spawn(move || {
                        let result = net::connect(&host, port);
                        shared.mailboxes[mailbox].push(ToThread::Connected { id: client, result });
                    });
                    if let Err(e) = spawned {
                        let result = Err(format!("can't start a connect thread: {e}"));
                        remote[self.index].push(ToThread::Connected { id: client, result });
                    }
                }
                // The fatal-signal handler logs the crash report; the signal then ends us.
                Output::Segfault => crate::crash::raise_segfault(),
                Output::Exit { code } => {
                    self.shared.exit_code.store(code as u64, Ordering::Release);
                    self.shared.exiting.store(true, Ordering::Release);
                    for r in remote.iter_mut() {
                        r.push(ToThread::Exit);
                    }
                }
            }
        }
        done_here
    }

    fn queue_send(&mut self, id: ClientId, data: Vec<u8>) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if c.out.is_empty() {
            c.out = data;
        } else {
            c.out.extend_from_slice(&data);
        }
        self.mark_dirty(id);
    }

    fn queue_close(&mut self, id: ClientId) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        c.closing = true;
        self.mark_dirty(id);
    }

    /// Queues `id` for the next flush, once.
    fn mark_dirty(&mut self, id: ClientId) {
        if let Some(c) = self.conns.get_mut(&id) {
            if !c.dirty {
                c.dirty = true;
                self.dirty.push(id);
            }
        }
    }

    /// Writes every dirty connection's output with one syscall each; closes those done.
    fn flush_all(&mut self) {
        for id in std::mem::take(&mut self.dirty) {
            self.flush(id);
        }
    }

    fn flush(&mut self, id: ClientId) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        c.dirty = false;
        let mut broken = false;
        while !c.out.is_empty() {
            match c.stream.write(&c.out) {
                Ok(n) => {
                    c.out.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    broken = true;
                    break;
                }
            }
        }
        if broken || (c.closing && c.out.is_empty()) {
            let was_closing = c.closing;
            self.drop_conn(id);
            if !was_closing {
                self.batch.push(Event::Disconnected { client: id });
            }
            return;
        }
        // Tell the core about a backlog when it appears, clears, or moves by 16 KiB: enough
        // for its output-buffer limits without a report per write.
        let pending = c.out.len();
        if (pending == 0) != (c.reported == 0) || pending.abs_diff(c.reported) >= BACKLOG_STEP {
            c.reported = pending;
            self.batch.push(Event::Backlog {
                client: id,
                bytes: pending as u64,
            });
        }
        let want_write = !c.out.is_empty();
        if want_write != c.want_write {
            c.want_write = want_write;
            let interest = if want_write { READ | WRITE } else { READ };
            let _ = self.epoll.modify(c.stream.as_raw_fd(), interest, id);
        }
    }
}
