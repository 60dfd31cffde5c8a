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
#include <string.h>
#include <time.h>

#include <ck_pr.h>
#include <urcu/urcu-qsbr.h>

#include "flowtap/error.h"
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
process(struct ft_worker *w, const struct ft_desc *d, struct ft_decoded *dec)
{
	struct ft_pipeline *p = w->p;
	struct ft_packet pkt;
	int rc;

	if (atomic_load_explicit(&p->consumer_failed, memory_order_relaxed)) {
		/* A consumer asked to stop: what is still queued is counted, not delivered. */
		FT_CTR_ADD(w->discarded, 1);
		return;
	}
	if (p->cfg.decode) {
		if (ft_decode(p->dlt, d->data, d->caplen, d->len, dec) != FT_DEC_OK)
			FT_CTR_ADD(w->decode_errors, 1);
	}
	FT_CTR_ADD(w->packets, 1);
	FT_CTR_ADD(w->bytes, d->len);
	if (p->cfg.on_packet == NULL)
		return;
	pkt.n = d->n;
	pkt.ts_ns = d->ts_ns;
	pkt.caplen = d->caplen;
	pkt.len = d->len;
	pkt.dlt = p->dlt;
	pkt.ts_digits = (uint8_t)p->ts_digits;
	pkt.worker = (uint16_t)w->idx;
	pkt.data = d->data;
	pkt.dec = dec;
	rc = p->cfg.on_packet(&pkt, p->cfg.user);
	if (rc != 0) {
		ft__set_error(p, FT_ECONSUMER, "the packet consumer returned %d at frame %llu", rc,
			(unsigned long long)d->n);
		atomic_store(&p->consumer_failed, 1);
		ft_pipeline_stop(p);
	}
}

void *
ft__worker_main(void *arg)
{
	struct ft_worker *w = arg;
	struct ft_pipeline *p = w->p;
	struct ft_desc batch[FT_BATCH_MAX];
	struct ft_decoded dec;
	unsigned level = 0, n;
	int done;

	memset(&dec, 0, sizeof(dec));
	urcu_qsbr_register_thread();
	for (;;) {
		done = atomic_load_explicit(&p->capture_done, memory_order_acquire);
		n = ft__ring_dequeue_burst(&w->ring, batch, p->cfg.batch);
		if (n == 0) {
			if (done)
				break;
			idle(&level);
			continue;
		}
		level = 0;
		for (unsigned i = 0; i < n; i++) {
			if (i + 1 < n)
				__builtin_prefetch(batch[i + 1].data);
			process(w, &batch[i], &dec);
		}
		/* All of a worker's frames come from one source: arena or mapped file. */
		if (batch[n - 1].arena_end != 0)
			ft__arena_release(&w->arena, batch[n - 1].arena_end);
		urcu_qsbr_quiescent_state();
	}
	urcu_qsbr_unregister_thread();
	return NULL;
}
