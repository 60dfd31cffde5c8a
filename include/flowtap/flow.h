/*
 * flowtap/flow.h - flows: the tracker's view of a conversation (a TCP
 * session, a UDP, ICMP, ICMPv6 or other IP conversation), its events, and the
 * flow record.
 *
 * Every worker tracks the flows of the frames it owns (both directions of a
 * conversation always land on the same worker), in a table of its own. Flows
 * are keyed by the ordered endpoint pair (IPv4 or IPv6 addresses, ports where
 * the protocol has them: TCP, UDP, SCTP; for ICMP/ICMPv6 the type as the
 * Community ID specification pairs them and the echo identifier), the IP
 * protocol, the IP version and VLAN ids. Tunnelled traffic is tracked as its
 * innermost conversation; the carrier gets no flow. A SYN on the 4-tuple of a
 * closed session starts a new one. TCP sessions also start mid-stream, on the
 * first packet seen (marked as such). Other protocols start on their first
 * packet (src: its sender) and end by idle timeout (per protocol), at the end
 * of a capture, or by eviction.
 *
 * TCP:
 *
 * Payload is reassembled per direction in sequence order, each byte once:
 * retransmitted bytes are reported as retransmit events and never delivered
 * twice, out-of-order segments are held until the gap fills, overlaps are
 * trimmed, sequence numbers wrap. A hole is given up (a gap event, counted as
 * missed bytes) when the receiver acknowledges past it, when the flow's
 * out-of-order buffer is full, or when the session ends.
 */
#ifndef FLOWTAP_FLOW_H
#define FLOWTAP_FLOW_H

#include <stdint.h>
#include <stddef.h>

#include "flowtap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Tracker state of a session (a passive observer's view of both ends). */
enum ft_tcp_state {
	FT_TCP_SYN_SENT = 1, /**< SYN seen */
	FT_TCP_SYN_RCVD,     /**< SYN-ACK seen */
	FT_TCP_ESTABLISHED,  /**< handshake complete, or joined mid-stream */
	FT_TCP_FIN_WAIT,     /**< the initiator (src) sent the first FIN */
	FT_TCP_CLOSE_WAIT,   /**< the responder (dst) sent the first FIN */
	FT_TCP_CLOSING,      /**< both sent FIN before either FIN was acknowledged */
	FT_TCP_LAST_ACK,     /**< both sent FIN; the last one awaits its ACK */
	FT_TCP_CLOSED,       /**< both FINs acknowledged, or reset */
};

/** Why a session ended. */
enum ft_close {
	FT_CLOSE_NONE = 0,
	FT_CLOSE_FIN,     /**< both sides sent FIN */
	FT_CLOSE_RST,     /**< a RST */
	FT_CLOSE_TIMEOUT, /**< idle longer than its state's (protocol's) timeout (or replaced by
			       a new SYN) */
	FT_CLOSE_EOF,     /**< still open when the capture ended */
	FT_CLOSE_EVICTED, /**< removed to make room in a full table */
};

/** Direction of a segment: from the session's src, or from its dst. */
enum ft_dir {
	FT_DIR_SEND = 0, /**< src -> dst */
	FT_DIR_RECV = 1, /**< dst -> src */
};

/** Counters of one direction. */
struct ft_flow_dir {
	uint64_t packets; /**< every frame sent this way (handshake, ACKs, retransmits too) */
	/** TCP: distinct payload bytes, each counted once, as the headers declare them
	 * (bytes a snap length cut off included: see cut). Other protocols: IP payload
	 * bytes (after the IP header and IPv6 extension headers) of every packet. */
	uint64_t bytes;
	/** IP-level bytes (IP header + payload) of every packet this way, as IPFIX
	 * octetDeltaCount (from the IP length field, whatever was captured). */
	uint64_t octets;
	uint64_t retransmits; /**< segments whose payload had all been seen before */
	uint64_t missed;      /**< payload bytes never seen (holes given up) */
	/** TCP: payload bytes of segments the capture's snap length cut off: counted
	 * in bytes (they were sent), handed over as a GAP, not counted as missed. */
	uint64_t cut;
	uint16_t mss;   /**< from this side's SYN (0: none seen) */
	uint8_t wscale; /**< from this side's SYN */
	uint8_t has_wscale;
	/** TCP: the OR of the flags (FIN 0x01 ... CWR 0x80) of every segment sent
	 * this way, as IPFIX tcpControlBits and NetFlow's tcp_flags (0 otherwise). */
	uint8_t tcp_flags;
	/** Data -> ACK latency of this side's data (the other side's ACK), nanoseconds. */
	uint64_t ack_lat_min_ns, ack_lat_max_ns, ack_lat_sum_ns;
	uint64_t ack_lat_samples;
};

/** Flow classes of the per-protocol counters (struct ft_stats). */
enum ft_flow_class {
	FT_FLOW_CLASS_TCP = 0,
	FT_FLOW_CLASS_UDP,
	FT_FLOW_CLASS_ICMP, /**< ICMP and ICMPv6 */
	FT_FLOW_CLASS_OTHER,
	FT_FLOW_CLASSES
};

/** The class of IP protocol proto. Any thread. */
static inline int
ft_flow_class_of(unsigned proto)
{
	return proto == 6                  ? FT_FLOW_CLASS_TCP
	       : proto == 17               ? FT_FLOW_CLASS_UDP
	       : proto == 1 || proto == 58 ? FT_FLOW_CLASS_ICMP
					   : FT_FLOW_CLASS_OTHER;
}

