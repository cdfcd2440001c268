//! The reference model: what Redis 7.0.15 answers to the commands the workload sends, derived
//! from Redis' behaviour (its source and documentation), not from ferrous' code. It is applied
//! to each event at the moment the simulator hands it to the server; since the server runs
//! commands atomically in that order, the model predicts every reply exactly, including those
//! of blocked clients (served by another client's push, or timed out by a tick of the clock).

mod blocking;
mod bpop;
mod connection;
mod errors;
mod events;
mod expire;
mod hashes;
mod keyspace;
mod lists;
mod multi;
mod pubsub;
mod score;
mod scripts;
mod sets;
mod strings;
mod zrange;
mod zset;
mod zsetops;
mod zsets;

use std::collections::BTreeMap;

use ferrous_core::{ClientId, Now};
use ferrous_io_sim::Value;

pub use blocking::BlockStats;
pub use errors::{arity_error, unknown_command_error};
pub use events::Owed;
pub use keyspace::Entry;
pub use multi::TxStats;
pub use pubsub::{glob_match, PubSubStats};

/// Redis' `databases` default.
pub const DATABASES: usize = 16;
/// The version the server claims (HELLO): the Redis it is compatible with.
pub const REDIS_VERSION: &str = "7.0.15";

/// What a client must receive for one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Reply(Value),
    /// TIME: the wall clock the server was handed when it ran the command. Sub-millisecond
    /// digits are the server's business, so any microsecond within that millisecond is right.
    TimeAt {
        unix_ms: u64,
    },
    /// DBSIZE while expired keys nobody touched may or may not have been reclaimed by the
    /// server's active expiry cycle: an integer in `lo..=hi`.
    IntBetween {
        lo: i64,
        hi: i64,
    },
    /// An array, set or map whose order Redis does not fix (a hashtable's): the same items in
    /// any order.
    Unordered(Value),
    /// An array whose items Redis leaves unspecified (ZRANGE BYLEX over members of different
    /// scores).
    AnyArray,
    /// An array whose items are each what its expectation says (EXEC's replies).
    Array(Vec<Expect>),
}

/// Per-connection state Redis keeps that changes replies.
#[derive(Clone, Debug, Default)]
struct Session {
    db: usize,
    resp3: bool,
    name: Vec<u8>,
    /// QUIT ran (the connection closes after its reply) or POST/Host: did (it closes without
    /// one): later commands are not run.
    closing: bool,
    tx: multi::Tx,
    subs: pubsub::Subs,
}

#[derive(Debug)]
pub struct Model {
    dbs: Vec<BTreeMap<Vec<u8>, Entry>>,
    sessions: BTreeMap<ClientId, Session>,
    /// Whether the server reclaims expired keys by itself (its active expiry cycle). Then an
    /// expired key nobody touched may be gone or not, so the wall clock must only move forward:
    /// a step back would bring such a key back to life in one and not in the other.
    active_expiry: bool,
    /// Keys a command found expired (and so deleted): shows the runs exercise expiry.
    pub expired_on_access: u64,
    blocking: blocking::Blocking,
    /// EXEC is running its queue: blocking commands answer at once (CLIENT_DENY_BLOCKING).
    deny_blocking: bool,
    watches: multi::Watches,
    /// Keys signalled since [`Model::watched_before`], while it checks a command.
    touched: Option<Vec<multi::Slot>>,
    tx_stats: TxStats,
    pubsub: pubsub::Registry,
    pubsub_stats: PubSubStats,
    /// Replies owed, in the order the server produces them, until taken.
    owed: Vec<Owed>,
}

impl Default for Model {
    fn default() -> Self {
        Model::new(false)
    }
}

/// One command being run: who runs it, its arguments and the time the server was given.
struct Call<'a> {
    id: ClientId,
    args: &'a [Vec<u8>],
    now: Now,
}

impl Model {
    pub fn new(active_expiry: bool) -> Model {
        Model {
            dbs: vec![BTreeMap::new(); DATABASES],
            sessions: BTreeMap::new(),
            active_expiry,
            expired_on_access: 0,
            blocking: blocking::Blocking::default(),
            deny_blocking: false,
            watches: multi::Watches::new(),
            touched: None,
            tx_stats: TxStats::default(),
            pubsub: pubsub::Registry::default(),
            pubsub_stats: PubSubStats::default(),
            owed: Vec::new(),
        }
    }

