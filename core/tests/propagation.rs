//! What the collection commands count as changes (INFO's rdb_changes_since_last_save) and send
//! to a replica attached with SYNC. Every expectation below was taken from redis-server 7.0.15
//! running the same commands on an empty server.

mod common;

use ferrous_core::harness::Harness;
use ferrous_core::Config;

const REPLICA: u64 = 9;

struct Rig {
    h: Harness,
}

impl Rig {
    fn new() -> Rig {
        let mut h = Harness::new(Config::default());
        for id in [1, 2, 3, REPLICA] {
            h.connect(id, true);
        }
        let snapshot = h.cmd(REPLICA, &["SYNC"]);
        assert!(snapshot.starts_with('$'), "{snapshot:?}");
        Rig { h }
    }

    fn dirty(&mut self) -> u64 {
        let info = self.h.cmd(1, &["INFO", "persistence"]);
        let line = info
            .lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .expect("INFO persistence has rdb_changes_since_last_save");
        line.parse().expect("a number")
    }

    /// The commands the replica received since the last call, words joined by spaces, without
    /// the SELECTs.
    fn stream(&mut self) -> Vec<String> {
        common::stream_commands(&self.h.take_sent(REPLICA))
    }

    /// Runs `cmd` and checks the changes it counted and what it propagated (including what
    /// the clients it woke propagated).
    fn check(&mut self, cmd: &str, changes: u64, stream: &[&str]) {
        let before = self.dirty();
        self.stream();
        let words: Vec<&str> = cmd.split(' ').collect();
        self.h.cmd(1, &words);
        assert_eq!(self.dirty() - before, changes, "changes counted by {cmd}");
        assert_eq!(self.stream(), stream, "propagation of {cmd}");
    }

    /// Commands whose effect is not under test here.
    fn setup(&mut self, cmds: &[&str]) {
        for c in cmds {
            let words: Vec<&str> = c.split(' ').collect();
            self.h.cmd(1, &words);
        }
    }
}

#[test]
fn list_writes() {
    let mut r = Rig::new();
    r.check("RPUSH l a b c", 3, &["RPUSH l a b c"]);
    r.check("LPUSHX nol a", 0, &[]);
    r.check("LPUSHX l z1 z2", 2, &["LPUSHX l z1 z2"]);
    r.check("LINSERT l BEFORE a A", 1, &["LINSERT l BEFORE a A"]);
    r.check("LINSERT l AFTER zz Q", 0, &[]);
    r.check("LSET l 0 Y", 1, &["LSET l 0 Y"]);
    r.check("LSET l 100 Y", 0, &[]);
    r.check("LPOP l", 1, &["LPOP l"]);
    r.check("RPOP l 2", 2, &["RPOP l 2"]);
    r.check("LPOP l 0", 0, &[]);
    // A count beyond the length counts what was popped, and goes out as sent.
    r.check("LPOP l 100", 3, &["LPOP l 100"]);
    r.setup(&["RPUSH r 1 2 1 3 1 2"]);
    r.check("LREM r 0 9", 0, &[]);
    r.check("LREM r -2 1", 2, &["LREM r -2 1"]);
    r.setup(&["RPUSH t 1 2 3 4 5 6"]);
    r.check("LTRIM t 0 -1", 0, &[]);
    r.check("LTRIM t 1 -2", 2, &["LTRIM t 1 -2"]);
    r.check("LTRIM t 2 1", 4, &["LTRIM t 2 1"]);
    r.check("SET str v", 1, &["SET str v"]);
    r.check("LPUSH str a", 0, &[]);
}

#[test]
fn list_moves_and_multi_pops() {
    let mut r = Rig::new();
    r.setup(&["RPUSH a 1 2 3"]);
    r.check("LMOVE a b LEFT RIGHT", 1, &["LMOVE a b LEFT RIGHT"]);
    r.check("RPOPLPUSH a b", 1, &["RPOPLPUSH a b"]);
    r.check("RPOPLPUSH nokey b", 0, &[]);
    r.check("LMPOP 2 nokey b LEFT COUNT 10", 2, &["LPOP b 2"]);
    r.setup(&["RPUSH m a b c d e f g h"]);
    r.check("LMPOP 1 m RIGHT", 1, &["RPOP m 1"]);
    r.check("BLPOP nokey m 0", 1, &["LPOP m"]);
    r.check("BRPOP m 0", 1, &["RPOP m"]);
    // At once, BLMOVE keeps the ends as sent.
    r.check("BLMOVE m x left RIGHT 0", 1, &["LMOVE m x left RIGHT"]);
    r.check("BRPOPLPUSH m x 0", 1, &["RPOPLPUSH m x"]);
    r.check("BLMPOP 0 1 m LEFT COUNT 50", 3, &["LPOP m 3"]);
}

