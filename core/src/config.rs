//! Configuration: Redis' directive names, redis.conf syntax, `CONFIG GET`/`CONFIG SET` rules.
//! Pure: the backend reads the file and hands its text in.

use crate::glob::glob_match;
use crate::resp::{parse_i64, split_args_lossy};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
}

const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning"];
const DEBUG_MODES: &[&str] = &["no", "yes", "local"];
/// appendfsync's values, in Redis' order.
pub const APPENDFSYNC: &[&str] = &["always", "everysec", "no"];
/// sanitize-dump-payload's values. ferrous checks every payload in depth whatever the setting
/// (its decoders build native structures and must never be fed a broken one), so `no` and
/// `clients` are as safe as `yes`, only stricter than Redis there.
pub const SANITIZE_DUMP_PAYLOAD: &[&str] = &["no", "yes", "clients"];
/// How a replica takes its master's snapshot: written to `dbfilename` first (disabled), or
/// parsed as it comes when the dataset is empty (on-empty-db) or always (swapdb).
pub const REPL_DISKLESS_LOAD: &[&str] = &["disabled", "on-empty-db", "swapdb"];

/// Redis' HIDDEN_CONFIG directives: CONFIG GET lists them only when asked by exact name.
const HIDDEN: &[&str] = &["use-exit-on-panic", "rdb-key-save-delay", "key-load-delay"];
/// Redis' maxmemory policies, in its order.
const MAXMEMORY_POLICIES: &[&str] = &[
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "noeviction",
];

