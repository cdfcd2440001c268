//! Checks against fixed reference vectors: a C program using x86-64 `long double` and glibc
//! 2.36 (the libc the redis-server 7.0.15 oracle runs on) produced them once, applying Redis'
//! string2ld, addition and ld2string(LD_STR_HUMAN). No C compiler is needed to run these tests.

use super::*;
use proptest::prelude::*;

/// INCRBYFLOAT's arithmetic on two argument strings, with its replies (errors without '-').
fn incrbyfloat(value: &str, incr: &str) -> String {
    let (Some(v), Some(i)) = (LDouble::parse(value.as_bytes()), LDouble::parse(incr.as_bytes())) else {
        return "ERR value is not a valid float".into();
    };
    let sum = v + i;
    if sum.is_finite() {
        sum.to_human_string()
    } else {
        "ERR increment would produce NaN or Infinity".into()
    }
}

fn bits(s: &str) -> String {
    match LDouble::parse(s.as_bytes()) {
        Some(v) => {
            let (se, m) = v.to_x87_bits();
            format!("{se:04x}:{m:016x}")
        }
        None => "ERR".into(),
    }
}

/// strtold's result as (sign/exponent word, significand), `None` where string2ld refuses.
#[rustfmt::skip]
const PARSE: &[(&str, Option<(u16, u64)>)] = &[
    ("0", Some((0x0000, 0x0000000000000000))),
    ("-0", Some((0x8000, 0x0000000000000000))),
    ("1", Some((0x3fff, 0x8000000000000000))),
    ("-1.5", Some((0xbfff, 0xc000000000000000))),
    ("0.1", Some((0x3ffb, 0xcccccccccccccccd))),
    ("0.2", Some((0x3ffc, 0xcccccccccccccccd))),
    ("0.3", Some((0x3ffd, 0x999999999999999a))),
    ("+1e3", Some((0x4008, 0xfa00000000000000))),
    ("1.", Some((0x3fff, 0x8000000000000000))),
    (".5", Some((0x3ffe, 0x8000000000000000))),
    ("9007199254740991", Some((0x4033, 0xfffffffffffff800))),
    ("9007199254740992", Some((0x4034, 0x8000000000000000))),
    ("9007199254740993", Some((0x4034, 0x8000000000000400))),
    ("9223372036854775807", Some((0x403d, 0xfffffffffffffffe))),
    ("-9223372036854775808", Some((0xc03e, 0x8000000000000000))),
    ("18446744073709551615", Some((0x403e, 0xffffffffffffffff))),
    ("18446744073709551616", Some((0x403f, 0x8000000000000000))),
    ("18446744073709551617", Some((0x403f, 0x8000000000000000))),
    ("36893488147419103231", Some((0x4040, 0x8000000000000000))),
    ("1.7976931348623157e308", Some((0x43fe, 0xfffffffffffff7ac))),
    ("1e4932", Some((0x7ffe, 0xd72cb2a95c7ef6cd))),
    ("1.18973149535723176502e+4932", Some((0x7ffe, 0xffffffffffffffff))),
    ("1.18973149535723176505e+4932", Some((0x7ffe, 0xffffffffffffffff))),
    ("1e4933", None),
    ("-1e5000", None),
    ("3.36210314311209350626e-4932", Some((0x0001, 0x8000000000000000))),
    ("3.6451995318824746025e-4951", Some((0x0000, 0x0000000000000001))),
    ("2e-4951", Some((0x0000, 0x0000000000000001))),
    ("1.83e-4951", Some((0x0000, 0x0000000000000001))),
    ("1.8e-4951", None),
    ("1e-4951", None),
    ("1e-5000", None),
    ("-1e-99999999999999999999", None),
    ("0e99999999999999999999", Some((0x0000, 0x0000000000000000))),
    ("0.0000000000000000000000000000000000000001", Some((0x3f7a, 0x8b61313bbabce2c6))),
    ("123456789012345678901234567890.123456789e-10", Some((0x403e, 0xab54a98ceb1f0ad2))),
    ("inf", Some((0x7fff, 0x8000000000000000))),
    ("-Infinity", Some((0xffff, 0x8000000000000000))),
    ("+INF", Some((0x7fff, 0x8000000000000000))),
    ("infinit", None),
    ("nan", None),
    ("NaN", None),
    ("-nan", None),
    ("nan(1)", None),
    ("0x10", Some((0x4003, 0x8000000000000000))),
    ("0x1p3", Some((0x4002, 0x8000000000000000))),
    ("0x1.8", Some((0x3fff, 0xc000000000000000))),
    ("0X.8P-1", Some((0x3ffd, 0x8000000000000000))),
    ("-0x1.fffffffffffffffep16383", Some((0xfffe, 0xffffffffffffffff))),
    ("0x1.fffffffffffffffe8p16383", Some((0x7ffe, 0xffffffffffffffff))),
    ("0x1.ffffffffffffffffp16383", None),
    ("0x1p-16445", Some((0x0000, 0x0000000000000001))),
    ("0x1.8p-16445", Some((0x0000, 0x0000000000000002))),
    ("0x1p-16446", None),
    ("0x1.0000000000000001p-16446", None),
    ("0x1.00000000000000010000001p-16446", Some((0x0000, 0x0000000000000001))),
    ("0x1.4000000000000001p-16444", Some((0x0000, 0x0000000000000002))),
    ("0x1.40000000000000001p-16444", Some((0x0000, 0x0000000000000003))),
    ("0x1.0000000000000001p0", Some((0x3fff, 0x8000000000000000))),
    ("0x1.00000000000000010000001p0", Some((0x3fff, 0x8000000000000001))),
    ("0x", None),
    ("0x.", None),
    ("0x1p", None),
    ("0x1.p1", Some((0x4000, 0x8000000000000000))),
    ("1e", None),
    ("1e+", None),
    (".", None),
    ("-", None),
    ("+", None),
    (".e5", None),
    ("1e5.5", None),
    ("--1", None),
    ("+-1", None),
    ("1f", None),
    ("0b1", None),
    ("1_0", None),
];

