/*
 * output/jw.h - a tiny bounded JSON (and text) writer, header-only.
 *
 * DESIGN
 * - struct ft_jw is a caller-owned buffer: p, cap (bytes, NUL included) and
 *   len (bytes written). Nothing is allocated; the output is always
 *   NUL-terminated.
 * - Writes are whole tokens: a key, a number or a string that does not fit
 *   is not written at all, and the writer becomes full (cap shrinks to
 *   len + 1), so a cut output ends cleanly at a token boundary and nothing
 *   after the cut is written. ft__jw_full() tells.
 * - Commas are automatic: ft__jw_key() and ft__jw_sep() add one unless the
 *   previous byte opens an object or array or ends a key.
 * - ft__jw_str() escapes for JSON: ", \ and control bytes; bytes that are not
 *   valid UTF-8 are written as \u00XX, so the output is always valid JSON.
 * - Numbers, times and addresses come from core/fmt.h (no libc formatting).
 *
 * Usage:
 *	struct ft_jw w;
 *	ft__jw_init(&w, buf, sizeof buf);
 *	ft__jw_raw(&w, "{", 1);
 *	ft__jw_key(&w, "type"); ft__jw_cstr_q(&w, "stats");
 *	ft__jw_kv_u64(&w, "packets", n);
 *	ft__jw_raw(&w, "}", 1);
 */
#ifndef FT_OUTPUT_JW_H
#define FT_OUTPUT_JW_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/fmt.h"

struct ft_jw {
	char *p;    /* buffer */
	size_t cap; /* its size, NUL included */
	size_t len; /* bytes written, NUL excluded */
};

static inline void
ft__jw_init(struct ft_jw *w, char *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* Bytes that can still be written (the NUL is reserved). */
static inline size_t
ft__jw_left(const struct ft_jw *w)
{
	return w->cap > w->len ? w->cap - w->len - 1 : 0;
}

static inline int
ft__jw_full(const struct ft_jw *w)
{
	return w->len + 1 >= w->cap;
}

/* Stop writing: later tokens are dropped. */
static inline void
ft__jw_stop(struct ft_jw *w, size_t len)
{
	w->len = len;
	if (w->cap > 0) {
		w->cap = len + 1;
		w->p[len] = '\0';
	}
}

/* Append n raw bytes, whole or not at all. Returns 1 when written. */
static inline int
ft__jw_raw(struct ft_jw *w, const char *s, size_t n)
{
	/* cap 0: not even the NUL fits (an empty append used to write it) */
	if (w->cap == 0 || n > ft__jw_left(w)) {
		ft__jw_stop(w, w->len);
		return 0;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
	return 1;
}

static inline int
ft__jw_cstr(struct ft_jw *w, const char *s)
{
	return ft__jw_raw(w, s, strlen(s));
}

static inline int
ft__jw_ch(struct ft_jw *w, char c)
{
	return ft__jw_raw(w, &c, 1);
}

/* A comma, unless the last byte opens a container or ends a key. */
static inline void
ft__jw_sep(struct ft_jw *w)
{
	char c;

	if (w->len == 0)
		return;
	c = w->p[w->len - 1];
	if (c != '{' && c != '[' && c != ':')
		ft__jw_ch(w, ',');
}

/* "key": (keys are plain ASCII and are not escaped). Always inlined: keys
 * are literals, so their length and copy are constants. */
static inline __attribute__((always_inline)) int
ft__jw_key(struct ft_jw *w, const char *k)
{
	size_t n = strlen(k);
	char *o;

	ft__jw_sep(w);
	if (w->cap == 0 || n + 3 > ft__jw_left(w)) {
		ft__jw_stop(w, w->len);
		return 0;
	}
	o = w->p + w->len;
	o[0] = '"';
	memcpy(o + 1, k, n);
	o[n + 1] = '"';
	o[n + 2] = ':';
	o[n + 3] = '\0';
	w->len += n + 3;
	return 1;
}

static inline int
ft__jw_u64(struct ft_jw *w, uint64_t v)
{
	char tmp[24];

	if (ft__jw_left(w) >= 21) { /* room for any number: format in place */
		w->len += ft__fmt_u64(w->p + w->len, v);
		w->p[w->len] = '\0';
		return 1;
	}
	return ft__jw_raw(w, tmp, ft__fmt_u64(tmp, v));
}

static inline int
ft__jw_i64(struct ft_jw *w, int64_t v)
{
	char tmp[24];
	size_t n = 0;

	if (v < 0) {
		tmp[n++] = '-';
		n += ft__fmt_u64(tmp + 1, (uint64_t)0 - (uint64_t)v);
	} else {
		n = ft__fmt_u64(tmp, (uint64_t)v);
	}
	return ft__jw_raw(w, tmp, n);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid (RFC 3629 4). */
static inline size_t
ft__utf8_len(const uint8_t *s, size_t n)
{
	uint32_t c;
	size_t k, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	c = s[0] & (0x7f >> k);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && c < 0x10000) || c > 0x10ffff ||
		(c >= 0xd800 && c <= 0xdfff))
		return 0;
	return k;
}

/* A quoted, escaped JSON string of n bytes; written whole or not at all. */
static inline int
ft__jw_str(struct ft_jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	size_t start = w->len, i = 0, k;
	char e[6];
	uint8_t c;

	if (!ft__jw_ch(w, '"'))
		return 0;
	while (i < n) {
		c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			k = 1;
			/* copy a run of plain bytes at once */
			while (i + k < n && s[i + k] >= 0x20 && s[i + k] < 0x7f &&
				s[i + k] != '"' && s[i + k] != '\\')
				k++;
			if (!ft__jw_raw(w, str + i, k))
				goto cut;
			i += k;
			continue;
		}
		if (c >= 0x80 && (k = ft__utf8_len(s + i, n - i)) != 0) {
			if (!ft__jw_raw(w, str + i, k))
				goto cut;
			i += k;
			continue;
		}
		e[0] = '\\';
		if (c == '"' || c == '\\') {
			e[1] = (char)c;
			k = 2;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			e[1] = c == '\n' ? 'n' : (c == '\r' ? 'r' : 't');
			k = 2;
		} else {
			e[1] = 'u';
			e[2] = '0';
			e[3] = '0';
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			k = 6;
		}
		if (!ft__jw_raw(w, e, k))
			goto cut;
		i++;
	}
	if (ft__jw_ch(w, '"'))
		return 1;
cut:
	ft__jw_stop(w, start);
	return 0;
}

