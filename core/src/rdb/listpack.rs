//! Listpack, the compact sequence Redis 7 stores small lists, hashes and sorted sets in, and
//! writes as-is into RDB files and DUMP payloads (hash/zset listpacks, quicklist nodes).
//!
//! Layout (facts from Redis 7.0's listpack.c): a 6-byte header (total bytes as u32 LE, element
//! count as u16 LE, 65535 when unknown), the entries, and a 0xFF terminator. Each entry is an
//! encoding byte with its data, then its "backlen": the length of encoding+data in 7-bit groups
//! (most significant first, every byte but the first flagged 0x80) so it can be walked
//! backwards. Strings that are canonical integers are stored as integers, in the smallest of
//! seven encodings.

use crate::resp::parse_i64;

/// The element count field's "too many to count" value.
const COUNT_UNKNOWN: u16 = u16::MAX;
const HEADER: usize = 6;
const EOF: u8 = 0xff;

/// One element: a listpack stores integers and strings apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Entry<'_> {
    /// The element as the string Redis returns for it.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Entry::Int(n) => n.to_string().into_bytes(),
            Entry::Str(s) => s.to_vec(),
        }
    }
}

/// A listpack holding `elements`, encoded exactly as Redis encodes them.
pub fn encode<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut lp = vec![0u8; HEADER];
    let mut count = 0usize;
    for e in elements {
        let start = lp.len();
        match parse_i64(e) {
            Some(n) => encode_int(&mut lp, n),
            None => encode_str(&mut lp, e),
        }
        let len = lp.len() - start;
        encode_backlen(&mut lp, len as u64);
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

/// Redis' lpEncodeIntegerGetType: the smallest encoding that holds `v`.
fn encode_int(lp: &mut Vec<u8>, v: i64) {
    let le = v.to_le_bytes();
    if (0..=127).contains(&v) {
        lp.push(v as u8);
    } else if (-4096..=4095).contains(&v) {
        let u = if v < 0 { (v + (1 << 13)) as u16 } else { v as u16 };
        lp.extend_from_slice(&[0xc0 | (u >> 8) as u8, u as u8]);
    } else if i16::try_from(v).is_ok() {
        lp.push(0xf1);
        lp.extend_from_slice(&le[..2]);
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        lp.push(0xf2);
        lp.extend_from_slice(&le[..3]);
    } else if i32::try_from(v).is_ok() {
        lp.push(0xf3);
        lp.extend_from_slice(&le[..4]);
    } else {
        lp.push(0xf4);
        lp.extend_from_slice(&le);
    }
}

fn encode_str(lp: &mut Vec<u8>, s: &[u8]) {
    let len = s.len();
    if len < 64 {
        lp.push(0x80 | len as u8);
    } else if len < 4096 {
        lp.extend_from_slice(&[0xe0 | (len >> 8) as u8, len as u8]);
    } else {
        lp.push(0xf0);
        lp.extend_from_slice(&(len as u32).to_le_bytes());
    }
    lp.extend_from_slice(s);
}

/// Redis' lpEncodeBacklen.
fn encode_backlen(lp: &mut Vec<u8>, l: u64) {
    let groups = match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    };
    for i in (0..groups).rev() {
        let bits = ((l >> (7 * i)) & 127) as u8;
        lp.push(if i == groups - 1 {
            (l >> (7 * i)) as u8
        } else {
            bits | 0x80
        });
    }
}

/// Why a listpack was refused.
pub type Error = &'static str;

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

/// One entry's value and the length of its encoding+data.
fn decode_entry(b: &[u8]) -> Result<(Entry<'_>, usize), Error> {
    let need = |n: usize| {
        if b.len() >= n {
            Ok(())
        } else {
            Err("listpack entry past the end")
        }
    };
    let int = |n: usize| -> Result<i64, Error> {
        need(1 + n)?;
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(&b[1..1 + n]);
        // Sign-extend from n bytes.
        let shift = 64 - 8 * n as u32;
        Ok(((i64::from_le_bytes(le)) << shift) >> shift)
    };
    let first = b[0];
    match first {
        0x00..=0x7f => Ok((Entry::Int(i64::from(first)), 1)),
        0x80..=0xbf => {
            let len = usize::from(first & 0x3f);
            need(1 + len)?;
            Ok((Entry::Str(&b[1..1 + len]), 1 + len))
        }
        0xc0..=0xdf => {
            need(2)?;
            let u = (i64::from(first & 0x1f) << 8) | i64::from(b[1]);
            let v = if u >= 1 << 12 { u - (1 << 13) } else { u };
            Ok((Entry::Int(v), 2))
        }
        0xe0..=0xef => {
            need(2)?;
            let len = (usize::from(first & 0x0f) << 8) | usize::from(b[1]);
            need(2 + len)?;
            Ok((Entry::Str(&b[2..2 + len]), 2 + len))
        }
        0xf0 => {
            need(5)?;
            let len = u32::from_le_bytes([b[1], b[2], b[3], b[4]]) as usize;
            need(5usize.checked_add(len).ok_or("listpack string too long")?)?;
            Ok((Entry::Str(&b[5..5 + len]), 5 + len))
        }
        0xf1 => Ok((Entry::Int(int(2)?), 3)),
        0xf2 => Ok((Entry::Int(int(3)?), 4)),
        0xf3 => Ok((Entry::Int(int(4)?), 5)),
        0xf4 => Ok((Entry::Int(int(8)?), 9)),
        _ => Err("listpack entry with an invalid encoding"),
    }
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
