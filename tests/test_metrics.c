/*
 * test_metrics.c - the Prometheus text from a snapshot (ft_metrics_format) and
 * the endpoint's life cycle (ft_metrics_start/update/stop): every table line's
 * value comes from its own field, per-worker series carry their label, the
 * ring fill is computed, CPU nanoseconds print as seconds, a buffer too small
 * gives 0; a bad address and a taken port fail with their cause.
 * (tests/e2e_metrics.sh checks the served text with promtool and Prometheus.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowtap.h"

static char text[256 * 1024];

static void
fill(struct ft_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->ts_ns = 1700000000123456789ull;
	st->live = 1;
	st->ps_recv = 11;
	st->ps_drop = 12;
	st->ps_ifdrop = 13;
	st->captured = 14;
	st->filtered = 15;
	st->packets = 16;
	st->bytes = 17;
	st->ring_drop = 18;
	st->decode_errors = 19;
	st->discarded = 20;
	st->flows_active = 21;
	st->flows_evicted = 22;
	st->flows_untracked = 23;
	st->buffer_bytes = 24;
	st->capture_cpu_ns = 1500000000u;
	st->frag_seen = 25;
	st->frag_reassembled = 26;
	st->frag_timeout = 27;
	st->frag_dropped = 28;
	st->export_drop = 29;
	for (int c = 0; c < FT_FLOW_CLASSES; c++) {
		st->flows_started[c] = 30 + (uint64_t)c;
		st->flows_ended[c] = 40 + (uint64_t)c;
	}
	st->n_exporters = 2;
	snprintf(st->exporters[0].name, sizeof(st->exporters[0].name), "ipfix");
	snprintf(st->exporters[1].name, sizeof(st->exporters[1].name), "redis");
	st->exporters[0].delivered = 50;
	st->exporters[0].dropped = 51;
	st->exporters[1].delivered = 52;
	st->exporters[1].dropped = 53;
	st->n_workers = 2;
	for (unsigned i = 0; i < 2; i++) {
		st->workers[i].enqueued = 100 + i;
		st->workers[i].ring_drop = 200 + i;
		st->workers[i].packets = 50 + i;
		st->workers[i].discarded = 10;
		st->workers[i].decode_errors = 300 + i;
		st->workers[i].flows_active = 400 + i;
		st->workers[i].flows_evicted = 500 + i;
		st->workers[i].cpu_ns = 7000000001ull;
	}
}

/* The line "name value\n" is in the text, at a line start. */
static int
has_line(const char *t, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = t; (p = strstr(p, line)) != NULL; p++)
		if ((p == t || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static void
test_every_field_in_its_line(void **state)
{
	static const char *want[] = {
		"flowtap_build_info{version=\"" FT_VERSION_STRING "\"} 1",
		"flowtap_live 1",
		"flowtap_finished 1",
		"flowtap_workers 2",
		"flowtap_snapshot_timestamp_seconds 1700000000.123456789",
		"flowtap_frames_received_total 11",
		"flowtap_kernel_drops_total 12",
		"flowtap_interface_drops_total 13",
		"flowtap_frames_captured_total 14",
		"flowtap_frames_filtered_total 15",
		"flowtap_frames_processed_total 16",
		"flowtap_bytes_processed_total 17",
		"flowtap_ring_drops_total 18",
		"flowtap_decode_errors_total 19",
		"flowtap_frames_discarded_total 20",
		"flowtap_flows_active 21",
		"flowtap_flows_evicted_total 22",
		"flowtap_flows_untracked_total 23",
		"flowtap_kernel_buffer_bytes 24",
		"flowtap_capture_cpu_seconds_total 1.500000000",
		"flowtap_worker_frames_enqueued_total{worker=\"0\"} 100",
		"flowtap_worker_frames_enqueued_total{worker=\"1\"} 101",
		"flowtap_worker_ring_drops_total{worker=\"1\"} 201",
		"flowtap_worker_frames_processed_total{worker=\"0\"} 50",
		"flowtap_worker_decode_errors_total{worker=\"1\"} 301",
		"flowtap_worker_flows_active{worker=\"0\"} 400",
		"flowtap_worker_flows_evicted_total{worker=\"1\"} 501",
		"flowtap_worker_cpu_seconds_total{worker=\"0\"} 7.000000001",
		/* ring fill: enqueued - packets - discarded */
		"flowtap_worker_ring_fill{worker=\"0\"} 40",
		"flowtap_worker_ring_fill{worker=\"1\"} 40",
		"# TYPE flowtap_frames_received_total counter",
		"# TYPE flowtap_worker_ring_fill gauge",
		"flowtap_frag_seen_total 25",
		"flowtap_frag_reassembled_total 26",
		"flowtap_frag_timeout_total 27",
		"flowtap_frag_dropped_total 28",
		"flowtap_export_drops_total 29",
		"flowtap_flows_started_total{proto=\"tcp\"} 30",
		"flowtap_flows_started_total{proto=\"other\"} 33",
		"flowtap_flows_ended_total{proto=\"udp\"} 41",
		"flowtap_flows_ended_total{proto=\"icmp\"} 42",
		"flowtap_export_delivered_total{exporter=\"0\",name=\"ipfix\"} 50",
		"flowtap_export_dropped_total{exporter=\"0\",name=\"ipfix\"} 51",
		"flowtap_export_delivered_total{exporter=\"1\",name=\"redis\"} 52",
		"flowtap_export_dropped_total{exporter=\"1\",name=\"redis\"} 53",
		"# TYPE flowtap_flows_started_total counter",
	};
	struct ft_stats st;
	size_t n;

	(void)state;
	fill(&st);
	n = ft_metrics_format(&st, 1, text, sizeof(text));
	assert_true(n > 0 && n < sizeof(text));
	assert_int_equal(strlen(text), n);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!has_line(text, want[i]))
			fail_msg("missing line: %s", want[i]);
	}
	/* No third worker, and nothing but the two. */
	assert_null(strstr(text, "worker=\"2\""));
}

