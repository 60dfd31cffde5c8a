/*
 * test_source.c - capture/source.h on its own, with no pipeline: a source
 * hands every frame of a file to the caller's sink, in order, with its
 * timestamp; the mmap reader hands out pointers into the file (zero copy)
 * and libpcap's reader does not; a sink that returns non-zero ends the run
 * after that frame; a filter's refused frames are counted, not handed over;
 * a cut file ends with FT_ETRUNC and a message after every whole frame; and
 * the -w writer (capture/writer.h) writes back a file that reads the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/source.h"
#include "capture/writer.h"
#include "flowtap/error.h"
#include "flowtap/pipeline.h"
#include "tests/ft_testpcap.h"

#define NFRAMES 50

struct seen {
	unsigned n, stop_at;
	uint64_t last_ts;
	uint32_t lens[NFRAMES];
	uint32_t first_byte_sum;
	struct ft_writer *wr;
};

static int
sink(void *user, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	struct seen *s = user;

	assert_true(caplen <= len);
	assert_true(ts_ns > s->last_ts); /* tp_frame advances 10 us a frame */
	s->last_ts = ts_ns;
	if (s->n < NFRAMES)
		s->lens[s->n] = caplen;
	s->first_byte_sum += data[caplen - 1];
	if (s->wr != NULL)
		assert_int_equal(ft__writer_frame(s->wr, data, caplen, len, ts_ns), 0);
	s->n++;
	return s->stop_at != 0 && s->n == s->stop_at;
}

/* NFRAMES frames: UDP to port 53 on even i, TCP to port 80 on odd i. */
static void
write_capture(const char *path, long cut_bytes)
{
	struct tp_writer w;
	struct tp_flow fl;
	uint8_t buf[256];
	uint32_t n;

	assert_int_equal(tp_open(&w, path, 1), 0);
	for (unsigned i = 0; i < NFRAMES; i++) {
		tp_flow_n(&fl, 1);
		fl.v6 = 0;
		fl.vlan = 0;
		fl.proto = i % 2 ? 6 : 17;
		fl.dport = i % 2 ? 80 : 53;
		n = tp_build(buf, sizeof(buf), &fl, 0, i, 0x18, 10 + i);
		assert_true(n > 0);
		tp_frame(&w, buf, n, n);
	}
	assert_int_equal(tp_close(&w), 0);
	if (cut_bytes > 0)
		assert_int_equal(truncate(path, cut_bytes), 0);
}

static struct ft_source *
open_file(const char *path, int use_mmap, const char *filter)
{
	struct ft_source_config c;
	struct ft_source *s = NULL;
	char err[FT_ERRBUF_SIZE];

	memset(&c, 0, sizeof(c));
	c.file = path;
	c.filter = filter;
	c.snaplen = 65535;
	c.use_mmap = use_mmap;
	assert_int_equal(ft__source_open(&c, &s, err), 0);
	assert_non_null(s);
	return s;
}

static void
every_frame_in_order(void **state)
{
	char path[] = "/tmp/ft_source_XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_capture(path, 0);
	for (int mm = 0; mm <= 1; mm++) {
		struct ft_source *s = open_file(path, mm, NULL);
		struct seen seen = {0};
		struct ft_source_stats st;

		assert_int_equal(ft__source_info(s)->zero_copy, mm);
		assert_int_equal(ft__source_info(s)->dlt, 1);
		assert_int_equal(ft__source_info(s)->live, 0);
		assert_int_equal(ft__source_run(s, sink, &seen), 0);
		assert_int_equal(seen.n, NFRAMES);
		for (unsigned i = 2; i < NFRAMES; i++) /* payload 10 + i, TCP and UDP in turn */
			assert_int_equal(seen.lens[i], seen.lens[i - 2] + 2);
		ft__source_stats(s, &st);
		assert_int_equal(st.pcap_valid, 0);
		assert_int_equal(st.filtered, 0);
		ft__source_close(s);
	}
	unlink(path);
}

