#!/usr/bin/env bash
# IPFIX export against the real collector: nfdump's nfcapd (Debian package
# nfdump), started here on 127.0.0.1 and a free port, receives
# `flowtap -r F --ipfix udp:127.0.0.1:PORT`; SIGTERM makes it flush; then
# `nfdump -R DIR` lists what it stored and tests/ipfix_compare.py requires
# every flow once with flowtap's packet counts each way, and IP-level octets
# each way equal to the IP lengths tshark reads from the capture. Captures:
# ftgen's (IPv4, IPv6, VLANs, RST, open at the end; 1 and 3 workers) and a
# real one from tests/data. nfcapd must log no sequence error. The stats
# record must say delivered == flows and nothing dropped. A run in which the
# kernel dropped datagrams at nfcapd's own socket (ss: skmem d; the
# collector fell behind on a loaded machine) is said and run again, at most
# 3 times: the checks need a run the kernel lost nothing of.
# Also: the file output read back by libfixbuf's ipfixDump (templates, every
# record, sequence numbers that count data records); the TCP output into a
# listener, read back the same way; and, as root, a live loopback capture of a
# connection that lasts 4 s with --active-timeout 1: interim records reach the
# collector and, with the final one, add up to the flow's totals.
set -uo pipefail
FTGEN=${FTGEN:-${FT_BUILD_DIR:-build}/ftgen}
FLOWTAP=${FLOWTAP:-${FT_BUILD_DIR:-build}/flowtap}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${FT_DATA_DIR:-$HERE/data}
. "$HERE/lib_e2e.sh"
for t in nfcapd nfdump tshark python3 ipfixDump; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t (scripts/install-deps.sh test)"; exit 77; }
done

free_port() { # udp|tcp
	python3 -c "import socket,sys;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM if sys.argv[1]=='udp' else socket.SOCK_STREAM);s.bind(('127.0.0.1',0));print(s.getsockname()[1])" "$1"
}
NF_PID=
start_nfcapd() { # dir
	mkdir -p "$1"
	PORT=$(free_port udp)
	nfcapd -b 127.0.0.1 -p "$PORT" -w "$1" >"$1.log" 2>&1 &
	NF_PID=$!
	# Up when its socket is bound.
	for _ in $(seq 100); do
		ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	echo "nfcapd did not start:"; cat "$1.log"; return 1
}
stop_nfcapd() {
	kill -TERM "$NF_PID" 2>/dev/null
	wait "$NF_PID" 2>/dev/null
	NF_PID=
}
trap '[ -n "$NF_PID" ] && kill "$NF_PID" 2>/dev/null; rm -rf "$T"' EXIT

tshark_fields() { # pcap
	tshark -r "$1" -Y tcp -T fields -E separator='|' -e ip.src -e ipv6.src -e tcp.srcport \
		-e ip.dst -e ipv6.dst -e tcp.dstport -e ip.len -e ipv6.plen 2>/dev/null
}
nfdump_fields() { # dir
	nfdump -6 -R "$1" -q -N -o 'fmt:%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%pr'
}
# The final stats record: "delivered dropped" of the named exporter.
export_counts() { # json, name
	python3 - "$1" "$2" <<'EOF'
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if '"type":"stats"' in l][-1]
e = [x for x in st.get("export", []) if x["name"] == sys.argv[2]][0]
print(e["delivered"], e["dropped"], st["export_drop"])
EOF
}
flow_count() { grep -c '"type":"flow"' "$1"; }
# nfdump's flags (%flg, "CEUAPRSF" or '.') OR'ed over the records of each TCP
# endpoint pair, against the OR of tshark's tcp.flags over its segments.
tcp_flags_compare() { # nfdump-flags tshark-flags
	python3 - "$1" "$2" <<'EOF'
import collections, sys
def pair(a, pa, b, pb):
    return tuple(sorted([(a, int(pa)), (b, int(pb))]))
nf = collections.Counter()
for l in open(sys.argv[1]):
    f = [x.strip() for x in l.split("|")]
    if len(f) < 6 or f[4] != "6":
        continue
    bits = sum(0x80 >> i for i, c in enumerate(f[5][:8]) if c != ".")
    k = pair(f[0], f[1], f[2], f[3])
    nf[k] |= bits
ts = collections.Counter()
for l in open(sys.argv[2]):
    f = l.rstrip("\n").split("|")
    if len(f) < 7 or "," in l or not f[2] or not f[6]:
        continue  # (a tunnel's inner TCP: two values per field)
    k = pair(f[0] or f[1], f[2], f[3] or f[4], f[5])
    ts[k] |= int(f[6], 16) & 0xFF
bad = [(k, nf.get(k), v) for k, v in ts.items() if nf.get(k) != v]
if bad or not ts:
    print("%d of %d pairs differ, e.g. %s" % (len(bad), len(ts), bad[:3]))
    sys.exit(1)
print("%d pairs" % len(ts))
EOF
}

