/*
 * flowtap/decode.h - zero-copy, bounds-checked packet decoder.
 *
 * ft_decode() turns one captured frame into a struct ft_decoded: host-order
 * scalars for the fields consumers need, and pointers into the frame for
 * everything else (payloads, options). Nothing is allocated and nothing is
 * copied out of the frame beyond those scalars.
 *
 * Captured packets are hostile input. Every read is bounds-checked against
 * caplen; lengths of upper layers come from the protocol headers (never from
 * caplen), so Ethernet padding never becomes TCP payload. A frame that stops
 * early keeps every layer decoded so far and says where and why it stopped.
 *
 * CORE CONTRACT (the pipeline, the tracker and the output rely on these names;
 * extend freely, never rename): ft_decode(), enum ft_dec_status, the FT_LAYER_*
 * bits in ft_decoded.layers, ft_decoded.ip / .tcp / .udp / .vlan / .n_vlan /
 * .l4_payload / .l4_payload_len / .status / .err_layer.
 */
#ifndef FLOWTAP_DECODE_H
#define FLOWTAP_DECODE_H

#include <stdint.h>
#include <stddef.h>

#include "flowtap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Result of decoding one frame. */
enum ft_dec_status {
	FT_DEC_OK = 0,      /**< every layer present was decoded */
	FT_DEC_TRUNCATED,   /**< ran out of captured bytes (snap length, cut file) */
	FT_DEC_MALFORMED,   /**< a length or field is impossible */
	FT_DEC_UNSUPPORTED, /**< a link type or protocol the decoder does not know */
};

/**
 * Layer identifiers; bit (1u << id) is set in ft_decoded.layers when decoded.
 * A member of struct ft_decoded is valid only when its layer bit is set.
 */
enum ft_layer {
	FT_L_NONE = 0,
	FT_L_ETH,       /**< Ethernet II / 802.3 (eth) */
	FT_L_VLAN,      /**< 802.1Q / 802.1ad tags (vlan[], n_vlan) */
	FT_L_SLL,       /**< Linux cooked v1 or v2 (sll) */
	FT_L_NULL,      /**< BSD loopback NULL / LOOP (null_family) */
	FT_L_RAW,       /**< raw IP link type (no link header) */
	FT_L_ARP,       /**< ARP / RARP (arp) */
	FT_L_IP4,       /**< IPv4 (ip; innermost when tunnelled) */
	FT_L_IP6,       /**< IPv6 (ip; innermost when tunnelled) */
	FT_L_TCP,       /**< TCP (tcp) */
	FT_L_UDP,       /**< UDP (udp) */
	FT_L_ICMP,      /**< ICMPv4 (icmp) */
	FT_L_ICMP6,     /**< ICMPv6 (icmp, the same member as ICMPv4) */
	FT_L_DNS,       /**< a DNS header is present at l4_payload: see ft_decode_dns() */
	FT_L_LLC,       /**< 802.2 LLC, with SNAP (llc) */
	FT_L_RADIOTAP,  /**< radiotap header (radiotap) */
	FT_L_WIFI,      /**< IEEE 802.11 MAC header (wifi) */
	FT_L_IGMP,      /**< IGMP v1-v3 (igmp) */
	FT_L_TUNNEL,    /**< the packet is encapsulated: outer_ip and tunnel are valid */
	FT_L_GRE,       /**< GRE header (tunnel.gre_*) */
	FT_L_VXLAN,     /**< VXLAN header (tunnel.vni) */
	FT_L_ERSPAN,    /**< ERSPAN type II/III header inside GRE (tunnel.erspan_*) */
	FT_L_INNER_ETH, /**< Ethernet frame inside a tunnel (tunnel.eth, tunnel.vlan) */
	FT_L_PPPOE,     /**< PPPoE session or discovery header (pppoe) */
	FT_L_PPP,       /**< PPP protocol field, HDLC-framed or not (ppp) */
	FT_L_CHDLC,     /**< Cisco HDLC header (chdlc) */
	FT_L_MPLS,      /**< MPLS label stack (mpls[], n_mpls) */
	FT_L_GENEVE,    /**< Geneve header (tunnel.vni, tunnel.geneve_*) */
	FT_L_GTP,       /**< GTPv1-U header (tunnel.teid, tunnel.gtp_type) */
	FT_L_LINK,  /**< a link header with no fields kept (IPoIB, Juniper, ARCNET, Frame Relay) */
	FT_L__COUNT /* keep last; must stay <= 32 */
};

