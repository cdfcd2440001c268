//! EVAL and SCRIPT through the harness. Every expected reply was taken from redis-server
//! 7.0.15 running the same commands on an empty server.

mod common;

use ferrous_core::harness::Harness;

const REPLICA: u64 = 9;

fn eval(h: &mut Harness, script: &str) -> String {
    h.cmd(1, &["EVAL", script, "0"])
}

/// Error position suffix Redis adds to script errors: `script: <sha>, on @user_script:<line>.`
fn at(sha: &str, line: u32) -> String {
    format!(" script: {sha}, on @user_script:{line}.")
}

#[test]
fn a_script_reply_converts_lua_values_as_redis_does() {
    let mut h = common::harness(&[]);
    let cases = [
        (
            "return {1,2,{3,'x'},nil,4}",
            "*3\r\n:1\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n",
        ),
        ("return 3.99", ":3\r\n"),
        ("return -3.7", ":-3\r\n"),
        ("return 1e300", ":-9223372036854775808\r\n"),
        ("return {true,false}", "*2\r\n:1\r\n$-1\r\n"),
        ("return nil", "$-1\r\n"),
        ("return {err='x'}", "-x\r\n"),
        ("return {ok='a\\r\\nb'}", "+a  b\r\n"),
        ("return redis.error_reply('FOO bar')", "-FOO bar\r\n"),
        ("return redis.status_reply('fine')", "+fine\r\n"),
        ("return {map={a=1}}", "*2\r\n$1\r\na\r\n:1\r\n"),
        ("return tostring(0.1)", "$3\r\n0.1\r\n"),
        ("return tostring(1e300)", "$6\r\n1e+300\r\n"),
        ("return _VERSION", "$7\r\nLua 5.1\r\n"),
        ("return redis.REDIS_VERSION", "$6\r\n7.0.15\r\n"),
        (
            "local t = redis.call('ping'); return type(t)..t.ok",
            "$9\r\ntablePONG\r\n",
        ),
        (
            "return {pcall(function() error('plain') end)}",
            "*2\r\n$-1\r\n$20\r\nuser_script:1: plain\r\n",
        ),
        ("return redis.pcall('incr', 'nokey')", ":1\r\n"),
        ("return redis.call('ping','a\\r\\nb')", "$4\r\na\r\nb\r\n"),
        ("return loadstring('return 5')()", ":5\r\n"),
    ];
    for (script, reply) in cases {
        assert_eq!(eval(&mut h, script), reply, "{script}");
    }
    assert_eq!(
        h.cmd(1, &["EVAL", "return {KEYS, ARGV}", "2", "k1", "k2", "a1"]),
        "*2\r\n*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n*1\r\n$2\r\na1\r\n"
    );
}

