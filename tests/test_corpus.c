/*
 * tests/test_corpus.c - the tcpdump regression corpus through the decoder.
 *
 * DESIGN
 * Every capture in $FT_DATA_DIR/tcpdump (tcpdump's own regression captures,
 * many of them reproducers of out-of-bounds reads, some deliberately corrupt)
 * is read with libpcap; every frame is decoded with ft_decode() and rendered
 * with both formatters. Properties checked per frame:
 *  - the decoder's result is well formed: a valid status, equal to the return
 *    value; a valid err_layer; layer bits inside FT_L__COUNT; n_vlan bounded;
 *    the payload view inside the frame and no longer than the header says;
 *  - the JSON rendering is one strict JSON object (own validator below, no
 *    library: objects, arrays, strings with escapes and UTF-8, numbers,
 *    literals) with "type":"packet" and "n" equal to the frame number;
 *  - the text rendering is one line: no newline, NUL or control character;
 *  - both fit FT_PACKET_FORMAT_MAX and are NUL-terminated at the returned length;
 *  - both are deterministic: the same with struct ft_decoded and the stack
 *    pre-filled with 0x00 or 0xff (no read of a member the decoder left unset).
 * Each frame is decoded from a malloc'd copy of exactly caplen bytes and the
 * output buffers are malloc'd with exactly FT_PACKET_FORMAT_MAX bytes, so in the
 * ASan build any read past the frame or write past the buffer is reported.
 *
 * The truncation walk decodes the first frames of every file cut at every
 * length 0..caplen-1 (every length up to 2 KiB, a sample of the rest of jumbo
 * frames; again from exact-size copies) and checks that a cut
 * frame decodes no layer the whole frame did not, and that the fields of the
 * layers both decoded agree (a cut must not change what was read before it).
 *
 * Files libpcap refuses (open or read errors) are counted, not failures: the
 * corpus contains such files on purpose. Aggregate floors catch a decoder
 * that silently gives up on everything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "decode/flowkey.h"
#include "tests/ft_corpus.h"

/* Bit of a layer in ft_decoded.layers. */
#define LBIT(id) (1u << (id))

/* Frames per file that get the every-cut-length walk. */
#define WALK_FRAMES_PER_FILE 5
/* Every cut below this; above it (jumbo, 64 KiB frames) one cut per stride. */
#define WALK_EVERY_BELOW     2048
#define WALK_STRIDE          1021

/* ---- a strict JSON validator (RFC 8259), enough for one record ---------- */

#define JSON_MAX_DEPTH 32

struct json {
	const char *p, *end;
	int depth;
	const char *why; /* first error */
	/* top-level members of interest */
	bool type_packet;
	bool have_n;
	unsigned long long n;
	unsigned top_keys;
};

static bool
json_fail(struct json *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return false;
}

static void
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
json_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One UTF-8 sequence starting at j->p (a byte >= 0x80): well formed, shortest form. */
static bool
json_utf8(struct json *j)
{
	const unsigned char *s = (const unsigned char *)j->p;
	size_t left = (size_t)(j->end - j->p);
	uint32_t cp;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return json_fail(j, "invalid UTF-8 lead byte");
	}
	if (left < len)
		return json_fail(j, "truncated UTF-8 sequence");
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return json_fail(j, "invalid UTF-8 continuation");
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return json_fail(j, "overlong UTF-8");
	if (cp >= 0xd800 && cp <= 0xdfff)
		return json_fail(j, "UTF-8 surrogate");
	j->p += len;
	return true;
}

/* A string; its unescaped ASCII content is copied to out (cut at cap) for key checks. */
static bool
json_string(struct json *j, char *out, size_t cap)
{
	size_t o = 0;

	if (j->p >= j->end || *j->p != '"')
		return json_fail(j, "expected string");
	j->p++;
	for (;;) {
		unsigned char c;

		if (j->p >= j->end)
			return json_fail(j, "unterminated string");
		c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			break;
		}
		if (c < 0x20)
			return json_fail(j, "control character in string");
		if (c >= 0x80) {
			if (!json_utf8(j))
				return false;
			continue;
		}
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return json_fail(j, "unterminated escape");
			c = (unsigned char)*j->p;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned v = 0;

				if (j->end - j->p < 5)
					return json_fail(j, "short \\u escape");
				for (int k = 1; k <= 4; k++) {
					int h = json_hex(j->p[k]);

					if (h < 0)
						return json_fail(j, "bad \\u escape");
					v = v << 4 | (unsigned)h;
				}
				j->p += 4;
				c = v < 0x80 ? (unsigned char)v : '?';
				break;
			}
			default:
				return json_fail(j, "invalid escape");
			}
		}
		if (o + 1 < cap)
			out[o++] = (char)c;
		j->p++;
	}
	if (cap > 0)
		out[o] = '\0';
	return true;
}

