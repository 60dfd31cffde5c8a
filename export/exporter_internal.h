/*
 * exporter_internal.h - the exporter framework's private parts: what a backend
 * (ipfix.c, redis.c, interim.c) implements, and what the pipeline calls.
 *
 * export/ is one concern: sending records out of the process. The pipeline
 * (workers/) calls into it; it never calls back up: the walk over open flows
 * for the active timeout is a function pointer the pipeline hands over.
 */
#ifndef FT_EXPORTER_INTERNAL_H
#define FT_EXPORTER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <ck_ring.h>

#include "flowtap/exporter.h"
#include "flowtap/pipeline.h"
#include "flowtap/stats.h"

/* IPFIX flowEndReason (RFC 7011 / IANA IE 136). */
enum {
	FT_END_IDLE = 1,
	FT_END_ACTIVE = 2,
	FT_END_EOF_DETECTED = 3, /* FIN or RST */
	FT_END_FORCED = 4,       /* still open when the capture ended */
	FT_END_RESOURCES = 5,    /* evicted from a full table */
};

/* One record for a backend: the flow and what this record counts. */
struct ft_export_rec {
	const struct ft_flow *f;
	uint64_t packets[2], octets[2]; /* this record's share (deltas), per ft_dir */
	uint8_t reason;                 /* FT_END_* */
	uint8_t interim;                /* 1: an active-timeout snapshot of an open flow */
};

struct ft_exporter;

/* Every backend call runs on the exporter's thread. A backend counts every
 * record it is given as delivered or dropped (ft__export_done()), at the latest
 * in its last poll (final = 1). */
struct ft_exporter_ops {
	/* Connect/open; 0 when healthy. Failing is not fatal: poll retries. */
	int (*start)(struct ft_exporter *e);
	void (*record)(struct ft_exporter *e, const struct ft_export_rec *r);
	/* Flush what is due, reconnect, re-send templates. final: the last call. */
	void (*poll)(struct ft_exporter *e, uint64_t now_ns, int final);
	void (*free)(void *impl);
	/* Optional (NULL: stats are not exported): one stats snapshot, at the
	 * pipeline's stats interval and once at the end (final = 1, after the
	 * final poll, with this exporter's counters complete). Not counted as a
	 * record: delivered + dropped stay the flow records'. */
	void (*stats)(struct ft_exporter *e, const struct ft_stats *st, int final);
	/* Optional (NULL: no packet records): one packet record, n bytes of JSON
	 * (borrowed for the call). Counted as a record, like record(). */
	void (*packet)(struct ft_exporter *e, const char *json, size_t n);
};

CK_RING_PROTOTYPE(ftflow, ft_flow)

/* One worker's queue: flow copies in preallocated slots. */
struct ft_xq {
	struct ck_ring ring;
	struct ft_flow *slots;
	_Alignas(64) _Atomic uint64_t dropped; /* written by the worker */
};

/*
 * One worker's packet-record queue: a byte ring (SPSC) of entries, each a
 * 32-bit length then that many bytes of JSON, padded to 4 bytes; an entry
 * never wraps: where one does not fit before the end, a length of LQ_WRAP
 * says "go on at 0". Positions are free-running byte counts: the worker
 * writes tail (release, after the bytes), the exporter thread head (release,
 * after reading them). n_in and n_out count entries, for `queued`.
 */
struct ft_lq {
	uint8_t *buf;
	uint32_t mask;      /* size - 1 */
	char *scratch;      /* the worker's formatting buffer (FT_PACKET_FORMAT_MAX) */
	uint64_t head_seen; /* producer's last read of head */
	_Alignas(64) _Atomic uint64_t tail, n_in, dropped; /* written by the worker */
	_Alignas(64) _Atomic uint64_t head, n_out;         /* written by the exporter thread */
};

struct ft_xent; /* interim table entry (exporter.c) */

