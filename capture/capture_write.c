/*
 * capture_write.c - -w: the captured frames into pcap files, rotated as
 * tcpdump's -C, -G and -W (here --file-count) do.
 *
 * Everything here runs on the capture thread, which writes each frame right
 * after handing it to its worker, so the files hold the frames in capture
 * order. The per-frame work is arithmetic: the size of the current file is
 * counted (24-byte file header, then 16 bytes + caplen per record), and -G
 * compares the frame's second with the current file's deadline. A rotation
 * happens before the frame that triggers it is written, so every frame lands
 * in exactly one file.
 *
 * Names (tcpdump's): without a ring, FILE, FILE1, FILE2, ...; with
 * --file-count N and -C alone, FILE0 ... FILE<N-1> (zero-padded to the digits
 * of N-1), reused in turn. With -G, FILE is a strftime(3) pattern expanded
 * with the packet time (UTC) of the period's first frame, and -C adds 1, 2,
 * ... within one period (its files share the period's time, as tcpdump's); --file-count N then
 * removes the oldest file when the N+1st opens (tcpdump instead exits after N files).
 *
 * -G counts packet time, not wall time: a file replays the same way every
 * time, and a live capture's timestamps are the kernel's clock anyway (a
 * silent link rotates at its next frame, as tcpdump does). With -G the first
 * file is opened at the first frame, since its name comes from that frame.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flowtap/error.h"
#include "workers/pipeline_internal.h"

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR  16u

static unsigned
digits_of(unsigned v)
{
	unsigned n = 0;

	for (; v > 0; v /= 10)
		n++;
	return n;
}

/* The name of the next file into name (PATH_MAX); -1 when it does not fit. */
static int
next_name(struct ft_pipeline *p, char *name)
{
	struct ft_writer *w = &p->wr;
	time_t sec = (time_t)(w->deadline - w->period_s); /* the -G period's start */
	char base[PATH_MAX];
	unsigned cnt = w->files, width = 0;
	struct tm tm;
	int n;

	if (w->period_s != 0) {
		gmtime_r(&sec, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		/* the pattern is the user's -w argument, as tcpdump's */
		if (strftime(base, sizeof(base), p->write_file, &tm) == 0)
			return -1;
#pragma GCC diagnostic pop
		cnt = w->in_period;
	} else {
		if (strlen(p->write_file) >= sizeof(base))
			return -1;
		strcpy(base, p->write_file);
		if (w->keep != 0) {
			cnt %= w->keep;
			width = digits_of(w->keep - 1);
		}
	}
	if (cnt == 0 && width == 0)
		n = snprintf(name, PATH_MAX, "%s", base);
	else
		n = snprintf(name, PATH_MAX, "%s%0*u", base, (int)width, cnt);
	return n >= PATH_MAX ? -1 : 0;
}

/* -G with --file-count: remember the new file; remove the one it pushes out. */
static int
ring_push(struct ft_pipeline *p, const char *name)
{
	struct ft_writer *w = &p->wr;
	char **slot = &w->ring[w->files % w->keep];
	char *copy = strdup(name);

	if (copy == NULL)
		return -1;
	if (*slot != NULL && strcmp(*slot, name) != 0)
		(void)unlink(*slot);
	free(*slot);
	*slot = copy;
	return 0;
}

static int
dump_error(struct ft_pipeline *p, int e, const char *what)
{
	p->dump_failed = 1;
	if (e == EPIPE && strcmp(p->write_file, "-") == 0) {
		ft_pipeline_stop(p); /* -w - into a reader that went away: stop quietly */
		return -1;
	}
	ft__set_error(p, e == ENOSPC ? FT_ENOSPC : FT_EIO, "%s %s: %s", what,
		p->dumper_name[0] ? p->dumper_name : p->write_file, strerror(e));
	ft_pipeline_stop(p);
	return -1;
}

/* Flush the current file and check it: a full disk shows up here at the latest. */
static int
flush_current(struct ft_pipeline *p)
{
	FILE *f;

	if (p->dumper == NULL || p->dump_failed)
		return 0;
	f = pcap_dump_file(p->dumper);
	errno = 0;
	if (pcap_dump_flush(p->dumper) != 0 || ferror(f))
		return dump_error(p, errno != 0 ? errno : EIO, "writing");
	return 0;
}

/* Open the next file (the first one too): rare, so it may allocate and call the system. */
static int
open_next(struct ft_pipeline *p, char *errbuf)
{
	struct ft_writer *w = &p->wr;

	if (next_name(p, p->dumper_name) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "-w %s: file name too long", p->write_file);
		return FT_EINVAL;
	}
	if (w->ring != NULL && ring_push(p, p->dumper_name) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "-w: out of memory");
		return FT_ENOMEM;
	}
	p->dumper = pcap_dump_open(p->pcap, p->dumper_name);
	if (p->dumper == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "cannot write %.300s: %.180s", p->dumper_name,
			pcap_geterr(p->pcap));
		return FT_EIO;
	}
	w->files++;
	w->in_period++;
	w->size = PCAP_FILE_HDR;
	return 0;
}