#[test]
fn served_list_waiters_propagate_their_pops() {
    let mut r = Rig::new();
    r.h.cmd(2, &["BLPOP", "q", "0"]);
    r.h.cmd(3, &["BRPOP", "q", "0"]);
    // Redis counts no change for a BLPOP served later, only the push.
    r.check("RPUSH q a b c", 3, &["RPUSH q a b c", "LPOP q", "RPOP q"]);
    r.h.cmd(2, &["BLMOVE", "s", "d", "RIGHT", "LEFT", "0"]);
    r.h.cmd(3, &["BRPOPLPUSH", "s2", "d", "0"]);
    r.check("RPUSH s v", 1, &["RPUSH s v", "LMOVE s d right left"]);
    r.check("RPUSH s2 w", 1, &["RPUSH s2 w", "RPOPLPUSH s2 d"]);
    // BLMPOP counts what it pops, served or not.
    r.h.cmd(2, &["BLMPOP", "0", "2", "none", "mp", "RIGHT", "COUNT", "2"]);
    r.check("RPUSH mp 1 2 3", 5, &["RPUSH mp 1 2 3", "RPOP mp 2"]);
    // A BLMOVE feeding another waiter: each served client's effect goes out on its own.
    r.h.cmd(2, &["BLMOVE", "c1", "c2", "RIGHT", "LEFT", "0"]);
    r.h.cmd(3, &["BLPOP", "c2", "0"]);
    r.check("RPUSH c1 x", 1, &["RPUSH c1 x", "LMOVE c1 c2 right left", "LPOP c2"]);
}

#[test]
fn served_waiters_propagate_the_pop_of_the_key_that_woke_them() {
    let mut r = Rig::new();
    r.h.cmd(2, &["BLPOP", "a", "b", "0"]);
    r.h.cmd(3, &["BZMPOP", "0", "2", "y1", "y2", "MIN", "COUNT", "3"]);
    // Their first keys hold strings by the time they are served: no matter, they are served
    // from the key that was signalled.
    r.setup(&["SET a s", "SET y1 s"]);
    r.check("LPUSH b x", 1, &["LPUSH b x", "LPOP b"]);
    r.check("ZADD y2 1 m 2 n", 4, &["ZADD y2 1 m 2 n", "ZPOPMIN y2 2"]);
}

#[test]
fn hash_writes() {
    let mut r = Rig::new();
    r.check("HSET h a 1 b 2", 2, &["HSET h a 1 b 2"]);
    // Every pair counts, even one that changes nothing.
    r.check("HSET h a 1 c 3", 2, &["HSET h a 1 c 3"]);
    r.check("HMSET h a 5", 1, &["HMSET h a 5"]);
    r.check("HSETNX h a 9", 0, &[]);
    r.check("HSETNX h n 9", 1, &["HSETNX h n 9"]);
    r.check("HDEL h zz", 0, &[]);
    r.check("HDEL h a zz b", 2, &["HDEL h a zz b"]);
    r.check("HINCRBY h2 cnt 5", 1, &["HINCRBY h2 cnt 5"]);
    r.check("HINCRBY h2 cnt 9223372036854775807", 0, &[]);
    r.check("HINCRBYFLOAT h2 fl 1.5", 1, &["HSET h2 fl 1.5"]);
    r.check("HINCRBYFLOAT h3 x 3.0e0", 1, &["HSET h3 x 3"]);
    r.check("HINCRBYFLOAT h2 cnt 0.1", 1, &["HSET h2 cnt 5.1"]);
    r.check("HINCRBYFLOAT h2 fl inf", 0, &[]);
}

