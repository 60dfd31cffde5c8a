/*
 * proto.h - IP protocol numbers and the ICMP type pairs of the Community ID
 * specification, shared by the tracker's key and the flow record (private to
 * tracker/). Any thread.
 */
#ifndef FT_TRACKER_PROTO_H
#define FT_TRACKER_PROTO_H

#include <stdint.h>

/* IP protocol numbers. */
#define FT__IPPROTO_ICMP   1
#define FT__IPPROTO_TCP    6
#define FT__IPPROTO_UDP    17
#define FT__IPPROTO_ICMPV6 58
#define FT__IPPROTO_SCTP   132

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
