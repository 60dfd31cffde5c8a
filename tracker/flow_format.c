/*
 * flow_format.c - names, the Community ID and the flow record (JSON, text).
 *
 * Community ID v1 (https://github.com/corelight/community-id-spec):
 * base64(SHA-1(seed:16 | saddr | daddr | proto:8 | 0:8 | sport:16 | dport:16))
 * with the endpoints ordered so that the smaller (address, port) comes first,
 * all in network byte order, prefixed "1:". ICMP/ICMPv6 use the type and its
 * answer (two-way messages, ordered) or the type and code (one-way, not
 * ordered) as ports; protocols without ports hash no port bytes. SHA-1 is
 * FIPS 180-4, section 6.1.
 */
#include <string.h>

#include "core/sha1.h"
#include "output/jw.h"
#include "flowtap/flow.h"
#include "decode/proto.h"

const char *
ft_tcp_state_name(int state)
{
	static const char *const names[] = {"NONE", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
		"FIN_WAIT", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "CLOSED"};

	return state >= 0 && state <= FT_TCP_CLOSED ? names[state] : "UNKNOWN";
}

const char *
ft_close_name(int close)
{
	static const char *const names[] = {"open", "fin", "rst", "timeout", "eof", "evicted"};

	return close >= 0 && close <= FT_CLOSE_EVICTED ? names[close] : "unknown";
}

const char *
ft_community_id(const struct ft_flow *f, char *buf, size_t cap)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned alen = f->ip_v == 6 ? 16 : 4;
	const uint8_t *a = f->src, *b = f->dst;
	uint8_t proto = f->proto != 0 ? f->proto : FT_IPPROTO_TCP;
	uint16_t pa = f->sport, pb = f->dport;
	uint8_t msg[2 + 32 + 2 + 4], dig[FT_SHA1_LEN];
	char out[32];
	size_t n = 0, o = 0;
	int c = memcmp(a, b, alen), ports = 1, one_way = 0;

	if (proto == FT_IPPROTO_ICMP || proto == FT_IPPROTO_ICMPV6) {
		int peer = ft__icmp_peer_type(f->ip_v, f->icmp_type);

		pa = f->icmp_type;
		pb = peer < 0 ? f->icmp_code : (uint16_t)peer;
		one_way = peer < 0;
	} else if (proto != FT_IPPROTO_TCP && proto != FT_IPPROTO_UDP && proto != FT_IPPROTO_SCTP) {
		ports = 0;
		pa = pb = 0;
	}
	if (!one_way && (c > 0 || (c == 0 && pa > pb))) {
		uint16_t p = pa;

		a = f->dst;
		b = f->src;
		pa = pb;
		pb = p;
	}
	msg[n++] = 0; /* seed 0, 16 bits */
	msg[n++] = 0;
	memcpy(msg + n, a, alen);
	n += alen;
	memcpy(msg + n, b, alen);
	n += alen;
	msg[n++] = proto;
	msg[n++] = 0;
	if (ports) {
		msg[n++] = (uint8_t)(pa >> 8);
		msg[n++] = (uint8_t)pa;
		msg[n++] = (uint8_t)(pb >> 8);
		msg[n++] = (uint8_t)pb;
	}
	ft__sha1(msg, n, dig);
	out[o++] = '1';
	out[o++] = ':';
	for (int i = 0; i < 21; i += 3) { /* 20 bytes: 6 full groups + 2 bytes */
		uint32_t v = (uint32_t)dig[i] << 16 | (i + 1 < 20 ? (uint32_t)dig[i + 1] << 8 : 0) |
			     (i + 2 < 20 ? dig[i + 2] : 0);

		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < 20 ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	if (cap > 0) {
		if (o >= cap)
			o = cap - 1;
		memcpy(buf, out, o);
		buf[o] = '\0';
	}
	return buf;
}

/* ---- the records ---- */

static void
json_ms(struct ft_jw *w, const char *key, uint64_t ns)
{
	char tmp[32];

	ft__jw_key(w, key);
	ft__jw_raw(w, tmp, ft__fmt_ms3(tmp, ns));
}

static int
is_tcp(const struct ft_flow *f)
{
	/* (a flow of TCP fragments, with defragmentation off, has no state and
	 * no TCP fields) */
	return f->proto == FT_IPPROTO_TCP && f->state != 0;
}

static void
json_dir(struct ft_jw *w, const char *key, const struct ft_flow_dir *d, int tcp)
{
	ft__jw_key(w, key);
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "packets", d->packets);
	ft__jw_kv_u64(w, "bytes", d->bytes);
	ft__jw_kv_u64(w, "octets", d->octets);
	if (!tcp) {
		ft__jw_ch(w, '}');
		return;
	}
	ft__jw_kv_u64(w, "retransmits", d->retransmits);
	ft__jw_kv_u64(w, "missed", d->missed);
	if (d->cut)
		ft__jw_kv_u64(w, "cut", d->cut);
	if (d->mss)
		ft__jw_kv_u64(w, "mss", d->mss);
	if (d->has_wscale)
		ft__jw_kv_u64(w, "wscale", d->wscale);
	if (d->ack_lat_samples) {
		ft__jw_key(w, "ack_ms");
		ft__jw_ch(w, '{');
		json_ms(w, "min", d->ack_lat_min_ns);
		json_ms(w, "avg", d->ack_lat_sum_ns / d->ack_lat_samples);
		json_ms(w, "max", d->ack_lat_max_ns);
		ft__jw_kv_u64(w, "n", d->ack_lat_samples);
		ft__jw_ch(w, '}');
	}
	ft__jw_ch(w, '}');
}

