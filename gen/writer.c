/* gen/writer.c - ftgen's classic-pcap writer, and the tap merge of --tap-offset. */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

int
pcap_open(struct ft_writer *w, const char *path, uint32_t linktype, uint32_t snaplen, bool nsec)
{
	uint32_t hdr[6];

	memset(w, 0, sizeof(*w));
	w->snaplen = snaplen;
	w->nsec = nsec;
	w->now = FT_EPOCH_2026 * FT_NS;
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		w->to_stdout = true;
	} else {
		w->f = fopen(path, "wb");
	}
	if (!w->f) {
		fprintf(stderr, "ftgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	w->iobuf = malloc(FT_IOBUF);
	if (w->iobuf)
		setvbuf(w->f, w->iobuf, _IOFBF, FT_IOBUF);
	/* Classic pcap, host byte order (the reader detects it from the magic). */
	hdr[0] = nsec ? 0xa1b23c4du : 0xa1b2c3d4u;
	hdr[1] = 2 | (4u << 16);
	hdr[2] = 0;
	hdr[3] = 0;
	hdr[4] = snaplen;
	hdr[5] = linktype;
	fwrite(hdr, 1, sizeof(hdr), w->f);
	return 0;
}

static void tap_release(struct ft_writer *w, uint64_t limit);

int
pcap_close(struct ft_writer *w, const char *path)
{
	int rc = 0;

	if (!w->f)
		return 0;
	tap_release(w, UINT64_MAX);
	free(w->fifo[0].v);
	free(w->fifo[1].v);
	if (fflush(w->f) != 0 || ferror(w->f))
		rc = -1;
	if (!w->to_stdout && fclose(w->f) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "ftgen: writing %s: %s\n", path, strerror(errno));
	free(w->iobuf);
	w->f = NULL;
	w->iobuf = NULL;
	return rc;
}

/* Writes the frame stamped t; frame must have FT_REC_HDR bytes of headroom. */
void
pcap_write(struct ft_writer *w, uint64_t t, uint8_t *frame, size_t len)
{
	uint32_t rec[4];
	uint32_t caplen = len > w->snaplen ? w->snaplen : (uint32_t)len;

	rec[0] = (uint32_t)(t / FT_NS);
	rec[1] = (uint32_t)(w->nsec ? t % FT_NS : (t % FT_NS) / 1000);
	rec[2] = caplen;
	rec[3] = (uint32_t)len;
	memcpy(frame - FT_REC_HDR, rec, sizeof(rec));
	fwrite(frame - FT_REC_HDR, 1, FT_REC_HDR + caplen, w->f);
	if (!w->frames)
		w->first = t;
	w->last = t;
	w->frames++;
	w->bytes += len;
}

/* The stamp of a frame of the given direction sent at w->now. */
uint64_t
pcap_stamp(const struct ft_writer *w, bool srv)
{
	return srv ? (uint64_t)((int64_t)w->now + w->tap_offset) : w->now;
}

/* Write held frames, oldest first, stamped up to limit (UINT64_MAX: all). */
static void
tap_release(struct ft_writer *w, uint64_t limit)
{
	for (;;) {
		struct ft_fifo *a = &w->fifo[0], *b = &w->fifo[1], *q;
		struct ft_held *h;

		if (a->n && b->n)
			q = a->v[a->head].t <= b->v[b->head].t ? a : b;
		else
			q = a->n ? a : b;
		if (!q->n || q->v[q->head].t > limit)
			return;
		h = &q->v[q->head];
		pcap_write(w, h->t, h->b + FT_REC_HDR, h->len);
		free(h->b);
		q->head = (q->head + 1) % q->cap;
		q->n--;
	}
}

static void
tap_hold(struct ft_writer *w, uint64_t t, const uint8_t *frame, size_t len)
{
	struct ft_fifo *q = &w->fifo[w->srv];
	struct ft_held *h;

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		struct ft_held *v = malloc(cap * sizeof(*v));

		if (!v)
			abort();
		for (size_t i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->head = 0;
		q->cap = cap;
	}
	h = &q->v[(q->head + q->n) % q->cap];
	h->t = t;
	h->len = (uint32_t)len;
	h->b = malloc(FT_REC_HDR + len);
	if (!h->b)
		abort();
	memcpy(h->b + FT_REC_HDR, frame, len);
	q->n++;
}

/*
 * Writes the frame at w->now (its direction's stamp). With a tap offset the
 * frame is held until no frame still to come can be stamped earlier: the
 * generator's clock only moves forward, so that is every held frame stamped
 * at or before now + min(0, offset).
 */
void
pcap_frame(struct ft_writer *w, uint8_t *frame, size_t len)
{
	if (w->tap_offset == 0) {
		pcap_write(w, w->now, frame, len);
		return;
	}
	tap_hold(w, pcap_stamp(w, w->srv), frame, len);
	tap_release(w, (uint64_t)((int64_t)w->now + (w->tap_offset < 0 ? w->tap_offset : 0)));
	w->srv = false;
}

void
ts_text(char *buf, size_t n, uint64_t ns, bool nsec)
{
	if (nsec)
		snprintf(buf, n, "%" PRIu64 ".%09" PRIu64, ns / FT_NS, ns % FT_NS);
	else
		snprintf(buf, n, "%" PRIu64 ".%06" PRIu64, ns / FT_NS, (ns % FT_NS) / 1000);
}

const char *
link_name(int linktype)
{
	switch (linktype) {
	case FT_DLT_NULL:
		return "NULL";
	case FT_DLT_EN10MB:
		return "EN10MB";
	case FT_DLT_RAW:
		return "RAW";
	case FT_DLT_WIFI:
		return "IEEE802_11";
	case FT_DLT_LOOP:
		return "LOOP";
	case FT_DLT_SLL:
		return "LINUX_SLL";
	case FT_DLT_RADIOTAP:
		return "IEEE802_11_RADIO";
	case FT_DLT_SLL2:
		return "LINUX_SLL2";
	case FT_DLT_PPP:
		return "PPP";
	case FT_DLT_PPP_HDLC:
		return "PPP_SERIAL";
	case FT_DLT_PPP_ETH:
		return "PPP_ETHER";
	case FT_DLT_C_HDLC:
		return "C_HDLC";
	default:
		return "UNKNOWN";
	}
}
