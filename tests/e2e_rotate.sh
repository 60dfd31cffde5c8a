#!/usr/bin/env bash
# -w rotation as tcpdump's: -C MB (files FILE, FILE1, ...; none larger than
# the bound), --file-count N (tcpdump's -W: a ring of the last N files), -G SEC
# on packet time with strftime(3) names, and -w - into tcpdump -r -. Every
# frame of the input is in exactly one file, in order (frames compared by
# timestamp, lengths and a hash of their bytes). A full disk still exits 5.
# Uses $FLOWTAP and $FTGEN (set by ctest) and python3.
set -u
: "${FLOWTAP:?}" "${FTGEN:?}" "${FT_SOURCE_DIR:?}"
# shellcheck source=tests/lib_e2e.sh
. "$(dirname "$0")/lib_e2e.sh"
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
PF="python3 $FT_SOURCE_DIR/tests/pcap_frames.py"

"$FTGEN" --profile flows -o "$T/gen.pcap" --sessions 300 --seed 7 >/dev/null 2>&1 || { bad "ftgen failed"; exit 1; }
$PF digest "$T/gen.pcap" >"$T/gen.d"
frames=$(wc -l <"$T/gen.d")
size=$(stat -c %s "$T/gen.pcap")
[ "$size" -gt 2500000 ] && ok "generated $frames frames, $size bytes" || bad "capture too small: $size"

same_frames() { # what files...
	local what=$1
	shift
	$PF digest "$@" >"$T/got.d"
	if cmp -s "$T/want.d" "$T/got.d"; then ok "$what: every frame once, in order ($(wc -l <"$T/got.d"))"; else bad "$what: frames differ ($(wc -l <"$T/got.d") vs $(wc -l <"$T/want.d"))"; fi
}
max_size() { # limit files...
	local limit=$1 f
	shift
	for f in "$@"; do [ "$(stat -c %s "$f")" -le "$limit" ] || { echo "$f"; return 1; }; done
}

# --- -C 1: out.pcap, out.pcap1, out.pcap2, ... ---
in_order() { # dir base: the files FILE, FILE1, FILE2, ... in the order written
	local k=1
	[ -e "$1/$2" ] && echo "$1/$2"
	while [ -e "$1/$2$k" ]; do echo "$1/$2$k"; k=$((k + 1)); done
}
mkdir "$T/c" && cp "$T/gen.d" "$T/want.d"
for args in "-W 1" "-W 3" "-W 2 --no-mmap"; do
	rm -f "$T/c/"*
	# shellcheck disable=SC2086
	"$FLOWTAP" -r "$T/gen.pcap" -w "$T/c/out.pcap" -C 1 $args >/dev/null 2>"$T/err"
	rc=$?
	mapfile -t files < <(in_order "$T/c" out.pcap)
	all=$(ls "$T/c" | wc -l)
	[ "$rc" = 0 ] && [ "${#files[@]}" -ge 3 ] && [ "${#files[@]}" = "$all" ] && ok "-C 1 $args: $(cd "$T/c" && ls | sort -V | tr '\n' ' ')" || bad "-C 1 $args: exit $rc, files '$(ls "$T/c" | tr '\n' ' ')': $(head -c 300 "$T/err")"
	big=$(max_size 1000000 "${files[@]}") && ok "-C 1 $args: every file <= 1,000,000 bytes" || bad "-C 1 $args: $big is larger"
	same_frames "-C 1 $args" "${files[@]}"
