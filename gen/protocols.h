/*
 * gen/protocols.h - what protocols.c and links.c (the protocols profile)
 * share: the context of the file being written and the helpers that build
 * and emit its frames.
 */
#ifndef FTGEN_PROTOCOLS_H
#define FTGEN_PROTOCOLS_H

#include "gen.h"

/* The protocols profile's state: the file being written and its manifest. */
struct ft_pctx {
	struct ft_writer w;
	struct ft_rng rng;
	FILE *mf;
	uint8_t *frame;
	struct ft_pkt p;
	int linktype;
	uint32_t n;
	uint16_t ipid;
	bool nsec;
	uint32_t snaplen;
	bool first_file;
};

/* The hosts of the profile's frames: A (the client side) and B; SNAP headers. */
extern const uint8_t ft_ip_a[4];
extern const uint8_t ft_ip_b[4];
extern const uint8_t ft_ip6_a[16];
extern const uint8_t ft_ip6_b[16];
extern const uint8_t ft_mac_a[6];
extern const uint8_t ft_mac_b[6];
extern const uint8_t ft_mac_bc[6];
extern const uint8_t ft_snap_ip[8];
extern const uint8_t ft_snap_arp[8];

/* protocols.c: the frame being built, and writing it. */
struct ft_pkt *pb(struct ft_pctx *c);
/* Writes the frame in c->p and its manifest entry; layers are comma-separated. */
void pemit(struct ft_pctx *c, const char *layers, const char *desc);
/* Emits frame with link prefix + the L3 packet's layers. */
void pemit2(struct ft_pctx *c, const char *prefix, const char *l3, const char *desc);
int pfile_open(struct ft_pctx *c, const char *dir, const char *name, int linktype);
int pfile_close(struct ft_pctx *c, const char *dir, const char *name);

/* protocols.c: L2 and L3 pieces (fwd: A to B). */
void eth(struct ft_pkt *p, bool fwd, uint16_t type);
void l3_arp(struct ft_pkt *p, bool reply);
/* IPv4 or IPv6 TCP segment between A (port 40000) and B (port bport). */
void l3_tcp(struct ft_pctx *c, bool v6, bool fwd, uint16_t bport, uint32_t seq, uint32_t ack,
	uint16_t flags, const struct ft_opt *opt, const void *data, size_t n);
void l3_udp(struct ft_pctx *c, bool v6, bool fwd, uint16_t aport, uint16_t bport, const void *data,
	size_t n);
/* ICMP (RFC 792) or ICMPv6 (RFC 4443) message: type, code, 4 bytes, data. */
void l3_icmp(struct ft_pctx *c, bool v6, bool fwd, uint8_t type, uint8_t code, uint32_t rest,
	const void *data, size_t n);

/* The small L3 packets shared by the non-Ethernet link types. */
enum ft_l3 {
	FT_L3_V4_SYN,
	FT_L3_V4_SYNACK,
	FT_L3_V4_DNSQ,
	FT_L3_V4_DNSR,
	FT_L3_V4_ICMP,
	FT_L3_V6_SYN,
	FT_L3_V6_UDP,
	FT_L3_V6_ICMP6
};
/* Builds packet k into c->p; returns its layers ("ip,tcp"). */
const char *l3_build(struct ft_pctx *c, enum ft_l3 k);

/* links.c: the files of tunnels, PPP/HDLC links and IEEE 802.11 (radiotap or not). */
int gen_encap(struct ft_pctx *c, const char *dir);
int gen_ppp_links(struct ft_pctx *c, const char *dir);
int gen_wifi(struct ft_pctx *c, const char *dir, bool radiotap);

#endif
