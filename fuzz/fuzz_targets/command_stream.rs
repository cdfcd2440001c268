//! Arbitrary bytes from several clients, parsed and executed by the core, with ticks in
//! between: whatever the clients send (CONFIG SET, CLIENT KILL, SHUTDOWN, garbage), the core
//! must never panic.

#![no_main]

use ferrous_core::harness::Harness;
use ferrous_core::resp::RequestParser;
use ferrous_core::{Config, Event};
use libfuzzer_sys::fuzz_target;

const CLIENTS: u64 = 3;

fuzz_target!(|input: &[u8]| {
    let mut h = Harness::new(Config::from_text("requirepass pw\nmaxclients 3\n").unwrap_or_default());
    let mut parsers: Vec<RequestParser> = (0..CLIENTS).map(|_| RequestParser::new()).collect();
    for id in 0..CLIENTS {
        h.connect(id, id != 2);
        h.cmd(id, &["AUTH", "pw"]);
    }
    // Chunks: a control byte (client, action, length) followed by that many bytes.
    let mut rest = input;
    while let Some((&ctl, tail)) = rest.split_first() {
        let id = u64::from(ctl) % CLIENTS;
        let len = usize::from(ctl >> 3).min(tail.len());
        let (chunk, after) = tail.split_at(len);
        rest = after;
        match ctl & 0b100 {
            0 => {
                h.raw(id, &mut parsers[id as usize], chunk);
            }
            _ => {
                h.now.mono_us += u64::from(ctl) * 10_000;
                h.now.unix_ms += u64::from(ctl) * 10;
                h.event(id, Event::Tick);
            }
        }
    }
});