#[test]
fn parses_like_string2ld() {
    for &(input, want) in PARSE {
        let got = LDouble::parse(input.as_bytes()).map(LDouble::to_x87_bits);
        assert_eq!(got, want, "{input:?}");
    }
}

#[test]
fn refuses_what_string2ld_refuses_around_the_input() {
    // Leading white space (strtold would skip it, Redis checks isspace(s[0])), trailing bytes,
    // an embedded NUL, and strings of MAX_LONG_DOUBLE_CHARS (5 * 1024) bytes or more.
    for bad in [
        &b""[..],
        b" 1",
        b"\t1",
        b"\x0b1",
        b"\n1",
        b"1 ",
        b"1\n",
        b"1\0",
        b"1\x002",
    ] {
        assert_eq!(LDouble::parse(bad), None, "{bad:?}");
    }
    // 1 written with 5,119 and 5,120 bytes.
    let longest = format!("1{}e-5112", "0".repeat(5112));
    assert_eq!(longest.len(), 5119);
    assert_eq!(bits(&longest), "3fff:8000000000000000");
    assert_eq!(bits(&format!("1{}e-5113", "0".repeat(5113))), "ERR");
    let tiny = format!("0.{}1e4950", "0".repeat(5110));
    assert_eq!(bits(&tiny), "3de8:8ff71a0fe2c2e6dc");
}

/// INCRBYFLOAT value, increment, reply.
#[rustfmt::skip]
const INCR: &[(&str, &str, &str)] = &[
    ("0.1", "0.2", "0.3"),
    ("10.5", "0.1", "10.6"),
    ("3.0", "0", "3"),
    ("-0", "-0", "0"),
    ("0", "-0", "0"),
    ("1", "-1", "0"),
    ("-1e-20", "0", "0"),
    ("1e-20", "0", "0"),
    ("9007199254740993", "-1e10", "9007189254740993"),
    ("9007199254740992", "1", "9007199254740993"),
    ("9007199254740991", "2", "9007199254740993"),
    ("18446744073709551615", "1", "18446744073709551616"),
    ("18446744073709551616", "-1", "18446744073709551615"),
    ("9223372036854775807", "1", "9223372036854775808"),
    ("-9223372036854775808", "-1", "-9223372036854775809"),
    ("1e4932", "1e4932", "ERR increment would produce NaN or Infinity"),
    ("-1.18973149535723176502e+4932", "-1.18973149535723176502e+4932", "ERR increment would produce NaN or Infinity"),
    ("1e4932", "-1e4932", "0"),
    ("3.6451995318824746025e-4951", "0", "0"),
    ("0x1p-18", "0", "0.00000381469726562"),
    ("0x1.8p-17", "0", "0.00001144409179688"),
    ("0x3p-18", "0", "0.00001144409179688"),
    ("-0x1p-18", "0", "-0.00000381469726562"),
    ("0x1.fffffffffffffffep-1", "0", "1"),
    ("0.99999999999999999", "0", "0.99999999999999999"),
    ("0.999999999999999995", "0", "1"),
    ("0.999999999999999994", "0", "0.99999999999999999"),
    ("5.000000000000000005", "0", "5.00000000000000001"),
    ("1e30", "0", "1000000000000000000024696061952"),
    ("1e20", "0.5", "100000000000000000000"),
    ("123.456", "-0.456", "123"),
    ("1.1", "2.2", "3.3"),
    ("0.1", "-0.3", "-0.2"),
    ("inf", "1", "ERR increment would produce NaN or Infinity"),
    ("-inf", "-inf", "ERR increment would produce NaN or Infinity"),
    ("inf", "-inf", "ERR increment would produce NaN or Infinity"),
    ("1", "inf", "ERR increment would produce NaN or Infinity"),
    ("abc", "1", "ERR value is not a valid float"),
    ("1", "abc", "ERR value is not a valid float"),
    (" 1", "1", "ERR value is not a valid float"),
    ("1", "1 ", "ERR value is not a valid float"),
    ("", "1", "ERR value is not a valid float"),
];

