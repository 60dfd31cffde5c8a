#!/usr/bin/env python3
"""Compare flowtap's flows of the other IP protocols with tshark's fields.

usage: other_compare.py FLOWTAP.jsonl TSHARK_FIELDS.txt LABEL
       other_compare.py --fields   (the tshark arguments that make the file)

The oracle, from tshark's fields alone: every frame with one IP header whose
protocol is not TCP, UDP, ICMP, ICMPv6 or SCTP (OSPF, EIGRP, PIM, IGMP, VRRP,
ESP, AH, RSVP, ...) and that is not a fragment, counted per protocol and
address pair, in each direction (A: the sender of the pair's first frame).
For IPv6 the protocol is the one after the extension headers. flowtap's flows
of those protocols (one per address pair and protocol, src the first sender)
must have the same packets each way; a split by the idle timeout is summed.
The first IP header of a frame decides, or past IP in IP and GRE (ERSPAN
too) the next one, as flowtap follows them; what the UDP tunnels carry and
ICMP errors quoting a packet are left out of both sides. Exit 0 when all agree, 1 otherwise.
"""
import ipaddress
import json
import sys
from collections import defaultdict

from oracle_report import verdict

FIELDS = ["frame.protocols", "ip.src", "ip.dst", "ip.proto", "ip.flags.mf", "ip.frag_offset",
          "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.dstopts.nxt",
          "ipv6.routing.nxt", "ah.next_header", "mip6.proto", "ipv6.fraghdr.nxt"]
SKIP = {6, 17, 1, 58, 132}            # tracked apart (conv_compare.py, seq_union.py), SCTP
TUNNEL = {4, 41, 47}                  # IP in IP, IPv6 in IP, GRE: flowtap follows them
EXT6 = {0, 43, 44, 51, 60, 135, 139, 140}  # IPv6 extension headers (AH and MH too)


def tshark_args():
    out = ["-n", "-T", "fields", "-E", "occurrence=a"]
    for f in FIELDS:
        out += ["-e", f]
    return out


def truth(path):
    got = defaultdict(lambda: [0, 0])  # (proto, A, B) -> [A to B, B to A]
    for line in open(path):
        t = line.rstrip("\n").split("\t")
        if len(t) < len(FIELDS):
            continue
        layers = [x for x in t[0].split(":") if x in ("ip", "ipv6")]
        # The first IP header decides (a PIM register, say, carries another
        # inside), or past a tunnel (IP in IP, GRE, ERSPAN) the next one:
        # flowtap follows those. A header's fields are the n-th of its lists.
        seen = {"ip": 0, "ipv6": 0}
        proto = None
        for kind in layers:
            n = seen[kind]
            seen[kind] += 1
            at = lambda i: (t[i].split(",") + [""] * (n + 1))[n]
            try:
                if kind == "ip":
                    frag = at(4) in ("1", "True") or at(5) not in ("", "0")
                    proto = int(at(3))
                    src, dst = ipaddress.ip_address(at(1)), ipaddress.ip_address(at(2))
                else:
                    frag = t[14] != ""
                    nxt = [int(at(8))] + [int(x) for f in t[9:14] for x in f.split(",") if x]
                    up = [p for p in nxt if p not in EXT6]
                    proto = up[0] if up else None
                    src, dst = ipaddress.ip_address(at(6)), ipaddress.ip_address(at(7))
            except ValueError:
                proto = None
                break
            if proto not in TUNNEL or frag:
                break
        if proto is None or frag:
            continue  # a fragment: flowtap tracks the datagram once reassembled
        if proto in SKIP or proto in TUNNEL:
            continue
        if (proto, dst, src) in got and dst != src:
            got[(proto, dst, src)][1] += 1
        else:
            got[(proto, src, dst)][0] += 1
    return got


def main():
    if sys.argv[1] == "--fields":
        print(" ".join(tshark_args()))
        return 0
    ft, fields, label = sys.argv[1:4]
    want = truth(fields)
    got = {}
    for line in open(ft):
        r = json.loads(line)
        if r.get("type") != "flow" or not isinstance(r.get("proto"), int):
            continue
        if r["proto"] in SKIP or r["proto"] in TUNNEL:
            continue
        src, dst = ipaddress.ip_address(r["src"]), ipaddress.ip_address(r["dst"])
        k, sr = (r["proto"], src, dst), [r["send"]["packets"], r["recv"]["packets"]]
        if k not in got and (r["proto"], dst, src) in got:
            k, sr = (r["proto"], dst, src), sr[::-1]
        c = got.setdefault(k, [0, 0])
        c[0] += sr[0]
        c[1] += sr[1]
    errors = []
    for k, w in want.items():
        g = got.get(k) or (got.get((k[0], k[2], k[1])) or [0, 0])[::-1]
        if g != w:
            errors.append(f"proto {k[0]} {k[1]} <-> {k[2]}: flowtap {g}, tshark {w}")
    for k in got:
        if k not in want and (k[0], k[2], k[1]) not in want:
            errors.append(f"proto {k[0]} {k[1]} <-> {k[2]}: a flowtap flow tshark has no frame for")
    return verdict(label, errors, f"{len(want)} address pairs of other protocols agree")


if __name__ == "__main__":
    sys.exit(main())
