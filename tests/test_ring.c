/*
 * test_ring.c - the capture->worker hand-off: ck SPSC descriptor ring and the
 * FIFO byte arena. Single-threaded rules first, then a two-thread stress run
 * (also run under TSan: ctest -L threaded) that checks order and content of
 * every frame that crosses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "ring/ring.h"

static void
test_ring_fifo_and_capacity(void **state)
{
	struct ft_ring r;
	struct ft_desc out[64], *slot;
	unsigned n = 0;

	(void)state;
	assert_int_equal(ft__ring_init(&r, 6), -EINVAL); /* not a power of two */
	assert_int_equal(ft__ring_init(&r, 16), 0);
	/* ck rings hold size - 1 entries. */
	while ((slot = ft__ring_reserve(&r)) != NULL) {
		memset(slot, 0, sizeof(*slot));
		slot->n = ++n;
		ft__ring_commit(&r, slot);
	}
	assert_int_equal(n, 15);
	assert_int_equal(ft__ring_count(&r), 15);
	assert_int_equal(ft__ring_dequeue_burst(&r, out, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(out[i].n, i + 1);
	assert_int_equal(ft__ring_dequeue_burst(&r, out, 64), 11);
	assert_int_equal(out[10].n, 15);
	assert_int_equal(ft__ring_dequeue_burst(&r, out, 64), 0);
	ft__ring_fini(&r);
}

static void
test_arena_wrap_and_full(void **state)
{
	struct ft_arena a;
	uint64_t end1, end2, end3;
	uint8_t *p1, *p2, *p3;

	(void)state;
	assert_int_equal(ft__arena_init(&a, 1000), 0);
	p1 = ft__arena_alloc(&a, 600, &end1);
	assert_non_null(p1);
	assert_int_equal(end1, 600);
	/* 500 more do not fit before 1000 and the start is still in use. */
	assert_null(ft__arena_alloc(&a, 500, &end2));
	ft__arena_release(&a, end1);
	/* Now they fit, at the start: a frame never wraps around the end. */
	p2 = ft__arena_alloc(&a, 500, &end2);
	assert_ptr_equal(p2, a.base);
	assert_int_equal(end2, 1000 + 500); /* the 400 skipped bytes count as used */
	/* Used: p2 plus the skipped 400, until the worker moves past them: 100 left. */
	assert_null(ft__arena_alloc(&a, 101, &end3));
	p3 = ft__arena_alloc(&a, 100, &end3);
	assert_ptr_equal(p3, a.base + 500);
	assert_null(ft__arena_alloc(&a, 1, &end1)); /* exactly full */
	ft__arena_release(&a, end3);
	/* Empty again; 500 do not fit in the last 400, so they go to the start. */
	assert_ptr_equal(ft__arena_alloc(&a, 500, &end1), a.base);
	ft__arena_fini(&a);
}

#define STRESS_FRAMES 400000u

struct stress {
	struct ft_ring ring;
	struct ft_arena arena;
	atomic_int done;
	uint64_t received, bad;
};

static void *
producer(void *arg)
{
	struct stress *s = arg;

	for (uint64_t i = 1; i <= STRESS_FRAMES; i++) {
		uint32_t len = 1 + (uint32_t)(i * 2654435761u % 1500);
		struct ft_desc *slot;
		uint8_t *buf;
		uint64_t end;

		while ((slot = ft__ring_reserve(&s->ring)) == NULL ||
			(buf = ft__arena_alloc(&s->arena, len, &end)) == NULL)
			sched_yield();
		memset(buf, (int)(i & 0xff), len);
		slot->data = buf;
		slot->n = i;
		slot->caplen = len;
		slot->arena_end = end;
		ft__ring_commit(&s->ring, slot);
	}
	atomic_store_explicit(&s->done, 1, memory_order_release);
	return NULL;
}

static void *
consumer(void *arg)
{
	struct stress *s = arg;
	struct ft_desc batch[32];
	uint64_t expect = 1;

	for (;;) {
		int done = atomic_load_explicit(&s->done, memory_order_acquire);
		unsigned n = ft__ring_dequeue_burst(&s->ring, batch, 32);

		if (n == 0) {
			if (done)
				break;
			sched_yield();
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			const struct ft_desc *d = &batch[i];

			if (d->n != expect++ || d->data[0] != (uint8_t)(d->n & 0xff) ||
				d->data[d->caplen - 1] != (uint8_t)(d->n & 0xff))
				s->bad++;
			s->received++;
		}
		ft__arena_release(&s->arena, batch[n - 1].arena_end);
	}
	return NULL;
}

static void
test_spsc_stress(void **state)
{
	static struct stress s;
	pthread_t prod, cons;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(ft__ring_init(&s.ring, 256), 0);
	assert_int_equal(ft__arena_init(&s.arena, 64 * 1024), 0);
	assert_int_equal(pthread_create(&cons, NULL, consumer, &s), 0);
	assert_int_equal(pthread_create(&prod, NULL, producer, &s), 0);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	assert_int_equal(s.received, STRESS_FRAMES);
	assert_int_equal(s.bad, 0);
	ft__ring_fini(&s.ring);
	ft__arena_fini(&s.arena);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_fifo_and_capacity),
		cmocka_unit_test(test_arena_wrap_and_full),
		cmocka_unit_test(test_spsc_stress),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
