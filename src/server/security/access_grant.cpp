#include "server/security/access_grant.hpp"

#include <algorithm>

namespace tandem::server::security {
namespace {

constexpr std::size_t kMaxDocIdLength = 128;

bool is_doc_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '~' || c == '-';
}

// The rule of proto/identifiers.hpp, repeated here so this layer stays independent of proto.
bool is_valid_doc_id(std::string_view doc) {
  if (doc.empty() || doc.size() > kMaxDocIdLength || doc == "." || doc == "..") return false;
  return std::all_of(doc.begin(), doc.end(), is_doc_id_char);
}

}  // namespace

std::string_view access_name(Access access) {
  switch (access) {
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
    case Access::kNone:
      break;
  }
  return "none";
}

std::optional<Access> parse_access(std::string_view name) {
  if (name == "read") return Access::kRead;
  if (name == "write") return Access::kWrite;
  return std::nullopt;
}

bool is_valid_doc_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > kMaxDocPatternLength) return false;
  return std::all_of(pattern.begin(), pattern.end(),
                     [](char c) { return c == '*' || is_doc_id_char(c); });
}

bool doc_pattern_matches(std::string_view pattern, std::string_view doc) {
  // Greedy matching that, on a mismatch, retries from the latest '*' with one more character
  // swallowed; earlier stars never need revisiting, which keeps it polynomial.
  std::size_t p = 0;
  std::size_t d = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_doc = 0;
  while (d < doc.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_doc = d;
    } else if (p < pattern.size() && pattern[p] == doc[d]) {
      ++p;
      ++d;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      d = ++star_doc;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Access AccessGrant::access_for(std::string_view doc) const {
  if (!is_valid_doc_id(doc)) return Access::kNone;
  Access best = Access::kNone;
  for (const DocRule& rule : rules) {
    if (rule.access > best && doc_pattern_matches(rule.pattern, doc)) {
      best = rule.access;
      if (best == Access::kWrite) break;
    }
  }
  return best;
}

}  // namespace tandem::server::security
