#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "server/security/access_claims.hpp"
#include "server/security/access_grant.hpp"
#include "server/security/token_error.hpp"

namespace tandem::server::security {

inline constexpr std::size_t kMaxTokenBytes = 8192;
inline constexpr std::size_t kMaxTokenJsonDepth = 8;
// Tolerated disagreement between the clocks of the token issuer and this server.
inline constexpr std::chrono::seconds kClockSkew{30};
// The one expiry rule, for the verifier and for every open connection alike: a token is good
// until its exp plus kClockSkew, and not a second longer.
constexpr std::chrono::sys_seconds token_valid_until(std::chrono::sys_seconds exp) {
  return exp + kClockSkew;
}
// RFC 7518 §3.2: an HS256 key must have at least as many bits as the hash.
inline constexpr std::size_t kMinSecretBytes = 32;

// Checks an access token (a compact JWS, HS256 only) against `secret` at time `now`:
// size, header (alg exactly "HS256"; typ, if present, "JWT"; no crit), the HMAC compared in
// constant time before the payload is even decoded, the claims (access_claims.hpp) and
// finally exp and nbf with kClockSkew of slack. Duplicate JSON keys: the last one counts, as
// RFC 7515 §5.2 allows. An empty secret verifies nothing. Never throws on bad input.
TokenResult<AccessGrant> verify_access_token(std::string_view token, std::string_view secret,
                                             std::chrono::system_clock::time_point now);

// A token for `claims` with header {"alg":"HS256","typ":"JWT"}. Does not check the claims
// (tests mint broken tokens on purpose); check_claims() says whether verification will
// accept them. For tests, tools and the bench; production tokens come from the operator's
// own identity service.
std::string sign_access_token(const AccessClaims& claims, std::string_view secret);

// Whether `secret` is fit to sign tokens: at least kMinSecretBytes bytes. For configuration.
tandem::Result<void, std::string> check_token_secret(std::string_view secret);

}  // namespace tandem::server::security
