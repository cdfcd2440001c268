//! Time as an input. Every call into the core carries a [`Now`]; the core never reads a clock.

/// The two clocks the backend (or the simulator) hands to the core with every event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Now {
    /// Wall-clock time, unix milliseconds: expiry and `TIME` use it. It may jump either way.
    pub unix_ms: u64,
    /// Monotonic microseconds: timeouts, idle times and latencies use it.
    pub mono_us: u64,
}

impl Now {
    pub fn new(unix_ms: u64, mono_us: u64) -> Now {
        Now { unix_ms, mono_us }
    }
}

/// The core's view of time: the monotonic clock is clamped so that it never runs backwards even
/// if a backend hands in an older reading; the wall clock is taken as given, as Redis does.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    now: Now,
    /// Microseconds to add to the wall clock for sub-millisecond `TIME` replies.
    start_mono_us: u64,
}

impl Clock {
    pub fn new(now: Now) -> Clock {
        Clock {
            now,
            start_mono_us: now.mono_us,
        }
    }

    /// Advances to `now`, clamping the monotonic part.
    pub fn update(&mut self, now: Now) {
        self.now.unix_ms = now.unix_ms;
        self.now.mono_us = self.now.mono_us.max(now.mono_us);
    }

    pub fn now(&self) -> Now {
        self.now
    }

    pub fn unix_ms(&self) -> u64 {
        self.now.unix_ms
    }

    pub fn mono_us(&self) -> u64 {
        self.now.mono_us
    }

    /// Microseconds since the server started, by the monotonic clock.
    pub fn uptime_us(&self) -> u64 {
        self.now.mono_us - self.start_mono_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_clock_never_runs_backwards_but_wall_clock_may() {
        let mut c = Clock::new(Now::new(1_000, 500));
        c.update(Now::new(900, 400));
        assert_eq!(c.mono_us(), 500);
        assert_eq!(c.unix_ms(), 900);
        c.update(Now::new(2_000, 700));
        assert_eq!(c.now(), Now::new(2_000, 700));
        assert_eq!(c.uptime_us(), 200);
    }
}
