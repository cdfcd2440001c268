//! The C `long double` of x86-64 (x87 80-bit extended precision: 64-bit significand with an
//! explicit integer bit, 15-bit exponent), emulated exactly in software.
//!
//! Redis computes INCRBYFLOAT and HINCRBYFLOAT in `long double`, so replies such as
//! `INCRBYFLOAT k -1e10` on `9007199254740993` depend on its 64-bit significand and its range up
//! to ~1.19e4932; f64 gives other digits and other overflows. This module covers exactly what
//! those commands need: parsing as Redis' `string2ld` (glibc `strtold`), addition, and printing
//! as `ld2string(.., LD_STR_HUMAN)` (glibc `%.17Lf`), all correctly rounded to nearest-even as
//! glibc and the x87 FPU do in their default mode.

mod bignum;
mod format;
mod parse;

#[cfg(test)]
mod tests;

/// Exponent of the significand's last bit for subnormals and the smallest normals (2^-16445
/// is the smallest subnormal).
const EXP_MIN: i32 = -16445;
/// Exponent of the significand's last bit for the largest numbers (just below 2^16384).
const EXP_MAX: i32 = 16320;
/// The significand's integer bit: set for every normal number.
const TOP: u64 = 1 << 63;

/// A long double value. `==` is identity of the value's encoding (so `-0 != 0`, NaN == NaN),
/// which is what tests want; these values are never ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LDouble {
    neg: bool,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `mant * 2^exp`: `mant` has its top bit set, unless `exp == EXP_MIN` (subnormal or zero).
    Finite {
        mant: u64,
        exp: i32,
    },
    Inf,
    /// Only addition makes one (inf + -inf); parsing rejects NaN as Redis does.
    Nan,
}

impl LDouble {
    pub const ZERO: LDouble = LDouble {
        neg: false,
        kind: Kind::Finite { mant: 0, exp: EXP_MIN },
    };

    /// Exact: every i64 fits in 64 significant bits (Redis' `(long double)(long)` conversion of
    /// an int-encoded string).
    pub fn from_i64(v: i64) -> LDouble {
        round(v < 0, v.unsigned_abs() as u128, 0, false)
    }

    /// Parses as Redis 7.0's `string2ld`; `None` where it fails (INCRBYFLOAT's "value is not a
    /// valid float").
    pub fn parse(s: &[u8]) -> Option<LDouble> {
        parse::string2ld(s)
    }

    /// Formats as Redis' `ld2string(.., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros and '.' removed,
    /// "-0" as "0"; infinities as "inf"/"-inf".
    pub fn to_human_string(self) -> String {
        format::human(self)
    }

    pub fn is_finite(self) -> bool {
        matches!(self.kind, Kind::Finite { .. })
    }

    fn is_zero(self) -> bool {
        matches!(self.kind, Kind::Finite { mant: 0, .. })
    }

    fn neg_zero() -> LDouble {
        LDouble {
            neg: true,
            ..LDouble::ZERO
        }
    }

    /// `(long long) ceill(self * 1000.0)` as Redis computes a timeout in milliseconds from
    /// seconds (getTimeoutFromObjectOrReply): the product rounded to a long double, rounded up
    /// to an integer, and converted as the x87 FPU does: out of range (or NaN) gives i64::MIN.
    pub fn ceil_millis(self) -> i64 {
        let Kind::Finite { mant, exp } = self.kind else {
            return i64::MIN;
        };
        let p = round(self.neg, u128::from(mant) * 1000, exp, false);
        let Kind::Finite { mant, exp } = p.kind else {
            return i64::MIN;
        };
        // The magnitude rounded toward +inf for positives, toward zero for negatives.
        let magnitude: Option<u128> = if exp >= 0 {
            u128::from(mant)
                .checked_shl(exp as u32)
                .filter(|m| m >> exp == u128::from(mant))
        } else {
            let sh = (-exp) as u32;
            let whole = u128::from(mant).checked_shr(sh).unwrap_or(0);
            let frac = sh >= 64 && mant != 0 || sh < 64 && mant & ((1u64 << sh) - 1) != 0;
            Some(whole + u128::from(frac && !p.neg))
        };
        match magnitude {
            Some(m) if !p.neg && m <= i64::MAX as u128 => m as i64,
            Some(m) if p.neg && m <= 1u128 << 63 => (m as i128).wrapping_neg() as i64,
            _ => i64::MIN,
        }
    }

    /// The 80-bit encoding as the sign/exponent word and the significand, as C stores it: lets
    /// tests compare with the bits of a real `long double`.
    pub fn to_x87_bits(self) -> (u16, u64) {
        let sign = if self.neg { 0x8000 } else { 0 };
        match self.kind {
            Kind::Finite { mant, exp } if mant & TOP != 0 => (sign | (exp - EXP_MIN + 1) as u16, mant),
            Kind::Finite { mant, .. } => (sign, mant),
            Kind::Inf => (sign | 0x7fff, TOP),
            Kind::Nan => (sign | 0x7fff, 0xc000_0000_0000_0000),
        }
    }
}

