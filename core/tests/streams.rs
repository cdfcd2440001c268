//! Streams through the harness: every reply below was taken from redis-server 7.0.15 running
//! the same commands (`tools`-free: a raw RESP client sent each line split on spaces).

mod common;

use ferrous_core::harness::Harness;

/// Runs each command (words split on spaces) from client 1 and checks its reply.
fn expect(h: &mut Harness, steps: &[(&str, &str)]) {
    for (cmd, want) in steps {
        let words: Vec<&str> = cmd.split(' ').collect();
        assert_eq!(h.cmd(1, &words), *want, "{cmd}");
    }
}

#[test]
fn entries_are_added_read_deleted_and_trimmed_as_redis_does() {
    let mut h = common::harness(&[]);
    expect(
        &mut h,
        &[
        ("FLUSHALL", "+OK\r\n"),
        ("XADD s 1-1 a 1 b 2", "$3\r\n1-1\r\n"),
        ("XADD s 1-* a 3 b 4", "$3\r\n1-2\r\n"),
        ("XADD s 1 c 5", "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"),
        ("XADD s 0-0 x y", "-ERR The ID specified in XADD must be greater than 0-0\r\n"),
        ("XADD s 1-5 x", "-ERR wrong number of arguments for 'xadd' command\r\n"),
        ("XADD s NOMKSTREAM MAXLEN 2 3-0 x y", "$3\r\n3-0\r\n"),
        ("XADD nokey NOMKSTREAM * x y", "$-1\r\n"),
        ("XADD s MAXLEN -1 4-0 x y", "-ERR The MAXLEN argument must be >= 0.\r\n"),
        ("XADD s MAXLEN 1 MINID 1 4-0 x y", "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n"),
        ("XADD s LIMIT 5 4-0 x y", "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"),
        ("XADD s MAXLEN 5 LIMIT 5 4-0 x y", "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"),
        ("XADD s 18446744073709551616-0 x y", "-ERR Invalid stream ID specified as stream command argument\r\n"),
        ("XRANGE s - +", "*2\r\n*2\r\n$3\r\n1-2\r\n*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
        ("XRANGE s (1-1 + COUNT 1", "*1\r\n*2\r\n$3\r\n1-2\r\n*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"),
        ("XREVRANGE s + - COUNT 2", "*2\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n*2\r\n$3\r\n1-2\r\n*4\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"),
        ("XRANGE s (18446744073709551615-18446744073709551615 +", "-ERR invalid start ID for the interval\r\n"),
        ("XRANGE s - + COUNT 0", "*-1\r\n"),
        ("XRANGE s - + COUNT", "-ERR syntax error\r\n"),
        ("XRANGE missing - +", "*0\r\n"),
        ("XLEN s", ":2\r\n"),
        ("XDEL s 1-2 9-9", ":1\r\n"),
        ("XRANGE s - +", "*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
        ("XSETID s 1-0", "-ERR The ID specified in XSETID is smaller than the target stream top item\r\n"),
        ("XSETID s 5-0 ENTRIESADDED 1", "+OK\r\n"),
        ("XSETID s 5-0 MAXDELETEDID 6-0", "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n"),
        ("XSETID s 5-0 ENTRIESADDED 10 MAXDELETEDID 2-0", "+OK\r\n"),
        ("XINFO STREAM s", "*20\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n5-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-0\r\n$13\r\nentries-added\r\n:10\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n3-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
        ("XTRIM s MAXLEN 1", ":0\r\n"),
        ("XTRIM s LIMIT 10", "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"),
        ("XTRIM s MAXLEN = 0 LIMIT 10", "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"),
        ("XTRIM s MINID 4", ":1\r\n"),
        ("XLEN s", ":0\r\n"),
        ("SET str x", "+OK\r\n"),
        ("XADD str 1-1 a b", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("XLEN str", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
        ("XINFO STREAM missing", "-ERR no such key\r\n"),
        ],
    );
}

#[test]
fn consumer_groups_deliver_claim_and_acknowledge_as_redis_does() {
    let mut h = common::harness(&[]);
    expect(
        &mut h,
        &[
        ("FLUSHALL", "+OK\r\n"),
        ("XGROUP CREATE s g $", "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"),
        ("XGROUP CREATE s g $ MKSTREAM", "+OK\r\n"),
        ("XGROUP CREATE s g $ MKSTREAM", "-BUSYGROUP Consumer Group name already exists\r\n"),
        ("XGROUP CREATE s g2 0 ENTRIESREAD -5", "-ERR value for ENTRIESREAD must be positive or -1\r\n"),
        ("XGROUP CREATE s g2 0 ENTRIESREAD 3 MKSTREAM", "+OK\r\n"),
        ("XADD s 1-1 a 1", "$3\r\n1-1\r\n"),
        ("XADD s 2-1 b 2", "$3\r\n2-1\r\n"),
        ("XADD s 3-1 c 3", "$3\r\n3-1\r\n"),
        ("XADD s 4-1 d 4", "$3\r\n4-1\r\n"),
        ("XINFO GROUPS s", "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:4\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:1\r\n"),
        ("XREADGROUP GROUP g alice COUNT 2 STREAMS s >", "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        ("XREADGROUP GROUP g bob STREAMS s >", "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$3\r\n4-1\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
        ("XREADGROUP GROUP g alice STREAMS s 0", "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"),
        ("XREADGROUP GROUP g alice STREAMS s $", "-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n"),
        ("XREADGROUP GROUP nog alice STREAMS s >", "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n"),
        ("XREAD STREAMS s >", "-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n"),
        ("XREADGROUP GROUP g alice NOACK STREAMS s >", "*-1\r\n"),
        ("XREAD COUNT 1 STREAMS s 2-1", "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"),
        ("XREAD STREAMS s", "-ERR wrong number of arguments for 'xread' command\r\n"),
        ("XREAD GROUP g a STREAMS s 0", "-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.\r\n"),
        ("XPENDING s g", "*4\r\n:4\r\n$3\r\n1-1\r\n$3\r\n4-1\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n2\r\n*2\r\n$3\r\nbob\r\n$1\r\n2\r\n"),
        ("XINFO GROUPS s", "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:4\r\n$17\r\nlast-delivered-id\r\n$3\r\n4-1\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:1\r\n"),
        ("XACK s g 1-1 9-9", ":1\r\n"),
        ("XACK s g bad", "-ERR Invalid stream ID specified as stream command argument\r\n"),
        ("XACK s nog 1-1", ":0\r\n"),
        ("XPENDING s g", "*4\r\n:3\r\n$3\r\n2-1\r\n$3\r\n4-1\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n*2\r\n$3\r\nbob\r\n$1\r\n2\r\n"),
        ("XCLAIM s g carol 0 2-1 3-1 JUSTID", "*2\r\n$3\r\n2-1\r\n$3\r\n3-1\r\n"),
        ("XPENDING s g", "*4\r\n:3\r\n$3\r\n2-1\r\n$3\r\n4-1\r\n*2\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n*2\r\n$5\r\ncarol\r\n$1\r\n2\r\n"),
        ("XCLAIM s g carol 0 2-1 FOO", "-ERR Unrecognized XCLAIM option 'FOO'\r\n"),
        ("XCLAIM s nog carol 0 2-1", "-NOGROUP No such key 's' or consumer group 'nog'\r\n"),
        ("XCLAIM s g carol abc 2-1", "-ERR Invalid min-idle-time argument for XCLAIM\r\n"),
        ("XAUTOCLAIM s g dave 0 0 COUNT 1 JUSTID", "*3\r\n$3\r\n3-1\r\n*1\r\n$3\r\n2-1\r\n*0\r\n"),
        ("XAUTOCLAIM s g dave 0 0 COUNT 0", "-ERR COUNT must be > 0\r\n"),
        ("XAUTOCLAIM s g dave 0 0 JUSTID", "*3\r\n$3\r\n0-0\r\n*3\r\n$3\r\n2-1\r\n$3\r\n3-1\r\n$3\r\n4-1\r\n*0\r\n"),
        ("XDEL s 4-1", ":1\r\n"),
        ("XAUTOCLAIM s g dave 0 0 JUSTID", "*3\r\n$3\r\n0-0\r\n*2\r\n$3\r\n2-1\r\n$3\r\n3-1\r\n*1\r\n$3\r\n4-1\r\n"),
        ("XPENDING s g", "*4\r\n:2\r\n$3\r\n2-1\r\n$3\r\n3-1\r\n*1\r\n*2\r\n$4\r\ndave\r\n$1\r\n2\r\n"),
        ("XGROUP CREATECONSUMER s g erin", ":1\r\n"),
        ("XGROUP CREATECONSUMER s g erin", ":0\r\n"),
        ("XGROUP DELCONSUMER s g dave", ":2\r\n"),
        ("XGROUP DELCONSUMER s nog dave", "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"),
        ("XGROUP SETID s g 0 ENTRIESREAD 0", "+OK\r\n"),
        ("XINFO GROUPS s", "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:4\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n$-1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n$-1\r\n"),
        ("XGROUP DESTROY s g2", ":1\r\n"),
        ("XGROUP DESTROY s g2", ":0\r\n"),
        ("XGROUP FOO s g", "-ERR unknown subcommand 'FOO'. Try XGROUP HELP.\r\n"),
        ("XGROUP CREATE s g3 0 FOO", "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.\r\n"),
        ("XGROUP CREATE missing g 0", "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"),
        ("XGROUP HELP", "*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n+    Create a new consumer group. Options are:\r\n+    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n+    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read counter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n+    Create a new consumer in the specified group.\r\n+DELCONSUMER <key> <groupname> <consumer>\r\n+    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n+    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]\r\n+    Set the current group ID and entries_read counter.\r\n+HELP\r\n+    Prints this help.\r\n"),
        ("XINFO HELP", "*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n+HELP\r\n+    Prints this help.\r\n"),
        ("XINFO STREAM s FULL COUNT", "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"),
        ("XINFO CONSUMERS s nog", "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"),
        ("XPENDING s g - + ", "-ERR value is not an integer or out of range\r\n"),
        ("XPENDING s g IDLE 0 - +", "-ERR syntax error\r\n"),
        ],
    );
}

#[test]
fn nodes_split_and_trim_where_redis_splits_them_and_survive_a_reload() {
    let mut h = common::harness(&[]);
    expect(
        &mut h,
        &[
        ("FLUSHALL", "+OK\r\n"),
        ("CONFIG SET stream-node-max-entries 3", "+OK\r\n"),
        ("XADD s 1-0 a 1", "$3\r\n1-0\r\n"),
        ("XADD s 2-0 a 2", "$3\r\n2-0\r\n"),
        ("XADD s 3-0 b 3", "$3\r\n3-0\r\n"),
        ("XADD s 4-0 a 4", "$3\r\n4-0\r\n"),
        ("XADD s 5-0 a 5 c 6", "$3\r\n5-0\r\n"),
        ("XADD s 6-0 a 6", "$3\r\n6-0\r\n"),
        ("XADD s 7-0 a 7", "$3\r\n7-0\r\n"),
        ("XINFO STREAM s", "*20\r\n$6\r\nlength\r\n:7\r\n$15\r\nradix-tree-keys\r\n:3\r\n$16\r\nradix-tree-nodes\r\n:8\r\n$17\r\nlast-generated-id\r\n$3\r\n7-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:7\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\na\r\n$1\r\n7\r\n"),
        ("XTRIM s MAXLEN ~ 5", ":0\r\n"),
        ("XLEN s", ":7\r\n"),
        ("XTRIM s MAXLEN ~ 2", ":3\r\n"),
        ("XLEN s", ":4\r\n"),
        ("XADD s MAXLEN ~ 1 8-0 a 8", "$3\r\n8-0\r\n"),
        ("XLEN s", ":2\r\n"),
        ("XDEL s 7-0 8-0", ":2\r\n"),
        ("XINFO STREAM s", "*20\r\n$6\r\nlength\r\n:0\r\n$15\r\nradix-tree-keys\r\n:0\r\n$16\r\nradix-tree-nodes\r\n:1\r\n$17\r\nlast-generated-id\r\n$3\r\n8-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n8-0\r\n$13\r\nentries-added\r\n:8\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n0-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n$-1\r\n$10\r\nlast-entry\r\n$-1\r\n"),
        ("XADD s 9-0 a 9", "$3\r\n9-0\r\n"),
        ("XTRIM s MINID ~ 9", ":0\r\n"),
        ("XRANGE s - +", "*1\r\n*2\r\n$3\r\n9-0\r\n*2\r\n$1\r\na\r\n$1\r\n9\r\n"),
        ("XTRIM s MINID 9", ":0\r\n"),
        ("XINFO STREAM s", "*20\r\n$6\r\nlength\r\n:1\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n9-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n8-0\r\n$13\r\nentries-added\r\n:9\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n9-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n9-0\r\n*2\r\n$1\r\na\r\n$1\r\n9\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n9-0\r\n*2\r\n$1\r\na\r\n$1\r\n9\r\n"),
        ("CONFIG SET stream-node-max-entries 100", "+OK\r\n"),
        ("CONFIG SET stream-node-max-bytes 60", "+OK\r\n"),
        ("XADD t 1-0 field1 aaaaaaaaaaaaaaaaaaaa", "$3\r\n1-0\r\n"),
        ("XADD t 2-0 field1 aaaaaaaaaaaaaaaaaaaa", "$3\r\n2-0\r\n"),
        ("XADD t 3-0 field1 aaaaaaaaaaaaaaaaaaaa", "$3\r\n3-0\r\n"),
        ("XADD t 4-0 field1 aaaaaaaaaaaaaaaaaaaa", "$3\r\n4-0\r\n"),
        ("XINFO STREAM t", "*20\r\n$6\r\nlength\r\n:4\r\n$15\r\nradix-tree-keys\r\n:4\r\n$16\r\nradix-tree-nodes\r\n:10\r\n$17\r\nlast-generated-id\r\n$3\r\n4-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n"),
        ("CONFIG SET stream-node-max-bytes 4kb", "+OK\r\n"),
        ("CONFIG GET stream-node-max-bytes", "*2\r\n$21\r\nstream-node-max-bytes\r\n$4\r\n4096\r\n"),
        ("DEBUG RELOAD", "+OK\r\n"),
        ("XINFO STREAM t", "*20\r\n$6\r\nlength\r\n:4\r\n$15\r\nradix-tree-keys\r\n:4\r\n$16\r\nradix-tree-nodes\r\n:10\r\n$17\r\nlast-generated-id\r\n$3\r\n4-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:4\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n"),
        ("XRANGE t - +", "*4\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n*2\r\n$3\r\n4-0\r\n*2\r\n$6\r\nfield1\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n"),
        ("OBJECT ENCODING t", "$6\r\nstream\r\n"),
        ("TYPE t", "+stream\r\n"),
        ],
    );
}

const REPLICA: u64 = 9;

/// The commands the replica received since the last call, XCLAIM's delivery time as `t`.
fn propagated(h: &mut Harness) -> Vec<String> {
    let stream = common::stream_commands(&h.take_sent(REPLICA));
    stream
        .into_iter()
        .map(|c| {
            let mut words: Vec<&str> = c.split(' ').collect();
            if let Some(i) = words.iter().position(|w| *w == "TIME") {
                words[i + 1] = "t";
            }
            words.join(" ")
        })
        .collect()
}

fn dirty(h: &mut Harness) -> u64 {
    let info = h.cmd(1, &["INFO", "persistence"]);
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"));
    line.expect("a dirty counter").parse().expect("a number")
}

#[test]
fn what_streams_send_to_replicas_and_count_as_changes() {
    let mut h = common::harness(&[]);
    h.connect(REPLICA, true);
    assert!(h.cmd(REPLICA, &["SYNC"]).starts_with('$'));
    let steps: &[(&str, u64, &[&str])] = &[
        ("XADD s 1-1 a 1", 1, &["XADD s 1-1 a 1"]),
        ("XADD s 1-* a 2", 1, &["XADD s 1-2 a 2"]),
        ("XADD s MAXLEN ~ 0 2-0 a 3", 1, &["XADD s MAXLEN = 0 2-0 a 3"]),
        ("XADD s MAXLEN 1 3-0 a 4", 1, &["XADD s MAXLEN 1 3-0 a 4"]),
        ("XTRIM s MAXLEN ~ 0", 1, &["XTRIM s MAXLEN = 0"]),
        ("XTRIM s MAXLEN 0", 0, &[]),
        ("XADD s 5-0 a 5", 1, &["XADD s 5-0 a 5"]),
        ("XADD s 6-0 a 6", 1, &["XADD s 6-0 a 6"]),
        ("XGROUP CREATE s g 0", 1, &["XGROUP CREATE s g 0"]),
        (
            "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
            2,
            &["XCLAIM s g alice 0 5-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 5-0"],
        ),
        (
            "XREADGROUP GROUP g bob NOACK STREAMS s >",
            2,
            &[
                "MULTI",
                "XGROUP CREATECONSUMER s g bob",
                "XGROUP SETID s g 6-0 ENTRIESREAD 6",
                "EXEC",
            ],
        ),
        ("XREADGROUP GROUP g alice STREAMS s 0", 1, &[]),
        ("XREAD STREAMS s 0", 0, &[]),
        ("XACK s g 5-0", 1, &["XACK s g 5-0"]),
        ("XACK s g 5-0", 0, &[]),
        (
            "XGROUP CREATECONSUMER s g carol",
            1,
            &["XGROUP CREATECONSUMER s g carol"],
        ),
        ("XGROUP SETID s g 0", 1, &["XGROUP SETID s g 0"]),
        (
            "XREADGROUP GROUP g alice STREAMS s >",
            1,
            &[
                "MULTI",
                "XCLAIM s g alice 0 5-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 5-0",
                "XCLAIM s g alice 0 6-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 6-0",
                "EXEC",
            ],
        ),
        (
            "XCLAIM s g carol 0 5-0 JUSTID",
            1,
            &["XCLAIM s g carol 0 5-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 6-0"],
        ),
        ("XDEL s 5-0", 1, &["XDEL s 5-0"]),
        (
            "XAUTOCLAIM s g dave 0 0 JUSTID",
            3,
            &[
                "MULTI",
                "XCLAIM s g carol 0 5-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 6-0",
                "XCLAIM s g dave 0 6-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 6-0",
                "EXEC",
            ],
        ),
        (
            "XCLAIM s g carol 0 6-0 LASTID 9-0 JUSTID",
            1,
            &["XCLAIM s g carol 0 6-0 TIME t RETRYCOUNT 1 FORCE JUSTID LASTID 9-0"],
        ),
        (
            "XCLAIM s g carol 0 1-0 LASTID 10-0",
            1,
            &["XGROUP SETID s g 10-0 ENTRIESREAD 6"],
        ),
        ("XGROUP DELCONSUMER s g dave", 1, &["XGROUP DELCONSUMER s g dave"]),
        ("XGROUP DESTROY s g", 1, &["XGROUP DESTROY s g"]),
        ("XSETID s 20-0", 1, &["XSETID s 20-0"]),
    ];
    for (cmd, changes, stream) in steps {
        let before = dirty(&mut h);
        propagated(&mut h);
        let words: Vec<&str> = cmd.split(' ').collect();
        h.cmd(1, &words);
        assert_eq!(dirty(&mut h) - before, *changes, "changes counted by {cmd}");
        assert_eq!(propagated(&mut h), *stream, "propagation of {cmd}");
    }
}

#[test]
fn blocked_readers_are_served_released_and_timed_out_as_redis_does() {
    let mut h = common::harness(&[]);
    h.connect(2, true);
    let advance_ms = |h: &mut Harness, ms: u64| {
        h.now.unix_ms += ms;
        h.now.mono_us += ms * 1000;
        h.event(1, ferrous_core::Event::Tick);
    };
    // Served by the XADD that passes `$`.
    assert_eq!(h.cmd(2, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), "");
    assert_eq!(h.cmd(1, &["XADD", "s", "1-0", "a", "1"]), "$3\r\n1-0\r\n");
    assert_eq!(
        h.take_sent(2),
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    // A group destroyed, or its key deleted, lets a group reader go with an error.
    h.cmd(1, &["XGROUP", "CREATE", "s", "g", "$"]);
    assert_eq!(
        h.cmd(2, &["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]),
        ""
    );
    assert_eq!(h.cmd(1, &["XGROUP", "DESTROY", "s", "g"]), ":1\r\n");
    assert_eq!(
        h.take_sent(2),
        "-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
    );
    h.cmd(1, &["XGROUP", "CREATE", "s", "g", "$"]);
    assert_eq!(
        h.cmd(2, &["XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"]),
        ""
    );
    assert_eq!(h.cmd(1, &["DEL", "s"]), ":1\r\n");
    assert_eq!(h.take_sent(2), "-UNBLOCKED the stream key no longer exists\r\n");
    // The timeout answers the null array.
    assert_eq!(h.cmd(2, &["XREAD", "BLOCK", "100", "STREAMS", "s", "$"]), "");
    advance_ms(&mut h, 100);
    assert_eq!(h.take_sent(2), "*-1\r\n");
    // COUNT bounds what a served reader gets; it is served once, after EXEC.
    assert_eq!(
        h.cmd(2, &["XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", "0"]),
        ""
    );
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["XADD", "s", "1-0", "x", "1"]);
    h.cmd(1, &["XADD", "s", "2-0", "y", "2"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*2\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n");
    assert_eq!(
        h.take_sent(2),
        "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n"
    );
    // Inside MULTI nothing blocks.
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*1\r\n*-1\r\n");
    // An entry added and deleted in one transaction still serves: with nothing.
    assert_eq!(h.cmd(2, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), "");
    h.cmd(1, &["MULTI"]);
    h.cmd(1, &["XADD", "s", "4-0", "z", "4"]);
    h.cmd(1, &["XDEL", "s", "4-0"]);
    assert_eq!(h.cmd(1, &["EXEC"]), "*2\r\n$3\r\n4-0\r\n:1\r\n");
    assert_eq!(h.take_sent(2), "*1\r\n*2\r\n$1\r\ns\r\n*0\r\n");
    // RESP3 readers get a map.
    h.cmd(2, &["HELLO", "3"]);
    assert_eq!(h.cmd(2, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), "");
    h.cmd(1, &["XADD", "s", "5-0", "q", "5"]);
    assert_eq!(
        h.take_sent(2),
        "%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n5-0\r\n*2\r\n$1\r\nq\r\n$1\r\n5\r\n"
    );
}

#[test]
fn corrupt_stream_payloads_are_refused_without_panicking() {
    let mut h = common::harness(&[]);
    for i in 1..=30 {
        h.cmd(1, &["XADD", "s", &format!("{i}-0"), "f", &i.to_string(), "g", "x"]);
    }
    h.cmd(1, &["XGROUP", "CREATE", "s", "g", "0"]);
    h.cmd(1, &["XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "STREAMS", "s", ">"]);
    let payload = h.cmd_bytes(1, &[b"DUMP", b"s"]);
    // The bulk string's body.
    let start = payload.iter().position(|&b| b == b'\n').unwrap() + 1;
    let body = payload[start..payload.len() - 2].to_vec();
    assert_eq!(h.cmd_bytes(1, &[b"RESTORE", b"copy", b"0", &body]), b"+OK\r\n");
    assert_eq!(h.cmd(1, &["XLEN", "copy"]), ":30\r\n");
    assert_eq!(h.cmd(1, &["XPENDING", "copy", "g"]).lines().nth(1), Some(":5"));
    h.cmd(1, &["DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"]);
    let mut refused = 0;
    for at in 0..body.len() - 10 {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = body.clone();
            bad[at] ^= flip;
            let reply = h.cmd_bytes(1, &[b"RESTORE", b"bad", b"0", &bad, b"REPLACE"]);
            if reply.starts_with(b"-") {
                refused += 1;
            }
            // Whatever loaded must read back whole.
            h.cmd(1, &["XRANGE", "bad", "-", "+"]);
            h.cmd(1, &["XINFO", "STREAM", "bad", "FULL"]);
        }
    }
    assert!(refused > 0);
    assert_eq!(h.cmd(1, &["PING"]), "+PONG\r\n");
}
