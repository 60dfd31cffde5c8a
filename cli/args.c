/*
 * cli/: the flowtap program (argument parsing, output, signals), built on the
 * public library API only.
 *
 * args.c - the command line, tcpdump's conventions where they exist:
 *   flowtap [-i IFACE | -r FILE] [options] [BPF filter expression]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

enum {
	OPT_IMMEDIATE = 1000,
	OPT_BUFFER_TIMEOUT,
	OPT_PACKETS,
	OPT_JSON,
	OPT_STATS_INTERVAL,
	OPT_VERSION,
	OPT_HELP,
	OPT_RING_SLOTS,
	OPT_BATCH,
	OPT_ARENA,
	OPT_NO_MMAP,
	OPT_NO_DECODE,
	OPT_NO_FLOWS,
	OPT_NO_TRACK,
	OPT_MAX_FLOWS,
	OPT_TIMEOUT_SYN,
	OPT_TIMEOUT_IDLE,
	OPT_TIMEOUT_CLOSED,
	OPT_TIMEOUT_UDP,
	OPT_TIMEOUT_ICMP,
	OPT_TIMEOUT_OTHER,
	OPT_REORDER_WINDOW,
	OPT_FILE_COUNT,
	OPT_METRICS_LISTEN,
	OPT_LINGER,
	OPT_NO_DEFRAG,
	OPT_DEFRAG_PACKETS,
	OPT_IPFIX,
	OPT_ACTIVE_TIMEOUT,
	OPT_IPFIX_RICH,
	OPT_INTERIM,
	OPT_REDIS,
	OPT_REDIS_MODE,
	OPT_REDIS_KEY,
	OPT_REDIS_DB,
	OPT_REDIS_AUTH_FILE,
	OPT_REDIS_PACKETS,
};

static const char usage_text[] =
	"usage: flowtap [-i IFACE | -r FILE] [options] [BPF filter expression]\n"
	"\n"
	"source:\n"
	"  -i IFACE               capture live from IFACE\n"
	"  -r FILE                read a pcap or pcapng file (- is standard input)\n"
	"  -D                     list capture interfaces and exit\n"
	"capture (live):\n"
	"  -s SNAPLEN             bytes kept per frame (default 65535)\n"
	"  -B KIB                 kernel buffer size in KiB (default 10240; immediate mode:\n"
	"                         4096 frames of the snap length, 10..256 MiB)\n"
	"  -p                     do not put the interface in promiscuous mode\n"
	"  -I                     monitor mode (802.11)\n"
	"  --immediate-mode       deliver every frame at once (no kernel buffering)\n"
	"  --buffer-timeout MS    kernel buffer timeout (default 1000; <= 0 means immediate mode)\n"
	"  -Z USER                drop privileges to USER once the capture is open\n"
	"pipeline:\n"
	"  -W N                   worker threads (default: cores - 1, at least 1)\n"
	"  -c COUNT               stop after COUNT frames\n"
	"  -w FILE                also write the captured frames to FILE (pcap; - is standard\n"
	"                         output, and the records then go to standard error)\n"
	"  -C MB                  -w: start a new file when the next frame would take this one\n"
	"                         past MB million bytes (FILE, FILE1, FILE2, ...)\n"
	"  -G SEC                 -w: start a new file every SEC seconds of packet time; FILE\n"
	"                         may hold strftime(3) conversions (UTC), e.g. cap-%%H%%M%%S.pcap\n"
	"  --file-count N         -w with -C or -G: keep only the last N files (tcpdump's -W;\n"
	"                         flowtap's -W is the worker count)\n"
	"  --ring-slots N         descriptors per worker ring, a power of two (default\n"
	"                         65536 live, 16384 reading a file)\n"
	"  --batch N              frames a worker takes at once (default 32)\n"
	"  --arena-mib N          frame copy space per worker in MiB (default 32)\n"
	"  --no-mmap              read classic pcap files through libpcap, not mmap\n"
	"  --no-decode            do not decode or track (measures the bare pipeline)\n"
	"  --no-track             decode but do not track flows\n"
	"  --max-flows N          flows (every protocol) tracked at once (default 1048576)\n"
	"  --timeout-syn SEC      a half-open session ends after SEC idle (default 30)\n"
	"  --timeout-idle SEC     an established session ends after SEC idle (default 300)\n"
	"  --timeout-closed SEC   a closed session lingers SEC for stray packets (default 30)\n"
	"  --timeout-udp SEC      a UDP flow ends after SEC idle (default 60)\n"
	"  --timeout-icmp SEC     an ICMP/ICMPv6 flow ends after SEC idle (default 30)\n"
	"  --timeout-other SEC    a flow of another IP protocol ends after SEC idle (default 60)\n"
	"  --reorder-window MS    packet time a hole the receiver acknowledged may still fill,\n"
	"                         and a close waits for data captured after it (default 500;\n"
	"                         0 = give holes up at the ACK, end sessions at once)\n"
	"  --no-defrag            do not reassemble IP fragments (each is decoded alone)\n"
	"  --defrag-packets       --packets also prints each reassembled datagram\n"
	"                         (\"reassembled\": true), after its last fragment\n"
	"output:\n"
	"  --packets              one line per packet (tcpdump style, or JSON with --json)\n"
	"  -t, -tt, -ttt, -tttt, -ttttt\n"
	"                         text line timestamps: none; epoch seconds; delta since the\n"
	"                         previous line; date and time; delta since the first packet\n"
	"                         (default: time of day, UTC; per worker: -ttt and -ttttt\n"
	"                         default to -W 1)\n"
	"  --no-flows             do not print a record per TCP session as it ends\n"
	"  --json                 JSON lines: packet, flow and stats records\n"
	"  --stats-interval SEC   stats report every SEC seconds (default 1 live, 0 = off for "
	"files);\n"
	"                         a final report is always printed (stderr, or stdout with "
	"--json)\n"
	"  --metrics-listen ADDR:PORT\n"
	"                         serve Prometheus metrics on http://ADDR:PORT/metrics (\":PORT\"\n"
	"                         is 127.0.0.1; PORT 0 picks one, printed on stderr)\n"
	"  --linger SEC           with --metrics-listen: keep serving the final counts SEC\n"
	"                         seconds after the capture ends (a signal ends it sooner)\n"
	"export (records leave through a bounded queue; what cannot be sent is counted):\n"
	"  --ipfix udp:HOST:PORT|tcp:HOST:PORT|file:PATH\n"
	"                         IPFIX flow records (RFC 7011, biflows; octets are IP-level)\n"
	"  --ipfix-rich           richer IPFIX templates: VLAN ids, icmpTypeCode,\n"
	"                         biflowDirection, flowId (for YAF/SiLK-like collectors)\n"
	"  --active-timeout SEC   interim records of open flows every SEC (default 60 for\n"
	"                         IPFIX; 0 = off)\n"
	"  --interim              also print interim JSON flow records (\"interim\": true)\n"
	"  --redis HOST:PORT      each flow record (the JSON above) into Redis\n"
	"  --redis-mode MODE      xadd (a stream, field json; default), list (RPUSH), publish\n"
	"  --redis-key NAME       stream, list or channel (default flowtap)\n"
	"  --redis-db N           SELECT this database\n"
	"  --redis-auth-file F    AUTH with the password in F (or $FLOWTAP_REDIS_PASSWORD)\n"
	"  --redis-packets        every packet's JSON record into Redis too\n"
	"  --version              print the version and libpcap's, and exit\n"
	"  --help                 this text\n"
	"\n"
	"exit status: 0 done (also when stopped by SIGINT/SIGTERM/SIGHUP); 1 could not start\n"
	"(interface, permission, filter, file) or another runtime error; 2 a usage error;\n"
	"3 the file was cut off mid-record (every whole frame before the cut was processed);\n"
	"4 the interface went down or disappeared; 5 writing the -w file failed.\n"
	"The cause is always on stderr.\n";

static int
parse_num(const char *s, long long min, long long max, long long *out, const char *what)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 0);
	if (*s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "flowtap: %s: invalid value '%s' (expected %lld..%lld)\n", what, s,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
join_filter(int argc, char **argv, struct cli_opts *o)
{
	size_t len = 0;

	if (optind >= argc)
		return 0;
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	o->filter_buf = malloc(len);
	if (o->filter_buf == NULL)
		return -1;
	o->filter_buf[0] = '\0';
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(o->filter_buf, " ");
		strcat(o->filter_buf, argv[i]);
	}
	o->cfg.filter = o->filter_buf;
	return 0;
}

/* -w and its rotation options go together (tcpdump's rules). */
static int
check_write(struct cli_opts *o)
{
	const struct ft_config *c = &o->cfg;
	int rotate = c->write_rotate_bytes != 0 || c->write_rotate_secs != 0;

	if ((rotate || c->write_file_count) && c->write_file == NULL) {
		fprintf(stderr, "flowtap: -C, -G and --file-count need -w FILE\n");
		return -1;
	}
	if (c->write_file_count && !rotate) {
		fprintf(stderr, "flowtap: --file-count needs -C or -G\n");
		return -1;
	}
	if (rotate && strcmp(c->write_file, "-") == 0) {
		fprintf(stderr, "flowtap: -w -: standard output cannot be rotated (-C, -G)\n");
		return -1;
	}
	/* The delta styles refer to the previous or first line of one worker's
	 * output: one worker makes that tcpdump's order, unless -W says otherwise. */
	if ((o->ts_style == FT_TS_DELTA || o->ts_style == FT_TS_SINCE_FIRST) && c->workers == 0)
		o->cfg.workers = 1;
	return 0;
}

