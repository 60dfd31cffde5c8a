/*
 * test_pipeline.c - the pipeline end to end on captures built here:
 * conservation of every frame, flow affinity (both directions of a flow on one
 * worker), the same results for 1 and N workers and for both file readers,
 * -c, filters, stop from a callback, a consumer error, cut and corrupt files,
 * -w, and the error codes of bad sources.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowtap.h"
#include "tests/ft_testpcap.h"

#define N_FRAMES 30000u
#define N_FLOWS  700u

static const char *cap = "pipeline_test.pcap";

/* Frame i belongs to flow i % N_FLOWS and goes one way or the other. */
static void
write_capture(const char *path, unsigned frames)
{
	struct tp_writer w;
	struct tp_flow fl;
	uint8_t buf[2048];
	uint32_t len;

	assert_int_equal(tp_open(&w, path, DLT_EN10MB), 0);
	for (unsigned i = 0; i < frames; i++) {
		tp_flow_n(&fl, i % N_FLOWS);
		len = tp_build(buf, sizeof(buf), &fl, (int)((i / N_FLOWS) & 1), i, 0x18, i % 300);
		tp_frame(&w, buf, len, len);
	}
	assert_int_equal(tp_close(&w), 0);
}

struct seen {
	atomic_uchar frame[N_FRAMES + 1];   /* times frame n was delivered */
	atomic_int worker_of_flow[N_FLOWS]; /* worker + 1 */
	atomic_int affinity_errors;
	atomic_ulong delivered;
	atomic_ulong decoded_tcp;
	unsigned stop_at; /* stop the pipeline at this frame */
	unsigned fail_at; /* return an error at this frame */
	struct ft_pipeline *p;
	atomic_int done_at_first; /* ft_pipeline_capture_done() at frame 1, + 1 */
	int finals;
	struct ft_stats final;
};

static int
on_packet(const struct ft_packet *pkt, void *user)
{
	struct seen *s = user;
	unsigned flow = (unsigned)((pkt->n - 1) % N_FLOWS);
	int expect = 0;

	if (pkt->n >= 1 && pkt->n <= N_FRAMES)
		atomic_fetch_add(&s->frame[pkt->n], 1);
	if (!atomic_compare_exchange_strong(&s->worker_of_flow[flow], &expect, pkt->worker + 1) &&
		expect != pkt->worker + 1)
		atomic_fetch_add(&s->affinity_errors, 1);
	if (pkt->n == 1)
		atomic_store(&s->done_at_first, ft_pipeline_capture_done(s->p) + 1);
	if (pkt->dec->layers & FT_LAYER_TCP)
		atomic_fetch_add(&s->decoded_tcp, 1);
	atomic_fetch_add(&s->delivered, 1);
	if (s->stop_at && pkt->n == s->stop_at)
		ft_pipeline_stop(s->p);
	if (s->fail_at && pkt->n == s->fail_at)
		return 7;
	return 0;
}

static void
on_stats(const struct ft_stats *st, int final, void *user)
{
	struct seen *s = user;

	if (final) {
		s->finals++;
		s->final = *st;
	}
}

static int
setup(void **state)
{
	(void)state;
	write_capture(cap, N_FRAMES);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(cap);
	return 0;
}

/* Out-of-order bytes a session may hold in run() (0: the default). */
static uint32_t g_ooo_flow_bytes;

/* Run a pipeline over path; returns ft_pipeline_wait's result. */
static int
run(const char *path, unsigned workers, int use_mmap, const char *filter, uint64_t count,
	struct seen *s)
{
	struct ft_config cfg;
	struct ft_pipeline *p;
	char err[FT_ERRBUF_SIZE];
	int rc;

