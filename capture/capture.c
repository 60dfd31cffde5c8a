/*
 * capture/: reading frames from an interface or a file and handing them to a
 * sink (capture/source.h); writing them to pcap files (capture/writer.h).
 * Includes core/ and the public headers only: nothing from workers/.
 *
 * capture.c - what every source shares: choosing the backend, the BPF
 * filter, break, counters, link-type names, closing.
 *
 * Sources:
 *   live (capture_live.c): pcap_create/activate, non-blocking reads driven by
 *     poll() on libpcap's fd and our stop eventfd.
 *   file (capture_file.c): libpcap's reader (pcapng, stdin, anything libpcap
 *     reads); frames are copied into the worker arenas.
 *   mmap (capture_mmap.c): classic pcap files read in place; frames are handed
 *     to workers as pointers into the mapping, BPF via pcap_offline_filter().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "capture/capture_internal.h"
#include "flowtap/packet.h"

const char *
ft_dlt_name(int dlt)
{
	static _Thread_local char buf[24];
	const char *n = pcap_datalink_val_to_name(dlt);

	if (n != NULL)
		return n;
	snprintf(buf, sizeof(buf), "DLT_%d", dlt);
	return buf;
}

int
ft__src_fail(struct ft_source *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/* apply: set it on the handle (libpcap filters); 0: the mmap reader applies it. */
int
ft__src_compile_filter(struct ft_source *s, bpf_u_int32 netmask, int apply, char *errbuf)
{
	if (s->filter == NULL || s->filter[0] == '\0')
		return 0;
	if (pcap_compile(s->pcap, &s->prog, s->filter, 1, netmask) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "bad filter \"%s\": %s", s->filter,
			pcap_geterr(s->pcap));
		return FT_EFILTER;
	}
	s->has_prog = 1;
	if (!apply)
		return 0; /* applied per frame with pcap_offline_filter() */
	if (pcap_setfilter(s->pcap, &s->prog) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "cannot set filter \"%s\": %s", s->filter,
			pcap_geterr(s->pcap));
		return FT_EFILTER;
	}
	return 0;
}

int
ft__source_open(const struct ft_source_config *cfg, struct ft_source **out, char *errbuf)
{
	struct ft_source *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (s == NULL)
		return FT_ENOMEM;
	s->cfg = *cfg;
	s->device = cfg->device;
	s->file = cfg->file;
	s->filter = cfg->filter;
	s->info.snaplen = cfg->snaplen;
	s->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->evfd < 0) {
		rc = -errno;
		snprintf(errbuf, FT_ERRBUF_SIZE, "eventfd: %s", strerror(errno));
		ft__source_close(s);
		return rc;
	}
	rc = s->device != NULL ? ft__live_open(s, errbuf) : ft__file_open(s, errbuf);
	if (rc != 0) {
		ft__source_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

const struct ft_source_info *
ft__source_info(const struct ft_source *s)
{
	return &s->info;
}

int
ft__source_run(struct ft_source *s, ft_sink_fn *sink, void *user)
{
	return s->ops->run(s, sink, user);
}

const char *
ft__source_errmsg(const struct ft_source *s)
{
	return s->errmsg;
}

void
ft__source_break(struct ft_source *s, int drain)
{
	int want = drain ? FT_SRC_DRAIN : FT_SRC_STOP, cur = atomic_load(&s->stop);
	uint64_t one = 1;
	ssize_t r;

	/* Async-signal-safe: atomics, write(2), and pcap_breakloop (a flag plus,
	 * on Linux, a write to libpcap's own eventfd). The strongest stop wins. */
	while (cur < want && !atomic_compare_exchange_weak(&s->stop, &cur, want))
		;
	if (s->evfd >= 0) {
		r = write(s->evfd, &one, sizeof(one));
		(void)r;
	}
	if (s->pcap != NULL)
		pcap_breakloop(s->pcap);
}

void
ft__source_stats(const struct ft_source *s, struct ft_source_stats *st)
{
	struct ft_source *m = (struct ft_source *)s; /* atomics: reads only */

	st->pcap_valid = FT_CTR_GET(m->pcap_valid);
	st->ps_recv = FT_CTR_GET(m->ps_recv);
	st->ps_drop = FT_CTR_GET(m->ps_drop);
	st->ps_ifdrop = FT_CTR_GET(m->ps_ifdrop);
	st->filtered = FT_CTR_GET(m->filtered);
}

int
ft__source_inject(struct ft_source *s, const void *frame, size_t len, char *errbuf)
{
	int n;

	if (!s->info.live || s->pcap == NULL)
		return FT_ENOTSUP;
	n = pcap_inject(s->pcap, frame, len);
	if (n < 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "pcap_inject: %s", pcap_geterr(s->pcap));
		return FT_EPCAP;
	}
	return n;
}

void
ft__source_close(struct ft_source *s)
{
	if (s == NULL)
		return;
	if (s->has_prog)
		pcap_freecode(&s->prog);
	if (s->pcap != NULL)
		pcap_close(s->pcap);
	s->pcap = NULL;
	if (s->ops != NULL && s->ops->close != NULL)
		s->ops->close(s); /* after pcap_close: a compressed file's FILE* is closed */
	if (s->evfd >= 0)
		close(s->evfd);
	free(s);
}
