//! The list type, as Redis 7.0 stores every list: a quicklist, a sequence of nodes that each
//! hold a listpack of elements (Redis' exact bytes), or one element of at least
//! `packed_threshold` bytes on its own (a PLAIN node). `OBJECT ENCODING` answers `quicklist`
//! (the `listpack` encoding for small lists came with Redis 7.2).
//!
//! The node split follows Redis 7.0.15's quicklist.c rule for rule (how full a node may grow
//! under `list-max-listpack-size`, when a new node starts, how LINSERT splits a full node and
//! merges its neighbours, how LSET replaces), so a list built by the same commands has the same
//! nodes as in Redis and DUMP and RDB write them byte for byte as Redis does.
//!
//! `list-compress-depth` is accepted by the configuration, but nodes are never LZF-compressed
//! here: the depth changes neither the elements nor the node split, only Redis' memory (and its
//! RDB bytes of interior nodes).
//!
//! Costs as in Redis: push and pop at either end O(1) (amortized: a node's listpack grows in
//! place), reaching an index walks the nodes from the nearer end, then within one node.

use std::collections::VecDeque;

use crate::listpack::{Entry, Listpack};
use crate::resp::parse_i64;

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

/// Redis' default `list-max-listpack-size`: at most 8 KiB per node.
pub const DEFAULT_FILL: i64 = -2;

/// Redis' default packed_threshold (DEBUG QUICKLIST-PACKED-THRESHOLD changes it server-wide):
/// elements at least this long get a plain node of their own.
pub const DEFAULT_PACKED_THRESHOLD: usize = 1 << 30;

/// Node size limits for a negative fill (-1 .. -5), Redis' optimization_level.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// The largest node, in bytes, a positive fill (an element count) may make.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// What Redis adds to an element's length to estimate its listpack entry's size.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// quicklistSetFill's bounds (the field is 16 bits wide, signed).
const FILL_MIN: i64 = -5;
const FILL_MAX: i64 = (1 << 15) - 1;

/// One quicklist node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Elements in a listpack (never empty).
    Packed(Listpack),
    /// One element at least `packed_threshold` bytes long, stored as is.
    Plain(Box<[u8]>),
}

impl Node {
    /// Elements in the node.
    pub fn count(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.len(),
            Node::Plain(_) => 1,
        }
    }

    /// Redis' node->sz: the listpack's bytes, or the plain element's length.
    pub fn size(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.as_bytes().len(),
            Node::Plain(b) => b.len(),
        }
    }

    /// Bytes allocated for the node's data (for MEMORY USAGE).
    pub fn allocated(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.allocated(),
            Node::Plain(b) => b.len(),
        }
    }

    fn packed_mut(&mut self) -> Option<&mut Listpack> {
        match self {
            Node::Packed(lp) => Some(lp),
            Node::Plain(_) => None,
        }
    }

    /// The byte position of element `off` (0 for a plain node's one element).
    fn pos_of(&self, off: usize) -> usize {
        match self {
            Node::Packed(lp) => {
                let n = lp.len();
                // From the nearer end of the listpack.
                let index = if off < n / 2 { off as i64 } else { off as i64 - n as i64 };
                lp.seek(index).expect("offset within the node")
            }
            Node::Plain(_) => 0,
        }
    }

    fn first_pos(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.first().unwrap_or(crate::listpack::HEADER),
            Node::Plain(_) => 0,
        }
    }

    fn last_pos(&self) -> usize {
        match self {
            Node::Packed(lp) => lp.last().unwrap_or(crate::listpack::HEADER),
            Node::Plain(_) => 0,
        }
    }

    fn entry(&self, pos: usize) -> Entry<'_> {
        match self {
            Node::Packed(lp) => lp.get(pos),
            Node::Plain(b) => Entry::Str(b),
        }
    }
}

