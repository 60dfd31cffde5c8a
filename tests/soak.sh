#!/usr/bin/env bash
# tests/soak.sh [BUILD_DIR] - a bounded soak of a live capture (not a ctest:
# run it by hand, or from scripts/bench.sh). About 3 minutes (FT_SOAK_SECS).
#
# On the netns test hosts (tests/netns.sh), tcpreplay replays ftgen captures in
# a loop, a different seed each time (so new flows each loop), at a moderate
# rate (FT_SOAK_PPS, default 20000 frames/s). flowtap captures on the other end
# with short tracker timeouts and a stats record every second. Every 3 s the
# flowtap process's VmRSS is sampled. At the end:
#   RSS is flat once warm: the last sample within 10% of the sample at 1/3 of
#     the run;
#   flows_active stays bounded (never above 3 loops' worth of sessions), and
#     sessions end by timeout;
#   the stats records only grow, and the final one is conserved
#     (ps_recv == captured + ps_drop, captured == delivered + ring drops).
# FT_SOAK_ARGS adds flowtap options (e.g. --max-flows 4096). Root only (77 otherwise).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-${FT_BUILD_DIR:-}}
FLOWTAP=${FLOWTAP:-$BUILD/flowtap}
FTGEN=${FTGEN:-$BUILD/ftgen}
SECS=${FT_SOAK_SECS:-180}
PPS=${FT_SOAK_PPS:-20000}
SESSIONS=${FT_SOAK_SESSIONS:-2000}
FRAMES=${FT_SOAK_FRAMES:-60000}
[ -x "$FLOWTAP" ] && [ -x "$FTGEN" ] || { echo "usage: tests/soak.sh BUILD_DIR (flowtap and ftgen built)" >&2; exit 2; }
command -v tcpreplay >/dev/null || { echo "soak: tcpreplay is needed" >&2; exit 77; }
# shellcheck source=tests/netns.sh
. "$HERE/netns.sh"
ft_netns_up soak || exit $?
T=$(mktemp -d)
trap 'ft_netns_down; rm -rf "$T"' EXIT
MAC_A=$(ip netns exec "$FT_NS_A" cat /sys/class/net/"$FT_IF_A"/address)
MAC_B=$(ip netns exec "$FT_NS_B" cat /sys/class/net/"$FT_IF_B"/address)
NCAP=8
for s in $(seq $NCAP); do
	"$FTGEN" --profile flows -o "$T/s$s.pcap" --seed $((s * 7919)) --sessions "$SESSIONS" \
		--frames "$FRAMES" --open 0.3 --ipv6 1 --vlan 0 --other 0 \
		--mac-src "$MAC_A" --mac-dst "$MAC_B" >/dev/null 2>&1 || { echo "soak: ftgen failed" >&2; exit 1; }
done

# flowtap: stats records kept, flow records only counted by close reason.
cat >"$T/reader.py" <<'PY'
import json, sys, collections
closes = collections.Counter()
with open(sys.argv[1], "w") as st:
    for line in sys.stdin:
        if line.startswith('{"type":"flow"'):
            closes[json.loads(line)["close"]] += 1
        elif line.startswith('{"type":"stats"'):
            st.write(line); st.flush()
json.dump(closes, open(sys.argv[2], "w"))
PY
ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --json --stats-interval 1 \
	--timeout-syn 3 --timeout-idle 5 --timeout-closed 2 ${FT_SOAK_ARGS:-} 2>"$T/ft.err" </dev/null |
	python3 "$T/reader.py" "$T/stats.jsonl" "$T/closes.json" &
sleep 1
FT_PID=$(ip netns pids "$FT_NS_B" | while read -r p; do
	[ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$FLOWTAP")" ] && echo "$p"; done | head -1)
[ -n "$FT_PID" ] || { echo "soak: flowtap did not start: $(cat "$T/ft.err")" >&2; exit 1; }

