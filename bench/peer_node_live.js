// peer_node_live.js - a live capture from JavaScript, for bench/node_live_bench.sh.
//   node peer_node_live.js pcap IFACE      node_pcap's API (require("pcap"):
//                                          node_pcap itself, or this package
//                                          through NODE_PATH): createSession +
//                                          decode.packet + TCPTracker per packet
//   node peer_node_live.js flow IFACE      this package's Pipeline, 'flow' events
// Runs until SIGINT, then prints one JSON line: frames JavaScript got (or the
// workers' packets, flow mode), sessions, and the session's counters (ps_recv,
// ps_drop, ps_ifdrop; this package also ring_drop and js_drop).
"use strict";
const path = require("path");
const [mode, iface] = process.argv.slice(2);
if (!iface || (mode !== "pcap" && mode !== "flow")) {
    console.error("usage: node peer_node_live.js pcap|flow IFACE");
    process.exit(2);
}
const out = (o) => { process.stdout.write(JSON.stringify(o) + "\n"); };

if (mode === "pcap") {
    const pcap = require("pcap");
    const s = pcap.createSession(iface, { filter: "", buffer_size: 10 * 1024 * 1024, buffer_timeout: 1000 });
    const tracker = new pcap.TCPTracker();
    let frames = 0, sessions = 0;
    tracker.on("session", () => { sessions++; });
    s.on("packet", (raw) => {
        frames++;
        tracker.track_packet(pcap.decode.packet(raw));
    });
    process.on("SIGINT", () => {
        const st = s.stats();
        out({ frames, sessions, ps_recv: st.ps_recv, ps_drop: st.ps_drop, ps_ifdrop: st.ps_ifdrop,
            ring_drop: st.ring_drop, js_drop: st.js_drop });
        s.close();
        process.exit(0);
    });
} else {
    const flowtap = require(path.join(__dirname, "..", "node"));
    const p = new flowtap.Pipeline({ device: iface, stats_interval: 0 });
    let sessions = 0;
    p.on("flow", (f) => { if (f.proto === "tcp") sessions++; });
    p.on("error", (e) => { console.error(e.message); process.exitCode = 1; });
    p.on("end", (st) => out({ frames: st.packets, sessions, ps_recv: st.ps_recv, ps_drop: st.ps_drop,
        ps_ifdrop: st.ps_ifdrop, ring_drop: st.ring_drop, js_drop: st.js_drop }));
    process.on("SIGINT", () => p.stop());
}
