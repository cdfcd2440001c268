//! The random numbers Lua's `math.random` gives: Redis replaces Lua's (libc's `rand()`) with its
//! own copy of the POSIX `lrand48` generator, so a script draws the same sequence on every
//! machine, and a master and its replicas agree. The state lives with the engine and carries
//! over from script to script, as Redis' does; `math.randomseed` restarts it.

/// `lrand48`: x' = (0x5DEECE66D * x + 0xB) mod 2^48, output the top 31 bits.
#[derive(Clone, Debug)]
pub(crate) struct Lrand48 {
    x: u64,
}

const A: u64 = 0x5_DEEC_E66D;
const C: u64 = 0xB;
const MASK: u64 = (1 << 48) - 1;
/// Redis' REDIS_LRAND48_MAX (INT32_MAX).
pub(crate) const MAX: i64 = i32::MAX as i64;

impl Default for Lrand48 {
    /// The generator's documented initial state (0x1234ABCD330E), which Redis starts from.
    fn default() -> Self {
        Lrand48 { x: 0x1234_ABCD_330E }
    }
}

impl Lrand48 {
    /// `srand48(seed)`: the high 32 bits of the state are the seed's low 32 bits.
    pub fn seed(&mut self, seed: i32) {
        self.x = (u64::from(seed as u32) << 16) | 0x330E;
    }

    /// The next value in 0..2^31.
    pub fn next(&mut self) -> i64 {
        self.x = (A.wrapping_mul(self.x).wrapping_add(C)) & MASK;
        (self.x >> 17) as i64
    }

    /// What Redis' `math.random()` draws: a number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() % MAX) as f64 / MAX as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From Redis' initial state (redis-server 7.0.15's first `math.random()` is
    /// 0.39646477363839 = 851401618 / INT32_MAX), and after srand48(1) as glibc's.
    #[test]
    fn matches_posix_lrand48() {
        let mut r = Lrand48::default();
        assert_eq!(r.next(), 851401618);
        assert_eq!(r.next(), 1804928587);
        let mut fresh = Lrand48::default();
        assert_eq!(format!("{:.14}", fresh.unit()), "0.39646477363839");
        r.seed(1);
        assert_eq!(r.next(), 89400484);
    }
}