#define FT_LAYER(id)       (1u << (id))
#define FT_LAYER_ETH       FT_LAYER(FT_L_ETH)
#define FT_LAYER_VLAN      FT_LAYER(FT_L_VLAN)
#define FT_LAYER_SLL       FT_LAYER(FT_L_SLL)
#define FT_LAYER_NULL      FT_LAYER(FT_L_NULL)
#define FT_LAYER_RAW       FT_LAYER(FT_L_RAW)
#define FT_LAYER_ARP       FT_LAYER(FT_L_ARP)
#define FT_LAYER_IP4       FT_LAYER(FT_L_IP4)
#define FT_LAYER_IP6       FT_LAYER(FT_L_IP6)
#define FT_LAYER_TCP       FT_LAYER(FT_L_TCP)
#define FT_LAYER_UDP       FT_LAYER(FT_L_UDP)
#define FT_LAYER_ICMP      FT_LAYER(FT_L_ICMP)
#define FT_LAYER_ICMP6     FT_LAYER(FT_L_ICMP6)
#define FT_LAYER_DNS       FT_LAYER(FT_L_DNS)
#define FT_LAYER_LLC       FT_LAYER(FT_L_LLC)
#define FT_LAYER_RADIOTAP  FT_LAYER(FT_L_RADIOTAP)
#define FT_LAYER_WIFI      FT_LAYER(FT_L_WIFI)
#define FT_LAYER_IGMP      FT_LAYER(FT_L_IGMP)
#define FT_LAYER_TUNNEL    FT_LAYER(FT_L_TUNNEL)
#define FT_LAYER_GRE       FT_LAYER(FT_L_GRE)
#define FT_LAYER_VXLAN     FT_LAYER(FT_L_VXLAN)
#define FT_LAYER_ERSPAN    FT_LAYER(FT_L_ERSPAN)
#define FT_LAYER_INNER_ETH FT_LAYER(FT_L_INNER_ETH)
#define FT_LAYER_PPPOE     FT_LAYER(FT_L_PPPOE)
#define FT_LAYER_PPP       FT_LAYER(FT_L_PPP)
#define FT_LAYER_CHDLC     FT_LAYER(FT_L_CHDLC)
#define FT_LAYER_MPLS      FT_LAYER(FT_L_MPLS)
#define FT_LAYER_GENEVE    FT_LAYER(FT_L_GENEVE)
#define FT_LAYER_GTP       FT_LAYER(FT_L_GTP)

#define FT_MAX_VLAN        4  /**< VLAN tags kept (deeper stacks: FT_DEC_UNSUPPORTED) */
#define FT_MAX_IP6_EXT     8  /**< IPv6 extension headers walked (more: FT_DEC_UNSUPPORTED) */
#define FT_MAX_TUNNEL      2  /**< encapsulations decoded; a deeper one is left as payload */
#define FT_MAX_TCP_SACK    4  /**< SACK blocks kept */
#define FT_MAX_TCP_UNKNOWN 8  /**< unknown TCP option kinds reported */
#define FT_MAX_WIFI_RATES  16 /**< 802.11 supported + extended rates kept */
#define FT_MAX_MPLS        8  /**< MPLS labels walked (more: FT_DEC_UNSUPPORTED) */
#define FT_MAX_GTP_EXT     8  /**< GTP-U extension headers walked (more: FT_DEC_UNSUPPORTED) */

/*
 * libpcap link types ft_decode() understands (values of <pcap/dlt.h> on
 * Linux; the BSD aliases are accepted too). Defined here so that decode/
 * does not depend on libpcap headers.
 */
