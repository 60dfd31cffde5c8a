/*
 * ring.h - the hand-off from the capture thread to one worker (private).
 *
 * A worker's queue is two things:
 *  - a ck_ring SPSC ring of value descriptors (struct ft_desc, copied into
 *    preallocated slots through ck's reserve/commit API, so enqueue writes the
 *    descriptor in place and nothing is allocated);
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
 * ThreadSanitizer does not model ck's volatile+fence publication, so the
 * hand-off is annotated: __tsan_release(slot) before a commit and
 * __tsan_acquire(slot) after a dequeue (style guide, section 8), and
 * tests/tsan.supp silences the index accesses inside ck itself.
 */
#ifndef FT_RING_H
#define FT_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <ck_ring.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define FT_TSAN 1
#endif
#ifdef FT_TSAN
#include <sanitizer/tsan_interface.h>
#define FT_TSAN_RELEASE(addr) __tsan_release(addr)
#define FT_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define FT_TSAN_RELEASE(addr) ((void)(addr))
#define FT_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

#define FT_CACHELINE 64

/* One frame in flight. 48 bytes. */
struct ft_desc {
	const uint8_t *data; /* the frame: in the arena or in the mapped file */
	uint64_t ts_ns;
	uint64_t n;         /* frame number, from 1 */
	uint64_t arena_end; /* arena position after this frame; 0 if not in the arena */
	uint32_t caplen;
	uint32_t len;
	uint32_t flags; /* FT_DESC_* */
};

/* A fragment the capture thread's reassembly took: decoded and shown, not tracked. */
#define FT_DESC_FRAGMENT    1u
/* Not a captured frame: a reassembled datagram (link header + IP datagram, in the arena). */
#define FT_DESC_REASSEMBLED 2u

CK_RING_PROTOTYPE(ftdesc, ft_desc)

struct ft_ring {
	struct ck_ring ring; /* ck keeps producer and consumer indices on separate lines */
	struct ft_desc *slots;
	unsigned int mask;
	/* Producer only: the last c_head it read. Refreshed only when the ring looks
	 * full, so the producer does not pull the consumer's line on every frame. */
	unsigned int c_head_cache;
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

/*
 * Producer: a slot to fill, or NULL when the ring is full.
 * ck's reserve reads the consumer's c_head on every call, and the consumer
 * writes it on every dequeue: one cache-line transfer per frame each way. The
 * producer keeps the last value it read instead (a stale c_head only
 * underestimates the room, so it is always safe) and reads c_head again only
 * when the cached value says full. Same full test as ck: size - 1 in use.
 */
static inline struct ft_desc *
ft__ring_reserve(struct ft_ring *r)
{
	unsigned int p = r->ring.p_tail; /* the producer's own index */

	if (CK_CC_UNLIKELY(p - r->c_head_cache >= r->mask)) {
		r->c_head_cache = ck_pr_load_uint(&r->ring.c_head);
		/* Pairs with the release in ft__ring_dequeue_burst(): the consumer's
		 * reads of the slots it gave back happen before we overwrite them. */
		FT_TSAN_ACQUIRE(&r->ring.c_head);
		if (p - r->c_head_cache >= r->mask)
			return NULL;
	}
	return &r->slots[p & r->mask];
}

/* Producer: publish the slot returned by ft__ring_reserve(). */
static inline void
ft__ring_commit(struct ft_ring *r, struct ft_desc *slot)
{
	FT_TSAN_RELEASE(slot);
	ck_ring_enqueue_commit_spsc(&r->ring);
}

/*
 * Consumer: take up to max descriptors (copied out); returns how many.
 * One burst reads the producer's p_tail once and publishes c_head once (ck's
 * dequeue does both per element, a cache-line transfer each), with ck's
 * fences: load fence after reading p_tail, store fence before c_head.
 */
static inline unsigned int
ft__ring_dequeue_burst(struct ft_ring *r, struct ft_desc *out, unsigned int max)
{
	/* c_head is the consumer's own index: reading it here is not a race. */
	unsigned int c = r->ring.c_head;
	unsigned int n = ck_pr_load_uint(&r->ring.p_tail) - c;

	if (n == 0)
		return 0;
	if (n > max)
		n = max;
	/* The slots' contents are read after p_tail (ck_ring_dequeue_spsc does the same). */
	ck_pr_fence_load();
	for (unsigned int i = 0; i < n; i++) {
		struct ft_desc *slot = &r->slots[(c + i) & r->mask];

		FT_TSAN_ACQUIRE(slot);
		out[i] = *slot;
	}
	/* The copies are done before the producer may see the slots as free. */
	FT_TSAN_RELEASE(&r->ring.c_head);
	ck_pr_fence_store();
	ck_pr_store_uint(&r->ring.c_head, c + n);
	return n;
}

/* Either side: descriptors waiting in the ring. */
static inline unsigned int
ft__ring_count(struct ft_ring *r)
{
	return ck_ring_size(&r->ring);
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
