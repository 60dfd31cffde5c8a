// tracker.test.js - node_pcap's API on generated captures: createOfflineSession
// + decode.packet + TCPTracker, as node_pcap's users write it. Per session the
// events come in order ('session' first, 'start' before any data unless
// joined mid-stream, 'end' last, nothing after it); payload bytes and their
// hash equal the truth both ways, IPv6 included; RST sessions get 'reset';
// every session ends and is deleted; packet buffers stay valid after the
// handler returns (no shared buffer).
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { gen, fnv1a } = require("./helpers");
const pcap = require("../lib");

function run(file, opts) {
    return new Promise((resolve, reject) => {
        const session = pcap.createOfflineSession(file, opts || {});
        const tracker = new pcap.TCPTracker();
        const log = [];
        const kept = [];
        let frames = 0, cur = null, inFrame = 0;
        // A payload Buffer is a view of its own frame's bytes when they are
        // in order (the addon does not copy them twice).
        const seen = (b) => { if (cur && b.buffer === cur.buf.buffer) inFrame++; };
        tracker.on("session", (s) => {
            const rec = { s, events: ["session"], data: { send: [], recv: [] }, afterEnd: 0 };
            log.push(rec);
            const note = (name) => { if (rec.events.includes("end")) rec.afterEnd++; rec.events.push(name); };
            s.on("start", () => note("start"));
            s.on("data send", (_, b) => { note("data"); seen(b); rec.data.send.push(b); });
            s.on("data recv", (_, b) => { note("data"); seen(b); rec.data.recv.push(b); });
            s.on("retransmit", () => note("retransmit"));
            s.on("reset", () => note("reset"));
            s.on("syn retry", () => note("syn retry"));
            s.on("end", () => note("end"));
        });
        session.on("packet", (raw) => {
            frames++;
            if (frames % 97 === 1) kept.push([raw, Buffer.from(raw.buf)]);
            cur = raw;
            tracker.track_packet(pcap.decode.packet(raw));
        });
        session.on("error", reject);
        session.on("complete", () => resolve({ log, tracker, kept, frames, session, inFrame }));
    });
}

const key = (src, sport, dst, dport, first) => `${src}|${sport}|${dst}|${dport}|${Math.round(first * 1e6)}`;

// queue_bytes: 48 KiB cuts the stream into many batches, so a frame's
// packet record and its DATA events (which refer to its bytes) often land in
// different batches.
for (const [what, opts] of [["", undefined], [", 48 KiB batches", { queue_bytes: 48 * 1024 }]])
test("TCPTracker: events in order per session, bytes and hashes equal the truth (IPv4 + IPv6)" + what, async () => {
    const { pcap: file, truth } = gen("trk", ["--sessions", "250", "--frames", "20000", "--ipv6", "0.4",
        "--retransmit", "0.03", "--reorder", "0.03", "--rst", "0.2", "--open", "0.1", "--midstream", "0.1",
        "--seed", "5"]);
    const { log, tracker, kept, frames, inFrame } = await run(file, opts);
    assert.ok(inFrame > 1000, `in-order payload shares its frame's bytes (${inFrame} buffers)`);
    assert.strictEqual(frames, truth.frames);
    const byKey = new Map(truth.sessions.map((s) => [key(s.src, s.sport, s.dst, s.dport, s.first), s]));
    assert.strictEqual(log.length, truth.session_count, "one 'session' per TCP session");
    let v6 = 0, resets = 0;
    for (const r of log) {
        const f = r.s.flow;
        const t = byKey.get(key(f.src, f.sport, f.dst, f.dport, f.first));
        assert.ok(t, "session matches the truth: " + r.s.src + " " + r.s.dst);
        const ev = r.events;
        assert.strictEqual(ev[0], "session");
        assert.strictEqual(ev[ev.length - 1], "end", "every session ends");
        assert.strictEqual(r.afterEnd, 0);
        const firstData = ev.indexOf("data");
        if (!t.midstream && firstData >= 0) assert.ok(ev.indexOf("start") >= 0 && ev.indexOf("start") < firstData);
        if (t.midstream) assert.strictEqual(r.s.missed_syn, true);
        for (const dir of ["send", "recv"]) {
            assert.strictEqual(r.s[dir + "_bytes_payload"], t[dir].bytes, `${dir} bytes of ${r.s.src}`);
            assert.strictEqual(fnv1a(r.data[dir]), t[dir].fnv1a_seen, `${dir} hash of ${r.s.src}`);
        }
        assert.strictEqual(r.s.close, t.close);
        if (t.close === "rst") { assert.ok(ev.includes("reset"), "RST after the handshake is seen"); resets++; }
        if (t.ip === 6) { v6++; assert.ok(r.s.src.startsWith("[")); }
    }
    assert.ok(v6 > 50, "IPv6 sessions tracked");
    assert.ok(resets > 10);
    assert.deepStrictEqual(Object.keys(tracker.sessions), [], "ended sessions are deleted");
    for (const [raw, copy] of kept) assert.ok(raw.buf.equals(copy), "a kept packet buffer is never overwritten");
});