	ft_config_init(&cfg);
	cfg.file = path;
	cfg.workers = workers;
	cfg.use_mmap = use_mmap;
	cfg.filter = filter;
	cfg.count = count;
	cfg.ring_slots = 256; /* small rings: the capture thread must wait often */
	cfg.arena_bytes = 1u << 20;
	if (g_ooo_flow_bytes != 0)
		cfg.ooo_flow_bytes = g_ooo_flow_bytes;
	cfg.on_packet = on_packet;
	cfg.on_stats = on_stats;
	cfg.user = s;
	rc = ft_pipeline_create(&cfg, &p, err);
	if (rc != 0) {
		print_message("create: %s\n", err);
		return rc;
	}
	s->p = p;
	assert_int_equal(ft_pipeline_capture_done(p), 0);
	assert_int_equal(ft_pipeline_start(p), 0);
	rc = ft_pipeline_wait(p);
	assert_int_equal(ft_pipeline_capture_done(p), 1);
	ft_pipeline_destroy(p);
	return rc;
}

static void
check_conserved(const struct ft_stats *st)
{
	uint64_t enq = 0, drop = 0, pk = 0, disc = 0;

	for (unsigned i = 0; i < st->n_workers; i++) {
		enq += st->workers[i].enqueued;
		drop += st->workers[i].ring_drop;
		pk += st->workers[i].packets;
		disc += st->workers[i].discarded;
	}
	assert_int_equal(st->captured, enq + drop);
	assert_int_equal(pk + disc, enq);
	assert_int_equal(st->packets, pk);
	assert_int_equal(drop, 0); /* files are lossless */
}

static void
check_every_frame_once(unsigned workers, int use_mmap)
{
	struct seen *s = calloc(1, sizeof(*s));

	assert_int_equal(run(cap, workers, use_mmap, NULL, 0, s), 0);
	assert_int_equal(s->delivered, N_FRAMES);
	for (unsigned n = 1; n <= N_FRAMES; n++)
		assert_int_equal(s->frame[n], 1);
	assert_int_equal(s->affinity_errors, 0);
	/* The rings hold 256 frames each: at frame 1, 30,000 are still to come. */
	assert_int_equal(s->done_at_first, 1);
	assert_int_equal(s->decoded_tcp, N_FRAMES - N_FRAMES / 7 + (N_FRAMES % 7 == 6));
	assert_int_equal(s->finals, 1);
	assert_int_equal(s->final.captured, N_FRAMES);
	assert_int_equal(s->final.n_workers, workers);
	check_conserved(&s->final);
	if (workers > 1) {
		/* Work is spread: no worker sits idle on 700 flows. */
		for (unsigned i = 0; i < workers; i++)
			assert_true(s->final.workers[i].packets > N_FRAMES / workers / 3);
	}
	free(s);
}

static void
test_every_frame_once_1_worker(void **state)
{
	(void)state;
	check_every_frame_once(1, 1);
}

static void
test_every_frame_once_3_workers(void **state)
{
	(void)state;
	check_every_frame_once(3, 1);
}

static void
test_every_frame_once_libpcap_reader(void **state)
{
	(void)state;
	check_every_frame_once(2, 0);
	check_every_frame_once(4, 0);
}

/*
 * The tracker's counters reach the stats: with room for almost nothing out
 * of order, segments are not held (ooo_dropped), summed over the workers.
 */
static void
test_tracker_counters_in_stats(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	uint64_t sum = 0;

	(void)state;
	g_ooo_flow_bytes = 1;
	assert_int_equal(run(cap, 2, 1, NULL, 0, s), 0);
	g_ooo_flow_bytes = 0;
	assert_int_equal(s->finals, 1);
	for (unsigned i = 0; i < s->final.n_workers; i++)
		sum += s->final.workers[i].ooo_dropped;
	assert_true(s->final.ooo_dropped > 0);
	assert_int_equal(s->final.ooo_dropped, sum);
	assert_int_equal(s->final.rst_ignored, 0);
	free(s);
}

