/*
 * decode/decode_dns.c - ft_decode_dns(): DNS messages (RFC 1035 4.1) over
 * UDP and over TCP (RFC 1035 4.2.2: a 2-byte length prefix; RFC 7766).
 *
 * DESIGN
 * - Called on demand (by the formatters, or by any consumer) on a frame that
 *   ft_decode() marked FT_LAYER_DNS; ft_decode() itself never parses DNS, so
 *   the per-packet path stays fast.
 * - Names are copied into fixed 256-byte buffers; at most FT_DNS_MAX_RR
 *   questions and answers are kept. Nothing is allocated.
 * - Compression pointers (RFC 1035 4.1.4) must point strictly before the
 *   start of the labels that led to them, so every jump goes backwards and
 *   a name can never loop; the number of jumps is bounded as well.
 * - Reading past the end is "truncated" when the capture holds fewer bytes
 *   than the message declares, "malformed" otherwise. What was parsed before
 *   the error is kept (n_qd, n_an count it).
 * - Supported RDATA: A, AAAA (RFC 3596), CNAME, NS, PTR, MX, TXT, SOA,
 *   SRV (RFC 2782); others are shown as hex.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "flowtap/decode.h"
#include "core/fmt.h"
#include "decode/rd.h"

#define DNS_MAX_JUMPS 64

struct dns_msg {
	const uint8_t *m;
	uint32_t len;      /* bytes readable */
	uint32_t declared; /* bytes the message declares (UDP length, TCP prefix) */
};

/* A bounded text builder for RDATA. */
struct sb {
	char *p;
	size_t cap, len;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + 1 >= b->cap)
		return;
	if (n > b->cap - 1 - b->len)
		n = b->cap - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_u(struct sb *b, uint64_t v)
{
	char tmp[24];

	sb_add(b, tmp, ft__fmt_u64(tmp, v));
}

static enum ft_dec_status
dns_err(const struct dns_msg *m)
{
	return m->len < m->declared ? FT_DEC_TRUNCATED : FT_DEC_MALFORMED;
}

/*
 * Read the name at *off into out (dotted, no trailing dot). On return *off
 * is past the name in the message (past the first pointer if any).
 */
static enum ft_dec_status
dns_name(const struct dns_msg *m, uint32_t *off, char *out, size_t cap)
{
	uint32_t pos = *off, limit = *off, ptr, len;
	size_t olen = 0;
	int jumped = 0, jumps = 0;

	out[0] = '\0';
	/* bounded: labels advance pos; jumps go strictly backwards (limit) */
	for (;;) {
		if (pos >= m->len)
			return dns_err(m);
		len = m->m[pos];
		if ((len & 0xc0) == 0xc0) {
			if (pos + 1 >= m->len)
				return dns_err(m);
			ptr = ((len & 0x3f) << 8) | m->m[pos + 1];
			if (ptr >= limit || ++jumps > DNS_MAX_JUMPS)
				return FT_DEC_MALFORMED;
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = limit = ptr;
			continue;
		}
		if ((len & 0xc0) != 0)
			return FT_DEC_MALFORMED; /* extended label types (RFC 6891) */
		if (len == 0) {
			if (!jumped)
				*off = pos + 1;
			return FT_DEC_OK;
		}
		if (len > m->len - pos - 1)
			return dns_err(m);
		if (olen + (olen > 0) + len >= cap)
			return FT_DEC_MALFORMED; /* longer than 255 bytes */
		if (olen > 0)
			out[olen++] = '.';
		memcpy(out + olen, m->m + pos + 1, len);
		olen += len;
		out[olen] = '\0';
		pos += 1 + len;
	}
}

/* Render RDATA at [off, off + rdlen) as text. */
static enum ft_dec_status
dns_rdata(
	const struct dns_msg *m, uint16_t type, uint32_t off, uint32_t rdlen, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	struct sb b = {out, cap, 0};
	char name[FT_DNS_NAME_MAX], tmp[48];
	const uint8_t *r = m->m + off;
	uint32_t o, n, i;
	enum ft_dec_status st;

	out[0] = '\0';
	switch (type) {
	case 1: /* A */
		if (rdlen != 4)
			return FT_DEC_MALFORMED;
		sb_add(&b, tmp, ft__fmt_ip4(tmp, r));
		return FT_DEC_OK;
	case 28: /* AAAA */
		if (rdlen != 16)
			return FT_DEC_MALFORMED;
		sb_add(&b, tmp, ft__fmt_ip6(tmp, r));
		return FT_DEC_OK;
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
		o = off;
		st = dns_name(m, &o, name, sizeof name);
		sb_add(&b, name, strlen(name));
		return st;
	case 15: /* MX: preference, exchange */
		if (rdlen < 3)
			return FT_DEC_MALFORMED;
		sb_u(&b, ft__ld_be16(r));
		sb_add(&b, " ", 1);
		o = off + 2;
		st = dns_name(m, &o, name, sizeof name);
		sb_add(&b, name, strlen(name));
		return st;
	case 33: /* SRV: priority, weight, port, target */
		if (rdlen < 7)
			return FT_DEC_MALFORMED;
		for (i = 0; i < 3; i++) {
			sb_u(&b, ft__ld_be16(r + 2 * i));
			sb_add(&b, " ", 1);
		}
		o = off + 6;
		st = dns_name(m, &o, name, sizeof name);
		sb_add(&b, name, strlen(name));
		return st;
	case 6: /* SOA: mname, rname, serial, refresh, retry, expire, minimum */
		o = off;
		st = dns_name(m, &o, name, sizeof name);
		if (st != FT_DEC_OK)
			return st;
		sb_add(&b, name, strlen(name));
		sb_add(&b, " ", 1);
		st = dns_name(m, &o, name, sizeof name);
		if (st != FT_DEC_OK)
			return st;
		sb_add(&b, name, strlen(name));
		if (o + 20 > off + rdlen)
			return FT_DEC_MALFORMED;
		for (i = 0; i < 5; i++) {
			sb_add(&b, " ", 1);
			sb_u(&b, ft__ld_be32(m->m + o + 4 * i));
		}
		return FT_DEC_OK;
	case 16: /* TXT: <character-string>+ */
		for (o = 0; o < rdlen; o += 1 + n) {
			n = r[o];
			if (n > rdlen - o - 1)
				return FT_DEC_MALFORMED;
			if (o > 0)
				sb_add(&b, " ", 1);
			sb_add(&b, (const char *)r + o + 1, n);
		}
		return FT_DEC_OK;
	default:
		for (i = 0; i < rdlen && b.len + 3 < cap; i++) {
			tmp[0] = hex[r[i] >> 4];
			tmp[1] = hex[r[i] & 15];
			sb_add(&b, tmp, 2);
		}
		return FT_DEC_OK;
	}
}

