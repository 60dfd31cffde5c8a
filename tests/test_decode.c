/*
 * tests/test_decode.c - unit tests of decode/: link layers, IPv4, IPv6,
 * TCP, UDP, error semantics and both formatters.
 *
 * Frames are built byte by byte by the small builders below. Every header
 * gets a truncation walk: the frame is cut at every byte inside its headers
 * and copied into a malloc'd buffer of exactly that size, so ASan reports
 * any read past the cut; decoding must then say "truncated".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"

static const uint8_t MAC_A[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
static const uint8_t MAC_B[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
static const uint8_t IP_A[4] = {10, 0, 0, 1};
static const uint8_t IP_B[4] = {10, 0, 0, 2};
static const uint8_t IP6_A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t IP6_B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static size_t
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
	return 4;
}

static size_t
b_eth(uint8_t *p, unsigned type)
{
	memcpy(p, MAC_B, 6);
	memcpy(p + 6, MAC_A, 6);
	put16(p + 12, type);
	return 14;
}

/* IPv4 header, 20 bytes; total length = 20 + l4len. */
static size_t
b_ip4(uint8_t *p, unsigned proto, unsigned l4len, unsigned frag)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, 20 + l4len);
	put16(p + 4, 0x1234);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = (uint8_t)proto;
	memcpy(p + 12, IP_A, 4);
	memcpy(p + 16, IP_B, 4);
	return 20;
}

static size_t
b_ip6(uint8_t *p, unsigned nh, unsigned plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, plen);
	p[6] = (uint8_t)nh;
	p[7] = 255;
	memcpy(p + 8, IP6_A, 16);
	memcpy(p + 24, IP6_B, 16);
	return 40;
}

static const uint8_t SYN_OPTS[20] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};

static size_t
b_tcp(uint8_t *p, unsigned flags, const uint8_t *opts, unsigned olen)
{
	memset(p, 0, 20);
	put16(p, 1234);
	put16(p + 2, 80);
	put32(p + 4, 1);
	put32(p + 8, 2);
	p[12] = (uint8_t)(((20 + olen) / 4) << 4);
	p[13] = (uint8_t)flags;
	put16(p + 14, 512);
	if (olen > 0)
		memcpy(p + 20, opts, olen);
	return 20 + olen;
}

static size_t
b_udp(uint8_t *p, unsigned sport, unsigned dport, unsigned paylen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, 8 + paylen);
	put16(p + 6, 0);
	return 8;
}

/* Ethernet / IPv4 / TCP SYN with MSS, SACK-permitted, timestamps, wscale. */
static size_t
frame_syn(uint8_t *f)
{
	size_t n = b_eth(f, 0x0800);

	n += b_ip4(f + n, 6, 40, 0x4000);
	n += b_tcp(f + n, 0x02, SYN_OPTS, 20);
	return n;
}

static enum ft_dec_status
decode_copy(int dlt, const uint8_t *f, size_t n, struct ft_decoded *d)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	enum ft_dec_status st;

	assert_non_null(c);
	memcpy(c, f, n);
	st = ft_decode(dlt, n > 0 ? c : NULL, (uint32_t)n, (uint32_t)n, d);
	free(c);
	return st;
}

/* Cut the frame at every byte before hdr_end: truncated, and no over-read. */
static void
walk_truncation(int dlt, const uint8_t *f, size_t hdr_end)
{
	struct ft_decoded d;
	size_t cut;

	for (cut = 0; cut < hdr_end; cut++) {
		enum ft_dec_status st = decode_copy(dlt, f, cut, &d);

		if (st != FT_DEC_TRUNCATED)
			fail_msg("cut at %zu: status %s (layer %s)", cut, ft_dec_status_name(st),
				ft_layer_name((enum ft_layer)d.err_layer));
	}
}

