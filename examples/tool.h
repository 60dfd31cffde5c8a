/*
 * tool.h - what the example tools (http_trace, redis_trace, flowgrep,
 * tcp_metrics) share: output, time and address formatting, JSON escaping,
 * the drop watcher, the --tcp-verbose event lines, and a per-worker session
 * table. Header-only (static inline), so each tool stays one .c file and target.
 *
 * What it shows about the API:
 * - Output: records are formatted into a local buffer and written with ONE
 *   fwrite(); stdio locks the stream per call, so lines from different
 *   workers never interleave mid-line. Live captures make stdout line
 *   buffered so lines show up at once; files keep full buffering.
 * - Per-session state: flow events of one session always come from the
 *   worker that owns it, in order (flow.h), so each worker gets a table of
 *   its own keyed by ft_flow.id and nothing is locked. The tools allocate a
 *   session's state on its first event and free it on FT_FLOW_END (a tool
 *   may allocate; the library's per-packet path does not). The table itself
 *   is fixed-size, allocated before ft_pipeline_start() from
 *   ft_pipeline_workers() and --max-sessions.
 * - Drop watcher: the stats callback sees ps_drop (kernel) and ring_drop
 *   (a worker too slow); the first drop is reported once, with the counters.
 */
#ifndef FT_EXAMPLES_TOOL_H
#define FT_EXAMPLES_TOOL_H

#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <flowtap.h>

/* Common options; every tool parses these the same way. */
struct tool_opts {
	struct ft_config cfg;
	int json, color, tcp_verbose;
	uint32_t max_sessions; /* per worker */
	char filter[1024];
};

enum { TOOL_OPT_JSON = 900, TOOL_OPT_NO_COLOR, TOOL_OPT_TCP_VERBOSE, TOOL_OPT_MAX_SESSIONS };

#define TOOL_LONGOPTS                                                             \
	{"json", no_argument, NULL, TOOL_OPT_JSON},                               \
		{"no-color", no_argument, NULL, TOOL_OPT_NO_COLOR},               \
		{"tcp-verbose", no_argument, NULL, TOOL_OPT_TCP_VERBOSE},         \
		{"max-sessions", required_argument, NULL, TOOL_OPT_MAX_SESSIONS}, \
	{                                                                         \
		"help", no_argument, NULL, 'h'                                    \
	}
#define TOOL_SHORTOPTS "+i:r:B:W:h"
#define TOOL_USAGE_COMMON                                                                         \
	"  -i IFACE            capture live from IFACE\n"                                         \
	"  -r FILE             read a pcap/pcapng file (- is standard input)\n"                   \
	"  -B KIB              kernel buffer size in KiB (default 10240)\n"                       \
	"  -W N                worker threads (default: cores - 1, at least 1)\n"                 \
	"  --max-sessions N    sessions with parser state at once, per worker (default 65536);\n" \
	"                      the table is allocated at start; sessions beyond it are counted\n" \
	"                      and not parsed\n"                                                  \
	"  --tcp-verbose       also print TCP events: start, retransmit, gap, reset, SYN retry, " \
	"end\n"                                                                                   \
	"  --no-color          no ANSI colours (the default when stdout is not a terminal)\n"     \
	"  --json              JSON lines instead of text\n"                                      \
	"  --help              this text\n"

static inline void
tool_opts_init(struct tool_opts *o)
{
	memset(o, 0, sizeof(*o));
	ft_config_init(&o->cfg);
	o->cfg.stats_interval = 1; /* the drop watcher looks once a second, files too */
	o->color = isatty(1);
	o->max_sessions = 65536;
}

/* Handle a common option: 1 handled, 0 not ours, -1 bad value. */
static inline int
tool_opt(struct tool_opts *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'i':
		o->cfg.device = arg;
		return 1;
	case 'r':
		o->cfg.file = arg;
		return 1;
	case 'B':
		v = atol(arg);
		if (v < 1 || v > 2097151)
			return -1;
		o->cfg.buffer_size = (int)(v * 1024);
		return 1;
	case 'W':
		v = atol(arg);
		if (v < 1 || v > FT_MAX_WORKERS)
			return -1;
		o->cfg.workers = (unsigned)v;
		return 1;
	case TOOL_OPT_JSON:
		o->json = 1;
		return 1;
	case TOOL_OPT_NO_COLOR:
		o->color = 0;
		return 1;
	case TOOL_OPT_TCP_VERBOSE:
		o->tcp_verbose = 1;
		return 1;
	case TOOL_OPT_MAX_SESSIONS:
		v = atol(arg);
		if (v < 1 || v > (1L << 24))
			return -1;
		o->max_sessions = (uint32_t)v;
		return 1;
	default:
		return 0;
	}
}

