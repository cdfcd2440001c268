//! Values stored in the keyspace and their Redis encodings.

use crate::bytes::SmallBytes;
use crate::resp::parse_i64;
use crate::types::hash::Hash;
use crate::types::list::List;
use crate::types::set::Set;
use crate::types::stream::Stream;
use crate::types::zset::ZSet;

/// Redis' `OBJ_ENCODING_EMBSTR_SIZE_LIMIT`: strings up to this length are "embstr".
const EMBSTR_LIMIT: usize = 44;

/// A string value in the encoding Redis would pick, so that `OBJECT ENCODING` answers alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RStr {
    /// A decimal integer that round-trips (Redis' `int` encoding); one from 0 to 9999 is
    /// Redis' shared object.
    Int(i64),
    /// An `int` with an object of its own even when small: COPY duplicates the object.
    OwnInt(i64),
    /// Short string written whole by SET and friends (`embstr`); up to 22 bytes inline.
    Emb(SmallBytes),
    /// Any other string, including every string modified in place (`raw`).
    Raw(Vec<u8>),
}

impl RStr {
    /// The encoding Redis' `tryObjectEncoding` gives a freshly stored string.
    pub fn from_bytes(b: Vec<u8>) -> RStr {
        if b.len() <= 20 {
            if let Some(n) = parse_i64(&b) {
                return RStr::Int(n);
            }
        }
        RStr::unencoded(b)
    }

    /// A string made without trying the int encoding (Redis' createStringObject, as INCRBYFLOAT
    /// stores its result): "embstr" when short, "raw" otherwise.
    pub fn unencoded(b: Vec<u8>) -> RStr {
        if b.len() <= EMBSTR_LIMIT {
            RStr::Emb(b.into())
        } else {
            RStr::Raw(b)
        }
    }

    /// A duplicate as Redis' dupStringObject makes it: an `int` gets an object of its own.
    pub fn duplicate(&self) -> RStr {
        match self {
            RStr::Int(n) => RStr::OwnInt(*n),
            other => other.clone(),
        }
    }

    /// A string that was modified in place (APPEND, SETRANGE): Redis keeps it `raw`.
    pub fn raw(b: Vec<u8>) -> RStr {
        RStr::Raw(b)
    }

    /// The bytes, for a modification in place: like Redis' dbUnshareStringValue the string
    /// becomes `raw` (an `int` turns into its decimal text).
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        match self {
            RStr::Int(n) | RStr::OwnInt(n) => *self = RStr::Raw(n.to_string().into_bytes()),
            RStr::Emb(b) => *self = RStr::Raw(b.to_vec()),
            RStr::Raw(_) => {}
        }
        match self {
            RStr::Raw(b) => b,
            RStr::Int(_) | RStr::OwnInt(_) | RStr::Emb(_) => unreachable!("made raw above"),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            RStr::Int(n) | RStr::OwnInt(n) => n.to_string().into_bytes(),
            RStr::Emb(b) => b.to_vec(),
            RStr::Raw(b) => b.clone(),
        }
    }

    /// Writes the bytes to `f` without allocating for byte strings.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            RStr::Int(n) | RStr::OwnInt(n) => f(n.to_string().as_bytes()),
            RStr::Emb(b) => f(b),
            RStr::Raw(b) => f(b),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            RStr::Int(n) | RStr::OwnInt(n) => n.to_string().len(),
            RStr::Emb(b) => b.len(),
            RStr::Raw(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as an integer, as INCR reads it.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            RStr::Int(n) | RStr::OwnInt(n) => Some(*n),
            RStr::Emb(b) => parse_i64(b),
            RStr::Raw(b) => parse_i64(b),
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            RStr::Int(_) | RStr::OwnInt(_) => "int",
            RStr::Emb(_) => "embstr",
            RStr::Raw(_) => "raw",
        }
    }
}

/// A value stored under a key. Collections are boxed so that `Value` stays small.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Str(RStr),
    List(Box<List>),
    Set(Box<Set>),
    Hash(Box<Hash>),
    ZSet(Box<ZSet>),
    Stream(Box<Stream>),
}

impl Value {
    pub fn string(b: Vec<u8>) -> Value {
        Value::Str(RStr::from_bytes(b))
    }

    /// The name TYPE answers.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Hash(_) => "hash",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Set(s) => s.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_get_redis_encodings() {
        assert_eq!(RStr::from_bytes(b"12345".to_vec()).encoding(), "int");
        assert_eq!(RStr::from_bytes(b"-9223372036854775808".to_vec()), RStr::Int(i64::MIN));
        assert_eq!(RStr::from_bytes(b"012".to_vec()).encoding(), "embstr");
        assert_eq!(RStr::from_bytes(vec![b'a'; 44]).encoding(), "embstr");
        assert_eq!(RStr::from_bytes(vec![b'a'; 45]).encoding(), "raw");
        assert_eq!(RStr::Int(-5).to_bytes(), b"-5");
        assert_eq!(RStr::Int(100).len(), 3);
    }
}
