//! LCS: the longest common subsequence of two strings (Redis' lcsCommand in t_string.c), by
//! the same dynamic-programming table and walk back, so ties resolve and ranges come out as in
//! Redis.

use crate::command::acl::STRING;
use crate::command::c_str;
use crate::command::flags::READONLY;
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::value::Value;

pub(crate) static COMMANDS: &[CommandSpec] = &[cmd(
    "lcs",
    -3,
    READONLY,
    STRING,
    "string",
    "7.0.0",
    "Find longest common substring",
    "O(N*M) where N and M are the lengths of s1 and s2, respectively",
    lcs,
)
.keys(1, 2, 1, &["RO", "access"])];

fn is(arg: &[u8], name: &str) -> bool {
    c_str(arg, usize::MAX).eq_ignore_ascii_case(name.as_bytes())
}

/// The string under `key` (empty if missing), or `Err` for another type.
fn string_of(ctx: &mut Ctx, key: &[u8]) -> Result<Vec<u8>, ()> {
    let db = ctx.db();
    match ctx.srv.lookup_read(db, key) {
        None => Ok(Vec::new()),
        Some(Value::Str(s)) => Ok(s.to_bytes()),
        #[allow(unreachable_patterns)]
        Some(_) => Err(()),
    }
}

/// One matching range: start and end in the first string, in the second, and its length.
struct Match {
    a: (u32, u32),
    b: (u32, u32),
    len: u32,
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN].
fn lcs(ctx: &mut Ctx) {
    let args = ctx.args;
    // Both keys are looked up before either is checked, as Redis does.
    let (a, b) = (string_of(ctx, &args[1]), string_of(ctx, &args[2]));
    let (Ok(a), Ok(b)) = (a, b) else {
        return ctx.out.err("The specified keys must contain string values");
    };
    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        let more = j + 1 < args.len();
        if is(opt, "idx") {
            get_idx = true;
        } else if is(opt, "len") {
            get_len = true;
        } else if is(opt, "withmatchlen") {
            with_match_len = true;
        } else if is(opt, "minmatchlen") && more {
            let Some(n) = ctx.int_arg(j + 1) else { return };
            min_match_len = n.max(0);
            j += 1;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    if get_len && get_idx {
        return ctx
            .out
            .err("If you want both the length and indexes, please just use IDX.");
    }
    if a.len() as u64 >= u64::from(u32::MAX - 1) || b.len() as u64 >= u64::from(u32::MAX - 1) {
        return ctx.out.err("String too long for LCS");
    }
    // The table of LCS lengths of every pair of prefixes, (|a|+1) x (|b|+1) u32s: refused
    // beyond proto-max-bulk-len like Redis, and allocated fallibly.
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    let bytes = cells.checked_mul(4);
    if bytes.is_some_and(|n| n > ctx.srv.config().proto_max_bulk_len as u64) {
        return ctx
            .out
            .err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }
    let mut table: Vec<u32> = Vec::new();
    let reserved = bytes.is_some() && usize::try_from(cells).is_ok_and(|n| table.try_reserve_exact(n).is_ok());
    if !reserved {
        return ctx
            .out
            .err("Insufficient memory, failed allocating transient memory for LCS");
    }
    let w = blen + 1;
    table.resize((alen + 1) * w, 0);
    for i in 1..=alen {
        for k in 1..=blen {
            table[i * w + k] = if a[i - 1] == b[k - 1] {
                table[(i - 1) * w + k - 1] + 1
            } else {
                table[(i - 1) * w + k].max(table[i * w + k - 1])
            };
        }
    }
    let total = table[alen * w + blen];

    // Walk back from the end, collecting the subsequence and the ranges of contiguous matches.
    let compute = get_idx || !get_len;
    let mut result = vec![0u8; if compute { total as usize } else { 0 }];
    let mut matches: Vec<Match> = Vec::new();
    let mut idx = total as usize;
    let unset = alen as u32;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0u32, 0u32, 0u32);
    let (mut i, mut k) = (alen, blen);
    while compute && i > 0 && k > 0 {
        let mut emit = false;
        if a[i - 1] == b[k - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                a_start = (i - 1) as u32;
                a_end = a_start;
                b_start = (k - 1) as u32;
                b_end = b_start;
            } else if a_start as usize == i && b_start as usize == k {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            k -= 1;
        } else {
            if table[(i - 1) * w + k] > table[i * w + k - 1] {
                i -= 1;
            } else {
                k -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        if emit {
            let len = a_end.wrapping_sub(a_start).wrapping_add(1);
            if min_match_len == 0 || i64::from(len) >= min_match_len {
                matches.push(Match {
                    a: (a_start, a_end),
                    b: (b_start, b_end),
                    len,
                });
            }
            a_start = unset;
        }
    }

    let out = &mut *ctx.out;
    if get_idx {
        out.map(2);
        out.bulk_str("matches");
        out.array(matches.len());
        for m in &matches {
            out.array(2 + usize::from(with_match_len));
            for (s, e) in [m.a, m.b] {
                out.array(2);
                out.int(i64::from(s));
                out.int(i64::from(e));
            }
            if with_match_len {
                out.int(i64::from(m.len));
            }
        }
        out.bulk_str("len");
        out.int(i64::from(total));
    } else if get_len {
        out.int(i64::from(total));
    } else {
        out.bulk(&result);
    }
}
