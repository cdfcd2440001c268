//! Differential testing: the same seeded random command streams go to a real `redis-server`
//! 7.0 (the oracle) and to `ferrous` (the subject); their raw reply bytes must be identical,
//! except where [`RANDOMNESS`] documents why they cannot be.
//!
//! - [`families`]: the generator registry — add a row to cover a new command.
//! - [`pubsub`]: the pub/sub stream, with its own driver (several connections that receive
//!   pushes); it runs after each seed's command stream, and `FERROUS_DIFF_FAMILIES=pubsub`
//!   selects it alone.
//! - [`resp`]: the raw RESP2/RESP3 client that reads exactly one reply as bytes.
//! - [`server`]: starting both servers on free ports; dropping a `Server` kills it.
//!
//! Environment knobs (all optional), for reproducing and exploring:
//! - `FERROUS_DIFF_SEEDS`: `7`, `1..=20`, `1..100` or `3,5,9`;
//! - `FERROUS_DIFF_COMMANDS`: commands per seed;
//! - `FERROUS_DIFF_FAMILIES`: comma-separated family names to run alone;
//! - `FERROUS_DIFF_KNOWN=1`: also run the families listed in [`KNOWN_DIFFERENCES`];
//! - `FERROUS_DIFF_REPL=0`: do not compare what each command propagates to replicas and how
//!   much it moves the dirty counter (compared by default, see [`repl`]);
//! - `FERROUS_DIFF_NOTIFY=0`: do not compare the keyspace notifications each command publishes
//!   (compared by default, every class enabled, see [`notify`]);
//! - `FERROUS_DIFF_REDIS_SERVER`: another redis-server binary.

#![allow(dead_code)]

pub mod families;
pub mod notify;
pub mod pubsub;
pub mod repl;
pub mod resp;
pub mod server;

use std::collections::VecDeque;
use std::fmt;

pub use families::{Family, Keys, Rng, FAMILIES};
pub use resp::{command_text, escape_short, Conn, Outcome, Reply};
pub use server::Server;

/// How a reply that legitimately differs between two servers is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mask {
    /// Never generated (the harness fails a generator that produces it).
    NotGenerated,
    /// HELLO: the value after `id` is replaced before comparing.
    HelloId,
    /// A positive integer reply is replaced by `<positive>`; -1, -2 and errors compare exactly.
    PositiveInt,
    /// Any integer reply is replaced by `<int>` (a count of seconds that may tick over between
    /// the two servers); errors and nulls compare exactly.
    AnyInt,
    /// Only the RESP type tree and aggregate lengths compare; errors compare exactly.
    Shape,
    /// A top-level array or set compares as a multiset (sorted before comparing).
    Unordered,
    /// SORT: Redis 7.0 tests `errno == ERANGE` after strtod without clearing errno first, so a
    /// stale ERANGE left by any earlier strtod in the process (a ZADD score of 1e-400, say)
    /// makes it refuse good numbers. When the oracle answers that error and the subject sorts,
    /// they count as equal; everything else compares byte for byte.
    StaleErrno,
    /// A HELP reply: the same header and closing lines, and every line the subject prints is
    /// one the oracle prints, in the same order (ferrous lists only what it implements).
    HelpSubset,
    /// A DUMP payload compares byte for byte, except that of a plain set (RDB type 2: Redis'
    /// hashtable, ferrous' hashtable or listpack), which compares by its members as a multiset
    /// (both payloads read with ferrous' RDB decoder), and that of a hash in hashtable encoding
    /// (type 4), which compares by type and length only. Lists (their quicklist nodes) and
    /// sorted sets (a skiplist is written in score order, greatest first) compare byte for
    /// byte.
    HashTableOrder,
    /// A SCAN-like reply `[cursor, [elements]]`: the elements compare as a multiset.
    ScanUnordered,
    /// OBJECT ENCODING, byte for byte but for the one deliberate difference: ferrous keeps a
    /// small set of strings in Redis 7.2's `listpack` encoding (named by the collections
    /// issue) where Redis 7.0 has a `hashtable`. The subject's `listpack` against the oracle's
    /// `hashtable` counts as equal only when the key is, on the subject, a set within the
    /// default listpack limits ([`small_set_on`]: at most 128 members of at most 64 bytes);
    /// inside EXEC, also when a later command of the transaction names the key (its state
    /// when OBJECT ENCODING ran cannot be looked at any more).
    SetListpack,
}

pub struct Exclusion {
    /// Lower-case command name, or `container|subcommand`.
    pub command: &'static str,
    pub mask: Mask,
    pub reason: &'static str,
}

const fn ex(command: &'static str, mask: Mask, reason: &'static str) -> Exclusion {
    Exclusion { command, mask, reason }
}

