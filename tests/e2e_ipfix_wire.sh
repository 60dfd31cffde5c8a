#!/usr/bin/env bash
# IPFIX on the wire, read by an independent decoder: tcpdump captures on
# loopback what `flowtap -r F --ipfix udp:127.0.0.1:PORT` sends to a UDP sink,
# and tshark's cflow dissector decodes it: every data record (forward and
# reverse packet counts: two cflow.packets per record) of every flow, packet
# and octet totals equal to flowtap's JSON (packets) and to the IP lengths in
# the capture (octets), sequence numbers that count data records, and no
# expert warning (malformed or sequence) from the dissector. Needs root for
# the loopback capture (exit 77 otherwise).
set -uo pipefail
FTGEN=${FTGEN:-${FT_BUILD_DIR:-build}/ftgen}
FLOWTAP=${FLOWTAP:-${FT_BUILD_DIR:-build}/flowtap}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_e2e.sh"
for t in tcpdump tshark python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: a loopback capture needs root"; exit 77; }
SINK= TD=
trap '[ -n "$SINK" ] && kill $SINK 2>/dev/null; [ -n "$TD" ] && kill $TD 2>/dev/null; rm -rf "$T"' EXIT

"$FTGEN" --profile flows -o "$T/gen.pcap" -n 800 -f 20000 --seed 11 >/dev/null
PORT=$(python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', int(sys.argv[1])))
while True: s.recv(65536)" "$PORT" &
SINK=$!
for _ in $(seq 200); do ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q . && break; sleep 0.05; done
tcpdump -i lo -B 65536 --immediate-mode -U -w "$T/export.pcap" "udp port $PORT" 2>"$T/tcpdump.err" &
TD=$!
for _ in $(seq 100); do grep -q "listening" "$T/tcpdump.err" && break; sleep 0.05; done
"$FLOWTAP" -r "$T/gen.pcap" --json -W 2 --ipfix "udp:127.0.0.1:$PORT" >"$T/out.json" 2>"$T/out.err" ||
	bad "flowtap failed: $(head -3 "$T/out.err")"
# The capture is complete when it stops growing (tcpdump may lag on a busy machine).
last=-1
for _ in $(seq 100); do
	sleep 0.3
	size=$(stat -c %s "$T/export.pcap")
	[ "$size" = "$last" ] && break
	last=$size
done
kill -INT $TD
wait $TD 2>/dev/null
TD=
kill $SINK
SINK=

tshark -r "$T/export.pcap" -d "udp.port==$PORT,cflow" -T fields -E separator='|' \
	-e cflow.packets -e cflow.octets -e cflow.sequence >"$T/cflow.txt" 2>/dev/null
tshark -r "$T/export.pcap" -d "udp.port==$PORT,cflow" -q -z expert,warn >"$T/expert.txt" 2>/dev/null
tshark -r "$T/gen.pcap" -Y "ip || ipv6" -T fields -e ip.len -e ipv6.plen >"$T/iplen.txt" 2>/dev/null
python3 - "$T/cflow.txt" "$T/out.json" "$T/iplen.txt" <<'EOF'
import json, sys
recs = pk = oc = 0
seq_ok = True
for line in open(sys.argv[1]):
    p = line.rstrip("\n").split("|")
    if len(p) < 3 or not p[0]:
        continue
    pks = [int(x) for x in p[0].split(",")]
    if int(p[2]) != recs:
        seq_ok = False
    recs += len(pks) // 2
    pk += sum(pks)
    oc += sum(int(x) for x in p[1].split(","))
flows = [json.loads(l) for l in open(sys.argv[2]) if '"type":"flow"' in l]
want_pk = sum(f["send"]["packets"] + f["recv"]["packets"] for f in flows)
want_oc = 0
for l in open(sys.argv[3]):
    a = l.rstrip("\n").split("\t")
    want_oc += int(a[0]) if a[0] else int(a[1]) + 40
ok = recs == len(flows) and pk == want_pk and oc == want_oc and seq_ok
print("%s records %d (flows %d), packets %d (json %d), octets %d (capture %d), sequence %s"
      % ("ok" if ok else "FAIL", recs, len(flows), pk, want_pk, oc, want_oc, "ok" if seq_ok else "wrong"))
sys.exit(0 if ok else 1)
EOF
rc=$?
echo "flowtap: $(tail -1 "$T/out.json" | grep -o '"export":.*')"
if [ $rc = 0 ]; then ok "tshark's cflow dissector reads every record, totals and sequence right"; else bad "cflow: see above; tcpdump: $(tail -2 "$T/tcpdump.err" | tr "\n" " ")"; fi
if grep -qE "Errors \(|Warns \(" "$T/expert.txt"; then
	bad "tshark expert warnings: $(head -8 "$T/expert.txt")"
else
	ok "tshark: no malformed or sequence warning"
fi
e2e_finish