/// Redis' _quicklistNodeSizeMeetsOptimizationRequirement: a negative fill limits bytes.
fn size_meets_optimization(sz: usize, fill: i64) -> bool {
    fill < 0 && sz <= OPTIMIZATION_LEVEL[(-fill - 1) as usize]
}

/// Redis' _quicklistNodeAllowInsert: whether an element of `sz` bytes may join `node`.
fn allow_insert(node: Option<&Node>, fill: i64, sz: usize, packed_threshold: usize) -> bool {
    let Some(Node::Packed(lp)) = node else { return false };
    if sz >= packed_threshold {
        return false;
    }
    let new_sz = lp.as_bytes().len() + sz + SIZE_ESTIMATE_OVERHEAD;
    if size_meets_optimization(new_sz, fill) {
        true
    } else if new_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        (lp.len() as i64) < fill
    }
}

/// Redis' _quicklistNodeAllowMerge.
fn allow_merge(a: Option<&Node>, b: Option<&Node>, fill: i64) -> bool {
    let (Some(Node::Packed(a)), Some(Node::Packed(b))) = (a, b) else {
        return false;
    };
    // Redis' estimate takes 11 bytes for the header and terminator saved (a ziplist's).
    let merge_sz = (a.as_bytes().len() + b.as_bytes().len()).saturating_sub(11);
    if size_meets_optimization(merge_sz, fill) {
        true
    } else if merge_sz > SIZE_SAFETY_LIMIT {
        false
    } else {
        (a.len() + b.len()) as i64 <= fill
    }
}

#[derive(Clone, Debug)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    /// `list-max-listpack-size` when the list was created (Redis keeps it per quicklist).
    fill: i16,
}

impl Default for List {
    fn default() -> Self {
        List::new()
    }
}

/// Equal when the nodes are: the same elements split the same way.
impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
    }
}

impl Eq for List {}

impl List {
    /// An empty list with the default fill.
    pub fn new() -> List {
        List::with_fill(DEFAULT_FILL)
    }

    /// An empty list whose nodes fill up to `fill` (`list-max-listpack-size`: negative for a
    /// size in bytes, -1 = 4 KiB .. -5 = 64 KiB; positive for an element count), clamped as
    /// Redis' quicklistSetFill clamps it.
    pub fn with_fill(fill: i64) -> List {
        List {
            nodes: VecDeque::new(),
            len: 0,
            fill: fill.clamp(FILL_MIN, FILL_MAX) as i16,
        }
    }

    pub fn fill(&self) -> i64 {
        i64::from(self.fill)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name `OBJECT ENCODING` gives a list in Redis 7.0.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// The nodes, head to tail (what RDB writes).
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> {
        self.nodes.iter()
    }

    /// Appends a node as it was stored (RDB and RESTORE keep each node as it comes, as Redis'
    /// quicklistAppendListpack/AppendPlainNode do); an empty listpack is skipped.
    pub fn append_node(&mut self, node: Node) {
        let n = node.count();
        if n > 0 {
            self.len += n;
            self.add_node(End::Tail, node);
        }
    }

    /// Redis' quicklistPushHead/PushTail: into the end node if it allows one more element of
    /// this size, else into a new node; an element of at least `packed_threshold` bytes goes
    /// into a plain node of its own.
    pub fn push(&mut self, end: End, v: &[u8], packed_threshold: usize) {
        self.len += 1;
        if v.len() >= packed_threshold {
            self.add_node(end, Node::Plain(v.into()));
            return;
        }
        let fill = self.fill();
        let node = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        if let Some(node) = node.filter(|n| allow_insert(Some(n), fill, v.len(), packed_threshold)) {
            let lp = node.packed_mut().expect("insert allowed into a packed node");
            match end {
                End::Head => lp.push_front(v),
                End::Tail => lp.push_back(v),
            }
            return;
        }
        let mut lp = Listpack::new();
        lp.push_back(v);
        self.add_node(end, Node::Packed(lp));
    }

    fn add_node(&mut self, end: End, node: Node) {
        // Most lists fit one node: room for exactly one at first (the deque would take four).
        if self.nodes.capacity() == 0 {
            self.nodes.reserve_exact(1);
        }
        match end {
            End::Head => self.nodes.push_front(node),
            End::Tail => self.nodes.push_back(node),
        }
    }

    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let (v, emptied) = match end {
            End::Head => pop_node(self.nodes.front_mut()?, End::Head),
            End::Tail => pop_node(self.nodes.back_mut()?, End::Tail),
        };
        if emptied {
            match end {
                End::Head => self.nodes.pop_front(),
                End::Tail => self.nodes.pop_back(),
            };
        }
        self.len -= 1;
        Some(v)
    }

