#!/usr/bin/env bash
# The flowtap program over the whole tcpdump corpus (tests/data/tcpdump):
# `flowtap -r FILE --packets --json -W 2` must never crash, hang or trip a
# sanitizer (in the ASan+UBSan build), whatever the file holds; a corrupt file
# may make it exit with an error, but with a message on stderr. Every line it
# prints must be a JSON object with a "type". Env (from ctest): FLOWTAP,
# FT_DATA_DIR.
set -uo pipefail
DATA=${FT_DATA_DIR:-$(cd "$(dirname "$0")" && pwd)/data}
if [ -z "${FLOWTAP:-}" ] || [ ! -x "$FLOWTAP" ]; then
	echo "FAIL: \$FLOWTAP (${FLOWTAP:-unset}) is not an executable; run through ctest" >&2
	exit 1
fi
# A sanitizer report must not look like an ordinary error exit (1).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}:exitcode=86"

# One file: exit 0 (fine), 3 (refused with a message), 1 (failure).
check_one() {
	local f=$1 name out err rc n
	name=$(basename "$f")
	out=$(mktemp) err=$(mktemp)
	timeout -k 5 120 "$FLOWTAP" -r "$f" --packets --json -W 2 >"$out" 2>"$err"
	rc=$?
	if grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$err"; then
		{ echo "FAIL: $name: sanitizer report"; head -40 "$err"; } >&2
		rm -f "$out" "$err"; return 1
	fi
	case $rc in
	0) ;;
	124 | 137) echo "FAIL: $name: hang (killed after 120 s)" >&2; rm -f "$out" "$err"; return 1 ;;
	1 | 2)
		if [ ! -s "$err" ]; then
			echo "FAIL: $name: exit $rc without a message" >&2
			rm -f "$out" "$err"; return 1
		fi
		rc=3
		;;
	*) { echo "FAIL: $name: exit $rc (crash or sanitizer)"; head -40 "$err"; } >&2
		rm -f "$out" "$err"; return 1 ;;
	esac
	# JSON is checked in one python run at the end (a start per file costs more than flowtap)
	[ -z "${FT_E2E_OUT:-}" ] || mv "$out" "$FT_E2E_OUT/$name.jsonl"
	rm -f "$out" "$err"
	return $rc
}

if [ "${1:-}" = "--one" ]; then
	check_one "$2"
	exit $?
fi

# Files in parallel (one flowtap per CPU): 830 program starts take minutes otherwise.
JOBS=${FT_E2E_JOBS:-$(nproc)}
results=$(mktemp)
FT_E2E_OUT=$(mktemp -d)
export FT_E2E_OUT
trap 'rm -rf "$results" "$FT_E2E_OUT"' EXIT
for f in "$DATA"/tcpdump/*.pcap "$DATA"/tcpdump/*.pcapng; do printf '%s\0' "$f"; done |
	xargs -0 -P "$JOBS" -n 1 sh -c 'bash "$0" --one "$1"; echo $? >>"'"$results"'"' "$0"
files=$(wc -l <"$results")
refused=$(grep -c '^3$' "$results" || true)
failed=$(grep -vc '^[03]$' "$results" || true)
if ! python3 - "$FT_E2E_OUT" <<'PY'
import json, os, sys
bad = 0
for name in sorted(os.listdir(sys.argv[1])):
    with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
                ok = isinstance(rec, dict) and "type" in rec
            except ValueError:
                ok = False
            if not ok:
                print(f"FAIL: {name[:-6]}: output line {i} is not a JSON record: {line[:200]}")
                bad += 1
                break
sys.exit(1 if bad else 0)
PY
then
	failed=$((failed + 1))
fi
echo "$files files, $refused refused with an error message, $failed failed"
[ "$files" -ge 800 ] || { echo "FAIL: only $files corpus files found in $DATA/tcpdump" >&2; exit 1; }
[ "$failed" -eq 0 ] || { echo "FAIL: see above" >&2; exit 1; }
echo "PASS"
