//! Redis' `ld2string(.., LD_STR_HUMAN)`: glibc's `%.17Lf` (the exact binary value rounded to 17
//! decimals, exact ties to even), then trailing zeros and a trailing '.' cut, "-0" made "0".

use super::bignum::Big;
use super::{Kind, LDouble};

/// 10^17: `%.17Lf` keeps 17 fractional digits.
const SCALE: u128 = 100_000_000_000_000_000;

pub(super) fn human(v: LDouble) -> String {
    let (mant, exp) = match v.kind {
        // ld2string spells infinities itself; NaN would go through printf, which says "-nan"
        // for the x87 default NaN (and has no '.' to trim).
        Kind::Inf if v.neg => return "-inf".into(),
        Kind::Inf => return "inf".into(),
        Kind::Nan => return if v.neg { "-nan" } else { "nan" }.into(),
        Kind::Finite { mant, exp } => (mant, exp),
    };
    let (int, frac) = if exp >= 0 {
        (Big::from_u64(mant).shl(exp as u32).to_decimal(), 0)
    } else {
        let (int, frac) = split_fraction(mant, exp.unsigned_abs());
        (int.to_string(), frac)
    };
    let mut s = String::with_capacity(int.len() + 19);
    if v.neg {
        s.push('-');
    }
    s.push_str(&int);
    let digits = format!("{frac:017}");
    let digits = digits.trim_end_matches('0');
    if !digits.is_empty() {
        s.push('.');
        s.push_str(digits);
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

/// `mant / 2^k` as its integer part and its fraction in units of 10^-17, rounded to nearest
/// with exact ties to even (a carry goes into the integer part). The fraction is below 2^64,
/// so `fraction * 10^17` fits in 128 bits and no big numbers are needed.
fn split_fraction(mant: u64, k: u32) -> (u64, u64) {
    let int = mant.checked_shr(k).unwrap_or(0);
    let frac = if k >= 64 { mant } else { mant & ((1u64 << k) - 1) };
    let scaled = frac as u128 * SCALE;
    if k >= 128 {
        // scaled < 2^121, under half of 2^k: rounds to 0.
        return (int, 0);
    }
    let q = scaled >> k;
    let rem = scaled & ((1u128 << k) - 1);
    let half = 1u128 << (k - 1);
    let q = q + (rem > half || (rem == half && q & 1 == 1)) as u128;
    if q == SCALE {
        (int + 1, 0)
    } else {
        (int, q as u64)
    }
}
