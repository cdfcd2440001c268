//! Connection-level behaviour of the core, driven in-process through the harness: what a client
//! would see on the wire, byte for byte.

use ferrous_core::harness::Harness;
use ferrous_core::{Config, Event, Output, RequestParser, Signal};

fn harness() -> Harness {
    Harness::new(Config::default())
}

fn with(directives: &str) -> Harness {
    Harness::new(Config::from_text(directives).unwrap())
}

#[test]
fn ping_echo_and_unknown_commands() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["PING"]), "+PONG\r\n");
    assert_eq!(h.cmd(1, &["ping", "hi"]), "$2\r\nhi\r\n");
    assert_eq!(
        h.cmd(1, &["PING", "a", "b"]),
        "-ERR wrong number of arguments for 'ping' command\r\n"
    );
    assert_eq!(h.cmd(1, &["ECHO", "x"]), "$1\r\nx\r\n");
    assert_eq!(
        h.cmd(1, &["nosuch", "a", "b"]),
        "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "nosuch"]),
        "-ERR unknown subcommand 'nosuch'. Try CONFIG HELP.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CLIENT"]),
        "-ERR wrong number of arguments for 'client' command\r\n"
    );
}

#[test]
fn unknown_command_error_quotes_at_most_128_bytes_of_arguments() {
    let mut h = harness();
    h.connect(1, true);
    let long = "x".repeat(200);
    let reply = h.cmd(1, &["nosuch", &long, "more"]);
    let expected = format!(
        "-ERR unknown command 'nosuch', with args beginning with: '{}' \r\n",
        "x".repeat(128)
    );
    assert_eq!(reply, expected);
}

#[test]
fn protected_mode_denies_non_loopback_clients_without_a_password() {
    let mut h = harness();
    let out = String::from_utf8(h.connect(1, false)).unwrap();
    assert!(out.starts_with("-DENIED Redis is running in protected mode"), "{out}");
    assert!(h.closed(1));
    assert!(h.connect(2, true).is_empty());
    let mut h = with("protected-mode no");
    assert!(h.connect(1, false).is_empty());
    let mut h = with("requirepass pw");
    assert!(h.connect(1, false).is_empty());
}

#[test]
fn maxclients_refuses_one_more() {
    let mut h = with("maxclients 1");
    assert!(h.connect(1, true).is_empty());
    assert_eq!(
        String::from_utf8(h.connect(2, true)).unwrap(),
        "-ERR max number of clients reached\r\n"
    );
    assert!(h.closed(2));
    assert_eq!(h.cmd(1, &["PING"]), "+PONG\r\n");
}

