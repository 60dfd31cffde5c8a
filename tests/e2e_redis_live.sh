#!/usr/bin/env bash
# A stopped Redis under a live capture, on the netns test hosts (tests/netns.sh):
# redis-server runs on host B's loopback and is frozen (SIGSTOP) before
# flowtap starts on B's veth with --redis-packets; A sends N datagrams.
#  - the capture never waits for the exporter: while Redis is still frozen,
#    the worker has processed every frame handed to it (periodic stats);
#  - the exporter's queue fills: records are dropped and counted, in the
#    periodic stats records already;
#  - once Redis thaws and flowtap stops, the final stats add up:
#    delivered + dropped == packet records + flow records, queued 0; the
#    stream holds at least what was delivered and at most delivered + dropped
#    (a command on a connection given up may still have reached the server);
#  - with no Redis listening at all, every record is dropped and counted.
# Root only (namespaces); 77 otherwise. Bounded: about 30 s.
set -u
: "${FLOWTAP:?}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/netns.sh
. "$HERE/netns.sh"
for t in redis-server redis-cli python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t (scripts/install-deps.sh test)"; exit 77; }
done
ft_netns_up rdl || exit $?
ft_netns_bounded e2e_redis_live 120
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }

N=60000 PORT=$((20000 + $$ % 20000)) RP=6379
send_udp() { # COUNT: datagrams of 128 bytes from A to B's PORT
	NSA python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(b"%08d" % i + b"r" * 120, (sys.argv[1], int(sys.argv[2])))' "$FT_IP_B" $PORT "$1"
}
# Not through NSB (a function: $! would be its subshell): ip netns exec execs
# the program, so $! is its pid.
ip netns exec "$FT_NS_B" redis-server --port $RP --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
	--dir "$WORK" --logfile "$WORK/redis.log" &
RS=$!
for _ in $(seq 100); do NSB redis-cli -p $RP PING 2>/dev/null | grep -q PONG && break; sleep 0.05; done
NSB redis-cli -p $RP PING 2>/dev/null | grep -q PONG || fail "redis-server did not start"
kill -STOP "$RS"

ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --packets --json -W 1 -B 65536 --stats-interval 0.2 \
	--redis 127.0.0.1:$RP --redis-packets "udp and dst port $PORT" \
	>"$WORK/out.json" 2>"$WORK/err" </dev/null &
FPID=$!
sleep 1
send_udp $N

# With Redis frozen, the worker must still get through every frame captured:
# the periodic stats records (the stats thread's) show it, and drops.
frozen() { # "packets enqueued captured ring_drop dropped" of the latest periodic stats record
	python3 - "$WORK/out.json" <<'PY'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"type":"stats"')]
st = [s for s in st if s["export"]]
if not st:
    print(0, -1, -1, 0, 0)
else:
    s, w = st[-1], st[-1]["workers"][0]
    print(s["packets"], w["enqueued"], s["captured"], s["ring_drop"], s["export"][0]["dropped"])
PY
}
last=
for _ in $(seq 100); do
	sleep 0.5
	now=$(frozen)
	[ "$now" = "$last" ] && break
	last=$now
done
# Every frame handed to the worker was processed (a worker waiting on the
# exporter would leave its ring full: enqueued > packets, then ring drops).
read -r fpk fenq fcap fring fdrop <<<"$now"
if [ "$fpk" = "$fenq" ] && [ $((fpk + fring)) = "$fcap" ] && [ "$fpk" -ge $((N / 4)) ] &&
	[ "$fdrop" -gt 0 ]; then
	ok "frozen redis: the worker took all $fpk frames handed to it ($fcap captured of $N sent, $fring ring drops), $fdrop records dropped and counted"
else
	bad "frozen redis: packets $fpk, enqueued $fenq, captured $fcap (of $N), ring_drop $fring, dropped $fdrop"
fi

kill -CONT "$RS"
sleep 1
kill -INT "$FPID"
wait "$FPID"
rc=$?
len=$(NSB redis-cli -p $RP XLEN flowtap)
stats_in_stream=$(NSB redis-cli -p $RP --raw XRANGE flowtap - + | grep -c '^{"type":"stats"')
python3 - "$WORK/out.json" "$rc" "$len" "$stats_in_stream" <<'PY' && ok "final: $(tail -1 "$WORK/out.json" | grep -o '"export":.*')" || bad "final: rc $rc XLEN $len; $(head -3 "$WORK/err"; grep -A40 "WARNING: ThreadSanitizer" "$WORK/err" | head -60)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
rc, xlen, xstats = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pk = sum(1 for l in lines if l["type"] == "packet")
fl = sum(1 for l in lines if l["type"] == "flow")
last = lines[-1]
e = [x for x in last["export"] if x["name"] == "redis"][0]
assert rc == 0, rc
assert last["type"] == "stats" and last["final"], last["type"]
assert last["packets"] == pk and fl >= 1, (last["packets"], pk, fl)
assert e["delivered"] + e["dropped"] == pk + fl, (e, pk, fl)
assert e["dropped"] > 0 and e["delivered"] > 0 and e["queued"] == 0, e
assert e["delivered"] <= xlen - xstats <= e["delivered"] + e["dropped"], (xlen, xstats, e)
PY
kill "$RS" 2>/dev/null

# No Redis at all (nothing listens): every record is dropped and counted,
# none waited for, and the capture gets every frame.
ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --packets --json -W 1 --stats-interval 0 \
	--redis 127.0.0.1:$((RP + 1)) --redis-packets "udp and dst port $PORT" \
	>"$WORK/down.json" 2>"$WORK/down.err" </dev/null &
FPID=$!
sleep 1
send_udp 2000
sleep 1
kill -INT "$FPID"
wait "$FPID"
rc=$?
python3 - "$WORK/down.json" "$rc" <<'PY' && ok "redis down: every record dropped and counted, every frame captured" || bad "redis down: rc $rc; $(tail -c 300 "$WORK/down.json"); $(head -2 "$WORK/down.err")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
pk = sum(1 for l in lines if l["type"] == "packet")
fl = sum(1 for l in lines if l["type"] == "flow")
last = lines[-1]
e = [x for x in last["export"] if x["name"] == "redis"][0]
assert int(sys.argv[2]) == 0
assert pk == last["packets"] >= 1900 and last["ring_drop"] == 0, (pk, last["packets"])
assert e["delivered"] == 0 and e["dropped"] == pk + fl and e["queued"] == 0, (e, pk, fl)
PY
echo "# $passes passed, $fails failed"
[ "$fails" = 0 ]