/// The server's configuration, with Redis' defaults.
#[derive(Clone, Debug)]
pub struct Config {
    pub port: i64,
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub requirepass: String,
    pub databases: i64,
    pub maxclients: i64,
    pub timeout: i64,
    pub tcp_keepalive: i64,
    pub io_threads: i64,
    loglevel: usize,
    pub logfile: String,
    /// A Unix domain socket to listen on too (empty: none), and its mode (0: as created).
    pub unixsocket: String,
    pub unixsocketperm: i64,
    /// Show the start-up logo even when stdout is not a terminal (the logo carries the PID
    /// Redis' own test harness looks for).
    pub always_show_logo: bool,
    /// Detach from the terminal at start-up.
    pub daemonize: bool,
    /// Where the process id is written at start-up ("" none; a daemon gets Redis' default).
    pub pidfile: String,
    pub dir: String,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: i64,
    /// 0 no, 1 yes, 2 local (only from loopback clients).
    pub enable_debug_command: usize,
    pub hz: i64,
    /// Compact-encoding thresholds of the collections (Redis 7.0's names and defaults).
    pub list_max_listpack_size: i64,
    pub list_compress_depth: i64,
    pub hash_max_listpack_entries: i64,
    pub hash_max_listpack_value: i64,
    pub set_max_intset_entries: i64,
    /// Redis 7.2's listpack encoding of small sets (named by the collections issue).
    pub set_max_listpack_entries: i64,
    pub set_max_listpack_value: i64,
    pub zset_max_listpack_entries: i64,
    pub stream_node_max_bytes: i64,
    pub stream_node_max_entries: i64,
    pub zset_max_listpack_value: i64,
    /// Seconds between the PINGs a master sends its replicas.
    pub repl_ping_replica_period: i64,
    /// Seconds a SHUTDOWN waits for lagging replicas (0: it does not wait).
    pub shutdown_timeout: i64,
    /// What SIGTERM and SIGINT shut down with (`shutdown-on-sigterm`, `shutdown-on-sigint`).
    pub shutdown_on_sigterm: crate::shutdown::ShutdownFlags,
    pub shutdown_on_sigint: crate::shutdown::ShutdownFlags,
    /// The master to replicate at start-up (`replicaof host port`), and as CONFIG GET shows it.
    pub replicaof: Option<(String, u16)>,
    replicaof_words: Vec<String>,
    /// How a replica authenticates to its master ("": no AUTH).
    pub masterauth: String,
    pub masteruser: String,
    /// A replica refuses writes from its clients.
    pub replica_read_only: bool,
    /// A replica whose master link is down still answers from its data.
    pub replica_serve_stale_data: bool,
    /// A replica leaves eviction to its master.
    pub replica_ignore_maxmemory: bool,
    /// Seconds of silence after which a replication link counts as dead.
    pub repl_timeout: i64,
    /// The replication backlog's size as configured (INFO repl_backlog_size). No backlog is
    /// kept yet: every PSYNC a master answers is a full resynchronization.
    pub repl_backlog_size: i64,
    /// Milliseconds a script runs before other clients get -BUSY (0: never).
    pub busy_reply_threshold: i64,
    /// Writes are refused unless this many replicas acknowledged within the lag (0: off).
    pub min_replicas_to_write: i64,
    pub min_replicas_max_lag: i64,
    /// Shown by INFO and to Sentinel; kept for CONFIG.
    pub replica_priority: i64,
    pub replica_announced: bool,
    pub replica_lazy_flush: bool,
    pub replica_announce_ip: String,
    /// An index into MAXMEMORY_POLICIES: what is evicted above maxmemory, and what an
    /// object's access field tracks (recency, or LFU counters).
    maxmemory_policy: usize,
    /// maxmemory-clients: the most memory normal and pub/sub clients may use together before
    /// the largest are evicted (0: no limit); a negative value is a percentage of maxmemory.
    pub maxmemory_clients: i64,
    /// Bytes of memory the dataset may use (0: no limit), and keys sampled per eviction.
    pub maxmemory: i64,
    pub maxmemory_samples: i64,
    /// Client-side caching: most keys the tracking table remembers (0: no limit).
    pub tracking_table_max_keys: i64,
    pub lfu_log_factor: i64,
    pub lfu_decay_time: i64,
    /// client-output-buffer-limit, parsed (normal, replica, pubsub) and as CONFIG GET shows it.
    pub obuf_limits: [crate::obuf::Limit; 3],
    obuf_words: Vec<String>,
    /// Save points as CONFIG GET shows them, and parsed: (seconds, changes) pairs.
    save: Vec<String>,
    pub save_points: Vec<(i64, i64)>,
    /// The RDB file's name inside `dir`, and how it is written.
    pub dbfilename: String,
    pub rdbcompression: bool,
    pub rdbchecksum: bool,
    pub stop_writes_on_bgsave_error: bool,
    /// Microseconds a background save waits per key (Redis' testing knob for a slow save).
    pub rdb_key_save_delay: i64,
    /// Microseconds each key waits while the dataset loads (a testing aid, hidden).
    pub key_load_delay: i64,
    /// Bytes of a file loaded between two turns at serving clients.
    pub loading_process_events_interval_bytes: i64,
    pub rdb_del_sync_files: bool,
    /// An index into REPL_DISKLESS_LOAD.
    pub repl_diskless_load: usize,
    /// The append-only file (Redis 7's multi-part AOF in `appenddirname`).
    pub appendonly: bool,
    pub appendfilename: String,
    pub appenddirname: String,
    /// An index into APPENDFSYNC: always, everysec, no.
    pub appendfsync: usize,
    pub aof_use_rdb_preamble: bool,
    /// Keep the files a rewrite replaced, as history entries of the manifest.
    pub aof_disable_auto_gc: bool,
    /// An index into SANITIZE_DUMP_PAYLOAD.
    pub sanitize_dump_payload: usize,
    /// On a crash (a panic): log the bug report; exit(1) instead of abort(); and Redis' fast
    /// memory test, which ferrous does not have (the setting is kept for redis.conf files).
    pub crash_log_enabled: bool,
    pub use_exit_on_panic: bool,
    pub crash_memcheck_enabled: bool,
    pub aof_load_truncated: bool,
    pub aof_timestamp_enabled: bool,
    pub auto_aof_rewrite_percentage: i64,
    pub auto_aof_rewrite_min_size: i64,
    pub no_appendfsync_on_rewrite: bool,
    pub aof_rewrite_incremental_fsync: bool,
    pub rdb_save_incremental_fsync: bool,
    /// Which keyspace notifications are published (`crate::notify::class` flags).
    pub notify_keyspace_events: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 6379,
            bind: vec!["*".into(), "-::*".into()],
            protected_mode: true,
            requirepass: String::new(),
            databases: 16,
            maxclients: 10000,
            timeout: 0,
            tcp_keepalive: 300,
            io_threads: 1,
            loglevel: LogLevel::Notice as usize,
            logfile: String::new(),
            always_show_logo: false,
            daemonize: false,
            pidfile: String::new(),
            dir: String::new(),
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            enable_debug_command: 0,
            hz: 10,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            zset_max_listpack_value: 64,
            repl_ping_replica_period: 10,
            shutdown_timeout: 10,
            shutdown_on_sigterm: Default::default(),
            shutdown_on_sigint: Default::default(),
            replicaof: None,
            replicaof_words: Vec::new(),
            masterauth: String::new(),
            masteruser: String::new(),
            replica_read_only: true,
            replica_serve_stale_data: true,
            replica_ignore_maxmemory: true,
            repl_timeout: 60,
            busy_reply_threshold: 5000,
            repl_backlog_size: 1024 * 1024,
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            replica_priority: 100,
            replica_announced: true,
            replica_lazy_flush: false,
            replica_announce_ip: String::new(),
            maxmemory_policy: 7,
            maxmemory: 0,
            maxmemory_clients: 0,
            maxmemory_samples: 5,
            tracking_table_max_keys: 1_000_000,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            save: ["3600", "1", "300", "100", "60", "10000"].map(String::from).to_vec(),
            save_points: vec![(3600, 1), (300, 100), (60, 10000)],
            dbfilename: "dump.rdb".into(),
            rdbcompression: true,
            rdbchecksum: true,
            stop_writes_on_bgsave_error: true,
            rdb_key_save_delay: 0,
            key_load_delay: 0,
            loading_process_events_interval_bytes: 2 * 1024 * 1024,
            rdb_del_sync_files: false,
            repl_diskless_load: 0,
            appendonly: false,
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            appendfsync: 1,
            aof_use_rdb_preamble: true,
            aof_disable_auto_gc: false,
            unixsocket: String::new(),
            unixsocketperm: 0,
            sanitize_dump_payload: 0,
            crash_log_enabled: true,
            use_exit_on_panic: false,
            crash_memcheck_enabled: true,
            aof_load_truncated: true,
            aof_timestamp_enabled: false,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            no_appendfsync_on_rewrite: false,
            aof_rewrite_incremental_fsync: true,
            rdb_save_incremental_fsync: true,
            obuf_limits: crate::obuf::defaults(),
            obuf_words: crate::obuf::render(&crate::obuf::defaults()),
            notify_keyspace_events: 0,
        }
    }
}

impl Config {
    /// An LFU policy (volatile-lfu, allkeys-lfu): objects carry access counters.
    pub fn maxmemory_policy_is_lfu(&self) -> bool {
        MAXMEMORY_POLICIES[self.maxmemory_policy].ends_with("-lfu")
    }