static inline int
ft__jw_cstr_q(struct ft_jw *w, const char *s)
{
	return ft__jw_str(w, s, strlen(s));
}

/* A quoted name the program itself spells (printable ASCII, no quote or
 * backslash: nothing to escape), e.g. a state or protocol name. */
static inline int
ft__jw_name_q(struct ft_jw *w, const char *s)
{
	char tmp[64];
	size_t n = strlen(s);

	if (n > sizeof tmp - 2)
		return ft__jw_cstr_q(w, s);
	tmp[0] = '"';
	memcpy(tmp + 1, s, n);
	tmp[n + 1] = '"';
	return ft__jw_raw(w, tmp, n + 2);
}

static inline __attribute__((always_inline)) void
ft__jw_kv_u64(struct ft_jw *w, const char *k, uint64_t v)
{
	ft__jw_key(w, k);
	ft__jw_u64(w, v);
}

static inline void
ft__jw_kv_i64(struct ft_jw *w, const char *k, int64_t v)
{
	ft__jw_key(w, k);
	ft__jw_i64(w, v);
}

static inline __attribute__((always_inline)) void
ft__jw_kv_bool(struct ft_jw *w, const char *k, int v)
{
	ft__jw_key(w, k);
	ft__jw_cstr(w, v ? "true" : "false");
}

static inline void
ft__jw_kv_str(struct ft_jw *w, const char *k, const char *s, size_t n)
{
	ft__jw_key(w, k);
	ft__jw_str(w, s, n);
}

/* An address as a quoted JSON string: v 4 or 6. */
static inline int
ft__jw_ip(struct ft_jw *w, int v, const uint8_t *a)
{
	char tmp[48];
	size_t n;

	tmp[0] = '"';
	n = 1 + (v == 6 ? ft__fmt_ip6(tmp + 1, a) : ft__fmt_ip4(tmp + 1, a));
	tmp[n++] = '"';
	return ft__jw_raw(w, tmp, n);
}

static inline int
ft__jw_mac(struct ft_jw *w, const uint8_t *a)
{
	char tmp[20];
	size_t n;

	tmp[0] = '"';
	n = 1 + ft__fmt_mac(tmp + 1, a);
	tmp[n++] = '"';
	return ft__jw_raw(w, tmp, n);
}

#endif
