/*
 * output/format_json.c - ft_format_packet_json(): the `packet` record of
 * docs/design.md, one JSON object, key names exactly as specified there.
 *
 * DESIGN
 * - Written with output/jw.h into the caller's buffer: bounded, no
 *   allocation, cut cleanly at a token boundary if the buffer is small.
 * - A key is present only when its layer bit is set. Extra layers get extra
 *   keys: llc, null, radiotap, wifi, igmp, pppoe, ppp, chdlc, mpls, tunnel
 *   (outer IP, tunnel header, inner Ethernet). With a tunnel, ip/tcp/udp describe the inner packet.
 * - DNS is parsed here, on demand, with ft_decode_dns() (a struct ft_dns on
 *   the stack). So that FT_PACKET_FORMAT_MAX always suffices, a DNS record is
 *   written only if its worst-case escaped size fits with room to spare for
 *   the rest of the object; records left out are flagged by "cut": true.
 * - Single-bit flags (df, mf, sack_ok, qr, ...) are JSON booleans; all other
 *   header fields are numbers; addresses and names are strings.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "output/format_internal.h"
#include "output/jw.h"

/* Room kept for what follows the DNS object: "error" and closing braces. */
#define JSON_TAIL_RESERVE 256

static void
json_ts(struct ft_jw *w, uint64_t ts_ns, unsigned digits)
{
	char tmp[40];
	size_t n = ft__fmt_epoch(tmp, ts_ns, digits);

	ft__jw_key(w, "ts");
	ft__jw_raw(w, tmp, n);
}

static void
json_ip(struct ft_jw *w, const char *key, const struct ft_ip *ip)
{
	ft__jw_key(w, key);
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "v", ip->v);
	ft__jw_key(w, "src");
	ft__jw_ip(w, ip->v, ip->src);
	ft__jw_key(w, "dst");
	ft__jw_ip(w, ip->v, ip->dst);
	ft__jw_kv_u64(w, "proto", ip->proto);
	ft__jw_kv_u64(w, "ttl", ip->ttl);
	ft__jw_kv_u64(w, "len", ip->len);
	ft__jw_kv_u64(w, "id", ip->id);
	ft__jw_kv_bool(w, "df", ip->df);
	ft__jw_kv_bool(w, "mf", ip->mf);
	ft__jw_kv_u64(w, "off", ip->off);
	ft__jw_ch(w, '}');
}

static void
json_eth(struct ft_jw *w, const struct ft_eth *eth)
{
	ft__jw_key(w, "eth");
	ft__jw_ch(w, '{');
	ft__jw_key(w, "src");
	ft__jw_mac(w, eth->src);
	ft__jw_key(w, "dst");
	ft__jw_mac(w, eth->dst);
	ft__jw_kv_u64(w, "type", eth->type);
	ft__jw_ch(w, '}');
}

static void
json_vlan(struct ft_jw *w, const struct ft_vlan *v, unsigned n)
{
	unsigned i;

	ft__jw_key(w, "vlan");
	ft__jw_ch(w, '[');
	for (i = 0; i < n && i < FT_MAX_VLAN; i++) {
		ft__jw_sep(w);
		ft__jw_ch(w, '{');
		ft__jw_kv_u64(w, "id", v[i].id);
		ft__jw_kv_u64(w, "pcp", v[i].pcp);
		ft__jw_ch(w, '}');
	}
	ft__jw_ch(w, ']');
}

/* An address of n bytes: IPv4 dotted, MAC colon-hex, anything else colon-hex. */
static void
json_addr(struct ft_jw *w, const uint8_t *a, unsigned n, int ip)
{
	char tmp[3 * 32 + 2];
	size_t o = 0;

	if (n > 32)
		n = 32;
	tmp[o++] = '"';
	if (ip && n == 4)
		o += ft__fmt_ip4(tmp + o, a);
	else if (ip && n == 16)
		o += ft__fmt_ip6(tmp + o, a);
	else
		o += ft__fmt_hexcolon(tmp + o, a, n);
	tmp[o++] = '"';
	ft__jw_raw(w, tmp, o);
}

