/*
 * tests/test_decode_tunnel.c - the encapsulations the decoder follows to the
 * inner TCP: PPPoE, PPP (DLT_PPP, DLT_PPP_SERIAL, DLT_PPP_ETHER), Cisco HDLC,
 * MPLS (IP, Ethernet pseudowires, inside GRE and PPP), Geneve, GTP-U and IP
 * in IP. Frames come from tests/ft_encap.h, both directions of the inner
 * conversation. Checked: the inner IP/TCP and each encapsulation's fields,
 * the exact JSON members and text lines, every truncation point (cut frames
 * placed against PROT_NONE guard pages on both sides, the layer that must
 * report "truncated" known byte by byte), and the decoder's bounds (label
 * stack and extension header limits, bad versions and lengths).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "tests/ft_encap.h"

static const char *const kind_name[FE_N] = {"pppoe4", "pppoe6", "ppp", "ppp_pfc", "ppp_serial",
	"serial_hdlc", "ppp_ether", "chdlc", "mpls", "mpls6", "mpls_pw_cw", "mpls_pw", "gre_mpls",
	"ppp_mpls", "geneve_eth", "geneve_ip", "gtp", "gtp_ext", "ip4in6", "ip6in6", "ip4in4",
	"ip6in4", "ipoib", "juniper", "wccp2", "wccp1", "mpls_udp", "arista", "arista48", "frelay",
	"frelay_snap", "frelay_ip", "arcnet", "arcnet_exc", "arcnet_linux", "arcnet_1051"};

/* Layers each kind must decode (besides IP and TCP), and its tunnel type (0: none). */
static const struct {
	uint32_t layers;
	uint8_t tunnel;
	uint8_t v6;
} want[FE_N] = {
	[FE_PPPOE4] = {FT_LAYER_ETH | FT_LAYER_PPPOE | FT_LAYER_PPP, 0, 0},
	[FE_PPPOE6] = {FT_LAYER_ETH | FT_LAYER_PPPOE | FT_LAYER_PPP, 0, 1},
	[FE_PPP] = {FT_LAYER_PPP, 0, 0},
	[FE_PPP_PFC] = {FT_LAYER_PPP, 0, 0},
	[FE_PPP_SERIAL] = {FT_LAYER_PPP, 0, 1},
	[FE_SERIAL_HDLC] = {FT_LAYER_CHDLC, 0, 0},
	[FE_PPP_ETHER] = {FT_LAYER_PPPOE | FT_LAYER_PPP, 0, 0},
	[FE_CHDLC] = {FT_LAYER_CHDLC, 0, 0},
	[FE_MPLS] = {FT_LAYER_ETH | FT_LAYER_MPLS, 0, 0},
	[FE_MPLS6] = {FT_LAYER_ETH | FT_LAYER_MPLS, 0, 1},
	[FE_MPLS_PW_CW] = {FT_LAYER_ETH | FT_LAYER_MPLS | FT_LAYER_INNER_ETH, FT_TUN_MPLS, 0},
	[FE_MPLS_PW] = {FT_LAYER_ETH | FT_LAYER_MPLS | FT_LAYER_INNER_ETH, FT_TUN_MPLS, 0},
	[FE_GRE_MPLS] = {FT_LAYER_ETH | FT_LAYER_GRE | FT_LAYER_MPLS, FT_TUN_GRE, 0},
	[FE_PPP_MPLS] = {FT_LAYER_PPP | FT_LAYER_MPLS, 0, 0},
	[FE_GENEVE_ETH] = {FT_LAYER_ETH | FT_LAYER_GENEVE | FT_LAYER_INNER_ETH, FT_TUN_GENEVE, 0},
	[FE_GENEVE_IP] = {FT_LAYER_ETH | FT_LAYER_GENEVE, FT_TUN_GENEVE, 0},
	[FE_GTP] = {FT_LAYER_ETH | FT_LAYER_GTP, FT_TUN_GTP, 0},
	[FE_GTP_EXT] = {FT_LAYER_ETH | FT_LAYER_GTP, FT_TUN_GTP, 1},
	[FE_IP4IN6] = {FT_LAYER_ETH, FT_TUN_IPIP, 0},
	[FE_IP6IN6] = {FT_LAYER_ETH, FT_TUN_IPIP, 1},
	[FE_IP4IN4] = {FT_LAYER_ETH, FT_TUN_IPIP, 0},
	[FE_IP6IN4] = {FT_LAYER_ETH, FT_TUN_IPIP, 1},
	[FE_IPOIB] = {0, 0, 0},
	[FE_JUNIPER] = {FT_LAYER_ETH, 0, 0},
	[FE_WCCP2] = {FT_LAYER_ETH | FT_LAYER_GRE, FT_TUN_GRE, 0},
	[FE_WCCP1] = {FT_LAYER_ETH | FT_LAYER_GRE, FT_TUN_GRE, 0},
	[FE_MPLS_UDP] = {FT_LAYER_ETH | FT_LAYER_MPLS, FT_TUN_MPLS_UDP, 0},
	[FE_ARISTA] = {FT_LAYER_ETH, 0, 0},
	[FE_ARISTA48] = {FT_LAYER_ETH, 0, 1},
	[FE_FRELAY] = {0, 0, 1},
	[FE_FRELAY_SNAP] = {0, 0, 0},
	[FE_FRELAY_IP] = {0, 0, 0},
	[FE_ARCNET] = {0, 0, 0},
	[FE_ARCNET_EXC] = {0, 0, 1},
	[FE_ARCNET_LINUX] = {0, 0, 0},
	[FE_ARCNET_1051] = {0, 0, 0},
};

