/*
 * tests/test_decode_proto.c - unit tests of decode/ beyond the core stack:
 * ARP, ICMP, ICMPv6, IGMP, DNS (ft_decode_dns), tunnels (VXLAN, GRE,
 * ERSPAN, IP in IP), radiotap/802.11, the JSON writer's escaping, decimal
 * numbers and RFC 5952 addresses. Each frame also gets the truncation walk
 * (cut at every header byte, copied into an exact-size malloc'd buffer for
 * ASan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "output/jw.h"

static size_t
hex2bin(uint8_t *out, const char *hex)
{
	size_t n = 0;
	unsigned v;

	while (hex[0] && hex[1]) {
		if (hex[0] == ' ') {
			hex++;
			continue;
		}
		v = 0;
		for (int i = 0; i < 2; i++) {
			char c = hex[i];

			v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
		}
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static enum ft_dec_status
decode_copy_wire(int dlt, const uint8_t *f, size_t n, size_t wire, struct ft_decoded *d)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	enum ft_dec_status st;

	assert_non_null(c);
	memcpy(c, f, n);
	st = ft_decode(dlt, n > 0 ? c : NULL, (uint32_t)n, (uint32_t)wire, d);
	free(c);
	return st;
}

static enum ft_dec_status
decode_copy(int dlt, const uint8_t *f, size_t n, struct ft_decoded *d)
{
	return decode_copy_wire(dlt, f, n, n, d);
}

static void walk_range(int dlt, const uint8_t *f, size_t from, size_t hdr_end);

static void
walk_truncation(int dlt, const uint8_t *f, size_t hdr_end)
{
	walk_range(dlt, f, 0, hdr_end);
}

/* The wire length stays hdr_end + 4 bytes at most (a snap length cut, an FCS beyond). */
static void
walk_range(int dlt, const uint8_t *f, size_t from, size_t hdr_end)
{
	struct ft_decoded d;

	for (size_t cut = from; cut < hdr_end; cut++) {
		enum ft_dec_status st = decode_copy_wire(
			dlt, f, cut, dlt == FT_DLT_IEEE802_11_RADIO ? hdr_end + 4 : hdr_end, &d);

		if (st != FT_DEC_TRUNCATED)
			fail_msg("cut at %zu: %s at %s", cut, ft_dec_status_name(st),
				ft_layer_name((enum ft_layer)d.err_layer));
	}
}

#define ETH_HDR(type)       "66778899aabb 001122334455 " type " "
#define IP4_HDR(len, proto) "4500" len "1234 0000 40" proto "0000 0a000001 0a000002 "

/* Decode f in place (its pointers must stay valid) and format it. */
static void
format(const uint8_t *f, size_t n, int dlt, struct ft_decoded *d, char *buf, int json)
{
	struct ft_packet p;

	ft_decode(dlt, f, (uint32_t)n, (uint32_t)n, d);
	memset(&p, 0, sizeof p);
	p.n = 7;
	p.ts_ns = 1700000000000000000ull;
	p.caplen = (uint32_t)n;
	p.len = (uint32_t)n;
	p.dlt = dlt;
	p.ts_digits = 6;
	p.data = f;
	p.dec = d;
	if (json)
		ft_format_packet_json(&p, buf, FT_PACKET_FORMAT_MAX);
	else
		ft_format_packet_text(&p, buf, FT_PACKET_FORMAT_MAX);
}

