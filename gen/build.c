/*
 * gen/: ftgen, the project's test-data generator (the files: gen/gen.h).
 *
 * build.c - ftgen's frame builder: CRC-32, FNV-1a, IP and L4 headers, TCP options.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* ---- CRC-32, FNV-1a (RFC 1071 checksums: gen/frame.h) -------------------- */

static uint32_t ft_crc_tab[256];

void
crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		ft_crc_tab[i] = c;
	}
}

uint32_t
crc32_ieee(const uint8_t *d, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++)
		c = ft_crc_tab[(c ^ d[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

uint64_t
fnv1a(uint64_t h, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= d[i];
		h *= FT_FNV_PRIME;
	}
	return h;
}

/* ---- IP and L4 headers --------------------------------------------------- */

size_t
ip4_begin(struct ft_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t proto, uint8_t ttl,
	uint16_t id, uint16_t frag, const uint8_t *opt, size_t optlen)
{
	size_t off = p->len;

	ftg_ip4(put(p, FTG_IP4), src, dst, proto, ttl, id, frag, FTG_IP4 + optlen, 0);
	putmem(p, opt, optlen);
	return off;
}

size_t
ip6_begin(struct ft_pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hlim,
	uint32_t flow)
{
	size_t off = p->len;

	ftg_ip6(put(p, FTG_IP6), src, dst, nh, hlim, flow, 0);
	return off;
}

/* Sets the length fields (and the IPv4 header checksum) of the IP header at off. */
void
ip_end(struct ft_pkt *p, size_t off)
{
	uint8_t *h = p->b + off;

	if ((h[0] >> 4) == 6)
		ftg_wr16(h + 4, (uint16_t)(p->len - off - 40));
	else
		ftg_ip4_fix(h, p->len - off);
}

size_t
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
void
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

size_t
tcp_begin(struct ft_pkt *p, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint16_t flags, uint16_t win, const uint8_t *opt, size_t optlen)
{
	size_t off = p->len;

	ftg_tcp(put(p, FTG_TCP), sport, dport, seq, ack, flags, win, FTG_TCP + optlen);
	putmem(p, opt, optlen);
	return off;
}

void
tcp_end(struct ft_pkt *p, size_t ipoff, size_t l4off)
{
	l4_csum(p, ipoff, l4off, 6, 16, false);
}

size_t
udp_begin(struct ft_pkt *p, uint16_t sport, uint16_t dport)
{
	size_t off = p->len;

	ftg_udp(put(p, FTG_UDP), sport, dport, 0);
	return off;
}

void
udp_end(struct ft_pkt *p, size_t ipoff, size_t l4off)
{
	ftg_wr16(p->b + l4off + 4, (uint16_t)(p->len - l4off));
	l4_csum(p, ipoff, l4off, 17, 6, true);
}

/* ---- TCP options (RFC 9293 3.1, RFC 7323, RFC 2018) ---- */

void
opt_bytes(struct ft_opt *o, const uint8_t *d, size_t n)
{
	memcpy(o->b + o->n, d, n);
	o->n += n;
}

void
opt_nop(struct ft_opt *o)
{
	o->b[o->n++] = 1;
}

void
opt_mss(struct ft_opt *o, uint16_t mss)
{
	uint8_t d[4] = {2, 4, (uint8_t)(mss >> 8), (uint8_t)mss};

	opt_bytes(o, d, 4);
}

void
opt_sackok(struct ft_opt *o)
{
	uint8_t d[2] = {4, 2};

	opt_bytes(o, d, 2);
}

void
opt_ws(struct ft_opt *o, uint8_t shift)
{
	uint8_t d[3] = {3, 3, shift};

	opt_bytes(o, d, 3);
}

void
opt_ts(struct ft_opt *o, uint32_t val, uint32_t ecr)
{
	uint8_t d[10] = {8, 10};

	ftg_wr32(d + 2, val);
	ftg_wr32(d + 6, ecr);
	opt_bytes(o, d, 10);
}

void
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
void
opt_syn(struct ft_opt *o, uint16_t mss, uint32_t tsval, uint32_t tsecr)
{
	o->n = 0;
	opt_mss(o, mss);
	opt_sackok(o);
	opt_ts(o, tsval, tsecr);
	opt_nop(o);
	opt_ws(o, 7);
}
