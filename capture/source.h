/*
 * capture/source.h - a frame source that only feeds a sink (private).
 *
 * capture/ reads frames (an interface, a pcap/pcapng file read in place or by
 * libpcap, a gzip/zstd file) and hands each one to a sink function its caller
 * gives; it knows nothing of rings, workers or the pipeline (it includes only
 * core/ and flowtap/error.h). As libpcap's pcap_t, a source is ops + priv:
 * every backend keeps its own state in its own struct (capture_live.c,
 * capture_file.c, capture_mmap.c, capture_compress.c).
 *
 * Threads and ownership:
 *  - ft__source_open / ft__source_close: the owner's thread, before the run
 *    starts / after it returned. The source owns its libpcap handle, the
 *    mapping, the decompressor, its eventfd; the config's strings stay the
 *    caller's and must outlive the source.
 *  - ft__source_run: one thread (the capture thread). It blocks: it reads
 *    until the end of the file, an error, a ft__source_break(), or the sink
 *    asks to stop. A file source lets the sink wait (lossless); the sink of a
 *    live source must not block (drop and count instead).
 *  - ft__source_break: any thread, async-signal-safe (an atomic store, a
 *    write(2) to the source's eventfd, pcap_breakloop).
 *  - ft__source_stats: any thread (relaxed reads of counters the run thread
 *    publishes, core/counter.h).
 */
#ifndef FT_CAPTURE_SOURCE_H
#define FT_CAPTURE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct ft_source;

/* What to open. Exactly one of device and file. */
struct ft_source_config {
	const char *device;
	const char *file; /* "-": standard input */
	const char *filter;
	int snaplen;
	int promisc, buffer_size, buffer_timeout_ms, immediate, monitor, nano;
	int use_mmap; /* read classic pcap files in place when possible */
	void (*on_warning)(const char *msg, void *user); /* NULL: stderr */
	void *user;
};

/* What the source is, known after open. */
struct ft_source_info {
	int live;
	int dlt;
	int snaplen;
	int ts_digits;  /* 6 or 9: the resolution of the timestamps */
	int zero_copy;  /* frames stay valid until close (mapped file): no copy needed */
	int write_nsec; /* a -w file of these frames keeps nanoseconds */
};

/* libpcap's counters (live) and frames the filter refused (mmap reader). */
struct ft_source_stats {
	int pcap_valid; /* ps_* hold the kernel's counters */
	uint64_t ps_recv, ps_drop, ps_ifdrop;
	uint64_t filtered;
};

/*
 * The sink: one frame, on the run thread. data is valid during the call (and
 * until close when info.zero_copy). Returns 0 to go on; anything else ends the
 * run after this frame (ft__source_run then returns 0).
 */
typedef int ft_sink_fn(
	void *sink, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns);

/* Opens the source; on failure returns an FT_E* code with the cause in errbuf. */
int ft__source_open(const struct ft_source_config *cfg, struct ft_source **out, char *errbuf);
const struct ft_source_info *ft__source_info(const struct ft_source *s);

/*
 * Reads frames into sink until the end, a break or the sink's stop. Returns 0,
 * or an FT_E* code with its cause in ft__source_errmsg() (FT_ETRUNC: a cut
 * file, every whole frame before the cut was handed over).
 */
int ft__source_run(struct ft_source *s, ft_sink_fn *sink, void *user);
const char *ft__source_errmsg(const struct ft_source *s);

/*
 * Ends the run soon. drain: a live source first reads what the kernel has
 * already counted (so the final counters add up); 0 ends it at once.
 */
void ft__source_break(struct ft_source *s, int drain);

void ft__source_stats(const struct ft_source *s, struct ft_source_stats *st);

/* Sends a frame on a live source's interface (pcap_inject); FT_ENOTSUP otherwise. */
int ft__source_inject(struct ft_source *s, const void *frame, size_t len, char *errbuf);

/* NULL is a no-op. */
void ft__source_close(struct ft_source *s);

#endif
