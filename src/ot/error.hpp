#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::ot {

// Machine-readable reasons an op, a document or a request is refused.
enum class ErrorCode : std::uint8_t {
  kInvalidJson,       // the text is not JSON at all
  kBadOp,             // the op is not a JSON array
  kBadComponent,      // a component is neither a number, a string nor {"d": ...}
  kBadNumber,         // negative, fractional or out-of-range length
  kEmptyComponent,    // 0 skip, "" insert, {"d":0} or {"d":""}
  kAdjacentSkips,     // two skips in a row (the reference refuses unmerged skips)
  kTrailingSkip,      // op ends with a skip (the reference refuses it)
  kInvalidUtf8,       // malformed UTF-8, overlong forms, or surrogate code points
  kLoneSurrogate,     // a JSON \uD800-\uDFFF escape that is not part of a pair
  kOpPastEnd,         // skips and deletes reach past the end of the document
  kOpTooLarge,        // over Limits (components, inserted bytes, JSON bytes, total span)
  kDocumentTooLarge,  // the document would exceed Limits::max_document_bytes
};

// The snake_case name sent on the wire, e.g. "op_past_end".
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  [[nodiscard]] std::string_view code_name() const { return error_code_name(code); }
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

// An error about the op's component at `index`: "component 2: length must be > 0".
Error component_error(ErrorCode code, std::size_t index, std::string_view what);

}  // namespace tandem::ot