static void
json_tcp(struct ft_jw *w, const struct ft_tcp *t)
{
	const struct ft_tcp_opts *o = &t->opts;
	unsigned i;

	ft__jw_key(w, "tcp");
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "sport", t->sport);
	ft__jw_kv_u64(w, "dport", t->dport);
	ft__jw_kv_u64(w, "seq", t->seq);
	ft__jw_kv_u64(w, "ack", t->ack);
	ft__jw_kv_u64(w, "flags", t->flags);
	ft__jw_kv_u64(w, "win", t->win);
	ft__jw_kv_u64(w, "len", t->len);
	if (t->hlen > 20) {
		ft__jw_key(w, "opts");
		ft__jw_ch(w, '{');
		if (o->present & FT_TCPOPT_MSS)
			ft__jw_kv_u64(w, "mss", o->mss);
		if (o->present & FT_TCPOPT_WSCALE)
			ft__jw_kv_u64(w, "wscale", o->wscale);
		if (o->present & FT_TCPOPT_SACK_OK)
			ft__jw_kv_bool(w, "sack_ok", 1);
		if (o->present & FT_TCPOPT_SACK) {
			ft__jw_key(w, "sack");
			ft__jw_ch(w, '[');
			for (i = 0; i < o->n_sack && i < FT_MAX_TCP_SACK; i++) {
				ft__jw_sep(w);
				ft__jw_ch(w, '[');
				ft__jw_u64(w, o->sack[i][0]);
				ft__jw_ch(w, ',');
				ft__jw_u64(w, o->sack[i][1]);
				ft__jw_ch(w, ']');
			}
			ft__jw_ch(w, ']');
		}
		if (o->present & FT_TCPOPT_TS) {
			ft__jw_key(w, "ts");
			ft__jw_ch(w, '[');
			ft__jw_u64(w, o->ts_val);
			ft__jw_ch(w, ',');
			ft__jw_u64(w, o->ts_ecr);
			ft__jw_ch(w, ']');
		}
		if (o->n_unknown > 0) {
			ft__jw_key(w, "unknown");
			ft__jw_ch(w, '[');
			for (i = 0; i < o->n_unknown && i < FT_MAX_TCP_UNKNOWN; i++) {
				ft__jw_sep(w);
				ft__jw_u64(w, o->unknown[i]);
			}
			ft__jw_ch(w, ']');
		}
		ft__jw_ch(w, '}');
	}
	ft__jw_ch(w, '}');
}

static void
json_udp(struct ft_jw *w, const char *key, uint16_t sport, uint16_t dport, uint16_t len)
{
	ft__jw_key(w, key);
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "sport", sport);
	ft__jw_kv_u64(w, "dport", dport);
	ft__jw_kv_u64(w, "len", len);
	ft__jw_ch(w, '}');
}

static void
json_icmp(struct ft_jw *w, const struct ft_icmp *ic, int v6)
{
	ft__jw_key(w, v6 ? "icmp6" : "icmp");
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "type", ic->type);
	ft__jw_kv_u64(w, "code", ic->code);
	if (ic->echo) {
		ft__jw_kv_u64(w, "id", ic->id);
		ft__jw_kv_u64(w, "seq", ic->seq);
	}
	if (ic->nd_target) {
		ft__jw_key(w, "target");
		ft__jw_ip(w, 6, ic->target);
	}
	if (ic->nd_lladdr) {
		ft__jw_key(w, "lladdr");
		ft__jw_mac(w, ic->lladdr);
	}
	if (ic->quote) {
		ft__jw_key(w, "quote");
		ft__jw_ch(w, '{');
		ft__jw_kv_u64(w, "v", ic->q_v);
		ft__jw_key(w, "src");
		ft__jw_ip(w, ic->q_v, ic->q_src);
		ft__jw_key(w, "dst");
		ft__jw_ip(w, ic->q_v, ic->q_dst);
		ft__jw_kv_u64(w, "proto", ic->q_proto);
		if (ic->q_ports) {
			ft__jw_kv_u64(w, "sport", ic->q_sport);
			ft__jw_kv_u64(w, "dport", ic->q_dport);
		}
		ft__jw_ch(w, '}');
	}
	ft__jw_ch(w, '}');
}

static size_t
cstrnlen(const char *s, size_t max)
{
	const char *e = memchr(s, '\0', max);

	return e != NULL ? (size_t)(e - s) : max;
}

