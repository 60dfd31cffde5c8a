#!/usr/bin/env bash
# scripts/knee.sh BUILD_DIR - the live zero-drop knee (issue 13). Root only.
#
# tests/netns.sh makes the two test hosts (namespaces A and B joined by one
# veth pair; addresses from 10.200.0.0/24 and fd00:200::/64; both ends inside
# them, nothing sent anywhere else; removed on exit by its trap). An ftgen
# capture whose every address is a test-host one (IPv6 fd00:200::/64, the veth
# ends' MACs) is sent out of A by bench/ft_send at increasing target rates; in
# B, one at a time on the same send, each capturing tool runs:
#   flowtap, buffered (decoding and TCP tracking on; its final JSON stats)
#   flowtap --immediate-mode (the same, with the immediate-mode default buffer)
#   tcpdump -w /dev/null ("dropped by kernel", "dropped by interface")
#   tcpdump -w /dev/null --immediate-mode (its own default buffer)
# The tools take turns at each rate and the rates repeat in KNEE_ROUNDS
# rounds (default 2), so a burst of load from the shared machine falls on all
# of them alike. A rate counts as drop-free for a tool only if every round of
# it dropped nothing (kernel, interface or ring). Prints a markdown table
# (medians over rounds) and the knee of each tool: the highest rate below its
# first rate with a drop, with the rate the sender achieved there (on 2
# shared cores the sender, the kernel's delivery and the capture compete, so
# the achieved rate is the number that counts). First, the senders side by side, flat out, KNEE_ROUNDS interleaved
# rounds: ft_send (TX ring), ft_send --sendmmsg, tcpreplay --topspeed and
# trafgen (netsniff-ng), medians and ratios to tcpreplay.
# Every tool runs under timeout(1); about 8-10 minutes on 2 busy cores.
# Numbers are provisional on a shared machine; the method is the point.
set -uo pipefail
BUILD=$(cd "${1:?usage: scripts/knee.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${KNEE_ROUNDS:-2}
FRAMES=${KNEE_FRAMES:-100000}
# Each send is the capture KNEE_LOOPS times (500k frames by default): long
# enough that the per-frame CPU figures are those of a sustained rate, not of
# the start-up and the last poll.
LOOPS=${KNEE_LOOPS:-5}
RATES=${KNEE_RATES:-"50000 100000 150000 200000 300000 0"} # 0: flat out
FLOWTAP=$BUILD/flowtap
SEND=$BUILD/bench/ft_send
# shellcheck source=tests/netns.sh
. "$HERE/../tests/netns.sh"
for t in tcpdump python3 tcpreplay; do
	command -v $t >/dev/null || { echo "knee: $t is needed (scripts/install-deps.sh all)" >&2; exit 77; }
done
[ -x "$FLOWTAP" ] && [ -x "$BUILD/ftgen" ] && [ -x "$SEND" ] ||
	{ echo "knee: build with -DFT_BUILD_BENCH=ON first (flowtap, ftgen, bench/ft_send)" >&2; exit 1; }
ft_netns_up kn || exit $?
T=$(mktemp -d)
trap 'ft_netns_down; rm -rf "$T"' EXIT
PCAP=$T/knee.pcap
ft_netns_capture "$BUILD/ftgen" "$PCAP" --sessions 4000 --frames "$FRAMES" ||
	{ echo "knee: ftgen failed" >&2; exit 1; }
inA() { ip netns exec "$FT_NS_A" timeout 60 "$@"; }

# --- the senders, flat out, interleaved ---
have_trafgen=0
if command -v trafgen >/dev/null && command -v netsniff-ng >/dev/null; then
	# trafgen sends a packet config; netsniff-ng writes one from the capture (first 20k frames).
	head -c 24 "$PCAP" >"$T/tg.pcap"
	python3 - "$PCAP" "$T/tg.pcap" 20000 <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(); out = open(sys.argv[2], "ab"); off = 24
for _ in range(int(sys.argv[3])):
    if off + 16 > len(d): break
    n = struct.unpack_from("<I", d, off + 8)[0]
    out.write(d[off:off + 16 + n]); off += 16 + n
PY
	netsniff-ng --in "$T/tg.pcap" --out "$T/tg.cfg" >/dev/null 2>&1 && have_trafgen=1
fi
for r in $(seq "$ROUNDS"); do
	inA taskset -c 0 "$SEND" -i "$FT_IF_A" -r "$PCAP" --loops 3 >>"$T/send.ring" 2>/dev/null
	inA taskset -c 0 "$SEND" -i "$FT_IF_A" -r "$PCAP" --loops 3 --sendmmsg >>"$T/send.mmsg" 2>/dev/null
	inA taskset -c 0 tcpreplay --topspeed -l 3 -i "$FT_IF_A" "$PCAP" 2>&1 | grep Rated >>"$T/send.tcpreplay"
	if [ $have_trafgen = 1 ]; then
		# -P 1: one process (one core), as the others; its own TX ring, qdisc bypassed.
		inA trafgen --dev "$FT_IF_A" --conf "$T/tg.cfg" --num $((FRAMES * 3)) -P 1 --cpp 2>&1 |
			grep -E "packets outgoing|seconds|sec" >>"$T/send.trafgen.$r"
	fi
done
python3 - "$T" "$ROUNDS" "$have_trafgen" <<'PY'
import glob, json, re, statistics as st, sys
T, rounds, tg = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
res = {}
res["ft_send (TX ring)"] = [json.loads(l)["pps"] for l in open(f"{T}/send.ring")]
res["ft_send --sendmmsg"] = [json.loads(l)["pps"] for l in open(f"{T}/send.mmsg")]
res["tcpreplay --topspeed"] = [float(re.search(r"([\d.]+) pps", l).group(1)) for l in open(f"{T}/send.tcpreplay")]
if tg:
    v = []
    for r in range(1, rounds + 1):
        txt = open(f"{T}/send.trafgen.{r}").read()
        pk = re.search(r"(\d+) packets outgoing", txt)
        sec = re.search(r"(\d+) sec,? (\d+) usec", txt)
        if pk and sec:
            v.append(int(pk.group(1)) / (int(sec.group(1)) + int(sec.group(2)) / 1e6))
    if v:
        res["trafgen -P 1"] = v
base = st.median(res["tcpreplay --topspeed"]) or 1
print("## Senders, flat out (frames/s, median of %d interleaved rounds; provisional)\n" % rounds)
print("| sender | median pps | rounds | vs tcpreplay |")
print("|---|---:|---|---:|")
for k, v in res.items():
    print(f"| {k} | {st.median(v):,.0f} | {', '.join(f'{x:,.0f}' for x in v)} | {st.median(v) / base:.2f}x |")
print()
PY

# --- the knee ---
ready() { # outfile errfile: wait (bounded) until the tool is capturing
	for _ in $(seq 50); do
		grep -q . "$1" 2>/dev/null && return 0
		grep -q "listening on" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
}
run() { # NAME RATE ROUND TOOL-COMMAND...
	local name=$1 rate=$2 round=$3 pid
	shift 3
	local base=$T/$name.$rate.$round
	ip netns exec "$FT_NS_B" timeout 60 "$@" >"$base.out" 2>"$base.err" </dev/null &
	pid=$!
	ready "$base.out" "$base.err"
	sleep 0.3
	inA "$SEND" -i "$FT_IF_A" -r "$PCAP" --loops "$LOOPS" --pps "$rate" >"$base.send" 2>&1
	sleep 1 # let it drain
	kill -INT "$pid"
	wait "$pid"
}
for round in $(seq "$ROUNDS"); do
	for rate in $RATES; do
		run buffered "$rate" "$round" "$FLOWTAP" -i "$FT_IF_B" --json --no-flows
		run immediate "$rate" "$round" "$FLOWTAP" -i "$FT_IF_B" --json --no-flows --immediate-mode
		run tcpdump "$rate" "$round" tcpdump -i "$FT_IF_B" -w /dev/null
		run tcpdump_imm "$rate" "$round" tcpdump -i "$FT_IF_B" -w /dev/null --immediate-mode
	done
done
python3 - "$T" "$ROUNDS" "$((FRAMES * LOOPS))" $RATES <<'PY'
import json, re, statistics as st, sys
T, rounds, frames, rates = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(x) for x in sys.argv[4:]]
def flowtap(base):
    s = [json.loads(l) for l in open(base + ".out") if l.startswith("{")][-1]
    c = s.get("cpu_ns_per_frame", {})
    return {"recv": s["ps_recv"], "kernel": s["ps_drop"], "ifdrop": s["ps_ifdrop"], "ring": s["ring_drop"],
            "cap_ns": c.get("capture", 0), "wrk_ns": st.median(c.get("workers", [0]) or [0])}
