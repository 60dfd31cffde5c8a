/*
 * core/sha1.h - SHA-1 (FIPS 180-4) of one message in memory (private), for
 * Community ID. Not for security. Any thread; no allocation; never blocks.
 */
#ifndef FT_CORE_SHA1_H
#define FT_CORE_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define FT_SHA1_LEN 20

/* The SHA-1 digest of msg[0..n) into out. */
void ft__sha1(const void *msg, size_t n, uint8_t out[FT_SHA1_LEN]);

#endif
