#pragma once

// Helpers shared by the codec tests: decoding that fails the test on error, and seeded random
// messages of every type for the round-trip properties.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "ot/op.hpp"
#include "ot/utf8.hpp"
#include "proto/decode_client.hpp"
#include "proto/decode_server.hpp"
#include "proto/encode_client.hpp"
#include "proto/encode_server.hpp"
#include "proto/identifiers.hpp"
#include "proto/messages.hpp"

namespace tandem::proto::test {

// Decodes a client message that must be valid and of type T.
template <class T>
T client(std::string_view json, const ProtoLimits& limits = {}) {
  auto decoded = decode_client_message(json, limits);
  EXPECT_TRUE(decoded.ok()) << json << ": " << (decoded.ok() ? "" : decoded.error().message);
  if (!decoded.ok() || !std::holds_alternative<T>(*decoded)) {
    ADD_FAILURE() << json << " did not decode to the expected type";
    return T{};
  }
  return std::get<T>(std::move(decoded).value());
}

template <class T>
T server(std::string_view json) {
  auto decoded = decode_server_message(json);
  EXPECT_TRUE(decoded.ok()) << json << ": " << (decoded.ok() ? "" : decoded.error().message);
  if (!decoded.ok() || !std::holds_alternative<T>(*decoded)) {
    ADD_FAILURE() << json << " did not decode to the expected type";
    return T{};
  }
  return std::get<T>(std::move(decoded).value());
}

// The error a client message must be refused with.
inline Error client_error(std::string_view json, const ProtoLimits& limits = {}) {
  auto decoded = decode_client_message(json, limits);
  EXPECT_FALSE(decoded.ok()) << json << " decoded, but should not have";
  return decoded.ok() ? make_error(ErrorCode::kInternal, "decoded") : decoded.error();
}

inline Error server_error(std::string_view json) {
  auto decoded = decode_server_message(json);
  EXPECT_FALSE(decoded.ok()) << json << " decoded, but should not have";
  return decoded.ok() ? make_error(ErrorCode::kInternal, "decoded") : decoded.error();
}

// ASCII, JSON's escapes and controls, Latin, CJK, emoji (with ZWJ and skin tone) and astral
// letters: every UTF-8 length and every escape the encoder writes.
inline constexpr std::array<char32_t, 20> kPalette = {
    U'a',      U'Z',      U' ',      U'"',          U'\\',         U'/',         U'\n',
    U'\t',     U'\0',     U'\x1f',   U'\x7f',       U'\u00e9',     U'\u0301',    U'\u4e2d',
    U'\u6587', U'\u200D', U'\uFFFD', U'\U0001F600', U'\U0001F3FD', U'\U00010348'};

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_);
  }
  bool chance(int one_in) { return below(static_cast<std::uint64_t>(one_in)) == 0; }

  // Small numbers mostly, and now and then the edges of the range.
  std::uint64_t integer(std::uint64_t min = 0) {
    static constexpr std::array<std::uint64_t, 5> kEdges = {0, 1, 4294967296, 9007199254740990,
                                                            9007199254740991};
    const std::uint64_t value = chance(8) ? kEdges[below(kEdges.size())] : below(100'000);
    return value < min ? min : value;
  }

  std::string text(std::size_t max_code_points) {
    std::string out;
    const std::size_t length = below(max_code_points + 1);
    for (std::size_t i = 0; i < length; ++i) ot::append_utf8(out, kPalette[below(kPalette.size())]);
    return out;
  }

  std::string id(std::string_view alphabet, std::size_t max_length) {
    std::string out;
    const std::size_t length = 1 + below(max_length);
    for (std::size_t i = 0; i < length; ++i) out.push_back(alphabet[below(alphabet.size())]);
    if (out == "." || out == "..") out = "d";
    return out;
  }
  std::string client_id() {
    return id("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", 64);
  }
  std::string doc_id() {
    return id("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-", 128);
  }

  // A valid, normalised op.
  ot::Op op() {
    ot::Op out;
    const std::size_t steps = below(6);
    for (std::size_t i = 0; i < steps; ++i) {
      // Now and then a long skip; six of them still span less than 2^53-1.
      ot::append_skip(out, chance(20) ? kMaxInteger / 8 : below(3) * below(1000));
      if (chance(2)) {
        std::string inserted = text(8);
        if (inserted.empty()) inserted = "x";
        ot::append_insert(out, inserted, ot::count_code_points(inserted));
      } else {
        ot::append_delete(out, 1 + below(50));
      }
    }
    ot::trim(out);
    return out;
  }

  std::vector<ot::Selection> selections() {
    std::vector<ot::Selection> out(below(33));
    for (auto& selection : out) selection = ot::Selection{integer(), integer()};
    return out;
  }

  std::optional<std::string> name() {
    if (chance(3)) return std::nullopt;
    return text(64);
  }
  std::optional<std::string> color() {
    if (chance(3)) return std::nullopt;
    static constexpr std::string_view kHex = "0123456789abcdefABCDEF";
    std::string out = "#";
    for (int i = 0; i < 6; ++i) out.push_back(kHex[below(kHex.size())]);
    return out;
  }
  template <class T>
  std::optional<T> maybe(T value) {
    return chance(2) ? std::optional<T>(std::move(value)) : std::nullopt;
  }

  Negotiation negotiation() {
    Negotiation out;
    out.transport = static_cast<Transport>(below(4));
    const std::size_t attempts = below(4);
    for (std::size_t i = 0; i < attempts; ++i) {
      out.attempts.push_back(NegotiationAttempt{static_cast<Transport>(below(4)),
                                                static_cast<Outcome>(below(9)), maybe(integer()),
                                                maybe(text(20))});
    }
    out.reconnects = maybe(integer());
    return out;
  }

  ClientMessage client_message() {
    switch (below(6)) {
      case 0:
        return Hello{client_id(), maybe(id("abcdefXYZ0123456789-_.", 200)),
                     chance(2) ? std::optional<Negotiation>(negotiation()) : std::nullopt};
      case 1:
        return Subscribe{doc_id(), maybe(integer())};
      case 2:
        return Unsubscribe{doc_id()};
      case 3:
        return SubmitOp{doc_id(), integer(), integer(1), op()};
      case 4:
        return PresenceUpdate{doc_id(), integer(), selections(), name(), color()};
      default:
        return Ping{integer()};
    }
  }

  ServerMessage server_message() {
    switch (below(8)) {
      case 0:
        return Welcome{client_id(), integer(), WelcomeLimits{integer(), integer(), integer()},
                       "tandem/" + text(6)};
      case 1:
        return Snapshot{doc_id(), integer(), text(200)};
      case 2:
        return OpMessage{doc_id(), integer(), op(), client_id(), integer(1)};
      case 3:
        return Ack{doc_id(), integer(), integer(1)};
      case 4:
        return PresenceMessage{doc_id(),     client_id(), false,  integer(),
                               selections(), name(),      color()};
      case 5:
        return PresenceMessage{doc_id(), client_id(), true, 0, {}, std::nullopt, std::nullopt};
      case 6:
        return Pong{integer()};
      default:
        return ErrorMessage{
            static_cast<ErrorCode>(below(static_cast<std::uint64_t>(kLastErrorCode) + 1)), text(40),
            maybe(doc_id()), maybe(integer(1)), chance(2)};
    }
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tandem::proto::test
