/* core/sha1.c - SHA-1 (FIPS 180-4) of one message in memory. */
#include <string.h>

#include "core/sha1.h"

static uint32_t
rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

#define SHA1_ROUNDS(from, to, F, K)                   \
	for (int i = (from); i < (to); i++) {         \
		t = rol(a, 5) + (F) + e + (K) + w[i]; \
		e = d;                                \
		d = c;                                \
		c = rol(b, 30);                       \
		b = a;                                \
		a = t;                                \
	}

/* One 64-byte block into h (four loops of 20 rounds: no branch per round). */
static void
sha1_block(uint32_t h[5], const uint8_t *block)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], t;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
		       (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	SHA1_ROUNDS(0, 20, (b & c) | (~b & d), 0x5a827999u)
	SHA1_ROUNDS(20, 40, b ^ c ^ d, 0x6ed9eba1u)
	SHA1_ROUNDS(40, 60, (b & c) | (b & d) | (c & d), 0x8f1bbcdcu)
	SHA1_ROUNDS(60, 80, b ^ c ^ d, 0xca62c1d6u)
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void
ft__sha1(const void *msg, size_t n, uint8_t out[FT_SHA1_LEN])
{
	uint32_t h[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	const uint8_t *p = (const uint8_t *)msg;
	uint8_t tail[128];
	uint64_t bits = (uint64_t)n * 8;
	size_t rest, tn;

	for (; n >= 64; p += 64, n -= 64)
		sha1_block(h, p);
	/* The padding: 0x80, zeros, the length in bits (big-endian) to a block end. */
	rest = n;
	memcpy(tail, p, rest);
	tail[rest] = 0x80;
	tn = rest + 1 + 8 <= 64 ? 64 : 128;
	memset(tail + rest + 1, 0, tn - rest - 1 - 8);
	for (int i = 0; i < 8; i++)
		tail[tn - 8 + i] = (uint8_t)(bits >> (56 - 8 * i));
	for (size_t o = 0; o < tn; o += 64)
		sha1_block(h, tail + o);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}