test("decode.packet: node_pcap's layers and fields, equal to the CLI's packet records", async () => {
    const { pcap: file } = gen("dec", ["--sessions", "40", "--frames", "3000", "--ipv6", "0.5", "--vlan", "0.3",
        "--udp", "0.2", "--other", "0.05", "--seed", "9"]);
    const { execFileSync } = require("child_process");
    const { FLOWTAP } = require("./helpers");
    const cli = execFileSync(FLOWTAP, ["-r", file, "--packets", "--json", "-W", "1", "--no-track"], { encoding: "utf8", maxBuffer: 1 << 28, env: require("./helpers").plainEnv() })
        .split("\n").filter((l) => l.includes('"type":"packet"')).map((l) => JSON.parse(l));
    const pkts = [];
    await new Promise((resolve) => {
        const s = pcap.createOfflineSession(file, {});
        s.on("packet", (raw) => pkts.push(pcap.decode.packet(raw)));
        s.on("complete", resolve);
    });
    assert.strictEqual(pkts.length, cli.length);
    let tcp = 0, udp = 0, v6 = 0;
    for (let i = 0; i < pkts.length; i++) {
        const p = pkts[i], c = cli[i];
        assert.strictEqual(p.pcap_header.caplen, c.caplen);
        assert.strictEqual(p.pcap_header.len, c.len);
        const eth = p.payload;
        assert.strictEqual(eth.shost.toString(), c.eth.src);
        assert.strictEqual(eth.dhost.toString(), c.eth.dst);
        if (c.vlan) assert.strictEqual(eth.vlan.id, c.vlan[0].id);
        if (!c.ip) continue;
        const ip = eth.payload;
        assert.strictEqual(ip.saddr.toString(), c.ip.src);
        assert.strictEqual(ip.daddr.toString(), c.ip.dst);
        assert.strictEqual(c.ip.v === 4 ? ip.ttl : ip.hopLimit, c.ip.ttl);
        if (c.ip.v === 6) v6++;
        if (c.tcp) {
            const t = ip.payload;
            assert.strictEqual(t.constructor.name, "TCP");
            assert.deepStrictEqual([t.sport, t.dport, t.seqno, t.ackno, t.windowSize, t.dataLength],
                [c.tcp.sport, c.tcp.dport, c.tcp.seq, c.tcp.ack, c.tcp.win, c.tcp.len]);
            assert.strictEqual(t.flags.syn, !!(c.tcp.flags & 2));
            assert.strictEqual(t.flags.ack, !!(c.tcp.flags & 16));
            if (c.tcp.opts && c.tcp.opts.mss) assert.strictEqual(t.options.mss, c.tcp.opts.mss);
            tcp++;
        } else if (c.udp) {
            assert.deepStrictEqual([ip.payload.sport, ip.payload.dport, ip.payload.length], [c.udp.sport, c.udp.dport, c.udp.len]);
            udp++;
        }
    }
    assert.ok(tcp > 1000 && udp > 50 && v6 > 500, `${tcp} tcp, ${udp} udp, ${v6} v6`);
    assert.match(pkts[0].toString(), /^LINKTYPE_ETHERNET /);
});

test("decode.packet of a session's packet is lazy and equals an eager decode of copies", async () => {
    const { pcap: file } = gen("lazy", ["--sessions", "20", "--frames", "1500", "--ipv6", "0.5", "--vlan", "0.3",
        "--udp", "0.2", "--seed", "4"]);
    const raws = [], lazy = [];
    await new Promise((resolve) => {
        const s = pcap.createOfflineSession(file, {});
        s.on("packet", (raw) => { raws.push(raw); lazy.push(pcap.decode.packet(raw)); });
        s.on("complete", resolve);
    });
    assert.ok(lazy.length > 1000);
    // Read only now, after every batch: the layers come from bytes nothing overwrote.
    for (let i = 0; i < lazy.length; i++) {
        const eager = pcap.decode.packet({ buf: Buffer.from(raws[i].buf), header: Buffer.from(raws[i].header),
            link_type: raws[i].link_type });
        assert.strictEqual(JSON.stringify(lazy[i]), JSON.stringify(eager), `frame ${i + 1}`);
        assert.strictEqual(String(lazy[i]), String(eager));
    }
    const j = JSON.parse(JSON.stringify(lazy[0]));
    assert.ok(j.payload && j.pcap_header && j.pcap_header.caplen === raws[0].buf.length, "toJSON shows the layers");
    assert.match(require("util").inspect(lazy[0]), /payload/);
});

test("decode.packet never throws on truncated or corrupted frames", () => {
    const { pcap: file } = gen("fuzz", ["--sessions", "20", "--frames", "800", "--ipv6", "0.5", "--vlan", "0.3", "--udp", "0.2"]);
    return new Promise((resolve) => {
        const frames = [];
        const s = pcap.createOfflineSession(file, {});
        s.on("packet", (raw) => frames.push(raw));
        s.on("complete", () => {
            let seed = 1;
            const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
            let n = 0;
            for (const raw of frames) {
                for (let k = 0; k < 8; k++) {
                    const b = Buffer.from(raw.buf.subarray(0, rnd() % (raw.buf.length + 1)));
                    for (let j = 0; j < 3 && b.length; j++) b[rnd() % b.length] = rnd() & 0xff;
                    const h = Buffer.alloc(16);
                    h.writeUInt32LE(b.length, 8);
                    h.writeUInt32LE(raw.header.readUInt32LE(12), 12);
                    const p = pcap.decode.packet({ buf: b, header: h, link_type: "LINKTYPE_ETHERNET" });
                    String(p);
                    n++;
                }
            }
            assert.strictEqual(n, frames.length * 8);
            resolve();
        });
    });
});