#define FT_DLT_NULL             0   /**< BSD loopback, host-order AF_ value */
#define FT_DLT_EN10MB           1   /**< Ethernet */
#define FT_DLT_ARCNET           7   /**< ARCNET (BSD): source, destination, type, RFC 1201 split */
#define FT_DLT_PPP              9   /**< PPP, with or without HDLC framing (ff 03) */
#define FT_DLT_RAW              12  /**< raw IP (Linux value) */
#define FT_DLT_RAW_BSD          14  /**< raw IP (OpenBSD value) */
#define FT_DLT_PPP_SERIAL       50  /**< PPP in HDLC-like framing (RFC 1662), or Cisco HDLC */
#define FT_DLT_PPP_ETHER        51  /**< PPPoE header, no Ethernet header */
#define FT_DLT_LINKTYPE_RAW     101 /**< LINKTYPE_RAW, when it reaches us unmapped */
#define FT_DLT_C_HDLC           104 /**< Cisco HDLC */
#define FT_DLT_IEEE802_11       105 /**< 802.11 MAC frames */
#define FT_DLT_FRELAY           107 /**< Frame Relay: Q.922 address, then NLPID or Cisco's ethertype */
#define FT_DLT_LOOP             108 /**< OpenBSD loopback, network-order AF_ value */
#define FT_DLT_LINUX_SLL        113 /**< Linux cooked capture v1 */
#define FT_DLT_ARCNET_LINUX     129 /**< ARCNET (Linux): source, destination, offset, type */
#define FT_DLT_JUNIPER_ETHER    178 /**< Juniper's pseudo-header, then Ethernet */
#define FT_DLT_IPOIB            242 /**< IP over InfiniBand: 44-byte pseudo-header */
#define FT_DLT_IEEE802_11_RADIO 127 /**< radiotap + 802.11 */
#define FT_DLT_IPV4             228 /**< raw IPv4 */
#define FT_DLT_IPV6             229 /**< raw IPv6 */
#define FT_DLT_LINUX_SLL2       276 /**< Linux cooked capture v2 */

/** TCP flag bits as in design.md (NS is bit 8). */
#define FT_TCP_FIN 0x01
#define FT_TCP_SYN 0x02
#define FT_TCP_RST 0x04
#define FT_TCP_PSH 0x08
#define FT_TCP_ACK 0x10
#define FT_TCP_URG 0x20
#define FT_TCP_ECE 0x40
#define FT_TCP_CWR 0x80
#define FT_TCP_NS  0x100

