//! Listpack, the compact sequence Redis 7 keeps small lists, hashes, sets and sorted sets in,
//! held in memory in exactly the bytes Redis would hold (so an RDB file or DUMP payload writes
//! it as-is), and the entry codec the RDB reader shares.
//!
//! Layout (facts from Redis 7.0's listpack.c): a 6-byte header (total bytes as u32 LE, element
//! count as u16 LE, 65535 when unknown), the entries, and a 0xFF terminator. Each entry is an
//! encoding byte with its data, then its "backlen": the length of encoding+data in 7-bit groups
//! (most significant first, every byte but the first flagged 0x80) so it can be walked
//! backwards. Strings that are canonical integers are stored as integers, in the smallest of
//! seven encodings.
//!
//! Positions are byte offsets of an entry's first byte; a position is valid until the next
//! write. Like Redis, finding an element is a linear walk: a listpack is only used while small.

use crate::resp::parse_i64;

/// The element count field's "too many to count" value.
pub const COUNT_UNKNOWN: u16 = u16::MAX;
pub const HEADER: usize = 6;
pub const EOF: u8 = 0xff;

/// Why a listpack was refused.
pub type Error = &'static str;

/// One element: a listpack stores integers and strings apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

    /// Calls `f` with the element's string form, formatting an integer on the stack.
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Entry::Str(s) => f(s),
            Entry::Int(n) => {
                let mut buf = [0u8; 20];
                f(format_i64(*n, &mut buf))
            }
        }
    }

    /// Whether the element equals `s` (given with its integer value when it has one, as
    /// Redis' lpFind compares an integer entry only with a string that parses to it).
    pub fn matches(&self, s: &[u8], s_int: Option<i64>) -> bool {
        match self {
            Entry::Str(b) => *b == s,
            Entry::Int(n) => s_int == Some(*n),
        }
    }
}

