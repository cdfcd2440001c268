//! Redis' LFU access counters (evict.c), kept in an object's 24-bit `lru` field under an LFU
//! `maxmemory-policy`: the high 16 bits are the minute of the last decrement, the low 8 bits a
//! logarithmic access counter that starts at 5, grows with probability
//! 1 / ((counter - 5) * lfu-log-factor + 1) and loses one per lfu-decay-time minutes idle.

use crate::server::Server;

/// A new object's counter, so that it is not evicted before it had a chance to be used.
pub const INIT_VAL: u32 = 5;

/// Wall-clock minutes, 16 bits, wrapping (LFUGetTimeInMinutes).
pub fn minutes(unix_ms: u64) -> u32 {
    ((unix_ms / 60_000) & 0xffff) as u32
}

/// The `lru` field of an object with `counter`, stamped at minute `now_min`.
pub fn stamp(now_min: u32, counter: u32) -> u32 {
    (now_min << 8) | (counter & 0xff)
}

/// Minutes since `ldt`, across the 16-bit wrap (LFUTimeElapsed).
fn elapsed(now_min: u32, ldt: u32) -> u32 {
    if now_min >= ldt {
        now_min - ldt
    } else {
        65535 - ldt + now_min
    }
}

/// The counter after the decay owed since its last stamp (LFUDecrAndReturn).
pub fn decayed(lru: u32, now_min: u32, decay_time: i64) -> u32 {
    let (ldt, counter) = (lru >> 8, lru & 0xff);
    let periods = if decay_time > 0 {
        elapsed(now_min, ldt) / decay_time as u32
    } else {
        0
    };
    counter.saturating_sub(periods)
}

