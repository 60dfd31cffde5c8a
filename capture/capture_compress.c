/*
 * capture_compress.c - gzip and zstd compressed capture files, read as
 * tshark does: detected by their first bytes (1f 8b, 28 b5 2f fd), never by
 * the name, and decompressed into a FILE* (fopencookie(3)) that libpcap's own
 * reader reads, pcap or pcapng alike.
 *
 * Ending: a stream that ends cleanly is the end of the file. A stream cut off
 * (the input ends inside a gzip member or a zstd frame) ends the run as a cut
 * plain file does: every whole frame before the cut is processed, then
 * FT_ETRUNC (exit 3), also when the cut happens to fall between two records.
 * Data that does not decompress is a corrupt file (FT_EFORMAT, exit 1) with
 * the decompressor's message. Input is read in 64 KiB blocks, so the work per
 * frame is the decompression itself; nothing is allocated after open.
 *
 * Standard input cannot be read twice: its first bytes are read to tell what
 * it is and handed to ft__zopen() as `pre`, which the stream reads first; a
 * plain capture on standard input goes through the same stream (FT_Z_PLAIN,
 * a pass-through), so nothing peeked is lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "capture/capture_internal.h"

#define ZIN_SIZE (64 * 1024)

enum { Z_OK_ = 0, Z_CUT, Z_CORRUPT };

struct ft_zsrc {
	int kind; /* FT_Z_GZIP, FT_Z_ZSTD or FT_Z_PLAIN */
	int fd;
	int in_eof;
	int status; /* Z_OK_, Z_CUT, Z_CORRUPT */
	int done;   /* the last stream ended cleanly at the end of the input */
	int mid;    /* inside a gzip member or zstd frame */
	uint8_t head[4];
	size_t head_len;
	char msg[160];
	z_stream gz;
	ZSTD_DStream *zs;
	ZSTD_inBuffer zin;
	uint8_t in[ZIN_SIZE];
};

int
ft__zkind(const uint8_t m[4])
{
	if (m[0] == 0x1f && m[1] == 0x8b)
		return FT_Z_GZIP;
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return FT_Z_ZSTD;
	return 0;
}