#[test]
fn script_errors_carry_redis_messages_and_the_line_that_raised_them() {
    let mut h = common::harness(&[]);
    let cases = [
        (
            "a=1",
            "86eda770a6060824b090dd4df091e3bd4121279c",
            1,
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "return b",
            "816510dfadab6b5fbade21d62972b3b4ab4b5cca",
            1,
            "ERR user_script:1: Script attempted to access nonexistent global variable 'b'",
        ),
        (
            "string.x=1",
            "0200261db1e7771c266e77366576961c8f228af1",
            1,
            "ERR user_script:1: Attempt to modify a readonly table",
        ),
        (
            "rawset(_G,'x',1)",
            "90860ee597073785c7a12c667667abc4495e2c78",
            1,
            "ERR Attempt to modify a readonly table",
        ),
        (
            "redis.call('nosuch')",
            "430a4c08007a56d804d36fb3892501d47c06f338",
            1,
            "ERR Unknown Redis command called from script",
        ),
        (
            "return redis.call('get')",
            "f187dee77f607f7cff00bbabc9df38507582c78d",
            1,
            "ERR Wrong number of args calling Redis command from script",
        ),
        (
            "error({err='MY thing'})",
            "93d8b901ec4b7fd324068674dd9d7b37abbba276",
            1,
            "MY thing",
        ),
        (
            "\n\nerror('third')",
            "a5f419c9fa8e55151551bbd803ae29d5cf3788c7",
            3,
            "ERR user_script:3: third",
        ),
        (
            "return redis.call('blpop','nolist',0)",
            "abca6f0af300bbde50e15c9226201a7d087652cf",
            1,
            "ERR This Redis command is not allowed from script",
        ),
        (
            "return redis.call('set', {}, 10)",
            "17aa84f346eb75dd65950269369005d13cffd99e",
            1,
            "ERR Lua redis lib command arguments must be strings or integers",
        ),
        (
            "redis.setresp(4)",
            "68e72e4d8a428b9f599dce492315f2455a425a82",
            1,
            "ERR RESP version must be 2 or 3.",
        ),
        (
            "return math.random(0)",
            "008bcb60f86ee36d26c67b641b46674578d9cba0",
            1,
            "ERR user_script:1: bad argument #1 to 'random' (interval is empty)",
        ),
        (
            "return print",
            "df4c752a7558004676bbee87e38b92e0b9056d68",
            1,
            "ERR user_script:1: Script attempted to access nonexistent global variable 'print'",
        ),
        (
            "return 1 + nil",
            "e8f647a6e338d050a115f7d097171925636246d4",
            1,
            "ERR user_script:1: attempt to perform arithmetic on a nil value",
        ),
        (
            "error('line1\\nline2')",
            "9856cb09680a7b687dc84b28e7d5a041331527a3",
            1,
            "ERR user_script:1: line1 line2",
        ),
    ];
    for (script, sha, line, msg) in cases {
        assert_eq!(eval(&mut h, script), format!("-{msg}{}\r\n", at(sha, line)), "{script}");
    }
    h.cmd(1, &["SET", "s", "x"]);
    let incr = "return redis.call('incr','s')";
    assert_eq!(
        eval(&mut h, incr),
        format!("-ERR value is not an integer or out of range{}\r\n", at(&sha1(incr), 1))
    );
    assert_eq!(
        eval(&mut h, "return x +"),
        "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n"
    );
    assert_eq!(
        eval(&mut h, "#!python\nreturn 1"),
        "-ERR Unexpected engine in script shebang: #!python\r\n"
    );
    assert_eq!(
        h.cmd(1, &["EVAL", "return 1", "2", "a"]),
        "-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_eq!(
        h.cmd(1, &["EVAL", "return 1", "-1"]),
        "-ERR Number of keys can't be negative\r\n"
    );
}

fn sha1(s: &str) -> String {
    let mut h = common::harness(&[]);
    let reply = h.cmd(1, &["SCRIPT", "LOAD", s]);
    reply.lines().nth(1).expect("a bulk reply").to_string()
}

#[test]
fn a_script_selects_its_own_database_and_protocol() {
    let mut h = common::harness(&[]);
    assert_eq!(
        eval(
            &mut h,
            "redis.call('select',3); redis.call('set','indb3','1'); return redis.call('dbsize')"
        ),
        ":1\r\n"
    );
    // The caller stays in its database.
    assert_eq!(h.cmd(1, &["DBSIZE"]), ":0\r\n");
    h.cmd(1, &["HSET", "h", "a", "1"]);
    assert_eq!(
        eval(&mut h, "return redis.call('hgetall','h')"),
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    // RESP3 inside the script: the map comes back as {map=...}, a RESP2 caller sees pairs.
    assert_eq!(
        eval(
            &mut h,
            "redis.setresp(3); local m = redis.call('hgetall','h'); return m.map.a"
        ),
        "$1\r\n1\r\n"
    );
    assert_eq!(
        eval(&mut h, "redis.setresp(3); return {true,false}"),
        "*2\r\n:1\r\n:0\r\n"
    );
    // Numeric arguments are read as Lua reads numbers, hexadecimal included.
    assert_eq!(eval(&mut h, "redis.setresp('0x3'); return {false}"), "*1\r\n:0\r\n");
    assert_eq!(eval(&mut h, "return redis.log('0x3', 'hex level')"), "$-1\r\n");
    h.cmd(1, &["HELLO", "3"]);
    assert_eq!(
        eval(&mut h, "redis.setresp(3); return {true,false}"),
        "*2\r\n#t\r\n#f\r\n"
    );
    assert_eq!(eval(&mut h, "return {double=3.5}"), ",3.5\r\n");
}

#[test]
fn read_only_scripts_refuse_writes() {
    let mut h = common::harness(&[]);
    let ro = "return redis.call('set','x','1')";
    assert_eq!(
        h.cmd(1, &["EVAL_RO", ro, "0"]),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}\r\n",
            at(&sha1(ro), 1)
        )
    );
    assert_eq!(
        h.cmd(1, &["EVAL_RO", "#!lua\nreturn 1", "0"]),
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(h.cmd(1, &["EVAL_RO", "return redis.call('get','x')", "0"]), "$-1\r\n");
    let no_writes = "#!lua flags=no-writes\nreturn redis.call('set','x','1')";
    assert_eq!(
        eval(&mut h, no_writes),
        format!(
            "-ERR Write commands are not allowed from read-only scripts.{}\r\n",
            at(&sha1(no_writes), 2)
        )
    );
    assert_eq!(h.cmd(1, &["EXISTS", "x"]), ":0\r\n");
}

