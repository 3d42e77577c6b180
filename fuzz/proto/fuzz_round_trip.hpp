#pragma once

// What both codec fuzzers check once a message decodes: encoding it and decoding the bytes
// gives the same message, and encoding is stable. A failure prints both forms and aborts.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "proto/error.hpp"
#include "proto/limits.hpp"

namespace tandem::proto::fuzz {

// Re-encoding may grow a message ("1e15" becomes sixteen digits), so the second decode gets
// room to spare; every other rule is the same.
inline ProtoLimits roomy(ProtoLimits limits) {
  limits.max_message_bytes *= 32;
  limits.max_negotiation_bytes *= 32;
  return limits;
}

[[noreturn]] inline void fail(const char* what, const std::string& first,
                              const std::string& again) {
  std::fprintf(stderr, "%s\n  first: %s\n  again: %s\n", what, first.c_str(), again.c_str());
  std::abort();
}

template <class Message, class Decode, class Encode>
void check_round_trip(const Message& message, Decode decode, Encode encode) {
  const std::string json = encode(message);
  auto again = decode(json);
  if (!again.ok())
    fail(("re-encoded message does not decode: " + again.error().message).c_str(), json, "");
  if (!(*again == message)) fail("decoded message differs", json, encode(*again));
  if (encode(*again) != json) fail("encoding is not stable", json, encode(*again));
}

}  // namespace tandem::proto::fuzz
