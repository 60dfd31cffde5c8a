// peer_tins.cc - libtins reading a capture, for scripts/bench.sh: counts the
// frames with Tins::FileSniffer (every frame is parsed into a PDU chain, which
// is libtins' equivalent of flowtap's decode). Prints "<frames> <bytes>".
#include <tins/tins.h>

#include <cstdint>
#include <cstdio>

int
main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: peer_tins FILE.pcap\n");
		return 2;
	}
	uint64_t frames = 0, bytes = 0;
	try {
		Tins::FileSniffer sniffer(argv[1]);
		sniffer.sniff_loop([&](Tins::PDU &pdu) {
			frames++;
			bytes += pdu.size();
			return true;
		});
	} catch (const std::exception &e) {
		std::fprintf(stderr, "peer_tins: %s\n", e.what());
		return 1;
	}
	std::printf("%llu %llu\n", static_cast<unsigned long long>(frames),
		static_cast<unsigned long long>(bytes));
	return 0;
}
