/*
 * output/format_text.c - ft_format_packet_text(): one line per packet in
 * tcpdump's -n style (time of day in UTC, numeric addresses), e.g.
 *   12:00:00.000001 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [S.], seq 1,
 *   ack 2, win 512, options [mss 1460,nop,wscale 7], length 0
 *
 * DESIGN
 * - Same bounded writer as the JSON output (output/jw.h): no allocation, no
 *   printf; a small buffer cuts the line cleanly.
 * - Sequence numbers are absolute (tcpdump -S): the formatter is stateless.
 * - Summaries follow tcpdump's wording for ARP, ICMP, ICMPv6, IGMP, DNS,
 *   VXLAN, GRE, Geneve, MPLS and PPPoE (GTP-U and MPLS pseudowires, which
 *   tcpdump does not decode, in the same style); a decode error is appended as " [|layer]"
 * (truncated, as tcpdump does) or " [malformed layer]" / " [unsupported layer]".
 * - Names from the wire (DNS, SSID) are printed with non-printable bytes as
 *   \DDD (RFC 1035 5.1), so the line stays one printable line.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "decode/proto.h"
#include "output/format_internal.h"
#include "output/jw.h"

void
ft__fmt_rate(struct ft_jw *w, unsigned rate)
{
	ft__jw_u64(w, rate / 2);
	if (rate & 1)
		ft__jw_raw(w, ".5", 2);
}

const char *
ft__wifi_subtype_name(unsigned type, unsigned subtype)
{
	static const char *const mgmt[16] = {"assoc-req", "assoc-resp", "reassoc-req",
		"reassoc-resp", "probe-req", "probe-resp", "timing-adv", "mgmt-7", "beacon", "atim",
		"disassoc", "auth", "deauth", "action", "action-noack", "mgmt-15"};
	static const char *const ctrl[16] = {"ctrl-0", "ctrl-1", "trigger", "tack",
		"beamforming-poll", "vht-ndp-ann", "ctrl-ext", "ctrl-wrapper", "block-ack-req",
		"block-ack", "ps-poll", "rts", "cts", "ack", "cf-end", "cf-end-ack"};
	static const char *const data[16] = {"data", "data-cf-ack", "data-cf-poll",
		"data-cf-ack-poll", "null", "cf-ack", "cf-poll", "cf-ack-poll", "qos-data",
		"qos-data-cf-ack", "qos-data-cf-poll", "qos-data-cf-ack-poll", "qos-null",
		"data-13", "qos-cf-poll", "qos-cf-ack-poll"};

	subtype &= 15;
	switch (type) {
	case FT_WIFI_MGMT:
		return mgmt[subtype];
	case FT_WIFI_CTRL:
		return ctrl[subtype];
	case FT_WIFI_DATA:
		return data[subtype];
	default:
		return "extension";
	}
}

static void
tw_u(struct ft_jw *w, uint64_t v)
{
	ft__jw_u64(w, v);
}

/* tcpdump prints rates with one decimal: "1.0", "5.5". */
static void
tw_rate(struct ft_jw *w, unsigned rate)
{
	ft__jw_u64(w, rate / 2);
	ft__jw_raw(w, (rate & 1) ? ".5" : ".0", 2);
}

static void
tw_s(struct ft_jw *w, const char *s)
{
	ft__jw_cstr(w, s);
}

static void
tw_hex(struct ft_jw *w, unsigned v, unsigned digits)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[10];
	unsigned i;

	if (digits > 8)
		digits = 8;
	tmp[0] = '0';
	tmp[1] = 'x';
	for (i = 0; i < digits; i++)
		tmp[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 15];
	ft__jw_raw(w, tmp, 2 + digits);
}

static void
tw_ip(struct ft_jw *w, int v, const uint8_t *a)
{
	char tmp[48];

	ft__jw_raw(w, tmp, v == 6 ? ft__fmt_ip6(tmp, a) : ft__fmt_ip4(tmp, a));
}

static void
tw_mac(struct ft_jw *w, const uint8_t *a)
{
	char tmp[20];

	ft__jw_raw(w, tmp, ft__fmt_mac(tmp, a));
}

