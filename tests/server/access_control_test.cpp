#include "server/access_control.hpp"

#include "server/security/access_token.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

namespace tandem::server {
namespace {

using std::chrono::seconds;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";

std::string token_expiring_at(std::chrono::sys_seconds exp) {
  security::AccessClaims claims;
  claims.subject = "u1";
  claims.expires = exp;
  claims.docs = {{"*", Access::kWrite}};
  return security::sign_access_token(claims, kSecret);
}

AccessControlOptions options_with_secret() {
  AccessControlOptions options;
  options.auth_secret = kSecret;
  return options;
}

// Issue 22 item 7: the verifier accepted a token until exp + 30 s, but the connection's
// permissions ended at exp, so a token 5-10 s past exp was welcomed and then refused.
TEST(AccessControlTest, PermissionsEndWhenTheVerifierStopsAcceptingTheToken) {
  AccessControl access(options_with_secret());
  const auto now = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  const auto exp = now - seconds(10);
  auto permissions = access.authorize(token_expiring_at(exp));
  ASSERT_TRUE(std::holds_alternative<Permissions>(permissions));
  const auto& expires = std::get<Permissions>(permissions).expires;
  ASSERT_TRUE(expires.has_value());
  EXPECT_EQ(*expires, std::chrono::system_clock::time_point(exp + seconds(30)));
  EXPECT_GT(*expires, std::chrono::system_clock::now());
}

// exp may be as late as 9999-12-31, past what a nanosecond time_point holds: no overflow into
// the past (which would end the connection at once), just no end.
TEST(AccessControlTest, AFarFutureExpiryDoesNotOverflow) {
  AccessControl access(options_with_secret());
  auto permissions =
      access.authorize(token_expiring_at(std::chrono::sys_seconds{seconds(253402300799)}));
  ASSERT_TRUE(std::holds_alternative<Permissions>(permissions));
  const auto& expires = std::get<Permissions>(permissions).expires;
  EXPECT_TRUE(!expires || *expires > std::chrono::system_clock::now());
}

TEST(AccessControlTest, OneExpiryRuleForTheVerifierAndTheConnections) {
  const std::chrono::sys_seconds exp{seconds(2'000'000'000)};
  EXPECT_EQ(security::token_valid_until(exp), exp + security::kClockSkew);
  const std::string token = token_expiring_at(exp);
  const auto end = security::token_valid_until(exp);
  EXPECT_TRUE(security::verify_access_token(token, kSecret, end - seconds(1)).ok());
  EXPECT_FALSE(security::verify_access_token(token, kSecret, end).ok());
}

}  // namespace
}  // namespace tandem::server