#[test]
fn set_writes() {
    let mut r = Rig::new();
    r.check("SADD s a b c", 3, &["SADD s a b c"]);
    r.check("SADD s a", 0, &[]);
    r.check("SREM s a zz", 1, &["SREM s a zz"]);
    r.setup(&["SADD i 1 2 3", "SADD j 2"]);
    r.check("SMOVE i j 1", 2, &["SMOVE i j 1"]);
    // The destination has it already: only the source changed.
    r.check("SMOVE i j 2", 1, &["SMOVE i j 2"]);
    r.check("SMOVE j j 2", 0, &[]);
    r.check("SADD one x", 1, &["SADD one x"]);
    r.check("SPOP one", 1, &["SREM one x"]);
    r.setup(&["SADD p 1 2 3"]);
    r.check("SPOP p 0", 0, &[]);
    r.check("SPOP p 5", 3, &["DEL p"]);
    r.setup(&["SADD a1 1 2 3", "SET d x"]);
    r.check("SINTERSTORE d a1 nokey", 1, &["SINTERSTORE d a1 nokey"]);
    r.check("SINTERSTORE d a1 nokey", 0, &[]);
}

#[test]
fn spop_with_a_count_goes_out_as_one_srem_per_member() {
    let mut r = Rig::new();
    r.setup(&["SADD p 1 2 3 4 5 6 7 8 9 10"]);
    for count in ["2", "7"] {
        let before = r.dirty();
        r.stream();
        let reply = r.h.cmd(1, &["SPOP", "p", count]);
        assert_eq!(r.dirty() - before, count.parse::<u64>().unwrap());
        let stream = r.stream();
        assert_eq!(stream.first().map(String::as_str), Some("MULTI"));
        assert_eq!(stream.last().map(String::as_str), Some("EXEC"));
        let srems = &stream[1..stream.len() - 1];
        assert_eq!(srems.len(), count.parse::<usize>().unwrap());
        for srem in srems {
            let member = srem.strip_prefix("SREM p ").expect("an SREM of the key");
            assert!(reply.contains(&format!("\r\n{member}\r\n")), "{member} was popped");
        }
    }
    // A single SREM goes out alone, not as a transaction.
    r.setup(&["DEL p", "SADD p a b"]);
    r.stream();
    r.h.cmd(1, &["SPOP", "p", "1"]);
    let stream = r.stream();
    assert_eq!(stream.len(), 1, "{stream:?}");
    assert!(stream[0].starts_with("SREM p "), "{stream:?}");
}

#[test]
fn sorted_set_writes() {
    let mut r = Rig::new();
    r.check("ZADD z 1 a 2 b", 2, &["ZADD z 1 a 2 b"]);
    r.check("ZADD z 1 a", 0, &[]);
    r.check("ZADD z 3 a", 1, &["ZADD z 3 a"]);
    r.check("ZADD z CH 3 a 4 b 5 c", 2, &["ZADD z CH 3 a 4 b 5 c"]);
    r.check("ZADD z GT 1 a", 0, &[]);
    r.check("ZINCRBY z 0 a", 0, &[]);
    r.check("ZINCRBY z 2 a", 1, &["ZINCRBY z 2 a"]);
    r.check("ZREM z nope a", 1, &["ZREM z nope a"]);
    r.check("ZREMRANGEBYRANK z 5 10", 0, &[]);
    r.check("ZREMRANGEBYSCORE z -inf (5", 1, &["ZREMRANGEBYSCORE z -inf (5"]);
    r.setup(&["ZADD p 1 a 2 b 3 c 4 d 5 e 6 f 7 g"]);
    r.check("ZPOPMIN p", 1, &["ZPOPMIN p"]);
    r.check("ZPOPMAX p 2", 2, &["ZPOPMAX p 2"]);
    r.check("ZMPOP 2 nokey p MIN COUNT 1", 1, &["ZPOPMIN p 1"]);
    r.check("BZPOPMAX p 0", 1, &["ZPOPMAX p"]);
    r.check("BZMPOP 0 1 p MIN COUNT 9", 2, &["ZPOPMIN p 2"]);
    r.setup(&["ZADD s 1 a", "SET dst x"]);
    r.check("ZRANGESTORE dst nokey 0 -1", 1, &["ZRANGESTORE dst nokey 0 -1"]);
    r.check("ZRANGESTORE dst nokey 0 -1", 0, &[]);
}

#[test]
fn served_sorted_set_waiters_propagate_their_pops() {
    let mut r = Rig::new();
    r.h.cmd(2, &["BZPOPMIN", "q", "0"]);
    r.h.cmd(3, &["BZMPOP", "0", "1", "q", "MAX", "COUNT", "5"]);
    // Unlike a served BLPOP, a served BZPOPMIN counts its pop.
    r.check(
        "ZADD q 1 a 2 b 3 c",
        6,
        &["ZADD q 1 a 2 b 3 c", "ZPOPMIN q", "ZPOPMAX q 2"],
    );
}
