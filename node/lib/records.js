// records.js - reads one batch (an ArrayBuffer the addon filled from a worker's
// queue; JavaScript owns it) into packets, flow events and flow records.
// Record layout (little-endian, 8-byte aligned): u32 size, u16 type, u16 0, then
//   packet (1): node_pcap's 16-byte header (tv_sec, tv_usec, caplen, len),
//               u64 ts_ns, u64 frame number, the frame (caplen bytes)
//   event  (2): see src/addon.cc OnFlow (176 fixed bytes, then DATA bytes; or,
//               byte 7 set, a reference to them in the last packet record of
//               the same queue: u32 offset in its frame, u32 0, u64 its frame
//               number; that record may be in an earlier batch)
//   flow   (3): a flow record's numbers in binary (src/addon.cc flow_record()),
//               built here into the object JSON.parse gives for the library's
//               JSON flow record (ft_format_flow_json(): flowRecord() follows
//               its field rules; test/flows.test.js holds the two equal)
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

// The session snapshot carried by an event. With a cache (a Map per
// pipeline), a session keeps one object, updated by each of its events (its
// addresses are formatted once); it leaves the cache with its end event.
function flowOf(dv, u8, o, cache) {
    if (cache) {
        const id = u64(dv, o + 32);
        let f = cache.get(id);
        if (f === undefined) {
            f = freshFlow(dv, u8, o);
            cache.set(id, f);
        } else {
            f.state = STATE_NAMES[u8[o + 11]] || null;
            f.close = CLOSE_NAMES[u8[o + 12]] || null;
            f.last = u64(dv, o + 56) / 1e9;
            const connect = i64(dv, o + 64), rtt = i64(dv, o + 72);
            f.connect_ms = connect < 0 ? null : connect / 1e6;
            f.rtt_ms = rtt < 0 ? null : rtt / 1e6;
            setCounters(f.send, dv, o + 112);
            setCounters(f.recv, dv, o + 144);
        }
        if (u8[o + 8] === 7) cache.delete(id);
        return f;
    }
    return freshFlow(dv, u8, o);
}

function setCounters(c, dv, p) {
    c.packets = u64(dv, p);
    c.bytes = u64(dv, p + 8);
    c.retransmits = u64(dv, p + 16);
    c.missed = u64(dv, p + 24);
}

// The IP protocol as the JSON contract names it ("tcp", "udp", ... or the number).
const PROTO_NAMES = { 6: "tcp", 17: "udp", 1: "icmp", 58: "icmp6", 132: "sctp" };

