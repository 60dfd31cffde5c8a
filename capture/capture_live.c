/*
 * capture_live.c - live capture from an interface.
 *
 * Open: pcap_create + node_pcap's session options (snap length, promiscuous,
 * buffer size, buffer timeout or immediate mode, monitor mode) + nanosecond
 * timestamps where the device has them. Warnings from pcap_activate go to the
 * warning callback and do not abort. The filter is compiled with the
 * interface's real netmask (pcap_lookupnet), not its network address.
 *
 * Run: the handle is non-blocking. The loop drains what libpcap has
 * (pcap_dispatch(-1): a whole TPACKET_V3 block at a time in buffered mode),
 * then sleeps in poll() on libpcap's fd and our stop eventfd, at most 100 ms
 * so libpcap's counters are republished regularly even on a silent link. A
 * stop therefore wakes the thread at once, whatever the traffic; it then
 * drains what the kernel still holds (drain()) before it returns.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "flowtap/error.h"
#include "workers/pipeline_internal.h"

#define POLL_MS        100
#define STATS_EVERY_NS 100000000ull

static void warn(struct ft_pipeline *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct ft_pipeline *p, const char *fmt, ...)
{
	char msg[FT_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->cfg.on_warning != NULL)
		p->cfg.on_warning(msg, p->cfg.user);
	else
		fprintf(stderr, "flowtap: warning: %s\n", msg);
}

static int
activate_error(struct ft_pipeline *p, int rc, char *errbuf)
{
	const char *why = pcap_geterr(p->pcap);

	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: no such interface (%s)", p->device, why);
		return FT_ENOENT;
	case PCAP_ERROR_PERM_DENIED:
		snprintf(errbuf, FT_ERRBUF_SIZE,
			"%s: permission denied: capturing needs CAP_NET_RAW (run as root, or "
			"setcap cap_net_raw,cap_net_admin+eip on the program) (%s)",
			p->device, why);
		return FT_EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: interface is down (%s)", p->device, why);
		return FT_EIFDOWN;
	default:
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s%s%s", p->device, pcap_statustostr(rc),
			why[0] ? ": " : "", why);
		return FT_EPCAP;
	}
}

#define BUFFERED_DEFAULT (10 * 1024 * 1024)

int
ft_immediate_buffer_size(int snaplen)
{
	/*
	 * libpcap's TPACKET_V2 slot: the frame (snap length, which libpcap caps at
	 * 65535 + 18 on Ethernet) after a tpacket2_hdr and sockaddr_ll, 16-aligned.
	 */
	uint64_t frame = (uint64_t)(snaplen < 65535 + 18 ? snaplen : 65535 + 18);
	uint64_t slot = (frame + 32 + 20 + 64 + 15) & ~15ull;
	uint64_t want = slot * FT_IMMEDIATE_FRAMES;

	if (want < BUFFERED_DEFAULT)
		want = BUFFERED_DEFAULT;
	if (want > 256u << 20)
		want = 256u << 20;
	return (int)want;
}

int
ft__live_open(struct ft_pipeline *p, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	bpf_u_int32 net, mask;
	int rc, immediate;

	p->use_mmap = 0;
	pcap_err[0] = '\0';
	p->pcap = pcap_create(p->device, pcap_err);
	if (p->pcap == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s", p->device, pcap_err);
		return FT_EPCAP;
	}
	immediate = p->cfg.immediate || p->cfg.buffer_timeout_ms <= 0;
	p->buffer_size = p->cfg.buffer_size > 0 ? p->cfg.buffer_size
			 : immediate            ? ft_immediate_buffer_size(p->cfg.snaplen)
						: BUFFERED_DEFAULT;
	if (pcap_set_snaplen(p->pcap, p->cfg.snaplen) != 0 ||
		(p->cfg.promisc && pcap_set_promisc(p->pcap, 1) != 0) ||
		pcap_set_buffer_size(p->pcap, p->buffer_size) != 0 ||
		(!immediate && pcap_set_timeout(p->pcap, p->cfg.buffer_timeout_ms) != 0) ||
		pcap_set_immediate_mode(p->pcap, immediate) != 0 ||
		(p->cfg.monitor && pcap_set_rfmon(p->pcap, 1) != 0)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: setting capture options: %s", p->device,
			pcap_geterr(p->pcap));
		return FT_EPCAP;
	}
	if (p->cfg.nano)
		(void)pcap_set_tstamp_precision(p->pcap, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(p->pcap);
	if (rc < 0)
		return activate_error(p, rc, errbuf);
	if (rc > 0)
		warn(p, "%s: %s", pcap_statustostr(rc), pcap_geterr(p->pcap));
	p->dlt = pcap_datalink(p->pcap);
	p->snaplen = pcap_snapshot(p->pcap);
	p->ts_digits = pcap_get_tstamp_precision(p->pcap) == PCAP_TSTAMP_PRECISION_NANO ? 9 : 6;
	if (pcap_lookupnet(p->device, &net, &mask, pcap_err) != 0)
		mask = PCAP_NETMASK_UNKNOWN; /* no IPv4 address: only "ip broadcast" cares */
	rc = ft__compile_filter(p, mask, errbuf);
	if (rc != 0)
		return rc;
	if (pcap_setnonblock(p->pcap, 1, pcap_err) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s", p->device, pcap_err);
		return FT_EPCAP;
	}
	return 0;
}