    pub fn connect(&mut self, id: ClientId) {
        self.sessions.insert(id, Session::default());
    }

    /// The server stops serving `id` (QUIT, a refused HTTP request): what it watched and
    /// subscribed to goes before anything else runs.
    fn close(&mut self, id: ClientId) {
        self.session(id).closing = true;
        self.unwatch_all(id);
        self.unsubscribe_all(id);
    }

    /// Whether `id` is connected and still has its commands run.
    pub fn is_serving(&self, id: ClientId) -> bool {
        self.sessions.get(&id).is_some_and(|s| !s.closing)
    }

    /// Keys stored in all databases, expired or not.
    pub fn key_count(&self) -> usize {
        self.dbs.iter().map(BTreeMap::len).sum()
    }

    /// How many keys database `db` may hold at `now_ms`: every stored key, less those expired
    /// that an active expiry cycle may have reclaimed.
    pub fn key_range(&self, db: usize, now_ms: u64) -> (usize, usize) {
        let stored = self.dbs[db].len();
        if !self.active_expiry {
            return (stored, stored);
        }
        let dead = self.dbs[db].values().filter(|e| e.is_dead(now_ms)).count();
        (stored - dead, stored)
    }

    /// [`Model::key_range`] over all databases.
    pub fn total_key_range(&self, now_ms: u64) -> (usize, usize) {
        (0..DATABASES)
            .map(|db| self.key_range(db, now_ms))
            .fold((0, 0), |(a, b), (lo, hi)| (a + lo, b + hi))
    }

    fn session(&mut self, id: ClientId) -> &mut Session {
        self.sessions
            .get_mut(&id)
            .expect("commands run only for connected sessions")
    }

    fn db(&mut self, id: ClientId) -> &mut BTreeMap<Vec<u8>, Entry> {
        let db = self.session(id).db;
        &mut self.dbs[db]
    }

    /// A key lookup as every Redis command does it: an expired key is deleted first.
    fn lookup(&mut self, c: &Call, key: &[u8]) -> Option<&mut Entry> {
        let db = self.session(c.id).db;
        if self.dbs[db].get(key).is_some_and(|e| e.is_dead(c.now.unix_ms)) {
            self.dbs[db].remove(key);
            self.expired_on_access += 1;
            self.touch(db, key);
        }
        self.dbs[db].get_mut(key)
    }

    /// The null array in the caller's protocol (`*-1` in RESP2).
    fn null_array(&mut self, id: ClientId) -> Value {
        if self.session(id).resp3 {
            Value::Null
        } else {
            Value::NullArray
        }
    }

    /// The null reply in the caller's protocol.
    fn null(&mut self, id: ClientId) -> Value {
        if self.session(id).resp3 {
            Value::Null
        } else {
            Value::NullBulk
        }
    }

    /// Redis' `processCommand`: its refusals, queueing inside MULTI, then the command itself.
    fn dispatch(&mut self, call: &Call) -> Outcome {
        let admitted = match self.admit(call) {
            Ok(a) => a,
            Err((error, is_exec)) => return Outcome::Reply(Expect::Reply(self.refuse(call, error, is_exec))),
        };
        if self.in_multi(call.id) && !multi::runs_inside_multi(admitted.name) {
            return Outcome::Reply(Expect::Reply(self.queue(call)));
        }
        self.run(admitted.spec, call)
    }

