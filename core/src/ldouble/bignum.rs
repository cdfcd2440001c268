//! The few unsigned arbitrary-precision operations exact long-double parsing and printing need.
//! Little-endian `u32` limbs kept without high zero limbs; sizes stay around 35,000 bits (a
//! 5,119-digit number times a power of ten near the long-double range), so schoolbook is enough.

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Big {
    limbs: Vec<u32>,
}

impl Big {
    pub(crate) fn from_u64(v: u64) -> Big {
        let mut b = Big {
            limbs: vec![v as u32, (v >> 32) as u32],
        };
        b.trim();
        b
    }

    /// The number written by these hexadecimal digits (the caller checked them), eight per limb.
    pub(crate) fn from_hex(digits: &[u8]) -> Big {
        let limbs = digits
            .rchunks(8)
            .map(|c| {
                c.iter()
                    .fold(0, |acc, d| acc << 4 | (*d as char).to_digit(16).unwrap_or(0))
            })
            .collect();
        let mut b = Big { limbs };
        b.trim();
        b
    }

    pub(crate) fn pow10(k: u32) -> Big {
        let mut b = Big::from_u64(1);
        b.mul_pow10(k);
        b
    }

    /// self *= 10^k, nine digits at a time.
    pub(crate) fn mul_pow10(&mut self, mut k: u32) {
        while k > 0 {
            let step = k.min(9);
            self.mul_add_small(10u32.pow(step), 0);
            k -= step;
        }
    }

    fn trim(&mut self) {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    /// Number of significant bits (0 for zero).
    pub(crate) fn bit_len(&self) -> u32 {
        match self.limbs.last() {
            None => 0,
            Some(top) => self.limbs.len() as u32 * 32 - top.leading_zeros(),
        }
    }

    /// self = self * m + a: how digits accumulate into a number.
    pub(crate) fn mul_add_small(&mut self, m: u32, a: u32) {
        let mut carry = a as u64;
        for l in &mut self.limbs {
            let t = *l as u64 * m as u64 + carry;
            *l = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.limbs.push(carry as u32);
        }
        self.trim();
    }

    /// self = self / d, returning the remainder: how a number turns into decimal digits.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.limbs.iter_mut().rev() {
            let t = (rem << 32) | *l as u64;
            *l = (t / d as u64) as u32;
            rem = t % d as u64;
        }
        self.trim();
        rem as u32
    }

    pub(crate) fn shl(&self, n: u32) -> Big {
        if self.is_zero() {
            return Big::default();
        }
        let (words, bits) = ((n / 32) as usize, n % 32);
        let mut limbs = vec![0u32; words];
        let mut carry = 0u32;
        for &l in &self.limbs {
            limbs.push(if bits == 0 { l } else { (l << bits) | carry });
            carry = if bits == 0 { 0 } else { l >> (32 - bits) };
        }
        limbs.push(carry);
        let mut b = Big { limbs };
        b.trim();
        b
    }

    /// self >> 1 in place: the divisor walks down one bit per quotient bit.
    fn shr1(&mut self) {
        let mut carry = 0u32;
        for l in self.limbs.iter_mut().rev() {
            let next = *l & 1;
            *l = (*l >> 1) | (carry << 31);
            carry = next;
        }
        self.trim();
    }

    /// self -= other; the caller guarantees self >= other.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, l) in self.limbs.iter_mut().enumerate() {
            let t = *l as i64 - other.limbs.get(i).copied().unwrap_or(0) as i64 - borrow;
            *l = t.rem_euclid(1 << 32) as u32;
            borrow = (t < 0) as i64;
        }
        debug_assert_eq!(borrow, 0, "Big::sub_assign underflow");
        self.trim();
    }

    /// The top 128 bits and the exponent they stand at: self = (top + f) * 2^exp, where f is
    /// in [0, 1) and `sticky` says whether it is non-zero. Rounding needs only this.
    pub(crate) fn top128(&self) -> (u128, i32, bool) {
        let shift = self.bit_len().saturating_sub(128);
        let (words, bits) = ((shift / 32) as usize, shift % 32);
        let limb = |i: usize| self.limbs.get(i).copied().unwrap_or(0);
        let sticky = self.limbs[..words].iter().any(|&l| l != 0) || limb(words) & ((1 << bits) - 1) != 0;
        let mut top = 0u128;
        // The 128 bits start `bits` into limb `words` and reach into at most four more limbs.
        for i in 0..5 {
            let l = limb(words + i) as u128;
            let pos = 32 * i as i32 - bits as i32;
            top |= if pos >= 0 {
                l.checked_shl(pos as u32).unwrap_or(0)
            } else {
                l >> -pos
            };
        }
        (top, shift as i32, sticky)
    }

    pub(crate) fn clear_bit(&mut self, i: u32) {
        if let Some(l) = self.limbs.get_mut((i / 32) as usize) {
            *l &= !(1 << (i % 32));
        }
        self.trim();
    }

    /// floor(self / d) when that quotient is known to be below 2^128, and whether a remainder
    /// was left. Restoring division, one quotient bit per step: 128 steps suffice here.
    pub(crate) fn div_to_u128(mut self, d: &Big) -> (u128, bool) {
        let mut shifted = d.shl(127);
        let mut q = 0u128;
        for i in (0..128).rev() {
            if self.cmp(&shifted) != Ordering::Less {
                self.sub_assign(&shifted);
                q |= 1 << i;
            }
            shifted.shr1();
        }
        (q, !self.is_zero())
    }

    /// Decimal digits, most significant first ("0" for zero).
    pub(crate) fn to_decimal(&self) -> String {
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        let mut s = chunks.pop().unwrap_or(0).to_string();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> Ordering {
        self.limbs
            .len()
            .cmp(&other.limbs.len())
            .then_with(|| self.limbs.iter().rev().cmp(other.limbs.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trip_and_powers() {
        assert_eq!(Big::pow10(0).to_decimal(), "1");
        assert_eq!(Big::pow10(30).to_decimal(), format!("1{}", "0".repeat(30)));
        assert_eq!(Big::from_u64(u64::MAX).to_decimal(), u64::MAX.to_string());
        assert_eq!(Big::default().to_decimal(), "0");
        assert_eq!(Big::from_u64(1).shl(64).to_decimal(), "18446744073709551616");
        assert_eq!(
            Big::from_hex(b"fFfffffffffffffff").to_decimal(),
            "295147905179352825855"
        );
        assert_eq!(Big::from_hex(b"000"), Big::default());
    }

    #[test]
    fn top_bits_and_division() {
        let b = Big::from_u64(1).shl(200);
        assert_eq!(b.top128(), (1u128 << 127, 73, false));
        let b = Big::from_u64(3).shl(199);
        assert_eq!(b.top128(), (3u128 << 126, 73, false));
        let mut c = Big::from_u64(5);
        c.mul_add_small(1, 0);
        assert_eq!(c.top128(), (5, 0, false));
        // (10^40 + 1) / 10^20 = 10^20 rest 1.
        let mut n = Big::pow10(40);
        n.mul_add_small(1, 1);
        assert_eq!(n.div_to_u128(&Big::pow10(20)), (10u128.pow(20), true));
        assert_eq!(Big::pow10(40).div_to_u128(&Big::pow10(20)), (10u128.pow(20), false));
        // 2^129 = 3 * (4 * floor(2^127 / 3) + 2) + 2.
        let (q, rem) = Big::from_u64(1).shl(129).div_to_u128(&Big::from_u64(3));
        assert_eq!((q, rem), (((1u128 << 127) / 3) * 4 + 2, true));
    }
}
