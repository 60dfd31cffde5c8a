/*
 * test_flow_stream.c - the reassembled payload handed to flow consumers is
 * byte-identical to what was sent. ftgen ($FTGEN) writes captures with ground
 * truth (per session and direction: FNV-1a 64 of the captured payload in
 * sequence order, "fnv1a_seen", and the counters); the pipeline runs them with
 * 1 and 3 workers, on_flow hashes every DATA event's bytes per session and
 * direction, and at END the session's hashes, counters and close reason are
 * compared with its truth record (matched by 5-tuple, VLAN and first
 * timestamp). Every truth session must be matched once, and no other session
 * may appear. Impaired captures (reorder, retransmit, loss), mid-stream joins,
 * IPv6 and VLANs included. Exits 77 (skipped) when $FTGEN is not set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowtap.h"

#define FNV_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)
#define MAX_W     8
#define TAB       (1u << 14) /* open sessions per worker (ids are never reused) */
#define MAX_DONE  8192       /* ended sessions per worker */

static const char *ftgen;
static char dir[256];

/* ---- what the consumer collects (per worker: no lock needed) --------------- */

struct open_s {
	uint64_t id; /* 0: free */
	uint64_t h[2];
	uint64_t n[2];
	uint32_t next[2];
	int have[2];
	unsigned seq_errors;
};

struct done_s {
	struct ft_flow f;
	uint64_t h[2];
	uint64_t n[2];
	unsigned seq_errors;
	int matched;
};

struct wstate {
	struct open_s *tab;
	struct done_s *done;
	unsigned n_done;
	unsigned overflow;
	unsigned bad_worker;
};

static struct wstate ws[MAX_W];
static atomic_uint cb_errors;

static struct open_s *
lookup(struct wstate *w, uint64_t id)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ULL;

	for (unsigned i = 0; i < TAB; i++) {
		struct open_s *s = &w->tab[(h + i) & (TAB - 1)];

		if (s->id == id)
			return s;
		if (s->id == 0) {
			s->id = id;
			s->h[0] = s->h[1] = FNV_BASIS;
			return s;
		}
	}
	return NULL;
}

static int
on_flow(const struct ft_flow_event *e, void *user)
{
	unsigned wi = e->flow->worker;
	struct wstate *w;
	struct open_s *s;
	unsigned d = e->dir == FT_DIR_RECV;

	(void)user;
	if (e->flow->proto != 6)
		return 0; /* ftgen's truth is its TCP sessions; other flows: e2e_flows */
	if (wi >= MAX_W || (e->flow->id & 0xff) != wi) {
		atomic_fetch_add(&cb_errors, 1);
		return 0;
	}
	w = &ws[wi];
	s = lookup(w, e->flow->id);
	if (s == NULL) {
		w->overflow++;
		return 0;
	}
	switch (e->type) {
	case FT_FLOW_DATA:
	case FT_FLOW_GAP:
		if (s->have[d] && s->next[d] != e->seq)
			s->seq_errors++;
		s->have[d] = 1;
		s->next[d] = e->seq + e->len;
		if (e->type == FT_FLOW_GAP)
			break;
		if (e->data == NULL) {
			s->seq_errors++;
			break;
		}
		for (uint32_t i = 0; i < e->len; i++)
			s->h[d] = (s->h[d] ^ e->data[i]) * FNV_PRIME;
		s->n[d] += e->len;
		break;
	case FT_FLOW_END:
		if (w->n_done == MAX_DONE) {
			w->overflow++;
			break;
		}
		w->done[w->n_done].f = *e->flow;
		memcpy(w->done[w->n_done].h, s->h, sizeof(s->h));
		memcpy(w->done[w->n_done].n, s->n, sizeof(s->n));
		w->done[w->n_done].seq_errors = s->seq_errors;
		w->n_done++;
		break;
	default:
		break;
	}
	return 0;
}

/* ---- the truth file: just what is compared ---------------------------------- */

struct truth_dir {
	uint64_t packets, bytes, retransmits, missed, fnv_seen;
};

struct truth {
	int v6;
	uint8_t src[16], dst[16];
	unsigned sport, dport;
	int vlan; /* -1: none */
	uint64_t first_us;
	char close[16];
	int midstream;
	struct truth_dir d[2];
	int matched;
};

