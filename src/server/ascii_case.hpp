#pragma once

#include <cstddef>
#include <string_view>

namespace tandem::server {

// Case-insensitive ASCII comparison for header tokens. Not boost::beast::iequals: the one in
// Boost 1.81 reads one byte past the end of its arguments when they differ in case (found by
// http_query_fuzz).
constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace tandem::server
