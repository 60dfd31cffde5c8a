/*
 * core/: small helpers shared by every layer of the library (counters, time,
 * hashing, TSan annotations, SHA-1). core/ depends on libc only and includes
 * nothing from any other folder; every other folder may include it.
 *
 * counter.h - the one single-writer counter rule (private).
 *
 * Every counter has exactly one writer thread, which bumps it with a relaxed
 * load and store (no read-modify-write, no lock); other threads read it
 * relaxed and may see a slightly old value, never a torn one. Counters that
 * different threads write sit on different cache lines (the owner's job).
 *
 *   FT_CTR_ADD / FT_CTR_GET / FT_CTR_SET: for _Atomic fields.
 *   FT_PUB_ADD / FT_PUB_GET / FT_PUB_SET: the same rule for plain fields of
 *   structs other threads read (public structs cannot carry _Atomic).
 *
 * Any thread may read; only the owning thread may write. Never blocks.
 */
#ifndef FT_CORE_COUNTER_H
#define FT_CORE_COUNTER_H

#include <stdatomic.h>

#define FT_CTR_GET(ctr)    atomic_load_explicit(&(ctr), memory_order_relaxed)
#define FT_CTR_SET(ctr, v) atomic_store_explicit(&(ctr), (v), memory_order_relaxed)
#define FT_CTR_ADD(ctr, n) FT_CTR_SET(ctr, FT_CTR_GET(ctr) + (n))

#define FT_PUB_GET(field)    __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define FT_PUB_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define FT_PUB_ADD(field, n) FT_PUB_SET(field, (field) + (n))

#endif
