//! FUNCTION and FCALL through the harness. Every expected reply was taken from redis-server
//! 7.0.15 running the same commands on an empty server.

mod common;

const REPLICA: u64 = 9;

const RO_LIB: &str = "#!lua name=lib3\nredis.register_function{function_name='ro', callback=function(k,a) return redis.call('get', k[1]) end, flags={'no-writes'}, description='reads'}";
const W_LIB: &str = "#!lua name=lib4\nredis.register_function{function_name='w', callback=function(k,a)\n return redis.call('set', k[1], 'v') end, flags={'no-writes', 'allow-oom'}}";
const PLAIN_LIB: &str =
    "#!lua name=lib5\nredis.register_function('plain', function(k,a) return redis.call('set', k[1], 'v') end)";

#[test]
fn libraries_load_list_and_run_with_their_flags() {
    let mut h = common::harness(&[]);
    assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", RO_LIB]), "$4\r\nlib3\r\n");
    assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", W_LIB]), "$4\r\nlib4\r\n");
    assert_eq!(
        h.cmd(1, &["FUNCTION", "LIST"]),
        "*2\r\n*6\r\n$12\r\nlibrary_name\r\n$4\r\nlib3\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$2\r\nro\r\n$11\r\ndescription\r\n$5\r\nreads\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n*6\r\n$12\r\nlibrary_name\r\n$4\r\nlib4\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$1\r\nw\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*2\r\n+no-writes\r\n+allow-oom\r\n"
    );
    assert_eq!(
        h.cmd(1, &["FCALL", "w", "1", "k"]),
        "-ERR Write commands are not allowed from read-only scripts. script: w, on @user_function:3.\r\n"
    );
    assert_eq!(h.cmd(1, &["FCALL_RO", "ro", "1", "k"]), "$-1\r\n");
    assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", PLAIN_LIB]), "$4\r\nlib5\r\n");
    assert_eq!(
        h.cmd(1, &["FCALL_RO", "plain", "1", "k"]),
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(h.cmd(1, &["FCALL", "plain", "1", "k"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["FCALL_RO", "ro", "1", "k"]), "$1\r\nv\r\n");
    assert_eq!(
        h.cmd(1, &["FUNCTION", "STATS"]),
        "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:3\r\n$15\r\nfunctions_count\r\n:3\r\n"
    );
    assert_eq!(h.cmd(1, &["FCALL", "nofunc", "0"]), "-ERR Function not found\r\n");
    assert_eq!(h.cmd(1, &["FCALL", "ro", "x"]), "-ERR Bad number of keys provided\r\n");
}

#[test]
fn a_library_sees_only_the_library_api_while_it_loads() {
    let mut h = common::harness(&[]);
    let cases = [
        ("#!lua name=bad\nlocal x = string.len('a')", "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'\r\n"),
        ("#!lua name=bad\nredis.call('set','x','y')", "-ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'\r\n"),
        ("#!lua name=bad\nreturn +", "-ERR Error compiling function: user_function:2: unexpected symbol near '+'\r\n"),
        ("#!lua name=bad\nreturn 1", "-ERR No functions registered\r\n"),
        ("#!lua\nreturn 1", "-ERR Library name was not given\r\n"),
        ("return 1", "-ERR Missing library metadata\r\n"),
        ("#!lua name=b-d\nreturn 1", "-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n"),
        ("#!js name=bd\nreturn 1", "-ERR Engine 'js' not found\r\n"),
        ("#!lua name=bd\nredis.register_function('a', function() end) redis.register_function('a', function() end)", "-ERR Error registering functions: ERR Function already exists in the library\r\n"),
        ("#!lua name=bd\nredis.register_function{function_name='a', callback=function() end, flags={'bogus'}}", "-ERR Error registering functions: ERR unknown flag given\r\n"),
    ];
    for (code, reply) in cases {
        assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", code]), reply, "{code}");
    }
    assert_eq!(h.cmd(1, &["FUNCTION", "LIST"]), "*0\r\n");
}

#[test]
fn replace_dump_and_restore_follow_redis_policies() {
    let mut h = common::harness(&[]);
    let v1 = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)";
    let v2 = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 2 end)";
    h.cmd(1, &["FUNCTION", "LOAD", v1]);
    assert_eq!(
        h.cmd(1, &["FUNCTION", "LOAD", v1]),
        "-ERR Library 'mylib' already exists\r\n"
    );
    assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", "REPLACE", v2]), "$5\r\nmylib\r\n");
    assert_eq!(h.cmd(1, &["FCALL", "myfunc", "0"]), ":2\r\n");
    let other = "#!lua name=lib2\nredis.register_function('myfunc', function() return 1 end)";
    assert_eq!(
        h.cmd(1, &["FUNCTION", "LOAD", other]),
        "-ERR Function myfunc already exists\r\n"
    );
    let dump = h.cmd_bytes(1, &[b"FUNCTION", b"DUMP"]);
    let start = dump.iter().position(|&c| c == b'\n').expect("a bulk reply") + 1;
    let payload = &dump[start..dump.len() - 2];
    let restore = |h: &mut ferrous_core::harness::Harness, policy: &[&[u8]]| {
        let mut words: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", payload];
        words.extend_from_slice(policy);
        String::from_utf8_lossy(&h.cmd_bytes(1, &words)).into_owned()
    };
    assert_eq!(restore(&mut h, &[]), "-ERR Library mylib already exists\r\n");
    assert_eq!(restore(&mut h, &[b"REPLACE"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["FUNCTION", "FLUSH"]), "+OK\r\n");
    assert_eq!(restore(&mut h, &[b"FLUSH"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["FCALL", "myfunc", "0"]), ":2\r\n");
    assert_eq!(
        h.cmd(1, &["FUNCTION", "RESTORE", "bogus"]),
        "-ERR DUMP payload version or checksum are wrong\r\n"
    );
    assert_eq!(h.cmd(1, &["FUNCTION", "DELETE", "nolib"]), "-ERR Library not found\r\n");
    assert_eq!(h.cmd(1, &["FUNCTION", "DELETE", "mylib"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["FCALL", "myfunc", "0"]), "-ERR Function not found\r\n");
}

#[test]
fn libraries_outlive_flushall_and_a_reload_and_reach_a_replica() {
    let mut h = common::harness(&[]);
    h.connect(REPLICA, true);
    assert!(h.cmd(REPLICA, &["SYNC"]).starts_with('$'));
    h.cmd(1, &["FUNCTION", "LOAD", PLAIN_LIB]);
    h.cmd(1, &["FCALL", "plain", "1", "k"]);
    assert_eq!(
        common::stream_commands(&h.take_sent(REPLICA)),
        [format!("FUNCTION LOAD {PLAIN_LIB}").as_str(), "set k v"]
    );
    assert_eq!(h.cmd(1, &["FLUSHALL"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["FCALL", "plain", "1", "k"]), "+OK\r\n");
    assert_eq!(h.cmd(1, &["DEBUG", "RELOAD"]), "+OK\r\n");
    assert_eq!(
        h.cmd(1, &["FCALL_RO", "plain", "1", "k"]),
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(h.cmd(1, &["GET", "k"]), "$1\r\nv\r\n");
    // A new replica's snapshot carries the library.
    h.connect(10, true);
    let snapshot = h.cmd(10, &["SYNC"]);
    assert!(snapshot.contains("#!lua name=lib5"), "{snapshot:?}");
}

#[test]
fn a_library_that_never_ends_loading_is_stopped() {
    let mut h = common::harness(&[]);
    assert_eq!(
        h.cmd(1, &["FUNCTION", "LOAD", "#!lua name=t\nwhile 1 do end"]),
        "-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n"
    );
    // The interpreter is whole again: the next library loads and runs.
    assert_eq!(h.cmd(1, &["FUNCTION", "LOAD", PLAIN_LIB]), "$4\r\nlib5\r\n");
    assert_eq!(h.cmd(1, &["FCALL", "plain", "1", "k"]), "+OK\r\n");
}

#[test]
fn function_names_ignore_case_and_info_counts_them() {
    let mut h = common::harness(&[]);
    h.cmd(1, &["FUNCTION", "LOAD", PLAIN_LIB]);
    assert_eq!(h.cmd(1, &["FCALL", "PLAIN", "1", "k"]), "+OK\r\n");
    let upper = "#!lua name=lib6\nredis.register_function('Plain', function() return 1 end)";
    assert_eq!(
        h.cmd(1, &["FUNCTION", "LOAD", upper]),
        "-ERR Function Plain already exists\r\n"
    );
    let info = h.cmd(1, &["INFO", "memory"]);
    assert!(info.contains("\r\nnumber_of_functions:1\r\n"), "{info}");
    assert!(info.contains("\r\nnumber_of_libraries:1\r\n"), "{info}");
}
