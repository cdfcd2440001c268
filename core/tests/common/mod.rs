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
