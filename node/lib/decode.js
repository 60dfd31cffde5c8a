// decode.js - node_pcap's decoders: decode.packet(raw) -> PcapPacket with
// node_pcap's layer classes and field names (pcap_header, payload ->
// EthernetPacket -> payload IPv4/IPv6 -> payload TCP/UDP/...).
//
// Differences from node_pcap (README): every read is bounds-checked (a short
// or malformed layer gets an `_error` string and no payload; nothing throws);
// unknown TCP options are skipped by their length; IPv4 non-first fragments
// are not decoded as TCP/UDP; IPv6 uses its payload length and walks its
// extension headers (Fragment too); ICMPv6 is decoded; 802.1ad/QinQ tags are
// read (vlan = outer tag, vlans = all); IPv6 addresses print in RFC 5952 form;
// nothing is written to the console.
"use strict";
const addr = require("./addr");

class EthernetAddr {
    constructor(b, o) { this._b = b; this._o = o; }
    get addr() { return Array.from(this._b.subarray(this._o, this._o + 6)); }
    toString() { return addr.mac(this._b, this._o); }
}
class IPv4Addr {
    constructor(b, o) { this._b = b; this._o = o; }
    get addr() { return Array.from(this._b.subarray(this._o, this._o + 4)); }
    toString() { return addr.ipv4(this._b, this._o); }
}
class IPv6Addr {
    constructor(b, o) { this._b = b; this._o = o; }
    get addr() { return Array.from(this._b.subarray(this._o, this._o + 16)); }
    toString() { return addr.ipv6(this._b, this._o); }
}

function emitTo(emitter, name, layer) {
    if (emitter) emitter.emit(name, layer);
}

// ---- transport ----

class TCPFlags {
    constructor(f) {
        this.nonce = !!(f & 0x100); this.cwr = !!(f & 0x80); this.ece = !!(f & 0x40);
        this.urg = !!(f & 0x20); this.ack = !!(f & 0x10); this.psh = !!(f & 0x08);
        this.rst = !!(f & 0x04); this.syn = !!(f & 0x02); this.fin = !!(f & 0x01);
    }
    toString() {
        return "[" + (this.cwr ? "c" : "") + (this.ece ? "e" : "") + (this.urg ? "u" : "") +
            (this.ack ? "a" : "") + (this.psh ? "p" : "") + (this.rst ? "r" : "") +
            (this.syn ? "s" : "") + (this.fin ? "f" : "") + "]";
    }
}

class TCPOptions {
    constructor() {
        this.mss = null; this.window_scale = null; this.sack_ok = null; this.sack = null;
        this.timestamp = null; this.echo = null;
    }
    decode(b, o, end) {
        while (o < end) {
            const kind = b[o];
            if (kind === 0) break;
            if (kind === 1) { o++; continue; }
            if (o + 1 >= end) break;
            const len = b[o + 1];
            if (len < 2 || o + len > end) break; // malformed: stop, keep what was read
            if (kind === 2 && len === 4) this.mss = b.readUInt16BE(o + 2);
            else if (kind === 3 && len === 3) this.window_scale = b[o + 2];
            else if (kind === 4) this.sack_ok = true;
            else if (kind === 5 && (len - 2) % 8 === 0) {
                this.sack = [];
                for (let p = o + 2; p + 8 <= o + len; p += 8)
                    this.sack.push([b.readUInt32BE(p), b.readUInt32BE(p + 4)]);
            } else if (kind === 8 && len === 10) {
                this.timestamp = b.readUInt32BE(o + 2);
                this.echo = b.readUInt32BE(o + 6);
            }
            o += len; // any other kind is skipped by its length
        }
        return this;
    }
    toString() {
        let s = "";
        if (this.mss !== null) s += "mss:" + this.mss + " ";
        if (this.window_scale !== null) s += "scale:" + this.window_scale + "(" + Math.pow(2, this.window_scale) + ") ";
        if (this.sack_ok) s += "sack_ok ";
        if (this.sack) s += "sack:" + this.sack.map((x) => x.join(",")).join(" ") + " ";
        if (this.timestamp !== null) s += "ts:" + this.timestamp + "," + this.echo + " ";
        return s.length ? "[" + s.trim() + "]" : "[.]";
    }
}

