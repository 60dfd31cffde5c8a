/*
 * test_shard.c - the symmetric flow hash: both directions of a flow, of every
 * shape the fast path knows, land on the same worker; different flows spread.
 * Encapsulated frames (PPPoE, PPP, Cisco HDLC, MPLS, Geneve, GTP-U, IP in IP)
 * hash by their inner flow: as the bare inner packet does, whatever their
 * outer headers say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <string.h>

#include "tests/ft_encap.h"
#include "tests/ft_testpcap.h"
#include "decode/flowkey.h"
#include "workers/shard.h"

/* The hash the capture thread shards a frame by. */
static uint32_t
frame_hash(int dlt, const uint8_t *pkt, uint32_t caplen)
{
	struct ft_flow_key k;
	uint32_t ipoff;

	return ft__flow_key_of_frame(dlt, pkt, caplen, &k, &ipoff);
}

static void
test_symmetric_all_shapes(void **state)
{
	uint8_t a[2048], b[2048];
	struct tp_flow fl;
	uint32_t la, lb;

	(void)state;
	for (unsigned i = 0; i < 5000; i++) {
		tp_flow_n(&fl, i);
		la = tp_build(a, sizeof(a), &fl, 0, i, 0x02, i % 100);
		lb = tp_build(b, sizeof(b), &fl, 1, i * 7, 0x12, i % 37);
		assert_true(la > 0 && lb > 0);
		assert_int_equal(frame_hash(DLT_EN10MB, a, la), frame_hash(DLT_EN10MB, b, lb));
	}
}

static void
test_ports_and_vlan_matter(void **state)
{
	uint8_t a[256], b[256];
	struct tp_flow fl;
	uint32_t la, lb;

	(void)state;
	tp_flow_n(&fl, 1);
	la = tp_build(a, sizeof(a), &fl, 0, 0, 0x02, 0);
	fl.sport++;
	lb = tp_build(b, sizeof(b), &fl, 0, 0, 0x02, 0);
	assert_int_not_equal(frame_hash(DLT_EN10MB, a, la), frame_hash(DLT_EN10MB, b, lb));
	fl.sport--;
	fl.vlan = 7;
	lb = tp_build(b, sizeof(b), &fl, 0, 0, 0x02, 0);
	assert_int_not_equal(frame_hash(DLT_EN10MB, a, la), frame_hash(DLT_EN10MB, b, lb));
}

static void
test_fragments_follow_address_pair(void **state)
{
	uint8_t a[256], b[256];
	struct tp_flow fl;
	uint32_t la, lb;

	(void)state;
	tp_flow_n(&fl, 2); /* IPv4 TCP */
	la = tp_build(a, sizeof(a), &fl, 0, 0, 0x10, 100);
	lb = tp_build(b, sizeof(b), &fl, 1, 0, 0x10, 100);
	a[14 + 6] = 0x20; /* first fragment: MF */
	b[14 + 6] = 0x00;
	b[14 + 7] = 0x10; /* a later fragment, the other way */
	assert_int_equal(frame_hash(DLT_EN10MB, a, la), frame_hash(DLT_EN10MB, b, lb));
}

static void
test_truncated_frames_do_not_crash(void **state)
{
	uint8_t a[2048];
	struct tp_flow fl;
	uint32_t la;

	(void)state;
	for (unsigned i = 0; i < 50; i++) {
		tp_flow_n(&fl, i);
		la = tp_build(a, sizeof(a), &fl, 0, i, 0x02, 10);
		for (uint32_t cut = 0; cut <= la; cut++) {
			/* An exact-size copy: ASan flags any read past the cut. */
			uint8_t *copy = malloc(cut ? cut : 1);

			memcpy(copy, a, cut);
			(void)frame_hash(DLT_EN10MB, copy, cut);
			(void)frame_hash(DLT_RAW, copy, cut);
			(void)frame_hash(DLT_LINUX_SLL, copy, cut);
			(void)frame_hash(DLT_NULL, copy, cut);
			free(copy);
		}
	}
}

