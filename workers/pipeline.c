/*
 * pipeline.c - life cycle of the pipeline and the capture thread's hand-off.
 *
 * DESIGN
 * create: copy the config, open the source and the -w writer (capture/),
 *   size every ring and arena. Nothing is allocated after this.
 * start: one thread per worker, then the stats thread, then the capture thread.
 * capture thread: ft__source_run() hands every frame to sink_frame(), the
 *   pipeline's sink: deliver() (hash -> worker -> (copy into the worker's
 *   arena) -> descriptor into the worker's ring), then the writer, then the
 *   frame count. An IP fragment also goes through the reassembly (defrag/)
 *   first; when it completes a datagram, that datagram (behind the frame's
 *   link header) is hashed as a packet of its own and handed to its flow's
 *   worker as one more descriptor (FT_DESC_REASSEMBLED), copied into that
 *   worker's arena. A live source never waits: a full ring or arena drops the
 *   frame and counts it against that worker (ring_drop). A file waits for
 *   room, so reading a file is lossless. The sink's return value is the only
 *   way the pipeline stops the source from inside the loop.
 * stop: sets a flag and breaks the source (ft__source_break: eventfd,
 *   pcap_breakloop; a live source drains first unless an error caused it).
 *   The capture thread returns, sets capture_done, and each worker drains its
 *   ring before it exits, so every frame handed over is processed.
 * wait: joins capture, workers, stats (in that order), delivers the final stats.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ck_pr.h>
#include <urcu/urcu-qsbr.h>

#include "defrag/defrag.h"
#include "flowtap/error.h"
#include "export/exporter_internal.h"
#include "tracker/tracker.h"
#include "workers/pipeline_internal.h"
#include "workers/shard.h"
#include "decode/flowkey.h"

void
ft_config_init(struct ft_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->snaplen = 65535;
	cfg->promisc = 1;
	cfg->buffer_size = 0; /* 10 MiB buffered; sized from the snap length immediate */
	cfg->buffer_timeout_ms = 1000;
	cfg->nano = 1;
	cfg->use_mmap = 1;
	cfg->ring_slots = 0; /* 65536 live, 16384 reading a file */
	cfg->arena_bytes = 32u << 20;
	cfg->batch = 32;
	cfg->stats_interval = -1; /* default: 1 s live, off for files */
	cfg->decode = 1;
	cfg->track = 1;
	cfg->reassemble = 1;
	cfg->max_flows = 1u << 20;
	cfg->ooo_flow_bytes = 256u << 10;
	cfg->ooo_bytes = 64u << 20;
	cfg->timeout_syn = 30;
	cfg->timeout_idle = 300;
	cfg->timeout_closed = 30;
	cfg->timeout_udp = 60;
	cfg->timeout_icmp = 30;
	cfg->timeout_other = 60;
	cfg->reorder_window = 0.5;
	cfg->defrag = 1;
	cfg->defrag_max_datagrams = 1024;
	cfg->defrag_max_frags = 64;
	cfg->defrag_max_bytes = 4u << 20;
	cfg->defrag_timeout = 30;
}

void
ft__set_error(struct ft_pipeline *p, int err, const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	/* The first error is the cause; later ones are consequences. */
	if (!atomic_compare_exchange_strong(&p->err, &expected, err))
		return;
	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
}

static char *
dup_or_null(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*failed = 1;
	return d;
}

static unsigned
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 1 ? (unsigned)(n - 1) : 1;
}

