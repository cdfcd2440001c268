//! Numbers as Redis reads and prints them for sorted sets and blocking commands: scores read by
//! `strtod` (getDoubleFromObject), score bounds (zslParseRange), lexicographic bounds
//! (zslParseLexRange), scores printed with `%.17g` (addReplyDouble), and timeouts in seconds
//! rounded up to milliseconds (getTimeoutFromObjectOrReply).
//!
//! The parsers cover what the workload sends (decimal and exponent forms, `inf`, `nan`, junk),
//! not every input C's `strtod` accepts (hexadecimal floats are never sent).

use ferrous_io_sim::Value;

/// A score argument as getDoubleFromObject reads it: the whole argument, not empty, no leading
/// space, not NaN, and no finite literal that overflows to infinity (`ERANGE`).
pub(super) fn parse_score(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    let literal_inf = s.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("inf");
    (!v.is_nan() && (v.is_finite() || literal_inf)).then_some(v)
}

/// One end of a score range: `(x` excludes `x`. Parsed by `strtod` alone, which skips leading
/// spaces and reads nothing as 0; only trailing bytes and NaN are refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

fn parse_bound(b: &[u8]) -> Option<Bound> {
    let (exclusive, rest) = match b.strip_prefix(b"(") {
        Some(rest) => (true, rest),
        None => (false, b),
    };
    let s = std::str::from_utf8(rest).ok()?.trim_start();
    let value = if s.is_empty() { 0.0 } else { s.parse::<f64>().ok()? };
    (!value.is_nan()).then_some(Bound { value, exclusive })
}

/// A score range `[min, max]` with open or closed ends (zrangespec).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ScoreRange {
    pub min: Bound,
    pub max: Bound,
}

impl ScoreRange {
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        Some(ScoreRange {
            min: parse_bound(min)?,
            max: parse_bound(max)?,
        })
    }

    pub fn contains(&self, s: f64) -> bool {
        let above = if self.min.exclusive {
            s > self.min.value
        } else {
            s >= self.min.value
        };
        let below = if self.max.exclusive {
            s < self.max.value
        } else {
            s <= self.max.value
        };
        above && below
    }
}

pub(super) const NOT_A_FLOAT_RANGE: &str = "ERR min or max is not a float";
pub(super) const NOT_A_LEX_RANGE: &str = "ERR min or max not valid string range item";

/// One end of a lexicographic range: `-` and `+` are below and above every member.
#[derive(Clone, Debug, PartialEq, Eq)]
enum LexBound {
    Min,
    Max,
    Member { value: Vec<u8>, exclusive: bool },
}

fn parse_lex_bound(b: &[u8]) -> Option<LexBound> {
    match b.first()? {
        b'+' if b.len() == 1 => Some(LexBound::Max),
        b'-' if b.len() == 1 => Some(LexBound::Min),
        b'(' => Some(LexBound::Member {
            value: b[1..].to_vec(),
            exclusive: true,
        }),
        b'[' => Some(LexBound::Member {
            value: b[1..].to_vec(),
            exclusive: false,
        }),
        _ => None,
    }
}

/// A lexicographic range (zlexrangespec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LexRange {
    min: LexBound,
    max: LexBound,
}

impl LexRange {
    pub fn parse(min: &[u8], max: &[u8]) -> Option<LexRange> {
        Some(LexRange {
            min: parse_lex_bound(min)?,
            max: parse_lex_bound(max)?,
        })
    }

    pub fn contains(&self, m: &[u8]) -> bool {
        let above = match &self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Member { value, exclusive } => m > value.as_slice() || (!exclusive && m == value.as_slice()),
        };
        let below = match &self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Member { value, exclusive } => m < value.as_slice() || (!exclusive && m == value.as_slice()),
        };
        above && below
    }
}

/// `%.17g`, as addReplyDouble prints a finite score; `inf` and `-inf` for the infinities.
pub fn format_score(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // 17 significant digits; the exponent after rounding picks the style, as %g does.
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponents are integers");
    if !(-4..17).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim_zeros(mantissa), exp.abs());
    }
    let decimals = (16 - exp) as usize;
    trim_zeros(&format!("{d:.decimals$}")).to_owned()
}

/// `%g` drops trailing zeros of the fraction, and the point if nothing is left after it.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A score in a reply: a bulk string in RESP2, a RESP3 double.
pub(super) fn score_value(d: f64, resp3: bool) -> Value {
    let text = format_score(d).into_bytes();
    if resp3 {
        Value::Double(text)
    } else {
        Value::Bulk(text)
    }
}

/// A blocking command's timeout: `Ok(None)` waits forever (0), else milliseconds,
/// `ceil(seconds * 1000)`. The workload's timeouts are decimals whose long double product with
/// 1000 rounds to the exact product, so exact decimal arithmetic gives Redis' answer.
pub(super) fn parse_timeout(b: &[u8]) -> Result<Option<u64>, Value> {
    let not_float = || Value::error("ERR timeout is not a float or out of range");
    let s = std::str::from_utf8(b).map_err(|_| not_float())?;
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let decimal = |d: &str| d.bytes().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !decimal(int) || !decimal(frac) || frac.len() > 9 || int.len() > 9 {
        return Err(not_float());
    }
    let scale = 10u64.pow(frac.len() as u32);
    let units = format!("{int}{frac}").parse::<u64>().unwrap_or(0);
    let product = units * 1000;
    let ms = if negative {
        // ceil(-x) = -floor(x): negative unless x * 1000 is below 1.
        if product / scale > 0 {
            return Err(Value::error("ERR timeout is negative"));
        }
        0
    } else {
        product.div_ceil(scale)
    };
    Ok((ms > 0).then_some(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_print_as_percent_17g() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (-2.5, "-2.5"),
            (0.1, "0.10000000000000001"),
            (1.5e-5, "1.5e-05"),
            (2.2e-7, "2.2000000000000001e-07"),
            (0.0001, "0.0001"),
            (1e17, "1e+17"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e16, "10000000000000000"),
            (3.0 / 7.0, "0.42857142857142855"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0"),
            (100.0, "100"),
        ];
        for &(d, s) in cases {
            assert_eq!(format_score(d), s, "{d:?}");
        }
    }

    #[test]
    fn scores_parse_as_strtod_over_the_whole_argument() {
        assert_eq!(parse_score(b"1.5"), Some(1.5));
        assert_eq!(parse_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_score(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_score(b"1e2"), Some(100.0));
        for bad in [&b""[..], b" 1", b"1x", b"nan", b"abc", b"1e400"] {
            assert_eq!(parse_score(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ranges_and_timeouts() {
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert!(!r.contains(1.0) && r.contains(1.5) && r.contains(f64::INFINITY));
        assert_eq!(ScoreRange::parse(b"x", b"1"), None);
        let l = LexRange::parse(b"[b", b"(d").unwrap();
        assert!(!l.contains(b"a") && l.contains(b"b") && l.contains(b"c") && !l.contains(b"d"));
        assert_eq!(LexRange::parse(b"b", b"+"), None);
        assert_eq!(parse_timeout(b"0.015625"), Ok(Some(16)));
        assert_eq!(parse_timeout(b"0"), Ok(None));
        assert_eq!(parse_timeout(b"1"), Ok(Some(1000)));
        assert!(parse_timeout(b"-1").is_err());
        assert!(parse_timeout(b"abc").is_err());
    }
}
