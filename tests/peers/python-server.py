#!/usr/bin/python3
# Test peer: a real python-socketio 5.x AsyncServer (aiohttp) driven over stdin/stdout by the Qt
# tests. Same command line and line protocol as node-server.js; see tests/support/PeerServer.h.
# Run with Debian's /usr/bin/python3: that is where python3-socketio and python3-aiohttp live.
import argparse
import asyncio
import base64
import contextvars
import json
import os
import signal
import socket
import sys
import threading
import time

import socketio
from aiohttp import web


def out(obj):
    # Default json.dumps (ensure_ascii) keeps the protocol lines pure ASCII whatever stdout's locale.
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def reportable(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"_binary_base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [reportable(v) for v in value]
    if isinstance(value, dict):
        return {k: reportable(v) for k, v in value.items()}
    return value


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ping-interval", type=int, default=25000, help="ms")
    p.add_argument("--ping-timeout", type=int, default=20000, help="ms")
    p.add_argument("--max-payload", type=int, default=1000000, help="bytes")
    p.add_argument("--recovery", action="store_true",
                   help="accepted for parity with node-server.js; python-socketio has no recovery")
    p.add_argument("--auth-namespace")
    p.add_argument("--auth-token")
    args = p.parse_args()
    if (args.auth_namespace is None) != (args.auth_token is None):
        p.error("--auth-namespace and --auth-token go together")
    if args.auth_namespace is not None and not args.auth_namespace.startswith("/"):
        p.error("--auth-namespace must start with /")
    return args


# python-socketio 5.7 passes no reason to disconnect handlers, so the reason is inferred from the
# code path that led there, carried in a context variable (each path awaits the handler directly).
_disconnect_reason = contextvars.ContextVar("disconnect_reason", default=None)


class PeerSocketServer(socketio.AsyncServer):
    async def _handle_disconnect(self, eio_sid, namespace):
        token = None
        if _disconnect_reason.get() is None:
            token = _disconnect_reason.set("client namespace disconnect")
        try:
            await super()._handle_disconnect(eio_sid, namespace)
        finally:
            if token is not None:
                _disconnect_reason.reset(token)

    async def _handle_eio_disconnect(self, eio_sid):
        # engineio notices a silent client only as a receive timeout; a ping still unanswered for
        # about pingTimeout at that moment tells it apart from a transport the client closed.
        reason = "transport close"
        eio_socket = self.eio.sockets.get(eio_sid)
        last_ping = getattr(eio_socket, "last_ping", None)
        if last_ping and time.time() - last_ping >= 0.9 * self.eio.ping_timeout:
            reason = "ping timeout"
        token = _disconnect_reason.set(reason)
        try:
            await super()._handle_eio_disconnect(eio_sid)
        finally:
            _disconnect_reason.reset(token)

    # Overridden because event handlers are not told whether the client asked for an ack, and
    # because they run as background tasks: reporting here, where the packet is decoded, keeps
    # client_event reports in order with the disconnect that may follow in the same read.
    async def _handle_event(self, eio_sid, namespace, id, data):
        nsp = namespace or "/"
        if self.manager.is_connected(self.manager.sid_from_eio_sid(eio_sid, nsp), nsp):
            out({
                "report": "client_event",
                "nsp": nsp,
                "name": data[0],
                "args": reportable(list(data[1:])),
                "has_ack": id is not None,
            })
        await super()._handle_event(eio_sid, namespace, id, data)


class Peer:
    def __init__(self, args):
        self.args = args
        self.sio = PeerSocketServer(
            async_mode="aiohttp",
            ping_interval=args.ping_interval / 1000.0,
            ping_timeout=args.ping_timeout / 1000.0,
            max_http_buffer_size=args.max_payload,
            cors_allowed_origins="*",
            logger=False,
            engineio_logger=False,
        )
        self.app = web.Application()
        self.sio.attach(self.app)
        self.namespaces = ["/"]
        if args.auth_namespace is not None:
            self.namespaces.append(args.auth_namespace)
        for nsp in self.namespaces:
            self._attach(nsp)
        self.stopping = None
        self.pending = set()

    def _attach(self, nsp):
        sio = self.sio
        guarded = nsp == self.args.auth_namespace

        async def connect(sid, environ, auth=None):
            if guarded and not (isinstance(auth, dict) and auth.get("token") == self.args.auth_token):
                out({"report": "connect_refused", "nsp": nsp, "auth": reportable(auth)})
                raise socketio.exceptions.ConnectionRefusedError("Not authorized")
            out({"report": "connect", "sid": sid, "nsp": nsp, "auth": reportable(auth),
                 "recovered": False})

        async def disconnect(sid):
            out({"report": "disconnect", "sid": sid, "nsp": nsp,
                 "reason": _disconnect_reason.get() or "unknown"})

        async def any_event(event, sid, *args):
            # The client_event report was already written by _handle_event; this only
            # computes the ack, which the library sends when (and only when) the client asked.
            if event == "echo":
                return tuple(args)
            return "ok"

        sio.on("connect", connect, namespace=nsp)
        sio.on("disconnect", disconnect, namespace=nsp)
        sio.on("*", any_event, namespace=nsp)

    def sids(self, nsp):
        try:
            return [sid for sid, _ in self.sio.manager.get_participants(nsp, None)]
        except KeyError:
            return []

    async def emit_with_ack(self, cmd, nsp, sids):
        loop = asyncio.get_running_loop()
        timeout = cmd.get("timeout_ms", 5000) / 1000.0
        futures = []
        for sid in sids:
            fut = loop.create_future()

            def callback(*ack_args, fut=fut):
                if not fut.done():
                    fut.set_result(reportable(list(ack_args)))

            futures.append(fut)
            await self.sio.emit(cmd["event"], tuple(cmd.get("args", [])), to=sid, namespace=nsp,
                                callback=callback)

        async def wait():
            acks = []
            for fut in futures:
                try:
                    acks.append(await asyncio.wait_for(fut, timeout))
                except asyncio.TimeoutError:
                    acks.append(None)
            if any(a is None for a in acks):
                out({"report": "done", "id": cmd.get("id"), "error": "timeout", "acks": acks})
            else:
                out({"report": "done", "id": cmd.get("id"), "ack": acks[0], "acks": acks})

        # Later commands are not held up while the clients think about their answers.
        task = asyncio.ensure_future(wait())
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def drop_transports(self):
        # Aborting the TCP transport under aiohttp's WebSocketResponse looks like a network cut:
        # no Socket.IO DISCONNECT, no Engine.IO close packet, no WebSocket close frame.
        dropped = 0
        for eio_sid in list(self.sio.eio.sockets.keys()):
            environ = self.sio.environ.get(eio_sid)
            request = environ.get("aiohttp.request") if environ else None
            transport = request.transport if request is not None else None
            if transport is not None:
                transport.abort()
                dropped += 1
        return dropped

    async def handle(self, cmd):
        extra = {}
        name = cmd.get("cmd")
        nsp = cmd.get("nsp") or "/"
        sio = self.sio
        if name == "emit":
            await sio.emit(cmd["event"], tuple(cmd.get("args", [])), namespace=nsp)
        elif name == "emit_many":
            template = cmd.get("template") or {}
            count = int(cmd.get("count", 0))
            # Throughput is bounded by python-engineio's writer (one aiohttp send per packet,
            # about 5-6k small events/s here), not by this loop.
            for i in range(count):
                data = dict(template)
                data["seq"] = i
                await sio.emit(cmd["event"], data, namespace=nsp)
            extra["count"] = count
        elif name == "emit_binary":
            blob = base64.b64decode(cmd.get("base64", ""))
            await sio.emit(cmd["event"], (blob, cmd.get("extra", {})), namespace=nsp)
        elif name == "emit_with_ack":
            sids = self.sids(nsp)
            if not sids:
                extra["error"] = "no clients"
            else:
                await self.emit_with_ack(cmd, nsp, sids)
                return
        elif name == "disconnect_all":
            sids = self.sids(nsp)
            token = _disconnect_reason.set("server namespace disconnect")
            try:
                for sid in sids:
                    eio_sid = sio.manager.eio_sid_from_sid(sid, nsp)
                    await sio.disconnect(sid, namespace=nsp)
                    if cmd.get("close") is True and eio_sid is not None:
                        await sio.eio.disconnect(eio_sid)
            finally:
                _disconnect_reason.reset(token)
            extra["count"] = len(sids)
        elif name == "drop_transports":
            extra["count"] = self.drop_transports()
        elif name == "replay":
            count = 0
            with open(cmd["file"], encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    entry = json.loads(line)
                    await sio.emit(entry["name"], tuple(entry.get("args", [])), namespace="/")
                    count += 1
            extra["count"] = count
        elif name == "clients":
            extra["count"] = len(self.sids(nsp))
        else:
            extra["error"] = "unknown command %s" % name
        out(dict({"report": "done", "id": cmd.get("id")}, **extra))

    async def commands(self, queue):
        while True:
            line = await queue.get()
            if line is None:
                break
            if not line.strip():
                continue
            try:
                cmd = json.loads(line)
            except ValueError:
                print("python-server.py: ignoring malformed command: %s" % line.rstrip(),
                      file=sys.stderr, flush=True)
                continue
            try:
                await self.handle(cmd)
            except Exception as e:  # report, do not die: the test decides what a failure means
                out({"report": "done", "id": cmd.get("id"), "error": "%s: %s" % (type(e).__name__, e)})
        self.stopping.set()

    async def run(self):
        loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, self.stopping.set)
        loop.add_signal_handler(signal.SIGINT, self.stopping.set)

        # Binding the socket ourselves gives SO_REUSEADDR (restart on the same port) and the real
        # port when 0 was asked for.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.args.host, self.args.port))
        except OSError as e:
            print("python-server.py: cannot listen on %s:%d: %s"
                  % (self.args.host, self.args.port, e), file=sys.stderr, flush=True)
            sock.close()
            return 3
        sock.listen(128)
        runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.SockSite(runner, sock)
        await site.start()

        ready = {"ready": True, "port": sock.getsockname()[1], "server": "python",
                 "recovery": False}
        if self.args.recovery:
            ready["note"] = "--recovery ignored: python-socketio has no connection state recovery"
        out(ready)

        # A thread, not connect_read_pipe, so that stdin may be a pipe, a file or a terminal. It
        # uses os.read rather than sys.stdin so that, blocked at exit, it holds no interpreter lock
        # that finalization would wait for.
        queue = asyncio.Queue()

        def read_stdin():
            pending = b""
            while True:
                try:
                    chunk = os.read(0, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    loop.call_soon_threadsafe(queue.put_nowait, line.decode("utf-8", "replace"))
            if pending:
                loop.call_soon_threadsafe(queue.put_nowait, pending.decode("utf-8", "replace"))
            loop.call_soon_threadsafe(queue.put_nowait, None)

        threading.Thread(target=read_stdin, daemon=True).start()
        consumer = asyncio.ensure_future(self.commands(queue))

        await self.stopping.wait()
        consumer.cancel()
        for task in list(self.pending):
            task.cancel()
        try:
            await asyncio.wait_for(runner.cleanup(), 1.0)
        except (asyncio.TimeoutError, Exception):
            pass
        return 0


def main():
    args = parse_args()
    try:
        code = asyncio.run(Peer(args).run())
    except KeyboardInterrupt:
        code = 0
    sys.stdout.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
