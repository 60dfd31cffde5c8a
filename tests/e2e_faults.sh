#!/usr/bin/env bash
# Faults of a live capture, on the project's own test hosts (tests/netns.sh:
# two namespaces, one veth pair, 10.200.0.0/24; nothing else is touched).
# flowtap captures on $FT_IF_B while a TCP session from A to B stays open, then:
#   ip link set down  -> exit 4, "<iface>: ... went down", final stats, flow "eof"
#   ip link del       -> exit 4, "disappeared" (or "went down"), same
#   SIGTERM, SIGHUP, SIGINT -> exit 0, final stats, flow "eof"
#   -w onto a full tmpfs (private mount namespace) -> exit 5 by itself,
#     "No space left on device", final stats
#   a copy with cap_net_raw,cap_net_admin+ep run as nobody -> captures;
#     the plain program as nobody -> exit 1, the message names CAP_NET_RAW
# Every run: no hang (bounded waits, then SIGKILL and a failure), and no
# AddressSanitizer/LeakSanitizer report when the build has them.
# Needs root (namespaces, setcap): otherwise exits 77 (skipped).
set -u
: "${FLOWTAP:?}"
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/netns.sh
. "$HERE/netns.sh"
# shellcheck source=tests/as_user.sh
. "$HERE/as_user.sh"
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
T=$(mktemp -d)
chmod 755 "$T" # the unprivileged runs below read the copies in it
fails=0 passes=0 skips=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }
skip() { skips=$((skips + 1)); echo "skip - $*"; }
cleanup() { ft_netns_down; rm -rf "$T"; }
PORT=5555

cat >"$T/tcp.py" <<'PY'
# server: accept one session and read until it ends; client: connect (retrying
# until the server listens) and send 10 bytes every 50 ms. Both stop by
# themselves after 30 s.
import socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
end = time.time() + 30
if mode == "server":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1); s.settimeout(30)
    c, _ = s.accept(); c.settimeout(1)
    while time.time() < end:
        try:
            if not c.recv(4096):
                break
        except socket.timeout:
            pass
        except OSError:
            break
else:
    # the server may still be starting (python is slow to start on a busy
    # machine): retry the connection instead of trusting a sleep
    while True:
        try:
            s = socket.create_connection((addr, port), timeout=5)
            break
        except ConnectionRefusedError:
            if time.time() > end:
                raise
            time.sleep(0.05)
    while time.time() < end:
        try:
            s.send(b"0123456789")
        except OSError:
            break
        time.sleep(0.05)
PY

up() {
	ft_netns_up flt || { rc=$?; rm -rf "$T"; exit "$rc"; }
	trap cleanup EXIT
}

# wait_exit PID SECONDS: sets RC to the exit status, or "hang" (then killed).
wait_exit() {
	local pid=$1 n=$(($2 * 10))
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		RC=hang
	else
		wait "$pid"
		RC=$?
	fi
}

