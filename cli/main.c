/*
 * main.c - the flowtap program: parse, open, (drop privileges), run, report.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static struct ft_pipeline *running;
static volatile sig_atomic_t got_signal;
static struct ft_metrics *metrics;
static int print_interim = 1; /* 0: periodic reports feed the metrics only */

/*
 * Exit status: what happened, for scripts (also in --help and the README).
 * 1 is "could not start" and any other runtime error; 2 is a usage error.
 */
enum {
	EXIT_CUT = 3,    /* the file was cut off mid-record (every whole frame processed) */
	EXIT_IFDOWN = 4, /* the interface went down or disappeared */
	EXIT_WRITE = 5,  /* writing the -w file failed (disk full, I/O error) */
};

static int
exit_status(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case FT_ETRUNC:
		return EXIT_CUT;
	case FT_EIFDOWN:
		return EXIT_IFDOWN;
	case FT_ENOSPC:
	case FT_EIO:
		return EXIT_WRITE;
	default:
		return 1;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
	/* ft_pipeline_stop() is async-signal-safe. */
	if (running != NULL)
		ft_pipeline_stop(running);
}

static int
list_devices(int json)
{
	struct ft_device devs[64];
	char err[FT_ERRBUF_SIZE], flags[128];
	unsigned n;

	if (ft_devices(devs, 64, &n, err) != 0) {
		fprintf(stderr, "flowtap: %s\n", err);
		return 1;
	}
	for (unsigned i = 0; i < n && i < 64; i++) {
		ft_device_flags(devs[i].flags, flags, sizeof(flags));
		if (json) {
			printf("{\"type\":\"device\",\"name\":\"%s\",\"flags\":\"%s\","
			       "\"addresses\":[",
				devs[i].name, flags);
			for (unsigned a = 0; a < devs[i].n_addrs; a++)
				printf("%s{\"addr\":\"%s\",\"netmask\":\"%s\"}", a ? "," : "",
					devs[i].addrs[a].addr, devs[i].addrs[a].netmask);
			printf("]}\n");
			continue;
		}
		printf("%u.%s", i + 1, devs[i].name);
		if (devs[i].description[0])
			printf(" (%s)", devs[i].description);
		printf(" [%s]", flags);
		for (unsigned a = 0; a < devs[i].n_addrs; a++)
			printf(" %s", devs[i].addrs[a].addr);
		printf("\n");
	}
	return 0;
}

