//! The request parser on arbitrary bytes cut at arbitrary points: it must never panic, and
//! every cut must yield exactly what parsing the whole buffer at once yields.

#![no_main]

use ferrous_core::resp::{Args, ParseLimits, ProtocolError, RequestParser};
use libfuzzer_sys::fuzz_target;

fn parse_in_pieces(data: &[u8], cuts: &[usize], limits: &ParseLimits) -> (Vec<Args>, Option<ProtocolError>) {
    let mut p = RequestParser::new();
    let mut out = Vec::new();
    let mut last = 0;
    for &c in cuts.iter().chain(std::iter::once(&data.len())) {
        p.feed(&data[last..c]);
        last = c;
        if let Err(e) = p.parse_into(limits, &mut out) {
            return (out, Some(e));
        }
    }
    (out, None)
}

fuzz_target!(|input: &[u8]| {
    // The first byte picks the limits, the next four pick up to four cut points.
    let Some((&mode, rest)) = input.split_first() else { return };
    let limits = ParseLimits {
        max_bulk_len: if mode & 1 == 0 { 512 * 1024 * 1024 } else { 64 },
        max_query_buffer: if mode & 2 == 0 { 1 << 30 } else { 256 },
        auth_required: mode & 4 != 0,
    };
    let (head, data) = rest.split_at(rest.len().min(4));
    let mut cuts: Vec<usize> = head.iter().map(|&b| usize::from(b) % (data.len() + 1)).collect();
    cuts.sort_unstable();
    let whole = parse_in_pieces(data, &[], &limits);
    let pieces = parse_in_pieces(data, &cuts, &limits);
    // The query-buffer limit depends on how much arrived at once; every other outcome must not.
    if !matches!(pieces.1, Some(ProtocolError::QueryBufferLimit(_))) && !matches!(whole.1, Some(ProtocolError::QueryBufferLimit(_))) {
        assert_eq!(whole, pieces, "cuts {cuts:?} changed the parse");
    }
});
