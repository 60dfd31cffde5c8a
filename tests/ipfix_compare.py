#!/usr/bin/env python3
"""ipfix_compare.py - what a collector stored against flowtap's own records.

usage: ipfix_compare.py FLOWS.json NFDUMP.txt TSHARK.txt NAME [--interim]

FLOWS.json  flowtap --json output (flow records, interim ones marked)
NFDUMP.txt  nfdump -6 -q -N -o 'fmt:%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%pr'
TSHARK.txt  tshark -T fields -E separator=| -e ip.src -e ipv6.src -e tcp.srcport
            -e ip.dst -e ipv6.dst -e tcp.dstport -e ip.len -e ipv6.plen  (TCP frames)

Checks, each direction separately:
 - without --interim: every flow exactly once: the multiset of
   (src, sport, dst, dport, packets send, packets recv) of the collector's
   records equals flowtap's final flow records;
 - with --interim: summed per 4-tuple, the collector's packets (interim +
   final records) equal flowtap's final records' totals;
 - octets (IP-level: header + payload) per directed 4-tuple equal the sum of
   the IP lengths tshark reads from the capture, for every 4-tuple whose
   packets flowtap counted all of (packets equal tshark's count).
Exits 1 with the differences on a mismatch.
"""
import collections
import ipaddress
import json
import sys


def addr(s):
    return str(ipaddress.ip_address(s.strip()))


PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "icmp6": 58, "sctp": 132}


def proto_of(r):
    p = r.get("proto", "tcp")
    return PROTO.get(p, p) if isinstance(p, str) else p


def nf_port(s):
    # nfdump prints an ICMP flow's destination port as "type.code"
    if "." in s:
        t, c = s.split(".", 1)
        return int(float(t)) * 256 + int(float(c))
    return int(float(s))


NF_PROTO = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58, "IPV6-ICMP": 58, "SCTP": 132}


def main():
    flows_path, nf_path, ts_path, name = sys.argv[1:5]
    interim = "--interim" in sys.argv[5:]
    fails = []

    mine = collections.Counter()
    mine_pk = collections.Counter()  # directed 4-tuple -> packets (final records)
    n_interim = 0
    with open(flows_path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") != "flow":
                continue
            if r.get("interim"):
                n_interim += 1
                continue
            pr = proto_of(r)
            dport = r.get("dport", 0)
            if pr in (1, 58):
                dport = r.get("icmp_type", 0) * 256 + r.get("icmp_code", 0)
            k = (addr(r["src"]), r.get("sport", 0), addr(r["dst"]), dport, pr)
            mine[k + (r["send"]["packets"], r["recv"]["packets"])] += 1
            mine_pk[k] += r["send"]["packets"]
            mine_pk[(k[2], k[3], k[0], k[1], pr)] += r["recv"]["packets"]

    theirs = collections.Counter()
    nf_pk = collections.Counter()
    nf_oc = collections.Counter()
    with open(nf_path) as f:
        for line in f:
            p = [x.strip() for x in line.split("|")]
            if len(p) < 9:
                continue
            pr = p[8].upper()
            pr = NF_PROTO.get(pr, int(pr) if pr.isdigit() else pr)
            k = (addr(p[0]), nf_port(p[1]), addr(p[2]), nf_port(p[3]), pr)
            rk = (k[2], k[3], k[0], k[1], pr)
            ipk, iby, opk, oby = (int(x) for x in p[4:8])
            theirs[k + (ipk, opk)] += 1
            nf_pk[k] += ipk
            nf_pk[rk] += opk
            nf_oc[k] += iby
            nf_oc[rk] += oby

    if not interim:
        if mine != theirs:
            miss = mine - theirs
            extra = theirs - mine
            fails.append(
                "%d flows missing at the collector, %d extra; e.g. missing %s extra %s"
                % (sum(miss.values()), sum(extra.values()), list(miss)[:3], list(extra)[:3])
            )
    elif mine_pk != nf_pk:
        diff = [k for k in set(mine_pk) | set(nf_pk) if mine_pk[k] != nf_pk[k]]
        fails.append(
            "interim + final packets differ from the totals on %d directions, e.g. %s"
            % (len(diff), [(k, mine_pk[k], nf_pk[k]) for k in diff[:3]])
        )

    ts_pk = collections.Counter()
    ts_oc = collections.Counter()
    with open(ts_path) as f:
        for line in f:
            p = line.rstrip("\n").split("|")
            if len(p) < 8 or not p[2]:
                continue
            src = p[0] or p[1]
            dst = p[3] or p[4]
            if not src or not dst:
                continue
            # Tunnelled frames list several addresses: the innermost is last.
            src, dst = src.split(",")[-1], dst.split(",")[-1]
            k = (addr(src), int(p[2]), addr(dst), int(p[5]), 6)
            iplen = int(p[6].split(",")[-1]) if p[6] else int(p[7].split(",")[-1]) + 40
            ts_pk[k] += 1
            ts_oc[k] += iplen

    checked = 0
    bad = []
    for k, pk in mine_pk.items():
        if k[4] != 6 or pk == 0 or ts_pk[k] != pk:
            continue  # packets flowtap did not count (stray): octets not comparable
        checked += 1
        if nf_oc[k] != ts_oc[k]:
            bad.append((k, nf_oc[k], ts_oc[k]))
    if bad:
        fails.append("octets differ on %d of %d directions, e.g. %s" % (len(bad), checked, bad[:3]))
    directions = sum(1 for k in mine_pk if mine_pk[k] > 0 and k[4] == 6)
    if checked < directions * 0.9 or checked == 0:
        fails.append("only %d of %d directions comparable with tshark" % (checked, directions))

    if interim and n_interim == 0:
        fails.append("no interim JSON records")
    if fails:
        for m in fails:
            print("FAIL %s: %s" % (name, m))
        return 1
    print(
        "ok %s: %d flows, %d collector records, octets exact on %d directions"
        % (name, sum(mine.values()), sum(theirs.values()), checked)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