/*
 * DESIGN NOTES (the choices every consumer should know)
 *
 * Validity. struct ft_decoded is reset cheaply per frame: only layers,
 * status, err_layer, err_off, n_vlan, l4_payload, l4_payload_len and
 * n_tunnel are cleared. A layer's member is fully written when its bit is
 * set in layers and holds stale data otherwise: test the bit first.
 *
 * Errors. status says why decoding stopped early, err_layer names the layer
 * whose header could not be decoded and err_off the frame offset where it
 * starts (or where the bad field is); all layers before it stay valid.
 *  - FT_DEC_TRUNCATED: the header is longer than the bytes captured.
 *  - FT_DEC_MALFORMED: a length or version field is impossible (IHL < 5,
 *    IP total length < header, TCP data offset < 5 or past the IP length,
 *    an option length past its header, a UDP length < 8 ...).
 *  - FT_DEC_UNSUPPORTED: the link type cannot be decoded at all, or a bound
 *    of this decoder was hit (more than FT_MAX_VLAN tags or FT_MAX_IP6_EXT
 *    extension headers, FT_MAX_MPLS labels or FT_MAX_GTP_EXT GTP-U
 *    extension headers, 802.11 protocol version != 0).
 * An unknown ethertype, IP protocol, LLC SAP or loopback family is not an
 * error: the frame is OK and simply decoded no further. Payload cut by the
 * snap length is not an error either when every header is complete:
 * l4_payload_len (captured) is then smaller than tcp.len (from IP).
 *
 * Lengths. Each layer's end is clamped to what the enclosing header declares
 * (802.3 length, IPv4 total length, IPv6 payload length, UDP length, the
 * 802.11 FCS), so link padding and trailers never become payload.
 * An IPv4 total length of 0 (TSO/LRO captures) is taken as "the rest of the
 * frame", as tcpdump does; so is an IPv6 jumbogram's payload length 0.
 *
 * Fragments. ip.frag is set for every fragment. A fragment with a non-zero
 * offset is not decoded past IP (its payload is not a TCP/UDP header).
 *
 * Nesting. ip / tcp / udp / icmp describe the INNERMOST packet, which is what
 * flow tracking wants. When a tunnel is met (GRE, VXLAN on UDP 4789, Geneve
 * on UDP 6081, GTP-U T-PDUs on UDP 2152, IP in IP) the IP header enclosing
 * it is copied to outer_ip, the tunnel header goes to tunnel,
 * FT_LAYER_TUNNEL is set, the IP4/IP6/UDP bits are cleared and decoding
 * continues inside. eth / vlan stay the outermost link header; an Ethernet
 * frame inside VXLAN, Geneve, GRE 0x6558, ERSPAN or an MPLS pseudowire goes
 * to tunnel.eth and tunnel.vlan (FT_LAYER_INNER_ETH). An Ethernet
 * pseudowire is a tunnel of type FT_TUN_MPLS whose outer_ip has v == 0 when
 * no IP header carried the MPLS packet. outer_ip and tunnel describe the
 * OUTERMOST encapsulation; n_tunnel counts the levels (at most
 * FT_MAX_TUNNEL; a deeper encapsulation is left undecoded as payload).
 *
 * Link-level encapsulations. PPPoE, PPP, Cisco HDLC and MPLS carrying IP are
 * not tunnels: they sit between the link header and the (only) IP header,
 * like VLAN tags, and get their own members (pppoe, ppp, chdlc, mpls[]).
 * Each keeps the outermost occurrence when one is nested in another.
 * MPLS guesses its payload by the first nibble after the label stack, as
 * tshark does: 4 IPv4, 6 IPv6, 1 an associated channel (not decoded), 0 an
 * Ethernet pseudowire with a control word (RFC 4385) unless a known
 * ethertype sits at offset 12 (then one without), anything else is not
 * decoded. (tshark tells a control word from a MAC address by its
 * manufacturer database; without one, this decoder looks at the ethertype,
 * so the two can differ on a pseudowire.)
 *
 * DNS. ft_decode() does not parse DNS messages: it only sets FT_LAYER_DNS
 * when UDP or TCP port 53 (or 5353) carries at least a DNS header. The
 * message is parsed on demand by ft_decode_dns() (the formatters call it),
 * so the per-packet path stays fast and struct ft_decoded stays small.
 */

struct ft_eth {
	uint8_t src[6];
	uint8_t dst[6];
	/**
	 * The final ethertype, after VLAN tags and LLC/SNAP; for an 802.3 frame
	 * without SNAP, the 802.3 length field.
	 */
	uint16_t type;
};

struct ft_vlan {
	uint16_t id;   /**< 12-bit VLAN id */
	uint8_t pcp;   /**< priority code point */
	uint16_t tpid; /**< 0x8100 or 0x88a8 (or 0x9100) */
};

/** IEEE 802.2 LLC header, with its SNAP extension (RFC 1042). */
struct ft_llc {
	uint8_t dsap, ssap;
	uint16_t ctrl;      /**< 1 byte for U frames, 2 for I/S frames */
	uint8_t snap;       /**< 1 when a SNAP header follows (AA AA 03) */
	uint32_t oui;       /**< SNAP organisation code */
	uint16_t snap_type; /**< SNAP protocol id (an ethertype when oui is 0) */
};

/** Linux cooked capture header, v1 (16 bytes) or v2 (20 bytes). */
struct ft_sll {
	uint8_t version;  /**< 1 or 2 */
	uint8_t halen;    /**< link-layer address length, as in the header */
	uint16_t pkttype; /**< PACKET_HOST, PACKET_BROADCAST, ... */
	uint16_t hatype;  /**< ARPHRD_ type */
	uint16_t proto;   /**< protocol field (an ethertype, or 1/4 for 802.3/802.2) */
	uint32_t ifindex; /**< v2 only; 0 for v1 */
	uint8_t addr[8];  /**< first min(halen, 8) bytes meaningful */
};

