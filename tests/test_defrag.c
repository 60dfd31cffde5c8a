/*
 * test_defrag.c - IP reassembly (defrag/): IPv4 and IPv6 datagrams in order,
 * reversed and interleaved come back byte for byte; every hostile case of
 * defrag.h's policy list ends in its verdict and its counter; the limits and
 * the packet-time timeout hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "defrag/defrag.h"

#define SEC 1000000000ull

static const uint8_t SRC4[4] = {10, 200, 0, 1}, DST4[4] = {10, 200, 0, 2};
static const uint8_t SRC6[16] = {0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t DST6[16] = {0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* The datagram payload under test: deterministic bytes (a UDP header first). */
static uint8_t payload[65536];

static void
fill_payload(uint32_t n, uint8_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 31 + seed);
	payload[4] = (uint8_t)(n >> 8); /* UDP length */
	payload[5] = (uint8_t)n;
}

/* An IPv4 fragment of payload [off, off + n) into b; returns its length. */
static uint32_t
frag4(uint8_t *b, uint16_t id, uint8_t proto, uint32_t off, int mf, const uint8_t *data, uint32_t n)
{
	uint16_t fo = (uint16_t)((mf ? 0x2000 : 0) | (off / 8));

	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[4] = (uint8_t)(id >> 8);
	b[5] = (uint8_t)id;
	b[6] = (uint8_t)(fo >> 8);
	b[7] = (uint8_t)fo;
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, SRC4, 4);
	memcpy(b + 16, DST4, 4);
	memcpy(b + 20, data, n);
	return 20 + n;
}

/* An IPv6 fragment, with a destination options header before the fragment header when dopt. */
static uint32_t
frag6(uint8_t *b, uint32_t id, uint8_t nh, uint32_t off, int mf, int dopt, const uint8_t *data,
	uint32_t n)
{
	uint32_t o = 40, plen;

	memset(b, 0, 40);
	b[0] = 0x60;
	b[6] = dopt ? 60 : 44;
	b[7] = 64;
	memcpy(b + 8, SRC6, 16);
	memcpy(b + 24, DST6, 16);
	if (dopt) {
		memset(b + o, 0, 8);
		b[o] = 44;
		b[o + 2] = 1; /* PadN */
		b[o + 3] = 4;
		o += 8;
	}
	b[o] = nh;
	b[o + 1] = 0;
	b[o + 2] = (uint8_t)(off >> 8);
	b[o + 3] = (uint8_t)((off & 0xf8) | (mf ? 1 : 0));
	b[o + 4] = (uint8_t)(id >> 24);
	b[o + 5] = (uint8_t)(id >> 16);
	b[o + 6] = (uint8_t)(id >> 8);
	b[o + 7] = (uint8_t)id;
	memcpy(b + o + 8, data, n);
	plen = o + 8 + n - 40;
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	return o + 8 + n;
}

static struct ft_defrag *
mk(uint32_t slots, uint32_t frags, uint64_t bytes, uint64_t timeout_ns)
{
	struct ft_defrag_limits l = {slots, frags, bytes, timeout_ns};
	char err[256];
	struct ft_defrag *d = ft__defrag_new(&l, err, sizeof(err));

	assert_non_null(d);
	return d;
}

static struct ft_defrag_counters
ctr(const struct ft_defrag *d)
{
	struct ft_defrag_counters c;

	ft__defrag_counters(d, &c);
	return c;
}

/* The link scope v4(), v6() and feed() give their fragments (VLAN ids). */
static uint32_t g_scope;

/* The last complete datagram (ft__defrag_ip's out parameters). */
static uint8_t *o;
static uint32_t olen;

static enum ft_defrag_verdict
v4(struct ft_defrag *d, uint64_t ts, uint16_t id, uint8_t proto, uint32_t off, int mf,
	const uint8_t *data, uint32_t n)
{
	static uint8_t b[65536 + 64];

	return ft__defrag_ip(d, b, frag4(b, id, proto, off, mf, data, n), g_scope, ts, &o, &olen);
}

/* v4() with the frame cut short by cut bytes (a snap length). */
static enum ft_defrag_verdict
v4cut(struct ft_defrag *d, uint64_t ts, uint32_t cut, uint16_t id, uint8_t proto, uint32_t off,
	int mf, const uint8_t *data, uint32_t n)
{
	static uint8_t b[65536 + 64];

	return ft__defrag_ip(
		d, b, frag4(b, id, proto, off, mf, data, n) - cut, g_scope, ts, &o, &olen);
}

