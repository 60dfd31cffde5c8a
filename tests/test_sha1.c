/*
 * test_sha1.c - core/sha1.c: the FIPS 180 test vectors through both block
 * functions (portable, SHA extensions), and both agreeing on messages of
 * every length up to several blocks. On a CPU without the SHA extensions the
 * tests of that path are skipped, not passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha1.h"

static void
hex(const uint8_t d[FT_SHA1_LEN], char out[2 * FT_SHA1_LEN + 1])
{
	for (int i = 0; i < FT_SHA1_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* FIPS 180-2 appendix A (and the empty message). */
static void
vectors(void)
{
	static const struct {
		const char *msg;
		const char *digest;
	} v[] = {
		{"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			"84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	};
	uint8_t d[FT_SHA1_LEN];
	char h[2 * FT_SHA1_LEN + 1];
	char *million = malloc(1000000);

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ft__sha1(v[i].msg, strlen(v[i].msg), d);
		hex(d, h);
		assert_string_equal(h, v[i].digest);
	}
	assert_non_null(million);
	memset(million, 'a', 1000000);
	ft__sha1(million, 1000000, d);
	hex(d, h);
	assert_string_equal(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	free(million);
}

static void
test_vectors_portable(void **state)
{
	(void)state;
	assert_int_equal(ft__sha1_use_ni(0), 0);
	vectors();
}

static void
test_vectors_sha_extensions(void **state)
{
	(void)state;
	if (!ft__sha1_use_ni(1)) {
		print_message("this CPU has no SHA extensions: skipped\n");
		skip();
	}
	vectors();
}

/* Every length 0..400 (the padding's one- and two-block cases, several
 * blocks), random bytes: the two block functions give the same digest. */
static void
test_paths_agree(void **state)
{
	uint8_t m[400], a[FT_SHA1_LEN], b[FT_SHA1_LEN];

	(void)state;
	if (!ft__sha1_use_ni(1)) {
		print_message("this CPU has no SHA extensions: skipped\n");
		skip();
	}
	srand(7);
	for (int round = 0; round < 8; round++)
		for (size_t n = 0; n <= sizeof(m); n++) {
			for (size_t i = 0; i < n; i++)
				m[i] = (uint8_t)rand();
			ft__sha1_use_ni(1);
			ft__sha1(m, n, a);
			ft__sha1_use_ni(0);
			ft__sha1(m, n, b);
			assert_memory_equal(a, b, FT_SHA1_LEN);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_portable),
		cmocka_unit_test(test_vectors_sha_extensions),
		cmocka_unit_test(test_paths_agree),
	};

	return cmocka_run_group_tests_name("sha1", tests, NULL, NULL);
}
