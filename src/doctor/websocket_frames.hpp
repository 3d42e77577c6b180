#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::doctor {

// The little of RFC 6455 the doctor needs: it sends masked text/close frames and reads the
// server's unmasked frames (no extensions are offered, so none are used).
enum class WsOpcode : std::uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10
};

std::string encode_client_frame(WsOpcode opcode, std::string_view payload, std::uint32_t mask_key);

struct WsFrame {
  WsOpcode opcode;
  bool final;
  std::string payload;
};
// Takes one whole frame off the front of `buffer`; nothing while it is incomplete. A masked or
// oversized frame from the server is an error (returned as std::nullopt with `error` set).
std::optional<WsFrame> take_server_frame(std::string& buffer, std::string& error);

}  // namespace tandem::doctor
