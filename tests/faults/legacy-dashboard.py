#!/usr/bin/python3
"""A legacy-style Claude MPM dashboard for the fault tests: tests/peers/python-server.py (same
command line and line protocol) plus what the legacy SocketIOServer does with history. It keeps
the events it emitted (at most --history-size), sends the last 50 as a `history` event to each
client that connects, and answers `get_history {"limit": N}` with the last N. With
--history-file the history is also appended to a file and read back at start, so it survives a
SIGKILL; the dashboard's own restart then replays what it had, as a restarted legacy server
with a persistent event log would.

Extra commands: `emit_many` and `replay` as in python-server.py, but recorded in the history;
`emit_stream` {"event","template","from","count","interval_ms"} emits `count` events
(`"seq": from + i`) spaced by interval_ms and answers `done` when all are out."""
import asyncio
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "python_peer", os.path.join(HERE, "..", "peers", "python-server.py"))
peer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peer)


class LegacyDashboard(peer.Peer):
    def __init__(self, args, history_file, history_size):
        super().__init__(args)
        self.history = []
        self.history_size = history_size
        self.history_file = history_file
        if history_file and os.path.exists(history_file):
            with open(history_file, encoding="utf-8") as f:
                for line in f:
                    try:
                        self.history.append(json.loads(line))
                    except ValueError:
                        pass  # a line the SIGKILL cut short
            self.history = self.history[-history_size:]
        sio = self.sio
        base_connect = sio.handlers["/"]["connect"]

        async def connect(sid, environ, auth=None):
            await base_connect(sid, environ, auth)

            async def later():
                await asyncio.sleep(0.05)
                await self.send_history(sid, 50)
            asyncio.ensure_future(later())

        async def get_history(sid, data=None):
            limit = 100
            if isinstance(data, dict) and isinstance(data.get("limit"), int):
                limit = data["limit"]
            peer.out({"report": "client_event", "nsp": "/", "name": "get_history",
                      "args": [data], "has_ack": False})
            await self.send_history(sid, limit)

        sio.on("connect", connect, namespace="/")
        sio.on("get_history", get_history, namespace="/")

    async def send_history(self, sid, limit):
        events = self.history[-limit:] if limit > 0 else []
        await self.sio.emit("history", {"events": events, "count": len(events),
                                        "total_available": len(self.history)},
                            to=sid, namespace="/")

    def remember(self, payload):
        self.history.append(payload)
        if len(self.history) > self.history_size:
            del self.history[: len(self.history) - self.history_size]
        if self.history_file:
            with open(self.history_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(payload, separators=(",", ":")) + "\n")

    async def emit_recorded(self, event, payload):
        self.remember(payload)
        await self.sio.emit(event, payload, namespace="/")

    async def handle(self, cmd):
        name = cmd.get("cmd")
        if name == "emit_many":
            template = cmd.get("template") or {}
            count = int(cmd.get("count", 0))
            for i in range(count):
                data = dict(template)
                data["seq"] = i
                await self.emit_recorded(cmd["event"], data)
            peer.out({"report": "done", "id": cmd.get("id"), "count": count})
        elif name == "emit_stream":
            template = cmd.get("template") or {}
            first = int(cmd.get("from", 0))
            count = int(cmd.get("count", 0))
            interval = float(cmd.get("interval_ms", 0)) / 1000.0
            for i in range(count):
                data = dict(template)
                data["seq"] = first + i
                await self.emit_recorded(cmd["event"], data)
                if interval > 0:
                    await asyncio.sleep(interval)
            peer.out({"report": "done", "id": cmd.get("id"), "count": count})
        elif name == "replay":
            count = 0
            with open(cmd["file"], encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        entry = json.loads(line)
                        await self.emit_recorded(entry["name"], entry["args"][0])
                        count += 1
            peer.out({"report": "done", "id": cmd.get("id"), "count": count})
        else:
            await super().handle(cmd)


def main():
    history_file = None
    history_size = 100
    argv = sys.argv[1:]
    rest = []
    i = 0
    while i < len(argv):
        if argv[i] == "--history-file":
            history_file = argv[i + 1]
            i += 2
        elif argv[i] == "--history-size":
            history_size = int(argv[i + 1])
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    sys.argv = [sys.argv[0]] + rest
    args = peer.parse_args()
    try:
        code = asyncio.run(LegacyDashboard(args, history_file, history_size).run())
    except KeyboardInterrupt:
        code = 0
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
