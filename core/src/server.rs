//! The state machine: events in, outputs out. Drivers (the real backend and the simulator) call
//! [`Server::handle`] with the time and an [`Event`], then drain [`Server::poll_output`] and wake
//! the server again at [`Server::next_deadline_us`].

use std::collections::VecDeque;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::blocking::Input;
use crate::client::{Client, ClientId, ConnInfo};
use crate::command::{self, CommandTable};
use crate::config::{Config, LogLevel};
use crate::db::Db;
use crate::hash::KeyedState;
use crate::resp::{Args, ParseLimits, ProtocolError, QueryBufferUsage};
use crate::time::{Clock, Now};

/// What the driver tells the core.
#[derive(Debug)]
pub enum Event {
    /// A connection was accepted; the driver chose its id.
    Connected { client: ClientId, conn: ConnInfo },
    /// Whole commands parsed from a connection, in arrival order.
    Commands { client: ClientId, cmds: Vec<Args> },
    /// The connection's byte stream broke the protocol (after any commands already delivered).
    ProtocolError { client: ClientId, error: ProtocolError },
    /// The peer went away (or the driver closed the connection).
    Disconnected { client: ClientId },
    /// The deadline from [`Server::next_deadline_us`] has passed.
    Tick,
    /// The process received a termination signal.
    Signal(Signal),
    /// Bytes sent to `client` that its socket has not taken yet (reported when that changes
    /// notably), for the output-buffer limits.
    Backlog { client: ClientId, bytes: u64 },
    /// A disk request from [`Output::Disk`] completed (requests complete in the order asked).
    Disk {
        req: crate::disk::DiskReq,
        result: crate::disk::DiskResult,
    },
    /// What `client`'s query buffer holds and costs, when that changed after a read (sent
    /// before the read's commands): for CLIENT LIST and for shrinking it.
    QueryBuffer { client: ClientId, usage: QueryBufferUsage },
    /// How the driver's attempt at [`Output::Listen`] went (the error is for the log).
    Listened { result: Result<(), String> },
    /// How the driver's attempt at [`Output::Connect`] went (the error is for the log).
    Outbound {
        client: ClientId,
        result: Result<(), String>,
    },
    /// Bytes that arrived on a connection the core opened with [`Output::Connect`] (they are
    /// not parsed as requests: the core reads its peer's replies itself).
    Data { client: ClientId, bytes: Vec<u8> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Terminate,
    Interrupt,
}

/// What the core asks the driver to do, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes to the client.
    Send { client: ClientId, data: Vec<u8> },
    /// Close the connection once everything sent to it so far has been written.
    Close { client: ClientId },
    /// Close the connection now, dropping what it has not been sent yet (a client over its
    /// output-buffer limit).
    Abort { client: ClientId },
    /// A log line (already filtered by `loglevel`).
    Log { level: LogLevel, text: String },
    /// Listen on these addresses and port instead of the current ones (CONFIG SET bind/port).
    Listen { bind: Vec<String>, port: u16 },
    /// Stop serving and exit the process with this status.
    Exit { code: i32 },
    /// Die of a segmentation fault, with the crash report that logs (DEBUG SEGFAULT).
    Segfault,
    /// Carry out a file operation and report it with [`Event::Disk`].
    Disk {
        req: crate::disk::DiskReq,
        op: crate::disk::DiskOp,
        /// Redis does this in its event loop (an AOF append; its fsync under `appendfsync
        /// always`): short, and replies wait on it. A driver may carry it out in place, before
        /// serving on, when no earlier request is still outstanding; the rest belongs off
        /// the serving thread (a snapshot's fsync can take long).
        inline: bool,
    },
    /// Give back the client's query buffer space beyond `capacity` bytes (never below what it
    /// holds).
    ShrinkQueryBuffer { client: ClientId, capacity: usize },
    /// Open a TCP connection to `host:port` under the id `client` (the core chose it) and
    /// report with [`Event::Outbound`]; then pass what arrives on it as [`Event::Data`], and
    /// [`Event::Disconnected`] when it ends. `Send`, `Close` and `Abort` work on it as on any.
    Connect { client: ClientId, host: String, port: u16 },
}

