//! CLIENT subcommands.

use crate::client::{Client, ClientId, ReplyMode};
use crate::client_memory::{client_memory, ClientMemory, Running};
use crate::command::Ctx;
use crate::resp::parse_i64;
use crate::server::Server;

pub(crate) fn id(ctx: &mut Ctx) {
    ctx.out.int(ctx.id as i64);
}

/// Valid client names and library infos: printable ASCII without spaces.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// Sets the client name (empty clears it); replies with the error and returns false if invalid.
pub(crate) fn set_name(ctx: &mut Ctx, name: &[u8]) -> bool {
    if !valid_name(name) {
        ctx.out
            .err("Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    ctx.client().name = name.to_vec();
    true
}

pub(crate) fn setname(ctx: &mut Ctx) {
    let args = ctx.args;
    if set_name(ctx, &args[2]) {
        ctx.out.ok();
    }
}

pub(crate) fn getname(ctx: &mut Ctx) {
    let name = ctx.client().name.clone();
    if name.is_empty() {
        ctx.out.null();
    } else {
        ctx.out.bulk(&name);
    }
}

pub(crate) fn setinfo(ctx: &mut Ctx) {
    let attr = ctx.arg_str(2).to_ascii_lowercase();
    if attr != "lib-name" && attr != "lib-ver" {
        let mut msg = b"ERR Unrecognized option '".to_vec();
        msg.extend_from_slice(crate::command::c_str(&ctx.args[2], usize::MAX));
        msg.push(b'\'');
        return ctx.out.error_bytes(&msg);
    }
    let value = ctx.args[3].clone();
    if !valid_name(&value) {
        return ctx.out.err(&format!(
            "{attr} cannot contain spaces, newlines or special characters."
        ));
    }
    let c = ctx.client();
    if attr == "lib-name" {
        c.lib_name = value;
    } else {
        c.lib_ver = value;
    }
    ctx.out.ok();
}

/// Parses `on`/`off` for NO-EVICT and NO-TOUCH.
fn on_off(ctx: &mut Ctx) -> Option<bool> {
    let v = &ctx.args[2];
    if v.eq_ignore_ascii_case(b"on") {
        Some(true)
    } else if v.eq_ignore_ascii_case(b"off") {
        Some(false)
    } else {
        ctx.syntax_error();
        None
    }
}

pub(crate) fn no_evict(ctx: &mut Ctx) {
    if let Some(on) = on_off(ctx) {
        ctx.client().no_evict = on;
        ctx.out.ok();
    }
}

pub(crate) fn no_touch(ctx: &mut Ctx) {
    if let Some(on) = on_off(ctx) {
        ctx.client().no_touch = on;
        ctx.out.ok();
    }
}

pub(crate) fn reply(ctx: &mut Ctx) {
    let mode = ctx.arg_str(2).to_ascii_lowercase();
    let c = ctx.client();
    match mode.as_str() {
        "on" => {
            c.reply_mode = ReplyMode::On;
            ctx.out.ok();
        }
        "off" => c.reply_mode = ReplyMode::Off,
        "skip" => {
            if c.reply_mode != ReplyMode::Off {
                c.reply_mode = ReplyMode::SkipNext;
            }
        }
        _ => ctx.syntax_error(),
    }
}

/// One CLIENT LIST line (without the trailing newline), in Redis 7's field order. `mem`: its
/// buffers (see `crate::client_memory`).
fn client_line(c: &Client, now_us: u64, mem: ClientMemory) -> String {
    let age = now_us.saturating_sub(c.created_us) / 1_000_000;
    let idle = now_us.saturating_sub(c.last_interaction_us) / 1_000_000;
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} \
         qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs=0 rbp=0 obl={} oll={} omem={} tot-mem={} events=r \
         cmd={} user=default redir={} resp={} lib-name={} lib-ver={}",
        c.id,
        c.conn.addr,
        c.conn.laddr,
        c.conn.fd,
        lossy(&c.name),
        age,
        idle,
        c.flags_string(),
        c.db,
        c.subs.channels.len(),
        c.subs.patterns.len(),
        c.subs.shard.len(),
        c.multi.as_ref().map_or(-1, |q| q.len() as i64),
        mem.qbuf,
        mem.qbuf_free,
        mem.argv_mem,
        mem.multi_mem,
        mem.obl,
        mem.oll,
        mem.omem,
        mem.tot_mem,
        c.last_cmd,
        c.tracking_redirect(),
        c.resp(),
        lossy(&c.lib_name),
        lossy(&c.lib_ver),
    )
}

