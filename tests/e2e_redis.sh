#!/usr/bin/env bash
# Flow records into a real redis-server (Debian's), started here on
# 127.0.0.1 and a free port, without persistence:
#  - xadd (with --requirepass, the password from $FLOWTAP_REDIS_PASSWORD):
#    the stream's flow entries are byte for byte the CLI's flow records (the
#    same multiset), and after them comes the final stats record, the CLI's
#    but for its export counters, which it has complete (delivered == every
#    flow record); with --stats-interval, periodic stats records too;
#  - --redis-packets: the packet entries are byte for byte the CLI's
#    --packets --json records, and delivered == packet + flow records;
#  - list mode into --redis-db 3 with --redis-auth-file: LLEN in db 3, the same
#    records; nothing in db 0;
#  - publish: a redis-cli subscriber receives every record;
#  - a wrong password: the cause (AUTH) on stderr, every record counted dropped;
#  - redis killed mid-run and started again while flowtap reads a FIFO fed
#    slowly: flowtap goes on, reconnects, the stream gets records again, and
#    delivered + dropped == flow records, with some of each.
set -uo pipefail
FTGEN=${FTGEN:-${FT_BUILD_DIR:-build}/ftgen}
FLOWTAP=${FLOWTAP:-${FT_BUILD_DIR:-build}/flowtap}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib_e2e.sh"
for t in redis-server redis-cli python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t (scripts/install-deps.sh test)"; exit 77; }
done
RS_PID=
trap '[ -n "$RS_PID" ] && kill "$RS_PID" 2>/dev/null; rm -rf "$T"' EXIT

free_port() {
	python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"
}
start_redis() { # port [password]
	local args=(--port "$1" --bind 127.0.0.1 --save "" --appendonly no --daemonize no
		--dir "$T" --logfile "$T/redis.$1.log")
	[ -n "${2:-}" ] && args+=(--requirepass "$2")
	redis-server "${args[@]}" &
	RS_PID=$!
	for _ in $(seq 100); do
		rcli "$1" "${2:-}" PING 2>/dev/null | grep -q PONG && return 0
		sleep 0.05
	done
	echo "redis-server did not start"; return 1
}
stop_redis() { kill -TERM "$RS_PID" 2>/dev/null; wait "$RS_PID" 2>/dev/null; RS_PID=; }
rcli() { # port password args...
	local p=$1 pw=$2
	shift 2
	if [ -n "$pw" ]; then REDISCLI_AUTH=$pw redis-cli -p "$p" --raw "$@"; else redis-cli -p "$p" --raw "$@"; fi
}
flows() { grep '"type":"flow"' "$1"; }
# "delivered dropped" of the redis exporter in the final stats record.
export_counts() {
	python3 -c "
import json,sys
st=[json.loads(l) for l in open(sys.argv[1]) if '\"type\":\"stats\"' in l][-1]
e=[x for x in st['export'] if x['name']=='redis'][0]
print(e['delivered'], e['dropped'])" "$1"
}
same_records() { # a b: the same lines, as multisets, and each parses as JSON
	python3 -c "
import collections,json,sys
a=[l.rstrip('\n') for l in open(sys.argv[1]) if l.strip()]
b=[l.rstrip('\n') for l in open(sys.argv[2]) if l.strip()]
for l in b: json.loads(l)
sys.exit(0 if collections.Counter(a)==collections.Counter(b) and a else 1)" "$1" "$2"
}

"$FTGEN" --profile flows -o "$T/gen.pcap" -n 1500 -f 40000 --seed 3 >/dev/null

# xadd with a password from the environment.
P=$(free_port)
start_redis "$P" s3cret || { bad "redis did not start"; e2e_finish; }
if FLOWTAP_REDIS_PASSWORD=s3cret "$FLOWTAP" -r "$T/gen.pcap" --json -W 2 --redis "127.0.0.1:$P" \
	--redis-key flows >"$T/x.json" 2>"$T/x.err"; then
	n=$(flows "$T/x.json" | wc -l)
	len=$(rcli "$P" s3cret XLEN flows)
	# XRANGE --raw: id, field name, value, ...
	rcli "$P" s3cret XRANGE flows - + | awk 'NR % 3 == 0' >"$T/x.all"
	flows "$T/x.all" >"$T/x.entries"
	flows "$T/x.json" >"$T/x.flows"
	read -r del drop < <(export_counts "$T/x.json")
	if [ "$len" = $((n + 1)) ] && [ "$n" -gt 1000 ] && same_records "$T/x.flows" "$T/x.entries"; then
		ok "xadd: XLEN $len == $n flow records + 1 stats record, every flow entry equals the CLI's record"
	else
		bad "xadd: XLEN $len, $n flow records, entries equal: no"
	fi
	python3 - "$T/x.all" "$T/x.json" "$n" <<'PY' && ok "xadd: the last entry is the final stats record, export delivered $n" || bad "xadd: the stream's stats record"
