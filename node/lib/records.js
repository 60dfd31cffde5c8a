// records.js - reads one batch (an ArrayBuffer the addon filled from a worker's
// queue; JavaScript owns it) into packets, flow events and flow records.
// Record layout (little-endian, 8-byte aligned): u32 size, u16 type, u16 0, then
//   packet (1): node_pcap's 16-byte header (tv_sec, tv_usec, caplen, len),
//               u64 ts_ns, u64 frame number, the frame (caplen bytes)
//   event  (2): see src/addon.cc OnFlow (176 fixed bytes, then DATA bytes)
//   flow   (3): u32 length, u32 0, the library's JSON flow record
"use strict";
const addr = require("./addr");

const EVENT_NAMES = [null, "start", "data", "retransmit", "gap", "reset", "syn retry", "end", "reset ignored"];
const STATE_NAMES = [null, "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "CLOSED"];
const CLOSE_NAMES = [null, "fin", "rst", "timeout", "eof", "evicted"];
const DIRS = ["send", "recv"];

function u64(dv, o) {
    return dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
}
function i64(dv, o) {
    return dv.getInt32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
}

// The session snapshot carried by an event.
function flowOf(dv, u8, o) {
    const v = u8[o + 10];
    const ip = v === 6 ? addr.ipv6 : addr.ipv4;
    const counters = (p) => ({
        packets: u64(dv, p), bytes: u64(dv, p + 8), retransmits: u64(dv, p + 16), missed: u64(dv, p + 24),
    });
    const connect = i64(dv, o + 64), rtt = i64(dv, o + 72);
    return {
        id: u64(dv, o + 32),
        ip_v: v,
        src: ip(u8, o + 80),
        dst: ip(u8, o + 96),
        sport: dv.getUint16(o + 16, true),
        dport: dv.getUint16(o + 18, true),
        state: STATE_NAMES[u8[o + 11]] || null,
        close: CLOSE_NAMES[u8[o + 12]] || null,
        midstream: u8[o + 13] !== 0,
        worker: dv.getUint16(o + 14, true),
        first: u64(dv, o + 48) / 1e9,
        last: u64(dv, o + 56) / 1e9,
        connect_ms: connect < 0 ? null : connect / 1e6,
        rtt_ms: rtt < 0 ? null : rtt / 1e6,
        send: counters(o + 112),
        recv: counters(o + 144),
    };
}

function eventOf(ab, dv, u8, o) {
    const dlen = dv.getUint32(o + 28, true);
    return {
        type: EVENT_NAMES[u8[o + 8]] || "unknown",
        dir: DIRS[u8[o + 9] & 1],
        ts: u64(dv, o + 40) / 1e9,
        ts_ns: dv.getBigUint64(o + 40, true),
        len: dv.getUint32(o + 20, true),
        seq: dv.getUint32(o + 24, true),
        data: dlen ? Buffer.from(ab, o + 176, dlen) : null,
        flow: flowOf(dv, u8, o),
    };
}

// Calls sink.packet(o, caplen) / sink.event(ev) / sink.flow(text) in record order.
function parse(ab, sink) {
    const dv = new DataView(ab);
    const u8 = new Uint8Array(ab);
    const end = ab.byteLength;
    let o = 0;
    while (o + 8 <= end) {
        const size = dv.getUint32(o, true);
        const type = dv.getUint16(o + 4, true);
        if (size < 8 || o + size > end) throw new Error(`flowtap: corrupt batch record at ${o}`);
        if (type === 1) sink.packet(o, dv.getUint32(o + 16, true));
        else if (type === 2) sink.event(eventOf(ab, dv, u8, o));
        else if (type === 3) sink.flow(Buffer.from(ab, o + 16, dv.getUint32(o + 8, true)).toString("latin1"));
        o += size;
    }
}

module.exports = { parse, eventOf, u64, EVENT_NAMES, STATE_NAMES };
