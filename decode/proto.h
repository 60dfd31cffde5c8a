/*
 * decode/proto.h - the protocol numbers flowtap parses, named once (private),
 * as tcpdump's ethertype.h and ipproto.h: ethertypes (IEEE registry), IP
 * protocol numbers and IPv6 extension headers (IANA), the UDP ports that
 * select a tunnel or DNS, the address families of DLT_NULL/DLT_LOOP, and
 * the ICMP type pairs of the Community ID specification. Constants and pure
 * helpers only; any layer that parses frames may include it, any thread.
 */
#ifndef FT_DECODE_PROTO_H
#define FT_DECODE_PROTO_H

#include <stdint.h>

/* Ethertypes. */
#define FT_ETHERTYPE_IP4      0x0800
#define FT_ETHERTYPE_ARP      0x0806
#define FT_ETHERTYPE_RARP     0x8035 /* also Cisco SLARP inside C-HDLC */
#define FT_ETHERTYPE_IP6      0x86dd
#define FT_ETHERTYPE_VLAN     0x8100
#define FT_ETHERTYPE_QINQ     0x88a8
#define FT_ETHERTYPE_QINQ_OLD 0x9100
#define FT_ETHERTYPE_TEB      0x6558 /* transparent Ethernet bridging (GRE) */
#define FT_ETHERTYPE_WCCP     0x883e /* Cisco WCCP redirection (GRE) */
#define FT_ETHERTYPE_ERSPAN2  0x88be
#define FT_ETHERTYPE_ERSPAN3  0x22eb
#define FT_ETHERTYPE_MPLS     0x8847
#define FT_ETHERTYPE_MPLS_MC  0x8848
#define FT_ETHERTYPE_PPPOE_D  0x8863
#define FT_ETHERTYPE_PPPOE_S  0x8864
#define FT_ETHERTYPE_ARISTA   0xd28b /* Arista's vendor header (a timestamp), then an ethertype */

/* IP protocol numbers (IPv4 protocol, IPv6 next header). */
#define FT_IPPROTO_HOPOPTS  0
#define FT_IPPROTO_ICMP     1
#define FT_IPPROTO_IGMP     2
#define FT_IPPROTO_IPIP     4 /* IPv4 in IP */
#define FT_IPPROTO_TCP      6
#define FT_IPPROTO_UDP      17
#define FT_IPPROTO_DCCP     33
#define FT_IPPROTO_IPV6     41 /* IPv6 in IP */
#define FT_IPPROTO_ROUTING  43
#define FT_IPPROTO_FRAGMENT 44
#define FT_IPPROTO_GRE      47
#define FT_IPPROTO_AH       51
#define FT_IPPROTO_ICMPV6   58
#define FT_IPPROTO_DSTOPTS  60
#define FT_IPPROTO_SCTP     132
#define FT_IPPROTO_MH       135 /* mobility header */
#define FT_IPPROTO_HIP      139
#define FT_IPPROTO_SHIM6    140

/* UDP ports. */
#define FT_PORT_DNS      53
#define FT_PORT_MDNS     5353
#define FT_PORT_VXLAN    4789
#define FT_PORT_GENEVE   6081
#define FT_PORT_GTPU     2152
#define FT_PORT_MPLS_UDP 6635 /* RFC 7510 */

/* DLT_NULL / DLT_LOOP address families (the BSDs disagree on AF_INET6). */
#define FT_BSD_AF_INET          2
#define FT_BSD_AF_INET6_NETBSD  24 /* also OpenBSD */
#define FT_BSD_AF_INET6_FREEBSD 28
#define FT_BSD_AF_INET6_DARWIN  30
#define FT_LINUX_AF_INET6       10

/* Does a UDP datagram with these ports carry a tunnel ft_decode() follows? */
static inline int
ft__udp_tunnel_ports(uint16_t sport, uint16_t dport)
{
	return dport == FT_PORT_VXLAN || dport == FT_PORT_GENEVE || dport == FT_PORT_GTPU ||
	       sport == FT_PORT_GTPU || dport == FT_PORT_MPLS_UDP;
}

/*
 * The ICMP/ICMPv6 type that answers type, as the Community ID specification
 * pairs them (echo, timestamp, information, router solicitation -> advert,
 * address mask; ICMPv6 echo, router, neighbour, MLD, node information, home
 * agent discovery), or -1: a one-way message.
 */
static inline int
ft__icmp_peer_type(unsigned v, unsigned type)
{
	static const int8_t v4[19] = {
		8, -1, -1, -1, -1, -1, -1, -1, 0, -1, 9, -1, -1, 14, 13, 16, 15, 18, 17};

	if (v == 4)
		return type < sizeof(v4) ? v4[type] : -1;
	switch (type) {
	case 128: /* echo request, reply */
	case 130: /* MLD query, report */
	case 133: /* router solicitation, advertisement */
	case 135: /* neighbour solicitation, advertisement */
	case 139: /* node information query, response */
	case 144: /* home agent address discovery request, reply */
		return (int)type + 1;
	case 129:
	case 131:
	case 134:
	case 136:
	case 140:
	case 145:
		return (int)type - 1;
	default:
		return -1;
	}
}

#endif
