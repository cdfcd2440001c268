//! Listpack, the compact sequence Redis 7 stores small lists, hashes and sorted sets in, and
//! writes as-is into RDB files and DUMP payloads (hash/zset listpacks, quicklist nodes).
//!
//! Layout (facts from Redis 7.0's listpack.c): a 6-byte header (total bytes as u32 LE, element
//! count as u16 LE, 65535 when unknown), the entries, and a 0xFF terminator. Each entry is an
//! encoding byte with its data, then its "backlen": the length of encoding+data in 7-bit groups
//! (most significant first, every byte but the first flagged 0x80) so it can be walked
//! backwards. Strings that are canonical integers are stored as integers, in the smallest of
//! seven encodings.

use crate::listpack::{decode_entry, encode_backlen, encode_entry, COUNT_UNKNOWN, EOF, HEADER};
pub use crate::listpack::{Entry, Error};

/// A listpack holding `elements`, encoded exactly as Redis encodes them.
pub fn encode<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut lp = vec![0u8; HEADER];
    let mut count = 0usize;
    for e in elements {
        encode_entry(&mut lp, e);
        count += 1;
    }
    lp.push(EOF);
    let total = lp.len() as u32;
    lp[..4].copy_from_slice(&total.to_le_bytes());
    let n = u16::try_from(count)
        .ok()
        .filter(|&n| n < COUNT_UNKNOWN)
        .unwrap_or(COUNT_UNKNOWN);
    lp[4..6].copy_from_slice(&n.to_le_bytes());
    lp
}

/// Every element of `lp`, checked whole: header, each entry's bounds and backlen, the count and
/// the terminator. A listpack that fails any check is refused, never half-read.
pub fn decode(lp: &[u8]) -> Result<Vec<Entry<'_>>, Error> {
    if lp.len() < HEADER + 1 {
        return Err("listpack shorter than its header");
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    if total != lp.len() {
        return Err("listpack total length mismatch");
    }
    let count = u16::from_le_bytes([lp[4], lp[5]]);
    let mut at = HEADER;
    let mut out = Vec::new();
    while lp[at] != EOF {
        let (entry, len) = decode_entry(&lp[at..])?;
        // The backlen is known from the entry's length: check it is exactly that (read
        // forwards, its end could not be told from the next entry's first byte).
        let mut backlen = Vec::with_capacity(5);
        encode_backlen(&mut backlen, len as u64);
        if lp.get(at + len..at + len + backlen.len()) != Some(&backlen[..]) {
            return Err("listpack entry backlen mismatch");
        }
        out.push(entry);
        at += len + backlen.len();
        if at >= lp.len() {
            return Err("listpack has no terminator");
        }
    }
    if at != lp.len() - 1 {
        return Err("listpack terminator before its end");
    }
    if count != COUNT_UNKNOWN && count as usize != out.len() {
        return Err("listpack element count mismatch");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The listpack inside `DUMP` of `RPUSH l a 1 -5 300 70000 hello 5000000000` on
    /// redis-server 7.0.15 (quicklist node of a 7-element list).
    const LIST: &[u8] = b"(\x00\x00\x00\x07\x00\x81a\x02\x01\x01\xdf\xfb\x02\xc1,\x02\xf2p\x11\x01\x04\x85hello\x06\xf4\x00\xf2\x05*\x01\x00\x00\x00\x09\xff";
    /// From `HSET h f v n 12`.
    const HASH: &[u8] = b"\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02\x0c\x01\xff";

    fn elements(words: &[&str]) -> Vec<Vec<u8>> {
        words.iter().map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn encodes_byte_for_byte_like_redis() {
        let l = elements(&["a", "1", "-5", "300", "70000", "hello", "5000000000"]);
        assert_eq!(encode(l.iter().map(|e| &e[..])), LIST);
        let h = elements(&["f", "v", "n", "12"]);
        assert_eq!(encode(h.iter().map(|e| &e[..])), HASH);
    }

    #[test]
    fn decodes_redis_listpacks() {
        let got: Vec<Vec<u8>> = decode(LIST).unwrap().iter().map(Entry::to_bytes).collect();
        assert_eq!(got, elements(&["a", "1", "-5", "300", "70000", "hello", "5000000000"]));
    }

    #[test]
    fn refuses_damaged_listpacks() {
        for cut in 0..LIST.len() {
            assert!(decode(&LIST[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = LIST.to_vec();
        bad[4] = 9; // wrong count
        assert!(decode(&bad).is_err());
        let mut bad = HASH.to_vec();
        bad[HEADER + 2] = 5; // wrong backlen
        assert!(decode(&bad).is_err());
    }

    proptest! {
        #[test]
        fn round_trips_any_elements(
            items in proptest::collection::vec(
                prop_oneof![
                    any::<i64>().prop_map(|n| n.to_string().into_bytes()),
                    proptest::collection::vec(any::<u8>(), 0..5000),
                ],
                0..40,
            )
        ) {
            let lp = encode(items.iter().map(|e| &e[..]));
            let back: Vec<Vec<u8>> = decode(&lp).unwrap().iter().map(Entry::to_bytes).collect();
            prop_assert_eq!(back, items);
        }

        #[test]
        fn never_panics_on_garbage(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&b);
        }
    }
}
