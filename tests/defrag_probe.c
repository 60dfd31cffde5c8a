/*
 * defrag_probe.c - what flowtap reassembles from a capture, one line per
 * datagram, for tests/e2e_defrag.sh to hold against tshark's reassembly:
 *   defrag_probe FILE WORKERS [nommap]
 *   <frame n> TAB <IP version> TAB <UDP payload as hex, or "-" when not UDP>
 * sorted by frame by the caller; then one line "stats" TAB the frag counters
 * and the conservation check (sum of workers' reassembled == frag_reassembled).
 * Runs the library's pipeline as an application does: packets_reassembled on,
 * the callback sees every frame and picks the reassembled ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "flowtap.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long n_reassembled;

static int
on_packet(const struct ft_packet *pkt, void *user)
{
	const struct ft_decoded *d = pkt->dec;
	static const char hex[] = "0123456789abcdef";

	(void)user;
	if (!pkt->reassembled)
		return 0;
	pthread_mutex_lock(&out_lock);
	n_reassembled++;
	printf("%llu\t%u\t", (unsigned long long)pkt->n, (unsigned)d->ip.v);
	if ((d->layers & FT_LAYER_UDP) && !(d->layers & FT_LAYER_TUNNEL) && d->l4_payload != NULL) {
		for (uint32_t i = 0; i < d->l4_payload_len; i++) {
			putchar(hex[d->l4_payload[i] >> 4]);
			putchar(hex[d->l4_payload[i] & 15]);
		}
		if (d->l4_payload_len == 0)
			putchar('-');
	} else {
		putchar('-');
	}
	putchar('\n');
	pthread_mutex_unlock(&out_lock);
	return 0;
}

int
main(int argc, char **argv)
{
	char err[FT_ERRBUF_SIZE];
	struct ft_config cfg;
	struct ft_pipeline *p;
	struct ft_stats st;
	uint64_t sum = 0;
	int rc;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: defrag_probe FILE WORKERS [nommap]\n");
		return 2;
	}
	ft_config_init(&cfg);
	cfg.file = argv[1];
	cfg.workers = (unsigned)atoi(argv[2]);
	cfg.on_packet = on_packet;
	cfg.packets_reassembled = 1;
	cfg.use_mmap = argc == 3; /* nommap: libpcap's reader, frames copied to the arena */
	rc = ft_pipeline_create(&cfg, &p, err);
	if (rc != 0) {
		fprintf(stderr, "defrag_probe: %s\n", err);
		return 1;
	}
	rc = ft_pipeline_start(p);
	if (rc == 0)
		rc = ft_pipeline_wait(p);
	ft_pipeline_stats(p, &st);
	for (unsigned i = 0; i < st.n_workers; i++)
		sum += st.workers[i].reassembled;
	printf("stats\tseen=%llu reassembled=%llu timeout=%llu dropped=%llu overlap=%llu "
	       "duplicate=%llu invalid=%llu conserved=%d callbacks=%d\n",
		(unsigned long long)st.frag_seen, (unsigned long long)st.frag_reassembled,
		(unsigned long long)st.frag_timeout, (unsigned long long)st.frag_dropped,
		(unsigned long long)st.frag_overlap, (unsigned long long)st.frag_duplicate,
		(unsigned long long)st.frag_invalid, sum == st.frag_reassembled,
		n_reassembled == st.frag_reassembled);
	ft_pipeline_destroy(p);
	if (rc != 0 && rc != FT_ETRUNC) {
		fprintf(stderr, "defrag_probe: %s\n", ft_strerror(rc));
		return 1;
	}
	return 0;
}
