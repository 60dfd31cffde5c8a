/* gen/links.c - the protocols profile's tunnels on Ethernet, PPP and HDLC links, IEEE 802.11. */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "protocols.h"

/* ---- encapsulations on Ethernet: PPPoE, MPLS, Geneve, GTP-U, MPLS in UDP, IP in IP ---- */

static const uint8_t ft_out_a[4] = {10, 202, 0, 1};
static const uint8_t ft_out_b[4] = {10, 202, 0, 2};
static const uint8_t ft_out6_a[16] = {0xfd, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ft_out6_b[16] = {0xfd, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t ft_imac_a[6] = {0x02, 0x43, 0, 0, 0, 1};
static const uint8_t ft_imac_b[6] = {0x02, 0x43, 0, 0, 0, 2};

/* The inner Ethernet header of a tunnel, A to B. */
static void
inner_eth(struct ft_pkt *p, uint16_t type)
{
	putmem(p, ft_imac_b, 6);
	putmem(p, ft_imac_a, 6);
	put16(p, type);
}

int
gen_encap(struct ft_pctx *c, const char *dir)
{
	static const struct {
		bool v6out;
		uint8_t nh;
		enum ft_l3 l3;
		const char *pre, *desc;
	} ipip[] = {
		{true, 4, FT_L3_V4_SYN, "eth,ip6", "IPv4 in IPv6: TCP SYN"},
		{true, 41, FT_L3_V6_SYN, "eth,ip6", "IPv6 in IPv6: TCP SYN"},
		{false, 4, FT_L3_V4_ICMP, "eth,ip", "IPv4 in IPv4: ICMP echo request"},
		{false, 41, FT_L3_V6_UDP, "eth,ip", "IPv6 in IPv4: UDP"},
	};
	struct ft_pkt *p;
	const char *l3;
	size_t h, ipoff, l4off;

	if (pfile_open(c, dir, "encap.pcap", FT_DLT_EN10MB) < 0)
		return -1;
	/* PPPoE session data (RFC 2516) carrying PPP (RFC 1661) IPv4 and IPv6 */
	for (int v6 = 0; v6 < 2; v6++) {
		p = pb(c);
		eth(p, v6 == 0, 0x8864);
		h = p->len;
		put16(p, 0x1100);
		put16(p, 0x0001);
		put16(p, 0);
		put16(p, v6 ? 0x0057 : 0x0021);
		l3 = l3_build(c, v6 ? FT_L3_V6_UDP : FT_L3_V4_SYN);
		ftg_wr16(p->b + h + 4, (uint16_t)(p->len - h - 6));
		pemit2(c, "eth,pppoe,ppp", l3,
			v6 ? "PPPoE session 1: PPP IPv6 UDP" : "PPPoE session 1: PPP IPv4 TCP SYN");
	}
	/* PPPoE discovery: a PADI with an empty Service-Name tag */
	p = pb(c);
	eth(p, true, 0x8863);
	put16(p, 0x1109);
	put16(p, 0);
	put16(p, 4);
	put16(p, 0x0101);
	put16(p, 0);
	pemit(c, "eth,pppoe", "PPPoE discovery: PADI");
	/* MPLS (RFC 3032): one label over IPv4, two over IPv6 */
	p = pb(c);
	eth(p, false, 0x8847);
	put32(p, 16u << 12 | 0x100 | 64);
	l3 = l3_build(c, FT_L3_V4_SYNACK);
	pemit2(c, "eth,mpls", l3, "MPLS label 16: IPv4 TCP SYN-ACK");
	p = pb(c);
	eth(p, true, 0x8847);
	put32(p, 17u << 12 | 5u << 9 | 64);
	put32(p, 18u << 12 | 0x100 | 63);
	l3 = l3_build(c, FT_L3_V6_ICMP6);
	pemit2(c, "eth,mpls", l3, "MPLS labels 17 (TC 5), 18: ICMPv6 echo request");
	/*
	 * An Ethernet pseudowire (RFC 4448) without control word, between MACs
	 * of known manufacturers (Intel, VMware): tshark tells a control word
	 * from a MAC that way, flowtap by the ethertype at offset 12. (tshark
	 * takes a control word 00 00 00 00 for part of a Xerox MAC.)
	 */
	p = pb(c);
	eth(p, true, 0x8847);
	put32(p, 19u << 12 | 0x100 | 255);
	putmem(p, "\x00\x1b\x21\x00\x00\x02\x00\x0c\x29\x00\x00\x01\x08\x00", 14);
	l3 = l3_build(c, FT_L3_V4_DNSQ);
	pemit2(c, "eth,mpls,eth", l3, "MPLS Ethernet pseudowire: DNS query");
	/* Geneve (RFC 8926): Ethernet with an 8-byte option; then IPv6 directly */
	for (int k = 0; k < 2; k++) {
		p = pb(c);
		eth(p, true, 0x0800);
		ipoff = ip4_begin(p, ft_out_a, ft_out_b, 17, 64, c->ipid++, 0x4000, NULL, 0);
		l4off = udp_begin(p, (uint16_t)(50000 + k), 6081);
		if (k == 0) {
			put32(p, 0x02406558); /* 2 option words, C, Ethernet */
			put32(p, 10u << 8);
			put32(p, 0x01020301); /* class 0x0102, type 3, 1 word */
			put32(p, 0xdeadbeef);
			inner_eth(p, 0x0800);
			l3 = l3_build(c, FT_L3_V4_SYN);
		} else {
			put32(p, 0x000086dd);
			put32(p, 11u << 8);
			l3 = l3_build(c, FT_L3_V6_SYN);
		}
		udp_end(p, ipoff, l4off);
		ip_end(p, ipoff);
		pemit2(c, k == 0 ? "eth,ip,udp,geneve,eth" : "eth,ip,udp,geneve", l3,
			k == 0 ? "Geneve VNI 10, an option, Ethernet: TCP SYN"
			       : "Geneve VNI 11, IPv6: TCP SYN");
	}
	/* GTP-U (3GPP TS 29.281) T-PDUs: plain; with a sequence number and an extension */
	for (int k = 0; k < 2; k++) {
		p = pb(c);
		eth(p, k == 0, 0x0800);
		ipoff = ip4_begin(p, k ? ft_out_b : ft_out_a, k ? ft_out_a : ft_out_b, 17, 64,
			c->ipid++, 0, NULL, 0);
		l4off = udp_begin(p, 2152, 2152);
		h = p->len;
		put16(p, k ? 0x36ff : 0x30ff);
		put16(p, 0);
		put32(p, k ? 0x2000u : 0x1000u);
		if (k) {
			put32(p, 0x00070085); /* sequence 7; next: PDU session container */
			put32(p, 0x01000900); /* 1 word: DL PDU session information, QFI 9 */
		}
		l3 = l3_build(c, k ? FT_L3_V6_UDP : FT_L3_V4_SYN);
		ftg_wr16(p->b + h + 2, (uint16_t)(p->len - h - 8));
		udp_end(p, ipoff, l4off);
		ip_end(p, ipoff);
		pemit2(c, "eth,ip,udp,gtp", l3,
			k ? "GTP-U TEID 0x2000, sequence, PDU session container: IPv6 UDP"
			  : "GTP-U TEID 0x1000: IPv4 TCP SYN");
	}
	/* MPLS in UDP (RFC 7510): a label over IPv4 ICMP, as tcpdump's mpls-over-udp.pcap */
	p = pb(c);
	eth(p, false, 0x0800);
	ipoff = ip4_begin(p, ft_out_a, ft_out_b, 17, 64, c->ipid++, 0, NULL, 0);
	l4off = udp_begin(p, 58699, 6635);
	put32(p, 21u << 12 | 0x100 | 63);
	l3 = l3_build(c, FT_L3_V4_ICMP);
	udp_end(p, ipoff, l4off);
	ip_end(p, ipoff);
	pemit2(c, "eth,ip,udp,mpls", l3, "MPLS in UDP, label 21: ICMP echo request");
	/* IP in IP (RFC 2003, RFC 2473, RFC 4213) */
	for (size_t i = 0; i < sizeof(ipip) / sizeof(ipip[0]); i++) {
		p = pb(c);
		eth(p, true, ipip[i].v6out ? 0x86dd : 0x0800);
		ipoff = ipip[i].v6out ? ip6_begin(p, ft_out6_a, ft_out6_b, ipip[i].nh, 64, 0)
				      : ip4_begin(p, ft_out_a, ft_out_b, ipip[i].nh, 64, c->ipid++,
						0, NULL, 0);
		l3 = l3_build(c, ipip[i].l3);
		ip_end(p, ipoff);
		pemit2(c, ipip[i].pre, l3, ipip[i].desc);
	}
	return pfile_close(c, dir, "encap.pcap");
}

/* ---- PPP (DLT 9, 50), PPPoE without Ethernet (DLT 51), Cisco HDLC (DLT 104) ---- */

struct ft_l2fr {
	const char *hdr; /* link bytes before the L3 packet */
	size_t n;
	int l3;          /* enum ft_l3, or -1: the header is the whole frame */
	const char *pre; /* its layers */
	const char *desc;
};

/* One file of frames: each a link header (+ PPPoE length when pppoe) and an L3 packet. */
static int
gen_l2(struct ft_pctx *c, const char *dir, const char *name, int linktype, const struct ft_l2fr *fr,
	size_t n, bool pppoe)
{
	if (pfile_open(c, dir, name, linktype) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ft_pkt *p = pb(c);
		const char *l3;

		putmem(p, fr[i].hdr, fr[i].n);
		if (fr[i].l3 < 0) {
			pemit(c, fr[i].pre, fr[i].desc);
			continue;
		}
		l3 = l3_build(c, (enum ft_l3)fr[i].l3);
		if (pppoe)
			ftg_wr16(p->b + 4, (uint16_t)(p->len - 6));
		pemit2(c, fr[i].pre, l3, fr[i].desc);
	}
	return pfile_close(c, dir, name);
}

#define FT_L2(h) h, sizeof(h) - 1

int
gen_ppp_links(struct ft_pctx *c, const char *dir)
{
	/* ff 03: HDLC-like framing (RFC 1662); 0021 IPv4, 0057 IPv6, 0281 MPLS, c021 LCP */
	static const struct ft_l2fr ppp[] = {
		{FT_L2("\xff\x03\x00\x21"), FT_L3_V4_SYN, "ppp", "PPP IPv4: TCP SYN"},
		{FT_L2("\xff\x03\x00\x57"), FT_L3_V6_SYN, "ppp", "PPP IPv6: TCP SYN"},
		{FT_L2("\x00\x21"), FT_L3_V4_DNSQ, "ppp", "PPP without address/control: DNS query"},
		{FT_L2("\xff\x03\x02\x81\x00\x01\x41\x40"), FT_L3_V4_ICMP, "ppp,mpls",
			"PPP MPLS label 20: ICMP echo request"},
		{FT_L2("\xff\x03\xc0\x21\x09\x01\x00\x08\x12\x34\x56\x78"), -1, "ppp",
			"PPP LCP echo request"},
	};
	static const struct ft_l2fr serial[] = {
		{FT_L2("\xff\x03\x00\x21"), FT_L3_V4_SYNACK, "ppp",
			"PPP in HDLC framing: TCP SYN-ACK"},
		{FT_L2("\xff\x03\x00\x57"), FT_L3_V6_UDP, "ppp", "PPP in HDLC framing: IPv6 UDP"},
		{FT_L2("\x0f\x00\x08\x00"), FT_L3_V4_DNSR, "chdlc",
			"Cisco HDLC on a PPP link: DNS"},
	};
	/* address 0f unicast, 8f broadcast; control 00; an ethertype (8035: SLARP) */
	static const struct ft_l2fr chdlc[] = {
		{FT_L2("\x0f\x00\x08\x00"), FT_L3_V4_SYN, "chdlc", "Cisco HDLC IPv4: TCP SYN"},
		{FT_L2("\x8f\x00\x86\xdd"), FT_L3_V6_ICMP6, "chdlc",
			"Cisco HDLC IPv6: ICMPv6 echo"},
		{FT_L2("\x0f\x00\x88\x47\x00\x01\x51\x40"), FT_L3_V4_SYNACK, "chdlc,mpls",
			"Cisco HDLC MPLS label 21: TCP SYN-ACK"},
		{FT_L2("\x8f\x00\x80\x35\x00\x00\x00\x02\x00\x00\x00\x05\x00\x00\x00"
		       "\x02\xff\xff"),
			-1, "chdlc", "Cisco HDLC SLARP keepalive"},
	};
	/* PPPoE session 0x0042 without an Ethernet header; the length is filled in */
	static const struct ft_l2fr pppoe[] = {
		{FT_L2("\x11\x00\x00\x42\x00\x00\x00\x21"), FT_L3_V4_SYN, "pppoe,ppp",
			"PPPoE session 0x42: IPv4 TCP SYN"},
		{FT_L2("\x11\x00\x00\x42\x00\x00\x00\x57"), FT_L3_V6_ICMP6, "pppoe,ppp",
			"PPPoE session 0x42: ICMPv6 echo request"},
	};

	if (gen_l2(c, dir, "ppp.pcap", FT_DLT_PPP, ppp, sizeof(ppp) / sizeof(ppp[0]), false) < 0 ||
		gen_l2(c, dir, "ppp_serial.pcap", FT_DLT_PPP_HDLC, serial,
			sizeof(serial) / sizeof(serial[0]), false) < 0 ||
		gen_l2(c, dir, "chdlc.pcap", FT_DLT_C_HDLC, chdlc, sizeof(chdlc) / sizeof(chdlc[0]),
			false) < 0 ||
		gen_l2(c, dir, "ppp_ether.pcap", FT_DLT_PPP_ETH, pppoe,
			sizeof(pppoe) / sizeof(pppoe[0]), true) < 0)
		return -1;
	return 0;
}

/* ---- IEEE 802.11 (DLT 105) and radiotap (DLT 127) ---- */

static const uint8_t ft_bssid[6] = {0x02, 0xaa, 0x00, 0x00, 0x00, 0x01};
static const uint8_t ft_sta[6] = {0x02, 0xbb, 0x00, 0x00, 0x00, 0x02};
static const uint8_t ft_gw[6] = {0x02, 0xcc, 0x00, 0x00, 0x00, 0x03};

#define FT_WLAN_FRAMES 8

static void
wlan_tag(struct ft_pkt *p, uint8_t id, const void *d, size_t n)
{
	put8(p, id);
	put8(p, (uint8_t)n);
	putmem(p, d, n);
}

/* 802.11 frame k (IEEE 802.11-2020 9.2-9.3); returns its layers and desc. */
static void
wlan_frame(struct ft_pctx *c, int k, const char **layers, const char **desc)
{
	static const uint8_t rates[8] = {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24};
	static const char ssid[] = "flowtap-lab";
	struct ft_pkt *p = &c->p;
	struct ft_opt o;
	uint8_t b;
	uint16_t seq = (uint16_t)((100 + k) << 4);

	switch (k) {
	case 0:
		put8(p, 0x80);
		put8(p, 0);
		putle16(p, 0);
		putmem(p, ft_mac_bc, 6);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_bssid, 6);
		putle16(p, seq);
		putle64(p, 0x0000000123456789ULL);
		putle16(p, 100);
		putle16(p, 0x0401);
		wlan_tag(p, 0, ssid, sizeof(ssid) - 1);
		wlan_tag(p, 1, rates, sizeof(rates));
		b = 6;
		wlan_tag(p, 3, &b, 1);
		{
			static const uint8_t tim[4] = {0, 1, 0, 0};

			wlan_tag(p, 5, tim, 4);
		}
		*layers = "wlan,wlan_mgt";
		*desc = "beacon: SSID, supported rates, DS parameter (channel 6), TIM";
		return;
	case 1:
		put8(p, 0x40);
		put8(p, 0);
		putle16(p, 0);
		putmem(p, ft_mac_bc, 6);
		putmem(p, ft_sta, 6);
		putmem(p, ft_mac_bc, 6);
		putle16(p, seq);
		wlan_tag(p, 0, ssid, sizeof(ssid) - 1);
		wlan_tag(p, 1, rates, sizeof(rates));
		*layers = "wlan,wlan_mgt";
		*desc = "probe request for SSID flowtap-lab";
		return;
	case 2:
		put8(p, 0xb4);
		put8(p, 0);
		putle16(p, 300);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_sta, 6);
		*layers = "wlan,wlan_ctl";
		*desc = "RTS (control)";
		return;
	case 3:
		put8(p, 0xd4);
		put8(p, 0);
		putle16(p, 0);
		putmem(p, ft_sta, 6);
		*layers = "wlan,wlan_ctl";
		*desc = "ACK (control)";
		return;
	case 4: /* data, to DS: addr1 BSSID, addr2 SA, addr3 DA */
		put8(p, 0x08);
		put8(p, 0x01);
		putle16(p, 44);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_sta, 6);
		putmem(p, ft_gw, 6);
		putle16(p, seq);
		putmem(p, ft_snap_ip, 8);
		opt_syn(&o, 1460, 8001, 0);
		l3_tcp(c, false, true, 443, 10000, 0, FT_TH_SYN, &o, NULL, 0);
		*layers = "wlan,llc,snap,ip,tcp";
		*desc = "data (to DS), LLC/SNAP, IPv4 TCP SYN";
		return;
	case 5: /* QoS data, from DS: addr1 DA, addr2 BSSID, addr3 SA */
		put8(p, 0x88);
		put8(p, 0x02);
		putle16(p, 44);
		putmem(p, ft_sta, 6);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_gw, 6);
		putle16(p, seq);
		putle16(p, 0x0005);
		putmem(p, ft_snap_ip, 8);
		opt_syn(&o, 1460, 9001, 8001);
		l3_tcp(c, false, false, 443, 20000, 10001, FT_TH_SYN | FT_TH_ACK, &o, NULL, 0);
		*layers = "wlan,llc,snap,ip,tcp";
		*desc = "QoS data (from DS, TID 5), LLC/SNAP, IPv4 TCP SYN-ACK";
		return;
	case 6: /* 4-address (WDS): RA, TA, DA, seq, SA */
		put8(p, 0x08);
		put8(p, 0x03);
		putle16(p, 44);
		putmem(p, ft_gw, 6);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_mac_b, 6);
		putle16(p, seq);
		putmem(p, ft_mac_a, 6);
		putmem(p, ft_snap_ip, 8);
		l3_tcp(c, false, true, 443, 10001, 20001, FT_TH_PSH | FT_TH_ACK, NULL, "wds data",
			8);
		*layers = "wlan,llc,snap,ip,tcp";
		*desc = "4-address data (to and from DS), LLC/SNAP, IPv4 TCP data";
		return;
	default:
		put8(p, 0x08);
		put8(p, 0x01);
		putle16(p, 44);
		putmem(p, ft_bssid, 6);
		putmem(p, ft_sta, 6);
		putmem(p, ft_mac_bc, 6);
		putle16(p, seq);
		putmem(p, ft_snap_arp, 8);
		l3_arp(p, false);
		*layers = "wlan,llc,snap,arp";
		*desc = "data (to DS), LLC/SNAP, ARP request";
		return;
	}
}

