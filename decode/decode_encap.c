/*
 * decode/decode_encap.c - encapsulations between the link and the IP header
 * (PPP, PPPoE, Cisco HDLC, MPLS) and the tunnels: GRE (with ERSPAN and
 * WCCP), VXLAN, Geneve and GTP-U.
 *
 * DESIGN
 * - Same rules as decode.c: one cursor, each header's length checked once
 *   with ft__rd_need() before its fields are read, loops bounded by a constant
 *   (FT_MAX_MPLS labels, FT_MAX_GTP_EXT extension headers), no allocation.
 * - PPP, PPPoE, Cisco HDLC and MPLS carrying IP are link-level layers: the IP
 *   header after them is the packet's only one (ip, not outer_ip). The
 *   outermost occurrence of each is kept when they nest (MPLS in GRE in MPLS).
 * - Geneve, GTP-U T-PDUs and MPLS Ethernet pseudowires are tunnels, entered
 *   with ft__enter_tunnel() exactly like VXLAN and GRE.
 * - Payload guesses follow tshark: MPLS by the first nibble after the bottom
 *   of the stack (4 IPv4, 6 IPv6, 0 an Ethernet pseudowire, 1 an associated
 *   channel, anything else not decoded), a GTP-U T-PDU by the IP version.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "decode/decode_internal.h"
#include "decode/proto.h"
#include "decode/rd.h"

/* PPP protocol numbers (RFC 1661, IANA "PPP DLL Protocol Numbers"). */
#define PPP_IP4     0x0021
#define PPP_IP6     0x0057
#define PPP_MPLS_UC 0x0281
#define PPP_MPLS_MC 0x0283

#define PPP_ADDRESS 0xff
#define PPP_CONTROL 0x03
#define CHDLC_UCAST 0x0f
#define CHDLC_BCAST 0x8f
#define GTP_TPDU    255

/*
 * PPP (RFC 1661 section 2): the protocol field, one byte when compressed
 * (RFC 1661 6.5: a first byte with its low bit set is the whole field).
 * framed: the address/control bytes ff 03 (RFC 1662) may come first.
 */
static enum ft_dec_status
decode_ppp(struct ft__dec *s, struct ft_rd *rd, int framed)
{
	struct ft_decoded *d = s->d;
	struct ft_ppp tmp, *ppp = (d->layers & FT_LAYER_PPP) ? &tmp : &d->ppp;
	uint16_t proto;

	ppp->hdlc = 0;
	ppp->pfc = 0;
	if (!ft__rd_need(rd, 1))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_PPP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 1) */
	if (framed && ft__rd_u8(rd, 0) == PPP_ADDRESS) {
		if (!ft__rd_need(rd, 2))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_PPP, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 2) */
		if (ft__rd_u8(rd, 1) != PPP_CONTROL)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_PPP, rd->p + 1);
		ppp->hdlc = 1;
		ft__rd_skip(rd, 2);
		if (!ft__rd_need(rd, 1))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_PPP, rd->p);
	}
	/* SAFE: checked by ft__rd_need(rd, 1) above */
	if (ft__rd_u8(rd, 0) & 1) {
		proto = ft__rd_u8(rd, 0);
		ppp->pfc = 1;
		ft__rd_skip(rd, 1);
	} else {
		if (!ft__rd_need(rd, 2))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_PPP, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 2) */
		proto = ft__rd_be16(rd, 0);
		ft__rd_skip(rd, 2);
	}
	ppp->proto = proto;
	d->layers |= FT_LAYER_PPP;
	switch (proto) {
	case PPP_IP4:
		return ft__decode_ip4(s, rd);
	case PPP_IP6:
		return ft__decode_ip6(s, rd);
	case PPP_MPLS_UC:
	case PPP_MPLS_MC:
		return ft__decode_mpls(s, rd);
	default:
		return FT_DEC_OK; /* LCP, IPCP, ...: not decoded */
	}
}

/*
 * Cisco HDLC (LINKTYPE_C_HDLC): address, control, then an ethertype. SLARP
 * (0x8035) shares RARP's ethertype and is not decoded.
 */