static void
sink_stops_the_run(void **state)
{
	char path[] = "/tmp/ft_source_XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_capture(path, 0);
	for (int mm = 0; mm <= 1; mm++) {
		struct ft_source *s = open_file(path, mm, NULL);
		struct seen seen = {.stop_at = 7};

		assert_int_equal(ft__source_run(s, sink, &seen), 0);
		assert_int_equal(seen.n, 7);
		ft__source_close(s);
	}
	unlink(path);
}

static void
filter_counts_what_it_refuses(void **state)
{
	char path[] = "/tmp/ft_source_XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_capture(path, 0);
	for (int mm = 0; mm <= 1; mm++) {
		struct ft_source *s = open_file(path, mm, "tcp port 80");
		struct seen seen = {0};
		struct ft_source_stats st;

		assert_int_equal(ft__source_run(s, sink, &seen), 0);
		assert_int_equal(seen.n, NFRAMES / 2);
		ft__source_stats(s, &st);
		/* libpcap's reader filters inside libpcap and does not count; the mmap reader does.
		 */
		assert_int_equal(st.filtered, mm ? NFRAMES / 2 : 0);
		ft__source_close(s);
	}
	unlink(path);
}

static void
cut_file_is_etrunc(void **state)
{
	char path[] = "/tmp/ft_source_XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* 24-byte header; frame i is 16 + 52 + i bytes (IPv4/TCP|UDP headers + 10 + i). */
	write_capture(path, 1000);
	for (int mm = 0; mm <= 1; mm++) {
		struct ft_source *s = open_file(path, mm, NULL);
		struct seen seen = {0};
		int rc = ft__source_run(s, sink, &seen);

		assert_int_equal(rc, FT_ETRUNC);
		assert_true(seen.n > 5 && seen.n < NFRAMES);
		assert_non_null(strstr(ft__source_errmsg(s), path));
		ft__source_close(s);
	}
	unlink(path);
}

static void
writer_round_trip(void **state)
{
	char in[] = "/tmp/ft_source_XXXXXX", out[64];
	int fd = mkstemp(in);
	struct ft_writer_config wc;
	struct seen first = {0}, again = {0};
	struct ft_source *s;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(out, sizeof(out), "%s.w", in);
	write_capture(in, 0);
	s = open_file(in, 1, NULL);
	memset(&wc, 0, sizeof(wc));
	wc.path = out;
	wc.dlt = ft__source_info(s)->dlt;
	wc.snaplen = ft__source_info(s)->snaplen;
	wc.nsec = ft__source_info(s)->write_nsec;
	assert_int_equal(ft__writer_open(&wc, &first.wr, err), 0);
	assert_int_equal(ft__source_run(s, sink, &first), 0);
	assert_int_equal(ft__writer_finish(first.wr), 0);
	ft__writer_close(first.wr);
	ft__source_close(s);

	s = open_file(out, 0, NULL);
	assert_int_equal(ft__source_run(s, sink, &again), 0);
	ft__source_close(s);
	assert_int_equal(again.n, first.n);
	assert_int_equal(again.last_ts, first.last_ts);
	assert_int_equal(again.first_byte_sum, first.first_byte_sum);
	assert_memory_equal(again.lens, first.lens, sizeof(first.lens));
	unlink(in);
	unlink(out);
}

static void
missing_file_says_why(void **state)
{
	struct ft_source_config c;
	struct ft_source *s = NULL;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.file = "/nonexistent/ft_source.pcap";
	c.snaplen = 65535;
	c.use_mmap = 1;
	assert_int_equal(ft__source_open(&c, &s, err), FT_ENOENT);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/ft_source.pcap"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_frame_in_order),
		cmocka_unit_test(sink_stops_the_run),
		cmocka_unit_test(filter_counts_what_it_refuses),
		cmocka_unit_test(cut_file_is_etrunc),
		cmocka_unit_test(writer_round_trip),
		cmocka_unit_test(missing_file_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
