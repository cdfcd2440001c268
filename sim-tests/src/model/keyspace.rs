//! String and key commands: GET, SET, DEL, EXISTS, DBSIZE.

use ferrous_io_sim::Value;

use super::errors::syntax_error;
use super::{Call, Model};

pub(super) fn get(m: &mut Model, c: &Call) -> Value {
    match m.db(c.id).get(&c.args[1]) {
        Some(v) => Value::Bulk(v.clone()),
        None => m.null(c.id),
    }
}

/// SET key value [options]. The workload's only options are words Redis does not know, which
/// Redis rejects as a syntax error before touching the key.
pub(super) fn set(m: &mut Model, c: &Call) -> Value {
    if c.args.len() > 3 {
        return syntax_error();
    }
    m.db(c.id).insert(c.args[1].clone(), c.args[2].clone());
    Value::simple("OK")
}

/// Each key is deleted once, so a repeated key counts once.
pub(super) fn del(m: &mut Model, c: &Call) -> Value {
    let db = m.db(c.id);
    let removed = c.args[1..].iter().filter(|k| db.remove(*k).is_some()).count();
    Value::Int(removed as i64)
}

/// Each argument is counted, so a repeated existing key counts every time.
pub(super) fn exists(m: &mut Model, c: &Call) -> Value {
    let db = m.db(c.id);
    let found = c.args[1..].iter().filter(|k| db.contains_key(*k)).count();
    Value::Int(found as i64)
}

pub(super) fn dbsize(m: &mut Model, c: &Call) -> Value {
    Value::Int(m.db(c.id).len() as i64)
}