/* A number; *is_uint and *u say whether it is a plain unsigned integer and its value. */
static bool
json_number(struct json *j, bool *is_uint, unsigned long long *u)
{
	const char *s = j->p;
	bool frac = false;

	*u = 0;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return json_fail(j, "bad number");
	if (*j->p == '0') {
		j->p++;
	} else if (*j->p >= '1' && *j->p <= '9') {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
			*u = *u * 10 + (unsigned)(*j->p - '0');
			j->p++;
		}
	} else {
		return json_fail(j, "bad number");
	}
	if (j->p < j->end && *j->p == '.') {
		frac = true;
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return json_fail(j, "bad fraction");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		frac = true;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return json_fail(j, "bad exponent");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	*is_uint = !frac && *s != '-' && j->p - s <= 19;
	return true;
}

static bool
json_literal(struct json *j, const char *lit)
{
	size_t len = strlen(lit);

	if ((size_t)(j->end - j->p) < len || memcmp(j->p, lit, len) != 0)
		return json_fail(j, "bad literal");
	j->p += len;
	return true;
}

static bool json_value(struct json *j, const char *key);

static bool
json_object(struct json *j)
{
	char key[64];
	bool top = j->depth == 1;

	j->p++; /* '{' */
	json_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		json_ws(j);
		if (!json_string(j, key, sizeof(key)))
			return false;
		json_ws(j);
		if (j->p >= j->end || *j->p != ':')
			return json_fail(j, "expected ':'");
		j->p++;
		if (top)
			j->top_keys++;
		if (!json_value(j, top ? key : NULL))
			return false;
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return true;
		}
		return json_fail(j, "expected ',' or '}'");
	}
}

static bool
json_array(struct json *j)
{
	j->p++; /* '[' */
	json_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!json_value(j, NULL))
			return false;
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return true;
		}
		return json_fail(j, "expected ',' or ']'");
	}
}

/* A value; key is its member name when it is a top-level member (else NULL). */
static bool
json_value(struct json *j, const char *key)
{
	bool ok, is_uint = false;
	unsigned long long u;
	char s[16];

	json_ws(j);
	if (j->p >= j->end)
		return json_fail(j, "expected value");
	if (j->depth >= JSON_MAX_DEPTH)
		return json_fail(j, "nesting too deep");
	j->depth++;
	switch (*j->p) {
	case '{':
		ok = json_object(j);
		break;
	case '[':
		ok = json_array(j);
		break;
	case '"':
		ok = json_string(j, s, sizeof(s));
		if (ok && key != NULL && strcmp(key, "type") == 0)
			j->type_packet = strcmp(s, "packet") == 0;
		break;
	case 't':
		ok = json_literal(j, "true");
		break;
	case 'f':
		ok = json_literal(j, "false");
		break;
	case 'n':
		ok = json_literal(j, "null");
		break;
	default:
		ok = json_number(j, &is_uint, &u);
		if (ok && key != NULL && strcmp(key, "n") == 0 && is_uint) {
			j->have_n = true;
			j->n = u;
		}
		break;
	}
	j->depth--;
	return ok;
}

/* Whole text must be exactly one JSON object. */
static bool
json_validate(struct json *j, const char *text, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->p = text;
	j->end = text + len;
	json_ws(j);
	if (j->p >= j->end || *j->p != '{')
		return json_fail(j, "not an object");
	if (!json_value(j, NULL))
		return false;
	json_ws(j);
	if (j->p != j->end)
		return json_fail(j, "trailing characters");
	return true;
}

