/*
 * test_tracker.c - the TCP session tracker (tracker/tracker.h) on hand-built
 * segment sequences: every frame is built here (Ethernet / 802.1Q / IPv4 or
 * IPv6 / TCP with options), decoded with ft_decode() and fed to
 * ft__tracker_packet(); every flow event is recorded (DATA bytes copied into a
 * per-session, per-direction buffer) and checked:
 *  - event order per session (START first, END exactly once and last, nothing
 *    after END), DATA/GAP sequence numbers contiguous (each byte once);
 *  - the reassembled stream equals what was sent: in order, reversed pairs,
 *    retransmissions, partial overlaps, holes (ACKed past, filled late, at
 *    close, forced by the per-flow buffer cap), wrap-around, and a randomised
 *    reorder/duplicate/overlap sequence checked against a byte map;
 *  - the state machine: handshake, FIN from either side, simultaneous open
 *    and close, RST, SYN retry, port reuse, mid-stream join, timeouts by state,
 *    closed sessions lingering, eviction, flush at end of file;
 *  - the measurements: packets/bytes/retransmits/missed, connect time, RTT,
 *    MSS/window scale, data->ACK latency, first/last timestamps;
 *  - keys: IPv6, VLAN ids; ft__tracker_visit(); community ID test vectors;
 *    the flow JSON record's names;
 *  - flows of the other IP protocols: UDP (packets, bytes, octets per
 *    direction, one DATA per datagram with its bytes), ICMP/ICMPv6 echo
 *    (request and reply one flow, the identifier a key), another protocol
 *    (RSVP), per-protocol timeouts, eviction under the shared bound, the
 *    per-class counters, their JSON records and Community IDs (the
 *    specification's baseline vectors for TCP, UDP, ICMP, ICMPv6, SCTP, RSVP).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <urcu/urcu-qsbr.h>

#include "flowtap.h"
#include "flowtap/flow.h"
#include "core/sha1.h"
#include "gen/frame.h"
#include "tracker/tracker.h"

#define T0     (UINT64_C(1767225600) * UINT64_C(1000000000))
#define US     UINT64_C(1000)
#define MS     UINT64_C(1000000)
#define SEC    UINT64_C(1000000000)
#define WORKER 3u

#define MAX_EV 8192
#define MAX_S  16
#define SBUF   (1u << 16)
#define STREAM (1u << 16)

/* ---- the streams: payload bytes are a function of (direction, offset) ----- */

static uint8_t stream[2][STREAM];

static void
init_streams(void)
{
	for (unsigned d = 0; d < 2; d++)
		for (uint32_t i = 0; i < STREAM; i++)
			stream[d][i] = (uint8_t)((i * 131u) ^ (i >> 7) ^ (d ? 0xa5u : 0x3cu));
}

/* ---- event recorder ------------------------------------------------------- */

struct ev {
	enum ft_flow_event_type type;
	enum ft_dir dir;
	uint32_t len, seq;
	uint64_t ts;
	int has_data;
	struct ft_flow f;
};

struct sess {
	uint64_t id;
	uint32_t n[2];   /* DATA bytes received per direction */
	uint32_t gap[2]; /* GAP bytes per direction */
	uint32_t next_seq[2];
	int have_seq[2];
	int ended;
	uint8_t *buf[2];
};

struct rec {
	struct ev *ev;
	unsigned nev;
	struct sess s[MAX_S];
	unsigned ns;
	unsigned errors; /* contract violations seen in the callback */
	int reassemble;
	int ret; /* what the callback returns */
};

static struct sess *
sess_of(struct rec *r, uint64_t id)
{
	for (unsigned i = 0; i < r->ns; i++)
		if (r->s[i].id == id)
			return &r->s[i];
	if (r->ns == MAX_S)
		return NULL;
	struct sess *s = &r->s[r->ns++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->buf[0] = calloc(1, SBUF);
	s->buf[1] = calloc(1, SBUF);
	return s;
}

static void
violation(struct rec *r, const char *what, const struct ft_flow_event *e)
{
	r->errors++;
	fprintf(stderr,
		"tracker contract violated: %s (event %d dir %d seq %" PRIu32 " len %" PRIu32
		" flow id %" PRIu64 ")\n",
		what, (int)e->type, (int)e->dir, e->seq, e->len, e->flow ? e->flow->id : 0);
}

static int
on_flow(const struct ft_flow_event *e, void *user)
{
	struct rec *r = user;
	struct sess *s;
	unsigned d;

	if (e->flow == NULL) {
		violation(r, "event without a flow", e);
		return r->ret;
	}
	s = sess_of(r, e->flow->id);
	if (s == NULL) {
		violation(r, "too many sessions for the recorder", e);
		return r->ret;
	}
	if (s->ended)
		violation(r, "event after END", e);
	if ((e->flow->id & 0xff) != WORKER || e->flow->worker != WORKER)
		violation(r, "flow id / worker do not carry the worker index", e);
	if (r->nev < MAX_EV) {
		struct ev *v = &r->ev[r->nev++];

		v->type = e->type;
		v->dir = e->dir;
		v->len = e->len;
		v->seq = e->seq;
		v->ts = e->ts_ns;
		v->has_data = e->data != NULL;
		v->f = *e->flow;
	}
	d = e->dir == FT_DIR_RECV ? 1 : 0;
	switch (e->type) {
	case FT_FLOW_DATA:
	case FT_FLOW_GAP:
		if (e->len == 0)
			violation(r, "empty DATA/GAP", e);
		if (s->have_seq[d] && e->seq != s->next_seq[d] && e->flow->proto == 6)
			violation(r, "DATA/GAP not contiguous with the previous one", e);
		s->have_seq[d] = 1;
		s->next_seq[d] = e->seq + e->len;
		if (e->type == FT_FLOW_GAP) {
			s->gap[d] += e->len;
			break;
		}
		if (r->reassemble && e->data == NULL)
			violation(r, "DATA without bytes while reassembling", e);
		if (!r->reassemble && e->data != NULL)
			violation(r, "DATA with bytes while not reassembling", e);
		if (e->data != NULL && s->n[d] + e->len <= SBUF)
			memcpy(s->buf[d] + s->n[d], e->data, e->len);
		s->n[d] += e->len;
		break;
	case FT_FLOW_END:
		s->ended = 1;
		if (e->flow->close == FT_CLOSE_NONE)
			violation(r, "END without a close reason", e);
		break;
	default:
		break;
	}
	return r->ret;
}

/* Number of events of a type for session index si (-1: any type). */
static unsigned
n_ev(const struct rec *r, unsigned si, int type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < r->nev; i++)
		if (r->ev[i].f.id == r->s[si].id && (type < 0 || (int)r->ev[i].type == type))
			n++;
	return n;
}

/* The k-th event of a type for session si, or NULL. */
static const struct ev *
ev_k(const struct rec *r, unsigned si, int type, unsigned k)
{
	for (unsigned i = 0; i < r->nev; i++)
		if (r->ev[i].f.id == r->s[si].id && (int)r->ev[i].type == type && k-- == 0)
			return &r->ev[i];
	return NULL;
}

/* The recorder's index of the session whose client port is port. */
static unsigned
si_of_port(const struct rec *r, uint16_t port)
{
	for (unsigned si = 0; si < r->ns; si++)
		for (unsigned i = 0; i < r->nev; i++)
			if (r->ev[i].f.id == r->s[si].id &&
				(r->ev[i].f.sport == port || r->ev[i].f.dport == port))
				return si;
	fail_msg("no session on port %u", port);
	return 0;
}

/* The flow as the END event saw it. */
static const struct ft_flow *
end_flow(const struct rec *r, unsigned si)
{
	const struct ev *e = ev_k(r, si, FT_FLOW_END, 0);

	assert_non_null(e);
	return &e->f;
}

/*
 * Order rules per session: at most one START, before any DATA, RETRANSMIT or
 * GAP (only SYN_RETRY and RESET may come without a START); END exactly once
 * (when must_end) and last.
 */
static void
check_order(const struct rec *r, int must_end)
{
	assert_int_equal(r->errors, 0);
	for (unsigned si = 0; si < r->ns; si++) {
		int started = 0, ended = 0;
		unsigned k = 0;

		for (unsigned i = 0; i < r->nev; i++) {
			const struct ev *e = &r->ev[i];

			if (e->f.id != r->s[si].id)
				continue;
			assert_false(ended);
			switch (e->type) {
			case FT_FLOW_START:
				assert_false(started);
				started = 1;
				/* Only a SYN retry may come before it. */
				for (unsigned j = 0; j < i; j++)
					if (r->ev[j].f.id == e->f.id)
						assert_int_equal(r->ev[j].type, FT_FLOW_SYN_RETRY);
				break;
			case FT_FLOW_DATA:
			case FT_FLOW_RETRANSMIT:
			case FT_FLOW_GAP:
				assert_true(started);
				break;
			case FT_FLOW_END:
				ended = 1;
				break;
			default:
				break;
			}
			k++;
		}
		if (must_end)
			assert_true(ended);
	}
}

/* ---- the test context and the frame builder ------------------------------ */

struct conn {
	int v6;
	uint8_t addr[2][16]; /* [0]: client (A), [1]: server (B) */
	uint16_t port[2];
	uint16_t vlan[2];
	uint8_t n_vlan;
	uint32_t isn[2];
	uint32_t hi[2]; /* payload bytes sent (highest end offset) */
	int fin[2];
	uint16_t mss[2];
	uint8_t ws[2];
	uint64_t t_syn, t_synack, t_ack;
};

struct tt {
	struct ft_tracker *tr;
	struct ft_tracker_config cfg;
	struct rec *rec;
	uint64_t now;
	uint64_t nframe;
	int rc; /* the last ft__tracker_packet() result */
};

static struct ft_tracker_config
cfg_default(void)
{
	struct ft_tracker_config c;

	memset(&c, 0, sizeof(c));
	c.max_flows = 64;
	c.ooo_flow_bytes = 1u << 16;
	c.ooo_bytes = 1u << 20;
	c.reassemble = 1;
	c.timeout_syn_ns = 30 * SEC;
	c.timeout_idle_ns = 300 * SEC;
	c.timeout_closed_ns = 30 * SEC;
	c.timeout_udp_ns = 60 * SEC;
	c.timeout_icmp_ns = 30 * SEC;
	c.timeout_other_ns = 60 * SEC;
	c.worker = WORKER;
	c.on_flow = on_flow;
	return c;
}

static void
tt_open(struct tt *t, const struct ft_tracker_config *cfg)
{
	char err[256] = "";

	memset(t, 0, sizeof(*t));
	t->rec = calloc(1, sizeof(*t->rec));
	assert_non_null(t->rec);
	t->rec->ev = calloc(MAX_EV, sizeof(struct ev));
	assert_non_null(t->rec->ev);
	t->cfg = cfg ? *cfg : cfg_default();
	t->cfg.user = t->rec;
	t->rec->reassemble = t->cfg.reassemble;
	t->tr = ft__tracker_new(&t->cfg, err, sizeof(err));
	if (t->tr == NULL)
		fail_msg("ft__tracker_new: %s", err);
	t->now = T0;
}

static void
tt_close(struct tt *t)
{
	urcu_qsbr_thread_offline();
	ft__tracker_free(t->tr);
	urcu_qsbr_thread_online();
	for (unsigned i = 0; i < t->rec->ns; i++) {
		free(t->rec->s[i].buf[0]);
		free(t->rec->s[i].buf[1]);
	}
	free(t->rec->ev);
	free(t->rec);
}

