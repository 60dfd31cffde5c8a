/*
 * core/flowkey.h - the flow key's type and its one hash (private,
 * header-only). decode/flowkey.h says what the fields mean and makes keys
 * from packets; the ring carries a key in every descriptor, the tracker
 * indexes its flows by it. Pure; any thread.
 */
#ifndef FT_CORE_FLOWKEY_H
#define FT_CORE_FLOWKEY_H

#include <stdint.h>

#include "core/hash.h"

struct ft_flow_key {
	uint8_t a[16], b[16]; /* lower and higher endpoint address (IPv4: 4 bytes; MAC: 6) */
	uint16_t pa, pb;      /* their ports; ICMP: type pair and echo id */
	uint16_t vlan[2];     /* outer two VLAN ids */
	uint8_t v;            /* 4 or 6; 0: a MAC pair (not IP: never tracked) */
	uint8_t proto;        /* IP protocol */
	uint8_t pad[6];       /* zero: to 48 bytes, every byte is hashed and compared */
};

_Static_assert(sizeof(struct ft_flow_key) == 48, "keys are hashed as whole words");

/*
 * The key's one hash, 32 bits. Users take different bits of it: the shard
 * (ft__shard_of) the high ones, a worker's index the low ones.
 */
static inline uint32_t
ft__flow_key_hash(const struct ft_flow_key *k)
{
	return (uint32_t)(ft__hash_words(k, sizeof(*k) / 8, 0x9e3779b97f4a7c15ULL) >> 32);
}

#endif