# The replay loop and the RSS sampler, until the deadline.
start=$(date +%s)
deadline=$((start + SECS))
(
	i=0
	while [ "$(date +%s)" -lt "$deadline" ]; do
		i=$((i + 1))
		ip netns exec "$FT_NS_A" timeout $((deadline - $(date +%s) + 1)) \
			tcpreplay --pps "$PPS" -i "$FT_IF_A" "$T/s$(( (i - 1) % NCAP + 1 )).pcap" >>"$T/replay.log" 2>&1
	done
	echo "$i" >"$T/loops"
) &
REPLAY=$!
while [ "$(date +%s)" -lt "$deadline" ]; do
	echo "$(($(date +%s) - start)) $(awk '/^VmRSS:/ {print $2}' /proc/"$FT_PID"/status)" >>"$T/rss"
	sleep 3
done
wait $REPLAY
sleep 7 # longer than every timeout: the last loop's sessions age out
echo "$(($(date +%s) - start)) $(awk '/^VmRSS:/ {print $2}' /proc/"$FT_PID"/status)" >>"$T/rss"
kill -INT "$FT_PID"
wait

python3 - "$T" "$SESSIONS" "$SECS" "$PPS" <<'PY'
import json, os, sys
T, sessions, secs, pps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rss = [tuple(map(int, l.split())) for l in open(os.path.join(T, "rss")) if len(l.split()) == 2]
stats = [json.loads(l) for l in open(os.path.join(T, "stats.jsonl"))]
closes = json.load(open(os.path.join(T, "closes.json")))
loops = open(os.path.join(T, "loops")).read().strip()
fin = stats[-1]
fails = []
def check(cond, what):
    print(("ok - " if cond else "FAIL - ") + what)
    if not cond:
        fails.append(what)
third = min(rss, key=lambda s: abs(s[0] - secs / 3))
last = rss[-1]
print("soak: %s s, %s replay loops at %d frames/s, %d stats records" % (secs, loops, pps, len(stats)))
print("RSS (s, KiB): " + " ".join("%d:%d" % s for s in rss))
check(abs(last[1] - third[1]) <= 0.10 * third[1],
      "RSS flat after warm-up: %d KiB at %d s, %d KiB at %d s (%+.1f%%)" % (
          third[1], third[0], last[1], last[0], 100.0 * (last[1] - third[1]) / third[1]))
peak = max(s["flows_active"] for s in stats)
check(peak <= 3 * sessions, "flows_active bounded: peak %d (<= %d)" % (peak, 3 * sessions))
check(stats[-2]["flows_active"] <= sessions // 10 if len(stats) > 1 else False,
      "sessions age out once the replay stops: %d active before the stop" % stats[-2]["flows_active"])
check(closes.get("timeout", 0) > 0, "sessions ended by timeout: %s" % dict(closes))
mono = all(a[k] <= b[k] for a, b in zip(stats, stats[1:])
           for k in ("ps_recv", "ps_drop", "captured", "packets", "bytes", "ring_drop", "flows_evicted"))
check(mono, "counters only grow across %d records" % len(stats))
check(fin["final"] and fin["captured"] == fin["packets"] + fin["ring_drop"] + fin["discarded"],
      "final: captured %d == delivered %d + ring drops %d" % (fin["captured"], fin["packets"], fin["ring_drop"]))
hole = fin["ps_recv"] - fin["captured"] - fin["ps_drop"]
check(0 <= hole <= 64, "final: ps_recv %d == captured + ps_drop %d (+%d counted by the kernel, never handed out)" % (
    fin["ps_recv"], fin["captured"] + fin["ps_drop"], hole))
print("drops: ps_drop %d, ps_ifdrop %d, ring_drop %d; sessions: %d flow records, %d evicted for room" % (
    fin["ps_drop"], fin["ps_ifdrop"], fin["ring_drop"], sum(closes.values()), fin["flows_evicted"]))
sys.exit(1 if fails else 0)
PY