static void
test_encap_hash_inner_flow(void **state)
{
	struct fe a, b;
	uint32_t ha, hb, inner;

	(void)state;
	for (int k = 0; k < FE_N; k++) {
		fe_build(&a, (enum fe_kind)k, 0);
		fe_build(&b, (enum fe_kind)k, 1);
		ha = frame_hash(a.dlt, a.b, a.n);
		hb = frame_hash(b.dlt, b.b, b.n);
		inner = frame_hash(DLT_RAW, a.b + a.inner, a.n - a.inner);
		if (ha != hb || ha != inner)
			fail_msg("encapsulation %d: hashes %08x / %08x, inner flow %08x", k, ha, hb,
				inner);
		for (uint32_t cut = 0; cut < a.n; cut++)
			(void)frame_hash(a.dlt, a.b, cut); /* no crash on any cut */
	}
	/* the later fragments of one IP-in-IP datagram meet: hashed by the outer pair
	 * (the first one is decoded into its tunnel, as ft_decode() does) */
	for (int k = FE_IP4IN4; k <= FE_IP6IN4; k++) {
		fe_build(&a, (enum fe_kind)k, 0);
		fe_build(&b, (enum fe_kind)k, 0);
		a.b[14 + 7] = 0x20; /* a later fragment */
		b.b[14 + 7] = 0x10; /* another one */
		assert_int_equal(
			frame_hash(a.dlt, a.b, 14 + 20 + 8), frame_hash(b.dlt, b.b, 14 + 20 + 8));
	}
}

/* The key the capture thread computes is the key the worker's decode gives,
 * for every shape, direction and cut that has a flow. */
static void
check_key_as_decoded(int dlt, const uint8_t *b, uint32_t n, unsigned *checked)
{
	struct ft_flow_key fast, slow;
	struct ft_decoded d;
	uint32_t ipoff;

	(void)ft__flow_key_of_frame(dlt, b, n, &fast, &ipoff);
	ft_decode(dlt, b, n, n, &d);
	if (ft__flow_key_of_decoded(&d, b + n, &slow) != 0)
		return;
	(*checked)++;
	if (memcmp(&fast, &slow, sizeof(fast)) != 0)
		fail_msg("dlt %d, %u bytes: the frame's key is not the decoded packet's", dlt, n);
}

static void
test_key_is_the_decoders(void **state)
{
	uint8_t a[2048];
	struct tp_flow fl;
	struct fe e;
	unsigned checked = 0;

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		tp_flow_n(&fl, i);
		for (int dir = 0; dir < 2; dir++) {
			uint32_t la = tp_build(a, sizeof(a), &fl, dir, i, 0x18, 40);

			for (uint32_t cut = 14; cut <= la; cut++)
				check_key_as_decoded(DLT_EN10MB, a, cut, &checked);
		}
	}
	for (int k = 0; k < FE_N; k++)
		for (int dir = 0; dir < 2; dir++) {
			fe_build(&e, (enum fe_kind)k, dir);
			for (uint32_t cut = 1; cut <= e.n; cut++)
				check_key_as_decoded(e.dlt, e.b, cut, &checked);
		}
	assert_true(checked > 10000);
}

static void
test_spread_over_workers(void **state)
{
	unsigned count[4] = {0};
	uint8_t a[256];
	struct tp_flow fl;
	uint32_t la;

	(void)state;
	for (unsigned i = 0; i < 20000; i++) {
		tp_flow_n(&fl, i);
		la = tp_build(a, sizeof(a), &fl, 0, 0, 0x02, 0);
		count[ft__shard_of(frame_hash(DLT_EN10MB, a, la), 4)]++;
	}
	for (unsigned i = 0; i < 4; i++) {
		/* 5000 expected per worker; a sound hash stays well within 10%. */
		assert_in_range(count[i], 4500, 5500);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric_all_shapes),
		cmocka_unit_test(test_ports_and_vlan_matter),
		cmocka_unit_test(test_fragments_follow_address_pair),
		cmocka_unit_test(test_truncated_frames_do_not_crash),
		cmocka_unit_test(test_encap_hash_inner_flow),
		cmocka_unit_test(test_key_is_the_decoders),
		cmocka_unit_test(test_spread_over_workers),
	};

	return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
