/*
 * http_trace - HTTP requests and responses from live traffic or a capture
 * file, as node_pcap's http_trace did: one line per request and per response
 * (method, URL, status, body sizes, response time), with regex filters.
 *
 * What it shows about the API:
 * - ft_config.on_flow with reassembly on: FT_FLOW_DATA hands each direction's
 *   bytes in order, each byte once, so a real HTTP parser (libhttp-parser)
 *   can be fed straight from the event; requests split over many segments,
 *   pipelined/keep-alive requests and chunked bodies need nothing more.
 * - Per-session parser state owned by the session's worker (tool.h), found
 *   by ft_flow.id, created on the first event and freed on FT_FLOW_END.
 * - Response time from capture timestamps (ev->ts_ns): the request's first
 *   byte to the response's last.
 * - The stats callback as a drop watcher.
 */
#include <getopt.h>
#include <http_parser.h>
#include <regex.h>

#include "tool.h"

#define QN 32 /* requests awaiting their response, per connection */

struct msg {
	uint64_t t0, body;
	int chunked;
	size_t url_len, reason_len, hdr_len, bodybuf_len;
	int in_value;
	char url[1024], reason[64], hdrs[4096], bodybuf[1024];
};
struct req {
	uint64_t t0, body;
	unsigned n, method, show;
	char url[256];
};
struct sess {
	http_parser p[2]; /* [0] requests (client -> server), [1] responses */
	struct msg m[2];
	int dead[2], decided, client_dir;
	unsigned nreq, qh, qt;
	struct req q[QN];
	const struct ft_flow_event *ev; /* the event being parsed */
	uint64_t now;                   /* and its time */
};

enum { F_METHOD, F_HOST, F_URL, F_UA, NF };
struct filt {
	regex_t re[8];
	int n;
};
static struct filt filters[NF][2]; /* [field][0 show, 1 ignore] */
static regex_t show_header;
static int want_headers, want_show_header, want_bodies;
static struct tool_opts o;
static struct tool_table *tables;
static http_parser_settings settings;

static void
append(char *dst, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= cap)
		return;
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
}

/* Value of header `name` in "Name: value\n" lines, copied into out. */
static const char *
header(const struct msg *m, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);

	out[0] = '\0';
	for (const char *l = m->hdrs; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
			const char *v = l + nl + 2, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);

			snprintf(out, cap, "%.*s", (int)n, v);
			break;
		}
	}
	return out;
}

static int
passes(int field, const char *s)
{
	int any = 0;

	for (int i = 0; i < filters[field][1].n; i++)
		if (regexec(&filters[field][1].re[i], s, 0, NULL, 0) == 0)
			return 0;
	for (int i = 0; i < filters[field][0].n; i++)
		any |= regexec(&filters[field][0].re[i], s, 0, NULL, 0) == 0;
	return filters[field][0].n == 0 || any;
}

/* --headers / --show-header / --bodies: JSON members or indented text lines. */
static size_t
extras(const struct msg *m, char *out, size_t cap)
{
	size_t n = 0;

	if (want_headers || want_show_header) {
		int first = 1;

		if (o.json)
			append(out, cap, &n, ",\"headers\":[", 12);
		for (const char *l = m->hdrs; *l && n + 16 < cap;) {
			const char *e = strchr(l, '\n');
			size_t len = e ? (size_t)(e - l) : strlen(l);
			char line[1024];

			snprintf(line, sizeof(line), "%.*s", (int)len, l);
			if (!want_show_header || regexec(&show_header, line, 0, NULL, 0) == 0) {
				if (o.json) {
					n += (size_t)snprintf(
						out + n, cap - n, "%s\"", first ? "" : ",");
					n += tool_json_esc(out + n, cap - n, line, strlen(line));
					n += (size_t)snprintf(out + n, cap - n, "\"");
				} else {
					n += (size_t)snprintf(out + n, cap - n, "\n    %s", line);
				}
				first = 0;
			}
			l = e ? e + 1 : l + len;
		}
		if (o.json)
			append(out, cap, &n, "]", 1);
	}
	if (want_bodies && m->bodybuf_len > 0 && n + 32 < cap) {
		append(out, cap, &n,
			o.json ? ",\"body_text\":\"" : "\n    body: ", o.json ? 14 : 11);
		n += o.json ? tool_json_esc(out + n, cap - n - 2, m->bodybuf, m->bodybuf_len)
			    : tool_text_esc(out + n, cap - n, m->bodybuf, m->bodybuf_len);
		if (o.json)
			append(out, cap, &n, "\"", 1);
	}
	return n < cap ? n : cap - 1;
}

