/*
 * redis_trace - Redis commands paired with their replies and the latency
 * between them, as node_pcap's redis_trace did; pub/sub messages; a count
 * per connection and in total; a summary per connection as it ends.
 *
 * What it shows about the API:
 * - FT_FLOW_DATA gives each direction's bytes in order, each byte once, so
 *   hiredis's RESP reader (redisReader) parses both directions as they are:
 *   commands (arrays of bulk strings) from the client, replies from the
 *   server. Pipelined commands pair with replies in order through a FIFO.
 * - Per-session state owned by the session's worker (tool.h): created on the
 *   first event, freed on FT_FLOW_END, whose flow->close says why it ended.
 * - Latency from capture timestamps: the event that completed the command
 *   to the event that completed its (last) reply.
 */
#include <ctype.h>
#include <getopt.h>
#include <hiredis/hiredis.h>

#include "tool.h"

struct cmd {
	uint64_t t0;
	unsigned expect; /* replies still due (SUBSCRIBE a b: 2) */
	char name[24];
	char text[200]; /* "set [foo, bar]" */
	char args[400]; /* JSON array body */
};
struct sess {
	redisReader *rd[2]; /* [0] commands (client -> server), [1] replies */
	int dead[2];
	struct cmd *q; /* FIFO of commands awaiting replies; grows */
	unsigned qh, qt, qcap;
	uint64_t ncmd, nsubs;
	uint64_t now;
	const struct ft_flow_event *ev;
};

static struct tool_opts o;
static struct tool_table *tables;
static atomic_uint_fast64_t total;

/* Text of a reply, recursively: "bar", "(integer) 5", "(nil)", "[a, b]". */
static size_t
reply_text(const redisReply *r, char *out, size_t cap, int json)
{
	size_t n = 0;

	if (cap < 16)
		return 0;
	switch (r->type) {
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_ERROR:
		if (r->type == REDIS_REPLY_ERROR)
			n += (size_t)snprintf(out, cap, "(error) ");
		n += json ? tool_json_esc(out + n, cap - n, r->str, r->len > 120 ? 120 : r->len)
			  : tool_text_esc(out + n, cap - n, r->str, r->len > 120 ? 120 : r->len);
		break;
	case REDIS_REPLY_INTEGER:
		n = (size_t)snprintf(out, cap, "(integer) %lld", r->integer);
		break;
	case REDIS_REPLY_ARRAY:
		out[n++] = '[';
		for (size_t i = 0; i < r->elements && n + 24 < cap; i++) {
			if (i > 0) {
				out[n++] = ',';
				out[n++] = ' ';
			}
			if (i == 8) {
				n += (size_t)snprintf(
					out + n, cap - n, "... %zu more", r->elements - 8);
				break;
			}
			n += reply_text(r->element[i], out + n, cap - n - 4, json);
		}
		out[n++] = ']';
		out[n] = '\0';
		break;
	default:
		n = (size_t)snprintf(out, cap, "(nil)");
		break;
	}
	return n < cap ? n : cap - 1;
}

static void
print_line(struct sess *s, const char *what, const char *json_rest, const char *text_rest)
{
	char line[8192];
	size_t n = tool_head(&o, line, sizeof(line), what, s->now, s->ev->flow, 0,
		strcmp(what, "redis_message") == 0); /* pushes come from the server */

	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s\n", o.json ? json_rest : text_rest,
		o.json ? "}" : "");
	tool_emit(line, n < sizeof(line) ? n : sizeof(line) - 1);
}

static int
is(const redisReply *r, const char *s)
{
	return r->type == REDIS_REPLY_STRING && strcasecmp(r->str, s) == 0;
}

