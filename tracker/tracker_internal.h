/*
 * tracker_internal.h - what the files of tracker/ share (private to tracker/).
 *
 * The tracker is one worker's session table and what it keeps per session:
 *  - table.c:  the session pool, the worker's flat index, the liburcu table
 *              other threads walk (RCU), the LRU lists, creation and teardown;
 *  - tcp.c:    the TCP state machine, ACK handling, the per-packet entry point;
 *  - reasm.c:  reassembly: held segments, holes given up, retransmissions;
 *  - events.c: session events (START, END) and how a session ends;
 *  - expire.c: timeouts, the pending queue (reorder windows), tick and flush;
 *  - ipflow.c: flows of every IP protocol but TCP (UDP, ICMP, ICMPv6, others).
 * Helpers every packet runs are static inline here, so they inline into the
 * per-packet path as they did when the tracker was one file.
 *
 * Thread rules are tracker.h's: everything here runs on the tracker's worker,
 * except the RCU callback (free_flow_rcu) and ft__tracker_visit().
 *
 * DESIGN
 * - Tables: the worker finds its sessions through a flat open-addressing
 *   index of its own (below): one cache miss in the index, one in the
 *   session. Other threads (ft__tracker_visit(): ft_pipeline_flows(), the
 *   exporters' active timeout) walk the pool instead, under RCU (QSBR: the
 *   worker announces a quiescent state once per batch): live[] holds a byte
 *   per pool entry, stored with release once a session is complete and
 *   cleared when it leaves the table, and bump bounds the walk (entries
 *   ever used). A removed session's memory goes back to the pool through
 *   call_rcu, so a reader that saw it live never sees it reused. (A liburcu
 *   hash table per worker, kept in step with the index for those readers,
 *   cost a quarter of the worker's time at 200k open sessions: its insert
 *   and delete walk a split-ordered list, a cache miss per node.)
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
#ifndef FT_TRACKER_INTERNAL_H
#define FT_TRACKER_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/lfstack.h>

#include "flowtap/decode.h"
#include "core/counter.h"
#include "core/hash.h"
#include "core/tsan.h"
#include "decode/flowkey.h"
#include "decode/proto.h"
#include "tracker/tracker.h"

#define SEG_DATA 2048 /* payload bytes one held-segment node carries */

static inline int32_t
sdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}
#define SEQ_LT(a, b)  (sdiff((a), (b)) < 0)
#define SEQ_LEQ(a, b) (sdiff((a), (b)) <= 0)

/* Timeout classes: TCP by state, then one per other protocol class; the
 * classes before LRU_CLOSED hold open flows. */
enum lru_class { LRU_SYN, LRU_EST, LRU_FIN, LRU_UDP, LRU_ICMP, LRU_OTHER, LRU_CLOSED, LRU__N };

struct seg {
	struct seg *next; /* sorted by seq */
	uint32_t seq, len;
	uint32_t cut; /* 1: bytes the snap length cut off (no data; len may exceed SEG_DATA) */
	uint8_t data[SEG_DATA];
};

/* One direction's reassembly and ACK-latency state (64 bytes: no holes). */
struct half {
	uint32_t next; /* next byte expected */
	uint32_t isn;
	uint32_t fin_seq;   /* sequence number of the FIN */
	uint32_t probe_end; /* data up to here awaits an ACK (latency sample) */
	uint64_t probe_ns;
	uint32_t high; /* end of the highest segment seen (bounds what an ACK may give up) */
	uint32_t held_bytes;
	uint32_t ack_hi;  /* the other side acknowledged up to here (valid while hole) */
	uint32_t ack_max; /* the highest plausible ACK of this side's bytes (if have_ack) */
	struct seg *held; /* out-of-order segments, sorted */
	uint64_t hole_ns; /* when an ACK first passed next: the hole's window runs from it */
	uint32_t
		skipped; /* holes given up for want of buffer: seg pool position + 1 of the first */
	uint8_t have_next : 1, syn : 1, syn_acked : 1, fin : 1, fin_acked : 1, probe : 1, hole : 1,
		have_ack : 1;
	uint8_t n_skipped; /* how many (SKIP_MAX at most) */
};