/// The one place that says which replies may differ and why. Everything else compares byte
/// for byte.
pub static RANDOMNESS: &[Exclusion] = &[
    ex(
        "client|id",
        Mask::NotGenerated,
        "connection ids count every connection a server has seen",
    ),
    ex(
        "client|list",
        Mask::NotGenerated,
        "ids, addresses, ports, ages, idle times, buffer sizes",
    ),
    ex(
        "client|info",
        Mask::NotGenerated,
        "the CLIENT LIST line of this connection",
    ),
    ex(
        "client|kill",
        Mask::NotGenerated,
        "takes addresses and ids, which differ per server",
    ),
    ex(
        "client|reply",
        Mask::NotGenerated,
        "OFF/SKIP suppress replies; the harness reads exactly one reply per command",
    ),
    ex("hello", Mask::HelloId, "the reply carries the connection id"),
    ex(
        "info",
        Mask::NotGenerated,
        "uptime, memory, pids, ports, run id, counters",
    ),
    ex("time", Mask::NotGenerated, "the clocks"),
    ex("lastsave", Mask::NotGenerated, "the clocks"),
    ex("randomkey", Mask::NotGenerated, "random by definition"),
    ex(
        "spop",
        Mask::Shape,
        "random members: the reply's kind and length only (the spop-random family keeps the sets it leaves apart)",
    ),
    ex(
        "srandmember",
        Mask::Shape,
        "random members: the reply's kind and length only",
    ),
    ex(
        "smembers",
        Mask::Unordered,
        "a hashtable-encoded set replies in each server's hash table order",
    ),
    ex(
        "sinter",
        Mask::Unordered,
        "a hashtable-encoded set replies in each server's hash table order",
    ),
    ex(
        "sunion",
        Mask::Unordered,
        "a hashtable-encoded result replies in each server's hash table order",
    ),
    ex(
        "sdiff",
        Mask::Unordered,
        "a hashtable-encoded result replies in each server's hash table order",
    ),
    ex(
        "sscan",
        Mask::ScanUnordered,
        "a hashtable-encoded set scans in each server's hash table order (generated only as one whole scan)",
    ),
    ex(
        "hrandfield",
        Mask::Shape,
        "random picks: the reply's shape and size compare (errors exactly)",
    ),
    ex(
        "zrandmember",
        Mask::Shape,
        "random picks: the reply's shape and size compare (errors exactly)",
    ),
    ex(
        "zscan",
        Mask::ScanUnordered,
        "a skiplist-encoded sorted set scans its dict in each server's hash table order (sets stay small: one whole scan)",
    ),
    ex(
        "scan",
        Mask::NotGenerated,
        "cursor order follows each server's hash function",
    ),
    ex("keys", Mask::Unordered, "order follows each server's hash table"),
    ex(
        "dump",
        Mask::HashTableOrder,
        "a hashtable-encoded set or hash serializes in each server's hash table order (and a small set of strings is ferrous' listpack, also written as RDB type 2)",
    ),
    ex(
        "object|encoding",
        Mask::SetListpack,
        "ferrous has Redis 7.2's listpack encoding of small sets, where Redis 7.0 answers hashtable",
    ),
    ex(
        "ttl",
        Mask::PositiveInt,
        "time left depends on when each server ran the command",
    ),
    ex(
        "pttl",
        Mask::PositiveInt,
        "time left depends on when each server ran the command",
    ),
    ex(
        "expiretime",
        Mask::PositiveInt,
        "now + relative expiry, taken at each server's own now",
    ),
    ex(
        "pexpiretime",
        Mask::PositiveInt,
        "now + relative expiry, taken at each server's own now",
    ),
    ex(
        "object|idletime",
        Mask::AnyInt,
        "depends on when each server last touched the key",
    ),
    ex(
        "config|get",
        Mask::Shape,
        "ports, paths and other values differ by construction",
    ),
    ex(
        "command",
        Mask::NotGenerated,
        "lists all commands: ferrous implements a subset",
    ),
    ex(
        "command|count",
        Mask::NotGenerated,
        "counts all commands: ferrous implements a subset",
    ),
    ex(
        "command|list",
        Mask::NotGenerated,
        "lists all commands: ferrous implements a subset",
    ),
    ex("shutdown", Mask::NotGenerated, "stops the server"),
    ex(
        "sort",
        Mask::StaleErrno,
        "Redis reads a stale errno after strtod: it may refuse good numbers",
    ),
    ex(
        "sort_ro",
        Mask::StaleErrno,
        "Redis reads a stale errno after strtod: it may refuse good numbers",
    ),
    ex(
        "client|help",
        Mask::HelpSubset,
        "ferrous lists only the subcommands it implements",
    ),
    ex(
        "config|help",
        Mask::HelpSubset,
        "ferrous lists only the subcommands it implements",
    ),
    ex("debug", Mask::NotGenerated, "internals: addresses, encodings, sleeps"),
    ex("memory", Mask::NotGenerated, "allocator-specific sizes"),
];

/// The exclusion that applies to a command, if any (`container|sub` first, then the name). Where
/// a container has rows of its own subcommands (`command|count`), its bare row (`command`)
/// covers only the container called without a subcommand.
pub fn exclusion_for(args: &[Vec<u8>]) -> Option<&'static Exclusion> {
    let name = String::from_utf8_lossy(args.first()?).to_ascii_lowercase();
    if name.contains('|') {
        return None; // `client|id` typed as a name is an unknown command
    }
    if let Some(sub) = args.get(1) {
        let full = format!("{name}|{}", String::from_utf8_lossy(sub).to_ascii_lowercase());
        if let Some(e) = RANDOMNESS.iter().find(|e| e.command == full) {
            return Some(e);
        }
        let prefix = format!("{name}|");
        if RANDOMNESS.iter().any(|e| e.command.starts_with(&prefix)) {
            return None;
        }
    }
    RANDOMNESS.iter().find(|e| e.command == name)
}

/// Families whose replies differ from redis-server today, kept out of the default run so CI
/// stays green. Each entry is a real difference to fix: remove the entry with the fix
/// (`FERROUS_DIFF_KNOWN=1` runs them anyway).
pub static KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// What to run, from the environment (see the module docs) or the given defaults.
#[derive(Clone, Debug)]
pub struct Settings {
    pub seeds: Vec<u64>,
    pub commands: usize,
    /// Connections per stream and server; each command goes to one picked at random.
    pub connections: usize,
    pub only: Option<Vec<String>>,
    pub include_known: bool,
    /// Compare propagation (replication stream and dirty counter) after every command.
    pub watch_repl: bool,
    /// Compare keyspace notifications after every command.
    pub watch_notify: bool,
}

impl Settings {
    pub fn from_env(seeds: std::ops::RangeInclusive<u64>, commands: usize) -> Settings {
        let seeds = match std::env::var("FERROUS_DIFF_SEEDS") {
            Ok(s) => {
                parse_seeds(&s).unwrap_or_else(|| panic!("FERROUS_DIFF_SEEDS={s}: want 7, 1..=20, 1..20 or 3,5,9"))
            }
            Err(_) => seeds.collect(),
        };
        let commands = std::env::var("FERROUS_DIFF_COMMANDS")
            .ok()
            .map(|s| s.parse().expect("FERROUS_DIFF_COMMANDS must be a number"))
            .unwrap_or(commands);
        let only = std::env::var("FERROUS_DIFF_FAMILIES").ok().map(|s| {
            s.split(',')
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect()
        });
        let include_known = std::env::var("FERROUS_DIFF_KNOWN").is_ok_and(|v| v != "0");
        let watch_repl = std::env::var("FERROUS_DIFF_REPL").map_or(true, |v| v != "0");
        let watch_notify = std::env::var("FERROUS_DIFF_NOTIFY").map_or(true, |v| v != "0");
        Settings {
            seeds,
            commands,
            connections: 2,
            only,
            include_known,
            watch_repl,
            watch_notify,
        }
    }
}