    /// A Redis index (negative counts from the tail) as a position, if in range.
    pub fn position(&self, index: i64) -> Option<usize> {
        let len = self.len as i64;
        let i = if index < 0 { len.checked_add(index)? } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// The node holding position `i` and the element's offset in it, walking the nodes from
    /// the nearer end as Redis' quicklistGetIteratorAtIdx does.
    fn locate(&self, i: usize) -> (usize, usize) {
        debug_assert!(i < self.len);
        if i <= (self.len - 1) / 2 {
            let mut before = 0;
            for (n, node) in self.nodes.iter().enumerate() {
                let c = node.count();
                if before + c > i {
                    return (n, i - before);
                }
                before += c;
            }
        } else {
            let from_tail = self.len - 1 - i;
            let mut after = 0;
            for (n, node) in self.nodes.iter().enumerate().rev() {
                let c = node.count();
                if after + c > from_tail {
                    return (n, c - 1 - (from_tail - after));
                }
                after += c;
            }
        }
        unreachable!("position {i} within a list of {}", self.len)
    }

    /// The element at position `i`.
    pub fn get(&self, i: usize) -> Option<Entry<'_>> {
        if i >= self.len {
            return None;
        }
        let (n, off) = self.locate(i);
        let node = &self.nodes[n];
        Some(node.entry(node.pos_of(off)))
    }

    /// LSET: replaces the element at position `i`, as Redis' quicklistReplaceEntry does: in
    /// place in its listpack; a plain node's element is swapped; a small value for a plain node
    /// goes in after it (the plain node goes); a large value for a listpack element becomes a
    /// plain node after it (splitting the listpack there) and the old element goes.
    pub fn set(&mut self, i: usize, v: &[u8], packed_threshold: usize) -> bool {
        if i >= self.len {
            return false;
        }
        let (n, off) = self.locate(i);
        let large = v.len() >= packed_threshold;
        match &mut self.nodes[n] {
            Node::Packed(lp) if !large => {
                let pos = lp.seek(off as i64).expect("offset within the node");
                lp.replace(pos, v);
            }
            Node::Plain(b) if large => *b = v.into(),
            Node::Plain(_) => {
                self.insert_in_node(n, off, true, v, packed_threshold);
                self.nodes.remove(n);
                self.len -= 1;
            }
            Node::Packed(_) => {
                // The old element ends up last in node `n`, followed by the new plain node.
                self.insert_in_node(n, off, true, v, packed_threshold);
                let node = &mut self.nodes[n];
                if node.count() == 1 {
                    self.nodes.remove(n);
                } else {
                    let lp = node.packed_mut().expect("a packed node");
                    let last = lp.last().expect("a non-empty node");
                    lp.delete(last);
                }
                self.len -= 1;
            }
        }
        true
    }

    /// Inserts `v` before (or `after`) the element at position `i`.
    pub fn insert(&mut self, i: usize, after: bool, v: &[u8], packed_threshold: usize) {
        let (n, off) = self.locate(i);
        self.insert_in_node(n, off, after, v, packed_threshold);
    }

    /// LINSERT: inserts `v` before (or `after`) the first element, from the head, equal to
    /// `pivot`. Returns whether the pivot was found.
    pub fn insert_at_pivot(&mut self, pivot: &[u8], after: bool, v: &[u8], packed_threshold: usize) -> bool {
        let pivot_int = parse_i64(pivot);
        let found = self.nodes.iter().enumerate().find_map(|(n, node)| match node {
            Node::Plain(b) => (**b == *pivot).then_some((n, 0)),
            Node::Packed(lp) => lp.iter().position(|e| e.matches(pivot, pivot_int)).map(|off| (n, off)),
        });
        match found {
            Some((n, off)) => {
                self.insert_in_node(n, off, after, v, packed_threshold);
                true
            }
            None => false,
        }
    }

    /// Redis' _quicklistInsert, next to element `off` of node `n`.
    fn insert_in_node(&mut self, n: usize, off: usize, after: bool, v: &[u8], packed_threshold: usize) {
        let fill = self.fill();
        let sz = v.len();
        let node = &self.nodes[n];
        let full = !allow_insert(Some(node), fill, sz, packed_threshold);
        let at_tail = after && off == node.count() - 1;
        let at_head = !after && off == 0;
        let avail_next = at_tail && allow_insert(self.nodes.get(n + 1), fill, sz, packed_threshold);
        let avail_prev = at_head && n > 0 && allow_insert(self.nodes.get(n - 1), fill, sz, packed_threshold);
        self.len += 1;

        if sz >= packed_threshold {
            let plain = Node::Plain(v.into());
            if matches!(self.nodes[n], Node::Plain(_)) || at_tail || at_head {
                self.nodes.insert(if after { n + 1 } else { n }, plain);
            } else {
                let split = self.split_node(n, off, after);
                if after {
                    self.nodes.insert(n + 1, plain);
                    self.nodes.insert(n + 2, Node::Packed(split));
                } else {
                    self.nodes.insert(n, Node::Packed(split));
                    self.nodes.insert(n + 1, plain);
                }
            }
            return;
        }

        if !full {
            let lp = self.nodes[n].packed_mut().expect("room in a packed node");
            let pos = lp.seek(off as i64).expect("offset within the node");
            let at = if after {
                lp.next(pos).unwrap_or_else(|| lp.end())
            } else {
                pos
            };
            lp.insert_at(at, v);
        } else if avail_next {
            self.nodes[n + 1]
                .packed_mut()
                .expect("room in the next node")
                .push_front(v);
        } else if avail_prev {
            self.nodes[n - 1]
                .packed_mut()
                .expect("room in the previous node")
                .push_back(v);
        } else if at_tail || at_head {
            let mut lp = Listpack::new();
            lp.push_back(v);
            self.nodes.insert(if after { n + 1 } else { n }, Node::Packed(lp));
        } else {
            // A full node, the element in its middle: split it there, the new element joins
            // the split-off part, and neighbours merge where they fit.
            let mut split = self.split_node(n, off, after);
            let center = if after {
                split.push_front(v);
                self.nodes.insert(n + 1, Node::Packed(split));
                n
            } else {
                split.push_back(v);
                self.nodes.insert(n, Node::Packed(split));
                n + 1
            };
            self.merge_around(center);
        }
    }

    /// Redis' _quicklistSplitNode: with `after`, node `n` keeps elements `..=off` and the rest
    /// is returned; else node `n` keeps `off..` and the elements before are returned.
    fn split_node(&mut self, n: usize, off: usize, after: bool) -> Listpack {
        let lp = self.nodes[n].packed_mut().expect("only packed nodes split");
        if after {
            lp.split_off(off + 1)
        } else {
            let rest = lp.split_off(off);
            std::mem::replace(lp, rest)
        }
    }