/* Session i: 10.0.0.1:(40000+i) -> 10.0.0.2:80 (or fd00::1 -> fd00::2). */
static void
conn_init(struct conn *c, unsigned i, int v6)
{
	memset(c, 0, sizeof(*c));
	c->v6 = v6;
	if (v6) {
		memcpy(c->addr[0], "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		memcpy(c->addr[1], "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	} else {
		memcpy(c->addr[0], "\x0a\0\0\x01", 4);
		memcpy(c->addr[1], "\x0a\0\0\x02", 4);
	}
	c->port[0] = (uint16_t)(40000 + i);
	c->port[1] = 80;
	c->isn[0] = 1000u + i * 7919u;
	c->isn[1] = 5000000u + i * 104729u;
	c->mss[0] = 1460;
	c->mss[1] = 1400;
	c->ws[0] = 7;
	c->ws[1] = 8;
}

/*
 * Ethernet (c's VLAN tags) and the IP header of a packet of protocol proto
 * with l4len bytes after it, from side `from` of c, into f. Returns the
 * offset of the L4 header.
 */
static size_t
l2l3(const struct tt *t, const struct conn *c, int from, uint8_t proto, uint32_t l4len, uint8_t *f)
{
	size_t o;

	o = ftg_eth(f, (const uint8_t *)(from ? "\x02\0\0\0\0\x0a" : "\x02\0\0\0\0\x0b"),
		(const uint8_t *)(from ? "\x02\0\0\0\0\x0b" : "\x02\0\0\0\0\x0a"), c->vlan,
		c->n_vlan, c->v6 ? 0x86dd : 0x0800);
	if (c->v6)
		return o + ftg_ip6(f + o, c->addr[from], c->addr[!from], proto, 64, 0, l4len);
	return o + ftg_ip4(f + o, c->addr[from], c->addr[!from], proto, 64, (uint16_t)t->nframe,
			   proto == 6 ? 0x4000 : 0, FTG_IP4, FTG_IP4 + l4len);
}

/* Hand the decoded frame f[0..o) (of wire length len) to the tracker at t->now + 10 us. */
static int
feed_len(struct tt *t, const uint8_t *f, size_t o, size_t len, const struct ft_decoded *dec)
{
	struct ft_packet p;
	int rc;

	t->now += 10 * US;
	memset(&p, 0, sizeof(p));
	p.n = ++t->nframe;
	p.ts_ns = t->now;
	p.caplen = (uint32_t)o;
	p.len = (uint32_t)len;
	p.dlt = FT_DLT_EN10MB;
	p.ts_digits = 9;
	p.worker = (uint16_t)WORKER;
	p.data = f;
	p.dec = dec;
	rc = ft__tracker_packet(t->tr, &p);
	urcu_qsbr_quiescent_state();
	t->rc = rc;
	return rc;
}

static int
feed(struct tt *t, const uint8_t *f, size_t o, const struct ft_decoded *dec)
{
	return feed_len(t, f, o, o, dec);
}

/*
 * One TCP frame from side `from` of c, at t->now + 10 us. SYNs carry MSS and
 * window scale. Returns the tracker's result.
 */
static int tx_cut(struct tt *t, struct conn *c, int from, uint32_t seq, uint32_t ack,
	uint16_t flags, const uint8_t *pl, uint32_t len, uint32_t cut, int lie);

static int
tx(struct tt *t, struct conn *c, int from, uint32_t seq, uint32_t ack, uint16_t flags,
	const uint8_t *pl, uint32_t len)
{
	return tx_cut(t, c, from, seq, ack, flags, pl, len, 0, 0);
}

/*
 * The same frame with its last `cut` bytes not captured: cut by the snap
 * length (caplen < len), or, with lie, a frame that simply ends there while
 * its IP header still claims them (caplen = len).
 */
static int
tx_cut(struct tt *t, struct conn *c, int from, uint32_t seq, uint32_t ack, uint16_t flags,
	const uint8_t *pl, uint32_t len, uint32_t cut, int lie)
{
	uint8_t f[2048];
	size_t o = 0;
	unsigned optlen = (flags & FT_TCP_SYN) ? 8 : 0;
	struct ft_decoded dec;
	int rc;

	assert_true(len <= 1400);
	memset(f, 0, sizeof(f));
	o = l2l3(t, c, from, 6, 20 + optlen + len, f);
	o += ftg_tcp(f + o, c->port[from], c->port[!from], seq, (flags & FT_TCP_ACK) ? ack : 0,
		flags, 502, FTG_TCP + optlen);
	if (optlen) {
		f[o] = 2;
		f[o + 1] = 4;
		ftg_wr16(f + o + 2, c->mss[from]);
		f[o + 4] = 1;
		f[o + 5] = 3;
		f[o + 6] = 3;
		f[o + 7] = c->ws[from];
		o += 8;
	}
	if (len)
		memcpy(f + o, pl, len);
	o += len;
	while (o < 60)
		o++; /* Ethernet padding: never payload */

	assert_true(cut <= len && (cut == 0 || o == 14 + 20 + 20 + len));
	memset(&dec, 0, sizeof(dec));
	(void)ft_decode(FT_DLT_EN10MB, f, (uint32_t)(o - cut), (uint32_t)(lie ? o - cut : o), &dec);
	assert_true(dec.layers & FT_LAYER_TCP);
	assert_int_equal(dec.tcp.len, len);
	assert_int_equal(dec.l4_payload_len, len - cut);

	rc = feed_len(t, f, o - cut, lie ? o - cut : o, &dec);
	return rc;
}

static uint32_t
sq(const struct conn *c, int d, uint32_t off)
{
	return c->isn[d] + 1u + off;
}

/* What side d acknowledges: everything the other side sent (FIN included). */
static uint32_t
ackv(const struct conn *c, int d)
{
	return c->isn[!d] + 1u + c->hi[!d] + (uint32_t)c->fin[!d];
}

static void
syn(struct tt *t, struct conn *c)
{
	tx(t, c, 0, c->isn[0], 0, FT_TCP_SYN, NULL, 0);
	c->t_syn = t->now;
}

static void
synack(struct tt *t, struct conn *c)
{
	tx(t, c, 1, c->isn[1], c->isn[0] + 1, FT_TCP_SYN | FT_TCP_ACK, NULL, 0);
	c->t_synack = t->now;
}

/* SYN, SYN-ACK 2 ms later, ACK 1 ms after that. */
static void
hs(struct tt *t, struct conn *c)
{
	syn(t, c);
	t->now += 2 * MS;
	synack(t, c);
	t->now += 1 * MS;
	tx(t, c, 0, c->isn[0] + 1, c->isn[1] + 1, FT_TCP_ACK, NULL, 0);
	c->t_ack = t->now;
}

/* Payload [off, off+len) of side `from`'s stream. */
static void
dat(struct tt *t, struct conn *c, int from, uint32_t off, uint32_t len)
{
	assert_true(off + len <= STREAM);
	tx(t, c, from, sq(c, from, off), ackv(c, from), FT_TCP_PSH | FT_TCP_ACK, &stream[from][off],
		len);
	if (off + len > c->hi[from])
		c->hi[from] = off + len;
}

static void
ack(struct tt *t, struct conn *c, int from)
{
	tx(t, c, from, sq(c, from, c->hi[from]) + (uint32_t)c->fin[from], ackv(c, from), FT_TCP_ACK,
		NULL, 0);
}

/* A pure ACK of the other side's stream up to offset off. */
static void
ackto(struct tt *t, struct conn *c, int from, uint32_t off)
{
	tx(t, c, from, sq(c, from, c->hi[from]) + (uint32_t)c->fin[from], c->isn[!from] + 1u + off,
		FT_TCP_ACK, NULL, 0);
}

static void
fin(struct tt *t, struct conn *c, int from)
{
	tx(t, c, from, sq(c, from, c->hi[from]), ackv(c, from), FT_TCP_FIN | FT_TCP_ACK, NULL, 0);
	c->fin[from] = 1;
}

static void
rst(struct tt *t, struct conn *c, int from)
{
	tx(t, c, from, sq(c, from, c->hi[from]) + (uint32_t)c->fin[from], ackv(c, from),
		FT_TCP_RST | FT_TCP_ACK, NULL, 0);
}

/* FIN from A, ACK, FIN from B, last ACK. */
static void
close_fin(struct tt *t, struct conn *c)
{
	fin(t, c, 0);
	ack(t, c, 1);
	fin(t, c, 1);
	ack(t, c, 0);
}

/* ---- visiting --------------------------------------------------------------- */

struct vis {
	struct ft_flow f[64];
	unsigned n;
};

static int
vis_cb(const struct ft_flow *f, void *user)
{
	struct vis *v = user;

	if (v->n < 64)
		v->f[v->n] = *f;
	v->n++;
	return 0;
}

static unsigned
visit(struct tt *t, struct vis *v)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(ft__tracker_visit(t->tr, vis_cb, v), 0);
	return v->n;
}

/* The open session whose client port (src or dst side) is port, via visit. */
static int
snap(struct tt *t, uint16_t port, struct ft_flow *out)
{
	struct vis v;
	int found = 0;

	visit(t, &v);
	for (unsigned i = 0; i < v.n && i < 64; i++)
		if ((v.f[i].sport == port || v.f[i].dport == port) &&
			v.f[i].state != FT_TCP_CLOSED) {
			*out = v.f[i];
			found++;
		}
	return found;
}

static uint8_t
state_of(struct tt *t, uint16_t port)
{
	struct ft_flow f;

	assert_int_equal(snap(t, port, &f), 1);
	return f.state;
}

static uint64_t
r_n_started(struct tt *t, int cls)
{
	struct ft_tracker_counters k;

	ft__tracker_counters(t->tr, &k);
	return k.started[cls];
}

static uint64_t
r_n_ended(struct tt *t, int cls)
{
	struct ft_tracker_counters k;

	ft__tracker_counters(t->tr, &k);
	return k.ended[cls];
}

static uint64_t
counter(struct tt *t, int which)
{
	struct ft_tracker_counters k;

	memset(&k, 0, sizeof(k));
	ft__tracker_counters(t->tr, &k);
	switch (which) {
	case 0:
		return k.active;
	case 1:
		return k.evicted;
	case 2:
		return k.untracked;
	default:
		return k.ooo_dropped;
	}
}

/* Session si's direction d delivered exactly stream[sd][lo, hi) pieces. */
static void
assert_stream(
	const struct rec *r, unsigned si, int d, int sd, const uint32_t *pieces, unsigned n_pieces)
{
	uint32_t at = 0;

	for (unsigned i = 0; i < n_pieces; i++) {
		uint32_t lo = pieces[2 * i], hi = pieces[2 * i + 1];

		assert_true(at + (hi - lo) <= r->s[si].n[d]);
		if (memcmp(r->s[si].buf[d] + at, &stream[sd][lo], hi - lo) != 0)
			fail_msg("session %u dir %d: bytes [%u,%u) differ from what was sent", si,
				d, lo, hi);
		at += hi - lo;
	}
	assert_int_equal(r->s[si].n[d], at);
}

static void
assert_whole(const struct rec *r, unsigned si, int d, int sd, uint32_t len)
{
	uint32_t p[2] = {0, len};

	assert_stream(r, si, d, sd, p, 1);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_in_order(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 100, 100);
	dat(&t, &c, 0, 200, 100);
	ack(&t, &c, 1);
	dat(&t, &c, 1, 0, 50);
	dat(&t, &c, 1, 50, 50);
	ack(&t, &c, 0);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_ESTABLISHED);
	assert_int_equal(counter(&t, 0), 1);
	fin(&t, &c, 0);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_FIN_WAIT);
	ack(&t, &c, 1);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_FIN_WAIT);
	fin(&t, &c, 1);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_LAST_ACK);
	ack(&t, &c, 0);

	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_START), 1);
	e = ev_k(t.rec, 0, FT_FLOW_START, 0);
	assert_int_equal(e->ts, c.t_ack);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RETRANSMIT), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RESET), 0);
	assert_whole(t.rec, 0, 0, 0, 300);
	assert_whole(t.rec, 0, 1, 1, 100);
	/* the first DATA starts at ISN + 1 */
	e = ev_k(t.rec, 0, FT_FLOW_DATA, 0);
	assert_int_equal(e->seq, c.isn[0] + 1);
	assert_int_equal(e->dir, FT_DIR_SEND);
	assert_true(e->has_data);

	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	assert_int_equal(f->ip_v, 4);
	assert_int_equal(f->n_vlan, 0);
	assert_memory_equal(f->src, c.addr[0], 4);
	assert_memory_equal(f->dst, c.addr[1], 4);
	assert_int_equal(f->sport, c.port[0]);
	assert_int_equal(f->dport, c.port[1]);
	assert_int_equal(f->midstream, 0);
	assert_int_equal(f->worker, WORKER);
	assert_int_equal(f->first_ns, c.t_syn);
	assert_int_equal(f->last_ns, t.now);
	assert_int_equal(f->rtt_ns, (int64_t)(c.t_synack - c.t_syn));
	assert_int_equal(f->connect_ns, (int64_t)(c.t_ack - c.t_syn));
	/* A: SYN, ACK, 3 data, ACK, FIN, last ACK. B: SYN-ACK, ACK, 2 data, ACK, FIN. */
	assert_int_equal(f->dir[0].packets, 8);
	assert_int_equal(f->dir[1].packets, 6);
	assert_int_equal(f->dir[0].bytes, 300);
	assert_int_equal(f->dir[1].bytes, 100);
	assert_int_equal(f->dir[0].retransmits + f->dir[1].retransmits, 0);
	assert_int_equal(f->dir[0].missed + f->dir[1].missed, 0);
	assert_int_equal(f->dir[0].mss, 1460);
	assert_int_equal(f->dir[0].wscale, 7);
	assert_int_equal(f->dir[0].has_wscale, 1);
	assert_int_equal(f->dir[1].mss, 1400);
	assert_int_equal(f->dir[1].wscale, 8);
	assert_int_equal(f->dir[1].has_wscale, 1);
	/* The OR of each side's flags: SYN, ACK and FIN on both, no RST (PSH as sent). */
	assert_int_equal(f->dir[0].tcp_flags & ~FT_TCP_PSH, FT_TCP_SYN | FT_TCP_ACK | FT_TCP_FIN);
	assert_int_equal(f->dir[1].tcp_flags & ~FT_TCP_PSH, FT_TCP_SYN | FT_TCP_ACK | FT_TCP_FIN);
	assert_int_equal(counter(&t, 0), 0);
	tt_close(&t);
}

static void
test_reversed_pairs(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	for (uint32_t k = 0; k < 8; k += 2) {
		dat(&t, &c, 0, (k + 1) * 100, 100);
		dat(&t, &c, 0, k * 100, 100);
	}
	/* each pair's second segment releases both, in order */
	assert_int_equal(t.rec->s[0].n[0], 800);
	ack(&t, &c, 1);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 800);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_EOF);
	assert_int_equal(f->dir[0].bytes, 800);
	assert_int_equal(f->dir[0].retransmits, 0);
	assert_int_equal(f->dir[0].missed, 0);
	tt_close(&t);
}

static void
test_retransmit(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 100, 100);
	dat(&t, &c, 0, 0, 100);   /* wholly seen: retransmit */
	dat(&t, &c, 0, 100, 100); /* again */
	dat(&t, &c, 0, 200, 100);
	dat(&t, &c, 0, 150, 150); /* wholly seen, spanning two segments */
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 300);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RETRANSMIT), 3);
	e = ev_k(t.rec, 0, FT_FLOW_RETRANSMIT, 0);
	assert_int_equal(e->seq, c.isn[0] + 1);
	assert_int_equal(e->len, 100);
	assert_int_equal(e->dir, FT_DIR_SEND);
	e = ev_k(t.rec, 0, FT_FLOW_RETRANSMIT, 2);
	assert_int_equal(e->seq, c.isn[0] + 1 + 150);
	assert_int_equal(e->len, 150);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].retransmits, 3);
	assert_int_equal(f->dir[0].bytes, 300);
	assert_int_equal(f->dir[0].packets, 2 + 6 + 2);
	assert_int_equal(f->dir[1].retransmits, 0);
	tt_close(&t);
}

/* Only segments wholly seen before count, held (out-of-order) bytes included. */
static void
test_retransmit_counting(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 0, 150);   /* 50 new bytes: not a retransmit */
	dat(&t, &c, 0, 50, 50);   /* wholly seen: retransmit */
	dat(&t, &c, 0, 300, 100); /* held */
	dat(&t, &c, 0, 300, 100); /* a copy of held bytes: seen before */
	dat(&t, &c, 0, 350, 100); /* half new */
	dat(&t, &c, 0, 150, 150); /* fills the hole */
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 450);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].retransmits, 2);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RETRANSMIT), 2);
	assert_int_equal(f->dir[0].bytes, 450);
	assert_int_equal(f->dir[0].missed, 0);
	tt_close(&t);
}

