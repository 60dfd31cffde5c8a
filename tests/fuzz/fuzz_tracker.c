/*
 * tests/fuzz/fuzz_tracker.c - libFuzzer target for the flow tracker (tracker/).
 *
 * One input = a sequence of TCP segments among four connections, as 9-byte
 * records:
 *   0     TCP flags (FIN SYN RST PSH ACK URG: the low 6 bits; bit 6: the
 *         segment carries MSS and window-scale options)
 *   1     bit 0: direction; bits 1-2: connection; bits 3-7: time step
 *         (step * 20 ms; 31 means 40 s, so every timeout happens too)
 *   2-3   sequence number: the direction's base + this (little endian, signed)
 *   4-5   acknowledgment: the other direction's base + this (signed)
 *   6-7   payload bytes (the low 11 bits)
 *   8     receive window (<< 4)
 * Each segment is built as IPv4 and TCP in a heap buffer of exactly its length
 * (ASan sees a read one past it), decoded and handed to one small tracker: 4
 * sessions (eviction), 2 KiB held per session and 32 KiB in all (the buffer
 * caps and the ranges remembered when they force a hole), a 100 ms reorder
 * window. Every flow record is checked for a counter that went below zero
 * and for more data delivered than counted; at the end every session is
 * flushed and the tracker must hold none.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-qsbr.h>

#include "flowtap/decode.h"
#include "tracker/tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS  1000000ull
#define REC 9

/* What DATA events delivered, per session (a slot holds the last started). */
static struct {
	uint64_t id, n[2];
} delivered[64];

static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	const struct ft_flow *f = ev->flow;
	unsigned slot = (unsigned)(f->id >> 8) % 64; /* (the low 8 bits: the worker) */
	uint64_t *dv = delivered[slot].n;

	(void)user;
	if (ev->type == FT_FLOW_START) {
		delivered[slot].id = f->id;
		dv[0] = dv[1] = 0;
	}
	if (delivered[slot].id != f->id)
		return 0; /* never started, or its slot taken since */
	if (ev->type == FT_FLOW_DATA)
		dv[ev->dir] += ev->len;
	if (ev->type != FT_FLOW_END || f->proto != 6)
		return 0;
	for (int d = 0; d < 2; d++) {
		const struct ft_flow_dir *fd = &f->dir[d];

		/* An input holds at most size / 9 segments of 2047 bytes. */
		if (fd->bytes > (1ull << 32) || fd->missed > (1ull << 32) || fd->cut > fd->bytes)
			abort();
		if (dv[d] > fd->bytes)
			abort();
	}
	return 0;
}

static size_t
build(uint8_t *p, const uint8_t *r, const uint32_t base[4][2])
{
	unsigned dir = r[1] & 1u, conn = (r[1] >> 1) & 3u;
	uint32_t seq = base[conn][dir] + (uint32_t)(int16_t)(r[2] | r[3] << 8);
	uint32_t ack = base[conn][!dir] + (uint32_t)(int16_t)(r[4] | r[5] << 8);
	uint32_t plen = (uint32_t)(r[6] | r[7] << 8) & 0x7ffu;
	size_t opt = (r[0] & 0x40) ? 8 : 0, tcp = 20, len = 20 + 20 + opt + plen;
	uint8_t a = (uint8_t)(dir ? 2 : 1), b = (uint8_t)(dir ? 1 : 2);

	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 6;
	p[12] = 10; /* 10.0.0.1 <-> 10.0.0.2 */
	p[15] = a;
	p[16] = 10;
	p[19] = b;
	p[tcp + 0] = 0x9c; /* ports 0x9c00 + conn <-> 0x9c50 */
	p[tcp + 1] = (uint8_t)(dir ? 0x50 : conn);
	p[tcp + 2] = 0x9c;
	p[tcp + 3] = (uint8_t)(dir ? conn : 0x50);
	for (int i = 0; i < 4; i++) {
		p[tcp + 4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		p[tcp + 8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	p[tcp + 12] = (uint8_t)(((20 + opt) / 4) << 4);
	p[tcp + 13] = r[0] & 0x3f;
	p[tcp + 14] = (uint8_t)(r[8] >> 4);
	p[tcp + 15] = (uint8_t)(r[8] << 4);
	if (opt) {
		static const uint8_t o[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};

		memcpy(p + tcp + 20, o, sizeof(o));
	}
	for (uint32_t i = 0; i < plen; i++)
		p[tcp + 20 + opt + i] = (uint8_t)(seq + i);
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;
	struct ft_tracker_config cfg = {
		.max_flows = 4,
		.ooo_flow_bytes = 2048,
		.ooo_bytes = 32768, /* 16 nodes: 2 may remember given-up holes */
		.reassemble = 1,
		.timeout_syn_ns = 1000 * MS,
		.timeout_idle_ns = 5000 * MS,
		.timeout_closed_ns = 1000 * MS,
		.timeout_udp_ns = 1000 * MS,
		.timeout_icmp_ns = 1000 * MS,
		.timeout_other_ns = 1000 * MS,
		.reorder_window_ns = 100 * MS,
		.on_flow = on_flow,
	};
	const uint32_t base[4][2] = {
		{1000, 5000}, {0xfffffc00u, 0x7ffffff0u}, {0, 0x80000000u}, {123456789, 987654321}};
	struct ft_tracker_counters c;
	struct ft_tracker *t;
	struct ft_decoded dec;
	char err[256];
	uint64_t ts = 1700000000ull * 1000 * MS, n = 0;

	if (!registered) {
		urcu_qsbr_register_thread();
		registered = 1;
	}
	memset(delivered, 0, sizeof(delivered)); /* ids start again with the tracker */
	t = ft__tracker_new(&cfg, err, sizeof(err));
	if (t == NULL)
		abort();
	for (size_t off = 0; off + REC <= size; off += REC) {
		const uint8_t *r = data + off;
		unsigned step = r[1] >> 3;
		uint8_t *p = malloc(20 + 20 + 8 + 0x7ff);
		struct ft_packet pkt;
		size_t len;

		if (p == NULL)
			abort();
		ts += step == 31 ? 40000 * MS : step * 20 * MS;
		len = build(p, r, base);
		p = realloc(p, len); /* exactly its length */
		if (p == NULL)
			abort();
		memset(&pkt, 0, sizeof(pkt));
		pkt.n = ++n;
		pkt.ts_ns = ts;
		pkt.caplen = pkt.len = (uint32_t)len;
		pkt.dlt = FT_DLT_RAW;
		pkt.data = p;
		pkt.dec = &dec;
		if (ft_decode(FT_DLT_RAW, p, (uint32_t)len, (uint32_t)len, &dec) == FT_DEC_OK)
			ft__tracker_packet(t, &pkt);
		if ((n & 15) == 0)
			ft__tracker_tick(t, ts);
		free(p);
		urcu_qsbr_quiescent_state();
	}
	ft__tracker_flush(t, FT_CLOSE_EOF, ts);
	ft__tracker_counters(t, &c);
	if (c.active != 0)
		abort();
	urcu_qsbr_thread_offline();
	ft__tracker_free(t);
	urcu_qsbr_thread_online();
	return 0;
}
