// peer_node_pcap.js - node_pcap (the npm package `pcap`) reading a capture,
// for scripts/bench.sh: pcap.createOfflineSession reads the file,
// pcap.decode.packet decodes every frame, and pcap.TCPTracker tracks the TCP
// sessions (node_pcap's tracker: IPv4 only, no VLAN, no reassembly; it counts
// payload per direction and emits "end" on a FIN close).
// Prints "<frames> <sessions> <ended> <send bytes> <recv bytes>".
// Usage: NODE_PATH=DIR/node_modules node peer_node_pcap.js FILE.pcap
"use strict";

const pcap = require("pcap");

const file = process.argv[2];
if (!file) {
    console.error("usage: node peer_node_pcap.js FILE.pcap");
    process.exit(2);
}

const session = pcap.createOfflineSession(file, {});
const tracker = new pcap.TCPTracker();
let frames = 0, sessions = 0, ended = 0;
const all = [];

tracker.on("session", (s) => {
    sessions++;
    all.push(s);
    s.on("end", () => { ended++; });
});
session.on("packet", (raw) => {
    frames++;
    tracker.track_packet(pcap.decode.packet(raw));
});
session.on("complete", () => {
    let send = 0, recv = 0;
    for (const s of all) {
        send += s.send_bytes_payload;
        recv += s.recv_bytes_payload;
    }
    console.log(`${frames} ${sessions} ${ended} ${send} ${recv}`);
});
