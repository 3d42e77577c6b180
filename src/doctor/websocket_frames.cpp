#include "doctor/websocket_frames.hpp"

namespace tandem::doctor {
namespace {
constexpr std::uint64_t kMaxPayload = std::uint64_t{16} * 1024 * 1024;
}

std::string encode_client_frame(WsOpcode opcode, std::string_view payload, std::uint32_t mask_key) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80U | static_cast<std::uint8_t>(opcode)));
  const std::uint64_t size = payload.size();
  if (size < 126) {
    frame.push_back(static_cast<char>(0x80U | size));
  } else if (size <= 0xFFFF) {
    frame.push_back(static_cast<char>(0x80U | 126U));
    for (int shift = 8; shift >= 0; shift -= 8)
      frame.push_back(static_cast<char>((size >> shift) & 0xFFU));
  } else {
    frame.push_back(static_cast<char>(0x80U | 127U));
    for (int shift = 56; shift >= 0; shift -= 8)
      frame.push_back(static_cast<char>((size >> shift) & 0xFFU));
  }
  char mask[4];
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<char>((mask_key >> (8 * (3 - i))) & 0xFFU);
  frame.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return frame;
}

std::optional<WsFrame> take_server_frame(std::string& buffer, std::string& error) {
  if (buffer.size() < 2) return std::nullopt;
  const auto byte = [&buffer](std::size_t i) { return static_cast<std::uint8_t>(buffer[i]); };
  const bool final = (byte(0) & 0x80U) != 0;
  const auto opcode = static_cast<WsOpcode>(byte(0) & 0x0FU);
  if ((byte(1) & 0x80U) != 0) {
    error = "the server sent a masked frame";
    return std::nullopt;
  }
  std::uint64_t size = byte(1) & 0x7FU;
  std::size_t header = 2;
  if (size >= 126) {
    const std::size_t extra = size == 126 ? 2 : 8;
    if (buffer.size() < header + extra) return std::nullopt;
    size = 0;
    for (std::size_t i = 0; i < extra; ++i) size = (size << 8U) | byte(header + i);
    header += extra;
  }
  if (size > kMaxPayload) {
    error = "a frame larger than 16 MiB";
    return std::nullopt;
  }
  if (buffer.size() < header + size) return std::nullopt;
  WsFrame frame{opcode, final, buffer.substr(header, size)};
  buffer.erase(0, header + size);
  return frame;
}

}  // namespace tandem::doctor
