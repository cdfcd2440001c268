//! Short byte strings stored inline. Most keys and many values are a few bytes long; a heap
//! allocation for each would cost more than the bytes themselves (a 32-byte malloc chunk plus a
//! 16-byte pointer), so up to [`INLINE`] bytes live inside the 24-byte value itself.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// The most bytes kept inline: 24 bytes less the variant tag and the length.
pub const INLINE: usize = 22;

/// An immutable byte string: inline when short, one exact-size heap allocation otherwise.
#[derive(Clone)]
pub enum SmallBytes {
    Inline { len: u8, data: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl SmallBytes {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, data } => &data[..usize::from(*len)],
            SmallBytes::Heap(b) => b,
        }
    }
}

impl From<&[u8]> for SmallBytes {
    fn from(b: &[u8]) -> SmallBytes {
        if b.len() <= INLINE {
            let mut data = [0; INLINE];
            data[..b.len()].copy_from_slice(b);
            SmallBytes::Inline {
                len: b.len() as u8,
                data,
            }
        } else {
            SmallBytes::Heap(b.into())
        }
    }
}

impl From<Vec<u8>> for SmallBytes {
    fn from(v: Vec<u8>) -> SmallBytes {
        if v.len() <= INLINE {
            SmallBytes::from(&v[..])
        } else {
            SmallBytes::Heap(v.into_boxed_slice())
        }
    }
}

impl Deref for SmallBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for SmallBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Hashes exactly as `[u8]` does, so a map keyed by `SmallBytes` can be queried with `&[u8]`.
impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &SmallBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SmallBytes {}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::KeyedState;
    use proptest::prelude::*;
    use std::hash::BuildHasher;

    #[test]
    fn it_is_three_words() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 24);
    }

    #[test]
    fn short_strings_are_inline_long_ones_on_the_heap() {
        assert!(matches!(
            SmallBytes::from(&[7u8; INLINE][..]),
            SmallBytes::Inline { .. }
        ));
        assert!(matches!(SmallBytes::from(vec![7u8; INLINE + 1]), SmallBytes::Heap(_)));
        assert_eq!(&*SmallBytes::from(&b""[..]), b"");
    }

    proptest! {
        #[test]
        fn round_trips_and_hashes_like_a_slice(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let s = SmallBytes::from(b.clone());
            prop_assert_eq!(&*s, &b[..]);
            prop_assert_eq!(&s, &SmallBytes::from(&b[..]));
            let h = KeyedState::new(1, 2);
            prop_assert_eq!(h.hash_one(&s), h.hash_one(&b[..]));
        }
    }
}
