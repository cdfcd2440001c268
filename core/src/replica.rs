//! The replica side of replication (the replica half of Redis' replication.c). REPLICAOF
//! points the server at a master; the core then asks the driver for a connection
//! ([`Output::Connect`]), runs the handshake (PING, AUTH, REPLCONF listening-port and capa,
//! PSYNC), takes the snapshot the master sends (`$<len>` or `$EOF:<mark>`), loads it in place
//! of the dataset, and from then on applies the master's stream of writes as the master client,
//! acknowledging its offset every second. The stream goes on to this server's own replicas
//! byte for byte, so they share the master's offsets.
//!
//! Every decision (when to connect, when to give up, when to acknowledge) is made here from
//! the clock the driver passes in; the driver only carries out connects, sends and closes.

use std::collections::VecDeque;

use crate::client::{Client, ClientId, ConnInfo};
use crate::repl::encode_command;
use crate::resp::Args;
use crate::server::{Output, Server};
use crate::LogLevel;

/// Connections this server opens get ids from here up, apart from the ids drivers give the
/// connections they accept.
const LINK_ID_BASE: ClientId = 1 << 60;

/// Where the link to the master stands (Redis' repl_state, as ROLE names it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkState {
    /// Not connected: the next replication cron connects.
    Connect,
    /// The driver is opening the connection.
    Connecting,
    /// PING, AUTH, REPLCONF and PSYNC are on their way.
    Handshake,
    /// The snapshot is arriving.
    Transfer,
    /// The stream is applied as it comes.
    Connected,
}

impl LinkState {
    /// ROLE's name of the state.
    pub(crate) fn role_name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// A handshake reply the replica waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Pong,
    Auth,
    Port,
    Ip,
    Capa,
    Psync,
}

/// How the snapshot's end is known.
#[derive(Clone, Debug)]
enum Size {
    /// The `$` line has not arrived yet.
    Unknown,
    Len(usize),
    /// Streamed: it ends with these 40 bytes.
    Mark(Vec<u8>),
}

/// A full resynchronization in progress: the master's id and offset, and the snapshot so far.
#[derive(Debug)]
struct Transfer {
    replid: String,
    offset: u64,
    size: Size,
    data: Vec<u8>,
    /// Written to `dbfilename` and loaded from there (repl-diskless-load disabled), not
    /// parsed from memory; decided when the size arrives.
    to_disk: bool,
}

/// The replica's state (Redis' masterhost, repl_state, master client, cached master).
#[derive(Debug)]
pub(crate) struct Replica {
    /// The master (host, port); `None` while this server is a master.
    pub(crate) master: Option<(String, u16)>,
    pub(crate) state: LinkState,
    /// The connection to the master, from the connect request on.
    pub(crate) link: Option<ClientId>,
    next_link: ClientId,
    /// Bytes from the master not consumed yet.
    buf: Vec<u8>,
    awaiting: VecDeque<Step>,
    transfer: Option<Transfer>,
    /// A whole snapshot on its way to `dbfilename`: loaded once the file is in place.
    on_disk: Option<Transfer>,
    /// Monotonic µs of the last bytes from the master (or of the connect request).
    pub(crate) last_io_us: u64,
    /// Monotonic µs since when the link is down (INFO's master_link_down_since_seconds).
    pub(crate) down_since_us: Option<u64>,
    /// PSYNC may continue from this server's own replication id and offset: it was a
    /// master, or it lost a master it was in sync with (Redis' cached master).
    psync_ok: bool,
    /// The database the master's stream has selected, kept when the link drops: a partial
    /// resync continues in it (Redis' cached master keeps its db).
    cached_db: usize,
    /// The master's stream is being applied: its commands obey, and go on to this server's
    /// replicas as they came.
    pub(crate) applying: bool,
    /// Bytes of the stream read from the master (INFO's slave_read_repl_offset).
    pub(crate) read_offset: u64,
    /// The bytes of a transaction of the master's whose EXEC has not come yet: they count in
    /// the offset, and go on to sub-replicas, once it ran (Redis' commandProcessed), so that
    /// no offset — nor a sub-replica's snapshot — falls inside a transaction.
    open_transaction: Vec<u8>,
    /// The command of the stream that is still arriving.
    partial: Option<Partial>,
}

