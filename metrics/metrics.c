/*
 * metrics/: the Prometheus endpoint, served from the stats thread's
 * snapshots; nothing below the pipeline calls it.
 *
 * metrics.c - the Prometheus endpoint (text exposition format 0.0.4).
 *
 * DESIGN
 * - The metric list is two tables, one line per metric: whole-pipeline
 *   values (struct ft_stats) and per-worker values (struct ft_worker_stats,
 *   a worker="N" label). A counter added to the stats later is one line here.
 * - ft_metrics_update() runs on the caller's thread (the stats callback): it
 *   formats into a scratch buffer without any lock, then copies the text into
 *   the served buffer under `lock`. The HTTP thread copies the served buffer
 *   into its response under the same lock. Both buffers are allocated at start.
 * - HTTP is libmicrohttpd's (its own thread, its own parser); we bind the
 *   socket ourselves so that a failed bind reports errno's cause.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "flowtap/error.h"
#include "flowtap/metrics.h"
#include "flowtap/version.h"

/* 64 workers x 10 series plus the rest stay far below this. */
#define TEXT_CAP (256 * 1024)

enum { U_COUNT, U_SECONDS }; /* the value as is, or nanoseconds printed as seconds */

struct metric {
	const char *name, *type, *help;
	size_t off; /* uint64_t field in struct ft_stats or struct ft_worker_stats */
	int unit;
};

#define C(n, f, h)                                                                \
	{                                                                         \
		"flowtap_" n, "counter", h, offsetof(struct ft_stats, f), U_COUNT \
	}
#define G(n, f, h)                                                              \
	{                                                                       \
		"flowtap_" n, "gauge", h, offsetof(struct ft_stats, f), U_COUNT \
	}
#define WC(n, f, h)                                                                             \
	{                                                                                       \
		"flowtap_worker_" n, "counter", h, offsetof(struct ft_worker_stats, f), U_COUNT \
	}
#define WG(n, f, h)                                                                           \
	{                                                                                     \
		"flowtap_worker_" n, "gauge", h, offsetof(struct ft_worker_stats, f), U_COUNT \
	}

static const struct metric pipeline_metrics[] = {
	C("frames_received_total", ps_recv,
		"Frames received (live: pcap ps_recv; file: frames read)."),
	C("frames_captured_total", captured, "Frames the capture thread read after the filter."),
	C("frames_filtered_total", filtered,
		"Frames rejected by the BPF filter (mmap file reader)."),
	C("kernel_drops_total", ps_drop, "Frames the kernel dropped (pcap ps_drop, live only)."),
	C("interface_drops_total", ps_ifdrop,
		"Frames the interface dropped (pcap ps_ifdrop, live only)."),
	C("ring_drops_total", ring_drop,
		"Frames dropped because a worker ring was full (live only)."),
	C("frames_processed_total", packets, "Frames the workers processed."),
	C("bytes_processed_total", bytes, "Wire bytes of the frames the workers processed."),
	C("decode_errors_total", decode_errors, "Frames whose decoding stopped early."),
	C("frames_discarded_total", discarded, "Frames dequeued after a consumer asked to stop."),
	C("flows_evicted_total", flows_evicted, "Flows evicted to make room."),
	C("flows_untracked_total", flows_untracked, "IP packets no flow could be made for."),
	C("tcp_rst_ignored_total", rst_ignored,
		"TCP RSTs not honoured (implausible or contradicted)."),
	C("tcp_ooo_dropped_total", ooo_dropped,
		"Out-of-order TCP segments not held (buffers full) or dropped (a new ISN)."),
	{"flowtap_capture_cpu_seconds_total", "counter", "CPU time of the capture thread.",
		offsetof(struct ft_stats, capture_cpu_ns), U_SECONDS},
	G("flows_active", flows_active, "Flows (every IP protocol) tracked now."),
	C("frag_seen_total", frag_seen, "IP fragment frames taken by the reassembly."),
	C("frag_reassembled_total", frag_reassembled, "IP datagrams reassembled."),
	C("frag_timeout_total", frag_timeout, "IP datagrams given up incomplete."),
	C("frag_dropped_total", frag_dropped,
		"IP datagrams abandoned (limits, overlaps, invalid)."),
	C("export_drops_total", export_drop, "Flow records all exporters dropped."),
	G("kernel_buffer_bytes", buffer_bytes, "Kernel capture buffer asked for (live; 0 file)."),
};

