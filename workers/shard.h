/*
 * shard.h - which worker a frame goes to (private).
 *
 * ft__flow_hash() is symmetric: a frame and its reply hash alike, so both
 * directions of a connection land on the same worker. The key is:
 *  - TCP/UDP/SCTP: the ordered (address, port) pair, the protocol, VLAN ids;
 *  - other IP, and IP fragments: the ordered address pair, VLAN ids (a
 *    fragment carries no ports, so all fragments of a datagram, first or not,
 *    go where the address pair goes; a flow whose packets are only sometimes
 *    fragmented may see those fragments on another worker than its unfragmented
 *    packets — flowtap does not reassemble IP fragments, so the tracker never
 *    sees their payload either way);
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

/* Map a 32-bit hash onto [0, n) without a division (Lemire's reduction). */
static inline unsigned int
ft__shard_of(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif
