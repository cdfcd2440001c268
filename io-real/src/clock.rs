//! The real clocks, read by the backend and handed to the core.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ferrous_core::Now;

pub struct RealClock {
    start: Instant,
}

impl RealClock {
    pub fn new() -> RealClock {
        RealClock { start: Instant::now() }
    }

    pub fn now(&self) -> Now {
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        // Offset by a second so that "mono 0" never appears as a real reading.
        let mono_us = self.start.elapsed().as_micros() as u64 + 1_000_000;
        Now { unix_ms, mono_us }
    }

    /// Milliseconds until the monotonic instant `deadline_us` (0 if passed).
    pub fn ms_until(&self, deadline_us: u64) -> i32 {
        let now = self.now().mono_us;
        (deadline_us.saturating_sub(now).div_ceil(1000)).min(i32::MAX as u64) as i32
    }
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock::new()
    }
}
