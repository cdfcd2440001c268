//! Loading the AOF (Redis' loadAppendOnlyFiles): the manifest, then the base (an RDB image or
//! commands), then each incr file, whose commands run through a client of their own that
//! propagates nothing. A torn tail of the last file is cut off when `aof-load-truncated` is on
//! (and the file truncated to its last whole command); otherwise the start-up is refused.
//! Also DEBUG LOADAOF, which empties the dataset and loads the files again while its client
//! waits. Like the start-up RDB, a file goes in a step at a time on the server's ticks (keys of
//! an RDB base, commands of the others), with other clients answered `-LOADING` meanwhile; as
//! in Redis, no key expires while loading.

use std::collections::VecDeque;

use super::aof::Manifest;
use super::Job;
use crate::client::{Client, ClientId, ConnInfo};
use crate::disk::{DiskErrorKind, DiskOp, DiskResult};
use crate::server::Server;
use crate::LogLevel;

/// The id of the client AOF commands run as (Redis' CLIENT_ID_AOF).
pub(crate) const AOF_CLIENT: ClientId = u64::MAX;

/// Commands replayed per step (each step is one tick; the next is due at once). A step never
/// ends inside MULTI, so the AOF client lives only for a step, or until the slow script it
/// started ends.
const COMMANDS_PER_STEP: usize = 10_000;

/// A command file being replayed: where the next command starts and where the open
/// transaction began (a file torn inside MULTI loses the whole of it).
struct Replay {
    data: Vec<u8>,
    pos: usize,
    multi_at: Option<usize>,
    /// The db the AOF client has selected: a file's commands go on in it from step to step
    /// (Redis uses one client for the whole file, and writes SELECT only on a change).
    db: usize,
    path: String,
    name: String,
    last: bool,
}

pub(crate) struct AofLoad {
    pub(super) manifest: Option<Manifest>,
    /// Files still to read: path, name, whether it is the base.
    pub(super) files: VecDeque<(String, String, bool)>,
    /// DEBUG LOADAOF's client, answered at the end (the server waits meanwhile).
    pub(crate) client: Option<ClientId>,
    /// Sizes of the base and of the last incr file read (for auto-aof-rewrite).
    base_bytes: u64,
    incr_bytes: u64,
    replay: Option<Replay>,
    /// The base whose RDB part is loading (path, name, whether it is the last file): an
    /// old-style AOF's commands follow that part.
    rdb_base: Option<(String, String, bool)>,
    /// Reading `appendfilename` in `dir`, an AOF of Redis 6.2 or older, to move it in.
    pub(super) probing_old: bool,
    /// Moving that file in: the load goes on once the steps are on disk.
    pub(super) upgrading: bool,
}

/// How a command stream ended badly: at byte `valid` (the end of the last whole command).
struct Torn {
    valid: usize,
    truncated: bool,
    /// The name of a command no table has: the load fails on it, as Redis' does.
    unknown: Option<Vec<u8>>,
}

impl Server {
    /// Start-up with `appendonly yes`, or DEBUG LOADAOF for `client`.
    pub(crate) fn begin_aof_load(&mut self, client: Option<ClientId>) {
        self.persist.loading = true;
        self.persist.aof_load = Some(AofLoad {
            manifest: None,
            files: VecDeque::new(),
            client,
            base_bytes: 0,
            incr_bytes: 0,
            replay: None,
            rdb_base: None,
            probing_old: false,
            upgrading: false,
        });
        let path = self.aof_manifest_path();
        self.submit(Job::AofLoad, DiskOp::Read { path });
    }

    /// Start-up with `appendonly no`: the manifest is still read, as Redis'
    /// aofLoadManifestFromDisk reads it whatever the setting (a later rewrite numbers its files
    /// after it, and its history goes); the RDB file loads after it.
    pub(crate) fn begin_manifest_read(&mut self) {
        self.persist.loading = true;
        let path = self.aof_manifest_path();
        self.submit(Job::AofManifest, DiskOp::Read { path });
    }

