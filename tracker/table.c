/*
 * table.c - the session table of one worker: pool, index, what other threads
 * walk (live[], RCU), LRU lists.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tracker/tracker_internal.h"

/* liburcu's caa_container_of casts through char *: alignment is the struct's own. */
#pragma GCC diagnostic ignored "-Wcast-align"

static void
lru_unlink(struct ft_tracker *t, struct flow *f)
{
	struct lru *l = &t->lru[f->lru];
	struct flow *prev = ft__q_at(t, f->l_prev), *next = ft__q_at(t, f->l_next);

	if (prev != NULL)
		prev->l_next = f->l_next;
	else
		l->head = next;
	if (next != NULL)
		next->l_prev = f->l_prev;
	else
		l->tail = prev;
	f->l_prev = f->l_next = 0;
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
	struct flow *p = l->tail, *next;
	uint32_t me = ft__pos1(t, f);

	for (int steps = 0; p != NULL && p->queued_ns > queued_ns && steps < 64; steps++)
		p = ft__q_at(t, p->l_prev);
	f->lru = (uint8_t)c;
	f->queued_ns = queued_ns;
	next = p != NULL ? ft__q_at(t, p->l_next) : l->head;
	f->l_prev = ft__pos1(t, p);
	f->l_next = ft__pos1(t, next);
	if (next != NULL)
		next->l_prev = me;
	else
		l->tail = f;
	if (p != NULL)
		p->l_next = me;
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
void
ft__lru_touch(struct ft_tracker *t, struct flow *f, enum lru_class c)
{
	if (f->lru == c)
		return;
	lru_unlink(t, f);
	lru_push(t, f, c, f->pub.last_ns);
}

/* A head that was touched since it was queued goes back to the tail. */
void
ft__lru_requeue(struct ft_tracker *t, struct flow *f)
{
	enum lru_class c = (enum lru_class)f->lru;

	lru_unlink(t, f);
	lru_push(t, f, c, f->pub.last_ns);
}
/* ---------- the session pool ---------- */

static void
free_flow_rcu(struct rcu_head *head)
{
	struct flow *f = caa_container_of(head, struct flow, rcu);
	struct ft_tracker *t;

	/* Runs on liburcu's call_rcu thread after a grace period; pairs with
	 * the release in ft__remove_flow() (liburcu's queue is invisible to TSan).
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
	uint32_t b;

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
	b = atomic_load_explicit(&t->bump, memory_order_relaxed);
	if (b < t->n_flows) {
		/* Also the walk's bound; f's live byte is 0 until it is published. */
		atomic_store_explicit(&t->bump, b + 1, memory_order_relaxed);
		return &t->flows[b];
	}
	return NULL;
}
static void
index_add(struct ft_tracker *t, struct flow *f)
{
	uint32_t i = f->hash & t->index_mask;

	while (t->index[i].tag != 0)
		i = (i + 1) & t->index_mask;
	t->index[i].tag = ft__tag_of(f->hash);
	t->index[i].pos = (uint32_t)(f - t->flows);
}

/* Remove f, shifting later entries of its probe run back (no tombstones). */
void
ft__index_del(struct ft_tracker *t, struct flow *f)
{
	uint32_t pos = (uint32_t)(f - t->flows), i = f->hash & t->index_mask, j, home;

	while (t->index[i].pos != pos || t->index[i].tag == 0)
		i = (i + 1) & t->index_mask;
	for (j = i;;) {
		j = (j + 1) & t->index_mask;
		if (t->index[j].tag == 0)
			break;
		home = t->flows[t->index[j].pos].hash & t->index_mask;
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->index[i] = t->index[j];
			i = j;
		}
	}
	t->index[i].tag = 0;
}
/* ---------- creation and removal ---------- */

