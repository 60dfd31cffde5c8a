/*
 * shard.h - which worker a frame goes to (private).
 *
 * ft__flow_hash() is symmetric: a frame and its reply hash alike, so both
 * directions of a connection land on the same worker. The key is:
 *  - TCP/UDP/SCTP: the ordered (address, port) pair, the protocol, VLAN ids;
 *  - other IP, and IP fragments: the ordered address pair, VLAN ids (a
 *    fragment carries no ports, so all fragments of a datagram, first or not,
 *    go where the address pair goes; the datagram defrag/ reassembles from
 *    them is hashed as a whole packet, so it reaches its flow's worker);
 *  - tunnels (GRE, VXLAN): the innermost flow, so a tunnelled connection is
 *    tracked in one place whatever the outer ports;
 *  - non-IP frames: the ordered MAC pair.
 * Ethernet, SLL, NULL/LOOP and RAW are parsed on a fast path here; other link
 * types and tunnels go through ft_decode().
 */
#ifndef FT_SHARD_H
#define FT_SHARD_H

#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "flowtap/decode.h"

uint32_t ft__flow_hash(int dlt, const uint8_t *pkt, uint32_t caplen);

/*
 * Offset of the frame's first IP header on the link types of the fast path
 * (Ethernet with up to FT_MAX_VLAN tags, SLL, NULL/LOOP, RAW), or -1. The
 * capture thread looks there for IP fragments (defrag/).
 */
static inline uint16_t
ft__rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline int
ft__ip_offset(int dlt, const uint8_t *pkt, uint32_t caplen)
{
	uint32_t off;
	uint16_t type;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -1;
		type = ft__rd16(pkt + 12);
		off = 14;
		for (unsigned nv = 0;
			nv < FT_MAX_VLAN && (type == 0x8100 || type == 0x88a8 || type == 0x9100);
			nv++) {
			if (caplen < off + 4)
				return -1;
			type = ft__rd16(pkt + off + 2);
			off += 4;
		}
		return type == 0x0800 || type == 0x86dd ? (int)off : -1;
	case DLT_LINUX_SLL:
		return caplen >= 16 && (ft__rd16(pkt + 14) == 0x0800 ||
					       ft__rd16(pkt + 14) == 0x86dd)
			       ? 16
			       : -1;
	case DLT_NULL:
	case DLT_LOOP:
		return caplen >= 4 ? 4 : -1;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return 0;
	default:
		return -1;
	}
}

/* splitmix64's finaliser: every input bit affects every output bit. */
static inline uint64_t
ft__mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Hash a key of n 64-bit words (callers size their keys to a multiple of 8 bytes) (n*8 bytes at k,
 * any alignment) from a seed. */
static inline uint64_t
ft__hash_words(const void *k, unsigned n, uint64_t seed)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t w, h = seed;

	for (unsigned i = 0; i < n; i++) {
		memcpy(&w, p + 8 * i, 8);
		h = ft__mix64(h ^ w);
	}
	return h;
}

/* Map a 32-bit hash onto [0, n) without a division (Lemire's reduction). */
static inline unsigned int
ft__shard_of(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif
