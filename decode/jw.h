/*
 * decode/jw.h - a tiny bounded JSON (and text) writer, header-only.
 *
 * DESIGN
 * - struct ft_jw is a caller-owned buffer: p, cap (bytes, NUL included) and
 *   len (bytes written). Nothing is allocated; the output is always
 *   NUL-terminated.
 * - Writes are whole tokens: a key, a number or a string that does not fit
 *   is not written at all, and the writer becomes full (cap shrinks to
 *   len + 1), so a cut output ends cleanly at a token boundary and nothing
 *   after the cut is written. ft_jw_full() tells.
 * - Commas are automatic: ft_jw_key() and ft_jw_sep() add one unless the
 *   previous byte opens an object or array or ends a key.
 * - ft_jw_str() escapes for JSON: ", \ and control bytes; bytes that are not
 *   valid UTF-8 are written as \u00XX, so the output is always valid JSON.
 * - Address helpers format MAC, IPv4 and IPv6 (RFC 5952) without libc.
 *
 * Usage:
 *	struct ft_jw w;
 *	ft_jw_init(&w, buf, sizeof buf);
 *	ft_jw_raw(&w, "{", 1);
 *	ft_jw_key(&w, "type"); ft_jw_cstr_q(&w, "stats");
 *	ft_jw_kv_u64(&w, "packets", n);
 *	ft_jw_raw(&w, "}", 1);
 */
#ifndef FT_DECODE_JW_H
#define FT_DECODE_JW_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

struct ft_jw {
	char *p;    /* buffer */
	size_t cap; /* its size, NUL included */
	size_t len; /* bytes written, NUL excluded */
};

static inline void
ft_jw_init(struct ft_jw *w, char *buf, size_t cap)
{
	w->p = buf;
	w->cap = cap;
	w->len = 0;
	if (cap > 0)
		buf[0] = '\0';
}

/* Bytes that can still be written (the NUL is reserved). */
static inline size_t
ft_jw_left(const struct ft_jw *w)
{
	return w->cap > w->len ? w->cap - w->len - 1 : 0;
}

static inline int
ft_jw_full(const struct ft_jw *w)
{
	return w->len + 1 >= w->cap;
}

/* Stop writing: later tokens are dropped. */
static inline void
ft_jw_stop(struct ft_jw *w, size_t len)
{
	w->len = len;
	if (w->cap > 0) {
		w->cap = len + 1;
		w->p[len] = '\0';
	}
}

