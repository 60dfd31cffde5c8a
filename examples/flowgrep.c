/*
 * flowgrep - a network grep (node_pcap's network_grep.js, ngrep) that
 * searches reassembled TCP streams, and UDP payloads, for a POSIX ERE.
 *
 *   flowgrep [options] REGEX [BPF filter]
 *
 * What it shows about the API:
 * - FT_FLOW_DATA is the stream, not the packets: each direction's bytes in
 *   order, each byte once (a retransmission never matches twice). A match
 *   split across two segments is found because each direction keeps the
 *   last TAIL bytes it has seen and the search runs over tail + new bytes;
 *   only matches that end in the new bytes are reported.
 * - UDP flows come through the same callback: one FT_FLOW_DATA per datagram
 *   (boundaries kept), searched on its own; ICMP and other flows are ignored.
 * - Per-session state (the two tails) owned by the session's worker (tool.h).
 */
#include <getopt.h>
#include <regex.h>

#include "tool.h"

#define TAIL  4096        /* longest match found across a segment boundary */
#define CHUNK (64 * 1024) /* new bytes searched at once */
#define CTX   40          /* context bytes printed either side of a match */

struct sess {
	uint64_t off[2]; /* stream bytes seen per direction */
	uint32_t tail_len[2];
	uint8_t tail[2][TAIL];
};

static struct tool_opts o;
static struct tool_table *tables;
static regex_t re;
static uint8_t *scratch[FT_MAX_WORKERS]; /* per worker, on first use: TAIL + CHUNK bytes */
static atomic_uint_fast64_t matches;

/* Report a match at buf[so, eo) whose first byte is at stream offset off + so. */
static void
report(const char *proto, const char *src, const char *dst, uint64_t id, uint64_t ns, int digits,
	uint64_t off, const uint8_t *buf, size_t len, size_t so, size_t eo)
{
	char line[4096], m[2048], b[CTX * 6 + 1], a[CTX * 6 + 1], t[40];
	size_t bs = so > CTX ? so - CTX : 0, ae = eo + CTX < len ? eo + CTX : len;
	size_t ml = eo - so > 300 ? 300 : eo - so;
	int n;

	atomic_fetch_add(&matches, 1);
	if (o.json) {
		tool_json_esc(m, sizeof(m), buf + so, ml);
		tool_json_esc(b, sizeof(b), buf + bs, so - bs);
		tool_json_esc(a, sizeof(a), buf + eo, ae - eo);
		n = snprintf(line, sizeof(line),
			"{\"type\":\"match\",\"ts\":%s,\"proto\":\"%s\",\"flow\":%" PRIu64
			",\"src\":\"%s\",\"dst\":\"%s\",\"offset\":%" PRIu64
			",\"match\":\"%s\",\"before\":\"%s\",\"after\":\"%s\"}\n",
			tool_ts(ns, digits, t, sizeof(t)), proto, id, src, dst, off + so, m, b, a);
	} else {
		tool_text_esc(m, sizeof(m), buf + so, ml);
		tool_text_esc(b, sizeof(b), buf + bs, so - bs);
		tool_text_esc(a, sizeof(a), buf + eo, ae - eo);
		n = snprintf(line, sizeof(line),
			"%s%s%s %s %s%s -> %s%s @%" PRIu64 ": %s%s%s%s%s\n", TOOL_C(&o, "34"),
			tool_time(ns, t, sizeof(t)), TOOL_RESET(&o), proto, TOOL_C(&o, "35"), src,
			dst, TOOL_RESET(&o), off + so, b, TOOL_C(&o, "1;31"), m, TOOL_RESET(&o), a);
	}
	tool_emit(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Every match in buf[0, len) that ends after `old` (bytes already searched). */
static void
search(const char *proto, const char *src, const char *dst, uint64_t id, uint64_t ns, int digits,
	uint64_t off, const uint8_t *buf, size_t len, size_t old)
{
	size_t pos = 0;
	regmatch_t pm;

	while (pos <= len) {
		pm.rm_so = (regoff_t)pos;
		pm.rm_eo = (regoff_t)len;
		/* REG_STARTEND (glibc, BSD): the range is explicit, NUL bytes are data. */
		if (regexec(&re, (const char *)buf, 1, &pm,
			    REG_STARTEND | (pos || off ? REG_NOTBOL : 0)) != 0)
			break;
		if ((size_t)pm.rm_eo > old && pm.rm_eo > pm.rm_so)
			report(proto, src, dst, id, ns, digits, off, buf, len, (size_t)pm.rm_so,
				(size_t)pm.rm_eo);
		pos = pm.rm_eo > pm.rm_so ? (size_t)pm.rm_eo : (size_t)pm.rm_eo + 1;
	}
}

static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	const struct ft_flow *f = ev->flow;
	struct tool_table *t = &tables[f->worker];
	struct sess *s = tool_get(t, f->id);
	uint8_t *buf;
	char src[64], dst[64];
	int d = ev->dir;

	(void)user;
	if (o.tcp_verbose)
		tool_tcp_event(&o, ev);
	if (ev->type == FT_FLOW_END) {
		tool_del(t, f->id);
		free(s);
		return atomic_load(&tool_write_failed);
	}
	if (ev->type != FT_FLOW_DATA && ev->type != FT_FLOW_GAP)
		return 0;
	if (f->proto == 17) { /* a UDP datagram: no stream, nothing kept */
		if (ev->data != NULL && ev->len > 0) {
			tool_endpoint(f, d, src, sizeof(src));
			tool_endpoint(f, !d, dst, sizeof(dst));
			search("U", src, dst, 0, ev->ts_ns, f->ts_digits, 0, ev->data, ev->len, 0);
		}
		return atomic_load(&tool_write_failed);
	}
	if (!tool_is_tcp(f))
		return 0;
	if (scratch[f->worker] == NULL && (scratch[f->worker] = malloc(TAIL + CHUNK)) == NULL)
		return 0;
	buf = scratch[f->worker];
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL || tool_put(t, f->id, s) != 0) {
			free(s);
			return 0;
		}
	}
	if (ev->type == FT_FLOW_GAP) { /* bytes lost: nothing may match across them */
		s->tail_len[d] = 0;
		s->off[d] += ev->len;
		return 0;
	}
	tool_endpoint(f, d, src, sizeof(src));
	tool_endpoint(f, !d, dst, sizeof(dst));
	for (uint32_t done = 0; done < ev->len;) {
		uint32_t n = ev->len - done < CHUNK ? ev->len - done : CHUNK;
		uint32_t old = s->tail_len[d], keep;

		memcpy(buf, s->tail[d], old);
		memcpy(buf + old, ev->data + done, n);
		search("T", src, dst, f->id, ev->ts_ns, f->ts_digits, s->off[d] - old, buf, old + n,
			old);
		keep = old + n < TAIL ? old + n : TAIL; /* the new tail: the last bytes searched */
		memcpy(s->tail[d], buf + old + n - keep, keep);
		s->tail_len[d] = keep;
		s->off[d] += n;
		done += n;
	}
	return atomic_load(&tool_write_failed);
}

