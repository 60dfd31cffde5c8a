/*
 * decode/format_internal.h - helpers shared by the JSON and text formatters.
 */
#ifndef FT_DECODE_FORMAT_INTERNAL_H
#define FT_DECODE_FORMAT_INTERNAL_H

#include <stdint.h>

#include "decode/jw.h"

/* A rate in 500 kb/s units as a decimal number of Mb/s ("5.5", "54"). */
void ft__fmt_rate(struct ft_jw *w, unsigned rate);

/* "beacon", "probe-req", "data", "qos-data", "ack", ... */
const char *ft__wifi_subtype_name(unsigned type, unsigned subtype);

#endif
