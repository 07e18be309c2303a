#!/usr/bin/env node
// An OTLP/HTTP trace receiver for the tests: takes OTLP/JSON POSTs, decodes each with the
// official OTLP protobuf definitions (the generated ExportTraceServiceRequest that
// @opentelemetry/otlp-proto-exporter-base 0.51 ships), after mapping OTLP/JSON's hex ids to
// bytes, and reports what it got. It can be told to answer 429/503 with Retry-After, partial
// success, 400, or slowly. Protocol: see README.md here.
'use strict';

const http = require('http');
const zlib = require('zlib');
const readline = require('readline');
const root = require('@opentelemetry/otlp-proto-exporter-base/build/src/generated/root');

const proto = root.opentelemetry.proto.collector.trace.v1;
const Request = proto.ExportTraceServiceRequest;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function report(o) {
  process.stdout.write(JSON.stringify(o) + '\n');
}

// What the next requests get: a queue of one-shot answers, then the default.
const planned = [];
let delayMs = 0;
let requests = 0;

// OTLP/JSON differs from the protobuf JSON mapping in one place: trace and span ids are hex,
// not base64. Maps them to bytes; throws on a malformed id.
function hexToBytes(hex, bytes, what) {
  if (typeof hex !== 'string' || !new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(hex))
    throw new Error(`${what} is not ${bytes * 2} lowercase hex digits: ${JSON.stringify(hex)}`);
  if (/^0+$/.test(hex)) throw new Error(`${what} is all zeros`);
  return Buffer.from(hex, 'hex');
}

function mapIds(json) {
  for (const rs of json.resourceSpans || []) {
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        s.traceId = hexToBytes(s.traceId, 16, 'traceId');
        s.spanId = hexToBytes(s.spanId, 8, 'spanId');
        if (s.parentSpanId !== undefined && s.parentSpanId !== '')
          s.parentSpanId = hexToBytes(s.parentSpanId, 8, 'parentSpanId');
      }
    }
  }
  return json;
}

function isDefault(v) {
  return v === undefined || v === null || v === '' || v === 0 || v === '0' || v === false ||
         (Array.isArray(v) && v.length === 0);
}

// Every field the request carried must come back from the protobuf round trip with the same
// value: a misspelled or unknown field, a wrong type or a lossy number shows up here.
function compare(sent, back, path, problems) {
  if (Buffer.isBuffer(sent)) {
    const b = Buffer.isBuffer(back) ? back : Buffer.from(back || '', 'base64');
    if (!sent.equals(b)) problems.push(`${path}: bytes differ`);
    return;
  }
  if (Array.isArray(sent)) {
    if (!Array.isArray(back) || back.length !== sent.length) {
      problems.push(`${path}: array of ${sent.length} came back as ${JSON.stringify(back)}`);
      return;
    }
    sent.forEach((v, i) => compare(v, back[i], `${path}[${i}]`, problems));
    return;
  }
  if (sent !== null && typeof sent === 'object') {
    for (const k of Object.keys(sent)) {
      if (back === undefined || back === null || !(k in back)) {
        if (!isDefault(sent[k])) problems.push(`${path}.${k}: not a field of the message`);
        continue;
      }
      compare(sent[k], back[k], `${path}.${k}`, problems);
    }
    return;
  }
  if (String(sent) !== String(back))
    problems.push(`${path}: sent ${JSON.stringify(sent)}, decoded ${JSON.stringify(back)}`);
}

function attributes(list) {
  const out = {};
  for (const a of list || []) {
    const v = a.value || {};
    out[a.key] = 'stringValue' in v ? v.stringValue
               : 'intValue' in v ? Number(v.intValue)
               : 'boolValue' in v ? v.boolValue
               : 'doubleValue' in v ? v.doubleValue : null;
  }
  return out;
}

