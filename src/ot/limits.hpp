#pragma once

#include <cstddef>
#include <cstdint>

namespace tandem::ot {

// Largest length or position accepted: JavaScript's Number.MAX_SAFE_INTEGER, so every
// client agrees on the value and sums of lengths never overflow 64 bits.
inline constexpr std::uint64_t kMaxLength = (std::uint64_t{1} << 53) - 1;

// Bounds on untrusted input; the server fills these from its configuration.
struct Limits {
  std::size_t max_components = 65'536;         // components in one op
  std::size_t max_inserted_bytes = 4u << 20;   // UTF-8 bytes inserted by one op
  std::size_t max_json_bytes = 16u << 20;      // size of one op's JSON text
  std::size_t max_document_bytes = 64u << 20;  // UTF-8 size of a document after apply
};

}  // namespace tandem::ot
