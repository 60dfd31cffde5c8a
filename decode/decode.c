/*
 * decode/: parsing frames into struct ft_decoded (include/flowtap/decode.h):
 * link layers, tunnels, IP, L4, DNS, 802.11. Bounded reads only
 * (decode/rd.h); packets are hostile input. Depends on core/ only.
 *
 * decode/decode.c - ft_decode(): Ethernet and the common link layers, IPv4,
 * IPv6, TCP, UDP, and the entry into a tunnel.
 *
 * DESIGN
 * - One pass, front to back, with a struct ft_rd cursor whose window shrinks
 *   as headers declare their lengths (802.3 length, IP total/payload length,
 *   UDP length). Each decoder checks its header length once, then reads the
 *   fields unchecked. No allocation, no system call, no longjmp.
 * - Every loop is bounded by the input and a constant: FT_MAX_VLAN tags,
 *   FT_MAX_IP6_EXT extension headers, option bytes within their header,
 *   FT_MAX_TUNNEL encapsulations (recursion depth).
 * - The hot path (Ethernet -> IPv4 -> TCP) lives in this file so that the
 *   compiler can inline it, with the common link types (Linux cooked, BSD
 *   loopback, raw IP); rarer protocols live in decode_icmp.c, decode_wifi.c,
 *   decode_encap.c (PPP, PPPoE, Cisco HDLC, MPLS, and the tunnels: GRE,
 *   ERSPAN, VXLAN, Geneve, GTP-U), decode_link.c (IPoIB, ARCnet, Frame
 *   Relay, Juniper) and decode_dns.c. The IP, Ethernet and tunnel entry
 *   points have external linkage (ft__*) for those files; within this one
 *   they inline.
 * - Only the small header part of struct ft_decoded is reset per frame; a
 *   layer's member is written in full when its bit is set (see decode.h).
 * - Error semantics are described in include/flowtap/decode.h.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "decode/decode_internal.h"
#include "decode/proto.h"
#include "decode/rd.h"

_Static_assert(FT_L__COUNT <= 32, "layer bits must fit ft_decoded.layers");

static int
is_vlan_tpid(uint16_t t)
{
	return t == FT_ETHERTYPE_VLAN || t == FT_ETHERTYPE_QINQ || t == FT_ETHERTYPE_QINQ_OLD;
}

/*
 * IEEE 802.1Q / 802.1ad tags: TCI (PCP 3 bits, DEI 1, VID 12), then the next
 * ethertype. Outer tag first. *type is the TPID on entry, the inner
 * ethertype on return.
 */
static enum ft_dec_status
decode_vlans(struct ft__dec *s, struct ft_rd *rd, uint16_t *type, struct ft_vlan *vlan,
	uint8_t *n_vlan, int outer)
{
	uint16_t tci;

	while (is_vlan_tpid(*type)) {
		if (*n_vlan >= FT_MAX_VLAN)
			return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_VLAN, rd->p);
		if (!ft__rd_need(rd, 4))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_VLAN, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 4) */
		tci = ft__rd_be16(rd, 0);
		vlan[*n_vlan].tpid = *type;
		vlan[*n_vlan].id = tci & 0x0fff;
		vlan[*n_vlan].pcp = (uint8_t)(tci >> 13);
		*type = ft__rd_be16(rd, 2);
		(*n_vlan)++;
		ft__rd_skip(rd, 4);
		if (outer)
			s->d->layers |= FT_LAYER_VLAN;
	}
	return FT_DEC_OK;
}

/*
 * IEEE 802.2 LLC; SNAP (RFC 1042): DSAP AA, SSAP AA, control 03, then a
 * 3-byte OUI and a 2-byte protocol id, an ethertype when the OUI is 0
 * (or 00-00-f8, 802.1H bridge tunnel). Other SAPs (STP, NetBIOS, ...) are
 * recorded and not decoded further.
 */
