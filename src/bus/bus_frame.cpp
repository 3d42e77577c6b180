#include "bus/bus_frame.hpp"

#include <random>

namespace tandem::bus {

NodeId random_node_id() {
  std::random_device entropy;
  NodeId id{};
  for (char& byte : id) byte = static_cast<char>(entropy() & 0xFFu);
  return id;
}

std::string encode_frame(const NodeId& from, std::string_view payload) {
  std::string message;
  message.reserve(kFrameHeaderBytes + payload.size());
  message += kFrameFormat;
  message.append(from.data(), from.size());
  message += payload;
  return message;
}

std::optional<Frame> decode_frame(std::string_view message) {
  if (message.size() < kFrameHeaderBytes || message.front() != kFrameFormat) return std::nullopt;
  return Frame{message.substr(1, kFrameHeaderBytes - 1), message.substr(kFrameHeaderBytes)};
}

}  // namespace tandem::bus
