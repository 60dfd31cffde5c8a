/*
 * tcp.c - the TCP state machine and the tracker's per-packet entry point.
 */
#include "tracker/tracker_internal.h"

/* An ACK of h's bytes that h could have earned: no further than the highest
 * byte seen from h plus the acknowledging side's window (or 64 KiB). */
static inline int
ack_plausible(const struct half *h, uint32_t ack, uint32_t rwnd)
{
	return !h->have_next || SEQ_LEQ(ack, h->high + (rwnd > 65535 ? rwnd : 65535));
}

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

	if (!ack_plausible(h, ack, rwnd))
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
		FT_PUB_SET(fd->ack_lat_samples, fd->ack_lat_samples + 1);
		FT_PUB_SET(fd->ack_lat_sum_ns, fd->ack_lat_sum_ns + lat);
		if (lat < fd->ack_lat_min_ns)
			FT_PUB_SET(fd->ack_lat_min_ns, lat);
		if (lat > fd->ack_lat_max_ns)
			FT_PUB_SET(fd->ack_lat_max_ns, lat);
	}
	if (!SEQ_LT(h->next, limit))
		return;
	/* A hole the ACK passed: it may still fill within the reorder window. */
	if (!h->hole) {
		h->hole = 1;
		h->hole_ns = t->ev_ns;
		h->ack_hi = limit;
		ft__q_push(t, f);
	} else if (SEQ_LT(h->ack_hi, limit)) {
		h->ack_hi = limit;
	}
	if (t->cfg.reorder_window_ns == 0)
		ft__give_up_acked(t, f, d);
}

/*
 * Direction d's sequence space restarts (a SYN or SYN-ACK with a new ISN):
 * what it holds from the old one cannot be placed in the new one, nor handed
 * over (the stream's DATA and GAP events are contiguous). It is dropped and
 * counted as ooo_dropped, once per segment, not kept to be measured against
 * the new space (a hole from the new ISN up to the old bytes at the close).
 */
static void
leave_space(struct ft_tracker *t, struct flow *f, int d)
{
	FT_CTR_ADD(t->ooo_dropped, ft__held_free(t, &f->h[d]));
	f->h[d].hole = 0;
}

