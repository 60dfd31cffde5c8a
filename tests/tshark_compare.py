#!/usr/bin/env python3
"""Compare flowtap's `packet` JSON lines with tshark's fields, frame by frame.

  tshark -r CAP -T fields -E header=y -E separator=/t -E occurrence=a \\
         -E aggregator=, $(tshark_compare.py --tshark-args) > CAP.tsv
  flowtap -r CAP --packets --json -W 1 | tshark_compare.py --tshark CAP.tsv

Reads flowtap's JSON lines on stdin (or --flowtap FILE; records other than
"type":"packet" are ignored) and tshark's tab-separated fields with a header
row. For each frame number in tshark's output it compares addresses, ports,
seq/ack, TCP flags, lengths, TTL, ICMP types and codes, VLAN ids, ARP opcodes,
DNS ids, QR bits and question names, PPPoE codes and sessions, PPP and Cisco
HDLC protocols, MPLS label stacks, Geneve VNIs and GTP-U TEIDs. A value present on one side only is a
disagreement too. Prints one line per disagreement (the first --max-diffs),
a per-field summary, and exits 1 if anything disagreed (2 on bad input).

tshark details handled here: tcp.flags is hex and carries reserved bits;
dns.id and ip.id are hex; several occurrences of a field (tunnels, ICMP
errors quoting a packet, VLAN stacks, DNS questions) are comma-separated;
802.1ad S-tags are ieee8021ad.id, not vlan.id;
IPv6 addresses are compared in canonical form; the root name is "<Root>".
flowtap's ip/tcp/udp describe the innermost packet (tunnels), while in an
ICMP error the quoted packet's fields are not decoded: so the last
occurrence is used, or the first for ICMP messages (whose quoted TCP/UDP
header tshark dissects and flowtap does not: those ports are skipped).
"""
import argparse
import ipaddress
import json
import sys

TSHARK_FIELDS = [
    "frame.number", "frame.len", "frame.cap_len",
    "eth.src", "eth.dst", "ieee8021ad.id", "vlan.id",
    "arp.opcode",
    "ip.src", "ip.dst", "ip.ttl", "ip.len", "ip.id", "ip.proto",
    "ipv6.src", "ipv6.dst", "ipv6.hlim", "ipv6.plen",
    "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.len",
    "udp.srcport", "udp.dstport", "udp.length",
    "icmp.type", "icmp.code", "icmpv6.type", "icmpv6.code",
    "dns.id", "dns.flags.response", "dns.qry.name",
    "pppoe.code", "pppoe.session_id", "ppp.protocol", "chdlc.protocol",
    "mpls.label", "mpls.exp", "mpls.bottom", "mpls.ttl", "geneve.vni", "gtp.teid",
]

# tshark preferences that make its per-frame view match a per-frame decoder:
# no reassembly (the fields of a reassembled message would land on the frame
# that completes it).
TSHARK_PREFS = [
    "ip.defragment:FALSE", "ipv6.defragment:FALSE", "tcp.desegment_tcp_streams:FALSE",
    "tcp.analyze_sequence_numbers:FALSE", "tcp.relative_sequence_numbers:FALSE",
]


def tshark_args():
    out = []
    for p in TSHARK_PREFS:
        out += ["-o", p]
    for f in TSHARK_FIELDS:
        out += ["-e", f]
    return out


def num(s):
    """tshark number: decimal or 0x hex."""
    return int(s, 0)


def ip_norm(s):
    return str(ipaddress.ip_address(s))


def mac_norm(s):
    return s.lower()


def dns_name(s):
    return "" if s in ("<Root>", ".") else s.rstrip(".")


def split(v):
    return [x for x in v.split(",")] if v != "" else []


def pick(values, last):
    if not values:
        return None
    return values[-1] if last else values[0]


