/*
 * output.c - where the flowtap program's records go.
 *
 * Packet lines are formatted on the worker that owns the packet, into that
 * worker's own buffer; a full buffer is written to standard output (standard
 * error when -w - writes the frames there) in one
 * write(2) under a lock (one lock per ~192 KiB, not per packet), so lines from
 * different workers never interleave mid-line. Stats go to stderr as text, or
 * to standard output as a JSON record with --json.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define OUT_BUF   (256 * 1024)
#define OUT_FLUSH (OUT_BUF - FT_PACKET_FORMAT_MAX - 1)

struct out_buf {
	_Alignas(64) char *buf;
	size_t len;
	uint64_t first_ns, prev_ns; /* -ttttt and -ttt: this worker's first and last line */
	int seen;
};

static struct out_buf *bufs;
static unsigned n_bufs;
static int as_json;
static int ts_style;
static int out_fd = STDOUT_FILENO;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int broken_pipe;

int
out_init(unsigned n_workers, int json, int style, int fd)
{
	as_json = json;
	ts_style = style;
	out_fd = fd;
	n_bufs = n_workers;
	if (posix_memalign((void **)&bufs, 64, n_workers * sizeof(*bufs)) != 0)
		return -1;
	memset(bufs, 0, n_workers * sizeof(*bufs));
	for (unsigned i = 0; i < n_workers; i++) {
		bufs[i].buf = malloc(OUT_BUF);
		if (bufs[i].buf == NULL)
			return -1;
	}
	return 0;
}

void
out_fini(void)
{
	for (unsigned i = 0; bufs != NULL && i < n_bufs; i++)
		free(bufs[i].buf);
	free(bufs);
	bufs = NULL;
}

int
out_broken_pipe(void)
{
	return atomic_load(&broken_pipe);
}

/* Write all of buf to standard output; 0, or -1 once the reader has gone. */
static int
write_all(const char *buf, size_t len)
{
	ssize_t n;
	int rc = 0;

	pthread_mutex_lock(&write_lock);
	while (len > 0 && !atomic_load(&broken_pipe)) {
		n = write(out_fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (errno != EPIPE)
				fprintf(stderr, "flowtap: writing output: %s\n", strerror(errno));
			atomic_store(&broken_pipe, 1);
			rc = -1;
			break;
		}
		buf += n;
		len -= (size_t)n;
	}
	pthread_mutex_unlock(&write_lock);
	return rc;
}

static int
flush(struct out_buf *b)
{
	int rc = write_all(b->buf, b->len);

	b->len = 0;
	return rc;
}

void
out_flush_all(void)
{
	for (unsigned i = 0; i < n_bufs; i++)
		if (bufs[i].len > 0)
			flush(&bufs[i]);
}

/* The reference time of a text line in the -ttt or -ttttt style (arithmetic only). */
static uint64_t
line_ref(struct out_buf *b, uint64_t ts_ns)
{
	uint64_t ref;

	if (!b->seen) {
		b->seen = 1;
		b->first_ns = b->prev_ns = ts_ns;
	}
	ref = ts_style == FT_TS_DELTA ? b->prev_ns : b->first_ns;
	b->prev_ns = ts_ns;
	return ref;
}

int
out_packet(const struct ft_packet *pkt, void *user)
{
	struct out_buf *b = &bufs[pkt->worker];
	size_t n;

	(void)user;
	if (atomic_load_explicit(&broken_pipe, memory_order_relaxed))
		return 1; /* nobody reads any more: stop (main() exits quietly) */
	if (as_json)
		n = ft_format_packet_json(pkt, b->buf + b->len, FT_PACKET_FORMAT_MAX);
	else
		n = ft_format_packet_text_ts(pkt, ts_style, line_ref(b, pkt->ts_ns),
			b->buf + b->len, FT_PACKET_FORMAT_MAX);
	b->len += n;
	b->buf[b->len++] = '\n';
	if (b->len >= OUT_FLUSH)
		flush(b);
	return 0;
}

int
out_flow(const struct ft_flow_event *ev, void *user)
{
	struct out_buf *b;
	size_t n;

	(void)user;
	if (ev->type != FT_FLOW_END)
		return 0;
	if (atomic_load_explicit(&broken_pipe, memory_order_relaxed))
		return 1;
	b = &bufs[ev->flow->worker];
	if (as_json)
		n = ft_format_flow_json(ev->flow, b->buf + b->len, FT_FLOW_FORMAT_MAX);
	else
		n = ft_format_flow_text_ts(ev->flow, ts_style, line_ref(b, ev->flow->first_ns),
			b->buf + b->len, FT_FLOW_FORMAT_MAX);
	b->len += n;
	b->buf[b->len++] = '\n';
	if (b->len >= OUT_FLUSH)
		flush(b);
	return 0;
}

