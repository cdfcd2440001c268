//! The command table as data, and dispatch: lookup, arity and auth checks, reply modes. The same
//! table answers `COMMAND`, `COMMAND INFO|DOCS|LIST|GETKEYS|COUNT`.

pub mod meta;
pub(crate) mod table;

use crate::client::{Client, ClientId, ReplyMode};
use crate::notify::class::GENERIC;
use crate::notify::OwnPushes;
use crate::resp::Reply;
use crate::server::Server;

pub use table::all as all_commands;

/// Command flags, as `COMMAND INFO` names them.
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const ASKING: u32 = 1 << 11;
    pub const FAST: u32 = 1 << 12;
    pub const NO_AUTH: u32 = 1 << 13;
    pub const MAY_REPLICATE: u32 = 1 << 14;
    pub const SENTINEL: u32 = 1 << 15;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 16;
    pub const PROTECTED: u32 = 1 << 17;
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;
    pub const NO_MULTI: u32 = 1 << 19;
    pub const MOVABLE_KEYS: u32 = 1 << 20;
    pub const ALLOW_BUSY: u32 = 1 << 21;

    /// Names in the order Redis lists them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        // MAY_REPLICATE is hidden, as Redis 7.0 hides it.
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories, in Redis' order.
pub mod acl {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const READ: u32 = 1 << 1;
    pub const WRITE: u32 = 1 << 2;
    pub const SET: u32 = 1 << 3;
    pub const SORTEDSET: u32 = 1 << 4;
    pub const LIST: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const STRING: u32 = 1 << 7;
    pub const BITMAP: u32 = 1 << 8;
    pub const HYPERLOGLOG: u32 = 1 << 9;
    pub const GEO: u32 = 1 << 10;
    pub const STREAM: u32 = 1 << 11;
    pub const PUBSUB: u32 = 1 << 12;
    pub const ADMIN: u32 = 1 << 13;
    pub const FAST: u32 = 1 << 14;
    pub const SLOW: u32 = 1 << 15;
    pub const BLOCKING: u32 = 1 << 16;
    pub const DANGEROUS: u32 = 1 << 17;
    pub const CONNECTION: u32 = 1 << 18;
    pub const TRANSACTION: u32 = 1 << 19;
    pub const SCRIPTING: u32 = 1 << 20;

    pub const NAMES: &[&str] = &[
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];
}

/// What a command handler gets: the server, who is calling, the arguments, and where to reply.
pub(crate) struct Ctx<'a> {
    pub srv: &'a mut Server,
    pub id: ClientId,
    pub args: &'a [Vec<u8>],
    pub out: &'a mut Reply,
}

