#!/usr/bin/env python3
"""Compare flowtap's flow records with ftgen's ground truth.

usage: flows_compare.py TRUTH.json FLOWTAP_OUTPUT.jsonl LABEL

Every line of the flowtap output must be JSON. Every truth session must be
matched by exactly one "flow" record (by 5-tuple, VLAN, and the first
timestamp when a 4-tuple was reused), and no other flow record may appear.
For each match: packets, bytes, retransmits and missed of both directions,
the close reason, midstream, first and last timestamps are exact; rtt_ms is
there when the handshake was seen and absent when the SYN-ACK was captured
before the SYN (truth "synack_first"), connect_ms and rtt_ms are never
negative and absent mid-stream; community_id equals Community ID v1 computed here. The final stats record
reports no active and no evicted flow. Exit 0 when all agree, 1 otherwise.
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


def main():
    truth_path, out_path, label = sys.argv[1], sys.argv[2], sys.argv[3]
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
    flows, stats, ids = [], [], set()
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
            if rec.get("type") == "flow":
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

    if errors:
        print(f"FAIL {label}: {len(errors)} problem(s) over {len(sessions)} sessions, "
              f"{len(flows)} flow records; first ones:")
        for e in errors[:25]:
            print("   " + e)
        return 1
    print(f"ok {label}: {len(sessions)} sessions exact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
