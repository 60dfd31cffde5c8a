// bench_pipeline.cc - the whole pipeline on a ~1M-frame capture:
// ft_pipeline_create/start/wait/destroy with a trivial counting on_packet.
//
//   BM_Pipeline/workers:W/mmap:M/decode:D
//     W = 1..3 worker threads; M = 1 the zero-copy mmap reader, 0 libpcap's
//     reader (+ arena copies); D = decode on/off. One iteration = the file.
//
// The capture: $FT_BENCH_PCAP if set; otherwise ftgen (next to this program's
// build directory: `ftgen --profile flows --sessions 20000 --frames 1000000`);
// if ftgen is missing or fails, a capture built here (also written by
// `bench_pipeline --write-pcap=FILE`) with tests/ft_testpcap.h
// (20000 Ethernet/IPv4|IPv6/TCP|UDP flows, data frames and bare ACKs). It is
// written once to a temp file and read once before the runs, so it is served
// from the page cache: disk I/O is excluded (style guide, section 6).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/dlt.h>

#include "flowtap.h"
#include "tests/ft_testpcap.h"

namespace
{

constexpr unsigned kFrames = 1000000;
constexpr unsigned kSessions = 20000;

std::string g_pcap;      // the capture
bool g_own_pcap = false; // we created it: remove it at exit
uint64_t g_file_frames, g_file_bytes;

off_t
FileSize(const std::string &path)
{
	struct stat sb;
	return stat(path.c_str(), &sb) == 0 ? sb.st_size : -1;
}

bool
TryFtgen(const std::string &out)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	std::string dir(exe);
	dir = dir.substr(0, dir.rfind('/')); // .../bench
	std::string ftgen = dir.substr(0, dir.rfind('/')) + "/ftgen";
	if (access(ftgen.c_str(), X_OK) != 0)
		return false;
	std::string cmd = ftgen + " --profile flows -o '" + out + "' --sessions " +
			  std::to_string(kSessions) + " --frames " + std::to_string(kFrames) +
			  " >/dev/null 2>&1";
	// A usable capture: the command succeeded and wrote more than a header.
	return std::system(cmd.c_str()) == 0 && FileSize(out) > (off_t)kFrames * 40;
}

void
Generate(const std::string &out)
{
	tp_writer w;
	tp_flow fl;
	uint8_t buf[2048];

	if (tp_open(&w, out.c_str(), DLT_EN10MB) != 0) {
		std::perror(out.c_str());
		std::exit(1);
	}
	// Frames of many flows interleave; each flow alternates a data frame
	// (up to 1400 bytes of payload) and a bare ACK the other way.
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < kFrames; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned s = static_cast<unsigned>(x % kSessions);
		tp_flow_n(&fl, s);
		int reply = static_cast<int>((x >> 20) & 1);
		uint32_t payload = reply ? 0 : (fl.proto == 17 ? 200 : 100 + (x >> 32) % 1301);
		uint32_t len =
			tp_build(buf, sizeof(buf), &fl, reply, i, reply ? 0x10 : 0x18, payload);
		tp_frame(&w, buf, len, len);
	}
	tp_close(&w);
}

// The consumer: counts frames and bytes per worker (one cache line each).
struct alignas(64) Count {
	uint64_t frames, bytes;
};

int
OnPacket(const ft_packet *pkt, void *user)
{
	Count *c = static_cast<Count *>(user) + pkt->worker;
	c->frames++;
	c->bytes += pkt->len;
	return 0;
}

void
Setup()
{
	if (!g_pcap.empty())
		return;
	const char *env = std::getenv("FT_BENCH_PCAP");
	if (env != nullptr && FileSize(env) > 24) {
		g_pcap = env;
	} else {
		char tmpl[] = "/tmp/ft_bench_pipeline_XXXXXX";
		int fd = mkstemp(tmpl);
		if (fd < 0) {
			std::perror("mkstemp");
			std::exit(1);
		}
		close(fd);
		g_pcap = tmpl;
		g_own_pcap = true;
		if (!TryFtgen(g_pcap))
			Generate(g_pcap);
	}
	// Count the frames once (and warm the page cache) with a bare pipeline.
	ft_config cfg;
	ft_pipeline *p;
	ft_stats st;
	char err[FT_ERRBUF_SIZE];
	ft_config_init(&cfg);
	cfg.file = g_pcap.c_str();
	cfg.workers = 1;
	cfg.decode = 0;
	if (ft_pipeline_create(&cfg, &p, err) != 0 || ft_pipeline_start(p) != 0 ||
		ft_pipeline_wait(p) != 0) {
		std::fprintf(stderr, "bench_pipeline: %s: %s\n", g_pcap.c_str(), err);
		std::exit(1);
	}
	ft_pipeline_stats(p, &st);
	g_file_frames = st.packets;
	g_file_bytes = st.bytes;
	ft_pipeline_destroy(p);
	std::fprintf(stderr, "bench_pipeline: %s: %llu frames, %llu bytes\n", g_pcap.c_str(),
		(unsigned long long)g_file_frames, (unsigned long long)g_file_bytes);
}

void
BM_Pipeline(benchmark::State &state)
{
	Setup();
	const unsigned workers = static_cast<unsigned>(state.range(0));
	const int use_mmap = static_cast<int>(state.range(1));
	const int decode = static_cast<int>(state.range(2));
	uint64_t frames = 0, bytes = 0;

	for (auto _ : state) {
		ft_config cfg;
		ft_pipeline *p;
		ft_stats st;
		char err[FT_ERRBUF_SIZE];
		Count count[FT_MAX_WORKERS] = {};

		ft_config_init(&cfg);
		cfg.file = g_pcap.c_str();
		cfg.workers = workers;
		cfg.use_mmap = use_mmap;
		cfg.decode = decode;
		cfg.stats_interval = 0;
		cfg.on_packet = OnPacket;
		cfg.user = count;
		int rc = ft_pipeline_create(&cfg, &p, err);
		if (rc == 0)
			rc = ft_pipeline_start(p);
		if (rc == 0)
			rc = ft_pipeline_wait(p);
		if (rc != 0) {
			state.SkipWithError(err[0] ? err : "pipeline failed");
			break;
		}
		ft_pipeline_stats(p, &st);
		ft_pipeline_destroy(p);
		uint64_t seen = 0;
		for (const Count &c : count)
			seen += c.frames;
		if (st.packets != g_file_frames || seen != g_file_frames) {
			state.SkipWithError("lost frames");
			break;
		}
		frames += st.packets;
		bytes += st.bytes;
	}
	state.SetItemsProcessed(static_cast<int64_t>(frames));
	state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Pipeline)
	->ArgNames({"workers", "mmap", "decode"})
	->ArgsProduct({{1, 2, 3}, {1, 0}, {1, 0}})
	->Unit(benchmark::kMillisecond)
	->UseRealTime()
	->MeasureProcessCPUTime();

struct Cleanup {
	~Cleanup()
	{
		if (g_own_pcap)
			unlink(g_pcap.c_str());
	}
} g_cleanup;

} // namespace

// `bench_pipeline --write-pcap=FILE` only writes the fallback capture (for
// scripts/bench.sh when ftgen is not there); anything else runs the benchmarks.
int
main(int argc, char **argv)
{
	const std::string opt = "--write-pcap=";

	if (argc == 2 && std::string(argv[1]).rfind(opt, 0) == 0) {
		Generate(std::string(argv[1]).substr(opt.size()));
		return 0;
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
