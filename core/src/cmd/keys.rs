//! Generic key commands.

use crate::command::Ctx;

pub(crate) fn del(ctx: &mut Ctx) {
    let db = ctx.client().db;
    let n = ctx.args[1..].iter().filter(|k| ctx.srv.dbs[db].remove(k)).count();
    ctx.out.int(n as i64);
}

pub(crate) fn exists(ctx: &mut Ctx) {
    let db = ctx.client().db;
    let n = ctx.args[1..].iter().filter(|k| ctx.srv.dbs[db].contains(k)).count();
    ctx.out.int(n as i64);
}