static void
test_eth_ip4_tcp(void **state)
{
	uint8_t f[128];
	size_t n = frame_syn(f);
	struct ft_decoded d;

	(void)state;
	assert_int_equal(n, 74);
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_ETH | FT_LAYER_IP4 | FT_LAYER_TCP);
	assert_memory_equal(d.eth.src, MAC_A, 6);
	assert_memory_equal(d.eth.dst, MAC_B, 6);
	assert_int_equal(d.eth.type, 0x0800);
	assert_int_equal(d.ip.v, 4);
	assert_memory_equal(d.ip.src, IP_A, 4);
	assert_memory_equal(d.ip.dst, IP_B, 4);
	assert_int_equal(d.ip.proto, 6);
	assert_int_equal(d.ip.ttl, 64);
	assert_int_equal(d.ip.len, 60);
	assert_int_equal(d.ip.id, 0x1234);
	assert_true(d.ip.df);
	assert_false(d.ip.mf);
	assert_false(d.ip.frag);
	assert_int_equal(d.tcp.sport, 1234);
	assert_int_equal(d.tcp.dport, 80);
	assert_int_equal(d.tcp.seq, 1);
	assert_int_equal(d.tcp.ack, 2);
	assert_int_equal(d.tcp.flags, FT_TCP_SYN);
	assert_int_equal(d.tcp.win, 512);
	assert_int_equal(d.tcp.hlen, 40);
	assert_int_equal(d.tcp.len, 0);
	assert_int_equal(d.tcp.opts.present,
		FT_TCPOPT_MSS | FT_TCPOPT_SACK_OK | FT_TCPOPT_TS | FT_TCPOPT_WSCALE);
	assert_int_equal(d.tcp.opts.mss, 1460);
	assert_int_equal(d.tcp.opts.wscale, 7);
	assert_int_equal(d.tcp.opts.ts_val, 1);
	assert_int_equal(d.tcp.opts.ts_ecr, 0);
	assert_int_equal(d.l4_payload_len, 0);
	walk_truncation(FT_DLT_EN10MB, f, n);
}

static void
test_padding_not_payload(void **state)
{
	uint8_t f[128];
	size_t n = b_eth(f, 0x0800);
	struct ft_decoded d;

	(void)state;
	n += b_ip4(f + n, 6, 20 + 2, 0);
	n += b_tcp(f + n, 0x18, NULL, 0);
	f[n++] = 'h';
	f[n++] = 'i';
	memset(f + n, 0xee, 6); /* Ethernet padding to 60 bytes */
	n += 6;
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.tcp.len, 2);
	assert_int_equal(d.l4_payload_len, 2);
	assert_memory_equal(d.l4_payload, "hi", 2);
	/* snap length cut inside the payload: headers complete, OK, fewer bytes */
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, 55, &d), FT_DEC_OK);
	assert_int_equal(d.tcp.len, 2);
	assert_int_equal(d.l4_payload_len, 1);
}

static void
test_tcp_options_all(void **state)
{
	static const uint8_t opts[] = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0,
		40, 99, 4, 0xaa, 0xbb, 0};
	uint8_t f[128], o[40];
	size_t n = b_eth(f, 0x0800);
	struct ft_decoded d;

	(void)state;
	memset(o, 0, sizeof o);
	memcpy(o, opts, sizeof opts);
	n += b_ip4(f + n, 6, 48, 0);
	n += b_tcp(f + n, 0x10, o, 28);
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.tcp.opts.present, FT_TCPOPT_SACK);
	assert_int_equal(d.tcp.opts.n_sack, 2);
	assert_int_equal(d.tcp.opts.sack[0][0], 10);
	assert_int_equal(d.tcp.opts.sack[0][1], 20);
	assert_int_equal(d.tcp.opts.sack[1][0], 30);
	assert_int_equal(d.tcp.opts.sack[1][1], 40);
	assert_int_equal(d.tcp.opts.n_unknown, 1);
	assert_int_equal(d.tcp.opts.unknown[0], 99);
	/* an option length running past the header: malformed, header kept */
	f[14 + 20 + 20 + 21] = 30;
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_TCP);
	assert_true(d.layers & FT_LAYER_TCP);
}

