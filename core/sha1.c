/*
 * core/sha1.c - SHA-1 (FIPS 180-4) of one message in memory: the portable
 * block function, and on x86-64 one on the SHA extensions (Intel SHA-NI,
 * also in AMD Zen), chosen once by CPUID.
 */
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FT_SHA1_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

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
sha1_block_c(uint32_t h[5], const uint8_t *block)
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

#ifdef FT_SHA1_NI
/*
 * The same on the SHA extensions. A register holds four state or schedule
 * words, the first in the highest lane: ABCD, and E in the highest lane of
 * its own register. A group is 4 rounds (sha1rnds4, whose immediate picks the
 * round function and constant of rounds 0-19, 20-39, 40-59, 60-79); its
 * input is E plus the group's 4 schedule words, where E is rotate(A, 30) of
 * the state two groups back (sha1nexte) after the first group. Schedule:
 * W[i] = msg2(msg1(W[i-4], W[i-3]) ^ W[i-2], W[i-1]) for groups 4-19, w[]
 * holding the last four groups' words, W[i-4] in w[i % 4].
 */
/* Unaligned 16-byte loads and stores (memcpy: no cast to a wider alignment). */
static inline __m128i
load128(const void *p)
{
	__m128i v;

	memcpy(&v, p, sizeof(v));
	return v;
}

__attribute__((target("sha,sse4.1,ssse3"))) static void
sha1_block_ni(uint32_t h[5], const uint8_t *block)
{
	/* Big-endian words, the first one into the highest lane. */
	const __m128i order = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m128i abcd = _mm_shuffle_epi32(load128(h), 0x1b);
	__m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0), abcd0 = abcd, prev = abcd, ein, w[4];

#define SHA1_NI_GROUP(i, f)                                                                     \
	do {                                                                                    \
		__m128i wi_ =                                                                   \
			(i) < 4 ? _mm_shuffle_epi8(load128(block + 16 * (i)), order)            \
				: _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(w[(i)&3], \
									   w[((i) + 1) & 3]),   \
							     w[((i) + 2) & 3]),                 \
					  w[((i) + 3) & 3]);                                    \
		w[(i)&3] = wi_;                                                                 \
		ein = (i) == 0 ? _mm_add_epi32(e0, wi_) : _mm_sha1nexte_epu32(prev, wi_);       \
		prev = abcd;                                                                    \
		abcd = _mm_sha1rnds4_epu32(abcd, ein, f);                                       \
	} while (0)
	for (int i = 0; i < 5; i++)
		SHA1_NI_GROUP(i, 0);
	for (int i = 5; i < 10; i++)
		SHA1_NI_GROUP(i, 1);
	for (int i = 10; i < 15; i++)
		SHA1_NI_GROUP(i, 2);
	for (int i = 15; i < 20; i++)
		SHA1_NI_GROUP(i, 3);
#undef SHA1_NI_GROUP
	/* E after the last group, plus E before the first; ABCD likewise. */
	e0 = _mm_sha1nexte_epu32(prev, e0);
	abcd = _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd0), 0x1b);
	memcpy(h, &abcd, 16);
	h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

/* CPUID leaf 7, EBX bit 29: the SHA extensions (with SSSE3 and SSE4.1 for the loads). */
static int
cpu_has_sha(void)
{
	unsigned a, b, c, d;

	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	if (!(b & (1u << 29)))
		return 0;
	__cpuid(1, a, b, c, d);
	return (c & (1u << 9)) && (c & (1u << 19)); /* SSSE3, SSE4.1 */
}
#endif

/* -1: not looked at yet; then 0 (portable) or 1 (SHA extensions). Any thread
 * may store the same answer: relaxed. */
static _Atomic int use_ni = -1;

static int
ni_on(void)
{
	int v = atomic_load_explicit(&use_ni, memory_order_relaxed);

	if (v < 0) {
#ifdef FT_SHA1_NI
		v = cpu_has_sha();
#else
		v = 0;
#endif
		atomic_store_explicit(&use_ni, v, memory_order_relaxed);
	}
	return v;
}

int
ft__sha1_use_ni(int on)
{
	if (on >= 0) /* 1: look at the CPU again */
		atomic_store_explicit(&use_ni, on ? -1 : 0, memory_order_relaxed);
	return ni_on();
}

static void
sha1_block(uint32_t h[5], const uint8_t *block)
{
#ifdef FT_SHA1_NI
	if (ni_on()) {
		sha1_block_ni(h, block);
		return;
	}
#endif
	sha1_block_c(h, block);
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
