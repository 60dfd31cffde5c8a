/*
 * gen/: the project's test-data generator, used by the tests and the
 * benchmarks (nothing in the library depends on it).
 *
 * ftgen: flowtap's capture generator. Writes synthetic classic-pcap captures
 * together with their ground truth, for the end-to-end tests (results must not
 * depend on the number of workers), the benchmarks (a ~1M-frame capture, 1M
 * concurrent flows) and the tshark-agreement test of the decoder.
 * C11, libc and libm only; no libpcap.
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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "frame.h"

#define FT_EPOCH_2026  UINT64_C(1767225600)
#define FT_NS          UINT64_C(1000000000)
#define FT_FRAME_MAX   (65536 + 512)
#define FT_REC_HDR     16
#define FT_QMAX        6
#define FT_REUSE_MAX   4096
#define FT_PAYLOAD_CAP 65400
#define FT_FNV_BASIS   0xcbf29ce484222325ULL
#define FT_FNV_PRIME   0x100000001b3ULL
#define FT_IOBUF       (1u << 20)

#define FT_TH_FIN 0x01
#define FT_TH_SYN 0x02
#define FT_TH_RST 0x04
#define FT_TH_PSH 0x08
#define FT_TH_ACK 0x10

/* Link types: DLT/LINKTYPE values written in the pcap file header. */
#define FT_DLT_NULL     0
#define FT_DLT_EN10MB   1
#define FT_DLT_PPP      9
#define FT_DLT_PPP_HDLC 50
#define FT_DLT_PPP_ETH  51
#define FT_DLT_RAW      101
#define FT_DLT_C_HDLC   104
#define FT_DLT_WIFI     105
#define FT_DLT_LOOP     108
#define FT_DLT_SLL      113
#define FT_DLT_RADIOTAP 127
#define FT_DLT_SLL2     276

enum ft_phase { FT_PH_HANDSHAKE, FT_PH_DATA, FT_PH_CLOSE, FT_PH_DONE };
enum ft_encap { FT_ENC_NONE, FT_ENC_MPLS, FT_ENC_PPPOE };
enum ft_close { FT_CLOSE_FIN, FT_CLOSE_RST, FT_CLOSE_EOF };

/* ---- options ------------------------------------------------------------ */

struct ft_opts {
	const char *profile;
	const char *out;
	const char *truth;
	const char *truth_ip; /* --truth-ip: one line per UDP/ICMP frame */
	const char *outdir;
	uint64_t sessions;
	uint64_t frames;
	uint64_t seed;
	uint64_t concurrent;
	double ipv6;
	double vlan;
	double udp;
	double other;
	double reorder;
	double ack_first;
	int64_t tap_offset_ns;
	double retransmit;
	double loss;
	double rst;
	double open;
	double midstream;
	uint32_t pmin;
	uint32_t pmax;
	uint32_t snaplen;
	int linktype;
	int encap; /* enum ft_encap: what sits between Ethernet and IP (flows) */
	bool nsec;
	bool verbose;
	bool mac_src_set;
	bool mac_dst_set;
	uint8_t base4[4];
	uint8_t base6[16];
	uint8_t mac_src[6];
	uint8_t mac_dst[6];
};

/* ---- PRNG: splitmix64 ---------------------------------------------------- */