enum ft_dec_status
ft__decode_chdlc(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	struct ft_chdlc *h = &d->chdlc;

	if (!ft__rd_need(rd, 4))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_CHDLC, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 4) */
	h->addr = ft__rd_u8(rd, 0);
	h->ctrl = ft__rd_u8(rd, 1);
	h->proto = ft__rd_be16(rd, 2);
	ft__rd_skip(rd, 4);
	d->layers |= FT_LAYER_CHDLC;
	if (h->proto == FT_ETHERTYPE_RARP)
		return FT_DEC_OK;
	return ft__decode_ethertype(s, rd, h->proto);
}

/*
 * DLT_PPP (with or without ff 03) and DLT_PPP_SERIAL (LINKTYPE_PPP_HDLC:
 * ff 03, or a Cisco HDLC frame when the address is 0x0f / 0x8f, as tcpdump
 * and tshark accept).
 */
enum ft_dec_status
ft__decode_ppp_link(struct ft__dec *s, struct ft_rd *rd, int serial)
{
	if (serial && ft__rd_need(rd, 1)) {
		/* SAFE: checked by ft__rd_need(rd, 1) */
		if (ft__rd_u8(rd, 0) == CHDLC_UCAST || ft__rd_u8(rd, 0) == CHDLC_BCAST)
			return ft__decode_chdlc(s, rd);
	}
	return decode_ppp(s, rd, 1);
}

/*
 * PPPoE (RFC 2516 section 4): version and type (both 1), code, session id,
 * payload length. Discovery packets (ethertype 0x8863, or a non-zero code)
 * are recorded and not followed; session data carries PPP without ff 03.
 */
enum ft_dec_status
ft__decode_pppoe(struct ft__dec *s, struct ft_rd *rd, int discovery)
{
	struct ft_decoded *d = s->d;
	struct ft_pppoe tmp, *h = (d->layers & FT_LAYER_PPPOE) ? &tmp : &d->pppoe;
	uint8_t vt;

	if (!ft__rd_need(rd, 6))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_PPPOE, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 6) */
	vt = ft__rd_u8(rd, 0);
	h->ver = vt >> 4;
	h->type = vt & 15;
	h->code = ft__rd_u8(rd, 1);
	h->session = ft__rd_be16(rd, 2);
	h->len = ft__rd_be16(rd, 4);
	h->discovery = (uint8_t)(discovery != 0);
	d->layers |= FT_LAYER_PPPOE;
	if (h->ver != 1 || h->type != 1)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_PPPOE, rd->p);
	ft__rd_skip(rd, 6);
	ft__rd_clamp(rd, h->len); /* Ethernet padding is not PPP */
	if (discovery || h->code != 0)
		return FT_DEC_OK;
	return decode_ppp(s, rd, 0);
}

/*
 * A pseudowire without control word: a known ethertype at offset 12. (tshark
 * asks whether both MAC addresses have a known manufacturer instead.)
 */
static int
looks_like_plain_eth(const struct ft_rd *rd)
{
	uint16_t t;

	if (!ft__rd_need(rd, 14))
		return 0;
	/* SAFE: checked by ft__rd_need(rd, 14) */
	t = ft__rd_be16(rd, 12);
	return t == FT_ETHERTYPE_IP4 || t == FT_ETHERTYPE_IP6 || t == FT_ETHERTYPE_ARP ||
	       t == FT_ETHERTYPE_VLAN || t == FT_ETHERTYPE_QINQ || t == FT_ETHERTYPE_MPLS ||
	       t == FT_ETHERTYPE_MPLS_MC || t == FT_ETHERTYPE_PPPOE_D || t == FT_ETHERTYPE_PPPOE_S;
}

/* An Ethernet pseudowire (RFC 4448), after its control word (RFC 4385) if cw. */
static enum ft_dec_status
decode_pw_eth(struct ft__dec *s, struct ft_rd *rd, int cw)
{
	struct ft_decoded *d = s->d;

	if (cw && !ft__rd_need(rd, 4))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_MPLS, rd->p);
	if (!ft__enter_tunnel(s, FT_TUN_MPLS))
		return FT_DEC_OK;
	if (d->n_tunnel == 1)
		d->tunnel.pw_cw = (uint8_t)cw;
	if (cw)
		ft__rd_skip(rd, 4);
	return ft__decode_ether(s, rd, 1);
}

