/*
 * overload_probe.c - accounting under deliberate overload, live on the netns
 * test hosts. Run by tests/e2e_overload.sh, which makes the hosts
 * (tests/netns.sh) and passes FT_NS_A, FT_NS_B, FT_IF_B and FT_IP_B: the
 * probe opens its sending socket in A and its capture in B (setns), so the
 * datagrams cross the veth pair and nothing else is on that link.
 *
 * A packet callback sleeps 200 us per frame, the worker ring has 64 slots and
 * the kernel buffer 64 KiB, and N UDP datagrams are sent in one burst from
 * this process, pinned with every pipeline thread to one CPU: the kernel
 * buffer fills while the capture thread cannot run (kernel drops, ps_drop),
 * and the ring fills behind the slow callback (ring drops). After a bounded
 * drain every frame is accounted for exactly once:
 *   ps_recv (frames the kernel saw) == N
 *   ps_recv == captured + ps_drop
 *   captured == delivered + ring_drop, delivered == callback calls
 * and the last stats report (final = 1) equals ft_pipeline_stats() afterwards.
 *
 * libpcap on Linux: ps_recv is the kernel's tp_packets, which counts every
 * frame that passed the filter *including* those dropped for lack of room
 * (tp_drops = ps_drop). Not on lo: the kernel counts lo's outgoing copy that
 * libpcap then skips, and an "inbound" filter does not help (libpcap also
 * runs the filter in user space over the first lap of its ring, where the
 * packet-type load fails, and drops those frames uncounted: tcpdump shows
 * the same hole).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "flowtap.h"

#define N_SEND 20000u

struct ovl {
	atomic_ulong calls;
	atomic_int reports;
	struct ft_stats last; /* the final report */
	int got_final;
};

static void
sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

	nanosleep(&ts, NULL);
}

static int
slow_packet(const struct ft_packet *pkt, void *user)
{
	struct ovl *o = user;

	(void)pkt;
	atomic_fetch_add(&o->calls, 1);
	sleep_us(200); /* the deliberately slow consumer */
	return 0;
}

static void
on_stats(const struct ft_stats *st, int final, void *user)
{
	struct ovl *o = user;

	atomic_fetch_add(&o->reports, 1);
	if (final) {
		o->last = *st;
		o->got_final = 1;
	}
}

static void
enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
}

static void
test_overload_accounting(void **state)
{
	struct ft_config cfg;
	struct ft_pipeline *p;
	struct ft_stats st, fin;
	struct sockaddr_in to;
	struct ovl *o;
	cpu_set_t one;
	char err[FT_ERRBUF_SIZE], filter[96], payload[32];
	uint16_t port = (uint16_t)(20000 + (getpid() * 13 + time(NULL)) % 20000);
	uint64_t prev = UINT64_MAX;
	int fd, stable = 0;

	(void)state;
	o = calloc(1, sizeof(*o));
	assert_non_null(o);
	/* One CPU for the sender and every pipeline thread (inherited). */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);

	/* The sender's socket belongs to A, the capture (and its threads) to B. */
	enter_netns(getenv("FT_NS_A"));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	enter_netns(getenv("FT_NS_B"));

	snprintf(filter, sizeof(filter), "udp and dst port %u", port);
	ft_config_init(&cfg);
	cfg.device = getenv("FT_IF_B");
	cfg.filter = filter;
	cfg.snaplen = 256;
	cfg.buffer_size = 64 * 1024;
	cfg.buffer_timeout_ms = 50;
	cfg.ring_slots = 64;
	cfg.workers = 1;
	cfg.stats_interval = 0.2;
	cfg.on_packet = slow_packet;
	cfg.on_stats = on_stats;
	cfg.user = o;
	assert_int_equal(ft_pipeline_create(&cfg, &p, err), 0);
	assert_int_equal(ft_pipeline_start(p), 0);
	sleep_us(100000);

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, getenv("FT_IP_B"), &to.sin_addr), 1);
	memset(payload, 'o', sizeof(payload));
	for (unsigned i = 0; i < N_SEND; i++)
		assert_int_equal(
			sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)),
			sizeof(payload));
	close(fd);

	/* Bounded drain: until the kernel's count is all read or dropped and stays so. */
	for (int i = 0; i < 300 && stable < 3; i++) {
		sleep_us(50000);
		ft_pipeline_stats(p, &st);
		if (st.pcap_valid && st.ps_recv == st.captured + st.ps_drop && st.ps_recv == prev)
			stable++;
		else
			stable = 0;
		prev = st.ps_recv;
	}
	ft_pipeline_stop(p);
	assert_int_equal(ft_pipeline_wait(p), 0);
	ft_pipeline_stats(p, &fin);
	ft_pipeline_destroy(p);

	print_message("overload: sent %u, ps_recv %llu, ps_drop %llu, captured %llu, "
		      "ring_drop %llu, delivered %llu, reports %d\n",
		N_SEND, (unsigned long long)fin.ps_recv, (unsigned long long)fin.ps_drop,
		(unsigned long long)fin.captured, (unsigned long long)fin.ring_drop,
		(unsigned long long)fin.packets, atomic_load(&o->reports));
	assert_true(fin.pcap_valid);
	/* Conservation. */
	assert_int_equal(fin.ps_recv, N_SEND);
	assert_int_equal(fin.ps_recv, fin.captured + fin.ps_drop);
	assert_int_equal(fin.captured, fin.packets + fin.ring_drop);
	assert_int_equal(fin.discarded, 0);
	assert_int_equal(fin.packets, atomic_load(&o->calls));
	assert_int_equal(fin.workers[0].enqueued, fin.packets);
	/* Drops where they should be: the ring behind the slow callback, and the kernel. */
	assert_true(fin.ring_drop > 0);
	assert_true(fin.ps_drop > 0);
	/* The final report is the final counters. */
	assert_true(o->got_final);
	assert_true(atomic_load(&o->reports) >= 2);
	assert_int_equal(o->last.ps_recv, fin.ps_recv);
	assert_int_equal(o->last.ps_drop, fin.ps_drop);
	assert_int_equal(o->last.captured, fin.captured);
	assert_int_equal(o->last.packets, fin.packets);
	assert_int_equal(o->last.ring_drop, fin.ring_drop);
	assert_int_equal(o->last.bytes, fin.bytes);
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overload_accounting),
	};

	if (getenv("FT_NS_A") == NULL || getenv("FT_NS_B") == NULL || getenv("FT_IF_B") == NULL ||
		getenv("FT_IP_B") == NULL) {
		fprintf(stderr,
			"overload_probe: run by tests/e2e_overload.sh (needs FT_NS_A, FT_NS_B, "
			"FT_IF_B, FT_IP_B)\n");
		return 77;
	}
	return cmocka_run_group_tests_name("overload", tests, NULL, NULL);
}
