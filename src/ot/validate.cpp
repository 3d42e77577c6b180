#include "ot/validate.hpp"

#include <string>

#include "ot/utf8.hpp"

namespace tandem::ot {

Result<void> check_op(const Op& op, const Limits& limits) {
  if (op.size() > limits.max_components) {
    return make_error(ErrorCode::kOpTooLarge, "op has " + std::to_string(op.size()) +
                                                  " components, limit is " +
                                                  std::to_string(limits.max_components));
  }
  std::uint64_t span = 0;
  std::size_t inserted = 0;
  for (std::size_t i = 0; i < op.size(); ++i) {
    const Component& component = op[i];
    if (component.length() == 0) {
      return component_error(ErrorCode::kEmptyComponent, i, "components must not be empty");
    }
    if (component.length() > kMaxLength) {
      return component_error(ErrorCode::kBadNumber, i, "length exceeds 2^53-1");
    }
    if (component.is_insert()) {
      inserted += component.text().size();
      if (inserted > limits.max_inserted_bytes) {
        return make_error(
            ErrorCode::kOpTooLarge,
            "op inserts more than " + std::to_string(limits.max_inserted_bytes) + " bytes");
      }
      auto checked = validate_utf8(component.text());
      if (!checked) return component_error(ErrorCode::kInvalidUtf8, i, checked.error().message);
      if (*checked != component.length()) {
        return component_error(ErrorCode::kBadComponent, i, "insert length does not match text");
      }
      continue;
    }
    if (component.is_skip() && i > 0 && op[i - 1].is_skip()) {
      return component_error(ErrorCode::kAdjacentSkips, i, "adjacent skips must be combined");
    }
    span += component.length();
    if (span > kMaxLength) {
      return make_error(ErrorCode::kOpTooLarge, "op spans more than 2^53-1 code points");
    }
  }
  if (!op.empty() && op.back().is_skip()) {
    return component_error(ErrorCode::kTrailingSkip, op.size() - 1, "op must not end with a skip");
  }
  return {};
}

}  // namespace tandem::ot
