#pragma once

#include "server/security/connection_limiter.hpp"
#include "server/security/token_bucket.hpp"

#include <boost/asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <unordered_map>

namespace tandem::server::security {

// One token bucket per client address, shared by every connection and event loop: what one
// address may do in all, however many connections it opens. Addresses are keyed like
// ConnectionLimiter's (IPv4 one by one, IPv6 per /64). Buckets that refilled are forgotten, so
// memory follows the addresses active in the last `burst / per_second` seconds.
class AddressRateLimiter {
 public:
  using Clock = TokenBucket::Clock;

  explicit AddressRateLimiter(RateLimit limit);
  AddressRateLimiter(const AddressRateLimiter&) = delete;
  AddressRateLimiter& operator=(const AddressRateLimiter&) = delete;

  // Zero when `client` may go on (a token was taken), else how long it should wait.
  std::chrono::milliseconds take(const boost::asio::ip::address& client,
                                 Clock::time_point now = Clock::now());

  [[nodiscard]] std::size_t tracked() const;
  [[nodiscard]] const RateLimit& limit() const { return limit_; }

 private:
  using Key = ConnectionLimiter::Key;
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<Key, TokenBucket, KeyHash> buckets;
    std::size_t prune_at = 1024;  // doubles while most buckets are still in use
  };
  static constexpr std::size_t kShards = 16;

  RateLimit limit_;
  std::array<Shard, kShards> shards_;
};

}  // namespace tandem::server::security
