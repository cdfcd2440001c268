//! Whole RDB files, as Redis 7.0's rdbSaveRio / rdbLoadRio lay them out:
//!
//! ```text
//! "REDIS0010"  AUX fields (0xFA key value)...
//! per non-empty database: SELECTDB n, RESIZEDB keys expires,
//!     per key: [EXPIRETIME_MS t(8, LE)] [IDLE n | FREQ b] type key value
//! EOF (0xFF)  CRC-64 of everything before (8 bytes, LE; 0 = not checked)
//! ```
//!
//! The saver writes exactly what Redis 7.0 writes for the types that exist; the loader reads
//! what Redis 7.x writes (versions 1–11) and refuses what it cannot hold with an [`RdbError`].

use super::crc64::crc64;
use super::{opcode, types, Decoder, Encoder, ErrorKind, LoadOptions, RdbError, RDB_VERSION};
use crate::db::{Db, Obj};
use crate::value::Value;

/// The newest RDB version this loader reads (Redis 7.2 writes 11).
pub const MAX_LOAD_VERSION: u32 = 11;

/// What the AUX fields of a saved file say besides the data.
pub struct SaveInfo {
    pub ctime_s: u64,
    pub used_mem: u64,
    /// For a full sync: the replication id, offset and the db the stream has selected.
    pub repl: Option<(String, u64, i64)>,
    pub access: Access,
    /// The function libraries, already encoded (FUNCTION2 and code, per library), written
    /// after the AUX fields as Redis' rdbSaveFunctions does.
    pub functions: Vec<u8>,
}

/// What is saved of each key's access field, per the maxmemory policy.
#[derive(Clone, Copy)]
pub enum Access {
    None,
    /// LRU policies: IDLE, seconds since the last access on the wrapping LRU clock.
    Idle {
        lru_clock: u32,
    },
    /// LFU policies: FREQ, the counter after its decay.
    Freq {
        now_min: u32,
        decay_time: i64,
    },
}

/// The RDB file of `dbs`, byte for byte as Redis 7.0 saves it with `rdbcompression`
/// `compression` and no LRU/LFU maxmemory policy.
pub fn save(dbs: &[Db], info: &SaveInfo, compression: bool) -> Vec<u8> {
    let mut e = Encoder::new(compression);
    write_header(&mut e, info);
    for (i, db) in dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        write_db_start(&mut e, i, db.len(), db.expires_len());
        for (key, obj) in db.iter_objs() {
            write_entry(&mut e, key, obj, db.expire_at(key), info.access);
        }
    }
    finish(e.into_bytes(), true)
}

/// The magic, the version and the AUX fields every file starts with.
pub fn write_header(e: &mut Encoder, info: &SaveInfo) {
    e.write_raw(format!("REDIS{RDB_VERSION:04}").as_bytes());
    write_aux(e, b"redis-ver", crate::REDIS_VERSION.as_bytes());
    write_aux_int(e, b"redis-bits", 64);
    write_aux_int(e, b"ctime", info.ctime_s as i64);
    write_aux_int(e, b"used-mem", info.used_mem as i64);
    if let Some((replid, offset, db)) = &info.repl {
        write_aux_int(e, b"repl-stream-db", *db);
        write_aux(e, b"repl-id", replid.as_bytes());
        write_aux_int(e, b"repl-offset", *offset as i64);
    }
    write_aux_int(e, b"aof-base", 0);
    e.write_raw(&info.functions);
}

/// SELECTDB and RESIZEDB: what opens the section of database `db`.
pub fn write_db_start(e: &mut Encoder, db: usize, keys: usize, expires: usize) {
    e.write_u8(opcode::SELECTDB);
    e.write_len(db as u64);
    e.write_u8(opcode::RESIZEDB);
    e.write_len(keys as u64);
    e.write_len(expires as u64);
}

/// One key: its expiry, its access field per `access`, then type, name and value.
pub fn write_entry(e: &mut Encoder, key: &[u8], obj: &Obj, expire_at: Option<u64>, access: Access) {
    if let Some(at) = expire_at {
        e.write_u8(opcode::EXPIRETIME_MS);
        e.write_raw(&at.to_le_bytes());
    }
    match access {
        Access::None => {}
        Access::Idle { lru_clock } => {
            e.write_u8(opcode::IDLE);
            e.write_len(u64::from(crate::db::idle_seconds(lru_clock, obj.lru)));
        }
        Access::Freq { now_min, decay_time } => {
            e.write_u8(opcode::FREQ);
            e.write_u8(crate::lfu::decayed(obj.lru, now_min, decay_time) as u8);
        }
    }
    e.write_object_type(&obj.value);
    e.write_string(key);
    e.write_object(&obj.value);
}

