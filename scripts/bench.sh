#!/usr/bin/env bash
# scripts/bench.sh BUILD_DIR - end-to-end read rates on one ~1M-frame capture.
#
# Called by `make bench` (BUILD_DIR = build-bench, configured with
# -DFT_BUILD_BENCH=ON). Steps:
#  1. the capture: BUILD_DIR/bench-flows.pcap, made once with ftgen
#     (--profile flows, 20000 sessions, 1000000 frames), or, if ftgen is
#     missing or fails, with `bench_pipeline --write-pcap=`; then cached.
#  2. FT_BENCH_ROUNDS rounds (default 5); every round runs each tool once, in
#     the same order, so a noisy neighbour hurts all of them alike:
#       tcpdump -r FILE -w /dev/null          libpcap's bare read (the baseline)
#       flowtap -r FILE -W w                  w = 1..N (N = nproc, at most 3)
#       flowtap ... --no-decode / --no-mmap   (with W = N-1, at least 1)
#       peer_tins FILE                        libtins FileSniffer, if it was built
#     and the session rows (decode + track + reassembly + one flow record per
#     TCP session, JSON to /dev/null), side by side with the peers that do
#     the same work:
#       flowtap -r FILE -W w --json           w = 1 and 2
#       flowtap -r FILE -W 1 --no-track       decode only (what tracking costs)
#       peer_tins_follow FILE                 libtins FileSniffer + TCPIP::StreamFollower
#       node peer_node_pcap.js FILE           node_pcap: decode.packet + TCPTracker
#     node_pcap is installed once into BUILD_DIR/node_pcap (npm install pcap;
#     its native part built with node-gyp against /usr/include/node);
#     FT_BENCH_NODE=0 skips it, and a failed build is reported and skipped.
#     tshark -r FILE -q runs once, after the rounds (it is slow; FT_BENCH_TSHARK=0 skips it).
#  3. a table: median, min and max frames/s, CPU seconds (user+sys) and the
#     ratio of the median to tcpdump's; also written as Markdown to
#     BUILD_DIR/bench-results.md.
#     The session rows get a second table: ratios to the two peers.
#  4. the Google Benchmark programs (bench_ring, bench_pipeline, bench_decode,
#     bench_tracker if built), --benchmark_min_time=0.2 (FT_BENCH_MIN_TIME).
#  5. FT_BENCH_BIG=1 only: 1M concurrent sessions. BUILD_DIR/bench-big.pcap
#     (ftgen --sessions 1000000 --concurrent 1000000, ~12M frames, 3.5 GB;
#     made once, ~1 minute) against the 20k-session capture: throughput and
#     peak RSS (/usr/bin/time) of `flowtap -W 1 --json --no-mmap` (--no-mmap
#     so that RSS does not count the mapped file's page-cache pages), and
#     memory per session = (RSS_big - RSS_20k) / 1M. Adds a few minutes.
# Wall time on 2 cores: about 3-4 minutes (without FT_BENCH_BIG).
set -euo pipefail