class TCP {
    constructor(emitter) { this.emitter = emitter; this._error = undefined; }
    decode(b, o, len) {
        this.decoderName = "tcp";
        this.eventsOnDecode = true;
        const end = Math.min(b.length, o + len);
        if (end - o < 20) { this._error = "truncated"; this._data = null; this._options = new TCPOptions(); this.dataLength = 0; return this; }
        this.sport = b.readUInt16BE(o);
        this.dport = b.readUInt16BE(o + 2);
        this.seqno = b.readUInt32BE(o + 4);
        this.ackno = b.readUInt32BE(o + 8);
        this.headerLength = (b[o + 12] >> 4) * 4;
        this._b = b;
        this._o = o;
        this._flags = undefined;
        this._options = undefined;
        this._data = undefined;
        this.windowSize = b.readUInt16BE(o + 14);
        this.checksum = b.readUInt16BE(o + 16);
        this.urgentPointer = b.readUInt16BE(o + 18);
        this._end = end;
        if (this.headerLength < 20 || this.headerLength > len) {
            this._error = "malformed";
            this._options = new TCPOptions();
            this.dataLength = 0;
            this._data = null;
            return this;
        }
        this.dataLength = len - this.headerLength;
        if (this.emitter) emitTo(this.emitter, "tcp", this);
        return this;
    }
    // Decoded when first read (most consumers never look at them).
    get flags() {
        if (this._flags === undefined) {
            const b = this._b;
            this._flags = b ? new TCPFlags(((b[this._o + 12] & 1) << 8) | b[this._o + 13]) : new TCPFlags(0);
        }
        return this._flags;
    }
    set flags(v) { this._flags = v; }
    get options() {
        if (this._options === undefined)
            this._options = new TCPOptions().decode(this._b, this._o + 20, Math.min(this._end, this._o + this.headerLength));
        return this._options;
    }
    set options(v) { this._options = v; }
    get data() {
        if (this._data === undefined) {
            const dstart = this._o + this.headerLength;
            this._data = this.dataLength > 0 && dstart < this._end
                ? this._b.subarray(dstart, Math.min(this._end, dstart + this.dataLength)) : null;
        }
        return this._data;
    }
    set data(v) { this._data = v; }
    toString() {
        return this.sport + "->" + this.dport + " seq " + this.seqno + " ack " + this.ackno + " flags " +
            this.flags + " win " + this.windowSize + " csum " + this.checksum + " " + this.options +
            " len " + this.dataLength;
    }
}

class UDP {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o, len) {
        this.decoderName = "udp";
        this.eventsOnDecode = true;
        const end = Math.min(b.length, o + len);
        if (end - o < 8) { this._error = "truncated"; this.data = null; return this; }
        this.sport = b.readUInt16BE(o);
        this.dport = b.readUInt16BE(o + 2);
        this.length = b.readUInt16BE(o + 4);
        this.checksum = b.readUInt16BE(o + 6);
        const dl = Math.max(0, Math.min(this.length, len) - 8);
        this.data = b.subarray(o + 8, Math.min(end, o + 8 + dl));
        if (this.emitter) emitTo(this.emitter, "udp", this);
        return this;
    }
    toString() { return "UDP " + this.sport + "->" + this.dport + " len " + this.length; }
}

const ICMP_NAMES = { 0: "Echo Reply", 3: "Destination Unreachable", 4: "Source Quench", 5: "Redirect",
    8: "Echo Request", 11: "Time Exceeded" };
class ICMP {
    constructor(emitter, v6) { this.emitter = emitter; this._v6 = !!v6; }
    decode(b, o, len) {
        this.decoderName = this._v6 ? "icmp6" : "icmp";
        this.eventsOnDecode = true;
        const end = Math.min(b.length, o + len);
        if (end - o < 4) { this._error = "truncated"; return this; }
        this.type = b[o];
        this.code = b[o + 1];
        this.checksum = b.readUInt16BE(o + 2);
        const echo = this._v6 ? (this.type === 128 || this.type === 129) : (this.type === 0 || this.type === 8);
        if (echo && end - o >= 8) {
            this.id = b.readUInt16BE(o + 4);
            this.seq = b.readUInt16BE(o + 6);
        }
        if (this.emitter) emitTo(this.emitter, this.decoderName, this);
        return this;
    }
    toString() {
        if (this._v6) return "ICMPv6 type " + this.type + " code " + this.code;
        return ICMP_NAMES[this.type] || ("type " + this.type + " code " + this.code);
    }
}

