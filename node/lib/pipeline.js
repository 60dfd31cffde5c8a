// pipeline.js - the flowtap way: one object per pipeline.
//
//   const p = new Pipeline({ file: "x.pcap", workers: 2, filter: "tcp" });
//   p.on("flow", (rec) => ...)   // the JSON contract's flow record, as an object
//   p.on("data", (flow, dir, buf, ev) => ...)   // with { data: true }: in-order payload
//   p.on("event", (ev) => ...)   // with { data: true }: every tracker event (start,
//                                // data, retransmit, gap, reset, syn retry, end), in
//                                // order per session; ev.ts_ns is a BigInt
//   p.on("stats", (st) => ...)   // every stats_interval seconds (live default 1)
//   p.on("error", (err) => ...); p.on("end", (finalStats) => ...)
//
// Options: file | device, and every ft_config field by its C name (filter,
// snaplen, promisc, monitor, buffer_size, buffer_timeout_ms, immediate, nano,
// use_mmap, workers, ring_slots, arena_bytes, batch, count, write_file,
// write_rotate_bytes, write_rotate_secs, write_file_count, stats_interval,
// decode, track, reassemble, max_flows, ooo_flow_bytes, ooo_bytes,
// timeout_syn, timeout_idle, timeout_closed, reorder_window); plus data
// (deliver payload), queue_bytes (per-worker queue to JavaScript, default
// 8 MiB) and lossless (default: true for files, false for live captures).
//
// Opening errors (missing file, bad filter, missing interface, no
// permission) throw from the constructor with the cause and err.code. The
// capture starts on the next tick, so listeners added right after the
// constructor see everything.
"use strict";
const { EventEmitter } = require("events");
const binding = require("./binding");
const records = require("./records");

const ERR_FROM_END = (end) => {
    const e = new Error(end.message || `flowtap: capture failed (${end.code})`);
    e.code = end.code;
    return e;
};

class Pipeline extends EventEmitter {
    constructor(options) {
        super();
        const o = Object.assign({}, options || {});
        const data = !!o.data;
        delete o.data;
        o.flow_records = true;
        o.flow_events = data;
        o.data = data;
        this._native = new binding.Capture(o);
        this._info = this._native.info();
        this._ended = false;
        this._failed = null;
        this._flows = new Map(); // id -> the session's flow object, updated by its events
        for (const w of this._info.warnings) this.emit("warning", w);
        const sink = {
            packet: () => {},
            event: (ev) => {
                this.emit("event", ev);
                if (ev.type === "data") this.emit("data", ev.flow, ev.dir, ev.data, ev);
            },
            flow: (rec) => this.emit("flow", rec),
        };
        this._frames = []; // per worker queue: records.newFrameRef()
        process.nextTick(() => this._native.start((kind, a, i) => this._onNative(kind, a, sink, i)));
    }

    get link() { return this._info.link; }
    get workers() { return this._info.workers; }

    _onNative(kind, a, sink, i) {
        if (kind === "end") {
            // Nothing may throw into the native callback (Node would only
            // warn): an error nobody listens for is rethrown on the next tick.
            try { this._onEnd(a); } catch (e) { process.nextTick(() => { throw e; }); }
            return;
        }
        if (this._failed) return;
        try {
            if (kind === "batch") records.parse(a, sink, this._flows, this._frames[i] || (this._frames[i] = records.newFrameRef()));
            else if (kind === "stats") this.emit("stats", a);
        } catch (err) {
            // A listener threw: stop the capture cleanly (the workers finish,
            // nothing more is delivered), then report it at the end.
            this._failed = err;
            this._native.stop(true);
        }
    }

    _onEnd(end) {
        this._ended = true;
        this._final = end.stats;
        this._native.destroy();
        const err = this._failed || (end.rc !== 0 && !this._closed ? ERR_FROM_END(end) : null);
        if (err) {
            if (this.listenerCount("error") === 0 && this._failed) throw err; // after a clean stop
            this.emit("error", err);
        }
        this.emit("end", end.stats);
    }

    // Counters now (after the end: the final, exact ones).
    stats() {
        return this._ended ? this._final : this._native.stats();
    }

    // Stop the capture; what was captured is still delivered, then 'end'
    // (live too: from here the workers wait for JavaScript instead of
    // dropping, so the final flush's flow records all arrive).
    stop() {
        if (!this._ended) this._native.stop(false);
    }

    // Stop and deliver nothing more; 'end' still follows.
    close() {
        this._closed = true;
        if (!this._ended) this._native.stop(true);
    }
}

module.exports = { Pipeline };
