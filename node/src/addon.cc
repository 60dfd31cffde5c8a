/*
 * addon.cc - the Node-API binding of flowtap: one native Capture object per
 * pipeline, and the few free functions (findalldevs, lib_version).
 *
 * Threads and ownership:
 * - Workers (flowtap's threads) write records into a bounded byte ring of
 *   their own (single producer, single consumer: no lock). A record is a
 *   packet (node_pcap's 16-byte header + the frame), a flow event (the
 *   session's snapshot + the DATA bytes, or, when they are the in-order
 *   payload of the frame just queued, a reference to them in its packet
 *   record: they are not copied twice), or a flow record (the library's
 *   JSON text). Nothing is allocated and no lock is taken per packet; a
 *   worker makes a system call (uv_async_send through the thread-safe
 *   function) only when the JavaScript side is not already due to drain.
 * - The JavaScript thread drains every ring into a fresh ArrayBuffer that
 *   JavaScript owns (one per worker per drain: a batch), and hands it to the
 *   onBatch callback; lib/records.js parses it. Views into a batch are never
 *   overwritten: the next batch is a new ArrayBuffer.
 * - Back pressure: a full ring makes the worker wait (on a condition
 *   variable that the drain signals) when the capture is lossless (files,
 *   and a live capture after stop(): its flush of every open flow is a
 *   burst no queue is sized for), and drops the record otherwise (live),
 *   counted per worker as js_drop. Closing turns waiting
 * into dropping, so stop never hangs on a JavaScript side that stopped reading.
 * - A waiter thread runs ft_pipeline_wait() and then posts the end; the
 *   JavaScript thread joins it and destroys the pipeline.
 */
#include <napi.h>

#include <pcap/pcap.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <flowtap.h>
}

namespace
{

enum RecType : uint16_t { REC_PAD = 0, REC_PACKET = 1, REC_EVENT = 2, REC_FLOW = 3 };
constexpr uint32_t HDR = 8;
constexpr uint32_t EV_FIXED = 176;      /* bytes of an event record before its data */
constexpr uint8_t EV_DATA_IN_FRAME = 1; /* byte 7: the DATA bytes are the last packet record's */
constexpr uint32_t EV_REF = 16;         /* then: u32 offset in its frame, u32 0, u64 its frame n */
constexpr uint32_t FLOW_REC = 304;      /* a flow record's size: see flow_record() */

inline uint32_t
align8(uint32_t n)
{
	return (n + 7u) & ~7u;
}

/*
 * A flow record for JavaScript (REC_FLOW, FLOW_REC bytes): the numbers of the
 * JSON flow record in binary, from which lib/records.js builds the object
 * that JSON.parse() makes of ft_format_flow_json()'s text (node/test/
 * flows.test.js holds them equal) at a fraction of JSON.parse's cost (~3.7 us
 * a record, most of the JavaScript thread's time on the flow path). Times are
 * the JSON's, truncated to the microsecond as ft_format_flow_json() writes
 * them: JavaScript's division of the integer by 1000 or 1e6 gives the very
 * double JSON.parse makes of that decimal text. Layout (little-endian, from
 * the record's start; HDR first):
 *     8  u64 id
 *    16  u64 packets, bytes, octets, retransmits, missed, cut: send (48 bytes)
 *    64  the same, recv
 *   112  u64 ack latency min, avg, max (us), samples: send; 144 recv
 *   176  i64 connect, 184 rtt (us; -1 when not seen)
 *   192  u64 first, 200 last (us; ns when ts_digits is 9)
 *   208  u16 sport, dport, vlan[0], vlan[1], mss send, mss recv, icmp_id
 *   222  u8 icmp_type, icmp_code, proto, ip_v, n_vlan, state, close,
 *        midstream, icmp_echo, ts_digits, wscale send, recv, has_wscale send, recv
 *   236  u32 rst_ignored
 *   240  src[16], 256 dst[16]
 *   272  u8 length, then the Community ID text (ft_community_id())
 */
static void
flow_record(uint8_t *rec, const struct ft_flow *f)
{
	uint64_t v[23], ts[2]; /* bytes 8..192; 192..208 */
	uint16_t h[7] = {f->sport, f->dport, f->vlan[0], f->vlan[1], f->dir[0].mss, f->dir[1].mss,
		f->icmp_id};
	uint8_t b[14] = {f->icmp_type, f->icmp_code, f->proto, f->ip_v, f->n_vlan, f->state,
		f->close, f->midstream, f->icmp_echo, f->ts_digits, f->dir[0].wscale,
		f->dir[1].wscale, f->dir[0].has_wscale, f->dir[1].has_wscale};
	uint32_t us = f->ts_digits == 9 ? 1 : 1000;
	char cid[64];
	size_t n;

	v[0] = f->id;
	for (int d = 0; d < 2; d++) {
		const struct ft_flow_dir *x = &f->dir[d];
		uint64_t *c = v + 1 + 6 * d, *a = v + 13 + 4 * d;

		c[0] = x->packets;
		c[1] = x->bytes;
		c[2] = x->octets;
		c[3] = x->retransmits;
		c[4] = x->missed;
		c[5] = x->cut;
		a[0] = x->ack_lat_min_ns / 1000;
		a[1] = x->ack_lat_samples ? x->ack_lat_sum_ns / x->ack_lat_samples / 1000 : 0;
		a[2] = x->ack_lat_max_ns / 1000;
		a[3] = x->ack_lat_samples;
	}
	v[21] = (uint64_t)(f->connect_ns < 0 ? -1 : f->connect_ns / 1000);
	v[22] = (uint64_t)(f->rtt_ns < 0 ? -1 : f->rtt_ns / 1000);
	ts[0] = f->first_ns / us;
	ts[1] = f->last_ns / us;
	std::memcpy(rec + 8, v, sizeof v);
	std::memcpy(rec + 192, ts, sizeof ts);
	std::memcpy(rec + 208, h, sizeof h);
	std::memcpy(rec + 222, b, sizeof b);
	std::memcpy(rec + 236, &f->rst_ignored, 4);
	std::memcpy(rec + 240, f->src, 16);
	std::memcpy(rec + 256, f->dst, 16);
	ft_community_id(f, cid, sizeof cid);
	n = std::strlen(cid);
	if (n > FLOW_REC - 273)
		n = FLOW_REC - 273;
	rec[272] = (uint8_t)n;
	std::memcpy(rec + 273, cid, n);
}

/* One worker's ring: the worker writes head, the JavaScript thread writes tail. */
struct Ring {
	alignas(64) std::atomic<uint64_t> head{0};
	alignas(64) std::atomic<uint64_t> tail{0};
	alignas(64) std::atomic<uint64_t> drops{0};
	uint8_t *buf = nullptr;
	uint64_t cap = 0;
	/* The worker's last frame queued as a packet record (worker only): a
	 * DATA event whose bytes lie in it refers to them instead of copying. */
	const uint8_t *frame = nullptr;
	uint32_t frame_len = 0;
	uint64_t frame_n = 0, frame_ts = 0;
	/* Lossless only: a worker that found the ring full sleeps here until
	 * JavaScript drains it (the slow path; never taken on a live capture). */
	std::atomic<bool> waiting{false};
	std::mutex mu;
	std::condition_variable cv;
};

class Capture : public Napi::ObjectWrap<Capture>
{
      public:
	static Napi::Function Init(Napi::Env env);
	explicit Capture(const Napi::CallbackInfo &info);
	~Capture() override;

	static std::atomic<int64_t> live_objects;

      private:
	/* JavaScript methods. */
	Napi::Value Start(const Napi::CallbackInfo &info);
	Napi::Value Stop(const Napi::CallbackInfo &info);
	Napi::Value Stats(const Napi::CallbackInfo &info);
	Napi::Value Inject(const Napi::CallbackInfo &info);
	Napi::Value Destroy(const Napi::CallbackInfo &info);
	Napi::Value Info(const Napi::CallbackInfo &info);

	/* Worker side. */
	static int OnPacket(const struct ft_packet *pkt, void *user);
	static int OnFlow(const struct ft_flow_event *ev, void *user);
	static void OnStats(const struct ft_stats *st, int final, void *user);
	static void OnWarning(const char *msg, void *user);
	uint8_t *Reserve(Ring &r, uint32_t size, uint64_t *newhead);
	void Commit(Ring &r, uint64_t newhead);
	void Notify();

	/* JavaScript side. */
	static void CallJs(Napi::Env env, Napi::Function cb, Capture *self, void *data);
	void Drain(Napi::Env env, Napi::Function cb);
	void Teardown();
	Napi::Object StatsObject(Napi::Env env, const struct ft_stats &st);

	struct ft_pipeline *p_ = nullptr; /* guarded by p_mu_ once started */
	/* The same pipeline for its worker threads' callbacks: set once before
	 * they start, never cleared (p_ may be cleared while a pipeline whose
	 * start failed still has workers; destroying it joins them first). */
	const struct ft_pipeline *run_p_ = nullptr;
	std::mutex p_mu_; /* held briefly, never while blocking on workers */
	struct ft_stats final_stats_ {
	};
	std::vector<Ring> rings_;
	std::vector<std::string> warnings_;
	bool want_packets_ = false, want_events_ = false, want_data_ = false, want_flows_ = false;
	bool tcp_events_only_ = false; /* events of TCP sessions only (node_pcap's TCPTracker) */
	bool lossless_ = false, live_ = false;
	std::atomic<bool> closing_{false};
	/* stop() (not close()) was called: the capture is over, so nothing is
	 * left to protect by dropping; what is still queued or still to come
	 * from the workers (the final flush's flow records) is delivered, as
	 * from a file. A capture that ends by itself does the same (Reserve()
	 * asks ft_pipeline_capture_done()). */
	std::atomic<bool> stopping_{false};
	std::atomic<bool> notified_{false};
	std::atomic<bool> done_{false};
	bool started_ = false, ended_ = false;
	int rc_ = 0;
	std::string errmsg_;
	std::thread waiter_;
	static void CallJsTramp(Napi::Env env, Napi::Function cb, Capture *self, void *data)
	{
		CallJs(env, cb, self, data);
	}
	using Tsfn = Napi::TypedThreadSafeFunction<Capture, void, CallJsTramp>;
	Tsfn tsfn_;
	Napi::ObjectReference self_ref_;
	std::mutex stats_mu_; /* the stats thread's periodic snapshot */
	struct ft_stats pending_stats_ {
	};
	bool stats_pending_ = false;
};

std::atomic<int64_t> Capture::live_objects{0};

/* ---- options ---- */

int
OptInt(const Napi::Object &o, const char *k, int def)
{
	Napi::Value v = o.Get(k);
	if (v.IsNumber())
		return v.As<Napi::Number>().Int32Value();
	if (v.IsBoolean())
		return v.As<Napi::Boolean>().Value() ? 1 : 0;
	return def;
}

double
OptNum(const Napi::Object &o, const char *k, double def)
{
	Napi::Value v = o.Get(k);
	return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
}

bool
OptStr(const Napi::Object &o, const char *k, std::string *out)
{
	Napi::Value v = o.Get(k);
	if (!v.IsString())
		return false;
	*out = v.As<Napi::String>().Utf8Value();
	return true;
}

Napi::Error
FtError(Napi::Env env, int rc, const std::string &msg)
{
	Napi::Error e = Napi::Error::New(env, msg.empty() ? ft_strerror(rc) : msg);
	e.Set("code", Napi::String::New(env, ft_err_name(rc)));
	return e;
}

Napi::Function
Capture::Init(Napi::Env env)
{
	return DefineClass(env, "Capture",
		{
			InstanceMethod("start", &Capture::Start),
			InstanceMethod("stop", &Capture::Stop),
			InstanceMethod("stats", &Capture::Stats),
			InstanceMethod("inject", &Capture::Inject),
			InstanceMethod("destroy", &Capture::Destroy),
			InstanceMethod("info", &Capture::Info),
		});
}

/*
 * new Capture(options): opens the source (throws with the cause: a missing
 * file, a bad filter, a missing interface, no permission), sizes the rings.
 */
Capture::Capture(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Capture>(info)
{
	Napi::Env env = info.Env();
	if (info.Length() < 1 || !info[0].IsObject())
		throw Napi::TypeError::New(env, "Capture(options): options must be an object");
	Napi::Object o = info[0].As<Napi::Object>();
	struct ft_config cfg;
	ft_config_init(&cfg);
	std::string device, file, filter, write_file;
	bool has_dev = OptStr(o, "device", &device);
	bool has_file = OptStr(o, "file", &file);
	if (has_dev == has_file)
		throw Napi::TypeError::New(env, "exactly one of options.device and options.file");
	if (has_dev)
		cfg.device = device.c_str();
	else
		cfg.file = file.c_str();
	if (OptStr(o, "filter", &filter) && !filter.empty())
		cfg.filter = filter.c_str();
	if (OptStr(o, "write_file", &write_file) && !write_file.empty())
		cfg.write_file = write_file.c_str();
	cfg.snaplen = OptInt(o, "snaplen", cfg.snaplen);
	cfg.promisc = OptInt(o, "promisc", cfg.promisc);
	cfg.monitor = OptInt(o, "monitor", cfg.monitor);
	cfg.buffer_size = OptInt(o, "buffer_size", cfg.buffer_size);
	cfg.buffer_timeout_ms = OptInt(o, "buffer_timeout_ms", cfg.buffer_timeout_ms);
	cfg.immediate = OptInt(o, "immediate", cfg.immediate);
	cfg.nano = OptInt(o, "nano", cfg.nano);
	cfg.use_mmap = OptInt(o, "use_mmap", cfg.use_mmap);
	cfg.workers = (unsigned)OptInt(o, "workers", (int)cfg.workers);
	cfg.ring_slots = (unsigned)OptInt(o, "ring_slots", (int)cfg.ring_slots);
	cfg.arena_bytes = (size_t)OptNum(o, "arena_bytes", (double)cfg.arena_bytes);
	cfg.batch = (unsigned)OptInt(o, "batch", (int)cfg.batch);
	cfg.count = (uint64_t)OptNum(o, "count", (double)cfg.count);
	cfg.write_rotate_bytes =
		(uint64_t)OptNum(o, "write_rotate_bytes", (double)cfg.write_rotate_bytes);
	cfg.write_rotate_secs =
		(unsigned)OptInt(o, "write_rotate_secs", (int)cfg.write_rotate_secs);
	cfg.write_file_count = (unsigned)OptInt(o, "write_file_count", (int)cfg.write_file_count);
	cfg.stats_interval = OptNum(o, "stats_interval", cfg.stats_interval);
	cfg.decode = OptInt(o, "decode", cfg.decode);
	cfg.track = OptInt(o, "track", cfg.track);
	cfg.reassemble = OptInt(o, "reassemble", cfg.reassemble);
	cfg.max_flows = (uint32_t)OptNum(o, "max_flows", cfg.max_flows);
	cfg.ooo_flow_bytes = (uint32_t)OptNum(o, "ooo_flow_bytes", cfg.ooo_flow_bytes);
	cfg.ooo_bytes = (uint64_t)OptNum(o, "ooo_bytes", (double)cfg.ooo_bytes);
	cfg.timeout_syn = OptNum(o, "timeout_syn", cfg.timeout_syn);
	cfg.timeout_idle = OptNum(o, "timeout_idle", cfg.timeout_idle);
	cfg.timeout_closed = OptNum(o, "timeout_closed", cfg.timeout_closed);
	cfg.reorder_window = OptNum(o, "reorder_window", cfg.reorder_window);

	want_packets_ = OptInt(o, "packets", 0) != 0;
	want_events_ = OptInt(o, "flow_events", 0) != 0;
	want_data_ = OptInt(o, "data", 0) != 0;
	tcp_events_only_ = OptInt(o, "tcp_events_only", 0) != 0;
	want_flows_ = OptInt(o, "flow_records", 0) != 0;
	live_ = has_dev;
	lossless_ = OptInt(o, "lossless", live_ ? 0 : 1) != 0;
	double qbytes = OptNum(o, "queue_bytes", 8.0 * 1024 * 1024);
	if (qbytes < 256 * 1024)
		qbytes = 256 * 1024;

	if (want_packets_)
		cfg.on_packet = OnPacket;
	if (want_events_ || want_flows_)
		cfg.on_flow = OnFlow;
	cfg.on_stats = OnStats;
	cfg.on_warning = OnWarning;
	cfg.user = this;

	char errbuf[FT_ERRBUF_SIZE] = "";
	int rc = ft_pipeline_create(&cfg, &p_, errbuf);
	if (rc != 0) {
		p_ = nullptr;
		throw FtError(env, rc, errbuf);
	}
	run_p_ = p_;
	unsigned nw = ft_pipeline_workers(p_);
	rings_ = std::vector<Ring>(nw);
	uint64_t cap = ((uint64_t)qbytes + 7) & ~7ull;
	for (auto &r : rings_) {
		r.buf = new (std::nothrow) uint8_t[cap];
		if (r.buf == nullptr) {
			Teardown();
			throw FtError(env, FT_ENOMEM, "cannot allocate the JavaScript queue");
		}
		r.cap = cap;
	}
	live_objects++;
}

Capture::~Capture()
{
	Teardown();
	live_objects--;
}

/* Stop, join and free; safe to call more than once. Blocks only while the
 * pipeline finishes what it holds (lossless waits are turned into drops). */
void
Capture::Teardown()
{
	closing_ = true;
	{
		std::lock_guard<std::mutex> g(p_mu_);
		if (p_ != nullptr)
			ft_pipeline_stop(p_);
	}
	if (waiter_.joinable())
		waiter_.join();
	if (p_ != nullptr) {
		/* Never started. Destroying may wait for an RCU grace period, which
		 * another pipeline's worker (waiting for this JavaScript thread to
		 * drain it) would hold up: do it on a thread of its own. */
		struct ft_pipeline *p = p_;
		p_ = nullptr;
		std::thread([p]() { ft_pipeline_destroy(p); }).detach();
	}
	for (auto &r : rings_) {
		delete[] r.buf;
		r.buf = nullptr;
	}
}

/* ---- worker side ---- */

/* Room for a record of size bytes (8-aligned), or nullptr when it must be
 * dropped. Lossless: waits until JavaScript makes room. A live capture drops
 * instead of waiting, except once nothing more is being captured: after
 * stop(), or when the capture ended by itself (count, interface gone), so
 * the final flush reaches JavaScript whole. */
uint8_t *
Capture::Reserve(Ring &r, uint32_t size, uint64_t *newhead)
{
	uint64_t head = r.head.load(std::memory_order_relaxed);
	uint64_t pos = head % r.cap;
	uint64_t skip = (r.cap - pos < size) ? r.cap - pos : 0;
	uint64_t need = skip + size;
	if (size > r.cap / 2) {
		r.drops.fetch_add(1, std::memory_order_relaxed);
		return nullptr;
	}
	auto room = [&]() {
		return r.cap - (head - r.tail.load(std::memory_order_seq_cst)) >= need;
	};
	while (!room()) {
		if (closing_.load(std::memory_order_relaxed) ||
			(!lossless_ && !stopping_.load(std::memory_order_relaxed) &&
				!ft_pipeline_capture_done(run_p_))) {
			r.drops.fetch_add(1, std::memory_order_relaxed);
			return nullptr;
		}
		Notify();
		std::unique_lock<std::mutex> lk(r.mu);
		r.waiting.store(true, std::memory_order_seq_cst);
		/* The timeout only backs up the wake-up from Drain(). */
		r.cv.wait_for(lk, std::chrono::milliseconds(10),
			[&]() { return room() || closing_.load(std::memory_order_relaxed); });
		r.waiting.store(false, std::memory_order_relaxed);
	}
	if (skip) {
		uint32_t pad = (uint32_t)skip;
		std::memcpy(r.buf + pos, &pad, 4);
		uint16_t t = REC_PAD;
		std::memcpy(r.buf + pos + 4, &t, 2);
		pos = 0;
	}
	*newhead = head + need;
	uint8_t *rec = r.buf + pos;
	std::memcpy(rec, &size, 4);
	return rec;
}

void
Capture::Commit(Ring &r, uint64_t newhead)
{
	r.head.store(newhead, std::memory_order_release);
	Notify();
}

/* One wake-up of the JavaScript side per drain, not per record. */
void
Capture::Notify()
{
	if (!notified_.load(std::memory_order_relaxed) && !notified_.exchange(true))
		tsfn_.NonBlockingCall(nullptr);
}

int
Capture::OnPacket(const struct ft_packet *pkt, void *user)
{
	Capture *self = static_cast<Capture *>(user);
	Ring &r = self->rings_[pkt->worker];
	uint32_t size = align8(HDR + 32 + pkt->caplen);
	uint64_t nh;
	uint8_t *rec = self->Reserve(r, size, &nh);
	r.frame = nullptr;
	if (rec == nullptr)
		return 0;
	uint16_t t = REC_PACKET;
	std::memcpy(rec + 4, &t, 2);
	/* node_pcap's header: tv_sec, tv_usec, caplen, len (u32, little-endian here). */
	uint32_t h[4] = {(uint32_t)(pkt->ts_ns / 1000000000ull),
		(uint32_t)(pkt->ts_ns % 1000000000ull / 1000u), pkt->caplen, pkt->len};
	std::memcpy(rec + 8, h, 16);
	std::memcpy(rec + 24, &pkt->ts_ns, 8);
	std::memcpy(rec + 32, &pkt->n, 8);
	std::memcpy(rec + 40, pkt->data, pkt->caplen);
	self->Commit(r, nh);
	r.frame = pkt->data;
	r.frame_len = pkt->caplen;
	r.frame_n = pkt->n;
	r.frame_ts = pkt->ts_ns;
	return 0;
}

int
Capture::OnFlow(const struct ft_flow_event *ev, void *user)
{
	Capture *self = static_cast<Capture *>(user);
	const struct ft_flow *f = ev->flow;
	Ring &r = self->rings_[f->worker < self->rings_.size() ? f->worker : 0];
	uint64_t nh;
	if (self->want_events_ && (!self->tcp_events_only_ || f->proto == 6)) {
		uint32_t dlen =
			(ev->type == FT_FLOW_DATA && self->want_data_ && ev->data) ? ev->len : 0;
		/* In-order payload of the frame just queued (the usual case): its
		 * packet record already holds the bytes. The test is by address: a
		 * frame stays in the worker's hands until its events are out, and
		 * what else DATA comes from (held segments, a reassembled datagram,
		 * whose last fragment may be the frame just queued) is memory of
		 * its own at the same time; the timestamp only narrows it. */
		uintptr_t d0 = (uintptr_t)ev->data, f0 = (uintptr_t)r.frame;
		bool in_frame = dlen > 0 && r.frame != nullptr && ev->ts_ns == r.frame_ts &&
				d0 >= f0 && dlen <= r.frame_len && d0 - f0 <= r.frame_len - dlen;
		uint8_t *rec = self->Reserve(r, align8(EV_FIXED + (in_frame ? EV_REF : dlen)), &nh);
		if (rec != nullptr) {
			uint16_t t = REC_EVENT;
			std::memcpy(rec + 4, &t, 2);
			rec[6] = f->proto;
			rec[7] = in_frame ? EV_DATA_IN_FRAME : 0;
			rec[8] = (uint8_t)ev->type;
			rec[9] = (uint8_t)ev->dir;
			rec[10] = f->ip_v;
			rec[11] = f->state;
			rec[12] = f->close;
			rec[13] = f->midstream;
			std::memcpy(rec + 14, &f->worker, 2);
			std::memcpy(rec + 16, &f->sport, 2);
			std::memcpy(rec + 18, &f->dport, 2);
			std::memcpy(rec + 20, &ev->len, 4);
			std::memcpy(rec + 24, &ev->seq, 4);
			std::memcpy(rec + 28, &dlen, 4);
			std::memcpy(rec + 32, &f->id, 8);
			std::memcpy(rec + 40, &ev->ts_ns, 8);
			std::memcpy(rec + 48, &f->first_ns, 8);
			std::memcpy(rec + 56, &f->last_ns, 8);
			std::memcpy(rec + 64, &f->connect_ns, 8);
			std::memcpy(rec + 72, &f->rtt_ns, 8);
			std::memcpy(rec + 80, f->src, 16);
			std::memcpy(rec + 96, f->dst, 16);
			for (int d = 0; d < 2; d++) {
				uint64_t c[4] = {f->dir[d].packets, f->dir[d].bytes,
					f->dir[d].retransmits, f->dir[d].missed};
				std::memcpy(rec + 112 + 32 * d, c, 32);
			}
			if (in_frame) {
				uint32_t ref[2] = {(uint32_t)(d0 - f0), 0};
				std::memcpy(rec + EV_FIXED, ref, 8);
				std::memcpy(rec + EV_FIXED + 8, &r.frame_n, 8);
			} else if (dlen) {
				std::memcpy(rec + EV_FIXED, ev->data, dlen);
			}
			self->Commit(r, nh);
		}
	}
	if (self->want_flows_ && ev->type == FT_FLOW_END) {
		uint8_t *rec = self->Reserve(r, FLOW_REC, &nh);
		if (rec != nullptr) {
			uint16_t t = REC_FLOW;
			std::memcpy(rec + 4, &t, 2);
			flow_record(rec, f);
			self->Commit(r, nh);
		}
	}
	return 0;
}

/* Stats thread: keep the latest periodic snapshot; JavaScript picks it up. */
void
Capture::OnStats(const struct ft_stats *st, int final, void *user)
{
	Capture *self = static_cast<Capture *>(user);
	if (final)
		return; /* the end message carries the final snapshot */
	{
		std::lock_guard<std::mutex> g(self->stats_mu_);
		self->pending_stats_ = *st;
		self->stats_pending_ = true;
	}
	self->Notify();
}

/* Called on the creating thread, inside ft_pipeline_create(). */
void
Capture::OnWarning(const char *msg, void *user)
{
	static_cast<Capture *>(user)->warnings_.emplace_back(msg);
}

/* ---- JavaScript side ---- */

Napi::Value
Capture::Start(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	if (started_)
		throw Napi::Error::New(env, "already started");
	if (info.Length() < 1 || !info[0].IsFunction())
		throw Napi::TypeError::New(env, "start(onBatch)");
	tsfn_ = Tsfn::New(env, info[0].As<Napi::Function>(), "flowtap", 0, 1, this);
	self_ref_ = Napi::Persistent(Value());
	int rc = ft_pipeline_start(p_);
	if (rc != 0) {
		tsfn_.Release();
		self_ref_.Reset();
		throw FtError(env, rc, ft_pipeline_errmsg(p_));
	}
	started_ = true;
	waiter_ = std::thread([this]() {
		int rc = ft_pipeline_wait(p_);
		rc_ = rc;
		if (rc != 0)
			errmsg_ = ft_pipeline_errmsg(p_);
		ft_pipeline_stats(p_, &final_stats_);
		/* Destroy here, not on the JavaScript thread: it may wait for an
		 * RCU grace period, which a worker of another pipeline waiting for
		 * JavaScript to drain it would otherwise hold up for ever. */
		struct ft_pipeline *p;
		{
			std::lock_guard<std::mutex> g(p_mu_);
			p = p_;
			p_ = nullptr;
		}
		ft_pipeline_destroy(p);
		done_.store(true, std::memory_order_release);
		tsfn_.BlockingCall(nullptr);
	});
	return env.Undefined();
}

void
Capture::CallJs(Napi::Env env, Napi::Function cb, Capture *self, void *)
{
	if (env == nullptr || self->ended_)
		return;
	self->Drain(env, cb);
}

/* Hand every ring's records to JavaScript, then the periodic stats, then
 * (once the waiter has finished and the rings are empty) the end. */
void
Capture::Drain(Napi::Env env, Napi::Function cb)
{
	notified_.store(false);
	bool done = done_.load(std::memory_order_acquire);
	for (size_t i = 0; i < rings_.size(); i++) {
		Ring &r = rings_[i];
		uint64_t head = r.head.load(std::memory_order_acquire);
		uint64_t tail = r.tail.load(std::memory_order_relaxed);
		if (head == tail)
			continue;
		size_t n = (size_t)(head - tail);
		Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, n);
		uint8_t *dst = static_cast<uint8_t *>(ab.Data());
		uint64_t pos = tail % r.cap;
		size_t first = (size_t)std::min<uint64_t>(n, r.cap - pos);
		std::memcpy(dst, r.buf + pos, first);
		if (first < n)
			std::memcpy(dst + first, r.buf, n - first);
		r.tail.store(head, std::memory_order_seq_cst);
		if (r.waiting.load(std::memory_order_seq_cst)) {
			std::lock_guard<std::mutex> g(r.mu);
			r.cv.notify_one();
		}
		if (closing_)
			continue;
		cb.Call({Napi::String::New(env, "batch"), ab, Napi::Number::New(env, (double)i)});
		if (env.IsExceptionPending())
			return;
	}
	bool have_stats = false;
	struct ft_stats st;
	{
		std::lock_guard<std::mutex> g(stats_mu_);
		if (stats_pending_) {
			st = pending_stats_;
			stats_pending_ = false;
			have_stats = true;
		}
	}
	if (have_stats && !closing_)
		cb.Call({Napi::String::New(env, "stats"), StatsObject(env, st)});
	if (!done)
		return;
	/* Everything was written before done_ was set: the rings are empty now. */
	ended_ = true;
	if (waiter_.joinable())
		waiter_.join();
	const struct ft_stats &fin = final_stats_;
	Napi::Object end = Napi::Object::New(env);
	end.Set("rc", Napi::Number::New(env, rc_));
	if (rc_ != 0) {
		end.Set("code", Napi::String::New(env, ft_err_name(rc_)));
		end.Set("message",
			Napi::String::New(env, errmsg_.empty() ? ft_strerror(rc_) : errmsg_));
	}
	end.Set("stats", StatsObject(env, fin));
	tsfn_.Release();
	try {
		cb.Call({Napi::String::New(env, "end"), end});
	} catch (...) {
		self_ref_.Reset();
		throw;
	}
	self_ref_.Reset();
}

Napi::Object
Capture::StatsObject(Napi::Env env, const struct ft_stats &st)
{
	Napi::Object o = Napi::Object::New(env);
	auto num = [&](Napi::Object &t, const char *k, double v) {
		t.Set(k, Napi::Number::New(env, v));
	};
	num(o, "ts", (double)st.ts_ns / 1e9);
	o.Set("live", Napi::Boolean::New(env, st.live != 0));
	num(o, "ps_recv", (double)st.ps_recv);
	num(o, "ps_drop", (double)st.ps_drop);
	num(o, "ps_ifdrop", (double)st.ps_ifdrop);
	num(o, "captured", (double)st.captured);
	num(o, "filtered", (double)st.filtered);
	num(o, "packets", (double)st.packets);
	num(o, "bytes", (double)st.bytes);
	num(o, "ring_drop", (double)st.ring_drop);
	num(o, "decode_errors", (double)st.decode_errors);
	num(o, "discarded", (double)st.discarded);
	num(o, "flows_active", (double)st.flows_active);
	num(o, "flows_evicted", (double)st.flows_evicted);
	num(o, "flows_untracked", (double)st.flows_untracked);
	num(o, "rst_ignored", (double)st.rst_ignored);
	num(o, "ooo_dropped", (double)st.ooo_dropped);
	Napi::Array ws = Napi::Array::New(env, st.n_workers);
	uint64_t js_drop = 0;
	for (unsigned i = 0; i < st.n_workers; i++) {
		Napi::Object w = Napi::Object::New(env);
		num(w, "packets", (double)st.workers[i].packets);
		num(w, "ring_drop", (double)st.workers[i].ring_drop);
		num(w, "flows_active", (double)st.workers[i].flows_active);
		uint64_t d = i < rings_.size() ? rings_[i].drops.load() : 0;
		js_drop += d;
		num(w, "js_drop", (double)d);
		ws.Set(i, w);
	}
	o.Set("workers", ws);
	num(o, "js_drop", (double)js_drop);
	return o;
}

Napi::Value
Capture::Stop(const Napi::CallbackInfo &info)
{
	if (info.Length() > 0 && info[0].ToBoolean())
		closing_ = true; /* close(): nothing more is delivered */
	else
		stopping_ = true; /* stop(): everything captured is delivered */
	std::lock_guard<std::mutex> g(p_mu_);
	if (p_ != nullptr)
		ft_pipeline_stop(p_);
	return info.Env().Undefined();
}

Napi::Value
Capture::Stats(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	struct ft_stats st;
	{
		std::lock_guard<std::mutex> g(p_mu_);
		if (p_ == nullptr && !done_.load())
			throw Napi::Error::New(env, "session already closed");
		if (p_ != nullptr)
			ft_pipeline_stats(p_, &st);
		else
			st = final_stats_;
	}
	return StatsObject(env, st);
}

Napi::Value
Capture::Inject(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	if (info.Length() < 1 || !info[0].IsBuffer())
		throw Napi::TypeError::New(env, "inject(buffer): a Buffer is required");
	Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
	int rc;
	std::string msg;
	{
		std::lock_guard<std::mutex> g(p_mu_);
		if (p_ == nullptr)
			throw Napi::Error::New(env, "session already closed");
		rc = ft_pipeline_inject(p_, b.Data(), b.Length());
		if (rc < 0)
			msg = ft_pipeline_errmsg(p_);
	}
	if (rc < 0)
		throw FtError(env, rc, msg);
	if ((size_t)rc != b.Length())
		throw Napi::Error::New(env, "Pcap inject failed.");
	return Napi::Number::New(env, rc);
}

/* Free the pipeline now (after the end, or instead of starting it). */
Napi::Value
Capture::Destroy(const Napi::CallbackInfo &info)
{
	if (!started_ || ended_)
		Teardown();
	return info.Env().Undefined();
}

Napi::Value
Capture::Info(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	Napi::Object o = Napi::Object::New(env);
	std::lock_guard<std::mutex> g(p_mu_);
	if (p_ != nullptr) {
		o.Set("dlt", Napi::Number::New(env, ft_pipeline_datalink(p_)));
		o.Set("link", Napi::String::New(env, ft_dlt_name(ft_pipeline_datalink(p_))));
		o.Set("snaplen", Napi::Number::New(env, ft_pipeline_snaplen(p_)));
		o.Set("workers", Napi::Number::New(env, ft_pipeline_workers(p_)));
	}
	Napi::Array w = Napi::Array::New(env, warnings_.size());
	for (size_t i = 0; i < warnings_.size(); i++)
		w.Set(i, Napi::String::New(env, warnings_[i]));
	o.Set("warnings", w);
	o.Set("live", Napi::Boolean::New(env, live_));
	return o;
}

/* ---- free functions ---- */

Napi::Value
FindAllDevs(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	std::vector<struct ft_device> devs(64);
	unsigned n = 0;
	char errbuf[FT_ERRBUF_SIZE] = "";
	int rc = ft_devices(devs.data(), (unsigned)devs.size(), &n, errbuf);
	if (rc != 0)
		throw FtError(env, rc, errbuf);
	if (n > devs.size())
		n = (unsigned)devs.size();
	Napi::Array out = Napi::Array::New(env, n);
	for (unsigned i = 0; i < n; i++) {
		const struct ft_device &d = devs[i];
		Napi::Object o = Napi::Object::New(env);
		o.Set("name", Napi::String::New(env, d.name));
		if (d.description[0])
			o.Set("description", Napi::String::New(env, d.description));
		Napi::Array addrs = Napi::Array::New(env, d.n_addrs);
		for (unsigned j = 0; j < d.n_addrs && j < 8; j++) {
			Napi::Object a = Napi::Object::New(env);
			a.Set("addr", Napi::String::New(env, d.addrs[j].addr));
			if (d.addrs[j].netmask[0])
				a.Set("netmask", Napi::String::New(env, d.addrs[j].netmask));
			if (d.addrs[j].broadaddr[0])
				a.Set("broadaddr", Napi::String::New(env, d.addrs[j].broadaddr));
			if (d.addrs[j].dstaddr[0])
				a.Set("dstaddr", Napi::String::New(env, d.addrs[j].dstaddr));
			addrs.Set(j, a);
		}
		o.Set("addresses", addrs);
		char fb[128];
		o.Set("flags", Napi::String::New(env, ft_device_flags(d.flags, fb, sizeof fb)));
		o.Set("loopback", Napi::Boolean::New(env, (d.flags & PCAP_IF_LOOPBACK) != 0));
		out.Set(i, o);
	}
	return out;
}

Napi::Value
LiveObjects(const Napi::CallbackInfo &info)
{
	return Napi::Number::New(info.Env(), (double)Capture::live_objects.load());
}

/* The library's names of TCP states and close reasons, by value, then the
 * name it gives a value out of range (lib/records.js: flow records). */
Napi::Value
Names(const Napi::CallbackInfo &info)
{
	Napi::Env env = info.Env();
	Napi::Object o = Napi::Object::New(env);
	Napi::Array st = Napi::Array::New(env), cl = Napi::Array::New(env);

	for (uint32_t i = 0; i <= FT_TCP_CLOSED + 1; i++)
		st.Set(i, Napi::String::New(env, ft_tcp_state_name((int)i)));
	for (uint32_t i = 0; i <= FT_CLOSE_EVICTED + 1; i++)
		cl.Set(i, Napi::String::New(env, ft_close_name((int)i)));
	o.Set("states", st);
	o.Set("closes", cl);
	return o;
}

Napi::Object
InitAll(Napi::Env env, Napi::Object exports)
{
	exports.Set("Capture", Capture::Init(env));
	exports.Set("findalldevs", Napi::Function::New(env, FindAllDevs));
	exports.Set("liveObjects", Napi::Function::New(env, LiveObjects));
	exports.Set("names", Napi::Function::New(env, Names));
	exports.Set("lib_version", Napi::String::New(env, pcap_lib_version()));
	exports.Set("flowtap_version", Napi::String::New(env, FT_VERSION_STRING));
	return exports;
}

} // namespace

NODE_API_MODULE(flowtap, InitAll)