/// The memory fields of client `c` as `ctx`'s client sees them (its own command is running).
fn memory_of(ctx: &Ctx, c: &Client) -> ClientMemory {
    let running = (c.id == ctx.id).then_some(Running {
        args: ctx.args,
        reply_bytes: ctx.out.buf.len(),
    });
    client_memory(c, running, ctx.srv.blocked_args(c.id))
}

pub(crate) fn info(ctx: &mut Ctx) {
    let now = ctx.srv.clock.mono_us();
    let Some(me) = ctx.srv.clients.get(&ctx.id) else { return };
    // The reply buffer is held by the context, so the client's resp comes from there.
    let mut line = client_line(me, now, memory_of(ctx, me));
    if ctx.out.resp3 {
        line = line.replace(" resp=2 ", " resp=3 ");
    }
    line.push('\n');
    ctx.out.verbatim(&line);
}

/// Client types known to CLIENT LIST/KILL TYPE.
fn parse_type(ctx: &mut Ctx, i: usize) -> Option<&'static str> {
    let t = ctx.arg_str(i).to_ascii_lowercase();
    match t.as_str() {
        "normal" => Some("normal"),
        "master" => Some("master"),
        "replica" | "slave" => Some("replica"),
        "pubsub" => Some("pubsub"),
        _ => {
            let msg = format!("Unknown client type '{}'", ctx.arg_str(i));
            ctx.out.err(&msg);
            None
        }
    }
}

/// The type CLIENT LIST/KILL TYPE match (Redis' getClientType): a MONITOR is a normal client.
pub(crate) fn client_type(c: &Client) -> &'static str {
    if c.master {
        "master"
    } else if c.replica && !c.monitor {
        "replica"
    } else if c.subs.any() {
        "pubsub"
    } else {
        "normal"
    }
}

pub(crate) fn list(ctx: &mut Ctx) {
    let mut only_type = None;
    let mut ids: Option<Vec<ClientId>> = None;
    match ctx.args.len() {
        2 => {}
        4 if ctx.args[2].eq_ignore_ascii_case(b"type") => {
            let Some(t) = parse_type(ctx, 3) else { return };
            only_type = Some(t);
        }
        n if n >= 4 && ctx.args[2].eq_ignore_ascii_case(b"id") => {
            let mut v = Vec::new();
            for a in &ctx.args[3..] {
                match parse_i64(a) {
                    Some(id) if id > 0 => v.push(id as ClientId),
                    _ => return ctx.out.err("Invalid client ID"),
                }
            }
            ids = Some(v);
        }
        _ => return ctx.syntax_error(),
    }
    let now = ctx.srv.clock.mono_us();
    let me = ctx.id;
    let my_resp3 = ctx.out.resp3;
    let mut text = String::new();
    for c in ctx.srv.clients.values() {
        if only_type.is_some_and(|t| t != client_type(c)) {
            continue;
        }
        if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
            continue;
        }
        let mut line = client_line(c, now, memory_of(ctx, c));
        if c.id == me && my_resp3 {
            line = line.replace(" resp=2 ", " resp=3 ");
        }
        text.push_str(&line);
        text.push('\n');
    }
    ctx.out.verbatim(&text);
}