void
out_interim(const struct ft_flow *f, void *user)
{
	char buf[FT_FLOW_FORMAT_MAX + 32];
	size_t n;

	(void)user;
	n = ft_format_flow_json(f, buf, FT_FLOW_FORMAT_MAX);
	if (n == 0 || buf[n - 1] != '}')
		return;
	/* The record of design.md, marked: its counters are the totals so far. */
	n += (size_t)snprintf(buf + n - 1, sizeof(buf) - n + 1, ",\"interim\":true}\n") - 1;
	write_all(buf, n);
}

static void
stats_json(const struct ft_stats *st, int final)
{
	char buf[FT_STATS_FORMAT_MAX + 1];
	size_t len = ft_format_stats_json(st, final, buf, FT_STATS_FORMAT_MAX);

	buf[len++] = '\n';
	write_all(buf, len);
}

static void
stats_text(const struct ft_stats *st, int final)
{
	char line[16384];
	size_t len;

	len = (size_t)snprintf(line, sizeof(line),
		"flowtap: %s: %s%" PRIu64 " received, %" PRIu64 " dropped by kernel",
		final ? "final stats" : "stats", st->live ? "" : "file: ", st->ps_recv,
		st->ps_drop);
	if (st->live)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			", %" PRIu64 " dropped by interface", st->ps_ifdrop);
	len += (size_t)snprintf(line + len, sizeof(line) - len,
		"; %" PRIu64 " captured, %" PRIu64 " ring drops, %" PRIu64 " packets (%" PRIu64
		" bytes) processed, %" PRIu64 " decode errors, %" PRIu64 " flows active, %" PRIu64
		" evicted",
		st->captured, st->ring_drop, st->packets, st->bytes, st->decode_errors,
		st->flows_active, st->flows_evicted);
	if (st->flows_untracked)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			", %" PRIu64 " IP packets untracked (table full)", st->flows_untracked);
	if (st->discarded)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			", %" PRIu64 " discarded after a consumer error", st->discarded);
	if (st->rst_ignored)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			", %" PRIu64 " RSTs ignored", st->rst_ignored);
	if (st->ooo_dropped)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			", %" PRIu64 " out-of-order segments dropped (buffers full, or a new ISN)",
			st->ooo_dropped);
	len += (size_t)snprintf(line + len, sizeof(line) - len, "; flows started/ended:");
	for (int c = 0; c < FT_FLOW_CLASSES && len < sizeof(line); c++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s %" PRIu64 "/%" PRIu64,
			ft_flow_class_name(c), st->flows_started[c], st->flows_ended[c]);
	if (st->frag_seen)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			"; IP fragments: %" PRIu64 " seen, %" PRIu64
			" datagrams reassembled, %" PRIu64 " timed out, %" PRIu64
			" dropped, %" PRIu64 " overlaps, %" PRIu64 " duplicates, %" PRIu64
			" invalid",
			st->frag_seen, st->frag_reassembled, st->frag_timeout, st->frag_dropped,
			st->frag_overlap, st->frag_duplicate, st->frag_invalid);
	for (unsigned i = 0; i < st->n_workers && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			"%s w%u %" PRIu64 "/%" PRIu64,
			i ? "," : "; workers (packets/ring drops):", i, st->workers[i].packets,
			st->workers[i].ring_drop);
	if (len < sizeof(line))
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			"; cpu ns/frame: capture %.0f",
			ft_cpu_ns_per_frame(st->capture_cpu_ns, st->captured + st->filtered));
	for (unsigned i = 0; i < st->n_workers && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, ", w%u %.0f", i,
			ft_cpu_ns_per_frame(st->workers[i].cpu_ns,
				st->workers[i].packets + st->workers[i].discarded));
	for (unsigned i = 0; i < st->n_exporters && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
			"%s %s %" PRIu64 " delivered, %" PRIu64 " dropped",
			i ? "," : "; export:", st->exporters[i].name, st->exporters[i].delivered,
			st->exporters[i].dropped);
	fprintf(stderr, "%s\n", line);
}

void
out_stats(const struct ft_stats *st, int final, void *user)
{
	(void)user;
	if (final)
		out_flush_all(); /* workers are joined: their buffers are ours now */
	if (as_json)
		stats_json(st, final);
	else
		stats_text(st, final);
}
