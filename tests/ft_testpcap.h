/*
 * tests/ft_testpcap.h - build small captures inside a test: Ethernet/VLAN/
 * IPv4/IPv6/TCP/UDP frames written to a classic pcap file. Header-only.
 * (The full generator with ground truth is gen/ftgen.c; these tests need
 * exact control of a few frames, and no external program.)
 */
#ifndef FT_TESTS_PCAP_H
#define FT_TESTS_PCAP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/frame.h"

struct tp_writer {
	FILE *f;
	uint64_t ts_us;
	unsigned frames;
};

static inline int
tp_open(struct tp_writer *w, const char *path, uint32_t linktype)
{
	uint32_t hdr[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 262144, linktype};

	w->f = fopen(path, "wb");
	w->ts_us = 1767225600ull * 1000000ull; /* 2026-01-01 */
	w->frames = 0;
	return w->f != NULL && fwrite(hdr, sizeof(hdr), 1, w->f) == 1 ? 0 : -1;
}

static inline void
tp_frame(struct tp_writer *w, const uint8_t *data, uint32_t caplen, uint32_t len)
{
	uint32_t rec[4];

	w->ts_us += 10;
	rec[0] = (uint32_t)(w->ts_us / 1000000u);
	rec[1] = (uint32_t)(w->ts_us % 1000000u);
	rec[2] = caplen;
	rec[3] = len;
	fwrite(rec, sizeof(rec), 1, w->f);
	fwrite(data, 1, caplen, w->f);
	w->frames++;
}

static inline int
tp_close(struct tp_writer *w)
{
	return fclose(w->f);
}

/* A flow endpoint pair; v6 uses 16-byte addresses, v4 the first 4. */
struct tp_flow {
	int v6;
	uint8_t proto; /* 6 or 17 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint16_t vlan; /* 0: untagged */
};

/*
 * Ethernet (+VLAN) / IPv4|IPv6 / TCP|UDP with payload_len bytes of payload.
 * reverse swaps the direction. Returns the frame length (<= cap).
 */
static inline uint32_t
tp_build(uint8_t *buf, size_t cap, const struct tp_flow *fl, int reverse, uint32_t seq,
	uint8_t tcp_flags, uint32_t payload_len)
{
	const uint8_t *s = reverse ? fl->dst : fl->src, *d = reverse ? fl->src : fl->dst;
	uint16_t sp = reverse ? fl->dport : fl->sport, dp = reverse ? fl->sport : fl->dport;
	uint32_t off = 0, l4len = (fl->proto == 6 ? 20u : 8u) + payload_len;
	uint8_t *l4;

	if (cap < 14 + 4 + 40 + l4len)
		return 0;
	memset(buf, 0, 14 + 4 + 40 + l4len);
	/* MACs follow the direction so the non-IP hash would be symmetric too. */
	off = (uint32_t)ftg_eth(buf,
		(const uint8_t *)(reverse ? "\x02\0\0\0\0\x01" : "\x02\0\0\0\0\x02"),
		(const uint8_t *)(reverse ? "\x02\0\0\0\0\x02" : "\x02\0\0\0\0\x01"), &fl->vlan,
		fl->vlan ? 1u : 0u, fl->v6 ? 0x86dd : 0x0800);
	if (fl->v6)
		off += (uint32_t)ftg_ip6(buf + off, s, d, fl->proto, 64, 0, l4len);
	else
		off += (uint32_t)ftg_ip4(buf + off, s, d, fl->proto, 64, 0, 0, FTG_IP4, 0);
	l4 = buf + off;
	if (!fl->v6)
		ftg_wr16(l4 - FTG_IP4 + 2,
			(uint16_t)(FTG_IP4 + l4len)); /* no header checksum, as before */
	if (fl->proto == 6)
		off += (uint32_t)ftg_tcp(l4, sp, dp, seq, 0, tcp_flags, 65535, FTG_TCP);
	else
		off += (uint32_t)ftg_udp(l4, sp, dp, l4len);
	for (uint32_t i = 0; i < payload_len; i++)
		buf[off + i] = (uint8_t)(seq + i);
	return off + payload_len;
}

/* A deterministic pseudo-random flow number i. */
static inline void
tp_flow_n(struct tp_flow *fl, unsigned i)
{
	memset(fl, 0, sizeof(*fl));
	fl->v6 = (i % 5) == 4;
	fl->proto = (i % 7) == 6 ? 17 : 6;
	fl->vlan = (i % 11) == 10 ? (uint16_t)(100 + i % 50) : 0;
	if (fl->v6) {
		memcpy(fl->src, "\xfd\x00\x02\x00\0\0\0\0\0\0\0\0\0\0", 14);
		memcpy(fl->dst, fl->src, 14);
		fl->src[14] = (uint8_t)(i >> 8);
		fl->src[15] = (uint8_t)i;
		fl->dst[15] = 1;
	} else {
		uint8_t a[4] = {10, 200, (uint8_t)(i >> 8), (uint8_t)i};
		uint8_t b[4] = {10, 200, 0, 1};

		memcpy(fl->src, a, 4);
		memcpy(fl->dst, b, 4);
	}
	fl->sport = (uint16_t)(20000 + i % 40000);
	fl->dport = (i % 3) ? 80 : 443;
}

#endif
