/*
 * worker.c - a worker thread: dequeue a batch, decode, hand to the consumer.
 *
 * Each worker owns one ring (and arena) and, once the tracker lands, one flow
 * shard; nothing it touches per packet is shared, so there is no lock. It is a
 * registered liburcu QSBR reader: it announces a quiescent state once per
 * batch and goes offline while it sleeps on an empty ring, so grace periods
 * never wait on an idle worker.
 *
 * Exit: when the capture thread has set capture_done *and* the ring is empty
 * (done is read before the last dequeue attempt, so a frame enqueued before
 * done was set is always seen).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ck_pr.h>
#include <urcu/urcu-qsbr.h>

#include "core/time.h"
#include "export/exporter_internal.h"
#include "flowtap/error.h"
#include "tracker/tracker.h"
#include "workers/pipeline_internal.h"

/* Back off on an empty ring: spin, then sleep 20 us a few times, then 500 us. */
static void
idle(unsigned *level)
{
	struct timespec ts = {0, 20000};

	if (*level < 128) {
		(*level)++;
		ck_pr_stall();
		return;
	}
	if (*level < 160)
		(*level)++;
	else
		ts.tv_nsec = 500000;
	urcu_qsbr_thread_offline();
	nanosleep(&ts, NULL);
	urcu_qsbr_thread_online();
}

static void
consumer_failed(struct ft_pipeline *p, const char *which, int rc, uint64_t n)
{
	ft__set_error(p, FT_ECONSUMER, "the %s consumer returned %d at frame %llu", which, rc,
		(unsigned long long)n);
	atomic_store(&p->consumer_failed, 1);
	ft_pipeline_stop(p);
}

int
ft__worker_flow(const struct ft_flow_event *ev, void *user)
{
	struct ft_worker *w = user;
	struct ft_pipeline *p = w->p;

	if (ev->type == FT_FLOW_END)
		for (unsigned i = 0; i < p->cfg.n_exporters; i++)
			ft__exporter_push(p->cfg.exporters[i], w->idx, ev->flow);
	return p->cfg.on_flow != NULL ? p->cfg.on_flow(ev, p->cfg.user) : 0;
}

/* Publish the tracker's counters for the stats thread. */
static void
publish_flows(struct ft_worker *w)
{
	struct ft_tracker_counters c;

	ft__tracker_counters(w->tracker, &c);
	FT_CTR_SET(w->flows_active, c.active);
	FT_CTR_SET(w->flows_evicted, c.evicted);
	FT_CTR_SET(w->flows_untracked, c.untracked);
	FT_CTR_SET(w->rst_ignored, c.rst_ignored);
	FT_CTR_SET(w->ooo_dropped, c.ooo_dropped);
	for (int i = 0; i < FT_FLOW_CLASSES; i++) {
		FT_CTR_SET(w->flows_started[i], c.started[i]);
		FT_CTR_SET(w->flows_ended[i], c.ended[i]);
	}
}

/* Expire idle sessions by the clock (a quiet live link); a failing flow
 * callback stops the pipeline. */
static void
tick(struct ft_worker *w, uint64_t now_ns)
{
	int rc = ft__tracker_tick(w->tracker, now_ns);

	if (rc != 0 && !atomic_load(&w->p->consumer_failed))
		consumer_failed(w->p, "flow", rc, 0);
	publish_flows(w);
}

/* Hand one decoded frame to the packet consumer, then to the tracker. */
static void
deliver(struct ft_worker *w, const struct ft_desc *d, const struct ft_decoded *dec)
{
	struct ft_pipeline *p = w->p;
	struct ft_packet pkt;
	int rc;

	if (CK_CC_UNLIKELY(d->flags & FT_DESC_REASSEMBLED)) {
		/* Not a frame: counted apart, so the frame counters stay conserved. */
		FT_CTR_ADD(w->reassembled, 1);
		w->dgram_end = d->arena_end; /* the mmap reader's frames are not in the arena */
		if (atomic_load_explicit(&p->consumer_failed, memory_order_relaxed))
			return;
	} else if (atomic_load_explicit(&p->consumer_failed, memory_order_relaxed)) {
		/* A consumer asked to stop: what is still queued is counted, not delivered. */
		FT_CTR_ADD(w->discarded, 1);
		return;
	} else {
		FT_CTR_ADD(w->packets, 1);
		FT_CTR_ADD(w->bytes, d->len);
	}
	if (p->cfg.on_packet == NULL && w->tracker == NULL)
		return;
	pkt.n = d->n;
	pkt.ts_ns = d->ts_ns;
	pkt.caplen = d->caplen;
	pkt.len = d->len;
	pkt.dlt = p->dlt;
	pkt.ts_digits = (uint8_t)p->ts_digits;
	pkt.reassembled = (d->flags & FT_DESC_REASSEMBLED) != 0;
	pkt.worker = (uint16_t)w->idx;
	pkt.data = d->data;
	pkt.dec = dec;
	/* Packet consumers (the callback, exporters of packet records) see a
	 * reassembled datagram only when asked to. */
	int as_packet = !pkt.reassembled || p->cfg.packets_reassembled;

	if (p->cfg.on_packet != NULL && as_packet) {
		rc = p->cfg.on_packet(&pkt, p->cfg.user);
		if (rc != 0) {
			consumer_failed(p, "packet", rc, d->n);
			return;
		}
	}
	if (CK_CC_UNLIKELY(p->packet_exporters) && as_packet)
		for (unsigned i = 0; i < p->n_exporters; i++)
			if (ft__exporter_wants_packets(p->cfg.exporters[i]))
				ft__exporter_packet(p->cfg.exporters[i], w->idx, &pkt);
	/* A fragment's datagram is tracked whole, from its reassembled descriptor. */
	if (w->tracker != NULL && !(d->flags & FT_DESC_FRAGMENT)) {
		rc = ft__tracker_packet_key(w->tracker, &pkt, &d->key, d->hash);
		if (rc != 0)
			consumer_failed(p, "flow", rc, d->n);
	}
}