/* Bytes from the wire, printable ASCII as is, others as \DDD. */
static void
tw_bytes(struct ft_jw *w, const char *s, size_t n)
{
	char e[4];
	size_t i;
	uint8_t c;

	for (i = 0; i < n; i++) {
		c = (uint8_t)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			ft__jw_raw(w, s + i, 1);
		} else {
			e[0] = '\\';
			e[1] = (char)('0' + c / 100);
			e[2] = (char)('0' + c / 10 % 10);
			e[3] = (char)('0' + c % 10);
			ft__jw_raw(w, e, 4);
		}
	}
}

static const char *
dns_type_name(unsigned t)
{
	switch (t) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 12:
		return "PTR";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	case 33:
		return "SRV";
	case 41:
		return "OPT";
	case 65:
		return "HTTPS";
	case 35:
		return "NAPTR";
	case 39:
		return "DNAME";
	case 43:
		return "DS";
	case 44:
		return "SSHFP";
	case 46:
		return "RRSIG";
	case 47:
		return "NSEC";
	case 48:
		return "DNSKEY";
	case 50:
		return "NSEC3";
	case 64:
		return "SVCB";
	case 99:
		return "SPF";
	case 252:
		return "AXFR";
	case 255:
		return "ANY";
	case 256:
		return "URI";
	case 257:
		return "CAA";
	default:
		return NULL;
	}
}

static void
tw_dns_type(struct ft_jw *w, unsigned t)
{
	const char *n = dns_type_name(t);

	if (n != NULL) {
		tw_s(w, n);
	} else {
		tw_s(w, "Type");
		tw_u(w, t);
	}
}

static void
tw_dns_name(struct ft_jw *w, const char *name)
{
	tw_bytes(w, name, strnlen(name, FT_DNS_NAME_MAX));
	ft__jw_ch(w, '.');
}

/* tcpdump's DNS summary (print-domain.c, without -v). */
static void
text_dns(struct ft_jw *w, const struct ft_decoded *d)
{
	static const char *const rcodes[] = {
		"", " FormErr", " ServFail", " NXDomain", " NotImp", " Refused"};
	struct ft_dns dns;
	unsigned i;

	ft_decode_dns(d, &dns);
	tw_u(w, dns.id);
	if (dns.qr) {
		if (dns.opcode) {
			tw_s(w, " op");
			tw_u(w, dns.opcode);
		}
		if (dns.aa)
			tw_s(w, "*");
		if (!dns.ra)
			tw_s(w, "-");
		if (dns.tc)
			tw_s(w, "|");
		if (dns.rcode < 6) {
			tw_s(w, rcodes[dns.rcode]);
		} else {
			tw_s(w, " Resp");
			tw_u(w, dns.rcode);
		}
		ft__jw_ch(w, ' ');
		tw_u(w, dns.ancount);
		ft__jw_ch(w, '/');
		tw_u(w, dns.nscount);
		ft__jw_ch(w, '/');
		tw_u(w, dns.arcount);
		for (i = 0; i < dns.n_an; i++) {
			tw_s(w, i == 0 ? " " : ", ");
			tw_dns_type(w, dns.an[i].type);
			switch (dns.an[i].type) {
			case 2:
			case 5:
			case 12:
				ft__jw_ch(w, ' ');
				tw_dns_name(w, dns.an[i].data);
				break;
			case 1:
			case 6:
			case 15:
			case 16:
			case 28:
			case 33:
				ft__jw_ch(w, ' ');
				tw_bytes(w, dns.an[i].data,
					strnlen(dns.an[i].data, sizeof dns.an[i].data));
				break;
			default:
				break;
			}
		}
	} else {
		if (dns.opcode) {
			tw_s(w, " op");
			tw_u(w, dns.opcode);
		}
		if (dns.rd)
			tw_s(w, "+");
		if (dns.arcount) {
			tw_s(w, " [");
			tw_u(w, dns.arcount);
			tw_s(w, "au]");
		}
		for (i = 0; i < dns.n_qd; i++) {
			ft__jw_ch(w, ' ');
			tw_dns_type(w, dns.qd[i].type);
			tw_s(w, "? ");
			tw_dns_name(w, dns.qd[i].name);
		}
	}
	tw_s(w, " (");
	tw_u(w, dns.msg_len);
	ft__jw_ch(w, ')');
	if (dns.status != FT_DEC_OK)
		tw_s(w, " [|domain]");
}

