#!/usr/bin/env python3
"""Per-session payload bytes of flowtap against tshark on the unaltered capture.

usage: tap_compare.py ORIGINAL.pcap FLOWTAP_OUTPUT.jsonl [LIBTINS_BYTES]

Ground truth per 4-tuple and direction: the distinct payload bytes ORIGINAL
holds, the union of the [seq, seq+len) ranges of its TCP segments (raw
sequence numbers from tshark). The flowtap output (flow records, --json) was
made from a reordered variant of the same packets (a tap's skew); every
direction's `bytes` must equal the truth and `missed` must be 0. With
LIBTINS_BYTES (libtins StreamFollower's client+server total on the same
variant) flowtap's total must be at least that. Exit 0 when all agree.
"""
import collections
import json
import subprocess
import sys


def truth(path):
    out = subprocess.run(
        ["tshark", "-r", path, "-o", "tcp.analyze_sequence_numbers:FALSE", "-Y", "tcp", "-T",
         "fields", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst",
         "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.len"],
        capture_output=True, text=True, check=True).stdout
    segs = collections.defaultdict(list)
    for line in out.splitlines():
        s4, s6, sp, d4, d6, dp, seq, ln = line.split("\t")
        if int(ln):
            segs[(s4 or s6, int(sp), d4 or d6, int(dp))].append((int(seq), int(ln)))
    tot = {}
    for k, v in segs.items():
        base = v[0][0]  # offsets modulo 2^32 from the first segment: wrap-safe
        iv = sorted(((s - base) % 2**32, (s - base) % 2**32 + n) for s, n in v)
        n, end = 0, -1
        for a, b in iv:
            if b > end:
                n += b - max(a, end)
                end = b
        tot[k] = n
    return tot


def main():
    t = truth(sys.argv[1])
    got, missed = collections.Counter(), collections.Counter()
    for line in open(sys.argv[2]):
        r = json.loads(line)
        if r.get("type") != "flow" or r.get("proto") != "tcp":
            continue
        fw = (r["src"], r["sport"], r["dst"], r["dport"])
        bw = (r["dst"], r["dport"], r["src"], r["sport"])
        got[fw] += r["send"]["bytes"]
        got[bw] += r["recv"]["bytes"]
        missed[fw] += r["send"]["missed"]
        missed[bw] += r["recv"]["missed"]
    keys = set(t) | set(got)
    bad = sorted(k for k in keys if t.get(k, 0) != got[k] or missed[k])
    total = sum(got.values())
    print(f"{len(keys) - len(bad)}/{len(keys)} directions exact; truth {sum(t.values())} B, "
          f"flowtap {total} B, missed {sum(missed.values())} B")
    for k in bad[:5]:
        print(f"  {k}: bytes {got[k]}, missed {missed[k]}, truth {t.get(k, 0)}")
    if len(sys.argv) > 3:
        tins = int(sys.argv[3])
        print(f"  libtins StreamFollower: {tins} B")
        if total < tins:
            print("  flowtap has fewer bytes than libtins")
            return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
