/*
 * decode/decode_icmp.c - ARP, ICMPv4, ICMPv6 and IGMP.
 *
 * DESIGN
 * - These are leaves: nothing is decoded after them, except the IP header
 *   (and the ports) quoted by an ICMP error, which are stored in the icmp
 *   member (q_*), not in ip/tcp/udp: the flow of the packet is the ICMP one.
 * - A quote cut by the snap length is reported as truncated; a quote shorter
 *   than the ICMP message declares is simply absent (routers may quote less).
 * - ARP addresses of any size are kept as pointers into the frame.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "decode/decode_internal.h"
#include "decode/proto.h"
#include "decode/rd.h"

/* ARP (RFC 826): htype, ptype, hlen, plen, op, then sha spa tha tpa. */
enum ft_dec_status
ft__decode_arp(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_arp *a = &s->d->arp;
	uint32_t need;

	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ARP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	a->htype = ft__rd_be16(rd, 0);
	a->ptype = ft__rd_be16(rd, 2);
	a->hlen = ft__rd_u8(rd, 4);
	a->plen = ft__rd_u8(rd, 5);
	a->op = ft__rd_be16(rd, 6);
	need = 8 + 2 * ((uint32_t)a->hlen + a->plen);
	if (!ft__rd_need(rd, need))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ARP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, need) */
	a->sha = rd->p + 8;
	a->spa = a->sha + a->hlen;
	a->tha = a->spa + a->plen;
	a->tpa = a->tha + a->hlen;
	s->d->layers |= FT_LAYER_ARP;
	ft__rd_skip(rd, need);
	return FT_DEC_OK;
}

/*
 * The IP header quoted by an ICMP error (RFC 792, RFC 4443 2.4(c)) and the
 * first 4 bytes after it (TCP, UDP, SCTP, DCCP ports). decl: the bytes the
 * ICMP message declares after its 8-byte header.
 */
static enum ft_dec_status
decode_quote(struct ft__dec *s, struct ft_rd *rd, uint32_t decl, enum ft_layer layer)
{
	struct ft_icmp *ic = &s->d->icmp;
	uint32_t hl, need;
	uint8_t v;

	if (decl < 1)
		return FT_DEC_OK;
	if (!ft__rd_need(rd, 1))
		return ft__fail(s, FT_DEC_TRUNCATED, layer, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 1) */
	v = ft__rd_u8(rd, 0) >> 4;
	if (v == 4) {
		hl = (uint32_t)(ft__rd_u8(rd, 0) & 15) * 4;
		if (hl < 20 || decl < hl)
			return FT_DEC_OK;
		if (!ft__rd_need(rd, hl))
			return ft__fail(s, FT_DEC_TRUNCATED, layer, rd->p);
		/* SAFE: checked by ft__rd_need(rd, hl) */
		ic->q_proto = ft__rd_u8(rd, 9);
		memset(ic->q_src, 0, sizeof ic->q_src);
		memset(ic->q_dst, 0, sizeof ic->q_dst);
		memcpy(ic->q_src, rd->p + 12, 4);
		memcpy(ic->q_dst, rd->p + 16, 4);
		/* later fragments quote no ports */
		if ((ft__rd_be16(rd, 6) & 0x1fff) != 0)
			hl = 0;
	} else if (v == 6) {
		hl = 40;
		if (decl < hl)
			return FT_DEC_OK;
		if (!ft__rd_need(rd, hl))
			return ft__fail(s, FT_DEC_TRUNCATED, layer, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 40) */
		ic->q_proto = ft__rd_u8(rd, 6);
		memcpy(ic->q_src, rd->p + 8, 16);
		memcpy(ic->q_dst, rd->p + 24, 16);
	} else {
		return FT_DEC_OK;
	}
	ic->q_v = v;
	ic->quote = 1;
	switch (ic->q_proto) {
	case FT_IPPROTO_TCP:
	case FT_IPPROTO_UDP:
	case FT_IPPROTO_DCCP:
	case FT_IPPROTO_SCTP:
		need = hl + 4;
		if (hl == 0 || decl < need)
			break;
		if (!ft__rd_need(rd, need))
			return ft__fail(s, FT_DEC_TRUNCATED, layer, rd->p + hl);
		/* SAFE: checked by ft__rd_need(rd, hl + 4) */
		ic->q_sport = ft__rd_be16(rd, hl);
		ic->q_dport = ft__rd_be16(rd, hl + 2);
		ic->q_ports = 1;
		break;
	default:
		break;
	}
	return FT_DEC_OK;
}

static enum ft_dec_status
icmp_common(struct ft__dec *s, struct ft_rd *rd, uint32_t decl, enum ft_layer layer)
{
	struct ft_icmp *ic = &s->d->icmp;

	if (decl < 8)
		return ft__fail(s, FT_DEC_MALFORMED, layer, rd->p);
	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, layer, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	ic->type = ft__rd_u8(rd, 0);
	ic->code = ft__rd_u8(rd, 1);
	ic->data = ft__rd_be32(rd, 4);
	ic->id = ft__rd_be16(rd, 4);
	ic->seq = ft__rd_be16(rd, 6);
	ic->echo = 0;
	ic->quote = 0;
	ic->q_ports = 0;
	ic->nd_target = 0;
	ic->nd_lladdr = 0;
	s->d->layers |= FT_LAYER(layer);
	ft__rd_skip(rd, 8);
	return FT_DEC_OK;
}