static void
text_tcp(struct ft_jw *w, const struct ft_decoded *d)
{
	static const char fl[] = "FSRP.UEW";
	const struct ft_tcp *t = &d->tcp;
	const struct ft_tcp_opts *o = &t->opts;
	char flags[10];
	unsigned i, n = 0, first = 1;

	for (i = 0; i < 8; i++)
		if (t->flags & (1u << i))
			flags[n++] = fl[i];
	tw_s(w, "Flags [");
	if (n == 0)
		tw_s(w, "none");
	else
		ft__jw_raw(w, flags, n);
	tw_s(w, "], seq ");
	tw_u(w, t->seq);
	if (t->len > 0) {
		ft__jw_ch(w, ':');
		tw_u(w, (uint32_t)(t->seq + t->len));
	}
	if (t->flags & FT_TCP_ACK) {
		tw_s(w, ", ack ");
		tw_u(w, t->ack);
	}
	tw_s(w, ", win ");
	tw_u(w, t->win);
	if (t->flags & FT_TCP_URG) {
		tw_s(w, ", urg ");
		tw_u(w, t->urp);
	}
	if (t->hlen > 20 && o->n_opts > 0) {
		tw_s(w, ", options [");
#define SEP()                              \
	do {                               \
		if (!first)                \
			ft__jw_ch(w, ','); \
		first = 0;                 \
	} while (0)
		if (o->present & FT_TCPOPT_MSS) {
			SEP();
			tw_s(w, "mss ");
			tw_u(w, o->mss);
		}
		if (o->present & FT_TCPOPT_SACK_OK) {
			SEP();
			tw_s(w, "sackOK");
		}
		if (o->present & FT_TCPOPT_TS) {
			SEP();
			tw_s(w, "TS val ");
			tw_u(w, o->ts_val);
			tw_s(w, " ecr ");
			tw_u(w, o->ts_ecr);
		}
		if (o->present & FT_TCPOPT_WSCALE) {
			SEP();
			tw_s(w, "wscale ");
			tw_u(w, o->wscale);
		}
		if (o->present & FT_TCPOPT_SACK) {
			SEP();
			tw_s(w, "sack ");
			tw_u(w, o->n_sack);
			for (i = 0; i < o->n_sack; i++) {
				tw_s(w, " {");
				tw_u(w, o->sack[i][0]);
				ft__jw_ch(w, ':');
				tw_u(w, o->sack[i][1]);
				ft__jw_ch(w, '}');
			}
		}
		for (i = 0; i < o->n_unknown; i++) {
			SEP();
			tw_s(w, "unknown-");
			tw_u(w, o->unknown[i]);
		}
		if (first)
			tw_s(w, "nop");
#undef SEP
		ft__jw_ch(w, ']');
	}
	tw_s(w, ", length ");
	tw_u(w, t->len);
}

static void
text_icmp(struct ft_jw *w, const struct ft_decoded *d, uint32_t len)
{
	const struct ft_icmp *ic = &d->icmp;

	tw_s(w, "ICMP ");
	switch (ic->type) {
	case 0:
	case 8:
		tw_s(w, ic->type == 8 ? "echo request" : "echo reply");
		tw_s(w, ", id ");
		tw_u(w, ic->id);
		tw_s(w, ", seq ");
		tw_u(w, ic->seq);
		break;
	case 3:
		if (ic->quote && ic->code == 3 && ic->q_ports) {
			tw_ip(w, ic->q_v, ic->q_dst);
			tw_s(w, ic->q_proto == FT_IPPROTO_TCP ? " tcp port " : " udp port ");
			tw_u(w, ic->q_dport);
			tw_s(w, " unreachable");
		} else if (ic->quote && ic->code == 2) {
			tw_ip(w, ic->q_v, ic->q_dst);
			tw_s(w, " protocol ");
			tw_u(w, ic->q_proto);
			tw_s(w, " unreachable");
		} else if (ic->quote && ic->code <= 1) {
			tw_s(w, ic->code == 0 ? "net " : "host ");
			tw_ip(w, ic->q_v, ic->q_dst);
			tw_s(w, " unreachable");
		} else {
			tw_s(w, "unreachable, code ");
			tw_u(w, ic->code);
		}
		break;
	case 11:
		tw_s(w, ic->code == 0 ? "time exceeded in-transit" : "ip reassembly time exceeded");
		break;
	case 5:
		tw_s(w, "redirect");
		break;
	case 12:
		tw_s(w, "parameter problem");
		break;
	case 13:
	case 14:
		tw_s(w, ic->type == 13 ? "time stamp query" : "time stamp reply");
		tw_s(w, " id ");
		tw_u(w, ic->id);
		tw_s(w, " seq ");
		tw_u(w, ic->seq);
		break;
	default:
		tw_s(w, "type-#");
		tw_u(w, ic->type);
		break;
	}
	tw_s(w, ", length ");
	tw_u(w, len);
}

