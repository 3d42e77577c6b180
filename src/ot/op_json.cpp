#include "ot/op_json.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "ot/utf8.hpp"
#include "ot/validate.hpp"

namespace tandem::ot {
namespace {

// A skip or delete count: a positive integer no larger than kMaxLength. Integral doubles
// (3.0, 1e3) are accepted because JSON does not distinguish them from integers.
Result<std::uint64_t> decode_count(const boost::json::value& json, std::size_t index) {
  if (const auto* i = json.if_int64()) {
    if (*i < 0) return component_error(ErrorCode::kBadNumber, index, "length must not be negative");
    if (*i == 0) return component_error(ErrorCode::kEmptyComponent, index, "length must be > 0");
    if (static_cast<std::uint64_t>(*i) > kMaxLength) {
      return component_error(ErrorCode::kBadNumber, index, "length exceeds 2^53-1");
    }
    return static_cast<std::uint64_t>(*i);
  }
  if (const auto* u = json.if_uint64()) {
    if (*u == 0) return component_error(ErrorCode::kEmptyComponent, index, "length must be > 0");
    if (*u > kMaxLength)
      return component_error(ErrorCode::kBadNumber, index, "length exceeds 2^53-1");
    return *u;
  }
  const double d = json.get_double();
  if (!std::isfinite(d) || std::trunc(d) != d) {
    return component_error(ErrorCode::kBadNumber, index, "length must be an integer");
  }
  if (d < 0) return component_error(ErrorCode::kBadNumber, index, "length must not be negative");
  if (d == 0) return component_error(ErrorCode::kEmptyComponent, index, "length must be > 0");
  if (d > static_cast<double>(kMaxLength)) {
    return component_error(ErrorCode::kBadNumber, index, "length exceeds 2^53-1");
  }
  return static_cast<std::uint64_t>(d);
}

Result<Component> decode_component(const boost::json::value& json, std::size_t index) {
  switch (json.kind()) {
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: {
      auto count = decode_count(json, index);
      if (!count) return std::move(count).error();
      return Component::skip(*count);
    }
    case boost::json::kind::string: {
      const auto& text = json.get_string();
      if (text.empty()) {
        return component_error(ErrorCode::kEmptyComponent, index, "inserts must not be empty");
      }
      // check_op validates the UTF-8 afterwards, in one pass with the other rules.
      return Component::insert(std::string(text));
    }
    case boost::json::kind::object: {
      const auto& object = json.get_object();
      const auto* d = object.if_contains("d");
      if (d == nullptr || object.size() != 1) {
        return component_error(ErrorCode::kBadComponent, index,
                               R"(object components must be exactly {"d": count or text})");
      }
      if (const auto* text = d->if_string()) {
        // The deleted text only serves invertibility, which this server does not keep.
        auto code_points = validate_utf8(*text);
        if (!code_points) {
          return component_error(ErrorCode::kInvalidUtf8, index, code_points.error().message);
        }
        if (*code_points == 0) {
          return component_error(ErrorCode::kEmptyComponent, index, "deletes must not be empty");
        }
        return Component::remove(*code_points);
      }
      if (!d->is_number()) {
        return component_error(ErrorCode::kBadComponent, index,
                               "delete must be a count or the deleted text");
      }
      auto count = decode_count(*d, index);
      if (!count) return std::move(count).error();
      return Component::remove(*count);
    }
    default:
      return component_error(ErrorCode::kBadComponent, index,
                             "components must be a number, a string or {\"d\": ...}");
  }
}

}  // namespace

Result<Op> op_from_json(const boost::json::value& json, const Limits& limits,
                        Boundaries boundaries) {
  const auto* array = json.if_array();
  if (array == nullptr) return make_error(ErrorCode::kBadOp, "op must be an array of components");
  if (array->size() > limits.max_components) {
    return make_error(ErrorCode::kOpTooLarge, "op has " + std::to_string(array->size()) +
                                                  " components, limit is " +
                                                  std::to_string(limits.max_components));
  }
  Op op;
  op.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    auto component = decode_component((*array)[i], i);
    if (!component) return std::move(component).error();
    op.push_back(std::move(component).value());
  }
  // Checked as sent, so exactly what the reference refuses is refused, then merged.
  if (auto checked = check_op(op, limits); !checked) return std::move(checked).error();
  if (boundaries == Boundaries::kMerge && !is_normalized(op)) return normalize(op);
  return op;
}