impl Ctx<'_> {
    /// The calling client. It stays in the table while its command runs (closing it only marks
    /// it), so the lookup cannot fail.
    pub fn client(&mut self) -> &mut Client {
        self.srv
            .clients
            .get_mut(&self.id)
            .expect("the running client is never removed mid-command")
    }

    /// Counts `n` changes to the dataset (Redis' `server.dirty += n`): a command that counted
    /// any is propagated to replicas (and later the AOF).
    pub fn dirty(&mut self, n: u64) {
        self.srv.repl.dirty += n;
    }

    /// `n` changes to `key` (none: nothing happened): counted, and signalled to its watchers.
    pub fn changed(&mut self, key: &[u8], n: u64) {
        if n > 0 {
            self.dirty(n);
            self.modified(key);
        }
    }

    /// `key` of the selected database was modified (Redis' signalModifiedKey): clients that
    /// WATCH it will see their EXEC fail.
    pub fn modified(&mut self, key: &[u8]) {
        let db = self.db();
        self.srv.signal_modified_key(db, key);
        self.take_stray_pushes();
    }

    /// FLUSHDB/FLUSHALL emptied data: every tracking client is told (Redis'
    /// trackingInvalidateKeysOnFlush from signalFlushedDb).
    pub fn tracking_flushed(&mut self) {
        self.srv.tracking_invalidate_on_flush();
        self.take_stray_pushes();
    }

    /// Moves pushes that landed in the calling client's idle reply buffer (an invalidation
    /// redirected to it) into the reply being written, where Redis would have put them.
    pub fn take_stray_pushes(&mut self) {
        if self.srv.scripting.run.is_some() {
            // A script's commands reply into a buffer the script reads: what lands for the
            // caller waits in its own buffer until the script is done.
            return;
        }
        move_stray_pushes(self.srv, self.id, self.out);
    }

    /// Publishes the keyspace event `event` (of `class`, see `crate::notify::class`) on `key`
    /// of the selected database, as Redis' notifyKeyspaceEvent. Call it where Redis does,
    /// relative to the reply: the caller's own copy (if it listens) lands here in its reply.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.db();
        self.notify_in(db, class, event, key);
    }

    /// [`Ctx::notify`] for a key of database `db` (MOVE, COPY ... DB).
    pub fn notify_in(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        if !self.wants(class) {
            return;
        }
        // Messages raised earlier (lazy expiry, key misses) go first, at their own place.
        self.raising_here(|srv| srv.notify(class, event, key, db));
    }

    /// Stores `value` under `key` of the selected database (Redis' setKey: the TTL goes unless
    /// `keep_ttl`; a new key is dbAdd's, with its "new" event). The caller did the write lookup
    /// (lazy expiry) already. SET ... GET and GETSET replied before: what this raises for a
    /// caller that listens goes after that reply.
    pub fn set_value(&mut self, key: &[u8], value: crate::value::Value, keep_ttl: bool) {
        let db = self.db();
        self.raising_here(|srv| srv.set_key(db, key, value, keep_ttl));
    }

    /// Runs `f`, placing what it raises for a caller that listens at the current end of the
    /// reply (and what was raised before, at its own place).
    pub fn raising_here<R>(&mut self, f: impl FnOnce(&mut Server) -> R) -> R {
        let id = self.id;
        if let Some(own) = self.srv.own_pushes.as_mut().filter(|o| o.id == id) {
            own.place(self.out);
        }
        let r = f(self.srv);
        if let Some(own) = self.srv.own_pushes.as_mut().filter(|o| o.id == id) {
            own.append(self.out);
        }
        r
    }

    /// Notifies `event` on `key`, then `del` if that removal left the key deleted (a
    /// collection emptied: Redis' "hdel"/"srem"/"lpop"... followed by "del").
    pub fn notify_removal(&mut self, class: u32, event: &str, key: &[u8]) {
        self.notify(class, event, key);
        let db = self.db();
        if self.wants(GENERIC) && !self.srv.dbs[db].contains(key) {
            self.notify(GENERIC, "del", key);
        }
    }

    /// Whether events of `class` are published at all (notify-keyspace-events).
    fn wants(&self, class: u32) -> bool {
        self.srv.cfg.notify_keyspace_events & class != 0
    }

    /// The running command goes to replicas as `argv` instead of as sent (Redis'
    /// rewriteClientCommandVector), e.g. relative expiry times as absolute ones.
    pub fn propagate_as(&mut self, argv: Vec<Vec<u8>>) {
        self.srv.repl.rewrite(argv);
    }

    /// The index of the calling client's selected database.
    pub fn db(&mut self) -> usize {
        self.client().db
    }

    /// Parses argument `i` as an integer, or replies Redis' error and returns `None`.
    pub fn int_arg(&mut self, i: usize) -> Option<i64> {
        let v = crate::resp::parse_i64(&self.args[i]);
        if v.is_none() {
            self.out.err("value is not an integer or out of range");
        }
        v
    }

    /// Parses argument `i` as a C int (Redis' getIntFromObjectOrReply); on failure replies
    /// `msg` if given, else Redis' own range or integer error.
    pub fn i32_arg(&mut self, i: usize, msg: Option<&str>) -> Option<i32> {
        let parsed = crate::resp::parse_i64(&self.args[i]);
        match parsed.map(i32::try_from) {
            Some(Ok(v)) => return Some(v),
            _ if msg.is_some() => self.out.err(msg.unwrap_or_default()),
            Some(Err(_)) => self
                .out
                .err("value is out of range, value must between -2147483648 and 2147483647"),
            None => self.out.err("value is not an integer or out of range"),
        }
        None
    }

    /// A database index argument that must exist (SELECT, MOVE, COPY DB).
    pub fn db_index_arg(&mut self, i: usize) -> Option<usize> {
        let idx = self.i32_arg(i, None)?;
        if idx < 0 || idx as usize >= self.srv.dbs.len() {
            self.out.err("DB index is out of range");
            return None;
        }
        Some(idx as usize)
    }

    pub fn wrong_type(&mut self) {
        self.out.error(crate::keyspace::WRONGTYPE);
    }

    /// The error for a bad expire time, naming the running command as Redis does.
    pub fn invalid_expire(&mut self) {
        let name = self.client().last_cmd;
        self.out.err(&format!("invalid expire time in '{name}' command"));
    }

    pub fn arg_str(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.args[i]).into_owned()
    }

    pub fn syntax_error(&mut self) {
        self.out.err("syntax error");
    }
}

