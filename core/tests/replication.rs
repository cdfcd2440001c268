//! Full sync to replicas through the harness: the streamed snapshot (Redis' diskless
//! `$EOF:<mark>` format) shared by replicas that ask while another snapshot runs, paced by
//! the slowest replica, going on for the others when one disconnects mid-stream, and the
//! writes made meanwhile following it once a replica acknowledges.

use ferrous_core::harness::Harness;
use ferrous_core::rdb::file::{self, LoadedKey};
use ferrous_core::rdb::LoadOptions;
use ferrous_core::value::{RStr, Value};
use ferrous_core::{Config, Event};

const WRITER: u64 = 1;
const KEYS: usize = 20_000;

fn populated() -> Harness {
    let cfg = Config::from_text("save \"\"\n").unwrap();
    let mut h = Harness::new(cfg);
    h.connect(WRITER, true);
    for batch in 0..KEYS / 100 {
        let mut cmd = vec!["MSET".to_string()];
        for i in 0..100 {
            cmd.push(format!("key:{}", batch * 100 + i));
            cmd.push(format!("value-{}-{}", batch, "x".repeat(i)));
        }
        let words: Vec<&str> = cmd.iter().map(String::as_str).collect();
        assert_eq!(h.cmd(WRITER, &words), "+OK\r\n");
    }
    h
}

/// Connects `id` as a replica that streams (capa eof) and asks for a full sync; returns what
/// it was sent at once.
fn ask_sync(h: &mut Harness, id: u64) -> Vec<u8> {
    h.connect(id, true);
    assert_eq!(h.cmd(id, &["REPLCONF", "capa", "eof", "capa", "psync2"]), "+OK\r\n");
    h.event(
        id,
        Event::Commands {
            client: id,
            cmds: vec![vec![b"PSYNC".to_vec(), b"?".to_vec(), b"-1".to_vec()]],
        },
    )
}

fn sent(h: &mut Harness, id: u64) -> Vec<u8> {
    h.take_sent_bytes(id)
}

fn tick(h: &mut Harness) {
    h.now.mono_us += 1000;
    h.now.unix_ms += 1;
    h.event(WRITER, Event::Tick);
}

fn info(h: &mut Harness, field: &str) -> String {
    let text = h.cmd(WRITER, &["INFO", "all"]);
    let prefix = format!("{field}:");
    let line = text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {field}"));
    line[prefix.len()..].to_string()
}

/// A finished stream: `+FULLRESYNC <id> <offset>`, `$EOF:<mark>`, the RDB, the mark again.
/// Returns the offset and the keys the RDB holds.
fn parse_stream(stream: &[u8]) -> (u64, Vec<LoadedKey>) {
    let text = String::from_utf8_lossy(stream);
    let head_end = text
        .find("\r\n")
        .unwrap_or_else(|| panic!("no +FULLRESYNC line in {:?}", &text[..text.len().min(200)]));
    let head: Vec<&str> = text[..head_end].split(' ').collect();
    assert_eq!((head[0], head.len()), ("+FULLRESYNC", 3), "{}", &text[..head_end]);
    let rest = &stream[head_end + 2..];
    assert!(rest.starts_with(b"$EOF:"));
    let mark = &rest[5..45];
    assert_eq!(&rest[45..47], b"\r\n");
    let rdb = &rest[47..];
    assert!(rdb.ends_with(mark), "the stream does not end with its mark");
    let rdb = &rdb[..rdb.len() - 40];
    let mut keys = Vec::new();
    file::load(rdb, LoadOptions::default(), 16, |k: LoadedKey| keys.push(k)).expect("a valid RDB");
    (head[2].parse().unwrap(), keys)
}

