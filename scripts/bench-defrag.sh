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

run() { # file options... -> wall seconds
	local t0 t1
	t0=$(date +%s%N)
	"$FLOWTAP" -r "$@" -W 1 --json >/dev/null 2>&1
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))"
}
frames() { python3 scripts/pcap_frames.py --list "$1" 2>/dev/null | awk '{n += $3} END {print n}'; }

for cap in "$FLOWS" "$FRAG"; do
	n=$(frames "$cap")
	on=() off=()
	for r in $(seq "$ROUNDS"); do
		on+=("$(run "$cap")")
		off+=("$(run "$cap" --no-defrag)")
	done
	python3 - "$(basename "$cap")" "$n" "${on[*]}" "${off[*]}" <<'PY'
import statistics, sys
name, n = sys.argv[1], int(sys.argv[2])
on = [int(x) / 1e6 for x in sys.argv[3].split()]
off = [int(x) / 1e6 for x in sys.argv[4].split()]
mon, moff = statistics.median(on), statistics.median(off)
print(f"{name}: {n} frames, {len(on)} rounds")
print(f"  defrag on   median {mon:.3f} s  {n / mon:12.0f} frames/s  (min {min(on):.3f} max {max(on):.3f})")
print(f"  --no-defrag median {moff:.3f} s  {n / moff:12.0f} frames/s  (min {min(off):.3f} max {max(off):.3f})")
print(f"  on/off time ratio {mon / moff:.3f}")
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
		for mode in on off; do
			opt=""
			[ "$mode" = off ] && opt=--no-defrag
			valgrind --tool=callgrind --callgrind-out-file="$BUILD/cg.$mode.out" \
				"$FLOWTAP" -r "$cut" -W 1 --json $opt >/dev/null 2>"$BUILD/cg.$mode.log"
			grep -o 'Collected : [0-9]*' "$BUILD/cg.$mode.log" | awk '{print $3}' >"$BUILD/cg.$mode.ir"
		done
		python3 - "$(basename "$cap")" "$(cat "$BUILD/cg.on.ir")" "$(cat "$BUILD/cg.off.ir")" <<'PY'
import sys
name, on, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = 20000
print(f"callgrind, first {n} frames of {name}: on {on / n:.1f} instr/frame, "
      f"off {off / n:.1f}, difference {(on - off) / n:+.1f} instr/frame ({on / off:.4f}x)")
PY
		rm -f "$cut" "$BUILD"/cg.*.out
	done
else
	echo "callgrind: valgrind not installed (skipped)"
fi