static void
text_icmp6(struct ft_jw *w, const struct ft_decoded *d, uint32_t len)
{
	const struct ft_icmp *ic = &d->icmp;

	tw_s(w, "ICMP6, ");
	switch (ic->type) {
	case 128:
	case 129:
		tw_s(w, ic->type == 128 ? "echo request" : "echo reply");
		tw_s(w, ", id ");
		tw_u(w, ic->id);
		tw_s(w, ", seq ");
		tw_u(w, ic->seq);
		break;
	case 1:
		tw_s(w, "destination unreachable");
		if (ic->quote && ic->code == 4 && ic->q_ports) {
			tw_s(w, ", unreachable port, ");
			tw_ip(w, ic->q_v, ic->q_dst);
			tw_s(w, ic->q_proto == FT_IPPROTO_TCP ? " tcp port " : " udp port ");
			tw_u(w, ic->q_dport);
		}
		break;
	case 2:
		tw_s(w, "packet too big, mtu ");
		tw_u(w, ic->data);
		break;
	case 3:
		tw_s(w, "time exceeded in-transit");
		break;
	case 4:
		tw_s(w, "parameter problem");
		break;
	case 133:
		tw_s(w, "router solicitation");
		break;
	case 134:
		tw_s(w, "router advertisement");
		break;
	case 135:
		tw_s(w, "neighbor solicitation");
		if (ic->nd_target) {
			tw_s(w, ", who has ");
			tw_ip(w, 6, ic->target);
		}
		break;
	case 136:
		tw_s(w, "neighbor advertisement");
		if (ic->nd_target) {
			tw_s(w, ", tgt is ");
			tw_ip(w, 6, ic->target);
		}
		break;
	case 137:
		tw_s(w, "redirect");
		break;
	case 130:
		tw_s(w, "multicast listener query");
		break;
	case 131:
		tw_s(w, "multicast listener report");
		break;
	case 132:
		tw_s(w, "multicast listener done");
		break;
	case 143:
		tw_s(w, "multicast listener report v2");
		break;
	default:
		tw_s(w, "type-#");
		tw_u(w, ic->type);
		break;
	}
	tw_s(w, ", length ");
	tw_u(w, len);
}

static void
text_igmp(struct ft_jw *w, const struct ft_igmp *g)
{
	tw_s(w, "igmp ");
	switch (g->type) {
	case 0x11:
		tw_s(w, "query v");
		tw_u(w, g->version);
		if (g->version > 1) {
			tw_s(w, " [max resp time ");
			tw_u(w, g->max_resp);
			ft__jw_ch(w, ']');
		}
		if ((g->group[0] | g->group[1] | g->group[2] | g->group[3]) != 0) {
			tw_s(w, " [gaddr ");
			tw_ip(w, 4, g->group);
			ft__jw_ch(w, ']');
		}
		break;
	case 0x12:
	case 0x16:
		tw_s(w, g->type == 0x12 ? "v1 report " : "v2 report ");
		tw_ip(w, 4, g->group);
		break;
	case 0x17:
		tw_s(w, "leave ");
		tw_ip(w, 4, g->group);
		break;
	case 0x22:
		tw_s(w, "v3 report, ");
		tw_u(w, g->n_rec);
		tw_s(w, " group record(s)");
		break;
	default:
		tw_s(w, "type ");
		tw_hex(w, g->type, 2);
		break;
	}
}

