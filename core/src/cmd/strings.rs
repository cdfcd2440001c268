//! String commands.

use crate::command::Ctx;
use crate::db::Value;

pub(crate) fn get(ctx: &mut Ctx) {
    let db = ctx.client().db;
    match ctx.srv.dbs[db].get(&ctx.args[1]) {
        Some(Value::Str(v)) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
}

/// SET key value. Options (EX, PX, NX, ...) come with the strings issue; until then any extra
/// argument is a syntax error, as an unknown option is in Redis.
pub(crate) fn set(ctx: &mut Ctx) {
    if ctx.args.len() != 3 {
        return ctx.syntax_error();
    }
    let db = ctx.client().db;
    ctx.srv.dbs[db].set(&ctx.args[1], Value::Str(ctx.args[2].clone()));
    ctx.out.ok();
}
