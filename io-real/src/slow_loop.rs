//! `FERROUS_SLOW_LOOP_US=N` in the environment: every event-loop iteration of an I/O thread
//! that takes more than N µs of wall time is logged with the CPU time the thread spent in it.
//! Wall time far above CPU time means the thread was waiting for a CPU, not working: this is
//! how `benches/persistence.py` tells the server's own stalls from the machine's.

use std::time::Instant;

/// The environment variable that turns the report on.
const VAR: &str = "FERROUS_SLOW_LOOP_US";

/// The threshold in µs, if the report is on.
pub fn threshold_from_env() -> Option<u64> {
    std::env::var(VAR).ok()?.parse().ok()
}

/// One iteration being timed, reported if it takes longer than `threshold_us`.
pub struct Timing {
    threshold_us: u64,
    wall: Instant,
    cpu_ns: u64,
}

impl Timing {
    pub fn start(threshold_us: u64) -> Timing {
        Timing {
            threshold_us,
            wall: Instant::now(),
            cpu_ns: thread_cpu_ns(),
        }
    }

    /// The log line for this iteration if it took longer than the threshold.
    pub fn report(&self, events: usize) -> Option<String> {
        let wall_us = self.wall.elapsed().as_micros() as u64;
        if wall_us <= self.threshold_us {
            return None;
        }
        let cpu_us = thread_cpu_ns().saturating_sub(self.cpu_ns) / 1000;
        Some(format!(
            "Slow event loop iteration: {wall_us} us wall, {cpu_us} us CPU, {events} events"
        ))
    }
}

/// CPU time the calling thread has used (std has no API for it).
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a live timespec the call writes into; the clock id is a constant Linux
    // always has. On failure `ts` stays zero and the report shows no CPU time.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::Timing;

    #[test]
    fn a_busy_iteration_is_reported_with_its_cpu_time_and_a_quick_one_is_not() {
        let t = Timing::start(1000);
        assert_eq!(Timing::start(1_000_000).report(0), None);
        let mut x = 0u64;
        let begun = std::time::Instant::now();
        while begun.elapsed().as_millis() < 5 {
            x = x.wrapping_mul(31).wrapping_add(1);
        }
        std::hint::black_box(x);
        let line = t.report(3).expect("5 ms is over 1 ms");
        assert!(line.starts_with("Slow event loop iteration: "), "{line}");
        assert!(line.ends_with(" events") && line.contains(", 3 events"), "{line}");
        // Spinning is CPU time: at least a few ms of it (the thread may be descheduled too).
        let cpu: u64 = line
            .split(", ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(cpu >= 1000, "{line}");
    }
}
