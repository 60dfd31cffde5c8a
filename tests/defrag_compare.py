#!/usr/bin/env python3
"""defrag_compare.py - flowtap's IP reassembly against tshark's, per datagram.

  defrag_compare.py PCAP PROBE_OUTPUT...

Each PROBE_OUTPUT is what tests/defrag_probe printed for PCAP (one run per
worker count and reader; tshark runs once). tshark reassembles the
same file (-o ip.defragment:TRUE -o ipv6.defragment:TRUE); the datagrams are
matched by the frame that completed them. Checked:
  - the same frames complete a datagram in both;
  - for UDP datagrams, the reassembled UDP payload is the same bytes.
Prints one line per difference and exits 1 if there is any; prints a summary
line "N datagrams, M udp payloads equal" otherwise.
"""
import subprocess
import sys


def tshark_datagrams(pcap):
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-o", "ip.defragment:TRUE", "-o",
         "ipv6.defragment:TRUE", "-Y",
         "ip.reassembled.length || ipv6.reassembled.length", "-T", "fields",
         "-e", "frame.number", "-e", "udp.payload", "-E", "occurrence=l"],
        check=True, capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        parts = line.split("\t")
        got[int(parts[0])] = parts[1].replace(":", "") if len(parts) > 1 else ""
    return got


def probe_datagrams(path):
    got, stats = {}, None
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "stats":
                stats = parts[1]
                continue
            got[int(parts[0])] = "" if parts[2] == "-" else parts[2]
    return got, stats


def compare(pcap, probe, ts):
    ft, stats = probe_datagrams(probe)
    pcap = f"{pcap} ({probe})"
    bad = 0
    if stats is None or "conserved=1" not in stats or "callbacks=1" not in stats:
        print(f"{pcap}: counters not conserved: {stats}")
        bad += 1
    for n in sorted(set(ft) | set(ts)):
        if n not in ts:
            print(f"{pcap}: frame {n}: flowtap reassembled a datagram, tshark did not")
            bad += 1
        elif n not in ft:
            print(f"{pcap}: frame {n}: tshark reassembled a datagram, flowtap did not")
            bad += 1
        elif ft[n] and ts[n] and ft[n] != ts[n]:
            print(f"{pcap}: frame {n}: UDP payload differs "
                  f"({len(ft[n]) // 2} bytes vs tshark's {len(ts[n]) // 2})")
            bad += 1
        elif bool(ft[n]) != bool(ts[n]):
            print(f"{pcap}: frame {n}: UDP in one only (flowtap {bool(ft[n])})")
            bad += 1
    udp = sum(1 for n in ft if ft[n] and ts.get(n) == ft[n])
    if not bad:
        print(f"{pcap}: {len(ft)} datagrams, {udp} udp payloads equal; {stats}")
    return bad


def main():
    pcap = sys.argv[1]
    ts = tshark_datagrams(pcap)
    bad = sum(compare(pcap, probe, ts) for probe in sys.argv[2:])
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
