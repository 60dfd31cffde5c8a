/*
 * ft_send.c - a fast frame sender for the live benchmarks (scripts/knee.sh).
 *
 *   ft_send -i IFACE -r FILE [--pps N] [--loops N] [--sendmmsg]
 *
 * Loads every frame of FILE (pcap or pcapng, through libpcap) into memory,
 * then sends them out of IFACE on an AF_PACKET socket: through a
 * PACKET_TX_RING (TPACKET_V2) with PACKET_QDISC_BYPASS, a batch of ring slots
 * filled and then one send() for the batch; or, when the ring cannot be set up
 * (or with --sendmmsg), with sendmmsg() batches. --pps paces by packet count
 * (a token bucket, topped up once per batch from CLOCK_MONOTONIC); without it,
 * flat out. --loops N sends the file N times. Prints one JSON line: frames,
 * bytes, seconds, pps, the mode, and frames the kernel refused.
 *
 * The network rule (design.md): it sends only on the project's test hosts.
 * It refuses an interface that is not a veth, and refuses to run in the
 * initial network namespace: scripts run it inside a namespace they created
 * (tests/netns.sh), with both veth ends inside their namespaces.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#define BATCH      256
#define RING_SLOTS 4096

struct frames {
	uint8_t *data;
	size_t *off;
	uint32_t *len;
	size_t n, cap, bytes, used;
	uint32_t max_len;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
load(const char *file, struct frames *f)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(file, err);
	struct stat sb;
	int rc;

	if (p == NULL) {
		fprintf(stderr, "ft_send: %s: %s\n", file, err);
		return -1;
	}
	/* The frames take no more room than the file does. */
	if (stat(file, &sb) != 0 || (f->data = malloc((size_t)sb.st_size + 1)) == NULL) {
		fprintf(stderr, "ft_send: %s: cannot allocate its size\n", file);
		pcap_close(p);
		return -1;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		if (h->caplen == 0 || f->used + h->caplen > (size_t)sb.st_size)
			continue;
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 65536;
			size_t *off = realloc(f->off, cap * sizeof(*off));
			uint32_t *len = off ? realloc(f->len, cap * sizeof(*len)) : NULL;

			if (off == NULL || len == NULL) {
				fprintf(stderr, "ft_send: out of memory\n");
				pcap_close(p);
				return -1;
			}
			f->off = off;
			f->len = len;
			f->cap = cap;
		}
		memcpy(f->data + f->used, d, h->caplen);
		f->off[f->n] = f->used;
		f->len[f->n] = h->caplen;
		f->used += h->caplen;
		f->bytes += h->caplen;
		if (h->caplen > f->max_len)
			f->max_len = h->caplen;
		f->n++;
	}
	if (rc == -1)
		fprintf(stderr, "ft_send: %s: %s (sending the %zu frames before it)\n", file,
			pcap_geterr(p), f->n);
	pcap_close(p);
	if (f->n == 0) {
		fprintf(stderr, "ft_send: %s: no frames\n", file);
		return -1;
	}
	return 0;
}

/* This process's network namespace is one `ip netns add` made (/run/netns/NAME). */
static int
in_named_netns(void)
{
	struct stat self, ns;
	struct dirent *e;
	char path[512];
	DIR *d;
	int found = 0;

	if (stat("/proc/self/ns/net", &self) != 0 || (d = opendir("/run/netns")) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		found = e->d_name[0] != '.' && stat(path, &ns) == 0 && ns.st_ino == self.st_ino &&
			ns.st_dev == self.st_dev;
	}
	closedir(d);
	return found;
}

/* The network rule: a veth, in a namespace a script created (not the initial one). */
static int
allowed(int fd, const char *ifname)
{
	struct ethtool_drvinfo di = {.cmd = ETHTOOL_GDRVINFO};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 || strcmp(di.driver, "veth") != 0) {
		fprintf(stderr,
			"ft_send: %s is not a veth: it sends only on the test hosts' veth pair "
			"(design.md's network rule)\n",
			ifname);
		return 0;
	}
	if (!in_named_netns()) {
		fprintf(stderr, "ft_send: run it inside a network namespace the script created "
				"(ip netns exec NS ft_send ...), not in the initial one\n");
		return 0;
	}
	return 1;
}