/// `n` in decimal, written at the end of `buf`.
#[inline]
pub fn format_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// Appends the entry for `s` (encoding, data, backlen) as Redis' lpInsert writes it.
pub fn encode_entry(out: &mut Vec<u8>, s: &[u8]) {
    let start = out.len();
    match parse_i64(s) {
        Some(n) => encode_int(out, n),
        None => encode_str(out, s),
    }
    let len = out.len() - start;
    encode_backlen(out, len as u64);
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

/// How many bytes the backlen of an entry of `l` bytes takes.
fn backlen_size(l: u64) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Redis' lpEncodeBacklen.
pub fn encode_backlen(lp: &mut Vec<u8>, l: u64) {
    let groups = backlen_size(l);
    for i in (0..groups).rev() {
        let bits = ((l >> (7 * i)) & 127) as u8;
        lp.push(if i == groups - 1 {
            (l >> (7 * i)) as u8
        } else {
            bits | 0x80
        });
    }
}

/// One entry's value and the length of its encoding+data, checked against the end of `b`.
#[inline]
pub fn decode_entry(b: &[u8]) -> Result<(Entry<'_>, usize), Error> {
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
    need(1)?;
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

/// A listpack in memory. Every method keeps the bytes valid (header, entries, terminator), so
/// [`Listpack::as_bytes`] is always what Redis would hold for the same writes.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Listpack {
    pub fn new() -> Listpack {
        let mut buf = Vec::with_capacity(HEADER + 1);
        buf.extend_from_slice(&[(HEADER + 1) as u8, 0, 0, 0, 0, 0, EOF]);
        Listpack { buf }
    }

    /// A listpack holding `elements` in order.
    pub fn from_elements<'a>(elements: impl IntoIterator<Item = &'a [u8]>) -> Listpack {
        let mut lp = Listpack::new();
        let mut body = Vec::new();
        let mut n = 0usize;
        for e in elements {
            encode_entry(&mut body, e);
            n += 1;
        }
        lp.splice_at(HEADER, 0, &body, n as isize);
        lp.buf.shrink_to_fit();
        lp
    }

    /// Takes Redis' bytes (from an RDB file or a DUMP payload), checked whole first.
    pub fn from_bytes(buf: Vec<u8>) -> Result<Listpack, Error> {
        crate::rdb::listpack::decode(&buf)?;
        Ok(Listpack { buf })
    }

    /// The bytes Redis would hold: what an RDB file or DUMP payload writes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes allocated for it (for MEMORY USAGE).
    pub fn allocated(&self) -> usize {
        self.buf.capacity()
    }

    /// Redis' lpLength: the header's count, or a walk when the count is too large for it.
    pub fn len(&self) -> usize {
        match u16::from_le_bytes([self.buf[4], self.buf[5]]) {
            COUNT_UNKNOWN => self.iter().count(),
            n => usize::from(n),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.buf[HEADER] == EOF
    }

    pub fn first(&self) -> Option<usize> {
        (self.buf[HEADER] != EOF).then_some(HEADER)
    }

    pub fn last(&self) -> Option<usize> {
        let end = self.buf.len() - 1;
        (end > HEADER).then(|| self.prev_of(end))
    }

    #[inline]
    pub fn next(&self, pos: usize) -> Option<usize> {
        let at = pos + self.entry_size(pos);
        (self.buf[at] != EOF).then_some(at)
    }

    pub fn prev(&self, pos: usize) -> Option<usize> {
        (pos > HEADER).then(|| self.prev_of(pos))
    }

    /// The entry at `pos`.
    #[inline]
    pub fn get(&self, pos: usize) -> Entry<'_> {
        self.decode_at(pos).0
    }

    /// The entry at `pos` and the position of the one after it, if any, from one decode (for
    /// walking forwards).
    #[inline]
    pub fn get_and_next(&self, pos: usize) -> (Entry<'_>, Option<usize>) {
        let (e, len) = self.decode_at(pos);
        let at = pos + len + backlen_size(len as u64);
        (e, (self.buf[at] != EOF).then_some(at))
    }

    /// Redis' lpSeek: the position of element `index` (negative counts from the tail).
    pub fn seek(&self, index: i64) -> Option<usize> {
        if index < 0 {
            let mut pos = self.last()?;
            for _ in 0..(-(index + 1)) {
                pos = self.prev(pos)?;
            }
            Some(pos)
        } else {
            let mut pos = self.first()?;
            for _ in 0..index {
                pos = self.next(pos)?;
            }
            Some(pos)
        }
    }

    /// Every element, head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            pos: self.first(),
        }
    }

    /// The elements two at a time, head to tail.
    pub fn pairs(&self) -> Pairs<'_> {
        Pairs(self.iter())
    }

    /// Redis' lpFind: from `pos`, the first element equal to `s`, comparing one element and
    /// then skipping `skip` (1 compares only a hash's fields or a zset's members).
    pub fn find(&self, mut pos: usize, s: &[u8], skip: usize) -> Option<usize> {
        let s_int = parse_i64(s);
        loop {
            if self.get(pos).matches(s, s_int) {
                return Some(pos);
            }
            for _ in 0..=skip {
                pos = self.next(pos)?;
            }
        }
    }

    /// Appends `s` at the tail.
    pub fn push_back(&mut self, s: &[u8]) {
        let end = self.buf.len() - 1;
        self.insert_at(end, s);
    }

    pub fn push_front(&mut self, s: &[u8]) {
        self.insert_at(HEADER, s);
    }

    /// Inserts `s` before the element at `pos` (or at the tail for the terminator's position).
    pub fn insert_at(&mut self, pos: usize, s: &[u8]) {
        let mut entry = Vec::with_capacity(s.len() + 10);
        encode_entry(&mut entry, s);
        self.splice_at(pos, 0, &entry, 1);
    }

    /// The position just past the last element, where [`Listpack::insert_at`] appends.
    pub fn end(&self) -> usize {
        self.buf.len() - 1
    }

    /// Replaces the element at `pos` with `s`; the element keeps its place.
    pub fn replace(&mut self, pos: usize, s: &[u8]) {
        let old = self.entry_size(pos);
        let mut entry = Vec::with_capacity(s.len() + 10);
        encode_entry(&mut entry, s);
        self.splice_at(pos, old, &entry, 0);
    }

    /// Deletes the element at `pos`; the position of the one that followed, if any.
    pub fn delete(&mut self, pos: usize) -> Option<usize> {
        self.delete_range(pos, 1)
    }

    /// Deletes `count` elements from `pos` on (fewer if the listpack ends first); the position
    /// of the element that followed them, if any.
    pub fn delete_range(&mut self, pos: usize, count: usize) -> Option<usize> {
        let mut end = pos;
        let mut n = 0;
        while n < count && self.buf[end] != EOF {
            end += self.entry_size(end);
            n += 1;
        }
        self.splice_at(pos, end - pos, &[], -(n as isize));
        (self.buf[pos] != EOF).then_some(pos)
    }

    /// Moves elements `index..` into a new listpack, which it returns; this one keeps
    /// `..index`. Both are the bytes Redis' lpDeleteRange leaves on a copy of the whole.
    pub fn split_off(&mut self, index: usize) -> Listpack {
        let n = self.len();
        let index = index.min(n);
        let at = self.seek(index as i64).unwrap_or_else(|| self.end());
        let end = self.end();
        let moved = (n - index) as isize;
        let mut rest = Listpack::new();
        rest.splice_at(HEADER, 0, &self.buf[at..end], moved);
        self.splice_at(at, end - at, &[], -moved);
        rest
    }

    /// Redis' lpMerge: the elements of `first` then those of `second` in one listpack (the
    /// smaller one's entries are copied into the larger one's allocation).
    pub fn merge(mut first: Listpack, mut second: Listpack) -> Listpack {
        if first.buf.len() >= second.buf.len() {
            let end = first.end();
            let n = second.len() as isize;
            first.splice_at(end, 0, &second.buf[HEADER..second.end()], n);
            first
        } else {
            let n = first.len() as isize;
            second.splice_at(HEADER, 0, &first.buf[HEADER..first.end()], n);
            second
        }
    }

    /// Replaces `remove` bytes at `pos` with `insert`, adjusting the header by `delta` elements
    /// and keeping the allocation close to the size, as Redis reallocs a listpack to size.
    fn splice_at(&mut self, pos: usize, remove: usize, insert: &[u8], delta: isize) {
        let new_len = self.buf.len() - remove + insert.len();
        if new_len > self.buf.capacity() {
            self.buf.reserve_exact(new_len - self.buf.len());
        }
        self.buf.splice(pos..pos + remove, insert.iter().copied());
        if self.buf.capacity() > 2 * new_len + 64 {
            self.buf.shrink_to_fit();
        }
        self.buf[..4].copy_from_slice(&(new_len as u32).to_le_bytes());
        let count = u16::from_le_bytes([self.buf[4], self.buf[5]]);
        let count = if count == COUNT_UNKNOWN {
            // Redis recounts once the count may fit again.
            self.iter().count()
        } else {
            (count as isize + delta) as usize
        };
        let stored = u16::try_from(count)
            .ok()
            .filter(|&n| n < COUNT_UNKNOWN)
            .unwrap_or(COUNT_UNKNOWN);
        self.buf[4..6].copy_from_slice(&stored.to_le_bytes());
    }

    #[inline]
    fn decode_at(&self, pos: usize) -> (Entry<'_>, usize) {
        // The bytes were checked when they came in and every write keeps them valid.
        decode_entry(&self.buf[pos..]).expect("listpack entry")
    }

    /// Encoding+data+backlen of the entry at `pos`.
    #[inline]
    fn entry_size(&self, pos: usize) -> usize {
        let len = self.decode_at(pos).1;
        len + backlen_size(len as u64)
    }

    /// The start of the entry that ends just before `at`, read from its backlen.
    fn prev_of(&self, at: usize) -> usize {
        let mut len = 0u64;
        let mut shift = 0;
        let mut i = at - 1;
        loop {
            let b = self.buf[i];
            len |= u64::from(b & 127) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
            i -= 1;
        }
        i - len as usize
    }
}

