#!/usr/bin/env bash
# scripts/bench-defrag.sh BUILD_DIR - what IP defragmentation costs, side by side.
#
# Peers: `flowtap -r FILE -W 1 --json` (defragmentation on, the default) and
# the same with --no-defrag, on two captures (made once, cached in BUILD_DIR):
#   bench-flows-200k.pcap  ftgen --profile flows, 200000 frames, no fragments:
#                          what every frame pays for the check;
#   bench-frag.pcap        tests/tools/fragpcap.py good, repeated 300 times
#                          (~105k frames, 2/3 of them fragments).
# FT_BENCH_ROUNDS rounds (default 7) run the peers alternately, so a noisy
# neighbour hurts both alike; printed: median wall seconds, frames/s and the
# ratio on/off. Then callgrind (valgrind, if installed) counts the
# instructions of one run of each on a 20000-frame cut, which repeats on a
# busy machine: instructions per frame on and off, and the difference.
# FT_BENCH_BASE=/path/to/flowtap (a build from before defragmentation) adds
# it as a third peer in both, the "before" of the issue's speed rule.
# Wall time on 2 shared cores: about 2-3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: $0 BUILD_DIR}
FLOWTAP=$BUILD/flowtap
ROUNDS=${FT_BENCH_ROUNDS:-7}
[ -x "$FLOWTAP" ] && [ -x "$BUILD/ftgen" ] || { echo "bench-defrag: build flowtap and ftgen in $BUILD" >&2; exit 1; }
FLOWS=$BUILD/bench-flows-200k.pcap
FRAG=$BUILD/bench-frag.pcap
[ -s "$FLOWS" ] || "$BUILD/ftgen" --profile flows -o "$FLOWS" --frames 200000 --sessions 4000 --seed 3 >/dev/null
if [ ! -s "$FRAG" ]; then
	python3 tests/tools/fragpcap.py good "$FRAG.one" >/dev/null
	python3 - "$FRAG.one" "$FRAG" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(d[:24])
    for _ in range(300):
        f.write(d[24:])
PY
	rm -f "$FRAG.one"
fi

BASE=${FT_BENCH_BASE:-}
run() { # binary file options... -> wall microseconds
	local t0 t1 bin=$1
	shift
	t0=$(date +%s%N)
	"$bin" -r "$@" -W 1 --json >/dev/null 2>&1
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))"
}
frames() { python3 scripts/pcap_frames.py --list "$1" 2>/dev/null | awk '{n += $3} END {print n}'; }

for cap in "$FLOWS" "$FRAG"; do
	n=$(frames "$cap")
	on=() off=() base=()
	for r in $(seq "$ROUNDS"); do
		on+=("$(run "$FLOWTAP" "$cap")")
		off+=("$(run "$FLOWTAP" "$cap" --no-defrag)")
		[ -n "$BASE" ] && base+=("$(run "$BASE" "$cap")")
	done
	python3 - "$(basename "$cap")" "$n" "${on[*]}" "${off[*]}" "${base[*]:-}" <<'PY'
import statistics, sys
name, n = sys.argv[1], int(sys.argv[2])
rows = [("defrag on", sys.argv[3]), ("--no-defrag", sys.argv[4]), ("before (base)", sys.argv[5])]
print(f"{name}: {n} frames, {len(sys.argv[3].split())} rounds")
med = {}
for label, xs in rows:
    if not xs.strip():
        continue
    t = [int(x) / 1e6 for x in xs.split()]
    med[label] = m = statistics.median(t)
    print(f"  {label:14s} median {m:.3f} s {n / m:12.0f} frames/s (min {min(t):.3f} max {max(t):.3f})")
print(f"  on/off time ratio {med['defrag on'] / med['--no-defrag']:.3f}", end="")
if "before (base)" in med:
    print(f", on/before {med['defrag on'] / med['before (base)']:.3f}", end="")
print()
PY
done

if command -v valgrind >/dev/null 2>&1; then
	for cap in "$FLOWS" "$FRAG"; do
		cut=$BUILD/bench-defrag-cut.pcap
		python3 - "$cap" "$cut" 20000 <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
out, off, n = [d[:24]], 24, 0
while off < len(d) and n < int(sys.argv[3]):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    out.append(d[off:off + 16 + incl])
    off += 16 + incl
    n += 1
open(sys.argv[2], "wb").write(b"".join(out))
PY
		echo 0 >"$BUILD/cg.base.ir"
		for mode in on off base; do
			opt="" bin=$FLOWTAP
			[ "$mode" = off ] && opt=--no-defrag
			if [ "$mode" = base ]; then
				[ -n "$BASE" ] || continue
				bin=$BASE
			fi
			valgrind --tool=callgrind --callgrind-out-file="$BUILD/cg.$mode.out" \
				"$bin" -r "$cut" -W 1 --json $opt >/dev/null 2>"$BUILD/cg.$mode.log"
			grep -o 'Collected : [0-9]*' "$BUILD/cg.$mode.log" | awk '{print $3}' >"$BUILD/cg.$mode.ir"
		done
		python3 - "$(basename "$cap")" "$(cat "$BUILD/cg.on.ir")" "$(cat "$BUILD/cg.off.ir")" \
			"$(cat "$BUILD/cg.base.ir")" <<'PY'
import sys
name, on, off, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
n = 20000
line = (f"callgrind, first {n} frames of {name}: on {on / n:.1f} instr/frame, "
        f"off {off / n:.1f}, on-off {(on - off) / n:+.1f} ({on / off:.4f}x)")
if base:
    line += f", before {base / n:.1f}, on-before {(on - base) / n:+.1f} ({on / base:.4f}x)"
print(line)
PY
		rm -f "$cut" "$BUILD"/cg.*.out
	done
else
	echo "callgrind: valgrind not installed (skipped)"
fi
