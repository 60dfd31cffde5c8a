/*
 * flowtap/stats.h - counters of a running pipeline.
 *
 * Each counter has one writer (the capture thread, or one worker); readers
 * (the stats thread, ft_pipeline_stats()) read them without locks, so a snapshot
 * taken while the pipeline runs is a set of recent values, not one instant.
 * After ft_pipeline_wait() returns the snapshot is exact and conserved:
 *   captured == sum(workers[i].enqueued) + sum(workers[i].ring_drop)
 *   sum(workers[i].packets) + sum(workers[i].discarded) == sum(workers[i].enqueued)
 */
#ifndef FLOWTAP_STATS_H
#define FLOWTAP_STATS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FT_MAX_WORKERS   64
#define FT_MAX_EXPORTERS 4

/** Per-exporter counters (exporter.h). After ft_pipeline_wait():
 *  delivered + dropped == records produced (ended flows + interim records). */
struct ft_exporter_stats {
	char name[16];      /**< "ipfix", "redis", "interim" */
	uint64_t delivered; /**< records handed to the collector (UDP: to the kernel) */
	uint64_t dropped;   /**< records lost: queue full, collector down, send failed */
	uint64_t queued;    /**< records waiting in the exporter's queues now */
};

/** Per-worker counters. */
struct ft_worker_stats {
	uint64_t enqueued;  /**< frames the capture thread handed to this worker */
	uint64_t ring_drop; /**< frames dropped because this worker's ring was full (live only) */
	uint64_t packets;   /**< frames this worker processed */
	uint64_t bytes;     /**< wire bytes (len) of those frames */
	uint64_t decode_errors; /**< frames whose decode stopped early (status != OK) */
	uint64_t discarded; /**< frames dequeued after a consumer asked to stop (not delivered) */
	uint64_t flows_active;    /**< TCP sessions in this worker's table */
	uint64_t flows_evicted;   /**< sessions evicted to make room */
	uint64_t flows_untracked; /**< TCP packets no session could be found or made for (table
				     full) */
};

/** One snapshot of the pipeline's counters. */
struct ft_stats {
	uint64_t ts_ns;     /**< when the snapshot was taken (CLOCK_REALTIME) */
	int live;           /**< 1 for a live capture, 0 for a file */
	int pcap_valid;     /**< 1 when ps_* come from pcap_stats() (live only) */
	uint64_t ps_recv;   /**< live: pcap_stats ps_recv; file: frames read */
	uint64_t ps_drop;   /**< live: pcap_stats ps_drop (kernel ring full); file: 0 */
	uint64_t ps_ifdrop; /**< live: pcap_stats ps_ifdrop (interface); file: 0 */
	uint64_t captured;  /**< frames read by the capture thread (after the filter) */
	uint64_t filtered;  /**< frames read but rejected by the BPF filter (mmap reader only) */
	uint64_t packets;   /**< sum of workers[].packets */
	uint64_t bytes;     /**< sum of workers[].bytes */
	uint64_t ring_drop; /**< sum of workers[].ring_drop */
	uint64_t decode_errors;
	uint64_t discarded;
	uint64_t flows_active;
	uint64_t flows_evicted;
	uint64_t flows_untracked;
	unsigned n_workers;
	struct ft_worker_stats workers[FT_MAX_WORKERS];
	uint64_t export_drop; /**< sum of exporters[].dropped */
	unsigned n_exporters;
	struct ft_exporter_stats exporters[FT_MAX_EXPORTERS];
};

#ifdef __cplusplus
}
#endif
#endif