/* Append n raw bytes, whole or not at all. Returns 1 when written. */
static inline int
ft_jw_raw(struct ft_jw *w, const char *s, size_t n)
{
	/* cap 0: not even the NUL fits (an empty append used to write it) */
	if (w->cap == 0 || n > ft_jw_left(w)) {
		ft_jw_stop(w, w->len);
		return 0;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
	return 1;
}

static inline int
ft_jw_cstr(struct ft_jw *w, const char *s)
{
	return ft_jw_raw(w, s, strlen(s));
}

static inline int
ft_jw_ch(struct ft_jw *w, char c)
{
	return ft_jw_raw(w, &c, 1);
}

/* A comma, unless the last byte opens a container or ends a key. */
static inline void
ft_jw_sep(struct ft_jw *w)
{
	char c;

	if (w->len == 0)
		return;
	c = w->p[w->len - 1];
	if (c != '{' && c != '[' && c != ':')
		ft_jw_ch(w, ',');
}

/* "key": (keys are plain ASCII and are not escaped). */
static inline int
ft_jw_key(struct ft_jw *w, const char *k)
{
	char tmp[64];
	size_t n = strlen(k);

	if (n > sizeof tmp - 3)
		n = sizeof tmp - 3;
	tmp[0] = '"';
	memcpy(tmp + 1, k, n);
	tmp[n + 1] = '"';
	tmp[n + 2] = ':';
	ft_jw_sep(w);
	return ft_jw_raw(w, tmp, n + 3);
}

/* Decimal digits of v into out (at least 21 bytes); returns the length. */
static inline size_t
ft_fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/*
 * ".ffffff": the fraction of a nanosecond timestamp to digits places (1..9;
 * 0 writes nothing). out needs 10 bytes. Returns the length.
 */
static inline size_t
ft_fmt_frac(char *out, uint64_t ts_ns, unsigned digits)
{
	uint64_t frac = ts_ns % 1000000000u;
	unsigned i;

	if (digits == 0)
		return 0;
	if (digits > 9)
		digits = 9;
	for (i = digits; i < 9; i++)
		frac /= 10;
	out[0] = '.';
	for (i = digits; i > 0; i--) {
		out[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	return digits + 1u;
}

/* "seconds.fraction" since the epoch (out needs 32 bytes). Returns the length. */
static inline size_t
ft_fmt_epoch(char *out, uint64_t ts_ns, unsigned digits)
{
	size_t n = ft_fmt_u64(out, ts_ns / 1000000000u);

	return n + ft_fmt_frac(out + n, ts_ns, digits);
}

/* Two digits of v (0..99) into out. */
static inline void
ft_fmt_2d(char *out, uint64_t v)
{
	out[0] = (char)('0' + v / 10 % 10);
	out[1] = (char)('0' + v % 10);
}

/*
 * "hh:mm:ss.frac" of ts_ns (digits as ft_fmt_frac): the time of day (UTC) of a
 * timestamp when days is 0, a duration's hours (two digits at least, more when
 * it is longer than 99 hours) when days is 1. out needs 40 bytes.
 */
static inline size_t
ft_fmt_hms(char *out, uint64_t ts_ns, unsigned digits, int days)
{
	uint64_t s = ts_ns / 1000000000u, h = s / 3600;
	size_t n = 0;

	if (!days)
		h %= 24;
	if (h > 99) {
		n = ft_fmt_u64(out, h);
	} else {
		ft_fmt_2d(out, h);
		n = 2;
	}
	out[n++] = ':';
	ft_fmt_2d(out + n, s % 3600 / 60);
	out[n + 2] = ':';
	ft_fmt_2d(out + n + 3, s % 60);
	n += 5;
	return n + ft_fmt_frac(out + n, ts_ns, digits);
}

/* "YYYY-MM-DD hh:mm:ss.frac" (UTC; civil date from days, no libc). out needs 48 bytes. */
static inline size_t
ft_fmt_date(char *out, uint64_t ts_ns, unsigned digits)
{
	/* Howard Hinnant's days-to-civil, for days since 1970-01-01 >= 0 */
	uint64_t z = ts_ns / 1000000000u / 86400 + 719468;
	uint64_t era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400 + (m <= 2);

	ft_fmt_2d(out, y / 100);
	ft_fmt_2d(out + 2, y % 100);
	out[4] = '-';
	ft_fmt_2d(out + 5, m);
	out[7] = '-';
	ft_fmt_2d(out + 8, d);
	out[10] = ' ';
	return 11 + ft_fmt_hms(out + 11, ts_ns, digits, 0);
}

/*
 * The timestamp of a text line in one of tcpdump's -t styles (FT_TS_* of
 * flowtap/packet.h: the value is the number of t's), followed by a space;
 * nothing for FT_TS_NONE. ref_ns is the reference of the two delta styles
 * (the previous line's or the first packet's time); a line older than its
 * reference gets a '-'. out needs 64 bytes. Returns the length.
 */
static inline size_t
ft_fmt_ts(char *out, uint64_t ts_ns, uint64_t ref_ns, unsigned digits, int style)
{
	size_t n = 0;

	digits = digits == 0 ? 6 : digits;
	switch (style) {
	case 1: /* -t */
		return 0;
	case 2: /* -tt */
		n = ft_fmt_epoch(out, ts_ns, digits);
		break;
	case 3:                                        /* -ttt */
	case 5:                                        /* -ttttt */
		out[n++] = ts_ns < ref_ns ? '-' : ' '; /* tcpdump's sign column */
		n += ft_fmt_hms(
			out + n, ts_ns < ref_ns ? ref_ns - ts_ns : ts_ns - ref_ns, digits, 1);
		break;
	case 4: /* -tttt */
		n = ft_fmt_date(out, ts_ns, digits);
		break;
	default: /* time of day */
		n = ft_fmt_hms(out, ts_ns, digits, 0);
		break;
	}
	out[n++] = ' ';
	return n;
}

static inline int
ft_jw_u64(struct ft_jw *w, uint64_t v)
{
	char tmp[24];

	return ft_jw_raw(w, tmp, ft_fmt_u64(tmp, v));
}

static inline int
ft_jw_i64(struct ft_jw *w, int64_t v)
{
	char tmp[24];
	size_t n = 0;

	if (v < 0) {
		tmp[n++] = '-';
		n += ft_fmt_u64(tmp + 1, (uint64_t)0 - (uint64_t)v);
	} else {
		n = ft_fmt_u64(tmp, (uint64_t)v);
	}
	return ft_jw_raw(w, tmp, n);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid (RFC 3629 4). */
static inline size_t
ft_utf8_len(const uint8_t *s, size_t n)
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
ft_jw_str(struct ft_jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	size_t start = w->len, i = 0, k;
	char e[6];
	uint8_t c;

	if (!ft_jw_ch(w, '"'))
		return 0;
	while (i < n) {
		c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			k = 1;
			/* copy a run of plain bytes at once */
			while (i + k < n && s[i + k] >= 0x20 && s[i + k] < 0x7f &&
				s[i + k] != '"' && s[i + k] != '\\')
				k++;
			if (!ft_jw_raw(w, str + i, k))
				goto cut;
			i += k;
			continue;
		}
		if (c >= 0x80 && (k = ft_utf8_len(s + i, n - i)) != 0) {
			if (!ft_jw_raw(w, str + i, k))
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
		if (!ft_jw_raw(w, e, k))
			goto cut;
		i++;
	}
	if (ft_jw_ch(w, '"'))
		return 1;
cut:
	ft_jw_stop(w, start);
	return 0;
}

static inline int
ft_jw_cstr_q(struct ft_jw *w, const char *s)
{
	return ft_jw_str(w, s, strlen(s));
}

static inline void
ft_jw_kv_u64(struct ft_jw *w, const char *k, uint64_t v)
{
	ft_jw_key(w, k);
	ft_jw_u64(w, v);
}

static inline void
ft_jw_kv_i64(struct ft_jw *w, const char *k, int64_t v)
{
	ft_jw_key(w, k);
	ft_jw_i64(w, v);
}

static inline void
ft_jw_kv_bool(struct ft_jw *w, const char *k, int v)
{
	ft_jw_key(w, k);
	ft_jw_cstr(w, v ? "true" : "false");
}

static inline void
ft_jw_kv_str(struct ft_jw *w, const char *k, const char *s, size_t n)
{
	ft_jw_key(w, k);
	ft_jw_str(w, s, n);
}

/* "aa:bb:..." for n bytes into out (3 * n bytes); returns the length. */
static inline size_t
ft_fmt_hexcolon(char *out, const uint8_t *a, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[a[i] >> 4];
		out[o++] = hex[a[i] & 15];
	}
	return o;
}

/* A MAC address, out of at least 18 bytes; returns the length (17). */
static inline size_t
ft_fmt_mac(char *out, const uint8_t *a)
{
	return ft_fmt_hexcolon(out, a, 6);
}

/* Dotted IPv4, out of at least 16 bytes; returns the length. */
static inline size_t
ft_fmt_ip4(char *out, const uint8_t *a)
{
	size_t o = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			out[o++] = '.';
		o += ft_fmt_u64(out + o, a[i]);
	}
	return o;
}

/*
 * IPv6 in RFC 5952 form (lower-case hex, no leading zeros, the longest run
 * of two or more zero groups as "::", the first one on ties; IPv4-mapped
 * ::ffff:a.b.c.d as inet_ntop writes it). out of at least 46 bytes.
 */
static inline size_t
ft_fmt_ip6(char *out, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t g[8];
	int i, best = -1, bestn = 0, cur = -1, curn = 0, sh;
	size_t o = 0;

	for (i = 0; i < 8; i++)
		g[i] = (uint16_t)((a[2 * i] << 8) | a[2 * i + 1]);
	for (i = 0; i < 8; i++) {
		if (g[i] == 0) {
			if (cur < 0) {
				cur = i;
				curn = 0;
			}
			curn++;
			if (curn > bestn) {
				best = cur;
				bestn = curn;
			}
		} else {
			cur = -1;
		}
	}
	if (bestn < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			out[o++] = ':';
			if (i == 0)
				out[o++] = ':';
			i += bestn - 1;
			continue;
		}
		/* ::ffff:a.b.c.d and ::a.b.c.d (deprecated, as inet_ntop does) */
		if (i == 6 && best == 0 && (bestn == 6 || (bestn == 5 && g[5] == 0xffff))) {
			o += ft_fmt_ip4(out + o, a + 12);
			return o;
		}
		for (sh = 12; sh > 0 && ((g[i] >> sh) & 15) == 0; sh -= 4)
			;
		for (; sh >= 0; sh -= 4)
			out[o++] = hex[(g[i] >> sh) & 15];
		if (i < 7)
			out[o++] = ':';
	}
	return o;
}

/* An address as a quoted JSON string: v 4 or 6. */
static inline int
ft_jw_ip(struct ft_jw *w, int v, const uint8_t *a)
{
	char tmp[48];
	size_t n;

	tmp[0] = '"';
	n = 1 + (v == 6 ? ft_fmt_ip6(tmp + 1, a) : ft_fmt_ip4(tmp + 1, a));
	tmp[n++] = '"';
	return ft_jw_raw(w, tmp, n);
}

static inline int
ft_jw_mac(struct ft_jw *w, const uint8_t *a)
{
	char tmp[20];
	size_t n;

	tmp[0] = '"';
	n = 1 + ft_fmt_mac(tmp + 1, a);
	tmp[n++] = '"';
	return ft_jw_raw(w, tmp, n);
}

#endif
