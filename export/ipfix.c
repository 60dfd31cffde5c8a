/*
 * ipfix.c - IPFIX export (RFC 7011), biflows (RFC 5103), over UDP, TCP or
 * into a file (RFC 5655).
 *
 * Shaped by what collectors do (nfdump 1.7.1's nfcapd, measured):
 *  - data records that arrive before their template are dropped silently, so
 *    every UDP message that is first, or follows template_secs / template_msgs,
 *    starts with the templates (RFC 7011 section 8.4); TCP and a file carry
 *    them once per connection / file;
 *  - the header's sequence number counts data records sent before the message
 *    (section 3.1), or the collector logs sequence errors;
 *  - only the reverse octet and packet counts (PEN 29305, RFC 5103) are mapped;
 *    any other reverse element overwrites its forward field, so the templates
 *    carry those two and nothing else reversed;
 *  - messages stay within the MTU (default 1400 bytes): no IP fragments.
 * With cfg.rich (--ipfix-rich), for collectors that read RFC 5102/5103 in
 * full (YAF/SiLK, libfixbuf's tools; not nfcapd 1.7, see above), the
 * templates also carry the VLAN ids, ICMP type and code in their own
 * element, biflowDirection and flowId (flowtap's record id, so interim and
 * final records of one flow can be joined).
 * Counters are 8 bytes; tcpControlBits is the 1-byte form (pmacct reads only
 * that). Octets are IP-level (header + payload), as octetDeltaCount defines.
 *
 * tcpControlBits: the OR of the TCP flags of every segment of the flow, both
 * directions (struct ft_flow_dir.tcp_flags), as NetFlow's tcp_flags.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "export/exporter_internal.h"
#include "flowtap/error.h"

#define TPL_V4      256
#define TPL_V6      257
#define PEN_REVERSE 29305u
#define MSG_MAX     65535u

struct ie {
	uint16_t id, len;
	uint32_t pen; /* 0: IANA */
};

/* Both templates, with the address elements first. */
static const struct ie fields_tail[] = {
	{7, 2, 0},           /* sourceTransportPort */
	{11, 2, 0},          /* destinationTransportPort */
	{4, 1, 0},           /* protocolIdentifier */
	{6, 1, 0},           /* tcpControlBits (1 byte) */
	{136, 1, 0},         /* flowEndReason */
	{152, 8, 0},         /* flowStartMilliseconds */
	{153, 8, 0},         /* flowEndMilliseconds */
	{1, 8, 0},           /* octetDeltaCount */
	{2, 8, 0},           /* packetDeltaCount */
	{1, 8, PEN_REVERSE}, /* reverse octetDeltaCount */
	{2, 8, PEN_REVERSE}, /* reverse packetDeltaCount */
};
#define N_TAIL   (sizeof(fields_tail) / sizeof(fields_tail[0]))
#define REC_TAIL (2 + 2 + 1 + 1 + 1 + 8 * 6)

/* The rich templates' elements after the tail (icmpTypeCode: per family). */
#define IE_ICMP_TYPE_CODE_V4 32
#define IE_ICMP_TYPE_CODE_V6 139
static const struct ie fields_rich[] = {
	{243, 2, 0}, /* dot1qVlanId (the outer tag; 0: none) */
	{245, 2, 0}, /* dot1qCustomerVlanId (the inner tag of QinQ; 0: none) */
	{0, 2, 0},   /* icmpTypeCodeIPv4 / IPv6 (type << 8 | code; 0 for other protocols) */
	{239, 1, 0}, /* biflowDirection: 1 initiator (src opened it), 0 arbitrary (mid-stream) */
	{148, 8, 0}, /* flowId: the JSON record's id */
};
#define N_RICH   (sizeof(fields_rich) / sizeof(fields_rich[0]))
#define REC_RICH (2 + 2 + 2 + 1 + 8)
#define REC_V4   (4 + 4 + REC_TAIL)
#define REC_V6   (16 + 16 + REC_TAIL)

