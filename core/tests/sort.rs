//! SORT and SORT_RO through the harness; replies as redis-server 7.0.15 gave them.

use ferrous_core::harness::Harness;
use ferrous_core::Config;

fn client() -> Harness {
    let mut h = Harness::new(Config::default());
    h.connect(1, true);
    h
}

fn arr(items: &[&str]) -> String {
    let mut s = format!("*{}\r\n", items.len());
    for i in items {
        if *i == "(nil)" {
            s.push_str("$-1\r\n");
        } else {
            s.push_str(&format!("${}\r\n{i}\r\n", i.len()));
        }
    }
    s
}

#[test]
fn sorts_numbers_strings_by_weights_and_stores() {
    let mut h = client();
    h.cmd(1, &["RPUSH", "n", "3", "1", "2", "10", "-5", "1.5", "1e3"]);
    assert_eq!(
        h.cmd(1, &["SORT", "n"]),
        arr(&["-5", "1", "1.5", "2", "3", "10", "1e3"])
    );
    assert_eq!(h.cmd(1, &["SORT", "n", "DESC", "LIMIT", "1", "2"]), arr(&["10", "3"]));
    assert_eq!(
        h.cmd(1, &["SORT", "n", "ALPHA"]),
        arr(&["-5", "1", "1.5", "10", "1e3", "2", "3"])
    );
    // A constant BY keeps the list's own order (reversed by DESC).
    assert_eq!(
        h.cmd(1, &["SORT", "n", "BY", "x", "DESC", "LIMIT", "0", "2"]),
        arr(&["1e3", "1.5"])
    );
    h.cmd(1, &["MSET", "w_3", "1", "w_1", "2", "w_2", "0"]);
    h.cmd(1, &["HSET", "h_3", "f", "a"]);
    // Missing weights count as 0, ties break on the element.
    assert_eq!(
        h.cmd(
            1,
            &["SORT", "n", "BY", "w_*", "LIMIT", "0", "4", "GET", "#", "GET", "h_*->f"]
        ),
        arr(&["-5", "(nil)", "1.5", "(nil)", "10", "(nil)", "1e3", "(nil)"])
    );
    assert_eq!(h.cmd(1, &["SORT", "n", "STORE", "dst"]), ":7\r\n");
    assert_eq!(h.cmd(1, &["LINDEX", "dst", "0"]), "$2\r\n-5\r\n");
    assert_eq!(h.cmd(1, &["SORT", "nokey", "STORE", "dst"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "dst"]), ":0\r\n");
}

#[test]
fn errors_like_redis() {
    let mut h = client();
    h.cmd(1, &["RPUSH", "l", "a", "1"]);
    h.cmd(1, &["SET", "s", "x"]);
    assert_eq!(
        h.cmd(1, &["SORT", "l"]),
        "-ERR One or more scores can't be converted into double\r\n"
    );
    assert_eq!(
        h.cmd(1, &["SORT", "s"]),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    assert_eq!(h.cmd(1, &["SORT", "l", "LIMIT", "1"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["SORT_RO", "l", "STORE", "x"]), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd(1, &["SORT", "l", "LIMIT", "x", "1"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        h.cmd(
            1,
            &["COMMAND", "GETKEYS", "SORT", "a", "STORE", "b", "LIMIT", "1", "2", "STORE", "c"]
        ),
        arr(&["a", "c"])
    );
}