/* A command from the client (argv[0..argc), nargs arguments in all): queue it. */
static void
on_command(struct sess *s, size_t argc, const char *const *argv, const size_t *lens, size_t nargs)
{
	struct cmd *c;
	size_t n, a = 0;

	if (argc == 0)
		return;
	if (s->qt - s->qh == s->qcap) { /* full: double, keeping the order */
		struct cmd *q = malloc(2 * (size_t)s->qcap * sizeof(*q));

		if (q == NULL)
			return;
		for (unsigned i = 0; i < s->qcap; i++)
			q[i] = s->q[(s->qh + i) % s->qcap];
		free(s->q);
		s->q = q;
		s->qh = 0;
		s->qt = s->qcap;
		s->qcap *= 2;
	}
	c = &s->q[s->qt++ % s->qcap];
	c->t0 = s->now;
	n = (size_t)snprintf(c->name, sizeof(c->name), "%.*s", (int)lens[0], argv[0]);
	for (size_t i = 0; i < n && i < sizeof(c->name); i++)
		c->name[i] = (char)tolower((unsigned char)c->name[i]);
	n = (size_t)snprintf(c->text, sizeof(c->text), "%s [", c->name);
	c->args[0] = '\0';
	for (size_t i = 1; i < argc && n + 8 < sizeof(c->text); i++) {
		size_t len = lens[i] > 64 ? 64 : lens[i];

		if (i > 1)
			n += (size_t)snprintf(c->text + n, sizeof(c->text) - n, ", ");
		n += tool_text_esc(c->text + n, sizeof(c->text) - n - 2, argv[i], len);
		if (a + 80 < sizeof(c->args)) {
			a += (size_t)snprintf(
				c->args + a, sizeof(c->args) - a, "%s\"", i > 1 ? "," : "");
			a += tool_json_esc(c->args + a, sizeof(c->args) - a - 2, argv[i], len);
			c->args[a++] = '"';
			c->args[a] = '\0';
		}
	}
	snprintf(c->text + n, sizeof(c->text) - n, "]");
	c->expect = 1;
	if (strstr(c->name, "subscribe") != NULL) /* one confirmation per channel */
		c->expect = nargs > 1 ? (unsigned)nargs - 1 : (unsigned)s->nsubs;
	if (c->expect == 0)
		c->expect = 1;
}

/* A RESP command: an array of bulk strings. */
static void
resp_command(struct sess *s, const redisReply *r)
{
	const char *argv[16];
	size_t lens[16], n = 0;

	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (; n < r->elements && n < 16 && r->element[n]->type == REDIS_REPLY_STRING; n++) {
		argv[n] = r->element[n]->str;
		lens[n] = r->element[n]->len;
	}
	on_command(s, n, argv, lens, r->elements);
}

/* An inline command ("PING\r\n", as telnet and redis-cli --pipe's "\r\n" send). */
static void
inline_command(struct sess *s, const char *p, size_t len)
{
	const char *argv[16];
	size_t lens[16], n = 0;

	for (size_t i = 0; i < len && n < 16;) {
		while (i < len && (p[i] == ' ' || p[i] == '\r' || p[i] == '\t'))
			i++;
		if (i == len)
			break;
		argv[n] = p + i;
		while (i < len && p[i] != ' ' && p[i] != '\r' && p[i] != '\t')
			i++;
		lens[n] = (size_t)(p + i - argv[n]);
		n++;
	}
	on_command(s, n, argv, lens, n); /* an empty line is no command */
}

