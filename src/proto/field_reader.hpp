#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/error.hpp"

namespace tandem::proto {

// A non-negative integer no larger than 2^53-1 (and at least `min`). Integral doubles such as
// 3.0 count, since JSON does not tell them apart. `name` names the field in errors.
Result<std::uint64_t> read_integer(const boost::json::value& value, std::string_view name,
                                   std::uint64_t min = 0);

// Typed reads of one JSON object's fields. A field that is null counts as absent. Errors are
// bad_message and name the field as `path` + key, e.g. "negotiation.attempts[2].ms".
class FieldReader {
 public:
  explicit FieldReader(const boost::json::object& object, std::string_view path = {})
      : object_(object), path_(path) {}

  // The field's value; nullptr when it is absent or null.
  [[nodiscard]] const boost::json::value* find(std::string_view key) const;

  [[nodiscard]] std::string name(std::string_view key) const;
  [[nodiscard]] Error error(std::string_view key, std::string_view problem,
                            ErrorCode code = ErrorCode::kBadMessage) const;

  [[nodiscard]] Result<std::uint64_t> integer(std::string_view key, std::uint64_t min = 0) const;
  [[nodiscard]] Result<std::optional<std::uint64_t>> optional_integer(std::string_view key) const;
  [[nodiscard]] Result<std::string_view> string(std::string_view key) const;
  [[nodiscard]] Result<std::optional<std::string_view>> optional_string(std::string_view key) const;
  // An optional boolean; absent means false.
  [[nodiscard]] Result<bool> flag(std::string_view key) const;

 private:
  const boost::json::object& object_;
  std::string_view path_;
};

}  // namespace tandem::proto
