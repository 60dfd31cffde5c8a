/*
 * flowkey.c - the flow key of a decoded packet, and of a captured frame.
 *
 * ft__flow_key_of_frame() runs once per frame on the capture thread, the
 * pipeline's single serial stage, so the common shapes are read straight
 * from the frame with as few reads as possible (bounds-checked like the
 * decoder). Whatever the fast path cannot be sure to read as ft_decode()
 * does goes through ft_decode() and ft__flow_key_of_decoded(): the two
 * agree on every trackable frame and cut of the test corpus (tests/test_corpus.c)
 * and on every synthetic shape and tunnel (tests/test_shard.c).
 */
#include <string.h>

#include <pcap/dlt.h>

#include "decode/flowkey.h"

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * memcmp() of two addresses. gcc does not inline an ordering memcmp, and the
 * libc call was ~7% of the capture thread; IPv4 and IPv6 addresses compare as
 * big-endian integers instead (same order as memcmp).
 */
static inline int
addr_cmp(const uint8_t *s, const uint8_t *d, unsigned alen)
{
	uint64_t x, y;
	uint32_t a, b;

	if (alen == 4) {
		memcpy(&a, s, 4);
		memcpy(&b, d, 4);
		a = __builtin_bswap32(a);
		b = __builtin_bswap32(b);
		return (a > b) - (a < b);
	}
	if (alen == 16) {
		memcpy(&x, s, 8);
		memcpy(&y, d, 8);
		if (x == y) {
			memcpy(&x, s + 8, 8);
			memcpy(&y, d + 8, 8);
		}
		x = __builtin_bswap64(x);
		y = __builtin_bswap64(y);
		return (x > y) - (x < y);
	}
	return memcmp(s, d, alen);
}

/* Order the endpoints: lower (address, port) first. Inlined so alen is a constant. */
static inline __attribute__((always_inline)) void
order(struct ft_flow_key *k, const uint8_t *s, const uint8_t *d, unsigned alen, uint16_t sp,
	uint16_t dp)
{
	int c = addr_cmp(s, d, alen);

	if (c < 0 || (c == 0 && sp <= dp)) {
		memcpy(k->a, s, alen);
		memcpy(k->b, d, alen);
		k->pa = sp;
		k->pb = dp;
	} else {
		memcpy(k->a, d, alen);
		memcpy(k->b, s, alen);
		k->pa = dp;
		k->pb = sp;
	}
}

void
ft__flow_ports(const struct ft_decoded *d, const uint8_t *end, uint16_t *sp, uint16_t *dp)
{
	*sp = *dp = 0;
	if (d->layers & FT_LAYER_TCP) {
		*sp = d->tcp.sport;
		*dp = d->tcp.dport;
	} else if (d->layers & FT_LAYER_UDP) {
		*sp = d->udp.sport;
		*dp = d->udp.dport;
	} else if (d->ip.proto == FT_IPPROTO_SCTP && !d->ip.frag && d->l3 != NULL) {
		const uint8_t *l4 = d->l3 + d->ip.hlen + d->ip.ext_len;

		if (end != NULL && l4 >= d->l3 && l4 + 4 <= end) {
			*sp = rd16(l4);
			*dp = rd16(l4 + 2);
		}
	}
}

int
ft__flow_key_of_decoded(const struct ft_decoded *d, const uint8_t *end, struct ft_flow_key *k)
{
	uint16_t sp = 0, dp = 0;

	if (!ft__flow_trackable(d))
		return -1;
	memset(k, 0, sizeof(*k));
	k->v = d->ip.v;
	k->proto = d->ip.proto;
	for (unsigned i = 0; i < d->n_vlan && i < 2; i++)
		k->vlan[i] = d->vlan[i].id;
	if (d->ip.frag) {
		/* One flow per address pair and protocol for all fragments of a
		 * datagram not reassembled, the first one (with ports) included. */
	} else if (d->layers & (FT_LAYER_ICMP | FT_LAYER_ICMP6)) {
		int peer = ft__icmp_peer_type(d->ip.v, d->icmp.type);
		int c = memcmp(d->ip.src, d->ip.dst, 16);

		/* Not ordered like ports: a request and its answer give equal keys. */
		k->pa = peer < 0 ? (uint16_t)(d->icmp.type | d->icmp.code << 8 | 0x8000u)
				 : (uint16_t)(peer < d->icmp.type ? peer : d->icmp.type);
		k->pb = d->icmp.echo ? d->icmp.id : 0;
		memcpy(k->a, c <= 0 ? d->ip.src : d->ip.dst, 16);
		memcpy(k->b, c <= 0 ? d->ip.dst : d->ip.src, 16);
		return 0;
	} else {
		ft__flow_ports(d, end, &sp, &dp);
	}
	order(k, d->ip.src, d->ip.dst, 16, sp, dp);
	return 0;
}

/* Slow path: the full decoder says what the (innermost) flow is. */
static void
key_decoded(int dlt, const uint8_t *pkt, uint32_t caplen, struct ft_flow_key *k)
{
	struct ft_decoded d;

	ft_decode(dlt, pkt, caplen, caplen, &d);
	if (ft__flow_key_of_decoded(&d, pkt != NULL ? pkt + caplen : NULL, k) == 0)
		return;
	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < d.n_vlan && i < 2; i++)
		k->vlan[i] = d.vlan[i].id;
	if (d.layers & (FT_LAYER_IP4 | FT_LAYER_IP6)) {
		/* Not trackable (a header that did not decode): the address pair. */
		k->v = d.ip.v;
		k->proto = d.ip.proto;
		order(k, d.ip.src, d.ip.dst, 16, 0, 0);
	} else if (d.layers & FT_LAYER_ETH) {
		order(k, d.eth.src, d.eth.dst, 6, 0, 0);
	}
}

