#pragma once

// Hand-written JSON output for the encoders: messages are encoded once per broadcast, so they
// are appended straight into a std::string, with no JSON DOM in between.

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ot/op_json.hpp"
#include "ot/position.hpp"

namespace tandem::proto {

inline void append_integer(std::uint64_t value, std::string& out) {
  std::array<char, 24> digits;
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out.append(digits.data(), end);
}

// [[anchor,head],...]
inline void append_selections(const std::vector<ot::Selection>& selections, std::string& out) {
  out.push_back('[');
  for (std::size_t i = 0; i < selections.size(); ++i) {
    out.append(i == 0 ? "[" : ",[");
    append_integer(selections[i].anchor, out);
    out.push_back(',');
    append_integer(selections[i].head, out);
    out.push_back(']');
  }
  out.push_back(']');
}

// Writes "key":value pairs of one object, commas included; the caller writes the braces.
// Keys are our own ASCII names and are not escaped.
class JsonFields {
 public:
  explicit JsonFields(std::string& out, bool first = true) : out_(out), first_(first) {}

  void key(std::string_view name) {
    out_.append(first_ ? "\"" : ",\"");
    first_ = false;
    out_.append(name);
    out_.append("\":");
  }
  void string(std::string_view name, std::string_view value) {
    key(name);
    ot::append_json_string(value, out_);
  }
  void integer(std::string_view name, std::uint64_t value) {
    key(name);
    append_integer(value, out_);
  }
  void boolean(std::string_view name, bool value) {
    key(name);
    out_.append(value ? "true" : "false");
  }

 private:
  std::string& out_;
  bool first_;
};

}  // namespace tandem::proto
