/*
 * output/: turning records into bytes for people and programs: the bounded
 * JSON/text writer (jw.h) and the packet formatters (ft_format_packet_json,
 * ft_format_packet_text*). output/ reads decoded packets (flowtap/decode.h,
 * decode/ for DNS) and core/; nothing in decode/, capture/, ring/ or
 * workers/ includes it.
 *
 * output/format_internal.h - helpers shared by the JSON and text formatters.
 */
#ifndef FT_OUTPUT_FORMAT_INTERNAL_H
#define FT_OUTPUT_FORMAT_INTERNAL_H

#include <stdint.h>

#include "output/jw.h"

/* A rate in 500 kb/s units as a decimal number of Mb/s ("5.5", "54"). */
void ft__fmt_rate(struct ft_jw *w, unsigned rate);

/* "beacon", "probe-req", "data", "qos-data", "ack", ... */
const char *ft__wifi_subtype_name(unsigned type, unsigned subtype);

#endif
