/*
 * redis.c - flow records into Redis, the way Suricata's eve output does: each
 * entry is the JSON `flow` record the CLI prints (ft_format_flow_json(), the
 * one formatter), as XADD key * json <record>, RPUSH key <record>, or PUBLISH
 * key <record>.
 *
 * hiredis, pipelined, on the exporter's thread only, with a window: records
 * are appended to hiredis' output buffer and sent; replies are read as they
 * arrive (every poll takes what the socket holds without waiting), and the
 * thread waits for replies only when WINDOW records are outstanding, then
 * until half of them are answered. So the server works on one part of the
 * window while this thread formats the next (a stop-and-wait per batch left
 * both idle in turn). A reply counts its record delivered; an error reply, or
 * a connection lost before the reply, counts it dropped. While disconnected,
 * records are dropped and counted; the exporter reconnects with backoff (0.1 s
 * doubling to 5 s), then AUTH (when a password is set) and SELECT (db > 0).
 * Reads time out after 2 s, so a hung server costs this thread, never a worker.
 *
 * Interim records (active timeout > 0): the same record with "interim":true;
 * its counters are the flow's totals so far.
 *
 * Packet records (cfg.packets): the CLI's JSON `packet` record, formatted on
 * the worker and queued to this thread (exporter.c), sent and counted like a
 * flow record, into the same key.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "export/exporter_internal.h"
#include "flowtap/error.h"

#define WINDOW 1024u /* records sent whose replies are not read yet, at most */

struct redis {
	struct ft_redis_config cfg;
	redisContext *c;
	unsigned pending;      /* commands appended, replies not yet read */
	uint64_t retry_ns;     /* next connect attempt (monotonic) */
	uint64_t backoff_ns;   /* current reconnect delay */
	uint64_t last_poll_ns; /* monotonic time of the last poll */
	int warned;            /* the last failure was reported */
	char buf[FT_FLOW_FORMAT_MAX + 32];
	char sbuf[FT_STATS_FORMAT_MAX]; /* a stats record */
};

static void
drop_conn(struct ft_exporter *e, struct redis *r, const char *why)
{
	if (!r->warned)
		fprintf(stderr, "flowtap: redis %s:%d: %s; reconnecting\n", r->cfg.host,
			r->cfg.port, why);
	r->warned = 1;
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
	ft__export_done(e, 0, r->pending);
	r->pending = 0;
	ft__export_healthy(e, 0);
	r->backoff_ns = r->backoff_ns ? r->backoff_ns * 2 : 100000000u;
	if (r->backoff_ns > 5000000000u)
		r->backoff_ns = 5000000000u;
	r->retry_ns = r->last_poll_ns + r->backoff_ns;
}

/* The connection failed under hiredis: drop it with hiredis' reason, or dflt. */
static void
conn_lost(struct ft_exporter *e, struct redis *r, const char *dflt)
{
	drop_conn(e, r, r->c->errstr[0] ? r->c->errstr : dflt);
}

/* A synchronous command at connect time; 0 when the reply is not an error. */
static int
setup_cmd(struct ft_exporter *e, struct redis *r, const char *what, redisReply *rep)
{
	char why[512];

	if (rep == NULL) {
		snprintf(why, sizeof(why), "%s: %s", what, r->c->errstr);
		drop_conn(e, r, why);
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "%s: %s", what, rep->str);
		freeReplyObject(rep);
		drop_conn(e, r, why);
		return -1;
	}
	freeReplyObject(rep);
	return 0;
}

static int
redis_connect(struct ft_exporter *e, struct redis *r)
{
	struct timeval tv = {1, 0}, rtv = {2, 0};
	char why[512];

	r->c = redisConnectWithTimeout(r->cfg.host, r->cfg.port, tv);
	if (r->c == NULL || r->c->err) {
		snprintf(why, sizeof(why), "connect: %s", r->c ? r->c->errstr : "out of memory");
		drop_conn(e, r, why);
		return -1;
	}
	redisSetTimeout(r->c, rtv);
	if (r->cfg.password[0] &&
		setup_cmd(e, r, "AUTH", redisCommand(r->c, "AUTH %s", r->cfg.password)) != 0)
		return -1;
	if (r->cfg.db > 0 &&
		setup_cmd(e, r, "SELECT", redisCommand(r->c, "SELECT %d", r->cfg.db)) != 0)
		return -1;
	if (r->warned)
		fprintf(stderr, "flowtap: redis %s:%d: connected\n", r->cfg.host, r->cfg.port);
	r->warned = 0;
	r->backoff_ns = 0;
	ft__export_healthy(e, 1);
	return 0;
}

/* Send everything hiredis holds for the server (a blocking socket: within
 * the 2 s timeout). -1 when the connection is lost. */
static int
flush_out(struct ft_exporter *e, struct redis *r)
{
	int done = 0;

	while (!done)
		if (redisBufferWrite(r->c, &done) != REDIS_OK) {
			conn_lost(e, r, "connection lost");
			return -1;
		}
	return 0;
}

/* Count one reply: its record delivered, or (an error reply) dropped. */
static void
take_reply(struct ft_exporter *e, struct redis *r, redisReply *rep)
{
	r->pending--;
	if (rep->type == REDIS_REPLY_ERROR) {
		if (!r->warned)
			fprintf(stderr, "flowtap: redis: %s\n", rep->str);
		r->warned = 1;
		ft__export_done(e, 0, 1);
	} else {
		ft__export_done(e, 1, 0);
	}
	freeReplyObject(rep);
}

/*
 * Send what is appended, then read replies until at most keep records are
 * outstanding. wait 0: only what the socket already holds (never blocks on
 * the server); wait 1: block for the rest (within the read timeout).
 */