enum ft_dec_status
ft__decode_llc(struct ft__dec *s, struct ft_rd *rd, struct ft_eth *eth)
{
	struct ft_llc *llc = &s->d->llc;
	uint32_t hl = 3;

	if (!ft__rd_need(rd, 3))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LLC, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 3) */
	llc->dsap = ft__rd_u8(rd, 0);
	llc->ssap = ft__rd_u8(rd, 1);
	llc->ctrl = ft__rd_u8(rd, 2);
	llc->snap = 0;
	if ((llc->ctrl & 3) != 3) {
		/* I and S frames have a 2-byte control field */
		if (!ft__rd_need(rd, 4))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LLC, rd->p);
		llc->ctrl = ft__rd_be16(rd, 2);
		hl = 4;
	} else if (llc->dsap == 0xaa && llc->ssap == 0xaa && llc->ctrl == 3) {
		if (!ft__rd_need(rd, 8))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LLC, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 8) */
		llc->snap = 1;
		llc->oui = ((uint32_t)ft__rd_u8(rd, 3) << 16) | ft__rd_be16(rd, 4);
		llc->snap_type = ft__rd_be16(rd, 6);
		hl = 8;
	}
	ft__rd_skip(rd, hl);
	s->d->layers |= FT_LAYER_LLC;
	if (llc->snap && (llc->oui == 0 || llc->oui == 0xf8)) {
		if (eth != NULL)
			eth->type = llc->snap_type;
		return ft__decode_ethertype(s, rd, llc->snap_type);
	}
	return FT_DEC_OK;
}

enum ft_dec_status
ft__decode_ethertype(struct ft__dec *s, struct ft_rd *rd, uint16_t type)
{
	switch (type) {
	case FT_ETHERTYPE_IP4:
		return ft__decode_ip4(s, rd);
	case FT_ETHERTYPE_IP6:
		return ft__decode_ip6(s, rd);
	case FT_ETHERTYPE_ARP:
	case FT_ETHERTYPE_RARP:
		return ft__decode_arp(s, rd);
	case FT_ETHERTYPE_MPLS:
	case FT_ETHERTYPE_MPLS_MC:
		return ft__decode_mpls(s, rd);
	case FT_ETHERTYPE_PPPOE_S:
	case FT_ETHERTYPE_PPPOE_D:
		return ft__decode_pppoe(s, rd, type == FT_ETHERTYPE_PPPOE_D);
	default:
		return FT_DEC_OK; /* not decoded: not an error */
	}
}

/*
 * Arista's vendor-specific header (ethertype 0xd28b; tcpdump's
 * print-arista.c): a subtype, then for subtype 1 (a timestamp the switch
 * added) a version word whose bits 4-7 give the format, 1: 64-bit (seconds,
 * nanoseconds), 2: 48-bit; then the frame's own ethertype. *type becomes that
 * ethertype, or 0 when the header is of another kind (not decoded further).
 */
static enum ft_dec_status
skip_arista(struct ft__dec *s, struct ft_rd *rd, uint16_t *type)
{
	uint32_t fmt, hl;

	*type = 0;
	if (!ft__rd_need(rd, 4))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ETH, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 4) */
	if (ft__rd_be16(rd, 0) != 1)
		return FT_DEC_OK;
	fmt = (ft__rd_be16(rd, 2) >> 4) & 0xf;
	if (fmt != 1 && fmt != 2)
		return FT_DEC_OK;
	hl = 4 + (fmt == 1 ? 8 : 6);
	if (!ft__rd_need(rd, hl + 2))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ETH, rd->p);
	/* SAFE: checked by ft__rd_need(rd, hl + 2) */
	*type = ft__rd_be16(rd, hl);
	ft__rd_skip(rd, hl + 2);
	return FT_DEC_OK;
}

/*
 * Ethernet II / IEEE 802.3 (IEEE 802.3-2018 clause 3): destination, source,
 * then an ethertype (>= 0x0600) or an 802.3 length (<= 1500) followed by LLC.
 * inner: a frame inside a tunnel (stored in tunnel.eth / tunnel.vlan).
 */
