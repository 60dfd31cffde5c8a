#!/usr/bin/env bash
# tests/e2e_netns_ipflows.sh [BUILD_DIR] - flows of UDP and ICMP on real kernel
# traffic between the project's two test hosts (tests/netns.sh: two network
# namespaces, one veth pair, 10.200.0.0/24 and fd00:200::/64 only).
#
#  - server host ($FT_NS_B): a python3 UDP server on 10.200.0.2 and
#    [fd00:200::2] port 9000 that answers every datagram of n bytes with one
#    of n + 7 bytes, and one on port 9001 that answers nothing (one-way
#    streams); `flowtap -i $FT_IF_B --json` captures on its veth end;
#  - client host ($FT_NS_A): one socket (so one flow) per case: datagrams of
#    1, 100, 1400, 3000 and 8000 bytes (the last two fragmented on the
#    1500-byte veth, reassembled by flowtap before tracking), IPv4 and IPv6,
#    a one-way stream of 20 datagrams, a long QUIC-like exchange (1,000
#    datagrams of 1,200 bytes each way), ping / ping -6 (5 echo requests of
#    56 bytes each: one ICMP flow per ping, request and reply alike), and an
#    IP protocol with no ports (253, RFC 3692's experimental number) over raw
#    sockets, IPv4 and IPv6, answered the same way;
#  - a VXLAN tunnel between the hosts (VNI 42 over the veth, inner addresses
#    10.200.0.129 and .130): UDP through it is tracked as its inner flow (the
#    carrier gets no flow of its own), counted with the inner IP lengths;
#  - the truth is what was sent and received, as the client counted it: per
#    flow (matched by the client's port, or the echo id) packets each way,
#    bytes (IP payload: UDP header + data, ICMP header + data) and octets
#    (plus the IP header: 20 or 40 bytes per datagram);
#  - and tshark as a second oracle, on the frames flowtap wrote (-w) in the
#    same run: `tshark -q -z conv,udp` frames each way per conversation
#    (tshark reassembles the fragments too) equal flowtap's packets.
# Exit 77 (skip) when not root. Bounded: about 5 s, at most 60 s.
set -uo pipefail

BUILD=${1:-${FT_BUILD_DIR:-build}} # ctest sets FT_BUILD_DIR and FLOWTAP
BUILD=$(cd "$BUILD" && pwd)
FLOWTAP=${FLOWTAP:-$BUILD/flowtap}
HERE=$(cd "$(dirname "$0")" && pwd)

[ -x "$FLOWTAP" ] || { echo "e2e_netns_ipflows: $FLOWTAP not built" >&2; exit 1; }
for c in python3 ip ping; do
	command -v "$c" >/dev/null || { echo "skip: $c is missing" >&2; exit 77; }
done

# shellcheck source=tests/netns.sh
. "$HERE/netns.sh"
ft_netns_up ipf || exit $?

ft_netns_bounded e2e_netns_ipflows 60

cat >"$WORK/server.py" <<'PY'
# UDP: port 9000 answers n bytes with n + 7; port 9001 only reads. Every
# address of the host (the veth's and the tunnel's).
import socket, sys, threading
def serve(fam, addr, port, answer):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    while True:
        b, peer = s.recvfrom(65535)
        if answer:
            s.sendto(b"r" * (len(b) + 7), peer)
def raw(fam):
    # IP protocol 253: every packet of it answered with 7 bytes more.
    s = socket.socket(fam, socket.SOCK_RAW, 253)
    while True:
        b, peer = s.recvfrom(65535)
        n = len(b) - (((b[0] & 15) * 4) if fam == socket.AF_INET else 0)  # v4: the header comes too
        s.sendto(b"r" * (n + 7), (peer[0], 0))
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for port, answer in ((9000, True), (9001, False)):
        threading.Thread(target=serve, args=(fam, addr, port, answer), daemon=True).start()
    threading.Thread(target=raw, args=(fam,), daemon=True).start()
threading.Event().wait()
PY

cat >"$WORK/client.py" <<'PY'
# One socket per case; prints one JSON line per flow with what was sent and received.
import json, socket, sys, time
v4, v6, tun = sys.argv[1], sys.argv[2], sys.argv[3]
cases = []
for fam, addr, hdr in ((socket.AF_INET, v4, 20), (socket.AF_INET6, v6, 40)):
    for size, n in ((1, 10), (100, 10), (1400, 10), (3000, 5), (8000, 5)):
        cases.append((fam, addr, hdr, 9000, size, n))
    cases.append((fam, addr, hdr, 9001, 200, 20))
cases.append((socket.AF_INET, v4, 20, 9000, 1200, 1000))  # QUIC-like: long, both ways
if tun != "-":
    cases.append((socket.AF_INET, tun, 20, 9000, 500, 20))  # through the VXLAN tunnel
    cases.append((socket.AF_INET, tun, 20, 9001, 300, 10))
