/*
 * tracker.c - TCP sessions of one worker: state, reassembly, events, expiry.
 *
 * DESIGN
 * - Tables: a liburcu lock-free hash table (cds_lfht) per worker, keyed by
 *   the ordered endpoint pair + VLAN ids. The worker is its only writer;
 *   other threads may walk it under RCU (QSBR: the worker announces a
 *   quiescent state once per batch). A removed session's memory goes back to
 *   the pool through call_rcu, so a reader never sees it reused. The worker
 *   itself finds its sessions through a flat index of its own (below), which
 *   costs one cache miss where the lfht's split-ordered list costs several.
 * - Memory: sessions come from a pool allocated at creation (max_flows plus
 *   slack for sessions waiting out their grace period); out-of-order
 *   segments from a pool of fixed-size nodes (ooo_bytes in all, ooo_flow_bytes
 *   per session). Nothing is allocated per packet.
 * - Time: packet timestamps drive every timeout, so a file replays the same
 *   way every time; a live worker also ticks with the clock when idle.
 *   Sessions sit on one of four lists by timeout class (half-open,
 *   established, closing, closed-and-lingering) in the order they were
 *   queued; a packet only stamps last_ns. Expiry looks at list heads and
 *   requeues a head touched since it was queued (lazy LRU: no list surgery,
 *   hence no neighbour cache misses, per packet).
 * - Reassembly, per direction: `next` is the next byte expected. A segment
 *   wholly before it is a retransmission; one that starts before it is
 *   trimmed; one that starts at it is delivered and pulls held segments
 *   after it; one that starts later is held (trimmed against what is
 *   already held). Sequence numbers compare modulo 2^32 (RFC 9293 3.4).
 * - Capture order is not send order: a tap with one port per direction, a
 *   multi-queue NIC or a merged file often shows the receiver's ACK before
 *   the data it covers, the SYN-ACK before the SYN, a FIN or RST before the
 *   last data. So an ACK past a hole is evidence, not proof: the hole is
 *   given up (GAP, `missed`) only once the reorder window (packet time) has
 *   passed since the first ACK that covered it, when the session's held
 *   bytes or the pool run out, or when the session ends. Likewise a FIN
 *   close or a RST ends the session (END, the flow record) only a window
 *   after it was seen, and data captured meanwhile still counts. Sessions
 *   waiting for a window sit on the pending queue (below), so a quiet live
 *   link settles them by the clock too. A window of 0 gives holes up at the
 *   ACK and ends sessions at once.
 * - A RST counts the payload it carries. It ends the session only if its
 *   sequence number is plausible and, within the window, nothing
 *   contradicts it: new data from its sender, or an ACK from its receiver
 *   of data sent after it. A RST so contradicted is "ignored" (an event,
 *   and counted in the record): a rejected RST must not blind the tracker.
 * - Roles come from the SYN: a session first seen through its SYN-ACK has
 *   the SYN-ACK's receiver as `src`, and the SYN, when it comes, joins it.
 * - Sessions closed by FIN or RST stay in the table for timeout_closed
 *   ("lingering"), so stray retransmissions and ACKs after the close do not
 *   start bogus mid-stream sessions; a new SYN on that key starts a new one.
 * - Fields of struct ft_flow that change after the session is published are
 *   written with relaxed atomic stores (plain moves on x86), so that
 *   ft__tracker_visit() can read them from another thread without a race.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>
#include <urcu/lfstack.h>

/* liburcu's caa_container_of casts through char *: alignment is the struct's own. */
#pragma GCC diagnostic ignored "-Wcast-align"

#include "flowtap/decode.h"
#include "ring/ring.h" /* FT_TSAN_* */
#include "tracker/tracker.h"
#include "workers/shard.h"

#define SEG_DATA 2048 /* payload bytes one held-segment node carries */

/* Relaxed single-writer access to fields other threads may read. */
#define PUB_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define PUB_GET(field)    __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define PUB_ADD(field, v) PUB_SET(field, (field) + (v))

static inline int32_t
sdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}
#define SEQ_LT(a, b)  (sdiff((a), (b)) < 0)
#define SEQ_LEQ(a, b) (sdiff((a), (b)) <= 0)

enum lru_class { LRU_SYN, LRU_EST, LRU_FIN, LRU_CLOSED, LRU__N };

struct seg {
	struct seg *next; /* sorted by seq */
	uint32_t seq, len;
	uint8_t data[SEG_DATA];
};

struct key {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint16_t vlan[2];
	uint8_t v;
	uint8_t pad[7]; /* to 48 bytes: every byte is hashed */
};

_Static_assert(sizeof(struct key) % 8 == 0, "keys are hashed as whole words");

/* One direction's reassembly and ACK-latency state. */
struct half {
	uint32_t next; /* next byte expected */
	uint32_t isn;
	uint32_t fin_seq;   /* sequence number of the FIN */
	uint32_t probe_end; /* data up to here awaits an ACK (latency sample) */
	uint64_t probe_ns;
	uint32_t high;    /* end of the highest segment seen (bounds what an ACK may give up) */
	struct seg *held; /* out-of-order segments, sorted */
	uint32_t held_bytes;
	uint32_t ack_hi;  /* the other side acknowledged up to here (valid while hole) */
	uint32_t ack_max; /* the highest plausible ACK of this side's bytes (if have_ack) */
	uint64_t hole_ns; /* when an ACK first passed next: the hole's window runs from it */
	uint8_t have_next, syn, syn_acked, fin, fin_acked, probe, hole, have_ack;
};

struct flow {
	/* A lookup touches node and key only: one cache line (16 + 48 bytes). */
	_Alignas(64) struct cds_lfht_node node;
	struct key key;
	struct ft_flow pub; /* what consumers see */
	unsigned long hash;
	uint64_t queued_ns; /* when it was (re)queued on its LRU list */
	struct rcu_head rcu;
	struct cds_lfs_node free_node;
	struct ft_tracker *t;
	struct flow *prev, *next; /* LRU list */
	uint8_t lru;
	uint8_t started, ended, in_table;
	uint64_t syn_ns;         /* the first SYN: connect time counts from it */
	uint64_t last_syn_ns;    /* the last SYN: RTT counts from it (a retry restarts it) */
	uint64_t close_ns;       /* when the FIN close or the RST was seen (closing) */
	uint32_t q_prev, q_next; /* pending queue links: pool position + 1, 0 = none */
	uint32_t rst_end;        /* closing by RST: its sender had sent up to here */
	uint8_t closing;         /* enum ft_close the session ends with once its window is over */
	uint8_t rst_dir, in_q;
	/* Port reuse while the old connection is still closing: the new session
	 * takes the index, the old one (superseded) finishes within its window,
	 * and packets go to the one whose sequence space they fit. */
	uint8_t superseded, in_index;
	uint32_t old, succ; /* pool position + 1 of the one it superseded / that superseded it */
	struct half h[2];
};

struct lru {
	struct flow *head, *tail;
};

/* An index slot: tag 0 is empty; pos is the session's place in the pool. */
struct slot {
	uint32_t tag;
	uint32_t pos;
};

struct ft_tracker {
	struct ft_tracker_config cfg;
	struct cds_lfht *ht;
	struct flow *flows;     /* the pool */
	uint32_t n_flows, bump; /* pool size; entries never used yet start at bump */
	struct slot *index;     /* the worker's own lookup index (open addressing) */
	uint32_t index_mask;
	struct cds_lfs_stack free_flows; /* returned by call_rcu (any thread), popped here only */
	struct seg *segs;
	uint32_t n_segs, seg_bump;
	struct seg *free_segs; /* worker-only */
	struct lru lru[LRU__N];
	uint32_t q_head, q_tail; /* the pending queue: sessions waiting out a reorder window */
	uint64_t q_head_due;     /* no earlier than the head's due time (UINT64_MAX: empty) */
	uint64_t next_id;
	uint32_t in_table; /* sessions in the table, lingering ones included */
	uint64_t now_ns;   /* expiry clock: the latest packet time, or the live clock */
	uint64_t ev_ns;    /* time of what is being processed: the packet's, or now_ns */
	int cb_failed;     /* a callback returned non-zero: no more callbacks */
	int cb_rc;
	/* Counters (single writer, read relaxed). */
	_Alignas(64) _Atomic uint64_t active, evicted, untracked, ooo_dropped, rst_ignored;
};

