#include "proto/message_type.hpp"

#include <array>
#include <cstddef>
#include <string>

#include "ot/op_json.hpp"
#include "ot/utf8.hpp"

namespace tandem::proto {
namespace {

// Indexed by ClientType and ServerType; kUnknown first.
constexpr std::array<std::string_view, 7> kClientNames = {"",   "hello",    "sub", "unsub",
                                                          "op", "presence", "ping"};
constexpr std::array<std::string_view, 8> kServerNames = {"",    "welcome",  "snapshot", "op",
                                                          "ack", "presence", "pong",     "error"};

// ClientMessage alternatives in variant order, as ClientType (likewise for the server).
constexpr std::array<ClientType, 6> kClientTypes = {
    ClientType::kHello,    ClientType::kSubscribe, ClientType::kUnsubscribe,
    ClientType::kSubmitOp, ClientType::kPresence,  ClientType::kPing};
constexpr std::array<ServerType, 7> kServerTypes = {
    ServerType::kWelcome,  ServerType::kSnapshot, ServerType::kOp,   ServerType::kAck,
    ServerType::kPresence, ServerType::kPong,     ServerType::kError};

static_assert(std::variant_size_v<ClientMessage> == kClientTypes.size());
static_assert(std::variant_size_v<ServerMessage> == kServerTypes.size());

}  // namespace

ClientType parse_client_type(std::string_view t) {
  for (std::size_t i = 1; i < kClientNames.size(); ++i) {
    if (kClientNames[i] == t) return static_cast<ClientType>(i);
  }
  return ClientType::kUnknown;
}

ServerType parse_server_type(std::string_view t) {
  for (std::size_t i = 1; i < kServerNames.size(); ++i) {
    if (kServerNames[i] == t) return static_cast<ServerType>(i);
  }
  return ServerType::kUnknown;
}

std::string_view type_name(const ClientMessage& message) {
  return kClientNames[static_cast<std::size_t>(kClientTypes[message.index()])];
}

std::string_view type_name(const ServerMessage& message) {
  return kServerNames[static_cast<std::size_t>(kServerTypes[message.index()])];
}

Error unknown_type_error(std::string_view t) {
  constexpr std::size_t kQuoted = 32;
  // The name is valid UTF-8 (the parser checked); cut it on a code point boundary.
  const std::string_view shown = t.substr(0, ot::floor_code_point_boundary(t, kQuoted));
  std::string message = "t: unknown message type ";
  ot::append_json_string(shown, message);
  if (shown.size() < t.size()) message += "...";
  return make_error(ErrorCode::kUnknownType, std::move(message));
}

}  // namespace tandem::proto
