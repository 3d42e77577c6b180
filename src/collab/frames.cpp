#include "collab/frames.hpp"

#include "proto/encode_server.hpp"
#include "proto/messages.hpp"

#include <memory>
#include <utility>

namespace tandem::collab {

namespace {

template <typename Message>
SharedText encoded(const Message& message) {
  auto text = std::make_shared<std::string>();
  proto::encode(message, *text);
  return text;
}

}  // namespace

Frame op_frame(const std::string& doc, std::uint64_t version, const ot::Op& op,
               const std::string& client, std::uint64_t seq) {
  return {encoded(proto::OpMessage{doc, version, op, client, seq}), version + 1, true};
}

Frame ack_frame(const std::string& doc, std::uint64_t version, std::uint64_t seq) {
  return {encoded(proto::Ack{doc, version, seq}), version + 1};
}

Frame snapshot_frame(const std::string& doc, std::uint64_t version, const ot::Rope& text) {
  return {encoded(proto::Snapshot{doc, version, text.to_string()}), version};
}

Frame presence_frame(const std::string& doc, const std::string& client, std::uint64_t version,
                     const PresenceState& state) {
  proto::PresenceMessage message{doc, client, false, version, state.selections, {}, {}};
  if (!state.name.empty()) message.name = state.name;
  if (!state.color.empty()) message.color = state.color;
  return {encoded(message), std::nullopt, true};
}

Frame presence_gone_frame(const std::string& doc, const std::string& client) {
  return {encoded(proto::PresenceMessage{doc, client, true, 0, {}, {}, {}}), std::nullopt, true};
}

Frame error_frame(proto::ErrorCode code, std::string_view message, const std::string& doc,
                  std::optional<std::uint64_t> seq,
                  std::optional<std::chrono::milliseconds> retry) {
  proto::ErrorMessage error{code, std::string(message), doc, seq, false};
  if (retry) error.retry_ms = static_cast<std::uint64_t>(retry->count());
  return {encoded(error), std::nullopt};
}

}  // namespace tandem::collab
