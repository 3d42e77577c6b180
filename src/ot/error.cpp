#include "ot/error.hpp"

namespace tandem::ot {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson:
      return "invalid_json";
    case ErrorCode::kBadOp:
      return "bad_op";
    case ErrorCode::kBadComponent:
      return "bad_component";
    case ErrorCode::kBadNumber:
      return "bad_number";
    case ErrorCode::kEmptyComponent:
      return "empty_component";
    case ErrorCode::kAdjacentSkips:
      return "adjacent_skips";
    case ErrorCode::kTrailingSkip:
      return "trailing_skip";
    case ErrorCode::kInvalidUtf8:
      return "invalid_utf8";
    case ErrorCode::kLoneSurrogate:
      return "lone_surrogate";
    case ErrorCode::kOpPastEnd:
      return "op_past_end";
    case ErrorCode::kOpTooLarge:
      return "op_too_large";
    case ErrorCode::kDocumentTooLarge:
      return "document_too_large";
  }
  return "unknown";
}

Error component_error(ErrorCode code, std::size_t index, std::string_view what) {
  std::string message = "component ";
  message += std::to_string(index);
  message += ": ";
  message += what;
  return make_error(code, std::move(message));
}

}  // namespace tandem::ot