static void
test_arp(void **state)
{
	uint8_t f[64];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	size_t n = hex2bin(f, ETH_HDR("0806") "0001 0800 06 04 0001 001122334455 0a000001 "
					      "000000000000 0a000002");

	(void)state;
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_ARP);
	assert_int_equal(d.arp.op, 1);
	format(f, n, FT_DLT_EN10MB, &d, buf, 1);
	assert_non_null(strstr(buf, "\"arp\":{\"op\":1,\"sha\":\"00:11:22:33:44:55\","
				    "\"spa\":\"10.0.0.1\",\"tha\":\"00:00:00:00:00:00\","
				    "\"tpa\":\"10.0.0.2\"}"));
	format(f, n, FT_DLT_EN10MB, &d, buf, 0);
	assert_string_equal(buf, "22:13:20.000000 ARP, Request who-has 10.0.0.2 tell 10.0.0.1, "
				 "length 28");
	walk_truncation(FT_DLT_EN10MB, f, n);
}

static void
test_icmp_echo_and_error(void **state)
{
	uint8_t f[128];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	size_t n;

	(void)state;
	n = hex2bin(f, IP4_HDR("001c", "01") "0800 0000 0042 0007");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_ICMP);
	assert_int_equal(d.icmp.type, 8);
	assert_int_equal(d.icmp.id, 0x42);
	assert_int_equal(d.icmp.seq, 7);
	format(f, n, FT_DLT_RAW, &d, buf, 1);
	assert_non_null(strstr(buf, "\"icmp\":{\"type\":8,\"code\":0,\"id\":66,\"seq\":7}"));
	format(f, n, FT_DLT_RAW, &d, buf, 0);
	assert_string_equal(buf, "22:13:20.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, "
				 "id 66, seq 7, length 8");
	walk_truncation(FT_DLT_RAW, f, n);
	/* port unreachable quoting UDP 10.0.0.2:5000 -> 10.0.0.9:53 */
	n = hex2bin(f, IP4_HDR("0038", "01") "0303 0000 00000000 "
					     "4500 0020 0001 0000 4011 0000 0a000002 0a000009 1388 "
					     "0035 000c 0000");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.icmp.quote);
	assert_true(d.icmp.q_ports);
	assert_int_equal(d.icmp.q_proto, 17);
	assert_int_equal(d.icmp.q_dport, 53);
	format(f, n, FT_DLT_RAW, &d, buf, 0);
	assert_string_equal(buf, "22:13:20.000000 IP 10.0.0.1 > 10.0.0.2: ICMP 10.0.0.9 udp port "
				 "53 unreachable, length 36");
	walk_truncation(FT_DLT_RAW, f, n - 4); /* the quoted UDP length is not read */
}

static void
test_icmp6_nd(void **state)
{
	uint8_t f[128];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	size_t n;

	(void)state;
	/* neighbour solicitation for fe80::2 with a source link-layer option */
	n = hex2bin(f, "6000 0000 0020 3a ff fe800000000000000000000000000001 "
		       "ff020000000000000000000000000001 "
		       "8700 0000 00000000 fe800000000000000000000000000002 0101 001122334455");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_ICMP6);
	assert_true(d.icmp.nd_target);
	assert_true(d.icmp.nd_lladdr);
	format(f, n, FT_DLT_RAW, &d, buf, 0);
	assert_string_equal(buf, "22:13:20.000000 IP6 fe80::1 > ff02::1: ICMP6, neighbor "
				 "solicitation, who has fe80::2, length 32");
	format(f, n, FT_DLT_RAW, &d, buf, 1);
	assert_non_null(strstr(buf, "\"icmp6\":{\"type\":135,\"code\":0,\"target\":\"fe80::2\","
				    "\"lladdr\":\"00:11:22:33:44:55\"}"));
	walk_truncation(FT_DLT_RAW, f, n);
	f[40 + 24 + 1] = 0; /* option length 0: malformed */
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_MALFORMED);
	assert_int_equal(d.err_layer, FT_L_ICMP6);
}