    pub(super) fn aof_manifest_read(&mut self, result: DiskResult) {
        let manifest = match result {
            Ok(data) => self.parse_manifest(&data.unwrap_or_default()),
            Err(e) if e.kind == DiskErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => {
                let path = self.aof_manifest_path();
                Err(format!(
                    "Fatal error: can't open the AOF manifest {path} for reading: {}",
                    e.message
                ))
            }
        };
        match manifest {
            Ok(m) => {
                self.persist.aof.manifest = m;
                self.begin_startup_load();
                self.aof_gc_history(None);
            }
            Err(last) => self.exit_loading(&last),
        }
    }

    /// A manifest as Redis reads it; refused, the fatal error is logged but for its last line,
    /// which is returned.
    fn parse_manifest(&mut self, data: &[u8]) -> Result<Manifest, String> {
        Manifest::parse(data).map_err(|e| {
            self.log(LogLevel::Warning, "\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
            if let Some((n, text)) = &e.line {
                self.log(LogLevel::Warning, format!("Reading the manifest file, at line {n}\n"));
                self.log(LogLevel::Warning, format!(">>> '{text}'\n"));
            }
            format!("{}\n", e.reason)
        })
    }

    /// DEBUG LOADAOF: the AOF written and fsynced, the dataset emptied, the files loaded
    /// again; the reply waits for all of it.
    pub(crate) fn debug_loadaof(&mut self, client: ClientId) {
        if self.persist.aof.on {
            self.aof_flush(true);
        }
        for db in &mut self.dbs {
            db.clear();
        }
        self.begin_aof_load(Some(client));
    }

    pub(super) fn aof_load_progress(&mut self, result: DiskResult) {
        let Some(mut load) = self.persist.aof_load.take() else {
            return;
        };
        let data = match result {
            Ok(_) if load.probing_old => return self.upgrade_old_aof(load),
            Ok(data) => data.unwrap_or_default(),
            Err(e) if e.kind == DiskErrorKind::NotFound && self.may_be_old_aof(&load) => {
                return self.probe_old_aof(load);
            }
            Err(e) if e.kind == DiskErrorKind::NotFound && load.manifest.is_none() => {
                return self.aof_load_finished(load, None);
            }
            Err(e) => {
                let name = load.files.front().map_or("", |f| f.1.as_str()).to_string();
                let why = if e.kind == DiskErrorKind::NotFound {
                    // As Redis: a file the manifest names must exist.
                    format!("Unable to obtain the AOF file {name} length. stat: {}", e.message)
                } else {
                    format!(
                        "Fatal error: can't open the append log file {name} for reading: {}",
                        e.message
                    )
                };
                return self.aof_load_failed(load, &why);
            }
        };
        if load.manifest.is_none() {
            let manifest = match self.parse_manifest(&data) {
                Ok(m) => m,
                Err(last) => return self.aof_load_failed(load, &last),
            };
            for (name, _) in manifest.base.iter() {
                load.files.push_back((self.aof_file(name), name.clone(), true));
            }
            for (name, _) in &manifest.incrs {
                load.files.push_back((self.aof_file(name), name.clone(), false));
            }
            load.manifest = Some(manifest);
        } else if let Some((path, name, is_base)) = load.files.pop_front() {
            let last = load.files.is_empty();
            if is_base {
                load.base_bytes = data.len() as u64;
            } else {
                load.incr_bytes = data.len() as u64;
            }
            if is_base && data.starts_with(b"REDIS") {
                let old_style = name == self.cfg.appendfilename;
                self.log(
                    LogLevel::Notice,
                    match old_style {
                        true => "Reading RDB preamble from AOF file...",
                        false => "Reading RDB base file on AOF loading...",
                    },
                );
                load.rdb_base = Some((path, name, last));
                self.persist.aof_load = Some(load);
                self.abort_bgsave("load");
                return self.begin_rdb_steps(data, true);
            }
            load.replay = Some(Replay {
                data,
                pos: 0,
                multi_at: None,
                db: 0,
                path,
                name,
                last,
            });
            self.persist.aof_load = Some(load);
            return self.aof_replay_step();
        }
        self.persist.aof_load = Some(load);
        self.aof_read_next();
    }

    /// The RDB part of a base is loaded (it ends at `end`): commands after it, the tail of an
    /// AOF Redis 6.2 or older wrote with the RDB preamble, are replayed as Redis does.
    pub(super) fn aof_base_rdb_loaded(&mut self, image: Vec<u8>, end: usize) {
        let Some(mut load) = self.persist.aof_load.take() else {
            return;
        };
        let Some((path, name, last)) = load.rdb_base.take().filter(|_| end < image.len()) else {
            self.persist.aof_load = Some(load);
            return self.aof_read_next();
        };
        if name == self.cfg.appendfilename {
            self.log(LogLevel::Notice, "Reading the remaining AOF tail...");
        }
        load.replay = Some(Replay {
            data: image,
            pos: end,
            multi_at: None,
            db: 0,
            path,
            name,
            last,
        });
        self.persist.aof_load = Some(load);
        self.aof_replay_step();
    }

    /// The next file is asked for, or (none left) the load ends.
    pub(super) fn aof_read_next(&mut self) {
        let Some(mut load) = self.persist.aof_load.take() else {
            return;
        };
        match load.files.front() {
            Some((path, _, _)) => {
                let path = path.clone();
                self.persist.aof_load = Some(load);
                self.submit(Job::AofLoad, DiskOp::Read { path });
            }
            None => {
                let manifest = load.manifest.take();
                self.aof_load_finished(load, manifest);
            }
        }
    }

    /// Whether a command file is being replayed (its next step is due).
    pub(crate) fn aof_replaying(&self) -> bool {
        self.persist.aof_load.as_ref().is_some_and(|l| l.replay.is_some())
    }

    /// The load cannot go on: the start-up stops (DEBUG LOADAOF is refused).
    pub(super) fn fail_aof_load(&mut self, why: &str) {
        if let Some(load) = self.persist.aof_load.take() {
            self.aof_load_failed(load, why);
        }
    }

    /// The next commands of the file being replayed; its end goes on to the next file.
    pub(crate) fn aof_replay_step(&mut self) {
        if self.script_suspended() {
            return;
        }
        let step = self.load_step_size(COMMANDS_PER_STEP);
        let Some(mut load) = self.persist.aof_load.take() else {
            return;
        };
        let Some(mut r) = load.replay.take() else {
            self.persist.aof_load = Some(load);
            return;
        };
        let result = self.replay_commands(&mut r, step);
        if let Ok(false) = result {
            // More next step.
            load.replay = Some(r);
            self.persist.aof_load = Some(load);
            return;
        }
        self.persist.aof_load = Some(load);
        match result {
            Ok(_) => self.aof_read_next(),
            Err(torn) => match self.aof_torn(torn, &r) {
                Ok(()) => self.aof_read_next(),
                Err(why) => self.fail_aof_load(&why),
            },
        }
    }

    /// A file that ends badly: a torn tail of the last file is cut off if `aof-load-truncated`
    /// allows; anything else fails the load.
    fn aof_torn(&mut self, torn: Torn, r: &Replay) -> Result<(), String> {
        let name = &r.name;
        if let Some(cmd) = &torn.unknown {
            let cmd = String::from_utf8_lossy(cmd);
            return Err(format!("Unknown command '{cmd}' reading the append only file {name}"));
        }
        if torn.truncated && r.last && self.cfg.aof_load_truncated {
            self.log(
                LogLevel::Warning,
                format!("!!! Warning: short read while loading the AOF file {name}!!!"),
            );
            self.log(
                LogLevel::Warning,
                format!("AOF {name} loaded anyway because aof-load-truncated is enabled"),
            );
            let len = torn.valid as u64;
            self.submit(
                Job::Cleanup,
                DiskOp::Truncate {
                    path: r.path.clone(),
                    len,
                },
            );
            return Ok(());
        }
        if torn.truncated {
            return Err(format!(
                "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
            ));
        }
        Err(format!(
            "Bad file format reading the append only file {name} at offset {}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>",
            torn.valid
        ))
    }

    /// Runs the next step of whole commands of the file as the AOF client, propagating
    /// nothing; whether the file is done.
    fn replay_commands(&mut self, r: &mut Replay, step: usize) -> Result<bool, Torn> {
        let conn = ConnInfo {
            addr: String::new(),
            laddr: String::new(),
            fd: -1,
            loopback: true,
            unix: false,
        };
        let now = self.clock.mono_us();
        let mut client = Client::new(AOF_CLIENT, conn, now, true);
        // Redis' mustObeyClient: the AOF's commands run as the master's do, with no check of
        // this server's own state (a read-only replica's EVAL writes, an OOM, a pause).
        client.master = true;
        client.db = r.db;
        self.clients.insert(AOF_CLIENT, client);
        let result = self.as_aof_client(|srv| srv.run_aof_commands(r, step));
        // A slow script goes on in slices (scripting::slices) as the AOF client, which
        // `drop_aof_client` ends.
        if !self.script_suspended() {
            r.db = self.drop_aof_client().unwrap_or(r.db);
        }
        result
    }

    /// Runs `f` as the AOF's commands run: the server counts as not loading, so they run,
    /// but no key expires, and nothing is appended or propagated.
    pub(crate) fn as_aof_client<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let (aof_on, repl_aof, backlog) = (self.persist.aof.on, self.repl.aof, self.repl.backlog);
        self.persist.loading = false;
        self.persist.replaying = true;
        self.persist.aof.on = false;
        self.repl.aof = false;
        self.repl.backlog = false;
        let result = f(self);
        self.persist.aof.on = aof_on;
        self.repl.aof = repl_aof;
        self.repl.backlog = backlog;
        self.persist.replaying = false;
        self.persist.loading = true;
        result
    }

