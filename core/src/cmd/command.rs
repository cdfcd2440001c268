//! COMMAND and its subcommands: the command table, described.

use crate::command::meta::{self, registry};
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

/// Key specs and subcommands go out as RESP3 sets: Redis 7.0 replies them with
/// addReplySetLen (an array in RESP2).
fn reply_key_specs(out: &mut Reply, c: &CommandSpec) {
    if c.first_key <= 0 {
        return out.set(0);
    }
    let last = if c.last_key < 0 {
        c.last_key
    } else {
        c.last_key - c.first_key
    };
    out.set(1);
    if c.key_notes.is_empty() {
        out.map(3);
    } else {
        out.map(4);
        out.bulk_str("notes");
        out.bulk_str(c.key_notes);
    }
    out.bulk_str("flags");
    out.set(c.key_flags.len());
    for f in c.key_flags {
        out.simple(f);
    }
    out.bulk_str("begin_search");
    out.map(2);
    out.bulk_str("type");
    out.bulk_str("index");
    out.bulk_str("spec");
    out.map(1);
    out.bulk_str("index");
    out.int(i64::from(c.first_key));
    out.bulk_str("find_keys");
    out.map(2);
    out.bulk_str("type");
    out.bulk_str("range");
    out.bulk_str("spec");
    out.map(3);
    out.bulk_str("lastkey");
    out.int(i64::from(last));
    out.bulk_str("keystep");
    out.int(i64::from(c.step));
    out.bulk_str("limit");
    out.int(0);
}

/// One `COMMAND INFO` entry: Redis 7's ten fields, from Redis' own data where it describes the
/// command; the subcommands listed are the ones ferrous has.
fn reply_info(out: &mut Reply, c: &CommandSpec) {
    out.array(10);
    if let Some(m) = registry().get(c.name) {
        for f in &m.info {
            f.emit(out);
        }
        out.set(c.subcommands.len());
        for s in c.subcommands {
            reply_info(out, s);
        }
        return;
    }
    out.bulk_str(c.name);
    out.int(i64::from(c.arity));
    reply_flags(out, c);
    out.int(i64::from(c.first_key));
    out.int(i64::from(c.last_key));
    out.int(i64::from(c.step));
    reply_categories(out, c);
    out.set(c.tips.len());
    for t in c.tips {
        out.bulk_str(t);
    }
    reply_key_specs(out, c);
    out.set(c.subcommands.len());
    for s in c.subcommands {
        reply_info(out, s);
    }
}

fn reply_docs(out: &mut Reply, c: &CommandSpec) {
    if let Some(m) = registry().get(c.name) {
        out.map(m.docs.len() + usize::from(c.is_container()));
        for (k, v) in &m.docs {
            k.emit(out);
            v.emit(out);
        }
        return reply_subcommand_docs(out, c);
    }
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
    reply_subcommand_docs(out, c);
}

fn reply_subcommand_docs(out: &mut Reply, c: &CommandSpec) {
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
            None => ctx.out.null(),
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

/// Key positions with their flags: Redis' getKeysFromCommandWithSpecs. Key specs when the
/// command has reliable ones, else its getkeys procedure; `None` when neither finds the keys.
pub(crate) fn keys_with_flags(c: &CommandSpec, args: &[Vec<u8>]) -> Option<Vec<(usize, Vec<String>)>> {
    let Some(m) = registry().get(c.name) else {
        let flags: Vec<String> = c.key_flags.iter().map(|f| f.to_string()).collect();
        return Some(
            c.key_positions(args.len())
                .into_iter()
                .map(|k| (k, flags.clone()))
                .collect(),
        );
    };
    let variable = m.key_specs.iter().any(|s| s.has_flag("variable_flags"));
    if !variable {
        if let Some(keys) = meta::keys_by_specs(&m.key_specs, args) {
            let names = |n: usize| {
                m.key_specs[n]
                    .flags
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            };
            return Some(keys.into_iter().map(|(k, n)| (k, names(n))).collect());
        }
    }
    let proc_ = c.getkeys?;
    Some(
        proc_(args)
            .into_iter()
            .map(|(k, f)| (k, f.iter().map(|s| s.to_string()).collect()))
            .collect(),
    )
}

/// Does the command take keys at all (Redis' doesCommandHaveKeys)?
fn has_keys(c: &CommandSpec) -> bool {
    match registry().get(c.name) {
        Some(m) => c.getkeys.is_some() || m.key_specs.iter().any(|s| !s.has_flag("not_key")),
        None => c.first_key > 0,
    }
}

/// The command named in `COMMAND GETKEYS <full-command>` and its keys, or the error.
fn target_keys(ctx: &mut Ctx) -> Option<Vec<(usize, Vec<String>)>> {
    let target = &ctx.args[2..];
    let cmd = match crate::command::lookup(&ctx.srv.commands, target) {
        crate::command::Lookup::Found(c) => c,
        _ => {
            ctx.out.err("Invalid command specified");
            return None;
        }
    };
    // Redis' order: a command without keys, then the arity, then the keys found.
    if !has_keys(cmd) {
        ctx.out.err("The command has no key arguments");
        return None;
    }
    if !cmd.arity_ok(target.len()) {
        ctx.out.err("Invalid number of arguments specified for command");
        return None;
    }
    match keys_with_flags(cmd, target) {
        Some(keys) if !keys.is_empty() => Some(keys),
        _ if cmd.flags & flags::NO_MANDATORY_KEYS != 0 => Some(Vec::new()),
        _ => {
            ctx.out.err("Invalid arguments specified for command");
            None
        }
    }
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
    for (k, key_flags) in keys {
        ctx.out.array(2);
        ctx.out.bulk(&target[k]);
        ctx.out.set(key_flags.len());
        for f in key_flags {
            ctx.out.simple(&f);
        }
    }
}
