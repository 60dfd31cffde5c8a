/*
 * decode/decode_wifi.c - radiotap and IEEE 802.11 MAC frames.
 *
 * DESIGN
 * - Radiotap (https://www.radiotap.org, "Radiotap header" and "Extended
 *   presence masks"): a little-endian header of it_len bytes whose present
 *   bitmaps may be chained (bit 31). Fields are naturally aligned relative
 *   to the start of the header. Bit 29 returns to the radiotap namespace,
 *   bit 30 enters a vendor namespace whose data (skip_length bytes) is
 *   skipped. The walk stops quietly at the first field whose size is not
 *   known: it_len still says where the 802.11 frame starts, so that is not
 *   an error. At most RT_MAX_WORDS bitmaps are walked.
 * - The FCS flag (0x10) means the 802.11 frame ends with a 4-byte FCS: the
 *   window is clamped before it, using the wire length when the frame was
 *   cut by the snap length. The data-pad flag (0x20) aligns the body to 4.
 * - 802.11 (IEEE Std 802.11-2020 9.2.4 frame control, 9.3 frame formats):
 *   management, control and data frames, QoS and 4-address data frames, HT
 *   control (+HTC, order bit). Management bodies of beacons, probe and
 *   association frames are walked for the SSID, rates and DS channel tags
 *   (9.4.2). Unprotected data goes through LLC/SNAP (RFC 1042) into
 *   IPv4/IPv6/ARP. Protected (encrypted) bodies, A-MSDUs and null frames
 *   are not decoded further: not an error.
 */
#include <stdint.h>
#include <string.h>

#include "flowtap/decode.h"
#include "decode/decode_internal.h"
#include "decode/rd.h"

#define RT_MAX_WORDS 16

/* Alignment and size of radiotap fields 0..28 (0 size: unknown, stop). */
static const uint8_t rt_align[29] = {
	8, 1, 1, 2, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 4, 1, 4, 2, 8, 2, 2, 2, 1, 2, 0};
static const uint8_t rt_size[29] = {
	8, 1, 1, 4, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 8, 3, 8, 12, 12, 12, 12, 6, 1, 4, 0};

static enum ft_dec_status
decode_radiotap(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_radiotap *rt = &s->d->radiotap;
	uint32_t itlen, present, wo, off, bit, nw = 0, ns = 0, skip;
	const uint8_t *h = rd->p;
	const uint8_t *f;

	if (!ft__rd_need(rd, 8))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_RADIOTAP, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 8) */
	if (h[0] != 0)
		return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_RADIOTAP, rd->p);
	itlen = ft__ld_le16(h + 2);
	if (itlen < 8)
		return ft__fail(s, FT_DEC_MALFORMED, FT_L_RADIOTAP, rd->p + 2);
	if (!ft__rd_need(rd, itlen))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_RADIOTAP, rd->p);
	rt->len = (uint16_t)itlen;
	rt->have = 0;
	rt->present = ft__ld_le32(h + 4);
	/* the chain of present words */
	wo = 4;
	do {
		if (wo + 4 > itlen)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_RADIOTAP, h + wo);
		present = ft__ld_le32(h + wo);
		wo += 4;
		nw++;
	} while ((present & 0x80000000u) && nw < RT_MAX_WORDS);
	if (present & 0x80000000u)
		return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_RADIOTAP, h + wo);
	rt->n_present = (uint8_t)nw;
	/*
	 * The fields, in bitmap order; SAFE: every read is checked against itlen.
	 * ns: 0 radiotap namespace, 1 vendor namespace (skipped), 2 bits 32+ of
	 * the radiotap namespace (none defined: stop if any is set).
	 */
	off = wo;
	for (uint32_t w = 0; w < nw; w++) {
		present = ft__ld_le32(h + 4 + 4 * w);
		if (ns == 2 && (present & 0x1fffffffu))
			goto done;
		for (bit = 0; bit < 29 && ns == 0; bit++) {
			if (!(present & (1u << bit)))
				continue;
			if (rt_size[bit] == 0)
				goto done;
			off = (off + rt_align[bit] - 1) & ~(uint32_t)(rt_align[bit] - 1);
			if (off + rt_size[bit] > itlen)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_RADIOTAP, h + off);
			f = h + off;
			switch (bit) {
			case 0:
				rt->tsft = ft__ld_le64(f);
				rt->have |= FT_RT_TSFT;
				break;
			case 1:
				rt->flags = f[0];
				rt->have |= FT_RT_FLAGS;
				break;
			case 2:
				rt->rate = f[0];
				rt->have |= FT_RT_RATE;
				break;
			case 3:
				rt->freq = ft__ld_le16(f);
				rt->chan_flags = ft__ld_le16(f + 2);
				rt->have |= FT_RT_CHANNEL;
				break;
			case 5:
				if (!(rt->have & FT_RT_SIGNAL))
					rt->signal = (int8_t)f[0];
				rt->have |= FT_RT_SIGNAL;
				break;
			case 6:
				rt->noise = (int8_t)f[0];
				rt->have |= FT_RT_NOISE;
				break;
			case 11:
				if (!(rt->have & FT_RT_ANTENNA))
					rt->antenna = f[0];
				rt->have |= FT_RT_ANTENNA;
				break;
			case 19:
				if (f[0] & 0x20) {
					rt->mcs_index = f[2];
					rt->have |= FT_RT_MCS;
				}
				break;
			default:
				break;
			}
			off += rt_size[bit];
		}
		if (present & (1u << 29)) {
			ns = 0; /* back to the radiotap namespace */
		} else if (present & (1u << 30)) {
			/* vendor namespace: OUI(3) sub_ns(1) skip_length(2), 2-aligned */
			off = (off + 1) & ~(uint32_t)1;
			if (off + 6 > itlen)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_RADIOTAP, h + off);
			skip = ft__ld_le16(h + off + 4);
			if (skip > itlen - off - 6)
				return ft__fail(s, FT_DEC_MALFORMED, FT_L_RADIOTAP, h + off);
			off += 6 + skip;
			ns = 1;
		} else if (ns == 0) {
			ns = 2;
		}
	}