static void
syn_options(struct flow *f, int d, const struct ft_tcp *tcp)
{
	struct ft_flow_dir *fd = &f->pub.dir[d];

	if (tcp->opts.present & FT_TCPOPT_MSS)
		FT_PUB_SET(fd->mss, tcp->opts.mss);
	if (tcp->opts.present & FT_TCPOPT_WSCALE) {
		FT_PUB_SET(fd->wscale, tcp->opts.wscale);
		FT_PUB_SET(fd->has_wscale, 1);
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
		ft__established(t, f);
		FT_PUB_SET(f->pub.state, d == FT_DIR_SEND ? FT_TCP_FIN_WAIT : FT_TCP_CLOSE_WAIT);
		break;
	case FT_TCP_FIN_WAIT:
	case FT_TCP_CLOSE_WAIT:
		if (o->fin) /* the second FIN: was the first one acknowledged? */
			FT_PUB_SET(f->pub.state, o->fin_acked ? FT_TCP_LAST_ACK : FT_TCP_CLOSING);
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
	FT_CTR_ADD(t->rst_ignored, 1);
	FT_PUB_ADD(f->pub.rst_ignored, 1);
	ft__emit(t, f, FT_FLOW_RESET_IGNORED, (enum ft_dir)d, NULL, seq, 0);
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
	uint32_t seq = tcp->seq, cut = 0;

	/* Payload the header declares beyond what was captured counts as sent
	 * when the snap length cut the frame (and only as far as it did: a
	 * header that merely claims more is believed no further). */
	if (tcp->len > plen && pkt->len > pkt->caplen) {
		cut = tcp->len - plen;
		if (cut > pkt->len - pkt->caplen)
			cut = pkt->len - pkt->caplen;
	}

	FT_PUB_ADD(f->pub.dir[d].packets, 1);
	FT_PUB_ADD(f->pub.dir[d].octets, dec->ip.len);
	FT_PUB_SET(f->pub.dir[d].tcp_flags, f->pub.dir[d].tcp_flags | (uint8_t)fl);
	if (pkt->ts_ns > f->pub.last_ns) /* (a packet stamped earlier does not age it) */
		FT_PUB_SET(f->pub.last_ns, pkt->ts_ns);

	if (f->closing == FT_CLOSE_RST)
		rst_contradicted(t, f, d, tcp, plen + cut);
	if (fl & FT_TCP_RST) {
		/* What it carries was on the wire. A refused or aborted handshake
		 * never started: no START for it. */
		if (plen + cut > 0) {
			ft__established(t, f);
			ft__segment(t, f, d, seq, dec->l4_payload, plen, cut);
		}
		if (!rst_plausible(f, d, seq)) {
			rst_ignored(t, f, d, seq);
			ft__lru_touch(t, f, ft__class_of(f));
			return;
		}
		ft__emit(t, f, FT_FLOW_RESET, (enum ft_dir)d, NULL, seq, 0);
		if (!f->closing) {
			f->rst_dir = (uint8_t)d;
			f->rst_end = seq + plen + cut;
		}
		ft__close_later(t, f, FT_CLOSE_RST);
		if (!f->ended)
			ft__lru_touch(t, f, ft__class_of(f));
		return;
	}
	if (fl & FT_TCP_SYN) {
		/* A SYN-ACK with another ISN restarts the server's space only
		 * while its first ISN is unacknowledged (an answer to a SYN
		 * retried with a new ISN). Once the client acknowledged it, the
		 * space is the session's own, and another one is blind or stray:
		 * held data, the space and the state stay, its ACK and options
		 * are not taken. It counts as a packet of d. */
		int other_isn = d == FT_DIR_RECV && (fl & FT_TCP_ACK) && h->syn && h->isn != seq;

		if (other_isn && h->syn_acked) {
			ft__lru_touch(t, f, ft__class_of(f));
			return;
		}
		if (!(fl & FT_TCP_ACK)) {
			if (d == FT_DIR_SEND && h->syn) {
				ft__emit(t, f, FT_FLOW_SYN_RETRY, FT_DIR_SEND, NULL, seq, 0);
				f->last_syn_ns = pkt->ts_ns;
				if (seq != h->isn) { /* a new ISN: restart the count from it */
					leave_space(t, f, d);
					h->isn = seq;
					h->next = seq + 1;
					h->high = seq + 1;
					ft__skipped_free(t, h);
				}
			} else if (d == FT_DIR_RECV && f->pub.state == FT_TCP_SYN_SENT) {
				/* Simultaneous open (RFC 9293 3.5, figure 7). */
				FT_PUB_SET(f->pub.state, FT_TCP_SYN_RCVD);
			}
		} else {
			if (f->pub.state == FT_TCP_SYN_SENT)
				FT_PUB_SET(f->pub.state, FT_TCP_SYN_RCVD);
			/* RTT spans both directions: only when the SYN-ACK is
			 * captured after the SYN (a tap's skew can reverse them). */
			if (f->h[!d].syn && f->pub.rtt_ns < 0 && pkt->ts_ns >= f->last_syn_ns)
				FT_PUB_SET(f->pub.rtt_ns, (int64_t)(pkt->ts_ns - f->last_syn_ns));
		}
		if (!h->syn || other_isn) {
			/* A SYN captured after data of its side (a multi-queue NIC)
			 * must not move next back. */
			int late = !h->syn && h->have_next && SEQ_LEQ(seq + 1, h->next);

			h->syn = 1;
			h->isn = seq;
			if (h->have_ack && SEQ_LT(seq, h->ack_max))
				h->syn_acked = 1; /* its ACK was captured first */
			if (!late) {
				leave_space(t, f, d);
				h->next = seq + 1;
				h->high = seq + 1;
				h->have_next = 1;
				ft__skipped_free(t, h);
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
		uint32_t rwnd = (uint32_t)tcp->win << (shift > 14 ? 14 : shift);

		/* (Only an ACK the peer could have earned: a bogus one, or the ACK
		 * of a retried SYN-ACK's new ISN captured before it, must not
		 * mark the old ISN acknowledged.) */
		if (o->syn && !o->syn_acked && SEQ_LT(o->isn, tcp->ack) &&
			ack_plausible(o, tcp->ack, rwnd))
			o->syn_acked = 1;
		/* The handshake is complete when both SYNs are acknowledged: the
		 * usual three packets, or a simultaneous open's two SYN-ACKs. */
		if ((f->pub.state == FT_TCP_SYN_SENT || f->pub.state == FT_TCP_SYN_RCVD) &&
			h->syn && o->syn && h->syn_acked && o->syn_acked) {
			if (f->h[FT_DIR_SEND].syn && pkt->ts_ns >= f->syn_ns)
				FT_PUB_SET(f->pub.connect_ns, (int64_t)(pkt->ts_ns - f->syn_ns));
			ft__established(t, f);
		}
		acked(t, f, !d, tcp->ack, rwnd);
	}
	if (plen + cut > 0) {
		ft__established(t, f);
		ft__segment(t, f, d, seq, dec->l4_payload, plen, cut);
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
		ft__close_later(t, f, FT_CLOSE_FIN);
		if (f->ended)
			return;
	}
	ft__lru_touch(t, f, ft__class_of(f));
}

/* End f now and take it out of the table, lingering or not: a new session
 * takes its key. */
static void
end_now(struct ft_tracker *t, struct flow *f, enum ft_close dflt)
{
	ft__end_flow(t, f, ft__close_reason(f, dflt));
	if (f->in_table)
		ft__remove_flow(t, f);
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
	ft__index_del(t, f);
	f->in_index = 0;
	f->superseded = 1;
	f->close_ns = t->ev_ns;
	ft__q_push(t, f);
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

void
ft__tracker_prefetch_slot(struct ft_tracker *t, uint32_t hash)
{
	__builtin_prefetch(&t->index[hash & t->index_mask]);
}

void
ft__tracker_prefetch(struct ft_tracker *t, uint32_t hash)
{
	const struct slot *e;
	const char *f;

	e = &t->index[hash & t->index_mask];
	if (e->tag != ft__tag_of(hash))
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
	struct ft_flow_key k;

	if (ft__flow_key_of_decoded(
		    pkt->dec, pkt->data != NULL ? pkt->data + pkt->caplen : NULL, &k) != 0)
		return 0;
	return ft__tracker_packet_key(t, pkt, &k, ft__flow_key_hash(&k));
}

int
ft__tracker_packet_key(struct ft_tracker *t, const struct ft_packet *pkt,
	const struct ft_flow_key *key, uint32_t hash)
{
	const struct ft_decoded *d = pkt->dec;
	struct flow *f = NULL, *old = NULL;
	int syn_only, synack;

	/* Events and latencies take the packet's own time: on a live link the
	 * expiry clock may run ahead of packets still in the kernel's buffer.
	 * Every frame moves the clock, tracked or not (a worker fed only
	 * frames of no flow still ages its sessions). */
	t->ev_ns = pkt->ts_ns;
	if (pkt->ts_ns > t->now_ns)
		t->now_ns = pkt->ts_ns;
	if (t->q_head_due <= t->now_ns)
		ft__run_queue(t);
	if (t->now_ns >= t->sweep_ns)
		ft__sweep(t);
	if (!ft__flow_trackable(d))
		return t->cb_failed ? t->cb_rc : 0;
	if (ft__is_ipflow(d)) {
		ft__ip_packet(t, pkt, key, hash);
		return t->cb_failed ? t->cb_rc : 0;
	}
	f = ft__expire_idle(t, ft__index_find(t, key, hash), pkt->ts_ns);
	syn_only = (d->tcp.flags & (FT_TCP_SYN | FT_TCP_ACK | FT_TCP_RST)) == FT_TCP_SYN;
	synack = (d->tcp.flags & (FT_TCP_SYN | FT_TCP_ACK | FT_TCP_RST)) ==
		 (FT_TCP_SYN | FT_TCP_ACK);
	/* The older session's packet (never a SYN: the branches below skip it;
	 * ended, it is a stray one). */
	if (f != NULL && f->old != 0 && of_old(f, ft__q_at(t, f->old), d))
		f = ft__q_at(t, f->old);
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
				ft__remove_flow(t, f);
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
			ft__remove_flow(t, f);
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

		f = ft__new_flow(t, pkt, key, hash, synack);
		if (f == NULL) {
			FT_CTR_ADD(t->untracked, 1);
			return 0;
		}
		/* (Making room may have removed the old one.) */
		if (old != NULL && old->in_table && old->pub.id == old_id && !old->ended) {
			f->old = (uint32_t)(old - t->flows) + 1;
			old->succ = (uint32_t)(f - t->flows) + 1;
		}
		if (syn_only) {
			FT_PUB_SET(f->pub.state, FT_TCP_SYN_SENT);
			f->syn_ns = pkt->ts_ns;
			f->last_syn_ns = pkt->ts_ns;
		} else if (synack) {
			FT_PUB_SET(f->pub.state, FT_TCP_SYN_RCVD);
		} else {
			FT_PUB_SET(f->pub.state, FT_TCP_ESTABLISHED);
			FT_PUB_SET(f->pub.midstream, 1);
			ft__start(t, f);
		}
	}
	update(t, f, dir_of(f, d), pkt);
	return t->cb_failed ? t->cb_rc : 0;
}