/*
 * MPLS label stack (RFC 3032 section 2.1): label 20 bits, traffic class 3,
 * bottom of stack 1, TTL 8; at most FT_MAX_MPLS entries. Then the payload,
 * guessed from its first nibble.
 */
enum ft_dec_status
ft__decode_mpls(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	int keep = (d->layers & FT_LAYER_MPLS) == 0;
	struct ft_mpls *m;
	uint32_t e;
	unsigned n;
	uint8_t nibble;

	if (keep) {
		d->n_mpls = 0;
		d->mpls_in_tunnel = d->n_tunnel;
	}
	d->layers |= FT_LAYER_MPLS;
	for (n = 0;; n++) {
		if (n == FT_MAX_MPLS)
			return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_MPLS, rd->p);
		if (!ft__rd_need(rd, 4))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_MPLS, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 4) */
		e = ft__rd_be32(rd, 0);
		ft__rd_skip(rd, 4);
		if (keep) {
			m = &d->mpls[d->n_mpls++];
			m->label = e >> 12;
			m->tc = (uint8_t)((e >> 9) & 7);
			m->s = (uint8_t)((e >> 8) & 1);
			m->ttl = (uint8_t)e;
		}
		if (e & 0x100)
			break;
	}
	if (!ft__rd_need(rd, 1))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_MPLS, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 1) */
	nibble = ft__rd_u8(rd, 0) >> 4;
	if (nibble == 1)
		return FT_DEC_OK; /* pseudowire associated channel (RFC 4385): not decoded */
	if (nibble == 0)
		return decode_pw_eth(s, rd, !looks_like_plain_eth(rd));
	return ft__decode_ip_version(s, rd, FT_L_MPLS, FT_DEC_OK); /* else: tshark's "data" */
}

/*
 * MPLS in UDP (RFC 7510): the UDP payload is an MPLS label stack. What does
 * not look like one is left as UDP (port 6635 may be another datagram's
 * ephemeral port): an empty datagram, no bottom of stack within FT_MAX_MPLS
 * entries, or after it a first nibble MPLS does not carry (IPv4 4, IPv6 6,
 * a pseudowire 0 or 1). A stack the snap length cut is taken as one.
 */
static int
looks_like_mpls(const struct ft_rd *rd)
{
	for (uint32_t n = 0; n < FT_MAX_MPLS; n++) {
		uint8_t nibble;

		if (!ft__rd_need(rd, 4 * n + 4))
			return 1;
		/* SAFE: checked by ft__rd_need(rd, 4 * n + 4) */
		if (!(ft__rd_u8(rd, 4 * n + 2) & 1))
			continue;
		if (!ft__rd_need(rd, 4 * n + 5))
			return 1;
		/* SAFE: checked by ft__rd_need(rd, 4 * n + 5) */
		nibble = ft__rd_u8(rd, 4 * n + 4) >> 4;
		return nibble == 4 || nibble == 6 || nibble <= 1;
	}
	return 0;
}

enum ft_dec_status
ft__decode_mpls_udp(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	uint16_t sport = d->udp.sport, dport = d->udp.dport;

	if (d->udp.len <= 8 || !looks_like_mpls(rd) || !ft__enter_tunnel(s, FT_TUN_MPLS_UDP))
		return FT_DEC_OK;
	if (d->n_tunnel == 1) {
		d->tunnel.sport = sport;
		d->tunnel.dport = dport;
	}
	return ft__decode_mpls(s, rd);
}

/*
 * Geneve (RFC 8926 section 3.4): version 2 bits, options length 6 bits (in
 * 4-byte units), O and C flags, protocol type, VNI, reserved; then options.
 * Another version is not Geneve as this decoder knows it: left as UDP payload.
 */
