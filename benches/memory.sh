#!/usr/bin/env bash
# Memory per key, side by side: loads N small string keys (`SET key:<i> xxx`) into a fresh
# redis-server and a fresh ferrous with redis-cli --pipe, and prints each one's RSS growth per
# key (and redis' own used_memory per key).
#
#   benches/memory.sh [N]          (default 1000000; env FERROUS_BIN)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
ferrous=${FERROUS_BIN:-target/release/ferrous}
[ -n "${FERROUS_BIN:-}" ] || cargo build --release -q -p ferrous-io-real
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
python3 - "$n" >"$out/load.resp" <<'PY'
import sys
w = sys.stdout.buffer
for i in range(int(sys.argv[1])):
    k = b"key:%d" % i
    w.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nxxx\r\n" % (len(k), k))
PY
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
printf '%-8s %12s %12s %10s\n' server 'rss before' 'rss after' 'B/key'
for name in redis ferrous; do
  port=$(free_port)
  case $name in
    redis) redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 & ;;
    ferrous) "$ferrous" --port "$port" --bind 127.0.0.1 >/dev/null 2>&1 & ;;
  esac
  pid=$!; pids+=("$pid")
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  before=$(rss "$pid")
  redis-cli -p "$port" --pipe <"$out/load.resp" >/dev/null
  [ "$(redis-cli -p "$port" dbsize)" = "$n" ] || { echo "$name: dbsize is not $n"; exit 1; }
  after=$(rss "$pid")
  printf '%-8s %10s KB %10s KB %10.1f\n' "$name" "$before" "$after" "$(echo "($after - $before) * 1024 / $n" | bc -l)"
  if [ "$name" = redis ]; then
    used=$(redis-cli -p "$port" info memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}')
    echo "         redis used_memory: $used bytes ($(echo "$used / $n" | bc -l | cut -c1-6) B/key incl. its baseline)"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
