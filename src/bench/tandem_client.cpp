#include "bench/tandem_client.hpp"

#include <type_traits>
#include <utility>
#include <variant>

#include "ot/utf8.hpp"
#include "proto/decode_server.hpp"
#include "proto/encode_client.hpp"

namespace tandem::bench {

TandemClient::TandemClient(LoopContext& loop, ClientPlan plan)
    : BenchClient(loop, std::move(plan)) {}

void TandemClient::send_op(const TypingOp& op) {
  proto::SubmitOp submit{plan().doc_id, op.base_version, op.seq, {}};
  if (op.position > 0) submit.op.push_back(ot::Component::skip(op.position));
  submit.op.push_back(ot::Component::insert(std::string(1, op.letter), 1));
  send_message(proto::encode(submit), op.seq);
}

std::string TandemClient::subscription() const {
  if (!has_version()) return plan().doc_id;
  return plan().doc_id + "@" + std::to_string(version());
}

void TandemClient::handle_frame(std::string_view frame, bool count) {
  if (stopped()) return;
  auto& scratch = loop().scratch;
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
    if (stopped()) return;
  }
}

void TandemClient::handle_message(const ScannedMessage& message, std::int64_t now) {
  if (plan().probe) check_with_codec(message);
  switch (message.kind) {
    case proto::ServerType::kSnapshot:
      handle_snapshot(message);
      return;
    case proto::ServerType::kError:
      handle_error(message);
      return;
    case proto::ServerType::kOp:
    case proto::ServerType::kAck:
      break;
    default:
      return;  // welcome, pong, presence: nothing to follow
  }
  if (!message.version || message.doc != plan().doc_id) {
    fail("unexpected_message");
    return;
  }
  const bool own = message.kind == proto::ServerType::kAck || message.client == plan().client_id;
  op_received(*message.version, own, message.seq, now);
}

void TandemClient::handle_snapshot(const ScannedMessage& message) {
  auto decoded = proto::decode_server_message(message.json);
  if (!decoded || !std::holds_alternative<proto::Snapshot>(*decoded)) {
    fail("bad_snapshot");
    return;
  }
  const auto& snapshot = std::get<proto::Snapshot>(*decoded);
  snapshot_received(snapshot.version, ot::count_code_points(snapshot.text));
}

void TandemClient::handle_error(const ScannedMessage& message) {
  auto decoded = proto::decode_server_message(message.json);
  if (!decoded || !std::holds_alternative<proto::ErrorMessage>(*decoded)) {
    fail("bad_error_message");
    return;
  }
  const auto& error = std::get<proto::ErrorMessage>(*decoded);
  op_refused(error.seq.value_or(0), std::string(proto::error_code_name(error.code)));
}

void TandemClient::check_with_codec(const ScannedMessage& message) {
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
          if (message.kind != proto::ServerType::kOp || message.version != m.version ||
              message.seq != m.seq || message.client != m.client) {
            fail("scanner_disagrees");
          }
        } else if constexpr (std::is_same_v<M, proto::Ack>) {
          if (message.kind != proto::ServerType::kAck || message.version != m.version ||
              message.seq != m.seq) {
            fail("scanner_disagrees");
          }
        }
      },
      *decoded);
}

}  // namespace tandem::bench