for fam, addr, hdr, port, size, n in cases:
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", 0))
    got = 0
    for _ in range(n):
        s.sendto(b"q" * size, (addr, port))
        if port == 9000:
            b = s.recv(65535)
            assert len(b) == size + 7
            got += 1
        else:
            time.sleep(0.002)
    rep = size + 7
    print(json.dumps({"proto": "udp", "v": 4 if fam == socket.AF_INET else 6, "dst": addr,
        "sport": s.getsockname()[1], "dport": port,
        "send": {"packets": n, "bytes": n * (size + 8), "octets": n * (size + 8 + hdr)},
        "recv": {"packets": got, "bytes": got * (rep + 8), "octets": got * (rep + 8 + hdr)}}))
    s.close()
# IP protocol 253 over raw sockets: no ports, one flow per address pair.
for fam, addr, hdr in ((socket.AF_INET, v4, 20), (socket.AF_INET6, v6, 40)):
    s = socket.socket(fam, socket.SOCK_RAW, 253)
    s.settimeout(2)
    n, size, got = 8, 300, 0
    for _ in range(n):
        s.sendto(b"q" * size, (addr, 0))
        b = s.recv(65535)
        got += 1
    print(json.dumps({"proto": 253, "v": 4 if fam == socket.AF_INET else 6, "dst": addr,
        "send": {"packets": n, "bytes": n * size, "octets": n * (size + hdr)},
        "recv": {"packets": got, "bytes": got * (size + 7), "octets": got * (size + 7 + hdr)}}))
    s.close()
PY

# The tunnel: VXLAN VNI 42 between the veth addresses; inner /32 peers from
# the test range. Without VXLAN support (a kernel without the module) the
# tunnel cases are skipped, and said so.
TUN_B=10.200.0.130
if ip -n "$FT_NS_A" link add ftvx$$ type vxlan id 42 local "$FT_IP_A" remote "$FT_IP_B" dstport 4789 dev "$FT_IF_A" 2>/dev/null &&
	ip -n "$FT_NS_B" link add ftvx$$ type vxlan id 42 local "$FT_IP_B" remote "$FT_IP_A" dstport 4789 dev "$FT_IF_B" 2>/dev/null; then
	ip -n "$FT_NS_A" addr add 10.200.0.129/32 peer "$TUN_B/32" dev ftvx$$
	ip -n "$FT_NS_B" addr add "$TUN_B/32" peer 10.200.0.129/32 dev ftvx$$
	ip -n "$FT_NS_A" link set ftvx$$ up
	ip -n "$FT_NS_B" link set ftvx$$ up
	for _ in $(seq 30); do
		NSA ping -c1 -W1 "$TUN_B" >/dev/null 2>&1 && break
		sleep 0.1
	done
else
	echo "e2e_netns_ipflows: NOTE: no VXLAN in this kernel: the tunnel cases are skipped"
	TUN_B=-
fi

NSB python3 "$WORK/server.py" 2>"$WORK/server.log" &
ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --json --buffer-timeout 10 -w "$WORK/cap.pcap" >"$WORK/flowtap.json" 2>"$WORK/flowtap.err" &
FT_PID=$!
# Wait (bounded) until the capture is open: its first stats line is not
# needed, only that libpcap has the interface; the server answers by then.
for _ in $(seq 50); do
	grep -q . "$WORK/flowtap.err" 2>/dev/null && break
	NSA python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(0.2); s.sendto(b"x",(sys.argv[1],9000)); s.recv(99)' "$FT_IP_B" 2>/dev/null && break
	sleep 0.1
done
sleep 0.5

NSA python3 "$WORK/client.py" "$FT_IP_B" "$FT_IP6_B" "$TUN_B" >"$WORK/truth.jsonl" || fail "the UDP client failed"
NSA ping -c 5 -i 0.05 -s 56 "$FT_IP_B" >"$WORK/ping4.txt" || fail "ping failed"
NSA ping -6 -c 5 -i 0.05 -s 56 "$FT_IP6_B" >"$WORK/ping6.txt" || fail "ping -6 failed"
sleep 0.3
kill -INT "$FT_PID"
wait "$FT_PID" || fail "flowtap exited $? ($(tail -3 "$WORK/flowtap.err"))"

if command -v tshark >/dev/null; then
	tshark -r "$WORK/cap.pcap" -q -z conv,udp >"$WORK/conv.txt" 2>"$WORK/tshark.err" || fail "tshark: $(cat "$WORK/tshark.err")"
else
	echo "e2e_netns_ipflows: NOTE: no tshark: its comparison skipped"
fi

