#!/usr/bin/env bash
# IP defragmentation end to end (README "IP fragments"), with tshark as the
# oracle where there is one:
#  1. tcpdump's regression captures that hold fragments, and a generated
#     capture of fragmented UDP over IPv4 and IPv6 (VLAN, destination options,
#     fragments in order, reversed, shuffled, interleaved): the datagrams
#     flowtap reassembles (tests/defrag_probe, the library with
#     packets_reassembled) are the frames tshark reassembles in, and each UDP
#     payload is the same bytes (tests/defrag_compare.py), with 1 and 3
#     workers, mmap reader and libpcap's; the counters are conserved.
#  2. The hostile cases (tests/tools/fragpcap.py attack): the frag_* counters
#     of the JSON stats record equal the generator's truth.
#  3. TCP whose data segments are fragmented: the flow record counts every
#     byte each way and closes with fin (1 and 3 workers); --no-defrag does
#     not (today's behaviour, and no frag_* counted).
#  4. --packets --json: the fragment frames keep their ip fragment fields;
#     --defrag-packets adds one record per datagram marked "reassembled".
#  5. Live between the test hosts (netns, root): UDP datagrams of 4000 bytes
#     over a veth with MTU 1280, IPv4 and IPv6: every one reassembled, and
#     the -w capture of the same run agrees with tshark.
# Needs python3 and tshark (exit 77 without).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_e2e.sh"
FLOWTAP=${FLOWTAP:-${FT_BUILD_DIR:-build}/flowtap}
PROBE=${FT_DEFRAG_PROBE:-${FT_BUILD_DIR:-build}/tests/defrag_probe}
DATA=${FT_DATA_DIR:-$HERE/data}/tcpdump
GEN="python3 $HERE/tools/fragpcap.py"
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "skip: no tshark"; exit 77; }
[ -x "$FLOWTAP" ] && [ -x "$PROBE" ] || { echo "FAIL: no $FLOWTAP or $PROBE"; exit 1; }

against_tshark() { # name pcap
	local w m outs=()
	for w in 1 3; do
		for m in "" nommap; do
			if ! "$PROBE" "$2" "$w" $m >"$T/probe.$w$m.txt" 2>"$T/probe.err"; then
				bad "$1 -W $w $m: defrag_probe failed: $(head -3 "$T/probe.err")"
				continue
			fi
			outs+=("$T/probe.$w$m.txt")
		done
	done
	if python3 "$HERE/defrag_compare.py" "$2" "${outs[@]}" >"$T/cmp.txt" 2>/dev/null; then
		ok "$1 (-W 1 and 3, mmap and libpcap reader): $(head -1 "$T/cmp.txt" | cut -c1-200)"
	else
		bad "$1: differs from tshark:"
		head -10 "$T/cmp.txt"
	fi
}

# 1. tcpdump's captures with fragments (tshark -Y "ip.flags.mf==1 ||
# ip.frag_offset>0 || ipv6.fragment" finds these); afs.pcap holds 51 whole
# datagrams, the others single (mostly malformed) fragments.
for f in afs babel_update_oobr bgp-bgp_capabilities_print-oobr-1 bgp-bgp_capabilities_print-oobr-2 \
	bgp_pmsi_tunnel-oobr bootp_asan-2 bootp_asan dhcp6_reconf_asan esp_truncated \
	hncp_dhcpv4data-oobr ikev1_id_ipv6_addr_subnet-oobr ip_printroute_asan ip_ts_opts_asan \
	isakmp-ikev1_n_print-oobr isakmp-various-oobr isakmpv1-attr-oobr ldp-ldp_tlv_print-oobr \
	lmp-lmp_print_data_link_subobjs-oobr olsr-oobr-1 pim_header_asan-3 radius_attr_asan \
	rip_error_hexdump rpki-rtr-oobr; do
	[ -f "$DATA/$f.pcap" ] || { bad "$f.pcap missing"; continue; }
	against_tshark "$f" "$DATA/$f.pcap"
done
"$PROBE" "$DATA/afs.pcap" 2 | grep -c '^[0-9]' >"$T/afs.n"
[ "$(cat "$T/afs.n")" = 51 ] && ok "afs.pcap: 51 datagrams" || bad "afs.pcap: $(cat "$T/afs.n") datagrams, not 51"

n=$($GEN good "$T/good.pcap")
against_tshark generated "$T/good.pcap"
"$PROBE" "$T/good.pcap" 3 >"$T/good.txt"
got=$(grep -c '^[0-9]' "$T/good.txt")
[ "$got" = "$n" ] && ok "generated: all $n datagrams" || bad "generated: $got of $n datagrams"

