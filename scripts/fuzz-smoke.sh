#!/usr/bin/env bash
# Short libFuzzer run of the decoder, then every kept crash input.
#   scripts/fuzz-smoke.sh BUILD_DIR SECONDS
# BUILD_DIR holds tests/fuzz/fuzz_decode (cmake -DFT_BUILD_FUZZ=ON, clang).
#  1. Seed corpus in BUILD_DIR/fuzz-seeds: every frame of tests/data/tcpdump and
#     tests/data/decoder (at most 64 per file and link type), each prefixed by
#     its link-type selector (scripts/pcap_frames.py).
#  2. fuzz_decode for SECONDS; new inputs go to BUILD_DIR/fuzz-corpus, a crash
#     to BUILD_DIR/fuzz-artifacts/ (fails the run: keep the input in
#     tests/data/fuzz-regress/ once the decoder is fixed).
#  3. Every file of tests/data/fuzz-regress/ through the target: all must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: $0 BUILD_DIR SECONDS}
SECONDS_TO_RUN=${2:-60}
FUZZ="$BUILD/tests/fuzz/fuzz_decode"
# The selector table of tests/fuzz/fuzz_decode.c, in order.
FUZZ_DLTS=0,1,12,14,101,105,108,113,127,228,229,276,9,104,-1,50,51,147,242,178
[ -x "$FUZZ" ] || { echo "fuzz-smoke: $FUZZ not built (cmake -DFT_BUILD_FUZZ=ON, target fuzz_decode)" >&2; exit 1; }

SEEDS="$BUILD/fuzz-seeds"
CORPUS="$BUILD/fuzz-corpus"
ARTIFACTS="$BUILD/fuzz-artifacts"
rm -rf "$SEEDS"
mkdir -p "$SEEDS" "$CORPUS" "$ARTIFACTS"
python3 scripts/pcap_frames.py --dlts "$FUZZ_DLTS" --outdir "$SEEDS" --max-per-file 64 \
	tests/data/tcpdump/*.pcap tests/data/tcpdump/*.pcapng tests/data/decoder/*.pcap

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
echo "fuzz-smoke: $(ls "$SEEDS" | wc -l) seeds, ${SECONDS_TO_RUN}s"
rc=0
"$FUZZ" -max_total_time="$SECONDS_TO_RUN" -timeout=5 -rss_limit_mb=2048 -max_len=16384 \
	-print_final_stats=1 -artifact_prefix="$ARTIFACTS/" "$CORPUS" "$SEEDS" \
	>"$BUILD/fuzz-smoke.log" 2>&1 || rc=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
	"$BUILD/fuzz-smoke.log" || true
if [ "$rc" -ne 0 ]; then
	grep -E -A40 '^==[0-9]+==|runtime error|^SUMMARY|Test unit written|ALARM|out-of-memory' \
		"$BUILD/fuzz-smoke.log" | head -80 >&2 || true
	echo "fuzz-smoke: FAILED (exit $rc): the fuzzer found a crash, hang or leak (log: $BUILD/fuzz-smoke.log)" >&2
	ls -l "$ARTIFACTS" >&2
	echo "Reproduce: $FUZZ $ARTIFACTS/<file>; keep the input in tests/data/fuzz-regress/." >&2
	exit 1
fi

shopt -s nullglob
regress=(tests/data/fuzz-regress/*)
inputs=()
for f in "${regress[@]}"; do
	case $f in *.md) ;; *) inputs+=("$f") ;; esac
done
if [ ${#inputs[@]} -gt 0 ]; then
	echo "fuzz-smoke: replaying ${#inputs[@]} regression inputs"
	"$FUZZ" -runs=1 "${inputs[@]}" >"$BUILD/fuzz-regress.log" 2>&1 || {
		cat "$BUILD/fuzz-regress.log" >&2
		echo "fuzz-smoke: FAILED: a kept crash input crashes again" >&2
		exit 1
	}
fi
echo "fuzz-smoke: passed"
