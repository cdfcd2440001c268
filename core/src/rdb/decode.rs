//! Reading RDB. Every read is bounds-checked and every failure is an [`RdbError`] naming the
//! offset and the reason; lengths from the input are never trusted for allocation (a string
//! is allocated only once its bytes are known to be there, LZF output grows as it is produced).

use std::borrow::Cow;
use std::fmt;

use super::encode::{QUICKLIST_NODE_PACKED, QUICKLIST_NODE_PLAIN};
use super::lzf::{self, LzfError};
use super::{enc, len, types, ziplist, zipmap};
use crate::hash::KeyedState;
use crate::listpack::Listpack;
use crate::types::hash::{Hash, HashLimits, LoadError};
use crate::types::list::{End, List, Node};
use crate::types::set::{Set, SetLimits, SetLoader};
use crate::types::zset::{LoadError as ZLoadError, ZLimits, ZSet};
use crate::value::{RStr, Value};

/// Why reading stopped, and where (the offset into the decoder's buffer of the item at fault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbError {
    pub offset: usize,
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `wanted` bytes were needed, fewer were left.
    Truncated { wanted: u64 },
    /// A length's first byte is `10xxxxxx` but neither 0x80 nor 0x81.
    BadLength { byte: u8 },
    /// A string's `11xxxxxx` prefix names no known encoding.
    BadStringEncoding { encoding: u8 },
    /// The LZF data is corrupt.
    Lzf(LzfError),
    /// The LZF data decompressed to another length than stated.
    LzfLength { stated: u64, got: u64 },
    /// A length that cannot be addressed on this machine.
    TooLarge { len: u64 },
    /// The byte is not an RDB object type.
    NotAnObjectType { byte: u8 },
    /// A valid object type this server cannot hold yet (lists, sets, hashes, ...).
    UnsupportedType { byte: u8 },
    /// A collection of type `byte` with no element (Redis refuses empty keys).
    EmptyKey { byte: u8 },
    /// A set member that appears twice.
    DuplicateMember,
    /// An intset or listpack blob that fails its integrity check.
    BadBlob { reason: &'static str },
    /// A hash names the same field twice.
    DuplicateField,
    /// A sorted set names the same member twice.
    DuplicateZsetMember,
    /// A sorted-set score that is NaN or not a number.
    BadScore,
    /// An RDB file that does not start with `REDIS` and four digits.
    BadMagic,
    /// An RDB file of a version this server does not read.
    BadVersion { version: u32 },
    /// A file section this server cannot load (module data, functions).
    UnsupportedOpcode { byte: u8 },
    /// The file's CRC-64 does not match its contents.
    Checksum { stored: u64, computed: u64 },
    /// A SELECTDB beyond the configured `databases`.
    BadDb { db: u64 },
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: ", self.offset)?;
        match &self.kind {
            ErrorKind::Truncated { wanted } => write!(f, "unexpected end of data ({wanted} more bytes needed)"),
            ErrorKind::BadLength { byte } => write!(f, "unknown length encoding byte 0x{byte:02x}"),
            ErrorKind::BadStringEncoding { encoding } => write!(f, "unknown RDB string encoding type {encoding}"),
            ErrorKind::Lzf(e) => write!(f, "invalid LZF compressed string: {e}"),
            ErrorKind::LzfLength { stated, got } => {
                write!(f, "invalid LZF compressed string: {got} bytes, {stated} stated")
            }
            ErrorKind::TooLarge { len } => write!(f, "length {len} too large"),
            ErrorKind::NotAnObjectType { byte } => write!(f, "{byte} is not an object type"),
            ErrorKind::UnsupportedType { byte } => write!(f, "object type {byte} is not supported yet"),
            ErrorKind::EmptyKey { byte } => write!(f, "empty collection of type {byte}"),
            ErrorKind::DuplicateMember => write!(f, "duplicate set member"),
            ErrorKind::BadBlob { reason } => write!(f, "{reason}"),
            ErrorKind::DuplicateField => write!(f, "duplicate hash field"),
            ErrorKind::DuplicateZsetMember => write!(f, "duplicate zset member"),
            ErrorKind::BadScore => write!(f, "invalid zset score"),
            ErrorKind::BadMagic => write!(f, "wrong signature trying to load DB from file"),
            ErrorKind::BadVersion { version } => write!(f, "can't handle RDB format version {version}"),
            ErrorKind::UnsupportedOpcode { byte } => write!(f, "RDB section {byte} is not supported yet"),
            ErrorKind::Checksum { stored, computed } => {
                write!(f, "wrong RDB checksum {stored:016x}, computed {computed:016x}")
            }
            ErrorKind::BadDb { db } => write!(
                f,
                "FATAL: Data file was created with a Redis server configured to handle more than {db} databases"
            ),
        }
    }
}

