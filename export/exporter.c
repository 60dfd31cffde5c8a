/*
 * exporter.c - the exporter framework: per-worker queues, the exporter thread,
 * the active timeout, and the counters.
 *
 * export/ holds what sends records out of the process (IPFIX, Redis). Each
 * exporter has one thread; workers reach it only through bounded SPSC queues
 * (ck_ring, flow copies in preallocated slots), so a slow or dead collector
 * costs a worker at most a counted drop (live) or a wait while the exporter
 * is healthy (file).
 *
 * Active timeout: the thread walks the open flows every active_timeout seconds
 * and exports the growth since the last record of each flow. What it exported
 * per flow id sits in an open-addressing table (linear probing, backward-shift
 * delete) sized at creation; the final record subtracts it and frees the entry.
 * A walk and the queues are served by the same thread, and the tracker marks a
 * flow closed before queueing its end (ft__tracker_visit skips closed flows), so
 * no interim record can follow a flow's final record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/exporter_internal.h"
#include "flowtap/error.h"
#include "flowtap/packet.h"
#include "core/counter.h"
#include "core/time.h"
#include "core/tsan.h"

#define DRAIN_MAX 256u        /* records taken from one queue per round */
#define LQ_WRAP   0xffffffffu /* an lq entry length: the rest up to the end is unused */

struct ft_xent {
	uint64_t key; /* flow id + 1; 0: empty */
	uint64_t packets[2], octets[2];
};

struct ft_exporter *
ft__exporter_new(const char *name, const struct ft_exporter_common *c,
	const struct ft_exporter_ops *ops, void *impl)
{
	struct ft_exporter *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->common = *c;
	e->ops = ops;
	e->impl = impl;
	pthread_mutex_init(&e->box_lock, NULL);
	return e;
}

void
ft__export_done(struct ft_exporter *e, uint64_t delivered, uint64_t dropped)
{
	if (delivered)
		FT_CTR_ADD(e->delivered, delivered);
	if (dropped)
		FT_CTR_ADD(e->dropped, dropped);
}

void
ft__export_healthy(struct ft_exporter *e, int healthy)
{
	atomic_store_explicit(&e->healthy, healthy, memory_order_relaxed);
}

void
ft_exporter_free(struct ft_exporter *e)
{
	if (e == NULL)
		return;
	if (e->ops != NULL && e->ops->free != NULL)
		e->ops->free(e->impl);
	for (unsigned i = 0; e->q != NULL && i < e->n_q; i++)
		free(e->q[i].slots);
	free(e->q);
	for (unsigned i = 0; e->lq != NULL && i < e->n_q; i++) {
		free(e->lq[i].buf);
		free(e->lq[i].scratch);
	}
	free(e->lq);
	free(e->tab);
	free(e->box);
	pthread_mutex_destroy(&e->box_lock);
	free(e);
}

static uint32_t
pow2_at_least(uint64_t n)
{
	uint32_t p = 4;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

int
ft__exporter_attach(struct ft_exporter *e, unsigned n_workers, int live, ft_walk_fn *walk,
	ft_snap_fn *snap, void *walk_ctx, const _Atomic int *stop, char *errbuf)
{
	uint32_t slots = e->common.queue_slots;

	if (slots < 4 || (slots & (slots - 1)) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "exporter %s: queue slots must be a power of two",
			e->name);
		return FT_EINVAL;
	}
	e->q = calloc(n_workers, sizeof(*e->q));
	if (e->q == NULL)
		goto nomem;
	e->n_q = n_workers;
	for (unsigned i = 0; i < n_workers; i++) {
		e->q[i].slots = calloc(slots, sizeof(struct ft_flow));
		if (e->q[i].slots == NULL)
			goto nomem;
		ck_ring_init(&e->q[i].ring, slots);
	}
	if (e->lq_bytes != 0) {
		if (e->ops->packet == NULL || e->lq_bytes < 16384 ||
			(e->lq_bytes & (e->lq_bytes - 1)) != 0) {
			snprintf(errbuf, FT_ERRBUF_SIZE,
				"exporter %s: packet queue bytes must be a power of two >= 16384",
				e->name);
			return FT_EINVAL;
		}
		e->lq = calloc(n_workers, sizeof(*e->lq));
		if (e->lq == NULL)
			goto nomem;
		for (unsigned i = 0; i < n_workers; i++) {
			e->lq[i].buf = malloc(e->lq_bytes);
			e->lq[i].scratch = malloc(FT_PACKET_FORMAT_MAX);
			if (e->lq[i].buf == NULL || e->lq[i].scratch == NULL)
				goto nomem;
			e->lq[i].mask = e->lq_bytes - 1;
		}
	}
	if (e->common.active_timeout > 0) {
		/* Half full at most: probes stay short. */
		uint32_t cap =
			pow2_at_least(2ull * (e->common.max_interim ? e->common.max_interim : 1));

		e->tab = calloc(cap, sizeof(*e->tab));
		if (e->tab == NULL)
			goto nomem;
		e->tab_mask = cap - 1;
	}
	/* box[0]: the mailbox; box[1]: the exporter thread's copy. */
	if (e->ops->stats != NULL && (e->box = calloc(2, sizeof(*e->box))) == NULL)
		goto nomem;
	e->live = live;
	e->walk = walk;
	e->snap = snap;
	e->walk_ctx = walk_ctx;
	e->stop = stop;
	return 0;
nomem:
	snprintf(errbuf, FT_ERRBUF_SIZE, "exporter %s: cannot allocate its queues (%u slots x %u)",
		e->name, slots, n_workers);
	return FT_ENOMEM;
}