static void
collect(struct ft_exporter *e, struct redis *r, unsigned keep, int wait)
{
	if (r->c == NULL || flush_out(e, r) != 0)
		return;
	while (r->pending > keep) {
		void *rep = NULL;

		if (redisGetReplyFromReader(r->c, &rep) != REDIS_OK) {
			conn_lost(e, r, "bad reply");
			return;
		}
		if (rep != NULL) {
			take_reply(e, r, rep);
			continue;
		}
		if (!wait) {
			struct pollfd pfd = {.fd = r->c->fd, .events = POLLIN};

			if (poll(&pfd, 1, 0) <= 0)
				return;
		}
		if (redisBufferRead(r->c) != REDIS_OK) {
			conn_lost(e, r, "connection lost");
			return;
		}
	}
}

static int
redis_start(struct ft_exporter *e)
{
	return redis_connect(e, e->impl);
}

/* The command that adds one JSON record, by mode (appended, not sent). */
static int
append_record(struct redis *r, const char *json, size_t n)
{
	switch (r->cfg.mode) {
	case FT_REDIS_LIST:
		return redisAppendCommand(r->c, "RPUSH %s %b", r->cfg.key, json, n);
	case FT_REDIS_PUBLISH:
		return redisAppendCommand(r->c, "PUBLISH %s %b", r->cfg.key, json, n);
	default:
		return redisAppendCommand(r->c, "XADD %s * json %b", r->cfg.key, json, n);
	}
}

/* One record to send: appended to the pipeline, or counted dropped. */
static void
send_record(struct ft_exporter *e, struct redis *r, const char *json, size_t n)
{
	if (r->c == NULL || append_record(r, json, n) != REDIS_OK) {
		ft__export_done(e, 0, 1);
		return;
	}
	if (++r->pending >= WINDOW)
		collect(e, r, WINDOW / 2, 1);
}

static void
redis_record(struct ft_exporter *e, const struct ft_export_rec *rec)
{
	struct redis *r = e->impl;
	size_t n;

	if (r->c == NULL) {
		ft__export_done(e, 0, 1);
		return;
	}
	n = ft_format_flow_json(rec->f, r->buf, FT_FLOW_FORMAT_MAX);
	if (rec->interim && n > 0 && r->buf[n - 1] == '}')
		n += (size_t)snprintf(
			     r->buf + n - 1, sizeof(r->buf) - n + 1, ",\"interim\":true}") -
		     1;
	send_record(e, r, r->buf, n);
}

/* A packet record, formatted by its worker (exporter.c). */
static void
redis_packet(struct ft_exporter *e, const char *json, size_t n)
{
	send_record(e, e->impl, json, n);
}

/*
 * A stats record, the CLI's: sent after the flow records' replies are read
 * (so that its reply is not taken for one of theirs), and waited for: once
 * per stats interval, on the exporter's own thread. Not a flow record: a
 * stats record that cannot be sent is reported, not counted.
 */
static void
redis_stats(struct ft_exporter *e, const struct ft_stats *st, int final)
{
	struct redis *r = e->impl;
	size_t n = ft_format_stats_json(st, final, r->sbuf, sizeof(r->sbuf));
	redisReply *rep = NULL;

	collect(e, r, 0, 1);
	if (r->c == NULL)
		return;
	if (append_record(r, r->sbuf, n) != REDIS_OK ||
		redisGetReply(r->c, (void **)&rep) != REDIS_OK) {
		conn_lost(e, r, "connection lost");
		return;
	}
	if (rep->type == REDIS_REPLY_ERROR && !r->warned) {
		fprintf(stderr, "flowtap: redis: stats record: %s\n", rep->str);
		r->warned = 1;
	}
	freeReplyObject(rep);
}

static void
redis_poll(struct ft_exporter *e, uint64_t now_ns, int final)
{
	struct redis *r = e->impl;

	r->last_poll_ns = now_ns;
	if (r->c != NULL)
		collect(e, r, 0, final); /* the final poll waits for every reply */
	else if (now_ns >= r->retry_ns)
		(void)redis_connect(e, r);
}

static void
redis_free(void *impl)
{
	struct redis *r = impl;

	if (r == NULL)
		return;
	if (r->c != NULL)
		redisFree(r->c);
	free(r);
}

static const struct ft_exporter_ops redis_ops = {.start = redis_start,
	.record = redis_record,
	.poll = redis_poll,
	.free = redis_free,
	.stats = redis_stats,
	.packet = redis_packet};

void
ft_redis_config_init(struct ft_redis_config *c)
{
	memset(c, 0, sizeof(*c));
	ft__export_common_init(&c->common, 0);
	snprintf(c->host, sizeof(c->host), "127.0.0.1");
	c->port = 6379;
	c->mode = FT_REDIS_XADD;
	snprintf(c->key, sizeof(c->key), "flowtap");
	c->packet_queue_bytes = 4u << 20;
}

int
ft_exporter_redis_new(const struct ft_redis_config *c, struct ft_exporter **out, char *errbuf)
{
	struct redis *r;

	if (c->host[0] == '\0' || c->port <= 0 || c->port > 65535 || c->key[0] == '\0' ||
		c->mode < FT_REDIS_XADD || c->mode > FT_REDIS_PUBLISH || c->db < 0) {
		snprintf(errbuf, FT_ERRBUF_SIZE,
			"redis: needs a host, a port 1..65535, a key, "
			"a mode (xadd, list, publish), db >= 0");
		return FT_EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return FT_ENOMEM;
	r->cfg = *c;
	*out = ft__exporter_new("redis", &c->common, &redis_ops, r);
	if (*out == NULL) {
		free(r);
		return FT_ENOMEM;
	}
	if (c->packets)
		(*out)->lq_bytes = c->packet_queue_bytes; /* checked when attached */
	return 0;
}