#[test]
fn auth_flow_with_requirepass() {
    let mut h = with("requirepass pw");
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["GET", "k"]), "-NOAUTH Authentication required.\r\n");
    assert_eq!(
        h.cmd(1, &["AUTH", "bad"]),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(h.cmd(1, &["AUTH", "a", "b", "c"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["AUTH", "pw"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$-1\r\n");
    // RESET drops the authentication again.
    assert_eq!(h.cmd(1, &["RESET"]), "+RESET\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "-NOAUTH Authentication required.\r\n");
    assert_eq!(h.cmd(1, &["AUTH", "default", "pw"]), "+OK\r\n");
}

#[test]
fn auth_without_a_password_configured() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(
        h.cmd(1, &["AUTH", "x"]),
        "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
    );
    assert_eq!(h.cmd(1, &["AUTH", "default", "anything"]), "+OK\r\n");
    assert_eq!(
        h.cmd(1, &["AUTH", "other", "x"]),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
}

#[test]
fn unauthenticated_clients_cannot_send_big_requests() {
    let mut h = with("requirepass pw");
    h.connect(1, true);
    let mut p = RequestParser::new();
    let out = h.raw(1, &mut p, b"*20\r\n");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    assert!(h.closed(1));
}

#[test]
fn hello_switches_protocol_and_authenticates() {
    let mut h = with("requirepass pw");
    h.connect(1, true);
    assert!(h
        .cmd(1, &["HELLO", "3"])
        .starts_with("-NOAUTH HELLO must be called with the client already authenticated"));
    assert_eq!(
        h.cmd(1, &["HELLO", "3", "AUTH", "default", "no"]),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    let reply = h.cmd(1, &["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "app"]);
    assert!(
        reply
            .starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"),
        "{reply}"
    );
    assert_eq!(h.cmd(1, &["GET", "nokey"]), "_\r\n");
    assert_eq!(h.cmd(1, &["CLIENT", "GETNAME"]), "$3\r\napp\r\n");
    assert_eq!(h.cmd(1, &["HELLO", "4"]), "-NOPROTO unsupported protocol version\r\n");
    assert_eq!(
        h.cmd(1, &["HELLO", "x"]),
        "-ERR Protocol version is not an integer or out of range\r\n"
    );
    assert_eq!(
        h.cmd(1, &["HELLO", "2", "FOO"]),
        "-ERR Syntax error in HELLO option 'FOO'\r\n"
    );
    assert!(h.cmd(1, &["HELLO", "2"]).starts_with("*14\r\n"));
    assert_eq!(h.cmd(1, &["GET", "nokey"]), "$-1\r\n");
}

#[test]
fn select_switches_databases() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["SET", "k", "0"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["SELECT", "1"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["GET", "k"]), "$-1\r\n");
    assert_eq!(h.cmd(1, &["DBSIZE"]), ":0\r\n");
    assert_eq!(h.cmd(1, &["SELECT", "16"]), "-ERR DB index is out of range\r\n");
    assert_eq!(
        h.cmd(1, &["SELECT", "x"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd(1, &["SELECT", "0"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["DBSIZE"]), ":1\r\n");
}

#[test]
fn set_get_del_exists() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["SET", "a", "1"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["SET", "a", "1", "XX", "bogus"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["SET", "b", "2"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["EXISTS", "a", "a", "c"]), ":2\r\n");
    assert_eq!(h.cmd(1, &["DEL", "a", "b", "c"]), ":2\r\n");
    assert_eq!(h.cmd(1, &["GET", "a"]), "$-1\r\n");
    assert_eq!(
        h.cmd(1, &["GET"]),
        "-ERR wrong number of arguments for 'get' command\r\n"
    );
}

#[test]
fn quit_replies_ok_then_closes() {
    let mut h = harness();
    h.connect(1, true);
    let mut p = RequestParser::new();
    let out = h.raw(1, &mut p, b"QUIT\r\nPING\r\n");
    assert_eq!(out, b"+OK\r\n");
    assert!(h.closed(1));
}

#[test]
fn protocol_error_replies_and_closes_only_that_client() {
    let mut h = harness();
    h.connect(1, true);
    h.connect(2, true);
    let mut p = RequestParser::new();
    let out = h.raw(1, &mut p, b"PING\r\n*1\r\nx\r\n");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n"
    );
    assert!(h.closed(1));
    assert_eq!(h.cmd(2, &["PING"]), "+PONG\r\n");
}

#[test]
fn client_reply_off_skip_on() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["CLIENT", "REPLY", "OFF"]), "");
    assert_eq!(h.cmd(1, &["PING"]), "");
    assert_eq!(h.cmd(1, &["CLIENT", "REPLY", "ON"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["CLIENT", "REPLY", "SKIP"]), "");
    assert_eq!(h.cmd(1, &["PING"]), "");
    assert_eq!(h.cmd(1, &["PING"]), "+PONG\r\n");
    assert_eq!(h.cmd(1, &["CLIENT", "REPLY", "bogus"]), "-ERR syntax error\r\n");
}

#[test]
fn client_names_ids_and_list() {
    let mut h = harness();
    h.connect(5, true);
    h.connect(6, true);
    assert_eq!(h.cmd(5, &["CLIENT", "ID"]), ":5\r\n");
    assert_eq!(h.cmd(5, &["CLIENT", "GETNAME"]), "$-1\r\n");
    assert_eq!(
        h.cmd(5, &["CLIENT", "SETNAME", "a b"]),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_eq!(h.cmd(5, &["CLIENT", "SETNAME", "worker"]), "+OK\r\n");
    assert_eq!(h.cmd(5, &["CLIENT", "SETINFO", "lib-name", "redis-py"]), "+OK\r\n");
    let list = h.cmd(5, &["CLIENT", "LIST"]);
    let lines: Vec<&str> = list
        .split('\n')
        .filter(|l| l.starts_with("id=") || l.contains("id="))
        .collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(
        list.contains("id=5 addr=127.0.0.1:40005 laddr=127.0.0.1:6379 fd=12 name=worker age=0 idle=0 flags=N db=0"),
        "{list}"
    );
    assert!(
        list.contains("cmd=client|list user=default redir=-1 resp=2 lib-name=redis-py lib-ver="),
        "{list}"
    );
    let only6 = h.cmd(5, &["CLIENT", "LIST", "ID", "6"]);
    assert!(only6.contains("id=6 ") && !only6.contains("id=5 "), "{only6}");
    assert_eq!(
        h.cmd(5, &["CLIENT", "LIST", "TYPE", "bogus"]),
        "-ERR Unknown client type 'bogus'\r\n"
    );
    assert_eq!(h.cmd(5, &["CLIENT", "LIST", "ID", "x"]), "-ERR Invalid client ID\r\n");
    let info = h.cmd(5, &["CLIENT", "INFO"]);
    assert!(info.contains("id=5 ") && info.contains("cmd=client|info"), "{info}");
}

#[test]
fn client_kill_by_filters_and_old_form() {
    let mut h = harness();
    for id in 1..=4 {
        h.connect(id, true);
    }
    assert_eq!(h.cmd(1, &["CLIENT", "KILL", "ID", "2"]), ":1\r\n");
    assert!(h.closed(2));
    assert_eq!(h.cmd(1, &["CLIENT", "KILL", "127.0.0.1:40003"]), "+OK\r\n");
    assert!(h.closed(3));
    assert_eq!(h.cmd(1, &["CLIENT", "KILL", "1.2.3.4:5"]), "-ERR No such client\r\n");
    assert_eq!(
        h.cmd(1, &["CLIENT", "KILL", "USER", "nobody"]),
        "-ERR No such user 'nobody'\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CLIENT", "KILL", "ID", "0"]),
        "-ERR client-id should be greater than 0\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CLIENT", "KILL", "TYPE", "normal", "SKIPME"]),
        "-ERR syntax error\r\n"
    );
    // SKIPME yes by default: only client 4 goes.
    assert_eq!(h.cmd(1, &["CLIENT", "KILL", "LADDR", "127.0.0.1:6379"]), ":1\r\n");
    assert!(h.closed(4));
    // Killing yourself: the reply still arrives, then the connection closes.
    assert_eq!(
        h.cmd(1, &["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"]),
        ":1\r\n"
    );
    assert!(h.closed(1));
}

#[test]
fn idle_clients_are_closed_in_virtual_time() {
    let mut h = with("timeout 2");
    h.connect(1, true);
    h.connect(2, true);
    for _ in 0..25 {
        h.now.mono_us += 100_000;
        h.now.unix_ms += 100;
        h.cmd(2, &["PING"]);
        h.event(1, Event::Tick);
    }
    assert!(h.closed(1), "client 1 idled 2.5 s with timeout 2");
    assert!(!h.closed(2));
}

#[test]
fn config_set_port_that_cannot_be_bound_is_refused_and_rolled_back() {
    let mut h = harness();
    h.connect(1, true);
    h.connect(2, true);
    h.listen_fails = Some("Could not create server TCP listening socket *:7000: bind: Address already in use".into());
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "port", "7000"]),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "port"]),
        "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "bind", "1.2.3.4"]),
        "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "bind"]),
        "*2\r\n$4\r\nbind\r\n$6\r\n* -::*\r\n"
    );
    // Every value of the failed CONFIG SET goes back, and only those.
    assert_eq!(h.cmd(2, &["CONFIG", "SET", "hz", "20"]), "+OK\r\n");
    let reply = h.cmd(
        1,
        &[
            "CONFIG",
            "SET",
            "maxmemory",
            "10000001",
            "port",
            "7000",
            "maxmemory-samples",
            "7",
        ],
    );
    assert!(
        reply.starts_with("-ERR CONFIG SET failed (possibly related to argument 'port')"),
        "{reply}"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "maxmemory"]),
        "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "maxmemory-samples"]),
        "*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n5\r\n"
    );
    assert_eq!(h.cmd(1, &["CONFIG", "GET", "hz"]), "*2\r\n$2\r\nhz\r\n$2\r\n20\r\n");
    // The port it already has is not bound again (that would fail on its own listener).
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "port", "6379"]), "+OK\r\n");
    // The server goes on serving everyone.
    assert_eq!(h.cmd(2, &["PING"]), "+PONG\r\n");
}

