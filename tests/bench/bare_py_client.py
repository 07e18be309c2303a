#!/usr/bin/python3
# Contestant: a bare python-socketio AsyncClient (Debian's python3-socketio 5.x) that only counts
# claude_event events. Run with /usr/bin/python3.
#   bare_py_client.py --url http://127.0.0.1:P --count N
# Prints {"client":"python","count":N,"first_to_last_s":...,"rate":...} when N events arrived.
import argparse
import asyncio
import json
import sys
import time

import socketio


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--count", type=int, required=True)
    args = p.parse_args()
    sio = socketio.AsyncClient(reconnection=False)
    state = {"count": 0, "first": 0.0}
    done = asyncio.Event()

    @sio.on("claude_event")
    async def on_event(_data):
        if state["count"] == 0:
            state["first"] = time.perf_counter()
        state["count"] += 1
        if state["count"] == args.count:
            state["last"] = time.perf_counter()
            done.set()

    @sio.event
    async def disconnect():
        done.set()

    await sio.connect(args.url, transports=["websocket"])
    await done.wait()
    if state["count"] < args.count:
        print(f"disconnected after {state['count']} events", file=sys.stderr)
        sys.exit(1)
    seconds = state["last"] - state["first"]
    print(json.dumps({"client": "python", "count": state["count"], "first_to_last_s": seconds,
                      "rate": (state["count"] - 1) / seconds}), flush=True)
    await sio.disconnect()


asyncio.run(main())