import json, sys
ents = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cli = [json.loads(l) for l in open(sys.argv[2]) if '"type":"stats"' in l][-1]
last, n = ents[-1], int(sys.argv[3])
assert last["type"] == "stats" and last["final"] is True, last
assert sum(1 for e in ents if e["type"] == "stats") == 1, "one stats record without --stats-interval"
r = [x for x in last["export"] if x["name"] == "redis"][0]
assert r["delivered"] == n and r["dropped"] == 0 and r["queued"] == 0, r
for k in ("captured", "packets", "bytes", "decode_errors", "flows", "rst_ignored"):
    assert last[k] == cli[k], (k, last[k], cli[k])
PY
	[ "$del" = "$n" ] && [ "$drop" = 0 ] && ok "xadd: stats delivered $del, dropped 0" ||
		bad "xadd: stats delivered $del dropped $drop (want $n, 0)"
	if grep -q s3cret "$T/x.err"; then bad "xadd: the password showed"; else ok "xadd: password never on stderr"; fi
else
	bad "xadd: flowtap failed: $(head -3 "$T/x.err")"
fi

# --redis-packets: packet records too, the CLI's, into the same stream.
rcli "$P" s3cret DEL flows >/dev/null
if FLOWTAP_REDIS_PASSWORD=s3cret "$FLOWTAP" -r "$T/gen.pcap" --json --packets -W 2 \
	--redis "127.0.0.1:$P" --redis-key flows --redis-packets >"$T/pk.json" 2>"$T/pk.err"; then
	grep '"type":"packet"' "$T/pk.json" >"$T/pk.cli"
	np=$(wc -l <"$T/pk.cli")
	n=$(flows "$T/pk.json" | wc -l)
	len=$(rcli "$P" s3cret XLEN flows)
	rcli "$P" s3cret XRANGE flows - + | awk 'NR % 3 == 0' >"$T/pk.all"
	grep '"type":"packet"' "$T/pk.all" >"$T/pk.entries"
	read -r del drop < <(export_counts "$T/pk.json")
	if [ "$np" -gt 30000 ] && [ "$len" = $((np + n + 1)) ] && [ "$del" = $((np + n)) ] &&
		[ "$drop" = 0 ] && same_records "$T/pk.cli" "$T/pk.entries"; then
		ok "packets: XLEN $len == $np packet + $n flow records + 1 stats, packet entries equal the CLI's, delivered $del"
	else
		bad "packets: XLEN $len, $np packet + $n flow records, delivered $del dropped $drop"
	fi
else
	bad "packets: flowtap failed: $(head -3 "$T/pk.err")"
fi

# A wrong password: the cause on stderr, every record counted as dropped.
if FLOWTAP_REDIS_PASSWORD=wrong "$FLOWTAP" -r "$T/gen.pcap" --json --redis "127.0.0.1:$P" \
	>"$T/w.json" 2>"$T/w.err"; then
	read -r del drop < <(export_counts "$T/w.json")
	n=$(flows "$T/w.json" | wc -l)
	if grep -qi "AUTH" "$T/w.err" && [ "$del" = 0 ] && [ "$drop" = "$n" ]; then
		ok "wrong password: '$(grep -i auth "$T/w.err" | head -1)', all $n dropped and counted"
	else
		bad "wrong password: stderr '$(head -2 "$T/w.err")', delivered $del dropped $drop of $n"
	fi
else
	bad "wrong password: flowtap failed: $(head -3 "$T/w.err")"
fi
stop_redis

# list mode into db 3, the password from a file.
P=$(free_port)
start_redis "$P" filepw || { bad "redis did not start"; e2e_finish; }
printf 'filepw\n' >"$T/pw"
if "$FLOWTAP" -r "$T/gen.pcap" --json --redis "127.0.0.1:$P" --redis-mode list --redis-db 3 \
	--redis-auth-file "$T/pw" >"$T/l.json" 2>"$T/l.err"; then
	n=$(flows "$T/l.json" | wc -l)
	len=$(rcli "$P" filepw -n 3 LLEN flowtap)
	len0=$(rcli "$P" filepw -n 0 EXISTS flowtap)
	rcli "$P" filepw -n 3 LRANGE flowtap 0 -1 >"$T/l.all"
	flows "$T/l.all" >"$T/l.entries"
	flows "$T/l.json" >"$T/l.flows"
	if [ "$len" = $((n + 1)) ] && [ "$len0" = 0 ] && same_records "$T/l.flows" "$T/l.entries" &&
		tail -1 "$T/l.all" | grep -q '"type":"stats","ts":[0-9.]*,"final":true'; then
		ok "list: LLEN $len in db 3 == $n records + the final stats, all equal, db 0 empty"
	else
		bad "list: LLEN $len (db 0 has it: $len0), $n records"
	fi