# wait_for FILE PYTHON-EXPR SECONDS: until a stats record r in FILE satisfies EXPR.
wait_for() {
	local n=$(($3 * 10))
	while [ "$n" -gt 0 ]; do
		python3 - "$1" "$2" <<'PY' && return 0
import json, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("type") == "stats" and eval(sys.argv[2]):
        sys.exit(0)
sys.exit(1)
PY
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_started PID SECONDS: until the process runs its capture threads (the
# signal handlers are installed before any thread starts).
wait_started() {
	local n=$(($2 * 10))
	while [ "$n" -gt 0 ] && [ "$(ls /proc/"$1"/task 2>/dev/null | wc -l)" -lt 3 ]; do
		sleep 0.1
		n=$((n - 1))
	done
}

no_sanitizer_report() { # what errfile
	if grep -q "ERROR: \(AddressSanitizer\|LeakSanitizer\)" "$2"; then
		bad "$1: sanitizer report: $(grep -m1 -A3 'ERROR:' "$2")"
	fi
}

# final_ok WHAT OUT [flow]: the last record is the final stats record, and it
# is conserved; with "flow", the open session's record ends with close "eof".
final_ok() {
	python3 - "$2" "${3:-}" "$FT_IP_A" "$FT_IP_B" "$PORT" <<'PY' && ok "$1: final stats${3:+ and the flow record of the open session (eof)}" || bad "$1: final records: $(tail -c 600 "$2")"
import json, sys
out, want_flow, a, b, port = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
recs = [json.loads(l) for l in open(out)]
st = recs[-1]
assert st["type"] == "stats" and st["final"] is True, st
assert sum(1 for r in recs if r["type"] == "stats" and r["final"]) == 1
assert st["captured"] == st["packets"] + st["discarded"] + st["ring_drop"], st
assert st["flows_active"] == 0, st
if want_flow:
    # The session opened after the capture started: not mid-stream. (The last
    # FIN or ACK of the previous step's session may arrive late, mid-stream.)
    fl = [r for r in recs if r["type"] == "flow" and r["src"] == a and r["dst"] == b
          and r.get("dport") == port and not r["midstream"]]
    assert len(fl) == 1, fl
    assert fl[0]["close"] == "eof" and fl[0]["state"] == "ESTABLISHED", fl[0]
    assert fl[0]["send"]["bytes"] > 0, fl[0]
PY
}

# start_capture NAME: flowtap on $FT_IF_B with an open TCP session from A.
start_capture() {
	OUT=$T/$1.out ERR=$T/$1.err
	ip netns exec "$FT_NS_B" "$FLOWTAP" -i "$FT_IF_B" --json --stats-interval 0.2 -W 2 \
		"tcp port $PORT" >"$OUT" 2>"$ERR" </dev/null &
	FT_PID=$!
	wait_for "$OUT" 'True' 10 || { bad "$1: flowtap did not start: $(cat "$ERR")"; return 1; }
	ip netns exec "$FT_NS_B" python3 "$T/tcp.py" server "$FT_IP_B" $PORT &
	SRV=$!
	sleep 0.3
	ip netns exec "$FT_NS_A" python3 "$T/tcp.py" client "$FT_IP_B" $PORT &
	CLI=$!
	wait_for "$OUT" 'r["flows_active"] >= 1 and r["packets"] >= 10' 10 ||
		{ bad "$1: the session was not seen: $(tail -c 400 "$OUT")"; return 1; }
}

stop_traffic() {
	kill "$SRV" "$CLI" 2>/dev/null
	wait "$SRV" "$CLI" 2>/dev/null
}

up

# --- the interface goes down, then is deleted ---
for fault in down del; do
	if start_capture "$fault"; then
		if [ $fault = down ]; then
			ip -n "$FT_NS_B" link set "$FT_IF_B" down
		else
			ip -n "$FT_NS_B" link del "$FT_IF_B"
		fi
		wait_exit "$FT_PID" 10
		[ "$RC" = 4 ] && ok "link $fault: exit 4" || bad "link $fault: exit $RC, want 4"
		if [ $fault = down ]; then want="went down"; else want="disappeared\|went down"; fi
		grep -q "flowtap: $FT_IF_B: .*\($want\)" "$ERR" && ok "link $fault: message names $FT_IF_B and says '$want'" ||
			bad "link $fault: message: $(cat "$ERR")"
		final_ok "link $fault" "$OUT" flow
		no_sanitizer_report "link $fault" "$ERR"
	else
		kill -KILL "$FT_PID" 2>/dev/null
	fi
	stop_traffic
	# A fresh pair for what follows.
	ft_netns_down
	up
done

# --- signals: a clean stop, exit 0 ---
for sig in TERM HUP INT; do
	if start_capture "sig$sig"; then
		kill -"$sig" "$FT_PID"
		wait_exit "$FT_PID" 10
		[ "$RC" = 0 ] && ok "SIG$sig: exit 0" || bad "SIG$sig: exit $RC, want 0: $(cat "$ERR")"
		final_ok "SIG$sig" "$OUT" flow
		no_sanitizer_report "SIG$sig" "$ERR"
	else
		kill -KILL "$FT_PID" 2>/dev/null
	fi
	stop_traffic
done

# --- -w onto a full file system: stops by itself with the cause ---
mkdir "$T/full"
ip netns exec "$FT_NS_B" unshare -m sh -c \
	'mount -t tmpfs -o size=64k tmpfs "$1" && exec "$2" -i "$3" -w "$1/out.pcap" --json --stats-interval 0 icmp' \
	sh "$T/full" "$FLOWTAP" "$FT_IF_B" >"$T/full.out" 2>"$T/full.err" </dev/null &
pid=$!
wait_started $pid 10
# 300 x 1.4 KB frames each way: far more than 64 KiB.
ip netns exec "$FT_NS_A" ping -q -c 300 -i 0.002 -s 1400 -W 1 "$FT_IP_B" >/dev/null 2>&1
wait_exit $pid 10
[ "$RC" = 5 ] && ok "-w disk full: exit 5, by itself" || bad "-w disk full: exit $RC, want 5: $(cat "$T/full.err")"
grep -q "flowtap: writing $T/full/out.pcap: No space left on device" "$T/full.err" &&
	ok "-w disk full: 'No space left on device'" || bad "-w disk full: message: $(cat "$T/full.err")"
final_ok "-w disk full" "$T/full.out"
no_sanitizer_report "-w disk full" "$T/full.err"

# --- without root: CAP_NET_RAW is enough, and its absence is named ---
if ! id nobody >/dev/null 2>&1 || ! command -v setcap >/dev/null || ! command -v setpriv >/dev/null; then
	skip "unprivileged runs: need the 'nobody' user, setcap and setpriv"
elif findmnt -n -o OPTIONS -T "$T" | grep -qw nosuid; then
	skip "unprivileged runs: $T is on a nosuid mount (file capabilities are ignored there)"
else
	cp "$FLOWTAP" "$T/flowtap-cap"
	cp "$FLOWTAP" "$T/flowtap-plain"
	chmod 755 "$T/flowtap-cap" "$T/flowtap-plain"
	setcap cap_net_raw,cap_net_admin+ep "$T/flowtap-cap"
	# The runs see only $T (the checkout is hidden from them: tests/as_user.sh).
	ft_as_user_prepare "$T"
	export FT_AS_USER_NETNS=$FT_NS_B
	ft_as_user nobody "$T/flowtap-cap" -i lo --json --stats-interval 0 "udp port 9999" \
		>"$T/cap.out" 2>"$T/cap.err" </dev/null &
	pid=$!
	wait_started $pid 10
	ip netns exec "$FT_NS_B" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(20):
    s.sendto(b"x" * 32, ("127.0.0.1", 9999))'
	sleep 0.5
	kill -TERM $pid 2>/dev/null
	wait_exit $pid 10
	if [ "$RC" = 0 ] && python3 -c '
import json, sys
st = json.loads(open(sys.argv[1]).readlines()[-1])
assert st["final"] and st["packets"] >= 20, st' "$T/cap.out"; then
		ok "CAP_NET_RAW only, as nobody: captures (exit 0)"
	else
		bad "CAP_NET_RAW only, as nobody: exit $RC: $(cat "$T/cap.err") $(tail -c 300 "$T/cap.out")"
	fi
	ft_as_user nobody "$T/flowtap-plain" -i lo --stats-interval 0 >"$T/plain.out" 2>"$T/plain.err" </dev/null &
	wait_exit $! 10
	[ "$RC" = 1 ] && ok "no capability, as nobody: exit 1" || bad "no capability: exit $RC, want 1"
	grep -q "CAP_NET_RAW" "$T/plain.err" && ok "no capability: the message names CAP_NET_RAW" ||
		bad "no capability: message: $(cat "$T/plain.err")"
	no_sanitizer_report "no capability" "$T/plain.err"
fi

echo "$passes passed, $fails failed, $skips skipped"
[ "$fails" = 0 ] || exit 1
[ "$passes" -gt 0 ] || exit 77
exit 0
