#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "store/document_store.hpp"

namespace tandem::store {

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

// The snake_case name of a code, for logs and metrics labels, e.g. "conflict".
std::string_view error_code_name(ErrorCode code);

// What every call made after close() receives.
Error closed_error();

}  // namespace tandem::store