static void
test_vlan_qinq_ip6_udp(void **state)
{
	uint8_t f[160];
	size_t n = b_eth(f, 0x88a8);
	struct ft_decoded d;

	(void)state;
	n += put16(f + n, (3u << 13) | 100);
	n += put16(f + n, 0x8100);
	n += put16(f + n, 200);
	n += put16(f + n, 0x86dd);
	n += b_ip6(f + n, 17, 8 + 4);
	n += b_udp(f + n, 5000, 6000, 4);
	memcpy(f + n, "abcd", 4);
	n += 4;
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_ETH | FT_LAYER_VLAN | FT_LAYER_IP6 | FT_LAYER_UDP);
	assert_int_equal(d.n_vlan, 2);
	assert_int_equal(d.vlan[0].id, 100);
	assert_int_equal(d.vlan[0].pcp, 3);
	assert_int_equal(d.vlan[0].tpid, 0x88a8);
	assert_int_equal(d.vlan[1].id, 200);
	assert_int_equal(d.eth.type, 0x86dd);
	assert_int_equal(d.ip.v, 6);
	assert_int_equal(d.ip.len, 52);
	assert_int_equal(d.ip.ttl, 255);
	assert_int_equal(d.udp.sport, 5000);
	assert_int_equal(d.udp.len, 12);
	assert_int_equal(d.l4_payload_len, 4);
	walk_truncation(FT_DLT_EN10MB, f, n - 4);
}

static void
test_vlan_too_deep(void **state)
{
	uint8_t f[128];
	size_t n = b_eth(f, 0x8100);
	struct ft_decoded d;
	int i;

	(void)state;
	for (i = 0; i < FT_MAX_VLAN + 1; i++) {
		n += put16(f + n, (unsigned)i + 1);
		n += put16(f + n, i == FT_MAX_VLAN ? 0x0800 : 0x8100);
	}
	n += b_ip4(f + n, 17, 0, 0);
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_UNSUPPORTED);
	assert_int_equal(d.err_layer, FT_L_VLAN);
	assert_int_equal(d.n_vlan, FT_MAX_VLAN);
}

static void
test_llc_snap(void **state)
{
	uint8_t f[128];
	size_t n = b_eth(f, 0);
	struct ft_decoded d;
	static const uint8_t snap[] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};

	(void)state;
	memcpy(f + n, snap, 8);
	n += 8;
	n += b_ip4(f + n, 17, 8, 0);
	n += b_udp(f + n, 1, 2, 0);
	put16(f + 12, (unsigned)(n - 14));
	memset(f + n, 0, 10); /* padding, beyond the 802.3 length */
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n + 10, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_LLC);
	assert_true(d.layers & FT_LAYER_UDP);
	assert_int_equal(d.llc.snap_type, 0x0800);
	assert_int_equal(d.eth.type, 0x0800);
	walk_truncation(FT_DLT_EN10MB, f, n);
	/* STP: LLC 42 42 03, not decoded further, OK */
	f[14] = 0x42;
	f[15] = 0x42;
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_ETH | FT_LAYER_LLC);
}