def tcpdump(base):
    e = open(base + ".err").read()
    if not re.search(r"\d+ packets received by filter", e):
        raise ValueError("tcpdump printed no statistics")  # it failed: "run failed", not drop-free
    g = lambda pat: int(re.search(pat, e).group(1)) if re.search(pat, e) else 0
    return {"recv": g(r"(\d+) packets received by filter"), "kernel": g(r"(\d+) packets dropped by kernel"),
            "ifdrop": g(r"(\d+) packets dropped by interface"), "ring": 0, "cap_ns": None, "wrk_ns": None}
TOOLS = ("buffered", "immediate", "tcpdump", "tcpdump_imm")
rows, knee, failed = [], {}, {}
for rate in rates:
    for tool in TOOLS:
        rs = []
        for r in range(1, rounds + 1):
            base = f"{T}/{tool}.{rate}.{r}"
            try:
                m = tcpdump(base) if tool.startswith("tcpdump") else flowtap(base)
                m["sent"] = json.loads(open(base + ".send").read().splitlines()[-1])["pps"]
            except Exception as ex:
                m = None
            rs.append(m)
        ok = [m for m in rs if m]
        if not ok:
            rows.append((rate, tool, None)); continue
        zero = len(ok) == rounds and all(m["kernel"] == 0 and m["ifdrop"] == 0 and m["ring"] == 0 for m in ok)
        # Rates go up (flat out last): the knee is the last drop-free rate before the
        # first one with a drop (a drop-free rate above a dropping one is luck).
        if zero and not failed.get(tool):
            knee[tool] = rate, st.median(m["sent"] for m in ok)
        elif not zero:
            failed[tool] = True
        rows.append((rate, tool, ok, zero))
