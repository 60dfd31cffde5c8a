/*
 * decode/rd.h - the bounds-checked read cursor every decoder uses.
 *
 * A cursor is a pointer plus the number of bytes that may be read from it.
 * Decoders check a header's length once with ft__rd_need() (comparing
 * lengths, never pointers: CERT VU#162289), then read its fields with the
 * unchecked loaders next to a "SAFE: checked by ..." comment. Loads go
 * through memcpy into a local, so they are alignment- and endian-safe and
 * compile to a single load plus a byte swap. Nothing here allocates.
 */
#ifndef FT_DECODE_RD_H
#define FT_DECODE_RD_H

#include <stdint.h>
#include <string.h>

struct ft_rd {
	const uint8_t *p; /* next byte */
	uint32_t left;    /* bytes readable at p */
};

static inline int
ft__rd_need(const struct ft_rd *r, uint32_t n)
{
	return r->left >= n;
}

/* Advance by n bytes; the caller checked ft__rd_need(r, n). */
static inline void
ft__rd_skip(struct ft_rd *r, uint32_t n)
{
	r->p += n;
	r->left -= n;
}

/* Shrink the readable window to at most n bytes (clamp to a declared length). */
static inline void
ft__rd_clamp(struct ft_rd *r, uint32_t n)
{
	if (r->left > n)
		r->left = n;
}

static inline uint16_t
ft__ld_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return __builtin_bswap16(v);
#endif
}

static inline uint32_t
ft__ld_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return v;
#else
	return __builtin_bswap32(v);
#endif
}

static inline uint16_t
ft__ld_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
ft__ld_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t
ft__ld_le64(const uint8_t *p)
{
	return (uint64_t)ft__ld_le32(p) | ((uint64_t)ft__ld_le32(p + 4) << 32);
}

/* Loaders at an offset from the cursor; the caller checked ft__rd_need(r, off + size). */
static inline uint8_t
ft__rd_u8(const struct ft_rd *r, uint32_t off)
{
	return r->p[off];
}

static inline uint16_t
ft__rd_be16(const struct ft_rd *r, uint32_t off)
{
	return ft__ld_be16(r->p + off);
}

static inline uint32_t
ft__rd_be32(const struct ft_rd *r, uint32_t off)
{
	return ft__ld_be32(r->p + off);
}

#endif
