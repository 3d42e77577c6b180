#include "proto/error.hpp"

#include <array>
#include <cstddef>

namespace tandem::proto {
namespace {

// Indexed by ErrorCode; the order must match the enum.
constexpr std::array<std::string_view, static_cast<std::size_t>(kLastErrorCode) + 1> kNames = {
    "bad_json",       "bad_message",   "unknown_type",   "message_too_large", "too_deep",
    "hello_required", "bad_client_id", "bad_doc_id",     "unauthorized",      "forbidden",
    "read_only",      "too_many_docs", "not_subscribed", "version_ahead",     "resync_required",
    "bad_op",         "bad_component", "bad_number",     "empty_component",   "adjacent_skips",
    "trailing_skip",  "invalid_utf8",  "lone_surrogate", "op_past_end",       "op_too_large",
    "doc_too_large",  "rate_limited",  "overloaded",     "too_many_new_docs", "internal",
};

}  // namespace

std::string_view error_code_name(ErrorCode code) {
  const auto index = static_cast<std::size_t>(code);
  return index < kNames.size() ? kNames[index] : "internal";
}

std::optional<ErrorCode> parse_error_code(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ErrorCode>(i);
  }
  return std::nullopt;
}

ErrorCode from_ot(ot::ErrorCode code) {
  switch (code) {
    case ot::ErrorCode::kInvalidJson:
      return ErrorCode::kBadJson;
    case ot::ErrorCode::kBadOp:
      return ErrorCode::kBadOp;
    case ot::ErrorCode::kBadComponent:
      return ErrorCode::kBadComponent;
    case ot::ErrorCode::kBadNumber:
      return ErrorCode::kBadNumber;
    case ot::ErrorCode::kEmptyComponent:
      return ErrorCode::kEmptyComponent;
    case ot::ErrorCode::kAdjacentSkips:
      return ErrorCode::kAdjacentSkips;
    case ot::ErrorCode::kTrailingSkip:
      return ErrorCode::kTrailingSkip;
    case ot::ErrorCode::kInvalidUtf8:
      return ErrorCode::kInvalidUtf8;
    case ot::ErrorCode::kLoneSurrogate:
      return ErrorCode::kLoneSurrogate;
    case ot::ErrorCode::kOpPastEnd:
      return ErrorCode::kOpPastEnd;
    case ot::ErrorCode::kOpTooLarge:
      return ErrorCode::kOpTooLarge;
    case ot::ErrorCode::kDocumentTooLarge:
      return ErrorCode::kDocTooLarge;
  }
  return ErrorCode::kInternal;
}

Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message), std::nullopt, std::nullopt};
}

Error from_ot(const ot::Error& error, std::string_view field) {
  std::string message(field);
  message += ": ";
  message += error.message;
  return make_error(from_ot(error.code), std::move(message));
}

}  // namespace tandem::proto