static void
json_dns(struct ft_jw *w, const struct ft_dns *dns)
{
	unsigned i;
	size_t nl, dl;
	int cut = 0;

	ft__jw_key(w, "dns");
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "id", dns->id);
	ft__jw_kv_bool(w, "qr", dns->qr);
	ft__jw_kv_u64(w, "opcode", dns->opcode);
	ft__jw_kv_u64(w, "rcode", dns->rcode);
	ft__jw_key(w, "qd");
	ft__jw_ch(w, '[');
	for (i = 0; i < dns->n_qd && i < FT_DNS_MAX_RR; i++) {
		nl = cstrnlen(dns->qd[i].name, sizeof dns->qd[i].name);
		if (ft__jw_left(w) < 6 * nl + 64 + JSON_TAIL_RESERVE) {
			cut = 1;
			break;
		}
		ft__jw_sep(w);
		ft__jw_ch(w, '{');
		ft__jw_kv_str(w, "name", dns->qd[i].name, nl);
		ft__jw_kv_u64(w, "type", dns->qd[i].type);
		ft__jw_ch(w, '}');
	}
	ft__jw_ch(w, ']');
	ft__jw_key(w, "an");
	ft__jw_ch(w, '[');
	for (i = 0; i < dns->n_an && i < FT_DNS_MAX_RR && !cut; i++) {
		nl = cstrnlen(dns->an[i].name, sizeof dns->an[i].name);
		dl = cstrnlen(dns->an[i].data, sizeof dns->an[i].data);
		if (ft__jw_left(w) < 6 * (nl + dl) + 96 + JSON_TAIL_RESERVE) {
			cut = 1;
			break;
		}
		ft__jw_sep(w);
		ft__jw_ch(w, '{');
		ft__jw_kv_str(w, "name", dns->an[i].name, nl);
		ft__jw_kv_u64(w, "type", dns->an[i].type);
		ft__jw_kv_u64(w, "ttl", dns->an[i].ttl);
		ft__jw_kv_str(w, "data", dns->an[i].data, dl);
		ft__jw_ch(w, '}');
	}
	ft__jw_ch(w, ']');
	if (cut)
		ft__jw_kv_bool(w, "cut", 1);
	ft__jw_ch(w, '}');
}

static void
json_radiotap(struct ft_jw *w, const struct ft_radiotap *rt)
{
	ft__jw_key(w, "radiotap");
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "len", rt->len);
	ft__jw_kv_u64(w, "present", rt->present);
	if (rt->have & FT_RT_TSFT)
		ft__jw_kv_u64(w, "tsft", rt->tsft);
	if (rt->have & FT_RT_FLAGS) {
		ft__jw_kv_u64(w, "flags", rt->flags);
		ft__jw_kv_bool(w, "fcs", (rt->flags & 0x10) != 0);
	}
	if (rt->have & FT_RT_RATE) {
		ft__jw_key(w, "rate");
		ft__fmt_rate(w, rt->rate);
	}
	if (rt->have & FT_RT_CHANNEL) {
		ft__jw_kv_u64(w, "freq", rt->freq);
		ft__jw_kv_u64(w, "chan_flags", rt->chan_flags);
	}
	if (rt->have & FT_RT_MCS)
		ft__jw_kv_u64(w, "mcs", rt->mcs_index);
	if (rt->have & FT_RT_SIGNAL)
		ft__jw_kv_i64(w, "signal", rt->signal);
	if (rt->have & FT_RT_NOISE)
		ft__jw_kv_i64(w, "noise", rt->noise);
	if (rt->have & FT_RT_ANTENNA)
		ft__jw_kv_u64(w, "antenna", rt->antenna);
	ft__jw_ch(w, '}');
}

