//! Ziplist, the compact encoding Redis 2.6–6.2 wrote for small lists, hashes and sorted sets
//! (RDB types 10, 12, 13, and the nodes of quicklist 1, type 14). Redis 7 only reads it, and
//! converts it at once; so does ferrous. Layout (Redis 7.0's ziplist.c), all little-endian:
//!
//! ```text
//! <zlbytes u32> <zltail u32> <zllen u16> <entry> ... <0xFF>
//! entry: <prevlen: 1 byte if < 254, else 0xFE + u32> <encoding> <data>
//! encoding: 00llllll            string, 6-bit length
//!           01llllll llllllll   string, 14-bit length (big-endian)
//!           10______ + u32 BE   string, 32-bit length
//!           0xC0 i16, 0xD0 i32, 0xE0 i64, 0xF0 i24, 0xFE i8
//!           0xF1..=0xFD         an integer 0..=12 in the low four bits, plus one
//! ```
//!
//! [`decode`] checks a blob as Redis' deep `ziplistValidateIntegrity` does: the stated size,
//! the terminator, every entry within bounds, every prevlen equal to the previous entry's
//! size, the tail offset at the last entry, the count (unless it is saturated at 65535).

/// Why a ziplist was refused.
pub type Error = &'static str;

/// An entry as stored: strings are borrowed, integers decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl Entry<'_> {
    /// The entry's text, integers in decimal (how Redis hands them to a list or a listpack).
    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            Entry::Str(s) => s.to_vec(),
            Entry::Int(n) => n.to_string().into_bytes(),
        }
    }
}

const HEADER: usize = 10;
const END: u8 = 0xFF;
const BIG_PREVLEN: u8 = 0xFE;
const COUNT_UNKNOWN: u16 = u16::MAX;

/// Every entry of the ziplist `zl`, checked whole.
pub fn decode(zl: &[u8]) -> Result<Vec<Entry<'_>>, Error> {
    if zl.len() < HEADER + 1 {
        return Err("ziplist shorter than its header");
    }
    if le_u32(&zl[0..4]) as usize != zl.len() {
        return Err("ziplist size does not match its header");
    }
    if zl[zl.len() - 1] != END {
        return Err("ziplist without its terminator");
    }
    let tail = le_u32(&zl[4..8]) as usize;
    if tail > zl.len() - 1 {
        return Err("ziplist tail offset out of range");
    }
    let stated = u16::from_le_bytes([zl[8], zl[9]]);
    let end = zl.len() - 1;
    let mut entries = Vec::new();
    let (mut pos, mut prev_size, mut last) = (HEADER, 0usize, None);
    while zl[pos] != END {
        let (entry, size, prevlen) = read_entry(&zl[..end], pos)?;
        if prevlen != prev_size {
            return Err("ziplist entry with a wrong prevlen");
        }
        entries.push(entry);
        last = Some(pos);
        prev_size = size;
        pos += size;
    }
    if pos != end {
        return Err("ziplist entries overrun its end");
    }
    if last.is_some_and(|l| l != tail) {
        return Err("ziplist tail offset is not its last entry");
    }
    if stated != COUNT_UNKNOWN && usize::from(stated) != entries.len() {
        return Err("ziplist count does not match its entries");
    }
    Ok(entries)
}

/// The entry at `pos` of `body` (the ziplist without its terminator): the entry, its size
/// in bytes and the previous entry's size it states. Nothing may reach past `body`.
fn read_entry(body: &[u8], pos: usize) -> Result<(Entry<'_>, usize, usize), Error> {
    const OUT: Error = "ziplist entry out of range";
    let at = |i: usize| body.get(i).copied().ok_or(OUT);
    let slice = |from: usize, n: usize| body.get(from..from.checked_add(n).ok_or(OUT)?).ok_or(OUT);
    let (prevlen, mut p) = if at(pos)? == BIG_PREVLEN {
        (le_u32(slice(pos + 1, 4)?) as usize, pos + 5)
    } else {
        (usize::from(at(pos)?), pos + 1)
    };
    let enc = at(p)?;
    p += 1;
    // Where the data starts, and how long it is.
    let (data, len) = match enc >> 6 {
        0 => (p, usize::from(enc & 0x3f)),
        1 => (p + 1, usize::from(enc & 0x3f) << 8 | usize::from(at(p)?)),
        2 => (
            p + 4,
            u32::from_be_bytes(slice(p, 4)?.try_into().expect("four bytes")) as usize,
        ),
        _ => match enc {
            0xC0 => (p, 2),
            0xD0 => (p, 4),
            0xE0 => (p, 8),
            0xF0 => (p, 3),
            0xFE => (p, 1),
            0xF1..=0xFD => (p, 0),
            _ => return Err("ziplist entry with an invalid encoding"),
        },
    };
    let bytes = slice(data, len)?;
    let entry = match enc {
        0xF1..=0xFD => Entry::Int(i64::from(enc & 0x0f) - 1),
        0xC0.. => Entry::Int(int_le(bytes)),
        _ => Entry::Str(bytes),
    };
    Ok((entry, data + len - pos, prevlen))
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("four bytes"))
}

/// A little-endian signed integer of 1 to 8 bytes.
fn int_le(b: &[u8]) -> i64 {
    let mut le = [0u8; 8];
    le[..b.len()].copy_from_slice(b);
    let shift = 64 - 8 * b.len() as u32;
    (i64::from_le_bytes(le) << shift) >> shift
}