static void
test_sll_sll2(void **state)
{
	uint8_t f[128];
	size_t n = 0, h;
	struct ft_decoded d;

	(void)state;
	n += put16(f + n, 4); /* outgoing */
	n += put16(f + n, 1); /* ARPHRD_ETHER */
	n += put16(f + n, 6);
	memcpy(f + n, MAC_A, 6);
	memset(f + n + 6, 0, 2);
	n += 8;
	n += put16(f + n, 0x0800);
	h = n;
	n += b_ip4(f + n, 17, 8, 0);
	n += b_udp(f + n, 1, 2, 0);
	assert_int_equal(decode_copy(FT_DLT_LINUX_SLL, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_SLL | FT_LAYER_IP4 | FT_LAYER_UDP);
	assert_int_equal(d.sll.pkttype, 4);
	assert_int_equal(d.sll.halen, 6);
	assert_memory_equal(d.sll.addr, MAC_A, 6);
	assert_int_equal(d.sll.proto, 0x0800);
	walk_truncation(FT_DLT_LINUX_SLL, f, n);

	/* SLL2: proto, reserved, ifindex, hatype, pkttype, halen, addr */
	n = 0;
	n += put16(f + n, 0x86dd);
	n += put16(f + n, 0);
	n += put32(f + n, 7);
	n += put16(f + n, 1);
	f[n++] = 0;
	f[n++] = 6;
	memcpy(f + n, MAC_B, 6);
	memset(f + n + 6, 0, 2);
	n += 8;
	n += b_ip6(f + n, 6, 20);
	n += b_tcp(f + n, 0x10, NULL, 0);
	assert_int_equal(decode_copy(FT_DLT_LINUX_SLL2, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_SLL | FT_LAYER_IP6 | FT_LAYER_TCP);
	assert_int_equal(d.sll.version, 2);
	assert_int_equal(d.sll.ifindex, 7);
	assert_int_equal(d.sll.proto, 0x86dd);
	walk_truncation(FT_DLT_LINUX_SLL2, f, n);
	(void)h;
}

static void
test_null_loop(void **state)
{
	static const uint32_t fams6[] = {10, 24, 28, 30};
	uint8_t f[128];
	struct ft_decoded d;
	size_t n, i;

	(void)state;
	/* NULL, little-endian host: AF_INET = 2 */
	f[0] = 2;
	f[1] = f[2] = f[3] = 0;
	n = 4 + b_ip4(f + 4, 17, 8, 0);
	n += b_udp(f + n, 1, 2, 0);
	assert_int_equal(decode_copy(FT_DLT_NULL, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.null_family, 2);
	assert_true(d.layers & FT_LAYER_UDP);
	walk_truncation(FT_DLT_NULL, f, n);
	/* NULL, big-endian host */
	put32(f, 2);
	assert_int_equal(decode_copy(FT_DLT_NULL, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_IP4);
	/* every AF_INET6 value, both orders for NULL, network order for LOOP */
	for (i = 0; i < 4; i++) {
		n = 4 + b_ip6(f + 4, 59, 0);
		put32(f, fams6[i]);
		assert_int_equal(decode_copy(FT_DLT_NULL, f, n, &d), FT_DEC_OK);
		assert_true(d.layers & FT_LAYER_IP6);
		assert_int_equal(decode_copy(FT_DLT_LOOP, f, n, &d), FT_DEC_OK);
		assert_true(d.layers & FT_LAYER_IP6);
		f[0] = (uint8_t)fams6[i];
		f[3] = 0;
		assert_int_equal(decode_copy(FT_DLT_NULL, f, n, &d), FT_DEC_OK);
		assert_true(d.layers & FT_LAYER_IP6);
	}
	/* unknown family: not decoded, not an error */
	put32(f, 77);
	assert_int_equal(decode_copy(FT_DLT_LOOP, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_NULL);
}

static void
test_raw(void **state)
{
	static const int raw[] = {FT_DLT_RAW, FT_DLT_RAW_BSD, FT_DLT_LINKTYPE_RAW};
	uint8_t f[128];
	struct ft_decoded d;
	size_t n, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		n = b_ip4(f, 6, 20, 0);
		n += b_tcp(f + n, 0x11, NULL, 0);
		assert_int_equal(decode_copy(raw[i], f, n, &d), FT_DEC_OK);
		assert_int_equal(d.layers, FT_LAYER_RAW | FT_LAYER_IP4 | FT_LAYER_TCP);
		walk_truncation(raw[i], f, n);
		n = b_ip6(f, 17, 8);
		n += b_udp(f + n, 1, 2, 0);
		assert_int_equal(decode_copy(raw[i], f, n, &d), FT_DEC_OK);
		assert_int_equal(d.layers, FT_LAYER_RAW | FT_LAYER_IP6 | FT_LAYER_UDP);
	}
	assert_int_equal(decode_copy(FT_DLT_IPV6, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_UDP);
	walk_truncation(FT_DLT_IPV6, f, n);
	n = b_ip4(f, 6, 20, 0);
	n += b_tcp(f + n, 0x11, NULL, 0);
	assert_int_equal(decode_copy(FT_DLT_IPV4, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_TCP);
	f[0] = 0x55;
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_RAW);
}

static void
test_ip4_fragments_and_options(void **state)
{
	uint8_t f[128];
	struct ft_decoded d;
	size_t n;

	(void)state;
	/* a later fragment: no TCP decoded from its payload */
	n = b_ip4(f, 6, 20, 0x2000 | 185);
	n += b_tcp(f + n, 0x02, NULL, 0);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.layers, FT_LAYER_RAW | FT_LAYER_IP4);
	assert_true(d.ip.frag);
	assert_true(d.ip.mf);
	assert_int_equal(d.ip.off, 185 * 8);
	/* a first fragment: flagged, TCP decoded */
	n = b_ip4(f, 6, 20, 0x2000);
	n += b_tcp(f + n, 0x02, NULL, 0);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.ip.frag);
	assert_true(d.layers & FT_LAYER_TCP);
	/* options: NOP, router alert (4 bytes), EOL padding */
	n = b_ip4(f, 17, 8 + 8, 0);
	f[0] = 0x47;
	put16(f + 2, 28 + 8);
	memmove(f + 28, f + 20, 0);
	f[20] = 1;
	f[21] = 148;
	f[22] = 4;
	f[23] = 0;
	f[24] = 0;
	f[25] = 0;
	f[26] = 0;
	f[27] = 0;
	n = 28 + b_udp(f + 28, 7, 8, 0);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.ip.hlen, 28);
	assert_true(d.layers & FT_LAYER_UDP);
	assert_int_equal(d.udp.sport, 7);
	walk_truncation(FT_DLT_RAW, f, n);
	f[22] = 40; /* option longer than the header: malformed, L4 still decoded */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_IP4);
	assert_int_equal(d.err_off, 21);
	assert_true(d.layers & FT_LAYER_UDP);
}

static void
test_malformed(void **state)
{
	uint8_t f[256];
	struct ft_decoded d;
	size_t n;

	(void)state;
	n = b_ip4(f, 6, 20, 0);
	n += b_tcp(f + n, 0x02, NULL, 0);
	f[0] = 0x44; /* IHL 4 */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_IP4);
	f[0] = 0x45;
	put16(f + 2, 19); /* total length < header */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	put16(f + 2, 30); /* room for 10 bytes of TCP only */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_TCP);
	assert_true(d.layers & FT_LAYER_IP4);
	put16(f + 2, 40);
	f[32] = 0x40; /* data offset 4 */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_TCP);
	assert_int_equal(d.err_off, 32);
	f[32] = 0x60; /* data offset past the IP length */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	/* UDP length < 8 */
	n = b_ip4(f, 17, 8, 0);
	n += b_udp(f + n, 1, 2, 0);
	put16(f + 24, 7);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_UDP);
	/* unknown link type */
	assert_int_equal(decode_copy(9999, f, n, &d), FT_DEC_UNSUPPORTED);
	assert_int_equal(d.err_layer, FT_L_NONE);
	/* empty frame, NULL pointer */
	assert_int_equal(ft_decode(FT_DLT_EN10MB, NULL, 0, 0, &d), FT_DEC_TRUNCATED);
	/* TSO capture: IPv4 total length 0 means "the rest of the frame" */
	n = b_ip4(f, 6, 20, 0);
	n += b_tcp(f + n, 0x18, NULL, 0);
	memset(f + n, 'x', 100);
	n += 100;
	put16(f + 2, 0);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.tcp.len, 100);
}