    /// The maxmemory-policy's name.
    pub fn maxmemory_policy_name(&self) -> &'static str {
        MAXMEMORY_POLICIES[self.maxmemory_policy]
    }

    /// An LRU policy (volatile-lru, allkeys-lru): saved files record idle times.
    pub fn maxmemory_policy_is_lru(&self) -> bool {
        MAXMEMORY_POLICIES[self.maxmemory_policy].ends_with("-lru")
    }

    /// Redis keeps `hz` within 1..=500 whatever was asked for.
    fn clamp_hz(&mut self) {
        self.hz = self.hz.clamp(1, 500);
    }

    pub fn loglevel(&self) -> LogLevel {
        [LogLevel::Debug, LogLevel::Verbose, LogLevel::Notice, LogLevel::Warning][self.loglevel]
    }
}

/// How a directive's value is parsed and shown.
enum Field {
    Int {
        min: i64,
        max: i64,
        get: fn(&mut Config) -> &mut i64,
    },
    Memory {
        min: i64,
        max: i64,
        get: fn(&mut Config) -> &mut i64,
    },
    Bool(fn(&mut Config) -> &mut bool),
    Str(fn(&mut Config) -> &mut String),
    Enum(&'static [&'static str], fn(&mut Config) -> &mut usize),
    /// A list of words (bind).
    Words(fn(&mut Config) -> &mut Vec<String>),
    /// Parsed and shown by functions of its own (Redis' special configs).
    Special {
        set: fn(&mut Config, &str) -> Result<(), String>,
        get: fn(&Config) -> String,
    },
}

struct Directive {
    name: &'static str,
    /// Can `CONFIG SET` change it?
    mutable: bool,
    field: Field,
}

const INT_MAX: i64 = i32::MAX as i64;