/*
 * Radiotap header (radiotap.org): TSFT, Flags, Rate, Channel, dBm antenna
 * signal; with ext, a second present word in the radiotap namespace (bit 29,
 * bit 31 = more words) carrying a second antenna signal and the antenna index.
 */
static void
radiotap_hdr(struct ft_pkt *p, bool ext, bool fcs, uint8_t rate, uint64_t tsft, int8_t sig)
{
	size_t start = p->len;
	uint32_t w0 = (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 5);

	put8(p, 0);
	put8(p, 0);
	putle16(p, 0);
	if (ext)
		w0 |= (1u << 29) | (1u << 31);
	putle32(p, w0);
	if (ext)
		putle32(p, (1u << 5) | (1u << 11));
	while ((p->len - start) % 8)
		put8(p, 0);
	putle64(p, tsft);
	put8(p, (uint8_t)(0x02 | (fcs ? 0x10 : 0)));
	put8(p, rate);
	putle16(p, 2437);
	putle16(p, rate <= 22 ? 0x00a0 : 0x00c0);
	put8(p, (uint8_t)sig);
	if (ext) {
		put8(p, (uint8_t)(sig - 3));
		put8(p, 1);
	}
	p->b[start + 2] = (uint8_t)(p->len - start);
	p->b[start + 3] = (uint8_t)((p->len - start) >> 8);
}