static const struct metric worker_metrics[] = {
	WC("frames_enqueued_total", enqueued, "Frames handed to this worker."),
	WC("ring_drops_total", ring_drop, "Frames dropped because this worker's ring was full."),
	WC("frames_processed_total", packets, "Frames this worker processed."),
	WC("decode_errors_total", decode_errors, "Frames whose decoding stopped early."),
	WC("flows_evicted_total", flows_evicted, "TCP sessions this worker evicted."),
	{"flowtap_worker_cpu_seconds_total", "counter", "CPU time of this worker's thread.",
		offsetof(struct ft_worker_stats, cpu_ns), U_SECONDS},
	WG("flows_active", flows_active, "TCP sessions in this worker's table."),
	/* off 0 is `enqueued`; ring_fill is computed (see worker_value). */
	{"flowtap_worker_ring_fill", "gauge",
		"Frames in this worker's ring (enqueued, not yet taken).", (size_t)-1, U_COUNT},
};

struct ft_metrics {
	struct MHD_Daemon *d;
	unsigned port;
	pthread_mutex_t lock; /* guards text/len: held only while copying */
	char *text;
	size_t len;
	char *scratch; /* ft_metrics_update()'s own */
};

static uint64_t
field(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static uint64_t
worker_value(const struct ft_worker_stats *w, const struct metric *m)
{
	uint64_t out;

	if (m->off != (size_t)-1)
		return field(w, m->off);
	/* In flight: handed over but neither processed nor discarded yet (a recent
	 * value of counters read one after another, so clamp at 0). */
	out = w->packets + w->discarded;
	return w->enqueued > out ? w->enqueued - out : 0;
}

struct text {
	char *buf;
	size_t cap, len;
	int overflow;
};

static void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		t->overflow = 1;
	else
		t->len += (size_t)n;
}

static void
header(struct text *t, const struct metric *m)
{
	tprintf(t, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
}

static void
value(struct text *t, const struct metric *m, uint64_t v)
{
	if (m->unit == U_SECONDS)
		tprintf(t, "%" PRIu64 ".%09" PRIu64 "\n", v / 1000000000u, v % 1000000000u);
	else
		tprintf(t, "%" PRIu64 "\n", v);
}

static void
build_info(struct text *t)
{
	tprintf(t,
		"# HELP flowtap_build_info The flowtap version serving these metrics.\n"
		"# TYPE flowtap_build_info gauge\n"
		"flowtap_build_info{version=\"%s\"} 1\n",
		FT_VERSION_STRING);
}

/* Flows by protocol class, and each exporter's records: labelled series. */
static void
labelled(struct text *t, const struct ft_stats *st)
{
	static const char *const cls[FT_FLOW_CLASSES] = {"tcp", "udp", "icmp", "other"};
	static const struct {
		const char *name, *help;
		int ended;
	} flows[] = {
		{"flowtap_flows_started_total", "Flows started, by protocol.", 0},
		{"flowtap_flows_ended_total", "Flows ended, by protocol.", 1},
	};
	static const struct {
		const char *name, *help;
		size_t off;
	} ex[] = {
		{"flowtap_export_delivered_total", "Flow records an exporter delivered.",
			offsetof(struct ft_exporter_stats, delivered)},
		{"flowtap_export_dropped_total", "Flow records an exporter dropped.",
			offsetof(struct ft_exporter_stats, dropped)},
	};

	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		tprintf(t, "# HELP %s %s\n# TYPE %s counter\n", flows[i].name, flows[i].help,
			flows[i].name);
		for (int c = 0; c < FT_FLOW_CLASSES; c++)
			tprintf(t, "%s{proto=\"%s\"} %" PRIu64 "\n", flows[i].name, cls[c],
				flows[i].ended ? st->flows_ended[c] : st->flows_started[c]);
	}
	if (st->n_exporters == 0)
		return;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		tprintf(t, "# HELP %s %s\n# TYPE %s counter\n", ex[i].name, ex[i].help, ex[i].name);
		for (unsigned e = 0; e < st->n_exporters && e < FT_MAX_EXPORTERS; e++)
			tprintf(t, "%s{exporter=\"%u\",name=\"%s\"} %" PRIu64 "\n", ex[i].name, e,
				st->exporters[e].name, field(&st->exporters[e], ex[i].off));
	}
}