static void
test_igmp(void **state)
{
	uint8_t f[64];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	size_t n;

	(void)state;
	n = hex2bin(f, IP4_HDR("001c", "02") "1600 0000 ef010101");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_IGMP);
	assert_int_equal(d.igmp.version, 2);
	format(f, n, FT_DLT_RAW, &d, buf, 0);
	assert_string_equal(
		buf, "22:13:20.000000 IP 10.0.0.1 > 10.0.0.2: igmp v2 report 239.1.1.1");
	n = hex2bin(f, IP4_HDR("0028", "02") "2200 0000 0000 0002 04000000 ef010101");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.igmp.version, 3);
	assert_int_equal(d.igmp.n_rec, 2);
	walk_truncation(FT_DLT_RAW, f, 28);
}

/* A DNS response: one question, A + CNAME + MX + TXT answers, compressed names. */
#define DNS_RESP                                           \
	"beef 8180 0001 0004 0000 0000 "                   \
	"03777777 076578616d706c65 03636f6d 00 0001 0001 " \
	"c00c 0005 0001 00000e10 0006 03616263 c010 "      \
	"c02d 0001 0001 0000003c 0004 5db8d822 "           \
	"c010 000f 0001 0000003c 0004 000a c010 "          \
	"c010 0010 0001 0000003c 0006 02686902 6f6b"

static void
test_dns(void **state)
{
	uint8_t f[256];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	static struct ft_dns dns;
	size_t n, dl;

	(void)state;
	dl = hex2bin(f + 28, DNS_RESP);
	n = hex2bin(f, IP4_HDR("0000", "11") "0035 9c40 0000 0000");
	f[2] = (uint8_t)((28 + dl) >> 8);
	f[3] = (uint8_t)(28 + dl);
	f[24] = (uint8_t)((8 + dl) >> 8);
	f[25] = (uint8_t)(8 + dl);
	n += dl;
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_DNS);
	ft_decode(FT_DLT_RAW, f, (uint32_t)n, (uint32_t)n, &d);
	assert_int_equal(ft_decode_dns(&d, &dns), FT_DEC_OK);
	assert_int_equal(dns.id, 0xbeef);
	assert_true(dns.qr);
	assert_int_equal(dns.n_qd, 1);
	assert_string_equal(dns.qd[0].name, "www.example.com");
	assert_int_equal(dns.n_an, 4);
	assert_string_equal(dns.an[0].data, "abc.example.com");
	assert_string_equal(dns.an[1].name, "abc.example.com");
	assert_string_equal(dns.an[1].data, "93.184.216.34");
	assert_string_equal(dns.an[2].data, "10 example.com");
	assert_string_equal(dns.an[3].data, "hi ok");
	format(f, n, FT_DLT_RAW, &d, buf, 1);
	assert_non_null(strstr(buf,
		"\"dns\":{\"id\":48879,\"qr\":true,\"opcode\":0,\"rcode\":0,"
		"\"qd\":[{\"name\":\"www.example.com\",\"type\":1}],\"an\":[{\"name\":"
		"\"www.example.com\",\"type\":5,\"ttl\":3600,\"data\":\"abc.example.com\"},"));
	format(f, n, FT_DLT_RAW, &d, buf, 0);
	assert_string_equal(buf, "22:13:20.000000 IP 10.0.0.1.53 > 10.0.0.2.40000: 48879 4/0/0 "
				 "CNAME abc.example.com., A 93.184.216.34, MX 10 example.com, "
				 "TXT hi ok (101)");
	/* cut anywhere in the message: never crashes, truncated once the header is there */
	for (size_t cut = 28 + 12; cut < n; cut++) {
		uint8_t *c = malloc(cut);

		memcpy(c, f, cut);
		ft_decode(FT_DLT_RAW, c, (uint32_t)cut, (uint32_t)n, &d);
		assert_int_equal(ft_decode_dns(&d, &dns), FT_DEC_TRUNCATED);
		free(c);
	}
	/* a compression loop: pointer to itself */
	f[28 + 12] = 0xc0;
	f[28 + 13] = 12;
	ft_decode(FT_DLT_RAW, f, (uint32_t)n, (uint32_t)n, &d);
	assert_int_equal(ft_decode_dns(&d, &dns), FT_DEC_MALFORMED);
	format(f, n, FT_DLT_RAW, &d, buf, 1);
	assert_non_null(strstr(buf, "\"error\":{\"layer\":\"dns\",\"reason\":\"malformed\"}}"));
}

