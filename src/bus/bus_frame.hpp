#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::bus {

// Which process published a message: 16 random bytes drawn once per process, so a node can skip
// its own publications (Redis delivers them to every subscriber, the publisher's included).
using NodeId = std::array<char, 16>;

NodeId random_node_id();

// A published message as it travels in a Redis PUBLISH (docs/bus.md, "Wire format"): one
// format byte (kFrameFormat), the publisher's NodeId, then the payload as it is.
inline constexpr char kFrameFormat = '\x01';
inline constexpr std::size_t kFrameHeaderBytes = 1 + std::tuple_size_v<NodeId>;

std::string encode_frame(const NodeId& from, std::string_view payload);

struct Frame {
  std::string_view from;  // the NodeId's bytes
  std::string_view payload;
};

// Nothing when the message is too short or of another format (another program on the channel,
// or a newer Tandem): such messages are dropped.
std::optional<Frame> decode_frame(std::string_view message);

}  // namespace tandem::bus
