//! Every command ferrous implements, as data (facts from Redis 7.0's command metadata). A
//! command that is not here answers `ERR unknown command`.

use super::acl::{CONNECTION, DANGEROUS, KEYSPACE, STRING};
use super::flags::*;
use super::{CommandSpec, Handler};
use crate::cmd::{client, command, config, connection, expire, keys, server, strings};

/// One table row; the positional form keeps each row on one line, like Redis' own table.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    acl: u32,
    group: &'static str,
    since: &'static str,
    summary: &'static str,
    complexity: &'static str,
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        acl,
        first_key: 0,
        last_key: 0,
        step: 0,
        key_flags: &[],
        key_notes: "",
        tips: &[],
        group,
        since,
        summary,
        complexity,
        handler,
        subcommands: &[],
        getkeys: None,
    }
}

impl CommandSpec {
    pub(crate) const fn keys(mut self, first: i32, last: i32, step: i32, key_flags: &'static [&'static str]) -> Self {
        self.first_key = first;
        self.last_key = last;
        self.step = step;
        self.key_flags = key_flags;
        self
    }

    pub(crate) const fn key_notes(mut self, notes: &'static str) -> Self {
        self.key_notes = notes;
        self
    }

    pub(crate) const fn tips(mut self, tips: &'static [&'static str]) -> Self {
        self.tips = tips;
        self
    }

    pub(crate) const fn getkeys(mut self, f: super::GetKeys) -> Self {
        self.getkeys = Some(f);
        self
    }

    pub(crate) const fn subs(mut self, subcommands: &'static [CommandSpec]) -> Self {
        self.subcommands = subcommands;
        self
    }
}

const NONDET: &[&str] = &["nondeterministic_output"];
const CONN: &str = "connection";
const SERVER: &str = "server";

static CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    cmd(
        "client|caching",
        3,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "6.0.0",
        "Instruct the server about tracking or not keys in the next request",
        "O(1)",
        client::caching,
    ),
    cmd(
        "client|getredir",
        2,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "6.0.0",
        "Get tracking notifications redirection client ID if any",
        "O(1)",
        client::getredir,
    ),
    cmd(
        "client|tracking",
        -3,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "6.0.0",
        "Enable or disable server assisted client side caching support",
        "O(1). Some options may introduce additional complexity.",
        client::tracking,
    ),
    cmd(
        "client|trackinginfo",
        2,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "6.2.0",
        "Return information about server assisted client side caching for the current connection",
        "O(1)",
        client::trackinginfo,
    ),
    cmd(
        "client|getname",
        2,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "2.6.9",
        "Get the current connection name",
        "O(1)",
        client::getname,
    ),
    cmd(
        "client|help",
        2,
        LOADING | STALE,
        CONNECTION,
        CONN,
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        client::help,
    ),
    cmd(
        "client|id",
        2,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "5.0.0",
        "Returns the client ID for the current connection",
        "O(1)",
        client::id,
    ),
    cmd(
        "client|info",
        2,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "6.2.0",
        "Returns information about the current client connection.",
        "O(1)",
        client::info,
    )
    .tips(NONDET),
    cmd(
        "client|kill",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "2.4.0",
        "Kill the connection of a client",
        "O(N) where N is the number of client connections",
        client::kill,
    ),
    cmd(
        "client|list",
        -2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "2.4.0",
        "Get the list of client connections",
        "O(N) where N is the number of client connections",
        client::list,
    )
    .tips(NONDET),
    cmd(
        "client|no-evict",
        3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "7.0.0",
        "Set client eviction mode for the current connection",
        "O(1)",
        client::no_evict,
    ),
    cmd(
        "client|no-touch",
        3,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "7.2.0",
        "Controls whether commands sent by the client will alter the LRU/LFU of the keys they access.",
        "O(1)",
        client::no_touch,
    ),
    cmd(
        "client|reply",
        3,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "3.2.0",
        "Instruct the server whether to reply to commands",
        "O(1)",
        client::reply,
    ),
    cmd(
        "client|setinfo",
        4,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "7.2.0",
        "Set client or connection specific info",
        "O(1)",
        client::setinfo,
    ),
    cmd(
        "client|setname",
        3,
        NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "2.6.9",
        "Set the current connection name",
        "O(1)",
        client::setname,
    ),
    cmd(
        "client|pause",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "2.9.50",
        "Stop processing commands from clients for some time",
        "O(1)",
        client::pause,
    ),
    cmd(
        "client|unpause",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "6.2.0",
        "Resume processing of clients that were paused",
        "O(N) Where N is the number of paused clients",
        client::unpause,
    ),
    cmd(
        "client|unblock",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        CONNECTION,
        CONN,
        "5.0.0",
        "Unblock a client blocked in a blocking command from a different connection",
        "O(log N) where N is the number of client connections",
        client::unblock,
    ),
];

