#pragma once

#include <cstdint>
#include <string_view>

#include "proto/error.hpp"
#include "proto/messages.hpp"

namespace tandem::proto {

// The "t" of each message; kUnknown for names protocol v1 does not define.
enum class ClientType : std::uint8_t {
  kUnknown,
  kHello,
  kSubscribe,
  kUnsubscribe,
  kSubmitOp,
  kPresence,
  kPing
};
enum class ServerType : std::uint8_t {
  kUnknown,
  kWelcome,
  kSnapshot,
  kOp,
  kAck,
  kPresence,
  kPong,
  kError
};

ClientType parse_client_type(std::string_view t);
ServerType parse_server_type(std::string_view t);

// The "t" of a message, e.g. "sub"; for logs and metrics labels.
std::string_view type_name(const ClientMessage& message);
std::string_view type_name(const ServerMessage& message);

// unknown_type, quoting (a bounded prefix of) the name that was sent.
Error unknown_type_error(std::string_view t);

}  // namespace tandem::proto