static void
test_ip6_ext(void **state)
{
	uint8_t f[200];
	struct ft_decoded d;
	size_t n, h;
	int i;

	(void)state;
	/* hop-by-hop (8), destination options (16), fragment (8), then UDP */
	n = b_ip6(f, 0, 8 + 16 + 8 + 8);
	h = n;
	memset(f + n, 0, 32);
	f[n] = 60;
	f[n + 1] = 0;
	n += 8;
	f[n] = 44;
	f[n + 1] = 1;
	n += 16;
	f[n] = 17;
	put16(f + n + 2, 0x0001); /* offset 0, M */
	put32(f + n + 4, 0xdeadbeef);
	n += 8;
	n += b_udp(f + n, 53, 1000, 0);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.ip.proto, 17);
	assert_true(d.ip.frag);
	assert_true(d.ip.mf);
	assert_int_equal(d.ip.id, 0xdeadbeef);
	assert_int_equal(d.ip.ext_len, 32);
	assert_true(d.layers & FT_LAYER_UDP);
	walk_truncation(FT_DLT_RAW, f, n);
	/* a later fragment: no UDP */
	put16(f + h + 24 + 2, 0x0008);
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_false(d.layers & FT_LAYER_UDP);
	assert_int_equal(d.ip.off, 8);
	/* nine extension headers: over the bound */
	n = b_ip6(f, 60, 9 * 8);
	for (i = 0; i < 9; i++) {
		memset(f + n, 0, 8);
		f[n] = i == 8 ? 59 : 60;
		n += 8;
	}
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_UNSUPPORTED);
	assert_int_equal(d.err_layer, FT_L_IP6);
	/* an extension header longer than the payload length */
	n = b_ip6(f, 0, 8);
	memset(f + n, 0, 8);
	f[n + 1] = 3;
	n += 8;
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ft_layer_name(FT_L_TCP), "tcp");
	assert_string_equal(ft_layer_name(FT_L_IP4), "ip4");
	assert_string_equal(ft_layer_name((enum ft_layer)200), "unknown");
	assert_string_equal(ft_dec_status_name(FT_DEC_TRUNCATED), "truncated");
	assert_string_equal(ft_dec_status_name(FT_DEC_OK), "ok");
}

