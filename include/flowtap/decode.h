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

/** Layer identifiers; bit (1u << id) is set in ft_decoded.layers when decoded. */
enum ft_layer {
	FT_L_NONE = 0,
	FT_L_ETH,
	FT_L_VLAN,
	FT_L_SLL,
	FT_L_NULL,
	FT_L_RAW,
	FT_L_ARP,
	FT_L_IP4,
	FT_L_IP6,
	FT_L_TCP,
	FT_L_UDP,
	FT_L_ICMP,
	FT_L_ICMP6,
	FT_L_DNS,
	FT_L__COUNT /* keep last; must stay <= 32 */
};

#define FT_LAYER(id) (1u << (id))
#define FT_LAYER_ETH  FT_LAYER(FT_L_ETH)
#define FT_LAYER_VLAN FT_LAYER(FT_L_VLAN)
#define FT_LAYER_SLL  FT_LAYER(FT_L_SLL)
#define FT_LAYER_NULL FT_LAYER(FT_L_NULL)
#define FT_LAYER_RAW  FT_LAYER(FT_L_RAW)
#define FT_LAYER_ARP  FT_LAYER(FT_L_ARP)
#define FT_LAYER_IP4  FT_LAYER(FT_L_IP4)
#define FT_LAYER_IP6  FT_LAYER(FT_L_IP6)
#define FT_LAYER_TCP  FT_LAYER(FT_L_TCP)
#define FT_LAYER_UDP  FT_LAYER(FT_L_UDP)
#define FT_LAYER_ICMP  FT_LAYER(FT_L_ICMP)
#define FT_LAYER_ICMP6 FT_LAYER(FT_L_ICMP6)
#define FT_LAYER_DNS   FT_LAYER(FT_L_DNS)

#define FT_MAX_VLAN 4 /**< VLAN tags kept (deeper stacks: FT_DEC_UNSUPPORTED) */

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

struct ft_eth {
	uint8_t src[6];
	uint8_t dst[6];
	uint16_t type; /**< the final ethertype, after VLAN tags */
};

struct ft_vlan {
	uint16_t id;  /**< 12-bit VLAN id */
	uint8_t pcp;  /**< priority code point */
	uint16_t tpid; /**< 0x8100 or 0x88a8 (or 0x9100) */
};

struct ft_ip {
	uint8_t v;       /**< 4 or 6 */
	uint8_t proto;   /**< upper-layer protocol, after IPv6 extension headers */
	uint8_t ttl;     /**< TTL or hop limit */
	uint8_t df, mf;  /**< fragment flags (IPv6: mf from the fragment header) */
	uint8_t frag;    /**< 1 when this packet is a fragment (offset != 0 or MF) */
	uint16_t off;    /**< fragment offset in bytes */
	uint32_t id;     /**< IPv4 id; IPv6 fragment id */
	uint32_t len;    /**< v4 total length; v6 payload length + 40 */
	uint8_t src[16]; /**< IPv4 uses the first 4 bytes */
	uint8_t dst[16];
};

struct ft_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /**< FT_TCP_* bits */
	uint16_t win;   /**< as on the wire (unscaled) */
	uint8_t hlen;   /**< header length in bytes (data offset * 4) */
	uint32_t len;   /**< payload length from the IP length, not from caplen */
};

struct ft_udp {
	uint16_t sport, dport;
	uint16_t len; /**< the UDP length field */
};

/**
 * One decoded frame. Scalars are host order. Pointers point into the frame
 * passed to ft_decode() and are valid only as long as that frame is.
 */
struct ft_decoded {
	uint32_t layers;            /**< FT_LAYER_* bits of the layers decoded */
	uint8_t status;             /**< enum ft_dec_status */
	uint8_t err_layer;          /**< enum ft_layer where decoding stopped (status != OK) */
	uint16_t err_off;           /**< byte offset in the frame where it stopped */
	struct ft_eth eth;
	uint8_t n_vlan;             /**< tags in vlan[], outer first */
	struct ft_vlan vlan[FT_MAX_VLAN];
	struct ft_ip ip;
	struct ft_tcp tcp;
	struct ft_udp udp;
	const uint8_t *l4_payload;  /**< TCP/UDP payload start (NULL if none) */
	uint32_t l4_payload_len;    /**< captured payload bytes (<= the header's length) */
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
FT_EXTERN enum ft_dec_status ft_decode(int dlt, const uint8_t *pkt, uint32_t caplen,
	uint32_t wirelen, struct ft_decoded *out);

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

#ifdef __cplusplus
}
#endif
#endif
