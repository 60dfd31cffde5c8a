#!/usr/bin/env bash
# Agreement with tshark: generated captures of every protocol flowtap decodes
# (ftgen --profile protocols: one capture per link type, and encap.pcap with
# PPPoE, MPLS, Geneve, GTP-U and IP in IP on Ethernet) are decoded by
# `flowtap --packets --json` and by `tshark -T fields`; tests/tshark_compare.py
# requires the same addresses, ports, seq/ack, flags, lengths, TTLs, ICMP
# types, VLAN ids, ARP opcodes, DNS ids and names, PPPoE sessions, MPLS
# labels, Geneve VNIs and GTP-U TEIDs for every frame.
# Env (set by ctest): FLOWTAP, FTGEN, FT_SOURCE_DIR. Exit 77 = skipped (no tshark).
set -euo pipefail
SRC=${FT_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
COMPARE="$SRC/tests/tshark_compare.py"
LINKS="en10mb sll sll2 null loop raw radiotap wifi encap ppp ppp_serial chdlc ppp_ether"

if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP: tshark is not installed"
	exit 77
fi
for v in FLOWTAP FTGEN; do
	if [ -z "${!v:-}" ] || [ ! -x "${!v}" ]; then
		echo "FAIL: \$$v (${!v:-unset}) is not an executable; run through ctest" >&2
		exit 1
	fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ft-tshark.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# tshark reads ~/.config/wireshark: keep the user's preferences out of it
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config"
mkdir -p "$HOME"

"$FTGEN" --profile protocols --outdir "$WORK/caps" >"$WORK/ftgen.log" 2>&1 || {
	cat "$WORK/ftgen.log" >&2
	echo "FAIL: ftgen --profile protocols failed" >&2
	exit 1
}
missing=""
for l in $LINKS; do
	[ -s "$WORK/caps/$l.pcap" ] || missing="$missing $l"
done
if [ -n "$missing" ]; then
	echo "FAIL: ftgen wrote no capture for:$missing (has: $(cd "$WORK/caps" && ls))" >&2
	exit 1
fi

mapfile -t TARGS < <(python3 "$COMPARE" --tshark-args)
fail=0
for cap in "$WORK"/caps/*.pcap; do
	name=$(basename "$cap" .pcap)
	if ! tshark -n -r "$cap" -T fields -E header=y -E separator=/t -E occurrence=a \
		-E aggregator=, -E quote=n "${TARGS[@]}" >"$WORK/$name.tsv" 2>"$WORK/$name.tshark.err"; then
		cat "$WORK/$name.tshark.err" >&2
		echo "FAIL: tshark could not read $name.pcap" >&2
		fail=1
		continue
	fi
	if ! "$FLOWTAP" -r "$cap" --packets --json -W 1 >"$WORK/$name.jsonl" 2>"$WORK/$name.flowtap.err"; then
		cat "$WORK/$name.flowtap.err" >&2
		echo "FAIL: flowtap -r $name.pcap exited with an error" >&2
		fail=1
		continue
	fi
	python3 "$COMPARE" --label "$name" --tshark "$WORK/$name.tsv" \
		--flowtap "$WORK/$name.jsonl" || fail=1
done
if [ "$fail" -ne 0 ]; then
	echo "FAIL: flowtap and tshark disagree (lines above: frame, field, both values)" >&2
	exit 1
fi
echo "PASS: flowtap agrees with tshark on every frame of: $LINKS"