/* ---------- small helpers ---------- */

static void
lru_unlink(struct ft_tracker *t, struct flow *f)
{
	struct lru *l = &t->lru[f->lru];

	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		l->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		l->tail = f->prev;
	f->prev = f->next = NULL;
}

/*
 * Queue f on list c at time queued_ns, keeping the list ordered by queued_ns.
 * Sessions are queued with their latest time, which is almost always the
 * newest, so the walk back from the tail is short; it is bounded, and past the
 * bound the order is only approximate (expiry may come a little late).
 */
static void
lru_push(struct ft_tracker *t, struct flow *f, enum lru_class c, uint64_t queued_ns)
{
	struct lru *l = &t->lru[c];
	struct flow *p = l->tail;

	for (int steps = 0; p != NULL && p->queued_ns > queued_ns && steps < 64; steps++)
		p = p->prev;
	f->lru = (uint8_t)c;
	f->queued_ns = queued_ns;
	f->prev = p;
	f->next = p != NULL ? p->next : l->head;
	if (f->next != NULL)
		f->next->prev = f;
	else
		l->tail = f;
	if (p != NULL)
		p->next = f;
	else
		l->head = f;
}

/*
 * The lists are lazy: a packet only updates pub.last_ns, and a session moves
 * only when its timeout class changes. Moving it to the tail on every packet
 * would touch two neighbours' cache lines per packet (the unlink) and a third
 * (the old tail): at 100k sessions those misses were most of the cost. The
 * expiry scan requeues a head that was touched since it was queued instead.
 */
static void
lru_touch(struct ft_tracker *t, struct flow *f, enum lru_class c)
{
	if (f->lru == c)
		return;
	lru_unlink(t, f);
	lru_push(t, f, c, f->pub.last_ns);
}

/* A head that was touched since it was queued goes back to the tail. */
static void
lru_requeue(struct ft_tracker *t, struct flow *f)
{
	enum lru_class c = (enum lru_class)f->lru;

	lru_unlink(t, f);
	lru_push(t, f, c, f->pub.last_ns);
}

static enum lru_class
class_of(const struct flow *f)
{
	switch (f->pub.state) {
	case FT_TCP_SYN_SENT:
	case FT_TCP_SYN_RCVD:
		return LRU_SYN;
	case FT_TCP_ESTABLISHED:
		return LRU_EST;
	case FT_TCP_CLOSED:
		return LRU_CLOSED;
	default:
		return LRU_FIN;
	}
}

static uint64_t
timeout_of(const struct ft_tracker *t, enum lru_class c)
{
	switch (c) {
	case LRU_SYN:
		return t->cfg.timeout_syn_ns;
	case LRU_EST:
		return t->cfg.timeout_idle_ns;
	default:
		return t->cfg.timeout_closed_ns;
	}
}

static int
emit(struct ft_tracker *t, struct flow *f, enum ft_flow_event_type type, enum ft_dir dir,
	const uint8_t *data, uint32_t seq, uint32_t len)
{
	struct ft_flow_event ev;
	int rc;

	if (t->cfg.on_flow == NULL || t->cb_failed)
		return 0;
	ev.type = type;
	ev.dir = dir;
	ev.flow = &f->pub;
	ev.ts_ns = t->ev_ns;
	ev.data = data;
	ev.len = len;
	ev.seq = seq;
	rc = t->cfg.on_flow(&ev, t->cfg.user);
	if (rc != 0) {
		t->cb_failed = 1;
		t->cb_rc = rc;
	}
	return rc;
}

/* Single-writer counter (read relaxed by other threads). */
static inline void
ctr_add(_Atomic uint64_t *c, int64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint64_t)n,
		memory_order_relaxed);
}

/* ---------- the pending queue ----------
 *
 * Sessions with a hole an ACK has passed, or a close not yet final, wait here
 * for their reorder window, in the order they began waiting. Every window is
 * the same length, so the queue is (nearly) in deadline order and only its
 * head is looked at: once per packet and per tick. A session is on it at most
 * once; links are pool positions, so they cost 8 bytes a session. A queued
 * session's due time only moves later (a hole filled, a RST contradicted, a
 * later hole or close), so the due time of the head when it became the head
 * is a lower bound the tracker keeps: a packet compares it with the clock
 * and touches no session while nothing is due.
 */
static inline struct flow *
q_at(struct ft_tracker *t, uint32_t pos1)
{
	return pos1 != 0 ? &t->flows[pos1 - 1] : NULL;
}

static uint64_t due_ns(const struct ft_tracker *t, const struct flow *f);

static void
q_push(struct ft_tracker *t, struct flow *f)
{
	uint32_t me = (uint32_t)(f - t->flows) + 1;

	if (f->in_q)
		return;
	f->in_q = 1;
	f->q_next = 0;
	f->q_prev = t->q_tail;
	if (t->q_tail != 0) {
		q_at(t, t->q_tail)->q_next = me;
	} else {
		t->q_head = me;
		t->q_head_due = due_ns(t, f);
	}
	t->q_tail = me;
}

static void
q_del(struct ft_tracker *t, struct flow *f)
{
	if (!f->in_q)
		return;
	if (f->q_prev != 0) {
		q_at(t, f->q_prev)->q_next = f->q_next;
	} else {
		t->q_head = f->q_next;
		t->q_head_due = f->q_next != 0 ? due_ns(t, q_at(t, f->q_next)) : UINT64_MAX;
	}
	if (f->q_next != 0)
		q_at(t, f->q_next)->q_prev = f->q_prev;
	else
		t->q_tail = f->q_prev;
	f->in_q = 0;
}

/* The earliest time something of f's is due (UINT64_MAX: nothing pending). */
static uint64_t
due_ns(const struct ft_tracker *t, const struct flow *f)
{
	uint64_t w = t->cfg.reorder_window_ns, due = UINT64_MAX;

	for (int d = 0; d < 2; d++)
		if (f->h[d].hole && f->h[d].hole_ns + w < due)
			due = f->h[d].hole_ns + w;
	if ((f->closing || f->superseded) && f->close_ns + w < due)
		due = f->close_ns + w;
	return due;
}

/* ---------- the session pool ---------- */

static void
free_flow_rcu(struct rcu_head *head)
{
	struct flow *f = caa_container_of(head, struct flow, rcu);
	struct ft_tracker *t;

	/* Runs on liburcu's call_rcu thread after a grace period; pairs with
	 * the release in remove_flow() (liburcu's queue is invisible to TSan).
	 * Everything read from f is read before the release that hands it on:
	 * the worker may reuse it as soon as it is on the stack. */
	FT_TSAN_ACQUIRE(f);
	t = f->t;
	FT_TSAN_RELEASE(f);
	cds_lfs_push(&t->free_flows, &f->free_node);
}

static struct flow *
flow_alloc(struct ft_tracker *t)
{
	struct cds_lfs_node *n;
	struct flow *f;

	/*
	 * Reuse a freed session first, so memory stays at what is in use; a
	 * never-used entry (an untouched page until then) only when none is
	 * free. Single popper (this worker), so __cds_lfs_pop needs no lock.
	 */
	n = __cds_lfs_pop(&t->free_flows);
	if (n != NULL) {
		f = caa_container_of(n, struct flow, free_node);
		FT_TSAN_ACQUIRE(f);
		return f;
	}
	if (t->bump < t->n_flows)
		return &t->flows[t->bump++];
	return NULL;
}