static void
test_count(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));

	(void)state;
	for (int mm = 0; mm < 2; mm++) {
		memset(s, 0, sizeof(*s));
		assert_int_equal(run(cap, 3, mm, NULL, 100, s), 0);
		assert_int_equal(s->delivered, 100);
		for (unsigned n = 1; n <= 100; n++)
			assert_int_equal(s->frame[n], 1);
		assert_int_equal(s->final.captured, 100);
	}
	free(s);
}

static void
test_filter(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	unsigned udp = 0;

	(void)state;
	for (unsigned i = 0; i < N_FRAMES; i++)
		udp += (i % N_FLOWS) % 7 == 6;
	for (int mm = 0; mm < 2; mm++) {
		memset(s, 0, sizeof(*s));
		/* VLAN-tagged frames need "vlan and udp" in BPF: count untagged only. */
		assert_int_equal(run(cap, 2, mm, "udp", 0, s), 0);
		assert_true(s->delivered > 0 && s->delivered <= udp);
		assert_int_equal(s->decoded_tcp, 0);
		check_conserved(&s->final);
		if (mm)
			assert_int_equal(s->final.filtered, N_FRAMES - s->delivered);
	}
	free(s);
}

static void
test_stop_from_callback(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));

	(void)state;
	s->stop_at = 500;
	assert_int_equal(run(cap, 2, 1, NULL, 0, s), 0);
	/* Everything handed over before the stop is still processed. */
	assert_true(s->delivered >= 500);
	assert_true(s->delivered < N_FRAMES);
	assert_int_equal(s->final.packets, s->delivered);
	check_conserved(&s->final);
	free(s);
}

static void
test_consumer_error(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));

	(void)state;
	s->fail_at = 300;
	assert_int_equal(run(cap, 1, 1, NULL, 0, s), FT_ECONSUMER);
	/* One worker: frames after the failing one are counted, not delivered. */
	assert_int_equal(s->delivered, 300);
	assert_int_equal(s->final.packets, 300);
	check_conserved(&s->final);
	assert_int_equal(s->final.packets + s->final.discarded, s->final.captured);
	free(s);
}

static void
test_truncated_file(void **state)
{
	const char *cut = "pipeline_cut.pcap";
	struct seen *s = calloc(1, sizeof(*s));
	FILE *in, *out;
	char buf[65536];
	size_t n, total = 0, want;

	(void)state;
	write_capture(cut, 1000);
	in = fopen(cut, "rb");
	fseek(in, 0, SEEK_END);
	want = (size_t)ftell(in) - 30; /* mid-way through the last frame */
	fseek(in, 0, SEEK_SET);
	out = fopen("pipeline_cut2.pcap", "wb");
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0 && total < want) {
		if (total + n > want)
			n = want - total;
		fwrite(buf, 1, n, out);
		total += n;
	}
	fclose(in);
	fclose(out);
	for (int mm = 0; mm < 2; mm++) {
		memset(s, 0, sizeof(*s));
		assert_int_equal(run("pipeline_cut2.pcap", 2, mm, NULL, 0, s), FT_ETRUNC);
		assert_int_equal(s->delivered, 999);
		check_conserved(&s->final);
	}
	unlink(cut);
	unlink("pipeline_cut2.pcap");
	free(s);
}

static void
test_bad_sources(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	FILE *f;

	(void)state;
	assert_int_equal(run("does-not-exist.pcap", 1, 1, NULL, 0, s), FT_ENOENT);
	f = fopen("garbage.pcap", "wb");
	fputs("this is not a capture file at all, not even close", f);
	fclose(f);
	assert_int_equal(run("garbage.pcap", 1, 1, NULL, 0, s), FT_EFORMAT);
	assert_int_equal(run(".", 1, 1, NULL, 0, s), FT_EINVAL);
	assert_int_equal(run(cap, 1, 1, "tcp port banana", 0, s), FT_EFILTER);
	assert_int_equal(run(cap, 1, 0, "tcp and and", 0, s), FT_EFILTER);
	unlink("garbage.pcap");
	free(s);
}