/// One access (LFULogIncr): `r` is a uniform draw in [0, 1).
pub fn log_incr(counter: u32, log_factor: i64, r: f64) -> u32 {
    if counter == 255 {
        return 255;
    }
    let base = counter.saturating_sub(INIT_VAL) as f64;
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

impl Server {
    /// Whether maxmemory-policy tracks access frequency rather than recency.
    pub(crate) fn lfu_policy(&self) -> bool {
        self.cfg.maxmemory_policy_is_lfu()
    }

    /// An access to `key` under an LFU policy (updateLFU): decay, then a logarithmic bump.
    pub(crate) fn lfu_touch(&mut self, db: usize, key: &[u8]) {
        let now = minutes(self.clock.unix_ms());
        let (decay, factor) = (self.cfg.lfu_decay_time, self.cfg.lfu_log_factor);
        let r = rand_core::RngCore::next_u32(&mut self.rng) as f64 / (u32::MAX as f64 + 1.0);
        if let Some(lru) = self.dbs[db].lru_of(key) {
            let counter = log_incr(decayed(lru, now, decay), factor, r);
            self.dbs[db].set_lru(key, stamp(now, counter));
        }
    }
}

/// Redis' objectSetLRUOrLFU (RESTORE IDLETIME/FREQ, the IDLE/FREQ opcodes of a file): the
/// access field to store, if any. Under an LFU policy a given frequency becomes the counter;
/// under the others a given idle time sets the access time that many seconds back on the
/// wrapping LRU clock.
pub fn access_field(lfu: bool, unix_ms: u64, lru_clock: u32, idle_secs: Option<i64>, freq: Option<i64>) -> Option<u32> {
    if lfu {
        return freq.map(|f| stamp(minutes(unix_ms), f as u32));
    }
    let idle = idle_secs?;
    // In C: idle*1000/LRU_CLOCK_RESOLUTION (wrapping), one correction for a negative result,
    // then the store into the 24-bit field truncates.
    let idle = idle.wrapping_mul(1000) / 1000;
    let mut lru = i64::from(lru_clock).wrapping_sub(idle);
    if lru < 0 {
        lru += i64::from(crate::db::LRU_CLOCK_MAX);
    }
    Some((lru as u64 & u64::from(crate::db::LRU_CLOCK_MAX)) as u32)
}

impl Server {
    pub(crate) fn set_access(&mut self, db: usize, key: &[u8], idle_secs: Option<i64>, freq: Option<i64>) {
        let (lfu, now) = (self.lfu_policy(), self.clock.unix_ms());
        let store = &mut self.dbs[db];
        if let Some(lru) = access_field(lfu, now, store.lru_clock, idle_secs, freq) {
            store.set_lru(key, lru);
        }
    }

    /// What a saved file records of each key's access field (per the policy).
    pub(crate) fn access_to_save(&self) -> crate::rdb::file::Access {
        use crate::rdb::file::Access;
        if self.lfu_policy() {
            Access::Freq {
                now_min: minutes(self.clock.unix_ms()),
                decay_time: self.cfg.lfu_decay_time,
            }
        } else if self.cfg.maxmemory_policy_is_lru() {
            Access::Idle {
                lru_clock: self.dbs.first().map_or(0, |d| d.lru_clock),
            }
        } else {
            Access::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_decay_per_period_and_grow_ever_more_slowly() {
        assert_eq!(decayed(stamp(100, 10), 103, 1), 7);
        assert_eq!(decayed(stamp(100, 10), 103, 2), 9);
        assert_eq!(decayed(stamp(100, 2), 200, 1), 0);
        assert_eq!(decayed(stamp(65530, 10), 2, 1), 3);
        assert_eq!(decayed(stamp(100, 10), 200, 0), 10);
        assert_eq!(log_incr(5, 10, 0.99), 6);
        assert_eq!(log_incr(15, 10, 0.5), 15);
        assert_eq!(log_incr(15, 10, 0.005), 16);
        assert_eq!(log_incr(255, 0, 0.0), 255);
    }
}

#[cfg(test)]
mod policy_tests {
    use crate::config::Config;
    use crate::harness::Harness;
    use crate::server::Event;

    fn send(h: &mut Harness, args: Vec<Vec<u8>>) -> Vec<u8> {
        h.event(
            1,
            Event::Commands {
                client: 1,
                cmds: vec![args],
            },
        )
    }

    #[test]
    fn object_freq_and_idletime_follow_the_maxmemory_policy() {
        let mut cfg = Config::default();
        cfg.enable_debug_command = 1;
        let mut h = Harness::new(cfg);
        h.connect(1, true);
        h.cmd(1, &["SET", "k", "v"]);
        assert!(h
            .cmd(1, &["OBJECT", "FREQ", "k"])
            .starts_with("-ERR An LFU maxmemory policy is not selected"));
        assert_eq!(h.cmd(1, &["OBJECT", "IDLETIME", "k"]), ":0\r\n");
        assert_eq!(
            h.cmd(1, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]),
            "+OK\r\n"
        );
        // A new value starts at LFU_INIT_VAL; the first access always counts (p = 1).
        h.cmd(1, &["SET", "n", "v"]);
        assert_eq!(h.cmd(1, &["OBJECT", "FREQ", "n"]), ":5\r\n");
        h.cmd(1, &["GET", "n"]);
        assert_eq!(h.cmd(1, &["OBJECT", "FREQ", "n"]), ":6\r\n");
        assert!(h
            .cmd(1, &["OBJECT", "IDLETIME", "n"])
            .starts_with("-ERR An LFU maxmemory policy is selected"));

        let dump = send(&mut h, vec![b"DUMP".to_vec(), b"n".to_vec()]);
        let start = dump.iter().position(|&b| b == b'\n').unwrap() + 1;
        let payload = dump[start..dump.len() - 2].to_vec();
        let restore = vec![
            b"RESTORE".to_vec(),
            b"r".to_vec(),
            b"0".to_vec(),
            payload,
            b"FREQ".to_vec(),
            b"100".to_vec(),
        ];
        assert_eq!(send(&mut h, restore), b"+OK\r\n");
        assert_eq!(h.cmd(1, &["OBJECT", "FREQ", "r"]), ":100\r\n");
        // The counter is saved (FREQ opcode) and loaded back.
        assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
        assert_eq!(h.cmd(1, &["OBJECT", "FREQ", "r"]), ":100\r\n");
    }
}
