#!/usr/bin/env bash
# Memory per key or element, side by side: loads N items into a fresh redis-server and a fresh
# ferrous with redis-cli --pipe, and prints each one's RSS growth per item (and redis' own
# used_memory). SHAPE picks what is loaded:
#   strings     N keys `SET key:<i> xxx`                     (default)
#   small-lists N/10 lists of 10 short elements  (likewise small-hashes, small-sets, small-zsets)
#   big-list    1 list of N short elements       (likewise big-hash, big-set, big-zset)
#
#   benches/memory.sh [N] [SHAPE]  (default 1000000 strings; env FERROUS_BIN)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
shape=${2:-strings}
ferrous=${FERROUS_BIN:-target/release/ferrous}
[ -n "${FERROUS_BIN:-}" ] || cargo build --release -q -p ferrous-io-real
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
python3 - "$n" "$shape" >"$out/load.resp" <<'PY'
import sys
w = sys.stdout.buffer
n, shape = int(sys.argv[1]), sys.argv[2]
def cmd(*args):
    w.write(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
if shape == "strings":
    for i in range(n):
        cmd(b"SET", b"key:%d" % i, b"xxx")
else:
    size, kind = shape.split("-")
    op = {"lists": b"RPUSH", "list": b"RPUSH", "sets": b"SADD", "set": b"SADD", "hashes": b"HSET", "hash": b"HSET", "zsets": b"ZADD", "zset": b"ZADD"}[kind]
    per = 10 if size == "small" else n
    for k in range(n // per):
        for i in range(0, per, 100):
            items = []
            for j in range(i, min(i + 100, per)):
                if op == b"HSET":
                    items += [b"f%d" % j, b"v%d" % j]
                elif op == b"ZADD":
                    items += [b"%d" % j, b"m%d" % j]
                else:
                    items += [b"e%d" % j]
            cmd(op, b"key:%d" % k, *items)
PY
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
printf '%s, %s items\n%-8s %12s %12s %10s\n' "$shape" "$n" server 'rss before' 'rss after' 'B/item'
for name in redis ferrous; do
  port=$(free_port)
  case $name in
    redis) redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 & ;;
    ferrous) "$ferrous" --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 & ;;
  esac
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  before=$(rss "$pid")
  redis-cli -p "$port" --pipe <"$out/load.resp" >/dev/null
  [ "$(redis-cli -p "$port" dbsize)" -gt 0 ] || { echo "$name: nothing was loaded"; exit 1; }
  after=$(rss "$pid")
  printf '%-8s %10s KB %10s KB %10.1f\n' "$name" "$before" "$after" "$(echo "($after - $before) * 1024 / $n" | bc -l)"
  if [ "$name" = redis ]; then
    used=$(redis-cli -p "$port" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
    echo "         redis used_memory: $used bytes ($(echo "$used / $n" | bc -l | cut -c1-6) B/item incl. its baseline)"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
