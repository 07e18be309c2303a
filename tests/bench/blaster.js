#!/usr/bin/env node
// The "blaster": a minimal Engine.IO v4 / Socket.IO v5 source over a raw WebSocket, so a
// client's receive ceiling is measured rather than a server's emit rate. It answers the
// WebSocket upgrade itself (no ws, no socket.io), sends the Engine.IO open packet, answers the
// client's CONNECT to "/", then writes pre-encoded 42["claude_event",{...}] text frames as fast
// as the TCP socket takes them (big writes, honouring backpressure). Every connection gets the
// whole stream once.
//
//   node blaster.js --stream FILE [--port 0] [--count N]
//   node blaster.js --stream FILE --rate R --watch DIR     (latency mode, see below)
//
// Latency mode: events are sent at a steady R per second, each stamped with its send time
// (data.bench_sent_us, wall-clock microseconds) just before the write; the blaster watches the
// journal directory DIR with inotify and notes when each record becomes visible in a segment
// file. It reports p50/p99/max of (visible - sent) once every event was seen.
//
// stdout, one JSON object per line: {"ready":true,"port":P,"events":N}, then per connection
// {"report":"connected",...}, {"report":"sent","count":N,"first_sent_us":...,"last_sent_us":...},
// and in latency mode {"report":"latency",...}.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const path = require("path");

function parseArgs(argv) {
    const o = { stream: null, port: 0, host: "127.0.0.1", count: 0, rate: 0, watch: null, chunk: 256 * 1024 };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stream") o.stream = argv[++i];
        else if (a === "--port") o.port = Number(argv[++i]);
        else if (a === "--host") o.host = argv[++i];
        else if (a === "--count") o.count = Number(argv[++i]);
        else if (a === "--rate") o.rate = Number(argv[++i]);
        else if (a === "--watch") o.watch = argv[++i];
        else if (a === "--chunk") o.chunk = Number(argv[++i]);
        else {
            process.stderr.write(`blaster.js: unknown argument ${a}\n`);
            process.exit(2);
        }
    }
    if (!o.stream) {
        process.stderr.write("usage: blaster.js --stream FILE [--port N] [--count N] [--rate R --watch DIR]\n");
        process.exit(2);
    }
    return o;
}

const opts = parseArgs(process.argv.slice(2));
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

let lines = fs.readFileSync(opts.stream, "utf8").split("\n").filter((l) => l.length > 0);
if (opts.count > 0) lines = lines.slice(0, opts.count);

// Server-to-client WebSocket frames are unmasked: FIN + opcode, length, payload.
function frame(text, opcode = 0x1) {
    const payload = Buffer.from(text, "utf8");
    let header;
    if (payload.length < 126) {
        header = Buffer.from([0x80 | opcode, payload.length]);
    } else if (payload.length < 65536) {
        header = Buffer.alloc(4);
        header[0] = 0x80 | opcode;
        header[1] = 126;
        header.writeUInt16BE(payload.length, 2);
    } else {
        header = Buffer.alloc(10);
        header[0] = 0x80 | opcode;
        header[1] = 127;
        header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    return Buffer.concat([header, payload]);
}

const eventText = (line) => `42["claude_event",${line}]`;

// Blast mode: the whole stream as a few big pre-encoded buffers.
let chunks = null;
if (!opts.rate) {
    chunks = [];
    let parts = [];
    let size = 0;
    for (const line of lines) {
        const f = frame(eventText(line));
        parts.push(f);
        size += f.length;
        if (size >= opts.chunk) {
            chunks.push(Buffer.concat(parts, size));
            parts = [];
            size = 0;
        }
    }
    if (parts.length) chunks.push(Buffer.concat(parts, size));
}

// Client-to-server frames are masked; only small control traffic is expected.
function parseClientFrames(state, data, onText, onClose) {
    state.buf = state.buf.length ? Buffer.concat([state.buf, data]) : data;
    for (;;) {
        const b = state.buf;
        if (b.length < 2) return;
        const opcode = b[0] & 0x0f;
        let len = b[1] & 0x7f;
        let off = 2;
        if (len === 126) {
            if (b.length < 4) return;
            len = b.readUInt16BE(2);
            off = 4;
        } else if (len === 127) {
            if (b.length < 10) return;
            len = Number(b.readBigUInt64BE(2));
            off = 10;
        }
        const masked = (b[1] & 0x80) !== 0;
        const maskOff = off;
        if (masked) off += 4;
        if (b.length < off + len) return;
        const payload = Buffer.from(b.subarray(off, off + len));
        if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskOff + (i & 3)];
        state.buf = b.subarray(off + len);
        if (opcode === 0x1) onText(payload.toString("utf8"));
        else if (opcode === 0x8) onClose();
        else if (opcode === 0x9) state.socket.write(frame(payload.toString("latin1"), 0xa));
    }
}

let connections = 0;
const server = http.createServer((req, res) => {
    res.writeHead(404);
    res.end();
});

