#include "bench/peer_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <cmath>

namespace tandem::bench {

namespace {
constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;
}

SmallJson::SmallJson(std::string_view text) {
  boost::system::error_code ec;
  value_ = boost::json::parse(text, ec, &resource_);
  if (ec) error_ = "not JSON: " + ec.message();
}

std::optional<std::uint64_t> json_count(const boost::json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_uint64() && value->get_uint64() <= kMaxSafeInteger) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) {
    return static_cast<std::uint64_t>(value->get_int64());
  }
  if (value->is_double()) {
    const double d = value->get_double();
    if (d >= 0 && d <= static_cast<double>(kMaxSafeInteger) && std::floor(d) == d) {
      return static_cast<std::uint64_t>(d);
    }
  }
  return std::nullopt;
}

std::string_view json_string(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  const auto& s = value->get_string();
  return {s.data(), s.size()};
}

std::string json_quote(std::string_view text) {
  return boost::json::serialize(boost::json::string(text));
}

std::string text_unicode_insert(std::uint64_t position, char letter) {
  std::string op = "[";
  if (position > 0) op += std::to_string(position) + ",";
  op += json_quote(std::string_view(&letter, 1));
  op += "]";
  return op;
}

}  // namespace tandem::bench
