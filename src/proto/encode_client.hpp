#pragma once

#include <string>
#include <vector>

#include "proto/messages.hpp"

namespace tandem::proto {

// Client messages as compact JSON, for the C++ clients (tandem bench, tandem doctor) and
// tests. Like the server encoders these trust their input.

void encode(const Hello& message, std::string& out);
void encode(const Subscribe& message, std::string& out);
void encode(const Unsubscribe& message, std::string& out);
void encode(const SubmitOp& message, std::string& out);
void encode(const PresenceUpdate& message, std::string& out);
void encode(const Ping& message, std::string& out);
void encode(const ClientMessage& message, std::string& out);

std::string encode(const ClientMessage& message);

// Any one client message type as a new string.
template <ClientMessageType Message>
std::string encode(const Message& message) {
  std::string out;
  encode(message, out);
  return out;
}

// A POST /v1/send body: the messages as one JSON array.
std::string encode_batch(const std::vector<ClientMessage>& messages);

}  // namespace tandem::proto
