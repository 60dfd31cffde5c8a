/* cli.h - the flowtap program's parts (private to cli/). */
#ifndef FT_CLI_H
#define FT_CLI_H

#include <stdint.h>

#include "flowtap.h"

struct cli_opts {
	struct ft_config cfg;
	int packets;                /* --packets */
	int json;                   /* --json */
	int no_flows;               /* --no-flows */
	int list_devices;           /* -D */
	int ts_style;               /* -t count: enum ft_ts_style */
	const char *user;           /* -Z */
	char *filter_buf;           /* filter joined from the trailing arguments */
	const char *metrics_listen; /* --metrics-listen ADDR:PORT, or NULL */
	double linger;              /* --linger SEC: keep serving metrics after the end */

	/* Exporters (flowtap/exporter.h); main() makes them from these. */
	const char *ipfix;           /* --ipfix udp:H:P|tcp:H:P|file:PATH */
	int ipfix_rich;              /* --ipfix-rich */
	double active_timeout;       /* --active-timeout SEC; < 0: each exporter's default */
	int interim;                 /* --interim: JSON interim flow records */
	const char *redis;           /* --redis HOST:PORT */
	int redis_mode;              /* --redis-mode: enum ft_redis_mode; 0 default */
	const char *redis_key;       /* --redis-key */
	int redis_db;                /* --redis-db */
	const char *redis_auth_file; /* --redis-auth-file */
	int redis_packets;           /* --redis-packets */
};

/* args.c: parse argv into o. Returns -1 on a usage error (message printed),
 * 1 when the program should exit 0 at once (--help, --version), 0 otherwise. */
int cli_parse(int argc, char **argv, struct cli_opts *o);

/* output.c: per-worker output buffers and the writers. */
/* Records go to fd (standard output, or standard error with -w -);
 * ts_style: the -t count (enum ft_ts_style). */
int out_init(unsigned n_workers, int json, int ts_style, int fd);
void out_fini(void);
int out_packet(const struct ft_packet *pkt, void *user);
int out_flow(const struct ft_flow_event *ev, void *user);
void out_stats(const struct ft_stats *st, int final, void *user);
void out_flush_all(void);
/* --interim: one JSON flow record with "interim": true (exporter thread). */
void out_interim(const struct ft_flow *f, void *user);
int out_broken_pipe(void);

#endif
