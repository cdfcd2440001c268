//! EVAL of the workload's script templates (`crate::workload::scripts`): the calls run in
//! order on the model's state, each as Redis' script client would (one protocol-2 reply,
//! converted to Lua and back), and the first error ends the script with Redis' message and
//! the line that raised it. Nothing runs between the calls: that is the atomicity checked.

use ferrous_io_sim::Value;

use super::{Call, Expect, Model};
use crate::workload::scripts;

pub(super) fn eval(m: &mut Model, c: &Call) -> Expect {
    let Some(t) = scripts::find(&c.args[1]) else {
        panic!("the workload only sends its own script templates");
    };
    let keys = &c.args[3..3 + t.keys];
    let argv = &c.args[3 + t.keys..];
    let mut results = Vec::new();
    for i in 0..t.calls.len() {
        let args = t.call_args(i, keys, argv);
        let call = Call {
            id: c.id,
            args: &args,
            now: c.now,
        };
        let reply = match m.run_queued(&call) {
            Expect::Reply(v) => v,
            other => panic!("script templates use commands with exact replies, not {other:?}"),
        };
        if let Value::Error(mut text) = reply {
            let sha = sha1_smol::Sha1::from(&c.args[1]).digest().to_string();
            text.extend_from_slice(format!(" script: {sha}, on @user_script:{}.", i + 1).as_bytes());
            return Expect::Reply(Value::Error(text));
        }
        results.push(through_lua(m, c, reply));
    }
    Expect::Reply(Value::Array(results))
}

/// A reply after its trip through Lua: a null becomes `false`, which goes back to the caller
/// as its protocol's null; an integer becomes a Lua number (a double) and comes back through
/// C's `(long long)` cast, which x86-64 turns into i64::MIN when out of range.
fn through_lua(m: &mut Model, c: &Call, v: Value) -> Value {
    match v {
        Value::NullBulk | Value::Null | Value::NullArray => m.null(c.id),
        Value::Int(n) => {
            let d = n as f64;
            let fits = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&d);
            Value::Int(if fits { d as i64 } else { i64::MIN })
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|i| through_lua(m, c, i)).collect()),
        other => other,
    }
}
