/*
 * bench_tracker_impl.h - the C interface of bench_tracker_impl.c, driven by
 * bench_tracker.cc (the tracker's headers are C11-only). The calling thread
 * must have called btr_thread_init() (it becomes a liburcu QSBR reader).
 */
#ifndef FT_BENCH_TRACKER_IMPL_H
#define FT_BENCH_TRACKER_IMPL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct btr_ctx;
void btr_thread_init(void);
void btr_thread_fini(void);
struct btr_ctx *btr_create(uint32_t n_flows, int random_order);
void btr_destroy(struct btr_ctx *c);
uint64_t btr_run(struct btr_ctx *c, uint32_t batches);
double btr_bytes_per_flow(const struct btr_ctx *c);
uint64_t btr_active(const struct btr_ctx *c);
uint64_t btr_events(const struct btr_ctx *c);
void btr_set_pipelined(struct btr_ctx *c, int on);

#ifdef __cplusplus
}
#endif
#endif
