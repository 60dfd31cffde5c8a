/*
 * pipeline.c - life cycle of the pipeline and the capture thread's hand-off.
 *
 * DESIGN
 * create: copy the config, open the source (capture/), size every ring and
 *   arena. Nothing is allocated after this.
 * start: one thread per worker, then the stats thread, then the capture thread.
 * capture thread: the source's run function reads frames and calls
 *   ft__deliver() for each: hash -> worker -> (copy into the worker's arena) ->
 *   descriptor into the worker's ring. A live source never waits: a full ring
 *   or arena drops the frame and counts it against that worker (ring_drop).
 *   A file waits for room, so reading a file is lossless.
 * stop: sets a flag and wakes the capture thread (eventfd; pcap_breakloop).
 *   The capture thread returns, sets capture_done, and each worker drains its
 *   ring before it exits, so every frame handed over is processed.
 * wait: joins capture, workers, stats (in that order), delivers the final stats.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <ck_pr.h>
#include <urcu/urcu-qsbr.h>

#include "flowtap/error.h"
#include "export/exporter_internal.h"
#include "tracker/tracker.h"
#include "workers/pipeline_internal.h"
#include "workers/shard.h"

void
ft_config_init(struct ft_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->snaplen = 65535;
	cfg->promisc = 1;
	cfg->buffer_size = 10 * 1024 * 1024;
	cfg->buffer_timeout_ms = 1000;
	cfg->nano = 1;
	cfg->use_mmap = 1;
	cfg->ring_slots = 16384;
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
	cfg->reorder_window = 0.5;
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
	if (cfg->ring_slots < 64 || (cfg->ring_slots & (cfg->ring_slots - 1)) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "ring slots must be a power of two >= 64");
		return FT_EINVAL;
	}
	if (cfg->batch == 0 || cfg->batch > FT_BATCH_MAX) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "batch must be 1..%d", FT_BATCH_MAX);
		return FT_EINVAL;
	}
	if (cfg->track && (cfg->max_flows == 0 || cfg->timeout_syn <= 0 || cfg->timeout_idle <= 0 ||
				  cfg->timeout_closed <= 0 || !(cfg->reorder_window >= 0))) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "tracking needs max_flows > 0 and timeouts > 0");
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

static uint64_t
secs_to_ns(double s)
{
	return (uint64_t)(s * 1e9);
}

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
	tc.timeout_syn_ns = secs_to_ns(p->cfg.timeout_syn);
	tc.timeout_idle_ns = secs_to_ns(p->cfg.timeout_idle);
	tc.timeout_closed_ns = secs_to_ns(p->cfg.timeout_closed);
	tc.reorder_window_ns = secs_to_ns(p->cfg.reorder_window);
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

static int walk_flows(void *ctx, ft_flow_visit_cb *cb, void *user);

int
ft_pipeline_create(const struct ft_config *cfg, struct ft_pipeline **out, char *errbuf)
{
	char ebuf[FT_ERRBUF_SIZE];
	struct ft_pipeline *p;
	int rc, failed = 0;
	uint64_t arena;

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
	p->evfd = -1;
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

	p->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->evfd < 0) {
		rc = -errno;
		snprintf(errbuf, FT_ERRBUF_SIZE, "eventfd: %s", strerror(errno));
		goto fail;
	}
	rc = ft__source_open(p, errbuf);
	if (rc != 0)
		goto fail;

	p->workers = calloc(p->n_workers, sizeof(*p->workers));
	if (p->workers == NULL) {
		rc = FT_ENOMEM;
		goto fail;
	}
	/* The arena holds copies; the mmap reader hands out pointers into the file. */
	arena = p->use_mmap ? 0 : cfg->arena_bytes;
	if (arena != 0 && arena < 4ull * (uint64_t)p->snaplen)
		arena = 4ull * (uint64_t)p->snaplen;
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct ft_worker *w = &p->workers[i];

		w->p = p;
		w->idx = i;
		if (ft__ring_init(&w->ring, cfg->ring_slots) != 0 ||
			ft__arena_init(&w->arena, arena) != 0) {
			rc = FT_ENOMEM;
			snprintf(errbuf, FT_ERRBUF_SIZE,
				"cannot allocate worker %u's ring (%u slots) "
				"and arena (%llu bytes)",
				i, cfg->ring_slots, (unsigned long long)arena);
			goto fail;
		}
		if (p->cfg.track && p->cfg.decode) {
			rc = make_tracker(p, w, errbuf);
			if (rc != 0)
				goto fail;
		}
	}
	for (unsigned i = 0; i < cfg->n_exporters; i++) {
		rc = ft__exporter_attach(
			cfg->exporters[i], p->n_workers, p->live, walk_flows, p, &p->stop, errbuf);
		if (rc != 0)
			goto fail;
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

static int
walk_flows(void *ctx, ft_flow_visit_cb *cb, void *user)
{
	return ft_pipeline_flows(ctx, cb, user);
}

static void *
capture_main(void *arg)
{
	struct ft_pipeline *p = arg;
	int rc;

	rc = ft__capture_run(p);
	if (rc != 0 && atomic_load(&p->err) == 0)
		ft__set_error(p, rc, "%s", ft_strerror(rc));
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
	uint64_t one = 1;
	ssize_t r;

	/* Async-signal-safe: an atomic store, write(2), and pcap_breakloop (a flag
	 * plus, on Linux, a write to libpcap's own eventfd). */
	atomic_store(&p->stop, 1);
	if (p->evfd >= 0) {
		r = write(p->evfd, &one, sizeof(one));
		(void)r;
	}
	if (p->pcap != NULL)
		pcap_breakloop(p->pcap);
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
	(void)ft__dump_finish(p); /* the capture thread is done: the -w file is ours */
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
	if (p->workers != NULL) {
		for (unsigned i = 0; i < p->n_workers; i++) {
			ft__tracker_free(p->workers[i].tracker);
			ft__ring_fini(&p->workers[i].ring);
			ft__arena_fini(&p->workers[i].arena);
		}
		free(p->workers);
	}
	for (unsigned i = 0; i < p->n_exporters; i++) {
		ft__exporter_finish(p->cfg.exporters[i]); /* start failed before wait */
		ft_exporter_free(p->cfg.exporters[i]);
	}
	ft__source_close(p);
	if (p->evfd >= 0)
		close(p->evfd);
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

unsigned
ft_pipeline_workers(const struct ft_pipeline *p)
{
	return p->n_workers;
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
	int n;

	if (!p->live || p->pcap == NULL)
		return FT_ENOTSUP;
	n = pcap_inject(p->pcap, frame, len);
	if (n < 0) {
		/* Not ft__set_error: a failed send does not end the capture. */
		snprintf(p->errmsg, sizeof(p->errmsg), "pcap_inject: %s", pcap_geterr(p->pcap));
		return FT_EPCAP;
	}
	return n;
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

int
ft__deliver(struct ft_pipeline *p, const uint8_t *data, uint32_t caplen, uint32_t len,
	uint64_t ts_ns, int copy)
{
	struct ft_worker *w;
	struct ft_desc *slot;
	uint8_t *buf = NULL;
	uint64_t end = 0;
	unsigned spins = 0;

	w = &p->workers[ft__shard_of(ft__flow_hash(p->dlt, data, caplen), p->n_workers)];
	for (;;) {
		slot = ft__ring_reserve(&w->ring);
		if (slot != NULL) {
			if (!copy)
				break;
			buf = ft__arena_alloc(&w->arena, caplen, &end);
			if (buf != NULL)
				break;
		}
		if (p->live) {
			/* Never block a live capture: count the drop against this worker. */
			FT_CTR_ADD(p->captured, 1);
			FT_CTR_ADD(w->ring_drop, 1);
			return 0;
		}
		if (ft__stopping(p))
			return -1; /* stopped while waiting: this frame was never taken */
		wait_for_room(&spins);
	}
	if (copy) {
		memcpy(buf, data, caplen);
		data = buf;
	}
	FT_CTR_ADD(p->captured, 1);
	slot->data = data;
	slot->ts_ns = ts_ns;
	slot->n = FT_CTR_GET(p->captured);
	slot->arena_end = end;
	slot->caplen = caplen;
	slot->len = len;
	ft__ring_commit(&w->ring, slot);
	FT_CTR_ADD(w->enqueued, 1);
	return 0;
}
