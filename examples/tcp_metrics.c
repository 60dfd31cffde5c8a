/*
 * tcp_metrics - per TCP session, as it ends: connect time, RTT, packets,
 * bytes, retransmits and missed bytes each way, and ACK latency statistics
 * (node_pcap's examples/tcp_metrics and its session_stats()).
 *
 * What it shows about the API:
 * - The tracker does the measuring: everything printed is a field of
 *   struct ft_flow, read on FT_FLOW_END (flow->close says why it ended;
 *   sessions still open when the capture stops end with "eof").
 * - No per-session state is needed at all; --events adds the session's
 *   other events (start, data, retransmit, gap, reset, SYN retry) as they
 *   happen, each on the worker that owns the session.
 * - ft_community_id() to join these lines with Zeek or Suricata logs.
 */
#include <getopt.h>

#include "tool.h"

static struct tool_opts o;
static int events;

static double
ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* ACK latency of one direction's data: "min/avg/max ms (samples)". */
static void
ack_lat(const struct ft_flow_dir *d, char *out, size_t cap, int json)
{
	double avg =
		d->ack_lat_samples ? (double)d->ack_lat_sum_ns / (double)d->ack_lat_samples : 0;

	if (json)
		snprintf(out, cap,
			"{\"min_ms\":%.3f,\"avg_ms\":%.3f,\"max_ms\":%.3f,\"samples\":%" PRIu64 "}",
			ms((int64_t)d->ack_lat_min_ns), avg / 1e6, ms((int64_t)d->ack_lat_max_ns),
			d->ack_lat_samples);
	else if (d->ack_lat_samples)
		snprintf(out, cap, "%.3f/%.3f/%.3fms (%" PRIu64 ")", ms((int64_t)d->ack_lat_min_ns),
			avg / 1e6, ms((int64_t)d->ack_lat_max_ns), d->ack_lat_samples);
	else
		snprintf(out, cap, "-");
}

