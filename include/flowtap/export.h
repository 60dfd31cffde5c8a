/* flowtap/export.h - symbol visibility: the library is built with hidden visibility. */
#ifndef FLOWTAP_EXPORT_H
#define FLOWTAP_EXPORT_H
#if defined(__GNUC__)
#define FT_EXTERN __attribute__((visibility("default")))
#else
#define FT_EXTERN
#endif
#endif
