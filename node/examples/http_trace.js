#!/usr/bin/env node
// http_trace.js - node_pcap's companion tool http_trace, on flowtap's Pipeline:
// one line per HTTP request (when complete) and per response, in the format
// of examples/http_trace.c (the C tool), from a capture file or a live
// interface:
//   HH:MM:SS.mmm client -> server #N HTTP 1.1 request: GET /url 0B
//   HH:MM:SS.mmm server -> client #N HTTP 1.1 response: 200 OK (GET /url) 97.7KB 0.498ms
// Usage: node http_trace.js [-i IFACE | -r FILE] [-W N] [--no-color] [BPF filter]
// (default filter: tcp port 80 or tcp port 8080). Decoding, TCP tracking and
// reassembly run on flowtap's workers; this script parses each direction's
// in-order bytes with Node's own HTTP parser.
"use strict";
const { HTTPParser, methods } = require("_http_common");
const flowtap = require("..");

function usage(code) {
    (code ? process.stderr : process.stdout).write(
        "usage: node http_trace.js [-i IFACE | -r FILE] [-W N] [--no-color] [BPF filter]\n");
    process.exit(code);
}
const opts = { filter: [] , workers: 1, color: process.stdout.isTTY };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-r") opts.file = argv[++i];
    else if (a === "-i") opts.device = argv[++i];
    else if (a === "-W") opts.workers = Number(argv[++i]);
    else if (a === "--no-color") opts.color = false;
    else if (a === "-h" || a === "--help") usage(0);
    else if (a.startsWith("-")) usage(2);
    else opts.filter.push(a);
}
if (!opts.file === !opts.device) usage(2);
const C = (code) => (opts.color ? `\x1b[${code}m` : "");
const RESET = C("0");

const pad = (n, w) => String(n).padStart(w, "0");
function clock(ns) {
    const d = new Date(Number(ns / 1000000n));
    return `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(Number(ns / 1000000n % 1000n), 3)}`;
}
// One decimal, rounding half to even as printf does.
function tenths(n, div) {
    let f = Math.floor((n * 10) / div);
    const rem = n * 10 - f * div;
    if (rem * 2 > div || (rem * 2 === div && f % 2 === 1)) f++;
    return `${Math.floor(f / 10)}.${f % 10}`;
}
function size(n) {
    if (n < 1024) return n + "B";
    if (n < 1024 * 1024) return tenths(n, 1024) + "KB";
    return tenths(n, 1024 * 1024) + "MB";
}
const endpoint = (f, which) => {
    const a = which ? f.dst : f.src, port = which ? f.dport : f.sport;
    return f.ip_v === 6 ? `[${a}]:${port}` : `${a}:${port}`;
};
function head(s, ns, fromServer) {
    const c = endpoint(s.flow, s.clientDir), sv = endpoint(s.flow, 1 - s.clientDir);
    return `${C("34")}${clock(ns)}${RESET} ${C("35")}${fromServer ? sv : c} -> ${fromServer ? c : sv}${RESET} `;
}

const sessions = new Map();

