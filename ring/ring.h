/*
 * ring.h - the hand-off from the capture thread to one worker (private).
 *
 * A worker's queue is two things:
 *  - an SPSC ring of value descriptors (struct ft_desc) in preallocated
 *    slots: the producer reserves a slot, writes the descriptor in place and
 *    commits it, so nothing is allocated;
 *  - an arena: a byte ring the capture thread copies frames into when the
 *    source's memory does not outlive the callback (libpcap's live buffers,
 *    its file reader). Frames are carved in FIFO order and the worker consumes
 *    in FIFO order, so freeing is one counter: the worker publishes the arena
 *    position up to which it is done (desc.arena_end of the last frame of a
 *    batch), the capture thread reads it to know how much room there is.
 *    Frames from the mmap reader point into the mapped file (arena_end 0).
 *
 * Ownership of a descriptor and its frame bytes: capture thread until commit,
 * then the ring, then the worker from dequeue until it publishes its arena
 * position past the frame.
 *
 * The ring's indices are this file's own, C11 atomics (the model TSan
 * checks, so nothing here needs an annotation or a suppression):
 *  - p_tail: slots ever committed. Written only by the producer (release:
 *    the descriptor's bytes happen before the consumer sees the index);
 *    read by the consumer with acquire before it copies slots out.
 *  - c_head: slots ever consumed. Written only by the consumer (release: its
 *    copies of the slots happen before the producer may reuse them); read by
 *    the producer with acquire.
 *  - Indices are free-running unsigned ints (wrap-around subtraction); a ring
 *    of `slots` holds at most slots - 1 descriptors.
 *  - Cached indices: the producer keeps the last c_head it read and reads the
 *    consumer's line again only when the cached value says full; the
 *    consumer reads p_tail once per burst and publishes c_head once per burst
 *    (batch), so each side pulls the other's cache line once per batch, not
 *    once per frame. The two indices sit on separate cache lines.
 */
#ifndef FT_RING_H
#define FT_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/flowkey.h"

#define FT_CACHELINE 64

/* One frame in flight. 96 bytes. */
struct ft_desc {
	const uint8_t *data; /* the frame: in the arena or in the mapped file */
	uint64_t ts_ns;
	uint64_t n;         /* frame number, from 1 */
	uint64_t arena_end; /* arena position after this frame; 0 if not in the arena */
	uint32_t caplen;
	uint32_t len;
	uint32_t flags; /* FT_DESC_* */
	/* The frame's flow key and its hash, computed once on the capture
	 * thread (it shards by them); the worker's tracker looks up with them. */
	uint32_t hash;
	struct ft_flow_key key;
};

/* A fragment the capture thread's reassembly took: decoded and shown, not tracked. */
#define FT_DESC_FRAGMENT    1u
/* Not a captured frame: a reassembled datagram (link header + IP datagram, in the arena). */
#define FT_DESC_REASSEMBLED 2u

struct ft_ring {
	struct ft_desc *slots;
	unsigned int mask;
	/* Producer's line: its index and the last c_head it read. */
	_Alignas(FT_CACHELINE) _Atomic unsigned int p_tail;
	unsigned int c_head_cache;
	/* Consumer's line. */
	_Alignas(FT_CACHELINE) _Atomic unsigned int c_head;
};

struct ft_arena {
	uint8_t *base;
	uint64_t size;
	/* Producer side (capture thread only). */
	uint64_t head;       /* bytes ever reserved */
	uint64_t tail_cache; /* last value read from tail */
	/* Consumer side, on its own line: bytes the worker is done with. */
	_Alignas(FT_CACHELINE) _Atomic uint64_t tail;
};

/* Create/destroy: slots must be a power of two >= 4; arena_bytes may be 0. */
int ft__ring_init(struct ft_ring *r, unsigned int slots);
void ft__ring_fini(struct ft_ring *r);
int ft__arena_init(struct ft_arena *a, uint64_t bytes);
void ft__arena_fini(struct ft_arena *a);
/* Touch every page of a worker's ring and arena now (at creation), so that a
 * live capture's first pass through them takes no page faults on the capture
 * thread: ~8,000 of them for the default 32 MiB arena, ~40 ms that would
 * otherwise fall on the first seconds of a capture. Not for file reads, where
 * a fault costs only time and most captures are small. */
void ft__ring_prefault(struct ft_ring *r, struct ft_arena *a);

/*
 * Producer: a slot to fill, or NULL when the ring is full. A stale cached
 * c_head only underestimates the room, so it is always safe.
 */
static inline struct ft_desc *
ft__ring_reserve(struct ft_ring *r)
{
	unsigned int p = atomic_load_explicit(&r->p_tail, memory_order_relaxed); /* own index */

	if (__builtin_expect(p - r->c_head_cache >= r->mask, 0)) {
		/* Pairs with the release in ft__ring_dequeue_burst(). */
		r->c_head_cache = atomic_load_explicit(&r->c_head, memory_order_acquire);
		if (p - r->c_head_cache >= r->mask)
			return NULL;
	}
	return &r->slots[p & r->mask];
}

/* Producer: publish the slot returned by ft__ring_reserve() (the next one in order). */
static inline void
ft__ring_commit(struct ft_ring *r, struct ft_desc *slot)
{
	unsigned int p = atomic_load_explicit(&r->p_tail, memory_order_relaxed);

	(void)slot;
	atomic_store_explicit(&r->p_tail, p + 1, memory_order_release);
}

/* Consumer: take up to max descriptors (copied out); returns how many. */
static inline unsigned int
ft__ring_dequeue_burst(struct ft_ring *r, struct ft_desc *out, unsigned int max)
{
	unsigned int c = atomic_load_explicit(&r->c_head, memory_order_relaxed); /* own index */
	/* Acquire: pairs with ft__ring_commit(); the slots are read after it. */
	unsigned int n = atomic_load_explicit(&r->p_tail, memory_order_acquire) - c;

	if (n == 0)
		return 0;
	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++)
		out[i] = r->slots[(c + i) & r->mask];
	/* Release: the copies are done before the producer may reuse the slots. */
	atomic_store_explicit(&r->c_head, c + n, memory_order_release);
	return n;
}

/* Either side: descriptors waiting in the ring. */
static inline unsigned int
ft__ring_count(struct ft_ring *r)
{
	unsigned int c = atomic_load_explicit(&r->c_head, memory_order_acquire);

	return atomic_load_explicit(&r->p_tail, memory_order_acquire) - c;
}

/*
 * Producer: room for len bytes in the arena, contiguous. Returns NULL when the
 * worker has not freed enough yet. *end receives the position to store in the
 * descriptor. A frame never wraps: the tail end of the buffer is skipped.
 */
static inline uint8_t *
ft__arena_alloc(struct ft_arena *a, uint32_t len, uint64_t *end)
{
	uint64_t off = a->head % a->size;
	uint64_t skip = off + len > a->size ? a->size - off : 0;
	uint64_t need = skip + len;

	if (a->head + need - a->tail_cache > a->size) {
		/* Acquire: pairs with the worker's release store, so the worker's
		 * reads of the old bytes happen before we overwrite them. */
		a->tail_cache = atomic_load_explicit(&a->tail, memory_order_acquire);
		if (a->head + need - a->tail_cache > a->size)
			return NULL;
	}
	a->head += need;
	*end = a->head;
	return a->base + (skip ? 0 : off);
}

/* Consumer: everything up to end (a desc.arena_end) may be reused. */
static inline void
ft__arena_release(struct ft_arena *a, uint64_t end)
{
	atomic_store_explicit(&a->tail, end, memory_order_release);
}

#endif
