/*
 * tracker.h - one worker's flow tracker (TCP sessions and every other IP protocol) (private to the
 * library; the tests drive it directly).
 *
 * Thread rules: a tracker belongs to one thread (its worker), which must be a
 * registered liburcu QSBR reader (urcu_qsbr_register_thread()) and announce
 * quiescent states between calls. ft__tracker_visit() may be called from any
 * registered, online reader thread.
 */
#ifndef FT_TRACKER_H
#define FT_TRACKER_H

#include <stdint.h>

#include "core/flowkey.h"
#include "flowtap/flow.h"
#include "flowtap/packet.h"

struct ft_tracker_config {
	uint32_t max_flows;         /* sessions tracked at once by this tracker */
	uint32_t ooo_flow_bytes;    /* out-of-order bytes held per session */
	uint64_t ooo_bytes;         /* out-of-order bytes held by this tracker in all */
	int reassemble;             /* keep payload bytes (DATA events carry data) */
	uint64_t timeout_syn_ns;    /* SYN_SENT, SYN_RCVD */
	uint64_t timeout_idle_ns;   /* ESTABLISHED and the FIN states */
	uint64_t timeout_closed_ns; /* CLOSED sessions linger this long to absorb stray packets */
	uint64_t timeout_udp_ns;    /* UDP flows end after this idle */
	uint64_t timeout_icmp_ns;   /* ICMP, ICMPv6 */
	uint64_t timeout_other_ns;  /* every other IP protocol */
	uint64_t reorder_window_ns; /* a hole an ACK passed, a close: final after this (0: at once)
				     */
	unsigned worker;            /* stored in ft_flow.worker and the id's low 8 bits */
	ft_flow_cb *on_flow;        /* may be NULL */
	void *user;
};

/* Counters the tracker keeps (one writer: its thread; read relaxed). */
struct ft_tracker_counters {
	uint64_t active;                   /* flows open now (CLOSED lingering ones excluded) */
	uint64_t started[FT_FLOW_CLASSES]; /* flows created, by enum ft_flow_class */
	uint64_t ended[FT_FLOW_CLASSES];   /* flows ended (END given), by class */
	uint64_t evicted;                  /* ended to make room */
	uint64_t untracked;   /* IP packets that could not get a flow (no free entry) */
	uint64_t ooo_dropped; /* out-of-order segments not held (buffers full) or dropped
			       * (their sequence space restarted) */
	uint64_t rst_ignored; /* RSTs not honoured: implausible, or contradicted by later traffic */
};

struct ft_tracker;

/* Create / destroy. Allocation happens here only. Returns NULL with errbuf set. */
struct ft_tracker *ft__tracker_new(const struct ft_tracker_config *cfg, char *errbuf, size_t cap);
/* Ends nothing: call ft__tracker_flush() first to emit END events. Waits for
 * pending RCU frees (rcu_barrier) on a thread of its own; any thread may call it
 * (an online QSBR reader goes offline meanwhile). */
void ft__tracker_free(struct ft_tracker *t);

/* One decoded packet (IP packets are looked at); its flow key is made from
 * the decoded headers. Returns the first non-zero value a callback returned
 * (the caller stops), else 0. */
int ft__tracker_packet(struct ft_tracker *t, const struct ft_packet *pkt);
/* The same with the packet's flow key and hash already made (the capture
 * thread's, carried in the frame's descriptor: decode/flowkey.h). */
int ft__tracker_packet_key(struct ft_tracker *t, const struct ft_packet *pkt,
	const struct ft_flow_key *key, uint32_t hash);

/*
 * Prefetch for a packet that ft__tracker_packet_key() will see soon (a worker
 * pipelines its batch: a few packets ahead it prefetches the index slot of
 * the packet's hash, fewer packets ahead the session the slot names). Both
 * are hints: they change nothing, and a wrong guess only costs time.
 */
void ft__tracker_prefetch_slot(struct ft_tracker *t, uint32_t hash);
void ft__tracker_prefetch(struct ft_tracker *t, uint32_t hash);

/* Expire idle sessions against now_ns (packet time, or the clock when live and quiet). */
int ft__tracker_tick(struct ft_tracker *t, uint64_t now_ns);

/* End every open session with reason why (FT_CLOSE_EOF at the end of a capture). */
int ft__tracker_flush(struct ft_tracker *t, enum ft_close why, uint64_t now_ns);

/* A snapshot of the counters. */
void ft__tracker_counters(const struct ft_tracker *t, struct ft_tracker_counters *c);

/* Copy out every session in the table (any registered reader thread). */
int ft__tracker_visit(
	struct ft_tracker *t, int (*cb)(const struct ft_flow *f, void *user), void *user);

#endif
