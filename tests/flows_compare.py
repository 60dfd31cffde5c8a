#!/usr/bin/env python3
"""Compare flowtap's flow records with ftgen's ground truth.

usage: flows_compare.py TRUTH.json FLOWTAP_OUTPUT.jsonl LABEL [IP_TRUTH.jsonl]

Every line of the flowtap output must be JSON. Every truth session must be
matched by exactly one "flow" record (by 5-tuple, VLAN, and the first
timestamp when a 4-tuple was reused), and no other flow record may appear.
For each match: packets, bytes, retransmits and missed of both directions,
the close reason, midstream, first and last timestamps are exact; rtt_ms is
there when the handshake was seen and absent when the SYN-ACK was captured
before the SYN (truth "synack_first"), connect_ms and rtt_ms are never
negative and absent mid-stream; community_id equals Community ID v1 computed here. The final stats record
reports no active and no evicted flow. Exit 0 when all agree, 1 otherwise.

Flow records of other protocols (UDP, ICMP, ...) are not TCP sessions: with
IP_TRUTH (ftgen --truth-ip: one line per UDP/ICMP frame) they are checked
too: the frames are grouped into bidirectional flows here (UDP by ordered
address/port pair, ICMP echo by address pair and identifier, VLAN id), src
is the sender of a flow's first frame, and every flow must have exactly one
record with packets, bytes (IP payload) and octets (IP header + payload) of
both directions exact, close "eof" (the captures are shorter than the
timeouts), and its Community ID; the stats record's per-protocol counters
must agree. Without IP_TRUTH they are left alone.
"""
import base64
import hashlib
import ipaddress
import json
import struct
import sys
from collections import defaultdict