static void
test_overlap(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 50, 100); /* [100,150) new */
	e = ev_k(t.rec, 0, FT_FLOW_DATA, 1);
	assert_non_null(e);
	assert_int_equal(e->seq, c.isn[0] + 1 + 100);
	assert_int_equal(e->len, 50);
	dat(&t, &c, 0, 140, 60); /* [150,200) new */
	/* held segments overlapping each other, then one covering them all */
	dat(&t, &c, 0, 300, 100);
	dat(&t, &c, 0, 250, 100);
	dat(&t, &c, 0, 380, 70);
	dat(&t, &c, 0, 500, 50);
	dat(&t, &c, 0, 200, 80); /* releases [200,450) */
	assert_int_equal(t.rec->s[0].n[0], 450);
	dat(&t, &c, 0, 420, 200); /* covers the held [500,550) and more */
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 620);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 620);
	assert_int_equal(f->dir[0].retransmits, 0);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	tt_close(&t);
}

static void
test_hole_acked_past(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;
	static const uint32_t seen[] = {0, 100, 200, 400};

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100); /* [100,200) never captured */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	ackto(&t, &c, 1, 300); /* the receiver had it: give the hole up */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 1);
	e = ev_k(t.rec, 0, FT_FLOW_GAP, 0);
	assert_int_equal(e->seq, c.isn[0] + 1 + 100);
	assert_int_equal(e->len, 100);
	assert_int_equal(e->dir, FT_DIR_SEND);
	assert_int_equal(e->ts, t.now);
	assert_int_equal(t.rec->s[0].n[0], 200);
	dat(&t, &c, 0, 300, 100);
	assert_int_equal(t.rec->s[0].n[0], 300);
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_stream(t.rec, 0, 0, 0, seen, 2);
	assert_int_equal(t.rec->s[0].gap[0], 100);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].missed, 100);
	assert_int_equal(f->dir[0].bytes, 300);
	assert_int_equal(f->dir[0].retransmits, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	tt_close(&t);
}

/* Payload [off, off+len) of side `from`, the last `cut` bytes not captured. */
static void
dat_cut(struct tt *t, struct conn *c, int from, uint32_t off, uint32_t len, uint32_t cut, int lie)
{
	tx_cut(t, c, from, sq(c, from, off), ackv(c, from), FT_TCP_PSH | FT_TCP_ACK,
		&stream[from][off], len, cut, lie);
	if (off + len > c->hi[from])
		c->hi[from] = off + len;
}

/*
 * A snap length cuts segments: their declared payload counts (bytes: it was
 * sent), the part not captured is a GAP counted as cut, not missed, and the
 * next segment follows in order: no hole, nothing held. Also when the cut
 * segment comes out of order (held, then drained), and not for a frame that
 * was not cut but whose header claims more than it holds.
 */
static void
test_snaplen_cut(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat_cut(&t, &c, 0, 0, 300, 200, 0); /* 100 captured, 200 cut */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 1);
	e = ev_k(t.rec, 0, FT_FLOW_GAP, 0);
	assert_int_equal(e->seq, c.isn[0] + 1 + 100);
	assert_int_equal(e->len, 200);
	dat(&t, &c, 0, 300, 100); /* in order: delivered at once */
	assert_int_equal(t.rec->s[0].n[0], 200);
	/* out of order: [600,900) cut after 50 arrives before [400,600) */
	dat_cut(&t, &c, 0, 600, 300, 250, 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 1);
	dat(&t, &c, 0, 400, 200);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 2);
	e = ev_k(t.rec, 0, FT_FLOW_GAP, 1);
	assert_int_equal(e->seq, c.isn[0] + 1 + 650);
	assert_int_equal(e->len, 250);
	/* a retransmission of a cut segment is one */
	dat_cut(&t, &c, 0, 600, 300, 250, 0);
	dat(&t, &c, 1, 0, 100);
	dat_cut(&t, &c, 1, 100, 120, 20, 1); /* not cut, only short: 100 bytes, the rest missed */
	dat(&t, &c, 1, 220, 10);
	ack(&t, &c, 0);
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 900);
	assert_int_equal(f->dir[0].cut, 450);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->dir[0].retransmits, 1);
	assert_int_equal(f->dir[1].cut, 0);
	assert_int_equal(f->dir[1].missed, 20);
	assert_int_equal(f->dir[1].bytes, 210);
	tt_close(&t);
}

static void
test_hole_filled_late(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100);
	dat(&t, &c, 0, 300, 100);
	dat(&t, &c, 0, 400, 100);
	ackto(&t, &c, 1, 100); /* ACK up to the hole: not past it */
	assert_int_equal(t.rec->s[0].n[0], 100);
	t.now += 200 * MS;
	dat(&t, &c, 0, 100, 100);
	assert_int_equal(t.rec->s[0].n[0], 500);
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 500);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->dir[0].bytes, 500);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	tt_close(&t);
}

static void
test_hole_at_close(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *g, *d, *end;
	static const uint32_t seen[] = {0, 100, 200, 300};

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now + MS), 0);
	check_order(t.rec, 1);
	assert_stream(t.rec, 0, 0, 0, seen, 2);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 1);
	g = ev_k(t.rec, 0, FT_FLOW_GAP, 0);
	d = ev_k(t.rec, 0, FT_FLOW_DATA, 1);
	end = ev_k(t.rec, 0, FT_FLOW_END, 0);
	assert_int_equal(g->seq, c.isn[0] + 101);
	assert_int_equal(g->len, 100);
	/* GAP, then the held bytes, then END */
	assert_true(g < d && d < end);
	assert_int_equal(d->seq, c.isn[0] + 201);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_EOF);
	assert_int_equal(f->dir[0].missed, 100);
	assert_int_equal(f->dir[0].bytes, 200);
	tt_close(&t);
}

/* The same with the session reset: the held bytes still come out. */
static void
test_hole_at_rst(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	static const uint32_t seen[] = {0, 100, 200, 300};

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100);
	tx(&t, &c, 0, sq(&c, 0, 300), ackv(&c, 0), FT_TCP_RST, NULL, 0);
	check_order(t.rec, 1);
	assert_stream(t.rec, 0, 0, 0, seen, 2);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_RST);
	assert_int_equal(f->dir[0].missed, 100);
	assert_int_equal(f->dir[0].bytes, 200);
	tt_close(&t);
}

/* A per-flow out-of-order cap of 250 bytes: holding more forces a hole to be given up. */
static void
test_ooo_flow_cap(void **state)
{
	struct tt t;
	struct conn c;
	struct ft_tracker_config cfg = cfg_default();
	const struct ft_flow *f;
	unsigned gaps_before_close;
	static const uint32_t seen[] = {0, 100, 200, 300, 400, 500, 600, 700, 800, 900};

	(void)state;
	cfg.ooo_flow_bytes = 250;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100); /* held: 100 */
	dat(&t, &c, 0, 400, 100); /* held: 200 */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	dat(&t, &c, 0, 600, 100); /* 300 > 250 */
	dat(&t, &c, 0, 800, 100);
	gaps_before_close = n_ev(t.rec, 0, FT_FLOW_GAP);
	assert_true(gaps_before_close >= 1);
	assert_true(t.rec->s[0].n[0] > 100);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	/* every captured byte delivered once, in order; the holes counted as missed */
	assert_stream(t.rec, 0, 0, 0, seen, 5);
	assert_int_equal(t.rec->s[0].gap[0], 400);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].missed, 400);
	assert_int_equal(f->dir[0].bytes, 500);
	tt_close(&t);
}

/*
 * A loss before the tap: the data after the hole overflows the buffer, the
 * hole is given up for want of it, then the retransmission comes. Its bytes
 * count (and are no longer missed), whole or in parts, one split among them:
 * the record is what a bigger buffer would have given. The stream has moved
 * on: the late data is a RETRANSMIT, not delivered again.
 */
static void
test_ooo_cap_refill(void **state)
{
	struct tt t;
	struct conn c;
	struct ft_tracker_config cfg = cfg_default();
	const struct ft_flow *f;
	static const uint32_t seen[] = {0, 100, 300, 800};

	(void)state;
	cfg.ooo_flow_bytes = 250;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 300, 100); /* [100,300) lost before the tap */
	dat(&t, &c, 0, 400, 100);
	dat(&t, &c, 0, 500, 100); /* 300 > 250: [100,300) given up */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 1);
	assert_int_equal(t.rec->s[0].gap[0], 200);
	dat(&t, &c, 0, 600, 100);
	dat(&t, &c, 0, 150, 50); /* the retransmissions, the middle one first */
	dat(&t, &c, 0, 100, 50);
	dat(&t, &c, 0, 200, 100);
	dat(&t, &c, 0, 100, 200); /* once more: nothing new */
	dat(&t, &c, 0, 700, 100);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 800);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->dir[0].retransmits, 4);
	assert_stream(t.rec, 0, 0, 0, seen, 2);
	assert_int_equal(t.rec->s[0].gap[0], 200);
	tt_close(&t);
}

/* Hostile retransmissions that split a remembered range again and again:
 * the ranges stay bounded (a split past the bound keeps the larger part), and
 * every byte counts once, in bytes or in missed. */
static void
test_ooo_cap_refill_splits(void **state)
{
	struct tt t;
	struct conn c;
	struct ft_tracker_config cfg = cfg_default();
	const struct ft_flow *f;

	(void)state;
	cfg.ooo_flow_bytes = 250;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 1100, 100); /* [100,1100) lost before the tap */
	dat(&t, &c, 0, 1200, 100);
	dat(&t, &c, 0, 1300, 100); /* over the cap: [100,1100) given up */
	for (uint32_t off = 110; off < 1090; off += 20)
		dat(&t, &c, 0, off, 1); /* 49 one-byte pieces, each in the middle */
	dat(&t, &c, 0, 100, 1000);      /* then all of it */
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes + f->dir[0].missed, 1400);
	assert_true(f->dir[0].bytes >= 400 + 49);
	assert_true(f->dir[0].missed <= 1000 - 49);
	tt_close(&t);
}

/* A per-tracker cap (ooo_bytes) shared by sessions: whatever is done, bytes stay consistent. */
static void
test_ooo_tracker_cap(void **state)
{
	struct tt t;
	struct conn c[4];
	struct ft_tracker_config cfg = cfg_default();

	(void)state;
	cfg.ooo_bytes = 300;
	tt_open(&t, &cfg);
	for (unsigned i = 0; i < 4; i++) {
		conn_init(&c[i], i, 0);
		hs(&t, &c[i]);
		dat(&t, &c[i], 0, 0, 100);
	}
	for (unsigned i = 0; i < 4; i++) {
		dat(&t, &c[i], 0, 200, 100);
		dat(&t, &c[i], 0, 400, 100);
	}
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 4);
	for (unsigned i = 0; i < 4; i++) {
		const struct ft_flow *f = end_flow(t.rec, i);
		const struct sess *s = &t.rec->s[i];

		/* whatever was not held: counters agree with the events, nothing twice */
		assert_true(s->n[0] >= 100 && s->n[0] + s->gap[0] <= 500);
		assert_true(f->dir[0].bytes >= s->n[0] && f->dir[0].bytes <= 300);
		assert_int_equal(f->dir[0].missed, s->gap[0]);
		assert_int_equal(memcmp(s->buf[0], stream[0], 100), 0);
	}
	tt_close(&t);
}

/* Over the cap with a segment that lands between held ones: only the holes
 * before it are given up; its bytes are delivered, not counted as missed. */
static void
test_ooo_cap_middle(void **state)
{
	struct tt t;
	struct conn c;
	struct ft_tracker_config cfg = cfg_default();
	const struct ft_flow *f;
	static const uint32_t seen[] = {0, 100, 200, 300, 310, 390, 400, 500};

	(void)state;
	cfg.ooo_flow_bytes = 250;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100); /* held: 100 */
	dat(&t, &c, 0, 400, 100); /* held: 200 */
	dat(&t, &c, 0, 310, 80);  /* 280 > 250, and before the held [400,500) */
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 380);
	assert_int_equal(f->dir[0].missed, 120);
	assert_stream(t.rec, 0, 0, 0, seen, 4);
	tt_close(&t);
}

/* The client's SYN retry captured after the server's SYN-ACK (they crossed):
 * one session, a SYN_RETRY event, not a new session. */
static void
test_syn_retry_after_synack(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	syn(&t, &c);
	t.now += 1 * SEC;
	synack(&t, &c);
	syn(&t, &c);    /* the retry, same ISN */
	synack(&t, &c); /* the server answers it again */
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 1, 0, 50);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->midstream, 0);
	assert_int_equal(f->dir[0].bytes, 100);
	assert_int_equal(f->dir[1].bytes, 50);
	assert_int_equal(f->dir[0].packets, 2 + 1 + 1 + 2);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_SYN_RETRY), 1);
	tt_close(&t);
}

/* Payload on a SYN (TCP Fast Open) and on a FIN: delivered once, in order. */
static void
test_data_on_syn_and_fin(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	tx(&t, &c, 0, c.isn[0], 0, FT_TCP_SYN, &stream[0][0], 50);
	c.t_syn = t.now;
	c.hi[0] = 50;
	t.now += MS;
	tx(&t, &c, 1, c.isn[1], c.isn[0] + 1 + 50, FT_TCP_SYN | FT_TCP_ACK, NULL, 0);
	tx(&t, &c, 0, sq(&c, 0, 50), c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	dat(&t, &c, 0, 50, 100);
	dat(&t, &c, 1, 0, 30);
	/* FIN carrying the last 20 bytes */
	tx(&t, &c, 0, sq(&c, 0, 150), ackv(&c, 0), FT_TCP_FIN | FT_TCP_ACK, &stream[0][150], 20);
	c.hi[0] = 170;
	c.fin[0] = 1;
	ack(&t, &c, 1);
	fin(&t, &c, 1);
	ack(&t, &c, 0);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 170);
	assert_whole(t.rec, 0, 1, 1, 30);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 170);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->dir[0].retransmits, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	tt_close(&t);
}

static void
test_wraparound(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	c.isn[0] = 0xFFFFFF00u;
	c.isn[1] = 0xFFFFFFFFu; /* its first data byte is sequence 0 */
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 100, 100);
	dat(&t, &c, 0, 300, 100); /* out of order */
	dat(&t, &c, 0, 200, 100); /* crosses 2^32 (offset 255 is 0xFFFFFFFF) */
	dat(&t, &c, 0, 250, 100); /* wholly seen, across the wrap */
	for (uint32_t o = 400; o < 1000; o += 100)
		dat(&t, &c, 0, o, 100);
	ack(&t, &c, 1);
	dat(&t, &c, 1, 0, 300);
	dat(&t, &c, 1, 500, 100);
	dat(&t, &c, 1, 300, 200);
	ack(&t, &c, 0);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 1000);
	assert_whole(t.rec, 0, 1, 1, 600);
	e = ev_k(t.rec, 0, FT_FLOW_DATA, 0);
	assert_int_equal(e->seq, 0xFFFFFF01u);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 1000);
	assert_int_equal(f->dir[0].retransmits, 1);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->dir[1].bytes, 600);
	assert_int_equal(f->dir[1].missed, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	tt_close(&t);
}