/* Read the input into buf; returns bytes read, 0 at its end, -1 on error. */
static ssize_t
read_input(struct ft_zsrc *z, void *buf, size_t size)
{
	ssize_t n;

	do
		n = read(z->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		z->in_eof = 1;
	if (n < 0)
		snprintf(z->msg, sizeof(z->msg), "reading: %s", strerror(errno));
	return n;
}

/* More input into z->in. */
static ssize_t
fill(struct ft_zsrc *z)
{
	return read_input(z, z->in, sizeof(z->in));
}

static int
corrupt(struct ft_zsrc *z, const char *what, const char *why)
{
	z->status = Z_CORRUPT;
	snprintf(z->msg, sizeof(z->msg), "corrupt %s stream: %s", what, why);
	errno = EIO;
	return -1;
}

static ssize_t
gz_read(struct ft_zsrc *z, char *buf, size_t size)
{
	z_stream *s = &z->gz;
	int rc;

	s->next_out = (Bytef *)buf;
	s->avail_out = (uInt)(size > (1u << 30) ? 1u << 30 : size);
	while (s->avail_out > 0) {
		if (s->avail_in == 0) {
			ssize_t n = fill(z);

			if (n < 0)
				return -1;
			if (n == 0)
				break;
			s->next_in = z->in;
			s->avail_in = (uInt)n;
		}
		if (!z->mid) { /* the next member (gzip files may be concatenated) */
			if (inflateReset(s) != Z_OK)
				return corrupt(z, "gzip", "inflateReset");
			z->mid = 1;
		}
		rc = inflate(s, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			z->mid = 0;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return corrupt(z, "gzip", s->msg != NULL ? s->msg : zError(rc));
		}
	}
	return (ssize_t)(size - s->avail_out);
}

static ssize_t
zstd_read(struct ft_zsrc *z, char *buf, size_t size)
{
	ZSTD_outBuffer out = {buf, size, 0};
	size_t rc;

	while (out.pos < out.size) {
		if (z->zin.pos == z->zin.size) {
			ssize_t n = fill(z);

			if (n < 0)
				return -1;
			if (n == 0)
				break;
			z->zin.src = z->in;
			z->zin.size = (size_t)n;
			z->zin.pos = 0;
		}
		rc = ZSTD_decompressStream(z->zs, &out, &z->zin);
		if (ZSTD_isError(rc))
			return corrupt(z, "zstd", ZSTD_getErrorName(rc));
		z->mid = rc != 0; /* 0: a frame is complete and flushed */
	}
	return (ssize_t)out.pos;
}

/* FT_Z_PLAIN: the peeked bytes first (held in zin), then the input as it is. */
static ssize_t
plain_read(struct ft_zsrc *z, char *buf, size_t size)
{
	ssize_t n;

	if (z->zin.pos < z->zin.size) {
		n = (ssize_t)(z->zin.size - z->zin.pos < size ? z->zin.size - z->zin.pos : size);
		memcpy(buf, z->in + z->zin.pos, (size_t)n);
		z->zin.pos += (size_t)n;
		return n;
	}
	return read_input(z, buf, size);
}

static ssize_t
z_read(void *cookie, char *buf, size_t size)
{
	struct ft_zsrc *z = cookie;
	ssize_t n;

	if (z->status == Z_CORRUPT) {
		errno = EIO;
		return -1;
	}
	n = z->kind == FT_Z_GZIP   ? gz_read(z, buf, size)
	    : z->kind == FT_Z_ZSTD ? zstd_read(z, buf, size)
				   : plain_read(z, buf, size);
	if (n < 0)
		return -1;
	if (z->head_len < sizeof(z->head)) {
		size_t k = sizeof(z->head) - z->head_len < (size_t)n ? sizeof(z->head) - z->head_len
								     : (size_t)n;

		memcpy(z->head + z->head_len, buf, k);
		z->head_len += k;
	}
	if ((size_t)n < size && z->in_eof) {
		if (z->mid)
			z->status = Z_CUT;
		else
			z->done = 1;
	}
	return n;
}

static int
z_close(void *cookie)
{
	struct ft_zsrc *z = cookie;

	if (z->fd >= 0)
		close(z->fd);
	z->fd = -1;
	return 0;
}

int
ft__zopen(struct ft_zsrc **zp, const char *name, int fd, int kind, const uint8_t *pre, size_t npre,
	FILE **out, char *errbuf)
{
	static const cookie_io_functions_t io = {.read = z_read, .close = z_close};
	struct ft_zsrc *z = calloc(1, sizeof(*z));
	FILE *f;

	if (z == NULL) {
		close(fd);
		return FT_ENOMEM;
	}
	z->kind = kind;
	z->fd = fd;
	*zp = z;
	if (npre > sizeof(z->in))
		npre = sizeof(z->in);
	if (npre > 0)
		memcpy(z->in, pre, npre);
	/* The peeked bytes are the first input of every kind. */
	z->gz.next_in = z->in;
	z->gz.avail_in = (uInt)npre;
	z->zin.src = z->in;
	z->zin.size = npre;
	z->zin.pos = 0;
	if (kind == FT_Z_PLAIN) {
		/* nothing to start */
	} else if (kind == FT_Z_GZIP) {
		if (inflateInit2(&z->gz, 15 + 16) != Z_OK) { /* gzip wrapper only */
			snprintf(errbuf, FT_ERRBUF_SIZE, "%s: cannot start zlib", name);
			return FT_ENOMEM;
		}
		z->mid = 1;
	} else {
		z->zs = ZSTD_createDStream();
		if (z->zs == NULL || ZSTD_isError(ZSTD_initDStream(z->zs))) {
			snprintf(errbuf, FT_ERRBUF_SIZE, "%s: cannot start zstd", name);
			return FT_ENOMEM;
		}
		z->mid = 1;
	}
	f = fopencookie(z, "r", io);
	if (f == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: fopencookie: %s", name, strerror(errno));
		return FT_ENOMEM;
	}
	*out = f;
	return 0;
}

/* The decompressed file's first bytes are a nanosecond classic pcap magic. */
int
ft__znsec(const struct ft_zsrc *z)
{
	static const uint8_t le[4] = {0x4d, 0x3c, 0xb2, 0xa1}, be[4] = {0xa1, 0xb2, 0x3c, 0x4d};

	return z != NULL && z->head_len == 4 &&
	       (!memcmp(z->head, le, 4) || !memcmp(z->head, be, 4));
}

static const char *
zname(const struct ft_zsrc *z)
{
	return z->kind == FT_Z_GZIP ? "gzip" : z->kind == FT_Z_ZSTD ? "zstd" : "plain";
}

/*
 * After libpcap's reader stopped (end of file or error): FT_ETRUNC for a cut
 * stream, FT_EFORMAT for a corrupt one (the error set), 0 otherwise.
 */
int
ft__zcheck(struct ft_source *s, const struct ft_zsrc *z)
{
	if (z == NULL)
		return 0;
	if (z->status == Z_CORRUPT || z->msg[0] != '\0')
		return ft__src_fail(s, FT_EFORMAT, "%s: %s", s->file, z->msg);
	if (z->status == Z_CUT)
		return ft__src_fail(s, FT_ETRUNC,
			"%s: the %s stream is cut off (every whole frame before the cut was "
			"processed)",
			s->file, zname(z));
	return 0;
}

/* The message of a stream that failed while libpcap opened it, or NULL. */
const char *
ft__zerror(const struct ft_zsrc *z)
{
	if (z == NULL)
		return NULL;
	if (z->msg[0] != '\0')
		return z->msg;
	return z->status == Z_CUT ? "the compressed stream is cut off" : NULL;
}

/* After pcap_close() (which closed the FILE*, and so the fd). */
void
ft__zfree(struct ft_zsrc *z)
{
	if (z == NULL)
		return;
	if (z->fd >= 0)
		close(z->fd);
	if (z->kind == FT_Z_GZIP)
		inflateEnd(&z->gz);
	else if (z->kind == FT_Z_ZSTD)
		ZSTD_freeDStream(z->zs);
	free(z);
}
