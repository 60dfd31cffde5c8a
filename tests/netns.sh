# tests/netns.sh - the project's own test hosts (design.md's network rule).
# Source it, then call ft_netns_up. It creates two network namespaces with
# both ends of one veth pair inside them, and addresses only from
# 10.200.0.0/24 and fd00:200::/64:
#   $FT_NS_A  (client host)  $FT_IF_A  10.200.0.1/24  fd00:200::1/64
#   $FT_NS_B  (server host)  $FT_IF_B  10.200.0.2/24  fd00:200::2/64
# Run things with: ip netns exec "$FT_NS_B" CMD...
# Nothing is sent on any other interface. ft_netns_down (also on EXIT)
# removes both namespaces. Returns 77 (skip) when this is not possible
# (not root, no ip netns): the caller should exit 77 with it.

ft_netns_up() {
	local tag=${1:-t}$$
	FT_NS_A="ft-${tag}-a"
	FT_NS_B="ft-${tag}-b"
	FT_IF_A="fta${$}"
	FT_IF_B="ftb${$}"
	FT_IP_A=10.200.0.1
	FT_IP_B=10.200.0.2
	FT_IP6_A=fd00:200::1
	FT_IP6_B=fd00:200::2
	if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
		echo "skip: network namespaces need root and iproute2" >&2
		return 77
	fi
	ip netns add "$FT_NS_A" 2>/dev/null || { echo "skip: cannot create a network namespace" >&2; return 77; }
	ip netns add "$FT_NS_B" || { ip netns del "$FT_NS_A"; return 77; }
	trap ft_netns_down EXIT
	# Create the pair inside A, then move one end to B: it never exists in the root namespace.
	ip -n "$FT_NS_A" link add "$FT_IF_A" type veth peer name "$FT_IF_B" || return 1
	ip -n "$FT_NS_A" link set "$FT_IF_B" netns "$FT_NS_B" || return 1
	ip -n "$FT_NS_A" addr add "$FT_IP_A/24" dev "$FT_IF_A"
	ip -n "$FT_NS_B" addr add "$FT_IP_B/24" dev "$FT_IF_B"
	ip -n "$FT_NS_A" -6 addr add "$FT_IP6_A/64" dev "$FT_IF_A" nodad
	ip -n "$FT_NS_B" -6 addr add "$FT_IP6_B/64" dev "$FT_IF_B" nodad
	for ns in "$FT_NS_A" "$FT_NS_B"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$FT_NS_A" link set "$FT_IF_A" up
	ip -n "$FT_NS_B" link set "$FT_IF_B" up
	# Wait (bounded) until A reaches B.
	for _ in $(seq 50); do
		ip netns exec "$FT_NS_A" ping -c1 -W1 "$FT_IP_B" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "netns: $FT_IP_B unreachable" >&2
	return 1
}

# ft_netns_bounded NAME SECS: after ft_netns_up, a test's own frame: a work
# directory $WORK; a watchdog that ends the test (SIGTERM to it) after SECS,
# its sleep killed with it so that it does not hold ctest's output pipe open;
# an EXIT trap that stops the watchdog, removes both namespaces (and what runs
# in them) and $WORK; fail MSG; NSA/NSB CMD... run CMD on host A or B.
ft_netns_bounded() {
	FT_TEST_NAME=$1
	WORK=$(mktemp -d)
	(
		trap 'kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$2" &
		s=$!
		wait "$s" && echo "$FT_TEST_NAME: timed out" >&2 && kill -TERM $$
	) &
	FT_WATCHDOG=$!
	trap ft_netns_cleanup EXIT
}
ft_netns_cleanup() {
	kill "$FT_WATCHDOG" 2>/dev/null
	ft_netns_down
	rm -rf "$WORK"
}
fail() { echo "$FT_TEST_NAME: FAIL: $*" >&2; exit 1; }
NSA() { ip netns exec "$FT_NS_A" "$@"; }
NSB() { ip netns exec "$FT_NS_B" "$@"; }

ft_netns_down() {
	[ -n "${FT_NS_A:-}" ] && ip netns pids "$FT_NS_A" 2>/dev/null | xargs -r kill 2>/dev/null
	[ -n "${FT_NS_B:-}" ] && ip netns pids "$FT_NS_B" 2>/dev/null | xargs -r kill 2>/dev/null
	[ -n "${FT_NS_A:-}" ] && ip netns del "$FT_NS_A" 2>/dev/null
	[ -n "${FT_NS_B:-}" ] && ip netns del "$FT_NS_B" 2>/dev/null
	return 0
}

# ft_netns_mtu MTU: both ends of the veth pair (after ft_netns_up).
ft_netns_mtu() {
	ip -n "$FT_NS_A" link set "$FT_IF_A" mtu "$1" && ip -n "$FT_NS_B" link set "$FT_IF_B" mtu "$1"
}

# ft_netns_live_bench TAG FTGEN FRAMES: the live benchmarks' set-up
# (bench/live_bench.sh, bench/node_live_bench.sh): the test hosts at MTU
# 9000, a work directory $T (removed with the hosts on exit) and in it $PCAP,
# the benchmark capture (20000 sessions, FRAMES frames, test-host addresses
# only), read once into the page cache. Returns non-zero (77: cannot run
# here) when something fails.
ft_netns_live_bench() {
	ft_netns_up "$1" || return $?
	T=$(mktemp -d)
	trap 'ft_netns_down; rm -rf "$T"' EXIT
	ft_netns_mtu 9000 || return 1
	PCAP=$T/live.pcap
	ft_netns_capture "$2" "$PCAP" --sessions 20000 --frames "$3" ||
		{ echo "ft_netns_live_bench: ftgen failed" >&2; return 1; }
	cat "$PCAP" >/dev/null
}

# ft_netns_capture FTGEN OUT [FTGEN-ARGS...]: a flows capture for the live
# benchmarks whose every address is a test-host one (IPv6 fd00:200::/64 only,
# A's MAC as source, B's as destination), so that sending it on the veth keeps
# to the network rule. Call after ft_netns_up.
ft_netns_capture() {
	local ftgen=$1 out=$2 mac_a mac_b
	shift 2
	mac_a=$(ip netns exec "$FT_NS_A" cat /sys/class/net/"$FT_IF_A"/address)
	mac_b=$(ip netns exec "$FT_NS_B" cat /sys/class/net/"$FT_IF_B"/address)
	"$ftgen" --profile flows -o "$out" --ipv6 1 --vlan 0 --other 0 \
		--mac-src "$mac_a" --mac-dst "$mac_b" "$@" >/dev/null 2>&1
}
