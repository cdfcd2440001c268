//! LZF, the compression RDB strings use (liblzf 3.6 as bundled with Redis), written here.
//!
//! The format is a sequence of chunks, each starting with a control byte `c`:
//! - `c < 32`: a literal run of `c + 1` bytes follows;
//! - otherwise a back reference: length `c >> 5` (7 means "7 plus the next byte"), then one
//!   more byte of offset; it copies `length + 2` bytes starting `((c & 0x1f) << 8) + byte + 1`
//!   bytes back in the output (the areas may overlap).
//!
//! The compressor reproduces liblzf's choices exactly as Redis builds it (`HLOG` 16,
//! `VERY_FAST`, a 4-byte rolling hash, no match against offset 0 of the input), so that a DUMP
//! made here is byte-identical to Redis' for the same value. It assumes an empty hash table at
//! the start of every call. The decompressor checks every reference and never reads or writes
//! out of bounds, whatever its input.

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// Positions are stored with a generation tag in the top bits so the table never needs
/// clearing between calls.
const POS_BITS: u32 = 40;
const POS_MASK: u64 = (1 << POS_BITS) - 1;

/// An LZF compressor. Its 64K-entry hash table is allocated once and reused by every call,
/// which matters when many strings are compressed in a row (an RDB save).
pub struct Compressor {
    table: Vec<u64>,
    generation: u64,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor::new()
    }
}

impl Compressor {
    pub fn new() -> Compressor {
        Compressor {
            table: vec![0; HSIZE],
            generation: 0,
        }
    }

    fn start(&mut self) {
        self.generation += 1;
        if self.generation >= 1 << (64 - POS_BITS) {
            self.table.iter_mut().for_each(|e| *e = 0);
            self.generation = 1;
        }
    }

    fn get(&self, slot: usize) -> Option<usize> {
        let e = self.table[slot];
        (e >> POS_BITS == self.generation).then_some((e & POS_MASK) as usize)
    }

    fn set(&mut self, slot: usize, pos: usize) {
        self.table[slot] = self.generation << POS_BITS | pos as u64;
    }

    /// Compresses `input` into at most `max_out` bytes, as liblzf's `lzf_compress(in, in_len,
    /// out, max_out)`: `None` where that returns 0 (empty input, no room, or incompressible).
    pub fn compress(&mut self, input: &[u8], max_out: usize) -> Option<Vec<u8>> {
        let in_end = input.len();
        if in_end == 0 || max_out == 0 || in_end as u64 > POS_MASK {
            return None;
        }
        self.start();
        let at = |i: usize| input.get(i).copied().map_or(0, u32::from);
        let frst = |i: usize| at(i) << 8 | at(i + 1);
        let next = |v: u32, i: usize| v << 8 | at(i + 2);
        let idx = |h: u32| ((h >> (24 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1);

        let out_end = max_out;
        // Like Redis' buffer of outlen + 1 bytes; the checks below keep writes under out_end.
        let mut out = vec![0u8; max_out + 1];
        let mut ip = 0usize;
        let mut op = 1usize; // out[0] is the first literal run's header
        let mut lit = 0usize;
        let mut hval = frst(ip);

        while ip + 2 < in_end {
            hval = next(hval, ip);
            let slot = idx(hval);
            let candidate = self.get(slot);
            self.set(slot, ip);
            let matched = candidate.filter(|&r| {
                r < ip
                    && ip - r - 1 < MAX_OFF
                    && r > 0
                    && input[r + 2] == input[ip + 2]
                    && input[r] == input[ip]
                    && input[r + 1] == input[ip + 1]
            });
            if let Some(r) = matched {
                let off = ip - r - 1;
                let mut len = 2usize;
                let maxlen = (in_end - ip - len).min(MAX_REF);
                let undo = usize::from(lit == 0);
                if op + 3 + 1 >= out_end && op - undo + 3 + 1 >= out_end {
                    return None;
                }
                out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop run
                op -= undo; // undo run if length is zero

                // liblzf first compares up to 16 bytes unconditionally when there is room for
                // more than 16, then byte by byte up to maxlen.
                let mut mismatch = false;
                if maxlen > 16 {
                    for _ in 0..16 {
                        len += 1;
                        if input[r + len] != input[ip + len] {
                            mismatch = true;
                            break;
                        }
                    }
                }
                if !mismatch {
                    loop {
                        len += 1;
                        if !(len < maxlen && input[r + len] == input[ip + len]) {
                            break;
                        }
                    }
                }

                len -= 2; // #octets - 2
                ip += 1;
                if len < 7 {
                    out[op] = ((off >> 8) + (len << 5)) as u8;
                    op += 1;
                } else {
                    out[op] = ((off >> 8) + (7 << 5)) as u8;
                    out[op + 1] = (len - 7) as u8;
                    op += 2;
                }
                out[op] = off as u8;
                op += 1;
                lit = 0;
                op += 1; // start run

                ip += len + 1;
                if ip + 2 >= in_end {
                    break;
                }
                // VERY_FAST: hash the two positions before the new ip.
                ip -= 2;
                hval = frst(ip);
                hval = next(hval, ip);
                self.set(idx(hval), ip);
                ip += 1;
                hval = next(hval, ip);
                self.set(idx(hval), ip);
                ip += 1;
            } else {
                if op >= out_end {
                    return None;
                }
                lit += 1;
                out[op] = input[ip];
                op += 1;
                ip += 1;
                if lit == MAX_LIT {
                    out[op - lit - 1] = (lit - 1) as u8;
                    lit = 0;
                    op += 1;
                }
            }
        }

        if op + 3 > out_end {
            return None;
        }
        while ip < in_end {
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
        out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end run
        op -= usize::from(lit == 0);
        out.truncate(op);
        Some(out)
    }
}

/// One-shot [`Compressor::compress`].
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    Compressor::new().compress(input, max_out)
}

/// Why decompression stopped: liblzf's `E2BIG` and `EINVAL`, with the input offset of the
/// control byte at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LzfError {
    /// The output would exceed the expected length.
    OutputTooLong { at: usize },
    /// A literal run or back reference runs past the end of the input.
    TruncatedInput { at: usize },
    /// A back reference points before the start of the output.
    BadReference { at: usize },
}

impl std::fmt::Display for LzfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LzfError::OutputTooLong { at } => write!(f, "LZF data at byte {at} expands past the stated length"),
            LzfError::TruncatedInput { at } => write!(f, "LZF data truncated in the chunk at byte {at}"),
            LzfError::BadReference { at } => write!(f, "LZF back reference at byte {at} points before the output"),
        }
    }
}