enum ft_dec_status
ft__decode_ether(struct ft__dec *s, struct ft_rd *rd, int inner)
{
	struct ft_decoded *d = s->d;
	struct ft_eth *eth = inner ? &d->tunnel.eth : &d->eth;
	uint16_t type;
	enum ft_dec_status st;

	if (!ft__rd_need(rd, 14))
		return ft__fail(s, FT_DEC_TRUNCATED, inner ? FT_L_INNER_ETH : FT_L_ETH, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 14) */
	memcpy(eth->dst, rd->p, 6);
	memcpy(eth->src, rd->p + 6, 6);
	type = ft__rd_be16(rd, 12);
	ft__rd_skip(rd, 14);
	if (inner) {
		d->tunnel.n_vlan = 0;
		d->layers |= FT_LAYER_INNER_ETH;
	} else {
		d->layers |= FT_LAYER_ETH;
	}
	eth->type = type;
	if (type == FT_ETHERTYPE_ARISTA && !inner) {
		st = skip_arista(s, rd, &type);
		if (st != FT_DEC_OK || type == 0)
			return st;
	}
	if (is_vlan_tpid(type)) {
		st = decode_vlans(s, rd, &type, inner ? d->tunnel.vlan : d->vlan,
			inner ? &d->tunnel.n_vlan : &d->n_vlan, !inner);
		eth->type = type;
		if (st != FT_DEC_OK)
			return st;
	}
	if (type <= 1500) {
		/* 802.3: the length field bounds the frame; the rest is padding */
		ft__rd_clamp(rd, type);
		return ft__decode_llc(s, rd, eth);
	}
	return ft__decode_ethertype(s, rd, type);
}

/*
 * Linux cooked capture v1 and v2 (https://www.tcpdump.org/linktypes/
 * LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html).
 */
static enum ft_dec_status
decode_sll(struct ft__dec *s, struct ft_rd *rd, int v2)
{
	struct ft_decoded *d = s->d;
	struct ft_sll *sll = &d->sll;
	uint16_t type;
	uint32_t halen;
	enum ft_dec_status st;

	if (!ft__rd_need(rd, v2 ? 20 : 16))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_SLL, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 16 or 20) */
	if (v2) {
		sll->version = 2;
		sll->proto = ft__rd_be16(rd, 0);
		sll->ifindex = ft__rd_be32(rd, 4);
		sll->hatype = ft__rd_be16(rd, 8);
		sll->pkttype = ft__rd_u8(rd, 10);
		halen = ft__rd_u8(rd, 11);
		memcpy(sll->addr, rd->p + 12, 8);
		ft__rd_skip(rd, 20);
	} else {
		sll->version = 1;
		sll->pkttype = ft__rd_be16(rd, 0);
		sll->hatype = ft__rd_be16(rd, 2);
		halen = ft__rd_be16(rd, 4);
		memcpy(sll->addr, rd->p + 6, 8);
		sll->proto = ft__rd_be16(rd, 14);
		sll->ifindex = 0;
		ft__rd_skip(rd, 16);
	}
	sll->halen = (uint8_t)(halen > 255 ? 255 : halen);
	d->layers |= FT_LAYER_SLL;
	type = sll->proto;
	if (sll->hatype == 824) /* ARPHRD_NETLINK: protocol is a netlink family */
		return FT_DEC_OK;
	if (type == 0x0004) /* ETH_P_802_2: an LLC frame follows */
		return ft__decode_llc(s, rd, NULL);
	if (is_vlan_tpid(type)) {
		st = decode_vlans(s, rd, &type, d->vlan, &d->n_vlan, 1);
		if (st != FT_DEC_OK)
			return st;
	}
	return ft__decode_ethertype(s, rd, type);
}

/*
 * DLT_NULL / DLT_LOOP: a 4-byte address family (LINKTYPE_NULL, LINKTYPE_LOOP).
 * NULL is in the capturing host's byte order, so both orders are accepted;
 * LOOP is in network order. AF_INET6 differs per OS: 10, 24, 28, 30.
 */
static enum ft_dec_status
decode_null(struct ft__dec *s, struct ft_rd *rd, int loop)
{
	uint32_t fam;

	if (!ft__rd_need(rd, 4))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_NULL, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 4) */
	fam = ft__rd_be32(rd, 0);
	if (!loop && (fam & 0xffff) == 0)
		fam = ft__ld_le32(rd->p); /* written by a little-endian host */
	ft__rd_skip(rd, 4);
	s->d->null_family = fam;
	s->d->layers |= FT_LAYER_NULL;
	switch (fam) {
	case FT_BSD_AF_INET:
		return ft__decode_ip4(s, rd);
	case FT_LINUX_AF_INET6:
	case FT_BSD_AF_INET6_NETBSD:
	case FT_BSD_AF_INET6_FREEBSD:
	case FT_BSD_AF_INET6_DARWIN:
		return ft__decode_ip6(s, rd);
	default:
		return FT_DEC_OK;
	}
}