Result<Op> decode_op(std::string_view json, const Limits& limits, Boundaries boundaries) {
  if (json.size() > limits.max_json_bytes) {
    return make_error(ErrorCode::kOpTooLarge,
                      "op JSON is larger than " + std::to_string(limits.max_json_bytes) + " bytes");
  }
  // Our own check gives a precise error for bytes Boost would only call a syntax error.
  if (auto utf8 = validate_utf8(json); !utf8) return std::move(utf8).error();
  // Small ops parse without touching the heap.
  std::array<unsigned char, 2048> buffer;
  boost::json::monotonic_resource resource(buffer.data(), buffer.size());
  boost::json::parse_options options;
  options.max_depth = 8;  // an op nests two levels; anything deeper is garbage
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec, &resource, options);
  if (ec) {
    if (has_lone_surrogate_escape(json)) {
      return make_error(ErrorCode::kLoneSurrogate, "unpaired UTF-16 surrogate escape in string");
    }
    return make_error(ErrorCode::kInvalidJson, "op is not valid JSON: " + ec.message());
  }
  return op_from_json(value, limits, boundaries);
}

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(text.substr(run_start, i - run_start));
    run_start = i + 1;
    out.push_back('\\');
    switch (byte) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xF]);
        break;
    }
  }
  out.append(text.substr(run_start));
  out.push_back('"');
}

void encode_op(const Op& op, std::string& out) {
  std::array<char, 24> digits;
  out.push_back('[');
  bool first = true;
  for (const auto& component : op) {
    if (!first) out.push_back(',');
    first = false;
    if (component.is_insert()) {
      append_json_string(component.text(), out);
      continue;
    }
    const auto end =
        std::to_chars(digits.data(), digits.data() + digits.size(), component.length()).ptr;
    if (component.is_delete()) out.append(R"({"d":)");
    out.append(digits.data(), end);
    if (component.is_delete()) out.push_back('}');
  }
  out.push_back(']');
}

std::string encode_op(const Op& op) {
  std::string out;
  out.reserve(2 + op.size() * 8 + inserted_bytes(op));
  encode_op(op, out);
  return out;
}

boost::json::value op_to_json(const Op& op) {
  boost::json::array array;
  array.reserve(op.size());
  for (const auto& component : op) {
    switch (component.kind()) {
      case Component::Kind::kSkip:
        array.emplace_back(component.length());
        break;
      case Component::Kind::kInsert:
        array.emplace_back(component.text());
        break;
      case Component::Kind::kDelete:
        array.emplace_back(boost::json::object{{"d", component.length()}});
        break;
    }
  }
  return array;
}

bool has_lone_surrogate_escape(std::string_view json) {
  auto hex4 = [&](std::size_t at) -> int {
    if (at + 4 > json.size()) return -1;
    int value = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
      const char c = json[k];
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  };
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (!in_string) {
      in_string = c == '"';
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c == '\\' && i + 1 < json.size()) {
      if (json[i + 1] != 'u') {
        ++i;
        continue;
      }
      const int unit = hex4(i + 2);
      i += 5;
      if (unit >= 0xDC00 && unit <= 0xDFFF) return true;
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        const bool paired = i + 2 < json.size() && json[i + 1] == '\\' && json[i + 2] == 'u';
        const int next = paired ? hex4(i + 3) : -1;
        if (next < 0xDC00 || next > 0xDFFF) return true;
        i += 6;
      }
    }
  }
  return false;
}

}  // namespace tandem::ot
