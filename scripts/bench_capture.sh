#!/usr/bin/env bash
# scripts/bench_capture.sh BUILD_DIR [OTHER_FLOWTAP] - the capture path, side by side.
#
# What it measures (the file reader, mmap zero-copy, and the default run):
#   tcpdump -r F -w /dev/null                 libpcap's bare read (the baseline)
#   flowtap -r F -W 1 --no-track              capture + decode, no tracking
#   flowtap -r F                              the default run (decode + track + records)
# for BUILD_DIR/flowtap and, if given, OTHER_FLOWTAP (e.g. a copy of the binary
# built before a change), in FT_BENCH_ROUNDS (default 7) interleaved rounds:
# every round runs each command once in the same order, so a noisy neighbour
# hurts all of them alike. Prints the median wall time, frames/s and the ratio
# to tcpdump's median. Then callgrind instruction counts (Ir, all threads) of
# the flowtap rows on a 100,000-frame capture: repeatable on a noisy machine.
# Captures: ftgen --profile flows, 20000 sessions (FT_BENCH_FRAMES frames,
# default 1000000) and 100000 frames, cached in BUILD_DIR. About 3 minutes on
# 2 cores. Wall figures on a shared machine are provisional.
set -euo pipefail

BUILD=$(cd "${1:?usage: scripts/bench_capture.sh BUILD_DIR [OTHER_FLOWTAP]}" && pwd)
OTHER=${2:-}
ROUNDS=${FT_BENCH_ROUNDS:-7}
FRAMES=${FT_BENCH_FRAMES:-1000000}
BIG=$BUILD/bench-capture-$FRAMES.pcap
SMALL=$BUILD/bench-capture-100000.pcap
die() { echo "bench_capture.sh: $*" >&2; exit 1; }
[ -x "$BUILD/flowtap" ] && [ -x "$BUILD/ftgen" ] || die "build flowtap and ftgen first"
[ -z "$OTHER" ] || [ -x "$OTHER" ] || die "$OTHER is not executable"
command -v tcpdump >/dev/null || die "tcpdump is needed (scripts/install-deps.sh)"
command -v python3 >/dev/null || die "python3 is needed"

gen() { # frames, output
	[ -s "$2" ] && return 0
	"$BUILD/ftgen" --profile flows -o "$2.tmp" --sessions 20000 --frames "$1" --seed 1 \
		--reorder 0.02 >/dev/null || die "ftgen failed"
	mv "$2.tmp" "$2"
}
gen "$FRAMES" "$BIG"
gen 100000 "$SMALL"

declare -a NAMES CMDS
add() { NAMES+=("$1"); CMDS+=("$2"); }
add "tcpdump -w /dev/null" "tcpdump -r $BIG -w /dev/null"
for bin in "$BUILD/flowtap" $OTHER; do
	tag=$([ "$bin" = "$BUILD/flowtap" ] && echo new || echo other)
	add "flowtap($tag) -W 1 --no-track" "$bin -r $BIG -W 1 --no-track"
	add "flowtap($tag) default" "$bin -r $BIG"
done

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
	for i in "${!CMDS[@]}"; do
		s=$(date +%s.%N)
		${CMDS[$i]} >/dev/null 2>"$T/err" || { cat "$T/err" >&2; die "failed: ${CMDS[$i]}"; }
		e=$(date +%s.%N)
		echo "$i $s $e" >>"$T/times"
	done
done
printf '%s\n' "${NAMES[@]}" >"$T/names"
python3 - "$T/times" "$T/names" "$BIG" "$ROUNDS" <<'PY'
import os, statistics, struct, sys
times, names, path, rounds = sys.argv[1], open(sys.argv[2]).read().splitlines(), sys.argv[3], sys.argv[4]
frames, size = 0, os.path.getsize(path)
with open(path, "rb") as f:  # count the records (classic pcap, as ftgen writes it)
    order = "<" if f.read(4) in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= size:
        f.seek(off + 8)
        off += 16 + struct.unpack(order + "I", f.read(4))[0]
        frames += 1
w = {}
for line in open(times):
    i, s, e = line.split()
    w.setdefault(int(i), []).append(float(e) - float(s))
base = statistics.median(w[0])
print(f"wall, median of {rounds} interleaved rounds, {frames} frames (provisional on a shared machine):")
print(f"{'run':34} {'median s':>9} {'M frames/s':>11} {'vs tcpdump':>11}")
for i, n in enumerate(names):
    m = statistics.median(w[i])
    print(f"{n:34} {m:9.3f} {frames / m / 1e6:11.2f} {m / base:11.2f}")
PY

if command -v valgrind >/dev/null; then
	echo "callgrind instructions (Ir, all threads), 100000 frames:"
	for bin in "$BUILD/flowtap" $OTHER; do
		for mode in "--no-track" ""; do
			valgrind --tool=callgrind --callgrind-out-file="$T/cg" "$bin" -r "$SMALL" -W 1 $mode \
				>/dev/null 2>"$T/vg" || die "callgrind failed: $bin $mode"
			ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$T/vg")
			printf '  %-60s %14s\n' "$bin -r F -W 1 ${mode:-(tracking on)}" "$ir"
		done
	done
else
	echo "callgrind: valgrind not installed, skipped"
fi
