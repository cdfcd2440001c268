//! Virtual time. The simulator never sleeps: it jumps the clock to the next thing that can
//! happen (a packet arriving, a timer, the server's deadline), so idle time costs nothing and a
//! run is a pure function of its seed.

use ferrous_core::Now;

/// The two clocks the core reads: monotonic microseconds, which only move forward with virtual
/// time, and the wall clock, which follows them but can also be stepped (an NTP correction, an
/// operator setting the date) to test code that must not trust it.
#[derive(Clone, Debug)]
pub struct SimClock {
    mono_us: u64,
    /// Wall-clock microseconds minus monotonic microseconds; steps change it.
    wall_offset_us: i128,
}

impl SimClock {
    pub fn new(start_mono_us: u64, start_unix_ms: u64) -> SimClock {
        SimClock {
            mono_us: start_mono_us,
            wall_offset_us: i128::from(start_unix_ms) * 1000 - i128::from(start_mono_us),
        }
    }

    pub fn mono_us(&self) -> u64 {
        self.mono_us
    }

    /// What a node whose wall clock is off by `skew_ms` reads now (0 for a well-synced node).
    pub fn now_skewed(&self, skew_ms: i64) -> Now {
        let wall_us = i128::from(self.mono_us) + self.wall_offset_us + i128::from(skew_ms) * 1000;
        Now::new((wall_us.max(0) / 1000) as u64, self.mono_us)
    }

    pub fn now(&self) -> Now {
        self.now_skewed(0)
    }

    /// Moves virtual time forward to `mono_us`; the past is not reachable.
    pub fn advance_to(&mut self, mono_us: u64) {
        assert!(
            mono_us >= self.mono_us,
            "virtual time ran backwards: {} -> {mono_us}",
            self.mono_us
        );
        self.mono_us = mono_us;
    }

    /// Steps the wall clock by `delta_ms` (either way); the monotonic clock is unaffected.
    pub fn step_wall_ms(&mut self, delta_ms: i64) {
        self.wall_offset_us += i128::from(delta_ms) * 1000;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_follows_virtual_time_and_can_be_stepped() {
        let mut c = SimClock::new(1_000, 1_700_000_000_000);
        assert_eq!(c.now(), Now::new(1_700_000_000_000, 1_000));
        c.advance_to(1_501_000);
        assert_eq!(c.now(), Now::new(1_700_000_001_500, 1_501_000));
        c.step_wall_ms(-2_000);
        assert_eq!(c.now(), Now::new(1_699_999_999_500, 1_501_000));
        assert_eq!(c.now_skewed(250).unix_ms, 1_699_999_999_750);
    }
}
