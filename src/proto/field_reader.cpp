#include "proto/field_reader.hpp"

#include <cmath>

#include "proto/identifiers.hpp"

namespace tandem::proto {
namespace {

Error integer_error(std::string_view name) {
  std::string message(name);
  message += ": must be an integer from 0 to 2^53-1";
  return make_error(ErrorCode::kBadMessage, std::move(message));
}

Error below_minimum(std::string_view name, std::uint64_t min) {
  std::string message(name);
  message += ": must be at least ";
  message += std::to_string(min);
  return make_error(ErrorCode::kBadMessage, std::move(message));
}

}  // namespace

Result<std::uint64_t> read_integer(const boost::json::value& value, std::string_view name,
                                   std::uint64_t min) {
  std::uint64_t result = 0;
  if (const auto* i = value.if_int64()) {
    if (*i < 0) return integer_error(name);
    result = static_cast<std::uint64_t>(*i);
  } else if (const auto* u = value.if_uint64()) {
    result = *u;
  } else if (const auto* d = value.if_double()) {
    // Compared as doubles first: casting an out-of-range double to an integer is undefined.
    if (!std::isfinite(*d) || std::trunc(*d) != *d || *d < 0 ||
        *d > static_cast<double>(kMaxInteger)) {
      return integer_error(name);
    }
    result = static_cast<std::uint64_t>(*d);
  } else {
    return integer_error(name);
  }
  if (result > kMaxInteger) return integer_error(name);
  if (result < min) return below_minimum(name, min);
  return result;
}

const boost::json::value* FieldReader::find(std::string_view key) const {
  const auto* value = object_.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

std::string FieldReader::name(std::string_view key) const {
  std::string out;
  out.reserve(path_.size() + key.size());
  out += path_;
  out += key;
  return out;
}

Error FieldReader::error(std::string_view key, std::string_view problem, ErrorCode code) const {
  std::string message = name(key);
  message += ": ";
  message += problem;
  return make_error(code, std::move(message));
}

Result<std::uint64_t> FieldReader::integer(std::string_view key, std::uint64_t min) const {
  const auto* value = find(key);
  if (value == nullptr) return error(key, "required");
  return read_integer(*value, name(key), min);
}

Result<std::optional<std::uint64_t>> FieldReader::optional_integer(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::optional<std::uint64_t>();
  auto integer = read_integer(*value, name(key));
  if (!integer) return std::move(integer).error();
  return std::optional<std::uint64_t>(*integer);
}

Result<std::string_view> FieldReader::string(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return error(key, "required");
  const auto* text = value->if_string();
  if (text == nullptr) return error(key, "must be a string");
  return std::string_view(*text);
}

Result<std::optional<std::string_view>> FieldReader::optional_string(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return std::optional<std::string_view>();
  const auto* text = value->if_string();
  if (text == nullptr) return error(key, "must be a string");
  return std::optional<std::string_view>(std::string_view(*text));
}

Result<bool> FieldReader::flag(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) return false;
  const auto* flag = value->if_bool();
  if (flag == nullptr) return error(key, "must be true or false");
  return *flag;
}

}  // namespace tandem::proto