static const char *
field(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? p + strlen(key) : NULL;
}

static int
str_field(const char *line, const char *key, char *out, size_t cap)
{
	const char *p = field(line, key), *e;

	if (p == NULL || *p != '"')
		return -1;
	e = strchr(p + 1, '"');
	if (e == NULL || (size_t)(e - p - 1) >= cap)
		return -1;
	memcpy(out, p + 1, (size_t)(e - p - 1));
	out[e - p - 1] = '\0';
	return 0;
}

static int
dir_fields(const char *obj, struct truth_dir *d)
{
	char hex[32];
	const char *p;

	if ((p = field(obj, "\"packets\":")) == NULL)
		return -1;
	d->packets = strtoull(p, NULL, 10);
	if ((p = field(obj, "\"bytes\":")) == NULL)
		return -1;
	d->bytes = strtoull(p, NULL, 10);
	if ((p = field(obj, "\"retransmits\":")) == NULL)
		return -1;
	d->retransmits = strtoull(p, NULL, 10);
	if ((p = field(obj, "\"missed\":")) == NULL)
		return -1;
	d->missed = strtoull(p, NULL, 10);
	if (str_field(obj, "\"fnv1a_seen\":", hex, sizeof(hex)) != 0)
		return -1;
	d->fnv_seen = strtoull(hex, NULL, 16);
	return 0;
}

/* "1767225600.000057" -> microseconds. */
static uint64_t
ts_us(const char *p)
{
	uint64_t s = strtoull(p, (char **)&p, 10), frac = 0;
	unsigned digits = 0;

	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 6)
				frac = frac * 10 + (uint64_t)(*p - '0');
	for (; digits < 6; digits++)
		frac *= 10;
	return s * 1000000u + frac;
}

static struct truth *
read_truth(const char *path, unsigned *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned max = 4096;
	struct truth *t = calloc(max, sizeof(*t));

	assert_non_null(f);
	assert_non_null(t);
	*n = 0;
	while (getline(&line, &cap, f) > 0) {
		struct truth *s;
		char a[64], b[64];
		const char *p, *send, *recv;

		if (strncmp(line, "{\"id\":", 6) != 0)
			continue;
		assert_true(*n < max);
		s = &t[(*n)++];
		assert_int_equal(str_field(line, "\"src\":", a, sizeof(a)), 0);
		assert_int_equal(str_field(line, "\"dst\":", b, sizeof(b)), 0);
		s->v6 = strchr(a, ':') != NULL;
		assert_int_equal(inet_pton(s->v6 ? AF_INET6 : AF_INET, a, s->src), 1);
		assert_int_equal(inet_pton(s->v6 ? AF_INET6 : AF_INET, b, s->dst), 1);
		assert_non_null(p = field(line, "\"sport\":"));
		s->sport = (unsigned)strtoul(p, NULL, 10);
		assert_non_null(p = field(line, "\"dport\":"));
		s->dport = (unsigned)strtoul(p, NULL, 10);
		assert_non_null(p = field(line, "\"vlan\":"));
		s->vlan = strncmp(p, "null", 4) == 0 ? -1 : (int)strtol(p, NULL, 10);
		assert_non_null(p = field(line, "\"first\":"));
		s->first_us = ts_us(p);
		assert_int_equal(str_field(line, "\"close\":", s->close, sizeof(s->close)), 0);
		assert_non_null(p = field(line, "\"midstream\":"));
		s->midstream = strncmp(p, "true", 4) == 0;
		send = strstr(line, "\"send\":{");
		recv = strstr(line, "\"recv\":{");
		assert_true(send != NULL && recv != NULL && send < recv);
		assert_int_equal(dir_fields(send, &s->d[0]), 0);
		assert_int_equal(dir_fields(recv, &s->d[1]), 0);
	}
	free(line);
	fclose(f);
	return t;
}

/* ---- one run ----------------------------------------------------------------- */

