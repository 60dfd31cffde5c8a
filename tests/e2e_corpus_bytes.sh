#!/usr/bin/env bash
# flowtap's per-session payload bytes on every capture of tcpdump's corpus
# (tests/data/tcpdump), against the capture's own: for each 4-tuple and
# direction, the union of the sequence ranges of its segments, computed by
# tests/seq_union.py from tshark's fields alone. A capture where the two
# legitimately differ is listed, with the reason, in
# tests/corpus_bytes_known.txt; the test fails when any other capture differs
# and when a listed one agrees again. Also generated captures of a loss
# before the tap (tests/wire_loss.py). Env (from ctest): FLOWTAP, FTGEN,
# FT_DATA_DIR.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${FT_DATA_DIR:-$HERE/data}
for v in FLOWTAP FTGEN; do
	[ -x "${!v:-}" ] || { echo "FAIL: \$$v (${!v:-unset}) is not an executable; run through ctest" >&2; exit 1; }
done
if [ -n "${FT_SANITIZED:-}" ]; then
	# The same files run sanitized in e2e_corpus; this one is about the numbers.
	echo "SKIP: the byte comparison runs in the Release build (e2e_corpus covers sanitizers)"
	exit 77
fi
command -v tshark >/dev/null || { echo "FAIL: tshark is not installed" >&2; exit 1; }

one() {
	local f=$1 out=$2 name
	name=$(basename "$f")
	python3 "$HERE/seq_union.py" --dump "$f" "$out/$name.tshark"
	"$FLOWTAP" -r "$f" --json -W 1 >"$out/$name.jsonl" 2>/dev/null || true
}
export -f one
export FLOWTAP HERE

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for f in "$DATA"/tcpdump/*.pcap "$DATA"/tcpdump/*.pcapng; do printf '%s\0' "$f"; done |
	xargs -0 -P "${FT_E2E_JOBS:-$(nproc)}" -I{} bash -c 'one "$1" "$2"' _ {} "$OUT"

# Generated: a long transfer (2 MB one way) with two segments lost before the
# tap, the receiver's duplicate ACKs, and each retransmission 50 segments
# behind (within the session's 256 KiB reorder buffer) or 250 behind (past
# it: the hole is given up for want of buffer, then fills).
GEN=$(mktemp -d)
trap 'rm -rf "$OUT" "$GEN"' EXIT
"$FTGEN" --profile flows -o "$GEN/long.pcap" --sessions 1 --concurrent 1 --frames 3000 \
	--rst 0 --open 0 --udp 0 --other 0 --ipv6 0 --vlan 0 --payload 1400:1400 --seed 5 >/dev/null
for late in 50 250; do
	python3 "$HERE/wire_loss.py" "$GEN/long.pcap" "$GEN/gen-wire-loss-$late.pcap" "$late" >/dev/null &&
		one "$GEN/gen-wire-loss-$late.pcap" "$OUT" ||
		{ echo "FAIL: could not make gen-wire-loss-$late.pcap"; exit 1; }
	# Every byte was captured: nothing may stay counted as missed.
	python3 - "$OUT/gen-wire-loss-$late.pcap.jsonl" <<'PY' || { echo "FAIL: gen-wire-loss-$late.pcap"; exit 1; }
import json, sys
fl = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "flow"]
bad = [(r["sport"], d, r[d].get("missed")) for r in fl for d in ("send", "recv") if r[d].get("missed", 0)]
assert len(fl) == 1 and not bad, (len(fl), bad)
PY
done
python3 "$HERE/seq_union.py" "$OUT" "$HERE/corpus_bytes_known.txt"