static int
check_config(const struct ft_config *cfg, char *errbuf)
{
	if ((cfg->device == NULL) == (cfg->file == NULL)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "give exactly one source: an interface or a file");
		return FT_EINVAL;
	}
	if (cfg->workers > FT_MAX_WORKERS) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "at most %d workers", FT_MAX_WORKERS);
		return FT_EINVAL;
	}
	if (cfg->ring_slots != 0 &&
		(cfg->ring_slots < 64 || (cfg->ring_slots & (cfg->ring_slots - 1)) != 0)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "ring slots must be a power of two >= 64");
		return FT_EINVAL;
	}
	if (cfg->batch == 0 || cfg->batch > FT_BATCH_MAX) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "batch must be 1..%d", FT_BATCH_MAX);
		return FT_EINVAL;
	}
	if (cfg->track && (cfg->max_flows == 0 || cfg->timeout_syn <= 0 || cfg->timeout_idle <= 0 ||
				  cfg->timeout_closed <= 0 || !(cfg->reorder_window >= 0) ||
				  !(cfg->timeout_udp > 0) || !(cfg->timeout_icmp > 0) ||
				  !(cfg->timeout_other > 0))) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "tracking needs max_flows > 0 and timeouts > 0");
		return FT_EINVAL;
	}
	if (cfg->defrag &&
		(cfg->defrag_max_datagrams == 0 || cfg->defrag_max_frags == 0 ||
			cfg->defrag_max_bytes < FT_DEFRAG_BLOCK || !(cfg->defrag_timeout > 0))) {
		snprintf(errbuf, FT_ERRBUF_SIZE,
			"defragmentation needs max datagrams, fragments, bytes and a timeout > 0");
		return FT_EINVAL;
	}
	if (cfg->n_exporters > FT_MAX_EXPORTERS) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "at most %d exporters", FT_MAX_EXPORTERS);
		return FT_EINVAL;
	}
	for (unsigned i = 0; i < cfg->n_exporters; i++)
		if (cfg->exporters[i] == NULL) {
			snprintf(errbuf, FT_ERRBUF_SIZE, "exporter %u is NULL", i);
			return FT_EINVAL;
		}
	if (cfg->n_exporters > 0 && !(cfg->track && cfg->decode)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "exporters need flow tracking (and decoding)");
		return FT_EINVAL;
	}
	if (cfg->snaplen <= 0 || cfg->snaplen > 262144) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "snap length must be 1..262144");
		return FT_EINVAL;
	}
	return 0;
}

/* Smallest arena with defragmentation on: room for four of the largest datagrams. */
#define FT_DEFRAG_ARENA (4ull * (65536 + FT_DEFRAG_HDR_MAX + FT_DEFRAG_HEADROOM))

/*
 * Each worker's tracker gets max_flows / workers sessions, plus an eighth for
 * the hash's imbalance between shards.
 */
static int
make_tracker(struct ft_pipeline *p, struct ft_worker *w, char *errbuf)
{
	struct ft_tracker_config tc;
	uint64_t share = p->cfg.max_flows / p->n_workers;

	memset(&tc, 0, sizeof(tc));
	tc.max_flows = (uint32_t)(share + share / 8 + 16);
	tc.ooo_flow_bytes = p->cfg.ooo_flow_bytes;
	tc.ooo_bytes = p->cfg.ooo_bytes;
	tc.reassemble = p->cfg.reassemble;
	tc.timeout_syn_ns = ft__secs_ns(p->cfg.timeout_syn);
	tc.timeout_idle_ns = ft__secs_ns(p->cfg.timeout_idle);
	tc.timeout_closed_ns = ft__secs_ns(p->cfg.timeout_closed);
	tc.timeout_udp_ns = ft__secs_ns(p->cfg.timeout_udp);
	tc.timeout_icmp_ns = ft__secs_ns(p->cfg.timeout_icmp);
	tc.timeout_other_ns = ft__secs_ns(p->cfg.timeout_other);
	tc.reorder_window_ns = ft__secs_ns(p->cfg.reorder_window);
	tc.worker = w->idx;
	tc.on_flow = p->cfg.on_flow;
	tc.user = p->cfg.user;
	if (p->cfg.n_exporters > 0) {
		/* Ended flows go to the exporters' queues first (worker.c). */
		tc.on_flow = ft__worker_flow;
		tc.user = w;
	}
	w->tracker = ft__tracker_new(&tc, errbuf, FT_ERRBUF_SIZE);
	return w->tracker != NULL ? 0 : FT_ENOMEM;
}

#define BUFFERED_DEFAULT (10 * 1024 * 1024)

