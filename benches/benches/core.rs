//! Microbenchmarks of the core, without sockets: the request parser on a pipelined buffer, and
//! GET/SET and list pushes, pops and ranges executed through the in-process harness. `cargo bench -p ferrous-benches` prints
//! ns per operation (medians of several runs); numbers are for comparing commits on one machine.

use std::hint::black_box;
use std::time::Instant;

use ferrous_core::harness::Harness;
use ferrous_core::resp::{ParseLimits, RequestParser};
use ferrous_core::{Config, Event};

fn median_ns_per_op(runs: usize, ops: usize, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_nanos() as f64 / ops as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn pipelined_sets(n: usize) -> Vec<u8> {
    let mut wire = Vec::new();
    for i in 0..n {
        let key = format!("key:{i}");
        wire.extend(format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$3\r\nxyz\r\n", key.len()).bytes());
    }
    wire
}

fn main() {
    let n = 10_000;
    let wire = pipelined_sets(n);
    let parse = median_ns_per_op(9, n, || {
        let mut p = RequestParser::new();
        let mut out = Vec::with_capacity(n);
        p.feed(&wire);
        p.parse_into(&ParseLimits::default(), &mut out).unwrap();
        black_box(out);
    });
    println!("parse SET (pipelined)   {parse:>8.1} ns/op");

    let mut h = Harness::new(Config::default());
    h.connect(1, true);
    let set_cmds: Vec<Vec<Vec<u8>>> = (0..n)
        .map(|i| vec![b"SET".to_vec(), format!("key:{i}").into_bytes(), b"xyz".to_vec()])
        .collect();
    let get_cmds: Vec<Vec<Vec<u8>>> = (0..n)
        .map(|i| vec![b"GET".to_vec(), format!("key:{i}").into_bytes()])
        .collect();
    // After SET and GET: nine runs of pushes, then nine of as many pops, on one list; ranges of
    // a 1000-element one.
    let cmd = |words: &[&str]| words.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>();
    let lpush = vec![cmd(&["LPUSH", "list", "xyz"]); n];
    let lpop = vec![cmd(&["LPOP", "list"]); n];
    for i in 0..1000 {
        h.event(
            1,
            Event::Commands {
                client: 1,
                cmds: vec![cmd(&["RPUSH", "range", &i.to_string()])],
            },
        );
    }
    let lrange = vec![cmd(&["LRANGE", "range", "0", "99"]); n];
    for (name, cmds) in [
        ("execute SET", &set_cmds),
        ("execute GET", &get_cmds),
        ("execute LPUSH", &lpush),
        ("execute LPOP", &lpop),
        ("execute LRANGE 0 99", &lrange),
    ] {
        let ns = median_ns_per_op(9, n, || {
            black_box(h.event(
                1,
                Event::Commands {
                    client: 1,
                    cmds: cmds.clone(),
                },
            ));
        });
        println!("{name:<23} {ns:>8.1} ns/op (includes cloning the arguments)");
    }
}