/* "tcp", "udp", "icmp", "icmp6", "sctp", or NULL (the number is written). */
static const char *
proto_name(unsigned proto)
{
	switch (proto) {
	case FT_IPPROTO_TCP:
		return "tcp";
	case FT_IPPROTO_UDP:
		return "udp";
	case FT_IPPROTO_ICMP:
		return "icmp";
	case FT_IPPROTO_ICMPV6:
		return "icmp6";
	case FT_IPPROTO_SCTP:
		return "sctp";
	default:
		return NULL;
	}
}

static int
has_ports(const struct ft_flow *f)
{
	return f->proto == FT_IPPROTO_TCP || f->proto == FT_IPPROTO_UDP ||
	       f->proto == FT_IPPROTO_SCTP;
}

size_t
ft_format_flow_json(const struct ft_flow *f, char *buf, size_t cap)
{
	struct ft_jw w;
	char tmp[64];
	const char *pn = proto_name(f->proto);
	int tcp = is_tcp(f), icmp = f->proto == FT_IPPROTO_ICMP || f->proto == FT_IPPROTO_ICMPV6;
	size_t n;

	ft__jw_init(&w, buf, cap);
	ft__jw_ch(&w, '{');
	ft__jw_raw(&w, "\"type\":\"flow\"", 13);
	if (pn != NULL) {
		ft__jw_key(&w, "proto");
		ft__jw_name_q(&w, pn);
	} else {
		ft__jw_kv_u64(&w, "proto", f->proto);
	}
	ft__jw_key(&w, "src");
	ft__jw_ip(&w, f->ip_v, f->src);
	if (has_ports(f))
		ft__jw_kv_u64(&w, "sport", f->sport);
	ft__jw_key(&w, "dst");
	ft__jw_ip(&w, f->ip_v, f->dst);
	if (has_ports(f))
		ft__jw_kv_u64(&w, "dport", f->dport);
	if (icmp) {
		ft__jw_kv_u64(&w, "icmp_type", f->icmp_type);
		ft__jw_kv_u64(&w, "icmp_code", f->icmp_code);
		if (f->icmp_echo)
			ft__jw_kv_u64(&w, "icmp_id", f->icmp_id);
	}
	if (f->n_vlan) {
		ft__jw_key(&w, "vlan");
		ft__jw_ch(&w, '[');
		for (unsigned i = 0; i < f->n_vlan && i < 2; i++) {
			ft__jw_sep(&w);
			ft__jw_u64(&w, f->vlan[i]);
		}
		ft__jw_ch(&w, ']');
	}
	n = ft__fmt_epoch(tmp, f->first_ns, f->ts_digits == 9 ? 9 : 6);
	ft__jw_key(&w, "first");
	ft__jw_raw(&w, tmp, n);
	n = ft__fmt_epoch(tmp, f->last_ns, f->ts_digits == 9 ? 9 : 6);
	ft__jw_key(&w, "last");
	ft__jw_raw(&w, tmp, n);
	if (tcp) {
		ft__jw_key(&w, "state");
		ft__jw_name_q(&w, ft_tcp_state_name(f->state));
	}
	ft__jw_key(&w, "close");
	ft__jw_name_q(&w, ft_close_name(f->close));
	if (tcp)
		ft__jw_kv_bool(&w, "midstream", f->midstream);
	json_dir(&w, "send", &f->dir[FT_DIR_SEND], tcp);
	json_dir(&w, "recv", &f->dir[FT_DIR_RECV], tcp);
	if (f->connect_ns >= 0)
		json_ms(&w, "connect_ms", (uint64_t)f->connect_ns);
	if (f->rtt_ns >= 0)
		json_ms(&w, "rtt_ms", (uint64_t)f->rtt_ns);
	if (f->rst_ignored > 0)
		ft__jw_kv_u64(&w, "rst_ignored", f->rst_ignored);
	ft__jw_key(&w, "community_id");
	ft__jw_name_q(&w, ft_community_id(f, tmp, sizeof(tmp))); /* base64 */
	ft__jw_kv_u64(&w, "id", f->id);
	ft__jw_ch(&w, '}');
	return w.len;
}