FT_EXTERN int
ft_immediate_buffer_size(int snaplen)
{
	/*
	 * libpcap's TPACKET_V2 slot: the frame (snap length, which libpcap caps at
	 * 65535 + 18 on Ethernet) after a tpacket2_hdr and sockaddr_ll, 16-aligned.
	 */
	uint64_t frame = (uint64_t)(snaplen < 65535 + 18 ? snaplen : 65535 + 18);
	uint64_t slot = (frame + 32 + 20 + 64 + 15) & ~15ull;
	uint64_t want = slot * FT_IMMEDIATE_FRAMES;

	if (want < BUFFERED_DEFAULT)
		want = BUFFERED_DEFAULT;
	if (want > 256u << 20)
		want = 256u << 20;
	return (int)want;
}

/* The kernel buffer a live capture asks for: the user's, or the default of its mode. */
static int
buffer_size_for(const struct ft_config *cfg)
{
	if (cfg->buffer_size > 0)
		return cfg->buffer_size;
	if (cfg->immediate || cfg->buffer_timeout_ms <= 0)
		return ft_immediate_buffer_size(cfg->snaplen);
	return BUFFERED_DEFAULT;
}

/* The source, its facts, and the -w writer those facts configure. */
static int
open_source(struct ft_pipeline *p, char *errbuf)
{
	struct ft_source_config sc;
	struct ft_writer_config wc;
	const struct ft_source_info *in;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.device = p->device;
	sc.file = p->file;
	sc.filter = p->filter;
	sc.snaplen = p->cfg.snaplen;
	sc.promisc = p->cfg.promisc;
	p->buffer_size = p->device == NULL ? 0 : buffer_size_for(&p->cfg);
	sc.buffer_size = p->buffer_size;
	sc.buffer_timeout_ms = p->cfg.buffer_timeout_ms;
	sc.immediate = p->cfg.immediate;
	sc.monitor = p->cfg.monitor;
	sc.nano = p->cfg.nano;
	sc.use_mmap = p->cfg.use_mmap;
	sc.on_warning = p->cfg.on_warning;
	sc.user = p->cfg.user;
	rc = ft__source_open(&sc, &p->src, errbuf);
	if (rc != 0)
		return rc;
	in = ft__source_info(p->src);
	p->dlt = in->dlt;
	p->snaplen = in->snaplen;
	p->ts_digits = in->ts_digits;
	p->zero_copy = in->zero_copy;
	if (p->write_file == NULL)
		return 0;
	memset(&wc, 0, sizeof(wc));
	wc.path = p->write_file;
	wc.rotate_bytes = p->cfg.write_rotate_bytes;
	wc.rotate_secs = p->cfg.write_rotate_secs;
	wc.file_count = p->cfg.write_file_count;
	wc.dlt = in->dlt;
	wc.snaplen = in->snaplen;
	wc.nsec = in->write_nsec;
	return ft__writer_open(&wc, &p->wr, errbuf);
}

static int walk_flows(void *ctx, ft_flow_visit_cb *cb, void *user);
static void snap_stats(void *ctx, struct ft_stats *st);