static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    cmd(
        "command|count",
        2,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "2.8.13",
        "Get total number of Redis commands",
        "O(1)",
        command::count,
    ),
    cmd(
        "command|docs",
        -2,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "7.0.0",
        "Get array of specific Redis command documentation",
        "O(N) where N is the number of commands to look up",
        command::docs,
    )
    .tips(&["nondeterministic_output_order"]),
    cmd(
        "command|getkeys",
        -4,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "2.8.13",
        "Extract keys given a full Redis command",
        "O(N) where N is the number of arguments to the command",
        command::getkeys,
    ),
    cmd(
        "command|getkeysandflags",
        -4,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "7.0.0",
        "Extract keys and access flags given a full Redis command",
        "O(N) where N is the number of arguments to the command",
        command::getkeysandflags,
    ),
    cmd(
        "command|help",
        2,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        command::help,
    ),
    cmd(
        "command|info",
        -2,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "2.8.13",
        "Get array of specific Redis command details, or all when no argument is given.",
        "O(N) where N is the number of commands to look up",
        command::info,
    )
    .tips(&["nondeterministic_output_order"]),
    cmd(
        "command|list",
        -2,
        LOADING | STALE,
        CONNECTION,
        SERVER,
        "7.0.0",
        "Get an array of Redis command names",
        "O(N) where N is the total number of Redis commands",
        command::list,
    )
    .tips(&["nondeterministic_output_order"]),
];

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    cmd(
        "config|get",
        -3,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        SERVER,
        "2.0.0",
        "Get the values of configuration parameters",
        "O(N) when N is the number of configuration parameters provided",
        config::get,
    ),
    cmd(
        "config|help",
        2,
        LOADING | STALE,
        0,
        SERVER,
        "5.0.0",
        "Show helpful text about the different subcommands",
        "O(1)",
        config::help,
    ),
    cmd(
        "config|resetstat",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        SERVER,
        "2.0.0",
        "Reset the stats returned by INFO",
        "O(1)",
        config::resetstat,
    ),
    cmd(
        "config|set",
        -4,
        ADMIN | NOSCRIPT | LOADING | STALE,
        0,
        SERVER,
        "2.0.0",
        "Set configuration parameters to the given values",
        "O(N) when N is the number of configuration parameters provided",
        config::set,
    )
    .tips(&["request_policy:all_nodes", "response_policy:all_succeeded"]),
];