/*
 * An IPv4 or IPv6 packet told apart by its version nibble. layer is the one
 * that carries it (its header is cut when not even the nibble is there);
 * other is the status for another version (OK: simply not decoded).
 */
enum ft_dec_status
ft__decode_ip_version(
	struct ft__dec *s, struct ft_rd *rd, enum ft_layer layer, enum ft_dec_status other)
{
	if (!ft__rd_need(rd, 1))
		return ft__fail(s, FT_DEC_TRUNCATED, layer, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 1) */
	switch (ft__rd_u8(rd, 0) >> 4) {
	case 4:
		return ft__decode_ip4(s, rd);
	case 6:
		return ft__decode_ip6(s, rd);
	default:
		return other == FT_DEC_OK ? FT_DEC_OK : ft__fail(s, other, layer, rd->p);
	}
}

/* Raw IP: the version is the first nibble. */
static enum ft_dec_status
decode_raw(struct ft__dec *s, struct ft_rd *rd)
{
	s->d->layers |= FT_LAYER_RAW;
	return ft__decode_ip_version(s, rd, FT_L_RAW, FT_DEC_MALFORMED);
}

/*
 * Enter an encapsulation: the IP header carrying it becomes outer_ip (for the
 * outermost level only; v = 0 when none did, as for an MPLS pseudowire on
 * Ethernet), and ip/udp/tcp will describe the inner packet.
 * Returns 0 when the depth bound is reached (the payload is left undecoded).
 */
int
ft__enter_tunnel(struct ft__dec *s, enum ft_tunnel_type type)
{
	struct ft_decoded *d = s->d;

	if (d->n_tunnel >= FT_MAX_TUNNEL)
		return 0;
	if (d->n_tunnel == 0) {
		if (d->layers & (FT_LAYER_IP4 | FT_LAYER_IP6))
			d->outer_ip = d->ip;
		else
			d->outer_ip.v = 0;
		d->tunnel.type = (uint8_t)type;
		d->tunnel.n_vlan = 0;
	}
	d->n_tunnel++;
	d->layers &= ~(FT_LAYER_IP4 | FT_LAYER_IP6 | FT_LAYER_UDP | FT_LAYER_DNS);
	d->layers |= FT_LAYER_TUNNEL;
	d->l4_payload = NULL;
	d->l4_payload_len = 0;
	return 1;
}

static void
check_dns(struct ft_decoded *d, uint16_t sport, uint16_t dport, uint32_t min)
{
	if ((sport == FT_PORT_DNS || dport == FT_PORT_DNS || sport == FT_PORT_MDNS ||
		    dport == FT_PORT_MDNS) &&
		d->l4_payload_len >= min)
		d->layers |= FT_LAYER_DNS;
}

/* TCP options (RFC 9293 3.1; MSS RFC 6691; WS and TS RFC 7323; SACK RFC 2018). */
static enum ft_dec_status
decode_tcp_opts(struct ft__dec *s, const uint8_t *o, uint32_t olen)
{
	struct ft_tcp_opts *to = &s->d->tcp.opts;
	uint32_t i = 0, len, nb;
	uint8_t kind;

	/* bounded by olen <= 40: every step advances i by at least 1 */
	while (i < olen) {
		kind = o[i];
		to->n_opts++;
		if (kind == 0) /* end of option list */
			break;
		if (kind == 1) { /* no-operation */
			i++;
			continue;
		}
		if (olen - i < 2)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
		len = o[i + 1];
		if (len < 2 || len > olen - i)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
		/* SAFE: o[i .. i+len) lies inside the option area */
		switch (kind) {
		case 2:
			if (len != 4)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
			to->mss = ft__ld_be16(o + i + 2);
			to->present |= FT_TCPOPT_MSS;
			break;
		case 3:
			if (len != 3)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
			to->wscale = o[i + 2];
			to->present |= FT_TCPOPT_WSCALE;
			break;
		case 4:
			if (len != 2)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
			to->present |= FT_TCPOPT_SACK_OK;
			break;
		case 5:
			if ((len - 2) % 8 != 0 || len == 2)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
			to->present |= FT_TCPOPT_SACK;
			for (nb = 0; nb < (len - 2) / 8 && to->n_sack < FT_MAX_TCP_SACK; nb++) {
				to->sack[to->n_sack][0] = ft__ld_be32(o + i + 2 + nb * 8);
				to->sack[to->n_sack][1] = ft__ld_be32(o + i + 6 + nb * 8);
				to->n_sack++;
			}
			break;
		case 8:
			if (len != 10)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, o + i);
			to->ts_val = ft__ld_be32(o + i + 2);
			to->ts_ecr = ft__ld_be32(o + i + 6);
			to->present |= FT_TCPOPT_TS;
			break;
		default:
			if (to->n_unknown < FT_MAX_TCP_UNKNOWN)
				to->unknown[to->n_unknown++] = kind;
			break;
		}
		i += len;
	}
	return FT_DEC_OK;
}

