#!/usr/bin/env node
// Test peer: a real Node socket.io 4.x server driven over stdin/stdout by the Qt tests.
// Protocol (shared with python-server.py): one JSON object per line. The server prints
// {"ready":true,...} once, then {"report":...} lines; it reads {"id":N,"cmd":...} lines from stdin
// and answers each with {"report":"done","id":N,...}. See tests/support/PeerServer.h.
"use strict";

const fs = require("fs");
const http = require("http");
const readline = require("readline");
const { Server } = require("socket.io");

function usage(message) {
    process.stderr.write(`node-server.js: ${message}\n`);
    process.stderr.write(
        "usage: node-server.js [--port N] [--host H] [--ping-interval MS] [--ping-timeout MS]\n" +
            "       [--max-payload BYTES] [--recovery] [--auth-namespace NSP --auth-token T]\n"
    );
    process.exit(2);
}

function parseArgs(argv) {
    const opts = {
        port: 0,
        host: "127.0.0.1",
        pingInterval: 25000,
        pingTimeout: 20000,
        maxPayload: 1000000,
        recovery: false,
        authNamespace: null,
        authToken: null,
    };
    const numeric = (name, value) => {
        const n = Number(value);
        if (value === undefined || !Number.isInteger(n) || n < 0) {
            usage(`${name} needs a non-negative integer`);
        }
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        switch (arg) {
            case "--port":
                opts.port = numeric(arg, argv[++i]);
                break;
            case "--host":
                opts.host = argv[++i];
                break;
            case "--ping-interval":
                opts.pingInterval = numeric(arg, argv[++i]);
                break;
            case "--ping-timeout":
                opts.pingTimeout = numeric(arg, argv[++i]);
                break;
            case "--max-payload":
                opts.maxPayload = numeric(arg, argv[++i]);
                break;
            case "--recovery":
                opts.recovery = true;
                break;
            case "--auth-namespace":
                opts.authNamespace = argv[++i];
                break;
            case "--auth-token":
                opts.authToken = argv[++i];
                break;
            default:
                usage(`unknown argument ${arg}`);
        }
    }
    if (opts.authNamespace !== null && !opts.authNamespace.startsWith("/")) {
        usage("--auth-namespace must start with /");
    }
    if ((opts.authNamespace === null) !== (opts.authToken === null)) {
        usage("--auth-namespace and --auth-token go together");
    }
    return opts;
}

const opts = parseArgs(process.argv.slice(2));

// Writes to a pipe are synchronous on Linux, so every line is flushed before the next statement;
// that keeps reports and done lines in the order the events happened.
function out(obj) {
    process.stdout.write(JSON.stringify(obj) + "\n");
}

// Binary payloads cannot be reported as JSON, so they are wrapped the same way python-server.py does.
function reportable(value) {
    if (Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
        const buf = Buffer.isBuffer(value)
            ? value
            : value instanceof ArrayBuffer
              ? Buffer.from(value)
              : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        return { _binary_base64: buf.toString("base64") };
    }
    if (Array.isArray(value)) {
        return value.map(reportable);
    }
    if (value !== null && typeof value === "object") {
        const copy = {};
        for (const [k, v] of Object.entries(value)) {
            copy[k] = reportable(v);
        }
        return copy;
    }
    return value;
}

const httpServer = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
});

const serverOptions = {
    serveClient: false,
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
    maxHttpBufferSize: opts.maxPayload,
    cors: { origin: "*" },
};
if (opts.recovery) {
    serverOptions.connectionStateRecovery = {
        maxDisconnectionDuration: 2 * 60 * 1000,
        skipMiddlewares: true,
    };
}
const io = new Server(httpServer, serverOptions);

function attach(nsp) {
    nsp.on("connection", (socket) => {
        const auth = socket.handshake.auth;
        out({
            report: "connect",
            sid: socket.id,
            nsp: nsp.name,
            auth: auth === undefined ? null : reportable(auth),
            recovered: socket.recovered === true,
        });
        socket.onAny((name, ...args) => {
            let ack = null;
            if (args.length > 0 && typeof args[args.length - 1] === "function") {
                ack = args.pop();
            }
            out({
                report: "client_event",
                nsp: nsp.name,
                name,
                args: reportable(args),
                has_ack: ack !== null,
            });
            if (ack !== null) {
                if (name === "echo") {
                    ack(...args);
                } else {
                    ack("ok");
                }
            }
        });
        socket.on("disconnect", (reason) => {
            out({ report: "disconnect", sid: socket.id, nsp: nsp.name, reason });
        });
    });
}

attach(io.of("/"));
if (opts.authNamespace !== null) {
    const guarded = io.of(opts.authNamespace);
    guarded.use((socket, next) => {
        const auth = socket.handshake.auth || {};
        if (auth.token === opts.authToken) {
            next();
            return;
        }
        out({ report: "connect_refused", nsp: guarded.name, auth: reportable(auth) });
        next(new Error("Not authorized"));
    });
    attach(guarded);
}

