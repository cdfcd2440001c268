//! Per-connection state held by the core.

use crate::resp::Reply;

/// Chosen by the driver when a connection is accepted; unique for the server's lifetime.
pub type ClientId = u64;

/// What the driver knows about a new connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnInfo {
    /// Peer address as `ip:port` (IPv6 as `[::1]:port`... Redis prints `::1:port`).
    pub addr: String,
    /// Local address as `ip:port`.
    pub laddr: String,
    /// The socket's file descriptor number (shown by CLIENT LIST; -1 if none).
    pub fd: i64,
    /// The peer is on the loopback interface (or a unix socket): protected mode lets it in.
    pub loopback: bool,
    /// Connected through the `unixsocket` (CLIENT LIST's flag U).
    pub unix: bool,
}

impl ConnInfo {
    /// The peer's address without its port.
    pub fn ip(&self) -> &str {
        self.addr.rsplit_once(':').map_or(self.addr.as_str(), |(ip, _)| ip)
    }
}

/// CLIENT REPLY modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    SkipNext,
    /// The command being run now is the skipped one.
    Skipping,
}

#[derive(Debug)]
pub struct Client {
    pub id: ClientId,
    pub conn: ConnInfo,
    pub name: Vec<u8>,
    pub lib_name: Vec<u8>,
    pub lib_ver: Vec<u8>,
    pub created_us: u64,
    pub last_interaction_us: u64,
    pub db: usize,
    pub authenticated: bool,
    pub reply_mode: ReplyMode,
    pub no_evict: bool,
    pub no_touch: bool,
    /// Full name of the last command run (`client|list`), shown by CLIENT LIST.
    pub last_cmd: &'static str,
    /// Replies not yet handed to the driver.
    pub reply: Reply,
    /// Queued for closing once its pending replies are out.
    pub closing: bool,
    /// Closing without sending what this read produced (Redis' freeClientAsync after POST).
    pub drop_replies: bool,
    /// Waiting in a blocking command (BLPOP and friends).
    pub blocked: bool,
    /// Attached with SYNC/PSYNC: fed the replication stream, sent no replies.
    pub replica: bool,
    /// A replica's REPLCONF listening-port, and the offset and time (monotonic µs) of its
    /// last REPLCONF ACK.
    pub repl_listening_port: u16,
    /// The address a replica announced (REPLCONF ip-address), shown instead of its peer's.
    pub repl_announced_ip: Option<String>,
    pub repl_ack_offset: u64,
    pub repl_ack_us: u64,
    /// The replication offset right after its last command that propagated something (WAIT
    /// waits for replicas to acknowledge it).
    pub woff: u64,
    /// The master this replica applies the stream of: its commands obey and get no replies.
    pub master: bool,
    /// Said `REPLCONF capa eof`: takes a snapshot streamed with an end mark, its length
    /// unknown up front.
    pub repl_capa_eof: bool,
    /// While its snapshot streams: the replication stream that goes after it.
    pub repl_pending: Option<Vec<u8>>,
    /// Its snapshot is out: the held stream goes once it acknowledges (a replica finds the
    /// end mark only as the last bytes it read, so nothing may follow until it answers).
    pub repl_online_on_ack: bool,
    /// Inside MULTI: the commands queued for EXEC.
    pub multi: Option<Vec<crate::resp::Args>>,
    /// A command was refused while queueing: EXEC will abort (Redis' CLIENT_DIRTY_EXEC).
    pub multi_error: bool,
    /// A watched key was modified: EXEC will fail (CLIENT_DIRTY_CAS).
    pub dirty_cas: bool,
    /// Keys this client WATCHes, as (database, key).
    pub watched: Vec<(usize, Vec<u8>)>,
    /// Running EXEC's commands: blocking commands answer at once (CLIENT_DENY_BLOCKING).
    pub deny_blocking: bool,
    /// Pub/sub subscriptions.
    pub subs: crate::pubsub::Subscriptions,
    /// Sent every command the server runs (MONITOR).
    pub monitor: bool,
    /// Bytes handed to the driver that it has not written yet (as it last reported), and since
    /// when that is over the soft output-buffer limit.
    pub unsent: u64,
    pub obuf_soft_since: Option<u64>,
    /// The query buffer, as the driver last reported it, and the most it held since the
    /// cron last looked (Redis' querybuf_peak).
    pub qbuf: crate::resp::QueryBufferUsage,
    pub qbuf_peak: usize,
    /// CLIENT TRACKING settings while tracking is on.
    pub tracking: Option<crate::tracking::TrackingMode>,
}