static char g_buf[FT_PACKET_FORMAT_MAX];

/* Format a decoded frame as JSON (json) or text into g_buf. */
static const char *
format(const struct fe *f, uint32_t caplen, const uint8_t *at, struct ft_decoded *d, int json)
{
	struct ft_packet p;

	memset(&p, 0, sizeof p);
	p.n = 7;
	p.ts_ns = 1700000000000000000ull;
	p.caplen = caplen;
	p.len = f->n;
	p.dlt = f->dlt;
	p.ts_digits = 6;
	p.data = at;
	p.dec = d;
	if (json)
		ft_format_packet_json(&p, g_buf, sizeof g_buf);
	else
		ft_format_packet_text(&p, g_buf, sizeof g_buf);
	return g_buf;
}

static const char *
decode_fmt(const struct fe *f, struct ft_decoded *d, int json)
{
	assert_int_equal(ft_decode(f->dlt, f->b, f->n, f->n, d), FT_DEC_OK);
	return format(f, f->n, f->b, d, json);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("missing %s\n  in %s", needle, hay);
}

static void
test_inner_tcp_every_kind(void **state)
{
	struct ft_decoded d;
	struct fe f;

	(void)state;
	for (int k = 0; k < FE_N; k++) {
		for (int dir = 0; dir < 2; dir++) {
			uint32_t ip = want[k].v6 ? FT_LAYER_IP6 : FT_LAYER_IP4;

			fe_build(&f, (enum fe_kind)k, dir);
			if (ft_decode(f.dlt, f.b, f.n, f.n, &d) != FT_DEC_OK)
				fail_msg("%s dir %d: %s at %s", kind_name[k], dir,
					ft_dec_status_name((enum ft_dec_status)d.status),
					ft_layer_name((enum ft_layer)d.err_layer));
			if ((d.layers & (want[k].layers | ip | FT_LAYER_TCP)) !=
				(want[k].layers | ip | FT_LAYER_TCP))
				fail_msg("%s dir %d: layers %#x, want %#x", kind_name[k], dir,
					d.layers, want[k].layers | ip | FT_LAYER_TCP);
			assert_false(d.layers & FT_LAYER_UDP);
			assert_int_equal(d.ip.v, want[k].v6 ? 6 : 4);
			assert_int_equal(d.ip.proto, 6);
			assert_int_equal(d.tcp.sport, dir ? 80 : 40000);
			assert_int_equal(d.tcp.dport, dir ? 40000 : 80);
			assert_int_equal(d.tcp.len, 4);
			assert_int_equal(d.l4_payload_len, 4); /* PPPoE padding is not payload */
			assert_memory_equal(d.l4_payload, "abcd", 4);
			assert_ptr_equal(d.l3, f.b + f.inner);
			if (want[k].tunnel != 0) {
				assert_true(d.layers & FT_LAYER_TUNNEL);
				assert_int_equal(d.tunnel.type, want[k].tunnel);
				assert_int_equal(d.n_tunnel, 1);
			} else {
				assert_false(d.layers & FT_LAYER_TUNNEL);
			}
		}
	}
}

