/*
 * tests/test_decode_guard.c - the decoder reads nothing outside the frame and
 * allocates nothing, proven without any sanitizer.
 *
 * DESIGN
 * Guard pages (picohttpparser's test trick): one mapping laid out as
 *   [PROT_NONE page][read-write pages ...][PROT_NONE page]
 * A frame cut to `cut` bytes is copied so that it ends exactly at the trailing
 * guard page (an over-read faults), then again so that it starts exactly after
 * the leading guard page (an under-read faults), and is decoded and formatted
 * from both places. Every cut 0..caplen of every frame of a set is tried: the
 * hand-made frames of tests/data/decoder (every link type, hostile lengths) and
 * ~300 frames of tests/data/tcpdump, at most two per file, files named after
 * the out-of-bounds reads they reproduce first, every link type represented.
 * The formatters get output buffers that end at a guard page, with the full
 * FT_PACKET_FORMAT_MAX and with small capacities, to show they cut instead of
 * overflowing. A fault kills the test (SIGSEGV): that is the failure report.
 *
 * Zero allocations: malloc, calloc, realloc, free and the aligned variants are
 * interposed in this program (forwarding to glibc's __libc_* entry points) and
 * counted while a flag is set; ft_decode() and both formatters run over
 * thousands of frames preloaded into memory and the count must stay 0. Under
 * a sanitizer (which owns malloc) the sanitizer allocator hooks count instead.
 * A probe allocation inside the window proves the counter is live, so the
 * zero cannot come from a counter that sees nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "tests/ft_corpus.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) ||           \
	__has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define FT_UNDER_SANITIZER 1
#include <sanitizer/allocator_interface.h>
#else
#define FT_UNDER_SANITIZER 0
#endif

#define MAX_GUARD_FRAME     (128u * 1024u) /* bigger corpus frames are skipped */
#define CORPUS_GUARD_FRAMES 300
#define PER_FILE            2
#define PER_DLT             60
#define ALLOC_FRAMES        6000

/* ---- allocation counting ------------------------------------------------- */

static volatile int g_counting;
static volatile unsigned long g_allocs; /* malloc-family calls while counting */

#if FT_UNDER_SANITIZER
static void
count_malloc_hook(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	if (g_counting)
		g_allocs++;
}

static void
count_free_hook(const volatile void *ptr)
{
	(void)ptr;
}
#else
/* glibc's own entry points (exported, not declared in any header). */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *ptr);
void *memalign(size_t align, size_t size);

void *
malloc(size_t size)
{
	if (g_counting)
		g_allocs++;
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (g_counting)
		g_allocs++;
	return __libc_calloc(n, size);
}

void *
realloc(void *ptr, size_t size)
{
	if (g_counting)
		g_allocs++;
	return __libc_realloc(ptr, size);
}

void *
memalign(size_t align, size_t size)
{
	if (g_counting)
		g_allocs++;
	return __libc_memalign(align, size);
}

void *
aligned_alloc(size_t align, size_t size)
{
	if (g_counting)
		g_allocs++;
	return __libc_memalign(align, size);
}

int
posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (g_counting)
		g_allocs++;
	p = __libc_memalign(align, size);
	if (p == NULL)
		return 12; /* ENOMEM */
	*out = p;
	return 0;
}

void
free(void *ptr)
{
	/* a free while counting is only possible after an allocation: not counted twice */
	__libc_free(ptr);
}
#endif

/* ---- the frame set --------------------------------------------------------- */

struct frame {
	int dlt;
	uint32_t caplen, len;
	const uint8_t *data; /* into g_arena */
	char origin[96];
	uint64_t n;
};

struct frame_set {
	struct frame *f;
	size_t n, cap;
	uint8_t *arena;
	size_t used, arena_cap;
};

static int
set_add(struct frame_set *s, int dlt, const struct pcap_pkthdr *h, const uint8_t *bytes,
	const char *file, uint64_t n)
{
	struct frame *f;

	if (s->n == s->cap || s->used + h->caplen > s->arena_cap)
		return -1;
	f = &s->f[s->n++];
	memcpy(s->arena + s->used, bytes, h->caplen);
	f->dlt = dlt;
	f->caplen = h->caplen;
	f->len = h->len;
	f->data = s->arena + s->used;
	f->n = n;
	snprintf(f->origin, sizeof(f->origin), "%s", file);
	s->used += h->caplen;
	return 0;
}

