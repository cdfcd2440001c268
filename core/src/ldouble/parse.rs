//! Redis 7.0's `string2ld`: glibc `strtold` over the whole string, correctly rounded, with
//! Redis' extra refusals.

use super::bignum::Big;
use super::{round, Kind, LDouble};

/// Redis' MAX_LONG_DOUBLE_CHARS: `string2ld` copies into a buffer this long, NUL included, so
/// strings of this length or more are refused.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Exponents are read saturating at this: with fewer than MAX_LONG_DOUBLE_CHARS digits, any
/// exponent this large already overflows or underflows.
const EXP_CAP: i64 = 1 << 40;

/// `string2ld` refuses: empty or too long strings, leading white space, bytes `strtold` leaves
/// unread, NaN, and (strtold's ERANGE) overflow to infinity or underflow to zero. A subnormal
/// result is also ERANGE in glibc but accepted, as is "inf" written out.
pub(super) fn string2ld(s: &[u8]) -> Option<LDouble> {
    if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(LDouble { neg, kind: Kind::Inf });
    }
    let hex = body.len() > 1 && body[0] == b'0' && body[1].eq_ignore_ascii_case(&b'x');
    if hex {
        parse_hex(neg, &body[2..])
    } else {
        parse_decimal(neg, body)
    }
}

/// A non-zero number that rounded to infinity or zero is strtold's ERANGE, which Redis refuses.
fn in_range(v: LDouble) -> Option<LDouble> {
    (v.is_finite() && !v.is_zero()).then_some(v)
}

/// Splits `digits[.digits][<exp_mark>[+-]digits]` into the mantissa digits (point removed), how
/// many of them follow the point, and the exponent; `None` unless that is the whole input and
/// the mantissa has a digit.
fn split_number(s: &[u8], is_digit: fn(&u8) -> bool, exp_mark: u8) -> Option<(Vec<u8>, i64, i64)> {
    let int_len = s.iter().take_while(|c| is_digit(c)).count();
    let mut digits = s[..int_len].to_vec();
    let mut rest = &s[int_len..];
    let mut frac_len = 0;
    if let Some(after) = rest.strip_prefix(b".") {
        frac_len = after.iter().take_while(|c| is_digit(c)).count();
        digits.extend_from_slice(&after[..frac_len]);
        rest = &after[frac_len..];
    }
    if digits.is_empty() {
        return None;
    }
    let exp = match rest.split_first() {
        None => 0,
        Some((m, e)) if m.eq_ignore_ascii_case(&exp_mark) => parse_exponent(e)?,
        Some(_) => return None,
    };
    Some((digits, frac_len as i64, exp))
}

/// `[+-]digits`, saturating at ±EXP_CAP.
fn parse_exponent(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits
        .iter()
        .fold(0i64, |acc, d| (acc * 10 + (d - b'0') as i64).min(EXP_CAP));
    Some(if neg { -v } else { v })
}

/// A decimal number, correctly rounded: exact big-integer arithmetic on digits * 10^exp.
fn parse_decimal(neg: bool, s: &[u8]) -> Option<LDouble> {
    let (digits, frac_len, exp) = split_number(s, u8::is_ascii_digit, b'e')?;
    let sig: &[u8] = trim_zeros(&digits);
    if sig.is_empty() {
        return Some(LDouble { neg, ..LDouble::ZERO });
    }
    let exp10 = exp - frac_len + (digits.len() - sig.len() - lead_zeros(&digits)) as i64;
    // The value lies in [10^(p-1), 10^p): beyond these bounds it overflows (the largest long
    // double is ~1.19e4932) or is under half the smallest subnormal (~3.65e-4951).
    let p = sig.len() as i64 + exp10;
    if !(-4952..=4934).contains(&p) {
        return None;
    }
    let mut n = Big::default();
    for chunk in sig.chunks(9) {
        let v = chunk.iter().fold(0u32, |acc, d| acc * 10 + (d - b'0') as u32);
        n.mul_add_small(10u32.pow(chunk.len() as u32), v);
    }
    if exp10 >= 0 {
        n.mul_pow10(exp10 as u32);
        let (top, e, sticky) = n.top128();
        return in_range(round(neg, top, e, sticky));
    }
    // value = n / 10^k: scale so the quotient has 127 or 128 bits, the rest is sticky.
    let den = Big::pow10((-exp10) as u32);
    let s = den.bit_len() as i32 - n.bit_len() as i32 + 127;
    let (num, den) = if s >= 0 {
        (n.shl(s as u32), den)
    } else {
        (n, den.shl((-s) as u32))
    };
    let (q, rest) = num.div_to_u128(&den);
    in_range(round(neg, q, -s, rest))
}

/// A hexadecimal number (after "0x"), with an optional binary exponent `p[+-]digits`.
fn parse_hex(neg: bool, s: &[u8]) -> Option<LDouble> {
    let (digits, frac_len, exp) = split_number(s, u8::is_ascii_hexdigit, b'p')?;
    let mut n = Big::from_hex(&digits);
    if n.is_zero() {
        return Some(LDouble { neg, ..LDouble::ZERO });
    }
    let exp2 = exp - 4 * frac_len;
    // The value lies in [2^(top-1), 2^top): overflow from 2^16384 on, zero up to half the
    // smallest subnormal 2^-16446.
    let top = n.bit_len() as i64 + exp2;
    if !(-16445..=16384).contains(&top) {
        return None;
    }
    if top - 1 < -16382 && n.bit_len() > 64 {
        // glibc's quirk, which Redis inherits: when a hex number lands below the smallest normal,
        // strtold's round_and_return re-rounds at the subnormal position and forgets the bit just
        // past the 64 it had kept, so "0x1.0000000000000001p-16446" (a hair above half the
        // smallest subnormal) becomes a tie, rounds to 0 and is refused.
        n.clear_bit(n.bit_len() - 65);
    }
    let (m, e, sticky) = n.top128();
    in_range(round(neg, m, e + exp2 as i32, sticky))
}

fn lead_zeros(d: &[u8]) -> usize {
    d.iter().take_while(|&&c| c == b'0').count()
}

/// The digits without leading and trailing zeros.
fn trim_zeros(d: &[u8]) -> &[u8] {
    let d = &d[lead_zeros(d)..];
    let end = d.len() - d.iter().rev().take_while(|&&c| c == b'0').count();
    &d[..end]
}
