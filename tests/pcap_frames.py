#!/usr/bin/env python3
"""Frames of classic pcap files, for the e2e tests.

  pcap_frames.py digest FILE...     one line per frame (ns timestamp, caplen,
                                    len, sha1 of the bytes), the files in order
  pcap_frames.py respace IN OUT SEC give frame i the time of frame 0 + i*SEC
  pcap_frames.py whole FILE         the number of whole frames (a cut file too)
"""
import hashlib
import struct
import sys


def frames(path, cut_ok=False):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    off = 24
    while off < len(data):
        if off + 16 > len(data) and cut_ok:
            return
        sec, frac, caplen, wlen = struct.unpack(e + "IIII", data[off:off + 16])
        if off + 16 + caplen > len(data):
            if cut_ok:
                return
            raise SystemExit(f"{path}: cut at byte {off}")
        yield data[:24], e, nsec, sec * 10**9 + frac * (1 if nsec else 1000), caplen, wlen, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def main():
    if sys.argv[1] == "digest":
        for path in sys.argv[2:]:
            for _, _, _, ts, caplen, wlen, b in frames(path):
                print(ts, caplen, wlen, hashlib.sha1(b).hexdigest())
    elif sys.argv[1] == "respace":
        src, dst, step = sys.argv[2], sys.argv[3], float(sys.argv[4])
        out, t0 = [], None
        for i, (hdr, e, nsec, ts, caplen, wlen, b) in enumerate(frames(src)):
            if t0 is None:
                out.append(hdr)
                t0 = ts
            t = t0 + int(i * step * 1e9)
            out.append(struct.pack(e + "IIII", t // 10**9, (t % 10**9) // (1 if nsec else 1000), caplen, wlen) + b)
        with open(dst, "wb") as f:
            f.write(b"".join(out))
    elif sys.argv[1] == "whole":
        print(sum(1 for _ in frames(sys.argv[2], cut_ok=True)))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