static DIRECTIVES: &[Directive] = &[
    Directive {
        name: "port",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: 65535,
            get: |c| &mut c.port,
        },
    },
    Directive {
        name: "bind",
        mutable: true,
        field: Field::Words(|c| &mut c.bind),
    },
    Directive {
        name: "client-output-buffer-limit",
        mutable: true,
        field: Field::Words(|c| &mut c.obuf_words),
    },
    Directive {
        name: "save",
        mutable: true,
        field: Field::Words(|c| &mut c.save),
    },
    Directive {
        name: "unixsocket",
        mutable: false,
        field: Field::Str(|c| &mut c.unixsocket),
    },
    Directive {
        name: "unixsocketperm",
        mutable: false,
        // Redis' OCTAL_CONFIG: read and shown in octal, up to 0777.
        field: Field::Special {
            set: |c, v| {
                let n = i64::from_str_radix(v, 8).map_err(|_| "argument couldn't be parsed into an integer")?;
                if !(0..=0o777).contains(&n) {
                    return Err("argument must be between 0 and 777 inclusive".into());
                }
                c.unixsocketperm = n;
                Ok(())
            },
            get: |c| format!("{:o}", c.unixsocketperm),
        },
    },
    Directive {
        name: "dbfilename",
        mutable: true,
        field: Field::Special {
            set: |c, v| {
                if v.contains('/') {
                    return Err("dbfilename can't be a path, just a filename".into());
                }
                c.dbfilename = v.to_string();
                Ok(())
            },
            get: |c| c.dbfilename.clone(),
        },
    },
    Directive {
        name: "appendonly",
        mutable: true,
        field: Field::Bool(|c| &mut c.appendonly),
    },
    Directive {
        name: "appendfilename",
        mutable: false,
        field: Field::Special {
            set: |c, v| {
                if v.contains('/') {
                    return Err("appendfilename can't be a path, just a filename".into());
                }
                c.appendfilename = v.to_string();
                Ok(())
            },
            get: |c| c.appendfilename.clone(),
        },
    },
    Directive {
        name: "appenddirname",
        mutable: false,
        field: Field::Special {
            set: |c, v| {
                if v.contains('/') {
                    return Err("appenddirname can't be a path, just a dirname".into());
                }
                c.appenddirname = v.to_string();
                Ok(())
            },
            get: |c| c.appenddirname.clone(),
        },
    },
    Directive {
        name: "appendfsync",
        mutable: true,
        field: Field::Enum(APPENDFSYNC, |c| &mut c.appendfsync),
    },
    Directive {
        name: "aof-use-rdb-preamble",
        mutable: true,
        field: Field::Bool(|c| &mut c.aof_use_rdb_preamble),
    },
    Directive {
        name: "aof-disable-auto-gc",
        mutable: true,
        field: Field::Bool(|c| &mut c.aof_disable_auto_gc),
    },
    Directive {
        name: "sanitize-dump-payload",
        mutable: true,
        field: Field::Enum(SANITIZE_DUMP_PAYLOAD, |c| &mut c.sanitize_dump_payload),
    },
    Directive {
        name: "crash-log-enabled",
        mutable: true,
        field: Field::Bool(|c| &mut c.crash_log_enabled),
    },
    Directive {
        name: "use-exit-on-panic",
        mutable: true,
        field: Field::Bool(|c| &mut c.use_exit_on_panic),
    },
    Directive {
        name: "crash-memcheck-enabled",
        mutable: true,
        field: Field::Bool(|c| &mut c.crash_memcheck_enabled),
    },
    Directive {
        name: "aof-load-truncated",
        mutable: true,
        field: Field::Bool(|c| &mut c.aof_load_truncated),
    },
    Directive {
        name: "aof-timestamp-enabled",
        mutable: true,
        field: Field::Bool(|c| &mut c.aof_timestamp_enabled),
    },
    Directive {
        name: "no-appendfsync-on-rewrite",
        mutable: true,
        field: Field::Bool(|c| &mut c.no_appendfsync_on_rewrite),
    },
    Directive {
        name: "aof-rewrite-incremental-fsync",
        mutable: true,
        field: Field::Bool(|c| &mut c.aof_rewrite_incremental_fsync),
    },
    Directive {
        name: "auto-aof-rewrite-percentage",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.auto_aof_rewrite_percentage,
        },
    },
    Directive {
        name: "auto-aof-rewrite-min-size",
        mutable: true,
        field: Field::Memory {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.auto_aof_rewrite_min_size,
        },
    },
    Directive {
        name: "rdbcompression",
        mutable: true,
        field: Field::Bool(|c| &mut c.rdbcompression),
    },
    Directive {
        name: "rdb-save-incremental-fsync",
        mutable: true,
        field: Field::Bool(|c| &mut c.rdb_save_incremental_fsync),
    },
    Directive {
        name: "rdbchecksum",
        mutable: true,
        field: Field::Bool(|c| &mut c.rdbchecksum),
    },
    Directive {
        name: "stop-writes-on-bgsave-error",
        mutable: true,
        field: Field::Bool(|c| &mut c.stop_writes_on_bgsave_error),
    },
    Directive {
        name: "rdb-del-sync-files",
        mutable: true,
        field: Field::Bool(|c| &mut c.rdb_del_sync_files),
    },
    Directive {
        name: "repl-diskless-load",
        mutable: true,
        field: Field::Enum(REPL_DISKLESS_LOAD, |c| &mut c.repl_diskless_load),
    },
    Directive {
        name: "rdb-key-save-delay",
        mutable: true,
        field: Field::Int {
            min: i32::MIN as i64,
            max: INT_MAX,
            get: |c| &mut c.rdb_key_save_delay,
        },
    },
    Directive {
        name: "key-load-delay",
        mutable: true,
        field: Field::Int {
            min: i32::MIN as i64,
            max: INT_MAX,
            get: |c| &mut c.key_load_delay,
        },
    },
    Directive {
        name: "loading-process-events-interval-bytes",
        mutable: true,
        field: Field::Int {
            min: 1024,
            max: INT_MAX,
            get: |c| &mut c.loading_process_events_interval_bytes,
        },
    },
    Directive {
        name: "protected-mode",
        mutable: true,
        field: Field::Bool(|c| &mut c.protected_mode),
    },
    Directive {
        name: "requirepass",
        mutable: true,
        field: Field::Str(|c| &mut c.requirepass),
    },
    Directive {
        name: "databases",
        mutable: false,
        field: Field::Int {
            min: 1,
            max: INT_MAX,
            get: |c| &mut c.databases,
        },
    },
    Directive {
        name: "maxclients",
        mutable: true,
        field: Field::Int {
            min: 1,
            max: INT_MAX,
            get: |c| &mut c.maxclients,
        },
    },
    Directive {
        name: "timeout",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.timeout,
        },
    },
    Directive {
        name: "tcp-keepalive",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.tcp_keepalive,
        },
    },
    Directive {
        name: "io-threads",
        mutable: false,
        field: Field::Int {
            min: 1,
            max: 128,
            get: |c| &mut c.io_threads,
        },
    },
    Directive {
        name: "loglevel",
        mutable: true,
        field: Field::Enum(LOGLEVELS, |c| &mut c.loglevel),
    },
    Directive {
        name: "logfile",
        mutable: false,
        field: Field::Str(|c| &mut c.logfile),
    },
    Directive {
        name: "always-show-logo",
        mutable: false,
        field: Field::Bool(|c| &mut c.always_show_logo),
    },
    Directive {
        name: "daemonize",
        mutable: false,
        field: Field::Bool(|c| &mut c.daemonize),
    },
    Directive {
        name: "pidfile",
        mutable: false,
        field: Field::Str(|c| &mut c.pidfile),
    },
    Directive {
        name: "dir",
        mutable: true,
        field: Field::Str(|c| &mut c.dir),
    },
    Directive {
        name: "proto-max-bulk-len",
        mutable: true,
        field: Field::Memory {
            min: 1024 * 1024,
            max: i64::MAX,
            get: |c| &mut c.proto_max_bulk_len,
        },
    },
    Directive {
        name: "client-query-buffer-limit",
        mutable: true,
        field: Field::Memory {
            min: 1024 * 1024,
            max: i64::MAX,
            get: |c| &mut c.client_query_buffer_limit,
        },
    },
    Directive {
        name: "enable-debug-command",
        mutable: false,
        field: Field::Enum(DEBUG_MODES, |c| &mut c.enable_debug_command),
    },
    Directive {
        name: "hz",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.hz,
        },
    },
    Directive {
        name: "maxmemory",
        mutable: true,
        field: Field::Memory {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.maxmemory,
        },
    },
    Directive {
        name: "maxmemory-clients",
        mutable: true,
        field: Field::Special {
            set: |c, v| {
                c.maxmemory_clients = parse_memory_or_percent(v)?;
                Ok(())
            },
            get: |c| match c.maxmemory_clients {
                p if p < 0 => format!("{}%", -p),
                n => n.to_string(),
            },
        },
    },
    Directive {
        name: "maxmemory-samples",
        mutable: true,
        field: Field::Int {
            min: 1,
            max: 64,
            get: |c| &mut c.maxmemory_samples,
        },
    },
    Directive {
        name: "tracking-table-max-keys",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.tracking_table_max_keys,
        },
    },
    Directive {
        name: "maxmemory-policy",
        mutable: true,
        field: Field::Enum(MAXMEMORY_POLICIES, |c| &mut c.maxmemory_policy),
    },
    Directive {
        name: "lfu-log-factor",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.lfu_log_factor,
        },
    },
    Directive {
        name: "lfu-decay-time",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.lfu_decay_time,
        },
    },
    Directive {
        name: "repl-ping-replica-period",
        mutable: true,
        field: Field::Int {
            min: 1,
            max: INT_MAX,
            get: |c| &mut c.repl_ping_replica_period,
        },
    },
    Directive {
        name: "shutdown-timeout",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.shutdown_timeout,
        },
    },
    Directive {
        name: "shutdown-on-sigterm",
        mutable: true,
        field: Field::Special {
            set: |c, v| {
                c.shutdown_on_sigterm = crate::shutdown::ShutdownFlags::from_config(v)?;
                Ok(())
            },
            get: |c| c.shutdown_on_sigterm.to_config(),
        },
    },
    Directive {
        name: "shutdown-on-sigint",
        mutable: true,
        field: Field::Special {
            set: |c, v| {
                c.shutdown_on_sigint = crate::shutdown::ShutdownFlags::from_config(v)?;
                Ok(())
            },
            get: |c| c.shutdown_on_sigint.to_config(),
        },
    },
    Directive {
        name: "replicaof",
        mutable: false,
        field: Field::Words(|c| &mut c.replicaof_words),
    },
    Directive {
        name: "masterauth",
        mutable: true,
        field: Field::Str(|c| &mut c.masterauth),
    },
    Directive {
        name: "masteruser",
        mutable: true,
        field: Field::Str(|c| &mut c.masteruser),
    },
    Directive {
        name: "replica-read-only",
        mutable: true,
        field: Field::Bool(|c| &mut c.replica_read_only),
    },
    Directive {
        name: "replica-serve-stale-data",
        mutable: true,
        field: Field::Bool(|c| &mut c.replica_serve_stale_data),
    },
    Directive {
        name: "replica-ignore-maxmemory",
        mutable: true,
        field: Field::Bool(|c| &mut c.replica_ignore_maxmemory),
    },
    Directive {
        name: "replica-announced",
        mutable: true,
        field: Field::Bool(|c| &mut c.replica_announced),
    },
    Directive {
        name: "replica-lazy-flush",
        mutable: true,
        field: Field::Bool(|c| &mut c.replica_lazy_flush),
    },
    Directive {
        name: "replica-announce-ip",
        mutable: true,
        field: Field::Str(|c| &mut c.replica_announce_ip),
    },
    Directive {
        name: "repl-timeout",
        mutable: true,
        field: Field::Int {
            min: 1,
            max: INT_MAX,
            get: |c| &mut c.repl_timeout,
        },
    },
    Directive {
        name: "repl-backlog-size",
        mutable: true,
        field: Field::Memory {
            min: 1,
            max: i64::MAX,
            get: |c| &mut c.repl_backlog_size,
        },
    },
    Directive {
        name: "busy-reply-threshold",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.busy_reply_threshold,
        },
    },
    Directive {
        name: "min-replicas-to-write",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.min_replicas_to_write,
        },
    },
    Directive {
        name: "min-replicas-max-lag",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.min_replicas_max_lag,
        },
    },
    Directive {
        name: "replica-priority",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.replica_priority,
        },
    },
    Directive {
        name: "notify-keyspace-events",
        mutable: true,
        field: Field::Special {
            set: |c, v| {
                c.notify_keyspace_events = crate::notify::parse_flags(v.as_bytes())
                    .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
                Ok(())
            },
            get: |c| crate::notify::flags_to_string(c.notify_keyspace_events),
        },
    },
    Directive {
        name: "list-max-listpack-size",
        mutable: true,
        field: Field::Int {
            min: i32::MIN as i64,
            max: INT_MAX,
            get: |c| &mut c.list_max_listpack_size,
        },
    },
    Directive {
        name: "list-compress-depth",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: INT_MAX,
            get: |c| &mut c.list_compress_depth,
        },
    },
    Directive {
        name: "hash-max-listpack-entries",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.hash_max_listpack_entries,
        },
    },
    Directive {
        name: "hash-max-listpack-value",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.hash_max_listpack_value,
        },
    },
    Directive {
        name: "set-max-intset-entries",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.set_max_intset_entries,
        },
    },
    // Redis 7.2's (config.c: size_t, 0 to LONG_MAX, modifiable, plain integers).
    Directive {
        name: "set-max-listpack-entries",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.set_max_listpack_entries,
        },
    },
    Directive {
        name: "set-max-listpack-value",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.set_max_listpack_value,
        },
    },
    Directive {
        name: "zset-max-listpack-entries",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.zset_max_listpack_entries,
        },
    },
    Directive {
        name: "stream-node-max-bytes",
        mutable: true,
        field: Field::Memory {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.stream_node_max_bytes,
        },
    },
    Directive {
        name: "stream-node-max-entries",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.stream_node_max_entries,
        },
    },
    Directive {
        name: "zset-max-listpack-value",
        mutable: true,
        field: Field::Int {
            min: 0,
            max: i64::MAX,
            get: |c| &mut c.zset_max_listpack_value,
        },
    },
];