#[test]
fn incrbyfloat_replies_like_redis() {
    for &(value, incr, want) in INCR {
        assert_eq!(incrbyfloat(value, incr), want, "{value:?} + {incr:?}");
    }
}

/// The larger table in vectors.txt: random and targeted inputs (huge, subnormal, hex, long
/// digit strings, cancelling sums), with the exact bits of parses and sums.
#[test]
fn reference_vectors() {
    let mut checked = 0;
    for line in include_str!("vectors.txt").lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let (got, want) = match f[..] {
            ["p", input, want] => (bits(input), want),
            ["i", value, incr, want] => (incrbyfloat(value, incr), want),
            ["a", value, incr, want] => {
                let sum = LDouble::parse(value.as_bytes()).unwrap() + LDouble::parse(incr.as_bytes()).unwrap();
                let (se, m) = sum.to_x87_bits();
                (format!("{se:04x}:{m:016x}"), want)
            }
            _ => panic!("bad vector line {line:?}"),
        };
        assert_eq!(got, want, "{line:?}");
        checked += 1;
    }
    assert!(checked > 500, "only {checked} vectors");
}

#[test]
fn zeros_and_infinities_follow_ieee() {
    let neg_zero = LDouble::parse(b"-0").unwrap();
    assert_eq!(neg_zero + neg_zero, neg_zero);
    assert_eq!(neg_zero + LDouble::ZERO, LDouble::ZERO);
    let inf = LDouble::parse(b"inf").unwrap();
    let minus_inf = LDouble::parse(b"-inf").unwrap();
    assert_eq!(inf + LDouble::from_i64(-5), inf);
    assert!(!(inf + minus_inf).is_finite());
    assert_eq!((inf + minus_inf).to_human_string(), "-nan");
    assert_eq!(inf.to_human_string(), "inf");
    assert_eq!(minus_inf.to_human_string(), "-inf");
    assert_eq!(neg_zero.to_human_string(), "0");
}

proptest! {
    /// Every i64 is exact in a long double and prints as itself.
    #[test]
    fn integers_are_exact(n in any::<i64>()) {
        let v = LDouble::from_i64(n);
        prop_assert_eq!(v.to_human_string(), n.to_string());
        prop_assert_eq!(LDouble::parse(n.to_string().as_bytes()), Some(v));
    }

    /// Below 10 the error of a parse is under 10 * 2^-64 < 0.5e-17, so %.17Lf gives back a
    /// decimal of up to 17 places as written (trailing zeros cut).
    #[test]
    fn short_decimals_print_back(int in 0u8..10, frac in 0u64..100_000_000_000_000_000, neg: bool) {
        let written = format!("{}{int}.{frac:017}", if neg { "-" } else { "" });
        let mut want = written.trim_end_matches('0').trim_end_matches('.').to_string();
        if want == "-0" {
            want = "0".into();
        }
        prop_assert_eq!(LDouble::parse(written.as_bytes()).unwrap().to_human_string(), want);
    }

    /// Addition is commutative and x + (-x) is +0.
    #[test]
    fn sums_commute_and_cancel(a in -1e30f64..1e30, b in -1e30f64..1e30) {
        let (a, b) = (LDouble::parse(format!("{a:e}").as_bytes()).unwrap(), LDouble::parse(format!("{b:e}").as_bytes()).unwrap());
        prop_assert_eq!(a + b, b + a);
        let minus_a = LDouble { neg: !a.neg, ..a };
        prop_assert_eq!(a + minus_a, LDouble::ZERO);
    }

    /// Whatever a client sends, parsing answers (and what it accepts prints) without panicking.
    #[test]
    fn any_input_is_answered(s in "[-+0-9.eEpPxXa-finINtyY ]{0,40}") {
        if let Some(v) = LDouble::parse(s.as_bytes()) {
            let _ = v.to_human_string();
            let _ = v + v;
        }
    }
}
