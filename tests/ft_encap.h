/*
 * tests/ft_encap.h - frames of every encapsulation the decoder follows to an
 * inner TCP segment (PPPoE, PPP, Cisco HDLC, MPLS, Geneve, GTP-U, IP in IP),
 * built byte by byte for test_decode_tunnel.c and test_shard.c. Header-only.
 *
 * fe_build() writes one frame of a kind in one direction of the inner TCP
 * conversation (192.168.1.1:40000 <-> 10.9.9.9:80, or fd00::1 <-> fd00::2),
 * with 4 payload bytes "abcd". The outer headers are deliberately NOT mirrored
 * between the two directions (other MACs, labels, TEIDs, outer ports and
 * addresses), as on a real network where each direction takes its own path,
 * so that only the inner flow can make both directions hash alike.
 *
 * While building, the frame records which layer owns each byte range: cut
 * the frame at any offset below the payload and the decoder must say
 * "truncated" in exactly that layer (fe_cut_layer()). A layer that reads the
 * first byte of the next one to choose it (MPLS and GTP-U read the IP version
 * nibble, DLT_PPP_SERIAL the address byte) owns that byte too: fe_peek().
 */
#ifndef FT_TESTS_ENCAP_H
#define FT_TESTS_ENCAP_H

#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "gen/frame.h"

#define FE_MAX_SEG 16

struct fe {
	uint8_t b[512];
	uint32_t n;
	int dlt;
	uint32_t inner;   /* offset of the inner IP header */
	uint32_t payload; /* offset of the TCP payload: cuts from here decode fully */
	unsigned nseg;
	struct {
		uint32_t start;
		uint8_t layer;
	} seg[FE_MAX_SEG];
};

enum fe_kind {
	FE_PPPOE4,      /* Ethernet, PPPoE session, PPP 0x0021, IPv4 (+ Ethernet padding) */
	FE_PPPOE6,      /* Ethernet, PPPoE session, PPP 0x0057, IPv6 */
	FE_PPP,         /* DLT_PPP: ff 03, 0x0021 */
	FE_PPP_PFC,     /* DLT_PPP: no address/control, compressed protocol 0x21 */
	FE_PPP_SERIAL,  /* DLT_PPP_SERIAL: ff 03, 0x0057 */
	FE_SERIAL_HDLC, /* DLT_PPP_SERIAL carrying a Cisco HDLC frame */
	FE_PPP_ETHER,   /* DLT_PPP_ETHER: PPPoE header, PPP 0x0021 */
	FE_CHDLC,       /* DLT_C_HDLC: 0f 00 0800 */
	FE_MPLS,        /* Ethernet 0x8847, two labels, IPv4 */
	FE_MPLS6,       /* Ethernet 0x8847, one label, IPv6 */
	FE_MPLS_PW_CW,  /* Ethernet 0x8847, label, control word, Ethernet, IPv4 */
	FE_MPLS_PW,     /* Ethernet 0x8847, label, Ethernet (no control word: an ethertype at 12) */
	FE_GRE_MPLS,    /* Ethernet, IPv4, GRE 0x8847, label, IPv4 */
	FE_PPP_MPLS,    /* DLT_PPP, 0x0281, label, IPv4 */
	FE_GENEVE_ETH,  /* Ethernet, IPv4, UDP 6081, Geneve with 8 bytes of options, Ethernet, IPv4
			 */
	FE_GENEVE_IP,   /* Ethernet, IPv6, UDP 6081, Geneve protocol 0x0800, IPv4 */
	FE_GTP,         /* Ethernet, IPv4, UDP 2152, GTP-U T-PDU, IPv4 */
	FE_GTP_EXT,     /* ... GTP-U with sequence number and two extension headers, IPv6 */
	FE_IP4IN6,      /* Ethernet, IPv6 (next header 4), IPv4 */
	FE_IP6IN6,      /* Ethernet, IPv6 (next header 41), IPv6 */
	FE_IP4IN4,      /* Ethernet, IPv4 (protocol 4), IPv4 */
	FE_IP6IN4,      /* Ethernet, IPv4 (protocol 41), IPv6 */
	FE_IPOIB,       /* DLT_IPOIB: 40 bytes of addresses, 0x0800, reserved, IPv4 */
	FE_JUNIPER,     /* DLT_JUNIPER_ETHER: MGC, flags 0x80, 4 bytes of TLVs, Ethernet, IPv4 */
	FE_WCCP2,       /* Ethernet, IPv4, GRE 0x883e, WCCPv2 redirect header, IPv4 */
	FE_WCCP1,       /* Ethernet, IPv4, GRE 0x883e, IPv4 (WCCPv1: no redirect header) */
	FE_MPLS_UDP,    /* Ethernet, IPv4, UDP 6635, label, IPv4 (RFC 7510) */
	FE_ARISTA,      /* Ethernet 0xd28b: Arista's 64-bit timestamp, 0x0800, IPv4 */
	FE_ARISTA48,    /* ... the 48-bit timestamp, 0x86dd, IPv6 */
	FE_FRELAY,      /* DLT_FRELAY: 2-byte Q.922 address, Cisco's ethertype 0x86dd, IPv6 */
	FE_FRELAY_SNAP, /* DLT_FRELAY: 3-byte address, UI, pad, NLPID 0x80 SNAP 0x0800, IPv4 */
	FE_FRELAY_IP,   /* DLT_FRELAY: 4-byte address, UI, NLPID 0xcc, IPv4 */
	FE_ARCNET,      /* DLT_ARCNET: src, dst, protocol 212, flag 0, sequence number, IPv4 */
	FE_ARCNET_EXC,  /* ... the exception form: flag 0xff, 4 bytes, flag 0, sequence, IPv6 */
	FE_ARCNET_LINUX, /* DLT_ARCNET_LINUX: src, dst, offset, protocol 212, flag, sequence, IPv4
			  */
	FE_ARCNET_1051,  /* DLT_ARCNET_LINUX: src, dst, offset, protocol 240 (RFC 1051), IPv4 */
	FE_N
};