/// The EOF opcode and the checksum of everything before it (0 without `rdbchecksum`).
pub fn finish(mut body: Vec<u8>, checksum: bool) -> Vec<u8> {
    body.push(opcode::EOF);
    let crc = if checksum { crc64(0, &body) } else { 0 };
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

fn write_aux(e: &mut Encoder, key: &[u8], value: &[u8]) {
    e.write_u8(opcode::AUX);
    e.write_string(key);
    e.write_string(value);
}

fn write_aux_int(e: &mut Encoder, key: &[u8], value: i64) {
    write_aux(e, key, value.to_string().as_bytes());
}

/// The AUX fields of a file, name and value, in file order.
pub type AuxFields = Vec<(Vec<u8>, Vec<u8>)>;

/// One key as loaded.
pub struct LoadedKey {
    pub db: usize,
    pub key: Vec<u8>,
    pub value: Value,
    /// Absolute expiry, unix ms.
    pub expire_ms: Option<u64>,
    /// Seconds idle (IDLE opcode) or the LFU counter (FREQ opcode), as saved.
    pub idle_s: Option<u64>,
    pub freq: Option<u8>,
}

/// Reads a whole RDB file, handing every key to `sink` in file order. `databases` bounds
/// SELECTDB. Returns the AUX fields.
pub fn load(
    buf: &[u8],
    opts: LoadOptions,
    databases: usize,
    sink: impl FnMut(LoadedKey),
) -> Result<AuxFields, RdbError> {
    load_all(buf, opts, databases, sink).map(|(aux, _)| aux)
}

/// [`load`], also returning the function libraries' code, in file order.
pub fn load_all(
    buf: &[u8],
    opts: LoadOptions,
    databases: usize,
    mut sink: impl FnMut(LoadedKey),
) -> Result<(AuxFields, Vec<Vec<u8>>), RdbError> {
    let mut loader = Loader::new(buf, databases)?;
    while let Some(key) = loader.next_key(buf, opts)? {
        sink(key);
    }
    Ok((loader.aux, loader.functions))
}

/// An RDB file read a key at a time, so that a large file can be loaded in steps while the
/// server answers -LOADING (Redis' rdbLoad with processEventsWhileBlocked).
pub struct Loader {
    version: u32,
    /// Where the next opcode is, counted from the start of the file.
    pos: usize,
    databases: usize,
    db: usize,
    pub aux: AuxFields,
    done: bool,
    /// Keys skipped because their collection was empty, as Redis skips them on load.
    pub empty_keys_skipped: u64,
    /// The names of the first ten of them, until taken with [`Loader::take_skipped`].
    skipped_names: Vec<Vec<u8>>,
    /// The type of the value read last (the one an error was met in), for Redis' reasons.
    pub object_type: u8,
    /// The code of the function libraries read so far (FUNCTION2 opcodes), to be loaded.
    pub functions: Vec<Vec<u8>>,
    /// The last RESIZEDB read and not yet taken: database, keys, keys with an expiry (each
    /// at most what the file could hold: a lying size is not believed).
    pub resize: Option<(usize, usize, usize)>,
}

impl Loader {
    /// Checks the header of `buf`.
    pub fn new(buf: &[u8], databases: usize) -> Result<Loader, RdbError> {
        let version = read_header(buf)?;
        Ok(Loader {
            version,
            pos: 9,
            databases,
            db: 0,
            aux: Vec::new(),
            done: false,
            empty_keys_skipped: 0,
            skipped_names: Vec::new(),
            object_type: 0,
            functions: Vec::new(),
            resize: None,
        })
    }

    /// Bytes read so far (for progress); once done, where the RDB ends.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next key of `buf` (the same bytes each call), or `None` once the EOF opcode and
    /// the checksum have been read.
    pub fn next_key(&mut self, buf: &[u8], opts: LoadOptions) -> Result<Option<LoadedKey>, RdbError> {
        if self.done {
            return Ok(None);
        }
        let base = self.pos;
        // The decoder counts from `base`: errors get the file offset.
        self.read_next(buf, base, opts).map_err(|mut e| {
            e.offset += base;
            e
        })
    }

    fn read_next(&mut self, buf: &[u8], base: usize, opts: LoadOptions) -> Result<Option<LoadedKey>, RdbError> {
        let mut d = Decoder::with_options(&buf[base..], opts);
        let err = |d: &Decoder, kind| RdbError {
            offset: d.position(),
            kind,
        };
        let (mut expire_ms, mut idle_s, mut freq) = (None, None, None);
        loop {
            let at = d.position();
            let op = d.read_u8()?;
            match op {
                opcode::EOF => {
                    self.finish(buf, base, &mut d, opts.skip_checksum)?;
                    return Ok(None);
                }
                opcode::AUX => {
                    let k = d.read_string_bytes()?;
                    let v = d.read_string_bytes()?;
                    self.aux.push((k, v));
                }
                opcode::SELECTDB => {
                    let n = d.read_len()?;
                    if n >= self.databases as u64 {
                        return Err(err(&d, ErrorKind::BadDb { db: n }));
                    }
                    self.db = n as usize;
                }
                opcode::RESIZEDB => {
                    // A key takes at least 3 bytes of the file.
                    let most = buf.len() as u64 / 3;
                    let keys = d.read_len()?.min(most) as usize;
                    let expires = d.read_len()?.min(most) as usize;
                    self.resize = Some((self.db, keys, expires));
                }
                opcode::EXPIRETIME_MS => expire_ms = Some(u64::from_le_bytes(read8(&mut d)?)),
                opcode::EXPIRETIME => {
                    let s = u32::from_le_bytes(d.read_bytes(4)?.try_into().unwrap_or_default());
                    expire_ms = Some(u64::from(s) * 1000);
                }
                opcode::IDLE => idle_s = Some(d.read_len()?),
                opcode::FREQ => freq = Some(d.read_u8()?),
                opcode::FUNCTION2 => {
                    let code = d.read_string_bytes()?;
                    self.functions.push(code);
                    self.pos = base + d.position();
                }
                opcode::MODULE_AUX | opcode::FUNCTION => {
                    return Err(RdbError {
                        offset: at,
                        kind: ErrorKind::UnsupportedOpcode { byte: op },
                    });
                }
                t => {
                    if !types::is_object_type(t) {
                        return Err(RdbError {
                            offset: at,
                            kind: ErrorKind::NotAnObjectType { byte: t },
                        });
                    }
                    self.object_type = t;
                    let key = d.read_string_bytes()?;
                    let value = match d.read_object(t) {
                        Ok(value) => value,
                        // The whole object has been read: loading goes on after it.
                        Err(RdbError {
                            kind: ErrorKind::EmptyKey { .. },
                            ..
                        }) => {
                            self.skip_empty(key);
                            (expire_ms, idle_s, freq) = (None, None, None);
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    self.pos = base + d.position();
                    return Ok(Some(LoadedKey {
                        db: self.db,
                        key,
                        value,
                        expire_ms,
                        idle_s,
                        freq,
                    }));
                }
            }
        }
    }

    fn skip_empty(&mut self, key: Vec<u8>) {
        if self.empty_keys_skipped < 10 {
            self.skipped_names.push(key);
        }
        self.empty_keys_skipped += 1;
    }

    /// The names of keys skipped as empty since the last call (at most ten in all), for the
    /// log lines Redis writes about them.
    pub fn take_skipped(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.skipped_names)
    }

    /// After EOF: the checksum (version 5 on) over everything before it.
    fn finish(&mut self, buf: &[u8], base: usize, d: &mut Decoder, skip_checksum: bool) -> Result<(), RdbError> {
        self.done = true;
        if self.version >= 5 {
            let body_len = base + d.position();
            let stored = u64::from_le_bytes(read8(d)?);
            if stored != 0 && !skip_checksum {
                let computed = crc64(0, &buf[..body_len]);
                if stored != computed {
                    return Err(RdbError {
                        offset: d.position(),
                        kind: ErrorKind::Checksum { stored, computed },
                    });
                }
            }
        }
        // Where the RDB ends: an old-style AOF goes on with commands there.
        self.pos = base + d.position();
        Ok(())
    }
}

fn read8(d: &mut Decoder) -> Result<[u8; 8], RdbError> {
    let b = d.read_bytes(8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(a)
}

/// `REDIS` and a four-digit version this loader reads.
fn read_header(buf: &[u8]) -> Result<u32, RdbError> {
    let bad = |kind| RdbError { offset: 0, kind };
    if buf.len() < 9 || &buf[..5] != b"REDIS" {
        return Err(bad(ErrorKind::BadMagic));
    }
    let digits = &buf[5..9];
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad(ErrorKind::BadMagic));
    }
    let version = digits.iter().fold(0u32, |v, d| v * 10 + u32::from(d - b'0'));
    if !(1..=MAX_LOAD_VERSION).contains(&version) {
        return Err(bad(ErrorKind::BadVersion { version }));
    }
    Ok(version)
}