# Datagrams the kernel dropped at nfcapd's socket (ss's skmem d): the
# collector fell behind (a loaded CI machine), a loss outside flowtap.
collector_drops() { # port
	ss -Huanm "sport = :$1" 2>/dev/null | sed -n 's/.*skmem:(.*,d\([0-9]*\)).*/\1/p' | head -1
}

collector_case() { # name pcap flowtap-options...
	local name=$1 pcap=$2 dir="$T/$1" try drops
	shift 2
	# A run in which nfcapd's own socket dropped datagrams proves nothing
	# either way: it is said, and the case runs again (at most 3 times). The
	# checks below are then made on a run the kernel lost nothing of, or
	# fail on the last one.
	for try in 1 2 3; do
		rm -rf "$dir" "$dir.log"
		start_nfcapd "$dir" || { bad "$name: nfcapd"; return; }
		if ! "$FLOWTAP" -r "$pcap" --json --ipfix "udp:127.0.0.1:$PORT" "$@" >"$dir.json" 2>"$dir.err"; then
			bad "$name: flowtap failed: $(head -3 "$dir.err")"
			stop_nfcapd
			return
		fi
		drops=$(collector_drops "$PORT")
		stop_nfcapd
		[ "${drops:-0}" = 0 ] && break
		echo "note - $name: run $try: the kernel dropped $drops datagrams at nfcapd's socket (the collector fell behind)$([ "$try" -lt 3 ] && echo "; again")"
	done
	nfdump_fields "$dir" >"$dir.nf" 2>"$dir.nferr"
	tshark_fields "$pcap" >"$dir.ts"
	if python3 "$HERE/ipfix_compare.py" "$dir.json" "$dir.nf" "$dir.ts" "$name"; then
		ok "$name: nfcapd stored every flow once, packets and octets exact"
	else
		bad "$name: collector and flowtap differ"
	fi
	nfdump -6 -R "$dir" -q -N -o 'fmt:%sa|%sp|%da|%dp|%pr|%flg' >"$dir.nfflg" 2>/dev/null
	tshark -r "$pcap" -Y tcp -T fields -E separator='|' -e ip.src -e ipv6.src -e tcp.srcport \
		-e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.flags >"$dir.tsflg" 2>/dev/null
	if out=$(tcp_flags_compare "$dir.nfflg" "$dir.tsflg"); then
		ok "$name: tcpControlBits of every TCP connection == the OR of its segments' flags (tshark): $out"
	else
		bad "$name: tcpControlBits: $out"
	fi
	if grep -q "Sequence Errors: 0" "$dir.log" && ! grep -qi "sequence fail\|sequence error:" "$dir.log"; then
		ok "$name: nfcapd saw no sequence error"
	else
		bad "$name: nfcapd: $(grep -i sequence "$dir.log" | head -3)"
	fi
	read -r del drop sum < <(export_counts "$dir.json" ipfix)
	n=$(flow_count "$dir.json")
	if [ "$del" = "$n" ] && [ "$drop" = 0 ] && [ "$sum" = 0 ]; then
		ok "$name: stats: delivered $del == $n flows, 0 dropped"
	else
		bad "$name: stats: delivered $del dropped $drop export_drop $sum, flows $n"
	fi
}

"$FTGEN" --profile flows -o "$T/gen.pcap" -n 2000 -f 60000 --seed 7 --rst 0.1 --open 0.05 >/dev/null
collector_case gen_w1 "$T/gen.pcap" -W 1
collector_case gen_w3 "$T/gen.pcap" -W 3
collector_case real_resp "$DATA/tcpdump/resp_1_benchmark.pcap"
collector_case real_bgp "$DATA/tcpdump/bgp-4byte-asn.pcap"