server.on("upgrade", (req, socket) => {
    const key = req.headers["sec-websocket-key"];
    if (!key || !req.url.startsWith("/socket.io/") || !req.url.includes("transport=websocket")) {
        socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
        return;
    }
    const accept = crypto.createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    socket.setNoDelay(true);
    socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Accept: ${accept}\r\n\r\n`
    );
    const id = ++connections;
    const sid = `blaster${id}`;
    // Pings far apart: the run is about events, and a real server's ping every 25 s would only
    // add noise. (The idle figure uses the real Node server with its default ping interval.)
    socket.write(frame(`0${JSON.stringify({ sid, upgrades: [], pingInterval: 300000, pingTimeout: 300000, maxPayload: 100000000 })}`));
    const state = { buf: Buffer.alloc(0), socket, started: false, closed: false };
    socket.on("data", (data) =>
        parseClientFrames(
            state,
            data,
            (text) => {
                if (text === "40" || text.startsWith("40{")) {
                    socket.write(frame(`40{"sid":"${sid}-nsp"}`));
                    out({ report: "connected", connection: id, wall_us: nowUs() });
                    if (!state.started) {
                        state.started = true;
                        if (opts.rate) pace(socket, state, id);
                        else blast(socket, state, id);
                    }
                }
            },
            () => {
                state.closed = true;
                socket.end();
            }
        )
    );
    socket.on("error", () => {
        state.closed = true;
    });
    socket.on("close", () => {
        state.closed = true;
    });
});

function blast(socket, state, id) {
    let i = 0;
    const firstSent = nowUs();
    const next = () => {
        while (i < chunks.length && !state.closed) {
            const ok = socket.write(chunks[i++]);
            if (!ok) {
                socket.once("drain", next);
                return;
            }
        }
        if (i >= chunks.length)
            out({ report: "sent", connection: id, count: lines.length, first_sent_us: firstSent, last_sent_us: nowUs() });
    };
    next();
}

// Latency mode ------------------------------------------------------------------------------
const sentAt = new Map(); // bench_seq -> send time (us)
const latencies = [];
let watchedExpected = 0;

function pace(socket, state, id) {
    const interval = 1e6 / opts.rate; // us per event
    const start = nowUs();
    let i = 0;
    watchedExpected = lines.length;
    const tick = () => {
        if (state.closed) return;
        const due = Math.min(lines.length, Math.floor((nowUs() - start) / interval) + 1);
        const parts = [];
        const t = nowUs();
        for (; i < due; i++) {
            const line = lines[i];
            // The payload ends with the data object: stamp the send time into it.
            const stamped = line.slice(0, -2) + `,"bench_sent_us":${t}}}`;
            const m = /"bench_seq":(\d+)/.exec(line);
            if (m) sentAt.set(Number(m[1]), t);
            parts.push(frame(eventText(stamped)));
        }
        if (parts.length) socket.write(Buffer.concat(parts));
        if (i < lines.length) setTimeout(tick, 1);
        else out({ report: "sent", connection: id, count: lines.length, first_sent_us: start, last_sent_us: nowUs() });
    };
    tick();
}

if (opts.watch) {
    const offsets = new Map();
    const scanFile = (file) => {
        let fd;
        try {
            fd = fs.openSync(file, "r");
        } catch {
            return;
        }
        const seen = nowUs();
        let off = offsets.get(file) || 0;
        const size = fs.fstatSync(fd).size;
        if (size > off) {
            const buf = Buffer.alloc(size - off);
            fs.readSync(fd, buf, 0, buf.length, off);
            const text = buf.toString("utf8");
            const end = text.lastIndexOf("\n") + 1; // complete lines only
            const re = /"bench_seq":(\d+),"bench_sent_us":(\d+)/g;
            let m;
            const body = text.slice(0, end);
            while ((m = re.exec(body)) !== null) latencies.push(seen - Number(m[2]));
            off += Buffer.byteLength(body, "utf8");
            offsets.set(file, off);
        }
        fs.closeSync(fd);
        if (watchedExpected && latencies.length >= watchedExpected) reportLatency();
    };
    const scanAll = () => {
        let names = [];
        try {
            names = fs.readdirSync(opts.watch).filter((n) => n.startsWith("journal-")).sort();
        } catch {
            return;
        }
        for (const n of names) scanFile(path.join(opts.watch, n));
    };
    const arm = () => {
        try {
            fs.watch(opts.watch, { persistent: true }, () => scanAll());
            scanAll();
        } catch {
            setTimeout(arm, 5); // the journal directory appears when the app starts
        }
    };
    arm();
}

let reported = false;
function reportLatency() {
    if (reported) return;
    reported = true;
    const s = latencies.slice().sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    out({ report: "latency", count: s.length, p50_us: q(0.5), p99_us: q(0.99), p999_us: q(0.999), max_us: s[s.length - 1] });
}

server.listen(opts.port, opts.host, () => {
    out({ ready: true, port: server.address().port, events: lines.length });
});
process.on("SIGTERM", () => process.exit(0));
