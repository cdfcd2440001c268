#!/usr/bin/env python3
"""Persistence side by side with redis-server, in one run (issue 6, point 8):

- BGSAVE of N keys: peak growth of the server's memory (PSS of the server and, for Redis,
  its forked child, sampled every 5 ms; idle, and again while a client overwrites random keys,
  with the SETs/s it got meanwhile) and the PING round trips a client saw while the save
  ran (longest, 99.9th percentile, how many over 2 ms), beside the same probe on the idle
  server for as long, which shows the machine's own hiccups; for ferrous also its longest
  event-loop iteration then, in wall and in CPU time (FERROUS_SLOW_LOOP_US), which tells its
  own stalls from waiting for a CPU; then the same BGSAVE probe with the file in tmpfs
  (/dev/shm), which takes the disk out, and the probe on the idle server while another
  process writes 40 MB with an fdatasync every 4 MB: the stalls the disk path causes alone;
  the probe PINGs every 0.25 ms (see PROBE_EVERY_MS), and during every probe a freeze
  detector (a real-time sleeper per CPU, see SLEEPER) notes when the machine stopped
  running a CPU; each probe is also reported with those stops taken out of its slow PINGs:
  what is left is a stall of the server;
- RDB load time of those N keys (start to first PONG), and AOF load time of the same keys
  as commands (aof-use-rdb-preamble no);
- SET throughput (redis-benchmark -c 50) with appendfsync always and everysec.

    benches/persistence.py [N]      (env FERROUS_BIN, default target/release/ferrous)

Env SERVER_PREFIX and PROBE_PREFIX put a command before the servers and the PING probe, e.g.
`SERVER_PREFIX="chrt -f -R 50" PROBE_PREFIX="chrt -f 60"`: both real-time (Redis' fork child
back to normal), which takes the machine's scheduling noise out of the PING times.
"""
import os, socket, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
FERROUS = os.path.abspath(os.environ.get("FERROUS_BIN", "target/release/ferrous"))
SERVER_PREFIX = os.environ.get("SERVER_PREFIX", "").split()
PROBE_PREFIX = os.environ.get("PROBE_PREFIX", "").split()


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def cmd(port, *args, timeout=60):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(resp(args)); data = s.recv(1 << 20); s.close(); return data


def resp(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def start(name, port, d, extra=()):
    binary = "redis-server" if name == "redis" else FERROUS
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", ""] + list(extra)
    env = dict(os.environ)
    if name == "redis":
        args += ["--daemonize", "no"]
    else:
        # ferrous logs each event-loop iteration over 1 ms with its CPU time (see below).
        env["FERROUS_SLOW_LOOP_US"] = "1000"
        args += ["--logfile", os.path.join(d, "ferrous.log")]
    p = subprocess.Popen(SERVER_PREFIX + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=d, env=env)
    t0 = time.time()
    while True:
        try:
            if cmd(port, "PING").startswith(b"+PONG"):
                return p, time.time() - t0
        except OSError:
            pass
        time.sleep(0.005)


# Keys as redis-benchmark's __rand_int__ names them (-r N), so that its writes overwrite them.
def populate(port):
    payload = b"".join(resp(["SET", "key:%012d" % i, "value-%d-xxxxxxxxxxxx" % i]) for i in range(N))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=payload, stdout=subprocess.DEVNULL, check=True)


def pss(pid):
    total = 0
    for p in [pid] + children(pid):
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def children(pid):
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


def bgsave_memory(port, proc):
    """Peak PSS growth during a BGSAVE (reading smaps can itself slow the process: this pass
    does not time anything)."""
    base = pss(proc.pid)
    peak = base
    cmd(port, "BGSAVE")
    while b"rdb_bgsave_in_progress:1" in cmd(port, "INFO", "persistence") or children(proc.pid):
        peak = max(peak, pss(proc.pid)); time.sleep(0.005)
    return (peak - base) / 2**20


