/*
 * capture_file.c - reading a capture file.
 *
 * Open decides the reader: a regular file whose first four bytes are a classic
 * pcap magic goes to the mmap reader (zero-copy); pcapng and anything else go
 * through libpcap's own reader, whose frames are copied by the sink (libpcap
 * reuses its buffer for the next frame). gzip and zstd (told by content), and
 * standard input of any kind, reach libpcap through the stream of
 * capture_compress.c, which keeps stdin's peeked first bytes. Either way
 * libpcap opens the file too: it validates the header, knows the link type,
 * and compiles the filter.
 *
 * Files are lossless: the sink may wait. A file cut off mid-record is
 * processed up to the cut and the run ends with FT_ETRUNC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

#include "capture/capture_internal.h"
#include "core/time.h"

static int
is_classic_magic(const uint8_t m[4], int *nsec)
{
	static const uint8_t us_le[4] = {0xd4, 0xc3, 0xb2, 0xa1},
			     us_be[4] = {0xa1, 0xb2, 0xc3, 0xd4};
	static const uint8_t ns_le[4] = {0x4d, 0x3c, 0xb2, 0xa1},
			     ns_be[4] = {0xa1, 0xb2, 0x3c, 0x4d};

	*nsec = !memcmp(m, ns_le, 4) || !memcmp(m, ns_be, 4);
	return *nsec || !memcmp(m, us_le, 4) || !memcmp(m, us_be, 4);
}

/* libpcap's reader's own state (the source's priv); run thread only. */
struct ft_file {
	struct ft_source *s;
	struct ft_zsrc *z; /* a gzip or zstd file's decompressor, or NULL */
	ft_sink_fn *sink;
	void *user;
};

static int file_run(struct ft_source *s, ft_sink_fn *sink, void *user);

static void
file_close(struct ft_source *s)
{
	struct ft_file *f = s->priv;

	if (f != NULL)
		ft__zfree(f->z);
	free(f);
	s->priv = NULL;
}

static const struct ft_source_ops file_ops = {.run = file_run, .close = file_close};

/* A gzip or zstd file (takes fd): libpcap reads the decompressed stream. */
static int
open_compressed(
	struct ft_source *p, int fd, int kind, const uint8_t *pre, size_t npre, char *errbuf)
{
	struct ft_file *ff = p->priv;
	char pcap_err[PCAP_ERRBUF_SIZE];
	const char *why;
	FILE *f;
	int rc;

	rc = ft__zopen(&ff->z, p->file, fd, kind, pre, npre, &f, errbuf);
	if (rc != 0)
		return rc;
	pcap_err[0] = '\0';
	p->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (p->pcap == NULL) {
		fclose(f);
		why = ft__zerror(ff->z);
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s%s", p->file, why != NULL ? why : pcap_err,
			why != NULL || kind == FT_Z_PLAIN ? "" : " (in a compressed file)");
		return FT_EFORMAT;
	}
	if (ft__znsec(ff->z))
		p->info.ts_digits = 9;
	p->info.dlt = pcap_datalink(p->pcap);
	p->info.snaplen = pcap_snapshot(p->pcap);
	return ft__src_compile_filter(p, PCAP_NETMASK_UNKNOWN, 1, errbuf);
}

/*
 * Standard input, a FIFO, any file that is not a regular one: its first bytes
 * tell gzip, zstd or a plain capture; they cannot be read again, so every kind
 * goes through one stream that reads them first (capture_compress.c). The fd
 * stays open throughout: closing a FIFO's only reader to reopen it by name
 * would hand its writer an EPIPE.
 */