/// Facts about the process the core cannot find out itself; shown by INFO.
#[derive(Clone, Debug, Default)]
pub struct ServerEnv {
    pub pid: u32,
    pub executable: String,
    pub config_file: String,
    pub os: String,
    pub arch_bits: u32,
    /// Asks the allocator how much memory the process uses (INFO memory); `None` where there
    /// is no real allocator to ask (the simulator), and INFO memory then shows zeros.
    pub memory_probe: Option<fn() -> MemoryStats>,
}

/// What the allocator reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct MemoryStats {
    /// Bytes allocated and in use (Redis' used_memory).
    pub allocated: u64,
    /// Bytes resident in physical memory (used_memory_rss).
    pub resident: u64,
    /// The allocator's name and version (mem_allocator).
    pub allocator: &'static str,
}

/// Counters for INFO stats.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub expired_keys: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub connections_received: u64,
    pub commands_processed: u64,
    pub rejected_connections: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// When the dataset was last saved (unix s; the start counts, as in Redis) and how often.
    pub lastsave_s: u64,
    pub rdb_saves: u64,
    /// Full resynchronizations served, PSYNCs that asked for a partial one in vain, and the
    /// bytes of replication stream sent.
    pub evicted_keys: u64,
    /// Clients closed for maxmemory-clients.
    pub evicted_clients: u64,
    pub sync_full: u64,
    pub sync_partial_err: u64,
    pub net_repl_output_bytes: u64,
    /// The most memory the allocator reported (sampled by the cron).
    pub memory_peak: u64,
}

pub struct Server {
    pub(crate) cfg: Config,
    pub(crate) env: ServerEnv,
    pub(crate) clock: Clock,
    pub(crate) rng: ChaCha8Rng,
    /// The seed-keyed hasher of every hash table (keyspace, collections).
    pub(crate) hasher: KeyedState,
    pub(crate) run_id: String,
    pub(crate) dbs: Vec<Db>,
    pub(crate) clients: crate::clients::Clients,
    pub(crate) commands: CommandTable,
    pub(crate) stats: Stats,
    outputs: VecDeque<Output>,
    /// Clients whose reply buffers hold bytes not yet turned into `Output::Send`.
    unflushed: Vec<ClientId>,
    /// appendfsync always: clients whose held replies the last fsync released.
    pub(crate) released: Vec<ClientId>,
    next_cron_us: u64,
    pub(crate) shutting_down: bool,
    pub(crate) shutdown: crate::shutdown::ShutdownState,
    /// DEBUG SET-ACTIVE-EXPIRE: whether the cron expires keys nobody touches.
    pub(crate) active_expire_enabled: bool,
    /// DEBUG PAUSE-CRON: the cron does nothing (it stays scheduled).
    pub(crate) cron_paused: bool,
    /// Memory stayed over maxmemory after the evictions before the running command (Redis'
    /// pre_command_oom_state; EXEC's commands share their EXEC's).
    pub(crate) oom_before_command: bool,
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB files and RESTORE payloads load whatever their
    /// CRC-64 says.
    pub(crate) skip_checksum_validation: bool,
    /// The running command must not update access times (its client set CLIENT NO-TOUCH).
    pub(crate) no_touch: bool,
    /// DEBUG SLEEP: until this monotonic time the server runs nothing and sends nothing, as
    /// Redis does while its one thread sleeps; what arrives meanwhile waits in `stalled`.
    busy_until_us: Option<u64>,
    /// CONFIG SET port/bind waiting for the driver's new listeners.
    pub(crate) relisten: Option<crate::relisten::Relisten>,
    pub(crate) stalled: VecDeque<Event>,
    /// When the cross-protocol attack warning was last logged (unix ms).
    security_warning_ms: Option<u64>,
    /// The database the next active expiry cycle starts with.
    expire_db: usize,
    /// Clients blocked on keys (BLPOP and friends).
    pub(crate) blocking: crate::blocking::Blocking,
    /// CLIENT PAUSE in force.
    pub(crate) pauses: crate::pause::Pauses,
    /// The dirty counter and the replication stream.
    pub(crate) repl: crate::repl::Propagation,
    /// DEBUG QUICKLIST-PACKED-THRESHOLD: list elements at least this long are plain nodes.
    pub(crate) list_packed_threshold: usize,
    /// The MIGRATE waiting for its target (see `crate::migrate`).
    pub(crate) migration: Option<crate::migrate::Migration>,
    /// The replica side of replication: the master, the link, its state.
    pub(crate) replica: crate::replica::Replica,
    /// Clients in MONITOR mode, in the order they asked.
    pub(crate) monitors: Vec<ClientId>,
    /// Pub/sub subscribers.
    pub(crate) pubsub: crate::pubsub::PubSub,
    /// Keyspace notifications for the client whose command runs, waiting for a place in its
    /// reply (see `crate::notify`).
    pub(crate) own_pushes: Option<crate::notify::OwnPushes>,
    /// Lua scripting: the interpreter, the script cache, the running script.
    pub(crate) scripting: crate::scripting::Scripting,
    /// Who WATCHes which keys.
    pub(crate) watched_keys: crate::multi::WatchedKeys,
    /// Client-side caching: tracked keys, BCAST prefixes, held-back invalidations.
    pub(crate) tracking: crate::tracking::Tracking,
    /// The uptime second the replication cron last ran in.
    repl_cron_second: Option<u64>,
    /// RDB saves and loads.
    pub(crate) persist: crate::persist::Persistence,
    /// The client whose query buffer the cron looked at last.
    pub(crate) qbuf_cursor: ClientId,
    /// The allocator's used memory as last asked within the current event, and the input byte
    /// count then (see `evict.rs`).
    pub(crate) memory_seen: Option<(u64, u64)>,
}

