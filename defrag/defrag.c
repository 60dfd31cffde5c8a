/*
 * defrag/: IP reassembly, run by the capture thread before frames are
 * sharded, so that every fragment of a datagram reaches one worker whole.
 *
 * defrag.c - IPv4 and IPv6 fragment reassembly (policies: defrag.h).
 *
 * DESIGN
 * Slots: a fixed array of datagrams in flight, found through a seeded hash
 *   (chained, buckets a power of two >= 2 x slots, so a flood of chosen ids
 *   cannot aim at one chain) and kept on an age list (creation order) that
 *   expiry and eviction take from the old end.
 * Bytes: a pool of FT_DEFRAG_BLOCK-byte blocks. Each slot maps payload offset
 *   / FT_DEFRAG_BLOCK to a block (128 entries cover 64 KiB), so a fragment is
 *   copied straight to its place, whatever order fragments arrive in. The
 *   fragments themselves are kept as (start, end) records sorted by start:
 *   duplicates, overlaps and completeness are found by one walk of them.
 * Output: the first fragment's header (its IPv6 unfragmentable part) and the
 *   payload are copied into one buffer when the last hole fills; the slot is
 *   free again at once.
 * Counters have one writer (the owning thread) and are stored relaxed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "defrag/defrag.h"

#define NONE      UINT32_MAX
#define MAX_DGRAM 65535u
#define NBLK      ((MAX_DGRAM + FT_DEFRAG_BLOCK) / FT_DEFRAG_BLOCK)

enum { S_FREE = 0, S_LIVE, S_DEAD };

struct fkey {
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t v, proto; /* proto: IPv4 only (it is part of the v4 key) */
	uint8_t pad[2];
	uint32_t scope; /* the frame's link scope (VLAN ids): address spaces may repeat */
	uint8_t pad2[4];
};

_Static_assert(sizeof(struct fkey) == 48, "keys are hashed as six words");

struct frag {
	uint32_t start, end; /* payload offsets */
};

struct slot {
	struct fkey key;
	uint64_t created;
	uint32_t hnext;        /* hash chain, or the free list */
	uint32_t older, newer; /* age list */
	uint32_t bucket;
	uint32_t total;   /* payload length, once the last fragment is held */
	uint16_t nfrags;  /* records in use */
	uint16_t hdr_len; /* 0 until the first fragment is held */
	uint16_t nh_pos;  /* IPv6: offset of the next-header byte that said 44 */
	uint8_t nh;       /* IPv6: the fragment header's next header */
	uint8_t state;
	uint8_t has_last;
	uint8_t hdr[FT_DEFRAG_HDR_MAX];
};

/* One parsed fragment. */
struct fin {
	struct fkey key;
	const uint8_t *ip; /* the header */
	const uint8_t *payload;
	uint32_t off, end; /* payload offsets of this fragment */
	uint32_t hdr_len;  /* header bytes before the payload to keep from a first fragment */
	uint32_t nh_pos;   /* IPv6 */
	uint8_t nh;        /* IPv6: next header after the fragment header */
	uint8_t mf;
	int invalid; /* a reason to poison the datagram */
};

struct ft_defrag {
	struct ft_defrag_limits lim;
	struct slot *slots;
	struct frag *frags; /* max_frags per slot */
	uint32_t *blk;      /* NBLK per slot: block index or NONE */
	uint8_t *pool;      /* nblocks x FT_DEFRAG_BLOCK */
	uint32_t *free_blk; /* stack of free block indices */
	uint32_t n_free_blk, nblocks;
	uint32_t *buckets;
	uint32_t bmask;
	uint32_t free_slot; /* free slots, chained through hnext */
	uint32_t oldest, newest;
	uint32_t active;
	uint64_t seed;
	uint8_t *outbuf; /* FT_DEFRAG_HEADROOM + the largest datagram */

	_Atomic uint64_t seen, reassembled, timeout, dropped, overlap, duplicate, invalid;
};