static void
test_corrupt_record(void **state)
{
	const char *bad = "pipeline_corrupt.pcap";
	struct seen *s = calloc(1, sizeof(*s));
	uint32_t huge = 0x7fffffff;
	FILE *f;

	(void)state;
	write_capture(bad, 10);
	/* Frame 1's header: caplen at file offset 24 + 8. */
	f = fopen(bad, "r+b");
	fseek(f, 24 + 8, SEEK_SET);
	fwrite(&huge, 4, 1, f);
	fclose(f);
	for (int mm = 0; mm < 2; mm++) {
		memset(s, 0, sizeof(*s));
		assert_int_equal(run(bad, 1, mm, NULL, 0, s), FT_EFORMAT);
		assert_int_equal(s->delivered, 0);
	}
	unlink(bad);
	free(s);
}

static void
test_write_file(void **state)
{
	struct ft_config cfg;
	struct ft_pipeline *p;
	char err[FT_ERRBUF_SIZE];
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned n = 0;

	(void)state;
	for (int mm = 0; mm < 2; mm++) {
		ft_config_init(&cfg);
		cfg.file = cap;
		cfg.use_mmap = mm;
		cfg.write_file = "pipeline_out.pcap";
		cfg.filter = "tcp";
		assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
		assert_int_equal(ft_pipeline_start(p), 0);
		assert_int_equal(ft_pipeline_wait(p), 0);
		ft_pipeline_destroy(p);
		pc = pcap_open_offline("pipeline_out.pcap", err);
		assert_non_null(pc);
		n = 0;
		while (pcap_next_ex(pc, &h, &data) == 1) {
			/* TCP only, in file order. */
			assert_int_equal(data[12] == 0x81   ? data[16 + 2 + 9]
					 : data[12] == 0x86 ? data[14 + 6]
							    : data[14 + 9],
				6);
			n++;
		}
		pcap_close(pc);
		assert_true(n > N_FRAMES / 2);
	}
	unlink("pipeline_out.pcap");
}

static void
test_config_errors(void **state)
{
	struct ft_config cfg;
	struct ft_pipeline *p = NULL;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	ft_config_init(&cfg);
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL); /* no source */
	assert_true(strlen(err) > 0);
	cfg.file = cap;
	cfg.device = "lo";
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL); /* two sources */
	cfg.device = NULL;
	cfg.ring_slots = 1000;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL);
	cfg.ring_slots = 1024;
	cfg.workers = FT_MAX_WORKERS + 1;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL);
	assert_null(p);
	assert_string_equal(ft_err_name(FT_ETRUNC), "FT_ETRUNC");
	assert_true(strlen(ft_strerror(FT_EPCAP)) > 0);
}

static void
test_destroy_without_wait(void **state)
{
	struct ft_config cfg;
	struct ft_pipeline *p;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	ft_config_init(&cfg);
	cfg.file = cap;
	cfg.workers = 2;
	/* Never started, then started and destroyed at once: no leak, no hang. */
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	ft_pipeline_destroy(p);
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	assert_int_equal(ft_pipeline_start(p), 0);
	assert_int_equal(ft_pipeline_start(p), FT_EBUSY);
	ft_pipeline_destroy(p);
}

struct lister {
	struct ft_pipeline *p;
	atomic_int stop;
	unsigned long walks, seen, bad;
};

static int
visit(const struct ft_flow *f, void *user)
{
	struct lister *l = user;

	l->seen++;
	if (f->sport == 0 || f->dport == 0 || f->first_ns > f->last_ns ||
		(f->ip_v != 4 && f->ip_v != 6) || f->close != FT_CLOSE_NONE)
		l->bad++;
	return 0;
}