/**
 * A flow (a TCP session, or a conversation of another IP protocol). Handed to flow callbacks
 * (borrowed: valid during the call; the worker owns it) and copied out by ft_pipeline_flows().
 */
struct ft_flow {
	uint64_t id;    /**< unique per pipeline: worker index in the low 8 bits */
	uint8_t ip_v;   /**< 4 or 6 */
	uint8_t n_vlan; /**< VLAN ids in vlan[] (outer first, at most 2 kept) */
	uint16_t vlan[2];
	uint8_t src[16], dst[16]; /**< src: sent the first SYN (or the first packet seen) */
	uint16_t sport, dport;    /**< TCP, UDP, SCTP; 0 for other protocols */
	uint8_t proto;            /**< IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...) */
	/** ICMP/ICMPv6: type and code of the first packet, its echo identifier
	 * (icmp_echo 1 when the flow is an echo exchange). */
	uint8_t icmp_type, icmp_code, icmp_echo;
	uint16_t icmp_id;
	uint8_t midstream; /**< TCP: joined without seeing the SYN */
	uint8_t state;     /**< TCP: enum ft_tcp_state (0 for other protocols) */
	uint8_t close;     /**< enum ft_close (FT_CLOSE_NONE while open) */
	uint16_t worker;
	uint8_t ts_digits;          /**< timestamp precision of the capture: 6 or 9 */
	uint64_t first_ns, last_ns; /**< capture timestamps of the first and last packet */
	int64_t connect_ns;         /**< SYN -> handshake-completing ACK; -1 if not seen */
	int64_t rtt_ns;             /**< SYN -> SYN-ACK; -1 if not seen, or the SYN-ACK was
				       captured before the SYN */
	uint32_t rst_ignored;       /**< RSTs not honoured (implausible, or contradicted) */
	struct ft_flow_dir dir[2];  /**< indexed by enum ft_dir: send, recv */
};

/** Kinds of flow events. START comes first and END last for every flow. Only
 * START, DATA (UDP) and END come for flows other than TCP. */
enum ft_flow_event_type {
	FT_FLOW_START = 1,     /**< TCP: handshake complete, or mid-stream join; others: the
				  first packet */
	FT_FLOW_DATA,          /**< TCP: in-order payload bytes of one direction; UDP: one
				  datagram's payload (captured bytes), boundaries kept */
	FT_FLOW_RETRANSMIT,    /**< a segment whose bytes had all been seen */
	FT_FLOW_GAP,           /**< bytes given up as never seen */
	FT_FLOW_RESET,         /**< a RST */
	FT_FLOW_SYN_RETRY,     /**< the SYN was sent again */
	FT_FLOW_END,           /**< the session ended; flow->close says why. Always the last. */
	FT_FLOW_RESET_IGNORED, /**< a RST not honoured: its sequence number is implausible, or
				  later traffic showed the session went on (dir: its sender) */
};

/** One flow event. Everything it points to is borrowed: valid during the call only. */
struct ft_flow_event {
	enum ft_flow_event_type type;
	enum ft_dir dir; /**< DATA, RETRANSMIT, GAP, RESET: which direction */
	const struct ft_flow *flow;
	uint64_t ts_ns;      /**< timestamp of the packet that caused it (or the clock) */
	const uint8_t *data; /**< DATA: the bytes (NULL when reassembly is off) */
	uint32_t len;        /**< DATA, RETRANSMIT: bytes; GAP: bytes given up */
	uint32_t seq;        /**< TCP DATA, RETRANSMIT, GAP: sequence number of the first byte */
};

/**
 * Flow event callback.
 * @return 0 to go on; non-zero stops the pipeline (ft_pipeline_wait() returns FT_ECONSUMER).
 * Thread-safety: called on the worker that owns the session; events of one
 * session come in order from that one thread. Context: hot path; must not block long.
 */
typedef int ft_flow_cb(const struct ft_flow_event *ev, void *user);

/** Name of a state ("ESTABLISHED"), a close reason ("fin"). Static strings. Any thread. */
FT_EXTERN const char *ft_tcp_state_name(int state);
FT_EXTERN const char *ft_close_name(int close);

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec) of a flow,
 * seed 0, e.g. "1:LQU9qZlK+B5F3KDmev6m5PMibrg=": the 5-tuple for TCP, UDP and
 * SCTP; ICMP/ICMPv6 type and code mapped as the specification does; the
 * address pair and protocol for others. proto 0 reads as TCP (older callers).
 * @param buf at least 32 bytes. @return buf.
 * Thread-safety: any thread. Context: no allocation; about a microsecond (SHA-1).
 */
FT_EXTERN const char *ft_community_id(const struct ft_flow *f, char *buf, size_t cap);

/** Buffer size that always holds one formatted flow record, NUL included. */
#define FT_FLOW_FORMAT_MAX 2048

/**
 * Render a session as the `flow` JSON record of design.md (no newline), or
 * as one line of text (endpoints, duration, packets and bytes each way,
 * retransmits, missed, RTT, close reason).
 * @return bytes written excluding the NUL; output is cut, never overflowed.
 * Thread-safety: any thread. Context: no allocation.
 */
FT_EXTERN size_t ft_format_flow_json(const struct ft_flow *f, char *buf, size_t cap);
FT_EXTERN size_t ft_format_flow_text(const struct ft_flow *f, char *buf, size_t cap);
/** ft_format_flow_text() with the first-packet time in a -t style (enum ft_ts_style of
 * flowtap/packet.h, ref_ns as ft_format_packet_text_ts()); the default is the time of day. */
FT_EXTERN size_t ft_format_flow_text_ts(
	const struct ft_flow *f, int ts_style, uint64_t ref_ns, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
