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