static void
json_wifi(struct ft_jw *w, const struct ft_wifi *wf)
{
	unsigned i;

	ft__jw_key(w, "wifi");
	ft__jw_ch(w, '{');
	ft__jw_kv_u64(w, "type", wf->type);
	ft__jw_kv_u64(w, "subtype", wf->subtype);
	ft__jw_key(w, "name");
	ft__jw_cstr_q(w, ft__wifi_subtype_name(wf->type, wf->subtype));
	ft__jw_kv_u64(w, "flags", wf->flags);
	ft__jw_kv_u64(w, "duration", wf->duration);
	ft__jw_key(w, "addr");
	ft__jw_ch(w, '[');
	for (i = 0; i < wf->n_addr && i < 4; i++) {
		ft__jw_sep(w);
		ft__jw_mac(w, wf->addr[i]);
	}
	ft__jw_ch(w, ']');
	if (wf->type != FT_WIFI_CTRL) {
		ft__jw_kv_u64(w, "seq", wf->seq);
		ft__jw_kv_u64(w, "frag", wf->frag);
	}
	if (wf->qos)
		ft__jw_kv_u64(w, "tid", wf->tid);
	if (wf->has_ssid)
		ft__jw_kv_str(w, "ssid", (const char *)wf->ssid, wf->ssid_len);
	if (wf->n_rates > 0) {
		ft__jw_key(w, "rates");
		ft__jw_ch(w, '[');
		for (i = 0; i < wf->n_rates && i < FT_MAX_WIFI_RATES; i++) {
			ft__jw_sep(w);
			ft__fmt_rate(w, wf->rates[i] & 0x7f);
		}
		ft__jw_ch(w, ']');
	}
	if (wf->channel != 0)
		ft__jw_kv_u64(w, "channel", wf->channel);
	ft__jw_ch(w, '}');
}

static const char *
tunnel_type_name(unsigned type)
{
	switch (type) {
	case FT_TUN_GRE:
		return "gre";
	case FT_TUN_VXLAN:
		return "vxlan";
	case FT_TUN_GENEVE:
		return "geneve";
	case FT_TUN_GTP:
		return "gtp";
	case FT_TUN_MPLS:
		return "mpls";
	case FT_TUN_MPLS_UDP:
		return "mpls_udp";
	default:
		return "ipip";
	}
}

/* The link-level encapsulations: PPPoE, PPP, Cisco HDLC, the MPLS label stack. */
static void
json_encap(struct ft_jw *w, const struct ft_decoded *d)
{
	uint32_t L = d->layers;
	unsigned i;

	if (L & FT_LAYER_PPPOE) {
		ft__jw_key(w, "pppoe");
		ft__jw_ch(w, '{');
		ft__jw_kv_u64(w, "code", d->pppoe.code);
		ft__jw_kv_u64(w, "session", d->pppoe.session);
		ft__jw_kv_u64(w, "len", d->pppoe.len);
		if (d->pppoe.discovery)
			ft__jw_kv_bool(w, "discovery", 1);
		ft__jw_ch(w, '}');
	}
	if (L & FT_LAYER_CHDLC) {
		ft__jw_key(w, "chdlc");
		ft__jw_ch(w, '{');
		ft__jw_kv_u64(w, "addr", d->chdlc.addr);
		ft__jw_kv_u64(w, "proto", d->chdlc.proto);
		ft__jw_ch(w, '}');
	}
	if (L & FT_LAYER_PPP) {
		ft__jw_key(w, "ppp");
		ft__jw_ch(w, '{');
		ft__jw_kv_u64(w, "proto", d->ppp.proto);
		ft__jw_ch(w, '}');
	}
	if (L & FT_LAYER_MPLS) {
		ft__jw_key(w, "mpls");
		ft__jw_ch(w, '[');
		for (i = 0; i < d->n_mpls && i < FT_MAX_MPLS; i++) {
			ft__jw_sep(w);
			ft__jw_ch(w, '{');
			ft__jw_kv_u64(w, "label", d->mpls[i].label);
			ft__jw_kv_u64(w, "tc", d->mpls[i].tc);
			ft__jw_kv_bool(w, "s", d->mpls[i].s);
			ft__jw_kv_u64(w, "ttl", d->mpls[i].ttl);
			ft__jw_ch(w, '}');
		}
		ft__jw_ch(w, ']');
	}
}

