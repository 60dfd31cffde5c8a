/*
 * capture_write.c - -w: the captured frames into pcap files, rotated as
 * tcpdump's -C, -G and -W (here --file-count) do.
 *
 * Everything here runs on the capture thread (capture/writer.h), which
 * writes each frame right after the pipeline handed it to its worker, so the
 * files hold the frames in capture order. The per-frame work is arithmetic: the size of the current
 * file is counted (24-byte file header, then 16 bytes + caplen per record), and -G compares the
 * frame's second with the current file's deadline. A rotation happens before the frame that
 * triggers it is written, so every frame lands in exactly one file.
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

#include <pcap/pcap.h>

#include "capture/writer.h"
#include "core/time.h"
#include "flowtap/error.h"
#include "flowtap/pipeline.h" /* FT_ERRBUF_SIZE */

#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR  16u

/* The writer's state; one thread at a time. */
struct ft_writer {
	char *path;
	pcap_t *dead; /* pcap_open_dead: the link type and precision */
	pcap_dumper_t *dumper;
	int failed; /* nothing more is written */
	int nsec;
	char name[PATH_MAX]; /* the current file */
	char errmsg[FT_ERRBUF_SIZE];
	uint64_t size;      /* bytes in the current file */
	uint64_t limit;     /* -C: bytes a file may hold; 0 off */
	uint64_t deadline;  /* -G: the second at which the next file starts */
	unsigned period_s;  /* -G seconds; 0 off */
	unsigned keep;      /* --file-count; 0 keeps every file */
	unsigned files;     /* files opened so far */
	unsigned in_period; /* files opened in this -G period (-C's count) */
	char **ring;        /* -G with --file-count: the last keep names */
};

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
next_name(struct ft_writer *w, char *name)
{
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
		if (strftime(base, sizeof(base), w->path, &tm) == 0)
			return -1;
#pragma GCC diagnostic pop
		cnt = w->in_period;
	} else {
		if (strlen(w->path) >= sizeof(base))
			return -1;
		strcpy(base, w->path);
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
ring_push(struct ft_writer *w, const char *name)
{
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
dump_error(struct ft_writer *w, int e, const char *what)
{
	w->failed = 1;
	if (e == EPIPE && strcmp(w->path, "-") == 0)
		return FT_WRITER_CLOSED; /* -w - into a reader that went away: stop quietly */
	snprintf(w->errmsg, sizeof(w->errmsg), "%s %.300s: %.150s", what,
		w->name[0] ? w->name : w->path, strerror(e));
	return e == ENOSPC ? FT_ENOSPC : FT_EIO;
}

/* Flush the current file and check it: a full disk shows up here at the latest. */
static int
flush_current(struct ft_writer *w)
{
	FILE *f;

	if (w->dumper == NULL || w->failed)
		return 0;
	f = pcap_dump_file(w->dumper);
	errno = 0;
	if (pcap_dump_flush(w->dumper) != 0 || ferror(f))
		return dump_error(w, errno != 0 ? errno : EIO, "writing");
	return 0;
}

/* Open the next file (the first one too): rare, so it may allocate and call the system. */
static int
open_next(struct ft_writer *w, char *errbuf)
{
	if (next_name(w, w->name) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "-w %s: file name too long", w->path);
		return FT_EINVAL;
	}
	if (w->ring != NULL && ring_push(w, w->name) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "-w: out of memory");
		return FT_ENOMEM;
	}
	w->dumper = pcap_dump_open(w->dead, w->name);
	if (w->dumper == NULL) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "cannot write %.300s: %.180s", w->name,
			pcap_geterr(w->dead));
		return FT_EIO;
	}
	w->files++;
	w->in_period++;
	w->size = PCAP_FILE_HDR;
	return 0;
}

int
ft__writer_open(const struct ft_writer_config *cfg, struct ft_writer **out, char *errbuf)
{
	struct ft_writer *w = calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	if (w == NULL || (w->path = strdup(cfg->path)) == NULL) {
		free(w);
		return FT_ENOMEM;
	}
	w->nsec = cfg->nsec;
	w->limit = cfg->rotate_bytes;
	w->period_s = cfg->rotate_secs;
	w->keep = cfg->file_count;
	w->dead = pcap_open_dead_with_tstamp_precision(cfg->dlt, cfg->snaplen,
		cfg->nsec ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	rc = w->dead == NULL ? FT_ENOMEM : 0;
	if (rc == 0 && w->keep != 0 && w->period_s != 0) {
		w->ring = calloc(w->keep, sizeof(*w->ring));
		rc = w->ring == NULL ? FT_ENOMEM : 0;
	}
	if (rc == 0 && w->period_s == 0)
		rc = open_next(w, errbuf); /* with -G: named after the first frame's time */
	if (rc != 0) {
		ft__writer_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* A new file for the frame at sec; an FT_E* code (nothing more is written) on failure. */
static int
rotate(struct ft_writer *w, time_t sec, int new_period)
{
	int rc = flush_current(w);

	if (rc != 0)
		return rc;
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper);
	w->dumper = NULL;
	if (new_period) {
		w->in_period = 0;
		w->deadline = (uint64_t)sec + w->period_s;
	}
	rc = open_next(w, w->errmsg);
	if (rc != 0)
		w->failed = 1;
	return rc;
}

/*
 * stdio reports a failed write (a full disk) only through ferror() and the
 * errno of that moment, and pcap_dump() returns nothing, so check at once:
 * the first failure ends the writing with its real cause ("No space left on
 * device"), and nothing more is written.
 */
int
ft__writer_frame(
	struct ft_writer *w, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns)
{
	uint64_t rec = PCAP_REC_HDR + (uint64_t)caplen;
	uint64_t frac = ts_ns % FT_NS_PER_SEC;
	struct pcap_pkthdr h;
	int rc;

	if (w->failed)
		return 0;
	h.ts.tv_sec = (time_t)(ts_ns / FT_NS_PER_SEC);
	h.ts.tv_usec = (suseconds_t)(w->nsec ? frac : frac / 1000u);
	h.caplen = caplen;
	h.len = len;
	if (w->period_s != 0 && (w->dumper == NULL || (uint64_t)h.ts.tv_sec >= w->deadline)) {
		if ((rc = rotate(w, h.ts.tv_sec, 1)) != 0)
			return rc;
	} else if (w->limit != 0 && w->size > PCAP_FILE_HDR && w->size + rec > w->limit) {
		if ((rc = rotate(w, h.ts.tv_sec, 0)) != 0)
			return rc;
	}
	errno = 0;
	pcap_dump((u_char *)w->dumper, &h, data);
	w->size += rec;
	if (ferror(pcap_dump_file(w->dumper)))
		return dump_error(w, errno != 0 ? errno : EIO, "writing");
	return 0;
}

int
ft__writer_finish(struct ft_writer *w)
{
	return w == NULL ? 0 : flush_current(w);
}

const char *
ft__writer_errmsg(const struct ft_writer *w)
{
	return w->errmsg;
}

void
ft__writer_close(struct ft_writer *w)
{
	if (w == NULL)
		return;
	if (w->dumper != NULL)
		pcap_dump_close(w->dumper);
	for (unsigned i = 0; w->ring != NULL && i < w->keep; i++)
		free(w->ring[i]);
	free(w->ring);
	if (w->dead != NULL)
		pcap_close(w->dead);
	free(w->path);
	free(w);
}
