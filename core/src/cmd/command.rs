//! COMMAND and its subcommands: the command table, described.

use crate::command::{acl, all_commands, find_subcommand, flags, CommandSpec, Ctx};
use crate::glob::glob_match;
use crate::resp::Reply;

/// Finds a command by `name` or `container|sub`, any case.
fn find_by_fullname(ctx: &Ctx, name: &[u8]) -> Option<&'static CommandSpec> {
    let mut parts = name.splitn(2, |&c| c == b'|');
    let top = ctx.srv.commands.get(parts.next()?)?;
    match parts.next() {
        None => Some(top),
        Some(sub) => find_subcommand(top, sub),
    }
}

fn reply_flags(out: &mut Reply, c: &CommandSpec) {
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| c.flags & f != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
}

fn reply_categories(out: &mut Reply, c: &CommandSpec) {
    let cats = c.acl_categories();
    let names: Vec<&str> = acl::NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| cats & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(&format!("@{n}"));
    }
}

fn reply_key_specs(out: &mut Reply, c: &CommandSpec) {
    let specs = c.specs();
    // Redis 7.0 sends the key specs as a RESP3 set.
    out.set(specs.len());
    for spec in specs {
        if spec.notes.is_empty() {
            out.map(3);
        } else {
            out.map(4);
            out.bulk_str("notes");
            out.bulk_str(spec.notes);
        }
        out.bulk_str("flags");
        out.set(spec.flags.len());
        for f in spec.flags {
            out.simple(f);
        }
        out.bulk_str("begin_search");
        out.map(2);
        out.bulk_str("type");
        out.bulk_str("index");
        out.bulk_str("spec");
        out.map(1);
        out.bulk_str("index");
        out.int(i64::from(spec.index));
        out.bulk_str("find_keys");
        out.map(2);
        out.bulk_str("type");
        out.bulk_str("range");
        out.bulk_str("spec");
        out.map(3);
        out.bulk_str("lastkey");
        out.int(i64::from(spec.last));
        out.bulk_str("keystep");
        out.int(i64::from(spec.step));
        out.bulk_str("limit");
        out.int(i64::from(spec.limit));
    }
}

/// One `COMMAND INFO` entry: Redis 7's ten fields.
fn reply_info(out: &mut Reply, c: &CommandSpec) {
    out.array(10);
    out.bulk_str(c.name);
    out.int(i64::from(c.arity));
    reply_flags(out, c);
    out.int(i64::from(c.first_key));
    out.int(i64::from(c.last_key));
    out.int(i64::from(c.step));
    reply_categories(out, c);
    out.set(c.tips.len());
    for t in c.tips {
        out.simple(t);
    }
    reply_key_specs(out, c);
    // No subcommands: an empty set; some: an array (as Redis 7.0 does).
    if c.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(c.subcommands.len());
    }
    for s in c.subcommands {
        reply_info(out, s);
    }
}

fn reply_docs(out: &mut Reply, c: &CommandSpec) {
    let fields = 4 + usize::from(c.is_container());
    out.map(fields);
    for (k, v) in [
        ("summary", c.summary),
        ("since", c.since),
        ("group", c.group),
        ("complexity", c.complexity),
    ] {
        out.bulk_str(k);
        out.bulk_str(v);
    }
    if c.is_container() {
        out.bulk_str("subcommands");
        out.map(c.subcommands.len());
        for s in c.subcommands {
            out.bulk_str(s.name);
            reply_docs(out, s);
        }
    }
}

pub(crate) fn all(ctx: &mut Ctx) {
    ctx.out.array(all_commands().count());
    for c in all_commands() {
        reply_info(ctx.out, c);
    }
}

pub(crate) fn count(ctx: &mut Ctx) {
    ctx.out.int(all_commands().count() as i64);
}

pub(crate) fn info(ctx: &mut Ctx) {
    if ctx.args.len() == 2 {
        return all(ctx);
    }
    ctx.out.array(ctx.args.len() - 2);
    for name in &ctx.args[2..] {
        match find_by_fullname(ctx, name) {
            Some(c) => reply_info(ctx.out, c),
            None => ctx.out.null_array(),
        }
    }
}

pub(crate) fn docs(ctx: &mut Ctx) {
    let found: Vec<&'static CommandSpec> = if ctx.args.len() == 2 {
        all_commands().collect()
    } else {
        ctx.args[2..].iter().filter_map(|n| find_by_fullname(ctx, n)).collect()
    };
    ctx.out.map(found.len());
    for c in found {
        ctx.out.bulk_str(c.name);
        reply_docs(ctx.out, c);
    }
}

/// Every command and subcommand name, depth first, as Redis lists them.
fn all_names() -> Vec<&'static CommandSpec> {
    let mut v = Vec::new();
    for c in all_commands() {
        v.push(c);
        v.extend(c.subcommands.iter());
    }
    v
}

pub(crate) fn list(ctx: &mut Ctx) {
    let names = all_names();
    let selected: Vec<&CommandSpec> = match ctx.args.len() {
        2 => names,
        5 if ctx.args[2].eq_ignore_ascii_case(b"filterby") => {
            let kind = ctx.arg_str(3).to_ascii_lowercase();
            let value = ctx.args[4].clone();
            match kind.as_str() {
                "module" => Vec::new(),
                "aclcat" => {
                    let Some(i) = acl::NAMES
                        .iter()
                        .position(|n| n.as_bytes().eq_ignore_ascii_case(&value))
                    else {
                        return ctx.out.array(0);
                    };
                    names
                        .into_iter()
                        .filter(|c| c.acl_categories() & (1 << i) != 0)
                        .collect()
                }
                "pattern" => names
                    .into_iter()
                    .filter(|c| glob_match(&value, c.name.as_bytes(), true))
                    .collect(),
                _ => return ctx.syntax_error(),
            }
        }
        _ => return ctx.syntax_error(),
    };
    ctx.out.array(selected.len());
    for c in selected {
        ctx.out.bulk_str(c.name);
    }
}

/// The keys of the command in `COMMAND GETKEYS <full-command>` with their flags, or the error.
fn target_keys(ctx: &mut Ctx) -> Option<Vec<(usize, &'static [&'static str])>> {
    let target = &ctx.args[2..];
    let cmd = match crate::command::lookup(&ctx.srv.commands, target) {
        crate::command::Lookup::Found(c) => c,
        _ => {
            ctx.out.err("Invalid command specified");
            return None;
        }
    };
    if !cmd.arity_ok(target.len()) {
        ctx.out.err("Invalid number of arguments specified for command");
        return None;
    }
    let keys = cmd.keys_and_flags(target);
    if keys.is_empty() {
        ctx.out.err("The command has no key arguments");
        return None;
    }
    Some(keys)
}

pub(crate) fn getkeys(ctx: &mut Ctx) {
    let Some(keys) = target_keys(ctx) else {
        return;
    };
    let target = &ctx.args[2..];
    ctx.out.array(keys.len());
    for (k, _) in keys {
        ctx.out.bulk(&target[k]);
    }
}

pub(crate) fn help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
}

pub(crate) fn getkeysandflags(ctx: &mut Ctx) {
    let Some(keys) = target_keys(ctx) else {
        return;
    };
    let target = &ctx.args[2..];
    ctx.out.array(keys.len());
    for (k, flags) in keys {
        ctx.out.array(2);
        ctx.out.bulk(&target[k]);
        ctx.out.set(flags.len());
        for f in flags {
            ctx.out.simple(f);
        }
    }
}