static void
test_json_validator(void **state)
{
	static const char *good[] = {
		"{}",
		"{\"type\":\"packet\",\"n\":1}",
		"{\"a\":[1,-2,3.5e-3,0,true,false,null,\"x\\\"\\\\\\/"
		"\\b\\f\\n\\r\\t\\u00e9\"],\"b\":{}}",
		"{\"u\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		" { \"a\" : [ ] } ",
	};
	static const char *bad[] = {
		"",
		"[]",
		"{",
		"}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1,}",
		"{\"a\":[1,]}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":+1}",
		"{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12g4\"}",
		"{\"a\":\"\x01\"}",
		"{\"a\":\"\n\"}",
		"{\"a\":tru}",
		"{\"a\":\"\xc0\xaf\"}",
		"{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xff\"}",
		"{\"a\":\"\xe2\x82\"}",
		"{\"a\":1}{}",
		"{\"a\":\"x}",
		"{a:1}",
		"{\"a\":NaN}",
		"{\"a\":-}",
	};
	static const char nested[] = "{\"x\":{\"type\":\"packet\",\"n\":1}}";
	struct json j;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!json_validate(&j, good[i], strlen(good[i])))
			fail_msg("valid JSON rejected (%s): %s", j.why, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (json_validate(&j, bad[i], strlen(bad[i])))
			fail_msg("invalid JSON accepted: %s", bad[i]);
	}
	assert_true(json_validate(&j, good[1], strlen(good[1])));
	assert_true(j.type_packet);
	assert_true(j.have_n);
	assert_int_equal(j.n, 1);
	/* nested "n" and "type" do not count as the record's */
	assert_true(json_validate(&j, nested, strlen(nested)));
	assert_false(j.type_packet);
	assert_false(j.have_n);
}

/* ---- the per-frame checks ------------------------------------------------ */

struct totals {
	unsigned files, open_errors, read_errors, frames, walk_decodes;
	unsigned status[4];
	unsigned layer[FT_L__COUNT];
};

/* Where we are, for failure messages. */
struct where {
	const char *file;
	uint64_t frame;
	uint32_t cut; /* caplen when not cut */
};

static struct ft_corpus g_corpus; /* globals: teardown frees them after a failed assertion */
static pcap_t *g_pcap;
static char *g_json; /* FT_PACKET_FORMAT_MAX bytes, malloc'd: ASan sees overflows */
static char *g_text;

static void
check_decoded(const struct where *w, const struct ft_decoded *d, enum ft_dec_status ret,
	const uint8_t *frame, uint32_t caplen)
{
	if ((unsigned)ret > FT_DEC_UNSUPPORTED || ret != (enum ft_dec_status)d->status)
		fail_msg("%s #%llu cut %u: status %d, returned %d", w->file,
			(unsigned long long)w->frame, w->cut, d->status, (int)ret);
	if (d->err_layer >= FT_L__COUNT)
		fail_msg("%s #%llu cut %u: err_layer %u", w->file, (unsigned long long)w->frame,
			w->cut, d->err_layer);
	if (d->status != FT_DEC_OK && d->err_off > caplen)
		fail_msg("%s #%llu cut %u: err_off %u > caplen %u", w->file,
			(unsigned long long)w->frame, w->cut, d->err_off, caplen);
	if (d->layers & ~((1u << FT_L__COUNT) - 1) || d->layers & LBIT(FT_L_NONE))
		fail_msg("%s #%llu cut %u: layers 0x%x", w->file, (unsigned long long)w->frame,
			w->cut, d->layers);
	if (d->n_vlan > FT_MAX_VLAN)
		fail_msg("%s #%llu cut %u: n_vlan %u", w->file, (unsigned long long)w->frame,
			w->cut, d->n_vlan);
	if (d->l4_payload != NULL) {
		if (frame == NULL)
			fail_msg("%s #%llu cut %u: payload view into an empty frame", w->file,
				(unsigned long long)w->frame, w->cut);
		if (d->l4_payload < frame || d->l4_payload > frame + caplen ||
			d->l4_payload_len > (size_t)(frame + caplen - d->l4_payload))
			fail_msg("%s #%llu cut %u: payload view outside the frame", w->file,
				(unsigned long long)w->frame, w->cut);
		if ((d->layers & LBIT(FT_L_TCP)) && d->l4_payload_len > d->tcp.len)
			fail_msg("%s #%llu cut %u: payload %u > tcp.len %u", w->file,
				(unsigned long long)w->frame, w->cut, d->l4_payload_len,
				d->tcp.len);
		if ((d->layers & LBIT(FT_L_UDP)) && !(d->layers & LBIT(FT_L_TCP)) &&
			d->udp.len >= 8 && d->l4_payload_len > d->udp.len - 8u)
			fail_msg("%s #%llu cut %u: payload %u > udp.len-8 %u", w->file,
				(unsigned long long)w->frame, w->cut, d->l4_payload_len,
				d->udp.len - 8u);
	} else if (d->l4_payload_len != 0) {
		fail_msg("%s #%llu cut %u: payload len %u without payload", w->file,
			(unsigned long long)w->frame, w->cut, d->l4_payload_len);
	}
}

