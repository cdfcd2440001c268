//! CRC-64 as Redis computes it (crc64.c): the "Jones" polynomial 0xad93d23594c935a9, reflected
//! input and output, initial value 0, no final xor. Check value: `crc64(0, b"123456789")` is
//! 0xe9c6d914c4b8d9ca. DUMP payloads and RDB files end with it, little-endian.
//!
//! Table-driven, eight bytes at a time ("slicing-by-8"); the tables are built at compile time.

/// The polynomial bit-reversed, for the reflected (LSB-first) form of the algorithm.
const POLY_REFLECTED: u64 = 0xad93d23594c935a9u64.reverse_bits();

const fn tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY_REFLECTED } else { c >> 1 };
            bit += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u64; 256]; 8] = tables();

/// Continues the CRC `crc` over `data` (start with 0). `crc64(crc64(0, a), b)` equals
/// `crc64(0, a ++ b)`, so a stream can be checksummed piece by piece.
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    let t = &TABLES;
    let mut crc = crc;
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = crc ^ u64::from_le_bytes(word);
        crc = t[7][(x & 0xff) as usize]
            ^ t[6][((x >> 8) & 0xff) as usize]
            ^ t[5][((x >> 16) & 0xff) as usize]
            ^ t[4][((x >> 24) & 0xff) as usize]
            ^ t[3][((x >> 32) & 0xff) as usize]
            ^ t[2][((x >> 40) & 0xff) as usize]
            ^ t[1][((x >> 48) & 0xff) as usize]
            ^ t[0][(x >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::crc64;
    use proptest::prelude::*;

    /// The bit-at-a-time definition, as in Redis' `_crc64` (pycrc-generated).
    fn bitwise(data: &[u8]) -> u64 {
        const POLY: u64 = 0xad93d23594c935a9;
        let mut crc: u64 = 0;
        for &c in data {
            let mut i: u8 = 1;
            while i != 0 {
                let mut bit = crc & 0x8000_0000_0000_0000 != 0;
                if c & i != 0 {
                    bit = !bit;
                }
                crc <<= 1;
                if bit {
                    crc ^= POLY;
                }
                i = i.wrapping_shl(1);
            }
        }
        crc.reverse_bits()
    }

    #[test]
    fn redis_check_values() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6d914c4b8d9ca);
        assert_eq!(bitwise(b"123456789"), 0xe9c6d914c4b8d9ca);
        // crc64.c's test: the Lorem ipsum text including its terminating NUL.
        let li = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\0";
        assert_eq!(crc64(0, li), 0xc7794709e69683b3);
        assert_eq!(crc64(0, b""), 0);
    }

    proptest! {
        #[test]
        fn sliced_equals_bitwise_and_streams(data in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
            prop_assert_eq!(crc64(0, &data), bitwise(&data));
            let cut = cut.min(data.len());
            prop_assert_eq!(crc64(crc64(0, &data[..cut]), &data[cut..]), crc64(0, &data));
        }
    }
}