static enum ft_defrag_verdict
v6(struct ft_defrag *d, uint64_t ts, uint32_t id, uint8_t nh, uint32_t off, int mf, int dopt,
	const uint8_t *data, uint32_t n)
{
	static uint8_t b[65536 + 64];

	return ft__defrag_ip(
		d, b, frag6(b, id, nh, off, mf, dopt, data, n), g_scope, ts, &o, &olen);
}

static enum ft_defrag_verdict
feed(struct ft_defrag *d, const uint8_t *ip, uint32_t len, uint64_t ts)
{
	return ft__defrag_ip(d, ip, len, g_scope, ts, &o, &olen);
}

static uint16_t
csum(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A whole IPv4 datagram of n payload bytes came out: header fixed, bytes equal. */
static void
check4(uint32_t n, uint8_t proto)
{
	assert_int_equal(olen, 20 + n);
	assert_int_equal(o[0], 0x45);
	assert_int_equal(o[2] << 8 | o[3], 20 + n);
	assert_int_equal((o[6] << 8 | o[7]) & 0x3fff, 0); /* no MF, no offset */
	assert_int_equal(o[9], proto);
	assert_int_equal(csum(o, 20), 0);
	assert_memory_equal(o + 20, payload, n);
}

static void
check6(uint32_t n, int dopt)
{
	uint32_t h = dopt ? 48 : 40;

	assert_int_equal(olen, h + n);
	assert_int_equal(o[4] << 8 | o[5], h - 40 + n);
	if (dopt) {
		assert_int_equal(o[6], 60);
		assert_int_equal(o[40], 17); /* the fragment header is gone */
	} else {
		assert_int_equal(o[6], 17);
	}
	assert_memory_equal(o + h, payload, n);
}

/* Fragments of n bytes each (the last shorter), in the order given by idx. */
static void
run4(struct ft_defrag *d, uint16_t id, uint32_t n, uint32_t step, const unsigned *order,
	unsigned nf)
{
	uint8_t b[2048];

	for (unsigned k = 0; k < nf; k++) {
		uint32_t off = order[k] * step, m = off + step < n ? step : n - off;
		enum ft_defrag_verdict v =
			feed(d, b, frag4(b, id, 17, off, off + m < n, payload + off, m), k);

		assert_int_equal(v, k + 1 < nf ? FT_DEFRAG_HELD : FT_DEFRAG_DONE);
	}
	check4(n, 17);
}

static void
test_v4_in_order_and_reversed(void **state)
{
	static const unsigned fwd[] = {0, 1, 2, 3, 4}, rev[] = {4, 3, 2, 1, 0},
			      mix[] = {2, 0, 4, 1, 3};
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(5000, 1);
	run4(d, 1, 5000, 1200, fwd, 5);
	run4(d, 2, 5000, 1200, rev, 5);
	run4(d, 3, 5000, 1200, mix, 5);
	assert_int_equal(ctr(d).seen, 15);
	assert_int_equal(ctr(d).reassembled, 3);
	assert_int_equal(ft__defrag_active(d), 0);
	ft__defrag_free(d);
}

static void
test_not_fragments(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);
	uint8_t b[256];
	uint32_t n;

	(void)state;
	fill_payload(64, 2);
	n = frag4(b, 9, 17, 0, 0, payload, 64);
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_NONE);
	n = frag6(b, 9, 17, 0, 0, 0, payload, 64); /* an atomic fragment (RFC 6946) */
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_NONE);
	b[6] = 17; /* plain UDP over IPv6 */
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_NONE);
	assert_int_equal(feed(d, b, 10, 0), FT_DEFRAG_NONE);
	assert_int_equal(ctr(d).seen, 0);
	ft__defrag_free(d);
}

/* Two datagrams interleaved, v4 and v6, and one datagram per protocol under one id. */
static void
test_interleaved_and_protocols(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(2400, 3);
	assert_int_equal(v4(d, 0, 7, 17, 0, 1, payload, 1200), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 7, 17, 1200, 0, 1, payload + 1200, 1200), FT_DEFRAG_HELD);
	/* Same id, other protocol: another datagram (RFC 791 keys on the protocol). */
	assert_int_equal(v4(d, 0, 7, 1, 1200, 0, payload + 1200, 1200), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 0, 7, 17, 1200, 0, payload + 1200, 1200), FT_DEFRAG_DONE);
	check4(2400, 17);
	assert_int_equal(v6(d, 0, 7, 17, 0, 1, 1, payload, 1200), FT_DEFRAG_DONE);
	check6(2400, 1);
	assert_int_equal(v4(d, 0, 7, 1, 0, 1, payload, 1200), FT_DEFRAG_DONE);
	check4(2400, 1);
	assert_int_equal(ctr(d).reassembled, 3);
	ft__defrag_free(d);
}