#[test]
fn a_script_propagates_its_writes_not_itself() {
    let mut h = common::harness(&[]);
    h.connect(REPLICA, true);
    assert!(h.cmd(REPLICA, &["SYNC"]).starts_with('$'));
    eval(&mut h, "redis.call('set','a','1'); redis.call('incr','a')");
    eval(&mut h, "redis.call('set','b','1')");
    eval(&mut h, "return redis.call('get','a')");
    eval(&mut h, "redis.set_repl(redis.REPL_NONE); redis.call('set','c','1')");
    assert_eq!(
        common::stream_commands(&h.take_sent(REPLICA)),
        ["MULTI", "set a 1", "incr a", "EXEC", "set b 1"]
    );
    assert_eq!(h.cmd(1, &["GET", "c"]), "$1\r\n1\r\n");
}

#[test]
fn the_script_cache_loads_checks_and_flushes() {
    let mut h = common::harness(&[]);
    let sha = "b534286061d4b9e4026607613b95c06c06015ae8";
    assert_eq!(
        h.cmd(1, &["EVALSHA", sha, "0"]),
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        h.cmd(1, &["SCRIPT", "LOAD", "return 'loaded'"]),
        format!("$40\r\n{sha}\r\n")
    );
    assert_eq!(h.cmd(1, &["EVALSHA", &sha.to_uppercase(), "0"]), "$6\r\nloaded\r\n");
    assert_eq!(h.cmd(1, &["SCRIPT", "EXISTS", sha, "nope"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(
        h.cmd(1, &["SCRIPT", "FLUSH", "x"]),
        "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"
    );
    assert_eq!(h.cmd(1, &["SCRIPT", "FLUSH"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["SCRIPT", "EXISTS", sha]), "*1\r\n:0\r\n");
    assert_eq!(
        h.cmd(1, &["SCRIPT", "KILL"]),
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
}

#[test]
fn math_random_draws_redis_lrand48_sequence() {
    let mut h = common::harness(&[]);
    assert_eq!(
        eval(&mut h, "return tostring(math.random())"),
        "$16\r\n0.39646477363839\r\n"
    );
    assert_eq!(eval(&mut h, "math.randomseed(5) return math.random(1000)"), ":525\r\n");
    assert_eq!(
        eval(
            &mut h,
            "return {math.random(1,10), math.random(1,10), math.random(1,10)}"
        ),
        "*3\r\n:3\r\n:8\r\n:2\r\n"
    );
}

#[test]
fn monitor_shows_the_eval_then_its_commands_as_lua() {
    let mut h = common::harness(&[]);
    h.connect(2, true);
    h.cmd(2, &["MONITOR"]);
    h.take_sent(2);
    h.cmd(
        1,
        &[
            "EVAL",
            "redis.call('set',KEYS[1],'v'); redis.call('select','1'); return redis.call('get',KEYS[1])",
            "1",
            "k",
        ],
    );
    let lines: Vec<String> = h
        .take_sent(2)
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split_once(' ').expect("a timestamp first").1.to_string())
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[0].starts_with("[0 127.0.0.1:") && lines[0].contains("\"EVAL\""),
        "{lines:?}"
    );
    assert_eq!(
        lines[1..],
        [
            "[0 lua] \"set\" \"k\" \"v\"",
            "[1 lua] \"select\" \"1\"",
            "[1 lua] \"get\" \"k\""
        ]
    );
}

#[test]
fn a_resp3_caller_gets_its_keyspace_events_before_the_script_reply() {
    let mut h = common::harness(&[("notify-keyspace-events", "KEA")]);
    h.cmd(1, &["HELLO", "3"]);
    h.cmd(1, &["SUBSCRIBE", "__keyspace@0__:k"]);
    assert_eq!(
        h.cmd(1, &["EVAL", "redis.call('set',KEYS[1],'v'); return 7", "1", "k"]),
        ">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n:7\r\n"
    );
}

#[test]
fn a_tracking_caller_caches_the_declared_keys_once_the_script_reads() {
    let mut h = common::harness(&[]);
    h.connect(2, true);
    h.cmd(1, &["HELLO", "3"]);
    h.cmd(1, &["CLIENT", "TRACKING", "on"]);
    h.cmd(1, &["EVAL", "redis.call('set', 'other', 'x')", "1", "k1"]);
    h.cmd(2, &["SET", "k1", "1"]);
    assert_eq!(h.take_sent(1), "", "a script that only writes caches nothing");
    h.cmd(1, &["EVAL", "redis.call('get', 'other')", "1", "k1"]);
    h.cmd(2, &["SET", "k1", "2"]);
    assert_eq!(h.take_sent(1), ">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n");
}

#[test]
fn the_sandbox_holds_against_metatable_tricks() {
    let mut h = common::harness(&[]);
    let cases = [
        (
            "getmetatable('').__index.upper=function() return 'x' end",
            "-ERR user_script:1: Attempt to modify a readonly table script: d0a97d299afc20537adbd7c922353c3f75ea3ba7, on @user_script:1.\r\n",
        ),
        (
            "setmetatable(_G, nil)",
            "-ERR Attempt to modify a readonly table script: 22fdd3b51da2d4bc6703d71d651cd782d8e5a35f, on @user_script:1.\r\n",
        ),
        (
            "local m = getmetatable(_G); m.__index = nil",
            "-ERR user_script:1: Attempt to modify a readonly table script: 03df507ae7383b3bb3bc9b6da27c88c5a25eb6d1, on @user_script:1.\r\n",
        ),
        ("return type(getmetatable(_G))", "$5\r\ntable\r\n"),
        ("return getmetatable('').__index == string", ":1\r\n"),
        ("return string.upper('a')", "$1\r\nA\r\n"),
        ("return redis.sha1hex(0.1)", "$40\r\n180505679cfe0cca79bae51fdda0296b7cd9c493\r\n"),
    ];
    for (script, reply) in cases {
        assert_eq!(eval(&mut h, script), reply, "{script}");
    }
    h.cmd(1, &["SCRIPT", "LOAD", "return 1"]);
    assert_eq!(
        h.cmd(1, &["SCRIPT", "EXISTS", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"]),
        "*1\r\n:1\r\n"
    );
}

#[test]
fn set_repl_sends_a_script_command_to_the_aof_or_the_replicas_alone() {
    let mut h = common::harness(&[("appendonly", "yes")]);
    h.srv.load_from_disk();
    h.event(1, ferrous_core::Event::Tick);
    h.connect(REPLICA, true);
    assert!(h.cmd(REPLICA, &["SYNC"]).starts_with('$'));
    eval(&mut h, "redis.set_repl(redis.REPL_AOF); redis.call('set','to_aof','1')");
    eval(
        &mut h,
        "redis.set_repl(redis.REPL_REPLICA); redis.call('set','to_replica','1')",
    );
    eval(
        &mut h,
        "redis.set_repl(redis.REPL_ALL); redis.call('set','to_both','1')",
    );
    let stream = common::stream_commands(&h.take_sent(REPLICA));
    assert_eq!(stream, ["set to_replica 1", "set to_both 1"]);
    let aof: String = h
        .disk
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".incr.aof"))
        .map(|(_, data)| String::from_utf8_lossy(data).into_owned())
        .collect();
    let aof = common::stream_commands(&aof);
    assert_eq!(aof, ["set to_aof 1", "set to_both 1"], "{aof:?}");
}

#[test]
fn the_bit_library_computes_as_lua_bitop() {
    let mut h = common::harness(&[]);
    let cases = [
        ("return bit.tobit(0xffffffff)", ":-1\r\n"),
        ("return bit.tohex(-1, -4)", "$4\r\nFFFF\r\n"),
        ("return bit.band(0x12345678, 0xff)", ":120\r\n"),
        ("return bit.rshift(-1, 28)", ":15\r\n"),
        ("return bit.arshift(-256, 4)", ":-16\r\n"),
        ("return bit.rol(0x12345678, 8)", ":878082066\r\n"),
        ("return bit.bswap(0x12345678)", ":2018915346\r\n"),
        ("return bit.tobit(2.5)", ":2\r\n"),
        ("return bit.band('0x10', 0xff)", ":16\r\n"),
    ];
    for (script, reply) in cases {
        assert_eq!(eval(&mut h, script), reply, "{script}");
    }
    assert_eq!(
        eval(&mut h, "return bit.band(1, 'x', 'y')"),
        format!(
            "-ERR user_script:1: bad argument #3 to 'band' (number expected, got string){}\r\n",
            at(&sha1("return bit.band(1, 'x', 'y')"), 1)
        )
    );
    assert_eq!(
        eval(&mut h, "bit.x = 1"),
        format!(
            "-ERR user_script:1: Attempt to modify a readonly table{}\r\n",
            at(&sha1("bit.x = 1"), 1)
        )
    );
}