static int
open_stream(struct ft_source *p, int fd, char *errbuf)
{
	uint8_t magic[4];
	size_t got = 0;
	ssize_t n;
	int kind;

	while (got < sizeof(magic)) {
		n = read(fd, magic + got, sizeof(magic) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s", p->file, strerror(errno));
			close(fd);
			return FT_EIO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	kind = got == sizeof(magic) ? ft__zkind(magic) : 0;
	return open_compressed(p, fd, kind != 0 ? kind : FT_Z_PLAIN, magic, got, errbuf);
}

static int
open_stdin(struct ft_source *p, char *errbuf)
{
	int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "standard input: %s", strerror(errno));
		return -errno;
	}
	return open_stream(p, fd, errbuf);
}

int
ft__file_open(struct ft_source *p, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	uint8_t magic[4];
	struct stat sb;
	int fd = -1, nsec = 0, classic = 0, zkind = 0;

	p->ops = &file_ops;
	p->priv = calloc(1, sizeof(struct ft_file));
	if (p->priv == NULL)
		return FT_ENOMEM;
	p->info.ts_digits = 6;
	p->info.write_nsec = 1; /* opened with nanosecond precision */
	if (strcmp(p->file, "-") == 0)
		return open_stdin(p, errbuf);
	fd = open(p->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = errno == ENOENT ? FT_ENOENT : errno == EACCES ? FT_EACCES : -errno;

		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s", p->file, strerror(errno));
		return rc;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: is a directory", p->file);
		close(fd);
		return FT_EINVAL;
	}
	if (fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode))
		return open_stream(p, fd, errbuf);
	if (pread(fd, magic, 4, 0) == 4) {
		classic = is_classic_magic(magic, &nsec);
		zkind = ft__zkind(magic);
	}
	if (classic && nsec)
		p->info.ts_digits = 9;
	if (zkind != 0)
		return open_compressed(p, fd, zkind, NULL, 0, errbuf);
	if (!(classic && p->cfg.use_mmap && S_ISREG(sb.st_mode))) {
		close(fd);
		fd = -1;
	}
	pcap_err[0] = '\0';
	p->pcap = pcap_open_offline_with_tstamp_precision(
		p->file, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (p->pcap == NULL) {
		if (fd >= 0)
			close(fd);
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s", p->file, pcap_err);
		return FT_EFORMAT;
	}
	p->info.dlt = pcap_datalink(p->pcap);
	p->info.snaplen = pcap_snapshot(p->pcap);
	if (fd >= 0) { /* the mmap reader takes over (and takes fd) */
		file_close(p);
		return ft__mmap_attach(p, fd, errbuf);
	}
	return ft__src_compile_filter(p, PCAP_NETMASK_UNKNOWN, 1, errbuf);
}

static void
file_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ft_file *f = (struct ft_file *)(void *)user;
	/* Opened with nanosecond precision: tv_usec holds nanoseconds. */
	uint64_t ts = (uint64_t)h->ts.tv_sec * FT_NS_PER_SEC + (uint64_t)h->ts.tv_usec;

	if (f->sink(f->user, bytes, h->caplen, h->len, ts) != 0) {
		atomic_store_explicit(&f->s->sunk, 1, memory_order_relaxed);
		pcap_breakloop(f->s->pcap);
	}
}

static int
file_run(struct ft_source *p, ft_sink_fn *sink, void *user)
{
	struct ft_file *f = p->priv;
	const char *why;
	int n, rc;

	f->s = p;
	f->sink = sink;
	f->user = user;
	while (!ft__src_stopping(p)) {
		n = pcap_dispatch(p->pcap, 256, file_frame, (u_char *)f);
		if (n == 0)
			return ft__zcheck(p, f->z); /* end of file (a compressed one may be cut) */
		if (n == PCAP_ERROR_BREAK)
			continue;
		if (n < 0) {
			if ((rc = ft__zcheck(p, f->z)) != 0)
				return rc;
			why = pcap_geterr(p->pcap);
			if (strstr(why, "truncated") != NULL)
				return ft__src_fail(p, FT_ETRUNC,
					"%s: %s (every whole frame before the cut "
					"was processed)",
					p->file, why);
			return ft__src_fail(p, FT_EFORMAT, "%s: %s", p->file, why);
		}
	}
	return 0;
}
