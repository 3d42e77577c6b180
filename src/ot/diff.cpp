#include "ot/diff.hpp"

#include <algorithm>

#include "ot/utf8.hpp"

namespace tandem::ot {

Op diff(std::string_view from, std::string_view to) {
  const std::size_t shorter = std::min(from.size(), to.size());
  std::size_t prefix = 0;
  while (prefix < shorter && from[prefix] == to[prefix]) ++prefix;
  // Back up to the start of a code point the two texts share.
  prefix = std::min(floor_code_point_boundary(from, prefix), floor_code_point_boundary(to, prefix));

  std::size_t suffix = 0;
  while (suffix < shorter - prefix &&
         from[from.size() - 1 - suffix] == to[to.size() - 1 - suffix]) {
    ++suffix;
  }
  // The suffix must begin on a lead byte; its bytes are equal in both texts.
  while (suffix > 0 &&
         is_utf8_continuation(static_cast<unsigned char>(from[from.size() - suffix]))) {
    --suffix;
  }

  const std::string_view removed = from.substr(prefix, from.size() - suffix - prefix);
  const std::string_view inserted = to.substr(prefix, to.size() - suffix - prefix);
  Op op;
  append_skip(op, count_code_points(from.substr(0, prefix)));
  append_delete(op, count_code_points(removed));
  append_insert(op, inserted, count_code_points(inserted));
  trim(op);
  return op;
}

}  // namespace tandem::ot