#[test]
fn config_set_port_asks_the_driver_to_listen() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "port", "7000"]), "+OK\r\n");
    assert!(h.other.contains(&Output::Listen {
        bind: vec!["*".into(), "-::*".into()],
        port: 7000
    }));
    assert_eq!(
        h.cmd(1, &["CONFIG", "GET", "port"]),
        "*2\r\n$4\r\nport\r\n$4\r\n7000\r\n"
    );
    assert_eq!(
        h.cmd(1, &["CONFIG", "SET", "maxclients", "x"]),
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n"
    );
    assert_eq!(h.cmd(1, &["CONFIG", "SET", "hz", "1000"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["CONFIG", "GET", "hz"]), "*2\r\n$2\r\nhz\r\n$3\r\n500\r\n");
}

#[test]
fn termination_signal_and_shutdown_exit() {
    let mut h = harness();
    h.connect(1, true);
    h.event(1, Event::Signal(Signal::Terminate));
    // As in Redis, the signal is noted and the cron shuts down.
    assert!(!h.other.contains(&Output::Exit { code: 0 }));
    h.now.mono_us += 100_000;
    h.event(1, Event::Tick);
    assert!(h.other.contains(&Output::Exit { code: 0 }));
    assert!(h.closed(1));
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["SHUTDOWN", "ABORT"]), "-ERR No shutdown in progress.\r\n");
    assert_eq!(h.cmd(1, &["SHUTDOWN", "SAVE", "NOSAVE"]), "-ERR syntax error\r\n");
    assert_eq!(h.cmd(1, &["SHUTDOWN"]), "");
    assert!(h.other.contains(&Output::Exit { code: 0 }));
}

