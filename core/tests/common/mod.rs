//! What several test files of the core share.

#![allow(dead_code)]

use ferrous_core::harness::Harness;
use ferrous_core::Config;

/// Client 1 connected (from loopback) to a server with DEBUG enabled, `dir /d`, no save
/// points, and `directives`.
pub fn harness(directives: &[(&str, &str)]) -> Harness {
    let mut text = String::from("enable-debug-command yes\ndir /d\nsave \"\"\n");
    for (k, v) in directives {
        text.push_str(&format!("{k} {v}\n"));
    }
    let mut h = Harness::new(Config::from_text(&text).unwrap());
    h.connect(1, true);
    h
}

/// The commands in `raw` replication stream bytes, words joined by spaces, without the
/// SELECTs.
pub fn stream_commands(raw: &str) -> Vec<String> {
    let mut cmds = Vec::new();
    let mut lines = raw.split("\r\n");
    while let Some(head) = lines.next() {
        let Some(n) = head.strip_prefix('*') else { continue };
        let n: usize = n.parse().expect("an array length");
        let words: Vec<&str> = (0..n).filter_map(|_| lines.nth(1)).collect();
        if words[0] != "SELECT" {
            cmds.push(words.join(" "));
        }
    }
    cmds
}

/// The connection the server asked the driver to open last: (id, host, port).
pub fn connect_request(h: &mut Harness) -> (u64, String, u16) {
    h.take_connect().expect("a connect request")
}