#[test]
fn replicas_asking_during_a_sync_share_the_next_snapshot_and_get_the_writes_after_it() {
    let mut h = populated();
    let mut s2 = ask_sync(&mut h, 2);
    assert!(
        s2.starts_with(b"+FULLRESYNC"),
        "the first replica's snapshot starts at once"
    );
    // Two more ask while it streams: they wait for it, as Redis' replicas wait for a child
    // whose output is not theirs, then share the next snapshot.
    let (mut s3, mut s4) = (ask_sync(&mut h, 3), ask_sync(&mut h, 4));
    assert!(s3.is_empty() && s4.is_empty());
    // INFO lists them already, waiting, as Redis lists every replica in server.slaves.
    assert_eq!(info(&mut h, "connected_slaves"), "3");
    assert!(info(&mut h, "slave2").contains(",state=wait_bgsave,offset=0,"));
    let mut writes = 0;
    for _ in 0..10_000 {
        tick(&mut h);
        s2.extend(sent(&mut h, 2));
        s3.extend(sent(&mut h, 3));
        s4.extend(sent(&mut h, 4));
        // Writes during the snapshots: they must follow them, not enter them.
        if writes < 50 {
            h.cmd(WRITER, &["INCR", "counter"]);
            writes += 1;
        }
        if !s3.is_empty() && info(&mut h, "rdb_bgsave_in_progress") == "0" {
            break;
        }
    }
    assert!(
        s3 == s4,
        "one snapshot, the same bytes to both: {} and {} bytes",
        s3.len(),
        s4.len()
    );
    let (offset2, keys) = parse_stream(&s2);
    assert_eq!(keys.len(), KEYS);
    let (offset, keys) = parse_stream(&s3);
    assert!(offset > offset2, "the second snapshot starts later in the stream");
    let counter = match keys.iter().find(|k| k.key == b"counter").map(|k| &k.value) {
        Some(Value::Str(RStr::Int(n))) => *n as usize,
        other => panic!("counter is {other:?}"),
    };
    assert!(counter > 0, "writes made before the second snapshot are in it");

    // The held writes go out on the first ACK, one INCR each, in order.
    let mut incrs = Vec::new();
    for id in [2, 3, 4] {
        let mut stream = String::from_utf8_lossy(&sent(&mut h, id)).into_owned();
        assert!(!stream.contains("INCR"), "writes went out before the ACK");
        let offset = if id == 2 { offset2 } else { offset };
        stream += &h.cmd(id, &["REPLCONF", "ACK", &offset.to_string()]);
        stream += &String::from_utf8_lossy(&sent(&mut h, id));
        incrs.push(stream.matches("INCR").count());
    }
    // Replica 2 gets every write (none is in its snapshot), the others those after theirs.
    assert_eq!(incrs, [writes, writes - counter, writes - counter]);
    assert!(writes > counter);
    assert_eq!(info(&mut h, "connected_slaves"), "3");
    // And later writes reach them live.
    h.cmd(WRITER, &["SET", "after", "1"]);
    for id in [2, 3, 4] {
        assert!(String::from_utf8_lossy(&sent(&mut h, id)).contains("after"));
    }
}

#[test]
fn a_replica_leaving_mid_stream_does_not_stop_the_others_and_a_slow_one_holds_the_snapshot() {
    let mut h = populated();
    let mut s2 = ask_sync(&mut h, 2);
    let (mut s3, mut s4) = (ask_sync(&mut h, 3), ask_sync(&mut h, 4));
    // Replica 2, alone on its snapshot, leaves half-way: the snapshot nobody wants is dropped
    // and the next one starts for 3 and 4.
    while s2.len() < 100_000 {
        tick(&mut h);
        s2.extend(sent(&mut h, 2));
    }
    h.event(2, Event::Disconnected { client: 2 });
    while s3.len() < 100_000 {
        tick(&mut h);
        s3.extend(sent(&mut h, 3));
        s4.extend(sent(&mut h, 4));
    }
    assert!(s3.starts_with(b"+FULLRESYNC") && s4.starts_with(b"+FULLRESYNC"));

    // Replica 3 stops reading: past its window, no more pieces are made for anyone.
    h.event(
        WRITER,
        Event::Backlog {
            client: 3,
            bytes: 1 << 20,
        },
    );
    tick(&mut h);
    s4.extend(sent(&mut h, 4));
    let before = s4.len();
    for _ in 0..200 {
        tick(&mut h);
    }
    s4.extend(sent(&mut h, 4));
    assert_eq!(
        s4.len(),
        before,
        "the snapshot ran ahead of a replica that reads nothing"
    );
    assert_eq!(info(&mut h, "rdb_bgsave_in_progress"), "1");

    // Replica 3 goes away: replica 4 gets the rest, whole.
    h.event(3, Event::Disconnected { client: 3 });
    for _ in 0..10_000 {
        tick(&mut h);
        s4.extend(sent(&mut h, 4));
        if info(&mut h, "rdb_bgsave_in_progress") == "0" {
            break;
        }
    }
    let (_, keys) = parse_stream(&s4);
    assert_eq!(keys.len(), KEYS);

    // When the last replica of a snapshot leaves, it is dropped, and BGSAVE can run again.
    let mut s5 = ask_sync(&mut h, 5);
    tick(&mut h);
    s5.extend(sent(&mut h, 5));
    assert!(s5.starts_with(b"+FULLRESYNC"));
    h.event(5, Event::Disconnected { client: 5 });
    tick(&mut h);
    assert_eq!(info(&mut h, "rdb_bgsave_in_progress"), "0");
    assert_eq!(h.cmd(WRITER, &["BGSAVE"]), "+Background saving started\r\n");
}
