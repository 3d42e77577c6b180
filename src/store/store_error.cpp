#include "store/store_error.hpp"

namespace tandem::store {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kClosed:
      return "closed";
  }
  return "unknown";
}

Error closed_error() { return make_error(ErrorCode::kClosed, "the document store is closed"); }

}  // namespace tandem::store
