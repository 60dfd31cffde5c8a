/*
 * gen/: the project's test-data generator, used by the tests and the
 * benchmarks (nothing in the library depends on it).
 *
 * ftgen: flowtap's capture generator. Writes synthetic classic-pcap captures
 * together with their ground truth, for the end-to-end tests (results must not
 * depend on the number of workers), the benchmarks (a ~1M-frame capture, 1M
 * concurrent flows) and the tshark-agreement test of the decoder.
 * C11, libc and libm only; no libpcap. The code is in the files gen/gen.h
 * lists: this one is the command line.
 *
 * DESIGN
 * - Deterministic: one splitmix64 stream seeded by --seed drives every choice;
 *   payload bytes are a pure function of (session key, direction, stream
 *   offset), so a retransmission is an exact copy and the truth hash can be
 *   computed when a segment is first planned. rand() is never used.
 * - Flows profile: up to --concurrent sessions are open at once; each step
 *   picks one of them at random (or emits a UDP/DNS or other frame) and emits
 *   the next frame of that session, so sessions interleave as on a busy link.
 *   A session is a small state machine (handshake, rounds of request and
 *   response data, close) that plans one "chunk" at a time into a queue of at
 *   most FT_QMAX frames: one or two data segments of one direction, their
 *   retransmitted copies, and the receiver's cumulative ACK (delayed ACK: one
 *   per two segments). Memory is O(concurrent), 272 bytes a session.
 * - Impairments are applied inside a chunk so the truth stays unambiguous:
 *   --loss drops the first segment of a two-segment chunk (the second one is
 *   captured and the receiver's ACK covers both, so the gap is visible);
 *   --reorder swaps the two segments; --retransmit re-sends a captured segment
 *   after the chunk's segments (never a lost one, so it is "all seen before");
 *   --ack-first swaps them and captures the receiver's ACK of both before the
 *   late one (as a tap or a multi-queue NIC shows it).
 * - --tap-offset USEC: the capture a passive tap with one port per direction
 *   makes when the ports' clocks differ: every server-to-client frame is
 *   stamped USEC later (earlier when negative) and the two directions are
 *   merged in time order, as mergecap does. Within a direction the order
 *   stays; truth times are the stamps written.
 *   Midstream sessions never lose or reorder their first chunk of each
 *   direction, so the tracker's base sequence number is the first byte.
 * - 4-tuples are unique among all sessions ever started (a set of 64-bit key
 *   hashes), except deliberate port reuse: about 2% of new sessions take the
 *   4-tuple of a session that closed by FIN or RST and start with a SYN.
 * - Checksums (IPv4 header, TCP, UDP, ICMP, ICMPv6, IGMP) are always correct;
 *   RFC 1071 sums are computed in memory order (byte-order independent).
 * - Timestamps start at 2026-01-01T00:00:00Z and advance 1-8 us plus jitter a
 *   frame (flows) or about 1 ms (protocols): strictly increasing at either
 *   precision.
 *
 * COMMAND LINE (ftgen --help prints it)
 *   ftgen --profile flows -o OUT.pcap [--truth OUT.json] [options]
 *   ftgen --profile protocols --outdir DIR [--seed S] [--nsec] [--snaplen N]
 *
 * TRUTH JSON (flows; one object; one session per line)
 *   {"generator":"ftgen","profile":"flows","seed":1,"link":"EN10MB","linktype":1,
 *    "precision":"usec","snaplen":65535,
 *    "sessions":[
 *     {"id":0,"src":"10.200.7.9","sport":40001,"dst":"10.200.0.17","dport":443,
 *      "ip":4,"vlan":null,"first":1767225600.000012,"last":1767225600.021833,
 *      "close":"fin","closer":"src","midstream":false,"reused":false,
 *      "isn":[3054125,4294965011],
 *      "send":{"packets":9,"bytes":3012,"retransmits":0,"missed":0,
 *              "fnv1a":"8f0c...","fnv1a_seen":"8f0c..."},
 *      "recv":{...same, server to client...}},
 *     ...],
 *    "session_count":1000,"frames":N,"bytes":N,"tcp_frames":N,"udp_frames":N,
 *    "other_frames":N,"first":ts,"last":ts}
 *
 * IP TRUTH (flows; --truth-ip FILE): one JSON line per UDP (DNS) and ICMP
 * echo frame written, in capture order, for the flows of every protocol:
 *   {"proto":17,"ip":4,"src":"10.200.7.9","dst":"10.200.0.53","sport":4711,
 *    "dport":53,"vlan":null,"octets":72,"bytes":52}
 *   (ICMP: "icmp_type","icmp_id" instead of ports). octets: the IP-level
 *   length (IP header + payload); bytes: the IP payload (after the IP header).
 *   - src is the client (sender of the SYN; for midstream sessions the sender
 *     of the session's first captured frame, always the client). send is
 *     src->dst, recv is dst->src.
 *   - packets: every captured frame of the direction (handshake, pure ACKs,
 *     FIN, RST and retransmissions included).
 *   - bytes: distinct payload bytes captured (each counted once); missed:
 *     payload bytes the sender sent but the capture never saw (--loss);
 *     retransmits: captured segments whose payload had all been seen before.
 *   - fnv1a: 64-bit FNV-1a of every payload byte the sender sent, once, in
 *     sequence order (lost bytes included); fnv1a_seen: the same over the
 *     captured bytes only (gaps skipped). Equal when missed is 0.
 *   - first/last: timestamps of the session's first and last captured frame,
 *     seconds since the epoch at the capture's precision.
 *   - close: "fin" (FIN both ways + last ACK), "rst", or "eof" (still open at
 *     the end of the capture). closer: "src" or "dst" (null for eof).
 *   - vlan: the 802.1Q id (EN10MB only) or null. ip: 4 or 6.
 *   - Sessions appear in the order they finished (their last frame); "id" is
 *     the start order. Totals: frames, bytes (sum of wire lengths, Ethernet
 *     padding included), tcp/udp/other frame counts.
 *
 * MANIFEST JSON (protocols; DIR/manifest.json)
 *   {"generator":"ftgen","profile":"protocols","seed":1,"precision":"usec",
 *    "files":[{"file":"en10mb.pcap","linktype":1,"link":"EN10MB","frames":[
 *      {"n":1,"len":60,"layers":["eth","arp"],"desc":"ARP request"}, ...]},...]}
 *   n counts from 1 in each file. layers lists, outermost first, what the frame
 *   holds, named as flowtap's JSON does where it has a name: eth, vlan, llc,
 *   snap, sll, sll2, null, loop, radiotap, wlan, wlan_mgt, wlan_ctl, arp, ip
 *   (IPv4), ip6, hbh, rthdr, dstopts, frag6, tcp, udp, dns, icmp, icmp6,
 *   igmp, gre, vxlan, pppoe, ppp, chdlc, mpls, geneve, gtp; a tunnel's inner
 *   layers follow its own. ipopt marks
 *   IPv4 options, ipfrag an IPv4 fragment (a later fragment has no L4 layer).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* ======================================================================== */