static void
test_vxlan(void **state)
{
	uint8_t f[256];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	size_t n;

	(void)state;
	n = hex2bin(f,
		ETH_HDR("0800") IP4_HDR("005a",
			"11") "c000 12b5 0046 0000 "
			      "08000000 00002a00 " ETH_HDR(
				      "0800") "4500 0028 0001 0000 4006 0000 c0a80001 c0a80002 "
					      "0050 1f90 00000001 00000000 5002 0200 0000 0000");
	assert_int_equal(decode_copy(FT_DLT_EN10MB, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_TUNNEL);
	assert_true(d.layers & FT_LAYER_VXLAN);
	assert_true(d.layers & FT_LAYER_INNER_ETH);
	assert_true(d.layers & FT_LAYER_TCP);
	assert_false(d.layers & FT_LAYER_UDP);
	assert_int_equal(d.tunnel.vni, 42);
	assert_int_equal(d.tunnel.dport, 4789);
	assert_int_equal(d.outer_ip.src[3], 1);
	assert_int_equal(d.ip.src[0], 192);
	assert_int_equal(d.tcp.dport, 8080);
	format(f, n, FT_DLT_EN10MB, &d, buf, 0);
	assert_string_equal(buf,
		"22:13:20.000000 IP 10.0.0.1.49152 > 10.0.0.2.4789: VXLAN, flags "
		"[I] (0x08), vni 42: 00:11:22:33:44:55 > 66:77:88:99:aa:bb, ethertype 0x0800: "
		"IP 192.168.0.1.80 > 192.168.0.2.8080: Flags [S], seq 1, win 512, length 0");
	format(f, n, FT_DLT_EN10MB, &d, buf, 1);
	assert_non_null(strstr(buf, "\"tunnel\":{\"type\":\"vxlan\",\"depth\":1,\"ip\":{\"v\":4,"
				    "\"src\":\"10.0.0.1\""));
	walk_truncation(FT_DLT_EN10MB, f, n);
}

static void
test_gre_erspan(void **state)
{
	uint8_t f[256];
	struct ft_decoded d;
	size_t n;

	(void)state;
	/* GRE with key -> IPv4 -> UDP */
	n = hex2bin(f, IP4_HDR("0038", "2f") "2000 0800 0000007b "
					     "4500 001c 0001 0000 4011 0000 c0a80001 c0a80002 0007 "
					     "0008 0008 0000");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_GRE);
	assert_true(d.layers & FT_LAYER_UDP);
	assert_int_equal(d.tunnel.gre_key, 123);
	assert_int_equal(d.outer_ip.proto, 47);
	assert_int_equal(d.ip.proto, 17);
	walk_truncation(FT_DLT_RAW, f, n);
	/* GRE (seq) -> ERSPAN II -> Ethernet -> IPv4 */
	n = hex2bin(f,
		IP4_HDR("0046",
			"2f") "1000 88be 00000005 "
			      "10640005 00000000 " ETH_HDR(
				      "0800") "4500 0014 0001 0000 40fe 0000 c0a80001 c0a80002");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_ERSPAN);
	assert_true(d.layers & FT_LAYER_INNER_ETH);
	assert_true(d.layers & FT_LAYER_IP4);
	assert_int_equal(d.tunnel.erspan_id, 5);
	assert_int_equal(d.tunnel.erspan_ver, 1);
	walk_truncation(FT_DLT_RAW, f, n);
	/* IPv6 in IPv4 */
	n = hex2bin(f,
		IP4_HDR("003c",
			"29") "6000 0000 0000 3b40 "
			      "20010db8000000000000000000000001 20010db8000000000000000000000002");
	assert_int_equal(decode_copy(FT_DLT_RAW, f, n, &d), FT_DEC_OK);
	assert_int_equal(d.tunnel.type, FT_TUN_IPIP);
	assert_int_equal(d.ip.v, 6);
	assert_int_equal(d.outer_ip.v, 4);
}

