/*
 * decode/decode_dns.c - DNS messages (in progress).
 */
#include <stdint.h>

#include "flowtap/decode.h"

FT_EXTERN enum ft_dec_status
ft_decode_dns(const struct ft_decoded *d, struct ft_dns *out)
{
	(void)d;
	out->n_qd = 0;
	out->n_an = 0;
	out->status = FT_DEC_UNSUPPORTED;
	return FT_DEC_UNSUPPORTED;
}
