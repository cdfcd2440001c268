//! Glob-style matching with the rules of Redis' `stringmatchlen`: `*`, `?`, `[...]` classes with
//! `^` negation and `a-z` ranges, and `\` escapes. Used by KEYS, SCAN MATCH, CONFIG GET, PUBSUB.

/// Does `s` match `pattern`? `nocase` folds ASCII case, as CONFIG GET does.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_impl(pattern, s, nocase, &mut skip_longer, 0)
}

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

fn match_impl(mut p: &[u8], mut s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: u32) -> bool {
    // Protect against abusive patterns, as Redis 7.0.15 does.
    if nesting > 1000 {
        return false;
    }
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                for start in 0..s.len() {
                    if match_impl(&p[1..], &s[start..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    // A later `*` failed against the rest: longer matches here cannot help.
                    if *skip_longer {
                        return false;
                    }
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                let (matched, rest) = match_class(&p[1..], s[0], nocase);
                if !matched {
                    return false;
                }
                p = rest;
                s = &s[1..];
                // `rest` starts at the closing `]` (or is empty); the common step skips it.
                if p.is_empty() {
                    return s.is_empty();
                }
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if !eq(p[0], s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if !eq(c, s[0], nocase) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while !p.is_empty() && p[0] == b'*' {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

/// Matches `c` against a class whose body starts at `p` (after `[`). Returns whether it matched
/// and the pattern positioned at the closing `]`, or empty if the class was unterminated.
fn match_class(mut p: &[u8], c: u8, nocase: bool) -> (bool, &[u8]) {
    let not = p.first() == Some(&b'^');
    if not {
        p = &p[1..];
    }
    let mut matched = false;
    loop {
        if p.len() >= 2 && p[0] == b'\\' {
            p = &p[1..];
            if eq(p[0], c, nocase) {
                matched = true;
            }
        } else if p.is_empty() || p[0] == b']' {
            break;
        } else if p.len() >= 3 && p[1] == b'-' {
            let (mut lo, mut hi) = (p[0], p[2]);
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            let (lo, hi, ch) = if nocase {
                (lo.to_ascii_lowercase(), hi.to_ascii_lowercase(), c.to_ascii_lowercase())
            } else {
                (lo, hi, c)
            };
            p = &p[2..];
            if ch >= lo && ch <= hi {
                matched = true;
            }
        } else if eq(p[0], c, nocase) {
            matched = true;
        }
        p = &p[1..];
    }
    (matched != not, p)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &str, s: &str) -> bool {
        glob_match(p.as_bytes(), s.as_bytes(), false)
    }

    #[test]
    fn matches_like_redis() {
        // As in Redis, an empty string matches no pattern (KEYS and SCAN special-case a lone `*`).
        assert!(!m("*", ""));
        assert!(m("*", "abc"));
        assert!(m("a*c", "abbbc"));
        assert!(!m("a*c", "abbb"));
        assert!(m("h?llo", "hello"));
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-b]llo", "hbllo"));
        assert!(m("h[b-a]llo", "hallo"));
        assert!(m("h\\*llo", "h*llo"));
        assert!(!m("h\\*llo", "hallo"));
        assert!(m("*max*", "maxclients"));
        assert!(!m("abc", "abcd"));
        assert!(m("a*", "a"));
        assert!(m("[abc", "a"));
        assert!(glob_match(b"MAX*", b"maxclients", true));
    }

    #[test]
    fn pathological_patterns_finish() {
        let p = "a*".repeat(40) + "b";
        let s = "a".repeat(60);
        assert!(!m(&p, &s));
    }
}
