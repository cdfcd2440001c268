//! The dataset as commands, as Redis' rewriteAppendOnlyFile writes a base without the RDB
//! preamble: one command per key, collections in batches of 64 items
//! (AOF_REWRITE_ITEMS_PER_CMD).

use crate::repl::encode_command;
use crate::types::set::Member;
use crate::types::stream::{Stream, StreamId};
use crate::value::Value;

const ITEMS_PER_CMD: usize = 64;

type Argv = Vec<Vec<u8>>;

/// One key as commands appended to `out`: the commands that rebuild its value, then its TTL
/// as PEXPIREAT.
pub(crate) fn write_key(out: &mut Vec<u8>, key: &[u8], value: &Value, expire_at: Option<u64>) {
    for argv in commands_for(key, value) {
        out.extend(encode_command(&argv));
    }
    if let Some(at) = expire_at {
        out.extend(encode_command(&[
            b"PEXPIREAT".to_vec(),
            key.to_vec(),
            at.to_string().into_bytes(),
        ]));
    }
}

/// SELECT `db`, as a database's commands start.
pub(crate) fn write_select(out: &mut Vec<u8>, db: usize) {
    out.extend(encode_command(&[b"SELECT".to_vec(), db.to_string().into_bytes()]));
}

/// The commands that rebuild `value` under `key`.
pub(crate) fn commands_for(key: &[u8], value: &Value) -> Vec<Argv> {
    match value {
        Value::Str(s) => vec![vec![b"SET".to_vec(), key.to_vec(), s.to_bytes()]],
        Value::List(l) => batched(b"RPUSH", key, l.iter().map(|e| vec![e.to_bytes()])),
        Value::Set(s) => batched(
            b"SADD",
            key,
            s.iter().map(|m| match m {
                Member::Int(n) => vec![n.to_string().into_bytes()],
                Member::Bytes(b) => vec![b.to_vec()],
            }),
        ),
        Value::Hash(h) => batched(b"HMSET", key, h.iter().map(|(f, v)| vec![f.to_bytes(), v.to_bytes()])),
        Value::ZSet(z) => batched(
            b"ZADD",
            key,
            z.iter()
                .map(|(m, s)| vec![crate::resp::format_double(s).into_bytes(), m.to_bytes()]),
        ),
        Value::Stream(s) => stream_commands(key, s),
    }
}

/// Redis' rewriteStreamObject: an XADD per entry (an empty stream is made by an XADD trimmed
/// to nothing), XSETID with the counters, then each group, its pending entries as forced
/// XCLAIMs and its consumers without any as XGROUP CREATECONSUMER.
fn stream_commands(key: &[u8], s: &Stream) -> Vec<Argv> {
    let b = |x: &[u8]| x.to_vec();
    let mut out: Vec<Argv> = Vec::new();
    if s.length > 0 {
        for e in s.range(StreamId::MIN, StreamId::MAX, 0, false) {
            let mut cmd = vec![b(b"XADD"), b(key), e.id.to_bytes()];
            cmd.extend(e.fields);
            out.push(cmd);
        }
    } else {
        let id = StreamId::new(0, 1).to_bytes();
        out.push(vec![b(b"XADD"), b(key), b(b"MAXLEN"), b(b"0"), id, b(b"x"), b(b"y")]);
    }
    out.push(vec![
        b(b"XSETID"),
        b(key),
        s.last_id.to_bytes(),
        b(b"ENTRIESADDED"),
        s.entries_added.to_string().into_bytes(),
        b(b"MAXDELETEDID"),
        s.max_deleted_entry_id.to_bytes(),
    ]);
    for (name, g) in &s.groups {
        out.push(vec![
            b(b"XGROUP"),
            b(b"CREATE"),
            b(key),
            name.clone(),
            g.last_id.to_bytes(),
            b(b"ENTRIESREAD"),
            g.entries_read.to_string().into_bytes(),
        ]);
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                out.push(vec![
                    b(b"XGROUP"),
                    b(b"CREATECONSUMER"),
                    b(key),
                    name.clone(),
                    cname.clone(),
                ]);
            }
            for id in &c.pel {
                let Some(nack) = g.pel.get(id) else { continue };
                out.push(vec![
                    b(b"XCLAIM"),
                    b(key),
                    name.clone(),
                    cname.clone(),
                    b(b"0"),
                    id.to_bytes(),
                    b(b"TIME"),
                    nack.delivery_time.to_string().into_bytes(),
                    b(b"RETRYCOUNT"),
                    nack.delivery_count.to_string().into_bytes(),
                    b(b"JUSTID"),
                    b(b"FORCE"),
                ]);
            }
        }
    }
    out
}

/// `name key item...` commands of at most 64 items each (an item is one or two arguments).
fn batched(name: &[u8], key: &[u8], items: impl Iterator<Item = Vec<Vec<u8>>>) -> Vec<Argv> {
    let mut out: Vec<Argv> = Vec::new();
    for (count, item) in items.enumerate() {
        if count % ITEMS_PER_CMD == 0 {
            out.push(vec![name.to_vec(), key.to_vec()]);
        }
        if let Some(cmd) = out.last_mut() {
            cmd.extend(item);
        }
    }
    out
}
