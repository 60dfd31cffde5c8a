/*
 * decode/decode_wifi.c - radiotap and IEEE 802.11 (in progress).
 */
#include <stdint.h>

#include "flowtap/decode.h"
#include "decode/decode_internal.h"
#include "decode/rd.h"

enum ft_dec_status
ft__decode_wifi(struct ft__dec *s, struct ft_rd *rd, int radio)
{
	(void)radio;
	return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_WIFI, rd->p);
}