static inline void
fe_put(struct fe *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static inline void
fe_u8(struct fe *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static inline void
fe_be16(struct fe *f, uint16_t v)
{
	ftg_wr16(f->b + f->n, v);
	f->n += 2;
}

static inline void
fe_be32(struct fe *f, uint32_t v)
{
	ftg_wr32(f->b + f->n, v);
	f->n += 4;
}

static inline void
fe_set16(struct fe *f, uint32_t at, uint32_t v)
{
	ftg_wr16(f->b + at, (uint16_t)v);
}

/* The bytes from here on belong to layer (FT_L_NONE: the payload, decodes fully). */
static inline void
fe_layer(struct fe *f, enum ft_layer layer)
{
	f->seg[f->nseg].start = f->n;
	f->seg[f->nseg].layer = (uint8_t)layer;
	f->nseg++;
}

/* The layer before the current one also reads its first byte. */
static inline void
fe_peek(struct fe *f)
{
	f->seg[f->nseg - 1].start++;
}

/* The layer a frame cut to `cut` bytes must report as truncated (FT_L_NONE: none). */
static inline enum ft_layer
fe_cut_layer(const struct fe *f, uint32_t cut)
{
	enum ft_layer l = FT_L_NONE;

	for (unsigned i = 0; i < f->nseg; i++)
		if (f->seg[i].start <= cut)
			l = (enum ft_layer)f->seg[i].layer;
	return l;
}

static inline void
fe_eth(struct fe *f, int dir, uint16_t type)
{
	/* different routers each way: the MAC pair is not mirrored */
	static const uint8_t m[4][6] = {{0x02, 0, 0, 0, 0, 0x11}, {0x02, 0, 0, 0, 0, 0x12},
		{0x02, 0, 0, 0, 0, 0x23}, {0x02, 0, 0, 0, 0, 0x24}};

	fe_layer(f, FT_L_ETH);
	fe_put(f, m[2 * dir], 6);
	fe_put(f, m[2 * dir + 1], 6);
	fe_be16(f, type);
}

static inline uint32_t
fe_ip4(struct fe *f, uint32_t src, uint32_t dst, uint8_t proto)
{
	uint32_t off = f->n;

	fe_layer(f, FT_L_IP4);
	fe_be32(f, 0x45000000);
	fe_be32(f, 0x12344000);
	fe_u8(f, 64);
	fe_u8(f, proto);
	fe_be16(f, 0);
	fe_be32(f, src);
	fe_be32(f, dst);
	return off;
}

static inline uint32_t
fe_ip6(struct fe *f, uint8_t src_last, uint8_t dst_last, uint8_t nh)
{
	uint32_t off = f->n;
	uint8_t a[16] = {0xfd, 0};

	fe_layer(f, FT_L_IP6);
	fe_be32(f, 0x60000000);
	fe_be16(f, 0);
	fe_u8(f, nh);
	fe_u8(f, 64);
	a[15] = src_last;
	fe_put(f, a, 16);
	a[15] = dst_last;
	fe_put(f, a, 16);
	return off;
}

/* Fill in the IP length fields of the header at off: everything up to `end`. */
static inline void
fe_ip_end(struct fe *f, uint32_t off, uint32_t end)
{
	if ((f->b[off] >> 4) == 4)
		fe_set16(f, off + 2, end - off);
	else
		fe_set16(f, off + 4, end - off - 40);
}

static inline uint32_t
fe_udp(struct fe *f, uint16_t sport, uint16_t dport)
{
	uint32_t off = f->n;

	fe_layer(f, FT_L_UDP);
	fe_be16(f, sport);
	fe_be16(f, dport);
	fe_be32(f, 0);
	return off;
}

/* The inner IP + TCP segment "abcd" of direction dir; returns where it ends. */
static inline uint32_t
fe_inner(struct fe *f, int dir, int v6)
{
	uint32_t ip;

	f->inner = f->n;
	if (v6)
		ip = fe_ip6(f, dir ? 2 : 1, dir ? 1 : 2, 6);
	else
		ip = dir ? fe_ip4(f, 0x0a090909, 0xc0a80101, 6)
			 : fe_ip4(f, 0xc0a80101, 0x0a090909, 6);
	fe_layer(f, FT_L_TCP);
	fe_be16(f, dir ? 80 : 40000);
	fe_be16(f, dir ? 40000 : 80);
	fe_be32(f, dir ? 0x20000001 : 0x10000001);
	fe_be32(f, dir ? 0x10000005 : 0x20000001);
	fe_be16(f, 0x5018);
	fe_be16(f, 512);
	fe_be32(f, 0);
	fe_layer(f, FT_L_NONE);
	f->payload = f->n;
	fe_put(f, "abcd", 4);
	fe_ip_end(f, ip, f->n);
	return f->n;
}

/* After fe_inner(): the layer before the inner IP header reads its version nibble. */
static inline void
fe_peek_inner(struct fe *f)
{
	f->seg[f->nseg - 3].start++; /* segments: ..., inner IP, TCP, payload */
}

static inline void
fe_mpls(struct fe *f, uint32_t label, uint8_t tc, int bos, uint8_t ttl)
{
	if (f->nseg == 0 || f->seg[f->nseg - 1].layer != FT_L_MPLS)
		fe_layer(f, FT_L_MPLS);
	fe_be32(f, label << 12 | (uint32_t)tc << 9 | (uint32_t)(bos ? 0x100 : 0) | ttl);
}

/* Ethernet, IPv4 between two routers, a plain GRE header of protocol proto. @return the IP
 * header's offset, for fe_ip_end(). */
static inline uint32_t
fe_gre(struct fe *f, int dir, uint16_t proto)
{
	uint32_t ip;

	fe_eth(f, dir, 0x0800);
	ip = dir ? fe_ip4(f, 0x0b000002, 0x0b000001, 47) : fe_ip4(f, 0x0b000001, 0x0b000002, 47);
	fe_layer(f, FT_L_GRE);
	fe_be32(f, proto);
	return ip;
}

/* PPPoE session header (code 0), then PPP protocol proto; the length is set by fe_pppoe_end. */
static inline uint32_t
fe_pppoe(struct fe *f, uint16_t proto)
{
	uint32_t off = f->n;

	fe_layer(f, FT_L_PPPOE);
	fe_be32(f, 0x11000000 | 0x1234);
	fe_be16(f, 0);
	fe_layer(f, FT_L_PPP);
	fe_be16(f, proto);
	return off;
}

static inline void
fe_pppoe_end(struct fe *f, uint32_t off)
{
	fe_set16(f, off + 4, f->n - off - 6);
}

/* A UDP tunnel (Geneve, GTP-U) over IPv4 or IPv6 from the outer endpoints of dir. */
static inline void
fe_udp_tunnel_end(struct fe *f, uint32_t ip, uint32_t udp)
{
	fe_set16(f, udp + 4, f->n - udp);
	fe_ip_end(f, ip, f->n);
}

static inline void
fe_build(struct fe *f, enum fe_kind kind, int dir)
{
	uint32_t ip, udp, h, end;

	memset(f, 0, sizeof(*f));
	f->dlt = FT_DLT_EN10MB;
	switch (kind) {
	case FE_PPPOE4:
	case FE_PPPOE6:
		fe_eth(f, dir, 0x8864);
		h = fe_pppoe(f, kind == FE_PPPOE4 ? 0x0021 : 0x0057);
		fe_inner(f, dir, kind == FE_PPPOE6);
		fe_pppoe_end(f, h);
		if (kind == FE_PPPOE4)
			fe_put(f, "\0\0\0\0\0\0", 6); /* Ethernet padding to 60 bytes */
		break;
	case FE_PPP:
	case FE_PPP_PFC:
	case FE_PPP_SERIAL:
		f->dlt = kind == FE_PPP_SERIAL ? FT_DLT_PPP_SERIAL : FT_DLT_PPP;
		fe_layer(f, FT_L_PPP);
		if (kind == FE_PPP_PFC) {
			fe_u8(f, 0x21);
		} else {
			fe_be16(f, 0xff03);
			fe_be16(f, kind == FE_PPP ? 0x0021 : 0x0057);
		}
		fe_inner(f, dir, kind == FE_PPP_SERIAL);
		break;
	case FE_SERIAL_HDLC:
	case FE_CHDLC:
		f->dlt = kind == FE_CHDLC ? FT_DLT_C_HDLC : FT_DLT_PPP_SERIAL;
		if (kind == FE_SERIAL_HDLC)
			fe_layer(f, FT_L_PPP); /* not even the address byte: PPP's cut */
		fe_layer(f, FT_L_CHDLC);
		if (kind == FE_SERIAL_HDLC)
			fe_peek(f);
		fe_be32(f, dir ? 0x8f000800 : 0x0f000800);
		fe_inner(f, dir, 0);
		break;
	case FE_PPP_ETHER:
		f->dlt = FT_DLT_PPP_ETHER;
		h = fe_pppoe(f, 0x0021);
		fe_inner(f, dir, 0);
		fe_pppoe_end(f, h);
		break;
	case FE_MPLS:
	case FE_MPLS6:
		fe_eth(f, dir, 0x8847);
		if (kind == FE_MPLS)
			fe_mpls(f, dir ? 20 : 16, 0, 0, 64);
		fe_mpls(f, dir ? 21 : 17, 5, 1, 63);
		fe_inner(f, dir, kind == FE_MPLS6);
		fe_peek_inner(f); /* MPLS reads the IP version nibble */
		break;
	case FE_MPLS_PW_CW:
	case FE_MPLS_PW:
		fe_eth(f, dir, 0x8847);
		fe_mpls(f, dir ? 300 : 299, 0, 1, 255);
		if (kind == FE_MPLS_PW_CW)
			fe_be32(f, 0); /* control word (RFC 4385) */
		fe_layer(f, FT_L_INNER_ETH);
		if (kind == FE_MPLS_PW) {
			/*
			 * Cut before its ethertype, a pseudowire without control
			 * word looks like one with: its first 4 bytes are MPLS's.
			 */
			for (int i = 0; i < 4; i++)
				fe_peek(f);
		}
		fe_put(f,
			dir ? "\x00\x0c\x29\x99\xaa\xbb\x00\x1b\x21\x33\x44\x55"
			    : "\x00\x1b\x21\x33\x44\x55\x00\x0c\x29\x99\xaa\xbb",
			12);
		fe_be16(f, 0x0800);
		fe_inner(f, dir, 0);
		break;
	case FE_GRE_MPLS:
		ip = fe_gre(f, dir, 0x8847);
		fe_mpls(f, dir ? 40 : 41, 0, 1, 64);
		fe_inner(f, dir, 0);
		fe_peek_inner(f);
		fe_ip_end(f, ip, f->n);
		break;
	case FE_PPP_MPLS:
		f->dlt = FT_DLT_PPP;
		fe_layer(f, FT_L_PPP);
		fe_be32(f, 0xff030281);
		fe_mpls(f, dir ? 50 : 51, 0, 1, 64);
		fe_inner(f, dir, 0);
		fe_peek_inner(f);
		break;
	case FE_GENEVE_ETH:
	case FE_GENEVE_IP:
		fe_eth(f, dir, kind == FE_GENEVE_ETH ? 0x0800 : 0x86dd);
		if (kind == FE_GENEVE_ETH)
			ip = dir ? fe_ip4(f, 0x14000002, 0x14000001, 17)
				 : fe_ip4(f, 0x14000001, 0x14000002, 17);
		else
			ip = fe_ip6(f, dir ? 0x22 : 0x21, dir ? 0x21 : 0x22, 17);
		udp = fe_udp(f, dir ? 54321 : 12345, 6081);
		fe_layer(f, FT_L_GENEVE);
		if (kind == FE_GENEVE_ETH) {
			fe_be32(f, 0x02406558); /* 2 option words, C flag, Ethernet */
			fe_be32(f, (dir ? 0xb : 0xa) << 8);
			fe_be32(f, 0x01020301); /* class 0x0102, type 3, 1 word */
			fe_be32(f, 0xdeadbeef);
			fe_layer(f, FT_L_INNER_ETH);
			fe_put(f, "\x02\x42\0\0\0\x02\x02\x42\0\0\0\x01", 12);
			fe_be16(f, 0x0800);
		} else {
			fe_be32(f, 0x00000800);
			fe_be32(f, 7 << 8);
		}
		fe_inner(f, dir, 0);
		fe_udp_tunnel_end(f, ip, udp);
		break;
	case FE_GTP:
	case FE_GTP_EXT:
		fe_eth(f, dir, 0x0800);
		ip = dir ? fe_ip4(f, 0x0a0000fe, 0x0a000001, 17)
			 : fe_ip4(f, 0x0a000001, 0x0a0000fe, 17);
		udp = fe_udp(f, 2152, 2152);
		fe_layer(f, FT_L_GTP);
		h = f->n;
		fe_be16(f, kind == FE_GTP ? 0x30ff : 0x36ff); /* E and S in the second one */
		fe_be16(f, 0);
		fe_be32(f, dir ? 0x22222222 : 0x11111111);
		if (kind == FE_GTP_EXT) {
			fe_be32(f,
				0x00070085); /* sequence 7, N-PDU 0, next: PDU session container */
			fe_be32(f, 0x01000940); /* 1 word: QFI 9, next: 0x40 (UDP port) */
			fe_be32(f, 0x01084000); /* 1 word: port 2112, next: none */
		}
		end = fe_inner(f, dir, kind == FE_GTP_EXT);
		fe_peek_inner(f); /* GTP-U reads the IP version nibble */
		fe_set16(f, h + 2, end - h - 8);
		fe_udp_tunnel_end(f, ip, udp);
		break;
	case FE_IP4IN6:
	case FE_IP6IN6:
		fe_eth(f, dir, 0x86dd);
		ip = fe_ip6(f, dir ? 0x32 : 0x31, dir ? 0x33 : 0x34, kind == FE_IP4IN6 ? 4 : 41);
		fe_inner(f, dir, kind == FE_IP6IN6);
		fe_ip_end(f, ip, f->n);
		break;
	case FE_IP4IN4:
	case FE_IP6IN4:
		fe_eth(f, dir, 0x0800);
		ip = dir ? fe_ip4(f, 0x03030303, 0x04040404, kind == FE_IP4IN4 ? 4 : 41)
			 : fe_ip4(f, 0x01010101, 0x02020202, kind == FE_IP4IN4 ? 4 : 41);
		fe_inner(f, dir, kind == FE_IP6IN4);
		fe_ip_end(f, ip, f->n);
		break;
	case FE_IPOIB:
		f->dlt = FT_DLT_IPOIB;
		fe_layer(f, FT_L_LINK);
		for (int i = 0; i < 40; i++)
			fe_u8(f, (uint8_t)(dir ? 0xa0 + i : i));
		fe_be32(f, 0x08000000);
		fe_inner(f, dir, 0);
		break;
	case FE_JUNIPER:
		f->dlt = FT_DLT_JUNIPER_ETHER;
		fe_layer(f, FT_L_LINK);
		fe_be32(f, 0x4d474380 | (uint32_t)dir); /* "MGC", extensions, direction bit */
		fe_be16(f, 4);
		fe_be32(f, 0x03010106); /* media type TLV: Ethernet; a TLV of length 1 */
		fe_eth(f, dir, 0x0800);
		fe_inner(f, dir, 0);
		break;
	case FE_WCCP2:
	case FE_WCCP1:
		ip = fe_gre(f, dir, 0x883e);
		if (kind == FE_WCCP2)
			fe_be32(f, 0x05590048); /* dynamic service 0x59, alternate bucket 0x48 */
		fe_inner(f, dir, 0);
		if (kind == FE_WCCP1)
			fe_peek_inner(f); /* GRE reads the version nibble */
		fe_ip_end(f, ip, f->n);
		break;
	case FE_MPLS_UDP:
		fe_eth(f, dir, 0x0800);
		ip = dir ? fe_ip4(f, 0x0a0000fe, 0x0a000001, 17)
			 : fe_ip4(f, 0x0a000001, 0x0a0000fe, 17);
		udp = fe_udp(f, dir ? 51348 : 58699, 6635);
		fe_mpls(f, dir ? 46 : 21, 0, 1, 63);
		fe_inner(f, dir, 0);
		fe_peek_inner(f);
		fe_udp_tunnel_end(f, ip, udp);
		break;
	case FE_ARISTA:
	case FE_ARISTA48:
		fe_eth(f, dir, 0xd28b);
		fe_be16(f, 0x0001);                              /* timestamp */
		fe_be16(f, kind == FE_ARISTA ? 0x0010 : 0x0121); /* format, UTC, R3 */
		fe_be32(f, 0x5ceeed57);
		if (kind == FE_ARISTA)
			fe_be32(f, 0x384f59c8);
		else
			fe_be16(f, 0x384f);
		fe_be16(f, kind == FE_ARISTA ? 0x0800 : 0x86dd);
		fe_inner(f, dir, kind == FE_ARISTA48);
		break;
	case FE_FRELAY:
	case FE_FRELAY_SNAP:
	case FE_FRELAY_IP:
		f->dlt = FT_DLT_FRELAY;
		fe_layer(f, FT_L_LINK);
		fe_u8(f, 0x48); /* DLCI high bits, EA 0 */
		if (kind == FE_FRELAY) {
			fe_u8(f, (uint8_t)(dir ? 0xf1 : 0xe1)); /* EA 1 */
			fe_be16(f, 0x86dd);
		} else if (kind == FE_FRELAY_SNAP) {
			fe_u8(f, 0xe0);
			fe_u8(f, 0x01);     /* third byte, EA 1 */
			fe_be16(f, 0x0300); /* UI, pad */
			fe_u8(f, 0x80);     /* SNAP */
			fe_u8(f, 0);
			fe_be32(f, 0x00000800); /* OUI 0, ethertype */
		} else {
			fe_be16(f, 0xe000);
			fe_u8(f, 0x01);     /* fourth byte, EA 1 */
			fe_be16(f, 0x03cc); /* UI, NLPID IPv4 */
		}
		fe_inner(f, dir, kind == FE_FRELAY);
		break;
	case FE_ARCNET:
	case FE_ARCNET_EXC:
		f->dlt = FT_DLT_ARCNET;
		fe_layer(f, FT_L_LINK);
		fe_u8(f, (uint8_t)(dir ? 0x50 : 0xbe));
		fe_u8(f, (uint8_t)(dir ? 0xbe : 0x50));
		fe_u8(f, kind == FE_ARCNET ? 212 : 0xc4);
		if (kind == FE_ARCNET_EXC) {
			fe_u8(f, 0xff);     /* the exception flag, */
			fe_be16(f, 0x0000); /* a sequence number, the protocol again, */
			fe_u8(f, 0xc4);     /* then flag and sequence number as usual */
		}
		fe_u8(f, 0);        /* not split */
		fe_be16(f, 0x0102); /* sequence number */
		fe_inner(f, dir, kind == FE_ARCNET_EXC);
		break;
	case FE_ARCNET_LINUX:
	case FE_ARCNET_1051:
		f->dlt = FT_DLT_ARCNET_LINUX;
		fe_layer(f, FT_L_LINK);
		fe_u8(f, (uint8_t)(dir ? 0x50 : 0xbe));
		fe_u8(f, (uint8_t)(dir ? 0xbe : 0x50));
		fe_be16(f, 0xab08); /* offset */
		if (kind == FE_ARCNET_LINUX) {
			fe_u8(f, 212);
			fe_u8(f, 0);
			fe_be16(f, 0x0304);
		} else {
			fe_u8(f, 240);
		}
		fe_inner(f, dir, 0);
		break;
	case FE_N:
		break;
	}
}

#endif