    /// The AOF client goes; returns the db it had selected, for the file's next commands.
    fn drop_aof_client(&mut self) -> Option<usize> {
        self.forget_client_state(AOF_CLIENT);
        self.clients.remove(&AOF_CLIENT).map(|c| c.db)
    }

    /// A slow script from the AOF ended (see `scripting::slices`): its client goes, and the
    /// file goes on in the db it left selected.
    pub(crate) fn aof_script_ended(&mut self) {
        let db = self.drop_aof_client();
        if let (Some(db), Some(r)) = (db, self.persist.aof_load.as_mut().and_then(|l| l.replay.as_mut())) {
            r.db = db;
        }
        // A load DEBUG LOADAOF waits for gets no ticks: the next step runs now.
        self.aof_replay_step();
    }

    fn run_aof_commands(&mut self, r: &mut Replay, step: usize) -> Result<bool, Torn> {
        let mut ran = 0;
        while r.pos < r.data.len() {
            if ran >= step && r.multi_at.is_none() {
                return Ok(false);
            }
            let (args, next) = match parse_command(&r.data, r.pos) {
                Parsed::Command(args, next) => (args, next),
                Parsed::Comment(next) => {
                    r.pos = next;
                    continue;
                }
                Parsed::Incomplete => {
                    return Err(Torn {
                        valid: r.multi_at.unwrap_or(r.pos),
                        truncated: true,
                        unknown: None,
                    })
                }
                Parsed::Bad => {
                    return Err(Torn {
                        valid: r.pos,
                        truncated: false,
                        unknown: None,
                    })
                }
            };
            if args[0].eq_ignore_ascii_case(b"multi") {
                r.multi_at = Some(r.pos);
            } else if args[0].eq_ignore_ascii_case(b"exec") {
                r.multi_at = None;
            }
            if let crate::command::Lookup::Unknown = crate::command::lookup(&self.commands, &args) {
                return Err(Torn {
                    valid: r.pos,
                    truncated: false,
                    unknown: Some(args[0].clone()),
                });
            }
            crate::command::execute(self, AOF_CLIENT, &args);
            if let Some(c) = self.clients.get_mut(&AOF_CLIENT) {
                c.reply.buf.clear();
            }
            r.pos = next;
            ran += 1;
            // The script ends in later slices; the file goes on after it (aof_replay_step
            // waits, as every tick goes to the script meanwhile).
            if self.script_suspended() {
                return Ok(false);
            }
        }
        if let Some(at) = r.multi_at {
            self.log(
                LogLevel::Warning,
                "Revert incomplete MULTI/EXEC transaction in AOF file",
            );
            return Err(Torn {
                valid: at,
                truncated: true,
                unknown: None,
            });
        }
        Ok(true)
    }

