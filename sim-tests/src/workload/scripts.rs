//! EVAL scripts the workload sends and the model runs: each a few `redis.call`s on its KEYS and
//! ARGV, one per line, returning every result. The model executes the same calls on its own
//! state at the moment the server runs the script, so a script that did not run atomically (or
//! a call that failed differently) shows up as a wrong reply.

/// One argument of a call.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    Lit(&'static str),
    /// KEYS[n] (1-based, as in Lua).
    Key(usize),
    /// ARGV[n] (1-based).
    Argv(usize),
}

use Arg::{Argv, Key, Lit};

/// A script: its calls, and how many KEYS and ARGV it takes.
pub struct Template {
    pub calls: &'static [&'static [Arg]],
    pub keys: usize,
    pub argv: usize,
}

pub static TEMPLATES: &[Template] = &[
    Template {
        calls: &[
            &[Lit("incr"), Key(1)],
            &[Lit("rpush"), Key(2), Argv(1)],
            &[Lit("get"), Key(1)],
        ],
        keys: 2,
        argv: 1,
    },
    Template {
        calls: &[
            &[Lit("set"), Key(1), Argv(1)],
            &[Lit("append"), Key(1), Argv(2)],
            &[Lit("strlen"), Key(1)],
        ],
        keys: 1,
        argv: 2,
    },
    Template {
        calls: &[
            &[Lit("lpop"), Key(1)],
            &[Lit("sadd"), Key(2), Argv(1)],
            &[Lit("scard"), Key(2)],
        ],
        keys: 2,
        argv: 1,
    },
    Template {
        calls: &[
            &[Lit("hset"), Key(1), Argv(1), Argv(2)],
            &[Lit("hget"), Key(1), Argv(1)],
            &[Lit("del"), Key(2)],
        ],
        keys: 2,
        argv: 2,
    },
    Template {
        calls: &[
            &[Lit("exists"), Key(1), Key(2)],
            &[Lit("incrby"), Key(2), Argv(1)],
            &[Lit("getdel"), Key(1)],
        ],
        keys: 2,
        argv: 1,
    },
];

impl Template {
    /// The Lua source: `local rN = redis.call(...)` per line, then the results as an array.
    pub fn body(&self) -> Vec<u8> {
        let mut s = String::new();
        for (i, call) in self.calls.iter().enumerate() {
            let args: Vec<String> = call
                .iter()
                .map(|a| match a {
                    Lit(l) => format!("'{l}'"),
                    Key(n) => format!("KEYS[{n}]"),
                    Argv(n) => format!("ARGV[{n}]"),
                })
                .collect();
            s.push_str(&format!("local r{} = redis.call({})\n", i + 1, args.join(", ")));
        }
        let results: Vec<String> = (1..=self.calls.len()).map(|i| format!("r{i}")).collect();
        s.push_str(&format!("return {{{}}}", results.join(", ")));
        s.into_bytes()
    }

    /// The arguments of call `i` for these KEYS and ARGV.
    pub fn call_args(&self, i: usize, keys: &[Vec<u8>], argv: &[Vec<u8>]) -> Vec<Vec<u8>> {
        self.calls[i]
            .iter()
            .map(|a| match a {
                Lit(l) => l.as_bytes().to_vec(),
                Key(n) => keys[n - 1].clone(),
                Argv(n) => argv[n - 1].clone(),
            })
            .collect()
    }
}

/// The template whose body is `body`.
pub fn find(body: &[u8]) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.body() == body)
}
