//! What simulated clients send: random commands over a small key set (so that clients collide
//! on keys), random binary values, valid and invalid arguments, and now and then a broken
//! request. Everything here is aimed at what the reference model can predict.

mod blocking;
mod pubsub;
pub mod scripts;
mod transactions;
mod zsets;

pub use pubsub::{message, parse_message};
pub use transactions::Script;

use ferrous_io_sim::request::{inline, multibulk};
use ferrous_io_sim::SimRng;

pub type Args = Vec<Vec<u8>>;

pub struct Workload {
    keys: Vec<Vec<u8>>,
    /// Keys that blocked clients wait on and producers push to.
    list_queues: Vec<Vec<u8>>,
    zset_queues: Vec<Vec<u8>>,
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
    /// A key set of 4 to 10 keys, some readable and some binary, and one or two queues of
    /// each kind.
    pub fn new(rng: &mut SimRng) -> Workload {
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
        let queues = |rng: &mut SimRng, kind: &str| {
            let n = rng.between(1, 2);
            (0..n).map(|i| format!("queue:{kind}:{i}").into_bytes()).collect()
        };
        Workload {
            keys,
            list_queues: queues(rng, "list"),
            zset_queues: queues(rng, "zset"),
        }
    }

    pub fn command(&self, rng: &mut SimRng) -> Args {
        type Gen = fn(&Workload, &mut SimRng) -> Args;
        const MIX: &[(u32, Gen)] = &[
            (18, Workload::set),
            (18, Workload::get),
            (5, Workload::set_with_options),
            (5, Workload::expire),
            (4, Workload::ttl),
            (2, Workload::persist),
            (4, Workload::incr),
            (2, Workload::append_strlen),
            (2, Workload::getdel),
            (3, Workload::mget_mset),
            (10, Workload::list),
            (8, Workload::hash),
            (8, Workload::set_type),
            (10, Workload::zset),
            (8, Workload::produce),
            (6, Workload::blocking),
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
            (4, Workload::eval),
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

    /// An HTTP request such as a browser tricked into talking to Redis sends, or just its
    /// telltale `POST`/`Host:` command; now and then followed by more that must be neither run
    /// nor answered (a write, or bytes that would be a protocol error).
    pub fn http(rng: &mut SimRng) -> Vec<u8> {
        let mut bytes = match rng.below(4) {
            0 => b"POST / HTTP/1.1\r\nHost: 127.0.0.1:6379\r\nContent-Length: 6\r\n\r\nPING\r\n".to_vec(),
            1 => b"Host: example.com\r\n".to_vec(),
            2 => multibulk(&[cased(rng, "post"), b"/".to_vec()]),
            _ => multibulk(&[cased(rng, "host:")]),
        };
        match rng.below(3) {
            0 => bytes.extend_from_slice(b"SET key:0 never-set\r\n"),
            1 => bytes.extend_from_slice(b"*abc\r\n"),
            _ => {}
        }
        bytes
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

    /// SET with Redis' options, mostly valid and compatible; relative expiries short enough to
    /// run out during the run, absolute ones long past or far ahead.
    fn set_with_options(&self, rng: &mut SimRng) -> Args {
        let mut args = vec![cased(rng, "set"), self.key(rng), self.value_or_number(rng)];
        if rng.chance(0.3) {
            args.push({
                let w = *rng.pick(&["nx", "xx"]);
                cased(rng, w)
            });
        }
        if rng.chance(0.3) {
            args.push(cased(rng, "get"));
        }
        match rng.below(6) {
            0 => args.extend([cased(rng, "ex"), rng.between(0, 3).to_string().into_bytes()]),
            1 => args.extend([cased(rng, "px"), rng.between(0, 3000).to_string().into_bytes()]),
            2 => args.extend([cased(rng, "exat"), rng.pick(&[&b"1"[..], b"4102444800"]).to_vec()]),
            3 => args.extend([cased(rng, "pxat"), rng.pick(&[&b"1000"[..], b"4102444800000"]).to_vec()]),
            4 => args.push(cased(rng, "keepttl")),
            _ => {}
        }
        if rng.chance(0.05) {
            // An invalid combination or value: Redis' syntax or range errors.
            args.push(rng.pick(&[&b"NX"[..], b"EX", b"KEEPTTL", b"PX", b"abc"]).to_vec());
        }
        args
    }

    fn expire(&self, rng: &mut SimRng) -> Args {
        let (name, n) = if rng.chance(0.5) {
            ("expire", rng.between(0, 4) as i64 - 1)
        } else {
            ("pexpire", rng.between(0, 4000) as i64 - 500)
        };
        let mut args = vec![cased(rng, name), self.key(rng), n.to_string().into_bytes()];
        if rng.chance(0.4) {
            args.push({
                let w = *rng.pick(&["nx", "xx", "gt", "lt"]);
                cased(rng, w)
            });
        }
        if rng.chance(0.05) {
            args.push(rng.pick(&[&b"nx"[..], b"lt", b"bogus"]).to_vec());
        }
        if rng.chance(0.03) {
            args[2] = b"soon".to_vec();
        }
        args
    }

    fn ttl(&self, rng: &mut SimRng) -> Args {
        let name = *rng.pick(&["ttl", "pttl"]);
        vec![cased(rng, name), self.key(rng)]
    }

    fn persist(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "persist"), self.key(rng)]
    }

    /// EVAL of one of the model's script templates (see `scripts`) on random keys.
    fn eval(&self, rng: &mut SimRng) -> Args {
        let t = rng.pick(scripts::TEMPLATES);
        let mut v = vec![cased(rng, "eval"), t.body(), t.keys.to_string().into_bytes()];
        for _ in 0..t.keys {
            v.push(self.key(rng));
        }
        for _ in 0..t.argv {
            v.push(self.value_or_number(rng));
        }
        v
    }

    fn incr(&self, rng: &mut SimRng) -> Args {
        match rng.below(4) {
            0 => vec![cased(rng, "incr"), self.key(rng)],
            1 => vec![cased(rng, "decr"), self.key(rng)],
            _ => {
                let by = match rng.below(10) {
                    0 => b"9223372036854775807".to_vec(),
                    1 => b"x".to_vec(),
                    _ => (rng.between(0, 200) as i64 - 100).to_string().into_bytes(),
                };
                vec![cased(rng, "incrby"), self.key(rng), by]
            }
        }
    }

    fn append_strlen(&self, rng: &mut SimRng) -> Args {
        if rng.chance(0.5) {
            vec![cased(rng, "append"), self.key(rng), value(rng)]
        } else {
            vec![cased(rng, "strlen"), self.key(rng)]
        }
    }

    fn getdel(&self, rng: &mut SimRng) -> Args {
        vec![cased(rng, "getdel"), self.key(rng)]
    }

    fn mget_mset(&self, rng: &mut SimRng) -> Args {
        if rng.chance(0.5) {
            return [vec![cased(rng, "mget")], self.keys(rng)].concat();
        }
        let mut args = vec![cased(rng, "mset")];
        for k in self.keys(rng) {
            args.push(k);
            args.push(self.value_or_number(rng));
        }
        if rng.chance(0.05) {
            args.pop(); // an odd count: Redis' arity error
        }
        args
    }

    /// A list command, mostly valid, over a few short elements so that LREM/LINSERT/LPOS find
    /// them.
    fn list(&self, rng: &mut SimRng) -> Args {
        let k = self.key(rng);
        let idx = |rng: &mut SimRng| (rng.between(0, 12) as i64 - 6).to_string().into_bytes();
        let name = *rng.pick(&[
            "lpush",
            "rpush",
            "lpushx",
            "rpushx",
            "lpop",
            "rpop",
            "llen",
            "lrange",
            "lindex",
            "lset",
            "lrem",
            "ltrim",
            "linsert",
            "lmove",
            "rpoplpush",
        ]);
        let mut args = vec![cased(rng, name), k];
        match name {
            "lpush" | "rpush" | "lpushx" | "rpushx" => {
                for _ in 0..rng.between(1, 4) {
                    args.push(member(rng));
                }
            }
            "lpop" | "rpop" if rng.chance(0.4) => args.push(idx(rng)),
            "lrange" | "ltrim" => args.extend([idx(rng), idx(rng)]),
            "lindex" => args.push(idx(rng)),
            "lset" => args.extend([idx(rng), member(rng)]),
            "lrem" => args.extend([idx(rng), member(rng)]),
            "linsert" => {
                let w = *rng.pick(&["before", "after", "middle"]);
                args.extend([cased(rng, w), member(rng), member(rng)]);
            }
            "lmove" => {
                let (a, b) = (*rng.pick(&["left", "right", "up"]), *rng.pick(&["left", "right"]));
                args.extend([self.key(rng), cased(rng, a), cased(rng, b)]);
            }
            "rpoplpush" => args.push(self.key(rng)),
            _ => {}
        }
        if rng.chance(0.02) {
            args[2..].iter_mut().take(1).for_each(|a| *a = b"x".to_vec());
        }
        args
    }

    fn hash(&self, rng: &mut SimRng) -> Args {
        let k = self.key(rng);
        let name = *rng.pick(&[
            "hset", "hmset", "hsetnx", "hget", "hmget", "hdel", "hlen", "hexists", "hstrlen", "hincrby", "hgetall",
            "hkeys", "hvals",
        ]);
        let mut args = vec![cased(rng, name), k];
        match name {
            "hset" | "hmset" => {
                for _ in 0..rng.between(1, 3) {
                    args.push(field(rng));
                    args.push(if rng.chance(0.1) { value(rng) } else { member(rng) });
                }
                if rng.chance(0.03) {
                    args.pop(); // odd count: Redis' arity error
                }
            }
            "hsetnx" => args.extend([field(rng), member(rng)]),
            "hget" | "hexists" | "hstrlen" => args.push(field(rng)),
            "hmget" | "hdel" => {
                for _ in 0..rng.between(1, 3) {
                    args.push(field(rng));
                }
            }
            "hincrby" => {
                let by = if rng.chance(0.05) {
                    b"1.5".to_vec()
                } else {
                    (rng.between(0, 20) as i64 - 10).to_string().into_bytes()
                };
                args.extend([field(rng), by]);
            }
            _ => {}
        }
        args
    }

    fn set_type(&self, rng: &mut SimRng) -> Args {
        let name = *rng.pick(&[
            "sadd",
            "sadd",
            "srem",
            "scard",
            "sismember",
            "smismember",
            "smembers",
            "smove",
            "sunion",
            "sdiff",
            "sinter",
        ]);
        let mut args = vec![cased(rng, name), self.key(rng)];
        match name {
            "sadd" | "srem" | "smismember" => {
                for _ in 0..rng.between(1, 4) {
                    args.push(member(rng));
                }
            }
            "sismember" => args.push(member(rng)),
            "smove" => args.extend([self.key(rng), member(rng)]),
            "sunion" | "sdiff" | "sinter" => {
                for _ in 0..rng.between(0, 2) {
                    args.push(self.key(rng));
                }
            }
            _ => {}
        }
        args
    }

    /// A value INCR can read now and then.
    fn value_or_number(&self, rng: &mut SimRng) -> Vec<u8> {
        if rng.chance(0.3) {
            (rng.between(0, 2000) as i64 - 1000).to_string().into_bytes()
        } else {
            value(rng)
        }
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
        match rng.below(20) {
            0..=4 => vec![client, cased(rng, "id")],
            5..=9 => vec![client, cased(rng, "getname")],
            10..=14 => vec![client, cased(rng, "setname"), client_name(rng)],
            15 => [vec![client, cased(rng, "no-touch")], no_touch_args(rng)].concat(),
            16 => [vec![client, cased(rng, "setinfo")], setinfo_args(rng)].concat(),
            _ => {
                // Binary names start with a byte no subcommand has, so none is hit by chance.
                let sub = match rng.below(5) {
                    0 => [&[0xff][..], &value(rng)].concat(),
                    _ => rng.pick(&[&b"frob"[..], b"bogus", b"idd", b"getnam"]).to_vec(),
                };
                let mut args = vec![client, sub];
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
        // Options take effect in order, so one that fails after a SETNAME or AUTH leaves
        // those applied: any mix is sent.
        for _ in 0..rng.below(4) {
            args.extend(hello_option(rng));
        }
        args
    }

    /// Unknown names with arguments of any bytes: the error quotes them as they were sent.
    fn unknown_command(&self, rng: &mut SimRng) -> Args {
        let names = ["nosuch", "frobnicate", "gett", "xyzzy", "sett", "pingg", "hellox"];
        let name = match rng.below(8) {
            // Starts with a byte no command has, so no command is hit by chance.
            0 => [&[0xfe][..], &value(rng)].concat(),
            _ => {
                let name = *rng.pick(&names);
                cased(rng, name)
            }
        };
        let mut args = vec![name];
        for _ in 0..rng.below(4) {
            let arg = if rng.chance(0.5) {
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
        match rng.below(26) {
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
            17 => words(&[b"CLIENT", b"NO-TOUCH"]),
            18 => words(&[b"CLIENT", b"NO-TOUCH", b"on", &k]),
            19 => words(&[b"CLIENT", b"SETINFO", b"LIB-NAME"]),
            20 => words(&[b"CLIENT", b"SETINFO", b"lib-ver", b"1", &k]),
            21 => words(&[b"ZADD", &k, b"1"]),
            22 => words(&[b"BLPOP", &k]),
            23 => words(&[b"ZRANGE", &k, b"0"]),
            24 => words(&[b"BZMPOP", b"1", b"1", &k]),
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

/// One HELLO option, valid or failing: a bad name, a wrong user, an unknown word, or an
/// option short of its arguments.
fn hello_option(rng: &mut SimRng) -> Args {
    match rng.below(8) {
        0..=2 => vec![cased(rng, "setname"), client_name(rng)],
        3 => vec![cased(rng, "auth"), b"default".to_vec(), b"anything".to_vec()],
        4 => vec![cased(rng, "auth"), b"nobody".to_vec(), b"pw".to_vec()],
        5 => vec![b"BOGUS".to_vec()],
        6 => vec![cased(rng, "setname")],
        _ => vec![cased(rng, "auth"), b"default".to_vec()],
    }
}

/// CLIENT NO-TOUCH's argument: `on` or `off` in any case, or a word Redis refuses; now and
/// then none or one too many.
fn no_touch_args(rng: &mut SimRng) -> Args {
    let mut args = Vec::new();
    if rng.chance(0.9) {
        args.push(match rng.below(4) {
            0 => cased(rng, "on"),
            1 => cased(rng, "off"),
            _ => rng
                .pick(&[&b"yes"[..], b"no", b"", b"onn", b"of", b"1", b"on "])
                .to_vec(),
        });
    }
    if rng.chance(0.05) {
        args.push(b"on".to_vec());
    }
    args
}

/// CLIENT SETINFO's attribute and value: `lib-name` or `lib-ver` in any case, or an attribute
/// Redis does not know; values valid or not; now and then an argument short or too many.
fn setinfo_args(rng: &mut SimRng) -> Args {
    let attr = match rng.below(5) {
        0..=1 => cased(rng, "lib-name"),
        2..=3 => cased(rng, "lib-ver"),
        _ => rng
            .pick(&[&b"lib-nam"[..], b"libname", b"name", b"", b"lib-name ", b"lib\r\nver"])
            .to_vec(),
    };
    let mut args = vec![attr];
    if rng.chance(0.95) {
        args.push(match rng.below(4) {
            0 => b"1.2.3".to_vec(),
            _ => client_name(rng),
        });
    }
    if rng.chance(0.05) {
        args.push(b"extra".to_vec());
    }
    args
}

fn words(ws: &[&[u8]]) -> Args {
    ws.iter().map(|w| w.to_vec()).collect()
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

/// A collection element from a small pool, so that commands find what others added: small
/// integers (intsets), words, now and then a long one.
fn member(rng: &mut SimRng) -> Vec<u8> {
    match rng.below(10) {
        0..=4 => (rng.between(0, 20) as i64 - 5).to_string().into_bytes(),
        5..=8 => rng
            .pick(&[&b"a"[..], b"b", b"c", b"apple", b"x y", b"\x00\xff"])
            .to_vec(),
        _ => vec![b'm'; rng.between(60, 80) as usize],
    }
}

fn field(rng: &mut SimRng) -> Vec<u8> {
    rng.pick(&[&b"f1"[..], b"f2", b"f3", b"name", b"n"]).to_vec()
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
    fn commands_are_never_empty() {
        let mut rng = SimRng::new(9, 3);
        let w = Workload::new(&mut rng);
        for _ in 0..2000 {
            assert!(!w.command(&mut rng).is_empty());
        }
    }
}