done
nfiles=${#files[@]}
# A file is filled up to the bound: the next frame would not have fitted.
first_next=$($PF digest "$T/c/out.pcap1" | sed -n 1p | cut -d' ' -f2)
s0=$(stat -c %s "$T/c/out.pcap")
[ $((s0 + 16 + first_next)) -gt 1000000 ] && ok "-C: a file ends only when the next frame would pass the bound" || bad "-C: rotated early ($s0 + 16 + $first_next)"
# A bound smaller than one frame: one frame per file (the tail files).
mkdir "$T/c2"
"$FLOWTAP" -r "$T/gen.pcap" -c 5 -w "$T/c2/o.pcap" -C 0.00001 >/dev/null 2>&1
[ "$(ls "$T/c2" | sort | tr '\n' ' ')" = "o.pcap o.pcap1 o.pcap2 o.pcap3 o.pcap4 " ] && ok "-C smaller than a frame: one frame per file" || bad "tiny -C: $(ls "$T/c2")"

# --- --file-count 2 with -C 1: the ring out.pcap0, out.pcap1 keeps the last two files ---
mkdir "$T/ring"
"$FLOWTAP" -r "$T/gen.pcap" -w "$T/ring/out.pcap" -C 1 --file-count 2 >/dev/null 2>"$T/err"
names=$(cd "$T/ring" && ls | sort | tr '\n' ' ')
[ "$names" = "out.pcap0 out.pcap1 " ] && ok "--file-count 2: $names" || bad "--file-count 2: '$names' $(cat "$T/err")"
# $nfiles files were written in turn into slots 0, 1, 0, ...: the last two, in order.
a=$((nfiles % 2)) b=$(((nfiles + 1) % 2))
n1=$($PF digest "$T/ring/out.pcap$a" | wc -l)
n0=$($PF digest "$T/ring/out.pcap$b" | wc -l)
tail -n $((n1 + n0)) "$T/gen.d" >"$T/want.d"
same_frames "--file-count 2 (the last two files)" "$T/ring/out.pcap$a" "$T/ring/out.pcap$b"
mkdir "$T/ring12"
"$FLOWTAP" -r "$T/gen.pcap" -c 12 -w "$T/ring12/r" -C 0.00001 --file-count 11 >/dev/null 2>&1
[ "$(ls "$T/ring12" | sort | head -2 | tr '\n' ' ')" = "r00 r01 " ] && [ "$(ls "$T/ring12" | wc -l)" = 11 ] && ok "--file-count 11: names zero-padded (r00..r10)" || bad "--file-count 11 names: $(ls "$T/ring12" | tr '\n' ' ')"

# --- -G on packet time, strftime names ---
$PF respace "$T/gen.pcap" "$T/slow.pcap" 0.01 # frame i at start + i * 10 ms: ~76 s
$PF digest "$T/slow.pcap" >"$T/want.d"
mkdir "$T/g"
"$FLOWTAP" -r "$T/slow.pcap" -w "$T/g/cap-%Y%m%d-%H%M%S.pcap" -G 10 >/dev/null 2>"$T/err"
rc=$?
names=$(cd "$T/g" && ls | sort | tr '\n' ' ')
want=$(python3 -c 'import sys
n = int(sys.argv[1]); print(" ".join("cap-20260101-00%02d%02d.pcap" % divmod(10 * k, 60) for k in range((n - 1) // 1000 + 1)) + " ")' "$frames")
[ "$rc" = 0 ] && [ "$names" = "$want" ] && ok "-G 10: $names" || bad "-G 10: exit $rc, '$names', want '$want': $(head -c 300 "$T/err")"
# shellcheck disable=SC2046
same_frames "-G 10" $(ls "$T/g/"* | sort)
n=$($PF digest "$T/g/cap-20260101-000000.pcap" | wc -l)
[ "$n" = 1000 ] && ok "-G 10: the first file holds 10 s of frames ($n)" || bad "-G 10: first file has $n frames"
# -G with --file-count 3: only the last three files are kept.
mkdir "$T/g3"
"$FLOWTAP" -r "$T/slow.pcap" -w "$T/g3/cap-%H%M%S.pcap" -G 10 --file-count 3 >/dev/null 2>&1
names=$(cd "$T/g3" && ls | sort | tr '\n' ' ')
last3=$(cd "$T/g" && ls | sort | tail -3 | sed 's/cap-20260101-/cap-/' | tr '\n' ' ')
[ "$names" = "$last3" ] && ok "-G 10 --file-count 3: the last three: $names" || bad "-G --file-count 3: '$names', want '$last3'"
# -G and -C together: -C's counter within each period, all named after the period's start.
mkdir "$T/gc"
"$FLOWTAP" -r "$T/slow.pcap" -w "$T/gc/c-%M%S-" -G 30 -C 0.2 >/dev/null 2>&1
names=$(cd "$T/gc" && ls | sort -V | tr '\n' ' ')
case "$names" in
"c-0000- c-0000-1 c-0000-2 "*"c-0030- c-0030-1 "*"c-0100- "*) ok "-G 30 -C 0.2: $names" ;;
*) bad "-G -C names: $names" ;;
esac
cp "$T/slow.d" "$T/want.d" 2>/dev/null || $PF digest "$T/slow.pcap" >"$T/want.d"
# shellcheck disable=SC2046
same_frames "-G 30 -C 0.2" $(for p in 0000 0030 0100; do in_order "$T/gc" "c-$p-"; done)

# --- usage errors ---
for args in "-C 1" "-G 5" "-w $T/x --file-count 2" "-w - -C 1" "-w $T/x -C 0"; do
	# shellcheck disable=SC2086
	"$FLOWTAP" -r "$T/gen.pcap" $args >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" = 2 ] && ok "usage error: $args ($(head -1 "$T/err"))" || bad "$args: exit $rc"
done

# --- -w -: the pcap stream on stdout, records on stderr ---
cp "$T/gen.d" "$T/want.d"
"$FLOWTAP" -r "$T/gen.pcap" -w - --json 2>"$T/recs" >"$T/stdout.pcap"
rc=$?
same_frames "-w - (exit $rc)" "$T/stdout.pcap"
grep -q '"type":"flow"' "$T/recs" && tail -1 "$T/recs" | grep -q '"type":"stats"' && ok "-w -: the JSON records went to stderr" || bad "-w -: records not on stderr"
if command -v tcpdump >/dev/null; then
	n=$("$FLOWTAP" -r "$T/gen.pcap" -w - 2>/dev/null | tcpdump -n -r - 2>/dev/null | wc -l)
	[ "$n" = "$frames" ] && ok "-w - | tcpdump -r -: $n frames" || bad "-w - | tcpdump: $n frames, want $frames"
else
	skip "tcpdump missing"
fi

# A reader that goes away ends flowtap quietly, as for the records (SIGPIPE is ignored).
"$FLOWTAP" -r "$T/gen.pcap" -w - 2>"$T/err" | head -c 5000 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && ! grep -q "Broken pipe" "$T/err" && ok "-w - | head: exit 0, no message" || bad "-w - | head: exit $rc: $(head -c 300 "$T/err")"

# --- a full disk during a rotation still exits 5 (needs root for a tmpfs) ---
if [ "$(id -u)" = 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=1200k tmpfs "$T/full" 2>/dev/null; then
	"$FLOWTAP" -r "$T/gen.pcap" -w "$T/full/o.pcap" -C 0.5 >/dev/null 2>"$T/err"
	rc=$?
	umount "$T/full"
	[ "$rc" = 5 ] && grep -q "No space left" "$T/err" && ok "disk full while rotating: exit 5, $(head -1 "$T/err")" || bad "disk full: exit $rc: $(head -c 300 "$T/err")"
else
	skip "disk full: needs root to mount a small tmpfs"
fi

e2e_finish
