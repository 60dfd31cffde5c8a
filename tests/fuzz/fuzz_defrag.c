/*
 * tests/fuzz/fuzz_defrag.c - libFuzzer target for IP reassembly (defrag/).
 *
 * One input = a sequence of IP packets, each as a record:
 *   2 bytes length (little endian) | 1 byte time step (its low bit: the
 *   link scope, one of two VLANs) | that many bytes
 * (a short last record takes what is left). Every packet is copied to a heap
 * buffer of exactly its length (ASan sees a read one past it) and handed to
 * one small context (16 datagrams, 8 fragments each, 16 KiB held, 30 s): the
 * time step advances packet time by step * 0.25 s, so timeouts happen too.
 * A completed datagram is checked (its IP version and length field agree with
 * the fragments') and decoded; at the end every datagram is given up and the
 * context must hold none. scripts/fuzz-smoke.sh seeds it with fragment
 * sequences from tests/tools/fragpcap.py and tcpdump's afs.pcap.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defrag/defrag.h"
#include "flowtap/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ft_defrag_limits lim = {16, 8, 16384, 30ull * 1000000000u};
	struct ft_defrag_counters c;
	struct ft_defrag *d;
	struct ft_decoded dec;
	char err[256];
	uint64_t ts = 0;
	size_t off = 0;

	d = ft__defrag_new(&lim, err, sizeof(err));
	if (d == NULL)
		abort();
	while (off + 3 <= size) {
		uint32_t n = (uint32_t)data[off] | (uint32_t)data[off + 1] << 8, olen = 0;
		uint32_t scope = data[off + 2] & 1u; /* two link scopes (VLANs) */
		uint8_t *pkt, *out = NULL;

		ts += (uint64_t)data[off + 2] * 250000000u;
		off += 3;
		if (n > size - off)
			n = (uint32_t)(size - off);
		pkt = malloc(n ? n : 1);
		if (pkt == NULL)
			abort();
		memcpy(pkt, data + off, n);
		off += n;
		if (ft__defrag_ip(d, pkt, n, scope, ts, &out, &olen) == FT_DEFRAG_DONE) {
			if (olen < 20 || olen > 65535 + FT_DEFRAG_HDR_MAX ||
				(out[0] >> 4) != (pkt[0] >> 4))
				abort();
			if ((out[0] >> 4) == 4 && (uint32_t)(out[2] << 8 | out[3]) != olen)
				abort();
			if ((out[0] >> 4) == 6 && (uint32_t)(out[4] << 8 | out[5]) + 40 != olen)
				abort();
			/* The headroom is the caller's to write. */
			memset(out - FT_DEFRAG_HEADROOM, 0, FT_DEFRAG_HEADROOM);
			ft_decode(FT_DLT_RAW, out, olen, olen, &dec);
		}
		free(pkt);
	}
	ft__defrag_expire(d, UINT64_MAX);
	ft__defrag_counters(d, &c);
	if (ft__defrag_active(d) != 0 || c.reassembled > c.seen)
		abort();
	ft__defrag_free(d);
	return 0;
}