/* ", send P pkts B B, recv P pkts B B" */
static void
text_counts(struct ft_jw *w, const struct ft_flow *f)
{
	ft__jw_cstr(w, ", send ");
	ft__jw_u64(w, f->dir[0].packets);
	ft__jw_cstr(w, " pkts ");
	ft__jw_u64(w, f->dir[0].bytes);
	ft__jw_cstr(w, " B, recv ");
	ft__jw_u64(w, f->dir[1].packets);
	ft__jw_cstr(w, " pkts ");
	ft__jw_u64(w, f->dir[1].bytes);
	ft__jw_cstr(w, " B");
}

/* "ADDR" or "ADDR.PORT" */
static void
text_endpoint(struct ft_jw *w, const struct ft_flow *f, const uint8_t *a, int ports, uint16_t port)
{
	char tmp[48];

	ft__jw_raw(w, tmp, f->ip_v == 6 ? ft__fmt_ip6(tmp, a) : ft__fmt_ip4(tmp, a));
	if (ports) {
		ft__jw_ch(w, '.');
		ft__jw_u64(w, port);
	}
}

/* ": S.uuuuuus" (the duration) */
static void
text_duration(struct ft_jw *w, uint64_t dur)
{
	char tmp[32];

	ft__jw_cstr(w, ": ");
	ft__jw_raw(w, tmp, ft__fmt_epoch(tmp, dur, 6));
	ft__jw_ch(w, 's');
}

/* The text line of a flow other than TCP: protocol, endpoints, duration,
 * packets and IP payload bytes each way, close. */
static size_t
flow_text_ip(const struct ft_flow *f, struct ft_jw *w, uint64_t dur)
{
	const char *pn = proto_name(f->proto);
	int ports = has_ports(f);

	if (pn != NULL) {
		char tmp[8];
		size_t n;

		for (n = 0; pn[n] != '\0' && n < sizeof tmp; n++)
			tmp[n] = (char)(pn[n] >= 'a' && pn[n] <= 'z' ? pn[n] - 'a' + 'A' : pn[n]);
		ft__jw_raw(w, tmp, n);
	} else {
		ft__jw_cstr(w, "proto-");
		ft__jw_u64(w, f->proto);
	}
	ft__jw_ch(w, ' ');
	text_endpoint(w, f, f->src, ports, f->sport);
	ft__jw_cstr(w, " > ");
	text_endpoint(w, f, f->dst, ports, f->dport);
	if (f->proto == FT_IPPROTO_ICMP || f->proto == FT_IPPROTO_ICMPV6) {
		ft__jw_cstr(w, " type ");
		ft__jw_u64(w, f->icmp_type);
		ft__jw_cstr(w, " code ");
		ft__jw_u64(w, f->icmp_code);
		if (f->icmp_echo) {
			ft__jw_cstr(w, " id ");
			ft__jw_u64(w, f->icmp_id);
		}
	}
	text_duration(w, dur);
	text_counts(w, f);
	ft__jw_cstr(w, ", close ");
	ft__jw_cstr(w, ft_close_name(f->close));
	return w->len;
}

size_t
ft_format_flow_text(const struct ft_flow *f, char *buf, size_t cap)
{
	return ft_format_flow_text_ts(f, 0, 0, buf, cap);
}

size_t
ft_format_flow_text_ts(
	const struct ft_flow *f, int ts_style, uint64_t ref_ns, char *buf, size_t cap)
{
	struct ft_jw w;
	char tmp[160];
	uint64_t dur = f->last_ns - f->first_ns;
	size_t n;

	ft__jw_init(&w, buf, cap);
	n = ft__fmt_ts(tmp, f->first_ns, ref_ns, f->ts_digits == 9 ? 9 : 6, ts_style);
	ft__jw_raw(&w, tmp, n);
	if (!is_tcp(f))
		return flow_text_ip(f, &w, dur);
	ft__jw_raw(&w, "TCP ", 4);
	text_endpoint(&w, f, f->src, 1, f->sport);
	ft__jw_cstr(&w, " > ");
	text_endpoint(&w, f, f->dst, 1, f->dport);
	text_duration(&w, dur);
	text_counts(&w, f);
	ft__jw_cstr(&w, ", retrans ");
	ft__jw_u64(&w, f->dir[0].retransmits);
	ft__jw_ch(&w, '/');
	ft__jw_u64(&w, f->dir[1].retransmits);
	ft__jw_cstr(&w, ", missed ");
	ft__jw_u64(&w, f->dir[0].missed);
	ft__jw_ch(&w, '/');
	ft__jw_u64(&w, f->dir[1].missed);
	if (f->rtt_ns >= 0) {
		ft__jw_cstr(&w, ", rtt ");
		ft__jw_raw(&w, tmp, ft__fmt_ms3(tmp, (uint64_t)f->rtt_ns));
		ft__jw_cstr(&w, "ms");
	}
	ft__jw_cstr(&w, ", ");
	ft__jw_cstr(&w, ft_tcp_state_name(f->state));
	if (f->midstream)
		ft__jw_cstr(&w, " (mid-stream)");
	ft__jw_cstr(&w, ", close ");
	ft__jw_cstr(&w, ft_close_name(f->close));
	return w.len;
}
