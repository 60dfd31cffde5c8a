#!/usr/bin/env bash
# End-to-end test of the example tools against real servers, captured live:
# in the project's test hosts (tests/netns.sh) a python3 HTTP/1.1 server and
# a redis-server run in $FT_NS_B; curl, redis-cli, redis-benchmark and a
# small python client drive them from $FT_NS_A; http_trace, redis_trace,
# flowgrep and tcp_metrics capture live on $FT_IF_B (--json) while flowtap
# -w saves the same traffic. Checks: every HTTP request once with its method,
# URL, status and sizes (curl's own numbers), every Redis command with its
# reply, pub/sub messages, the token split over two segments, plausible
# latencies; then each tool replays the saved file with -r and must print
# the same records; and the saved file, reordered as a skewed tap delivers
# it, must give every session's bytes exactly. Bounded (~30 s). Exit 77
# (skip) without root, netns or the servers. FT_TOOLS_KEEP=DIR keeps the
# outputs (the README's samples).
set -u
SRC=${FT_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${FT_BUILD_DIR:-$SRC/build}
FLOWTAP=${FLOWTAP:-$BIN/flowtap}
for t in http_trace redis_trace flowgrep tcp_metrics; do
	[ -x "$BIN/$t" ] || { echo "skip: $BIN/$t not built"; exit 77; }
done
for c in curl python3 redis-server redis-cli redis-benchmark; do
	command -v "$c" >/dev/null || { echo "skip: $c not installed"; exit 77; }
done
. "$SRC/tests/netns.sh"
ft_netns_up tools || exit $?
T=$(mktemp -d)
trap 'ft_netns_down; rm -rf "$T"' EXIT
trap 'echo "FAIL - timed out or interrupted"; exit 1' TERM INT
( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep 300 & s=$!; wait $s; kill -TERM $$ ) >/dev/null 2>&1 &
watchdog=$!
A() { timeout 15 ip netns exec "$FT_NS_A" "$@"; }
B() { ip netns exec "$FT_NS_B" "$@"; }
URL=http://$FT_IP_B:8080
TOKEN=MAGIC-4711-TOKEN

# --- servers ---
mkdir -p "$T/www"
python3 -c 'import random; random.seed(1); print("".join(random.choice("abcdefgh\n") for _ in range(30000)))' >"$T/www/index.html"
echo "hello from a.txt" >"$T/www/a.txt"
head -c 100000 /dev/zero | tr '\0' 'b' >"$T/www/big.bin"
B python3 "$SRC/tests/tools/http_server.py" "$T/www" "$FT_IP_B" 8080 >"$T/httpd.log" 2>&1 &
B redis-server --port 6379 --bind "$FT_IP_B" --save '' --appendonly no --protected-mode no >"$T/redis.log" 2>&1 &
for _ in $(seq 50); do
	A curl -s -o /dev/null "$URL/a.txt" 2>/dev/null && A redis-cli -h "$FT_IP_B" ping >/dev/null 2>&1 && break
	sleep 0.1
done
A curl -s -o /dev/null "$URL/a.txt" && A redis-cli -h "$FT_IP_B" ping >/dev/null || { echo "FAIL - servers did not start"; exit 1; }

# --- the tools, live (two workers each, so sessions are spread) ---
pids=""
run() { # name args...
	local name=$1
	shift
	# ip netns exec execs the program: $! is its pid, and it gets the SIGINT
	ip netns exec "$FT_NS_B" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	pids="$pids $!"
}
run http_json "$BIN/http_trace" -W 2 -i "$FT_IF_B" --json
run http_text "$BIN/http_trace" -W 2 -i "$FT_IF_B" --no-color
run redis_json "$BIN/redis_trace" -W 2 -i "$FT_IF_B" --json
run redis_text "$BIN/redis_trace" -W 2 -i "$FT_IF_B" --no-color
run grep_json "$BIN/flowgrep" -W 2 -i "$FT_IF_B" --json "$TOKEN"
run grep_text "$BIN/flowgrep" -W 2 -i "$FT_IF_B" --no-color "$TOKEN"
run metrics_json "$BIN/tcp_metrics" -W 2 -i "$FT_IF_B" --json
run metrics_text "$BIN/tcp_metrics" -W 2 -i "$FT_IF_B" --no-color
run cap "$FLOWTAP" -i "$FT_IF_B" -w "$T/cap.pcap" --no-flows --stats-interval 0
sleep 1.5 # the captures are open once the programs print nothing and wait

# --- HTTP: curl prints its own numbers, the truth the test checks against ---
W='%{http_code} %{size_upload} %{size_download}\n'
head -c 800 /dev/urandom | base64 -w0 >"$T/small.txt"
head -c 60000 /dev/zero | tr '\0' 'p' >"$T/large.txt"
{
	A curl -s -o /dev/null -w "GET /index.html $W" "$URL/index.html"
	# keep-alive: three URLs, one connection (curl reuses it)
	A curl -s -o /dev/null -o /dev/null -o /dev/null -w "GET %{url_effective} $W" \
		"$URL/a.txt" "$URL/big.bin" "$URL/missing.html" | sed "s#$URL##"
	A curl -s -o /dev/null -w "GET /chunked $W" "$URL/chunked"
	A curl -s -o /dev/null -w "POST /form $W" --data-binary @"$T/small.txt" "$URL/form"
	A curl -s -o /dev/null -w "POST /upload $W" -H 'Expect:' --data-binary @"$T/large.txt" "$URL/upload"
	A curl -s -o /dev/null -w "HEAD /a.txt $W" -I "$URL/a.txt" | sed 's/ [0-9]*$/ 0/'
} >"$T/http_truth.txt"
A python3 "$SRC/tests/tools/client.py" "$FT_IP_B" 8080 "$TOKEN"

# --- Redis ---
R() { A redis-cli -h "$FT_IP_B" "$@"; }
R set k1 hello >/dev/null
R get k1 >/dev/null
R incr counter >/dev/null
R incr counter >/dev/null
R rpush list a b c >/dev/null
R lrange list 0 -1 >/dev/null
R get missing >/dev/null
python3 -c 'import sys
for i in range(100): sys.stdout.write("*3\r\n$3\r\nSET\r\n$%d\r\npipe:%d\r\n$1\r\nv\r\n" % (len("pipe:%d" % i), i))' |
	A redis-cli -h "$FT_IP_B" --pipe >/dev/null
A redis-benchmark -h "$FT_IP_B" -n 200 -P 10 -c 2 -t set,get -q >/dev/null
A redis-cli -h "$FT_IP_B" subscribe news >"$T/sub.out" &
sub=$!
for _ in $(seq 30); do grep -q news "$T/sub.out" 2>/dev/null && break; sleep 0.1; done
R publish news hello-1 >/dev/null
R publish news hello-2 >/dev/null
sleep 0.3
kill "$sub" 2>/dev/null
wait "$sub" 2>/dev/null
sleep 1.5 # let the last packets through the capture buffers

# shellcheck disable=SC2086
kill -INT $pids
# shellcheck disable=SC2086
for p in $pids; do wait "$p"; done

# --- the same traffic from the file ---
for t in http:http_trace redis:redis_trace metrics:tcp_metrics; do
	"$BIN/${t#*:}" -W 2 -r "$T/cap.pcap" --json >"$T/${t%%:*}_replay.out" 2>"$T/${t%%:*}_replay.err"
done
"$BIN/flowgrep" -W 2 -r "$T/cap.pcap" --json "$TOKEN" >"$T/grep_replay.out" 2>"$T/grep_replay.err"

# --- the same traffic as a tap delivers it ---
# A passive tap with one port per direction and a clock skew between the
# ports: split the capture by direction, shift one half (editcap -t), merge
# again in time order (mergecap). Every session's bytes each way must equal
# tshark's distinct payload on the unaltered capture, with none missed, for
# 1 and 3 workers; libtins's StreamFollower, where built, is a second
# opinion on the positive offsets (where it is right): flowtap >= libtins in
# every direction of every session.
tap_fails=0
TINS=$BIN/bench/peer_tins_follow
if command -v editcap >/dev/null && command -v mergecap >/dev/null && command -v tshark >/dev/null; then
	dir_a="ip.src==$FT_IP_A || ipv6.src==$FT_IP6_A"
	tshark -r "$T/cap.pcap" -Y "$dir_a" -w "$T/tap_a.pcap" 2>/dev/null
	tshark -r "$T/cap.pcap" -Y "!($dir_a)" -w "$T/tap_b.pcap" 2>/dev/null
	for off in 0.00001 -0.00001 0.0001 -0.0001 0.001 -0.001; do
		editcap -t "$off" "$T/tap_b.pcap" "$T/tap_bs.pcap"
		mergecap -w "$T/tap.pcap" "$T/tap_a.pcap" "$T/tap_bs.pcap"
		tins=""
		case $off in -*) ;; *) [ -x "$TINS" ] && "$TINS" --sessions "$T/tap.pcap" >"$T/tins.out" && tins=$T/tins.out ;; esac
		for w in 1 3; do
			"$FLOWTAP" -r "$T/tap.pcap" --json -W "$w" >"$T/tap.out" 2>"$T/tap.err"
			# shellcheck disable=SC2086
			if res=$(python3 "$SRC/tests/tap_compare.py" "$T/cap.pcap" "$T/tap.out" $tins); then
				echo "ok - tap skew ${off}s, -W $w: $res"
			else
				echo "FAIL - tap skew ${off}s, -W $w: $res"
				tap_fails=$((tap_fails + 1))
			fi
		done
	done
