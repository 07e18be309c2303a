#!/usr/bin/python3
# Source: the real python-socketio 5.x AsyncServer on aiohttp (Debian's python3-socketio, run with
# /usr/bin/python3), configured like the Claude MPM dashboard (ping 25 s / 20 s, CORS *), emitting
# the benchmark stream with `await sio.emit("claude_event", payload, to=sid)` to each client that
# connects. Payloads are parsed up front, so the server encodes each event itself.
#   bench_py_server.py --stream FILE [--port 0] [--idle]
import argparse
import asyncio
import json
import socket
import sys
import time

import socketio
from aiohttp import web


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def now_us():
    return int(time.time() * 1e6)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stream")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--idle", action="store_true")
    args = p.parse_args()
    events = []
    if args.stream:
        with open(args.stream, encoding="utf-8") as f:
            events = [json.loads(line) for line in f if line.strip()]
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*", ping_interval=25,
                               ping_timeout=20, max_http_buffer_size=100_000_000)
    app = web.Application()
    sio.attach(app)
    state = {"connections": 0}

    async def emit_all(sid, conn):
        first = now_us()
        for e in events:
            await sio.emit("claude_event", e, to=sid)
        out({"report": "sent", "connection": conn, "count": len(events), "first_sent_us": first,
             "last_sent_us": now_us()})

    @sio.event
    async def connect(sid, environ, auth=None):
        state["connections"] += 1
        out({"report": "connected", "connection": state["connections"], "wall_us": now_us()})
        if not args.idle:
            sio.start_background_task(emit_all, sid, state["connections"])

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    out({"ready": True, "port": sock.getsockname()[1], "events": len(events)})
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(15, stop.set)
    await stop.wait()
    await runner.cleanup()


asyncio.run(main())
