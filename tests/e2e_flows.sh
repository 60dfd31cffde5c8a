#!/usr/bin/env bash
# Flow records end to end against ground truth: ftgen ($FTGEN) writes
# captures with the truth of every TCP session (packets, bytes, retransmits,
# missed each way, close reason, mid-stream), flowtap ($FLOWTAP) reads them
# with 1 and 3 workers (--json prints a flow record per session as it ends,
# and the open ones at the end of the file), and tests/flows_compare.py
# requires every session exact and no extra record. Parameter sets: defaults
# (wrap-around ISNs, RST, open-at-eof and reused 4-tuples happen by default),
# reordering + retransmissions, loss, mid-stream joins, IPv6 + VLANs, all of
# them at once, the SLL and raw link types, tap order (clock skew between
# the directions, ACKs captured before the data), and TCP inside MPLS and
# PPPoE. The UDP (DNS) and ICMP echo flows of the same captures are checked
# against ftgen's per-frame IP truth (--truth-ip): packets, IP payload bytes
# and IP octets each way, exact. Needs python3 (exit 77).
set -euo pipefail
FTGEN=${FTGEN:-${FT_BUILD_DIR:-build}/ftgen}
FLOWTAP=${FLOWTAP:-${FT_BUILD_DIR:-build}/flowtap}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
[ -x "$FTGEN" ] || { echo "FAIL: no ftgen at $FTGEN"; exit 1; }
[ -x "$FLOWTAP" ] || { echo "FAIL: no flowtap at $FLOWTAP"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail=0
check() { # name, ftgen options...
	local name=$1
	shift
	"$FTGEN" --profile flows -o "$TMP/$name.pcap" --truth "$TMP/$name.json" \
		--truth-ip "$TMP/$name.ip.jsonl" "$@"
	for w in 1 3; do
		if ! "$FLOWTAP" -r "$TMP/$name.pcap" --json -W "$w" >"$TMP/$name.$w.out" 2>"$TMP/$name.$w.err"; then
			echo "FAIL $name -W $w: flowtap exited non-zero:"
			head -5 "$TMP/$name.$w.err"
			fail=1
			continue
		fi
		python3 "$HERE/flows_compare.py" "$TMP/$name.json" "$TMP/$name.$w.out" "$name -W $w ($*)" \
			"$TMP/$name.ip.jsonl" || fail=1
	done
}

check defaults --seed 1
check reorder_retransmit --seed 2 --reorder 0.1 --retransmit 0.1
check loss --seed 3 --loss 0.05
check midstream --seed 4 --midstream 0.2
check ipv6_vlan --seed 5 --ipv6 1 --vlan 0.5
check everything --seed 6 --sessions 3000 --concurrent 500 --reorder 0.1 --retransmit 0.1 \
	--loss 0.05 --midstream 0.2 --ipv6 0.5 --vlan 0.3 --rst 0.2 --open 0.1
check big_segments --seed 7 --payload 1200:1400 --reorder 0.2 --retransmit 0.2 --loss 0.1
check tiny_segments --seed 8 --payload 1:8 --reorder 0.3 --retransmit 0.3
check sll --seed 9 --link sll --reorder 0.1 --retransmit 0.1 --loss 0.05 --midstream 0.1
check raw_nsec --seed 10 --link raw --nsec --reorder 0.1 --loss 0.05
# Captures as real taps and NICs deliver them: a passive tap with one port
# per direction and a clock skew between the ports (both signs: the ACK
# before the data it covers; the SYN-ACK and replies before the SYN and
# requests), and segments swapped with the receiver's ACK of the late one
# captured first. Real losses still come out as exactly the missed bytes.
for off in 10 -10 100 -100 1000 -1000; do
	check "tap_${off}us" --seed 21 --tap-offset "$off" --rst 0.2 --retransmit 0.05
done
check tap_loss --seed 22 --tap-offset 100 --loss 0.05 --reorder 0.05
check tap_neg_loss --seed 23 --tap-offset -100 --loss 0.05 --midstream 0.1
check ack_first_2pct --seed 24 --ack-first 0.02
check ack_first_5pct --seed 25 --sessions 3000 --concurrent 300 --ack-first 0.05 --retransmit 0.05
check ack_first_loss --seed 26 --ack-first 0.05 --loss 0.05 --tap-offset 10
# Half the frames UDP (DNS pairs), ICMP echo, over IPv4 and IPv6, some tagged.
check udp_half --seed 30 --udp 0.5 --other 0.05 --ipv6 0.5 --vlan 0.3
# TCP inside MPLS and PPPoE (another label each way: sharded by the inner flow)
check mpls --seed 12 --encap mpls --ipv6 0.3 --vlan 0.3 --reorder 0.1 --retransmit 0.1 --loss 0.05
check pppoe --seed 13 --encap pppoe --ipv6 0.3 --reorder 0.1 --retransmit 0.1 --midstream 0.1

# The same records whatever the number of workers (ids aside).
for name in everything big_segments; do
	for w in 1 3; do
		grep '"type":"flow"' "$TMP/$name.$w.out" | sed 's/,"id":[0-9]*//' | sort >"$TMP/$name.$w.sorted"
	done
	if ! cmp -s "$TMP/$name.1.sorted" "$TMP/$name.3.sorted"; then
		echo "FAIL $name: flow records differ between -W 1 and -W 3:"
		diff "$TMP/$name.1.sorted" "$TMP/$name.3.sorted" | head -6
		fail=1
	fi
done

[ "$fail" = 0 ] && echo "e2e_flows: all sessions exact"
exit "$fail"
