#!/usr/bin/env python3
"""Compare flowtap's UDP and ICMP flows with tshark's conversation tables.

usage: conv_compare.py FLOWTAP.jsonl CONV_UDP.txt CONV_ICMP.txt LABEL

CONV_UDP.txt is `tshark -q -z conv,udp` (and conv,ipv6 output may follow),
CONV_ICMP.txt is `tshark -q -z conv,ip,icmp -z conv,ipv6,icmpv6`. For every
UDP conversation (address and port pair) flowtap must have one flow whose
packets each way equal tshark's frames each way (tshark's A is the sender
of the conversation's first frame, as flowtap's src). ICMP flows are summed
per address pair (flowtap splits echo exchanges by identifier, tshark
does not) and compared the same way. A UDP conversation that flowtap's idle
timeout split into flows is summed over them. Exit 0 when all agree, 1 otherwise.
"""
import ipaddress
import json
import sys
from collections import defaultdict

from oracle_report import verdict

UDP_TIMEOUT = 60  # flowtap's default --timeout-udp, in seconds

def split_ep(s, ports):
    if not ports:
        return ipaddress.ip_address(s)
    a, p = s.rsplit(":", 1)
    return (ipaddress.ip_address(a), int(p))


def conv_rows(path, ports):
    """(A, B) -> (frames B->A, frames A->B) from tshark's table: after the two
    endpoints, "frames bytes unit" for <- (B to A), then for -> (A to B)."""
    out = {}
    for line in open(path):
        t = line.split()
        if len(t) < 9 or t[1] != "<->":
            continue
        try:
            out[(split_ep(t[0], ports), split_ep(t[2], ports))] = (int(t[3]), int(t[6]))
        except ValueError:
            continue
    return out


def main():
    ft, conv_udp, conv_icmp, label = sys.argv[1:5]
    errors = []
    udp, udp_last, icmp = {}, {}, defaultdict(lambda: [0, 0])
    flows = [json.loads(line) for line in open(ft)]
    flows = sorted((r for r in flows if r.get("type") == "flow"), key=lambda r: r["first"])
    for r in flows:
        src, dst = ipaddress.ip_address(r["src"]), ipaddress.ip_address(r["dst"])
        if r["proto"] == "udp":
            k = ((src, r["sport"]), (dst, r["dport"]))
            sr = [r["send"]["packets"], r["recv"]["packets"]]
            # tshark has no timeouts: the flows flowtap's idle timeout split
            # (the next one starts UDP_TIMEOUT or more after the last ended)
            # are one conversation. Closer than that, two flows are a bug.
            kk = k if k in udp else (k[1], k[0]) if (k[1], k[0]) in udp else None
            if kk is None:
                udp[k], udp_last[k] = sr, r["last"]
                continue
            if r["first"] - udp_last[kk] < UDP_TIMEOUT:
                errors.append(f"two UDP flows for {k} less than {UDP_TIMEOUT} s apart")
            if kk != k:
                sr.reverse()
            udp[kk] = [udp[kk][0] + sr[0], udp[kk][1] + sr[1]]
            udp_last[kk] = max(udp_last[kk], r["last"])
        elif r["proto"] in ("icmp", "icmp6"):
            # By address pair, in the direction it was first seen.
            if (dst, src) in icmp and dst != src:
                c = icmp[(dst, src)]
                c[1] += r["send"]["packets"]
                c[0] += r["recv"]["packets"]
            else:
                c = icmp[(src, dst)]
                c[0] += r["send"]["packets"]
                c[1] += r["recv"]["packets"]
    n = 0
    for rows, got, what in ((conv_rows(conv_udp, True), udp, "udp"),
                            (conv_rows(conv_icmp, False), dict(icmp), "icmp")):
        seen = set()
        for (a, b), (b_to_a, a_to_b) in rows.items():
            n += 1
            f = got.get((a, b))
            if f is not None:
                want = [a_to_b, b_to_a]
            else:
                f = got.get((b, a))
                want = [b_to_a, a_to_b]
            if f is None:
                errors.append(f"{what} {a} <-> {b}: no flowtap flow (tshark {a_to_b}/{b_to_a})")
                continue
            seen.add((a, b))
            seen.add((b, a))
            if f != want:
                errors.append(f"{what} {a} <-> {b}: flowtap send/recv packets {f}, tshark {want}")
        for k in got:
            if k not in seen:
                errors.append(f"{what} {k}: a flowtap flow tshark has no conversation for")
    return verdict(label, errors, f"{n} conversations agree")


if __name__ == "__main__":
    sys.exit(main())