function newParser(s, side) {
    const p = new HTTPParser();
    p.initialize(side ? HTTPParser.RESPONSE : HTTPParser.REQUEST, {});
    const m = { t0: 0n, body: 0, chunked: false };
    p[HTTPParser.kOnMessageBegin] = () => { m.t0 = s.now; m.body = 0; m.chunked = false; m.url = ""; };
    p[HTTPParser.kOnHeadersComplete] = (maj, min, headers, method, url, status, reason) => {
        Object.assign(m, { maj, min, method: methods[method], url: url || "", status, reason: reason || "" });
        for (let i = 0; i + 1 < headers.length; i += 2)
            if (/^transfer-encoding$/i.test(headers[i]) && /chunked/i.test(headers[i + 1])) m.chunked = true;
        // A response to HEAD has no body, whatever its headers say.
        return side === 1 && s.queue.length && s.queue[0].method === "HEAD" ? 1 : 0;
    };
    p[HTTPParser.kOnBody] = (b, start, len) => { m.body += len !== undefined ? len : b.length; };
    p[HTTPParser.kOnMessageComplete] = () => {
        if (side === 0) {
            const r = { t0: m.t0, body: m.body, n: ++s.nreq, method: m.method, url: m.url.slice(0, 255) };
            s.queue.push(r);
            process.stdout.write(`${head(s, m.t0, 0)}#${r.n} HTTP ${m.maj}.${m.min} request: ${C("33")}${m.method} ${m.url}${RESET} ${size(m.body)}\n`);
            return;
        }
        if (m.status >= 100 && m.status < 200 && m.status !== 101) return; // informational
        const r = s.queue.shift() || null;
        const ms = r ? Number(s.now - r.t0) / 1e6 : 0;
        process.stdout.write(`${head(s, s.now, 1)}#${r ? r.n : 0} HTTP ${m.maj}.${m.min} response: ${C("33")}${m.status} ${m.reason}${RESET} ` +
            `(${r ? r.method : "-"} ${r ? r.url : "(no request)"}) ${size(m.body)}${m.chunked ? " chunked" : ""} ${ms.toFixed(3)}ms\n`);
    };
    return p;
}

function parse(s, side, buf) {
    if (s.dead[side]) return;
    const p = s.parsers[side];
    const r = buf ? p.execute(buf) : p.finish();
    if (r instanceof Error) {
        const resp = side ? "response" : "request";
        process.stdout.write(`${head(s, s.now, side)}HTTP ${resp} parser error: ${r.code || "HPE_ERROR"} (${r.reason || r.message})\n`);
        s.dead[side] = true;
    } else if (p.upgrade) s.dead[side] = true; // CONNECT or Upgrade: no longer HTTP
}

const p = new flowtap.Pipeline({
    file: opts.file, device: opts.device, workers: opts.workers, data: true,
    filter: opts.filter.length ? opts.filter.join(" ") : "tcp port 80 or tcp port 8080",
});
p.on("event", (ev) => {
    let s = sessions.get(ev.flow.id);
    if (!s) {
        if (ev.type === "end") return;
        s = { flow: ev.flow, clientDir: 0, decided: false, nreq: 0, queue: [], dead: [false, false], now: 0n };
        s.parsers = [newParser(s, 0), newParser(s, 1)];
        sessions.set(ev.flow.id, s);
    }
    s.flow = ev.flow;
    s.now = ev.ts_ns;
    const dir = ev.dir === "send" ? 0 : 1;
    if (ev.type === "data" && !s.decided) { // mid-stream, server as src?
        s.decided = true;
        s.clientDir = ev.data.length >= 5 && ev.data.toString("latin1", 0, 5) === "HTTP/" ? 1 - dir : dir;
    }
    const side = dir !== s.clientDir ? 1 : 0;
    if (ev.type === "data") parse(s, side, ev.data);
    else if (ev.type === "gap") {
        if (!s.dead[side])
            process.stdout.write(`${head(s, s.now, side)}HTTP ${side ? "response" : "request"} parser error: GAP (bytes missing from the capture)\n`);
        s.dead[side] = true;
    } else if (ev.type === "end") {
        parse(s, 1, null); // EOF ends a response delimited by the close
        sessions.delete(ev.flow.id);
    }
});
p.on("error", (e) => {
    console.error("http_trace: " + e.message);
    process.exitCode = 1;
});
p.on("stats", (st) => {
    if ((st.ps_drop > 0 || st.ring_drop > 0 || st.js_drop > 0) && !p.warned) {
        p.warned = true;
        console.error("http_trace: packets dropped: " + JSON.stringify({ ps_drop: st.ps_drop, ring_drop: st.ring_drop, js_drop: st.js_drop }));
    }
});
process.on("SIGINT", () => p.stop());
process.on("SIGTERM", () => p.stop());