done:
	s->d->layers |= FT_LAYER_RADIOTAP;
	ft__rd_skip(rd, itlen);
	return FT_DEC_OK;
}

/*
 * Management frame body (9.3.3): fixed fields by subtype, then elements
 * (9.4.2): SSID (0), supported rates (1), DS parameter set (3), extended
 * supported rates (50).
 */
static enum ft_dec_status
decode_mgmt_body(struct ft__dec *s, struct ft_rd *rd)
{
	struct ft_wifi *wf = &s->d->wifi;
	uint32_t fixed, len, i, n;
	uint8_t id;

	switch (wf->subtype) {
	case 0: /* association request: capability, listen interval */
		fixed = 4;
		break;
	case 1: /* association response: capability, status, AID */
	case 3:
		fixed = 6;
		break;
	case 2: /* reassociation request: + current AP */
		fixed = 10;
		break;
	case 4: /* probe request */
		fixed = 0;
		break;
	case 5: /* probe response, beacon: timestamp, interval, capability */
	case 8:
		fixed = 12;
		break;
	default:
		return FT_DEC_OK;
	}
	if (!ft__rd_need(rd, fixed))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_WIFI, rd->p);
	ft__rd_skip(rd, fixed);
	/* bounded: each element consumes at least 2 bytes */
	while (rd->left > 0) {
		if (!ft__rd_need(rd, 2))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_WIFI, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 2) */
		id = ft__rd_u8(rd, 0);
		len = ft__rd_u8(rd, 1);
		if (!ft__rd_need(rd, 2 + len))
			return ft__fail(s, FT_DEC_TRUNCATED, FT_L_WIFI, rd->p);
		/* SAFE: checked by ft__rd_need(rd, 2 + len) */
		switch (id) {
		case 0:
			if (!wf->has_ssid) {
				n = len > 32 ? 32 : len;
				memcpy(wf->ssid, rd->p + 2, n);
				wf->ssid_len = (uint8_t)n;
				wf->has_ssid = 1;
			}
			break;
		case 1:
		case 50:
			for (i = 0; i < len && wf->n_rates < FT_MAX_WIFI_RATES; i++)
				wf->rates[wf->n_rates++] = ft__rd_u8(rd, 2 + i);
			break;
		case 3:
			if (len >= 1)
				wf->channel = ft__rd_u8(rd, 2);
			break;
		default:
			break;
		}
		ft__rd_skip(rd, 2 + len);
	}
	return FT_DEC_OK;
}

/*
 * LLC/SNAP in a data frame body: AA AA 03 00 00 00 then an ethertype
 * (00 00 f8, 802.1H, too).
 */
static enum ft_dec_status
decode_wifi_data_body(struct ft__dec *s, struct ft_rd *rd)
{
	if (rd->left == 0)
		return FT_DEC_OK;
	return ft__decode_llc(s, rd, NULL);
}