impl Default for Replica {
    fn default() -> Self {
        Replica {
            master: None,
            state: LinkState::Connect,
            link: None,
            next_link: LINK_ID_BASE,
            buf: Vec::new(),
            awaiting: VecDeque::new(),
            transfer: None,
            on_disk: None,
            last_io_us: 0,
            down_since_us: None,
            psync_ok: false,
            cached_db: 0,
            applying: false,
            read_offset: 0,
            open_transaction: Vec::new(),
            partial: None,
        }
    }
}

/// A snapshot transfer's progress for INFO: its size as announced (-1 when streamed with an
/// end mark, or not known yet, as Redis shows it) and the bytes read so far.
pub(crate) struct TransferProgress {
    pub total: i64,
    pub read: i64,
}

impl Replica {
    pub(crate) fn transfer_progress(&self) -> Option<TransferProgress> {
        let t = self.transfer.as_ref()?;
        let total = match t.size {
            Size::Len(n) => n as i64,
            Size::Unknown | Size::Mark(_) => -1,
        };
        Some(TransferProgress {
            total,
            read: t.data.len() as i64,
        })
    }
}

/// Why a link is dropped; what the log says is the caller's.
type LinkResult = Result<(), ()>;

impl Server {
    /// Whether this server is a replica (Redis' `server.masterhost != NULL`).
    pub(crate) fn is_replica(&self) -> bool {
        self.replica.master.is_some()
    }

    /// REPLICAOF host port (Redis' replicationSetMaster): blocked clients are let go, and the
    /// connection to the new master starts at once.
    pub(crate) fn set_master(&mut self, host: String, port: u16) {
        let was_master = !self.is_replica();
        self.drop_master_link();
        self.release_all_blocked(
            "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
        );
        self.replica.master = Some((host, port));
        if was_master {
            // A demoted master may continue its own history from the new master.
            self.replica.psync_ok = true;
        }
        // Redis 7.0 keeps its replicas: they resync when this server's history changes
        // (a full sync or a new id from the master).
        self.replica.state = LinkState::Connect;
        self.replica.down_since_us = None;
        self.connect_master();
    }

    /// REPLICAOF NO ONE (Redis' replicationUnsetMaster): this server keeps its data, takes a
    /// new replication id (the old one is its second) and lets its replicas resync.
    pub(crate) fn unset_master(&mut self) {
        if !self.is_replica() {
            return;
        }
        self.drop_master_link();
        self.replica.master = None;
        self.replica.psync_ok = false;
        let new_id = crate::server::hex40(&mut self.rng);
        self.repl.shift_replid(new_id);
        self.disconnect_replicas();
    }

    /// Closes the master link, whatever its state (the master client too, once there is one).
    fn drop_master_link(&mut self) {
        let Some(link) = self.replica.link.take() else { return };
        if self.replica.state == LinkState::Connected {
            // Redis caches the master it lost, to continue with PSYNC.
            self.replica.psync_ok = true;
            self.replica.cached_db = self.clients.get(&link).map_or(0, |c| c.db);
            self.forget_client_state(link);
            self.clients.remove(&link);
        }
        self.replica.applying = false;
        self.replica.transfer = None;
        self.replica.on_disk = None;
        self.replica.awaiting.clear();
        self.replica.buf.clear();
        self.replica.partial = None;
        self.replica.open_transaction.clear();
        if self.replica.state == LinkState::Connected {
            self.replica.down_since_us = Some(self.clock.mono_us());
        }
        self.replica.state = LinkState::Connect;
        self.push_output(Output::Abort { client: link });
    }

    /// Lets this server's own replicas go (they reconnect and resync).
    fn disconnect_replicas(&mut self) {
        for id in self.repl.replicas.clone() {
            self.close_client(id);
        }
        for (id, _) in self.repl.waiting_sync.clone() {
            self.close_client(id);
        }
    }

