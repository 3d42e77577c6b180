#pragma once

#include <string>

#include "proto/messages.hpp"

namespace tandem::proto {

// Server messages as compact JSON, written by hand: each broadcast is encoded once and its
// bytes are shared by every receiver. Encoders trust their input (ids, limits, valid UTF-8);
// build messages from values that were validated or made by the server itself.

// Append to `out`, so frames for one connection can share a buffer.
void encode(const Welcome& message, std::string& out);
void encode(const Snapshot& message, std::string& out);
void encode(const OpMessage& message, std::string& out);
void encode(const Ack& message, std::string& out);
void encode(const PresenceMessage& message, std::string& out);
void encode(const Pong& message, std::string& out);
void encode(const ErrorMessage& message, std::string& out);
void encode(const ServerMessage& message, std::string& out);

std::string encode(const ServerMessage& message);

// Any one server message type as a new string, without first copying it into a variant.
template <ServerMessageType Message>
std::string encode(const Message& message) {
  std::string out;
  encode(message, out);
  return out;
}

}  // namespace tandem::proto
