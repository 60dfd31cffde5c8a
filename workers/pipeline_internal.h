/*
 * pipeline_internal.h - the pipeline object shared by the files of workers/ (private).
 * capture/ never sees it: the pipeline owns a source and a writer (capture/).
 *
 * Counters follow core/counter.h's rule (one writer thread each, relaxed
 * load+store); groups written by different threads sit on different cache
 * lines.
 */
#ifndef FT_PIPELINE_INTERNAL_H
#define FT_PIPELINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "capture/source.h"
#include "capture/writer.h"
#include "core/counter.h"
#include "core/time.h"
#include "flowtap/pipeline.h"
#include "ring/ring.h"

#define FT_BATCH_MAX 256

struct ft_tracker;
struct ft_defrag;

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
	_Atomic uint64_t rst_ignored;
	_Atomic uint64_t ooo_dropped;
	_Atomic uint64_t cpu_ns;
	_Atomic uint64_t flows_started[FT_FLOW_CLASSES];
	_Atomic uint64_t flows_ended[FT_FLOW_CLASSES];
	_Atomic uint64_t reassembled;
	uint64_t dgram_end; /* worker-private: arena end of the last reassembled datagram */
};

struct ft_pipeline {
	struct ft_config cfg;
	char *device, *file, *filter, *write_file; /* owned copies of the config strings */

	/* The source and the -w writer (capture/): the capture thread uses them while it runs. */
	struct ft_source *src;
	struct ft_writer *wr; /* NULL without -w */
	int live;
	int dlt;
	int snaplen;
	int buffer_size; /* live: the kernel buffer asked for */
	int ts_digits;
	int zero_copy; /* frames point into the source (mapped file): no arena copy */

	struct ft_worker *workers;
	unsigned n_workers;
	struct ft_defrag *defrag; /* capture thread's; NULL when cfg.defrag is 0 */
	unsigned n_exporters; /* owned: cfg.exporters[0..n_exporters) (set once create succeeds) */
	int packet_exporters; /* some exporter takes packet records */

	pthread_t capture_thread;
	pthread_t stats_thread;
	int capture_started, stats_started, started, waited;

	/* Control. */
	_Atomic int stop;         /* set by ft_pipeline_stop() */
	_Atomic int capture_done; /* set by the capture thread after its last enqueue */
	_Atomic int consumer_failed;
	_Atomic int err; /* first error wins */
	char errmsg[FT_ERRBUF_SIZE];
	pthread_mutex_t stats_lock; /* only for the stats thread's sleep */
	pthread_cond_t stats_cond;
	int stats_quit;

	/* Written by the capture thread. */
	_Alignas(FT_CACHELINE) _Atomic uint64_t captured;
	_Atomic uint64_t capture_cpu_ns;    /* the capture thread's CPU time */
	uint64_t sunk;                      /* frames sink_frame() saw (capture thread only) */
	_Atomic uint64_t frag_handoff_drop; /* reassembled datagrams a live ring had no room for */
};

/* workers/pipeline.c */
void ft__set_error(struct ft_pipeline *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
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

/*
 * The calling thread's CPU time into ctr (its single writer). A system call:
 * never per frame, only every many frames or at a pause.
 */
static inline void
ft__publish_cpu(_Atomic uint64_t *ctr)
{
	FT_CTR_SET(*ctr, ft__now_ns(CLOCK_THREAD_CPUTIME_ID));
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

#endif