static void
test_pppoe_ppp_chdlc_fields(void **state)
{
	struct ft_decoded d;
	struct fe f;

	(void)state;
	fe_build(&f, FE_PPPOE4, 0);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.pppoe.session, 0x1234);
	assert_int_equal(d.pppoe.code, 0);
	assert_int_equal(d.pppoe.len, 2 + 20 + 20 + 4);
	assert_int_equal(d.ppp.proto, 0x0021);
	assert_contains(g_buf,
		"\"eth\":{\"src\":\"02:00:00:00:00:12\",\"dst\":\"02:00:00:00:00:11\","
		"\"type\":34916},\"pppoe\":{\"code\":0,\"session\":4660,\"len\":46},"
		"\"ppp\":{\"proto\":33},\"ip\":{\"v\":4,\"src\":\"192.168.1.1\"");
	decode_fmt(&f, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 PPPoE  [ses 0x1234] IP 192.168.1.1.40000 > "
				   "10.9.9.9.80: Flags [P.], seq 268435457:268435461, ack "
				   "536870913, win 512, length 4");

	fe_build(&f, FE_PPP_PFC, 0);
	decode_fmt(&f, &d, 1);
	assert_true(d.ppp.pfc);
	assert_false(d.ppp.hdlc);
	assert_contains(g_buf, "\"link\":\"PPP\",\"ppp\":{\"proto\":33},\"ip\":");
	fe_build(&f, FE_PPP_SERIAL, 1);
	decode_fmt(&f, &d, 0);
	assert_true(d.ppp.hdlc);
	assert_int_equal(d.ppp.proto, 0x0057);
	assert_string_equal(g_buf,
		"22:13:20.000000 IP6: IP6 fd00::2.80 > fd00::1.40000: Flags [P.], "
		"seq 536870913:536870917, ack 268435461, win 512, length 4");

	fe_build(&f, FE_CHDLC, 1);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.chdlc.addr, 0x8f);
	assert_contains(
		g_buf, "\"link\":\"C_HDLC\",\"chdlc\":{\"addr\":143,\"proto\":2048},\"ip\":");
	fe_build(&f, FE_SERIAL_HDLC, 0);
	decode_fmt(&f, &d, 1);
	assert_false(d.layers & FT_LAYER_PPP);
	assert_contains(g_buf, "\"link\":\"PPP_SERIAL\",\"chdlc\":{\"addr\":15,\"proto\":2048}");
	fe_build(&f, FE_PPP_ETHER, 0);
	decode_fmt(&f, &d, 0);
	assert_int_equal(d.pppoe.session, 0x1234);
	assert_string_equal(g_buf, "22:13:20.000000 PPPoE  [ses 0x1234] IP 192.168.1.1.40000 > "
				   "10.9.9.9.80: Flags [P.], seq 268435457:268435461, ack "
				   "536870913, win 512, length 4");
}