/** ARP / RARP (RFC 826), any hardware and protocol address sizes. */
struct ft_arp {
	uint16_t htype, ptype, op;
	uint8_t hlen, plen;
	/** Addresses point into the frame (hlen or plen bytes each). */
	const uint8_t *sha, *spa, *tha, *tpa;
};

struct ft_ip {
	uint8_t v;        /**< 4 or 6 */
	uint8_t proto;    /**< upper-layer protocol, after IPv6 extension headers */
	uint8_t ttl;      /**< TTL or hop limit */
	uint8_t df, mf;   /**< fragment flags (IPv6: mf from the fragment header) */
	uint8_t frag;     /**< 1 when this packet is a fragment (offset != 0 or MF) */
	uint16_t off;     /**< fragment offset in bytes */
	uint32_t id;      /**< IPv4 id; IPv6 fragment id */
	uint32_t len;     /**< v4 total length; v6 payload length + 40 */
	uint8_t hlen;     /**< v4 header length; 40 for v6 */
	uint8_t tos;      /**< v4 TOS; v6 traffic class */
	uint16_t ext_len; /**< v6: bytes of extension headers walked */
	uint32_t flow;    /**< v6 flow label */
	uint8_t src[16];  /**< IPv4 uses the first 4 bytes, the rest is zero */
	uint8_t dst[16];
};

/** Bits of ft_tcp_opts.present. */
#define FT_TCPOPT_MSS     0x01
#define FT_TCPOPT_WSCALE  0x02
#define FT_TCPOPT_SACK_OK 0x04
#define FT_TCPOPT_SACK    0x08
#define FT_TCPOPT_TS      0x10

/** TCP options (RFC 9293 3.2, RFC 7323, RFC 2018). */
struct ft_tcp_opts {
	uint8_t present; /**< FT_TCPOPT_* bits of the fields below that are valid */
	uint8_t wscale;
	uint16_t mss;
	uint8_t n_sack;                      /**< SACK blocks in sack[] */
	uint8_t n_unknown;                   /**< kinds in unknown[] (more are not reported) */
	uint8_t n_opts;                      /**< options seen, NOP and EOL included */
	uint8_t unknown[FT_MAX_TCP_UNKNOWN]; /**< unknown option kinds, in order */
	uint32_t sack[FT_MAX_TCP_SACK][2];   /**< left, right edges */
	uint32_t ts_val, ts_ecr;
};

struct ft_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /**< FT_TCP_* bits */
	uint16_t win;   /**< as on the wire (unscaled) */
	uint8_t hlen;   /**< header length in bytes (data offset * 4) */
	uint32_t len;   /**< payload length from the IP length, not from caplen */
	uint16_t urp;   /**< urgent pointer */
	struct ft_tcp_opts opts;
};

struct ft_udp {
	uint16_t sport, dport;
	uint16_t len; /**< the UDP length field */
};

/** ICMPv4 (RFC 792) or ICMPv6 (RFC 4443, RFC 4861); layer bit says which. */
struct ft_icmp {
	uint8_t type, code;
	uint8_t echo;      /**< 1 for echo request/reply: id and seq valid */
	uint8_t quote;     /**< 1 for an error quoting an IP header: q_* valid */
	uint8_t q_ports;   /**< 1 when q_sport/q_dport are valid */
	uint8_t q_v;       /**< quoted IP version */
	uint8_t q_proto;   /**< quoted IP protocol */
	uint8_t nd_target; /**< ICMPv6 ND: target[] valid */
	uint8_t nd_lladdr; /**< ICMPv6 ND: lladdr[] valid (source/target link-layer option) */
	uint16_t id, seq;
	uint16_t q_sport, q_dport;
	uint32_t data; /**< the 4 bytes after the checksum (gateway, pointer, MTU, ND flags) */
	uint8_t q_src[16], q_dst[16];
	uint8_t target[16];
	uint8_t lladdr[6];
};

/** IGMP v1 (RFC 1112), v2 (RFC 2236), v3 (RFC 3376). */
struct ft_igmp {
	uint8_t type;
	uint8_t version;  /**< 1, 2 or 3 */
	uint8_t max_resp; /**< max response code (v2/v3), 0 for v1 */
	uint16_t n_rec;   /**< v3 report: group records */
	uint16_t n_src;   /**< v3 query: sources */
	uint8_t group[4];
};