    fn aof_load_finished(&mut self, load: AofLoad, manifest: Option<Manifest>) {
        self.persist.loading = false;
        let startup = load.client.is_none();
        match manifest {
            Some(m) => {
                self.adopt_manifest(&load, m, startup);
                self.log(LogLevel::Notice, "DB loaded from append only file");
            }
            // Starting with no AOF yet, one is made from the (empty) dataset.
            None if startup => self.adopt_manifest(&load, Manifest::default(), true),
            None => {}
        }
        if let Some(id) = load.client {
            self.repl.dirty = 0;
            self.log(LogLevel::Warning, "Append Only File loaded by DEBUG LOADAOF");
            self.answer(id, crate::resp::Reply::ok);
        }
    }

    /// The manifest just loaded becomes the AOF's; at start-up appends go on in its last incr
    /// file (one is made if it has none).
    fn adopt_manifest(&mut self, load: &AofLoad, mut m: Manifest, startup: bool) {
        self.persist.aof.base_size = load.base_bytes;
        if startup {
            self.open_incr_on_start(&mut m);
            self.persist.aof.on = true;
            self.repl.aof = true;
        }
        let incr = m.incrs.last().map(|(n, _)| self.aof_file(n));
        let aof = &mut self.persist.aof;
        // (DEBUG LOADAOF during a rewrite: appends stay in the file the rewrite opened.)
        if let (Some(path), true, false) = (incr, aof.on, aof.rewriting && !startup) {
            aof.set_incr(path);
        }
        aof.incr_size = load.incr_bytes;
        // DEBUG LOADAOF takes the manifest from the disk, as Redis does, unless a rewrite
        // (which ends with a manifest of its own) is running.
        if startup || !aof.rewriting {
            aof.manifest = m;
        }
        self.aof_gc_history(None);
    }