static void
test_ring_fill_never_negative(void **state)
{
	struct ft_stats st;

	(void)state;
	fill(&st);
	/* Counters read one after another: processed may pass enqueued for a moment. */
	st.workers[0].enqueued = 5;
	st.workers[0].packets = 9;
	assert_true(ft_metrics_format(&st, 0, text, sizeof(text)) > 0);
	assert_true(has_line(text, "flowtap_worker_ring_fill{worker=\"0\"} 0"));
	assert_true(has_line(text, "flowtap_finished 0"));
}

static void
test_too_small_buffer(void **state)
{
	struct ft_stats st;
	char small[100];

	(void)state;
	fill(&st);
	assert_int_equal(ft_metrics_format(&st, 0, small, sizeof(small)), 0);
	assert_string_equal(small, "");
	assert_int_equal(ft_metrics_format(&st, 0, small, 0), 0);
}

static void
test_start_update_stop(void **state)
{
	char err[FT_ERRBUF_SIZE], addr[64];
	struct ft_metrics *m = NULL, *m2 = (struct ft_metrics *)&m;
	struct ft_stats st;

	(void)state;
	assert_int_equal(ft_metrics_start("127.0.0.1:0", &m, err), 0);
	assert_true(ft_metrics_port(m) > 0);
	fill(&st);
	ft_metrics_update(m, &st, 0);
	/* The same port again: taken, with the cause; *out untouched. */
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ft_metrics_port(m));
	assert_int_equal(ft_metrics_start(addr, &m2, err), FT_EIO);
	assert_ptr_equal(m2, (struct ft_metrics *)&m);
	assert_non_null(strstr(err, "Address already in use"));
	ft_metrics_stop(m);
	ft_metrics_stop(NULL);
	/* Bad addresses. */
	assert_int_equal(ft_metrics_start("9100", &m, err), FT_EINVAL);
	assert_non_null(strstr(err, "expected HOST:PORT"));
	assert_int_equal(ft_metrics_start("127.0.0.1:70000", &m, err), FT_EINVAL);
	assert_int_equal(ft_metrics_start("[::1:9100", &m, err), FT_EINVAL);
	assert_int_equal(ft_metrics_start("127.0.0.1:", &m, err), FT_EINVAL);
	/* ":PORT" is loopback. */
	assert_int_equal(ft_metrics_start(":0", &m, err), 0);
	ft_metrics_stop(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_in_its_line),
		cmocka_unit_test(test_ring_fill_never_negative),
		cmocka_unit_test(test_too_small_buffer),
		cmocka_unit_test(test_start_update_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
