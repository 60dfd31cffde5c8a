#!/usr/bin/env python3
"""Make a capture show a loss before the tap, as a sensor sees a real one.

usage: wire_loss.py IN.pcap OUT.pcap LATE [AT...]

IN is a classic pcap of Ethernet, IPv4 and TCP frames (ftgen's default link,
--ipv6 0 --vlan 0). In the session with the most data one way, the data
segments numbered AT (0-based, that direction; default 100 and 600) are lost
on the wire before the tap: each is taken out, the receiver's ACKs from then
on acknowledge only up to its first byte (duplicate ACKs: the receiver has a
hole), and the sender retransmits it LATE data segments later, where it is
put back (stamped like the frame before it). The capture still holds every
byte once, so the union of its sequence ranges is unchanged: what a
tracker counts must not depend on how far the retransmission came behind.
Checksums of rewritten segments are recomputed.
"""
import struct
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from pcap_frames import frames  # noqa: E402


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_of(b):
    """(ip offset, tcp offset, src, dst, sport, dport, seq, ack, payload len) or None."""
    if len(b) < 14 + 20 or b[12:14] != b"\x08\x00":
        return None
    ip = 14
    ihl = (b[ip] & 15) * 4
    if b[ip + 9] != 6:
        return None
    tot = struct.unpack("!H", b[ip + 2:ip + 4])[0]
    tcp = ip + ihl
    sport, dport, seq, ack = struct.unpack("!HHII", b[tcp:tcp + 12])
    doff = (b[tcp + 12] >> 4) * 4
    return ip, tcp, b[ip + 12:ip + 16], b[ip + 16:ip + 20], sport, dport, seq, ack, tot - ihl - doff


def set_ack(b, t, ack):
    ip, tcp = t[0], t[1]
    b = bytearray(b)
    b[tcp + 8:tcp + 12] = struct.pack("!I", ack)
    tot = struct.unpack("!H", b[ip + 2:ip + 4])[0]
    seg_len = tot - (tcp - ip)
    b[tcp + 16:tcp + 18] = b"\0\0"
    pseudo = b[ip + 12:ip + 20] + struct.pack("!BBH", 0, 6, seg_len)
    b[tcp + 16:tcp + 18] = struct.pack("!H", csum(bytes(pseudo + b[tcp:tcp + seg_len])))
    return bytes(b)


def main():
    src, dst, late = sys.argv[1], sys.argv[2], int(sys.argv[3])
    at = sorted(int(a) for a in sys.argv[4:]) or [100, 600]
    fr = list(frames(src))
    hdr, e = fr[0][0], fr[0][1]
    nsec = fr[0][2]
    rows = [(f[3], f[4], f[5], f[6], tcp_of(f[6])) for f in fr]
    # The direction with the most data segments.
    count = {}
    for r in rows:
        t = r[4]
        if t is not None and t[8] > 0:
            k = (t[2], t[4], t[3], t[5])
            count[k] = count.get(k, 0) + 1
    (s_ip, s_port, d_ip, d_port), n = max(count.items(), key=lambda kv: kv[1])
    if at[-1] + late >= n:
        raise SystemExit(f"{src}: {n} data segments that way, too few for {at} + {late}")

    def data_of(t):
        return t is not None and t[8] > 0 and (t[2], t[4], t[3], t[5]) == (s_ip, s_port, d_ip, d_port)

    def ack_of(t):
        return t is not None and (t[2], t[4], t[3], t[5]) == (d_ip, d_port, s_ip, s_port)

    out, pending, k = [], [], 0  # pending: [segments to go, row, hole start]
    for ts, caplen, wlen, b, t in rows:
        if data_of(t):
            if k in at:
                pending.append([late, (ts, caplen, wlen, b), t[6]])
                k += 1
                continue
            k += 1
        if ack_of(t) and pending:
            hole = min(p[2] for p in pending)
            if ((t[7] - hole) & 0xFFFFFFFF) < (1 << 31) and t[7] != hole:
                b = set_ack(b, t, hole)
        out.append((ts, caplen, wlen, b))
        if data_of(t):
            for p in pending:
                p[0] -= 1
            for p in [p for p in pending if p[0] <= 0]:
                pending.remove(p)
                _, pc, pw, pb = p[1]
                out.append((ts, pc, pw, pb))  # the retransmission
    if pending:
        raise SystemExit(f"{src}: the capture ended before a retransmission")
    with open(dst, "wb") as f:
        f.write(hdr)
        for ts, caplen, wlen, b in out:
            sec, frac = divmod(ts, 10**9)
            f.write(struct.pack(e + "IIII", sec, frac if nsec else frac // 1000, caplen, wlen) + b)
    print(f"{dst}: {len(at)} segments of {n} lost before the tap, each retransmitted {late} later")


if __name__ == "__main__":
    main()
