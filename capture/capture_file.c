/*
 * capture_file.c - reading a capture file.
 *
 * Open decides the reader: a regular file whose first four bytes are a classic
 * pcap magic goes to the mmap reader (zero-copy); pcapng and anything else go
 * through libpcap's own reader, whose frames are copied into the worker arenas
 * (libpcap reuses its buffer for the next frame). gzip and zstd (told by
 * content), and standard input of any kind, reach libpcap through the stream
 * of capture_compress.c, which keeps stdin's peeked first bytes. Either way
 * libpcap opens the file too: it validates the header, knows the link type,
 * and compiles the filter.
 *
 * Files are lossless: the capture thread waits for ring room. A file cut off
 * mid-record is processed up to the cut and the run ends with FT_ETRUNC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flowtap/error.h"
#include "workers/pipeline_internal.h"

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

/* A gzip or zstd file (takes fd): libpcap reads the decompressed stream. */
static int
open_compressed(
	struct ft_pipeline *p, int fd, int kind, const uint8_t *pre, size_t npre, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	const char *why;
	FILE *f;
	int rc;

	rc = ft__zopen(p, fd, kind, pre, npre, &f, errbuf);
	if (rc != 0)
		return rc;
	pcap_err[0] = '\0';
	p->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, pcap_err);
	if (p->pcap == NULL) {
		fclose(f);
		why = ft__zerror(p);
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s%s", p->file, why != NULL ? why : pcap_err,
			why != NULL || kind == FT_Z_PLAIN ? "" : " (in a compressed file)");
		return FT_EFORMAT;
	}
	if (ft__znsec(p))
		p->ts_digits = 9;
	p->dlt = pcap_datalink(p->pcap);
	p->snaplen = pcap_snapshot(p->pcap);
	return ft__compile_filter(p, PCAP_NETMASK_UNKNOWN, errbuf);
}

/*
 * Standard input: its first bytes tell gzip, zstd or a plain capture; they
 * cannot be read again, so every kind goes through one stream that reads
 * them first (capture_compress.c).
 */
static int
open_stdin(struct ft_pipeline *p, char *errbuf)
{
	uint8_t magic[4];
	size_t got = 0;
	ssize_t n;
	int fd, kind;

	fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "standard input: %s", strerror(errno));
		return -errno;
	}
	while (got < sizeof(magic)) {
		n = read(fd, magic + got, sizeof(magic) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(errbuf, FT_ERRBUF_SIZE, "standard input: %s", strerror(errno));
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

int
ft__file_open(struct ft_pipeline *p, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	uint8_t magic[4];
	struct stat sb;
	int fd = -1, nsec = 0, classic = 0, zkind = 0, rc;

	p->use_mmap = 0;
	p->ts_digits = 6;
	if (strcmp(p->file, "-") == 0)
		return open_stdin(p, errbuf);
	fd = open(p->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOENT ? FT_ENOENT : errno == EACCES ? FT_EACCES : -errno;
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: %s", p->file, strerror(errno));
		return rc;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "%s: is a directory", p->file);
		close(fd);
		return FT_EINVAL;
	}
	if (pread(fd, magic, 4, 0) == 4) {
		classic = is_classic_magic(magic, &nsec);
		zkind = ft__zkind(magic);
	}
	if (classic && nsec)
		p->ts_digits = 9;
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
	p->dlt = pcap_datalink(p->pcap);
	p->snaplen = pcap_snapshot(p->pcap);
	if (fd >= 0) {
		rc = ft__mmap_open(p, fd, errbuf); /* takes fd */
		if (rc != 0)
			return rc;
	}
	return ft__compile_filter(p, PCAP_NETMASK_UNKNOWN, errbuf);
}

static void
file_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ft_pipeline *p = (struct ft_pipeline *)(void *)user;
	/* Opened with nanosecond precision: tv_usec holds nanoseconds. */
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;

	if (ft__deliver(p, bytes, h->caplen, h->len, ts, 1) != 0) {
		pcap_breakloop(p->pcap);
		return;
	}
	if (p->write_file != NULL)
		ft__dump(p, h, bytes);
	if (ft__count_reached(p))
		pcap_breakloop(p->pcap);
}

int
ft__file_run(struct ft_pipeline *p)
{
	const char *why;
	int n, rc;

	while (!ft__stopping(p) && !ft__count_reached(p)) {
		n = pcap_dispatch(p->pcap, 256, file_frame, (u_char *)p);
		if (n == 0)
			return ft__zcheck(p); /* end of file (a compressed one may be cut) */
		if (n == PCAP_ERROR_BREAK)
			continue;
		if (n < 0) {
			if ((rc = ft__zcheck(p)) != 0)
				return rc;
			why = pcap_geterr(p->pcap);
			if (strstr(why, "truncated") != NULL) {
				ft__set_error(p, FT_ETRUNC,
					"%s: %s (every whole frame before the cut "
					"was processed)",
					p->file, why);
				return FT_ETRUNC;
			}
			ft__set_error(p, FT_EFORMAT, "%s: %s", p->file, why);
			return FT_EFORMAT;
		}
	}
	return 0;
}
