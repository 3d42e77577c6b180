#include "server/security/connection_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace tandem::server::security {
namespace {

using boost::asio::ip::make_address;

TEST(ConnectionLimiterTest, RefusesBeyondTheLimitAndFreesOnRelease) {
  ConnectionLimiter limiter(2);
  const auto client = make_address("198.51.100.7");
  auto first = limiter.acquire(client);
  auto second = limiter.acquire(client);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(limiter.acquire(client));
  EXPECT_EQ(limiter.count(client), 2u);
  EXPECT_TRUE(limiter.acquire(make_address("198.51.100.8")));  // another client is not affected
  first.reset();
  EXPECT_EQ(limiter.count(client), 1u);
  EXPECT_TRUE(limiter.acquire(client));
  const auto stats = limiter.stats();
  EXPECT_EQ(stats.clients, 1u);
  EXPECT_EQ(stats.connections, 1u);
  EXPECT_EQ(stats.refused, 1u);
}

TEST(ConnectionLimiterTest, ZeroMeansUnlimitedButCounted) {
  ConnectionLimiter limiter(0);
  const auto client = make_address("198.51.100.7");
  std::vector<ConnectionLimiter::Lease> leases;
  for (int i = 0; i < 1000; ++i) {
    auto lease = limiter.acquire(client);
    ASSERT_TRUE(lease);
    leases.push_back(std::move(*lease));
  }
  EXPECT_EQ(limiter.count(client), 1000u);
  leases.clear();
  EXPECT_EQ(limiter.count(client), 0u);
  EXPECT_EQ(limiter.stats().clients, 0u);
}

TEST(ConnectionLimiterTest, MappedIpv4CountsAsIpv4) {
  ConnectionLimiter limiter(1);
  auto lease = limiter.acquire(make_address("198.51.100.7"));
  ASSERT_TRUE(lease);
  EXPECT_FALSE(limiter.acquire(make_address("::ffff:198.51.100.7")));
  EXPECT_EQ(limiter.count(make_address("::ffff:198.51.100.7")), 1u);
}

TEST(ConnectionLimiterTest, Ipv6CountsPerSlash64) {
  ConnectionLimiter limiter(2);
  auto a = limiter.acquire(make_address("2001:db8:1:2::1"));
  auto b = limiter.acquire(make_address("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(limiter.acquire(make_address("2001:db8:1:2:1234::5")));
  EXPECT_TRUE(limiter.acquire(make_address("2001:db8:1:3::1")));
  EXPECT_EQ(limiter.count(make_address("2001:db8:1:2::99")), 2u);
  // ::/64 holds ::1 but not the IPv4 addresses that map into it.
  auto loopback = limiter.acquire(make_address("::1"));
  EXPECT_TRUE(loopback);
  EXPECT_EQ(limiter.count(make_address("0.0.0.1")), 0u);
}

TEST(ConnectionLimiterTest, MovedLeasesReleaseOnce) {
  ConnectionLimiter limiter(1);
  const auto client = make_address("198.51.100.7");
  auto lease = limiter.acquire(client);
  ASSERT_TRUE(lease);
  ConnectionLimiter::Lease moved = std::move(*lease);
  lease.reset();  // the moved-from lease holds nothing
  EXPECT_EQ(limiter.count(client), 1u);
  auto other = limiter.acquire(make_address("198.51.100.8"));
  ASSERT_TRUE(other);
  moved = std::move(*other);  // assigning releases what `moved` held
  EXPECT_EQ(limiter.count(client), 0u);
  EXPECT_EQ(limiter.count(make_address("198.51.100.8")), 1u);
}

TEST(ConnectionLimiterTest, HoldsTheLimitUnderConcurrentThreads) {
  constexpr std::size_t kLimit = 4;
  constexpr int kThreads = 8;
  constexpr int kRounds = 5000;
  ConnectionLimiter limiter(kLimit);
  const auto shared = make_address("198.51.100.7");
  std::atomic<int> holding{0};
  std::atomic<int> most{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto own = make_address("2001:db8:" + std::to_string(t + 1) + "::1");
      for (int i = 0; i < kRounds; ++i) {
        auto mine = limiter.acquire(own);
        EXPECT_TRUE(mine);
        if (auto lease = limiter.acquire(shared)) {
          const int now = holding.fetch_add(1) + 1;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          granted.fetch_add(1);
          holding.fetch_sub(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(most.load(), static_cast<int>(kLimit));
  EXPECT_GT(granted.load(), 0);
  const auto stats = limiter.stats();
  EXPECT_EQ(stats.connections, 0u);
  EXPECT_EQ(stats.clients, 0u);
  EXPECT_EQ(stats.refused, static_cast<std::uint64_t>(kThreads * kRounds - granted.load()));
}

TEST(ConnectionLimiterTest, LeasesMayBeReleasedOnAnotherThread) {
  ConnectionLimiter limiter(3);
  const auto client = make_address("198.51.100.7");
  std::vector<ConnectionLimiter::Lease> leases;
  leases.reserve(3);
  for (int i = 0; i < 3; ++i) leases.push_back(std::move(*limiter.acquire(client)));
  EXPECT_FALSE(limiter.acquire(client));
  std::thread([moved = std::move(leases)]() mutable { moved.clear(); }).join();
  EXPECT_EQ(limiter.count(client), 0u);
  EXPECT_TRUE(limiter.acquire(client));
}

}  // namespace
}  // namespace tandem::server::security
