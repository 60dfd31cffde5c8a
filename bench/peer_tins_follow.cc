// peer_tins_follow.cc - libtins following TCP streams, for scripts/bench.sh:
// Tins::FileSniffer parses every frame into a PDU chain (decode) and
// Tins::TCPIP::StreamFollower tracks the sessions and reassembles each
// direction in order (track + reassembly); the data callbacks count payload
// bytes per direction, and the termination/close callbacks count finished
// streams (the equivalent of flowtap's flow records).
// Prints "<frames> <streams> <closed> <client bytes> <server bytes>".
// With --sessions first, also one line per client 4-tuple (streams reusing
// one are summed): "<client> <cport> <server> <sport> <client bytes> <server
// bytes>", for the tests' per-session comparison (tests/tap_compare.py).
#include <tins/tcp_ip/stream_follower.h>
#include <tins/tins.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <utility>

using Tins::TCPIP::Stream;
using Tins::TCPIP::StreamFollower;

int
main(int argc, char **argv)
{
	bool per_session = argc == 3 && std::strcmp(argv[1], "--sessions") == 0;
	if (argc != 2 && !per_session) {
		std::fprintf(stderr, "usage: peer_tins_follow [--sessions] FILE.pcap\n");
		return 2;
	}
	const char *file = argv[argc - 1];
	uint64_t frames = 0, streams = 0, closed = 0, cbytes = 0, sbytes = 0;
	std::map<std::string, std::pair<uint64_t, uint64_t>> sessions;
	try {
		StreamFollower follower;
		follower.new_stream_callback([&](Stream &s) {
			streams++;
			std::string key = (s.is_v6() ? s.client_addr_v6().to_string()
						     : s.client_addr_v4().to_string()) +
					  " " + std::to_string(s.client_port()) + " " +
					  (s.is_v6() ? s.server_addr_v6().to_string()
						     : s.server_addr_v4().to_string()) +
					  " " + std::to_string(s.server_port());
			auto *tot = &sessions[key]; // std::map nodes do not move
			// Payloads are cleared after each callback (auto_cleanup_payloads).
			s.client_data_callback([&, tot](Stream &t) {
				cbytes += t.client_payload().size();
				tot->first += t.client_payload().size();
			});
			s.server_data_callback([&, tot](Stream &t) {
				sbytes += t.server_payload().size();
				tot->second += t.server_payload().size();
			});
			s.stream_closed_callback([&](Stream &) { closed++; });
		});
		follower.stream_termination_callback(
			[&](Stream &, StreamFollower::TerminationReason) { closed++; });
		Tins::FileSniffer sniffer(file);
		sniffer.sniff_loop([&](Tins::Packet &pkt) {
			frames++;
			follower.process_packet(pkt); // uses the capture timestamp for timeouts
			return true;
		});
	} catch (const std::exception &e) {
		std::fprintf(stderr, "peer_tins_follow: %s\n", e.what());
		return 1;
	}
	if (per_session)
		for (const auto &kv : sessions)
			std::printf("%s %llu %llu\n", kv.first.c_str(),
				static_cast<unsigned long long>(kv.second.first),
				static_cast<unsigned long long>(kv.second.second));
	std::printf("%llu %llu %llu %llu %llu\n", static_cast<unsigned long long>(frames),
		static_cast<unsigned long long>(streams), static_cast<unsigned long long>(closed),
		static_cast<unsigned long long>(cbytes), static_cast<unsigned long long>(sbytes));
	return 0;
}
