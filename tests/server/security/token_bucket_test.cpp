#include "server/security/token_bucket.hpp"
#include "server/security/address_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace tandem::server::security {
namespace {

using boost::asio::ip::make_address;
using std::chrono::milliseconds;
const auto t0 = TokenBucket::Clock::time_point{} + std::chrono::hours(1);

TEST(TokenBucketTest, AllowsTheBurstThenRefusesWithTheWaitForTheNextToken) {
  TokenBucket bucket(RateLimit{10, 5}, t0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(bucket.take(t0), milliseconds(0)) << i;
  // One token comes every 100 ms.
  EXPECT_EQ(bucket.take(t0), milliseconds(100));
  EXPECT_EQ(bucket.take(t0 + milliseconds(40)), milliseconds(60));
  EXPECT_EQ(bucket.take(t0 + milliseconds(100)), milliseconds(0));
  EXPECT_GT(bucket.take(t0 + milliseconds(100)), milliseconds(0));
}

TEST(TokenBucketTest, RefillsAtTheRateAndNeverBeyondTheBurst) {
  TokenBucket bucket(RateLimit{10, 5}, t0);
  for (int i = 0; i < 5; ++i) bucket.take(t0);
  EXPECT_FALSE(bucket.full(t0));
  // An hour of silence is worth the burst, not 36,000 tokens.
  const auto later = t0 + std::chrono::hours(1);
  EXPECT_TRUE(bucket.full(later));
  int allowed = 0;
  while (bucket.take(later) == milliseconds(0)) ++allowed;
  EXPECT_EQ(allowed, 5);
}

TEST(TokenBucketTest, SustainedRateIsThePerSecondRate) {
  TokenBucket bucket(RateLimit{50, 1}, t0);
  int allowed = 0;
  // Someone trying every millisecond for ten seconds gets 50 a second, plus the first token.
  for (int ms = 0; ms < 10'000; ++ms) {
    if (bucket.take(t0 + milliseconds(ms)) == milliseconds(0)) ++allowed;
  }
  EXPECT_GE(allowed, 500);
  EXPECT_LE(allowed, 501);
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket bucket(RateLimit{0, 0}, t0);
  for (int i = 0; i < 100'000; ++i) ASSERT_EQ(bucket.take(t0), milliseconds(0));
  EXPECT_TRUE(bucket.full(t0));
}

TEST(TokenBucketTest, AClockGoingBackwardsRefillsNothing) {
  TokenBucket bucket(RateLimit{10, 1}, t0);
  EXPECT_EQ(bucket.take(t0), milliseconds(0));
  EXPECT_GT(bucket.take(t0 - std::chrono::seconds(5)), milliseconds(0));
  EXPECT_EQ(bucket.take(t0 + milliseconds(100)), milliseconds(0));
}

TEST(AddressRateLimiterTest, EachAddressHasItsOwnBucket) {
  AddressRateLimiter limiter(RateLimit{1, 2});
  const auto a = make_address("198.51.100.7");
  const auto b = make_address("198.51.100.8");
  EXPECT_EQ(limiter.take(a, t0), milliseconds(0));
  EXPECT_EQ(limiter.take(a, t0), milliseconds(0));
  EXPECT_EQ(limiter.take(a, t0), milliseconds(1000));
  EXPECT_EQ(limiter.take(b, t0), milliseconds(0));  // another client is not affected
  EXPECT_EQ(limiter.take(a, t0 + std::chrono::seconds(1)), milliseconds(0));
}

TEST(AddressRateLimiterTest, IPv6AddressesShareTheirSlash64) {
  AddressRateLimiter limiter(RateLimit{1, 1});
  EXPECT_EQ(limiter.take(make_address("2001:db8:1:2::1"), t0), milliseconds(0));
  EXPECT_GT(limiter.take(make_address("2001:db8:1:2:ffff::9"), t0), milliseconds(0));
  EXPECT_EQ(limiter.take(make_address("2001:db8:1:3::1"), t0), milliseconds(0));
}

TEST(AddressRateLimiterTest, ForgetsRefilledBucketsSoMemoryFollowsActiveAddresses) {
  AddressRateLimiter limiter(RateLimit{100, 1});
  for (int i = 0; i < 20'000; ++i) {
    const std::string address = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    limiter.take(make_address(address), t0);
  }
  EXPECT_GE(limiter.tracked(), 20'000u);
  // A second later every bucket has refilled; new addresses push the old ones out.
  const auto later = t0 + std::chrono::seconds(1);
  for (int i = 0; i < 20'000; ++i) {
    const std::string address = "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    limiter.take(make_address(address), later);
  }
  EXPECT_LT(limiter.tracked(), 30'000u);
}

}  // namespace
}  // namespace tandem::server::security
