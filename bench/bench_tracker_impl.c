/*
 * bench_tracker_impl.c - C side of bench_tracker.cc: one worker's TCP tracker
 * (tracker/tracker.h, C11) fed pre-decoded packets.
 *
 * A context holds a tracker with N sessions open: btr_create() runs every
 * handshake (SYN, SYN-ACK, ACK; IPv4, distinct client address/port per
 * session, one server) and then measures the resident memory it took. The
 * timed part, btr_run(), hands the tracker data segments (client -> server,
 * ACK set, 100 payload bytes, in sequence) in one of two orders:
 *  - round-robin over the sessions (session i, i+1, ...): the LRU list order
 *    matches the access order, so its neighbours are warm;
 *  - a fixed pseudo-random order (a full-period LCG over the sessions): each
 *    packet touches a cold session and cold LRU neighbours, as on a busy link.
 * The packets are built by patching a handful of fields of one ft_decoded (a
 * real frame decoded once by ft_decode), which costs a few stores; that is
 * the "pre-decoded packet". A quiescent state is announced every 32 packets,
 * as the worker does once per dequeued batch.
 *
 * The calling thread must be a registered QSBR reader (btr_thread_init()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu/urcu-qsbr.h>

#include "flowtap/decode.h"
#include "flowtap/flow.h"
#include "flowtap/packet.h"
#include "decode/flowkey.h"
#include "tracker/tracker.h"

#define PAYLOAD 100u
#define BATCH   32u
#ifndef PF_FLOW
#define PF_FLOW 3u /* as workers/worker.c */
#endif
#define T0 (UINT64_C(1767225600) * UINT64_C(1000000000))

#include "bench/bench_tracker_impl.h"

struct btr_ctx {
	struct ft_tracker *t;
	uint32_t n;
	int random_order;
	uint32_t cursor;  /* next session (round-robin) or LCG state */
	uint32_t lcg_mod; /* power of two >= n (random order) */
	uint32_t *sent;   /* per session: data segments sent so far */
	uint64_t now_ns;
	uint64_t events, bytes; /* what the callback saw */
	double bytes_per_flow;
	struct ft_decoded dec; /* the template packet, patched per packet */
	struct ft_packet pkt;
	/* A batch, processed as a worker does: keys made first (as the capture
	 * thread does), index slots prefetched for the whole batch, sessions
	 * PF_FLOW packets ahead (ft__tracker_prefetch_slot/_prefetch). */
	struct ft_decoded decs[BATCH];
	struct ft_packet pkts[BATCH];
	struct ft_flow_key keys[BATCH];
	uint32_t hash[BATCH];
	int pipelined;
	uint8_t frame[64 + PAYLOAD];
};

static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	struct btr_ctx *c = user;

	/* A minimal consumer: counts, as the CLI does before formatting. */
	c->events++;
	c->bytes += ev->len;
	return 0;
}

static uint64_t
rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A real Ethernet/IPv4/TCP frame with PAYLOAD bytes, decoded once. */
static int
build_template(struct btr_ctx *c)
{
	uint8_t *f = c->frame;

	memset(f, 0, sizeof(c->frame));
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, (uint16_t)(20 + 20 + PAYLOAD));
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	put16(f + 34, 40000);
	put16(f + 36, 80);
	f[46] = 5 << 4;
	f[47] = 0x18; /* PSH ACK */
	put16(f + 48, 65535);
	for (unsigned i = 0; i < PAYLOAD; i++)
		f[54 + i] = (uint8_t)i;
	if (ft_decode(1 /* DLT_EN10MB */, f, 54 + PAYLOAD, 54 + PAYLOAD, &c->dec) != FT_DEC_OK ||
		!(c->dec.layers & FT_LAYER_TCP))
		return -1;
	c->pkt.caplen = c->pkt.len = 54 + PAYLOAD;
	c->pkt.dlt = 1;
	c->pkt.ts_digits = 9;
	c->pkt.data = f;
	c->pkt.dec = &c->dec;
	return 0;
}

static uint32_t
isn_c(uint32_t i)
{
	return i * 2654435761u;
}
static uint32_t
isn_s(uint32_t i)
{
	return ~(i * 2246822519u);
}

/* Patch the template into one packet of session i. from_client: 1 = client -> server. */
static void
make_pkt_into(struct btr_ctx *c, struct ft_decoded *d, struct ft_packet *pkt, uint32_t i,
	int from_client, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t plen)
{
	/* Client 10.(16 + i>>22).(i>>14).(i>>6):(1024 + i%64 * 1000 ...): unique per i. */
	uint8_t cli[4] = {10, (uint8_t)(16 + (i >> 22)), (uint8_t)(i >> 14), (uint8_t)(i >> 6)};
	uint16_t cport = (uint16_t)(1024 + (i & 63) * 997);
	static const uint8_t srv[4] = {10, 1, 0, 1};

	memcpy(from_client ? d->ip.src : d->ip.dst, cli, 4);
	memcpy(from_client ? d->ip.dst : d->ip.src, srv, 4);
	d->tcp.sport = from_client ? cport : 80;
	d->tcp.dport = from_client ? 80 : cport;
	d->tcp.flags = flags;
	d->tcp.seq = seq;
	d->tcp.ack = ack;
	d->tcp.len = plen;
	d->l4_payload_len = plen;
	d->ip.len = 40 + plen;
	c->now_ns += 1000;
	pkt->ts_ns = c->now_ns;
	pkt->n = ++c->pkt.n;
}

static void
make_pkt(struct btr_ctx *c, uint32_t i, int from_client, uint16_t flags, uint32_t seq, uint32_t ack,
	uint32_t plen)
{
	make_pkt_into(c, &c->dec, &c->pkt, i, from_client, flags, seq, ack, plen);
}

