#include "bench/bench_client.hpp"

#include <chrono>
#include <random>
#include <utility>

namespace tandem::bench {

BenchClient::BenchClient(LoopContext& loop, ClientPlan plan)
    : loop_(loop), plan_(std::move(plan)), timer_(loop.io) {}

void BenchClient::start(std::function<void()> on_ready) {
  on_ready_ = std::move(on_ready);
  started_ns_ = now_ns();
  open();
}

void BenchClient::stop() {
  if (stopped_) return;
  stop_writing();
  stopped_ = true;
  if (inflight_seq_ != 0) {
    inflight_seq_ = 0;
    loop_.stats.in_flight.sub();
  }
  close();
}

void BenchClient::start_writing() {
  if (plan_.role != ClientPlan::Role::kWriter || writing_ || stopped_) return;
  writing_ = true;
  schedule_next();
}

void BenchClient::stop_writing() {
  writing_ = false;
  due_ = false;
  timer_.cancel();
}

void BenchClient::schedule_next() {
  // Uniform jitter of +-50 % around the mean interval keeps clients from marching in step.
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  const double seconds = jitter(loop_.random) / plan_.rate;
  timer_.expires_after(std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9)));
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec || !self->writing_) return;
    if (self->loop_.measuring()) self->loop_.stats.offered.add();
    if (self->inflight_seq_ != 0 || !self->ready_) {
      if (!self->due_ && self->loop_.measuring()) self->loop_.stats.deferred.add();
      self->due_ = true;
    } else {
      self->submit();
    }
    self->schedule_next();
  });
}

std::uint64_t BenchClient::length_at(std::uint64_t version) const {
  return snapshot_length_ + (version - snapshot_version_);
}

void BenchClient::submit() {
  due_ = false;
  std::uniform_int_distribution<std::uint64_t> where(0, length_at(version_));
  static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";
  TypingOp op;
  op.base_version = version_;
  op.seq = next_seq_++;
  op.position = where(loop_.random);
  op.letter = kLetters[std::uniform_int_distribution<std::size_t>(0, 25)(loop_.random)];
  inflight_seq_ = op.seq;
  inflight_sent_ns_ = now_ns();
  inflight_measured_ = loop_.measuring();
  loop_.stats.in_flight.add();
  if (inflight_measured_) loop_.stats.submitted.add();
  send_op(op);
}

void BenchClient::confirmed(std::uint64_t version, std::int64_t now) {
  if (inflight_measured_) {
    loop_.stats.confirmed.add();
    loop_.stats.confirm.record(static_cast<std::uint64_t>((now - inflight_sent_ns_) / 1000));
    loop_.stats.ledger.submitted(plan_.doc, version, inflight_sent_ns_);
  }
  inflight_seq_ = 0;
  loop_.stats.in_flight.sub();
  if (due_ && writing_) submit();
}

void BenchClient::op_refused(std::uint64_t seq, const std::string& code) {
  if (stopped_) return;
  loop_.stats.error(code);
  if (seq != 0 && seq == inflight_seq_) {
    inflight_seq_ = 0;
    loop_.stats.in_flight.sub();
    if (due_ && writing_) submit();
  }
}

void BenchClient::fail(const std::string& code) {
  if (stopped_) return;
  loop_.stats.error(code);
}

void BenchClient::count_frame() {
  if (loop_.measuring()) loop_.stats.frames.add();
}

void BenchClient::op_received(std::uint64_t version, bool own, std::optional<std::uint64_t> seq,
                              std::int64_t now) {
  if (stopped_) return;
  if (reorders_) {
    if (has_version_ && version < version_) return;  // a replay of an op already applied
    if (!has_version_ || version > version_) {
      early_.insert_or_assign(version, Early{own, seq, now});
      return;
    }
  } else if (!has_version_ || version != version_) {
    // The stream is in version order (docs/protocol.md §5): anything else is a server bug.
    fail("version_gap");
  }
  apply(version, own, seq, now);
  drain_early();
}

void BenchClient::drain_early() {
  // Ops that came early are applied as the gap before them fills, timed from when they came.
  while (!early_.empty() && !stopped_) {
    auto next = early_.begin();
    if (next->first < version_) {
      early_.erase(next);
      continue;
    }
    if (next->first != version_) break;
    const Early held = next->second;
    const std::uint64_t held_version = next->first;
    early_.erase(next);
    apply(held_version, held.own, held.seq, held.arrived_ns);
  }
}

void BenchClient::apply(std::uint64_t version, bool own, std::optional<std::uint64_t> seq,
                        std::int64_t now) {
  version_ = version + 1;
  has_version_ = true;
  if (loop_.measuring()) {
    loop_.stats.deliveries.add();
    loop_.stats.ledger.received(plan_.doc, version, now, own);
  }
  if (own && seq && *seq == inflight_seq_) confirmed(version, now);
}

void BenchClient::snapshot_received(std::uint64_t version, std::uint64_t length) {
  if (stopped_) return;
  snapshot_version_ = version;
  snapshot_length_ = length;
  version_ = version;
  has_version_ = true;
  // Ops held from before the snapshot: replays of what it holds go, the rest apply in order.
  drain_early();
  if (!ready_) {
    ready_ = true;
    loop_.stats.ready.add();
    if (plan_.role == ClientPlan::Role::kJoiner && loop_.measuring()) {
      loop_.stats.joins.add();
      loop_.stats.join.record(static_cast<std::uint64_t>((now_ns() - started_ns_) / 1000));
    }
    if (on_ready_) std::exchange(on_ready_, {})();
  }
}

}  // namespace tandem::bench