static void
check_formatted(const struct where *w, const struct ft_packet *pkt)
{
	struct json j;
	size_t n;

	n = ft_format_packet_json(pkt, g_json, FT_PACKET_FORMAT_MAX);
	if (n >= FT_PACKET_FORMAT_MAX || g_json[n] != '\0' || strlen(g_json) != n)
		fail_msg("%s #%llu cut %u: JSON length %zu, NUL misplaced", w->file,
			(unsigned long long)w->frame, w->cut, n);
	if (!json_validate(&j, g_json, n))
		fail_msg("%s #%llu cut %u: invalid JSON (%s at offset %td): %s", w->file,
			(unsigned long long)w->frame, w->cut, j.why, j.p - g_json, g_json);
	if (memchr(g_json, '\n', n) != NULL)
		fail_msg("%s #%llu cut %u: newline in JSON line", w->file,
			(unsigned long long)w->frame, w->cut);
	if (!j.type_packet || !j.have_n || j.n != pkt->n)
		fail_msg("%s #%llu cut %u: JSON lacks \"type\":\"packet\" or \"n\":%llu: %s",
			w->file, (unsigned long long)w->frame, w->cut, (unsigned long long)pkt->n,
			g_json);

	n = ft_format_packet_text(pkt, g_text, FT_PACKET_FORMAT_MAX);
	if (n >= FT_PACKET_FORMAT_MAX || g_text[n] != '\0' || strlen(g_text) != n)
		fail_msg("%s #%llu cut %u: text length %zu, NUL misplaced", w->file,
			(unsigned long long)w->frame, w->cut, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)g_text[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			fail_msg("%s #%llu cut %u: control byte 0x%02x at %zu in text: %s", w->file,
				(unsigned long long)w->frame, w->cut, c, i, g_text);
	}
}

/* The on-demand DNS parse: valid status, bounded counts, NUL-terminated names. */
static void
check_dns(const struct where *w, const struct ft_decoded *d)
{
	static struct ft_dns dns; /* big: keep it off the stack */
	enum ft_dec_status st;

	st = ft_decode_dns(d, &dns);
	if ((unsigned)st > FT_DEC_UNSUPPORTED || st != (enum ft_dec_status)dns.status ||
		dns.n_qd > FT_DNS_MAX_RR || dns.n_an > FT_DNS_MAX_RR)
		fail_msg("%s #%llu cut %u: DNS status %d/%d, %u questions, %u answers", w->file,
			(unsigned long long)w->frame, w->cut, (int)st, dns.status, dns.n_qd,
			dns.n_an);
	for (unsigned i = 0; i < dns.n_qd; i++)
		if (memchr(dns.qd[i].name, '\0', sizeof(dns.qd[i].name)) == NULL)
			fail_msg("%s #%llu cut %u: DNS question name not terminated", w->file,
				(unsigned long long)w->frame, w->cut);
	for (unsigned i = 0; i < dns.n_an; i++)
		if (memchr(dns.an[i].name, '\0', sizeof(dns.an[i].name)) == NULL ||
			memchr(dns.an[i].data, '\0', sizeof(dns.an[i].data)) == NULL)
			fail_msg("%s #%llu cut %u: DNS answer name/data not terminated", w->file,
				(unsigned long long)w->frame, w->cut);
}

/* Fill a stretch of the stack below the caller with a byte pattern. */
static void __attribute__((noinline)) stain_stack(int v)
{
	char junk[64 * 1024];

	memset(junk, v, sizeof(junk));
	/* the array escapes: the stores cannot be optimised away */
	__asm__ volatile("" : : "r"(junk) : "memory");
}

