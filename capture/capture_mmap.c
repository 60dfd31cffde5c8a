/*
 * capture_mmap.c - zero-copy reader for classic pcap files.
 *
 * The file is mapped read-only and walked record by record; each frame is
 * handed to its worker as a pointer into the mapping, so the capture thread
 * copies nothing (libpcap's reader copies every frame into its buffer, and we
 * would copy it again into an arena). Clean file-backed pages can be dropped
 * by the kernel at any time, so a file larger than memory works; the kernel is
 * told the access is sequential.
 *
 * Format (https://www.tcpdump.org/manpages/pcap-savefile.5.html): a 24-byte
 * file header, then records of a 16-byte header (seconds, micro- or
 * nanoseconds, captured length, original length) and the frame. Checks follow
 * libpcap's: a captured length beyond the larger of the file's snap length and
 * 262144 is a corrupt file; a record that runs past the end is a cut file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

#include "capture/capture_internal.h"
#include "core/time.h"

#define FILE_HDR       24
#define REC_HDR        16
/*
 * Prefetch distance. The capture thread is the pipeline's serial stage and is
 * the first to touch each record; the load of a record header was a cache miss
 * (~40% of the thread's time: frames are page-cache pages, and the hardware
 * prefetcher stops at every 4 KiB page boundary). Prefetching every line this
 * far ahead hides it; the workers then find the frames in cache too.
 */
#define PREFETCH_AHEAD 4096
#define PREFETCH_STEP  64 /* a cache line */

static inline uint32_t
rd32(const uint8_t *b, int swap)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The mmap reader's own state (the source's priv); run thread only. */
struct ft_mmap_src {
	uint8_t *map;
	size_t size;
	size_t off; /* next record header */
	int swap;   /* file written in the other byte order */
	int nsec;   /* nanosecond timestamps in the file */
	uint32_t max_caplen;
};

static int mmap_run(struct ft_source *s, ft_sink_fn *sink, void *user);

static void
mmap_close(struct ft_source *s)
{
	struct ft_mmap_src *m = s->priv;

	if (m != NULL && m->map != NULL)
		munmap(m->map, m->size);
	free(m);
	s->priv = NULL;
}

static const struct ft_source_ops mmap_ops = {.run = mmap_run, .close = mmap_close};

/* Takes over a file source whose libpcap handle is open: fd is the file (taken). */
int
ft__mmap_attach(struct ft_source *p, int fd, char *errbuf)
{
	struct ft_mmap_src *m;
	struct stat sb;
	uint32_t magic, snap;

	p->ops = &mmap_ops;
	p->priv = m = calloc(1, sizeof(*m));
	if (m == NULL) {
		close(fd);
		return FT_ENOMEM;
	}
	if (fstat(fd, &sb) != 0 || sb.st_size < FILE_HDR) {
		close(fd);
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: file too short for a pcap header", p->file);
		return FT_EFORMAT;
	}
	m->size = (size_t)sb.st_size;
	m->map = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: mmap: %s", p->file, strerror(errno));
		return -errno;
	}
	(void)madvise(m->map, m->size, MADV_SEQUENTIAL | MADV_WILLNEED);
	memcpy(&magic, m->map, 4);
	m->swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	m->nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	snap = rd32(m->map + 16, m->swap);
	m->max_caplen = snap > 262144 ? snap : 262144;
	m->off = FILE_HDR;
	p->info.zero_copy = 1;
	return ft__src_compile_filter(p, PCAP_NETMASK_UNKNOWN, 0, errbuf);
}

static int
mmap_run(struct ft_source *p, ft_sink_fn *sink, void *user)
{
	struct ft_mmap_src *m = p->priv;
	const uint8_t *rec;
	struct pcap_pkthdr h;
	uint32_t sec, frac, caplen, len;
	uint64_t ts;
	size_t pf = m->off; /* next byte to prefetch */

	while (m->off < m->size) {
		if (ft__src_stopping(p))
			return 0;
		for (; pf < m->off + PREFETCH_AHEAD && pf < m->size; pf += PREFETCH_STEP)
			__builtin_prefetch(m->map + pf);
		if (m->size - m->off < REC_HDR)
			return ft__src_fail(p, FT_ETRUNC,
				"%s: cut off in a record header at byte %zu "
				"(every whole frame before the cut was processed)",
				p->file, m->off);
		rec = m->map + m->off;
		sec = rd32(rec, m->swap);
		frac = rd32(rec + 4, m->swap);
		caplen = rd32(rec + 8, m->swap);
		len = rd32(rec + 12, m->swap);
		if (caplen > m->max_caplen)
			return ft__src_fail(p, FT_EFORMAT,
				"%s: corrupt record at byte %zu: captured "
				"length %u is larger than %u",
				p->file, m->off, caplen, m->max_caplen);
		if (m->size - m->off - REC_HDR < caplen)
			return ft__src_fail(p, FT_ETRUNC,
				"%s: cut off in frame data at byte %zu "
				"(every whole frame before the cut was processed)",
				p->file, m->off);
		ts = (uint64_t)sec * FT_NS_PER_SEC + (uint64_t)frac * (m->nsec ? 1u : 1000u);
		if (p->has_prog) {
			/* The handle was opened with nanosecond precision. */
			h.ts.tv_sec = sec;
			h.ts.tv_usec = (suseconds_t)(m->nsec ? frac : frac * 1000u);
			h.caplen = caplen;
			h.len = len;
			if (!pcap_offline_filter(&p->prog, &h, rec + REC_HDR)) {
				FT_CTR_ADD(p->filtered, 1);
				m->off += REC_HDR + caplen;
				continue;
			}
		}
		m->off += REC_HDR + caplen;
		if (sink(user, rec + REC_HDR, caplen, len, ts) != 0) {
			atomic_store_explicit(&p->sunk, 1, memory_order_relaxed);
			return 0;
		}
	}
	return 0;
}
