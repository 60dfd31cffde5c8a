/*
 * latency_hist.c - capture latency of a live capture: for every frame, the
 * time from its capture timestamp (the kernel's) to the packet callback, as a
 * histogram with power-of-two buckets in microseconds.
 *
 *   latency_hist IFACE [SECONDS] [immediate|buffered] [BPF filter]
 *
 * Runs SECONDS (default 10) or until SIGINT/SIGTERM, then prints the
 * histogram and the pipeline's final counters. Uses only the public API.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <flowtap.h>

#define BUCKETS 32

struct hist {
	/* One row per worker: each worker writes only its own, so no atomics per frame. */
	uint64_t n[FT_MAX_WORKERS][BUCKETS];
	uint64_t max_ns[FT_MAX_WORKERS];
};

static struct ft_pipeline *running;
static volatile sig_atomic_t stop_asked;

static void
on_signal(int sig)
{
	(void)sig;
	stop_asked = 1;
	if (running != NULL)
		ft_pipeline_stop(running); /* async-signal-safe */
}

/* Packet callback, on the worker that owns the frame's flow. */
static int
on_packet(const struct ft_packet *pkt, void *user)
{
	struct hist *h = user;
	struct timespec now;
	uint64_t now_ns, lat_ns, us;
	unsigned b = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	lat_ns = now_ns > pkt->ts_ns ? now_ns - pkt->ts_ns : 0;
	for (us = lat_ns / 1000; us > 0 && b < BUCKETS - 1; us >>= 1)
		b++; /* bucket b holds [2^(b-1), 2^b) us; bucket 0 is < 1 us */
	h->n[pkt->worker][b]++;
	if (lat_ns > h->max_ns[pkt->worker])
		h->max_ns[pkt->worker] = lat_ns;
	return 0;
}

static void
print_hist(const struct hist *h, unsigned workers)
{
	uint64_t tot[BUCKETS] = {0}, all = 0, cum = 0, max = 0;

	for (unsigned w = 0; w < workers; w++) {
		for (unsigned b = 0; b < BUCKETS; b++)
			tot[b] += h->n[w][b];
		if (h->max_ns[w] > max)
			max = h->max_ns[w];
	}
	for (unsigned b = 0; b < BUCKETS; b++)
		all += tot[b];
	printf("latency (capture timestamp -> callback), %llu frames, max %.1f us\n",
		(unsigned long long)all, (double)max / 1e3);
	printf("%12s %12s %8s %8s\n", "< us", "frames", "%", "cum %");
	for (unsigned b = 0; b < BUCKETS; b++) {
		if (tot[b] == 0)
			continue;
		cum += tot[b];
		printf("%12llu %12llu %8.2f %8.2f\n", 1ull << b, (unsigned long long)tot[b],
			100.0 * (double)tot[b] / (double)all, 100.0 * (double)cum / (double)all);
	}
}

int
main(int argc, char **argv)
{
	struct ft_config cfg;
	struct ft_pipeline *p;
	struct ft_stats st;
	struct hist *h;
	char err[FT_ERRBUF_SIZE];
	int secs = argc > 2 ? atoi(argv[2]) : 10, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: latency_hist IFACE [SECONDS] [immediate|buffered] [filter]\n");
		return argc < 2 ? 2 : 0;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return 1;
	ft_config_init(&cfg);
	cfg.device = argv[1];
	cfg.immediate = argc > 3 && strcmp(argv[3], "immediate") == 0;
	cfg.filter = argc > 4 ? argv[4] : NULL;
	cfg.stats_interval = 0;
	cfg.on_packet = on_packet;
	cfg.user = h;
	rc = ft_pipeline_create(&cfg, &p, err);
	if (rc != 0) {
		fprintf(stderr, "latency_hist: %s\n", err);
		free(h);
		return 1;
	}
	running = p;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = ft_pipeline_start(p);
	for (int i = 0; rc == 0 && i < secs * 10 && !stop_asked; i++)
		usleep(100000); /* the pipeline runs on its own threads */
	ft_pipeline_stop(p);
	if (rc == 0)
		rc = ft_pipeline_wait(p);
	running = NULL;
	ft_pipeline_stats(p, &st);
	print_hist(h, ft_pipeline_workers(p));
	printf("ps_recv %llu ps_drop %llu ring_drop %llu delivered %llu\n",
		(unsigned long long)st.ps_recv, (unsigned long long)st.ps_drop,
		(unsigned long long)st.ring_drop, (unsigned long long)st.packets);
	if (rc != 0)
		fprintf(stderr, "latency_hist: %s\n", ft_pipeline_errmsg(p));
	ft_pipeline_destroy(p);
	free(h);
	return rc == 0 ? 0 : 1;
}
