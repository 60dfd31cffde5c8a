// pcap.js - node_pcap's session API on a flowtap pipeline.
//
// createSession(device, options) / createOfflineSession(path, options) open a
// pipeline (one worker by default, so 'packet' events come in capture order;
// options.workers may ask for more, and then order holds per TCP session
// only). Frames reach JavaScript in batches through a thread-safe function;
// each 'packet' gets {buf, header, link_type} where buf (caplen bytes) and
// header (node_pcap's 16 bytes) are views into that batch, made when first
// read (decode.RawPacket): JavaScript owns them and nothing overwrites them,
// so they may be kept.
//
// Reading a file never blocks the event loop (batches arrive as events) and
// loses nothing (the workers wait for JavaScript). A live capture never
// blocks its workers: what JavaScript cannot take in time is dropped and
// counted in stats().js_drop.
"use strict";
const { EventEmitter } = require("events");
const binding = require("./binding");
const records = require("./records");
const decode = require("./decode");
const { TCPTracker, TCPSession } = require("./tcp_tracker");
const { Pipeline } = require("./pipeline");

function defaultWarning(text) {
    console.warn("warning: " + text + " - this may not actually work");
}

function warn(text) {
    const h = module.exports.warningHandler;
    try {
        if (typeof h === "function") h(text);
    } catch (e) {
        // A warning handler that throws must not break the session.
    }
}

function default_device() {
    for (const d of binding.findalldevs())
        if (!d.loopback && d.addresses.some((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a.addr))) return d.name;
    return undefined;
}

class PcapSession extends EventEmitter {
    // node_pcap's positional constructor.
    constructor(is_live, device_name, filter, buffer_size, snap_length, outfile, is_monitor, buffer_timeout,
        promiscuous, extra) {
        super();
        this.is_live = !!is_live;
        this.device_name = device_name;
        this.filter = filter || "";
        this.buffer_size = buffer_size;
        this.snap_length = snap_length;
        this.outfile = outfile || "";
        this.is_monitor = !!is_monitor;
        this.buffer_timeout = buffer_timeout;
        this.promiscuous = promiscuous;
        this.empty_reads = 0;
        this.packets_read = 0;
        this.opened = false;
        this._trackers = new Set();
        this._final = null;
        this._failed = null;
        const o = {
            filter: this.filter,
            // TCPTracker takes TCP sessions only: other flows' events (a DATA
            // event per UDP datagram) would be queued and parsed for nothing.
            packets: true, flow_events: true, data: true, tcp_events_only: true,
            workers: (extra && extra.workers) || 1,
        };
        if (extra && extra.queue_bytes) o.queue_bytes = extra.queue_bytes;
        if (this.outfile) o.write_file = this.outfile;
        if (this.is_live) {
            if (!this.device_name) this.device_name = default_device();
            if (!this.device_name) throw new Error("pcap: no default device (no interface with an IPv4 address)");
            o.device = this.device_name;
            o.snaplen = Math.round(snap_length);
            o.promisc = promiscuous ? 1 : 0;
            o.buffer_size = Math.round(buffer_size);
            o.buffer_timeout_ms = Math.round(buffer_timeout);
            o.monitor = this.is_monitor ? 1 : 0;
            o.stats_interval = 0;
        } else {
            o.file = this.device_name;
        }
        this.session = new binding.Capture(o);
        const info = this.session.info();
        for (const w of info.warnings) warn(w);
        this.link_type = decode.linkTypeName(info.dlt);
        this.opened = true;
        this._start();
    }

    _adoptTracker(t) {
        this._trackers.add(t);
    }