// ---- network ----

function transport(proto, emitter, b, o, len, owner) {
    let d = null;
    if (proto === 6) d = new TCP(emitter);
    else if (proto === 17) d = new UDP(emitter);
    else if (proto === 1) d = new ICMP(emitter, false);
    else if (proto === 58) d = new ICMP(emitter, true);
    else if (proto === 4) d = new IPv4(emitter);
    else if (proto === 41) d = new IPv6(emitter);
    if (!d) { owner.protocolName = "Unknown"; return null; }
    return d.decode(b, o, len);
}

class IPFlags {
    constructor(v) { this.reserved = !!(v & 4); this.doNotFragment = !!(v & 2); this.moreFragments = !!(v & 1); }
    toString() { return "[" + (this.reserved ? "r" : "") + (this.doNotFragment ? "d" : "") + (this.moreFragments ? "m" : "") + "]"; }
}

class IPv4 {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o) {
        this.decoderName = "ipv4";
        this.eventsOnDecode = true;
        this.payload = null;
        if (b.length - o < 20) { this._error = "truncated"; return this; }
        this.version = b[o] >> 4;
        this.headerLength = (b[o] & 15) * 4;
        this.diffserv = b[o + 1];
        this.length = b.readUInt16BE(o + 2);
        this.identification = b.readUInt16BE(o + 4);
        const fo = b.readUInt16BE(o + 6);
        this._fo = fo;
        this._b = b;
        this._o = o;
        this._flags = this._saddr = this._daddr = undefined;
        this.fragmentOffset = (fo & 0x1fff) * 8;
        this.ttl = b[o + 8];
        this.protocol = b[o + 9];
        this.headerChecksum = b.readUInt16BE(o + 10);
        if (this.version !== 4 || this.headerLength < 20 || this.length < this.headerLength) {
            this._error = "malformed";
            return this;
        }
        if (this.fragmentOffset !== 0) return this; // a later fragment: no transport header here
        this.payload = transport(this.protocol, this.emitter, b, o + this.headerLength, this.length - this.headerLength, this);
        if (this.emitter) emitTo(this.emitter, "ipv4", this);
        return this;
    }
    // Made when first read.
    get flags() { return this._flags || (this._flags = new IPFlags((this._fo || 0) >> 13)); }
    set flags(v) { this._flags = v; }
    get saddr() { return this._saddr || (this._saddr = this._b ? new IPv4Addr(this._b, this._o + 12) : undefined); }
    set saddr(v) { this._saddr = v; }
    get daddr() { return this._daddr || (this._daddr = this._b ? new IPv4Addr(this._b, this._o + 16) : undefined); }
    set daddr(v) { this._daddr = v; }
    toString() {
        let s = this.saddr + " -> " + this.daddr + " ";
        if (this.flags && (this.flags.moreFragments || this.flags.doNotFragment || this.flags.reserved)) s += "flags " + this.flags + " ";
        return s + (this.payload ? this.payload.constructor.name + " " + this.payload : "proto " + this.protocol);
    }
}

const EXT_HEADERS = new Set([0, 43, 60, 51, 135, 139, 140]);