    /// A fresh id for a connection this server opens.
    pub(crate) fn new_link_id(&mut self) -> ClientId {
        let id = self.replica.next_link;
        self.replica.next_link += 1;
        id
    }

    /// Redis' connectWithMaster: asks the driver for a connection.
    fn connect_master(&mut self) {
        let Some((host, port)) = self.replica.master.clone() else {
            return;
        };
        self.log(LogLevel::Notice, format!("Connecting to MASTER {host}:{port}"));
        let link = self.new_link_id();
        self.replica.link = Some(link);
        self.replica.state = LinkState::Connecting;
        self.replica.last_io_us = self.clock.mono_us();
        self.push_output(Output::Connect {
            client: link,
            host,
            port,
        });
        self.log(LogLevel::Notice, "MASTER <-> REPLICA sync started");
    }

    /// The driver's answer to [`Output::Connect`].
    pub(crate) fn on_outbound(&mut self, client: ClientId, result: Result<(), String>) {
        if self.replica.link != Some(client) || self.replica.state != LinkState::Connecting {
            // A connection this server no longer wants (it gave up, or changed master).
            if result.is_ok() {
                self.push_output(Output::Abort { client });
            }
            return;
        }
        if let Err(e) = result {
            self.log(LogLevel::Warning, format!("Unable to connect to MASTER: {e}"));
            self.replica.link = None;
            self.replica.state = LinkState::Connect;
            return;
        }
        self.log(LogLevel::Notice, "Non blocking connect for SYNC fired the event.");
        self.replica.state = LinkState::Handshake;
        self.replica.last_io_us = self.clock.mono_us();
        self.replica.awaiting = VecDeque::from([Step::Pong]);
        self.send_to_master(&[b"PING".to_vec()]);
    }

    /// Bytes from a connection this server opened.
    pub(crate) fn on_link_data(&mut self, client: ClientId, bytes: Vec<u8>) {
        if self.replica.link != Some(client) {
            return;
        }
        self.replica.last_io_us = self.clock.mono_us();
        self.replica.buf.extend_from_slice(&bytes);
        let ok = match self.replica.state {
            LinkState::Handshake => self.handshake_step(),
            LinkState::Transfer => self.transfer_step(),
            LinkState::Connected => {
                self.replica.read_offset += bytes.len() as u64;
                self.apply_stream()
            }
            LinkState::Connect | LinkState::Connecting => Ok(()),
        };
        if ok.is_err() {
            self.drop_master_link();
        }
    }

    /// The master link broke (the driver saw the connection end).
    pub(crate) fn on_link_closed(&mut self, client: ClientId) -> bool {
        if self.replica.link != Some(client) {
            return false;
        }
        match self.replica.state {
            LinkState::Connected => {
                self.log(LogLevel::Notice, "Connection with master lost.");
                self.log(LogLevel::Notice, "* Caching the disconnected master state.");
            }
            LinkState::Transfer => {
                self.log(
                    LogLevel::Warning,
                    "I/O error trying to sync with MASTER: connection lost",
                );
            }
            _ => self.log(LogLevel::Warning, "Master closed the connection during the handshake"),
        }
        self.drop_master_link();
        if self.is_replica() {
            self.log(LogLevel::Notice, "Reconnecting to MASTER after failure");
        }
        true
    }

    fn send_to_master(&mut self, argv: &[Vec<u8>]) {
        if let Some(link) = self.replica.link {
            self.push_output(Output::Send {
                client: link,
                data: encode_command(argv),
            });
        }
    }

    /// Takes one CRLF-terminated line from the front of the buffer.
    fn take_line(&mut self) -> Option<String> {
        let end = self.replica.buf.iter().position(|&b| b == b'\n')?;
        let line: Vec<u8> = self.replica.buf.drain(..=end).collect();
        let text = String::from_utf8_lossy(&line);
        Some(text.trim_end_matches(['\r', '\n']).to_string())
    }

