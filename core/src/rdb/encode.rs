//! Writing RDB: lengths, strings (integer-encoded, LZF-compressed or verbatim, chosen exactly
//! as Redis' `rdbSaveRawString` chooses) and objects.

use super::lzf::Compressor;
use super::{enc, len, types};
use crate::types::set::Member;
use crate::value::{RStr, Value};

/// Appends RDB-encoded items to a buffer.
pub struct Encoder {
    buf: Vec<u8>,
    /// `rdbcompression`: try LZF on strings longer than 20 bytes.
    compression: bool,
    /// Created on the first string worth compressing, then reused.
    lzf: Option<Box<Compressor>>,
    /// List elements at least this long live in their own plain quicklist node (Redis'
    /// packed_threshold, 1 GiB unless DEBUG QUICKLIST-PACKED-THRESHOLD changed it).
    packed_threshold: usize,
}

/// Redis' default packed_threshold.
pub const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;

/// How a list is written.
#[derive(PartialEq, Eq)]
enum ListLayout {
    /// One quicklist node holding one listpack, as Redis writes a list that fits in it.
    OneNode,
    /// One plain node: a single element too large for a listpack.
    OnePlain,
    /// The generic list format (a length, then the elements), which Redis 7.0 still loads:
    /// Redis' own node split depends on the order the list was built in, not kept here.
    Generic,
}

fn list_layout(l: &crate::types::list::List, packed_threshold: usize) -> ListLayout {
    if l.iter().any(|e| e.len() >= packed_threshold) {
        return if l.len() == 1 {
            ListLayout::OnePlain
        } else {
            ListLayout::Generic
        };
    }
    if fits_one_node(l) {
        ListLayout::OneNode
    } else {
        ListLayout::Generic
    }
}

/// The type byte Redis writes for `v` (`rdbSaveObjectType`) under the default threshold.
pub fn object_type(v: &Value) -> u8 {
    object_type_with(v, DEFAULT_PACKED_THRESHOLD)
}

fn object_type_with(v: &Value, packed_threshold: usize) -> u8 {
    match v {
        Value::Str(_) => types::STRING,
        Value::List(l) if list_layout(l, packed_threshold) == ListLayout::Generic => types::LIST,
        Value::List(_) => types::LIST_QUICKLIST_2,
        Value::Set(s) if s.is_intset() => types::SET_INTSET,
        Value::Set(_) => types::SET,
        Value::Hash(h) if h.is_listpack() => types::HASH_LISTPACK,
        Value::Hash(_) => types::HASH,
        Value::ZSet(z) if z.is_listpack() => types::ZSET_LISTPACK,
        Value::ZSet(_) => types::ZSET_2,
    }
}

/// A quicklist node's container kind in RDB: a listpack, or one plain element.
pub(super) const QUICKLIST_NODE_PACKED: u64 = 2;
const QUICKLIST_NODE_PLAIN: u64 = 1;

/// Whether Redis keeps `l` in a single quicklist node: each element fits by its
/// _quicklistNodeAllowInsert estimate under the default 8 KiB per node (`list-max-listpack-size
/// -2`). Longer lists go out in the generic list format, which Redis loads too: their node
/// split depends on the order they were built in, which ferrous does not keep.
fn fits_one_node(l: &crate::types::list::List) -> bool {
    const NODE_LIMIT: usize = 8192;
    let mut node = 7; // a listpack's header and terminator
    for (i, e) in l.iter().enumerate() {
        let sz = e.len();
        let overhead = if sz < 254 { 1 } else { 5 }
            + if sz < 64 {
                1
            } else if sz < 16384 {
                2
            } else {
                5
            };
        // The first element makes the node whatever its size.
        if i > 0 && node + sz + overhead > NODE_LIMIT {
            return false;
        }
        node += super::listpack::encode([e]).len() - 7;
    }
    !l.is_empty()
}

/// Redis' `rdbEncodeInteger`: values that fit 8, 16 or 32 signed bits, little-endian.
fn encode_int(v: i64) -> Option<([u8; 5], usize)> {
    let mut b = [0u8; 5];
    let le = v.to_le_bytes();
    let n = if i8::try_from(v).is_ok() {
        b[0] = 0xc0 | enc::INT8;
        1
    } else if i16::try_from(v).is_ok() {
        b[0] = 0xc0 | enc::INT16;
        2
    } else if i32::try_from(v).is_ok() {
        b[0] = 0xc0 | enc::INT32;
        4
    } else {
        return None;
    };
    b[1..=n].copy_from_slice(&le[..n]);
    Some((b, n + 1))
}

impl Encoder {
    pub fn new(compression: bool) -> Encoder {
        Encoder {
            buf: Vec::new(),
            compression,
            lzf: None,
            packed_threshold: DEFAULT_PACKED_THRESHOLD,
        }
    }