static void
text_arp(struct ft_jw *w, const struct ft_arp *a)
{
	int ip4 = a->ptype == 0x0800 && a->plen == 4;
	int eth = a->hlen == 6;

	tw_s(w, "ARP, ");
	if (ip4 && a->op == 1) {
		tw_s(w, "Request who-has ");
		tw_ip(w, 4, a->tpa);
		tw_s(w, " tell ");
		tw_ip(w, 4, a->spa);
	} else if (ip4 && eth && a->op == 2) {
		tw_s(w, "Reply ");
		tw_ip(w, 4, a->spa);
		tw_s(w, " is-at ");
		tw_mac(w, a->sha);
	} else {
		tw_s(w, "op ");
		tw_u(w, a->op);
	}
	tw_s(w, ", length ");
	tw_u(w, 8 + 2 * ((uint32_t)a->hlen + a->plen));
}

/* The IP packet and what it carries. */
static void
text_ip(struct ft_jw *w, const struct ft_decoded *d)
{
	const struct ft_ip *ip = &d->ip;
	uint32_t L = d->layers;
	uint32_t plen =
		ip->len > (uint32_t)ip->hlen + ip->ext_len ? ip->len - ip->hlen - ip->ext_len : 0;
	int ports = (L & (FT_LAYER_TCP | FT_LAYER_UDP)) != 0;
	uint16_t sport = (L & FT_LAYER_TCP) ? d->tcp.sport : d->udp.sport;
	uint16_t dport = (L & FT_LAYER_TCP) ? d->tcp.dport : d->udp.dport;

	tw_s(w, ip->v == 6 ? "IP6 " : "IP ");
	tw_ip(w, ip->v, ip->src);
	if (ports) {
		ft__jw_ch(w, '.');
		tw_u(w, sport);
	}
	tw_s(w, " > ");
	tw_ip(w, ip->v, ip->dst);
	if (ports) {
		ft__jw_ch(w, '.');
		tw_u(w, dport);
	}
	tw_s(w, ": ");
	if (L & FT_LAYER_TCP) {
		text_tcp(w, d);
		if ((L & FT_LAYER_DNS) && d->tcp.len > 0) {
			ft__jw_ch(w, ' ');
			text_dns(w, d);
		}
	} else if (L & FT_LAYER_UDP) {
		if (L & FT_LAYER_DNS) {
			text_dns(w, d);
		} else {
			tw_s(w, "UDP, length ");
			tw_u(w, d->udp.len >= 8 ? d->udp.len - 8u : 0u);
		}
	} else if (L & FT_LAYER_ICMP) {
		text_icmp(w, d, plen);
	} else if (L & FT_LAYER_ICMP6) {
		text_icmp6(w, d, plen);
	} else if (L & FT_LAYER_IGMP) {
		text_igmp(w, &d->igmp);
	} else {
		tw_s(w, "ip-proto-");
		tw_u(w, ip->proto);
		ft__jw_ch(w, ' ');
		tw_u(w, plen);
	}
	if (ip->frag) {
		tw_s(w, " (frag ");
		tw_u(w, ip->id);
		ft__jw_ch(w, ':');
		tw_u(w, plen);
		ft__jw_ch(w, '@');
		tw_u(w, ip->off);
		if (ip->mf)
			ft__jw_ch(w, '+');
		ft__jw_ch(w, ')');
	}
}

/* A hex number with as few digits as it needs (printf's %#x). */
static void
tw_xmin(struct ft_jw *w, unsigned v)
{
	unsigned digits = 1;

	while (digits < 8 && (v >> (4 * digits)) != 0)
		digits++;
	tw_hex(w, v, digits);
}

/* tcpdump's PPPoE prefix: "PPPoE  [ses 0x1] " for session data, "PPPoE PADI " ... */
static void
text_pppoe(struct ft_jw *w, const struct ft_pppoe *h)
{
	static const struct {
		uint8_t code;
		const char *name;
	} codes[] = {{0x09, "PADI"}, {0x07, "PADO"}, {0x19, "PADR"}, {0x65, "PADS"}, {0xa7, "PADT"},
		{0x00, ""}};
	const char *name = NULL;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == h->code)
			name = codes[i].name;
	tw_s(w, "PPPoE ");
	if (name != NULL) {
		tw_s(w, name);
	} else {
		tw_s(w, "Unknown(");
		tw_hex(w, h->code, 2);
		ft__jw_ch(w, ')');
	}
	if (h->session != 0) {
		tw_s(w, " [ses ");
		tw_xmin(w, h->session);
		ft__jw_ch(w, ']');
	}
	ft__jw_ch(w, ' ');
}