fn parse_seeds(s: &str) -> Option<Vec<u64>> {
    let s = s.trim();
    if let Some((a, b)) = s.split_once("..=") {
        return Some((a.trim().parse().ok()?..=b.trim().parse().ok()?).collect());
    }
    if let Some((a, b)) = s.split_once("..") {
        return Some((a.trim().parse().ok()?..b.trim().parse().ok()?).collect());
    }
    s.split(',').map(|x| x.trim().parse().ok()).collect()
}

/// True if a redis-server can be run. Without one: skip with a clear note, unless `CI` is set,
/// where the differential test must run.
pub fn oracle_available() -> bool {
    match server::redis_server_version() {
        Some(v) => {
            if !v.contains("v=7.0.") {
                eprintln!("differential: warning: the oracle should be Redis 7.0.x, found: {v}");
            }
            true
        }
        None if std::env::var("CI").is_ok() => {
            panic!("redis-server not installed, but CI is set: the differential test must run in CI (apt-get install redis-server)")
        }
        None => {
            eprintln!("redis-server not installed: differential test skipped (CI installs it)");
            false
        }
    }
}

/// One command of a stream, kept for the context of a report.
#[derive(Clone)]
struct Sent {
    index: usize,
    conn: usize,
    family: &'static str,
    args: Vec<Vec<u8>>,
    oracle: Outcome,
}

/// A command queued inside MULTI, with the mask EXEC's reply applies to its element.
type Queued = (Option<Mask>, Vec<Vec<u8>>);

/// Where a connection stands, tracked from the oracle's replies: for reports, and inside MULTI
/// the commands queued with their masks, which EXEC's reply applies element by element.
#[derive(Clone, Default)]
struct ConnState {
    resp3: bool,
    db: u64,
    queued: Option<Vec<Queued>>,
}

/// The first difference of one seed's stream.
pub struct Mismatch {
    pub seed: u64,
    /// 0-based index in the stream (`None`: during set-up or clean-up).
    pub index: Option<usize>,
    pub family: &'static str,
    pub conn: usize,
    pub conn_state: String,
    pub command: Vec<Vec<u8>>,
    pub oracle_name: String,
    pub subject_name: String,
    pub oracle: Outcome,
    pub subject: Outcome,
    pub mask: Option<(Mask, &'static str)>,
    pub context: Vec<String>,
    pub note: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match self.index {
            Some(i) => format!("command #{i}"),
            None => "set-up".to_string(),
        };
        writeln!(
            f,
            "MISMATCH seed {} {at} (family {}, connection {} {})",
            self.seed, self.family, self.conn, self.conn_state
        )?;
        writeln!(f, "  command : {}", command_text(&self.command))?;
        writeln!(f, "  {:<8}: {}", self.oracle_name, self.oracle.describe())?;
        writeln!(f, "  {:<8}: {}", self.subject_name, self.subject.describe())?;
        if let (Outcome::Reply(a), Outcome::Reply(b)) = (&self.oracle, &self.subject) {
            let at = a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
            writeln!(f, "  first differing byte at offset {at}")?;
        }
        if let Some((mask, reason)) = self.mask {
            writeln!(f, "  compared with mask {mask:?} ({reason})")?;
        }
        if !self.note.is_empty() {
            writeln!(f, "  {}", self.note)?;
        }
        if self.context.is_empty() {
            writeln!(f, "  (no preceding commands in this stream)")?;
        } else {
            writeln!(
                f,
                "  preceding commands [connection] command -> {} reply:",
                self.oracle_name
            )?;
            for line in &self.context {
                writeln!(f, "    {line}")?;
            }
        }
        write!(
            f,
            "  replay: FERROUS_DIFF_SEEDS={} cargo test -p ferrous-io-real --test differential -- --nocapture",
            self.seed
        )
    }
}

/// Counts of one seed's run.
#[derive(Default, Debug)]
pub struct SeedStats {
    pub commands: usize,
    pub errors: usize,
    /// Keyspace notifications compared (the oracle's count).
    pub notifications: usize,
    /// Replies and messages the pub/sub stream's connections received, barriers aside (the
    /// oracle's count).
    pub pubsub_frames: usize,
}