enum ft_dec_status
ft__decode_geneve(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	uint16_t sport = d->udp.sport, dport = d->udp.dport, proto;
	uint32_t hl;
	uint8_t b0;

	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GENEVE, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	b0 = ft__rd_u8(rd, 0);
	if ((b0 >> 6) != 0)
		return FT_DEC_OK;
	hl = 8 + (uint32_t)(b0 & 0x3f) * 4;
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GENEVE, rd->p);
	proto = ft__rd_be16(rd, 2);
	if (!ft__enter_tunnel(s, FT_TUN_GENEVE))
		return FT_DEC_OK;
	if (d->n_tunnel == 1) {
		d->tunnel.vni = ft__rd_be32(rd, 4) >> 8;
		d->tunnel.geneve_flags = ft__rd_u8(rd, 1) & 0xc0;
		d->tunnel.geneve_proto = proto;
		d->tunnel.geneve_opt_len = (uint16_t)(hl - 8);
		d->tunnel.sport = sport;
		d->tunnel.dport = dport;
	}
	d->layers |= FT_LAYER_GENEVE;
	ft__rd_skip(rd, hl);
	if (proto == FT_ETHERTYPE_TEB)
		return ft__decode_ether(s, rd, 1);
	return ft__decode_ethertype(s, rd, proto);
}

/*
 * GTP-U (3GPP TS 29.281 section 5): flags (version 1, PT 1, E, S, PN),
 * message type, length (of what follows the first 8 bytes), TEID; with any
 * of E/S/PN, a sequence number, N-PDU number and next extension type, then
 * the extension headers (length in 4-byte units, next type in the last
 * byte), at most FT_MAX_GTP_EXT. A T-PDU (type 255) carries an IP packet;
 * other messages (echo, error indication, ...) are left as UDP payload, and
 * so is anything that is not GTPv1 (GTP' has PT 0).
 */
enum ft_dec_status
ft__decode_gtpu(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	uint16_t sport = d->udp.sport, dport = d->udp.dport;
	uint32_t hl = 8, glen, elen;
	uint8_t flags, type, next;
	unsigned n;

	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GTP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	flags = ft__rd_u8(rd, 0);
	type = ft__rd_u8(rd, 1);
	if ((flags >> 5) != 1 || (flags & 0x10) == 0 || type != GTP_TPDU)
		return FT_DEC_OK;
	glen = ft__rd_be16(rd, 2);
	if (flags & 7) {
		hl = 12;
		if (glen < 4)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_GTP, rd->p + 2);
		if (!ft__rd_need(rd, hl))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GTP, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 12) */
		next = (flags & 4) ? ft__rd_u8(rd, 11) : 0;
		for (n = 0; next != 0; n++) {
			if (n == FT_MAX_GTP_EXT)
				return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_GTP, rd->p + hl);
			if (!ft__rd_need(rd, hl + 1))
				return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GTP, rd->p);
			/* SAFE: checked by ft__rd_need(rd, hl + 1) */
			elen = (uint32_t)ft__rd_u8(rd, hl) * 4;
			if (elen == 0 || hl + elen > glen + 8)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_GTP, rd->p + hl);
			if (!ft__rd_need(rd, hl + elen))
				return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GTP, rd->p);
			/* SAFE: checked by ft__rd_need(rd, hl + elen) */
			next = ft__rd_u8(rd, hl + elen - 1);
			hl += elen;
		}
	}
	if (!ft__enter_tunnel(s, FT_TUN_GTP))
		return FT_DEC_OK;
	if (d->n_tunnel == 1) {
		d->tunnel.teid = ft__rd_be32(rd, 4);
		d->tunnel.gtp_flags = flags;
		d->tunnel.gtp_type = type;
		d->tunnel.sport = sport;
		d->tunnel.dport = dport;
	}
	d->layers |= FT_LAYER_GTP;
	ft__rd_clamp(rd, glen + 8);
	ft__rd_skip(rd, hl);
	if (glen + 8 == hl)
		return FT_DEC_OK; /* an empty T-PDU */
	return ft__decode_ip_version(s, rd, FT_L_GTP, FT_DEC_OK);
}

/* VXLAN (RFC 7348 section 5): flags (I = 0x08), 24 reserved bits, VNI, reserved. */
enum ft_dec_status
ft__decode_vxlan(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	uint16_t sport = d->udp.sport, dport = d->udp.dport;
	uint32_t vni;

	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_VXLAN, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	if ((ft__rd_u8(rd, 0) & 0x08) == 0)
		return FT_DEC_OK; /* no valid VNI: not VXLAN as RFC 7348 defines it */
	vni = ft__rd_be32(rd, 4) >> 8;
	if (!ft__enter_tunnel(s, FT_TUN_VXLAN))
		return FT_DEC_OK;
	if (d->n_tunnel == 1) {
		d->tunnel.vni = vni;
		d->tunnel.sport = sport;
		d->tunnel.dport = dport;
	}
	d->layers |= FT_LAYER_VXLAN;
	ft__rd_skip(rd, 8);
	return ft__decode_ether(s, rd, 1);
}