/* tcpdump names the protocol of PPP in HDLC framing on DLT_PPP_SERIAL: "IP: IP ...". */
static void
text_ppp_serial(struct ft_jw *w, uint16_t proto)
{
	static const struct {
		uint16_t proto;
		const char *name;
	} names[] = {{0x0021, "IP"}, {0x0057, "IP6"}, {0x0281, "MPLS"}, {0x0283, "MPLS mcast"},
		{0xc021, "LCP"}, {0x8021, "IPCP"}, {0x8057, "IP6CP"}, {0xc023, "PAP"},
		{0xc223, "CHAP"}, {0x80fd, "CCP"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].proto == proto) {
			tw_s(w, names[i].name);
			tw_s(w, ": ");
			return;
		}
	}
	tw_s(w, "unknown PPP protocol (");
	tw_hex(w, proto, 4);
	tw_s(w, "): ");
}

/* tcpdump's MPLS prefix: "MPLS (label 16, tc 0, [S], ttl 64) ". */
static void
text_mpls(struct ft_jw *w, const struct ft_decoded *d)
{
	tw_s(w, "MPLS");
	for (unsigned i = 0; i < d->n_mpls && i < FT_MAX_MPLS; i++) {
		tw_s(w, " (label ");
		tw_u(w, d->mpls[i].label);
		tw_s(w, ", tc ");
		tw_u(w, d->mpls[i].tc);
		if (d->mpls[i].s)
			tw_s(w, ", [S]");
		tw_s(w, ", ttl ");
		tw_u(w, d->mpls[i].ttl);
		ft__jw_ch(w, ')');
	}
	ft__jw_ch(w, ' ');
}

/* The outer IP header and tunnel header, before the inner packet. */
static void
text_tunnel(struct ft_jw *w, const struct ft_decoded *d)
{
	const struct ft_tunnel *t = &d->tunnel;
	const struct ft_ip *o = &d->outer_ip;
	int udp = t->type == FT_TUN_VXLAN || t->type == FT_TUN_GENEVE || t->type == FT_TUN_GTP ||
		  t->type == FT_TUN_MPLS_UDP;

	if (o->v != 0) {
		tw_s(w, o->v == 6 ? "IP6 " : "IP ");
		tw_ip(w, o->v, o->src);
		if (udp) {
			ft__jw_ch(w, '.');
			tw_u(w, t->sport);
		}
		tw_s(w, " > ");
		tw_ip(w, o->v, o->dst);
		if (udp) {
			ft__jw_ch(w, '.');
			tw_u(w, t->dport);
		}
		ft__jw_ch(w, ':');
		ft__jw_ch(w, ' ');
	}
	if (t->type == FT_TUN_VXLAN) {
		tw_s(w, "VXLAN, flags [I] (0x08), vni ");
		tw_u(w, t->vni);
	} else if (t->type == FT_TUN_GENEVE) {
		tw_s(w, "Geneve, Flags [");
		if (t->geneve_flags & 0x80)
			ft__jw_ch(w, 'O');
		if (t->geneve_flags & 0x40)
			ft__jw_ch(w, 'C');
		if ((t->geneve_flags & 0xc0) == 0)
			tw_s(w, "none");
		tw_s(w, "], vni ");
		tw_xmin(w, t->vni);
		if (t->geneve_opt_len > 0) {
			tw_s(w, ", options [");
			tw_u(w, t->geneve_opt_len);
			tw_s(w, " bytes]");
		}
	} else if (t->type == FT_TUN_GTP) {
		tw_s(w, "GTPv1-U T-PDU, teid ");
		tw_u(w, t->teid);
	} else if (t->type == FT_TUN_MPLS) {
		tw_s(w, t->pw_cw ? "PW Ethernet, control word" : "PW Ethernet");
	} else if (t->type == FT_TUN_GRE) {
		tw_s(w, "GREv0");
		if (t->gre_flags & 0x2000) {
			tw_s(w, ", key=");
			tw_hex(w, t->gre_key, t->gre_key > 0xffff ? 8 : 4);
		}
		if (t->gre_flags & 0x1000) {
			tw_s(w, ", seq ");
			tw_u(w, t->gre_seq);
		}
		tw_s(w, ", proto ");
		tw_hex(w, t->gre_proto, 4);
		if (d->layers & FT_LAYER_ERSPAN) {
			tw_s(w, ", ERSPAN v");
			tw_u(w, t->erspan_ver);
			tw_s(w, ", session ");
			tw_u(w, t->erspan_id);
		}
	}
	if (t->type != FT_TUN_IPIP && t->type != FT_TUN_MPLS_UDP) { /* (the labels follow) */
		ft__jw_ch(w, ':');
		ft__jw_ch(w, ' ');
	}
	/* tcpdump prints the inner Ethernet header of VXLAN, GRE and ERSPAN, not of Geneve */
	if ((d->layers & FT_LAYER_INNER_ETH) && t->type != FT_TUN_GENEVE) {
		tw_mac(w, t->eth.src);
		tw_s(w, " > ");
		tw_mac(w, t->eth.dst);
		tw_s(w, ", ethertype ");
		tw_hex(w, t->eth.type, 4);
		tw_s(w, ": ");
	}
}

