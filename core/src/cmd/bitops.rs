//! Bitmap commands (Redis' bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
//! BITFIELD_RO. Bitmaps are plain strings: bit 0 is the most significant bit of byte 0, and a
//! write past the end grows the string with zero bytes up to the bit written, as Redis does.

use crate::command::acl::BITMAP;
use crate::command::c_str;
use crate::command::flags::{DENYOOM, FAST, READONLY, WRITE};
use crate::command::table::cmd;
use crate::command::{CommandSpec, Ctx};
use crate::keyspace::WRONGTYPE;
use crate::notify::class::{GENERIC, STRING};
use crate::resp::{parse_i64, Reply};
use crate::server::Server;
use crate::value::{RStr, Value};

const GROUP: &str = "bitmap";
const RO_ACCESS: &[&str] = &["RO", "access"];
const RW_ACCESS_UPDATE: &[&str] = &["RW", "access", "update"];

pub(crate) static COMMANDS: &[CommandSpec] = &[
    cmd(
        "setbit",
        4,
        WRITE | DENYOOM,
        BITMAP,
        GROUP,
        "2.2.0",
        "Sets or clears the bit at offset in the string value stored at key",
        "O(1)",
        setbit,
    )
    .keys(1, 1, 1, RW_ACCESS_UPDATE),
    cmd(
        "getbit",
        3,
        READONLY | FAST,
        BITMAP,
        GROUP,
        "2.2.0",
        "Returns the bit value at offset in the string value stored at key",
        "O(1)",
        getbit,
    )
    .keys(1, 1, 1, RO_ACCESS),
    cmd(
        "bitcount",
        -2,
        READONLY,
        BITMAP,
        GROUP,
        "2.6.0",
        "Count set bits in a string",
        "O(N)",
        bitcount,
    )
    .keys(1, 1, 1, RO_ACCESS),
    cmd(
        "bitpos",
        -3,
        READONLY,
        BITMAP,
        GROUP,
        "2.8.7",
        "Find first bit set or clear in a string",
        "O(N)",
        bitpos,
    )
    .keys(1, 1, 1, RO_ACCESS),
    cmd(
        "bitop",
        -4,
        WRITE | DENYOOM,
        BITMAP,
        GROUP,
        "2.6.0",
        "Perform bitwise operations between strings",
        "O(N)",
        bitop,
    )
    .keys(2, -1, 1, &[]),
    cmd(
        "bitfield",
        -2,
        WRITE | DENYOOM,
        BITMAP,
        GROUP,
        "3.2.0",
        "Perform arbitrary bitfield integer operations on strings",
        "O(1) for each subcommand specified",
        bitfield,
    )
    .keys(1, 1, 1, &["RW", "access", "update", "variable_flags"])
    .key_notes("This command allows both access and modification of the key")
    .getkeys(bitfield_keys),
    cmd(
        "bitfield_ro",
        -2,
        READONLY | FAST,
        BITMAP,
        GROUP,
        "6.0.0",
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
        "O(1) for each subcommand specified",
        bitfield_ro,
    )
    .keys(1, 1, 1, RO_ACCESS),
];

const BIT_OFFSET_ERR: &str = "bit offset is not an integer or out of range";
const INT_ERR: &str = "value is not an integer or out of range";

/// Redis compares option words with strcasecmp: the argument counts up to its first NUL.
fn is(arg: &[u8], name: &str) -> bool {
    c_str(arg, usize::MAX).eq_ignore_ascii_case(name.as_bytes())
}

/// Redis' getBitOffsetFromArgument: a bit offset, or `#N` (N times `bits`) where `hash`
/// allows it. The offset's byte must lie below proto-max-bulk-len.
fn bit_offset(ctx: &mut Ctx, i: usize, hash: bool, bits: u32) -> Option<u64> {
    let arg = &ctx.args[i];
    let use_hash = hash && bits > 0 && arg.first() == Some(&b'#');
    // `#N` multiplies in C's 64-bit arithmetic, so a huge N wraps around as it does there.
    let offset =
        parse_i64(&arg[usize::from(use_hash)..]).map(|v| if use_hash { v.wrapping_mul(i64::from(bits)) } else { v });
    match offset {
        Some(v) if v >= 0 && (v >> 3) < ctx.srv.config().proto_max_bulk_len => Some(v as u64),
        _ => {
            ctx.out.err(BIT_OFFSET_ERR);
            None
        }
    }
}