    _start() {
        const self = this;
        let ab = null;
        let pending = null; // the packet whose tracker events are being collected
        let orphans = null; // events before the batch's first packet
        const flows = new Map(); // id -> the session's flow object (records.js)
        const frames = []; // per worker queue: records.newFrameRef()
        const flushPacket = () => {
            const p = pending;
            pending = null;
            self.packets_read++;
            self.emit("packet", p);
        };
        // Events at the start of a batch (after the previous batch's last
        // frame: timeouts, the end of the file) go to the trackers at once,
        // in order, before any frame that follows them.
        const flushOrphans = () => {
            const evs = orphans;
            orphans = null;
            for (const t of self._trackers) for (const ev of evs) t._event(ev);
        };
        const sink = {
            packet(o, caplen) {
                if (orphans) flushOrphans();
                if (pending) flushPacket();
                pending = new decode.RawPacket(ab, o, caplen, self.link_type, self);
            },
            event(ev) {
                if (pending) (pending._ft_events || (pending._ft_events = [])).push(ev);
                else (orphans || (orphans = [])).push(ev);
            },
            flow() {},
        };
        this.session.start((kind, a, i) => {
            if (kind === "end") {
                // Nothing may throw into the native callback (Node would only
                // warn): an error nobody listens for is rethrown on the next tick.
                try { this._onEnd(a); } catch (e) { process.nextTick(() => { throw e; }); }
                return;
            }
            if (kind !== "batch" || this._failed) return;
            try {
                ab = a;
                orphans = null;
                records.parse(a, sink, flows, frames[i] || (frames[i] = records.newFrameRef()));
                if (orphans) flushOrphans();
                if (pending) flushPacket();
            } catch (err) {
                // A listener threw: stop the capture cleanly, then report it.
                this._failed = err;
                this.session.stop(true);
            }
        });
    }

    _onEnd(end) {
        this._final = end.stats;
        this.session.destroy();
        const wasOpen = this.opened;
        this.opened = false;
        const err = this._failed || (end.rc !== 0 && wasOpen ? Object.assign(new Error(end.message), { code: end.code }) : null);
        if (err) {
            if (this.listenerCount("error") === 0 && this._failed) throw err; // rethrown after a clean stop
            if (this.listenerCount("error") > 0) this.emit("error", err);
            else warn(err.message);
        }
        if (wasOpen && !this.is_live) this.emit("complete");
        this.emit("end", end.stats);
    }

    // {ps_recv, ps_drop, ps_ifdrop} (+ flowtap's stages: ring_drop, js_drop, ...).
    // An offline session reports the frames read as ps_recv instead of throwing.
    stats() {
        if (this._final && !this.opened && !this.is_live) return this._final;
        if (this._final) throw new Error("pcap session already closed");
        return this.session.stats();
    }

    inject(buf) {
        if (!Buffer.isBuffer(buf)) throw new TypeError("inject(buffer): a Buffer is required");
        if (this._final) throw new Error("pcap session already closed");
        return this.session.inject(buf);
    }

    // Stops the capture and returns at once; no 'packet' is emitted after it.
    // The pipeline's threads finish in the background (at most one buffer
    // timeout on a live capture) and then nothing keeps the process alive.
    close() {
        if (!this.opened) return;
        this.opened = false;
        this.removeAllListeners("packet");
        this.removeAllListeners("complete");
        this.session.stop(true);
    }
}

function createSession(device, options) {
    if (typeof options === "string") options = { filter: options }; // node_pcap v2's (device, filter)
    options = options || {};
    return new PcapSession(true, device, options.filter || "",
        options.buffer_size !== undefined ? options.buffer_size : 10 * 1024 * 1024,
        options.snap_length !== undefined ? options.snap_length : 65535, null, !!options.monitor,
        options.buffer_timeout !== undefined ? options.buffer_timeout : 1000,
        options.promiscuous !== undefined ? !!options.promiscuous : true, options);
}

function createOfflineSession(path, options) {
    if (typeof options === "string") options = { filter: options };
    options = options || {};
    return new PcapSession(false, path, options.filter || "", 0, 65535, null, false, 0, true, options);
}

function findalldevs() {
    return binding.findalldevs();
}

module.exports = {
    createSession,
    createOfflineSession,
    PcapSession,
    Pcap: PcapSession,
    decode: decode.decode,
    decoders: decode,
    TCPTracker,
    TCPSession,
    findalldevs,
    default_device,
    lib_version: binding.lib_version,
    warningHandler: defaultWarning,
    Pipeline,
    liveNativeObjects: () => binding.liveObjects(),
};