/// The elements of a listpack two at a time (a hash's field and value, a sorted set's member
/// and score), head to tail.
pub struct Pairs<'a>(Iter<'a>);

impl<'a> Iterator for Pairs<'a> {
    type Item = (Entry<'a>, Entry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let a = self.0.next()?;
        let b = self.0.next()?;
        Some((a, b))
    }
}

/// The elements of a listpack, head to tail.
pub struct Iter<'a> {
    lp: &'a Listpack,
    pos: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        let pos = self.pos?;
        self.pos = self.lp.next(pos);
        Some(self.lp.get(pos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(|e| e.to_bytes()).collect()
    }

    #[test]
    fn formats_integers_like_to_string() {
        for n in [0, 7, -7, 10, i64::MAX, i64::MIN, 1234567890] {
            let mut buf = [0u8; 20];
            assert_eq!(format_i64(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn walks_both_ways_and_seeks() {
        let mut lp = Listpack::new();
        for e in ["a", "1", "-5", "300", "70000", &"x".repeat(200), "5000000000"] {
            lp.push_back(e.as_bytes());
        }
        assert_eq!(lp.len(), 7);
        assert_eq!(lp.get(lp.seek(-1).unwrap()), Entry::Int(5000000000));
        assert_eq!(lp.get(lp.seek(1).unwrap()), Entry::Int(1));
        let mut back = vec![];
        let mut pos = lp.last();
        while let Some(p) = pos {
            back.push(lp.get(p).to_bytes());
            pos = lp.prev(p);
        }
        back.reverse();
        assert_eq!(back, strings(&lp));
        assert_eq!(lp.find(HEADER, b"300", 0), lp.seek(3));
        assert_eq!(lp.find(HEADER, b"1", 1), None, "skip 1 compares even elements only");
    }

    proptest! {
        /// Any sequence of writes leaves the bytes `encode` writes for the same elements, so the
        /// in-memory listpack is Redis' own; a Vec is the model. So do a split and a merge.
        #[test]
        fn writes_match_a_vec_and_redis_bytes(
            ops in proptest::collection::vec((0u8..5, any::<u16>(), prop_oneof![
                any::<i64>().prop_map(|n| n.to_string().into_bytes()),
                proptest::collection::vec(any::<u8>(), 0..300),
            ]), 0..60),
            split in any::<usize>(),
        ) {
            let mut lp = Listpack::new();
            let mut model: Vec<Vec<u8>> = vec![];
            for (op, at, s) in ops {
                let i = if model.is_empty() { 0 } else { at as usize % model.len() };
                match op {
                    0 => { lp.push_back(&s); model.push(s); }
                    1 => { lp.push_front(&s); model.insert(0, s); }
                    2 if !model.is_empty() => {
                        let p = lp.seek(i as i64).unwrap();
                        lp.insert_at(p, &s);
                        model.insert(i, s);
                    }
                    3 if !model.is_empty() => {
                        let p = lp.seek(i as i64).unwrap();
                        lp.replace(p, &s);
                        model[i] = s;
                    }
                    4 if !model.is_empty() => {
                        let p = lp.seek(i as i64).unwrap();
                        let n = (at as usize % 3) + 1;
                        lp.delete_range(p, n);
                        model.drain(i..(i + n).min(model.len()));
                    }
                    _ => {}
                }
                prop_assert_eq!(lp.len(), model.len());
            }
            prop_assert_eq!(strings(&lp), model.clone());
            let want = crate::rdb::listpack::encode(model.iter().map(|e| &e[..]));
            prop_assert_eq!(lp.as_bytes(), &want[..]);
            let built = Listpack::from_elements(model.iter().map(|e| &e[..]));
            prop_assert_eq!(built.as_bytes(), &want[..]);
            // Split anywhere, each part is the listpack of its elements; merged, the whole.
            let at = split % (model.len() + 1);
            let mut head = lp.clone();
            let tail = head.split_off(at);
            let enc = |m: &[Vec<u8>]| crate::rdb::listpack::encode(m.iter().map(|e| &e[..]));
            prop_assert_eq!(head.as_bytes(), &enc(&model[..at])[..]);
            prop_assert_eq!(tail.as_bytes(), &enc(&model[at..])[..]);
            let merged = Listpack::merge(head, tail);
            prop_assert_eq!(merged.as_bytes(), &want[..]);
        }
    }
}