static const char usage[] =
	"usage: flowgrep [-i IFACE | -r FILE] [options] REGEX [BPF filter]\n"
	"Print the matches of REGEX (POSIX ERE) in reassembled TCP streams (T) and UDP\n"
	"payloads (U), with the flow, the stream offset and 40 bytes either side.\n"
	"A match split across TCP segments is found (up to 4 KiB long).\n"
	"  -y                  ignore case\n" TOOL_USAGE_COMMON
	"example (tests/e2e_tools.sh: the token was sent in two TCP segments):\n"
	"  $ flowgrep -i eth0 'MAGIC-[0-9]+-TOKEN'\n"
	"  08:48:03.696 T 10.200.0.1:51646 -> 10.200.0.2:8080 @11: GET /split?MAGIC-4711-TOKEN "
	"HTTP/1.1..Host: t..\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {TOOL_LONGOPTS, {NULL, 0, NULL, 0}};
	int c, flags = REG_EXTENDED;

	tool_opts_init(&o);
	while ((c = getopt_long(argc, argv, TOOL_SHORTOPTS "y", longopts, NULL)) != -1) {
		if (tool_opt(&o, c, optarg) > 0)
			continue;
		if (c == 'y') {
			flags |= REG_ICASE;
			continue;
		}
		fprintf(c == 'h' ? stdout : stderr, "%s%s",
			c == 'h' ? "" : "flowgrep: bad option or value\n", usage);
		return c == 'h' ? 0 : 2;
	}
	if (optind >= argc || regcomp(&re, argv[optind], flags) != 0 ||
		tool_opts_finish(&o, argc, argv, optind + 1, NULL) != 0) {
		fprintf(stderr, "flowgrep: give a valid REGEX and one of -i IFACE or -r FILE\n%s",
			usage);
		return 2;
	}
	o.cfg.on_flow = on_flow; /* TCP: the reassembled streams; UDP: each datagram */
	c = tool_run("flowgrep", &o, &tables);
	fprintf(stderr, "flowgrep: %" PRIu64 " matches\n", (uint64_t)atomic_load(&matches));
	for (unsigned i = 0; i < FT_MAX_WORKERS; i++)
		free(scratch[i]);
	regfree(&re);
	return c;
}