function namespaceOf(cmd) {
    return typeof cmd.nsp === "string" && cmd.nsp.length > 0 ? cmd.nsp : "/";
}

function emitWithAck(cmd, done) {
    const nsp = io.of(namespaceOf(cmd));
    const sockets = [...nsp.sockets.values()];
    if (sockets.length === 0) {
        done({ error: "no clients" });
        return;
    }
    const timeout = Number.isInteger(cmd.timeout_ms) ? cmd.timeout_ms : 5000;
    const args = Array.isArray(cmd.args) ? cmd.args : [];
    // Asked one socket at a time (not broadcast) so each client's full ack argument list is kept;
    // note such emits never carry a recovery offset because the adapter does not store them.
    Promise.all(
        sockets.map(
            (socket) =>
                new Promise((resolve) => {
                    socket.timeout(timeout).emit(cmd.event, ...args, (err, ...ackArgs) => {
                        resolve(err ? null : reportable(ackArgs));
                    });
                })
        )
    ).then((acks) => {
        if (acks.some((a) => a === null)) {
            done({ error: "timeout", acks });
        } else {
            done({ ack: acks[0], acks });
        }
    });
}

// Cuts the TCP connection under Engine.IO without a Socket.IO DISCONNECT or an Engine.IO close
// packet: the server sees "transport close", which connection state recovery treats as recoverable.
function dropTransports() {
    let dropped = 0;
    for (const conn of Object.values(io.engine.clients)) {
        const transport = conn.transport;
        if (transport && transport.name === "websocket" && transport.socket) {
            transport.socket.terminate();
        } else {
            conn.close(true);
        }
        dropped++;
    }
    return dropped;
}

function replay(file) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const nsp = io.of("/");
    let count = 0;
    for (const line of lines) {
        if (line.trim().length === 0) {
            continue;
        }
        const entry = JSON.parse(line);
        nsp.emit(entry.name, ...(Array.isArray(entry.args) ? entry.args : []));
        count++;
    }
    return count;
}

function handle(cmd) {
    const done = (extra) => out(Object.assign({ report: "done", id: cmd.id }, extra || {}));
    try {
        switch (cmd.cmd) {
            case "emit":
                io.of(namespaceOf(cmd)).emit(cmd.event, ...(Array.isArray(cmd.args) ? cmd.args : []));
                done();
                break;
            case "emit_many": {
                const nsp = io.of(namespaceOf(cmd));
                const template = cmd.template && typeof cmd.template === "object" ? cmd.template : {};
                const count = Number.isInteger(cmd.count) ? cmd.count : 0;
                for (let i = 0; i < count; i++) {
                    nsp.emit(cmd.event, Object.assign({}, template, { seq: i }));
                }
                done({ count });
                break;
            }
            case "emit_binary":
                io.of(namespaceOf(cmd)).emit(
                    cmd.event,
                    Buffer.from(cmd.base64 || "", "base64"),
                    cmd.extra === undefined ? {} : cmd.extra
                );
                done();
                break;
            case "emit_with_ack":
                emitWithAck(cmd, done);
                break;
            case "disconnect_all": {
                const nsp = io.of(namespaceOf(cmd));
                const count = nsp.sockets.size;
                nsp.disconnectSockets(cmd.close === true);
                done({ count });
                break;
            }
            case "drop_transports":
                done({ count: dropTransports() });
                break;
            case "replay":
                done({ count: replay(cmd.file) });
                break;
            case "clients":
                done({ count: io.of(namespaceOf(cmd)).sockets.size });
                break;
            default:
                done({ error: `unknown command ${cmd.cmd}` });
        }
    } catch (e) {
        done({ error: String(e && e.message ? e.message : e) });
    }
}

let shuttingDown = false;
function shutdown() {
    if (shuttingDown) {
        return;
    }
    shuttingDown = true;
    // io.close() waits for keep-alive HTTP connections, so do not let it hold the exit up.
    setTimeout(() => process.exit(0), 500).unref();
    io.close(() => process.exit(0));
}

process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

httpServer.on("error", (err) => {
    process.stderr.write(`node-server.js: cannot listen on ${opts.host}:${opts.port}: ${err.message}\n`);
    process.exit(err.code === "EADDRINUSE" ? 3 : 1);
});

// libuv binds TCP listeners with SO_REUSEADDR, so a restart on the same port is not blocked by
// connections of the previous process lingering in TIME_WAIT.
httpServer.listen({ port: opts.port, host: opts.host }, () => {
    out({ ready: true, port: httpServer.address().port, server: "node", recovery: opts.recovery });
    const rl = readline.createInterface({ input: process.stdin, terminal: false });
    rl.on("line", (line) => {
        if (line.trim().length === 0) {
            return;
        }
        let cmd;
        try {
            cmd = JSON.parse(line);
        } catch (e) {
            process.stderr.write(`node-server.js: ignoring malformed command: ${line}\n`);
            return;
        }
        handle(cmd);
    });
    rl.on("close", shutdown);
});