/* After getopt: the trailing arguments are the filter (or def); check the source. */
static inline int
tool_opts_finish(struct tool_opts *o, int argc, char **argv, int first, const char *def)
{
	size_t len = 0;

	for (int i = first; i < argc; i++)
		len += (size_t)snprintf(o->filter + len, sizeof(o->filter) - len, "%s%s",
			i > first ? " " : "", argv[i]);
	if (len >= sizeof(o->filter))
		return -1;
	o->cfg.filter = first < argc ? o->filter : def;
	if ((o->cfg.device == NULL) == (o->cfg.file == NULL))
		return -1;
	if (o->json)
		o->color = 0;
	if (o->cfg.device != NULL)
		setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
}

/* ---- output ---- */

static atomic_int tool_write_failed;

static inline void
tool_emit(const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len)
		atomic_store(&tool_write_failed, 1);
}

#define TOOL_C(o, code) ((o)->color ? "\033[" code "m" : "")
#define TOOL_RESET(o)   TOOL_C(o, "0")

/* "HH:MM:SS.mmm", local time. */
static inline const char *
tool_time(uint64_t ns, char *buf, size_t cap)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	localtime_r(&s, &tm);
	snprintf(buf, cap, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		(unsigned)(ns / 1000000u % 1000u));
	return buf;
}

/* A TCP session (the tracker also reports UDP, ICMP and other IP flows:
 * tools that read TCP streams ignore those). proto 0: a library before flows
 * of every protocol. */
static inline int
tool_is_tcp(const struct ft_flow *f)
{
	return f->proto == 6 || f->proto == 0;
}

/* One endpoint of a session: "10.0.0.1:80" or "[fd00::1]:80"; which: 0 src, 1 dst. */
static inline const char *
tool_endpoint(const struct ft_flow *f, int which, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(f->ip_v == 6 ? AF_INET6 : AF_INET, which ? f->dst : f->src, a, sizeof(a));
	snprintf(buf, cap, f->ip_v == 6 ? "[%s]:%u" : "%s:%u", a,
		(unsigned)(which ? f->dport : f->sport));
	return buf;
}

/* JSON string body of s[0..len) (no quotes): control and non-ASCII bytes as \u00XX. */
static inline size_t
tool_json_esc(char *out, size_t cap, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t n = 0;

	for (size_t i = 0; i < len && n + 7 < cap; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			out[n++] = '\\';
			out[n++] = (char)p[i];
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", p[i]);
		} else {
			out[n++] = (char)p[i];
		}
	}
	if (cap > 0)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* Printable text of s[0..len): non-printable bytes as '.'. */
static inline size_t
tool_text_esc(char *out, size_t cap, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < cap; i++)
		out[n++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	if (cap > 0)
		out[n] = '\0';
	return n;
}