/* A hole across the wrap, ACKed past. */
static void
test_wraparound_gap(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *g;
	static const uint32_t seen[] = {0, 200, 300, 500};

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	c.isn[0] = 0xFFFFFF00u;
	hs(&t, &c);
	dat(&t, &c, 0, 0, 200);
	dat(&t, &c, 0, 300, 200); /* hole [200,300) spans 2^32 */
	ackto(&t, &c, 1, 500);
	check_order(t.rec, 0);
	g = ev_k(t.rec, 0, FT_FLOW_GAP, 0);
	assert_non_null(g);
	assert_int_equal(g->seq, 0xFFFFFF00u + 1 + 200);
	assert_int_equal(g->len, 100);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_stream(t.rec, 0, 0, 0, seen, 2);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].missed, 100);
	assert_int_equal(f->dir[0].bytes, 400);
	tt_close(&t);
}

static void
test_rst_midstream(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;
	struct vis v;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 1, 0, 40);
	rst(&t, &c, 1);
	check_order(t.rec, 1);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RESET), 1);
	e = ev_k(t.rec, 0, FT_FLOW_RESET, 0);
	assert_int_equal(e->dir, FT_DIR_RECV);
	assert_int_equal(e->ts, t.now);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_RST);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	assert_int_equal(f->dir[0].bytes, 100);
	assert_int_equal(f->dir[1].bytes, 40);
	assert_int_equal(f->dir[1].packets, 3);
	assert_int_equal(counter(&t, 0), 0);
	/* lingering: stray packets are absorbed, no new session */
	t.now += 1 * SEC;
	ack(&t, &c, 0);
	dat(&t, &c, 0, 100, 10);
	assert_int_equal(t.rec->ns, 1);
	assert_int_equal(n_ev(t.rec, 0, -1), 5);
	assert_int_equal(counter(&t, 0), 0);
	/* gone after timeout_closed */
	assert_int_equal(ft__tracker_tick(t.tr, t.now + 31 * SEC), 0);
	assert_int_equal(visit(&t, &v), 0);
	assert_int_equal(t.rec->ns, 1);
	tt_close(&t);
}

/* A RST answering the SYN (port closed): no START, RESET then END rst. */
static void
test_rst_handshake(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	syn(&t, &c);
	tx(&t, &c, 1, 0, c.isn[0] + 1, FT_TCP_RST | FT_TCP_ACK, NULL, 0);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RESET), 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_RST);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	assert_int_equal(f->connect_ns, -1);
	assert_int_equal(f->rtt_ns, -1);
	assert_int_equal(f->dir[0].packets, 1);
	assert_int_equal(f->dir[1].packets, 1);
	/* the handshake never completed: no START (as for a half-open timeout) */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_START), 0);
	tt_close(&t);
}

static void
test_close_by_responder(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 10);
	dat(&t, &c, 1, 0, 20);
	fin(&t, &c, 1);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_CLOSE_WAIT);
	ack(&t, &c, 0);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_CLOSE_WAIT);
	dat(&t, &c, 0, 10, 10); /* half-closed: the other side still sends */
	ack(&t, &c, 1);
	fin(&t, &c, 0);
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_LAST_ACK);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 0);
	ack(&t, &c, 1);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 20);
	assert_whole(t.rec, 0, 1, 1, 20);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	tt_close(&t);
}

static void
test_simultaneous_close(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	uint8_t st;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 10);
	ack(&t, &c, 1);
	/* both FINs before either is acknowledged */
	tx(&t, &c, 0, sq(&c, 0, 10), c.isn[1] + 1, FT_TCP_FIN | FT_TCP_ACK, NULL, 0);
	tx(&t, &c, 1, sq(&c, 1, 0), c.isn[0] + 1 + 10, FT_TCP_FIN | FT_TCP_ACK, NULL, 0);
	c.fin[0] = c.fin[1] = 1;
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_CLOSING);
	ack(&t, &c, 0);
	/* one FIN acknowledged: CLOSING goes on to CLOSED (or through LAST_ACK) */
	st = state_of(&t, c.port[0]);
	assert_true(st == FT_TCP_CLOSING || st == FT_TCP_LAST_ACK);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 0);
	ack(&t, &c, 1);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	assert_int_equal(f->dir[0].bytes, 10);
	assert_int_equal(f->dir[0].packets, 2 + 1 + 1 + 1);
	assert_int_equal(f->dir[1].packets, 1 + 1 + 1 + 1);
	tt_close(&t);
}

static void
test_simultaneous_open(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	unsigned started;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	c.port[1] = 40100;
	syn(&t, &c);
	tx(&t, &c, 1, c.isn[1], 0, FT_TCP_SYN, NULL, 0);
	tx(&t, &c, 0, c.isn[0], c.isn[1] + 1, FT_TCP_SYN | FT_TCP_ACK, NULL, 0);
	tx(&t, &c, 1, c.isn[1], c.isn[0] + 1, FT_TCP_SYN | FT_TCP_ACK, NULL, 0);
	started = t.rec->ns; /* both SYNs acknowledged: the handshake is complete */
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 1, 0, 100);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_START), 1);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_SYN_RETRY), 0);
	assert_whole(t.rec, 0, 0, 0, 100);
	assert_whole(t.rec, 0, 1, 1, 100);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->midstream, 0);
	assert_int_equal(f->sport, c.port[0]);
	assert_memory_equal(f->src, c.addr[0], 4);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->dir[0].bytes, 100);
	assert_int_equal(f->dir[1].bytes, 100);
	assert_int_equal(f->dir[0].retransmits + f->dir[1].retransmits, 0);
	assert_int_equal(f->dir[0].mss, 1460);
	assert_int_equal(f->dir[1].mss, 1400);
	/* START when the handshake completed, not with the first data */
	assert_int_equal(started, 1);
	tt_close(&t);
}

static void
test_syn_retry(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	syn(&t, &c);
	t.now += 1 * SEC;
	syn(&t, &c);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_SYN_RETRY), 1);
	e = ev_k(t.rec, 0, FT_FLOW_SYN_RETRY, 0);
	assert_int_equal(e->ts, t.now);
	t.now += 2 * SEC;
	syn(&t, &c);
	t.now += 2 * MS;
	synack(&t, &c);
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	dat(&t, &c, 0, 0, 10);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_SYN_RETRY), 2);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_START), 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].packets, 3 + 1 + 1 + 2);
	assert_true(f->rtt_ns > 0);
	assert_true(f->connect_ns >= f->rtt_ns);
	assert_int_equal(f->first_ns, T0 + 10 * US);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	tt_close(&t);
}

/* One session, closed by FIN, whose server -> client stream is exactly
 * len bytes: all delivered in order, none missed, no GAP. */
static const struct ft_flow *
assert_one_whole_recv(const struct tt *t, uint32_t len)
{
	const struct ft_flow *f;

	check_order(t->rec, 1);
	assert_int_equal(t->rec->ns, 1);
	assert_whole(t->rec, 0, 1, 1, len);
	f = end_flow(t->rec, 0);
	assert_int_equal(f->dir[1].bytes, len);
	assert_int_equal(f->dir[1].missed, 0);
	assert_int_equal(n_ev(t->rec, 0, FT_FLOW_GAP), 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	return f;
}

/*
 * A SYN-ACK with a new ISN before the handshake completes restarts the
 * responder's sequence space: what it held from the old one (data behind a
 * hole) cannot be placed in the new one. It is dropped and counted
 * (ooo_dropped), not kept to be measured against the new space, where the
 * close would give up the hole up to the old bytes as missed. With cut, a
 * snap-cut segment is held too: its captured bytes and its cut tail are two
 * pieces of one segment, which counts once. (The SYN retry's restart never
 * finds anything held: data makes the session established, and a SYN with a
 * new ISN then starts a new session.)
 */
static void
new_isn_held(int cut)
{
	struct tt t;
	struct conn c;

	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	syn(&t, &c);
	t.now += 2 * MS;
	synack(&t, &c);
	dat(&t, &c, 1, 100, 100); /* held: [0, 100) not seen */
	if (cut)                  /* held: 400 bytes and a 600-byte cut tail */
		tx_cut(&t, &c, 1, sq(&c, 1, 300), ackv(&c, 1), FT_TCP_PSH | FT_TCP_ACK,
			&stream[1][300], 1000, 600, 0);
	assert_int_equal(counter(&t, 3), 0);
	t.now += 1 * SEC;
	c.isn[1] -= 1000000u; /* the new SYN-ACK's ISN, "behind" the old one */
	c.hi[1] = 0;
	synack(&t, &c);
	assert_int_equal(counter(&t, 3), cut ? 2 : 1);
	t.now += 1 * MS;
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	dat(&t, &c, 1, 0, 10);
	close_fin(&t, &c);
	assert_one_whole_recv(&t, 10);
	tt_close(&t);
}

static void
test_synack_new_isn_held(void **state)
{
	(void)state;
	new_isn_held(0);
}

static void
test_synack_new_isn_held_cut(void **state)
{
	(void)state;
	new_isn_held(1);
}

/* A SYN-ACK with another ISN on an established session (blind or stray)
 * does not restart the server's space: what it holds stays and is handed
 * over when the hole fills, no byte is missed. */
static void
test_synack_other_isn_established(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 40);
	dat(&t, &c, 1, 100, 100); /* held: [0, 100) not seen yet */
	t.now += 1 * MS;
	tx(&t, &c, 1, c.isn[1] + 12345678u, 0, FT_TCP_SYN | FT_TCP_ACK, NULL, 0);
	tx(&t, &c, 1, c.isn[1] - 7777u, c.isn[0] + 1 + 40, FT_TCP_SYN | FT_TCP_ACK, NULL, 0);
	assert_int_equal(counter(&t, 3), 0);
	dat(&t, &c, 1, 0, 100);
	close_fin(&t, &c);
	f = assert_one_whole_recv(&t, 200);
	assert_whole(t.rec, 0, 0, 0, 40);
	assert_int_equal(f->dir[1].packets, 7); /* SYN-ACK, 2 data, 2 strays, FIN, ACK */
	assert_int_equal(f->state, FT_TCP_CLOSED);
	assert_int_equal(counter(&t, 3), 0);
	tt_close(&t);
}

/* A SYN-ACK retried with a new ISN far "ahead" of the first, its ACK
 * captured before it (a tap's skew): that ACK does not acknowledge the first
 * ISN, so the new SYN-ACK restarts the server's space and its data counts
 * from the new ISN, with nothing missed. */
static void
test_synack_new_isn_ack_first(void **state)
{
	struct tt t;
	struct conn c;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	syn(&t, &c);
	t.now += 2 * MS;
	synack(&t, &c);
	t.now += 1 * SEC;
	c.isn[1] += 0x40000000u;
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0); /* captured first */
	synack(&t, &c);
	dat(&t, &c, 1, 0, 100);
	dat(&t, &c, 0, 0, 10);
	close_fin(&t, &c);
	assert_one_whole_recv(&t, 100);
	assert_int_equal(counter(&t, 3), 0);
	tt_close(&t);
}

static void
test_port_reuse(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f0, *f1;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 50);
	close_fin(&t, &c);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 1);
	/* the same 4-tuple, a new ISN, while the old session still lingers */
	t.now += 2 * SEC;
	c.isn[0] += 1000000;
	c.isn[1] += 3000000;
	c.hi[0] = c.hi[1] = 0;
	c.fin[0] = c.fin[1] = 0;
	hs(&t, &c);
	dat(&t, &c, 0, 0, 70);
	dat(&t, &c, 1, 0, 30);
	rst(&t, &c, 0);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 2);
	assert_true(t.rec->s[0].id != t.rec->s[1].id);
	assert_int_equal(n_ev(t.rec, 1, FT_FLOW_START), 1);
	assert_whole(t.rec, 1, 0, 0, 70);
	assert_whole(t.rec, 1, 1, 1, 30);
	f0 = end_flow(t.rec, 0);
	f1 = end_flow(t.rec, 1);
	assert_int_equal(f0->close, FT_CLOSE_FIN);
	assert_int_equal(f1->close, FT_CLOSE_RST);
	assert_int_equal(f0->dir[0].bytes, 50);
	assert_int_equal(f1->dir[0].bytes, 70);
	assert_int_equal(f1->dir[0].packets, 4);
	assert_int_equal(f1->dir[1].packets, 2);
	assert_int_equal(f1->first_ns, c.t_syn);
	assert_true(f0->last_ns < f1->first_ns);
	tt_close(&t);
}

/* A SYN with a new ISN on an open session's 4-tuple replaces it (close timeout). */
static void
test_syn_replaces_open(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f0, *f1;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 50);
	t.now += 10 * SEC;
	c.isn[0] += 77777;
	c.isn[1] += 99999;
	c.hi[0] = c.hi[1] = 0;
	hs(&t, &c);
	dat(&t, &c, 0, 0, 20);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 2);
	f0 = end_flow(t.rec, 0);
	f1 = end_flow(t.rec, 1);
	assert_int_equal(f0->close, FT_CLOSE_TIMEOUT);
	assert_int_equal(f1->close, FT_CLOSE_EOF);
	assert_int_equal(f0->dir[0].bytes, 50);
	assert_int_equal(f1->dir[0].bytes, 20);
	assert_int_equal(f1->dir[0].retransmits, 0);
	tt_close(&t);
}

