/*
 * tests/fuzz/fuzz_decode.c - libFuzzer target for the decoder.
 *
 * One input = a 2-byte link-type selector (little endian) + one frame. The
 * selector indexes ft_fuzz_dlts[] (modulo its size), so every mutation lands
 * on a link type the decoder supports and the fuzzer explores all of them
 * (PPP, PPP_SERIAL, PPP_ETHER and C_HDLC reach the encapsulation decoders);
 * two entries (-1 and USER0) are link types the decoder does not know, to
 * cover the "unsupported" path. The frame is decoded with ft_decode(), the DNS layer
 * parsed when present, and the result rendered with both formatters.
 *
 * The frame is copied to a heap buffer of exactly its length, so ASan reports
 * a read one byte past it. scripts/fuzz-smoke.sh builds the seed corpus from
 * tests/data (same selector encoding: keep the table in sync with the
 * --dlts list there) and replays tests/data/fuzz-regress/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flowtap/decode.h"
#include "flowtap/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keep in sync with FUZZ_DLTS in scripts/fuzz-smoke.sh (append only). */
static const int ft_fuzz_dlts[] = {
	0,   /* NULL */
	1,   /* EN10MB */
	12,  /* RAW (Linux) */
	14,  /* RAW (OpenBSD) */
	101, /* LINKTYPE_RAW */
	105, /* IEEE802_11 */
	108, /* LOOP */
	113, /* LINUX_SLL */
	127, /* IEEE802_11_RADIO */
	228, /* IPV4 */
	229, /* IPV6 */
	276, /* LINUX_SLL2 */
	9,   /* PPP */
	104, /* C_HDLC */
	-1,  /* nonsense */
	50,  /* PPP_SERIAL */
	51,  /* PPP_ETHER */
	147, /* USER0: not supported */
	242, /* IPOIB */
	178, /* JUNIPER_ETHER */
	7,   /* ARCNET */
	129, /* ARCNET_LINUX */
	107, /* FRELAY */
};

#define N_DLTS (sizeof(ft_fuzz_dlts) / sizeof(ft_fuzz_dlts[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char json[FT_PACKET_FORMAT_MAX], text[FT_PACKET_FORMAT_MAX];
	struct ft_decoded d;
	struct ft_packet pkt;
	struct ft_dns dns;
	uint8_t *frame = NULL;
	uint32_t caplen;
	unsigned sel;
	int dlt;

	if (size < 2 || size - 2 > 262144)
		return 0;
	sel = (unsigned)data[0] | (unsigned)data[1] << 8;
	dlt = ft_fuzz_dlts[sel % N_DLTS];
	caplen = (uint32_t)(size - 2);
	if (caplen > 0) {
		frame = malloc(caplen);
		if (frame == NULL)
			return 0;
		memcpy(frame, data + 2, caplen);
	}
	/* wirelen: a bit of the selector says "longer on the wire", like a snap length */
	ft_decode(dlt, frame, caplen, (sel & 0x8000) ? caplen + 1000 : caplen, &d);
	if (d.layers & (1u << FT_L_DNS))
		ft_decode_dns(&d, &dns);

	memset(&pkt, 0, sizeof(pkt));
	pkt.n = 1;
	pkt.ts_ns = 1700000000123456789ull;
	pkt.caplen = caplen;
	pkt.len = caplen;
	pkt.dlt = dlt;
	pkt.ts_digits = (sel & 0x4000) ? 9 : 6;
	pkt.data = frame;
	pkt.dec = &d;
	if (ft_format_packet_json(&pkt, json, sizeof(json)) >= sizeof(json) ||
		ft_format_packet_text(&pkt, text, sizeof(text)) >= sizeof(text))
		abort(); /* the contract: FT_PACKET_FORMAT_MAX always suffices */
	/* small buffers must be cut, not overflowed */
	ft_format_packet_json(&pkt, json + sizeof(json) - 17, 17);
	ft_format_packet_text(&pkt, text + sizeof(text) - 9, 9);
	free(frame);
	return 0;
}