impl std::error::Error for RdbError {}

/// A string as stored: integer-encoded ones stay integers (Redis loads them `int`-encoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RdbString<'a> {
    Int(i64),
    Bytes(Cow<'a, [u8]>),
}

impl RdbString<'_> {
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            RdbString::Int(n) => n.to_string().into_bytes(),
            RdbString::Bytes(b) => b.into_owned(),
        }
    }
}

/// A length prefix: a plain length, or the kind of a specially encoded string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Len {
    Plain(u64),
    Encoded(u8),
}

/// What loaded values need from the server: the hasher for their hash tables and the
/// encoding thresholds.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    pub hasher: KeyedState,
    pub set_max_intset_entries: usize,
    pub set_max_listpack_entries: usize,
    pub set_max_listpack_value: usize,
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    /// `list-max-listpack-size`, the fill a loaded list keeps (and fills to, when its
    /// elements come one by one).
    pub list_max_listpack_size: i64,
    /// DEBUG QUICKLIST-PACKED-THRESHOLD: loaded one by one, elements at least this long get a
    /// plain node.
    pub list_packed_threshold: usize,
    /// A file's CRC-64 is not checked (`rdbchecksum no`, DEBUG SET-SKIP-CHECKSUM-VALIDATION).
    pub skip_checksum: bool,
}

impl Default for LoadOptions {
    /// Redis' default thresholds and a fixed hasher (tests, fuzzing).
    fn default() -> LoadOptions {
        LoadOptions {
            hasher: KeyedState::new(0, 0),
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: crate::types::list::DEFAULT_FILL,
            list_packed_threshold: crate::types::list::DEFAULT_PACKED_THRESHOLD,
            skip_checksum: false,
        }
    }
}

impl LoadOptions {
    pub fn set_limits(&self) -> SetLimits {
        SetLimits {
            max_intset_entries: self.set_max_intset_entries,
            max_listpack_entries: self.set_max_listpack_entries,
            max_listpack_value: self.set_max_listpack_value,
            hasher: self.hasher,
        }
    }

    pub fn hash_limits(&self) -> HashLimits {
        HashLimits {
            max_entries: self.hash_max_listpack_entries,
            max_value: self.hash_max_listpack_value,
            hasher: self.hasher,
        }
    }
}

/// Reads RDB items from a byte slice.
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    opts: LoadOptions,
}

impl<'a> Decoder<'a> {
    /// A decoder with Redis' default thresholds and a fixed hasher key (tests and tools; the
    /// server passes its own with [`Decoder::with_hash_limits`]).
    pub fn new(buf: &'a [u8]) -> Decoder<'a> {
        Decoder::with_options(buf, LoadOptions::default())
    }

    pub fn with_options(buf: &'a [u8], opts: LoadOptions) -> Decoder<'a> {
        Decoder { buf, pos: 0, opts }
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn err<T>(&self, offset: usize, kind: ErrorKind) -> Result<T, RdbError> {
        Err(RdbError { offset, kind })
    }

    pub fn read_u8(&mut self) -> Result<u8, RdbError> {
        let Some(&b) = self.buf.get(self.pos) else {
            return self.err(self.pos, ErrorKind::Truncated { wanted: 1 });
        };
        self.pos += 1;
        Ok(b)
    }

    /// The next `n` bytes (`n` from the input: checked against what is left before anything
    /// else happens).
    pub fn read_bytes(&mut self, n: u64) -> Result<&'a [u8], RdbError> {
        let start = self.pos;
        if n > self.remaining() as u64 {
            return self.err(start, ErrorKind::Truncated { wanted: n });
        }
        let n = n as usize;
        self.pos += n;
        Ok(&self.buf[start..start + n])
    }

    fn read_array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.read_bytes(N as u64)?);
        Ok(a)
    }

