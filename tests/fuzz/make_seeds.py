#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/ from the protocol specs' example packets,
the sample dashboard streams (tests/fixtures/samples, copies of ../shared/samples) and the
config fixtures. Run it again after changing a seed source; the output is deterministic."""
import gzip
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
SAMPLES = os.path.join(FIXTURES, "samples")
OUT = os.path.join(HERE, "corpus")
NAMES = ["claude_event", "mpm_event", "hook_event", "history", "heartbeat", "tool_event",
         "session_event"]


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def sample_lines(name):
    with open(os.path.join(SAMPLES, name), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def pick(lines, limit):
    """Up to `limit` lines, one per distinct (event name, subtype) first, then evenly spread."""
    seen, chosen = set(), []
    for line in lines:
        try:
            o = json.loads(line)
            a = o.get("args") or [None]
            key = (o.get("name"), a[0].get("subtype") if isinstance(a[0], dict) else type(a[0]).__name__)
        except Exception:
            key = ("?", line[:20])
        if key not in seen:
            seen.add(key)
            chosen.append(line)
    step = max(1, len(lines) // max(1, limit - len(chosen)))
    for line in lines[::step]:
        if len(chosen) >= limit:
            break
        if line not in chosen:
            chosen.append(line)
    return chosen[:limit]


def main():
    shutil.rmtree(OUT, ignore_errors=True)

    # Engine.IO v4 (protocol spec examples).
    for s in ['0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,'
              '"pingTimeout":20000,"maxPayload":1000000}',
              '0{"sid":"x","upgrades":[],"pingInterval":300,"pingTimeout":200}',
              "1", "2", "3", "2probe", "3probe", "4hello", "4", "5", "6",
              '40{"sid":"oSO0OpakMV_3jnilAAAA"}', '42["claude_event",{"a":1}]', "bAQID"]:
        put("engine", s)

    # Socket.IO v5 (protocol spec examples; after a NUL, binary attachments).
    for s in ["0", "0/admin,", '0{"token":"123"}', '0/admin,{"token":"123"}',
              '0{"sid":"oSO0OpakMV_3jnilAAAA"}', '0{"sid":"a","pid":"b"}', "1", "1/admin,",
              '2["foo"]', '2/admin,["bar"]', '212["foo"]', '3/admin,13["bar"]', '31["ok"]',
              '4{"message":"Not authorized"}', '4/admin,{"message":"Not authorized"}',
              '51-["baz",{"_placeholder":true,"num":0}]\0\x01\x02\x03',
              '61-/admin,15[{"_placeholder":true,"num":0}]\0\x01\x02',
              '52-["two",{"_placeholder":true,"num":0},{"n":{"_placeholder":true,"num":1}}]\0a\0b',
              '2["claude_event",{"type":"hook","subtype":"pre_tool"},"Q8Hq5jX.1"]',
              '2["history",{"events":[{"subtype":"stop","session_id":"s"}],"count":1}]']:
        put("socket", s)
    for line in pick(sample_lines("current-server.jsonl"), 12):
        o = json.loads(line)
        put("socket", "2" + json.dumps([o["name"]] + o["args"], separators=(",", ":")))

    # Normalizer: first byte picks the event name, the rest is the payload.
    for sample, limit in [("current-server.jsonl", 40), ("legacy-server.jsonl", 25),
                          ("seed-format.jsonl", 15), ("hostile.jsonl", 40)]:
        for line in pick(sample_lines(sample), limit):
            o = json.loads(line)
            name = o["name"] if o["name"] in NAMES else "claude_event"
            payload = json.dumps(o["args"][0], ensure_ascii=False) if o["args"] else ""
            put("normalizer", bytes([NAMES.index(name)]) + payload.encode("utf-8"))
    legacy = [json.loads(l)["args"][0] for l in sample_lines("legacy-server.jsonl")[:20]]
    put("normalizer", bytes([NAMES.index("history")]) +
        json.dumps({"events": legacy, "count": len(legacy)}).encode())

    # Recordings: runs of consecutive lines, plus the odd cases the reader must survive.
    for sample in ["current-server.jsonl", "legacy-server.jsonl", "seed-format.jsonl",
                   "hostile.jsonl"]:
        lines = sample_lines(sample)
        for start in range(0, min(len(lines), 120), 30):
            put("recording", "\n".join(lines[start:start + 8]) + "\n")
    put("recording", '{"name":"claude_event","args":[]}\n{"name":5}\n\n{"name":"x","args":[1]')
    put("recording", '{"name": "claude_event", "args": [{"a": 1}, {"b": 2}]}\r\n')

    # Journal segments (\f separates a first and a second segment file).
    rec = lambda seq, payload: ('{"seq":%d,"t":1785000000000,"name":"claude_event","args":[%s]}'
                                % (seq, payload))
    put("journal", "\n".join(rec(i, '{"subtype":"stop","session_id":"s%d"}' % i)
                             for i in range(1, 6)) + "\n")
    put("journal", rec(1, "{}") + "\n" + rec(2, "{}") + '\n{"release":[[1,1]]}\n' + rec(3, '{"x"'))
    put("journal", rec(1, "") + "\n" + '{"release_upto":1}\n' + rec(2, '"str"') + "\n")
    put("journal", rec(1, "1") + "\n" + rec(1, "2") + "\ngarbage\n" + rec(7, "3") + "\n")
    put("journal", rec(1, "{}") + "\n" + rec(2, "{}") + "\n\f" + rec(50, "{}") + "\n"
        + '{"release":[[1,2],[50,50]]}\n' + rec(51, "[1,2]") + "\n")
    put("journal", rec(1, "{}") + "\n" + '{"release":[[2,1]]}\n{"release_upto":0}\n')

    # Session files: documents the app saved for the samples (mode byte, then the file).
    docs_dir = os.path.join(HERE, "seed-sessions")
    for name in sorted(os.listdir(docs_dir)) if os.path.isdir(docs_dir) else []:
        with open(os.path.join(docs_dir, name), "rb") as f:
            doc = f.read()
        put("sessionfile", b"\x00" + doc)
        put("sessionfile", b"\x01" + doc)
        put("sessionfile", b"\x02" + gzip.compress(doc, mtime=0))
    put("sessionfile", b'\x00{"session_id":"legacy","start_time":"2025-01-08T14:30:22","events":'
                       b'[{"timestamp":"2025-01-08T14:30:22Z","event_type":"hook","data":{}}]}')
    put("sessionfile", b"\x00{\"session_id\":\"x\",\"events\":")
    put("sessionfile", b'\x03{"version":1,"files":{"session_fuzz_2026-01-01T00-00-00.json":'
                       b'{"mtime":1785000000000,"size":60,"summary":{"session_id":"fuzz",'
                       b'"status":"completed","total_events":3}}}}')

    # Configuration.
    for root, _, files in os.walk(os.path.join(FIXTURES, "config")):
        for name in sorted(files):
            with open(os.path.join(root, name), "rb") as f:
                put("config", f.read())
    put("config", "event_aggregator:\n  enabled: true\n")
    put("config", "event_aggregator:\n  dashboard_port: 70000\n")
    put("config", "event_aggregator: [1, 2]\n")
    put("config", "event_aggregator:\n  events: &a [claude_event, *a]\n")
    put("config", "event_aggregator:\n  activity_directory: ~/x\n  capture: {tool_operations: no}\n")

    # Redactor: the secrets corpus's payloads, and texts that stress escapes and overlaps.
    with open(os.path.join(FIXTURES, "secrets", "recording.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                put("redactor", line.strip())
    put("redactor", '{"password":"x","k":[{"api_token":["a",{"b":"c"}]}],"n":1e999}')
    put("redactor", '["\\u0041KIAIOSFODNN7EXAMPLE","\\ud800 AKIAIOSFODNN7EXAMPLE"]')
    put("redactor", '"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"')
    put("redactor", '{"out":"-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----"}')
    put("redactor", 'DB_PASSWORD=hunter2 postgres://u:p@h/x TK-0bad {"x": "y"')
    put("config", "event_aggregator:\n  redact_at_capture: true\n  redaction:\n    rules:\n"
                  "      - name: t\n        pattern: 'TK-[0-9]+'\n      - name: k\n"
                  "        keys: [pin, '*_ssn']\n        replacement: '<k>'\n")


if __name__ == "__main__":
    main()