static enum ft_dec_status
dns_fail(struct ft_dns *out, enum ft_dec_status st, uint32_t off)
{
	out->status = (uint8_t)st;
	out->err_off = (uint16_t)(off > 0xffff ? 0xffff : off);
	return st;
}

FT_EXTERN enum ft_dec_status
ft_decode_dns(const struct ft_decoded *d, struct ft_dns *out)
{
	struct dns_msg m;
	char scratch[FT_DNS_NAME_MAX];
	uint32_t off, i, rdlen;
	enum ft_dec_status st;
	struct ft_dns_rr *rr;
	uint8_t f2, f3;

	/* The whole header part: a message too short for a DNS header must not
	 * leave id, flags or counts from an earlier call (the formatters print
	 * them). The record arrays stay as they are: n_qd and n_an say what is valid. */
	memset(out, 0, offsetof(struct ft_dns, qd));
	out->status = FT_DEC_OK;
	if (!(d->layers & FT_LAYER_DNS) || d->l4_payload == NULL)
		return dns_fail(out, FT_DEC_UNSUPPORTED, 0);
	m.m = d->l4_payload;
	m.len = d->l4_payload_len;
	if (d->layers & FT_LAYER_TCP) {
		if (m.len < 2)
			return dns_fail(out, FT_DEC_TRUNCATED, 0);
		out->tcp = 1;
		m.declared = ft__ld_be16(m.m);
		m.m += 2;
		m.len -= 2;
		if (m.len > m.declared)
			m.len = m.declared;
	} else {
		m.declared = d->udp.len >= 8 ? d->udp.len - 8u : 0u;
	}
	out->msg_len = m.declared;
	if (m.len < 12)
		return dns_fail(out, dns_err(&m), 0);
	/* SAFE: checked by m.len >= 12 */
	out->id = ft__ld_be16(m.m);
	f2 = m.m[2];
	f3 = m.m[3];
	out->qr = f2 >> 7;
	out->opcode = (f2 >> 3) & 15;
	out->aa = (f2 >> 2) & 1;
	out->tc = (f2 >> 1) & 1;
	out->rd = f2 & 1;
	out->ra = f3 >> 7;
	out->rcode = f3 & 15;
	out->qdcount = ft__ld_be16(m.m + 4);
	out->ancount = ft__ld_be16(m.m + 6);
	out->nscount = ft__ld_be16(m.m + 8);
	out->arcount = ft__ld_be16(m.m + 10);
	off = 12;

	/* questions: all walked (bounded: each is >= 5 bytes), FT_DNS_MAX_RR kept */
	for (i = 0; i < out->qdcount; i++) {
		char *name = i < FT_DNS_MAX_RR ? out->qd[i].name : scratch;

		st = dns_name(&m, &off, name, FT_DNS_NAME_MAX);
		if (st != FT_DEC_OK)
			return dns_fail(out, st, off);
		if (m.len - off < 4)
			return dns_fail(out, dns_err(&m), off);
		if (i < FT_DNS_MAX_RR) {
			out->qd[i].type = ft__ld_be16(m.m + off);
			out->qd[i].qclass = ft__ld_be16(m.m + off + 2);
			out->n_qd++;
		}
		off += 4;
	}
	/* answers: the first FT_DNS_MAX_RR (authority and additional are not read) */
	for (i = 0; i < out->ancount && i < FT_DNS_MAX_RR; i++) {
		rr = &out->an[i];
		st = dns_name(&m, &off, rr->name, sizeof rr->name);
		if (st != FT_DEC_OK)
			return dns_fail(out, st, off);
		if (m.len - off < 10)
			return dns_fail(out, dns_err(&m), off);
		rr->type = ft__ld_be16(m.m + off);
		rr->rclass = ft__ld_be16(m.m + off + 2);
		rr->ttl = ft__ld_be32(m.m + off + 4);
		rdlen = ft__ld_be16(m.m + off + 8);
		rr->rdlen = (uint16_t)rdlen;
		off += 10;
		if (rdlen > m.len - off)
			return dns_fail(out, dns_err(&m), off);
		st = dns_rdata(&m, rr->type, off, rdlen, rr->data, sizeof rr->data);
		out->n_an++;
		if (st != FT_DEC_OK)
			return dns_fail(out, st, off);
		off += rdlen;
	}
	return FT_DEC_OK;
}
