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
#     tshark -r FILE -q runs once, after the rounds (it is slow; FT_BENCH_TSHARK=0 skips it).
#  3. a table: median, min and max frames/s, CPU seconds (user+sys) and the
#     ratio of the median to tcpdump's; also written as Markdown to
#     BUILD_DIR/bench-results.md.
#  4. the Google Benchmark programs (bench_ring, bench_pipeline, bench_decode
#     if built), --benchmark_min_time=0.2 (FT_BENCH_MIN_TIME), key lines kept.
# Wall time on 2 cores: about 2-3 minutes.
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
} >"$TOOLS"

TSHARK=""
if [ "${FT_BENCH_TSHARK:-1}" != 0 ] && command -v tshark >/dev/null; then
	TSHARK=$(printf 'tshark -r FILE -q (1 run)\ttshark -r %q -q' "$PCAP")
fi

# 2 and 3. The rounds, timed in Python (perf_counter around the subprocess,
# CPU from the child's rusage).
python3 - "$PCAP" "$ROUNDS" "$TOOLS" "$OUT" "$TSHARK" "$FLOWTAP" <<'PY'
import os, re, resource, statistics, subprocess, sys, time

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

res = {name: [] for name, _ in tools}
for r in range(rounds):
    for name, cmd in tools:
        t, cpu, err = run(cmd)
        if name.startswith("flowtap"):
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
for name in res:
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

with open(out, "w") as f:
    f.write("Capture: `%s`, %d frames, %.0f MB; %d rounds of interleaved runs on %d cores, "
            "file in the page cache; frames/s = frames / wall time; CPU = user + sys.\n\n"
            % (os.path.basename(pcap), frames, size / 1e6, rounds, os.cpu_count()))
    f.write("| " + " | ".join(hdr) + " |\n")
    f.write("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|\n")
    for r in rows:
        f.write("| `%s` | %s | %s | %s | %.3f | %.2f |\n" % (r[0], "{:,.0f}".format(r[1]),
                "{:,.0f}".format(r[2]), "{:,.0f}".format(r[3]), r[4], r[5]))
PY

# 4. Google Benchmark programs: the key lines (no context header).
{
	echo
	echo "Google Benchmark (--benchmark_min_time=$MIN_TIME):"
	echo
	echo '```'
} >>"$OUT"
for b in bench_ring bench_pipeline bench_decode; do
	exe=$BUILD/bench/$b
	[ -x "$exe" ] || continue
	echo
	echo "== $b" | tee -a "$OUT"
	FT_BENCH_PCAP=$PCAP "$exe" --benchmark_min_time="$MIN_TIME" 2>/dev/null |
		grep -E '^(BM_|Benchmark|---)' | tee -a "$OUT"
done
echo '```' >>"$OUT"
echo
echo "bench.sh: results in $OUT"