BUILD=${1:?usage: scripts/bench.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
ROUNDS=${FT_BENCH_ROUNDS:-5}
MIN_TIME=${FT_BENCH_MIN_TIME:-0.2}
FRAMES=${FT_BENCH_FRAMES:-1000000}
SESSIONS=${FT_BENCH_SESSIONS:-20000}
PCAP=$BUILD/bench-flows.pcap
OUT=$BUILD/bench-results.md
FLOWTAP=$BUILD/flowtap

die() { echo "bench.sh: $*" >&2; exit 1; }
[ -x "$FLOWTAP" ] || die "$FLOWTAP not built"
command -v python3 >/dev/null || die "python3 is needed"
command -v tcpdump >/dev/null || die "tcpdump is needed (the baseline)"

# 1. The capture (cached). ftgen's output is kept only if it looks like a
# pcap of roughly the asked size.
if [ ! -s "$PCAP" ]; then
	tmp=$PCAP.tmp
	if [ -x "$BUILD/ftgen" ] &&
		"$BUILD/ftgen" --profile flows -o "$tmp" --sessions "$SESSIONS" \
			--frames "$FRAMES" >/dev/null 2>&1 &&
		[ "$(stat -c %s "$tmp" 2>/dev/null || echo 0)" -gt $((FRAMES * 40)) ]; then
		echo "bench.sh: capture from ftgen ($SESSIONS sessions, $FRAMES frames)"
	elif [ -x "$BUILD/bench/bench_pipeline" ]; then
		echo "bench.sh: ftgen missing or failed; capture from bench_pipeline --write-pcap"
		"$BUILD/bench/bench_pipeline" --write-pcap="$tmp"
	else
		die "no capture generator (build with -DFT_BUILD_BENCH=ON)"
	fi
	mv "$tmp" "$PCAP"
fi

# node_pcap (npm package `pcap`), once, into BUILD/node_pcap (bench/node_pcap_setup.sh).
SRC=$(cd "$(dirname "$0")/.." && pwd)
NODE_PCAP=""
if [ "${FT_BENCH_NODE:-1}" != 0 ]; then
	if why=$(bash "$SRC/bench/node_pcap_setup.sh" "$BUILD"); then
		NODE_PCAP=$why
	else
		echo "bench.sh: node_pcap skipped: $why" >&2
	fi
fi

NPROC=$(nproc)
MAXW=$((NPROC < 3 ? NPROC : 3))
[ "$MAXW" -ge 1 ] || MAXW=1
ALTW=$((NPROC > 1 ? NPROC - 1 : 1))

# Tool lines: "name<TAB>command". Output goes to /dev/null; flowtap's final
# stats (stderr) are checked for the frame count.
TOOLS=$(mktemp)
trap 'rm -f "$TOOLS"' EXIT
{
	printf 'tcpdump -r -w /dev/null\ttcpdump -r %q -w /dev/null\n' "$PCAP"
	for w in $(seq 1 "$MAXW"); do
		printf 'flowtap -W %d\t%q -r %q -W %d --stats-interval 0\n' "$w" "$FLOWTAP" "$PCAP" "$w"
	done
	printf 'flowtap -W %d --no-decode\t%q -r %q -W %d --stats-interval 0 --no-decode\n' \
		"$ALTW" "$FLOWTAP" "$PCAP" "$ALTW"
	printf 'flowtap -W %d --no-mmap\t%q -r %q -W %d --stats-interval 0 --no-mmap\n' \
		"$ALTW" "$FLOWTAP" "$PCAP" "$ALTW"
	if [ -x "$BUILD/bench/peer_tins" ]; then
		printf 'libtins FileSniffer\t%q %q\n' "$BUILD/bench/peer_tins" "$PCAP"
	fi
	# Session rows: names starting with "flows:" go into the second table.
	printf 'flows: flowtap -W 1 --no-track\t%q -r %q -W 1 --no-track --stats-interval 0\n' \
		"$FLOWTAP" "$PCAP"
	for w in 1 2; do
		printf 'flows: flowtap -W %d --json\t%q -r %q -W %d --json --stats-interval 0\n' \
			"$w" "$FLOWTAP" "$PCAP" "$w"
	done
	if [ -x "$BUILD/bench/peer_tins_follow" ]; then
		printf 'flows: libtins StreamFollower\t%q %q\n' "$BUILD/bench/peer_tins_follow" "$PCAP"
	else
		echo "bench.sh: peer_tins_follow not built (libtins-dev missing?): skipped" >&2
	fi
	if [ -n "$NODE_PCAP" ]; then
		printf 'flows: node_pcap TCPTracker\tNODE_PATH=%q node %q %q\n' "$NODE_PCAP" \
			"$SRC/bench/peer_node_pcap.js" "$PCAP"
	fi
} >"$TOOLS"

TSHARK=""
if [ "${FT_BENCH_TSHARK:-1}" != 0 ] && command -v tshark >/dev/null; then
	TSHARK=$(printf 'tshark -r FILE -q (1 run)\ttshark -r %q -q' "$PCAP")
fi

# 2 and 3. The rounds, timed in Python (perf_counter around the subprocess,
# CPU from the child's rusage).
python3 - "$PCAP" "$ROUNDS" "$TOOLS" "$OUT" "$TSHARK" "$FLOWTAP" <<'PY'
import json, os, re, resource, statistics, subprocess, sys, time

pcap, rounds, tools_file, out, tshark, flowtap = sys.argv[1:7]
rounds = int(rounds)
tools = [l.rstrip("\n").split("\t", 1) for l in open(tools_file) if l.strip()]

def run(cmd):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        sys.exit("bench.sh: failed (%d): %s\n%s" % (p.returncode, cmd, p.stderr.decode()[-500:]))
    return t, cpu, p.stderr.decode()

# The frame count, from flowtap's final report (and the page cache warmed).
_, _, err = run("%s -r %s -W 1 --no-decode --stats-interval 0" % (flowtap, pcap))
m = re.search(r"(\d+) packets \((\d+) bytes\) processed", err)
if not m:
    sys.exit("bench.sh: cannot read flowtap's final stats:\n" + err)
frames, nbytes = int(m.group(1)), int(m.group(2))
size = os.path.getsize(pcap)
print("capture: %s: %d frames, %d bytes on the wire, %.0f MB file; %d rounds"
      % (pcap, frames, nbytes, size / 1e6, rounds))

# What each session row reports, once (outside the timed rounds).
def peer_line(cmd):
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("bench.sh: failed (%d): %s\n%s" % (p.returncode, cmd, p.stderr.decode()[-500:]))
    return p.stdout.decode()
what = {}
for name, cmd in tools:
    if not name.startswith("flows:") or "--no-track" in cmd:
        continue
    text = peer_line(cmd)
    if "--json" in cmd:
        n = sb = rb = 0
        for l in text.splitlines():
            if '"type":"flow"' in l:
                r = json.loads(l)
                n += 1; sb += r["send"]["bytes"]; rb += r["recv"]["bytes"]
            elif '"final":true' in l and json.loads(l)["packets"] != frames:
                sys.exit("bench.sh: %s: not every frame was processed" % name)
        what[name] = "%d flow records, payload %d B client->server, %d B server->client" % (n, sb, rb)
    else:
        v = text.split()
        what[name] = ("%s streams seen, %s ended, payload %s B client->server, %s B server->client"
                      % tuple(v[1:5]))
for name in what:
    print("  %s: %s" % (name, what[name]))

res = {name: [] for name, _ in tools}
for r in range(rounds):
    for name, cmd in tools:
        t, cpu, err = run(cmd)
        if name.startswith("flowtap") and "--json" not in cmd and "--no-track" not in cmd:
            m = re.search(r"(\d+) packets \(", err)
            if not m or int(m.group(1)) != frames:
                sys.exit("bench.sh: %s processed %s frames, not %d" % (name, m and m.group(1), frames))
        res[name].append((frames / t, cpu))
    print("  round %d/%d (Mframes/s): %s" % (r + 1, rounds, "  ".join(
        "%s=%.2f" % (n.replace(" ", "").replace("--", ",")[:24], res[n][-1][0] / 1e6)
        for n, _ in tools)), flush=True)
if tshark:
    name, cmd = tshark.split("\t", 1)
    t, cpu, _ = run(cmd)
    res[name] = [(frames / t, cpu)]

base = statistics.median(x[0] for x in res[tools[0][0]])
rows = []
flow_names = [n for n in res if n.startswith("flows:")]
for name in [n for n in res if not n.startswith("flows:")]:
    rates = [x[0] for x in res[name]]
    cpus = [x[1] for x in res[name]]
    med = statistics.median(rates)
    rows.append((name, med, min(rates), max(rates), statistics.median(cpus), med / base))

hdr = ("tool", "median frames/s", "min", "max", "CPU s (median)", "ratio to tcpdump")
w = max(len(r[0]) for r in rows)
print()
print("%-*s  %15s  %12s  %12s  %14s  %16s" % ((w,) + hdr))
for r in rows:
    print("%-*s  %15s  %12s  %12s  %14.3f  %16.2f" % (w, r[0], "{:,.0f}".format(r[1]),
          "{:,.0f}".format(r[2]), "{:,.0f}".format(r[3]), r[4], r[5]))

# The session table: per round, the time ratio of each peer to each flowtap
# row (same round, so the same neighbours), then the median of those.
peers = [n for n in flow_names if "flowtap" not in n]
frows = []
for name in flow_names:
    rates = [x[0] for x in res[name]]
    ratios = []
    for p in peers:
        rr = [res[name][i][0] / res[p][i][0] for i in range(len(rates))]
        ratios.append("%.2f" % statistics.median(rr) if "flowtap" in name else "")
    frows.append((name[len("flows: "):], statistics.median(rates), min(rates), max(rates),
                  statistics.median(x[1] for x in res[name]), ratios))
fhdr = ("tool", "median frames/s", "min", "max", "CPU s (median)") + tuple(
    "x " + p[len("flows: "):] for p in peers)
print()
print("decode + track + reassembly + flow records (ratios: median over rounds of flowtap's rate / the peer's):")
for r in frows:
    print("  %-28s %13s  %12s  %12s  %7.3f  %s" % (r[0], "{:,.0f}".format(r[1]),
          "{:,.0f}".format(r[2]), "{:,.0f}".format(r[3]), r[4], "  ".join(r[5])))

with open(out, "w") as f:
    f.write("Capture: `%s`, %d frames, %.0f MB; %d rounds of interleaved runs on %d cores, "
            "file in the page cache; frames/s = frames / wall time; CPU = user + sys.\n\n"
            % (os.path.basename(pcap), frames, size / 1e6, rounds, os.cpu_count()))
    f.write("| " + " | ".join(hdr) + " |\n")
    f.write("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|\n")
    for r in rows:
        f.write("| `%s` | %s | %s | %s | %.3f | %.2f |\n" % (r[0], "{:,.0f}".format(r[1]),
                "{:,.0f}".format(r[2]), "{:,.0f}".format(r[3]), r[4], r[5]))
    if frows:
        f.write("\nDecode + TCP tracking + reassembly + one flow record per session, same "
                "capture and rounds; ratio = median over rounds of flowtap's rate / the peer's "
                "(in the same round).\n\n")
        f.write("| " + " | ".join(fhdr) + " |\n")
        f.write("|" + "|".join(["---"] + ["---:"] * (len(fhdr) - 1)) + "|\n")
        for r in frows:
            f.write("| `%s` | %s | %s | %s | %.3f | %s |\n" % (r[0], "{:,.0f}".format(r[1]),
                    "{:,.0f}".format(r[2]), "{:,.0f}".format(r[3]), r[4], " | ".join(r[5])))
        f.write("\nWhat each reports: " + "; ".join(
            "`%s`: %s" % (n[len("flows: "):], what[n]) for n in what) + ".\n")
PY

# 4. Google Benchmark programs: the key lines (no context header).
{
	echo
	echo "Google Benchmark (--benchmark_min_time=$MIN_TIME):"
	echo
	echo '```'
} >>"$OUT"
for b in bench_ring bench_pipeline bench_decode bench_tracker; do
	exe=$BUILD/bench/$b
	[ -x "$exe" ] || continue
	echo
	echo "== $b" | tee -a "$OUT"
	FT_BENCH_PCAP=$PCAP "$exe" --benchmark_min_time="$MIN_TIME" 2>/dev/null |
		grep -E '^(BM_|Benchmark|---)' | tee -a "$OUT"
done
echo '```' >>"$OUT"

# 5. 1M concurrent sessions (optional): throughput and peak RSS against the 20k file.
if [ "${FT_BENCH_BIG:-0}" = 1 ]; then
	BIG=$BUILD/bench-big.pcap
	if [ ! -s "$BIG" ]; then
		echo "bench.sh: making $BIG (1M concurrent sessions, ~12M frames; about a minute)"
		"$BUILD/ftgen" --profile flows -o "$BIG.tmp" --sessions 1000000 --concurrent 1000000 \
			--frames 12000000 >/dev/null && mv "$BIG.tmp" "$BIG"
	fi
	python3 - "$FLOWTAP" "$PCAP" "$BIG" "$OUT" "${FT_BENCH_BIG_ROUNDS:-3}" <<'PY'
import re, statistics, subprocess, sys, time
flowtap, small, big, out, rounds = sys.argv[1:6]
def run(f):
    cmd = ["/usr/bin/time", "-f", "MAXRSS %M", flowtap, "-r", f, "-W", "1", "--json",
           "--no-mmap", "--stats-interval", "0"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("bench.sh: %s failed: %s" % (cmd, p.stderr.decode()[-300:]))
    stats = [l for l in p.stdout.decode().splitlines() if '"final":true' in l][-1]
    frames = int(re.search(r'"packets":(\d+)', stats).group(1))
    flows = p.stdout.count(b'"type":"flow"')
    rss = int(re.search(r"MAXRSS (\d+)", p.stderr.decode()).group(1)) * 1024
    return frames, flows, t, rss
res = {small: [], big: []}
for r in range(int(rounds)):
    for f in (small, big):
        res[f].append(run(f))
    print("  big round %d: 20k %.2f Mframes/s, 1M %.2f Mframes/s" % (r + 1,
          res[small][-1][0] / res[small][-1][2] / 1e6, res[big][-1][0] / res[big][-1][2] / 1e6), flush=True)
rows = []
for f, label in ((small, "20k sessions (100 concurrent)"), (big, "1M sessions, 1M concurrent")):
    frames, flows = res[f][0][0], res[f][0][1]
    rate = statistics.median(x[0] / x[2] for x in res[f])
    rss = statistics.median(x[3] for x in res[f])
    rows.append((label, frames, flows, rate, rss))
per_flow = (rows[1][4] - rows[0][4]) / rows[1][2]
with open(out, "a") as o:
    o.write("\n1M concurrent sessions: `flowtap -r FILE -W 1 --json --no-mmap` (no mmap: RSS "
            "would include the mapped file's page-cache pages), median of %s rounds, "
            "peak RSS from /usr/bin/time.\n\n" % rounds)
    o.write("| capture | frames | flow records | median frames/s | peak RSS |\n|---|---:|---:|---:|---:|\n")
    for r in rows:
        o.write("| %s | %d | %d | %s | %.0f MiB |\n" % (r[0], r[1], r[2], "{:,.0f}".format(r[3]), r[4] / 2**20))
    o.write("\nMemory per session: (RSS_1M - RSS_20k) / 1M = %.0f bytes; throughput at 1M "
            "concurrent = %.2f x the 20k capture's.\n" % (per_flow, rows[1][3] / rows[0][3]))
for r in rows:
    print("%-32s %10d frames %8d flows %12s frames/s  RSS %.0f MiB" % (r[0], r[1], r[2],
          "{:,.0f}".format(r[3]), r[4] / 2**20))
print("memory per session: %.0f bytes; throughput ratio 1M/20k: %.2f" % (per_flow, rows[1][3] / rows[0][3]))
PY
fi
echo
echo "bench.sh: results in $OUT"

# Live capture on the netns test hosts (root only; FT_BENCH_LIVE=0 skips it):
# bench/live_bench.sh writes BUILD_DIR/live-results.md (3-4 minutes).
if [ "${FT_BENCH_LIVE:-1}" != 0 ] && [ "$(id -u)" = 0 ]; then
	bash "$(dirname "$0")/../bench/live_bench.sh" "$BUILD" || echo "bench.sh: live benchmark failed or skipped"
fi