/// Filters of the new CLIENT KILL form.
#[derive(Default)]
struct KillFilter {
    id: Option<ClientId>,
    addr: Option<String>,
    laddr: Option<String>,
    ctype: Option<&'static str>,
    user: Option<String>,
    skipme: bool,
}

impl KillFilter {
    fn matches(&self, c: &Client, me: ClientId) -> bool {
        (!self.skipme || c.id != me)
            && self.id.is_none_or(|id| c.id == id)
            && self.addr.as_ref().is_none_or(|a| &c.conn.addr == a)
            && self.laddr.as_ref().is_none_or(|a| &c.conn.laddr == a)
            && self.ctype.is_none_or(|t| t == client_type(c))
            && self.user.as_ref().is_none_or(|u| u == "default")
    }
}

fn parse_kill_filter(ctx: &mut Ctx) -> Option<KillFilter> {
    let mut f = KillFilter {
        skipme: true,
        ..KillFilter::default()
    };
    let mut i = 2;
    while i < ctx.args.len() {
        // Like Redis, options are read pair by pair: a dangling last option is a syntax error.
        if i + 1 >= ctx.args.len() {
            ctx.syntax_error();
            return None;
        }
        let opt = ctx.arg_str(i).to_ascii_lowercase();
        let val = ctx.arg_str(i + 1);
        match opt.as_str() {
            "id" => match parse_i64(&ctx.args[i + 1]) {
                Some(id) if id > 0 => f.id = Some(id as ClientId),
                _ => {
                    ctx.out.err("client-id should be greater than 0");
                    return None;
                }
            },
            "type" => f.ctype = Some(parse_type(ctx, i + 1)?),
            "addr" => f.addr = Some(val),
            "laddr" => f.laddr = Some(val),
            "user" => {
                if val != "default" {
                    ctx.out.err(&format!("No such user '{val}'"));
                    return None;
                }
                f.user = Some(val);
            }
            "skipme" if val.eq_ignore_ascii_case("yes") => f.skipme = true,
            "skipme" if val.eq_ignore_ascii_case("no") => f.skipme = false,
            _ => {
                ctx.syntax_error();
                return None;
            }
        }
        i += 2;
    }
    Some(f)
}

pub(crate) fn kill(ctx: &mut Ctx) {
    let me = ctx.id;
    if ctx.args.len() == 3 {
        // Old form: CLIENT KILL addr:port.
        let addr = ctx.arg_str(2);
        let Some(victim) = ctx.srv.clients.values().find(|c| c.conn.addr == addr).map(|c| c.id) else {
            return ctx.out.err("No such client");
        };
        kill_client(ctx, victim);
        return ctx.out.ok();
    }
    let Some(filter) = parse_kill_filter(ctx) else {
        return;
    };
    let victims: Vec<ClientId> = ctx
        .srv
        .clients
        .values()
        .filter(|c| filter.matches(c, me))
        .map(|c| c.id)
        .collect();
    for v in &victims {
        kill_client(ctx, *v);
    }
    ctx.out.int(victims.len() as i64);
}

/// Closes `victim`; the calling client itself is closed after this reply. Killing the
/// master link is losing the master: the replica reconnects (Redis' freeClient caches it).
fn kill_client(ctx: &mut Ctx, victim: ClientId) {
    if victim == ctx.id {
        ctx.client().closing = true;
    } else if ctx.srv.clients.get(&victim).is_some_and(|c| c.master) {
        ctx.srv.on_link_closed(victim);
    } else {
        ctx.srv.close_client(victim);
    }
}

pub(crate) fn help(ctx: &mut Ctx) {
    super::help_reply(ctx, "CLIENT", CLIENT_HELP);
}

/// Redis' CLIENT HELP lines for the subcommands ferrous implements (the others are not listed:
/// they answer "unknown subcommand").
const CLIENT_HELP: &[&str] = &[
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
];