python3 - "$WORK" "$FT_IP_A" "$FT_IP_B" <<'PY'
import json, os, sys
work, ip_a, ip_b = sys.argv[1:4]
errors = []
recs = [json.loads(l) for l in open(os.path.join(work, "flowtap.json"))]
flows = [r for r in recs if r["type"] == "flow"]
stats = [r for r in recs if r["type"] == "stats"][-1]
if stats["ps_drop"] or stats["ring_drop"]:
    print("e2e_netns_ipflows: NOTE: the capture dropped frames; exact checks skipped")
    sys.exit(0)

def find(proto, pred):
    got = [f for f in flows if f["proto"] == proto and pred(f)]
    return got

truth = [json.loads(l) for l in open(os.path.join(work, "truth.jsonl"))]
for t in truth:
    if t["proto"] != "udp":
        what = "proto %d v%d -> %s" % (t["proto"], t["v"], t["dst"])
        got = find(t["proto"], lambda f: f["dst"] == t["dst"] or f["src"] == t["dst"])
    else:
        what = "udp v%d %d -> %s:%d" % (t["v"], t["sport"], t["dst"], t["dport"])
        got = find("udp", lambda f: f["sport"] == t["sport"] and f["dport"] == t["dport"])
    if len(got) == 1 and got[0]["dst"] != t["dst"]:
        errors.append("%s: the flow's dst is %s" % (what, got[0]["dst"]))
    if len(got) != 1:
        errors.append("%s: %d flow records" % (what, len(got)))
        continue
    f = got[0]
    for d in ("send", "recv"):
        for k in ("packets", "bytes", "octets"):
            if f[d][k] != t[d][k]:
                errors.append("%s: %s %s %d, sent %d" % (what, d, k, f[d][k], t[d][k]))
    if f["close"] != "eof":
        errors.append("%s: close %s" % (what, f["close"]))

# The VXLAN carrier is not a flow of its own: its datagrams are the inner flows'.
carriers = find("udp", lambda f: 4789 in (f.get("sport"), f.get("dport")))
if carriers:
    errors.append("the VXLAN carrier got %d flow records" % len(carriers))

# ping: 5 requests and 5 replies of 8 + 56 bytes, one flow each (v4, v6).
for v, proto, src in ((4, "icmp", ip_a), (6, "icmp6", None)):
    got = find(proto, lambda f: f.get("icmp_type") in (0, 8, 128, 129) and "icmp_id" in f)
    if len(got) != 1:
        errors.append("ping v%d: %d echo flow records: %s" % (v, len(got), got))
        continue
    f = got[0]
    hdr = 20 if v == 4 else 40
    for d in ("send", "recv"):
        want = {"packets": 5, "bytes": 5 * 64, "octets": 5 * (64 + hdr)}
        for k, n in want.items():
            if f[d][k] != n:
                errors.append("ping v%d: %s %s %d, sent %d" % (v, d, k, f[d][k], n))
    if src is not None and f["src"] != src:
        errors.append("ping v4: src %s, the requester is %s" % (f["src"], src))

# tshark: "A:pa <-> B:pb  frames bytes | frames bytes | ...": <- is B to A.
conv = os.path.join(work, "conv.txt")
if os.path.exists(conv):
    seen = 0
    for line in open(conv):
        if "<->" not in line:
            continue
        left, right = line.split("<->")
        pa, rest = int(left.strip().rsplit(":", 1)[1]), right.split()
        pb, nums = int(rest[0].rsplit(":", 1)[1]), rest[1:]
        back, fwd = int(nums[0]), int(nums[3])
        for t in truth:
            if t["proto"] != "udp" or {pa, pb} != {t["sport"], t["dport"]}:
                continue
            a_is_client = pa == t["sport"]
            c2s, s2c = (fwd, back) if a_is_client else (back, fwd)
            f = find("udp", lambda f: f["sport"] == t["sport"] and f["dport"] == t["dport"])
            if len(f) == 1 and (f[0]["send"]["packets"], f[0]["recv"]["packets"]) != (c2s, s2c):
                errors.append("udp %d -> %d: flowtap %d/%d packets, tshark %d/%d frames" % (
                    t["sport"], t["dport"], f[0]["send"]["packets"], f[0]["recv"]["packets"], c2s, s2c))
            seen += 1
    if seen != sum(1 for t in truth if t["proto"] == "udp"):
        errors.append("tshark's conv,udp has %d of the client's conversations" % seen)

if stats["frag_reassembled"] < 2 * (5 * 2 + 5 * 2):
    errors.append("frag_reassembled %d: the 3000 and 8000 byte datagrams were not all reassembled"
                  % stats["frag_reassembled"])
if errors:
    print("e2e_netns_ipflows: FAIL:\n  " + "\n  ".join(errors))
    sys.exit(1)
print("e2e_netns_ipflows: %d UDP flows, 2 flows of IP protocol 253 and 2 ping flows exact"
      " against what was sent" % sum(1 for t in truth if t["proto"] == "udp"))
PY