pub(crate) type Handler = fn(&mut Ctx);

/// One command or subcommand.
pub struct CommandSpec {
    /// Lowercase; subcommands are `container|sub`.
    pub name: &'static str,
    /// Redis' arity: N exactly, -N at least N.
    pub arity: i32,
    pub flags: u32,
    pub acl: u32,
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    /// Key-spec flags (`RW`, `access`, ...), when the command takes keys.
    pub key_flags: &'static [&'static str],
    /// The key spec's `notes`, when Redis documents one.
    pub key_notes: &'static str,
    pub tips: &'static [&'static str],
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    pub(crate) handler: Handler,
    pub subcommands: &'static [CommandSpec],
    /// Redis' getkeys_proc, for commands whose key specs cannot tell the keys' flags
    /// (`variable_flags`): the key positions with their flags.
    pub getkeys: Option<GetKeys>,
}

/// Key positions and their flags, computed from a command's arguments.
pub type GetKeys = fn(&[Vec<u8>]) -> Vec<(usize, &'static [&'static str])>;

/// Redis' genericGetKeys, the getkeys procedure of commands that name how many keys follow
/// (`SINTERCARD numkeys key ...`, `ZUNIONSTORE dest numkeys key ...`): it reads the count with
/// C's atoi, so it still finds keys when the key spec gives up on a count like "1.5x". The
/// destination (`STORE` > 0) comes last; no key flags.
pub fn keynum_keys<const STORE: usize, const COUNT: usize, const FIRST: usize, const STEP: usize>(
    args: &[Vec<u8>],
) -> Vec<(usize, &'static [&'static str])> {
    let num = args.get(COUNT).map_or(0, |a| c_atoi(a));
    if num < 1 || num as usize > args.len().saturating_sub(FIRST) / STEP {
        return Vec::new();
    }
    let mut keys: Vec<(usize, &'static [&'static str])> =
        (0..num as usize).map(|i| (FIRST + i * STEP, &[][..])).collect();
    if STORE > 0 {
        keys.push((STORE, &[]));
    }
    keys
}

/// C's atoi: leading spaces, a sign, then digits up to the first other byte; 0 if none.
/// atoi returns an int: what does not fit wraps as it would on x86-64.
pub(crate) fn c_atoi(b: &[u8]) -> i64 {
    i64::from(c_atoll(b) as i32)
}

/// C's atoll, the same reading into 64 bits (wrapping where glibc's would be undefined).
pub(crate) fn c_atoll(b: &[u8]) -> i64 {
    let t: &[u8] = {
        let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
        &b[start..]
    };
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n = digits
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |n, c| n.wrapping_mul(10).wrapping_add(i64::from(c - b'0')));
    if neg {
        n.wrapping_neg()
    } else {
        n
    }
}

impl CommandSpec {
    /// ACL categories including the ones Redis derives from the flags.
    pub fn acl_categories(&self) -> u32 {
        let mut c = self.acl;
        if self.flags & flags::WRITE != 0 {
            c |= acl::WRITE;
        }
        if self.flags & flags::READONLY != 0 && c & acl::SCRIPTING == 0 {
            c |= acl::READ;
        }
        if self.flags & flags::ADMIN != 0 {
            c |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.flags & flags::PUBSUB != 0 {
            c |= acl::PUBSUB;
        }
        if self.flags & flags::FAST != 0 {
            c |= acl::FAST;
        }
        if self.flags & flags::BLOCKING != 0 {
            c |= acl::BLOCKING;
        }
        if c & acl::FAST == 0 {
            c |= acl::SLOW;
        }
        c
    }

    /// Key positions in `args` per first/last/step.
    pub fn key_positions(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 {
            return Vec::new();
        }
        let last = if self.last_key < 0 {
            argc as i32 + self.last_key
        } else {
            self.last_key
        };
        let mut keys = Vec::new();
        let mut i = self.first_key;
        while i <= last && (i as usize) < argc {
            keys.push(i as usize);
            i += self.step.max(1);
        }
        keys
    }

    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    pub fn is_container(&self) -> bool {
        !self.subcommands.is_empty()
    }
}

/// FNV-1a for command names: the table's keys are fixed at build time, so no input can crowd
/// a bucket and the keyed SipHash the keyspace needs would only cost time on every command.
#[derive(Default, Clone, Copy)]
pub struct NameHasher(u64);

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type NameState = std::hash::BuildHasherDefault<NameHasher>;

/// Name lookup over every command table.
pub struct CommandTable {
    by_name: hashbrown::HashMap<Vec<u8>, &'static CommandSpec, NameState>,
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

impl CommandTable {
    pub fn new() -> CommandTable {
        let mut by_name = hashbrown::HashMap::with_hasher(NameState::default());
        for c in all_commands() {
            by_name.insert(c.name.as_bytes().to_vec(), c);
        }
        CommandTable { by_name }
    }