void
btr_thread_init(void)
{
	urcu_qsbr_register_thread();
}

void
btr_thread_fini(void)
{
	urcu_qsbr_unregister_thread();
}

/* Let liburcu's resize thread finish growing the hash table (it needs grace
 * periods, which need this thread offline or quiescent). */
static void
settle(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	urcu_qsbr_thread_offline();
	for (int i = 0; i < 10; i++)
		nanosleep(&ts, NULL);
	urcu_qsbr_thread_online();
}

struct btr_ctx *
btr_create(uint32_t n_flows, int random_order)
{
	struct ft_tracker_config cfg;
	struct btr_ctx *c = calloc(1, sizeof(*c));
	char err[256];
	uint64_t rss0;

	if (c == NULL || build_template(c) != 0) {
		free(c);
		return NULL;
	}
	for (uint32_t k = 0; k < BATCH; k++) {
		c->decs[k] = c->dec;
		c->pkts[k] = c->pkt;
		c->pkts[k].dec = &c->decs[k];
	}
	c->n = n_flows;
	c->random_order = random_order;
	c->now_ns = T0;
	c->sent = calloc(n_flows, sizeof(*c->sent));
	for (c->lcg_mod = 1; c->lcg_mod < n_flows; c->lcg_mod <<= 1)
		;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_flows = n_flows;        /* the table is exactly full: no eviction happens */
	cfg.ooo_flow_bytes = 256 << 10; /* the pipeline's defaults */
	cfg.ooo_bytes = 64ull << 20;
	cfg.reassemble = 1;
	cfg.timeout_syn_ns = 30ull * 1000000000u;
	cfg.timeout_idle_ns = 300ull * 1000000000u;
	cfg.timeout_closed_ns = 30ull * 1000000000u;
	cfg.on_flow = on_flow;
	cfg.user = c;
	rss0 = rss_bytes();
	c->t = ft__tracker_new(&cfg, err, sizeof(err));
	if (c->t == NULL || c->sent == NULL) {
		fprintf(stderr, "bench_tracker: %s\n", c->t == NULL ? err : "out of memory");
		btr_destroy(c);
		return NULL;
	}
	for (uint32_t i = 0; i < n_flows; i++) {
		make_pkt(c, i, 1, FT_TCP_SYN, isn_c(i), 0, 0);
		ft__tracker_packet(c->t, &c->pkt);
		make_pkt(c, i, 0, FT_TCP_SYN | FT_TCP_ACK, isn_s(i), isn_c(i) + 1, 0);
		ft__tracker_packet(c->t, &c->pkt);
		make_pkt(c, i, 1, FT_TCP_ACK, isn_c(i) + 1, isn_s(i) + 1, 0);
		ft__tracker_packet(c->t, &c->pkt);
		if ((i & 31) == 31)
			urcu_qsbr_quiescent_state();
	}
	settle();
	c->bytes_per_flow = (double)(rss_bytes() - rss0) / n_flows;
	return c;
}

void
btr_destroy(struct btr_ctx *c)
{
	if (c == NULL)
		return;
	if (c->t != NULL)
		ft__tracker_free(c->t); /* goes offline itself while it waits */
	free(c->sent);
	free(c);
}

static uint32_t
next_flow(struct btr_ctx *c)
{
	uint32_t i;

	if (!c->random_order) {
		i = c->cursor;
		c->cursor = i + 1 == c->n ? 0 : i + 1;
		return i;
	}
	/* Full-period LCG mod 2^k (Hull-Dobell: c odd, a = 1 mod 4); skip values >= n. */
	do {
		c->cursor = (c->cursor * 1664525u + 1013904223u) & (c->lcg_mod - 1);
	} while (c->cursor >= c->n);
	return c->cursor;
}

/* batches x BATCH data segments; returns the events seen so far (a checksum). */
uint64_t
btr_run(struct btr_ctx *c, uint32_t batches)
{
	for (uint32_t b = 0; b < batches; b++) {
		for (uint32_t k = 0; k < BATCH; k++) {
			uint32_t i = next_flow(c);
			uint32_t seq = isn_c(i) + 1 + c->sent[i]++ * PAYLOAD;

			make_pkt_into(c, &c->decs[k], &c->pkts[k], i, 1, FT_TCP_ACK | FT_TCP_PSH,
				seq, isn_s(i) + 1, PAYLOAD);
			if (!c->pipelined) {
				ft__tracker_packet(c->t, &c->pkts[k]);
				continue;
			}
			(void)ft__flow_key_of_decoded(&c->decs[k], NULL, &c->keys[k]);
			c->hash[k] = ft__flow_key_hash(&c->keys[k]);
			ft__tracker_prefetch_slot(c->t, c->hash[k]);
		}
		if (c->pipelined) {
			for (uint32_t k = 0; k < PF_FLOW && k < BATCH; k++)
				ft__tracker_prefetch(c->t, c->hash[k]);
			for (uint32_t k = 0; k < BATCH; k++) {
				if (k + PF_FLOW < BATCH)
					ft__tracker_prefetch(c->t, c->hash[k + PF_FLOW]);
				ft__tracker_packet_key(c->t, &c->pkts[k], &c->keys[k], c->hash[k]);
			}
		}
		urcu_qsbr_quiescent_state();
	}
	return c->events;
}

void
btr_set_pipelined(struct btr_ctx *c, int on)
{
	c->pipelined = on;
}

double
btr_bytes_per_flow(const struct btr_ctx *c)
{
	return c->bytes_per_flow;
}

uint64_t
btr_active(const struct btr_ctx *c)
{
	struct ft_tracker_counters k;

	ft__tracker_counters(c->t, &k);
	return k.active;
}

uint64_t
btr_events(const struct btr_ctx *c)
{
	return c->events;
}
