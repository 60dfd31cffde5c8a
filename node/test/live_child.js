// live_child.js IFACE MODE - the live side of live.test.js, run inside a test
// network namespace. Prints JSON lines on stdout; "close" on stdin closes.
//   http:  createSession + TCPTracker and a Pipeline on IFACE (tcp port 8000):
//          one line per ended TCPTracker session and per flow record
//   quiet: createSession on IFACE (nothing flows), closed on "close"
//   flush: a Pipeline on IFACE (UDP to ports 20000-23999) with a 256 KiB queue;
//          "count" prints its packets so far, "stop" stops it, and its end
//          prints the flow records it got and the final stats
//   flush-count: the same Pipeline with count 4000: it ends by itself
"use strict";
const flowtap = require("../lib");

const [iface, mode] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const closers = [];

if (mode === "http") {
    const session = flowtap.createSession(iface, { filter: "tcp port 8000", buffer_timeout: 0, promiscuous: false });
    const tracker = new flowtap.TCPTracker();
    tracker.on("session", (s) => {
        s.on("end", () => out({ kind: "session", src: s.src, dst: s.dst, send: s.send_bytes_payload,
            recv: s.recv_bytes_payload, close: s.close, stats: session.stats() }));
    });
    session.on("packet", (raw) => tracker.track_packet(flowtap.decode.packet(raw)));
    const p = new flowtap.Pipeline({ device: iface, filter: "tcp port 8000", buffer_timeout_ms: 0, workers: 2 });
    p.on("flow", (f) => out({ kind: "flow", flow: f }));
    p.on("error", (e) => out({ kind: "error", message: e.message }));
    closers.push(() => session.close(), () => p.close());
} else if (mode === "flush" || mode === "flush-count") {
    const p = new flowtap.Pipeline({ device: iface, filter: "udp and dst portrange 20000-23999",
        buffer_timeout_ms: 0, workers: 1, queue_bytes: 256 * 1024, stats_interval: 0,
        count: mode === "flush-count" ? 4000 : 0 });
    let flows = 0;
    p.on("flow", () => { flows++; });
    p.on("error", (e) => out({ kind: "error", message: e.message }));
    p.on("end", (st) => {
        out({ kind: "end", flows, stats: st });
        if (mode === "flush-count") process.stdin.destroy(); // ended by itself: exit
    });
    process.stdin.on("data", (d) => {
        if (d.includes("count")) out({ kind: "count", packets: p.stats().packets });
        if (d.includes("stop")) { p.stop(); process.stdin.destroy(); }
    });
} else {
    const session = flowtap.createSession(iface, { filter: "udp port 9", buffer_timeout: 1000 });
    session.on("packet", () => out({ kind: "unexpected packet" }));
    closers.push(() => session.close());
}
out({ kind: "ready" });
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
    if (!d.includes("close")) return;
    for (const c of closers) c();
    process.stdin.destroy(); // nothing else keeps the process alive: it must exit by itself
    out({ kind: "closed" });
});