static void
test_midstream(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *e;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	c.hi[0] = 5000; /* the client already sent 5000 bytes */
	/* the server speaks first in the capture */
	tx(&t, &c, 1, sq(&c, 1, 1000), ackv(&c, 1), FT_TCP_PSH | FT_TCP_ACK, &stream[1][0], 100);
	assert_int_equal(t.rec->ns, 1);
	e = &t.rec->ev[0];
	assert_int_equal(e->type, FT_FLOW_START);
	assert_int_equal(e->f.midstream, 1);
	assert_int_equal(e->f.state, FT_TCP_ESTABLISHED);
	tx(&t, &c, 1, sq(&c, 1, 1100), ackv(&c, 1), FT_TCP_PSH | FT_TCP_ACK, &stream[1][100], 100);
	tx(&t, &c, 0, sq(&c, 0, 5000), sq(&c, 1, 1200), FT_TCP_PSH | FT_TCP_ACK, &stream[0][0], 60);
	tx(&t, &c, 1, sq(&c, 1, 1300), ackv(&c, 1) + 60, FT_TCP_PSH | FT_TCP_ACK, &stream[1][300],
		50);
	tx(&t, &c, 1, sq(&c, 1, 1200), ackv(&c, 1) + 60, FT_TCP_PSH | FT_TCP_ACK, &stream[1][200],
		100);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	/* src is the first sender: the server; its bytes are the send direction */
	assert_whole(t.rec, 0, 0, 1, 350);
	assert_whole(t.rec, 0, 1, 0, 60);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->midstream, 1);
	assert_memory_equal(f->src, c.addr[1], 4);
	assert_memory_equal(f->dst, c.addr[0], 4);
	assert_int_equal(f->sport, c.port[1]);
	assert_int_equal(f->dport, c.port[0]);
	assert_int_equal(f->connect_ns, -1);
	assert_int_equal(f->rtt_ns, -1);
	assert_int_equal(f->dir[0].packets, 4);
	assert_int_equal(f->dir[1].packets, 1);
	assert_int_equal(f->dir[0].bytes, 350);
	assert_int_equal(f->dir[1].bytes, 60);
	assert_int_equal(f->dir[0].missed + f->dir[1].missed, 0);
	assert_int_equal(f->close, FT_CLOSE_EOF);
	tt_close(&t);
}

/* Joined by a pure ACK, then closed by FINs: close fin, no handshake times. */
static void
test_midstream_fin(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	c.hi[0] = 300;
	c.hi[1] = 900;
	ack(&t, &c, 0);
	dat(&t, &c, 0, 300, 10);
	close_fin(&t, &c);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->midstream, 1);
	assert_int_equal(f->sport, c.port[0]);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	assert_int_equal(f->dir[0].bytes, 10);
	assert_int_equal(f->dir[0].packets, 4);
	assert_int_equal(f->dir[1].packets, 2);
	tt_close(&t);
}

static void
test_ipv6_and_vlan_keys(void **state)
{
	struct tt t;
	struct conn a, b, v4;
	struct vis v;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&a, 0, 1);
	a.n_vlan = 1;
	a.vlan[0] = 10;
	b = a;
	b.vlan[0] = 20; /* the same addresses and ports on another VLAN */
	b.isn[0] += 5555;
	conn_init(&v4, 0, 0); /* and the same ports over IPv4, untagged */
	hs(&t, &a);
	hs(&t, &b);
	hs(&t, &v4);
	dat(&t, &a, 0, 0, 100);
	dat(&t, &b, 0, 0, 200);
	dat(&t, &v4, 0, 0, 300);
	dat(&t, &a, 1, 0, 11);
	dat(&t, &b, 1, 0, 22);
	dat(&t, &v4, 1, 0, 33);
	assert_int_equal(visit(&t, &v), 3);
	assert_int_equal(t.rec->ns, 3);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	for (unsigned i = 0; i < 3; i++) {
		const struct ft_flow *f = end_flow(t.rec, i);
		uint32_t want = 100u * (i + 1), back = 11u * (i + 1);

		assert_whole(t.rec, i, 0, 0, want);
		assert_whole(t.rec, i, 1, 1, back);
		assert_int_equal(f->dir[0].bytes, want);
		assert_int_equal(f->dir[1].bytes, back);
		assert_int_equal(f->dir[0].packets, 3);
		assert_int_equal(f->dir[1].packets, 2);
		assert_int_equal(f->sport, 40000);
		if (i < 2) {
			assert_int_equal(f->ip_v, 6);
			assert_int_equal(f->n_vlan, 1);
			assert_int_equal(f->vlan[0], i == 0 ? 10 : 20);
			assert_memory_equal(f->src, a.addr[0], 16);
			assert_memory_equal(f->dst, a.addr[1], 16);
		} else {
			assert_int_equal(f->ip_v, 4);
			assert_int_equal(f->n_vlan, 0);
		}
	}
	tt_close(&t);
}

/* QinQ: two tags; only the outer differs. */
static void
test_qinq_keys(void **state)
{
	struct tt t;
	struct conn a, b;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&a, 0, 0);
	a.n_vlan = 2;
	a.vlan[0] = 100;
	a.vlan[1] = 7;
	b = a;
	b.vlan[0] = 101;
	hs(&t, &a);
	hs(&t, &b);
	dat(&t, &a, 0, 0, 10);
	dat(&t, &b, 0, 0, 20);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 2);
	assert_int_equal(end_flow(t.rec, 0)->n_vlan, 2);
	assert_int_equal(end_flow(t.rec, 0)->vlan[0], 100);
	assert_int_equal(end_flow(t.rec, 0)->vlan[1], 7);
	assert_int_equal(end_flow(t.rec, 1)->vlan[0], 101);
	assert_int_equal(end_flow(t.rec, 0)->dir[0].bytes, 10);
	assert_int_equal(end_flow(t.rec, 1)->dir[0].bytes, 20);
	tt_close(&t);
}

static void
test_timeout_half_open(void **state)
{
	struct tt t;
	struct conn c, d;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	conn_init(&d, 1, 0);
	syn(&t, &c); /* SYN_SENT */
	syn(&t, &d);
	t.now += 2 * MS;
	synack(&t, &d); /* SYN_RCVD */
	assert_int_equal(state_of(&t, c.port[0]), FT_TCP_SYN_SENT);
	assert_int_equal(state_of(&t, d.port[0]), FT_TCP_SYN_RCVD);
	assert_int_equal(ft__tracker_tick(t.tr, c.t_syn + 29 * SEC), 0);
	assert_int_equal(t.rec->nev, 0);
	assert_int_equal(counter(&t, 0), 2);
	assert_int_equal(ft__tracker_tick(t.tr, d.t_synack + 31 * SEC), 0);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 2);
	for (unsigned i = 0; i < 2; i++) {
		f = end_flow(t.rec, i);
		assert_int_equal(f->close, FT_CLOSE_TIMEOUT);
		assert_int_equal(n_ev(t.rec, i, FT_FLOW_START), 0);
	}
	assert_int_equal(counter(&t, 0), 0);
	tt_close(&t);
}

static void
test_timeout_idle(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	uint64_t last;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	last = t.now;
	/* established sessions outlive the half-open timeout */
	assert_int_equal(ft__tracker_tick(t.tr, last + 31 * SEC), 0);
	assert_int_equal(ft__tracker_tick(t.tr, last + 299 * SEC), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 0);
	assert_int_equal(ft__tracker_tick(t.tr, last + 301 * SEC), 0);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_TIMEOUT);
	assert_int_equal(f->last_ns, last);
	assert_int_equal(f->dir[0].bytes, 100);
	tt_close(&t);
}

/* Timeouts also follow packet time: another session's packets expire an idle one. */
static void
test_timeout_by_packets(void **state)
{
	struct tt t;
	struct conn c, d;
	unsigned sc, sd;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	conn_init(&d, 1, 0);
	syn(&t, &c);
	t.now += 40 * SEC;
	hs(&t, &d);
	assert_int_equal(ft__tracker_tick(t.tr, t.now), 0);
	assert_int_equal(t.rec->ns, 2);
	sc = si_of_port(t.rec, c.port[0]);
	sd = si_of_port(t.rec, d.port[0]);
	assert_int_equal(n_ev(t.rec, sc, FT_FLOW_END), 1);
	assert_int_equal(end_flow(t.rec, sc)->close, FT_CLOSE_TIMEOUT);
	assert_int_equal(n_ev(t.rec, sd, FT_FLOW_END), 0);
	tt_close(&t);
}

/* A closed session lingers timeout_closed, absorbs stray packets, then vanishes. */
static void
test_closed_linger(void **state)
{
	struct tt t;
	struct conn c;
	struct vis v;
	struct ft_flow f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 10);
	close_fin(&t, &c);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 1);
	assert_int_equal(counter(&t, 0), 0);
	t.now += 5 * SEC;
	ack(&t, &c, 0); /* a stray duplicate ACK */
	ack(&t, &c, 1);
	assert_int_equal(t.rec->ns, 1);
	assert_int_equal(n_ev(t.rec, 0, -1), 3);
	assert_int_equal(snap(&t, c.port[0], &f), 0);
	assert_int_equal(ft__tracker_tick(t.tr, t.now + 29 * SEC), 0);
	assert_int_equal(ft__tracker_tick(t.tr, t.now + 31 * SEC), 0);
	assert_int_equal(visit(&t, &v), 0);
	assert_int_equal(t.rec->ns, 1);
	/* long after: a packet of that 4-tuple joins a new session mid-stream */
	t.now += 60 * SEC;
	ack(&t, &c, 0);
	assert_int_equal(t.rec->ns, 2);
	assert_int_equal(t.rec->ev[t.rec->nev - 1].type, FT_FLOW_START);
	assert_int_equal(t.rec->ev[t.rec->nev - 1].f.midstream, 1);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	tt_close(&t);
}

static void
test_eviction(void **state)
{
	struct tt t;
	struct conn c[6];
	struct ft_tracker_config cfg = cfg_default();
	const struct ft_flow *f;

	(void)state;
	cfg.max_flows = 4;
	tt_open(&t, &cfg);
	for (unsigned i = 0; i < 4; i++) {
		conn_init(&c[i], i, 0);
		hs(&t, &c[i]);
		dat(&t, &c[i], 0, 0, 10);
		t.now += 1 * SEC;
	}
	dat(&t, &c[0], 0, 10, 10); /* session 0 is busy again: 1 is the oldest idle */
	t.now += 1 * SEC;
	conn_init(&c[4], 4, 0);
	hs(&t, &c[4]);
	dat(&t, &c[4], 0, 0, 10);
	assert_int_equal(counter(&t, 1), 1);
	assert_int_equal(counter(&t, 0), 4);
	assert_int_equal(n_ev(t.rec, 1, FT_FLOW_END), 1);
	f = end_flow(t.rec, 1);
	assert_int_equal(f->close, FT_CLOSE_EVICTED);
	assert_int_equal(f->sport, c[1].port[0]);
	assert_int_equal(f->dir[0].bytes, 10);
	for (unsigned i = 0; i < 5; i++)
		if (i != 1)
			assert_int_equal(n_ev(t.rec, i, FT_FLOW_END), 0);
	assert_int_equal(n_ev(t.rec, 4, FT_FLOW_START), 1);
	assert_whole(t.rec, 4, 0, 0, 10);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	assert_int_equal(counter(&t, 1), 1);
	assert_int_equal(counter(&t, 0), 0);
	tt_close(&t);
}

static void
test_flush_eof(void **state)
{
	struct tt t;
	struct conn a, b, c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&a, 0, 0);
	conn_init(&b, 1, 0);
	conn_init(&c, 2, 0);
	hs(&t, &a);
	dat(&t, &a, 0, 0, 10);
	hs(&t, &b);
	dat(&t, &b, 0, 0, 10);
	fin(&t, &b, 0);
	fin(&t, &b, 1); /* both FINs, the last ACK never seen */
	hs(&t, &c);
	fin(&t, &c, 1); /* one FIN only */
	assert_int_equal(counter(&t, 0), 3);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now + SEC), 0);
	check_order(t.rec, 1);
	assert_int_equal(end_flow(t.rec, 0)->close, FT_CLOSE_EOF);
	assert_int_equal(end_flow(t.rec, 1)->close, FT_CLOSE_FIN);
	assert_int_equal(end_flow(t.rec, 2)->close, FT_CLOSE_EOF);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->state, FT_TCP_ESTABLISHED);
	assert_int_equal(counter(&t, 0), 0);
	/* flushing twice ends nothing more */
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now + SEC), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END) + n_ev(t.rec, 1, FT_FLOW_END) +
				 n_ev(t.rec, 2, FT_FLOW_END),
		3);
	tt_close(&t);
}

static void
test_ack_latency(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	t.now += 5 * MS - 10 * US;
	ack(&t, &c, 1); /* 5 ms */
	dat(&t, &c, 0, 100, 100);
	t.now += 9 * MS - 10 * US;
	ack(&t, &c, 1); /* 9 ms */
	dat(&t, &c, 0, 200, 100);
	t.now += 7 * MS - 10 * US;
	ack(&t, &c, 1); /* 7 ms */
	ack(&t, &c, 1); /* a duplicate ACK: no sample */
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].ack_lat_samples, 3);
	assert_int_equal(f->dir[0].ack_lat_min_ns, 5 * MS);
	assert_int_equal(f->dir[0].ack_lat_max_ns, 9 * MS);
	assert_int_equal(f->dir[0].ack_lat_sum_ns, 21 * MS);
	tt_close(&t);
}

/* Many seeds: random segmentation, reordering within a window, duplicates and
 * overlaps, against a byte map of what was seen. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
test_random_reassembly(void **state)
{
	enum { LEN = 20000, MAXSEG = 64 * 1024 };
	static uint32_t lo[MAXSEG], hi[MAXSEG];
	static uint8_t seenmap[LEN];

	(void)state;
	for (uint64_t seed = 1; seed <= 24; seed++) {
		struct tt t;
		struct conn c;
		uint64_t s = seed;
		unsigned n = 0, want_rtx = 0;
		uint32_t off = 0, front = 0;
		const struct ft_flow *f;

		/* plan: segments of 1..600 bytes, each maybe resent or overlapped */
		while (off < LEN && n + 3 < MAXSEG) {
			uint32_t len = (uint32_t)(1 + rnd(&s) % 600);

			if (off + len > LEN)
				len = LEN - off;
			lo[n] = off;
			hi[n++] = off + len;
			if (rnd(&s) % 10 == 0) { /* an exact copy */
				lo[n] = off;
				hi[n++] = off + len;
			}
			if (rnd(&s) % 8 == 0 && off > 0) { /* re-segmented overlap */
				uint32_t a = (uint32_t)(rnd(&s) % off), b;

				b = a + (uint32_t)(1 + rnd(&s) % 900);
				if (b > LEN)
					b = LEN;
				lo[n] = a;
				hi[n++] = b;
			}
			off += len;
		}
		/* shuffle within windows of 6 (bounded reordering) */
		for (unsigned i = 0; i + 1 < n; i++) {
			unsigned j = i + (unsigned)(rnd(&s) % 6);

			if (j < n) {
				uint32_t a = lo[i], b = hi[i];

				lo[i] = lo[j];
				hi[i] = hi[j];
				lo[j] = a;
				hi[j] = b;
			}
		}
		tt_open(&t, NULL);
		conn_init(&c, (unsigned)seed, 0);
		c.isn[0] = (uint32_t)(0xFFFFFFFFu - (uint32_t)(rnd(&s) % 30000)); /* wraps inside */
		hs(&t, &c);
		memset(seenmap, 0, sizeof(seenmap));
		for (unsigned i = 0; i < n; i++) {
			int all = 1;

			for (uint32_t k = lo[i]; k < hi[i]; k++) {
				all &= seenmap[k];
				seenmap[k] = 1;
			}
			want_rtx += (unsigned)all;
			dat(&t, &c, 0, lo[i], hi[i] - lo[i]);
			while (front < LEN && seenmap[front])
				front++;
			if (i % 4 == 3)
				ackto(&t, &c, 1, front); /* never past a hole */
		}
		ack(&t, &c, 1);
		close_fin(&t, &c);
		check_order(t.rec, 1);
		assert_whole(t.rec, 0, 0, 0, LEN);
		f = end_flow(t.rec, 0);
		assert_int_equal(f->dir[0].bytes, LEN);
		assert_int_equal(f->dir[0].missed, 0);
		if (f->dir[0].retransmits != want_rtx)
			fail_msg("seed %" PRIu64 ": retransmits %" PRIu64 ", want %u", seed,
				f->dir[0].retransmits, want_rtx);
		assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RETRANSMIT), want_rtx);
		assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
		assert_int_equal(f->close, FT_CLOSE_FIN);
		tt_close(&t);
	}
}

