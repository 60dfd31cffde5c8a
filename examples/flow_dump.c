/*
 * examples/: tools built on the public API only (flowtap.h), as a
 * downstream program would be: flow_dump, flowgrep, http_trace,
 * latency_hist, redis_trace, tcp_metrics; tool.h is what they share.
 *
 * flow_dump.c - write every TCP session's reassembled bytes to files.
 *
 *   flow_dump (-i IFACE | -r FILE) DIR
 *
 * For each session (id = the flow record's "id"):
 *   DIR/<id>.send   the bytes the initiator (src) sent, in order, each once
 *   DIR/<id>.recv   the bytes the responder (dst) sent back
 *   DIR/<id>.flow   the session's `flow` JSON record, written when it ends
 * A live capture runs until SIGINT or SIGTERM; open sessions then end as "eof".
 * At the end it prints on stderr what it read and what was dropped (kernel,
 * interface, ring): a session that lost frames has an incomplete stream.
 *
 * It shows the flow API (public headers only): ft_config with track and
 * reassemble on, an on_flow callback that receives START, DATA, ..., END
 * events, and ft_pipeline_stop() from a signal handler.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "flowtap.h"

static struct ft_pipeline *g_pipeline; /* for the signal handler */
static const char *g_dir;

static void
on_signal(int sig)
{
	(void)sig;
	ft_pipeline_stop(g_pipeline); /* async-signal-safe */
}

/* Append len bytes to DIR/<id>.<ext>. Opening per event keeps the example
 * short; a real consumer would keep a descriptor per session. */
static int
append(uint64_t id, const char *ext, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%" PRIu64 ".%s", g_dir, id, ext);
	f = fopen(path, "ab");
	if (f == NULL)
		return -1;
	if (len > 0 && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/*
 * Called on the worker that owns the session, events of one session in
 * order. Everything ev points to is borrowed: valid during the call only.
 * Different sessions may be handled concurrently by different workers; each
 * writes its own files, so no locking is needed.
 */
static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	char rec[FT_FLOW_FORMAT_MAX];
	size_t n;

	(void)user;
	if (ev->flow->proto != 6 && ev->flow->proto != 0)
		return 0; /* UDP, ICMP, ...: this tool dumps TCP streams */
	switch (ev->type) {
	case FT_FLOW_START:
		/* Create both files, so an empty direction is an empty file. */
		if (append(ev->flow->id, "send", NULL, 0) != 0 ||
			append(ev->flow->id, "recv", NULL, 0) != 0)
			return -1;
		return 0;
	case FT_FLOW_DATA:
		/* In-order bytes, each byte once (retransmissions never come here). */
		return append(
			ev->flow->id, ev->dir == FT_DIR_SEND ? "send" : "recv", ev->data, ev->len);
	case FT_FLOW_END:
		/* The last event of a session: its final counters. */
		n = ft_format_flow_json(ev->flow, rec, sizeof(rec));
		rec[n++] = '\n';
		return append(ev->flow->id, "flow", rec, n);
	default:
		return 0; /* RETRANSMIT, GAP, RESET, SYN_RETRY: only counted in the record */
	}
}

int
main(int argc, char **argv)
{
	struct ft_config cfg;
	char err[FT_ERRBUF_SIZE];
	struct sigaction sa;
	struct ft_stats st;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("usage: flow_dump (-i IFACE | -r FILE) DIR\n");
		return 0;
	}
	if (argc != 4 || (strcmp(argv[1], "-i") != 0 && strcmp(argv[1], "-r") != 0)) {
		fprintf(stderr, "usage: flow_dump (-i IFACE | -r FILE) DIR\n");
		return 2;
	}
	g_dir = argv[3];
	if (mkdir(g_dir, 0755) != 0 && errno != EEXIST) {
		perror(g_dir);
		return 1;
	}

	ft_config_init(&cfg);
	if (argv[1][1] == 'i') {
		cfg.device = argv[2];
		cfg.buffer_timeout_ms = 10; /* hand frames over quickly */
	} else {
		cfg.file = argv[2];
	}
	cfg.track = 1;      /* TCP sessions (the default) */
	cfg.reassemble = 1; /* DATA events carry the bytes (the default) */
	cfg.on_flow = on_flow;

	rc = ft_pipeline_create(&cfg, &g_pipeline, err);
	if (rc != 0) {
		fprintf(stderr, "flow_dump: %s\n", err);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = ft_pipeline_start(g_pipeline);
	if (rc == 0)
		rc = ft_pipeline_wait(g_pipeline); /* end of file, or a signal */
	if (rc != 0)
		fprintf(stderr, "flow_dump: %s\n", ft_pipeline_errmsg(g_pipeline));
	ft_pipeline_stats(g_pipeline, &st);
	fprintf(stderr,
		"flow_dump: %" PRIu64 " frames; dropped: kernel %" PRIu64 ", interface %" PRIu64
		", ring %" PRIu64 "\n",
		st.captured, st.ps_drop, st.ps_ifdrop, st.ring_drop);
	ft_pipeline_destroy(g_pipeline);
	return rc == 0 ? 0 : 1;
}
