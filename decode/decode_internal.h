/*
 * decode/decode_internal.h - state shared by the decoder's files.
 *
 * One struct ft__dec lives on ft_decode()'s stack for the duration of a
 * frame. Layer decoders take it plus a cursor (struct ft_rd) whose window is
 * already clamped to what the enclosing header declares, and return the
 * frame's status. Dispatch is a switch on the next-protocol value, never a
 * table of function pointers.
 */
#ifndef FT_DECODE_INTERNAL_H
#define FT_DECODE_INTERNAL_H

#include <stdint.h>
#include <stddef.h>

#include "flowtap/decode.h"
#include "decode/rd.h"

struct ft__dec {
	struct ft_decoded *d;
	const uint8_t *pkt; /* frame start: err_off is measured from here */
	uint32_t caplen;
	uint32_t wirelen;
};

/*
 * Record why decoding stopped. The first error wins: a later call (e.g. an
 * option error followed by a truncated payload) does not overwrite it.
 */
static inline enum ft_dec_status
ft__fail(struct ft__dec *s, enum ft_dec_status st, enum ft_layer layer, const uint8_t *at)
{
	struct ft_decoded *d = s->d;
	size_t off;

	if (d->status == FT_DEC_OK) {
		off = (at != NULL && s->pkt != NULL) ? (size_t)(at - s->pkt) : 0;
		d->status = (uint8_t)st;
		d->err_layer = (uint8_t)layer;
		d->err_off = (uint16_t)(off > 0xffff ? 0xffff : off);
	}
	return (enum ft_dec_status)d->status;
}

/* decode.c: continue with the protocol named by an ethertype. */
enum ft_dec_status ft__decode_ethertype(struct ft__dec *s, struct ft_rd *rd, uint16_t type);
/* decode.c: 802.2 LLC (+SNAP); eth (may be NULL) gets the SNAP ethertype. */
enum ft_dec_status ft__decode_llc(struct ft__dec *s, struct ft_rd *rd, struct ft_eth *eth);

/* decode.c: IPv4, IPv6, Ethernet (inner: stored in tunnel.eth), tunnel entry. */
enum ft_dec_status ft__decode_ip4(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_ip6(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_ether(struct ft__dec *s, struct ft_rd *rd, int inner);
int ft__enter_tunnel(struct ft__dec *s, enum ft_tunnel_type type);
/* decode.c: IPv4 or IPv6 by the version nibble; other: the status for another nibble. */
enum ft_dec_status ft__decode_ip_version(
	struct ft__dec *s, struct ft_rd *rd, enum ft_layer layer, enum ft_dec_status other);

/* decode_encap.c */
enum ft_dec_status ft__decode_mpls(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_pppoe(struct ft__dec *s, struct ft_rd *rd, int discovery);
enum ft_dec_status ft__decode_ppp_link(struct ft__dec *s, struct ft_rd *rd, int serial);
enum ft_dec_status ft__decode_chdlc(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_geneve(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_gtpu(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_mpls_udp(struct ft__dec *s, struct ft_rd *rd);
/* GRE (IP protocol 47) and VXLAN (UDP port 4789): their payload, as a tunnel. */
enum ft_dec_status ft__decode_gre(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_vxlan(struct ft__dec *s, struct ft_rd *rd);

/* decode_link.c: link types other than the common ones of ft_decode() itself. */
enum ft_dec_status ft__decode_ipoib(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_arcnet(struct ft__dec *s, struct ft_rd *rd, int linux_hdr);
enum ft_dec_status ft__decode_frelay(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_juniper_ether(struct ft__dec *s, struct ft_rd *rd);

/* decode_icmp.c */
enum ft_dec_status ft__decode_arp(struct ft__dec *s, struct ft_rd *rd);
enum ft_dec_status ft__decode_icmp(struct ft__dec *s, struct ft_rd *rd, uint32_t decl);
enum ft_dec_status ft__decode_icmp6(struct ft__dec *s, struct ft_rd *rd, uint32_t decl);
enum ft_dec_status ft__decode_igmp(struct ft__dec *s, struct ft_rd *rd, uint32_t decl);

/* decode_wifi.c: radio selects DLT_IEEE802_11_RADIO (radiotap first). */
enum ft_dec_status ft__decode_wifi(struct ft__dec *s, struct ft_rd *rd, int radio);

#endif
