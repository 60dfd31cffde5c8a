#!/usr/bin/env bash
# Accounting under deliberate overload, on the netns test hosts (tests/netns.sh).
#  1. overload_probe (C, the library): a packet callback that sleeps 200 us,
#     64 ring slots, a 64 KiB kernel buffer, 20000 datagrams in one burst from
#     A with everything on one CPU: ring drops and kernel drops, and
#     ps_recv == N == captured + ps_drop, captured == delivered + ring_drop.
#  2. the flowtap program: --packets --json into a reader that takes 200 us per
#     line (the slow consumer is the pipe), 64 ring slots, -B 64: the JSON
#     records parse, the counters only grow, the final record adds up to the N
#     datagrams sent, and every delivered frame was printed.
# Root only (namespaces); 77 otherwise. Bounded: about 20 s.
set -u
: "${FLOWTAP:?}" "${FT_OVERLOAD_PROBE:?}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/netns.sh
. "$HERE/netns.sh"
T=$(mktemp -d)
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }
ft_netns_up ovl || { rc=$?; rm -rf "$T"; exit "$rc"; }
trap 'ft_netns_down; rm -rf "$T"' EXIT
export FT_NS_A FT_NS_B FT_IF_B FT_IP_B

# 1. The library, with a slow callback.
if timeout 120 "$FT_OVERLOAD_PROBE" >"$T/probe.out" 2>&1; then
	ok "probe: $(grep -o 'overload: .*' "$T/probe.out")"
else
	bad "probe: $(cat "$T/probe.out")"
fi

# 2. The program, with a slow reader.
N=20000 PORT=$((20000 + $$ % 20000)) CPU=$(($(nproc) - 1))
cat >"$T/slow.py" <<'PY'
import sys, time
out = open(sys.argv[1], "w")
for line in sys.stdin:
    out.write(line)
    if line.startswith('{"type":"packet"'):
        time.sleep(0.0002)
PY
ip netns exec "$FT_NS_B" taskset -c $CPU "$FLOWTAP" -i "$FT_IF_B" --packets --json -W 1 \
	--ring-slots 64 -B 64 -s 256 --buffer-timeout 50 --stats-interval 0.2 \
	"udp and dst port $PORT" 2>"$T/cli.err" </dev/null | python3 "$T/slow.py" "$T/cli.out" &
sleep 1
ip netns exec "$FT_NS_A" taskset -c $CPU python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    s.sendto(b"o" * 32, (sys.argv[1], int(sys.argv[2])))' "$FT_IP_B" $PORT $N
sleep 2
pid=$(ip netns pids "$FT_NS_B" | while read -r p; do
	[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$FLOWTAP")" ] && echo "$p"; done | head -1)
[ -n "$pid" ] && kill -INT "$pid"
for _ in $(seq 100); do
	jobs -r | grep -q . || break
	sleep 0.2
done
if jobs -r | grep -q .; then
	bad "flowtap | slow reader did not end within 20 s"
	kill -KILL "$pid" 2>/dev/null
fi
wait
python3 - "$T/cli.out" $N <<'PY' && ok "program: $(tail -1 "$T/cli.sum")" || bad "program: $(cat "$T/cli.err") $(tail -c 600 "$T/cli.out")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
stats = [r for r in recs if r["type"] == "stats"]
pkts = sum(1 for r in recs if r["type"] == "packet")
fin = stats[-1]
assert fin["final"] and all(not s["final"] for s in stats[:-1]) and recs[-1] is fin, fin
keys = ("ps_recv", "ps_drop", "captured", "packets", "ring_drop", "bytes")
for a, b in zip(stats, stats[1:]):
    for k in keys:
        assert a[k] <= b[k], (k, a, b)
assert fin["ps_recv"] == n, fin
assert fin["ps_recv"] == fin["captured"] + fin["ps_drop"], fin
assert fin["captured"] == fin["packets"] + fin["ring_drop"] + fin["discarded"], fin
assert sum(w["enqueued"] for w in fin["workers"]) + fin["ring_drop"] == fin["captured"], fin
assert pkts == fin["packets"], (pkts, fin["packets"])
assert fin["ring_drop"] > 0, fin
summary = "sent %d: ps_recv %d = captured %d + ps_drop %d; captured = delivered %d + ring_drop %d; %d stats records" % (
    n, fin["ps_recv"], fin["captured"], fin["ps_drop"], fin["packets"], fin["ring_drop"], len(stats))
open(sys.argv[1].replace(".out", ".sum"), "w").write(summary + "\n")
PY

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