    /// Handles the handshake replies that arrived (Redis' syncWithMaster).
    fn handshake_step(&mut self) -> LinkResult {
        while let Some(&step) = self.replica.awaiting.front() {
            let Some(line) = self.take_line() else { return Ok(()) };
            if step == Step::Psync && line.is_empty() {
                // The master sends newlines while it prepares: still waiting.
                continue;
            }
            self.replica.awaiting.pop_front();
            match step {
                Step::Pong => {
                    self.ping_replied(&line)?;
                    self.send_handshake();
                }
                Step::Auth if line.starts_with('-') => {
                    self.log(LogLevel::Warning, format!("Unable to AUTH to MASTER: {line}"));
                    return Err(());
                }
                Step::Auth => {}
                Step::Port | Step::Ip | Step::Capa if line.starts_with('-') => {
                    let what = match step {
                        Step::Port => "REPLCONF listening-port",
                        Step::Ip => "REPLCONF ip-address",
                        _ => "REPLCONF capa",
                    };
                    self.log(
                        LogLevel::Notice,
                        format!("(Non critical) Master does not understand {what}: {line}"),
                    );
                }
                Step::Port | Step::Ip => {}
                Step::Capa => self.send_psync(),
                Step::Psync => return self.psync_replied(&line),
            }
        }
        Ok(())
    }

    fn ping_replied(&mut self, line: &str) -> LinkResult {
        // An authentication error still proves the master is there: AUTH comes next.
        let tolerated = ["-NOAUTH", "-NOPERM", "-ERR operation not permitted"];
        if line.starts_with('-') && !tolerated.iter().any(|t| line.starts_with(t)) {
            self.log(LogLevel::Warning, format!("Error reply to PING from master: '{line}'"));
            return Err(());
        }
        self.log(LogLevel::Notice, "Master replied to PING, replication can continue...");
        Ok(())
    }

    /// AUTH (with masterauth), REPLCONF listening-port, ip-address (with replica-announce-ip)
    /// and capa, sent together as Redis 7 does.
    fn send_handshake(&mut self) {
        let mut steps = VecDeque::new();
        if !self.cfg.masterauth.is_empty() {
            let mut argv = vec![b"AUTH".to_vec()];
            if !self.cfg.masteruser.is_empty() {
                argv.push(self.cfg.masteruser.clone().into_bytes());
            }
            argv.push(self.cfg.masterauth.clone().into_bytes());
            self.send_to_master(&argv);
            steps.push_back(Step::Auth);
        }
        let port = self.cfg.port.to_string().into_bytes();
        self.send_to_master(&[b"REPLCONF".to_vec(), b"listening-port".to_vec(), port]);
        steps.push_back(Step::Port);
        if !self.cfg.replica_announce_ip.is_empty() {
            let ip = self.cfg.replica_announce_ip.clone().into_bytes();
            self.send_to_master(&[b"REPLCONF".to_vec(), b"ip-address".to_vec(), ip]);
            steps.push_back(Step::Ip);
        }
        let capa = [b"REPLCONF", b"capa".as_slice(), b"eof", b"capa", b"psync2"].map(<[u8]>::to_vec);
        self.send_to_master(&capa);
        steps.push_back(Step::Capa);
        self.replica.awaiting = steps;
    }

    /// PSYNC with this server's own id and offset when it may continue, else `? -1`.
    fn send_psync(&mut self) {
        let (id, offset) = if self.replica.psync_ok {
            let (id, offset) = (self.repl.replid.clone(), self.repl.offset + 1);
            self.log(
                LogLevel::Notice,
                format!("Trying a partial resynchronization (request {id}:{offset})."),
            );
            (id, offset.to_string())
        } else {
            self.log(
                LogLevel::Notice,
                "Partial resynchronization not possible (no cached master)",
            );
            ("?".to_string(), "-1".to_string())
        };
        self.send_to_master(&[b"PSYNC".to_vec(), id.into_bytes(), offset.into_bytes()]);
        self.replica.awaiting.push_back(Step::Psync);
    }

