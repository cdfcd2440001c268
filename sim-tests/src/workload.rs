//! What simulated clients send: random commands over a small key set (so that clients collide
//! on keys), random binary values, valid and invalid arguments, and now and then a broken
//! request. Everything here is aimed at what the reference model can predict.
//!
//! Some inputs are held back by default because the core is known to answer them unlike
//! Redis 7.0.15 (see [`Workload::known_bugs`]); `--known-bugs` sends them too.

use ferrous_io_sim::request::{inline, multibulk};
use ferrous_io_sim::SimRng;

pub type Args = Vec<Vec<u8>>;

pub struct Workload {
    keys: Vec<Vec<u8>>,
    /// Also send inputs the core is known to get wrong: binary bytes in unknown-command
    /// errors, HELLO options after a SETNAME or AUTH that fail, CLIENT NO-TOUCH/SETINFO
    /// (Redis 7.2 subcommands).
    known_bugs: bool,
}

/// A request stream that breaks the protocol, and the error Redis answers before closing.
pub struct Garbage {
    pub bytes: Vec<u8>,
    pub error: &'static str,
}

/// The longest command sent inline: Redis refuses inline requests over 64 KiB when they
/// arrive without their newline, and the network may split anywhere.
const MAX_INLINE: usize = 8 * 1024;

impl Workload {
    /// A key set of 4 to 10 keys, some readable and some binary.
    pub fn new(rng: &mut SimRng, known_bugs: bool) -> Workload {
        let n = rng.between(4, 10) as usize;
        let keys = (0..n)
            .map(|i| {
                if rng.chance(0.3) {
                    let len = rng.between(1, 8) as usize;
                    rng.bytes(len)
                } else {
                    format!("key:{i}").into_bytes()
                }
            })
            .collect();
        Workload { keys, known_bugs }
    }

    pub fn command(&self, rng: &mut SimRng) -> Args {
        type Gen = fn(&Workload, &mut SimRng) -> Args;
        const MIX: &[(u32, Gen)] = &[
            (22, Workload::set),
            (22, Workload::get),
            (7, Workload::del),
            (7, Workload::exists),
            (5, Workload::ping),
            (4, Workload::echo),
            (6, Workload::select),
            (4, Workload::dbsize),
            (8, Workload::client),
            (4, Workload::hello),
            (2, Workload::time),
            (1, Workload::reset),
            (3, Workload::unknown_command),
            (4, Workload::wrong_arity),
        ];
        let weights: Vec<u32> = MIX.iter().map(|(w, _)| *w).collect();
        (MIX[rng.weighted(&weights)].1)(self, rng)
    }

    /// Encodes a command in either form Redis accepts; `inline_share` is the chance of the
    /// inline form when the command fits in one.
    pub fn encode(rng: &mut SimRng, args: &[Vec<u8>], inline_share: f64) -> Vec<u8> {
        let size: usize = args.iter().map(|a| a.len()).sum();
        if size * 4 < MAX_INLINE && rng.chance(inline_share) {
            if let Some(line) = inline(args, rng.chance(0.8)) {
                return line;
            }
        }
        multibulk(args)
    }

    pub fn garbage(rng: &mut SimRng) -> Garbage {
        const CASES: &[(&[u8], &str)] = &[
            (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
            (b"*99999999999\r\n", "ERR Protocol error: invalid multibulk length"),
            (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
            (b"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"),
            (b"*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"),
            (
                b"*2\r\n$3\r\nGET\r\nfoo\r\n",
                "ERR Protocol error: expected '$', got 'f'",
            ),
            (b"set \"a b\r\n", "ERR Protocol error: unbalanced quotes in request"),
        ];
        let (bytes, error) = *rng.pick(CASES);
        Garbage {
            bytes: bytes.to_vec(),
            error,
        }
    }

    fn key(&self, rng: &mut SimRng) -> Vec<u8> {
        if rng.chance(0.05) {
            return format!("missing:{}", rng.below(1000)).into_bytes();
        }
        rng.pick(&self.keys).clone()
    }

    fn keys(&self, rng: &mut SimRng) -> Vec<Vec<u8>> {
        let n = rng.between(1, 4);
        (0..n).map(|_| self.key(rng)).collect()
    }

    fn set(&self, rng: &mut SimRng) -> Args {
        let mut args = vec![cased(rng, "set"), self.key(rng), value(rng)];
        if rng.chance(0.03) {
            // Not a SET option: Redis answers a syntax error and leaves the key alone.
            args.push(rng.pick(&[&b"BOGUS"[..], b"NOTANOPTION", b"EXX"]).to_vec());
        }
        args
    }

    fn get(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "get"), self.key(rng)]
    }

