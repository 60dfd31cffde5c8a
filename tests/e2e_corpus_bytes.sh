#!/usr/bin/env bash
# flowtap's per-session payload bytes on every capture of tcpdump's corpus
# (tests/data/tcpdump), against the capture's own: for each 4-tuple and
# direction, the union of the sequence ranges of its segments, computed by
# tests/seq_union.py from tshark's fields alone. A capture where the two
# legitimately differ is listed, with the reason, in
# tests/corpus_bytes_known.txt; the test fails when any other capture differs
# and when a listed one agrees again. Env (from ctest): FLOWTAP, FT_DATA_DIR.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${FT_DATA_DIR:-$HERE/data}
if [ -z "${FLOWTAP:-}" ] || [ ! -x "$FLOWTAP" ]; then
	echo "FAIL: \$FLOWTAP (${FLOWTAP:-unset}) is not an executable; run through ctest" >&2
	exit 1
fi
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
python3 "$HERE/seq_union.py" "$OUT" "$HERE/corpus_bytes_known.txt"