/* A worker's queue is full: may it wait for room? A live capture never
 * waits; a file waits while the exporter is healthy and nothing stops. */
static int
may_wait(const struct ft_exporter *e)
{
	return !e->live && atomic_load_explicit(&e->healthy, memory_order_relaxed) &&
	       !atomic_load_explicit(e->stop, memory_order_relaxed);
}

void
ft__exporter_push(struct ft_exporter *e, unsigned w, const struct ft_flow *f)
{
	struct ft_xq *q = &e->q[w];
	struct timespec ts = {0, 50000};

	for (;;) {
		unsigned int p = ck_pr_load_uint(&q->ring.p_tail);

		FT_TSAN_RELEASE(&q->slots[p & (q->ring.mask)]);
		if (ck_ring_enqueue_spsc_ftflow(&q->ring, q->slots, (struct ft_flow *)f))
			return;
		if (!may_wait(e))
			break;
		nanosleep(&ts, NULL);
	}
	FT_CTR_ADD(q->dropped, 1);
}

/* Room for need bytes at the producer's tail? (re-reads head only when short) */
static int
lq_room(struct ft_lq *q, uint64_t tail, uint64_t need)
{
	if (tail + need - q->head_seen <= (uint64_t)q->mask + 1)
		return 1;
	q->head_seen = atomic_load_explicit(&q->head, memory_order_acquire);
	return tail + need - q->head_seen <= (uint64_t)q->mask + 1;
}

void
ft__exporter_packet(struct ft_exporter *e, unsigned w, const struct ft_packet *pkt)
{
	struct ft_lq *q = &e->lq[w];
	struct timespec ts = {0, 50000};
	size_t n;
	uint64_t tail, skip;
	uint32_t pos, size;

	/* Live, with the exporter down (it would drop the record): spare the
	 * worker the formatting. Counted here instead of there. */
	if (e->live && !atomic_load_explicit(&e->healthy, memory_order_relaxed)) {
		FT_CTR_ADD(q->dropped, 1);
		return;
	}
	n = ft_format_packet_json(pkt, q->scratch, FT_PACKET_FORMAT_MAX);
	tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	pos = (uint32_t)tail & q->mask;
	size = (uint32_t)((4 + n + 3) & ~(size_t)3);
	/* An entry never wraps: skip to 0 when it does not fit before the end. */
	skip = pos + size > q->mask + 1 ? q->mask + 1 - pos : 0;

	while (!lq_room(q, tail, skip + size)) {
		if (!may_wait(e)) {
			FT_CTR_ADD(q->dropped, 1);
			return;
		}
		nanosleep(&ts, NULL);
	}
	if (skip != 0) {
		uint32_t wrap = LQ_WRAP;

		memcpy(q->buf + pos, &wrap, 4);
		pos = 0;
	}
	uint32_t len = (uint32_t)n;

	memcpy(q->buf + pos, &len, 4);
	memcpy(q->buf + pos + 4, q->scratch, n);
	atomic_store_explicit(&q->tail, tail + skip + size, memory_order_release);
	FT_CTR_ADD(q->n_in, 1);
}

/* The packet records worker i queued, to the backend (DRAIN_MAX at most). */
static unsigned
lq_drain(struct ft_exporter *e, struct ft_lq *q)
{
	uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
	unsigned n = 0;

	while (head != tail && n < DRAIN_MAX) {
		uint32_t pos = (uint32_t)head & q->mask, len;

		memcpy(&len, q->buf + pos, 4);
		if (len == LQ_WRAP) {
			head += q->mask + 1 - pos;
			continue;
		}
		e->ops->packet(e, (const char *)q->buf + pos + 4, len);
		head += (4 + len + 3) & ~3u;
		n++;
	}
	atomic_store_explicit(&q->head, head, memory_order_release);
	FT_CTR_ADD(q->n_out, n);
	return n;
}