/*
 * TCP (RFC 9293 3.1). decl is the segment length the IP header declares;
 * rd's window is already clamped to it.
 */
static enum ft_dec_status
decode_tcp(struct ft__dec *s, struct ft_rd *rd, uint32_t decl)
{
	struct ft_decoded *d = s->d;
	struct ft_tcp *t = &d->tcp;
	uint32_t hl;
	uint8_t b12;

	if (decl < 20)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, rd->p);
	if (!ft__rd_need(rd, 20))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_TCP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 20) */
	b12 = ft__rd_u8(rd, 12);
	hl = (uint32_t)(b12 >> 4) * 4;
	if (hl < 20 || hl > decl)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_TCP, rd->p + 12);
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_TCP, rd->p);
	t->sport = ft__rd_be16(rd, 0);
	t->dport = ft__rd_be16(rd, 2);
	t->seq = ft__rd_be32(rd, 4);
	t->ack = ft__rd_be32(rd, 8);
	t->flags = (uint16_t)(((b12 & 1) << 8) | ft__rd_u8(rd, 13));
	t->win = ft__rd_be16(rd, 14);
	t->urp = ft__rd_be16(rd, 18);
	t->hlen = (uint8_t)hl;
	t->len = decl - hl;
	t->opts.present = 0;
	t->opts.n_sack = 0;
	t->opts.n_unknown = 0;
	t->opts.n_opts = 0;
	d->layers |= FT_LAYER_TCP;
	d->l4_payload = rd->p + hl;
	d->l4_payload_len = rd->left - hl;
	/* DNS over TCP: a 2-byte length prefix, then the 12-byte header */
	check_dns(d, t->sport, t->dport, 14);
	if (hl == 32 && ft__rd_be32(rd, 20) == 0x0101080a) {
		/* fast path: NOP NOP TS, what most data segments carry */
		t->opts.present = FT_TCPOPT_TS;
		t->opts.n_opts = 3;
		t->opts.ts_val = ft__rd_be32(rd, 24);
		t->opts.ts_ecr = ft__rd_be32(rd, 28);
		return FT_DEC_OK;
	}
	if (hl > 20)
		return decode_tcp_opts(s, rd->p + 20, hl - 20);
	return FT_DEC_OK;
}

/* UDP (RFC 768). */
static enum ft_dec_status
decode_udp(struct ft__dec *s, struct ft_rd *rd, uint32_t decl)
{
	struct ft_decoded *d = s->d;
	struct ft_udp *u = &d->udp;

	if (decl < 8)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_UDP, rd->p);
	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_UDP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	u->sport = ft__rd_be16(rd, 0);
	u->dport = ft__rd_be16(rd, 2);
	u->len = ft__rd_be16(rd, 4);
	d->layers |= FT_LAYER_UDP;
	if (u->len < 8)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_UDP, rd->p + 4);
	ft__rd_clamp(rd, u->len);
	ft__rd_skip(rd, 8);
	d->l4_payload = rd->p;
	d->l4_payload_len = rd->left;
	if (u->len > decl) {
		/* a first fragment carries only part of the datagram */
		if (d->ip.frag)
			return FT_DEC_OK;
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_UDP, rd->p - 4);
	}
	if (u->dport == FT_PORT_VXLAN)
		return ft__decode_vxlan(s, rd);
	if (ft__udp_tunnel_ports(
		    u->sport, u->dport)) { /* Geneve, GTP-U, MPLS (the flow key's list) */
		/* port 2152 may be another datagram's ephemeral port: DNS to it stays DNS */
		uint8_t depth = d->n_tunnel;
		enum ft_dec_status st = u->dport == FT_PORT_GENEVE     ? ft__decode_geneve(s, rd)
					: u->dport == FT_PORT_MPLS_UDP ? ft__decode_mpls_udp(s, rd)
								       : ft__decode_gtpu(s, rd);

		if (st != FT_DEC_OK || d->n_tunnel != depth)
			return st;
	}
	check_dns(d, u->sport, u->dport, 12);
	return FT_DEC_OK;
}