static void
mkpkt(struct ft_packet *p, const uint8_t *f, size_t n, int dlt, const struct ft_decoded *d)
{
	memset(p, 0, sizeof *p);
	p->n = 1;
	p->ts_ns = 1700000000123456000ull;
	p->caplen = (uint32_t)n;
	p->len = (uint32_t)n;
	p->dlt = dlt;
	p->ts_digits = 6;
	p->data = f;
	p->dec = d;
}

static void
test_format_json_tcp(void **state)
{
	uint8_t f[128];
	size_t n = frame_syn(f), len, cut;
	struct ft_decoded d;
	struct ft_packet p;
	char buf[FT_PACKET_FORMAT_MAX], small[64];
	static const char want[] =
		"{\"type\":\"packet\",\"n\":1,\"ts\":1700000000.123456,\"caplen\":74,\"len\":74,"
		"\"link\":\"EN10MB\",\"eth\":{\"src\":\"00:11:22:33:44:55\","
		"\"dst\":\"66:77:88:99:aa:bb\",\"type\":2048},\"ip\":{\"v\":4,\"src\":\"10.0.0.1\","
		"\"dst\":\"10.0.0.2\",\"proto\":6,\"ttl\":64,\"len\":60,\"id\":4660,\"df\":true,"
		"\"mf\":false,\"off\":0},\"tcp\":{\"sport\":1234,\"dport\":80,\"seq\":1,\"ack\":2,"
		"\"flags\":2,\"win\":512,\"len\":0,\"opts\":{\"mss\":1460,\"wscale\":7,"
		"\"sack_ok\":true,\"ts\":[1,0]}}}";

	(void)state;
	ft_decode(FT_DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, &d);
	mkpkt(&p, f, n, FT_DLT_EN10MB, &d);
	len = ft_format_packet_json(&p, buf, sizeof buf);
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
	/* a small buffer: cut cleanly, NUL-terminated, never overflowed */
	for (cut = 1; cut < sizeof small; cut++) {
		memset(small, 'Z', sizeof small);
		len = ft_format_packet_json(&p, small, cut);
		assert_true(len < cut);
		assert_int_equal(small[len], '\0');
		assert_memory_equal(small, want, len);
	}
	/* truncated frame: the error key */
	ft_decode(FT_DLT_EN10MB, f, 30, 74, &d);
	mkpkt(&p, f, 30, FT_DLT_EN10MB, &d);
	p.len = 74;
	ft_format_packet_json(&p, buf, sizeof buf);
	assert_non_null(strstr(buf, ",\"error\":{\"layer\":\"ip4\",\"reason\":\"truncated\"}}"));
	assert_null(strstr(buf, "\"ip\""));
}