typedef int ft_walk_fn(void *ctx, ft_flow_visit_cb *cb, void *user);
/* A snapshot of the pipeline's counters, from any thread. */
typedef void ft_snap_fn(void *ctx, struct ft_stats *st);

struct ft_exporter {
	const struct ft_exporter_ops *ops;
	void *impl;
	char name[16];
	struct ft_exporter_common common;
	ft_interim_cb *interim_fn;
	void *interim_user;

	/* Set by ft__exporter_attach(). */
	struct ft_xq *q;
	unsigned n_q;
	struct ft_lq *lq;  /* packet records, one per worker; NULL when not taken */
	uint32_t lq_bytes; /* set by the backend before attach: 0, or each lq's size */
	int live;
	ft_walk_fn *walk;
	ft_snap_fn *snap;
	void *walk_ctx; /* walk's and snap's */
	const _Atomic int *stop;
	pthread_t thread;
	int started;
	_Atomic int done;

	/* The latest stats snapshot for ops->stats: written by the stats
	 * thread (ft__exporter_stats_push), taken by the exporter thread; the
	 * lock is held for one copy, never per packet. NULL without ops->stats. */
	pthread_mutex_t box_lock;
	struct ft_stats *box; /* [0] the box, [1] the exporter thread's copy */
	int box_full;

	/* Interim table (exporter thread only). */
	struct ft_xent *tab;
	uint32_t tab_mask, tab_used;
	uint64_t next_walk_ns;

	/* Written by the exporter thread, read by anyone. */
	_Alignas(64) _Atomic int healthy;
	_Atomic uint64_t delivered;
	_Atomic uint64_t dropped;
};

/* export/exporter.c, for backends. */
struct ft_exporter *ft__exporter_new(const char *name, const struct ft_exporter_common *c,
	const struct ft_exporter_ops *ops, void *impl);
void ft__export_done(struct ft_exporter *e, uint64_t delivered, uint64_t dropped);
void ft__export_healthy(struct ft_exporter *e, int healthy);

/* For the pipeline (workers/). */
/* Create time: one queue per worker, the interim table; 0 or FT_ENOMEM. */
int ft__exporter_attach(struct ft_exporter *e, unsigned n_workers, int live, ft_walk_fn *walk,
	ft_snap_fn *snap, void *walk_ctx, const _Atomic int *stop, char *errbuf);
int ft__exporter_start(struct ft_exporter *e);
/* After every worker has been joined: drain, flush, join the thread. */
void ft__exporter_finish(struct ft_exporter *e);
/*
 * Worker w: queue a copy of an ended flow. Never allocates; never blocks on a
 * live capture (full: dropped and counted); on a file it waits for room while
 * the exporter is healthy and the pipeline is not stopping.
 */
void ft__exporter_push(struct ft_exporter *e, unsigned w, const struct ft_flow *f);
/* Does e take packet records (then ft__exporter_packet() is called for each)? */
static inline int
ft__exporter_wants_packets(const struct ft_exporter *e)
{
	return e->lq != NULL;
}
/* Worker w: format pkt's JSON record and queue it, under ft__exporter_push()'s
 * rules (never allocates; a live capture never waits). */
struct ft_packet;
void ft__exporter_packet(struct ft_exporter *e, unsigned w, const struct ft_packet *pkt);
/* Any thread (the stats thread): the latest periodic stats snapshot, for a
 * backend that exports stats; replaces one not taken yet. Never blocks
 * beyond the exporter thread's copy of the previous one. */
void ft__exporter_stats_push(struct ft_exporter *e, const struct ft_stats *st);
/* Any thread: the counters. */
void ft__exporter_stats(const struct ft_exporter *e, struct ft_exporter_stats *st);

/* The defaults every exporter's config shares (queue, interim table), with its
 * own active timeout (seconds; 0: off). */
static inline void
ft__export_common_init(struct ft_exporter_common *c, double active_timeout)
{
	c->queue_slots = 4096;
	c->active_timeout = active_timeout;
	c->max_interim = 262144;
}

#endif
