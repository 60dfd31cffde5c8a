/*
 * flowtap/exporter.h - sending flow records out of the process: IPFIX (UDP,
 * TCP, a file) and Redis.
 *
 * An exporter is made with one of the ft_exporter_*_new() calls and attached
 * to a pipeline through ft_config.exporters before ft_pipeline_create(). From
 * then on:
 *
 *   worker --(one bounded SPSC queue per worker, preallocated)--> exporter thread
 *
 * A worker copies each ended flow into its queue and goes on: it never blocks
 * on the exporter and never allocates. The exporter's own thread (started by
 * ft_pipeline_start(), joined by ft_pipeline_wait() after the workers) encodes
 * and sends. When a queue is full:
 *   - live capture: the record is dropped and counted (the capture comes first);
 *   - file: the worker waits for room while the exporter is healthy (a file is
 *     lossless), but never for an exporter that is down (not connected, failing
 *     to send): then the record is dropped and counted.
 * Every record is either delivered or counted as dropped; after
 * ft_pipeline_wait() the stats snapshot (stats.h: exporters[]) is exact, and
 * delivered + dropped == records produced (ended flows, plus interim records,
 * plus packet records for an exporter that takes them: Redis with packets = 1).
 *
 * Active timeout: every active_timeout seconds (wall clock) the exporter thread
 * walks the open flows (ft_pipeline_flows(), RCU, without stopping workers) and
 * exports, for each, the packets and octets since what it exported for that
 * flow before, as an interim record (IPFIX flowEndReason activeTimeout). The
 * final record carries the rest, so interim + final == the flow's totals. What
 * was exported per flow is kept in a table sized at creation; a flow that finds
 * it full gets no interim records (its final record then carries everything).
 */
#ifndef FLOWTAP_EXPORTER_H
#define FLOWTAP_EXPORTER_H

#include <stdint.h>

#include "flowtap/export.h"
#include "flowtap/flow.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ft_exporter; /* opaque */

/** Settings every exporter has. Initialised by the *_config_init() calls below. */
struct ft_exporter_common {
	unsigned queue_slots;  /**< records queued per worker, power of two; default 4096 */
	double active_timeout; /**< seconds between interim records of an open flow; 0 off.
				  Default 60 (IPFIX), 0 (Redis) */
	uint32_t max_interim;  /**< flows the active timeout keeps track of; default 262144 */
};

/** Where IPFIX goes. */
enum ft_ipfix_transport {
	FT_IPFIX_UDP = 1, /**< one message per datagram, templates re-sent periodically */
	FT_IPFIX_TCP,     /**< a stream (RFC 7011 section 10.4); reconnects with backoff */
	FT_IPFIX_FILE,    /**< an IPFIX file (RFC 5655): messages one after another */
};

/** IPFIX exporter settings (RFC 7011, biflows per RFC 5103). */
struct ft_ipfix_config {
	struct ft_exporter_common common;
	int transport;          /**< enum ft_ipfix_transport */
	char host[256];         /**< UDP, TCP: collector address or name */
	char port[16];          /**< UDP, TCP: port (default 4739) */
	char path[4096];        /**< FILE: the file to write */
	unsigned mtu;           /**< largest message, bytes; default 1400 */
	uint32_t domain;        /**< observation domain id; default 1 */
	double template_secs;   /**< UDP: re-send templates this often; default 60 */
	unsigned template_msgs; /**< UDP: ... and after this many messages; default 100 */
	/** UDP: messages per second at most (the exporter's thread waits between them).
	 * A collector's socket buffer overflows silently on a burst: 200 KiB, the
	 * Linux default, is ~150 messages. Default 20000 (~28 MB/s, ~400k flows/s);
	 * 0: no pacing. */
	unsigned udp_rate;
	/** 1: richer templates (VLAN ids, icmpTypeCode, biflowDirection, flowId), for
	 * collectors that map every RFC 5102/5103 element (YAF/SiLK, libfixbuf's
	 * tools). 0 (default): the elements nfdump 1.7's nfcapd maps right. */
	int rich;
};

