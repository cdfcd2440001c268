//! Zipmap, the compact hash encoding of Redis 2.4 and older (RDB type 9). Redis 7 only reads
//! it, converting it to a listpack or hashtable at once; so does ferrous. Layout (Redis 7.0's
//! zipmap.c):
//!
//! ```text
//! <count: 1 byte, 254 = unknown> (<len field> <field> <len value> <free> <value> <free bytes>)* <0xFF>
//! len: 1 byte if < 254, else 254 and a u32, little-endian; free: 1 byte
//! ```
//!
//! [`decode`] checks a blob as Redis' deep `zipmapValidateIntegrity` does: the terminator,
//! every entry within bounds, at least one pair, the count (unless it is 254).

/// Why a zipmap was refused.
pub type Error = &'static str;

const END: u8 = 0xFF;
const BIGLEN: u8 = 254;

/// A field and its value, borrowed from the zipmap.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

/// Every (field, value) pair of `zm`, checked whole. Duplicate fields are the caller's to find.
pub fn decode(zm: &[u8]) -> Result<Vec<Pair<'_>>, Error> {
    if zm.len() < 2 {
        return Err("zipmap shorter than its header");
    }
    if zm[zm.len() - 1] != END {
        return Err("zipmap without its terminator");
    }
    // Nothing may reach past the terminator: everything read is within `body`.
    let body = &zm[..zm.len() - 1];
    let mut pairs = Vec::new();
    let mut p = 1;
    // As Redis, a terminator where a field would start ends the zipmap.
    while p < body.len() && body[p] != END {
        let (field, next) = string(body, p, 0)?;
        let free = usize::from(*body.get(next + len_size(body, next)?).ok_or(OUT)?);
        let (value, next) = string(body, next, 1)?;
        p = next.checked_add(free).filter(|&e| e <= body.len()).ok_or(OUT)?;
        pairs.push((field, value));
    }
    if pairs.is_empty() {
        return Err("empty zipmap");
    }
    if zm[0] != BIGLEN && usize::from(zm[0]) != pairs.len() {
        return Err("zipmap count does not match its entries");
    }
    Ok(pairs)
}

const OUT: Error = "zipmap entry out of range";

/// The size of the length at `p`: one byte, or five after a 254 (or 255, read as such).
fn len_size(body: &[u8], p: usize) -> Result<usize, Error> {
    Ok(if *body.get(p).ok_or(OUT)? < BIGLEN { 1 } else { 5 })
}

/// The string whose length is at `p`, `skip` bytes (the free byte) after the length; and the
/// offset just past it.
fn string(body: &[u8], p: usize, skip: usize) -> Result<(&[u8], usize), Error> {
    let size = len_size(body, p)?;
    let len = if size == 1 {
        usize::from(body[p])
    } else {
        let b = body.get(p + 1..p + 5).ok_or(OUT)?;
        u32::from_le_bytes(b.try_into().expect("four bytes")) as usize
    };
    let start = p + size + skip;
    let end = start.checked_add(len).filter(|&e| e <= body.len()).ok_or(OUT)?;
    Ok((&body[start..end], end))
}

/// The zipmap of `pairs` with `free` spare bytes after each value, as Redis 2.4 wrote it.
/// For tests and fuzz seeds: ferrous never writes zipmaps.
pub fn encode(pairs: &[Pair<'_>], free: u8) -> Vec<u8> {
    let mut zm = vec![u8::try_from(pairs.len()).unwrap_or(BIGLEN).min(BIGLEN)];
    let put_len = |zm: &mut Vec<u8>, n: usize| {
        if n < usize::from(BIGLEN) {
            zm.push(n as u8);
        } else {
            zm.push(BIGLEN);
            zm.extend_from_slice(&(n as u32).to_le_bytes());
        }
    };
    for (field, value) in pairs {
        put_len(&mut zm, field.len());
        zm.extend_from_slice(field);
        put_len(&mut zm, value.len());
        zm.push(free);
        zm.extend_from_slice(value);
        zm.extend(std::iter::repeat_n(0, usize::from(free)));
    }
    zm.push(END);
    zm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_zipmap_redis_wrote() {
        // From an RDB file (version 3) Redis 2.x wrote: HSET hash f1 v1 f2 v2.
        let zm = b"\x02\x02f1\x02\x00v1\x02f2\x02\x00v2\xff";
        assert_eq!(decode(zm), Ok(vec![(&b"f1"[..], &b"v1"[..]), (b"f2", b"v2")]));
    }

    #[test]
    fn encode_and_decode_agree() {
        let long = vec![b'z'; 1000];
        let pairs: Vec<(&[u8], &[u8])> = vec![(b"a", b""), (&long, b"v"), (b"", &long)];
        for free in [0, 3] {
            assert_eq!(decode(&encode(&pairs, free)), Ok(pairs.clone()));
        }
        let many: Vec<(Vec<u8>, Vec<u8>)> = (0..300).map(|i| (format!("f{i}").into_bytes(), vec![])).collect();
        let many: Vec<(&[u8], &[u8])> = many.iter().map(|(f, v)| (&f[..], &v[..])).collect();
        assert_eq!(decode(&encode(&many, 0)).map(|p| p.len()), Ok(300)); // count 254: unknown
    }

    #[test]
    fn refuses_broken_zipmaps() {
        assert_eq!(decode(b"\x00"), Err("zipmap shorter than its header"));
        assert_eq!(decode(b"\x01\x01a"), Err("zipmap without its terminator"));
        assert_eq!(decode(b"\x00\xff"), Err("empty zipmap"));
        assert_eq!(
            decode(b"\x02\x01a\x01\x00b\xff"),
            Err("zipmap count does not match its entries")
        );
        assert_eq!(decode(b"\x01\x05a\x01\x00b\xff"), Err(OUT));
        assert_eq!(decode(b"\x01\x01a\x01\x05b\xff"), Err(OUT)); // free bytes past the end
        assert_eq!(decode(b"\x01\x01a\xfe\x01\x00\xff"), Err(OUT));
        assert_eq!(decode(b"\x01\x01a"), Err("zipmap without its terminator"));
    }
}
