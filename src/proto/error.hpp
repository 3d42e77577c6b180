#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "ot/error.hpp"

namespace tandem::proto {

// Machine-readable reasons a message or a request is refused; sent as "code" in error
// messages. docs/protocol.md says when each happens and what a client should do.
enum class ErrorCode : std::uint8_t {
  kBadJson,          // the frame is not JSON
  kBadMessage,       // a field is missing or of the wrong type or range
  kUnknownType,      // "t" names no message type
  kMessageTooLarge,  // the frame or batch is over max_message_bytes (or too many messages)
  kTooDeep,          // JSON nested deeper than allowed
  kHelloRequired,    // a message came before hello
  kBadClientId,      // the client id breaks the identifier rules
  kBadDocId,         // the doc id breaks the identifier rules
  kUnauthorized,     // missing, bad or expired token
  kForbidden,        // the token does not grant access to the document
  kReadOnly,         // the token grants reading only, and an op was submitted
  kTooManyDocs,      // one connection subscribed to more than max_docs documents
  kNotSubscribed,    // an op or presence for a document the connection is not subscribed to
  kVersionAhead,     // a base or sub version beyond the document's version
  kResyncRequired,   // a version older than the retained history; a snapshot follows
  // The OT type's codes, under their own names (ot/error.hpp).
  kBadOp,
  kBadComponent,
  kBadNumber,
  kEmptyComponent,
  kAdjacentSkips,
  kTrailingSkip,
  kInvalidUtf8,
  kLoneSurrogate,
  kOpPastEnd,
  kOpTooLarge,
  kDocTooLarge,     // ot's document_too_large: the op would make the document too large
  kRateLimited,     // the client sends faster than allowed
  kOverloaded,      // the server sheds load (a full queue); retry later
  kTooManyNewDocs,  // the client's address created more documents than allowed per minute
  kInternal,        // a bug or a failed dependency (storage); retry later
};

inline constexpr ErrorCode kLastErrorCode = ErrorCode::kInternal;

// The snake_case name sent on the wire, e.g. "bad_doc_id".
std::string_view error_code_name(ErrorCode code);
// The code with that wire name, if any.
std::optional<ErrorCode> parse_error_code(std::string_view name);

// The wire code for an OT error. ot's invalid_json and document_too_large become bad_json and
// doc_too_large, so one condition never has two names.
ErrorCode from_ot(ot::ErrorCode code);

// A refused message, with what is known of the message so the error frame can point at it.
struct Error {
  ErrorCode code;
  std::string message;
  std::optional<std::string> doc;    // the message's doc, once it was read
  std::optional<std::uint64_t> seq;  // the submit's seq, once it was read

  [[nodiscard]] std::string_view code_name() const { return error_code_name(code); }
};

Error make_error(ErrorCode code, std::string message);
// An OT error about the field `field`, e.g. "op: component 2: length must be > 0".
Error from_ot(const ot::Error& error, std::string_view field);

template <class T>
using Result = tandem::Result<T, Error>;

}  // namespace tandem::proto