    fn del(&self, rng: &mut SimRng) -> Args {
        [vec![cased(rng, "del")], self.keys(rng)].concat()
    }

    fn exists(&self, rng: &mut SimRng) -> Args {
        [vec![cased(rng, "exists")], self.keys(rng)].concat()
    }

    fn ping(&self, rng: &mut SimRng) -> Args {
        match rng.below(10) {
            0..=4 => vec![cased(rng, "ping")],
            5..=8 => vec![cased(rng, "ping"), value(rng)],
            _ => vec![cased(rng, "ping"), value(rng), value(rng)],
        }
    }

    fn echo(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "echo"), value(rng)]
    }

    fn dbsize(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "dbsize")]
    }

    fn time(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "time")]
    }

    fn reset(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "reset")]
    }

    /// Mostly valid database numbers (biased to the first few, so clients share databases).
    fn select(&self, rng: &mut SimRng) -> Args {
        let index = match rng.below(10) {
            0..=5 => rng.below(3).to_string().into_bytes(),
            6..=8 => rng.below(16).to_string().into_bytes(),
            _ => rng
                .pick(&[
                    &b"16"[..],
                    b"-1",
                    b"abc",
                    b"",
                    b"01",
                    b"+1",
                    b"-0",
                    b"2147483648",
                    b"-2147483649",
                    b"99999999999999999999",
                ])
                .to_vec(),
        };
        vec![cased(rng, "select"), index]
    }

    fn client(&self, rng: &mut SimRng) -> Args {
        let client = cased(rng, "client");
        match rng.below(10) {
            0..=2 => vec![client, cased(rng, "id")],
            3..=5 => vec![client, cased(rng, "getname")],
            6..=8 => vec![client, cased(rng, "setname"), client_name(rng)],
            _ => {
                let mut subs = vec![&b"frob"[..], b"bogus", b"idd", b"getnam"];
                if self.known_bugs {
                    // Redis 7.2 subcommands that 7.0.15 does not have.
                    subs.extend([&b"no-touch"[..], b"setinfo"]);
                }
                let mut args = vec![client, rng.pick(&subs).to_vec()];
                args.extend((0..rng.below(3)).map(|_| self.ascii_word(rng)));
                args
            }
        }
    }

    /// HELLO [protover [options...]], with valid and failing versions and options.
    fn hello(&self, rng: &mut SimRng) -> Args {
        let mut args = vec![cased(rng, "hello")];
        let version: &[u8] = match rng.below(20) {
            0..=8 => b"3",
            9..=15 => b"2",
            16..=17 => return args,
            _ => BAD_VERSIONS[rng.index(BAD_VERSIONS.len())],
        };
        args.push(version.to_vec());
        let options: Vec<HelloOption> = (0..rng.below(3)).map(|_| hello_option(rng)).collect();
        for opt in self.hello_options_sent(options) {
            args.extend(opt.words);
        }
        args
    }

    /// Known core bug: it validates every HELLO option before applying any, so an option
    /// that fails after a SETNAME or AUTH gets another reply than in Redis. Unless asked to
    /// show that, keep only the first failing option (alone, both agree).
    fn hello_options_sent(&self, options: Vec<HelloOption>) -> Vec<HelloOption> {
        if self.known_bugs {
            return options;
        }
        match options.iter().position(|o| o.fails) {
            Some(i) => options.into_iter().skip(i).take(1).collect(),
            None => options,
        }
    }

    fn unknown_command(&self, rng: &mut SimRng) -> Args {
        let names = ["nosuch", "frobnicate", "gett", "xyzzy", "sett", "pingg", "hellox"];
        let name = *rng.pick(&names);
        let mut args = vec![cased(rng, name)];
        for _ in 0..rng.below(4) {
            // Known core bug: arguments that are not UTF-8 come back mangled in the error.
            let arg = if self.known_bugs && rng.chance(0.5) {
                value(rng)
            } else {
                self.ascii_word(rng)
            };
            args.push(arg);
        }
        args
    }

    fn wrong_arity(&self, rng: &mut SimRng) -> Args {
        let k = self.key(rng);
        let v = value(rng);
        match rng.below(18) {
            0 => words(&[b"GET"]),
            1 => words(&[b"GET", &k, &k]),
            2 => words(&[b"SET", &k]),
            3 => words(&[b"ECHO"]),
            4 => words(&[b"ECHO", &v, &v]),
            5 => words(&[b"DEL"]),
            6 => words(&[b"EXISTS"]),
            7 => words(&[b"SELECT"]),
            8 => words(&[b"SELECT", b"1", b"2"]),
            9 => words(&[b"DBSIZE", &k]),
            10 => words(&[b"CLIENT"]),
            11 => words(&[b"CLIENT", b"ID", &k]),
            12 => words(&[b"CLIENT", b"GETNAME", &k]),
            13 => words(&[b"CLIENT", b"SETNAME"]),
            14 => words(&[b"CLIENT", b"SETNAME", b"a", b"b"]),
            15 => words(&[b"PING", &v, &v]),
            16 => words(&[b"RESET", &k]),
            _ => words(&[b"TIME", &k]),
        }
    }

    /// ASCII of any kind, including NUL and line breaks (the error texts that quote
    /// arguments must handle them), sometimes longer than the 128 bytes errors quote.
    fn ascii_word(&self, rng: &mut SimRng) -> Vec<u8> {
        let len = if rng.chance(0.1) {
            rng.between(100, 200)
        } else {
            rng.below(12)
        };
        (0..len)
            .map(|_| match rng.below(20) {
                0 => *rng.pick(&[0u8, b'\r', b'\n', b'\'']),
                _ => rng.between(0x20, 0x7e) as u8,
            })
            .collect()
    }
}

