#include "bench/bench_client.hpp"

#include <chrono>
#include <random>
#include <utility>

#include "ot/utf8.hpp"
#include "proto/decode_server.hpp"
#include "proto/encode_client.hpp"

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
  const std::uint64_t position = where(loop_.random);
  static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";
  const char letter = kLetters[std::uniform_int_distribution<std::size_t>(0, 25)(loop_.random)];
  proto::SubmitOp op{plan_.doc_id, version_, next_seq_++, {}};
  if (position > 0) op.op.push_back(ot::Component::skip(position));
  op.op.push_back(ot::Component::insert(std::string(1, letter), 1));
  inflight_seq_ = op.seq;
  inflight_sent_ns_ = now_ns();
  inflight_measured_ = loop_.measuring();
  loop_.stats.in_flight.add();
  if (inflight_measured_) loop_.stats.submitted.add();
  send_op(proto::encode(op), op.seq);
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

std::string BenchClient::subscription() const {
  if (!has_version_) return plan_.doc_id;
  return plan_.doc_id + "@" + std::to_string(version_);
}

void BenchClient::count_frame() {
  if (loop_.measuring()) loop_.stats.frames.add();
}

void BenchClient::handle_frame(std::string_view frame, bool count) {
  if (stopped_) return;
  auto& scratch = loop_.scratch;
  scratch.clear();
  if (!scan_server_frame(frame, scratch)) {
    fail("bad_frame");
    return;
  }
  const std::int64_t now = now_ns();
  if (count) count_frame();
  // handle_message may send (which never re-enters handle_frame), so the scratch stays put.
  for (const ScannedMessage& message : scratch) {
    handle_message(message, now);
    if (stopped_) return;
  }
}

void BenchClient::handle_message(const ScannedMessage& message, std::int64_t now) {
  if (plan_.probe) check_with_codec(message);
  switch (message.kind) {
    case MessageKind::kSnapshot:
      handle_snapshot(message);
      return;
    case MessageKind::kError:
      handle_error(message);
      return;
    case MessageKind::kOp:
    case MessageKind::kAck:
      break;
    default:
      return;  // welcome, pong, presence: nothing to follow
  }
  if (!message.version || message.doc != plan_.doc_id) {
    fail("unexpected_message");
    return;
  }
  const std::uint64_t version = *message.version;
  // The stream is in version order (docs/protocol.md §5): anything else is a server bug.
  if (!has_version_ || version != version_) fail("version_gap");
  version_ = version + 1;
  has_version_ = true;
  const bool own = message.kind == MessageKind::kAck || message.client == plan_.client_id;
  if (loop_.measuring()) {
    loop_.stats.deliveries.add();
    loop_.stats.ledger.received(plan_.doc, version, now, own);
  }
  if (own && message.seq && *message.seq == inflight_seq_) confirmed(version, now);
}

void BenchClient::handle_snapshot(const ScannedMessage& message) {
  auto decoded = proto::decode_server_message(message.json);
  if (!decoded || !std::holds_alternative<proto::Snapshot>(*decoded)) {
    fail("bad_snapshot");
    return;
  }
  const auto& snapshot = std::get<proto::Snapshot>(*decoded);
  snapshot_version_ = snapshot.version;
  snapshot_length_ = ot::count_code_points(snapshot.text);
  version_ = snapshot.version;
  has_version_ = true;
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

void BenchClient::handle_error(const ScannedMessage& message) {
  auto decoded = proto::decode_server_message(message.json);
  if (!decoded || !std::holds_alternative<proto::ErrorMessage>(*decoded)) {
    fail("bad_error_message");
    return;
  }
  const auto& error = std::get<proto::ErrorMessage>(*decoded);
  op_refused(error.seq.value_or(0), std::string(proto::error_code_name(error.code)));
}

void BenchClient::check_with_codec(const ScannedMessage& message) {
  auto decoded = proto::decode_server_message(message.json);
  if (!decoded) {
    fail("server_message_invalid");
    return;
  }
  // The skim and the codec must agree on what they both read.
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, proto::OpMessage>) {
          if (message.kind != MessageKind::kOp || message.version != m.version ||
              message.seq != m.seq || message.client != m.client) {
            fail("scanner_disagrees");
          }
        } else if constexpr (std::is_same_v<M, proto::Ack>) {
          if (message.kind != MessageKind::kAck || message.version != m.version ||
              message.seq != m.seq) {
            fail("scanner_disagrees");
          }
        }
      },
      *decoded);
}

}  // namespace tandem::bench
