//! The reason Redis' rdbReportCorruptRDB gives for a value it cannot load, for ferrous' own
//! load errors: RESTORE logs it (at verbose, as Redis does), so a log reader sees the same
//! words, e.g. `Hash ziplist integrity check failed.`.

use super::decode::{ErrorKind, RdbError};
use super::types;

/// Redis' message for a broken encoded blob of `object_type`, if the type has one.
fn blob_reason(object_type: u8) -> Option<&'static str> {
    Some(match object_type {
        types::HASH_ZIPMAP => "Zipmap integrity check failed.",
        types::LIST_ZIPLIST => "List ziplist integrity check failed.",
        types::SET_INTSET => "Intset integrity check failed.",
        types::ZSET_ZIPLIST => "Zset ziplist integrity check failed.",
        types::HASH_ZIPLIST => "Hash ziplist integrity check failed.",
        types::LIST_QUICKLIST => "Ziplist integrity check failed.",
        types::HASH_LISTPACK => "Hash listpack integrity check failed.",
        types::ZSET_LISTPACK => "Zset listpack integrity check failed.",
        types::LIST_QUICKLIST_2 => "Listpack integrity check failed.",
        types::SET_LISTPACK => "Set listpack integrity check failed.",
        _ => return None,
    })
}

/// What Redis would report for `e`, met while loading a value of `object_type`. Inside an
/// encoded blob, duplicates and bad scores are part of its integrity check, as Redis' deep
/// sanitization finds them.
pub fn redis_reason(e: &RdbError, object_type: u8) -> String {
    let blob = blob_reason(object_type);
    let text = match (&e.kind, blob) {
        (ErrorKind::BadBlob { reason }, _) if reason.contains("quicklist node container") => {
            "Quicklist integrity check failed."
        }
        (
            ErrorKind::BadBlob { .. }
            | ErrorKind::DuplicateField
            | ErrorKind::DuplicateZsetMember
            | ErrorKind::DuplicateMember
            | ErrorKind::BadScore,
            Some(b),
        ) => b,
        (ErrorKind::DuplicateMember, None) => "Duplicate set members detected",
        (ErrorKind::DuplicateField, None) => "Duplicate hash fields detected",
        (ErrorKind::DuplicateZsetMember, None) => "Duplicate zset fields detected",
        (ErrorKind::BadScore, None) => "Zset with NAN score detected",
        (ErrorKind::Lzf(_) | ErrorKind::LzfLength { .. }, _) => "Invalid LZF compressed string",
        (ErrorKind::Checksum { .. }, _) => "RDB CRC error",
        (ErrorKind::Truncated { .. }, _) => "Unexpected EOF reading RDB file",
        (ErrorKind::BadStringEncoding { encoding }, _) => {
            return format!("Unknown RDB string encoding type {encoding}")
        }
        (ErrorKind::NotAnObjectType { byte } | ErrorKind::UnsupportedType { byte }, _) => {
            return format!("Unknown RDB encoding type {byte}")
        }
        _ => return e.to_string(),
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::redis_reason;
    use crate::rdb::decode::{ErrorKind, RdbError};
    use crate::rdb::types;

    fn at(kind: ErrorKind) -> RdbError {
        RdbError { offset: 3, kind }
    }

    #[test]
    fn blob_failures_name_the_encoding_and_plain_duplicates_say_what_repeats() {
        let bad = || at(ErrorKind::BadBlob { reason: "bad prevlen" });
        assert_eq!(
            redis_reason(&bad(), types::HASH_ZIPLIST),
            "Hash ziplist integrity check failed."
        );
        assert_eq!(
            redis_reason(&bad(), types::LIST_QUICKLIST),
            "Ziplist integrity check failed."
        );
        assert_eq!(
            redis_reason(&bad(), types::HASH_ZIPMAP),
            "Zipmap integrity check failed."
        );
        let dup = at(ErrorKind::DuplicateField);
        assert_eq!(
            redis_reason(&dup, types::HASH_LISTPACK),
            "Hash listpack integrity check failed."
        );
        assert_eq!(redis_reason(&dup, types::HASH), "Duplicate hash fields detected");
        let container = at(ErrorKind::BadBlob {
            reason: "unknown quicklist node container",
        });
        assert_eq!(
            redis_reason(&container, types::LIST_QUICKLIST_2),
            "Quicklist integrity check failed."
        );
        let trunc = at(ErrorKind::Truncated { wanted: 4 });
        assert_eq!(redis_reason(&trunc, types::STRING), "Unexpected EOF reading RDB file");
        let other = at(ErrorKind::BadDb { db: 99 });
        assert_eq!(redis_reason(&other, types::STRING), other.to_string());
    }
}