/// CLIENT PAUSE timeout-ms [WRITE|ALL]
pub(crate) fn pause(ctx: &mut Ctx) {
    use crate::pause::{PauseType, Purpose};
    if ctx.args.len() > 4 {
        let mut msg = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
        msg.extend_from_slice(crate::command::c_str(&ctx.args[1], 128));
        msg.extend_from_slice(b"'. Try CLIENT HELP.");
        return ctx.out.error_bytes(&msg);
    }
    let ty = match ctx.args.get(3) {
        None => PauseType::All,
        Some(m) if m.eq_ignore_ascii_case(b"write") => PauseType::Write,
        Some(m) if m.eq_ignore_ascii_case(b"all") => PauseType::All,
        Some(_) => return ctx.out.err("CLIENT PAUSE mode must be WRITE or ALL"),
    };
    let Some(ms) = crate::resp::parse_i64(&ctx.args[2]) else {
        return ctx.out.err("timeout is not an integer or out of range");
    };
    if ms < 0 {
        return ctx.out.err("timeout is negative");
    }
    // Redis' getTimeoutFromObjectOrReply: 0 stays 0 (a pause already over), else from now.
    let end = if ms > 0 {
        (ctx.srv.now_ms() as i64).wrapping_add(ms).max(0) as u64
    } else {
        0
    };
    ctx.srv.pause_clients(Purpose::ClientCommand, end, ty);
    ctx.out.ok();
}

/// CLIENT UNPAUSE
pub(crate) fn unpause(ctx: &mut Ctx) {
    ctx.srv.unpause_clients(crate::pause::Purpose::ClientCommand);
    ctx.out.ok();
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: releases a client blocked on keys as if its timeout
/// had come (the default) or with the UNBLOCKED error; replies 1 if it was blocked.
pub(crate) fn unblock(ctx: &mut Ctx) {
    let args = ctx.args;
    if args.len() > 4 {
        return ctx
            .out
            .err("unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.");
    }
    let how = match args.get(3) {
        None => crate::blocking::Release::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"timeout") => crate::blocking::Release::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"error") => crate::blocking::Release::Error,
        Some(_) => return ctx.out.err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(id) = ctx.int_arg(2) else { return };
    let released = id >= 0 && ctx.srv.release_blocked(id as ClientId, how);
    ctx.out.int(i64::from(released));
}

/// CLIENT TRACKING's options as parsed, before they are checked against each other.
#[derive(Default)]
struct TrackingArgs {
    mode: crate::tracking::TrackingMode,
    prefixes: Vec<Vec<u8>>,
}

/// Parses `[REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]` as Redis does: left
/// to right, replying the first error.
fn tracking_args(ctx: &mut Ctx) -> Option<TrackingArgs> {
    let args = ctx.args;
    let mut parsed = TrackingArgs::default();
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        let opt = args[j].to_ascii_lowercase();
        let m = &mut parsed.mode;
        match opt.as_slice() {
            b"redirect" if more => {
                j += 1;
                if m.redirect != 0 {
                    ctx.out.err("A client can only redirect to a single other client");
                    return None;
                }
                let id = ctx.int_arg(j)?;
                if !ctx.srv.clients.contains_key(&(id as ClientId)) {
                    ctx.out.err("The client ID you want redirect to does not exist");
                    return None;
                }
                parsed.mode.redirect = id as ClientId;
            }
            b"bcast" => m.bcast = true,
            b"optin" => m.optin = true,
            b"optout" => m.optout = true,
            b"noloop" => m.noloop = true,
            b"prefix" if more => {
                j += 1;
                parsed.prefixes.push(args[j].clone());
            }
            _ => {
                ctx.syntax_error();
                return None;
            }
        }
        j += 1;
    }
    Some(parsed)
}