static struct seg *
seg_alloc(struct ft_tracker *t)
{
	struct seg *s = t->free_segs;

	if (s != NULL) {
		t->free_segs = s->next;
		return s;
	}
	if (t->seg_bump < t->n_segs)
		return &t->segs[t->seg_bump++];
	return NULL;
}

static void
seg_free(struct ft_tracker *t, struct seg *s)
{
	s->next = t->free_segs;
	t->free_segs = s;
}

/* ---------- keys ---------- */

/*
 * The worker's lookup index. The liburcu table is what other threads read; the
 * worker finds its sessions through this flat open-addressing index instead
 * (linear probing, at most 3/4 full, 8-byte slots with a 32-bit hash tag): a
 * lookup costs one cache miss in the index and one in the session, where the
 * split-ordered list of cds_lfht costs one per node on the way. Insertions and
 * removals (one per session) keep both in step.
 */
static inline uint32_t
tag_of(unsigned long hash)
{
	return (uint32_t)((uint64_t)hash >> 32) | 1u;
}

static struct flow *
index_find(struct ft_tracker *t, const struct key *k, unsigned long hash)
{
	uint32_t tag = tag_of(hash), i = (uint32_t)hash & t->index_mask;

	for (;; i = (i + 1) & t->index_mask) {
		const struct slot *e = &t->index[i];

		if (e->tag == 0)
			return NULL;
		if (e->tag == tag && memcmp(&t->flows[e->pos].key, k, sizeof(*k)) == 0)
			return &t->flows[e->pos];
	}
}

static void
index_add(struct ft_tracker *t, struct flow *f)
{
	uint32_t i = (uint32_t)f->hash & t->index_mask;

	while (t->index[i].tag != 0)
		i = (i + 1) & t->index_mask;
	t->index[i].tag = tag_of(f->hash);
	t->index[i].pos = (uint32_t)(f - t->flows);
}

/* Remove f, shifting later entries of its probe run back (no tombstones). */
static void
index_del(struct ft_tracker *t, struct flow *f)
{
	uint32_t pos = (uint32_t)(f - t->flows), i = (uint32_t)f->hash & t->index_mask, j, home;

	while (t->index[i].pos != pos || t->index[i].tag == 0)
		i = (i + 1) & t->index_mask;
	for (j = i;;) {
		j = (j + 1) & t->index_mask;
		if (t->index[j].tag == 0)
			break;
		home = (uint32_t)t->flows[t->index[j].pos].hash & t->index_mask;
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->index[i] = t->index[j];
			i = j;
		}
	}
	t->index[i].tag = 0;
}

static unsigned long
key_hash(const struct key *k)
{
	/* Another seed than the shard hash: within a shard those bits are alike. */
	return (unsigned long)ft__hash_words(k, sizeof(*k) / 8, 0x243f6a8885a308d3ULL);
}

/* Build the ordered key of a decoded TCP packet; *rev is 1 when the packet's
 * source is the key's higher endpoint. */
static void
make_key(const struct ft_decoded *d, struct key *k)
{
	unsigned alen = d->ip.v == 6 ? 16 : 4;
	int c = memcmp(d->ip.src, d->ip.dst, alen);

	memset(k, 0, sizeof(*k));
	k->v = d->ip.v;
	for (unsigned i = 0; i < d->n_vlan && i < 2; i++)
		k->vlan[i] = d->vlan[i].id;
	if (c < 0 || (c == 0 && d->tcp.sport <= d->tcp.dport)) {
		memcpy(k->a, d->ip.src, alen);
		memcpy(k->b, d->ip.dst, alen);
		k->pa = d->tcp.sport;
		k->pb = d->tcp.dport;
	} else {
		memcpy(k->a, d->ip.dst, alen);
		memcpy(k->b, d->ip.src, alen);
		k->pa = d->tcp.dport;
		k->pb = d->tcp.sport;
	}
}

/* ---------- creation and removal ---------- */

static void
remove_flow(struct ft_tracker *t, struct flow *f)
{
	struct seg *s, *n;

	lru_unlink(t, f);
	q_del(t, f);
	for (int d = 0; d < 2; d++) {
		for (s = f->h[d].held; s != NULL; s = n) {
			n = s->next;
			seg_free(t, s);
		}
		f->h[d].held = NULL;
	}
	if (f->old != 0)
		q_at(t, f->old)->succ = 0;
	if (f->succ != 0)
		q_at(t, f->succ)->old = 0;
	f->old = f->succ = 0;
	if (f->in_table) {
		cds_lfht_del(t->ht, &f->node);
		if (f->in_index)
			index_del(t, f);
		f->in_index = 0;
		f->in_table = 0;
		t->in_table--;
		FT_TSAN_RELEASE(f);
		urcu_qsbr_call_rcu(&f->rcu, free_flow_rcu);
	}
}

/* Give up the holes an ACK passed, then every other hole, delivering what is
 * held (the session is ending). */
static void give_up_acked(struct ft_tracker *t, struct flow *f, int d);
static void flush_held(struct ft_tracker *t, struct flow *f, int d);

static void
end_flow(struct ft_tracker *t, struct flow *f, enum ft_close why)
{
	if (f->ended)
		return;
	uint64_t ev_ns = t->ev_ns;

	q_del(t, f);
	for (int d = 0; d < 2; d++) {
		if (f->h[d].hole)
			give_up_acked(t, f, d);
		flush_held(t, f, d);
	}
	/* A close (or a superseded session) that waited out its window ended
	 * with its last packet. */
	if (f->closing || f->superseded)
		t->ev_ns = f->pub.last_ns;
	f->closing = 0;
	f->ended = 1;
	if (why == FT_CLOSE_FIN || why == FT_CLOSE_RST)
		PUB_SET(f->pub.state, FT_TCP_CLOSED);
	PUB_SET(f->pub.close, why);
	ctr_add(&t->active, -1);
	if (why == FT_CLOSE_EVICTED)
		ctr_add(&t->evicted, 1);
	emit(t, f, FT_FLOW_END, FT_DIR_SEND, NULL, 0, 0);
	t->ev_ns = ev_ns;
	if (why == FT_CLOSE_FIN || why == FT_CLOSE_RST)
		lru_touch(t, f, LRU_CLOSED); /* linger, absorbing stray packets */
	else
		remove_flow(t, f);
}

/* Make room: drop the oldest lingering session, else end the oldest idle one. */
static int
make_room(struct ft_tracker *t)
{
	struct flow *victim = t->lru[LRU_CLOSED].head;

	if (victim != NULL) {
		remove_flow(t, victim);
		return 0;
	}
	/* The oldest queued head; one touched since is requeued (a few tries). */
	for (int tries = 0; tries < 64; tries++) {
		victim = NULL;
		for (int c = LRU_SYN; c <= LRU_FIN; c++) {
			struct flow *h = t->lru[c].head;

			if (h != NULL && (victim == NULL || h->queued_ns < victim->queued_ns))
				victim = h;
		}
		if (victim == NULL)
			return -1;
		if (victim->pub.last_ns <= victim->queued_ns)
			break;
		lru_requeue(t, victim);
	}
	end_flow(t, victim, FT_CLOSE_EVICTED);
	return 0;
}

