//! The replica side of replication through the harness, with the test playing the master:
//! the handshake a replica sends, a full resync from a snapshot another core made, the stream
//! applied silently, REPLCONF GETACK, READONLY and MASTERDOWN, a lost link continued with
//! PSYNC, expiry left to the master, the stream passed on to sub-replicas, and REPLICAOF NO ONE.

mod common;

use common::{connect_request, harness};
use ferrous_core::harness::Harness;
use ferrous_core::{Event, Output};

const USER: u64 = 1;
const MASTER_ID: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A RESP command as a master sends it.
fn resp(words: &[&str]) -> String {
    let mut s = format!("*{}\r\n", words.len());
    for w in words {
        s += &format!("${}\r\n{w}\r\n", w.len());
    }
    s
}

/// A snapshot in SYNC's `$<len>` form, made by another core holding `writes`.
fn snapshot(writes: &[&[&str]]) -> Vec<u8> {
    let mut m = harness(&[]);
    for w in writes {
        m.cmd(USER, w);
    }
    m.connect(9, true);
    let sync = m.cmd_bytes(9, &[b"SYNC"]);
    assert!(sync.starts_with(b"$"), "SYNC answers the snapshot");
    sync
}

fn data(h: &mut Harness, link: u64, bytes: &[u8]) -> String {
    String::from_utf8_lossy(&h.link_data(link, bytes)).into_owned()
}

/// Runs the handshake up to the PSYNC the replica sends; returns the link and that PSYNC.
fn handshake(h: &mut Harness) -> (u64, String) {
    let (link, host, port) = connect_request(h);
    assert_eq!((host.as_str(), port), ("master.example", 6380));
    let sent = h.link_opened(link, Ok(()));
    assert_eq!(String::from_utf8_lossy(&sent), resp(&["PING"]));
    let sent = data(h, link, b"+PONG\r\n");
    let capa = resp(&["REPLCONF", "capa", "eof", "capa", "psync2"]);
    assert_eq!(sent, resp(&["REPLCONF", "listening-port", "6379"]) + &capa);
    let psync = data(h, link, b"+OK\r\n+OK\r\n");
    (link, psync)
}

/// A replica of `master.example:6380` in sync with a master holding `writes`, at offset 1000.
fn synced(directives: &[(&str, &str)], writes: &[&[&str]]) -> (Harness, u64) {
    let mut h = harness(directives);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    let mut bytes = format!("+FULLRESYNC {MASTER_ID} 1000\r\n").into_bytes();
    bytes.extend(snapshot(writes));
    // The bytes arrive a few at a time, as TCP may split them.
    for chunk in bytes.chunks(7) {
        assert_eq!(data(&mut h, link, chunk), "", "nothing goes back during the transfer");
    }
    (h, link)
}

fn info(h: &mut Harness, field: &str) -> String {
    let text = h.cmd(USER, &["INFO", "replication"]);
    let prefix = format!("{field}:");
    let line = text.lines().find(|l| l.starts_with(&prefix));
    line.unwrap_or_else(|| panic!("no {field} in {text}"))[prefix.len()..].to_string()
}

fn second(h: &mut Harness) {
    h.now.mono_us += 1_000_000;
    h.now.unix_ms += 1000;
    h.event(USER, Event::Tick);
}