struct ft_rng {
	uint64_t s;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_next(struct ft_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static uint32_t
rng_below(struct ft_rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static double
rng_unit(struct ft_rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool
rng_chance(struct ft_rng *r, double p)
{
	return p > 0 && rng_unit(r) < p;
}

/* ---- byte helpers and the frame builder ---------------------------------- */

struct ft_pkt {
	uint8_t *b;
	size_t len;
};

static uint8_t *
put(struct ft_pkt *p, size_t n)
{
	uint8_t *q = p->b + p->len;

	if (p->len + n > FT_FRAME_MAX)
		abort();
	p->len += n;
	return q;
}

static void
put8(struct ft_pkt *p, uint8_t v)
{
	*put(p, 1) = v;
}

static void
put16(struct ft_pkt *p, uint16_t v)
{
	ftg_wr16(put(p, 2), v);
}

static void
put32(struct ft_pkt *p, uint32_t v)
{
	ftg_wr32(put(p, 4), v);
}

static void
putle16(struct ft_pkt *p, uint16_t v)
{
	uint8_t *q = put(p, 2);

	q[0] = (uint8_t)v;
	q[1] = (uint8_t)(v >> 8);
}

static void
putle32(struct ft_pkt *p, uint32_t v)
{
	uint8_t *q = put(p, 4);

	for (int i = 0; i < 4; i++)
		q[i] = (uint8_t)(v >> (8 * i));
}

static void
putle64(struct ft_pkt *p, uint64_t v)
{
	uint8_t *q = put(p, 8);

	for (int i = 0; i < 8; i++)
		q[i] = (uint8_t)(v >> (8 * i));
}

static void
putmem(struct ft_pkt *p, const void *d, size_t n)
{
	if (n)
		memcpy(put(p, n), d, n);
}

static void
putzero(struct ft_pkt *p, size_t n)
{
	if (n)
		memset(put(p, n), 0, n);
}

/* ---- CRC-32, FNV-1a (RFC 1071 checksums: gen/frame.h) -------------------- */

static uint32_t ft_crc_tab[256];

static void
crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		ft_crc_tab[i] = c;
	}
}

static uint32_t
crc32_ieee(const uint8_t *d, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++)
		c = ft_crc_tab[(c ^ d[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static uint64_t
fnv1a(uint64_t h, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= d[i];
		h *= FT_FNV_PRIME;
	}
	return h;
}

/* ---- IP and L4 headers --------------------------------------------------- */

static size_t
ip4_begin(struct ft_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint8_t ttl,
	uint16_t id, uint16_t frag, const uint8_t *opt, size_t optlen)
{
	size_t off = p->len;

	ftg_ip4(put(p, FTG_IP4), src, dst, proto, ttl, id, frag, FTG_IP4 + optlen, 0);
	putmem(p, opt, optlen);
	return off;
}

static size_t
ip6_begin(struct ft_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim,
	uint32_t flow)
{
	size_t off = p->len;

	ftg_ip6(put(p, FTG_IP6), src, dst, nh, hlim, flow, 0);
	return off;
}

/* Sets the length fields (and the IPv4 header checksum) of the IP header at off. */
static void
ip_end(struct ft_pkt *p, size_t off)
{
	uint8_t *h = p->b + off;

	if ((h[0] >> 4) == 6)
		ftg_wr16(h + 4, (uint16_t)(p->len - off - 40));
	else
		ftg_ip4_fix(h, p->len - off);
}

static size_t
ip_begin(struct ft_pkt *p, bool v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	uint8_t ttl, uint16_t id, uint32_t flow)
{
	if (v6)
		return ip6_begin(p, src, dst, proto, ttl, flow);
	return ip4_begin(p, src, dst, proto, ttl, id, 0x4000, NULL, 0);
}

/*
 * Checksum of the L4 message [l4off, end) with the pseudo header of the IP
 * header at ipoff (RFC 793/768 for IPv4, RFC 8200 8.1 for IPv6; proto is the
 * upper-layer protocol after any extension headers).
 */
static void
l4_csum(struct ft_pkt *p, size_t ipoff, size_t l4off, uint8_t proto, size_t csoff, bool udp)
{
	const uint8_t *ip = p->b + ipoff;
	size_t n = p->len - l4off;
	uint8_t ph[40];
	size_t phl;
	uint64_t sum;
	uint16_t c;

	if ((ip[0] >> 4) == 6) {
		memcpy(ph, ip + 8, 32);
		ftg_wr32(ph + 32, (uint32_t)n);
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		phl = 40;
	} else {
		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = proto;
		ftg_wr16(ph + 10, (uint16_t)n);
		phl = 12;
	}
	memset(p->b + l4off + csoff, 0, 2);
	sum = ftg_csum_partial(ph, phl, 0);
	sum = ftg_csum_partial(p->b + l4off, n, sum);
	c = ftg_csum_fold(sum);
	if (udp && c == 0)
		c = 0xffff;
	memcpy(p->b + l4off + csoff, &c, 2);
}

static size_t
tcp_begin(struct ft_pkt *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint16_t flags, uint16_t win, const uint8_t *opt, size_t optlen)
{
	size_t off = p->len;

	ftg_tcp(put(p, FTG_TCP), sport, dport, seq, ack, flags, win, FTG_TCP + optlen);
	putmem(p, opt, optlen);
	return off;
}

static void
tcp_end(struct ft_pkt *p, size_t ipoff, size_t l4off)
{
	l4_csum(p, ipoff, l4off, 6, 16, false);
}

static size_t
udp_begin(struct ft_pkt *p, uint16_t sport, uint16_t dport)
{
	size_t off = p->len;

	ftg_udp(put(p, FTG_UDP), sport, dport, 0);
	return off;
}

static void
udp_end(struct ft_pkt *p, size_t ipoff, size_t l4off)
{
	ftg_wr16(p->b + l4off + 4, (uint16_t)(p->len - l4off));
	l4_csum(p, ipoff, l4off, 17, 6, true);
}

/* TCP options (RFC 9293 3.1, RFC 7323, RFC 2018). */
struct ft_opt {
	uint8_t b[40];
	size_t n;
};

static void
opt_bytes(struct ft_opt *o, const uint8_t *d, size_t n)
{
	memcpy(o->b + o->n, d, n);
	o->n += n;
}

static void
opt_nop(struct ft_opt *o)
{
	o->b[o->n++] = 1;
}

static void
opt_mss(struct ft_opt *o, uint16_t mss)
{
	uint8_t d[4] = {2, 4, (uint8_t)(mss >> 8), (uint8_t)mss};

	opt_bytes(o, d, 4);
}

static void
opt_sackok(struct ft_opt *o)
{
	uint8_t d[2] = {4, 2};

	opt_bytes(o, d, 2);
}

static void
opt_ws(struct ft_opt *o, uint8_t shift)
{
	uint8_t d[3] = {3, 3, shift};

	opt_bytes(o, d, 3);
}

static void
opt_ts(struct ft_opt *o, uint32_t val, uint32_t ecr)
{
	uint8_t d[10] = {8, 10};

	ftg_wr32(d + 2, val);
	ftg_wr32(d + 6, ecr);
	opt_bytes(o, d, 10);
}

static void
opt_sack(struct ft_opt *o, const uint32_t *edges, int nblocks)
{
	o->b[o->n++] = 5;
	o->b[o->n++] = (uint8_t)(2 + 8 * nblocks);
	for (int i = 0; i < 2 * nblocks; i++) {
		ftg_wr32(o->b + o->n, edges[i]);
		o->n += 4;
	}
}

/* The options of a Linux SYN: MSS, SACK permitted, timestamps, NOP, wscale. */
static void
opt_syn(struct ft_opt *o, uint16_t mss, uint32_t tsval, uint32_t tsecr)
{
	o->n = 0;
	opt_mss(o, mss);
	opt_sackok(o);
	opt_ts(o, tsval, tsecr);
	opt_nop(o);
	opt_ws(o, 7);
}

/* ---- pcap writer --------------------------------------------------------- */

/* A frame held back by the tap merge (--tap-offset). */
struct ft_held {
	uint64_t t;
	uint32_t len;
	uint8_t *b; /* FT_REC_HDR bytes of headroom, then the frame */
};

/* Frames of one direction waiting to be merged, oldest first. */
struct ft_fifo {
	struct ft_held *v;
	size_t head, n, cap;
};

struct ft_writer {
	FILE *f;
	char *iobuf;
	uint64_t now;       /* ns since the epoch of the next frame */
	int64_t tap_offset; /* added to server-to-client stamps (0: written at once) */
	bool srv;           /* the next frame goes server to client */
	struct ft_fifo fifo[2];
	uint32_t snaplen;
	bool nsec;
	bool to_stdout;
	uint64_t frames;
	uint64_t bytes;
	uint64_t first;
	uint64_t last;
};

static int
pcap_open(struct ft_writer *w, const char *path, uint32_t linktype, uint32_t snaplen, bool nsec)
{
	uint32_t hdr[6];

	memset(w, 0, sizeof(*w));
	w->snaplen = snaplen;
	w->nsec = nsec;
	w->now = FT_EPOCH_2026 * FT_NS;
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		w->to_stdout = true;
	} else {
		w->f = fopen(path, "wb");
	}
	if (!w->f) {
		fprintf(stderr, "ftgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	w->iobuf = malloc(FT_IOBUF);
	if (w->iobuf)
		setvbuf(w->f, w->iobuf, _IOFBF, FT_IOBUF);
	/* Classic pcap, host byte order (the reader detects it from the magic). */
	hdr[0] = nsec ? 0xa1b23c4du : 0xa1b2c3d4u;
	hdr[1] = 2 | (4u << 16);
	hdr[2] = 0;
	hdr[3] = 0;
	hdr[4] = snaplen;
	hdr[5] = linktype;
	fwrite(hdr, 1, sizeof(hdr), w->f);
	return 0;
}

static void tap_release(struct ft_writer *w, uint64_t limit);

static int
pcap_close(struct ft_writer *w, const char *path)
{
	int rc = 0;

	if (!w->f)
		return 0;
	tap_release(w, UINT64_MAX);
	free(w->fifo[0].v);
	free(w->fifo[1].v);
	if (fflush(w->f) != 0 || ferror(w->f))
		rc = -1;
	if (!w->to_stdout && fclose(w->f) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "ftgen: writing %s: %s\n", path, strerror(errno));
	free(w->iobuf);
	w->f = NULL;
	w->iobuf = NULL;
	return rc;
}

/* Writes the frame stamped t; frame must have FT_REC_HDR bytes of headroom. */
static void
pcap_write(struct ft_writer *w, uint64_t t, uint8_t *frame, size_t len)
{
	uint32_t rec[4];
	uint32_t caplen = len > w->snaplen ? w->snaplen : (uint32_t)len;

	rec[0] = (uint32_t)(t / FT_NS);
	rec[1] = (uint32_t)(w->nsec ? t % FT_NS : (t % FT_NS) / 1000);
	rec[2] = caplen;
	rec[3] = (uint32_t)len;
	memcpy(frame - FT_REC_HDR, rec, sizeof(rec));
	fwrite(frame - FT_REC_HDR, 1, FT_REC_HDR + caplen, w->f);
	if (!w->frames)
		w->first = t;
	w->last = t;
	w->frames++;
	w->bytes += len;
}

/* The stamp of a frame of the given direction sent at w->now. */
static uint64_t
pcap_stamp(const struct ft_writer *w, bool srv)
{
	return srv ? (uint64_t)((int64_t)w->now + w->tap_offset) : w->now;
}

/* Write held frames, oldest first, stamped up to limit (UINT64_MAX: all). */
static void
tap_release(struct ft_writer *w, uint64_t limit)
{
	for (;;) {
		struct ft_fifo *a = &w->fifo[0], *b = &w->fifo[1], *q;
		struct ft_held *h;

		if (a->n && b->n)
			q = a->v[a->head].t <= b->v[b->head].t ? a : b;
		else
			q = a->n ? a : b;
		if (!q->n || q->v[q->head].t > limit)
			return;
		h = &q->v[q->head];
		pcap_write(w, h->t, h->b + FT_REC_HDR, h->len);
		free(h->b);
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
}

static void
tap_hold(struct ft_writer *w, uint64_t t, const uint8_t *frame, size_t len)
{
	struct ft_fifo *q = &w->fifo[w->srv];
	struct ft_held *h;

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		struct ft_held *v = malloc(cap * sizeof(*v));

		if (!v)
			abort();
		for (size_t i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->head = 0;
		q->cap = cap;
	}
	h = &q->v[(q->head + q->n) % q->cap];
	h->t = t;
	h->len = (uint32_t)len;
	h->b = malloc(FT_REC_HDR + len);
	if (!h->b)
		abort();
	memcpy(h->b + FT_REC_HDR, frame, len);
	q->n++;
}

/*
 * Writes the frame at w->now (its direction's stamp). With a tap offset the
 * frame is held until no frame still to come can be stamped earlier: the
 * generator's clock only moves forward, so that is every held frame stamped
 * at or before now + min(0, offset).
 */
static void
pcap_frame(struct ft_writer *w, uint8_t *frame, size_t len)
{
	if (w->tap_offset == 0) {
		pcap_write(w, w->now, frame, len);
		return;
	}
	tap_hold(w, pcap_stamp(w, w->srv), frame, len);
	tap_release(w, (uint64_t)((int64_t)w->now + (w->tap_offset < 0 ? w->tap_offset : 0)));
	w->srv = false;
}

static void
ts_text(char *buf, size_t n, uint64_t ns, bool nsec)
{
	if (nsec)
		snprintf(buf, n, "%" PRIu64 ".%09" PRIu64, ns / FT_NS, ns % FT_NS);
	else
		snprintf(buf, n, "%" PRIu64 ".%06" PRIu64, ns / FT_NS, (ns % FT_NS) / 1000);
}

static const char *
link_name(int linktype)
{
	switch (linktype) {
	case FT_DLT_NULL:
		return "NULL";
	case FT_DLT_EN10MB:
		return "EN10MB";
	case FT_DLT_RAW:
		return "RAW";
	case FT_DLT_WIFI:
		return "IEEE802_11";
	case FT_DLT_LOOP:
		return "LOOP";
	case FT_DLT_SLL:
		return "LINUX_SLL";
	case FT_DLT_RADIOTAP:
		return "IEEE802_11_RADIO";
	case FT_DLT_SLL2:
		return "LINUX_SLL2";
	case FT_DLT_PPP:
		return "PPP";
	case FT_DLT_PPP_HDLC:
		return "PPP_SERIAL";
	case FT_DLT_PPP_ETH:
		return "PPP_ETHER";
	case FT_DLT_C_HDLC:
		return "C_HDLC";
	default:
		return "UNKNOWN";
	}
}

/* ======================================================================== */
/* Flows profile                                                             */
/* ======================================================================== */

struct ft_dstat {
	uint64_t bytes;
	uint64_t missed;
	uint64_t fnv;
	uint64_t fnv_seen;
	uint32_t packets;
	uint32_t retrans;
};

#define FT_SEG_SRV   0x01 /* server to client */
#define FT_SEG_SYNOP 0x02 /* carries the SYN options */

struct ft_seg {
	uint32_t seq;
	uint32_t ack;
	uint16_t len;
	uint8_t flags;
	uint8_t info;
};

struct ft_sess {
	uint64_t cli;   /* client: IPv4 host index (16 bits) or IPv6 interface id */
	uint64_t pseed; /* payload stream key */
	uint64_t first;
	uint64_t last;
	uint64_t syn_t, synack_t; /* stamps of the SYN and the SYN-ACK (0: none) */
	bool first_srv;           /* the first frame stamped is the server's (a tap's skew) */
	struct ft_dstat st[2];    /* [0] client to server, [1] server to client */
	uint32_t id;
	uint32_t isn[2];
	uint32_t nxt[2];
	uint32_t tsv[2];
	uint32_t tsoff[2];
	uint32_t flow6[2];
	uint32_t segs_left;  /* data segments not yet given to a round */
	uint32_t stop_left;  /* data segments before the session stops */
	uint32_t burst_left; /* data segments left in the current burst */
	uint32_t next_burst; /* the response burst of the current round */
	uint16_t sport;
	uint16_t dport;
	uint16_t srv;
	uint16_t vlan;
	uint16_t ipid[2];
	uint16_t win[2];
	uint8_t v6;
	uint8_t midstream;
	uint8_t close;
	uint8_t closer;
	uint8_t phase;
	uint8_t rounds;
	uint8_t dir;
	uint8_t reused;
	uint8_t chunks[2];
	uint8_t qh;
	uint8_t qn;
	struct ft_seg q[FT_QMAX];
};

struct ft_reuse {
	uint64_t cli;
	uint16_t sport;
	uint16_t dport;
	uint16_t srv;
	uint16_t vlan;
	uint8_t v6;
};

/* A pending request/reply pair of the UDP (DNS) or other (ICMP, ARP) mix. */
struct ft_aux {
	bool pending;
	bool v6;
	bool arp;
	uint16_t vlan;
	uint16_t sport;
	uint16_t qid;
	uint16_t seq;
	uint16_t srv;
	uint32_t name;
	uint64_t cli;
};

struct ft_gen {
	const struct ft_opts *o;
	struct ft_rng rng;
	struct ft_writer w;
	FILE *truth;
	char *truth_buf;
	FILE *truth_ip;
	uint8_t *frame; /* FT_REC_HDR of headroom, then the frame */
	uint8_t *scratch;
	struct ft_sess *pool;
	uint32_t *freelist;
	uint32_t nfree;
	uint32_t *active;
	uint32_t nactive;
	uint64_t *used;
	size_t used_mask;
	struct ft_reuse reuse[FT_REUSE_MAX];
	uint32_t nreuse;
	uint64_t started;
	uint64_t written;
	uint64_t tcp_frames;
	uint64_t udp_frames;
	uint64_t other_frames;
	double seg_mean;
	uint16_t icmp_seq;
	size_t pppoe_off; /* the PPPoE header of the frame being built (0: none) */
	struct ft_aux dns;
	struct ft_aux oth;
};

static const uint16_t ft_srv_ports[] = {443, 443, 443, 8443, 4433, 5201, 9000, 10443};

static uint64_t
dir_key(uint64_t pseed, int d)
{
	return d ? pseed ^ 0xa5a5a5a55a5a5a5aULL : pseed;
}

/* Payload bytes: byte o of a stream is byte (o & 7) of mix64(key + o / 8). */
static void
fill_payload(uint8_t *dst, uint64_t key, uint32_t off, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t o = off + (uint32_t)i;
		uint64_t w = mix64(key + (o >> 3));
		unsigned sh = o & 7;
		size_t take = 8 - sh;

		if (take > len - i)
			take = len - i;
		w >>= 8 * sh;
		for (size_t k = 0; k < take; k++) {
			dst[i + k] = (uint8_t)w;
			w >>= 8;
		}
		i += take;
	}
}

static void
host_addr(const struct ft_opts *o, bool v6, bool server, uint64_t id, uint8_t *a)
{
	if (!v6) {
		a[0] = o->base4[0];
		a[1] = o->base4[1];
		a[2] = server ? 0 : (uint8_t)(id >> 8);
		a[3] = (uint8_t)id;
		return;
	}
	memcpy(a, o->base6, 8);
	for (int i = 0; i < 8; i++)
		a[8 + i] = (uint8_t)(id >> (56 - 8 * i));
}

static void
host_mac(const struct ft_opts *o, bool server, uint64_t id, uint8_t *m)
{
	uint64_t h;

	if (server && o->mac_dst_set) {
		memcpy(m, o->mac_dst, 6);
		return;
	}
	if (!server && o->mac_src_set) {
		memcpy(m, o->mac_src, 6);
		return;
	}
	h = server ? id : mix64(id);
	m[0] = 0x02;
	m[1] = server ? 0x01 : 0x00;
	m[2] = (uint8_t)(h >> 24);
	m[3] = (uint8_t)(h >> 16);
	m[4] = (uint8_t)(h >> 8);
	m[5] = (uint8_t)h;
}

static uint64_t
draw_client(struct ft_gen *g, bool v6)
{
	if (v6)
		return rng_next(&g->rng) | 0x0200000000000000ULL;
	return ((uint64_t)(1 + rng_below(&g->rng, 255)) << 8) | (1 + rng_below(&g->rng, 254));
}

/* Link-layer header of a frame between client cli and server srv. */
static void
link_hdr(struct ft_gen *g, struct ft_pkt *p, bool v6, uint64_t cli, uint16_t srv, bool to_srv,
	uint16_t vlan, uint16_t etype)
{
	uint8_t cm[6], sm[6];
	uint8_t *h;

	switch (g->o->linktype) {
	case FT_DLT_EN10MB:
		host_mac(g->o, false, cli, cm);
		host_mac(g->o, true, srv, sm);
		putmem(p, to_srv ? sm : cm, 6);
		putmem(p, to_srv ? cm : sm, 6);
		if (vlan) {
			put16(p, 0x8100);
			put16(p, vlan & 0x0fff);
		}
		if (g->o->encap == FT_ENC_MPLS && etype != 0x0806) {
			/* one label per direction: each way is its own LSP */
			put16(p, 0x8847);
			put32(p, (to_srv ? 1000u : 2000u) << 12 | 0x100 | 64);
		} else if (g->o->encap == FT_ENC_PPPOE && etype != 0x0806) {
			/* RFC 2516 session data; frame_done() fills in the length */
			put16(p, 0x8864);
			g->pppoe_off = p->len;
			put16(p, 0x1100);
			put16(p, (uint16_t)(cli | 1));
			put16(p, 0);
			put16(p, v6 ? 0x0057 : 0x0021);
		} else {
			put16(p, etype);
		}
		break;
	case FT_DLT_SLL:
		/* Seen on the client: its frames are outgoing (4), the rest to us (0). */
		host_mac(g->o, false, cli, cm);
		host_mac(g->o, true, srv, sm);
		put16(p, to_srv ? 4 : 0);
		put16(p, 1);
		put16(p, 6);
		h = put(p, 8);
		memcpy(h, to_srv ? cm : sm, 6);
		h[6] = h[7] = 0;
		put16(p, etype);
		break;
	case FT_DLT_NULL:
		/* Host byte order; 30 is AF_INET6 on Darwin. */
		{
			uint32_t af = v6 ? 30 : 2;

			memcpy(put(p, 4), &af, 4);
		}
		break;
	default:
		break;
	}
}

static void
frame_done(struct ft_gen *g, struct ft_pkt *p)
{
	uint64_t step = 1000 * (1 + (uint64_t)rng_below(&g->rng, 8)) + rng_below(&g->rng, 1000);

	if (g->pppoe_off != 0) {
		ftg_wr16(p->b + g->pppoe_off + 4, (uint16_t)(p->len - g->pppoe_off - 6));
		g->pppoe_off = 0;
	}
	if (g->o->linktype == FT_DLT_EN10MB && p->len < 60)
		putzero(p, 60 - p->len);
	g->w.now += step;
	pcap_frame(&g->w, p->b, p->len);
}

static uint16_t
seg_len(struct ft_gen *g)
{
	uint32_t lo = g->o->pmin ? g->o->pmin : 1;
	uint32_t hi = g->o->pmax;

	return (uint16_t)(lo + rng_below(&g->rng, hi - lo + 1));
}

static void
emit_seg(struct ft_gen *g, struct ft_sess *s, const struct ft_seg *sg)
{
	struct ft_pkt p = {g->frame, 0};
	int d = sg->info & FT_SEG_SRV;
	uint8_t src[16], dst[16];
	struct ft_opt opt = {.n = 0};
	size_t ipoff, l4off;
	uint32_t tsv;
	uint16_t win;

	host_addr(g->o, s->v6, d, d ? s->srv : s->cli, src);
	host_addr(g->o, s->v6, !d, d ? s->cli : s->srv, dst);
	link_hdr(g, &p, s->v6, s->cli, s->srv, !d, s->vlan, s->v6 ? 0x86dd : 0x0800);
	ipoff = ip_begin(&p, s->v6, src, dst, 6, d ? 57 : 64, s->ipid[d]++, s->flow6[d]);
	tsv = s->tsoff[d] + (uint32_t)((g->w.now / 1000000) & 0xffffffffu);
	win = s->win[d];
	if (sg->info & FT_SEG_SYNOP) {
		opt_syn(&opt, s->v6 ? 1440 : 1460, tsv, d ? s->tsv[0] : 0);
		win = d ? 65160 : 64240;
		s->tsv[d] = tsv;
	} else if (!(sg->flags & FT_TH_RST)) {
		opt_nop(&opt);
		opt_nop(&opt);
		opt_ts(&opt, tsv, s->tsv[!d]);
		s->tsv[d] = tsv;
	}
	l4off = tcp_begin(&p, d ? s->dport : s->sport, d ? s->sport : s->dport, sg->seq, sg->ack,
		sg->flags, win, opt.b, opt.n);
	if (sg->len)
		fill_payload(
			put(&p, sg->len), dir_key(s->pseed, d), sg->seq - s->isn[d] - 1, sg->len);
	tcp_end(&p, ipoff, l4off);
	ip_end(&p, ipoff);
	g->w.srv = d != 0;
	frame_done(g, &p); /* advances the clock, then writes */
	{
		uint64_t t = pcap_stamp(&g->w, d != 0);

		if (!s->first || t < s->first) {
			s->first = t;
			s->first_srv = d != 0;
		}
		if (t > s->last)
			s->last = t;
		if ((sg->flags & FT_TH_SYN) && !d && !s->syn_t)
			s->syn_t = t;
		if ((sg->flags & FT_TH_SYN) && d && !s->synack_t)
			s->synack_t = t;
	}
	g->tcp_frames++;
}

static void
q_push(struct ft_sess *s, int d, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len,
	uint8_t info)
{
	struct ft_seg *sg;

	if (s->qn >= FT_QMAX)
		abort();
	sg = &s->q[s->qn++];
	sg->seq = seq;
	sg->ack = ack;
	sg->len = len;
	sg->flags = flags;
	sg->info = (uint8_t)(info | (d ? FT_SEG_SRV : 0));
	s->st[d].packets++;
}

static void
new_round(struct ft_gen *g, struct ft_sess *s)
{
	uint32_t share = s->rounds > 1 ? s->segs_left / s->rounds : s->segs_left;
	uint32_t req;

	if (share == 0)
		share = s->segs_left ? 1 : 0;
	req = share ? 1 + rng_below(&g->rng, share / 3 + 1) : 0;
	if (req > share)
		req = share;
	s->dir = 0;
	s->burst_left = req;
	s->next_burst = share - req;
	s->segs_left -= share;
}

/* One or two data segments of the current burst, copies, and the ACK. */
static void
plan_chunk(struct ft_gen *g, struct ft_sess *s)
{
	const struct ft_opts *o = g->o;
	int d = s->dir, r = !d;
	uint32_t k = 2, seq[2];
	uint16_t len[2];
	uint8_t fl[2];
	bool last, stopping, guard, lost = false, swap = false, ack_first = false, piggy;
	struct ft_dstat *st = &s->st[d];

	if (k > s->burst_left)
		k = s->burst_left;
	if (k > s->stop_left)
		k = s->stop_left;
	last = k == s->burst_left;
	stopping = k == s->stop_left;
	guard = s->midstream && s->chunks[d] == 0;
	if (k == 2 && !guard) {
		lost = rng_chance(&g->rng, o->loss);
		swap = !lost && rng_chance(&g->rng, o->reorder);
		ack_first = !lost && !swap && rng_chance(&g->rng, o->ack_first);
	}
	for (uint32_t i = 0; i < k; i++) {
		len[i] = seg_len(g);
		seq[i] = s->nxt[d];
		s->nxt[d] += len[i];
		fl[i] = FT_TH_ACK;
		fill_payload(g->scratch, dir_key(s->pseed, d), seq[i] - s->isn[d] - 1, len[i]);
		st->fnv = fnv1a(st->fnv, g->scratch, len[i]);
		if (i == 0 && lost) {
			st->missed += len[i];
		} else {
			st->bytes += len[i];
			st->fnv_seen = fnv1a(st->fnv_seen, g->scratch, len[i]);
		}
	}
	if (last)
		fl[k - 1] |= FT_TH_PSH;
	s->qh = s->qn = 0;
	if (ack_first) {
		/* The late segment is captured after the ACK that covers it. */
		q_push(s, d, fl[1], seq[1], s->nxt[r], len[1], 0);
		q_push(s, r, FT_TH_ACK, s->nxt[r], s->nxt[d], 0, 0);
		q_push(s, d, fl[0], seq[0], s->nxt[r], len[0], 0);
	} else if (swap) {
		q_push(s, d, fl[1], seq[1], s->nxt[r], len[1], 0);
		q_push(s, d, fl[0], seq[0], s->nxt[r], len[0], 0);
	} else {
		for (uint32_t i = lost ? 1 : 0; i < k; i++)
			q_push(s, d, fl[i], seq[i], s->nxt[r], len[i], 0);
	}
	for (uint32_t i = lost ? 1 : 0; i < k; i++) {
		if (rng_chance(&g->rng, o->retransmit)) {
			q_push(s, d, fl[i], seq[i], s->nxt[r], len[i], 0);
			st->retrans++;
		}
	}
	/* The response's first segment may carry the ACK of the request. */
	piggy = d == 0 && last && s->next_burst > 0 && !stopping && rng_chance(&g->rng, 0.5);
	if (!piggy && !ack_first)
		q_push(s, r, FT_TH_ACK, s->nxt[r], s->nxt[d], 0, 0);
	s->burst_left -= k;
	s->stop_left -= k;
	if (s->chunks[d] < 255)
		s->chunks[d]++;
}

/* Plans the next frames of s into its queue; false when the session is over. */
static bool
plan(struct ft_gen *g, struct ft_sess *s)
{
	int c;

	for (;;) {
		switch (s->phase) {
		case FT_PH_HANDSHAKE:
			s->qh = s->qn = 0;
			q_push(s, 0, FT_TH_SYN, s->isn[0], 0, 0, FT_SEG_SYNOP);
			q_push(s, 1, FT_TH_SYN | FT_TH_ACK, s->isn[1], s->nxt[0], 0, FT_SEG_SYNOP);
			q_push(s, 0, FT_TH_ACK, s->nxt[0], s->nxt[1], 0, 0);
			s->phase = FT_PH_DATA;
			return true;
		case FT_PH_DATA:
			if (s->stop_left == 0 || s->rounds == 0) {
				s->phase = FT_PH_CLOSE;
				continue;
			}
			if (s->burst_left == 0) {
				if (s->dir == 0 && s->next_burst > 0) {
					s->dir = 1;
					s->burst_left = s->next_burst;
					s->next_burst = 0;
				} else if (--s->rounds > 0) {
					new_round(g, s);
				}
				continue;
			}
			plan_chunk(g, s);
			return true;
		case FT_PH_CLOSE:
			s->phase = FT_PH_DONE;
			if (s->close == FT_CLOSE_EOF)
				return false;
			s->qh = s->qn = 0;
			c = s->closer;
			if (s->close == FT_CLOSE_RST) {
				if (rng_chance(&g->rng, 0.7))
					q_push(s, c, FT_TH_RST | FT_TH_ACK, s->nxt[c], s->nxt[!c],
						0, 0);
				else
					q_push(s, c, FT_TH_RST, s->nxt[c], 0, 0, 0);
				return true;
			}
			q_push(s, c, FT_TH_FIN | FT_TH_ACK, s->nxt[c], s->nxt[!c], 0, 0);
			s->nxt[c]++;
			q_push(s, !c, FT_TH_FIN | FT_TH_ACK, s->nxt[!c], s->nxt[c], 0, 0);
			s->nxt[!c]++;
			q_push(s, c, FT_TH_ACK, s->nxt[c], s->nxt[!c], 0, 0);
			return true;
		default:
			return false;
		}
	}
}

static uint64_t
sess_key(bool v6, uint64_t cli, uint16_t srv, uint16_t sport, uint16_t dport)
{
	uint64_t h = mix64(cli ^ mix64(((uint64_t)v6 << 63) ^ ((uint64_t)srv << 32) ^
					 ((uint64_t)sport << 16) ^ dport));

	return h ? h : 1;
}

/* Adds a key to the set of 4-tuples ever used; false if it was there. */
static bool
used_insert(struct ft_gen *g, uint64_t h)
{
	size_t i = (size_t)h & g->used_mask;

	while (g->used[i]) {
		if (g->used[i] == h)
			return false;
		i = (i + 1) & g->used_mask;
	}
	g->used[i] = h;
	return true;
}

static uint32_t
draw_budget(struct ft_gen *g)
{
	double b;

	if (g->o->pmax == 0)
		return 0;
	if (g->seg_mean < 0)
		return 2 + rng_below(&g->rng, 19);
	b = g->seg_mean * (0.5 + rng_unit(&g->rng));
	/* Probabilistic rounding keeps small means unbiased. */
	return (uint32_t)b + (rng_unit(&g->rng) < b - (double)(uint32_t)b ? 1 : 0);
}

static void
sess_start(struct ft_gen *g, struct ft_sess *s)
{
	const struct ft_opts *o = g->o;
	struct ft_rng *r = &g->rng;
	uint32_t b;
	double u;

	memset(s, 0, sizeof(*s));
	s->id = (uint32_t)g->started++;
	if (g->nreuse && rng_chance(r, 0.02)) {
		uint32_t i = rng_below(r, g->nreuse);
		struct ft_reuse *e = &g->reuse[i];

		s->cli = e->cli;
		s->sport = e->sport;
		s->dport = e->dport;
		s->srv = e->srv;
		s->vlan = e->vlan;
		s->v6 = e->v6;
		s->reused = 1;
		g->reuse[i] = g->reuse[--g->nreuse];
	} else {
		s->v6 = rng_chance(r, o->ipv6);
		if (o->linktype == FT_DLT_EN10MB && rng_chance(r, o->vlan))
			s->vlan = (uint16_t)(100 + rng_below(r, 8));
		do {
			s->cli = draw_client(g, s->v6);
			s->srv = (uint16_t)(1 + rng_below(r, 200));
			s->sport = (uint16_t)(32768 + rng_below(r, 28232));
			s->dport = ft_srv_ports[rng_below(
				r, sizeof(ft_srv_ports) / sizeof(ft_srv_ports[0]))];
		} while (!used_insert(g, sess_key(s->v6, s->cli, s->srv, s->sport, s->dport)));
		s->midstream = rng_chance(r, o->midstream);
	}
	s->pseed = rng_next(r);
	for (int d = 0; d < 2; d++) {
		/* One in eight ISNs sits just below 2^32: the sequence space wraps. */
		if (rng_below(r, 8) == 0)
			s->isn[d] = 0xffffffffu - rng_below(r, 4000);
		else
			s->isn[d] = (uint32_t)rng_next(r);
		s->nxt[d] = s->isn[d] + 1;
		s->tsoff[d] = (uint32_t)rng_next(r);
		s->flow6[d] = rng_below(r, 0x100000);
		s->ipid[d] = (uint16_t)rng_next(r);
		s->win[d] = (uint16_t)(502 + rng_below(r, 1500));
		s->st[d].fnv = s->st[d].fnv_seen = FT_FNV_BASIS;
	}
	u = rng_unit(r);
	s->close = u < o->rst ? FT_CLOSE_RST : u < o->rst + o->open ? FT_CLOSE_EOF : FT_CLOSE_FIN;
	s->closer = rng_chance(r, 0.3) ? 1 : 0;
	b = draw_budget(g);
	if (s->midstream && b == 0)
		b = 1;
	s->segs_left = b;
	s->rounds = (uint8_t)(b ? 1 + rng_below(r, 3) : 0);
	if (s->rounds > 1 && s->rounds > b / 2)
		s->rounds = (uint8_t)(b / 2 > 1 ? b / 2 : 1);
	s->stop_left = b;
	if (s->close != FT_CLOSE_FIN && b && rng_chance(r, 0.5))
		s->stop_left = rng_below(r, b);
	if (s->midstream && s->stop_left == 0)
		s->stop_left = 1;
	if (s->rounds)
		new_round(g, s);
	s->phase = s->midstream ? FT_PH_DATA : FT_PH_HANDSHAKE;
}

static void
truth_dir(FILE *f, const char *name, const struct ft_dstat *st)
{
	fprintf(f,
		"\"%s\":{\"packets\":%" PRIu32 ",\"bytes\":%" PRIu64 ",\"retransmits\":%" PRIu32
		",\"missed\":%" PRIu64 ",\"fnv1a\":\"%016" PRIx64 "\",\"fnv1a_seen\":\"%016" PRIx64
		"\"}",
		name, st->packets, st->bytes, st->retrans, st->missed, st->fnv, st->fnv_seen);
}

static void
sess_finish(struct ft_gen *g, struct ft_sess *s)
{
	static const char *const close_names[] = {"fin", "rst", "eof"};
	uint8_t a[16];
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], t1[32], t2[32], vl[8];
	int af = s->v6 ? AF_INET6 : AF_INET;
	const char *closer = s->closer ? "\"dst\"" : "\"src\"";
	FILE *f = g->truth;

	if (s->close != FT_CLOSE_EOF) {
		struct ft_reuse *e;

		if (g->nreuse < FT_REUSE_MAX)
			e = &g->reuse[g->nreuse++];
		else
			e = &g->reuse[rng_below(&g->rng, FT_REUSE_MAX)];
		e->cli = s->cli;
		e->sport = s->sport;
		e->dport = s->dport;
		e->srv = s->srv;
		e->vlan = s->vlan;
		e->v6 = s->v6;
	}
	if (!f)
		return;
	if (s->close == FT_CLOSE_EOF)
		closer = "null";
	host_addr(g->o, s->v6, false, s->cli, a);
	inet_ntop(af, a, src, sizeof(src));
	host_addr(g->o, s->v6, true, s->srv, a);
	inet_ntop(af, a, dst, sizeof(dst));
	ts_text(t1, sizeof(t1), s->first, g->o->nsec);
	ts_text(t2, sizeof(t2), s->last, g->o->nsec);
	if (s->vlan)
		snprintf(vl, sizeof(vl), "%u", (unsigned)s->vlan);
	else
		snprintf(vl, sizeof(vl), "null");
	fprintf(f,
		"%s\n{\"id\":%" PRIu32 ",\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u,"
		"\"ip\":%d,\"vlan\":%s,\"first\":%s,\"last\":%s,\"close\":\"%s\",\"closer\":%s,"
		"\"midstream\":%s,\"first_by\":\"%s\",\"reused\":%s,\"synack_first\":%s,"
		"\"isn\":[%" PRIu32 ",%" PRIu32 "],",
		g->written ? "," : "", s->id, src, (unsigned)s->sport, dst, (unsigned)s->dport,
		s->v6 ? 6 : 4, vl, t1, t2, close_names[s->close], closer,
		s->midstream ? "true" : "false", s->first_srv ? "dst" : "src",
		s->reused ? "true" : "false",
		s->synack_t && s->syn_t && s->synack_t < s->syn_t ? "true" : "false", s->isn[0],
		s->isn[1]);
	truth_dir(f, "send", &s->st[0]);
	fputc(',', f);
	truth_dir(f, "recv", &s->st[1]);
	fputc('}', f);
	g->written++;
}

/*
 * The IP truth of a frame just built (its IP header at ipoff, ending at p->len):
 * protocol, endpoints, ports (UDP) or type and id (ICMP), lengths.
 */
static void
truth_ip(struct ft_gen *g, const struct ft_pkt *p, size_t ipoff, bool v6, const uint8_t *src,
	const uint8_t *dst, uint16_t vlan, uint16_t sport, uint16_t dport, int icmp_type,
	uint16_t icmp_id)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], vl[8], l4[64];
	size_t octets = p->len - ipoff, hdr = v6 ? 40 : 20;

	if (!g->truth_ip)
		return;
	inet_ntop(v6 ? AF_INET6 : AF_INET, src, a, sizeof(a));
	inet_ntop(v6 ? AF_INET6 : AF_INET, dst, b, sizeof(b));
	if (vlan)
		snprintf(vl, sizeof(vl), "%u", (unsigned)vlan);
	else
		snprintf(vl, sizeof(vl), "null");
	if (icmp_type >= 0)
		snprintf(l4, sizeof(l4), "\"icmp_type\":%d,\"icmp_id\":%u", icmp_type,
			(unsigned)icmp_id);
	else
		snprintf(l4, sizeof(l4), "\"sport\":%u,\"dport\":%u", (unsigned)sport,
			(unsigned)dport);
	fprintf(g->truth_ip,
		"{\"proto\":%d,\"ip\":%d,\"src\":\"%s\",\"dst\":\"%s\",%s,\"vlan\":%s,"
		"\"octets\":%zu,\"bytes\":%zu}\n",
		icmp_type >= 0 ? (v6 ? 58 : 1) : 17, v6 ? 6 : 4, a, b, l4, vl, octets,
		octets - hdr);
}

/* DNS name in labels, no compression (flows' names are written once). */
static void
dns_label_name(struct ft_pkt *p, const char *first, const char *rest)
{
	size_t n = strlen(first);

	put8(p, (uint8_t)n);
	putmem(p, first, n);
	while (*rest) {
		n = strcspn(rest, ".");
		put8(p, (uint8_t)n);
		putmem(p, rest, n);
		rest += n;
		if (*rest == '.')
			rest++;
	}
	put8(p, 0);
}

static void
emit_dns(struct ft_gen *g)
{
	struct ft_aux *a = &g->dns;
	struct ft_pkt p = {g->frame, 0};
	bool resp = a->pending;
	uint8_t src[16], dst[16], ans[16];
	char label[16];
	size_t ipoff, l4off, rd;

	if (!resp) {
		a->v6 = rng_chance(&g->rng, g->o->ipv6);
		a->vlan = 0;
		if (g->o->linktype == FT_DLT_EN10MB && rng_chance(&g->rng, g->o->vlan))
			a->vlan = (uint16_t)(100 + rng_below(&g->rng, 8));
		a->cli = draw_client(g, a->v6);
		/* Not a tunnel's port (VXLAN, Geneve, GTP-U): a reply to it would
		 * decode as a tunnel, as it does on a real link. */
		do
			a->sport = (uint16_t)(1024 + rng_below(&g->rng, 64511));
		while (a->sport == 4789 || a->sport == 6081 || a->sport == 2152);
		a->qid = (uint16_t)rng_next(&g->rng);
		a->name = rng_below(&g->rng, 100000);
	}
	host_addr(g->o, a->v6, resp, resp ? 53 : a->cli, src);
	host_addr(g->o, a->v6, !resp, resp ? a->cli : 53, dst);
	link_hdr(g, &p, a->v6, a->cli, 53, !resp, a->vlan, a->v6 ? 0x86dd : 0x0800);
	ipoff = ip_begin(&p, a->v6, src, dst, 17, 64, (uint16_t)rng_next(&g->rng), a->name);
	l4off = udp_begin(&p, resp ? 53 : a->sport, resp ? a->sport : 53);
	put16(&p, a->qid);
	put16(&p, resp ? 0x8180 : 0x0100);
	put16(&p, 1);
	put16(&p, resp ? 1 : 0);
	put32(&p, 0);
	snprintf(label, sizeof(label), "h%05" PRIu32, a->name);
	dns_label_name(&p, label, "example.com");
	put16(&p, a->v6 ? 28 : 1);
	put16(&p, 1);
	if (resp) {
		put16(&p, 0xc00c);
		put16(&p, a->v6 ? 28 : 1);
		put16(&p, 1);
		put32(&p, 300);
		host_addr(g->o, a->v6, true, 1 + a->name % 200, ans);
		rd = a->v6 ? 16 : 4;
		put16(&p, (uint16_t)rd);
		putmem(&p, ans, rd);
	}
	udp_end(&p, ipoff, l4off);
	ip_end(&p, ipoff);
	truth_ip(g, &p, ipoff, a->v6, src, dst, a->vlan, resp ? 53 : a->sport, resp ? a->sport : 53,
		-1, 0);
	frame_done(g, &p);
	a->pending = !resp;
	g->udp_frames++;
}

static void
emit_other(struct ft_gen *g)
{
	struct ft_aux *a = &g->oth;
	struct ft_pkt p = {g->frame, 0};
	bool resp = a->pending;
	uint8_t src[16], dst[16], cm[6], sm[6], data[32];
	size_t ipoff, l4off;

	if (!resp) {
		a->arp = g->o->linktype == FT_DLT_EN10MB && rng_chance(&g->rng, 0.3);
		a->v6 = !a->arp && rng_chance(&g->rng, g->o->ipv6);
		a->vlan = 0;
		a->cli = draw_client(g, a->v6);
		a->srv = (uint16_t)(1 + rng_below(&g->rng, 200));
		a->qid = (uint16_t)rng_next(&g->rng);
		a->seq = ++g->icmp_seq;
	}
	host_addr(g->o, a->v6, resp, resp ? a->srv : a->cli, src);
	host_addr(g->o, a->v6, !resp, resp ? a->cli : a->srv, dst);
	if (a->arp) {
		/* RFC 826: request broadcast by the client, reply from the server. */
		host_mac(g->o, false, a->cli, cm);
		host_mac(g->o, true, a->srv, sm);
		if (resp) {
			putmem(&p, cm, 6);
			putmem(&p, sm, 6);
		} else {
			memset(put(&p, 6), 0xff, 6);
			putmem(&p, cm, 6);
		}
		put16(&p, 0x0806);
		put16(&p, 1);
		put16(&p, 0x0800);
		put8(&p, 6);
		put8(&p, 4);
		put16(&p, resp ? 2 : 1);
		putmem(&p, resp ? sm : cm, 6);
		putmem(&p, src, 4);
		if (resp)
			putmem(&p, cm, 6);
		else
			putzero(&p, 6);
		putmem(&p, dst, 4);
	} else {
		link_hdr(g, &p, a->v6, a->cli, a->srv, !resp, a->vlan, a->v6 ? 0x86dd : 0x0800);
		ipoff = ip_begin(
			&p, a->v6, src, dst, a->v6 ? 58 : 1, 64, (uint16_t)rng_next(&g->rng), 0);
		l4off = p.len;
		if (a->v6)
			put8(&p, resp ? 129 : 128);
		else
			put8(&p, resp ? 0 : 8);
		put8(&p, 0);
		put16(&p, 0);
		put16(&p, a->qid);
		put16(&p, a->seq);
		for (int i = 0; i < 32; i++)
			data[i] = (uint8_t)(0x10 + i);
		putmem(&p, data, sizeof(data));
		if (a->v6)
			l4_csum(&p, ipoff, l4off, 58, 2, false);
		else
			ftg_csum_store(p.b + l4off + 2, p.b + l4off, p.len - l4off);
		ip_end(&p, ipoff);
		truth_ip(g, &p, ipoff, a->v6, src, dst, a->vlan, 0, 0,
			a->v6 ? (resp ? 129 : 128) : (resp ? 0 : 8), a->qid);
	}
	frame_done(g, &p);
	a->pending = !resp;
	g->other_frames++;
}

static int
run_flows(const struct ft_opts *o)
{
	struct ft_gen *g;
	uint64_t pool_n, used_n;
	size_t used_sz = 1024;
	int rc = 0;
	char t1[32], t2[32];
	clock_t c0 = clock();

	g = calloc(1, sizeof(*g));
	if (!g)
		goto nomem;
	g->o = o;
	g->rng.s = mix64(o->seed ^ 0x667467656e000000ULL);
	pool_n = o->concurrent < o->sessions ? o->concurrent : o->sessions;
	if (pool_n == 0)
		pool_n = 1;
	used_n = 2 * o->sessions + 1024;
	while (used_sz < used_n)
		used_sz <<= 1;
	g->used_mask = used_sz - 1;
	g->used = calloc(used_sz, sizeof(*g->used));
	g->pool = calloc((size_t)pool_n, sizeof(*g->pool));
	g->freelist = calloc((size_t)pool_n, sizeof(*g->freelist));
	g->active = calloc((size_t)pool_n, sizeof(*g->active));
	g->frame = malloc(FT_REC_HDR + FT_FRAME_MAX);
	g->scratch = malloc(FT_FRAME_MAX);
	if (!g->used || !g->pool || !g->freelist || !g->active || !g->frame || !g->scratch)
		goto nomem;
	g->frame += FT_REC_HDR;
	for (uint64_t i = 0; i < pool_n; i++)
		g->freelist[g->nfree++] = (uint32_t)(pool_n - 1 - i);

	g->seg_mean = -1;
	if (o->frames) {
		/*
		 * A session of B segments makes about 5.6 + 1.5 B frames: handshake,
		 * close, one ACK per two segments. Half the RST and eof sessions stop
		 * mid-data, on average halfway: they keep 3/4 of their segments.
		 */
		double tcp = (double)o->frames * (1.0 - o->udp - o->other);
		double per = tcp / (double)(o->sessions ? o->sessions : 1);

		g->seg_mean = (per - 5.6) / (1.5 * (1.0 - 0.25 * (o->rst + o->open)));
		if (g->seg_mean < 0)
			g->seg_mean = 0;
	}

	if (pcap_open(&g->w, o->out, (uint32_t)o->linktype, o->snaplen, o->nsec) < 0) {
		rc = 1;
		goto out;
	}
	g->w.tap_offset = o->tap_offset_ns;
	if (o->truth_ip) {
		g->truth_ip = fopen(o->truth_ip, "w");
		if (!g->truth_ip) {
			fprintf(stderr, "ftgen: %s: %s\n", o->truth_ip, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	if (o->truth) {
		g->truth = strcmp(o->truth, "-") == 0 ? stdout : fopen(o->truth, "w");
		if (!g->truth) {
			fprintf(stderr, "ftgen: %s: %s\n", o->truth, strerror(errno));
			rc = 1;
			goto out;
		}
		g->truth_buf = malloc(FT_IOBUF);
		if (g->truth_buf)
			setvbuf(g->truth, g->truth_buf, _IOFBF, FT_IOBUF);
		fprintf(g->truth,
			"{\"generator\":\"ftgen\",\"profile\":\"flows\",\"seed\":%" PRIu64
			",\"link\":\"%s\",\"linktype\":%d,\"precision\":\"%s\",\"snaplen\":%" PRIu32
			",\"sessions\":[",
			o->seed, link_name(o->linktype), o->linktype, o->nsec ? "nsec" : "usec",
			o->snaplen);
	}

	while (g->started < o->sessions || g->nactive > 0) {
		uint32_t i;
		struct ft_sess *s;
		double u;

		while (g->nactive < pool_n && g->started < o->sessions) {
			uint32_t slot = g->freelist[--g->nfree];

			sess_start(g, &g->pool[slot]);
			g->active[g->nactive++] = slot;
		}
		u = rng_unit(&g->rng);
		if (u < o->udp) {
			emit_dns(g);
			continue;
		}
		if (u < o->udp + o->other) {
			emit_other(g);
			continue;
		}
		i = rng_below(&g->rng, g->nactive);
		s = &g->pool[g->active[i]];
		if (s->qh == s->qn && !plan(g, s)) {
			sess_finish(g, s);
		} else {
			emit_seg(g, s, &s->q[s->qh++]);
			if (!(s->qh == s->qn && s->phase == FT_PH_DONE))
				continue;
			sess_finish(g, s);
		}
		g->freelist[g->nfree++] = g->active[i];
		g->active[i] = g->active[--g->nactive];
	}
	/* Answer the last request of each mix, so every pair is complete. */
	if (g->dns.pending)
		emit_dns(g);
	if (g->oth.pending)
		emit_other(g);

	if (g->truth) {
		ts_text(t1, sizeof(t1), g->w.first, o->nsec);
		ts_text(t2, sizeof(t2), g->w.last, o->nsec);
		fprintf(g->truth,
			"\n],\"session_count\":%" PRIu64 ",\"frames\":%" PRIu64
			",\"bytes\":%" PRIu64 ",\"tcp_frames\":%" PRIu64 ",\"udp_frames\":%" PRIu64
			",\"other_frames\":%" PRIu64 ",\"first\":%s,\"last\":%s}\n",
			g->written, g->w.frames, g->w.bytes, g->tcp_frames, g->udp_frames,
			g->other_frames, g->w.frames ? t1 : "null", g->w.frames ? t2 : "null");
	}
	if (o->verbose)
		fprintf(stderr,
			"ftgen: %" PRIu64 " frames (%" PRIu64 " tcp, %" PRIu64 " udp, %" PRIu64
			" other), %" PRIu64 " bytes, %" PRIu64 " sessions, %.2f s CPU\n",
			g->w.frames, g->tcp_frames, g->udp_frames, g->other_frames, g->w.bytes,
			g->started, (double)(clock() - c0) / CLOCKS_PER_SEC);
out:
	if (g) {
		if (pcap_close(&g->w, o->out) < 0)
			rc = 1;
		if (g->truth) {
			if (fflush(g->truth) != 0 || ferror(g->truth)) {
				fprintf(stderr, "ftgen: writing %s: %s\n", o->truth,
					strerror(errno));
				rc = 1;
			}
			if (g->truth != stdout)
				fclose(g->truth);
		}
		if (g->truth_ip && (fclose(g->truth_ip) != 0)) {
			fprintf(stderr, "ftgen: writing %s: %s\n", o->truth_ip, strerror(errno));
			rc = 1;
		}
		free(g->truth_buf);
		free(g->used);
		free(g->pool);
		free(g->freelist);
		free(g->active);
		if (g->frame)
			free(g->frame - FT_REC_HDR);
		free(g->scratch);
		free(g);
	}
	return rc;
nomem:
	fprintf(stderr, "ftgen: out of memory\n");
	rc = 1;
	goto out;
}

/* ======================================================================== */
/* Protocols profile                                                         */
/* ======================================================================== */

struct ft_pctx {
	struct ft_writer w;
	struct ft_rng rng;
	FILE *mf;
	uint8_t *frame;
	struct ft_pkt p;
	int linktype;
	uint32_t n;
	uint16_t ipid;
	bool nsec;
	uint32_t snaplen;
	bool first_file;
};

static const uint8_t ft_ip_a[4] = {10, 200, 0, 1};
static const uint8_t ft_ip_b[4] = {10, 200, 0, 2};
static const uint8_t ft_ip6_a[16] = {0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ft_ip6_b[16] = {0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t ft_mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t ft_mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t ft_mac_bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ft_snap_ip[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
static const uint8_t ft_snap_arp[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06};

static struct ft_pkt *
pb(struct ft_pctx *c)
{
	c->p.b = c->frame;
	c->p.len = 0;
	return &c->p;
}

/* Writes the frame in c->p and its manifest entry; layers are comma-separated. */
static void
pemit(struct ft_pctx *c, const char *layers, const char *desc)
{
	const char *s = layers;

	if (c->linktype == FT_DLT_EN10MB && c->p.len < 60)
		putzero(&c->p, 60 - c->p.len);
	c->w.now += 1000000 + 1000 * (uint64_t)rng_below(&c->rng, 500) + rng_below(&c->rng, 1000);
	pcap_frame(&c->w, c->p.b, c->p.len);
	c->n++;
	fprintf(c->mf, "%s\n{\"n\":%" PRIu32 ",\"len\":%zu,\"layers\":[", c->n > 1 ? "," : "", c->n,
		c->p.len);
	while (*s) {
		size_t n = strcspn(s, ",");

		fprintf(c->mf, "%s\"%.*s\"", s == layers ? "" : ",", (int)n, s);
		s += n;
		if (*s == ',')
			s++;
	}
	fprintf(c->mf, "],\"desc\":\"%s\"}", desc);
}

static const uint8_t *
pick4(bool fwd, bool src)
{
	return fwd == src ? ft_ip_a : ft_ip_b;
}

static const uint8_t *
pick6(bool fwd, bool src)
{
	return fwd == src ? ft_ip6_a : ft_ip6_b;
}

/* IPv4 or IPv6 TCP segment between A (port 40000) and B (port bport). */
static void
l3_tcp(struct ft_pctx *c, bool v6, bool fwd, uint16_t bport, uint32_t seq, uint32_t ack,
	uint16_t flags, const struct ft_opt *opt, const void *data, size_t n)
{
	struct ft_pkt *p = &c->p;
	size_t ipoff, l4off;

	if (v6)
		ipoff = ip6_begin(p, pick6(fwd, true), pick6(fwd, false), 6, 64, 0x12345);
	else
		ipoff = ip4_begin(
			p, pick4(fwd, true), pick4(fwd, false), 6, 64, c->ipid++, 0x4000, NULL, 0);
	l4off = tcp_begin(p, fwd ? 40000 : bport, fwd ? bport : 40000, seq, ack, flags,
		(flags & FT_TH_SYN) ? (fwd ? 64240 : 65160) : (fwd ? 502 : 509),
		opt ? opt->b : NULL, opt ? opt->n : 0);
	putmem(p, data, n);
	tcp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
}

static void
l3_udp(struct ft_pctx *c, bool v6, bool fwd, uint16_t aport, uint16_t bport, const void *data,
	size_t n)
{
	struct ft_pkt *p = &c->p;
	size_t ipoff, l4off;

	if (v6)
		ipoff = ip6_begin(p, pick6(fwd, true), pick6(fwd, false), 17, 64, 0x54321);
	else
		ipoff = ip4_begin(
			p, pick4(fwd, true), pick4(fwd, false), 17, 64, c->ipid++, 0, NULL, 0);
	l4off = udp_begin(p, fwd ? aport : bport, fwd ? bport : aport);
	putmem(p, data, n);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
}

/* ICMP (RFC 792) or ICMPv6 (RFC 4443) message: type, code, 4 bytes, data. */
static void
l3_icmp(struct ft_pctx *c, bool v6, bool fwd, uint8_t type, uint8_t code, uint32_t rest,
	const void *data, size_t n)
{
	struct ft_pkt *p = &c->p;
	size_t ipoff, l4off;

	if (v6)
		ipoff = ip6_begin(p, pick6(fwd, true), pick6(fwd, false), 58, 64, 0);
	else
		ipoff = ip4_begin(
			p, pick4(fwd, true), pick4(fwd, false), 1, 64, c->ipid++, 0, NULL, 0);
	l4off = p->len;
	put8(p, type);
	put8(p, code);
	put16(p, 0);
	put32(p, rest);
	putmem(p, data, n);
	if (v6)
		l4_csum(p, ipoff, l4off, 58, 2, false);
	else
		ftg_csum_store(p->b + l4off + 2, p->b + l4off, p->len - l4off);
	ip_end(p, ipoff);
}

static void
l3_arp(struct ft_pkt *p, bool reply)
{
	put16(p, 1);
	put16(p, 0x0800);
	put8(p, 6);
	put8(p, 4);
	put16(p, reply ? 2 : 1);
	putmem(p, reply ? ft_mac_b : ft_mac_a, 6);
	putmem(p, reply ? ft_ip_b : ft_ip_a, 4);
	if (reply)
		putmem(p, ft_mac_a, 6);
	else
		putzero(p, 6);
	putmem(p, reply ? ft_ip_a : ft_ip_b, 4);
}

static void
eth(struct ft_pkt *p, bool fwd, uint16_t type)
{
	putmem(p, fwd ? ft_mac_b : ft_mac_a, 6);
	putmem(p, fwd ? ft_mac_a : ft_mac_b, 6);
	put16(p, type);
}

/* ---- DNS (RFC 1035, 3596, 2782) with name compression ---- */

struct ft_dnsc {
	int n;
	const char *sfx[64];
	uint16_t off[64];
};

static void
dns_name(struct ft_pkt *p, struct ft_dnsc *c, const char *name)
{
	const char *s = name;

	while (*s) {
		size_t n;

		if (c) {
			for (int i = 0; i < c->n; i++) {
				if (strcmp(c->sfx[i], s) == 0) {
					put16(p, (uint16_t)(0xc000 | c->off[i]));
					return;
				}
			}
			if (c->n < 64 && p->len < 0x3fff) {
				c->sfx[c->n] = s;
				c->off[c->n++] = (uint16_t)p->len;
			}
		}
		n = strcspn(s, ".");
		put8(p, (uint8_t)n);
		putmem(p, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
	put8(p, 0);
}

enum {
	FT_QT_A = 1,
	FT_QT_NS = 2,
	FT_QT_CNAME = 5,
	FT_QT_SOA = 6,
	FT_QT_PTR = 12,
	FT_QT_MX = 15,
	FT_QT_TXT = 16,
	FT_QT_AAAA = 28,
	FT_QT_SRV = 33
};

static void
dns_hdr(struct ft_pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
	uint16_t ar)
{
	put16(p, id);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

static void
dns_q(struct ft_pkt *p, struct ft_dnsc *c, const char *name, uint16_t type)
{
	dns_name(p, c, name);
	put16(p, type);
	put16(p, 1);
}

static size_t
rr_begin(struct ft_pkt *p, struct ft_dnsc *c, const char *name, uint16_t type, uint32_t ttl)
{
	size_t off;

	dns_name(p, c, name);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	off = p->len;
	put16(p, 0);
	return off;
}

static void
rr_end(struct ft_pkt *p, size_t off)
{
	ftg_wr16(p->b + off, (uint16_t)(p->len - off - 2));
}

static void
rr_addr(struct ft_pkt *p, struct ft_dnsc *c, const char *name, bool v6, uint8_t host)
{
	size_t o = rr_begin(p, c, name, v6 ? FT_QT_AAAA : FT_QT_A, 300);

	if (v6) {
		putmem(p, ft_ip6_a, 15);
		put8(p, host);
	} else {
		putmem(p, ft_ip_a, 3);
		put8(p, host);
	}
	rr_end(p, o);
}

static void
rr_name(struct ft_pkt *p, struct ft_dnsc *c, const char *name, uint16_t type, const char *target)
{
	size_t o = rr_begin(p, c, name, type, 3600);

	dns_name(p, c, target);
	rr_end(p, o);
}

static void
rr_soa(struct ft_pkt *p, struct ft_dnsc *c, const char *zone)
{
	size_t o = rr_begin(p, c, zone, FT_QT_SOA, 3600);

	dns_name(p, c, "ns1.example.com");
	dns_name(p, c, "hostmaster.example.com");
	put32(p, 2026010101u);
	put32(p, 7200);
	put32(p, 3600);
	put32(p, 1209600);
	put32(p, 300);
	rr_end(p, o);
}

/*
 * DNS message number k (0..7) into p: even k are queries, odd k the
 * responses. Returns the number of messages when k is out of range.
 */
static int
dns_msg(struct ft_pkt *p, int k)
{
	static const char *const qn[] = {"www.example.com", "www6.example.com",
		"80.0.200.10.in-addr.arpa", "example.com", "example.com", "example.com",
		"_sip._tcp.example.com", "nx.example.com"};
	static const uint16_t qt[] = {
		FT_QT_A, FT_QT_AAAA, FT_QT_PTR, FT_QT_MX, FT_QT_TXT, FT_QT_SOA, FT_QT_SRV, FT_QT_A};
	struct ft_dnsc c = {.n = 0};
	int m = k / 2;
	uint16_t id = (uint16_t)(0x1000 + m);
	size_t o;

	if (m >= 8)
		return 8;
	if (k % 2 == 0) {
		dns_hdr(p, id, 0x0100, 1, 0, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		return 0;
	}
	switch (m) {
	case 0:
		dns_hdr(p, id, 0x8180, 1, 3, 1, 2);
		dns_q(p, &c, qn[m], qt[m]);
		rr_name(p, &c, "www.example.com", FT_QT_CNAME, "web.example.com");
		rr_addr(p, &c, "web.example.com", false, 80);
		rr_addr(p, &c, "web.example.com", false, 81);
		rr_name(p, &c, "example.com", FT_QT_NS, "ns1.example.com");
		rr_addr(p, &c, "ns1.example.com", false, 53);
		rr_addr(p, &c, "ns1.example.com", true, 0x53);
		break;
	case 1:
		dns_hdr(p, id, 0x8180, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_addr(p, &c, qn[m], true, 0x80);
		break;
	case 2:
		dns_hdr(p, id, 0x8180, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_name(p, &c, qn[m], FT_QT_PTR, "web.example.com");
		break;
	case 3:
		dns_hdr(p, id, 0x8180, 1, 2, 0, 1);
		dns_q(p, &c, qn[m], qt[m]);
		o = rr_begin(p, &c, "example.com", FT_QT_MX, 3600);
		put16(p, 10);
		dns_name(p, &c, "mail.example.com");
		rr_end(p, o);
		o = rr_begin(p, &c, "example.com", FT_QT_MX, 3600);
		put16(p, 20);
		dns_name(p, &c, "mail2.example.com");
		rr_end(p, o);
		rr_addr(p, &c, "mail.example.com", false, 25);
		break;
	case 4: {
		static const char t1[] = "v=spf1 ip4:10.200.0.0/16 -all";
		static const char t2[] = "flowtap test record";

		dns_hdr(p, id, 0x8180, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		o = rr_begin(p, &c, "example.com", FT_QT_TXT, 300);
		put8(p, (uint8_t)(sizeof(t1) - 1));
		putmem(p, t1, sizeof(t1) - 1);
		put8(p, (uint8_t)(sizeof(t2) - 1));
		putmem(p, t2, sizeof(t2) - 1);
		rr_end(p, o);
		break;
	}
	case 5:
		dns_hdr(p, id, 0x8580, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_soa(p, &c, "example.com");
		break;
	case 6:
		dns_hdr(p, id, 0x8180, 1, 1, 0, 1);
		dns_q(p, &c, qn[m], qt[m]);
		o = rr_begin(p, &c, qn[m], FT_QT_SRV, 600);
		put16(p, 10);
		put16(p, 60);
		put16(p, 5060);
		dns_name(p, NULL, "sip.example.com"); /* RFC 2782: no compression */
		rr_end(p, o);
		rr_addr(p, &c, "sip.example.com", false, 60);
		break;
	default:
		dns_hdr(p, id, 0x8183, 1, 0, 1, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_soa(p, &c, "example.com");
		break;
	}
	return 0;
}

static size_t
dns_build(uint8_t *buf, int k)
{
	struct ft_pkt d = {buf, 0};

	dns_msg(&d, k);
	return d.len;
}

/* ---- the small L3 packets shared by the non-Ethernet link types ---- */

enum ft_l3 {
	FT_L3_V4_SYN,
	FT_L3_V4_SYNACK,
	FT_L3_V4_DNSQ,
	FT_L3_V4_DNSR,
	FT_L3_V4_ICMP,
	FT_L3_V6_SYN,
	FT_L3_V6_UDP,
	FT_L3_V6_ICMP6
};

static const char *
l3_build(struct ft_pctx *c, enum ft_l3 k)
{
	struct ft_opt o;
	uint8_t buf[512];
	size_t n;

	switch (k) {
	case FT_L3_V4_SYN:
		opt_syn(&o, 1460, 100, 0);
		l3_tcp(c, false, true, 443, 1000, 0, FT_TH_SYN, &o, NULL, 0);
		return "ip,tcp";
	case FT_L3_V4_SYNACK:
		opt_syn(&o, 1460, 200, 100);
		l3_tcp(c, false, false, 443, 5000, 1001, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
		return "ip,tcp";
	case FT_L3_V4_DNSQ:
		n = dns_build(buf, 0);
		l3_udp(c, false, true, 53000, 53, buf, n);
		return "ip,udp,dns";
	case FT_L3_V4_DNSR:
		n = dns_build(buf, 1);
		l3_udp(c, false, false, 53000, 53, buf, n);
		return "ip,udp,dns";
	case FT_L3_V4_ICMP:
		l3_icmp(c, false, true, 8, 0, 0x12340001u, "flowtap-echo-0123456789abcdef", 29);
		return "ip,icmp";
	case FT_L3_V6_SYN:
		opt_syn(&o, 1440, 300, 0);
		l3_tcp(c, true, true, 22, 7000, 0, FT_TH_SYN, &o, NULL, 0);
		return "ip6,tcp";
	case FT_L3_V6_UDP:
		l3_udp(c, true, true, 40001, 5001, "flowtap udp over ipv6", 21);
		return "ip6,udp";
	default:
		l3_icmp(c, true, true, 128, 0, 0x43210001u, "flowtap-echo6", 13);
		return "ip6,icmp6";
	}
}

/* Emits frame with link prefix + the L3 packet's layers. */
static void
pemit2(struct ft_pctx *c, const char *prefix, const char *l3, const char *desc)
{
	char layers[128];

	snprintf(layers, sizeof(layers), "%s%s%s", prefix, *prefix ? "," : "", l3);
	pemit(c, layers, desc);
}

/* ---- the files ---- */

static int
pfile_open(struct ft_pctx *c, const char *dir, const char *name, int linktype)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pcap_open(&c->w, path, (uint32_t)linktype, c->snaplen, c->nsec) < 0)
		return -1;
	c->linktype = linktype;
	c->n = 0;
	fprintf(c->mf, "%s\n{\"file\":\"%s\",\"linktype\":%d,\"link\":\"%s\",\"frames\":[",
		c->first_file ? "" : ",", name, linktype, link_name(linktype));
	c->first_file = false;
	return 0;
}

static int
pfile_close(struct ft_pctx *c, const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fprintf(c->mf, "\n]}");
	return pcap_close(&c->w, path);
}

/* IPv4 datagram of UDP (RFC 791 fragmentation) split at 1480 bytes. */
static void
gen_ip4_frags(struct ft_pctx *c, uint8_t *scratch)
{
	struct ft_pkt d = {scratch, 0};
	size_t ipoff, l4off, total, first = 1480;
	uint16_t id = 0x7a7a;

	ipoff = ip4_begin(&d, ft_ip_a, ft_ip_b, 17, 64, id, 0, NULL, 0);
	l4off = udp_begin(&d, 40002, 7);
	for (int i = 0; i < 1800; i++)
		put8(&d, (uint8_t)('A' + i % 26));
	udp_end(&d, ipoff, l4off);
	ip_end(&d, ipoff);
	total = d.len - 20;

	for (int f = 0; f < 2; f++) {
		struct ft_pkt *p = pb(c);
		size_t off = f ? first : 0, n = f ? total - first : first;
		uint8_t *h;

		eth(p, true, 0x0800);
		h = put(p, 20);
		memcpy(h, scratch, 20);
		ftg_wr16(h + 6, (uint16_t)((f ? 0 : 0x2000) | (off / 8)));
		putmem(p, scratch + 20 + off, n);
		ftg_ip4_fix(h, 20 + n);
		if (f)
			pemit(c, "eth,ip,ipfrag",
				"IPv4 later fragment (offset 1480) of a UDP datagram");
		else
			pemit(c, "eth,ip,ipfrag,udp",
				"IPv4 first fragment (MF) of a 1808-byte UDP datagram");
	}
}

/* IPv6 fragments (RFC 8200 4.5) of a UDP datagram, split at 1232 bytes. */
static void
gen_ip6_frags(struct ft_pctx *c, uint8_t *scratch)
{
	struct ft_pkt d = {scratch, 0};
	size_t ipoff, l4off, total, first = 1232;

	ipoff = ip6_begin(&d, ft_ip6_a, ft_ip6_b, 17, 64, 0);
	l4off = udp_begin(&d, 40003, 7);
	for (int i = 0; i < 1500; i++)
		put8(&d, (uint8_t)('a' + i % 26));
	udp_end(&d, ipoff, l4off);
	ip_end(&d, ipoff);
	total = d.len - 40;

	for (int f = 0; f < 2; f++) {
		struct ft_pkt *p = pb(c);
		size_t off = f ? first : 0, n = f ? total - first : first;
		size_t ip;

		eth(p, true, 0x86dd);
		ip = ip6_begin(p, ft_ip6_a, ft_ip6_b, 44, 64, 0);
		put8(p, 17);
		put8(p, 0);
		put16(p, (uint16_t)(off | (f ? 0 : 1)));
		put32(p, 0xf00dcafe);
		putmem(p, scratch + 40 + off, n);
		ip_end(p, ip);
		if (f)
			pemit(c, "eth,ip6,frag6",
				"IPv6 later fragment (offset 1232) of a UDP datagram");
		else
			pemit(c, "eth,ip6,frag6,udp",
				"IPv6 first fragment (M) of a 1508-byte UDP datagram");
	}
}

static void
gen_igmp(struct ft_pctx *c, int version)
{
	static const uint8_t g1[4] = {239, 1, 1, 1}, g2[4] = {239, 1, 1, 2};
	static const uint8_t g3[4] = {224, 0, 0, 22}, ra[4] = {0x94, 0x04, 0, 0};
	struct ft_pkt *p = pb(c);
	uint8_t mac[6] = {0x01, 0x00, 0x5e, 0, 0, 0};
	const uint8_t *dst = version == 1 ? g1 : version == 2 ? g2 : g3;
	size_t ipoff, l4off;

	mac[3] = dst[1] & 0x7f;
	mac[4] = dst[2];
	mac[5] = dst[3];
	putmem(p, mac, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x0800);
	/* IGMPv2 and v3 carry the Router Alert option (RFC 2236, RFC 3376). */
	ipoff = ip4_begin(p, ft_ip_a, dst, 2, 1, c->ipid++, 0, version == 1 ? NULL : ra,
		version == 1 ? 0 : 4);
	l4off = p->len;
	if (version < 3) {
		put8(p, version == 1 ? 0x12 : 0x16);
		put8(p, 0);
		put16(p, 0);
		putmem(p, dst, 4);
	} else {
		static const uint8_t src[4] = {10, 200, 0, 9};

		put8(p, 0x22);
		put8(p, 0);
		put16(p, 0);
		put16(p, 0);
		put16(p, 2);
		put8(p, 4); /* CHANGE_TO_EXCLUDE_MODE, no sources: join */
		put8(p, 0);
		put16(p, 0);
		putmem(p, g1, 4);
		put8(p, 1); /* MODE_IS_INCLUDE with one source */
		put8(p, 0);
		put16(p, 1);
		putmem(p, g2, 4);
		putmem(p, src, 4);
	}
	ftg_csum_store(p->b + l4off + 2, p->b + l4off, p->len - l4off);
	ip_end(p, ipoff);
	pemit(c, version == 1 ? "eth,ip,igmp" : "eth,ip,ipopt,igmp",
		version == 1   ? "IGMPv1 membership report 239.1.1.1"
		: version == 2 ? "IGMPv2 membership report 239.1.1.2, IP Router Alert"
			       : "IGMPv3 membership report, two group records, IP Router Alert");
}

static int
gen_en10mb(struct ft_pctx *c, const char *dir, uint8_t *scratch)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n";
	static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	struct ft_opt o;
	struct ft_pkt *p;
	uint8_t buf[1024];
	size_t n, ipoff, l4off, inner;
	uint32_t a = 1000, b = 5000, edges[4];

	if (pfile_open(c, dir, "en10mb.pcap", FT_DLT_EN10MB) < 0)
		return -1;

	p = pb(c);
	putmem(p, ft_mac_bc, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x0806);
	l3_arp(p, false);
	pemit(c, "eth,arp", "ARP request who-has 10.200.0.2 tell 10.200.0.1");
	p = pb(c);
	eth(p, false, 0x0806);
	l3_arp(p, true);
	pemit(c, "eth,arp", "ARP reply 10.200.0.2 is-at 02:00:00:00:00:02");

	/* A TCP connection with every option the decoder reads. */
	p = pb(c);
	eth(p, true, 0x0800);
	opt_syn(&o, 1460, 1111, 0);
	l3_tcp(c, false, true, 80, a, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN: MSS 1460, SACK permitted, timestamps, NOP, wscale 7");
	p = pb(c);
	eth(p, false, 0x0800);
	opt_syn(&o, 1400, 2222, 1111);
	l3_tcp(c, false, false, 80, b, a + 1, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN-ACK: MSS 1400, SACK permitted, timestamps, wscale 7");
	a++;
	b++;
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1112, 2222);
	l3_tcp(c, false, true, 80, a, b, FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK with timestamps");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1113, 2222);
	l3_tcp(c, false, true, 80, a, b, FT_TH_PSH | FT_TH_ACK, &o, req, sizeof(req) - 1);
	a += (uint32_t)(sizeof(req) - 1);
	pemit(c, "eth,ip,tcp", "TCP PSH data: HTTP request");
	p = pb(c);
	eth(p, false, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 2223, 1113);
	l3_tcp(c, false, false, 80, b, a, FT_TH_PSH | FT_TH_ACK, &o, rsp, sizeof(rsp) - 1);
	b += (uint32_t)(sizeof(rsp) - 1);
	pemit(c, "eth,ip,tcp", "TCP PSH data: HTTP response");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1114, 2223);
	opt_nop(&o);
	opt_nop(&o);
	edges[0] = b + 100;
	edges[1] = b + 200;
	edges[2] = b + 300;
	edges[3] = b + 400;
	opt_sack(&o, edges, 2);
	l3_tcp(c, false, true, 80, a, b, FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK with timestamps and two SACK blocks");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	{
		uint8_t unk[4] = {99, 4, 0xbe, 0xef};

		opt_bytes(&o, unk, 4);
	}
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1115, 2223);
	l3_tcp(c, false, true, 80, a, b, FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK with an unknown option (kind 99, length 4)");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1116, 2223);
	l3_tcp(c, false, true, 80, a, b, FT_TH_FIN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP FIN-ACK from the client");
	p = pb(c);
	eth(p, false, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 2224, 1116);
	l3_tcp(c, false, false, 80, b, a + 1, FT_TH_FIN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP FIN-ACK from the server");
	p = pb(c);
	eth(p, true, 0x0800);
	l3_tcp(c, false, true, 80, a + 1, b + 1, FT_TH_ACK, NULL, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP last ACK, no options (padded frame)");

	/* IPv4 with options: Router Alert, Record Route (one slot, full), EOL. */
	p = pb(c);
	eth(p, true, 0x0800);
	{
		static const uint8_t ipo[12] = {
			0x94, 0x04, 0, 0, 0x07, 0x07, 0x08, 10, 200, 0, 254, 0x00};

		ipoff = ip4_begin(p, ft_ip_a, ft_ip_b, 17, 64, c->ipid++, 0, ipo, sizeof(ipo));
	}
	l4off = udp_begin(p, 40004, 9);
	putmem(p, "ip options", 10);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit(c, "eth,ip,ipopt,udp", "IPv4 with options (Router Alert, Record Route, EOL), UDP");
	p = pb(c);
	eth(p, true, 0x0800);
	l3_udp(c, false, true, 40005, 9999, "plain udp payload", 17);
	pemit(c, "eth,ip,udp", "UDP over IPv4, no options");

	gen_ip4_frags(c, scratch);

	/* DNS over UDP. */
	for (int k = 0; k < 16; k++) {
		static const char *const d[] = {"DNS query A www.example.com",
			"DNS response: CNAME, 2 A; NS authority; A + AAAA additional",
			"DNS query AAAA", "DNS response AAAA", "DNS query PTR", "DNS response PTR",
			"DNS query MX", "DNS response: 2 MX, A additional", "DNS query TXT",
			"DNS response TXT (two strings)", "DNS query SOA",
			"DNS response SOA (authoritative)", "DNS query SRV",
			"DNS response SRV, A additional", "DNS query A nx.example.com",
			"DNS response NXDOMAIN, SOA authority"};

		p = pb(c);
		eth(p, k % 2 == 0, 0x0800);
		n = dns_build(buf, k);
		l3_udp(c, false, k % 2 == 0, (uint16_t)(50000 + k / 2), 53, buf, n);
		pemit(c, "eth,ip,udp,dns", d[k]);
	}

	/* DNS over TCP (RFC 7766): handshake, query, response, ACK. */
	a = 0xfffffff0u; /* the client's sequence numbers wrap */
	b = 777;
	p = pb(c);
	eth(p, true, 0x0800);
	opt_syn(&o, 1460, 3001, 0);
	l3_tcp(c, false, true, 53, a, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN to port 53 (ISN near 2^32)");
	p = pb(c);
	eth(p, false, 0x0800);
	opt_syn(&o, 1460, 4001, 3001);
	l3_tcp(c, false, false, 53, b, a + 1, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN-ACK from port 53");
	a++;
	b++;
	p = pb(c);
	eth(p, true, 0x0800);
	l3_tcp(c, false, true, 53, a, b, FT_TH_ACK, NULL, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK");
	for (int k = 6; k < 8; k++) {
		bool q = k == 6;

		n = dns_build(buf + 2, k);
		ftg_wr16(buf, (uint16_t)n);
		p = pb(c);
		eth(p, q, 0x0800);
		l3_tcp(c, false, q, 53, q ? a : b, q ? b : a, FT_TH_PSH | FT_TH_ACK, NULL, buf,
			n + 2);
		if (q)
			a += (uint32_t)(n + 2);
		else
			b += (uint32_t)(n + 2);
		pemit(c, "eth,ip,tcp,dns",
			q ? "DNS over TCP: query MX (client sequence wraps)"
			  : "DNS over TCP: response, 2 MX, A additional");
	}
	p = pb(c);
	eth(p, true, 0x0800);
	l3_tcp(c, false, true, 53, a, b, FT_TH_ACK, NULL, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK of the DNS response");

	/* ICMP echo, and a port unreachable quoting the whole UDP datagram. */
	p = pb(c);
	eth(p, true, 0x0800);
	l3_icmp(c, false, true, 8, 0, 0x0b0b0001u, "ping payload 0123456789", 23);
	pemit(c, "eth,ip,icmp", "ICMP echo request id 0x0b0b seq 1");
	p = pb(c);
	eth(p, false, 0x0800);
	l3_icmp(c, false, false, 0, 0, 0x0b0b0001u, "ping payload 0123456789", 23);
	pemit(c, "eth,ip,icmp", "ICMP echo reply id 0x0b0b seq 1");
	p = pb(c);
	eth(p, true, 0x0800);
	ipoff = p->len;
	l3_udp(c, false, true, 40006, 33434, "probe-123456", 12);
	n = p->len - ipoff;
	memcpy(buf, p->b + ipoff, n);
	pemit(c, "eth,ip,udp", "UDP to a closed port");
	p = pb(c);
	eth(p, false, 0x0800);
	l3_icmp(c, false, false, 3, 3, 0, buf, n);
	pemit(c, "eth,ip,icmp", "ICMP port unreachable quoting the IPv4/UDP datagram");

	/* ICMPv6: echo, neighbour discovery (RFC 4861), an error. */
	p = pb(c);
	eth(p, true, 0x86dd);
	l3_icmp(c, true, true, 128, 0, 0x0c0c0001u, "ping6 payload", 13);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 echo request");
	p = pb(c);
	eth(p, false, 0x86dd);
	l3_icmp(c, true, false, 129, 0, 0x0c0c0001u, "ping6 payload", 13);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 echo reply");
	p = pb(c);
	{
		static const uint8_t sn[16] = {
			0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2};
		static const uint8_t snmac[6] = {0x33, 0x33, 0xff, 0, 0, 2};

		putmem(p, snmac, 6);
		putmem(p, ft_mac_a, 6);
		put16(p, 0x86dd);
		ipoff = ip6_begin(p, ft_ip6_a, sn, 58, 255, 0);
	}
	l4off = p->len;
	put8(p, 135);
	put8(p, 0);
	put16(p, 0);
	put32(p, 0);
	putmem(p, ft_ip6_b, 16);
	put8(p, 1);
	put8(p, 1);
	putmem(p, ft_mac_a, 6);
	l4_csum(p, ipoff, l4off, 58, 2, false);
	ip_end(p, ipoff);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 neighbour solicitation for fd00:200::2");
	p = pb(c);
	eth(p, false, 0x86dd);
	ipoff = ip6_begin(p, ft_ip6_b, ft_ip6_a, 58, 255, 0);
	l4off = p->len;
	put8(p, 136);
	put8(p, 0);
	put16(p, 0);
	put32(p, 0x60000000u);
	putmem(p, ft_ip6_b, 16);
	put8(p, 2);
	put8(p, 1);
	putmem(p, ft_mac_b, 6);
	l4_csum(p, ipoff, l4off, 58, 2, false);
	ip_end(p, ipoff);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 neighbour advertisement (solicited, override)");
	p = pb(c);
	eth(p, true, 0x86dd);
	ipoff = p->len;
	l3_udp(c, true, true, 40007, 33435, "probe6", 6);
	n = p->len - ipoff;
	memcpy(buf, p->b + ipoff, n);
	pemit(c, "eth,ip6,udp", "UDP over IPv6 to a closed port");
	p = pb(c);
	eth(p, false, 0x86dd);
	l3_icmp(c, true, false, 1, 4, 0, buf, n);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 port unreachable quoting the IPv6/UDP packet");

	/* IPv6 extension headers (RFC 8200 4.3-4.6): hop-by-hop, routing, dest opts. */
	p = pb(c);
	eth(p, true, 0x86dd);
	ipoff = ip6_begin(p, ft_ip6_a, ft_ip6_b, 0, 64, 0xabcde);
	put8(p, 43); /* hop-by-hop: Router Alert + PadN(0) */
	put8(p, 0);
	put8(p, 5);
	put8(p, 2);
	put16(p, 0);
	put8(p, 1);
	put8(p, 0);
	put8(p, 60); /* routing type 0, no segments left, one address */
	put8(p, 2);
	put8(p, 0);
	put8(p, 0);
	put32(p, 0);
	putmem(p, ft_ip6_b, 16);
	put8(p, 17); /* destination options: PadN(4) */
	put8(p, 0);
	put8(p, 1);
	put8(p, 4);
	put32(p, 0);
	l4off = udp_begin(p, 40008, 9);
	putmem(p, "through extension headers", 25);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit(c, "eth,ip6,hbh,rthdr,dstopts,udp",
		"IPv6 hop-by-hop (Router Alert), routing (type 0, 0 left), destination options, "
		"UDP");
	gen_ip6_frags(c, scratch);
	p = pb(c);
	eth(p, true, 0x86dd);
	opt_syn(&o, 1440, 5001, 0);
	l3_tcp(c, true, true, 443, 123456, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,ip6,tcp", "TCP SYN over IPv6 with options");

	gen_igmp(c, 1);
	gen_igmp(c, 2);
	gen_igmp(c, 3);

	/* 802.1Q, 802.1ad + 802.1Q. */
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x8100);
	put16(p, (3u << 13) | 100);
	put16(p, 0x0800);
	n = dns_build(buf, 0);
	l3_udp(c, false, true, 50100, 53, buf, n);
	pemit(c, "eth,vlan,ip,udp,dns", "802.1Q (VLAN 100, PCP 3): DNS query over IPv4");
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x8100);
	put16(p, 101);
	put16(p, 0x86dd);
	opt_syn(&o, 1440, 6001, 0);
	l3_tcp(c, true, true, 8080, 99, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,vlan,ip6,tcp", "802.1Q (VLAN 101): TCP SYN over IPv6");
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x88a8);
	put16(p, (5u << 13) | 200);
	put16(p, 0x8100);
	put16(p, 300);
	put16(p, 0x0800);
	opt_syn(&o, 1460, 7001, 0);
	l3_tcp(c, false, true, 443, 4242, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,vlan,vlan,ip,tcp", "802.1ad S-tag 200 (PCP 5) + 802.1Q C-tag 300: TCP SYN");

	/* IEEE 802.3 length field, LLC/SNAP (RFC 1042) carrying IPv4. */
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0);
	putmem(p, ft_snap_ip, 8);
	l3_icmp(c, false, true, 8, 0, 0x0d0d0001u, "snap ping", 9);
	ftg_wr16(p->b + 12, (uint16_t)(p->len - 14));
	pemit(c, "eth,llc,snap,ip,icmp", "802.3 + LLC/SNAP: ICMP echo request over IPv4");

	/* GRE (RFC 2784) carrying IPv4/UDP. */
	p = pb(c);
	eth(p, true, 0x0800);
	ipoff = ip4_begin(p, ft_ip_a, ft_ip_b, 47, 64, c->ipid++, 0x4000, NULL, 0);
	put16(p, 0);
	put16(p, 0x0800);
	{
		static const uint8_t in_a[4] = {10, 201, 0, 1}, in_b[4] = {10, 201, 0, 2};

		inner = ip4_begin(p, in_a, in_b, 17, 63, 0x4444, 0, NULL, 0);
	}
	l4off = udp_begin(p, 40009, 9);
	putmem(p, "inside gre", 10);
	udp_end(p, inner, l4off);
	ip_end(p, inner);
	ip_end(p, ipoff);
	pemit(c, "eth,ip,gre,ip,udp", "GRE carrying IPv4/UDP (10.201.0.1 -> 10.201.0.2)");

	/* VXLAN (RFC 7348) carrying Ethernet/IPv4/TCP. */
	p = pb(c);
	eth(p, true, 0x0800);
	ipoff = ip4_begin(p, ft_ip_a, ft_ip_b, 17, 64, c->ipid++, 0x4000, NULL, 0);
	l4off = udp_begin(p, 49999, 4789);
	put32(p, 0x08000000u);
	put32(p, 4242u << 8);
	{
		static const uint8_t im_a[6] = {0x02, 0x42, 0, 0, 0, 1},
				     im_b[6] = {0x02, 0x42, 0, 0, 0, 2};
		static const uint8_t in_a[4] = {192, 168, 42, 1}, in_b[4] = {192, 168, 42, 2};
		size_t tcpoff;

		putmem(p, im_b, 6);
		putmem(p, im_a, 6);
		put16(p, 0x0800);
		inner = ip4_begin(p, in_a, in_b, 6, 64, 0x5555, 0x4000, NULL, 0);
		tcpoff = tcp_begin(p, 41000, 80, 31337, 4711, FT_TH_PSH | FT_TH_ACK, 502, NULL, 0);
		putmem(p, req, sizeof(req) - 1);
		tcp_end(p, inner, tcpoff);
		ip_end(p, inner);
	}
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit(c, "eth,ip,udp,vxlan,eth,ip,tcp", "VXLAN VNI 4242 carrying Ethernet/IPv4/TCP data");

	return pfile_close(c, dir, "en10mb.pcap");
}

/* LINUX_SLL (16 bytes) or LINUX_SLL2 (20 bytes) header. */
static void
sll_hdr(struct ft_pkt *p, bool v2, uint16_t pkttype, uint16_t hatype, const uint8_t *addr,
	uint16_t proto)
{
	uint8_t *a;

	if (v2) {
		put16(p, proto);
		put16(p, 0);
		put32(p, 2);
		put16(p, hatype);
		put8(p, (uint8_t)pkttype);
		put8(p, 6);
	} else {
		put16(p, pkttype);
		put16(p, hatype);
		put16(p, 6);
	}
	a = put(p, 8);
	if (addr)
		memcpy(a, addr, 6);
	else
		memset(a, 0, 6);
	a[6] = a[7] = 0;
	if (!v2)
		put16(p, proto);
}

static int
gen_sll(struct ft_pctx *c, const char *dir, bool v2)
{
	const char *name = v2 ? "sll2.pcap" : "sll.pcap";
	const char *pre = v2 ? "sll2" : "sll";
	char pre_vlan[16];
	struct ft_pkt *p;
	const char *l3;

	if (pfile_open(c, dir, name, v2 ? FT_DLT_SLL2 : FT_DLT_SLL) < 0)
		return -1;
	snprintf(pre_vlan, sizeof(pre_vlan), "%s,vlan", pre);
	p = pb(c);
	sll_hdr(p, v2, 4, 1, ft_mac_a, 0x0800);
	l3 = l3_build(c, FT_L3_V4_SYN);
	pemit2(c, pre, l3, "outgoing (4): TCP SYN over IPv4");
	p = pb(c);
	sll_hdr(p, v2, 0, 1, ft_mac_b, 0x0800);
	l3 = l3_build(c, FT_L3_V4_SYNACK);
	pemit2(c, pre, l3, "to us (0): TCP SYN-ACK over IPv4");
	p = pb(c);
	sll_hdr(p, v2, 4, 1, ft_mac_a, 0x0800);
	l3 = l3_build(c, FT_L3_V4_DNSQ);
	pemit2(c, pre, l3, "outgoing: DNS query");
	p = pb(c);
	sll_hdr(p, v2, 0, 1, ft_mac_b, 0x0800);
	l3 = l3_build(c, FT_L3_V4_DNSR);
	pemit2(c, pre, l3, "to us: DNS response");
	p = pb(c);
	sll_hdr(p, v2, 4, 1, ft_mac_a, 0x86dd);
	l3 = l3_build(c, FT_L3_V6_ICMP6);
	pemit2(c, pre, l3, "outgoing: ICMPv6 echo request");
	p = pb(c);
	sll_hdr(p, v2, 1, 1, ft_mac_b, 0x0806);
	l3_arp(p, false);
	pemit2(c, pre, "arp", "broadcast (1): ARP request");
	p = pb(c);
	sll_hdr(p, v2, 0, 1, ft_mac_b, 0x8100);
	put16(p, 100);
	put16(p, 0x0800);
	l3 = l3_build(c, FT_L3_V4_ICMP);
	pemit2(c, pre_vlan, l3, "to us: 802.1Q VLAN 100, ICMP echo request");
	p = pb(c);
	sll_hdr(p, v2, 0, 772, NULL, 0x86dd);
	l3 = l3_build(c, FT_L3_V6_SYN);
	pemit2(c, pre, l3, "loopback hatype (772): TCP SYN over IPv6");
	return pfile_close(c, dir, name);
}

/* DLT_NULL (host byte order) or DLT_LOOP (network byte order) AF values. */
static int
gen_null(struct ft_pctx *c, const char *dir, bool loop)
{
	static const struct {
		uint32_t af;
		enum ft_l3 l3;
		const char *desc;
	} fr[] = {
		{2, FT_L3_V4_SYN, "AF_INET (2): TCP SYN"},
		{2, FT_L3_V4_DNSQ, "AF_INET (2): DNS query"},
		{2, FT_L3_V4_ICMP, "AF_INET (2): ICMP echo request"},
		{24, FT_L3_V6_UDP, "AF_INET6 (24, NetBSD/OpenBSD): UDP"},
		{28, FT_L3_V6_ICMP6, "AF_INET6 (28, FreeBSD): ICMPv6 echo request"},
		{30, FT_L3_V6_SYN, "AF_INET6 (30, Darwin): TCP SYN"},
	};
	const char *name = loop ? "loop.pcap" : "null.pcap";
	struct ft_pkt *p;
	const char *l3;

	if (pfile_open(c, dir, name, loop ? FT_DLT_LOOP : FT_DLT_NULL) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		p = pb(c);
		if (loop)
			put32(p, fr[i].af);
		else
			memcpy(put(p, 4), &fr[i].af, 4);
		l3 = l3_build(c, fr[i].l3);
		pemit2(c, loop ? "loop" : "null", l3, fr[i].desc);
	}
	return pfile_close(c, dir, name);
}

static int
gen_raw(struct ft_pctx *c, const char *dir)
{
	static const enum ft_l3 fr[] = {FT_L3_V4_SYN, FT_L3_V4_SYNACK, FT_L3_V4_DNSQ, FT_L3_V4_DNSR,
		FT_L3_V4_ICMP, FT_L3_V6_SYN, FT_L3_V6_UDP, FT_L3_V6_ICMP6};
	static const char *const desc[] = {"raw IPv4: TCP SYN", "raw IPv4: TCP SYN-ACK",
		"raw IPv4: DNS query", "raw IPv4: DNS response", "raw IPv4: ICMP echo request",
		"raw IPv6: TCP SYN", "raw IPv6: UDP", "raw IPv6: ICMPv6 echo request"};

	if (pfile_open(c, dir, "raw.pcap", FT_DLT_RAW) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		const char *l3;

		pb(c);
		l3 = l3_build(c, fr[i]);
		pemit2(c, "", l3, desc[i]);
	}
	return pfile_close(c, dir, "raw.pcap");
}

/* ---- encapsulations on Ethernet: PPPoE, MPLS, Geneve, GTP-U, MPLS in UDP, IP in IP ---- */

static const uint8_t ft_out_a[4] = {10, 202, 0, 1};
static const uint8_t ft_out_b[4] = {10, 202, 0, 2};
static const uint8_t ft_out6_a[16] = {0xfd, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ft_out6_b[16] = {0xfd, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t ft_imac_a[6] = {0x02, 0x43, 0, 0, 0, 1};
static const uint8_t ft_imac_b[6] = {0x02, 0x43, 0, 0, 0, 2};

/* The inner Ethernet header of a tunnel, A to B. */
static void
inner_eth(struct ft_pkt *p, uint16_t type)
{
	putmem(p, ft_imac_b, 6);
	putmem(p, ft_imac_a, 6);
	put16(p, type);
}

static int
gen_encap(struct ft_pctx *c, const char *dir)
{
	static const struct {
		bool v6out;
		uint8_t nh;
		enum ft_l3 l3;
		const char *pre, *desc;
	} ipip[] = {
		{true, 4, FT_L3_V4_SYN, "eth,ip6", "IPv4 in IPv6: TCP SYN"},
		{true, 41, FT_L3_V6_SYN, "eth,ip6", "IPv6 in IPv6: TCP SYN"},
		{false, 4, FT_L3_V4_ICMP, "eth,ip", "IPv4 in IPv4: ICMP echo request"},
		{false, 41, FT_L3_V6_UDP, "eth,ip", "IPv6 in IPv4: UDP"},
	};
	struct ft_pkt *p;
	const char *l3;
	size_t h, ipoff, l4off;

	if (pfile_open(c, dir, "encap.pcap", FT_DLT_EN10MB) < 0)
		return -1;
	/* PPPoE session data (RFC 2516) carrying PPP (RFC 1661) IPv4 and IPv6 */
	for (int v6 = 0; v6 < 2; v6++) {
		p = pb(c);
		eth(p, v6 == 0, 0x8864);
		h = p->len;
		put16(p, 0x1100);
		put16(p, 0x0001);
		put16(p, 0);
		put16(p, v6 ? 0x0057 : 0x0021);
		l3 = l3_build(c, v6 ? FT_L3_V6_UDP : FT_L3_V4_SYN);
		ftg_wr16(p->b + h + 4, (uint16_t)(p->len - h - 6));
		pemit2(c, "eth,pppoe,ppp", l3,
			v6 ? "PPPoE session 1: PPP IPv6 UDP" : "PPPoE session 1: PPP IPv4 TCP SYN");
	}
	/* PPPoE discovery: a PADI with an empty Service-Name tag */
	p = pb(c);
	eth(p, true, 0x8863);
	put16(p, 0x1109);
	put16(p, 0);
	put16(p, 4);
	put16(p, 0x0101);
	put16(p, 0);
	pemit(c, "eth,pppoe", "PPPoE discovery: PADI");
	/* MPLS (RFC 3032): one label over IPv4, two over IPv6 */
	p = pb(c);
	eth(p, false, 0x8847);
	put32(p, 16u << 12 | 0x100 | 64);
	l3 = l3_build(c, FT_L3_V4_SYNACK);
	pemit2(c, "eth,mpls", l3, "MPLS label 16: IPv4 TCP SYN-ACK");
	p = pb(c);
	eth(p, true, 0x8847);
	put32(p, 17u << 12 | 5u << 9 | 64);
	put32(p, 18u << 12 | 0x100 | 63);
	l3 = l3_build(c, FT_L3_V6_ICMP6);
	pemit2(c, "eth,mpls", l3, "MPLS labels 17 (TC 5), 18: ICMPv6 echo request");
	/*
	 * An Ethernet pseudowire (RFC 4448) without control word, between MACs
	 * of known manufacturers (Intel, VMware): tshark tells a control word
	 * from a MAC that way, flowtap by the ethertype at offset 12. (tshark
	 * takes a control word 00 00 00 00 for part of a Xerox MAC.)
	 */
	p = pb(c);
	eth(p, true, 0x8847);
	put32(p, 19u << 12 | 0x100 | 255);
	putmem(p, "\x00\x1b\x21\x00\x00\x02\x00\x0c\x29\x00\x00\x01\x08\x00", 14);
	l3 = l3_build(c, FT_L3_V4_DNSQ);
	pemit2(c, "eth,mpls,eth", l3, "MPLS Ethernet pseudowire: DNS query");
	/* Geneve (RFC 8926): Ethernet with an 8-byte option; then IPv6 directly */
	for (int k = 0; k < 2; k++) {
		p = pb(c);
		eth(p, true, 0x0800);
		ipoff = ip4_begin(p, ft_out_a, ft_out_b, 17, 64, c->ipid++, 0x4000, NULL, 0);
		l4off = udp_begin(p, (uint16_t)(50000 + k), 6081);
		if (k == 0) {
			put32(p, 0x02406558); /* 2 option words, C, Ethernet */
			put32(p, 10u << 8);
			put32(p, 0x01020301); /* class 0x0102, type 3, 1 word */
			put32(p, 0xdeadbeef);
			inner_eth(p, 0x0800);
			l3 = l3_build(c, FT_L3_V4_SYN);
		} else {
			put32(p, 0x000086dd);
			put32(p, 11u << 8);
			l3 = l3_build(c, FT_L3_V6_SYN);
		}
		udp_end(p, ipoff, l4off);
		ip_end(p, ipoff);
		pemit2(c, k == 0 ? "eth,ip,udp,geneve,eth" : "eth,ip,udp,geneve", l3,
			k == 0 ? "Geneve VNI 10, an option, Ethernet: TCP SYN"
			       : "Geneve VNI 11, IPv6: TCP SYN");
	}
	/* GTP-U (3GPP TS 29.281) T-PDUs: plain; with a sequence number and an extension */
	for (int k = 0; k < 2; k++) {
		p = pb(c);
		eth(p, k == 0, 0x0800);
		ipoff = ip4_begin(p, k ? ft_out_b : ft_out_a, k ? ft_out_a : ft_out_b, 17, 64,
			c->ipid++, 0, NULL, 0);
		l4off = udp_begin(p, 2152, 2152);
		h = p->len;
		put16(p, k ? 0x36ff : 0x30ff);
		put16(p, 0);
		put32(p, k ? 0x2000u : 0x1000u);
		if (k) {
			put32(p, 0x00070085); /* sequence 7; next: PDU session container */
			put32(p, 0x01000900); /* 1 word: DL PDU session information, QFI 9 */
		}
		l3 = l3_build(c, k ? FT_L3_V6_UDP : FT_L3_V4_SYN);
		ftg_wr16(p->b + h + 2, (uint16_t)(p->len - h - 8));
		udp_end(p, ipoff, l4off);
		ip_end(p, ipoff);
		pemit2(c, "eth,ip,udp,gtp", l3,
			k ? "GTP-U TEID 0x2000, sequence, PDU session container: IPv6 UDP"
			  : "GTP-U TEID 0x1000: IPv4 TCP SYN");
	}
	/* MPLS in UDP (RFC 7510): a label over IPv4 ICMP, as tcpdump's mpls-over-udp.pcap */
	p = pb(c);
	eth(p, false, 0x0800);
	ipoff = ip4_begin(p, ft_out_a, ft_out_b, 17, 64, c->ipid++, 0, NULL, 0);
	l4off = udp_begin(p, 58699, 6635);
	put32(p, 21u << 12 | 0x100 | 63);
	l3 = l3_build(c, FT_L3_V4_ICMP);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit2(c, "eth,ip,udp,mpls", l3, "MPLS in UDP, label 21: ICMP echo request");
	/* IP in IP (RFC 2003, RFC 2473, RFC 4213) */
	for (size_t i = 0; i < sizeof(ipip) / sizeof(ipip[0]); i++) {
		p = pb(c);
		eth(p, true, ipip[i].v6out ? 0x86dd : 0x0800);
		ipoff = ipip[i].v6out ? ip6_begin(p, ft_out6_a, ft_out6_b, ipip[i].nh, 64, 0)
				      : ip4_begin(p, ft_out_a, ft_out_b, ipip[i].nh, 64, c->ipid++,
						0, NULL, 0);
		l3 = l3_build(c, ipip[i].l3);
		ip_end(p, ipoff);
		pemit2(c, ipip[i].pre, l3, ipip[i].desc);
	}
	return pfile_close(c, dir, "encap.pcap");
}

/* ---- PPP (DLT 9, 50), PPPoE without Ethernet (DLT 51), Cisco HDLC (DLT 104) ---- */

struct ft_l2fr {
	const char *hdr; /* link bytes before the L3 packet */
	size_t n;
	int l3;          /* enum ft_l3, or -1: the header is the whole frame */
	const char *pre; /* its layers */
	const char *desc;
};

/* One file of frames: each a link header (+ PPPoE length when pppoe) and an L3 packet. */
static int
gen_l2(struct ft_pctx *c, const char *dir, const char *name, int linktype, const struct ft_l2fr *fr,
	size_t n, bool pppoe)
{
	if (pfile_open(c, dir, name, linktype) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ft_pkt *p = pb(c);
		const char *l3;

		putmem(p, fr[i].hdr, fr[i].n);
		if (fr[i].l3 < 0) {
			pemit(c, fr[i].pre, fr[i].desc);
			continue;
		}
		l3 = l3_build(c, (enum ft_l3)fr[i].l3);
		if (pppoe)
			ftg_wr16(p->b + 4, (uint16_t)(p->len - 6));
		pemit2(c, fr[i].pre, l3, fr[i].desc);
	}
	return pfile_close(c, dir, name);
}

#define FT_L2(h) h, sizeof(h) - 1

static int
gen_ppp_links(struct ft_pctx *c, const char *dir)
{
	/* ff 03: HDLC-like framing (RFC 1662); 0021 IPv4, 0057 IPv6, 0281 MPLS, c021 LCP */
	static const struct ft_l2fr ppp[] = {
		{FT_L2("\xff\x03\x00\x21"), FT_L3_V4_SYN, "ppp", "PPP IPv4: TCP SYN"},
		{FT_L2("\xff\x03\x00\x57"), FT_L3_V6_SYN, "ppp", "PPP IPv6: TCP SYN"},
		{FT_L2("\x00\x21"), FT_L3_V4_DNSQ, "ppp", "PPP without address/control: DNS query"},
		{FT_L2("\xff\x03\x02\x81\x00\x01\x41\x40"), FT_L3_V4_ICMP, "ppp,mpls",
			"PPP MPLS label 20: ICMP echo request"},
		{FT_L2("\xff\x03\xc0\x21\x09\x01\x00\x08\x12\x34\x56\x78"), -1, "ppp",
			"PPP LCP echo request"},
	};
	static const struct ft_l2fr serial[] = {
		{FT_L2("\xff\x03\x00\x21"), FT_L3_V4_SYNACK, "ppp",
			"PPP in HDLC framing: TCP SYN-ACK"},
		{FT_L2("\xff\x03\x00\x57"), FT_L3_V6_UDP, "ppp", "PPP in HDLC framing: IPv6 UDP"},
		{FT_L2("\x0f\x00\x08\x00"), FT_L3_V4_DNSR, "chdlc",
			"Cisco HDLC on a PPP link: DNS"},
	};
	/* address 0f unicast, 8f broadcast; control 00; an ethertype (8035: SLARP) */
	static const struct ft_l2fr chdlc[] = {
		{FT_L2("\x0f\x00\x08\x00"), FT_L3_V4_SYN, "chdlc", "Cisco HDLC IPv4: TCP SYN"},
		{FT_L2("\x8f\x00\x86\xdd"), FT_L3_V6_ICMP6, "chdlc",
			"Cisco HDLC IPv6: ICMPv6 echo"},
		{FT_L2("\x0f\x00\x88\x47\x00\x01\x51\x40"), FT_L3_V4_SYNACK, "chdlc,mpls",
			"Cisco HDLC MPLS label 21: TCP SYN-ACK"},
		{FT_L2("\x8f\x00\x80\x35\x00\x00\x00\x02\x00\x00\x00\x05\x00\x00\x00"
		       "\x02\xff\xff"),
			-1, "chdlc", "Cisco HDLC SLARP keepalive"},
	};
	/* PPPoE session 0x0042 without an Ethernet header; the length is filled in */
	static const struct ft_l2fr pppoe[] = {
		{FT_L2("\x11\x00\x00\x42\x00\x00\x00\x21"), FT_L3_V4_SYN, "pppoe,ppp",
			"PPPoE session 0x42: IPv4 TCP SYN"},
		{FT_L2("\x11\x00\x00\x42\x00\x00\x00\x57"), FT_L3_V6_ICMP6, "pppoe,ppp",
			"PPPoE session 0x42: ICMPv6 echo request"},
	};

	if (gen_l2(c, dir, "ppp.pcap", FT_DLT_PPP, ppp, sizeof(ppp) / sizeof(ppp[0]), false) < 0 ||
		gen_l2(c, dir, "ppp_serial.pcap", FT_DLT_PPP_HDLC, serial,
			sizeof(serial) / sizeof(serial[0]), false) < 0 ||
		gen_l2(c, dir, "chdlc.pcap", FT_DLT_C_HDLC, chdlc, sizeof(chdlc) / sizeof(chdlc[0]),
			false) < 0 ||
		gen_l2(c, dir, "ppp_ether.pcap", FT_DLT_PPP_ETH, pppoe,
			sizeof(pppoe) / sizeof(pppoe[0]), true) < 0)
		return -1;
	return 0;
}

/* ---- IEEE 802.11 (DLT 105) and radiotap (DLT 127) ---- */

static const uint8_t ft_bssid[6] = {0x02, 0xaa, 0x00, 0x00, 0x00, 0x01};
static const uint8_t ft_sta[6] = {0x02, 0xbb, 0x00, 0x00, 0x00, 0x02};
static const uint8_t ft_gw[6] = {0x02, 0xcc, 0x00, 0x00, 0x00, 0x03};

#define FT_WLAN_FRAMES 8

static void
wlan_tag(struct ft_pkt *p, uint8_t id, const void *d, size_t n)
{
	put8(p, id);
	put8(p, (uint8_t)n);
	putmem(p, d, n);
}

/* 802.11 frame k (IEEE 802.11-2020 9.2-9.3); returns its layers and desc. */
static void
wlan_frame(struct ft_pctx *c, int k, const char **layers, const char **desc)
{
	static const uint8_t rates[8] = {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24};
	static const char ssid[] = "flowtap-lab";
	struct ft_pkt *p = &c->p;
	struct ft_opt o;
	uint8_t b;
	uint16_t seq = (uint16_t)((100 + k) << 4);

	switch (k) {
	case 0:
		put8(p, 0x80);
		put8(p, 0);
		putle16(p, 0);
		putmem(p, ft_mac_bc, 6);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_bssid, 6);
		putle16(p, seq);
		putle64(p, 0x0000000123456789ULL);
		putle16(p, 100);
		putle16(p, 0x0401);
		wlan_tag(p, 0, ssid, sizeof(ssid) - 1);
		wlan_tag(p, 1, rates, sizeof(rates));
		b = 6;
		wlan_tag(p, 3, &b, 1);
		{
			static const uint8_t tim[4] = {0, 1, 0, 0};

			wlan_tag(p, 5, tim, 4);
		}
		*layers = "wlan,wlan_mgt";
		*desc = "beacon: SSID, supported rates, DS parameter (channel 6), TIM";
		return;
	case 1:
		put8(p, 0x40);
		put8(p, 0);
		putle16(p, 0);
		putmem(p, ft_mac_bc, 6);
		putmem(p, ft_sta, 6);
		putmem(p, ft_mac_bc, 6);
		putle16(p, seq);
		wlan_tag(p, 0, ssid, sizeof(ssid) - 1);
		wlan_tag(p, 1, rates, sizeof(rates));
		*layers = "wlan,wlan_mgt";
		*desc = "probe request for SSID flowtap-lab";
		return;
	case 2:
		put8(p, 0xb4);
		put8(p, 0);
		putle16(p, 300);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_sta, 6);
		*layers = "wlan,wlan_ctl";
		*desc = "RTS (control)";
		return;
	case 3:
		put8(p, 0xd4);
		put8(p, 0);
		putle16(p, 0);
		putmem(p, ft_sta, 6);
		*layers = "wlan,wlan_ctl";
		*desc = "ACK (control)";
		return;
	case 4: /* data, to DS: addr1 BSSID, addr2 SA, addr3 DA */
		put8(p, 0x08);
		put8(p, 0x01);
		putle16(p, 44);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_sta, 6);
		putmem(p, ft_gw, 6);
		putle16(p, seq);
		putmem(p, ft_snap_ip, 8);
		opt_syn(&o, 1460, 8001, 0);
		l3_tcp(c, false, true, 443, 10000, 0, FT_TH_SYN, &o, NULL, 0);
		*layers = "wlan,llc,snap,ip,tcp";
		*desc = "data (to DS), LLC/SNAP, IPv4 TCP SYN";
		return;
	case 5: /* QoS data, from DS: addr1 DA, addr2 BSSID, addr3 SA */
		put8(p, 0x88);
		put8(p, 0x02);
		putle16(p, 44);
		putmem(p, ft_sta, 6);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_gw, 6);
		putle16(p, seq);
		putle16(p, 0x0005);
		putmem(p, ft_snap_ip, 8);
		opt_syn(&o, 1460, 9001, 8001);
		l3_tcp(c, false, false, 443, 20000, 10001, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
		*layers = "wlan,llc,snap,ip,tcp";
		*desc = "QoS data (from DS, TID 5), LLC/SNAP, IPv4 TCP SYN-ACK";
		return;
	case 6: /* 4-address (WDS): RA, TA, DA, seq, SA */
		put8(p, 0x08);
		put8(p, 0x03);
		putle16(p, 44);
		putmem(p, ft_gw, 6);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_mac_b, 6);
		putle16(p, seq);
		putmem(p, ft_mac_a, 6);
		putmem(p, ft_snap_ip, 8);
		l3_tcp(c, false, true, 443, 10001, 20001, FT_TH_PSH | FT_TH_ACK, NULL, "wds data",
			8);
		*layers = "wlan,llc,snap,ip,tcp";
		*desc = "4-address data (to and from DS), LLC/SNAP, IPv4 TCP data";
		return;
	default:
		put8(p, 0x08);
		put8(p, 0x01);
		putle16(p, 44);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_sta, 6);
		putmem(p, ft_mac_bc, 6);
		putle16(p, seq);
		putmem(p, ft_snap_arp, 8);
		l3_arp(p, false);
		*layers = "wlan,llc,snap,arp";
		*desc = "data (to DS), LLC/SNAP, ARP request";
		return;
	}
}

/*
 * Radiotap header (radiotap.org): TSFT, Flags, Rate, Channel, dBm antenna
 * signal; with ext, a second present word in the radiotap namespace (bit 29,
 * bit 31 = more words) carrying a second antenna signal and the antenna index.
 */
static void
radiotap_hdr(struct ft_pkt *p, bool ext, bool fcs, uint8_t rate, uint64_t tsft, int8_t sig)
{
	size_t start = p->len;
	uint32_t w0 = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5);

	put8(p, 0);
	put8(p, 0);
	putle16(p, 0);
	if (ext)
		w0 |= (1u << 29) | (1u << 31);
	putle32(p, w0);
	if (ext)
		putle32(p, (1u << 5) | (1u << 11));
	while ((p->len - start) % 8)
		put8(p, 0);
	putle64(p, tsft);
	put8(p, (uint8_t)(0x02 | (fcs ? 0x10 : 0)));
	put8(p, rate);
	putle16(p, 2437);
	putle16(p, rate <= 22 ? 0x00a0 : 0x00c0);
	put8(p, (uint8_t)sig);
	if (ext) {
		put8(p, (uint8_t)(sig - 3));
		put8(p, 1);
	}
	p->b[start + 2] = (uint8_t)(p->len - start);
	p->b[start + 3] = (uint8_t)((p->len - start) >> 8);
}

static int
gen_wifi(struct ft_pctx *c, const char *dir, bool radiotap)
{
	const char *name = radiotap ? "radiotap.pcap" : "wifi.pcap";
	int nframes = radiotap ? FT_WLAN_FRAMES + 1 : FT_WLAN_FRAMES;

	if (pfile_open(c, dir, name, radiotap ? FT_DLT_RADIOTAP : FT_DLT_WIFI) < 0)
		return -1;
	for (int i = 0; i < nframes; i++) {
		struct ft_pkt *p = pb(c);
		const char *layers, *desc;
		char l[128], d[160];
		bool fcs = i == FT_WLAN_FRAMES;
		int k = fcs ? 5 : i;
		size_t w;

		if (radiotap)
			radiotap_hdr(p, i % 2 == 0, fcs, i < 2 ? 2 : 108,
				0x1000000ULL + 1000ULL * (uint64_t)i, (int8_t)(-40 - i));
		w = p->len;
		wlan_frame(c, k, &layers, &desc);
		if (fcs)
			putle32(p, crc32_ieee(p->b + w, p->len - w));
		snprintf(l, sizeof(l), "%s%s", radiotap ? "radiotap," : "", layers);
		snprintf(d, sizeof(d), "%s%s%s", desc,
			radiotap && i % 2 == 0 ? "; radiotap extended present bitmap" : "",
			fcs ? "; FCS flag + 4-byte FCS" : "");
		pemit(c, l, d);
	}
	return pfile_close(c, dir, name);
}

static int
run_protocols(const struct ft_opts *o)
{
	struct ft_pctx c;
	char path[4096];
	uint8_t *scratch = malloc(FT_FRAME_MAX);
	uint8_t *frame = malloc(FT_REC_HDR + FT_FRAME_MAX);
	int rc = 0;

	memset(&c, 0, sizeof(c));
	if (!scratch || !frame) {
		fprintf(stderr, "ftgen: out of memory\n");
		free(scratch);
		free(frame);
		return 1;
	}
	if (mkdir(o->outdir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "ftgen: %s: %s\n", o->outdir, strerror(errno));
		free(scratch);
		free(frame);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", o->outdir);
	c.mf = fopen(path, "w");
	if (!c.mf) {
		fprintf(stderr, "ftgen: %s: %s\n", path, strerror(errno));
		free(scratch);
		free(frame);
		return 1;
	}
	c.frame = frame + FT_REC_HDR;
	c.rng.s = mix64(o->seed ^ 0x70726f746fULL);
	c.nsec = o->nsec;
	c.snaplen = o->snaplen;
	c.ipid = 0x1000;
	c.first_file = true;
	fprintf(c.mf,
		"{\"generator\":\"ftgen\",\"profile\":\"protocols\",\"seed\":%" PRIu64
		",\"precision\":\"%s\",\"files\":[",
		o->seed, o->nsec ? "nsec" : "usec");
	if (gen_en10mb(&c, o->outdir, scratch) < 0 || gen_sll(&c, o->outdir, false) < 0 ||
		gen_sll(&c, o->outdir, true) < 0 || gen_null(&c, o->outdir, false) < 0 ||
		gen_null(&c, o->outdir, true) < 0 || gen_raw(&c, o->outdir) < 0 ||
		gen_wifi(&c, o->outdir, true) < 0 || gen_wifi(&c, o->outdir, false) < 0 ||
		gen_encap(&c, o->outdir) < 0 || gen_ppp_links(&c, o->outdir) < 0)
		rc = 1;
	fprintf(c.mf, "\n]}\n");
	if (fclose(c.mf) != 0) {
		fprintf(stderr, "ftgen: %s: %s\n", path, strerror(errno));
		rc = 1;
	}
	free(scratch);
	free(frame);
	return rc;
}

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