/** Radiotap fields decoded (https://www.radiotap.org). */
#define FT_RT_FLAGS   0x01
#define FT_RT_RATE    0x02
#define FT_RT_CHANNEL 0x04
#define FT_RT_SIGNAL  0x08
#define FT_RT_NOISE   0x10
#define FT_RT_ANTENNA 0x20
#define FT_RT_TSFT    0x40
#define FT_RT_MCS     0x80

struct ft_radiotap {
	uint16_t len;         /**< it_len: radiotap header length */
	uint8_t have;         /**< FT_RT_* bits: which fields below are valid */
	uint8_t flags;        /**< 0x10: frame ends with an FCS; 0x20: data padding */
	uint8_t rate;         /**< 500 kb/s units */
	int8_t signal, noise; /**< dBm */
	uint8_t antenna;
	uint8_t mcs_index;
	uint8_t n_present; /**< present words walked */
	uint16_t freq;     /**< MHz */
	uint16_t chan_flags;
	uint32_t present; /**< first present word */
	uint64_t tsft;
};

/** 802.11 frame types (IEEE 802.11-2020 9.2.4.1.3). */
#define FT_WIFI_MGMT 0
#define FT_WIFI_CTRL 1
#define FT_WIFI_DATA 2
#define FT_WIFI_EXT  3

struct ft_wifi {
	uint8_t type, subtype;
	uint8_t flags;  /**< second frame-control byte (ToDS 0x01, FromDS 0x02, ...) */
	uint8_t n_addr; /**< addresses in addr[] (1 to 4) */
	uint8_t qos;    /**< 1 when tid is valid */
	uint8_t tid;
	uint8_t has_ssid;
	uint8_t ssid_len; /**< bytes in ssid (at most 32) */
	uint8_t n_rates;
	uint8_t channel; /**< DS parameter set; 0 if absent */
	uint16_t duration;
	uint16_t seq;     /**< sequence number (12 bits) */
	uint8_t frag;     /**< fragment number */
	uint16_t hdr_len; /**< MAC header length (with QoS/HT control, padding) */
	uint8_t addr[4][6];
	uint8_t rates[FT_MAX_WIFI_RATES]; /**< 500 kb/s units; bit 7: basic rate */
	uint8_t ssid[32];                 /**< raw bytes, not NUL-terminated */
};

/** PPPoE header (RFC 2516): discovery (ethertype 0x8863) or session (0x8864). */
struct ft_pppoe {
	uint8_t ver, type; /**< both 1 */
	uint8_t code; /**< 0 session data; 0x09 PADI, 0x07 PADO, 0x19 PADR, 0x65 PADS, 0xa7 PADT */
	uint8_t discovery; /**< 1 for a discovery packet (0x8863), not followed */
	uint16_t session;  /**< session id */
	uint16_t len;      /**< payload length, as in the header */
};

/** PPP (RFC 1661; HDLC-like framing RFC 1662). */
struct ft_ppp {
	uint8_t hdlc;   /**< 1 when address 0xff and control 0x03 preceded the protocol */
	uint8_t pfc;    /**< 1 when the protocol field was compressed to one byte */
	uint16_t proto; /**< protocol: 0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS, 0xc021 LCP, ... */
};

/** Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, protocol. */
struct ft_chdlc {
	uint8_t addr, ctrl;
	uint16_t proto; /**< an ethertype (0x8035: SLARP) */
};

/** One MPLS label stack entry (RFC 3032). */
struct ft_mpls {
	uint32_t label; /**< 20 bits */
	uint8_t tc;     /**< traffic class (ex EXP) */
	uint8_t s;      /**< bottom of stack */
	uint8_t ttl;
};

