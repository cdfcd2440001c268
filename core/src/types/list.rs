//! The list type. Redis 7.0 stores every list as a quicklist (a deque of listpack nodes) and
//! `OBJECT ENCODING` always answers `quicklist` (the `listpack` encoding for small lists came
//! with Redis 7.2), so one representation serves: a ring buffer of elements, O(1) push and pop
//! at both ends, O(1) index.

use std::collections::VecDeque;

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

impl End {
    pub fn other(self) -> End {
        match self {
            End::Head => End::Tail,
            End::Tail => End::Head,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct List {
    items: VecDeque<Vec<u8>>,
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The name `OBJECT ENCODING` gives a list in Redis 7.0.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    pub fn push(&mut self, end: End, v: Vec<u8>) {
        match end {
            End::Head => self.items.push_front(v),
            End::Tail => self.items.push_back(v),
        }
    }

    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        match end {
            End::Head => self.items.pop_front(),
            End::Tail => self.items.pop_back(),
        }
    }

    /// A Redis index (negative counts from the tail) as a position, if in range.
    pub fn position(&self, index: i64) -> Option<usize> {
        let len = self.items.len() as i64;
        let i = if index < 0 { len.checked_add(index)? } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.items.get(i).map(Vec::as_slice)
    }

    pub fn set(&mut self, i: usize, v: Vec<u8>) -> bool {
        match self.items.get_mut(i) {
            Some(slot) => {
                *slot = v;
                true
            }
            None => false,
        }
    }

    /// Inserts `v` so that it ends up at position `i` (`i == len` appends).
    pub fn insert(&mut self, i: usize, v: Vec<u8>) {
        self.items.insert(i, v);
    }

    pub fn remove(&mut self, i: usize) -> Option<Vec<u8>> {
        self.items.remove(i)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator {
        self.items.iter().map(Vec::as_slice)
    }

    /// Elements `start..=end` (positions, already clamped by the caller).
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &[u8]> {
        self.items.range(start..=end).map(Vec::as_slice)
    }

    /// Keeps only positions `start..=end` (LTRIM); an empty range empties the list.
    pub fn retain_range(&mut self, start: usize, end: usize) {
        if start > end || start >= self.items.len() {
            self.items.clear();
            return;
        }
        self.items.truncate(end + 1);
        self.items.drain(..start);
    }

    /// Removes up to `count` elements equal to `v` (0 = all), scanning from `from`; returns
    /// how many went (LREM).
    pub fn remove_matching(&mut self, v: &[u8], count: usize, from: End) -> usize {
        let mut removed = 0;
        let limit = if count == 0 { usize::MAX } else { count };
        match from {
            End::Head => {
                let mut i = 0;
                while i < self.items.len() && removed < limit {
                    if self.items[i] == v {
                        self.items.remove(i);
                        removed += 1;
                    } else {
                        i += 1;
                    }
                }
            }
            End::Tail => {
                let mut i = self.items.len();
                while i > 0 && removed < limit {
                    i -= 1;
                    if self.items[i] == v {
                        self.items.remove(i);
                        removed += 1;
                    }
                }
            }
        }
        removed
    }
}

impl FromIterator<Vec<u8>> for List {
    fn from_iter<I: IntoIterator<Item = Vec<u8>>>(iter: I) -> List {
        List {
            items: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(bool, u8),
        Pop(bool),
        Set(i64, u8),
        Insert(usize, u8),
        Trim(usize, usize),
        Rem(u8, usize, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (any::<bool>(), 0u8..4).prop_map(|(h, v)| Op::Push(h, v)),
            any::<bool>().prop_map(Op::Pop),
            (-6i64..6, 0u8..4).prop_map(|(i, v)| Op::Set(i, v)),
            (0usize..8, 0u8..4).prop_map(|(i, v)| Op::Insert(i, v)),
            (0usize..8, 0usize..8).prop_map(|(a, b)| Op::Trim(a, b)),
            (0u8..4, 0usize..3, any::<bool>()).prop_map(|(v, c, h)| Op::Rem(v, c, h)),
        ]
    }

    proptest! {
        /// The list behaves as a plain Vec model does.
        #[test]
        fn list_matches_a_vec_model(ops in proptest::collection::vec(op(), 0..60)) {
            let mut l = List::new();
            let mut m: Vec<Vec<u8>> = Vec::new();
            for o in ops {
                match o {
                    Op::Push(head, v) => {
                        l.push(if head { End::Head } else { End::Tail }, vec![v]);
                        if head { m.insert(0, vec![v]) } else { m.push(vec![v]) }
                    }
                    Op::Pop(head) => {
                        let got = l.pop(if head { End::Head } else { End::Tail });
                        let want = if m.is_empty() { None } else if head { Some(m.remove(0)) } else { m.pop() };
                        prop_assert_eq!(got, want);
                    }
                    Op::Set(i, v) => {
                        let len = m.len() as i64;
                        let want = if i < 0 { len + i } else { i };
                        let pos = l.position(i);
                        prop_assert_eq!(pos, (0..len).contains(&want).then_some(want as usize));
                        if let Some(p) = pos {
                            l.set(p, vec![v]);
                            m[p] = vec![v];
                        }
                    }
                    Op::Insert(i, v) => {
                        let i = i.min(m.len());
                        l.insert(i, vec![v]);
                        m.insert(i, vec![v]);
                    }
                    Op::Trim(a, b) => {
                        l.retain_range(a, b);
                        if a > b || a >= m.len() { m.clear() } else { m.truncate(b + 1); m.drain(..a); }
                    }
                    Op::Rem(v, count, head) => {
                        let n = l.remove_matching(&[v], count, if head { End::Head } else { End::Tail });
                        let limit = if count == 0 { usize::MAX } else { count };
                        let mut removed = 0;
                        if head {
                            m.retain(|x| if x[..] == [v] && removed < limit { removed += 1; false } else { true });
                        } else {
                            let mut keep: Vec<Vec<u8>> = Vec::new();
                            for x in m.drain(..).rev() {
                                if x[..] == [v] && removed < limit { removed += 1 } else { keep.push(x) }
                            }
                            keep.reverse();
                            m = keep;
                        }
                        prop_assert_eq!(n, removed);
                    }
                }
                prop_assert_eq!(l.iter().map(<[u8]>::to_vec).collect::<Vec<_>>(), m.clone());
            }
        }
    }
}