/* Seconds since the epoch to the capture's precision. */
static inline const char *
tool_ts(uint64_t ns, int digits, char *buf, size_t cap)
{
	if (digits == 9)
		snprintf(buf, cap, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
	else
		snprintf(buf, cap, "%" PRIu64 ".%06" PRIu64, ns / 1000000000u,
			ns % 1000000000u / 1000u);
	return buf;
}

/* "12B", "1.2KB", "3.4MB", as http_trace printed sizes. */
static inline const char *
tool_size(uint64_t n, char *buf, size_t cap)
{
	if (n < 1024)
		snprintf(buf, cap, "%" PRIu64 "B", n);
	else if (n < 1024 * 1024)
		snprintf(buf, cap, "%.1fKB", (double)n / 1024);
	else
		snprintf(buf, cap, "%.1fMB", (double)n / (1024 * 1024));
	return buf;
}

/* Start a record in buf: JSON '{"type":..,"ts":..,"flow":..,"client":..,"server":..,'
 * (the caller adds the rest and '}'), or text "HH:MM:SS.mmm from -> to ". */
static inline size_t
tool_head(const struct tool_opts *o, char *buf, size_t cap, const char *type, uint64_t ns,
	const struct ft_flow *f, int client_is_dst, int from_server)
{
	char c[64], s[64], t[40];
	int n;

	tool_endpoint(f, client_is_dst, c, sizeof(c));
	tool_endpoint(f, !client_is_dst, s, sizeof(s));
	if (o->json)
		n = snprintf(buf, cap,
			"{\"type\":\"%s\",\"ts\":%s,\"flow\":%" PRIu64
			",\"client\":\"%s\",\"server\":\"%s\",",
			type, tool_ts(ns, f->ts_digits, t, sizeof(t)), f->id, c, s);
	else
		n = snprintf(buf, cap, "%s%s%s %s%s -> %s%s ", TOOL_C(o, "34"),
			tool_time(ns, t, sizeof(t)), TOOL_RESET(o), TOOL_C(o, "35"),
			from_server ? s : c, from_server ? c : s, TOOL_RESET(o));
	return (size_t)n;
}

/* ---- the drop watcher (stats callback, stats thread) ---- */

static inline void
tool_on_stats(const struct ft_stats *st, int final, void *user)
{
	static atomic_int warned;

	(void) final;
	(void)user;
	if ((st->ps_drop > 0 || st->ring_drop > 0) && !atomic_exchange(&warned, 1))
		fprintf(stderr,
			"pcap dropped packets, need larger buffer or less work to do: "
			"{\"ps_recv\":%" PRIu64 ",\"ps_drop\":%" PRIu64 ",\"ps_ifdrop\":%" PRIu64
			",\"ring_drop\":%" PRIu64 ",\"captured\":%" PRIu64 "}\n",
			st->ps_recv, st->ps_drop, st->ps_ifdrop, st->ring_drop, st->captured);
}

/* ---- --tcp-verbose: one line per TCP event other than DATA ---- */

static inline void
tool_tcp_event(const struct tool_opts *o, const struct ft_flow_event *ev)
{
	static const char *const names[] = {
		"", "start", "data", "retransmit", "gap", "reset", "syn_retry", "end"};
	const struct ft_flow *f = ev->flow;
	char line[512], a[64], b[64], t[40];
	int n;

	if (ev->type == FT_FLOW_DATA)
		return;
	uint64_t ns = ev->ts_ns;

	tool_endpoint(f, ev->dir == FT_DIR_RECV, a, sizeof(a));
	tool_endpoint(f, ev->dir != FT_DIR_RECV, b, sizeof(b));
	if (o->json)
		n = snprintf(line, sizeof(line),
			"{\"type\":\"tcp\",\"event\":\"%s\",\"ts\":%s,\"flow\":%" PRIu64
			",\"src\":\"%s\",\"dst\":\"%s\",\"seq\":%u,\"len\":%u%s%s%s}\n",
			names[ev->type], tool_ts(ns, f->ts_digits, t, sizeof(t)), f->id, a, b,
			ev->seq, ev->len, ev->type == FT_FLOW_END ? ",\"close\":\"" : "",
			ev->type == FT_FLOW_END ? ft_close_name(f->close) : "",
			ev->type == FT_FLOW_END ? "\"" : "");
	else
		n = snprintf(line, sizeof(line), "%s%s%s %s%s -> %s%s TCP %s%s%s%s\n",
			TOOL_C(o, "34"), tool_time(ns, t, sizeof(t)), TOOL_RESET(o),
			TOOL_C(o, "35"), a, b, TOOL_RESET(o), names[ev->type],
			ev->type == FT_FLOW_START && f->midstream ? " (already in progress)" : "",
			ev->type == FT_FLOW_END ? " " : "",
			ev->type == FT_FLOW_END ? ft_close_name(f->close) : "");
	if (n > 0)
		tool_emit(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* ---- per-worker session table: open addressing keyed by ft_flow.id ---- */

struct tool_table {
	uint64_t *keys;
	void **vals; /* NULL: empty slot */
	uint32_t mask, n, max;
	uint64_t full; /* sessions not tracked because the table was full */
};

static inline int
tool_tables_init(struct tool_table *t, unsigned n_tables, uint32_t max)
{
	uint32_t slots = 16;

	while (slots < max + max / 2)
		slots <<= 1;
	for (unsigned i = 0; i < n_tables; i++) {
		t[i].keys = calloc(slots, sizeof(*t[i].keys));
		t[i].vals = calloc(slots, sizeof(*t[i].vals));
		if (t[i].keys == NULL || t[i].vals == NULL)
			return -1;
		t[i].mask = slots - 1;
		t[i].max = max;
	}
	return 0;
}

static inline uint32_t
tool_slot(const struct tool_table *t, uint64_t id)
{
	id *= 0x9e3779b97f4a7c15u;
	return (uint32_t)(id >> 32) & t->mask;
}

static inline void *
tool_get(const struct tool_table *t, uint64_t id)
{
	for (uint32_t i = tool_slot(t, id);; i = (i + 1) & t->mask) {
		if (t->vals[i] == NULL)
			return NULL;
		if (t->keys[i] == id)
			return t->vals[i];
	}
}

static inline int
tool_put(struct tool_table *t, uint64_t id, void *v)
{
	uint32_t i;

	if (t->n >= t->max) {
		t->full++;
		return -1;
	}
	for (i = tool_slot(t, id); t->vals[i] != NULL; i = (i + 1) & t->mask)
		;
	t->keys[i] = id;
	t->vals[i] = v;
	t->n++;
	return 0;
}

/* Remove id (backward-shift deletion: no tombstones). */
static inline void
tool_del(struct tool_table *t, uint64_t id)
{
	uint32_t i = tool_slot(t, id), j;

	while (t->vals[i] != NULL && t->keys[i] != id)
		i = (i + 1) & t->mask;
	if (t->vals[i] == NULL)
		return;
	t->vals[i] = NULL;
	t->n--;
	for (j = (i + 1) & t->mask; t->vals[j] != NULL; j = (j + 1) & t->mask) {
		uint32_t home = tool_slot(t, t->keys[j]);

		/* Move j back to the hole at i unless its home lies in (i, j]. */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->keys[i] = t->keys[j];
			t->vals[i] = t->vals[j];
			t->vals[j] = NULL;
			i = j;
		}
	}
}

static inline void
tool_tables_free(struct tool_table *t, unsigned n_tables)
{
	for (unsigned i = 0; i < n_tables; i++) {
		free(t[i].keys);
		free(t[i].vals);
	}
}

/* ---- running: create, start, wait; SIGINT/SIGTERM stop ---- */

static struct ft_pipeline *tool_running;

static inline void
tool_on_signal(int sig)
{
	(void)sig;
	if (tool_running != NULL)
		ft_pipeline_stop(tool_running); /* async-signal-safe */
}

static inline void
tool_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tool_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * The pipeline's life cycle, the same for every tool: create (opens the
 * source: errors name the cause), size the per-worker session tables from
 * ft_pipeline_workers() (when tables is not NULL), start, wait (SIGINT and
 * SIGTERM call ft_pipeline_stop(); the final stats reach the drop watcher),
 * destroy. Returns the exit status: 0, or 1 with the cause on stderr.
 */
static inline int
tool_run(const char *prog, struct tool_opts *o, struct tool_table **tables)
{
	struct ft_pipeline *p;
	char err[FT_ERRBUF_SIZE];
	unsigned nw;
	int rc;

	if (o->cfg.on_stats == NULL)
		o->cfg.on_stats = tool_on_stats;
	tool_signals();
	if (ft_pipeline_create(&o->cfg, &p, err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	nw = ft_pipeline_workers(p);
	if (tables != NULL && ((*tables = calloc(nw, sizeof(**tables))) == NULL ||
				      tool_tables_init(*tables, nw, o->max_sessions) != 0)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		ft_pipeline_destroy(p);
		return 1;
	}
	tool_running = p;
	rc = ft_pipeline_start(p);
	if (rc == 0)
		rc = ft_pipeline_wait(p);
	tool_running = NULL;
	fflush(stdout);
	if (rc != 0 && !atomic_load(&tool_write_failed))
		fprintf(stderr, "%s: %s\n", prog,
			ft_pipeline_errmsg(p)[0] ? ft_pipeline_errmsg(p) : ft_strerror(rc));
	for (unsigned i = 0; tables != NULL && i < nw; i++)
		if ((*tables)[i].full)
			fprintf(stderr,
				"%s: worker %u: %" PRIu64 " sessions not parsed "
				"(--max-sessions)\n",
				prog, i, (*tables)[i].full);
	ft_pipeline_destroy(p);
	if (tables != NULL) {
		tool_tables_free(*tables, nw);
		free(*tables);
	}
	return rc == 0 || atomic_load(&tool_write_failed) ? 0 : 1;
}

#endif
