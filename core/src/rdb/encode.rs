//! Writing RDB: lengths, strings (integer-encoded, LZF-compressed or verbatim, chosen exactly
//! as Redis' `rdbSaveRawString` chooses) and objects.

use super::lzf::Compressor;
use super::{enc, len, types};
use crate::types::list::Node;
use crate::types::set::Member;
use crate::value::{RStr, Value};

/// Appends RDB-encoded items to a buffer.
pub struct Encoder {
    buf: Vec<u8>,
    /// `rdbcompression`: try LZF on strings longer than 20 bytes.
    compression: bool,
    /// Created on the first string worth compressing, then reused.
    lzf: Option<Box<Compressor>>,
}

/// The type byte Redis writes for `v` (`rdbSaveObjectType`).
pub fn object_type(v: &Value) -> u8 {
    match v {
        Value::Str(_) => types::STRING,
        Value::List(_) => types::LIST_QUICKLIST_2,
        Value::Set(s) if s.is_intset() => types::SET_INTSET,
        // A listpack set too: see write_object.
        Value::Set(_) => types::SET,
        Value::Hash(h) if h.is_listpack() => types::HASH_LISTPACK,
        Value::Hash(_) => types::HASH,
        Value::ZSet(z) if z.is_listpack() => types::ZSET_LISTPACK,
        Value::ZSet(_) => types::ZSET_2,
        Value::Stream(_) => types::STREAM_LISTPACKS_2,
    }
}

/// A quicklist node's container kind in RDB: a listpack, or one plain element.
pub(super) const QUICKLIST_NODE_PACKED: u64 = 2;
pub(super) const QUICKLIST_NODE_PLAIN: u64 = 1;

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
        }
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
        self.buf.push(object_type(v));
    }

    /// The object's body (`rdbSaveObject`), without the type byte.
    pub fn write_object(&mut self, v: &Value) {
        match v {
            Value::Str(s) => self.write_rstr(s),
            // RDB_TYPE_LIST_QUICKLIST_2: the nodes as they are, a listpack's bytes as held.
            Value::List(l) => {
                self.write_len(l.nodes().len() as u64);
                for node in l.nodes() {
                    match node {
                        Node::Packed(lp) => {
                            self.write_len(QUICKLIST_NODE_PACKED);
                            self.write_string(lp.as_bytes());
                        }
                        Node::Plain(b) => {
                            self.write_len(QUICKLIST_NODE_PLAIN);
                            self.write_string(b);
                        }
                    }
                }
            }
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
            // A listpack set is written as a plain RDB_TYPE_SET, members in listpack order:
            // its own type (RDB_TYPE_SET_LISTPACK, 20) came with RDB version 11 in Redis 7.2,
            // and ferrous writes version 10, which Redis 7.0 reads and would refuse type 20 in.
            // Loading picks the encoding again (Redis 7.2's rules): a small set of strings is a
            // listpack again; one of integers only becomes an intset.
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
            Value::Stream(s) => self.write_stream(s),
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