else
	bad "list: flowtap failed: $(head -3 "$T/l.err")"
fi
stop_redis

# publish: a subscriber gets every record.
P=$(free_port)
start_redis "$P" || { bad "redis did not start"; e2e_finish; }
redis-cli -p "$P" --raw SUBSCRIBE ch >"$T/sub.out" &
SUB=$!
for _ in $(seq 100); do [ "$(rcli "$P" "" PUBSUB NUMSUB ch | tail -1)" = 1 ] && break; sleep 0.05; done
if "$FLOWTAP" -r "$T/gen.pcap" --json --redis "127.0.0.1:$P" --redis-mode publish \
	--redis-key ch >"$T/p.json" 2>"$T/p.err"; then
	n=$(flows "$T/p.json" | wc -l)
	for _ in $(seq 100); do [ "$(grep -c '"type":"flow"' "$T/sub.out")" -ge "$n" ] && break; sleep 0.05; done
	grep '"type":"flow"' "$T/sub.out" >"$T/p.entries"
	flows "$T/p.json" >"$T/p.flows"
	if same_records "$T/p.flows" "$T/p.entries"; then
		ok "publish: the subscriber got all $n records"
	else
		bad "publish: subscriber got $(wc -l <"$T/p.entries") of $n"
	fi
else
	bad "publish: flowtap failed: $(head -3 "$T/p.err")"
fi
kill "$SUB" 2>/dev/null
wait "$SUB" 2>/dev/null

# Kill redis mid-run: flowtap reads a FIFO fed over ~12 s.
mkfifo "$T/fifo"
python3 - "$T/gen.pcap" "$T/fifo" <<'EOF' &
import sys, time
data = open(sys.argv[1], "rb").read()
out = open(sys.argv[2], "wb")
out.write(data[:24])
off, n = 24, 0
while off + 16 <= len(data):
    incl = int.from_bytes(data[off + 8:off + 12], "little")
    out.write(data[off:off + 16 + incl])
    off += 16 + incl
    n += 1
    if n % 500 == 0:
        out.flush()
        time.sleep(0.15)
out.close()
EOF
FEED=$!
"$FLOWTAP" -r "$T/fifo" --json --redis "127.0.0.1:$P" --reorder-window 0 --stats-interval 0.5 \
	>"$T/k.json" 2>"$T/k.err" &
FPID=$!
# Kill once records arrive (a busy machine may take a while to start).
for _ in $(seq 200); do [ "$(rcli "$P" "" XLEN flowtap)" -gt 0 ] && break; sleep 0.05; done
before=$(rcli "$P" "" XLEN flowtap)
kill -KILL "$RS_PID"
wait "$RS_PID" 2>/dev/null
RS_PID=
sleep 1.5
kill -0 "$FEED" 2>/dev/null || bad "kill: the feed ended before the restart (too slow a machine?)"
start_redis "$P" || bad "kill: redis did not restart"
wait "$FEED"
wait "$FPID"
rc=$?
rcli "$P" "" XRANGE flowtap - + | awk 'NR % 3 == 0' >"$T/k.all"
after=$(grep -c '"type":"flow"' "$T/k.all")
n=$(flows "$T/k.json" | wc -l)
read -r del drop < <(export_counts "$T/k.json")
if [ "$rc" = 0 ] && [ "$before" -gt 0 ] && [ "$after" -gt 0 ] && [ "$drop" -gt 0 ] &&
	[ $((del + drop)) = "$n" ] && [ "$after" -le "$del" ] && grep -q "connected" "$T/k.err"; then
	ok "kill: $before before the kill, $after after the restart; delivered $del + dropped $drop == $n records"
else
	bad "kill: rc $rc, before $before after $after, delivered $del dropped $drop, records $n; $(head -3 "$T/k.err")"
fi
# --stats-interval: periodic stats records reach the stream too, the final one last.
python3 - "$T/k.all" <<'PY' && ok "kill: periodic stats records after the restart, the final one last" || bad "kill: stats records in the stream: $(grep -c '"type":"stats"' "$T/k.all")"
import json, sys
ents = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [e for e in ents if e["type"] == "stats"]
assert len(st) >= 2 and all(e["final"] is False for e in st[:-1]), len(st)
assert ents[-1]["type"] == "stats" and ents[-1]["final"] is True
PY
stop_redis
e2e_finish