/// The ziplist of `entries`, as Redis 6.2 wrote it (each string that is a canonical integer
/// stored as the smallest integer encoding). For tests and fuzz seeds: ferrous never writes
/// ziplists.
pub fn encode(entries: &[&[u8]]) -> Vec<u8> {
    let mut zl = vec![0u8; HEADER];
    let (mut prev, mut tail) = (0usize, HEADER);
    for e in entries {
        tail = zl.len();
        if prev < 254 {
            zl.push(prev as u8);
        } else {
            zl.push(BIG_PREVLEN);
            zl.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        encode_value(&mut zl, e);
        prev = zl.len() - tail;
    }
    zl.push(END);
    let bytes = zl.len() as u32;
    zl[0..4].copy_from_slice(&bytes.to_le_bytes());
    zl[4..8].copy_from_slice(&(tail as u32).to_le_bytes());
    let count = u16::try_from(entries.len()).unwrap_or(COUNT_UNKNOWN);
    zl[8..10].copy_from_slice(&count.to_le_bytes());
    zl
}

fn encode_value(zl: &mut Vec<u8>, e: &[u8]) {
    match crate::resp::parse_i64(e) {
        Some(v @ 0..=12) => zl.push(0xF1 + v as u8),
        Some(v) if i8::try_from(v).is_ok() => {
            zl.push(0xFE);
            zl.extend_from_slice(&v.to_le_bytes()[..1]);
        }
        Some(v) if i16::try_from(v).is_ok() => {
            zl.push(0xC0);
            zl.extend_from_slice(&v.to_le_bytes()[..2]);
        }
        Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
            zl.push(0xF0);
            zl.extend_from_slice(&v.to_le_bytes()[..3]);
        }
        Some(v) if i32::try_from(v).is_ok() => {
            zl.push(0xD0);
            zl.extend_from_slice(&v.to_le_bytes()[..4]);
        }
        Some(v) => {
            zl.push(0xE0);
            zl.extend_from_slice(&v.to_le_bytes());
        }
        None if e.len() < 64 => {
            zl.push(e.len() as u8);
            zl.extend_from_slice(e);
        }
        None if e.len() < 16384 => {
            zl.push(0x40 | (e.len() >> 8) as u8);
            zl.push(e.len() as u8);
            zl.extend_from_slice(e);
        }
        None => {
            zl.push(0x80);
            zl.extend_from_slice(&(e.len() as u32).to_be_bytes());
            zl.extend_from_slice(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ziplists_redis_wrote() {
        // From an RDB file Redis 4.0.9 wrote: a quicklist node holding the one integer 7.
        assert_eq!(
            decode(b"\x0d\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x00\xf8\xff"),
            Ok(vec![Entry::Int(7)])
        );
        // From an RDB file of Redis 2.x (hash "a" 1 "b" 2 "c" 3 as a ziplist).
        let zl = b"\x20\x00\x00\x00\x1b\x00\x00\x00\x06\x00\x00\x01\x61\x03\xc0\x01\x00\x04\x01\x62\x03\xc0\x02\x00\x04\x01\x63\x03\xc0\x03\x00\xff";
        let got: Vec<Vec<u8>> = decode(zl).unwrap().into_iter().map(Entry::to_bytes).collect();
        assert_eq!(got, [&b"a"[..], b"1", b"b", b"2", b"c", b"3"]);
    }

    #[test]
    fn encode_and_decode_agree_on_every_encoding() {
        let long = vec![b'x'; 300];
        let huge = vec![b'y'; 20000];
        let values: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"0",
            b"12",
            b"13",
            b"-1",
            b"127",
            b"-128",
            b"128",
            b"32767",
            b"-32769",
            b"8388607",
            b"-8388608",
            b"8388608",
            b"2147483647",
            b"2147483648",
            b"-9223372036854775808",
            b"9223372036854775807",
            b"007",
            b"1.5",
            &long,
            &huge,
        ];
        let zl = encode(&values);
        let got: Vec<Vec<u8>> = decode(&zl).unwrap().into_iter().map(Entry::to_bytes).collect();
        assert_eq!(got, values);
        assert_eq!(decode(&encode(&[])), Ok(vec![]));
    }

    #[test]
    fn refuses_broken_ziplists() {
        let good = encode(&[b"abc", b"5", b"hello"]);
        let with = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            decode(&b).map(|e| e.len())
        };
        assert_eq!(decode(&good[..5]), Err("ziplist shorter than its header"));
        assert_eq!(with(&|b| b[0] += 1), Err("ziplist size does not match its header"));
        assert_eq!(
            with(&|b| *b.last_mut().unwrap() = 0),
            Err("ziplist without its terminator")
        );
        assert_eq!(with(&|b| b[4] = 200), Err("ziplist tail offset out of range"));
        assert_eq!(with(&|b| b[4] = 10), Err("ziplist tail offset is not its last entry"));
        assert_eq!(with(&|b| b[8] = 2), Err("ziplist count does not match its entries"));
        assert!(with(&|b| b[8..10].copy_from_slice(&[0xff, 0xff])).is_ok()); // count unknown
        assert_eq!(with(&|b| b[15] = 9), Err("ziplist entry with a wrong prevlen"));
        assert_eq!(with(&|b| b[11] = 60), Err("ziplist entry out of range"));
        assert_eq!(with(&|b| b[11] = 0xC1), Err("ziplist entry with an invalid encoding"));
    }
}
