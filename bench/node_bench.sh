#!/usr/bin/env bash
# bench/node_bench.sh BUILD_DIR - the Node.js package against node_pcap 3.1 on
# the benchmark capture (BUILD_DIR/bench-flows.pcap, made as scripts/bench.sh
# makes it: ftgen --profile flows, 20000 sessions, 1M frames; cached).
# Three peers doing the same job (decode every frame, track TCP sessions,
# count payload per direction), interleaved in FT_NODE_BENCH_ROUNDS rounds
# (default 3) so a noisy neighbour hurts all alike:
#   node_pcap          bench/peer_node_pcap.js with node_pcap 3.1
#                      (createOfflineSession + decode.packet + TCPTracker)
#   flowtap compat     the same script, unchanged, with require("pcap")
#                      resolving to this package (node/): per-packet 'packet'
#                      events, decode.packet in JS, TCPTracker fed by
#                      flowtap's tracker
#   flowtap flow W=w   bench/peer_node_flowtap.js: Pipeline 'flow' events,
#                      w = 1 and 2 workers
# Prints per round frames/s, then the median frames/s of each and, per round,
# the ratio to node_pcap (median over rounds); and what each reports
# (sessions, payload bytes), which differ: node_pcap tracks IPv4 only.
# Needs the addon built (node/build.js; done here into BUILD_DIR/node-bench).
# About 3-4 minutes on 2 cores.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench/node_bench.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${FT_NODE_BENCH_ROUNDS:-3}
PCAP=$BUILD/bench-flows.pcap
die() { echo "node_bench.sh: $*" >&2; exit 1; }
command -v node >/dev/null || die "node is missing"
if [ ! -s "$PCAP" ]; then
	"$BUILD/ftgen" --profile flows -o "$PCAP.tmp" --sessions 20000 --frames 1000000 >/dev/null ||
		die "ftgen failed"
	mv "$PCAP.tmp" "$PCAP"
fi
NODE_PCAP=$(bash "$SRC/bench/node_pcap_setup.sh" "$BUILD") || die "node_pcap: $NODE_PCAP"
# require("pcap") -> this package, through NODE_PATH (the peer script is unchanged).
COMPAT=$BUILD/node-bench/node_modules
mkdir -p "$COMPAT"
ln -sfn "$SRC/node" "$COMPAT/pcap"
export FLOWTAP_ADDON=$BUILD/node-bench/flowtap.node
node "$SRC/node/build.js" --build-dir "$BUILD" --out "$FLOWTAP_ADDON" >/dev/null

python3 - "$PCAP" "$ROUNDS" "$NODE_PCAP" "$COMPAT" "$SRC" <<'PY'
import os, statistics, subprocess, sys, time
pcap, rounds, node_pcap, compat, src = sys.argv[1:6]
rounds = int(rounds)
peer = os.path.join(src, "bench", "peer_node_pcap.js")
flow = os.path.join(src, "bench", "peer_node_flowtap.js")
tools = [
    ("node_pcap 3.1 (decode.packet + TCPTracker)", ["node", peer, pcap], node_pcap),
    ("flowtap compat (same script, require('pcap') -> node/)", ["node", peer, pcap], compat),
    ("flowtap Pipeline 'flow', 1 worker", ["node", flow, pcap, "1"], ""),
    ("flowtap Pipeline 'flow', 2 workers", ["node", flow, pcap, "2"], ""),
]
def run(cmd, path):
    env = dict(os.environ, NODE_PATH=path) if path else dict(os.environ)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("node_bench.sh: failed: %s\n%s" % (" ".join(cmd), p.stderr.decode()[-800:]))
    return t, p.stdout.decode().split()
res = {n: [] for n, _, _ in tools}
said = {}
frames = None
for r in range(rounds):
    line = []
    for name, cmd, path in tools:
        t, out = run(cmd, path)
        said[name] = out
        fr = int(out[0])
        if name.startswith("flowtap") and frames is not None and fr != frames:
            sys.exit("node_bench.sh: %s saw %d frames, node_pcap %d" % (name, fr, frames))
        frames = frames or fr
        res[name].append(frames / t)
        line.append("%.0fk" % (frames / t / 1e3))
    print("round %d/%d frames/s: %s" % (r + 1, rounds, "  ".join(line)), flush=True)
base = tools[0][0]
print("\ncapture: %s, %d frames; %d rounds, interleaved; %d cores" % (pcap, frames, rounds, os.cpu_count()))
print("%-58s %14s %12s  %s" % ("peer", "median fr/s", "x node_pcap", "reports: frames sessions ended send_bytes recv_bytes"))
for name, _, _ in tools:
    med = statistics.median(res[name])
    ratio = statistics.median(res[name][i] / res[base][i] for i in range(rounds))
    print("%-58s %14s %12.2f  %s" % (name, "{:,.0f}".format(med), ratio, " ".join(said[name])))
PY
