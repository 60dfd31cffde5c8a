/*
 * capture/capture_internal.h - what the backends of capture/ share (private to
 * capture/): the source object (ops + the backend's priv) and the helpers in
 * capture.c and capture_compress.c.
 */
#ifndef FT_CAPTURE_INTERNAL_H
#define FT_CAPTURE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "capture/source.h"
#include "core/counter.h"
#include "flowtap/error.h"
#include "flowtap/pipeline.h" /* FT_ERRBUF_SIZE */

/* A backend: run reads frames into the sink; close frees priv (never pcap). */
struct ft_source_ops {
	int (*run)(struct ft_source *s, ft_sink_fn *sink, void *user);
	void (*close)(struct ft_source *s);
};

enum { FT_SRC_RUN = 0, FT_SRC_DRAIN = 1, FT_SRC_STOP = 2 };

struct ft_source {
	const struct ft_source_ops *ops;
	void *priv; /* the backend's own state */
	struct ft_source_config cfg;
	const char *device, *file, *filter; /* cfg's strings (the owner's) */
	struct ft_source_info info;
	pcap_t *pcap; /* every backend has one: it opens, knows the link type, filters */
	struct bpf_program prog;
	int has_prog;
	int evfd;         /* wakes a live run's poll on break */
	_Atomic int stop; /* FT_SRC_*: the strongest break asked for */
	_Atomic int sunk; /* the sink asked to stop */
	char errmsg[FT_ERRBUF_SIZE];

	/* Written by the run thread, read by any (core/counter.h). */
	_Atomic uint64_t filtered;
	_Atomic uint64_t ps_recv, ps_drop, ps_ifdrop;
	_Atomic int pcap_valid;
};

static inline int
ft__src_stopping(const struct ft_source *s)
{
	return atomic_load_explicit(&s->stop, memory_order_relaxed) != FT_SRC_RUN ||
	       atomic_load_explicit(&s->sunk, memory_order_relaxed);
}

/* The run's error: the code, its message in s->errmsg. */
int ft__src_fail(struct ft_source *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ft__src_compile_filter(struct ft_source *s, bpf_u_int32 netmask, int apply, char *errbuf);

/* Backends' open (capture_live.c, capture_file.c, capture_mmap.c). */
int ft__live_open(struct ft_source *s, char *errbuf);
int ft__file_open(struct ft_source *s, char *errbuf);
int ft__mmap_attach(struct ft_source *s, int fd, char *errbuf);

/* capture/capture_compress.c: gzip and zstd files through libpcap's reader;
 * FT_Z_PLAIN passes a stream through as it is (standard input, whose first
 * bytes were read to tell). pre/npre: bytes already read from fd, read first. */
struct ft_zsrc;
enum { FT_Z_GZIP = 1, FT_Z_ZSTD = 2, FT_Z_PLAIN = 3 };
int ft__zkind(const uint8_t magic[4]);
int ft__zopen(struct ft_zsrc **zp, const char *name, int fd, int kind, const uint8_t *pre,
	size_t npre, FILE **out, char *errbuf);
int ft__znsec(const struct ft_zsrc *z);
int ft__zcheck(struct ft_source *s, const struct ft_zsrc *z);
const char *ft__zerror(const struct ft_zsrc *z);
void ft__zfree(struct ft_zsrc *z);

#endif