/** Tunnel types (ft_tunnel.type). */
enum ft_tunnel_type {
	FT_TUN_NONE = 0,
	FT_TUN_GRE,      /**< GRE (RFC 2784, RFC 2890) */
	FT_TUN_VXLAN,    /**< VXLAN (RFC 7348) */
	FT_TUN_IPIP,     /**< IPv4/IPv6 in IPv4/IPv6 (RFC 2003, RFC 2473, RFC 4213) */
	FT_TUN_GENEVE,   /**< Geneve (RFC 8926) */
	FT_TUN_GTP,      /**< GTPv1-U T-PDU (3GPP TS 29.281) */
	FT_TUN_MPLS,     /**< Ethernet pseudowire over MPLS (RFC 4448, RFC 4385) */
	FT_TUN_MPLS_UDP, /**< MPLS in UDP (RFC 7510), UDP port 6635 */
};

/** The outermost encapsulation (see DESIGN NOTES: Nesting). */
struct ft_tunnel {
	uint8_t type;            /**< enum ft_tunnel_type */
	uint8_t erspan_ver;      /**< ERSPAN version: 1 (type II) or 2 (type III) */
	uint16_t gre_flags;      /**< GRE flags and version word */
	uint16_t gre_proto;      /**< GRE protocol type */
	uint16_t sport, dport;   /**< VXLAN, Geneve, GTP-U, MPLS in UDP: outer UDP ports */
	uint16_t erspan_id;      /**< ERSPAN session id */
	uint32_t gre_key;        /**< valid when gre_flags has K (0x2000) */
	uint32_t gre_seq;        /**< valid when gre_flags has S (0x1000) */
	uint32_t vni;            /**< VXLAN / Geneve network identifier */
	uint8_t geneve_flags;    /**< Geneve: O (0x80) and C (0x40) bits */
	uint8_t gtp_flags;       /**< GTP-U: the first header byte (version, PT, E, S, PN) */
	uint8_t gtp_type;        /**< GTP-U message type (255: T-PDU) */
	uint8_t pw_cw;           /**< MPLS pseudowire: 1 when a control word preceded the frame */
	uint16_t geneve_proto;   /**< Geneve protocol type (an ethertype) */
	uint16_t geneve_opt_len; /**< Geneve: bytes of options */
	uint32_t teid;           /**< GTP-U tunnel endpoint identifier */
	struct ft_eth eth;       /**< inner Ethernet (FT_LAYER_INNER_ETH) */
	uint8_t n_vlan;          /**< inner VLAN tags */
	struct ft_vlan vlan[FT_MAX_VLAN];
};

/**
 * One decoded frame. Scalars are host order. Pointers point into the frame
 * passed to ft_decode() and are valid only as long as that frame is.
 * Members are valid only when their layer bit is set in layers.
 */
struct ft_decoded {
	uint32_t layers;   /**< FT_LAYER_* bits of the layers decoded */
	uint8_t status;    /**< enum ft_dec_status */
	uint8_t err_layer; /**< enum ft_layer where decoding stopped (status != OK) */
	uint16_t err_off;  /**< byte offset in the frame where it stopped (saturated) */
	struct ft_eth eth;
	uint8_t n_vlan; /**< tags in vlan[], outer first */
	struct ft_vlan vlan[FT_MAX_VLAN];
	struct ft_ip ip;
	struct ft_tcp tcp;
	struct ft_udp udp;
	const uint8_t *l4_payload; /**< TCP/UDP payload start (NULL if none) */
	uint32_t l4_payload_len;   /**< captured payload bytes (<= the header's length) */
	/* Extensions beyond the core contract. */
	uint8_t n_tunnel;     /**< encapsulation levels decoded */
	uint32_t null_family; /**< FT_LAYER_NULL: the AF_ value, host order */
	const uint8_t *l3;    /**< start of the (innermost) network header, or NULL */
	struct ft_llc llc;
	struct ft_sll sll;
	struct ft_arp arp;
	struct ft_icmp icmp; /**< FT_LAYER_ICMP or FT_LAYER_ICMP6 */
	struct ft_igmp igmp;
	struct ft_ip outer_ip;   /**< FT_LAYER_TUNNEL: the IP header carrying the tunnel */
	struct ft_tunnel tunnel; /**< FT_LAYER_TUNNEL */
	struct ft_radiotap radiotap;
	struct ft_wifi wifi;
	struct ft_pppoe pppoe;  /**< FT_LAYER_PPPOE */
	struct ft_ppp ppp;      /**< FT_LAYER_PPP */
	struct ft_chdlc chdlc;  /**< FT_LAYER_CHDLC */
	uint8_t n_mpls;         /**< FT_LAYER_MPLS: entries in mpls[], outermost first */
	uint8_t mpls_in_tunnel; /**< FT_LAYER_MPLS: tunnel levels around the label stack */
	struct ft_mpls mpls[FT_MAX_MPLS];
};