/// Redis 7.0 still answers to old names (the collections' ziplist, the replication's slave) and
/// lists them in CONFIG GET.
const ALIASES: &[(&str, &str)] = &[
    ("list-max-ziplist-size", "list-max-listpack-size"),
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("repl-ping-slave-period", "repl-ping-replica-period"),
    ("slaveof", "replicaof"),
    ("slave-read-only", "replica-read-only"),
    ("slave-serve-stale-data", "replica-serve-stale-data"),
    ("slave-ignore-maxmemory", "replica-ignore-maxmemory"),
    ("slave-lazy-flush", "replica-lazy-flush"),
    ("slave-announce-ip", "replica-announce-ip"),
    ("slave-priority", "replica-priority"),
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("lua-time-limit", "busy-reply-threshold"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
];

fn find(name: &str) -> Option<&'static Directive> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map_or(name, |(_, target)| target);
    DIRECTIVES.iter().find(|d| d.name.eq_ignore_ascii_case(name))
}

/// Parses a memory amount as Redis' `memtoull`: a number with an optional unit
/// (b, k, kb, m, mb, g, gb; case-insensitive; k=1000, kb=1024).
pub fn parse_memory(s: &str) -> Option<i64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit() && c != '-')
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let mul: i64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    parse_i64(num.as_bytes())?.checked_mul(mul)
}