/* The same addresses, protocol and id on two VLANs are two datagrams, v4 and v6. */
static void
test_vlan_scope(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(2400, 4);
	g_scope = 10;
	assert_int_equal(v4(d, 0, 7, 17, 0, 1, payload, 1200), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 7, 17, 0, 1, 0, payload, 1200), FT_DEFRAG_HELD);
	g_scope = 20;
	assert_int_equal(v4(d, 0, 7, 17, 1200, 0, payload + 1200, 1200), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 7, 17, 1200, 0, 0, payload + 1200, 1200), FT_DEFRAG_HELD);
	assert_int_equal(ft__defrag_active(d), 4);
	g_scope = 10;
	assert_int_equal(v4(d, 0, 7, 17, 1200, 0, payload + 1200, 1200), FT_DEFRAG_DONE);
	check4(2400, 17);
	assert_int_equal(v6(d, 0, 7, 17, 1200, 0, 0, payload + 1200, 1200), FT_DEFRAG_DONE);
	g_scope = 0;
	assert_int_equal(ctr(d).reassembled, 2);
	assert_int_equal(ft__defrag_active(d), 2);
	ft__defrag_free(d);
}

static void
test_v6_reverse_plain(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(3000, 4);
	assert_int_equal(v6(d, 0, 99, 17, 2400, 0, 0, payload + 2400, 600), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 99, 17, 1200, 1, 0, payload + 1200, 1200), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 99, 17, 0, 1, 0, payload, 1200), FT_DEFRAG_DONE);
	check6(3000, 0);
	ft__defrag_free(d);
}

/* RFC 5722: any overlap abandons an IPv6 datagram; later fragments are refused. */
static void
test_v6_overlap_discards(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 10 * SEC);

	(void)state;
	fill_payload(2400, 5);
	assert_int_equal(v6(d, 0, 5, 17, 0, 1, 0, payload, 1200), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 5, 17, 1192, 0, 0, payload + 1192, 1208), FT_DEFRAG_DROP);
	assert_int_equal(ctr(d).overlap, 1);
	assert_int_equal(ctr(d).dropped, 1);
	/* The right fragment arrives now: the datagram is gone for good. */
	assert_int_equal(v6(d, 1, 5, 17, 1200, 0, 0, payload + 1200, 1200), FT_DEFRAG_DROP);
	assert_int_equal(ctr(d).reassembled, 0);
	ft__defrag_expire(d, 11 * SEC);
	assert_int_equal(ft__defrag_active(d), 0);
	assert_int_equal(ctr(d).timeout, 0); /* already counted as dropped */
	ft__defrag_free(d);
}

/* IPv4: first wins. The overlapped bytes keep the first fragment's value. */
static void
test_v4_overlap_first_wins(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);
	uint8_t x[64];

	(void)state;
	fill_payload(48, 6);
	assert_int_equal(v4(d, 0, 1, 17, 0, 1, payload, 24), FT_DEFRAG_HELD);
	memset(x, 0xee, sizeof(x)); /* a later, different copy of bytes 16..40 */
	assert_int_equal(v4(d, 0, 1, 17, 16, 1, x, 24), FT_DEFRAG_HELD);
	assert_int_equal(ctr(d).overlap, 1);
	assert_int_equal(v4(d, 0, 1, 17, 40, 0, payload + 40, 8), FT_DEFRAG_DONE);
	assert_int_equal(olen, 68);
	assert_memory_equal(o + 20, payload, 24);    /* the first fragment's bytes */
	assert_memory_equal(o + 20 + 24, x + 8, 16); /* new bytes of the second */
	assert_memory_equal(o + 60, payload + 40, 8);
	/* First in time, not lowest offset: bytes 16..24 stay the 0xee of the
	 * fragment that came first (tshark would take the lower offset's). */
	assert_int_equal(v4(d, 1, 2, 17, 16, 1, x, 16), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 1, 2, 17, 0, 1, payload, 24), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 1, 2, 17, 32, 0, payload + 32, 8), FT_DEFRAG_DONE);
	assert_memory_equal(o + 20, payload, 16);
	assert_memory_equal(o + 36, x, 16);
	assert_memory_equal(o + 52, payload + 32, 8);
	assert_int_equal(ctr(d).overlap, 2);
	ft__defrag_free(d);
}

