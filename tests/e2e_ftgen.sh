#!/usr/bin/env bash
# Checks ftgen (gen/ftgen.c) against tshark, so the generator's ground truth
# can be trusted by the other end-to-end tests:
#  1. flows captures (default and impaired: reorder, retransmit, loss,
#     midstream; EN10MB, SLL, RAW, NULL; nsec; snaplen): no bad IP/TCP/UDP/ICMP
#     checksum, nothing malformed, and every session of the truth file matches
#     what tshark decodes: frames per direction, distinct payload bytes,
#     missed bytes, retransmitted segments, FNV-1a of the reassembled streams;
#     totals (frames, bytes, tcp/udp/other) match too.
#  2. the same seed gives the same bytes.
#  3. protocols profile: every file dissects without a bad checksum or a
#     malformed frame, the radiotap FCS is correct, and manifest.json lists
#     as many frames as each file holds.
# Needs tshark and python3; exits 77 (skip) without them. $FTGEN is the binary.
set -euo pipefail
FTGEN=${FTGEN:-${FT_BUILD_DIR:-build}/ftgen}
command -v tshark >/dev/null 2>&1 || { echo "skip: no tshark"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
[ -x "$FTGEN" ] || { echo "FAIL: no ftgen at $FTGEN"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TS="tshark -n -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE"
BAD='tcp.checksum.status==2 or udp.checksum.status==2 or ip.checksum.status==2
 or icmp.checksum.status==2 or icmpv6.checksum.status==2 or igmp.checksum.status==2
 or _ws.malformed'

no_bad_frames() {
	local out
	out=$($TS -r "$1" -Y "$BAD" 2>/dev/null | head -5)
	if [ -n "$out" ]; then
		echo "FAIL: $1: bad checksum or malformed frame:"
		echo "$out"
		exit 1
	fi
}

cat >"$TMP/check.py" <<'EOF'
import json, subprocess, sys
from collections import defaultdict

pcap, truth_path = sys.argv[1], sys.argv[2]
truth = json.load(open(truth_path))
FNV_BASIS, FNV_PRIME, M64 = 0xcbf29ce484222325, 0x100000001b3, (1 << 64) - 1

def fnv(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & M64
    return h

fields = ["frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
          "tcp.dstport", "tcp.seq_raw", "tcp.flags", "tcp.len", "tcp.payload", "udp.srcport"]
cmd = ["tshark", "-n", "-r", pcap, "-o", "tcp.desegment_tcp_streams:FALSE",
       "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
for f in fields:
    cmd += ["-e", f]
out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
frames = nbytes = tcp = udp = other = 0
conv = defaultdict(list)  # unordered endpoint pair -> [(src, sport, seq, flags, payload)]
for line in out.splitlines():
    c = line.split("\t")
    frames += 1
    nbytes += int(c[0])
    if c[5]:
        tcp += 1
        src, dst = (c[1], c[2]) if c[1] else (c[3], c[4])
        a, b = (src, int(c[5])), (dst, int(c[6]))
        payload = bytes.fromhex(c[10].replace(":", ""))
        if len(payload) != int(c[9]):
            sys.exit("payload cut by the snaplen: use a larger one for this check")
        conv[frozenset((a, b))].append((a, int(c[7]), int(c[8], 16), payload))
    elif c[11]:
        udp += 1
    else:
        other += 1

errors = []
def check(what, got, want):
    if got != want:
        errors.append("%s: tshark %r, truth %r" % (what, got, want))

check("frames", frames, truth["frames"])
check("bytes", nbytes, truth["bytes"])
check("tcp_frames", tcp, truth["tcp_frames"])
check("udp_frames", udp, truth["udp_frames"])
check("other_frames", other, truth["other_frames"])

def direction(segs, isn):
    """packets, bytes, retransmits, missed, fnv of seen bytes, fnv of all (or None)."""
    base = (isn + 1) & 0xffffffff
    have = {}
    retrans = 0
    for seq, flags, data in segs:
        if not data:
            continue
        off = (seq - base) & 0xffffffff
        new = [i for i in range(len(data)) if off + i not in have]
        if not new:
            retrans += 1
        for i in new:
            have[off + i] = data[i]
    end = max(have) + 1 if have else 0
    seen = bytes(have[i] for i in sorted(have))
    missed = end - len(have)
    full = fnv(FNV_BASIS, seen) if missed == 0 else None
    return len(segs), len(have), retrans, missed, fnv(FNV_BASIS, seen), full

by_pair = defaultdict(list)
for s in truth["sessions"]:
    by_pair[frozenset(((s["src"], s["sport"]), (s["dst"], s["dport"])))].append(s)
for pair, sessions in by_pair.items():
    sessions.sort(key=lambda s: s["id"])
    segs = conv.pop(pair, [])
    cli = (sessions[0]["src"], sessions[0]["sport"])
    # Port reuse: a client SYN (not the first frame) starts the next session.
    parts, cur = [], []
    for seg in segs:
        if seg[0] == cli and seg[2] & 0x12 == 0x02 and cur:
            parts.append(cur)
            cur = []
        cur.append(seg)
    if cur:
        parts.append(cur)
    if len(parts) != len(sessions):
        errors.append("%s: %d sessions in the capture, %d in the truth"
                      % (sorted(pair), len(parts), len(sessions)))
        continue
    for s, part in zip(sessions, parts):
        for d, name in ((0, "send"), (1, "recv")):
            mine = [(q, f, p) for (who, q, f, p) in part if (who == cli) == (d == 0)]
            pk, by, rt, mi, fs, fa = direction(mine, s["isn"][d])
            t = s[name]
            tag = "session %d %s" % (s["id"], name)
            check(tag + " packets", pk, t["packets"])
            check(tag + " bytes", by, t["bytes"])
            check(tag + " retransmits", rt, t["retransmits"])
            check(tag + " missed", mi, t["missed"])
            check(tag + " fnv1a_seen", "%016x" % fs, t["fnv1a_seen"])
            if fa is not None:
                check(tag + " fnv1a", "%016x" % fa, t["fnv1a"])
        if s["midstream"]:
            check("session %d starts without SYN" % s["id"], part[0][2] & 0x02, 0)
            check("session %d first frame from src" % s["id"], part[0][0], cli)
for pair in conv:
    errors.append("%s: conversation not in the truth" % sorted(pair))
if errors:
    print("\n".join(errors[:30]))
    sys.exit("FAIL: %s: %d mismatches" % (pcap, len(errors)))
print("ok: %s: %d frames, %d sessions agree with tshark" % (pcap, frames, len(truth["sessions"])))
EOF

run_flows() {
	local name=$1
	shift
	"$FTGEN" --profile flows -o "$TMP/$name.pcap" --truth "$TMP/$name.json" "$@"
	no_bad_frames "$TMP/$name.pcap"
	python3 "$TMP/check.py" "$TMP/$name.pcap" "$TMP/$name.json"
}

run_flows plain --sessions 400 --seed 7
run_flows impaired --sessions 400 --seed 8 --reorder 0.2 --retransmit 0.1 --loss 0.1 \
	--midstream 0.2 --rst 0.2 --open 0.1 --concurrent 50
run_flows sll --sessions 200 --seed 9 --link sll --nsec --loss 0.05 --retransmit 0.05
run_flows raw --sessions 200 --seed 10 --link raw --ipv6 0.5 --reorder 0.1
run_flows null --sessions 200 --seed 11 --link null --payload 1:64 --frames 5000
run_flows wide --sessions 50 --seed 12 --payload 1000:9000 --concurrent 1

# Snaplen: frames are cut, lengths kept.
"$FTGEN" --profile flows -o "$TMP/snap.pcap" --sessions 50 --snaplen 96
if [ "$(tshark -n -r "$TMP/snap.pcap" -Y 'frame.cap_len > 96' 2>/dev/null | wc -l)" != 0 ] ||
	[ "$(tshark -n -r "$TMP/snap.pcap" -Y 'frame.len > frame.cap_len' 2>/dev/null | wc -l)" = 0 ]; then
	echo "FAIL: --snaplen 96 did not cut frames"
	exit 1
fi

# Same options, same bytes; another seed, other bytes.
"$FTGEN" --profile flows -o "$TMP/again.pcap" --truth "$TMP/again.json" --sessions 400 --seed 7
cmp -s "$TMP/plain.pcap" "$TMP/again.pcap" || { echo "FAIL: not deterministic (pcap)"; exit 1; }
cmp -s "$TMP/plain.json" "$TMP/again.json" || { echo "FAIL: not deterministic (truth)"; exit 1; }
"$FTGEN" --profile flows -o - --sessions 400 --seed 7 | cmp -s - "$TMP/plain.pcap" ||
	{ echo "FAIL: -o - differs from a file"; exit 1; }

# Protocols profile.
"$FTGEN" --profile protocols --outdir "$TMP/proto"
for f in "$TMP"/proto/*.pcap; do
	no_bad_frames "$f"
done
fcs=$(tshark -n -r "$TMP/proto/radiotap.pcap" -o wlan.check_fcs:TRUE -o wlan.check_checksum:TRUE \
	-Y 'wlan.fcs.status' -T fields -e wlan.fcs.status 2>/dev/null)
[ "$fcs" = 1 ] || { echo "FAIL: radiotap FCS status '$fcs' (want one good FCS)"; exit 1; }
python3 - "$TMP/proto" <<'EOF'
import json, subprocess, sys
d = sys.argv[1]
m = json.load(open(d + "/manifest.json"))
names = set()
for f in m["files"]:
    names.add(f["file"])
    out = subprocess.run(["tshark", "-n", "-r", d + "/" + f["file"], "-o", "ip.defragment:FALSE",
                          "-o", "ipv6.defragment:FALSE", "-T", "fields",
                          "-e", "frame.len", "-e", "frame.protocols"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    if len(out) != len(f["frames"]):
        sys.exit("FAIL: %s: %d frames, manifest lists %d" % (f["file"], len(out), len(f["frames"])))
    for line, fr in zip(out, f["frames"]):
        flen, protos = line.split("\t")
        if int(flen) != fr["len"]:
            sys.exit("FAIL: %s frame %d: length %s, manifest %d" % (f["file"], fr["n"], flen, fr["len"]))
        p = protos.split(":")
        for stop in ("icmp", "icmpv6"):  # the quoted header of an ICMP error is not a layer
            if stop in p:
                p = p[:p.index(stop) + 1]
        for layer, ws in (("tcp", "tcp"), ("udp", "udp"), ("dns", "dns"), ("icmp", "icmp"),
                          ("icmp6", "icmpv6"), ("arp", "arp"), ("igmp", "igmp"),
                          ("gre", "gre"), ("vxlan", "vxlan"), ("ip6", "ipv6"), ("wlan", "wlan"),
                          ("mpls", "mpls"), ("geneve", "geneve"), ("gtp", "gtp"),
                          ("chdlc", "chdlc")):  # not ppp: tshark nests Cisco HDLC in it
            if (layer in fr["layers"]) != (ws in p):
                sys.exit("FAIL: %s frame %d: manifest %s, tshark %s"
                         % (f["file"], fr["n"], fr["layers"], protos))
want = {"en10mb.pcap", "sll.pcap", "sll2.pcap", "null.pcap", "loop.pcap", "raw.pcap",
        "radiotap.pcap", "wifi.pcap", "encap.pcap", "ppp.pcap", "ppp_serial.pcap", "chdlc.pcap",
        "ppp_ether.pcap"}
if names != want:
    sys.exit("FAIL: manifest files %s" % sorted(names))
print("ok: protocols: %d files agree with the manifest" % len(names))
EOF
echo "PASS: ftgen"
