//! RDB, Redis' serialization format: the building blocks (lengths, strings, object types, LZF,
//! CRC-64), an [`Encoder`] that writes what Redis 7.0 writes and a [`Decoder`] that reads what
//! Redis 7.x writes and refuses anything else with an [`RdbError`] (offset and reason), never a
//! panic. The DUMP/RESTORE payload is built on them in [`dump`]; RDB files (persistence, full
//! sync) will be too: the opcodes they need are already listed in [`opcode`].
//!
//! Facts from Redis 7.0.15's rdb.h/rdb.c; no code is taken from there.

pub mod crc64;
mod decode;
pub mod dump;
mod encode;
pub mod file;
pub mod intset;
pub mod listpack;
pub mod lzf;
pub mod reason;
mod stream;
pub mod ziplist;
pub mod zipmap;

pub use decode::{Decoder, ErrorKind, LoadOptions, RdbError, RdbString};
pub use encode::{object_type, Encoder};

/// The RDB version Redis 7.0 writes (and the newest it reads).
pub const RDB_VERSION: u16 = 10;

/// Object type bytes, as in rdb.h. Values of types this server does not have yet are refused
/// by the decoder with [`ErrorKind::UnsupportedType`].
pub mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const MODULE: u8 = 6;
    pub const MODULE_2: u8 = 7;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
    /// Redis 7.2's small sets (RDB version 11). Read, never written: ferrous writes version
    /// 10, what Redis 7.0 reads, where a listpack set is an RDB_TYPE_SET.
    pub const SET_LISTPACK: u8 = 20;

    /// Redis 7.2's `rdbIsObjectType`: 0–7 and 9–21 (8 was never used).
    pub fn is_object_type(t: u8) -> bool {
        matches!(t, 0..=7 | 9..=21)
    }
}

/// Special opcodes of RDB files (not used by DUMP payloads), as in rdb.h.
pub mod opcode {
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// Length encoding: the top two bits of the first byte.
///
/// ```text
/// 00|XXXXXX                    6-bit length
/// 01|XXXXXX XXXXXXXX           14-bit length, big-endian
/// 10000000 + 4 bytes           32-bit length, big-endian
/// 10000001 + 8 bytes           64-bit length, big-endian
/// 11|XXXXXX                    a specially encoded string follows (ENC_*)
/// ```
pub(crate) mod len {
    pub const BITS6: u8 = 0;
    pub const BITS14: u8 = 1;
    pub const BITS32: u8 = 0x80;
    pub const BITS64: u8 = 0x81;
    pub const ENCVAL: u8 = 3;
}

/// Special string encodings after an `11` length prefix.
pub mod enc {
    pub const INT8: u8 = 0;
    pub const INT16: u8 = 1;
    pub const INT32: u8 = 2;
    pub const LZF: u8 = 3;
}

#[cfg(test)]
mod tests;