function decode(body, encoding) {
  const raw = encoding === 'gzip' ? zlib.gunzipSync(body) : body;
  const json = mapIds(JSON.parse(raw.toString('utf8')));
  const err = Request.verify(Request.toObject(Request.fromObject(json)));
  if (err) throw new Error(`verify: ${err}`);
  // Through the wire format and back: what a collector would see.
  const wire = Request.encode(Request.fromObject(json)).finish();
  const decoded = Request.decode(wire);
  const back = Request.toObject(decoded, {longs: String, enums: Number, bytes: Buffer});
  const problems = [];
  compare(json, back, 'request', problems);
  if (problems.length) throw new Error(problems.slice(0, 5).join('; '));
  const spans = [];
  for (const rs of back.resourceSpans || []) {
    const resource = attributes(rs.resource && rs.resource.attributes);
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        spans.push({
          traceId: Buffer.from(s.traceId).toString('hex'),
          spanId: Buffer.from(s.spanId).toString('hex'),
          parentSpanId: s.parentSpanId && s.parentSpanId.length
                            ? Buffer.from(s.parentSpanId).toString('hex') : '',
          name: s.name,
          kind: s.kind || 0,
          start: s.startTimeUnixNano,
          end: s.endTimeUnixNano,
          status: s.status ? {code: s.status.code || 0, message: s.status.message || ''}
                           : {code: 0, message: ''},
          attributes: attributes(s.attributes),
          events: (s.events || []).map((e) => ({name: e.name, time: e.timeUnixNano,
                                                attributes: attributes(e.attributes)})),
          resource,
          scope: ss.scope ? ss.scope.name : '',
        });
      }
    }
  }
  return {spans, wireBytes: wire.length};
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const n = ++requests;
    const body = Buffer.concat(chunks);
    const answer = planned.length ? planned.shift() : {status: 200};
    const r = {report: 'request', n, method: req.method, path: req.url,
               content_type: req.headers['content-type'] || '',
               encoding: req.headers['content-encoding'] || '',
               authorization: req.headers['authorization'] || '',
               bytes: body.length, status: answer.status, received_at: Date.now()};
    try {
      const d = decode(body, r.encoding);
      r.valid = true;
      r.spans = d.spans;
      r.wire_bytes = d.wireBytes;
    } catch (e) {
      r.valid = false;
      r.error = String(e.message || e);
    }
    const send = () => {
      const headers = {'Content-Type': 'application/json'};
      if (answer.retry_after !== undefined) headers['Retry-After'] = String(answer.retry_after);
      let payload = {};
      if (answer.status === 200 && answer.rejected)
        payload = {partialSuccess: {rejectedSpans: String(answer.rejected),
                                    errorMessage: answer.message || 'rejected by the test'}};
      else if (answer.status !== 200)
        payload = {code: 3, message: answer.message || `answered ${answer.status} by the test`};
      // A request that does not decode is refused as a collector would.
      if (!r.valid && answer.status === 200) {
        r.status = 400;
        payload = {code: 3, message: r.error};
      }
      // Reported before it is answered (stdout to a pipe is synchronous in Node on Linux): once
      // the sender has its answer, the test can read the report.
      report(r);
      res.writeHead(r.status, headers);
      res.end(JSON.stringify(payload));
    };
    const wait = answer.delay_ms !== undefined ? answer.delay_ms : delayMs;
    if (wait > 0) setTimeout(send, wait); else send();
  });
});

const rl = readline.createInterface({input: process.stdin});
rl.on('line', (line) => {
  let cmd;
  try { cmd = JSON.parse(line); } catch (e) { return; }
  const done = {report: 'done', id: cmd.id};
  if (cmd.cmd === 'answer') {
    // {"cmd":"answer","status":503,"retry_after":1,"rejected":2,"delay_ms":0,"count":2}
    for (let i = 0; i < (cmd.count || 1); ++i)
      planned.push({status: cmd.status || 200, retry_after: cmd.retry_after,
                    rejected: cmd.rejected, delay_ms: cmd.delay_ms, message: cmd.message});
  } else if (cmd.cmd === 'delay') {
    delayMs = cmd.ms || 0;
  } else {
    done.error = `unknown command ${cmd.cmd}`;
  }
  report(done);
});
rl.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

server.on('error', (e) => {
  process.stderr.write(`otlp-receiver: ${e.message}\n`);
  process.exit(e.code === 'EADDRINUSE' ? 3 : 1);
});
server.listen(Number(arg('--port', '0')), arg('--host', '127.0.0.1'), () => {
  report({ready: true, port: server.address().port});
});
