/*
 * core/sha1.h - SHA-1 (FIPS 180-4) of one message in memory (private), for
 * Community ID. Not for security. Any thread; no allocation; never blocks.
 */
#ifndef FT_CORE_SHA1_H
#define FT_CORE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define FT_SHA1_LEN 20

/* The SHA-1 digest of msg[0..n) into out. On x86-64 CPUs with the SHA
 * extensions (SHA-NI) the blocks go through them (about a tenth of the
 * instructions of the portable code); elsewhere, the portable code. */
void ft__sha1(const void *msg, size_t n, uint8_t out[FT_SHA1_LEN]);

/* For the tests: which block function ft__sha1() uses from now on, the
 * portable one (0) or the SHA extensions (1, honoured only where the CPU has
 * them); -1 leaves it. Returns 1 if the extensions are in use afterwards.
 * Not for concurrent use with ft__sha1() on other threads. */
int ft__sha1_use_ni(int on);

#endif