static void
test_radiotap_wifi(void **state)
{
	uint8_t f[256];
	char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	size_t n;

	(void)state;
	/*
	 * radiotap: present = TSFT|flags|rate|channel|signal + ext, second word
	 * (radiotap ns, antenna); flags has FCS; then a beacon with SSID, rates, DS.
	 */
	n = hex2bin(f, "00 00 2000 2f0000a0 00080000 00000000 "
		       "0102030405060708 10 02 6c09 a000 d3 01 "
		       "8000 0000 ffffffffffff 001122334455 001122334455 1000 "
		       "0000000000000000 6400 0104 "
		       "0004 74657374 0104 82848b96 030106 deadbeef");
	assert_int_equal(decode_copy(FT_DLT_IEEE802_11_RADIO, f, n, &d), FT_DEC_OK);
	assert_true(d.layers & FT_LAYER_RADIOTAP);
	assert_true(d.layers & FT_LAYER_WIFI);
	assert_int_equal(d.radiotap.len, 32);
	assert_int_equal(d.radiotap.n_present, 2);
	assert_int_equal(d.radiotap.freq, 2412);
	assert_int_equal(d.radiotap.rate, 2);
	assert_int_equal(d.radiotap.signal, -45);
	assert_int_equal(d.radiotap.antenna, 1);
	assert_int_equal(d.radiotap.tsft, 0x0807060504030201ull);
	assert_int_equal(d.wifi.type, FT_WIFI_MGMT);
	assert_int_equal(d.wifi.subtype, 8);
	assert_int_equal(d.wifi.ssid_len, 4);
	assert_memory_equal(d.wifi.ssid, "test", 4);
	assert_int_equal(d.wifi.n_rates, 4);
	assert_int_equal(d.wifi.channel, 6);
	format(f, n, FT_DLT_IEEE802_11_RADIO, &d, buf, 0);
	assert_string_equal(buf, "22:13:20.000000 1.0 Mb/s 2412 MHz -45dBm signal antenna 1 "
				 "Beacon (test) [1.0* 2.0* 5.5* 11.0* Mbit] CH: 6");
	format(f, n, FT_DLT_IEEE802_11_RADIO, &d, buf, 1);
	assert_non_null(strstr(buf, "\"ssid\":\"test\",\"rates\":[1,2,5.5,11],\"channel\":6"));
	/* radiotap, MAC header and fixed fields; elements are body (cut at a boundary: OK) */
	walk_truncation(FT_DLT_IEEE802_11_RADIO, f, 32 + 24 + 12);

	/* 802.11 QoS data (no radiotap) -> LLC/SNAP -> IPv4 -> UDP */
	n = hex2bin(f, "8801 3000 001122334455 66778899aabb 001122334466 1000 0000 "
		       "aaaa03 000000 0800 " IP4_HDR("001c", "11") "0007 0008 0008 0000");
	assert_int_equal(decode_copy(FT_DLT_IEEE802_11, f, n, &d), FT_DEC_OK);
	assert_true(d.wifi.qos);
	assert_true(d.layers & FT_LAYER_LLC);
	assert_true(d.layers & FT_LAYER_UDP);
	/* an empty body (cut right after the MAC header) is payload cut: OK */
	walk_truncation(FT_DLT_IEEE802_11, f, 26);
	walk_range(FT_DLT_IEEE802_11, f, 27, n);
	f[1] |= 0x40; /* protected: body not decoded */
	assert_int_equal(decode_copy(FT_DLT_IEEE802_11, f, n, &d), FT_DEC_OK);
	assert_false(d.layers & FT_LAYER_IP4);
}