else
	echo "skip - tap order: needs editcap, mergecap and tshark"
fi

if [ -n "${FT_TOOLS_KEEP:-}" ]; then
	mkdir -p "$FT_TOOLS_KEEP" && cp "$T"/*.out "$T"/*.err "$T"/http_truth.txt "$T/cap.pcap" "$FT_TOOLS_KEEP"/
fi

kill "$watchdog" 2>/dev/null
python3 - "$T" "$TOKEN" <<'EOF'
import json, os, sys
T, token = sys.argv[1], sys.argv[2]
fails = 0
def ok(c, what):
    global fails
    print(("ok - " if c else "FAIL - ") + what)
    fails += 0 if c else 1
def load(name):
    return [json.loads(l) for l in open(os.path.join(T, name)) if l.strip()]
def err_clean(name):
    e = open(os.path.join(T, name)).read()
    return "ERROR" not in e and "runtime error" not in e and "dropped packets" not in e, e[:300]

for n in ["http_json", "http_text", "redis_json", "redis_text", "grep_json", "grep_text",
          "metrics_json", "metrics_text", "cap"]:
    c, e = err_clean(n + ".err")
    ok(c, "%s: no drops, no sanitizer report %s" % (n, "" if c else e))

# HTTP: every request once, with curl's numbers; the python client's too.
http = load("http_json.out")
reqs = [r for r in http if r["type"] == "http_request"]
resps = [r for r in http if r["type"] == "http_response"]
ok(not [r for r in http if r["type"] == "http_error"], "http: no parser errors")
truth = []
for l in open(os.path.join(T, "http_truth.txt")):
    m, u, st, up, down = l.split()
    truth.append((m, u, int(st), int(float(up)), int(float(down))))
truth += [("GET", "/a.txt", 200, 0, 17), ("GET", "/index.html", 200, 0, 30001),
          ("GET", "/nope-pipelined", 404, 0, None), ("GET", "/split?" + token, 404, 0, None)]
ok(len(truth) == 12, "http: 12 requests made (%d)" % len(truth))
for m, u, st, up, down in truth:
    rq = [r for r in reqs if r["method"] == m and r["url"] == u and r["body"] == up]
    rs = [r for r in resps if r["method"] == m and r["url"] == u and r["status"] == st and
          r["req_body"] == up and (down is None or r["body"] == down)]
    want = 2 if u in ("/a.txt", "/index.html") and m == "GET" else 1
    ok(len(rq) == want and len(rs) == want,
       "http: %s %s -> %d (%s/%s bytes): %d request, %d response records" % (m, u, st, up, down, len(rq), len(rs)))
ok(len(reqs) == 12 and len(resps) == 12, "http: 12 requests, 12 responses (%d, %d)" % (len(reqs), len(resps)))
ok(all(0 < r["response_ms"] < 1000 for r in resps), "http: response times in (0, 1 s): %s" %
   sorted(r["response_ms"] for r in resps)[:3])
ch = [r for r in resps if r["url"] == "/chunked"]
ok(ch and ch[0]["chunked"] and ch[0]["body"] == 2107, "http: chunked response decoded to 2107 bytes")
def conn(url):  # (n, url) of every response on the connection that carried url
    f = [r["flow"] for r in resps if r["url"] == url][:1]
    return sorted((r["n"], r["url"]) for r in resps if [r["flow"]] == f)
ka = conn("/big.bin")
ok(ka == [(1, "/a.txt"), (2, "/big.bin"), (3, "/missing.html")], "http: keep-alive numbered 1..3 on one connection: %s" % ka)
pl = conn("/nope-pipelined")
ok(pl == [(1, "/a.txt"), (2, "/index.html"), (3, "/nope-pipelined")], "http: pipelined requests paired in order: %s" % pl)

# Redis: every command with its reply.
red = load("redis_json.out")
cmds = [r for r in red if r["type"] == "redis"]
def find(cmd, args, reply):
    return [r for r in cmds if r.get("command") == cmd and r["args"] == args and r["reply"] == reply]
for cmd, args, reply, n in [("set", ["k1", "hello"], "OK", 1), ("get", ["k1"], "hello", 1),
                            ("incr", ["counter"], "(integer) 1", 1), ("incr", ["counter"], "(integer) 2", 1),
                            ("rpush", ["list", "a", "b", "c"], "(integer) 3", 1),
                            ("lrange", ["list", "0", "-1"], "[a, b, c]", 1), ("get", ["missing"], "(nil)", 1),
                            ("subscribe", ["news"], "[subscribe, news, (integer) 1]", 1),
                            ("publish", ["news", "hello-1"], "(integer) 1", 1),
                            ("publish", ["news", "hello-2"], "(integer) 1", 1)]:
    got = find(cmd, args, reply)
    ok(len(got) == n, "redis: %s %s -> %s (%d)" % (cmd, args, reply, len(got)))
pipe = [r for r in cmds if r.get("command") == "set" and r["args"][0].startswith("pipe:") and r["reply"] == "OK"]
ok(len(pipe) == 100, "redis: --pipe: 100 SETs paired with OK (%d)" % len(pipe))
bs = [r for r in cmds if r.get("command") == "set" and r["args"][:1] == ["key:__rand_int__"] and r["reply"] == "OK"]
bg = [r for r in cmds if r.get("command") == "get" and r["args"] == ["key:__rand_int__"]]
ok(len(bs) == 200 and len(bg) == 200, "redis: benchmark -P 10: 200 SET, 200 GET (%d, %d)" % (len(bs), len(bg)))
ok(not [r for r in red if r.get("unpaired") or r["type"] == "redis_error"], "redis: no unpaired reply, no parser error")
msgs = [(r["channel"], r["message"]) for r in red if r["type"] == "redis_message"]
ok(msgs == [("news", "hello-1"), ("news", "hello-2")], "redis: pub/sub messages %s" % msgs)
lat = [r.get("latency_ms", -1) for r in cmds]
ok(all(0 < x < 1000 for x in lat), "redis: latencies in (0, 1 s): min %.3f max %.3f" % (min(lat), max(lat)))
ok(max(r["total"] for r in cmds) == len(cmds), "redis: total count = commands (%d)" % len(cmds))
sess = [r for r in red if r["type"] == "redis_session"]
ok(sum(s["commands"] for s in sess) == len(cmds) and len(sess) >= 13, "redis: %d per-connection summaries add up" % len(sess))

# flowgrep: the token split over two segments, once; the UDP datagram, once.
g = load("grep_json.out")
ok(sorted((m["proto"], m["match"]) for m in g) == [("T", token), ("U", token)], "flowgrep: %s" % [(m["proto"], m["offset"]) for m in g])
ok(any(m["proto"] == "T" and m["offset"] == len("GET /split?") for m in g), "flowgrep: the stream offset of the split match")

# tcp_metrics: one record per connection, with plausible numbers.
tm = load("metrics_json.out")
web = [m for m in tm if m["dst"].endswith(":8080")]
ok(len(web) >= 8, "tcp_metrics: %d HTTP connections" % len(web))
ok(all(0 < m["connect_ms"] < 1000 and 0 < m["rtt_ms"] < 1000 for m in tm), "tcp_metrics: connect and RTT in (0, 1 s)")
ok(any(m["recv"]["bytes"] >= 100000 for m in web), "tcp_metrics: the 100 kB download counted")
ok(all(m["recv"]["ack_latency"]["samples"] == 0 or m["recv"]["ack_latency"]["max_ms"] < 1000 for m in tm),
   "tcp_metrics: ACK latencies < 1 s")

# Replay: the same records from the saved file. Each capture socket stamps
# its own copy of a packet, so times may differ by microseconds: they must
# agree within 2 ms; everything else exactly, but flow ids, Redis's global
# count (workers interleave), the end of sessions still open at SIGINT, and
# live ACK latencies (the tracker bug below).
TIMES = {"ts", "response_ms", "latency_ms", "duration_s", "connect_ms", "rtt_ms"}
SKIP = {"flow", "total", "min_ms", "avg_ms", "max_ms", "samples"}  # ACK latency: below
# (Two capture sockets on a veth may see the two directions interleaved a
# little differently, so the ACK-latency statistics of the live tool and of
# the replayed -w file, captured by another socket, can differ by a sample.)
def split(r):
    if isinstance(r, dict):
        rest, times = {}, []
        for k in sorted(r):
            if k in TIMES:
                times.append((k, r[k]))
            elif k not in SKIP:
                sub, t = split(r[k])
                rest[k] = sub
                times += t
        if r.get("close") == "eof":
            times = []
        return rest, times
    return r, []
def norm(recs):
    out = [split(r) for r in recs]
    return sorted(((json.dumps(a, sort_keys=True), t) for a, t in out), key=lambda x: (x[0], x[1]))
for live, rep in [("http_json", "http_replay"), ("redis_json", "redis_replay"),
                  ("grep_json", "grep_replay"), ("metrics_json", "metrics_replay")]:
    a, b = norm(load(live + ".out")), norm(load(rep + ".out"))
    same = [x[0] for x in a] == [x[0] for x in b]
    # seconds within 2 ms, milliseconds within 2 ms
    close = same and all(abs(p - q) < (2 if k.endswith("_ms") else 0.002)
                         for (_, ta), (_, tb) in zip(a, b) for (k, p), (_, q) in zip(ta, tb))
    diff = sorted(set(x[0] for x in a) ^ set(x[0] for x in b))[:2]
    ok(same and close, "replay %s: %d records, the same as live%s" % (rep, len(b), (": %s" % diff) if diff else ""))

# ACK latency is measured from packet times, live and replayed alike (the
# tracker once used its expiry clock on live links, and read 0 ms here).
live0 = [m for m in tm if m["recv"]["ack_latency"]["samples"] and m["recv"]["ack_latency"]["max_ms"] == 0]
rep = load("metrics_replay.out")
ok(all(m["recv"]["ack_latency"]["max_ms"] > 0 for m in rep if m["recv"]["ack_latency"]["samples"]),
   "tcp_metrics replay: ACK latencies > 0")
ok(not live0, "tcp_metrics live: ACK latency > 0 (%d of %d sessions measured 0 ms)" % (len(live0), len(tm)))
sys.exit(1 if fails else 0)
EOF
rc=$?
[ "$tap_fails" = 0 ] || rc=1
exit "$rc"