#define FT_DNS_MAX_RR   8   /**< questions and answers kept */
#define FT_DNS_NAME_MAX 256 /**< name buffer, NUL included (names are at most 255) */

/** A DNS question (RFC 1035 4.1.2). */
struct ft_dns_q {
	uint16_t type, qclass;
	char name[FT_DNS_NAME_MAX]; /**< dotted, no trailing dot ("" for the root) */
};

/** A DNS resource record (RFC 1035 4.1.3) with its RDATA rendered as text. */
struct ft_dns_rr {
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	char name[FT_DNS_NAME_MAX];
	/**
	 * A: dotted quad; AAAA: RFC 5952; CNAME/NS/PTR: a name; MX: "pref name";
	 * TXT: the strings joined by a space; SOA: "mname rname serial refresh
	 * retry expire minimum"; SRV: "prio weight port target"; others: hex
	 * (cut to fit). Raw bytes, NUL-terminated; escape before printing.
	 */
	char data[FT_DNS_NAME_MAX + 64];
};

/** A DNS message (RFC 1035 4.1.1). Big: keep it off hot structures. */
struct ft_dns {
	uint16_t id;
	uint8_t qr, opcode, aa, tc, rd, ra, rcode;
	uint8_t tcp;                                 /**< carried over TCP (2-byte length prefix) */
	uint16_t qdcount, ancount, nscount, arcount; /**< as in the header */
	uint8_t n_qd, n_an;                          /**< entries decoded into qd[] and an[] */
	uint8_t status;                              /**< enum ft_dec_status of the DNS parse */
	uint16_t err_off; /**< offset in the DNS message where parsing stopped */
	uint32_t msg_len; /**< message length (UDP payload or TCP length prefix) */
	struct ft_dns_q qd[FT_DNS_MAX_RR];
	struct ft_dns_rr an[FT_DNS_MAX_RR];
};

/**
 * Decode one frame.
 * @param dlt     libpcap DLT_* link type of the frame.
 * @param pkt     the frame; may be NULL only when caplen is 0.
 * @param caplen  bytes captured (readable at pkt).
 * @param wirelen length on the wire (>= caplen in a sane capture; not trusted).
 * @param out     filled in; reset first, nothing carried over.
 * @return the status, also stored in out->status.
 * Ownership: out is the caller's; its pointers borrow pkt.
 * Thread-safety: any thread; no shared state.
 * Context: hot path; never allocates, never blocks, never makes a system call.
 */
FT_EXTERN enum ft_dec_status ft_decode(
	int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen, struct ft_decoded *out);

/**
 * Name of a layer for output ("eth", "ip4", "tcp", ...).
 * Ownership: static string. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN const char *ft_layer_name(enum ft_layer layer);

/**
 * Name of a status ("ok", "truncated", "malformed", "unsupported").
 * Ownership: static string. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN const char *ft_dec_status_name(enum ft_dec_status st);

/**
 * Parse the DNS message carried by a decoded frame (FT_LAYER_DNS set).
 * Names are copied into out (compression pointers followed, bounded, never
 * looping); at most FT_DNS_MAX_RR questions and answers are kept.
 * @param d   a frame decoded by ft_decode(), whose bytes are still valid.
 * @param out filled in (only the header and the entries counted are written).
 * @return FT_DEC_OK, or why the message could not be parsed to its end
 *         (also in out->status); FT_DEC_UNSUPPORTED when there is no DNS layer.
 * Ownership: out is the caller's. Thread-safety: any thread.
 * Context: never allocates, never blocks; costs about a microsecond.
 */
FT_EXTERN enum ft_dec_status ft_decode_dns(const struct ft_decoded *d, struct ft_dns *out);

#ifdef __cplusplus
}
#endif
#endif
