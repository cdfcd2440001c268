//! Command implementations, one file per family as in Redis' `t_*.c`.

pub(crate) mod bitops;
pub(crate) mod client;
pub(crate) mod command;
pub(crate) mod config;
pub(crate) mod connection;
pub(crate) mod debug;
pub(crate) mod dump;
pub(crate) mod expire;
pub(crate) mod function;
pub(crate) mod hashes;
pub(crate) mod keys;
pub(crate) mod lcs;
pub(crate) mod lists;
pub(crate) mod memory;
pub(crate) mod object;
pub(crate) mod server;
pub(crate) mod sets;
pub(crate) mod sort;
pub(crate) mod strings;
pub(crate) mod zsets;

use crate::command::Ctx;

/// HRANDFIELD / ZRANDMEMBER `key count [WITHVALUES|WITHSCORES]`: the count and whether the
/// option was given, checked in Redis' order; `None` once an error was replied.
pub(crate) fn rand_count_args(ctx: &mut Ctx, option: &str) -> Option<(i64, bool)> {
    let args = ctx.args;
    let l = ctx.int_arg(2)?;
    if l == i64::MIN {
        ctx.out
            .err("value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        return None;
    }
    if args.len() > 4 || (args.len() == 4 && !args[3].eq_ignore_ascii_case(option.as_bytes())) {
        ctx.syntax_error();
        return None;
    }
    let with = args.len() == 4;
    // Redis doubles the count for the reply's length: what would overflow is refused.
    if with && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        ctx.out.err("value is out of range");
        return None;
    }
    Some((l, with))
}

/// `HELP` replies: the command name's header line, the lines, and Redis' closing `HELP` line.
pub(crate) fn help_reply(ctx: &mut Ctx, container: &str, lines: &[&str]) {
    let mut all = vec![format!(
        "{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    )];
    all.extend(lines.iter().map(|l| l.to_string()));
    all.push("HELP".into());
    all.push("    Prints this help.".into());
    ctx.out.array(all.len());
    for l in &all {
        ctx.out.simple(l);
    }
}
