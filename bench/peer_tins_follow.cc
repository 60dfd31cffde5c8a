// peer_tins_follow.cc - libtins following TCP streams, for scripts/bench.sh:
// Tins::FileSniffer parses every frame into a PDU chain (decode) and
// Tins::TCPIP::StreamFollower tracks the sessions and reassembles each
// direction in order (track + reassembly); the data callbacks count payload
// bytes per direction, and the termination/close callbacks count finished
// streams (the equivalent of flowtap's flow records).
// Prints "<frames> <streams> <closed> <client bytes> <server bytes>".
#include <tins/tcp_ip/stream_follower.h>
#include <tins/tins.h>

#include <cstdint>
#include <cstdio>

using Tins::TCPIP::Stream;
using Tins::TCPIP::StreamFollower;

int
main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: peer_tins_follow FILE.pcap\n");
		return 2;
	}
	uint64_t frames = 0, streams = 0, closed = 0, cbytes = 0, sbytes = 0;
	try {
		StreamFollower follower;
		follower.new_stream_callback([&](Stream &s) {
			streams++;
			// Payloads are cleared after each callback (auto_cleanup_payloads).
			s.client_data_callback(
				[&](Stream &t) { cbytes += t.client_payload().size(); });
			s.server_data_callback(
				[&](Stream &t) { sbytes += t.server_payload().size(); });
			s.stream_closed_callback([&](Stream &) { closed++; });
		});
		follower.stream_termination_callback(
			[&](Stream &, StreamFollower::TerminationReason) { closed++; });
		Tins::FileSniffer sniffer(argv[1]);
		sniffer.sniff_loop([&](Tins::Packet &pkt) {
			frames++;
			follower.process_packet(pkt); // uses the capture timestamp for timeouts
			return true;
		});
	} catch (const std::exception &e) {
		std::fprintf(stderr, "peer_tins_follow: %s\n", e.what());
		return 1;
	}
	std::printf("%llu %llu %llu %llu %llu\n", static_cast<unsigned long long>(frames),
		static_cast<unsigned long long>(streams), static_cast<unsigned long long>(closed),
		static_cast<unsigned long long>(cbytes), static_cast<unsigned long long>(sbytes));
	return 0;
}
