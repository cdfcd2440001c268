//! Transactions as applications write them: optimistic locking (WATCH the keys, read them,
//! then MULTI ... EXEC writing them), plain MULTI ... EXEC batches, DISCARD, UNWATCH, and the
//! mistakes that doom a transaction (an unknown command or a wrong arity while queueing) or are
//! refused outright (nested MULTI, WATCH inside MULTI, EXEC or DISCARD without MULTI). A script
//! is sent in chunks with think time between them, so other clients' writes, expiry and
//! FLUSHDB land between WATCH and EXEC.

use ferrous_io_sim::SimRng;

use super::{cased, Args, Workload};

/// A transaction script: chunks of commands, each written at once.
pub type Script = Vec<Vec<Args>>;

impl Workload {
    pub fn transaction(&self, rng: &mut SimRng) -> Script {
        match rng.below(20) {
            0 => vec![vec![self.misplaced(rng)]],
            1..=9 => self.optimistic(rng),
            _ => self.batch(rng),
        }
    }

    /// WATCH, a read of what was watched, then a transaction that writes it.
    fn optimistic(&self, rng: &mut SimRng) -> Script {
        let keys = self.keys(rng);
        let mut script = vec![vec![[vec![cased(rng, "watch")], keys.clone()].concat()]];
        if rng.chance(0.7) {
            script.push(vec![[vec![cased(rng, "mget")], keys.clone()].concat()]);
        }
        if rng.chance(0.15) {
            // Its own write counts as a change too.
            let key = rng.pick(&keys).clone();
            script.push(vec![self.write_to(rng, key)]);
        }
        if rng.chance(0.05) {
            script.push(vec![vec![cased(rng, "unwatch")]]);
        }
        let mut body = Vec::new();
        for _ in 0..rng.between(1, 3) {
            let key = rng.pick(&keys).clone();
            body.push(self.write_to(rng, key));
        }
        for _ in 0..rng.below(3) {
            body.push(self.command(rng));
        }
        script.extend(self.multi_exec(rng, body));
        script
    }

    /// MULTI, a few commands of any kind, EXEC.
    fn batch(&self, rng: &mut SimRng) -> Script {
        let mut body = Vec::new();
        for _ in 0..rng.between(0, 5) {
            body.push(self.command(rng));
        }
        self.multi_exec(rng, body)
    }

    /// `body` between MULTI and EXEC (now and then DISCARD), in one chunk or split in two; now
    /// and then with a command that dooms or is refused.
    fn multi_exec(&self, rng: &mut SimRng, mut body: Vec<Args>) -> Script {
        match rng.below(25) {
            0 => body.push(self.unknown_command(rng)),
            1 => body.push(self.wrong_arity(rng)),
            2 => body.push(vec![cased(rng, "multi")]),
            3 => body.push([vec![cased(rng, "watch")], self.keys(rng)].concat()),
            4 => body.push(vec![cased(rng, "unwatch")]),
            _ => {}
        }
        if body.len() > 1 {
            let at = rng.index(body.len());
            let moved = body.remove(at);
            let to = rng.index(body.len() + 1);
            body.insert(to, moved);
        }
        let end = if rng.chance(0.1) { "discard" } else { "exec" };
        let mut first = vec![vec![cased(rng, "multi")]];
        let split = rng.index(body.len() + 1);
        let rest = body.split_off(split);
        first.extend(body);
        let mut last = rest;
        last.push(vec![cased(rng, end)]);
        if rng.chance(0.5) {
            first.extend(last);
            vec![first]
        } else {
            vec![first, last]
        }
    }

    /// A write to `key` that signals it, mostly: WATCH must see it.
    fn write_to(&self, rng: &mut SimRng, key: Vec<u8>) -> Args {
        let n = rng.between(0, 100).to_string().into_bytes();
        match rng.below(8) {
            0..=2 => vec![cased(rng, "set"), key, n],
            3 => vec![cased(rng, "incr"), key],
            4 => vec![cased(rng, "rpush"), key, n],
            5 => vec![cased(rng, "sadd"), key, n],
            6 => vec![cased(rng, "del"), key],
            _ => vec![cased(rng, "pexpire"), key, rng.between(1, 300).to_string().into_bytes()],
        }
    }

    /// What is refused outside a transaction, or empties the database under everyone's
    /// watched keys.
    fn misplaced(&self, rng: &mut SimRng) -> Args {
        match rng.below(5) {
            0 => vec![cased(rng, "exec")],
            1 => vec![cased(rng, "discard")],
            2 => vec![cased(rng, "exec"), b"now".to_vec()],
            3 => vec![cased(rng, "unwatch")],
            _ => vec![cased(rng, "flushdb")],
        }
    }
}
