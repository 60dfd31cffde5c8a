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
#  4. When BUILD_DIR holds tests/fuzz/fuzz_defrag too: SECONDS of it, seeded
#     with fragment sequences (tests/tools/fragpcap.py's captures and tcpdump's
#     afs.pcap, as fuzz_defrag.c's records), crashes in BUILD_DIR/fuzz-artifacts.
#  5. When BUILD_DIR holds tests/fuzz/fuzz_tracker too: SECONDS of it, seeded
#     with TCP session sequences written in its record format.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: $0 BUILD_DIR SECONDS}
SECONDS_TO_RUN=${2:-60}
FUZZ="$BUILD/tests/fuzz/fuzz_decode"
# The selector table of tests/fuzz/fuzz_decode.c, in order.
FUZZ_DLTS=0,1,12,14,101,105,108,113,127,228,229,276,9,104,-1,50,51,147,242,178,7,129,107
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
# fuzz TARGET MAX_LEN LOG CORPUS SEEDS: SECONDS_TO_RUN of one target; a crash,
# hang or leak prints its report and fails the script.
fuzz() {
	local target=$1 max_len=$2 log=$3 rc=0
	echo "fuzz-smoke: $(basename "$target"), $(ls "$5" | wc -l) seeds, ${SECONDS_TO_RUN}s"
	"$target" -max_total_time="$SECONDS_TO_RUN" -timeout=5 -rss_limit_mb=2048 -max_len="$max_len" \
		-print_final_stats=1 -artifact_prefix="$ARTIFACTS/" "$4" "$5" >"$log" 2>&1 || rc=$?
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
		"$log" || true
	if [ "$rc" -ne 0 ]; then
		grep -E -A40 '^==[0-9]+==|runtime error|^SUMMARY|Test unit written|ALARM|out-of-memory' \
			"$log" | head -80 >&2 || true
		echo "fuzz-smoke: FAILED (exit $rc): $(basename "$target") found a crash, hang or leak (log: $log)" >&2
		ls -l "$ARTIFACTS" >&2
		echo "Reproduce: $target $ARTIFACTS/<file>; keep the input in tests/data/fuzz-regress/." >&2
		exit 1
	fi
}
fuzz "$FUZZ" 16384 "$BUILD/fuzz-smoke.log" "$CORPUS" "$SEEDS"

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
DEFRAG="$BUILD/tests/fuzz/fuzz_defrag"
if [ -x "$DEFRAG" ]; then
	DSEEDS="$BUILD/fuzz-defrag-seeds"
	rm -rf "$DSEEDS"
	mkdir -p "$DSEEDS" "$BUILD/fuzz-defrag-corpus"
	for kind in good attack tcp; do
		python3 tests/tools/fragpcap.py "$kind" "$DSEEDS/$kind.pcap" >/dev/null
	done
	python3 - "$DSEEDS" "$DSEEDS"/*.pcap tests/data/tcpdump/afs.pcap <<'PY'
import os, struct, sys
sys.path.insert(0, "scripts")
from pcap_frames import frames
out, n = sys.argv[1], 0
for path in sys.argv[2:]:
    ips = []
    for fr in frames(path):
        b = fr[-1]
        off = 14
        while len(b) >= off + 4 and b[off - 2:off] in (b"\x81\x00", b"\x88\xa8"):
            off += 4
        if b[off - 2:off] in (b"\x08\x00", b"\x86\xdd"):
            ips.append(b[off:])
    for i in range(0, len(ips), 12):
        rec = b"".join(struct.pack("<HB", len(p), 1) + p for p in ips[i:i + 12])
        with open(os.path.join(out, f"seq{n}"), "wb") as f:
            f.write(rec)
        n += 1
PY
	rm -f "$DSEEDS"/*.pcap
	fuzz "$DEFRAG" 65536 "$BUILD/fuzz-defrag.log" "$BUILD/fuzz-defrag-corpus" "$DSEEDS"
fi
TRACKER="$BUILD/tests/fuzz/fuzz_tracker"
if [ -x "$TRACKER" ]; then
	# Seeds in fuzz_tracker.c's records: a handshake, data both ways with a
	# hole filled late, a RST, a SYN retry, a close; the same over the
	# connections whose sequence numbers wrap.
	TSEEDS="$BUILD/fuzz-tracker-seeds"
	rm -rf "$TSEEDS"
	mkdir -p "$TSEEDS" "$BUILD/fuzz-tracker-corpus"
	python3 - "$TSEEDS" <<'PY'
import os, struct, sys
SYN, ACK, FIN, RST, PSH, OPT = 2, 16, 1, 4, 8, 64
def rec(fl, d, conn, step, seq, ack, n, win=255):
    return struct.pack("<BBhhHB", fl, d | conn << 1 | step << 3, seq, ack, n, win)
for conn in range(4):
    s = [rec(SYN | OPT, 0, conn, 1, 0, 0, 0), rec(SYN | ACK | OPT, 1, conn, 1, 0, 1, 0),
         rec(ACK, 0, conn, 1, 1, 1, 0), rec(ACK | PSH, 0, conn, 1, 1, 1, 300)]
    for i in range(8):  # a hole at 1, filled after the buffer is full
        s.append(rec(ACK, 1, conn, 0, 1 + 1000 * (i + 1), 301, 1000))
    s += [rec(ACK, 0, conn, 1, 301, 1, 0), rec(ACK, 1, conn, 2, 1, 301, 1000),
          rec(RST, 0, conn, 1, 301, 0, 0), rec(FIN | ACK, 1, conn, 1, 9001, 301, 0),
          rec(FIN | ACK, 0, conn, 1, 301, 9002, 0), rec(SYN, 0, conn, 31, 5000, 0, 0)]
    with open(os.path.join(sys.argv[1], f"conn{conn}"), "wb") as f:
        f.write(b"".join(s))
PY
	fuzz "$TRACKER" 4096 "$BUILD/fuzz-tracker.log" "$BUILD/fuzz-tracker-corpus" "$TSEEDS"
fi
echo "fuzz-smoke: passed"