    /// Redis' _quicklistMergeNodes around node `center`: the two nodes before it, the two
    /// after it, then the center with its previous and then its next node, each pair merged
    /// when the merged node would still be allowed.
    fn merge_around(&mut self, mut center: usize) {
        let fill = self.fill();
        if center >= 2 && allow_merge(self.nodes.get(center - 2), self.nodes.get(center - 1), fill) {
            self.merge_pair(center - 2);
            center -= 1;
        }
        if allow_merge(self.nodes.get(center + 1), self.nodes.get(center + 2), fill) {
            self.merge_pair(center + 1);
        }
        let target = if center >= 1 && allow_merge(self.nodes.get(center - 1), self.nodes.get(center), fill) {
            self.merge_pair(center - 1);
            center - 1
        } else {
            center
        };
        if allow_merge(self.nodes.get(target), self.nodes.get(target + 1), fill) {
            self.merge_pair(target);
        }
    }

    /// Merges node `a + 1` into node `a` (Redis' lpMerge: the elements of both, in order).
    fn merge_pair(&mut self, a: usize) {
        let Some(Node::Packed(second)) = self.nodes.remove(a + 1) else {
            unreachable!("only packed nodes merge")
        };
        let first = self.nodes[a].packed_mut().expect("only packed nodes merge");
        let merged = Listpack::merge(std::mem::take(first), second);
        *first = merged;
    }

    /// Deletes `count` elements from position `start` on (fewer if the list ends first), as
    /// Redis' quicklistDelRange: whole nodes go at once, others lose a range of elements.
    pub fn delete_range(&mut self, start: usize, count: usize) {
        let count = count.min(self.len.saturating_sub(start));
        if count == 0 {
            return;
        }
        let (mut n, mut off) = self.locate(start);
        let mut left = count;
        while left > 0 {
            let c = self.nodes[n].count();
            if off == 0 && left >= c {
                self.nodes.remove(n);
                left -= c;
            } else {
                let del = left.min(c - off);
                let lp = self.nodes[n].packed_mut().expect("a plain node goes whole");
                let pos = lp.seek(off as i64).expect("offset within the node");
                lp.delete_range(pos, del);
                left -= del;
                n += 1;
                off = 0;
            }
        }
        self.len -= count;
    }

    /// Keeps only positions `start..=end` (LTRIM: Redis deletes the elements before, then
    /// those after); an empty range empties the list.
    pub fn retain_range(&mut self, start: usize, end: usize) {
        if start > end || start >= self.len {
            let len = self.len;
            self.delete_range(0, len);
            return;
        }
        let end = end.min(self.len - 1);
        self.delete_range(0, start);
        let kept = end - start + 1;
        let rest = self.len - kept;
        self.delete_range(kept, rest);
    }

    /// Removes up to `count` elements equal to `v` (0 = all), scanning from `from`; returns
    /// how many went (LREM).
    pub fn remove_matching(&mut self, v: &[u8], count: usize, from: End) -> usize {
        let v_int = parse_i64(v);
        let limit = if count == 0 { usize::MAX } else { count };
        let mut removed = 0;
        let order: Box<dyn Iterator<Item = usize>> = match from {
            End::Head => Box::new(0..self.nodes.len()),
            End::Tail => Box::new((0..self.nodes.len()).rev()),
        };
        for n in order {
            if removed == limit {
                break;
            }
            match &mut self.nodes[n] {
                Node::Plain(b) => {
                    if **b == *v {
                        // Emptied nodes are dropped below.
                        *b = Box::default();
                        removed += 1;
                    }
                }
                Node::Packed(lp) => {
                    removed += remove_in_listpack(lp, v, v_int, limit - removed, from);
                }
            }
        }
        if removed > 0 {
            self.nodes.retain(|n| match n {
                Node::Packed(lp) => !lp.is_empty(),
                Node::Plain(b) => !b.is_empty(),
            });
            // A plain node never holds an empty element: packed_threshold is at least 1.
            self.len -= removed;
        }
        removed
    }

