/*
 * core/tsan.h - ThreadSanitizer annotations (private).
 *
 * FT_TSAN_RELEASE(addr) / FT_TSAN_ACQUIRE(addr) tell TSan about a
 * happens-before edge it cannot see (a hand-off through memory it does not
 * instrument, e.g. RCU or a ring index read by the other side). They compile
 * to nothing outside TSan builds. Any thread.
 */
#ifndef FT_CORE_TSAN_H
#define FT_CORE_TSAN_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(FT_TSAN)
#define FT_TSAN 1
#endif
#ifdef FT_TSAN
#include <sanitizer/tsan_interface.h>
#define FT_TSAN_RELEASE(addr) __tsan_release(addr)
#define FT_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define FT_TSAN_RELEASE(addr) ((void)(addr))
#define FT_TSAN_ACQUIRE(addr) ((void)(addr))
#endif

#endif
