#!/usr/bin/env bash
# --metrics-listen: the Prometheus endpoint, checked by the real thing.
# - a scrape while flowtap lingers after a file passes `promtool check metrics`
#   and says what the file holds (frames received = the file's frames, finished 1);
# - a real `prometheus`, configured here to scrape flowtap every second on
#   loopback, reports flowtap_frames_received_total equal to the file's frames
#   through its HTTP API (/api/v1/query);
# - a live capture on lo serves flowtap_live 1 (needs CAP_NET_RAW);
# - a port already in use, or a bad address: exit 1 with the cause; --linger
#   without --metrics-listen: usage error (2); SIGTERM ends the linger (exit 0).
# Uses $FLOWTAP and $FTGEN (set by ctest), curl, promtool and prometheus.
set -u
: "${FLOWTAP:?}" "${FTGEN:?}" "${FT_SOURCE_DIR:?}"
# shellcheck source=tests/lib_e2e.sh
. "$(dirname "$0")/lib_e2e.sh"
for tool in curl promtool prometheus python3; do
	command -v $tool >/dev/null || { echo "skip: $tool missing (scripts/install-deps.sh test)"; exit 77; }
done
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

"$FTGEN" --profile flows -o "$T/g.pcap" --sessions 400 --seed 3 >/dev/null 2>&1 || { bad "ftgen failed"; exit 1; }
frames=$(python3 "$FT_SOURCE_DIR/tests/pcap_frames.py" whole "$T/g.pcap")

# The port flowtap chose (PORT 0), from its stderr; waits for the line.
port_of() { # errfile
	for _ in $(seq 100); do
		p=$(sed -n 's/^flowtap: metrics on port \([0-9]*\) .*/\1/p' "$1")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}
# One series' value from a scrape (the first sample of that name).
metric() { # file name
	awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}
# Scrape until flowtap_finished is 1 (the final counts), at most ~10 s.
scrape_final() { # port out
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$1/metrics" -o "$2" && [ "$(metric "$2" flowtap_finished)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# --- a file, then --linger: curl + promtool ---
"$FLOWTAP" -r "$T/g.pcap" --no-flows --metrics-listen 127.0.0.1:0 --linger 120 >/dev/null 2>"$T/err" &
fpid=$!
pids="$pids $fpid"
port=$(port_of "$T/err") || { bad "no port on stderr: $(cat "$T/err")"; e2e_finish; }
if scrape_final "$port" "$T/scrape"; then
	got=$(metric "$T/scrape" flowtap_frames_received_total)
	[ "$got" = "$frames" ] && ok "scrape: flowtap_frames_received_total $got = the file's frames" ||
		bad "scrape: frames received $got, the file has $frames"
	proc=$(metric "$T/scrape" flowtap_frames_processed_total)
	wsum=$(awk '$1 ~ /^flowtap_worker_frames_processed_total\{/ { s += $2 } END { print s + 0 }' "$T/scrape")
	[ "$proc" = "$frames" ] && [ "$wsum" = "$frames" ] && ok "scrape: processed $proc, per-worker sum $wsum" ||
		bad "scrape: processed $proc, per-worker sum $wsum, want $frames"
	grep -q '^flowtap_build_info{version="[0-9.]*"} 1$' "$T/scrape" && ok "scrape: flowtap_build_info" ||
		bad "scrape: no flowtap_build_info"
	if promtool check metrics <"$T/scrape" >"$T/lint" 2>&1; then
		ok "promtool check metrics: clean"
	else
		bad "promtool check metrics: $(cat "$T/lint")"
	fi
	ctype=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/metrics")
	case "$ctype" in "text/plain; version=0.0.4"*) ok "content type $ctype" ;; *) bad "content type '$ctype'" ;; esac
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")
	[ "$code" = 404 ] && ok "GET /other: 404" || bad "GET /other: $code"
else
	bad "no final scrape from port $port: $(cat "$T/err")"
fi

# --- the same port again: in use, exit 1 with the cause ---
"$FLOWTAP" -r "$T/g.pcap" --no-flows --metrics-listen "127.0.0.1:$port" >/dev/null 2>"$T/err2"
rc=$?
[ "$rc" = 1 ] && grep -q "127.0.0.1:$port: bind: Address already in use" "$T/err2" &&
	ok "port in use: exit 1, $(cat "$T/err2")" || bad "port in use: exit $rc: $(cat "$T/err2")"

# --- a real Prometheus scrapes it every second ---
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: flowtap
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$T/prom.log" 2>&1 &
ppid=$!
pids="$pids $ppid"
val=""
for _ in $(seq 120); do
	val=$(curl -sf "http://127.0.0.1:$pport/api/v1/query?query=flowtap_frames_received_total" 2>/dev/null |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	[ "$val" = "$frames" ] && break
	kill -0 $ppid 2>/dev/null || break
	sleep 0.5
done
if [ "$val" = "$frames" ]; then
	ok "prometheus scraped flowtap_frames_received_total = $val (the file's frames)"
else
	bad "prometheus: flowtap_frames_received_total '$val', want $frames; log: $(tail -5 "$T/prom.log")"
fi
up=$(curl -sf "http://127.0.0.1:$pport/api/v1/query?query=up" |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
[ "$up" = 1 ] && ok "prometheus: target up" || bad "prometheus: up '$up'"
kill $ppid 2>/dev/null
wait $ppid 2>/dev/null

# --- SIGTERM ends the linger, exit 0 ---
kill -TERM $fpid
wait $fpid
rc=$?
[ "$rc" = 0 ] && ok "SIGTERM during --linger: exit 0" || bad "SIGTERM during --linger: exit $rc: $(cat "$T/err")"
pids=""

# --- usage and address errors ---
"$FLOWTAP" -r "$T/g.pcap" --linger 5 >/dev/null 2>"$T/err3"
rc=$?
[ "$rc" = 2 ] && grep -q "needs --metrics-listen" "$T/err3" && ok "--linger alone: usage error" ||
	bad "--linger alone: exit $rc: $(cat "$T/err3")"
"$FLOWTAP" -r "$T/g.pcap" --metrics-listen nocolon >/dev/null 2>"$T/err3"
rc=$?
[ "$rc" = 1 ] && grep -q 'expected HOST:PORT' "$T/err3" && ok "bad address: exit 1 with the cause" ||
	bad "bad address: exit $rc: $(cat "$T/err3")"

# --- live on lo: flowtap_live 1 while it runs (needs CAP_NET_RAW) ---
"$FLOWTAP" -i lo --no-flows --metrics-listen :0 "udp port 9" >/dev/null 2>"$T/err4" </dev/null &
lpid=$!
pids="$lpid"
if lport=$(port_of "$T/err4"); then
	live=""
	for _ in $(seq 50); do
		curl -sf "http://127.0.0.1:$lport/metrics" -o "$T/live" && live=$(metric "$T/live" flowtap_live)
		[ "$live" = 1 ] && break
		kill -0 $lpid 2>/dev/null || break
		sleep 0.1
	done
	if [ "$live" = 1 ] && promtool check metrics <"$T/live" >/dev/null 2>&1; then
		ok "live on lo: flowtap_live 1, promtool clean"
	elif grep -q CAP_NET_RAW "$T/err4"; then
		skip "live on lo: no CAP_NET_RAW"
	else
		bad "live on lo: flowtap_live '$live': $(cat "$T/err4")"
	fi
else
	bad "live: no port: $(cat "$T/err4")"
fi
kill -INT $lpid 2>/dev/null
wait $lpid 2>/dev/null
pids=""

e2e_finish