/*
 * ERSPAN (draft-foschiano-erspan-03): type II is an 8-byte header (version 1),
 * type III a 12-byte header (version 2) plus an 8-byte platform-specific
 * subheader when its O bit is set. An Ethernet frame follows.
 */
static enum ft_dec_status
decode_erspan(struct ft__dec *s, struct ft_rd *rd, int type3)
{
	struct ft_decoded *d = s->d;
	uint32_t hl = type3 ? 12 : 8;
	uint8_t ver;

	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ERSPAN, rd->p);
	/* SAFE: checked by ft__rd_need(rd, hl) */
	ver = ft__rd_u8(rd, 0) >> 4;
	if (ver != (type3 ? 2 : 1))
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_ERSPAN, rd->p);
	if (type3 && (ft__rd_u8(rd, 11) & 1))
		hl += 8;
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_ERSPAN, rd->p);
	if (d->n_tunnel == 1) {
		d->tunnel.erspan_ver = ver;
		d->tunnel.erspan_id = ft__rd_be16(rd, 2) & 0x03ff;
	}
	d->layers |= FT_LAYER_ERSPAN;
	ft__rd_skip(rd, hl);
	return ft__decode_ether(s, rd, 1);
}

/*
 * GRE (RFC 2784; key and sequence number RFC 2890): flags C K S and version,
 * protocol type, then checksum+reserved, key, sequence number when flagged.
 * Version 1 (PPTP, RFC 2637) and source routing (RFC 1701) are not decoded.
 */
enum ft_dec_status
ft__decode_gre(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_decoded *d = s->d;
	uint16_t flags, proto;
	uint32_t hl = 4, key = 0, seq = 0;

	if (!ft__rd_need(rd, 4))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GRE, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 4) */
	flags = ft__rd_be16(rd, 0);
	proto = ft__rd_be16(rd, 2);
	if ((flags & 7) != 0 || (flags & 0x4000) != 0)
		return FT_DEC_OK;
	if (flags & 0x8000)
		hl += 4;
	if (flags & 0x2000)
		hl += 4;
	if (flags & 0x1000)
		hl += 4;
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GRE, rd->p);
	/* SAFE: checked by ft__rd_need(rd, hl) */
	if (flags & 0x2000)
		key = ft__rd_be32(rd, (flags & 0x8000) ? 8 : 4);
	if (flags & 0x1000)
		seq = ft__rd_be32(rd, hl - 4);
	if (!ft__enter_tunnel(s, FT_TUN_GRE))
		return FT_DEC_OK;
	if (d->n_tunnel == 1) {
		d->tunnel.gre_flags = flags;
		d->tunnel.gre_proto = proto;
		d->tunnel.gre_key = key;
		d->tunnel.gre_seq = seq;
	}
	d->layers |= FT_LAYER_GRE;
	ft__rd_skip(rd, hl);
	switch (proto) {
	case FT_ETHERTYPE_TEB:
		return ft__decode_ether(s, rd, 1);
	case FT_ETHERTYPE_ERSPAN2:
		/* without a sequence number: ERSPAN type I, no ERSPAN header */
		if ((flags & 0x1000) == 0)
			return ft__decode_ether(s, rd, 1);
		return decode_erspan(s, rd, 0);
	case FT_ETHERTYPE_ERSPAN3:
		return decode_erspan(s, rd, 1);
	case FT_ETHERTYPE_WCCP:
		/* WCCPv2 puts a 4-byte redirect header before the IPv4 header;
		 * WCCPv1 does not. Told apart by the IP version nibble, as
		 * tcpdump and Wireshark do. */
		if (!ft__rd_need(rd, 1))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GRE, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 1) */
		if ((ft__rd_u8(rd, 0) >> 4) != 4) {
			if (!ft__rd_need(rd, 4))
				return ft__fail(s, FT_DEC_TRUNCATED, FT_L_GRE, rd->p);
			ft__rd_skip(rd, 4);
		}
		return ft__decode_ip4(s, rd);
	default:
		return ft__decode_ethertype(s, rd, proto);
	}
}