name = {"buffered": "flowtap buffered", "immediate": "flowtap --immediate-mode", "tcpdump": "tcpdump -w /dev/null",
        "tcpdump_imm": "tcpdump --immediate-mode"}
print(f"## The knee ({frames} frames per send, medians of {rounds} rounds; provisional)\n")
print("| target pps | capture | sent pps | received | kernel drops | if drops | ring drops | capture ns/frame | worker ns/frame | drop-free |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
med = lambda ok, k: st.median(m[k] for m in ok)
for row in rows:
    rate, tool = row[0], row[1]
    if row[2] is None:
        print(f"| {rate or 'flat out'} | {name[tool]} | - | - | - | - | - | - | - | run failed |"); continue
    ok, zero = row[2], row[3]
    ns = lambda k: "-" if ok[0][k] is None else f"{med(ok, k):.0f}"
    print(f"| {rate or 'flat out'} | {name[tool]} | {med(ok, 'sent'):,.0f} | {med(ok, 'recv'):,.0f} | "
          f"{med(ok, 'kernel'):,.0f} | {med(ok, 'ifdrop'):,.0f} | {med(ok, 'ring'):,.0f} | {ns('cap_ns')} | {ns('wrk_ns')} | "
          f"{'yes' if zero else 'no'} |")
print()
for tool in TOOLS:
    if tool in knee:
        r, sent = knee[tool]
        print(f"- knee, {name[tool]}: target {'flat out' if r == 0 else f'{r:,}'} (the sender achieved {sent:,.0f} frames/s)")
    else:
        print(f"- knee, {name[tool]}: below the lowest rate tried")
PY