/// A `save` line of a config file, as Redis reads them: the first one replaces the default
/// points and later ones add theirs; `save ""` clears them.
fn add_save_line(cfg: &mut Config, args: &[String], seen: &mut bool) -> Result<(), String> {
    let words: Vec<String> = args.iter().filter(|a| !a.is_empty()).cloned().collect();
    let points = parse_save_points(&words)?;
    let clear = matches!(args, [only] if only.is_empty());
    if !*seen || clear {
        cfg.save_points.clear();
        cfg.save.clear();
        *seen = true;
    }
    cfg.save_points.extend(points);
    cfg.save.extend(words);
    Ok(())
}

/// A MEMORY_CONFIG | PERCENT_CONFIG value (Redis' numericParseString): bytes with an
/// optional unit, or `N%`, kept as -N; at most 100%.
fn parse_memory_or_percent(v: &str) -> Result<i64, String> {
    if let Some(n) = parse_memory(v).filter(|&n| n >= 0) {
        return Ok(n);
    }
    let percent = v
        .strip_suffix('%')
        .filter(|d| !d.is_empty())
        .and_then(|d| parse_i64(d.as_bytes()))
        .filter(|&p| p >= 0);
    match percent {
        Some(p) if p > 100 => Err("percentage argument must be less or equal to 100".into()),
        Some(p) => Ok(-p),
        None => Err("argument must be a memory or percent value".into()),
    }
}

/// Redis' setConfigReplicaOfOption: `host port`, or `no one` for none.
fn parse_replicaof(words: &[String]) -> Result<Option<(String, u16)>, String> {
    let [host, port] = words else {
        return Err("wrong number of arguments".into());
    };
    if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
        return Ok(None);
    }
    let port = port.parse::<u16>().map_err(|_| "Invalid master port".to_string())?;
    Ok(Some((host.clone(), port)))
}

/// Redis' setConfigSaveOption: `seconds changes` pairs, seconds at least 1, changes at least 0;
/// no words (`save ""`) means no automatic saves.
fn parse_save_points(words: &[String]) -> Result<Vec<(i64, i64)>, String> {
    let bad = || "Invalid save parameters".to_string();
    if words.len() % 2 == 1 {
        return Err(bad());
    }
    let nums: Vec<i64> = words
        .iter()
        .map(|w| parse_i64(w.as_bytes()).ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    nums.chunks(2)
        .map(|p| match *p {
            [secs, changes] if secs >= 1 && changes >= 0 => Ok((secs, changes)),
            _ => Err(bad()),
        })
        .collect()
}

impl Directive {
    /// Sets the value from its arguments; the error is Redis' reason text.
    fn set(&self, cfg: &mut Config, args: &[String]) -> Result<(), String> {
        if let Field::Words(get) = self.field {
            let words: Vec<String> = args.iter().filter(|a| !a.is_empty()).cloned().collect();
            if self.name == "client-output-buffer-limit" {
                crate::obuf::parse(&words, &mut cfg.obuf_limits)?;
                cfg.obuf_words = crate::obuf::render(&cfg.obuf_limits);
                return Ok(());
            }
            if self.name == "replicaof" {
                cfg.replicaof = parse_replicaof(&words)?;
                cfg.replicaof_words = if cfg.replicaof.is_some() { words } else { Vec::new() };
                return Ok(());
            }
            if self.name == "save" {
                cfg.save_points = parse_save_points(&words)?;
                cfg.save = words;
                return Ok(());
            }
            *get(cfg) = words;
            return Ok(());
        }
        // Redis' multi-arg enums (shutdown-on-sigterm/-sigint) take their flags as words.
        let joined;
        let v = match args {
            [v] => v,
            [_, ..] if self.name.starts_with("shutdown-on-") => {
                joined = args.join(" ");
                &joined
            }
            _ => return Err("wrong number of arguments".into()),
        };
        match self.field {
            Field::Int { min, max, get } => {
                let n = parse_i64(v.as_bytes()).ok_or("argument couldn't be parsed into an integer")?;
                *get(cfg) = check_range(n, min, max)?;
            }
            Field::Memory { min, max, get } => {
                let n = parse_memory(v).ok_or("argument must be a memory value")?;
                *get(cfg) = check_range(n, min, max)?;
            }
            Field::Bool(get) => {
                *get(cfg) = match v.to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err("argument must be 'yes' or 'no'".into()),
                }
            }
            Field::Str(get) => *get(cfg) = v.clone(),
            Field::Enum(names, get) => {
                let i = names.iter().position(|n| n.eq_ignore_ascii_case(v));
                *get(cfg) =
                    i.ok_or_else(|| format!("argument(s) must be one of the following: {}", names.join(", ")))?;
            }
            Field::Special { set, .. } => set(cfg, v)?,
            Field::Words(_) => unreachable!("handled above"),
        }
        Ok(())
    }

    fn get(&self, cfg: &mut Config) -> String {
        match self.field {
            Field::Int { get, .. } | Field::Memory { get, .. } => get(cfg).to_string(),
            Field::Bool(get) => if *get(cfg) { "yes" } else { "no" }.into(),
            Field::Str(get) => get(cfg).clone(),
            Field::Enum(names, get) => names[*get(cfg)].into(),
            Field::Words(get) => get(cfg).join(" "),
            Field::Special { get, .. } => get(cfg),
        }
    }
}