static int
same_key(const struct truth *t, const struct ft_flow *f)
{
	size_t alen = t->v6 ? 16 : 4;

	if (f->ip_v != (t->v6 ? 6 : 4) || f->sport != t->sport || f->dport != t->dport ||
		memcmp(f->src, t->src, alen) != 0 || memcmp(f->dst, t->dst, alen) != 0)
		return 0;
	if (t->vlan < 0 ? f->n_vlan != 0 : (f->n_vlan == 0 || f->vlan[0] != t->vlan))
		return 0;
	return f->first_ns / 1000u == t->first_us;
}

static void
describe(const struct truth *t, char *buf, size_t cap)
{
	char a[64], b[64];

	inet_ntop(t->v6 ? AF_INET6 : AF_INET, t->src, a, sizeof(a));
	inet_ntop(t->v6 ? AF_INET6 : AF_INET, t->dst, b, sizeof(b));
	snprintf(buf, cap, "%s:%u -> %s:%u vlan %d first %" PRIu64 " close %s%s", a, t->sport, b,
		t->dport, t->vlan, t->first_us, t->close, t->midstream ? " midstream" : "");
}

static void
run(const char *gen_args, unsigned workers)
{
	char pcap[512], truth[512], cmd[2048], err[FT_ERRBUF_SIZE], what[256];
	struct ft_config cfg;
	struct ft_pipeline *p;
	struct truth *t;
	unsigned n_truth, n_done = 0, hash_bad = 0, count_bad = 0, close_bad = 0, unmatched = 0,
			  extra = 0, seq_bad = 0;
	static const char *const close_names[] = {
		"none", "fin", "rst", "timeout", "eof", "evicted"};

	snprintf(pcap, sizeof(pcap), "%s/f.pcap", dir);
	snprintf(truth, sizeof(truth), "%s/f.json", dir);
	snprintf(cmd, sizeof(cmd), "\"%s\" --profile flows -o \"%s\" --truth \"%s\" %s", ftgen,
		pcap, truth, gen_args);
	assert_int_equal(system(cmd), 0);
	t = read_truth(truth, &n_truth);
	assert_true(n_truth > 100);

	for (unsigned i = 0; i < MAX_W; i++) {
		memset(ws[i].tab, 0, TAB * sizeof(*ws[i].tab));
		ws[i].n_done = 0;
		ws[i].overflow = 0;
	}
	atomic_store(&cb_errors, 0);
	ft_config_init(&cfg);
	cfg.file = pcap;
	cfg.workers = workers;
	cfg.on_flow = on_flow;
	cfg.track = 1;
	cfg.reassemble = 1;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	assert_int_equal(ft_pipeline_start(p), 0);
	assert_int_equal(ft_pipeline_wait(p), 0);
	ft_pipeline_destroy(p);
	assert_int_equal(atomic_load(&cb_errors), 0);

	for (unsigned w = 0; w < MAX_W; w++) {
		assert_int_equal(ws[w].overflow, 0);
		if (w >= workers)
			assert_int_equal(ws[w].n_done, 0);
		for (unsigned i = 0; i < ws[w].n_done; i++) {
			struct done_s *d = &ws[w].done[i];
			struct truth *m = NULL;

			n_done++;
			seq_bad += d->seq_errors != 0;
			for (unsigned k = 0; k < n_truth && m == NULL; k++)
				if (!t[k].matched && same_key(&t[k], &d->f))
					m = &t[k];
			if (m == NULL) {
				if (extra++ < 5)
					fprintf(stderr,
						"  extra session: sport %u dport %u first %" PRIu64
						" close %s\n",
						d->f.sport, d->f.dport, d->f.first_ns,
						close_names[d->f.close % 6]);
				continue;
			}
			m->matched = 1;
			describe(m, what, sizeof(what));
			for (unsigned k = 0; k < 2; k++) {
				if (d->h[k] != m->d[k].fnv_seen && hash_bad++ < 10)
					fprintf(stderr,
						"  %s: %s stream hash %016" PRIx64 " (%" PRIu64
						" bytes), want %016" PRIx64 " (%" PRIu64
						" bytes)\n",
						what, k ? "recv" : "send", d->h[k], d->n[k],
						m->d[k].fnv_seen, m->d[k].bytes);
				if ((d->f.dir[k].packets != m->d[k].packets ||
					    d->f.dir[k].bytes != m->d[k].bytes ||
					    d->f.dir[k].retransmits != m->d[k].retransmits ||
					    d->f.dir[k].missed != m->d[k].missed) &&
					count_bad++ < 10)
					fprintf(stderr,
						"  %s: %s packets/bytes/retransmits/missed %" PRIu64
						"/%" PRIu64 "/%" PRIu64 "/%" PRIu64
						", want %" PRIu64 "/%" PRIu64 "/%" PRIu64
						"/%" PRIu64 "\n",
						what, k ? "recv" : "send", d->f.dir[k].packets,
						d->f.dir[k].bytes, d->f.dir[k].retransmits,
						d->f.dir[k].missed, m->d[k].packets, m->d[k].bytes,
						m->d[k].retransmits, m->d[k].missed);
			}
			if (strcmp(close_names[d->f.close % 6], m->close) != 0 && close_bad++ < 10)
				fprintf(stderr, "  %s: close %s\n", what,
					close_names[d->f.close % 6]);
			if (d->f.midstream != m->midstream && close_bad++ < 10)
				fprintf(stderr, "  %s: midstream %d\n", what, d->f.midstream);
		}
	}
	for (unsigned k = 0; k < n_truth; k++)
		if (!t[k].matched) {
			describe(&t[k], what, sizeof(what));
			if (unmatched++ < 5)
				fprintf(stderr, "  no flow for truth session %s\n", what);
		}
	if (hash_bad || count_bad || close_bad || unmatched || extra || seq_bad)
		fail_msg("ftgen %s, %u workers: %u sessions, %u ended: %u stream hashes differ, "
			 "%u counters differ, %u close/midstream differ, %u truth sessions "
			 "unmatched, "
			 "%u extra sessions, %u with DATA/GAP out of sequence",
			gen_args, workers, n_truth, n_done, hash_bad, count_bad, close_bad,
			unmatched, extra, seq_bad);
	free(t);
}

