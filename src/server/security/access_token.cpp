#include "server/security/access_token.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <optional>
#include <utility>

#include "server/security/base64url.hpp"
#include "server/security/hmac_sha256.hpp"

namespace tandem::server::security {
namespace {

constexpr std::string_view kSignedHeader = R"({"alg":"HS256","typ":"JWT"})";

TokenError error(TokenErrorCode code, std::string message) {
  return TokenError{code, std::move(message)};
}

// Token parts, decoded: JSON text with the limits every token gets.
TokenResult<boost::json::object> parse_part(std::string_view encoded, std::string_view part) {
  auto text = base64url_decode(encoded);
  if (!text) return error(TokenErrorCode::kMalformed, std::string(part) + " is not base64url");
  boost::json::parse_options options;
  options.max_depth = kMaxTokenJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(*text, ec, {}, options);
  if (ec) {
    return error(TokenErrorCode::kMalformed, std::string(part) + " is not JSON (" + ec.message() +
                                                 "), or nests deeper than " +
                                                 std::to_string(kMaxTokenJsonDepth) + " levels");
  }
  auto* object = value.if_object();
  if (object == nullptr) {
    return error(TokenErrorCode::kMalformed, std::string(part) + " must be a JSON object");
  }
  return std::move(*object);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// An attacker-chosen value quoted in a message: short and printable, or left out.
std::string quote_if_printable(std::string_view text) {
  if (text.size() > 32) return "";
  for (const char c : text) {
    if (c < 0x21 || c > 0x7E) return "";
  }
  return " \"" + std::string(text) + "\"";
}

TokenResult<void> check_header(const boost::json::object& header) {
  const auto* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return error(TokenErrorCode::kMalformed, "header has no alg");
  }
  const std::string_view name = alg->get_string();
  if (name != "HS256") {
    return error(TokenErrorCode::kUnsupportedAlg,
                 "alg" + quote_if_printable(name) + " is not supported; tokens must use HS256");
  }
  if (const auto* typ = header.if_contains("typ")) {
    if (!typ->is_string() || !equals_ignoring_case(typ->get_string(), "JWT")) {
      return error(TokenErrorCode::kMalformed, "header typ must be \"JWT\"");
    }
  }
  // RFC 7515 §4.1.11: an extension we are told we must understand, and do not, refuses.
  if (header.contains("crit")) {
    return error(TokenErrorCode::kMalformed, "header lists critical extensions (crit)");
  }
  return {};
}

}  // namespace

TokenResult<AccessGrant> verify_access_token(std::string_view token, std::string_view secret,
                                             std::chrono::system_clock::time_point now) {
  if (token.size() > kMaxTokenBytes) {
    return error(TokenErrorCode::kMalformed, "token is " + std::to_string(token.size()) +
                                                 " bytes, limit is " +
                                                 std::to_string(kMaxTokenBytes));
  }
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return error(TokenErrorCode::kMalformed,
                 "a token is three base64url parts separated by dots (compact JWS)");
  }
  const std::string_view signing_input = token.substr(0, second_dot);
  auto header = parse_part(token.substr(0, first_dot), "header");
  if (!header) return std::move(header).error();
  if (auto ok = check_header(*header); !ok) return std::move(ok).error();

  const auto signature = base64url_decode(token.substr(second_dot + 1));
  if (!signature) return error(TokenErrorCode::kMalformed, "signature is not base64url");
  if (secret.empty() || !digest_equals(hmac_sha256(secret, signing_input), *signature)) {
    return error(TokenErrorCode::kBadSignature,
                 "signature does not match (signed with another secret, or altered)");
  }

  auto payload = parse_part(token.substr(first_dot + 1, second_dot - first_dot - 1), "payload");
  if (!payload) return std::move(payload).error();
  auto claims = claims_from_json(*payload);
  if (!claims) return std::move(claims).error();
  if (auto ok = check_claims(*claims); !ok) return std::move(ok).error();

  // Whole seconds on both sides: NumericDates up to year 9999 overflow nanosecond clocks.
  const auto now_seconds = std::chrono::floor<std::chrono::seconds>(now);
  if (now_seconds >= token_valid_until(claims->expires)) {
    return error(
        TokenErrorCode::kExpired,
        "token expired at exp " + std::to_string(claims->expires.time_since_epoch().count()));
  }
  if (claims->not_before && now_seconds < *claims->not_before - kClockSkew) {
    return error(TokenErrorCode::kNotYetValid,
                 "token is not valid before nbf " +
                     std::to_string(claims->not_before->time_since_epoch().count()));
  }
  AccessClaims& valid = *claims;
  return AccessGrant{std::move(valid.subject), std::move(valid.name), valid.expires,
                     std::move(valid.docs)};
}

std::string sign_access_token(const AccessClaims& claims, std::string_view secret) {
  std::string token = base64url_encode(kSignedHeader);
  token += '.';
  token += base64url_encode(boost::json::serialize(claims_to_json(claims)));
  const Sha256Digest digest = hmac_sha256(secret, token);
  token += '.';
  token += base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  return token;
}

tandem::Result<void, std::string> check_token_secret(std::string_view secret) {
  if (secret.size() < kMinSecretBytes) {
    return "the token secret must be at least " + std::to_string(kMinSecretBytes) +
           " bytes (HS256 keys need 256 bits); it is " + std::to_string(secret.size());
  }
  return {};
}

}  // namespace tandem::server::security
