/*
 * decode/decode_link.c - the rarer link layers: IP over InfiniBand, ARCnet,
 * Frame Relay and Juniper's Ethernet pseudo-header. Each strips its header
 * and continues with an ethertype, an IP header or an Ethernet frame.
 * Same rules as decode.c (one cursor, each header checked once).
 * Ethernet, Linux cooked (SLL, SLL2), BSD loopback and raw IP, the link
 * types of almost every capture, stay in decode.c, where they inline.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "decode/decode_internal.h"
#include "decode/proto.h"
#include "decode/rd.h"

/*
 * DLT_IPOIB (https://www.tcpdump.org/linktypes/LINKTYPE_IPOIB.html): a 44-byte
 * pseudo-header (the 20-byte destination and source hardware addresses),
 * then a 2-byte ethertype and 2 reserved bytes, then the packet.
 */
enum ft_dec_status
ft__decode_ipoib(struct ft__dec *s, struct ft_rd *rd)
{
	uint16_t type;

	if (!ft__rd_need(rd, 44))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 44) */
	type = ft__rd_be16(rd, 40);
	ft__rd_skip(rd, 44);
	return ft__decode_ethertype(s, rd, type);
}

/*
 * ARCNET (tcpdump's print-arcnet.c; RFC 1051, RFC 1201). DLT_ARCNET: source
 * and destination station, a protocol byte, and for the RFC 1201 protocols a
 * split flag and a sequence number (after a 0xff flag, the exception form:
 * 4 more bytes, then the flag and sequence number again). DLT_ARCNET_LINUX:
 * source, destination, a 2-byte offset, the protocol byte, and for RFC 1201
 * protocols flag and sequence number (the kernel has joined the splits). The
 * RFC 1051 protocols (240, 241) and diagnostics carry no flag. A split
 * packet's pieces (flag not 0) are not joined here: only the link is decoded.
 */
enum ft_dec_status
ft__decode_arcnet(struct ft__dec *s, struct ft_rd *rd, int linux_hdr)
{
	uint32_t at = linux_hdr ? 4 : 2, hl = at + 1;
	uint8_t type, flag = 0;
	uint16_t et;

	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
	/* SAFE: checked by ft__rd_need(rd, hl) */
	type = ft__rd_u8(rd, at);
	if (type != 240 && type != 241 && type != 0x80) { /* RFC 1201: flag, sequence number */
		hl += 3;
		if (!ft__rd_need(rd, hl))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
		/* SAFE: checked by ft__rd_need(rd, hl) */
		flag = ft__rd_u8(rd, at + 1);
		if (!linux_hdr && flag == 0xff) {
			hl += 4;
			if (!ft__rd_need(rd, hl))
				return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
			/* SAFE: checked by ft__rd_need(rd, hl) */
			flag = ft__rd_u8(rd, at + 5);
		}
		if (linux_hdr)
			flag = 0;
	}
	ft__rd_skip(rd, hl);
	if (flag != 0)
		return FT_DEC_OK; /* a piece of a split packet */
	switch (type) {
	case 212: /* IP */
	case 240: /* IP, RFC 1051 */
		et = FT_ETHERTYPE_IP4;
		break;
	case 0xc4:
		et = FT_ETHERTYPE_IP6;
		break;
	case 213: /* ARP */
	case 241: /* ARP, RFC 1051 */
		et = FT_ETHERTYPE_ARP;
		break;
	case 214:
		et = FT_ETHERTYPE_RARP;
		break;
	default:
		return FT_DEC_OK; /* not decoded: not an error */
	}
	return ft__decode_ethertype(s, rd, et);
}

/*
 * Frame Relay (DLT_FRELAY; tcpdump's print-fr.c, RFC 2427): a Q.922 address
 * of 2 to 4 bytes (the EA bit ends it), then either RFC 2427's UI control
 * 0x03, an optional pad 0x00 and an NLPID (0xcc IPv4, 0x8e IPv6, 0x80 SNAP:
 * OUI and ethertype), or Cisco's encapsulation: an ethertype at once.
 * Other NLPIDs (OSI, Q.933 signalling) are not decoded.
 */
enum ft_dec_status
ft__decode_frelay(struct ft__dec *s, struct ft_rd *rd)
{
	uint32_t al = 0, hl;
	uint8_t nlpid;

	do {
		if (!ft__rd_need(rd, al + 1))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
		/* SAFE: checked by ft__rd_need(rd, al + 1) */
		if (al == 0 && (ft__rd_u8(rd, 0) & 1))
			return ft__fail(
				s, FT_DEC_MALFORMED, FT_L_LINK, rd->p); /* EA on the first byte */
		al++;
	} while (!(ft__rd_u8(rd, al - 1) & 1) && al < 4); /* SAFE: byte al - 1 was checked */
	if (al < 2 || !(ft__rd_u8(rd, al - 1) & 1))       /* SAFE: as above */
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_LINK, rd->p);
	if (!ft__rd_need(rd, al + 2))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
	/* SAFE: checked by ft__rd_need(rd, al + 2) */
	if (ft__rd_u8(rd, al) != 0x03) { /* Cisco: an ethertype */
		uint16_t type = ft__rd_be16(rd, al);

		ft__rd_skip(rd, al + 2);
		return ft__decode_ethertype(s, rd, type);
	}
	hl = al + (ft__rd_u8(rd, al + 1) == 0 ? 3 : 2); /* UI, a pad?, the NLPID */
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
	/* SAFE: checked by ft__rd_need(rd, hl) */
	nlpid = ft__rd_u8(rd, hl - 1);
	if (nlpid == 0x80) { /* SNAP: OUI, ethertype */
		if (!ft__rd_need(rd, hl + 5))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
		/* SAFE: checked by ft__rd_need(rd, hl + 5) */
		uint16_t type = ft__rd_be16(rd, hl + 3);
		int oui0 = ft__rd_u8(rd, hl) == 0 && ft__rd_u8(rd, hl + 1) == 0 &&
			   ft__rd_u8(rd, hl + 2) == 0;

		ft__rd_skip(rd, hl + 5);
		return oui0 ? ft__decode_ethertype(s, rd, type) : FT_DEC_OK;
	}
	ft__rd_skip(rd, hl);
	if (nlpid == 0xcc)
		return ft__decode_ip4(s, rd);
	if (nlpid == 0x8e)
		return ft__decode_ip6(s, rd);
	return FT_DEC_OK; /* not decoded: not an error */
}

/*
 * DLT_JUNIPER_ETHER (tcpdump's print-juniper.c): the magic "MGC", a flags
 * byte, and when flag 0x80 is set a 2-byte length of the extension TLVs that
 * follow; then the Ethernet frame. Flag 0x02 ("no L2 header") is only used
 * by other Juniper link types, so it is refused here, as tcpdump does.
 */
enum ft_dec_status
ft__decode_juniper_ether(struct ft__dec *s, struct ft_rd *rd)
{
	uint32_t hl = 4;
	uint8_t flags;

	if (!ft__rd_need(rd, 4))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 4) */
	if (ft__rd_u8(rd, 0) != 'M' || ft__rd_u8(rd, 1) != 'G' || ft__rd_u8(rd, 2) != 'C')
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_LINK, rd->p);
	flags = ft__rd_u8(rd, 3);
	if (flags & 0x02)
		return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_LINK, rd->p);
	if (flags & 0x80) {
		if (!ft__rd_need(rd, 6))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 6) */
		hl += 2u + ft__rd_be16(rd, 4);
	}
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_LINK, rd->p);
	ft__rd_skip(rd, hl);
	return ft__decode_ether(s, rd, 0);
}