int
ft_pipeline_create(const struct ft_config *cfg, struct ft_pipeline **out, char *errbuf)
{
	char ebuf[FT_ERRBUF_SIZE];
	struct ft_pipeline *p;
	int rc, failed = 0;
	uint64_t arena;
	unsigned slots;

	if (errbuf == NULL)
		errbuf = ebuf;
	errbuf[0] = '\0';
	if (cfg == NULL || out == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "no config");
		return FT_EINVAL;
	}
	rc = check_config(cfg, errbuf);
	if (rc != 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return FT_ENOMEM;
	p->cfg = *cfg;
	p->device = dup_or_null(cfg->device, &failed);
	p->file = dup_or_null(cfg->file, &failed);
	p->filter = dup_or_null(cfg->filter, &failed);
	p->write_file = dup_or_null(cfg->write_file, &failed);
	p->cfg.device = p->device;
	p->cfg.file = p->file;
	p->cfg.filter = p->filter;
	p->cfg.write_file = p->write_file;
	pthread_mutex_init(&p->stats_lock, NULL);
	pthread_cond_init(&p->stats_cond, NULL);
	if (failed) {
		rc = FT_ENOMEM;
		goto fail;
	}
	p->n_workers = cfg->workers ? cfg->workers : default_workers();
	if (p->n_workers > FT_MAX_WORKERS)
		p->n_workers = FT_MAX_WORKERS;
	p->live = cfg->device != NULL;
	if (p->cfg.stats_interval < 0)
		p->cfg.stats_interval = p->live ? 1.0 : 0.0;

	rc = open_source(p, errbuf);
	if (rc != 0)
		goto fail;

	p->workers = calloc(p->n_workers, sizeof(*p->workers));
	if (p->workers == NULL) {
		rc = FT_ENOMEM;
		goto fail;
	}
	if (cfg->defrag) {
		struct ft_defrag_limits dl;

		dl.max_datagrams = cfg->defrag_max_datagrams;
		dl.max_frags = cfg->defrag_max_frags;
		dl.max_bytes = cfg->defrag_max_bytes;
		dl.timeout_ns = ft__secs_ns(cfg->defrag_timeout);
		p->defrag = ft__defrag_new(&dl, errbuf, FT_ERRBUF_SIZE);
		if (p->defrag == NULL) {
			rc = FT_ENOMEM;
			goto fail;
		}
	}
	/* The arena holds copies; the mmap reader hands out pointers into the file
	 * (then only reassembled datagrams, which are always copies, use it). */
	arena = p->zero_copy ? 0 : cfg->arena_bytes;
	if (arena != 0 && arena < 4ull * (uint64_t)p->snaplen)
		arena = 4ull * (uint64_t)p->snaplen;
	if (p->defrag != NULL && arena < FT_DEFRAG_ARENA)
		arena = FT_DEFRAG_ARENA;
	/* A live ring absorbs the worker's stalls (on a shared machine, the
	 * scheduler's; 65536 slots are ~0.26 s at 250k frames/s: scripts/knee.sh
	 * had ring drops from 250k with 16384 and none to 300k with 65536). A
	 * file waits instead of dropping: a smaller ring stays in cache. */
	slots = cfg->ring_slots != 0 ? cfg->ring_slots : p->live ? 65536u : 16384u;
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct ft_worker *w = &p->workers[i];

		w->p = p;
		w->idx = i;
		if (ft__ring_init(&w->ring, slots) != 0 || ft__arena_init(&w->arena, arena) != 0) {
			rc = FT_ENOMEM;
			snprintf(errbuf, FT_ERRBUF_SIZE,
				"cannot allocate worker %u's ring (%u slots) "
				"and arena (%llu bytes)",
				i, slots, (unsigned long long)arena);
			goto fail;
		}
		if (p->live)
			ft__ring_prefault(&w->ring, &w->arena);
		if (p->cfg.track && p->cfg.decode) {
			rc = make_tracker(p, w, errbuf);
			if (rc != 0)
				goto fail;
		}
	}
	for (unsigned i = 0; i < cfg->n_exporters; i++) {
		rc = ft__exporter_attach(cfg->exporters[i], p->n_workers, p->live, walk_flows,
			snap_stats, p, &p->stop, errbuf);
		if (rc != 0)
			goto fail;
		p->packet_exporters |= ft__exporter_wants_packets(cfg->exporters[i]);
	}
	p->n_exporters = cfg->n_exporters; /* ours from here on */
	*out = p;
	return 0;
fail:
	if (errbuf[0] == '\0')
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s", ft_strerror(rc));
	ft_pipeline_destroy(p);
	return rc;
}

/* The exporters' view of the counters (any thread). */
static void
snap_stats(void *ctx, struct ft_stats *st)
{
	ft__stats_snapshot(ctx, st);
}

static int
walk_flows(void *ctx, ft_flow_visit_cb *cb, void *user)
{
	return ft_pipeline_flows(ctx, cb, user);
}

static int sink_frame(
	void *user, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns);

static void *
capture_main(void *arg)
{
	struct ft_pipeline *p = arg;
	const char *msg;
	int rc;

	rc = ft__source_run(p->src, sink_frame, p);
	if (p->defrag != NULL)
		ft__defrag_expire(p->defrag, UINT64_MAX); /* incomplete at the end: timed out */
	ft__publish_cpu(&p->capture_cpu_ns);
	if (rc != 0) {
		msg = ft__source_errmsg(p->src);
		ft__set_error(p, rc, "%s", msg[0] != '\0' ? msg : ft_strerror(rc));
	}
	/* Release: every enqueue above happens before a worker sees done. */
	atomic_store_explicit(&p->capture_done, 1, memory_order_release);
	return NULL;
}