static int
set_init(struct frame_set *s, size_t frames, size_t bytes)
{
	memset(s, 0, sizeof(*s));
	s->f = calloc(frames, sizeof(*s->f));
	s->arena = malloc(bytes);
	s->cap = frames;
	s->arena_cap = bytes;
	return s->f != NULL && s->arena != NULL ? 0 : -1;
}

static void
set_free(struct frame_set *s)
{
	free(s->f);
	free(s->arena);
	memset(s, 0, sizeof(*s));
}

/* Files that reproduce past out-of-bounds reads in tcpdump go first. */
static bool
is_hostile_name(const char *name)
{
	return strstr(name, "oobr") != NULL || strstr(name, "overflow") != NULL ||
	       strstr(name, "-bad") != NULL || strstr(name, "trunc") != NULL ||
	       strstr(name, "crash") != NULL || strstr(name, "heap") != NULL;
}

struct dlt_count {
	int dlt;
	unsigned n;
};

/*
 * Add up to per_file frames of each file in sub/ (hostile names first), at most
 * per_dlt of one link type, until max frames; all frames when the limits are 0.
 */
static void
load_frames(struct frame_set *s, const char *sub, unsigned per_file, unsigned per_dlt, size_t max)
{
	struct dlt_count dc[64];
	size_t ndc = 0;
	struct ft_corpus c;

	memset(dc, 0, sizeof(dc));
	assert_int_equal(ft_corpus_open(&c, sub), 0);
	assert_true(c.n > 0);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < c.n && s->n < max; i++) {
			char errbuf[PCAP_ERRBUF_SIZE];
			struct pcap_pkthdr *h;
			const u_char *bytes;
			unsigned taken = 0, *dlt_n = NULL;
			uint64_t n = 0;
			pcap_t *p;
			int dlt;

			if (per_file != 0 && is_hostile_name(c.files[i].name) != (pass == 0))
				continue;
			if (per_file == 0 && pass == 1)
				break;
			p = pcap_open_offline(c.files[i].path, errbuf);
			if (p == NULL)
				continue;
			dlt = pcap_datalink(p);
			for (size_t k = 0; k < ndc; k++)
				if (dc[k].dlt == dlt)
					dlt_n = &dc[k].n;
			if (dlt_n == NULL && ndc < sizeof(dc) / sizeof(dc[0])) {
				dc[ndc].dlt = dlt;
				dlt_n = &dc[ndc++].n;
			}
			while (s->n < max && pcap_next_ex(p, &h, &bytes) == 1) {
				n++;
				if (h->caplen > MAX_GUARD_FRAME)
					continue;
				if (per_file != 0 && taken >= per_file)
					break;
				if (per_dlt != 0 && dlt_n != NULL && *dlt_n >= per_dlt)
					break;
				if (set_add(s, dlt, h, bytes, c.files[i].name, n) != 0)
					break;
				taken++;
				if (dlt_n != NULL)
					(*dlt_n)++;
			}
			pcap_close(p);
		}
	}
	ft_corpus_close(&c);
}

/* ---- guard pages ------------------------------------------------------------ */

struct guard {
	uint8_t *base; /* the whole mapping */
	size_t size;
	uint8_t *lo; /* first read-write byte, right after the leading guard */
	uint8_t *hi; /* first byte of the trailing guard */
};

static void
guard_map(struct guard *g, size_t rw_bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t rw = (rw_bytes + page - 1) / page * page;

	g->size = rw + 2 * page;
	g->base = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g->base != MAP_FAILED);
	assert_int_equal(mprotect(g->base, page, PROT_NONE), 0);
	assert_int_equal(mprotect(g->base + page + rw, page, PROT_NONE), 0);
	g->lo = g->base + page;
	g->hi = g->base + page + rw;
}

static void
guard_unmap(struct guard *g)
{
	munmap(g->base, g->size);
}