/// Decompresses `input`, producing at most `max_out` bytes, with liblzf's checks in liblzf's
/// order. The output grows only as data is produced, so a huge stated length costs nothing.
pub fn decompress(input: &[u8], max_out: usize) -> Result<Vec<u8>, LzfError> {
    let mut out: Vec<u8> = Vec::with_capacity(max_out.min(input.len().saturating_mul(4)));
    let mut ip = 0usize;
    while ip < input.len() {
        let at = ip;
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 1 << 5 {
            let n = ctrl + 1;
            if out.len() + n > max_out {
                return Err(LzfError::OutputTooLong { at });
            }
            let Some(run) = input.get(ip..ip + n) else {
                return Err(LzfError::TruncatedInput { at });
            };
            out.extend_from_slice(run);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            let back = (ctrl & 0x1f) << 8;
            if ip >= input.len() {
                return Err(LzfError::TruncatedInput { at });
            }
            if len == 7 {
                len += usize::from(input[ip]);
                ip += 1;
                if ip >= input.len() {
                    return Err(LzfError::TruncatedInput { at });
                }
            }
            let back = back + usize::from(input[ip]) + 1;
            ip += 1;
            if out.len() + len + 2 > max_out {
                return Err(LzfError::OutputTooLong { at });
            }
            let Some(start) = out.len().checked_sub(back) else {
                return Err(LzfError::BadReference { at });
            };
            // Byte by byte: the source may overlap what is being written (run-length style).
            for i in start..start + len + 2 {
                let b = out[i];
                out.push(b);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_redis_encodings() {
        // 51 × 'a' as Redis 7.0.15 DUMPs it: 2 literals, one back reference of 47, 2 literals.
        let a51 = vec![b'a'; 51];
        assert_eq!(
            compress(&a51, 47).unwrap(),
            [0x01, b'a', b'a', 0xe0, 0x26, 0x00, 0x01, b'a', b'a']
        );
        assert_eq!(
            decompress(&[0x01, b'a', b'a', 0xe0, 0x26, 0x00, 0x01, b'a', b'a'], 51).unwrap(),
            a51
        );
    }

    #[test]
    fn no_room_and_empty_input() {
        assert_eq!(compress(b"", 10), None);
        assert_eq!(compress(b"abc", 0), None);
        // Incompressible bytes need more room than the input.
        let noise: Vec<u8> = (0..64u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(compress(&noise, noise.len() - 4), None);
        let c = compress(&noise, noise.len() + 8).unwrap();
        assert_eq!(decompress(&c, noise.len()).unwrap(), noise);
    }

    #[test]
    fn decompress_refuses_bad_input() {
        assert_eq!(decompress(&[0x02, b'a'], 10), Err(LzfError::TruncatedInput { at: 0 }));
        assert_eq!(
            decompress(&[0x02, b'a', b'b', b'c'], 2),
            Err(LzfError::OutputTooLong { at: 0 })
        );
        assert_eq!(decompress(&[0x20], 10), Err(LzfError::TruncatedInput { at: 0 }));
        assert_eq!(decompress(&[0xe0, 0x01], 300), Err(LzfError::TruncatedInput { at: 0 }));
        assert_eq!(decompress(&[0x20, 0x00], 10), Err(LzfError::BadReference { at: 0 }));
        assert_eq!(
            decompress(&[0x00, b'x', 0x20, 0x01], 10),
            Err(LzfError::BadReference { at: 2 })
        );
        assert_eq!(
            decompress(&[0x00, b'x', 0x20, 0x00], 3),
            Err(LzfError::OutputTooLong { at: 2 })
        );
        assert_eq!(decompress(&[0x00, b'x', 0x20, 0x00], 4), Ok(b"xxxx".to_vec()));
        assert_eq!(decompress(&[], 4), Ok(Vec::new()));
    }

    fn compressible() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..600),
            proptest::collection::vec(0u8..4, 0..3000),
            (proptest::collection::vec(any::<u8>(), 1..40), 1usize..200).prop_map(|(unit, n)| unit
                .iter()
                .copied()
                .cycle()
                .take(unit.len() * n)
                .collect()),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(data in compressible(), slack in 0usize..64) {
            let room = (data.len() + slack).saturating_sub(32);
            let mut c = Compressor::new();
            if let Some(z) = c.compress(&data, room) {
                prop_assert!(z.len() <= room);
                prop_assert_eq!(decompress(&z, data.len()).unwrap(), data.clone());
                // The table is reused: the same input compresses the same way again.
                prop_assert_eq!(c.compress(&data, room), Some(z));
            }
        }

        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300), max in 0usize..2000) {
            if let Ok(out) = decompress(&data, max) {
                prop_assert!(out.len() <= max);
            }
        }
    }
}