static void
json_tunnel(struct ft_jw *w, const struct ft_decoded *d)
{
	const struct ft_tunnel *t = &d->tunnel;

	ft__jw_key(w, "tunnel");
	ft__jw_ch(w, '{');
	ft__jw_key(w, "type");
	ft__jw_cstr_q(w, tunnel_type_name(t->type));
	ft__jw_kv_u64(w, "depth", d->n_tunnel);
	if (d->outer_ip.v != 0)
		json_ip(w, "ip", &d->outer_ip);
	if (t->type == FT_TUN_VXLAN || t->type == FT_TUN_GENEVE)
		ft__jw_kv_u64(w, "vni", t->vni);
	if (t->type == FT_TUN_GTP) {
		ft__jw_kv_u64(w, "teid", t->teid);
		ft__jw_kv_u64(w, "gtp_type", t->gtp_type);
	}
	if (t->type == FT_TUN_VXLAN || t->type == FT_TUN_GENEVE || t->type == FT_TUN_GTP ||
		t->type == FT_TUN_MPLS_UDP) {
		ft__jw_kv_u64(w, "sport", t->sport);
		ft__jw_kv_u64(w, "dport", t->dport);
	}
	if (t->type == FT_TUN_GENEVE) {
		ft__jw_kv_u64(w, "geneve_proto", t->geneve_proto);
		ft__jw_kv_u64(w, "geneve_flags", t->geneve_flags);
		ft__jw_kv_u64(w, "geneve_opt_len", t->geneve_opt_len);
	}
	if (t->type == FT_TUN_MPLS)
		ft__jw_kv_bool(w, "pw_cw", t->pw_cw);
	if (t->type == FT_TUN_GRE) {
		ft__jw_kv_u64(w, "gre_flags", t->gre_flags);
		ft__jw_kv_u64(w, "gre_proto", t->gre_proto);
		if (t->gre_flags & 0x2000)
			ft__jw_kv_u64(w, "key", t->gre_key);
		if (t->gre_flags & 0x1000)
			ft__jw_kv_u64(w, "gre_seq", t->gre_seq);
		if (d->layers & FT_LAYER_ERSPAN) {
			ft__jw_kv_u64(w, "erspan_ver", t->erspan_ver);
			ft__jw_kv_u64(w, "erspan_id", t->erspan_id);
		}
	}
	if (d->layers & FT_LAYER_INNER_ETH) {
		json_eth(w, &t->eth);
		if (t->n_vlan > 0)
			json_vlan(w, t->vlan, t->n_vlan);
	}
	ft__jw_ch(w, '}');
}

