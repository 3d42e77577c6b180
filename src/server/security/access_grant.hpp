#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::server::security {

// What a token lets its bearer do with one document; ordered, so a greater value grants more.
enum class Access : std::uint8_t { kNone, kRead, kWrite };

// "none", "read" or "write".
std::string_view access_name(Access access);
// "read" or "write" (the only values a token's rule may carry); nullopt otherwise.
std::optional<Access> parse_access(std::string_view name);

inline constexpr std::size_t kMaxDocPatternLength = 256;

// 1-256 characters of [A-Za-z0-9._~-] (the doc id alphabet) and '*'.
bool is_valid_doc_pattern(std::string_view pattern);

// Whether `doc` matches the glob `pattern`, where '*' matches any run of characters (also an
// empty one) and every other character matches itself, case-sensitively. Linear in practice,
// O(|pattern| * |doc|) at worst: no backtracking blow-up.
bool doc_pattern_matches(std::string_view pattern, std::string_view doc);

// One entry of a token's "docs" claim: `pattern` grants `access` to the documents it matches.
struct DocRule {
  std::string pattern;
  Access access = Access::kNone;

  friend bool operator==(const DocRule&, const DocRule&) = default;
};

// What a verified token says about its bearer.
struct AccessGrant {
  std::string subject;              // the user id ("sub")
  std::optional<std::string> name;  // the display name ("name"), if the token has one
  std::chrono::sys_seconds expires{};
  std::vector<DocRule> rules;

  // The most permissive access among the rules matching `doc`; write implies read. kNone for
  // anything that is not a valid doc id, so a "*" rule never reaches past the doc id alphabet.
  [[nodiscard]] Access access_for(std::string_view doc) const;
  [[nodiscard]] bool can_read(std::string_view doc) const {
    return access_for(doc) >= Access::kRead;
  }
  [[nodiscard]] bool can_write(std::string_view doc) const {
    return access_for(doc) == Access::kWrite;
  }

  friend bool operator==(const AccessGrant&, const AccessGrant&) = default;
};

}  // namespace tandem::server::security
