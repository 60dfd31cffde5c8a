/*
 * flowkey.h - the flow key of a packet (private to the library): what makes
 * two packets one flow. The type and its hash are core/flowkey.h's; this is
 * where keys are made. One key type and one hash for the whole pipeline: the capture
 * thread computes both once per frame (ft__flow_key_of_frame), shards the frame
 * by the hash and carries key and hash in the frame's descriptor; the
 * worker's tracker looks the flow up with them as they are.
 *
 * The key is symmetric: a packet and its reply give equal bytes, so both
 * directions of a connection land on the same worker and the same flow.
 *  - TCP, UDP, SCTP: the ordered (address, port) pair, the protocol, VLANs;
 *  - ICMP, ICMPv6: the ordered address pair, the protocol, and in place of
 *    ports the Community ID type pair (a request and its answer alike) and
 *    the echo identifier;
 *  - other IP protocols, and IP fragments not reassembled: the ordered
 *    address pair, the protocol, VLANs (a fragment carries no ports);
 *  - tunnels (GRE, VXLAN, Geneve, GTP-U, IP in IP, ...): the innermost flow,
 *    as ft_decode() sees it, so a tunnelled connection is one flow whatever
 *    the outer headers;
 *  - frames that are not IP: the ordered MAC pair (v = 0). They are sharded
 *    by it and never tracked.
 * Pure functions, any thread; nothing allocates.
 */
#ifndef FT_DECODE_FLOWKEY_H
#define FT_DECODE_FLOWKEY_H

#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "core/flowkey.h"
#include "decode/proto.h"

/*
 * Does the decoded packet belong to a flow? Not for frames that are not IP,
 * and not for a TCP, UDP, ICMP or ICMPv6 packet (not a fragment) whose
 * header did not decode: the worker counts those as decode errors.
 */
static inline int
ft__flow_trackable(const struct ft_decoded *d)
{
	if (!(d->layers & (FT_LAYER_IP4 | FT_LAYER_IP6)))
		return 0;
	if (d->ip.frag || (d->layers & (FT_LAYER_TCP | FT_LAYER_UDP)))
		return 1;
	switch (d->ip.proto) {
	case FT_IPPROTO_TCP:
	case FT_IPPROTO_UDP:
		return 0;
	case FT_IPPROTO_ICMP:
	case FT_IPPROTO_ICMPV6:
		return (d->layers & (FT_LAYER_ICMP | FT_LAYER_ICMP6)) != 0;
	default:
		return 1;
	}
}

/*
 * The packet's own ports: TCP, UDP, SCTP (SCTP's read from the frame, bounds
 * checked against its captured end; NULL: none); 0 for other protocols and
 * fragments.
 */
void ft__flow_ports(const struct ft_decoded *d, const uint8_t *end, uint16_t *sp, uint16_t *dp);

/*
 * The key of a decoded packet (end: the frame's captured end, where SCTP's
 * ports are read; NULL: none). Returns 0, or -1 if !ft__flow_trackable(d).
 */
int ft__flow_key_of_decoded(const struct ft_decoded *d, const uint8_t *end, struct ft_flow_key *k);

/*
 * The key of a captured frame and its hash, as ft__flow_key_of_decoded()
 * gives for ft_decode()'s result whenever the packet is trackable; otherwise
 * some key that is still symmetric (address or MAC pair; all zero when the
 * frame has neither). Ethernet (up to two VLAN tags), SLL, NULL/LOOP and RAW
 * frames of TCP, UDP and SCTP are read on a fast path; everything else
 * (tunnels, ICMP, fragments, IPv6 extension headers, other link types) is
 * decoded. *ip_off: where the frame's first IP header starts on the fast
 * path's link types, or FT_NO_IP (defrag/ looks there for fragments).
 */
#define FT_NO_IP UINT32_MAX
uint32_t ft__flow_key_of_frame(
	int dlt, const uint8_t *pkt, uint32_t caplen, struct ft_flow_key *k, uint32_t *ip_off);

#endif