int
ft__dump_open(struct ft_pipeline *p, char *errbuf)
{
	struct ft_writer *w = &p->wr;

	if (p->write_file == NULL)
		return 0;
	w->limit = p->cfg.write_rotate_bytes;
	w->period_s = p->cfg.write_rotate_secs;
	w->keep = p->cfg.write_file_count;
	if (w->keep != 0 && w->period_s != 0) {
		w->ring = calloc(w->keep, sizeof(*w->ring));
		if (w->ring == NULL)
			return FT_ENOMEM;
	}
	if (w->period_s != 0)
		return 0; /* named after the first frame's time: opened there */
	return open_next(p, errbuf);
}

/* A new file for the frame at sec; -1 (the capture stops, the cause is set) on failure. */
static int
rotate(struct ft_pipeline *p, time_t sec, int new_period)
{
	char err[FT_ERRBUF_SIZE];
	int rc;

	if (flush_current(p) != 0)
		return -1;
	if (p->dumper != NULL)
		pcap_dump_close(p->dumper);
	p->dumper = NULL;
	if (new_period) {
		p->wr.in_period = 0;
		p->wr.deadline = (uint64_t)sec + p->wr.period_s;
	}
	rc = open_next(p, err);
	if (rc != 0) {
		p->dump_failed = 1;
		ft__set_error(p, rc, "%s", err);
		ft_pipeline_stop(p);
		return -1;
	}
	return 0;
}

/*
 * -w: write one frame. stdio reports a failed write (a full disk) only through
 * ferror() and the errno of that moment, and pcap_dump() returns nothing, so
 * check at once: the first failure stops the capture with its real cause
 * ("No space left on device"), and nothing more is written. Capture thread only.
 */
void
ft__dump(struct ft_pipeline *p, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ft_writer *w = &p->wr;
	uint64_t rec = PCAP_REC_HDR + (uint64_t)h->caplen;

	if (p->dump_failed)
		return;
	if (w->period_s != 0 && (p->dumper == NULL || (uint64_t)h->ts.tv_sec >= w->deadline)) {
		if (rotate(p, h->ts.tv_sec, 1) != 0)
			return;
	} else if (w->limit != 0 && w->size > PCAP_FILE_HDR && w->size + rec > w->limit) {
		if (rotate(p, h->ts.tv_sec, 0) != 0)
			return;
	}
	errno = 0;
	pcap_dump((u_char *)p->dumper, h, bytes);
	w->size += rec;
	if (ferror(pcap_dump_file(p->dumper)))
		dump_error(p, errno != 0 ? errno : EIO, "writing");
}

int
ft__dump_finish(struct ft_pipeline *p)
{
	return flush_current(p);
}

void
ft__dump_close(struct ft_pipeline *p)
{
	if (p->dumper != NULL)
		pcap_dump_close(p->dumper);
	p->dumper = NULL;
	for (unsigned i = 0; p->wr.ring != NULL && i < p->wr.keep; i++)
		free(p->wr.ring[i]);
	free(p->wr.ring);
	p->wr.ring = NULL;
}
