//! The `#!lua flags=...` first line of a script (Redis' evalExtractShebangFlags).

/// Script flags, as Redis' SCRIPT_FLAG_*.
pub(crate) mod script_flags {
    pub const NO_WRITES: u32 = 1 << 0;
    pub const ALLOW_OOM: u32 = 1 << 1;
    pub const ALLOW_STALE: u32 = 1 << 2;
    pub const NO_CLUSTER: u32 = 1 << 3;
    /// No shebang: the script runs as before Redis 7, with the checks made per command.
    pub const EVAL_COMPAT_MODE: u32 = 1 << 4;
    pub const ALLOW_CROSS_SLOT: u32 = 1 << 5;

    pub const NAMES: &[(u32, &str)] = &[
        (NO_WRITES, "no-writes"),
        (ALLOW_OOM, "allow-oom"),
        (ALLOW_STALE, "allow-stale"),
        (NO_CLUSTER, "no-cluster"),
        (ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
    ];
}

/// The flags `body` declares and the length of its shebang line (0 without one), or the
/// error Redis replies.
pub(crate) fn parse_shebang(body: &[u8]) -> Result<(u32, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((script_flags::EVAL_COMPAT_MODE, 0));
    }
    let Some(len) = body.iter().position(|&c| c == b'\n') else {
        return Err("Invalid script shebang".into());
    };
    let parts = match crate::resp::split_args(&body[..len]) {
        Some(p) if !p.is_empty() => p,
        _ => return Err("Invalid engine in script shebang".into()),
    };
    if parts[0] != b"#!lua" {
        return Err(format!("Unexpected engine in script shebang: {}", lossy(&parts[0])));
    }
    let mut flags = 0;
    for part in &parts[1..] {
        let Some(list) = part.strip_prefix(b"flags=") else {
            return Err(format!("Unknown lua shebang option: {}", lossy(part)));
        };
        if list.is_empty() {
            continue;
        }
        for name in list.split(|&c| c == b',') {
            match script_flags::NAMES.iter().find(|(_, n)| n.as_bytes() == name) {
                Some((f, _)) => flags |= f,
                None => return Err(format!("Unexpected flag in script shebang: {}", lossy(name))),
            }
        }
    }
    Ok((flags, len))
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::script_flags::*;
    use super::*;

    #[test]
    fn reads_flags_and_refuses_as_redis() {
        assert_eq!(parse_shebang(b"return 1"), Ok((EVAL_COMPAT_MODE, 0)));
        assert_eq!(parse_shebang(b"#!lua\nreturn 1"), Ok((0, 5)));
        assert_eq!(
            parse_shebang(b"#!lua flags=no-writes,allow-oom\nx"),
            Ok((NO_WRITES | ALLOW_OOM, 31))
        );
        assert_eq!(parse_shebang(b"#!lua"), Err("Invalid script shebang".into()));
        assert_eq!(
            parse_shebang(b"#!python\n"),
            Err("Unexpected engine in script shebang: #!python".into())
        );
        assert_eq!(
            parse_shebang(b"#!lua flags=bad\n"),
            Err("Unexpected flag in script shebang: bad".into())
        );
        assert_eq!(
            parse_shebang(b"#!lua name=x\n"),
            Err("Unknown lua shebang option: name=x".into())
        );
    }
}
