// bench_ring.cc - the capture -> worker hand-off: ck SPSC descriptor ring + arena.
//
//   BM_RingRoundTrip/B   one thread: B x (reserve, fill, commit), then one
//                        dequeue burst of B; 256 frames per iteration.
//   BM_RingPair/LEN      two threads (UseRealTime): a producer doing what the
//                        capture thread does (arena copy of LEN bytes; 0 = the
//                        mmap reader's zero-copy descriptor) and a consumer
//                        doing a worker's dequeue/touch/release, bursts of 32.
//   BM_RingCycles        TSC ticks per single enqueue and per single dequeue
//                        (ck latency.c / DPDK test_ring_perf.c style).
//
// ring/ring.h is C11-only, so the loops are in bench_ring_impl.c.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "bench/bench_ring_impl.h"

namespace
{

constexpr unsigned kSlots = 16384;       // the pipeline's default ring
constexpr uint64_t kArena = 32ull << 20; // and arena
constexpr unsigned kPerIter = 256;       // frames per benchmark iteration

// Seconds per item (printed with an SI prefix, e.g. "3.2ns"): an inverted rate.
benchmark::Counter
NsPer(double items)
{
	return benchmark::Counter(items, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void
BM_RingRoundTrip(benchmark::State &state)
{
	const unsigned batch = static_cast<unsigned>(state.range(0));
	bri_ctx *c = bri_create(kSlots, 0);

	for (auto _ : state)
		benchmark::DoNotOptimize(bri_st_roundtrip(c, batch, kPerIter));
	state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kPerIter);
	state.counters["per_frame"] = NsPer(static_cast<double>(state.iterations()) * kPerIter);
	bri_destroy(c);
}
BENCHMARK(BM_RingRoundTrip)->Arg(1)->Arg(8)->Arg(32)->Arg(64)->Arg(128)->Arg(256);

// Thread 0 produces, thread 1 consumes; both run the same number of
// iterations, kPerIter frames each, so every frame produced is consumed.
bri_ctx *g_pair;

void
BM_RingPair(benchmark::State &state)
{
	const uint32_t len = static_cast<uint32_t>(state.range(0));

	if (state.thread_index() == 0)
		g_pair = bri_create(kSlots, len ? kArena : 0);
	// 1.7.1 starts the timed loop behind a barrier, so g_pair is set for both.
	for (auto _ : state) {
		if (state.thread_index() == 0)
			bri_produce(g_pair, kPerIter, len);
		else
			bri_consume(g_pair, kPerIter, 32);
	}
	if (state.thread_index() == 1) {
		const double items = static_cast<double>(state.iterations()) * kPerIter;

		state.SetItemsProcessed(static_cast<int64_t>(items));
		if (len != 0)
			state.SetBytesProcessed(static_cast<int64_t>(items * len));
		state.counters["per_frame"] = NsPer(items);
	}
	// The loop's end is a barrier too: both threads are done with g_pair.
	if (state.thread_index() == 0) {
		benchmark::DoNotOptimize(bri_checksum(g_pair));
		bri_destroy(g_pair);
		g_pair = nullptr;
	}
}
BENCHMARK(BM_RingPair)->Arg(0)->Arg(64)->Arg(1500)->Threads(2)->UseRealTime();

void
BM_RingCycles(benchmark::State &state)
{
	constexpr unsigned n = 1024;
	bri_ctx *c = bri_create(kSlots, 0);
	uint64_t enq = 0, deq = 0, ops = 0;

	for (auto _ : state) {
		uint64_t e, d;

		bri_cycles(c, n, &e, &d);
		enq += e;
		deq += d;
		ops += n;
	}
	state.SetItemsProcessed(static_cast<int64_t>(ops) * 2);
	state.counters["enq_tsc_per_op"] = static_cast<double>(enq) / static_cast<double>(ops);
	state.counters["deq_tsc_per_op"] = static_cast<double>(deq) / static_cast<double>(ops);
	state.counters["per_op"] = NsPer(static_cast<double>(ops) * 2);
	benchmark::DoNotOptimize(bri_checksum(c));
	bri_destroy(c);
}
BENCHMARK(BM_RingCycles);

} // namespace

BENCHMARK_MAIN();