static void
print_request(struct sess *s, const struct req *r, const struct msg *m, http_parser *p)
{
	char line[16384], host[256], ua[512], e[3][2048], sz[32];
	size_t n = tool_head(&o, line, sizeof(line), "http_request", r->t0, s->ev->flow,
		s->client_dir == FT_DIR_RECV, 0);

	header(m, "Host", host, sizeof(host));
	header(m, "User-Agent", ua, sizeof(ua));
	tool_json_esc(e[0], sizeof(e[0]), m->url, m->url_len);
	tool_json_esc(e[1], sizeof(e[1]), host, strlen(host));
	tool_json_esc(e[2], sizeof(e[2]), ua, strlen(ua));
	if (o.json)
		n += (size_t)snprintf(line + n, sizeof(line) - n,
			"\"n\":%u,\"method\":\"%s\",\"url\":\"%s\",\"version\":\"%u.%u\",\"host\":"
			"\"%s\","
			"\"user_agent\":\"%s\",\"body\":%" PRIu64 ",\"chunked\":%s",
			r->n, http_method_str(r->method), e[0], p->http_major, p->http_minor, e[1],
			e[2], r->body, m->chunked ? "true" : "false");
	else
		n += (size_t)snprintf(line + n, sizeof(line) - n,
			"#%u HTTP %u.%u request: %s%s %s%s %s", r->n, p->http_major, p->http_minor,
			TOOL_C(&o, "33"), http_method_str(r->method), m->url, TOOL_RESET(&o),
			tool_size(r->body, sz, sizeof(sz)));
	n += extras(m, line + n, sizeof(line) - n - 3);
	n += (size_t)snprintf(line + n, sizeof(line) - n, o.json ? "}\n" : "\n");
	tool_emit(line, n);
}

static void
print_response(struct sess *s, const struct req *r, const struct msg *m, http_parser *p)
{
	char line[16384], sz[32], url[1100], reason[400];
	double ms = r ? (double)(s->now - r->t0) / 1e6 : 0;
	size_t n = tool_head(&o, line, sizeof(line), "http_response", s->now, s->ev->flow,
		s->client_dir == FT_DIR_RECV, 1);

	if (o.json) {
		tool_json_esc(url, sizeof(url), r ? r->url : "", r ? strlen(r->url) : 0);
		tool_json_esc(reason, sizeof(reason), m->reason, m->reason_len);
		n += (size_t)snprintf(line + n, sizeof(line) - n,
			"\"n\":%u,\"method\":\"%s\",\"url\":\"%s\",\"status\":%u,\"reason\":\"%s\","
			"\"version\":\"%u.%u\",\"req_body\":%" PRIu64 ",\"body\":%" PRIu64
			",\"chunked\":%s,\"response_ms\":%.3f",
			r ? r->n : 0, r ? http_method_str(r->method) : "", url, p->status_code,
			reason, p->http_major, p->http_minor, r ? r->body : 0, m->body,
			m->chunked ? "true" : "false", ms);
	} else {
		n += (size_t)snprintf(line + n, sizeof(line) - n,
			"#%u HTTP %u.%u response: %s%u %s%s (%s %s) %s%s %.3fms", r ? r->n : 0,
			p->http_major, p->http_minor, TOOL_C(&o, "33"), p->status_code, m->reason,
			TOOL_RESET(&o), r ? http_method_str(r->method) : "-",
			r ? r->url : "(no request)", tool_size(m->body, sz, sizeof(sz)),
			m->chunked ? " chunked" : "", ms);
	}
	n += extras(m, line + n, sizeof(line) - n - 3);
	n += (size_t)snprintf(line + n, sizeof(line) - n, o.json ? "}\n" : "\n");
	tool_emit(line, n);
}

static void
print_error(struct sess *s, int resp, const char *name, const char *desc)
{
	char line[1024];
	size_t n = tool_head(&o, line, sizeof(line), "http_error", s->now, s->ev->flow,
		s->client_dir == FT_DIR_RECV, resp);

	n += (size_t)snprintf(line + n, sizeof(line) - n,
		o.json ? "\"dir\":\"%s\",\"error\":\"%s\",\"description\":\"%s\"}\n"
		       : "HTTP %s parser error: %s (%s)\n",
		resp ? "response" : "request", name, desc);
	tool_emit(line, n < sizeof(line) ? n : sizeof(line) - 1);
}

/* ---- libhttp-parser callbacks: p->data is the session ---- */

#define SESS_MSG(p)                 \
	struct sess *s = (p)->data; \
	struct msg *m = &s->m[(p) == &s->p[1]]