/// Work (keys sampled + buckets visited) one active expiry cycle may do: the core has no clock
/// inside a call, so this stands for Redis' 25%-of-a-cron-period time limit.
const ACTIVE_EXPIRE_BUDGET: usize = 20_000;
/// Databases one active expiry cycle visits (Redis' CRON_DBS_PER_CALL).
const EXPIRE_DBS_PER_CALL: usize = 16;
/// Buckets per dict the cron rehashes incrementally each run (for Redis' 1 ms of rehashing).
const CRON_REHASH_STEPS: usize = 1000;

pub const REDIS_VERSION: &str = "7.0.15";

/// 40 random hex digits from `rng`: a run id or a replication id.
pub(crate) fn hex40(rng: &mut impl RngCore) -> String {
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[(rng.next_u32() % 16) as usize]))
        .collect()
}

impl Server {
    /// A server with `cfg`, seeded with `seed` (OS randomness in production, the test seed in
    /// simulation), started at `now`.
    pub fn new(cfg: Config, env: ServerEnv, seed: u64, now: Now) -> Server {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let hasher = KeyedState::new(rng.next_u64(), rng.next_u64());
        let run_id = hex40(&mut rng);
        let replid = hex40(&mut rng);
        let dbs = (0..cfg.databases).map(|_| Db::new(hasher)).collect();
        let mut srv = Server {
            cfg,
            env,
            clock: Clock::new(now),
            rng,
            hasher,
            run_id,
            dbs,
            clients: Default::default(),
            commands: CommandTable::new(),
            stats: Stats::default(),
            outputs: VecDeque::new(),
            unflushed: Vec::new(),
            released: Vec::new(),
            next_cron_us: now.mono_us,
            shutting_down: false,
            shutdown: Default::default(),
            security_warning_ms: None,
            active_expire_enabled: true,
            cron_paused: false,
            oom_before_command: false,
            skip_checksum_validation: false,
            no_touch: false,
            busy_until_us: None,
            relisten: None,
            stalled: VecDeque::new(),
            expire_db: 0,
            blocking: Default::default(),
            pauses: Default::default(),
            repl: crate::repl::Propagation::new(replid),
            repl_cron_second: None,
            persist: Default::default(),
            memory_seen: None,
            qbuf_cursor: 0,
            watched_keys: Default::default(),
            scripting: Default::default(),
            tracking: Default::default(),
            pubsub: Default::default(),
            monitors: Vec::new(),
            replica: Default::default(),
            migration: None,
            own_pushes: None,
            list_packed_threshold: crate::types::list::DEFAULT_PACKED_THRESHOLD,
        };
        // `replicaof` in the configuration: the replication cron connects.
        srv.replica.master = srv.cfg.replicaof.clone();
        srv.update_lru_clock();
        srv.stats.lastsave_s = now.unix_ms / 1000;
        srv.schedule_cron();
        srv
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The limits the driver's parser must apply to `client` (they depend on its auth state).
    pub fn parse_limits(&self, client: ClientId) -> ParseLimits {
        ParseLimits {
            max_bulk_len: self.cfg.proto_max_bulk_len,
            max_query_buffer: self.cfg.client_query_buffer_limit as usize,
            auth_required: self.clients.get(&client).is_some_and(|c| !c.authenticated),
        }
    }

    /// Monotonic time (µs) at which the driver must deliver [`Event::Tick`].
    pub fn next_deadline_us(&self) -> u64 {
        if let Some(t) = self.held_save_until_us() {
            return t;
        }
        if self.waits_for_disk() {
            // Nothing runs until the disk answers, and that answer wakes the server anyway.
            return u64::MAX;
        }
        let mut t = self.next_cron_us;
        if let Some(b) = self.busy_until_us {
            t = t.min(b);
        }
        if let Some(b) = self.blocking.next_deadline_us() {
            t = t.min(b);
        }
        if let Some(b) = self.bgsave_deadline_us() {
            t = t.min(b);
        }
        if let Some(b) = self.loading_deadline_us() {
            t = t.min(b);
        }
        if let Some(b) = self.migration_deadline_us() {
            t = t.min(b);
        }
        if self.script_suspended() {
            // The script's next slice is due at once (after what the driver has to deliver).
            t = t.min(self.clock.mono_us());
        }
        t
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Feeds one event at time `now`.
    pub fn handle(&mut self, now: Now, event: Event) {
        self.handle_in_batch(now, event);
        self.end_batch();
    }

    /// Feeds one event of several the driver gathered at once; [`Server::end_batch`] follows
    /// the last (Redis' beforeSleep: what they appended to the AOF is written in one request).
    pub fn handle_in_batch(&mut self, now: Now, event: Event) {
        self.clock.update(now);
        self.memory_seen = None;
        self.update_lru_clock();
        match event {
            // Completions (of disk requests, of a bind) arrive whatever the server waits for:
            // they may be what it waits for.
            Event::Disk { req, result } => self.on_disk(req, result),
            Event::Listened { result } => self.on_listened(result),
            // As Redis' signal handler: noted at once, even during a save (a second SIGINT
            // must be able to end one); the cron acts on it.
            Event::Signal(sig) => self.on_shutdown_signal(sig),
            // A save held by rdb-key-save-delay goes on when its time comes.
            Event::Tick if self.held_save_until_us().is_some() => self.resume_held_save(),
            event if self.is_migration_event(&event) => self.on_migration_event(event),
            event if !self.paused() && self.stalled.is_empty() => {
                self.dispatch_event(event);
                self.flush_replies();
                return;
            }
            event => {
                self.stalled.push_back(event);
                self.run_stalled();
                return;
            }
        }
        self.run_released();
        self.flush_replies();
        self.run_stalled();
    }

    /// Runs the events that arrived while the server slept, in order, once it is awake.
    fn run_stalled(&mut self) {
        loop {
            if self.waits_for_disk() || self.waits_for_listen() || self.migrating() {
                // Like Redis during SAVE (or a MIGRATE): no cron, nothing served, until the
                // file is written (or the target answered).
                self.stalled.retain(|e| !matches!(e, Event::Tick));
                return;
            }
            if let Some(t) = self.busy_until_us {
                if self.clock.mono_us() < t {
                    // The wake-up comes from the deadline; ticks in between run nothing.
                    self.stalled.retain(|e| !matches!(e, Event::Tick));
                    return;
                }
                self.busy_until_us = None;
                self.handle_ready_keys();
                self.flush_replies();
            }
            if self.script_suspended() {
                let still = self.script_pending_step();
                self.flush_replies();
                if still {
                    return;
                }
                // What the script's end led to (the rest of a load DEBUG LOADAOF waits for)
                // may hold the events again.
                continue;
            }
            let Some(event) = self.stalled.pop_front() else {
                return;
            };
            self.dispatch_event(event);
            self.flush_replies();
        }
    }

    /// Whether events wait (DEBUG SLEEP, a save the server blocks on, CONFIG SET port, or a
    /// script between two slices, unless busy mode is serving them).
    fn paused(&self) -> bool {
        self.busy_until_us.is_some()
            || self.shutdown_holds_events()
            || self.waits_for_disk()
            || self.waits_for_listen()
            || (self.script_suspended() && !self.scripting.serving_busy)
            || self.migrating()
    }

    /// One event served while a script is busy (see `scripting::slices`).
    pub(crate) fn dispatch_busy_event(&mut self, event: Event) {
        self.dispatch_event(event);
        self.flush_replies();
    }

    /// Reads the RDB file (drivers call this once, at start-up).
    pub fn load_from_disk(&mut self) {
        if self.cfg.appendonly {
            self.begin_aof_load(None);
        } else {
            self.begin_manifest_read();
        }
    }

    /// DEBUG SLEEP: busy for `us` microseconds from now.
    pub(crate) fn sleep_for(&mut self, us: u64) {
        self.busy_until_us = Some(self.clock.mono_us().saturating_add(us));
    }

    fn dispatch_event(&mut self, event: Event) {
        match event {
            Event::Connected { client, conn } => self.on_connect(client, conn),
            Event::Commands { client, cmds } => self.on_commands(client, cmds),
            Event::ProtocolError { client, error } => self.on_protocol_error(client, error),
            Event::Disconnected { client } => {
                if !self.on_link_closed(client) {
                    self.unlink_client(client);
                }
            }
            Event::Outbound { client, result } => self.on_outbound(client, result),
            Event::Data { client, bytes } => self.on_link_data(client, bytes),
            Event::Tick => {
                self.load_step();
                self.aof_replay_step();
                self.expire_blocked();
                self.bgsave_pump();
                self.cron();
            }
            Event::Signal(_) => unreachable!("signals are handled as they arrive"),
            Event::Backlog { client, bytes } => self.on_backlog(client, bytes),
            Event::Disk { req, result } => self.on_disk(req, result),
            Event::Listened { result } => self.on_listened(result),
            Event::QueryBuffer { client, usage } => self.on_query_buffer(client, usage),
        }
        self.run_released();
        // Redis' beforeSleep does nothing while events are served from inside a busy script
        // (ProcessingEventsWhileBlocked): the script's half-done writes must not show.
        if self.scripting.serving_busy {
            return;
        }
        // It evicts clients over maxmemory-clients after each loop iteration, and asks the
        // replicas for their offsets if a client is WAITing.
        self.evict_clients();
        self.request_acks();
        // Redis sends BCAST invalidations in beforeSleep, once per event-loop iteration; one
        // event (one read from one client, one tick) is ours.
        self.tracking_broadcast();
    }

    /// Queues `id`'s buffered replies for the next flush.
    pub(crate) fn mark_dirty(&mut self, id: ClientId) {
        if !self.unflushed.contains(&id) {
            self.unflushed.push(id);
        }
    }

    /// Keeps every database's LRU clock at the wall clock's second (Redis' server.lruclock).
    pub(crate) fn update_lru_clock(&mut self) {
        let now = crate::db::lru_clock(self.clock.unix_ms());
        let lfu_init = self
            .lfu_policy()
            .then(|| crate::lfu::stamp(crate::lfu::minutes(self.clock.unix_ms()), crate::lfu::INIT_VAL));
        if self
            .dbs
            .first()
            .is_some_and(|d| d.lru_clock != now || d.lfu_init != lfu_init)
        {
            self.dbs.iter_mut().for_each(|d| {
                d.lru_clock = now;
                d.lfu_init = lfu_init;
            });
        }
    }

    pub(crate) fn log(&mut self, level: LogLevel, text: impl Into<String>) {
        if level >= self.cfg.loglevel() {
            self.outputs.push_back(Output::Log {
                level,
                text: text.into(),
            });
        }
    }

    pub(crate) fn push_output(&mut self, out: Output) {
        self.outputs.push_back(out);
    }

    /// After a batch of events: the AOF bytes they appended go to the disk in one write.
    pub fn end_batch(&mut self) {
        self.aof_flush(false);
    }

    fn flush_replies(&mut self) {
        if self.busy_until_us.is_some() {
            return; // a sleeping server writes nothing
        }
        // Under appendfsync always the replies wait for the fsync of the AOF bytes written
        // before them (the write itself goes out at the end of the batch).
        let ids = std::mem::take(&mut self.unflushed);
        // A released client goes out at once, unless it has newer replies (which wait for
        // the fsync of what their commands appended, like everyone's below).
        for id in std::mem::take(&mut self.released) {
            if !ids.contains(&id) {
                self.flush_client(id);
            }
        }
        if self.aof_hold(&ids) {
            return;
        }
        for id in ids {
            self.flush_client(id);
        }
    }

    fn flush_client(&mut self, id: ClientId) {
        if let Some(c) = self.clients.get_mut(&id) {
            // Push ranges only matter while a command runs (see Reply::silence_since).
            c.reply.pushed.clear();
            if !c.reply.buf.is_empty() {
                let data = std::mem::take(&mut c.reply.buf);
                self.stats.net_output_bytes += data.len() as u64;
                self.outputs.push_back(Output::Send { client: id, data });
            }
        }
    }

    /// Sends what is pending for `id`, then closes it and forgets it.
    pub(crate) fn close_client(&mut self, id: ClientId) {
        self.forget_client_state(id);
        self.flush_client(id);
        if self.clients.remove(&id).is_some() {
            self.outputs.push_back(Output::Close { client: id });
        }
    }

    /// What a client leaves behind in the server's tables: blocked keys, replica and monitor
    /// lists, watched keys, subscriptions.
    pub(crate) fn forget_client_state(&mut self, id: ClientId) {
        self.forget_blocked(id);
        self.forget_replica(id);
        self.unwatch_all(id);
        self.unsubscribe_all(id);
        self.disable_tracking(id);
        self.monitors.retain(|&m| m != id);
    }

    fn unlink_client(&mut self, id: ClientId) {
        self.forget_client_state(id);
        self.clients.remove(&id);
    }

    fn on_connect(&mut self, id: ClientId, conn: ConnInfo) {
        self.stats.connections_received += 1;
        let now = self.clock.mono_us();
        let needs_auth = !self.cfg.requirepass.is_empty();
        let mut client = Client::new(id, conn, now, !needs_auth);
        let refusal = if self.clients.len() as i64 >= self.cfg.maxclients {
            Some("ERR max number of clients reached".to_string())
        } else if self.cfg.protected_mode && !needs_auth && !client.conn.loopback {
            Some(DENIED.to_string())
        } else {
            None
        };
        if let Some(msg) = refusal {
            self.stats.rejected_connections += 1;
            client.reply.error(&msg);
            let data = std::mem::take(&mut client.reply.buf);
            self.outputs.push_back(Output::Send { client: id, data });
            self.outputs.push_back(Output::Close { client: id });
            return;
        }
        self.clients.insert(id, client);
    }

    /// A broken request. Redis closes at once a client whose query buffer outgrew its limit
    /// (that check runs on every read, blocked or not); any other error is found by the parser
    /// only once it gets there, so it waits behind a blocked client's earlier commands.
    fn on_protocol_error(&mut self, id: ClientId, error: ProtocolError) {
        if error.message().is_some() {
            self.on_input(id, std::iter::once(Input::ProtocolError(error)));
        } else {
            self.reject_request(id, error);
        }
    }

    /// Answers a broken request (or says nothing, past the query buffer limit) and closes.
    fn reject_request(&mut self, id: ClientId, error: ProtocolError) {
        let Some(c) = self.clients.get_mut(&id) else {
            return;
        };
        let addr = c.conn.addr.clone();
        match error.message() {
            Some(msg) => {
                c.reply.error(&msg);
                self.log(
                    LogLevel::Verbose,
                    format!("Protocol error ({msg}) from client: id={id} addr={addr}"),
                );
            }
            None => {
                let ProtocolError::QueryBufferLimit(n) = error else {
                    return;
                };
                self.log(
                    LogLevel::Warning,
                    format!("Closing client that reached max query buffer length: id={id} addr={addr} (qbuf initial bytes: {n})"),
                );
            }
        }
        self.close_client(id);
    }

    /// Runs a client's commands in order.
    pub(crate) fn on_commands(&mut self, id: ClientId, cmds: Vec<Args>) {
        self.on_input(id, cmds.into_iter().map(Input::Command));
    }

    /// Runs what a client sent, in order. A blocked client runs nothing: what it sends waits
    /// until it is released (Redis reads nothing more from it meanwhile).
    pub(crate) fn on_input(&mut self, id: ClientId, mut input: impl Iterator<Item = Input>) {
        while let Some(item) = input.next() {
            if self.is_blocked(id) {
                // The rest waits for the client to be released.
                self.defer_input(id, std::iter::once(item).chain(input));
                break;
            }
            let Some(c) = self.clients.get_mut(&id) else {
                return;
            };
            if c.closing {
                break;
            }
            let args = match item {
                Input::Command(args) => args,
                Input::ProtocolError(error) => return self.reject_request(id, error),
            };
            c.last_interaction_us = self.clock.mono_us();
            self.stats.net_input_bytes += args.iter().map(|a| a.len() as u64 + 16).sum::<u64>();
            command::execute(self, id, &args);
            if self.paused() {
                // DEBUG SLEEP (or SAVE): the rest runs after the sleep, before anything that arrived later.
                // Redis slept inside the command, so what follows it (serving the keys it made
                // ready) sees the clock after the sleep: that waits for the wake-up too.
                self.stall_input(id, input);
                break;
            }
            // Redis' processCommand serves the keys the command signalled right after it; not
            // while a script is busy (its writes are served when it ends).
            if !self.script_suspended() {
                self.handle_ready_keys();
            }
        }
        if self.clients.get(&id).is_some_and(|c| c.closing) {
            self.close_client(id);
        } else if !self.unflushed.contains(&id) {
            self.unflushed.push(id);
        }
    }

    /// Puts `input` back at the front of the events that wait for the server to wake, in order.
    fn stall_input(&mut self, id: ClientId, input: impl Iterator<Item = Input>) {
        let mut events: Vec<Event> = Vec::new();
        for item in input {
            match (item, events.last_mut()) {
                (Input::Command(args), Some(Event::Commands { cmds, .. })) => cmds.push(args),
                (Input::Command(args), _) => events.push(Event::Commands {
                    client: id,
                    cmds: vec![args],
                }),
                (Input::ProtocolError(error), _) => events.push(Event::ProtocolError { client: id, error }),
            }
        }
        for event in events.into_iter().rev() {
            self.stalled.push_front(event);
        }
    }

    /// A `POST` or `Host:` line means a browser was tricked into talking to us (cross-protocol
    /// scripting): like Redis, drop the connection without a reply and warn at most once a minute.
    pub(crate) fn refuse_http(&mut self, id: ClientId) {
        let now = self.clock.unix_ms();
        if self.security_warning_ms.is_none_or(|t| now.abs_diff(t) > 60_000) {
            self.security_warning_ms = Some(now);
            self.log(LogLevel::Warning, "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.");
        }
        if let Some(c) = self.clients.get_mut(&id) {
            c.closing = true;
            c.drop_replies = true;
        }
    }

    /// Closes every client and asks the driver to exit (after any final save).
    pub(crate) fn shutdown(&mut self) {
        self.shutting_down = true;
        // Replies still held for an fsync that never came (appendfsync always after a failed
        // write) must not go out: their writes are not on disk.
        for id in self.aof_unsynced_clients() {
            if let Some(c) = self.clients.get_mut(&id) {
                c.reply.buf.clear();
            }
        }
        let ids: Vec<ClientId> = self.clients.keys().copied().collect();
        for id in ids {
            self.close_client(id);
        }
        self.log(LogLevel::Warning, "Redis is now ready to exit, bye bye...");
        self.outputs.push_back(Output::Exit { code: 0 });
    }

    fn schedule_cron(&mut self) {
        let hz = self.cfg.hz.clamp(1, 500) as u64;
        self.next_cron_us = self.clock.mono_us() + 1_000_000 / hz;
    }

    /// Periodic work (Redis' serverCron): idle timeouts, active expiry, resizing and
    /// incremental rehashing of the keyspace.
    fn cron(&mut self) {
        if self.clock.mono_us() < self.next_cron_us {
            return;
        }
        if self.cron_paused {
            return self.schedule_cron();
        }
        self.pause_cron();
        self.close_idle_clients();
        self.resize_query_buffers();
        self.check_all_output_limits();
        // Also here, so that a lowered limit applies even while no command runs.
        self.tracking_limit_keys();
        if let Some(probe) = self.env.memory_probe {
            self.stats.memory_peak = self.stats.memory_peak.max(probe().allocated);
        }
        self.replication_cron();
        self.shutdown_cron();
        if self.shutting_down {
            // Exiting, or saving before the exit: nothing else is worth starting.
            return self.schedule_cron();
        }
        // Redis runs no time events while loading: nothing expires until the data is in. A
        // replica's keys expire by its master's DELs.
        // Nor while clients are paused: the dataset stays as it is.
        if !self.persist.loading && !self.is_replica() && !self.clients_paused() {
            self.active_expire_cycle();
        }
        self.databases_cron();
        self.run_scheduled_saves();
        self.check_save_points();
        self.aof_cron();
        self.aof_auto_rewrite();
        self.schedule_cron();
    }

    /// Redis 7.0's activeExpireCycle (slow cycle): each database in turn samples its keys with
    /// a TTL and deletes the expired ones, within one shared work budget.
    fn active_expire_cycle(&mut self) {
        if !self.active_expire_enabled || self.dbs.is_empty() {
            return;
        }
        let now = self.clock.unix_ms();
        let n = self.dbs.len();
        let mut budget = ACTIVE_EXPIRE_BUDGET;
        for _ in 0..n.min(EXPIRE_DBS_PER_CALL) {
            let i = self.expire_db % n;
            self.expire_db = (i + 1) % n;
            let (expired, work) = self.dbs[i].active_expire(now, budget);
            self.stats.expired_keys += expired.len() as u64;
            self.propagate_deletions(i, expired, (crate::notify::class::EXPIRED, "expired"));
            budget = budget.saturating_sub(work);
            if budget == 0 {
                break;
            }
        }
    }

    /// Redis' databasesCron: shrink dicts that became sparse and move rehashing forward.
    fn databases_cron(&mut self) {
        for db in &mut self.dbs {
            db.rehash_and_shrink(CRON_REHASH_STEPS);
        }
    }

    /// Redis' replicationCron runs once a second: a replica looks after its master link
    /// (crate::replica); a master PINGs its replicas on every repl-ping-replica-period-th run,
    /// so they can tell a quiet master from a dead link.
    fn replication_cron(&mut self) {
        let second = self.clock.uptime_us() / 1_000_000;
        if self.repl_cron_second == Some(second) {
            return;
        }
        self.repl_cron_second = Some(second);
        self.replica_cron();
        if self.is_replica() {
            // A replica's replicas get its master's PINGs with the rest of the stream.
            return;
        }
        let period = self.cfg.repl_ping_replica_period.max(1) as u64;
        if second.is_multiple_of(period) && !self.repl.replicas.is_empty() {
            self.feed_replicas(None, &[b"PING".to_vec()]);
        }
    }

    fn close_idle_clients(&mut self) {
        if self.cfg.timeout <= 0 {
            return;
        }
        let limit = self.cfg.timeout as u64 * 1_000_000;
        let now = self.clock.mono_us();
        let idle: Vec<ClientId> = self
            .clients
            .values()
            .filter(|c| !c.blocked && !c.replica && !c.master && now.saturating_sub(c.last_interaction_us) > limit)
            .map(|c| c.id)
            .collect();
        for id in idle {
            self.log(LogLevel::Verbose, "Closing idle client");
            self.close_client(id);
        }
    }

    /// Whether the cron expires keys nobody touches (DEBUG SET-ACTIVE-EXPIRE).
    pub fn set_active_expire(&mut self, on: bool) {
        self.active_expire_enabled = on;
    }

    /// The thresholds a hash is encoded by now (CONFIG SET changes them), and the hasher for
    /// its table.
    pub(crate) fn hash_limits(&self) -> crate::types::hash::HashLimits {
        crate::types::hash::HashLimits {
            max_entries: usize::try_from(self.cfg.hash_max_listpack_entries).unwrap_or(0),
            max_value: usize::try_from(self.cfg.hash_max_listpack_value).unwrap_or(0),
            hasher: self.hasher,
        }
    }

    /// The thresholds a set is encoded by now (CONFIG SET changes them), and the hasher for
    /// its table.
    pub(crate) fn set_limits(&self) -> crate::types::set::SetLimits {
        let u = |v: i64| usize::try_from(v).unwrap_or(0);
        crate::types::set::SetLimits {
            max_intset_entries: u(self.cfg.set_max_intset_entries),
            max_listpack_entries: u(self.cfg.set_max_listpack_entries),
            max_listpack_value: u(self.cfg.set_max_listpack_value),
            hasher: self.hasher,
        }
    }

    /// A fresh random u64 from the server's seeded generator.
    pub fn random_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Total keys across all databases (used by tests and the simulator's checks).
    pub fn key_count(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }
}

/// Redis' protected-mode refusal, sent to a non-loopback client when no password is set.
pub const DENIED: &str = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";
