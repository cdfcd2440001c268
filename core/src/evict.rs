//! `maxmemory` (Redis' evict.c): before a command that may grow memory runs, memory above the
//! limit is freed by evicting keys the policy picks; under `noeviction`, or when nothing is
//! left to evict, the command is refused with OOM. Used memory comes from the allocator probe
//! the driver gives (none in the simulator: nothing is ever over the limit there).

use crate::server::Server;

/// Evictions one call may make before giving up for now (Redis bounds its loop by time).
const MAX_EVICTIONS_PER_CALL: usize = 10_000;
/// Asking the allocator costs more than a command: its answer is reused within one event until
/// this many bytes of commands have come in since.
const PROBE_EVERY_INPUT_BYTES: u64 = 64 * 1024;

/// What a policy ranks keys by; the highest score is evicted first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rank {
    Lru,
    Lfu,
    Ttl,
    Random,
}

impl Server {
    /// Redis' performEvictions: `false` if memory stays above `maxmemory` (then commands
    /// flagged denyoom are refused).
    pub(crate) fn perform_evictions(&mut self) -> bool {
        let limit = self.cfg.maxmemory as u64;
        let Some(probe) = self.env.memory_probe else {
            return true;
        };
        // replica-ignore-maxmemory: a replica's dataset is its master's to limit.
        if limit == 0 || (self.is_replica() && self.cfg.replica_ignore_maxmemory) {
            return true;
        }
        // Paused clients see a still dataset: nothing is evicted (denyoom commands fail).
        if self.clients_paused() && self.used_memory(probe) > limit {
            return false;
        }
        let mut used = self.used_memory(probe);
        if used <= limit {
            return true;
        }
        let policy = self.cfg.maxmemory_policy_name();
        if policy == "noeviction" {
            return false;
        }
        let volatile = policy.starts_with("volatile-");
        let rank = match policy.rsplit('-').next() {
            Some("lru") => Rank::Lru,
            Some("lfu") => Rank::Lfu,
            Some("ttl") => Rank::Ttl,
            _ => Rank::Random,
        };
        for _ in 0..MAX_EVICTIONS_PER_CALL {
            let Some((db, key)) = self.eviction_victim(volatile, rank) else {
                return false;
            };
            let freed = self.dbs[db]
                .get_obj(&key)
                .map_or(0, |o| crate::cmd::memory::key_bytes(&key, o, 5));
            self.dbs[db].remove(&key);
            self.stats.evicted_keys += 1;
            self.propagate_deletions(db, vec![key], (crate::notify::class::EVICTED, "evicted"));
            // The allocator may keep freed memory cached: count what the key held instead.
            used = used.saturating_sub(freed as u64);
            self.memory_seen = Some((used, self.stats.net_input_bytes));
            if used <= limit {
                return true;
            }
        }
        false
    }

    /// Memory in use: the allocator's count, or the one taken earlier in this event if little
    /// has come in since (see [`PROBE_EVERY_INPUT_BYTES`]).
    fn used_memory(&mut self, probe: fn() -> crate::MemoryStats) -> u64 {
        let input = self.stats.net_input_bytes;
        match self.memory_seen {
            Some((used, mark)) if input.saturating_sub(mark) < PROBE_EVERY_INPUT_BYTES => used,
            _ => {
                let used = probe().allocated;
                self.memory_seen = Some((used, input));
                used
            }
        }
    }

    /// The best of `maxmemory-samples` sampled keys per database for the policy.
    fn eviction_victim(&mut self, volatile: bool, rank: Rank) -> Option<(usize, Vec<u8>)> {
        let samples = self.cfg.maxmemory_samples.max(1) as usize;
        let now_ms = self.clock.unix_ms();
        let now_min = crate::lfu::minutes(now_ms);
        let decay = self.cfg.lfu_decay_time;
        let mut best: Option<(u64, usize, Vec<u8>)> = None;
        for db in 0..self.dbs.len() {
            for _ in 0..samples {
                let rng = &mut self.rng;
                let store = &self.dbs[db];
                let mut next = || rand_core::RngCore::next_u64(rng);
                let key = if volatile {
                    store.random_volatile_key(&mut next)
                } else {
                    store.random_key(&mut next)
                };
                let Some(key) = key else { break };
                let lru = store.lru_of(key).unwrap_or(0);
                let score = match rank {
                    Rank::Lru => u64::from(crate::db::idle_seconds(store.lru_clock, lru)),
                    Rank::Lfu => 255 - u64::from(crate::lfu::decayed(lru, now_min, decay)),
                    Rank::Ttl => u64::MAX - store.expire_at(key).unwrap_or(u64::MAX),
                    Rank::Random => 0,
                };
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, db, key.to_vec()));
                }
                if rank == Rank::Random {
                    break;
                }
            }
        }
        best.map(|(_, db, key)| (db, key))
    }
}