    fn aof_load_failed(&mut self, load: AofLoad, why: &str) {
        let Some(id) = load.client else {
            return self.exit_loading(why);
        };
        self.persist.loading = false;
        self.log(LogLevel::Warning, why.to_string());
        // Redis exits here; refusing the command keeps the server up instead.
        self.answer(id, |r| r.err("Error trying to load the AOF files, check server logs."));
    }
}

enum Parsed {
    Command(Vec<Vec<u8>>, usize),
    /// An annotation line (`#TS:...`), skipped.
    Comment(usize),
    Incomplete,
    Bad,
}

/// One multibulk command of an AOF at `pos`.
fn parse_command(data: &[u8], pos: usize) -> Parsed {
    let line = |at: usize| -> Option<(&[u8], usize)> {
        let end = data[at..].windows(2).position(|w| w == b"\r\n")? + at;
        Some((&data[at..end], end + 2))
    };
    let number = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<usize>().ok();
    if data[pos] == b'#' {
        return match line(pos) {
            Some((_, next)) => Parsed::Comment(next),
            None => Parsed::Incomplete,
        };
    }
    if data[pos] != b'*' {
        return Parsed::Bad;
    }
    let Some((head, mut at)) = line(pos) else {
        return Parsed::Incomplete;
    };
    let Some(argc) = number(&head[1..]).filter(|&n| n > 0) else {
        return Parsed::Bad;
    };
    let mut args = Vec::with_capacity(argc.min(1024));
    for _ in 0..argc {
        if at >= data.len() {
            return Parsed::Incomplete;
        }
        if data[at] != b'$' {
            return Parsed::Bad;
        }
        let Some((len_line, start)) = line(at) else {
            return Parsed::Incomplete;
        };
        let Some(len) = number(&len_line[1..]) else {
            return Parsed::Bad;
        };
        if data.len() < start + len + 2 {
            return Parsed::Incomplete;
        }
        if &data[start + len..start + len + 2] != b"\r\n" {
            return Parsed::Bad;
        }
        args.push(data[start..start + len].to_vec());
        at = start + len + 2;
    }
    Parsed::Command(args, at)
}

#[cfg(test)]
mod tests {
    use super::{parse_command, Parsed};

    #[test]
    fn commands_comments_torn_and_bad_input() {
        let data = b"#TS:1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPI";
        let Parsed::Comment(at) = parse_command(data, 0) else {
            panic!()
        };
        let Parsed::Command(args, next) = parse_command(data, at) else {
            panic!()
        };
        assert_eq!(args, vec![b"GET".to_vec(), b"k".to_vec()]);
        assert!(matches!(parse_command(data, next), Parsed::Incomplete));
        assert!(matches!(parse_command(b"+OK\r\n", 0), Parsed::Bad));
        assert!(matches!(parse_command(b"*1\r\n$2\r\nabc\r\n", 0), Parsed::Bad));
    }
}