class HeaderExtension {
    decode(b, o, len, proto, emitter) {
        this.decoderName = "ipv6-ext";
        if (len < 8 || b.length - o < 8) { this._error = "truncated"; this.payload = null; return this; }
        this.nextHeader = b[o];
        this.headerLength = proto === 51 ? (b[o + 1] + 2) * 4 : proto === 44 ? 8 : (b[o + 1] + 1) * 8;
        if (proto === 44) {
            this.fragmentOffset = b.readUInt16BE(o + 2) & 0xfff8;
            this.moreFragments = !!(b[o + 3] & 1);
            this.identification = b.readUInt32BE(o + 4);
        }
        if (this.headerLength > len) { this._error = "malformed"; this.payload = null; return this; }
        if (proto === 44 && this.fragmentOffset !== 0) { this.payload = null; return this; }
        this.payload = ipv6Next(this.nextHeader, emitter, b, o + this.headerLength, len - this.headerLength, this);
        return this;
    }
    toString() { return this.payload ? this.payload.constructor.name + " " + this.payload : "proto " + this.nextHeader; }
}

function ipv6Next(nh, emitter, b, o, len, owner) {
    if (EXT_HEADERS.has(nh) || nh === 44) return new HeaderExtension().decode(b, o, len, nh, emitter);
    if (nh === 59) return null;
    return transport(nh, emitter, b, o, len, owner);
}

class IPv6 {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o) {
        this.decoderName = "ipv6";
        this.eventsOnDecode = true;
        this.payload = null;
        if (b.length - o < 40) { this._error = "truncated"; return this; }
        const w = b.readUInt32BE(o);
        this.version = w >>> 28;
        this.trafficClass = (w >>> 20) & 0xff;
        this.flowLabel = w & 0xfffff;
        this.payloadLength = b.readUInt16BE(o + 4);
        this.nextHeader = b[o + 6];
        this.hopLimit = b[o + 7];
        this._b = b;
        this._o = o;
        this._saddr = this._daddr = undefined;
        if (this.version !== 6) { this._error = "malformed"; return this; }
        this.payload = ipv6Next(this.nextHeader, this.emitter, b, o + 40, this.payloadLength, this);
        if (this.emitter) emitTo(this.emitter, "ipv6", this);
        return this;
    }
    // Made when first read.
    get saddr() { return this._saddr || (this._saddr = this._b ? new IPv6Addr(this._b, this._o + 8) : undefined); }
    set saddr(v) { this._saddr = v; }
    get daddr() { return this._daddr || (this._daddr = this._b ? new IPv6Addr(this._b, this._o + 24) : undefined); }
    set daddr(v) { this._daddr = v; }
    toString() {
        return this.saddr + " -> " + this.daddr + " " +
            (this.payload ? this.payload.constructor.name + " " + this.payload : "proto " + this.nextHeader);
    }
}

class Arp {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o) {
        this.decoderName = "arp";
        this.eventsOnDecode = true;
        if (b.length - o < 8) { this._error = "truncated"; return this; }
        this.htype = b.readUInt16BE(o);
        this.ptype = b.readUInt16BE(o + 2);
        this.hlen = b[o + 4];
        this.plen = b[o + 5];
        this.operation = b.readUInt16BE(o + 6);
        if (this.hlen === 6 && this.plen === 4) {
            if (b.length - o < 28) { this._error = "truncated"; return this; }
            this.sender_ha = new EthernetAddr(b, o + 8);
            this.sender_pa = new IPv4Addr(b, o + 14);
            this.target_ha = new EthernetAddr(b, o + 18);
            this.target_pa = new IPv4Addr(b, o + 24);
        }
        if (this.emitter) emitTo(this.emitter, "arp", this);
        return this;
    }
    toString() {
        const op = this.operation === 1 ? "request" : this.operation === 2 ? "reply" : "unknown";
        return this.sender_ha ? op + " sender " + this.sender_ha + " " + this.sender_pa + " target " +
            this.target_ha + " " + this.target_pa : op;
    }
}

function network(type, emitter, b, o, owner) {
    if (type === 0x0800) return new IPv4(emitter).decode(b, o);
    if (type === 0x86dd) return new IPv6(emitter).decode(b, o);
    if (type === 0x0806) return new Arp(emitter).decode(b, o);
    owner._error = owner._error || ("unsupported ethertype " + type);
    return null;
}

// ---- link ----

class Vlan {
    decode(b, o) {
        this.decoderName = "vlan";
        const t = b.readUInt16BE(o);
        this.priority = t >> 13;
        this.canonical_format = (t >> 12) & 1;
        this.id = t & 0xfff;
        return this;
    }
    toString() { return this.priority + " " + this.canonical_format + " " + this.id; }
}

