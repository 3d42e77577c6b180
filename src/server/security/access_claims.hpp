#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/security/access_grant.hpp"
#include "server/security/token_error.hpp"

namespace tandem::server::security {

inline constexpr std::size_t kMaxDocRules = 64;
inline constexpr std::size_t kMaxSubjectBytes = 256;
inline constexpr std::size_t kMaxNameBytes = 256;
// 9999-12-31T23:59:59Z; later NumericDates are refused rather than overflowing a clock.
inline constexpr std::int64_t kMaxNumericDate = 253402300799;

// The claims of a Tandem access token (docs/security.md shows the JSON).
struct AccessClaims {
  std::string subject;                                 // "sub", required: the user id
  std::optional<std::string> name;                     // "name": the display name
  std::chrono::sys_seconds expires{};                  // "exp", required
  std::optional<std::chrono::sys_seconds> not_before;  // "nbf"
  std::optional<std::chrono::sys_seconds> issued_at;   // "iat"
  std::vector<DocRule> docs;                           // "docs"; none grants no document

  friend bool operator==(const AccessClaims&, const AccessClaims&) = default;
};

// Reads the claims from a JWT claims set, checking types only. Other registered and private
// claims (iss, aud, jti, ...) are ignored; unknown keys inside a docs rule are refused, since
// a rule we half understand could grant more than meant. Fractional dates round towards the
// stricter side (exp and iat down, nbf up).
TokenResult<AccessClaims> claims_from_json(const boost::json::object& claims);

// The claims set that claims_from_json reads back to `claims` (dates as integer seconds).
boost::json::object claims_to_json(const AccessClaims& claims);

// The rules beyond types: sub 1-256 bytes, name at most 256, both valid UTF-8 without control
// characters; dates within [0, kMaxNumericDate]; at most 64 rules with valid patterns and
// access read or write.
TokenResult<void> check_claims(const AccessClaims& claims);

}  // namespace tandem::server::security
