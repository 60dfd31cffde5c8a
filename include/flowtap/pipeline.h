/*
 * flowtap/pipeline.h - the capture pipeline.
 *
 *   capture thread --(one SPSC ring per worker)--> workers --> your callbacks
 *   stats thread: a report every stats_interval seconds and one at the end.
 *
 * Life cycle: ft_config_init() -> set fields -> ft_pipeline_create() ->
 * ft_pipeline_start() -> ft_pipeline_wait() -> ft_pipeline_destroy().
 * ft_pipeline_stop() may be called at any time from any thread, from a
 * callback, or from a signal handler.
 *
 * Threads: callbacks run on the worker that owns the packet's flow (packet
 * callback) or on the stats thread (stats callback). They must not block for
 * long: a slow consumer fills its ring, and a live capture then drops (counted
 * per worker as ring_drop); a file capture waits instead (files are lossless).
 */
#ifndef FLOWTAP_PIPELINE_H
#define FLOWTAP_PIPELINE_H

#include <stdint.h>
#include <stddef.h>

#include "flowtap/export.h"
#include "flowtap/flow.h"
#include "flowtap/packet.h"
#include "flowtap/stats.h"

struct ft_exporter; /* flowtap/exporter.h */

#ifdef __cplusplus
extern "C" {
#endif

struct ft_pipeline; /* opaque */

/**
 * Packet callback.
 * @param pkt  the decoded frame; borrowed, valid only during the call.
 * @param user ft_config.user.
 * @return 0 to go on; non-zero stops the pipeline, and ft_pipeline_wait()
 *         returns FT_ECONSUMER.
 * Thread-safety: called on a worker thread; calls for one flow always come
 * from the same worker, in capture order. Different workers call concurrently.
 * Context: hot path; must not block for long.
 */
typedef int ft_packet_cb(const struct ft_packet *pkt, void *user);

/**
 * Stats callback: one report every stats_interval seconds, and a final one
 * (final = 1) after every packet has been processed.
 * @param st borrowed snapshot, valid only during the call.
 * Thread-safety: called on the stats thread (the final report: on the thread
 * in ft_pipeline_wait()). Context: may block briefly (it prints).
 */
typedef void ft_stats_cb(const struct ft_stats *st, int final, void *user);

/**
 * Warning callback (pcap_activate warnings and the like). The default prints
 * "flowtap: warning: <text>" to stderr.
 * Thread-safety: called on the thread that calls ft_pipeline_create().
 */
typedef void ft_warning_cb(const char *msg, void *user);

/** Pipeline configuration. Initialise with ft_config_init(); strings are borrowed until create
 * returns. */
struct ft_config {
	/* Source: exactly one of device and file. */
	const char *device; /**< live interface name */
	const char *file;   /**< pcap or pcapng file; "-" is standard input */
	const char *filter; /**< BPF filter expression, or NULL */

	/* Live capture options (node_pcap's session options). */
	int snaplen;           /**< default 65535 */
	int promisc;           /**< default 1 */
	int monitor;           /**< rfmon; default 0 */
	int buffer_size;       /**< kernel buffer in bytes; 0 (the default): 10 MiB buffered,
				  and in immediate mode ft_immediate_buffer_size(snaplen) */
	int buffer_timeout_ms; /**< default 1000; <= 0 selects immediate mode */
	int immediate;         /**< force immediate mode; default 0 */
	int nano;              /**< ask for nanosecond timestamps; default 1 */

	/* File options. */
	int use_mmap; /**< read classic pcap files zero-copy through mmap; default 1 */

	/* Pipeline shape. */
	unsigned workers;    /**< 0: number of cores - 1, at least 1 */
	unsigned ring_slots; /**< descriptors per worker ring, power of two; 0 (the default):
			      * 65536 for a live capture (they absorb a worker's
			      * stalls), 16384 reading a file (which waits instead) */
	size_t arena_bytes;  /**< frame copy space per worker (live, libpcap reader); default
			      * 32 MiB. A live capture touches it (and the ring) at
			      * creation, so no page fault falls on the capture thread:
			      * it is resident from the start. */
	unsigned batch;      /**< frames a worker dequeues at once; default 32 */

	/* Stopping and side outputs. */
	uint64_t count;         /**< stop after this many frames (0: no limit) */
	const char *write_file; /**< write captured frames to this pcap file (-w; "-": stdout) */
	uint64_t write_rotate_bytes; /**< -C: a new file before one would pass this size; 0 off */
	unsigned write_rotate_secs;  /**< -G: a new file every this many seconds of packet time;
					write_file may then hold strftime(3) conversions (UTC) */
	unsigned write_file_count; /**< keep only the last this many files (tcpdump's -W); 0 all */
	double stats_interval;     /**< seconds between reports; 0 = off. Default: 1 live, 0 file */

	/* Consumers. */
	ft_packet_cb *on_packet;
	ft_stats_cb *on_stats;
	ft_warning_cb *on_warning;
	void *user;
	int decode; /**< decode frames before on_packet; default 1 */

	/* Flow tracking (flow.h): TCP sessions and every other IP protocol. Needs decode. */
	int track;      /**< track flows; default 1 */
	int reassemble; /**< hold out-of-order payload so DATA events carry the bytes; default 1 */
	ft_flow_cb *on_flow;     /**< flow events (start, data, ..., end), on the owning worker */
	uint32_t max_flows;      /**< flows tracked at once (every protocol), all workers together;
				    default 1048576 */
	uint32_t ooo_flow_bytes; /**< out-of-order bytes held per session; default 256 KiB */
	uint64_t ooo_bytes;      /**< out-of-order bytes held per worker; default 64 MiB */
	double timeout_syn;      /**< seconds a half-open session may idle; default 30 */
	double timeout_idle;     /**< seconds an established session may idle; default 300 */
	double timeout_closed;   /**< seconds a closed session lingers (absorbs stray packets);
				    default 30 */
	double reorder_window;   /**< seconds (packet time) a hole an ACK passed may still fill,
				    and a FIN close or RST waits for data captured after it,
				    before it is final; default 0.5; 0: at once */
	double timeout_udp;      /**< seconds a UDP flow may idle; default 60 */
	double timeout_icmp;     /**< seconds an ICMP or ICMPv6 flow may idle; default 30 */
	double timeout_other;    /**< seconds a flow of another IP protocol may idle; default 60 */

	/* IP defragmentation, on the capture thread before sharding (README "IP
	 * fragments"). Each fragment frame still reaches on_packet (not the tracker);
	 * the reassembled datagram goes to its flow's worker as one extra packet
	 * (ft_packet.reassembled = 1) that the tracker sees. */
	int defrag;              /**< reassemble IPv4 and IPv6 fragments; default 1 */
	int packets_reassembled; /**< also hand reassembled datagrams to on_packet; default 0 */
	uint32_t defrag_max_datagrams; /**< datagrams being reassembled at once; default 1024 */
	uint32_t defrag_max_frags;     /**< fragments held per datagram; default 64 */
	uint64_t defrag_max_bytes;     /**< payload bytes held in all; default 4 MiB */
	double defrag_timeout; /**< seconds (packet time) from a datagram's first fragment to
				  giving it up; default 30 */

	/* Exporters (flowtap/exporter.h): ended flows go to each, off the workers'
	 * path. Ownership passes to the pipeline when ft_pipeline_create() succeeds
	 * (freed by ft_pipeline_destroy()); on failure they stay the caller's. */
	struct ft_exporter *exporters[FT_MAX_EXPORTERS];
	unsigned n_exporters;
};

/**
 * Fill a config with the defaults above.
 * Ownership: cfg is the caller's. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN void ft_config_init(struct ft_config *cfg);

/**
 * Open the source and build the pipeline: rings, arenas and workers' state are
 * all allocated here, sized from cfg, so nothing is allocated per packet later.
 * @param cfg the configuration; copied (strings too), so it may be freed after.
 * @param out receives the pipeline on success; untouched on failure.
 * @param errbuf if not NULL, receives the cause on failure (libpcap's message
 *        included), FT_ERRBUF_SIZE bytes.
 * @return 0, or FT_EINVAL, FT_ENOMEM, FT_ENOENT, FT_EACCES, FT_EPERM, FT_EPCAP,
 *         FT_EFILTER, FT_EFORMAT.
 * Ownership: *out belongs to the caller; free with ft_pipeline_destroy().
 * Thread-safety: any thread. Context: may block (opens devices and files), allocates.
 */
#define FT_ERRBUF_SIZE 512
FT_EXTERN int ft_pipeline_create(
	const struct ft_config *cfg, struct ft_pipeline **out, char *errbuf);

/**
 * Start the capture, worker and stats threads.
 * @return 0, FT_EBUSY if already started, FT_ETHREAD.
 * Thread-safety: call once, from the thread that created the pipeline. Context: starts threads.
 */
FT_EXTERN int ft_pipeline_start(struct ft_pipeline *p);

/**
 * Ask the pipeline to stop. Frames already handed to workers are still
 * processed. A live capture first reads what the kernel already counted but
 * still holds in its buffer (at most one buffer timeout; at once on a silent
 * interface or in immediate mode), so that the final stats add up.
 * Thread-safety: any thread, any callback, and async-signal-safe.
 * Context: never blocks, never allocates.
 */
FT_EXTERN void ft_pipeline_stop(struct ft_pipeline *p);

/**
 * Wait until the capture ends (end of file, count reached, stop, or error),
 * every buffered frame has been processed or counted, and every thread has
 * been joined. Delivers the final stats report.
 * @return 0 on a clean end; FT_ETRUNC when a file was cut off mid-record
 *         (every whole frame before the cut was processed); FT_ECONSUMER;
 *         FT_EIO / FT_ENOSPC (the -w file); FT_EIFDOWN; FT_EPCAP.
 * Thread-safety: call once, from the thread that started the pipeline; never
 * from a callback. Context: blocks.
 */
FT_EXTERN int ft_pipeline_wait(struct ft_pipeline *p);

/**
 * Free everything. Stops and waits first if the pipeline is still running.
 * Ownership: p is invalid afterwards. Thread-safety: not from a callback.
 * Context: may block.
 */
FT_EXTERN void ft_pipeline_destroy(struct ft_pipeline *p);

/**
 * The cause of the last error, with libpcap's message where there is one.
 * Ownership: owned by p, valid until the next call on p.
 * Thread-safety: after ft_pipeline_wait() returned, or from the creating thread.
 */
FT_EXTERN const char *ft_pipeline_errmsg(const struct ft_pipeline *p);

/**
 * Take a snapshot of the counters (see stats.h for what is exact when).
 * Thread-safety: any thread while the pipeline exists. Context: never blocks.
 */
FT_EXTERN void ft_pipeline_stats(const struct ft_pipeline *p, struct ft_stats *st);

/**
 * The source's link type (DLT_*) and snap length.
 * Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN int ft_pipeline_datalink(const struct ft_pipeline *p);
FT_EXTERN int ft_pipeline_snaplen(const struct ft_pipeline *p);

/**
 * The kernel buffer a live capture asked for (bytes); 0 for a file.
 * Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN int ft_pipeline_buffer_size(const struct ft_pipeline *p);

/**
 * The default kernel buffer in immediate mode. libpcap's immediate-mode ring
 * (TPACKET_V2) has one fixed slot per frame, sized from the snap length (up
 * to 64 KiB on an interface with receive offloads), so the buffered default
 * (10 MiB) would hold only ~160 frames. This asks for FT_IMMEDIATE_FRAMES
 * slots of the snap length instead, at least 10 MiB, at most 256 MiB.
 * Thread-safety: any thread. Context: never blocks.
 */
#define FT_IMMEDIATE_FRAMES 4096
FT_EXTERN int ft_immediate_buffer_size(int snaplen);

/** Number of worker threads. Thread-safety: any thread. */
FT_EXTERN unsigned ft_pipeline_workers(const struct ft_pipeline *p);

/**
 * 1 once the capture thread has handed over its last frame (end of file,
 * count reached, stop, interface gone, or error) or ft_pipeline_start()
 * failed, else 0. Workers may still
 * be processing what it handed over; nothing more is being captured, so a
 * consumer that drops rather than block a live capture may now block.
 * Thread-safety: any thread, any callback. Context: never blocks.
 */
FT_EXTERN int ft_pipeline_capture_done(const struct ft_pipeline *p);

/**
 * Send a raw frame on the live interface (pcap_inject).
 * @return bytes sent, or FT_ENOTSUP (file source), FT_EPCAP (errmsg says why).
 * Thread-safety: any thread; calls are not serialised against each other.
 * Context: makes a system call; may block while the socket's send buffer is full.
 */
FT_EXTERN int ft_pipeline_inject(struct ft_pipeline *p, const void *frame, size_t len);

/**
 * Visit a copy of every flow open now (TCP sessions and the other IP
 * protocols' flows), on every worker, while the pipeline runs (liburcu QSBR:
 * each worker's session pool is walked without stopping the worker; the walk
 * costs a byte per pool entry ever used, up to the high-water mark).
 * @param cb called once per session with a snapshot (borrowed: valid during the
 *        call); return non-zero to stop the walk.
 * @return 0, or FT_ENOTSUP when tracking is off.
 * Thread-safety: any thread, including a callback's. Context: may block briefly
 * (registers the calling thread with liburcu); does not allocate per session.
 */
typedef int ft_flow_visit_cb(const struct ft_flow *f, void *user);
FT_EXTERN int ft_pipeline_flows(struct ft_pipeline *p, ft_flow_visit_cb *cb, void *user);

/* ---- Devices ---- */

/** One address of a device (text form, as inet_ntop). Empty strings when absent. */
struct ft_addr {
	char addr[64];
	char netmask[64];
	char broadaddr[64];
	char dstaddr[64];
};

/** One capture device. */
struct ft_device {
	char name[128];
	char description[256];
	unsigned flags; /**< PCAP_IF_* flags (loopback, up, running, wireless, ...) */
	unsigned n_addrs;
	struct ft_addr addrs[8]; /**< IPv4 and IPv6 addresses, no holes */
};

/**
 * List capture devices (pcap_findalldevs).
 * @param out   array filled with up to max devices.
 * @param max   its size.
 * @param n     receives the number of devices found (may exceed max).
 * @param errbuf receives libpcap's message on failure (FT_ERRBUF_SIZE bytes).
 * @return 0 or FT_EPCAP.
 * Ownership: out is the caller's. Thread-safety: any thread. Context: may block.
 */
FT_EXTERN int ft_devices(struct ft_device *out, unsigned max, unsigned *n, char *errbuf);

/**
 * Text for PCAP_IF_* flags, e.g. "LOOPBACK,UP,RUNNING".
 * Ownership: buf is the caller's. Thread-safety: any thread.
 */
FT_EXTERN const char *ft_device_flags(unsigned flags, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