static void
text_radiotap(struct ft_jw *w, const struct ft_radiotap *rt)
{
	if (rt->have & FT_RT_RATE) {
		tw_rate(w, rt->rate);
		tw_s(w, " Mb/s ");
	}
	if (rt->have & FT_RT_CHANNEL) {
		tw_u(w, rt->freq);
		tw_s(w, " MHz ");
	}
	if (rt->have & FT_RT_SIGNAL) {
		ft__jw_i64(w, rt->signal);
		tw_s(w, "dBm signal ");
	}
	if (rt->have & FT_RT_NOISE) {
		ft__jw_i64(w, rt->noise);
		tw_s(w, "dBm noise ");
	}
	if (rt->have & FT_RT_ANTENNA) {
		tw_s(w, "antenna ");
		tw_u(w, rt->antenna);
		ft__jw_ch(w, ' ');
	}
}

static void
text_wifi(struct ft_jw *w, const struct ft_wifi *wf)
{
	static const char *const mgmt[16] = {"Assoc Request", "Assoc Response", "ReAssoc Request",
		"ReAssoc Response", "Probe Request", "Probe Response", "Timing Advertisement",
		"Mgmt-7", "Beacon", "ATIM", "Disassociation", "Authentication", "DeAuthentication",
		"Action", "Action No Ack", "Mgmt-15"};
	unsigned i;

	if (wf->type == FT_WIFI_MGMT) {
		tw_s(w, mgmt[wf->subtype & 15]);
		if (wf->has_ssid) {
			tw_s(w, " (");
			tw_bytes(w, (const char *)wf->ssid, wf->ssid_len);
			ft__jw_ch(w, ')');
		}
		if (wf->n_rates > 0) {
			tw_s(w, " [");
			for (i = 0; i < wf->n_rates; i++) {
				if (i > 0)
					ft__jw_ch(w, ' ');
				tw_rate(w, wf->rates[i] & 0x7f);
				if (wf->rates[i] & 0x80)
					ft__jw_ch(w, '*');
			}
			tw_s(w, " Mbit]");
		}
		if (wf->channel) {
			tw_s(w, " CH: ");
			tw_u(w, wf->channel);
		}
		return;
	}
	tw_s(w, ft__wifi_subtype_name(wf->type, wf->subtype));
	if (wf->n_addr >= 1) {
		tw_s(w, " RA:");
		tw_mac(w, wf->addr[0]);
	}
	if (wf->n_addr >= 2) {
		tw_s(w, " TA:");
		tw_mac(w, wf->addr[1]);
	}
	if (wf->flags & 0x40)
		tw_s(w, " Protected");
}

FT_EXTERN size_t
ft_format_packet_text(const struct ft_packet *pkt, char *buf, size_t cap)
{
	return ft_format_packet_text_ts(pkt, FT_TS_TOD, 0, buf, cap);
}

