#include "proto/identifiers.hpp"

#include <algorithm>

namespace tandem::proto {
namespace {

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool is_valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxClientIdLength) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_valid_doc_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxDocIdLength || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '~' || c == '-';
  });
}

bool is_valid_color(std::string_view color) {
  return color.size() == 7 && color[0] == '#' &&
         std::all_of(color.begin() + 1, color.end(), is_hex);
}

}  // namespace tandem::proto
