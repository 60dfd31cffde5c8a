#!/usr/bin/env bash
# scripts/bench_ipflows.sh BUILD_DIR [BASELINE_FLOWTAP] - what flows of every
# IP protocol cost, side by side.
#
# Two captures made once with BUILD_DIR/ftgen (cached in BUILD_DIR):
#   bench-flows.pcap   the benchmark capture of scripts/bench.sh (20000 TCP
#                      sessions, 1000000 frames, ftgen's default 2%-ish UDP mix:
#                      --udp 0.02 here, as the issue's benchmark capture)
#   bench-udp50.pcap   the same size with half its frames UDP (DNS pairs)
# FT_BENCH_ROUNDS interleaved rounds (default 5); each round runs, in order:
#   tcpdump -r F -w /dev/null            libpcap's bare read (the ratio's base)
#   BASELINE -r F -W 1 > /dev/null       a flowtap built before this change (if given)
#   flowtap  -r F -W 1 > /dev/null       this build (the default run: every flow record)
#   flowtap  -r F -W 1 --no-track        decode only
# and prints, per capture and program, the median wall seconds, M frames/s
# and the ratio of the median to tcpdump's and to the baseline's. The machine
# is shared: read the figures as provisional (interleaving spreads the noise
# over every program alike). Wall time on 2 cores: about 3 minutes.
set -euo pipefail
BUILD=$(cd "${1:?usage: scripts/bench_ipflows.sh BUILD_DIR [BASELINE_FLOWTAP]}" && pwd)
BASE=${2:-}
ROUNDS=${FT_BENCH_ROUNDS:-5}
FT=$BUILD/flowtap
command -v tcpdump >/dev/null || { echo "bench_ipflows: tcpdump missing" >&2; exit 1; }
[ -x "$FT" ] && [ -x "$BUILD/ftgen" ] || { echo "bench_ipflows: build flowtap and ftgen first" >&2; exit 1; }
[ -z "$BASE" ] || [ -x "$BASE" ] || { echo "bench_ipflows: $BASE is not executable" >&2; exit 1; }

mk() { # file udp-fraction
	[ -s "$1" ] && return
	"$BUILD/ftgen" --profile flows -o "$1.tmp" --sessions 20000 --frames 1000000 --udp "$2" >/dev/null
	mv "$1.tmp" "$1"
}
mk "$BUILD/bench-flows.pcap" 0.02
mk "$BUILD/bench-udp50.pcap" 0.5

secs() { # command... -> wall seconds
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

for cap in bench-flows bench-udp50; do
	F=$BUILD/$cap.pcap
	frames=$("$FT" -r "$F" --no-decode 2>&1 | grep -o '[0-9]* captured' | awk '{print $1}')
	declare -A T=()
	for r in $(seq "$ROUNDS"); do
		T[tcpdump]+="$(secs tcpdump -r "$F" -w /dev/null) "
		[ -z "$BASE" ] || T[baseline]+="$(secs "$BASE" -r "$F" -W 1) "
		T[flowtap]+="$(secs "$FT" -r "$F" -W 1) "
		T[no_track]+="$(secs "$FT" -r "$F" -W 1 --no-track) "
	done
	base_tcpdump=$(echo "${T[tcpdump]}" | tr ' ' '\n' | grep . | median)
	base_old=""
	[ -z "$BASE" ] || base_old=$(echo "${T[baseline]}" | tr ' ' '\n' | grep . | median)
	echo "== $cap ($frames frames, $ROUNDS interleaved rounds, medians; provisional: shared machine)"
	printf "%-10s %9s %10s %12s %12s\n" run wall_s Mframes/s vs_tcpdump vs_baseline
	for k in tcpdump baseline flowtap no_track; do
		[ -n "${T[$k]:-}" ] || continue
		m=$(echo "${T[$k]}" | tr ' ' '\n' | grep . | median)
		vb=-
		[ -z "$base_old" ] || vb=$(awk -v a="$m" -v b="$base_old" 'BEGIN {printf "%.3f", a / b}')
		printf "%-10s %9.3f %10.2f %12.3f %12s\n" "$k" "$m" \
			"$(awk -v n="$frames" -v t="$m" 'BEGIN {print n / t / 1e6}')" \
			"$(awk -v a="$m" -v b="$base_tcpdump" 'BEGIN {print a / b}')" "$vb"
	done
	unset T
done