struct ipfix {
	struct ft_ipfix_config cfg;
	int fd;
	struct addrinfo *ai; /* UDP, TCP: the collector's address */
	uint8_t tpl[512];    /* the template set, built once */
	size_t tpl_len;
	uint8_t msg[MSG_MAX];
	size_t len;         /* bytes in msg; 0: no message open */
	size_t set_off;     /* offset of the open data set's header; 0: none */
	uint16_t set_id;    /* its template */
	unsigned n_recs;    /* data records in msg */
	uint32_t seq;       /* data records sent so far (the header's sequence number) */
	int tpl_due;        /* the next message starts with the templates */
	uint64_t tpl_at_ns; /* when the templates were last sent */
	unsigned msgs_since_tpl;
	uint64_t opened_ns;    /* when the open message got its first record */
	uint64_t retry_ns;     /* TCP: next reconnect attempt */
	uint64_t backoff_ns;   /* TCP: current reconnect delay */
	uint64_t last_poll_ns; /* monotonic time of the last poll */
	uint64_t pace_ns;      /* UDP: the next message may leave at this monotonic time */
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static size_t
put_ie(uint8_t *p, const struct ie *f, uint16_t id)
{
	put16(p, (uint16_t)(id | (f->pen ? 0x8000 : 0)));
	put16(p + 2, f->len);
	if (!f->pen)
		return 4;
	put32(p + 4, f->pen);
	return 8;
}

static size_t
put_template(uint8_t *p, uint16_t id, uint16_t src_ie, uint16_t dst_ie, uint16_t alen, int rich,
	uint16_t icmp_ie)
{
	size_t n = 4;

	put16(p, id);
	put16(p + 2, (uint16_t)(2 + N_TAIL + (rich ? N_RICH : 0)));
	put16(p + n, src_ie);
	put16(p + n + 2, alen);
	put16(p + n + 4, dst_ie);
	put16(p + n + 6, alen);
	n += 8;
	for (size_t i = 0; i < N_TAIL; i++)
		n += put_ie(p + n, &fields_tail[i], fields_tail[i].id);
	for (size_t i = 0; rich && i < N_RICH; i++)
		n += put_ie(
			p + n, &fields_rich[i], fields_rich[i].id ? fields_rich[i].id : icmp_ie);
	return n;
}

static void
build_templates(struct ipfix *x)
{
	size_t n = 4;

	/* source/destinationIPv4Address, source/destinationIPv6Address */
	n += put_template(x->tpl + n, TPL_V4, 8, 12, 4, x->cfg.rich, IE_ICMP_TYPE_CODE_V4);
	n += put_template(x->tpl + n, TPL_V6, 27, 28, 16, x->cfg.rich, IE_ICMP_TYPE_CODE_V6);
	put16(x->tpl, 2); /* template set */
	put16(x->tpl + 2, (uint16_t)n);
	x->tpl_len = n;
}

static void
close_set(struct ipfix *x)
{
	if (x->set_off == 0)
		return;
	put16(x->msg + x->set_off + 2, (uint16_t)(x->len - x->set_off));
	x->set_off = 0;
}

/* Write all of buf; 0 or -1 (errno set). */
static int
write_all(int fd, const uint8_t *buf, size_t len, int stream)
{
	while (len > 0) {
		ssize_t n = stream ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
disconnect(struct ft_exporter *e, struct ipfix *x, const char *why)
{
	fprintf(stderr, "flowtap: ipfix: %s: %s; reconnecting\n", why, strerror(errno));
	close(x->fd);
	x->fd = -1;
	ft__export_healthy(e, 0);
	x->backoff_ns = x->backoff_ns ? x->backoff_ns * 2 : 100000000u;
	if (x->backoff_ns > 5000000000u)
		x->backoff_ns = 5000000000u;
	x->retry_ns = x->last_poll_ns + x->backoff_ns;
}

/*
 * UDP: wait until the next message may leave (cfg.udp_rate); exporter thread
 * only. A schedule, not a gap after each send: pace_ns is when the next
 * message is due, and moves on by one gap per message. Sleeping only when
 * ahead of it, an oversleep (the kernel's 50 us timer slack is as long as
 * the gap at 20,000 a second) is made up by the messages after it, so the
 * rate holds; being behind earns at most PACE_BURST messages back to back
 * (~45 KB at the default MTU, well inside a collector's 200 KiB buffer).
 */
#define PACE_BURST 32u
static void
pace(struct ipfix *x)
{
	uint64_t now, gap;

	if (x->cfg.udp_rate == 0)
		return;
	gap = FT_NS_PER_SEC / x->cfg.udp_rate;
	now = ft__now_ns(CLOCK_MONOTONIC);
	if (x->pace_ns + PACE_BURST * gap < now)
		x->pace_ns = now - PACE_BURST * gap; /* idle a while: a burst's credit at most */
	if (x->pace_ns > now) {
		struct timespec ts = {(time_t)((x->pace_ns - now) / FT_NS_PER_SEC),
			(long)((x->pace_ns - now) % FT_NS_PER_SEC)};

		nanosleep(&ts, NULL);
	}
	x->pace_ns += gap;
}

/* Send the open message; its records are delivered or dropped. */
static void
send_msg(struct ft_exporter *e, struct ipfix *x)
{
	int rc = -1;

	if (x->len == 0)
		return;
	close_set(x);
	put16(x->msg, 10);
	put16(x->msg + 2, (uint16_t)x->len);
	put32(x->msg + 4, (uint32_t)(ft__now_ns(CLOCK_REALTIME) / FT_NS_PER_SEC));
	put32(x->msg + 8, x->seq);
	put32(x->msg + 12, x->cfg.domain);
	if (x->fd >= 0) {
		if (x->cfg.transport == FT_IPFIX_UDP) {
			ssize_t n;

			pace(x);
			n = send(x->fd, x->msg, x->len, 0);

			rc = n == (ssize_t)x->len ? 0 : -1;
		} else {
			rc = write_all(x->fd, x->msg, x->len, x->cfg.transport == FT_IPFIX_TCP);
			if (rc != 0 && x->cfg.transport == FT_IPFIX_TCP)
				disconnect(e, x, "sending");
			else if (rc != 0) {
				fprintf(stderr, "flowtap: ipfix: writing %s: %s\n", x->cfg.path,
					strerror(errno));
				ft__export_healthy(e, 0);
			}
		}
	}
	if (rc == 0) {
		ft__export_done(e, x->n_recs, 0);
		x->seq += x->n_recs;
		x->msgs_since_tpl++;
	} else {
		ft__export_done(e, 0, x->n_recs);
	}
	x->len = 0;
	x->n_recs = 0;
}

static void
open_msg(struct ipfix *x, uint64_t now_ns)
{
	x->len = 16;
	x->set_off = 0;
	x->opened_ns = now_ns;
	if (x->cfg.transport == FT_IPFIX_UDP &&
		(x->msgs_since_tpl >= x->cfg.template_msgs ||
			now_ns - x->tpl_at_ns >= ft__secs_ns(x->cfg.template_secs)))
		x->tpl_due = 1;
	if (x->tpl_due) {
		memcpy(x->msg + x->len, x->tpl, x->tpl_len);
		x->len += x->tpl_len;
		x->tpl_due = 0;
		x->tpl_at_ns = now_ns;
		x->msgs_since_tpl = 0;
	}
}

/* A biflow's tcpControlBits: the flags of both directions (the default
 * template has no reverse element for them: nfcapd 1.7 would overwrite). */
static uint8_t
tcp_flags(const struct ft_flow *f)
{
	return f->proto == 6 ? (uint8_t)(f->dir[0].tcp_flags | f->dir[1].tcp_flags) : 0;
}

static void
ipfix_record(struct ft_exporter *e, const struct ft_export_rec *r)
{
	struct ipfix *x = e->impl;
	const struct ft_flow *f = r->f;
	int v6 = f->ip_v == 6;
	uint16_t tpl = v6 ? TPL_V6 : TPL_V4;
	size_t need = (v6 ? REC_V6 : REC_V4) + (x->cfg.rich ? REC_RICH : 0);
	uint8_t *p;

	if (x->fd < 0 && x->cfg.transport == FT_IPFIX_TCP) {
		ft__export_done(e, 0, 1); /* not connected: counted, not queued */
		return;
	}
	if (x->len != 0 && x->len + need + (x->set_id == tpl && x->set_off ? 0 : 4) > x->cfg.mtu)
		send_msg(e, x);
	if (x->len == 0)
		open_msg(x, x->last_poll_ns);
	if (x->set_off == 0 || x->set_id != tpl) {
		close_set(x);
		x->set_off = x->len;
		x->set_id = tpl;
		put16(x->msg + x->len, tpl);
		x->len += 4;
	}
	p = x->msg + x->len;
	if (v6) {
		memcpy(p, f->src, 16);
		memcpy(p + 16, f->dst, 16);
		p += 32;
	} else {
		memcpy(p, f->src, 4);
		memcpy(p + 4, f->dst, 4);
		p += 8;
	}
	put16(p, f->sport);
	/* ICMP: type and code in the destination port, as NetFlow v5/v9 do and
	 * nfdump reads them (RFC 7011 has icmpTypeCode too; nfcapd maps this). */
	put16(p + 2, f->proto == 1 || f->proto == 58 ? (uint16_t)(f->icmp_type << 8 | f->icmp_code)
						     : f->dport);
	p[4] = f->proto;
	p[5] = tcp_flags(f);
	p[6] = r->reason;
	put64(p + 7, f->first_ns / 1000000u);
	put64(p + 15, f->last_ns / 1000000u);
	put64(p + 23, r->octets[FT_DIR_SEND]);
	put64(p + 31, r->packets[FT_DIR_SEND]);
	put64(p + 39, r->octets[FT_DIR_RECV]);
	put64(p + 47, r->packets[FT_DIR_RECV]);
	if (x->cfg.rich) {
		int icmp = f->proto == 1 || f->proto == 58;

		p += 55;
		put16(p, f->n_vlan > 0 ? f->vlan[0] : 0);
		put16(p + 2, f->n_vlan > 1 ? f->vlan[1] : 0);
		put16(p + 4, icmp ? (uint16_t)(f->icmp_type << 8 | f->icmp_code) : 0);
		p[6] = f->midstream ? 0 : 1;
		put64(p + 7, f->id);
	}
	x->len += need;
	x->n_recs++;
}

static int
tcp_connect(struct ft_exporter *e, struct ipfix *x)
{
	int fd = socket(x->ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, x->ai->ai_addr, x->ai->ai_addrlen) != 0) {
		if (fd >= 0)
			close(fd);
		ft__export_healthy(e, 0);
		return -1;
	}
	x->fd = fd;
	x->tpl_due = 1; /* a new stream: templates first */
	x->backoff_ns = 0;
	ft__export_healthy(e, 1);
	return 0;
}

static int
ipfix_start(struct ft_exporter *e)
{
	struct ipfix *x = e->impl;

	if (x->cfg.transport == FT_IPFIX_TCP && x->fd < 0 && tcp_connect(e, x) != 0) {
		fprintf(stderr, "flowtap: ipfix: connecting to %s:%s: %s; retrying\n", x->cfg.host,
			x->cfg.port, strerror(errno));
		x->backoff_ns = 100000000u;
		return -1;
	}
	return 0;
}

static void
ipfix_poll(struct ft_exporter *e, uint64_t now_ns, int final)
{
	struct ipfix *x = e->impl;

	/* Messages use the wall clock only in their header; ages use the monotonic one. */
	x->last_poll_ns = now_ns;
	if (x->cfg.transport == FT_IPFIX_TCP && x->fd < 0 && now_ns >= x->retry_ns) {
		if (tcp_connect(e, x) != 0) {
			x->backoff_ns = x->backoff_ns ? x->backoff_ns * 2 : 100000000u;
			if (x->backoff_ns > 5000000000u)
				x->backoff_ns = 5000000000u;
			x->retry_ns = now_ns + x->backoff_ns;
		}
	}
	/* A message waits for more records at most 100 ms. */
	if (x->len != 0 && (final || now_ns - x->opened_ns >= 100000000u))
		send_msg(e, x);
	if (final && x->cfg.transport == FT_IPFIX_FILE && x->fd >= 0 && fsync(x->fd) != 0 &&
		errno != EINVAL)
		fprintf(stderr, "flowtap: ipfix: %s: %s\n", x->cfg.path, strerror(errno));
}

static void
ipfix_free(void *impl)
{
	struct ipfix *x = impl;

	if (x == NULL)
		return;
	if (x->fd >= 0)
		close(x->fd);
	if (x->ai != NULL)
		freeaddrinfo(x->ai);
	free(x);
}

/* IPFIX carries no stats records and no packet records. */
static const struct ft_exporter_ops ipfix_ops = {
	.start = ipfix_start, .record = ipfix_record, .poll = ipfix_poll, .free = ipfix_free};

void
ft_ipfix_config_init(struct ft_ipfix_config *c)
{
	memset(c, 0, sizeof(*c));
	ft__export_common_init(&c->common, 60);
	c->transport = FT_IPFIX_UDP;
	snprintf(c->port, sizeof(c->port), "4739");
	c->mtu = 1400;
	c->domain = 1;
	c->template_secs = 60;
	c->template_msgs = 100;
	c->udp_rate = 20000;
}

int
ft_ipfix_parse(const char *spec, struct ft_ipfix_config *c, char *errbuf)
{
	const char *rest, *colon;
	size_t hlen;

	if (strncmp(spec, "file:", 5) == 0) {
		c->transport = FT_IPFIX_FILE;
		if (spec[5] == '\0' || strlen(spec + 5) >= sizeof(c->path))
			goto bad;
		snprintf(c->path, sizeof(c->path), "%s", spec + 5);
		return 0;
	}
	if (strncmp(spec, "udp:", 4) == 0)
		c->transport = FT_IPFIX_UDP;
	else if (strncmp(spec, "tcp:", 4) == 0)
		c->transport = FT_IPFIX_TCP;
	else
		goto bad;
	rest = spec + 4;
	if (*rest == '[') {
		const char *end = strchr(rest, ']');

		if (end == NULL || end[1] != ':')
			goto bad;
		rest++;
		hlen = (size_t)(end - rest);
		colon = end + 1;
	} else {
		colon = strrchr(rest, ':');
		if (colon == NULL)
			goto bad;
		hlen = (size_t)(colon - rest);
	}
	if (hlen == 0 || hlen >= sizeof(c->host) || colon[1] == '\0' ||
		strlen(colon + 1) >= sizeof(c->port) ||
		strspn(colon + 1, "0123456789") != strlen(colon + 1))
		goto bad;
	memcpy(c->host, rest, hlen);
	c->host[hlen] = '\0';
	snprintf(c->port, sizeof(c->port), "%s", colon + 1);
	return 0;
bad:
	snprintf(errbuf, FT_ERRBUF_SIZE,
		"--ipfix '%s': expected udp:HOST:PORT, tcp:HOST:PORT or file:PATH", spec);
	return FT_EINVAL;
}

int
ft_exporter_ipfix_new(const struct ft_ipfix_config *c, struct ft_exporter **out, char *errbuf)
{
	struct addrinfo hints;
	struct ipfix *x;
	int rc;

	if (c->mtu < 256 || c->mtu > MSG_MAX) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "ipfix: mtu must be 256..%u", MSG_MAX);
		return FT_EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return FT_ENOMEM;
	x->cfg = *c;
	x->fd = -1;
	x->tpl_due = 1;
	build_templates(x);
	if (c->transport == FT_IPFIX_FILE) {
		x->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (x->fd < 0) {
			rc = -errno;
			snprintf(errbuf, FT_ERRBUF_SIZE, "ipfix: %.400s: %s", c->path,
				strerror(errno));
			goto fail;
		}
	} else if (c->transport == FT_IPFIX_UDP || c->transport == FT_IPFIX_TCP) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = c->transport == FT_IPFIX_UDP ? SOCK_DGRAM : SOCK_STREAM;
		rc = getaddrinfo(c->host, c->port, &hints, &x->ai);
		if (rc != 0) {
			snprintf(errbuf, FT_ERRBUF_SIZE, "ipfix: %s:%s: %s", c->host, c->port,
				gai_strerror(rc));
			rc = FT_EINVAL;
			goto fail;
		}
		if (c->transport == FT_IPFIX_UDP) {
			/* Connected: the kernel reports an unreachable collector. */
			x->fd = socket(x->ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (x->fd < 0 || connect(x->fd, x->ai->ai_addr, x->ai->ai_addrlen) != 0) {
				rc = -errno;
				snprintf(errbuf, FT_ERRBUF_SIZE, "ipfix: udp %s:%s: %s", c->host,
					c->port, strerror(errno));
				goto fail;
			}
		}
	} else {
		snprintf(errbuf, FT_ERRBUF_SIZE, "ipfix: unknown transport %d", c->transport);
		rc = FT_EINVAL;
		goto fail;
	}
	*out = ft__exporter_new("ipfix", &c->common, &ipfix_ops, x);
	if (*out == NULL) {
		rc = FT_ENOMEM;
		goto fail;
	}
	return 0;
fail:
	ipfix_free(x);
	return rc;
}