FT_EXTERN size_t
ft_format_packet_json(const struct ft_packet *pkt, char *buf, size_t cap)
{
	const struct ft_decoded *d = pkt->dec;
	struct ft_dns dns;
	struct ft_jw w;
	const char *link;
	uint32_t L;
	uint8_t st, el;

	ft__jw_init(&w, buf, cap);
	ft__jw_cstr(&w, "{\"type\":\"packet\"");
	ft__jw_kv_u64(&w, "n", pkt->n);
	json_ts(&w, pkt->ts_ns, pkt->ts_digits);
	ft__jw_kv_u64(&w, "caplen", pkt->caplen);
	ft__jw_kv_u64(&w, "len", pkt->len);
	link = ft_dlt_name(pkt->dlt);
	ft__jw_key(&w, "link");
	ft__jw_cstr_q(&w, link != NULL ? link : "");
	if (pkt->reassembled)
		ft__jw_kv_bool(&w, "reassembled", 1);
	if (d == NULL) {
		ft__jw_ch(&w, '}');
		return w.len;
	}
	L = d->layers;
	st = d->status;
	el = d->err_layer;
	if (L & FT_LAYER_RADIOTAP)
		json_radiotap(&w, &d->radiotap);
	if (L & FT_LAYER_WIFI)
		json_wifi(&w, &d->wifi);
	if (L & FT_LAYER_ETH)
		json_eth(&w, &d->eth);
	if (L & FT_LAYER_VLAN)
		json_vlan(&w, d->vlan, d->n_vlan);
	if (L & FT_LAYER_NULL)
		ft__jw_kv_u64(&w, "null", d->null_family);
	if (L & FT_LAYER_SLL) {
		ft__jw_key(&w, "sll");
		ft__jw_ch(&w, '{');
		ft__jw_kv_u64(&w, "pkttype", d->sll.pkttype);
		ft__jw_kv_u64(&w, "hatype", d->sll.hatype);
		ft__jw_key(&w, "addr");
		json_addr(&w, d->sll.addr, d->sll.halen > 8 ? 8 : d->sll.halen, 0);
		ft__jw_kv_u64(&w, "proto", d->sll.proto);
		if (d->sll.version == 2)
			ft__jw_kv_u64(&w, "ifindex", d->sll.ifindex);
		ft__jw_ch(&w, '}');
	}
	if (L & FT_LAYER_LLC) {
		ft__jw_key(&w, "llc");
		ft__jw_ch(&w, '{');
		ft__jw_kv_u64(&w, "dsap", d->llc.dsap);
		ft__jw_kv_u64(&w, "ssap", d->llc.ssap);
		ft__jw_kv_u64(&w, "ctrl", d->llc.ctrl);
		if (d->llc.snap) {
			ft__jw_kv_u64(&w, "oui", d->llc.oui);
			ft__jw_kv_u64(&w, "snap_type", d->llc.snap_type);
		}
		ft__jw_ch(&w, '}');
	}
	if (L & (FT_LAYER_PPPOE | FT_LAYER_PPP | FT_LAYER_CHDLC | FT_LAYER_MPLS))
		json_encap(&w, d);
	if (L & FT_LAYER_TUNNEL)
		json_tunnel(&w, d);
	if (L & FT_LAYER_ARP) {
		ft__jw_key(&w, "arp");
		ft__jw_ch(&w, '{');
		ft__jw_kv_u64(&w, "op", d->arp.op);
		ft__jw_key(&w, "sha");
		json_addr(&w, d->arp.sha, d->arp.hlen, 0);
		ft__jw_key(&w, "spa");
		json_addr(&w, d->arp.spa, d->arp.plen, d->arp.ptype == 0x0800);
		ft__jw_key(&w, "tha");
		json_addr(&w, d->arp.tha, d->arp.hlen, 0);
		ft__jw_key(&w, "tpa");
		json_addr(&w, d->arp.tpa, d->arp.plen, d->arp.ptype == 0x0800);
		ft__jw_ch(&w, '}');
	}
	if (L & (FT_LAYER_IP4 | FT_LAYER_IP6))
		json_ip(&w, "ip", &d->ip);
	if (L & FT_LAYER_TCP)
		json_tcp(&w, &d->tcp);
	if (L & FT_LAYER_UDP)
		json_udp(&w, "udp", d->udp.sport, d->udp.dport, d->udp.len);
	if (L & (FT_LAYER_ICMP | FT_LAYER_ICMP6))
		json_icmp(&w, &d->icmp, (L & FT_LAYER_ICMP6) != 0);
	if (L & FT_LAYER_IGMP) {
		ft__jw_key(&w, "igmp");
		ft__jw_ch(&w, '{');
		ft__jw_kv_u64(&w, "type", d->igmp.type);
		ft__jw_kv_u64(&w, "version", d->igmp.version);
		ft__jw_kv_u64(&w, "max_resp", d->igmp.max_resp);
		ft__jw_key(&w, "group");
		ft__jw_ip(&w, 4, d->igmp.group);
		if (d->igmp.type == 0x22)
			ft__jw_kv_u64(&w, "records", d->igmp.n_rec);
		if (d->igmp.version == 3 && d->igmp.type == 0x11)
			ft__jw_kv_u64(&w, "sources", d->igmp.n_src);
		ft__jw_ch(&w, '}');
	}
	if (L & FT_LAYER_DNS) {
		ft_decode_dns(d, &dns);
		json_dns(&w, &dns);
		if (st == FT_DEC_OK && dns.status != FT_DEC_OK) {
			st = dns.status;
			el = FT_L_DNS;
		}
	}
	if (st != FT_DEC_OK) {
		ft__jw_key(&w, "error");
		ft__jw_ch(&w, '{');
		ft__jw_key(&w, "layer");
		ft__jw_cstr_q(&w, ft_layer_name((enum ft_layer)el));
		ft__jw_key(&w, "reason");
		ft__jw_cstr_q(&w, ft_dec_status_name((enum ft_dec_status)st));
		ft__jw_ch(&w, '}');
	}
	ft__jw_ch(&w, '}');
	return w.len;
}