struct flow {
	/* A lookup touches the key; key, hash and queue time share a cache line. */
	_Alignas(64) struct ft_flow_key key;
	uint32_t hash;      /* ft__flow_key_hash(&key) */
	uint32_t rst_end;   /* closing by RST: its sender had sent up to here */
	uint64_t queued_ns; /* when it was (re)queued on its LRU list */
	struct ft_flow pub; /* what consumers see */
	/* A removed session waits out its grace period on rcu; once the callback
	 * runs liburcu is done with it (as with free()), and it goes on the free
	 * stack through free_node: never both at once. */
	union {
		struct rcu_head rcu;
		struct cds_lfs_node free_node;
	};
	struct ft_tracker *t;
	uint64_t syn_ns;         /* the first SYN: connect time counts from it */
	uint64_t last_syn_ns;    /* the last SYN: RTT counts from it (a retry restarts it) */
	uint64_t close_ns;       /* when the FIN close or the RST was seen (closing) */
	uint32_t l_prev, l_next; /* LRU list links: pool position + 1, 0 = none */
	uint32_t q_prev, q_next; /* pending queue links: pool position + 1, 0 = none */
	/* Port reuse while the old connection is still closing: the new session
	 * takes the index, the old one (superseded) finishes within its window,
	 * and packets go to the one whose sequence space they fit. */
	uint32_t old, succ; /* pool position + 1 of the one it superseded / that superseded it */
	uint8_t lru;
	uint8_t started, ended, in_table;
	uint8_t ipflow;  /* tracked by ipflow.c (not TCP's state machine) */
	uint8_t closing; /* enum ft_close the session ends with once its window is over */
	uint8_t rst_dir, in_q;
	uint8_t superseded, in_index; /* port reuse (old, succ above) */
	struct half h[2];
};
/* Nine cache lines (560 bytes of fields): what a session costs in the pool
 * (README "Performance"). */
_Static_assert(sizeof(struct flow) == 576, "struct flow grew past nine cache lines");

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
	struct flow *flows; /* the pool */
	uint32_t n_flows;   /* pool size */
	/* Entries never used yet start at bump: written by the worker only, read
	 * by ft__tracker_visit() as the walk's bound (relaxed). live[i]: 1 while
	 * flows[i] is in the table (stored with release when set). */
	_Atomic uint32_t bump;
	_Atomic uint8_t *live;
	struct slot *index; /* the worker's own lookup index (open addressing) */
	uint32_t index_mask;
	struct cds_lfs_stack free_flows; /* returned by call_rcu (any thread), popped here only */
	struct seg *segs;
	uint32_t n_segs, seg_bump;
	uint32_t skip_nodes;   /* seg nodes remembering holes given up for want of buffer */
	struct seg *free_segs; /* worker-only */
	struct lru lru[LRU__N];
	uint32_t q_head, q_tail; /* the pending queue: sessions waiting out a reorder window */
	uint64_t q_head_due;     /* no earlier than the head's due time (UINT64_MAX: empty) */
	uint64_t next_id;
	uint32_t in_table; /* sessions in the table, lingering ones included */
	uint64_t now_ns;   /* expiry clock: the latest packet time, or the live clock */
	uint64_t
		sweep_ns; /* the next look at the LRU lists for idle sessions (FT_SWEEP_NS apart) */
	uint64_t min_timeout_ns; /* the shortest of the cfg's timeouts */
	uint64_t ev_ns;          /* time of what is being processed: the packet's, or now_ns */
	int cb_failed;           /* a callback returned non-zero: no more callbacks */
	int cb_rc;
	/* Counters (single writer, read relaxed). */
	_Alignas(64) _Atomic uint64_t active, evicted, untracked, ooo_dropped, rst_ignored;
	_Atomic uint64_t started[FT_FLOW_CLASSES], ended[FT_FLOW_CLASSES];
};

/* ---------- table.c ---------- */
void ft__lru_touch(struct ft_tracker *t, struct flow *f, enum lru_class c);
void ft__lru_requeue(struct ft_tracker *t, struct flow *f);
void ft__index_del(struct ft_tracker *t, struct flow *f);
void ft__remove_flow(struct ft_tracker *t, struct flow *f);
/* A new session; swap: the packet's receiver is `src` (a SYN-ACK seen first). */
struct flow *ft__new_flow(struct ft_tracker *t, const struct ft_packet *pkt,
	const struct ft_flow_key *k, uint32_t hash, int swap);

/* ---------- reasm.c ---------- */
void ft__give_up(struct ft_tracker *t, struct flow *f, int d, uint32_t len);
/* The same, for want of buffer: the range is remembered, as its data may come later. */
void ft__give_up_full(struct ft_tracker *t, struct flow *f, int d, uint32_t len);
void ft__refill(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, uint32_t len);
/* Forget h's remembered ranges (its session ended, or its sequence space restarted). */
void ft__skipped_free(struct ft_tracker *t, struct half *h);
/* Free h's held segments; returns how many segments they were, as ft__hold()
 * stored them (a segment's 2 KiB pieces and its snap-cut tail count once). */
uint32_t ft__held_free(struct ft_tracker *t, struct half *h);
void ft__give_up_first_hole(struct ft_tracker *t, struct flow *f, int d, int full);
void ft__flush_held(struct ft_tracker *t, struct flow *f, int d);
int64_t ft__hold(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data,
	uint32_t len, int cut);
void ft__retransmit(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, uint32_t len);
void ft__give_up_acked(struct ft_tracker *t, struct flow *f, int d);

/* ---------- events.c ---------- */
void ft__start(struct ft_tracker *t, struct flow *f);
void ft__established(struct ft_tracker *t, struct flow *f);
void ft__end_flow(struct ft_tracker *t, struct flow *f, enum ft_close why);
enum ft_close ft__close_reason(const struct flow *f, enum ft_close dflt);

/* ---------- ipflow.c ---------- */
/* One packet of a protocol other than TCP (k, hash: its key). */
void ft__ip_packet(struct ft_tracker *t, const struct ft_packet *pkt, const struct ft_flow_key *k,
	uint32_t hash);

/* ---------- expire.c ---------- */
void ft__q_push(struct ft_tracker *t, struct flow *f);
void ft__q_del(struct ft_tracker *t, struct flow *f);
uint64_t ft__due_ns(const struct ft_tracker *t, const struct flow *f);
void ft__close_later(struct ft_tracker *t, struct flow *f, enum ft_close why);
void ft__run_queue(struct ft_tracker *t);
/* Packet time between two looks at the LRU lists for idle sessions. */
#define FT_SWEEP_NS 1000000000ull
/* End (or, lingering, remove) the sessions idle past their timeout by now_ns. */
void ft__sweep(struct ft_tracker *t);
/* f as a packet of time ts_ns finds it: a session idle that long past its
 * timeout has ended (a timeout) or, lingering, left; NULL when it is gone.
 * (Inline: a session idle less than the shortest timeout costs a compare.) */
struct flow *ft__expire_idle_slow(struct ft_tracker *t, struct flow *f, uint64_t ts_ns);
static inline struct flow *
ft__expire_idle(struct ft_tracker *t, struct flow *f, uint64_t ts_ns)
{
	if (f == NULL || ts_ns <= f->pub.last_ns || ts_ns - f->pub.last_ns < t->min_timeout_ns)
		return f;
	return ft__expire_idle_slow(t, f, ts_ns);
}

/* ---------- hot helpers (inline) ---------- */

static inline int
ft__emit(struct ft_tracker *t, struct flow *f, enum ft_flow_event_type type, enum ft_dir dir,
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

/* Links between sessions are pool positions + 1 (0: none), 4 bytes, not 8. */
static inline struct flow *
ft__q_at(struct ft_tracker *t, uint32_t pos1)
{
	return pos1 != 0 ? &t->flows[pos1 - 1] : NULL;
}

static inline uint32_t
ft__pos1(const struct ft_tracker *t, const struct flow *f)
{
	return f != NULL ? (uint32_t)(f - t->flows) + 1 : 0;
}

static inline void
ft__seg_free(struct ft_tracker *t, struct seg *s)
{
	s->next = t->free_segs;
	t->free_segs = s;
}

/* ---------- keys ---------- */

/*
 * The worker's lookup index: flat open addressing (linear probing, at most
 * 3/4 full, 8-byte slots with a 32-bit hash tag): a lookup costs one cache
 * miss in the index and one in the session. One insertion and one removal
 * (backward shift, no tombstones) per session.
 */
static inline uint32_t
ft__tag_of(uint32_t hash)
{
	return hash | 1u;
}

static inline struct flow *
ft__index_find(struct ft_tracker *t, const struct ft_flow_key *k, uint32_t hash)
{
	uint32_t tag = ft__tag_of(hash), i = hash & t->index_mask;

	for (;; i = (i + 1) & t->index_mask) {
		const struct slot *e = &t->index[i];

		if (e->tag == 0)
			return NULL;
		if (e->tag == tag && memcmp(&t->flows[e->pos].key, k, sizeof(*k)) == 0)
			return &t->flows[e->pos];
	}
}

/* Is this packet's flow one of ipflow.c's (not the TCP state machine's)? */
static inline int
ft__is_ipflow(const struct ft_decoded *d)
{
	return !(d->layers & FT_LAYER_TCP) || d->ip.frag;
}

static inline enum lru_class
ft__class_of(const struct flow *f)
{
	if (f->ipflow) {
		int c = ft_flow_class_of(f->pub.proto);

		return c == FT_FLOW_CLASS_UDP    ? LRU_UDP
		       : c == FT_FLOW_CLASS_ICMP ? LRU_ICMP
						 : LRU_OTHER;
	}
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

/* ---------- reassembly ---------- */

static inline void
ft__deliver(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data,
	uint32_t len)
{
	struct half *h = &f->h[d];

	h->next = seq + len;
	if (h->hole && SEQ_LEQ(h->ack_hi, h->next))
		h->hole = 0; /* the bytes the ACK covered did come */
	FT_PUB_ADD(f->pub.dir[d].bytes, len);
	ft__emit(t, f, FT_FLOW_DATA, (enum ft_dir)d, t->cfg.reassemble ? data : NULL, seq, len);
}
/*
 * In order, len bytes the capture does not hold because its snap length cut
 * them off: counted as sent (bytes) and as cut, handed over as a GAP.
 */
static inline void
ft__deliver_cut(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, uint32_t len)
{
	struct half *h = &f->h[d];

	h->next = seq + len;
	if (h->hole && SEQ_LEQ(h->ack_hi, h->next))
		h->hole = 0;
	FT_PUB_ADD(f->pub.dir[d].bytes, len);
	FT_PUB_ADD(f->pub.dir[d].cut, len);
	ft__emit(t, f, FT_FLOW_GAP, (enum ft_dir)d, NULL, seq, len);
}

/* Deliver held segments that are now in order; drop what is already covered. */
static inline void
ft__drain(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *h = &f->h[d];
	struct seg *s;

	while ((s = h->held) != NULL && SEQ_LEQ(s->seq, h->next)) {
		uint32_t skip = h->next - s->seq;

		h->held = s->next;
		if (!s->cut)
			h->held_bytes -= s->len;
		if (skip < s->len && s->cut)
			ft__deliver_cut(t, f, d, h->next, s->len - skip);
		else if (skip < s->len)
			ft__deliver(t, f, d, h->next, s->data + skip, s->len - skip);
		ft__seg_free(t, s);
	}
}

/*
 * One segment of direction d (the in-order case inline; holding, out of
 * line): len captured bytes at seq, then cut bytes its header declares that
 * the snap length cut off (0 for a whole segment).
 */
static inline __attribute__((always_inline)) void
ft__segment(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data,
	uint32_t len, uint32_t cut)
{
	struct half *h = &f->h[d];
	uint32_t end = seq + len + cut;
	int64_t added = 0;

	if (!h->have_next) {
		h->next = seq;
		h->high = seq;
		h->have_next = 1;
	}
	if (SEQ_LT(h->high, end))
		h->high = end;
	if (SEQ_LEQ(end, h->next)) {
		if (h->skipped != 0)
			ft__refill(t, f, d, seq, len + cut);
		ft__retransmit(t, f, d, seq, len + cut);
		return;
	}
	if (SEQ_LT(seq, h->next)) {
		uint32_t skip = h->next - seq;

		if (h->skipped != 0)
			ft__refill(t, f, d, seq, skip);

		if (skip >= len) { /* only some of the cut part is new */
			cut -= skip - len;
			len = 0;
		} else {
			data += skip;
			len -= skip;
		}
		seq = h->next;
	}
	if (!h->probe) {
		h->probe = 1;
		h->probe_end = end;
		h->probe_ns = t->ev_ns;
	}
	if (seq == h->next) {
		if (len > 0)
			ft__deliver(t, f, d, seq, data, len);
		if (cut > 0)
			ft__deliver_cut(t, f, d, seq + len, cut);
		ft__drain(t, f, d);
		return;
	}
	if (len > 0)
		added = ft__hold(t, f, d, seq, data, len, 0);
	if (added >= 0 && cut > 0) {
		int64_t more = ft__hold(t, f, d, seq + len, NULL, cut, 1);

		added = more < 0 ? -1 : added + more;
	}
	if (added == 0) {
		ft__retransmit(t, f, d, seq, len + cut);
		return;
	}
	if (added < 0) {
		/* Out of buffer: give holes up until this segment fits. */
		FT_CTR_ADD(t->ooo_dropped, 1);
		while (h->held != NULL && SEQ_LT(h->held->seq, seq))
			ft__give_up_first_hole(t, f, d, 1); /* only holes before this segment */
		if (SEQ_LT(h->next, seq))
			ft__give_up_full(t, f, d, seq - h->next);
		/* What of it is still ahead of next (some may have come from what was held). */
		if (SEQ_LT(h->next, seq + len))
			ft__deliver(t, f, d, h->next, data + (h->next - seq), seq + len - h->next);
		if (SEQ_LT(h->next, end))
			ft__deliver_cut(t, f, d, h->next, end - h->next);
		ft__drain(t, f, d);
	}
}

#endif
