#include "server/security/access_token.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "server/security/base64url.hpp"
#include "server/security/hmac_sha256.hpp"

namespace tandem::server::security {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using std::chrono::system_clock;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
const sys_seconds kExp{seconds(2'000'000'000)};

system_clock::time_point at(sys_seconds time) { return time; }

// A token with exactly this header and payload text, signed with `secret`.
std::string raw_token(std::string_view header, std::string_view payload,
                      std::string_view secret = kSecret) {
  std::string token = base64url_encode(header) + "." + base64url_encode(payload);
  const Sha256Digest mac = hmac_sha256(secret, token);
  return token + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string payload_with(std::string_view extra) {
  return R"({"sub":"u1","exp":2000000000)" + std::string(extra) + "}";
}

AccessClaims sample_claims() {
  AccessClaims claims;
  claims.subject = "user-42";
  claims.name = "Ada Lovelace";
  claims.expires = kExp;
  claims.issued_at = kExp - seconds(3600);
  claims.docs = {{"team-a.*", Access::kWrite}, {"*", Access::kRead}};
  return claims;
}

TokenErrorCode code_of(std::string_view token,
                       system_clock::time_point now = at(kExp - seconds(60)),
                       std::string_view secret = kSecret) {
  auto result = verify_access_token(token, secret, now);
  EXPECT_FALSE(result.ok()) << token;
  if (result.ok()) return TokenErrorCode::kMalformed;
  EXPECT_FALSE(result.error().message.empty());
  return result.error().code;
}

TEST(AccessTokenTest, SignedClaimsVerifyToTheGrant) {
  const AccessClaims claims = sample_claims();
  const std::string token = sign_access_token(claims, kSecret);
  auto grant = verify_access_token(token, kSecret, at(kExp - seconds(60)));
  ASSERT_TRUE(grant.ok()) << grant.error().message;
  EXPECT_EQ(grant->subject, "user-42");
  EXPECT_EQ(grant->name, "Ada Lovelace");
  EXPECT_EQ(grant->expires, kExp);
  EXPECT_EQ(grant->rules, claims.docs);
  EXPECT_TRUE(grant->can_write("team-a.plan"));
  EXPECT_EQ(grant->access_for("team-b.plan"), Access::kRead);
}

TEST(AccessTokenTest, SignsWithTheStandardHeader) {
  const std::string token = sign_access_token(sample_claims(), kSecret);
  EXPECT_EQ(base64url_decode(token.substr(0, token.find('.'))), kHeader);
}

TEST(AccessTokenTest, MinimalTokenHasNoNameAndNoDocs) {
  auto grant =
      verify_access_token(raw_token(kHeader, payload_with("")), kSecret, at(kExp - seconds(1)));
  ASSERT_TRUE(grant.ok()) << grant.error().message;
  EXPECT_FALSE(grant->name);
  EXPECT_TRUE(grant->rules.empty());
  EXPECT_EQ(grant->access_for("anything"), Access::kNone);
}

TEST(AccessTokenTest, Rfc7515ExampleHasAGoodSignatureButNoSub) {
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  ASSERT_TRUE(key);
  EXPECT_EQ(code_of(token, at(sys_seconds(seconds(1300819380 - 60))), *key),
            TokenErrorCode::kBadClaims);
  EXPECT_EQ(code_of(token, at(sys_seconds(seconds(1300819380 - 60))), kSecret),
            TokenErrorCode::kBadSignature);
}

TEST(AccessTokenTest, ExpiryAllowsThirtySecondsOfSkew) {
  const std::string token = raw_token(kHeader, payload_with(""));
  EXPECT_TRUE(verify_access_token(token, kSecret, at(kExp)).ok());
  EXPECT_TRUE(verify_access_token(token, kSecret, at(kExp + seconds(29))).ok());
  EXPECT_TRUE(
      verify_access_token(token, kSecret, at(kExp + seconds(29)) + std::chrono::milliseconds(999))
          .ok());
  EXPECT_EQ(code_of(token, at(kExp + seconds(30))), TokenErrorCode::kExpired);
  EXPECT_EQ(code_of(token, at(kExp + seconds(86400))), TokenErrorCode::kExpired);
}

TEST(AccessTokenTest, NotBeforeAllowsThirtySecondsOfSkew) {
  const sys_seconds nbf = kExp - seconds(600);
  const std::string token = raw_token(
      kHeader, payload_with(",\"nbf\":" + std::to_string(nbf.time_since_epoch().count())));
  EXPECT_TRUE(verify_access_token(token, kSecret, at(nbf)).ok());
  EXPECT_TRUE(verify_access_token(token, kSecret, at(nbf - seconds(30))).ok());
  EXPECT_EQ(code_of(token, at(nbf - seconds(30)) - std::chrono::milliseconds(1)),
            TokenErrorCode::kNotYetValid);
  EXPECT_EQ(code_of(token, at(nbf - seconds(3600))), TokenErrorCode::kNotYetValid);
}

TEST(AccessTokenTest, FractionalDatesRoundTowardsStrict) {
  const std::string token = raw_token(kHeader, R"({"sub":"u","exp":2000000000.9})");
  EXPECT_EQ(code_of(token, at(kExp + seconds(30))), TokenErrorCode::kExpired);
  auto grant = verify_access_token(token, kSecret, at(kExp));
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->expires, kExp);
  const std::string nbf = raw_token(kHeader, payload_with(R"(,"nbf":1999999000.1)"));
  EXPECT_EQ(code_of(nbf, at(sys_seconds(seconds(1999999000 - 30)))), TokenErrorCode::kNotYetValid);
  EXPECT_TRUE(verify_access_token(nbf, kSecret, at(sys_seconds(seconds(1999999001 - 30)))).ok());
}

TEST(AccessTokenTest, OnlyHs256IsAccepted) {
  const std::string payload = base64url_encode(payload_with(""));
  // alg "none": an unsigned token, refused before any signature is looked at.
  EXPECT_EQ(code_of(base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + payload + "."),
            TokenErrorCode::kUnsupportedAlg);
  EXPECT_EQ(code_of(raw_token(R"({"alg":"none"})", payload_with(""))),
            TokenErrorCode::kUnsupportedAlg);
  EXPECT_EQ(code_of(raw_token(R"({"alg":"HS512"})", payload_with(""))),
            TokenErrorCode::kUnsupportedAlg);
  EXPECT_EQ(code_of(raw_token(R"({"alg":"hs256"})", payload_with(""))),
            TokenErrorCode::kUnsupportedAlg);
  EXPECT_EQ(code_of(raw_token(R"({"alg":"RS256"})", payload_with(""))),
            TokenErrorCode::kUnsupportedAlg);
  EXPECT_EQ(code_of(raw_token(R"({"typ":"JWT"})", payload_with(""))), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(raw_token(R"({"alg":256})", payload_with(""))), TokenErrorCode::kMalformed);
}

TEST(AccessTokenTest, HeaderTypMustBeJwtAndCritIsRefused) {
  EXPECT_TRUE(
      verify_access_token(raw_token(R"({"alg":"HS256"})", payload_with("")), kSecret, at(kExp))
          .ok());
  EXPECT_TRUE(verify_access_token(raw_token(R"({"typ":"jwt","alg":"HS256"})", payload_with("")),
                                  kSecret, at(kExp))
                  .ok());
  EXPECT_EQ(code_of(raw_token(R"({"alg":"HS256","typ":"JOSE+JSON"})", payload_with(""))),
            TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(raw_token(R"({"alg":"HS256","crit":["exp"],"exp":1})", payload_with(""))),
            TokenErrorCode::kMalformed);
}

TEST(AccessTokenTest, TamperingBreaksTheSignature) {
  const std::string token = sign_access_token(sample_claims(), kSecret);
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first + 1);
  AccessClaims more = sample_claims();
  more.docs = {{"*", Access::kWrite}};
  const std::string other = sign_access_token(more, kSecret);
  const std::string forged_payload = token.substr(0, first + 1) +
                                     other.substr(first + 1, other.rfind('.') - first - 1) +
                                     token.substr(second);
  EXPECT_EQ(code_of(forged_payload), TokenErrorCode::kBadSignature);
  const std::string forged_header = base64url_encode(R"({"alg":"HS256"})") + token.substr(first);
  EXPECT_EQ(code_of(forged_header), TokenErrorCode::kBadSignature);
  std::string flipped = token;
  flipped[second + 5] = flipped[second + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(code_of(flipped), TokenErrorCode::kBadSignature);
  // The unused low bits of the last character: same bytes, second spelling, refused.
  std::string respelled = token;
  respelled.back() = static_cast<char>(respelled.back() ^ 1);
  EXPECT_EQ(code_of(respelled), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(token.substr(0, second + 1)), TokenErrorCode::kBadSignature);
}

TEST(AccessTokenTest, WrongOrEmptySecretFails) {
  const std::string token = sign_access_token(sample_claims(), kSecret);
  EXPECT_EQ(code_of(token, at(kExp), "another secret of thirty-two bytes"),
            TokenErrorCode::kBadSignature);
  EXPECT_EQ(code_of(token, at(kExp), kSecret.substr(1)), TokenErrorCode::kBadSignature);
  // An empty secret never verifies, even a token signed with it.
  EXPECT_EQ(code_of(sign_access_token(sample_claims(), ""), at(kExp), ""),
            TokenErrorCode::kBadSignature);
}

TEST(AccessTokenTest, StructureAndEncodingErrorsAreMalformed) {
  const std::string token = sign_access_token(sample_claims(), kSecret);
  EXPECT_EQ(code_of(""), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of("abc"), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of("a.b"), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(token + ".x"), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of("..."), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(token + "="), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of("=" + token), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(" " + token), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(base64url_encode("{not json") + token.substr(token.find('.'))),
            TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(base64url_encode("[\"HS256\"]") + token.substr(token.find('.'))),
            TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(raw_token(kHeader, "not json")), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(raw_token(kHeader, "[1,2]")), TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(raw_token(kHeader, "{\"sub\":\"\xff\",\"exp\":2000000000}")),
            TokenErrorCode::kMalformed);
  // The payload's base64url is checked only after the signature.
  std::string bad_payload = token;
  bad_payload[token.find('.') + 1] = '+';
  EXPECT_EQ(code_of(bad_payload), TokenErrorCode::kBadSignature);
}

TEST(AccessTokenTest, OversizedTokensAreRefusedUnread) {
  AccessClaims claims = sample_claims();
  claims.name = std::string(kMaxNameBytes, 'n');
  std::string token = sign_access_token(claims, kSecret);
  EXPECT_LE(token.size(), kMaxTokenBytes);
  EXPECT_TRUE(verify_access_token(token, kSecret, at(kExp)).ok());
  const std::string huge =
      raw_token(kHeader, payload_with(",\"pad\":\"" + std::string(7000, 'x') + "\""));
  ASSERT_GT(huge.size(), kMaxTokenBytes);
  EXPECT_EQ(code_of(huge), TokenErrorCode::kMalformed);
}

TEST(AccessTokenTest, JsonNestingIsLimitedToEightLevels) {
  EXPECT_TRUE(verify_access_token(raw_token(kHeader, payload_with(R"(,"x":[[[[[[[1]]]]]]])")),
                                  kSecret, at(kExp))
                  .ok());
  EXPECT_EQ(code_of(raw_token(kHeader, payload_with(R"(,"x":[[[[[[[[1]]]]]]]])"))),
            TokenErrorCode::kMalformed);
  EXPECT_EQ(code_of(raw_token(R"({"alg":"HS256","x":[[[[[[[[1]]]]]]]]})", payload_with(""))),
            TokenErrorCode::kMalformed);
}

TEST(AccessTokenTest, ClaimErrorsAreBadClaims) {
  for (const std::string_view payload : {
           R"({"exp":2000000000})",
           R"({"sub":42,"exp":2000000000})",
           R"({"sub":"","exp":2000000000})",
           R"({"sub":"a\nb","exp":2000000000})",
           R"({"sub":"u"})",
           R"({"sub":"u","exp":"2000000000"})",
           R"({"sub":"u","exp":-1})",
           R"({"sub":"u","exp":1e300})",
           R"({"sub":"u","exp":253402300800})",
           R"({"sub":"u","exp":2000000000,"nbf":true})",
           R"({"sub":"u","exp":2000000000,"iat":null})",
           R"({"sub":"u","exp":2000000000,"name":7})",
           R"({"sub":"u","exp":2000000000,"docs":{"pattern":"*","access":"read"}})",
           R"({"sub":"u","exp":2000000000,"docs":["*"]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"pattern":"*"}]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"access":"read"}]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"pattern":"*","access":"admin"}]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"pattern":"*","access":"none"}]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"pattern":"a/b","access":"read"}]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"pattern":"","access":"read"}]})",
           R"({"sub":"u","exp":2000000000,"docs":[{"pattern":"*","access":"read","deny":true}]})",
       }) {
    EXPECT_EQ(code_of(raw_token(kHeader, payload)), TokenErrorCode::kBadClaims) << payload;
  }
}

TEST(AccessTokenTest, AtMostSixtyFourRules) {
  std::string rules;
  for (std::size_t i = 0; i < kMaxDocRules; ++i) {
    rules += (i == 0 ? "" : ",") + std::string(R"({"pattern":"d)") + std::to_string(i) +
             R"(","access":"read"})";
  }
  EXPECT_TRUE(verify_access_token(raw_token(kHeader, payload_with(",\"docs\":[" + rules + "]")),
                                  kSecret, at(kExp))
                  .ok());
  rules += R"(,{"pattern":"x","access":"read"})";
  EXPECT_EQ(code_of(raw_token(kHeader, payload_with(",\"docs\":[" + rules + "]"))),
            TokenErrorCode::kBadClaims);
}

TEST(AccessTokenTest, UnknownClaimsAreIgnored) {
  auto grant = verify_access_token(
      raw_token(kHeader, payload_with(R"(,"iss":"idp","aud":["tandem"],"jti":"x","roles":{})")),
      kSecret, at(kExp));
  EXPECT_TRUE(grant.ok()) << grant.error().message;
}

TEST(AccessTokenTest, CheckClaimsAgreesWithVerification) {
  AccessClaims claims = sample_claims();
  EXPECT_TRUE(check_claims(claims).ok());
  claims.subject.clear();
  EXPECT_EQ(check_claims(claims).error().code, TokenErrorCode::kBadClaims);
  EXPECT_EQ(code_of(sign_access_token(claims, kSecret)), TokenErrorCode::kBadClaims);
  claims = sample_claims();
  claims.docs.push_back({"ok", Access::kNone});
  EXPECT_FALSE(check_claims(claims).ok());
  claims = sample_claims();
  claims.name = "bad\xc0\xafutf8";
  EXPECT_FALSE(check_claims(claims).ok());
}

TEST(AccessTokenTest, ErrorCodesHaveWireNames) {
  EXPECT_EQ(token_error_code_name(TokenErrorCode::kMalformed), "malformed");
  EXPECT_EQ(token_error_code_name(TokenErrorCode::kBadSignature), "bad_signature");
  EXPECT_EQ(token_error_code_name(TokenErrorCode::kExpired), "expired");
  EXPECT_EQ(token_error_code_name(TokenErrorCode::kNotYetValid), "not_yet_valid");
  EXPECT_EQ(token_error_code_name(TokenErrorCode::kUnsupportedAlg), "unsupported_alg");
  EXPECT_EQ(token_error_code_name(TokenErrorCode::kBadClaims), "bad_claims");
}

TEST(AccessTokenTest, SecretsNeedThirtyTwoBytes) {
  EXPECT_TRUE(check_token_secret(kSecret).ok());
  EXPECT_FALSE(check_token_secret(kSecret.substr(1)).ok());
  EXPECT_FALSE(check_token_secret("").ok());
}

}  // namespace
}  // namespace tandem::server::security