static void
test_default_1(void **state)
{
	(void)state;
	run("--seed 1", 1);
}

static void
test_default_3(void **state)
{
	(void)state;
	run("--seed 1", 3);
}

static void
test_impaired_1(void **state)
{
	(void)state;
	run("--seed 2 --reorder 0.1 --retransmit 0.1 --loss 0.05", 1);
}

static void
test_impaired_3(void **state)
{
	(void)state;
	run("--seed 2 --reorder 0.1 --retransmit 0.1 --loss 0.05", 3);
}

static void
test_midstream_v6_vlan_3(void **state)
{
	(void)state;
	run("--seed 3 --midstream 0.2 --ipv6 0.5 --vlan 0.5 --reorder 0.05 --retransmit 0.05", 3);
}

static void
test_big_segments_3(void **state)
{
	(void)state;
	run("--seed 4 --sessions 300 --concurrent 300 --payload 1000:1400 --reorder 0.2 "
	    "--retransmit 0.2 --loss 0.1 --rst 0.2 --open 0.2",
		3);
}

static int
setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < MAX_W; i++) {
		ws[i].tab = calloc(TAB, sizeof(*ws[i].tab));
		ws[i].done = calloc(MAX_DONE, sizeof(*ws[i].done));
		if (ws[i].tab == NULL || ws[i].done == NULL)
			return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/ft_flow_stream.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char path[512];

	(void)state;
	for (unsigned i = 0; i < MAX_W; i++) {
		free(ws[i].tab);
		free(ws[i].done);
	}
	snprintf(path, sizeof(path), "%s/f.pcap", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/f.json", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_1),
		cmocka_unit_test(test_default_3),
		cmocka_unit_test(test_impaired_1),
		cmocka_unit_test(test_impaired_3),
		cmocka_unit_test(test_midstream_v6_vlan_3),
		cmocka_unit_test(test_big_segments_3),
	};

	ftgen = getenv("FTGEN");
	if (ftgen == NULL || *ftgen == '\0' || access(ftgen, X_OK) != 0) {
		fprintf(stderr, "skip: $FTGEN is not set\n");
		return 77;
	}
	return cmocka_run_group_tests_name("flow_stream", tests, setup, teardown);
}