/* A new session; swap: the packet's receiver is `src` (a SYN-ACK seen first). */
static struct flow *
new_flow(struct ft_tracker *t, const struct ft_packet *pkt, const struct key *k, unsigned long hash,
	int swap)
{
	const struct ft_decoded *d = pkt->dec;
	struct flow *f;

	if (t->in_table >= t->cfg.max_flows && make_room(t) != 0)
		return NULL;
	f = flow_alloc(t);
	if (f == NULL) {
		/* Every entry is waiting out a grace period: try once more after room. */
		if (make_room(t) != 0 || (f = flow_alloc(t)) == NULL)
			return NULL;
	}
	memset(f, 0, sizeof(*f));
	f->t = t;
	f->key = *k;
	f->hash = hash;
	f->pub.id = (++t->next_id << 8) | (t->cfg.worker & 0xff);
	f->pub.ip_v = d->ip.v;
	f->pub.n_vlan = d->n_vlan < 2 ? d->n_vlan : 2;
	f->pub.vlan[0] = k->vlan[0];
	f->pub.vlan[1] = k->vlan[1];
	memcpy(f->pub.src, swap ? d->ip.dst : d->ip.src, 16);
	memcpy(f->pub.dst, swap ? d->ip.src : d->ip.dst, 16);
	f->pub.sport = swap ? d->tcp.dport : d->tcp.sport;
	f->pub.dport = swap ? d->tcp.sport : d->tcp.dport;
	f->pub.worker = (uint16_t)t->cfg.worker;
	f->pub.ts_digits = pkt->ts_digits;
	f->pub.first_ns = pkt->ts_ns;
	f->pub.last_ns = pkt->ts_ns;
	f->pub.connect_ns = -1;
	f->pub.rtt_ns = -1;
	for (int i = 0; i < 2; i++)
		f->pub.dir[i].ack_lat_min_ns = UINT64_MAX;
	cds_lfht_node_init(&f->node);
	lru_push(t, f, LRU_SYN, pkt->ts_ns);
	/* Publish: everything above is visible to a reader that finds the node. */
	FT_TSAN_RELEASE(f);
	cds_lfht_add(t->ht, hash, &f->node);
	index_add(t, f);
	f->in_index = 1;
	f->in_table = 1;
	t->in_table++;
	ctr_add(&t->active, 1);
	return f;
}

/* ---------- reassembly ---------- */

static inline void
deliver(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data,
	uint32_t len)
{
	struct half *h = &f->h[d];

	h->next = seq + len;
	if (h->hole && SEQ_LEQ(h->ack_hi, h->next))
		h->hole = 0; /* the bytes the ACK covered did come */
	PUB_ADD(f->pub.dir[d].bytes, len);
	emit(t, f, FT_FLOW_DATA, (enum ft_dir)d, t->cfg.reassemble ? data : NULL, seq, len);
}

static void
give_up(struct ft_tracker *t, struct flow *f, int d, uint32_t len)
{
	struct half *h = &f->h[d];

	PUB_ADD(f->pub.dir[d].missed, len);
	emit(t, f, FT_FLOW_GAP, (enum ft_dir)d, NULL, h->next, len);
	h->next += len;
}

/* Deliver held segments that are now in order; drop what is already covered. */
static inline void
drain(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *h = &f->h[d];
	struct seg *s;

	while ((s = h->held) != NULL && SEQ_LEQ(s->seq, h->next)) {
		uint32_t skip = h->next - s->seq;

		h->held = s->next;
		h->held_bytes -= s->len;
		if (skip < s->len)
			deliver(t, f, d, h->next, s->data + skip, s->len - skip);
		seg_free(t, s);
	}
}

/* Give up the first hole: everything up to the first held segment is missed. */
static void
give_up_first_hole(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *h = &f->h[d];

	if (h->held == NULL)
		return;
	give_up(t, f, d, h->held->seq - h->next);
	drain(t, f, d);
}

static void
flush_held(struct ft_tracker *t, struct flow *f, int d)
{
	while (f->h[d].held != NULL)
		give_up_first_hole(t, f, d);
}

/*
 * Hold [seq, seq+len) (after next). Only bytes not held yet are stored.
 * Returns the number of new bytes held, or -1 when buffers ran out (what
 * fitted is kept).
 */
static int64_t
hold(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct half *h = &f->h[d];
	struct seg **pp = &h->held, *s;
	uint32_t end = seq + len;
	int64_t added = 0;

	while (SEQ_LT(seq, end)) {
		/* Skip held segments wholly before seq. */
		while (*pp != NULL && SEQ_LEQ((*pp)->seq + (*pp)->len, seq))
			pp = &(*pp)->next;
		if (*pp != NULL && SEQ_LEQ((*pp)->seq, seq)) {
			/* seq falls inside a held segment: skip its bytes. */
			uint32_t covered = (*pp)->seq + (*pp)->len - seq;

			if (covered >= end - seq)
				break;
			data += covered;
			seq += covered;
			continue;
		}
		/* Insert a piece before *pp, up to the next held segment or SEG_DATA. */
		uint32_t piece = end - seq;

		if (*pp != NULL && SEQ_LT((*pp)->seq, end))
			piece = (*pp)->seq - seq;
		if (piece > SEG_DATA)
			piece = SEG_DATA;
		if (h->held_bytes + piece > t->cfg.ooo_flow_bytes || (s = seg_alloc(t)) == NULL)
			return -1;
		s->seq = seq;
		s->len = piece;
		if (t->cfg.reassemble)
			memcpy(s->data, data, piece);
		s->next = *pp;
		*pp = s;
		pp = &s->next;
		h->held_bytes += piece;
		added += piece;
		data += piece;
		seq += piece;
	}
	return added;
}

static void
retransmit(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, uint32_t len)
{
	struct half *h = &f->h[d];

	PUB_ADD(f->pub.dir[d].retransmits, 1);
	/* Karn: a retransmitted range gives no latency sample. */
	if (h->probe && SEQ_LT(seq, h->probe_end))
		h->probe = 0;
	emit(t, f, FT_FLOW_RETRANSMIT, (enum ft_dir)d, NULL, seq, len);
}

static inline __attribute__((always_inline)) void
segment(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data,
	uint32_t len)
{
	struct half *h = &f->h[d];
	uint32_t end = seq + len;
	int64_t added;

	if (!h->have_next) {
		h->next = seq;
		h->high = seq;
		h->have_next = 1;
	}
	if (SEQ_LT(h->high, end))
		h->high = end;
	if (SEQ_LEQ(end, h->next)) {
		retransmit(t, f, d, seq, len);
		return;
	}
	if (SEQ_LT(seq, h->next)) {
		data += h->next - seq;
		seq = h->next;
		len = end - seq;
	}
	if (!h->probe) {
		h->probe = 1;
		h->probe_end = end;
		h->probe_ns = t->ev_ns;
	}
	if (seq == h->next) {
		deliver(t, f, d, seq, data, len);
		drain(t, f, d);
		return;
	}
	added = hold(t, f, d, seq, data, len);
	if (added == 0) {
		retransmit(t, f, d, seq, len);
		return;
	}
	if (added < 0) {
		/* Out of buffer: give holes up until this segment fits. */
		ctr_add(&t->ooo_dropped, 1);
		while (h->held != NULL && SEQ_LT(h->held->seq, seq))
			give_up_first_hole(t, f, d); /* only holes before this segment */
		if (SEQ_LT(h->next, seq))
			give_up(t, f, d, seq - h->next);
		if (SEQ_LT(seq, h->next)) { /* part of it was delivered from what was held */
			if (SEQ_LEQ(end, h->next))
				return;
			data += h->next - seq;
			seq = h->next;
		}
		deliver(t, f, d, seq, data, end - seq);
		drain(t, f, d);
	}
}

/* The other side acknowledged up to ack: holes before it will never fill. */
/*
 * The other side acknowledged up to ack, advertising a receive window of rwnd
 * bytes: holes before ack will never fill. An ACK beyond the highest byte seen
 * plus that window cannot be genuine (the sender could not have sent it), so
 * it gives nothing up: one bogus ACK must not count gigabytes as missed.
 */
