#!/usr/bin/python3
"""Benchmark of event-aggregator against bare Socket.IO clients, driven by tests/bench/run.sh.

Sources (on loopback): the raw "blaster" (blaster.js), the real Node socket.io server
(bench_node_server.js) and the real python-socketio server (bench_py_server.py), all sending the
same generated stream (gen_stream.js). Contestants: our headless app end to end (journal and
session files on, every event checked to be in its own session's file), a bare Node
socket.io-client and a bare python-socketio AsyncClient that only count.

Run with Debian's /usr/bin/python3 (python3-socketio lives there).
"""
import argparse
import datetime
import gzip
import json
import os
import platform
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
NODE = shutil.which("node") or "node"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --- processes ------------------------------------------------------------------------------

class Proc:
    """A child whose stdout JSON lines are collected by a thread; stderr goes to a file."""

    def __init__(self, argv, cwd=None, env=None, stderr_path=None, stderr_lines=False):
        self.argv = argv
        self.lines = queue.Queue()
        self.err_lines = queue.Queue()
        self.stderr_file = open(stderr_path, "wb") if stderr_path and not stderr_lines else None
        self.started = time.monotonic()
        self.p = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if stderr_lines else (self.stderr_file or subprocess.DEVNULL))
        self.stdout_text = []
        threading.Thread(target=self._read, daemon=True).start()
        if stderr_lines:
            self.stderr_log = open(stderr_path, "w") if stderr_path else None
            threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").strip()
            self.stdout_text.append(line)
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                pass
        self.lines.put(None)

    def _read_err(self):
        for raw in self.p.stderr:
            now = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip()
            if self.stderr_log:
                self.stderr_log.write(line + "\n")
                self.stderr_log.flush()
            self.err_lines.put((now, line))
        self.err_lines.put((time.monotonic(), None))

    @property
    def pid(self):
        return self.p.pid

    def expect(self, pred, timeout):
        """Next stdout JSON object satisfying pred (others are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.argv[:3]}: no expected line within {timeout} s")
            try:
                obj = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if obj is None:
                raise RuntimeError(f"{self.argv[:3]} exited ({self.p.wait()}) "
                                   f"before the expected line")
            if pred(obj):
                return obj

    def expect_err(self, needle, timeout):
        """Monotonic arrival time of the first stderr line containing needle."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no stderr line with {needle!r} within {timeout} s")
            try:
                t, line = self.err_lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"{self.argv[:3]} exited before printing {needle!r}")
            if needle in line:
                return t

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def peak_rss(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def stop(self, sig=signal.SIGTERM, timeout=600):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        if self.stderr_file:
            self.stderr_file.close()
        return self.p.returncode


class Source:
    KINDS = {
        "blaster": [NODE, os.path.join(HERE, "blaster.js")],
        "node": [NODE, os.path.join(HERE, "bench_node_server.js")],
        "python": [PY, os.path.join(HERE, "bench_py_server.py")],
    }

    def __init__(self, kind, stream, work, extra=()):
        self.kind = kind
        argv = self.KINDS[kind] + (["--stream", stream] if stream else []) + list(extra)
        self.proc = Proc(argv,
                         stderr_path=os.path.join(work, f"source-{kind}.log"))
        ready = self.proc.expect(lambda o: o.get("ready"), 300)
        self.port = ready["port"]
        self.url = f"http://127.0.0.1:{self.port}"

    def sent(self, timeout=600):
        return self.proc.expect(lambda o: o.get("report") == "sent", timeout)

    def latency(self, timeout=600):
        return self.proc.expect(lambda o: o.get("report") == "latency", timeout)

    def close(self):
        self.proc.stop()


# --- our app --------------------------------------------------------------------------------

# Capture's memory bounds (CaptureLimits, overridable by environment) release the least
# recently active sessions beyond 256 live ones or 256 MB of held events. The memory and scale
# figures measure sessions that stay live, so they raise those bounds; everything else runs
# with the defaults users get.
LIVE_LIMITS = {"EA_MAX_LIVE_SESSIONS": "100000", "EA_MAX_LIVE_BYTES": str(16 << 30)}


def app_env(home, extra=None):
    env = dict(os.environ)
    env["HOME"] = home
    env["EA_RUNTIME_DIR"] = os.path.join(home, "run")
    env.pop("QT_LOGGING_RULES", None)
    for k in list(env):
        if k.startswith("EA_MAX_") or k == "EA_SESSION_TIMEOUT_MS":
            del env[k]
    env.update(extra or {})
    os.makedirs(env["EA_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    return env


def start_app(app, port, home, activity, label, extra_env=None):
    return Proc([app, "--headless", "--port", str(port), "--activity-dir", activity],
                cwd=home, env=app_env(home, extra_env), stderr_path=os.path.join(home, f"{label}.log"),
                stderr_lines=True)


def session_files(activity):
    try:
        names = os.listdir(activity)
    except OSError:
        return []
    return [n for n in names if n.startswith("session_") and (n.endswith(".json") or n.endswith(".json.gz"))]


def journal_dir(activity):
    return os.path.join(activity, ".journal")


def journal_segments(activity):
    try:
        return sorted(n for n in os.listdir(journal_dir(activity)) if n.startswith("journal-"))
    except OSError:
        return []


def first_record_t(path):
    """Receive time (ms) of the first record of a segment, or None."""
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(b'{"seq":'):
                    return json.loads(line)["t"]
    except (OSError, ValueError):
        pass
    return None


def last_record(path):
    """(seq, t) of the last complete record line of a segment, or None."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 65536))
            tail = f.read()
    except OSError:
        return None
    for line in reversed(tail.split(b"\n")):
        if line.startswith(b'{"seq":') and line.endswith(b"}"):
            head = line[:80].split(b",")
            try:
                return int(head[0][7:]), int(head[1][4:])
            except (ValueError, IndexError):
                return None
    return None


def load_session(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return json.loads(f.read())


def expected_sessions(stream):
    """bench_seq -> session id, from the stream file."""
    out = {}
    with open(stream, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            out[o["data"]["bench_seq"]] = o["session_id"]
    return out


def verify(activity, expected):
    """Every event in exactly one session file, the one of its own session id."""
    seen = {}
    problems = []
    files = session_files(activity)
    for name in files:
        doc = load_session(os.path.join(activity, name))
        sid = doc.get("session_id")
        for e in doc.get("events", []):
            seq = (e.get("data") or {}).get("bench_seq")
            if seq is None:
                problems.append(f"{name}: event without bench_seq")
                continue
            if seq in seen:
                problems.append(f"bench_seq {seq} in {seen[seq]} and {name}")
                continue
            seen[seq] = name
            if expected.get(seq) != sid or e.get("session_id") != sid:
                problems.append(f"bench_seq {seq} of session {expected.get(seq)} landed in {sid}")
    missing = len(expected) - len(seen)
    if missing:
        problems.append(f"{missing} event(s) in no session file")
    want_sessions = len(set(expected.values()))
    if len(files) != want_sessions:
        problems.append(f"{len(files)} session files for {want_sessions} sessions")
    return {"ok": not problems, "events_found": len(seen), "files": len(files),
            "problems": problems[:10]}


class OursRun:
    """One end-to-end run of the headless app against a source connection."""

    def __init__(self, app, source, work, label, events, sessions, closed, extra_env=None):
        self.home = tempfile.mkdtemp(prefix=f"{label}-", dir=work)
        self.activity = os.path.join(self.home, "activity")
        self.events = events
        self.sessions = sessions
        self.closed = closed
        self.proc = start_app(app, source.port, self.home, self.activity, "app", extra_env)
        self.source = source

    def wait_done(self, timeout=600):
        """Waits until every event is processed; returns (start_ms, end_ms) of the receive
        window: first event received to the last session file written (closed sessions) or the
        last event journaled (open sessions)."""
        deadline = time.monotonic() + timeout
        start_ms = None
        while time.monotonic() < deadline:
            if self.proc.p.poll() is not None:
                raise RuntimeError(f"app exited early ({self.proc.p.returncode}); see {self.home}/app.log")
            segs = journal_segments(self.activity)
            if start_ms is None and segs:
                start_ms = first_record_t(os.path.join(journal_dir(self.activity), segs[0]))
            if self.closed:
                files = session_files(self.activity)
                if len(files) >= self.sessions:
                    end_ns = max(os.stat(os.path.join(self.activity, n)).st_mtime_ns for n in files)
                    return start_ms, end_ns / 1e6
            elif segs:
                last = last_record(os.path.join(journal_dir(self.activity), segs[-1]))
                if last and last[0] >= self.events:
                    return start_ms, float(last[1])
            time.sleep(0.02 if start_ms is None else 0.1)
        raise TimeoutError(f"app did not finish within {timeout} s; see {self.home}")

    def finish(self, verify_against=None, kill=False):
        peak = self.proc.peak_rss()
        cpu = self.proc.cpu_seconds()
        if kill:
            self.proc.stop(signal.SIGKILL)
            counters = None
        else:
            self.proc.stop(signal.SIGTERM)
            counters = None
            for line in self.proc.stdout_text:
                if line.startswith("{"):
                    try:
                        counters = json.loads(line)
                    except ValueError:
                        pass
        result = {"peak_rss": peak, "cpu_s": cpu, "counters": counters}
        if verify_against is not None:
            result["verify"] = verify(self.activity, verify_against)
            c = counters or {}
            if c.get("events_received") != self.events or c.get("journal_failures", 0) or c.get("malformed", 0):
                result["verify"]["ok"] = False
                result["verify"]["problems"].append(f"counters: {c}")
        return result

    def cleanup(self):
        shutil.rmtree(self.home, ignore_errors=True)


def run_ours(app, source, work, events, sessions, closed=True, verify_against=None, kill=False,
             extra_env=None):
    run = OursRun(app, source, work, "ours", events, sessions, closed, extra_env)
    try:
        start_ms, end_ms = run.wait_done()
        sent = source.sent()
        if start_ms is None:
            raise RuntimeError("no journal record seen")
        seconds = (end_ms - start_ms) / 1000.0
        res = run.finish(verify_against, kill=kill)
        res.update({"rate": (events - 1) / seconds, "seconds": seconds,
                    "source_send_s": (sent["last_sent_us"] - sent["first_sent_us"]) / 1e6})
        return res
    finally:
        if run.proc.p.poll() is None:
            run.proc.stop(signal.SIGKILL)
        run.cleanup()


def run_bare(kind, source, events, work):
    if kind == "node":
        argv = [NODE, os.path.join(HERE, "bare_node_client.js"), "--url", source.url, "--count", str(events)]
    else:
        argv = [PY, os.path.join(HERE, "bare_py_client.py"), "--url", source.url, "--count", str(events)]
    p = Proc(argv, stderr_path=os.path.join(work, f"bare-{kind}.log"))
    res = p.expect(lambda o: "rate" in o, 900)
    source.sent()
    # CPU of the whole client process (its start included): what it spends to receive.
    cpu = p.cpu_seconds()
    p.stop()
    return {"rate": res["rate"], "seconds": res["first_to_last_s"], "cpu_s": cpu}


# --- figures --------------------------------------------------------------------------------

def gen_stream(work, events, sessions, open_sessions=False, name=None):
    path = os.path.join(work, name or f"stream-{events}-{sessions}{'-open' if open_sessions else ''}.jsonl")
    if not os.path.exists(path):
        argv = [NODE, os.path.join(HERE, "gen_stream.js"), "--events", str(events),
                "--sessions", str(sessions), "--out", path]
        if open_sessions:
            argv.append("--open")
        info = json.loads(subprocess.check_output(argv))
        log(f"  stream {os.path.basename(path)}: {info['events']} events, {info['sessions']} sessions, "
            f"{info['avg_bytes']} bytes on average")
    return path


def median(xs):
    return statistics.median(xs) if xs else None


def figure_throughput(args, results):
    """Figure 1: events/s end to end from each source; ratio to each bare client."""
    stream = gen_stream(args.work, args.events, args.sessions)
    expected = expected_sessions(stream)
    fig = {}
    for kind in args.sources:
        log(f"figure 1: source {kind}")
        source = Source(kind, stream, args.work)
        rates = {"ours": [], "node": [], "python": []}
        cpus = {"ours": [], "node": [], "python": []}
        checks = []
        peaks = []
        try:
            order = ["ours", "node", "python"]
            for r in range(args.runs):
                for who in order[r % 3:] + order[:r % 3]:  # alternate who goes first
                    if who == "ours":
                        res = run_ours(args.app, source, args.work, args.events, args.sessions,
                                       closed=True, verify_against=expected)
                        checks.append(res["verify"])
                        peaks.append(res["peak_rss"])
                        if not res["verify"]["ok"]:
                            log(f"    VERIFY FAILED: {res['verify']['problems']}")
                    else:
                        res = run_bare(who, source, args.events, args.work)
                    rates[who].append(res["rate"])
                    cpus[who].append(res["cpu_s"] * 100000.0 / args.events)
                    log(f"    run {r + 1} {who:6s} {res['rate']:10.0f} events/s ({res['seconds']:.2f} s), "
                        f"{cpus[who][-1]:.3f} CPU-s per 100k events")
        finally:
            source.close()
        med = {k: median(v) for k, v in rates.items()}
        cpu_med = {k: median(v) for k, v in cpus.items()}
        fig[kind] = {
            "runs": rates, "median": med, "cpu_per_100k": cpu_med,
            "cpu_ratio_to_node": cpu_med["ours"] / cpu_med["node"],
            "ratio_to_node": med["ours"] / med["node"],
            "ratio_to_python": med["ours"] / med["python"],
            "verified": all(c["ok"] for c in checks), "verify": checks[-1] if checks else None,
            "peak_rss_bytes": max(p for p in peaks if p) if any(peaks) else None,
        }
    results["throughput"] = fig


def figure_memory(args, results):
    """Figure 2: resident bytes per 1,000 held events (1,000,000 events, 100 open sessions)."""
    log("figure 2: memory per held event")
    stream = gen_stream(args.work, args.mem_events, 100, open_sessions=True)
    runs = []
    for _ in range(args.mem_runs):
        d = tempfile.mkdtemp(prefix="mem-", dir=args.work)
        try:
            out = subprocess.check_output([args.pipeline, "--stream", stream, "--dir", os.path.join(d, "activity")],
                                          cwd=d, env=app_env(d, LIVE_LIMITS))
            runs.append(json.loads(out.decode().strip().splitlines()[-1]))
        finally:
            shutil.rmtree(d, ignore_errors=True)
        log(f"    {runs[-1]['bytes_per_1000_events'] / 1e6:.3f} MB per 1,000 events; "
            f"pipeline alone {runs[-1]['rate']:.0f} events/s")
    results["memory"] = {
        "events": args.mem_events, "sessions": 100,
        "mb_per_1000_events": median([r["bytes_per_1000_events"] / 1e6 for r in runs]),
        "pipeline_rate_no_network": median([r["rate"] for r in runs]),
        "live_sessions": runs[-1]["live_sessions"], "runs": runs,
    }
    os.remove(stream)


def figure_scale(args, results):
    """Figure 3: events/s with 10, 1,000 and 10,000 concurrent open sessions."""
    fig = {}
    for sessions in args.scale_sessions:
        log(f"figure 3: {sessions} open sessions")
        stream = gen_stream(args.work, args.events, sessions, open_sessions=True)
        expected = expected_sessions(stream)
        source = Source("blaster", stream, args.work)
        rates = []
        verified = None
        try:
            for r in range(args.runs):
                last = r == args.runs - 1
                res = run_ours(args.app, source, args.work, args.events, sessions, closed=False,
                               verify_against=expected if last else None, kill=not last,
                               extra_env=LIVE_LIMITS)
                rates.append(res["rate"])
                if last:
                    verified = res["verify"]
                    if not verified["ok"]:
                        log(f"    VERIFY FAILED: {verified['problems']}")
                log(f"    run {r + 1} {res['rate']:10.0f} events/s")
        finally:
            source.close()
        fig[str(sessions)] = {"runs": rates, "median": median(rates), "verified": verified["ok"],
                              "verify": verified}
    base = fig[str(args.scale_sessions[0])]["median"]
    for k in fig:
        fig[k]["relative_to_fewest"] = fig[k]["median"] / base
    results["scale"] = fig


def figure_pipeline_scale(args, results):
    """Figure 3b: the pipeline alone (no network) under the DEFAULT limits, 10 / 1,000 / 10,000
    round-robin open sessions: CPU per event (the steady figure on a shared machine), events/s,
    sessions spilled, then the shutdown save (wall time, peak and resident memory after)."""
    fig = {}
    for sessions in args.scale_sessions:
        log(f"figure 3b: pipeline, default limits, {sessions} open sessions")
        stream = gen_stream(args.work, args.events, sessions, open_sessions=True)
        runs = []
        for _ in range(args.runs):
            d = tempfile.mkdtemp(prefix="pscale-", dir=args.work)
            try:
                out = subprocess.check_output(
                    [args.pipeline, "--stream", stream, "--dir", os.path.join(d, "activity"), "--save"],
                    cwd=d, env=app_env(d))
                runs.append(json.loads(out.decode().strip().splitlines()[-1]))
            finally:
                shutil.rmtree(d, ignore_errors=True)
            r = runs[-1]
            log(f"    {r['cpu_us_per_event']:.2f} us/event, {r['rate']:.0f} events/s, "
                f"{r['spilled_sessions']} spilled, shutdown {r['shutdown_seconds']:.1f} s")
        os.remove(stream)
        fig[str(sessions)] = {
            "cpu_us_per_event": median([r["cpu_us_per_event"] for r in runs]),
            "rate": median([r["rate"] for r in runs]),
            "shutdown_seconds": median([r["shutdown_seconds"] for r in runs]),
            "runs": runs,
        }
    base = fig[str(args.scale_sessions[0])]["cpu_us_per_event"]
    for k in fig:
        fig[k]["cpu_relative_to_fewest"] = fig[k]["cpu_us_per_event"] / base
    results["pipeline_scale"] = fig


def figure_latency(args, results):
    """Figure 4: source send -> record visible in the journal file, at a steady rate. Twice:
    with sessions that stay open (the receive path alone) and with sessions that complete
    during the window (each completion saves its session on the main thread)."""
    n = args.latency_rate * args.latency_seconds
    for key, open_sessions in (("latency_open", True), ("latency", False)):
        log(f"figure 4: latency at {args.latency_rate} events/s, "
            f"{'open' if open_sessions else 'completing'} sessions")
        stream = gen_stream(args.work, n, args.sessions, open_sessions=open_sessions)
        home = tempfile.mkdtemp(prefix="latency-", dir=args.work)
        activity = os.path.join(home, "activity")
        os.makedirs(journal_dir(activity), mode=0o700)
        os.chmod(activity, 0o700)
        source = Source("blaster", stream, args.work,
                        ["--rate", str(args.latency_rate), "--watch", journal_dir(activity)])
        app = start_app(args.app, source.port, home, activity, "app")
        try:
            lat = source.latency(timeout=args.latency_seconds * 5 + 60)
            app.stop(signal.SIGKILL)
        finally:
            source.close()
            if app.p.poll() is None:
                app.stop(signal.SIGKILL)
            shutil.rmtree(home, ignore_errors=True)
        results[key] = {"rate": args.latency_rate, "events": lat["count"], "sessions": args.sessions,
                        "sessions_complete": not open_sessions,
                        "p50_ms": lat["p50_us"] / 1000, "p99_ms": lat["p99_us"] / 1000,
                        "p999_ms": lat["p999_us"] / 1000, "max_ms": lat["max_us"] / 1000}
        log(f"    p50 {lat['p50_us'] / 1000:.2f} ms, p99 {lat['p99_us'] / 1000:.2f} ms, "
            f"max {lat['max_us'] / 1000:.1f} ms")


def figure_idle(args, results):
    """Figure 5: CPU time over 60 s connected to a real server (Node, default pings), no events."""
    log(f"figure 5: idle CPU over {args.idle_seconds} s")
    source = Source("node", None, args.work, ["--idle"])
    home = tempfile.mkdtemp(prefix="idle-", dir=args.work)
    procs = {}
    try:
        procs["ours"] = start_app(args.app, source.port, home, os.path.join(home, "activity"), "app")
        procs["node"] = Proc([NODE, os.path.join(HERE, "bare_node_client.js"), "--url", source.url,
                              "--count", "1"], stderr_path=os.path.join(home, "node.log"))
        procs["python"] = Proc([PY, os.path.join(HERE, "bare_py_client.py"), "--url", source.url,
                                "--count", "1"], stderr_path=os.path.join(home, "python.log"))
        for _ in procs:
            source.proc.expect(lambda o: o.get("report") == "connected", 60)
        time.sleep(2)
        before = {k: p.cpu_seconds() for k, p in procs.items()}
        t0 = time.monotonic()
        time.sleep(args.idle_seconds)
        wall = time.monotonic() - t0
        after = {k: p.cpu_seconds() for k, p in procs.items()}
    finally:
        for p in procs.values():
            p.stop()
        source.close()
        shutil.rmtree(home, ignore_errors=True)
    results["idle"] = {k: {"cpu_s": after[k] - before[k], "percent": 100 * (after[k] - before[k]) / wall}
                       for k in procs}
    results["idle"]["seconds"] = wall
    log("    " + ", ".join(f"{k} {v['percent']:.3f} %" for k, v in results["idle"].items() if k != "seconds"))


def write_journal(path, stream, t_ms):
    """A journal segment as Journal::append() writes it, one record per stream line."""
    with open(stream, "rb") as f, open(path, "wb") as out:
        seq = 0
        for line in f:
            line = line.strip()
            if not line:
                continue
            seq += 1
            out.write(b'{"seq":%d,"t":%d,"name":"claude_event","args":[%s]}\n' % (seq, t_ms, line))
    os.chmod(path, 0o600)
    return seq


def figure_startup(args, results):
    """Figure 6: start to connected, empty and with a 100,000-event journal to replay."""
    log("figure 6: start to connected")
    source = Source("blaster", gen_stream(args.work, 1, 1, name="stream-1.jsonl"), args.work)
    jstream = gen_stream(args.work, args.replay_events, args.sessions, open_sessions=True)
    pristine = os.path.join(args.work, "journal-pristine.jsonl")
    records = write_journal(pristine, jstream, int(time.time() * 1000))
    fig = {"empty": [], "journal": [], "replay": []}
    try:
        for r in range(args.runs):
            for mode in ("empty", "journal"):
                home = tempfile.mkdtemp(prefix="start-", dir=args.work)
                activity = os.path.join(home, "activity")
                if mode == "journal":
                    os.makedirs(journal_dir(activity), mode=0o700)
                    os.chmod(activity, 0o700)
                    shutil.copy(pristine, os.path.join(journal_dir(activity), "journal-%020d.jsonl" % 1))
                app = start_app(args.app, source.port, home, activity, "app")
                try:
                    t_connected = app.expect_err("state Connected", 60)
                    fig[mode].append((t_connected - app.started) * 1000)
                    if mode == "journal":
                        # The app logs when the replay is over; the window starts at its first line.
                        fig["replay"].append(replay_ms(os.path.join(home, "app.log")))
                    source.sent(timeout=60)
                finally:
                    app.stop(signal.SIGKILL)
                    shutil.rmtree(home, ignore_errors=True)
            log(f"    run {r + 1}: empty {fig['empty'][-1]:.0f} ms, with journal {fig['journal'][-1]:.0f} ms "
                f"(replay {fig['replay'][-1]:.0f} ms)")
    finally:
        source.close()
        os.remove(pristine)
    results["startup"] = {"connected_ms": median(fig["empty"]),
                          "connected_with_journal_ms": median(fig["journal"]),
                          "replay_ms": median(fig["replay"]), "journal_records": records, "runs": fig}


def replay_ms(logpath):
    """From the app's first log line to the 'journal: restored' line (timestamps in the log)."""
    first = restored = None
    with open(logpath) as f:
        for line in f:
            stamp = line[:23]
            try:
                t = datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f")
            except ValueError:
                continue
            if first is None:
                first = t
            if "journal: restored" in line:
                restored = t
                break
    if first is None or restored is None:
        return None
    return (restored - first).total_seconds() * 1000


# --- report ---------------------------------------------------------------------------------

def fmt_rate(x):
    return f"{x:,.0f}" if x is not None else "-"


def table(results):
    rows = []
    add = lambda *r: rows.append(r)
    tp = results.get("throughput", {})
    p = results["params"]
    for kind, f in tp.items():
        m = f["median"]
        add(f"1. events/s end to end ({p['events']:,} events, {p['sessions']} sessions), source: {kind}",
            f"ours {fmt_rate(m['ours'])}; bare node client {fmt_rate(m['node'])}; "
            f"bare python client {fmt_rate(m['python'])}",
            f"ours/node {f['ratio_to_node']:.2f}x, ours/python {f['ratio_to_python']:.2f}x; "
            + ("every event verified in its session file" if f["verified"] else "VERIFY FAILED"))
        c = f["cpu_per_100k"]
        add(f"1. CPU-s per 100,000 events (all saves included for ours), source: {kind}",
            f"ours {c['ours']:.3f}; bare node client {c['node']:.3f}; bare python client {c['python']:.3f}",
            f"ours/node {f['cpu_ratio_to_node']:.2f}x (target <= 1.0), python/ours "
            f"{c['python'] / c['ours']:.1f}x (target >= 5)")
    if "memory" in results:
        m = results["memory"]
        add(f"2. resident memory per 1,000 held events ({m['events']:,} events, {m['sessions']} open sessions)",
            f"{m['mb_per_1000_events']:.3f} MB", f"pipeline alone {fmt_rate(m['pipeline_rate_no_network'])} events/s")
    if "scale" in results:
        for k, f in results["scale"].items():
            add(f"3. events/s with {int(k):,} open sessions", fmt_rate(f["median"]),
                f"{f['relative_to_fewest']:.2f} of the {list(results['scale'])[0]}-session rate"
                + ("" if f["verified"] else "  VERIFY FAILED"))
    if "pipeline_scale" in results:
        for k, f in results["pipeline_scale"].items():
            add(f"3b. pipeline, default limits, {int(k):,} open sessions",
                f"{f['cpu_us_per_event']:.2f} us/event CPU, {fmt_rate(f['rate'])} events/s",
                f"{f['cpu_relative_to_fewest']:.2f} of the fewest's cost; shutdown save "
                f"{f['shutdown_seconds']:.1f} s")
    for key, what in (("latency_open", "sessions stay open"),
                      ("latency", "sessions complete (and are saved) during the window")):
        if key in results:
            l = results[key]
            add(f"4. send -> journal latency at {l['rate']:,} events/s, {l['events']:,} events; {what}",
                f"p50 {l['p50_ms']:.2f} ms, p99 {l['p99_ms']:.2f} ms", f"p99.9 {l['p999_ms']:.1f} ms, max {l['max_ms']:.1f} ms")
    if "idle" in results:
        i = results["idle"]
        add(f"5. idle CPU, {i['seconds']:.0f} s connected, no events",
            f"ours {i['ours']['percent']:.3f} %",
            f"node client {i['node']['percent']:.3f} %, python client {i['python']['percent']:.3f} %")
    if "startup" in results:
        s = results["startup"]
        add("6. start to connected", f"{s['connected_ms']:.0f} ms", "")
        add(f"6. start to connected with a {s['journal_records']:,}-event journal",
            f"{s['connected_with_journal_ms']:.0f} ms", f"replay {s['replay_ms']:.0f} ms")
    w = [max(len(r[i]) for r in rows) for i in range(3)] if rows else [0, 0, 0]
    lines = ["| figure | measured | notes |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--app", required=True)
    p.add_argument("--pipeline", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--events", type=int, default=200000)
    p.add_argument("--sessions", type=int, default=50)
    p.add_argument("--sources", nargs="*", default=["blaster", "node", "python"])
    p.add_argument("--mem-events", type=int, default=1000000)
    p.add_argument("--mem-runs", type=int, default=1)
    p.add_argument("--scale-sessions", type=int, nargs="*", default=[10, 1000, 10000])
    p.add_argument("--latency-rate", type=int, default=10000)
    p.add_argument("--latency-seconds", type=int, default=20)
    p.add_argument("--idle-seconds", type=int, default=60)
    p.add_argument("--replay-events", type=int, default=100000)
    p.add_argument("--only", nargs="*", default=["throughput", "memory", "scale", "pipeline_scale", "latency", "idle",
                                                  "startup"])
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "kernel": platform.release(),
                    "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
                    "loadavg_at_start": os.getloadavg()},
        "params": {k: v for k, v in vars(args).items() if k not in ("app", "pipeline", "work", "json")},
    }
    figures = {"throughput": figure_throughput, "memory": figure_memory, "scale": figure_scale,
               "pipeline_scale": figure_pipeline_scale,
               "latency": figure_latency, "idle": figure_idle, "startup": figure_startup}
    t0 = time.monotonic()
    for name in args.only:
        figures[name](args, results)
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    results["wall_seconds"] = time.monotonic() - t0
    results["table"] = table(results)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    print(results["table"])
    print(f"\n{results['date']}, {results['machine']['cores']} cores ({results['machine']['cpu']}), "
          f"load average at start {results['machine']['loadavg_at_start'][0]:.2f}, "
          f"took {results['wall_seconds']:.0f} s; results in {args.json}")


if __name__ == "__main__":
    main()