/** Redis output settings. */
enum ft_redis_mode {
	FT_REDIS_XADD = 1, /**< XADD key * json <record> (a stream) */
	FT_REDIS_LIST,     /**< RPUSH key <record> */
	FT_REDIS_PUBLISH,  /**< PUBLISH key <record> */
};
struct ft_redis_config {
	struct ft_exporter_common common;
	char host[256];     /**< default 127.0.0.1 */
	int port;           /**< default 6379 */
	int mode;           /**< enum ft_redis_mode; default XADD */
	char key[256];      /**< stream, list or channel; default "flowtap" */
	int db;             /**< SELECT this database when > 0 */
	char password[256]; /**< AUTH with it when not empty */
	/** 1: every packet's JSON `packet` record too (ft_format_packet_json(), what
	 * `flowtap --packets --json` prints; reassembled datagrams only with
	 * ft_config.packets_reassembled), into the same key. The worker formats
	 * the record and copies it into a byte queue of its own (packet_queue_bytes),
	 * the exporter's thread sends it; a full queue drops and counts it, as for
	 * flow records. Costs the worker the formatting (~1 us a packet). */
	int packets;
	unsigned packet_queue_bytes; /**< per worker, power of two >= 16 KiB; default 4 MiB */
};

/**
 * Defaults for the configs above. Thread-safety: any thread. Never blocks.
 */
FT_EXTERN void ft_ipfix_config_init(struct ft_ipfix_config *c);
FT_EXTERN void ft_redis_config_init(struct ft_redis_config *c);

/**
 * Parse "udp:HOST:PORT", "tcp:HOST:PORT" or "file:PATH" into c (HOST may be
 * [v6addr]). @return 0, or FT_EINVAL with the cause in errbuf (FT_ERRBUF_SIZE).
 */
FT_EXTERN int ft_ipfix_parse(const char *spec, struct ft_ipfix_config *c, char *errbuf);

/**
 * Make an exporter. Nothing is opened or connected yet: that happens on its
 * own thread once the pipeline starts (a file is opened, and a name resolved,
 * here, so that a bad path or host fails early).
 * @param out receives the exporter. Ownership: the caller's until it is
 *        attached to a pipeline (ft_config.exporters) that was created: the
 *        pipeline then owns it and frees it in ft_pipeline_destroy(); before
 *        that, free it with ft_exporter_free().
 * @return 0, FT_EINVAL, FT_ENOMEM, FT_ENOENT/FT_EACCES (file), FT_ENOTSUP (built
 *         without hiredis); errbuf says why.
 * Thread-safety: any thread. Context: may block (name lookup, file open).
 */
FT_EXTERN int ft_exporter_ipfix_new(
	const struct ft_ipfix_config *c, struct ft_exporter **out, char *errbuf);
FT_EXTERN int ft_exporter_redis_new(
	const struct ft_redis_config *c, struct ft_exporter **out, char *errbuf);

/** Free an exporter that no pipeline owns. NULL is a no-op. */
FT_EXTERN void ft_exporter_free(struct ft_exporter *e);

/**
 * An exporter that sends nothing: it hands each interim snapshot of an open
 * flow (counters: the flow's totals so far) to fn, e.g. for a JSON `flow`
 * record with "interim": true. c->active_timeout must be > 0. Its counters
 * count the interim snapshots (delivered) and ended flows it was told of.
 * Thread-safety: fn runs on the exporter's thread; it may block briefly (it
 * only delays that thread). Ownership and errors: as ft_exporter_ipfix_new().
 */
typedef void ft_interim_cb(const struct ft_flow *f, void *user);
FT_EXTERN int ft_exporter_interim_new(const struct ft_exporter_common *c, ft_interim_cb *fn,
	void *user, struct ft_exporter **out, char *errbuf);

#ifdef __cplusplus
}
#endif
#endif