int
ft_pipeline_start(struct ft_pipeline *p)
{
	if (p->started)
		return FT_EBUSY;
	p->started = 1;
	for (unsigned i = 0; i < p->n_exporters; i++)
		if (ft__exporter_start(p->cfg.exporters[i]) != 0)
			goto fail;
	for (unsigned i = 0; i < p->n_workers; i++) {
		if (pthread_create(&p->workers[i].thread, NULL, ft__worker_main, &p->workers[i]) !=
			0)
			goto fail;
		p->workers[i].started = 1;
	}
	if (p->cfg.stats_interval > 0 && p->cfg.on_stats != NULL) {
		if (pthread_create(&p->stats_thread, NULL, ft__stats_main, p) != 0)
			goto fail;
		p->stats_started = 1;
	}
	if (pthread_create(&p->capture_thread, NULL, capture_main, p) != 0)
		goto fail;
	p->capture_started = 1;
	return 0;
fail:
	ft__set_error(p, FT_ETHREAD, "cannot start a thread: %s", strerror(errno));
	/* Threads already running see the capture as done and exit. */
	atomic_store_explicit(&p->capture_done, 1, memory_order_release);
	ft_pipeline_stop(p);
	return FT_ETHREAD;
}

void
ft_pipeline_stop(struct ft_pipeline *p)
{
	/* Async-signal-safe: atomics and ft__source_break (write(2), pcap_breakloop).
	 * A stop asked for drains a live source; one caused by an error (set
	 * before the stop) or a failed consumer does not. */
	atomic_store(&p->stop, 1);
	if (p->src != NULL)
		ft__source_break(
			p->src, atomic_load(&p->err) == 0 && !atomic_load(&p->consumer_failed));
}

int
ft_pipeline_wait(struct ft_pipeline *p)
{
	struct ft_stats st;

	if (!p->started || p->waited)
		return atomic_load(&p->err);
	p->waited = 1;
	if (p->capture_started)
		pthread_join(p->capture_thread, NULL);
	for (unsigned i = 0; i < p->n_workers; i++)
		if (p->workers[i].started)
			pthread_join(p->workers[i].thread, NULL);
	/* Workers are done queueing: each exporter drains, sends and stops. */
	for (unsigned i = 0; i < p->n_exporters; i++)
		ft__exporter_finish(p->cfg.exporters[i]);
	if (p->stats_started) {
		pthread_mutex_lock(&p->stats_lock);
		p->stats_quit = 1;
		pthread_cond_signal(&p->stats_cond);
		pthread_mutex_unlock(&p->stats_lock);
		pthread_join(p->stats_thread, NULL);
	}
	if (p->wr != NULL) { /* the capture thread is done: the -w file is ours */
		int rc = ft__writer_finish(p->wr);

		if (rc < 0)
			ft__set_error(p, rc, "%s", ft__writer_errmsg(p->wr));
	}
	if (p->cfg.on_stats != NULL) {
		ft__stats_snapshot(p, &st);
		p->cfg.on_stats(&st, 1, p->cfg.user);
	}
	return atomic_load(&p->err);
}

void
ft_pipeline_destroy(struct ft_pipeline *p)
{
	if (p == NULL)
		return;
	if (p->started && !p->waited) {
		ft_pipeline_stop(p);
		ft_pipeline_wait(p);
	}
	/* Start failed before wait: stop the exporters before the workers go
	 * (an exporter's last stats snapshot reads the workers' counters). */
	for (unsigned i = 0; i < p->n_exporters; i++)
		ft__exporter_finish(p->cfg.exporters[i]);
	if (p->workers != NULL) {
		for (unsigned i = 0; i < p->n_workers; i++) {
			ft__tracker_free(p->workers[i].tracker);
			ft__ring_fini(&p->workers[i].ring);
			ft__arena_fini(&p->workers[i].arena);
		}
		free(p->workers);
	}
	for (unsigned i = 0; i < p->n_exporters; i++)
		ft_exporter_free(p->cfg.exporters[i]);
	ft__defrag_free(p->defrag);
	ft__writer_close(p->wr);
	ft__source_close(p->src);
	pthread_mutex_destroy(&p->stats_lock);
	pthread_cond_destroy(&p->stats_cond);
	free(p->device);
	free(p->file);
	free(p->filter);
	free(p->write_file);
	free(p);
}