static int
has_ports(uint8_t proto)
{
	return proto == FT_IPPROTO_TCP || proto == FT_IPPROTO_UDP || proto == FT_IPPROTO_SCTP;
}

/* IPv4 protocols whose key ft_decode() takes from further in (tunnels) or
 * makes of more than the addresses (ICMP's types). */
static int
v4_slow_proto(uint8_t proto)
{
	return proto == FT_IPPROTO_ICMP || proto == FT_IPPROTO_ICMPV6 || proto == FT_IPPROTO_GRE ||
	       proto == FT_IPPROTO_IPIP || proto == FT_IPPROTO_IPV6;
}

/*
 * Fast path for an IP packet at p (len bytes): fills k (its VLANs already
 * set) and returns 0, or returns -1 to ask for the slow path (tunnels,
 * fragments, ICMP, extension headers, anything short).
 */
static inline int
key_ip(const uint8_t *p, uint32_t len, struct ft_flow_key *k)
{
	uint32_t hl;
	uint8_t proto;
	const uint8_t *l4;

	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		if (len < 20)
			return -1;
		hl = (uint32_t)(p[0] & 0x0f) * 4;
		proto = p[9];
		if (hl < 20 || (rd16(p + 6) & 0x3fff) != 0 || v4_slow_proto(proto))
			return -1; /* (MF or an offset: a fragment) */
		k->v = 4;
		k->proto = proto;
		if (!has_ports(proto)) {
			order(k, p + 12, p + 16, 4, 0, 0);
			return 0;
		}
		if (len < hl + 4)
			return -1;
		l4 = p + hl;
		if (proto == FT_IPPROTO_UDP && ft__udp_tunnel_ports(rd16(l4), rd16(l4 + 2)))
			return -1; /* hash the inner flow */
		order(k, p + 12, p + 16, 4, rd16(l4), rd16(l4 + 2));
		return 0;
	}
	if ((p[0] >> 4) == 6) {
		if (len < 44)
			return -1;
		proto = p[6];
		if (!has_ports(proto))
			return -1; /* extension headers, fragments, ICMPv6: the decoder knows */
		l4 = p + 40;
		if (proto == FT_IPPROTO_UDP && ft__udp_tunnel_ports(rd16(l4), rd16(l4 + 2)))
			return -1;
		k->v = 6;
		k->proto = proto;
		order(k, p + 8, p + 24, 16, rd16(l4), rd16(l4 + 2));
		return 0;
	}
	return -1;
}

uint32_t
ft__flow_key_of_frame(
	int dlt, const uint8_t *pkt, uint32_t caplen, struct ft_flow_key *k, uint32_t *ip_off)
{
	uint32_t off = 0;
	uint16_t type;
	unsigned nv = 0;

	memset(k, 0, sizeof(*k));
	*ip_off = FT_NO_IP;
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			goto slow;
		type = rd16(pkt + 12);
		off = 14;
		while ((type == FT_ETHERTYPE_VLAN || type == FT_ETHERTYPE_QINQ ||
			       type == FT_ETHERTYPE_QINQ_OLD) &&
			caplen >= off + 4) {
			if (nv < 2)
				k->vlan[nv] = rd16(pkt + off) & 0x0fff;
			nv++;
			type = rd16(pkt + off + 2);
			off += 4;
		}
		if ((type == FT_ETHERTYPE_IP4 || type == FT_ETHERTYPE_IP6) && nv <= FT_MAX_VLAN) {
			*ip_off = off;
			if (key_ip(pkt + off, caplen - off, k) == 0)
				goto done;
		}
		if (type == FT_ETHERTYPE_IP4 || type == FT_ETHERTYPE_IP6 || type < 0x0600 ||
			nv > 2 || type == FT_ETHERTYPE_MPLS || type == FT_ETHERTYPE_MPLS_MC ||
			type == FT_ETHERTYPE_PPPOE_S || type == FT_ETHERTYPE_ARISTA)
			goto slow; /* odd IP, 802.3/LLC, MPLS, PPPoE, Arista's timestamp */
		memset(k, 0, sizeof(*k));
		for (unsigned i = 0; i < nv && i < 2; i++)
			k->vlan[i] = rd16(pkt + 14 + 4 * i) & 0x0fff;
		order(k, pkt + 6, pkt, 6, 0, 0);
		goto done;
	case DLT_LINUX_SLL:
		off = 16;
		if (caplen >= off &&
			(rd16(pkt + 14) == FT_ETHERTYPE_IP4 || rd16(pkt + 14) == FT_ETHERTYPE_IP6))
			break;
		goto slow;
	case DLT_NULL:
	case DLT_LOOP:
		off = 4;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		off = 0;
		break;
	default:
		goto slow;
	}
	if (caplen <= off) /* (nothing after the link header: and pkt may be NULL) */
		goto slow;
	*ip_off = off;
	if (key_ip(pkt + off, caplen - off, k) == 0)
		goto done;
slow:
	key_decoded(dlt, pkt, caplen, k);
done:
	return ft__flow_key_hash(k);
}
