//! RDB files from arbitrary bytes: as given (almost always refused at the magic or the
//! checksum), and as the body of a version-10 file sealed with a valid checksum, so the loader
//! sees every kind of broken opcode, length and object, the old ziplist and zipmap encodings
//! included. The loader must never panic; every value it accepts must survive DUMP and
//! RESTORE's decoder unchanged.

#![no_main]

use ferrous_core::rdb::dump::{dump, load};
use ferrous_core::rdb::file::{self, LoadedKey};
use ferrous_core::rdb::LoadOptions;
use libfuzzer_sys::fuzz_target;

fn load_file(bytes: &[u8]) {
    let mut values = Vec::new();
    let _ = file::load(bytes, LoadOptions::default(), 16, |k: LoadedKey| values.push(k.value));
    for value in values {
        assert_eq!(load(&dump(&value, true)).as_ref(), Ok(&value));
    }
}

fuzz_target!(|input: &[u8]| {
    load_file(input);
    let mut body = b"REDIS0010".to_vec();
    body.extend_from_slice(input);
    load_file(&file::finish(body, true));
});