const char *
ft_pipeline_errmsg(const struct ft_pipeline *p)
{
	return p->errmsg;
}

int
ft_pipeline_datalink(const struct ft_pipeline *p)
{
	return p->dlt;
}

int
ft_pipeline_snaplen(const struct ft_pipeline *p)
{
	return p->snaplen;
}

int
ft_pipeline_buffer_size(const struct ft_pipeline *p)
{
	return p->buffer_size;
}

unsigned
ft_pipeline_workers(const struct ft_pipeline *p)
{
	return p->n_workers;
}

int
ft_pipeline_capture_done(const struct ft_pipeline *p)
{
	return atomic_load_explicit(&p->capture_done, memory_order_acquire);
}

/* Set on threads registered with liburcu (workers): they need no registration here. */
_Thread_local int ft__rcu_registered;

int
ft_pipeline_flows(struct ft_pipeline *p, ft_flow_visit_cb *cb, void *user)
{
	int rc = 0, reg = !ft__rcu_registered;

	if (!p->cfg.track || p->workers == NULL || p->workers[0].tracker == NULL)
		return FT_ENOTSUP;
	if (reg)
		urcu_qsbr_register_thread();
	for (unsigned i = 0; i < p->n_workers && rc == 0; i++)
		rc = ft__tracker_visit(p->workers[i].tracker, cb, user);
	if (reg)
		urcu_qsbr_unregister_thread();
	return 0;
}

int
ft_pipeline_inject(struct ft_pipeline *p, const void *frame, size_t len)
{
	/* Not ft__set_error: a failed send does not end the capture. */
	return ft__source_inject(p->src, frame, len, p->errmsg);
}

/* Wait for the worker to make room: spin briefly, then sleep in short steps. */
static void
wait_for_room(unsigned *spins)
{
	if (++*spins < 64) {
		ck_pr_stall();
		return;
	}
	struct timespec ts = {0, *spins < 256 ? 1000 : 20000};

	nanosleep(&ts, NULL);
}

/*
 * A descriptor in w's ring, and len bytes in its arena when copying. NULL
 * when there is no room on a live capture (never wait), or when stopping.
 */
static inline struct ft_desc *
reserve(struct ft_pipeline *p, struct ft_worker *w, uint32_t len, int copy, uint8_t **buf,
	uint64_t *end)
{
	struct ft_desc *slot;
	unsigned spins = 0;

	for (;;) {
		slot = ft__ring_reserve(&w->ring);
		if (slot != NULL) {
			if (!copy)
				return slot;
			*buf = ft__arena_alloc(&w->arena, len, end);
			if (*buf != NULL)
				return slot;
		}
		if (p->live || ft__stopping(p))
			return NULL;
		wait_for_room(&spins);
	}
}

/* Fill and publish a descriptor; n is the frame just captured, k and hash its flow key. */
static inline void
commit(struct ft_pipeline *p, struct ft_worker *w, struct ft_desc *slot, const uint8_t *data,
	uint32_t caplen, uint32_t len, uint64_t ts_ns, uint64_t end, uint32_t flags,
	const struct ft_flow_key *k, uint32_t hash)
{
	slot->hash = hash;
	slot->key = *k;
	slot->data = data;
	slot->ts_ns = ts_ns;
	slot->n = FT_CTR_GET(p->captured);
	slot->arena_end = end;
	slot->caplen = caplen;
	slot->len = len;
	slot->flags = flags;
	ft__ring_commit(&w->ring, slot);
}

/*
 * Hand a reassembled datagram (dg, dglen; FT_DEFRAG_HEADROOM writable bytes
 * before it) to its flow's worker, behind the link header of the frame that
 * completed it (frame, ipoff bytes). Counted as frag_handoff_drop when a live
 * ring has no room.
 */