const ETHER_NAMES = { 0x0800: "IPv4", 0x0806: "ARP", 0x86dd: "IPv6" };

class EthernetPacket {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o) {
        this.decoderName = "ethernet-packet";
        this.eventsOnDecode = false;
        this.vlan = null;
        this.payload = null;
        if (b.length - o < 14) { this._error = "truncated"; return this; }
        this._b = b;
        this._o = o;
        this._dhost = this._shost = undefined;
        let type = b.readUInt16BE(o + 12);
        o += 14;
        while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
            if (b.length - o < 4) { this._error = "truncated"; this.ethertype = type; return this; }
            const v = new Vlan().decode(b, o);
            if (!this.vlan) { this.vlan = v; this.vlans = []; }
            this.vlans.push(v);
            type = b.readUInt16BE(o + 2);
            o += 4;
        }
        this.ethertype = type < 1536 ? 0 : type;
        if (this.ethertype) this.payload = network(type, this.emitter, b, o, this);
        return this;
    }
    // Made when first read.
    get dhost() { return this._dhost || (this._dhost = this._b ? new EthernetAddr(this._b, this._o) : undefined); }
    set dhost(v) { this._dhost = v; }
    get shost() { return this._shost || (this._shost = this._b ? new EthernetAddr(this._b, this._o + 6) : undefined); }
    set shost(v) { this._shost = v; }
    toString() {
        let s = this.shost + " -> " + this.dhost;
        if (this.vlan) s += " vlan " + this.vlan;
        s += " " + (ETHER_NAMES[this.ethertype] || "ethertype " + this.ethertype);
        return this.payload ? s + " " + this.payload : s;
    }
}

const SLL_TYPES = ["recv_us", "broadcast", "multicast", "remote_remote", "sent_us"];
class SLLPacket {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o) {
        this.decoderName = "sll-packet";
        this.payload = null;
        if (b.length - o < 16) { this._error = "truncated"; return this; }
        this.packet_type = b.readUInt16BE(o);
        this.address_type = b.readUInt16BE(o + 2);
        this.address_len = b.readUInt16BE(o + 4);
        this.address = b.subarray(o + 6, o + 6 + Math.min(8, this.address_len));
        const type = b.readUInt16BE(o + 14);
        this.ethertype = type < 1536 ? 0 : type;
        if (this.ethertype) this.payload = network(type, this.emitter, b, o + 16, this);
        return this;
    }
    toString() {
        return (SLL_TYPES[this.packet_type] || "type " + this.packet_type) + " addrtype " + this.address_type + " " +
            Array.from(this.address, (x) => (x < 16 ? "0" : "") + x.toString(16)).join(":") + " " +
            (ETHER_NAMES[this.ethertype] || "ethertype " + this.ethertype) + (this.payload ? " " + this.payload : "");
    }
}

class NullPacket {
    constructor(emitter) { this.emitter = emitter; }
    decode(b, o) {
        this.decoderName = "null-packet";
        this.payload = null;
        if (b.length - o < 4) { this._error = "truncated"; return this; }
        this.pftype = b[o] === 0 && b[o + 1] === 0 ? b[o + 3] : b[o];
        if (this.pftype === 2) this.payload = new IPv4(this.emitter).decode(b, o + 4);
        else if ([10, 24, 28, 30].includes(this.pftype)) this.payload = new IPv6(this.emitter).decode(b, o + 4);
        else this._error = "unknown protocol family " + this.pftype;
        return this;
    }
    toString() { return this.pftype + " " + this.payload; }
}

function rawIp(emitter, b, o) {
    if (b.length - o < 1) return null;
    const v = b[o] >> 4;
    if (v === 4) return new IPv4(emitter).decode(b, o);
    if (v === 6) return new IPv6(emitter).decode(b, o);
    return null;
}