    /// +FULLRESYNC, +CONTINUE, or an error (Redis' slaveTryPartialResynchronization).
    fn psync_replied(&mut self, line: &str) -> LinkResult {
        if let Some(rest) = line.strip_prefix("+FULLRESYNC") {
            let mut words = rest.split_whitespace();
            let replid = words.next().unwrap_or("").to_string();
            let offset = words.next().and_then(|w| w.parse::<u64>().ok());
            let (Some(offset), 40) = (offset, replid.len()) else {
                self.log(LogLevel::Warning, "Master replied with wrong +FULLRESYNC syntax.");
                return Err(());
            };
            self.log(LogLevel::Notice, format!("Full resync from master: {replid}:{offset}"));
            self.replica.psync_ok = false;
            self.replica.state = LinkState::Transfer;
            self.replica.transfer = Some(Transfer {
                replid,
                offset,
                size: Size::Unknown,
                data: Vec::new(),
                to_disk: false,
            });
            return self.transfer_step();
        }
        if let Some(rest) = line.strip_prefix("+CONTINUE") {
            self.log(LogLevel::Notice, "Successful partial resynchronization with master.");
            let new_id = rest.trim();
            if new_id.len() == 40 && new_id != self.repl.replid {
                self.log(LogLevel::Warning, format!("Master replication ID changed to {new_id}"));
                self.repl.shift_replid(new_id.to_string());
                self.disconnect_replicas();
            }
            self.log(
                LogLevel::Notice,
                "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.",
            );
            self.master_link_up(self.replica.cached_db);
            return self.apply_stream();
        }
        if line.starts_with("-NOMASTERLINK") || line.starts_with("-LOADING") {
            self.log(
                LogLevel::Notice,
                format!("Master is currently unable to PSYNC but should be in the future: {line}"),
            );
        } else {
            self.log(
                LogLevel::Warning,
                format!("Unexpected reply to PSYNC from master: {line}"),
            );
        }
        Err(())
    }

    /// Collects the snapshot (Redis' readSyncBulkPayload); loads it once whole.
    fn transfer_step(&mut self) -> LinkResult {
        let Some(mut t) = self.replica.transfer.take() else {
            return Err(());
        };
        while matches!(t.size, Size::Unknown) {
            let Some(line) = self.take_line() else {
                self.replica.transfer = Some(t);
                return Ok(());
            };
            // `None`: a newline the master sends to keep the link alive.
            if let Some(size) = self.payload_size(&line)? {
                t.size = size;
                t.to_disk = !self.diskless_load();
            }
        }
        let data = std::mem::take(&mut self.replica.buf);
        t.data.extend_from_slice(&data);
        let whole = match &t.size {
            Size::Len(n) if t.data.len() >= *n => {
                let rest = t.data.split_off(*n);
                self.replica.buf = rest;
                true
            }
            Size::Mark(mark) if t.data.ends_with(mark) => {
                let n = t.data.len() - mark.len();
                t.data.truncate(n);
                true
            }
            _ => false,
        };
        if !whole {
            self.replica.transfer = Some(t);
            return Ok(());
        }
        if t.to_disk {
            // The rest waits for the file (`snapshot_on_disk`), the server with it.
            let data = std::mem::take(&mut t.data);
            self.replica.on_disk = Some(t);
            self.start_replica_sync_save(data);
            return Ok(());
        }
        self.load_transfer(t, "socket")?;
        self.apply_stream()
    }

    /// Redis' useDisklessLoad: swapdb always parses from the socket, on-empty-db only into an
    /// empty dataset.
    fn diskless_load(&self) -> bool {
        match crate::config::REPL_DISKLESS_LOAD[self.cfg.repl_diskless_load] {
            "swapdb" => true,
            "on-empty-db" => self.key_count() == 0,
            _ => false,
        }
    }

    /// The snapshot is `dbfilename` now, read back as `image`: it is loaded as Redis' rdbLoad
    /// loads it, and the stream follows. `Err(true)`: it never became the file; `Err(false)`:
    /// it did but could not be read.
    pub(crate) fn snapshot_on_disk(&mut self, image: Result<Option<Vec<u8>>, bool>) {
        let Some(mut t) = self.replica.on_disk.take() else {
            return;
        };
        // Renamed into place, whether it then loaded or not.
        let on_file = !matches!(image, Err(true));
        let loaded = match image {
            Ok(image) => {
                t.data = image.unwrap_or_default();
                self.load_transfer(t, "disk")
            }
            Err(_) => Err(()),
        };
        if on_file && self.cfg.rdb_del_sync_files && self.persistence_off() {
            self.log(
                LogLevel::Notice,
                "Removing the RDB file obtained from the master. This replica has persistence disabled",
            );
            self.remove_rdb_file();
        }
        if loaded.and_then(|()| self.apply_stream()).is_err() {
            self.drop_master_link();
        }
    }

