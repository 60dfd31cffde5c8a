/*
 * shard.c - the symmetric flow hash the capture thread shards frames by.
 *
 * Runs once per frame on the capture thread, which is the pipeline's single
 * serial stage, so the common link types are parsed here with as few reads as
 * possible (bounds-checked, like the decoder). Everything unusual falls back to
 * ft_decode(), which costs more but knows every layer.
 */
#include <string.h>

#include <pcap/dlt.h>

#include "flowtap/decode.h"
#include "workers/shard.h"

/* The ordered key. Fields are filled in a fixed order so equal flows give equal bytes. */
struct key {
	uint8_t a[16], b[16]; /* lower and higher endpoint address */
	uint16_t pa, pb;      /* their ports */
	uint16_t vlan[2];     /* outer two VLAN ids */
	uint8_t proto;
	uint8_t kind;   /* 1 = IP, 2 = MAC */
	uint8_t pad[6]; /* to 48 bytes: every byte is hashed */
};

_Static_assert(sizeof(struct key) % 8 == 0, "keys are hashed as whole words");

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
hash_key(const struct key *k)
{
	return (uint32_t)(ft__hash_words(k, sizeof(*k) / 8, 0x9e3779b97f4a7c15ULL) >> 32);
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
order(struct key *k, const uint8_t *s, const uint8_t *d, unsigned alen, uint16_t sp, uint16_t dp)
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

static int
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132; /* TCP, UDP, SCTP */
}

/* Slow path: the full decoder says what the (innermost) flow is. */
static uint32_t
hash_decoded(int dlt, const uint8_t *pkt, uint32_t caplen)
{
	struct ft_decoded d;
	struct key k;
	uint16_t sp = 0, dp = 0;

	memset(&k, 0, sizeof(k));
	ft_decode(dlt, pkt, caplen, caplen, &d);
	for (unsigned i = 0; i < d.n_vlan && i < 2; i++)
		k.vlan[i] = d.vlan[i].id;
	if (d.layers & (FT_LAYER_IP4 | FT_LAYER_IP6)) {
		k.kind = 1;
		if (!d.ip.frag) {
			k.proto = d.ip.proto;
			if (d.layers & FT_LAYER_TCP) {
				sp = d.tcp.sport;
				dp = d.tcp.dport;
			} else if (d.layers & FT_LAYER_UDP) {
				sp = d.udp.sport;
				dp = d.udp.dport;
			}
		}
		order(&k, d.ip.src, d.ip.dst, 16, sp, dp);
	} else if (d.layers & FT_LAYER_ETH) {
		k.kind = 2;
		order(&k, d.eth.src, d.eth.dst, 6, 0, 0);
	} else {
		return 0;
	}
	return hash_key(&k);
}

/*
 * Fast path for an IP packet at p (len bytes). Returns 0 and fills k, or -1 to
 * ask for the slow path (tunnels, anything odd).
 */
static int
hash_ip(const uint8_t *p, uint32_t len, struct key *k)
{
	uint32_t hl;
	uint8_t proto;
	const uint8_t *l4;
	int frag;

	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		if (len < 20)
			return -1;
		hl = (uint32_t)(p[0] & 0x0f) * 4;
		if (hl < 20)
			return -1;
		proto = p[9];
		frag = (rd16(p + 6) & 0x3fff) != 0; /* MF or offset */
		k->kind = 1;
		if (frag || !has_ports(proto)) {
			if (!frag && (proto == 47 || proto == 4 || proto == 41))
				return -1; /* GRE, IP in IP: hash the inner flow */
			k->proto = frag ? 0 : proto;
			order(k, p + 12, p + 16, 4, 0, 0);
			return 0;
		}
		if (len < hl + 4)
			return -1;
		l4 = p + hl;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40)
			return -1;
		proto = p[6];
		if (!has_ports(proto))
			return -1; /* extension headers, fragments, ICMPv6: decoder knows */
		if (len < 44)
			return -1;
		k->kind = 1;
		l4 = p + 40;
		hl = 40;
	} else {
		return -1;
	}
	if (proto == 17 && (rd16(l4 + 2) == 4789 || rd16(l4 + 2) == 6081 || rd16(l4 + 2) == 2152 ||
				   rd16(l4) == 2152))
		return -1; /* VXLAN, Geneve, GTP-U (either port): hash the inner flow */
	k->proto = proto;
	if ((p[0] >> 4) == 4)
		order(k, p + 12, p + 16, 4, rd16(l4), rd16(l4 + 2));
	else
		order(k, p + 8, p + 24, 16, rd16(l4), rd16(l4 + 2));
	return 0;
}

uint32_t
ft__flow_hash_ip(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t *ip_off)
{
	struct key k;
	uint32_t off = 0;
	uint16_t type;
	unsigned nv = 0;

	memset(&k, 0, sizeof(k));
	*ip_off = FT_NO_IP;
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return hash_decoded(dlt, pkt, caplen);
		type = rd16(pkt + 12);
		off = 14;
		while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && caplen >= off + 4) {
			if (nv < 2)
				k.vlan[nv] = rd16(pkt + off) & 0x0fff;
			nv++;
			type = rd16(pkt + off + 2);
			off += 4;
		}
		if ((type == 0x0800 || type == 0x86dd) && nv <= FT_MAX_VLAN) {
			*ip_off = off;
			if (hash_ip(pkt + off, caplen - off, &k) == 0)
				return hash_key(&k);
		}
		if (type == 0x0800 || type == 0x86dd || type < 0x0600 || nv > 2 || type == 0x8847 ||
			type == 0x8848 || type == 0x8864)
			return hash_decoded(dlt, pkt, caplen); /* odd IP, 802.3/LLC, MPLS, PPPoE */
		k.kind = 2;
		order(&k, pkt + 6, pkt, 6, 0, 0);
		return hash_key(&k);
	case DLT_LINUX_SLL:
		off = 16;
		if (caplen >= off && (rd16(pkt + 14) == 0x0800 || rd16(pkt + 14) == 0x86dd))
			break;
		return hash_decoded(dlt, pkt, caplen);
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
		return hash_decoded(dlt, pkt, caplen);
	}
	if (caplen < off)
		return hash_decoded(dlt, pkt, caplen);
	*ip_off = off;
	if (hash_ip(pkt + off, caplen - off, &k) == 0)
		return hash_key(&k);
	return hash_decoded(dlt, pkt, caplen);
}

uint32_t
ft__flow_hash(int dlt, const uint8_t *pkt, uint32_t caplen)
{
	uint32_t ip_off;

	return ft__flow_hash_ip(dlt, pkt, caplen, &ip_off);
}