# ipfixDump output -> "templates data_records seq_ok pkts" (seq_ok: each
# message's sequence number == data records before it).
dump_summary() {
	ipfixDump -i "$1" 2>&1 | awk '
		/sequence number:/ {
			for (i = 1; i < NF; i++) if ($i == "number:") seq = $(i + 1)
			if (seq + 0 != recs) seqbad++
		}
		/--- template record ---/ { tpl++ }
		/--- data record/ { recs++ }
		/ packetDeltaCount :/ || /reversePacketDeltaCount :/ { pk += $NF }
		/Error|error/ { err++ }
		END { printf "%d %d %d %d %d\n", tpl, recs, seqbad + 0, pk, err + 0 }'
}
json_packets() {
	python3 -c "import json,sys;print(sum(r['send']['packets']+r['recv']['packets'] for r in map(json.loads,open(sys.argv[1])) if r.get('type')=='flow'))" "$1"
}

# File output.
if "$FLOWTAP" -r "$T/gen.pcap" --json -W 2 --ipfix "file:$T/out.ipfix" >"$T/file.json" 2>"$T/file.err"; then
	read -r tpl recs seqbad pk err < <(dump_summary "$T/out.ipfix")
	n=$(flow_count "$T/file.json")
	want=$(json_packets "$T/file.json")
	if [ "$tpl" -ge 2 ] && [ "$recs" = "$n" ] && [ "$seqbad" = 0 ] && [ "$pk" = "$want" ] && [ "$err" = 0 ]; then
		ok "file: ipfixDump reads $tpl templates, $recs records, $pk packets, sequence numbers right"
	else
		bad "file: ipfixDump: templates $tpl records $recs (want $n) seq errors $seqbad packets $pk (want $want) errors $err"
	fi
else
	bad "file: flowtap failed: $(head -3 "$T/file.err")"
fi
# --ipfix-rich: every record carries its flow's id, VLAN tags, ICMP type and
# code and direction, as the JSON record of the same id says.
if "$FLOWTAP" -r "$T/gen.pcap" --json -W 2 --ipfix "file:$T/rich.ipfix" --ipfix-rich >"$T/rich.json" 2>"$T/rich.err"; then
	ipfixDump -i "$T/rich.ipfix" >"$T/rich.dump" 2>&1
	python3 - "$T/rich.dump" "$T/rich.json" <<'PY' && ok "file --ipfix-rich: every record's flowId, VLAN ids, icmpTypeCode, biflowDirection and counts equal its JSON record" || bad "file --ipfix-rich: $(tail -3 "$T/rich.dump")"
import json, re, sys
recs, cur = [], None
for line in open(sys.argv[1]):
    if line.startswith("--- data record"):
        cur = {}
        recs.append(cur)
    elif line.startswith("---") or line.startswith("***"):
        cur = None
    elif cur is not None:
        m = re.match(r"\s*\(([0-9/]+)\)\s+(\w+) : (.*)$", line)
        if m:
            cur[m.group(2)] = m.group(3).strip()
flows = {r["id"]: r for r in map(json.loads, open(sys.argv[2])) if r.get("type") == "flow"}
assert len(recs) == len(flows) > 1000, (len(recs), len(flows))
seen = set()
for r in recs:
    f = flows[int(r["flowId"])]
    seen.add(f["id"])
    vl = f.get("vlan", [])
    assert int(r["dot1qVlanId"]) == (vl[0] if vl else 0), (r, f)
    assert int(r["dot1qCustomerVlanId"]) == (vl[1] if len(vl) > 1 else 0), (r, f)
    icmp = r.get("icmpTypeCodeIPv4", r.get("icmpTypeCodeIPv6"))
    want = f["icmp_type"] << 8 | f["icmp_code"] if f["proto"] in ("icmp", "icmp6") else 0
    assert int(icmp) == want, (r, f)
    assert int(r["biflowDirection"]) == (0 if f.get("midstream") else 1), (r, f)
    assert int(r["packetDeltaCount"]) == f["send"]["packets"], (r, f)
    assert int(r["reversePacketDeltaCount"]) == f["recv"]["packets"], (r, f)
