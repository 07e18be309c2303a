#!/usr/bin/env node
// Contestant: a bare Node socket.io-client 4.x that only counts claude_event events.
//   node bare_node_client.js --url http://127.0.0.1:P --count N
// Prints {"client":"node","count":N,"first_to_last_s":...,"rate":...} when N events arrived.
"use strict";
const path = require("path");
const { io } = require(path.join(__dirname, "../peers/node_modules/socket.io-client"));

let url = null;
let expected = 0;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--url") url = argv[++i];
    else if (argv[i] === "--count") expected = Number(argv[++i]);
}
if (!url || !(expected > 0)) {
    process.stderr.write("usage: bare_node_client.js --url URL --count N\n");
    process.exit(2);
}

const socket = io(url, { transports: ["websocket"], reconnection: false });
let count = 0;
let first = 0n;
socket.on("claude_event", () => {
    if (count === 0) first = process.hrtime.bigint();
    if (++count === expected) {
        const seconds = Number(process.hrtime.bigint() - first) / 1e9;
        process.stdout.write(JSON.stringify({ client: "node", count, first_to_last_s: seconds, rate: (count - 1) / seconds }) + "\n");
        socket.disconnect();
        process.exit(0);
    }
});
socket.on("connect_error", (e) => {
    process.stderr.write(`connect_error: ${e.message}\n`);
    process.exit(1);
});
socket.on("disconnect", (reason) => {
    if (count < expected) {
        process.stderr.write(`disconnected after ${count} events: ${reason}\n`);
        process.exit(1);
    }
});