void
ft__exporter_stats(const struct ft_exporter *e, struct ft_exporter_stats *st)
{
	struct ft_exporter *m = (struct ft_exporter *)e; /* atomics: reads only */

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", e->name);
	st->delivered = FT_CTR_GET(m->delivered);
	st->dropped = FT_CTR_GET(m->dropped);
	for (unsigned i = 0; i < e->n_q; i++) {
		st->dropped += FT_CTR_GET(m->q[i].dropped);
		st->queued += ck_ring_size(&m->q[i].ring);
		if (m->lq != NULL) {
			uint64_t out = FT_CTR_GET(m->lq[i].n_out), in = FT_CTR_GET(m->lq[i].n_in);

			st->dropped += FT_CTR_GET(m->lq[i].dropped);
			st->queued += in > out ? in - out : 0;
		}
	}
}

/* ---- The interim table ---- */

static struct ft_xent *
tab_find(struct ft_exporter *e, uint64_t id)
{
	uint64_t key = id + 1;
	uint32_t i = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 32) & e->tab_mask;

	for (; e->tab[i].key != 0; i = (i + 1) & e->tab_mask)
		if (e->tab[i].key == key)
			return &e->tab[i];
	return NULL;
}

static struct ft_xent *
tab_add(struct ft_exporter *e, uint64_t id)
{
	uint64_t key = id + 1;
	uint32_t i = (uint32_t)(key * 0x9E3779B97F4A7C15ull >> 32) & e->tab_mask;

	if (e->tab_used >= (e->tab_mask + 1) / 2)
		return NULL; /* full: this flow gets no interim records */
	while (e->tab[i].key != 0)
		i = (i + 1) & e->tab_mask;
	memset(&e->tab[i], 0, sizeof(e->tab[i]));
	e->tab[i].key = key;
	e->tab_used++;
	return &e->tab[i];
}

/* Backward-shift delete keeps every probe chain unbroken without tombstones. */
static void
tab_del(struct ft_exporter *e, struct ft_xent *x)
{
	uint32_t hole = (uint32_t)(x - e->tab), i = hole;

	for (;;) {
		i = (i + 1) & e->tab_mask;
		if (e->tab[i].key == 0)
			break;
		uint32_t home =
			(uint32_t)(e->tab[i].key * 0x9E3779B97F4A7C15ull >> 32) & e->tab_mask;
		/* Move i into the hole unless its home lies cyclically in (hole, i]. */
		if (((i - home) & e->tab_mask) >= ((i - hole) & e->tab_mask)) {
			e->tab[hole] = e->tab[i];
			hole = i;
		}
	}
	e->tab[hole].key = 0;
	e->tab_used--;
}

static uint8_t
end_reason(const struct ft_flow *f)
{
	switch (f->close) {
	case FT_CLOSE_FIN:
	case FT_CLOSE_RST:
		return FT_END_EOF_DETECTED;
	case FT_CLOSE_TIMEOUT:
		return FT_END_IDLE;
	case FT_CLOSE_EVICTED:
		return FT_END_RESOURCES;
	default:
		return FT_END_FORCED;
	}
}

/* A flow ended: its record carries what no interim record carried. */
static void
final_record(struct ft_exporter *e, const struct ft_flow *f)
{
	struct ft_export_rec r;
	struct ft_xent *x = e->tab != NULL ? tab_find(e, f->id) : NULL;

	memset(&r, 0, sizeof(r));
	r.f = f;
	r.reason = end_reason(f);
	for (int d = 0; d < 2; d++) {
		r.packets[d] = f->dir[d].packets - (x ? x->packets[d] : 0);
		r.octets[d] = f->dir[d].octets - (x ? x->octets[d] : 0);
	}
	if (x != NULL)
		tab_del(e, x);
	e->ops->record(e, &r);
}