/* A reply from the server: a pub/sub message, or the answer to the oldest command. */
static void
on_reply(struct sess *s, const redisReply *r)
{
	char rt[1024], json[2048], text[2048];
	struct cmd *c;
	uint64_t tot;
	double ms;

	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
		(is(r->element[0], "message") ||
			(is(r->element[0], "pmessage") && r->elements == 4))) {
		const redisReply *ch = r->element[r->elements - 2],
				 *msg = r->element[r->elements - 1];
		char chs[200], ms_[600];

		if (ch->type != REDIS_REPLY_STRING || msg->type != REDIS_REPLY_STRING)
			return;
		reply_text(ch, chs, sizeof(chs), o.json);
		reply_text(msg, ms_, sizeof(ms_), o.json);
		snprintf(json, sizeof(json), "\"channel\":\"%s\",\"message\":\"%s\"", chs, ms_);
		snprintf(text, sizeof(text), "%smessage%s [%s] %s", TOOL_C(&o, "32"),
			TOOL_RESET(&o), chs, ms_);
		print_line(s, "redis_message", json, text);
		return;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		r->element[0]->type == REDIS_REPLY_STRING &&
		r->element[2]->type == REDIS_REPLY_INTEGER &&
		strstr(r->element[0]->str, "subscribe") != NULL)
		s->nsubs = (uint64_t)r->element[2]->integer;
	if (s->qh == s->qt) {
		reply_text(r, rt, sizeof(rt), o.json);
		snprintf(json, sizeof(json), "\"reply\":\"%s\",\"unpaired\":true", rt);
		snprintf(text, sizeof(text), "reply with no req -> %s", rt);
		print_line(s, "redis", json, text);
		return;
	}
	c = &s->q[s->qh % s->qcap];
	if (--c->expect > 0)
		return; /* more confirmations of a (P)(UN)SUBSCRIBE to come */
	s->qh++;
	s->ncmd++;
	tot = atomic_fetch_add(&total, 1) + 1;
	ms = (double)(s->now - c->t0) / 1e6;
	reply_text(r, rt, sizeof(rt), o.json);
	if (o.json) {
		char esc[400];

		tool_json_esc(esc, sizeof(esc), c->text, strlen(c->text));
		snprintf(json, sizeof(json),
			"\"n\":%" PRIu64 ",\"total\":%" PRIu64 ",\"command\":\"%s\",\"args\":[%s],"
			"\"text\":\"%s\",\"reply\":\"%s\",\"reply_type\":%d,\"latency_ms\":%.3f",
			s->ncmd, tot, c->name, c->args, esc, rt, r->type, ms);
	} else {
		snprintf(text, sizeof(text), "%" PRIu64 "/%" PRIu64 " %s%s%s -> %s %.3fms", s->ncmd,
			tot, TOOL_C(&o, "33"), c->text, TOOL_RESET(&o), rt, ms);
	}
	print_line(s, "redis", json, text);
}

static void
feed(struct sess *s, int i, const uint8_t *data, size_t len)
{
	void *r;

	if (s->dead[i])
		return;
	redisReaderFeed(s->rd[i], (const char *)data, len);
	for (;;) {
		redisReader *rd = s->rd[i];

		/* Between commands (no reply in progress, or only its type byte still
		 * due), a line not starting with '*' is an inline command: hiredis
		 * reads only RESP, so take those lines off its buffer here. */
		while (i == 0 && (rd->ridx == -1 || (rd->ridx == 0 && rd->rstack[0].type < 0)) &&
			rd->pos < rd->len && rd->buf[rd->pos] != '*') {
			const char *b = rd->buf + rd->pos, *nl = memchr(b, '\n', rd->len - rd->pos);

			if (nl == NULL)
				return; /* the rest of the line is still to come */
			inline_command(s, b, (size_t)(nl - b));
			rd->pos += (size_t)(nl - b) + 1;
		}
		if (redisReaderGetReply(s->rd[i], &r) != REDIS_OK) {
			char json[300], text[300];

			snprintf(json, sizeof(json), "\"error\":\"RESP %s: protocol error\"",
				i ? "reply" : "command");
			snprintf(text, sizeof(text), "RESP %s parser error: %s",
				i ? "reply" : "command", s->rd[i]->errstr);
			print_line(s, "redis_error", json, text);
			s->dead[i] = 1;
			return;
		}
		if (r == NULL)
			return; /* needs more bytes */
		if (i == 0)
			resp_command(s, r);
		else
			on_reply(s, r);
		freeReplyObject(r);
	}
}

static void
sess_end(struct sess *s)
{
	char json[512], text[512];
	double secs = (double)(s->ev->flow->last_ns - s->ev->flow->first_ns) / 1e9;

	snprintf(json, sizeof(json),
		"\"duration_s\":%.6f,\"commands\":%" PRIu64 ",\"pending\":%u,\"close\":\"%s\"",
		secs, s->ncmd, s->qt - s->qh, ft_close_name(s->ev->flow->close));
	snprintf(text, sizeof(text), "TCP end %.3fs %" PRIu64 " commands %.2f req/sec (%s)", secs,
		s->ncmd, secs > 0 ? (double)s->ncmd / secs : 0, ft_close_name(s->ev->flow->close));
	print_line(s, "redis_session", json, text);
}