static void
test_mpls_fields(void **state)
{
	struct ft_decoded d;
	struct fe f;

	(void)state;
	fe_build(&f, FE_MPLS, 0);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.n_mpls, 2);
	assert_int_equal(d.mpls[0].label, 16);
	assert_int_equal(d.mpls[0].s, 0);
	assert_int_equal(d.mpls[1].label, 17);
	assert_int_equal(d.mpls[1].tc, 5);
	assert_int_equal(d.mpls[1].s, 1);
	assert_int_equal(d.mpls[1].ttl, 63);
	assert_contains(g_buf,
		"\"type\":34887},\"mpls\":[{\"label\":16,\"tc\":0,\"s\":false,"
		"\"ttl\":64},{\"label\":17,\"tc\":5,\"s\":true,\"ttl\":63}],\"ip\":");
	decode_fmt(&f, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 MPLS (label 16, tc 0, ttl 64) (label 17, tc 5, "
				   "[S], ttl 63) IP 192.168.1.1.40000 > 10.9.9.9.80: Flags [P.], "
				   "seq 268435457:268435461, ack 536870913, win 512, length 4");

	fe_build(&f, FE_MPLS_PW_CW, 1);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.tunnel.pw_cw, 1);
	assert_int_equal(d.outer_ip.v, 0);
	assert_int_equal(d.tunnel.eth.type, 0x0800);
	assert_contains(g_buf, "\"mpls\":[{\"label\":300,\"tc\":0,\"s\":true,\"ttl\":255}],"
			       "\"tunnel\":{\"type\":\"mpls\",\"depth\":1,\"pw_cw\":true,\"eth\":{"
			       "\"src\":\"00:1b:21:33:44:55\"");
	decode_fmt(&f, &d, 0);
	assert_string_equal(g_buf,
		"22:13:20.000000 MPLS (label 300, tc 0, [S], ttl 255) PW "
		"Ethernet, control word: 00:1b:21:33:44:55 > 00:0c:29:99:aa:bb, "
		"ethertype 0x0800: IP 10.9.9.9.80 > 192.168.1.1.40000: Flags "
		"[P.], seq 536870913:536870917, ack 268435461, win 512, length 4");
	/* nibble 0 and a known ethertype at offset 12: Ethernet without control word */
	fe_build(&f, FE_MPLS_PW, 0);
	decode_fmt(&f, &d, 0);
	assert_int_equal(d.tunnel.pw_cw, 0);
	assert_int_equal(d.tunnel.eth.src[2], 0x29);
	/* another first nibble (not 0, 1, 4, 6): not decoded, as tshark's "data" */
	f.b[18] = 0xa0;
	assert_int_equal(ft_decode(f.dlt, f.b, f.n, f.n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_MPLS);
	assert_false(d.layers & (FT_LAYER_TUNNEL | FT_LAYER_INNER_ETH | FT_LAYER_IP4));

	fe_build(&f, FE_GRE_MPLS, 0);
	decode_fmt(&f, &d, 0);
	assert_int_equal(d.mpls_in_tunnel, 1);
	assert_int_equal(d.tunnel.gre_proto, 0x8847);
	assert_string_equal(g_buf, "22:13:20.000000 IP 11.0.0.1 > 11.0.0.2: GREv0, proto 0x8847: "
				   "MPLS (label 41, tc 0, [S], ttl 64) IP 192.168.1.1.40000 > "
				   "10.9.9.9.80: Flags [P.], seq 268435457:268435461, ack "
				   "536870913, win 512, length 4");
	fe_build(&f, FE_PPP_MPLS, 1);
	decode_fmt(&f, &d, 0);
	assert_int_equal(d.ppp.proto, 0x0281);
	assert_int_equal(d.mpls[0].label, 50);
}

static void
test_geneve_gtp_fields(void **state)
{
	struct ft_decoded d;
	struct fe f;

	(void)state;
	fe_build(&f, FE_GENEVE_ETH, 0);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.tunnel.vni, 0xa);
	assert_int_equal(d.tunnel.geneve_flags, 0x40);
	assert_int_equal(d.tunnel.geneve_proto, 0x6558);
	assert_int_equal(d.tunnel.geneve_opt_len, 8);
	assert_int_equal(d.tunnel.sport, 12345);
	assert_int_equal(d.outer_ip.src[0], 20);
	assert_contains(g_buf, "\"tunnel\":{\"type\":\"geneve\",\"depth\":1,\"ip\":{\"v\":4,"
			       "\"src\":\"20.0.0.1\",\"dst\":\"20.0.0.2\",\"proto\":17,");
	assert_contains(g_buf, "\"vni\":10,\"sport\":12345,\"dport\":6081,\"geneve_proto\":25944,"
			       "\"geneve_flags\":64,\"geneve_opt_len\":8,\"eth\":{");
	decode_fmt(&f, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 IP 20.0.0.1.12345 > 20.0.0.2.6081: Geneve, "
				   "Flags [C], vni 0xa, options [8 bytes]: IP 192.168.1.1.40000 > "
				   "10.9.9.9.80: Flags [P.], seq 268435457:268435461, ack "
				   "536870913, win 512, length 4");
	fe_build(&f, FE_GENEVE_IP, 1);
	decode_fmt(&f, &d, 0);
	assert_int_equal(d.outer_ip.v, 6);
	assert_int_equal(d.tunnel.geneve_proto, 0x0800);
	assert_false(d.layers & FT_LAYER_INNER_ETH);
	assert_string_equal(g_buf, "22:13:20.000000 IP6 fd00::22.54321 > fd00::21.6081: Geneve, "
				   "Flags [none], vni 0x7: IP 10.9.9.9.80 > 192.168.1.1.40000: "
				   "Flags [P.], seq 536870913:536870917, ack 268435461, win 512, "
				   "length 4");

	fe_build(&f, FE_GTP_EXT, 1);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.tunnel.teid, 0x22222222);
	assert_int_equal(d.tunnel.gtp_type, 255);
	assert_int_equal(d.tunnel.gtp_flags, 0x36);
	assert_contains(g_buf, "\"tunnel\":{\"type\":\"gtp\",\"depth\":1,\"ip\":{\"v\":4,"
			       "\"src\":\"10.0.0.254\"");
	assert_contains(
		g_buf, "\"teid\":572662306,\"gtp_type\":255,\"sport\":2152,\"dport\":2152}");
	fe_build(&f, FE_GTP, 0);
	decode_fmt(&f, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 IP 10.0.0.1.2152 > 10.0.0.254.2152: GTPv1-U "
				   "T-PDU, teid 286331153: IP 192.168.1.1.40000 > 10.9.9.9.80: "
				   "Flags [P.], seq 268435457:268435461, ack 536870913, win 512, "
				   "length 4");
	fe_build(&f, FE_IP4IN6, 0);
	decode_fmt(&f, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 IP6 fd00::31 > fd00::34: IP 192.168.1.1.40000 "
				   "> 10.9.9.9.80: Flags [P.], seq 268435457:268435461, ack "
				   "536870913, win 512, length 4");
}