    /// The element at cursor `at`, and the cursor of the one after it (`forward`) or before
    /// it, if `more` says there is one.
    fn entry_and_step(&self, (n, pos): (usize, usize), forward: bool, more: bool) -> (Entry<'_>, (usize, usize)) {
        let node = &self.nodes[n];
        let (e, within) = match node {
            Node::Packed(lp) if forward => lp.get_and_next(pos),
            Node::Packed(lp) => (lp.get(pos), lp.prev(pos)),
            Node::Plain(b) => (Entry::Str(b), None),
        };
        let step = match within {
            _ if !more => (n, pos),
            Some(p) => (n, p),
            None if forward => (n + 1, self.nodes[n + 1].first_pos()),
            None => (n - 1, self.nodes[n - 1].last_pos()),
        };
        (e, step)
    }

    /// Every element, head to tail (either way).
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            first: 0,
            remaining: self.len,
            front: None,
            back: None,
        }
    }

    /// Elements `start..=end` (positions, already clamped by the caller).
    pub fn range(&self, start: usize, end: usize) -> Iter<'_> {
        let remaining = if start > end || end >= self.len {
            0
        } else {
            end - start + 1
        };
        Iter {
            list: self,
            first: start,
            remaining,
            front: None,
            back: None,
        }
    }

    /// The (node, byte position) of position `i`.
    fn cursor(&self, i: usize) -> (usize, usize) {
        let (n, off) = self.locate(i);
        (n, self.nodes[n].pos_of(off))
    }
}

/// Takes the element at `end` of a node; whether the node is now empty.
fn pop_node(node: &mut Node, end: End) -> (Vec<u8>, bool) {
    match node {
        Node::Plain(b) => (std::mem::take(b).into_vec(), true),
        Node::Packed(lp) => {
            let pos = match end {
                End::Head => lp.first(),
                End::Tail => lp.last(),
            }
            .expect("nodes are never empty");
            let v = lp.get(pos).to_bytes();
            lp.delete(pos);
            (v, lp.is_empty())
        }
    }
}

/// Deletes up to `limit` elements equal to `v` from a listpack, walking from `from`.
fn remove_in_listpack(lp: &mut Listpack, v: &[u8], v_int: Option<i64>, limit: usize, from: End) -> usize {
    let mut removed = 0;
    match from {
        End::Head => {
            let mut pos = lp.first();
            while let Some(p) = pos {
                if removed == limit {
                    break;
                }
                pos = if lp.get(p).matches(v, v_int) {
                    removed += 1;
                    lp.delete(p)
                } else {
                    lp.next(p)
                };
            }
        }
        End::Tail => {
            let mut pos = lp.last();
            while let Some(p) = pos {
                if removed == limit {
                    break;
                }
                // Entries before `p` keep their positions when `p` goes.
                pos = lp.prev(p);
                if lp.get(p).matches(v, v_int) {
                    removed += 1;
                    lp.delete(p);
                }
            }
        }
    }
    removed
}

/// The elements of a list (or a range of it), from either end.
pub struct Iter<'a> {
    list: &'a List,
    /// The position of the next element from the front, and how many are left.
    first: usize,
    remaining: usize,
    /// (node, byte position) of the next element from the front, and from the back: found
    /// when first needed (a range read forwards never looks for its end).
    front: Option<(usize, usize)>,
    back: Option<(usize, usize)>,
}