/// Two servers, the enabled families, and the generator context.
pub struct Harness {
    pub oracle: Server,
    pub subject: Server,
    pub families: Vec<&'static Family>,
    /// Run the pub/sub stream ([`pubsub`]) after each seed's command stream.
    pub pubsub: bool,
    /// Families not run, with why.
    pub skipped: Vec<(&'static str, String)>,
    pub keys: Keys,
    subject_flushall: bool,
    connections: usize,
    watch_repl: bool,
    watch_notify: bool,
}

fn names(reply: &[u8]) -> Vec<Option<Reply>> {
    match Reply::parse(reply) {
        Ok(Reply::Agg(_, Some(items))) => items
            .into_iter()
            .map(|i| match i {
                Reply::Agg(_, None) | Reply::Blob(_, None) | Reply::Line(b'_', _) => None,
                other => Some(other),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `COMMAND INFO` of each name on one server: whether it has it, and whether it is a container.
fn command_info(conn: &mut Conn, names_: &[String]) -> Vec<Option<bool>> {
    if names_.is_empty() {
        return Vec::new();
    }
    let mut args: Vec<Vec<u8>> = vec![b"COMMAND".to_vec(), b"INFO".to_vec()];
    args.extend(names_.iter().map(|n| n.as_bytes().to_vec()));
    let Outcome::Reply(r) = conn.call(&args) else {
        return vec![None; names_.len()];
    };
    let mut out: Vec<Option<bool>> = names(&r)
        .into_iter()
        .map(|e| {
            e.map(|e| {
                e.items()
                    .and_then(|i| i.get(9))
                    .and_then(Reply::items)
                    .is_some_and(|s| !s.is_empty())
            })
        })
        .collect();
    out.resize(names_.len(), None);
    out
}

impl Harness {
    /// ferrous against redis-server: families gated on what ferrous has, known differences out.
    pub fn ferrous_vs_redis(settings: &Settings) -> Harness {
        Harness::new(Server::redis("redis-server"), Server::ferrous(), settings, false)
    }

    /// Two redis-servers: checks that the families and masks are deterministic, so a mismatch
    /// against ferrous is ferrous' and not the generator's.
    pub fn redis_vs_redis(settings: &Settings) -> Harness {
        Harness::new(Server::redis("redis-server"), Server::redis("redis-2"), settings, true)
    }

    pub fn new(oracle: Server, subject: Server, settings: &Settings, all_known: bool) -> Harness {
        let mut admin = Conn::connect(subject.port).expect("connect to the subject");
        let mut required: Vec<String> = FAMILIES
            .iter()
            .flat_map(|f| f.requires.iter().map(|s| s.to_string()))
            .chain(pubsub::REQUIRES.iter().map(|s| s.to_string()))
            .chain(["flushall".to_string()])
            .collect();
        required.sort();
        required.dedup();
        // A family runs only where both servers have its commands: ferrous has some of Redis
        // 7.2's (CLIENT NO-TOUCH, SETINFO) that the 7.0 oracle lacks.
        let mut oracle_admin = Conn::connect(oracle.port).expect("connect to the oracle");
        let in_oracle = command_info(&mut oracle_admin, &required);
        let has: Vec<bool> = command_info(&mut admin, &required)
            .iter()
            .zip(&in_oracle)
            .map(|(s, o)| s.is_some() && o.is_some())
            .collect();
        let present = |name: &str| required.iter().zip(&has).any(|(n, h)| n == name && *h);

        let mut families = Vec::new();
        let mut skipped = Vec::new();
        for f in FAMILIES {
            let missing: Vec<&str> = f.requires.iter().copied().filter(|r| !present(r)).collect();
            if let Some(only) = &settings.only {
                if !only.iter().any(|o| o == f.name) {
                    continue;
                }
            }
            if !missing.is_empty() {
                skipped.push((
                    f.name,
                    format!("{} or {} lacks {}", subject.name, oracle.name, missing.join(" ")),
                ));
                continue;
            }
            if !all_known && !settings.include_known {
                if let Some((_, why)) = KNOWN_DIFFERENCES.iter().find(|(n, _)| *n == f.name) {
                    skipped.push((f.name, format!("KNOWN_DIFFERENCES: {why}")));
                    continue;
                }
            }
            families.push(f);
        }
        let wants_pubsub = settings
            .only
            .as_ref()
            .is_none_or(|o| o.iter().any(|f| f == pubsub::NAME));
        let pubsub_missing: Vec<&str> = pubsub::REQUIRES.iter().copied().filter(|r| !present(r)).collect();
        if wants_pubsub && !pubsub_missing.is_empty() {
            skipped.push((
                pubsub::NAME,
                format!("{} or {} lacks {}", subject.name, oracle.name, pubsub_missing.join(" ")),
            ));
        }
        if let Some(only) = &settings.only {
            for o in only {
                assert!(
                    FAMILIES.iter().any(|f| f.name == o) || o == pubsub::NAME,
                    "FERROUS_DIFF_FAMILIES: no family {o}"
                );
            }
        }

        // Commands without subcommands that both have, for COMMAND INFO/DOCS/GETKEYS.
        let mut keys = Keys::standard();
        if let Outcome::Reply(list) = admin.call(&[b"COMMAND".to_vec(), b"LIST".to_vec()]) {
            let mut all: Vec<String> = names(&list)
                .into_iter()
                .flatten()
                .filter_map(|r| r.bytes().map(|b| String::from_utf8_lossy(b).to_ascii_lowercase()))
                .collect();
            all.sort();
            let in_subject = command_info(&mut admin, &all);
            let in_oracle = command_info(&mut oracle_admin, &all);
            keys.commands = all
                .into_iter()
                .zip(in_subject.into_iter().zip(in_oracle))
                .filter(|(name, (s, o))| {
                    *s == Some(false) && *o == Some(false) && exclusion_for(&[name.as_bytes().to_vec()]).is_none()
                })
                .map(|(name, _)| name)
                .collect();
        }
        Harness {
            subject_flushall: present("flushall"),
            pubsub: wants_pubsub && pubsub_missing.is_empty(),
            oracle,
            subject,
            families,
            skipped,
            keys,
            connections: settings.connections,
            watch_repl: settings.watch_repl,
            watch_notify: settings.watch_notify,
        }
    }

    /// A line per skipped family, for the test's output.
    pub fn describe_skipped(&self) -> String {
        let mut s = String::new();
        for (name, why) in &self.skipped {
            s.push_str(&format!("  skipped {name}: {why}\n"));
        }
        s
    }

    fn setup_mismatch(&self, seed: u64, what: &str, command: Vec<Vec<u8>>, a: Outcome, b: Outcome) -> Box<Mismatch> {
        Box::new(Mismatch {
            seed,
            index: None,
            family: "harness",
            conn: 0,
            conn_state: String::new(),
            command,
            oracle_name: self.oracle.name.clone(),
            subject_name: self.subject.name.clone(),
            oracle: a,
            subject: b,
            mask: None,
            context: Vec::new(),
            note: what.to_string(),
        })
    }

    /// Empties all 16 databases of both servers: FLUSHALL where the server has it, else DEL of
    /// the generator's key set in every database. Then checks every database is empty.
    pub fn clean(&mut self, seed: u64) -> Result<(), Box<Mismatch>> {
        let keys = self.keys.keys.clone();
        for (port, flushall) in [(self.oracle.port, true), (self.subject.port, self.subject_flushall)] {
            let mut c = Conn::connect(port).expect("connect for clean-up");
            if flushall {
                c.must(&[b"FLUSHALL"]);
                continue;
            }
            for db in 0..16 {
                c.must(&[b"SELECT", db.to_string().as_bytes()]);
                let mut del: Vec<&[u8]> = vec![b"DEL"];
                del.extend(
                    keys.iter()
                        .chain(&self.keys.random_sets)
                        .chain(&self.keys.lex_zsets)
                        .map(Vec::as_slice),
                );
                c.must(&del);
            }
        }
        let mut a = Conn::connect(self.oracle.port).expect("connect to the oracle");
        let mut b = Conn::connect(self.subject.port).expect("connect to the subject");
        for db in 0..16 {
            let select = vec![b"SELECT".to_vec(), db.to_string().into_bytes()];
            a.call(&select);
            b.call(&select);
            let dbsize = vec![b"DBSIZE".to_vec()];
            let (ra, rb) = (a.call(&dbsize), b.call(&dbsize));
            let zero = Outcome::Reply(b":0\r\n".to_vec());
            if ra != zero || rb != zero {
                let note = format!(
                    "clean-up left keys in db {db} (a generator used a key outside Keys::standard, or DEL/DBSIZE differ)"
                );
                return Err(self.setup_mismatch(seed, &note, dbsize, ra, rb));
            }
        }
        Ok(())
    }

    /// Runs one seed's stream: `commands` commands over the configured connections.
    pub fn run_seed(&mut self, seed: u64, commands: usize) -> Result<SeedStats, Box<Mismatch>> {
        self.clean(seed)?;
        let mut rng = Rng::new(seed);
        let n = self.connections.max(1);
        let connect = |port: u16| Conn::connect(port).expect("connect");
        let mut oracle: Vec<Conn> = (0..n).map(|_| connect(self.oracle.port)).collect();
        let mut subject: Vec<Conn> = (0..n).map(|_| connect(self.subject.port)).collect();
        let mut state = vec![ConnState::default(); n];
        let mut watch = if self.watch_repl {
            let attach = |port| repl::Observer::attach(port).expect("attach to the replication stream");
            Some((attach(self.oracle.port), attach(self.subject.port)))
        } else {
            None
        };
        let mut listen = if self.watch_notify {
            let attach = |port| notify::Listener::attach(port).expect("subscribe to keyspace notifications");
            Some((attach(self.oracle.port), attach(self.subject.port)))
        } else {
            None
        };
        let mut history: VecDeque<Sent> = VecDeque::with_capacity(11);
        let mut stats = SeedStats::default();
        let total: u64 = self.families.iter().map(|f| f.weight as u64).sum();
        assert!(total > 0, "no family to run");

        // Half the streams speak RESP3 from the start.
        let start_resp3 = rng.chance(50);
        let mut planned: Vec<(&'static Family, usize, Vec<Vec<u8>>)> = Vec::new();
        if start_resp3 {
            let hello = self.families.iter().copied().find(|f| f.name == "hello");
            for c in 0..n {
                if let Some(h) = hello {
                    planned.push((h, c, vec![b"HELLO".to_vec(), b"3".to_vec()]));
                }
            }
        }

        for index in 0..commands + planned.len() {
            let (family, ci, args) = if !planned.is_empty() {
                planned.remove(0)
            } else {
                let mut at = rng.u64() % total;
                let family = *self
                    .families
                    .iter()
                    .find(|f| {
                        let hit = at < f.weight as u64;
                        at = at.saturating_sub(f.weight as u64);
                        hit
                    })
                    .unwrap();
                let mut args = (family.gen)(&mut rng, &self.keys);
                if rng.chance(10) {
                    args[0] = rng.mixed_case(&args[0]);
                }
                (family, rng.below(n), args)
            };
            let excl = exclusion_for(&args);
            if let Some(e) = excl.filter(|e| e.mask == Mask::NotGenerated) {
                panic!(
                    "family {} generated {}, which RANDOMNESS excludes ({}): fix the generator",
                    family.name,
                    command_text(&args),
                    e.reason
                );
            }
            let _ = oracle[ci].send(&args);
            let _ = subject[ci].send(&args);
            let a = oracle[ci].read();
            let b = subject[ci].read();
            let mask = excl.map(|e| e.mask);
            let (subject_port, db) = (self.subject.port, state[ci].db);
            let (agree, random, sorts) = match &state[ci].queued {
                Some(queued) if args[0].eq_ignore_ascii_case(b"exec") => {
                    let has = |m: Mask| queued.iter().any(|(q, _)| *q == Some(m));
                    (
                        same_exec(&a, &b, queued, subject_port, db),
                        has(Mask::Shape),
                        has(Mask::StaleErrno),
                    )
                }
                _ => (
                    same(&a, &b, mask)
                        || (mask == Some(Mask::SetListpack) && set_listpack(&a, &b, &args, subject_port, db)),
                    mask == Some(Mask::Shape),
                    mask == Some(Mask::StaleErrno),
                ),
            };
            let mut diverged = (!agree).then(String::new);
            if diverged.is_none() {
                if let Some((wa, wb)) = watch.as_mut() {
                    diverged = propagation_difference(wa, wb, random);
                }
            }
            if diverged.is_none() {
                if let Some((la, lb)) = listen.as_mut() {
                    let how = if random {
                        notify::Compare::Channels
                    } else if sorts {
                        notify::Compare::Unordered
                    } else {
                        notify::Compare::Exact
                    };
                    diverged = match notification_difference(la, lb, how) {
                        Ok(n) => {
                            stats.notifications += n;
                            None
                        }
                        Err(d) => Some(d),
                    };
                }
            }
            if let Some(mut note) = diverged {
                if !self.subject.alive() {
                    note = format!(
                        "{} is no longer running; its log ends with:\n{}",
                        self.subject.name,
                        self.subject.log_tail(30)
                    );
                }
                let context = history
                    .iter()
                    .map(|s| {
                        format!(
                            "#{} [{}] {} ({}) -> {}",
                            s.index,
                            s.conn,
                            escape_short(command_text(&s.args).as_bytes(), 300).trim_matches('"'),
                            s.family,
                            escape_short(
                                match &s.oracle {
                                    Outcome::Reply(r) => r,
                                    _ => b"",
                                },
                                300
                            )
                        )
                    })
                    .collect();
                return Err(Box::new(Mismatch {
                    seed,
                    index: Some(index),
                    family: family.name,
                    conn: ci,
                    conn_state: format!(
                        "{}, db {}",
                        if state[ci].resp3 { "RESP3" } else { "RESP2" },
                        state[ci].db
                    ),
                    command: args,
                    oracle_name: self.oracle.name.clone(),
                    subject_name: self.subject.name.clone(),
                    oracle: a,
                    subject: b,
                    mask: excl.map(|e| (e.mask, e.reason)),
                    context,
                    note,
                }));
            }
            stats.commands += 1;
            if matches!(&a, Outcome::Reply(r) if r.starts_with(b"-")) {
                stats.errors += 1;
            }
            track(&mut state[ci], &args, &a);
            let closed = matches!(a, Outcome::Closed(_)) || is_quit(&args, &a);
            if closed {
                oracle[ci] = connect(self.oracle.port);
                subject[ci] = connect(self.subject.port);
                state[ci] = ConnState::default();
            }
            if history.len() == 10 {
                history.pop_front();
            }
            history.push_back(Sent {
                index,
                conn: ci,
                family: family.name,
                args,
                oracle: a,
            });
        }
        Ok(stats)
    }

    /// One seed: the command stream of the enabled families, then the pub/sub stream; the
    /// counts of both, or the first difference.
    pub fn run_streams(&mut self, seed: u64, commands: usize) -> Result<SeedStats, Box<Mismatch>> {
        let mut stats = if self.families.is_empty() {
            SeedStats::default()
        } else {
            self.run_seed(seed, commands)?
        };
        if self.pubsub {
            self.clean(seed)?;
            let stream = pubsub::Stream {
                seed,
                oracle: (&self.oracle.name, self.oracle.port),
                subject: (&self.subject.name, self.subject.port),
            };
            let s = stream.run(commands)?;
            stats.commands += s.commands;
            stats.errors += s.errors;
            stats.pubsub_frames += s.pubsub_frames;
        }
        Ok(stats)
    }

    /// Runs every seed, prints a line per seed, and panics with the reports of the failures.
    pub fn run_all(&mut self, settings: &Settings) {
        let started = std::time::Instant::now();
        let mut failures: Vec<Box<Mismatch>> = Vec::new();
        let mut total = SeedStats::default();
        for &seed in &settings.seeds {
            match self.run_streams(seed, settings.commands) {
                Ok(s) => {
                    total.commands += s.commands;
                    total.errors += s.errors;
                    total.notifications += s.notifications;
                    total.pubsub_frames += s.pubsub_frames;
                }
                Err(m) => {
                    eprintln!("seed {seed}: MISMATCH at {:?}", m.index);
                    failures.push(m);
                    if !self.subject.alive() {
                        eprintln!("{} died: stopping", self.subject.name);
                        break;
                    }
                }
            }
        }
        eprintln!(
            "differential {} vs {}: {} seeds, {} commands compared ({} error replies), {} keyspace notifications, {} pub/sub replies and messages, {} failing, {:.1?}",
            self.subject.name,
            self.oracle.name,
            settings.seeds.len(),
            total.commands,
            total.errors,
            total.notifications,
            total.pubsub_frames,
            failures.len(),
            started.elapsed()
        );
        if !failures.is_empty() {
            let seeds: Vec<String> = failures.iter().map(|m| m.seed.to_string()).collect();
            let reports: Vec<String> = failures.iter().take(3).map(|m| m.to_string()).collect();
            panic!(
                "{} of {} seeds differ (seeds {}); first reports:\n\n{}",
                failures.len(),
                settings.seeds.len(),
                seeds.join(","),
                reports.join("\n\n")
            );
        }
    }
}

fn is_quit(args: &[Vec<u8>], reply: &Outcome) -> bool {
    args[0].eq_ignore_ascii_case(b"quit") && *reply == Outcome::Reply(b"+OK\r\n".to_vec())
}

/// Follows protocol and database changes from the oracle's replies.
fn track(st: &mut ConnState, args: &[Vec<u8>], reply: &Outcome) {
    let Outcome::Reply(r) = reply else { return };
    let name = args[0].to_ascii_lowercase();
    if name.as_slice() == b"exec" {
        st.queued = None;
    }
    if r.as_slice() == b"+QUEUED\r\n" {
        if let Some(q) = st.queued.as_mut() {
            q.push((exclusion_for(args).map(|e| e.mask), args.to_vec()));
        }
        return;
    }
    if r.starts_with(b"-") {
        return;
    }
    match name.as_slice() {
        b"multi" => st.queued = Some(Vec::new()),
        b"discard" => st.queued = None,
        b"hello" => {
            if let Some(v) = args.get(1) {
                st.resp3 = v.as_slice() == b"3";
            }
        }
        b"select" => st.db = String::from_utf8_lossy(&args[1]).parse().unwrap_or(st.db),
        b"reset" => *st = ConnState::default(),
        _ => {}
    }
}

/// EXEC's reply: each element compared under the mask of the command it answers (`db` and the
/// subject's port for [`Mask::SetListpack`]'s look at a key).
fn same_exec(a: &Outcome, b: &Outcome, queued: &[Queued], subject_port: u16, db: u64) -> bool {
    let (Outcome::Reply(x), Outcome::Reply(y)) = (a, b) else {
        return a == b;
    };
    match (Reply::parse(x), Reply::parse(y)) {
        (Ok(Reply::Agg(b'*', Some(xs))), Ok(Reply::Agg(b'*', Some(ys)))) if xs.len() == queued.len() => {
            xs.len() == ys.len()
                && xs.iter().zip(&ys).enumerate().all(|(i, (p, q))| {
                    let (p, q) = (Outcome::Reply(p.encode()), Outcome::Reply(q.encode()));
                    let mask = &queued[i].0;
                    same(&p, &q, *mask)
                        || (*mask == Some(Mask::SetListpack)
                            && set_listpack_in_exec(&p, &q, queued, i, subject_port, db))
                })
        }
        _ => x == y,
    }
}

/// [`Mask::SetListpack`] for the `i`th command of a transaction: as outside one (in the
/// database the transaction's own SELECTs chose), or, since the key is looked at only after
/// EXEC, when a later command of the transaction names the key or switches, swaps or flushes
/// databases.
fn set_listpack_in_exec(a: &Outcome, b: &Outcome, queued: &[Queued], i: usize, subject_port: u16, db: u64) -> bool {
    let is = |args: &[Vec<u8>], names: &[&str]| names.iter().any(|n| args[0].eq_ignore_ascii_case(n.as_bytes()));
    let db = queued[..i]
        .iter()
        .rev()
        .find(|(_, args)| is(args, &["select"]))
        .and_then(|(_, args)| std::str::from_utf8(args.get(1)?).ok()?.parse().ok())
        .unwrap_or(db);
    let args = &queued[i].1;
    let Some(key) = args.get(2) else {
        return false;
    };
    let changed_later = queued[i + 1..]
        .iter()
        .any(|(_, later)| later[1..].contains(key) || is(later, &["select", "swapdb", "flushdb", "flushall"]));
    is_set_listpack_pair(a, b) && (changed_later || small_set_on(subject_port, db, key))
}

/// The oracle's `hashtable` against the subject's `listpack` (OBJECT ENCODING).
fn is_set_listpack_pair(a: &Outcome, b: &Outcome) -> bool {
    *a == Outcome::Reply(b"$9\r\nhashtable\r\n".to_vec()) && *b == Outcome::Reply(b"$8\r\nlistpack\r\n".to_vec())
}

/// [`Mask::SetListpack`]: `OBJECT ENCODING key` answered `hashtable` by the oracle and
/// `listpack` by the subject, whose `key` in `db` is a set within the listpack limits.
fn set_listpack(a: &Outcome, b: &Outcome, args: &[Vec<u8>], subject_port: u16, db: u64) -> bool {
    is_set_listpack_pair(a, b) && args.get(2).is_some_and(|key| small_set_on(subject_port, db, key))
}

/// Whether `key` in `db` on the server at `port` is a set of at most 128 members (Redis 7.2's
/// default `set-max-listpack-entries`) of at most 64 bytes (`set-max-listpack-value`). Looked
/// at on a connection of its own under CLIENT NO-TOUCH (the key's LRU/LFU stay as they were;
/// the subject has Redis 7.2's NO-TOUCH), with reads that neither notify nor propagate.
fn small_set_on(port: u16, db: u64, key: &[u8]) -> bool {
    let Ok(mut c) = Conn::connect(port) else {
        return false;
    };
    let mut call = |args: &[&[u8]]| c.call(&args.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
    let ok = Outcome::Reply(b"+OK\r\n".to_vec());
    if call(&[b"CLIENT", b"NO-TOUCH", b"ON"]) != ok || call(&[b"SELECT", db.to_string().as_bytes()]) != ok {
        return false;
    }
    if call(&[b"TYPE", key]) != Outcome::Reply(b"+set\r\n".to_vec()) {
        return false;
    }
    let Outcome::Reply(r) = call(&[b"SMEMBERS", key]) else {
        return false;
    };
    match Reply::parse(&r) {
        Ok(Reply::Agg(_, Some(items))) => {
            items.len() <= 128 && items.iter().all(|m| m.bytes().is_some_and(|b| b.len() <= 64))
        }
        _ => false,
    }
}

/// Whether the subject's outcome `b` matches the oracle's `a` under `mask`.
pub fn same(a: &Outcome, b: &Outcome, mask: Option<Mask>) -> bool {
    if mask == Some(Mask::HelpSubset) {
        if let (Outcome::Reply(x), Outcome::Reply(y)) = (a, b) {
            return help_subset(x, y);
        }
    }
    if mask == Some(Mask::StaleErrno) {
        if let (Outcome::Reply(x), Outcome::Reply(y)) = (a, b) {
            let stale = x.as_slice() == b"-ERR One or more scores can't be converted into double\r\n";
            if stale && (y.starts_with(b"*") || y.starts_with(b":")) {
                return true;
            }
        }
    }
    normalize(a, mask) == normalize(b, mask)
}

/// `sub`'s lines are a subsequence of `all`'s, with the same first line and last two lines.
fn help_subset(all: &[u8], sub: &[u8]) -> bool {
    let lines = |raw: &[u8]| -> Option<Vec<Vec<u8>>> {
        let Ok(Reply::Agg(b'*', Some(items))) = Reply::parse(raw) else {
            return None;
        };
        items
            .iter()
            .map(|i| match i {
                Reply::Line(b'+', l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    };
    let (Some(all), Some(mut sub)) = (lines(all), lines(sub)) else {
        return all == sub;
    };
    drop_newer_help(&mut sub);
    if sub.len() < 3 || all.first() != sub.first() || all[all.len() - 2..] != sub[sub.len() - 2..] {
        return false;
    }
    let mut rest = all.iter();
    sub.iter().all(|l| rest.any(|m| m == l))
}

/// Subcommands ferrous has from Redis 7.2 (named by its issues) that the 7.0 oracle's HELP
/// cannot list: their lines, and the indented lines under them, are not compared.
const NEWER_HELP_ENTRIES: &[&[u8]] = &[b"NO-TOUCH ", b"SETINFO "];

fn drop_newer_help(lines: &mut Vec<Vec<u8>>) {
    let mut skipping = false;
    lines.retain(|l| {
        if !l.starts_with(b" ") {
            skipping = NEWER_HELP_ENTRIES.iter().any(|e| l.starts_with(e));
        }
        !skipping
    });
}

/// The outcome as compared: masked per [`RANDOMNESS`].
pub fn normalize(o: &Outcome, mask: Option<Mask>) -> Outcome {
    let (Outcome::Reply(raw), Some(mask)) = (o, mask) else {
        return o.clone();
    };
    let Ok(reply) = Reply::parse(raw) else {
        return o.clone();
    };
    if reply.is_error() {
        return o.clone();
    }
    let masked = match (mask, reply) {
        (Mask::NotGenerated, r) => r,
        (Mask::HelloId, Reply::Agg(k, Some(mut items))) => {
            let mut i = 0;
            while i + 1 < items.len() {
                if items[i].bytes() == Some(b"id") {
                    items[i + 1] = Reply::Line(b':', b"<id>".to_vec());
                }
                i += 2;
            }
            Reply::Agg(k, Some(items))
        }
        (Mask::PositiveInt, Reply::Line(b':', n)) => {
            let positive = std::str::from_utf8(&n)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
                .is_some_and(|v| v > 0);
            Reply::Line(b':', if positive { b"<positive>".to_vec() } else { n })
        }
        (Mask::AnyInt, Reply::Line(b':', _)) => Reply::Line(b':', b"<int>".to_vec()),
        (Mask::Shape, r) => Reply::Line(b'+', format!("<shape {}>", r.shape()).into_bytes()),
        // A plain set (RDB type 2) lists its members in each server's hash order, or ferrous'
        // listpack order: its members compare as a multiset. Read with ferrous' decoder, the
        // same for both payloads; one it refuses falls through to type and length.
        (Mask::HashTableOrder, Reply::Blob(b'$', Some(p))) if p.first() == Some(&2) && set_members(&p).is_some() => {
            let members = set_members(&p).unwrap_or_default();
            Reply::Line(b'+', format!("<RDB set payload, members {members:?}>").into_bytes())
        }
        // A hashtable hash (RDB type 4) lists its fields in each server's hash order: only the
        // type and the length compare. Intsets (11) and listpacks (16) are compared byte for
        // byte.
        (Mask::HashTableOrder, Reply::Blob(b'$', Some(p))) if matches!(p.first(), Some(2 | 4)) => Reply::Line(
            b'+',
            format!("<RDB type {} payload, {} bytes>", p[0], p.len()).into_bytes(),
        ),
        // A stream (RDB type 19) carries delivery and seen times from each server's clock:
        // everything else compares, the nodes byte for byte.
        (Mask::HashTableOrder, Reply::Blob(b'$', Some(p))) if p.first() == Some(&19) => Reply::Line(
            b'+',
            stream_without_times(&p)
                .unwrap_or_else(|| format!("<unreadable stream payload, {} bytes>", p.len()))
                .into_bytes(),
        ),
        (Mask::ScanUnordered, Reply::Agg(k, Some(mut items))) if items.len() == 2 => {
            if let Reply::Agg(k2, Some(mut elems)) = items.pop().unwrap() {
                elems.sort_by_key(Reply::encode);
                items.push(Reply::Agg(k2, Some(elems)));
            }
            Reply::Agg(k, Some(items))
        }
        (Mask::Unordered, Reply::Agg(k, Some(mut items))) if k == b'*' || k == b'~' => {
            items.sort_by_key(Reply::encode);
            Reply::Agg(k, Some(items))
        }
        (_, r) => r,
    };
    Outcome::Reply(masked.encode())
}

/// A DUMP payload of a stream described without its times (delivery and seen times).
fn stream_without_times(payload: &[u8]) -> Option<String> {
    let Ok(ferrous_core::value::Value::Stream(s)) = ferrous_core::rdb::dump::load(payload) else {
        return None;
    };
    let nodes: Vec<_> = s.nodes().map(|(id, lp)| (*id, lp.as_bytes().to_vec())).collect();
    let groups: Vec<String> = s
        .groups
        .iter()
        .map(|(name, g)| {
            let pel: Vec<_> = g
                .pel
                .iter()
                .map(|(id, n)| (*id, n.consumer.clone(), n.delivery_count))
                .collect();
            let consumers: Vec<_> = g.consumers.iter().map(|(n, c)| (n.clone(), c.pel.clone())).collect();
            format!("{name:?} {:?} {} {pel:?} {consumers:?}", g.last_id, g.entries_read)
        })
        .collect();
    Some(format!(
        "<RDB stream payload: nodes {nodes:?} length {} last {:?} first {:?} maxdel {:?} added {} groups {groups:?}>",
        s.length, s.last_id, s.first_id, s.max_deleted_entry_id, s.entries_added
    ))
}

/// The members of a DUMP payload of a set, sorted, if ferrous' decoder reads it (whatever the
/// footer says: both payloads come from a server's DUMP).
fn set_members(payload: &[u8]) -> Option<Vec<String>> {
    match ferrous_core::rdb::dump::load(payload) {
        Ok(ferrous_core::value::Value::Set(s)) => {
            let mut v: Vec<String> = s
                .iter()
                .map(|m| String::from_utf8_lossy(&m.to_vec()).into_owned())
                .collect();
            v.sort();
            Some(v)
        }
        _ => None,
    }
}

/// The keyspace notifications the last command published on both servers: how many if they
/// agree (compared `how`), else a description (after a second look, for messages still on
/// the way).
fn notification_difference(
    a: &mut notify::Listener,
    b: &mut notify::Listener,
    how: notify::Compare,
) -> Result<usize, String> {
    let mut ma = a.take(false);
    let mut mb = b.take(false);
    if !notify::same_messages(&ma, &mb, how) {
        ma.extend(a.take(true));
        mb.extend(b.take(true));
    }
    if notify::same_messages(&ma, &mb, how) {
        return Ok(ma.len());
    }
    Err(format!(
        "the replies agree, but the keyspace notifications differ:\n  oracle published {}\n  subject published {}",
        notify::describe(&ma),
        notify::describe(&mb)
    ))
}

/// What the last command propagated and how far it moved the dirty counter, on both servers;
/// `Some(description)` if they differ (after a second look, for bytes still on the way).
/// `random`: the command picked elements at random (SPOP), so what it propagates compares by
/// shape only (the same commands with as many arguments).
fn propagation_difference(a: &mut repl::Observer, b: &mut repl::Observer, random: bool) -> Option<String> {
    let same = |x: &[Vec<Vec<u8>>], y: &[Vec<Vec<u8>>]| {
        if random {
            repl::same_shape(x, y)
        } else {
            repl::same_stream(x, y)
        }
    };
    let (mut sa, da) = a.take(false);
    let (mut sb, db) = b.take(false);
    if !same(&sa, &sb) {
        sa.extend(a.take(true).0);
        sb.extend(b.take(true).0);
    }
    if same(&sa, &sb) && da == db {
        return None;
    }
    Some(format!(
        "the replies agree, but what reached the replicas differs:\n  oracle propagated {} (dirty +{da})\n  subject propagated {} (dirty +{db})",
        repl::describe(&sa),
        repl::describe(&sb)
    ))
}
