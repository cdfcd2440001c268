//! The simulator's only source of randomness. Every draw comes from ChaCha8 seeded by the run's
//! seed; each component takes its own stream so that drawing more numbers in one place (a new
//! workload feature, say) does not reshuffle the choices of another (the network's latencies).

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Stream numbers of the components that draw from the seed. New components take new numbers;
/// existing numbers never change meaning, so old seeds keep replaying their old runs.
pub mod streams {
    pub const NETWORK: u64 = 1;
    pub const SERVER: u64 = 2;
    pub const WORKLOAD: u64 = 3;
    pub const CLOCK: u64 = 4;
    /// A node's disk: its faults, and what a crash keeps.
    pub const DISK: u64 = 5;
    /// The seeds of servers a node restarts.
    pub const RESTART: u64 = 6;
    /// Crash scenarios: when to crash, what the writers write.
    pub const CRASH: u64 = 7;
    /// Replication scenarios: the set-up, the writes, the faults.
    pub const REPL: u64 = 8;
}

#[derive(Clone, Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// The generator of `stream` for `seed`.
    pub fn new(seed: u64, stream: u64) -> SimRng {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        SimRng { inner }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in `0..n` (`n > 0`), by the multiply-shift method: no modulo bias worth the name
    /// for the small ranges the simulator uses, and one draw per call keeps runs easy to reason
    /// about.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0)");
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "between({lo}, {hi})");
        if hi - lo == u64::MAX {
            return self.next_u64();
        }
        lo + self.below(hi - lo + 1)
    }

    /// Uniform index into a collection of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `p`. Uses 53 bits, compared as IEEE doubles: identical on every
    /// platform.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64) < p * (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index chosen with probability proportional to its weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        unreachable!("r < total")
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.inner.fill_bytes(&mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_stream_give_the_same_numbers() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = SimRng::new(7, 1);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = SimRng::new(7, 1);
        assert_eq!(a, (0..5).map(|_| r.next_u64()).collect::<Vec<_>>());
        let mut other = SimRng::new(7, 2);
        assert_ne!(a[0], other.next_u64());
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut r = SimRng::new(1, 1);
        for _ in 0..1000 {
            assert!(r.below(3) < 3);
            let x = r.between(5, 9);
            assert!((5..=9).contains(&x));
            assert!(r.weighted(&[0, 4, 0]) == 1);
        }
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
    }
}
