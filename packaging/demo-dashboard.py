#!/usr/bin/python3
# A stand-in Claude MPM dashboard for demos and screenshots: a python-socketio server that replays
# a JSON Lines recording ({"name":…,"args":[…]} per line) to every client that connects, with its
# timestamps moved to now. Needs Debian's python3-socketio and python3-aiohttp.
#   packaging/demo-dashboard.py tests/fixtures/samples/current-server.jsonl --port 18765
import argparse
import asyncio
import datetime
import json

import socketio
from aiohttp import web


def shift(value, delta):
    """Moves every "timestamp" in the payload by delta, keeping its ISO form."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "timestamp" and isinstance(v, str):
                try:
                    t = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
                    out[k] = (t + delta).isoformat()
                    continue
                except ValueError:
                    pass
            out[k] = shift(v, delta)
        return out
    if isinstance(value, list):
        return [shift(v, delta) for v in value]
    return value


def first_time(records):
    for r in records:
        for a in r.get("args", []):
            if isinstance(a, dict) and isinstance(a.get("timestamp"), str):
                try:
                    return datetime.datetime.fromisoformat(a["timestamp"].replace("Z", "+00:00"))
                except ValueError:
                    continue
    return datetime.datetime.now(datetime.timezone.utc)


def main():
    p = argparse.ArgumentParser(description="Replays a recording as a Socket.IO dashboard.")
    p.add_argument("recording")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--burst", type=int, default=120, help="events sent at once on connect")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between later events")
    args = p.parse_args()
    with open(args.recording, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    # The burst lands in the recent past, as if the app had joined a running dashboard (when
    # the burst is the whole recording, its last event lands now).
    later = records[args.burst:] or records[-1:]
    delta = datetime.datetime.now(datetime.timezone.utc) - first_time(later)

    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)

    async def replay(sid):
        for i, r in enumerate(records):
            payload = [shift(a, delta) for a in r.get("args", [])]
            await sio.emit(r["name"], payload[0] if len(payload) == 1 else payload, to=sid)
            await asyncio.sleep(0 if i < args.burst else args.interval)

    @sio.event
    async def connect(sid, environ, auth=None):
        sio.start_background_task(replay, sid)

    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