fn check_range(n: i64, min: i64, max: i64) -> Result<i64, String> {
    if n < min || n > max {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(n)
}

/// A start-up configuration error, shown as Redis shows it before exiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFileError {
    pub line_no: usize,
    pub line: String,
    pub reason: String,
}

impl ConfigFileError {
    /// The text Redis prints on a bad configuration (to stderr) before exiting with status 1,
    /// followed by where the line came from (`origin`: the file, or the command line), which
    /// Redis leaves out.
    pub fn render(&self, version: &str, origin: &str) -> String {
        format!(
            "\n*** FATAL CONFIG FILE ERROR (Redis {version}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}\n({origin})\n",
            self.line_no, self.line, self.reason
        )
    }
}

/// Turns command-line options (`--port 7000 --bind a b`) into config text, as Redis does: each
/// `--name` starts a new line, the words after it are its quoted arguments. Redis appends this
/// to the file's text after a newline, so with no file the first option is on line 2.
pub fn options_to_text(args: &[String]) -> String {
    let mut text = String::new();
    for a in args {
        if let Some(name) = a.strip_prefix("--") {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(name);
        } else {
            text.push(' ');
            // Quoted as Redis' sdscatrepr, so that the line splits back into the same words.
            text.push_str(&crate::resp::repr(a.as_bytes()));
        }
    }
    text
}