void
ft__remove_flow(struct ft_tracker *t, struct flow *f)
{
	lru_unlink(t, f);
	ft__q_del(t, f);
	for (int d = 0; d < 2; d++) {
		ft__skipped_free(t, &f->h[d]);
		(void)ft__held_free(t, &f->h[d]);
	}
	if (f->old != 0)
		ft__q_at(t, f->old)->succ = 0;
	if (f->succ != 0)
		ft__q_at(t, f->succ)->old = 0;
	f->old = f->succ = 0;
	if (f->in_table) {
		/* Walks that start from here on skip it; one under way may still
		 * read it: it is reused only after a grace period. */
		atomic_store_explicit(&t->live[f - t->flows], 0, memory_order_release);
		if (f->in_index)
			ft__index_del(t, f);
		f->in_index = 0;
		f->in_table = 0;
		t->in_table--;
		FT_TSAN_RELEASE(f);
		urcu_qsbr_call_rcu(&f->rcu, free_flow_rcu);
	}
}
static int
make_room(struct ft_tracker *t)
{
	struct flow *victim = t->lru[LRU_CLOSED].head;

	if (victim != NULL) {
		ft__remove_flow(t, victim);
		return 0;
	}
	/* The oldest queued head; one touched since is requeued (a few tries). */
	for (int tries = 0; tries < 64; tries++) {
		victim = NULL;
		for (int c = LRU_SYN; c < LRU_CLOSED; c++) {
			struct flow *h = t->lru[c].head;

			if (h != NULL && (victim == NULL || h->queued_ns < victim->queued_ns))
				victim = h;
		}
		if (victim == NULL)
			return -1;
		if (victim->pub.last_ns <= victim->queued_ns)
			break;
		ft__lru_requeue(t, victim);
	}
	ft__end_flow(t, victim, FT_CLOSE_EVICTED);
	return 0;
}

/* A new session; swap: the packet's receiver is `src` (a SYN-ACK seen first). */
struct flow *
ft__new_flow(struct ft_tracker *t, const struct ft_packet *pkt, const struct ft_flow_key *k,
	uint32_t hash, int swap)
{
	const struct ft_decoded *d = pkt->dec;
	struct flow *f;
	uint16_t sp, dp;

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
	ft__flow_ports(d, pkt->data != NULL ? pkt->data + pkt->caplen : NULL, &sp, &dp);
	f->pub.sport = swap ? dp : sp;
	f->pub.dport = swap ? sp : dp;
	f->pub.proto = d->ip.proto;
	f->ipflow = (uint8_t)ft__is_ipflow(d);
	f->pub.worker = (uint16_t)t->cfg.worker;
	f->pub.ts_digits = pkt->ts_digits;
	f->pub.first_ns = pkt->ts_ns;
	f->pub.last_ns = pkt->ts_ns;
	f->pub.connect_ns = -1;
	f->pub.rtt_ns = -1;
	for (int i = 0; i < 2; i++)
		f->pub.dir[i].ack_lat_min_ns = UINT64_MAX;
	lru_push(t, f, f->ipflow ? ft__class_of(f) : LRU_SYN, pkt->ts_ns);
	/* Publish: everything above is visible to a walk that sees it live. */
	atomic_store_explicit(&t->live[f - t->flows], 1, memory_order_release);
	index_add(t, f);
	f->in_index = 1;
	f->in_table = 1;
	t->in_table++;
	FT_CTR_ADD(t->active, 1);
	FT_CTR_ADD(t->started[ft_flow_class_of(f->pub.proto)], 1);
	return f;
}
void
ft__tracker_counters(const struct ft_tracker *t, struct ft_tracker_counters *c)
{
	struct ft_tracker *m = (struct ft_tracker *)t;

	c->active = FT_CTR_GET(m->active);
	c->evicted = FT_CTR_GET(m->evicted);
	c->untracked = FT_CTR_GET(m->untracked);
	c->ooo_dropped = FT_CTR_GET(m->ooo_dropped);
	c->rst_ignored = FT_CTR_GET(m->rst_ignored);
	for (int i = 0; i < FT_FLOW_CLASSES; i++) {
		c->started[i] = FT_CTR_GET(m->started[i]);
		c->ended[i] = FT_CTR_GET(m->ended[i]);
	}
}