    /// A length prefix (`rdbLoadLenByRef`).
    pub fn read_len_or_encoding(&mut self) -> Result<Len, RdbError> {
        let at = self.pos;
        let first = self.read_u8()?;
        match first >> 6 {
            len::ENCVAL => Ok(Len::Encoded(first & 0x3f)),
            len::BITS6 => Ok(Len::Plain(u64::from(first & 0x3f))),
            len::BITS14 => {
                let second = self.read_u8()?;
                Ok(Len::Plain(u64::from(first & 0x3f) << 8 | u64::from(second)))
            }
            _ if first == len::BITS32 => Ok(Len::Plain(u64::from(u32::from_be_bytes(self.read_array()?)))),
            _ if first == len::BITS64 => Ok(Len::Plain(u64::from_be_bytes(self.read_array()?))),
            _ => self.err(at, ErrorKind::BadLength { byte: first }),
        }
    }

    /// A plain length (`rdbLoadLen(rdb, NULL)`): like Redis, an `11xxxxxx` prefix here is read
    /// as its low six bits.
    pub fn read_len(&mut self) -> Result<u64, RdbError> {
        Ok(match self.read_len_or_encoding()? {
            Len::Plain(n) => n,
            Len::Encoded(n) => u64::from(n),
        })
    }

    /// A string in any of its encodings (`rdbGenericLoadStringObject`).
    pub fn read_string(&mut self) -> Result<RdbString<'a>, RdbError> {
        let at = self.pos;
        match self.read_len_or_encoding()? {
            Len::Plain(n) => Ok(RdbString::Bytes(Cow::Borrowed(self.read_bytes(n)?))),
            Len::Encoded(enc::INT8) => Ok(RdbString::Int(i64::from(i8::from_le_bytes(self.read_array()?)))),
            Len::Encoded(enc::INT16) => Ok(RdbString::Int(i64::from(i16::from_le_bytes(self.read_array()?)))),
            Len::Encoded(enc::INT32) => Ok(RdbString::Int(i64::from(i32::from_le_bytes(self.read_array()?)))),
            Len::Encoded(enc::LZF) => self.read_lzf().map(|b| RdbString::Bytes(Cow::Owned(b))),
            Len::Encoded(encoding) => self.err(at, ErrorKind::BadStringEncoding { encoding }),
        }
    }

    /// A string's bytes, integers in decimal.
    pub fn read_string_bytes(&mut self) -> Result<Vec<u8>, RdbError> {
        self.read_string().map(RdbString::into_bytes)
    }

    /// The body of an LZF string: compressed length, length, data (`rdbLoadLzfStringObject`).
    /// As in liblzf, a failed decompression yields zero bytes, so a stated length of 0 accepts
    /// any data.
    fn read_lzf(&mut self) -> Result<Vec<u8>, RdbError> {
        let clen = self.read_len()?;
        let stated_at = self.pos;
        let stated = self.read_len()?;
        let data_at = self.pos;
        let data = self.read_bytes(clen)?;
        let Ok(max) = usize::try_from(stated) else {
            return self.err(stated_at, ErrorKind::TooLarge { len: stated });
        };
        match lzf::decompress(data, max) {
            Ok(out) if out.len() == max => Ok(out),
            Err(_) if max == 0 => Ok(Vec::new()),
            Ok(out) => self.err(
                data_at,
                ErrorKind::LzfLength {
                    stated,
                    got: out.len() as u64,
                },
            ),
            Err(e) => self.err(data_at, ErrorKind::Lzf(e)),
        }
    }

    /// An object type byte (`rdbLoadObjectType`).
    pub fn read_object_type(&mut self) -> Result<u8, RdbError> {
        let at = self.pos;
        let t = self.read_u8()?;
        if !types::is_object_type(t) {
            return self.err(at, ErrorKind::NotAnObjectType { byte: t });
        }
        Ok(t)
    }

    /// An object of type `t` (`rdbLoadObject`), in the encoding Redis would give it once loaded.
    /// Errors about the type itself point at the body's first byte.
    pub fn read_object(&mut self, t: u8) -> Result<Value, RdbError> {
        match t {
            types::STRING => Ok(Value::Str(match self.read_string()? {
                RdbString::Int(n) => RStr::Int(n),
                RdbString::Bytes(b) => RStr::from_bytes(b.into_owned()),
            })),
            types::LIST => {
                let at = self.pos;
                let n = self.read_len()?;
                if n == 0 {
                    return self.err(at, ErrorKind::EmptyKey { byte: types::LIST });
                }
                // Each element takes at least one byte: a length beyond what is left is a lie,
                // found out without allocating for it. Elements are pushed one by one, into
                // nodes as the current configuration fills them (Redis' quicklistPushTail).
                let mut list = List::with_fill(self.opts.list_max_listpack_size);
                for _ in 0..n {
                    let e = self.read_string_bytes()?;
                    list.push(End::Tail, &e, self.opts.list_packed_threshold);
                }
                Ok(Value::List(Box::new(list)))
            }
            types::LIST_QUICKLIST_2 => self.read_quicklist(),
            types::SET => self.read_set(),
            types::HASH => self.read_hash(),
            types::SET_INTSET => self.read_intset(),
            types::SET_LISTPACK => self.read_set_listpack(),
            types::HASH_LISTPACK => self.read_hash_listpack(),
            types::ZSET | types::ZSET_2 => self.read_zset(t),
            types::ZSET_LISTPACK => self.read_zset_listpack(),
            types::HASH_ZIPMAP => self.read_hash_zipmap(),
            types::LIST_ZIPLIST => self.read_list_ziplist(),
            types::LIST_QUICKLIST => self.read_quicklist_1(),
            types::ZSET_ZIPLIST => {
                let (at, lp) = self.read_ziplist_as_listpack()?;
                self.zset_from_listpack(at, lp, t)
            }
            types::HASH_ZIPLIST => {
                let (at, lp) = self.read_ziplist_as_listpack()?;
                self.hash_from_listpack(at, lp, t)
            }
            types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2 | super::stream::STREAM_LISTPACKS_3 => {
                self.read_stream(t).map(|s| Value::Stream(Box::new(s)))
            }
            // Module values slot in here as the keyspace learns to hold them.
            _ => self.err(self.pos, ErrorKind::UnsupportedType { byte: t }),
        }
    }

    /// RDB_TYPE_SET: a length, then the members, encoded as Redis 7.2 loads them (see
    /// [`SetLoader`]: an intset while the members are integers within `set-max-intset-entries`,
    /// a listpack within the listpack limits, else a hashtable); empty sets and duplicates are
    /// refused.
    fn read_set(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let n = self.read_len()?;
        if n == 0 {
            return self.err(at, ErrorKind::EmptyKey { byte: types::SET });
        }
        let lim = self.opts.set_limits();
        // Every member takes at least a byte: a hashtable is presized for no more than that.
        let presize = usize::try_from(n).unwrap_or(usize::MAX).min(self.remaining());
        let mut set = SetLoader::new(n, presize, &lim);
        for _ in 0..n {
            let member_at = self.pos;
            let m = self.read_string_bytes()?;
            if !set.add(&m, &lim) {
                return self.err(member_at, ErrorKind::DuplicateMember);
            }
        }
        Ok(Value::Set(Box::new(set.finish())))
    }

    /// RDB_TYPE_SET_LISTPACK (Redis 7.2, in RDB 11 files and DUMP payloads): a listpack blob,
    /// checked whole, no member twice (an integer entry and a string entry of the same text
    /// are the same member); a hashtable when longer than `set-max-listpack-entries`, as Redis
    /// 7.2 loads it.
    fn read_set_listpack(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let blob = self.read_string_bytes()?;
        let lp = crate::listpack::Listpack::from_bytes(blob)
            .or_else(|reason| self.err(at, ErrorKind::BadBlob { reason }))?;
        if lp.is_empty() {
            return self.err(
                at,
                ErrorKind::EmptyKey {
                    byte: types::SET_LISTPACK,
                },
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for e in lp.iter() {
            if !seen.insert(e.to_bytes()) {
                return self.err(at, ErrorKind::DuplicateMember);
            }
        }
        Ok(Value::Set(Box::new(Set::from_listpack(lp, &self.opts.set_limits()))))
    }

    /// RDB_TYPE_LIST_QUICKLIST_2: a node count, then per node its container (1 a plain element,
    /// 2 a listpack, checked whole) and its data. Each node is kept as it comes, as Redis keeps
    /// it; empty listpacks are skipped as Redis does; an empty node's data, or an empty list,
    /// is refused.
    fn read_quicklist(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let nodes = self.read_len()?;
        let mut list = List::with_fill(self.opts.list_max_listpack_size);
        for _ in 0..nodes {
            let node_at = self.pos;
            let container = self.read_len()?;
            if container != QUICKLIST_NODE_PLAIN && container != QUICKLIST_NODE_PACKED {
                return self.err(
                    node_at,
                    ErrorKind::BadBlob {
                        reason: "unknown quicklist node container",
                    },
                );
            }
            let data = self.read_string_bytes()?;
            if data.is_empty() {
                return self.err(
                    node_at,
                    ErrorKind::BadBlob {
                        reason: "empty quicklist node",
                    },
                );
            }
            if container == QUICKLIST_NODE_PLAIN {
                list.append_node(Node::Plain(data.into_boxed_slice()));
            } else {
                let lp =
                    Listpack::from_bytes(data).or_else(|reason| self.err(node_at, ErrorKind::BadBlob { reason }))?;
                list.append_node(Node::Packed(lp));
            }
        }
        if list.is_empty() {
            return self.err(
                at,
                ErrorKind::EmptyKey {
                    byte: types::LIST_QUICKLIST_2,
                },
            );
        }
        Ok(Value::List(Box::new(list)))
    }

    /// RDB_TYPE_SET_INTSET: an intset blob, checked whole; as Redis loads it, a hashtable when
    /// longer than `set-max-intset-entries`.
    fn read_intset(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let blob = self.read_string_bytes()?;
        let ints = super::intset::decode(&blob).or_else(|reason| self.err(at, ErrorKind::BadBlob { reason }))?;
        if ints.is_empty() {
            return self.err(
                at,
                ErrorKind::EmptyKey {
                    byte: types::SET_INTSET,
                },
            );
        }
        let set = Set::from_intset(ints, &self.opts.set_limits());
        Ok(Value::Set(Box::new(set)))
    }

    /// RDB_TYPE_HASH_LISTPACK: a listpack blob of field, value, ... checked whole (not empty,
    /// an even count, no repeated field) and kept as it is; a hashtable when it has more
    /// fields than `hash-max-listpack-entries`, as Redis loads it.
    fn read_hash_listpack(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let mut blob = self.read_string_bytes()?;
        blob.shrink_to_fit();
        let lp = Listpack::from_bytes(blob).or_else(|reason| self.err(at, ErrorKind::BadBlob { reason }))?;
        self.hash_from_listpack(at, lp, types::HASH_LISTPACK)
    }

    /// The hash of the listpack `lp` (read at `at` as an object of type `t`), checked.
    fn hash_from_listpack(&self, at: usize, lp: Listpack, t: u8) -> Result<Value, RdbError> {
        match Hash::from_listpack(lp, &self.opts.hash_limits()) {
            Ok(h) => Ok(Value::Hash(Box::new(h))),
            Err(LoadError::Empty) => self.err(at, ErrorKind::EmptyKey { byte: t }),
            Err(LoadError::OddCount) => self.err(
                at,
                ErrorKind::BadBlob {
                    reason: "hash listpack with an odd count",
                },
            ),
            Err(LoadError::DuplicateField) => self.err(at, ErrorKind::DuplicateField),
        }
    }

    /// RDB_TYPE_HASH: a length, then field and value strings, encoded as Redis' rdbLoadObject
    /// would (see [`Hash::start_loading`]). Empty hashes and duplicate fields are refused.
    fn read_hash(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let n = self.read_len()?;
        if n == 0 {
            return self.err(at, ErrorKind::EmptyKey { byte: types::HASH });
        }
        let lim = self.opts.hash_limits();
        let mut h = Hash::start_loading(n, &lim);
        for _ in 0..n {
            let field_at = self.pos;
            let field = self.read_string_bytes()?;
            let value = self.read_string_bytes()?;
            if !h.load_pair(field, value, &lim) {
                return self.err(field_at, ErrorKind::DuplicateField);
            }
        }
        Ok(Value::Hash(Box::new(h)))
    }

    /// RDB_TYPE_ZSET (scores as text) and RDB_TYPE_ZSET_2 (scores as little-endian f64): a
    /// length, then member and score; a listpack afterwards when it fits, as Redis converts
    /// after loading. Empty sets, NaN scores and duplicate members are refused.
    fn read_zset(&mut self, t: u8) -> Result<Value, RdbError> {
        let at = self.pos;
        let n = self.read_len()?;
        if n == 0 {
            return self.err(at, ErrorKind::EmptyKey { byte: t });
        }
        let mut pairs = Vec::new();
        let mut maxlen = 0;
        for _ in 0..n {
            let m = self.read_string_bytes()?;
            let score_at = self.pos;
            let score = if t == types::ZSET_2 {
                let b = self.read_bytes(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                f64::from_le_bytes(a)
            } else {
                self.read_text_double()?
            };
            if score.is_nan() {
                return self.err(score_at, ErrorKind::BadScore);
            }
            maxlen = maxlen.max(m.len());
            pairs.push((m, score));
        }
        let fits = pairs.len() <= self.opts.zset_max_listpack_entries && maxlen <= self.opts.zset_max_listpack_value;
        match ZSet::from_pairs(pairs, !fits, self.opts.hasher) {
            Some(z) => Ok(Value::ZSet(Box::new(z))),
            None => self.err(at, ErrorKind::DuplicateZsetMember),
        }
    }

    /// Redis' rdbLoadDoubleValue: a length byte (253 NaN, 254 +inf, 255 -inf) then the text.
    fn read_text_double(&mut self) -> Result<f64, RdbError> {
        let at = self.pos;
        match self.read_u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let b = self.read_bytes(u64::from(n))?;
                let (v, used, _) = crate::cmd::zsets::strtod(b);
                if used == 0 {
                    return self.err(at, ErrorKind::BadScore);
                }
                Ok(v)
            }
        }
    }

    /// RDB_TYPE_ZSET_LISTPACK: a listpack blob of member, score, ... checked whole (not empty,
    /// an even count, valid scores, no repeated member) and kept as it is; a skiplist when it
    /// has more members than `zset-max-listpack-entries`, as Redis loads it.
    fn read_zset_listpack(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let mut blob = self.read_string_bytes()?;
        blob.shrink_to_fit();
        let lp = Listpack::from_bytes(blob).or_else(|reason| self.err(at, ErrorKind::BadBlob { reason }))?;
        self.zset_from_listpack(at, lp, types::ZSET_LISTPACK)
    }

    /// The sorted set of the listpack `lp` (read at `at` as an object of type `t`), checked.
    fn zset_from_listpack(&self, at: usize, lp: Listpack, t: u8) -> Result<Value, RdbError> {
        let lim = ZLimits {
            max_entries: self.opts.zset_max_listpack_entries,
            max_value: self.opts.zset_max_listpack_value,
            hasher: self.opts.hasher,
        };
        match ZSet::from_listpack(lp, &lim) {
            Ok(z) => Ok(Value::ZSet(Box::new(z))),
            Err(ZLoadError::Empty) => self.err(at, ErrorKind::EmptyKey { byte: t }),
            Err(ZLoadError::OddCount) => self.err(
                at,
                ErrorKind::BadBlob {
                    reason: "zset listpack with an odd count",
                },
            ),
            Err(ZLoadError::BadScore) => self.err(at, ErrorKind::BadScore),
            Err(ZLoadError::DuplicateMember) => self.err(at, ErrorKind::DuplicateZsetMember),
        }
    }

    /// A ziplist blob (RDB types 10, 12, 13, 14's nodes), checked whole: where it starts and
    /// its entries, as text.
    fn read_ziplist(&mut self) -> Result<(usize, Vec<Vec<u8>>), RdbError> {
        let at = self.pos;
        let blob = self.read_string_bytes()?;
        let entries = ziplist::decode(&blob).or_else(|reason| self.err(at, ErrorKind::BadBlob { reason }))?;
        Ok((at, entries.into_iter().map(ziplist::Entry::to_bytes).collect()))
    }

    /// A ziplist converted to a listpack, as Redis 7 converts ziplists on load.
    fn read_ziplist_as_listpack(&mut self) -> Result<(usize, Listpack), RdbError> {
        let (at, entries) = self.read_ziplist()?;
        Ok((at, Listpack::from_elements(entries.iter().map(|e| &e[..]))))
    }

    /// RDB_TYPE_LIST_ZIPLIST (Redis ≤ 3.0): one ziplist whose elements are pushed one by one,
    /// as Redis does; an empty one is refused.
    fn read_list_ziplist(&mut self) -> Result<Value, RdbError> {
        let (at, entries) = self.read_ziplist()?;
        if entries.is_empty() {
            return self.err(
                at,
                ErrorKind::EmptyKey {
                    byte: types::LIST_ZIPLIST,
                },
            );
        }
        let mut list = List::with_fill(self.opts.list_max_listpack_size);
        for e in &entries {
            list.push(End::Tail, e, self.opts.list_packed_threshold);
        }
        Ok(Value::List(Box::new(list)))
    }

    /// RDB_TYPE_LIST_QUICKLIST (Redis 3.2–6.2): a node count, then one ziplist per node, each
    /// kept as a listpack node as Redis 7 does; empty ziplists are skipped, an empty string
    /// or an empty list refused.
    fn read_quicklist_1(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let nodes = self.read_len()?;
        let mut list = List::with_fill(self.opts.list_max_listpack_size);
        for _ in 0..nodes {
            let (_, lp) = self.read_ziplist_as_listpack()?;
            if !lp.is_empty() {
                list.append_node(Node::Packed(lp));
            }
        }
        if list.is_empty() {
            return self.err(
                at,
                ErrorKind::EmptyKey {
                    byte: types::LIST_QUICKLIST,
                },
            );
        }
        Ok(Value::List(Box::new(list)))
    }

    /// RDB_TYPE_HASH_ZIPMAP (Redis ≤ 2.4): pairs loaded as an RDB_TYPE_HASH's are, so the
    /// encoding follows both hash limits as Redis' conversion does; a repeated field is refused.
    fn read_hash_zipmap(&mut self) -> Result<Value, RdbError> {
        let at = self.pos;
        let blob = self.read_string_bytes()?;
        let pairs = zipmap::decode(&blob).or_else(|reason| self.err(at, ErrorKind::BadBlob { reason }))?;
        let lim = self.opts.hash_limits();
        let mut h = Hash::start_loading(pairs.len() as u64, &lim);
        for (field, value) in pairs {
            if !h.load_pair(field.to_vec(), value.to_vec(), &lim) {
                return self.err(at, ErrorKind::DuplicateField);
            }
        }
        Ok(Value::Hash(Box::new(h)))
    }
}
