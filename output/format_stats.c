/*
 * output/format_stats.c - ft_format_stats_json(): the `stats` record of
 * docs/design.md, as the CLI prints it and the Redis exporter sends it.
 *
 * snprintf is fine here: a stats record is written once per interval, never
 * per packet. Bounded by cap (FT_STATS_FORMAT_MAX always suffices).
 */
#include <inttypes.h>
#include <stdio.h>

#include "flowtap/stats.h"

const char *
ft_flow_class_name(int c)
{
	static const char *const names[FT_FLOW_CLASSES] = {"tcp", "udp", "icmp", "other"};

	return c >= 0 && c < FT_FLOW_CLASSES ? names[c] : "unknown";
}

static double
secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

size_t
ft_format_stats_json(const struct ft_stats *st, int final, char *buf, size_t cap)
{
	size_t len;

	if (cap == 0)
		return 0;

	len = (size_t)snprintf(buf, cap,
		"{\"type\":\"stats\",\"ts\":%.6f,\"final\":%s,\"live\":%s,\"ps_recv\":%" PRIu64
		",\"ps_drop\":%" PRIu64,
		secs(st->ts_ns), final ? "true" : "false", st->live ? "true" : "false", st->ps_recv,
		st->ps_drop);
	if (st->live)
		len += (size_t)snprintf(buf + len, cap - len,
			",\"ps_ifdrop\":%" PRIu64 ",\"buffer_bytes\":%" PRIu64, st->ps_ifdrop,
			st->buffer_bytes);
	len += (size_t)snprintf(buf + len, cap - len,
		",\"captured\":%" PRIu64 ",\"filtered\":%" PRIu64 ",\"packets\":%" PRIu64
		",\"bytes\":%" PRIu64 ",\"ring_drop\":%" PRIu64 ",\"decode_errors\":%" PRIu64
		",\"discarded\":%" PRIu64 ",\"flows_active\":%" PRIu64 ",\"flows_evicted\":%" PRIu64
		",\"flows_untracked\":%" PRIu64 ",\"rst_ignored\":%" PRIu64
		",\"ooo_dropped\":%" PRIu64 ",\"frag_seen\":%" PRIu64
		",\"frag_reassembled\":%" PRIu64 ",\"frag_timeout\":%" PRIu64
		",\"frag_dropped\":%" PRIu64 ",\"frag_overlap\":%" PRIu64
		",\"frag_duplicate\":%" PRIu64 ",\"frag_invalid\":%" PRIu64 ",\"flows\":{",
		st->captured, st->filtered, st->packets, st->bytes, st->ring_drop,
		st->decode_errors, st->discarded, st->flows_active, st->flows_evicted,
		st->flows_untracked, st->rst_ignored, st->ooo_dropped, st->frag_seen,
		st->frag_reassembled, st->frag_timeout, st->frag_dropped, st->frag_overlap,
		st->frag_duplicate, st->frag_invalid);
	for (int c = 0; c < FT_FLOW_CLASSES && len < cap; c++)
		len += (size_t)snprintf(buf + len, cap - len,
			"%s\"%s\":{\"active\":%" PRIu64 ",\"started\":%" PRIu64
			",\"ended\":%" PRIu64 "}",
			c ? "," : "", ft_flow_class_name(c),
			st->flows_started[c] - st->flows_ended[c], st->flows_started[c],
			st->flows_ended[c]);
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "},\"workers\":[");
	for (unsigned i = 0; i < st->n_workers && len < cap; i++) {
		const struct ft_worker_stats *w = &st->workers[i];

		len += (size_t)snprintf(buf + len, cap - len,
			"%s{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"enqueued\":%" PRIu64
			",\"ring_drop\":%" PRIu64 ",\"decode_errors\":%" PRIu64
			",\"flows_active\":%" PRIu64 "}",
			i ? "," : "", w->packets, w->bytes, w->enqueued, w->ring_drop,
			w->decode_errors, w->flows_active);
	}
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len,
			"],\"cpu_ns_per_frame\":{\"capture\":%.1f,\"workers\":[",
			ft_cpu_ns_per_frame(st->capture_cpu_ns, st->captured + st->filtered));
	for (unsigned i = 0; i < st->n_workers && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%.1f", i ? "," : "",
			ft_cpu_ns_per_frame(st->workers[i].cpu_ns,
				st->workers[i].packets + st->workers[i].discarded));
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "]}");
	if (st->n_exporters > 0 && len < cap) {
		len += (size_t)snprintf(buf + len, cap - len,
			",\"export_drop\":%" PRIu64 ",\"export\":[", st->export_drop);
		for (unsigned i = 0; i < st->n_exporters && len < cap; i++)
			len += (size_t)snprintf(buf + len, cap - len,
				"%s{\"name\":\"%s\",\"delivered\":%" PRIu64 ",\"dropped\":%" PRIu64
				",\"queued\":%" PRIu64 "}",
				i ? "," : "", st->exporters[i].name, st->exporters[i].delivered,
				st->exporters[i].dropped, st->exporters[i].queued);
		if (len < cap)
			len += (size_t)snprintf(buf + len, cap - len, "]");
	}
	if (len < cap)
		len += (size_t)snprintf(buf + len, cap - len, "}");
	if (len >= cap)
		len = cap - 1;
	return len;
}