static void
test_jw_escape_and_ip6(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} a6[] = {
		{"00000000000000000000000000000000", "::"},
		{"00000000000000000000000000000001", "::1"},
		{"20010db8000000000001000000000001", "2001:db8::1:0:0:1"},
		{"20010db8000100000000000000000000", "2001:db8:1::"},
		{"20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"},
		{"00000000000000000000ffffc0000201", "::ffff:192.0.2.1"},
		{"fe800000000000000211223344556677", "fe80::211:2233:4455:6677"},
	};
	char buf[64], out[64];
	uint8_t a[16];
	struct ft_jw w;

	(void)state;
	for (size_t i = 0; i < sizeof a6 / sizeof a6[0]; i++) {
		hex2bin(a, a6[i].in);
		out[ft__fmt_ip6(out, a)] = '\0';
		assert_string_equal(out, a6[i].out);
	}
	ft__jw_init(&w, buf, sizeof buf);
	ft__jw_str(&w, "a\"b\\c\n\x01\xff\xc3\xa9", 10);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\\u00ff\xc3\xa9\"");
	/* a token that does not fit is not written, and nothing after it */
	ft__jw_init(&w, buf, 9);
	ft__jw_raw(&w, "{", 1);
	ft__jw_kv_u64(&w, "abc", 1);
	assert_string_equal(buf, "{\"abc\":1");
	ft__jw_kv_u64(&w, "x", 2);
	assert_string_equal(buf, "{\"abc\":1");
	assert_true(ft__jw_full(&w));
	ft__jw_ch(&w, '}');
	assert_string_equal(buf, "{\"abc\":1");
}

/* Decimal numbers: every length (0, 10^k - 1, 10^k, 10^k + 1, the largest),
 * random values, as snprintf writes them; and ft__jw_u64 formatting in place
 * (room for any number) and through its bounded path (less room). */
static void
test_fmt_numbers(void **state)
{
	char a[32], b[32], buf[8];
	struct ft_jw w;
	uint64_t p = 1;

	(void)state;
	for (int k = 0; k < 20; k++, p *= 10)
		for (int d = -1; d <= 1; d++) {
			uint64_t v = p + (uint64_t)(int64_t)d;

			a[ft__fmt_u64(a, v)] = '\0';
			snprintf(b, sizeof b, "%llu", (unsigned long long)v);
			assert_string_equal(a, b);
		}
	a[ft__fmt_u64(a, UINT64_MAX)] = '\0';
	assert_string_equal(a, "18446744073709551615");
	srand(5);
	for (int i = 0; i < 100000; i++) {
		uint64_t v = ((uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand()) >>
			     (rand() % 64);

		a[ft__fmt_u64(a, v)] = '\0';
		snprintf(b, sizeof b, "%llu", (unsigned long long)v);
		assert_string_equal(a, b);
	}
	ft__jw_init(&w, a, sizeof a); /* in place */
	ft__jw_u64(&w, 12345678901234567890u);
	assert_string_equal(a, "12345678901234567890");
	ft__jw_init(&w, buf, sizeof buf); /* bounded: 7 bytes of room */
	assert_true(ft__jw_u64(&w, 1234567));
	assert_string_equal(buf, "1234567");
	ft__jw_init(&w, buf, sizeof buf);
	assert_false(ft__jw_u64(&w, 12345678));
	assert_string_equal(buf, "");
	assert_true(ft__jw_full(&w));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_icmp_echo_and_error),
		cmocka_unit_test(test_icmp6_nd),
		cmocka_unit_test(test_igmp),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_gre_erspan),
		cmocka_unit_test(test_radiotap_wifi),
		cmocka_unit_test(test_jw_escape_and_ip6),
		cmocka_unit_test(test_fmt_numbers),
	};

	return cmocka_run_group_tests_name("decode_proto", tests, NULL, NULL);
}