def bgsave_memory_under_writes(port, proc):
    """Peak PSS growth during a BGSAVE while a client overwrites random keys of the dataset
    (redis-benchmark SET, 4 connections, pipelines of 16; the values as long as populate's):
    the copy-on-write a fork pays for each page written, against ferrous writing a key out
    before its first change. Also the SETs done per second meanwhile, the save's length, and the
    SETs per second in the second before it."""
    writer = subprocess.Popen(["redis-benchmark", "-p", str(port), "-c", "4", "-P", "16", "-r", str(N),
                               "-n", "100000000", "SET", "key:__rand_int__", "x" * 25],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    first, t0 = info_stat(port, b"total_commands_processed"), time.time()
    time.sleep(1)
    before, t1 = info_stat(port, b"total_commands_processed"), time.time()
    sets_before = (before - first) / (t1 - t0)
    growth = bgsave_memory(port, proc)
    seconds = time.time() - t1
    sets = (info_stat(port, b"total_commands_processed") - before) / seconds
    writer.kill(); writer.wait()
    return growth, sets, seconds, sets_before


def info_stat(port, field):
    for line in cmd(port, "INFO", "stats").split(b"\r\n"):
        if line.startswith(field + b":"):
            return int(line.split(b":")[1])
    raise KeyError(field)


PROBE = r"""
import select, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
every = float(sys.argv[2]) / 1000
sys.stdout.write("ready\n"); sys.stdout.flush()
lat, slow, n = [], [], 0
due = time.perf_counter()
while n % 100 or not select.select([sys.stdin], [], [], 0)[0]:
    w = time.time(); t = time.perf_counter(); s.sendall(b"PING\r\n"); s.recv(64)
    done = time.perf_counter(); ms = (done - t) * 1000; n += 1
    lat.append(ms)
    if ms > 1.0:
        slow.append("%.6f:%.4f" % (w, ms))
    due = max(due + every, done)
    wait = due - time.perf_counter()
    if wait > 0:
        time.sleep(wait)
sys.stdout.write(" ".join("%.4f" % x for x in lat) + "\n" + " ".join(slow) + "\n")
"""

# A PING every PROBE_EVERY_MS: a client that keeps asking, without taking a whole CPU. (A
# probe that PINGs back to back does, and on a 2-CPU virtual machine that, the server's
# threads and the disk's work on the host together use up the machine's CPU share: it is
# then stopped for milliseconds at a time, which is the machine's stall, not the server's.)
PROBE_EVERY_MS = 0.25

# The freeze detector: one process per CPU, pinned there, real-time if allowed, that sleeps
# 0.5 ms at a time. Waking more than 1 ms late means that CPU did not run for that long: the
# virtual machine was stopped (or something ran there with interrupts off). Reported as
# (wall time woken, ms late).
SLEEPER = r"""
import os, select, sys, time
os.sched_setaffinity(0, {int(sys.argv[1])})
try:
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(90))
except OSError:
    pass
sys.stdout.write("ready\n"); sys.stdout.flush()
out, n = [], 0
while n % 100 or not select.select([sys.stdin], [], [], 0)[0]:
    t = time.perf_counter(); time.sleep(0.0005); late = time.perf_counter() - t - 0.0005
    if late > 0.001:
        out.append("%.6f:%.4f" % (time.time(), late * 1000))
    n += 1
sys.stdout.write(" ".join(out) + "\n")
"""


def ping_probe(port, until):
    """PINGs on one connection (see PROBE_EVERY_MS) until `until()` says stop, with the
    freeze detector running: the round trips (ms, sorted), those over 1 ms as (wall time
    sent, ms), and the spans the machine stopped (see SLEEPER, any_stopped). The probe is a
    process of its own, so this process' threads (which poll INFO) never hold it up on the
    interpreter lock."""
    sleepers = [subprocess.Popen([sys.executable, "-c", SLEEPER, str(c)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True) for c in sorted(os.sched_getaffinity(0))]
    for sp in sleepers:
        sp.stdout.readline()
    p = subprocess.Popen(PROBE_PREFIX + [sys.executable, "-c", PROBE, str(port), str(PROBE_EVERY_MS)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    time.sleep(0.05)
    until()
    out, _ = p.communicate("stop\n")
    per_cpu = [[(e - g / 1000, e) for e, g in pairs(sp.communicate("stop\n")[0])] for sp in sleepers]
    lat, slow = (out.split("\n") + ["", ""])[:2]
    return sorted(float(x) for x in lat.split()), pairs(slow), any_stopped(per_cpu)


def pairs(text):
    return [tuple(float(x) for x in w.split(":")) for w in text.split()]


def any_stopped(per_cpu):
    """The spans (start, end) during which some CPU was frozen, overlapping ones merged. A
    PING crosses both CPUs of this machine (the probe on one, the server's thread on the
    other or the same): a CPU that stopped during a PING may be why it waited."""
    spans = []
    for a, b in sorted(x for cpu in per_cpu for x in cpu):
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return spans


def outside_stops(slow, stops):
    """Each slow PING less the time a CPU was stopped while it waited: the PING sent at
    `w` waited [w, w + ms]."""
    out = []
    for w, ms in slow:
        lost = sum(max(0.0, min(w + ms / 1000, b) - max(w, a)) for a, b in stops)
        out.append(ms - lost * 1000)
    return out


def slow_iterations(d):
    """ferrous' log lines for event-loop iterations over 1 ms: (wall us, CPU us) each."""
    out = []
    try:
        for line in open(os.path.join(d, "ferrous.log")):
            if "Slow event loop iteration: " in line:
                words = line.split("Slow event loop iteration: ")[1].split()
                out.append((int(words[0]), int(words[3])))
    except OSError:
        pass
    return out


def bgsave_stall(port, proc):
    """The PING round trips while a BGSAVE runs (nothing else polls the server), and as many
    seconds of the same probe with the server idle: the machine's own hiccups."""
    began = time.perf_counter()

    def save():
        cmd(port, "BGSAVE")
        while True:
            time.sleep(0.05)
            if b"rdb_bgsave_in_progress:0" in cmd(port, "INFO", "persistence") and not children(proc.pid):
                break
    during = ping_probe(port, save)
    took = time.perf_counter() - began
    idle = ping_probe(port, lambda: time.sleep(took))
    return during, idle


def bgsave_stall_in_tmpfs(port, proc, d):
    """The BGSAVE probe with `dir` in tmpfs: the server's own stalls, without the disk's."""
    shm = tempfile.mkdtemp(dir="/dev/shm")
    try:
        cmd(port, "CONFIG", "SET", "dir", shm)
        during, _ = bgsave_stall(port, proc)
        cmd(port, "CONFIG", "SET", "dir", d)
        return during
    finally:
        subprocess.run(["rm", "-rf", shm])


def disk_writer_stall(port, d):
    """The probe on the idle server while this process writes 40 MB to `d` with an
    fdatasync every 4 MB: what the machine's disk path does to a client by itself."""
    path = os.path.join(d, "disk-writer")

    def write():
        with open(path, "wb") as f:
            for _ in range(10):
                f.write(b"\0" * (4 << 20))
                f.flush()
                os.fdatasync(f.fileno())
        os.remove(path)
    return ping_probe(port, write)


def summary(probe):
    """Longest PING, 99.9th percentile, PINGs over 2 ms; the CPUs' stops meanwhile (how many,
    longest); and the PINGs again with those stops taken out of them."""
    lat, slow, stops = probe
    left = outside_stops(slow, stops) + [x for x in lat if x <= 1.0][-1:]
    return dict(max=lat[-1], p999=lat[int(len(lat) * 0.999)], over2=sum(1 for x in lat if x > 2.0),
                stops=len(stops), stop_max=max(((b - a) * 1000 for a, b in stops), default=0.0),
                max_unfrozen=max(left, default=0.0), over2_unfrozen=sum(1 for x in left if x > 2.0))


def bgsave(name, port, proc, d):
    growth = bgsave_memory(port, proc)
    seen = len(slow_iterations(d))
    stall = bgsave_stall(port, proc)
    # ferrous' own stalls: iterations over 1 ms of wall time while it saved (and idled as long);
    # their CPU time is what the server itself spent, the rest it waited for a CPU.
    slow = slow_iterations(d)[seen:]
    return growth, stall, slow


def aof_load(name, port, p, d):
    """Writes the dataset as an AOF of commands, restarts on it: seconds to the first PONG."""
    cmd(port, "CONFIG", "SET", "aof-use-rdb-preamble", "no")
    cmd(port, "CONFIG", "SET", "appendonly", "yes")
    while True:
        info = cmd(port, "INFO", "persistence")
        if b"aof_rewrite_in_progress:0" in info and b"aof_rewrite_scheduled:0" in info:
            break
        time.sleep(0.05)
    p.terminate(); p.wait()
    for f in os.listdir(d):
        if f.endswith(".rdb"):
            os.remove(os.path.join(d, f))
    p, load_s = start(name, port, d, ["--appendonly", "yes"])
    assert cmd(port, "DBSIZE").strip() == b":%d" % N
    p.terminate(); p.wait()
    return load_s


def bench_set(port):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "50", "-n", "100000", "-t", "set", "-q", "--csv"],
                         capture_output=True, text=True).stdout.strip().splitlines()
    return float(out[-1].split(",")[1].strip('"'))


results = {}
for name in ["redis", "ferrous"]:
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        p, _ = start(name, port, d)
        populate(port)
        growth, (during, idle), slow = bgsave(name, port, p, d)
        stall, idle = summary(during), summary(idle)
        seen = len(slow_iterations(d))
        tmpfs = summary(bgsave_stall_in_tmpfs(port, p, d))
        slow_tmpfs = slow_iterations(d)[seen:]
        disk_writer = summary(disk_writer_stall(port, d))
        written = bgsave_memory_under_writes(port, p)
        if name == "ferrous":
            stall["loop_max_cpu_ms"] = max((c for _, c in slow), default=0) / 1000
            stall["loop_max_wall_ms"] = max((w for w, _ in slow), default=0) / 1000
            tmpfs["loop_max_cpu_ms"] = max((c for _, c in slow_tmpfs), default=0) / 1000
            tmpfs["loop_max_wall_ms"] = max((w for w, _ in slow_tmpfs), default=0) / 1000
        p.terminate(); p.wait()
        p, load_s = start(name, port, d)
        keys = cmd(port, "DBSIZE").strip()
        aof_load_s = aof_load(name, port, p, d)
        sets = {}
        for policy in ["always", "everysec"]:
            os.makedirs(os.path.join(d, policy), exist_ok=True)
            for f in os.listdir(d):
                if f.endswith(".rdb"):
                    os.remove(os.path.join(d, f))
            port = free_port()
            p, _ = start(name, port, os.path.join(d, policy), ["--appendonly", "yes", "--appendfsync", policy])
            sets[policy] = bench_set(port)
            p.terminate(); p.wait()
        results[name] = dict(growth=growth, written=written, stall=stall, idle=idle, tmpfs=tmpfs, disk_writer=disk_writer, load=load_s, aof_load=aof_load_s, keys=keys, **sets)
        print(name, results[name], flush=True)

r, f = results["redis"], results["ferrous"]
print(f"\nN={N}                          redis      ferrous")
print(f"BGSAVE memory growth (MiB)  {r['growth']:9.1f}  {f['growth']:9.1f}")
print(f"  the same under writes       {r['written'][0]:9.1f}  {f['written'][0]:9.1f}")
print(f"  SETs/s during that save     {r['written'][1]:9.0f}  {f['written'][1]:9.0f}   ratio {f['written'][1]/r['written'][1]:.2f}")
print(f"  SETs/s the second before    {r['written'][3]:9.0f}  {f['written'][3]:9.0f}   ratio {f['written'][3]/r['written'][3]:.2f}")
print(f"  that save took (s)          {r['written'][2]:9.2f}  {f['written'][2]:9.2f}")
for what, key in [("during BGSAVE", "stall"), ("server idle  ", "idle"), ("BGSAVE tmpfs ", "tmpfs"),
                  ("idle, dd    ", "disk_writer")]:
    for stat in ["max", "p999"]:
        print(f"PING {stat:>4} {what}     {r[key][stat]:7.2f}ms  {f[key][stat]:7.2f}ms")
    print(f"PINGs over 2 ms {what} {r[key]['over2']:7d}    {f[key]['over2']:7d}")
    print(f"  CPU stops, longest        {r[key]['stops']:4d} {r[key]['stop_max']:5.2f}ms"
          f" {f[key]['stops']:4d} {f[key]['stop_max']:5.2f}ms")
    print(f"  PING max less stops       {r[key]['max_unfrozen']:7.2f}ms  {f[key]['max_unfrozen']:7.2f}ms")
    print(f"  over 2 ms less stops      {r[key]['over2_unfrozen']:7d}    {f[key]['over2_unfrozen']:7d}")
print("(BGSAVE tmpfs: the file in /dev/shm; idle, dd: the server idle while another process "
      "writes 40 MB with an fdatasync every 4 MB; CPU stops: a CPU's real-time sleeper woke over "
      "1 ms late)")
print(f"ferrous' longest loop iteration during BGSAVE and the idle probe: "
      f"{f['stall']['loop_max_wall_ms']:.2f} ms wall, longest CPU {f['stall']['loop_max_cpu_ms']:.2f} ms "
      f"(iterations under 1 ms wall are not logged)")
print(f"ferrous' longest loop iteration during BGSAVE to tmpfs: "
      f"{f['tmpfs']['loop_max_wall_ms']:.2f} ms wall, longest CPU {f['tmpfs']['loop_max_cpu_ms']:.2f} ms")
print(f"RDB load to first PONG      {r['load']:8.2f}s  {f['load']:8.2f}s   ratio {f['load']/r['load']:.2f}")
print(f"AOF load to first PONG      {r['aof_load']:8.2f}s  {f['aof_load']:8.2f}s   ratio {f['aof_load']/r['aof_load']:.2f}")
print(f"SET appendfsync always      {r['always']:9.0f}  {f['always']:9.0f}   ratio {f['always']/r['always']:.2f}")
print(f"SET appendfsync everysec    {r['everysec']:9.0f}  {f['everysec']:9.0f}   ratio {f['everysec']/r['everysec']:.2f}")
