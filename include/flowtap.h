/*
 * flowtap.h - umbrella header: include this one.
 *
 * Rules that hold for the whole API:
 * - Control-plane functions return 0 or a negative FT_E* code (flowtap/error.h).
 * - Everything a callback is handed is borrowed: valid only during the call.
 * - Nothing is allocated per packet: pools, rings and tables are sized at
 *   ft_pipeline_create().
 */
#ifndef FLOWTAP_H
#define FLOWTAP_H

#include "flowtap/export.h"
#include "flowtap/version.h"
#include "flowtap/error.h"
#include "flowtap/decode.h"
#include "flowtap/packet.h"
#include "flowtap/stats.h"
#include "flowtap/pipeline.h"
#include "flowtap/metrics.h"
#include "flowtap/exporter.h"

#endif
