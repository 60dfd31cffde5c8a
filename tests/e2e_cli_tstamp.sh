#!/usr/bin/env bash
# tcpdump's -t family on flowtap's text lines: packet lines (--packets) and
# flow lines alike, exact strings on a generated capture whose timestamps are
# known (ftgen starts at 2026-01-01 00:00:00 UTC; editcap shifts it to a day
# and time with every field non-zero), and, where tcpdump is installed, the
# packet lines' timestamps equal tcpdump's (TZ=UTC) for every line and style.
# Uses $FLOWTAP and $FTGEN (set by ctest).
set -u
: "${FLOWTAP:?}" "${FTGEN:?}"
# shellcheck source=tests/lib_e2e.sh
. "$(dirname "$0")/lib_e2e.sh"

"$FTGEN" --profile flows -o "$T/g0.pcap" --sessions 5 --seed 3 --udp 0 --other 0 >/dev/null 2>&1 || { bad "ftgen failed"; exit 1; }
if command -v editcap >/dev/null; then
	editcap -t 5316696.25 "$T/g0.pcap" "$T/g.pcap" # +61 days 12:51:36.25
	shifted=1
else
	cp "$T/g0.pcap" "$T/g.pcap"
	shifted=0
	skip "editcap missing: timestamps not shifted"
fi

# The time fields of the first two packet lines and the first two flow lines.
stamps() { # flowtap args...
	"$FLOWTAP" -r "$T/g.pcap" --packets -W 1 "$@" 2>/dev/null |
		sed -n '1p;2p;/ TCP \|^TCP /p' | sed -E 's/ ?(IP6?|TCP) .*//' | head -4 | tr '\n' '|'
}
expect() { # want args...
	local want=$1 got
	shift
	got=$(stamps "$@")
	[ "$got" = "$want" ] && ok "${*:-default}: $got" || bad "${*:-default}: got '$got', want '$want'"
}
if [ "$shifted" = 1 ]; then
	expect "12:51:36.250002|12:51:36.250003|12:51:36.250033|12:51:36.250005|"
	expect "||||" -t
	expect "1772542296.250002|1772542296.250003|1772542296.250033|1772542296.250005|" -tt
	# (flow lines come when the session ends, a reorder window after its close)
	expect " 00:00:00.000000| 00:00:00.000001|-00:00:00.000412|-00:00:00.000028|" -ttt
	expect "2026-03-03 12:51:36.250002|2026-03-03 12:51:36.250003|2026-03-03 12:51:36.250033|2026-03-03 12:51:36.250005|" -tttt
	expect " 00:00:00.000000| 00:00:00.000001| 00:00:00.000031| 00:00:00.000003|" -ttttt
fi
# -t: the line starts with the protocol, as tcpdump's.
"$FLOWTAP" -r "$T/g.pcap" --packets -t -W 1 2>/dev/null | head -1 | grep -q '^IP 10\.' && ok "-t: no timestamp, no leading space" || bad "-t line start"
"$FLOWTAP" -r "$T/g.pcap" -t -W 1 2>/dev/null | head -1 | grep -q '^TCP ' && ok "-t: flow line without a timestamp" || bad "-t flow line start"
# The default is time of day for flow lines too (it used to be epoch seconds).
"$FLOWTAP" -r "$T/g.pcap" 2>/dev/null | head -1 | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} TCP ' && ok "flow lines: time of day by default" || bad "flow line default"
# Nanosecond captures keep nine digits in every style.
"$FTGEN" --profile flows -o "$T/n.pcap" --sessions 2 --seed 3 --udp 0 --other 0 --nsec >/dev/null 2>&1
got=$("$FLOWTAP" -r "$T/n.pcap" --packets -W 1 -tttt 2>/dev/null | head -1 | cut -c1-30)
[ "$got" = "2026-01-01 00:00:00.000006527 " ] && ok "-tttt, nanoseconds: $got" || bad "-tttt nanoseconds: '$got'"
# JSON keeps epoch seconds whatever -t says (the contract).
"$FLOWTAP" -r "$T/g.pcap" --packets --json -tttt -W 1 2>/dev/null | head -1 | grep -q '"ts":1772542296.250002\|"ts":1767225600.000002' &&
	ok "--json ts stays epoch seconds with -tttt" || bad "--json ts with -tttt"
# Too many t's is a usage error.
"$FLOWTAP" -r "$T/g.pcap" -tttttt >/dev/null 2>&1
[ $? = 2 ] && ok "-tttttt: usage error" || bad "-tttttt accepted"

if command -v tcpdump >/dev/null; then
	for t in "" -t -tt -ttt -tttt -ttttt; do
		a=$("$FLOWTAP" -r "$T/g.pcap" --packets --no-flows -W 1 $t 2>/dev/null | sed -E 's/ ?(IP6?) .*//' | md5sum)
		b=$(TZ=UTC tcpdump -n $t -r "$T/g.pcap" 2>/dev/null | sed -E 's/ ?(IP6?) .*//' | md5sum)
		[ "$a" = "$b" ] && ok "${t:-default}: every timestamp as tcpdump's" || bad "${t:-default}: timestamps differ from tcpdump's"
	done
else
	skip "tcpdump missing: no comparison"
fi

e2e_finish
