/*
 * test_exporter.c - the exporter API (flowtap/exporter.h) through the library:
 *  - ft_ipfix_parse: the three transports, [v6] hosts, and bad specs;
 *  - a file read with an IPFIX file exporter whose queues hold 4 records:
 *    the workers wait for room (a file is lossless), so every ended flow is
 *    delivered, none dropped, and the IPFIX file holds one data record per
 *    flow (counted by walking its messages and sets);
 *  - ft_config checks: exporters without tracking, too many, NULL;
 *  - the interim exporter needs an active timeout.
 * Captures come from ftgen ($FTGEN); exits 77 (skipped) when it is not set.
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

#include "flowtap.h"

static char dir[] = "/tmp/ft_exporter_XXXXXX";
static char pcap_path[256], ipfix_path[256];

static void
test_parse(void **state)
{
	struct ft_ipfix_config c;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	ft_ipfix_config_init(&c);
	assert_int_equal(ft_ipfix_parse("udp:127.0.0.1:9995", &c, err), 0);
	assert_int_equal(c.transport, FT_IPFIX_UDP);
	assert_string_equal(c.host, "127.0.0.1");
	assert_string_equal(c.port, "9995");
	assert_int_equal(ft_ipfix_parse("tcp:[::1]:4739", &c, err), 0);
	assert_int_equal(c.transport, FT_IPFIX_TCP);
	assert_string_equal(c.host, "::1");
	assert_int_equal(ft_ipfix_parse("file:/tmp/x.ipfix", &c, err), 0);
	assert_int_equal(c.transport, FT_IPFIX_FILE);
	assert_string_equal(c.path, "/tmp/x.ipfix");
	assert_int_equal(ft_ipfix_parse("udp:host", &c, err), FT_EINVAL);
	assert_int_equal(ft_ipfix_parse("udp:host:port", &c, err), FT_EINVAL);
	assert_int_equal(ft_ipfix_parse("sctp:h:1", &c, err), FT_EINVAL);
	assert_int_equal(ft_ipfix_parse("file:", &c, err), FT_EINVAL);
	assert_non_null(strstr(err, "file:PATH"));
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Data records in an IPFIX file of our templates (fixed record sizes). */
static unsigned
count_records(const char *path, unsigned *seq_errors)
{
	static uint8_t buf[1 << 24];
	FILE *f = fopen(path, "rb");
	size_t n, off = 0;
	unsigned recs = 0;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	*seq_errors = 0;
	while (off + 16 <= n) {
		uint16_t mlen = be16(buf + off + 2);

		assert_int_equal(be16(buf + off), 10); /* IPFIX version */
		assert_true(mlen >= 16 && off + mlen <= n && mlen <= 1400);
		uint32_t seq = (uint32_t)be16(buf + off + 8) << 16 | be16(buf + off + 10);

		if (seq != recs)
			(*seq_errors)++;
		for (size_t s = off + 16; s + 4 <= off + mlen;) {
			uint16_t id = be16(buf + s), slen = be16(buf + s + 2);

			assert_true(slen >= 4);
			if (id == 256)
				recs += (slen - 4) / 63;
			else if (id == 257)
				recs += (slen - 4) / 87;
			s += slen;
		}
		off += mlen;
	}
	assert_int_equal(off, n);
	return recs;
}

static void
test_file_lossless(void **state)
{
	struct ft_config cfg;
	struct ft_ipfix_config ic;
	struct ft_pipeline *p;
	struct ft_stats st;
	char err[FT_ERRBUF_SIZE];
	unsigned seq_errors;

	(void)state;
	ft_ipfix_config_init(&ic);
	assert_int_equal(ft_ipfix_parse(ipfix_path, &ic, err), 0);
	ic.common.queue_slots = 4; /* far fewer than the flows: workers must wait */
	ft_config_init(&cfg);
	cfg.file = pcap_path;
	cfg.workers = 2;
	assert_int_equal(ft_exporter_ipfix_new(&ic, &cfg.exporters[0], err), 0);
	cfg.n_exporters = 1;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	assert_int_equal(ft_pipeline_start(p), 0);
	assert_int_equal(ft_pipeline_wait(p), 0);
	ft_pipeline_stats(p, &st);
	ft_pipeline_destroy(p);
	assert_int_equal(st.n_exporters, 1);
	assert_string_equal(st.exporters[0].name, "ipfix");
	assert_int_equal(st.exporters[0].dropped, 0);
	assert_int_equal(st.export_drop, 0);
	assert_int_equal(st.exporters[0].queued, 0);
	/* every flow of every protocol: ftgen -n 3000 TCP sessions, and its DNS and ICMP */
	uint64_t ended = 0;

	for (int c = 0; c < FT_FLOW_CLASSES; c++)
		ended += st.flows_ended[c];
	assert_true(st.flows_ended[FT_FLOW_CLASS_TCP] == 3000);
	assert_true(ended > 3000);
	assert_int_equal(st.exporters[0].delivered, ended);
	assert_int_equal(count_records(ipfix_path + 5, &seq_errors), ended);
	assert_int_equal(seq_errors, 0);
}

static void
test_config_checks(void **state)
{
	struct ft_config cfg;
	struct ft_ipfix_config ic;
	struct ft_exporter_common c = {64, 0, 16};
	struct ft_exporter *e;
	struct ft_pipeline *p;
	char err[FT_ERRBUF_SIZE];

	(void)state;
	ft_ipfix_config_init(&ic);
	assert_int_equal(ft_ipfix_parse(ipfix_path, &ic, err), 0);
	assert_int_equal(ft_exporter_ipfix_new(&ic, &e, err), 0);
	ft_config_init(&cfg);
	cfg.file = pcap_path;
	cfg.track = 0;
	cfg.exporters[0] = e;
	cfg.n_exporters = 1;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL);
	assert_non_null(strstr(err, "tracking"));
	cfg.track = 1;
	cfg.n_exporters = FT_MAX_EXPORTERS + 1;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL);
	cfg.n_exporters = 2;
	cfg.exporters[1] = NULL;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), FT_EINVAL);
	ft_exporter_free(e); /* create failed: still ours */
	assert_int_equal(ft_exporter_interim_new(&c, NULL, NULL, &e, err), FT_EINVAL);
	ic.mtu = 100;
	assert_int_equal(ft_exporter_ipfix_new(&ic, &e, err), FT_EINVAL);
}

int
main(void)
{
	const char *ftgen = getenv("FTGEN");
	char cmd[1024];
	int rc;

	if (ftgen == NULL) {
		fprintf(stderr, "skip: $FTGEN is not set\n");
		return 77;
	}
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(pcap_path, sizeof(pcap_path), "%s/gen.pcap", dir);
	snprintf(ipfix_path, sizeof(ipfix_path), "file:%s/out.ipfix", dir);
	snprintf(cmd, sizeof(cmd), "'%s' --profile flows -o '%s' -n 3000 -f 40000 >/dev/null",
		ftgen, pcap_path);
	if (system(cmd) != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_file_lossless),
		cmocka_unit_test(test_config_checks),
	};
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
