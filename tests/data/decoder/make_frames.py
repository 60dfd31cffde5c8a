#!/usr/bin/env python3
"""Write the hand-made decoder test frames of tests/data/decoder/ (one pcap each).

Each capture holds one frame built here byte by byte: every link type the
decoder supports, every layer, and the hostile corner cases (lengths larger
than the capture, bad IHL / data offsets, option lengths that overrun, too many
VLAN tags or IPv6 extension headers, DNS compression loops). The corpus test,
the guard-page test and the fuzzer's seed corpus all read them.
Run from anywhere: python3 tests/data/decoder/make_frames.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_IEEE802_11, DLT_LOOP = 0, 1, 101, 105, 108
DLT_LINUX_SLL, DLT_IEEE802_11_RADIO, DLT_IPV4, DLT_IPV6, DLT_LINUX_SLL2 = 113, 127, 228, 229, 276
DLT_PPP, DLT_PPP_SERIAL, DLT_PPP_ETHER, DLT_C_HDLC = 9, 50, 51, 104


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(payload, etype, dst="ff:ff:ff:ff:ff:ff", src="00:11:22:33:44:55"):
    mac = lambda s: bytes(int(x, 16) for x in s.split(":"))
    return mac(dst) + mac(src) + struct.pack("!H", etype) + payload


def vlan(tpid_after, vid, pcp=0):
    """A tag's TCI plus the next ethertype (the tag's own TPID precedes it)."""
    return struct.pack("!HH", (pcp << 13) | vid, tpid_after)


def ip4(payload, proto, src="10.0.0.1", dst="10.0.0.2", opts=b"", total=None, ihl=None,
        ident=0x1234, flags_off=0x4000, ttl=64):
    a = lambda s: bytes(int(x) for x in s.split("."))
    hl = ihl if ihl is not None else (20 + len(opts)) // 4
    tl = total if total is not None else 20 + len(opts) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl, 0, tl, ident, flags_off, ttl, proto, 0,
                    a(src), a(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(payload, nh, src="2001:db8::1", dst="2001:db8::2", plen=None, hlim=64):
    import ipaddress
    pl = plen if plen is not None else len(payload)
    return struct.pack("!IHBB", 0x60000000, pl, nh, hlim) + \
        ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload


def tcp(payload, sport=40000, dport=80, seq=0x01020304, ack=0x0a0b0c0d, flags=0x18,
        opts=b"", doff=None, win=65535):
    d = doff if doff is not None else (20 + len(opts)) // 4
    return struct.pack("!HHIIHHHH", sport, dport, seq, ack, (d << 12) | flags, win, 0, 0) + \
        opts + payload


def udp(payload, sport=40000, dport=53, length=None):
    ln = length if length is not None else 8 + len(payload)
    return struct.pack("!HHHH", sport, dport, ln, 0) + payload


def dns_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(qid=0xbeef, name="www.example.com", qtype=1):
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(name) + \
        struct.pack("!HH", qtype, 1)


def dns_response(qid=0xcafe):
    q = dns_name("example.org") + struct.pack("!HH", 1, 1)
    an = struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + bytes([93, 184, 216, 34])
    an += struct.pack("!HHHIH", 0xC00C, 28, 1, 300, 16) + bytes(15) + b"\1"
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 2, 0, 0) + q + an


def mpls(payload, labels, ttl=64):
    """A label stack, bottom of stack on the last label."""
    return b"".join(struct.pack("!I", (l << 12) | (0x100 if i == len(labels) - 1 else 0) | ttl)
                    for i, l in enumerate(labels)) + payload


def pppoe(ppp_payload, proto, session=0x1234, length=None):
    ln = length if length is not None else 2 + len(ppp_payload)
    return struct.pack("!BBHHH", 0x11, 0, session, ln, proto) + ppp_payload


def geneve(payload, proto, vni, opts=b""):
    return struct.pack("!BBHI", len(opts) // 4, 0, proto, vni << 8) + opts + payload


def gtpu(payload, teid, ext=None):
    """GTPv1-U T-PDU; ext: list of extension header bodies (each 4n - 2 bytes)."""
    if ext is None:
        return struct.pack("!BBHI", 0x30, 255, len(payload), teid) + payload
    body = b""
    for i, e in enumerate(ext):
        body += bytes([(len(e) + 2) // 4]) + e + bytes([0x85 if i < len(ext) - 1 else 0])
    opt = struct.pack("!HBB", 1, 0, 0x85 if ext else 0)
    return struct.pack("!BBHI", 0x34, 255, 4 + len(body) + len(payload), teid) + opt + body + \
        payload


TCP_OPTS = (b"\x02\x04\x05\xb4"          # MSS 1460
            b"\x04\x02"                  # SACK permitted
            b"\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x02"  # timestamps
            b"\x01"                      # NOP
            b"\x03\x03\x07"              # window scale 7
            b"\x05\x0a\x00\x00\x10\x00\x00\x00\x20\x00"  # one SACK block
            b"\x00\x00")                 # EOL + pad to 32 bytes

FRAMES = {
    # every link type, ordinary traffic
    "eth_qinq_ip4opts_tcpopts": (DLT_EN10MB, eth(
        vlan(0x8100, 100, 3) + vlan(0x0800, 200, 5) +
        ip4(tcp(b"GET / HTTP", opts=TCP_OPTS), 6, opts=b"\x01\x01\x01\x00"), 0x88a8)),
    "eth_ip6_hbh_frag_udp_dns": (DLT_EN10MB, eth(ip6(
        b"\x2c\x00\x01\x04\x00\x00\x00\x00" +          # hop-by-hop: PadN, next = fragment
        b"\x11\x00\x00\x01\x12\x34\x56\x78" +          # fragment offset 0, M=1
        udp(dns_query(), 5353, 53), 0), 0x86dd)),
    "eth_ip4_udp_dns_response": (DLT_EN10MB, eth(ip4(udp(dns_response(), 53, 40001), 17), 0x0800)),
    "eth_arp_request": (DLT_EN10MB, eth(struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) +
        bytes.fromhex("001122334455") + bytes([10, 0, 0, 1]) + bytes(6) + bytes([10, 0, 0, 2]),
        0x0806)),
    "sll_ip4_icmp_echo": (DLT_LINUX_SLL, struct.pack("!HHH8sH", 0, 1, 6,
        bytes.fromhex("0011223344550000"), 0x0800) +
        ip4(struct.pack("!BBHHH", 8, 0, 0, 0x42, 7) + b"ping", 1)),
    "sll2_ip6_icmp6_echo": (DLT_LINUX_SLL2, struct.pack("!HHIHBB8s", 0x86dd, 0, 2, 1, 4, 6,
        bytes.fromhex("0011223344550000")) +
        ip6(struct.pack("!BBHHH", 128, 0, 0, 0x43, 9) + b"pong", 58)),
    "null_ip6_tcp_syn": (DLT_NULL, struct.pack("<I", 30) +
        ip6(tcp(b"", 50000, 443, flags=0x02, ack=0, opts=b"\x02\x04\x05\xa0"), 6)),
    "loop_ip4_udp": (DLT_LOOP, struct.pack("!I", 2) + ip4(udp(b"hello", 1234, 5678), 17)),
    "raw_ip4_tcp_ack": (DLT_RAW, ip4(tcp(b"data", flags=0x10), 6)),
    "ipv4_udp_dns": (DLT_IPV4, ip4(udp(dns_query(0x0102, "a.b.c"), 40002, 53), 17)),
    "ipv6_udp": (DLT_IPV6, ip6(udp(b"x" * 9, 9, 9), 17)),
    "radiotap_80211_data_ip4_udp": (DLT_IEEE802_11_RADIO, struct.pack("<BBHI", 0, 0, 8, 0) +
        struct.pack("<HH", 0x0108, 0) + bytes.fromhex("001122334455" "66778899aabb" "ccddeeff0011") +
        struct.pack("<H", 0x10) + bytes.fromhex("aaaa030000000800") +
        ip4(udp(b"wifi", 1111, 2222), 17)),
    "80211_qos_data_ip6_udp": (DLT_IEEE802_11, struct.pack("<HH", 0x0288, 0) +
        bytes.fromhex("001122334455" "66778899aabb" "ccddeeff0011") + struct.pack("<HH", 0x20, 0) +
        bytes.fromhex("aaaa0300000086dd") + ip6(udp(b"qos", 3333, 4444), 17)),
    # encapsulations followed to the inner TCP/UDP
    "ppp_hdlc_ip4_tcp": (DLT_PPP, b"\xff\x03\x00\x21" + ip4(tcp(b"ppp"), 6)),
    "ppp_pfc_ip6_udp": (DLT_PPP, b"\x57" + ip6(udp(b"pfc", 5, 6), 17)),
    "ppp_serial_mpls_ip4": (DLT_PPP_SERIAL, b"\xff\x03\x02\x81" + mpls(ip4(tcp(b"s"), 6), [70])),
    "ppp_ether_ip4_tcp": (DLT_PPP_ETHER, pppoe(ip4(tcp(b"pe"), 6), 0x0021)),
    "chdlc_ip6_tcp": (DLT_C_HDLC, b"\x0f\x00\x86\xdd" + ip6(tcp(b"hd"), 6)),
    "eth_pppoe_ip4_tcp": (DLT_EN10MB, eth(pppoe(ip4(tcp(b"pppoe"), 6), 0x0021), 0x8864)),
    "eth_mpls2_ip6_tcp": (DLT_EN10MB, eth(mpls(ip6(tcp(b"mpls"), 6), [16, 17]), 0x8847)),
    "eth_mpls_pw_cw_ip4": (DLT_EN10MB, eth(mpls(b"\0\0\0\0" + eth(ip4(tcp(b"pw"), 6), 0x0800),
        [299], 255), 0x8847)),
    "eth_geneve_eth_ip4_tcp": (DLT_EN10MB, eth(ip4(udp(geneve(eth(ip4(tcp(b"gnv"), 6), 0x0800),
        0x6558, 10, opts=b"\x01\x02\x03\x01\xde\xad\xbe\xef"), 50000, 6081), 17), 0x0800)),
    "eth_gtpu_ext_ip4_tcp": (DLT_EN10MB, eth(ip4(udp(gtpu(ip4(tcp(b"gtp"), 6), 0x1000,
        ext=[b"\x00\x09"]), 2152, 2152), 17), 0x0800)),
    "eth_ip6_ip4in6_tcp": (DLT_EN10MB, eth(ip6(ip4(tcp(b"4in6"), 6), 4), 0x86dd)),
    # hostile encapsulations: bounds, zero and impossible lengths
    "eth_mpls_x9": (DLT_EN10MB, eth(mpls(ip4(tcp(b""), 6), list(range(100, 109))), 0x8847)),
    "eth_mpls_pw_short": (DLT_EN10MB, eth(mpls(b"\0\0\0\0" + b"\x02" * 5, [7]), 0x8847)),
    "eth_pppoe_len_beyond": (DLT_EN10MB, eth(pppoe(ip4(tcp(b""), 6), 0x0021, length=0xffff),
        0x8864)),
    "eth_geneve_opts_beyond": (DLT_EN10MB, eth(ip4(udp(b"\x3f\x00\x65\x58" + bytes(12), 5, 6081),
        17), 0x0800)),
    "eth_gtpu_ext_x9": (DLT_EN10MB, eth(ip4(udp(gtpu(ip4(tcp(b""), 6), 1, ext=[b"\0\0"] * 9),
        2152, 2152), 17), 0x0800)),
    "eth_gtpu_ext_len0": (DLT_EN10MB, eth(ip4(udp(struct.pack("!BBHIHBB", 0x34, 255, 8, 1, 0, 0,
        0x85) + b"\x00\x00\x00\x00", 2152, 2152), 17), 0x0800)),
    "chdlc_short": (DLT_C_HDLC, b"\x0f\x00\x08"),
    # hostile: lengths and counts that do not fit
    "eth_ip4_len_beyond_caplen": (DLT_EN10MB, eth(ip4(tcp(b"ab"), 6, total=0xffff), 0x0800)),
    "eth_ip4_ihl4": (DLT_EN10MB, eth(ip4(tcp(b""), 6, ihl=4), 0x0800)),
    "eth_ip4_ihl15_short": (DLT_EN10MB, eth(ip4(b"\x01" * 20, 6, ihl=15), 0x0800)),
    "eth_ip4_tcp_doff15_badopt": (DLT_EN10MB, eth(ip4(tcp(b"", doff=15,
        opts=b"\x08\xff" + b"\x01" * 38), 6), 0x0800)),
    "eth_ip4_tcp_doff2": (DLT_EN10MB, eth(ip4(tcp(b"zz", doff=2), 6), 0x0800)),
    "eth_ip4_tcp_opt_len0": (DLT_EN10MB, eth(ip4(tcp(b"", opts=b"\x02\x00\x00\x00"), 6), 0x0800)),
    "eth_ip4_udp_len_short": (DLT_EN10MB, eth(ip4(udp(b"abcdef", length=3), 17), 0x0800)),
    "eth_ip4_udp_len_long": (DLT_EN10MB, eth(ip4(udp(b"abcdef", length=9000), 17), 0x0800)),
    "eth_ip4_frag_tcp": (DLT_EN10MB, eth(ip4(b"\xaa" * 16, 6, flags_off=0x2000 | 185), 0x0800)),
    "eth_vlan_x5": (DLT_EN10MB, eth(
        vlan(0x8100, 1) + vlan(0x8100, 2) + vlan(0x8100, 3) + vlan(0x8100, 4) + vlan(0x0800, 5) +
        ip4(udp(b""), 17), 0x8100)),
    "eth_ip6_ext_x9": (DLT_EN10MB, eth(ip6(b"".join(
        bytes([60, 0, 1, 4, 0, 0, 0, 0]) for _ in range(8)) + bytes([17, 0, 1, 4, 0, 0, 0, 0]) +
        udp(b"deep"), 60), 0x86dd)),
    "eth_ip6_plen_beyond": (DLT_EN10MB, eth(ip6(udp(b"q"), 17, plen=0xfff0), 0x86dd)),
    "eth_ip6_ext_len_overrun": (DLT_EN10MB, eth(ip6(bytes([17, 200, 0, 0, 0, 0, 0, 0]) +
        udp(b""), 0), 0x86dd)),
    "dns_pointer_loop": (DLT_EN10MB, eth(ip4(udp(struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) +
        b"\xc0\x0c" + b"\x00\x01\x00\x01", 40003, 53), 17), 0x0800)),
    "dns_pointer_forward": (DLT_EN10MB, eth(ip4(udp(struct.pack("!HHHHHH", 8, 0x8180, 1, 1, 0, 0) +
        b"\xc0\x20\x00\x01\x00\x01" + b"\xc0\x12\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04" +
        b"\x03abc\x00", 53, 40004), 17), 0x0800)),
    "dns_name_too_long": (DLT_EN10MB, eth(ip4(udp(struct.pack("!HHHHHH", 9, 0x0100, 1, 0, 0, 0) +
        (b"\x3f" + b"a" * 63) * 5 + b"\x00\x00\x01\x00\x01", 40005, 53), 17), 0x0800)),
    "dns_counts_huge": (DLT_EN10MB, eth(ip4(udp(struct.pack("!HHHHHH", 10, 0x8180, 0xffff, 0xffff,
        0xffff, 0xffff) + dns_name("x.y") + b"\x00\x01\x00\x01", 53, 40006), 17), 0x0800)),
    "dns_label_escape": (DLT_EN10MB, eth(ip4(udp(struct.pack("!HHHHHH", 11, 0x0100, 1, 0, 0, 0) +
        b"\x05a\"\\\n\x00\x03\x01\x7f\xff\x00\x00\x01\x00\x01", 40007, 53), 17), 0x0800)),
    "dns_tcp_len_prefix_short": (DLT_EN10MB, eth(ip4(tcp(b"\x00\x04" + bytes(12), 40008, 53),
        6), 0x0800)),
    "sll_short_hatype": (DLT_LINUX_SLL, struct.pack("!HHH8sH", 4, 0xffff, 200, bytes(8), 0x86dd) +
        ip6(b"", 59)),
    "null_unknown_family": (DLT_NULL, struct.pack("<I", 99) + b"\x45" * 30),
    "radiotap_len_beyond": (DLT_IEEE802_11_RADIO, struct.pack("<BBHI", 0, 0, 0x4000, 0x80000000) +
        bytes(40)),
    "radiotap_ext_bitmaps": (DLT_IEEE802_11_RADIO, struct.pack("<BBHIII", 0, 0, 20, 0xffffffff,
        0xffffffff, 0x0000000f) + bytes(30)),
    "80211_ctrl_ack": (DLT_IEEE802_11, struct.pack("<HH", 0x00d4, 0) + bytes(6)),
    "80211_4addr_data_short": (DLT_IEEE802_11, struct.pack("<HH", 0x0308, 0) + bytes(20)),
}


def main():
    for name, (dlt, frame) in sorted(FRAMES.items()):
        hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, dlt)
        rec = struct.pack("<IIII", 1700000000, 123456, len(frame), len(frame)) + frame
        with open(os.path.join(HERE, name + ".pcap"), "wb") as f:
            f.write(hdr + rec)
    print(f"{len(FRAMES)} captures in {HERE}")


if __name__ == "__main__":
    main()
