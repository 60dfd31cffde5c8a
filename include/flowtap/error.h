/*
 * flowtap/error.h - error codes of the control-plane API.
 *
 * Every control-plane function returns 0 on success or a negative FT_E* code.
 * Where an errno value fits, the code is its negation (FT_ENOMEM == -ENOMEM), as
 * libuv does. The data path never returns these: bad packets become counters.
 */
#ifndef FLOWTAP_ERROR_H
#define FLOWTAP_ERROR_H

#include <errno.h>

#include "flowtap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X-macro: name, value, message. ft_strerror() and ft_err_name() come from it. */
#define FT_ERRNO_MAP(XX)                                                        \
	XX(EINVAL, -EINVAL, "invalid argument")                                 \
	XX(ENOMEM, -ENOMEM, "out of memory")                                    \
	XX(ENOENT, -ENOENT, "no such file or device")                           \
	XX(EACCES, -EACCES, "permission denied")                                \
	XX(EPERM, -EPERM, "operation not permitted")                            \
	XX(EBUSY, -EBUSY, "pipeline already started")                           \
	XX(EIO, -EIO, "input/output error")                                     \
	XX(ENOSPC, -ENOSPC, "no space left on device")                          \
	XX(ENOTSUP, -ENOTSUP, "operation not supported for this source")        \
	XX(EPCAP, -1001, "libpcap error")                                       \
	XX(EFILTER, -1002, "invalid filter expression")                         \
	XX(EFORMAT, -1003, "corrupt or unsupported capture file")               \
	XX(ETRUNC, -1004, "capture file cut off mid-record")                    \
	XX(ECONSUMER, -1005, "a consumer callback asked to stop with an error") \
	XX(EIFDOWN, -1006, "the capture interface went down or away")           \
	XX(ETHREAD, -1007, "could not start a thread")

enum ft_error {
#define FT_ERR_ENUM(name, value, msg) FT_##name = (value),
	FT_ERRNO_MAP(FT_ERR_ENUM)
#undef FT_ERR_ENUM
};

/**
 * Human-readable message for an FT_E* code (or any negative errno).
 * @param err a value returned by a flowtap function.
 * @return a static string, never NULL.
 * Ownership: the string is static; do not free.
 * Thread-safety: any thread.
 * Context: never blocks, never allocates.
 */
FT_EXTERN const char *ft_strerror(int err);

/**
 * Symbolic name of an FT_E* code ("FT_EPCAP"); "FT_UNKNOWN" for other values.
 * Ownership: static string. Thread-safety: any thread. Context: never blocks.
 */
FT_EXTERN const char *ft_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
