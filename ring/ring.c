/*
 * ring/: the hand-off from the capture thread to the workers: one SPSC
 * descriptor ring and one byte arena per worker (ring.h). Depends on core/
 * only.
 *
 * ring.c - creation and destruction of the per-worker rings and arenas.
 * The hot-path operations are static inline in ring.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring/ring.h"

int
ft__ring_init(struct ft_ring *r, unsigned int slots)
{
	void *mem;

	if (slots < 4 || (slots & (slots - 1)) != 0)
		return -EINVAL;
	if (posix_memalign(&mem, FT_CACHELINE, (size_t)slots * sizeof(struct ft_desc)) != 0)
		return -ENOMEM;
	r->slots = mem;
	r->mask = slots - 1;
	r->c_head_cache = 0;
	atomic_init(&r->p_tail, 0);
	atomic_init(&r->c_head, 0);
	return 0;
}

void
ft__ring_fini(struct ft_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

int
ft__arena_init(struct ft_arena *a, uint64_t bytes)
{
	a->base = NULL;
	a->size = bytes;
	a->head = 0;
	a->tail_cache = 0;
	atomic_init(&a->tail, 0);
	if (bytes == 0)
		return 0;
	/* mmap: page-aligned, untouched pages cost nothing until used. */
	a->base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED) {
		a->base = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
ft__ring_prefault(struct ft_ring *r, struct ft_arena *a)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		page = 4096;
	memset(r->slots, 0, ((size_t)r->mask + 1) * sizeof(struct ft_desc));
	if (a->base == NULL)
		return;
#ifdef MADV_POPULATE_WRITE
	/* Only a kernel without it (EINVAL, before 5.14) falls back to touching
	 * every page; any other failure (ENOMEM under a memory limit) leaves the
	 * arena to fault in as it is used: a pre-fault is an optimisation, and
	 * touching the pages would only turn that error into the OOM killer. */
	if (madvise(a->base, a->size, MADV_POPULATE_WRITE) == 0 || errno != EINVAL)
		return;
#endif
	/* An older kernel: write one byte a page. */
	for (uint64_t off = 0; off < a->size; off += (uint64_t)page)
		((volatile uint8_t *)a->base)[off] = 0;
}

void
ft__arena_fini(struct ft_arena *a)
{
	if (a->base != NULL)
		munmap(a->base, a->size);
	a->base = NULL;
}