#[test]
fn command_introspection() {
    let mut h = harness();
    h.connect(1, true);
    let count: usize = h
        .cmd(1, &["COMMAND", "COUNT"])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    assert_eq!(count, ferrous_core::command::all_commands().count());
    assert_eq!(h.cmd(1, &["COMMAND", "GETKEYS", "SET", "k", "v"]), "*1\r\n$1\r\nk\r\n");
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYS", "DEL", "a", "b"]),
        "*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYS", "PING", "x"]),
        "-ERR The command has no key arguments\r\n"
    );
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYS", "nosuch", "x"]),
        "-ERR Invalid command specified\r\n"
    );
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYS", "GET", "a", "b"]),
        "-ERR Invalid number of arguments specified for command\r\n"
    );
    // Redis answers an unknown name with a null bulk string, not a null array.
    assert_eq!(h.cmd(1, &["COMMAND", "INFO", "nosuch"]), "*1\r\n$-1\r\n");
    // Flags per key: COPY's source is read, its destination overwritten; SET's depend on GET.
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYSANDFLAGS", "COPY", "a", "b"]),
        "*2\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nb\r\n*2\r\n+OW\r\n+update\r\n"
    );
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v"]),
        "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+OW\r\n+update\r\n"
    );
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYSANDFLAGS", "SET", "k", "v", "get"]),
        "*1\r\n*2\r\n$1\r\nk\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
    );
    let info = h.cmd(1, &["COMMAND", "INFO", "get"]);
    assert!(info.starts_with("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n"), "{info}");
    let list = h.cmd(1, &["COMMAND", "LIST", "FILTERBY", "PATTERN", "client|*"]);
    assert!(list.contains("client|kill") && !list.contains("$3\r\nget"), "{list}");
    let docs = h.cmd(1, &["COMMAND", "DOCS", "get"]);
    assert!(docs.contains("Get the value of a key"), "{docs}");
    assert!(docs.contains("arguments") && docs.contains("key_spec_index"), "{docs}");
    // A count the key spec cannot read falls back to the command's getkeys procedure (atoi).
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYSANDFLAGS", "SINTERCARD", "1.5x", "k"]),
        "*1\r\n*2\r\n$1\r\nk\r\n*0\r\n"
    );
    assert_eq!(
        h.cmd(1, &["COMMAND", "GETKEYS", "SINTERCARD", "x", "k"]),
        "-ERR Invalid arguments specified for command\r\n"
    );
}

