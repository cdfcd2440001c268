//! Intset, the sorted array of integers Redis keeps small all-integer sets in, written as-is
//! into RDB files and DUMP payloads (RDB_TYPE_SET_INTSET). Layout (Redis 7.0's intset.c): the
//! element width in bytes (2, 4 or 8) as u32 LE, the count as u32 LE, then the elements in
//! ascending order, little-endian, all of the one width the widest element needs.

/// Why an intset was refused.
pub type Error = &'static str;

/// The intset of `sorted` (ascending, no duplicates), as Redis encodes it.
pub fn encode(sorted: &[i64]) -> Vec<u8> {
    let width = sorted.iter().map(|&v| width_of(v)).max().unwrap_or(2);
    let mut out = Vec::with_capacity(8 + width * sorted.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    for v in sorted {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// Redis' _intsetValueEncoding.
fn width_of(v: i64) -> usize {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// The elements, checked whole: a valid width, the exact size, strictly ascending values.
pub fn decode(b: &[u8]) -> Result<Vec<i64>, Error> {
    if b.len() < 8 {
        return Err("intset shorter than its header");
    }
    let width = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err("intset with an invalid encoding");
    }
    let count = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if count.checked_mul(width).and_then(|n| n.checked_add(8)) != Some(b.len()) {
        return Err("intset size does not match its count");
    }
    let values: Vec<i64> = b[8..]
        .chunks(width)
        .map(|c| {
            let mut le = [0u8; 8];
            le[..width].copy_from_slice(c);
            let shift = 64 - 8 * width as u32;
            (i64::from_le_bytes(le) << shift) >> shift
        })
        .collect();
    if values.windows(2).any(|w| w[0] >= w[1]) {
        return Err("intset not in ascending order");
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_like_redis() {
        // Inside DUMP of `SADD s 3 1 2 -7` and `SADD s2 1 70000` on redis-server 7.0.15.
        assert_eq!(
            encode(&[-7, 1, 2, 3]),
            b"\x02\x00\x00\x00\x04\x00\x00\x00\xf9\xff\x01\x00\x02\x00\x03\x00"
        );
        assert_eq!(
            encode(&[1, 70000]),
            b"\x04\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00p\x11\x01\x00"
        );
    }

    #[test]
    fn refuses_damaged_intsets() {
        let good = encode(&[1, 2, 3]);
        for cut in 0..good.len() {
            assert!(decode(&good[..cut]).is_err());
        }
        assert!(decode(&encode(&[3, 1])).is_err());
        assert!(decode(&encode(&[1, 1])).is_err());
        let mut bad = good.clone();
        bad[0] = 3;
        assert!(decode(&bad).is_err());
    }

    proptest! {
        #[test]
        fn round_trips(mut v in proptest::collection::vec(any::<i64>(), 0..50)) {
            v.sort_unstable();
            v.dedup();
            prop_assert_eq!(decode(&encode(&v)).unwrap(), v);
        }

        #[test]
        fn never_panics_on_garbage(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&b);
        }
    }
}