static inline void
bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(
		c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
ft__defrag_limits_init(struct ft_defrag_limits *l)
{
	if (l->max_datagrams == 0)
		l->max_datagrams = 1024;
	if (l->max_frags == 0)
		l->max_frags = 64;
	if (l->max_bytes == 0)
		l->max_bytes = 4u << 20;
	if (l->timeout_ns == 0)
		l->timeout_ns = 30ull * 1000000000u;
}

struct ft_defrag *
ft__defrag_new(const struct ft_defrag_limits *l, char *errbuf, size_t cap)
{
	struct ft_defrag *d;
	struct timespec ts;
	uint32_t nb = 1;
	uint64_t nblocks;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto nomem;
	d->lim = *l;
	ft__defrag_limits_init(&d->lim);
	if (d->lim.max_datagrams > (1u << 24) || d->lim.max_frags > 8192) {
		snprintf(errbuf, cap, "defrag: at most %u datagrams and %u fragments each",
			1u << 24, 8192u);
		free(d);
		return NULL;
	}
	nblocks = (d->lim.max_bytes + FT_DEFRAG_BLOCK - 1) / FT_DEFRAG_BLOCK;
	if (nblocks > (1u << 24))
		nblocks = 1u << 24;
	d->nblocks = (uint32_t)nblocks;
	while (nb < 2 * d->lim.max_datagrams)
		nb <<= 1;
	d->bmask = nb - 1;
	d->slots = calloc(d->lim.max_datagrams, sizeof(*d->slots));
	d->frags = calloc((size_t)d->lim.max_datagrams * d->lim.max_frags, sizeof(*d->frags));
	d->blk = malloc((size_t)d->lim.max_datagrams * NBLK * sizeof(*d->blk));
	d->pool = malloc((size_t)d->nblocks * FT_DEFRAG_BLOCK);
	d->free_blk = malloc((size_t)d->nblocks * sizeof(*d->free_blk));
	d->buckets = malloc((size_t)nb * sizeof(*d->buckets));
	d->outbuf = malloc(FT_DEFRAG_HEADROOM + FT_DEFRAG_HDR_MAX + MAX_DGRAM);
	if (d->slots == NULL || d->frags == NULL || d->blk == NULL || d->pool == NULL ||
		d->free_blk == NULL || d->buckets == NULL || d->outbuf == NULL)
		goto nomem;
	memset(d->blk, 0xff, (size_t)d->lim.max_datagrams * NBLK * sizeof(*d->blk));
	memset(d->buckets, 0xff, (size_t)nb * sizeof(*d->buckets));
	for (uint32_t i = 0; i < d->nblocks; i++)
		d->free_blk[i] = d->nblocks - 1 - i;
	d->n_free_blk = d->nblocks;
	for (uint32_t i = 0; i < d->lim.max_datagrams; i++)
		d->slots[i].hnext = i + 1 < d->lim.max_datagrams ? i + 1 : NONE;
	d->free_slot = 0;
	d->oldest = d->newest = NONE;
	/* A per-context seed: fragment ids an attacker picks do not pick chains. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	d->seed = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)d) | 1;
	return d;
nomem:
	snprintf(errbuf, cap, "defrag: cannot allocate the reassembly tables (%llu bytes held)",
		(unsigned long long)l->max_bytes);
	ft__defrag_free(d);
	return NULL;
}

void
ft__defrag_free(struct ft_defrag *d)
{
	if (d == NULL)
		return;
	free(d->slots);
	free(d->frags);
	free(d->blk);
	free(d->pool);
	free(d->free_blk);
	free(d->buckets);
	free(d->outbuf);
	free(d);
}

static uint32_t
key_bucket(const struct ft_defrag *d, const struct fkey *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = d->seed, w;

	for (unsigned i = 0; i < sizeof(*k) / 8; i++) {
		memcpy(&w, p + 8 * i, 8);
		h = (h ^ w) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
	}
	return (uint32_t)(h >> 32) & d->bmask;
}

static uint32_t
lookup(const struct ft_defrag *d, const struct fkey *k, uint32_t b)
{
	for (uint32_t i = d->buckets[b]; i != NONE; i = d->slots[i].hnext)
		if (memcmp(&d->slots[i].key, k, sizeof(*k)) == 0)
			return i;
	return NONE;
}

static void
release_blocks(struct ft_defrag *d, uint32_t i)
{
	uint32_t *t = &d->blk[(size_t)i * NBLK];

	for (uint32_t j = 0; j < NBLK; j++)
		if (t[j] != NONE) {
			d->free_blk[d->n_free_blk++] = t[j];
			t[j] = NONE;
		}
}

/* Take slot i out of the hash and the age list and put it on the free list. */
static void
free_slot(struct ft_defrag *d, uint32_t i)
{
	struct slot *s = &d->slots[i];
	uint32_t *pp = &d->buckets[s->bucket];

	release_blocks(d, i);
	while (*pp != i)
		pp = &d->slots[*pp].hnext;
	*pp = s->hnext;
	if (s->older != NONE)
		d->slots[s->older].newer = s->newer;
	else
		d->oldest = s->newer;
	if (s->newer != NONE)
		d->slots[s->newer].older = s->older;
	else
		d->newest = s->older;
	s->state = S_FREE;
	s->hnext = d->free_slot;
	d->free_slot = i;
	d->active--;
}

/* Abandon slot i's datagram: its bytes go back to the pool at once; the key
 * stays (dead) until it times out, so its later fragments are refused. */
static void
poison(struct ft_defrag *d, uint32_t i)
{
	if (d->slots[i].state != S_LIVE)
		return;
	release_blocks(d, i);
	d->slots[i].state = S_DEAD;
	bump(&d->dropped);
}

/* Free the oldest slot other than keep; 0 when there is none. */
static int
evict_oldest(struct ft_defrag *d, uint32_t keep)
{
	uint32_t i = d->oldest;

	if (i == keep)
		i = d->slots[i].newer;
	if (i == NONE)
		return 0;
	if (d->slots[i].state == S_LIVE)
		bump(&d->dropped);
	free_slot(d, i);
	return 1;
}

static uint32_t
new_slot(struct ft_defrag *d, const struct fkey *k, uint32_t b, uint64_t ts)
{
	struct slot *s;
	uint32_t i;

	if (d->free_slot == NONE)
		(void)evict_oldest(d, NONE); /* an unending stream of first fragments */
	i = d->free_slot;
	s = &d->slots[i];
	d->free_slot = s->hnext;
	memset(s, 0, offsetof(struct slot, hdr));
	s->key = *k;
	s->created = ts;
	s->state = S_LIVE;
	s->bucket = b;
	s->hnext = d->buckets[b];
	d->buckets[b] = i;
	s->older = d->newest;
	s->newer = NONE;
	if (d->newest != NONE)
		d->slots[d->newest].newer = i;
	else
		d->oldest = i;
	d->newest = i;
	d->active++;
	return i;
}

void
ft__defrag_expire(struct ft_defrag *d, uint64_t now_ns)
{
	while (d->oldest != NONE) {
		struct slot *s = &d->slots[d->oldest];

		if (now_ns != UINT64_MAX &&
			(now_ns < s->created || now_ns - s->created < d->lim.timeout_ns))
			return;
		if (s->state == S_LIVE)
			bump(&d->timeout);
		free_slot(d, d->oldest);
	}
}

/* Smallest first fragment that holds the whole upper-layer header. */
static uint32_t
l4_min(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 20; /* TCP */
	case 17:
		return 8; /* UDP */
	case 132:
		return 12; /* SCTP */
	case 1:
	case 58:
		return 8; /* ICMP, ICMPv6 */
	default:
		return 0;
	}
}

/* IPv4 (RFC 791). Returns 0 when not a fragment, 1 parsed (f->invalid may be set), -1 when
 * too broken to key. */
static int
parse4(const uint8_t *ip, uint32_t len, struct fin *f)
{
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, tot, plen;
	uint16_t fo = be16(ip + 6);

	if ((fo & 0x3fff) == 0)
		return 0;
	if (hl < 20 || len < hl)
		return -1;
	/* SAFE: len >= hl >= 20 */
	memcpy(f->key.src, ip + 12, 4);
	memcpy(f->key.dst, ip + 16, 4);
	f->key.id = be16(ip + 4);
	f->key.v = 4;
	f->key.proto = ip[9];
	tot = be16(ip + 2);
	f->mf = (fo & 0x2000) != 0;
	f->off = (uint32_t)(fo & 0x1fff) * 8;
	f->hdr_len = hl;
	f->payload = ip + hl;
	if (tot < hl || tot > len) { /* malformed, or cut by the snap length */
		f->invalid = 1;
		f->end = f->off;
		return 1;
	}
	plen = tot - hl;
	f->end = f->off + plen;
	if (plen == 0 || f->end + hl > MAX_DGRAM || (f->mf && (plen & 7) != 0) ||
		(f->off == 0 && plen < l4_min(ip[9])) || (ip[9] == 6 && f->off == 8))
		f->invalid = 1;
	return 1;
}

/* IPv6 (RFC 8200 4.5): the header chain up to the Fragment header. Same returns as parse4. */
static int
parse6(const uint8_t *ip, uint32_t len, struct fin *f)
{
	uint32_t lim = 40u + be16(ip + 4), o = 40, pos = 6, plen;
	uint16_t fo;
	uint8_t nh = ip[6];

	if (lim == 40)
		return 0; /* a jumbogram or an empty packet: never a fragment here */
	if (lim > len)
		lim = len; /* checked against the length below, once it is a fragment */
	for (unsigned n = 0; nh != 44; n++) {
		if (n == 8 || (nh != 0 && nh != 43 && nh != 60) || o + 2 > lim)
			return 0;
		pos = o;
		nh = ip[o];
		o += ((uint32_t)ip[o + 1] + 1) * 8;
	}
	if (o + 8 > lim)
		return o + 8 > 40u + be16(ip + 4) ? 0
						  : -1; /* no room for it: the decoder says why */
	fo = be16(ip + o + 2);
	if ((fo & 0xfff9) == 0)
		return 0; /* an atomic fragment (RFC 6946): a whole datagram */
	memcpy(f->key.src, ip + 8, 16);
	memcpy(f->key.dst, ip + 24, 16);
	f->key.id = be32(ip + o + 4);
	f->key.v = 6;
	f->nh = ip[o];
	f->nh_pos = pos;
	f->mf = fo & 1;
	f->off = fo & 0xfff8;
	f->hdr_len = o;
	f->payload = ip + o + 8;
	if (40u + be16(ip + 4) > len || o > FT_DEFRAG_HDR_MAX) {
		f->invalid = 1;
		f->end = f->off;
		return 1;
	}
	plen = lim - (o + 8);
	f->end = f->off + plen;
	if (plen == 0 || f->end > MAX_DGRAM || (f->mf && (plen & 7) != 0) ||
		(f->off == 0 && plen < l4_min(f->nh)))
		f->invalid = 1;
	return 1;
}

enum io { IO_PUT, IO_GET, IO_SAME };

/*
 * Walk n payload bytes of slot i from offset off (their blocks all exist),
 * block by block: copy buf in (IO_PUT), copy them out to buf (IO_GET), or
 * compare them with buf (IO_SAME: 1 when equal). Returns 1 otherwise.
 */
static int
block_io(struct ft_defrag *d, uint32_t i, uint32_t off, uint8_t *buf, uint32_t n, enum io op)
{
	while (n > 0) {
		uint32_t c = FT_DEFRAG_BLOCK - off % FT_DEFRAG_BLOCK;
		uint8_t *p;

		if (c > n)
			c = n;
		p = d->pool +
		    (size_t)d->blk[(size_t)i * NBLK + off / FT_DEFRAG_BLOCK] * FT_DEFRAG_BLOCK +
		    off % FT_DEFRAG_BLOCK;
		if (op == IO_PUT)
			memcpy(p, buf, c);
		else if (op == IO_GET)
			memcpy(buf, p, c);
		else if (memcmp(p, buf, c) != 0)
			return 0;
		off += c;
		buf += c;
		n -= c;
	}
	return 1;
}

/* Make sure every block under [off, end) of slot i exists, evicting old datagrams for room. */
static int
reserve_blocks(struct ft_defrag *d, uint32_t i, uint32_t off, uint32_t end)
{
	uint32_t *t = &d->blk[(size_t)i * NBLK];
	uint32_t need = 0, first = off / FT_DEFRAG_BLOCK, last = (end - 1) / FT_DEFRAG_BLOCK;

	for (uint32_t j = first; j <= last; j++)
		need += t[j] == NONE;
	while (d->n_free_blk < need)
		if (!evict_oldest(d, i))
			return -1;
	for (uint32_t j = first; j <= last; j++)
		if (t[j] == NONE)
			t[j] = d->free_blk[--d->n_free_blk];
	return 0;
}

/* Build the datagram of complete slot i in the output buffer and free the slot. */
static uint32_t
emit(struct ft_defrag *d, uint32_t i, uint8_t **out)
{
	struct slot *s = &d->slots[i];
	uint8_t *o = d->outbuf + FT_DEFRAG_HEADROOM;
	uint32_t hl = s->hdr_len, sum = 0, total = s->total;

	memcpy(o, s->hdr, hl);
	(void)block_io(d, i, 0, o + hl, s->total, IO_GET);
	if (s->key.v == 4) {
		o[2] = (uint8_t)((hl + s->total) >> 8);
		o[3] = (uint8_t)(hl + s->total);
		o[6] &= 0x40; /* keep DF; MF and the offset are gone */
		o[7] = 0;
		o[10] = o[11] = 0;
		for (uint32_t j = 0; j < hl; j += 2)
			sum += be16(o + j);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		o[10] = (uint8_t)(~sum >> 8);
		o[11] = (uint8_t)~sum;
	} else {
		o[4] = (uint8_t)((hl - 40 + s->total) >> 8);
		o[5] = (uint8_t)(hl - 40 + s->total);
		o[s->nh_pos] = s->nh;
	}
	*out = o;
	free_slot(d, i);
	return hl + total;
}

/* 1 when the records of slot i cover [0, total). */
static int
complete(const struct ft_defrag *d, uint32_t i)
{
	const struct slot *s = &d->slots[i];
	const struct frag *r = &d->frags[(size_t)i * d->lim.max_frags];
	uint32_t reach = 0;

	if (!s->has_last || s->hdr_len == 0)
		return 0;
	for (uint32_t j = 0; j < s->nfrags && r[j].start <= reach; j++)
		if (r[j].end > reach)
			reach = r[j].end;
	return reach >= s->total;
}

/* Store fragment f in slot i; the verdict. */
static enum ft_defrag_verdict
add(struct ft_defrag *d, uint32_t i, const struct fin *f, uint8_t **out, uint32_t *out_len)
{
	struct slot *s = &d->slots[i];
	struct frag *r = &d->frags[(size_t)i * d->lim.max_frags];
	uint32_t n = s->nfrags, cur, at, max_end = 0;
	int overlap = 0;

	if (s->state != S_LIVE)
		return FT_DEFRAG_DROP; /* abandoned: refused until it times out */
	for (uint32_t j = 0; j < n; j++)
		if (r[j].end > max_end)
			max_end = r[j].end;
	if (f->invalid || (!f->mf && s->has_last && s->total != f->end) ||
		(f->mf && s->has_last && f->end > s->total) ||
		(!f->mf && !s->has_last && max_end > f->end)) {
		bump(&d->invalid);
		poison(d, i);
		return FT_DEFRAG_DROP;
	}
	for (uint32_t j = 0; j < n; j++) {
		if (r[j].start == f->off && r[j].end == f->end &&
			block_io(d, i, f->off, (uint8_t *)f->payload, f->end - f->off, IO_SAME)) {
			bump(&d->duplicate);
			return FT_DEFRAG_HELD;
		}
		if (r[j].start < f->end && f->off < r[j].end)
			overlap = 1;
	}
	if (overlap) {
		bump(&d->overlap);
		if (s->key.v == 6) { /* RFC 5722: the whole datagram goes */
			poison(d, i);
			return FT_DEFRAG_DROP;
		}
	}
	if (n == d->lim.max_frags || reserve_blocks(d, i, f->off, f->end) != 0) {
		poison(d, i);
		return FT_DEFRAG_DROP;
	}
	/* Only the bytes no earlier fragment gave (first wins). */
	cur = f->off;
	for (uint32_t j = 0; j < n && cur < f->end; j++) {
		if (r[j].end <= cur)
			continue;
		if (r[j].start >= f->end)
			break;
		if (r[j].start > cur)
			(void)block_io(d, i, cur, (uint8_t *)f->payload + (cur - f->off),
				r[j].start - cur, IO_PUT);
		cur = r[j].end;
	}
	if (cur < f->end)
		(void)block_io(
			d, i, cur, (uint8_t *)f->payload + (cur - f->off), f->end - cur, IO_PUT);
	if (f->off == 0 && s->hdr_len == 0) {
		memcpy(s->hdr, f->ip, f->hdr_len);
		s->hdr_len = (uint16_t)f->hdr_len;
		s->nh = f->nh;
		s->nh_pos = (uint16_t)f->nh_pos;
	}
	for (at = n; at > 0 && r[at - 1].start > f->off; at--)
		r[at] = r[at - 1];
	r[at].start = f->off;
	r[at].end = f->end;
	s->nfrags++;
	if (!f->mf) {
		s->has_last = 1;
		s->total = f->end;
	}
	if (!complete(d, i))
		return FT_DEFRAG_HELD;
	if (s->key.v == 6 && s->hdr_len - 40u + s->total > MAX_DGRAM) {
		bump(&d->invalid);
		poison(d, i);
		return FT_DEFRAG_DROP;
	}
	*out_len = emit(d, i, out);
	bump(&d->reassembled);
	return FT_DEFRAG_DONE;
}

enum ft_defrag_verdict
ft__defrag_ip(struct ft_defrag *d, const uint8_t *ip, uint32_t len, uint32_t scope, uint64_t ts_ns,
	uint8_t **out, uint32_t *out_len)
{
	struct fin f;
	uint32_t b, i;
	int rc;

	if (!ft__defrag_candidate(ip, len))
		return FT_DEFRAG_NONE;
	memset(&f, 0, sizeof(f));
	f.ip = ip;
	rc = (ip[0] >> 4) == 4 ? parse4(ip, len, &f) : parse6(ip, len, &f);
	if (rc == 0)
		return FT_DEFRAG_NONE;
	bump(&d->seen);
	if (rc < 0) {
		bump(&d->invalid);
		return FT_DEFRAG_DROP;
	}
	f.key.scope = scope;
	ft__defrag_expire(d, ts_ns);
	b = key_bucket(d, &f.key);
	i = lookup(d, &f.key, b);
	if (i == NONE)
		i = new_slot(d, &f.key, b, ts_ns);
	return add(d, i, &f, out, out_len);
}

uint32_t
ft__defrag_active(const struct ft_defrag *d)
{
	return d->active;
}

void
ft__defrag_counters(const struct ft_defrag *d, struct ft_defrag_counters *c)
{
	struct ft_defrag *m = (struct ft_defrag *)d; /* atomics: reads only */

	c->seen = atomic_load_explicit(&m->seen, memory_order_relaxed);
	c->reassembled = atomic_load_explicit(&m->reassembled, memory_order_relaxed);
	c->timeout = atomic_load_explicit(&m->timeout, memory_order_relaxed);
	c->dropped = atomic_load_explicit(&m->dropped, memory_order_relaxed);
	c->overlap = atomic_load_explicit(&m->overlap, memory_order_relaxed);
	c->duplicate = atomic_load_explicit(&m->duplicate, memory_order_relaxed);
	c->invalid = atomic_load_explicit(&m->invalid, memory_order_relaxed);
}
