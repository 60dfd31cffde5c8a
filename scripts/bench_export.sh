#!/usr/bin/env bash
# scripts/bench_export.sh BUILD_DIR - IPFIX export under load, against softflowd.
#
# The benchmark capture of scripts/bench.sh (BUILD_DIR/bench-flows.pcap:
# ftgen, 20000 sessions, 1000000 frames; made here the same way if missing)
# is read by three peers into one nfcapd (nfdump) on 127.0.0.1:
#   flowtap -r F --no-flows                          tracking + reassembly, no export
#   flowtap -r F --no-flows --ipfix udp:127.0.0.1:P  the same, exporting IPFIX
#   softflowd -r F -n 127.0.0.1:P -v 10 -b           Debian's softflowd, IPFIX biflows
#   flowtap -r F --no-flows --redis 127.0.0.1:R      flow records into a redis-server
#                                                    started here (XADD, no persistence)
# in FT_BENCH_ROUNDS interleaved rounds (default 7; each round runs each peer
# once, in a rotating order, so a noisy neighbour hits all of them alike).
# Prints per-round rates, the median frames/s of each, and the ratios of
# medians; and the flow records nfcapd stored from each exporter in the last
# round. Wall time, so on a shared machine the figures are provisional.
set -euo pipefail
BUILD=${1:?usage: scripts/bench_export.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
ROUNDS=${FT_BENCH_ROUNDS:-7}
PCAP=$BUILD/bench-flows.pcap
FLOWTAP=$BUILD/flowtap
die() { echo "bench_export.sh: $*" >&2; exit 1; }
[ -x "$FLOWTAP" ] || die "$FLOWTAP not built"
for t in python3 nfcapd nfdump softflowd redis-server redis-cli; do
	command -v $t >/dev/null || die "$t is needed (scripts/install-deps.sh all)"
done
if [ ! -s "$PCAP" ]; then
	"$BUILD/ftgen" --profile flows -o "$PCAP.tmp" --sessions 20000 --frames 1000000 >/dev/null
	mv "$PCAP.tmp" "$PCAP"
fi
DIR=$(mktemp -d)
NF= RS=
trap '[ -n "$NF" ] && kill "$NF" 2>/dev/null; [ -n "$RS" ] && kill "$RS" 2>/dev/null; rm -rf "$DIR"' EXIT
PORT=$(python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
mkdir -p "$DIR/nf"
nfcapd -b 127.0.0.1 -p "$PORT" -w "$DIR/nf" >"$DIR/nfcapd.log" 2>&1 &
NF=$!
RPORT=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" \
	--logfile "$DIR/redis.log" &
RS=$!
for _ in $(seq 100); do redis-cli -p "$RPORT" PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done
sleep 0.5

python3 - "$PCAP" "$ROUNDS" "$FLOWTAP" "$PORT" "$RPORT" <<'PY'
import statistics, subprocess, sys, time
pcap, rounds, flowtap, port, rport = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
frames = 0
with open(pcap, "rb") as f:
    f.read(24)
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        f.seek(int.from_bytes(h[8:12], "little"), 1)
        frames += 1
peers = [
    ("flowtap (no export)", [flowtap, "-r", pcap, "--no-flows"]),
    ("flowtap --ipfix udp", [flowtap, "-r", pcap, "--no-flows", "--ipfix", "udp:127.0.0.1:" + port]),
    ("softflowd -v 10 -b", ["softflowd", "-r", pcap, "-n", "127.0.0.1:" + port, "-v", "10", "-b"]),
    ("flowtap --redis", [flowtap, "-r", pcap, "--no-flows", "--redis", "127.0.0.1:" + rport]),
]
res = {n: [] for n, _ in peers}
print("capture: %s, %d frames; %d rounds" % (pcap, frames, rounds))
for r in range(rounds):
    order = peers[r % len(peers):] + peers[:r % len(peers)]
    line = []
    for name, cmd in order:
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dt = time.perf_counter() - t0
        res[name].append(frames / dt)
        tag = "+ipfix" if "ipfix" in name else "+redis" if "redis" in name else ""
        line.append("%s %.2f" % (name.split()[0] + tag, frames / dt / 1e6))
    print("  round %d/%d (Mframes/s): %s" % (r + 1, rounds, "  ".join(line)))
med = {n: statistics.median(v) for n, v in res.items()}
print("%-22s %16s %10s %10s" % ("peer", "median frames/s", "min", "max"))
for n, v in res.items():
    print("%-22s %16.0f %10.0f %10.0f" % (n, med[n], min(v), max(v)))
print("ratio flowtap --ipfix / softflowd: %.2f" % (med["flowtap --ipfix udp"] / med["softflowd -v 10 -b"]))
print("ratio flowtap --ipfix / flowtap without export: %.2f" % (med["flowtap --ipfix udp"] / med["flowtap (no export)"]))
print("ratio flowtap --redis / flowtap without export: %.2f" % (med["flowtap --redis"] / med["flowtap (no export)"]))
PY
kill -TERM "$NF"
wait "$NF" 2>/dev/null || true
NF=
echo "redis: $(redis-cli -p "$RPORT" XLEN flowtap) entries in the stream (all rounds)"
kill "$RS"
wait "$RS" 2>/dev/null || true
RS=
echo "nfcapd: $(grep -c 'New ipfix exporter' "$DIR/nfcapd.log" || true) exporters seen; $(grep -o 'Flows: [0-9]*' "$DIR/nfcapd.log" | tail -1) stored in total (all rounds)"
