//! FUNCTION: the Redis 7 function libraries. Lua scripting is not in ferrous yet, so no
//! library can be loaded and the registry is always empty; FLUSH (which Redis' own test suite
//! runs before every unit) therefore has nothing to remove, and is the only subcommand offered:
//! the others answer "unknown subcommand" until scripting lands.

use crate::command::acl::SCRIPTING;
use crate::command::flags::{NOSCRIPT, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};

const GROUP: &str = "scripting";

static SUBCOMMANDS: &[CommandSpec] = &[cmd(
    "function|flush",
    -2,
    WRITE | NOSCRIPT,
    SCRIPTING,
    GROUP,
    "7.0.0",
    "Deleting all functions",
    "O(N) where N is the number of functions deleted",
    flush,
)
.tips(&["request_policy:all_shards", "response_policy:all_succeeded"])];

pub(crate) static COMMANDS: &[CommandSpec] = &[cmd(
    "function",
    -2,
    0,
    0,
    GROUP,
    "7.0.0",
    "A container for function commands",
    "Depends on subcommand.",
    super::connection::container,
)
.subs(SUBCOMMANDS)];

/// FUNCTION FLUSH [ASYNC|SYNC], with Redis' argument checks.
fn flush(ctx: &mut Ctx) {
    if ctx.args.len() > 3 {
        return ctx
            .out
            .err("unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.");
    }
    if let Some(mode) = ctx.args.get(2) {
        if !mode.eq_ignore_ascii_case(b"sync") && !mode.eq_ignore_ascii_case(b"async") {
            return ctx.out.err("FUNCTION FLUSH only supports SYNC|ASYNC option");
        }
    }
    ctx.out.ok();
}