/* Exact duplicates are ignored, v4 and v6; the datagram still completes. */
static void
test_duplicates(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);
	uint8_t b[2048];
	uint32_t n;

	(void)state;
	fill_payload(1600, 7);
	n = frag4(b, 3, 17, 0, 1, payload, 800);
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_HELD);
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 0, 3, 17, 800, 0, payload + 800, 800), FT_DEFRAG_DONE);
	check4(1600, 17);
	n = frag6(b, 3, 17, 800, 0, 0, payload + 800, 800);
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_HELD);
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_HELD);
	assert_int_equal(v6(d, 0, 3, 17, 0, 1, 0, payload, 800), FT_DEFRAG_DONE);
	check6(1600, 0);
	assert_int_equal(ctr(d).duplicate, 2);
	assert_int_equal(ctr(d).overlap, 0);
	ft__defrag_free(d);
}

/* A first fragment too short for its L4 header, and the RFC 1858 TCP offset. */
static void
test_tiny_first_fragment(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(64, 8);
	assert_int_equal(v4(d, 0, 4, 6, 0, 1, payload, 8), FT_DEFRAG_DROP); /* TCP: 8 < 20 bytes */
	assert_int_equal(v4(d, 0, 4, 6, 8, 0, payload + 8, 56),
		FT_DEFRAG_DROP); /* its datagram is dead, and offset 8 is RFC 1858's attack */
	assert_int_equal(
		v4(d, 0, 5, 6, 8, 0, payload + 8, 56), FT_DEFRAG_DROP); /* offset 8 on a fresh id */
	assert_int_equal(v6(d, 0, 4, 17, 0, 1, 0, payload, 0),
		FT_DEFRAG_DROP); /* UDP: nothing after the fragment header */
	assert_int_equal(ctr(d).invalid, 3);
	assert_int_equal(ctr(d).dropped, 3);
	assert_int_equal(ctr(d).reassembled, 0);
	ft__defrag_free(d);
}

/* Teardrop: a later fragment inside an earlier one that claims to be the last
 * (the datagram would shrink), and one past the end a last fragment set. */
static void
test_teardrop(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(64, 9);
	assert_int_equal(v4(d, 0, 6, 17, 0, 1, payload, 32), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 0, 6, 17, 8, 0, payload + 8, 4), FT_DEFRAG_DROP);
	assert_int_equal(v4(d, 0, 7, 17, 32, 0, payload + 32, 8), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 0, 7, 17, 40, 1, payload + 40, 8), FT_DEFRAG_DROP);
	assert_int_equal(ctr(d).invalid, 2);
	assert_int_equal(ctr(d).dropped, 2);
	/* An overlap that shrinks (inside held bytes, not last) is just an overlap. */
	assert_int_equal(v4(d, 0, 8, 17, 0, 1, payload, 32), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 0, 8, 17, 8, 1, payload + 1, 8), FT_DEFRAG_HELD);
	assert_int_equal(ctr(d).overlap, 1);
	assert_int_equal(v4(d, 0, 8, 17, 32, 0, payload + 32, 8), FT_DEFRAG_DONE);
	assert_memory_equal(o + 20, payload, 40);
	ft__defrag_free(d);
}

/* offset + length past 65535, v4 and v6; a non-last fragment not a multiple of 8. */
static void
test_huge_offset_and_odd_length(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);

	(void)state;
	fill_payload(64, 10);
	assert_int_equal(v4(d, 0, 9, 17, 65528, 0, payload, 16), FT_DEFRAG_DROP);
	assert_int_equal(v6(d, 0, 9, 17, 65528, 0, 0, payload, 16), FT_DEFRAG_DROP);
	assert_int_equal(v4(d, 0, 10, 17, 0, 1, payload, 20), FT_DEFRAG_DROP);
	assert_int_equal(ctr(d).invalid, 3);
	/* A fragment cut short by the snap length cannot be held. */
	assert_int_equal(v4cut(d, 0, 4, 11, 17, 0, 1, payload, 32), FT_DEFRAG_DROP);
	assert_int_equal(ctr(d).invalid, 4);
	assert_int_equal(ctr(d).seen, 4);
	ft__defrag_free(d);
}

