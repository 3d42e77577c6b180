#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::bench {

// JSON bits the peer dialects (ShareDB, Socket.IO) share. Their messages are small, so they
// are parsed with Boost.JSON whole rather than skimmed like Tandem's.

// One peer message parsed into an arena on the stack: a small message never touches the heap.
class SmallJson {
 public:
  explicit SmallJson(std::string_view text);
  SmallJson(const SmallJson&) = delete;
  SmallJson& operator=(const SmallJson&) = delete;

  // The parsed value, or null when `text` was not JSON (error() says why).
  const boost::json::value* value() const { return error_.empty() ? &value_ : nullptr; }
  const std::string& error() const { return error_; }

 private:
  std::array<unsigned char, 4096> buffer_{};
  boost::json::monotonic_resource resource_{buffer_.data(), buffer_.size()};
  boost::json::value value_;
  std::string error_;
};

// `value` when it is an integer from 0 to 2^53-1 (written as an integer or an integral float).
std::optional<std::uint64_t> json_count(const boost::json::value* value);
// The string at `key` of `object`, or empty when there is none.
std::string_view json_string(const boost::json::object& object, std::string_view key);
// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);
// The insert of one letter at `position` as an ot-text-unicode op: [position, "x"], or ["x"]
// at the start.
std::string text_unicode_insert(std::uint64_t position, char letter);

}  // namespace tandem::bench