static void
test_no_reassembly(void **state)
{
	struct tt t;
	struct ft_tracker_config cfg = cfg_default();
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	cfg.reassemble = 0;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 0, 200, 100);
	dat(&t, &c, 0, 100, 100);
	dat(&t, &c, 0, 100, 100);
	ack(&t, &c, 1);
	close_fin(&t, &c);
	check_order(t.rec, 1); /* DATA has no bytes (checked in on_flow) */
	assert_int_equal(t.rec->s[0].n[0], 300);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 300);
	assert_int_equal(f->dir[0].retransmits, 1);
	assert_int_equal(f->dir[0].missed, 0);
	tt_close(&t);
}

/* A callback's non-zero return comes back from ft__tracker_packet(). */
static void
test_callback_stop(void **state)
{
	struct tt t;
	struct conn c;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	t.rec->ret = 42;
	syn(&t, &c);
	assert_int_equal(t.rc, 0); /* no event yet */
	t.now += MS;
	synack(&t, &c);
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	assert_int_equal(t.rc, 42); /* START */
	t.rec->ret = 0;
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	tt_close(&t);
}

static int
vis_stop(const struct ft_flow *f, void *user)
{
	(void)f;
	++*(unsigned *)user;
	return 1;
}

static void
test_visit(void **state)
{
	struct tt t;
	struct conn a, b;
	struct ft_flow f;
	struct vis v;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&a, 0, 0);
	conn_init(&b, 1, 1);
	hs(&t, &a);
	dat(&t, &a, 0, 0, 123);
	dat(&t, &a, 1, 0, 45);
	hs(&t, &b);
	dat(&t, &b, 0, 0, 7);
	dat(&t, &b, 0, 100, 9); /* held, with a hole */
	assert_int_equal(visit(&t, &v), 2);
	assert_int_equal(snap(&t, a.port[0], &f), 1);
	assert_int_equal(f.state, FT_TCP_ESTABLISHED);
	assert_int_equal(f.ip_v, 4);
	assert_int_equal(f.sport, a.port[0]);
	assert_int_equal(f.dir[0].packets, 3);
	assert_int_equal(f.dir[1].packets, 2);
	assert_int_equal(f.dir[0].bytes, 123);
	assert_int_equal(f.dir[1].bytes, 45);
	assert_int_equal(f.close, FT_CLOSE_NONE);
	assert_int_equal(f.first_ns, a.t_syn);
	assert_int_equal(f.rtt_ns, (int64_t)(a.t_synack - a.t_syn));
	assert_int_equal(snap(&t, b.port[0], &f), 1);
	assert_int_equal(f.ip_v, 6);
	assert_int_equal(f.dir[0].packets, 4);
	assert_true(f.dir[0].bytes == 7 || f.dir[0].bytes == 16);
	assert_int_equal(f.dir[0].missed, 0);
	assert_int_equal(counter(&t, 0), 2);
	/* a non-zero return stops the walk */
	{
		unsigned calls = 0;

		ft__tracker_visit(t.tr, vis_stop, &calls);
		assert_int_equal(calls, 1);
	}
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	visit(&t, &v);
	for (unsigned i = 0; i < v.n && i < 64; i++)
		assert_int_equal(v.f[i].state, FT_TCP_CLOSED);
	assert_int_equal(counter(&t, 0), 0);
	tt_close(&t);
}

/* SHA-1 against FIPS 180 / RFC 3174 vectors, at every padding case: one
 * block, the length spilling into a second block (56..63 bytes), several. */
