#!/usr/bin/env bash
# Immediate mode's kernel buffer (issue 13). libpcap's immediate-mode ring has
# one slot per frame of the snap length, so without -B flowtap asks for 4096
# such slots (10..256 MiB) instead of the buffered default (10 MiB, ~160 slots
# of 64 KiB). Checks, by the buffer_bytes of the stats record, what is asked
# for in each case, and then, on the netns test hosts (tests/netns.sh), that a
# tcpreplay'd capture at a moderate rate arrives in immediate mode without a
# kernel, interface or ring drop (counts only). Needs root; skips otherwise.
set -u
: "${FLOWTAP:?}" "${FTGEN:?}" "${FT_SOURCE_DIR:?}"
HERE=$(dirname "$0")
# shellcheck source=tests/lib_e2e.sh
. "$HERE/lib_e2e.sh"
# shellcheck source=tests/netns.sh
. "$HERE/netns.sh"
for tool in python3 tcpreplay; do
	command -v $tool >/dev/null || { echo "skip: $tool missing"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: live capture needs root"; exit 77; }

# The final stats record's field of a short live run on lo.
buffer_of() { # flowtap args...
	timeout 10 "$FLOWTAP" -i lo --json --no-flows -c 1 "$@" "udp port 9" >"$T/lo" 2>"$T/err" </dev/null &
	local pid=$!
	for _ in $(seq 20); do
		python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", ("127.0.0.1", 9))'
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	wait $pid
	python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["buffer_bytes"])' "$T/lo" 2>/dev/null
}
check() { # what want args...
	local what=$1 want=$2 got
	shift 2
	got=$(buffer_of "$@")
	[ "$got" = "$want" ] && ok "$what: buffer_bytes $got" || bad "$what: buffer_bytes '$got', want $want: $(cat "$T/err")"
}
# 4096 slots of (65535 + 116, 16-aligned) bytes pass 256 MiB: capped.
check "immediate mode, default snap length" $((256 << 20)) --immediate-mode
check "--buffer-timeout 0 is immediate mode too" $((256 << 20)) --buffer-timeout 0
# 4096 x (2048 + 116 -> 2176) = 8.5 MiB: the floor (10 MiB) holds.
check "immediate mode, -s 2048" $((10 << 20)) --immediate-mode -s 2048
# 4096 x (8192 + 116 -> 8320) = 32.5 MiB.
check "immediate mode, -s 8192" $((4096 * 8320)) --immediate-mode -s 8192
check "immediate mode, -B 2048 is the user's" $((2048 << 10)) --immediate-mode -B 2048
check "buffered mode default" $((10 << 20))

# --- the netns hosts: immediate mode at a moderate rate, zero drops ---
ft_netns_up imm || { rc=$?; e2e_finish; exit "$rc"; }
trap 'ft_netns_down; rm -rf "$T"' EXIT
"$FTGEN" --profile flows -o "$T/g.pcap" --sessions 200 --seed 9 >/dev/null 2>&1 || { bad "ftgen failed"; e2e_finish; }
# Only the replayed frames: the hosts themselves send no TCP or UDP.
FILTER="tcp or udp or (vlan and (tcp or udp))" # (a live filter sees tags apart)
frames=$("$FLOWTAP" -r "$T/g.pcap" --json --no-flows "$FILTER" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readlines()[-1])["captured"])')
ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --immediate-mode --json --no-flows "$FILTER" \
	>"$T/live" 2>"$T/err" </dev/null &
pid=$!
for _ in $(seq 50); do grep -q . "$T/live" && break; sleep 0.1; done # first stats: the capture is up
ip netns exec "$FT_NS_A" tcpreplay -q -i "$FT_IF_A" --pps 20000 "$T/g.pcap" >"$T/replay" 2>&1 ||
	bad "tcpreplay: $(cat "$T/replay")"
# Wait (bounded) until every frame is counted, then stop.
for _ in $(seq 100); do
	n=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["captured"])' "$T/live" 2>/dev/null)
	[ "${n:-0}" -ge "$frames" ] && break
	sleep 0.1
done
kill -INT $pid
wait $pid
python3 - "$T/live" "$frames" <<'PY' && ok "immediate mode on the veth at 20k frames/s: $frames frames, no drops" ||
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])][-1]
n = int(sys.argv[2])
assert s["final"] and s["captured"] == n and s["packets"] == n, (s["captured"], n)
assert s["ps_drop"] == 0 and s["ps_ifdrop"] == 0 and s["ring_drop"] == 0, s
assert s["buffer_bytes"] == 256 << 20, s["buffer_bytes"]
PY
	bad "immediate mode on the veth: $(tail -1 "$T/live") $(cat "$T/err")"
e2e_finish