/* A consistent-enough copy of a session for another thread. */
static void
snapshot(const struct flow *f, struct ft_flow *out)
{
	struct flow *m = (struct flow *)f;

	/* Fields written before publication (key, endpoints, id, first_ns):
	 * ordered by the acquire of its live byte. */
	out->id = f->pub.id;
	out->ip_v = f->pub.ip_v;
	out->n_vlan = f->pub.n_vlan;
	out->vlan[0] = f->pub.vlan[0];
	out->vlan[1] = f->pub.vlan[1];
	memcpy(out->src, f->pub.src, 16);
	memcpy(out->dst, f->pub.dst, 16);
	out->sport = f->pub.sport;
	out->dport = f->pub.dport;
	out->proto = f->pub.proto;
	out->icmp_type = f->pub.icmp_type;
	out->icmp_code = f->pub.icmp_code;
	out->icmp_echo = f->pub.icmp_echo;
	out->icmp_id = f->pub.icmp_id;
	out->worker = f->pub.worker;
	out->first_ns = f->pub.first_ns;
	out->ts_digits = f->pub.ts_digits;
	/* Fields the worker keeps changing. */
	out->midstream = FT_PUB_GET(m->pub.midstream);
	out->state = FT_PUB_GET(m->pub.state);
	out->close = FT_PUB_GET(m->pub.close);
	out->last_ns = FT_PUB_GET(m->pub.last_ns);
	out->connect_ns = FT_PUB_GET(m->pub.connect_ns);
	out->rtt_ns = FT_PUB_GET(m->pub.rtt_ns);
	out->rst_ignored = FT_PUB_GET(m->pub.rst_ignored);
	for (int d = 0; d < 2; d++) {
		const struct ft_flow_dir *s = &m->pub.dir[d];
		struct ft_flow_dir *o = &out->dir[d];

		o->packets = FT_PUB_GET(s->packets);
		o->bytes = FT_PUB_GET(s->bytes);
		o->octets = FT_PUB_GET(s->octets);
		o->retransmits = FT_PUB_GET(s->retransmits);
		o->missed = FT_PUB_GET(s->missed);
		o->cut = FT_PUB_GET(s->cut);
		o->mss = FT_PUB_GET(s->mss);
		o->wscale = FT_PUB_GET(s->wscale);
		o->has_wscale = FT_PUB_GET(s->has_wscale);
		o->tcp_flags = FT_PUB_GET(s->tcp_flags);
		o->ack_lat_min_ns = FT_PUB_GET(s->ack_lat_min_ns);
		o->ack_lat_max_ns = FT_PUB_GET(s->ack_lat_max_ns);
		o->ack_lat_sum_ns = FT_PUB_GET(s->ack_lat_sum_ns);
		o->ack_lat_samples = FT_PUB_GET(s->ack_lat_samples);
	}
}

int
ft__tracker_visit(struct ft_tracker *t, int (*cb)(const struct ft_flow *f, void *user), void *user)
{
	struct ft_flow copy;
	uint32_t end;
	int rc = 0;

	urcu_qsbr_read_lock();
	end = atomic_load_explicit(&t->bump, memory_order_relaxed);
	for (uint32_t i = 0; i < end && rc == 0; i++) {
		if (!atomic_load_explicit(&t->live[i], memory_order_acquire))
			continue;
		snapshot(&t->flows[i], &copy);
		if (copy.close != FT_CLOSE_NONE)
			continue; /* ended, lingering */
		rc = cb(&copy, user);
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

	if (cfg->max_flows == 0) {
		snprintf(errbuf, cap, "max_flows must be > 0");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->cfg = *cfg;
	{
		const uint64_t to[] = {cfg->timeout_syn_ns, cfg->timeout_idle_ns,
			cfg->timeout_closed_ns, cfg->timeout_udp_ns, cfg->timeout_icmp_ns,
			cfg->timeout_other_ns};

		t->min_timeout_ns = UINT64_MAX;
		for (size_t i = 0; i < sizeof(to) / sizeof(to[0]); i++)
			if (to[i] < t->min_timeout_ns)
				t->min_timeout_ns = to[i];
	}
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
	t->live = map_zeroed(t->n_flows);
	if (t->flows == NULL || t->segs == NULL || t->index == NULL || t->live == NULL)
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
 * Tear down on a thread of our own, registered with liburcu: removing a
 * session hands it to call_rcu, which needs a registered thread; then wait
 * for the callbacks, which point into the pool (every session is on an LRU
 * list).
 */
static void *
teardown_main(void *arg)
{
	struct ft_tracker *t = arg;
	struct flow *f;

	urcu_qsbr_register_thread();
	for (int c = 0; c < LRU__N; c++)
		while ((f = t->lru[c].head) != NULL)
			ft__remove_flow(t, f);
	urcu_qsbr_thread_offline();
	urcu_qsbr_barrier(); /* pending call_rcu callbacks point into the pool */
	urcu_qsbr_thread_online();
	urcu_qsbr_unregister_thread();
	return NULL;
}

void
ft__tracker_free(struct ft_tracker *t)
{
	if (t == NULL)
		return;
	if (t->flows != NULL && t->live != NULL) {
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
	if (t->live != NULL)
		munmap((void *)t->live, t->n_flows);
	free(t);
}
