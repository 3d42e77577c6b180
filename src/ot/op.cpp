#include "ot/op.hpp"

#include "ot/utf8.hpp"

namespace tandem::ot {

Component Component::insert(std::string text) {
  const auto code_points = count_code_points(text);
  return Component(Kind::kInsert, code_points, std::move(text));
}

void Component::extend(std::string_view text, std::uint64_t code_points) {
  text_.append(text);
  length_ += code_points;
}

std::optional<Side> parse_side(std::string_view name) {
  if (name == "left") return Side::kLeft;
  if (name == "right") return Side::kRight;
  return std::nullopt;
}

void append_component(Op& op, const Component& component) {
  switch (component.kind()) {
    case Component::Kind::kSkip:
      append_skip(op, component.length());
      return;
    case Component::Kind::kInsert:
      append_insert(op, component.text(), component.length());
      return;
    case Component::Kind::kDelete:
      append_delete(op, component.length());
      return;
  }
}

void append_skip(Op& op, std::uint64_t count) {
  if (count == 0) return;
  if (!op.empty() && op.back().is_skip()) {
    op.back().extend(count);
  } else {
    op.push_back(Component::skip(count));
  }
}

void append_insert(Op& op, std::string_view text, std::uint64_t code_points) {
  if (text.empty()) return;
  if (!op.empty() && op.back().is_insert()) {
    op.back().extend(text, code_points);
  } else {
    op.push_back(Component::insert(std::string(text), code_points));
  }
}

void append_delete(Op& op, std::uint64_t count) {
  if (count == 0) return;
  if (!op.empty() && op.back().is_delete()) {
    op.back().extend(count);
  } else {
    op.push_back(Component::remove(count));
  }
}

void trim(Op& op) {
  if (!op.empty() && op.back().is_skip()) op.pop_back();
}

Op normalize(const Op& op) {
  Op result;
  result.reserve(op.size());
  for (const auto& component : op) append_component(result, component);
  trim(result);
  return result;
}

bool is_normalized(const Op& op) {
  for (std::size_t i = 0; i < op.size(); ++i) {
    if (op[i].length() == 0) return false;
    if (i > 0 && op[i].kind() == op[i - 1].kind()) return false;
  }
  return op.empty() || !op.back().is_skip();
}

std::uint64_t input_length(const Op& op) {
  std::uint64_t length = 0;
  for (const auto& component : op) {
    if (!component.is_insert()) length += component.length();
  }
  return length;
}

std::uint64_t output_length(const Op& op) {
  std::uint64_t length = 0;
  for (const auto& component : op) {
    if (!component.is_delete()) length += component.length();
  }
  return length;
}

std::size_t inserted_bytes(const Op& op) {
  std::size_t bytes = 0;
  for (const auto& component : op) bytes += component.text().size();
  return bytes;
}

}  // namespace tandem::ot