static void
acked(struct ft_tracker *t, struct flow *f, int d, uint32_t ack, uint32_t rwnd)
{
	struct half *h = &f->h[d];
	struct ft_flow_dir *fd = &f->pub.dir[d];
	uint32_t limit = ack;

	if (h->have_next && SEQ_LT(h->high + (rwnd > 65535 ? rwnd : 65535), ack))
		return;
	/* Kept for a SYN or FIN captured after the ACK that covers it. */
	if (!h->have_ack || SEQ_LT(h->ack_max, ack)) {
		h->ack_max = ack;
		h->have_ack = 1;
	}
	if (!h->have_next)
		return;
	if (h->fin && SEQ_LT(h->fin_seq, ack)) {
		limit = h->fin_seq;
		h->fin_acked = 1;
	}
	if (h->probe && SEQ_LEQ(h->probe_end, ack)) {
		/* Capture order is not always time order: never a negative latency. */
		uint64_t lat = t->ev_ns > h->probe_ns ? t->ev_ns - h->probe_ns : 0;

		h->probe = 0;
		PUB_SET(fd->ack_lat_samples, fd->ack_lat_samples + 1);
		PUB_SET(fd->ack_lat_sum_ns, fd->ack_lat_sum_ns + lat);
		if (lat < fd->ack_lat_min_ns)
			PUB_SET(fd->ack_lat_min_ns, lat);
		if (lat > fd->ack_lat_max_ns)
			PUB_SET(fd->ack_lat_max_ns, lat);
	}
	if (!SEQ_LT(h->next, limit))
		return;
	/* A hole the ACK passed: it may still fill within the reorder window. */
	if (!h->hole) {
		h->hole = 1;
		h->hole_ns = t->ev_ns;
		h->ack_hi = limit;
		q_push(t, f);
	} else if (SEQ_LT(h->ack_hi, limit)) {
		h->ack_hi = limit;
	}
	if (t->cfg.reorder_window_ns == 0)
		give_up_acked(t, f, d);
}

/* The window of the holes the other side acknowledged is over: give them up. */
static void
give_up_acked(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *h = &f->h[d];
	uint32_t limit = h->fin && SEQ_LT(h->fin_seq, h->ack_hi) ? h->fin_seq : h->ack_hi;

	h->hole = 0;
	while (SEQ_LT(h->next, limit)) {
		uint32_t upto = limit;

		if (h->held != NULL && SEQ_LT(h->held->seq, upto))
			upto = h->held->seq;
		if (SEQ_LT(h->next, upto))
			give_up(t, f, d, upto - h->next);
		drain(t, f, d);
		if (h->held == NULL)
			break;
	}
}

/* Why f ends when it ends now: the close it waits on, both FINs, else dflt. */
static enum ft_close
close_reason(const struct flow *f, enum ft_close dflt)
{
	if (f->closing)
		return (enum ft_close)f->closing;
	return f->h[0].fin && f->h[1].fin ? FT_CLOSE_FIN : dflt;
}

/* End f once the reorder window after its close is over (at once without a window). */
static void
close_later(struct ft_tracker *t, struct flow *f, enum ft_close why)
{
	if (t->cfg.reorder_window_ns == 0) {
		end_flow(t, f, why);
		return;
	}
	if (f->closing)
		return;
	f->closing = (uint8_t)why;
	f->close_ns = t->ev_ns;
	q_push(t, f);
}

/* f is due: give up the holes and end the close whose windows are over. */
static void
settle(struct ft_tracker *t, struct flow *f)
{
	uint64_t w = t->cfg.reorder_window_ns, ev_ns = t->ev_ns;

	/* Event times do not depend on when the queue was looked at (a live
	 * clock, or the next packet of a file): a GAP is stamped when its
	 * window ended, an END (end_flow) with the session's last packet. */
	q_del(t, f);
	for (int d = 0; d < 2; d++)
		if (f->h[d].hole && f->h[d].hole_ns + w <= t->now_ns) {
			t->ev_ns = f->h[d].hole_ns + w;
			give_up_acked(t, f, d);
		}
	if ((f->closing || f->superseded) && f->close_ns + w <= t->now_ns)
		end_flow(t, f, close_reason(f, FT_CLOSE_TIMEOUT));
	else if (due_ns(t, f) != UINT64_MAX) {
		q_push(t, f); /* something of it is due later */
	}
	t->ev_ns = ev_ns;
}

/* Settle the sessions at the head of the pending queue that are due by now_ns. */
static void
run_queue(struct ft_tracker *t)
{
	struct flow *f;
	uint64_t due;

	while (t->q_head_due <= t->now_ns && (f = q_at(t, t->q_head)) != NULL) {
		due = due_ns(t, f);
		if (due > t->now_ns && due != UINT64_MAX) {
			t->q_head_due = due; /* it moved later while it waited */
			break;
		}
		settle(t, f);
	}
}

/* ---------- the state machine ---------- */

static void
start(struct ft_tracker *t, struct flow *f)
{
	if (f->started)
		return;
	f->started = 1;
	emit(t, f, FT_FLOW_START, FT_DIR_SEND, NULL, 0, 0);
}

static void
established(struct ft_tracker *t, struct flow *f)
{
	if (f->pub.state == FT_TCP_SYN_SENT || f->pub.state == FT_TCP_SYN_RCVD)
		PUB_SET(f->pub.state, FT_TCP_ESTABLISHED);
	start(t, f);
}

static void
syn_options(struct flow *f, int d, const struct ft_tcp *tcp)
{
	struct ft_flow_dir *fd = &f->pub.dir[d];

	if (tcp->opts.present & FT_TCPOPT_MSS)
		PUB_SET(fd->mss, tcp->opts.mss);
	if (tcp->opts.present & FT_TCPOPT_WSCALE) {
		PUB_SET(fd->wscale, tcp->opts.wscale);
		PUB_SET(fd->has_wscale, 1);
	}
}

static void
fin_states(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *o = &f->h[!d];

	switch (f->pub.state) {
	case FT_TCP_SYN_SENT:
	case FT_TCP_SYN_RCVD:
	case FT_TCP_ESTABLISHED:
		established(t, f);
		PUB_SET(f->pub.state, d == FT_DIR_SEND ? FT_TCP_FIN_WAIT : FT_TCP_CLOSE_WAIT);
		break;
	case FT_TCP_FIN_WAIT:
	case FT_TCP_CLOSE_WAIT:
		if (o->fin) /* the second FIN: was the first one acknowledged? */
			PUB_SET(f->pub.state, o->fin_acked ? FT_TCP_LAST_ACK : FT_TCP_CLOSING);
		break;
	default:
		break;
	}
}

/*
 * A RST from d at seq is plausible when d's stream gives no reason to doubt
 * it: nothing of d's seen yet (a refused SYN), or seq at or past the next
 * byte expected from d (one before it allowed: some stacks send that) and
 * not beyond anything d could have sent.
 */
static int
rst_plausible(const struct flow *f, int d, uint32_t seq)
{
	const struct half *h = &f->h[d];

	if (!h->have_next)
		return 1;
	return SEQ_LEQ(h->next - 1, seq) && SEQ_LT(seq, h->high + (1u << 20));
}

static void
rst_ignored(struct ft_tracker *t, struct flow *f, int d, uint32_t seq)
{
	ctr_add(&t->rst_ignored, 1);
	PUB_ADD(f->pub.rst_ignored, 1);
	emit(t, f, FT_FLOW_RESET_IGNORED, (enum ft_dir)d, NULL, seq, 0);
}

/*
 * A session closing by a RST, and a packet that shows its RST was not
 * honoured: new data from the RST's sender, or an ACK from its receiver of
 * data sent after it. Then the session goes on.
 */
static void
rst_contradicted(
	struct ft_tracker *t, struct flow *f, int d, const struct ft_tcp *tcp, uint32_t plen)
{
	int contra;

	if (d == f->rst_dir)
		contra = plen > 0 && !(tcp->flags & FT_TCP_RST) &&
			 SEQ_LT(f->rst_end, tcp->seq + plen);
	else
		contra = (tcp->flags & FT_TCP_ACK) && SEQ_LT(f->rst_end, tcp->ack);
	if (!contra)
		return;
	f->closing = 0;
	rst_ignored(t, f, f->rst_dir, f->rst_end);
}