impl Config {
    /// Applies config text (a file's contents followed by command-line options) on top of the
    /// defaults, stopping at the first bad line.
    pub fn from_text(text: &str) -> Result<Config, ConfigFileError> {
        let mut cfg = Config::default();
        let mut save_lines = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |reason: &str| ConfigFileError {
                line_no: i + 1,
                line: line.to_string(),
                reason: reason.into(),
            };
            let split = |text: &str| {
                split_args_lossy(text.as_bytes()).ok_or_else(|| fail("Unbalanced quotes in configuration line"))
            };
            let words = split(line)?;
            let Some(d) = find(&words[0]) else {
                return Err(fail("Bad directive or wrong number of arguments"));
            };
            // Redis' MULTI_ARG_CONFIG directives (save, bind, ...) may have no argument at
            // all: `save` alone turns the save points off, as `save ""` does.
            if words.len() < 2 && !matches!(d.field, Field::Words(_)) {
                return Err(fail("wrong number of arguments"));
            }
            let mut args = words[1..].to_vec();
            // As Redis: one non-empty argument of a multi-argument directive is split at its
            // spaces, so that `--save "900 1"` on the command line is `save 900 1`.
            if let (Field::Words(_), [one]) = (&d.field, args.as_slice()) {
                if !one.is_empty() {
                    args = split(one)?;
                }
            }
            if d.name == "save" {
                add_save_line(&mut cfg, &args, &mut save_lines).map_err(|r| fail(&r))?;
                continue;
            }
            d.set(&mut cfg, &args).map_err(|r| fail(&r))?;
        }
        cfg.clamp_hz();
        Ok(cfg)
    }

    /// `CONFIG GET`: name/value pairs for every directive matching any of the patterns.
    pub fn get_matching(&mut self, patterns: &[&[u8]]) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for d in DIRECTIVES {
            let hidden = HIDDEN.contains(&d.name);
            let matches = |p: &&[u8]| {
                let exact = p.eq_ignore_ascii_case(d.name.as_bytes());
                exact || (!hidden && glob_match(p, d.name.as_bytes(), true))
            };
            if patterns.iter().any(matches) {
                out.push((d.name, d.get(self)));
            }
        }
        for (alias, target) in ALIASES {
            if patterns.iter().any(|p| glob_match(p, alias.as_bytes(), true)) {
                if let Some(d) = find(target) {
                    out.push((alias, d.get(self)));
                }
            }
        }
        out
    }

    /// `CONFIG SET name value [name value ...]`: all or nothing. The error is Redis' full text.
    pub fn set_many(&mut self, pairs: &[(String, String)]) -> Result<Vec<&'static str>, String> {
        let directives = resolve(pairs)?;
        let mut next = self.clone();
        for (i, (d, (_, value))) in directives.iter().zip(pairs).enumerate() {
            if let Err(r) = d.set(&mut next, &d.words(value)) {
                self.restore_rendered(&directives[..=i]);
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{}') - {r}",
                    d.name
                ));
            }
        }
        next.clamp_hz();
        *self = next;
        Ok(directives.iter().map(|d| d.name).collect())
    }

    /// The directives `names` (known ones) as CONFIG GET shows them, to be set back with
    /// [`Config::restore`] (Redis' backupConfig before a CONFIG SET).
    pub fn backup(&mut self, names: &[&str]) -> Vec<(&'static str, String)> {
        names
            .iter()
            .filter_map(|n| find(n))
            .map(|d| (d.name, d.get(self)))
            .collect()
    }

    /// Sets back what [`Config::backup`] saved (Redis' restoreBackupConfig).
    pub fn restore(&mut self, saved: &[(&'static str, String)]) {
        for (name, shown) in saved {
            if let Some(d) = find(name) {
                let _ = d.set(self, &d.words(shown));
            }
        }
    }

    /// After a failed CONFIG SET, Redis sets back what it tried to set (the failing one
    /// included) from the values as CONFIG GET showed them before: the same values, except
    /// where that text loses something (notify-keyspace-events shows "A" without "n").
    fn restore_rendered(&mut self, directives: &[&Directive]) {
        for d in directives {
            let shown = d.get(self);
            let _ = d.set(self, &d.words(&shown));
        }
    }
}

/// The directives CONFIG SET names, all checked before any is set, as Redis does: the first
/// unknown, immutable or repeated name is the error.
fn resolve(pairs: &[(String, String)]) -> Result<Vec<&'static Directive>, String> {
    let mut directives: Vec<&'static Directive> = Vec::new();
    for (name, _) in pairs {
        let Some(d) = find(name) else {
            return Err(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
            ));
        };
        let why = if !d.mutable {
            "can't set immutable config"
        } else if directives.iter().any(|seen| seen.name == d.name) {
            "duplicate parameter"
        } else {
            directives.push(d);
            continue;
        };
        return Err(format!(
            "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ));
    }
    Ok(directives)
}

impl Directive {
    /// A CONFIG SET value as this directive's arguments: a list directive takes its words.
    fn words(&self, value: &str) -> Vec<String> {
        if matches!(self.field, Field::Words(_)) {
            value.split_whitespace().map(String::from).collect()
        } else {
            vec![value.to_string()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_text_overrides_defaults() {
        let cfg = Config::from_text("# comment\nport 7000\nbind 127.0.0.1 ::1\nprotected-mode no\nrequirepass \"a b\"\nclient-query-buffer-limit 2mb\n").unwrap();
        assert_eq!(cfg.port, 7000);
        assert_eq!(cfg.bind, vec!["127.0.0.1", "::1"]);
        assert!(!cfg.protected_mode);
        assert_eq!(cfg.requirepass, "a b");
        assert_eq!(cfg.client_query_buffer_limit, 2 * 1024 * 1024);
    }

    #[test]
    fn bad_lines_name_line_and_reason() {
        let e = Config::from_text("port 1\nfoo bar\n").unwrap_err();
        assert_eq!((e.line_no, e.line.as_str()), (2, "foo bar"));
        assert_eq!(e.reason, "Bad directive or wrong number of arguments");
        let e = Config::from_text("port abc").unwrap_err();
        assert_eq!(e.reason, "argument couldn't be parsed into an integer");
        let e = Config::from_text("protected-mode maybe").unwrap_err();
        assert_eq!(e.reason, "argument must be 'yes' or 'no'");
        assert_eq!(
            Config::from_text("logfile").unwrap_err().reason,
            "wrong number of arguments"
        );
        assert_eq!(
            Config::from_text("requirepass \"a b").unwrap_err().reason,
            "Unbalanced quotes in configuration line"
        );
        assert_eq!(Config::from_text("requirepass \"\"").unwrap().requirepass, "");
        // `save` lines add up, as in Redis; the first replaces the defaults, `save ""` clears
        // them, `save` alone (as Redis' test suite writes it) adds nothing.
        let points = |text: &str| Config::from_text(text).unwrap().save_points;
        assert_eq!(points("save 900 1\nsave 300 10\n"), vec![(900, 1), (300, 10)]);
        assert_eq!(points("save 900 1\nsave \"\"\nsave 60 5\n"), vec![(60, 5)]);
        assert_eq!(points("save\n"), vec![]);
        assert_eq!(points("save 900 1\nsave\n"), vec![(900, 1)]);
        // The command line's --save "900 1" arrives as one quoted argument.
        assert_eq!(points("save \"900 1 300 10\"\n"), vec![(900, 1), (300, 10)]);
        let cfg = Config::from_text("save 900 1\nsave 300 10\n").unwrap();
        assert_eq!(cfg.save, vec!["900", "1", "300", "10"]);
    }

    #[test]
    fn command_line_options_become_config_lines() {
        let args: Vec<String> = ["--port", "7001", "--bind", "a b", "c\x01"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = options_to_text(&args);
        assert_eq!(text, "port \"7001\"\nbind \"a b\" \"c\\x01\"");
        let cfg = Config::from_text(&text).unwrap();
        assert_eq!(cfg.port, 7001);
        assert_eq!(cfg.bind, vec!["a b", "c\x01"]);
        let e = Config::from_text(&format!("\n{}", options_to_text(&["--port".into(), "70000".into()]))).unwrap_err();
        assert_eq!((e.line_no, e.line.as_str()), (2, "port \"70000\""));
        assert_eq!(e.reason, "argument must be between 0 and 65535 inclusive");
    }

    #[test]
    fn old_ziplist_names_are_aliases() {
        let mut cfg = Config::default();
        cfg.set_many(&[("hash-max-ziplist-value".into(), "10".into())]).unwrap();
        assert_eq!(cfg.hash_max_listpack_value, 10);
        let got = cfg.get_matching(&[b"hash-max-*-value"]);
        assert_eq!(
            got,
            vec![
                ("hash-max-listpack-value", "10".to_string()),
                ("hash-max-ziplist-value", "10".to_string())
            ]
        );
        let err = cfg
            .set_many(&[
                ("hash-max-ziplist-value".into(), "1".into()),
                ("hash-max-listpack-value".into(), "2".into()),
            ])
            .unwrap_err();
        assert!(err.ends_with("- duplicate parameter"), "{err}");
    }

    #[test]
    fn config_set_is_all_or_nothing() {
        let mut cfg = Config::default();
        let err = cfg
            .set_many(&[("timeout".into(), "5".into()), ("maxclients".into(), "abc".into())])
            .unwrap_err();
        assert_eq!(err, "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer");
        assert_eq!(cfg.timeout, 0);
        assert!(cfg
            .set_many(&[("databases".into(), "4".into())])
            .unwrap_err()
            .contains("can't set immutable config"));
        cfg.set_many(&[("TIMEOUT".into(), "5".into())]).unwrap();
        assert_eq!(cfg.timeout, 5);
        assert_eq!(cfg.get_matching(&[b"time*"]), vec![("timeout", "5".to_string())]);
    }

    #[test]
    fn memory_values_take_units() {
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("100K"), Some(100_000));
        assert_eq!(parse_memory("12"), Some(12));
        assert_eq!(parse_memory("1xb"), None);
    }
}