/// Runs `f` on the string under `key` (a read lookup: lazy expiry, hit/miss counted), with
/// `None` for a missing key. Replies WRONGTYPE and returns `None` for another type.
fn read_str<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(Option<&[u8]>, &mut Reply) -> R) -> Option<R> {
    let db = ctx.db();
    let out = &mut *ctx.out;
    match ctx.srv.lookup_read(db, key) {
        None => Some(f(None, out)),
        Some(Value::Str(s)) => Some(s.with_bytes(|b| f(Some(b), out))),
        #[allow(unreachable_patterns)]
        Some(_) => {
            out.error(WRONGTYPE);
            None
        }
    }
}

/// Redis' lookupStringForBitCommand: the string under `key`, created or grown with zero bytes
/// so that bit `max_bit` exists, made `raw`. Replies WRONGTYPE and returns `None` for another
/// type.
fn string_for_bits<'a>(
    srv: &'a mut Server,
    out: &mut Reply,
    db: usize,
    key: &[u8],
    max_bit: u64,
) -> Option<(&'a mut Vec<u8>, bool)> {
    let need = (max_bit >> 3) as usize + 1;
    let exists = match srv.lookup_write(db, key) {
        None => false,
        Some(Value::Str(_)) => true,
        #[allow(unreachable_patterns)]
        Some(_) => {
            out.error(WRONGTYPE);
            return None;
        }
    };
    if !exists {
        srv.db_add(db, key, Value::Str(RStr::Raw(vec![0; need])));
    }
    match srv.db_mut(db).get_mut(key) {
        Some(Value::Str(s)) => {
            let bytes = s.make_raw();
            let grown = !exists || bytes.len() < need;
            if bytes.len() < need {
                bytes.resize(need, 0);
            }
            Some((bytes, grown))
        }
        _ => None,
    }
}

fn bit_at(p: &[u8], offset: u64) -> bool {
    let byte = (offset >> 3) as usize;
    p.get(byte).is_some_and(|b| b & (0x80 >> (offset & 7)) != 0)
}

