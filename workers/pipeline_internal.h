/*
 * pipeline_internal.h - the pipeline object shared by capture/ and workers/ (private).
 *
 * Counters follow one rule: each has exactly one writer thread, which updates
 * it with a relaxed load+store (no read-modify-write, no lock); other threads
 * read it relaxed. Groups written by different threads sit on different cache
 * lines.
 */
#ifndef FT_PIPELINE_INTERNAL_H
#define FT_PIPELINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "flowtap/pipeline.h"
#include "ring/ring.h"

/* Single-writer counter bump: plain load/add/store, visible to relaxed readers. */
#define FT_CTR_ADD(ctr, n)                                                                      \
	atomic_store_explicit(&(ctr), atomic_load_explicit(&(ctr), memory_order_relaxed) + (n), \
		memory_order_relaxed)
#define FT_CTR_GET(ctr) atomic_load_explicit(&(ctr), memory_order_relaxed)

#define FT_BATCH_MAX 256

struct ft_tracker;

struct ft_worker {
	struct ft_ring ring;
	struct ft_tracker *tracker; /* NULL when tracking is off */
	struct ft_arena arena;
	struct ft_pipeline *p;
	unsigned idx;
	pthread_t thread;
	int started;

	/* Written by the capture thread. */
	_Alignas(FT_CACHELINE) _Atomic uint64_t enqueued;
	_Atomic uint64_t ring_drop;

	/* Written by this worker. */
	_Alignas(FT_CACHELINE) _Atomic uint64_t packets;
	_Atomic uint64_t bytes;
	_Atomic uint64_t decode_errors;
	_Atomic uint64_t discarded;
	_Atomic uint64_t flows_active;
	_Atomic uint64_t flows_evicted;
	_Atomic uint64_t flows_untracked;
};

/* The classic-pcap mmap reader's state (capture/capture_mmap.c). */
struct ft_mmap_src {
	uint8_t *map;
	size_t size;
	size_t off; /* next record header */
	int swap;   /* file written in the other byte order */
	int nsec;   /* nanosecond timestamps in the file */
	uint32_t max_caplen;
};

/* The -w writer's rotation state (capture/capture_write.c; capture thread only). */
struct ft_writer {
	uint64_t size;      /* bytes in the current file */
	uint64_t limit;     /* -C: bytes a file may hold; 0 off */
	uint64_t deadline;  /* -G: the second at which the next file starts */
	unsigned period_s;  /* -G seconds; 0 off */
	unsigned keep;      /* --file-count; 0 keeps every file */
	unsigned files;     /* files opened so far */
	unsigned in_period; /* files opened in this -G period (-C's count) */
	char **ring;        /* -G with --file-count: the last keep names */
};

struct ft_zsrc; /* capture/capture_compress.c */

struct ft_pipeline {
	struct ft_config cfg;
	char *device, *file, *filter, *write_file; /* owned copies of the config strings */

	/* Source (capture thread only, after create). */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	int dump_failed; /* -w failed (disk full...): nothing more is written */
	struct ft_writer wr;
	char dumper_name[4096]; /* the current -w file (PATH_MAX) */
	struct bpf_program prog;
	int has_prog; /* prog compiled for the mmap reader */
	int live;
	int dlt;
	int snaplen;
	int ts_digits;
	int use_mmap;
	struct ft_mmap_src mm;
	struct ft_zsrc *z; /* a gzip or zstd file's decompressor, or NULL */

	struct ft_worker *workers;
	unsigned n_workers;
	unsigned n_exporters; /* owned: cfg.exporters[0..n_exporters) (set once create succeeds) */

	pthread_t capture_thread;
	pthread_t stats_thread;
	int capture_started, stats_started, started, waited;

	/* Control. */
	_Atomic int stop;         /* set by ft_pipeline_stop() */
	_Atomic int capture_done; /* set by the capture thread after its last enqueue */
	_Atomic int consumer_failed;
	int evfd;        /* wakes the capture thread's poll on stop */
	_Atomic int err; /* first error wins */
	char errmsg[FT_ERRBUF_SIZE];
	pthread_mutex_t stats_lock; /* only for the stats thread's sleep */
	pthread_cond_t stats_cond;
	int stats_quit;

	/* Written by the capture thread. */
	_Alignas(FT_CACHELINE) _Atomic uint64_t captured;
	_Atomic uint64_t filtered;
	_Atomic uint64_t ps_recv, ps_drop, ps_ifdrop;
	_Atomic int pcap_valid;
};

/* workers/pipeline.c */
void ft__set_error(struct ft_pipeline *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ft__deliver(struct ft_pipeline *p, const uint8_t *data, uint32_t caplen, uint32_t len,
	uint64_t ts_ns, int copy);
static inline int
ft__stopping(const struct ft_pipeline *p)
{
	return atomic_load_explicit(&p->stop, memory_order_relaxed);
}
static inline int
ft__count_reached(const struct ft_pipeline *p)
{
	return p->cfg.count != 0 && FT_CTR_GET(p->captured) >= p->cfg.count;
}

/* workers/pipeline.c: 1 on threads the pipeline registered with liburcu. */
extern _Thread_local int ft__rcu_registered;

/* workers/worker.c */
void *ft__worker_main(void *arg);
/* The tracker's flow callback when exporters are attached: ended flows to each
 * exporter's queue, then every event to cfg.on_flow. user: the struct ft_worker. */
int ft__worker_flow(const struct ft_flow_event *ev, void *user);

/* workers/stats.c */
void ft__stats_snapshot(const struct ft_pipeline *p, struct ft_stats *st);
void *ft__stats_main(void *arg);

/* capture/: open the source (create time), run it (capture thread), close it. */
int ft__source_open(struct ft_pipeline *p, char *errbuf);
int ft__capture_run(struct ft_pipeline *p);
void ft__source_close(struct ft_pipeline *p);
int ft__live_open(struct ft_pipeline *p, char *errbuf);
int ft__live_run(struct ft_pipeline *p);
int ft__file_open(struct ft_pipeline *p, char *errbuf);
int ft__file_run(struct ft_pipeline *p);
int ft__mmap_open(struct ft_pipeline *p, int fd, char *errbuf);
int ft__mmap_run(struct ft_pipeline *p);
void ft__mmap_close(struct ft_pipeline *p);
int ft__compile_filter(struct ft_pipeline *p, bpf_u_int32 netmask, char *errbuf);
void ft__publish_pcap_stats(struct ft_pipeline *p);
/* capture/capture_compress.c: gzip and zstd files through libpcap's reader. */
enum { FT_Z_GZIP = 1, FT_Z_ZSTD = 2 };
int ft__zkind(const uint8_t magic[4]);
int ft__zopen(struct ft_pipeline *p, int fd, int kind, FILE **out, char *errbuf);
int ft__znsec(const struct ft_pipeline *p);
const char *ft__zname(const struct ft_pipeline *p);
int ft__zcheck(struct ft_pipeline *p);
const char *ft__zerror(const struct ft_pipeline *p);
void ft__zfree(struct ft_pipeline *p);

/* capture/capture_write.c: -w and its rotation. */
int ft__dump_open(struct ft_pipeline *p, char *errbuf);
void ft__dump(struct ft_pipeline *p, const struct pcap_pkthdr *h, const u_char *bytes);
int ft__dump_finish(struct ft_pipeline *p);
void ft__dump_close(struct ft_pipeline *p);

#endif
