// flowtap for Node.js. require("flowtap") in place of require("pcap"):
// node_pcap's API (createSession, createOfflineSession, decode, TCPTracker,
// findalldevs, lib_version, warningHandler), and flowtap's Pipeline.
"use strict";
module.exports = require("./pcap");
