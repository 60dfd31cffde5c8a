#!/usr/bin/env bash
# End-to-end checks of the flowtap program: exit codes and messages for bad
# input, every frame once whatever the worker count or reader, stdin, -w, -c,
# the JSON stats record, conservation, and (as root) SIGINT on a live capture
# of loopback. Uses $FLOWTAP and $FTGEN (set by ctest).
set -u
: "${FLOWTAP:?}" "${FTGEN:?}"
# shellcheck source=tests/lib_e2e.sh
. "$(dirname "$0")/lib_e2e.sh"
expect_exit() { # want_code description command...
	local want=$1 what=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok "$what (exit $got)"; else bad "$what: exit $got, want $want; stderr: $(head -c 300 "$T/err")"; fi
}
stderr_has() { if grep -q -- "$1" "$T/err"; then ok "message mentions '$1'"; else bad "stderr lacks '$1': $(head -c 300 "$T/err")"; fi; }

"$FTGEN" --profile flows -o "$T/f.pcap" --truth "$T/f.json" --sessions 300 --seed 7 --vlan 0.2 --ipv6 0.3 --udp 0.2 >/dev/null 2>&1 || { bad "ftgen failed"; exit 1; }
frames=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["frames"])' "$T/f.json")
[ "$frames" -gt 1000 ] && ok "generated $frames frames" || bad "too few frames: $frames"

# --- usage and errors ---
expect_exit 0 "--version" "$FLOWTAP" --version
grep -q "flowtap .*libpcap" "$T/out" && ok "--version names libpcap" || bad "--version output: $(cat "$T/out")"
expect_exit 0 "--help" "$FLOWTAP" --help
expect_exit 2 "no source" "$FLOWTAP"
expect_exit 2 "bad -W" "$FLOWTAP" -r "$T/f.pcap" -W 0
expect_exit 1 "missing file" "$FLOWTAP" -r "$T/nope.pcap"
stderr_has "No such file"
printf 'definitely not a capture file, just some text\n' >"$T/garbage.pcap"
expect_exit 1 "corrupt file" "$FLOWTAP" -r "$T/garbage.pcap"
stderr_has "garbage.pcap"
expect_exit 1 "bad filter" "$FLOWTAP" -r "$T/f.pcap" "tcp port banana"
stderr_has "bad filter"
expect_exit 1 "missing interface" "$FLOWTAP" -i ft-nosuch0
stderr_has "ft-nosuch0"
head -c $(( $(stat -c %s "$T/f.pcap") - 20 )) "$T/f.pcap" >"$T/cut.pcap"
for reader in "" --no-mmap; do
	expect_exit 3 "cut file $reader" "$FLOWTAP" -r "$T/cut.pcap" --packets --json $reader
	stderr_has "cut off\|truncated"
	n=$(grep -c '"type":"packet"' "$T/out")
	[ "$n" = $((frames - 1)) ] && ok "cut file $reader: every whole frame printed ($n)" || bad "cut file $reader: $n lines, want $((frames - 1))"
done

# --- every frame once, same output for 1 and N workers and both readers ---
packets_only() { grep '"type":"packet"'; }
"$FLOWTAP" -r "$T/f.pcap" --packets --json -W 1 2>/dev/null | packets_only >"$T/w1" || bad "W1 run"
sort "$T/w1" >"$T/w1.s"
for args in "-W 2" "-W 3" "-W 3 --no-mmap" "-W 2 --batch 1 --ring-slots 64"; do
	# shellcheck disable=SC2086
	"$FLOWTAP" -r "$T/f.pcap" --packets --json $args 2>/dev/null | packets_only | sort >"$T/wn.s"
	if cmp -s "$T/w1.s" "$T/wn.s"; then ok "same records with $args"; else bad "records differ with $args"; fi
done
python3 - "$T/w1" "$frames" <<'PY' && ok "JSON lines valid, frames 1..$frames once each" || bad "JSON check"
import json, sys
ns = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert r["type"] == "packet", r
    ns.append(r["n"])
assert sorted(ns) == list(range(1, int(sys.argv[2]) + 1)), (len(ns), sys.argv[2])
PY
"$FLOWTAP" -r "$T/f.pcap" --packets --no-flows -W 2 >"$T/text" 2>/dev/null
[ "$(wc -l <"$T/text")" = "$frames" ] && ok "text mode: one line per frame" || bad "text mode line count"