static void *
list_flows(void *arg)
{
	struct lister *l = arg;

	while (!atomic_load(&l->stop)) {
		assert_int_equal(ft_pipeline_flows(l->p, visit, l), 0);
		l->walks++;
	}
	return NULL;
}

/* Another thread walks the flow tables (RCU) while the workers update them. */
static void
test_list_flows_while_running(void **state)
{
	struct ft_config cfg;
	struct ft_pipeline *p;
	struct lister l;
	pthread_t t;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	memset(&l, 0, sizeof(l));
	ft_config_init(&cfg);
	cfg.file = cap;
	cfg.workers = 2;
	cfg.ring_slots = 64; /* slow the file down: the walker gets to run */
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	l.p = p;
	assert_int_equal(pthread_create(&t, NULL, list_flows, &l), 0);
	assert_int_equal(ft_pipeline_start(p), 0);
	assert_int_equal(ft_pipeline_wait(p), 0);
	atomic_store(&l.stop, 1);
	pthread_join(t, NULL);
	/* After the end every session was flushed: nothing is left to list. */
	l.seen = 0;
	assert_int_equal(ft_pipeline_flows(p, visit, &l), 0);
	assert_int_equal(l.seen, 0);
	assert_true(l.walks > 0);
	assert_int_equal(l.bad, 0);
	ft_pipeline_destroy(p);
	cfg.track = 0;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	assert_int_equal(ft_pipeline_flows(p, visit, &l), FT_ENOTSUP);
	ft_pipeline_destroy(p);
}

/*
 * IP fragments: N_DGRAMS UDP datagrams of 2500 bytes (flow f: sport 2000 + f),
 * each in three fragments, with an unfragmented datagram of the same flow
 * after it. Every datagram is reassembled, reaches the worker of its flow's
 * unfragmented packets, and the counters stay conserved.
 */
#define N_DGRAMS     400u
#define N_FRAG_FLOWS 37u

struct frag_seen {
	atomic_ulong frames, reassembled, bad_len, affinity_errors;
	atomic_int worker_of_flow[N_FRAG_FLOWS];
	int finals;
	struct ft_stats final;
};

static uint32_t
udp_frame(
	uint8_t *b, unsigned flow, uint16_t id, uint32_t off, int mf, uint32_t n, uint32_t udp_len)
{
	memset(b, 0, 42);
	b[12] = 0x08; /* Ethernet, IPv4 */
	b[14] = 0x45;
	ftg_wr16(b + 16, (uint16_t)(20 + n));
	ftg_wr16(b + 18, id);
	ftg_wr16(b + 20, (uint16_t)((mf ? 0x2000 : 0) | off / 8));
	b[22] = 64;
	b[23] = 17;
	b[26] = 10, b[27] = 200, b[28] = 0, b[29] = 1;
	b[30] = 10, b[31] = 200, b[32] = 0, b[33] = 2;
	for (uint32_t i = 0; i < n; i++)
		b[34 + i] = (uint8_t)(off + i);
	if (off == 0) {
		ftg_wr16(b + 34, (uint16_t)(2000 + flow));
		ftg_wr16(b + 36, 53);
		ftg_wr16(b + 38, (uint16_t)udp_len);
		ftg_wr16(b + 40, 0);
	}
	return 34 + n;
}

static int
on_frag_packet(const struct ft_packet *pkt, void *user)
{
	struct frag_seen *s = user;
	const struct ft_decoded *d = pkt->dec;
	int expect = 0;
	unsigned flow;

	if (!pkt->reassembled) {
		atomic_fetch_add(&s->frames, 1);
		if (d->ip.frag)
			return 0;
	} else {
		atomic_fetch_add(&s->reassembled, 1);
		if (!(d->layers & FT_LAYER_UDP) || d->udp.len != 2500 || d->l4_payload_len != 2492)
			atomic_fetch_add(&s->bad_len, 1);
	}
	flow = (unsigned)(d->udp.sport - 2000) % N_FRAG_FLOWS;
	if (!atomic_compare_exchange_strong(&s->worker_of_flow[flow], &expect, pkt->worker + 1) &&
		expect != pkt->worker + 1)
		atomic_fetch_add(&s->affinity_errors, 1);
	return 0;
}

