// bench/bench_decode.cc - ft_decode() and the packet formatters, per layer
// stack, with an allocation counter that must stay 0 (the per-packet path
// allocates nothing: design.md).
//
// The counter interposes malloc/calloc/realloc (glibc's __libc_* entry
// points); operator new goes through malloc in libstdc++, so it is counted
// too. Only allocations made inside the timed loops are reported.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include <flowtap.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FT_BENCH_NO_MALLOC_HOOK 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FT_BENCH_NO_MALLOC_HOOK 1
#endif

static std::atomic<uint64_t> g_allocs{0};

#ifndef FT_BENCH_NO_MALLOC_HOOK
// Sanitizer builds own malloc: the counter then reads 0 without counting.
extern "C" {
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
}

extern "C" void *
malloc(size_t n)
{
	g_allocs.fetch_add(1, std::memory_order_relaxed);
	return __libc_malloc(n);
}

extern "C" void *
calloc(size_t n, size_t m)
{
	g_allocs.fetch_add(1, std::memory_order_relaxed);
	return __libc_calloc(n, m);
}

extern "C" void *
realloc(void *p, size_t n)
{
	g_allocs.fetch_add(1, std::memory_order_relaxed);
	return __libc_realloc(p, n);
}
#endif

namespace
{

void
put16(std::vector<uint8_t> &f, unsigned v)
{
	f.push_back(static_cast<uint8_t>(v >> 8));
	f.push_back(static_cast<uint8_t>(v));
}

void
put32(std::vector<uint8_t> &f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

void
eth(std::vector<uint8_t> &f, unsigned type)
{
	static const uint8_t macs[12] = {
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
	f.insert(f.end(), macs, macs + 12);
	put16(f, type);
}

void
ip4(std::vector<uint8_t> &f, unsigned proto, unsigned l4len)
{
	static const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
	f.push_back(0x45);
	f.push_back(0);
	put16(f, 20 + l4len);
	put16(f, 0x1234);
	put16(f, 0x4000);
	f.push_back(64);
	f.push_back(static_cast<uint8_t>(proto));
	put16(f, 0);
	f.insert(f.end(), addrs, addrs + 8);
}

// Ethernet / IPv4 / TCP with NOP NOP TS options and 100 bytes of payload.
std::vector<uint8_t>
frame_tcp()
{
	std::vector<uint8_t> f;
	eth(f, 0x0800);
	ip4(f, 6, 32 + 100);
	put16(f, 443);
	put16(f, 51000);
	put32(f, 1000);
	put32(f, 2000);
	f.push_back(8 << 4);
	f.push_back(0x18);
	put16(f, 501);
	put16(f, 0);
	put16(f, 0);
	f.push_back(1);
	f.push_back(1);
	f.push_back(8);
	f.push_back(10);
	put32(f, 123456);
	put32(f, 654321);
	f.insert(f.end(), 100, 'x');
	return f;
}

// Ethernet / 802.1Q / IPv6 / UDP / DNS response (one A answer).
std::vector<uint8_t>
frame_dns()
{
	static const uint8_t q[] = {
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
	static const uint8_t a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 93, 184, 216, 34};
	std::vector<uint8_t> dns, f;
	put16(dns, 0xbeef);
	put16(dns, 0x8180);
	put16(dns, 1);
	put16(dns, 1);
	put16(dns, 0);
	put16(dns, 0);
	dns.insert(dns.end(), q, q + sizeof q);
	dns.insert(dns.end(), a, a + sizeof a);
	eth(f, 0x8100);
	put16(f, 10);
	put16(f, 0x86dd);
	f.push_back(0x60);
	f.push_back(0);
	put16(f, 0);
	put16(f, static_cast<unsigned>(8 + dns.size()));
	f.push_back(17);
	f.push_back(64);
	for (int i = 0; i < 2; i++) {
		static const uint8_t a6[16] = {
			0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		f.insert(f.end(), a6, a6 + 16);
	}
	put16(f, 53);
	put16(f, 40000);
	put16(f, static_cast<unsigned>(8 + dns.size()));
	put16(f, 0);
	f.insert(f.end(), dns.begin(), dns.end());
	return f;
}

// Radiotap (flags, rate, channel, signal) / 802.11 QoS data / LLC+SNAP / IPv4 / UDP.
std::vector<uint8_t>
frame_wifi()
{
	std::vector<uint8_t> f = {0, 0, 16, 0, 0x2e, 0, 0, 0,    // version, len 16, present
		0x00, 0x02, 0x6c, 0x09, 0xa0, 0x00, 0xd3, 0x00}; // flags, rate, chan, signal, pad
	static const uint8_t hdr[] = {0x88, 0x01, 0x30, 0x00,    // QoS data, ToDS
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11,
		0x22, 0x33, 0x44, 0x66, 0x10, 0x00, 0x00, 0x00, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08,
		0x00};
	f.insert(f.end(), hdr, hdr + sizeof hdr);
	ip4(f, 17, 8 + 32);
	put16(f, 5353);
	put16(f, 9999);
	put16(f, 8 + 32);
	put16(f, 0);
	f.insert(f.end(), 32, 'y');
	return f;
}

void
run_decode(benchmark::State &state, int dlt, const std::vector<uint8_t> &f, uint32_t want)
{
	struct ft_decoded d;
	const uint32_t n = static_cast<uint32_t>(f.size());

	if (ft_decode(dlt, f.data(), n, n, &d) != FT_DEC_OK || (d.layers & want) != want) {
		state.SkipWithError("frame does not decode as expected");
		return;
	}
	uint64_t a0 = g_allocs.load();
	for (auto _ : state) {
		ft_decode(dlt, f.data(), n, n, &d);
		benchmark::DoNotOptimize(d.layers);
		benchmark::ClobberMemory();
	}
	state.counters["allocs"] = static_cast<double>(g_allocs.load() - a0);
	state.SetItemsProcessed(state.iterations());
	state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n));
}

void
BM_decode_eth_ip4_tcp_opts(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_tcp();
	run_decode(state, FT_DLT_EN10MB, f, FT_LAYER_ETH | FT_LAYER_IP4 | FT_LAYER_TCP);
}
BENCHMARK(BM_decode_eth_ip4_tcp_opts);

void
BM_decode_eth_vlan_ip6_udp_dns(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_dns();
	run_decode(state, FT_DLT_EN10MB, f,
		FT_LAYER_ETH | FT_LAYER_VLAN | FT_LAYER_IP6 | FT_LAYER_UDP | FT_LAYER_DNS);
}
BENCHMARK(BM_decode_eth_vlan_ip6_udp_dns);

// ft_decode() plus the on-demand DNS parse (names copied out).
void
BM_decode_dns_message(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_dns();
	static struct ft_dns dns;
	struct ft_decoded d;
	const uint32_t n = static_cast<uint32_t>(f.size());

	ft_decode(FT_DLT_EN10MB, f.data(), n, n, &d);
	if (ft_decode_dns(&d, &dns) != FT_DEC_OK || dns.n_an != 1) {
		state.SkipWithError("DNS does not decode");
		return;
	}
	uint64_t a0 = g_allocs.load();
	for (auto _ : state) {
		ft_decode(FT_DLT_EN10MB, f.data(), n, n, &d);
		ft_decode_dns(&d, &dns);
		benchmark::DoNotOptimize(dns.n_an);
		benchmark::ClobberMemory();
	}
	state.counters["allocs"] = static_cast<double>(g_allocs.load() - a0);
	state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_decode_dns_message);

void
BM_decode_radiotap_80211_llc_ip4(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_wifi();
	run_decode(state, FT_DLT_IEEE802_11_RADIO, f,
		FT_LAYER_RADIOTAP | FT_LAYER_WIFI | FT_LAYER_LLC | FT_LAYER_IP4 | FT_LAYER_UDP);
}
BENCHMARK(BM_decode_radiotap_80211_llc_ip4);

void
run_format(benchmark::State &state, bool json, const std::vector<uint8_t> &f, int dlt)
{
	static char buf[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	struct ft_packet p;
	const uint32_t n = static_cast<uint32_t>(f.size());
	size_t len = 0;

	ft_decode(dlt, f.data(), n, n, &d);
	std::memset(&p, 0, sizeof p);
	p.n = 1;
	p.ts_ns = 1700000000123456789ull;
	p.caplen = n;
	p.len = n;
	p.dlt = dlt;
	p.ts_digits = 6;
	p.data = f.data();
	p.dec = &d;
	// ft_dlt_name() may build its table on first use: keep it out of the loop
	(json ? ft_format_packet_json : ft_format_packet_text)(&p, buf, sizeof buf);
	uint64_t a0 = g_allocs.load();
	for (auto _ : state) {
		len = json ? ft_format_packet_json(&p, buf, sizeof buf)
			   : ft_format_packet_text(&p, buf, sizeof buf);
		benchmark::DoNotOptimize(len);
		benchmark::ClobberMemory();
	}
	state.counters["allocs"] = static_cast<double>(g_allocs.load() - a0);
	state.SetItemsProcessed(state.iterations());
	state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(len));
}

void
BM_format_json_tcp(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_tcp();
	run_format(state, true, f, FT_DLT_EN10MB);
}
BENCHMARK(BM_format_json_tcp);

void
BM_format_json_dns(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_dns();
	run_format(state, true, f, FT_DLT_EN10MB);
}
BENCHMARK(BM_format_json_dns);

void
BM_format_text_tcp(benchmark::State &state)
{
	static const std::vector<uint8_t> f = frame_tcp();
	run_format(state, false, f, FT_DLT_EN10MB);
}
BENCHMARK(BM_format_text_tcp);

} // namespace

BENCHMARK_MAIN();