/* Process one TCP packet of direction d of session f. */
static void
update(struct ft_tracker *t, struct flow *f, int d, const struct ft_packet *pkt)
{
	const struct ft_decoded *dec = pkt->dec;
	const struct ft_tcp *tcp = &dec->tcp;
	uint16_t fl = tcp->flags;
	struct half *h = &f->h[d];
	uint32_t plen = dec->l4_payload_len < tcp->len ? dec->l4_payload_len : tcp->len;
	uint32_t seq = tcp->seq;

	PUB_ADD(f->pub.dir[d].packets, 1);
	PUB_ADD(f->pub.dir[d].octets, dec->ip.len);
	PUB_SET(f->pub.last_ns, pkt->ts_ns);

	if (f->closing == FT_CLOSE_RST)
		rst_contradicted(t, f, d, tcp, plen);
	if (fl & FT_TCP_RST) {
		/* What it carries was on the wire. A refused or aborted handshake
		 * never started: no START for it. */
		if (plen > 0) {
			established(t, f);
			segment(t, f, d, seq, dec->l4_payload, plen);
		}
		if (!rst_plausible(f, d, seq)) {
			rst_ignored(t, f, d, seq);
			lru_touch(t, f, class_of(f));
			return;
		}
		emit(t, f, FT_FLOW_RESET, (enum ft_dir)d, NULL, seq, 0);
		if (!f->closing) {
			f->rst_dir = (uint8_t)d;
			f->rst_end = seq + plen;
		}
		close_later(t, f, FT_CLOSE_RST);
		if (!f->ended)
			lru_touch(t, f, class_of(f));
		return;
	}
	if (fl & FT_TCP_SYN) {
		if (!(fl & FT_TCP_ACK)) {
			if (d == FT_DIR_SEND && h->syn) {
				emit(t, f, FT_FLOW_SYN_RETRY, FT_DIR_SEND, NULL, seq, 0);
				f->last_syn_ns = pkt->ts_ns;
				if (seq != h->isn) { /* a new ISN: restart the count from it */
					h->isn = seq;
					h->next = seq + 1;
					h->high = seq + 1;
				}
			} else if (d == FT_DIR_RECV && f->pub.state == FT_TCP_SYN_SENT) {
				/* Simultaneous open (RFC 9293 3.5, figure 7). */
				PUB_SET(f->pub.state, FT_TCP_SYN_RCVD);
			}
		} else {
			if (f->pub.state == FT_TCP_SYN_SENT)
				PUB_SET(f->pub.state, FT_TCP_SYN_RCVD);
			/* RTT spans both directions: only when the SYN-ACK is
			 * captured after the SYN (a tap's skew can reverse them). */
			if (f->h[!d].syn && f->pub.rtt_ns < 0 && pkt->ts_ns >= f->last_syn_ns)
				PUB_SET(f->pub.rtt_ns, (int64_t)(pkt->ts_ns - f->last_syn_ns));
		}
		if (!h->syn || (d == FT_DIR_RECV && (fl & FT_TCP_ACK) && h->isn != seq)) {
			/* A SYN captured after data of its side (a multi-queue NIC)
			 * must not move next back. */
			int late = !h->syn && h->have_next && SEQ_LEQ(seq + 1, h->next);

			h->syn = 1;
			h->isn = seq;
			if (h->have_ack && SEQ_LT(seq, h->ack_max))
				h->syn_acked = 1; /* its ACK was captured first */
			if (!late) {
				h->next = seq + 1;
				h->high = seq + 1;
				h->have_next = 1;
			}
		}
		syn_options(f, d, tcp);
		seq++; /* the SYN takes one sequence number */
	}
	if (fl & FT_TCP_ACK) {
		struct half *o = &f->h[!d];
		unsigned shift = f->pub.dir[0].has_wscale && f->pub.dir[1].has_wscale
					 ? f->pub.dir[d].wscale
					 : 0;

		if (o->syn && !o->syn_acked && SEQ_LT(o->isn, tcp->ack))
			o->syn_acked = 1;
		/* The handshake is complete when both SYNs are acknowledged: the
		 * usual three packets, or a simultaneous open's two SYN-ACKs. */
		if ((f->pub.state == FT_TCP_SYN_SENT || f->pub.state == FT_TCP_SYN_RCVD) &&
			h->syn && o->syn && h->syn_acked && o->syn_acked) {
			if (f->h[FT_DIR_SEND].syn && pkt->ts_ns >= f->syn_ns)
				PUB_SET(f->pub.connect_ns, (int64_t)(pkt->ts_ns - f->syn_ns));
			established(t, f);
		}
		acked(t, f, !d, tcp->ack, (uint32_t)tcp->win << (shift > 14 ? 14 : shift));
	}
	if (plen > 0) {
		established(t, f);
		segment(t, f, d, seq, dec->l4_payload, plen);
	} else if (!h->have_next && !(fl & FT_TCP_SYN)) {
		h->next = seq;
		h->high = seq;
		h->have_next = 1;
	}
	if ((fl & FT_TCP_FIN) && !h->fin) {
		h->fin = 1;
		h->fin_seq = seq + tcp->len;
		/* Its ACK may have been captured first. */
		if (h->have_ack && SEQ_LT(h->fin_seq, h->ack_max))
			h->fin_acked = 1;
		if (h->hole && !SEQ_LT(h->next, h->fin_seq))
			h->hole = 0;
		fin_states(t, f, d);
	}
	if (h->fin && f->h[!d].fin && h->fin_acked && f->h[!d].fin_acked && !f->closing) {
		close_later(t, f, FT_CLOSE_FIN);
		if (f->ended)
			return;
	}
	lru_touch(t, f, class_of(f));
}

/* End f now and take it out of the table, lingering or not: a new session
 * takes its key. */
static void
end_now(struct ft_tracker *t, struct flow *f, enum ft_close dflt)
{
	end_flow(t, f, close_reason(f, dflt));
	if (f->in_table)
		remove_flow(t, f);
}

/*
 * A new connection on f's 4-tuple while f is still closing (a FIN or RST
 * seen): f leaves the index to the new session and finishes within the
 * reorder window, so its last packets, captured after the new SYN or SYN-ACK
 * (a tap's skew), still count in it. Without a window (or when f is already
 * in such a pair) it ends now. Returns f when it is left waiting, else NULL.
 */
static struct flow *
supersede(struct ft_tracker *t, struct flow *f)
{
	if (t->cfg.reorder_window_ns == 0 || f->succ != 0 || f->old != 0) {
		end_now(t, f, FT_CLOSE_TIMEOUT);
		return NULL;
	}
	index_del(t, f);
	f->in_index = 0;
	f->superseded = 1;
	f->close_ns = t->ev_ns;
	q_push(t, f);
	return f;
}

static inline int
seq_near(const struct half *h, uint32_t seq)
{
	int32_t d = sdiff(seq, h->next);

	return h->have_next && d > -(1 << 20) && d < (1 << 20);
}

static inline int
dir_of(const struct flow *f, const struct ft_decoded *d)
{
	return memcmp(d->ip.src, f->pub.src, 16) == 0 && d->tcp.sport == f->pub.sport ? FT_DIR_SEND
										      : FT_DIR_RECV;
}

/* f superseded an older session on its key: is this packet the older one's? */
static int
of_old(const struct flow *f, const struct flow *o, const struct ft_decoded *d)
{
	int dn = dir_of(f, d), dold = dir_of(o, d);

	if (d->tcp.flags & FT_TCP_SYN)
		return 0;
	/* The new session's first packet from each side is its SYN (SYN-ACK). */
	if (!f->h[dn].syn && !f->pub.midstream)
		return 1;
	return seq_near(&o->h[dold], d->tcp.seq) && !seq_near(&f->h[dn], d->tcp.seq);
}

unsigned long
ft__tracker_hash(struct ft_tracker *t, const struct ft_decoded *d)
{
	struct key k;
	unsigned long hash;

	if ((d->layers & FT_LAYER_TCP) == 0 || !(d->layers & (FT_LAYER_IP4 | FT_LAYER_IP6)))
		return 0;
	make_key(d, &k);
	hash = key_hash(&k);
	__builtin_prefetch(&t->index[(uint32_t)hash & t->index_mask]);
	return hash;
}

