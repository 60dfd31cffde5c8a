/*
 * gen/protocols.c - ftgen's protocols profile: one small capture per link
 * type with every protocol the decoder knows, and the manifest that names each
 * frame's layers (MANIFEST JSON in gen/ftgen.c's header). Tunnels, PPP/HDLC
 * links and IEEE 802.11 are in links.c.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gen.h"
#include "protocols.h"

const uint8_t ft_ip_a[4] = {10, 200, 0, 1};
const uint8_t ft_ip_b[4] = {10, 200, 0, 2};
const uint8_t ft_ip6_a[16] = {0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
const uint8_t ft_ip6_b[16] = {0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
const uint8_t ft_mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
const uint8_t ft_mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
const uint8_t ft_mac_bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t ft_snap_ip[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
const uint8_t ft_snap_arp[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x06};

struct ft_pkt *
pb(struct ft_pctx *c)
{
	c->p.b = c->frame;
	c->p.len = 0;
	return &c->p;
}

/* Writes the frame in c->p and its manifest entry; layers are comma-separated. */
void
pemit(struct ft_pctx *c, const char *layers, const char *desc)
{
	const char *s = layers;

	if (c->linktype == FT_DLT_EN10MB && c->p.len < 60)
		putzero(&c->p, 60 - c->p.len);
	c->w.now += 1000000 + 1000 * (uint64_t)rng_below(&c->rng, 500) + rng_below(&c->rng, 1000);
	pcap_frame(&c->w, c->p.b, c->p.len);
	c->n++;
	fprintf(c->mf, "%s\n{\"n\":%" PRIu32 ",\"len\":%zu,\"layers\":[", c->n > 1 ? "," : "", c->n,
		c->p.len);
	while (*s) {
		size_t n = strcspn(s, ",");

		fprintf(c->mf, "%s\"%.*s\"", s == layers ? "" : ",", (int)n, s);
		s += n;
		if (*s == ',')
			s++;
	}
	fprintf(c->mf, "],\"desc\":\"%s\"}", desc);
}

static const uint8_t *
pick4(bool fwd, bool src)
{
	return fwd == src ? ft_ip_a : ft_ip_b;
}

static const uint8_t *
pick6(bool fwd, bool src)
{
	return fwd == src ? ft_ip6_a : ft_ip6_b;
}

/* IPv4 or IPv6 TCP segment between A (port 40000) and B (port bport). */
void
l3_tcp(struct ft_pctx *c, bool v6, bool fwd, uint16_t bport, uint32_t seq, uint32_t ack,
	uint16_t flags, const struct ft_opt *opt, const void *data, size_t n)
{
	struct ft_pkt *p = &c->p;
	size_t ipoff, l4off;

	if (v6)
		ipoff = ip6_begin(p, pick6(fwd, true), pick6(fwd, false), 6, 64, 0x12345);
	else
		ipoff = ip4_begin(
			p, pick4(fwd, true), pick4(fwd, false), 6, 64, c->ipid++, 0x4000, NULL, 0);
	l4off = tcp_begin(p, fwd ? 40000 : bport, fwd ? bport : 40000, seq, ack, flags,
		(flags & FT_TH_SYN) ? (fwd ? 64240 : 65160) : (fwd ? 502 : 509),
		opt ? opt->b : NULL, opt ? opt->n : 0);
	putmem(p, data, n);
	tcp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
}

void
l3_udp(struct ft_pctx *c, bool v6, bool fwd, uint16_t aport, uint16_t bport, const void *data,
	size_t n)
{
	struct ft_pkt *p = &c->p;
	size_t ipoff, l4off;

	if (v6)
		ipoff = ip6_begin(p, pick6(fwd, true), pick6(fwd, false), 17, 64, 0x54321);
	else
		ipoff = ip4_begin(
			p, pick4(fwd, true), pick4(fwd, false), 17, 64, c->ipid++, 0, NULL, 0);
	l4off = udp_begin(p, fwd ? aport : bport, fwd ? bport : aport);
	putmem(p, data, n);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
}

/* ICMP (RFC 792) or ICMPv6 (RFC 4443) message: type, code, 4 bytes, data. */
void
l3_icmp(struct ft_pctx *c, bool v6, bool fwd, uint8_t type, uint8_t code, uint32_t rest,
	const void *data, size_t n)
{
	struct ft_pkt *p = &c->p;
	size_t ipoff, l4off;

	if (v6)
		ipoff = ip6_begin(p, pick6(fwd, true), pick6(fwd, false), 58, 64, 0);
	else
		ipoff = ip4_begin(
			p, pick4(fwd, true), pick4(fwd, false), 1, 64, c->ipid++, 0, NULL, 0);
	l4off = p->len;
	put8(p, type);
	put8(p, code);
	put16(p, 0);
	put32(p, rest);
	putmem(p, data, n);
	if (v6)
		l4_csum(p, ipoff, l4off, 58, 2, false);
	else
		ftg_csum_store(p->b + l4off + 2, p->b + l4off, p->len - l4off);
	ip_end(p, ipoff);
}

void
l3_arp(struct ft_pkt *p, bool reply)
{
	put16(p, 1);
	put16(p, 0x0800);
	put8(p, 6);
	put8(p, 4);
	put16(p, reply ? 2 : 1);
	putmem(p, reply ? ft_mac_b : ft_mac_a, 6);
	putmem(p, reply ? ft_ip_b : ft_ip_a, 4);
	if (reply)
		putmem(p, ft_mac_a, 6);
	else
		putzero(p, 6);
	putmem(p, reply ? ft_ip_a : ft_ip_b, 4);
}

void
eth(struct ft_pkt *p, bool fwd, uint16_t type)
{
	putmem(p, fwd ? ft_mac_b : ft_mac_a, 6);
	putmem(p, fwd ? ft_mac_a : ft_mac_b, 6);
	put16(p, type);
}

