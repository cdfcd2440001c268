//! The dataset as commands, as Redis' rewriteAppendOnlyFile writes a base without the RDB
//! preamble: one command per key, collections in batches of 64 items
//! (AOF_REWRITE_ITEMS_PER_CMD).

use crate::types::set::Member;
use crate::value::Value;

const ITEMS_PER_CMD: usize = 64;

type Argv = Vec<Vec<u8>>;

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
    }
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