void
ft__tracker_prefetch(struct ft_tracker *t, unsigned long hash)
{
	const struct slot *e;
	const char *f;

	if (hash == 0)
		return;
	e = &t->index[(uint32_t)hash & t->index_mask];
	if (e->tag != tag_of(hash))
		return; /* a new session, or a collision: nothing worth fetching */
	/* The lines a data segment touches: node and key, counters, reassembly. */
	f = (const char *)&t->flows[e->pos];
	__builtin_prefetch(f, 1);
	__builtin_prefetch(f + 64, 1);
	__builtin_prefetch(f + 128, 1);
	__builtin_prefetch(f + 192, 1);
	__builtin_prefetch(f + offsetof(struct flow, h), 1);
	__builtin_prefetch(f + offsetof(struct flow, h) + 64, 1);
}

int
ft__tracker_packet(struct ft_tracker *t, const struct ft_packet *pkt)
{
	return ft__tracker_packet_hashed(t, pkt, 0);
}

int
ft__tracker_packet_hashed(struct ft_tracker *t, const struct ft_packet *pkt, unsigned long hint)
{
	const struct ft_decoded *d = pkt->dec;
	struct flow *f = NULL, *old = NULL;
	struct key k;
	unsigned long hash;
	int syn_only, synack;

	if ((d->layers & FT_LAYER_TCP) == 0 || !(d->layers & (FT_LAYER_IP4 | FT_LAYER_IP6)))
		return 0;
	/* Events and latencies take the packet's own time: on a live link the
	 * expiry clock may run ahead of packets still in the kernel's buffer. */
	t->ev_ns = pkt->ts_ns;
	if (pkt->ts_ns > t->now_ns)
		t->now_ns = pkt->ts_ns;
	if (t->q_head_due <= t->now_ns)
		run_queue(t);
	make_key(d, &k);
	hash = hint != 0 ? hint : key_hash(&k);
	f = index_find(t, &k, hash);
	syn_only = (d->tcp.flags & (FT_TCP_SYN | FT_TCP_ACK | FT_TCP_RST)) == FT_TCP_SYN;
	synack = (d->tcp.flags & (FT_TCP_SYN | FT_TCP_ACK | FT_TCP_RST)) ==
		 (FT_TCP_SYN | FT_TCP_ACK);
	/* The older session's packet (never a SYN: the branches below skip it;
	 * ended, it is a stray one). */
	if (f != NULL && f->old != 0 && of_old(f, q_at(t, f->old), d))
		f = q_at(t, f->old);
	if (f != NULL && synack && (f->ended || f->closing || f->h[0].fin || f->h[1].fin)) {
		/*
		 * A SYN-ACK with a new ISN on a closed (or closing: both FINs
		 * seen) session: the next connection on this 4-tuple, its SYN-ACK
		 * captured before its SYN (a tap's skew). It starts the new
		 * session. (A last ACK of the old one captured after it then
		 * counts in the new one: the one case where this guess is off.)
		 */
		int from = dir_of(f, d);
		const struct half *h = &f->h[from], *o = &f->h[!from];
		/* Its own: the ISN it had, or (none seen) an answer to its SYN. */
		int same = h->syn ? h->isn == d->tcp.seq : o->syn && d->tcp.ack == o->isn + 1;

		if (!same) {
			if (f->ended)
				remove_flow(t, f);
			else
				old = supersede(t, f);
			f = NULL;
		}
	}
	if (f != NULL && syn_only) {
		/*
		 * A SYN on a known key starts a new session when the old one is
		 * closed (lingering), or open with another ISN (port reuse: the
		 * old connection was abandoned, and ends as a timeout). The same
		 * SYN again (any state), another ISN before any answer, or the
		 * peer's SYN of a simultaneous open belong to the same session.
		 */
		int from_src = dir_of(f, d) == FT_DIR_SEND;
		/* (A session first seen through its SYN-ACK: this is its SYN.) */
		int retry =
			from_src ? (f->h[FT_DIR_SEND].syn && d->tcp.seq == f->h[FT_DIR_SEND].isn) ||
					   f->pub.state == FT_TCP_SYN_SENT ||
					   (!f->h[FT_DIR_SEND].syn && !f->pub.midstream)
				 : f->pub.state == FT_TCP_SYN_SENT;

		if (f->ended) {
			remove_flow(t, f);
			f = NULL;
		} else if (!retry && (f->closing || f->h[0].fin || f->h[1].fin)) {
			old = supersede(t, f);
			f = NULL;
		} else if (!retry) {
			end_now(t, f, FT_CLOSE_TIMEOUT); /* abandoned: a timeout */
			f = NULL;
		} else if (!f->h[FT_DIR_SEND].syn) {
			f->syn_ns = pkt->ts_ns;
			f->last_syn_ns = pkt->ts_ns;
		}
	}
	if (f != NULL && f->ended)
		return 0; /* lingering after close: a stray packet */
	if (f == NULL) {
		/* A SYN-ACK first (the SYN comes later, or was lost): its receiver
		 * is the client. */
		uint64_t old_id = old != NULL ? old->pub.id : 0;

		f = new_flow(t, pkt, &k, hash, synack);
		if (f == NULL) {
			ctr_add(&t->untracked, 1);
			return 0;
		}
		/* (Making room may have removed the old one.) */
		if (old != NULL && old->in_table && old->pub.id == old_id && !old->ended) {
			f->old = (uint32_t)(old - t->flows) + 1;
			old->succ = (uint32_t)(f - t->flows) + 1;
		}
		if (syn_only) {
			PUB_SET(f->pub.state, FT_TCP_SYN_SENT);
			f->syn_ns = pkt->ts_ns;
			f->last_syn_ns = pkt->ts_ns;
		} else if (synack) {
			PUB_SET(f->pub.state, FT_TCP_SYN_RCVD);
		} else {
			PUB_SET(f->pub.state, FT_TCP_ESTABLISHED);
			PUB_SET(f->pub.midstream, 1);
			start(t, f);
		}
	}
	update(t, f, dir_of(f, d), pkt);
	return t->cb_failed ? t->cb_rc : 0;
}

int
ft__tracker_tick(struct ft_tracker *t, uint64_t now_ns)
{
	if (now_ns > t->now_ns)
		t->now_ns = now_ns;
	t->ev_ns = t->now_ns;
	run_queue(t);
	for (int c = 0; c < LRU__N; c++) {
		uint64_t to = timeout_of(t, (enum lru_class)c);
		struct flow *f;

		while ((f = t->lru[c].head) != NULL && f->queued_ns <= t->now_ns &&
			t->now_ns - f->queued_ns >= to) {
			if (f->pub.last_ns > t->now_ns || t->now_ns - f->pub.last_ns < to)
				lru_requeue(t, f); /* touched since: look again later */
			else if (c == LRU_CLOSED)
				remove_flow(t, f);
			else /* ends and leaves this list (removed, or moved to the closed list) */
				end_flow(t, f, close_reason(f, FT_CLOSE_TIMEOUT));
		}
	}
	return t->cb_failed ? t->cb_rc : 0;
}

int
ft__tracker_flush(struct ft_tracker *t, enum ft_close why, uint64_t now_ns)
{
	struct flow *f;

	if (now_ns > t->now_ns)
		t->now_ns = now_ns;
	t->ev_ns = t->now_ns;
	for (int c = LRU_SYN; c <= LRU_FIN; c++) {
		while ((f = t->lru[c].head) != NULL) {
			end_flow(t, f, close_reason(f, why)); /* leaves this list */
		}
	}
	while ((f = t->lru[LRU_CLOSED].head) != NULL)
		remove_flow(t, f);
	return t->cb_failed ? t->cb_rc : 0;
}