/* An unending stream of first fragments: the slots stay bounded, the oldest go. */
static void
test_first_fragment_flood(void **state)
{
	struct ft_defrag *d = mk(8, 0, 0, 0);

	(void)state;
	fill_payload(64, 11);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(v4(d, i, (uint16_t)i, 17, 0, 1, payload, 16), FT_DEFRAG_HELD);
		assert_true(ft__defrag_active(d) <= 8);
	}
	assert_int_equal(ctr(d).dropped, 92);
	/* The newest are still there and complete. */
	assert_int_equal(v4(d, 100, 99, 17, 16, 0, payload + 16, 8), FT_DEFRAG_DONE);
	/* The oldest were evicted: its last fragment starts a new datagram. */
	assert_int_equal(v4(d, 100, 0, 17, 16, 0, payload + 16, 8), FT_DEFRAG_HELD);
	ft__defrag_free(d);
}

/* Per-datagram fragment limit, and the byte pool: evicting others first, then giving up. */
static void
test_limits(void **state)
{
	struct ft_defrag *d = mk(0, 4, 0, 0);

	(void)state;
	fill_payload(4000, 12);
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(v4(d, 0, 1, 17, k * 8, 1, payload + k * 8, 8), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 0, 1, 17, 32, 0, payload + 32, 8), FT_DEFRAG_DROP);
	assert_int_equal(ctr(d).dropped, 1);
	ft__defrag_free(d);

	d = mk(0, 0, 4 * FT_DEFRAG_BLOCK, 0); /* 2048 bytes held at most */
	assert_int_equal(v4(d, 0, 2, 17, 0, 1, payload, 1024), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 1, 3, 17, 0, 1, payload, 1024), FT_DEFRAG_HELD);
	/* Room for id 4 evicts the oldest (id 2). */
	assert_int_equal(v4(d, 2, 4, 17, 0, 1, payload, 1024), FT_DEFRAG_HELD);
	assert_int_equal(ctr(d).dropped, 1);
	assert_int_equal(ft__defrag_active(d), 2);
	/* A datagram bigger than the whole pool cannot be held. */
	assert_int_equal(v4(d, 3, 5, 17, 0, 1, payload, 2048), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 3, 5, 17, 2048, 0, payload + 2048, 1000), FT_DEFRAG_DROP);
	assert_int_equal(ft__defrag_active(d), 1); /* the dead key waits for its timeout */
	ft__defrag_free(d);
}

/* The timeout runs in packet time from the first fragment; end of capture gives up the rest. */
static void
test_timeout(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0); /* default: 30 s */

	(void)state;
	fill_payload(64, 13);
	assert_int_equal(v4(d, 100 * SEC, 1, 17, 0, 1, payload, 16), FT_DEFRAG_HELD);
	assert_int_equal(v4(d, 120 * SEC, 2, 17, 0, 1, payload, 16), FT_DEFRAG_HELD);
	/* 30 s after id 1's first fragment: its last fragment is too late. */
	assert_int_equal(v4(d, 130 * SEC, 1, 17, 16, 0, payload + 16, 8), FT_DEFRAG_HELD);
	assert_int_equal(ctr(d).timeout, 1);
	assert_int_equal(v4(d, 149 * SEC, 2, 17, 16, 0, payload + 16, 8), FT_DEFRAG_DONE);
	ft__defrag_expire(d, UINT64_MAX);
	assert_int_equal(ctr(d).timeout, 2);
	assert_int_equal(ft__defrag_active(d), 0);
	ft__defrag_free(d);
}

/* A truncated IPv6 header chain and odd headers never read past the frame. */
static void
test_v6_bad_chains(void **state)
{
	struct ft_defrag *d = mk(0, 0, 0, 0);
	uint8_t b[256];
	uint32_t n;

	(void)state;
	fill_payload(64, 14);
	n = frag6(b, 1, 17, 0, 1, 1, payload, 16);
	for (uint32_t cut = 0; cut < n; cut++)
		(void)feed(d, b, cut, 0);
	b[41] = 200; /* the options header claims 1608 bytes */
	assert_int_equal(feed(d, b, n, 0), FT_DEFRAG_NONE);
	assert_int_equal(ctr(d).reassembled, 0);
	ft__defrag_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_in_order_and_reversed),
		cmocka_unit_test(test_not_fragments),
		cmocka_unit_test(test_interleaved_and_protocols),
		cmocka_unit_test(test_vlan_scope),
		cmocka_unit_test(test_v6_reverse_plain),
		cmocka_unit_test(test_v6_overlap_discards),
		cmocka_unit_test(test_v4_overlap_first_wins),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_tiny_first_fragment),
		cmocka_unit_test(test_teardrop),
		cmocka_unit_test(test_huge_offset_and_odd_length),
		cmocka_unit_test(test_first_fragment_flood),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_v6_bad_chains),
	};

	return cmocka_run_group_tests_name("defrag", tests, NULL, NULL);
}
