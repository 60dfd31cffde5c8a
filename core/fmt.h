/*
 * core/fmt.h - numbers, times and addresses as text into a caller's buffer
 * (private, header-only): decimal, timestamps in flowtap's styles, MAC,
 * IPv4, IPv6 (RFC 5952). No libc formatting, no allocation; each function
 * says how many bytes out must have and returns the length written (no NUL).
 * Any thread. The JSON writer (output/jw.h) and the DNS decoder use these.
 */
#ifndef FT_CORE_FMT_H
#define FT_CORE_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* "00" .. "99": two digits at a time. */
static const char ft__fmt_d2[201] = "00010203040506070809101112131415161718192021222324252627282930"
				    "31323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374757677787980"
				    "81828384858687888990919293949596979899";

/* Two digits of v (0..99; of a larger v, its last two) into out. */
static inline void
ft__fmt_2d(char *out, uint64_t v)
{
	memcpy(out, ft__fmt_d2 + 2 * (v % 100), 2);
}

/* Decimal digits of v into out (at least 21 bytes); returns the length.
 * The length first: t = floor(log10(2) * bits) (1233/4096 ~ log10(2)) is
 * the digit count of v or one less, and one compare with 10^t tells; v | 1
 * has as many digits as v (10^t is even) and makes 0 one digit long. Then
 * the digits from the end, two per division. */
static inline size_t
ft__fmt_u64(char *out, uint64_t v)
{
	static const uint64_t pow10[20] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
		10000000u, 100000000u, 1000000000u, 10000000000u, 100000000000u, 1000000000000u,
		10000000000000u, 100000000000000u, 1000000000000000u, 10000000000000000u,
		100000000000000000u, 1000000000000000000u, 10000000000000000000u};
	unsigned t = (64u - (unsigned)__builtin_clzll(v | 1)) * 1233u >> 12;
	size_t n = t + ((v | 1) >= pow10[t]);
	char *e = out + n;

	for (; v >= 100; v /= 100) {
		e -= 2;
		ft__fmt_2d(e, v);
	}
	if (v >= 10)
		ft__fmt_2d(e - 2, v);
	else
		e[-1] = (char)('0' + v);
	return n;
}

/*
 * ".ffffff": the fraction of a nanosecond timestamp to digits places (1..9;
 * 0 writes nothing). out needs 10 bytes. Returns the length.
 */
static inline size_t
ft__fmt_frac(char *out, uint64_t ts_ns, unsigned digits)
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
ft__fmt_epoch(char *out, uint64_t ts_ns, unsigned digits)
{
	size_t n = ft__fmt_u64(out, ts_ns / 1000000000u);

	return n + ft__fmt_frac(out + n, ts_ns, digits);
}

/* A duration in milliseconds, "ms.mmm" (truncated to the microsecond; out
 * needs 26 bytes). Returns the length. */
static inline size_t
ft__fmt_ms3(char *out, uint64_t ns)
{
	size_t n = ft__fmt_u64(out, ns / 1000000u);
	uint64_t us = ns % 1000000u / 1000u;

	out[n] = '.';
	out[n + 1] = (char)('0' + us / 100);
	out[n + 2] = (char)('0' + us / 10 % 10);
	out[n + 3] = (char)('0' + us % 10);
	return n + 4;
}

/*
 * "hh:mm:ss.frac" of ts_ns (digits as ft__fmt_frac): the time of day (UTC) of a
 * timestamp when days is 0, a duration's hours (two digits at least, more when
 * it is longer than 99 hours) when days is 1. out needs 40 bytes.
 */
static inline size_t
ft__fmt_hms(char *out, uint64_t ts_ns, unsigned digits, int days)
{
	uint64_t s = ts_ns / 1000000000u, h = s / 3600;
	size_t n = 0;

	if (!days)
		h %= 24;
	if (h > 99) {
		n = ft__fmt_u64(out, h);
	} else {
		ft__fmt_2d(out, h);
		n = 2;
	}
	out[n++] = ':';
	ft__fmt_2d(out + n, s % 3600 / 60);
	out[n + 2] = ':';
	ft__fmt_2d(out + n + 3, s % 60);
	n += 5;
	return n + ft__fmt_frac(out + n, ts_ns, digits);
}

/* "YYYY-MM-DD hh:mm:ss.frac" (UTC; civil date from days, no libc). out needs 48 bytes. */
static inline size_t
ft__fmt_date(char *out, uint64_t ts_ns, unsigned digits)
{
	/* Howard Hinnant's days-to-civil, for days since 1970-01-01 >= 0 */
	uint64_t z = ts_ns / 1000000000u / 86400 + 719468;
	uint64_t era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400 + (m <= 2);

	ft__fmt_2d(out, y / 100);
	ft__fmt_2d(out + 2, y % 100);
	out[4] = '-';
	ft__fmt_2d(out + 5, m);
	out[7] = '-';
	ft__fmt_2d(out + 8, d);
	out[10] = ' ';
	return 11 + ft__fmt_hms(out + 11, ts_ns, digits, 0);
}

/*
 * The timestamp of a text line in one of tcpdump's -t styles (FT_TS_* of
 * flowtap/packet.h: the value is the number of t's), followed by a space;
 * nothing for FT_TS_NONE. ref_ns is the reference of the two delta styles
 * (the previous line's or the first packet's time); a line older than its
 * reference gets a '-'. out needs 64 bytes. Returns the length.
 */
static inline size_t
ft__fmt_ts(char *out, uint64_t ts_ns, uint64_t ref_ns, unsigned digits, int style)
{
	size_t n = 0;

	digits = digits == 0 ? 6 : digits;
	switch (style) {
	case 1: /* -t */
		return 0;
	case 2: /* -tt */
		n = ft__fmt_epoch(out, ts_ns, digits);
		break;
	case 3:                                        /* -ttt */
	case 5:                                        /* -ttttt */
		out[n++] = ts_ns < ref_ns ? '-' : ' '; /* tcpdump's sign column */
		n += ft__fmt_hms(
			out + n, ts_ns < ref_ns ? ref_ns - ts_ns : ts_ns - ref_ns, digits, 1);
		break;
	case 4: /* -tttt */
		n = ft__fmt_date(out, ts_ns, digits);
		break;
	default: /* time of day */
		n = ft__fmt_hms(out, ts_ns, digits, 0);
		break;
	}
	out[n++] = ' ';
	return n;
}

/* "aa:bb:..." for n bytes into out (3 * n bytes); returns the length. */
static inline size_t
ft__fmt_hexcolon(char *out, const uint8_t *a, size_t n)
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
ft__fmt_mac(char *out, const uint8_t *a)
{
	return ft__fmt_hexcolon(out, a, 6);
}

/* Dotted IPv4, out of at least 16 bytes; returns the length. */
static inline size_t
ft__fmt_ip4(char *out, const uint8_t *a)
{
	size_t o = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			out[o++] = '.';
		o += ft__fmt_u64(out + o, a[i]);
	}
	return o;
}

/*
 * IPv6 in RFC 5952 form (lower-case hex, no leading zeros, the longest run
 * of two or more zero groups as "::", the first one on ties; IPv4-mapped
 * ::ffff:a.b.c.d as inet_ntop writes it). out of at least 46 bytes.
 */
static inline size_t
ft__fmt_ip6(char *out, const uint8_t *a)
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
			o += ft__fmt_ip4(out + o, a + 12);
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

#endif
