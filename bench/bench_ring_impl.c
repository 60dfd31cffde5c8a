/*
 * bench_ring_impl.c - C side of bench_ring.cc.
 *
 * ring/ring.h is C11 (_Atomic, _Alignas, ck's void* conversions) and does not
 * compile as C++, so the loops that exercise it live here, behind plain C
 * functions; the .cc file only drives them. The loops are whole bursts, so
 * the inline ring operations are measured, not the call into this file.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include <ck_pr.h>

#include "ring/ring.h"

#include "bench/bench_ring_impl.h"

struct bri_ctx {
	struct ft_ring ring;
	struct ft_arena arena;
	uint8_t frame[2048]; /* the "captured" frame the producer copies */
	uint64_t n;          /* producer's frame number */
	uint64_t sum;        /* consumer's checksum, so nothing is optimised away */
};

struct bri_ctx *
bri_create(unsigned slots, uint64_t arena_bytes)
{
	struct bri_ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (ft__ring_init(&c->ring, slots) != 0 || ft__arena_init(&c->arena, arena_bytes) != 0) {
		free(c);
		return NULL;
	}
	for (unsigned i = 0; i < sizeof(c->frame); i++)
		c->frame[i] = (uint8_t)i;
	return c;
}

void
bri_destroy(struct bri_ctx *c)
{
	if (c == NULL)
		return;
	ft__ring_fini(&c->ring);
	ft__arena_fini(&c->arena);
	free(c);
}

static inline void
fill(struct bri_ctx *c, struct ft_desc *d, const uint8_t *data, uint32_t len, uint64_t end)
{
	d->data = data;
	d->ts_ns = c->n;
	d->n = ++c->n;
	d->arena_end = end;
	d->caplen = len;
	d->len = len;
}

uint64_t
bri_st_roundtrip(struct bri_ctx *c, unsigned batch, unsigned total)
{
	struct ft_desc out[256];
	uint64_t sum = 0;

	for (unsigned done = 0; done < total; done += batch) {
		for (unsigned i = 0; i < batch; i++) {
			struct ft_desc *d = ft__ring_reserve(&c->ring);

			if (d == NULL)
				abort();
			fill(c, d, c->frame, 64, 0);
			ft__ring_commit(&c->ring, d);
		}
		unsigned n = ft__ring_dequeue_burst(&c->ring, out, batch);

		for (unsigned i = 0; i < n; i++)
			sum += out[i].n;
	}
	c->sum += sum;
	return sum;
}

void
bri_cycles(struct bri_ctx *c, unsigned n, uint64_t *enq_cycles, uint64_t *deq_cycles)
{
	struct ft_desc out[64];
	uint64_t t0, t1, t2, sum = 0;
	unsigned got = 0;

	t0 = __rdtsc();
	for (unsigned i = 0; i < n; i++) {
		struct ft_desc *d = ft__ring_reserve(&c->ring);

		if (d == NULL)
			abort();
		fill(c, d, c->frame, 64, 0);
		ft__ring_commit(&c->ring, d);
	}
	t1 = __rdtsc();
	while (got < n) {
		/* One at a time: the per-operation cost, as ck's latency.c. */
		if (ft__ring_dequeue_burst(&c->ring, out, 1) != 1)
			abort();
		sum += out[0].n;
		got++;
	}
	t2 = __rdtsc();
	c->sum += sum;
	*enq_cycles = t1 - t0;
	*deq_cycles = t2 - t1;
}

uint64_t
bri_rdtsc(void)
{
	return __rdtsc();
}

/*
 * Producer: the capture thread's hand-off (ft__deliver with copy): reserve a
 * slot, carve len bytes of arena, copy the frame, fill, commit. Spins while
 * the ring or the arena is full.
 */
void
bri_produce(struct bri_ctx *c, unsigned count, uint32_t len)
{
	for (unsigned i = 0; i < count; i++) {
		struct ft_desc *d;
		uint8_t *buf = NULL;
		uint64_t end = 0;

		for (;;) {
			d = ft__ring_reserve(&c->ring);
			if (d != NULL &&
				(len == 0 || (buf = ft__arena_alloc(&c->arena, len, &end))))
				break;
			ck_pr_stall();
		}
		if (len != 0)
			memcpy(buf, c->frame, len);
		fill(c, d, len ? buf : c->frame, len ? len : 64, end);
		ft__ring_commit(&c->ring, d);
	}
}

/*
 * Consumer: a worker's loop without decoding: dequeue a burst, read the first
 * bytes of every frame (as a decoder would), release the arena. Returns once
 * count frames have been taken.
 */
void
bri_consume(struct bri_ctx *c, unsigned count, unsigned batch)
{
	struct ft_desc out[256];
	uint64_t sum = 0;
	unsigned got = 0;

	while (got < count) {
		unsigned want = count - got < batch ? count - got : batch;
		unsigned n = ft__ring_dequeue_burst(&c->ring, out, want);

		if (n == 0) {
			ck_pr_stall();
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t w;

			memcpy(&w, out[i].data + 8, sizeof(w));
			sum += w + out[i].caplen;
		}
		if (out[n - 1].arena_end != 0)
			ft__arena_release(&c->arena, out[n - 1].arena_end);
		got += n;
	}
	c->sum += sum;
}

uint64_t
bri_checksum(const struct bri_ctx *c)
{
	return c->sum;
}
