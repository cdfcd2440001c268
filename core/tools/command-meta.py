#!/usr/bin/env python3
"""Regenerates core/src/command/redis-7.0.15/{info,docs}.resp3: the raw RESP3 replies of
`COMMAND INFO` and `COMMAND DOCS` from a running Debian redis-server 7.0.15, the facts (arity,
flags, ACL categories, key specs, tips, argument docs) that ferrous' COMMAND INFO|DOCS|GETKEYS
answer with. Usage: redis-server --port 7777 --save '' & core/tools/command-meta.py 7777"""
import os
import socket
import sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
out_dir = os.path.join(os.path.dirname(__file__), "..", "src", "command", "redis-7.0.15")
sock = socket.create_connection(("127.0.0.1", port))
buf = b""


def need(n):
    global buf
    while len(buf) < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk


def line(pos):
    while True:
        end = buf.find(b"\r\n", pos)
        if end >= 0:
            return end
        need(len(buf) + 1)


def skip(pos):
    """End offset of the RESP3 value starting at pos."""
    end = line(pos)
    kind, head = buf[pos:pos + 1], buf[pos + 1:end]
    if kind in b"$=!":
        n = int(head)
        need(end + 2 + n + 2)
        return end + 2 + n + 2
    if kind in b"*~>%":
        n = int(head) * (2 if kind == b"%" else 1)
        p = end + 2
        for _ in range(n):
            p = skip(p)
        return p
    return end + 2


def call(cmd):
    global buf
    sock.sendall(cmd)
    end = skip(0)
    reply, buf = buf[:end], buf[end:]
    return reply


version = call(b"HELLO 3\r\n")
if b"7.0.15" not in version:
    raise SystemExit("want redis-server 7.0.15")
for name, cmd in (("info", b"COMMAND INFO\r\n"), ("docs", b"COMMAND DOCS\r\n")):
    with open(os.path.join(out_dir, name + ".resp3"), "wb") as f:
        f.write(call(cmd))