static int
on_begin(http_parser *p)
{
	SESS_MSG(p);
	memset(m, 0, offsetof(struct msg, url) + 1);
	m->reason[0] = m->hdrs[0] = '\0';
	m->t0 = s->now;
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	SESS_MSG(p);
	append(m->url, sizeof(m->url), &m->url_len, at, len);
	return 0;
}

static int
on_status(http_parser *p, const char *at, size_t len)
{
	SESS_MSG(p);
	append(m->reason, sizeof(m->reason), &m->reason_len, at, len);
	return 0;
}

/* Headers are kept as "Name: value\n" lines; either part may come in pieces. */
static int
on_field(http_parser *p, const char *at, size_t len)
{
	SESS_MSG(p);
	if (m->in_value)
		append(m->hdrs, sizeof(m->hdrs), &m->hdr_len, "\n", 1);
	m->in_value = 0;
	append(m->hdrs, sizeof(m->hdrs), &m->hdr_len, at, len);
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t len)
{
	SESS_MSG(p);
	if (!m->in_value)
		append(m->hdrs, sizeof(m->hdrs), &m->hdr_len, ": ", 2);
	m->in_value = 1;
	append(m->hdrs, sizeof(m->hdrs), &m->hdr_len, at, len);
	return 0;
}

static int
on_headers(http_parser *p)
{
	SESS_MSG(p);
	if (m->in_value)
		append(m->hdrs, sizeof(m->hdrs), &m->hdr_len, "\n", 1);
	m->chunked = (p->flags & F_CHUNKED) != 0;
	/* A response to HEAD has no body, whatever its headers say. */
	return p == &s->p[1] && s->qh != s->qt && s->q[s->qh % QN].method == HTTP_HEAD;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	SESS_MSG(p);
	m->body += len;
	if (want_bodies)
		append(m->bodybuf, sizeof(m->bodybuf), &m->bodybuf_len, at, len);
	return 0;
}

static int
on_complete(http_parser *p)
{
	SESS_MSG(p);
	char host[256], ua[512];
	struct req *r;

	if (p == &s->p[0]) { /* a request: queue it for its response */
		if (s->qt - s->qh == QN)
			s->qh++; /* too many outstanding: forget the oldest */
		r = &s->q[s->qt++ % QN];
		r->t0 = m->t0;
		r->body = m->body;
		r->n = ++s->nreq;
		r->method = p->method;
		memcpy(r->url, m->url, sizeof(r->url) - 1); /* cut to its size */
		r->url[sizeof(r->url) - 1] = '\0';
		r->show = passes(F_METHOD, http_method_str(p->method)) && passes(F_URL, m->url) &&
			  passes(F_HOST, header(m, "Host", host, sizeof(host))) &&
			  passes(F_UA, header(m, "User-Agent", ua, sizeof(ua)));
		if (r->show)
			print_request(s, r, m, p);
		return 0;
	}
	if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101)
		return 0; /* informational: the final response is still to come */
	r = s->qh != s->qt ? &s->q[s->qh++ % QN] : NULL;
	if (r == NULL || r->show)
		print_response(s, r, m, p);
	return 0;
}

static void
parse(struct sess *s, int i, const uint8_t *data, size_t len)
{
	size_t n;

	if (s->dead[i])
		return;
	n = http_parser_execute(&s->p[i], &settings, (const char *)data, len);
	if (s->p[i].upgrade) { /* CONNECT or Upgrade: no longer HTTP */
		s->dead[i] = 1;
	} else if (n != len || HTTP_PARSER_ERRNO(&s->p[i]) != HPE_OK) {
		enum http_errno e = HTTP_PARSER_ERRNO(&s->p[i]);

		print_error(s, i, http_errno_name(e), http_errno_description(e));
		s->dead[i] = 1;
	}
}

