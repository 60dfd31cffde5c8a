#!/usr/bin/env bash
# -r on gzip and zstd files (pcap and pcapng inside), detected by content as
# tshark does: the same flow records and final counts as the plain file, also
# without a telling name; a cut compressed file exits 3 after every whole
# frame before the cut; garbage after a gzip or zstd magic exits 1 with a
# message. The same from standard input (cat F | flowtap -r -), plain too:
# the bytes read to tell the format are not lost.
# Uses $FLOWTAP and $FTGEN (set by ctest), gzip, zstd, editcap.
set -u
: "${FLOWTAP:?}" "${FTGEN:?}" "${FT_SOURCE_DIR:?}"
# shellcheck source=tests/lib_e2e.sh
. "$(dirname "$0")/lib_e2e.sh"
for tool in gzip zstd python3; do
	command -v $tool >/dev/null || { echo "skip: $tool missing"; exit 77; }
done
PF="python3 $FT_SOURCE_DIR/tests/pcap_frames.py"

"$FTGEN" --profile flows -o "$T/g.pcap" --sessions 300 --seed 11 --vlan 0.2 --ipv6 0.3 --udp 0.2 >/dev/null 2>&1 || { bad "ftgen failed"; exit 1; }
"$FTGEN" --profile flows -o "$T/n.pcap" --sessions 50 --seed 5 --nsec >/dev/null 2>&1
frames=$($PF whole "$T/g.pcap")

# Flow records (sorted: workers finish in any order) and the final counts without the clock.
records() { # file args...
	local f=$1
	shift
	"$FLOWTAP" -r "$f" --json "$@" 2>"$T/err" | python3 -c '
import json, sys
out = []
for line in sys.stdin:
    r = json.loads(line)
    if r["type"] == "stats":
        r.pop("ts")
        r.pop("cpu_ns_per_frame")
    out.append(json.dumps(r, sort_keys=True))
print("\n".join(sorted(out)))'
}
same_as_plain() { # what plain compressed args...
	local what=$1 plain=$2 comp=$3
	shift 3
	records "$plain" "$@" >"$T/want"
	records "$comp" "$@" >"$T/got"
	if [ -s "$T/want" ] && cmp -s "$T/want" "$T/got"; then
		ok "$what: same flow records and counts as the plain file ($(grep -c '"flow"' "$T/got") flows)"
	else
		bad "$what: output differs: $(diff "$T/want" "$T/got" | head -3 | cut -c1-200) $(head -c 200 "$T/err")"
	fi
}

gzip -c "$T/g.pcap" >"$T/g.pcap.gz"
zstd -q -c "$T/g.pcap" >"$T/g.pcap.zst"
gzip -c "$T/n.pcap" >"$T/n.pcap.gz"
same_as_plain "gzip pcap" "$T/g.pcap" "$T/g.pcap.gz"
same_as_plain "zstd pcap" "$T/g.pcap" "$T/g.pcap.zst"
same_as_plain "zstd pcap, 3 workers, a filter (libpcap's reader both)" "$T/g.pcap" "$T/g.pcap.zst" -W 3 --no-mmap tcp
same_as_plain "gzip nanosecond pcap" "$T/n.pcap" "$T/n.pcap.gz"
a=$("$FLOWTAP" -r "$T/n.pcap" --packets -W 1 --no-flows 2>/dev/null | md5sum)
b=$("$FLOWTAP" -r "$T/n.pcap.gz" --packets -W 1 --no-flows 2>/dev/null | md5sum)
[ "$a" = "$b" ] && ok "gzip nanosecond pcap: packet lines keep nine digits" || bad "nanosecond packet lines differ"
if command -v editcap >/dev/null; then
	editcap -F pcapng "$T/g.pcap" "$T/g.pcapng"
	gzip -c "$T/g.pcapng" >"$T/g.pcapng.gz"
	zstd -q -c "$T/g.pcapng" >"$T/g.pcapng.zst"
	same_as_plain "gzip pcapng" "$T/g.pcapng" "$T/g.pcapng.gz"
	same_as_plain "zstd pcapng" "$T/g.pcapng" "$T/g.pcapng.zst"
else
	skip "editcap missing: no pcapng"
fi
# Detected by content: no extension, or a misleading one.
cp "$T/g.pcap.gz" "$T/noext"
cp "$T/g.pcap.zst" "$T/looks-plain.pcap"
same_as_plain "gzip without an extension" "$T/g.pcap" "$T/noext"
same_as_plain "zstd named .pcap" "$T/g.pcap" "$T/looks-plain.pcap"
# Concatenated gzip members are one file, as gzip -d reads them.
python3 - "$T/g.pcap" "$T/multi.gz" <<'PY'
import gzip, sys
d = open(sys.argv[1], "rb").read()
cut = len(d) // 2
with open(sys.argv[2], "wb") as f:
    f.write(gzip.compress(d[:cut]) + gzip.compress(d[cut:]))
PY
same_as_plain "two concatenated gzip members" "$T/g.pcap" "$T/multi.gz"

