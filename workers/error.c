/*
 * workers/: the pipeline (include/flowtap/pipeline.h): it owns the source and
 * the -w writer (capture/), the per-worker rings (ring/), the worker threads
 * and their trackers (tracker/), sharding and stats; the only place that
 * starts and stops things. The top of the library.
 *
 * error.c - FT_E* messages and names (from FT_ERRNO_MAP), and version strings.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "flowtap/error.h"
#include "flowtap/version.h"

const char *
ft_strerror(int err)
{
	switch (err) {
#define FT_ERR_MSG(name, value, msg) \
	case (value):                \
		return (msg);
		FT_ERRNO_MAP(FT_ERR_MSG)
#undef FT_ERR_MSG
	case 0:
		return "success";
	default:
		return err < 0 && err > -4096 ? strerror(-err) : "unknown error";
	}
}

const char *
ft_err_name(int err)
{
	switch (err) {
#define FT_ERR_NAME(name, value, msg) \
	case (value):                 \
		return "FT_" #name;
		FT_ERRNO_MAP(FT_ERR_NAME)
#undef FT_ERR_NAME
	default:
		return "FT_UNKNOWN";
	}
}

const char *
ft_pcap_version(void)
{
	return pcap_lib_version();
}

static char version_buf[256];

static void
version_init(void)
{
	snprintf(version_buf, sizeof(version_buf), "flowtap %s (%s)", FT_VERSION_STRING,
		pcap_lib_version());
}

const char *
ft_version(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, version_init);
	return version_buf;
}
