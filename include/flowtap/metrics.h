/*
 * flowtap/metrics.h - a Prometheus /metrics endpoint fed by the stats reports.
 *
 * The endpoint serves the text exposition format 0.0.4 of the last snapshot it
 * was given. The caller hands it snapshots from its stats callback (the stats
 * thread, every stats_interval seconds, and the final report): ft_metrics_update()
 * formats the text on the calling thread into a buffer of its own, then copies it
 * into the served buffer under a mutex held only for the copy. The HTTP thread
 * (libmicrohttpd's) copies the served buffer out under the same mutex. So the
 * HTTP side never reads live counters and workers are never involved.
 *
 * Metric names are a contract (README, "Metrics"): flowtap_*; counters end in
 * _total; per-worker series carry a worker="N" label.
 */
#ifndef FLOWTAP_METRICS_H
#define FLOWTAP_METRICS_H

#include <stddef.h>

#include "flowtap/export.h"
#include "flowtap/pipeline.h" /* FT_ERRBUF_SIZE */
#include "flowtap/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ft_metrics; /* opaque */

/**
 * Bind and start serving GET /metrics.
 * @param listen "HOST:PORT", "[IPV6]:PORT" or ":PORT" (HOST then defaults to
 *        127.0.0.1: loopback unless the caller names another address). HOST is
 *        a numeric address or a name (getaddrinfo). PORT 0 picks a free port
 *        (see ft_metrics_port()).
 * @param out receives the endpoint on success; untouched on failure.
 * @param errbuf receives the cause on failure (e.g. "127.0.0.1:9100: bind:
 *        Address already in use"), FT_ERRBUF_SIZE bytes.
 * @return 0, FT_EINVAL (bad address), FT_EIO (socket/bind/listen failed),
 *         FT_ENOMEM, FT_ETHREAD (the HTTP thread did not start).
 * Until the first ft_metrics_update() it serves flowtap_build_info only.
 * Ownership: *out is the caller's; free with ft_metrics_stop().
 * Thread-safety: any thread. Context: blocks briefly (bind); starts a thread; allocates.
 */
FT_EXTERN int ft_metrics_start(const char *listen, struct ft_metrics **out, char *errbuf);

/**
 * Publish a snapshot: formats it, then swaps it in for the HTTP thread.
 * @param st borrowed; read during the call only. @param final 1 for the final report
 *        (flowtap_finished becomes 1).
 * Thread-safety: one caller at a time (the stats callback is). Context: never blocks
 * for long (a mutex held by the HTTP thread only while it copies); does not allocate.
 */
FT_EXTERN void ft_metrics_update(struct ft_metrics *m, const struct ft_stats *st, int final);

/** The bound port (useful after PORT 0). Thread-safety: any thread. Never blocks. */
FT_EXTERN unsigned ft_metrics_port(const struct ft_metrics *m);

/**
 * Stop serving and free everything. NULL is a no-op.
 * Thread-safety: not concurrently with ft_metrics_update(). Context: blocks until the
 * HTTP thread has ended.
 */
FT_EXTERN void ft_metrics_stop(struct ft_metrics *m);

/**
 * Format a snapshot as Prometheus text into buf (the same text the endpoint serves).
 * @return the length written (< cap, NUL-terminated), or 0 if cap is too small.
 * Thread-safety: any thread. Context: never blocks, does not allocate.
 */
FT_EXTERN size_t ft_metrics_format(const struct ft_stats *st, int final, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
