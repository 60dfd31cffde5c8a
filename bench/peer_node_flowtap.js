// peer_node_flowtap.js - this repository's Node.js package (node/) reading a
// capture the flowtap way, for bench/node_bench.sh: one Pipeline, decoding,
// TCP tracking and reassembly on flowtap's workers, one 'flow' event per
// session (the JSON contract's record). Prints the line peer_node_pcap.js
// prints: "<frames> <sessions> <ended> <send bytes> <recv bytes>" (ended:
// sessions closed by FIN or RST; send/recv: distinct payload bytes).
// Usage: node peer_node_flowtap.js FILE.pcap [WORKERS]
"use strict";
const path = require("path");
const flowtap = require(path.join(__dirname, "..", "node"));

const file = process.argv[2];
if (!file) {
    console.error("usage: node peer_node_flowtap.js FILE.pcap [WORKERS]");
    process.exit(2);
}
const p = new flowtap.Pipeline({ file, workers: Number(process.argv[3] || 1) });
let sessions = 0, ended = 0, send = 0, recv = 0;
p.on("flow", (f) => {
    sessions++;
    if (f.close === "fin" || f.close === "rst") ended++;
    send += f.send.bytes;
    recv += f.recv.bytes;
});
p.on("error", (e) => { console.error(e.message); process.exitCode = 1; });
p.on("end", (st) => console.log(`${st.packets} ${sessions} ${ended} ${send} ${recv}`));