size_t
ft_metrics_format(const struct ft_stats *st, int final, char *buf, size_t cap)
{
	struct text t = {buf, cap, 0, 0};
	size_t i;

	if (cap == 0)
		return 0;
	build_info(&t);
	tprintf(&t,
		"# HELP flowtap_live 1 for a live capture, 0 for a file.\n# TYPE flowtap_live "
		"gauge\n"
		"flowtap_live %d\n"
		"# HELP flowtap_finished 1 once the capture has ended and these are the final "
		"counts.\n# TYPE flowtap_finished gauge\nflowtap_finished %d\n"
		"# HELP flowtap_workers Worker threads.\n# TYPE flowtap_workers gauge\n"
		"flowtap_workers %u\n"
		"# HELP flowtap_snapshot_timestamp_seconds When this snapshot was taken.\n"
		"# TYPE flowtap_snapshot_timestamp_seconds gauge\n"
		"flowtap_snapshot_timestamp_seconds %" PRIu64 ".%09" PRIu64 "\n",
		st->live ? 1 : 0, final ? 1 : 0, st->n_workers, st->ts_ns / 1000000000u,
		st->ts_ns % 1000000000u);
	for (i = 0; i < sizeof(pipeline_metrics) / sizeof(pipeline_metrics[0]); i++) {
		header(&t, &pipeline_metrics[i]);
		tprintf(&t, "%s ", pipeline_metrics[i].name);
		value(&t, &pipeline_metrics[i], field(st, pipeline_metrics[i].off));
	}
	for (i = 0; i < sizeof(worker_metrics) / sizeof(worker_metrics[0]); i++) {
		header(&t, &worker_metrics[i]);
		for (unsigned w = 0; w < st->n_workers && w < FT_MAX_WORKERS; w++) {
			tprintf(&t, "%s{worker=\"%u\"} ", worker_metrics[i].name, w);
			value(&t, &worker_metrics[i],
				worker_value(&st->workers[w], &worker_metrics[i]));
		}
	}
	labelled(&t, st);
	if (t.overflow) {
		buf[0] = '\0';
		return 0;
	}
	return t.len;
}

void
ft_metrics_update(struct ft_metrics *m, const struct ft_stats *st, int final)
{
	size_t n = ft_metrics_format(st, final, m->scratch, TEXT_CAP);

	if (n == 0)
		return; /* cannot happen at TEXT_CAP; the last good text stays served */
	pthread_mutex_lock(&m->lock);
	memcpy(m->text, m->scratch, n + 1);
	m->len = n;
	pthread_mutex_unlock(&m->lock);
}