    /// Redis' allPersistenceDisabled: no save points, no AOF.
    fn persistence_off(&self) -> bool {
        self.cfg.save_points.is_empty() && !self.persist.aof.on
    }

    /// The `$<len>` or `$EOF:<mark>` line; `None` for a keep-alive newline.
    fn payload_size(&mut self, line: &str) -> Result<Option<Size>, ()> {
        if line.is_empty() {
            return Ok(None);
        }
        if let Some(error) = line.strip_prefix('-') {
            self.log(
                LogLevel::Warning,
                format!("MASTER aborted replication with an error: {error}"),
            );
            return Err(());
        }
        let Some(rest) = line.strip_prefix('$') else {
            self.log(LogLevel::Warning, format!("Bad protocol from MASTER, the first byte is not '$' (we received '{line}'), are you sure the host and port are right?"));
            return Err(());
        };
        let to = if self.diskless_load() { "parser" } else { "disk" };
        if let Some(mark) = rest.strip_prefix("EOF:").filter(|m| m.len() >= 40) {
            self.log(
                LogLevel::Notice,
                format!("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to {to}"),
            );
            return Ok(Some(Size::Mark(mark.as_bytes()[..40].to_vec())));
        }
        let Ok(n) = rest.parse::<usize>() else {
            self.log(LogLevel::Warning, format!("Bad protocol from MASTER: '{line}'"));
            return Err(());
        };
        self.log(
            LogLevel::Notice,
            format!("MASTER <-> REPLICA sync: receiving {n} bytes from master to {to}"),
        );
        Ok(Some(Size::Len(n)))
    }

    /// Replaces the dataset with the snapshot and starts applying the stream that follows.
    fn load_transfer(&mut self, t: Transfer, from: &str) -> LinkResult {
        // Redis' replicationAttachToNewMaster: this server's replicas must resync too.
        self.disconnect_replicas();
        self.log(LogLevel::Notice, "MASTER <-> REPLICA sync: Flushing old data");
        for db in 0..self.dbs.len() {
            self.touch_all_watched_in_db(db, None);
        }
        self.tracking_invalidate_on_flush();
        self.log(LogLevel::Notice, "MASTER <-> REPLICA sync: Loading DB in memory");
        let aux = match self.load_image(&t.data, true, false) {
            Ok(aux) => aux,
            Err(why) => {
                self.log(
                    LogLevel::Warning,
                    format!("Failed trying to load the MASTER synchronization DB from {from}: {why}"),
                );
                return Err(());
            }
        };
        self.repl.replid = t.replid;
        self.repl.clear_replid2();
        self.repl.offset = t.offset;
        self.repl.backlog = true;
        self.repl.reset_stream_db();
        self.replica.read_offset = t.offset;
        // The stream goes on in the database it had selected where the snapshot was made (a
        // master's stream SELECTs again; a replica's, passed on as it came, does not).
        let db = aux
            .iter()
            .find(|(k, _)| k == b"repl-stream-db")
            .and_then(|(_, v)| crate::resp::parse_i64(v))
            .and_then(|db| usize::try_from(db).ok())
            .filter(|&db| db < self.dbs.len())
            .unwrap_or(0);
        self.master_link_up(db);
        self.log(LogLevel::Notice, "MASTER <-> REPLICA sync: Finished with success");
        if matches!(t.size, Size::Mark(_)) {
            // The master holds the stream after a streamed snapshot until the first ACK (the
            // end mark must be the last bytes read): Redis sends it now, not a second later.
            self.send_ack();
        }
        if self.persist.aof.on {
            // Redis restarts the AOF after a sync: a rewrite makes a base of the new data.
            self.start_aof_rewrite(false);
        }
        Ok(())
    }

