//! The reference model: what a Redis 7.0 server must answer, kept as simple as possible. It is
//! applied to each command at the moment the simulator hands it to the server, so its order is
//! the server's order.

use std::collections::BTreeMap;

use ferrous_io_sim::RespValue;

pub const DATABASES: usize = 16;

/// What the model knows about one connection.
#[derive(Clone, Debug, Default)]
pub struct ClientModel {
    pub id: u64,
    pub db: usize,
    pub resp3: bool,
    pub name: Option<Vec<u8>>,
    /// The server will close this connection after the replies already expected.
    pub closing: bool,
}

pub struct Model {
    dbs: Vec<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            dbs: vec![BTreeMap::new(); DATABASES],
        }
    }
}

fn ok() -> RespValue {
    RespValue::Simple("OK".into())
}

fn err(msg: &str) -> RespValue {
    RespValue::Error(msg.into())
}

fn bulk_or_null(v: Option<&Vec<u8>>) -> RespValue {
    v.map_or(RespValue::Null, |v| RespValue::Bulk(v.clone()))
}

fn lower(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_ascii_lowercase()
}

fn arity_error(name: &str) -> RespValue {
    err(&format!("ERR wrong number of arguments for '{name}' command"))
}

impl Model {
    /// The reply the server must give to `args` from client `c`, updating the model.
    pub fn apply(&mut self, c: &mut ClientModel, args: &[Vec<u8>]) -> RespValue {
        let name = lower(&args[0]);
        let argc = args.len();
        let db = &mut self.dbs[c.db];
        match (name.as_str(), argc) {
            ("ping", 1) => RespValue::Simple("PONG".into()),
            ("ping", 2) | ("echo", 2) => RespValue::Bulk(args[1].clone()),
            ("ping", _) => arity_error("ping"),
            ("set", 3) => {
                db.insert(args[1].clone(), args[2].clone());
                ok()
            }
            ("set", n) if n > 3 => err("ERR syntax error"),
            ("get", 2) => bulk_or_null(db.get(&args[1])),
            ("del", n) if n >= 2 => RespValue::Int(args[1..].iter().filter(|k| db.remove(*k).is_some()).count() as i64),
            ("exists", n) if n >= 2 => RespValue::Int(args[1..].iter().filter(|k| db.contains_key(*k)).count() as i64),
            ("dbsize", 1) => RespValue::Int(db.len() as i64),
            ("select", 2) => select(c, &args[1]),
            ("client", 2) if lower(&args[1]) == "id" => RespValue::Int(c.id as i64),
            ("client", 2) if lower(&args[1]) == "getname" => bulk_or_null(c.name.as_ref()),
            ("client", 3) if lower(&args[1]) == "setname" => {
                c.name = (!args[2].is_empty()).then(|| args[2].clone());
                ok()
            }
            ("hello", 2) => hello(c, &args[1]),
            ("quit", 1) => {
                c.closing = true;
                ok()
            }
            ("get" | "set" | "del" | "exists" | "dbsize" | "select" | "echo" | "hello" | "quit", _) => {
                arity_error(&name)
            }
            _ => unknown(args),
        }
    }
}

fn select(c: &mut ClientModel, arg: &[u8]) -> RespValue {
    match std::str::from_utf8(arg).ok().and_then(|s| s.parse::<i64>().ok()) {
        Some(n) if (0..DATABASES as i64).contains(&n) => {
            c.db = n as usize;
            ok()
        }
        Some(_) => err("ERR DB index is out of range"),
        None => err("ERR value is not an integer or out of range"),
    }
}

fn hello(c: &mut ClientModel, ver: &[u8]) -> RespValue {
    match ver {
        b"2" => c.resp3 = false,
        b"3" => c.resp3 = true,
        _ => return err("NOPROTO unsupported protocol version"),
    }
    let pairs = vec![
        ("server", RespValue::Bulk(b"redis".to_vec())),
        ("version", RespValue::Bulk(b"7.0.15".to_vec())),
        ("proto", RespValue::Int(if c.resp3 { 3 } else { 2 })),
        ("id", RespValue::Int(c.id as i64)),
        ("mode", RespValue::Bulk(b"standalone".to_vec())),
        ("role", RespValue::Bulk(b"master".to_vec())),
        ("modules", RespValue::Array(vec![])),
    ];
    let pairs: Vec<(RespValue, RespValue)> = pairs
        .into_iter()
        .map(|(k, v)| (RespValue::Bulk(k.as_bytes().to_vec()), v))
        .collect();
    if c.resp3 {
        RespValue::Map(pairs)
    } else {
        RespValue::Array(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect())
    }
}

fn unknown(args: &[Vec<u8>]) -> RespValue {
    let quoted: String = args[1..]
        .iter()
        .map(|a| format!("'{}' ", String::from_utf8_lossy(a)))
        .collect();
    err(&format!(
        "ERR unknown command '{}', with args beginning with: {quoted}",
        String::from_utf8_lossy(&args[0])
    ))
}