/*
 * One batch: decode every frame first, then deliver them in order. Every
 * frame arrives with its flow key's hash (the capture thread's), so the
 * tracker's lookups are pipelined: the session's index slot is prefetched
 * while the frame is decoded, the session itself PF_FLOW frames ahead of its
 * turn, so the cache misses of a large table overlap instead of adding up.
 */
#define PF_FLOW 3u

static void
process_batch(struct ft_worker *w, const struct ft_desc *batch, unsigned n, struct ft_decoded *decs)
{
	struct ft_pipeline *p = w->p;
	struct ft_tracker *t = w->tracker;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			__builtin_prefetch(batch[i + 1].data);
		if (t != NULL)
			ft__tracker_prefetch_slot(t, batch[i].hash);
		if (p->cfg.decode && ft_decode(p->dlt, batch[i].data, batch[i].caplen, batch[i].len,
					     &decs[i]) != FT_DEC_OK)
			FT_CTR_ADD(w->decode_errors, 1);
	}
	for (i = 0; i < PF_FLOW && i < n && t != NULL; i++)
		ft__tracker_prefetch(t, batch[i].hash);
	for (i = 0; i < n; i++) {
		if (t != NULL && i + PF_FLOW < n)
			ft__tracker_prefetch(t, batch[i + PF_FLOW].hash);
		deliver(w, &batch[i], &decs[i]);
	}
}

void *
ft__worker_main(void *arg)
{
	struct ft_worker *w = arg;
	struct ft_pipeline *p = w->p;
	struct ft_desc batch[FT_BATCH_MAX];
	struct ft_decoded *decs;
	unsigned level = 0, n, batches = 0;
	uint64_t last_tick = 0;
	int done;

	/* Zeroed: with decoding off every frame reads as "no layers". */
	decs = calloc(p->cfg.batch, sizeof(*decs));
	if (decs == NULL) {
		ft__set_error(p, FT_ENOMEM, "worker %u: out of memory", w->idx);
		ft_pipeline_stop(p);
		/* Nothing dequeued yet: the frames are counted as discarded below. */
		atomic_store(&p->consumer_failed, 1);
	}
	urcu_qsbr_register_thread();
	ft__rcu_registered = 1;
	for (;;) {
		done = atomic_load_explicit(&p->capture_done, memory_order_acquire);
		n = ft__ring_dequeue_burst(&w->ring, batch, p->cfg.batch);
		if (n == 0) {
			if (done)
				break;
			/* A quiet live link still ages its sessions, by the clock. */
			if (w->tracker != NULL && p->live && level == 160) {
				uint64_t now = ft__now_ns(CLOCK_REALTIME);

				if (now - last_tick >= 100000000u) {
					tick(w, now);
					last_tick = now;
				}
			}
			if (level == 128)
				ft__publish_cpu(&w->cpu_ns); /* once, as the ring runs dry */
			idle(&level);
			continue;
		}
		level = 0;
		if (decs != NULL)
			process_batch(w, batch, n, decs);
		else
			FT_CTR_ADD(w->discarded, n);
		/* Frames in the arena come in FIFO order: release up to the last one
		 * (from the mapped file, only reassembled datagrams are in the arena). */
		if (batch[n - 1].arena_end != 0)
			ft__arena_release(&w->arena, batch[n - 1].arena_end);
		else if (w->dgram_end != 0)
			ft__arena_release(&w->arena, w->dgram_end);
		w->dgram_end = 0; /* never release an older position later */
		/* (The tracker sweeps its idle sessions by the packets' own clock:
		 * where a batch ends changes nothing.) */
		if (w->tracker != NULL)
			publish_flows(w);
		urcu_qsbr_quiescent_state();
		if ((++batches & 63u) == 0)
			ft__publish_cpu(&w->cpu_ns);
	}
	if (w->tracker != NULL) {
		/* The capture is over: every session still open ends as "eof". */
		if (ft__tracker_flush(w->tracker, FT_CLOSE_EOF, 0) != 0 &&
			!atomic_load(&p->consumer_failed))
			consumer_failed(p, "flow", 1, 0);
		publish_flows(w);
	}
	ft__publish_cpu(&w->cpu_ns);
	ft__rcu_registered = 0;
	free(decs);
	urcu_qsbr_unregister_thread();
	return NULL;
}