enum ft_dec_status
ft__decode_wifi(struct ft__dec *s, struct ft_rd *rd, int radio)
{
	struct ft_decoded *d = s->d;
	struct ft_wifi *wf = &d->wifi;
	const uint8_t *frame;
	uint32_t hl, frame_wire, fcs = 0, na, i;
	uint8_t fc0, fc1, rtflags = 0;
	uint16_t sc;
	enum ft_dec_status st;

	if (radio) {
		st = decode_radiotap(s, rd);
		if (st != FT_DEC_OK)
			return st;
		if (d->radiotap.have & FT_RT_FLAGS)
			rtflags = d->radiotap.flags;
		if (rtflags & 0x10)
			fcs = 4;
	}
	frame = rd->p;
	if (fcs) {
		/* the FCS is the last 4 bytes on the wire */
		frame_wire = s->wirelen >= s->caplen ? s->wirelen : s->caplen;
		frame_wire -= (uint32_t)(frame - s->pkt);
		if (frame_wire < 4)
			return ft__fail(s, FT_DEC_MALFORMED, FT_L_WIFI, frame);
		ft__rd_clamp(rd, frame_wire - 4);
	}
	if (!ft__rd_need(rd, 10))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_WIFI, rd->p);
	/* SAFE: checked by ft__rd_need(rd, 10) */
	fc0 = ft__rd_u8(rd, 0);
	fc1 = ft__rd_u8(rd, 1);
	if ((fc0 & 3) != 0)
		return ft__fail(s, FT_DEC_UNSUPPORTED, FT_L_WIFI, rd->p);
	wf->type = (fc0 >> 2) & 3;
	wf->subtype = fc0 >> 4;
	wf->flags = fc1;
	wf->duration = ft__ld_le16(rd->p + 2);
	wf->qos = 0;
	wf->has_ssid = 0;
	wf->ssid_len = 0;
	wf->n_rates = 0;
	wf->channel = 0;
	wf->seq = 0;
	wf->frag = 0;

	switch (wf->type) {
	case FT_WIFI_MGMT:
		hl = 24;
		na = 3;
		if (fc1 & 0x80)
			hl += 4; /* HT control */
		break;
	case FT_WIFI_CTRL:
		switch (wf->subtype) {
		case 12: /* CTS */
		case 13: /* ACK */
			hl = 10;
			na = 1;
			break;
		case 8: /* block ack request */
			hl = 20;
			na = 2;
			break;
		case 9: /* block ack */
			hl = 20;
			na = 2;
			break;
		case 7: /* control wrapper: carried frame control + HT control */
			hl = 16;
			na = 1;
			break;
		default: /* RTS, PS-Poll, CF-End, ... */
			hl = 16;
			na = 2;
			break;
		}
		break;
	case FT_WIFI_DATA:
		hl = 24;
		na = 3;
		if ((fc1 & 3) == 3) {
			hl += 6;
			na = 4;
		}
		if (wf->subtype & 8) {
			hl += 2;
			if (fc1 & 0x80)
				hl += 4;
		}
		break;
	default:
		d->layers |= FT_LAYER_WIFI;
		wf->n_addr = 1;
		memcpy(wf->addr[0], rd->p + 4, 6);
		wf->hdr_len = 10;
		return FT_DEC_OK; /* extension frames: not decoded */
	}
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_WIFI, rd->p);
	/* SAFE: checked by ft__rd_need(rd, hl) */
	wf->n_addr = (uint8_t)na;
	for (i = 0; i < na && i < 3; i++)
		memcpy(wf->addr[i], rd->p + 4 + 6 * i, 6);
	if (na == 4)
		memcpy(wf->addr[3], rd->p + 24, 6);
	if (wf->type != FT_WIFI_CTRL) {
		sc = ft__ld_le16(rd->p + 22);
		wf->seq = sc >> 4;
		wf->frag = sc & 15;
	}
	if (wf->type == FT_WIFI_DATA && (wf->subtype & 8)) {
		wf->qos = 1;
		wf->tid = ft__rd_u8(rd, na == 4 ? 30 : 24) & 15;
	}
	if ((rtflags & 0x20) && wf->type == FT_WIFI_DATA)
		hl = (hl + 3) & ~3u; /* radiotap data padding */
	if (!ft__rd_need(rd, hl))
		return ft__fail(s, FT_DEC_TRUNCATED, FT_L_WIFI, rd->p);
	wf->hdr_len = (uint16_t)hl;
	d->layers |= FT_LAYER_WIFI;
	ft__rd_skip(rd, hl);

	switch (wf->type) {
	case FT_WIFI_MGMT:
		if (fc1 & 0x40)
			return FT_DEC_OK; /* protected management frame */
		return decode_mgmt_body(s, rd);
	case FT_WIFI_DATA:
		if ((fc1 & 0x40) || (wf->subtype & 4))
			return FT_DEC_OK; /* encrypted, or no body (null function) */
		if (wf->qos && (ft__ld_le16(frame + (na == 4 ? 30 : 24)) & 0x80))
			return FT_DEC_OK; /* A-MSDU: subframes are not decoded */
		return decode_wifi_data_body(s, rd);
	default:
		return FT_DEC_OK;
	}
}