static void
deliver_datagram(struct ft_pipeline *p, const uint8_t *frame, uint32_t ipoff, uint8_t *dg,
	uint32_t dglen, uint64_t ts_ns)
{
	uint8_t *f = dg - ipoff, *buf = NULL;
	uint32_t len = ipoff + dglen, hash, dg_ipoff;
	struct ft_flow_key k;
	struct ft_worker *w;
	struct ft_desc *slot;
	uint64_t end = 0;

	memcpy(f, frame, ipoff);
	hash = ft__flow_key_of_frame(p->dlt, f, len, &k, &dg_ipoff);
	w = &p->workers[ft__shard_of(hash, p->n_workers)];
	slot = len <= w->arena.size ? reserve(p, w, len, 1, &buf, &end) : NULL;
	if (slot == NULL) {
		FT_CTR_ADD(p->frag_handoff_drop, 1);
		return;
	}
	memcpy(buf, f, len);
	commit(p, w, slot, buf, len, len, ts_ns, end, FT_DESC_REASSEMBLED, &k, hash);
}

/* One frame to its worker's ring; -1 if stopped while waiting for room (not taken). */
static int
deliver(struct ft_pipeline *p, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	int copy = !p->zero_copy;
	struct ft_worker *w;
	struct ft_desc *slot;
	const uint8_t *frame = data;
	uint8_t *buf = NULL, *dg = NULL;
	uint64_t end = 0;
	uint32_t dglen = 0, flags = 0, ipoff, hash;
	struct ft_flow_key k;
	enum ft_defrag_verdict v = FT_DEFRAG_NONE;

	hash = ft__flow_key_of_frame(p->dlt, data, caplen, &k, &ipoff);
	/* What a frame that is not a fragment pays (with defrag on): the flow
	 * key found its IP header; a couple of compares say it is no fragment. */
	if (p->defrag != NULL && ipoff != FT_NO_IP &&
		ft__defrag_candidate(data + ipoff, caplen - ipoff)) {
		v = ft__defrag_ip(p->defrag, data + ipoff, caplen - ipoff,
			k.vlan[0] | (uint32_t)k.vlan[1] << 16, ts_ns, &dg, &dglen);
		if (v != FT_DEFRAG_NONE)
			flags = FT_DESC_FRAGMENT;
	}
	w = &p->workers[ft__shard_of(hash, p->n_workers)];
	slot = reserve(p, w, caplen, copy, &buf, &end);
	if (slot == NULL) {
		if (!p->live) {
			if (v == FT_DEFRAG_DONE)
				FT_CTR_ADD(p->frag_handoff_drop, 1);
			return -1; /* stopped while waiting: this frame was never taken */
		}
		/* Never block a live capture: count the drop against this worker. */
		FT_CTR_ADD(p->captured, 1);
		FT_CTR_ADD(w->ring_drop, 1);
		if (v == FT_DEFRAG_DONE)
			deliver_datagram(p, frame, ipoff, dg, dglen, ts_ns);
		return 0;
	}
	if (copy) {
		memcpy(buf, data, caplen);
		data = buf;
	}
	FT_CTR_ADD(p->captured, 1);
	commit(p, w, slot, data, caplen, len, ts_ns, end, flags, &k, hash);
	FT_CTR_ADD(w->enqueued, 1);
	if (v == FT_DEFRAG_DONE)
		deliver_datagram(p, frame, ipoff, dg, dglen, ts_ns);
	return 0;
}

/* The pipeline's sink (capture thread): the ring, then -w, then the count. */
static int
sink_frame(void *user, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	struct ft_pipeline *p = user;
	int rc;

	/* The capture thread's CPU time, every 4096 frames (a system call). */
	if ((++p->sunk & 4095) == 0)
		ft__publish_cpu(&p->capture_cpu_ns);
	if (deliver(p, data, caplen, len, ts_ns) != 0)
		return 1;
	if (p->wr != NULL && (rc = ft__writer_frame(p->wr, data, caplen, len, ts_ns)) != 0) {
		if (rc != FT_WRITER_CLOSED)
			ft__set_error(p, rc, "%s", ft__writer_errmsg(p->wr));
		ft_pipeline_stop(p);
		return 1;
	}
	return ft__count_reached(p);
}
