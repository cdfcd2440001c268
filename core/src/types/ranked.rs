//! A sorted sequence with O(log n) access by rank: the skiplist's job in Redis' t_zset.c.
//!
//! Elements live in blocks of at most [`MAX_BLOCK`] (split in two when they overflow, dropped
//! when empty); a Fenwick tree over the block lengths turns a rank into (block, offset) and
//! back in O(log n). Finding an element by comparison is a binary search over the blocks'
//! last elements, then within one block. Inserting or removing moves at most one block's tail.

/// Elements per block before it splits.
const MAX_BLOCK: usize = 256;

#[derive(Clone, Debug, Default)]
pub struct Ranked<T> {
    blocks: Vec<Vec<T>>,
    /// Fenwick tree (1-based) over `blocks[i].len()`.
    fen: Vec<usize>,
    len: usize,
}

impl<T> Ranked<T> {
    pub fn new() -> Ranked<T> {
        Ranked {
            blocks: Vec::new(),
            fen: vec![0],
            len: 0,
        }
    }

    /// From elements already in order.
    pub fn from_sorted(v: Vec<T>) -> Ranked<T> {
        let mut r = Ranked::new();
        let mut it = v.into_iter().peekable();
        while it.peek().is_some() {
            let block: Vec<T> = it.by_ref().take(MAX_BLOCK / 2).collect();
            r.len += block.len();
            r.blocks.push(block);
        }
        r.rebuild();
        r
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn rebuild(&mut self) {
        let n = self.blocks.len();
        self.fen = vec![0; n + 1];
        for i in 1..=n {
            self.fen[i] += self.blocks[i - 1].len();
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                self.fen[parent] += self.fen[i];
            }
        }
    }

    fn fen_add(&mut self, block: usize, delta: isize) {
        let mut i = block + 1;
        while i < self.fen.len() {
            self.fen[i] = self.fen[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// Elements in the blocks before `block`.
    fn prefix(&self, block: usize) -> usize {
        let mut i = block;
        let mut s = 0;
        while i > 0 {
            s += self.fen[i];
            i -= i & i.wrapping_neg();
        }
        s
    }

    /// The (block, offset) of rank `r` (`r < len`).
    fn locate(&self, r: usize) -> (usize, usize) {
        let n = self.blocks.len();
        let mut pos = 0;
        let mut rem = r;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && self.fen[next] <= rem {
                pos = next;
                rem -= self.fen[next];
            }
            step >>= 1;
        }
        (pos, rem)
    }

    pub fn get(&self, r: usize) -> Option<&T> {
        if r >= self.len {
            return None;
        }
        let (b, o) = self.locate(r);
        self.blocks[b].get(o)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.blocks.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.blocks.iter_mut().flatten()
    }

    /// As `slice::binary_search_by` over the whole sequence.
    pub fn binary_search_by(&self, mut f: impl FnMut(&T) -> std::cmp::Ordering) -> Result<usize, usize> {
        use std::cmp::Ordering;
        let b = self
            .blocks
            .partition_point(|blk| blk.last().is_some_and(|x| f(x) == Ordering::Less));
        if b == self.blocks.len() {
            return Err(self.len);
        }
        let base = self.prefix(b);
        match self.blocks[b].binary_search_by(f) {
            Ok(i) => Ok(base + i),
            Err(i) => Err(base + i),
        }
    }

    /// As `slice::partition_point`: the first rank where `pred` stops holding.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let b = self.blocks.partition_point(|blk| blk.last().is_some_and(&mut pred));
        if b == self.blocks.len() {
            return self.len;
        }
        self.prefix(b) + self.blocks[b].partition_point(pred)
    }

    /// Inserts `x` so that it gets rank `r` (`r <= len`).
    pub fn insert(&mut self, r: usize, x: T) {
        if self.blocks.is_empty() {
            self.blocks.push(vec![x]);
            self.len = 1;
            self.rebuild();
            return;
        }
        let (b, o) = if r == self.len {
            let last = self.blocks.len() - 1;
            (last, self.blocks[last].len())
        } else {
            self.locate(r)
        };
        self.blocks[b].insert(o, x);
        self.len += 1;
        if self.blocks[b].len() > MAX_BLOCK {
            let tail = self.blocks[b].split_off(MAX_BLOCK / 2);
            self.blocks.insert(b + 1, tail);
            self.rebuild();
        } else {
            self.fen_add(b, 1);
        }
    }

    /// Removes and returns the element of rank `r` (`r < len`).
    pub fn remove(&mut self, r: usize) -> T {
        let (b, o) = self.locate(r);
        let x = self.blocks[b].remove(o);
        self.len -= 1;
        if self.blocks[b].is_empty() {
            self.blocks.remove(b);
            self.rebuild();
        } else {
            self.fen_add(b, -1);
        }
        x
    }

    /// Removes ranks `start..end`, returning them in order.
    pub fn drain(&mut self, start: usize, end: usize) -> Vec<T> {
        let end = end.min(self.len);
        if start >= end {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(end - start);
        let (b0, o0) = self.locate(start);
        let mut left = end - start;
        let mut b = b0;
        let mut o = o0;
        while left > 0 {
            let take = (self.blocks[b].len() - o).min(left);
            out.extend(self.blocks[b].drain(o..o + take));
            left -= take;
            b += 1;
            o = 0;
        }
        self.blocks.retain(|blk| !blk.is_empty());
        self.len -= out.len();
        self.rebuild();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against a plain sorted Vec: inserts, removals, drains, ranks and lookups agree.
        #[test]
        fn behaves_like_a_sorted_vec(ops in proptest::collection::vec((0u8..4, any::<u16>(), any::<u16>()), 1..2000)) {
            let mut r: Ranked<u16> = Ranked::new();
            let mut v: Vec<u16> = Vec::new();
            for (op, a, b) in ops {
                match op {
                    0 | 1 => {
                        let at = v.partition_point(|&x| x < a);
                        prop_assert_eq!(r.partition_point(|&x| x < a), at);
                        r.insert(at, a);
                        v.insert(at, a);
                    }
                    2 if !v.is_empty() => {
                        let i = a as usize % v.len();
                        prop_assert_eq!(r.remove(i), v.remove(i));
                    }
                    3 if !v.is_empty() => {
                        let s = a as usize % v.len();
                        let e = (s + b as usize % 300).min(v.len());
                        let got = r.drain(s, e);
                        let want: Vec<u16> = v.drain(s..e).collect();
                        prop_assert_eq!(got, want);
                    }
                    _ => {}
                }
                prop_assert_eq!(r.len(), v.len());
            }
            let all: Vec<u16> = r.iter().copied().collect();
            prop_assert_eq!(&all, &v);
            for (i, x) in v.iter().enumerate() {
                prop_assert_eq!(r.get(i), Some(x));
                let found = r.binary_search_by(|y| y.cmp(x)).is_ok();
                prop_assert!(found);
            }
            prop_assert_eq!(r.get(v.len()), None);
            let rebuilt = Ranked::from_sorted(v.clone());
            prop_assert_eq!(rebuilt.iter().copied().collect::<Vec<_>>(), v);
        }
    }
}
