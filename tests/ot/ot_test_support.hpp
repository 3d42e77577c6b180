#pragma once

// Helpers shared by the OT tests: op literals and seeded random documents and ops.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "ot/op.hpp"
#include "ot/op_json.hpp"
#include "ot/utf8.hpp"

namespace tandem::ot::test {

// Decodes an op literal such as R"([2, "hi", {"d": 1}])" with its components as written;
// a bad literal fails the test.
inline Op op(std::string_view json) {
  auto decoded = decode_op(json, Limits{}, Boundaries::kKeep);
  EXPECT_TRUE(decoded.ok()) << json << ": " << (decoded.ok() ? "" : decoded.error().message);
  return decoded.ok() ? std::move(decoded).value() : Op{};
}

inline std::string json(const Op& o) { return encode_op(o); }

inline std::string utf8(std::u32string_view text) {
  std::string out;
  for (const char32_t c : text) append_utf8(out, c);
  return out;
}

// ASCII, Latin with a combining acute, Greek, CJK, an emoji with skin tone and ZWJ, and
// astral letters: every UTF-8 length and every UTF-16 surrogate case.
inline constexpr std::array<char32_t, 16> kPalette = {
    U'a',          U'b',      U'z',          U' ',         U'\n',     U'e',
    U'\u0301',     U'\u00e9', U'\u03a9',     U'\u4e2d',    U'\u6587', U'\U0001F600',
    U'\U0001F3FD', U'\u200D', U'\U0001F469', U'\U00010348'};

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t below(std::uint64_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::uint64_t>(0, n - 1)(engine_);
  }
  bool chance(int one_in) { return below(static_cast<std::uint64_t>(one_in)) == 0; }

  std::u32string text(std::size_t length) {
    std::u32string out;
    for (std::size_t i = 0; i < length; ++i) out.push_back(kPalette[below(kPalette.size())]);
    return out;
  }

  // A valid, normalised op over a document of `length` code points.
  Op op(std::uint64_t length) {
    Op out;
    std::uint64_t left = length;
    while (true) {
      const std::uint64_t skip = below(std::min<std::uint64_t>(left, 6) + 1);
      append_skip(out, skip);
      left -= skip;
      const auto choice = below(3);
      if (choice == 0 || left == 0) {
        const std::string text = utf8(this->text(1 + below(4)));
        append_insert(out, text, count_code_points(text));
      } else {
        const std::uint64_t count = 1 + below(std::min<std::uint64_t>(left, 6));
        append_delete(out, count);
        left -= count;
      }
      if (chance(3) || (left == 0 && chance(2))) break;
    }
    trim(out);
    return out;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tandem::ot::test