impl Client {
    pub fn new(id: ClientId, conn: ConnInfo, now_us: u64, authenticated: bool) -> Client {
        Client {
            id,
            conn,
            name: Vec::new(),
            lib_name: Vec::new(),
            lib_ver: Vec::new(),
            created_us: now_us,
            last_interaction_us: now_us,
            db: 0,
            authenticated,
            reply_mode: ReplyMode::On,
            no_evict: false,
            no_touch: false,
            last_cmd: "NULL",
            reply: Reply::default(),
            closing: false,
            drop_replies: false,
            blocked: false,
            replica: false,
            master: false,
            woff: 0,
            repl_listening_port: 0,
            repl_announced_ip: None,
            repl_ack_offset: 0,
            repl_ack_us: now_us,
            multi: None,
            multi_error: false,
            dirty_cas: false,
            watched: Vec::new(),
            deny_blocking: false,
            subs: Default::default(),
            monitor: false,
            repl_capa_eof: false,
            repl_pending: None,
            repl_online_on_ack: false,
            unsent: 0,
            obuf_soft_since: None,
            qbuf: Default::default(),
            qbuf_peak: 0,
            tracking: None,
        }
    }

    /// Output not yet written to the connection. A replica's stream held behind its snapshot
    /// counts, as in Redis' output buffer.
    pub fn pending_output(&self) -> u64 {
        let held = self.repl_pending.as_ref().map_or(0, |h| h.len() as u64);
        self.unsent + self.reply.buf.len() as u64 + held
    }

    /// A replica whose snapshot is out and acknowledged: fed live (Redis' SLAVE_STATE_ONLINE).
    pub fn replica_online(&self) -> bool {
        self.repl_pending.is_none() && !self.repl_online_on_ack
    }

    /// The address INFO and ROLE show for a replica: the one it announced, else its peer's.
    pub fn replica_ip(&self) -> &str {
        self.repl_announced_ip.as_deref().unwrap_or_else(|| self.conn.ip())
    }

    /// CLIENT GETREDIR: the redirect target, 0 for none, -1 when not tracking.
    pub fn tracking_redirect(&self) -> i64 {
        self.tracking.as_ref().map_or(-1, |t| t.redirect as i64)
    }

    pub fn resp(&self) -> u8 {
        if self.reply.resp3 {
            3
        } else {
            2
        }
    }

    /// The `flags=` letters of CLIENT LIST for what exists so far.
    pub fn flags_string(&self) -> String {
        // Redis' order: getClientInfoString.
        let flags = [
            (self.monitor, 'O'),
            (self.replica, 'S'),
            (self.master, 'M'),
            (self.subs.any(), 'P'),
            (self.multi.is_some(), 'x'),
            (self.blocked, 'b'),
            (self.tracking.is_some(), 't'),
            (self.tracking.as_ref().is_some_and(|t| t.broken_redirect), 'R'),
            (self.tracking.as_ref().is_some_and(|t| t.bcast), 'B'),
            (self.dirty_cas, 'd'),
            (self.closing, 'A'),
            (self.conn.unix, 'U'),
            (self.no_evict, 'e'),
            (self.no_touch, 'T'),
        ];
        let mut f: String = flags.iter().filter(|(on, _)| *on).map(|(_, c)| c).collect();
        if f.is_empty() {
            f.push('N');
        }
        f
    }
}
