/*
 * bench_ring_impl.h - the C interface of bench_ring_impl.c, driven by
 * bench_ring.cc (ring/ring.h is C11-only). Single-threaded except that one
 * thread may run bri_produce() while another runs bri_consume().
 */
#ifndef FT_BENCH_RING_IMPL_H
#define FT_BENCH_RING_IMPL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bri_ctx;
struct bri_ctx *bri_create(unsigned slots, uint64_t arena_bytes);
void bri_destroy(struct bri_ctx *c);
uint64_t bri_st_roundtrip(struct bri_ctx *c, unsigned batch, unsigned total);
void bri_cycles(struct bri_ctx *c, unsigned n, uint64_t *enq_cycles, uint64_t *deq_cycles);
uint64_t bri_rdtsc(void);
void bri_produce(struct bri_ctx *c, unsigned count, uint32_t len);
void bri_consume(struct bri_ctx *c, unsigned count, unsigned batch);
uint64_t bri_checksum(const struct bri_ctx *c);

#ifdef __cplusplus
}
#endif
#endif
