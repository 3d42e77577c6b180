#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::bench {

// JSON bits the peer dialects (ShareDB, Socket.IO) share. Their messages are small, so they
// are parsed with Boost.JSON whole rather than skimmed like Tandem's.

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