# 2. Hostile fragments: each case's counter.
want=$($GEN attack "$T/attack.pcap")
for w in 1 3; do
	"$FLOWTAP" -r "$T/attack.pcap" --json --no-flows -W "$w" >"$T/attack.out" 2>"$T/attack.err" ||
		bad "attack -W $w: flowtap exited non-zero: $(head -3 "$T/attack.err")"
	if python3 - "$want" "$T/attack.out" <<'PY'; then
import json, sys
want = json.loads(sys.argv[1])
st = [json.loads(l) for l in open(sys.argv[2]) if '"type":"stats"' in l][-1]
got = {k: st["frag_" + k] for k in want}
if got != want:
    print("got", got, "want", want)
    sys.exit(1)
print(" ".join(f"{k}={v}" for k, v in sorted(got.items())))
PY
		ok "attack -W $w: counters as the truth says"
	else
		bad "attack -W $w: counters differ"
	fi
done

# 3. Fragmented TCP: the tracker sees the whole segments.
bytes=$($GEN tcp "$T/tcp.pcap")
flows() { grep '"type":"flow"' "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print(r["src"], r["send"]["bytes"], r["recv"]["bytes"], r["close"])' | sort; }
for w in 1 3; do
	"$FLOWTAP" -r "$T/tcp.pcap" --json -W "$w" >"$T/tcp.out"
	got=$(flows "$T/tcp.out" | tr '\n' ';')
	want="10.200.0.1 $bytes $bytes fin;fd00:200::1 $bytes $bytes fin;"
	[ "$got" = "$want" ] && ok "tcp -W $w: $got" || bad "tcp -W $w: '$got', want '$want'"
done
"$FLOWTAP" -r "$T/tcp.pcap" --json -W 1 --no-defrag >"$T/tcp.nodefrag"
got=$(flows "$T/tcp.nodefrag" | tr '\n' ';')
seen=$(grep '"type":"stats"' "$T/tcp.nodefrag" | grep -o '"frag_seen":[0-9]*')
[ "$got" != "$want" ] && [ "$seen" = '"frag_seen":0' ] &&
	ok "tcp --no-defrag: fragments not reassembled ($got)" ||
	bad "tcp --no-defrag: '$got' $seen"

# 4. Packet records.
"$FLOWTAP" -r "$T/good.pcap" --packets --json --no-flows -W 2 >"$T/pk.out"
"$FLOWTAP" -r "$T/good.pcap" --packets --json --no-flows -W 2 --defrag-packets >"$T/pk2.out"
frames=$(python3 "$HERE/pcap_frames.py" whole "$T/good.pcap")
fr=$(grep -c '"type":"packet"' "$T/pk.out")
mf=$(grep '"type":"packet"' "$T/pk.out" | grep -c '"mf":true')
re1=$(grep -c '"reassembled":true' "$T/pk.out")
re2=$(grep -c '"reassembled":true' "$T/pk2.out")
fr2=$(grep -c '"type":"packet"' "$T/pk2.out")
[ "$fr" = "$frames" ] && [ "$mf" -gt 0 ] && [ "$re1" = 0 ] && [ "$re2" = "$n" ] &&
	[ "$fr2" = $((frames + n)) ] &&
	ok "packets: $fr frame records ($mf with mf), --defrag-packets adds $re2 reassembled" ||
	bad "packets: $fr/$frames frames, $mf mf, reassembled $re1 and $re2 (want 0 and $n), $fr2"

# 5. Live, between the test hosts.
live() {
	. "$HERE/netns.sh"
	ft_netns_up defrag || return $?
	ft_netns_mtu 1280
	ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --json --no-flows --immediate-mode \
		-w "$T/live.pcap" udp or ip[6:2] '&' 0x3fff != 0 or ip6 >"$T/live.out" 2>"$T/live.err" &
	local pid=$! i
	for i in $(seq 50); do
		grep -q . "$T/live.err" 2>/dev/null && break
		[ -s "$T/live.pcap" ] && break
		sleep 0.1
	done
	sleep 0.5 # the capture is open
	ip netns exec "$FT_NS_A" python3 - "$FT_IP_B" "$FT_IP6_B" <<'PY'
import socket, sys
for fam, addr in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(20):
        s.sendto(bytes([i]) * 4000, (addr, 9999))
PY
	sleep 0.5 # the last fragments are captured
	kill -INT "$pid"
	wait "$pid"
	local st
	st=$(grep '"type":"stats"' "$T/live.out" | tail -1 | grep -o '"frag_reassembled":[0-9]*')
	[ "$st" = '"frag_reassembled":40' ] && ok "live: 40 datagrams of 4000 bytes reassembled" ||
		bad "live: $st (want 40): $(tail -2 "$T/live.err")"
	against_tshark live "$T/live.pcap"
	ft_netns_down
}
if [ "$(id -u)" = 0 ]; then
	live
	rc=$?
	[ "$rc" = 77 ] && skip "live: no network namespaces"
else
	skip "live: needs root (network namespaces)"
fi
e2e_finish
