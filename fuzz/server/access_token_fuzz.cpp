// Access tokens: arbitrary bytes never crash verification, and whatever verifies re-signs to
// the same grant; claims chosen by the fuzzer, signed and verified at a chosen time, give
// exactly the grant (or exactly the error) the rules predict.

#include <fuzzer/FuzzedDataProvider.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_require.hpp"
#include "server/security/access_token.hpp"

namespace {

using namespace tandem::server::security;
using std::chrono::seconds;
using std::chrono::sys_seconds;

// The secret the seed corpus was signed with (fuzz/server/corpus/access_token_fuzz/).
constexpr std::string_view kSecret = "tandem-fuzz-secret-0123456789abcdef";
// 2023-11-14T22:13:20Z: the seeds are valid then.
const sys_seconds kSeedNow{seconds(1'700'000'000)};

void check_error(const TokenError& error) {
  require(!error.message.empty());
  require(token_error_code_name(error.code) == error.code_name());
}

// Mostly characters that make valid ids and patterns, sometimes anything.
std::string text(FuzzedDataProvider& input, std::size_t max_length, std::string_view alphabet) {
  const bool raw = input.ConsumeIntegralInRange<int>(0, 7) == 0;
  if (raw) return input.ConsumeRandomLengthString(max_length);
  const std::size_t length = input.ConsumeIntegralInRange<std::size_t>(0, max_length);
  std::string out;
  for (std::size_t i = 0; i < length && input.remaining_bytes() > 0; ++i) {
    out += alphabet[input.ConsumeIntegral<std::uint8_t>() % alphabet.size()];
  }
  return out;
}

sys_seconds date(FuzzedDataProvider& input, sys_seconds around) {
  if (input.ConsumeIntegralInRange<int>(0, 15) == 0) {
    return sys_seconds(
        seconds(input.ConsumeIntegralInRange<std::int64_t>(-1000, kMaxNumericDate + 1000)));
  }
  return around + seconds(input.ConsumeIntegralInRange<std::int64_t>(-5000, 5000));
}

bool is_json_text(const AccessClaims& claims) {
  boost::system::error_code ec;
  boost::json::parse(boost::json::serialize(claims_to_json(claims)), ec);
  return !ec;
}

void round_trip_claims(FuzzedDataProvider& input) {
  const sys_seconds base = kSeedNow;
  AccessClaims claims;
  claims.subject = text(input, 300, "abcdefghijklmnopqrstuvwxyz0123456789-_@. \xc3\xa9");
  if (input.ConsumeBool()) claims.name = text(input, 300, "Ada Lovelace\xe2\x9c\x93\"\\/\x7f\n");
  claims.expires = date(input, base);
  if (input.ConsumeBool()) claims.not_before = date(input, base);
  if (input.ConsumeBool()) claims.issued_at = date(input, base);
  const std::size_t rules = input.ConsumeIntegralInRange<std::size_t>(0, 70);
  for (std::size_t i = 0; i < rules && input.remaining_bytes() > 0; ++i) {
    DocRule rule;
    rule.pattern = text(input, 40, "ab.-_~*Z9/");
    rule.access = static_cast<Access>(input.ConsumeIntegralInRange<int>(0, 3));
    claims.docs.push_back(std::move(rule));
  }
  // Near the seeds' time: a system_clock time_point (nanoseconds) ends in 2262.
  const auto now = std::chrono::system_clock::time_point(
                       base + seconds(input.ConsumeIntegralInRange<int>(-6000, 6000))) +
                   std::chrono::milliseconds(input.ConsumeIntegralInRange<int>(0, 999));

  const std::string token = sign_access_token(claims, kSecret);
  auto verified = verify_access_token(token, kSecret, now);
  if (token.size() > kMaxTokenBytes || !is_json_text(claims)) {
    require(!verified.ok() && verified.error().code == TokenErrorCode::kMalformed);
    return;
  }
  if (!check_claims(claims).ok()) {
    require(!verified.ok() && verified.error().code == TokenErrorCode::kBadClaims);
    return;
  }
  const auto now_seconds = std::chrono::floor<seconds>(now);
  if (now_seconds >= claims.expires + kClockSkew) {
    require(!verified.ok() && verified.error().code == TokenErrorCode::kExpired);
    return;
  }
  if (claims.not_before && now_seconds < *claims.not_before - kClockSkew) {
    require(!verified.ok() && verified.error().code == TokenErrorCode::kNotYetValid);
    return;
  }
  require(verified.ok());
  require(*verified == (AccessGrant{claims.subject, claims.name, claims.expires, claims.docs}));
  // Another secret never verifies it.
  auto forged = verify_access_token(token, "another-secret-0123456789abcdef-x", now);
  require(!forged.ok() && forged.error().code == TokenErrorCode::kBadSignature);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto verified = verify_access_token(token, kSecret, kSeedNow);
  if (verified.ok()) {
    const AccessGrant& grant = *verified;
    require(!grant.subject.empty() && grant.rules.size() <= kMaxDocRules);
    AccessClaims claims{grant.subject, grant.name,   grant.expires,
                        std::nullopt,  std::nullopt, grant.rules};
    require(check_claims(claims).ok());
    auto again = verify_access_token(sign_access_token(claims, kSecret), kSecret, kSeedNow);
    require(again.ok() && *again == grant);
    for (const DocRule& rule : grant.rules) {
      require(is_valid_doc_pattern(rule.pattern));
      static_cast<void>(grant.access_for(rule.pattern));
    }
  } else {
    check_error(verified.error());
  }
  FuzzedDataProvider input(data, size);
  round_trip_claims(input);
  return 0;
}