/// SETBIT key offset 0|1: replies the bit's previous value.
fn setbit(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(offset) = bit_offset(ctx, 2, false, 0) else {
        return;
    };
    let on = match parse_i64(&args[3]) {
        Some(v @ (0 | 1)) => v == 1,
        _ => return ctx.out.err("bit is not an integer or out of range"),
    };
    let db = ctx.db();
    let Some((bytes, grown)) = string_for_bits(ctx.srv, ctx.out, db, &args[1], offset) else {
        return;
    };
    let byte = &mut bytes[(offset >> 3) as usize];
    let mask = 0x80u8 >> (offset & 7);
    let old = *byte & mask != 0;
    if on {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
    // Only a change counts (and reaches replicas): a new or longer string, or another bit.
    if grown || old != on {
        ctx.dirty(1);
        ctx.modified(&args[1]);
        ctx.notify(STRING, "setbit", &args[1]);
    }
    ctx.out.int(i64::from(old));
}

/// GETBIT key offset: 0 past the end and for a missing key.
fn getbit(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(offset) = bit_offset(ctx, 2, false, 0) else {
        return;
    };
    read_str(ctx, &args[1], |p, out| {
        out.int(i64::from(p.is_some_and(|p| bit_at(p, offset))));
    });
}

/// Redis' index arithmetic for BITCOUNT and BITPOS ranges over `total` units (bytes or bits):
/// negative indexes count from the end, and both ends are clamped. `None` for an empty range.
fn clamp(mut start: i64, mut end: i64, total: i64) -> Option<(u64, u64)> {
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    (start <= end).then_some((start as u64, end as u64))
}

/// The number of set bits from bit `first` to bit `last`, both included.
fn count_bits(p: &[u8], first: u64, last: u64) -> u64 {
    let (a, b) = ((first >> 3) as usize, (last >> 3) as usize);
    let whole: u64 = p[a..=b].iter().map(|x| u64::from(x.count_ones())).sum();
    let before = p[a] & !(0xffu8 >> (first & 7));
    let after = p[b] & ((0xffu16 >> ((last & 7) + 1)) as u8);
    whole - u64::from(before.count_ones()) - u64::from(after.count_ones())
}

/// BITCOUNT key [start end [BYTE|BIT]].
fn bitcount(ctx: &mut Ctx) {
    let args = ctx.args;
    read_str(ctx, &args[1], |p, out| {
        let Some(p) = p else { return out.int(0) };
        let len = p.len() as i64;
        let (range, is_bit) = match args.len() {
            2 => (clamp(0, len - 1, len), false),
            4 | 5 => {
                let Some(start) = parse_i64(&args[2]) else {
                    return out.err(INT_ERR);
                };
                let Some(end) = parse_i64(&args[3]) else {
                    return out.err(INT_ERR);
                };
                if start < 0 && end < 0 && start > end {
                    return out.int(0);
                }
                let is_bit = match args.get(4) {
                    None => false,
                    Some(unit) if is(unit, "bit") => true,
                    Some(unit) if is(unit, "byte") => false,
                    Some(_) => return out.err("syntax error"),
                };
                (clamp(start, end, if is_bit { len << 3 } else { len }), is_bit)
            }
            _ => return out.err("syntax error"),
        };
        let count = match range {
            None => 0,
            Some((s, e)) if is_bit => count_bits(p, s, e),
            Some((s, e)) => count_bits(p, s << 3, (e << 3) + 7),
        };
        out.int(count as i64);
    });
}

/// The first bit equal to `bit` from bit `first` to bit `last`, both included.
fn find_bit(p: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    let (a, b) = ((first >> 3) as usize, (last >> 3) as usize);
    let skip = if bit { 0x00 } else { 0xff };
    let mut i = a;
    while i <= b {
        if p[i] != skip {
            let lo = if i == a { first & 7 } else { 0 };
            let hi = if i == b { last & 7 } else { 7 };
            let base = (i as u64) << 3;
            if let Some(o) = (lo..=hi).find(|&o| bit_at(p, base + o) == bit) {
                return Some(base + o);
            }
        }
        i += 1;
    }
    None
}

/// BITPOS key bit [start [end [BYTE|BIT]]].
fn bitpos(ctx: &mut Ctx) {
    let args = ctx.args;
    let Some(bit) = ctx.int_arg(2) else { return };
    if bit != 0 && bit != 1 {
        return ctx.out.err("The bit argument must be 1 or 0.");
    }
    let bit = bit == 1;
    read_str(ctx, &args[1], |p, out| {
        // A missing key is an endless run of zeros, whatever the range.
        let Some(p) = p else {
            return out.int(if bit { -1 } else { 0 });
        };
        let len = p.len() as i64;
        let (range, is_bit, end_given) = match args.len() {
            3 => (clamp(0, len - 1, len), false, false),
            4..=6 => {
                let Some(start) = parse_i64(&args[3]) else {
                    return out.err(INT_ERR);
                };
                let is_bit = match args.get(5) {
                    None => false,
                    Some(unit) if is(unit, "bit") => true,
                    Some(unit) if is(unit, "byte") => false,
                    Some(_) => return out.err("syntax error"),
                };
                let end = match args.get(4).map(|e| parse_i64(e)) {
                    None => None,
                    Some(Some(e)) => Some(e),
                    Some(None) => return out.err(INT_ERR),
                };
                let total = if is_bit { len << 3 } else { len };
                (clamp(start, end.unwrap_or(total - 1), total), is_bit, end.is_some())
            }
            _ => return out.err("syntax error"),
        };
        let Some((s, e)) = range else { return out.int(-1) };
        let (first, last) = if is_bit { (s, e) } else { (s << 3, (e << 3) + 7) };
        let pos = match find_bit(p, bit, first, last) {
            Some(pos) => pos as i64,
            // Without an explicit end, the string continues with zeros after the range.
            None if !bit && !end_given => ((last >> 3) as i64 + 1) << 3,
            None => -1,
        };
        out.int(pos);
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]: missing keys are empty strings, shorter ones
/// are padded with zeros; an empty result deletes the destination.
fn bitop(ctx: &mut Ctx) {
    let args = ctx.args;
    let op = match &args[1] {
        o if is(o, "and") => BitOp::And,
        o if is(o, "or") => BitOp::Or,
        o if is(o, "xor") => BitOp::Xor,
        o if is(o, "not") => BitOp::Not,
        _ => return ctx.syntax_error(),
    };
    if op == BitOp::Not && args.len() != 4 {
        return ctx.out.err("BITOP NOT must be called with a single source key.");
    }
    let sources = &args[3..];
    let mut max_len = 0;
    for key in sources {
        match read_str(ctx, key, |p, _| p.map_or(0, <[u8]>::len)) {
            Some(len) => max_len = max_len.max(len),
            None => return,
        }
    }
    let db = ctx.db();
    let mut res = vec![0u8; max_len];
    if max_len > 0 {
        let store = ctx.srv.db_mut(db);
        for (j, key) in sources.iter().enumerate() {
            let mut combine = |src: &[u8]| {
                if j == 0 {
                    res[..src.len()].copy_from_slice(src);
                    return;
                }
                let (head, tail) = res.split_at_mut(src.len());
                for (r, s) in head.iter_mut().zip(src) {
                    match op {
                        BitOp::And => *r &= s,
                        BitOp::Or => *r |= s,
                        BitOp::Xor => *r ^= s,
                        BitOp::Not => {}
                    }
                }
                if op == BitOp::And {
                    tail.fill(0);
                }
            };
            match store.get(key) {
                Some(Value::Str(s)) => s.with_bytes(combine),
                _ => combine(&[]),
            }
        }
        if op == BitOp::Not {
            res.iter_mut().for_each(|b| *b = !*b);
        }
    }
    let dest = &args[2];
    if max_len > 0 {
        ctx.srv.expire_if_needed(db, dest);
        ctx.set_value(dest, Value::Str(RStr::Raw(res)), false);
        ctx.notify(STRING, "set", dest);
        ctx.dirty(1);
        ctx.modified(dest);
    } else if ctx.srv.db_mut(db).remove(dest) {
        ctx.dirty(1);
        ctx.modified(dest);
        ctx.notify(GENERIC, "del", dest);
    }
    ctx.out.int(max_len as i64);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldOp {
    Get,
    Set,
    IncrBy,
}

struct Field {
    op: FieldOp,
    offset: u64,
    /// The SET value or the INCRBY increment.
    value: i64,
    overflow: Overflow,
    bits: u32,
    signed: bool,
}

/// A bitfield type, `i1`..`i64` or `u1`..`u63` (the width is read as a C string).
fn field_type(arg: &[u8]) -> Option<(bool, u32)> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return None,
    };
    let bits = parse_i64(c_str(&arg[1..], usize::MAX))?;
    let max = if signed { 64 } else { 63 };
    (1..=max).contains(&bits).then_some((signed, bits as u32))
}

fn get_unsigned(p: &[u8], offset: u64, bits: u32) -> u64 {
    (0..u64::from(bits)).fold(0, |v, j| (v << 1) | u64::from(bit_at(p, offset + j)))
}

fn get_signed(p: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(p, offset, bits);
    if bits < 64 && v & (1 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Writes the low `bits` bits of `value`; the string already reaches the last of them.
fn set_bits(p: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..u64::from(bits) {
        let o = offset + j;
        let mask = 0x80u8 >> (o & 7);
        if let Some(byte) = p.get_mut((o >> 3) as usize) {
            if value & (1 << (u64::from(bits) - 1 - j)) != 0 {
                *byte |= mask;
            } else {
                *byte &= !mask;
            }
        }
    }
}

/// Redis' checkUnsignedBitfieldOverflow: `None` if `value + incr` fits in `bits` bits, else
/// the value the overflow mode gives (unused under FAIL).
fn unsigned_overflow(value: u64, incr: i64, bits: u32, mode: Overflow) -> Option<u64> {
    let max = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrapped = || value.wrapping_add(incr as u64) & max;
    if value > max || (incr > 0 && incr > max_incr) {
        Some(if mode == Overflow::Sat { max } else { wrapped() })
    } else if incr < 0 && incr < min_incr {
        Some(if mode == Overflow::Sat { 0 } else { wrapped() })
    } else {
        None
    }
}

/// Redis' checkSignedBitfieldOverflow, with its exact (C two's complement) comparisons.
fn signed_overflow(value: i64, incr: i64, bits: u32, mode: Overflow) -> Option<i64> {
    let max = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    let narrow = bits != 64;
    if value > max || (narrow && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        Some(if mode == Overflow::Sat { max } else { wrapped() })
    } else if value < min || (narrow && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr) {
        Some(if mode == Overflow::Sat { min } else { wrapped() })
    } else {
        None
    }
}

/// Parses the operations of BITFIELD; replies the error and returns `None` on the first bad
/// one.
fn parse_fields(ctx: &mut Ctx) -> Option<Vec<Field>> {
    let args = ctx.args;
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < args.len() {
        let remaining = args.len() - j - 1;
        let word = &args[j];
        let op = if is(word, "get") && remaining >= 2 {
            FieldOp::Get
        } else if is(word, "set") && remaining >= 3 {
            FieldOp::Set
        } else if is(word, "incrby") && remaining >= 3 {
            FieldOp::IncrBy
        } else if is(word, "overflow") && remaining >= 1 {
            let mode = &args[j + 1];
            overflow = if is(mode, "wrap") {
                Overflow::Wrap
            } else if is(mode, "sat") {
                Overflow::Sat
            } else if is(mode, "fail") {
                Overflow::Fail
            } else {
                ctx.out.err("Invalid OVERFLOW type specified");
                return None;
            };
            j += 2;
            continue;
        } else {
            ctx.syntax_error();
            return None;
        };
        let Some((signed, bits)) = field_type(&args[j + 1]) else {
            ctx.out
                .err("Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
            return None;
        };
        let offset = bit_offset(ctx, j + 2, true, bits)?;
        let value = if op == FieldOp::Get { 0 } else { ctx.int_arg(j + 3)? };
        fields.push(Field {
            op,
            offset,
            value,
            overflow,
            bits,
            signed,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    Some(fields)
}

/// One SET or INCRBY on the string: replies the old value (SET) or the new one (INCRBY), or
/// null when FAIL stops it. Returns whether it wrote (and whether that changed the bits).
fn write_field(p: &mut [u8], f: &Field, out: &mut Reply) -> Option<bool> {
    let incr = f.op == FieldOp::IncrBy;
    let (reply, new) = if f.signed {
        let old = get_signed(p, f.offset, f.bits);
        let (over, new) = if incr {
            let over = signed_overflow(old, f.value, f.bits, f.overflow);
            (over.is_some(), over.unwrap_or(old.wrapping_add(f.value)))
        } else {
            let over = signed_overflow(f.value, 0, f.bits, f.overflow);
            (over.is_some(), over.unwrap_or(f.value))
        };
        if over && f.overflow == Overflow::Fail {
            out.null();
            return None;
        }
        (if incr { new } else { old }, new as u64)
    } else {
        let old = get_unsigned(p, f.offset, f.bits);
        let (over, new) = if incr {
            let over = unsigned_overflow(old, f.value, f.bits, f.overflow);
            (over.is_some(), over.unwrap_or(old.wrapping_add(f.value as u64)))
        } else {
            let over = unsigned_overflow(f.value as u64, 0, f.bits, f.overflow);
            (over.is_some(), over.unwrap_or(f.value as u64))
        };
        if over && f.overflow == Overflow::Fail {
            out.null();
            return None;
        }
        ((if incr { new } else { old }) as i64, new)
    };
    out.int(reply);
    let before = get_unsigned(p, f.offset, f.bits);
    set_bits(p, f.offset, f.bits, new);
    Some(before != get_unsigned(p, f.offset, f.bits))
}

fn read_field(p: &[u8], f: &Field, out: &mut Reply) {
    if f.signed {
        out.int(get_signed(p, f.offset, f.bits));
    } else {
        out.int(get_unsigned(p, f.offset, f.bits) as i64);
    }
}

/// BITFIELD and BITFIELD_RO (`read_only`: only GET is allowed).
fn bitfield_generic(ctx: &mut Ctx, read_only: bool) {
    let Some(fields) = parse_fields(ctx) else { return };
    let args = ctx.args;
    let key = &args[1];
    let writes = fields.iter().filter(|f| f.op != FieldOp::Get);
    let Some(max_bit) = writes.map(|f| f.offset + u64::from(f.bits) - 1).max() else {
        // Only GETs: a read lookup; a missing key reads as zeros.
        read_str(ctx, key, |p, out| {
            out.array(fields.len());
            for f in &fields {
                read_field(p.unwrap_or_default(), f, out);
            }
        });
        return;
    };
    if read_only {
        return ctx.out.err("BITFIELD_RO only supports the GET subcommand");
    }
    let db = ctx.db();
    let Some((p, grown)) = string_for_bits(ctx.srv, ctx.out, db, key, max_bit) else {
        return;
    };
    ctx.out.array(fields.len());
    let mut changes = 0;
    for f in &fields {
        if f.op == FieldOp::Get {
            read_field(p, f, ctx.out);
        } else if write_field(p, f, ctx.out).is_some_and(|changed| changed || grown) {
            changes += 1;
        }
    }
    if changes > 0 {
        ctx.dirty(changes);
        ctx.modified(key);
        ctx.notify(STRING, "setbit", key);
    }
}

fn bitfield(ctx: &mut Ctx) {
    bitfield_generic(ctx, false);
}

fn bitfield_ro(ctx: &mut Ctx) {
    bitfield_generic(ctx, true);
}

/// Redis' bitfieldGetKeys: the key is read-only when every operation is a GET (or OVERFLOW);
/// anything else, a syntax error included, counts as a write.
/// BITFIELD's one key, read-only when it only GETs (Redis' bitfieldGetKeys).
fn bitfield_keys(args: &[Vec<u8>]) -> Vec<(usize, &'static [&'static str])> {
    vec![(1, bitfield_key_flags(args))]
}

fn bitfield_key_flags(args: &[Vec<u8>]) -> &'static [&'static str] {
    let mut i = 2;
    while i < args.len() {
        let remaining = args.len() - i - 1;
        let a = &args[i];
        if is(a, "get") && remaining >= 2 {
            i += 3;
        } else if is(a, "overflow") && remaining >= 1 {
            i += 2;
        } else {
            return RW_ACCESS_UPDATE;
        }
    }
    RO_ACCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_ranges_count_and_find_at_the_edges() {
        let p = [0b0101_1010u8, 0xff, 0x00, 0b1000_0001];
        assert_eq!(count_bits(&p, 0, 31), 4 + 8 + 2);
        assert_eq!(count_bits(&p, 1, 1), 1);
        assert_eq!(count_bits(&p, 2, 2), 0);
        assert_eq!(count_bits(&p, 5, 9), 3);
        assert_eq!(find_bit(&p, true, 0, 31), Some(1));
        assert_eq!(find_bit(&p, false, 8, 15), None);
        assert_eq!(find_bit(&p, false, 8, 16), Some(16));
        assert_eq!(find_bit(&p, true, 17, 24), Some(24));
        assert_eq!(find_bit(&p, true, 25, 30), None);
        assert_eq!(clamp(-100, 100, 4), Some((0, 3)));
        assert_eq!(clamp(0, -1, 0), None);
    }

    #[test]
    fn bitfield_overflow_follows_redis_arithmetic() {
        use Overflow::*;
        assert_eq!(unsigned_overflow(250, 10, 8, Wrap), Some(4));
        assert_eq!(unsigned_overflow(250, 10, 8, Sat), Some(255));
        assert_eq!(unsigned_overflow(5, -10, 8, Sat), Some(0));
        assert_eq!(unsigned_overflow(5, -10, 8, Wrap), Some(251));
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Wrap), Some(255));
        assert_eq!(unsigned_overflow(5, 250, 8, Wrap), None);
        assert_eq!(signed_overflow(127, 1, 8, Wrap), Some(-128));
        assert_eq!(signed_overflow(-128, -1, 8, Sat), Some(-128));
        assert_eq!(signed_overflow(-100, 300, 8, Sat), Some(127));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Wrap), Some(i64::MIN));
        assert_eq!(signed_overflow(i64::MIN, -1, 64, Sat), Some(i64::MIN));
        assert_eq!(signed_overflow(0, i64::MIN, 64, Sat), None);
        assert_eq!(signed_overflow(-1, i64::MIN, 64, Sat), Some(i64::MIN));
        // Redis' unsigned subtraction makes SET i8 of i64::MIN saturate upwards.
        assert_eq!(signed_overflow(i64::MIN, 0, 8, Sat), Some(127));
        assert_eq!(signed_overflow(-200, 0, 8, Sat), Some(-128));
    }

    #[test]
    fn bitfield_types_and_bits() {
        assert_eq!(field_type(b"i64"), Some((true, 64)));
        assert_eq!(field_type(b"u63"), Some((false, 63)));
        assert_eq!(field_type(b"u8\0junk"), Some((false, 8)));
        for bad in [&b"u64"[..], b"i65", b"i0", b"I8", b"u", b"", b"u08", b"u+8"] {
            assert_eq!(field_type(bad), None);
        }
        let mut p = vec![0u8; 3];
        set_bits(&mut p, 4, 12, 0xabc);
        assert_eq!(p, [0x0a, 0xbc, 0x00]);
        assert_eq!(get_unsigned(&p, 4, 12), 0xabc);
        assert_eq!(get_signed(&p, 4, 12), 0xabc - 0x1000);
        assert_eq!(get_signed(&p, 100, 8), 0);
    }
}
