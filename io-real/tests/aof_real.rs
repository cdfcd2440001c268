//! The AOF on a real disk: under each appendfsync policy, concurrent clients' writes that were
//! acknowledged are all in the files a restart loads after the process is killed (SIGKILL: no
//! shutdown, no final flush). Under `always` the appends and fsyncs run on the serving thread
//! while the disk thread is idle and on the disk thread otherwise: both paths are taken here.

mod common;

use std::time::{Duration, Instant};

use common::{Ferrous, TempDir};

fn acknowledged_writes_survive_a_kill(policy: &str) {
    let data = TempDir::new("aof-real");
    let dir = data.0.to_str().unwrap();
    let args = ["--appendonly", "yes", "--appendfsync", policy, "--dir", dir];
    let mut srv = Ferrous::start(&args);
    const CLIENTS: usize = 16;
    const WRITES: i64 = 300;
    let workers: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let mut con = srv.client();
            // A reply held for an fsync that never completes fails the test, not hangs it.
            con.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            std::thread::spawn(move || {
                for i in 1..=WRITES {
                    let n: i64 = redis::cmd("INCR").arg(format!("n{c}")).query(&mut con).unwrap();
                    assert_eq!(n, i);
                    let _: i64 = redis::cmd("RPUSH").arg(format!("l{c}")).arg(i).query(&mut con).unwrap();
                }
            })
        })
        .collect();
    // A snapshot while the writes go on puts the disk thread to work beside them.
    let mut admin = srv.client();
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut admin).unwrap();
    for w in workers {
        w.join().unwrap();
    }
    let _ = srv.child.kill();
    let _ = srv.child.wait();

    let again = Ferrous::start(&args);
    let mut con = again.client();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info: String = redis::cmd("INFO").arg("persistence").query(&mut con).unwrap();
        if info.contains("loading:0") {
            break;
        }
        assert!(Instant::now() < deadline, "the AOF never finished loading");
        std::thread::sleep(Duration::from_millis(20));
    }
    for c in 0..CLIENTS {
        let n: i64 = redis::cmd("GET").arg(format!("n{c}")).query(&mut con).unwrap();
        assert_eq!(n, WRITES, "client {c} under {policy}");
        let l: Vec<i64> = redis::cmd("LRANGE")
            .arg(format!("l{c}"))
            .arg(0)
            .arg(-1)
            .query(&mut con)
            .unwrap();
        assert_eq!(l, (1..=WRITES).collect::<Vec<_>>(), "client {c} under {policy}");
    }
}

#[test]
fn under_always_every_acknowledged_write_is_in_the_aof() {
    acknowledged_writes_survive_a_kill("always");
}

#[test]
fn under_everysec_acknowledged_writes_are_in_the_aof_after_a_kill() {
    acknowledged_writes_survive_a_kill("everysec");
}
