/*
 * flowtap/stats.h - counters of a running pipeline.
 *
 * Each counter has one writer (the capture thread, or one worker); readers
 * (the stats thread, ft_pipeline_stats()) read them without locks, so a snapshot
 * taken while the pipeline runs is a set of recent values, not one instant.
 * After ft_pipeline_wait() returns the snapshot is exact and conserved:
 *   captured == sum(workers[i].enqueued) + sum(workers[i].ring_drop)
 *   sum(workers[i].packets) + sum(workers[i].discarded) == sum(workers[i].enqueued)
 *   sum(workers[i].reassembled) == frag_reassembled
 * (frames are counted as frames; a reassembled datagram is an extra packet that
 * only the reassembled counters count.)
 */
#ifndef FLOWTAP_STATS_H
#define FLOWTAP_STATS_H

#include <stdint.h>

#include <stddef.h>

#include "flowtap/flow.h" /* FT_FLOW_CLASSES */

#ifdef __cplusplus
extern "C" {
#endif

#define FT_MAX_WORKERS   64
#define FT_MAX_EXPORTERS 4

/** Per-exporter counters (exporter.h). After ft_pipeline_wait():
 *  delivered + dropped == records produced (ended flows + interim records +
 *  packet records, where the exporter takes them). */
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
	uint64_t flows_active;    /**< flows (every protocol) open in this worker's table */
	uint64_t flows_evicted;   /**< sessions evicted to make room */
	uint64_t flows_untracked; /**< IP packets no flow could be found or made for (table
				     full) */
	uint64_t cpu_ns; /**< CPU time this worker's thread has used (CLOCK_THREAD_CPUTIME_ID, read
			    by the worker every 64 batches, before it sleeps and at its end) */
	/** Flows started and ended, by enum ft_flow_class (tcp, udp, icmp, other);
	 * active = started - ended. */
	uint64_t flows_started[FT_FLOW_CLASSES];
	uint64_t flows_ended[FT_FLOW_CLASSES];
	uint64_t reassembled; /**< reassembled datagrams this worker took from its ring */
	uint64_t rst_ignored; /**< TCP RSTs not honoured: implausible, or contradicted by
				 later traffic (the flow record's rst_ignored, summed) */
	uint64_t ooo_dropped; /**< out-of-order TCP segments not held (a session's or the
				 worker's buffer was full): their holes were given up early;
				 and held segments dropped because their direction's
				 sequence space restarted (a SYN or SYN-ACK with a new ISN; a
				 segment held as several pieces counts once) */
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
	uint64_t rst_ignored;    /**< sum of workers[].rst_ignored */
	uint64_t ooo_dropped;    /**< sum of workers[].ooo_dropped */
	uint64_t buffer_bytes;   /**< live: the kernel buffer asked for (-B, or the default chosen
				    for the mode); file: 0 */
	uint64_t capture_cpu_ns; /**< CPU time the capture thread has used (read by itself: live
				    every 100 ms, any source at its end) */
	uint64_t flows_started[FT_FLOW_CLASSES]; /**< sums of workers[]: by enum ft_flow_class */
	uint64_t flows_ended[FT_FLOW_CLASSES];
	/* IP defragmentation (capture thread; all 0 when ft_config.defrag is 0). */
	uint64_t frag_seen;        /**< fragment frames taken by the reassembly */
	uint64_t frag_reassembled; /**< datagrams completed and handed to a worker */
	uint64_t frag_timeout;   /**< datagrams given up incomplete (timeout, or end of capture) */
	uint64_t frag_dropped;   /**< datagrams abandoned: evicted for a limit, an IPv6 overlap,
				    an invalid fragment, or no room in a live worker's ring */
	uint64_t frag_overlap;   /**< fragments that overlapped held bytes */
	uint64_t frag_duplicate; /**< exact duplicate fragments, ignored */
	uint64_t frag_invalid;   /**< fragments refused as invalid (tiny first fragment, past
				    65535 bytes, truncated, inconsistent last fragment...) */
	unsigned n_workers;
	struct ft_worker_stats workers[FT_MAX_WORKERS];
	uint64_t export_drop; /**< sum of exporters[].dropped */
	unsigned n_exporters;
	struct ft_exporter_stats exporters[FT_MAX_EXPORTERS];
};

/**
 * CPU nanoseconds per frame: cpu_ns / frames, or 0 when frames is 0. The
 * capture thread's frames are captured + filtered; a worker's are packets +
 * discarded. Thread-safety: any thread. Context: never blocks.
 */
static inline double
ft_cpu_ns_per_frame(uint64_t cpu_ns, uint64_t frames)
{
	return frames != 0 ? (double)cpu_ns / (double)frames : 0.0;
}

/** Room ft_format_stats_json() may need at most (FT_MAX_WORKERS workers and
 * FT_MAX_EXPORTERS exporters). */
#define FT_STATS_FORMAT_MAX 16384

/**
 * The `stats` JSON record of docs/design.md (one object, no newline) into
 * buf (cap bytes, NUL-terminated); returns its length, cut short (and then
 * not valid JSON) only if cap < FT_STATS_FORMAT_MAX. final: the last
 * snapshot of a run ("final": true). Thread-safety: any thread.
 */
FT_EXTERN size_t ft_format_stats_json(const struct ft_stats *st, int final, char *buf, size_t cap);

/** "tcp", "udp", "icmp", "other": the name of an enum ft_flow_class. */
FT_EXTERN const char *ft_flow_class_name(int c);

#ifdef __cplusplus
}
#endif
#endif