/*
 * Determinism: decode + format again with the ft_decoded struct pre-filled
 * with 0x00 and then 0xff, and the stack below us stained the same way; the
 * renderings must not change. Catches a formatter reading a member the
 * decoder did not write (or an uninitialised local, such as a struct ft_dns
 * a failed ft_decode_dns() left unwritten): sanitizers other than MSan miss it.
 */
static void
check_deterministic(const struct where *w, const struct ft_packet *base)
{
	static char a[FT_PACKET_FORMAT_MAX], b[FT_PACKET_FORMAT_MAX];
	static char at[FT_PACKET_FORMAT_MAX], bt[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	struct ft_packet pkt = *base;

	pkt.dec = &d;
	memset(&d, 0x00, sizeof(d));
	ft_decode(pkt.dlt, pkt.data, pkt.caplen, pkt.len, &d);
	stain_stack(0x00);
	ft_format_packet_json(&pkt, a, sizeof(a));
	stain_stack(0x00);
	ft_format_packet_text(&pkt, at, sizeof(at));
	memset(&d, 0xff, sizeof(d));
	ft_decode(pkt.dlt, pkt.data, pkt.caplen, pkt.len, &d);
	stain_stack(0xff);
	ft_format_packet_json(&pkt, b, sizeof(b));
	stain_stack(0xff);
	ft_format_packet_text(&pkt, bt, sizeof(bt));
	if (strcmp(a, b) != 0)
		fail_msg("%s #%llu cut %u: JSON depends on uninitialised memory:\n  %s\n  %s",
			w->file, (unsigned long long)w->frame, w->cut, a, b);
	if (strcmp(at, bt) != 0)
		fail_msg("%s #%llu cut %u: text depends on uninitialised memory:\n  %s\n  %s",
			w->file, (unsigned long long)w->frame, w->cut, at, bt);
}

/*
 * The capture thread's flow key (its fast path, or its decode) is the key the
 * worker would make from its own decode, for every frame that has a flow:
 * the worker trusts the key the descriptor carries.
 */
static void
check_flow_key(const struct where *w, int dlt, const uint8_t *copy, uint32_t caplen,
	const struct ft_decoded *d)
{
	struct ft_flow_key fast, slow;
	uint32_t ipoff;

	(void)ft__flow_key_of_frame(dlt, copy, caplen, &fast, &ipoff);
	if (ft__flow_key_of_decoded(d, copy != NULL ? copy + caplen : NULL, &slow) != 0)
		return;
	if (memcmp(&fast, &slow, sizeof(fast)) != 0)
		fail_msg("%s #%llu cut %u: the frame's flow key differs from the decoded packet's "
			 "(proto %u/%u, ports %u-%u / %u-%u)",
			w->file, (unsigned long long)w->frame, w->cut, fast.proto, slow.proto,
			fast.pa, fast.pb, slow.pa, slow.pb);
}

/* Decode + format one frame from an exact-size heap copy; returns the decoded view. */
static void
run_frame(const struct where *w, int dlt, const struct pcap_pkthdr *h, const uint8_t *bytes,
	uint32_t caplen, uint8_t ts_digits, bool determinism, struct ft_decoded *d)
{
	uint8_t *copy = NULL;
	struct ft_packet pkt;
	enum ft_dec_status st;

	if (caplen > 0) {
		copy = malloc(caplen);
		assert_non_null(copy);
		memcpy(copy, bytes, caplen);
	}
	st = ft_decode(dlt, copy, caplen, h->len, d);
	check_decoded(w, d, st, copy, caplen);
	check_flow_key(w, dlt, copy, caplen, d);
	if (d->layers & LBIT(FT_L_DNS))
		check_dns(w, d);

	memset(&pkt, 0, sizeof(pkt));
	pkt.n = w->frame;
	pkt.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
		    (uint64_t)h->ts.tv_usec * (ts_digits == 9 ? 1u : 1000u);
	pkt.caplen = caplen;
	pkt.len = h->len;
	pkt.dlt = dlt;
	pkt.ts_digits = ts_digits;
	pkt.data = copy;
	pkt.dec = d;
	check_formatted(w, &pkt);
	if (determinism)
		check_deterministic(w, &pkt);
	free(copy);
}

/*
 * A cut frame decodes a subset of the whole frame's layers, with equal fields.
 * Tunnels: when the whole frame entered a tunnel its ip/udp bits describe the
 * inner packet and the carrier's IP header is in outer_ip; a cut that stops
 * before the tunnel still has the carrier in ip (and its IP/UDP bits set).
 * tcp.len is not compared: an IPv4 total length of 0 (TSO captures) means
 * "the rest of the frame", which a cut changes.
 */
static void
check_cut_consistent(
	const struct where *w, const struct ft_decoded *full, const struct ft_decoded *cut)
{
	uint32_t tun_bits = LBIT(FT_L_IP4) | LBIT(FT_L_IP6) | LBIT(FT_L_UDP);
	bool cut_before_tunnel =
		(full->layers & LBIT(FT_L_TUNNEL)) && !(cut->layers & LBIT(FT_L_TUNNEL));
	uint32_t allowed = full->layers | (cut_before_tunnel ? tun_bits : 0);
	const struct ft_ip *full_ip = cut_before_tunnel ? &full->outer_ip : &full->ip;
	uint32_t both = full->layers & cut->layers;

	if (cut->layers & ~allowed)
		fail_msg("%s #%llu cut %u: layers 0x%x not a subset of the whole frame's 0x%x",
			w->file, (unsigned long long)w->frame, w->cut, cut->layers, full->layers);
	if ((both & LBIT(FT_L_ETH)) && memcmp(&full->eth.src, &cut->eth.src, 12) != 0)
		fail_msg("%s #%llu cut %u: eth addresses differ from the whole frame's", w->file,
			(unsigned long long)w->frame, w->cut);
	if ((cut->layers & (LBIT(FT_L_IP4) | LBIT(FT_L_IP6))) &&
		(cut_before_tunnel || (both & (LBIT(FT_L_IP4) | LBIT(FT_L_IP6)))) &&
		(full_ip->v != cut->ip.v || memcmp(full_ip->src, cut->ip.src, 16) != 0 ||
			memcmp(full_ip->dst, cut->ip.dst, 16) != 0))
		fail_msg("%s #%llu cut %u: IP addresses differ from the whole frame's", w->file,
			(unsigned long long)w->frame, w->cut);
	if (cut_before_tunnel)
		both &= ~(tun_bits | LBIT(FT_L_TCP));
	if ((both & LBIT(FT_L_TCP)) &&
		(full->tcp.sport != cut->tcp.sport || full->tcp.dport != cut->tcp.dport ||
			full->tcp.seq != cut->tcp.seq || full->tcp.ack != cut->tcp.ack ||
			full->tcp.flags != cut->tcp.flags))
		fail_msg("%s #%llu cut %u: TCP header differs from the whole frame's", w->file,
			(unsigned long long)w->frame, w->cut);
	if ((both & LBIT(FT_L_UDP)) &&
		(full->udp.sport != cut->udp.sport || full->udp.dport != cut->udp.dport ||
			full->udp.len != cut->udp.len))
		fail_msg("%s #%llu cut %u: UDP header differs from the whole frame's", w->file,
			(unsigned long long)w->frame, w->cut);
	if ((both & LBIT(FT_L_VLAN)) && cut->n_vlan > 0 &&
		(cut->n_vlan > full->n_vlan || full->vlan[0].id != cut->vlan[0].id))
		fail_msg("%s #%llu cut %u: VLAN tags differ from the whole frame's", w->file,
			(unsigned long long)w->frame, w->cut);
}

static void
run_file(const struct ft_corpus_file *f, struct totals *t, bool walk)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	struct where w;
	pcap_t *p;
	int dlt, rc;
	uint8_t ts_digits;

	p = pcap_open_offline_with_tstamp_precision(f->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	g_pcap = p;
	t->files++;
	if (p == NULL) {
		t->open_errors++;
		return;
	}
	ts_digits = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 9 : 6;
	dlt = pcap_datalink(p);
	memset(&w, 0, sizeof(w));
	w.file = f->name;
	while ((rc = pcap_next_ex(p, &h, &bytes)) == 1) {
		struct ft_decoded full, cut;

		w.frame++;
		w.cut = h->caplen;
		t->frames++;
		run_frame(&w, dlt, h, bytes, h->caplen, ts_digits, true, &full);
		t->status[full.status]++;
		for (unsigned l = 0; l < FT_L__COUNT; l++)
			if (full.layers & LBIT(l))
				t->layer[l]++;
		if (!walk || w.frame > WALK_FRAMES_PER_FILE)
			continue;
		for (uint32_t c = 0; c < h->caplen; c++) {
			if (c >= WALK_EVERY_BELOW && c % WALK_STRIDE != 0)
				continue;
			w.cut = c;
			run_frame(&w, dlt, h, bytes, c, ts_digits, false, &cut);
			check_cut_consistent(&w, &full, &cut);
			if (c == 0 && cut.status == FT_DEC_OK)
				fail_msg("%s #%llu: an empty frame decoded OK", w.file,
					(unsigned long long)w.frame);
			t->walk_decodes++;
		}
	}
	if (rc == PCAP_ERROR)
		t->read_errors++;
	pcap_close(p);
	g_pcap = NULL;
}

static int
setup(void **state)
{
	(void)state;
	g_json = malloc(FT_PACKET_FORMAT_MAX);
	g_text = malloc(FT_PACKET_FORMAT_MAX);
	return g_json != NULL && g_text != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	free(g_json);
	free(g_text);
	if (g_pcap != NULL)
		pcap_close(g_pcap);
	ft_corpus_close(&g_corpus);
	return 0;
}

static void
print_totals(const struct totals *t)
{
	print_message("files %u (open errors %u, read errors %u), frames %u, cut decodes %u\n",
		t->files, t->open_errors, t->read_errors, t->frames, t->walk_decodes);
	print_message("status: ok %u truncated %u malformed %u unsupported %u\n",
		t->status[FT_DEC_OK], t->status[FT_DEC_TRUNCATED], t->status[FT_DEC_MALFORMED],
		t->status[FT_DEC_UNSUPPORTED]);
	print_message("layers:");
	for (unsigned l = 1; l < FT_L__COUNT; l++)
		print_message(" %s %u", ft_layer_name((enum ft_layer)l), t->layer[l]);
	print_message("\n");
}

/* Every frame of every capture, decoded whole; the first frames cut at every length. */
static void
test_corpus_all_frames(void **state)
{
	struct ft_corpus *c = &g_corpus;
	struct totals t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(ft_corpus_open(c, "tcpdump"), 0);
	/* 785 pcap + 45 pcapng in the copy; a few missing would be a packaging bug */
	assert_true(c->n >= 800);
	for (size_t i = 0; i < c->n; i++)
		run_file(&c->files[i], &t, true);
	ft_corpus_close(c);
	print_totals(&t);

	/*
	 * Floors well below what the corpus holds (about 10,000 frames, most of
	 * them Ethernet/IP; see the totals printed above: ~80% of what the
	 * decoder found when this was written), so that they only trip when the
	 * decoder gives up on whole families of frames.
	 */
	assert_true(t.open_errors + t.read_errors < 60);
	assert_true(t.frames > 9000);
	assert_true(t.layer[FT_L_ETH] > 7000);
	assert_true(t.layer[FT_L_IP4] > 3500);
	assert_true(t.layer[FT_L_IP6] > 600);
	assert_true(t.layer[FT_L_TCP] > 1200);
	assert_true(t.layer[FT_L_UDP] > 1400);
	assert_true(t.layer[FT_L_ARP] > 1500);
	assert_true(t.layer[FT_L_SLL] > 500);
	assert_true(t.layer[FT_L_VLAN] > 60);
	assert_true(t.layer[FT_L_TUNNEL] > 250);
	assert_true(t.status[FT_DEC_OK] > t.frames * 3 / 4);
	assert_true(t.walk_decodes > 150000);
}

/* The hand-made frames of tests/data/decoder (hostile lengths, every link type). */
static void
test_handmade_frames(void **state)
{
	struct ft_corpus *c = &g_corpus;
	struct totals t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(ft_corpus_open(c, "decoder"), 0);
	assert_true(c->n >= 30);
	for (size_t i = 0; i < c->n; i++)
		run_file(&c->files[i], &t, true);
	ft_corpus_close(c);
	print_totals(&t);
	assert_int_equal(t.open_errors + t.read_errors, 0);
	assert_int_equal(t.frames, t.files); /* one frame each */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_validator),
		cmocka_unit_test(test_handmade_frames),
		cmocka_unit_test(test_corpus_all_frames),
	};

	return cmocka_run_group_tests_name("corpus", tests, setup, teardown);
}