/* The protocol after IP; decl is the length the IP header(s) declare for it. */
static enum ft_dec_status
decode_l4(struct ft__dec *s, struct ft_rd *rd, uint8_t proto, uint32_t decl)
{
	switch (proto) {
	case FT_IPPROTO_TCP:
		return decode_tcp(s, rd, decl);
	case FT_IPPROTO_UDP:
		return decode_udp(s, rd, decl);
	case FT_IPPROTO_ICMP:
		return ft__decode_icmp(s, rd, decl);
	case FT_IPPROTO_ICMPV6:
		return ft__decode_icmp6(s, rd, decl);
	case FT_IPPROTO_IGMP:
		return ft__decode_igmp(s, rd, decl);
	case FT_IPPROTO_GRE:
		return ft__decode_gre(s, rd);
	case FT_IPPROTO_IPIP:
		if (!ft__enter_tunnel(s, FT_TUN_IPIP))
			return FT_DEC_OK;
		return ft__decode_ip4(s, rd);
	case FT_IPPROTO_IPV6:
		if (!ft__enter_tunnel(s, FT_TUN_IPIP))
			return FT_DEC_OK;
		return ft__decode_ip6(s, rd);
	default:
		return FT_DEC_OK; /* an unknown protocol is not decoded: not an error */
	}
}

/*
 * IPv4 (RFC 791). The window is clamped to the total length (Ethernet
 * padding dropped); options are walked and bounded by the header length;
 * a fragment with a non-zero offset stops here.
 */
enum ft_dec_status
ft__decode_ip4(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	struct ft_ip *ip = &d->ip;
	uint32_t hl, tl, i, olen, l;
	uint16_t fo;
	uint8_t vihl;
	const uint8_t *o;

	if (!ft__rd_need(rd, 20))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IP4, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 20) */
	vihl = ft__rd_u8(rd, 0);
	hl = (uint32_t)(vihl & 15) * 4;
	tl = ft__rd_be16(rd, 2);
	if (tl == 0)
		tl = rd->left; /* TSO capture: the length is not filled in yet */
	if ((vihl >> 4) != 4 || hl < 20 || tl < hl)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_IP4, rd->p);
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IP4, rd->p);
	d->l3 = rd->p;
	ip->v = 4;
	ip->hlen = (uint8_t)hl;
	ip->tos = ft__rd_u8(rd, 1);
	ip->len = tl;
	ip->id = ft__rd_be16(rd, 4);
	fo = ft__rd_be16(rd, 6);
	ip->df = (fo & 0x4000) != 0;
	ip->mf = (fo & 0x2000) != 0;
	ip->off = (uint16_t)((fo & 0x1fff) * 8);
	ip->frag = ip->mf || ip->off != 0;
	ip->ttl = ft__rd_u8(rd, 8);
	ip->proto = ft__rd_u8(rd, 9);
	ip->ext_len = 0;
	ip->flow = 0;
	memcpy(ip->src, rd->p + 12, 4);
	memset(ip->src + 4, 0, 12);
	memcpy(ip->dst, rd->p + 16, 4);
	memset(ip->dst + 4, 0, 12);
	d->layers |= FT_LAYER_IP4;
	if (hl > 20) {
		/* options (RFC 791 3.1): EOL, NOP, or type/length/value */
		o = rd->p + 20;
		olen = hl - 20;
		for (i = 0; i < olen;) {
			if (o[i] == 0)
				break;
			if (o[i] == 1) {
				i++;
				continue;
			}
			l = olen - i >= 2 ? o[i + 1] : 0;
			if (l < 2 || l > olen - i) {
				ft__fail(s, FT_DEC_MALFORMED, FT_L_IP4, o + i);
				break; /* the header length is still known: go on */
			}
			i += l;
		}
	}
	ft__rd_clamp(rd, tl);
	ft__rd_skip(rd, hl);
	if (ip->off != 0)
		return (enum ft_dec_status)d->status; /* a later fragment: no L4 header */
	return decode_l4(s, rd, ip->proto, tl - hl);
}