struct sender {
	int fd;
	int ring; /* 1: PACKET_TX_RING; 0: sendmmsg */
	uint8_t *map;
	size_t map_len;
	unsigned frame_size, frame_nr, head;
	struct sockaddr_ll to;
	uint64_t refused;
};

static unsigned
pow2_at_least(unsigned v)
{
	unsigned p = 2048;

	while (p < v)
		p <<= 1;
	return p;
}

static int
setup_ring(struct sender *s, uint32_t max_len)
{
	int v = TPACKET_V2, one = 1;
	struct tpacket_req req;
	unsigned block;

	s->frame_size = pow2_at_least(TPACKET2_HDRLEN + max_len);
	block = s->frame_size > (1u << 16) ? s->frame_size : 1u << 16;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = block;
	req.tp_frame_size = s->frame_size;
	req.tp_block_nr = (RING_SLOTS * s->frame_size + block - 1) / block;
	req.tp_frame_nr = req.tp_block_nr * (block / s->frame_size);
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) != 0 ||
		setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) != 0 ||
		setsockopt(s->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) != 0)
		return -1;
	s->frame_nr = req.tp_frame_nr;
	s->map_len = (size_t)req.tp_block_nr * block;
	s->map = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		return -1;
	}
	s->ring = 1;
	return 0;
}

static struct tpacket2_hdr *
slot(struct sender *s, unsigned i)
{
	return (struct tpacket2_hdr *)(void *)(s->map + (size_t)i * s->frame_size);
}

/* Queue up to n frames from index *next in ring slots, then one send(). */
static size_t
send_ring(struct sender *s, const struct frames *f, size_t *next, size_t n)
{
	size_t queued = 0;

	while (queued < n) {
		struct tpacket2_hdr *h = slot(s, s->head);

		if (h->tp_status == TP_STATUS_WRONG_FORMAT) {
			s->refused++;
			h->tp_status = TP_STATUS_AVAILABLE;
		}
		if (h->tp_status != TP_STATUS_AVAILABLE)
			break; /* the kernel still holds it: send what is queued, come back */
		memcpy((uint8_t *)h + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll),
			f->data + f->off[*next], f->len[*next]);
		h->tp_len = f->len[*next];
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		s->head = (s->head + 1) % s->frame_nr;
		*next = (*next + 1) % f->n;
		queued++;
	}
	/* MSG_DONTWAIT: the kernel sends the queued slots now but we do not wait for
	 * their completion; a busy slot is waited for in poll() (POLLOUT). */
	if (send(s->fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != ENOBUFS && errno != EAGAIN) {
		fprintf(stderr, "ft_send: send: %s\n", strerror(errno));
		return (size_t)-1;
	}
	return queued;
}

static size_t
send_mmsg(struct sender *s, const struct frames *f, size_t *next, size_t n)
{
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	size_t k, idx = *next;
	int sent;

	if (n > BATCH)
		n = BATCH;
	memset(m, 0, sizeof(m[0]) * n);
	for (k = 0; k < n; k++) {
		iov[k].iov_base = f->data + f->off[idx];
		iov[k].iov_len = f->len[idx];
		m[k].msg_hdr.msg_iov = &iov[k];
		m[k].msg_hdr.msg_iovlen = 1;
		m[k].msg_hdr.msg_name = &s->to;
		m[k].msg_hdr.msg_namelen = sizeof(s->to);
		idx = (idx + 1) % f->n;
	}
	sent = sendmmsg(s->fd, m, (unsigned)n, 0);
	if (sent < 0) {
		if (errno == ENOBUFS || errno == EAGAIN)
			return 0;
		fprintf(stderr, "ft_send: sendmmsg: %s\n", strerror(errno));
		return (size_t)-1;
	}
	*next = (*next + (size_t)sent) % f->n;
	return (size_t)sent;
}

