#!/usr/bin/env python3
"""Per-session payload bytes of flowtap against tshark on the unaltered capture.

usage: tap_compare.py ORIGINAL.pcap FLOWTAP_OUTPUT.jsonl [LIBTINS_SESSIONS]

Ground truth per 4-tuple and direction: the distinct payload bytes ORIGINAL
holds (seq_union.capture_truth: the union of the [seq, seq+len) ranges of its
TCP segments, from tshark's fields). The flowtap output (flow records,
--json) was made from a reordered variant of the same packets (a tap's skew);
every direction's `bytes` must equal the truth and `missed` must be 0. With
LIBTINS_SESSIONS (`peer_tins_follow --sessions` on the same variant: one line
per client 4-tuple with its bytes each way, then a totals line), flowtap must
have at least libtins's bytes in every direction of every session. Exit 0
when all agree.
"""
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seq_union import capture_truth  # noqa: E402


def libtins(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            c = line.split()
            if len(c) != 6:
                continue  # the totals line
            a, ap, b, bp, ab, ba = c[0], int(c[1]), c[2], int(c[3]), int(c[4]), int(c[5])
            out[(a, ap, b, bp)] = ab
            out[(b, bp, a, ap)] = ba
    return out


def main():
    t = capture_truth(sys.argv[1])
    got, missed = collections.Counter(), collections.Counter()
    for line in open(sys.argv[2], encoding="utf-8"):
        r = json.loads(line)
        if r.get("type") != "flow" or r.get("proto", "tcp") != "tcp":
            continue
        fw = (r["src"], r["sport"], r["dst"], r["dport"])
        bw = (r["dst"], r["dport"], r["src"], r["sport"])
        got[fw] += r["send"]["bytes"]
        got[bw] += r["recv"]["bytes"]
        missed[fw] += r["send"]["missed"]
        missed[bw] += r["recv"]["missed"]
    keys = set(t) | set(got)
    bad = sorted(k for k in keys if t.get(k, 0) != got[k] or missed[k])
    print(f"{len(keys) - len(bad)}/{len(keys)} directions exact; truth {sum(t.values())} B, "
          f"flowtap {sum(got.values())} B, missed {sum(missed.values())} B")
    for k in bad[:5]:
        print(f"  {k}: bytes {got[k]}, missed {missed[k]}, truth {t.get(k, 0)}")
    fewer = []
    if len(sys.argv) > 3:
        tins = libtins(sys.argv[3])
        fewer = sorted(k for k, n in tins.items() if got[k] < n)
        print(f"  libtins StreamFollower: {sum(tins.values())} B in {len(tins)} directions; "
              f"flowtap has fewer in {len(fewer)}")
        for k in fewer[:5]:
            print(f"  {k}: flowtap {got[k]} B, libtins {tins[k]} B")
    return 1 if bad or fewer else 0


if __name__ == "__main__":
    sys.exit(main())
