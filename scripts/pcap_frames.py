#!/usr/bin/env python3
"""Extract frames from pcap / pcapng files (stdlib only, no libpcap).

Used by scripts/fuzz-smoke.sh to build the fuzz_decode seed corpus: each frame
becomes one file holding a 2-byte little-endian link-type selector (the index of
the frame's DLT in tests/fuzz/fuzz_decode.c's table, read from --dlts) and the
frame bytes. Also usable to list link types: `pcap_frames.py --list FILES...`.

Corrupt files are expected (the tcpdump corpus has deliberately broken ones):
parsing stops at the first impossible record and keeps what came before.
"""
import argparse
import hashlib
import os
import struct
import sys

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",  # usec
    b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">",  # nsec
}
MAX_FRAME = 262144


def pcap_frames(data):
    """Yield (dlt, frame) from a classic pcap file."""
    end = PCAP_MAGICS.get(data[:4])
    if end is None or len(data) < 24:
        return
    dlt = struct.unpack(end + "I", data[20:24])[0] & 0x03FFFFFF
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if incl > MAX_FRAME or off + incl > len(data):
            return
        yield dlt, data[off:off + incl]
        off += incl


def pcapng_frames(data):
    """Yield (dlt, frame) from a pcapng file (EPB, SPB and obsolete PB)."""
    off = 0
    end = "<"
    ifaces = []
    while off + 12 <= len(data):
        btype = struct.unpack(end + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:  # section header: byte order, new interfaces
            bom = data[off + 8:off + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                end = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                end = ">"
            else:
                return
            ifaces = []
        blen = struct.unpack(end + "I", data[off + 4:off + 8])[0]
        if blen < 12 or blen % 4 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 0x00000001 and len(body) >= 2:  # IDB
            ifaces.append(struct.unpack(end + "H", body[:2])[0])
        elif btype in (0x00000006, 0x00000002) and len(body) >= 20:  # EPB, PB
            if btype == 6:
                iface = struct.unpack(end + "I", body[:4])[0]
            else:
                iface = struct.unpack(end + "H", body[:2])[0]
            incl = struct.unpack(end + "I", body[12:16])[0]
            if iface < len(ifaces) and incl <= len(body) - 20:
                yield ifaces[iface], body[20:20 + incl]
        elif btype == 0x00000003 and len(body) >= 4 and ifaces:  # SPB
            orig = struct.unpack(end + "I", body[:4])[0]
            yield ifaces[0], body[4:4 + min(orig, len(body) - 4)]
        off += blen


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return pcapng_frames(data)
    return pcap_frames(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true", help="print file, DLT, frame count")
    ap.add_argument("--dlts", help="comma-separated DLT table of the fuzz target")
    ap.add_argument("--outdir", help="write one seed file per frame here")
    ap.add_argument("--max-per-file", type=int, default=64)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    table = [int(x) for x in args.dlts.split(",")] if args.dlts else []
    if args.outdir:
        os.makedirs(args.outdir, exist_ok=True)
    seen = set()
    written = 0
    for path in args.files:
        counts = {}
        try:
            for dlt, frame in frames(path):
                counts[dlt] = counts.get(dlt, 0) + 1
                if not args.outdir or counts[dlt] > args.max_per_file:
                    continue
                if dlt not in table:
                    continue
                seed = struct.pack("<H", table.index(dlt)) + frame
                digest = hashlib.sha1(seed).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                with open(os.path.join(args.outdir, digest), "wb") as out:
                    out.write(seed)
                written += 1
        except (struct.error, OSError) as e:
            print(f"{path}: {e}", file=sys.stderr)
        if args.list:
            for dlt, n in sorted(counts.items()):
                print(f"{os.path.basename(path)}\t{dlt}\t{n}")
    if args.outdir:
        print(f"{written} seeds in {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
