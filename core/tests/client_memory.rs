//! CLIENT LIST's memory fields (qbuf, qbuf-free, argv-mem, multi-mem, obl, oll, omem,
//! tot-mem) as Redis 7.0 computes them, and the cron giving query buffers back.

use std::collections::BTreeMap;

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event, Output, QueryBufferUsage, RequestParser};

fn encode(words: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for w in words {
        out.extend(format!("${}\r\n{w}\r\n", w.len()).bytes());
    }
    out
}

/// The fields of client `id`'s line in `list` (a CLIENT LIST reply).
fn fields(list: &str, id: u64) -> BTreeMap<String, String> {
    let line = list
        .lines()
        .find(|l| l.contains(&format!("id={id} ")))
        .unwrap_or_else(|| panic!("no client {id} in {list}"));
    line.split(' ')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn num(f: &BTreeMap<String, String>, k: &str) -> usize {
    f[k].parse().unwrap_or_else(|_| panic!("{k}={}", f[k]))
}

/// Three clients, each with its own parser, as a backend keeps them.
struct Setup {
    h: Harness,
    parsers: Vec<RequestParser>,
}

impl Setup {
    fn new() -> Setup {
        let mut h = Harness::new(Config::default());
        for id in 1..=3 {
            h.connect(id, true);
        }
        Setup {
            h,
            parsers: (0..=3).map(|_| RequestParser::new()).collect(),
        }
    }

    fn send(&mut self, id: u64, bytes: &[u8]) -> String {
        let out = self.h.raw(id, &mut self.parsers[id as usize], bytes);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn list_by(&mut self, id: u64) -> String {
        self.send(id, &encode(&["CLIENT", "LIST"]))
    }

    /// Moves both clocks on by `secs` and lets the cron run.
    fn wait(&mut self, secs: u64) {
        for _ in 0..secs * 10 {
            self.h.now.mono_us += 100_000;
            self.h.now.unix_ms += 100;
            self.h.event(0, Event::Tick);
        }
    }
}

#[test]
fn the_asking_client_sees_the_command_it_runs_in_its_query_buffer() {
    let mut s = Setup::new();
    let f = fields(&s.list_by(1), 1);
    // The 26 bytes of CLIENT LIST as a multibulk; "client" + "list" as arguments.
    assert_eq!((num(&f, "qbuf"), num(&f, "argv-mem")), (26, 10));
    assert_eq!(num(&f, "qbuf") + num(&f, "qbuf-free"), 16 * 1024, "one read's worth");
    assert_eq!(
        (
            f["multi-mem"].as_str(),
            f["obl"].as_str(),
            f["oll"].as_str(),
            f["omem"].as_str()
        ),
        ("0", "0", "0", "0")
    );
    assert!(num(&f, "tot-mem") > 16 * 1024, "the query buffer is part of the total");
    // A client that ran a command holds nothing more, in a buffer of one read.
    s.send(2, &encode(&["PING"]));
    let f = fields(&s.list_by(1), 2);
    assert_eq!(
        (num(&f, "qbuf"), num(&f, "qbuf-free"), num(&f, "argv-mem")),
        (0, 16 * 1024, 0)
    );
    // One that never sent anything has no buffer at all.
    let f = fields(&s.list_by(1), 3);
    assert_eq!((num(&f, "qbuf"), num(&f, "qbuf-free")), (0, 0));
}

#[test]
fn a_command_still_arriving_shows_its_bytes_and_arguments() {
    let mut s = Setup::new();
    assert_eq!(s.send(2, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nab"), "");
    let f = fields(&s.list_by(1), 2);
    assert_eq!((num(&f, "qbuf"), num(&f, "argv-mem")), (2, 4));
}

#[test]
fn queued_and_blocked_commands_count_their_arguments() {
    let mut s = Setup::new();
    s.send(2, &encode(&["MULTI"]));
    s.send(2, &encode(&["SET", "k", "v"]));
    s.send(2, &encode(&["GET", "k"]));
    // Redis' argv_len_sums: the argument bytes and a pointer per argument of each command.
    let f = fields(&s.list_by(1), 2);
    assert_eq!(num(&f, "multi-mem"), (5 + 3 * 8) + (4 + 2 * 8));
    assert_eq!(f["multi"], "2");
    s.send(3, &encode(&["BLPOP", "list", "0"]));
    let f = fields(&s.list_by(1), 3);
    assert_eq!((f["flags"].as_str(), num(&f, "argv-mem")), ("b", 10));
}

#[test]
fn unsent_output_fills_the_reply_buffer_then_blocks() {
    let mut s = Setup::new();
    s.h.event(
        2,
        Event::Backlog {
            client: 2,
            bytes: 40_000,
        },
    );
    let f = fields(&s.list_by(1), 2);
    assert_eq!(
        (num(&f, "obl"), num(&f, "oll"), num(&f, "omem")),
        (16_384, 2, 40_000 - 16_384)
    );
}

#[test]
fn the_cron_gives_back_idle_and_oversized_query_buffers() {
    let mut s = Setup::new();
    s.send(2, &encode(&["PING"]));
    s.wait(2);
    assert!(
        !s.h.other
            .iter()
            .any(|o| matches!(o, Output::ShrinkQueryBuffer { client: 2, .. })),
        "not idle long enough"
    );
    s.wait(2);
    assert!(s
        .h
        .other
        .contains(&Output::ShrinkQueryBuffer { client: 2, capacity: 0 }));
    let f = fields(&s.list_by(1), 2);
    assert_eq!((num(&f, "qbuf"), num(&f, "qbuf-free")), (0, 0));
    assert!(num(&f, "idle") >= 3, "giving the buffer back is no interaction");

    // A busy client whose buffer grew for a big argument keeps what its recent reads needed.
    let usage = QueryBufferUsage {
        while_running: 40,
        capacity: 400_002,
        ..QueryBufferUsage::default()
    };
    s.h.event(3, Event::QueryBuffer { client: 3, usage });
    s.wait(1);
    assert!(s.h.other.contains(&Output::ShrinkQueryBuffer {
        client: 3,
        capacity: 40
    }));
}
