// flows.test.js - the Pipeline's 'flow' events are the C program's records:
// on generated captures (IPv4 and IPv6, VLANs, retransmits, reordering,
// loss, RSTs, sessions open at the end, mid-stream joins, UDP and ICMP flows,
// VLAN tags, nanosecond timestamps), every flow object
// deep-equals a `flowtap -r FILE --json` flow record with the same workers.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { gen, cliRecords } = require("./helpers");
const flowtap = require("../lib");

function pipelineFlows(opts) {
    return new Promise((resolve, reject) => {
        const flows = [];
        const p = new flowtap.Pipeline(opts);
        p.on("flow", (f) => flows.push(f));
        p.on("error", reject);
        p.on("end", (st) => resolve({ flows, st }));
    });
}

const byId = (a, b) => a.id - b.id;

const CASES = [
    ["plain", ["--sessions", "300", "--frames", "20000", "--ipv6", "0.4"]],
    ["impaired", ["--sessions", "300", "--frames", "30000", "--ipv6", "0.3", "--retransmit", "0.05",
        "--reorder", "0.05", "--loss", "0.02", "--rst", "0.2", "--open", "0.1", "--midstream", "0.1", "--seed", "7"]],
    ["sll-nsec", ["--sessions", "100", "--frames", "8000", "--link", "sll", "--nsec", "--seed", "3"]],
    // every protocol: UDP/DNS and ICMP flows, VLAN tags (the records' optional fields)
    ["all-of-ip", ["--profile", "flows", "--sessions", "300", "--frames", "20000", "--seed", "5"]],
];

for (const [name, args] of CASES) {
    for (const workers of [1, 2]) {
        test(`flow events equal the CLI's flow records: ${name}, ${workers} worker(s)`, async () => {
            const { pcap, truth } = gen(`${name}`, args);
            const cli = cliRecords(["-r", pcap, "-W", String(workers)], "flow").sort(byId);
            const { flows, st } = await pipelineFlows({ file: pcap, workers });
            flows.sort(byId);
            assert.ok(cli.length >= truth.session_count, "the CLI reports every session");
            assert.strictEqual(flows.length, cli.length);
            assert.deepStrictEqual(flows, cli);
            assert.strictEqual(st.packets, truth.frames, "every frame processed");
            assert.strictEqual(st.js_drop, 0, "a file loses nothing on its way to JavaScript");
            if (name !== "sll-nsec") assert.ok(flows.some((f) => f.src.includes(":")), "IPv6 flows present");
        });
    }
}

test("a small queue to JavaScript makes the workers wait, not drop (files are lossless)", async () => {
    const { pcap, truth } = gen("small-queue", ["--sessions", "200", "--frames", "20000"]);
    let slow = 0;
    const res = await new Promise((resolve, reject) => {
        const flows = [];
        const p = new flowtap.Pipeline({ file: pcap, workers: 2, queue_bytes: 1, data: true });
        p.on("data", () => { for (let i = 0; i < 2000; i++) slow += i; });
        p.on("flow", (f) => flows.push(f));
        p.on("error", reject);
        p.on("end", (st) => resolve({ flows, st }));
    });
    assert.ok(slow > 0);
    assert.strictEqual(res.st.js_drop, 0);
    // every TCP session of the truth, and flows of the other protocols too
    assert.strictEqual(res.flows.filter((f) => f.proto === "tcp").length, truth.session_count);
    assert.ok(res.flows.some((f) => f.proto === "udp"), "UDP flows are flows too");
    assert.strictEqual(res.st.packets, truth.frames);
});

test("'data' events carry each session's payload once, in order (hash equals the truth)", async () => {
    const { pcap, truth } = gen("data", ["--sessions", "60", "--frames", "4000", "--ipv6", "0.5",
        "--retransmit", "0.05", "--reorder", "0.05", "--seed", "11"]);
    const streams = new Map();
    const flows = await new Promise((resolve, reject) => {
        const out = [];
        const p = new flowtap.Pipeline({ file: pcap, workers: 2, data: true });
        p.on("data", (flow, dir, buf) => {
            const k = flow.id + dir;
            if (!streams.has(k)) streams.set(k, []);
            streams.get(k).push(buf); // kept, not copied: JavaScript owns it
        });
        p.on("flow", (f) => out.push(f));
        p.on("error", reject);
        p.on("end", () => resolve(out));
    });
    const { fnv1a } = require("./helpers");
    const key = (s) => `${s.src}|${s.sport}|${s.dst}|${s.dport}|${s.first}`;
    const byKey = new Map(truth.sessions.map((s) => [key(s), s]));
    let checked = 0;
    for (const f of flows) {
        if (f.proto !== "tcp") continue; // the truth's sessions are TCP's
        const t = byKey.get(key(f));
        assert.ok(t, "flow matches a truth session: " + key(f));
        for (const dir of ["send", "recv"]) {
            const bufs = streams.get(f.id + dir) || [];
            assert.strictEqual(bufs.reduce((n, b) => n + b.length, 0), t[dir].bytes);
            assert.strictEqual(fnv1a(bufs), t[dir].fnv1a_seen, `${key(f)} ${dir}`);
            checked++;
        }
    }
    assert.strictEqual(checked, 2 * truth.session_count);
});