FT_EXTERN size_t
ft_format_packet_text_ts(
	const struct ft_packet *pkt, int ts_style, uint64_t ref_ns, char *buf, size_t cap)
{
	const struct ft_decoded *d = pkt->dec;
	struct ft_jw w;
	uint32_t L;
	const char *link;
	char tmp[64];

	ft__jw_init(&w, buf, cap);
	ft__jw_raw(&w, tmp, ft__fmt_ts(tmp, pkt->ts_ns, ref_ns, pkt->ts_digits, ts_style));
	if (d == NULL) {
		tw_s(&w, "length ");
		tw_u(&w, pkt->len);
		return w.len;
	}
	L = d->layers;
	if (L & FT_LAYER_RADIOTAP)
		text_radiotap(&w, &d->radiotap);
	if (pkt->dlt == FT_DLT_PPP_SERIAL && (L & FT_LAYER_PPP) && d->ppp.hdlc)
		text_ppp_serial(&w, d->ppp.proto);
	if (L & FT_LAYER_PPPOE)
		text_pppoe(&w, &d->pppoe);
	if ((L & FT_LAYER_MPLS) && d->mpls_in_tunnel == 0)
		text_mpls(&w, d);
	if (L & FT_LAYER_TUNNEL)
		text_tunnel(&w, d);
	if ((L & FT_LAYER_MPLS) && d->mpls_in_tunnel != 0)
		text_mpls(&w, d);
	if (L & (FT_LAYER_IP4 | FT_LAYER_IP6)) {
		text_ip(&w, d);
	} else if (L & FT_LAYER_ARP) {
		text_arp(&w, &d->arp);
	} else if (L & FT_LAYER_WIFI) {
		text_wifi(&w, &d->wifi);
	} else if (L & FT_LAYER_LLC) {
		tw_s(&w, "LLC, dsap ");
		tw_hex(&w, d->llc.dsap, 2);
		tw_s(&w, ", ssap ");
		tw_hex(&w, d->llc.ssap, 2);
		tw_s(&w, ", ctrl ");
		tw_hex(&w, d->llc.ctrl, d->llc.ctrl > 0xff ? 4 : 2);
		if (d->llc.snap) {
			tw_s(&w, ", oui ");
			tw_hex(&w, d->llc.oui, 6);
			tw_s(&w, ", pid ");
			tw_hex(&w, d->llc.snap_type, 4);
		}
		tw_s(&w, ", length ");
		tw_u(&w, pkt->len);
	} else if (L & (FT_LAYER_PPP | FT_LAYER_CHDLC)) {
		tw_s(&w, (L & FT_LAYER_PPP) ? "PPP proto " : "C-HDLC proto ");
		tw_hex(&w, (L & FT_LAYER_PPP) ? d->ppp.proto : d->chdlc.proto, 4);
		tw_s(&w, ", length ");
		tw_u(&w, pkt->len);
	} else if (L & (FT_LAYER_PPPOE | FT_LAYER_MPLS)) {
		tw_s(&w, "length ");
		tw_u(&w, pkt->len);
	} else if (L & (FT_LAYER_ETH | FT_LAYER_INNER_ETH)) {
		tw_s(&w, "ethertype ");
		tw_hex(&w, (L & FT_LAYER_INNER_ETH) ? d->tunnel.eth.type : d->eth.type, 4);
		tw_s(&w, ", length ");
		tw_u(&w, pkt->len);
	} else if (L & FT_LAYER_SLL) {
		tw_s(&w, "proto ");
		tw_hex(&w, d->sll.proto, 4);
		tw_s(&w, ", length ");
		tw_u(&w, pkt->len);
	} else if (L & FT_LAYER_NULL) {
		tw_s(&w, "AF ");
		tw_u(&w, d->null_family);
		tw_s(&w, ", length ");
		tw_u(&w, pkt->len);
	} else if (d->status == FT_DEC_UNSUPPORTED && d->err_layer == FT_L_NONE) {
		link = ft_dlt_name(pkt->dlt);
		tw_s(&w, "unsupported link type ");
		tw_s(&w, link != NULL ? link : "?");
		tw_s(&w, ", length ");
		tw_u(&w, pkt->len);
		return w.len;
	} else {
		tw_s(&w, "length ");
		tw_u(&w, pkt->len);
	}
	if (d->status == FT_DEC_TRUNCATED) {
		tw_s(&w, " [|");
		tw_s(&w, ft_layer_name((enum ft_layer)d->err_layer));
		ft__jw_ch(&w, ']');
	} else if (d->status != FT_DEC_OK) {
		tw_s(&w, " [");
		tw_s(&w, ft_dec_status_name((enum ft_dec_status)d->status));
		ft__jw_ch(&w, ' ');
		tw_s(&w, ft_layer_name((enum ft_layer)d->err_layer));
		ft__jw_ch(&w, ']');
	}
	return w.len;
}
