/*
 * tracker/: one worker's flows of every IP protocol (the files and the
 * design: tracker/tracker_internal.h; the API: tracker/tracker.h).
 *
 * events.c - session events: START, END, and why a session ends.
 */
#include "tracker/tracker_internal.h"

/* ---------- the state machine ---------- */

void
ft__start(struct ft_tracker *t, struct flow *f)
{
	if (f->started)
		return;
	f->started = 1;
	ft__emit(t, f, FT_FLOW_START, FT_DIR_SEND, NULL, 0, 0);
}

void
ft__established(struct ft_tracker *t, struct flow *f)
{
	if (f->pub.state == FT_TCP_SYN_SENT || f->pub.state == FT_TCP_SYN_RCVD)
		FT_PUB_SET(f->pub.state, FT_TCP_ESTABLISHED);
	ft__start(t, f);
}

void
ft__end_flow(struct ft_tracker *t, struct flow *f, enum ft_close why)
{
	if (f->ended)
		return;
	uint64_t ev_ns = t->ev_ns;

	ft__q_del(t, f);
	for (int d = 0; d < 2; d++) {
		if (f->h[d].hole)
			ft__give_up_acked(t, f, d);
		ft__flush_held(t, f, d);
		ft__skipped_free(t, &f->h[d]); /* what comes after the END does not count */
	}
	/* A close (or a superseded session) that waited out its window ended
	 * with its last packet. */
	if (f->closing || f->superseded)
		t->ev_ns = f->pub.last_ns;
	f->closing = 0;
	f->ended = 1;
	if (why == FT_CLOSE_FIN || why == FT_CLOSE_RST)
		FT_PUB_SET(f->pub.state, FT_TCP_CLOSED);
	FT_PUB_SET(f->pub.close, why);
	FT_CTR_ADD(t->active, -1);
	FT_CTR_ADD(t->ended[ft_flow_class_of(f->pub.proto)], 1);
	if (why == FT_CLOSE_EVICTED)
		FT_CTR_ADD(t->evicted, 1);
	ft__emit(t, f, FT_FLOW_END, FT_DIR_SEND, NULL, 0, 0);
	t->ev_ns = ev_ns;
	if (why == FT_CLOSE_FIN || why == FT_CLOSE_RST)
		ft__lru_touch(t, f, LRU_CLOSED); /* linger, absorbing stray packets */
	else
		ft__remove_flow(t, f);
}

enum ft_close
ft__close_reason(const struct flow *f, enum ft_close dflt)
{
	if (f->closing)
		return (enum ft_close)f->closing;
	return f->h[0].fin && f->h[1].fin ? FT_CLOSE_FIN : dflt;
}