static void
usage(void)
{
	fputs("usage: ft_send -i IFACE -r FILE [--pps N] [--loops N] [--sendmmsg]\n"
	      "  sends FILE's frames out of IFACE (a veth, inside a network namespace),\n"
	      "  at N frames/s or flat out, N times; prints one JSON line\n",
		stderr);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"pps", required_argument, NULL, 'p'},
		{"loops", required_argument, NULL, 'l'}, {"sendmmsg", no_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *ifname = NULL, *file = NULL;
	double pps = 0, tokens = 0, t0, t1, last;
	unsigned long loops = 1;
	struct frames f = {0};
	struct sender s = {.fd = -1};
	size_t next = 0, total, done = 0, n, want;
	uint64_t bytes = 0;
	int c, mmsg = 0;
	size_t batch;

	while ((c = getopt_long(argc, argv, "i:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'r':
			file = optarg;
			break;
		case 'p':
			pps = strtod(optarg, NULL);
			break;
		case 'l':
			loops = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			mmsg = 1;
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (ifname == NULL || file == NULL || loops == 0 || pps < 0) {
		usage();
		return 2;
	}
	s.fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: this socket receives nothing */
	if (s.fd < 0) {
		fprintf(stderr, "ft_send: socket: %s (needs CAP_NET_RAW)\n", strerror(errno));
		return 1;
	}
	if (!allowed(s.fd, ifname))
		return 1;
	if (load(file, &f) != 0)
		return 1;
	memset(&s.to, 0, sizeof(s.to));
	s.to.sll_family = AF_PACKET;
	s.to.sll_ifindex = (int)if_nametoindex(ifname);
	s.to.sll_halen = ETH_ALEN;
	if (s.to.sll_ifindex == 0 || bind(s.fd, (struct sockaddr *)&s.to, sizeof(s.to)) != 0) {
		fprintf(stderr, "ft_send: %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	if (!mmsg && setup_ring(&s, f.max_len) != 0) {
		fprintf(stderr, "ft_send: no TX ring (%s): sendmmsg instead\n", strerror(errno));
		s.ring = 0;
		int one = 1;
		(void)setsockopt(s.fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	}
	total = f.n * loops;
	/* Flat out through the ring: half the ring per send(); paced: BATCH at most. */
	batch = s.ring && pps == 0 ? s.frame_nr / 2 : BATCH;
	t0 = last = now_s();
	while (done < total) {
		want = total - done < batch ? total - done : batch;
		if (pps > 0) {
			double t = now_s();

			tokens += (t - last) * pps;
			last = t;
			if (tokens > BATCH)
				tokens = BATCH; /* a burst is one batch at most */
			if (tokens < 1) {
				double wait = (1 - tokens) / pps;

				if (wait > 50e-6) {
					struct timespec ts = {0, (long)(wait * 1e9 / 2)};

					nanosleep(&ts, NULL);
				}
				continue;
			}
			if ((double)want > tokens)
				want = (size_t)tokens;
		}
		size_t from = next;
		n = s.ring ? send_ring(&s, &f, &next, want) : send_mmsg(&s, &f, &next, want);
		if (n == (size_t)-1)
			return 1;
		for (size_t k = 0, i = from; k < n; k++, i = (i + 1) % f.n)
			bytes += f.len[i];
		done += n;
		if (pps > 0)
			tokens -= (double)n;
		if (n == 0) {
			struct pollfd pfd = {.fd = s.fd, .events = POLLOUT};

			(void)poll(&pfd, 1, 1);
		}
	}
	if (s.ring) {
		/* Wait (bounded) for the kernel to finish the last slots. */
		for (int i = 0; i < 1000; i++) {
			unsigned busy = 0;

			for (unsigned k = 0; k < s.frame_nr; k++) {
				unsigned st =
					__atomic_load_n(&slot(&s, k)->tp_status, __ATOMIC_ACQUIRE);

				if (st == TP_STATUS_WRONG_FORMAT) {
					s.refused++;
					slot(&s, k)->tp_status = TP_STATUS_AVAILABLE;
				} else if (st != TP_STATUS_AVAILABLE) {
					busy++;
				}
			}
			if (busy == 0)
				break;
			(void)send(s.fd, NULL, 0, 0);
			struct timespec ts = {0, 1000000};

			nanosleep(&ts, NULL);
		}
	}
	t1 = now_s();
	printf("{\"type\":\"ft_send\",\"iface\":\"%s\",\"mode\":\"%s\",\"frames\":%zu,\"bytes\":%"
	       "llu,"
	       "\"refused\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"target_pps\":%.0f,\"loops\":%lu}"
	       "\n",
		ifname, s.ring ? "tx_ring" : "sendmmsg", done, (unsigned long long)bytes,
		(unsigned long long)s.refused, t1 - t0, (double)done / (t1 - t0), pps, loops);
	if (s.map != NULL)
		munmap(s.map, s.map_len);
	close(s.fd);
	free(f.data);
	free(f.off);
	free(f.len);
	return 0;
}