/* -Z: as tcpdump, after the capture is open and before any thread starts. */
static int
drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		fprintf(stderr, "flowtap: -Z %s: no such user\n", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
		setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "flowtap: -Z %s: cannot change to that user: %s\n", user,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* --redis-auth-file F, else $FLOWTAP_REDIS_PASSWORD: never the command line. */
static int
redis_password(const struct cli_opts *o, char *buf, size_t cap)
{
	const char *env = getenv("FLOWTAP_REDIS_PASSWORD");
	FILE *f;
	size_t n;

	buf[0] = '\0';
	if (o->redis_auth_file == NULL) {
		if (env != NULL)
			snprintf(buf, cap, "%s", env);
		return 0;
	}
	f = fopen(o->redis_auth_file, "r");
	if (f == NULL) {
		fprintf(stderr, "flowtap: --redis-auth-file %s: %s\n", o->redis_auth_file,
			strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)cap, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

static int
add_exporter(struct cli_opts *o, int rc, struct ft_exporter *e, const char *err)
{
	if (rc != 0) {
		fprintf(stderr, "flowtap: %s\n", err);
		return -1;
	}
	o->cfg.exporters[o->cfg.n_exporters++] = e;
	return 0;
}

/* The export options are thin wrappers over flowtap/exporter.h. */
static int
make_exporters(struct cli_opts *o)
{
	char err[FT_ERRBUF_SIZE];
	struct ft_exporter *e = NULL;
	int rc;

	if (o->ipfix != NULL) {
		struct ft_ipfix_config ic;

		ft_ipfix_config_init(&ic);
		if (o->active_timeout >= 0)
			ic.common.active_timeout = o->active_timeout;
		ic.rich = o->ipfix_rich;
		rc = ft_ipfix_parse(o->ipfix, &ic, err);
		if (rc == 0)
			rc = ft_exporter_ipfix_new(&ic, &e, err);
		if (add_exporter(o, rc, e, err) != 0)
			return -1;
	}
	if (o->redis != NULL) {
		struct ft_redis_config rcfg;
		const char *colon = strrchr(o->redis, ':');
		char *end;

		ft_redis_config_init(&rcfg);
		if (o->active_timeout >= 0)
			rcfg.common.active_timeout = o->active_timeout;
		if (colon == NULL || colon == o->redis ||
			(size_t)(colon - o->redis) >= sizeof(rcfg.host)) {
			fprintf(stderr, "flowtap: --redis '%s': expected HOST:PORT\n", o->redis);
			return -1;
		}
		snprintf(rcfg.host, sizeof(rcfg.host), "%.*s", (int)(colon - o->redis), o->redis);
		rcfg.port = (int)strtol(colon + 1, &end, 10);
		if (*end != '\0')
			rcfg.port = 0;
		if (o->redis_mode)
			rcfg.mode = o->redis_mode;
		if (o->redis_key != NULL)
			snprintf(rcfg.key, sizeof(rcfg.key), "%s", o->redis_key);
		rcfg.db = o->redis_db;
		rcfg.packets = o->redis_packets;
		if (redis_password(o, rcfg.password, sizeof(rcfg.password)) != 0)
			return -1;
		rc = ft_exporter_redis_new(&rcfg, &e, err);
		memset(rcfg.password, 0, sizeof(rcfg.password));
		if (add_exporter(o, rc, e, err) != 0)
			return -1;
	}
	if (o->interim) {
		struct ft_exporter_common c = {
			4096, o->active_timeout >= 0 ? o->active_timeout : 60, 262144};

		rc = ft_exporter_interim_new(&c, out_interim, NULL, &e, err);
		if (add_exporter(o, rc, e, err) != 0)
			return -1;
	}
	return 0;
}

static void
free_exporters(struct cli_opts *o)
{
	for (unsigned i = 0; i < o->cfg.n_exporters; i++)
		ft_exporter_free(o->cfg.exporters[i]);
	o->cfg.n_exporters = 0;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL); /* a closed reader shows up as EPIPE */
}

/* The stats thread's reports (and the final one): to the metrics, then printed. */
static void
on_stats(const struct ft_stats *st, int final, void *user)
{
	if (metrics != NULL)
		ft_metrics_update(metrics, st, final);
	if (final || print_interim)
		out_stats(st, final, user);
}

/* --metrics-listen: bind before the capture starts, so a taken port fails early. */
static int
start_metrics(struct cli_opts *o)
{
	char err[FT_ERRBUF_SIZE];

	if (o->metrics_listen == NULL)
		return 0;
	if (ft_metrics_start(o->metrics_listen, &metrics, err) != 0) {
		fprintf(stderr, "flowtap: %s\n", err);
		return -1;
	}
	fprintf(stderr, "flowtap: metrics on port %u (%s)\n", ft_metrics_port(metrics),
		o->metrics_listen);
	/* A file has no periodic reports by default: the metrics need them. */
	if (o->cfg.stats_interval < 0 && o->cfg.file != NULL) {
		o->cfg.stats_interval = 1;
		print_interim = 0;
	}
	return 0;
}

/* --linger: serve the final counts a while longer, until the time is up or a signal. */
static void
linger(double secs)
{
	struct timespec step = {0, 50000000};

	for (double t = 0; t < secs && !got_signal; t += 0.05)
		nanosleep(&step, NULL);
}

int
main(int argc, char **argv)
{
	struct cli_opts o;
	struct ft_pipeline *p;
	char err[FT_ERRBUF_SIZE];
	int rc;

	rc = cli_parse(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (o.list_devices)
		return list_devices(o.json);
	o.cfg.on_packet = o.packets ? out_packet : NULL;
	o.cfg.on_stats = on_stats;
	o.cfg.on_flow = o.no_flows ? NULL : out_flow;

	install_signals();
	if (make_exporters(&o) != 0 || start_metrics(&o) != 0) {
		free_exporters(&o);
		free(o.filter_buf);
		return 1;
	}
	rc = ft_pipeline_create(&o.cfg, &p, err);
	if (rc != 0) {
		fprintf(stderr, "flowtap: %s\n", err);
		ft_metrics_stop(metrics);
		free_exporters(&o); /* still ours: create failed */
		free(o.filter_buf);
		return 1;
	}
	if (o.user != NULL && drop_privileges(o.user) != 0) {
		ft_pipeline_destroy(p);
		ft_metrics_stop(metrics);
		free(o.filter_buf);
		return 1;
	}
	/* -w -: standard output carries the pcap stream, so the records go to stderr. */
	if (out_init(ft_pipeline_workers(p), o.json, o.ts_style,
		    o.cfg.write_file != NULL && strcmp(o.cfg.write_file, "-") == 0
			    ? STDERR_FILENO
			    : STDOUT_FILENO) != 0) {
		fprintf(stderr, "flowtap: out of memory\n");
		ft_pipeline_destroy(p);
		ft_metrics_stop(metrics);
		return 1;
	}
	running = p;
	rc = ft_pipeline_start(p);
	if (rc == 0)
		rc = ft_pipeline_wait(p);
	running = NULL;
	out_flush_all();
	if (rc != 0 && !(rc == FT_ECONSUMER && out_broken_pipe()))
		fprintf(stderr, "flowtap: %s\n",
			ft_pipeline_errmsg(p)[0] ? ft_pipeline_errmsg(p) : ft_strerror(rc));
	ft_pipeline_destroy(p);
	out_fini();
	if (metrics != NULL)
		linger(o.linger);
	ft_metrics_stop(metrics);
	free(o.filter_buf);
	return out_broken_pipe() ? 0 : exit_status(rc);
}
