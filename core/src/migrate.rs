//! The exchange of a MIGRATE with its target (Redis' migrateCommand after the parsing). Redis
//! does it with blocking I/O, so nothing else runs until the target answered or the timeout
//! passed, and the keys cannot change between being sent and being deleted. The core does the
//! same without blocking: the server counts as paused (what arrives waits in order) while the
//! connection it asked the driver for carries AUTH, SELECT and one RESTORE per key, and the
//! replies come back. A failure on the connection before any RESTORE was answered is retried
//! once, as Redis retries on a fresh socket. (Redis keeps the connection for 10 s for the next
//! MIGRATE; this server opens one per MIGRATE.)

use std::collections::VecDeque;

use crate::client::ClientId;
use crate::repl::encode_command;
use crate::server::{Event, Output, Server};

/// What MIGRATE asked for (see `cmd::migrate`).
pub(crate) struct Request {
    pub host: String,
    pub port: u16,
    /// The source database, and the target's.
    pub db: usize,
    pub target_db: i64,
    /// The keys that exist, in order.
    pub keys: Vec<Vec<u8>>,
    pub copy: bool,
    pub replace: bool,
    /// AUTH [username] password for the target.
    pub auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
    pub timeout_us: u64,
}

/// A reply the target owes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owed {
    Auth,
    Select,
    /// The RESTORE of `sent[i]`.
    Restore(usize),
}

pub(crate) struct Migration {
    caller: ClientId,
    req: Request,
    link: ClientId,
    /// The keys sent (expired ones are left out), and the commands carrying them.
    sent: Vec<Vec<u8>>,
    payload: Vec<u8>,
    owed: VecDeque<Owed>,
    /// Every reply the payload asks for (`owed` starts again from it on a retry).
    all_owed: VecDeque<Owed>,
    /// The first error line the target answered with (AUTH's or SELECT's count for all).
    target_error: Option<String>,
    auth_or_select_failed: bool,
    deleted: Vec<Vec<u8>>,
    buf: Vec<u8>,
    connected: bool,
    deadline_us: u64,
    retried: bool,
}

impl Server {
    /// Starts the MIGRATE of `caller`: asks for the connection; the reply comes when the
    /// target has answered.
    pub(crate) fn start_migration(&mut self, caller: ClientId, req: Request) {
        let (sent, payload, owed) = self.migration_payload(&req);
        let link = self.new_link_id();
        let deadline_us = self.clock.mono_us().saturating_add(req.timeout_us);
        self.push_output(Output::Connect {
            client: link,
            host: req.host.clone(),
            port: req.port,
        });
        self.migration = Some(Migration {
            caller,
            req,
            link,
            sent,
            payload,
            all_owed: owed.clone(),
            owed,
            target_error: None,
            auth_or_select_failed: false,
            deleted: Vec::new(),
            buf: Vec::new(),
            connected: false,
            deadline_us,
            retried: false,
        });
    }

    /// AUTH, SELECT and a RESTORE per key still alive, with the TTL left (at least 1 ms).
    fn migration_payload(&mut self, req: &Request) -> (Vec<Vec<u8>>, Vec<u8>, VecDeque<Owed>) {
        let mut payload = Vec::new();
        let mut owed = VecDeque::new();
        if let Some((user, password)) = &req.auth {
            let mut argv = vec![b"AUTH".to_vec()];
            argv.extend(user.clone());
            argv.push(password.clone());
            payload.extend(encode_command(&argv));
            owed.push_back(Owed::Auth);
        }
        let select = [b"SELECT".to_vec(), req.target_db.to_string().into_bytes()];
        payload.extend(encode_command(&select));
        owed.push_back(Owed::Select);
        let now = self.clock.unix_ms();
        let mut sent = Vec::new();
        for key in &req.keys {
            let ttl = match self.dbs[req.db].expire_at(key) {
                Some(at) if at < now => continue,
                Some(at) => (at - now).max(1),
                None => 0,
            };
            let Some(value) = self.dbs[req.db].get(key) else {
                continue;
            };
            let dump = crate::rdb::dump::dump(value, self.cfg.rdbcompression);
            let mut argv = vec![b"RESTORE".to_vec(), key.clone(), ttl.to_string().into_bytes(), dump];
            if req.replace {
                argv.push(b"REPLACE".to_vec());
            }
            payload.extend(encode_command(&argv));
            owed.push_back(Owed::Restore(sent.len()));
            sent.push(key.clone());
        }
        (sent, payload, owed)
    }

    pub(crate) fn migrating(&self) -> bool {
        self.migration.is_some()
    }

    /// Whether `event` is about the migration's connection.
    pub(crate) fn is_migration_event(&self, event: &Event) -> bool {
        let Some(link) = self.migration.as_ref().map(|m| m.link) else {
            return false;
        };
        match event {
            Event::Outbound { client, .. } | Event::Data { client, .. } | Event::Disconnected { client } => {
                *client == link
            }
            Event::Tick => true,
            _ => false,
        }
    }

    pub(crate) fn migration_deadline_us(&self) -> Option<u64> {
        self.migration.as_ref().map(|m| m.deadline_us)
    }