/// Why CLIENT TRACKING ON with these options is refused, in Redis' order of checks.
fn tracking_conflict(current: Option<&crate::tracking::TrackingMode>, new: &TrackingArgs) -> Option<&'static str> {
    let m = &new.mode;
    if !m.bcast && !new.prefixes.is_empty() {
        return Some("PREFIX option requires BCAST mode to be enabled");
    }
    if current.is_some_and(|c| c.bcast != m.bcast) {
        return Some("You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if m.bcast && (m.optin || m.optout) {
        return Some("OPTIN and OPTOUT are not compatible with BCAST");
    }
    if m.optin && m.optout {
        return Some("You can't specify both OPTIN mode and OPTOUT mode");
    }
    if current.is_some_and(|c| (m.optin && c.optout) || (m.optout && c.optin)) {
        return Some("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    None
}

pub(crate) fn tracking(ctx: &mut Ctx) {
    let Some(parsed) = tracking_args(ctx) else { return };
    let id = ctx.id;
    let on_off = ctx.args[2].to_ascii_lowercase();
    match on_off.as_slice() {
        b"on" => {
            if let Some(msg) = tracking_conflict(ctx.client().tracking.as_ref(), &parsed) {
                return ctx.out.err(msg);
            }
            if parsed.mode.bcast {
                if let Some((msg, go_on)) = ctx.srv.prefix_collision(id, &parsed.prefixes) {
                    ctx.out.err(&msg);
                    // Redis replies the error, then still enables tracking and adds +OK.
                    if !go_on {
                        return;
                    }
                }
            }
            ctx.srv.enable_tracking(id, parsed.mode, &parsed.prefixes);
        }
        b"off" => ctx.srv.disable_tracking(id),
        _ => return ctx.syntax_error(),
    }
    ctx.out.ok();
}

pub(crate) fn caching(ctx: &mut Ctx) {
    let yes_no = ctx.args[2].to_ascii_lowercase();
    let Some(t) = ctx.client().tracking.as_mut() else {
        return ctx.out.err(
            "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        );
    };
    match yes_no.as_slice() {
        b"yes" if t.optin => t.caching = true,
        b"yes" => {
            return ctx
                .out
                .err("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
        }
        b"no" if t.optout => t.caching = true,
        b"no" => {
            return ctx
                .out
                .err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
        }
        _ => return ctx.syntax_error(),
    }
    ctx.out.ok();
}

pub(crate) fn getredir(ctx: &mut Ctx) {
    let redir = ctx.client().tracking_redirect();
    ctx.out.int(redir);
}

/// CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes.
pub(crate) fn trackinginfo(ctx: &mut Ctx) {
    let c = ctx.client();
    let redirect = c.tracking_redirect();
    let t = c.tracking.clone();
    let mut flags = vec![if t.is_some() { "on" } else { "off" }];
    let mut prefixes = Vec::new();
    if let Some(t) = t {
        let named = [
            (t.bcast, "bcast"),
            (t.optin, "optin"),
            (t.optin && t.caching, "caching-yes"),
            (t.optout, "optout"),
            (t.optout && t.caching, "caching-no"),
            (t.noloop, "noloop"),
            (t.broken_redirect, "broken_redirect"),
        ];
        flags.extend(named.iter().filter(|(on, _)| *on).map(|(_, n)| *n));
        prefixes = t.prefixes.into_iter().collect();
    }
    let out = &mut *ctx.out;
    out.map(3);
    out.bulk_str("flags");
    out.set(flags.len());
    flags.iter().for_each(|f| out.bulk_str(f));
    out.bulk_str("redirect");
    out.int(redirect);
    out.bulk_str("prefixes");
    out.array(prefixes.len());
    prefixes.iter().for_each(|p| out.bulk(p));
}

impl Server {
    /// `id`'s CLIENT LIST line, for log lines that name who asked (Redis' catClientInfoString).
    pub(crate) fn client_info_line(&self, id: ClientId) -> String {
        let now = self.clock.mono_us();
        self.clients
            .get(&id)
            .map(|c| client_line(c, now, client_memory(c, None, self.blocked_args(id))))
            .unwrap_or_default()
    }
}
