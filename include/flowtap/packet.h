/*
 * flowtap/packet.h - the packet view handed to consumer callbacks, and its
 * text and JSON renderings.
 */
#ifndef FLOWTAP_PACKET_H
#define FLOWTAP_PACKET_H

#include <stdint.h>
#include <stddef.h>

#include "flowtap/export.h"
#include "flowtap/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One captured frame, decoded. Handed to the packet callback on the worker
 * thread that owns the frame's flow.
 *
 * Ownership: borrowed. The struct, the frame bytes (data) and the decoded view
 * (dec, whose pointers point into data) are valid only during the callback.
 * Copy what you keep.
 *
 * reassembled = 1 (only with ft_config.packets_reassembled): not a captured
 * frame but an IP datagram reassembled from the fragment frames before it,
 * behind the link header of the frame that completed it (n is that frame).
 */
struct ft_packet {
	uint64_t n;                   /**< frame number in capture order, from 1 */
	uint64_t ts_ns;               /**< capture time, nanoseconds since the epoch */
	uint32_t caplen;              /**< bytes captured */
	uint32_t len;                 /**< bytes on the wire */
	int dlt;                      /**< libpcap DLT_* link type */
	uint8_t ts_digits;            /**< timestamp precision: 6 (usec) or 9 (nsec) */
	uint8_t reassembled;          /**< 1: a datagram reassembled from IP fragments */
	uint16_t worker;              /**< index of the worker running the callback */
	const uint8_t *data;          /**< the frame, caplen bytes */
	const struct ft_decoded *dec; /**< decoded view of data */
};

/** Buffer size that always holds one formatted packet line (text or JSON), NUL included. */
#define FT_PACKET_FORMAT_MAX 8192

/**
 * Render a packet as one JSON object (the `packet` record of design.md),
 * without a trailing newline.
 * @param pkt the packet (its dec member must be set).
 * @param buf where to write; NUL-terminated.
 * @param cap size of buf; FT_PACKET_FORMAT_MAX always suffices.
 * @return bytes written, excluding the NUL; output is cut (never overflowed) if cap is small.
 * Ownership: buf is the caller's. Thread-safety: any thread.
 * Context: hot path; never allocates, never blocks.
 */
FT_EXTERN size_t ft_format_packet_json(const struct ft_packet *pkt, char *buf, size_t cap);

/**
 * Render a packet as one line of text in tcpdump's style (numeric addresses),
 * without a trailing newline. Same contract as ft_format_packet_json().
 */
FT_EXTERN size_t ft_format_packet_text(const struct ft_packet *pkt, char *buf, size_t cap);

/**
 * Timestamp styles of text lines, tcpdump's -t family: the value is the
 * number of t's. Times of day and dates are UTC.
 */
enum ft_ts_style {
	FT_TS_TOD = 0,         /**< default: time of day, "hh:mm:ss.ffffff" */
	FT_TS_NONE = 1,        /**< -t: no timestamp */
	FT_TS_EPOCH = 2,       /**< -tt: seconds since the epoch */
	FT_TS_DELTA = 3,       /**< -ttt: since the previous line (ref_ns), "hh:mm:ss.ffffff" */
	FT_TS_DATE = 4,        /**< -tttt: "YYYY-MM-DD hh:mm:ss.ffffff" */
	FT_TS_SINCE_FIRST = 5, /**< -ttttt: since the first packet (ref_ns) */
};

/**
 * ft_format_packet_text() with the timestamp in style ts_style (enum
 * ft_ts_style); ref_ns is the reference time of FT_TS_DELTA and
 * FT_TS_SINCE_FIRST (a line older than it shows a '-'), ignored otherwise.
 * Same contract as ft_format_packet_json().
 */
FT_EXTERN size_t ft_format_packet_text_ts(
	const struct ft_packet *pkt, int ts_style, uint64_t ref_ns, char *buf, size_t cap);

/**
 * libpcap's name of a DLT ("EN10MB", "LINUX_SLL", ...), or "DLT_<n>" for an unknown one.
 * Ownership: static string. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN const char *ft_dlt_name(int dlt);

#ifdef __cplusplus
}
#endif
#endif
