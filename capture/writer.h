/*
 * capture/writer.h - -w: frames into pcap files, rotated as tcpdump's -C, -G
 * and -W (--file-count) do (private). A sink-side stage: the pipeline hands
 * it each frame the source delivered, after the frame went to its worker.
 *
 * One thread at a time (the capture thread while it runs, then the owner's):
 * open, frame, finish, close. ft__writer_frame() is arithmetic plus one
 * buffered write (fwrite via pcap_dump), except at a rotation (rare: it
 * opens a file). The writer owns its files and its libpcap dead handle.
 */
#ifndef FT_CAPTURE_WRITER_H
#define FT_CAPTURE_WRITER_H

#include <stdint.h>

struct ft_writer;

struct ft_writer_config {
	const char *path; /* the -w argument ("-": standard output; with -G a strftime pattern) */
	uint64_t rotate_bytes;
	unsigned rotate_secs;
	unsigned file_count;
	int dlt, snaplen;
	int nsec; /* write nanosecond timestamps */
};

/* Opens the first file (with -G: at the first frame); FT_E* with the cause in errbuf. */
int ft__writer_open(const struct ft_writer_config *cfg, struct ft_writer **out, char *errbuf);

#define FT_WRITER_CLOSED 1 /* "-w -" into a reader that went away: stop quietly */

/*
 * One frame. Returns 0; FT_WRITER_CLOSED; or an FT_E* code (a full disk:
 * FT_ENOSPC) with its cause in ft__writer_errmsg(), after which nothing more
 * is written.
 */
int ft__writer_frame(
	struct ft_writer *w, const uint8_t *data, uint32_t caplen, uint32_t len, uint64_t ts_ns);

/* Flushes and checks the current file (0, or as ft__writer_frame). */
int ft__writer_finish(struct ft_writer *w);
const char *ft__writer_errmsg(const struct ft_writer *w);

/* NULL is a no-op. */
void ft__writer_close(struct ft_writer *w);

#endif
