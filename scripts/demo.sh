#!/usr/bin/env bash
# `make demo`: generate a capture with the project's own generator and run the
# pipeline on it: the first packets as text and as JSON, then the whole file
# with the final stats. Needs nothing but the build.
set -euo pipefail
B=${1:-build}
cap="$B/demo.pcap"
if [ ! -s "$cap" ]; then
	"$B/ftgen" --profile flows -o "$cap" --truth "$B/demo.json" --sessions 200 --seed 42 \
		--vlan 0.1 --ipv6 0.3 --udp 0.1 --reorder 0.02 --retransmit 0.02
fi
echo "== $cap: the first 12 packets (flowtap -r $cap --packets -c 12)"
"$B/flowtap" -r "$cap" --packets -c 12
echo
echo "== the same as JSON lines (flowtap -r $cap --packets --json -c 3)"
"$B/flowtap" -r "$cap" --packets --json -c 3
echo
echo "== the whole file on $(nproc) cores, final stats (flowtap -r $cap --json)"
"$B/flowtap" -r "$cap" --json