function freshFlow(dv, u8, o) {
    const v = u8[o + 10];
    const ip = v === 6 ? addr.ipv6 : addr.ipv4;
    const counters = (p) => ({
        packets: u64(dv, p), bytes: u64(dv, p + 8), retransmits: u64(dv, p + 16), missed: u64(dv, p + 24),
    });
    const connect = i64(dv, o + 64), rtt = i64(dv, o + 72);
    return {
        id: u64(dv, o + 32),
        proto: PROTO_NAMES[u8[o + 6]] || u8[o + 6],
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

// One tracker event: type, dir ("send"/"recv"), ts (seconds), ts_ns (BigInt,
// computed when read), len, seq, data (DATA: a Buffer JavaScript owns), flow.
// data is a view into the batch, made when first read (most events' payload
// is never looked at).
class FlowEvent {
    constructor(ab, dv, u8, o, cache, frame) {
        this.type = EVENT_NAMES[u8[o + 8]] || "unknown";
        this.dir = DIRS[u8[o + 9] & 1];
        this.ts = u64(dv, o + 40) / 1e9;
        this.len = dv.getUint32(o + 20, true);
        this.seq = dv.getUint32(o + 24, true);
        this.flow = flowOf(dv, u8, o, cache);
        this._dv = dv;
        this._o = o;
        this._data = undefined;
        if (u8[o + 7] & 1) {
            if (!frame || frame.ab === null || u64(dv, o + 184) !== frame.n)
                throw new Error(`flowtap: corrupt batch: event at ${o} refers to a frame not seen`);
            this._dab = frame.ab;
            this._doff = frame.o + 40 + dv.getUint32(o + 176, true);
        } else {
            this._dab = ab;
            this._doff = o + 176;
        }
    }
    get data() {
        if (this._data === undefined) {
            const dlen = this._dv.getUint32(this._o + 28, true);
            this._data = dlen ? Buffer.from(this._dab, this._doff, dlen) : null;
        }
        return this._data;
    }
    set data(v) { this._data = v; }
    get ts_ns() { return this._dv.getBigUint64(this._o + 40, true); }
}
function eventOf(ab, dv, u8, o, cache, frame) {
    return new FlowEvent(ab, dv, u8, o, cache, frame);
}

// The last packet record of one worker's queue, carried from batch to batch
// (a DATA event may refer to its frame's bytes): one per worker.
function newFrameRef() {
    return { ab: null, o: 0, n: -1 };
}

function dirRecord(dv, u8, o, d, tcp) {
    const c = o + 16 + 48 * d;
    const r = { packets: u64(dv, c), bytes: u64(dv, c + 8), octets: u64(dv, c + 16) };
    if (!tcp) return r;
    r.retransmits = u64(dv, c + 24);
    r.missed = u64(dv, c + 32);
    const cut = u64(dv, c + 40), mss = dv.getUint16(o + 216 + 2 * d, true);
    if (cut) r.cut = cut;
    if (mss) r.mss = mss;
    if (u8[o + 234 + d]) r.wscale = u8[o + 232 + d];
    const a = o + 112 + 32 * d, n = u64(dv, a + 24);
    if (n) r.ack_ms = { min: u64(dv, a) / 1000, avg: u64(dv, a + 8) / 1000, max: u64(dv, a + 16) / 1000, n };
    return r;
}

// A capture timestamp as the JSON writes it: microseconds (an exact integer
// here, so the division rounds as JSON.parse does the decimal), or with
// nanosecond captures the decimal text itself.
function tsRecord(dv, o, digits) {
    if (digits !== 9) return u64(dv, o) / 1e6;
    const ns = dv.getBigUint64(o, true);
    return Number(`${ns / 1000000000n}.${String(ns % 1000000000n).padStart(9, "0")}`);
}

// The state and close reason names are the library's (binding.js: from
// ft_tcp_state_name() and ft_close_name()).
let NAMES = null;
function flowRecord(dv, u8, o) {
    if (NAMES === null) NAMES = require("./binding").names();
    const proto = u8[o + 224], state = u8[o + 227];
    const tcp = proto === 6 && state !== 0, icmp = proto === 1 || proto === 58;
    const ports = proto === 6 || proto === 17 || proto === 132;
    const ip = u8[o + 225] === 6 ? addr.ipv6 : addr.ipv4;
    const r = { type: "flow", proto: PROTO_NAMES[proto] || proto, src: ip(u8, o + 240) };
    if (ports) r.sport = dv.getUint16(o + 208, true);
    r.dst = ip(u8, o + 256);
    if (ports) r.dport = dv.getUint16(o + 210, true);
    if (icmp) {
        r.icmp_type = u8[o + 222];
        r.icmp_code = u8[o + 223];
        if (u8[o + 230]) r.icmp_id = dv.getUint16(o + 220, true);
    }
    const nv = u8[o + 226];
    if (nv) r.vlan = nv > 1 ? [dv.getUint16(o + 212, true), dv.getUint16(o + 214, true)] : [dv.getUint16(o + 212, true)];
    r.first = tsRecord(dv, o + 192, u8[o + 231]);
    r.last = tsRecord(dv, o + 200, u8[o + 231]);
    if (tcp) r.state = NAMES.states[Math.min(state, NAMES.states.length - 1)];
    r.close = NAMES.closes[Math.min(u8[o + 228], NAMES.closes.length - 1)];
    if (tcp) r.midstream = u8[o + 229] !== 0;
    r.send = dirRecord(dv, u8, o, 0, tcp);
    r.recv = dirRecord(dv, u8, o, 1, tcp);
    const connect = i64(dv, o + 176), rtt = i64(dv, o + 184), ignored = dv.getUint32(o + 236, true);
    if (connect >= 0) r.connect_ms = connect / 1000;
    if (rtt >= 0) r.rtt_ms = rtt / 1000;
    if (ignored > 0) r.rst_ignored = ignored;
    r.community_id = String.fromCharCode.apply(null, u8.subarray(o + 273, o + 273 + u8[o + 272]));
    r.id = u64(dv, o + 8);
    return r;
}

// Calls sink.packet(o, caplen) / sink.event(ev) / sink.flow(record) in record order.
// cache: optional Map for flowOf(); frame: the queue's newFrameRef() (needed
// when the batches hold packet records and DATA events).
function parse(ab, sink, cache, frame) {
    const dv = new DataView(ab);
    const u8 = new Uint8Array(ab);
    const end = ab.byteLength;
    let o = 0;
    while (o + 8 <= end) {
        const size = dv.getUint32(o, true);
        const type = dv.getUint16(o + 4, true);
        if (size < 8 || o + size > end) throw new Error(`flowtap: corrupt batch record at ${o}`);
        if (type === 1) {
            if (frame) {
                frame.ab = ab;
                frame.o = o;
                frame.n = u64(dv, o + 32);
            }
            sink.packet(o, dv.getUint32(o + 16, true));
        } else if (type === 2) sink.event(eventOf(ab, dv, u8, o, cache, frame));
        else if (type === 3) sink.flow(flowRecord(dv, u8, o));
        o += size;
    }
}

module.exports = { parse, eventOf, flowRecord, newFrameRef, u64, EVENT_NAMES, STATE_NAMES };