    /// The link carries the stream now: the master becomes a client whose commands obey,
    /// starting in database `db`.
    fn master_link_up(&mut self, db: usize) {
        let Some(link) = self.replica.link else { return };
        let (host, port) = self.replica.master.clone().unwrap_or_default();
        let conn = ConnInfo {
            addr: format!("{host}:{port}"),
            laddr: String::new(),
            fd: -1,
            loopback: false,
            unix: false,
        };
        let mut client = Client::new(link, conn, self.clock.mono_us(), true);
        client.master = true;
        client.db = db;
        self.clients.insert(link, client);
        self.replica.state = LinkState::Connected;
        self.replica.down_since_us = None;
        if self.replica.read_offset < self.repl.offset {
            self.replica.read_offset = self.repl.offset;
        }
    }

    /// Applies every whole command of the stream that arrived (Redis' processInputBuffer for
    /// the master client): no replies go back, and each command's bytes move the offset and go
    /// on to this server's replicas.
    fn apply_stream(&mut self) -> LinkResult {
        let Some(link) = self.replica.link else { return Ok(()) };
        let mut pos = 0;
        let result = loop {
            match parse_command_from(&self.replica.buf[pos..], &mut self.replica.partial) {
                Ok(None) => break Ok(()),
                Ok(Some((args, used))) => {
                    let raw = self.replica.buf[pos..pos + used].to_vec();
                    pos += used;
                    if args.is_empty() {
                        continue;
                    }
                    self.replica.applying = true;
                    crate::command::execute(self, link, &args);
                    self.replica.applying = false;
                    // As after any command: clients blocked on keys it filled (a writable
                    // replica's BLPOP) are served.
                    self.handle_ready_keys();
                    self.replica.open_transaction.extend_from_slice(&raw);
                    if self.clients.get(&link).is_none_or(|c| c.multi.is_none()) {
                        let applied = std::mem::take(&mut self.replica.open_transaction);
                        self.repl.offset += applied.len() as u64;
                        self.feed_replica_bytes(&applied);
                    }
                    if self.replica.link != Some(link) {
                        // The command changed the master (or dropped the link).
                        return Ok(());
                    }
                }
                Err(why) => {
                    self.log(LogLevel::Warning, format!("Protocol error from MASTER: {why}"));
                    break Err(());
                }
            }
        };
        self.replica.buf.drain(..pos);
        result
    }

    /// The database a replica's snapshot says the stream after it has selected (the aux field
    /// repl-stream-db, Redis' rdbPopulateSaveInfo): a master SELECTs again after a snapshot
    /// and says 0; a replica passes its master's stream on as it came, so it names the
    /// database its master client is in.
    pub(crate) fn stream_db_for_new_replica(&self) -> usize {
        if !self.is_replica() {
            return self.repl.stream_db.unwrap_or(0);
        }
        let master = self
            .replica
            .link
            .and_then(|l| self.clients.get(&l))
            .filter(|c| c.master);
        master.map_or(self.replica.cached_db, |c| c.db)
    }

    /// REPLCONF GETACK from the master, and the replication cron: REPLCONF ACK <offset>.
    pub(crate) fn send_ack(&mut self) {
        if self.replica.state == LinkState::Connected {
            let offset = self.repl.offset.to_string().into_bytes();
            self.send_to_master(&[b"REPLCONF".to_vec(), b"ACK".to_vec(), offset]);
        }
    }