static void
test_format_json_ip6_vlan(void **state)
{
	uint8_t f[160];
	size_t n = b_eth(f, 0x8100);
	struct ft_decoded d;
	struct ft_packet p;
	char buf[FT_PACKET_FORMAT_MAX];
	static const char want[] =
		"{\"type\":\"packet\",\"n\":1,\"ts\":1700000000.123456789,\"caplen\":66,\"len\":66,"
		"\"link\":\"EN10MB\",\"eth\":{\"src\":\"00:11:22:33:44:55\","
		"\"dst\":\"66:77:88:99:aa:bb\",\"type\":34525},\"vlan\":[{\"id\":5,\"pcp\":1}],"
		"\"ip\":{\"v\":6,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\",\"proto\":17,"
		"\"ttl\":255,\"len\":48,\"id\":0,\"df\":false,\"mf\":false,\"off\":0},"
		"\"udp\":{\"sport\":5000,\"dport\":6000,\"len\":8}}";

	(void)state;
	n += put16(f + n, (1u << 13) | 5);
	n += put16(f + n, 0x86dd);
	n += b_ip6(f + n, 17, 8);
	n += b_udp(f + n, 5000, 6000, 0);
	ft_decode(FT_DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, &d);
	mkpkt(&p, f, n, FT_DLT_EN10MB, &d);
	p.ts_ns = 1700000000123456789ull;
	p.ts_digits = 9;
	ft_format_packet_json(&p, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void
test_format_text(void **state)
{
	uint8_t f[160];
	size_t n = frame_syn(f);
	struct ft_decoded d;
	struct ft_packet p;
	char buf[FT_PACKET_FORMAT_MAX];

	(void)state;
	ft_decode(FT_DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, &d);
	mkpkt(&p, f, n, FT_DLT_EN10MB, &d);
	ft_format_packet_text(&p, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20.123456 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [S], "
				 "seq 1, win 512, options [mss 1460,sackOK,TS val 1 ecr 0,"
				 "wscale 7], length 0");
	/* data segment with ACK */
	n = b_ip6(f, 6, 20 + 5);
	n += b_tcp(f + n, 0x18, NULL, 0);
	memcpy(f + n, "hello", 5);
	n += 5;
	ft_decode(FT_DLT_RAW, f, (uint32_t)n, (uint32_t)n, &d);
	mkpkt(&p, f, n, FT_DLT_RAW, &d);
	ft_format_packet_text(&p, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20.123456 IP6 2001:db8::1.1234 > 2001:db8::2.80: "
				 "Flags [P.], seq 1:6, ack 2, win 512, length 5");
	/* UDP, and a truncated frame */
	n = b_ip4(f, 17, 8 + 3, 0);
	n += b_udp(f + n, 1111, 2222, 3);
	n += 3;
	ft_decode(FT_DLT_RAW, f, (uint32_t)n, (uint32_t)n, &d);
	mkpkt(&p, f, n, FT_DLT_RAW, &d);
	ft_format_packet_text(&p, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20.123456 IP 10.0.0.1.1111 > 10.0.0.2.2222: UDP, length 3");
	ft_decode(FT_DLT_RAW, f, 24, (uint32_t)n, &d);
	ft_format_packet_text(&p, buf, sizeof buf);
	assert_string_equal(buf, "22:13:20.123456 IP 10.0.0.1 > 10.0.0.2: ip-proto-17 11 [|udp]");
}

static void
test_no_stale_state(void **state)
{
	uint8_t f[128];
	size_t n = frame_syn(f);
	struct ft_decoded d;

	(void)state;
	memset(&d, 0xa5, sizeof d);
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.n_vlan, 0);
	assert_int_equal(d.n_tunnel, 0);
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, 20, &d), FT_DEC_TRUNCATED);
	assert_int_equal(d.layers, FT_LAYER_ETH);
	assert_int_equal(d.err_layer, FT_L_IP4);
	assert_int_equal(d.err_off, 14);
	assert_null(d.l4_payload);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ip4_tcp),
		cmocka_unit_test(test_padding_not_payload),
		cmocka_unit_test(test_tcp_options_all),
		cmocka_unit_test(test_vlan_qinq_ip6_udp),
		cmocka_unit_test(test_vlan_too_deep),
		cmocka_unit_test(test_llc_snap),
		cmocka_unit_test(test_sll_sll2),
		cmocka_unit_test(test_null_loop),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_ip4_fragments_and_options),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_ip6_ext),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_format_json_tcp),
		cmocka_unit_test(test_format_json_ip6_vlan),
		cmocka_unit_test(test_format_text),
		cmocka_unit_test(test_no_stale_state),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
