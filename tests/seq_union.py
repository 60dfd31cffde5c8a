#!/usr/bin/env python3
"""Compare flowtap's per-session payload bytes with the capture's own.

Ground truth, computed from tshark's fields and nothing of flowtap's: for each
TCP stream (tshark's tcp.stream) and direction, the union of the sequence
ranges [seq, seq+len) of every segment that carries payload, unwrapped
relative to the first sequence number seen that way. Those are the distinct
payload bytes the capture holds. They are summed per 4-tuple and direction
(a 4-tuple reused by several connections is compared as one), and so are
flowtap's `bytes` from its flow records.

usage: seq_union.py --dump PCAP OUT   (tshark's fields for the comparison)
       seq_union.py DIR KNOWN
  DIR holds NAME.tshark (tshark -T fields, see e2e_corpus_bytes.sh) and
  NAME.jsonl (flowtap --json) for every capture.
  KNOWN lists captures where the two legitimately differ: "NAME  reason".
Prints one line per differing 4-tuple and a summary; exit 1 when a capture
not in KNOWN differs, or a capture in KNOWN no longer does (the list must
stay true).
"""

import json
import os
import subprocess
import sys

# The fields truth() reads, in its order (tshark -T fields).
TSHARK_ARGS = [
    "-n", "-Y", "tcp && !icmp && !icmpv6", "-T", "fields", "-E", "occurrence=a",
    "-e", "frame.protocols", "-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src",
    "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport",
    "-e", "tcp.seq_raw", "-e", "tcp.len",
]


def unwrap(seq, base):
    d = (seq - base) & 0xFFFFFFFF
    return d - (1 << 32) if d >= (1 << 31) else d


def union_len(ranges):
    total, end = 0, None
    for lo, hi in sorted(ranges):
        if end is None or lo > end:
            total += hi - lo
            end = hi
        elif hi > end:
            total += hi - end
            end = hi
    return total


def pick(field, i):
    v = field.split(",") if field else []
    return v[i] if i < len(v) else ""


def outer_tcp(protocols):
    """Which ip and ipv6 occurrences (index) carry the frame's first TCP.

    The first TCP layer is the connection on the wire: tunnels over UDP or
    GRE have no TCP outside them, and a TCP connection that carries packets
    (OpenFlow's packet-in) must not count those. Its IP is the nearest IP
    layer before it, and the fields of that layer are that occurrence.
    """
    layers = protocols.split(":")
    if "tcp" not in layers:
        return None
    first = layers.index("tcp")
    for j in range(first - 1, -1, -1):
        if layers[j] in ("ip", "ipv6"):
            return layers[j], layers[:j].count(layers[j]), layers[:first].count("tcp")
    return None


def dump(pcap, out):
    """Write tshark's fields for truth() of capture PCAP to file OUT."""
    with open(out, "w", encoding="utf-8") as f:
        subprocess.run(["tshark", "-r", pcap] + TSHARK_ARGS, stdout=f,
                       stderr=subprocess.DEVNULL, check=False)


def capture_truth(pcap):
    """truth() of a capture, running tshark."""
    out = subprocess.run(["tshark", "-r", pcap] + TSHARK_ARGS, capture_output=True,
                         text=True, errors="replace", check=True).stdout
    return truth_lines(out.splitlines())


def truth(path):
    """truth_lines() of a file dump() wrote."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return truth_lines(f)


def truth_lines(lines):
    """{(a, ap, b, bp): bytes} per direction, a->b."""
    streams = {}  # (stream, a, ap, b, bp) -> [base, ranges]
    for line in lines:
        c = line.rstrip("\n").split("\t")
        if len(c) < 10:
            continue
        protos, stream, s4, s6, d4, d6, sp, dp, seq, ln = c[:10]
        where = outer_tcp(protos)
        if where is None:
            continue
        ipv, ii, ti = where
        src = pick(s6 if ipv == "ipv6" else s4, ii)
        dst = pick(d6 if ipv == "ipv6" else d4, ii)
        stream, sp, dp = pick(stream, ti), pick(sp, ti), pick(dp, ti)
        seq, ln = pick(seq, ti), pick(ln, ti)
        if not (stream and src and dst and sp and dp and seq):
            continue
        try:
            sp, dp, seq, ln = int(sp), int(dp), int(seq), int(ln or 0)
        except ValueError:
            continue
        key = (stream, src, sp, dst, dp)
        ent = streams.setdefault(key, [seq, []])
        if ln > 0:
            lo = unwrap(seq, ent[0])
            ent[1].append((lo, lo + ln))
    out = {}
    for (stream, src, sp, dst, dp), (_, ranges) in streams.items():
        k = (src, sp, dst, dp)
        out[k] = out.get(k, 0) + union_len(ranges)
    return out


def flowtap(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if r.get("type") != "flow" or r.get("proto", "tcp") != "tcp":
                continue
            a, ap, b, bp = r["src"], r["sport"], r["dst"], r["dport"]
            for k, d in (((a, ap, b, bp), "send"), ((b, bp, a, ap), "recv")):
                out[k] = out.get(k, 0) + r.get(d, {}).get("bytes", 0)
    return out


def main():
    if sys.argv[1] == "--dump":
        dump(sys.argv[2], sys.argv[3])
        return 0
    d, known_path = sys.argv[1], sys.argv[2]
    known = {}
    with open(known_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                known[name] = why.strip()
    names = sorted(n[: -len(".tshark")] for n in os.listdir(d) if n.endswith(".tshark"))
    files = tcp_files = exact = 0
    tuples = tuples_exact = 0
    unexpected, stale = [], []
    for name in names:
        files += 1
        t = truth(os.path.join(d, name + ".tshark"))
        jp = os.path.join(d, name + ".jsonl")
        ft = flowtap(jp) if os.path.exists(jp) else {}
        if not any(t.values()) and not any(ft.values()):
            if name in known:
                stale.append(name)
            continue
        tcp_files += 1
        diffs = []
        for k in sorted(set(t) | set(ft), key=str):
            want, got = t.get(k, 0), ft.get(k, 0)
            if want == 0 and got == 0:
                continue
            tuples += 1
            if want == got:
                tuples_exact += 1
            else:
                diffs.append((k, want, got))
        if not diffs:
            exact += 1
            if name in known:
                stale.append(name)
            continue
        tag = "known" if name in known else "DIFF"
        for (a, ap, b, bp), want, got in diffs:
            print(f"{tag}: {name}: {a}:{ap} -> {b}:{bp}: capture {want} flowtap {got}")
        if name not in known:
            unexpected.append(name)
    print(
        f"{exact} of {tcp_files} captures with TCP payload exact "
        f"({files} read); {tuples_exact} of {tuples} 4-tuple directions exact; "
        f"{len(known)} known differences"
    )
    for name in stale:
        print(f"FAIL: {name} is listed as a known difference but now agrees: "
              "take it off the list")
    for name in unexpected:
        print(f"FAIL: {name}: flowtap's bytes differ from the capture's")
    return 1 if unexpected or stale else 0


if __name__ == "__main__":
    sys.exit(main())