/*
 * IPv6 (RFC 8200) and its extension headers: hop-by-hop (0), routing (43),
 * destination options (60), mobility (135, RFC 6275), HIP (139), shim6 (140)
 * share the (next, length in 8-octet units - 1) format; fragment (44) is
 * 8 bytes; AH (51, RFC 4302) counts 4-octet units - 2. ESP (50) and no next
 * header (59) end the walk. At most FT_MAX_IP6_EXT are walked.
 */
enum ft_dec_status
ft__decode_ip6(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	struct ft_ip *ip = &d->ip;
	uint32_t plen, hl, vtf;
	uint8_t nh;
	uint16_t fo;
	int n;

	if (!ft__rd_need(rd, 40))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IP6, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 40) */
	vtf = ft__rd_be32(rd, 0);
	if ((vtf >> 28) != 6)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_IP6, rd->p);
	plen = ft__rd_be16(rd, 4);
	nh = ft__rd_u8(rd, 6);
	if (plen == 0 && nh == 0)
		plen = rd->left - 40; /* jumbogram (RFC 2675): length in hop-by-hop */
	d->l3 = rd->p;
	ip->v = 6;
	ip->hlen = 40;
	ip->tos = (uint8_t)(vtf >> 20);
	ip->flow = vtf & 0xfffff;
	ip->len = plen + 40;
	ip->ttl = ft__rd_u8(rd, 7);
	ip->df = 0;
	ip->mf = 0;
	ip->off = 0;
	ip->frag = 0;
	ip->id = 0;
	ip->ext_len = 0;
	memcpy(ip->src, rd->p + 8, 16);
	memcpy(ip->dst, rd->p + 24, 16);
	ip->proto = nh;
	d->layers |= FT_LAYER_IP6;
	ft__rd_clamp(rd, plen + 40);
	ft__rd_skip(rd, 40);

	for (n = 0;; n++) {
		switch (nh) {
		case FT_IPPROTO_HOPOPTS:
		case FT_IPPROTO_ROUTING:
		case FT_IPPROTO_DSTOPTS:
		case FT_IPPROTO_MH:
		case FT_IPPROTO_HIP:
		case FT_IPPROTO_SHIM6:
		case FT_IPPROTO_FRAGMENT:
		case FT_IPPROTO_AH:
			break;
		default:
			ip->proto = nh;
			if (ip->off != 0)
				return FT_DEC_OK; /* a later fragment: no L4 header */
			return decode_l4(s, rd, nh, plen);
		}
		if (n == FT_MAX_IP6_EXT)
			return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_IP6, rd->p);
		if (plen < 8)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_IP6, rd->p);
		if (!ft__rd_need(rd, 8))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IP6, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 8) */
		if (nh == FT_IPPROTO_FRAGMENT) {
			hl = 8;
			fo = ft__rd_be16(rd, 2);
			ip->off = fo & 0xfff8;
			ip->mf = fo & 1;
			ip->frag = 1;
			ip->id = ft__rd_be32(rd, 4);
		} else if (nh == FT_IPPROTO_AH) {
			hl = ((uint32_t)ft__rd_u8(rd, 1) + 2) * 4;
		} else {
			hl = ((uint32_t)ft__rd_u8(rd, 1) + 1) * 8;
		}
		if (hl > plen)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_IP6, rd->p);
		if (!ft__rd_need(rd, hl))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_IP6, rd->p);
		nh = ft__rd_u8(rd, 0);
		ip->proto = nh;
		ip->ext_len = (uint16_t)(ip->ext_len + hl);
		plen -= hl;
		ft__rd_skip(rd, hl);
	}
}