# Standard input (-r -): told by its first bytes, which are not lost; through a pipe.
from_stdin() { # what plain input args...
	local what=$1 plain=$2 input=$3
	shift 3
	records "$plain" "$@" >"$T/want"
	cat "$input" | records - "$@" >"$T/got"
	if [ -s "$T/want" ] && cmp -s "$T/want" "$T/got"; then
		ok "$what: same flow records and counts as the plain file"
	else
		bad "$what: output differs: $(diff "$T/want" "$T/got" | head -3 | cut -c1-200) $(head -c 200 "$T/err")"
	fi
}
from_stdin "cat g.pcap.zst | -r -" "$T/g.pcap" "$T/g.pcap.zst"
from_stdin "cat g.pcap.gz | -r -, 3 workers" "$T/g.pcap" "$T/g.pcap.gz" -W 3
from_stdin "cat g.pcap | -r - (plain)" "$T/g.pcap" "$T/g.pcap"
from_stdin "cat n.pcap.gz | -r - (nanoseconds)" "$T/n.pcap" "$T/n.pcap.gz"
[ -f "$T/g.pcapng.zst" ] && from_stdin "cat g.pcapng.zst | -r -" "$T/g.pcapng" "$T/g.pcapng.zst"
a=$("$FLOWTAP" -r "$T/n.pcap" --packets -W 1 --no-flows 2>/dev/null | md5sum)
b=$(cat "$T/n.pcap.gz" | "$FLOWTAP" -r - --packets -W 1 --no-flows 2>/dev/null | md5sum)
[ "$a" = "$b" ] && ok "-r - nanosecond gzip: the same packet lines (nine digits)" || bad "-r - nanosecond packet lines differ"
head -c $(($(stat -c %s "$T/g.pcap.zst") / 2)) "$T/g.pcap.zst" | "$FLOWTAP" -r - --no-flows >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 3 ] && ok "-r - cut zstd: exit 3 ($(tail -1 "$T/err" | cut -c1-80))" || bad "-r - cut zstd: exit $rc: $(tail -1 "$T/err")"
"$FLOWTAP" -r - </dev/null >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && [ -s "$T/err" ] && ok "-r - empty: exit 1 ($(head -1 "$T/err"))" || bad "-r - empty: exit $rc: $(cat "$T/err")"
printf 'ab' | "$FLOWTAP" -r - >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 1 ] && [ -s "$T/err" ] && ok "-r - two bytes: exit 1 ($(head -1 "$T/err"))" || bad "-r - two bytes: exit $rc: $(cat "$T/err")"

# Cut in the middle: exit 3, every whole frame before the cut.
for z in gz zst; do
	f="$T/g.pcap.$z"
	head -c $(($(stat -c %s "$f") / 2)) "$f" >"$T/cut.$z"
	if [ $z = gz ]; then gzip -dc "$T/cut.$z" >"$T/cut.raw" 2>/dev/null; else zstd -dc "$T/cut.$z" >"$T/cut.raw" 2>/dev/null; fi
	want=$($PF whole "$T/cut.raw")
	for args in "-W 1" "-W 3"; do
		# shellcheck disable=SC2086
		"$FLOWTAP" -r "$T/cut.$z" --packets --json --no-flows $args >"$T/out" 2>"$T/err"
		rc=$?
		n=$(grep -c '"type":"packet"' "$T/out")
		[ "$rc" = 3 ] && [ "$n" = "$want" ] && [ "$n" -gt 0 ] && [ "$n" -lt "$frames" ] &&
			ok "cut .$z $args: exit 3, the $n whole frames before the cut ($(tail -1 "$T/err" | cut -c1-90))" ||
			bad "cut .$z $args: exit $rc, $n frames, want 3 and $want: $(tail -1 "$T/err")"
	done
done
# Cut right after the header of the stream: still an error, not an empty success.
head -c 12 "$T/g.pcap.gz" >"$T/tiny.gz"
"$FLOWTAP" -r "$T/tiny.gz" >/dev/null 2>"$T/err"
rc=$?
[ "$rc" != 0 ] && ok "gzip cut inside its header: exit $rc ($(head -1 "$T/err"))" || bad "tiny gzip: exit 0"

# Garbage after the magic: exit 1 with a message naming the file and the format.
printf '\037\213\010\000garbage after a gzip magic, not deflate data at all........' >"$T/bad.gz"
printf '\050\265\057\375garbage after a zstd magic, not a zstd frame at all........' >"$T/bad.zst"
for z in gz zst; do
	"$FLOWTAP" -r "$T/bad.$z" >/dev/null 2>"$T/err"
	rc=$?
	name=$([ $z = gz ] && echo gzip || echo zstd)
	[ "$rc" = 1 ] && grep -q "bad.$z.*corrupt $name" "$T/err" && ok "garbage after the $name magic: exit 1, $(head -1 "$T/err")" ||
		bad "garbage .$z: exit $rc: $(head -c 300 "$T/err")"
done
# Corruption in the middle of a stream: the frames before it, then exit 1.
python3 - "$T/g.pcap.gz" "$T/mid.gz" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(d) // 2, len(d) // 2 + 64):
    d[i] ^= 0x55
open(sys.argv[2], "wb").write(d)
PY
"$FLOWTAP" -r "$T/mid.gz" --packets --json --no-flows >"$T/out" 2>"$T/err"
rc=$?
n=$(grep -c '"type":"packet"' "$T/out")
# (garbled deflate data may decode to a bogus record before zlib sees the damage)
[ "$rc" = 1 ] && grep -q "mid.gz: " "$T/err" && [ "$n" -gt 0 ] && ok "gzip corrupt mid-stream: exit 1 after $n frames ($(tail -1 "$T/err" | cut -c1-80))" ||
	bad "gzip corrupt mid-stream: exit $rc, $n frames: $(tail -1 "$T/err")"

e2e_finish