    /// processCommand's checks, in its order: the command exists (a container's subcommand
    /// too), its arity, and what a RESP2 client may run while subscribed. A refusal says
    /// whether EXEC was refused.
    fn admit(&mut self, call: &Call) -> Result<Admitted, (Value, bool)> {
        let name = call.args[0].to_ascii_lowercase();
        let Some(top) = find(COMMANDS, &name) else {
            return Err((unknown_command_error(call.args), false));
        };
        let (spec, fullname) = match top.run {
            Run::Container(subs, container) if call.args.len() >= 2 => {
                let sub = call.args[1].to_ascii_lowercase();
                match find(subs, &sub) {
                    Some(s) => (s, format!("{}|{}", top.name, s.name)),
                    None => return Err((errors::unknown_subcommand_error(&call.args[1], container), false)),
                }
            }
            _ => (top, top.name.to_owned()),
        };
        let is_exec = top.name == "exec";
        if !spec.arity_ok(call.args.len()) {
            return Err((arity_error(&fullname), is_exec));
        }
        if self.in_pubsub_context(call.id) && !pubsub::allowed_when_subscribed(top.name) {
            return Err((pubsub::context_error(&fullname), is_exec));
        }
        Ok(Admitted { spec, name: top.name })
    }

    fn run(&mut self, spec: &Spec, call: &Call) -> Outcome {
        let expect = match spec.run {
            Run::Time => Expect::TimeAt {
                unix_ms: call.now.unix_ms,
            },
            Run::Reply(f) => Expect::Reply(f(self, call)),
            Run::Expect(f) => f(self, call),
            Run::Block(f) => match f(self, call) {
                Some(v) => Expect::Reply(v),
                None => return Outcome::Blocked,
            },
            Run::Pushes(f) => {
                f(self, call);
                return Outcome::Replied;
            }
            Run::Container(..) => unreachable!("a container alone fails its arity check"),
        };
        Outcome::Reply(expect)
    }

    /// A command EXEC runs from its queue: it passed processCommand's checks when queued.
    fn run_checked(&mut self, call: &Call) -> Expect {
        let spec = self.admit(call).expect("queued commands passed the checks").spec;
        match self.run(spec, call) {
            Outcome::Reply(e) => e,
            Outcome::Blocked => unreachable!("nothing blocks inside EXEC"),
            Outcome::Replied => panic!(
                "the model cannot predict {} inside EXEC (Redis writes its replies past EXEC's array)",
                String::from_utf8_lossy(&call.args[0])
            ),
        }
    }
}

/// A command processCommand let through.
struct Admitted {
    spec: &'static Spec,
    /// The top-level command's name (a container's, for a subcommand).
    name: &'static str,
}

fn find(table: &'static [Spec], name: &[u8]) -> Option<&'static Spec> {
    table.iter().find(|c| c.name.as_bytes() == name)
}

/// A command name that betrays an HTTP request (Redis' `securityWarningCommand`).
pub fn is_http(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"post") || name.eq_ignore_ascii_case(b"host:")
}

/// What running a command leaves the client waiting for.
enum Outcome {
    Reply(Expect),
    /// The client blocked: its reply comes when it is served or times out.
    Blocked,
    /// The command owed its replies itself (one per channel for SUBSCRIBE).
    Replied,
}

/// How a command is answered.
#[derive(Clone, Copy)]
enum Run {
    Reply(fn(&mut Model, &Call) -> Value),
    /// A reply the model can only bound (DBSIZE).
    Expect(fn(&mut Model, &Call) -> Expect),
    /// A blocking command: `None` when the client blocked.
    Block(fn(&mut Model, &Call) -> Option<Value>),
    /// Owes its replies itself (pub/sub confirmations).
    Pushes(fn(&mut Model, &Call)),
    /// TIME: answered by the clock, see [`Expect::TimeAt`].
    Time,
    /// CLIENT, PUBSUB: the subcommand decides; the table and the name errors show.
    Container(&'static [Spec], &'static str),
}

/// A command the model knows: Redis' name and arity (N exactly, -N at least N).
struct Spec {
    name: &'static str,
    arity: i32,
    run: Run,
}

impl Spec {
    fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }
}

const fn spec(name: &'static str, arity: i32, run: Run) -> Spec {
    Spec { name, arity, run }
}

