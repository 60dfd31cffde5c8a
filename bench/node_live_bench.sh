#!/usr/bin/env bash
# bench/node_live_bench.sh BUILD_DIR - live capture from JavaScript: node_pcap
# 3.1 against this package (node/), on the netns test hosts (tests/netns.sh).
# The benchmark's ftgen capture with test-host addresses (20000 TCP sessions,
# FT_NODE_LIVE_FRAMES frames, default 1000000) is replayed by
# `tcpreplay --topspeed` out of A; in B, one at a time on the same replay:
#   node_pcap          bench/peer_node_live.js pcap (createSession +
#                      decode.packet + TCPTracker), with node_pcap 3.1
#   flowtap compat     the same script, require("pcap") -> node/
#   flowtap flow       bench/peer_node_live.js flow (Pipeline 'flow' events)
# FT_NODE_LIVE_ROUNDS rounds (default 2), the tools taking turns. Prints per
# run the replay rate, frames sent, ps_recv, kernel drops, ring and js drops,
# frames JavaScript got and sessions; then the share of sent frames lost.
# Root only (exit 77 otherwise); every tool under timeout(1).
set -uo pipefail
BUILD=$(cd "${1:?usage: bench/node_live_bench.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
ROUNDS=${FT_NODE_LIVE_ROUNDS:-2}
FRAMES=${FT_NODE_LIVE_FRAMES:-1000000}
# shellcheck source=tests/netns.sh
. "$SRC/tests/netns.sh"
for t in tcpreplay node python3; do
	command -v $t >/dev/null || { echo "node_live_bench: $t is needed" >&2; exit 77; }
done
NODE_PCAP=$(bash "$HERE/node_pcap_setup.sh" "$BUILD") || { echo "node_live_bench: node_pcap: $NODE_PCAP" >&2; exit 1; }
COMPAT=$BUILD/node-bench/node_modules
mkdir -p "$COMPAT"
ln -sfn "$SRC/node" "$COMPAT/pcap"
export FLOWTAP_ADDON=$BUILD/node-bench/flowtap.node
node "$SRC/node/build.js" --build-dir "$BUILD" --out "$FLOWTAP_ADDON" >/dev/null || exit 1
ft_netns_live_bench nl "$BUILD/ftgen" "$FRAMES" || exit $?

run() { # NAME NODE_PATH MODE
	local name=$1 np=$2 mode=$3 pid
	ip netns exec "$FT_NS_B" env NODE_PATH="$np" timeout 300 node "$HERE/peer_node_live.js" "$mode" "$FT_IF_B" \
		>"$T/$name.out" 2>"$T/$name.err" </dev/null &
	pid=$!
	sleep 2
	ip netns exec "$FT_NS_A" timeout 120 tcpreplay --topspeed -i "$FT_IF_A" "$PCAP" >"$T/$name.replay" 2>&1
	sleep 3 # let it drain
	kill -INT "$pid"
	wait "$pid"
	echo "$name" >>"$T/runs"
}
for r in $(seq "$ROUNDS"); do
	echo "node_live_bench: round $r/$ROUNDS" >&2
	run "node_pcap.r$r" "$NODE_PCAP" pcap
	run "flowtap compat.r$r" "$COMPAT" pcap
	run "flowtap flow.r$r" "" flow
done
python3 - "$T" <<'PY'
import json, os, re, sys
T = sys.argv[1]
print("| run | replay pps | sent | ps_recv | kernel drops | ring drops | js drops | JS got | sessions | lost |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in [l.strip() for l in open(os.path.join(T, "runs"))]:
    rep = open(os.path.join(T, name + ".replay"), errors="replace").read()
    m = re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", rep)
    pps = float(m.group(1)) if m else 0
    m = re.search(r"Actual: (\d+) packets", rep)
    sent = int(m.group(1)) if m else 0
    lines = [l for l in open(os.path.join(T, name + ".out")) if l.startswith("{")]
    if not lines:
        print("| %s | %.0f | %d | (no result: %s) |" % (name, pps, sent,
              open(os.path.join(T, name + ".err"), errors="replace").read().strip()[-200:]))
        continue
    o = json.loads(lines[-1])
    lost = 1 - min(o["frames"], sent) / sent if sent else 0
    print("| %s | {:,.0f} | %d | %s | %s | %s | %s | %d | %d | %.1f%% |".format(pps) % (
        name, sent, o.get("ps_recv"), o.get("ps_drop"), o.get("ring_drop", "-"), o.get("js_drop", "-"),
        o["frames"], o["sessions"], 100 * lost))
PY