    /// The connection opened (or not), bytes from the target, the connection's end, or a
    /// tick that may be the timeout.
    pub(crate) fn on_migration_event(&mut self, event: Event) {
        let now = self.clock.mono_us();
        let Some(m) = self.migration.as_mut() else { return };
        match event {
            Event::Outbound { result: Err(_), .. } => self.end_migration(Some(IOERR_CONNECT)),
            Event::Outbound { result: Ok(()), .. } => {
                m.connected = true;
                m.deadline_us = now.saturating_add(m.req.timeout_us);
                let data = m.payload.clone();
                let client = m.link;
                self.push_output(Output::Send { client, data });
            }
            Event::Data { bytes, .. } => {
                m.deadline_us = now.saturating_add(m.req.timeout_us);
                m.buf.extend_from_slice(&bytes);
                self.read_migration_replies();
            }
            Event::Disconnected { .. } => self.migration_socket_error(false),
            Event::Tick if now >= m.deadline_us => self.migration_socket_error(true),
            _ => {}
        }
    }

    /// Takes the target's reply lines as they complete: a RESTORE accepted deletes its key
    /// here (unless COPY), at once, as Redis does.
    fn read_migration_replies(&mut self) {
        loop {
            let Some(m) = self.migration.as_mut() else { return };
            let Some(&owed) = m.owed.front() else { break };
            let Some(end) = m.buf.iter().position(|&b| b == b'\n') else {
                return;
            };
            let line: Vec<u8> = m.buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line)
                .trim_end_matches(['\r', '\n'])
                .to_string();
            m.owed.pop_front();
            let failed = line.starts_with('-');
            if failed && m.target_error.is_none() {
                m.target_error = Some(line[1..].to_string());
            }
            match owed {
                Owed::Auth | Owed::Select => m.auth_or_select_failed |= failed,
                Owed::Restore(i) => {
                    if !failed && !m.auth_or_select_failed && !m.req.copy {
                        let (db, key) = (m.req.db, m.sent[i].clone());
                        m.deleted.push(key.clone());
                        self.delete_migrated(db, &key);
                    }
                }
            }
        }
        let error = self.migration.as_ref().and_then(|m| m.target_error.clone());
        let reply = error.map(|e| format!("ERR Target instance replied with error: {e}"));
        self.end_migration(reply.as_deref());
    }

    fn delete_migrated(&mut self, db: usize, key: &[u8]) {
        if self.dbs[db].remove(key) {
            self.signal_modified_key(db, key);
            self.notify(crate::notify::class::GENERIC, "del", key, db);
            self.repl.dirty += 1;
        }
    }

    /// The connection broke or timed out. Before any RESTORE was answered (and not on a
    /// timeout), Redis tries once more on a new connection.
    fn migration_socket_error(&mut self, timed_out: bool) {
        let now = self.clock.mono_us();
        let Some(m) = self.migration.as_mut() else { return };
        let restore_answered = m.owed.len() < m.all_owed.iter().filter(|o| matches!(o, Owed::Restore(_))).count();
        if !timed_out && !m.retried && !restore_answered && m.target_error.is_none() {
            m.retried = true;
            m.connected = false;
            m.buf.clear();
            m.owed = m.all_owed.clone();
            m.auth_or_select_failed = false;
            m.deadline_us = now.saturating_add(m.req.timeout_us);
            let (old, host, port) = (m.link, m.req.host.clone(), m.req.port);
            let link = self.new_link_id();
            if let Some(m) = self.migration.as_mut() {
                m.link = link;
            }
            self.push_output(Output::Abort { client: old });
            self.push_output(Output::Connect {
                client: link,
                host,
                port,
            });
            return;
        }
        // An error the target already answered is the reply (Redis' error_from_target).
        if let Some(e) = m.target_error.clone() {
            return self.end_migration(Some(&format!("ERR Target instance replied with error: {e}")));
        }
        let msg = if m.connected { IOERR_READ } else { IOERR_CONNECT };
        self.end_migration(Some(msg));
    }

    /// Answers the caller (`error`, or +OK), closes the connection, propagates the keys
    /// deleted as DEL, and lets the server go on.
    fn end_migration(&mut self, error: Option<&str>) {
        let Some(m) = self.migration.take() else { return };
        self.push_output(Output::Close { client: m.link });
        if !m.deleted.is_empty() {
            let mut argv = vec![b"DEL".to_vec()];
            argv.extend(m.deleted.iter().cloned());
            self.repl.also(m.req.db, argv);
            // The caller's WAIT counts the DEL it caused.
            let before = self.repl.offset;
            self.propagate_pending(false);
            self.note_write_offset(m.caller, before);
        }
        if let Some(c) = self.clients.get_mut(&m.caller) {
            match error {
                Some(e) => c.reply.error(e),
                None => c.reply.ok(),
            }
            self.mark_dirty(m.caller);
        }
    }
}

const IOERR_CONNECT: &str = "IOERR error or timeout connecting to the client";
const IOERR_READ: &str = "IOERR error or timeout reading to target instance";