/// What the x87 FPU answers for an invalid operation ("real indefinite": a negative quiet NaN,
/// which glibc prints as "-nan").
const NAN: LDouble = LDouble {
    neg: true,
    kind: Kind::Nan,
};

impl std::ops::Add for LDouble {
    type Output = LDouble;

    /// The sum correctly rounded, with IEEE rules for zeros, infinities and NaN.
    fn add(self, other: LDouble) -> LDouble {
        let (a, b) = match (self.kind, other.kind) {
            (Kind::Nan, _) | (_, Kind::Nan) => return NAN,
            (Kind::Inf, Kind::Inf) if self.neg != other.neg => return NAN,
            (Kind::Inf, _) => return self,
            (_, Kind::Inf) => return other,
            (Kind::Finite { mant: ma, exp: ea }, Kind::Finite { mant: mb, exp: eb }) => {
                ((self.neg, ma, ea), (other.neg, mb, eb))
            }
        };
        if self.is_zero() && other.is_zero() {
            // -0 + -0 is -0; any other sum of zeros is +0 when rounding to nearest.
            return if self.neg && other.neg {
                LDouble::neg_zero()
            } else {
                LDouble::ZERO
            };
        }
        if self.is_zero() {
            return other;
        }
        if other.is_zero() {
            return self;
        }
        let (a, b) = if a.2 >= b.2 { (a, b) } else { (b, a) };
        add_finite(a, b)
    }
}

/// Adds two non-zero finite values given as (negative, mant, exp) with `a`'s exponent the larger.
fn add_finite(a: (bool, u64, i32), b: (bool, u64, i32)) -> LDouble {
    let d = (a.2 - b.2) as u32;
    if d > 130 {
        // b is then below 2^-66 of a: far under half an ulp of a, whatever the signs.
        return round(a.0, a.1 as u128, a.2, false);
    }
    // 62 guard bits below a's significand keep every bit of b that can matter; what falls
    // further is only remembered as "something" (sticky).
    const GUARD: u32 = 62;
    let wide_a = (a.1 as u128) << GUARD;
    let wide_b = (b.1 as u128) << GUARD;
    let (part_b, lost) = if d >= 128 {
        (0, true)
    } else {
        (wide_b >> d, wide_b & ((1u128 << d) - 1) != 0)
    };
    let exp = a.2 - GUARD as i32;
    if a.0 == b.0 {
        return round(a.0, wide_a + part_b, exp, lost);
    }
    // Subtracting b = part_b + f (0 < f < 1 when lost) is subtracting part_b + 1 and adding
    // 1 - f, which again lies strictly between 0 and 1: that is the sticky part.
    let sub = part_b + lost as u128;
    match wide_a.cmp(&sub) {
        std::cmp::Ordering::Equal if !lost => LDouble::ZERO,
        std::cmp::Ordering::Less => round(b.0, sub - wide_a, exp, false),
        _ => round(a.0, wide_a - sub, exp, lost),
    }
}

/// Rounds `(m + s) * 2^e` to the nearest long double, ties to even, where `s` is 0 if `!sticky`
/// and strictly between 0 and 1 otherwise. With `sticky`, `m` must have at least 66 bits, so
/// that `s` lies below the rounding bit. Too large gives infinity, too small zero; the sign of a
/// result rounded to zero is kept (as `strtold` does for "-1e-99999").
fn round(neg: bool, m: u128, e: i32, sticky: bool) -> LDouble {
    if m == 0 {
        return LDouble { neg, ..LDouble::ZERO };
    }
    debug_assert!(!sticky || m >> 65 != 0, "round: too few bits before the sticky part");
    let len = 128 - m.leading_zeros() as i32;
    // Shift to keep 64 bits, more if the exponent would fall under the subnormal floor.
    let shift = (len - 64).max(EXP_MIN - e);
    let (mant, exp) = if shift <= 0 {
        (m << -shift, e + shift)
    } else if shift > 128 {
        // Below 2^(shift - 1), half the smallest step: rounds to zero.
        return LDouble { neg, ..LDouble::ZERO };
    } else {
        let q = m.checked_shr(shift as u32).unwrap_or(0);
        let rem = m & u128::MAX.checked_shr(128 - shift as u32).unwrap_or(0);
        let half = 1u128 << (shift - 1);
        let up = rem > half || (rem == half && (sticky || q & 1 == 1));
        (q + up as u128, e + shift)
    };
    // Rounding up may carry into a 65th bit.
    let (mant, exp) = if mant >> 64 != 0 {
        (mant >> 1, exp + 1)
    } else {
        (mant, exp)
    };
    if exp > EXP_MAX {
        return LDouble { neg, kind: Kind::Inf };
    }
    LDouble {
        neg,
        kind: Kind::Finite { mant: mant as u64, exp },
    }
}
