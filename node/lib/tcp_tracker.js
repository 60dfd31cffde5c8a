// tcp_tracker.js - node_pcap's TCPTracker / TCPSession, driven by flowtap's
// tracker (the C side, on the workers): the events are computed there, for
// IPv4 and IPv6, and ride along with each frame (packet._ft_events);
// track_packet(packet) replays them in order. So:
// - 'session' is emitted on the tracker before any event of the session
//   (node_pcap emitted it after the first packet's data, and lost that data);
// - 'data send' / 'data recv' carry each payload byte once, in sequence order
//   (reassembled), in Buffers JavaScript owns (never overwritten);
// - 'reset' fires for a RST in any state, with the direction of its sender;
// - 'end' fires for every session (FIN, RST, idle timeout, end of the file),
//   and the session is then deleted from tracker.sessions;
// - 'retransmit' (session, dir, seq+len) fires for segments whose bytes had
//   all been seen; 'gap' (session, dir, bytes) for bytes never captured.
// A packet that did not come from a flowtap session carries no events and is
// ignored, and so are the events of flows of other protocols (UDP, ICMP, ...:
// flowtap tracks them, node_pcap's TCPTracker did not; see Pipeline).
"use strict";
const { EventEmitter } = require("events");

const STATE = { SYN_SENT: "SYN_SENT", SYN_RCVD: "SYN_RCVD", ESTABLISHED: "ESTAB", FIN_WAIT: "FIN_WAIT",
    CLOSE_WAIT: "CLOSE_WAIT", CLOSING: "CLOSING", LAST_ACK: "LAST_ACK", CLOSED: "CLOSED" };

function endpoint(ip, v, port) {
    return v === 6 ? "[" + ip + "]:" + port : ip + ":" + port;
}

class TCPSession extends EventEmitter {
    constructor(flow) {
        super();
        this.src = endpoint(flow.src, flow.ip_v, flow.sport);
        this.dst = endpoint(flow.dst, flow.ip_v, flow.dport);
        this.src_name = this.src;
        this.dst_name = this.dst;
        this.state = null;
        this._state = null;
        this.current_cap_time = null;
        this.syn_time = flow.first;
        this.missed_syn = flow.midstream ? true : null;
        this.connect_time = null;
        this.close_time = null;
        this.send_isn = null; // not kept by flowtap's tracker
        this.recv_isn = null;
        this.send_packets = {}; this.recv_packets = {};
        this.send_acks = {}; this.recv_acks = {};
        this.send_retrans = {}; this.recv_retrans = {};
        this.send_bytes_payload = 0;
        this.recv_bytes_payload = 0;
        this.send_retransmits = 0;
        this.recv_retransmits = 0;
        this.close = null; // flowtap: "fin", "rst", "timeout", "eof", "evicted"
        this.flow = flow;  // flowtap: the tracker's latest snapshot (counters, rtt_ms, ...)
    }

    _update(flow, ts) {
        this.flow = flow;
        this.current_cap_time = ts;
        if (this._state !== flow.state) {
            this._state = flow.state;
            this.state = STATE[flow.state] || flow.state;
        }
        if (this.connect_time === null && flow.connect_ms !== null) this.connect_time = this.syn_time + flow.connect_ms / 1e3;
    }

    session_stats() {
        const f = this.flow;
        return {
            recv_times: {}, send_times: {},
            send_retrans: this.send_retrans, recv_retrans: this.recv_retrans,
            connect_duration: this.connect_time === null ? null : this.connect_time - this.syn_time,
            total_time: (this.close_time === null ? f.last : this.close_time) - this.syn_time,
            send_overhead: null, recv_overhead: null,
            send_payload: this.send_bytes_payload, recv_payload: this.recv_bytes_payload,
            send_total: null, recv_total: null,
            rtt_ms: f.rtt_ms, send_missed: f.send.missed, recv_missed: f.recv.missed,
        };
    }
}

class TCPTracker extends EventEmitter {
    constructor() {
        super();
        this.sessions = {};
        this._byId = new Map();
    }

    track_packet(packet) {
        if (!packet) return;
        if (packet._ft_session) packet._ft_session._adoptTracker(this);
        const evs = packet._ft_events;
        if (evs) for (let i = 0; i < evs.length; i++) this._event(evs[i]);
    }

    // One event of flowtap's tracker.
    _event(ev) {
        const f = ev.flow;
        if (f.proto !== "tcp") return; // node_pcap's tracker is TCP's; UDP/ICMP flows: Pipeline
        let s = this._byId.get(f.id);
        if (s === undefined) {
            s = new TCPSession(f);
            s._key = String(f.id);
            this.sessions[s._key] = s;
            this._byId.set(f.id, s);
            s._update(f, ev.ts);
            this.emit("session", s);
        } else {
            s._update(f, ev.ts);
        }
        switch (ev.type) {
        case "start":
            if (!f.midstream) s.emit("start", s);
            break;
        case "data":
            // (The payload's Buffer is made only for a listener.)
            if (ev.dir === "send") {
                s.send_bytes_payload += ev.len;
                if (s.listenerCount("data send") > 0) s.emit("data send", s, ev.data);
            } else {
                s.recv_bytes_payload += ev.len;
                if (s.listenerCount("data recv") > 0) s.emit("data recv", s, ev.data);
            }
            break;
        case "retransmit": {
            const k = (ev.seq + ev.len) >>> 0;
            const m = ev.dir === "send" ? s.send_retrans : s.recv_retrans;
            m[k] = (m[k] || 0) + 1;
            if (ev.dir === "send") s.send_retransmits++;
            else s.recv_retransmits++;
            s.emit("retransmit", s, ev.dir, k);
            break;
        }
        case "gap":
            s.emit("gap", s, ev.dir, ev.len);
            break;
        case "reset":
            s.emit("reset", s, ev.dir);
            break;
        case "syn retry":
            s.emit("syn retry", s);
            break;
        case "end":
            s.close = f.close;
            s.close_time = f.last;
            s.state = "CLOSED";
            delete this.sessions[s._key];
            this._byId.delete(f.id);
            s.emit("end", s);
            break;
        default:
            break;
        }
    }
}

module.exports = { TCPTracker, TCPSession };