assert seen == set(flows), "flowIds are not the JSON ids"
assert any(f.get("vlan") for f in flows.values()) and any(f["proto"] == "icmp" for f in flows.values())
PY
else
	bad "file --ipfix-rich: flowtap failed: $(head -3 "$T/rich.err")"
fi
if "$FLOWTAP" -r "$T/gen.pcap" --ipfix "file:$T/no/such/dir/x.ipfix" >/dev/null 2>"$T/nofile.err"; then
	bad "file: an unwritable path did not fail"
elif grep -q "x.ipfix" "$T/nofile.err"; then
	ok "file: an unwritable path fails with its cause: $(head -1 "$T/nofile.err")"
else
	bad "file: no cause on stderr: $(cat "$T/nofile.err")"
fi

# TCP output into a listener that stores the stream.
TPORT=$(free_port tcp)
python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
open(sys.argv[2] + '.up', 'w').close()
c, _ = s.accept()
with open(sys.argv[2], 'wb') as f:
    while True:
        b = c.recv(65536)
        if not b: break
        f.write(b)
" "$TPORT" "$T/tcp.ipfix" &
LPID=$!
for _ in $(seq 100); do [ -e "$T/tcp.ipfix.up" ] && break; sleep 0.05; done
if "$FLOWTAP" -r "$T/gen.pcap" --json --ipfix "tcp:127.0.0.1:$TPORT" >"$T/tcp.json" 2>"$T/tcp.err"; then
	wait "$LPID"
	read -r tpl recs seqbad pk err < <(dump_summary "$T/tcp.ipfix")
	n=$(flow_count "$T/tcp.json")
	if [ "$tpl" -ge 2 ] && [ "$recs" = "$n" ] && [ "$seqbad" = 0 ] && [ "$err" = 0 ]; then
		ok "tcp: the listener got $tpl templates and all $recs records in order"
	else
		bad "tcp: templates $tpl records $recs (want $n) seq errors $seqbad errors $err"
	fi
else
	kill "$LPID" 2>/dev/null
	bad "tcp: flowtap failed: $(head -3 "$T/tcp.err")"
fi

# Interim records of a long live flow (root: a capture on loopback).
if [ "$(id -u)" != 0 ]; then
	skip "interim: needs root for a loopback capture"
else
	dir="$T/live"
	start_nfcapd "$dir" || bad "live: nfcapd"
	SPORT=$(free_port tcp)
	"$FLOWTAP" -i lo --immediate-mode --json --interim --active-timeout 1 -W 1 \
		--ipfix "udp:127.0.0.1:$PORT" -w "$dir.pcap" "tcp port $SPORT" >"$dir.json" 2>"$dir.err" &
	FPID=$!
	sleep 1
	python3 -c "
import socket, sys, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1)
def serve():
    c, _ = s.accept()
    while True:
        b = c.recv(4096)
        if not b: break
        c.sendall(b)
    c.close()
t = threading.Thread(target=serve); t.start()
c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
for i in range(20):
    c.sendall(b'x' * (100 + i)); c.recv(4096); time.sleep(0.2)
c.close(); t.join()
" "$SPORT"
	sleep 0.5
	kill -INT "$FPID"
	wait "$FPID"
	stop_nfcapd
	nfdump_fields "$dir" >"$dir.nf" 2>/dev/null
	tshark_fields "$dir.pcap" >"$dir.ts"
	nrec=$(wc -l <"$dir.nf")
	if [ "$nrec" -ge 3 ] && python3 "$HERE/ipfix_compare.py" "$dir.json" "$dir.nf" "$dir.ts" live --interim; then
		ok "interim: $nrec records of one 4 s flow at the collector add up to its totals"
	else
		bad "interim: $nrec collector records; $(head -3 "$dir.err")"
	fi
	read -r del drop sum < <(export_counts "$dir.json" ipfix)
	if [ "$drop" = 0 ] && [ "$del" = "$nrec" ]; then
		ok "interim: stats: delivered $del == records at the collector, 0 dropped"
	else
		bad "interim: stats: delivered $del dropped $drop, collector $nrec"
	fi
fi
e2e_finish