int
gen_wifi(struct ft_pctx *c, const char *dir, bool radiotap)
{
	const char *name = radiotap ? "radiotap.pcap" : "wifi.pcap";
	int nframes = radiotap ? FT_WLAN_FRAMES + 1 : FT_WLAN_FRAMES;

	if (pfile_open(c, dir, name, radiotap ? FT_DLT_RADIOTAP : FT_DLT_WIFI) < 0)
		return -1;
	for (int i = 0; i < nframes; i++) {
		struct ft_pkt *p = pb(c);
		const char *layers, *desc;
		char l[128], d[160];
		bool fcs = i == FT_WLAN_FRAMES;
		int k = fcs ? 5 : i;
		size_t w;

		if (radiotap)
			radiotap_hdr(p, i % 2 == 0, fcs, i < 2 ? 2 : 108,
				0x1000000ULL + 1000ULL * (uint64_t)i, (int8_t)(-40 - i));
		w = p->len;
		wlan_frame(c, k, &layers, &desc);
		if (fcs)
			putle32(p, crc32_ieee(p->b + w, p->len - w));
		snprintf(l, sizeof(l), "%s%s", radiotap ? "radiotap," : "", layers);
		snprintf(d, sizeof(d), "%s%s%s", desc,
			radiotap && i % 2 == 0 ? "; radiotap extended present bitmap" : "",
			fcs ? "; FCS flag + 4-byte FCS" : "");
		pemit(c, l, d);
	}
	return pfile_close(c, dir, name);
}
