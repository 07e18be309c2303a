#!/usr/bin/env python3
"""Soak test (not run by CI): the real app against the real Node socket.io dashboard
(tests/peers/node-server.js, connection-state recovery on) for a long run at a steady rate.

    tests/soak/soak.py [--minutes 10] [--rate 5000] [--sessions 500] [--app build/app/event-aggregator]

Every second it emits `rate` events spread over `sessions` concurrent sessions (each session
lives one minute and ends with a stop, then new ids take over); every minute, 30 s in, it cuts
the app's TCP connection (drop_transports), so the app reconnects and recovers. It samples the
app's RSS every 10 s, then stops the app and reads every saved session back: events lost
(emitted, not saved) and duplicates (saved twice) must both be 0. Prints a summary; --json FILE
also writes it as JSON."""
import argparse
import glob
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Peer:
    def __init__(self):
        self.p = subprocess.Popen(["node", os.path.join(ROOT, "tests/peers/node-server.js"),
                                   "--port", "0", "--recovery"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  cwd=os.path.join(ROOT, "tests/peers"))
        self.port = json.loads(self.p.stdout.readline())["port"]
        self.next_id = 1
        self.done = {}
        self.connects = 0
        self.cv = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.p.stdout:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            with self.cv:
                if r.get("report") == "done":
                    self.done[r.get("id")] = r
                elif r.get("report") == "connect":
                    self.connects += 1
                self.cv.notify_all()

    def command(self, cmd, wait=True, timeout=60):
        with self.cv:
            i = self.next_id
            self.next_id += 1
        cmd["id"] = i
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        if not wait:
            return None
        with self.cv:
            self.cv.wait_for(lambda: i in self.done, timeout)
            return self.done.get(i)

    def close(self):
        self.p.stdin.close()
        self.p.wait(10)


def load_sessions(act):
    seen = []
    for path in glob.glob(os.path.join(act, "session_*.json*")):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as f:
            doc = json.load(f)
        for e in doc.get("events", []):
            n = (e.get("data") or {}).get("n")
            if isinstance(n, int):
                seen.append(n)
    return seen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--app", default=os.path.join(ROOT, "build/app/event-aggregator"))
    ap.add_argument("--json")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="ea-soak-")
    act = os.path.join(work, "act")
    peer = Peer()
    env = dict(os.environ, HOME=work, EA_RUNTIME_DIR=os.path.join(work, "rt"))
    os.makedirs(env["EA_RUNTIME_DIR"])
    log = open(os.path.join(work, "app.log"), "w")
    app = subprocess.Popen([args.app, "--headless", "--port", str(peer.port),
                            "--activity-dir", act], env=env, stdout=subprocess.PIPE,
                           stderr=log, text=True)
    with peer.cv:
        peer.cv.wait_for(lambda: peer.connects >= 1, 30)

    batch = os.path.join(work, "batch.jsonl")
    emitted = 0
    samples = []
    cuts = 0
    behind = 0
    start = time.monotonic()
    seconds = int(args.minutes * 60)
    for second in range(seconds):
        minute = second // 60
        last_of_minute = second % 60 == 59
        with open(batch, "w") as f:
            for i in range(args.rate):
                k = i % args.sessions
                stop = last_of_minute and i >= args.rate - args.sessions
                ev = {"type": "hook", "subtype": "stop" if stop else "notification",
                      "session_id": "soak-%d-%d" % (minute, k),
                      "timestamp": "2026-07-27T16:30:05+00:00", "n": emitted}
                f.write(json.dumps({"name": "claude_event", "args": [ev]}) + "\n")
                emitted += 1
        peer.command({"cmd": "replay", "file": batch})
        if second % 60 == 30:
            peer.command({"cmd": "drop_transports"})
            cuts += 1
        if second % 10 == 0:
            samples.append((second, rss_kb(app.pid)))
            print("t=%4ds  emitted %9d  app RSS %7d kB" % (second, emitted, samples[-1][1]), flush=True)
        # Keep the rate: sleep until the next second starts.
        ahead = start + second + 1 - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        else:
            behind += 1

    # Let the app drain, then stop it and count.
    time.sleep(10)
    samples.append((seconds + 10, rss_kb(app.pid)))
    app.send_signal(signal.SIGTERM)
    out, _ = app.communicate(timeout=300)
    counters = json.loads(out.strip().splitlines()[-1])
    peer.close()
    saved = load_sessions(act)
    unique = set(saved)
    lost = emitted - len(unique & set(range(emitted)))
    summary = {
        "minutes": args.minutes, "rate": args.rate, "sessions": args.sessions,
        "emitted": emitted, "saved": len(saved), "lost": lost,
        "duplicates": len(saved) - len(unique), "transport_cuts": cuts,
        "seconds_behind_schedule": behind,
        "rss_kb": samples, "rss_first_minute_max_kb": max(r for t, r in samples if t <= 60),
        "rss_last_minute_max_kb": max(r for t, r in samples if t >= seconds - 60),
        "counters": counters, "work_dir": work,
    }
    print(json.dumps({k: v for k, v in summary.items() if k not in ("rss_kb", "counters")}))
    print("app counters:", json.dumps(counters))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    return 0 if lost == 0 and summary["duplicates"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