static struct guard g_in;   /* frames */
static struct guard g_json; /* output buffers */
static struct guard g_text;
static struct ft_dns g_dns;

static int
setup(void **state)
{
	(void)state;
	guard_map(&g_in, MAX_GUARD_FRAME);
	guard_map(&g_json, FT_PACKET_FORMAT_MAX);
	guard_map(&g_text, FT_PACKET_FORMAT_MAX);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	guard_unmap(&g_in);
	guard_unmap(&g_json);
	guard_unmap(&g_text);
	return 0;
}

static void
format_guarded(const struct ft_packet *pkt, const struct frame *f, uint32_t cut)
{
	char *json = (char *)g_json.hi - FT_PACKET_FORMAT_MAX;
	char *text = (char *)g_text.hi - FT_PACKET_FORMAT_MAX;
	size_t n;

	n = ft_format_packet_json(pkt, json, FT_PACKET_FORMAT_MAX);
	if (n >= FT_PACKET_FORMAT_MAX || strlen(json) != n)
		fail_msg("%s #%llu cut %u: JSON length %zu", f->origin, (unsigned long long)f->n,
			cut, n);
	n = ft_format_packet_text(pkt, text, FT_PACKET_FORMAT_MAX);
	if (n >= FT_PACKET_FORMAT_MAX || strlen(text) != n)
		fail_msg("%s #%llu cut %u: text length %zu", f->origin, (unsigned long long)f->n,
			cut, n);
}

/* Decode + format frame f cut to `cut` bytes placed at `at`. */
static void
decode_at(const struct frame *f, uint32_t cut, uint8_t *at)
{
	struct ft_decoded d;
	struct ft_packet pkt;
	enum ft_dec_status st;

	memcpy(at, f->data, cut);
	st = ft_decode(f->dlt, cut ? at : NULL, cut, f->len, &d);
	if ((unsigned)st > FT_DEC_UNSUPPORTED || st != (enum ft_dec_status)d.status ||
		d.err_layer >= FT_L__COUNT)
		fail_msg("%s #%llu cut %u: status %d / %d, err_layer %u", f->origin,
			(unsigned long long)f->n, cut, (int)st, d.status, d.err_layer);
	if (d.layers & (1u << FT_L_DNS))
		ft_decode_dns(&d, &g_dns);
	memset(&pkt, 0, sizeof(pkt));
	pkt.n = f->n;
	pkt.ts_ns = 1700000000123456789ull;
	pkt.caplen = cut;
	pkt.len = f->len;
	pkt.dlt = f->dlt;
	pkt.ts_digits = 9;
	pkt.data = cut ? at : NULL;
	pkt.dec = &d;
	format_guarded(&pkt, f, cut);
}

static unsigned long
walk_set(const struct frame_set *s)
{
	unsigned long decodes = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct frame *f = &s->f[i];

		for (uint32_t cut = 0; cut <= f->caplen; cut++) {
			decode_at(f, cut, g_in.hi - cut); /* over-read faults */
			decode_at(f, cut, g_in.lo);       /* under-read faults */
			decodes += 2;
		}
	}
	return decodes;
}

static void
test_guard_handmade(void **state)
{
	struct frame_set s;
	unsigned long decodes;

	(void)state;
	assert_int_equal(set_init(&s, 256, 1u << 20), 0);
	load_frames(&s, "decoder", 0, 0, 256);
	assert_true(s.n >= 30);
	decodes = walk_set(&s);
	print_message("hand-made: %zu frames, %lu guarded decodes\n", s.n, decodes);
	set_free(&s);
}

static void
test_guard_corpus(void **state)
{
	struct frame_set s;
	unsigned long decodes;

	(void)state;
	assert_int_equal(set_init(&s, CORPUS_GUARD_FRAMES, 8u << 20), 0);
	load_frames(&s, "tcpdump", PER_FILE, PER_DLT, CORPUS_GUARD_FRAMES);
	assert_true(s.n >= CORPUS_GUARD_FRAMES / 2);
	decodes = walk_set(&s);
	print_message("tcpdump corpus: %zu frames, %lu guarded decodes\n", s.n, decodes);
	set_free(&s);
}

