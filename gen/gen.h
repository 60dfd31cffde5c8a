/*
 * gen/gen.h - what the files of gen/ (ftgen, the test-data generator) share:
 * the options, the PRNG, the frame builder (bytes, IP and L4 headers, TCP
 * options), CRC-32 and FNV-1a, and the pcap writer with the tap merge. Private
 * to gen/; the tests share gen/frame.h only. What ftgen writes, and why, is
 * described at the top of gen/ftgen.c.
 *
 * The files:
 *  - ftgen.c:     the command line; the output formats (truth, manifest);
 *  - build.c:     CRC-32, FNV-1a, IP/TCP/UDP headers and checksums, TCP options;
 *  - writer.c:    the pcap writer and the tap merge (--tap-offset);
 *  - flows.c:     the flows profile (interleaved TCP sessions, DNS, ICMP, ARP);
 *  - protocols.c: the protocols profile (one capture per link type), with
 *                 links.c: its tunnels, PPP/HDLC links and IEEE 802.11.
 */
#ifndef FTGEN_GEN_H
#define FTGEN_GEN_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static inline uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t
rng_next(struct ft_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

static inline uint32_t
rng_below(struct ft_rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static inline double
rng_unit(struct ft_rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline bool
rng_chance(struct ft_rng *r, double p)
{
	return p > 0 && rng_unit(r) < p;
}

/* ---- byte helpers and the frame builder ---------------------------------- */

struct ft_pkt {
	uint8_t *b;
	size_t len;
};

static inline uint8_t *
put(struct ft_pkt *p, size_t n)
{
	uint8_t *q = p->b + p->len;

	if (p->len + n > FT_FRAME_MAX)
		abort();
	p->len += n;
	return q;
}

static inline void
put8(struct ft_pkt *p, uint8_t v)
{
	*put(p, 1) = v;
}

static inline void
put16(struct ft_pkt *p, uint16_t v)
{
	ftg_wr16(put(p, 2), v);
}

static inline void
put32(struct ft_pkt *p, uint32_t v)
{
	ftg_wr32(put(p, 4), v);
}

static inline void
putle16(struct ft_pkt *p, uint16_t v)
{
	uint8_t *q = put(p, 2);

	q[0] = (uint8_t)v;
	q[1] = (uint8_t)(v >> 8);
}

static inline void
putle32(struct ft_pkt *p, uint32_t v)
{
	uint8_t *q = put(p, 4);

	for (int i = 0; i < 4; i++)
		q[i] = (uint8_t)(v >> (8 * i));
}

static inline void
putle64(struct ft_pkt *p, uint64_t v)
{
	uint8_t *q = put(p, 8);

	for (int i = 0; i < 8; i++)
		q[i] = (uint8_t)(v >> (8 * i));
}

static inline void
putmem(struct ft_pkt *p, const void *d, size_t n)
{
	if (n)
		memcpy(put(p, n), d, n);
}

static inline void
putzero(struct ft_pkt *p, size_t n)
{
	if (n)
		memset(put(p, n), 0, n);
}

/* ---- build.c: CRC-32, FNV-1a, IP and L4 headers, TCP options ---- */

void crc32_init(void);
uint32_t crc32_ieee(const uint8_t *d, size_t n);
uint64_t fnv1a(uint64_t h, const uint8_t *d, size_t n);
size_t ip4_begin(struct ft_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	uint8_t ttl, uint16_t id, uint16_t frag, const uint8_t *opt, size_t optlen);
size_t ip6_begin(struct ft_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim,
	uint32_t flow);
/* Sets the length fields (and the IPv4 header checksum) of the IP header at off. */
void ip_end(struct ft_pkt *p, size_t off);
size_t ip_begin(struct ft_pkt *p, bool v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
	uint8_t ttl, uint16_t id, uint32_t flow);
void l4_csum(struct ft_pkt *p, size_t ipoff, size_t l4off, uint8_t proto, size_t csoff, bool udp);
size_t tcp_begin(struct ft_pkt *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint16_t flags, uint16_t win, const uint8_t *opt, size_t optlen);
void tcp_end(struct ft_pkt *p, size_t ipoff, size_t l4off);
size_t udp_begin(struct ft_pkt *p, uint16_t sport, uint16_t dport);
void udp_end(struct ft_pkt *p, size_t ipoff, size_t l4off);

/* TCP options (RFC 9293 3.1, RFC 7323, RFC 2018). */
struct ft_opt {
	uint8_t b[40];
	size_t n;
};

void opt_bytes(struct ft_opt *o, const uint8_t *d, size_t n);
void opt_nop(struct ft_opt *o);
void opt_mss(struct ft_opt *o, uint16_t mss);
void opt_sackok(struct ft_opt *o);
void opt_ws(struct ft_opt *o, uint8_t shift);
void opt_ts(struct ft_opt *o, uint32_t val, uint32_t ecr);
void opt_sack(struct ft_opt *o, const uint32_t *edges, int nblocks);
/* The options of a Linux SYN: MSS, SACK permitted, timestamps, NOP, wscale. */
void opt_syn(struct ft_opt *o, uint16_t mss, uint32_t tsval, uint32_t tsecr);

/* ---- writer.c: the pcap writer ---- */

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

int pcap_open(
	struct ft_writer *w, const char *path, uint32_t linktype, uint32_t snaplen, bool nsec);
int pcap_close(struct ft_writer *w, const char *path);
/* Writes the frame stamped t; frame must have FT_REC_HDR bytes of headroom. */
void pcap_write(struct ft_writer *w, uint64_t t, uint8_t *frame, size_t len);
/* The stamp of a frame of the given direction sent at w->now. */
uint64_t pcap_stamp(const struct ft_writer *w, bool srv);
/* Writes the frame at w->now (its direction's stamp), through the tap merge. */
void pcap_frame(struct ft_writer *w, uint8_t *frame, size_t len);
void ts_text(char *buf, size_t n, uint64_t ns, bool nsec);
const char *link_name(int linktype);

/* ---- the profiles (flows.c, protocols.c): exit status 0 or 1 ---- */

int run_flows(const struct ft_opts *o);
int run_protocols(const struct ft_opts *o);

#endif