// A frame as the session hands it out ({buf, header, link_type}): buf and
// header are views into the batch (JavaScript owns it), made when first read.
class RawPacket {
    constructor(ab, o, caplen, link_type, session) {
        this._ab = ab;
        this._o = o;
        this._caplen = caplen;
        this.link_type = link_type;
        this._ft_events = null;
        this._ft_session = session;
        this._buf = undefined;
        this._hdr = undefined;
    }
    get buf() { return this._buf || (this._buf = Buffer.from(this._ab, this._o + 40, this._caplen)); }
    set buf(v) { this._buf = v; }
    get header() { return this._hdr || (this._hdr = Buffer.from(this._ab, this._o + 8, 16)); }
    set header(v) { this._hdr = v; }
}

// decode.packet(raw). For a RawPacket (whose bytes nothing overwrites) and
// no emitter, the layers are decoded when pcap_header or payload is first
// read, as gopacket's Lazy option does: a program that only hands packets to
// TCPTracker never pays for them. A plain {buf, header} (perhaps a buffer the
// caller reuses) and a decode with an emitter (its events fire during the
// decode) are decoded at once.
class PcapPacket {
    constructor(emitter) { this.emitter = emitter; }
    decode(raw) {
        this.link_type = raw.link_type;
        // flowtap: the tracker's events for this frame ride along to TCPTracker.
        this._ft_events = raw._ft_events || null;
        this._ft_session = raw._ft_session || null;
        this._raw = null;
        if (raw instanceof RawPacket && !this.emitter) this._raw = raw;
        else this._layers(raw);
        return this;
    }
    _layers(raw) {
        const h = raw.header;
        this._raw = null;
        this._ph = {
            tv_sec: h.readUInt32LE(0), tv_usec: h.readUInt32LE(4), caplen: h.readUInt32LE(8), len: h.readUInt32LE(12),
        };
        const b = raw.buf.length > this._ph.caplen ? raw.buf.subarray(0, this._ph.caplen) : raw.buf;
        this._payload = null;
        switch (this.link_type) {
        case "LINKTYPE_ETHERNET": this._payload = new EthernetPacket(this.emitter).decode(b, 0); break;
        case "LINKTYPE_NULL": this._payload = new NullPacket(this.emitter).decode(b, 0); break;
        case "LINKTYPE_RAW": this._payload = rawIp(this.emitter, b, 0); break;
        case "LINKTYPE_LINUX_SLL": this._payload = new SLLPacket(this.emitter).decode(b, 0); break;
        default: this._err = "unsupported link type " + this.link_type;
        }
    }
    get pcap_header() { if (this._raw) this._layers(this._raw); return this._ph; }
    set pcap_header(v) { if (this._raw) this._layers(this._raw); this._ph = v; }
    get payload() { if (this._raw) this._layers(this._raw); return this._payload; }
    set payload(v) { if (this._raw) this._layers(this._raw); this._payload = v; }
    get _error() { if (this._raw) this._layers(this._raw); return this._err; }
    set _error(v) { this._err = v; }
    toJSON() {
        return { link_type: this.link_type, pcap_header: this.pcap_header, payload: this.payload };
    }
    [require("util").inspect.custom](depth, opts, inspect) {
        return "PcapPacket " + inspect(this.toJSON(), opts);
    }
    toString() { return this.link_type + " " + this.payload; }
}

function decode(raw, emitter, options) {
    return new PcapPacket(emitter).decode(raw, options);
}
decode.packet = decode;

const LINK_TYPES = { 0: "LINKTYPE_NULL", 1: "LINKTYPE_ETHERNET", 12: "LINKTYPE_RAW", 14: "LINKTYPE_RAW",
    101: "LINKTYPE_RAW", 228: "LINKTYPE_RAW", 229: "LINKTYPE_RAW", 113: "LINKTYPE_LINUX_SLL",
    127: "LINKTYPE_IEEE802_11_RADIO" };
function linkTypeName(dlt) {
    return LINK_TYPES[dlt] || "Unknown linktype " + dlt;
}

module.exports = {
    decode, PcapPacket, RawPacket, EthernetPacket, SLLPacket, NullPacket, IPv4, IPv6, HeaderExtension, Arp, TCP, UDP, ICMP,
    Vlan, EthernetAddr, IPv4Addr, IPv6Addr, TCPFlags, TCPOptions, linkTypeName,
};