/// Protocol versions Redis refuses: out of range, or not integers by `string2ll`.
const BAD_VERSIONS: &[&[u8]] = &[b"4", b"1", b"0", b"x", b"-1", b"03"];

struct HelloOption {
    words: Vec<Vec<u8>>,
    /// Whether Redis fails the HELLO at this option.
    fails: bool,
}

fn hello_option(rng: &mut SimRng) -> HelloOption {
    let (words, fails): (Vec<Vec<u8>>, bool) = match rng.below(8) {
        0..=2 => {
            let name = client_name(rng);
            let fails = !valid_name(&name);
            (vec![cased(rng, "setname"), name], fails)
        }
        3 => (
            vec![cased(rng, "auth"), b"default".to_vec(), b"anything".to_vec()],
            false,
        ),
        4 => (vec![cased(rng, "auth"), b"nobody".to_vec(), b"pw".to_vec()], true),
        5 => (vec![b"BOGUS".to_vec()], true),
        6 => (vec![cased(rng, "setname")], true),
        _ => (vec![cased(rng, "auth"), b"default".to_vec()], true),
    };
    HelloOption { words, fails }
}

fn words(ws: &[&[u8]]) -> Args {
    ws.iter().map(|w| w.to_vec()).collect()
}

/// Printable ASCII without spaces, as Redis requires of client names.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|c| (b'!'..=b'~').contains(c))
}

fn client_name(rng: &mut SimRng) -> Vec<u8> {
    match rng.below(10) {
        0..=5 => format!("app-{}", rng.below(100)).into_bytes(),
        6 => Vec::new(),
        7 => b"has space".to_vec(),
        8 => b"line\nbreak".to_vec(),
        _ => vec![b'n', 0xc3, 0xa9],
    }
}

/// A command name in random letter case: Redis matches names case-insensitively.
fn cased(rng: &mut SimRng, name: &str) -> Vec<u8> {
    match rng.below(4) {
        0 => name.to_ascii_uppercase().into_bytes(),
        1 => name
            .bytes()
            .map(|c| if rng.chance(0.5) { c.to_ascii_uppercase() } else { c })
            .collect(),
        _ => name.as_bytes().to_vec(),
    }
}

/// Random bytes, mostly short, sometimes large enough to span many network segments.
pub fn value(rng: &mut SimRng) -> Vec<u8> {
    let len = match rng.below(100) {
        0..=49 => rng.below(16),
        50..=84 => rng.between(16, 255),
        85..=97 => rng.between(256, 4095),
        _ => rng.between(4096, 70_000),
    };
    rng.bytes(len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_hello_options_are_sent_alone_unless_known_bugs_are_wanted() {
        let opts = || {
            vec![
                HelloOption {
                    words: vec![b"SETNAME".to_vec(), b"a".to_vec()],
                    fails: false,
                },
                HelloOption {
                    words: vec![b"BOGUS".to_vec()],
                    fails: true,
                },
            ]
        };
        let mut rng = SimRng::new(1, 1);
        let careful = Workload::new(&mut rng, false).hello_options_sent(opts());
        assert_eq!(careful.len(), 1);
        assert_eq!(careful[0].words, vec![b"BOGUS".to_vec()]);
        assert_eq!(Workload::new(&mut rng, true).hello_options_sent(opts()).len(), 2);
    }

    #[test]
    fn commands_are_never_empty() {
        let mut rng = SimRng::new(9, 3);
        let w = Workload::new(&mut rng, false);
        for _ in 0..2000 {
            assert!(!w.command(&mut rng).is_empty());
        }
    }
}