static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	struct tool_table *t = &tables[ev->flow->worker];
	struct sess *s = tool_get(t, ev->flow->id);
	int side;

	if (!tool_is_tcp(ev->flow))
		return 0; /* UDP, ICMP, ...: not a TCP stream */

	(void)user;
	if (o.tcp_verbose)
		tool_tcp_event(&o, ev);
	if (s == NULL && ev->type != FT_FLOW_END) {
		s = malloc(sizeof(*s));
		if (s == NULL || tool_put(t, ev->flow->id, s) != 0) {
			free(s);
			return 0; /* table full (counted) or no memory: not parsed */
		}
		memset(s, 0, offsetof(struct sess, q));
		for (int i = 0; i < 2; i++) {
			http_parser_init(&s->p[i], i ? HTTP_RESPONSE : HTTP_REQUEST);
			s->p[i].data = s;
		}
	}
	if (s == NULL)
		return 0;
	s->ev = ev;
	s->now = ev->ts_ns;
	if (ev->type == FT_FLOW_DATA && !s->decided) { /* mid-stream, server as src? */
		s->decided = 1;
		s->client_dir =
			ev->len >= 5 && memcmp(ev->data, "HTTP/", 5) == 0 ? !ev->dir : (int)ev->dir;
	}
	side = (int)ev->dir != s->client_dir; /* 0: requests, 1: responses */
	switch (ev->type) {
	case FT_FLOW_DATA:
		parse(s, side, ev->data, ev->len);
		break;
	case FT_FLOW_GAP: /* bytes never seen: this direction cannot be parsed further */
		if (!s->dead[side])
			print_error(s, side, "GAP", "bytes missing from the capture");
		s->dead[side] = 1;
		break;
	case FT_FLOW_END:
		parse(s, 1, NULL, 0); /* EOF ends a response delimited by the close */
		tool_del(t, ev->flow->id);
		free(s);
		break;
	default:
		break;
	}
	return atomic_load(&tool_write_failed);
}

static const char usage[] =
	"usage: http_trace [-i IFACE | -r FILE] [options] [BPF filter]\n"
	"  (default filter: tcp port 80 or tcp port 8080)\n"
	"One line per HTTP request (when complete) and per response: time, endpoints,\n"
	"request number on the connection, method, URL, status, body sizes, response\n"
	"time (request's first byte -> response's last byte, capture "
	"timestamps).\n" TOOL_USAGE_COMMON "  --method RE, --host RE, --url RE, --user-agent RE\n"
	"                      show only requests that match (POSIX ERE; repeatable, OR-ed)\n"
	"  --method-ignore RE, --host-ignore RE, --url-ignore RE, --user-agent-ignore RE\n"
	"                      hide requests that match\n"
	"  --headers           print the headers; --show-header RE only those matching RE\n"
	"  --bodies            print the first 1 KiB of each body\n"
	"example (tests/e2e_tools.sh, curl against python3 http.server):\n"
	"  08:48:03.309 10.200.0.1:51570 -> 10.200.0.2:8080 #2 HTTP 1.1 request: GET /big.bin 0B\n"
	"  08:48:03.310 10.200.0.2:8080 -> 10.200.0.1:51570 #2 HTTP 1.1 response: 200 OK (GET "
	"/big.bin) 97.7KB 0.498ms\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONGOPTS,
		{"method", required_argument, NULL, 1},
		{"method-ignore", required_argument, NULL, 2}, {"host", required_argument, NULL, 3},
		{"host-ignore", required_argument, NULL, 4}, {"url", required_argument, NULL, 5},
		{"url-ignore", required_argument, NULL, 6},
		{"user-agent", required_argument, NULL, 7},
		{"user-agent-ignore", required_argument, NULL, 8},
		{"headers", no_argument, NULL, 9}, {"show-header", required_argument, NULL, 10},
		{"bodies", no_argument, NULL, 11}, {NULL, 0, NULL, 0}};
	int c;

	tool_opts_init(&o);
	while ((c = getopt_long(argc, argv, TOOL_SHORTOPTS, longopts, NULL)) != -1) {
		struct filt *f = c >= 1 && c <= 8 ? &filters[(c - 1) / 2][(c - 1) % 2] : NULL;

		if (tool_opt(&o, c, optarg) > 0)
			continue;
		if (f != NULL && f->n < 8 &&
			regcomp(&f->re[f->n], optarg, REG_EXTENDED | REG_NOSUB) == 0)
			f->n++;
		else if (c == 9)
			want_headers = 1;
		else if (c == 10 &&
			 regcomp(&show_header, optarg, REG_EXTENDED | REG_NOSUB | REG_ICASE) == 0)
			want_show_header = 1;
		else if (c == 11)
			want_bodies = 1;
		else {
			fprintf(c == 'h' ? stdout : stderr, "%s%s",
				c == 'h' ? "" : "http_trace: bad option or value\n", usage);
			return c == 'h' ? 0 : 2;
		}
	}
	if (tool_opts_finish(&o, argc, argv, optind, "tcp port 80 or tcp port 8080") != 0) {
		fprintf(stderr, "http_trace: give one of -i IFACE or -r FILE\n%s", usage);
		return 2;
	}
	settings = (http_parser_settings){.on_message_begin = on_begin,
		.on_url = on_url,
		.on_status = on_status,
		.on_header_field = on_field,
		.on_header_value = on_value,
		.on_headers_complete = on_headers,
		.on_body = on_body,
		.on_message_complete = on_complete};
	o.cfg.on_flow = on_flow; /* reassembled TCP: all this tool needs */
	return tool_run("http_trace", &o, &tables);
}