    /// The top-level command named `name`, any case.
    pub fn get(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        let mut buf = [0u8; 32];
        if name.len() > buf.len() {
            return None;
        }
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        self.by_name.get(&lower[..]).copied()
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// The subcommand `sub` of `container`, any case.
pub fn find_subcommand(container: &'static CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
    container.subcommands.iter().find(|s| {
        let short = s.name.rsplit('|').next().unwrap_or(s.name);
        short.as_bytes().eq_ignore_ascii_case(sub)
    })
}

/// Resolves `args` to a command or subcommand: Redis' `lookupCommand`.
pub fn lookup(table: &CommandTable, args: &[Vec<u8>]) -> Lookup {
    let Some(cmd) = table.get(&args[0]) else {
        return Lookup::Unknown;
    };
    if !cmd.is_container() || args.len() < 2 {
        return Lookup::Found(cmd);
    }
    match find_subcommand(cmd, &args[1]) {
        Some(sub) => Lookup::Found(sub),
        None => Lookup::UnknownSubcommand(cmd),
    }
}

pub enum Lookup {
    Found(&'static CommandSpec),
    Unknown,
    UnknownSubcommand(&'static CommandSpec),
}

/// Redis' unknown-command error: the name and up to 128 bytes of quoted arguments, as raw
/// bytes (Redis does not re-encode what the client sent).
pub fn unknown_command_error(args: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for a in &args[1..] {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        list.push(b'\'');
        list.extend_from_slice(c_str(a, room));
        list.extend_from_slice(b"' ");
    }
    let mut msg = b"ERR unknown command '".to_vec();
    msg.extend_from_slice(c_str(&args[0], 128));
    msg.extend_from_slice(b"', with args beginning with: ");
    msg.extend_from_slice(&list);
    msg
}

/// Redis' unknown-subcommand error, e.g. `ERR unknown subcommand 'x'. Try CLIENT HELP.`
fn unknown_subcommand_error(container: &CommandSpec, sub: &[u8]) -> Vec<u8> {
    let mut msg = b"ERR unknown subcommand '".to_vec();
    msg.extend_from_slice(c_str(sub, 128));
    msg.extend_from_slice(format!("'. Try {} HELP.", container.name.to_ascii_uppercase()).as_bytes());
    msg
}

/// `b` as C's `%.Ns` prints it: cut at the first NUL and at `max` bytes.
pub(crate) fn c_str(b: &[u8], max: usize) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len()).min(max);
    &b[..end]
}

/// Runs one command for `id`: Redis' `processCommand` + `call`.
pub(crate) fn execute(srv: &mut Server, id: ClientId, args: &[Vec<u8>]) {
    let Some(client) = srv.clients.get_mut(&id) else {
        return;
    };
    if client.reply_mode == ReplyMode::SkipNext {
        client.reply_mode = ReplyMode::Skipping;
    }
    let muted_before = matches!(client.reply_mode, ReplyMode::Off | ReplyMode::Skipping);
    // A replica gets no replies, nor does the master whose stream this server applies.
    let replica_before = client.replica || client.master;
    // Before the command, as Redis' processCommand: what this evicts reaches its own client
    // ahead of the reply.
    srv.tracking_limit_keys();
    // Clients over maxmemory-clients go before the command (it may be this one).
    srv.evict_clients();
    let Some(client) = srv.clients.get_mut(&id) else {
        return;
    };
    // The buffer stays behind with the client's protocol, for what others push meanwhile.
    let resp3 = client.reply.resp3;
    let mut out = std::mem::replace(&mut client.reply, Reply::new(resp3));
    let mark = out.buf.len();
    let outer = srv.tracking.current.replace(id);
    let offset_before = srv.repl.offset;

    call(srv, id, args, &mut out);

    // SCAN and RANDOMKEY may expire arbitrary keys: their DELs go out unwrapped, as Redis
    // treats commands flagged CMD_TOUCHES_ARBITRARY_KEYS.
    let wrap = !(args[0].eq_ignore_ascii_case(b"scan") || args[0].eq_ignore_ascii_case(b"randomkey"));
    // A script between two slices ends its command later (scripting::slices), and what
    // runs meanwhile must not send its effects out half-way.
    let script_away = srv.script_suspended();
    let Some(client) = srv.clients.get_mut(&id) else {
        if !script_away {
            srv.propagate_pending(wrap);
            srv.tracking_send_pending();
        }
        srv.tracking.current = outer;
        return;
    };
    let stray = std::mem::take(&mut client.reply.buf);
    if replica_before {
        out.buf.truncate(mark);
    }
    if muted_before && client.reply_mode != ReplyMode::On {
        out.silence_since(mark);
    }
    out.pushed.clear();
    if client.drop_replies {
        // Redis frees such a client before writing anything it produced in this read.
        out.buf.clear();
    }
    if client.reply_mode == ReplyMode::Skipping {
        client.reply_mode = ReplyMode::On;
    }
    out.buf.extend_from_slice(&stray);
    client.reply = out;
    end_caching(client, args);
    // The top-level command is done: what it (and, for EXEC, its commands) changed goes out,
    // then the invalidations held back for this client (Redis' afterCommand).
    if !script_away {
        srv.propagate_pending(wrap);
        srv.tracking_send_pending();
    }
    srv.note_write_offset(id, offset_before);
    srv.tracking.current = outer;
}

/// CLIENT CACHING covers the next command, or the next transaction (Redis' resetClient).
fn end_caching(client: &mut Client, args: &[Vec<u8>]) {
    if client.multi.is_none() && !args[0].eq_ignore_ascii_case(b"client") {
        if let Some(t) = client.tracking.as_mut() {
            t.caching = false;
        }
    }
}

/// One command of EXEC's queue: run and recorded for propagation like a command of its own,
/// but sent out only when EXEC ends (Redis' nested call()).
pub(crate) fn call_nested(srv: &mut Server, id: ClientId, args: &[Vec<u8>], out: &mut Reply) {
    call(srv, id, args, out);
}

/// Redis' call(): runs the command and records it for propagation if it changed the dataset.
/// EXEC is never propagated itself: its commands are, wrapped in MULTI/EXEC when several.
fn call(srv: &mut Server, id: ClientId, args: &[Vec<u8>], out: &mut Reply) {
    let dirty_before = srv.repl.dirty;
    srv.repl.begin_command();
    // Keyspace notifications for a caller that listens wait for their place in `out`
    // (crate::notify); EXEC's commands each place their own, inside EXEC's reply.
    let mut outer = srv.own_pushes.take();
    if let Some(o) = outer.as_mut() {
        o.place(out);
    }
    if srv.clients.get(&id).is_some_and(|c| c.subs.any()) {
        srv.own_pushes = Some(OwnPushes::new(id, out));
    }
    let ran = dispatch(srv, id, args, out);
    if let Some(mut own) = std::mem::replace(&mut srv.own_pushes, outer) {
        own.place(out);
    }
    if let Some(outer) = srv.own_pushes.as_mut() {
        outer.resume_at_end(out);
    }
    after_call(srv, id, args, out, ran, dirty_before, true);
}

/// A command a script runs (`redis.call`): Redis' scriptCall → call() for the script
/// client. The checks were the script's; what it raises for the caller waits in the caller's
/// buffer (`out` is parsed for the script), and `targets` is what `redis.set_repl` chose.
pub(crate) fn call_from_script(
    srv: &mut Server,
    id: ClientId,
    cmd: &'static CommandSpec,
    args: &[Vec<u8>],
    out: &mut Reply,
    targets: u8,
) {
    let dirty_before = srv.repl.dirty;
    srv.repl.begin_command();
    let saved = srv.own_pushes.take();
    run_handler(srv, id, cmd, args, out);
    srv.own_pushes = saved;
    srv.repl.limit_targets(targets);
    after_call(srv, id, args, out, Some(cmd), dirty_before, false);
}

/// What call() does once the command ran: propagation, client-side caching, MONITOR.
fn after_call(
    srv: &mut Server,
    id: ClientId,
    args: &[Vec<u8>],
    out: &mut Reply,
    ran: Option<&'static CommandSpec>,
    dirty_before: u64,
    top: bool,
) {
    let Some(db) = srv.clients.get(&id).map(|c| c.db) else {
        return;
    };
    if !args[0].eq_ignore_ascii_case(b"exec") {
        srv.repl.end_command(db, args, dirty_before);
    }
    if let Some(cmd) = ran.filter(|c| c.flags & flags::READONLY != 0) {
        // A script's reads cache the keys its EVAL declared (Redis' script_caller); the
        // read-only EVAL forms themselves remember nothing.
        match srv.scripting.run.as_ref() {
            Some(run) if !top => {
                let (eval, eval_args) = (run.cmd, run.args.clone());
                remember_keys(srv, id, eval, &eval_args);
            }
            _ if crate::cmd::scripting::is_read_only_form(cmd) => {}
            _ => remember_keys(srv, id, cmd, args),
        }
    }
    // Monitors see what ran, as sent, except the commands too sensitive to show; a served
    // blocked client's command runs again, which they already saw.
    let shown = ran.is_some_and(|c| c.flags & (flags::SKIP_MONITOR | flags::ADMIN) == 0);
    if shown && !srv.monitors.is_empty() && !srv.blocking.serving {
        srv.feed_monitors(id, db, args, out);
    }
}

/// Refuses the command before it runs; inside MULTI that also dooms the transaction. A refused
/// EXEC aborts the transaction at once, quoting why (Redis' execCommandAbort).
fn reject(
    srv: &mut Server,
    id: ClientId,
    out: &mut Reply,
    msg: &[u8],
    cmd: Option<&CommandSpec>,
) -> Option<&'static CommandSpec> {
    let is_exec = cmd.is_some_and(|c| c.name == "exec");
    let Some(c) = srv.clients.get_mut(&id) else {
        out.error_bytes(msg);
        return None;
    };
    if c.multi.is_some() {
        c.multi_error = true;
    }
    if !is_exec {
        out.error_bytes(msg);
        return None;
    }
    c.multi = None;
    c.multi_error = false;
    c.dirty_cas = false;
    srv.unwatch_all(id);
    let why = msg.strip_prefix(b"ERR ").unwrap_or(msg);
    let mut text = b"EXECABORT Transaction discarded because of: ".to_vec();
    text.extend_from_slice(why);
    out.error_format_bytes(&text);
    None
}

/// Whether Redis refuses `cmd` when memory stays above maxmemory: commands flagged denyoom,
/// anything queued inside MULTI (queueing itself uses memory), and an EXEC with such a command.
fn may_grow_memory(srv: &Server, id: ClientId, cmd: &CommandSpec, cmd_flags: u32) -> bool {
    let Some(c) = srv.clients.get(&id) else { return false };
    match &c.multi {
        Some(_) if cmd.name == "exec" => queued_flags(srv, id, cmd).iter().any(|f| f & flags::DENYOOM != 0),
        Some(_) => !crate::cmd::transactions::runs_inside_multi(cmd.name),
        None => cmd_flags & flags::DENYOOM != 0,
    }
}

/// Whether `cmd` writes, counting EXEC of a transaction that queued a write (Redis'
/// is_write_command).
fn is_write(srv: &Server, id: ClientId, cmd: &CommandSpec, cmd_flags: u32) -> bool {
    queued_flags(srv, id, cmd).iter().any(|f| f & flags::WRITE != 0) || cmd_flags & flags::WRITE != 0
}

/// Whether `cmd` may write or replicate, counting EXEC of a transaction that queued such a
/// command (Redis' is_may_replicate_command).
fn may_replicate(srv: &Server, id: ClientId, cmd: &CommandSpec, cmd_flags: u32) -> bool {
    let mask = flags::WRITE | flags::MAY_REPLICATE;
    cmd_flags & mask != 0 || queued_flags(srv, id, cmd).iter().any(|f| f & mask != 0)
}

/// Whether `cmd` must wait for the dataset to load: it lacks the `loading` flag, or it is an
/// EXEC of a command that does (Redis' is_denyloading_command).
fn denied_while_loading(srv: &Server, id: ClientId, cmd: &CommandSpec) -> bool {
    cmd.flags & flags::LOADING == 0 || queued_flags(srv, id, cmd).iter().any(|f| f & flags::LOADING == 0)
}

/// For EXEC: the flags of the commands its transaction queued.
fn queued_flags(srv: &Server, id: ClientId, cmd: &CommandSpec) -> Vec<u32> {
    if cmd.name != "exec" {
        return Vec::new();
    }
    let Some(queued) = srv.clients.get(&id).and_then(|c| c.multi.as_ref()) else {
        return Vec::new();
    };
    queued
        .iter()
        .filter_map(|args| match lookup(&srv.commands, args) {
            Lookup::Found(q) => Some(crate::cmd::scripting::effective_flags(srv, q, args)),
            _ => None,
        })
        .collect()
}

/// Runs the command unless it is refused or queued; returns it if its handler ran.
fn dispatch(srv: &mut Server, id: ClientId, args: &[Vec<u8>], out: &mut Reply) -> Option<&'static CommandSpec> {
    let name = c_str(&args[0], usize::MAX);
    if name.eq_ignore_ascii_case(b"post") || name.eq_ignore_ascii_case(b"host:") {
        srv.refuse_http(id);
        return None;
    }
    let cmd = match lookup(&srv.commands, args) {
        Lookup::Found(cmd) => cmd,
        Lookup::Unknown => return reject(srv, id, out, &unknown_command_error(args), None),
        Lookup::UnknownSubcommand(container) => {
            return reject(srv, id, out, &unknown_subcommand_error(container, &args[1]), None)
        }
    };
    if !cmd.arity_ok(args.len()) {
        let msg = format!("ERR wrong number of arguments for '{}' command", cmd.name);
        return reject(srv, id, out, msg.as_bytes(), Some(cmd));
    }
    let client = srv.clients.get_mut(&id)?;
    if cmd.flags & flags::PROTECTED != 0 {
        // enable-debug-command: 0 no, 1 yes, 2 local (loopback clients only).
        let allowed = match srv.cfg.enable_debug_command {
            1 => true,
            2 => client.conn.loopback,
            _ => false,
        };
        if !allowed {
            return reject(srv, id, out, b"ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.", Some(cmd));
        }
    }
    if !client.authenticated && cmd.flags & flags::NO_AUTH == 0 {
        return reject(srv, id, out, b"NOAUTH Authentication required.", Some(cmd));
    }
    // EXEC's commands are not checked again (Redis checks in processCommand, when queueing):
    // a RESP2 transaction that subscribes runs the commands queued after the SUBSCRIBE.
    let in_exec = client.deny_blocking;
    let obey = client.master;
    if client.subs.any() && !out.resp3 && !in_exec && !crate::cmd::pubsub::allowed_when_subscribed(cmd.name) {
        let msg = format!("ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", cmd.name);
        return reject(srv, id, out, msg.as_bytes(), Some(cmd));
    }
    if client.multi.is_some() && cmd.flags & flags::NO_MULTI != 0 {
        return reject(srv, id, out, b"ERR Command not allowed inside a transaction", Some(cmd));
    }
    // Redis' processCommand evicts before every command (EXEC's own commands do not pass
    // there); only those that may grow memory are refused when that was not enough.
    // A script's declared flags stand for the script command's own (Redis' getCommandFlags).
    let cmd_flags = crate::cmd::scripting::effective_flags(srv, cmd, args);
    // The master's stream is applied whatever this replica's own state (mustObeyClient).
    if obey {
        return run_queued_or_handler(srv, id, cmd, args, out);
    }
    // Nothing is evicted while a script is busy (Redis' isInsideYieldingLongCommand).
    let busy = srv.script_suspended();
    if srv.cfg.maxmemory > 0
        && !in_exec
        && !busy
        && !evict_before(srv, id, out)
        && may_grow_memory(srv, id, cmd, cmd_flags)
    {
        return reject(
            srv,
            id,
            out,
            b"OOM command not allowed when used memory > 'maxmemory'.",
            Some(cmd),
        );
    }
    if let Some(msg) = srv
        .disk_error_message()
        .filter(|_| is_write(srv, id, cmd, cmd_flags) || cmd.name == "ping")
    {
        return reject(srv, id, out, &msg, Some(cmd));
    }
    if is_write(srv, id, cmd, cmd_flags) && !srv.enough_good_replicas() {
        return reject(
            srv,
            id,
            out,
            b"NOREPLICAS Not enough good replicas to write.",
            Some(cmd),
        );
    }
    if let Some(msg) = replica_refusal(srv, id, cmd, cmd_flags).filter(|_| !in_exec) {
        return reject(srv, id, out, msg, Some(cmd));
    }
    if srv.persist.loading && denied_while_loading(srv, id, cmd) {
        return reject(srv, id, out, crate::persist::load::LOADING, Some(cmd));
    }
    if srv.script_timed_out() && cmd.flags & flags::ALLOW_BUSY == 0 {
        let msg = srv.busy_error();
        return reject(srv, id, out, msg.as_bytes(), Some(cmd));
    }
    // CLIENT PAUSE: the client waits, its command to run again once the pause is over.
    if !in_exec && srv.must_postpone(id, may_replicate(srv, id, cmd, cmd_flags)) {
        let db = srv.clients.get(&id).map_or(0, |c| c.db);
        srv.block(id, db, args.to_vec(), 0..0, 0, crate::pause::POSTPONED);
        return None;
    }
    run_queued_or_handler(srv, id, cmd, args, out)
}

/// A replica's refusals: writes while it is read-only (READONLY), and commands that need
/// fresh data while its master link is down and replica-serve-stale-data is no (MASTERDOWN).
fn replica_refusal(srv: &Server, id: ClientId, cmd: &CommandSpec, cmd_flags: u32) -> Option<&'static [u8]> {
    if !srv.is_replica() {
        return None;
    }
    if srv.cfg.replica_read_only && is_write(srv, id, cmd, cmd_flags) {
        return Some(b"READONLY You can't write against a read only replica.");
    }
    let stale_ok = cmd_flags & flags::STALE != 0 && queued_flags(srv, id, cmd).iter().all(|f| f & flags::STALE != 0);
    if srv.replica.state != crate::replica::LinkState::Connected && !srv.cfg.replica_serve_stale_data && !stale_ok {
        return Some(b"MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    }
    None
}

/// Past every check: queues the command inside MULTI, else runs it.
fn run_queued_or_handler(
    srv: &mut Server,
    id: ClientId,
    cmd: &'static CommandSpec,
    args: &[Vec<u8>],
    out: &mut Reply,
) -> Option<&'static CommandSpec> {
    let client = srv.clients.get_mut(&id)?;
    if client.multi.is_some() && !crate::cmd::transactions::runs_inside_multi(cmd.name) {
        // Once doomed, Redis stops keeping what is queued.
        if !client.multi_error && !client.dirty_cas {
            client.multi.get_or_insert_with(Vec::new).push(args.to_vec());
        }
        out.simple("QUEUED");
        return None;
    }
    run_handler(srv, id, cmd, args, out);
    Some(cmd)
}

/// Redis' performEvictions ahead of a command: what it says to the calling client (the
/// invalidation of a key it tracked) goes ahead of the reply, as Redis writes it at once.
fn evict_before(srv: &mut Server, id: ClientId, out: &mut Reply) -> bool {
    let ok = srv.perform_evictions();
    // Redis' pre_command_oom_state, which a script started by this command checks.
    srv.oom_before_command = !ok;
    move_stray_pushes(srv, id, out);
    ok
}

/// Moves pushes that landed in `id`'s idle reply buffer while its command holds the reply
/// (`out`) to the current end of `out`, where Redis would have written them.
pub(crate) fn move_stray_pushes(srv: &mut Server, id: ClientId, out: &mut Reply) {
    if let Some(c) = srv.clients.get_mut(&id) {
        if !c.reply.buf.is_empty() {
            let stray = std::mem::take(&mut c.reply.buf);
            out.pushing(|o| o.buf.extend_from_slice(&stray));
        }
    }
}

/// Runs `cmd`'s handler for `id`, past every check.
fn run_handler(srv: &mut Server, id: ClientId, cmd: &'static CommandSpec, args: &[Vec<u8>], out: &mut Reply) {
    let Some(client) = srv.clients.get_mut(&id) else { return };
    client.last_cmd = cmd.name;
    // CLIENT NO-TOUCH spares access times, except for TOUCH itself (Redis 7.2).
    let no_touch = client.no_touch && cmd.name != "touch";
    srv.no_touch = no_touch;
    srv.stats.commands_processed += 1;
    let mut ctx = Ctx { srv, id, args, out };
    ctx.srv.tracking.in_call += 1;
    (cmd.handler)(&mut ctx);
    ctx.srv.tracking.in_call -= 1;
}

/// A read-only command's keys, for a tracking client (Redis' call() → trackingRememberKeys).
/// Shard channels look like keys but are not cached data.
fn remember_keys(srv: &mut Server, id: ClientId, cmd: &CommandSpec, args: &[Vec<u8>]) {
    let tracking = srv.clients.get(&id).is_some_and(|c| c.tracking.is_some());
    if !tracking || cmd.flags & flags::PUBSUB != 0 {
        return;
    }
    let positions = crate::cmd::command::keys_with_flags(cmd, args).unwrap_or_default();
    let keys = positions
        .into_iter()
        .filter_map(|(i, _)| args.get(i).cloned())
        .collect();
    srv.remember_keys(id, keys);
}
