/*
 * core/time.h - timespec to nanoseconds, a clock read in nanoseconds, and
 * a configured time in seconds to nanoseconds (private). Any thread; never
 * blocks (one clock_gettime per ft__now_ns).
 */
#ifndef FT_CORE_TIME_H
#define FT_CORE_TIME_H

#include <stdint.h>
#include <time.h>

#define FT_NS_PER_SEC UINT64_C(1000000000)

static inline uint64_t
ft__ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * FT_NS_PER_SEC + (uint64_t)ts->tv_nsec;
}

static inline uint64_t
ft__now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ft__ts_ns(&ts);
}

/* A duration the user configured in seconds (timeouts, intervals): 0 if negative. */
static inline uint64_t
ft__secs_ns(double s)
{
	return s > 0 ? (uint64_t)(s * (double)FT_NS_PER_SEC) : 0;
}

#endif
