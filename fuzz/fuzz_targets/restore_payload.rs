//! RESTORE payloads from arbitrary bytes: as sent (almost always refused by the footer check)
//! and re-sealed with a valid footer, so the RDB decoder sees every kind of broken body. The
//! decoder and RESTORE must never panic; whatever loads must DUMP to a payload that restores
//! to the same value.

#![no_main]

use ferrous_core::harness::Harness;
use ferrous_core::rdb::dump::{dump, load, seal, verify};
use ferrous_core::{Config, Event};
use libfuzzer_sys::fuzz_target;

fn call(h: &mut Harness, args: &[&[u8]]) -> Vec<u8> {
    let cmds = vec![args.iter().map(|a| a.to_vec()).collect()];
    h.event(1, Event::Commands { client: 1, cmds })
}

fuzz_target!(|input: &[u8]| {
    // The codec alone.
    let _ = verify(input);
    let mut sealed = input.to_vec();
    seal(&mut sealed, 10);
    assert!(verify(&sealed).is_ok());
    if let Ok(value) = load(&sealed) {
        for compression in [true, false] {
            let again = dump(&value, compression);
            assert!(verify(&again).is_ok());
            assert_eq!(load(&again).as_ref(), Ok(&value));
        }
    }

    // Through the server: RESTORE, then DUMP what loaded and RESTORE that elsewhere.
    let mut h = Harness::new(Config::default());
    h.connect(1, true);
    call(&mut h, &[b"RESTORE", b"raw", b"0", input]);
    let reply = call(&mut h, &[b"RESTORE", b"k", b"0", &sealed, b"REPLACE"]);
    if reply == b"+OK\r\n" {
        let dumped = call(&mut h, &[b"DUMP", b"k"]);
        let start = dumped.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
        let payload = &dumped[start..dumped.len().saturating_sub(2)];
        assert_eq!(call(&mut h, &[b"RESTORE", b"k2", b"0", payload]), b"+OK\r\n");
        assert_eq!(call(&mut h, &[b"GET", b"k"]), call(&mut h, &[b"GET", b"k2"]));
    } else {
        assert_eq!(reply, b"-ERR Bad data format\r\n");
    }
});