/* Small output capacities: the formatters cut, never write past cap. */
static void
test_guard_small_output(void **state)
{
	struct frame_set s;
	struct ft_decoded d;
	struct ft_packet pkt;

	(void)state;
	assert_int_equal(set_init(&s, 256, 1u << 20), 0);
	load_frames(&s, "decoder", 0, 0, 256);
	for (size_t i = 0; i < s.n; i++) {
		const struct frame *f = &s.f[i];
		uint8_t *at = g_in.hi - f->caplen;

		memcpy(at, f->data, f->caplen);
		ft_decode(f->dlt, at, f->caplen, f->len, &d);
		memset(&pkt, 0, sizeof(pkt));
		pkt.n = f->n;
		pkt.caplen = f->caplen;
		pkt.len = f->len;
		pkt.dlt = f->dlt;
		pkt.ts_digits = 6;
		pkt.data = at;
		pkt.dec = &d;
		for (size_t cap = 0; cap <= 600; cap++) {
			char *json = (char *)g_json.hi - cap;
			char *text = (char *)g_text.hi - cap;

			ft_format_packet_json(&pkt, json, cap);
			ft_format_packet_text(&pkt, text, cap);
			if (cap > 0 && (memchr(json, '\0', cap) == NULL ||
					       memchr(text, '\0', cap) == NULL))
				fail_msg("%s: cap %zu: output not NUL-terminated", f->origin, cap);
		}
	}
	set_free(&s);
}

/* ---- zero allocations ----------------------------------------------------- */

static void
test_no_allocation(void **state)
{
	static char json[FT_PACKET_FORMAT_MAX], text[FT_PACKET_FORMAT_MAX];
	static struct ft_dns dns;
	struct frame_set s;
	unsigned long probe, allocs, runs = 0;
	void *volatile keep;

	(void)state;
#if FT_UNDER_SANITIZER
	if (__sanitizer_install_malloc_and_free_hooks(count_malloc_hook, count_free_hook) == 0) {
		print_message("allocation count: sanitizer allocator hooks unavailable\n");
		skip();
	}
#endif
	assert_int_equal(set_init(&s, ALLOC_FRAMES, 32u << 20), 0);
	load_frames(&s, "decoder", 0, 0, ALLOC_FRAMES);
	load_frames(&s, "tcpdump", 0, 0, ALLOC_FRAMES);
	assert_true(s.n >= ALLOC_FRAMES / 2);

	/* the counter must see an allocation made inside the window */
	g_allocs = 0;
	g_counting = 1;
	keep = malloc(64);
	g_counting = 0;
	probe = g_allocs;
	free(keep);
	assert_int_equal(probe, 1);

	g_allocs = 0;
	g_counting = 1;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < s.n; i++) {
			const struct frame *f = &s.f[i];
			struct ft_decoded d;
			struct ft_packet pkt;

			ft_decode(f->dlt, f->caplen ? f->data : NULL, f->caplen, f->len, &d);
			if (d.layers & (1u << FT_L_DNS))
				ft_decode_dns(&d, &dns);
			memset(&pkt, 0, sizeof(pkt));
			pkt.n = f->n;
			pkt.ts_ns = 1700000000000000000ull + i;
			pkt.caplen = f->caplen;
			pkt.len = f->len;
			pkt.dlt = f->dlt;
			pkt.ts_digits = round ? 9 : 6;
			pkt.data = f->data;
			pkt.dec = &d;
			ft_format_packet_json(&pkt, json, sizeof(json));
			ft_format_packet_text(&pkt, text, sizeof(text));
			runs++;
		}
	}
	g_counting = 0;
	allocs = g_allocs;
	print_message("%lu decode + DNS + format runs (%zu frames, twice): %lu allocations\n", runs,
		s.n, allocs);
	set_free(&s);
	assert_int_equal(allocs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_handmade),
		cmocka_unit_test(test_guard_corpus),
		cmocka_unit_test(test_guard_small_output),
		cmocka_unit_test(test_no_allocation),
	};

	return cmocka_run_group_tests_name("decode_guard", tests, setup, teardown);
}