/* Command line                                                              */
/* ======================================================================== */

static void
usage(FILE *f)
{
	fputs("usage: ftgen --profile flows -o OUT.pcap [--truth OUT.json] [options]\n"
	      "       ftgen --profile protocols --outdir DIR [--seed S] [--nsec] [--snaplen N]\n"
	      "\n"
	      "Writes synthetic pcap captures with ground truth (see the top of gen/ftgen.c\n"
	      "for the truth and manifest JSON formats). Output depends only on the options.\n"
	      "\n"
	      "flows profile (TCP sessions interleaved as on a busy link):\n"
	      "  -o, --output FILE     capture to write ('-' = stdout)\n"
	      "  -t, --truth FILE      ground-truth JSON to write ('-' = stdout)\n"
	      "      --truth-ip FILE   one JSON line per UDP/ICMP frame (flows of every protocol)\n"
	      "  -n, --sessions N      TCP sessions (1000)\n"
	      "  -f, --frames N        approximate total frames; sizes the sessions to reach it\n"
	      "  -s, --seed S          PRNG seed (1)\n"
	      "  -c, --concurrent N    sessions open at once, interleaved (100)\n"
	      "      --ipv6 FRAC       fraction of sessions over IPv6 (0.3)\n"
	      "      --vlan FRAC       fraction of sessions 802.1Q tagged, EN10MB only (0.1)\n"
	      "      --udp FRAC        fraction of frames that are UDP/DNS (0.1)\n"
	      "      --other FRAC      fraction of frames that are ICMP echo / ARP (0.005)\n"
	      "      --reorder P       chance two data segments are swapped (0)\n"
	      "      --ack-first P     chance two data segments are swapped and the receiver's\n"
	      "                        ACK of both is captured before the late one (0)\n"
	      "      --tap-offset USEC server-to-client frames stamped USEC later (negative:\n"
	      "                        earlier), directions merged in time order: a tap (0)\n"
	      "      --retransmit P    chance a captured data segment is sent again (0)\n"
	      "      --loss P          chance a data segment is not captured: 'missed' (0)\n"
	      "      --rst FRAC        sessions that end by RST, half of them mid-data (0.1)\n"
	      "      --open FRAC       sessions still open at the end: close 'eof' (0.05)\n"
	      "      --midstream FRAC  sessions whose handshake is not captured (0)\n"
	      "      --payload MIN:MAX payload bytes per data segment (0:1400; MIN 0 means 1)\n"
	      "      --nsec            nanosecond pcap (magic a1b23c4d)\n"
	      "      --snaplen N       frames longer than N are cut: caplen < len (65535)\n"
	      "      --link TYPE       en10mb (default), raw, sll or null\n"
	      "      --encap TYPE      en10mb: IP inside mpls (one label) or pppoe (session)\n"
	      "      --addr-base A     IPv4 /16 (10.200.0.0) or IPv6 /64 (fd00:200::) to use;\n"
	      "                        may be given twice. Servers are .0.1-.0.200 / ::1-::c8\n"
	      "      --mac-src MAC     client-side MAC (default: derived per host)\n"
	      "      --mac-dst MAC     server-side MAC (default: derived per host)\n"
	      "  -v, --verbose         print a summary on stderr\n"
	      "\n"
	      "protocols profile (one small capture per link type, every decoded protocol):\n"
	      "  -d, --outdir DIR      writes en10mb, sll, sll2, null, loop, raw, radiotap,\n"
	      "                        wifi, encap (PPPoE, MPLS, Geneve, GTP-U, MPLS in UDP,\n"
	      "                        IP in IP), ppp,\n"
	      "                        ppp_serial, chdlc, ppp_ether .pcap files and manifest.json\n"
	      "  -h, --help            this text\n",
		f);
}