    /// The replica half of Redis' replicationCron (once a second): timeouts of each state,
    /// reconnection, and the acknowledgement of the offset.
    pub(crate) fn replica_cron(&mut self) {
        // Redis loads its files before replication starts: a sync landing mid-load would
        // mix the master's dataset with the rest of the file.
        if !self.is_replica() || self.persist.loading || self.aof_replaying() {
            return;
        }
        let now = self.clock.mono_us();
        let timeout = self.cfg.repl_timeout.max(1) as u64 * 1_000_000;
        let idle = now.saturating_sub(self.replica.last_io_us);
        match self.replica.state {
            LinkState::Connecting | LinkState::Handshake if idle > timeout => {
                self.log(LogLevel::Warning, "Timeout connecting to the MASTER...");
                self.drop_master_link();
            }
            LinkState::Transfer if idle > timeout => {
                self.log(
                    LogLevel::Warning,
                    "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
                );
                self.drop_master_link();
            }
            LinkState::Connected if idle > timeout => {
                self.log(LogLevel::Warning, "MASTER timeout: no data nor PING received...");
                self.drop_master_link();
            }
            _ => {}
        }
        match self.replica.state {
            LinkState::Connect => self.connect_master(),
            LinkState::Connected => self.send_ack(),
            _ => {}
        }
    }
}

/// How far the parse of an incomplete command of the stream got: the next read resumes there
/// instead of parsing (and copying) its arguments again (a command of many arguments arrives
/// in many reads).
#[derive(Debug, Default)]
pub(crate) struct Partial {
    count: usize,
    args: Args,
    /// Where its next argument starts, from the command's first byte.
    pos: usize,
}

/// One command of the master's stream: its arguments and the bytes it took; `None` until it
/// is whole. A blank line (a newline the master sends) is a command of no arguments. Resumes
/// `partial` (the command `buf` starts with), and leaves it there while the command is still
/// incomplete.
fn parse_command_from(buf: &[u8], partial: &mut Option<Partial>) -> Result<Option<(Args, usize)>, String> {
    let line_end = |from: usize| buf[from..].iter().position(|&b| b == b'\n').map(|i| from + i);
    let number = |line: &[u8]| -> Result<i64, String> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        crate::resp::parse_i64(line).ok_or_else(|| "invalid length".to_string())
    };
    let mut p = match partial.take() {
        Some(p) => p,
        None => {
            let Some(&first) = buf.first() else { return Ok(None) };
            let Some(end) = line_end(0) else { return Ok(None) };
            if first != b'*' {
                let line = &buf[..end];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let args = crate::resp::split_args(line).ok_or("unbalanced quotes in inline request")?;
                return Ok(Some((args, end + 1)));
            }
            let count = usize::try_from(number(&buf[1..end])?.max(0)).unwrap_or(0);
            Partial {
                count,
                args: Vec::with_capacity(count.min(1024)),
                pos: end + 1,
            }
        }
    };
    while p.args.len() < p.count {
        let pos = p.pos;
        let Some(end) = line_end(pos) else { break };
        if buf[pos] != b'$' {
            return Err(format!("expected '$', got '{}'", buf[pos] as char));
        }
        let len = usize::try_from(number(&buf[pos + 1..end])?).map_err(|_| "invalid bulk length")?;
        let start = end + 1;
        if buf.len() < start.saturating_add(len).saturating_add(2) {
            break;
        }
        p.args.push(buf[start..start + len].to_vec());
        p.pos = start + len + 2;
    }
    if p.args.len() < p.count {
        *partial = Some(p);
        return Ok(None);
    }
    Ok(Some((p.args, p.pos)))
}

#[cfg(test)]
mod tests {
    use super::{parse_command_from, Args};

    fn parse_command(buf: &[u8]) -> Result<Option<(Args, usize)>, String> {
        parse_command_from(buf, &mut None)
    }

    #[test]
    fn stream_commands_parse_with_their_byte_counts() {
        let stream = b"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n";
        let (args, used) = parse_command(stream).unwrap().unwrap();
        assert_eq!((args, used), (vec![b"PING".to_vec()], 14));
        let (args, used) = parse_command(&stream[14..]).unwrap().unwrap();
        assert_eq!(args, vec![b"SET".to_vec(), b"k".to_vec(), b"v1".to_vec()]);
        assert_eq!(14 + used, stream.len());
        for cut in 0..stream.len() - 14 {
            assert_eq!(parse_command(&stream[14..14 + cut]).unwrap(), None, "cut at {cut}");
        }
        assert_eq!(parse_command(b"\n").unwrap(), Some((vec![], 1)));
        assert!(parse_command(b"*1\r\n+PING\r\n").is_err());
    }
}