/// The commands the workload uses, with Redis 7.0's arities.
const COMMANDS: &[Spec] = &[
    spec("ping", -1, Run::Reply(connection::ping)),
    spec("echo", 2, Run::Reply(connection::echo)),
    spec("hello", -1, Run::Reply(connection::hello)),
    spec("select", 2, Run::Reply(connection::select)),
    spec("quit", -1, Run::Reply(connection::quit)),
    spec("reset", 1, Run::Reply(connection::reset)),
    spec("client", -2, Run::Container(CLIENT_SUBCOMMANDS, "CLIENT")),
    spec("time", 1, Run::Time),
    spec("get", 2, Run::Reply(keyspace::get)),
    spec("set", -3, Run::Reply(keyspace::set)),
    spec("del", -2, Run::Reply(keyspace::del)),
    spec("exists", -2, Run::Reply(keyspace::exists)),
    spec("dbsize", 1, Run::Expect(keyspace::dbsize)),
    spec("getdel", 2, Run::Reply(strings::getdel)),
    spec("incr", 2, Run::Reply(strings::incr)),
    spec("decr", 2, Run::Reply(strings::decr)),
    spec("incrby", 3, Run::Reply(strings::incrby)),
    spec("append", 3, Run::Reply(strings::append)),
    spec("strlen", 2, Run::Reply(strings::strlen)),
    spec("mget", -2, Run::Reply(strings::mget)),
    spec("mset", -3, Run::Reply(strings::mset)),
    spec("expire", -3, Run::Reply(expire::expire)),
    spec("pexpire", -3, Run::Reply(expire::pexpire)),
    spec("ttl", 2, Run::Reply(expire::ttl)),
    spec("pttl", 2, Run::Reply(expire::pttl)),
    spec("persist", 2, Run::Reply(expire::persist)),
    spec("lpush", -3, Run::Reply(lists::lpush)),
    spec("rpush", -3, Run::Reply(lists::rpush)),
    spec("lpushx", -3, Run::Reply(lists::lpushx)),
    spec("rpushx", -3, Run::Reply(lists::rpushx)),
    spec("lpop", -2, Run::Reply(lists::lpop)),
    spec("rpop", -2, Run::Reply(lists::rpop)),
    spec("llen", 2, Run::Reply(lists::llen)),
    spec("lrange", 4, Run::Reply(lists::lrange)),
    spec("lindex", 3, Run::Reply(lists::lindex)),
    spec("lset", 4, Run::Reply(lists::lset)),
    spec("lrem", 4, Run::Reply(lists::lrem)),
    spec("ltrim", 4, Run::Reply(lists::ltrim)),
    spec("linsert", 5, Run::Reply(lists::linsert)),
    spec("lmove", 5, Run::Reply(lists::lmove)),
    spec("rpoplpush", 3, Run::Reply(lists::rpoplpush)),
    spec("hset", -4, Run::Reply(hashes::hset)),
    spec("hmset", -4, Run::Reply(hashes::hmset)),
    spec("hsetnx", 4, Run::Reply(hashes::hsetnx)),
    spec("hget", 3, Run::Reply(hashes::hget)),
    spec("hmget", -3, Run::Reply(hashes::hmget)),
    spec("hdel", -3, Run::Reply(hashes::hdel)),
    spec("hlen", 2, Run::Reply(hashes::hlen)),
    spec("hexists", 3, Run::Reply(hashes::hexists)),
    spec("hstrlen", 3, Run::Reply(hashes::hstrlen)),
    spec("hincrby", 4, Run::Reply(hashes::hincrby)),
    spec("hgetall", 2, Run::Expect(hashes::hgetall)),
    spec("hkeys", 2, Run::Expect(hashes::hkeys)),
    spec("hvals", 2, Run::Expect(hashes::hvals)),
    spec("sadd", -3, Run::Reply(sets::sadd)),
    spec("srem", -3, Run::Reply(sets::srem)),
    spec("scard", 2, Run::Reply(sets::scard)),
    spec("sismember", 3, Run::Reply(sets::sismember)),
    spec("smismember", -3, Run::Reply(sets::smismember)),
    spec("smembers", 2, Run::Expect(sets::smembers)),
    spec("smove", 4, Run::Reply(sets::smove)),
    spec("sunion", -2, Run::Expect(sets::sunion)),
    spec("sdiff", -2, Run::Expect(sets::sdiff)),
    spec("sinter", -2, Run::Expect(sets::sinter)),
    spec("zadd", -4, Run::Reply(zsets::zadd)),
    spec("zincrby", 4, Run::Reply(zsets::zincrby)),
    spec("zrem", -3, Run::Reply(zsets::zrem)),
    spec("zcard", 2, Run::Reply(zsets::zcard)),
    spec("zscore", 3, Run::Reply(zsets::zscore)),
    spec("zmscore", -3, Run::Reply(zsets::zmscore)),
    spec("zrank", 3, Run::Reply(zsets::zrank)),
    spec("zrevrank", 3, Run::Reply(zsets::zrevrank)),
    spec("zcount", 4, Run::Reply(zsets::zcount)),
    spec("zpopmin", -2, Run::Reply(zsets::zpopmin)),
    spec("zpopmax", -2, Run::Reply(zsets::zpopmax)),
    spec("zrange", -4, Run::Expect(zrange::zrange)),
    spec("zremrangebyrank", 4, Run::Reply(zrange::zremrangebyrank)),
    spec("zremrangebyscore", 4, Run::Reply(zrange::zremrangebyscore)),
    spec("zunionstore", -4, Run::Reply(zsetops::zunionstore)),
    spec("zinterstore", -4, Run::Reply(zsetops::zinterstore)),
    spec("blpop", -3, Run::Block(bpop::blpop)),
    spec("brpop", -3, Run::Block(bpop::brpop)),
    spec("blmove", 6, Run::Block(bpop::blmove)),
    spec("brpoplpush", 4, Run::Block(bpop::brpoplpush)),
    spec("blmpop", -5, Run::Block(bpop::blmpop)),
    spec("bzpopmin", -3, Run::Block(bpop::bzpopmin)),
    spec("bzpopmax", -3, Run::Block(bpop::bzpopmax)),
    spec("bzmpop", -5, Run::Block(bpop::bzmpop)),
    spec("flushdb", -1, Run::Reply(keyspace::flushdb)),
    spec("eval", -3, Run::Expect(scripts::eval)),
    spec("multi", 1, Run::Reply(multi::multi)),
    spec("exec", 1, Run::Expect(multi::exec)),
    spec("discard", 1, Run::Reply(multi::discard)),
    spec("watch", -2, Run::Reply(multi::watch)),
    spec("unwatch", 1, Run::Reply(multi::unwatch)),
    spec("subscribe", -2, Run::Pushes(pubsub::subscribe)),
    spec("psubscribe", -2, Run::Pushes(pubsub::psubscribe)),
    spec("ssubscribe", -2, Run::Pushes(pubsub::ssubscribe)),
    spec("unsubscribe", -1, Run::Pushes(pubsub::unsubscribe)),
    spec("punsubscribe", -1, Run::Pushes(pubsub::punsubscribe)),
    spec("sunsubscribe", -1, Run::Pushes(pubsub::sunsubscribe)),
    spec("publish", 3, Run::Reply(pubsub::publish)),
    spec("spublish", 3, Run::Reply(pubsub::spublish)),
    spec("pubsub", -2, Run::Container(PUBSUB_SUBCOMMANDS, "PUBSUB")),
];

const CLIENT_SUBCOMMANDS: &[Spec] = &[
    spec("id", 2, Run::Reply(connection::client_id)),
    spec("setname", 3, Run::Reply(connection::client_setname)),
    spec("getname", 2, Run::Reply(connection::client_getname)),
    spec("no-touch", 3, Run::Reply(connection::client_no_touch)),
    spec("setinfo", 4, Run::Reply(connection::client_setinfo)),
];

const PUBSUB_SUBCOMMANDS: &[Spec] = &[
    spec("numsub", -2, Run::Reply(pubsub::pubsub_numsub)),
    spec("shardnumsub", -2, Run::Reply(pubsub::pubsub_shardnumsub)),
    spec("numpat", 2, Run::Reply(pubsub::pubsub_numpat)),
    spec("channels", -2, Run::Expect(pubsub::pubsub_channels)),
];

#[cfg(test)]
mod blocking_tests;
#[cfg(test)]
mod multi_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod zset_tests;