static int
parse_frac(const char *name, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0)) {
		fprintf(stderr, "ftgen: --%s: want a number in [0, 1], got '%s'\n", name, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_u64(const char *name, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > max) {
		fprintf(stderr, "ftgen: --%s: want an integer up to %" PRIu64 ", got '%s'\n", name,
			max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_mac(const char *name, const char *s, uint8_t *mac)
{
	unsigned m[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) !=
		6) {
		fprintf(stderr, "ftgen: --%s: want aa:bb:cc:dd:ee:ff, got '%s'\n", name, s);
		return -1;
	}
	for (int i = 0; i < 6; i++) {
		if (m[i] > 255) {
			fprintf(stderr, "ftgen: --%s: bad MAC '%s'\n", name, s);
			return -1;
		}
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

enum {
	FT_OPT_IPV6 = 256,
	FT_OPT_VLAN,
	FT_OPT_UDP,
	FT_OPT_OTHER,
	FT_OPT_REORDER,
	FT_OPT_ACK_FIRST,
	FT_OPT_TAP_OFFSET,
	FT_OPT_RETRANSMIT,
	FT_OPT_LOSS,
	FT_OPT_RST,
	FT_OPT_OPEN,
	FT_OPT_MIDSTREAM,
	FT_OPT_PAYLOAD,
	FT_OPT_NSEC,
	FT_OPT_SNAPLEN,
	FT_OPT_LINK,
	FT_OPT_ENCAP,
	FT_OPT_ADDR,
	FT_OPT_MAC_SRC,
	FT_OPT_MAC_DST,
	FT_OPT_PROFILE,
	FT_OPT_TRUTH_IP
};

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"profile", required_argument, NULL, FT_OPT_PROFILE},
		{"output", required_argument, NULL, 'o'},
		{"truth", required_argument, NULL, 't'},
		{"truth-ip", required_argument, NULL, FT_OPT_TRUTH_IP},
		{"outdir", required_argument, NULL, 'd'},
		{"sessions", required_argument, NULL, 'n'},
		{"frames", required_argument, NULL, 'f'},
		{"seed", required_argument, NULL, 's'},
		{"concurrent", required_argument, NULL, 'c'},
		{"ipv6", required_argument, NULL, FT_OPT_IPV6},
		{"vlan", required_argument, NULL, FT_OPT_VLAN},
		{"udp", required_argument, NULL, FT_OPT_UDP},
		{"other", required_argument, NULL, FT_OPT_OTHER},
		{"reorder", required_argument, NULL, FT_OPT_REORDER},
		{"ack-first", required_argument, NULL, FT_OPT_ACK_FIRST},
		{"tap-offset", required_argument, NULL, FT_OPT_TAP_OFFSET},
		{"retransmit", required_argument, NULL, FT_OPT_RETRANSMIT},
		{"loss", required_argument, NULL, FT_OPT_LOSS},
		{"rst", required_argument, NULL, FT_OPT_RST},
		{"open", required_argument, NULL, FT_OPT_OPEN},
		{"midstream", required_argument, NULL, FT_OPT_MIDSTREAM},
		{"payload", required_argument, NULL, FT_OPT_PAYLOAD},
		{"nsec", no_argument, NULL, FT_OPT_NSEC},
		{"snaplen", required_argument, NULL, FT_OPT_SNAPLEN},
		{"link", required_argument, NULL, FT_OPT_LINK},
		{"encap", required_argument, NULL, FT_OPT_ENCAP},
		{"addr-base", required_argument, NULL, FT_OPT_ADDR},
		{"mac-src", required_argument, NULL, FT_OPT_MAC_SRC},
		{"mac-dst", required_argument, NULL, FT_OPT_MAC_DST},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const uint8_t base6[16] = {0xfd, 0x00, 0x02, 0x00};
	struct ft_opts o;
	uint64_t v;
	int ch, bad = 0;

	memset(&o, 0, sizeof(o));
	o.sessions = 1000;
	o.seed = 1;
	o.concurrent = 100;
	o.ipv6 = 0.3;
	o.vlan = 0.1;
	o.udp = 0.1;
	o.other = 0.005;
	o.rst = 0.1;
	o.open = 0.05;
	o.pmin = 0;
	o.pmax = 1400;
	o.snaplen = 65535;
	o.linktype = FT_DLT_EN10MB;
	o.base4[0] = 10;
	o.base4[1] = 200;
	memcpy(o.base6, base6, 16);
	crc32_init();

	while ((ch = getopt_long(argc, argv, "o:t:d:n:f:s:c:vh", lopts, NULL)) != -1) {
		switch (ch) {
		case FT_OPT_PROFILE:
			o.profile = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 't':
			o.truth = optarg;
			break;
		case FT_OPT_TRUTH_IP:
			o.truth_ip = optarg;
			break;
		case 'd':
			o.outdir = optarg;
			break;
		case 'n':
			bad |= parse_u64("sessions", optarg, 100000000, &o.sessions);
			break;
		case 'f':
			bad |= parse_u64("frames", optarg, 4000000000ULL, &o.frames);
			break;
		case 's':
			bad |= parse_u64("seed", optarg, UINT64_MAX, &o.seed);
			break;
		case 'c':
			bad |= parse_u64("concurrent", optarg, 50000000, &o.concurrent);
			if (!bad && o.concurrent == 0)
				o.concurrent = 1;
			break;
		case FT_OPT_IPV6:
			bad |= parse_frac("ipv6", optarg, &o.ipv6);
			break;
		case FT_OPT_VLAN:
			bad |= parse_frac("vlan", optarg, &o.vlan);
			break;
		case FT_OPT_UDP:
			bad |= parse_frac("udp", optarg, &o.udp);
			break;
		case FT_OPT_OTHER:
			bad |= parse_frac("other", optarg, &o.other);
			break;
		case FT_OPT_REORDER:
			bad |= parse_frac("reorder", optarg, &o.reorder);
			break;
		case FT_OPT_ACK_FIRST:
			bad |= parse_frac("ack-first", optarg, &o.ack_first);
			break;
		case FT_OPT_TAP_OFFSET: {
			char *end;
			double us = strtod(optarg, &end);

			if (end == optarg || *end || !(us >= -1e7 && us <= 1e7)) {
				fprintf(stderr,
					"ftgen: --tap-offset: want microseconds, got '%s'\n",
					optarg);
				bad = 1;
			}
			o.tap_offset_ns = (int64_t)(us * 1000);
			break;
		}
		case FT_OPT_RETRANSMIT:
			bad |= parse_frac("retransmit", optarg, &o.retransmit);
			break;
		case FT_OPT_LOSS:
			bad |= parse_frac("loss", optarg, &o.loss);
			break;
		case FT_OPT_RST:
			bad |= parse_frac("rst", optarg, &o.rst);
			break;
		case FT_OPT_OPEN:
			bad |= parse_frac("open", optarg, &o.open);
			break;
		case FT_OPT_MIDSTREAM:
			bad |= parse_frac("midstream", optarg, &o.midstream);
			break;
		case FT_OPT_PAYLOAD: {
			unsigned lo, hi;
			char tail;

			if (sscanf(optarg, "%u:%u%c", &lo, &hi, &tail) != 2 || lo > hi ||
				hi > FT_PAYLOAD_CAP) {
				fprintf(stderr,
					"ftgen: --payload: want MIN:MAX with MIN <= MAX <= %d\n",
					FT_PAYLOAD_CAP);
				bad = 1;
			}
			o.pmin = lo;
			o.pmax = hi;
			break;
		}
		case FT_OPT_NSEC:
			o.nsec = true;
			break;
		case FT_OPT_SNAPLEN:
			if (parse_u64("snaplen", optarg, 262144, &v) == 0 && v >= 1)
				o.snaplen = (uint32_t)v;
			else
				bad = 1;
			break;
		case FT_OPT_LINK:
			if (strcmp(optarg, "en10mb") == 0)
				o.linktype = FT_DLT_EN10MB;
			else if (strcmp(optarg, "raw") == 0)
				o.linktype = FT_DLT_RAW;
			else if (strcmp(optarg, "sll") == 0)
				o.linktype = FT_DLT_SLL;
			else if (strcmp(optarg, "null") == 0)
				o.linktype = FT_DLT_NULL;
			else {
				fprintf(stderr, "ftgen: --link: want en10mb, raw, sll or null\n");
				bad = 1;
			}
			break;
		case FT_OPT_ENCAP:
			if (strcmp(optarg, "mpls") == 0)
				o.encap = FT_ENC_MPLS;
			else if (strcmp(optarg, "pppoe") == 0)
				o.encap = FT_ENC_PPPOE;
			else {
				fprintf(stderr, "ftgen: --encap: want mpls or pppoe\n");
				bad = 1;
			}
			break;
		case FT_OPT_ADDR: {
			uint8_t a[16];

			if (inet_pton(AF_INET, optarg, a) == 1) {
				memcpy(o.base4, a, 4);
			} else if (inet_pton(AF_INET6, optarg, a) == 1) {
				memcpy(o.base6, a, 8);
			} else {
				fprintf(stderr, "ftgen: --addr-base: not an address: '%s'\n",
					optarg);
				bad = 1;
			}
			break;
		}
		case FT_OPT_MAC_SRC:
			bad |= parse_mac("mac-src", optarg, o.mac_src);
			o.mac_src_set = true;
			break;
		case FT_OPT_MAC_DST:
			bad |= parse_mac("mac-dst", optarg, o.mac_dst);
			o.mac_dst_set = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ftgen: unexpected argument '%s'\n", argv[optind]);
		bad = 1;
	}
	if (o.udp + o.other > 0.9) {
		fprintf(stderr, "ftgen: --udp + --other must stay below 0.9\n");
		bad = 1;
	}
	if (o.rst + o.open > 1.0) {
		fprintf(stderr, "ftgen: --rst + --open must not exceed 1\n");
		bad = 1;
	}
	if (o.encap != FT_ENC_NONE && o.linktype != FT_DLT_EN10MB) {
		fprintf(stderr, "ftgen: --encap needs --link en10mb\n");
		bad = 1;
	}
	if (bad)
		return 2;
	if (!o.profile) {
		fprintf(stderr, "ftgen: --profile flows|protocols is required (see --help)\n");
		return 2;
	}
	if (strcmp(o.profile, "flows") == 0) {
		if (!o.out) {
			fprintf(stderr, "ftgen: flows: -o OUT.pcap is required\n");
			return 2;
		}
		if (o.truth && strcmp(o.out, "-") == 0 && strcmp(o.truth, "-") == 0) {
			fprintf(stderr,
				"ftgen: the capture and the truth cannot both go to stdout\n");
			return 2;
		}
		return run_flows(&o);
	}
	if (strcmp(o.profile, "protocols") == 0) {
		if (!o.outdir) {
			fprintf(stderr, "ftgen: protocols: --outdir DIR is required\n");
			return 2;
		}
		return run_protocols(&o);
	}
	fprintf(stderr, "ftgen: unknown profile '%s' (flows or protocols)\n", o.profile);
	return 2;
}