impl<'a> Iter<'a> {
    /// The element at the front (or back) cursor, which then moves inwards.
    fn take_one(&mut self, front: bool) -> Option<Entry<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let list = self.list;
        let at = if front {
            let first = self.first;
            self.first += 1;
            self.front.get_or_insert_with(|| list.cursor(first))
        } else {
            let last = self.first + self.remaining - 1;
            self.back.get_or_insert_with(|| list.cursor(last))
        };
        self.remaining -= 1;
        let (e, next) = list.entry_and_step(*at, front, self.remaining > 0);
        *at = next;
        Some(e)
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        self.take_one(true)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.take_one(false)
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(bool, Vec<u8>),
        Pop(bool),
        Set(i64, Vec<u8>),
        Insert(usize, bool, Vec<u8>),
        InsertAtPivot(Vec<u8>, bool, Vec<u8>),
        Trim(usize, usize),
        Rem(Vec<u8>, usize, bool),
        Delete(usize, usize),
    }

    /// Elements: a few short values (strings and integers, so that pivots and LREM find
    /// them), longer ones, and some past the packed threshold the tests use.
    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            4 => prop::sample::select(vec!["a", "b", "1", "-300", "70000", "5000000000", ""])
                .prop_map(|s| s.as_bytes().to_vec()),
            2 => (0usize..400, any::<u8>()).prop_map(|(n, c)| vec![b'a' + c % 3; n]),
            1 => (0u8..3).prop_map(|c| vec![b'x' + c; PACKED]),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<bool>(), value()).prop_map(|(h, v)| Op::Push(h, v)),
            2 => any::<bool>().prop_map(Op::Pop),
            2 => (-40i64..40, value()).prop_map(|(i, v)| Op::Set(i, v)),
            3 => (0usize..60, any::<bool>(), value()).prop_map(|(i, a, v)| Op::Insert(i, a, v)),
            2 => (value(), any::<bool>(), value()).prop_map(|(p, a, v)| Op::InsertAtPivot(p, a, v)),
            1 => (0usize..60, 0usize..80).prop_map(|(a, b)| Op::Trim(a, b)),
            1 => (value(), 0usize..3, any::<bool>()).prop_map(|(v, c, h)| Op::Rem(v, c, h)),
            1 => (0usize..60, 0usize..10).prop_map(|(s, n)| Op::Delete(s, n)),
        ]
    }

    /// The packed threshold of these tests: small enough for plain nodes to appear.
    const PACKED: usize = 500;

    /// What must hold after any operation: no empty node, the length is the nodes' sum, every
    /// listpack holds the bytes Redis would for its elements, plain nodes hold large elements
    /// only.
    fn check_nodes(l: &List) {
        let mut sum = 0;
        for node in l.nodes() {
            match node {
                Node::Packed(lp) => {
                    assert!(!lp.is_empty(), "an empty node");
                    let elements: Vec<Vec<u8>> = lp.iter().map(|e| e.to_bytes()).collect();
                    let want = crate::rdb::listpack::encode(elements.iter().map(|e| &e[..]));
                    assert_eq!(lp.as_bytes(), &want[..], "the bytes Redis holds for these elements");
                }
                Node::Plain(b) => assert!(b.len() >= PACKED, "a small plain element"),
            }
            sum += node.count();
        }
        assert_eq!(sum, l.len());
    }

    fn strings<'a>(it: impl Iterator<Item = Entry<'a>>) -> Vec<Vec<u8>> {
        it.map(|e| e.to_bytes()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The list behaves as a VecDeque model does, under any fill, walked either way.
        #[test]
        fn list_matches_a_vecdeque_model(
            fill in prop_oneof![-5i64..=-1, 0i64..=5],
            ops in proptest::collection::vec(op(), 0..120),
        ) {
            let mut l = List::with_fill(fill);
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for o in ops {
                match o {
                    Op::Push(head, v) => {
                        l.push(if head { End::Head } else { End::Tail }, &v, PACKED);
                        if head { m.push_front(v) } else { m.push_back(v) }
                    }
                    Op::Pop(head) => {
                        let got = l.pop(if head { End::Head } else { End::Tail });
                        let want = if head { m.pop_front() } else { m.pop_back() };
                        prop_assert_eq!(got, want);
                    }
                    Op::Set(i, v) => {
                        let len = m.len() as i64;
                        let want = if i < 0 { len + i } else { i };
                        let pos = l.position(i);
                        prop_assert_eq!(pos, (0..len).contains(&want).then_some(want as usize));
                        if let Some(p) = pos {
                            prop_assert!(l.set(p, &v, PACKED));
                            m[p] = v;
                        }
                    }
                    Op::Insert(i, after, v) => {
                        if !m.is_empty() {
                            let i = i % m.len();
                            l.insert(i, after, &v, PACKED);
                            m.insert(if after { i + 1 } else { i }, v);
                        }
                    }
                    Op::InsertAtPivot(pivot, after, v) => {
                        let found = l.insert_at_pivot(&pivot, after, &v, PACKED);
                        let at = m.iter().position(|e| *e == pivot);
                        prop_assert_eq!(found, at.is_some());
                        if let Some(i) = at {
                            m.insert(if after { i + 1 } else { i }, v);
                        }
                    }
                    Op::Trim(a, b) => {
                        l.retain_range(a, b);
                        if a > b || a >= m.len() {
                            m.clear()
                        } else {
                            m.truncate(b + 1);
                            m.drain(..a);
                        }
                    }
                    Op::Rem(v, count, head) => {
                        let n = l.remove_matching(&v, count, if head { End::Head } else { End::Tail });
                        let limit = if count == 0 { usize::MAX } else { count };
                        let mut idx: Vec<usize> = (0..m.len()).filter(|&i| m[i] == v).collect();
                        if !head {
                            idx.reverse();
                        }
                        idx.truncate(limit);
                        idx.sort_unstable();
                        for i in idx.iter().rev() {
                            m.remove(*i);
                        }
                        prop_assert_eq!(n, idx.len());
                    }
                    Op::Delete(s, n) => {
                        l.delete_range(s, n);
                        if s < m.len() {
                            let e = (s + n).min(m.len());
                            m.drain(s..e);
                        }
                    }
                }
                check_nodes(&l);
                let want: Vec<Vec<u8>> = m.iter().cloned().collect();
                prop_assert_eq!(strings(l.iter()), want.clone());
                let mut back = strings(l.iter().rev());
                back.reverse();
                prop_assert_eq!(back, want.clone());
                prop_assert_eq!(l.iter().len(), m.len());
            }
            // Every range, both ways, and every index.
            let len = m.len();
            for (i, want) in m.iter().enumerate() {
                prop_assert_eq!(l.get(i).map(|e| e.to_bytes()), Some(want.clone()));
            }
            prop_assert_eq!(l.get(len), None);
            for s in (0..len).step_by(3) {
                for e in (s..len).step_by(5) {
                    let want: Vec<Vec<u8>> = m.range(s..=e).cloned().collect();
                    prop_assert_eq!(strings(l.range(s, e)), want.clone());
                    let mut back = strings(l.range(s, e).rev());
                    back.reverse();
                    prop_assert_eq!(back, want);
                }
            }
        }
    }

    /// Under the default fill (8 KiB) a node holds what fits its estimate, then a new one
    /// starts, whichever end is pushed; elements at the packed threshold get a node each.
    #[test]
    fn nodes_fill_to_the_size_limit_then_split() {
        let mut l = List::new();
        // Each element: 100 bytes + 8 estimated, into a listpack entry of 100 + 2 + 1 bytes.
        for _ in 0..200 {
            l.push(End::Tail, &[b'x'; 100], DEFAULT_PACKED_THRESHOLD);
        }
        let counts: Vec<usize> = l.nodes().map(Node::count).collect();
        // 7 + 79 * 103 = 8144 bytes; one more would be estimated at 8144 + 108 > 8192.
        assert_eq!(counts, [79, 79, 42]);
        let mut l = List::with_fill(4);
        for i in 0..10 {
            l.push(End::Head, i.to_string().as_bytes(), 3);
        }
        l.push(End::Head, b"large", 3);
        let counts: Vec<usize> = l.nodes().map(Node::count).collect();
        assert_eq!(counts, [1, 2, 4, 4]);
        assert!(matches!(l.nodes().next(), Some(Node::Plain(_))));
    }

    #[test]
    fn fill_is_clamped_as_redis_clamps_it() {
        assert_eq!(List::with_fill(-100).fill(), -5);
        assert_eq!(List::with_fill(1 << 20).fill(), 32767);
        assert_eq!(List::with_fill(7).fill(), 7);
    }
}