static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	struct tool_table *t = &tables[ev->flow->worker];
	struct sess *s = tool_get(t, ev->flow->id);

	if (!tool_is_tcp(ev->flow))
		return 0; /* UDP, ICMP, ...: not a TCP stream */

	(void)user;
	if (o.tcp_verbose)
		tool_tcp_event(&o, ev);
	if (s == NULL && ev->type != FT_FLOW_END) {
		s = calloc(1, sizeof(*s));
		if (s == NULL || (s->q = calloc(16, sizeof(*s->q))) == NULL ||
			(s->rd[0] = redisReaderCreate()) == NULL ||
			(s->rd[1] = redisReaderCreate()) == NULL ||
			tool_put(t, ev->flow->id, s) != 0) {
			if (s != NULL) {
				redisReaderFree(s->rd[0]);
				redisReaderFree(s->rd[1]);
				free(s->q);
			}
			free(s);
			return 0; /* table full (counted) or no memory: not parsed */
		}
		s->qcap = 16;
	}
	if (s == NULL)
		return 0;
	s->ev = ev;
	s->now = ev->ts_ns;
	if (ev->type == FT_FLOW_DATA) {
		feed(s, ev->dir == FT_DIR_RECV, ev->data, ev->len);
	} else if (ev->type == FT_FLOW_GAP) {
		s->dead[ev->dir == FT_DIR_RECV] = 1; /* lost bytes: RESP cannot resync */
	} else if (ev->type == FT_FLOW_END) {
		sess_end(s);
		tool_del(t, ev->flow->id);
		redisReaderFree(s->rd[0]);
		redisReaderFree(s->rd[1]);
		free(s->q);
		free(s);
	}
	return atomic_load(&tool_write_failed);
}

static const char usage[] =
	"usage: redis_trace [-i IFACE | -r FILE] [options] [BPF filter]\n"
	"  (default filter: tcp port 6379)\n"
	"One line per command, with its reply and the latency between them (capture\n"
	"timestamps; per-connection/total count), one per pub/sub message, and a\n"
	"summary per connection as it ends. RESP is parsed with hiredis's "
	"reader.\n" TOOL_USAGE_COMMON
	"example (tests/e2e_tools.sh, redis-cli against redis-server):\n"
	"  08:48:03.768 10.200.0.1:52790 -> 10.200.0.2:6379 1/6 lrange [list, 0, -1] -> [a, b, c] "
	"0.090ms\n"
	"  08:48:04.061 10.200.0.2:6379 -> 10.200.0.1:52878 message [news] hello-1\n"
	"  08:48:03.769 10.200.0.1:52790 -> 10.200.0.2:6379 TCP end 0.001s 1 commands 1064.30 "
	"req/sec (fin)\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONGOPTS, {NULL, 0, NULL, 0}};
	int c;

	tool_opts_init(&o);
	while ((c = getopt_long(argc, argv, TOOL_SHORTOPTS, longopts, NULL)) != -1) {
		if (tool_opt(&o, c, optarg) > 0)
			continue;
		fprintf(c == 'h' ? stdout : stderr, "%s%s",
			c == 'h' ? "" : "redis_trace: bad option or value\n", usage);
		return c == 'h' ? 0 : 2;
	}
	if (tool_opts_finish(&o, argc, argv, optind, "tcp port 6379") != 0) {
		fprintf(stderr, "redis_trace: give one of -i IFACE or -r FILE\n%s", usage);
		return 2;
	}
	o.cfg.on_flow = on_flow; /* reassembled TCP, both directions */
	c = tool_run("redis_trace", &o, &tables);
	fprintf(stderr, "redis_trace: %" PRIu64 " commands\n", (uint64_t)atomic_load(&total));
	return c;
}
