#!/usr/bin/env node
// Source: the real Node socket.io 4.x server, configured as users run a dashboard (defaults:
// pingInterval 25 s, pingTimeout 20 s, CORS *), broadcasting the benchmark stream with
// io.emit("claude_event", payload) to whoever connects first; every new connection gets the
// whole stream again. Payloads are parsed up front, so the server encodes each event itself, as
// a real dashboard does. Emits in batches with setImmediate between them, so its own I/O keeps
// flowing.
//   node bench_node_server.js --stream FILE [--port 0] [--idle]
// --idle: never emit (for the idle-CPU figure).
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { Server } = require(path.join(__dirname, "../peers/node_modules/socket.io"));

let stream = null;
let port = 0;
let idle = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--stream") stream = argv[++i];
    else if (argv[i] === "--port") port = Number(argv[++i]);
    else if (argv[i] === "--idle") idle = true;
}
const events = stream
    ? fs.readFileSync(stream, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l))
    : [];
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const httpServer = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
});
const io = new Server(httpServer, { serveClient: false, cors: { origin: "*" }, maxHttpBufferSize: 1e8 });
let connections = 0;
io.on("connection", (socket) => {
    const id = ++connections;
    out({ report: "connected", connection: id, wall_us: nowUs() });
    if (idle) return;
    let i = 0;
    const first = nowUs();
    const batch = () => {
        if (socket.disconnected) return;
        const end = Math.min(events.length, i + 500);
        for (; i < end; i++) socket.emit("claude_event", events[i]);
        if (i < events.length) setImmediate(batch);
        else out({ report: "sent", connection: id, count: events.length, first_sent_us: first, last_sent_us: nowUs() });
    };
    batch();
});
httpServer.listen(port, "127.0.0.1", () => out({ ready: true, port: httpServer.address().port, events: events.length }));
process.on("SIGTERM", () => process.exit(0));
