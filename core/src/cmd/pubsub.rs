//! SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH,
//! SPUBLISH and PUBSUB (Redis' pubsub.c). In RESP2 a subscribed client may only run the
//! commands `allowed_when_subscribed` names (checked in `command::dispatch`).

use crate::command::acl::{FAST, PUBSUB as PUBSUB_ACL, SLOW};
use crate::command::flags::{FAST as FAST_FLAG, LOADING, MAY_REPLICATE, NOSCRIPT, PUBSUB, STALE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::glob::glob_match;
use crate::pubsub::{confirm, Kind};

const GROUP: &str = "pubsub";
const SUB: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;
const PUB: u32 = PUBSUB | LOADING | STALE | FAST_FLAG;
const READ: u32 = PUBSUB | LOADING | STALE;
const NOT_KEY: &[&str] = &["not_key"];

#[rustfmt::skip]
static SUBCOMMANDS: &[CommandSpec] = &[
    cmd("pubsub|channels", -2, READ, PUBSUB_ACL | SLOW, GROUP, "2.8.0", "List active channels", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)", channels),
    cmd("pubsub|numsub", -2, READ, PUBSUB_ACL | SLOW, GROUP, "2.8.0", "Get the count of subscribers for channels", "O(N) for the NUMSUB subcommand, where N is the requested channels", numsub),
    cmd("pubsub|shardnumsub", -2, READ, PUBSUB_ACL | SLOW, GROUP, "7.0.0", "Get the count of subscribers for shard channels", "O(N) for the SHARDNUMSUB subcommand, where N is the requested shard channels", shardnumsub),
    cmd("pubsub|help", 2, LOADING | STALE, SLOW, GROUP, "6.2.0", "Show helpful text about the different subcommands", "O(1)", help),
    cmd("pubsub|numpat", 2, READ, PUBSUB_ACL | SLOW, GROUP, "2.8.0", "Get the count of unique patterns pattern subscriptions", "O(1)", numpat),
    cmd("pubsub|shardchannels", -2, READ, PUBSUB_ACL | SLOW, GROUP, "7.0.0", "List active shard channels", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).", shardchannels),
];

#[rustfmt::skip]
pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd("subscribe", -2, SUB, PUBSUB_ACL | SLOW, GROUP, "2.0.0", "Listen for messages published to the given channels", "O(N) where N is the number of channels to subscribe to.", subscribe),
    cmd("unsubscribe", -1, SUB, PUBSUB_ACL | SLOW, GROUP, "2.0.0", "Stop listening for messages posted to the given channels", "O(N) where N is the number of clients already subscribed to a channel.", unsubscribe),
    cmd("psubscribe", -2, SUB, PUBSUB_ACL | SLOW, GROUP, "2.0.0", "Listen for messages published to channels matching the given patterns", "O(N) where N is the number of patterns the client is already subscribed to.", psubscribe),
    cmd("punsubscribe", -1, SUB, PUBSUB_ACL | SLOW, GROUP, "2.0.0", "Stop listening for messages posted to channels matching the given patterns", "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", punsubscribe),
    cmd("ssubscribe", -2, SUB, PUBSUB_ACL | SLOW, GROUP, "7.0.0", "Listen for messages published to the given shard channels", "O(N) where N is the number of shard channels to subscribe to.", ssubscribe).keys(1, -1, 1, NOT_KEY),
    cmd("sunsubscribe", -1, SUB, PUBSUB_ACL | SLOW, GROUP, "7.0.0", "Stop listening for messages posted to the given shard channels", "O(N) where N is the number of clients already subscribed to a shard channel.", sunsubscribe).keys(1, -1, 1, NOT_KEY),
    cmd("publish", 3, PUB | MAY_REPLICATE, PUBSUB_ACL | FAST, GROUP, "2.0.0", "Post a message to a channel", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", publish),
    cmd("spublish", 3, PUB | MAY_REPLICATE, PUBSUB_ACL | FAST, GROUP, "7.0.0", "Post a message to a shard channel", "O(N) where N is the number of clients subscribed to the receiving shard channel.", spublish).keys(1, 1, 1, NOT_KEY),
    cmd("pubsub", -2, 0, SLOW, GROUP, "2.8.0", "A container for Pub/Sub commands", "Depends on subcommand.", super::connection::container).subs(SUBCOMMANDS),
];

/// What a RESP2 client may run while subscribed (Redis' processCommand check).
pub(crate) fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

fn subscribe_generic(ctx: &mut Ctx, kind: Kind) {
    let (verb, _) = kind.verbs();
    // Inside EXEC nothing may block; Redis 7.0 lets SUBSCRIBE/PSUBSCRIBE through there (the
    // client is still flagged MULTI) but not SSUBSCRIBE.
    if kind == Kind::Shard && ctx.client().deny_blocking {
        return ctx.out.err("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    let id = ctx.id;
    for name in &ctx.args[1..] {
        ctx.srv.subscribe(id, kind, name);
        let count = ctx.client().subs.count(kind);
        confirm(ctx.out, verb, Some(name), count);
    }
}

/// Leaves the named channels, or all of them; with none to leave, one confirmation with a null
/// name.
fn unsubscribe_generic(ctx: &mut Ctx, kind: Kind) {
    let (_, verb) = kind.verbs();
    let id = ctx.id;
    let names: Vec<Vec<u8>> = if ctx.args.len() > 1 {
        ctx.args[1..].to_vec()
    } else {
        ctx.client().subs.of(kind).clone()
    };
    if names.is_empty() {
        let count = ctx.client().subs.count(kind);
        return confirm(ctx.out, verb, None, count);
    }
    for name in &names {
        ctx.srv.unsubscribe(id, kind, name);
        let count = ctx.client().subs.count(kind);
        confirm(ctx.out, verb, Some(name), count);
    }
}

fn subscribe(ctx: &mut Ctx) {
    subscribe_generic(ctx, Kind::Channel);
}

fn psubscribe(ctx: &mut Ctx) {
    subscribe_generic(ctx, Kind::Pattern);
}

fn ssubscribe(ctx: &mut Ctx) {
    subscribe_generic(ctx, Kind::Shard);
}

fn unsubscribe(ctx: &mut Ctx) {
    unsubscribe_generic(ctx, Kind::Channel);
}

fn punsubscribe(ctx: &mut Ctx) {
    unsubscribe_generic(ctx, Kind::Pattern);
}

fn sunsubscribe(ctx: &mut Ctx) {
    unsubscribe_generic(ctx, Kind::Shard);
}

/// PUBLISH/SPUBLISH: the number of receivers. The message also goes to replicas (Redis
/// forces its propagation), so their subscribers get it too.
fn publish_generic(ctx: &mut Ctx, kind: Kind) {
    let args = ctx.args;
    let id = ctx.id;
    let n = ctx.srv.publish(kind, &args[1], &args[2], Some((id, ctx.out)));
    ctx.srv.repl.force();
    ctx.out.int(n as i64);
}

fn publish(ctx: &mut Ctx) {
    publish_generic(ctx, Kind::Channel);
}

fn spublish(ctx: &mut Ctx) {
    publish_generic(ctx, Kind::Shard);
}

/// The active channels of `kind` matching the optional pattern argument.
fn list_channels(ctx: &mut Ctx, kind: Kind) {
    let pattern = ctx.args.get(2).cloned();
    let names: Vec<Vec<u8>> = ctx
        .srv
        .pubsub
        .map(kind)
        .keys()
        .filter(|n| pattern.as_ref().is_none_or(|p| glob_match(p, n, false)))
        .cloned()
        .collect();
    ctx.out.array(names.len());
    for n in &names {
        ctx.out.bulk(n);
    }
}

fn channels(ctx: &mut Ctx) {
    if ctx.args.len() > 3 {
        return wrong_arity(ctx);
    }
    list_channels(ctx, Kind::Channel);
}

fn shardchannels(ctx: &mut Ctx) {
    if ctx.args.len() > 3 {
        return wrong_arity(ctx);
    }
    list_channels(ctx, Kind::Shard);
}

/// Redis checks PUBSUB CHANNELS/SHARDCHANNELS' argument count itself
/// (addReplySubcommandSyntaxError).
fn wrong_arity(ctx: &mut Ctx) {
    let mut msg = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    msg.extend_from_slice(crate::command::c_str(&ctx.args[1], 128));
    msg.extend_from_slice(b"'. Try PUBSUB HELP.");
    ctx.out.error_format_bytes(&msg);
}

/// `channel, count` pairs, a flat array in RESP3 too.
fn count_subscribers(ctx: &mut Ctx, kind: Kind) {
    let args = ctx.args;
    ctx.out.array((args.len() - 2) * 2);
    for name in &args[2..] {
        let n = ctx.srv.pubsub.map(kind).get(name).map_or(0, Vec::len);
        ctx.out.bulk(name);
        ctx.out.int(n as i64);
    }
}

fn numsub(ctx: &mut Ctx) {
    count_subscribers(ctx, Kind::Channel);
}

fn shardnumsub(ctx: &mut Ctx) {
    count_subscribers(ctx, Kind::Shard);
}

fn numpat(ctx: &mut Ctx) {
    let n = ctx.srv.pubsub.patterns.len();
    ctx.out.int(n as i64);
}

fn help(ctx: &mut Ctx) {
    super::help_reply(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
}