/* ---- truncation against guard pages --------------------------------------- */

struct guard {
	uint8_t *base, *lo, *hi;
	size_t size;
};

static void
guard_map(struct guard *g)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	g->size = 3 * page;
	g->base = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->base != MAP_FAILED);
	assert_int_equal(mprotect(g->base, page, PROT_NONE), 0);
	assert_int_equal(mprotect(g->base + 2 * page, page, PROT_NONE), 0);
	g->lo = g->base + page;
	g->hi = g->base + 2 * page;
}

/* Decode f cut to `cut` bytes copied to `at`; check the status and layer; format it. */
static void
cut_at(const struct fe *f, uint32_t cut, uint8_t *at, const char *name, int dir)
{
	enum ft_layer want_layer = fe_cut_layer(f, cut);
	struct ft_decoded d;
	enum ft_dec_status st;

	memcpy(at, f->b, cut);
	st = ft_decode(f->dlt, cut ? at : NULL, cut, f->n, &d);
	if (want_layer == FT_L_NONE ? st != FT_DEC_OK
				    : st != FT_DEC_TRUNCATED || d.err_layer != want_layer)
		fail_msg("%s dir %d cut %u/%u: %s at %s, want %s at %s", name, dir, cut, f->n,
			ft_dec_status_name(st), ft_layer_name((enum ft_layer)d.err_layer),
			want_layer == FT_L_NONE ? "ok" : "truncated", ft_layer_name(want_layer));
	format(f, cut, cut ? at : NULL, &d, 1);
	format(f, cut, cut ? at : NULL, &d, 0);
}

static void
test_truncation_every_kind(void **state)
{
	struct guard g;
	struct fe f;

	(void)state;
	guard_map(&g);
	for (int k = 0; k < FE_N; k++) {
		for (int dir = 0; dir < 2; dir++) {
			fe_build(&f, (enum fe_kind)k, dir);
			for (uint32_t cut = 0; cut <= f.n; cut++) {
				cut_at(&f, cut, g.hi - cut, kind_name[k],
					dir);                             /* over-read faults */
				cut_at(&f, cut, g.lo, kind_name[k], dir); /* under-read faults */
			}
		}
	}
	munmap(g.base, g.size);
}

/* ---- bounds and odd fields ------------------------------------------------- */

static void
expect(const struct fe *f, enum ft_dec_status st, enum ft_layer layer, const char *what)
{
	struct ft_decoded d;

	if (ft_decode(f->dlt, f->b, f->n, f->n, &d) != st ||
		(st != FT_DEC_OK && d.err_layer != layer))
		fail_msg("%s: %s at %s", what, ft_dec_status_name((enum ft_dec_status)d.status),
			ft_layer_name((enum ft_layer)d.err_layer));
}

