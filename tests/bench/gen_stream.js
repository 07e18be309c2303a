#!/usr/bin/env node
// Generates the benchmark's event stream: JSON Lines, one claude_event payload per line, in the
// legacy dashboard's shape (see /work/shared/notes/claude-mpm-wire-format.md): N sessions
// interleaved, pre/post tool pairs with correlation ids, Task delegations with
// subagent_start/subagent_stop, prompts, responses, todos; each session ends with a `stop`
// unless --open. Deterministic for given arguments. Every payload carries data.bench_seq (its
// line number) so the verifier can check that each event landed in its own session's file.
//
//   node gen_stream.js --events N --sessions S [--open] [--seed X] --out FILE
"use strict";

const fs = require("fs");

function parseArgs(argv) {
    const o = { events: 200000, sessions: 50, open: false, seed: 1, out: null };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--events") o.events = Number(argv[++i]);
        else if (a === "--sessions") o.sessions = Number(argv[++i]);
        else if (a === "--open") o.open = true;
        else if (a === "--seed") o.seed = Number(argv[++i]);
        else if (a === "--out") o.out = argv[++i];
        else throw new Error(`unknown argument ${a}`);
    }
    if (!o.out || !(o.events > 0) || !(o.sessions > 0) || o.sessions > o.events)
        throw new Error("usage: gen_stream.js --events N --sessions S [--open] --out FILE");
    return o;
}

// mulberry32: small, fast, deterministic.
function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const opts = parseArgs(process.argv.slice(2));
const rand = rng(opts.seed);
const pick = (list) => list[Math.floor(rand() * list.length)];
const hex = (n) => {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(rand() * 16)];
    return s;
};
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

const base = Date.UTC(2026, 6, 27, 16, 0, 0);
// Python's isoformat with microseconds, as the dashboard writes it.
function iso(ms, micro) {
    const d = new Date(ms);
    return d.toISOString().replace("Z", "").replace(/\.(\d{3})$/, `.$1${String(micro).padStart(3, "0")}`) + "+00:00";
}

const tools = [
    { name: "Read", file: true },
    { name: "Edit", file: true },
    { name: "Write", file: true },
    { name: "Grep", file: false },
    { name: "Glob", file: false },
    { name: "Bash", file: false },
];
const agents = ["engineer", "research", "qa", "documentation", "ops"];

// One session's script: a generator of [subtype, fields] in order, exactly `count` events.
function* sessionScript(s, count, open) {
    const cwd = s.cwd;
    let left = count;
    const emit = function* (subtype, data, extra) {
        if (left <= 0) return;
        left--;
        yield { subtype, data, extra: extra || {} };
    };
    yield* emit("user_prompt", {
        prompt_text: `Refactor the request pipeline in service ${s.index} and keep the tests green`,
        prompt_length: 64, git_branch: "main", is_command: false, contains_code: false,
    });
    const reserve = open ? 0 : 1; // the final stop
    const toolPair = function* (agentCtx) {
        const t = pick(tools);
        const corr = hex(24);
        const file = `${cwd}/src/mod_${Math.floor(rand() * 400)}.py`;
        const params = t.file ? { file_path: file } : t.name === "Bash"
            ? { command: `pytest -q tests/test_${Math.floor(rand() * 90)}.py` }
            : { pattern: `def handle_${hex(4)}`, path: `${cwd}/src` };
        yield* emit("pre_tool", {
            tool_name: t.name, tool_parameters: params,
        }, { correlation_id: corr });
        if (left <= reserve) return;
        const ok = rand() > 0.05;
        yield* emit("post_tool", {
            tool_name: t.name, exit_code: ok ? 0 : 1, success: ok, status: ok ? "success" : "error",
            duration_ms: Math.floor(rand() * 900), result_summary: { lines: Math.floor(rand() * 300) },
            output_size: Math.floor(rand() * 20000),
        }, { correlation_id: corr });
    };
    while (left > reserve) {
        const r = rand();
        if (r < 0.06 && left > reserve + 12) {
            // A delegation: Task pre_tool, subagent_start, the subagent's tools, stop, Task result.
            const agent = pick(agents);
            const corr = hex(24);
            yield* emit("pre_tool", {
                tool_name: "Task", is_delegation: true,
                tool_parameters: { subagent_type: agent, description: `Investigate module ${hex(4)}` },
                delegation_details: { agent_type: agent, description: `Investigate module ${hex(4)}`, prompt: "Find the slow path" },
            }, { correlation_id: corr });
            yield* emit("subagent_start", { agent_type: agent, agent_id: `agent-${hex(8)}`, hook_event_name: "SubagentStart" });
            const inner = 2 + Math.floor(rand() * 4);
            for (let k = 0; k < inner && left > reserve + 2; k++) yield* toolPair(agent);
            yield* emit("subagent_stop", {
                agent_type: agent, reason: "completed", is_successful_completion: true,
                is_error_termination: false, has_results: true, hook_event_name: "SubagentStop",
            });
            if (left > reserve)
                yield* emit("post_tool", {
                    tool_name: "Task", exit_code: 0, success: true, status: "success",
                    result_summary: { agent_type: agent, delegated: true },
                }, { correlation_id: corr });
        } else if (r < 0.08) {
            yield* emit("todo_updated", {
                todos: [{ content: `step ${hex(3)}`, status: "in_progress" }, { content: `step ${hex(3)}`, status: "pending" }],
                total_count: 2,
            });
        } else if (r < 0.10) {
            yield* emit("assistant_response", {
                response_text: `Done with part ${hex(4)} of the refactor; next the request validators.`,
                response_length: 70, contains_code: false, hook_event_name: "AssistantResponse",
            });
        } else {
            yield* toolPair(null);
        }
    }
    if (!open)
        yield* emit("stop", { reason: "completed", stop_type: "normal", is_user_initiated: false, is_completion_stop: true });
}

const sessions = [];
const per = Math.floor(opts.events / opts.sessions);
for (let i = 0; i < opts.sessions; i++) {
    const count = per + (i < opts.events % opts.sessions ? 1 : 0);
    // A real 36-character session id whose first group also names the session's index.
    const s = { index: i, id: `${i.toString(16).padStart(8, "0")}-${uuid().slice(9)}` };
    s.cwd = `/home/dev/svc-${String(i % 97).padStart(2, "0")}`;
    s.script = sessionScript(s, count, opts.open);
    s.left = count;
    sessions.push(s);
}

const fd = fs.openSync(opts.out, "w");
let buf = [];
let bytes = 0;
let active = sessions.slice();
for (let seq = 0; seq < opts.events; seq++) {
    const k = Math.floor(rand() * active.length);
    const s = active[k];
    const step = s.script.next().value;
    s.left--;
    if (s.left === 0) {
        active[k] = active[active.length - 1];
        active.pop();
    }
    const ms = base + seq;
    const data = Object.assign({ session_id: s.id }, step.data);
    data.bench_seq = seq;
    const payload = Object.assign({
        event: "mpm_event", source: "hook", type: "hook", subtype: step.subtype,
        timestamp: iso(ms, seq % 1000), session_id: s.id, cwd: s.cwd,
    }, step.extra, { data });
    const line = JSON.stringify(payload);
    bytes += line.length;
    buf.push(line);
    if (buf.length >= 4096) {
        fs.writeSync(fd, buf.join("\n") + "\n");
        buf = [];
    }
}
if (buf.length) fs.writeSync(fd, buf.join("\n") + "\n");
fs.closeSync(fd);
process.stdout.write(JSON.stringify({ events: opts.events, sessions: opts.sessions, avg_bytes: Math.round(bytes / opts.events) }) + "\n");
