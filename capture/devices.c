/*
 * devices.c - capture device listing (pcap_findalldevs), without node_pcap's
 * defects: no holes in the address list, every flag reported, and an empty
 * list is an answer, not an error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "flowtap/error.h"
#include "flowtap/pipeline.h"

static void
addr_text(const struct sockaddr *sa, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
			(socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			buf, (socklen_t)cap);
}

int
ft_devices(struct ft_device *out, unsigned max, unsigned *n, char *errbuf)
{
	char pcap_err[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d;
	unsigned i = 0;

	*n = 0;
	if (pcap_findalldevs(&all, pcap_err) != 0) {
		if (errbuf != NULL)
			snprintf(errbuf, FT_ERRBUF_SIZE, "pcap_findalldevs: %s", pcap_err);
		return FT_EPCAP;
	}
	for (d = all; d != NULL; d = d->next, i++) {
		struct ft_device *o;

		if (i >= max)
			continue;
		o = &out[i];
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", d->name);
		snprintf(o->description, sizeof(o->description), "%s",
			d->description ? d->description : "");
		o->flags = d->flags;
		for (pcap_addr_t *a = d->addresses; a != NULL; a = a->next) {
			struct ft_addr *fa;

			if (a->addr == NULL ||
				(a->addr->sa_family != AF_INET && a->addr->sa_family != AF_INET6))
				continue;
			if (o->n_addrs >= sizeof(o->addrs) / sizeof(o->addrs[0]))
				break;
			fa = &o->addrs[o->n_addrs++];
			addr_text(a->addr, fa->addr, sizeof(fa->addr));
			addr_text(a->netmask, fa->netmask, sizeof(fa->netmask));
			addr_text(a->broadaddr, fa->broadaddr, sizeof(fa->broadaddr));
			addr_text(a->dstaddr, fa->dstaddr, sizeof(fa->dstaddr));
		}
	}
	*n = i;
	pcap_freealldevs(all);
	return 0;
}

const char *
ft_device_flags(unsigned flags, char *buf, size_t cap)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{PCAP_IF_LOOPBACK, "LOOPBACK"},
		{PCAP_IF_UP, "UP"},
		{PCAP_IF_RUNNING, "RUNNING"},
		{PCAP_IF_WIRELESS, "WIRELESS"},
	};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flags & names[i].bit) == 0)
			continue;
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
			len ? "," : "", names[i].name);
		if (len >= cap)
			break;
	}
	switch (flags & PCAP_IF_CONNECTION_STATUS) {
	case PCAP_IF_CONNECTION_STATUS_CONNECTED:
		if (len < cap)
			snprintf(buf + len, cap - len, "%sCONNECTED", len ? "," : "");
		break;
	case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
		if (len < cap)
			snprintf(buf + len, cap - len, "%sDISCONNECTED", len ? "," : "");
		break;
	default:
		break;
	}
	return buf;
}
