/*
 * ipflow.c - flows of every IP protocol but TCP: UDP, ICMP, ICMPv6, GRE,
 * ESP, SCTP, ... (and, until fragments are reassembled in front of the
 * tracker, the fragments of any protocol, one flow per address pair and
 * protocol).
 *
 * Such a flow lives in the same table, pool, index and RCU walk as a TCP
 * session, under the same bound (max_flows) and eviction. It starts on its
 * first packet (src: that packet's sender; START at once), counts packets,
 * IP payload bytes and IP octets per direction, hands every UDP datagram's
 * payload over as one DATA event (the datagram's boundaries kept; data is the
 * captured part, NULL when reassembly is off), and ends by its protocol's idle
 * timeout, at the end of the capture (eof), or evicted.
 */
#include "tracker/tracker_internal.h"

/* The direction of a packet in f: from f's src or not (by address; by port
 * when both ends have one address). */
static inline int
ip_dir(const struct flow *f, const struct ft_packet *pkt)
{
	const struct ft_decoded *d = pkt->dec;
	uint16_t sp, dp;

	if (memcmp(d->ip.src, f->pub.src, 16) != 0)
		return FT_DIR_RECV;
	if (memcmp(f->pub.src, f->pub.dst, 16) != 0 || d->ip.frag)
		return FT_DIR_SEND;
	ft__flow_ports(d, pkt->data != NULL ? pkt->data + pkt->caplen : NULL, &sp, &dp);
	return sp == f->pub.sport ? FT_DIR_SEND : FT_DIR_RECV;
}

void
ft__ip_packet(struct ft_tracker *t, const struct ft_packet *pkt, const struct ft_flow_key *k,
	uint32_t hash)
{
	const struct ft_decoded *d = pkt->dec;
	struct flow *f = ft__expire_idle(t, ft__index_find(t, k, hash), pkt->ts_ns);
	uint32_t hdr = (uint32_t)d->ip.hlen + d->ip.ext_len;
	uint32_t payload = d->ip.len > hdr ? d->ip.len - hdr : 0;
	int dir;

	if (f == NULL) {
		f = ft__new_flow(t, pkt, k, hash, 0);
		if (f == NULL) {
			FT_CTR_ADD(t->untracked, 1);
			return;
		}
		if (d->ip.frag) {
			/* (The first fragment's ports are not the flow's: see the key.) */
			f->pub.sport = f->pub.dport = 0;
		}
		if (!d->ip.frag && (d->layers & (FT_LAYER_ICMP | FT_LAYER_ICMP6))) {
			f->pub.icmp_type = d->icmp.type;
			f->pub.icmp_code = d->icmp.code;
			f->pub.icmp_echo = d->icmp.echo;
			f->pub.icmp_id = d->icmp.echo ? d->icmp.id : 0;
		}
		ft__start(t, f);
	}
	dir = ip_dir(f, pkt);
	FT_PUB_ADD(f->pub.dir[dir].packets, 1);
	FT_PUB_ADD(f->pub.dir[dir].bytes, payload);
	FT_PUB_ADD(f->pub.dir[dir].octets, d->ip.len);
	if (pkt->ts_ns > f->pub.last_ns) /* (a packet stamped earlier does not age it) */
		FT_PUB_SET(f->pub.last_ns, pkt->ts_ns);
	if ((d->layers & FT_LAYER_UDP) && !d->ip.frag && d->l4_payload_len > 0)
		ft__emit(t, f, FT_FLOW_DATA, (enum ft_dir)dir,
			t->cfg.reassemble ? d->l4_payload : NULL, 0, d->l4_payload_len);
}