static void
test_bounds_and_odd_fields(void **state)
{
	struct ft_decoded d;
	struct fe f;

	(void)state;
	/* 8 labels are walked; a 9th is beyond FT_MAX_MPLS */
	for (int labels = 8; labels <= 9; labels++) {
		memset(&f, 0, sizeof f);
		f.dlt = FT_DLT_EN10MB;
		fe_eth(&f, 0, 0x8847);
		for (int i = 0; i < labels; i++)
			fe_mpls(&f, 100 + (uint32_t)i, 0, i == labels - 1, 64);
		fe_inner(&f, 0, 0);
		if (labels == 8) {
			expect(&f, FT_DEC_OK, FT_L_NONE, "8 labels");
			ft_decode(f.dlt, f.b, f.n, f.n, &d);
			assert_int_equal(d.n_mpls, 8);
			assert_int_equal(d.mpls[7].label, 107);
		} else {
			expect(&f, FT_DEC_UNSUPPORTED, FT_L_MPLS, "9 labels");
			ft_decode(f.dlt, f.b, f.n, f.n, &d);
			assert_int_equal(d.n_mpls, 8);
			assert_false(d.layers & FT_LAYER_IP4);
		}
	}
	/* an associated channel (first nibble 1) is not decoded */
	fe_build(&f, FE_MPLS, 0);
	f.b[22] = 0x10;
	expect(&f, FT_DEC_OK, FT_L_NONE, "MPLS ACH");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & (FT_LAYER_IP4 | FT_LAYER_TUNNEL));

	/* GTP-U: 8 extension headers walked, 9 too many, a zero length malformed */
	for (int ext = 8; ext <= 10; ext++) {
		uint32_t ip, udp, h;

		memset(&f, 0, sizeof f);
		f.dlt = FT_DLT_EN10MB;
		fe_eth(&f, 0, 0x0800);
		ip = fe_ip4(&f, 0x0a000001, 0x0a0000fe, 17);
		udp = fe_udp(&f, 2152, 2152);
		h = f.n;
		fe_be32(&f, 0x34ff0000);
		fe_be32(&f, 1);
		fe_be32(&f, 0x00000085);
		for (int i = 0; i < (ext == 10 ? 1 : ext); i++)
			fe_be32(&f,
				(ext == 10 ? 0x00000000 : 0x01000000) | (i == ext - 1 ? 0 : 0x85));
		fe_inner(&f, 0, 0);
		fe_set16(&f, h + 2, f.n - h - 8);
		fe_udp_tunnel_end(&f, ip, udp);
		if (ext == 8)
			expect(&f, FT_DEC_OK, FT_L_NONE, "8 GTP extension headers");
		else if (ext == 9)
			expect(&f, FT_DEC_UNSUPPORTED, FT_L_GTP, "9 GTP extension headers");
		else
			expect(&f, FT_DEC_MALFORMED, FT_L_GTP, "GTP extension length 0");
	}
	/* GTP-U length shorter than its optional fields */
	fe_build(&f, FE_GTP_EXT, 0);
	f.b[14 + 20 + 8 + 2] = 0;
	f.b[14 + 20 + 8 + 3] = 3;
	expect(&f, FT_DEC_MALFORMED, FT_L_GTP, "GTP length 3");
	/* GTP-U echo request, GTP' (PT 0), Geneve version 1: left as UDP */
	for (int i = 0; i < 3; i++) {
		fe_build(&f, i < 2 ? FE_GTP : FE_GENEVE_ETH, 0);
		if (i == 0)
			f.b[14 + 20 + 8 + 1] = 1;
		else if (i == 1)
			f.b[14 + 20 + 8] = 0x20;
		else
			f.b[14 + 20 + 8] |= 0x40;
		expect(&f, FT_DEC_OK, FT_L_NONE, "not a tunnel");
		ft_decode(f.dlt, f.b, f.n, f.n, &d);
		assert_true(d.layers & FT_LAYER_UDP);
		assert_false(d.layers & (FT_LAYER_TUNNEL | FT_LAYER_TCP));
	}
	/* a DNS response to ephemeral port 2152 is DNS, not GTP-U */
	memset(&f, 0, sizeof f);
	f.dlt = FT_DLT_EN10MB;
	fe_eth(&f, 0, 0x0800);
	{
		uint32_t ip = fe_ip4(&f, 0x0a000035, 0x0a000001, 17), udp = fe_udp(&f, 53, 2152);

		fe_put(&f, "\x12\x34\x81\x80\0\0\0\0\0\0\0\0", 12);
		fe_udp_tunnel_end(&f, ip, udp);
	}
	expect(&f, FT_DEC_OK, FT_L_NONE, "DNS to port 2152");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_true(d.layers & FT_LAYER_DNS);
	assert_false(d.layers & FT_LAYER_TUNNEL);
	/* PPPoE version 2: malformed; discovery (PADI, 0x8863): recorded, not followed */
	fe_build(&f, FE_PPPOE4, 0);
	f.b[14] = 0x21;
	expect(&f, FT_DEC_MALFORMED, FT_L_PPPOE, "PPPoE version 2");
	fe_build(&f, FE_PPPOE4, 0);
	f.b[12 + 1] = 0x63;
	f.b[15] = 0x09;
	expect(&f, FT_DEC_OK, FT_L_NONE, "PADI");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_true(d.layers & FT_LAYER_PPPOE);
	assert_true(d.pppoe.discovery);
	assert_false(d.layers & (FT_LAYER_PPP | FT_LAYER_IP4));
	format(&f, f.n, f.b, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 PPPoE PADI [ses 0x1234] length 72");
	/* PPP: LCP is not decoded; ff without 03 is malformed */
	fe_build(&f, FE_PPP, 0);
	f.b[2] = 0xc0;
	f.b[3] = 0x21;
	expect(&f, FT_DEC_OK, FT_L_NONE, "LCP");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_int_equal(d.ppp.proto, 0xc021);
	format(&f, f.n, f.b, &d, 0);
	assert_string_equal(g_buf, "22:13:20.000000 PPP proto 0xc021, length 48");
	f.b[1] = 0x05;
	expect(&f, FT_DEC_MALFORMED, FT_L_PPP, "PPP control 05");
	/* Cisco HDLC SLARP shares RARP's ethertype: not decoded as RARP */
	fe_build(&f, FE_CHDLC, 0);
	f.b[2] = 0x80;
	f.b[3] = 0x35;
	expect(&f, FT_DEC_OK, FT_L_NONE, "SLARP");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_ARP);
	/* Juniper: a wrong magic is malformed; "no L2 header" is not this link type */
	fe_build(&f, FE_JUNIPER, 0);
	f.b[2] = 'X';
	expect(&f, FT_DEC_MALFORMED, FT_L_LINK, "Juniper magic");
	fe_build(&f, FE_JUNIPER, 0);
	f.b[3] |= 0x02;
	expect(&f, FT_DEC_UNSUPPORTED, FT_L_LINK, "Juniper without L2");
	/* ... an extension length past the frame is a cut */
	fe_build(&f, FE_JUNIPER, 1);
	f.b[4] = 0xff;
	expect(&f, FT_DEC_TRUNCATED, FT_L_LINK, "Juniper extension length");
	/* ... without extensions, Ethernet follows the flags at once */
	fe_build(&f, FE_JUNIPER, 0);
	f.b[3] = 0x00;
	memmove(f.b + 4, f.b + 10, f.n - 10);
	f.n -= 6;
	expect(&f, FT_DEC_OK, FT_L_NONE, "Juniper without extensions");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_true(d.layers & FT_LAYER_TCP);
	/* MPLS in UDP: tcpdump's line, the carrier's ports; an empty datagram is UDP */
	fe_build(&f, FE_MPLS_UDP, 0);
	assert_string_equal(decode_fmt(&f, &d, 0),
		"22:13:20.000000 IP 10.0.0.1.58699 > 10.0.0.254.6635: MPLS (label 21, tc 0, [S], "
		"ttl 63) IP 192.168.1.1.40000 > 10.9.9.9.80: Flags [P.], seq 268435457:268435461, "
		"ack 536870913, win 512, length 4");
	assert_contains(decode_fmt(&f, &d, 1), "\"tunnel\":{\"type\":\"mpls_udp\",\"depth\":1,");
	assert_contains(g_buf, "\"sport\":58699,\"dport\":6635}");
	f.n = 14 + 20 + 8;
	fe_set16(&f, 14 + 2, 28);
	fe_set16(&f, 14 + 20 + 4, 8);
	expect(&f, FT_DEC_OK, FT_L_NONE, "MPLS in UDP, empty");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_true(d.layers & FT_LAYER_UDP);
	assert_false(d.layers & FT_LAYER_TUNNEL);
	/* ... and a datagram to port 6635 that is not a label stack (after the
	 * bottom of stack, a nibble MPLS does not carry) */
	fe_build(&f, FE_MPLS_UDP, 0);
	f.b[f.inner] = 0x55;
	expect(&f, FT_DEC_OK, FT_L_NONE, "port 6635, not MPLS");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_true(d.layers & FT_LAYER_UDP);
	assert_false(d.layers & (FT_LAYER_TUNNEL | FT_LAYER_MPLS));
	/* Arista's timestamp header: another subtype or format is not decoded */
	fe_build(&f, FE_ARISTA48, 0);
	f.b[17] = 0x31; /* format 3 */
	expect(&f, FT_DEC_OK, FT_L_NONE, "Arista, format 3");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_IP6);
	fe_build(&f, FE_ARISTA, 1);
	f.b[15] = 0x02; /* subtype 2 */
	expect(&f, FT_DEC_OK, FT_L_NONE, "Arista, subtype 2");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_IP4);
	/* Frame Relay: the link type's name; an EA bit on the first address
	 * byte, an address of 5 bytes, an OSI NLPID */
	fe_build(&f, FE_FRELAY, 0);
	assert_contains(decode_fmt(&f, &d, 1), "\"link\":\"FRELAY\",\"ip\":{\"v\":6,");
	f.b[0] = 0x49;
	expect(&f, FT_DEC_MALFORMED, FT_L_LINK, "Frame Relay, EA on the first byte");
	fe_build(&f, FE_FRELAY_IP, 0);
	f.b[3] = 0x00;
	expect(&f, FT_DEC_MALFORMED, FT_L_LINK, "Frame Relay, 5-byte address");
	fe_build(&f, FE_FRELAY_IP, 0);
	f.b[5] = 0x83; /* IS-IS */
	expect(&f, FT_DEC_OK, FT_L_NONE, "Frame Relay, OSI");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_IP4);
	/* ARCNET: the link type's name; a piece of a split packet, an unknown
	 * protocol: only the link; the header cut in each form */
	fe_build(&f, FE_ARCNET_LINUX, 0);
	assert_contains(decode_fmt(&f, &d, 1), "\"link\":\"ARCNET_LINUX\",\"ip\":");
	f.b[5] = 0x03; /* (Linux: the kernel has joined the pieces; the flag is not read) */
	expect(&f, FT_DEC_OK, FT_L_NONE, "ARCNET Linux, flag set");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_true(d.layers & FT_LAYER_TCP);
	fe_build(&f, FE_ARCNET, 1);
	assert_contains(decode_fmt(&f, &d, 1), "\"link\":\"ARCNET\",\"ip\":");
	f.b[3] = 0x02; /* a later piece of a split packet */
	expect(&f, FT_DEC_OK, FT_L_NONE, "ARCNET split piece");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_IP4);
	fe_build(&f, FE_ARCNET, 0);
	f.b[2] = 250; /* IPX */
	expect(&f, FT_DEC_OK, FT_L_NONE, "ARCNET IPX");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_IP4);
	fe_build(&f, FE_ARCNET_EXC, 0);
	expect(&f, FT_DEC_OK, FT_L_NONE, "ARCNET exception form");
	f.n = 9;
	expect(&f, FT_DEC_TRUNCATED, FT_L_LINK, "ARCNET exception header cut");
	fe_build(&f, FE_ARCNET_1051, 0);
	f.n = 4;
	expect(&f, FT_DEC_TRUNCATED, FT_L_LINK, "ARCNET Linux header cut");
	/* IPoIB: the ethertype at offset 40, not decoded further when unknown */
	fe_build(&f, FE_IPOIB, 0);
	assert_contains(decode_fmt(&f, &d, 1), "\"link\":\"IPOIB\",\"ip\":");
	f.b[40] = 0x88;
	expect(&f, FT_DEC_OK, FT_L_NONE, "IPoIB unknown type");
	ft_decode(f.dlt, f.b, f.n, f.n, &d);
	assert_false(d.layers & FT_LAYER_IP4);
	/* WCCP: the GRE fields are kept; the redirect header is not payload */
	fe_build(&f, FE_WCCP2, 1);
	decode_fmt(&f, &d, 1);
	assert_int_equal(d.tunnel.gre_proto, 0x883e);
	assert_int_equal(d.tcp.sport, 80);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inner_tcp_every_kind),
		cmocka_unit_test(test_pppoe_ppp_chdlc_fields),
		cmocka_unit_test(test_mpls_fields),
		cmocka_unit_test(test_geneve_gtp_fields),
		cmocka_unit_test(test_truncation_every_kind),
		cmocka_unit_test(test_bounds_and_odd_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
