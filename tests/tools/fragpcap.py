#!/usr/bin/env python3
"""fragpcap.py - Ethernet captures of fragmented IP, with their truth.

  fragpcap.py good OUT.pcap     UDP datagrams over IPv4 and IPv6 (some behind
                                a VLAN tag, some IPv6 ones with a destination
                                options header in the unfragmentable part),
                                fragmented at 1232/1480/576 bytes, fragments
                                in order, reversed, shuffled and two datagrams
                                interleaved, with unfragmented UDP and TCP
                                frames between; prints the datagram count.
  fragpcap.py tcp OUT.pcap      one TCP connection over IPv4 and one over IPv6
                                whose data segments (3000 bytes each way) are
                                fragmented; prints the payload bytes per
                                direction.
  fragpcap.py attack OUT.pcap   the hostile cases of defrag/defrag.h, one
                                after another; prints the frag_* counters
                                flowtap must report, as JSON.
Deterministic (fixed seed). Addresses: 10.200.0.0/24 and fd00:200::/64.
"""
import json
import random
import struct
import sys

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
V4 = [bytes([10, 200, 0, 1]), bytes([10, 200, 0, 2])]
V6 = [bytes.fromhex("fd000200000000000000000000000001"),
      bytes.fromhex("fd000200000000000000000000000002")]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp(src, dst, sport, dport, data):
    n = 8 + len(data)
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 17, n)
    else:
        pseudo = src + dst + struct.pack("!IxxxB", n, 17)
    c = csum(pseudo + struct.pack("!HHHH", sport, dport, n, 0) + data) or 0xffff
    return struct.pack("!HHHH", sport, dport, n, c) + data


def eth(body, v6, vlan=None):
    t = struct.pack("!H", 0x86DD if v6 else 0x0800)
    if vlan is not None:
        return MAC_B + MAC_A + struct.pack("!HH", 0x8100, vlan) + t + body
    return MAC_B + MAC_A + t + body


def ip4(src, dst, ident, proto, off, mf, data, total=None):
    fo = (0x2000 if mf else 0) | (off // 8)
    n = 20 + len(data) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, n, ident, fo, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + data


def ip6(src, dst, ident, nh, off, mf, data, dopt=False):
    ext = b""
    first = 44
    if dopt:
        ext = struct.pack("!BB", 44, 0) + b"\x01\x04\0\0\0\0"
        first = 60
    frag = struct.pack("!BBHI", nh, 0, off | (1 if mf else 0), ident)
    body = ext + frag + data
    return struct.pack("!IHBB16s16s", 0x60000000, len(body), first, 64, src, dst) + body


def fragments(payload, step):
    out = []
    for off in range(0, len(payload), step):
        out.append((off, off + step < len(payload), payload[off:off + step]))
    return out


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1700000000.0
        self.frames = 0

    def add(self, frame, dt=0.001):
        self.t += dt
        sec = int(self.t)
        usec = int(round((self.t - sec) * 1e6))
        self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
        self.frames += 1


def frag_frames(v6, ident, payload, step, vlan=None, dopt=False, proto=17):
    s, d = (V6 if v6 else V4)
    fr = []
    for off, mf, data in fragments(payload, step):
        if v6:
            fr.append(eth(ip6(s, d, ident, proto, off, mf, data, dopt), True, vlan))
        else:
            fr.append(eth(ip4(s, d, ident, proto, off, mf, data), False, vlan))
    return fr


def good(path):
    rnd = random.Random(11)
    pc = Pcap(path)
    n = 0
    pending = []
    for i in range(48):
        v6 = i % 2 == 1
        size = rnd.randrange(1300, 9000)
        data = bytes(rnd.randrange(256) for _ in range(size))
        s, d = (V6 if v6 else V4)
        payload = udp(s, d, 40000 + i, 53 if i % 3 == 0 else 4433, data)
        step = 1232 if v6 else (1480 if i % 4 else 576)
        fr = frag_frames(v6, 0x1000 + i, payload, step, vlan=100 if i % 5 == 0 else None,
                         dopt=v6 and i % 3 == 1)
        order = i % 4
        if order == 1:
            fr.reverse()
        elif order == 2:
            rnd.shuffle(fr)
        n += 1
        if order == 3 and not pending:
            pending = fr
            continue
        if pending:  # two datagrams interleaved
            merged = []
            for k in range(max(len(pending), len(fr))):
                merged += pending[k:k + 1] + fr[k:k + 1]
            fr, pending = merged, []
        for f in fr:
            pc.add(f)
        # an unfragmented datagram and a TCP segment between
        pc.add(eth(ip4(V4[0], V4[1], 7, 17, 0, False, udp(V4[0], V4[1], 5353, 5353, b"x" * 40)),
                   False))
        tcp = struct.pack("!HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x02, 512, 0, 0)
        pc.add(eth(ip4(V4[0], V4[1], 8, 6, 0, False, tcp), False))
    for f in pending:
        pc.add(f)
    print(n)


def tcp_seg(src, dst, sport, dport, seq, ack, flags, data):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)
    if len(src) == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(data))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(h) + len(data), 6)
    c = csum(pseudo + h + data)
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def tcp(path):
    pc = Pcap(path)
    rnd = random.Random(5)
    for v6 in (False, True):
        (a, b) = V6 if v6 else V4
        data_c = bytes(rnd.randrange(256) for _ in range(3000))
        data_s = bytes(rnd.randrange(256) for _ in range(3000))
        ident = [100]

        def send(src, dst, seg, big=False):
            ident[0] += 1
            if big:
                for f in frag_frames_addr(v6, src, dst, ident[0], seg, 1232, proto=6):
                    pc.add(f)
            elif v6:
                pc.add(eth(struct.pack("!IHBB16s16s", 0x60000000, len(seg), 6, 64, src, dst) +
                           seg, True))
            else:
                pc.add(eth(ip4(src, dst, ident[0], 6, 0, False, seg), False))

        send(a, b, tcp_seg(a, b, 33000, 80, 1000, 0, 0x02, b""))
        send(b, a, tcp_seg(b, a, 80, 33000, 5000, 1001, 0x12, b""))
        send(a, b, tcp_seg(a, b, 33000, 80, 1001, 5001, 0x10, b""))
        send(a, b, tcp_seg(a, b, 33000, 80, 1001, 5001, 0x18, data_c), big=True)
        send(b, a, tcp_seg(b, a, 80, 33000, 5001, 4001, 0x18, data_s), big=True)
        send(a, b, tcp_seg(a, b, 33000, 80, 4001, 8001, 0x11, b""))
        send(b, a, tcp_seg(b, a, 80, 33000, 8001, 4002, 0x11, b""))
        send(a, b, tcp_seg(a, b, 33000, 80, 4002, 8002, 0x10, b""))
    print(3000)


