/*
 * capture.c - what every source shares: choosing the source, the BPF filter,
 * publishing libpcap's counters, link-type names, closing.
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

#include "flowtap/error.h"
#include "flowtap/packet.h"
#include "workers/pipeline_internal.h"

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
ft__compile_filter(struct ft_pipeline *p, bpf_u_int32 netmask, char *errbuf)
{
	if (p->filter == NULL || p->filter[0] == '\0')
		return 0;
	if (pcap_compile(p->pcap, &p->prog, p->filter, 1, netmask) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "bad filter \"%s\": %s", p->filter,
			pcap_geterr(p->pcap));
		return FT_EFILTER;
	}
	p->has_prog = 1;
	if (p->use_mmap)
		return 0; /* applied per frame with pcap_offline_filter() */
	if (pcap_setfilter(p->pcap, &p->prog) != 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE, "cannot set filter \"%s\": %s", p->filter,
			pcap_geterr(p->pcap));
		return FT_EFILTER;
	}
	return 0;
}

void
ft__publish_pcap_stats(struct ft_pipeline *p)
{
	struct pcap_stat ps;

	/* Capture thread only: pcap_stats() is not safe beside pcap_dispatch(). */
	if (!p->live || pcap_stats(p->pcap, &ps) != 0)
		return;
	FT_CTR_SET(p->ps_recv, ps.ps_recv);
	FT_CTR_SET(p->ps_drop, ps.ps_drop);
	FT_CTR_SET(p->ps_ifdrop, ps.ps_ifdrop);
	FT_CTR_SET(p->pcap_valid, 1);
}

int
ft__source_open(struct ft_pipeline *p, char *errbuf)
{
	int rc;

	p->snaplen = p->cfg.snaplen;
	if (p->live)
		rc = ft__live_open(p, errbuf);
	else
		rc = ft__file_open(p, errbuf);
	if (rc == 0)
		rc = ft__dump_open(p, errbuf);
	return rc;
}

int
ft__capture_run(struct ft_pipeline *p)
{
	if (p->live)
		return ft__live_run(p);
	if (p->use_mmap)
		return ft__mmap_run(p);
	return ft__file_run(p);
}

void
ft__source_close(struct ft_pipeline *p)
{
	ft__dump_close(p);
	if (p->has_prog)
		pcap_freecode(&p->prog);
	p->has_prog = 0;
	ft__mmap_close(p);
	if (p->pcap != NULL)
		pcap_close(p->pcap);
	p->pcap = NULL;
	ft__zfree(p);
}