/// Commands whose rows live here; families with their own file (e.g. `cmd::bitops`) keep
/// their rows next to their implementation and are listed in [`FAMILIES`].
static CORE_COMMANDS: &[CommandSpec] = &[
    cmd("auth", -2, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY, CONNECTION, CONN, "1.0.0", "Authenticate to the server", "O(N) where N is the number of passwords defined for the user", connection::auth),
    cmd("client", -2, SENTINEL, 0, CONN, "2.4.0", "A container for client connection commands", "Depends on subcommand.", connection::container).subs(CLIENT_SUBCOMMANDS),
    cmd("command", -1, LOADING | STALE | SENTINEL, CONNECTION, SERVER, "2.8.13", "Get array of Redis command details", "O(N) where N is the total number of Redis commands", command::all).tips(&["nondeterministic_output_order"]).subs(COMMAND_SUBCOMMANDS),
    cmd("config", -2, 0, 0, SERVER, "2.0.0", "A container for server configuration commands", "Depends on subcommand.", connection::container).subs(CONFIG_SUBCOMMANDS),
    cmd("echo", 2, LOADING | STALE | FAST, CONNECTION, CONN, "1.0.0", "Echo the given string", "O(1)", connection::echo),
    cmd("hello", -1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY, CONNECTION, CONN, "6.0.0", "Handshake with Redis", "O(1)", connection::hello),
    cmd("info", -1, LOADING | STALE | SENTINEL, DANGEROUS, SERVER, "1.0.0", "Get information and statistics about the server", "O(1)", server::info).tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"]),
    cmd("ping", -1, FAST | SENTINEL, CONNECTION, CONN, "1.0.0", "Ping the server", "O(1)", connection::ping).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("quit", -1, ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH, CONNECTION, CONN, "1.0.0", "Close the connection", "O(1)", connection::quit),
    cmd("reset", 1, NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY, CONNECTION, CONN, "6.2.0", "Reset the connection", "O(1)", connection::reset),
    cmd("select", 2, LOADING | STALE | FAST, CONNECTION, CONN, "1.0.0", "Change the selected database for the current connection", "O(1)", connection::select),
    cmd("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY, 0, SERVER, "1.0.0", "Synchronously save the dataset to disk and then shut down the server", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", server::shutdown),
    cmd("time", 1, LOADING | STALE | FAST, 0, SERVER, "2.6.0", "Return the current server time", "O(1)", server::time).tips(NONDET),
    cmd("get", 2, READONLY | FAST, STRING, "string", "1.0.0", "Get the value of a key", "O(1)", strings::get).keys(1, 1, 1, &["RO", "access"]),
    cmd("set", -3, WRITE | DENYOOM, STRING, "string", "1.0.0", "Set the string value of a key", "O(1)", strings::set).keys(1, 1, 1, &["RW", "access", "update", "variable_flags"]).getkeys(strings::set_keys).key_notes("RW and ACCESS due to the optional `GET` argument"),
    cmd("setnx", 3, WRITE | DENYOOM | FAST, STRING, "string", "1.0.0", "Set the value of a key, only if the key does not exist", "O(1)", strings::setnx).keys(1, 1, 1, &["OW", "insert"]),
    cmd("setex", 4, WRITE | DENYOOM, STRING, "string", "2.0.0", "Set the value and expiration of a key", "O(1)", strings::setex).keys(1, 1, 1, &["OW", "update"]),
    cmd("psetex", 4, WRITE | DENYOOM, STRING, "string", "2.6.0", "Set the value and expiration in milliseconds of a key", "O(1)", strings::psetex).keys(1, 1, 1, &["OW", "update"]),
    cmd("getex", -2, WRITE | FAST, STRING, "string", "6.2.0", "Get the value of a key and optionally set its expiration", "O(1)", strings::getex).keys(1, 1, 1, &["RW", "access", "update"]).key_notes("RW and UPDATE because it changes the TTL"),
    cmd("getdel", 2, WRITE | FAST, STRING, "string", "6.2.0", "Get the value of a key and delete the key", "O(1)", strings::getdel).keys(1, 1, 1, &["RW", "access", "delete"]),
    cmd("getset", 3, WRITE | DENYOOM | FAST, STRING, "string", "1.0.0", "Set the string value of a key and return its old value", "O(1)", strings::getset).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("mget", -2, READONLY | FAST, STRING, "string", "1.0.0", "Get the values of all the given keys", "O(N) where N is the number of keys to retrieve.", strings::mget).keys(1, -1, 1, &["RO", "access"]).tips(&["request_policy:multi_shard"]),
    cmd("mset", -3, WRITE | DENYOOM, STRING, "string", "1.0.1", "Set multiple keys to multiple values", "O(N) where N is the number of keys to set.", strings::mset).keys(1, -1, 2, &["OW", "update"]).tips(&["request_policy:multi_shard", "response_policy:all_succeeded"]),
    cmd("msetnx", -3, WRITE | DENYOOM, STRING, "string", "1.0.1", "Set multiple keys to multiple values, only if none of the keys exist", "O(N) where N is the number of keys to set.", strings::msetnx).keys(1, -1, 2, &["OW", "insert"]).tips(&["request_policy:multi_shard", "response_policy:agg_min"]),
    cmd("strlen", 2, READONLY | FAST, STRING, "string", "2.2.0", "Get the length of the value stored in a key", "O(1)", strings::strlen).keys(1, 1, 1, &["RO"]),
    cmd("append", 3, WRITE | DENYOOM | FAST, STRING, "string", "2.0.0", "Append a value to a key", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", strings::append).keys(1, 1, 1, &["RW", "insert"]),
    cmd("incr", 2, WRITE | DENYOOM | FAST, STRING, "string", "1.0.0", "Increment the integer value of a key by one", "O(1)", strings::incr).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("decr", 2, WRITE | DENYOOM | FAST, STRING, "string", "1.0.0", "Decrement the integer value of a key by one", "O(1)", strings::decr).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("incrby", 3, WRITE | DENYOOM | FAST, STRING, "string", "1.0.0", "Increment the integer value of a key by the given amount", "O(1)", strings::incrby).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("decrby", 3, WRITE | DENYOOM | FAST, STRING, "string", "1.0.0", "Decrement the integer value of a key by the given number", "O(1)", strings::decrby).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("incrbyfloat", 3, WRITE | DENYOOM | FAST, STRING, "string", "2.6.0", "Increment the float value of a key by the given amount", "O(1)", strings::incrbyfloat).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("getrange", 4, READONLY, STRING, "string", "2.4.0", "Get a substring of the string stored at a key", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", strings::getrange).keys(1, 1, 1, &["RO", "access"]),
    cmd("substr", 4, READONLY, STRING, "string", "1.0.0", "Get a substring of the string stored at a key", "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", strings::getrange).keys(1, 1, 1, &["RO", "access"]),
    cmd("setrange", 4, WRITE | DENYOOM, STRING, "string", "2.2.0", "Overwrite part of a string at key starting at the specified offset", "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", strings::setrange).keys(1, 1, 1, &["RW", "update"]),
    cmd("expire", -3, WRITE | FAST, KEYSPACE, "generic", "1.0.0", "Set a key's time to live in seconds", "O(1)", expire::expire).keys(1, 1, 1, &["RW", "update"]),
    cmd("pexpire", -3, WRITE | FAST, KEYSPACE, "generic", "2.6.0", "Set a key's time to live in milliseconds", "O(1)", expire::pexpire).keys(1, 1, 1, &["RW", "update"]),
    cmd("expireat", -3, WRITE | FAST, KEYSPACE, "generic", "1.2.0", "Set the expiration for a key as a UNIX timestamp", "O(1)", expire::expireat).keys(1, 1, 1, &["RW", "update"]),
    cmd("pexpireat", -3, WRITE | FAST, KEYSPACE, "generic", "2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "O(1)", expire::pexpireat).keys(1, 1, 1, &["RW", "update"]),
    cmd("ttl", 2, READONLY | FAST, KEYSPACE, "generic", "1.0.0", "Get the time to live for a key in seconds", "O(1)", expire::ttl).keys(1, 1, 1, &["RO", "access"]).tips(&["nondeterministic_output"]),
    cmd("pttl", 2, READONLY | FAST, KEYSPACE, "generic", "2.6.0", "Get the time to live for a key in milliseconds", "O(1)", expire::pttl).keys(1, 1, 1, &["RO", "access"]).tips(&["nondeterministic_output"]),
    cmd("expiretime", 2, READONLY | FAST, KEYSPACE, "generic", "7.0.0", "Get the expiration Unix timestamp for a key", "O(1)", expire::expiretime).keys(1, 1, 1, &["RO", "access"]),
    cmd("pexpiretime", 2, READONLY | FAST, KEYSPACE, "generic", "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds", "O(1)", expire::pexpiretime).keys(1, 1, 1, &["RO", "access"]),
    cmd("persist", 2, WRITE | FAST, KEYSPACE, "generic", "2.2.0", "Remove the expiration from a key", "O(1)", expire::persist).keys(1, 1, 1, &["RW", "update"]),
    cmd("del", -2, WRITE, KEYSPACE, "generic", "1.0.0", "Delete a key", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", keys::del).keys(1, -1, 1, &["RM", "delete"]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    cmd("unlink", -2, WRITE | FAST, KEYSPACE, "generic", "4.0.0", "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", keys::del).keys(1, -1, 1, &["RM", "delete"]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    cmd("exists", -2, READONLY | FAST, KEYSPACE, "generic", "1.0.0", "Determine if a key exists", "O(N) where N is the number of keys to check.", keys::exists).keys(1, -1, 1, &["RO"]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    cmd("touch", -2, READONLY | FAST, KEYSPACE, "generic", "3.2.1", "Alters the last access time of a key(s). Returns the number of existing keys specified.", "O(N) where N is the number of keys that will be touched.", keys::touch).keys(1, -1, 1, &["RO"]).tips(&["request_policy:multi_shard", "response_policy:agg_sum"]),
    cmd("type", 2, READONLY | FAST, KEYSPACE, "generic", "1.0.0", "Determine the type stored at key", "O(1)", keys::type_).keys(1, 1, 1, &["RO"]),
    cmd("rename", 3, WRITE, KEYSPACE, "generic", "1.0.0", "Rename a key", "O(1)", keys::rename).keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("renamenx", 3, WRITE | FAST, KEYSPACE, "generic", "1.0.0", "Rename a key, only if the new key does not exist", "O(1)", keys::renamenx).keys(1, 2, 1, &["RW", "access", "delete"]),
    cmd("move", 3, WRITE | FAST, KEYSPACE, "generic", "1.0.0", "Move a key to another database", "O(1)", keys::move_).keys(1, 1, 1, &["RW", "access", "update"]),
    cmd("copy", -3, WRITE | DENYOOM, KEYSPACE, "generic", "6.2.0", "Copy a key", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", keys::copy).keys(1, 2, 1, &["RO", "access"]),
    cmd("swapdb", 3, WRITE | FAST, KEYSPACE | DANGEROUS, "server", "4.0.0", "Swaps two Redis databases", "O(N) where N is the count of clients watching or blocking on keys from both databases.", keys::swapdb),
    cmd("flushdb", -1, WRITE, KEYSPACE | DANGEROUS, "server", "1.0.0", "Remove all keys from the current database", "O(N) where N is the number of keys in the selected database", keys::flushdb).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("flushall", -1, WRITE, KEYSPACE | DANGEROUS, "server", "1.0.0", "Remove all keys from all databases", "O(N) where N is the total number of keys in all databases", keys::flushall).tips(&["request_policy:all_shards", "response_policy:all_succeeded"]),
    cmd("keys", 2, READONLY, KEYSPACE | DANGEROUS, "generic", "1.0.0", "Find all keys matching the given pattern", "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", keys::keys).tips(&["request_policy:all_shards", "nondeterministic_output_order"]),
    cmd("randomkey", 1, READONLY, KEYSPACE, "generic", "1.0.0", "Return a random key from the keyspace", "O(1)", keys::randomkey).tips(&["request_policy:all_shards", "nondeterministic_output"]),
    cmd("scan", -2, READONLY, KEYSPACE, "generic", "2.8.0", "Incrementally iterate the keys space", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", keys::scan).tips(&["nondeterministic_output", "request_policy:special"]),
    cmd("dbsize", 1, READONLY | FAST, KEYSPACE, "server", "1.0.0", "Return the number of keys in the selected database", "O(1)", server::dbsize).tips(&["request_policy:all_shards", "response_policy:agg_sum"]),

];

/// Every command table: the core one and one per family that keeps its own rows.
pub static FAMILIES: &[&[CommandSpec]] = &[
    CORE_COMMANDS,
    crate::cmd::object::COMMANDS,
    crate::cmd::debug::COMMANDS,
    crate::cmd::function::COMMANDS,
    crate::cmd::scripting::COMMANDS,
    crate::cmd::bitops::COMMANDS,
    crate::cmd::lcs::COMMANDS,
    crate::cmd::dump::COMMANDS,
    crate::cmd::migrate::COMMANDS,
    crate::cmd::wait::COMMANDS,
    crate::cmd::zsets::COMMANDS,
    crate::cmd::streams::COMMANDS,
    crate::cmd::sets::COMMANDS,
    crate::cmd::hashes::COMMANDS,
    crate::cmd::lists::COMMANDS,
    crate::cmd::memory::COMMANDS,
    crate::cmd::sort::COMMANDS,
    crate::cmd::replication::COMMANDS,
    crate::cmd::transactions::COMMANDS,
    crate::cmd::pubsub::COMMANDS,
    crate::cmd::monitor::COMMANDS,
    crate::cmd::persistence::COMMANDS,
];

/// Every top-level command.
pub fn all() -> impl Iterator<Item = &'static CommandSpec> {
    FAMILIES.iter().flat_map(|f| f.iter())
}
