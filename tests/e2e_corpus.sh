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
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ft-corpus.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A sanitizer report must not look like an ordinary error exit (1).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
UBSAN_OPTIONS="$UBSAN_OPTIONS:exitcode=86"

fail=0 files=0 errors=0 lines=0
for f in "$DATA"/tcpdump/*.pcap "$DATA"/tcpdump/*.pcapng; do
	files=$((files + 1))
	name=$(basename "$f")
	timeout -k 5 60 "$FLOWTAP" -r "$f" --packets --json -W 2 >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if grep -qE 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$WORK/err"; then
		echo "FAIL: $name: sanitizer report" >&2
		head -40 "$WORK/err" >&2
		fail=1
		continue
	fi
	case $rc in
	0) ;;
	124 | 137) echo "FAIL: $name: hang (killed after 60 s)" >&2; fail=1; continue ;;
	1 | 2)
		errors=$((errors + 1))
		if [ ! -s "$WORK/err" ]; then
			echo "FAIL: $name: exit $rc without a message" >&2
			fail=1
		fi
		;;
	*) echo "FAIL: $name: exit $rc (crash or sanitizer)" >&2; head -40 "$WORK/err" >&2; fail=1; continue ;;
	esac
	n=$(wc -l <"$WORK/out")
	lines=$((lines + n))
	if ! python3 -c '
import json, sys
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    rec = json.loads(line)
    if not isinstance(rec, dict) or "type" not in rec:
        sys.exit(f"line {i}: not a record with a type: {line[:200]}")
' "$WORK/out" 2>"$WORK/pyerr"; then
		echo "FAIL: $name: bad JSON output: $(tail -1 "$WORK/pyerr")" >&2
		fail=1
	fi
done
echo "$files files, $lines output lines, $errors files refused with an error"
[ "$fail" -eq 0 ] || { echo "FAIL: see above" >&2; exit 1; }
echo "PASS"
