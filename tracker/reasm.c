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

/* Give up the first hole: everything up to the first held segment is missed. */
void
ft__give_up_first_hole(struct ft_tracker *t, struct flow *f, int d)
{
	struct half *h = &f->h[d];

	if (h->held == NULL)
		return;
	ft__give_up(t, f, d, h->held->seq - h->next);
	ft__drain(t, f, d);
}

void
ft__flush_held(struct ft_tracker *t, struct flow *f, int d)
{
	while (f->h[d].held != NULL)
		ft__give_up_first_hole(t, f, d);
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