#[test]
fn info_reports_server_and_clients_sections() {
    let mut h = harness();
    h.connect(1, true);
    h.connect(2, true);
    let info = h.cmd(1, &["INFO"]);
    for field in [
        "# Server",
        "redis_version:7.0.15",
        "redis_mode:standalone",
        "tcp_port:6379",
        "# Clients",
        "connected_clients:2",
        "maxclients:10000",
    ] {
        assert!(info.contains(field), "missing {field} in {info}");
    }
    let clients = h.cmd(1, &["INFO", "clients"]);
    assert!(!clients.contains("# Server") && clients.contains("# Clients"));
    assert_eq!(h.cmd(1, &["INFO", "bogus"]), "$0\r\n\r\n");
}

#[test]
fn http_requests_are_dropped_without_a_reply() {
    let mut h = harness();
    h.connect(1, true);
    let mut p = RequestParser::new();
    // Replies produced by the same read are dropped too, as Redis frees the client first.
    let out = h.raw(1, &mut p, b"PING\r\nPOST / HTTP/1.1\r\nHost: example\r\nPING\r\n");
    assert_eq!(out, b"");
    assert!(h.closed(1));
    let warned = h
        .other
        .iter()
        .any(|o| matches!(o, Output::Log { text, .. } if text.starts_with("Possible SECURITY ATTACK detected")));
    assert!(warned);
}

#[test]
fn hello_applies_options_in_order_like_redis_7_0() {
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["CLIENT", "SETNAME", "old"]), "+OK\r\n");
    assert_eq!(
        h.cmd(1, &["HELLO", "2", "SETNAME", "new", "BOGUS"]),
        "-ERR Syntax error in HELLO option 'BOGUS'\r\n"
    );
    assert_eq!(h.cmd(1, &["CLIENT", "GETNAME"]), "$3\r\nnew\r\n");
    assert_eq!(
        h.cmd(1, &["HELLO", "3", "AUTH", "nobody", "pw", "SETNAME"]),
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["HELLO", "3", "SETNAME", "has space", "BOGUS"]),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
}

#[test]
fn error_replies_quote_client_bytes_unchanged() {
    let mut h = harness();
    h.connect(1, true);
    let args = vec![b"nosuch".to_vec(), b"\xffa".to_vec()];
    let out = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![args],
        },
    );
    assert_eq!(
        out,
        b"-ERR unknown command 'nosuch', with args beginning with: '\xffa' \r\n"
    );
    let args = vec![b"CLIENT".to_vec(), b"\xfe".to_vec()];
    let out = h.event(
        1,
        Event::Commands {
            client: 1,
            cmds: vec![args],
        },
    );
    assert_eq!(out, b"-ERR unknown subcommand '\xfe'. Try CLIENT HELP.\r\n");
}

#[test]
fn debug_is_refused_unless_enabled_and_local_when_local() {
    let refusal = "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n";
    let mut h = harness();
    h.connect(1, true);
    assert_eq!(h.cmd(1, &["DEBUG", "DIGEST"]), refusal);
    let mut h = with("enable-debug-command local\nprotected-mode no");
    h.connect(1, true);
    h.connect(2, false);
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST"]),
        "+0000000000000000000000000000000000000000\r\n"
    );
    assert_eq!(h.cmd(2, &["DEBUG", "DIGEST"]), refusal);
}

#[test]
fn debug_digest_matches_redis_for_the_same_data() {
    // The digest redis-server 7.0.15 gives after: SET a 1; SET b hello EX 100;
    // MSET c xyz d 12345678901234567890; SELECT 3; SET x y (checked side by side).
    let mut h = with("enable-debug-command yes");
    h.connect(1, true);
    h.cmd(1, &["SET", "a", "1"]);
    h.cmd(1, &["SET", "b", "hello", "EX", "100"]);
    h.cmd(1, &["MSET", "c", "xyz", "d", "12345678901234567890"]);
    h.cmd(1, &["SELECT", "3"]);
    h.cmd(1, &["SET", "x", "y"]);
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST"]),
        "+052d441011901f22a9b736ffa42e8d6ac913b0ae\r\n"
    );
    assert_eq!(
        h.cmd(1, &["DEBUG", "DIGEST-VALUE", "x", "nokey"]).matches("+").count(),
        2
    );
}