# --- stdin, -c, -w, stats record and conservation ---
n=$(cat "$T/f.pcap" | "$FLOWTAP" -r - --packets --json 2>/dev/null | packets_only | wc -l)
[ "$n" = "$frames" ] && ok "stdin: $n frames" || bad "stdin: $n frames, want $frames"
n=$("$FLOWTAP" -r "$T/f.pcap" --packets --no-flows -c 17 -W 3 2>/dev/null | wc -l)
[ "$n" = 17 ] && ok "-c 17" || bad "-c 17 gave $n"
"$FLOWTAP" -r "$T/f.pcap" -w "$T/w.pcap" -W 2 tcp 2>/dev/null
n1=$("$FLOWTAP" -r "$T/w.pcap" --json 2>/dev/null | python3 -c 'import json,sys; print(json.loads(sys.stdin.readlines()[-1])["packets"])')
n2=$("$FLOWTAP" -r "$T/f.pcap" --json tcp 2>/dev/null | python3 -c 'import json,sys; print(json.loads(sys.stdin.readlines()[-1])["packets"])')
[ "$n1" = "$n2" ] && [ "$n1" -gt 0 ] && ok "-w wrote the $n1 filtered frames" || bad "-w: $n1 vs $n2"
"$FLOWTAP" -r "$T/f.pcap" --json -W 3 >"$T/stats" 2>/dev/null
python3 - "$T/stats" "$frames" "$T/f.json" <<'PY' && ok "final stats record conserved, bytes as ftgen's truth" || bad "stats record"
import json, sys
truth = json.load(open(sys.argv[3]))
recs = [json.loads(l) for l in open(sys.argv[1])]
st = [r for r in recs if r["type"] == "stats"]
assert len(st) == 1 and st[0]["final"] is True, st
s, n = st[0], int(sys.argv[2])
assert s["captured"] == n and s["packets"] == n and s["ring_drop"] == 0, s
assert s["bytes"] == truth["bytes"], (s["bytes"], truth["bytes"])
assert s["ps_recv"] == n and s["ps_drop"] == 0 and "ps_ifdrop" not in s, s
assert len(s["workers"]) == 3 and sum(w["packets"] for w in s["workers"]) == n, s
assert sum(w["enqueued"] for w in s["workers"]) + s["ring_drop"] == s["captured"], s
for k in ("ts", "bytes", "decode_errors", "flows_active", "flows_evicted"):
    assert k in s, k
# cpu_ns_per_frame: each thread's own CPU time / its frames; plausible, not timed.
import math
c = s["cpu_ns_per_frame"]
assert math.isfinite(c["capture"]) and c["capture"] > 0, c
assert len(c["workers"]) == 3, c
for w, ns in zip(s["workers"], c["workers"]):
    assert math.isfinite(ns) and (ns > 0) == (w["packets"] > 0), (w, c)
PY
# Counters of the tracker reach the stats record: a RST the tracker does not
# honour (tcpdump's tcp_rst_data.pcap: data after it) is counted in the flow
# record and in the stats' rst_ignored alike.
"$FLOWTAP" -r "$FT_DATA_DIR/tcpdump/tcp_rst_data.pcap" --json -W 2 >"$T/rst" 2>/dev/null
python3 - "$T/rst" <<'PY' && ok "stats rst_ignored = the flow records' (> 0)" || bad "stats rst_ignored: $(tail -1 "$T/rst")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
st = [r for r in recs if r["type"] == "stats"][-1]
flows = sum(r.get("rst_ignored", 0) for r in recs if r["type"] == "flow")
assert st["rst_ignored"] == flows > 0, (st["rst_ignored"], flows)
assert st["ooo_dropped"] == 0, st
PY
# A reader that goes away (| head) ends flowtap quietly.
"$FLOWTAP" -r "$T/f.pcap" --packets 2>"$T/err" | head -3 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && ok "closed pipe: exit 0" || bad "closed pipe: exit $rc: $(cat "$T/err")"

# --- live: SIGINT stops cleanly with final stats (needs CAP_NET_RAW) ---
"$FLOWTAP" -i lo --json --stats-interval 0.2 "udp port 9" >"$T/live" 2>"$T/err" </dev/null &
pid=$!
sleep 1
if kill -0 $pid 2>/dev/null; then
	kill -INT $pid
	wait $pid
	rc=$?
	[ "$rc" = 0 ] && ok "SIGINT: exit 0" || bad "SIGINT: exit $rc: $(cat "$T/err")"
	python3 - "$T/live" <<'PY' && ok "live: periodic and final stats records" || bad "live stats records: $(cat "$T/live")"
import json, sys
st = [json.loads(l) for l in open(sys.argv[1])]
assert len(st) >= 3 and st[-1]["final"] is True and all(not s["final"] for s in st[:-1]), st
assert all(s["live"] and "ps_ifdrop" in s for s in st), st
PY
else
	wait $pid
	if grep -q "CAP_NET_RAW" "$T/err"; then skip "live capture on lo: no CAP_NET_RAW"; else bad "live capture on lo: $(cat "$T/err")"; fi
fi

# --- -Z USER: every thread runs as USER once the capture is open (root only) ---
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	"$FLOWTAP" -i lo -Z nobody -W 2 --stats-interval 0.5 "udp port 9" >/dev/null 2>"$T/err" </dev/null &
	pid=$!
	sleep 1
	uids=$(awk '/^Uid:/ {print $3}' /proc/$pid/task/*/status 2>/dev/null | sort -u)
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	want=$(id -u nobody)
	[ "$uids" = "$want" ] && [ "$rc" = 0 ] && ok "-Z nobody: all threads run as uid $want" ||
		bad "-Z nobody: effective uids '$uids' (want $want), exit $rc: $(cat "$T/err")"
else
	skip "-Z: needs root and a 'nobody' user"
fi

e2e_finish
