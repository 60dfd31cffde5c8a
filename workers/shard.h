/*
 * shard.h - which worker a frame goes to (private).
 *
 * ft__flow_hash() is symmetric: a frame and its reply hash alike, so both
 * directions of a connection land on the same worker. The key is:
 *  - TCP/UDP/SCTP: the ordered (address, port) pair, the protocol, VLAN ids;
 *  - other IP, and IP fragments: the ordered address pair, VLAN ids (a
 *    fragment carries no ports, so all fragments of a datagram, first or not,
 *    go where the address pair goes; the datagram defrag/ reassembles from
 *    them is hashed as a whole packet, so it reaches its flow's worker);
 *  - tunnels (GRE, VXLAN): the innermost flow, so a tunnelled connection is
 *    tracked in one place whatever the outer ports;
 *  - non-IP frames: the ordered MAC pair.
 * Ethernet, SLL, NULL/LOOP and RAW are parsed on a fast path here; other link
 * types and tunnels go through ft_decode().
 */
#ifndef FT_SHARD_H
#define FT_SHARD_H

#include <stdint.h>
#include <string.h>

#include "core/hash.h" /* ft__mix64, ft__hash_words */

uint32_t ft__flow_hash(int dlt, const uint8_t *pkt, uint32_t caplen);

/*
 * ft__flow_hash() that also says where the frame's first IP header starts
 * (*ip_off), or FT_NO_IP, on the link types of the fast path (Ethernet with
 * up to FT_MAX_VLAN tags, SLL, NULL/LOOP, RAW). The capture thread looks there
 * for IP fragments (defrag/) without parsing the link header again.
 */
#define FT_NO_IP UINT32_MAX
uint32_t ft__flow_hash_ip(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t *ip_off);

/* Map a 32-bit hash onto [0, n) without a division (Lemire's reduction). */
static inline unsigned int
ft__shard_of(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif
