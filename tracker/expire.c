/*
 * expire.c - time: timeouts per class, the pending queue of reorder windows, tick, flush.
 */
#include "tracker/tracker_internal.h"

static uint64_t
timeout_of(const struct ft_tracker *t, enum lru_class c)
{
	switch (c) {
	case LRU_SYN:
		return t->cfg.timeout_syn_ns;
	case LRU_EST:
		return t->cfg.timeout_idle_ns;
	case LRU_UDP:
		return t->cfg.timeout_udp_ns;
	case LRU_ICMP:
		return t->cfg.timeout_icmp_ns;
	case LRU_OTHER:
		return t->cfg.timeout_other_ns;
	default:
		return t->cfg.timeout_closed_ns;
	}
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
void
ft__q_push(struct ft_tracker *t, struct flow *f)
{
	uint32_t me = ft__pos1(t, f);

	if (f->in_q)
		return;
	f->in_q = 1;
	f->q_next = 0;
	f->q_prev = t->q_tail;
	if (t->q_tail != 0) {
		ft__q_at(t, t->q_tail)->q_next = me;
	} else {
		t->q_head = me;
		t->q_head_due = ft__due_ns(t, f);
	}
	t->q_tail = me;
}

void
ft__q_del(struct ft_tracker *t, struct flow *f)
{
	if (!f->in_q)
		return;
	if (f->q_prev != 0) {
		ft__q_at(t, f->q_prev)->q_next = f->q_next;
	} else {
		t->q_head = f->q_next;
		t->q_head_due = f->q_next != 0 ? ft__due_ns(t, ft__q_at(t, f->q_next)) : UINT64_MAX;
	}
	if (f->q_next != 0)
		ft__q_at(t, f->q_next)->q_prev = f->q_prev;
	else
		t->q_tail = f->q_prev;
	f->in_q = 0;
}

/* The earliest time something of f's is due (UINT64_MAX: nothing pending). */
uint64_t
ft__due_ns(const struct ft_tracker *t, const struct flow *f)
{
	uint64_t w = t->cfg.reorder_window_ns, due = UINT64_MAX;

	for (int d = 0; d < 2; d++)
		if (f->h[d].hole && f->h[d].hole_ns + w < due)
			due = f->h[d].hole_ns + w;
	if ((f->closing || f->superseded) && f->close_ns + w < due)
		due = f->close_ns + w;
	return due;
}
void
ft__close_later(struct ft_tracker *t, struct flow *f, enum ft_close why)
{
	if (t->cfg.reorder_window_ns == 0) {
		ft__end_flow(t, f, why);
		return;
	}
	if (f->closing)
		return;
	f->closing = (uint8_t)why;
	f->close_ns = t->ev_ns;
	ft__q_push(t, f);
}

/* f is due: give up the holes and end the close whose windows are over. */
static void
settle(struct ft_tracker *t, struct flow *f)
{
	uint64_t w = t->cfg.reorder_window_ns, ev_ns = t->ev_ns;

	/* Event times do not depend on when the queue was looked at (a live
	 * clock, or the next packet of a file): a GAP is stamped when its
	 * window ended, an END (end_flow) with the session's last packet. */
	ft__q_del(t, f);
	for (int d = 0; d < 2; d++)
		if (f->h[d].hole && f->h[d].hole_ns + w <= t->now_ns) {
			t->ev_ns = f->h[d].hole_ns + w;
			ft__give_up_acked(t, f, d);
		}
	if ((f->closing || f->superseded) && f->close_ns + w <= t->now_ns)
		ft__end_flow(t, f, ft__close_reason(f, FT_CLOSE_TIMEOUT));
	else if (ft__due_ns(t, f) != UINT64_MAX) {
		ft__q_push(t, f); /* something of it is due later */
	}
	t->ev_ns = ev_ns;
}

/* Settle the sessions at the head of the pending queue that are due by now_ns. */
void
ft__run_queue(struct ft_tracker *t)
{
	struct flow *f;
	uint64_t due;

	while (t->q_head_due <= t->now_ns && (f = ft__q_at(t, t->q_head)) != NULL) {
		due = ft__due_ns(t, f);
		if (due > t->now_ns && due != UINT64_MAX) {
			t->q_head_due = due; /* it moved later while it waited */
			break;
		}
		settle(t, f);
	}
}
/* Whether time ns is at least to before the clock. */
static inline int
over(const struct ft_tracker *t, uint64_t ns, uint64_t to)
{
	return ns <= t->now_ns && t->now_ns - ns >= to;
}

/* f's idle time is over: it ends as a timeout (removed, or moved to the
 * closed list when both FINs were seen), or, lingering closed, it leaves. */
static void
time_out(struct ft_tracker *t, struct flow *f)
{
	if (f->lru == LRU_CLOSED)
		ft__remove_flow(t, f);
	else
		ft__end_flow(t, f, ft__close_reason(f, FT_CLOSE_TIMEOUT));
}

/*
 * What a file yields must not depend on how its frames were batched: the
 * lists are swept when the packet clock has moved FT_SWEEP_NS since the last
 * sweep (a function of the packets alone; a live worker on a quiet link also
 * ticks by the clock), and a packet that finds its session idle past its
 * timeout, by its own time, ends it there: a packet after a long silence
 * starts a new flow, exactly at the timeout, whenever the sweep comes.
 */
struct flow *
ft__expire_idle_slow(struct ft_tracker *t, struct flow *f, uint64_t ts_ns)
{
	uint64_t ev_ns = t->ev_ns;

	/* (Again while it lingers: ended, it may be past the closed timeout too,
	 * as a sweep would find it on the closed list.) */
	while (f != NULL && f->pub.last_ns <= ts_ns &&
		ts_ns - f->pub.last_ns >= timeout_of(t, (enum lru_class)f->lru)) {
		t->ev_ns = t->now_ns; /* as a sweep would have stamped it */
		time_out(t, f);
		t->ev_ns = ev_ns;
		if (!f->in_table) /* (f is freed after a grace period, not before) */
			f = NULL;
	}
	return f;
}

void
ft__sweep(struct ft_tracker *t)
{
	uint64_t ev_ns = t->ev_ns;

	t->ev_ns = t->now_ns;
	t->sweep_ns = t->now_ns + FT_SWEEP_NS;
	for (int c = 0; c < LRU__N; c++) {
		uint64_t to = timeout_of(t, (enum lru_class)c);
		struct flow *f;

		while ((f = t->lru[c].head) != NULL && over(t, f->queued_ns, to)) {
			if (!over(t, f->pub.last_ns, to))
				ft__lru_requeue(t, f); /* touched since: look again later */
			else                           /* leaves this list */
				time_out(t, f);
		}
	}
	t->ev_ns = ev_ns;
}

int
ft__tracker_tick(struct ft_tracker *t, uint64_t now_ns)
{
	if (now_ns > t->now_ns)
		t->now_ns = now_ns;
	t->ev_ns = t->now_ns;
	ft__run_queue(t);
	ft__sweep(t);
	return t->cb_failed ? t->cb_rc : 0;
}

int
ft__tracker_flush(struct ft_tracker *t, enum ft_close why, uint64_t now_ns)
{
	struct flow *f;

	if (now_ns > t->now_ns)
		t->now_ns = now_ns;
	t->ev_ns = t->now_ns;
	for (int c = LRU_SYN; c < LRU_CLOSED; c++) {
		while ((f = t->lru[c].head) != NULL) {
			ft__end_flow(t, f, ft__close_reason(f, why)); /* leaves this list */
		}
	}
	while ((f = t->lru[LRU_CLOSED].head) != NULL)
		ft__remove_flow(t, f);
	return t->cb_failed ? t->cb_rc : 0;
}