static void
test_sha1_vectors(void **state)
{
	static const struct {
		const char *msg;
		unsigned repeat;
		const char *hex;
	} v[] = {
		{"", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
			"84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
		{"a", 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
		{"a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
		{"0123456701234567012345670123456701234567012345670123456701234567", 10,
			"dea356a2cddd90c7a7ecedc5ebb563934f460452"},
	};
	static uint8_t buf[1000000];
	uint8_t dig[FT_SHA1_LEN];
	char hex[41];

	(void)state;
	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t l = strlen(v[i].msg), n = 0;

		for (unsigned r = 0; r < v[i].repeat; r++, n += l)
			memcpy(buf + n, v[i].msg, l);
		ft__sha1(buf, n, dig);
		for (int k = 0; k < FT_SHA1_LEN; k++)
			snprintf(hex + 2 * k, 3, "%02x", dig[k]);
		assert_string_equal(hex, v[i].hex);
	}
}

static void
test_community_id(void **state)
{
	struct ft_flow f;
	char buf[64];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.ip_v = 4;
	memcpy(f.src, "\x80\xe8\x6e\x78", 4); /* 128.232.110.120 */
	memcpy(f.dst, "\x42\x23\xfa\xcc", 4); /* 66.35.250.204 */
	f.sport = 34855;
	f.dport = 80;
	assert_string_equal(
		ft_community_id(&f, buf, sizeof(buf)), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	/* the reverse direction gives the same */
	memcpy(f.dst, "\x80\xe8\x6e\x78", 4);
	memcpy(f.src, "\x42\x23\xfa\xcc", 4);
	f.sport = 80;
	f.dport = 34855;
	assert_string_equal(
		ft_community_id(&f, buf, sizeof(buf)), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	/* 10.0.0.1:40000 -> 10.0.0.2:80 and 10.200.0.1:40000 -> 10.200.0.2:80 (python's sha1) */
	memcpy(f.src, "\x0a\xc8\x00\x01", 4);
	memcpy(f.dst, "\x0a\xc8\x00\x02", 4);
	f.sport = 40000;
	f.dport = 80;
	assert_string_equal(
		ft_community_id(&f, buf, sizeof(buf)), "1:xP9jTGyLPdSkAZUjs/s/nua3278=");
	/* IPv6: 2001:db8::1:1234 -> 2001:db8::2:80 */
	memset(&f, 0, sizeof(f));
	f.ip_v = 6;
	memcpy(f.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(f.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	f.sport = 1234;
	f.dport = 80;
	assert_string_equal(
		ft_community_id(&f, buf, sizeof(buf)), "1:r0kqPLw6hSIAasyo9ANthUgbhVA=");
	memcpy(f.dst, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(f.src, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	f.sport = 80;
	f.dport = 1234;
	assert_string_equal(
		ft_community_id(&f, buf, sizeof(buf)), "1:r0kqPLw6hSIAasyo9ANthUgbhVA=");
	/* a small buffer is cut, never overflowed */
	memset(buf, 'x', sizeof(buf));
	ft_community_id(&f, buf, 8);
	assert_true(memchr(buf, '\0', 8) != NULL);
	assert_int_equal(buf[8], 'x');
}

/* The Community ID specification's baseline (baseline/baseline_deflt.json):
 * proto, saddr, daddr, sport, dport (ICMP: type and the mapped port), id. */
struct cid_vec {
	uint8_t proto, v;
	const char *src, *dst;
	uint16_t sp, dp;
	const char *id;
};

static void
parse_addr(int v, const char *a, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(v == 6 ? AF_INET6 : AF_INET, a, out), 1);
}

static void
test_community_id_vectors(void **state)
{
	static const struct cid_vec vec[] = {
		{58, 6, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
			"1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
		{58, 6, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
			"1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
		{58, 6, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
			"1:zavyT/cezQr1fmImYCwYnMXbgck="},
		{58, 6, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135,
			"1:zavyT/cezQr1fmImYCwYnMXbgck="},
		{58, 6, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
			"1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
		{58, 6, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
			"1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
		{58, 6, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
			"1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
		{58, 6, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128,
			"1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
		{58, 6, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
			"1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
		{58, 6, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
			"1:pkvHqCL88/tg1k4cPigmZXUtL00="},
		{1, 4, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
		{1, 4, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
		{1, 4, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="},
		{6, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943,
			25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{6, 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25,
			63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{132, 4, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
		{132, 4, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="},
		{6, 4, "128.232.110.120", "66.35.250.204", 34855, 80,
			"1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{6, 4, "66.35.250.204", "128.232.110.120", 80, 34855,
			"1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{17, 4, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
		{17, 4, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
		{46, 4, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
		{46, 4, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="},
	};
	struct ft_flow f;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		const struct cid_vec *v = &vec[i];

		memset(&f, 0, sizeof(f));
		f.ip_v = v->v;
		f.proto = v->proto;
		parse_addr(v->v, v->src, f.src);
		parse_addr(v->v, v->dst, f.dst);
		if (v->proto == 1 || v->proto == 58) {
			/* A flow keeps its first packet's type and code; the vector's
			 * dport is the code for a one-way message. */
			f.icmp_type = (uint8_t)v->sp;
			f.icmp_code = (uint8_t)v->dp;
		} else {
			f.sport = v->sp;
			f.dport = v->dp;
		}
		ft_community_id(&f, buf, sizeof(buf));
		if (strcmp(buf, v->id) != 0)
			fail_msg("vector %zu (proto %u %s -> %s): %s, want %s", i, v->proto, v->src,
				v->dst, buf, v->id);
	}
}

/* ---- flows of the other IP protocols ------------------------------------- */

/*
 * One IP packet of protocol proto with L4 bytes l4[0..n) from a to b (IPv4
 * or IPv6 addresses of c; from: which side sends), optionally VLAN tagged as
 * c is, at t->now + 10 us. Returns the tracker's result.
 */
static int
tx_ip(struct tt *t, const struct conn *c, int from, uint8_t proto, const uint8_t *l4, uint32_t n)
{
	uint8_t f[2048];
	size_t o;
	struct ft_decoded dec;

	assert_true(n <= 1400);
	memset(f, 0, sizeof(f));
	o = l2l3(t, c, from, proto, n, f);
	memcpy(f + o, l4, n);
	o += n;
	if (o < 60)
		o = 60; /* Ethernet padding */
	memset(&dec, 0, sizeof(dec));
	assert_int_equal(ft_decode(FT_DLT_EN10MB, f, (uint32_t)o, (uint32_t)o, &dec), FT_DEC_OK);
	return feed(t, f, o, &dec);
}

/* A UDP datagram of c's ports from side `from` with len payload bytes of stream[from] at off. */
static int
tx_udp(struct tt *t, const struct conn *c, int from, uint32_t off, uint32_t len)
{
	uint8_t u[1408];

	assert_true(len + 8 <= sizeof(u) && off + len <= STREAM);
	ftg_wr16(u, c->port[from]);
	ftg_wr16(u + 2, c->port[!from]);
	ftg_wr16(u + 4, (uint16_t)(8 + len));
	ftg_wr16(u + 6, 0); /* no checksum */
	memcpy(u + 8, stream[from] + off, len);
	return tx_ip(t, c, from, 17, u, 8 + len);
}

/* An ICMP (ICMPv6 when c is IPv6) message: type, code, id, seq, then pad bytes. */
static int
tx_icmp(struct tt *t, const struct conn *c, int from, uint8_t type, uint8_t code, uint16_t id,
	uint16_t seq, uint32_t pad)
{
	uint8_t m[256];

	assert_true(8 + pad <= sizeof(m));
	memset(m, 0x5a, sizeof(m));
	m[0] = type;
	m[1] = code;
	ftg_wr16(m + 2, 0);
	ftg_wr16(m + 4, id);
	ftg_wr16(m + 6, seq);
	return tx_ip(t, c, from, c->v6 ? 58 : 1, m, 8 + pad);
}

/* The recorder's session whose END flow has protocol proto and, with ports, sport. */
static unsigned
si_of_proto(const struct rec *r, uint8_t proto, int k)
{
	for (unsigned si = 0; si < r->ns; si++) {
		const struct ev *e = ev_k(r, si, FT_FLOW_START, 0);

		if (e != NULL && e->f.proto == proto && k-- == 0)
			return si;
	}
	fail_msg("no flow of protocol %u (#%d)", proto, k);
	return 0;
}

static void
check_udp(int v6)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	static const uint32_t lens[] = {30, 80, 1200, 0, 7, 500};
	uint32_t off[2] = {0, 0}, pkts[2] = {0, 0}, bytes[2] = {0, 0}, ndata[2] = {0, 0};
	unsigned si, k;

	tt_open(&t, NULL);
	conn_init(&c, 1, v6);
	c.port[0] = 53000;
	c.port[1] = 53;
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int d = (int)(i & 1);

		assert_int_equal(tx_udp(&t, &c, d, off[d], lens[i]), 0);
		off[d] += lens[i];
		pkts[d]++;
		bytes[d] += 8 + lens[i];
		ndata[d] += lens[i] > 0;
	}
	assert_int_equal(counter(&t, 0), 1);
	assert_int_equal(r_n_started(&t, FT_FLOW_CLASS_UDP), 1);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	si = si_of_proto(t.rec, 17, 0);
	f = end_flow(t.rec, si);
	assert_int_equal(f->proto, 17);
	assert_int_equal(f->close, FT_CLOSE_EOF);
	assert_int_equal(f->state, 0);
	assert_int_equal(f->sport, 53000);
	assert_int_equal(f->dport, 53);
	assert_memory_equal(f->src, c.addr[0], v6 ? 16 : 4);
	for (int d = 0; d < 2; d++) {
		assert_int_equal(f->dir[d].packets, pkts[d]);
		assert_int_equal(f->dir[d].bytes, bytes[d]); /* IP payload: UDP header + data */
		assert_int_equal(f->dir[d].octets, bytes[d] + pkts[d] * (v6 ? 40 : 20));
		/* The datagrams' bytes, in order, one DATA each (empty ones none). */
		assert_int_equal(t.rec->s[si].n[d], off[d]);
		assert_memory_equal(t.rec->s[si].buf[d], stream[d], off[d]);
	}
	assert_int_equal(n_ev(t.rec, si, FT_FLOW_DATA), ndata[0] + ndata[1]);
	/* DATA boundaries are the datagrams': the k-th DATA of the flow is the k-th
	 * non-empty datagram. */
	k = 0;
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		const struct ev *e;

		if (lens[i] == 0)
			continue;
		e = ev_k(t.rec, si, FT_FLOW_DATA, k++);
		assert_non_null(e);
		assert_int_equal(e->len, lens[i]);
		assert_int_equal(e->dir, (enum ft_dir)(i & 1));
		assert_true(e->has_data);
	}
	assert_int_equal(r_n_ended(&t, FT_FLOW_CLASS_UDP), 1);
	assert_int_equal(counter(&t, 0), 0);
	tt_close(&t);
}

static void
test_udp_flow(void **state)
{
	(void)state;
	init_streams();
	check_udp(0);
	check_udp(1);
}

static void
test_udp_timeout(void **state)
{
	struct tt t;
	struct conn c;
	struct ft_tracker_config cfg = cfg_default();
	const struct ft_flow *f;
	uint64_t t1;

	(void)state;
	init_streams();
	cfg.timeout_udp_ns = 60 * SEC;
	tt_open(&t, &cfg);
	conn_init(&c, 2, 0);
	tx_udp(&t, &c, 0, 0, 40);
	tx_udp(&t, &c, 1, 0, 90);
	t1 = t.now;
	/* Idle 59 s: still open; 61 s: ended as a timeout. */
	assert_int_equal(ft__tracker_tick(t.tr, t1 + 59 * SEC), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 0);
	assert_int_equal(ft__tracker_tick(t.tr, t1 + 61 * SEC), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_TIMEOUT);
	assert_int_equal(f->last_ns, t1);
	/* A datagram on the same ports later is a new flow. */
	t.now = t1 + 62 * SEC;
	tx_udp(&t, &c, 1, 0, 10);
	assert_int_equal(t.rec->ns, 2);
	assert_int_not_equal(t.rec->s[1].id, t.rec->s[0].id);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	f = end_flow(t.rec, 1);
	assert_int_equal(f->close, FT_CLOSE_EOF);
	/* Its first packet came from the server: src is the server now. */
	assert_int_equal(f->sport, c.port[1]);
	assert_int_equal(f->dir[FT_DIR_SEND].packets, 1);
	assert_int_equal(f->dir[FT_DIR_RECV].packets, 0);
	check_order(t.rec, 1);
	tt_close(&t);
}

/*
 * A packet after its flow's idle timeout starts a new flow whether or not a
 * tick ran in between (a file's batching decides that): UDP after 61 s, a TCP
 * session after 301 s, a lingering closed one after 31 s.
 */
static void
test_timeout_without_tick(void **state)
{
	for (int ticked = 0; ticked < 2; ticked++) {
		struct tt t;
		struct conn u, c, k;
		struct ft_tracker_config cfg = cfg_default();
		uint64_t t0;

		(void)state;
		init_streams();
		cfg.timeout_udp_ns = 60 * SEC;
		tt_open(&t, &cfg);
		conn_init(&u, 2, 0);
		conn_init(&c, 0, 0);
		conn_init(&k, 1, 0);
		tx_udp(&t, &u, 0, 0, 40);
		hs(&t, &c);
		dat(&t, &c, 0, 0, 100);
		hs(&t, &k);
		close_fin(&t, &k);
		t0 = t.now;
		assert_int_equal(t.rec->ns, 3);
		t.now = t0 + 59 * SEC;
		tx_udp(&t, &u, 1, 0, 10); /* 59 s: the same flow */
		assert_int_equal(t.rec->ns, 3);
		t.now += 61 * SEC;
		if (ticked)
			assert_int_equal(ft__tracker_tick(t.tr, t.now - 1), 0);
		tx_udp(&t, &u, 0, 0, 10); /* 61 s after the last: a new one */
		assert_int_equal(t.rec->ns, 4);
		assert_int_equal(end_flow(t.rec, 0)->close, FT_CLOSE_TIMEOUT);
		assert_int_equal(end_flow(t.rec, 0)->dir[FT_DIR_SEND].packets, 1);
		assert_int_equal(end_flow(t.rec, 0)->dir[FT_DIR_RECV].packets, 1);
		ack(&t, &k, 0); /* 120 s after its close: a new session, mid-stream */
		assert_int_equal(t.rec->ns, 5);
		assert_int_equal(t.rec->ev[t.rec->nev - 1].f.midstream, 1);
		t.now = t0 + 301 * SEC;
		if (ticked)
			assert_int_equal(ft__tracker_tick(t.tr, t.now - 1), 0);
		ack(&t, &c, 1); /* 301 s idle: the session timed out */
		assert_int_equal(t.rec->ns, 6);
		assert_int_equal(end_flow(t.rec, 1)->close, FT_CLOSE_TIMEOUT);
		assert_int_equal(end_flow(t.rec, 1)->dir[FT_DIR_SEND].bytes, 100);
		assert_int_equal(t.rec->ev[t.rec->nev - 1].f.midstream, 1);
		assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
		check_order(t.rec, 1);
		tt_close(&t);
	}
}

static void
test_icmp_echo(void **state)
{
	struct tt t;
	struct conn c4, c6;
	const struct ft_flow *f;
	char buf[FT_FLOW_FORMAT_MAX];
	unsigned si;

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c4, 0, 0);
	memcpy(c4.addr[0], "\xc0\xa8\x00\x59", 4); /* 192.168.0.89 */
	memcpy(c4.addr[1], "\xc0\xa8\x00\x01", 4); /* 192.168.0.1 */
	conn_init(&c6, 0, 1);
	/* Three echo exchanges on id 77, one on id 78 (another flow), over IPv4;
	 * two on IPv6; a one-way message (time exceeded) is a flow of its own. */
	for (uint16_t s = 1; s <= 3; s++) {
		tx_icmp(&t, &c4, 0, 8, 0, 77, s, 56);
		tx_icmp(&t, &c4, 1, 0, 0, 77, s, 56);
	}
	tx_icmp(&t, &c4, 0, 8, 0, 78, 1, 56);
	for (uint16_t s = 1; s <= 2; s++) {
		tx_icmp(&t, &c6, 0, 128, 0, 9, s, 16);
		tx_icmp(&t, &c6, 1, 129, 0, 9, s, 16);
	}
	tx_icmp(&t, &c4, 1, 11, 0, 0, 0, 28);
	assert_int_equal(counter(&t, 0), 4);
	assert_int_equal(r_n_started(&t, FT_FLOW_CLASS_ICMP), 4);
	/* ICMP idles out after 30 s. */
	assert_int_equal(ft__tracker_tick(t.tr, t.now + 31 * SEC), 0);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 4);
	si = si_of_proto(t.rec, 1, 0);
	f = end_flow(t.rec, si);
	assert_int_equal(f->close, FT_CLOSE_TIMEOUT);
	assert_int_equal(f->icmp_type, 8);
	assert_int_equal(f->icmp_id, 77);
	assert_true(f->icmp_echo);
	assert_int_equal(f->dir[0].packets, 3);
	assert_int_equal(f->dir[1].packets, 3);
	assert_int_equal(f->dir[0].bytes, 3 * 64);
	assert_int_equal(f->dir[1].octets, 3 * 84);
	/* The specification's vector for this pair: 192.168.0.89 -> .1 echo. */
	ft_community_id(f, buf, sizeof(buf));
	assert_string_equal(buf, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	ft_format_flow_json(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"proto\":\"icmp\""));
	assert_non_null(strstr(buf, "\"icmp_type\":8,\"icmp_code\":0,\"icmp_id\":77"));
	assert_null(strstr(buf, "\"sport\""));
	assert_null(strstr(buf, "\"state\""));
	assert_null(strstr(buf, "\"retransmits\""));
	f = end_flow(t.rec, si_of_proto(t.rec, 1, 1));
	assert_int_equal(f->icmp_id, 78);
	assert_int_equal(f->dir[0].packets + f->dir[1].packets, 1);
	f = end_flow(t.rec, si_of_proto(t.rec, 58, 0));
	assert_int_equal(f->ip_v, 6);
	assert_int_equal(f->dir[0].packets, 2);
	assert_int_equal(f->dir[1].packets, 2);
	assert_int_equal(f->dir[1].octets, 2 * (40 + 24));
	ft_format_flow_json(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"proto\":\"icmp6\""));
	f = end_flow(t.rec, si_of_proto(t.rec, 1, 2));
	assert_int_equal(f->icmp_type, 11);
	assert_false(f->icmp_echo);
	assert_memory_equal(f->src, c4.addr[1], 4);
	assert_int_equal(r_n_ended(&t, FT_FLOW_CLASS_ICMP), 4);
	tt_close(&t);
}

static void
test_other_proto(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	uint8_t body[100];
	char buf[FT_FLOW_FORMAT_MAX];

	(void)state;
	memset(body, 0x11, sizeof(body));
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	memcpy(c.addr[0], "\x0a\x01\x0c\x01", 4); /* 10.1.12.1 */
	memcpy(c.addr[1], "\x0a\x01\x0c\x02", 4); /* 10.1.12.2 */
	c.n_vlan = 1;
	c.vlan[0] = 42;
	tx_ip(&t, &c, 0, 46, body, 100); /* RSVP */
	tx_ip(&t, &c, 1, 46, body, 60);
	tx_ip(&t, &c, 0, 46, body, 40);
	/* Not yet idle 60 s at +59 s; ended at +61 s. */
	assert_int_equal(ft__tracker_tick(t.tr, t.now + 59 * SEC), 0);
	assert_int_equal(r_n_ended(&t, FT_FLOW_CLASS_OTHER), 0);
	assert_int_equal(ft__tracker_tick(t.tr, t.now + 61 * SEC), 0);
	assert_int_equal(r_n_ended(&t, FT_FLOW_CLASS_OTHER), 1);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->proto, 46);
	assert_int_equal(f->n_vlan, 1);
	assert_int_equal(f->vlan[0], 42);
	assert_int_equal(f->dir[0].packets, 2);
	assert_int_equal(f->dir[0].bytes, 140);
	assert_int_equal(f->dir[0].octets, 180);
	assert_int_equal(f->dir[1].bytes, 60);
	assert_int_equal(f->dir[1].octets, 80);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_DATA), 0);
	ft_community_id(f, buf, sizeof(buf));
	assert_string_equal(buf, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
	ft_format_flow_json(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"proto\":46,"));
	assert_null(strstr(buf, "\"sport\""));
	assert_non_null(strstr(buf, "\"vlan\":[42]"));
	ft_format_flow_text(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "proto-46 10.1.12.1 > 10.1.12.2: "));
	tt_close(&t);
}

/* UDP, ICMP and TCP share the table's bound: the oldest idle flow is evicted. */
static void
test_ip_eviction(void **state)
{
	struct tt t;
	struct ft_tracker_config cfg = cfg_default();
	struct conn c;
	unsigned evicted = 0;

	(void)state;
	init_streams();
	cfg.max_flows = 4;
	tt_open(&t, &cfg);
	for (unsigned i = 0; i < 6; i++) {
		conn_init(&c, i, 0);
		tx_udp(&t, &c, 0, 0, 20);
	}
	conn_init(&c, 0, 0);
	tx_icmp(&t, &c, 0, 8, 0, 1, 1, 8);
	assert_int_equal(counter(&t, 0), 4);
	assert_int_equal(counter(&t, 1), 3);
	for (unsigned si = 0; si < t.rec->ns; si++) {
		const struct ev *e = ev_k(t.rec, si, FT_FLOW_END, 0);

		if (e != NULL) {
			assert_int_equal(e->f.close, FT_CLOSE_EVICTED);
			/* The oldest ones went: ports 40000, 40001, 40002. */
			assert_true(e->f.sport < 40003);
			evicted++;
		}
	}
	assert_int_equal(evicted, 3);
	assert_int_equal(ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now), 0);
	check_order(t.rec, 1);
	assert_int_equal(r_n_started(&t, FT_FLOW_CLASS_UDP), 6);
	assert_int_equal(r_n_ended(&t, FT_FLOW_CLASS_UDP), 6);
	assert_int_equal(r_n_ended(&t, FT_FLOW_CLASS_ICMP), 1);
	tt_close(&t);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(ft_tcp_state_name(FT_TCP_SYN_SENT), "SYN_SENT");
	assert_string_equal(ft_tcp_state_name(FT_TCP_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(ft_tcp_state_name(FT_TCP_CLOSED), "CLOSED");
	assert_non_null(ft_tcp_state_name(99));
	assert_string_equal(ft_close_name(FT_CLOSE_FIN), "fin");
	assert_string_equal(ft_close_name(FT_CLOSE_RST), "rst");
	assert_string_equal(ft_close_name(FT_CLOSE_TIMEOUT), "timeout");
	assert_string_equal(ft_close_name(FT_CLOSE_EOF), "eof");
	assert_string_equal(ft_close_name(FT_CLOSE_EVICTED), "evicted");
	assert_non_null(ft_close_name(99));
}

/* obj has key immediately followed by the number v. */
static int
has_num(const char *obj, const char *key, unsigned long v)
{
	const char *p = strstr(obj, key);

	return p != NULL && strtoul(p + strlen(key), NULL, 10) == v;
}

static void
test_flow_json(void **state)
{
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	char buf[FT_FLOW_FORMAT_MAX], small[40];
	size_t n;
	int depth = 0, in_str = 0;
	static const char *const keys[] = {
		"\"type\":\"flow\"",
		"\"proto\":\"tcp\"",
		"\"src\":\"10.0.0.1\"",
		"\"sport\":40000",
		"\"dst\":\"10.0.0.2\"",
		"\"dport\":80",
		"\"first\":",
		"\"last\":",
		"\"state\":\"CLOSED\"",
		"\"close\":\"fin\"",
		"\"send\":{",
		"\"recv\":{",
		"\"packets\":",
		"\"bytes\":300",
		"\"bytes\":100",
		"\"retransmits\":",
		"\"missed\":",
		"\"connect_ms\":",
		"\"rtt_ms\":",
		"\"community_id\":\"1:",
	};

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 300);
	dat(&t, &c, 1, 0, 100);
	close_fin(&t, &c);
	f = end_flow(t.rec, 0);
	n = ft_format_flow_json(f, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_true(n > 0 && buf[0] == '{' && buf[n - 1] == '}');
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strstr(buf, keys[i]) == NULL)
			fail_msg("flow JSON lacks %s: %s", keys[i], buf);
	assert_null(strchr(buf, '\n'));
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '"' && (i == 0 || buf[i - 1] != '\\'))
			in_str = !in_str;
		if (in_str)
			continue;
		if (buf[i] == '{' || buf[i] == '[')
			depth++;
		if (buf[i] == '}' || buf[i] == ']')
			depth--;
		assert_true(depth >= 0);
		if (buf[i] == ',')
			assert_true(buf[i + 1] != '}' && buf[i + 1] != ']' && buf[i + 1] != ',');
	}
	assert_int_equal(depth, 0);
	assert_false(in_str);
	assert_null(strstr(buf, "nan"));
	assert_null(strstr(buf, "inf"));
	/* the send object holds the send counters, recv the other side's */
	{
		char obj[512];
		const char *s = strstr(buf, "\"send\":{"), *e = strchr(s, '}');

		assert_true(e != NULL && (size_t)(e - s) < sizeof(obj));
		memcpy(obj, s, (size_t)(e - s));
		obj[e - s] = '\0';
		if (!has_num(obj, "\"bytes\":", 300) || !has_num(obj, "\"packets\":", 5))
			fail_msg("send object: %s", obj);
		s = strstr(buf, "\"recv\":{");
		e = strchr(s, '}');
		memcpy(obj, s, (size_t)(e - s));
		obj[e - s] = '\0';
		if (!has_num(obj, "\"bytes\":", 100) || !has_num(obj, "\"packets\":", 4))
			fail_msg("recv object: %s", obj);
	}
	/* cut, never overflowed */
	memset(small, 'x', sizeof(small));
	ft_format_flow_json(f, small, 20);
	assert_true(memchr(small, '\0', 20) != NULL);
	assert_int_equal(small[20], 'x');
	n = ft_format_flow_text(f, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "10.0.0.1"));
	tt_close(&t);
}

/* An IPv6 flow record: addresses in RFC 5952 form; midstream without handshake times. */
static void
test_flow_json_v6_midstream(void **state)
{
	struct tt t;
	struct conn c;
	char buf[FT_FLOW_FORMAT_MAX];

	(void)state;
	tt_open(&t, NULL);
	conn_init(&c, 0, 1);
	dat(&t, &c, 0, 0, 10);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	ft_format_flow_json(end_flow(t.rec, 0), buf, sizeof(buf));
	if (strstr(buf, "\"src\":\"fd00::1\"") == NULL ||
		strstr(buf, "\"dst\":\"fd00::2\"") == NULL ||
		strstr(buf, "\"close\":\"eof\"") == NULL)
		fail_msg("flow JSON: %s", buf);
	tt_close(&t);
}

/* ---- capture order is not send order (the reorder window) ------------------ */

static struct ft_tracker_config
cfg_window(uint64_t window_ns)
{
	struct ft_tracker_config c = cfg_default();

	c.reorder_window_ns = window_ns;
	return c;
}

/* The receiver's ACK captured before the data it covers: no loss at all. */
static void
test_ack_before_data(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	ackto(&t, &c, 1, 300); /* covers [100, 300) before it is captured */
	dat(&t, &c, 0, 100, 100);
	dat(&t, &c, 0, 200, 100);
	ack(&t, &c, 1);
	close_fin(&t, &c);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_whole(t.rec, 0, 0, 0, 300);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 300);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->dir[0].retransmits, 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	tt_close(&t);
}

/* A true loss: the hole the ACK passed is given up once the window is over. */
static void
test_window_expires(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;
	const struct ev *g;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	ackto(&t, &c, 1, 200); /* [100, 200) was lost before the tap */
	c.hi[0] = 200;
	t.now += 50 * MS;
	dat(&t, &c, 0, 200, 100); /* within the window: held, nothing given up */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 0);
	t.now += 60 * MS; /* the window after the ACK is over */
	assert_int_equal(ft__tracker_tick(t.tr, t.now), 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_GAP), 1);
	g = ev_k(t.rec, 0, FT_FLOW_GAP, 0);
	assert_int_equal(g->len, 100);
	/* stamped when the window ended, not when the queue was looked at */
	assert_true(g->ts < t.now);
	dat(&t, &c, 0, 100, 100); /* too late: already given up */
	ack(&t, &c, 1);
	close_fin(&t, &c);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	{
		uint32_t p[4] = {0, 100, 200, 300};

		assert_stream(t.rec, 0, 0, 0, p, 2);
	}
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 200);
	assert_int_equal(f->dir[0].missed, 100);
	tt_close(&t);
}

/* The session's buffer cap forces a give-up before the window is over. */
static void
test_window_buffer_cap(void **state)
{
	struct ft_tracker_config cfg = cfg_window(SEC);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	cfg.ooo_flow_bytes = 2048;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	ackto(&t, &c, 1, 1100);
	for (uint32_t off = 1100; off < 1100 + 4 * 1000; off += 1000)
		dat(&t, &c, 0, off, 1000); /* the third no longer fits */
	assert_true(n_ev(t.rec, 0, FT_FLOW_GAP) >= 1);
	assert_true(counter(&t, 3) >= 1);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 4100);
	assert_int_equal(f->dir[0].missed, 1000);
	tt_close(&t);
}

/* SYN-ACK captured before the SYN: one session, roles from the SYN. */
static void
test_synack_before_syn(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	synack(&t, &c);
	syn(&t, &c);
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	dat(&t, &c, 1, 0, 40); /* the server's reply before the request */
	dat(&t, &c, 0, 0, 60);
	ack(&t, &c, 1);
	ack(&t, &c, 0);
	close_fin(&t, &c);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->sport, c.port[0]); /* src: the SYN's sender */
	assert_false(f->midstream);
	assert_int_equal(f->rtt_ns, -1); /* the order says nothing of the RTT */
	assert_true(f->connect_ns >= 0);
	assert_int_equal(f->dir[0].bytes, 60);
	assert_int_equal(f->dir[1].bytes, 40);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	assert_int_equal(f->state, FT_TCP_CLOSED);
	tt_close(&t);
}

/* FIN captured before the last data of its sender: the data still counts. */
static void
test_data_after_fin(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	c.hi[0] = 200; /* the FIN after [100, 200), which comes later */
	close_fin(&t, &c);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 0); /* not yet: the window */
	dat(&t, &c, 0, 100, 100);
	t.now += 200 * MS;
	ft__tracker_tick(t.tr, t.now);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->dir[0].bytes, 200);
	assert_int_equal(f->dir[0].missed, 0);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	/* the END carries the session's last packet time */
	assert_int_equal(ev_k(t.rec, 0, FT_FLOW_END, 0)->ts, f->last_ns);
	tt_close(&t);
}

/* Payload on a RST counts; a RST its sender contradicts is ignored. */
static void
test_rst_payload_and_contradicted(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 100);
	/* A RST carrying 50 bytes, then the sender goes on: not honoured. */
	tx(&t, &c, 0, sq(&c, 0, 100), ackv(&c, 0), FT_TCP_RST | FT_TCP_ACK, &stream[0][100], 50);
	c.hi[0] = 150;
	dat(&t, &c, 0, 150, 100);
	ack(&t, &c, 1);
	t.now += 200 * MS;
	ft__tracker_tick(t.tr, t.now);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_END), 0); /* still open */
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RESET_IGNORED), 1);
	/* A RST far outside the sequence space: ignored at once. */
	tx(&t, &c, 1, c.isn[1] + 0x40000000u, 0, FT_TCP_RST, NULL, 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_RESET_IGNORED), 2);
	rst(&t, &c, 1); /* a plausible one: ends it, a window later */
	t.now += 200 * MS;
	ft__tracker_tick(t.tr, t.now);
	check_order(t.rec, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(f->close, FT_CLOSE_RST);
	assert_int_equal(f->rst_ignored, 2);
	assert_int_equal(f->dir[0].bytes, 250);
	assert_int_equal(f->dir[0].missed, 0);
	tt_close(&t);
}