    /// Writes lists as a quicklist with this packed_threshold would hold them.
    pub fn with_packed_threshold(mut self, packed_threshold: usize) -> Encoder {
        self.packed_threshold = packed_threshold;
        self
    }

    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// What was encoded so far; the encoder goes on with an empty buffer (a file written
    /// in pieces).
    pub fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn write_u8(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub fn write_raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// A length in the shortest of the 6/14/32/64-bit forms (`rdbSaveLen`).
    pub fn write_len(&mut self, n: u64) {
        if n < 1 << 6 {
            self.buf.push((len::BITS6 << 6) | n as u8);
        } else if n < 1 << 14 {
            self.buf.push((len::BITS14 << 6) | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else if n <= u64::from(u32::MAX) {
            self.buf.push(len::BITS32);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.buf.push(len::BITS64);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// An integer as a string (`rdbSaveLongLongAsStringObject`): integer-encoded when it fits
    /// 32 bits, else its decimal digits verbatim.
    pub fn write_int_string(&mut self, v: i64) {
        if let Some((b, n)) = encode_int(v) {
            self.buf.extend_from_slice(&b[..n]);
        } else {
            let digits = v.to_string();
            self.write_len(digits.len() as u64);
            self.buf.extend_from_slice(digits.as_bytes());
        }
    }

    /// A string the way `rdbSaveRawString` writes it: integer-encoded if it is the canonical
    /// form of a 32-bit integer (at most 11 bytes); else LZF if compression is on, the string
    /// is longer than 20 bytes and LZF saves at least 4 bytes (liblzf gets `len - 4` bytes of
    /// room); else length and bytes.
    pub fn write_string(&mut self, s: &[u8]) {
        if s.len() <= 11 {
            if let Some((b, n)) = crate::resp::parse_i64(s).and_then(encode_int) {
                self.buf.extend_from_slice(&b[..n]);
                return;
            }
        }
        if self.compression && s.len() > 20 {
            let lzf = self.lzf.get_or_insert_with(|| Box::new(Compressor::new()));
            if let Some(z) = lzf.compress(s, s.len() - 4) {
                self.buf.push(0xc0 | enc::LZF);
                self.write_len(z.len() as u64);
                self.write_len(s.len() as u64);
                self.buf.extend_from_slice(&z);
                return;
            }
        }
        self.write_len(s.len() as u64);
        self.buf.extend_from_slice(s);
    }

    /// A string value (`rdbSaveStringObject`): `int`-encoded values skip the decimal round trip.
    pub fn write_rstr(&mut self, s: &RStr) {
        match s {
            RStr::Int(n) | RStr::OwnInt(n) => self.write_int_string(*n),
            RStr::Emb(b) => self.write_string(b),
            RStr::Raw(b) => self.write_string(b),
        }
    }

    /// The object's type byte (`rdbSaveObjectType`).
    pub fn write_object_type(&mut self, v: &Value) {
        self.buf.push(object_type_with(v, self.packed_threshold));
    }

    /// The object's body (`rdbSaveObject`), without the type byte.
    pub fn write_object(&mut self, v: &Value) {
        match v {
            Value::Str(s) => self.write_rstr(s),
            Value::List(l) => match list_layout(l, self.packed_threshold) {
                ListLayout::OneNode => {
                    self.write_len(1);
                    self.write_len(QUICKLIST_NODE_PACKED);
                    self.write_string(&super::listpack::encode(l.iter()));
                }
                ListLayout::OnePlain => {
                    self.write_len(1);
                    self.write_len(QUICKLIST_NODE_PLAIN);
                    for e in l.iter() {
                        self.write_string(e);
                    }
                }
                ListLayout::Generic => {
                    self.write_len(l.len() as u64);
                    for e in l.iter() {
                        self.write_string(e);
                    }
                }
            },
            // Compact encodings go out as their blobs, exactly as Redis writes them.
            Value::Set(set) if set.is_intset() => {
                let ints: Vec<i64> = set
                    .iter()
                    .filter_map(|m| match m {
                        Member::Int(n) => Some(n),
                        Member::Bytes(_) => None,
                    })
                    .collect();
                self.write_string(&super::intset::encode(&ints));
            }
            Value::Hash(h) if h.is_listpack() => {
                self.write_string(h.as_listpack().map_or(&[][..], |lp| lp.as_bytes()));
            }
            Value::Set(set) => {
                self.write_len(set.len() as u64);
                for m in set.iter() {
                    match m {
                        Member::Int(n) => self.write_int_string(n),
                        Member::Bytes(b) => self.write_string(b),
                    }
                }
            }
            // Member, score, ... in score order: the listpack as it is.
            Value::ZSet(z) if z.is_listpack() => {
                self.write_string(z.as_listpack().map_or(&[][..], |lp| lp.as_bytes()));
            }
            // RDB_TYPE_ZSET_2: greatest to smallest, as Redis walks its skiplist backwards.
            Value::ZSet(z) => {
                self.write_len(z.len() as u64);
                for (m, s) in z.iter_rev() {
                    m.with_bytes(|b| self.write_string(b));
                    self.write_raw(&s.to_le_bytes());
                }
            }
            Value::Hash(h) => {
                self.write_len(h.len() as u64);
                for (f, v) in h.iter() {
                    f.with_bytes(|b| self.write_string(b));
                    v.with_bytes(|b| self.write_string(b));
                }
            }
        }
    }
}
