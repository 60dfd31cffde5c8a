/*
 * reasm.c - reassembly of one direction: held segments, holes, retransmissions.
 */
#include "tracker/tracker_internal.h"

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
void
ft__give_up(struct ft_tracker *t, struct flow *f, int d, uint32_t len)
{
	struct half *h = &f->h[d];

	FT_PUB_ADD(f->pub.dir[d].missed, len);
	ft__emit(t, f, FT_FLOW_GAP, (enum ft_dir)d, NULL, h->next, len);
	h->next += len;
}

/* ---------- holes given up for want of buffer ----------
 *
 * A hole given up because the session's reorder buffer was full, not because
 * an ACK passed it, may still fill: after a loss before the tap, the
 * retransmission comes as late as the sender's timers make it, and a fast
 * sender's window holds more than the buffer. Its range is remembered, so
 * that when its data comes, behind next, it counts in bytes and no longer as
 * missed: what a session counts does not depend on the buffer's size. The
 * stream has moved on: the data is not delivered (a RETRANSMIT event is).
 *
 * Bounded, as hostile input may try to grow it: SKIP_MAX ranges a direction
 * (a split that would pass it keeps the larger part: the other stays
 * missed), ranges 2^30 behind next are dropped (the sequence space wraps),
 * and the ranges of all sessions take at most an eighth of the worker's seg
 * nodes, so the reorder buffers of the others keep theirs.
 */
#define SKIP_MAX 8
#define SKIP_AGE (1u << 30)

static inline struct seg *
skip_at(struct ft_tracker *t, uint32_t pos1)
{
	return pos1 != 0 ? &t->segs[pos1 - 1] : NULL;
}

static inline uint32_t
skip_pos1(struct ft_tracker *t, const struct seg *s)
{
	return s != NULL ? (uint32_t)(s - t->segs) + 1 : 0;
}

static struct seg *
skip_alloc(struct ft_tracker *t, struct half *h)
{
	struct seg *s;

	if (h->n_skipped >= SKIP_MAX || t->skip_nodes >= t->n_segs / 8 ||
		(s = seg_alloc(t)) == NULL)
		return NULL;
	h->n_skipped++;
	t->skip_nodes++;
	s->cut = 0;
	return s;
}

static void
skip_free(struct ft_tracker *t, struct half *h, struct seg *s)
{
	h->n_skipped--;
	t->skip_nodes--;
	ft__seg_free(t, s);
}

void
ft__give_up_full(struct ft_tracker *t, struct flow *f, int d, uint32_t len)
{
	struct half *h = &f->h[d];
	struct seg *s, *last = NULL, *n;
	uint32_t seq = h->next;

	ft__give_up(t, f, d, len);
	for (s = skip_at(t, h->skipped); s != NULL; s = s->next) /* (SKIP_MAX at most) */
		last = s;
	if (last != NULL && last->seq + last->len == seq) {
		last->len += len;
		return;
	}
	if (len == 0 || (n = skip_alloc(t, h)) == NULL)
		return; /* missed for good */
	n->seq = seq;
	n->len = len;
	n->next = NULL;
	if (last != NULL)
		last->next = n;
	else
		h->skipped = skip_pos1(t, n);
}

/* [seq, seq+len) came again, behind next: what of it was given up for want
 * of buffer was sent after all. */
void
ft__refill(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, uint32_t len)
{
	struct half *h = &f->h[d];
	struct ft_flow_dir *fd = &f->pub.dir[d];
	struct seg *s = skip_at(t, h->skipped), *prev = NULL, *next, *r;
	uint32_t end = seq + len, got = 0;

	for (; s != NULL; s = next) {
		uint32_t s_end = s->seq + s->len;
		uint32_t lo = SEQ_LT(s->seq, seq) ? seq : s->seq;
		uint32_t hi = SEQ_LT(end, s_end) ? end : s_end;
		int old = SEQ_LT(s_end + SKIP_AGE, h->next);

		next = s->next;
		if (!old && !SEQ_LT(lo, hi)) {
			prev = s;
			continue;
		}
		if (!old)
			got += hi - lo;
		if (old || (lo == s->seq && hi == s_end)) { /* too old, or all of it: unlink */
			if (prev != NULL)
				prev->next = next;
			else
				h->skipped = skip_pos1(t, next);
			skip_free(t, h, s);
			continue;
		}
		if (lo == s->seq) {
			s->seq = hi;
			s->len = s_end - hi;
		} else if (hi == s_end) {
			s->len = lo - s->seq;
		} else if ((r = skip_alloc(t, h)) != NULL) { /* the middle: split */
			s->len = lo - s->seq;
			r->seq = hi;
			r->len = s_end - hi;
			r->next = next;
			s->next = r;
			s = r;
		} else if (lo - s->seq < s_end - hi) { /* no node: keep the larger part */
			s->seq = hi;
			s->len = s_end - hi;
		} else {
			s->len = lo - s->seq;
		}
		prev = s;
	}
	if (got > 0) {
		FT_PUB_ADD(fd->bytes, got);
		FT_PUB_SET(fd->missed, FT_PUB_GET(fd->missed) - got);
	}
}

