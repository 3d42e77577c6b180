#pragma once

#include "collab/presence_table.hpp"
#include "collab/subscriber.hpp"
#include "ot/op.hpp"
#include "ot/rope.hpp"
#include "proto/error.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::collab {

// The protocol messages a document sends, each encoded once (proto/) and shared by every
// receiver.
Frame op_frame(const std::string& doc, std::uint64_t version, const ot::Op& op,
               const std::string& client, std::uint64_t seq);
Frame ack_frame(const std::string& doc, std::uint64_t version, std::uint64_t seq);
Frame snapshot_frame(const std::string& doc, std::uint64_t version, const ot::Rope& text);
Frame presence_frame(const std::string& doc, const std::string& client, std::uint64_t version,
                     const PresenceState& state);
Frame presence_gone_frame(const std::string& doc, const std::string& client);
Frame error_frame(proto::ErrorCode code, std::string_view message, const std::string& doc,
                  std::optional<std::uint64_t> seq = std::nullopt,
                  std::optional<std::chrono::milliseconds> retry = std::nullopt);

}  // namespace tandem::collab