class Compare:
    def __init__(self, label, max_diffs):
        self.label = label
        self.max_diffs = max_diffs
        self.diffs = 0
        self.checked = {}
        self.disagreed = {}

    def check(self, frame, field, ft, ts):
        """ft: flowtap's value or None; ts: tshark's value or None."""
        if ft is None and ts is None:
            return
        self.checked[field] = self.checked.get(field, 0) + 1
        if ft == ts:
            return
        self.disagreed[field] = self.disagreed.get(field, 0) + 1
        self.diffs += 1
        if self.diffs <= self.max_diffs:
            print(f"{self.label}: frame {frame}: {field}: flowtap={ft!r} tshark={ts!r}")


def get(rec, *path):
    for k in path:
        if not isinstance(rec, dict) or k not in rec:
            return None
        rec = rec[k]
    return rec


def compare_frame(c, n, ft, row):
    """ft: flowtap record (dict); row: tshark field name -> raw string."""
    t = {k: split(v) for k, v in row.items()}
    icmp_msg = get(ft, "icmp") is not None or get(ft, "icmp6") is not None
    last = not icmp_msg

    # Tunnels: flowtap's ip/tcp/udp are the innermost packet and "tunnel" holds
    # the outermost carrier (its IP header, and for VXLAN, Geneve and GTP-U its
    # UDP ports; an MPLS pseudowire on Ethernet has no carrier IP header);
    # tshark lists the carrier's fields first. Compare the carrier here and
    # drop its occurrences, so the inner comparisons below see the inner ones.
    tun = get(ft, "tunnel")
    if isinstance(tun, dict) and tun.get("ip"):
        tip = tun["ip"]
        fam = "ip" if tip.get("v") == 4 else "ipv6"
        for side in ("src", "dst"):
            vals = t.get(f"{fam}.{side}", [])
            tv = tip.get(side)
            c.check(n, f"tunnel.ip.{side}", ip_norm(tv) if tv else None,
                    ip_norm(vals[0]) if vals else None)
            t[f"{fam}.{side}"] = vals[1:]
        for k in ("ttl", "len", "id", "proto") if fam == "ip" else ("hlim", "plen"):
            t[f"{fam}.{k}"] = t.get(f"{fam}.{k}", [])[1:]
        if tun.get("type") in ("vxlan", "geneve", "gtp"):
            for side, key in (("sport", "udp.srcport"), ("dport", "udp.dstport")):
                vals = t.get(key, [])
                c.check(n, f"tunnel.udp.{side}", tun.get(side),
                        num(vals[0]) if vals else None)
                t[key] = vals[1:]
            t["udp.length"] = t.get("udp.length", [])[1:]

    def tfirst(name, conv=lambda x: x, use_last=None):
        v = pick(t.get(name, []), last if use_last is None else use_last)
        return None if v is None else conv(v)

    c.check(n, "caplen", ft.get("caplen"), tfirst("frame.cap_len", num))
    c.check(n, "len", ft.get("len"), tfirst("frame.len", num))

    # link: the outermost Ethernet header and its VLAN tags
    if get(ft, "eth") is not None or t.get("eth.src"):
        c.check(n, "eth.src", mac_norm(get(ft, "eth", "src") or "") or None,
                tfirst("eth.src", mac_norm, use_last=False))
        c.check(n, "eth.dst", mac_norm(get(ft, "eth", "dst") or "") or None,
                tfirst("eth.dst", mac_norm, use_last=False))
    ft_vlans = [v.get("id") for v in (ft.get("vlan") or [])]
    # tshark dissects 802.1ad (0x88a8) S-tags as ieee8021ad, 802.1Q as vlan;
    # S-tags are the outer ones
    ts_vlans = [num(x) for x in t.get("ieee8021ad.id", []) + t.get("vlan.id", [])]
    if get(ft, "tunnel") is not None:
        ts_vlans = ts_vlans[:len(ft_vlans)]  # tshark lists inner-frame tags too
    c.check(n, "vlan.id", ft_vlans or None, ts_vlans or None)
    c.check(n, "arp.op", get(ft, "arp", "op"), tfirst("arp.opcode", num))

    # network: flowtap's ip is v4 or v6; tshark splits them
    v = get(ft, "ip", "v")
    has4, has6 = bool(t.get("ip.src")), bool(t.get("ipv6.src"))
    if v == 4 or (v is None and has4 and not has6):
        c.check(n, "ip4.src", get(ft, "ip", "src"), tfirst("ip.src", ip_norm))
        c.check(n, "ip4.dst", get(ft, "ip", "dst"), tfirst("ip.dst", ip_norm))
        c.check(n, "ip4.ttl", get(ft, "ip", "ttl"), tfirst("ip.ttl", num))
        c.check(n, "ip4.len", get(ft, "ip", "len"), tfirst("ip.len", num))
        c.check(n, "ip4.id", get(ft, "ip", "id"), tfirst("ip.id", num))
        c.check(n, "ip4.proto", get(ft, "ip", "proto"), tfirst("ip.proto", num))
    if v == 6 or (v is None and has6 and not has4):
        src = get(ft, "ip", "src")
        dst = get(ft, "ip", "dst")
        c.check(n, "ip6.src", ip_norm(src) if src else None, tfirst("ipv6.src", ip_norm))
        c.check(n, "ip6.dst", ip_norm(dst) if dst else None, tfirst("ipv6.dst", ip_norm))
        c.check(n, "ip6.hlim", get(ft, "ip", "ttl"), tfirst("ipv6.hlim", num))
        plen = tfirst("ipv6.plen", num)
        c.check(n, "ip6.len", get(ft, "ip", "len"), None if plen is None else plen + 40)
    if v is not None and has4 and has6:
        # 6in4 / 4in6: compare the innermost (flowtap's) against the family it names
        pass

    # transport (tshark's ports inside an ICMP error belong to the quoted packet)
    if not icmp_msg:
        c.check(n, "tcp.sport", get(ft, "tcp", "sport"), tfirst("tcp.srcport", num))
        c.check(n, "tcp.dport", get(ft, "tcp", "dport"), tfirst("tcp.dstport", num))
        c.check(n, "tcp.seq", get(ft, "tcp", "seq"), tfirst("tcp.seq_raw", num))
        c.check(n, "tcp.ack", get(ft, "tcp", "ack"), tfirst("tcp.ack_raw", num))
        fl = get(ft, "tcp", "flags")
        c.check(n, "tcp.flags", None if fl is None else fl & 0x1FF,
                tfirst("tcp.flags", lambda x: num(x) & 0x1FF))
        c.check(n, "tcp.len", get(ft, "tcp", "len"), tfirst("tcp.len", num))
        c.check(n, "udp.sport", get(ft, "udp", "sport"), tfirst("udp.srcport", num))
        c.check(n, "udp.dport", get(ft, "udp", "dport"), tfirst("udp.dstport", num))
        c.check(n, "udp.len", get(ft, "udp", "len"), tfirst("udp.length", num))
    c.check(n, "icmp.type", get(ft, "icmp", "type"), tfirst("icmp.type", num, use_last=False))
    c.check(n, "icmp.code", get(ft, "icmp", "code"), tfirst("icmp.code", num, use_last=False))
    c.check(n, "icmp6.type", get(ft, "icmp6", "type"),
            tfirst("icmpv6.type", num, use_last=False))
    c.check(n, "icmp6.code", get(ft, "icmp6", "code"),
            tfirst("icmpv6.code", num, use_last=False))

    # link-level encapsulations (the outermost one, as flowtap keeps it) and tunnel ids
    c.check(n, "pppoe.code", get(ft, "pppoe", "code"), tfirst("pppoe.code", num, use_last=False))
    c.check(n, "pppoe.session", get(ft, "pppoe", "session"),
            tfirst("pppoe.session_id", num, use_last=False))
    c.check(n, "ppp.proto", get(ft, "ppp", "proto"), tfirst("ppp.protocol", num, use_last=False))
    c.check(n, "chdlc.proto", get(ft, "chdlc", "proto"),
            tfirst("chdlc.protocol", num, use_last=False))
    labels = ft.get("mpls") or []
    for key, tkey, conv in (("label", "mpls.label", num), ("tc", "mpls.exp", num),
                            ("s", "mpls.bottom", lambda x: bool(num(x))), ("ttl", "mpls.ttl", num)):
        c.check(n, "mpls." + key, [m.get(key) for m in labels] or None,
                [conv(x) for x in t.get(tkey, [])][:len(labels) or None] or None)
    if isinstance(tun, dict) and tun.get("type") in ("geneve", "gtp"):
        key, tkey = ("vni", "geneve.vni") if tun["type"] == "geneve" else ("teid", "gtp.teid")
        c.check(n, "tunnel." + key, tun.get(key), tfirst(tkey, num, use_last=False))

    # DNS
    if not icmp_msg:
        c.check(n, "dns.id", get(ft, "dns", "id"), tfirst("dns.id", num))
        qr = get(ft, "dns", "qr")
        c.check(n, "dns.qr", None if qr is None else int(bool(qr)),
                tfirst("dns.flags.response", lambda x: int(x in ("1", "True", "true"))))
        ft_q = get(ft, "dns", "qd")
        ft_names = None if ft_q is None else [dns_name(q.get("name", "")) for q in ft_q]
        ts_names = [dns_name(x) for x in t.get("dns.qry.name", [])]
        if ft_names == [] and not ts_names:
            ft_names = None
        c.check(n, "dns.qd.name", ft_names, ts_names or None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tshark-args", action="store_true",
                    help="print the tshark -o/-e arguments this script expects, one per line")
    ap.add_argument("--tshark", help="tshark -T fields output with -E header=y")
    ap.add_argument("--flowtap", help="flowtap JSON lines (default: stdin)")
    ap.add_argument("--label", default="", help="name used in messages (the capture)")
    ap.add_argument("--max-diffs", type=int, default=40)
    args = ap.parse_args()
    if args.tshark_args:
        print("\n".join(tshark_args()))
        return 0
    if not args.tshark:
        ap.error("--tshark is required")
    label = args.label or args.tshark

    packets = {}
    src = open(args.flowtap) if args.flowtap else sys.stdin
    for i, line in enumerate(src, 1):
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            print(f"{label}: flowtap line {i} is not JSON ({e}): {line[:200]}")
            return 2
        if rec.get("type") == "packet":
            packets[rec["n"]] = rec

    rows = []
    with open(args.tshark) as f:
        header = f.readline().rstrip("\n").split("\t")
        if "frame.number" not in header:
            print(f"{label}: tshark output has no header row with frame.number")
            return 2
        for line in f:
            vals = line.rstrip("\n").split("\t")
            vals += [""] * (len(header) - len(vals))
            rows.append(dict(zip(header, vals)))

    c = Compare(label, args.max_diffs)
    missing = 0
    for row in rows:
        n = int(row["frame.number"])
        ft = packets.pop(n, None)
        if ft is None:
            missing += 1
            if missing <= args.max_diffs:
                print(f"{label}: frame {n}: no flowtap packet record")
            continue
        compare_frame(c, n, ft, row)
    extra = len(packets)
    if extra:
        print(f"{label}: {extra} flowtap packet records tshark does not have "
              f"(first: {sorted(packets)[:5]})")

    fields = sorted(c.checked)
    summary = ", ".join(f"{k} {c.checked[k] - c.disagreed.get(k, 0)}/{c.checked[k]}"
                        for k in fields)
    status = "OK" if c.diffs == 0 and missing == 0 and extra == 0 else "DISAGREE"
    print(f"{label}: {status}: {len(rows)} frames; agreeing/compared: {summary}")
    return 0 if status == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