/* ICMP (RFC 792): type, code, checksum, 4 bytes, body. */
enum ft_dec_status
ft__decode_icmp(struct ft__dec *s, struct ft_rd *rd, uint32_t decl)
{
	struct ft_icmp *ic = &s->d->icmp;
	enum ft_dec_status st;

	st = icmp_common(s, rd, decl, FT_L_ICMP);
	if (st != FT_DEC_OK)
		return st;
	switch (ic->type) {
	case 0:  /* echo reply */
	case 8:  /* echo request */
	case 13: /* timestamp */
	case 14: /* timestamp reply */
		ic->echo = 1;
		break;
	case 3:  /* destination unreachable */
	case 4:  /* source quench */
	case 5:  /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		return decode_quote(s, rd, decl - 8, FT_L_ICMP);
	default:
		break;
	}
	return FT_DEC_OK;
}

/*
 * ICMPv6 (RFC 4443) with neighbour discovery (RFC 4861 4.3-4.5): NS, NA and
 * redirect carry a target address; options of 8-octet units follow, of which
 * the source/target link-layer address (types 1 and 2) are kept.
 */
enum ft_dec_status
ft__decode_icmp6(struct ft__dec *s, struct ft_rd *rd, uint32_t decl)
{
	struct ft_icmp *ic = &s->d->icmp;
	enum ft_dec_status st;
	uint32_t skip, olen, n;

	st = icmp_common(s, rd, decl, FT_L_ICMP6);
	if (st != FT_DEC_OK)
		return st;
	decl -= 8;
	switch (ic->type) {
	case 1: /* destination unreachable */
	case 2: /* packet too big */
	case 3: /* time exceeded */
	case 4: /* parameter problem */
		return decode_quote(s, rd, decl, FT_L_ICMP6);
	case 128: /* echo request */
	case 129: /* echo reply */
		ic->echo = 1;
		return FT_DEC_OK;
	case 133: /* router solicitation */
		skip = 0;
		break;
	case 134: /* router advertisement: reachable time, retrans timer */
		skip = 8;
		break;
	case 135: /* neighbour solicitation */
	case 136: /* neighbour advertisement */
		skip = 16;
		break;
	case 137: /* redirect: target, destination */
		skip = 32;
		break;
	default:
		return FT_DEC_OK;
	}
	if (decl < skip)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_ICMP6, rd->p);
	if (!ft__rd_need(rd, skip))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ICMP6, rd->p);
	if (skip >= 16) {
		/* SAFE: checked by ft__rd_need(rd, skip >= 16) */
		memcpy(ic->target, rd->p, 16);
		ic->nd_target = 1;
	}
	ft__rd_skip(rd, skip);
	decl -= skip;
	/* options: type, length in units of 8 octets (0 is invalid) */
	for (n = 0; n < 64 && decl > 0; n++) {
		if (decl < 2)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_ICMP6, rd->p);
		if (!ft__rd_need(rd, 2))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ICMP6, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 2) */
		olen = (uint32_t)ft__rd_u8(rd, 1) * 8;
		if (olen == 0 || olen > decl)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_ICMP6, rd->p);
		if (!ft__rd_need(rd, olen))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ICMP6, rd->p);
		if ((ft__rd_u8(rd, 0) == 1 || ft__rd_u8(rd, 0) == 2) && olen >= 8) {
			/* SAFE: checked by ft__rd_need(rd, olen >= 8) */
			memcpy(ic->lladdr, rd->p + 2, 6);
			ic->nd_lladdr = 1;
		}
		ft__rd_skip(rd, olen);
		decl -= olen;
	}
	return FT_DEC_OK;
}

/*
 * IGMP: v1 (RFC 1112 appendix I), v2 (RFC 2236 2), v3 query and report
 * (RFC 3376 4.1, 4.2). A query's version follows RFC 3376 7.1: 8 bytes with
 * max resp 0 is v1, 8 bytes otherwise v2, 12 or more bytes v3.
 */
enum ft_dec_status
ft__decode_igmp(struct ft__dec *s, struct ft_rd *rd, uint32_t decl)
{
	struct ft_igmp *g = &s->d->igmp;

	if (decl < 8)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_IGMP, rd->p);
	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IGMP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	g->type = ft__rd_u8(rd, 0);
	g->max_resp = ft__rd_u8(rd, 1);
	memcpy(g->group, rd->p + 4, 4);
	g->n_rec = 0;
	g->n_src = 0;
	switch (g->type) {
	case 0x11:
		if (decl >= 12) {
			if (!ft__rd_need(rd, 12))
				return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IGMP, rd->p);
			/* SAFE: checked by ft__rd_need(rd, 12) */
			g->version = 3;
			g->n_src = ft__rd_be16(rd, 10);
		} else {
			g->version = g->max_resp == 0 ? 1 : 2;
		}
		break;
	case 0x12:
		g->version = 1;
		break;
	case 0x22:
		g->version = 3;
		g->n_rec = ft__rd_be16(rd, 6);
		memset(g->group, 0, 4);
		break;
	default: /* 0x16 v2 report, 0x17 leave, others */
		g->version = 2;
		break;
	}
	s->d->layers |= FT_LAYER_IGMP;
	return FT_DEC_OK;
}