int
cli_parse(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		{"immediate-mode", no_argument, NULL, OPT_IMMEDIATE},
		{"buffer-timeout", required_argument, NULL, OPT_BUFFER_TIMEOUT},
		{"packets", no_argument, NULL, OPT_PACKETS},
		{"json", no_argument, NULL, OPT_JSON},
		{"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, OPT_HELP},
		{"ring-slots", required_argument, NULL, OPT_RING_SLOTS},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"arena-mib", required_argument, NULL, OPT_ARENA},
		{"no-mmap", no_argument, NULL, OPT_NO_MMAP},
		{"no-decode", no_argument, NULL, OPT_NO_DECODE},
		{"no-flows", no_argument, NULL, OPT_NO_FLOWS},
		{"no-track", no_argument, NULL, OPT_NO_TRACK},
		{"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
		{"timeout-syn", required_argument, NULL, OPT_TIMEOUT_SYN},
		{"timeout-idle", required_argument, NULL, OPT_TIMEOUT_IDLE},
		{"timeout-closed", required_argument, NULL, OPT_TIMEOUT_CLOSED},
		{"timeout-udp", required_argument, NULL, OPT_TIMEOUT_UDP},
		{"timeout-icmp", required_argument, NULL, OPT_TIMEOUT_ICMP},
		{"timeout-other", required_argument, NULL, OPT_TIMEOUT_OTHER},
		{"reorder-window", required_argument, NULL, OPT_REORDER_WINDOW},
		{"file-count", required_argument, NULL, OPT_FILE_COUNT},
		{"metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN},
		{"linger", required_argument, NULL, OPT_LINGER},
		{"no-defrag", no_argument, NULL, OPT_NO_DEFRAG},
		{"defrag-packets", no_argument, NULL, OPT_DEFRAG_PACKETS},
		{"ipfix", required_argument, NULL, OPT_IPFIX},
		{"active-timeout", required_argument, NULL, OPT_ACTIVE_TIMEOUT},
		{"ipfix-rich", no_argument, NULL, OPT_IPFIX_RICH},
		{"interim", no_argument, NULL, OPT_INTERIM},
		{"redis", required_argument, NULL, OPT_REDIS},
		{"redis-mode", required_argument, NULL, OPT_REDIS_MODE},
		{"redis-key", required_argument, NULL, OPT_REDIS_KEY},
		{"redis-db", required_argument, NULL, OPT_REDIS_DB},
		{"redis-auth-file", required_argument, NULL, OPT_REDIS_AUTH_FILE},
		{"redis-packets", no_argument, NULL, OPT_REDIS_PACKETS},
		{NULL, 0, NULL, 0},
	};
	long long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	ft_config_init(&o->cfg);
	o->active_timeout = -1;
	while ((c = getopt_long(argc, argv, "+i:r:w:c:s:B:pIDZ:W:nhtC:G:", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->cfg.device = optarg;
			break;
		case 'r':
			o->cfg.file = optarg;
			break;
		case 'w':
			o->cfg.write_file = optarg;
			break;
		case 'c':
			if (parse_num(optarg, 1, INT64_MAX, &v, "-c") != 0)
				return -1;
			o->cfg.count = (uint64_t)v;
			break;
		case 's':
			if (parse_num(optarg, 0, 262144, &v, "-s") != 0)
				return -1;
			o->cfg.snaplen =
				v == 0 ? 262144 : (int)v; /* tcpdump: 0 means the maximum */
			break;
		case 'B':
			if (parse_num(optarg, 1, 2097151, &v, "-B") != 0)
				return -1;
			o->cfg.buffer_size = (int)(v * 1024);
			break;
		case 'p':
			o->cfg.promisc = 0;
			break;
		case 'I':
			o->cfg.monitor = 1;
			break;
		case 'D':
			o->list_devices = 1;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'W':
			if (parse_num(optarg, 1, FT_MAX_WORKERS, &v, "-W") != 0)
				return -1;
			o->cfg.workers = (unsigned)v;
			break;
		case 'n':
			break; /* addresses are always numeric */
		case 't':
			if (++o->ts_style > FT_TS_SINCE_FIRST) {
				fprintf(stderr,
					"flowtap: only -t, -tt, -ttt, -tttt and -ttttt exist\n");
				return -1;
			}
			break;
		case 'C': {
			double mb = strtod(optarg, &end);

			if (*optarg == '\0' || *end != '\0' || !(mb * 1e6 >= 1 && mb <= 1e12)) {
				fprintf(stderr,
					"flowtap: -C: invalid value '%s' (million bytes > 0)\n",
					optarg);
				return -1;
			}
			o->cfg.write_rotate_bytes = (uint64_t)(mb * 1e6);
			break;
		}
		case 'G':
			if (parse_num(optarg, 1, 86400 * 366, &v, "-G") != 0)
				return -1;
			o->cfg.write_rotate_secs = (unsigned)v;
			break;
		case OPT_FILE_COUNT:
			if (parse_num(optarg, 1, 1000000, &v, "--file-count") != 0)
				return -1;
			o->cfg.write_file_count = (unsigned)v;
			break;
		case OPT_IMMEDIATE:
			o->cfg.immediate = 1;
			break;
		case OPT_BUFFER_TIMEOUT:
			if (parse_num(optarg, INT32_MIN, INT32_MAX, &v, "--buffer-timeout") != 0)
				return -1;
			o->cfg.buffer_timeout_ms = (int)v;
			break;
		case OPT_PACKETS:
			o->packets = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_STATS_INTERVAL:
			o->cfg.stats_interval = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || o->cfg.stats_interval < 0 ||
				o->cfg.stats_interval > 86400) {
				fprintf(stderr, "flowtap: --stats-interval: invalid value '%s'\n",
					optarg);
				return -1;
			}
			break;
		case OPT_RING_SLOTS:
			if (parse_num(optarg, 64, 1 << 24, &v, "--ring-slots") != 0)
				return -1;
			o->cfg.ring_slots = (unsigned)v;
			break;
		case OPT_BATCH:
			if (parse_num(optarg, 1, 256, &v, "--batch") != 0)
				return -1;
			o->cfg.batch = (unsigned)v;
			break;
		case OPT_ARENA:
			if (parse_num(optarg, 1, 4096, &v, "--arena-mib") != 0)
				return -1;
			o->cfg.arena_bytes = (size_t)v << 20;
			break;
		case OPT_NO_MMAP:
			o->cfg.use_mmap = 0;
			break;
		case OPT_NO_DEFRAG:
			o->cfg.defrag = 0;
			break;
		case OPT_DEFRAG_PACKETS:
			o->cfg.packets_reassembled = 1;
			break;
		case OPT_NO_DECODE:
			o->cfg.decode = 0;
			break;
		case OPT_NO_FLOWS:
			o->no_flows = 1;
			break;
		case OPT_NO_TRACK:
			o->cfg.track = 0;
			o->no_flows = 1;
			break;
		case OPT_MAX_FLOWS:
			if (parse_num(optarg, 1, 1LL << 30, &v, "--max-flows") != 0)
				return -1;
			o->cfg.max_flows = (uint32_t)v;
			break;
		case OPT_TIMEOUT_SYN:
		case OPT_TIMEOUT_IDLE:
		case OPT_TIMEOUT_CLOSED:
		case OPT_TIMEOUT_UDP:
		case OPT_TIMEOUT_ICMP:
		case OPT_TIMEOUT_OTHER: {
			double t = strtod(optarg, &end);

			if (*optarg == '\0' || *end != '\0' || !(t > 0 && t <= 86400 * 365)) {
				fprintf(stderr,
					"flowtap: --timeout-%s: invalid value '%s' (seconds > 0)\n",
					c == OPT_TIMEOUT_SYN     ? "syn"
					: c == OPT_TIMEOUT_IDLE  ? "idle"
					: c == OPT_TIMEOUT_UDP   ? "udp"
					: c == OPT_TIMEOUT_ICMP  ? "icmp"
					: c == OPT_TIMEOUT_OTHER ? "other"
								 : "closed",
					optarg);
				return -1;
			}
			if (c == OPT_TIMEOUT_SYN)
				o->cfg.timeout_syn = t;
			else if (c == OPT_TIMEOUT_IDLE)
				o->cfg.timeout_idle = t;
			else if (c == OPT_TIMEOUT_UDP)
				o->cfg.timeout_udp = t;
			else if (c == OPT_TIMEOUT_ICMP)
				o->cfg.timeout_icmp = t;
			else if (c == OPT_TIMEOUT_OTHER)
				o->cfg.timeout_other = t;
			else
				o->cfg.timeout_closed = t;
			break;
		}
		case OPT_REORDER_WINDOW: {
			double ms = strtod(optarg, &end);

			if (*optarg == '\0' || *end != '\0' || !(ms >= 0 && ms <= 3600e3)) {
				fprintf(stderr,
					"flowtap: --reorder-window: invalid value '%s' "
					"(milliseconds "
					">= 0)\n",
					optarg);
				return -1;
			}
			o->cfg.reorder_window = ms / 1e3;
			break;
		}
		case OPT_METRICS_LISTEN:
			o->metrics_listen = optarg;
			break;
		case OPT_LINGER:
			o->linger = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' ||
				!(o->linger >= 0 && o->linger <= 86400)) {
				fprintf(stderr,
					"flowtap: --linger: invalid value '%s' (0..86400)\n",
					optarg);
				return -1;
			}
			break;
		case OPT_IPFIX:
			o->ipfix = optarg;
			break;
		case OPT_ACTIVE_TIMEOUT: {
			double t = strtod(optarg, &end);

			if (*optarg == '\0' || *end != '\0' || !(t >= 0 && t <= 86400 * 365)) {
				fprintf(stderr,
					"flowtap: --active-timeout: invalid value '%s' (seconds >= "
					"0)\n",
					optarg);
				return -1;
			}
			o->active_timeout = t;
			break;
		}
		case OPT_INTERIM:
			o->interim = 1;
			break;
		case OPT_IPFIX_RICH:
			o->ipfix_rich = 1;
			break;
		case OPT_REDIS:
			o->redis = optarg;
			break;
		case OPT_REDIS_MODE:
			if (strcmp(optarg, "xadd") == 0)
				o->redis_mode = FT_REDIS_XADD;
			else if (strcmp(optarg, "list") == 0)
				o->redis_mode = FT_REDIS_LIST;
			else if (strcmp(optarg, "publish") == 0)
				o->redis_mode = FT_REDIS_PUBLISH;
			else {
				fprintf(stderr,
					"flowtap: --redis-mode: '%s' (expected xadd, list or "
					"publish)\n",
					optarg);
				return -1;
			}
			break;
		case OPT_REDIS_KEY:
			o->redis_key = optarg;
			break;
		case OPT_REDIS_DB:
			if (parse_num(optarg, 0, 1 << 20, &v, "--redis-db") != 0)
				return -1;
			o->redis_db = (int)v;
			break;
		case OPT_REDIS_AUTH_FILE:
			o->redis_auth_file = optarg;
			break;
		case OPT_REDIS_PACKETS:
			o->redis_packets = 1;
			break;
		case OPT_VERSION:
			printf("%s\n", ft_version());
			return 1;
		case 'h':
		case OPT_HELP:
			fputs(usage_text, stdout);
			return 1;
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (join_filter(argc, argv, o) != 0)
		return -1;
	if (o->list_devices)
		return 0;
	if (o->cfg.device == NULL && o->cfg.file == NULL) {
		fprintf(stderr, "flowtap: give -i IFACE or -r FILE (see --help)\n");
		return -1;
	}
	if (o->cfg.device != NULL && o->cfg.file != NULL) {
		fprintf(stderr, "flowtap: -i and -r cannot be used together\n");
		return -1;
	}
	if (o->linger > 0 && o->metrics_listen == NULL) {
		fprintf(stderr, "flowtap: --linger needs --metrics-listen\n");
		return -1;
	}
	if ((o->redis_mode || o->redis_key || o->redis_db || o->redis_auth_file ||
		    o->redis_packets) &&
		o->redis == NULL) {
		fprintf(stderr, "flowtap: --redis-mode, --redis-key, --redis-db, "
				"--redis-auth-file and --redis-packets need --redis HOST:PORT\n");
		return -1;
	}
	if ((o->ipfix || o->redis || o->interim) && !o->cfg.track) {
		fprintf(stderr, "flowtap: --ipfix, --redis and --interim need flow tracking\n");
		return -1;
	}
	return check_write(o);
}