void
ft__tracker_counters(const struct ft_tracker *t, struct ft_tracker_counters *c)
{
	struct ft_tracker *m = (struct ft_tracker *)t;

	c->active = atomic_load_explicit(&m->active, memory_order_relaxed);
	c->evicted = atomic_load_explicit(&m->evicted, memory_order_relaxed);
	c->untracked = atomic_load_explicit(&m->untracked, memory_order_relaxed);
	c->ooo_dropped = atomic_load_explicit(&m->ooo_dropped, memory_order_relaxed);
	c->rst_ignored = atomic_load_explicit(&m->rst_ignored, memory_order_relaxed);
}

/* A consistent-enough copy of a session for another thread. */
static void
snapshot(const struct flow *f, struct ft_flow *out)
{
	struct flow *m = (struct flow *)f;

	FT_TSAN_ACQUIRE(m);
	/* Fields written before publication (key, endpoints, id, first_ns). */
	out->id = f->pub.id;
	out->ip_v = f->pub.ip_v;
	out->n_vlan = f->pub.n_vlan;
	out->vlan[0] = f->pub.vlan[0];
	out->vlan[1] = f->pub.vlan[1];
	memcpy(out->src, f->pub.src, 16);
	memcpy(out->dst, f->pub.dst, 16);
	out->sport = f->pub.sport;
	out->dport = f->pub.dport;
	out->worker = f->pub.worker;
	out->first_ns = f->pub.first_ns;
	out->ts_digits = f->pub.ts_digits;
	/* Fields the worker keeps changing. */
	out->midstream = PUB_GET(m->pub.midstream);
	out->state = PUB_GET(m->pub.state);
	out->close = PUB_GET(m->pub.close);
	out->last_ns = PUB_GET(m->pub.last_ns);
	out->connect_ns = PUB_GET(m->pub.connect_ns);
	out->rtt_ns = PUB_GET(m->pub.rtt_ns);
	out->rst_ignored = PUB_GET(m->pub.rst_ignored);
	for (int d = 0; d < 2; d++) {
		const struct ft_flow_dir *s = &m->pub.dir[d];
		struct ft_flow_dir *o = &out->dir[d];

		o->packets = PUB_GET(s->packets);
		o->bytes = PUB_GET(s->bytes);
		o->retransmits = PUB_GET(s->retransmits);
		o->missed = PUB_GET(s->missed);
		o->octets = PUB_GET(s->octets);
		o->mss = PUB_GET(s->mss);
		o->wscale = PUB_GET(s->wscale);
		o->has_wscale = PUB_GET(s->has_wscale);
		o->ack_lat_min_ns = PUB_GET(s->ack_lat_min_ns);
		o->ack_lat_max_ns = PUB_GET(s->ack_lat_max_ns);
		o->ack_lat_sum_ns = PUB_GET(s->ack_lat_sum_ns);
		o->ack_lat_samples = PUB_GET(s->ack_lat_samples);
	}
}

int
ft__tracker_visit(struct ft_tracker *t, int (*cb)(const struct ft_flow *f, void *user), void *user)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;
	struct flow *f;
	struct ft_flow copy;
	int rc = 0;

	urcu_qsbr_read_lock();
	for (cds_lfht_first(t->ht, &iter); (node = cds_lfht_iter_get_node(&iter)) != NULL;
		cds_lfht_next(t->ht, &iter)) {
		/* (liburcu's for_each_entry macro offsets a NULL pointer at the end: UB.) */
		f = caa_container_of(node, struct flow, node);
		snapshot(f, &copy);
		if (copy.close != FT_CLOSE_NONE)
			continue; /* ended, lingering */
		rc = cb(&copy, user);
		if (rc != 0)
			break;
	}
	urcu_qsbr_read_unlock();
	return rc;
}

/* ---------- creation ---------- */

static void *
map_zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Sessions and index are reached at random: huge pages spare TLB misses. */
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

struct ft_tracker *
ft__tracker_new(const struct ft_tracker_config *cfg, char *errbuf, size_t cap)
{
	struct ft_tracker *t;
	unsigned long buckets = 1;

	if (cfg->max_flows == 0) {
		snprintf(errbuf, cap, "max_flows must be > 0");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->cfg = *cfg;
	/* Slack for sessions still waiting out their grace period. */
	t->n_flows = cfg->max_flows + cfg->max_flows / 8 + 256;
	t->n_segs = (uint32_t)(cfg->ooo_bytes / SEG_DATA);
	if (t->n_segs == 0)
		t->n_segs = 1;
	/* Untouched pages cost nothing: only sessions ever used take memory. */
	t->flows = map_zeroed((size_t)t->n_flows * sizeof(struct flow));
	t->segs = map_zeroed((size_t)t->n_segs * sizeof(struct seg));
	t->index_mask = 1;
	/* At most 3/4 full even when every pool entry is in the table: probe runs
	 * stay within a cache line or two (8 slots a line), at half the memory of
	 * a half-full index (16 MiB for the default million sessions). */
	while ((uint64_t)t->index_mask * 3 < (uint64_t)t->n_flows * 4)
		t->index_mask <<= 1;
	t->index = map_zeroed((size_t)t->index_mask * sizeof(struct slot));
	t->index_mask--;
	if (t->flows == NULL || t->segs == NULL || t->index == NULL)
		goto nomem;
	while (buckets < cfg->max_flows)
		buckets <<= 1;
	/*
	 * The bucket index starts at 64k buckets (1 MiB; short chains up to
	 * ~100k sessions) and grows with the table up to one bucket per
	 * session: a run that tracks few sessions does not pay for millions
	 * of buckets. Growing happens in liburcu's resize thread (its
	 * allocations are there, never on the worker); the worker only bumps a
	 * split counter per insert and removal.
	 */
	t->ht = cds_lfht_new_flavor(buckets < 65536 ? buckets : 65536, 1, buckets,
		CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, &urcu_qsbr_flavor, NULL);
	if (t->ht == NULL)
		goto nomem;
	cds_lfs_init(&t->free_flows);
	t->q_head_due = UINT64_MAX;
	return t;
nomem:
	snprintf(errbuf, cap,
		"cannot allocate the TCP tracker (%u sessions, %llu bytes out of order)",
		cfg->max_flows, (unsigned long long)cfg->ooo_bytes);
	ft__tracker_free(t);
	return NULL;
}

/*
 * Tear down the table on a thread of our own, registered with liburcu:
 * removing entries needs a registered reader, and liburcu's resize thread
 * may still be shrinking the table after the last flush, so the table is
 * never walked (every session is on an LRU list).
 */
static void *
teardown_main(void *arg)
{
	struct ft_tracker *t = arg;
	struct flow *f;

	urcu_qsbr_register_thread();
	for (int c = 0; c < LRU__N; c++)
		while ((f = t->lru[c].head) != NULL)
			remove_flow(t, f);
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier();           /* pending call_rcu callbacks point into the pool */
	cds_lfht_destroy(t->ht, NULL); /* waits for a resize in progress */
	urcu_qsbr_thread_online();
	urcu_qsbr_unregister_thread();
	return NULL;
}

void
ft__tracker_free(struct ft_tracker *t)
{
	if (t == NULL)
		return;
	if (t->ht != NULL) {
		/* A caller that is an online QSBR reader would hold up the grace
		 * periods the teardown waits for: offline while it runs. */
		int online = urcu_qsbr_read_ongoing();
		pthread_t th;

		if (online)
			urcu_qsbr_thread_offline();
		if (pthread_create(&th, NULL, teardown_main, t) == 0)
			pthread_join(th, NULL);
		else
			teardown_main(t); /* no thread to be had: the caller's then */
		if (online)
			urcu_qsbr_thread_online();
	}
	if (t->flows != NULL)
		munmap(t->flows, (size_t)t->n_flows * sizeof(struct flow));
	if (t->index != NULL)
		munmap(t->index, ((size_t)t->index_mask + 1) * sizeof(struct slot));
	if (t->segs != NULL)
		munmap(t->segs, (size_t)t->n_segs * sizeof(struct seg));
	free(t);
}