/* ---- DNS (RFC 1035, 3596, 2782) with name compression ---- */

struct ft_dnsc {
	int n;
	const char *sfx[64];
	uint16_t off[64];
};

static void
dns_name(struct ft_pkt *p, struct ft_dnsc *c, const char *name)
{
	const char *s = name;

	while (*s) {
		size_t n;

		if (c) {
			for (int i = 0; i < c->n; i++) {
				if (strcmp(c->sfx[i], s) == 0) {
					put16(p, (uint16_t)(0xc000 | c->off[i]));
					return;
				}
			}
			if (c->n < 64 && p->len < 0x3fff) {
				c->sfx[c->n] = s;
				c->off[c->n++] = (uint16_t)p->len;
			}
		}
		n = strcspn(s, ".");
		put8(p, (uint8_t)n);
		putmem(p, s, n);
		s += n;
		if (*s == '.')
			s++;
	}
	put8(p, 0);
}

enum {
	FT_QT_A = 1,
	FT_QT_NS = 2,
	FT_QT_CNAME = 5,
	FT_QT_SOA = 6,
	FT_QT_PTR = 12,
	FT_QT_MX = 15,
	FT_QT_TXT = 16,
	FT_QT_AAAA = 28,
	FT_QT_SRV = 33
};

static void
dns_hdr(struct ft_pkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
	uint16_t ar)
{
	put16(p, id);
	put16(p, flags);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

static void
dns_q(struct ft_pkt *p, struct ft_dnsc *c, const char *name, uint16_t type)
{
	dns_name(p, c, name);
	put16(p, type);
	put16(p, 1);
}

static size_t
rr_begin(struct ft_pkt *p, struct ft_dnsc *c, const char *name, uint16_t type, uint32_t ttl)
{
	size_t off;

	dns_name(p, c, name);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	off = p->len;
	put16(p, 0);
	return off;
}

static void
rr_end(struct ft_pkt *p, size_t off)
{
	ftg_wr16(p->b + off, (uint16_t)(p->len - off - 2));
}

static void
rr_addr(struct ft_pkt *p, struct ft_dnsc *c, const char *name, bool v6, uint8_t host)
{
	size_t o = rr_begin(p, c, name, v6 ? FT_QT_AAAA : FT_QT_A, 300);

	if (v6) {
		putmem(p, ft_ip6_a, 15);
		put8(p, host);
	} else {
		putmem(p, ft_ip_a, 3);
		put8(p, host);
	}
	rr_end(p, o);
}

static void
rr_name(struct ft_pkt *p, struct ft_dnsc *c, const char *name, uint16_t type, const char *target)
{
	size_t o = rr_begin(p, c, name, type, 3600);

	dns_name(p, c, target);
	rr_end(p, o);
}

static void
rr_soa(struct ft_pkt *p, struct ft_dnsc *c, const char *zone)
{
	size_t o = rr_begin(p, c, zone, FT_QT_SOA, 3600);

	dns_name(p, c, "ns1.example.com");
	dns_name(p, c, "hostmaster.example.com");
	put32(p, 2026010101u);
	put32(p, 7200);
	put32(p, 3600);
	put32(p, 1209600);
	put32(p, 300);
	rr_end(p, o);
}

/*
 * DNS message number k (0..7) into p: even k are queries, odd k the
 * responses. Returns the number of messages when k is out of range.
 */
static int
dns_msg(struct ft_pkt *p, int k)
{
	static const char *const qn[] = {"www.example.com", "www6.example.com",
		"80.0.200.10.in-addr.arpa", "example.com", "example.com", "example.com",
		"_sip._tcp.example.com", "nx.example.com"};
	static const uint16_t qt[] = {
		FT_QT_A, FT_QT_AAAA, FT_QT_PTR, FT_QT_MX, FT_QT_TXT, FT_QT_SOA, FT_QT_SRV, FT_QT_A};
	struct ft_dnsc c = {.n = 0};
	int m = k / 2;
	uint16_t id = (uint16_t)(0x1000 + m);
	size_t o;

	if (m >= 8)
		return 8;
	if (k % 2 == 0) {
		dns_hdr(p, id, 0x0100, 1, 0, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		return 0;
	}
	switch (m) {
	case 0:
		dns_hdr(p, id, 0x8180, 1, 3, 1, 2);
		dns_q(p, &c, qn[m], qt[m]);
		rr_name(p, &c, "www.example.com", FT_QT_CNAME, "web.example.com");
		rr_addr(p, &c, "web.example.com", false, 80);
		rr_addr(p, &c, "web.example.com", false, 81);
		rr_name(p, &c, "example.com", FT_QT_NS, "ns1.example.com");
		rr_addr(p, &c, "ns1.example.com", false, 53);
		rr_addr(p, &c, "ns1.example.com", true, 0x53);
		break;
	case 1:
		dns_hdr(p, id, 0x8180, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_addr(p, &c, qn[m], true, 0x80);
		break;
	case 2:
		dns_hdr(p, id, 0x8180, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_name(p, &c, qn[m], FT_QT_PTR, "web.example.com");
		break;
	case 3:
		dns_hdr(p, id, 0x8180, 1, 2, 0, 1);
		dns_q(p, &c, qn[m], qt[m]);
		o = rr_begin(p, &c, "example.com", FT_QT_MX, 3600);
		put16(p, 10);
		dns_name(p, &c, "mail.example.com");
		rr_end(p, o);
		o = rr_begin(p, &c, "example.com", FT_QT_MX, 3600);
		put16(p, 20);
		dns_name(p, &c, "mail2.example.com");
		rr_end(p, o);
		rr_addr(p, &c, "mail.example.com", false, 25);
		break;
	case 4: {
		static const char t1[] = "v=spf1 ip4:10.200.0.0/16 -all";
		static const char t2[] = "flowtap test record";

		dns_hdr(p, id, 0x8180, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		o = rr_begin(p, &c, "example.com", FT_QT_TXT, 300);
		put8(p, (uint8_t)(sizeof(t1) - 1));
		putmem(p, t1, sizeof(t1) - 1);
		put8(p, (uint8_t)(sizeof(t2) - 1));
		putmem(p, t2, sizeof(t2) - 1);
		rr_end(p, o);
		break;
	}
	case 5:
		dns_hdr(p, id, 0x8580, 1, 1, 0, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_soa(p, &c, "example.com");
		break;
	case 6:
		dns_hdr(p, id, 0x8180, 1, 1, 0, 1);
		dns_q(p, &c, qn[m], qt[m]);
		o = rr_begin(p, &c, qn[m], FT_QT_SRV, 600);
		put16(p, 10);
		put16(p, 60);
		put16(p, 5060);
		dns_name(p, NULL, "sip.example.com"); /* RFC 2782: no compression */
		rr_end(p, o);
		rr_addr(p, &c, "sip.example.com", false, 60);
		break;
	default:
		dns_hdr(p, id, 0x8183, 1, 0, 1, 0);
		dns_q(p, &c, qn[m], qt[m]);
		rr_soa(p, &c, "example.com");
		break;
	}
	return 0;
}

static size_t
dns_build(uint8_t *buf, int k)
{
	struct ft_pkt d = {buf, 0};

	dns_msg(&d, k);
	return d.len;
}

/* ---- the small L3 packets shared by the non-Ethernet link types ---- */

const char *
l3_build(struct ft_pctx *c, enum ft_l3 k)
{
	struct ft_opt o;
	uint8_t buf[512];
	size_t n;

	switch (k) {
	case FT_L3_V4_SYN:
		opt_syn(&o, 1460, 100, 0);
		l3_tcp(c, false, true, 443, 1000, 0, FT_TH_SYN, &o, NULL, 0);
		return "ip,tcp";
	case FT_L3_V4_SYNACK:
		opt_syn(&o, 1460, 200, 100);
		l3_tcp(c, false, false, 443, 5000, 1001, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
		return "ip,tcp";
	case FT_L3_V4_DNSQ:
		n = dns_build(buf, 0);
		l3_udp(c, false, true, 53000, 53, buf, n);
		return "ip,udp,dns";
	case FT_L3_V4_DNSR:
		n = dns_build(buf, 1);
		l3_udp(c, false, false, 53000, 53, buf, n);
		return "ip,udp,dns";
	case FT_L3_V4_ICMP:
		l3_icmp(c, false, true, 8, 0, 0x12340001u, "flowtap-echo-0123456789abcdef", 29);
		return "ip,icmp";
	case FT_L3_V6_SYN:
		opt_syn(&o, 1440, 300, 0);
		l3_tcp(c, true, true, 22, 7000, 0, FT_TH_SYN, &o, NULL, 0);
		return "ip6,tcp";
	case FT_L3_V6_UDP:
		l3_udp(c, true, true, 40001, 5001, "flowtap udp over ipv6", 21);
		return "ip6,udp";
	default:
		l3_icmp(c, true, true, 128, 0, 0x43210001u, "flowtap-echo6", 13);
		return "ip6,icmp6";
	}
}

/* Emits frame with link prefix + the L3 packet's layers. */
void
pemit2(struct ft_pctx *c, const char *prefix, const char *l3, const char *desc)
{
	char layers[128];

	snprintf(layers, sizeof(layers), "%s%s%s", prefix, *prefix ? "," : "", l3);
	pemit(c, layers, desc);
}

/* ---- the files ---- */

int
pfile_open(struct ft_pctx *c, const char *dir, const char *name, int linktype)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pcap_open(&c->w, path, (uint32_t)linktype, c->snaplen, c->nsec) < 0)
		return -1;
	c->linktype = linktype;
	c->n = 0;
	fprintf(c->mf, "%s\n{\"file\":\"%s\",\"linktype\":%d,\"link\":\"%s\",\"frames\":[",
		c->first_file ? "" : ",", name, linktype, link_name(linktype));
	c->first_file = false;
	return 0;
}

int
pfile_close(struct ft_pctx *c, const char *dir, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fprintf(c->mf, "\n]}");
	return pcap_close(&c->w, path);
}

/* IPv4 datagram of UDP (RFC 791 fragmentation) split at 1480 bytes. */
static void
gen_ip4_frags(struct ft_pctx *c, uint8_t *scratch)
{
	struct ft_pkt d = {scratch, 0};
	size_t ipoff, l4off, total, first = 1480;
	uint16_t id = 0x7a7a;

	ipoff = ip4_begin(&d, ft_ip_a, ft_ip_b, 17, 64, id, 0, NULL, 0);
	l4off = udp_begin(&d, 40002, 7);
	for (int i = 0; i < 1800; i++)
		put8(&d, (uint8_t)('A' + i % 26));
	udp_end(&d, ipoff, l4off);
	ip_end(&d, ipoff);
	total = d.len - 20;

	for (int f = 0; f < 2; f++) {
		struct ft_pkt *p = pb(c);
		size_t off = f ? first : 0, n = f ? total - first : first;
		uint8_t *h;

		eth(p, true, 0x0800);
		h = put(p, 20);
		memcpy(h, scratch, 20);
		ftg_wr16(h + 6, (uint16_t)((f ? 0 : 0x2000) | (off / 8)));
		putmem(p, scratch + 20 + off, n);
		ftg_ip4_fix(h, 20 + n);
		if (f)
			pemit(c, "eth,ip,ipfrag",
				"IPv4 later fragment (offset 1480) of a UDP datagram");
		else
			pemit(c, "eth,ip,ipfrag,udp",
				"IPv4 first fragment (MF) of a 1808-byte UDP datagram");
	}
}

/* IPv6 fragments (RFC 8200 4.5) of a UDP datagram, split at 1232 bytes. */
static void
gen_ip6_frags(struct ft_pctx *c, uint8_t *scratch)
{
	struct ft_pkt d = {scratch, 0};
	size_t ipoff, l4off, total, first = 1232;

	ipoff = ip6_begin(&d, ft_ip6_a, ft_ip6_b, 17, 64, 0);
	l4off = udp_begin(&d, 40003, 7);
	for (int i = 0; i < 1500; i++)
		put8(&d, (uint8_t)('a' + i % 26));
	udp_end(&d, ipoff, l4off);
	ip_end(&d, ipoff);
	total = d.len - 40;

	for (int f = 0; f < 2; f++) {
		struct ft_pkt *p = pb(c);
		size_t off = f ? first : 0, n = f ? total - first : first;
		size_t ip;

		eth(p, true, 0x86dd);
		ip = ip6_begin(p, ft_ip6_a, ft_ip6_b, 44, 64, 0);
		put8(p, 17);
		put8(p, 0);
		put16(p, (uint16_t)(off | (f ? 0 : 1)));
		put32(p, 0xf00dcafe);
		putmem(p, scratch + 40 + off, n);
		ip_end(p, ip);
		if (f)
			pemit(c, "eth,ip6,frag6",
				"IPv6 later fragment (offset 1232) of a UDP datagram");
		else
			pemit(c, "eth,ip6,frag6,udp",
				"IPv6 first fragment (M) of a 1508-byte UDP datagram");
	}
}

static void
gen_igmp(struct ft_pctx *c, int version)
{
	static const uint8_t g1[4] = {239, 1, 1, 1}, g2[4] = {239, 1, 1, 2};
	static const uint8_t g3[4] = {224, 0, 0, 22}, ra[4] = {0x94, 0x04, 0, 0};
	struct ft_pkt *p = pb(c);
	uint8_t mac[6] = {0x01, 0x00, 0x5e, 0, 0, 0};
	const uint8_t *dst = version == 1 ? g1 : version == 2 ? g2 : g3;
	size_t ipoff, l4off;

	mac[3] = dst[1] & 0x7f;
	mac[4] = dst[2];
	mac[5] = dst[3];
	putmem(p, mac, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x0800);
	/* IGMPv2 and v3 carry the Router Alert option (RFC 2236, RFC 3376). */
	ipoff = ip4_begin(p, ft_ip_a, dst, 2, 1, c->ipid++, 0, version == 1 ? NULL : ra,
		version == 1 ? 0 : 4);
	l4off = p->len;
	if (version < 3) {
		put8(p, version == 1 ? 0x12 : 0x16);
		put8(p, 0);
		put16(p, 0);
		putmem(p, dst, 4);
	} else {
		static const uint8_t src[4] = {10, 200, 0, 9};

		put8(p, 0x22);
		put8(p, 0);
		put16(p, 0);
		put16(p, 0);
		put16(p, 2);
		put8(p, 4); /* CHANGE_TO_EXCLUDE_MODE, no sources: join */
		put8(p, 0);
		put16(p, 0);
		putmem(p, g1, 4);
		put8(p, 1); /* MODE_IS_INCLUDE with one source */
		put8(p, 0);
		put16(p, 1);
		putmem(p, g2, 4);
		putmem(p, src, 4);
	}
	ftg_csum_store(p->b + l4off + 2, p->b + l4off, p->len - l4off);
	ip_end(p, ipoff);
	pemit(c, version == 1 ? "eth,ip,igmp" : "eth,ip,ipopt,igmp",
		version == 1   ? "IGMPv1 membership report 239.1.1.1"
		: version == 2 ? "IGMPv2 membership report 239.1.1.2, IP Router Alert"
			       : "IGMPv3 membership report, two group records, IP Router Alert");
}

static int
gen_en10mb(struct ft_pctx *c, const char *dir, uint8_t *scratch)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n";
	static const char rsp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	struct ft_opt o;
	struct ft_pkt *p;
	uint8_t buf[1024];
	size_t n, ipoff, l4off, inner;
	uint32_t a = 1000, b = 5000, edges[4];

	if (pfile_open(c, dir, "en10mb.pcap", FT_DLT_EN10MB) < 0)
		return -1;

	p = pb(c);
	putmem(p, ft_mac_bc, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x0806);
	l3_arp(p, false);
	pemit(c, "eth,arp", "ARP request who-has 10.200.0.2 tell 10.200.0.1");
	p = pb(c);
	eth(p, false, 0x0806);
	l3_arp(p, true);
	pemit(c, "eth,arp", "ARP reply 10.200.0.2 is-at 02:00:00:00:00:02");

	/* A TCP connection with every option the decoder reads. */
	p = pb(c);
	eth(p, true, 0x0800);
	opt_syn(&o, 1460, 1111, 0);
	l3_tcp(c, false, true, 80, a, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN: MSS 1460, SACK permitted, timestamps, NOP, wscale 7");
	p = pb(c);
	eth(p, false, 0x0800);
	opt_syn(&o, 1400, 2222, 1111);
	l3_tcp(c, false, false, 80, b, a + 1, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN-ACK: MSS 1400, SACK permitted, timestamps, wscale 7");
	a++;
	b++;
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1112, 2222);
	l3_tcp(c, false, true, 80, a, b, FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK with timestamps");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1113, 2222);
	l3_tcp(c, false, true, 80, a, b, FT_TH_PSH | FT_TH_ACK, &o, req, sizeof(req) - 1);
	a += (uint32_t)(sizeof(req) - 1);
	pemit(c, "eth,ip,tcp", "TCP PSH data: HTTP request");
	p = pb(c);
	eth(p, false, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 2223, 1113);
	l3_tcp(c, false, false, 80, b, a, FT_TH_PSH | FT_TH_ACK, &o, rsp, sizeof(rsp) - 1);
	b += (uint32_t)(sizeof(rsp) - 1);
	pemit(c, "eth,ip,tcp", "TCP PSH data: HTTP response");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1114, 2223);
	opt_nop(&o);
	opt_nop(&o);
	edges[0] = b + 100;
	edges[1] = b + 200;
	edges[2] = b + 300;
	edges[3] = b + 400;
	opt_sack(&o, edges, 2);
	l3_tcp(c, false, true, 80, a, b, FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK with timestamps and two SACK blocks");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	{
		uint8_t unk[4] = {99, 4, 0xbe, 0xef};

		opt_bytes(&o, unk, 4);
	}
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1115, 2223);
	l3_tcp(c, false, true, 80, a, b, FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK with an unknown option (kind 99, length 4)");
	p = pb(c);
	eth(p, true, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 1116, 2223);
	l3_tcp(c, false, true, 80, a, b, FT_TH_FIN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP FIN-ACK from the client");
	p = pb(c);
	eth(p, false, 0x0800);
	o.n = 0;
	opt_nop(&o);
	opt_nop(&o);
	opt_ts(&o, 2224, 1116);
	l3_tcp(c, false, false, 80, b, a + 1, FT_TH_FIN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP FIN-ACK from the server");
	p = pb(c);
	eth(p, true, 0x0800);
	l3_tcp(c, false, true, 80, a + 1, b + 1, FT_TH_ACK, NULL, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP last ACK, no options (padded frame)");

	/* IPv4 with options: Router Alert, Record Route (one slot, full), EOL. */
	p = pb(c);
	eth(p, true, 0x0800);
	{
		static const uint8_t ipo[12] = {
			0x94, 0x04, 0, 0, 0x07, 0x07, 0x08, 10, 200, 0, 254, 0x00};

		ipoff = ip4_begin(p, ft_ip_a, ft_ip_b, 17, 64, c->ipid++, 0, ipo, sizeof(ipo));
	}
	l4off = udp_begin(p, 40004, 9);
	putmem(p, "ip options", 10);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit(c, "eth,ip,ipopt,udp", "IPv4 with options (Router Alert, Record Route, EOL), UDP");
	p = pb(c);
	eth(p, true, 0x0800);
	l3_udp(c, false, true, 40005, 9999, "plain udp payload", 17);
	pemit(c, "eth,ip,udp", "UDP over IPv4, no options");

	gen_ip4_frags(c, scratch);

	/* DNS over UDP. */
	for (int k = 0; k < 16; k++) {
		static const char *const d[] = {"DNS query A www.example.com",
			"DNS response: CNAME, 2 A; NS authority; A + AAAA additional",
			"DNS query AAAA", "DNS response AAAA", "DNS query PTR", "DNS response PTR",
			"DNS query MX", "DNS response: 2 MX, A additional", "DNS query TXT",
			"DNS response TXT (two strings)", "DNS query SOA",
			"DNS response SOA (authoritative)", "DNS query SRV",
			"DNS response SRV, A additional", "DNS query A nx.example.com",
			"DNS response NXDOMAIN, SOA authority"};

		p = pb(c);
		eth(p, k % 2 == 0, 0x0800);
		n = dns_build(buf, k);
		l3_udp(c, false, k % 2 == 0, (uint16_t)(50000 + k / 2), 53, buf, n);
		pemit(c, "eth,ip,udp,dns", d[k]);
	}

	/* DNS over TCP (RFC 7766): handshake, query, response, ACK. */
	a = 0xfffffff0u; /* the client's sequence numbers wrap */
	b = 777;
	p = pb(c);
	eth(p, true, 0x0800);
	opt_syn(&o, 1460, 3001, 0);
	l3_tcp(c, false, true, 53, a, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN to port 53 (ISN near 2^32)");
	p = pb(c);
	eth(p, false, 0x0800);
	opt_syn(&o, 1460, 4001, 3001);
	l3_tcp(c, false, false, 53, b, a + 1, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP SYN-ACK from port 53");
	a++;
	b++;
	p = pb(c);
	eth(p, true, 0x0800);
	l3_tcp(c, false, true, 53, a, b, FT_TH_ACK, NULL, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK");
	for (int k = 6; k < 8; k++) {
		bool q = k == 6;

		n = dns_build(buf + 2, k);
		ftg_wr16(buf, (uint16_t)n);
		p = pb(c);
		eth(p, q, 0x0800);
		l3_tcp(c, false, q, 53, q ? a : b, q ? b : a, FT_TH_PSH | FT_TH_ACK, NULL, buf,
			n + 2);
		if (q)
			a += (uint32_t)(n + 2);
		else
			b += (uint32_t)(n + 2);
		pemit(c, "eth,ip,tcp,dns",
			q ? "DNS over TCP: query MX (client sequence wraps)"
			  : "DNS over TCP: response, 2 MX, A additional");
	}
	p = pb(c);
	eth(p, true, 0x0800);
	l3_tcp(c, false, true, 53, a, b, FT_TH_ACK, NULL, NULL, 0);
	pemit(c, "eth,ip,tcp", "TCP ACK of the DNS response");

	/* ICMP echo, and a port unreachable quoting the whole UDP datagram. */
	p = pb(c);
	eth(p, true, 0x0800);
	l3_icmp(c, false, true, 8, 0, 0x0b0b0001u, "ping payload 0123456789", 23);
	pemit(c, "eth,ip,icmp", "ICMP echo request id 0x0b0b seq 1");
	p = pb(c);
	eth(p, false, 0x0800);
	l3_icmp(c, false, false, 0, 0, 0x0b0b0001u, "ping payload 0123456789", 23);
	pemit(c, "eth,ip,icmp", "ICMP echo reply id 0x0b0b seq 1");
	p = pb(c);
	eth(p, true, 0x0800);
	ipoff = p->len;
	l3_udp(c, false, true, 40006, 33434, "probe-123456", 12);
	n = p->len - ipoff;
	memcpy(buf, p->b + ipoff, n);
	pemit(c, "eth,ip,udp", "UDP to a closed port");
	p = pb(c);
	eth(p, false, 0x0800);
	l3_icmp(c, false, false, 3, 3, 0, buf, n);
	pemit(c, "eth,ip,icmp", "ICMP port unreachable quoting the IPv4/UDP datagram");

	/* ICMPv6: echo, neighbour discovery (RFC 4861), an error. */
	p = pb(c);
	eth(p, true, 0x86dd);
	l3_icmp(c, true, true, 128, 0, 0x0c0c0001u, "ping6 payload", 13);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 echo request");
	p = pb(c);
	eth(p, false, 0x86dd);
	l3_icmp(c, true, false, 129, 0, 0x0c0c0001u, "ping6 payload", 13);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 echo reply");
	p = pb(c);
	{
		static const uint8_t sn[16] = {
			0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2};
		static const uint8_t snmac[6] = {0x33, 0x33, 0xff, 0, 0, 2};

		putmem(p, snmac, 6);
		putmem(p, ft_mac_a, 6);
		put16(p, 0x86dd);
		ipoff = ip6_begin(p, ft_ip6_a, sn, 58, 255, 0);
	}
	l4off = p->len;
	put8(p, 135);
	put8(p, 0);
	put16(p, 0);
	put32(p, 0);
	putmem(p, ft_ip6_b, 16);
	put8(p, 1);
	put8(p, 1);
	putmem(p, ft_mac_a, 6);
	l4_csum(p, ipoff, l4off, 58, 2, false);
	ip_end(p, ipoff);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 neighbour solicitation for fd00:200::2");
	p = pb(c);
	eth(p, false, 0x86dd);
	ipoff = ip6_begin(p, ft_ip6_b, ft_ip6_a, 58, 255, 0);
	l4off = p->len;
	put8(p, 136);
	put8(p, 0);
	put16(p, 0);
	put32(p, 0x60000000u);
	putmem(p, ft_ip6_b, 16);
	put8(p, 2);
	put8(p, 1);
	putmem(p, ft_mac_b, 6);
	l4_csum(p, ipoff, l4off, 58, 2, false);
	ip_end(p, ipoff);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 neighbour advertisement (solicited, override)");
	p = pb(c);
	eth(p, true, 0x86dd);
	ipoff = p->len;
	l3_udp(c, true, true, 40007, 33435, "probe6", 6);
	n = p->len - ipoff;
	memcpy(buf, p->b + ipoff, n);
	pemit(c, "eth,ip6,udp", "UDP over IPv6 to a closed port");
	p = pb(c);
	eth(p, false, 0x86dd);
	l3_icmp(c, true, false, 1, 4, 0, buf, n);
	pemit(c, "eth,ip6,icmp6", "ICMPv6 port unreachable quoting the IPv6/UDP packet");

	/* IPv6 extension headers (RFC 8200 4.3-4.6): hop-by-hop, routing, dest opts. */
	p = pb(c);
	eth(p, true, 0x86dd);
	ipoff = ip6_begin(p, ft_ip6_a, ft_ip6_b, 0, 64, 0xabcde);
	put8(p, 43); /* hop-by-hop: Router Alert + PadN(0) */
	put8(p, 0);
	put8(p, 5);
	put8(p, 2);
	put16(p, 0);
	put8(p, 1);
	put8(p, 0);
	put8(p, 60); /* routing type 0, no segments left, one address */
	put8(p, 2);
	put8(p, 0);
	put8(p, 0);
	put32(p, 0);
	putmem(p, ft_ip6_b, 16);
	put8(p, 17); /* destination options: PadN(4) */
	put8(p, 0);
	put8(p, 1);
	put8(p, 4);
	put32(p, 0);
	l4off = udp_begin(p, 40008, 9);
	putmem(p, "through extension headers", 25);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit(c, "eth,ip6,hbh,rthdr,dstopts,udp",
		"IPv6 hop-by-hop (Router Alert), routing (type 0, 0 left), destination options, "
		"UDP");
	gen_ip6_frags(c, scratch);
	p = pb(c);
	eth(p, true, 0x86dd);
	opt_syn(&o, 1440, 5001, 0);
	l3_tcp(c, true, true, 443, 123456, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,ip6,tcp", "TCP SYN over IPv6 with options");

	gen_igmp(c, 1);
	gen_igmp(c, 2);
	gen_igmp(c, 3);

	/* 802.1Q, 802.1ad + 802.1Q. */
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x8100);
	put16(p, (3u << 13) | 100);
	put16(p, 0x0800);
	n = dns_build(buf, 0);
	l3_udp(c, false, true, 50100, 53, buf, n);
	pemit(c, "eth,vlan,ip,udp,dns", "802.1Q (VLAN 100, PCP 3): DNS query over IPv4");
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x8100);
	put16(p, 101);
	put16(p, 0x86dd);
	opt_syn(&o, 1440, 6001, 0);
	l3_tcp(c, true, true, 8080, 99, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,vlan,ip6,tcp", "802.1Q (VLAN 101): TCP SYN over IPv6");
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0x88a8);
	put16(p, (5u << 13) | 200);
	put16(p, 0x8100);
	put16(p, 300);
	put16(p, 0x0800);
	opt_syn(&o, 1460, 7001, 0);
	l3_tcp(c, false, true, 443, 4242, 0, FT_TH_SYN, &o, NULL, 0);
	pemit(c, "eth,vlan,vlan,ip,tcp", "802.1ad S-tag 200 (PCP 5) + 802.1Q C-tag 300: TCP SYN");

	/* IEEE 802.3 length field, LLC/SNAP (RFC 1042) carrying IPv4. */
	p = pb(c);
	putmem(p, ft_mac_b, 6);
	putmem(p, ft_mac_a, 6);
	put16(p, 0);
	putmem(p, ft_snap_ip, 8);
	l3_icmp(c, false, true, 8, 0, 0x0d0d0001u, "snap ping", 9);
	ftg_wr16(p->b + 12, (uint16_t)(p->len - 14));
	pemit(c, "eth,llc,snap,ip,icmp", "802.3 + LLC/SNAP: ICMP echo request over IPv4");

	/* GRE (RFC 2784) carrying IPv4/UDP. */
	p = pb(c);
	eth(p, true, 0x0800);
	ipoff = ip4_begin(p, ft_ip_a, ft_ip_b, 47, 64, c->ipid++, 0x4000, NULL, 0);
	put16(p, 0);
	put16(p, 0x0800);
	{
		static const uint8_t in_a[4] = {10, 201, 0, 1}, in_b[4] = {10, 201, 0, 2};

		inner = ip4_begin(p, in_a, in_b, 17, 63, 0x4444, 0, NULL, 0);
	}
	l4off = udp_begin(p, 40009, 9);
	putmem(p, "inside gre", 10);
	udp_end(p, inner, l4off);
	ip_end(p, inner);
	ip_end(p, ipoff);
	pemit(c, "eth,ip,gre,ip,udp", "GRE carrying IPv4/UDP (10.201.0.1 -> 10.201.0.2)");

	/* VXLAN (RFC 7348) carrying Ethernet/IPv4/TCP. */
	p = pb(c);
	eth(p, true, 0x0800);
	ipoff = ip4_begin(p, ft_ip_a, ft_ip_b, 17, 64, c->ipid++, 0x4000, NULL, 0);
	l4off = udp_begin(p, 49999, 4789);
	put32(p, 0x08000000u);
	put32(p, 4242u << 8);
	{
		static const uint8_t im_a[6] = {0x02, 0x42, 0, 0, 0, 1},
				     im_b[6] = {0x02, 0x42, 0, 0, 0, 2};
		static const uint8_t in_a[4] = {192, 168, 42, 1}, in_b[4] = {192, 168, 42, 2};
		size_t tcpoff;

		putmem(p, im_b, 6);
		putmem(p, im_a, 6);
		put16(p, 0x0800);
		inner = ip4_begin(p, in_a, in_b, 6, 64, 0x5555, 0x4000, NULL, 0);
		tcpoff = tcp_begin(p, 41000, 80, 31337, 4711, FT_TH_PSH | FT_TH_ACK, 502, NULL, 0);
		putmem(p, req, sizeof(req) - 1);
		tcp_end(p, inner, tcpoff);
		ip_end(p, inner);
	}
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit(c, "eth,ip,udp,vxlan,eth,ip,tcp", "VXLAN VNI 4242 carrying Ethernet/IPv4/TCP data");

	return pfile_close(c, dir, "en10mb.pcap");
}

/* LINUX_SLL (16 bytes) or LINUX_SLL2 (20 bytes) header. */
static void
sll_hdr(struct ft_pkt *p, bool v2, uint16_t pkttype, uint16_t hatype, const uint8_t *addr,
	uint16_t proto)
{
	uint8_t *a;

	if (v2) {
		put16(p, proto);
		put16(p, 0);
		put32(p, 2);
		put16(p, hatype);
		put8(p, (uint8_t)pkttype);
		put8(p, 6);
	} else {
		put16(p, pkttype);
		put16(p, hatype);
		put16(p, 6);
	}
	a = put(p, 8);
	if (addr)
		memcpy(a, addr, 6);
	else
		memset(a, 0, 6);
	a[6] = a[7] = 0;
	if (!v2)
		put16(p, proto);
}

static int
gen_sll(struct ft_pctx *c, const char *dir, bool v2)
{
	const char *name = v2 ? "sll2.pcap" : "sll.pcap";
	const char *pre = v2 ? "sll2" : "sll";
	char pre_vlan[16];
	struct ft_pkt *p;
	const char *l3;

	if (pfile_open(c, dir, name, v2 ? FT_DLT_SLL2 : FT_DLT_SLL) < 0)
		return -1;
	snprintf(pre_vlan, sizeof(pre_vlan), "%s,vlan", pre);
	p = pb(c);
	sll_hdr(p, v2, 4, 1, ft_mac_a, 0x0800);
	l3 = l3_build(c, FT_L3_V4_SYN);
	pemit2(c, pre, l3, "outgoing (4): TCP SYN over IPv4");
	p = pb(c);
	sll_hdr(p, v2, 0, 1, ft_mac_b, 0x0800);
	l3 = l3_build(c, FT_L3_V4_SYNACK);
	pemit2(c, pre, l3, "to us (0): TCP SYN-ACK over IPv4");
	p = pb(c);
	sll_hdr(p, v2, 4, 1, ft_mac_a, 0x0800);
	l3 = l3_build(c, FT_L3_V4_DNSQ);
	pemit2(c, pre, l3, "outgoing: DNS query");
	p = pb(c);
	sll_hdr(p, v2, 0, 1, ft_mac_b, 0x0800);
	l3 = l3_build(c, FT_L3_V4_DNSR);
	pemit2(c, pre, l3, "to us: DNS response");
	p = pb(c);
	sll_hdr(p, v2, 4, 1, ft_mac_a, 0x86dd);
	l3 = l3_build(c, FT_L3_V6_ICMP6);
	pemit2(c, pre, l3, "outgoing: ICMPv6 echo request");
	p = pb(c);
	sll_hdr(p, v2, 1, 1, ft_mac_b, 0x0806);
	l3_arp(p, false);
	pemit2(c, pre, "arp", "broadcast (1): ARP request");
	p = pb(c);
	sll_hdr(p, v2, 0, 1, ft_mac_b, 0x8100);
	put16(p, 100);
	put16(p, 0x0800);
	l3 = l3_build(c, FT_L3_V4_ICMP);
	pemit2(c, pre_vlan, l3, "to us: 802.1Q VLAN 100, ICMP echo request");
	p = pb(c);
	sll_hdr(p, v2, 0, 772, NULL, 0x86dd);
	l3 = l3_build(c, FT_L3_V6_SYN);
	pemit2(c, pre, l3, "loopback hatype (772): TCP SYN over IPv6");
	return pfile_close(c, dir, name);
}

/* DLT_NULL (host byte order) or DLT_LOOP (network byte order) AF values. */
static int
gen_null(struct ft_pctx *c, const char *dir, bool loop)
{
	static const struct {
		uint32_t af;
		enum ft_l3 l3;
		const char *desc;
	} fr[] = {
		{2, FT_L3_V4_SYN, "AF_INET (2): TCP SYN"},
		{2, FT_L3_V4_DNSQ, "AF_INET (2): DNS query"},
		{2, FT_L3_V4_ICMP, "AF_INET (2): ICMP echo request"},
		{24, FT_L3_V6_UDP, "AF_INET6 (24, NetBSD/OpenBSD): UDP"},
		{28, FT_L3_V6_ICMP6, "AF_INET6 (28, FreeBSD): ICMPv6 echo request"},
		{30, FT_L3_V6_SYN, "AF_INET6 (30, Darwin): TCP SYN"},
	};
	const char *name = loop ? "loop.pcap" : "null.pcap";
	struct ft_pkt *p;
	const char *l3;

	if (pfile_open(c, dir, name, loop ? FT_DLT_LOOP : FT_DLT_NULL) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		p = pb(c);
		if (loop)
			put32(p, fr[i].af);
		else
			memcpy(put(p, 4), &fr[i].af, 4);
		l3 = l3_build(c, fr[i].l3);
		pemit2(c, loop ? "loop" : "null", l3, fr[i].desc);
	}
	return pfile_close(c, dir, name);
}

static int
gen_raw(struct ft_pctx *c, const char *dir)
{
	static const enum ft_l3 fr[] = {FT_L3_V4_SYN, FT_L3_V4_SYNACK, FT_L3_V4_DNSQ, FT_L3_V4_DNSR,
		FT_L3_V4_ICMP, FT_L3_V6_SYN, FT_L3_V6_UDP, FT_L3_V6_ICMP6};
	static const char *const desc[] = {"raw IPv4: TCP SYN", "raw IPv4: TCP SYN-ACK",
		"raw IPv4: DNS query", "raw IPv4: DNS response", "raw IPv4: ICMP echo request",
		"raw IPv6: TCP SYN", "raw IPv6: UDP", "raw IPv6: ICMPv6 echo request"};

	if (pfile_open(c, dir, "raw.pcap", FT_DLT_RAW) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		const char *l3;

		pb(c);
		l3 = l3_build(c, fr[i]);
		pemit2(c, "", l3, desc[i]);
	}
	return pfile_close(c, dir, "raw.pcap");
}

int
run_protocols(const struct ft_opts *o)
{
	struct ft_pctx c;
	char path[4096];
	uint8_t *scratch = malloc(FT_FRAME_MAX);
	uint8_t *frame = malloc(FT_REC_HDR + FT_FRAME_MAX);
	int rc = 0;

	memset(&c, 0, sizeof(c));
	if (!scratch || !frame) {
		fprintf(stderr, "ftgen: out of memory\n");
		free(scratch);
		free(frame);
		return 1;
	}
	if (mkdir(o->outdir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "ftgen: %s: %s\n", o->outdir, strerror(errno));
		free(scratch);
		free(frame);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", o->outdir);
	c.mf = fopen(path, "w");
	if (!c.mf) {
		fprintf(stderr, "ftgen: %s: %s\n", path, strerror(errno));
		free(scratch);
		free(frame);
		return 1;
	}
	c.frame = frame + FT_REC_HDR;
	c.rng.s = mix64(o->seed ^ 0x70726f746fULL);
	c.nsec = o->nsec;
	c.snaplen = o->snaplen;
	c.ipid = 0x1000;
	c.first_file = true;
	fprintf(c.mf,
		"{\"generator\":\"ftgen\",\"profile\":\"protocols\",\"seed\":%" PRIu64
		",\"precision\":\"%s\",\"files\":[",
		o->seed, o->nsec ? "nsec" : "usec");
	if (gen_en10mb(&c, o->outdir, scratch) < 0 || gen_sll(&c, o->outdir, false) < 0 ||
		gen_sll(&c, o->outdir, true) < 0 || gen_null(&c, o->outdir, false) < 0 ||
		gen_null(&c, o->outdir, true) < 0 || gen_raw(&c, o->outdir) < 0 ||
		gen_wifi(&c, o->outdir, true) < 0 || gen_wifi(&c, o->outdir, false) < 0 ||
		gen_encap(&c, o->outdir) < 0 || gen_ppp_links(&c, o->outdir) < 0)
		rc = 1;
	fprintf(c.mf, "\n]}\n");
	if (fclose(c.mf) != 0) {
		fprintf(stderr, "ftgen: %s: %s\n", path, strerror(errno));
		rc = 1;
	}
	free(scratch);
	free(frame);
	return rc;
}
