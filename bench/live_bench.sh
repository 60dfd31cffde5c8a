#!/usr/bin/env bash
# bench/live_bench.sh BUILD_DIR - live capture benchmark on the netns test hosts.
#
# tests/netns.sh makes two namespaces joined by one veth pair (MTU 9000 here).
# An ftgen capture whose every address is a test-host one (IPv6 fd00:200::/64,
# the veth ends' MACs) is replayed with `tcpreplay --topspeed` out of A; in B,
# one at a time on the same replay, each capturing tool runs:
#   flowtap (buffered, decoding and TCP tracking on; final JSON stats)
#   tcpdump -w /dev/null ("received by filter" / "dropped by kernel")
#   tshark -w /dev/null (its "packets captured" / "dropped" lines)
# FT_LIVE_ROUNDS rounds (default 3). Then flowtap tunings, one round each, and
# immediate mode with examples/latency_hist (capture timestamp -> callback).
# Reports tcpreplay's own rate (its "Rated:" line), ps_recv, ps_drop,
# ps_ifdrop, ring drops and sessions tracked (flow records). Markdown to
# BUILD_DIR/live-results.md. Root only (exit 77 otherwise). Bounded: every
# tool runs under `timeout`; about 3-4 minutes on 2 cores.
set -uo pipefail
BUILD=$(cd "${1:?usage: bench/live_bench.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${FT_LIVE_ROUNDS:-3}
FRAMES=${FT_LIVE_FRAMES:-1000000}
OUT=$BUILD/live-results.md
FLOWTAP=$BUILD/flowtap
# shellcheck source=tests/netns.sh
. "$HERE/../tests/netns.sh"
for t in tcpreplay tcpdump python3; do
	command -v $t >/dev/null || { echo "live_bench: $t is needed" >&2; exit 77; }
done
[ -x "$FLOWTAP" ] && [ -x "$BUILD/ftgen" ] || { echo "live_bench: build flowtap and ftgen first" >&2; exit 1; }
ft_netns_live_bench lb "$BUILD/ftgen" "$FRAMES" || exit $?

# run NAME CPU-LIST TOOL-COMMAND...: start the tool in B, replay, stop it, save outputs.
run() {
	local name=$1 cpus=$2 pid
	shift 2
	ip netns exec "$FT_NS_B" timeout 120 taskset -c "$cpus" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	pid=$!
	sleep 2 # the tool is capturing (tshark starts slowly)
	ip netns exec "$FT_NS_A" timeout 120 tcpreplay --topspeed -i "$FT_IF_A" "$PCAP" >"$T/$name.replay" 2>&1
	sleep 2 # let it drain
	kill -INT "$pid" # timeout(1) passes it on to the tool
	wait "$pid"
	echo "$name" >>"$T/runs"
}

flowtap_run() { # NAME CPUS FLOWTAP-OPTIONS...
	local name=$1 cpus=$2
	shift 2
	run "$name" "$cpus" "$FLOWTAP" -i "$FT_IF_B" --json --stats-interval 0 "$@"
}

ALL=0-$(($(nproc) - 1))
for r in $(seq "$ROUNDS"); do
	echo "live_bench: round $r/$ROUNDS"
	flowtap_run "flowtap.r$r" "$ALL"
	run "tcpdump.r$r" "$ALL" tcpdump -i "$FT_IF_B" -n -w /dev/null
	command -v tshark >/dev/null && run "tshark.r$r" "$ALL" tshark -i "$FT_IF_B" -n -q -w /dev/null
done
echo "live_bench: tunings"
flowtap_run "flowtap -B 65536" "$ALL" -B 65536
flowtap_run "flowtap -B 262144" "$ALL" -B 262144
flowtap_run "flowtap --buffer-timeout 100" "$ALL" --buffer-timeout 100
flowtap_run "flowtap --batch 128 --ring-slots 65536" "$ALL" --batch 128 --ring-slots 65536
flowtap_run "flowtap -W 2" "$ALL" -W 2
flowtap_run "flowtap no tracking (--no-track)" "$ALL" --no-track
flowtap_run "flowtap on 1 CPU (taskset -c 1)" 1 -W 1
flowtap_run "flowtap immediate mode" "$ALL" --immediate-mode
run "latency_hist buffered" "$ALL" "$BUILD/latency_hist" "$FT_IF_B" 60 buffered
run "latency_hist immediate" "$ALL" "$BUILD/latency_hist" "$FT_IF_B" 60 immediate

python3 - "$T" "$OUT" "$(nproc)" "$(stat -c %s "$PCAP")" <<'PY'
import json, os, re, statistics, sys
T, out, ncpu, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
runs = [l.strip() for l in open(os.path.join(T, "runs"))]
def rd(name, ext):
    p = os.path.join(T, name + "." + ext)
    return open(p, errors="replace").read() if os.path.exists(p) else ""
rows = []
frames_sent = None
for name in runs:
    rep = rd(name, "replay")
    m = re.search(r"Rated: [\d.]+ Bps, ([\d.]+) Mbps, ([\d.]+) pps", rep)
    pps, mbps = (float(m.group(2)), float(m.group(1))) if m else (0, 0)
    m = re.search(r"Actual: (\d+) packets", rep)
    sent = int(m.group(1)) if m else 0
    frames_sent = frames_sent or sent
    o, e = rd(name, "out"), rd(name, "err")
    r = dict(name=name, pps=pps, mbps=mbps, sent=sent, recv="", drop="", ifdrop="", ring="", sessions="", got="")
    if name.startswith("flowtap"):
        recs = [json.loads(l) for l in o.splitlines() if l.startswith("{")]
        st = [x for x in recs if x["type"] == "stats" and x["final"]]
        if st:
            s = st[-1]
            r.update(recv=s["ps_recv"], drop=s["ps_drop"], ifdrop=s["ps_ifdrop"], ring=s["ring_drop"],
                     got=s["packets"], sessions=sum(1 for x in recs if x["type"] == "flow"))
    elif name.startswith("tcpdump"):
        for k, pat in (("got", r"(\d+) packets captured"), ("recv", r"(\d+) packets received by filter"),
                       ("drop", r"(\d+) packets dropped by kernel"), ("ifdrop", r"(\d+) packets dropped by interface")):
            m = re.search(pat, e)
            r[k] = int(m.group(1)) if m else ""
    elif name.startswith("tshark"):
        m = re.search(r"(\d+) packets? captured", e)
        r["got"] = int(m.group(1)) if m else ""
        m = re.search(r"(\d+) packets? dropped", e)
        r["drop"] = int(m.group(1)) if m else 0
    elif name.startswith("latency_hist"):
        m = re.search(r"ps_recv (\d+) ps_drop (\d+) ring_drop (\d+) delivered (\d+)", o)
        if m:
            r.update(recv=int(m.group(1)), drop=int(m.group(2)), ring=int(m.group(3)), got=int(m.group(4)))
    rows.append(r)
hdr = ("run", "replay pps", "replay Mbps", "frames sent", "ps_recv", "ps_drop", "ps_ifdrop", "ring drops", "delivered", "sessions")
lines = ["Live capture on a veth pair between two network namespaces (tests/netns.sh, MTU 9000), "
         "%d cores. Replay: `tcpreplay --topspeed` of an ftgen capture (20000 TCP sessions, IPv6 "
         "test-host addresses, %d frames, %.0f MB). One tool at a time; each starts 2 s before the "
         "replay and is stopped (SIGINT) 2 s after it. flowtap: default options (buffered, -B 10240, "
         "--buffer-timeout 1000, -W %d, decoding and TCP tracking on) unless the run says otherwise. "
         "tshark reports no ps_recv of its own (its \"delivered\" is its captured count)."
         % (int(ncpu), frames_sent or 0, size / 1e6, max(1, int(ncpu) - 1)), "",
         "| " + " | ".join(hdr) + " |", "|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|"]
for r in rows:
    lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r["name"], "{:,.0f}".format(r["pps"]), "{:,.0f}".format(r["mbps"]), r["sent"], r["recv"], r["drop"],
        r["ifdrop"], r["ring"], r["got"], r["sessions"]))
for name in ("latency_hist buffered", "latency_hist immediate"):
    o = rd(name, "out")
    if o:
        lines += ["", "`%s` (capture timestamp -> callback):" % name, "", "```", o.strip(), "```"]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "live_bench: results in $OUT"
