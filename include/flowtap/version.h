/* flowtap/version.h - library version. */
#ifndef FLOWTAP_VERSION_H
#define FLOWTAP_VERSION_H

#include "flowtap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FT_VERSION_MAJOR  0
#define FT_VERSION_MINOR  1
#define FT_VERSION_PATCH  0
#define FT_VERSION_STRING "0.1.0"

/**
 * flowtap's version and the libpcap it runs on, e.g. "flowtap 0.1.0 (libpcap version 1.10.3 ...)".
 * @return a static string.
 * Ownership: static; do not free. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN const char *ft_version(void);

/**
 * libpcap's own version text (pcap_lib_version()).
 * Ownership: static; do not free. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN const char *ft_pcap_version(void);

#ifdef __cplusplus
}
#endif
#endif
