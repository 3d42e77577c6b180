#include "server/security/token_error.hpp"

namespace tandem::server::security {

std::string_view token_error_code_name(TokenErrorCode code) {
  switch (code) {
    case TokenErrorCode::kMalformed:
      return "malformed";
    case TokenErrorCode::kBadSignature:
      return "bad_signature";
    case TokenErrorCode::kExpired:
      return "expired";
    case TokenErrorCode::kNotYetValid:
      return "not_yet_valid";
    case TokenErrorCode::kUnsupportedAlg:
      return "unsupported_alg";
    case TokenErrorCode::kBadClaims:
      return "bad_claims";
  }
  return "malformed";
}

}  // namespace tandem::server::security