static int
interim_visit(const struct ft_flow *f, void *user)
{
	struct ft_exporter *e = user;
	struct ft_xent *x = tab_find(e, f->id);
	struct ft_export_rec r;

	if (x == NULL && (x = tab_add(e, f->id)) == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	r.f = f;
	r.reason = FT_END_ACTIVE;
	r.interim = 1;
	for (int d = 0; d < 2; d++) {
		/* A snapshot's fields are read one by one: never count backwards. */
		uint64_t pk = f->dir[d].packets, oc = f->dir[d].octets;

		r.packets[d] = pk > x->packets[d] ? pk - x->packets[d] : 0;
		r.octets[d] = oc > x->octets[d] ? oc - x->octets[d] : 0;
	}
	if (r.packets[0] + r.packets[1] == 0)
		return 0; /* nothing new since the last record */
	for (int d = 0; d < 2; d++) {
		x->packets[d] += r.packets[d];
		x->octets[d] += r.octets[d];
	}
	if (e->interim_fn != NULL)
		e->interim_fn(f, e->interim_user);
	e->ops->record(e, &r);
	return 0;
}

static unsigned
drain(struct ft_exporter *e)
{
	struct ft_flow f;
	unsigned n = 0;

	for (unsigned i = 0; i < e->n_q; i++) {
		struct ft_xq *q = &e->q[i];

		for (unsigned k = 0; k < DRAIN_MAX; k++) {
			unsigned int c = ck_pr_load_uint(&q->ring.c_head);

			if (!ck_ring_dequeue_spsc_ftflow(&q->ring, q->slots, &f))
				break;
			FT_TSAN_ACQUIRE(&q->slots[c & q->ring.mask]);
			final_record(e, &f);
			n++;
		}
		if (e->lq != NULL)
			n += lq_drain(e, &e->lq[i]);
	}
	return n;
}

void
ft__exporter_stats_push(struct ft_exporter *e, const struct ft_stats *st)
{
	if (e->box == NULL)
		return;
	pthread_mutex_lock(&e->box_lock);
	*e->box = *st;
	e->box_full = 1;
	pthread_mutex_unlock(&e->box_lock);
}

/* Hand the periodic snapshot waiting in the box, if any, to the backend. */
static void
take_stats(struct ft_exporter *e, struct ft_stats *tmp)
{
	int full;

	if (e->box == NULL)
		return;
	pthread_mutex_lock(&e->box_lock);
	full = e->box_full;
	if (full)
		*tmp = *e->box;
	e->box_full = 0;
	pthread_mutex_unlock(&e->box_lock);
	if (full)
		e->ops->stats(e, tmp, 0);
}

static void *
exporter_main(void *arg)
{
	struct ft_exporter *e = arg;
	struct ft_stats *st = e->box != NULL ? &e->box[1] : NULL;
	struct timespec nap = {0, 1000000};
	uint64_t at_ns = ft__secs_ns(e->common.active_timeout), now;
	int done;

	ft__export_healthy(e, e->ops->start(e) == 0);
	e->next_walk_ns = ft__now_ns(CLOCK_MONOTONIC) + at_ns;
	for (;;) {
		/* Acquire: everything the workers queued before they were joined. */
		done = atomic_load_explicit(&e->done, memory_order_acquire);
		unsigned n = drain(e);

		now = ft__now_ns(CLOCK_MONOTONIC);
		if (e->tab != NULL && e->walk != NULL && !done && now >= e->next_walk_ns) {
			(void)e->walk(e->walk_ctx, interim_visit, e);
			e->next_walk_ns = now + at_ns;
		}
		if (st != NULL)
			take_stats(e, st);
		e->ops->poll(e, now, 0);
		if (n == 0) {
			if (done)
				break;
			nanosleep(&nap, NULL);
		}
	}
	e->ops->poll(e, ft__now_ns(CLOCK_MONOTONIC), 1);
	/* Every record is delivered or dropped now: the final snapshot says so. */
	if (st != NULL && e->snap != NULL) {
		e->snap(e->walk_ctx, st);
		e->ops->stats(e, st, 1);
	}
	return NULL;
}

int
ft__exporter_start(struct ft_exporter *e)
{
	/* Healthy until start says otherwise: a file's first records may wait. */
	ft__export_healthy(e, 1);
	if (pthread_create(&e->thread, NULL, exporter_main, e) != 0)
		return FT_ETHREAD;
	e->started = 1;
	return 0;
}

void
ft__exporter_finish(struct ft_exporter *e)
{
	if (!e->started)
		return;
	atomic_store_explicit(&e->done, 1, memory_order_release);
	pthread_join(e->thread, NULL);
	e->started = 0;
}

/* ---- The interim-only exporter: hands snapshots to a callback ---- */

static int
cb_start(struct ft_exporter *e)
{
	(void)e;
	return 0;
}

static void
cb_record(struct ft_exporter *e, const struct ft_export_rec *r)
{
	ft__export_done(e, 1, 0); /* the callback had it (interim), or out_flow did (final) */
	(void)r;
}

static void
cb_poll(struct ft_exporter *e, uint64_t now_ns, int final)
{
	(void)e;
	(void)now_ns;
	(void) final;
}

static const struct ft_exporter_ops cb_ops = {
	.start = cb_start, .record = cb_record, .poll = cb_poll};

int
ft_exporter_interim_new(const struct ft_exporter_common *c, ft_interim_cb *fn, void *user,
	struct ft_exporter **out, char *errbuf)
{
	struct ft_exporter *e;

	if (c == NULL || fn == NULL || out == NULL || !(c->active_timeout > 0)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "interim records need an active timeout > 0");
		return FT_EINVAL;
	}
	e = ft__exporter_new("interim", c, &cb_ops, NULL);
	if (e == NULL)
		return FT_ENOMEM;
	e->interim_fn = fn;
	e->interim_user = user;
	*out = e;
	return 0;
}