/* Queue r (NULL: out of memory) with its content type, and let it go. */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r, const char *ctype)
{
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* libmicrohttpd's thread: GET (or HEAD) /metrics; anything else 404 or 405. */
static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	static const char ctype[] = "text/plain; version=0.0.4; charset=utf-8";
	static char not_allowed[] = "only GET\n", not_found[] = "see /metrics\n";
	struct ft_metrics *m = cls;
	struct MHD_Response *r;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			MHD_create_response_from_buffer(
				strlen(not_allowed), not_allowed, MHD_RESPMEM_PERSISTENT),
			"text/plain");
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND,
			MHD_create_response_from_buffer(
				strlen(not_found), not_found, MHD_RESPMEM_PERSISTENT),
			"text/plain");
	pthread_mutex_lock(&m->lock); /* held for the copy only */
	r = MHD_create_response_from_buffer(m->len, m->text, MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&m->lock);
	return reply(c, MHD_HTTP_OK, r, ctype);
}

static void log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("flowtap: metrics: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* "HOST:PORT", "[V6]:PORT", ":PORT" -> host (127.0.0.1 when empty) and port. */
static int
split(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *colon, *h = addr;
	size_t hlen;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		h = addr + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			return -1;
		hlen = (size_t)(colon - addr);
	}
	if (hlen >= hcap || strlen(colon + 1) >= pcap || colon[1] == '\0' ||
		strspn(colon + 1, "0123456789") != strlen(colon + 1) || atol(colon + 1) > 65535)
		return -1;
	if (hlen == 0)
		snprintf(host, hcap, "127.0.0.1");
	else
		snprintf(host, hcap, "%.*s", (int)hlen, h);
	snprintf(port, pcap, "%s", colon + 1);
	return 0;
}

static int
bind_socket(const char *addr, int *fd_out, unsigned *port_out, char *errbuf)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[8];
	const char *step;
	int fd, one = 1, rc;

	if (split(addr, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE,
			"metrics address \"%s\": expected HOST:PORT, [IPV6]:PORT or :PORT", addr);
		return FT_EINVAL;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "metrics address \"%s\": %s", addr,
			gai_strerror(rc));
		return FT_EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	step = fd < 0                                                             ? "socket"
	       : setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ? "setsockopt"
	       : bind(fd, ai->ai_addr, ai->ai_addrlen) != 0                       ? "bind"
	       : listen(fd, 16) != 0                                              ? "listen"
	       : getsockname(fd, (struct sockaddr *)&ss, &sl) != 0                ? "getsockname"
										  : NULL;
	if (step != NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "metrics on %s: %s: %s", addr, step,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return FT_EIO;
	}
	freeaddrinfo(ai);
	*port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
	*fd_out = fd;
	return 0;
}

int
ft_metrics_start(const char *addr, struct ft_metrics **out, char *errbuf)
{
	struct ft_metrics *m;
	struct text t;
	int fd = -1, rc;

	if (addr == NULL || out == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "no metrics address");
		return FT_EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->text = malloc(TEXT_CAP)) == NULL ||
		(m->scratch = malloc(TEXT_CAP)) == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "metrics: out of memory");
		rc = FT_ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&m->lock, NULL);
	t = (struct text){m->text, TEXT_CAP, 0, 0};
	build_info(&t);
	m->len = t.len;
	rc = bind_socket(addr, &fd, &m->port, errbuf);
	if (rc != 0)
		goto fail_lock;
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		handle, m, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_END);
	if (m->d == NULL) {
		close(fd);
		snprintf(
			errbuf, FT_ERRBUF_SIZE, "metrics on %s: libmicrohttpd did not start", addr);
		rc = FT_ETHREAD;
		goto fail_lock;
	}
	*out = m;
	return 0;
fail_lock:
	pthread_mutex_destroy(&m->lock);
fail:
	if (m != NULL) {
		free(m->text);
		free(m->scratch);
	}
	free(m);
	return rc;
}

unsigned
ft_metrics_port(const struct ft_metrics *m)
{
	return m->port;
}

void
ft_metrics_stop(struct ft_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d); /* joins its thread and closes the listening socket */
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	free(m->scratch);
	free(m);
}
