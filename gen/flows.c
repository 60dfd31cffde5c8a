/*
 * gen/flows.c - ftgen's flows profile: TCP sessions interleaved as on a busy
 * link, with UDP/DNS and ICMP/ARP frames between them, and their ground truth
 * (the DESIGN and TRUTH JSON parts of gen/ftgen.c's header).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

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

int
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