FT_EXTERN enum ft_dec_status
ft_decode(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen, struct ft_decoded *out)
{
	struct ft__dec s;
	struct ft_rd rd;

	out->layers = 0;
	out->status = FT_DEC_OK;
	out->err_layer = FT_L_NONE;
	out->err_off = 0;
	out->n_vlan = 0;
	out->n_tunnel = 0;
	out->l4_payload = NULL;
	out->l4_payload_len = 0;
	out->l3 = NULL;
	s.d = out;
	s.pkt = pkt;
	s.caplen = caplen;
	s.wirelen = wirelen;
	rd.p = pkt;
	rd.left = pkt != NULL ? caplen : 0;

	switch (dlt) {
	case FT_DLT_EN10MB:
		ft__decode_ether(&s, &rd, 0);
		break;
	case FT_DLT_LINUX_SLL:
		decode_sll(&s, &rd, 0);
		break;
	case FT_DLT_LINUX_SLL2:
		decode_sll(&s, &rd, 1);
		break;
	case FT_DLT_NULL:
		decode_null(&s, &rd, 0);
		break;
	case FT_DLT_LOOP:
		decode_null(&s, &rd, 1);
		break;
	case FT_DLT_RAW:
	case FT_DLT_RAW_BSD:
	case FT_DLT_LINKTYPE_RAW:
		decode_raw(&s, &rd);
		break;
	case FT_DLT_IPV4:
		out->layers |= FT_LAYER_RAW;
		ft__decode_ip4(&s, &rd);
		break;
	case FT_DLT_IPV6:
		out->layers |= FT_LAYER_RAW;
		ft__decode_ip6(&s, &rd);
		break;
	case FT_DLT_IEEE802_11:
		ft__decode_wifi(&s, &rd, 0);
		break;
	case FT_DLT_IEEE802_11_RADIO:
		ft__decode_wifi(&s, &rd, 1);
		break;
	case FT_DLT_PPP:
	case FT_DLT_PPP_SERIAL:
		ft__decode_ppp_link(&s, &rd, dlt == FT_DLT_PPP_SERIAL);
		break;
	case FT_DLT_PPP_ETHER:
		ft__decode_pppoe(&s, &rd, 0);
		break;
	case FT_DLT_C_HDLC:
		ft__decode_chdlc(&s, &rd);
		break;
	case FT_DLT_IPOIB:
		ft__decode_ipoib(&s, &rd);
		break;
	case FT_DLT_JUNIPER_ETHER:
		ft__decode_juniper_ether(&s, &rd);
		break;
	case FT_DLT_FRELAY:
		ft__decode_frelay(&s, &rd);
		break;
	case FT_DLT_ARCNET:
	case FT_DLT_ARCNET_LINUX:
		ft__decode_arcnet(&s, &rd, dlt == FT_DLT_ARCNET_LINUX);
		break;
	default:
		ft__fail(&s, FT_DEC_UNSUPPORTED, FT_L_NONE, pkt);
		break;
	}
	return (enum ft_dec_status)out->status;
}

FT_EXTERN const char *
ft_layer_name(enum ft_layer layer)
{
	static const char *const names[FT_L__COUNT] = {
		[FT_L_NONE] = "none",
		[FT_L_ETH] = "eth",
		[FT_L_VLAN] = "vlan",
		[FT_L_SLL] = "sll",
		[FT_L_NULL] = "null",
		[FT_L_RAW] = "raw",
		[FT_L_ARP] = "arp",
		[FT_L_IP4] = "ip4",
		[FT_L_IP6] = "ip6",
		[FT_L_TCP] = "tcp",
		[FT_L_UDP] = "udp",
		[FT_L_ICMP] = "icmp",
		[FT_L_ICMP6] = "icmp6",
		[FT_L_DNS] = "dns",
		[FT_L_LLC] = "llc",
		[FT_L_RADIOTAP] = "radiotap",
		[FT_L_WIFI] = "wifi",
		[FT_L_IGMP] = "igmp",
		[FT_L_TUNNEL] = "tunnel",
		[FT_L_GRE] = "gre",
		[FT_L_VXLAN] = "vxlan",
		[FT_L_ERSPAN] = "erspan",
		[FT_L_INNER_ETH] = "inner_eth",
		[FT_L_PPPOE] = "pppoe",
		[FT_L_PPP] = "ppp",
		[FT_L_CHDLC] = "chdlc",
		[FT_L_MPLS] = "mpls",
		[FT_L_GENEVE] = "geneve",
		[FT_L_GTP] = "gtp",
		[FT_L_LINK] = "link",
	};

	if ((unsigned)layer >= FT_L__COUNT || names[layer] == NULL)
		return "unknown";
	return names[layer];
}

FT_EXTERN const char *
ft_dec_status_name(enum ft_dec_status st)
{
	switch (st) {
	case FT_DEC_OK:
		return "ok";
	case FT_DEC_TRUNCATED:
		return "truncated";
	case FT_DEC_MALFORMED:
		return "malformed";
	case FT_DEC_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}
