//! Redis-style log lines: `pid:M 22 Nov 2026 18:20:48.123 * text`, on stdout or `logfile`.

use std::fs::OpenOptions;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use ferrous_core::LogLevel;

use crate::shim::sync::{lock, AtomicU64, Mutex, Ordering};

pub struct Logger {
    file: Mutex<Option<std::fs::File>>,
    pid: u32,
    /// `loglevel`: lines below it are dropped (the core filters its own; this covers the
    /// I/O threads', such as "Accepted", which Redis logs at verbose).
    min_level: AtomicU64,
}

impl Logger {
    /// Logs to `path`, or stdout when it is empty.
    pub fn open(path: &str) -> std::io::Result<Logger> {
        let file = if path.is_empty() {
            None
        } else {
            Some(OpenOptions::new().create(true).append(true).open(path)?)
        };
        Ok(Logger {
            file: Mutex::new(file),
            pid: std::process::id(),
            min_level: AtomicU64::new(LogLevel::Notice as u64),
        })
    }

    /// The configured `loglevel` (at start and after CONFIG SET).
    pub fn set_level(&self, level: LogLevel) {
        self.min_level.store(level as u64, Ordering::Relaxed);
    }

    /// Text as it is, without the line prefix (the start-up logo, as Redis' LL_RAW).
    pub fn raw(&self, text: &str) {
        self.write(text);
    }

    pub fn log(&self, level: LogLevel, text: &str) {
        if (level as u64) < self.min_level.load(Ordering::Relaxed) {
            return;
        }
        let mark = match level {
            LogLevel::Debug => '.',
            LogLevel::Verbose => '-',
            LogLevel::Notice => '*',
            LogLevel::Warning => '#',
        };
        self.write(&format!("{}:M {} {} {}\n", self.pid, timestamp(), mark, text));
    }

    fn write(&self, line: &str) {
        let mut f = lock(&self.file);
        match f.as_mut() {
            Some(file) => {
                let _ = file.write_all(line.as_bytes());
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(line.as_bytes());
                let _ = out.flush();
            }
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `22 Nov 2026 18:20:48.123` in UTC.
fn timestamp() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86400) as i64);
    let s = secs % 86400;
    format!(
        "{day:02} {} {y} {:02}:{:02}:{:02}.{:03}",
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's method).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn converts_days_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
