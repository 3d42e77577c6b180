#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tandem::server::security {

// Machine-readable reasons an access token is refused; docs/security.md says when each happens.
enum class TokenErrorCode : std::uint8_t {
  kMalformed,       // not a compact JWS: parts, base64url, JSON, size or nesting
  kBadSignature,    // the HMAC does not match (wrong secret or altered token)
  kExpired,         // exp (plus the clock skew) has passed
  kNotYetValid,     // nbf (minus the clock skew) is still ahead
  kUnsupportedAlg,  // alg is anything but HS256, "none" included
  kBadClaims,       // sub, name, exp, nbf, iat or docs missing, of the wrong type or out of range
};

// The snake_case name, e.g. "bad_signature".
std::string_view token_error_code_name(TokenErrorCode code);

struct TokenError {
  TokenErrorCode code;
  std::string message;  // for people; never contains the secret or the whole token

  [[nodiscard]] std::string_view code_name() const { return token_error_code_name(code); }
};

template <class T>
using TokenResult = tandem::Result<T, TokenError>;

}  // namespace tandem::server::security