def frag_frames_addr(v6, s, d, ident, payload, step, proto):
    fr = []
    for off, mf, data in fragments(payload, step):
        if v6:
            fr.append(eth(ip6(s, d, ident, proto, off, mf, data), True))
        else:
            fr.append(eth(ip4(s, d, ident, proto, off, mf, data), False))
    return fr


def attack(path):
    pc = Pcap(path)
    s4, d4 = V4
    s6, d6 = V6
    e = dict(seen=0, reassembled=0, timeout=0, dropped=0, overlap=0, duplicate=0, invalid=0)

    def add4(ident, proto, off, mf, data, total=None):
        pc.add(eth(ip4(s4, d4, ident, proto, off, mf, data, total), False))
        e["seen"] += 1

    def add6(ident, off, mf, data):
        pc.add(eth(ip6(s6, d6, ident, 17, off, mf, data), True))
        e["seen"] += 1

    p = bytes(range(256)) * 16
    # IPv6 overlap (RFC 5722): the datagram goes, its right fragment is refused.
    add6(1, 0, True, p[:1232])
    add6(1, 1224, False, p[1224:2000])
    add6(1, 1232, False, p[1232:2000])
    e["overlap"] += 1
    e["dropped"] += 1
    # IPv4 overlap, first wins: completes.
    add4(2, 17, 0, True, p[:24])
    add4(2, 17, 16, True, b"\xee" * 24)
    add4(2, 17, 40, False, p[40:48])
    e["overlap"] += 1
    e["reassembled"] += 1
    # An exact duplicate: ignored, completes.
    add4(3, 17, 0, True, p[:800])
    add4(3, 17, 0, True, p[:800])
    add4(3, 17, 800, False, p[800:1600])
    e["duplicate"] += 1
    e["reassembled"] += 1
    # A tiny first TCP fragment, then the rest at offset 8 (RFC 1858).
    add4(4, 6, 0, True, p[:8])
    add4(4, 6, 8, False, p[8:64])
    e["invalid"] += 1
    e["dropped"] += 1
    # Teardrop: a "last" fragment inside the first.
    add4(5, 17, 0, True, p[:32])
    add4(5, 17, 8, False, p[8:12])
    e["invalid"] += 1
    e["dropped"] += 1
    # Offset + length past 65535.
    add4(6, 17, 65528, False, p[:16])
    e["invalid"] += 1
    e["dropped"] += 1
    # Two protocols under one id: two datagrams, both complete.
    add4(7, 17, 0, True, p[:16])
    add4(7, 1, 0, True, p[:16])
    add4(7, 1, 16, False, p[16:32])
    add4(7, 17, 16, False, p[16:32])
    e["reassembled"] += 2
    # Timeout in packet time: the last fragment comes 35 s after the first,
    # starts a datagram of its own, which times out before the flood below.
    add4(8, 17, 0, True, p[:16])
    pc.t += 35
    add4(8, 17, 16, False, p[16:32])
    e["timeout"] += 2
    pc.t += 60
    # An unending stream of first fragments: 1024 slots; the oldest go.
    for i in range(2000):
        pc.add(eth(ip4(s4, bytes([10, 200, 0, 3 + i % 200]), 1000 + i, 17, 0, True, p[:16]),
                   False))
        e["seen"] += 1
    e["dropped"] += 2000 - 1024
    e["timeout"] += 1024  # still incomplete at the end of the capture
    print(json.dumps(e, sort_keys=True))


if __name__ == "__main__":
    {"good": good, "tcp": tcp, "attack": attack}[sys.argv[1]](sys.argv[2])
