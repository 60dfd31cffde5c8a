/*
 * gen/: the project's test-data generator (ftgen.c) and its frame builder,
 * used by the tests and the benchmarks; nothing in the library uses it.
 *
 * gen/frame.h - the one frame builder of the test-data generator, shared by
 * ftgen (gen/ftgen.c) and the test helpers (tests/test_tracker.c,
 * tests/ft_testpcap.h, tests/ft_encap.h). Header-only, C11, libc only.
 *
 * Every function writes one header at a caller-given position of a caller's
 * buffer (big-endian fields, as on the wire); the caller owns the buffer and
 * guarantees the room (the sizes are fixed: FTG_ETH, FTG_VLAN, FTG_IP4,
 * FTG_IP6, FTG_TCP, FTG_UDP). Any thread; nothing blocks or allocates.
 * Checksums follow RFC 1071 and are summed in memory order, so they are
 * byte-order independent: ftg_csum_store() writes the folded sum with memcpy.
 */
#ifndef FT_GEN_FRAME_H
#define FT_GEN_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FTG_ETH  14u
#define FTG_VLAN 4u
#define FTG_IP4  20u
#define FTG_IP6  40u
#define FTG_TCP  20u
#define FTG_UDP  8u

static inline void
ftg_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
ftg_wr32(uint8_t *p, uint32_t v)
{
	ftg_wr16(p, (uint16_t)(v >> 16));
	ftg_wr16(p + 2, (uint16_t)v);
}

/* RFC 1071 partial sum of d[0..n) in memory order, added to sum. */
static inline uint64_t
ftg_csum_partial(const uint8_t *d, size_t n, uint64_t sum)
{
	uint32_t w;
	uint16_t h;
	uint8_t last[2];

	while (n >= 4) {
		memcpy(&w, d, 4);
		sum += w;
		d += 4;
		n -= 4;
	}
	if (n >= 2) {
		memcpy(&h, d, 2);
		sum += h;
		d += 2;
		n -= 2;
	}
	if (n) {
		last[0] = d[0];
		last[1] = 0;
		memcpy(&h, last, 2);
		sum += h;
	}
	return sum;
}

/* The folded, complemented sum, in memory order: store it with memcpy. */
static inline uint16_t
ftg_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Zeroes the checksum field at `at`, then stores the checksum of d[0..n). */
static inline void
ftg_csum_store(uint8_t *at, const uint8_t *d, size_t n)
{
	uint16_t c;

	memset(at, 0, 2);
	c = ftg_csum_fold(ftg_csum_partial(d, n, 0));
	memcpy(at, &c, 2);
}

/*
 * Ethernet II with n_vlan 802.1Q tags (TPID 0x8100) before `ethertype`.
 * Returns the bytes written: FTG_ETH + n_vlan * FTG_VLAN.
 */
static inline size_t
ftg_eth(uint8_t *h, const uint8_t dst[6], const uint8_t src[6], const uint16_t *vlan,
	unsigned n_vlan, uint16_t ethertype)
{
	size_t o = 12;

	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	for (unsigned v = 0; v < n_vlan; v++) {
		ftg_wr16(h + o, 0x8100);
		ftg_wr16(h + o + 2, vlan[v]);
		o += FTG_VLAN;
	}
	ftg_wr16(h + o, ethertype);
	return o + 2;
}

/*
 * IPv4 header of hlen bytes (20 + options the caller writes after it) with
 * total length `total`; the header checksum is left zero when total is 0
 * (the caller fixes both later with ftg_ip4_fix()). Returns FTG_IP4.
 */
static inline size_t
ftg_ip4(uint8_t *h, const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint8_t ttl,
	uint16_t id, uint16_t frag, size_t hlen, size_t total)
{
	h[0] = (uint8_t)(0x40 | (hlen / 4));
	h[1] = 0;
	ftg_wr16(h + 2, (uint16_t)total);
	ftg_wr16(h + 4, id);
	ftg_wr16(h + 6, frag);
	h[8] = ttl;
	h[9] = proto;
	ftg_wr16(h + 10, 0);
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	if (total != 0 && hlen == FTG_IP4)
		ftg_csum_store(h + 10, h, FTG_IP4);
	return FTG_IP4;
}

/* Sets the total length and the header checksum of the IPv4 header h. */
static inline void
ftg_ip4_fix(uint8_t *h, size_t total)
{
	ftg_wr16(h + 2, (uint16_t)total);
	ftg_csum_store(h + 10, h, (size_t)(h[0] & 15) * 4);
}

/* IPv6 header, payload length plen, flow label flow. Returns FTG_IP6. */
static inline size_t
ftg_ip6(uint8_t *h, const uint8_t src[16], const uint8_t dst[16], uint8_t nh, uint8_t hlim,
	uint32_t flow, size_t plen)
{
	ftg_wr32(h, 0x60000000u | (flow & 0xfffff));
	ftg_wr16(h + 4, (uint16_t)plen);
	h[6] = nh;
	h[7] = hlim;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	return FTG_IP6;
}

/*
 * TCP header with data offset hlen bytes (20 + options the caller writes
 * after it); flags' bit 8 is NS. Checksum and urgent pointer zero. Returns
 * FTG_TCP.
 */
static inline size_t
ftg_tcp(uint8_t *h, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint16_t flags,
	uint16_t win, size_t hlen)
{
	ftg_wr16(h, sport);
	ftg_wr16(h + 2, dport);
	ftg_wr32(h + 4, seq);
	ftg_wr32(h + 8, ack);
	h[12] = (uint8_t)(((hlen / 4) << 4) | ((flags >> 8) & 1));
	h[13] = (uint8_t)flags;
	ftg_wr16(h + 14, win);
	ftg_wr32(h + 16, 0);
	return FTG_TCP;
}

/* UDP header of length len (header + payload; 0: fixed later). Returns FTG_UDP. */
static inline size_t
ftg_udp(uint8_t *h, uint16_t sport, uint16_t dport, size_t len)
{
	ftg_wr16(h, sport);
	ftg_wr16(h + 2, dport);
	ftg_wr16(h + 4, (uint16_t)len);
	ftg_wr16(h + 6, 0);
	return FTG_UDP;
}

#endif