void
ft__skipped_free(struct ft_tracker *t, struct half *h)
{
	struct seg *s = skip_at(t, h->skipped), *n;

	for (; s != NULL; s = n) {
		n = s->next;
		skip_free(t, h, s);
	}
	h->skipped = 0;
}

uint32_t
ft__held_free(struct ft_tracker *t, struct half *h)
{
	struct seg *s, *prev = NULL;
	uint32_t segments = 0;

	while ((s = h->held) != NULL) {
		/* A piece after a full SEG_DATA piece, or the snap-cut tail of
		 * captured bytes, is the rest of the segment before it. */
		int cont = prev != NULL && prev->seq + prev->len == s->seq && !prev->cut &&
			   (prev->len == SEG_DATA || s->cut);

		segments += !cont;
		h->held = s->next;
		if (prev != NULL)
			ft__seg_free(t, prev);
		prev = s;
	}
	if (prev != NULL)
		ft__seg_free(t, prev);
	h->held_bytes = 0;
	return segments;
}

/* Give up the first hole: everything up to the first held segment is missed
 * (full: for want of buffer). */
void
ft__give_up_first_hole(struct ft_tracker *t, struct flow *f, int d, int full)
{
	struct half *h = &f->h[d];

	if (h->held == NULL)
		return;
	if (full)
		ft__give_up_full(t, f, d, h->held->seq - h->next);
	else
		ft__give_up(t, f, d, h->held->seq - h->next);
	ft__drain(t, f, d);
}

void
ft__flush_held(struct ft_tracker *t, struct flow *f, int d)
{
	while (f->h[d].held != NULL)
		ft__give_up_first_hole(t, f, d, 0);
}

/*
 * Hold [seq, seq+len) (after next). Only bytes not held yet are stored.
 * cut: the range holds no data, only the place of bytes the snap length cut
 * off (data is NULL; a node covers any length and counts nothing against the
 * held-bytes bound). Returns the number of new bytes held, or -1 when buffers
 * ran out (what fitted is kept).
 */
int64_t
ft__hold(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, const uint8_t *data,
	uint32_t len, int cut)
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
			if (!cut)
				data += covered;
			seq += covered;
			continue;
		}
		/* Insert a piece before *pp, up to the next held segment or SEG_DATA. */
		uint32_t piece = end - seq;

		if (*pp != NULL && SEQ_LT((*pp)->seq, end))
			piece = (*pp)->seq - seq;
		if (piece > SEG_DATA && !cut)
			piece = SEG_DATA;
		if ((!cut && h->held_bytes + piece > t->cfg.ooo_flow_bytes) ||
			(s = seg_alloc(t)) == NULL)
			return -1;
		s->seq = seq;
		s->len = piece;
		s->cut = (uint32_t)(cut != 0);
		if (!cut && t->cfg.reassemble)
			memcpy(s->data, data, piece);
		s->next = *pp;
		*pp = s;
		pp = &s->next;
		if (!cut) {
			h->held_bytes += piece;
			data += piece;
		}
		added += piece;
		seq += piece;
	}
	return added;
}

void
ft__retransmit(struct ft_tracker *t, struct flow *f, int d, uint32_t seq, uint32_t len)
{
	struct half *h = &f->h[d];

	FT_PUB_ADD(f->pub.dir[d].retransmits, 1);
	/* Karn: a retransmitted range gives no latency sample. */
	if (h->probe && SEQ_LT(seq, h->probe_end))
		h->probe = 0;
	ft__emit(t, f, FT_FLOW_RETRANSMIT, (enum ft_dir)d, NULL, seq, len);
}
/* The window of the holes the other side acknowledged is over: give them up. */
void
ft__give_up_acked(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *h = &f->h[d];
	uint32_t limit = h->fin && SEQ_LT(h->fin_seq, h->ack_hi) ? h->fin_seq : h->ack_hi;

	h->hole = 0;
	while (SEQ_LT(h->next, limit)) {
		uint32_t upto = limit;

		if (h->held != NULL && SEQ_LT(h->held->seq, upto))
			upto = h->held->seq;
		if (SEQ_LT(h->next, upto))
			ft__give_up(t, f, d, upto - h->next);
		ft__drain(t, f, d);
		if (h->held == NULL)
			break;
	}
}
