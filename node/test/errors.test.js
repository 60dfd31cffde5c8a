// errors.test.js - errors reach JavaScript with their cause, never a crash:
// a missing file, a corrupt file, a bad filter, a missing interface; a
// listener that throws stops the capture cleanly and is reported ('error',
// or rethrown after the stop when nobody listens); many sessions opened and
// closed leave no native object behind and the RSS bounded.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const { gen, TMP } = require("./helpers");
const flowtap = require("../lib");

test("a missing file throws with the cause", () => {
    const f = path.join(TMP, "no-such.pcap");
    assert.throws(() => flowtap.createOfflineSession(f), (e) => e.code === "FT_ENOENT" && e.message.includes("no-such.pcap"));
    assert.throws(() => new flowtap.Pipeline({ file: f }), (e) => e.code === "FT_ENOENT");
});

test("a file that is not a capture throws with the cause", () => {
    const f = path.join(TMP, "junk.pcap");
    fs.writeFileSync(f, "this is not a pcap file at all, not even close\n".repeat(10));
    assert.throws(() => new flowtap.Pipeline({ file: f }), (e) => /FT_E(FORMAT|PCAP)/.test(e.code) && e.message.length > 10);
});

test("a bad filter throws with libpcap's message", () => {
    const { pcap } = gen("filt", ["--sessions", "5", "--frames", "200"]);
    assert.throws(() => flowtap.createOfflineSession(pcap, { filter: "tcp and and port" }),
        (e) => e.code === "FT_EFILTER" && /syntax error/.test(e.message));
    assert.throws(() => new flowtap.Pipeline({ file: pcap, filter: "nosuchproto 7" }), (e) => e.code === "FT_EFILTER");
});

test("a missing interface throws with the cause", () => {
    assert.throws(() => flowtap.createSession("ft-no-such-if0", {}),
        (e) => /FT_E(NOENT|PCAP|PERM|ACCES)/.test(e.code) && e.message.includes("ft-no-such-if0"));
});

test("a filter keeps only what it matches (and the session still completes)", async () => {
    const { pcap, truth } = gen("filt2", ["--sessions", "50", "--frames", "3000", "--udp", "0.2", "--vlan", "0"]);
    let n = 0;
    await new Promise((resolve) => {
        const s = flowtap.createOfflineSession(pcap, { filter: "udp" });
        s.on("packet", (raw) => { n++; assert.strictEqual(flowtap.decode.packet(raw).payload.payload.payload.constructor.name, "UDP"); });
        s.on("complete", resolve);
    });
    assert.strictEqual(n, truth.udp_frames);
});

test("a throwing 'flow' listener: the pipeline stops cleanly and 'error' carries the exception", async () => {
    const { pcap } = gen("throw", ["--sessions", "300", "--frames", "20000"]);
    const got = await new Promise((resolve) => {
        const p = new flowtap.Pipeline({ file: pcap, workers: 2 });
        let calls = 0, err = null;
        p.on("flow", () => { calls++; throw new Error("listener bug"); });
        p.on("error", (e) => { err = e; });
        p.on("end", (st) => resolve({ calls, err, st }));
    });
    assert.strictEqual(got.calls, 1, "nothing is delivered after the throw");
    assert.strictEqual(got.err.message, "listener bug");
    assert.strictEqual(flowtap.liveNativeObjects() >= 0, true);
});

test("a throwing 'packet' listener with no 'error' listener: rethrown after a clean stop, no crash", () => {
    const { pcap } = gen("throw2", ["--sessions", "100", "--frames", "5000"]);
    const script = `const pcap = require(${JSON.stringify(path.join(__dirname, "..", "lib"))});
        const s = pcap.createOfflineSession(${JSON.stringify(pcap)});
        let n = 0; s.on("packet", () => { if (++n === 10) throw new Error("boom in listener"); });
        process.on("exit", (c) => console.log("exit", c, n));`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60000 });
    assert.strictEqual(r.signal, null, "not killed by a signal: " + r.stderr);
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /boom in listener/);
    assert.match(r.stdout, /exit 1 10/);
});

test("a throwing warningHandler does not break anything", () => {
    const old = flowtap.warningHandler;
    flowtap.warningHandler = () => { throw new Error("handler throws"); };
    try {
        const { pcap } = gen("warn", ["--sessions", "2", "--frames", "50"]);
        const s = flowtap.createOfflineSession(pcap);
        s.close();
    } finally {
        flowtap.warningHandler = old;
    }
});

test("many sessions opened and closed: no native object left, RSS bounded", async () => {
    const { pcap } = gen("leak", ["--sessions", "20", "--frames", "1000"]);
    const once = () => new Promise((resolve) => {
        const s = flowtap.createOfflineSession(pcap, { queue_bytes: 256 * 1024 });
        const t = new flowtap.TCPTracker();
        s.on("packet", (raw) => t.track_packet(flowtap.decode.packet(raw)));
        s.on("end", resolve);
    });
    const closedEarly = () => new Promise((resolve) => {
        const p = new flowtap.Pipeline({ file: pcap, workers: 1, queue_bytes: 256 * 1024 });
        p.on("end", resolve);
        p.close();
    });
    for (let i = 0; i < 20; i++) { await once(); await closedEarly(); }
    if (global.gc) global.gc();
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 150; i++) { await once(); await closedEarly(); }
    // Finalizers run after a GC on a later tick.
    for (let i = 0; i < 5 && flowtap.liveNativeObjects() > 0; i++) {
        if (global.gc) global.gc();
        await new Promise((r) => setTimeout(r, 50));
    }
    const grown = process.memoryUsage().rss - rss0;
    if (global.gc) assert.strictEqual(flowtap.liveNativeObjects(), 0, "every native pipeline was freed");
    assert.ok(grown < 64 * 1024 * 1024, `RSS grew ${grown} bytes over 300 sessions`);
});
