/*
 * defrag.h - IPv4 and IPv6 fragment reassembly (private).
 *
 * One concern: turn the fragments of an IP datagram back into the datagram.
 * A context is owned by one thread (the pipeline's capture thread); nothing in
 * it is shared except the counters, which that thread writes and any thread
 * may read (single writer, relaxed). Everything is allocated by
 * ft__defrag_new(): a fixed table of datagram slots, a pool of fixed-size
 * byte blocks for the payload held, and one output buffer. Nothing is
 * allocated afterwards, and no call makes a system call or takes a lock.
 *
 * Keys: IPv4 (src, dst, id, protocol) (RFC 791); IPv6 (src, dst, fragment
 * id) (RFC 8200 section 4.5). Only the first (outermost) IP header of a frame
 * is looked at; frames are hostile input and every read is bounds-checked.
 *
 * Policies (each outcome is counted, see struct ft_defrag_counters):
 *  - exact duplicates (same offset, length and bytes as held) are ignored;
 *  - IPv6 overlaps abandon the whole datagram (RFC 5722);
 *  - IPv4 overlaps: first wins, bytes already held are kept and only the new
 *    bytes of the later fragment are taken (the BSD "first" policy, which
 *    Linux used before 4.19; Linux since 4.19 abandons the datagram);
 *  - a fragment that cannot belong to a valid datagram poisons its datagram
 *    (dropped; later fragments of it are refused until it times out): a first
 *    fragment too short for its TCP/UDP/SCTP/ICMP header, an IPv4 TCP
 *    fragment at offset 8 (RFC 1858), a datagram longer than 65535 bytes, a
 *    non-last fragment whose length is not a multiple of 8, a second and
 *    different last fragment, bytes past the end a last fragment set, a
 *    fragment cut short by the snap length;
 *  - limits: at most max_datagrams in flight (a new one evicts the oldest),
 *    max_bytes of payload held in all (blocks of FT_DEFRAG_BLOCK bytes; the
 *    oldest datagrams are evicted to make room), max_frags fragments per
 *    datagram, and a timeout in packet time from the first fragment.
 */
#ifndef FT_DEFRAG_H
#define FT_DEFRAG_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

/* Payload is held in blocks of this many bytes. */
#define FT_DEFRAG_BLOCK    512u
/* Bytes the caller may write in front of a complete datagram (a link header). */
#define FT_DEFRAG_HEADROOM 64u
/* Largest IPv6 unfragmentable part (IPv6 header + extension headers) kept. */
#define FT_DEFRAG_HDR_MAX  256u

struct ft_defrag_limits {
	uint32_t max_datagrams; /* datagrams being reassembled at once (default 1024) */
	uint32_t max_frags;     /* fragments held per datagram (default 64) */
	uint64_t max_bytes;     /* payload bytes held in all (default 4 MiB, Linux's
				   ipfrag_high_thresh) */
	uint64_t timeout_ns;    /* packet time from the first fragment (default 30 s,
				   Linux's ipfrag_time) */
};

/* Counters. Written by the owning thread only; read with ft__defrag_counters(). */
struct ft_defrag_counters {
	uint64_t seen;        /* fragments taken (frames whose first IP header is a fragment) */
	uint64_t reassembled; /* datagrams completed */
	uint64_t timeout;     /* datagrams given up incomplete: timed out, or still
				 incomplete at ft__defrag_expire(UINT64_MAX) */
	uint64_t dropped;     /* datagrams abandoned: evicted for a limit, an IPv6
				 overlap, or poisoned by an invalid fragment */
	uint64_t overlap;     /* fragments that overlapped held bytes (not exact duplicates) */
	uint64_t duplicate;   /* exact duplicate fragments, ignored */
	uint64_t invalid;     /* fragments refused as invalid (see the policies above) */
};

enum ft_defrag_verdict {
	FT_DEFRAG_NONE = 0, /* not a fragment: nothing was done */
	FT_DEFRAG_HELD,     /* a fragment, held (or ignored as a duplicate) */
	FT_DEFRAG_DONE,     /* this fragment completed a datagram: see *out */
	FT_DEFRAG_DROP,     /* a fragment that was refused, or whose datagram was abandoned */
};

struct ft_defrag;

/* Defaults for every field that is 0. */
void ft__defrag_limits_init(struct ft_defrag_limits *l);

/*
 * Create a context; NULL on failure with the cause in errbuf.
 * Ownership: the caller frees it with ft__defrag_free(). Context: allocates.
 */
struct ft_defrag *ft__defrag_new(const struct ft_defrag_limits *l, char *errbuf, size_t cap);
void ft__defrag_free(struct ft_defrag *d);

/*
 * The cheap test every frame pays: 1 if the IP header at ip (len bytes) may
 * be a fragment (IPv4 MF or offset; IPv6 followed by a fragment header or by
 * an extension header that may precede one). Bounds-checked; never reads
 * past len.
 */
static inline int
ft__defrag_candidate(const uint8_t *ip, uint32_t len)
{
	uint8_t nh;

	if (len < 20)
		return 0;
	if ((ip[0] >> 4) == 4)
		return ((ip[6] & 0x3f) | ip[7]) != 0;
	if ((ip[0] >> 4) != 6 || len < 40)
		return 0;
	nh = ip[6];
	return nh == 44 || nh == 0 || nh == 43 || nh == 60;
}

/*
 * Take one frame's IP header (ip, len captured bytes from the IP header on)
 * at packet time ts_ns. scope: the frame's link scope, which the datagram's
 * other fragments must share (the pipeline passes its two outer VLAN ids,
 * vlan0 | vlan1 << 16: the same addresses and IP id on two VLANs are two
 * datagrams). First expires datagrams older than the timeout.
 * On FT_DEFRAG_DONE, *out and *out_len give the whole datagram (IP header
 * with the fragment fields cleared, lengths and IPv4 checksum set, then the
 * payload). It lives in the context's output buffer, with FT_DEFRAG_HEADROOM
 * writable bytes before *out, until the next call on d.
 * Thread-safety: the owning thread only. Context: hot path for fragments;
 * never allocates, never blocks.
 */
enum ft_defrag_verdict ft__defrag_ip(struct ft_defrag *d, const uint8_t *ip, uint32_t len,
	uint32_t scope, uint64_t ts_ns, uint8_t **out, uint32_t *out_len);

/*
 * Give up every datagram whose first fragment is older than now_ns - timeout
 * (counted as timeout). now_ns = UINT64_MAX gives up all of them (end of
 * capture). Thread-safety: the owning thread only.
 */
void ft__defrag_expire(struct ft_defrag *d, uint64_t now_ns);

/* Datagrams in flight now. Thread-safety: the owning thread only. */
uint32_t ft__defrag_active(const struct ft_defrag *d);

/* A snapshot of the counters. Thread-safety: any thread (relaxed reads). */
void ft__defrag_counters(const struct ft_defrag *d, struct ft_defrag_counters *c);

#endif
