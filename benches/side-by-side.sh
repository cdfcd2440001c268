#!/usr/bin/env bash
# Side-by-side throughput: redis-benchmark against Debian's redis-server and against ferrous in
# one run, alternating rounds so drift hits both alike. Each server is pinned to CPU 0 and
# redis-benchmark to CPU 1; prints the median requests/s per test and pipeline depth and the
# ratio ferrous/redis.
#
#   benches/side-by-side.sh [ROUNDS]          (env: N1, N16 requests per run; TESTS)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
n1=${N1:-200000}
n16=${N16:-2000000}
tests=${TESTS:-ping,set,get}
ferrous=${FERROUS_BIN:-target/release/ferrous}
[ -n "${FERROUS_BIN:-}" ] || cargo build --release -q -p ferrous-io-real
for tool in redis-server redis-benchmark redis-cli taskset; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install redis-server redis-tools util-linux)"; exit 2; }
done
out=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$out"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() { # name port -> pid
  case $1 in
    redis) taskset -c 0 redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null 2>&1 & ;;
    ferrous) taskset -c 0 "$ferrous" --port "$2" --bind 127.0.0.1 >/dev/null 2>&1 & ;;
  esac
  local pid=$!
  for _ in $(seq 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && break; sleep 0.05; done
  echo "$pid"
}

for r in $(seq "$rounds"); do
  for name in redis ferrous; do
    port=$(free_port)
    pid=$(start "$name" "$port"); pids+=("$pid")
    for p in 1 16; do
      n=$n1; [ "$p" = 16 ] && n=$n16
      taskset -c 1 redis-benchmark -p "$port" -c 50 -n "$n" -P "$p" -t "$tests" -q --csv 2>/dev/null |
        tail -n +2 | tr -d '"' | while IFS=, read -r test rps _; do echo "$test $p $rps"; done >>"$out/$name"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  echo "round $r/$rounds done" >&2
done

python3 - "$out" <<'PY'
import sys, statistics, collections
d = sys.argv[1]
def load(name):
    m = collections.defaultdict(list)
    for line in open(f"{d}/{name}"):
        t, p, rps = line.split()
        m[(t, int(p))].append(float(rps))
    return m
r, f = load("redis"), load("ferrous")
print(f"{'test':<12} {'-P':>3} {'redis rps':>12} {'ferrous rps':>12} {'ratio':>6}   (medians of {len(next(iter(r.values())))} rounds)")
for key in sorted(r, key=lambda k: (k[1], k[0])):
    a, b = statistics.median(r[key]), statistics.median(f.get(key, [0]))
    print(f"{key[0]:<12} {key[1]:>3} {a:>12.0f} {b:>12.0f} {b / a:>6.2f}")
PY