/* A SYN sent twice with the same ISN, then the SYN-ACK: one session. */
static void
test_syn_retry_same_isn(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c;
	const struct ft_flow *f;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	syn(&t, &c);
	t.now += SEC;
	syn(&t, &c);
	synack(&t, &c);
	tx(&t, &c, 0, c.isn[0] + 1, c.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	syn(&t, &c); /* a late duplicate */
	dat(&t, &c, 0, 0, 100);
	dat(&t, &c, 1, 0, 300);
	ack(&t, &c, 0);
	close_fin(&t, &c);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 1);
	f = end_flow(t.rec, 0);
	assert_int_equal(n_ev(t.rec, 0, FT_FLOW_SYN_RETRY), 2);
	assert_int_equal(f->dir[0].bytes, 100);
	assert_int_equal(f->dir[1].bytes, 300);
	assert_false(f->midstream);
	assert_int_equal(f->close, FT_CLOSE_FIN);
	tt_close(&t);
}

/* Port reuse while the old connection is still closing (a tap's skew put the
 * new SYN before the old one's last packets): they still count in the old
 * one, and its END carries its own last packet, not the time it was settled. */
static void
test_reuse_while_closing(void **state)
{
	struct ft_tracker_config cfg = cfg_window(100 * MS);
	struct tt t;
	struct conn c, n;
	const struct ft_flow *f0, *f1;

	(void)state;
	tt_open(&t, &cfg);
	conn_init(&c, 0, 0);
	hs(&t, &c);
	dat(&t, &c, 0, 0, 50);
	fin(&t, &c, 0);
	n = c; /* the next connection on the 4-tuple */
	n.isn[0] += 1000000;
	n.isn[1] += 3000000;
	n.hi[0] = n.hi[1] = 0;
	n.fin[0] = n.fin[1] = 0;
	syn(&t, &n);
	ack(&t, &c, 1); /* the old one's server side, captured late */
	fin(&t, &c, 1);
	ack(&t, &c, 0);
	synack(&t, &n);
	tx(&t, &n, 0, n.isn[0] + 1, n.isn[1] + 1, FT_TCP_ACK, NULL, 0);
	dat(&t, &n, 0, 0, 70);
	t.now += 200 * MS;
	assert_int_equal(ft__tracker_tick(t.tr, t.now), 0);
	ft__tracker_flush(t.tr, FT_CLOSE_EOF, t.now);
	check_order(t.rec, 1);
	assert_int_equal(t.rec->ns, 2);
	f0 = end_flow(t.rec, 0);
	f1 = end_flow(t.rec, 1);
	assert_int_equal(f0->close, FT_CLOSE_FIN);
	assert_int_equal(f0->dir[0].packets, 4); /* SYN, ACK, data, FIN, then the last ACK */
	assert_int_equal(f0->dir[1].packets, 3);
	assert_int_equal(f0->dir[0].bytes, 50);
	assert_int_equal(ev_k(t.rec, 0, FT_FLOW_END, 0)->ts, f0->last_ns);
	assert_int_equal(f1->dir[0].bytes, 70);
	assert_int_equal(f1->first_ns, n.t_syn);
	tt_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_reversed_pairs),
		cmocka_unit_test(test_retransmit),
		cmocka_unit_test(test_retransmit_counting),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_hole_acked_past),
		cmocka_unit_test(test_snaplen_cut),
		cmocka_unit_test(test_hole_filled_late),
		cmocka_unit_test(test_hole_at_close),
		cmocka_unit_test(test_hole_at_rst),
		cmocka_unit_test(test_ooo_flow_cap),
		cmocka_unit_test(test_ooo_cap_refill),
		cmocka_unit_test(test_ooo_cap_refill_splits),
		cmocka_unit_test(test_ooo_tracker_cap),
		cmocka_unit_test(test_ooo_cap_middle),
		cmocka_unit_test(test_syn_retry_after_synack),
		cmocka_unit_test(test_data_on_syn_and_fin),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_wraparound_gap),
		cmocka_unit_test(test_rst_midstream),
		cmocka_unit_test(test_rst_handshake),
		cmocka_unit_test(test_close_by_responder),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_syn_retry),
		cmocka_unit_test(test_synack_new_isn_held),
		cmocka_unit_test(test_synack_new_isn_held_cut),
		cmocka_unit_test(test_synack_other_isn_established),
		cmocka_unit_test(test_synack_new_isn_ack_first),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_syn_replaces_open),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_midstream_fin),
		cmocka_unit_test(test_ipv6_and_vlan_keys),
		cmocka_unit_test(test_qinq_keys),
		cmocka_unit_test(test_timeout_half_open),
		cmocka_unit_test(test_timeout_idle),
		cmocka_unit_test(test_timeout_by_packets),
		cmocka_unit_test(test_closed_linger),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_flush_eof),
		cmocka_unit_test(test_ack_latency),
		cmocka_unit_test(test_random_reassembly),
		cmocka_unit_test(test_no_reassembly),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_visit),
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_community_id),
		cmocka_unit_test(test_community_id_vectors),
		cmocka_unit_test(test_udp_flow),
		cmocka_unit_test(test_udp_timeout),
		cmocka_unit_test(test_timeout_without_tick),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_other_proto),
		cmocka_unit_test(test_ip_eviction),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_flow_json),
		cmocka_unit_test(test_flow_json_v6_midstream),
		cmocka_unit_test(test_ack_before_data),
		cmocka_unit_test(test_window_expires),
		cmocka_unit_test(test_window_buffer_cap),
		cmocka_unit_test(test_synack_before_syn),
		cmocka_unit_test(test_data_after_fin),
		cmocka_unit_test(test_rst_payload_and_contradicted),
		cmocka_unit_test(test_syn_retry_same_isn),
		cmocka_unit_test(test_reuse_while_closing),
	};
	int rc;

	init_streams();
	urcu_qsbr_register_thread();
	rc = cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
	urcu_qsbr_unregister_thread();
	return rc;
}
