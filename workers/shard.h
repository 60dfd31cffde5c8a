/*
 * shard.h - which worker a frame goes to (private).
 *
 * By its flow key's hash (decode/flowkey.h): the key is symmetric, so both
 * directions of a connection land on the same worker, and a tunnelled flow
 * goes where its innermost flow goes. The capture thread computes key and
 * hash once per frame; they travel with the frame in its descriptor.
 */
#ifndef FT_SHARD_H
#define FT_SHARD_H

#include <stdint.h>

/* Map a 32-bit hash onto [0, n) without a division (Lemire's reduction): the
 * hash's high bits choose; the worker's index uses its low ones. */
static inline unsigned int
ft__shard_of(uint32_t hash, unsigned int n)
{
	return (unsigned int)(((uint64_t)hash * n) >> 32);
}

#endif