def community_id(src, sport, dst, dport, proto=6, seed=0):
    a, b = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if (a, sport) > (b, dport):
        a, b, sport, dport = b, a, dport, sport
    data = struct.pack(">H", seed) + a + b + struct.pack("BB", proto, 0) + struct.pack(">HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def us(ts):
    """Seconds (a JSON number, at most 9 decimals) -> microseconds, exactly."""
    text = repr(ts) if isinstance(ts, float) else str(ts)
    whole, _, frac = text.partition(".")
    if "e" in text:  # never expected; fall back to rounding
        return round(float(text) * 1e6)
    return int(whole) * 1000000 + int((frac + "000000")[:6])


def vlan_of(v):
    if v is None:
        return None
    if isinstance(v, list):
        if not v:
            return None
        v = v[0]
    if isinstance(v, dict):
        v = v.get("id")
    return int(v)


def key(src, sport, dst, dport, vlan):
    return (ipaddress.ip_address(src), int(sport), ipaddress.ip_address(dst), int(dport), vlan)


ICMP_PEER = {4: {8: 0, 0: 8}, 6: {128: 129, 129: 128}}


def icmp_community_id(src, dst, v, itype, seed=0):
    """Community ID of an ICMP echo flow: type and its answer as the ports."""
    peer = ICMP_PEER[v][itype]
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    pa, pb = itype, peer
    if not (a.packed < b.packed or (a.packed == b.packed and pa < pb)):
        a, b, pa, pb = b, a, pb, pa
    data = (struct.pack(">H", seed) + a.packed + b.packed
            + struct.pack("BB", 1 if v == 4 else 58, 0) + struct.pack(">HH", pa, pb))
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def ip_truth_flows(path):
    """Group ftgen's per-frame IP truth into flows, keyed as flowtap keys them."""
    flows = {}
    for line in open(path):
        p = json.loads(line)
        src, dst = ipaddress.ip_address(p["src"]), ipaddress.ip_address(p["dst"])
        if p["proto"] == 17:
            ends = sorted([(src.packed, p["sport"]), (dst.packed, p["dport"])])
            k = (17, tuple(ends), p["vlan"])
        else:
            k = (p["proto"], tuple(sorted([src.packed, dst.packed])), p["icmp_id"], p["vlan"])
        f = flows.get(k)
        if f is None:
            f = flows[k] = {"first": p, "send": [0, 0, 0], "recv": [0, 0, 0], "_matched": False}
        first = f["first"]
        same = p["src"] == first["src"] and p.get("sport") == first.get("sport")
        d = f["send"] if same else f["recv"]
        d[0] += 1
        d[1] += p["bytes"]
        d[2] += p["octets"]
    return flows


def record_key(rec):
    src, dst = ipaddress.ip_address(rec["src"]), ipaddress.ip_address(rec["dst"])
    v = vlan_of(rec.get("vlan"))
    if rec["proto"] == "udp":
        return (17, tuple(sorted([(src.packed, rec["sport"]), (dst.packed, rec["dport"])])), v)
    proto = 1 if rec["proto"] == "icmp" else 58 if rec["proto"] == "icmp6" else rec["proto"]
    return (proto, tuple(sorted([src.packed, dst.packed])), rec.get("icmp_id"), v)


def check_ip_flows(ip_flows, truth_flows, stats, err):
    for rec in ip_flows:
        what = f"{rec['proto']} {rec['src']}:{rec.get('sport', '')} -> {rec['dst']}:{rec.get('dport', '')}"
        t = truth_flows.get(record_key(rec))
        if t is None:
            err(f"extra {what} flow record (no truth frames)")
            continue
        if t["_matched"]:
            err(f"{what}: a second record for one flow")
            continue
        t["_matched"] = True
        first = t["first"]
        if ipaddress.ip_address(rec["src"]) != ipaddress.ip_address(first["src"]) or \
                rec.get("sport") != first.get("sport"):
            err(f"{what}: src is not the first frame's sender {first['src']}")
        for d in ("send", "recv"):
            for i, c in enumerate(("packets", "bytes", "octets")):
                if rec[d].get(c) != t[d][i]:
                    err(f"{what}: {d}.{c} {rec[d].get(c)}, truth {t[d][i]}")
        if rec["close"] != "eof":
            err(f"{what}: close {rec['close']}, want eof")
        if rec["proto"] == "udp":
            cid = community_id(first["src"], first["sport"], first["dst"], first["dport"], proto=17)
        else:
            cid = icmp_community_id(first["src"], first["dst"], first["ip"], first["icmp_type"])
            if rec.get("icmp_type") != first["icmp_type"]:
                err(f"{what}: icmp_type {rec.get('icmp_type')}, truth {first['icmp_type']}")
        if rec["community_id"] != cid:
            err(f"{what}: community_id {rec['community_id']}, want {cid}")
        for k in ("state", "midstream", "retransmits", "missed", "connect_ms", "rtt_ms"):
            if k in rec or k in rec["send"]:
                err(f"{what}: TCP field {k} in a {rec['proto']} record")
    for k, t in truth_flows.items():
        if not t["_matched"]:
            err(f"no flow record for truth flow {t['first']}")
    if stats:
        final = stats[-1].get("flows", {})
        n = {"udp": 0, "icmp": 0}
        for k in truth_flows:
            n["udp" if k[0] == 17 else "icmp"] += 1
        for c in ("udp", "icmp"):
            got = final.get(c, {})
            if got.get("started") != n[c] or got.get("ended") != n[c] or got.get("active") != 0:
                err(f"final stats: flows.{c} {got}, want {n[c]} started and ended")


def main():
    truth_path, out_path, label = sys.argv[1], sys.argv[2], sys.argv[3]
    ip_truth = sys.argv[4] if len(sys.argv) > 4 else None
    truth = json.load(open(truth_path), parse_float=str)
    sessions = truth["sessions"]
    by_key = defaultdict(list)
    for s in sessions:
        s["_matched"] = False
        if s["midstream"] and s.get("first_by") == "dst":
            # Joined mid-stream, the server's frame captured first (a tap's
            # skew): flowtap's src is the sender of the first packet seen.
            s["src"], s["sport"], s["dst"], s["dport"] = s["dst"], s["dport"], s["src"], s["sport"]
            s["send"], s["recv"] = s["recv"], s["send"]
        by_key[key(s["src"], s["sport"], s["dst"], s["dport"], s["vlan"])].append(s)

    errors = []
    flows, ip_flows, stats, ids = [], [], [], set()
    with open(out_path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line, parse_float=str)  # keep timestamps exact
            except ValueError as e:
                errors.append(f"line {n}: not JSON ({e}): {line[:200]}")
                continue
            if rec.get("type") == "flow" and rec.get("proto") != "tcp":
                ip_flows.append(rec)
            elif rec.get("type") == "flow":
                flows.append(rec)
            elif rec.get("type") == "stats":
                stats.append(rec)

    def err(msg):
        errors.append(msg)

    for rec in flows:
        missing = [k for k in ("proto", "src", "sport", "dst", "dport", "first", "last", "state",
                               "close", "send", "recv", "community_id")
                   if k not in rec]
        if missing:
            err(f"flow record lacks {missing}: {str(rec)[:300]}")
            continue
        if rec.get("id") is not None:
            if rec["id"] in ids:
                err(f"flow id {rec['id']} appears twice")
            ids.add(rec["id"])
        k = key(rec["src"], rec["sport"], rec["dst"], rec["dport"], vlan_of(rec.get("vlan")))
        first = us(rec["first"])
        cands = [s for s in by_key.get(k, []) if not s["_matched"]]
        exact = [s for s in cands if us(s["first"]) == first]
        what = f"{rec['src']}:{rec['sport']} -> {rec['dst']}:{rec['dport']} vlan {k[4]} first {rec['first']}"
        if not exact:
            err(f"extra flow record (no truth session): {what} close {rec['close']}"
                + (f" (truth sessions on this tuple start at {[s['first'] for s in by_key[k]]})"
                   if k in by_key else ""))
            continue
        s = exact[0]
        s["_matched"] = True
        if rec["proto"] != "tcp":
            err(f"{what}: proto {rec['proto']}")
        for d in ("send", "recv"):
            for c in ("packets", "bytes", "retransmits", "missed"):
                got, want = rec[d].get(c), s[d][c]
                if got != want:
                    err(f"{what}: {d}.{c} {got}, truth {want}")
        if rec["close"] != s["close"]:
            err(f"{what}: close {rec['close']}, truth {s['close']}")
        if bool(rec.get("midstream", False)) != bool(s["midstream"]):
            err(f"{what}: midstream {rec.get('midstream')}, truth {s['midstream']}")
        if us(rec["last"]) != us(s["last"]):
            err(f"{what}: last {rec['last']}, truth {s['last']}")
        if s["close"] in ("fin", "rst") and rec["state"] != "CLOSED":
            err(f"{what}: state {rec['state']} after close {s['close']}")
        cid = community_id(s["src"], s["sport"], s["dst"], s["dport"])
        if rec["community_id"] != cid:
            err(f"{what}: community_id {rec['community_id']}, want {cid}")
        if s.get("synack_first"):
            # A tap's skew put the SYN-ACK before the SYN: no RTT to tell.
            if rec.get("rtt_ms") is not None:
                err(f"{what}: rtt_ms {rec['rtt_ms']} although the SYN-ACK was captured first")
        elif not s["midstream"] and s["send"]["packets"] >= 2 and s["recv"]["packets"] >= 1:
            if rec.get("rtt_ms") is None or float(rec["rtt_ms"]) < 0:
                err(f"{what}: rtt_ms {rec.get('rtt_ms')} with a handshake")
        for m in ("connect_ms", "rtt_ms"):
            if rec.get(m) is not None and float(rec[m]) < 0:
                err(f"{what}: {m} {rec[m]} is negative")
        if s["midstream"]:
            for m in ("connect_ms", "rtt_ms"):
                if rec.get(m) is not None and float(rec[m]) >= 0:
                    err(f"{what}: {m} {rec[m]} for a mid-stream session")

    unmatched = [s for s in sessions if not s["_matched"]]
    for s in unmatched:
        err(f"no flow record for truth session {s['src']}:{s['sport']} -> {s['dst']}:{s['dport']} "
            f"vlan {s['vlan']} first {s['first']} close {s['close']}")
    if len(flows) != len(sessions):
        err(f"{len(flows)} flow records, {len(sessions)} truth sessions")
    if stats:
        final = stats[-1]
        if final.get("flows_active", 0) != 0:
            err(f"final stats: flows_active {final.get('flows_active')}")
        if final.get("flows_evicted", 0) != 0:
            err(f"final stats: flows_evicted {final.get('flows_evicted')}")

    n_ip = 0
    if ip_truth is not None:
        last, first = truth.get("last"), truth.get("first")
        if last is not None and float(last) - float(first) >= 30:
            err("the capture spans 30 s or more: flows could time out, the grouping here assumes not")
        truth_flows = ip_truth_flows(ip_truth)
        n_ip = len(truth_flows)
        check_ip_flows(ip_flows, truth_flows, stats, err)

    if errors:
        print(f"FAIL {label}: {len(errors)} problem(s) over {len(sessions)} sessions, "
              f"{len(flows)} flow records; first ones:")
        for e in errors[:25]:
            print("   " + e)
        return 1
    print(f"ok {label}: {len(sessions)} sessions exact"
          + (f", {n_ip} UDP/ICMP flows exact" if ip_truth is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
