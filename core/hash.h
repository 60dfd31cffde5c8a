/*
 * core/hash.h - integer mixing and word-wise hashing (private). Not tied to
 * any key: callers hash their own keys, sized to a multiple of 8 bytes.
 * Pure functions; any thread.
 */
#ifndef FT_CORE_HASH_H
#define FT_CORE_HASH_H

#include <stdint.h>
#include <string.h>

/* splitmix64's finaliser: every input bit affects every output bit. */
static inline uint64_t
ft__mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Hash a key of n 64-bit words (n*8 bytes at k, any alignment) from a seed. */
static inline uint64_t
ft__hash_words(const void *k, unsigned n, uint64_t seed)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t w, h = seed;

	for (unsigned i = 0; i < n; i++) {
		memcpy(&w, p + 8 * i, 8);
		h = ft__mix64(h ^ w);
	}
	return h;
}

#endif
