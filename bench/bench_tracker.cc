// bench_tracker.cc - the TCP tracker's own cost per packet (tracker/tracker.h),
// with 1k, 100k and 1M sessions open, on pre-decoded packets (no capture, no
// ring, no decode: ft__tracker_packet() alone, plus a counting flow callback).
//
//   BM_TrackerData/N        data segments round-robin over N open sessions
//   BM_TrackerDataRandom/N  the same in a pseudo-random order (cold sessions
//                           and cold LRU neighbours on every packet)
//
// Counters: per_packet (time per packet), bytes_per_flow (resident memory the
// N sessions took: RSS delta over the handshakes / N, from /proc/self/statm;
// the hash table's bucket index included), active (sessions open).
// The session table of one N is built once (3 x N handshake packets) and kept
// for the repetitions Google Benchmark makes; the C side is bench_tracker_impl.c.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "bench/bench_tracker_impl.h"

namespace
{

constexpr uint32_t kBatch = 32;   // packets between quiescent states (bench_tracker_impl.c)
constexpr uint32_t kBatches = 32; // batches per benchmark iteration: 1024 packets

// One table at a time, kept while the same (N, order) is asked for again.
btr_ctx *g_ctx;
uint32_t g_n;
int g_random = -1;

btr_ctx *
Ctx(uint32_t n, int random_order)
{
	if (g_ctx != nullptr && g_n == n && g_random == random_order)
		return g_ctx;
	btr_destroy(g_ctx);
	g_ctx = btr_create(n, random_order);
	g_n = n;
	g_random = random_order;
	return g_ctx;
}

// pipelined: the batch is processed as a worker does, with the next
// packets' index slots and sessions prefetched (ft__tracker_hash/_prefetch).
void
Run(benchmark::State &state, int random_order, int pipelined)
{
	const uint32_t n = static_cast<uint32_t>(state.range(0));
	static bool registered;

	if (!registered) { // the benchmark thread is a QSBR reader, like a worker
		btr_thread_init();
		registered = true;
	}
	btr_ctx *c = Ctx(n, random_order);
	if (c == nullptr) {
		state.SkipWithError("cannot create the tracker");
		return;
	}
	btr_set_pipelined(c, pipelined);
	for (auto _ : state)
		benchmark::DoNotOptimize(btr_run(c, kBatches));
	const double pkts = static_cast<double>(state.iterations()) * kBatch * kBatches;
	state.SetItemsProcessed(static_cast<int64_t>(pkts));
	state.counters["per_packet"] =
		benchmark::Counter(pkts, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["bytes_per_flow"] = btr_bytes_per_flow(c);
	state.counters["active"] = static_cast<double>(btr_active(c));
}

void
BM_TrackerData(benchmark::State &state)
{
	Run(state, 0, 0);
}
void
BM_TrackerDataRandom(benchmark::State &state)
{
	Run(state, 1, 0);
}
void
BM_TrackerDataPrefetch(benchmark::State &state)
{
	Run(state, 0, 1);
}
void
BM_TrackerDataRandomPrefetch(benchmark::State &state)
{
	Run(state, 1, 1);
}

BENCHMARK(BM_TrackerData)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_TrackerDataPrefetch)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_TrackerDataRandom)->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_TrackerDataRandomPrefetch)->Arg(1000)->Arg(100000)->Arg(1000000);

} // namespace

BENCHMARK_MAIN();