static void
on_frag_stats(const struct ft_stats *st, int final, void *user)
{
	struct frag_seen *s = user;

	if (final) {
		s->finals++;
		s->final = *st;
	}
}

static void
test_fragments_reassembled(void **state)
{
	static const char *fcap = "pipeline_frag.pcap";
	struct tp_writer w;
	uint8_t b[2048];

	(void)state;
	assert_int_equal(tp_open(&w, fcap, DLT_EN10MB), 0);
	for (unsigned i = 0; i < N_DGRAMS; i++) {
		unsigned flow = i % N_FRAG_FLOWS;
		uint32_t n;

		/* 2500 bytes: 1000 + 1000 + 500, the middle one last on the wire. */
		n = udp_frame(b, flow, (uint16_t)i, 0, 1, 1000, 2500);
		tp_frame(&w, b, n, n);
		n = udp_frame(b, flow, (uint16_t)i, 2000, 0, 500, 2500);
		tp_frame(&w, b, n, n);
		n = udp_frame(b, flow, (uint16_t)i, 1000, 1, 1000, 2500);
		tp_frame(&w, b, n, n);
		n = udp_frame(b, flow, (uint16_t)(i + 30000), 0, 0, 100, 100);
		tp_frame(&w, b, n, n);
	}
	assert_int_equal(tp_close(&w), 0);
	for (int use_mmap = 0; use_mmap < 2; use_mmap++) {
		struct frag_seen *s = calloc(1, sizeof(*s));
		struct ft_config cfg;
		struct ft_pipeline *p;
		char err[FT_ERRBUF_SIZE];
		uint64_t sum = 0;

		ft_config_init(&cfg);
		cfg.file = fcap;
		cfg.workers = 3;
		cfg.use_mmap = use_mmap;
		cfg.ring_slots = 64; /* small rings: the capture thread must wait often */
		cfg.packets_reassembled = 1;
		cfg.on_packet = on_frag_packet;
		cfg.on_stats = on_frag_stats;
		cfg.user = s;
		assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
		assert_int_equal(ft_pipeline_start(p), 0);
		assert_int_equal(ft_pipeline_wait(p), 0);
		ft_pipeline_destroy(p);
		assert_int_equal(s->frames, 4 * N_DGRAMS);
		assert_int_equal(s->reassembled, N_DGRAMS);
		assert_int_equal(s->bad_len, 0);
		assert_int_equal(s->affinity_errors, 0);
		assert_int_equal(s->finals, 1);
		check_conserved(&s->final);
		assert_int_equal(s->final.frag_seen, 3 * N_DGRAMS);
		assert_int_equal(s->final.frag_reassembled, N_DGRAMS);
		for (unsigned i = 0; i < s->final.n_workers; i++)
			sum += s->final.workers[i].reassembled;
		assert_int_equal(sum, N_DGRAMS);
		free(s);
	}
	unlink(fcap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_frame_once_1_worker),
		cmocka_unit_test(test_every_frame_once_3_workers),
		cmocka_unit_test(test_every_frame_once_libpcap_reader),
		cmocka_unit_test(test_tracker_counters_in_stats),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_stop_from_callback),
		cmocka_unit_test(test_consumer_error),
		cmocka_unit_test(test_truncated_file),
		cmocka_unit_test(test_bad_sources),
		cmocka_unit_test(test_corrupt_record),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_destroy_without_wait),
		cmocka_unit_test(test_list_flows_while_running),
		cmocka_unit_test(test_fragments_reassembled),
	};

	return cmocka_run_group_tests_name("pipeline", tests, setup, teardown);
}
