//! Reading RDB. Every read is bounds-checked and every failure is an [`RdbError`] naming the
//! offset and the reason; lengths from the input are never trusted for allocation (a string
//! is allocated only once its bytes are known to be there, LZF output grows as it is produced).

use std::borrow::Cow;
use std::fmt;

use super::lzf::{self, LzfError};
use super::{enc, len, types};
use crate::types::list::{End, List};
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
    /// A collection with no elements (Redis refuses to load empty keys).
    EmptyKey,
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
            ErrorKind::EmptyKey => write!(f, "empty collection"),
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

/// Reads RDB items from a byte slice.
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    pub fn new(buf: &'a [u8]) -> Decoder<'a> {
        Decoder { buf, pos: 0 }
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
                    return self.err(at, ErrorKind::EmptyKey);
                }
                // Each element takes at least one byte: a length beyond what is left is a lie,
                // found out without allocating for it.
                let mut list = List::new();
                for _ in 0..n {
                    list.push(End::Tail, self.read_string_bytes()?);
                }
                Ok(Value::List(Box::new(list)))
            }
            // Sets, sorted sets, hashes, streams and module values slot in here as the
            // keyspace learns to hold them.
            _ => self.err(self.pos, ErrorKind::UnsupportedType { byte: t }),
        }
    }
}