#[test]
fn a_fresh_replica_asks_for_a_full_resync_and_serves_the_snapshot_and_stream() {
    let (mut h, link) = synced(&[], &[&["SET", "k", "v"], &["RPUSH", "l", "a", "b"]]);
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(h.cmd(USER, &["LRANGE", "l", "0", "-1"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_eq!(info(&mut h, "master_link_status"), "up");
    assert_eq!(info(&mut h, "master_replid"), MASTER_ID);

    let stream = resp(&["SELECT", "0"]) + &resp(&["SET", "x", "1"]) + &resp(&["INCR", "x"]);
    for b in stream.as_bytes() {
        assert_eq!(data(&mut h, link, &[*b]), "", "the master gets no replies");
    }
    assert_eq!(h.cmd(USER, &["GET", "x"]), "$1\r\n2\r\n");
    let offset = 1000 + stream.len();
    assert_eq!(info(&mut h, "master_repl_offset"), offset.to_string());
    assert_eq!(info(&mut h, "slave_repl_offset"), offset.to_string());
    let role = h.cmd(USER, &["ROLE"]);
    let expected = format!("*5\r\n$5\r\nslave\r\n$14\r\nmaster.example\r\n:6380\r\n$9\r\nconnected\r\n:{offset}\r\n");
    assert_eq!(role, expected);

    // GETACK is answered with the offset of what came before it.
    let ack = data(&mut h, link, resp(&["REPLCONF", "GETACK", "*"]).as_bytes());
    assert_eq!(ack, resp(&["REPLCONF", "ACK", &offset.to_string()]));
    // And every second unasked.
    second(&mut h);
    let ack = String::from_utf8_lossy(&h.take_sent_bytes(link)).into_owned();
    assert!(ack.contains("ACK"), "{ack:?}");

    assert_eq!(
        h.cmd(USER, &["SET", "x", "3"]),
        "-READONLY You can't write against a read only replica.\r\n"
    );
    assert_eq!(h.cmd(USER, &["CONFIG", "SET", "replica-read-only", "no"]), "+OK\r\n");
    assert_eq!(h.cmd(USER, &["SET", "x", "3"]), "+OK\r\n");
}

#[test]
fn a_lost_link_reconnects_and_continues_with_psync() {
    let (mut h, link) = synced(&[("replica-serve-stale-data", "no")], &[&["SET", "k", "v"]]);
    data(&mut h, link, resp(&["SET", "y", "1"]).as_bytes());
    let offset = 1000 + resp(&["SET", "y", "1"]).len();
    h.event(link, Event::Disconnected { client: link });
    assert_eq!(info(&mut h, "master_link_status"), "down");
    let masterdown = "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n";
    assert_eq!(h.cmd(USER, &["GET", "k"]), masterdown);
    assert_eq!(h.cmd(USER, &["PING"]), masterdown);
    assert!(
        h.cmd(USER, &["INFO", "replication"]).starts_with('$'),
        "INFO serves stale"
    );
    // A transaction queued while the link was up is refused at EXEC once it is down.
    let role = h.cmd(USER, &["ROLE"]);
    assert!(role.contains("connect"), "{role}");

    second(&mut h);
    let (link2, psync) = handshake(&mut h);
    assert_ne!(link, link2);
    assert_eq!(psync, resp(&["PSYNC", MASTER_ID, &(offset + 1).to_string()]));
    assert_eq!(data(&mut h, link2, b"+CONTINUE\r\n"), "");
    assert_eq!(info(&mut h, "master_link_status"), "up");
    assert_eq!(h.cmd(USER, &["MGET", "k", "y"]), "*2\r\n$1\r\nv\r\n$1\r\n1\r\n");
    data(&mut h, link2, resp(&["SET", "z", "2"]).as_bytes());
    assert_eq!(h.cmd(USER, &["GET", "z"]), "$1\r\n2\r\n");
}

#[test]
fn exec_of_reads_queued_before_the_link_went_down_is_refused() {
    let (mut h, link) = synced(&[("replica-serve-stale-data", "no")], &[&["SET", "k", "v"]]);
    assert_eq!(h.cmd(USER, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(USER, &["GET", "k"]), "+QUEUED\r\n");
    h.event(link, Event::Disconnected { client: link });
    let reply = h.cmd(USER, &["EXEC"]);
    assert_eq!(
        reply,
        "-EXECABORT Transaction discarded because of: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
    );
}

#[test]
fn keys_expire_on_a_replica_only_when_the_master_deletes_them() {
    let (mut h, link) = synced(&[], &[&["SET", "e", "v", "PX", "500"], &["SET", "k", "v"]]);
    assert_eq!(h.cmd(USER, &["GET", "e"]), "$1\r\nv\r\n");
    h.now.unix_ms += 1000;
    // Gone for its clients, still stored for the master's commands.
    assert_eq!(h.cmd(USER, &["GET", "e"]), "$-1\r\n");
    assert_eq!(h.cmd(USER, &["EXISTS", "e"]), ":0\r\n");
    assert_eq!(h.cmd(USER, &["DBSIZE"]), ":2\r\n");
    second(&mut h);
    assert_eq!(h.cmd(USER, &["DBSIZE"]), ":2\r\n", "no active expiry on a replica");
    // The master's commands still see the key (here it made it persistent).
    data(&mut h, link, resp(&["APPEND", "e", "w"]).as_bytes());
    data(&mut h, link, resp(&["PERSIST", "e"]).as_bytes());
    assert_eq!(h.cmd(USER, &["GET", "e"]), "$2\r\nvw\r\n");
    data(&mut h, link, resp(&["DEL", "e"]).as_bytes());
    assert_eq!(h.cmd(USER, &["DBSIZE"]), ":1\r\n");
}

#[test]
fn sub_replicas_get_the_masters_stream_as_it_came() {
    let (mut h, link) = synced(&[], &[&["SET", "k", "v"]]);
    h.connect(5, true);
    let sync = String::from_utf8_lossy(&h.cmd_bytes(5, &[b"PSYNC", b"?", b"-1"])).into_owned();
    assert!(
        sync.starts_with(&format!("+FULLRESYNC {MASTER_ID} 1000\r\n")),
        "{sync:?}"
    );
    assert!(h.cmd(5, &["REPLCONF", "ACK", "1000"]).is_empty());
    h.take_sent_bytes(5);
    let stream = resp(&["SELECT", "3"]) + &resp(&["SET", "a", "b"]) + &resp(&["PING"]);
    data(&mut h, link, stream.as_bytes());
    assert_eq!(String::from_utf8_lossy(&h.take_sent_bytes(5)), stream);
    let offset = (1000 + stream.len()).to_string();
    assert_eq!(info(&mut h, "master_repl_offset"), offset);
}

#[test]
fn replicaof_no_one_keeps_the_data_and_starts_a_new_history() {
    let (mut h, _link) = synced(&[], &[&["SET", "k", "v"]]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "NO", "ONE"]), "+OK\r\n");
    h.connect(2, true);
    assert_eq!(h.cmd(2, &["BLPOP", "list", "0"]), "");
    assert_eq!(info(&mut h, "role"), "master");
    assert_eq!(info(&mut h, "master_replid2"), MASTER_ID);
    assert_eq!(info(&mut h, "second_repl_offset"), "1001");
    assert_eq!(h.cmd(USER, &["SET", "k", "w"]), "+OK\r\n");
    // REPLICAOF lets blocked clients go (here: becoming a replica again).
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    assert_eq!(
        h.take_sent(2),
        "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n"
    );
    assert_eq!(
        h.cmd(USER, &["REPLICAOF", "master.example", "6380"]),
        "+OK Already connected to specified master\r\n"
    );
    assert_eq!(
        h.cmd(USER, &["REPLICAOF", "h", "70000"]),
        "-ERR Invalid master port\r\n"
    );
}

#[test]
fn failed_connects_and_refused_auth_retry_every_second() {
    let mut h = harness(&[("masterauth", "secret")]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _, _) = connect_request(&mut h);
    h.link_opened(link, Err("Connection refused".into()));
    let role = h.cmd(USER, &["ROLE"]);
    assert!(role.contains("$7\r\nconnect\r\n"), "{role}");
    second(&mut h);
    let (link, _, _) = connect_request(&mut h);
    h.link_opened(link, Ok(()));
    let sent = data(&mut h, link, b"-NOAUTH Authentication required.\r\n");
    assert!(sent.starts_with(&resp(&["AUTH", "secret"])), "{sent:?}");
    data(&mut h, link, b"-ERR invalid password\r\n");
    assert!(h.other.contains(&Output::Abort { client: link }), "the link is dropped");
    second(&mut h);
    connect_request(&mut h);
}

#[test]
fn min_replicas_to_write_counts_replicas_that_acknowledged_recently() {
    let mut h = harness(&[("min-replicas-to-write", "1"), ("min-replicas-max-lag", "10")]);
    let refused = "-NOREPLICAS Not enough good replicas to write.\r\n";
    assert_eq!(h.cmd(USER, &["SET", "k", "v"]), refused);
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$-1\r\n", "reads are not refused");
    h.connect(5, true);
    assert!(h.cmd_bytes(5, &[b"SYNC"]).starts_with(b"$"));
    assert_eq!(h.cmd(USER, &["SET", "k", "v"]), "+OK\r\n");
    assert_eq!(info(&mut h, "min_slaves_good_slaves"), "1");
    // Queued while the replica was good, run once it no longer is.
    assert_eq!(h.cmd(USER, &["MULTI"]), "+OK\r\n");
    assert_eq!(h.cmd(USER, &["INCR", "n"]), "+QUEUED\r\n");
    for _ in 0..11 {
        second(&mut h);
    }
    h.connect(2, true);
    let text = h.cmd(2, &["INFO", "replication"]);
    assert!(text.contains("min_slaves_good_slaves:0\r\n"), "{text}");
    assert_eq!(
        h.cmd(USER, &["EXEC"]),
        "-EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.\r\n"
    );
    assert!(h.cmd(5, &["REPLCONF", "ACK", "0"]).is_empty());
    assert_eq!(h.cmd(USER, &["SET", "k", "v"]), "+OK\r\n");
}

#[test]
fn client_kill_by_type_drops_the_master_link_or_the_replicas_and_the_link_comes_back() {
    let (mut h, link) = synced(&[], &[&["SET", "k", "v"]]);
    h.connect(5, true);
    h.cmd_bytes(5, &[b"PSYNC", b"?", b"-1"]);
    h.connect(6, true);
    h.cmd(6, &["SUBSCRIBE", "ch"]);
    for (kind, flags) in [("master", "flags=M "), ("replica", "flags=S "), ("pubsub", "flags=P ")] {
        let list = h.cmd(USER, &["CLIENT", "LIST", "TYPE", kind]);
        assert_eq!(list.matches("id=").count(), 1, "{kind}: {list}");
        assert!(list.contains(flags), "{kind}: {list}");
    }
    let normal = h.cmd(USER, &["CLIENT", "LIST", "TYPE", "normal"]);
    assert!(
        normal.contains(&format!("id={USER} ")) && normal.matches("id=").count() == 1,
        "{normal}"
    );

    assert_eq!(h.cmd(USER, &["CLIENT", "KILL", "TYPE", "replica"]), ":1\r\n");
    assert!(h.closed(5));
    assert_eq!(info(&mut h, "connected_slaves"), "0");
    assert_eq!(h.cmd(USER, &["CLIENT", "KILL", "TYPE", "master"]), ":1\r\n");
    assert!(h.other.contains(&Output::Abort { client: link }), "the link is dropped");
    assert_eq!(info(&mut h, "master_link_status"), "down");
    // Like a lost link: the next second reconnects and asks to continue where it was.
    second(&mut h);
    let (link2, psync) = handshake(&mut h);
    assert_ne!(link, link2);
    assert!(psync.starts_with(&resp(&["PSYNC", MASTER_ID, "1001"])), "{psync:?}");
}

#[test]
fn an_expiry_time_already_past_is_kept_on_a_replica_until_the_master_deletes_the_key() {
    let (mut h, link) = synced(&[], &[&["SET", "k", "v"]]);
    // A master's PEXPIREAT may be applied after its time (the stream held behind a snapshot,
    // a slow link): the key stays for the commands that follow, as Redis' checkAlreadyExpired
    // keeps it on replicas.
    let past = (h.now.unix_ms - 1000).to_string();
    let future = (h.now.unix_ms + 60_000).to_string();
    data(&mut h, link, resp(&["SELECT", "0"]).as_bytes());
    data(&mut h, link, resp(&["PEXPIREAT", "k", &past]).as_bytes());
    assert_eq!(h.cmd(USER, &["DBSIZE"]), ":1\r\n");
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$-1\r\n", "expired for clients");
    data(&mut h, link, resp(&["PEXPIREAT", "k", &future]).as_bytes());
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$1\r\nv\r\n");
    data(&mut h, link, resp(&["PEXPIREAT", "k", &past]).as_bytes());
    data(&mut h, link, resp(&["DEL", "k"]).as_bytes());
    assert_eq!(h.cmd(USER, &["DBSIZE"]), ":0\r\n");
}

#[test]
fn a_sub_replica_goes_on_in_the_database_its_masters_stream_selected() {
    let (mut h, link) = synced(&[], &[&["SET", "k", "v"]]);
    data(
        &mut h,
        link,
        (resp(&["SELECT", "3"]) + &resp(&["SET", "a", "1"])).as_bytes(),
    );
    // h serves a sub-replica: a snapshot, then the stream as it comes, with no SELECT of its
    // own, so the snapshot must name database 3.
    h.connect(5, true);
    let sync = h.cmd_bytes(5, &[b"PSYNC", b"?", b"-1"]);
    let mut sub = harness(&[]);
    assert_eq!(sub.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (sub_link, _) = handshake(&mut sub);
    data(&mut sub, sub_link, &sync);
    data(&mut h, link, resp(&["SET", "b", "2"]).as_bytes());
    let passed = h.take_sent_bytes(5);
    data(&mut sub, sub_link, &passed);
    assert_eq!(sub.cmd(USER, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(sub.cmd(USER, &["MGET", "a", "b"]), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");

    // A partial resync goes on in the database the lost link had selected.
    h.event(link, Event::Disconnected { client: link });
    second(&mut h);
    let (link2, _) = handshake(&mut h);
    assert_eq!(data(&mut h, link2, b"+CONTINUE\r\n"), "");
    data(&mut h, link2, resp(&["SET", "c", "3"]).as_bytes());
    assert_eq!(h.cmd(USER, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(h.cmd(USER, &["GET", "c"]), "$1\r\n3\r\n");
}

#[test]
fn a_transaction_of_the_master_counts_and_goes_on_whole_once_its_exec_ran() {
    let (mut h, link) = synced(&[], &[&["SET", "k", "v"]]);
    h.connect(5, true);
    h.cmd_bytes(5, &[b"PSYNC", b"?", b"-1"]);
    let select = resp(&["SELECT", "0"]);
    data(&mut h, link, select.as_bytes());
    assert_eq!(String::from_utf8_lossy(&h.take_sent_bytes(5)), select);
    let before = 1000 + select.len();

    let open = resp(&["MULTI"]) + &resp(&["SET", "a", "1"]);
    data(&mut h, link, open.as_bytes());
    // Nothing of it is applied yet: the offset stays, sub-replicas get nothing, and a
    // snapshot made now starts before it.
    assert_eq!(info(&mut h, "master_repl_offset"), before.to_string());
    assert!(h.take_sent_bytes(5).is_empty());
    h.connect(6, true);
    let sync = String::from_utf8_lossy(&h.cmd_bytes(6, &[b"PSYNC", b"?", b"-1"])).into_owned();
    assert!(
        sync.starts_with(&format!("+FULLRESYNC {MASTER_ID} {before}\r\n")),
        "{sync:?}"
    );

    let exec = resp(&["EXEC"]);
    data(&mut h, link, exec.as_bytes());
    let whole = open + &exec;
    assert_eq!(String::from_utf8_lossy(&h.take_sent_bytes(5)), whole);
    assert_eq!(String::from_utf8_lossy(&h.take_sent_bytes(6)), whole);
    assert_eq!(info(&mut h, "master_repl_offset"), (before + whole.len()).to_string());
    assert_eq!(h.cmd(USER, &["GET", "a"]), "$1\r\n1\r\n");
}

/// A snapshot in the streamed `$EOF:<mark>` form, made by another core holding `writes`.
fn streamed_snapshot(writes: &[&[&str]]) -> Vec<u8> {
    let mut m = harness(&[]);
    for w in writes {
        m.cmd(USER, w);
    }
    m.connect(9, true);
    assert_eq!(m.cmd(9, &["REPLCONF", "capa", "eof"]), "+OK\r\n");
    let psync = vec![b"PSYNC".to_vec(), b"?".to_vec(), b"-1".to_vec()];
    let mut sent = m.event(
        9,
        Event::Commands {
            client: 9,
            cmds: vec![psync],
        },
    );
    let head = sent.iter().position(|&b| b == b'\n').expect("+FULLRESYNC") + 1;
    let mut stream = sent.split_off(head);
    let mark = stream[5..45].to_vec();
    while !stream.ends_with(&mark) {
        m.now.mono_us += 1000;
        m.event(USER, Event::Tick);
        stream.extend(m.take_sent_bytes(9));
    }
    stream
}

#[test]
fn a_streamed_snapshot_is_acknowledged_as_soon_as_it_is_loaded() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    let mut bytes = format!("+FULLRESYNC {MASTER_ID} 1000\r\n").into_bytes();
    bytes.extend(streamed_snapshot(&[&["SET", "k", "v"]]));
    // The master holds the stream behind it until this ACK: it must not wait for the cron.
    let sent = data(&mut h, link, &bytes);
    assert_eq!(sent, resp(&["REPLCONF", "ACK", "1000"]));
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$1\r\nv\r\n");
}

#[test]
fn info_shows_the_progress_of_a_snapshot_transfer() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    data(
        &mut h,
        link,
        format!("+FULLRESYNC {MASTER_ID} 0\r\n$100\r\n").as_bytes(),
    );
    data(&mut h, link, &[0u8; 40]);
    assert_eq!(info(&mut h, "master_sync_in_progress"), "1");
    assert_eq!(info(&mut h, "master_sync_total_bytes"), "100");
    assert_eq!(info(&mut h, "master_sync_read_bytes"), "40");
    assert_eq!(info(&mut h, "master_sync_left_bytes"), "60");
    assert_eq!(info(&mut h, "master_sync_perc"), "40.00");
    let role = h.cmd(USER, &["ROLE"]);
    assert!(role.contains("$4\r\nsync\r\n"), "{role}");
}

#[test]
fn randomkey_on_a_replica_whose_keys_all_expired_answers_instead_of_looping() {
    let (mut h, _link) = synced(&[], &[&["SET", "a", "1", "PX", "100"], &["SET", "b", "2", "PX", "100"]]);
    h.now.unix_ms += 1000;
    let reply = h.cmd(USER, &["RANDOMKEY"]);
    assert!(reply == "$1\r\na\r\n" || reply == "$1\r\nb\r\n", "{reply:?}");
}

#[test]
fn a_replica_connects_only_once_its_own_files_are_loaded() {
    let mut m = harness(&[]);
    m.cmd(USER, &["MSET", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(m.cmd(USER, &["SAVE"]), "+OK\r\n");
    let mut h = harness(&[("replicaof", "master.example 6380"), ("key-load-delay", "2000000")]);
    h.disk = m.disk.clone();
    h.srv.load_from_disk();
    for _ in 0..3 {
        second(&mut h);
        assert!(h.take_connect().is_none(), "no sync while the file loads");
    }
    for _ in 0..4 {
        second(&mut h);
    }
    assert_eq!(info(&mut h, "master_link_status"), "down");
    assert!(h.take_connect().is_some(), "the replication cron connects once loaded");
}

#[test]
fn scripts_cannot_write_on_a_read_only_replica() {
    let (mut h, _link) = synced(&[], &[&["SET", "k", "v"]]);
    let reply = h.cmd(USER, &["EVAL", "return redis.call('SET', 'k', 'w')", "0"]);
    assert!(
        reply.starts_with("-READONLY You can't write against a read only replica."),
        "{reply}"
    );
    assert_eq!(
        h.cmd(USER, &["EVAL", "return redis.call('GET', 'k')", "0"]),
        "$1\r\nv\r\n"
    );
}

#[test]
fn a_command_of_many_arguments_arriving_in_pieces_and_many_keepalive_newlines() {
    let mut h = harness(&[]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    // A master may send a newline per second for a long time before the snapshot.
    data(&mut h, link, format!("+FULLRESYNC {MASTER_ID} 0\r\n").as_bytes());
    data(&mut h, link, &vec![b'\n'; 200_000]);
    data(&mut h, link, &snapshot(&[]));
    assert_eq!(info(&mut h, "master_link_status"), "up");
    let members: Vec<String> = (0..20_000).map(|i| format!("m{i}")).collect();
    let mut words = vec!["SADD", "s"];
    words.extend(members.iter().map(String::as_str));
    let cmd = resp(&words);
    for chunk in cmd.as_bytes().chunks(1000) {
        data(&mut h, link, chunk);
    }
    assert_eq!(h.cmd(USER, &["SCARD", "s"]), ":20000\r\n");
    assert_eq!(info(&mut h, "master_repl_offset"), cmd.len().to_string());
}

#[test]
fn replica_announce_ip_is_sent_and_shown_by_the_master() {
    let mut h = harness(&[("replica-announce-ip", "10.1.2.3")]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _, _) = connect_request(&mut h);
    h.link_opened(link, Ok(()));
    let sent = data(&mut h, link, b"+PONG\r\n");
    let announce = resp(&["REPLCONF", "ip-address", "10.1.2.3"]);
    assert!(sent.contains(&announce), "{sent:?}");
    // A master that does not know the option is no obstacle.
    let psync = data(
        &mut h,
        link,
        b"+OK\r\n-ERR Unrecognized REPLCONF option: ip-address\r\n+OK\r\n",
    );
    assert!(psync.starts_with("*3\r\n$5\r\nPSYNC\r\n"), "{psync:?}");

    // The master side shows the announced address.
    let mut m = harness(&[]);
    m.connect(5, true);
    assert_eq!(
        m.cmd(5, &["REPLCONF", "listening-port", "7000", "ip-address", "10.1.2.3"]),
        "+OK\r\n"
    );
    assert!(m.cmd_bytes(5, &[b"SYNC"]).starts_with(b"$"));
    let text = m.cmd(USER, &["INFO", "replication"]);
    assert!(text.contains("slave0:ip=10.1.2.3,port=7000,state=online"), "{text}");
    let role = m.cmd(USER, &["ROLE"]);
    assert!(role.contains("$8\r\n10.1.2.3\r\n$4\r\n7000\r\n"), "{role}");
}

fn logged(h: &Harness, needle: &str) -> bool {
    h.logs().iter().any(|l| l.contains(needle))
}

fn temp_files(h: &Harness) -> Vec<String> {
    h.disk.files.keys().filter(|p| p.contains("temp-")).cloned().collect()
}

#[test]
fn by_default_the_snapshot_goes_to_dbfilename_and_is_loaded_from_there() {
    let (mut h, _) = synced(&[], &[&["SET", "k", "v"]]);
    let sent = snapshot(&[&["SET", "k", "v"]]);
    let header_end = sent.iter().position(|&b| b == b'\n').unwrap() + 1;
    let len = sent.len() - header_end;
    assert!(logged(
        &h,
        &format!("MASTER <-> REPLICA sync: receiving {len} bytes from master to disk")
    ));
    assert_eq!(
        h.disk.files.get("/d/dump.rdb").map(Vec::as_slice),
        Some(&sent[header_end..])
    );
    assert!(
        h.disk.fsynced.iter().any(|(p, _)| p.contains("temp-")),
        "fsynced before the rename"
    );
    assert!(temp_files(&h).is_empty());
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$1\r\nv\r\n");
    assert!(logged(&h, "MASTER <-> REPLICA sync: Finished with success"));
    assert_eq!(info(&mut h, "master_link_status"), "up");
}

#[test]
fn diskless_load_parses_from_memory_per_repl_diskless_load() {
    let (mut h, _) = synced(&[("repl-diskless-load", "swapdb")], &[&["SET", "k", "v"]]);
    assert!(logged(&h, "bytes from master to parser"));
    assert!(h.disk.files.is_empty());
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$1\r\nv\r\n");
    // on-empty-db: only into an empty dataset.
    let (h, _) = synced(&[("repl-diskless-load", "on-empty-db")], &[&["SET", "k", "v"]]);
    assert!(logged(&h, "bytes from master to parser"));
    let mut h = harness(&[("repl-diskless-load", "on-empty-db")]);
    h.cmd(USER, &["SET", "mine", "1"]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    let mut bytes = format!("+FULLRESYNC {MASTER_ID} 1000\r\n").into_bytes();
    bytes.extend(snapshot(&[&["SET", "k", "v"]]));
    data(&mut h, link, &bytes);
    assert!(logged(&h, "bytes from master to disk"));
    assert!(h.disk.files.contains_key("/d/dump.rdb"));
    assert_eq!(h.cmd(USER, &["EXISTS", "mine", "k"]), ":1\r\n");
}

#[test]
fn a_snapshot_that_cannot_be_written_keeps_the_old_data_and_drops_the_link() {
    let mut h = harness(&[]);
    h.cmd(USER, &["SET", "mine", "1"]);
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    h.disk.full = true;
    let mut bytes = format!("+FULLRESYNC {MASTER_ID} 1000\r\n").into_bytes();
    bytes.extend(snapshot(&[&["SET", "k", "v"]]));
    data(&mut h, link, &bytes);
    assert!(logged(
        &h,
        "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: No space left on device"
    ));
    assert!(h
        .other
        .iter()
        .any(|o| matches!(o, Output::Abort { client } if *client == link)));
    assert!(temp_files(&h).is_empty() && !h.disk.files.contains_key("/d/dump.rdb"));
    assert_eq!(h.cmd(USER, &["GET", "mine"]), "$1\r\n1\r\n");
    assert_eq!(info(&mut h, "master_link_status"), "down");
}

#[test]
fn rdb_del_sync_files_removes_the_file_of_a_replica_without_persistence() {
    let (mut h, _) = synced(&[("rdb-del-sync-files", "yes")], &[&["SET", "k", "v"]]);
    assert!(logged(
        &h,
        "Removing the RDB file obtained from the master. This replica has persistence disabled"
    ));
    assert!(h.disk.files.is_empty());
    assert_eq!(h.cmd(USER, &["GET", "k"]), "$1\r\nv\r\n");
    // With a save point the file stays: it is this replica's persistence.
    let (h, _) = synced(
        &[("rdb-del-sync-files", "yes"), ("save", "\"3600 1\"")],
        &[&["SET", "k", "v"]],
    );
    assert!(h.disk.files.contains_key("/d/dump.rdb"));
}

#[test]
fn a_bgsave_running_when_the_snapshot_arrives_stops_and_cannot_overwrite_it() {
    let mut h = harness(&[("rdb-key-save-delay", "100000")]);
    for i in 0..20 {
        h.cmd(USER, &["SET", &format!("old{i}"), "1"]);
    }
    assert_eq!(h.cmd(USER, &["BGSAVE"]), "+Background saving started\r\n");
    assert_eq!(h.cmd(USER, &["REPLICAOF", "master.example", "6380"]), "+OK\r\n");
    let (link, _) = handshake(&mut h);
    let mut bytes = format!("+FULLRESYNC {MASTER_ID} 1000\r\n").into_bytes();
    let sent = snapshot(&[&["SET", "k", "v"]]);
    bytes.extend(&sent);
    data(&mut h, link, &bytes);
    assert!(logged(
        &h,
        "Replica is about to load the RDB file received from the master"
    ));
    for _ in 0..50 {
        second(&mut h);
    }
    let header_end = sent.iter().position(|&b| b == b'\n').unwrap() + 1;
    assert_eq!(
        h.disk.files.get("/d/dump.rdb").map(Vec::as_slice),
        Some(&sent[header_end..])
    );
    assert!(temp_files(&h).is_empty(), "{:?}", temp_files(&h));
    assert_eq!(h.cmd(USER, &["DBSIZE"]), ":1\r\n");
}