static void
print_end(const struct ft_flow *f, uint64_t now)
{
	char line[2048], a[64], b[64], t[40], cid[64], l0[160], l1[160];
	const struct ft_flow_dir *s = &f->dir[FT_DIR_SEND], *r = &f->dir[FT_DIR_RECV];
	double dur = (double)(f->last_ns - f->first_ns) / 1e9;
	int n;

	tool_endpoint(f, 0, a, sizeof(a));
	tool_endpoint(f, 1, b, sizeof(b));
	ack_lat(s, l0, sizeof(l0), o.json);
	ack_lat(r, l1, sizeof(l1), o.json);
	if (o.json) {
		n = snprintf(line, sizeof(line),
			"{\"type\":\"tcp_metrics\",\"ts\":%s,\"flow\":%" PRIu64 ",\"src\":\"%s\","
			"\"dst\":\"%s\",\"duration_s\":%.6f,\"close\":\"%s\",\"state\":\"%s\","
			"\"midstream\":%s,\"connect_ms\":%.3f,\"rtt_ms\":%.3f,"
			"\"send\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"retransmits\":%" PRIu64 ",\"missed\":%" PRIu64
			",\"mss\":%u,\"ack_latency\":%s},"
			"\"recv\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"retransmits\":%" PRIu64 ",\"missed\":%" PRIu64
			",\"mss\":%u,\"ack_latency\":%s},\"community_id\":\"%s\"}\n",
			tool_ts(now, f->ts_digits, t, sizeof(t)), f->id, a, b, dur,
			ft_close_name(f->close), ft_tcp_state_name(f->state),
			f->midstream ? "true" : "false", ms(f->connect_ns), ms(f->rtt_ns),
			s->packets, s->bytes, s->retransmits, s->missed, s->mss, l0, r->packets,
			r->bytes, r->retransmits, r->missed, r->mss, l1,
			ft_community_id(f, cid, sizeof(cid)));
	} else {
		n = snprintf(line, sizeof(line),
			"%s%s%s %s%s -> %s%s end (%s) %.3fs connect %.3fms rtt %.3fms | "
			"send %" PRIu64 " B %" PRIu64 " pkts %" PRIu64 " retrans %" PRIu64
			" missed, ack %s | recv %" PRIu64 " B %" PRIu64 " pkts %" PRIu64
			" retrans %" PRIu64 " missed, ack %s\n",
			TOOL_C(&o, "34"), tool_time(now, t, sizeof(t)), TOOL_RESET(&o),
			TOOL_C(&o, "35"), a, b, TOOL_RESET(&o), ft_close_name(f->close), dur,
			ms(f->connect_ns), ms(f->rtt_ns), s->bytes, s->packets, s->retransmits,
			s->missed, l0, r->bytes, r->packets, r->retransmits, r->missed, l1);
	}
	tool_emit(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static int
on_flow(const struct ft_flow_event *ev, void *user)
{
	(void)user;
	if (!tool_is_tcp(ev->flow))
		return 0; /* UDP, ICMP, ...: not a TCP session */
	if (ev->type == FT_FLOW_END) {
		print_end(ev->flow, ev->ts_ns);
	} else if (events && ev->type == FT_FLOW_DATA) {
		char line[256], a[64], b[64], t[40];
		const struct ft_flow *f = ev->flow;
		int n = snprintf(line, sizeof(line), "%s %s -> %s data %s %" PRIu64 " + %u bytes\n",
			tool_time(ev->ts_ns, t, sizeof(t)),
			tool_endpoint(f, ev->dir == FT_DIR_RECV, a, sizeof(a)),
			tool_endpoint(f, ev->dir != FT_DIR_RECV, b, sizeof(b)),
			ev->dir == FT_DIR_SEND ? "send" : "recv", f->dir[ev->dir].bytes - ev->len,
			ev->len);

		if (!o.json)
			tool_emit(line, (size_t)n);
	} else if (events) {
		tool_tcp_event(&o, ev);
	}
	return atomic_load(&tool_write_failed);
}

static const char usage[] =
	"usage: tcp_metrics [-i IFACE | -r FILE] [options] [BPF filter]\n"
	"One line per TCP session as it ends: duration, connect time (SYN -> the ACK\n"
	"completing the handshake), RTT (SYN -> SYN-ACK), then each way (send: from the\n"
	"side that sent the SYN): bytes (distinct payload), packets, retransmits,\n"
	"missed bytes, and ACK latency (data -> its ACK) min/avg/max (samples).\n"
	"-1 means not measured (no handshake seen).\n"
	"  --events            also print each session's events as they happen\n" TOOL_USAGE_COMMON
	"example (tests/e2e_tools.sh, replayed with -r):\n"
	"  08:48:03.296 10.200.0.1:51564 -> 10.200.0.2:8080 end (fin) 0.001s connect 0.054ms rtt "
	"0.034ms |\n"
	"  send 89 B 10 pkts 0 retrans 0 missed, ack 0.008/0.008/0.008ms (1) | recv 30189 B 8 pkts "
	"0 retrans\n"
	"  0 missed, ack 0.013/0.021/0.032ms (5)\n";

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_LONGOPTS, {"events", no_argument, NULL, 1}, {NULL, 0, NULL, 0}};
	int c;

	tool_opts_init(&o);
	while ((c = getopt_long(argc, argv, TOOL_SHORTOPTS, longopts, NULL)) != -1) {
		if (tool_opt(&o, c, optarg) > 0)
			continue;
		if (c == 1) {
			events = 1;
			continue;
		}
		fprintf(c == 'h' ? stdout : stderr, "%s%s",
			c == 'h' ? "" : "tcp_metrics: bad option or value\n", usage);
		return c == 'h' ? 0 : 2;
	}
	if (tool_opts_finish(&o, argc, argv, optind, "tcp") != 0) {
		fprintf(stderr, "tcp_metrics: give one of -i IFACE or -r FILE\n%s", usage);
		return 2;
	}
	events |= o.tcp_verbose;
	o.cfg.on_flow = on_flow;
	return tool_run("tcp_metrics", &o, NULL);
}
