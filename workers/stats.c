/*
 * stats.c - snapshots of the counters and the stats thread.
 *
 * The stats thread never touches libpcap: pcap_stats() resets the kernel's
 * counters and is not safe beside a capture, so the capture thread calls it
 * and publishes ps_recv/ps_drop/ps_ifdrop; this thread only reads counters.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/time.h"
#include "defrag/defrag.h"
#include "export/exporter_internal.h"
#include "workers/pipeline_internal.h"

void
ft__stats_snapshot(const struct ft_pipeline *p, struct ft_stats *st)
{
	struct ft_pipeline *mp = (struct ft_pipeline *)p; /* atomics: reads only */
	struct ft_source_stats ss;

	memset(st, 0, sizeof(*st));
	st->ts_ns = ft__now_ns(CLOCK_REALTIME);
	st->live = p->live;
	ft__source_stats(p->src, &ss);
	st->pcap_valid = ss.pcap_valid;
	st->captured = FT_CTR_GET(mp->captured);
	st->filtered = ss.filtered;
	st->capture_cpu_ns = FT_CTR_GET(mp->capture_cpu_ns);
	st->buffer_bytes = (uint64_t)p->buffer_size;
	if (st->pcap_valid) {
		st->ps_recv = ss.ps_recv;
		st->ps_drop = ss.ps_drop;
		st->ps_ifdrop = ss.ps_ifdrop;
	} else {
		/* A file has no kernel counters: frames read, nothing dropped. */
		st->ps_recv = st->captured + st->filtered;
	}
	if (p->defrag != NULL) {
		/* Read before the counters: it never exceeds what they then say. */
		uint64_t lost = FT_CTR_GET(mp->frag_handoff_drop);
		struct ft_defrag_counters c;

		ft__defrag_counters(p->defrag, &c);
		st->frag_seen = c.seen;
		st->frag_reassembled = c.reassembled;
		st->frag_timeout = c.timeout;
		st->frag_overlap = c.overlap;
		st->frag_duplicate = c.duplicate;
		st->frag_invalid = c.invalid;
		/* Completed but lost at the hand-off: dropped, not delivered. */
		st->frag_dropped = c.dropped + lost;
		st->frag_reassembled -= lost;
	}
	st->n_workers = p->n_workers;
	for (unsigned i = 0; i < p->n_workers; i++) {
		struct ft_worker *w = &mp->workers[i];
		struct ft_worker_stats *ws = &st->workers[i];

		ws->enqueued = FT_CTR_GET(w->enqueued);
		ws->ring_drop = FT_CTR_GET(w->ring_drop);
		ws->packets = FT_CTR_GET(w->packets);
		ws->bytes = FT_CTR_GET(w->bytes);
		ws->decode_errors = FT_CTR_GET(w->decode_errors);
		ws->discarded = FT_CTR_GET(w->discarded);
		ws->flows_active = FT_CTR_GET(w->flows_active);
		ws->flows_evicted = FT_CTR_GET(w->flows_evicted);
		ws->flows_untracked = FT_CTR_GET(w->flows_untracked);
		ws->rst_ignored = FT_CTR_GET(w->rst_ignored);
		ws->ooo_dropped = FT_CTR_GET(w->ooo_dropped);
		ws->cpu_ns = FT_CTR_GET(w->cpu_ns);
		for (int c = 0; c < FT_FLOW_CLASSES; c++) {
			ws->flows_started[c] = FT_CTR_GET(w->flows_started[c]);
			ws->flows_ended[c] = FT_CTR_GET(w->flows_ended[c]);
			st->flows_started[c] += ws->flows_started[c];
			st->flows_ended[c] += ws->flows_ended[c];
		}
		ws->reassembled = FT_CTR_GET(w->reassembled);
		st->packets += ws->packets;
		st->bytes += ws->bytes;
		st->ring_drop += ws->ring_drop;
		st->decode_errors += ws->decode_errors;
		st->discarded += ws->discarded;
		st->flows_active += ws->flows_active;
		st->flows_evicted += ws->flows_evicted;
		st->flows_untracked += ws->flows_untracked;
		st->rst_ignored += ws->rst_ignored;
		st->ooo_dropped += ws->ooo_dropped;
	}
	st->n_exporters = p->n_exporters;
	for (unsigned i = 0; i < p->n_exporters; i++) {
		ft__exporter_stats(p->cfg.exporters[i], &st->exporters[i]);
		st->export_drop += st->exporters[i].dropped;
	}
}

void
ft_pipeline_stats(const struct ft_pipeline *p, struct ft_stats *st)
{
	ft__stats_snapshot(p, st);
}

void *
ft__stats_main(void *arg)
{
	struct ft_pipeline *p = arg;
	struct ft_stats st;
	struct timespec next;
	double iv = p->cfg.stats_interval;

	clock_gettime(CLOCK_REALTIME, &next);
	pthread_mutex_lock(&p->stats_lock);
	for (;;) {
		next.tv_sec += (time_t)iv;
		next.tv_nsec += (long)((iv - (double)(time_t)iv) * 1e9);
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (!p->stats_quit &&
			pthread_cond_timedwait(&p->stats_cond, &p->stats_lock, &next) == 0)
			;
		if (p->stats_quit)
			break;
		pthread_mutex_unlock(&p->stats_lock);
		ft__stats_snapshot(p, &st);
		p->cfg.on_stats(&st, 0, p->cfg.user);
		for (unsigned i = 0; i < p->n_exporters; i++)
			ft__exporter_stats_push(p->cfg.exporters[i], &st);
		pthread_mutex_lock(&p->stats_lock);
	}
	pthread_mutex_unlock(&p->stats_lock);
	return NULL;
}