static void
live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ft_pipeline *p = (struct ft_pipeline *)(void *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u +
		      (uint64_t)h->ts.tv_usec * (p->ts_digits == 9 ? 1u : 1000u);

	if (p->write_file != NULL)
		ft__dump(p, h, bytes);
	ft__deliver(p, bytes, h->caplen, h->len, ts, 1);
	if (ft__count_reached(p))
		pcap_breakloop(p->pcap);
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
read_error(struct ft_pipeline *p)
{
	const char *why = pcap_geterr(p->pcap);

	/* libpcap reports a vanished or downed interface in its message. */
	if (strstr(why, "went down") != NULL || strstr(why, "disappeared") != NULL ||
		strstr(why, "No such device") != NULL) {
		ft__set_error(p, FT_EIFDOWN, "%s: %s", p->device, why);
		return FT_EIFDOWN;
	}
	ft__set_error(p, FT_EPCAP, "%s: reading: %s", p->device, why);
	return FT_EPCAP;
}

/*
 * poll() flagged the packet socket. The kernel reports a downed interface as
 * ENETDOWN on the socket; a deleted one leaves no interface of that name.
 */
static int
socket_error(struct ft_pipeline *p)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (if_nametoindex(p->device) == 0) {
		ft__set_error(p, FT_EIFDOWN, "%s: the interface disappeared", p->device);
		return FT_EIFDOWN;
	}
	if (getsockopt(pcap_get_selectable_fd(p->pcap), SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		err != 0) {
		if (err == ENETDOWN || err == ENODEV || err == ENXIO) {
			ft__set_error(p, FT_EIFDOWN, "%s: the interface went down (%s)", p->device,
				strerror(err));
			return FT_EIFDOWN;
		}
		ft__set_error(p, FT_EIO, "%s: %s", p->device, strerror(err));
		return FT_EIO;
	}
	return 0;
}

/*
 * After a stop, frames the kernel has already counted in ps_recv may still sit
 * in a TPACKET_V3 block it has not handed over yet (it does when the block is
 * full or its timeout expires). Read on until every frame it counted has been
 * read or dropped (ps_recv == captured + ps_drop), or one block timeout has
 * passed, so that the final stats add up. On lo the two never meet (libpcap
 * skips the outgoing copy the kernel counted), so the timeout ends it there.
 */
static void
drain(struct ft_pipeline *p, struct pollfd *fd)
{
	int tmo = p->cfg.immediate || p->cfg.buffer_timeout_ms <= 0 ? 0 : p->cfg.buffer_timeout_ms;
	uint64_t deadline = mono_ns() + ((uint64_t)tmo + 50u) * 1000000u;
	int n;

	for (;;) {
		n = pcap_dispatch(p->pcap, -1, live_frame, (u_char *)p);
		if (n < 0 && n != PCAP_ERROR_BREAK)
			return; /* an error now only cuts the drain short */
		ft__publish_pcap_stats(p);
		if (FT_CTR_GET(p->ps_recv) <= FT_CTR_GET(p->ps_drop) + FT_CTR_GET(p->captured) ||
			ft__count_reached(p) || mono_ns() >= deadline)
			return;
		if (n <= 0 && poll(fd, 1, 10) < 0 && errno != EINTR)
			return;
	}
}

int
ft__live_run(struct ft_pipeline *p)
{
	struct pollfd fds[2];
	uint64_t last_stats = 0, now;
	int n, rc = 0;

	fds[0].fd = pcap_get_selectable_fd(p->pcap);
	fds[0].events = POLLIN;
	fds[1].fd = p->evfd;
	fds[1].events = POLLIN;
	while (!ft__stopping(p) && !ft__count_reached(p)) {
		n = pcap_dispatch(p->pcap, -1, live_frame, (u_char *)p);
		if (n == PCAP_ERROR_BREAK)
			continue; /* stop or count: the loop condition decides */
		if (n < 0) {
			rc = read_error(p);
			break;
		}
		now = mono_ns();
		if (now - last_stats >= STATS_EVERY_NS) {
			ft__publish_pcap_stats(p);
			ft__publish_cpu(&p->capture_cpu_ns);
			last_stats = now;
		}
		if (n > 0)
			continue;
		fds[0].revents = 0;
		if (poll(fds, 2, POLL_MS) < 0 && errno != EINTR) {
			ft__set_error(p, FT_EIO, "poll: %s", strerror(errno));
			rc = FT_EIO;
			break;
		}
		if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			rc = socket_error(p);
			if (rc != 0)
				break;
		}
	}
	/* A stop asked for (not an error, a count or a failed consumer): drain. */
	if (rc == 0 && ft__stopping(p) && !ft__count_reached(p) && atomic_load(&p->err) == 0 &&
		!atomic_load(&p->consumer_failed))
		drain(p, &fds[0]);
	ft__publish_pcap_stats(p);
	return rc;
}
